/*-------------------------------------------------------------------------
 *
 * circuit.c
 *	  Runs a view's circuit once over the deltas of a closed step, or over
 *	  the whole base table for a refresh:
 *
 *	    delta rows -> filter/project -> consolidate (Z-set) -> operator
 *	    (bag output, or grouped fold + apply) -> result table
 *
 *	  A delta that consolidates to nothing (an UPDATE of columns the view does
 *	  not read, or a no-op UPDATE) ends the run before any lock or write.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "stepping.h"

static SPIPlanPtr lock_plan = NULL;

/*
 * Serialize maintenance of one view: update its row in stepping.view_state.
 * Under READ COMMITTED a concurrent step makes us wait; under REPEATABLE
 * READ or SERIALIZABLE it raises a serialization failure.  The caller then
 * takes a fresh snapshot, which sees every step committed before ours.
 */
void
circuit_lock_view(Oid viewid)
{
	Datum		args[1];
	Oid			argtypes[1] = {OIDOID};
	CatalogUser saved;

	catalog_become_owner(&saved);
	SPI_connect();
	if (lock_plan == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare("UPDATE stepping.view_state SET steps = steps + 1 WHERE view_rel = $1",
									   1, argtypes);

		if (plan == NULL)
			elog(ERROR, "stepping: could not prepare the view lock");
		SPI_keepplan(plan);
		lock_plan = plan;
	}
	args[0] = ObjectIdGetDatum(viewid);
	if (SPI_execute_plan(lock_plan, args, NULL, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "stepping: could not lock view %u", viewid);
	SPI_finish();
	catalog_restore_user(&saved);
	CommandCounterIncrement();
}

/* Feed the rows of a tuplestore, each with the given weight, into a Z-set. */
static void
feed_tuplestore(Circuit *c, Tuplestorestate *ts, int64 weight, RowHash *zset,
				Datum *values, bool *isnull)
{
	TupleTableSlot *slot = c->baseslot;

	tuplestore_rescan(ts);
	while (tuplestore_gettupleslot(ts, true, false, slot))
	{
		CHECK_FOR_INTERRUPTS();
		if (filter_project_row(c, slot, values, isnull))
		{
			bool		found;
			RowEntry   *e = rowhash_lookup(zset, values, isnull, &found);

			e->weight += weight;
		}
		ResetExprContext(c->econtext);
	}
	ExecClearTuple(slot);
}

static void
feed_table(Circuit *c, Relation rel, RowHash *zset, Datum *values, bool *isnull)
{
	TupleTableSlot *slot = table_slot_create(rel, NULL);
	TableScanDesc scan = table_beginscan(rel, GetActiveSnapshot(), 0, NULL);

	while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		CHECK_FOR_INTERRUPTS();
		if (filter_project_row(c, slot, values, isnull))
		{
			bool		found;
			RowEntry   *e = rowhash_lookup(zset, values, isnull, &found);

			e->weight += 1;
		}
		ResetExprContext(c->econtext);
	}
	table_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
}

static bool
zset_is_empty(RowHash *zset)
{
	uint64		i;

	for (i = 0; i < zset->nentries; i++)
		if (zset->order[i]->weight != 0)
			return false;
	return true;
}

/* Run the stateful part over a consolidated Z-set. */
static void
run_operator(Circuit *c, RowHash *zset, Relation baserel, MemoryContext cxt,
			 bool refresh)
{
	if (c->kind == VIEW_BAG)
		bag_apply(c, zset);
	else
	{
		RowHash    *groups = aggregate_create_groups(c, cxt);
		uint64		i;

		if (refresh && c->global)
			aggregate_ensure_global_group(c, groups);
		for (i = 0; i < zset->nentries; i++)
		{
			RowEntry   *e = zset->order[i];

			if (e->weight != 0)
				aggregate_fold(c, groups, e->values, e->isnull, e->weight);
		}
		aggregate_apply(c, groups, baserel);
	}
}

