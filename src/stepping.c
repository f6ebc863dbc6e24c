/*-------------------------------------------------------------------------
 *
 * stepping.c
 *	  Module load and the SQL-callable API: create_view, drop_view,
 *	  refresh_view, check_view, explain_view, and the sql_drop event trigger.
 *	  What create_view does at definition time is in compile/define.c.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/namespace.h"
#include "commands/event_trigger.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"

#include "stepping.h"
#include "compile/compile.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(stepping_create_view);
PG_FUNCTION_INFO_V1(stepping_drop_view);
PG_FUNCTION_INFO_V1(stepping_refresh_view);
PG_FUNCTION_INFO_V1(stepping_check_view);
PG_FUNCTION_INFO_V1(stepping_explain_view);
PG_FUNCTION_INFO_V1(stepping_on_sql_drop);

void		_PG_init(void);

void
_PG_init(void)
{
	capture_init();
	cache_init();
	locks_define_settings();
	writer_define_settings();
	circuit_define_settings();
	flush_init();
	MarkGUCPrefixReserved("stepping");
}

static void
check_owner(Oid relid)
{
	if (!pg_class_ownercheck(relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_TABLE, get_rel_name(relid));
}

/*
 * stepping.create_view(name text, query text) RETURNS regclass
 */
Datum
stepping_create_view(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *sql = text_to_cstring(PG_GETARG_TEXT_PP(1));
	List	   *names;
	RangeVar   *rv;

	if (IsolationUsesXactSnapshot())
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("stepping.create_view must run in a READ COMMITTED transaction"),
				 errhint("A REPEATABLE READ or SERIALIZABLE snapshot could miss changes committed while the view is filled.")));

	/* the new view starts from the tables as they are now, deltas applied */
	flush_pending(true);
	names = stringToQualifiedNameList(name);
	rv = makeRangeVarFromNameList(names);
	if (rv->catalogname)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("view name \"%s\" may not name a database", name)));

	/* analyze as the user wrote it; it is stored fully qualified */
	PG_RETURN_OID(create_view_from_query(rv, analyze_view_query(sql, false), sql));
}

/*
 * stepping.drop_view(name regclass) RETURNS void
 */
Datum
stepping_drop_view(PG_FUNCTION_ARGS)
{
	Oid			viewid = PG_GETARG_OID(0);

	flush_pending(true);
	(void) catalog_get_view(viewid, false);
	check_owner(viewid);
	SPI_connect();
	if (SPI_execute(psprintf("DROP TABLE %s", qualified_relname(viewid)),
					false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "could not drop the result table");
	SPI_finish();
	catalog_drop_orphans();
	cache_forget_view(viewid);
	PG_RETURN_VOID();
}

/*
 * stepping.refresh_view(name regclass) RETURNS void
 */
Datum
stepping_refresh_view(PG_FUNCTION_ARGS)
{
	Oid			viewid = PG_GETARG_OID(0);
	Circuit    *c;

	/* pending deltas would count twice over the recomputed rows */
	flush_pending(true);
	(void) catalog_get_view(viewid, false);
	check_owner(viewid);
	cache_forget_view(viewid);
	c = cache_get_circuit(viewid);
	circuit_refresh(c);
	PG_RETURN_VOID();
}

/*
 * stepping.check_view(name regclass) RETURNS TABLE(side text, row_data text)
 *
 * The result table's visible columns against a fresh run of the query, as
 * multisets of rows compared by their text form.
 */
Datum
stepping_check_view(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			viewid = PG_GETARG_OID(0);
	ViewRecord *rec;
	Relation	rel;
	TupleDesc	desc;
	StringInfoData cols,
				sql;
	int			i,
				nvisible = 0;
	uint64		r;
	char	   *topk_sql = NULL;

	InitMaterializedSRF(fcinfo, 0);
	flush_pending(true);
	rec = catalog_get_view(viewid, false);

	/*
	 * A top-k view holds a fixed choice among rows tied on its ORDER BY
	 * keys: compare it with the query under the same tie order.
	 */
	{
		Circuit    *c = cache_get_circuit(viewid);

		if (c->kind == VIEW_TOPK)
			topk_sql = pstrdup(c->topk.check_sql);
	}

	rel = table_open(viewid, AccessShareLock);
	desc = RelationGetDescr(rel);
	initStringInfo(&cols);
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped ||
			strncmp(NameStr(att->attname), STEPPING_HIDDEN_PREFIX,
					strlen(STEPPING_HIDDEN_PREFIX)) == 0)
			continue;
		appendStringInfo(&cols, "%sr.%s", nvisible ? ", " : "",
						 quote_identifier(NameStr(att->attname)));
		nvisible++;
	}
	table_close(rel, AccessShareLock);

	initStringInfo(&sql);
	appendStringInfo(&sql,
					 "WITH q AS (SELECT (__stepping_q)::pg_catalog.text AS r FROM (%s) __stepping_q), "
					 "v AS (SELECT (ROW(%s%s))::pg_catalog.text AS r FROM ONLY %s r) "
					 "(SELECT '+'::pg_catalog.text, r FROM (SELECT r FROM v EXCEPT ALL SELECT r FROM q) a ORDER BY 2) "
					 "UNION ALL "
					 "(SELECT '-'::pg_catalog.text, r FROM (SELECT r FROM q EXCEPT ALL SELECT r FROM v) b ORDER BY 2)",
					 topk_sql ? topk_sql : rec->query, cols.data, nvisible == 1 ? "" : "",
					 qualified_relname(viewid));

	SPI_connect();
	{
		int			nestlevel = stepping_pin_settings();

		if (SPI_execute(sql.data, true, 0) != SPI_OK_SELECT)
			elog(ERROR, "check_view query failed");
		stepping_unpin_settings(nestlevel);
	}
	for (r = 0; r < SPI_processed; r++)
	{
		Datum		values[2];
		bool		nulls[2] = {false, false};

		values[0] = SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &nulls[0]);
		values[1] = SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 2, &nulls[1]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}

/*
 * stepping.explain_view(name regclass) RETURNS SETOF text
 */
Datum
stepping_explain_view(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			viewid = PG_GETARG_OID(0);
	Circuit    *c;
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	flush_pending(true);
	(void) catalog_get_view(viewid, false);
	c = cache_get_circuit(viewid);
	foreach(lc, c->explain)
	{
		Datum		value = CStringGetTextDatum((char *) lfirst(lc));
		bool		isnull = false;

		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value, &isnull);
	}
	if (circuit_recomputes_large_steps(c))
	{
		const char *lines[2] = {
			"large steps: a step that only inserts or deletes (at least 10000 rows) is applied by recomputing the view when that is estimated cheaper",
			c->last_large_step
		};
		int			i;

		for (i = 0; i < 2 && lines[i][0] != '\0'; i++)
		{
			Datum		value = CStringGetTextDatum(lines[i]);
			bool		isnull = false;

			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value, &isnull);
		}
	}
	return (Datum) 0;
}

/*
 * sql_drop event trigger: forget views whose result table was dropped, by
 * drop_view, DROP TABLE, or DROP ... CASCADE of a base table.
 */
Datum
stepping_on_sql_drop(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("stepping.on_sql_drop() can only be called as an event trigger")));
	catalog_drop_orphans();
	ddl_check_drops();
	PG_RETURN_VOID();
}
