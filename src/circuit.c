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
 *	  circuit_run_step is the scheduler of a closed step: every view over a
 *	  changed table runs once, after the views it reads, over the deltas of
 *	  all its inputs, views' output deltas included.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "optimizer/plancat.h"
#include "storage/lmgr.h"
#include "utils/guc.h"
#include "utils/snapmgr.h"

#include "stepping.h"



/*
 * Z-sets bigger than work_mem are applied in batches when that is exact:
 * when every row with a negative weight stands for a row the view already
 * holds.  That is true of a single table's delta read in statement order
 * (old rows of a statement existed when it ran), of a refresh (no negative
 * rows), and of a join step with a single delta term.  A join step with
 * several terms may produce a negative row that only a later term's
 * positive row balances, so it is consolidated whole, in memory.  An UPDATE
 * that fits in one batch still consolidates to nothing.
 */
#define FLUSH_CHECK_EVERY 1024

static void
new_zset(RunState *rs)
{
	if (rs->zsetcxt)
		MemoryContextDelete(rs->zsetcxt);
	rs->zsetcxt = AllocSetContextCreate(rs->cxt, "stepping zset",
										ALLOCSET_DEFAULT_SIZES);
	rs->zset = rs->direct ? NULL
		: rowhash_create(rs->zsetcxt, ROWHASH_IMAGE, rs->c->nrowcols,
						 rs->c->nrowcols, rs->c->rowtypes, NULL, NULL);
	rs->groups = rs->direct ? aggregate_create_groups(rs->c, rs->zsetcxt) : NULL;
}

/*
 * A grouped view whose delta has a single sign (only inserts, or only
 * deletes) has nothing to cancel: rows fold straight into their groups,
 * without the Z-set.  A join's delta keeps the signs of its input's rows
 * when one input changed (join_single_changed_input).
 */
