/*-------------------------------------------------------------------------
 *
 * capture.c
 *	  Statement triggers on base tables, the step (deltas collected from
 *	  every statement nested inside the outermost one), and the
 *	  transaction's pending deltas: closed steps whose circuits have not run
 *	  yet (stepping.apply = 'transaction').
 *
 *	  A table's step is open while its BEFORE STATEMENT firings outnumber
 *	  its AFTER STATEMENT firings (TRUNCATE included).  FK cascades fire the
 *	  child's AFTER trigger after the parent's, and ON CONFLICT / MERGE fire
 *	  pairs even for events without rows, so "the outermost statement's
 *	  trigger" is not a reliable end; a balance point always is.
 *
 *	  When a step closes its chunks either run through the circuits of the
 *	  tables' views at once (stepping.apply = 'statement', a statement of
 *	  many rows, or too many rows pending), or join the pending deltas,
 *	  appended to the table's last pending chunk.  The pending deltas run
 *	  when flush.c says they must (a read of a result table downstream of
 *	  them, DDL, COMMIT, PREPARE TRANSACTION): all of them as one step, whose
 *	  circuits then read the tables as they are, i.e. with exactly the
 *	  pending changes in them.  That is why a flush from inside an open
 *	  step, whose statement's rows are in the tables but not captured yet,
 *	  is refused when a view to run reads such a table.  Row triggers that
 *	  fire only under session_replication_role = replica (the logical
 *	  replication apply worker fires no statement triggers) append their
 *	  rows to the pending deltas directly.
 *
 *	  Counts and deltas are tagged with the subtransaction that made them:
 *	  a subtransaction abort drops exactly its own entries, a subcommit hands
 *	  them to the parent.  A flush inside a subtransaction also applies
 *	  chunks of its ancestors: they are kept aside ("applied"), tagged with
 *	  the subtransaction, and become pending again if it aborts (its writes
 *	  to the result tables are undone with it).  Everything lives in
 *	  TopTransactionContext, and spilled tuplestores belong to the top
 *	  transaction's resource owner.
 *
 *	  Also here: the guard trigger that refuses direct writes to a result
 *	  table, unless stepping itself is applying a delta.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "commands/trigger.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"

#include "stepping.h"

PG_FUNCTION_INFO_V1(stepping_capture_before);
PG_FUNCTION_INFO_V1(stepping_capture_after);
PG_FUNCTION_INFO_V1(stepping_capture_row);
PG_FUNCTION_INFO_V1(stepping_guard_result);

typedef struct OpenCount
{
	SubTransactionId subid;
	int			opens;			/* BEFORE firings minus AFTER firings */
} OpenCount;

/* The open step of one base table, or its pending chunks. */
typedef struct TableStep
{
	Oid			relid;
	List	   *counts;			/* OpenCount * (open steps only) */
	List	   *chunks;			/* DeltaChunk *, in statement order */
	TupleDesc	desc;			/* the table's, for copying rows (or NULL) */
	TupleTableSlot *slot;		/* of desc, for copying rows (or NULL) */
} TableStep;

/* A pending chunk that a flush inside a subtransaction applied. */
typedef struct AppliedChunk
{
	SubTransactionId applied_in;	/* pending again if this one aborts */
	Oid			relid;
	TupleDesc	desc;
	DeltaChunk *chunk;
} AppliedChunk;

/*
 * A statement changing more rows than this runs its step at once, with
 * whatever is pending: deferring it would only copy its rows.  More rows
 * than PENDING_MAX_ROWS pending run too, so that a transaction's deltas
 * never take more than a bounded amount of disk, besides memory (their
 * tuplestores spill past work_mem).
 */
#define DEFER_MAX_STATEMENT_ROWS	10000
#define PENDING_MAX_ROWS			100000

/* All in TopTransactionContext: */
static List *steps = NIL;		/* TableStep *: the open step */
static List *pending = NIL;		/* TableStep *: closed, not yet run */
static List *applied = NIL;		/* AppliedChunk *, oldest first */
static int64 pending_rows = 0;
static int	pending_statements = 0;
static char *pending_first_query = NULL;
static List *pending_views = NIL;	/* views downstream of pending */
static bool pending_views_valid = false;
static uint64 pending_views_generation = 0;	/* cache.c's, when computed */