static void
run_guarded(Circuit *c, DeltaSource *src, bool refresh)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext,
											  "stepping step",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	RowHash    *zset;
	Datum	   *values = palloc(sizeof(Datum) * Max(c->nrowcols, 1));
	bool	   *isnull = palloc(sizeof(bool) * Max(c->nrowcols, 1));
	Relation	baserel = table_open(c->baseid, AccessShareLock);
	bool		snapshot_pushed = false;
	ListCell   *lc;

	zset = rowhash_create(cxt, ROWHASH_IMAGE, c->nrowcols, c->nrowcols,
						  c->rowtypes, NULL, NULL);
	if (!refresh && !c->join)
	{
		/* single table: the delta is known before any lock is taken */
		foreach(lc, delta_chunks_of(src, c->baseid))
		{
			DeltaChunk *chunk = (DeltaChunk *) lfirst(lc);

			if (chunk->oldrows)
				feed_tuplestore(c, chunk->oldrows, -1, zset, values, isnull);
			if (chunk->newrows)
				feed_tuplestore(c, chunk->newrows, 1, zset, values, isnull);
		}
		if (zset_is_empty(zset))
			goto done;
	}

	/*
	 * Serialize with other steps of this view, then read through a snapshot
	 * that sees every step committed before ours: joins read the other
	 * inputs, every view reads its result rows.
	 */
	if (refresh || !c->row_locking)
		circuit_lock_view(c->viewid);
	else
		CommandCounterIncrement();
	PushActiveSnapshot(GetTransactionSnapshot());
	snapshot_pushed = true;
	if (refresh)
	{
		writer_delete_all(c);
		CommandCounterIncrement();
		PopActiveSnapshot();
		PushActiveSnapshot(GetTransactionSnapshot());
		if (c->join)
			join_feed_full(c, zset);
		else
			feed_table(c, baserel, zset, values, isnull);
	}
	else if (c->join)
	{
		join_feed_deltas(c, src, zset);
		if (zset_is_empty(zset))
			goto done;
	}

	SPI_connect();
	run_operator(c, zset, baserel, cxt, refresh);
	SPI_finish();

done:
	if (snapshot_pushed)
		PopActiveSnapshot();
	CommandCounterIncrement();
	table_close(baserel, NoLock);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
}

static void
maintenance_context(void *arg)
{
	Circuit    *c = (Circuit *) arg;

	errcontext("maintaining stepping view \"%s\"", c->viewname);
}

/*
 * Run as the view's owner in a security-restricted operation under a fixed
 * search_path, as PostgreSQL runs a SECURITY DEFINER function: whoever
 * writes the base table, the view computes what its owner defined.
 */
static void
run_circuit(Circuit *c, DeltaSource *src, bool refresh)
{
	Oid			saved_user;
	int			saved_sec;
	int			nestlevel;
	ErrorContextCallback errcallback;

	/* any error names the view it happened in */
	errcallback.callback = maintenance_context;
	errcallback.arg = c;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;

	GetUserIdAndSecContext(&saved_user, &saved_sec);
	SetUserIdAndSecContext(c->owner, saved_sec | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	nestlevel = stepping_enter_fixed_path();
	c->running++;
	stepping_begin_apply();
	PG_TRY();
	{
		run_guarded(c, src, refresh);
	}
	PG_FINALLY();
	{
		stepping_end_apply();
		c->running--;
	}
	PG_END_TRY();
	stepping_leave_fixed_path(nestlevel);
	SetUserIdAndSecContext(saved_user, saved_sec);
	error_context_stack = errcallback.previous;
}

List *
delta_chunks_of(DeltaSource *src, Oid relid)
{
	ListCell   *lc;

	foreach(lc, src->tables)
	{
		TableDeltas *td = (TableDeltas *) lfirst(lc);

		if (td->relid == relid)
			return td->chunks;
	}
	return NIL;
}

/* Run a view's circuit over the deltas of a closed step. */
void
circuit_run(Circuit *c, DeltaSource *src)
{
	ListCell   *lc;

	ListCell   *lc2;
	bool		changed = false;

	CommandCounterIncrement();
	foreach(lc2, c->inputs)
	{
		List	   *chunks = delta_chunks_of(src, lfirst_oid(lc2));

		changed |= (chunks != NIL);
		foreach(lc, chunks)
		{
			if (((DeltaChunk *) lfirst(lc))->truncated)
			{
				/* a base table's old rows are gone: recompute from what is left */
				run_circuit(c, src, true);
				return;
			}
		}
	}
	if (changed)
		run_circuit(c, src, false);
}

/* Recompute a view from its base table, in place. */
void
circuit_refresh(Circuit *c)
{
	CommandCounterIncrement();
	run_circuit(c, NULL, true);
}