static bool
single_signed(Circuit *c, DeltaSource *src)
{
	ListCell   *lc;
	bool		pos = false,
				neg = false;

	ListCell   *lci;

	if (c->kind != VIEW_GROUPED)
		return false;
	foreach(lci, c->inputs)
	{
		foreach(lc, delta_chunks_of(src, lfirst_oid(lci)))
		{
			DeltaChunk *chunk = (DeltaChunk *) lfirst(lc);

			pos |= (chunk->newrows != NULL);
			neg |= (chunk->oldrows != NULL);
		}
	}
	return !(pos && neg);
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

/*
 * Order this step after the steps it must follow, then read through a
 * snapshot taken after that: joins read the other inputs, every view reads
 * its result rows.  A refresh, and a view with HAVING (a group HAVING hides
 * has no row to meet on), serialize on the view lock; every other view's
 * steps meet on its result rows, join views' steps also on their inputs'
 * locks (locks.c, taken by the caller).  The result table's lock comes
 * first, so a refresh in progress is waited for before the snapshot.
 */
static void
begin_writes(RunState *rs)
{
	if (rs->writing)
		return;
	if (rs->part_locked)
	{
		/* its groups' locks are held (locks_acquire_partitions) */
		LockRelationOid(rs->c->viewid, RowExclusiveLock);
		CommandCounterIncrement();
	}
	else if (rs->refresh || !rs->c->row_locking)
	{
		if (rs->c->part_locking)
		{
			locks_acquire_all_partitions(rs->c);

			/*
			 * Group lockers leave no trace in the view lock: a transaction
			 * snapshot older than a commit cannot tell whether one of them
			 * stepped (topk.c compares groups; a refresh has none).
			 */
			if (rs->refresh && IsolationUsesXactSnapshot() && locks_snapshot_outdated())
				locks_serialization_failure(rs->c);
		}
		catalog_lock_view(rs->c);
	}
	else
	{
		LockRelationOid(rs->c->viewid, RowExclusiveLock);
		CommandCounterIncrement();
	}
	PushActiveSnapshot(GetTransactionSnapshot());
	rs->writing = true;
}

/*
 * A join step: take the input locks, then feed the delta terms.  Under
 * REPEATABLE READ and SERIALIZABLE the transaction's snapshot may miss
 * rows of a step ordered before this one: when anything committed since
 * it was taken, the delta is fingerprinted through a current snapshot
 * first, and must come out the same (locks.c).
 */
static void
feed_join_step(RunState *rs, DeltaSource *src)
{
	Circuit    *c = rs->c;
	bool		check;
	uint64		current = 0;

	if (c->row_locking)
	{
		ListCell   *lc;

		if (!locks_acquire_inputs(c, src))
			return;				/* no row changed: nothing to join */
		foreach(lc, c->joins.indicators)
		{
			Indicator  *ind = (Indicator *) lfirst(lc);

			/* a self-conflicting relation's table lock orders its keys too */
			if (!locks_input_selfconflict(c, ind->relid))
				semijoin_lock_keys(c, ind, src);
		}
	}
	begin_writes(rs);
	check = (c->row_locking && IsolationUsesXactSnapshot() &&
			 locks_snapshot_outdated());
	if (check)
	{
		PushActiveSnapshot(GetLatestSnapshot());
		rs->fingerprinting = true;
		rs->fingerprint_only = true;
		join_feed_deltas(c, src, rs);
		PopActiveSnapshot();
		current = rs->fingerprint;
		rs->fingerprint = 0;
		rs->fingerprint_only = false;
	}
	join_feed_deltas(c, src, rs);
	if (check && rs->fingerprint != current)
		locks_serialization_failure(c);
	rs->fingerprinting = false;
}

/* Run the stateful part over the consolidated Z-set; more: start a new one. */
static void
apply_zset(RunState *rs, bool more)
{
	Circuit    *c = rs->c;
	RowHash    *zset = rs->zset;

	/*
	 * A refreshed global aggregate gets its one row even from nothing; a
	 * refreshed top-k view reads its window from its input, not the Z-set.
	 */
	if ((rs->direct ? rs->groups->nentries == 0 : zset_is_empty(zset)) &&
		!(rs->refresh && c->global && !rs->global_done) &&
		!(rs->refresh && c->kind == VIEW_TOPK))
		return;

	/*
	 * Per-group views lock the groups of this batch before the snapshot
	 * that reads them; a later batch of a step that locked groups does the
	 * same, and reads through a snapshot taken after its locks.
	 */
	if (c->part_locking && !rs->refresh && (!rs->writing || rs->part_locked))
	{
		if (locks_acquire_partitions(c, zset))
		{
			if (rs->writing)
			{
				PopActiveSnapshot();
				PushActiveSnapshot(GetTransactionSnapshot());
			}
			rs->part_locked = true;
		}
		else if (rs->writing)
		{
			/* past the budget mid-step: every group, then a new snapshot */
			locks_acquire_all_partitions(c);
			catalog_lock_view(c);
			rs->part_locked = false;
			PopActiveSnapshot();
			PushActiveSnapshot(GetTransactionSnapshot());
		}
	}
	begin_writes(rs);
	SPI_connect();
	if (c->kind == VIEW_BAG)
		bag_apply(c, zset);
	else if (c->kind == VIEW_TOPK)
		topk_apply(c, zset, rs->refresh);
	else
	{
		RowHash    *groups = rs->direct ? rs->groups
			: aggregate_create_groups(c, rs->zsetcxt);
		uint64		i;

		if (rs->refresh && c->global && !rs->global_done)
			aggregate_ensure_global_group(c, groups);
		rs->global_done = true;
		for (i = 0; !rs->direct && i < zset->nentries; i++)
		{
			RowEntry   *e = zset->order[i];

			if (e->weight != 0)
				aggregate_fold(c, groups, e->values, e->isnull, e->weight);
		}
		aggregate_apply(c, groups, rs->baserel);
	}
	SPI_finish();
	rs->empty_result = false;

	if (!more)
		return;
	/* the next batch sees this one's rows */
	CommandCounterIncrement();
	PopActiveSnapshot();
	PushActiveSnapshot(GetTransactionSnapshot());
	new_zset(rs);
}

/* Add a weighted circuit row to the step's Z-set. */
void
circuit_emit(RunState *rs, Datum *values, bool *isnull, int64 weight)
{
	/*
	 * Whatever taking the row in allocates is freed with it, whichever
	 * operator feeds it (a table's delta, a join term, a probe).
	 */
	MemoryContext old = MemoryContextSwitchTo(rs->rowcxt);

	if (rs->fingerprinting)
	{
		Circuit    *c = rs->c;

		rs->fingerprint += (uint64) weight *
			row_image_fingerprint(c->nrowcols, values, isnull,
								  c->rowtyplen, c->rowtypbyval);
		if (rs->fingerprint_only)
		{
			MemoryContextSwitchTo(old);
			MemoryContextReset(rs->rowcxt);
			return;
		}
	}
	if (rs->direct)
	{
		/*
		 * Group accumulators grow with the groups touched, not with the
		 * rows: flushing them early only rewrites the same result rows
		 * again, so they get maintenance_work_mem.
		 */
		aggregate_fold(rs->c, rs->groups, values, isnull, weight);
		/* folding allocates in the circuit's expression context */
		ResetExprContext(rs->c->econtext);
		if (++rs->nfolded % FLUSH_CHECK_EVERY == 0 &&
			MemoryContextMemAllocated(rs->zsetcxt, true) > (Size) maintenance_work_mem * 1024)
			apply_zset(rs, true);
	}
	else
	{
		bool		found;
		RowEntry   *e = rowhash_lookup(rs->zset, values, isnull, &found);

		e->weight += weight;
		if (!found && rs->can_batch &&
			rs->zset->nentries % FLUSH_CHECK_EVERY == 0 &&
			MemoryContextMemAllocated(rs->zsetcxt, true) > (Size) work_mem * 1024)
			apply_zset(rs, true);
	}
	MemoryContextSwitchTo(old);
	MemoryContextReset(rs->rowcxt);
}

/* Feed the rows of a tuplestore, each with the given weight. */
static void
feed_tuplestore(RunState *rs, Tuplestorestate *ts, int64 weight,
				Datum *values, bool *isnull, TupleTableSlot *slot)
{
	Circuit    *c = rs->c;

	tuplestore_rescan(ts);
	while (tuplestore_gettupleslot(ts, true, false, slot))
	{
		CHECK_FOR_INTERRUPTS();
		if (filter_project_row(c, slot, values, isnull))
			circuit_emit(rs, values, isnull, weight);
		ResetExprContext(c->econtext);
	}
	ExecClearTuple(slot);
}

static void
feed_table(RunState *rs, Relation rel, Datum *values, bool *isnull)
{
	Circuit    *c = rs->c;
	TupleTableSlot *slot = table_slot_create(rel, NULL);
	TableScanDesc scan = table_beginscan(rel, GetActiveSnapshot(), 0, NULL);

	while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		CHECK_FOR_INTERRUPTS();
		if (filter_project_row(c, slot, values, isnull))
			circuit_emit(rs, values, isnull, 1);
		ResetExprContext(c->econtext);
	}
	table_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
}