static Tuplestorestate *row_old = NULL;	/* stepping_capture_row's */
static Tuplestorestate *row_new = NULL;

static int	applying = 0;		/* > 0 while stepping writes result tables */
static int	flushing = 0;		/* > 0 while pending deltas run */
static int	looking = 0;		/* > 0 while catalog lookups decide a flush */

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

/* The entry of relid in *list (steps or pending), made when missing. */
static TableStep *
find_table(List **list, Oid relid, bool create)
{
	ListCell   *lc;
	TableStep  *t;
	MemoryContext old;

	foreach(lc, *list)
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
	*list = lappend(*list, t);
	MemoryContextSwitchTo(old);
	if (list == &pending)
		pending_views_valid = false;	/* a new table: new views downstream */
	return t;
}

static TableStep *
find_step(Oid relid, bool create)
{
	return find_table(&steps, relid, create);
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

/*
 * Whether t is part of a running step: a statement on it has not closed,
 * or a nested statement's rows wait for the outer one.
 */
static bool
step_is_open(TableStep *t)
{
	return t->chunks != NIL || open_statements(t) != 0;
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
keep_chunk(TableStep *t, TupleDesc desc, Tuplestorestate *oldrows,
		   Tuplestorestate *newrows, bool truncated)
{
	MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
	ResourceOwner oldowner = CurrentResourceOwner;
	SubTransactionId subid = GetCurrentSubTransactionId();

	if (t->desc == NULL)
		t->desc = CreateTupleDescCopy(desc);
	/* kept: a transaction of single-row statements appends once each */
	if (t->slot == NULL)
		t->slot = MakeSingleTupleTableSlot(t->desc, &TTSOpsMinimalTuple);
	CurrentResourceOwner = TopTransactionResourceOwner;
	PG_TRY();
	{
		TupleTableSlot *slot = t->slot;
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
		append_chunk(chunk, oldrows, -1, newrows, -1, false, slot);
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

static int64
store_rows(Tuplestorestate *ts)
{
	return ts ? tuplestore_tuple_count(ts) : 0;
}

/* Forget the open step's counts and table descriptors (not its chunks). */
static void
reset_steps(void)
{
	ListCell   *lc;

	bool		keep = true;

	/*
	 * A transaction may run any number of steps: give their memory back.
	 * A table with one count and no row descriptor (no nested statement
	 * kept rows) keeps its entry for the next statement, its count at zero:
	 * a loop of one-row statements allocates nothing per statement.
	 */
	foreach(lc, steps)
	{
		TableStep  *ts = (TableStep *) lfirst(lc);

		Assert(ts->chunks == NIL);
		if (ts->desc != NULL || list_length(ts->counts) != 1)
			keep = false;
	}
	if (keep)
	{
		foreach(lc, steps)
			((OpenCount *) linitial(((TableStep *) lfirst(lc))->counts))->opens = 0;
		return;
	}
	foreach(lc, steps)
	{
		TableStep  *ts = (TableStep *) lfirst(lc);

		list_free_deep(ts->counts);
		if (ts->slot)
			ExecDropSingleTupleTableSlot(ts->slot);
		if (ts->desc)
			FreeTupleDesc(ts->desc);
	}
	list_free_deep(steps);
	steps = NIL;
}

/* Whether the rows of a statement closing a step may wait (see the header). */
static bool
may_defer(int64 statement_rows)
{
	int64		open_rows = 0;
	ListCell   *lc;

	if (stepping_apply_mode != STEPPING_APPLY_TRANSACTION ||
		statement_rows > DEFER_MAX_STATEMENT_ROWS || flush_single_statement())
		return false;
	foreach(lc, steps)
		open_rows += delta_chunks_rows(((TableStep *) lfirst(lc))->chunks);
	return pending_rows + open_rows + statement_rows <= PENDING_MAX_ROWS;
}

/* pending_statements and the first statement's text, for error context */
static void
count_pending_statement(void)
{
	if (pending_statements++ == 0 && debug_query_string)
		pending_first_query = MemoryContextStrdup(TopTransactionContext,
												  debug_query_string);
}

/*
 * The step closes and may wait: its chunks, and the closing statement's
 * rows, join the pending deltas.
 */
static void
defer_step(Relation rel, TriggerData *td, bool truncated)
{
	ListCell   *lc;
	TableStep  *p;
	MemoryContext old;

	foreach(lc, steps)
	{
		TableStep  *ts = (TableStep *) lfirst(lc);
		ListCell   *lc2;

		if (ts->chunks == NIL)
			continue;
		p = find_table(&pending, ts->relid, true);
		foreach(lc2, ts->chunks)
			settle_chunk((DeltaChunk *) lfirst(lc2), ts->desc);
		old = MemoryContextSwitchTo(TopTransactionContext);
		if (p->desc == NULL)
			p->desc = CreateTupleDescCopy(ts->desc);
		p->chunks = list_concat(p->chunks, ts->chunks);
		MemoryContextSwitchTo(old);
		pending_rows += delta_chunks_rows(ts->chunks);
		list_free(ts->chunks);
		ts->chunks = NIL;
	}
	reset_steps();

	p = find_table(&pending, RelationGetRelid(rel), true);
	keep_chunk(p, RelationGetDescr(rel), td->tg_oldtable, td->tg_newtable,
			   truncated);
	pending_rows += store_rows(td->tg_oldtable) + store_rows(td->tg_newtable);
	count_pending_statement();
}

/* The TableDeltas of relid in *tables, made when missing. */
static TableDeltas *
table_deltas(List **tables, Oid relid)
{
	ListCell   *lc;
	TableDeltas *td;

	foreach(lc, *tables)
	{
		td = (TableDeltas *) lfirst(lc);
		if (td->relid == relid)
			return td;
	}
	td = palloc0(sizeof(TableDeltas));
	td->relid = relid;
	*tables = lappend(*tables, td);
	return td;
}

/*
 * Take the chunks of every table in *list into *tables (appended after
 * those already there: statement order) and *owned.  Chunks of pending
 * deltas made by an ancestor of the current subtransaction are also kept
 * aside in "applied" (see the header).
 */
static void
take_chunks(List *list, List **tables, List **owned, bool keep_ancestors)
{
	SubTransactionId subid = GetCurrentSubTransactionId();
	ListCell   *lc;

	foreach(lc, list)
	{
		TableStep  *ts = (TableStep *) lfirst(lc);
		TableDeltas *td;
		ListCell   *lc2;

		if (ts->chunks == NIL)
			continue;
		td = table_deltas(tables, ts->relid);
		foreach(lc2, ts->chunks)
		{
			DeltaChunk *chunk = (DeltaChunk *) lfirst(lc2);

			settle_chunk(chunk, ts->desc);
			td->chunks = lappend(td->chunks, chunk);
			if (keep_ancestors && chunk->subid != subid)
			{
				MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
				AppliedChunk *ac = palloc(sizeof(AppliedChunk));

				ac->applied_in = subid;
				ac->relid = ts->relid;
				ac->desc = CreateTupleDescCopy(ts->desc);
				ac->chunk = chunk;
				applied = lappend(applied, ac);
				MemoryContextSwitchTo(old);
			}
			else
				*owned = lappend(*owned, chunk);
		}
		list_free(ts->chunks);
		ts->chunks = NIL;
	}
}

static void
forget_pending(void)
{
	ListCell   *lc;

	foreach(lc, pending)
	{
		TableStep  *p = (TableStep *) lfirst(lc);

		Assert(p->chunks == NIL);
		if (p->slot)
			ExecDropSingleTupleTableSlot(p->slot);
		if (p->desc)
			FreeTupleDesc(p->desc);
	}
	list_free_deep(pending);
	pending = NIL;
	pending_rows = 0;
	pending_statements = 0;
	if (pending_first_query)
		pfree(pending_first_query);
	pending_first_query = NULL;
	pending_views_valid = false;
}

typedef struct DeferredContext
{
	int			statements;
	char	   *first_query;
} DeferredContext;

static void
deferred_context(void *arg)
{
	DeferredContext *dc = (DeferredContext *) arg;
	const char *q = dc->first_query ? dc->first_query : "(unknown)";
	int			len = pg_mbcliplen(q, strlen(q), 200);

	if (dc->statements == 1)
		errcontext("applying the changes of statement %.*s%s (stepping.apply = 'transaction')",
				   len, q, q[len] ? "..." : "");
	else
		errcontext("applying the changes of %d statements of this transaction (stepping.apply = 'transaction'), the first: %.*s%s",
				   dc->statements, len, q, q[len] ? "..." : "");
}

/*
 * Run one step: the pending deltas (oldest statements first), then with
 * rel set the open step's chunks and the closing statement's rows, read in
 * place.
 */
static void
run_step(Relation rel, TriggerData *td, bool truncated)
{
	List	   *tables = NIL;
	List	   *owned = NIL;
	ListCell   *lc;
	DeltaChunk	last;
	DeferredContext dc;
	ErrorContextCallback errcallback;

	dc.statements = pending_statements;
	dc.first_query = pending_first_query ? pstrdup(pending_first_query) : NULL;

	/*
	 * Take every chunk out first, so that statements run by maintenance
	 * start a step of their own.
	 */
	take_chunks(pending, &tables, &owned, true);
	forget_pending();
	if (rel)
	{
		TableDeltas *mine;

		take_chunks(steps, &tables, &owned, false);
		reset_steps();
		mine = table_deltas(&tables, RelationGetRelid(rel));
		memset(&last, 0, sizeof(last));
		last.subid = GetCurrentSubTransactionId();
		last.truncated = truncated;
		last.oldrows = td->tg_oldtable;
		last.newrows = td->tg_newtable;
		mine->chunks = lappend(mine->chunks, &last);
	}
	if (tables == NIL)
		return;

	errcallback.callback = deferred_context;
	errcallback.arg = &dc;
	errcallback.previous = error_context_stack;
	if (dc.statements > 0)
		error_context_stack = &errcallback;
	flushing++;
	PG_TRY();
	{
		circuit_run_step(tables);
	}
	PG_FINALLY();
	{
		flushing--;
	}
	PG_END_TRY();
	if (dc.statements > 0)
		error_context_stack = errcallback.previous;

	foreach(lc, owned)
		free_chunk((DeltaChunk *) lfirst(lc));
}

Datum
stepping_capture_after(PG_FUNCTION_ARGS)
{
	TriggerData *td = trigger_data(fcinfo, "stepping.capture_after()");
	Oid			relid = RelationGetRelid(td->tg_relation);
	TableStep  *t = find_step(relid, true);
	bool		truncated = TRIGGER_FIRED_BY_TRUNCATE(td->tg_event);

	current_count(t)->opens--;

	if (open_statements_all() > 0)
	{
		/* an outer statement is still running: keep the rows for later */
		keep_chunk(t, RelationGetDescr(td->tg_relation),
				   td->tg_oldtable, td->tg_newtable, truncated);
		return PointerGetDatum(NULL);
	}

	/* the step closes */
	if (may_defer(store_rows(td->tg_oldtable) + store_rows(td->tg_newtable)))
		defer_step(td->tg_relation, td, truncated);
	else
		run_step(td->tg_relation, td, truncated);
	return PointerGetDatum(NULL);
}

/*
 * A row change that no statement trigger captures: the logical replication
 * apply worker fires row triggers only, and only those enabled REPLICA or
 * ALWAYS.  This one is enabled REPLICA: it fires in sessions with
 * session_replication_role = replica, where stepping's statement triggers
 * (ALWAYS) fire too for statements of a session's own -- then they capture
 * the row and this trigger, seeing their step open, does nothing.  The row
 * joins the pending deltas, applied at the next flush (at the latest, the
 * apply worker's commit).
 */
Datum
stepping_capture_row(PG_FUNCTION_ARGS)
{
	TriggerData *td;
	Oid			relid;
	TableStep  *t;
	Tuplestorestate *oldrows = NULL;
	Tuplestorestate *newrows = NULL;
	MemoryContext old;

	if (!CALLED_AS_TRIGGER(fcinfo) ||
		!TRIGGER_FIRED_FOR_ROW(((TriggerData *) fcinfo->context)->tg_event) ||
		!TRIGGER_FIRED_AFTER(((TriggerData *) fcinfo->context)->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("stepping.capture_row() must be an AFTER ROW trigger")));
	td = (TriggerData *) fcinfo->context;
	relid = RelationGetRelid(td->tg_relation);
	t = find_step(relid, false);
	if (t && open_statements(t) > 0)
		return PointerGetDatum(NULL);	/* its statement captures it */

	/*
	 * One-row stores, appended to the pending chunk like a statement's; made
	 * once per transaction (each store starts with a 16 kB array) and
	 * emptied before every row (an error may have left one in them).
	 */
	if (row_old == NULL)
	{
		old = MemoryContextSwitchTo(TopTransactionContext);
		row_old = tuplestore_begin_heap(false, false, work_mem);
		row_new = tuplestore_begin_heap(false, false, work_mem);
		MemoryContextSwitchTo(old);
	}
	tuplestore_clear(row_old);
	tuplestore_clear(row_new);
	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event) || TRIGGER_FIRED_BY_DELETE(td->tg_event))
	{
		oldrows = row_old;
		tuplestore_puttuple(oldrows, td->tg_trigtuple);
	}
	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event) || TRIGGER_FIRED_BY_INSERT(td->tg_event))
	{
		newrows = row_new;
		tuplestore_puttuple(newrows, TRIGGER_FIRED_BY_UPDATE(td->tg_event)
							? td->tg_newtuple : td->tg_trigtuple);
	}
	keep_chunk(find_table(&pending, relid, true), RelationGetDescr(td->tg_relation),
			   oldrows, newrows, false);
	pending_rows++;
	count_pending_statement();
	return PointerGetDatum(NULL);
}

