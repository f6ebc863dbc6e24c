/*-------------------------------------------------------------------------
 *
 * flush.c
 *	  When a transaction's pending deltas must be applied (capture.c keeps
 *	  them): the setting stepping.apply, and the hooks that find the reads
 *	  that need them.
 *
 *	  Invariant: after each statement, whatever reads a result table in the
 *	  transaction finds it equal to its query.  So the pending deltas run
 *	  before:
 *	  - a query whose range table holds a result table downstream of them
 *	    (ExecutorStart: plain reads, subqueries, PostgreSQL views over result
 *	    tables, cursors, SQL and PL/pgSQL functions, SPI, foreign-key
 *	    checks);
 *	  - a DML statement that may run user code reading result tables while
 *	    its own rows are not captured yet: one that calls a user-defined
 *	    function, or whose target table has row triggers besides stepping's
 *	    (users' triggers, foreign-key checks); from inside such a statement
 *	    capture.c could not run them exactly;
 *	  - COPY of a result table TO somewhere (pg_dump), and any other utility
 *	    statement except the few that neither read tables nor change what
 *	    the deltas mean (transaction control, SET, cursors, ...): DDL must
 *	    meet applied views, and a changed row type would not fit the rows
 *	    kept;
 *	  - stepping's own functions (stepping.c), COMMIT and PREPARE
 *	    TRANSACTION (capture.c's transaction callback).
 *	  Reads that need none of this (base tables, other tables, a view whose
 *	  inputs have nothing pending) leave the deltas pending.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/relation.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_trigger.h"
#include "executor/executor.h"
#include "nodes/plannodes.h"
#include "parser/parsetree.h"
#include "tcop/utility.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "stepping.h"

int			stepping_apply_mode = STEPPING_APPLY_TRANSACTION;

static const struct config_enum_entry apply_options[] = {
	{"transaction", STEPPING_APPLY_TRANSACTION, false},
	{"statement", STEPPING_APPLY_STATEMENT, false},
	{NULL, 0, false}
};

/*
 * Set by RELEASE SAVEPOINT (and COMMIT, which releases savepoints too)
 * until the next statement: the subtransactions that end then are
 * explicit savepoints, whose deltas stay pending (capture.c).
 */
static bool releasing_savepoint = false;

/* statements running (executor runs and utility commands), outermost first */
static int	nesting = 0;
static int	running = 0;		/* of those, executor runs */

static ExecutorStart_hook_type prev_ExecutorStart = NULL;
static ExecutorRun_hook_type prev_ExecutorRun = NULL;
static ProcessUtility_hook_type prev_ProcessUtility = NULL;

/* Whether relid is the result table of a view with pending deltas. */
static bool
reads_pending_view(Oid relid)
{
	return list_member_oid(capture_pending_views(), relid);
}

/*
 * Whether a table has row triggers that are not stepping's (users' own,
 * foreign-key checks): they run inside the statement, before its rows are
 * captured, and may read result tables.
 */
static Oid	foreign_relid = InvalidOid;	/* has_foreign_row_triggers' last */
static bool foreign_found = false;

static void
forget_foreign(Datum arg, Oid relid)
{
	if (!OidIsValid(relid) || relid == foreign_relid)
		foreign_relid = InvalidOid;
}

static bool
has_foreign_row_triggers(Oid relid)
{
	Relation	rel;
	TriggerDesc *trigdesc;
	bool		found = false;
	int			i;

	/* a loop of statements on one table asks again and again */
	if (relid == foreign_relid)
		return foreign_found;
	rel = relation_open(relid, NoLock);
	trigdesc = rel->trigdesc;
	for (i = 0; trigdesc && i < trigdesc->numtriggers && !found; i++)
	{
		Trigger    *t = &trigdesc->triggers[i];

		if (TRIGGER_FOR_ROW(t->tgtype) &&
			strcmp(t->tgname, STEPPING_REPLICA_TRIGGER) != 0)
			found = true;
	}
	relation_close(rel, NoLock);
	foreign_relid = relid;		/* until a relcache invalidation of it */
	foreign_found = found;
	return found;
}

/* Whether a plan calls a user-defined function (setrefs.c records those). */
static bool
calls_user_functions(PlannedStmt *pstmt)
{
	ListCell   *lc;

	foreach(lc, pstmt->invalItems)
		if (((PlanInvalItem *) lfirst(lc))->cacheId == PROCOID)
			return true;
	return false;
}

