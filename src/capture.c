/*-------------------------------------------------------------------------
 *
 * capture.c
 *	  Statement triggers on base tables, and the step: deltas collected from
 *	  every statement nested inside the outermost one, run through the
 *	  circuits of the table's views when the step closes.
 *
 *	  A table's step is open while its BEFORE STATEMENT firings outnumber
 *	  its AFTER STATEMENT firings (TRUNCATE included).  FK cascades fire the
 *	  child's AFTER trigger after the parent's, and ON CONFLICT / MERGE fire
 *	  pairs even for events without rows, so "the outermost statement's
 *	  trigger" is not a reliable end; a balance point always is.
 *
 *	  Counts and deltas are tagged with the subtransaction that made them:
 *	  a subtransaction abort drops exactly its own entries, a subcommit hands
 *	  them to the parent.  Everything lives in TopTransactionContext, and
 *	  spilled tuplestores belong to the top transaction's resource owner.
 *
 *	  Also here: the guard trigger that refuses direct writes to a result
 *	  table, unless stepping itself is applying a delta.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "commands/trigger.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/resowner.h"

#include "stepping.h"

PG_FUNCTION_INFO_V1(stepping_capture_before);
PG_FUNCTION_INFO_V1(stepping_capture_after);
PG_FUNCTION_INFO_V1(stepping_guard_result);

typedef struct OpenCount
{
	SubTransactionId subid;
	int			opens;			/* BEFORE firings minus AFTER firings */
} OpenCount;

/* The open step of one base table. */
typedef struct TableStep
{
	Oid			relid;
	List	   *counts;			/* OpenCount * */
	List	   *chunks;			/* DeltaChunk *, in statement order */
	TupleDesc	desc;			/* the table's, for copying rows (or NULL) */
} TableStep;

static List *steps = NIL;		/* TableStep *, in TopTransactionContext */
static int	applying = 0;		/* > 0 while stepping writes result tables */

bool
stepping_applying(void)
{
	return applying > 0;
}

void
stepping_begin_apply(void)
{
	applying++;
}

void
stepping_end_apply(void)
{
	Assert(applying > 0);
	applying--;
}

/*
 * While a user's trigger on a result table runs inside maintenance, direct
 * writes to result tables are refused again, as they are for the user's own
 * statements.
 */
int
stepping_suspend_apply(void)
{
	int			saved = applying;

	applying = 0;
	return saved;
}

void
stepping_resume_apply(int saved)
{
	applying = saved;
}

static TableStep *
find_step(Oid relid, bool create)
{
	ListCell   *lc;
	TableStep  *t;
	MemoryContext old;

	foreach(lc, steps)
	{
		t = (TableStep *) lfirst(lc);
		if (t->relid == relid)
			return t;
	}
	if (!create)
		return NULL;
	old = MemoryContextSwitchTo(TopTransactionContext);
	t = palloc0(sizeof(TableStep));
	t->relid = relid;
	steps = lappend(steps, t);
	MemoryContextSwitchTo(old);
	return t;
}

static OpenCount *
current_count(TableStep *t)
{
	SubTransactionId subid = GetCurrentSubTransactionId();
	OpenCount  *oc;
	MemoryContext old;

	if (t->counts != NIL)
	{
		oc = (OpenCount *) llast(t->counts);
		if (oc->subid == subid)
			return oc;
	}
	old = MemoryContextSwitchTo(TopTransactionContext);
	oc = palloc0(sizeof(OpenCount));
	oc->subid = subid;
	t->counts = lappend(t->counts, oc);
	MemoryContextSwitchTo(old);
	return oc;
}

static int
open_statements(TableStep *t)
{
	ListCell   *lc;
	int			n = 0;

	foreach(lc, t->counts)
		n += ((OpenCount *) lfirst(lc))->opens;
	return n;
}