/*
 * run_guarded: one run of circuit c, inside run_circuit's guards (owner,
 * pinned settings, error context).  With refresh, recompute the view from
 * its inputs (empty the result table under a ShareLock, refill it; src is
 * NULL for refresh_view, the step's deltas when a TRUNCATE is the cause);
 * otherwise run the step's deltas src: single-table and union views feed
 * their inputs' captured rows through the linear front (old -1, new +1),
 * join views their delta terms or probes; then the Z-set reaches the
 * view's operator (apply_zset).
 *
 * Everything a run allocates lives in a context of its own ("stepping
 * step"), deleted before returning; per-row work in its child "stepping
 * row".  Returns, in the caller's memory, this view's output delta when
 * views over it need one (NULL otherwise); its tuplestores belong to the
 * caller (circuit_run_step frees them).
 */
static TableDeltas *
run_guarded(Circuit *c, DeltaSource *src, bool refresh)
{
	MemoryContext caller = CurrentMemoryContext;
	TableDeltas *output = NULL;
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext,
											  "stepping step",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	Datum	   *values = palloc(sizeof(Datum) * Max(c->nrowcols, 1));
	bool	   *isnull = palloc(sizeof(bool) * Max(c->nrowcols, 1));
	RunState	rs;
	ListCell   *lc;

	memset(&rs, 0, sizeof(rs));
	rs.c = c;
	rs.cxt = cxt;
	rs.rowcxt = AllocSetContextCreate(cxt, "stepping row", ALLOCSET_DEFAULT_SIZES);
	rs.refresh = refresh;
	/* views over this view: their step is this view's output delta */
	rs.capture = (!refresh && cache_views_of_table(c->viewid) != NIL);
	rs.capcxt = caller;
	c->run = &rs;
	rs.baserel = table_open(c->baseid, AccessShareLock);
	rs.direct = refresh ? (c->kind == VIEW_GROUPED)
		: ((!c->join || join_single_changed_input(c, src) != 0) &&
		   single_signed(c, src));
	new_zset(&rs);

	if (refresh)
	{
		/*
		 * Writers of a row-locking view take no view lock: wait for every
		 * transaction that changed the result table, and keep new ones out,
		 * so the recomputation sees all their rows.  Readers are not held.
		 */
		LockRelationOid(c->viewid, ShareLock);
		begin_writes(&rs);
		writer_delete_all(c, src != NULL);
		rs.empty_result = true;
		CommandCounterIncrement();
		PopActiveSnapshot();
		PushActiveSnapshot(GetTransactionSnapshot());
		rs.can_batch = true;
		if (c->kind == VIEW_TOPK)
			;					/* the operator reads its window itself */
		else if (c->join)
			join_feed_full(c, &rs);
		else
		{
			foreach(lc, c->inputs)
			{
				Relation	in = table_open(lfirst_oid(lc), AccessShareLock);

				feed_table(&rs, in, values, isnull);
				table_close(in, NoLock);
			}
		}
	}
	else if (c->join)
	{
		/* the other inputs are read after the locks, through their snapshot */
		feed_join_step(&rs, src);
	}
	else
	{
		/* single table (or union): the delta is known before any lock */
		ListCell   *lci;
		int			n = 0;

		rs.can_batch = true;
		foreach(lci, c->inputs)
		{
			/*
			 * A slot of this run: reading a spilled tuplestore hands the slot
			 * tuples it must free, and a slot that outlived an error would
			 * free them again in the next run.
			 */
			TupleTableSlot *model = c->setop ? list_nth(c->unions.inputslots, n) : c->baseslot;
			TupleTableSlot *slot = MakeSingleTupleTableSlot(model->tts_tupleDescriptor,
															&TTSOpsMinimalTuple);
			List	   *chunks = delta_chunks_of(src, lfirst_oid(lci));
			int			pos = 0;
			DeltaChunk *chunk;
			Tuplestorestate *rows;
			int			weight;

			n++;
			while (delta_next_rows(chunks, &pos, &chunk, &rows, &weight))
			{
				/*
				 * A view's captured output keeps its old and new rows apart,
				 * not in the order they happened: a row may leave after
				 * entering, so it is consolidated whole.
				 */
				if (chunk->unordered)
					rs.can_batch = false;
				feed_tuplestore(&rs, rows, weight, values, isnull, slot);
			}
		}
	}
	apply_zset(&rs, false);
	c->run = NULL;

	if (rs.writing)
		PopActiveSnapshot();
	CommandCounterIncrement();
	table_close(rs.baserel, NoLock);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);

	if (rs.cap_old || rs.cap_new)
	{
		/* this view's output delta, the input of views over it */
		DeltaChunk *chunk = MemoryContextAllocZero(caller, sizeof(DeltaChunk));

		chunk->subid = GetCurrentSubTransactionId();
		chunk->unordered = true;
		chunk->oldrows = rs.cap_old;
		chunk->newrows = rs.cap_new;
		output = MemoryContextAllocZero(caller, sizeof(TableDeltas));
		output->relid = c->viewid;
		output->chunks = list_make1(chunk);
	}
	return output;
}