/* Whether a plan must meet the pending deltas applied (see the header). */
static bool
plan_needs_flush(PlannedStmt *pstmt, bool *must)
{
	ListCell   *lc;

	*must = true;
	foreach(lc, pstmt->rtable)
	{
		RangeTblEntry *rte = (RangeTblEntry *) lfirst(lc);

		if (rte->rtekind == RTE_RELATION && reads_pending_view(rte->relid))
			return true;
	}
	if (capture_step_open())
		return false;
	*must = false;

	/*
	 * A user's function may read a result table from inside the query,
	 * with the query's snapshot (STABLE functions) that a flush then could
	 * not advance any more.
	 */
	if (calls_user_functions(pstmt))
		return true;
	if (pstmt->commandType == CMD_SELECT && !pstmt->hasModifyingCTE)
		return false;
	foreach(lc, pstmt->resultRelations)
	{
		RangeTblEntry *rte = rt_fetch(lfirst_int(lc), pstmt->rtable);

		if (has_foreign_row_triggers(rte->relid))
			return true;
	}
	return false;
}

/*
 * Under READ COMMITTED a statement whose own snapshot was taken before the
 * flush must also see what other transactions committed before the flush
 * wrote (a flush that waited for another writer's group row wrote a
 * version made from that writer's row, whose older version the statement's
 * snapshot would still show).  A snapshot that no running query uses (none
 * runs, or only this query holds it: a STABLE function's queries share the
 * calling query's) is advanced in place to a fresh one, keeping its xmin (the registered snapshots are
 * ordered by it; every transaction below the fresh xmin is finished
 * anyway).  The query has not started: it is as if it had started after the
 * flush.
 */
static void
advance_snapshot(Snapshot snap)
{
	Snapshot	fresh;
	MemoryContext old;

	if (snap == NULL || IsolationUsesXactSnapshot() || !snap->copied ||
		(running > 0 && (snap->active_count > 1 || snap->regd_count > 1)))
		return;
	fresh = GetTransactionSnapshot();
	old = MemoryContextSwitchTo(TopTransactionContext);
	snap->xmax = fresh->xmax;
	snap->xcnt = fresh->xcnt;
	snap->xip = palloc(sizeof(TransactionId) * Max(fresh->xcnt, 1));
	memcpy(snap->xip, fresh->xip, sizeof(TransactionId) * fresh->xcnt);
	snap->subxcnt = fresh->subxcnt;
	snap->suboverflowed = fresh->suboverflowed;
	snap->subxip = palloc(sizeof(TransactionId) * Max(fresh->subxcnt, 1));
	memcpy(snap->subxip, fresh->subxip, sizeof(TransactionId) * fresh->subxcnt);
	snap->curcid = fresh->curcid;
	MemoryContextSwitchTo(old);
}

/*
 * The statement's snapshot was taken before the flush wrote the result
 * tables: it must see those writes, as it sees every earlier statement's.
 * Its command id moves (the flush's writes are this transaction's own), as
 * CommandCounterIncrement moves a new snapshot's, and under READ COMMITTED
 * the rest of it too when only this query uses it and it has not started
 * (advance).
 */
static void
see_flushed_rows(Snapshot snapshot, bool advance)
{
	CommandId	cid = GetCurrentCommandId(false);

	if (advance)
	{
		advance_snapshot(snapshot);
		if (ActiveSnapshotSet() && GetActiveSnapshot() != snapshot)
			advance_snapshot(GetActiveSnapshot());
	}
	if (snapshot && snapshot->curcid < cid)
		snapshot->curcid = cid;
	if (ActiveSnapshotSet() && GetActiveSnapshot()->curcid < cid)
		GetActiveSnapshot()->curcid = cid;
}

/*
 * Apply the pending deltas now, and let the running statement see them:
 * for stepping's own functions, which read result tables from inside a
 * query that started before.
 */
void
flush_pending(bool must)
{
	if (!capture_has_pending())
		return;
	capture_flush(must);
	see_flushed_rows(NULL, false);
}

static void
flush_ExecutorStart(QueryDesc *queryDesc, int eflags)
{
	bool		must;

	releasing_savepoint = false;
	if (capture_has_pending() && !(eflags & EXEC_FLAG_EXPLAIN_ONLY) &&
		plan_needs_flush(queryDesc->plannedstmt, &must))
	{
		capture_flush(must);
		see_flushed_rows(queryDesc->snapshot, true);
	}
	if (prev_ExecutorStart)
		prev_ExecutorStart(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);
}