/* ----------------------------------------------------------------
 * Flushing the pending deltas (when: flush.c)
 * ----------------------------------------------------------------
 */

bool
capture_has_pending(void)
{
	return pending != NIL && flushing == 0 && applying == 0 && looking == 0;
}

/* The views downstream of the tables with pending deltas. */
List *
capture_pending_views(void)
{
	ListCell   *lc;
	int			i;
	MemoryContext old;
	uint64		generation;

	/* a view created or dropped meanwhile (another session's too) */
	if (pending_views_valid && pending_views_generation == cache_generation)
		return pending_views;
	/* an invalidation while the lookups run makes the next call look again */
	generation = cache_generation;
	/* the lookups run queries: they must not come back here */
	looking++;
	PG_TRY();
	{
		List	   *views = NIL;

		foreach(lc, pending)
			views = list_concat_unique_oid(views,
										   cache_views_of_table(((TableStep *) lfirst(lc))->relid));
		for (i = 0; i < list_length(views); i++)
			views = list_concat_unique_oid(views,
										   cache_views_of_table(list_nth_oid(views, i)));
		old = MemoryContextSwitchTo(TopTransactionContext);
		list_free(pending_views);
		pending_views = list_copy(views);
		MemoryContextSwitchTo(old);
		list_free(views);
	}
	PG_FINALLY();
	{
		looking--;
	}
	PG_END_TRY();
	pending_views_valid = true;
	pending_views_generation = generation;
	return pending_views;
}