static void
maintenance_context(void *arg)
{
	Circuit    *c = (Circuit *) arg;

	errcontext("maintaining stepping view \"%s\"", c->viewlabel);
}

/*
 * The caller's context, kept while maintenance runs, for user code that must
 * run in it (circuit_begin_user_code).  Maintenance nests (a view written by
 * a trigger of another view's result table), hence the stack.
 */
typedef struct CallerFrame
{
	Oid			user;
	int			sec;
	char	   *search_path;
	struct CallerFrame *previous;
} CallerFrame;

static CallerFrame *caller_frame = NULL;

/*
 * Run a user's BEFORE ROW trigger on a result table as it would run for an
 * ordinary write by the statement that changed the base table: as that
 * statement's user, in its security context, under its search_path, with
 * direct writes to result tables refused.  (AFTER ROW triggers are queued
 * and fired once maintenance is over, in that context anyway: see
 * run_circuit.)
 */
void
circuit_begin_user_code(UserCode *uc)
{
	GetUserIdAndSecContext(&uc->maint_user, &uc->maint_sec);
	uc->nestlevel = NewGUCNestLevel();
	if (caller_frame)
	{
		(void) set_config_option("search_path", caller_frame->search_path,
								 PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
		SetUserIdAndSecContext(caller_frame->user, caller_frame->sec);
	}
	uc->applying = stepping_suspend_apply();
}

/* Back to maintenance after user code. */
void
circuit_end_user_code(UserCode *uc)
{
	stepping_resume_apply(uc->applying);
	SetUserIdAndSecContext(uc->maint_user, uc->maint_sec);
	AtEOXact_GUC(true, uc->nestlevel);
}

/*
 * User code failed: the error's (sub)transaction abort restores the user
 * and the settings; only stepping's own state is put back here.
 */
void
circuit_abort_user_code(UserCode *uc)
{
	stepping_resume_apply(uc->applying);
}

/*
 * Fire the AFTER ROW triggers users put on the result table, queued while
 * maintenance wrote it, now that the caller's user, security context and
 * search_path are back: they run as they would for an ordinary write by the
 * statement that changed the base table.
 */
static void
fire_result_triggers(void)
{
	EState	   *estate = CreateExecutorState();

	AfterTriggerEndQuery(estate);
	ExecCloseResultRelations(estate);
	ExecResetTupleTable(estate->es_tupleTable, false);
	FreeExecutorState(estate);
}

/*
 * Run as the view's owner in a security-restricted operation under a fixed
 * search_path, as PostgreSQL runs a SECURITY DEFINER function: whoever
 * writes the base table, the view computes what its owner defined.  Users'
 * row triggers on the result table are the exception: they run in the
 * caller's context (above).
 */
static TableDeltas *
run_circuit(Circuit *c, DeltaSource *src, bool refresh)
{
	TableDeltas *volatile output = NULL;
	Oid			saved_user;
	int			saved_sec;
	int			nestlevel;
	ErrorContextCallback errcallback;
	CallerFrame frame;

	/* any error names the view it happened in */
	errcallback.callback = maintenance_context;
	errcallback.arg = c;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;

	/* the result table's AFTER ROW triggers fire when maintenance is over */
	AfterTriggerBeginQuery();

	GetUserIdAndSecContext(&saved_user, &saved_sec);
	frame.user = saved_user;
	frame.sec = saved_sec;
	frame.search_path = pstrdup(namespace_search_path);
	frame.previous = caller_frame;
	SetUserIdAndSecContext(c->owner, saved_sec | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	nestlevel = stepping_pin_settings();
	c->running++;
	stepping_begin_apply();
	caller_frame = &frame;
	PG_TRY();
	{
		output = run_guarded(c, src, refresh);
	}
	PG_FINALLY();
	{
		caller_frame = frame.previous;
		stepping_end_apply();
		c->running--;
		c->run = NULL;
	}
	PG_END_TRY();
	stepping_unpin_settings(nestlevel);
	SetUserIdAndSecContext(saved_user, saved_sec);
	error_context_stack = errcallback.previous;
	pfree(frame.search_path);

	fire_result_triggers();
	return output;
}

/* Captured rows in a list of chunks (old and new rows). */
int64
delta_chunks_rows(List *chunks)
{
	ListCell   *lc;
	int64		n = 0;

	foreach(lc, chunks)
	{
		DeltaChunk *chunk = (DeltaChunk *) lfirst(lc);

		if (chunk->oldrows)
			n += tuplestore_tuple_count(chunk->oldrows);
		if (chunk->newrows)
			n += tuplestore_tuple_count(chunk->newrows);
	}
	return n;
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

/*
 * The output "delta" of a refreshed view, for the views over it: a chunk
 * that says its result table was recomputed (its old rows all went), so
 * that each of them recomputes too, in its own turn in the step, after all
 * its inputs.  Refreshing them right away would read inputs that have not
 * applied this step's deltas yet (a join of this view with another view or
 * with a base table changed by the same step).
 */
static TableDeltas *
refreshed_marker(Circuit *c)
{
	TableDeltas *output;
	DeltaChunk *chunk;

	if (cache_views_of_table(c->viewid) == NIL)
		return NULL;
	chunk = palloc0(sizeof(DeltaChunk));
	chunk->subid = GetCurrentSubTransactionId();
	chunk->truncated = true;
	output = palloc0(sizeof(TableDeltas));
	output->relid = c->viewid;
	output->chunks = list_make1(chunk);
	return output;
}

/*
 * Large steps.  A step that inserts or deletes a large part of a
 * single-table view's base table can cost more applied row by row than the
 * view recomputed from the table (refresh_view's run: one scan, the result
 * table emptied and refilled).  The choice compares estimates, in units of
 * one row folded (a captured row read into the Z-set and folded, or a base
 * row scanned and folded), where writing a result row (a lookup and an
 * update, insert or delete) costs LARGE_STEP_WRITE_COST of them (measured:
 * about 0.35 us per row folded, 6.5 us per result row written):
 *
 *   grouped, applied:    D + min(D, G) * W    (each touched group written once)
 *   grouped, recomputed: N + 2 * G * W        (every row deleted, then inserted)
 *   bag, applied:        D + D * (G / N0) * W  (the view holds a changed row
 *                                             as often as any other)
 *   bag, recomputed:     N + (G + G * N / N0) * W
 *
 * D = captured rows, G = the result table's rows (its last VACUUM or
 * ANALYZE count), N0 / N = the base table's rows before / after the step
 * (the planner's estimates, as estimate_rel_size gives them).  The view is recomputed when that is estimated at most 4/5 of
 * the applied cost, and only
 *   - for steps of at least LARGE_STEP_MIN_ROWS captured rows;
 *   - when each chunk only inserts or only deletes: an UPDATE's old and new
 *     rows may cancel out (columns the view does not read) and cost nothing
 *     applied;
 *   - when no view reads this one: a recompute hands views over it a marker
 *     that makes them recompute too, whatever their size;
 *   - when the result table has no row triggers of users: they would see
 *     every row deleted and inserted again, not the changes.
 * Recomputing is exact, with the same concurrency rules as a TRUNCATE's
 * recompute (run_guarded, writer_delete_all): it waits for the result
 * table's concurrent writers, and under REPEATABLE READ a result row
 * committed after the snapshot is a serialization failure.
 */
#define LARGE_STEP_MIN_ROWS 10000
#define LARGE_STEP_WRITE_COST 18.0

/*
 * stepping.debug_large_steps (a developer option): 'estimate' chooses as
 * above; 'recompute' recomputes every eligible step, whatever its size, and
 * 'apply' none, so that tests reach both paths with small tables.
 */
typedef enum LargeStepMode
{
	LARGE_STEPS_ESTIMATE,
	LARGE_STEPS_RECOMPUTE,
	LARGE_STEPS_APPLY
} LargeStepMode;

static const struct config_enum_entry large_step_options[] = {
	{"estimate", LARGE_STEPS_ESTIMATE, false},
	{"recompute", LARGE_STEPS_RECOMPUTE, false},
	{"apply", LARGE_STEPS_APPLY, false},
	{NULL, 0, false}
};

static int	large_step_mode = LARGE_STEPS_ESTIMATE;

void
circuit_define_settings(void)
{
	DefineCustomEnumVariable("stepping.debug_large_steps",
							 "How stepping chooses between applying a large step and recomputing the view (a developer option).",
							 "estimate: by estimated cost; recompute: every step that only inserts or deletes; apply: never recompute.",
							 &large_step_mode,
							 LARGE_STEPS_ESTIMATE,
							 large_step_options,
							 PGC_SUSET,
							 GUC_NOT_IN_SAMPLE,
							 NULL, NULL, NULL);
}

bool
circuit_recomputes_large_steps(Circuit *c)
{
	return c->kind != VIEW_TOPK && !c->join && !c->setop &&
		list_length(c->inputs) == 1 && cache_views_of_table(c->viewid) == NIL;
}

/*
 * The planner's estimate of a table's rows, as it is now (its pages times
 * the density of the last VACUUM or ANALYZE: rows a statement inserts
 * count, rows it deletes still do).
 */
static double
estimated_rows(Relation rel)
{
	BlockNumber pages;
	double		tuples;
	double		allvisfrac;

	estimate_rel_size(rel, NULL, &pages, &tuples, &allvisfrac);
	return tuples;
}

/*
 * The result table's rows: the count of the last VACUUM or ANALYZE when
 * there is one (its pages hold dead versions of rows updated since, which
 * a density would count), else the planner's estimate.
 */
static double
result_rows(Relation rel)
{
	if (rel->rd_rel->reltuples >= 0)
		return rel->rd_rel->reltuples;
	return estimated_rows(rel);
}

/* Users' row triggers on the result table: they see only real changes. */
static bool
result_has_user_triggers(Relation rel)
{
	TriggerDesc *td = rel->trigdesc;

	return td != NULL &&
		(td->trig_insert_before_row || td->trig_insert_after_row ||
		 td->trig_update_before_row || td->trig_update_after_row ||
		 td->trig_delete_before_row || td->trig_delete_after_row ||
		 td->trig_insert_new_table || td->trig_update_old_table ||
		 td->trig_update_new_table || td->trig_delete_old_table);
}

static bool
large_step_recomputes(Circuit *c, DeltaSource *src)
{
	List	   *chunks;
	ListCell   *lc;
	Relation	result;
	Relation	base;
	double		nold = 0,
				nnew = 0,
				d,
				n0,
				n,
				g,
				applied,
				recomputed;

	if (large_step_mode == LARGE_STEPS_APPLY || !circuit_recomputes_large_steps(c))
		return false;
	chunks = delta_chunks_of(src, c->baseid);
	foreach(lc, chunks)
	{
		DeltaChunk *chunk = (DeltaChunk *) lfirst(lc);
		int64		o = chunk->oldrows ? tuplestore_tuple_count(chunk->oldrows) : 0;
		int64		w = chunk->newrows ? tuplestore_tuple_count(chunk->newrows) : 0;

		if (o > 0 && w > 0)
			return false;
		nold += o;
		nnew += w;
	}
	d = nold + nnew;
	if (d == 0 || (d < LARGE_STEP_MIN_ROWS && large_step_mode != LARGE_STEPS_RECOMPUTE))
		return false;

	result = table_open(c->viewid, AccessShareLock);
	if (result_has_user_triggers(result))
	{
		table_close(result, AccessShareLock);
		return false;
	}
	g = result_rows(result);
	table_close(result, AccessShareLock);
	base = table_open(c->baseid, AccessShareLock);
	/* the table's pages already hold the new rows, and still the old ones */
	n0 = estimated_rows(base);
	n = Max(n0 - nold, nnew);
	table_close(base, AccessShareLock);
	if (c->kind == VIEW_GROUPED)
	{
		applied = d + Min(d, g) * LARGE_STEP_WRITE_COST;
		recomputed = n + 2 * g * LARGE_STEP_WRITE_COST;
	}
	else
	{
		/* a changed row is in the view as often as any row of the table */
		applied = d + d * Min(g / Max(n0, 1), 1.0) * LARGE_STEP_WRITE_COST;
		recomputed = n + (g + g * n / Max(n0, 1)) * LARGE_STEP_WRITE_COST;
	}
	if (large_step_mode == LARGE_STEPS_RECOMPUTE)
		return true;
	snprintf(c->last_large_step, sizeof(c->last_large_step),
			 "last large step: %.0f rows inserted, %.0f deleted; estimated cost applied %.0f, recomputed %.0f: %s",
			 nnew, nold, applied, recomputed,
			 recomputed <= 0.8 * applied ? "recomputed" : "applied");
	return recomputed <= 0.8 * applied;
}

/*
 * Run a view's circuit over the deltas of a closed step.  Returns the view's
 * own output delta when views over it need it (in the caller's memory).
 * When an input was truncated (a base table, or a view that was itself
 * recomputed) the view is recomputed instead, *refreshed is set, and the
 * output is a marker that makes the views over it recompute in their turn.
 */
TableDeltas *
circuit_run(Circuit *c, DeltaSource *src, bool *refreshed)
{
	ListCell   *lc;
	ListCell   *lc2;
	bool		changed = false;

	*refreshed = false;
	CommandCounterIncrement();
	foreach(lc2, c->inputs)
	{
		List	   *chunks = delta_chunks_of(src, lfirst_oid(lc2));

		changed |= (chunks != NIL);
		foreach(lc, chunks)
		{
			if (((DeltaChunk *) lfirst(lc))->truncated)
			{
				/*
				 * an input's old rows are gone: recompute from what is left
				 * (src tells run_guarded that a TRUNCATE is the cause)
				 */
				(void) run_circuit(c, src, true);
				*refreshed = true;
				return refreshed_marker(c);
			}
		}
	}
	if (changed && large_step_recomputes(c, src))
	{
		/* cheaper recomputed than applied; no view reads this one */
		(void) run_circuit(c, src, true);
		*refreshed = true;
		return NULL;
	}
	if (changed)
		return run_circuit(c, src, false);
	return NULL;
}

/*
 * Recompute a view from its base tables, in place, then every view
 * downstream of it, each once and only after all of its inputs that are
 * recomputed too (in a diamond v1 -> v2, v3 -> v4, v4 runs after v2 and v3).
 */
void
circuit_refresh(Circuit *c)
{
	List	   *todo = list_make1_oid(c->viewid);
	int			i;

	/* the view and everything downstream of it */
	for (i = 0; i < list_length(todo); i++)
	{
		ListCell   *lc;

		foreach(lc, cache_views_of_table(list_nth_oid(todo, i)))
			todo = list_append_unique_oid(todo, lfirst_oid(lc));
	}

	while (todo != NIL)
	{
		Circuit    *next = NULL;
		ListCell   *lc;

		foreach(lc, todo)
		{
			Circuit    *cand = cache_get_circuit(lfirst_oid(lc));
			ListCell   *lc2;
			bool		ready = true;

			foreach(lc2, cand->inputs)
				if (list_member_oid(todo, lfirst_oid(lc2)))
					ready = false;
			if (ready)
			{
				next = cand;
				break;
			}
		}
		if (next == NULL)
			elog(ERROR, "views depend on each other in a cycle");
		todo = list_delete_oid(todo, next->viewid);
		CommandCounterIncrement();
		(void) run_circuit(next, NULL, true);
	}
}

/*
 * The next pending view to run: one none of whose inputs may still change
 * in this step, i.e. is neither pending nor downstream of a pending view.
 */
static Circuit *
next_ready_view(List *pending)
{
	List	   *maychange = list_copy(pending);
	ListCell   *lc;
	int			m;

	for (m = 0; m < list_length(maychange); m++)
	{
		ListCell   *lcd;

		foreach(lcd, cache_views_of_table(list_nth_oid(maychange, m)))
			maychange = list_append_unique_oid(maychange, lfirst_oid(lcd));
	}
	foreach(lc, pending)
	{
		Circuit    *c = cache_get_circuit(lfirst_oid(lc));
		ListCell   *lc2;
		bool		ready = true;

		foreach(lc2, c->inputs)
			if (list_member_oid(maychange, lfirst_oid(lc2)))
				ready = false;
		if (ready)
		{
			list_free(maychange);
			return c;
		}
	}
	elog(ERROR, "views depend on each other in a cycle");
	return NULL;				/* keep compiler quiet */
}

/*
 * The view scheduler: a step closed (capture.c) with the deltas of tables;
 * run every view over a changed table once, over all the step's deltas of
 * all its inputs, each after every view it reads that may still change, and
 * feed each view's output delta to the views over it.  The output deltas'
 * tuplestores are freed here; the callers' are not.
 */
void
circuit_run_step(List *tables)
{
	List	   *pending = NIL;
	List	   *done = NIL;
	List	   *outputs = NIL;
	ListCell   *lc;
	DeltaSource src;

	foreach(lc, tables)
		pending = list_concat_unique_oid(pending,
										 cache_views_of_table(((TableDeltas *) lfirst(lc))->relid));
	src.tables = list_copy(tables);

	/*
	 * A view over other views runs after them, once, over all its inputs'
	 * deltas: their output deltas join the step as deltas of their result
	 * tables.
	 */
	while (pending != NIL)
	{
		Oid			viewid;
		Circuit    *c;
		TableDeltas *out;
		bool		refreshed;

		c = next_ready_view(pending);
		viewid = c->viewid;
		pending = list_delete_oid(pending, viewid);
		done = lappend_oid(done, viewid);

		/*
		 * A view recomputed because of a TRUNCATE returns a marker instead
		 * of rows: the views over it recompute in their own turn.
		 */
		out = circuit_run(c, &src, &refreshed);
		if (out)
		{
			outputs = lappend(outputs, out);
			src.tables = lappend(src.tables, out);
			foreach(lc, cache_views_of_table(viewid))
				if (!list_member_oid(done, lfirst_oid(lc)))
					pending = list_append_unique_oid(pending, lfirst_oid(lc));
		}
	}

	foreach(lc, outputs)
	{
		DeltaChunk *chunk = linitial(((TableDeltas *) lfirst(lc))->chunks);

		if (chunk->oldrows)
			tuplestore_end(chunk->oldrows);
		if (chunk->newrows)
			tuplestore_end(chunk->newrows);
	}
	list_free(done);
}
