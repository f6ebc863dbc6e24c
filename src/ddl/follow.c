/*-------------------------------------------------------------------------
 *
 * follow.c
 *	  Stored definitions that follow DDL: renames of any object a stored
 *	  definition names (analyzed before the command, while the names still
 *	  resolve, deparsed again after it, from the same OIDs); functions and
 *	  text-search objects whose definition changed (views recomputed; a
 *	  function no longer immutable refused); subscriptions that start
 *	  writing into a base table (warned about).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_subscription.h"
#include "catalog/pg_subscription_rel.h"
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
 * The views that use a function, text search configuration or dictionary
 * this command created or changed: directly (a call or constant in the
 * query), or through an operator or aggregate a function implements, a
 * configuration a dictionary serves.  Views over those views are found by
 * circuit_refresh.  Columns: the object, the volatility of a function (or
 * NULL), the view.
 */
#define CHANGED_OBJECT_VIEWS_SQL \
	"WITH RECURSIVE up(classid, objid, changed, depth) AS (" \
	"  SELECT d.classid, d.objid, d.objid, 0 FROM pg_catalog.pg_event_trigger_ddl_commands() d " \
	"  WHERE d.classid IN ('pg_catalog.pg_proc'::pg_catalog.regclass, " \
	"    'pg_catalog.pg_ts_config'::pg_catalog.regclass, 'pg_catalog.pg_ts_dict'::pg_catalog.regclass) " \
	"  UNION " \
	"  SELECT d.classid, d.objid, up.changed, up.depth + 1 FROM pg_catalog.pg_depend d " \
	"  JOIN up ON d.refclassid = up.classid AND d.refobjid = up.objid " \
	"  WHERE up.depth < 3 AND up.classid <> 'pg_catalog.pg_class'::pg_catalog.regclass) " \
	"SELECT DISTINCT up.changed, p.provolatile::pg_catalog.text, up.objid " \
	"FROM up JOIN stepping.catalog c ON c.view_rel::pg_catalog.oid = up.objid " \
	"LEFT JOIN pg_catalog.pg_proc p ON p.oid = up.changed " \
	"WHERE up.classid = 'pg_catalog.pg_class'::pg_catalog.regclass " \
	"ORDER BY up.objid"

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
	MemoryContext callercxt = CurrentMemoryContext;
	List	   *views = NIL;
	Oid			volatile_fn = InvalidOid;
	Oid			volatile_view = InvalidOid;
	char		volatility = PROVOLATILE_IMMUTABLE;
	uint64		i;
	ListCell   *lc;

	SPI_connect();
	if (SPI_execute(CHANGED_OBJECT_VIEWS_SQL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "stepping: could not find the views using a changed object");
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	row = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		Oid			fn = DatumGetObjectId(SPI_getbinval(row, desc, 1, &isnull));
		char	   *vol = SPI_getvalue(row, desc, 2);
		char		v = vol ? vol[0] : PROVOLATILE_IMMUTABLE;
		Oid			view = DatumGetObjectId(SPI_getbinval(row, desc, 3, &isnull));

		if (v != PROVOLATILE_IMMUTABLE && !OidIsValid(volatile_fn))
		{
			volatile_fn = fn;
			volatile_view = view;
			volatility = v;
		}
		{
			MemoryContext old = MemoryContextSwitchTo(callercxt);

			views = list_append_unique_oid(views, view);
			MemoryContextSwitchTo(old);
		}
	}
	SPI_finish();
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
	uint64		i;
	List	   *rows = NIL;
	ListCell   *lc;

	if (!callback_registered)
	{
		RegisterXactCallback(ddl_xact_callback, NULL);
		callback_registered = true;
	}
	SPI_connect();
	if (SPI_execute("SELECT view_rel::oid, query FROM stepping.catalog", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "stepping: could not read stepping.catalog");
	old = MemoryContextSwitchTo(TopTransactionContext);
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		PendingRename *p = palloc0(sizeof(PendingRename));

		p->viewid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i],
												   SPI_tuptable->tupdesc, 1, &isnull));
		p->sql = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
		rows = lappend(rows, p);
	}
	MemoryContextSwitchTo(old);
	SPI_finish();

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
		CatalogUser saved;
		Oid			argtypes[2] = {OIDOID, TEXTOID};
		Datum		args[2];

		if (p->query == NULL || !SearchSysCacheExists1(RELOID, ObjectIdGetDatum(p->viewid)))
			continue;
		sql = deparse_view_query(p->query);
		if (strcmp(sql, p->sql) == 0)
			continue;
		args[0] = ObjectIdGetDatum(p->viewid);
		args[1] = CStringGetTextDatum(sql);
		catalog_become_owner(&saved);
		SPI_connect();
		if (SPI_execute_with_args("UPDATE stepping.catalog SET query = $2 WHERE view_rel = $1",
								  2, argtypes, args, NULL, false, 0) != SPI_OK_UPDATE)
			elog(ERROR, "stepping: could not update stepping.catalog");
		SPI_finish();
		catalog_restore_user(&saved);
		CacheInvalidateRelcacheByRelid(p->viewid);
	}
}

/*
 * A subscription that writes into a base table of a view: the apply worker
 * fires no statement triggers, so the view would go stale.  create_view
 * refuses such tables; a subscription created or extended later can only
 * be warned about (an error would roll back CREATE SUBSCRIPTION after its
 * slot was made on the publisher).
 */
void
ddl_warn_subscribed_views(const char *subname)
{
	Oid			subid = get_subscription_oid(subname, true);
	ListCell   *lc;

	if (!OidIsValid(subid))
		return;
	foreach(lc, GetSubscriptionRelations(subid))
	{
		SubscriptionRelState *rs = (SubscriptionRelState *) lfirst(lc);
		List	   *views = catalog_views_of_table(rs->relid);
		StringInfoData names;
		ListCell   *lv;

		if (views == NIL)
			continue;
		initStringInfo(&names);
		foreach(lv, views)
			appendStringInfo(&names, "%s%s", names.len ? ", " : "",
							 qualified_relname(lfirst_oid(lv)));
		ereport(WARNING,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("subscription \"%s\" replicates into table \"%s\", which stepping views read",
						subname, qualified_relname(rs->relid)),
				 errdetail("The logical replication apply worker fires no statement triggers: the changes it applies will not reach %s, which will then differ from their queries.",
						   names.data),
				 errhint("Drop those views, or leave the table out of the subscription's publications.")));
	}
}
