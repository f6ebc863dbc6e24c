/*-------------------------------------------------------------------------
 *
 * follow.c
 *	  Stored definitions that follow DDL: renames of any object a stored
 *	  definition names (analyzed before the command, while the names still
 *	  resolve, deparsed again after it, from the same OIDs); functions and
 *	  text-search objects whose definition changed (views recomputed; a
 *	  function no longer immutable refused).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_proc.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/regproc.h"
#include "utils/resowner.h"
#include "utils/syscache.h"

#include "stepping.h"
#include "ddl/ddl.h"

typedef struct PendingRename
{
	Oid			viewid;
	Query	   *query;
	char	   *sql;
} PendingRename;

static List *pending = NIL;		/* PendingRename *, in TopTransactionContext */
static bool callback_registered = false;

static void
ddl_xact_callback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_PREPARE)
		pending = NIL;
}

/* ----------------------------------------------------------------
 * Functions
 * ----------------------------------------------------------------
 */


/*
 * ddl_command_end of CREATE OR REPLACE FUNCTION / AGGREGATE, ALTER FUNCTION
 * and ALTER TEXT SEARCH CONFIGURATION / DICTIONARY: a view computed with an
 * object's former definition (a function's body, strictness or settings, a
 * configuration's mappings) would differ from its query.  A function that
 * is no longer immutable is refused, as create_view refuses it; otherwise
 * the views using the object are recomputed, and every backend compiles
 * them again.
 */
void
ddl_follow_definition_changes(void)
{
	List	   *views = NIL;
	Oid			volatile_fn = InvalidOid;
	Oid			volatile_view = InvalidOid;
	char		volatility = PROVOLATILE_IMMUTABLE;
	ListCell   *lc;

	foreach(lc, catalog_changed_object_uses())
	{
		CatalogObjectUse *use = (CatalogObjectUse *) lfirst(lc);

		if (use->volatility != PROVOLATILE_IMMUTABLE && !OidIsValid(volatile_fn))
		{
			volatile_fn = use->object;
			volatile_view = use->viewid;
			volatility = use->volatility;
		}
		views = list_append_unique_oid(views, use->viewid);
	}
	if (OidIsValid(volatile_fn))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot make function %s %s: stepping view \"%s\" uses it",
						format_procedure(volatile_fn),
						volatility == PROVOLATILE_STABLE ? "stable" : "volatile",
						display_relname(volatile_view)),
				 errdetail("A view cannot be kept equal to a query whose results change without a write to its tables."),
				 errhint("Drop the view with stepping.drop_view() first.")));
	foreach(lc, views)
	{
		Oid			view = lfirst_oid(lc);

		/* other backends compile it again after commit, this one now */
		CacheInvalidateRelcacheByRelid(view);
		cache_forget_view(view);
		circuit_refresh(cache_get_circuit(view));
	}
}

/*
 * Analyze a stored definition in a subtransaction: one that no longer
 * analyzes (NULL) is left as it is rather than blocking the DDL.
 */
static Query *
try_analyze(const char *sql)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	Query	   *volatile result = NULL;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		Query	   *q = analyze_view_query(sql, true);
		MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);

		result = copyObject(q);
		MemoryContextSwitchTo(old);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		result = NULL;
	}
	PG_END_TRY();
	return result;
}

/* Analyze every stored definition while its names still resolve. */
void
ddl_remember_definitions(void)
{
	MemoryContext old;
	List	   *rows = NIL;
	ListCell   *lc;

	if (!callback_registered)
	{
		RegisterXactCallback(ddl_xact_callback, NULL);
		callback_registered = true;
	}
	old = MemoryContextSwitchTo(TopTransactionContext);
	foreach(lc, catalog_definitions())
	{
		CatalogDefinition *d = (CatalogDefinition *) lfirst(lc);
		PendingRename *p = palloc0(sizeof(PendingRename));

		p->viewid = d->viewid;
		p->sql = d->sql;
		rows = lappend(rows, p);
	}
	MemoryContextSwitchTo(old);

	foreach(lc, rows)
	{
		PendingRename *p = (PendingRename *) lfirst(lc);

		p->query = try_analyze(p->sql);
	}
	old = MemoryContextSwitchTo(TopTransactionContext);
	pending = list_concat(pending, rows);
	MemoryContextSwitchTo(old);
}

/* Store the definitions again under their new names. */
void
ddl_rewrite_definitions(void)
{
	ListCell   *lc;
	List	   *todo = pending;

	if (pending == NIL)
		return;
	pending = NIL;
	foreach(lc, todo)
	{
		PendingRename *p = (PendingRename *) lfirst(lc);
		char	   *sql;

		if (p->query == NULL || !SearchSysCacheExists1(RELOID, ObjectIdGetDatum(p->viewid)))
			continue;
		sql = deparse_view_query(p->query);
		if (strcmp(sql, p->sql) == 0)
			continue;
		catalog_set_query(p->viewid, sql);
		CacheInvalidateRelcacheByRelid(p->viewid);
	}
}