/* Whether a statement is running that changed base tables of views. */
bool
capture_step_open(void)
{
	ListCell   *lc;

	foreach(lc, steps)
	{
		TableStep  *ts = (TableStep *) lfirst(lc);

		if (step_is_open(ts))
			return true;
	}
	return false;
}

/*
 * A table the open step changed (rows in it that no chunk holds yet, or
 * that the step will capture) read by a view that a flush would run:
 * that view's delta would count those rows, and the step once more.
 */
static Oid
unsafe_input_lookup(Oid *view)
{
	ListCell   *lc;

	foreach(lc, capture_pending_views())
	{
		Circuit    *c = cache_get_circuit(lfirst_oid(lc));
		ListCell   *lc2;

		foreach(lc2, c->inputs)
		{
			TableStep  *ts = find_step(lfirst_oid(lc2), false);

			if (ts && step_is_open(ts))
			{
				*view = c->viewid;
				return ts->relid;
			}
		}
	}
	return InvalidOid;
}

static Oid
unsafe_input(Oid *view)
{
	Oid			input = InvalidOid;

	if (!capture_step_open())
		return InvalidOid;
	/* the lookups run queries: they must not come back here */
	looking++;
	PG_TRY();
	{
		input = unsafe_input_lookup(view);
	}
	PG_FINALLY();
	{
		looking--;
	}
	PG_END_TRY();
	return input;
}