static void
flush_ExecutorRun(QueryDesc *queryDesc, ScanDirection direction,
				  uint64 count, bool execute_once)
{
	nesting++;
	running++;
	PG_TRY();
	{
		if (prev_ExecutorRun)
			prev_ExecutorRun(queryDesc, direction, count, execute_once);
		else
			standard_ExecutorRun(queryDesc, direction, count, execute_once);
	}
	PG_FINALLY();
	{
		nesting--;
		running--;
	}
	PG_END_TRY();
}

/*
 * Whether the statement whose step closes is a client's statement of its
 * own (its AFTER triggers fire once its run is over) outside a transaction
 * block: deferring its deltas to the COMMIT right after it would only copy
 * its rows (capture.c).
 */
bool
flush_single_statement(void)
{
	return nesting == 0 && !IsTransactionBlock();
}

/*
 * Utility statements that leave the pending deltas pending: they neither
 * read a result table's rows themselves nor change what the kept rows mean
 * (what they run through the executor is seen there).
 */
static bool
utility_keeps_pending(Node *stmt)
{
	switch (nodeTag(stmt))
	{
		case T_TransactionStmt:
		case T_VariableSetStmt:
		case T_VariableShowStmt:
		case T_ConstraintsSetStmt:
		case T_NotifyStmt:
		case T_ListenStmt:
		case T_UnlistenStmt:
		case T_DoStmt:
		case T_CallStmt:
		case T_PrepareStmt:
		case T_ExecuteStmt:
		case T_DeallocateStmt:
		case T_DeclareCursorStmt:
		case T_FetchStmt:
		case T_ClosePortalStmt:
		case T_ExplainStmt:
		case T_LockStmt:
		case T_CheckPointStmt:
		case T_DiscardStmt:
			return true;
		default:
			return false;
	}
}

static void
flush_ProcessUtility(PlannedStmt *pstmt, const char *queryString,
					 bool readOnlyTree, ProcessUtilityContext context,
					 ParamListInfo params, QueryEnvironment *queryEnv,
					 DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *stmt = pstmt->utilityStmt;

	releasing_savepoint = (IsA(stmt, TransactionStmt) &&
						   (((TransactionStmt *) stmt)->kind == TRANS_STMT_RELEASE ||
							((TransactionStmt *) stmt)->kind == TRANS_STMT_COMMIT));
	if (capture_has_pending())
	{
		if (IsA(stmt, CopyStmt))
		{
			CopyStmt   *cs = (CopyStmt *) stmt;

			/* COPY (query) TO meets the executor; COPY FROM adds changes */
			if (!cs->is_from && cs->relation)
			{
				Oid			relid = RangeVarGetRelid(cs->relation, NoLock, true);

				if (OidIsValid(relid) && reads_pending_view(relid))
				{
					capture_flush(true);
					see_flushed_rows(NULL, true);
				}
			}
		}
		else if (!utility_keeps_pending(stmt))
		{
			capture_flush(false);
			see_flushed_rows(NULL, true);
		}
	}
	nesting++;
	PG_TRY();
	{
		if (prev_ProcessUtility)
			prev_ProcessUtility(pstmt, queryString, readOnlyTree, context,
								params, queryEnv, dest, qc);
		else
			standard_ProcessUtility(pstmt, queryString, readOnlyTree, context,
									params, queryEnv, dest, qc);
	}
	PG_FINALLY();
	{
		nesting--;
	}
	PG_END_TRY();
}

bool
flush_releasing_savepoint(void)
{
	return releasing_savepoint;
}

void
flush_init(void)
{
	DefineCustomEnumVariable("stepping.apply",
							 "When stepping writes a statement's changes to the views' result tables.",
							 "transaction: when the transaction reads a result table over the changed "
							 "tables, runs DDL, or commits (a result row is written once however "
							 "many statements changed it); statement: at the end of each statement.",
							 &stepping_apply_mode,
							 STEPPING_APPLY_TRANSACTION,
							 apply_options,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
	CacheRegisterRelcacheCallback(forget_foreign, (Datum) 0);
	prev_ExecutorStart = ExecutorStart_hook;
	ExecutorStart_hook = flush_ExecutorStart;
	prev_ExecutorRun = ExecutorRun_hook;
	ExecutorRun_hook = flush_ExecutorRun;
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = flush_ProcessUtility;
}