static TriggerData *
trigger_data(FunctionCallInfo fcinfo, const char *fname)
{
	TriggerData *td;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s can only be called as a trigger", fname)));
	td = (TriggerData *) fcinfo->context;
	if (!TRIGGER_FIRED_FOR_STATEMENT(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s must be a statement-level trigger", fname)));
	return td;
}

Datum
stepping_capture_before(PG_FUNCTION_ARGS)
{
	TriggerData *td = trigger_data(fcinfo, "stepping.capture_before()");
	TableStep  *t = find_step(RelationGetRelid(td->tg_relation), true);

	current_count(t)->opens++;
	return PointerGetDatum(NULL);
}

/*
 * Append up to n rows of src (n < 0: all) to *dst, made on the first row, in
 * TopTransactionContext under the top transaction's resource owner (the
 * caller switched to both).  Returns how many rows were appended.
 */
static int64
append_rows(Tuplestorestate **dst, Tuplestorestate *src, int64 n,
			TupleTableSlot *slot)
{
	int64		done = 0;

	if (src == NULL)
		return 0;
	tuplestore_rescan(src);
	while ((n < 0 || done < n) &&
		   tuplestore_gettupleslot(src, true, false, slot))
	{
		if (*dst == NULL)
			*dst = tuplestore_begin_heap(false, false, work_mem);
		tuplestore_puttupleslot(*dst, slot);
		done++;
	}
	ExecClearTuple(slot);
	return done;
}

/*
 * Append a statement's rows (or another chunk's), old rows to old rows and
 * new rows to new rows.  Reading the chunk then gives every old row before
 * every new row: when rows leave that an earlier statement of the chunk
 * brought in, the chunk is no longer in statement order (a batch might
 * delete a row the view does not hold yet), so it is marked unordered.
 *
 * The chunk's counts only grow once both sides are appended whole.  An
 * error half-way leaves rows past the counts: the chunk is then sealed (no
 * more appends), and those rows are cut off when the step closes
 * (settle_chunk) -- if the error did not drop the chunk anyway.
 */
static void
append_chunk(DeltaChunk *chunk, Tuplestorestate *oldrows, int64 nold,
			 Tuplestorestate *newrows, int64 nnew, bool unordered,
			 TupleTableSlot *slot)
{
	int64		addold = 0;
	int64		addnew = 0;

	Assert(!chunk->sealed);
	PG_TRY();
	{
		addold = append_rows(&chunk->oldrows, oldrows, nold, slot);
		addnew = append_rows(&chunk->newrows, newrows, nnew, slot);
	}
	PG_CATCH();
	{
		chunk->sealed = true;
		PG_RE_THROW();
	}
	PG_END_TRY();
	if (unordered || (addold > 0 && chunk->nnew > 0))
		chunk->unordered = true;
	chunk->nold += addold;
	chunk->nnew += addnew;
}

static void
free_chunk(DeltaChunk *chunk)
{
	if (chunk->oldrows)
		tuplestore_end(chunk->oldrows);
	if (chunk->newrows)
		tuplestore_end(chunk->newrows);
	pfree(chunk);
}

/*
 * Merge neighbouring chunks of the same subtransaction: a subtransaction's
 * chunk goes to its parent when it commits (hand_to_parent), next to the
 * parent's own.  Without this, a loop of PL/pgSQL exception blocks inside
 * one outer statement would keep a chunk (two tuplestores of 16 kB or more)
 * per iteration.  Done here rather than at subcommit, where an error (out of
 * memory) could not be raised; an error here aborts the current
 * subtransaction, and the chunks stay as they were (the one appended to is
 * sealed: the rows past its counts are cut off at the step's close).
 */
static void
merge_chunks(TableStep *t, TupleTableSlot *slot)
{
	ListCell   *lc;
	DeltaChunk *prev = NULL;

	foreach(lc, t->chunks)
	{
		DeltaChunk *chunk = (DeltaChunk *) lfirst(lc);

		if (prev && prev->subid == chunk->subid && !prev->sealed)
		{
			append_chunk(prev, chunk->oldrows, chunk->nold,
						 chunk->newrows, chunk->nnew, chunk->unordered, slot);
			prev->truncated |= chunk->truncated;
			t->chunks = foreach_delete_current(t->chunks, lc);
			free_chunk(chunk);
			continue;
		}
		prev = chunk;
	}
}

/*
 * Keep a statement's transition rows past the end of its query level, while
 * an outer statement keeps the step open.  They are appended to the table's
 * last chunk when it belongs to the same subtransaction, so that memory
 * grows with the rows captured, not with the statements (a function called
 * per row of an outer statement runs one nested statement per row).
 */
static void
keep_chunk(TableStep *t, TriggerData *td, bool truncated)
{
	MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
	ResourceOwner oldowner = CurrentResourceOwner;
	SubTransactionId subid = GetCurrentSubTransactionId();

	if (t->desc == NULL)
		t->desc = CreateTupleDescCopy(RelationGetDescr(td->tg_relation));
	CurrentResourceOwner = TopTransactionResourceOwner;
	PG_TRY();
	{
		TupleTableSlot *slot = MakeSingleTupleTableSlot(t->desc,
														&TTSOpsMinimalTuple);
		DeltaChunk *chunk;

		merge_chunks(t, slot);
		chunk = t->chunks ? (DeltaChunk *) llast(t->chunks) : NULL;
		if (chunk == NULL || chunk->subid != subid || chunk->sealed)
		{
			chunk = palloc0(sizeof(DeltaChunk));
			chunk->subid = subid;
			t->chunks = lappend(t->chunks, chunk);
		}
		chunk->truncated |= truncated;
		append_chunk(chunk, td->tg_oldtable, -1, td->tg_newtable, -1, false,
					 slot);
		ExecDropSingleTupleTableSlot(slot);
	}
	PG_FINALLY();
	{
		CurrentResourceOwner = oldowner;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(old);
}

/*
 * A chunk whose tuplestores hold rows past its counts (an append that
 * failed half-way, in a subtransaction that was not rolled back) gets
 * copies holding only its rows, before a circuit reads it.
 */
static void
settle_chunk(DeltaChunk *chunk, TupleDesc desc)
{
	Tuplestorestate *oldrows = NULL;
	Tuplestorestate *newrows = NULL;
	MemoryContext old;
	ResourceOwner oldowner = CurrentResourceOwner;
	TupleTableSlot *slot;

	if ((chunk->oldrows == NULL || tuplestore_tuple_count(chunk->oldrows) == chunk->nold) &&
		(chunk->newrows == NULL || tuplestore_tuple_count(chunk->newrows) == chunk->nnew))
		return;
	old = MemoryContextSwitchTo(TopTransactionContext);
	CurrentResourceOwner = TopTransactionResourceOwner;
	PG_TRY();
	{
		slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
		(void) append_rows(&oldrows, chunk->oldrows, chunk->nold, slot);
		(void) append_rows(&newrows, chunk->newrows, chunk->nnew, slot);
		ExecDropSingleTupleTableSlot(slot);
	}
	PG_FINALLY();
	{
		CurrentResourceOwner = oldowner;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(old);
	if (chunk->oldrows)
		tuplestore_end(chunk->oldrows);
	if (chunk->newrows)
		tuplestore_end(chunk->newrows);
	chunk->oldrows = oldrows;
	chunk->newrows = newrows;
}


static int
open_statements_all(void)
{
	ListCell   *lc;
	int			n = 0;

	foreach(lc, steps)
		n += open_statements((TableStep *) lfirst(lc));
	return n;
}

Datum
stepping_capture_after(PG_FUNCTION_ARGS)
{
	TriggerData *td = trigger_data(fcinfo, "stepping.capture_after()");
	Oid			relid = RelationGetRelid(td->tg_relation);
	TableStep  *t = find_step(relid, true);
	bool		truncated = TRIGGER_FIRED_BY_TRUNCATE(td->tg_event);
	List	   *tables = NIL;
	List	   *owned = NIL;
	ListCell   *lc;
	ListCell   *lc2;
	DeltaChunk	last;
	TableDeltas *mine = NULL;

	current_count(t)->opens--;

	if (open_statements_all() > 0)
	{
		/* an outer statement is still running: keep the rows for later */
		keep_chunk(t, td, truncated);
		return PointerGetDatum(NULL);
	}

	/*
	 * The step closes.  Take every table's chunks out of the step first, so
	 * that statements run by maintenance start a step of their own; this
	 * statement's rows are read in place.
	 */
	foreach(lc, steps)
	{
		TableStep  *ts = (TableStep *) lfirst(lc);
		TableDeltas *td2;

		if (ts->chunks == NIL && ts->relid != relid)
			continue;
		foreach(lc2, ts->chunks)
			settle_chunk((DeltaChunk *) lfirst(lc2), ts->desc);
		td2 = palloc0(sizeof(TableDeltas));
		td2->relid = ts->relid;
		td2->chunks = ts->chunks;
		owned = list_concat(owned, ts->chunks);
		ts->chunks = NIL;
		tables = lappend(tables, td2);
		if (ts->relid == relid)
			mine = td2;
	}
	foreach(lc, steps)
	{
		TableStep  *ts = (TableStep *) lfirst(lc);

		/* a transaction may run any number of steps: give their memory back */
		list_free_deep(ts->counts);
		if (ts->desc)
			FreeTupleDesc(ts->desc);
	}
	list_free_deep(steps);
	steps = NIL;

	memset(&last, 0, sizeof(last));
	last.subid = GetCurrentSubTransactionId();
	last.truncated = truncated;
	last.oldrows = td->tg_oldtable;
	last.newrows = td->tg_newtable;
	mine->chunks = lappend(list_copy(mine->chunks), &last);

	circuit_run_step(tables);

	foreach(lc, owned)
		free_chunk((DeltaChunk *) lfirst(lc));
	return PointerGetDatum(NULL);
}

/* Refuse direct writes to a result table. */
Datum
stepping_guard_result(PG_FUNCTION_ARGS)
{
	TriggerData *td = trigger_data(fcinfo, "stepping.guard_result()");
	char	   *name;

	if (stepping_applying())
		return PointerGetDatum(NULL);
	name = qualified_relname(RelationGetRelid(td->tg_relation));
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("cannot change \"%s\" directly: it is the result table of a stepping view",
					display_relname(RelationGetRelid(td->tg_relation))),
			 errdetail("stepping keeps this table equal to its query."),
			 errhint("Change the view's base tables instead, or call stepping.refresh_view(%s).",
					 quote_literal_cstr(name))));
	return PointerGetDatum(NULL);	/* keep compiler quiet */
}

/* ----------------------------------------------------------------
 * Transaction and subtransaction ends
 * ----------------------------------------------------------------
 */

static void
drop_subxact_entries(SubTransactionId subid)
{
	ListCell   *lc;

	foreach(lc, steps)
	{
		TableStep  *t = (TableStep *) lfirst(lc);
		ListCell   *lc2;

		foreach(lc2, t->counts)
		{
			OpenCount  *oc = (OpenCount *) lfirst(lc2);

			if (oc->subid == subid)
			{
				t->counts = foreach_delete_current(t->counts, lc2);
				pfree(oc);
			}
		}
		foreach(lc2, t->chunks)
		{
			DeltaChunk *chunk = (DeltaChunk *) lfirst(lc2);

			if (chunk->subid == subid)
			{
				t->chunks = foreach_delete_current(t->chunks, lc2);
				free_chunk(chunk);
			}
		}
	}
}

static void
hand_to_parent(SubTransactionId subid, SubTransactionId parent)
{
	ListCell   *lc;

	foreach(lc, steps)
	{
		TableStep  *t = (TableStep *) lfirst(lc);
		ListCell   *lc2;
		OpenCount  *parent_count = NULL;

		foreach(lc2, t->counts)
		{
			OpenCount  *oc = (OpenCount *) lfirst(lc2);

			if (oc->subid == parent)
				parent_count = oc;
		}
		foreach(lc2, t->counts)
		{
			OpenCount  *oc = (OpenCount *) lfirst(lc2);

			if (oc->subid != subid)
				continue;
			if (parent_count)
			{
				parent_count->opens += oc->opens;
				t->counts = foreach_delete_current(t->counts, lc2);
				pfree(oc);
			}
			else
				oc->subid = parent;
		}
		foreach(lc2, t->chunks)
		{
			DeltaChunk *chunk = (DeltaChunk *) lfirst(lc2);

			if (chunk->subid == subid)
				chunk->subid = parent;
		}
	}
}

static void
subxact_callback(SubXactEvent event, SubTransactionId mySubid,
				 SubTransactionId parentSubid, void *arg)
{
	switch (event)
	{
		case SUBXACT_EVENT_ABORT_SUB:
			drop_subxact_entries(mySubid);
			break;
		case SUBXACT_EVENT_COMMIT_SUB:
			hand_to_parent(mySubid, parentSubid);
			break;
		default:
			break;
	}
}

static void
xact_callback(XactEvent event, void *arg)
{
	ListCell   *lc;

	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PARALLEL_PRE_COMMIT:
		case XACT_EVENT_PRE_PREPARE:
			foreach(lc, steps)
			{
				TableStep  *t = (TableStep *) lfirst(lc);

				if (t->chunks != NIL || open_statements(t) != 0)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_TRANSACTION_STATE),
							 errmsg("a change to \"%s\" was captured by stepping but never applied",
									display_relname(t->relid)),
							 errdetail("A statement's BEFORE trigger fired without its AFTER trigger."),
							 errhint("The transaction is rolled back so no view is left stale.")));
			}
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			steps = NIL;		/* memory goes with TopTransactionContext */
			applying = 0;
			break;
	}
}

void
capture_init(void)
{
	RegisterXactCallback(xact_callback, NULL);
	RegisterSubXactCallback(subxact_callback, NULL);
}