/*
 * Flushing runs users' triggers, which may write base tables again: a
 * flush that keeps finding new pending deltas gives up.
 */
static void
count_flush_round(int rounds, const char *why)
{
	if (rounds > 1000)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("applying pending changes of stepping views did not finish after %d rounds",
						rounds - 1),
				 errdetail_internal("%s", why)));
}

/*
 * Run the pending deltas now.  From inside a statement that changes an
 * input of a view to run, that cannot be exact: must (a read of a result
 * table) raises an error, otherwise (DDL on anything) the deltas stay
 * pending.  Deltas that maintenance itself defers (users' triggers on
 * result tables writing base tables) run in turn.
 */
void
capture_flush(bool must)
{
	int			rounds = 0;

	while (capture_has_pending())
	{
		Oid			view = InvalidOid;
		Oid			input = unsafe_input(&view);

		if (OidIsValid(input))
		{
			if (!must)
				return;
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("cannot read stepping view \"%s\" while a statement changing \"%s\" is running and changes of earlier statements are pending",
							display_relname(view), display_relname(input)),
					 errdetail("With stepping.apply = 'transaction' a view's changes are applied when it is read; "
							   "this read happens inside a statement whose own changes are not captured yet."),
					 errhint("SET stepping.apply = 'statement' for this transaction, or read the view before the statement.")));
		}
		count_flush_round(++rounds, "Triggers on result tables keep changing base tables.");
		run_step(NULL, NULL, false);
	}
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
drop_subxact_entries(List *list, SubTransactionId subid)
{
	ListCell   *lc;

	foreach(lc, list)
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
hand_to_parent(List *list, SubTransactionId subid, SubTransactionId parent)
{
	ListCell   *lc;

	foreach(lc, list)
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
free_applied(AppliedChunk *ac)
{
	free_chunk(ac->chunk);
	FreeTupleDesc(ac->desc);
	pfree(ac);
}

/*
 * A subtransaction that flushed pending chunks of its ancestors aborted:
 * its writes to the result tables are undone, so those chunks are pending
 * again.  Nothing else can be pending at that point (the flush took all,
 * and what came after belongs to the aborted subtransaction), so they go
 * back in the order they were applied; they are marked unordered all the
 * same, as a flush of several chunks may see a row leave before it came.
 */
static void
restore_applied(SubTransactionId subid)
{
	ListCell   *lc;

	foreach(lc, applied)
	{
		AppliedChunk *ac = (AppliedChunk *) lfirst(lc);
		TableStep  *p;
		MemoryContext old;

		if (ac->applied_in != subid)
			continue;
		applied = foreach_delete_current(applied, lc);
		if (ac->chunk->subid == subid)
		{
			free_applied(ac);
			continue;
		}
		p = find_table(&pending, ac->relid, true);
		old = MemoryContextSwitchTo(TopTransactionContext);
		if (p->desc == NULL)
			p->desc = CreateTupleDescCopy(ac->desc);
		ac->chunk->unordered = true;
		p->chunks = lappend(p->chunks, ac->chunk);
		MemoryContextSwitchTo(old);
		pending_rows += ac->chunk->nold + ac->chunk->nnew;
		pending_statements++;
		pending_views_valid = false;
		FreeTupleDesc(ac->desc);
		pfree(ac);
	}
}

/*
 * A subtransaction that flushed committed: what it applied is applied in
 * its parent.  A chunk made and applied in the same subtransaction is gone
 * for good (undone together or kept together).
 */
static void
applied_to_parent(SubTransactionId subid, SubTransactionId parent)
{
	ListCell   *lc;

	foreach(lc, applied)
	{
		AppliedChunk *ac = (AppliedChunk *) lfirst(lc);

		if (ac->applied_in == subid)
			ac->applied_in = parent;
		if (ac->chunk->subid == subid)
			ac->chunk->subid = parent;
		if (ac->chunk->subid == ac->applied_in)
		{
			applied = foreach_delete_current(applied, lc);
			free_applied(ac);
		}
	}
}

/* Whether pending deltas were made in subtransaction subid. */
static bool
pending_made_in(SubTransactionId subid)
{
	ListCell   *lc;

	foreach(lc, pending)
	{
		ListCell   *lc2;

		foreach(lc2, ((TableStep *) lfirst(lc))->chunks)
			if (((DeltaChunk *) lfirst(lc2))->subid == subid)
				return true;
	}
	return false;
}

/*
 * A PL/pgSQL exception block (or another internal subtransaction) ends
 * without error: its statements' deltas are applied now, so that an error
 * of their maintenance is raised inside the block, where its handler can
 * catch it, as with stepping.apply = 'statement'.  RELEASE SAVEPOINT
 * (flush.c tells) keeps them pending.
 */
static void
flush_before_subcommit(SubTransactionId subid)
{
	bool		pushed = false;

	if (!capture_has_pending() || flush_releasing_savepoint() ||
		!pending_made_in(subid))
		return;
	if (!ActiveSnapshotSet())
	{
		PushActiveSnapshot(GetTransactionSnapshot());
		pushed = true;
	}
	capture_flush(false);
	if (pushed)
		PopActiveSnapshot();
}

static void
subxact_callback(SubXactEvent event, SubTransactionId mySubid,
				 SubTransactionId parentSubid, void *arg)
{
	switch (event)
	{
		case SUBXACT_EVENT_PRE_COMMIT_SUB:
			flush_before_subcommit(mySubid);
			break;
		case SUBXACT_EVENT_ABORT_SUB:
			drop_subxact_entries(steps, mySubid);
			drop_subxact_entries(pending, mySubid);
			restore_applied(mySubid);
			pending_views_valid = false;
			break;
		case SUBXACT_EVENT_COMMIT_SUB:
			hand_to_parent(steps, mySubid, parentSubid);
			hand_to_parent(pending, mySubid, parentSubid);
			applied_to_parent(mySubid, parentSubid);
			break;
		default:
			break;
	}
}

/*
 * Before COMMIT and PREPARE TRANSACTION: run the pending deltas, and the
 * deferred triggers that their writes queued (CommitTransaction fired the
 * others already), until neither is left.
 */
static void
flush_before_commit(void)
{
	int			rounds = 0;

	while (capture_has_pending())
	{
		count_flush_round(++rounds, "Deferred triggers keep changing base tables.");
		/* COMMIT runs without a snapshot; maintenance reads through one */
		PushActiveSnapshot(GetTransactionSnapshot());
		capture_flush(true);
		PopActiveSnapshot();
		AfterTriggerFireDeferred();
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

				if (step_is_open(t))
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_TRANSACTION_STATE),
							 errmsg("a change to \"%s\" was captured by stepping but never applied",
									display_relname(t->relid)),
							 errdetail("A statement's BEFORE trigger fired without its AFTER trigger."),
							 errhint("The transaction is rolled back so no view is left stale.")));
			}
			flush_before_commit();
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			/* memory goes with TopTransactionContext */
			steps = NIL;
			pending = NIL;
			applied = NIL;
			pending_rows = 0;
			pending_statements = 0;
			pending_first_query = NULL;
			pending_views = NIL;
			pending_views_valid = false;
			row_old = row_new = NULL;
			applying = 0;
			flushing = 0;
			looking = 0;
			break;
	}
}

void
capture_init(void)
{
	RegisterXactCallback(xact_callback, NULL);
	RegisterSubXactCallback(subxact_callback, NULL);
}
