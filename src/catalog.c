/*-------------------------------------------------------------------------
 *
 * catalog.c
 *	  The SQL objects stepping owns: its catalog rows (stepping.catalog,
 *	  stepping.view_state), result tables with their key index and guard
 *	  trigger, and the capture triggers on base tables.
 *
 *	  DDL is issued as SQL through SPI once per create/drop: it is not on the
 *	  maintenance path, and going through utility commands gives the same
 *	  checks, dependencies and event triggers a user's DDL gets.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/dependency.h"
#include "commands/trigger.h"
#include "catalog/namespace.h"
#include "catalog/objectaddress.h"
#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "stepping.h"

static const char *const capture_triggers[] = {
	"stepping_before",
	"stepping_after_insert",
	"stepping_after_update",
	"stepping_after_delete",
	"stepping_after_truncate"
};

char *
qualified_relname(Oid relid)
{
	char	   *rel = get_rel_name(relid);
	char	   *nsp = get_namespace_name(get_rel_namespace(relid));

	if (rel == NULL || nsp == NULL)
		return psprintf("%u", relid);
	return quote_qualified_identifier(nsp, rel);
}

/*
 * stepping's own tables are not writable by ordinary users; catalog writes
 * and the view lock run as the extension's owner.  On error, transaction or
 * subtransaction abort restores the user.
 */
void
catalog_become_owner(CatalogUser *saved)
{
	Oid			owner;
	Oid			nsp = get_namespace_oid("stepping", false);
	Oid			rel = get_relname_relid("view_state", nsp);
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(rel));

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "stepping: stepping.view_state is missing");
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	GetUserIdAndSecContext(&saved->userid, &saved->sec_context);
	SetUserIdAndSecContext(owner, saved->sec_context | SECURITY_LOCAL_USERID_CHANGE);
}

void
catalog_restore_user(CatalogUser *saved)
{
	SetUserIdAndSecContext(saved->userid, saved->sec_context);
}

static void
spi_exec(const char *sql, int expected)
{
	int			rc = SPI_execute(sql, false, 0);

	if (rc != expected)
		elog(ERROR, "stepping: SPI_execute failed (%d): %s", rc, sql);
}

ViewRecord *
catalog_get_view(Oid viewid, bool missing_ok)
{
	MemoryContext callercxt = CurrentMemoryContext;
	Oid			argtypes[1] = {OIDOID};
	Datum		args[1];
	ViewRecord *rec = NULL;
	int			rc;

	args[0] = ObjectIdGetDatum(viewid);
	SPI_connect();
	rc = SPI_execute_with_args("SELECT query, base_tables[1]::oid FROM stepping.catalog WHERE view_rel = $1",
							   1, argtypes, args, NULL, false, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "stepping: could not read stepping.catalog");
	if (SPI_processed == 1)
	{
		bool		isnull;
		char	   *q = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);

		rec = MemoryContextAllocZero(callercxt, sizeof(ViewRecord));
		rec->viewid = viewid;
		rec->query = MemoryContextStrdup(callercxt, q);
		rec->baseid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0],
													 SPI_tuptable->tupdesc, 2,
													 &isnull));
	}
	SPI_finish();
	if (rec == NULL && !missing_ok)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a stepping view", qualified_relname(viewid)),
				 errhint("stepping.views lists the views stepping maintains.")));
	return rec;
}

List *
catalog_views_of_table(Oid baseid)
{
	MemoryContext callercxt = CurrentMemoryContext;
	Oid			argtypes[1] = {OIDOID};
	Datum		args[1];
	List	   *result = NIL;
	uint64		i;

	args[0] = ObjectIdGetDatum(baseid);
	SPI_connect();
	if (SPI_execute_with_args("SELECT view_rel::oid FROM stepping.catalog WHERE $1::regclass = ANY (base_tables) ORDER BY view_rel::oid",
							  1, argtypes, args, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "stepping: could not read stepping.catalog");
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Oid			v = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i],
													   SPI_tuptable->tupdesc, 1,
													   &isnull));
		MemoryContext old = MemoryContextSwitchTo(callercxt);

		result = lappend_oid(result, v);
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	return result;
}

bool
catalog_is_result_table(Oid relid)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		args[1];
	bool		found;

	args[0] = ObjectIdGetDatum(relid);
	SPI_connect();
	if (SPI_execute_with_args("SELECT 1 FROM stepping.catalog WHERE view_rel = $1",
							  1, argtypes, args, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "stepping: could not read stepping.catalog");
	found = (SPI_processed > 0);
	SPI_finish();
	return found;
}

/* Is relid the result table of a global aggregate (exactly one row)? */
bool
catalog_view_is_global(Oid relid)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		args[1];
	bool		found;

	args[0] = ObjectIdGetDatum(relid);
	SPI_connect();
	if (SPI_execute_with_args("SELECT 1 FROM stepping.catalog WHERE view_rel = $1 AND kind = 'global aggregate'",
							  1, argtypes, args, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "stepping: could not read stepping.catalog");
	found = (SPI_processed > 0);
	SPI_finish();
	return found;
}

void
catalog_insert_view(Oid viewid, const char *query, const char *original,
					List *baseids, List *keycolnames, const char *kind,
					Oid internal_of)
{
	Oid			argtypes[7] = {OIDOID, TEXTOID, TEXTOID, OIDARRAYOID, TEXTARRAYOID, TEXTOID, OIDOID};
	Datum	   *bases;
	Datum		args[7];
	char		nulls[7] = "       ";
	Datum	   *keys;
	ListCell   *lc;
	int			i = 0;
	CatalogUser saved;

	keys = palloc(sizeof(Datum) * Max(list_length(keycolnames), 1));
	foreach(lc, keycolnames)
		keys[i++] = CStringGetTextDatum((char *) lfirst(lc));

	args[0] = ObjectIdGetDatum(viewid);
	args[1] = CStringGetTextDatum(query);
	args[2] = CStringGetTextDatum(original);
	bases = palloc(sizeof(Datum) * list_length(baseids));
	i = 0;
	foreach(lc, baseids)
		bases[i++] = ObjectIdGetDatum(lfirst_oid(lc));
	args[3] = PointerGetDatum(construct_array(bases, i, OIDOID, sizeof(Oid), true, TYPALIGN_INT));
	i = list_length(keycolnames);
	if (keycolnames)
		args[4] = PointerGetDatum(construct_array(keys, i, TEXTOID, -1, false, TYPALIGN_INT));
	else
	{
		args[4] = (Datum) 0;
		nulls[4] = 'n';
	}
	args[5] = CStringGetTextDatum(kind);
	args[6] = ObjectIdGetDatum(internal_of);
	if (!OidIsValid(internal_of))
		nulls[6] = 'n';

	catalog_become_owner(&saved);
	SPI_connect();
	if (SPI_execute_with_args("INSERT INTO stepping.catalog (view_rel, query, original_query, base_tables, key_columns, kind, internal_of) "
							  "VALUES ($1::regclass, $2, $3, $4::regclass[], $5::name[], $6, $7::regclass)",
							  7, argtypes, args, nulls, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "stepping: could not write stepping.catalog");
	if (SPI_execute_with_args("INSERT INTO stepping.view_state (view_rel) VALUES ($1::regclass)",
							  1, argtypes, args, NULL, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "stepping: could not write stepping.view_state");
	SPI_finish();
	catalog_restore_user(&saved);
}

static char *
quoted_list(List *names)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, names)
		appendStringInfo(&buf, "%s%s", buf.len ? ", " : "",
						 quote_identifier((char *) lfirst(lc)));
	return buf.data;
}

/*
 * Create the result table: visible columns, hidden state, the key index,
 * the guard against direct writes, and the dependency on the base table.
 */
Oid
catalog_create_result_table(RangeVar *rv, ResultShape *shape, Query *query)
{
	StringInfoData sql;
	Oid			nspid;
	Oid			relid;
	char	   *qname;
	ListCell   *lc1,
			   *lc2;

	nspid = RangeVarGetCreationNamespace(rv);
	if (isAnyTempNamespace(nspid) || rv->relpersistence == RELPERSISTENCE_TEMP)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the result table of a stepping view cannot be temporary"),
				 errhint("Other sessions change the base tables too; name a regular schema.")));
	if (OidIsValid(get_relname_relid(rv->relname, nspid)))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_TABLE),
				 errmsg("relation \"%s\" already exists", rv->relname),
				 errhint("Choose another name for the view, or drop the existing relation.")));
	qname = quote_qualified_identifier(get_namespace_name(nspid), rv->relname);

	initStringInfo(&sql);
	appendStringInfo(&sql, "CREATE %sTABLE %s (",
					 rv->relpersistence == RELPERSISTENCE_UNLOGGED ? "UNLOGGED " : "",
					 qname);
	forboth(lc1, shape->colnames, lc2, shape->coltypes)
	{
		appendStringInfo(&sql, "%s%s %s", foreach_current_index(lc1) ? ", " : "",
						 quote_identifier((char *) lfirst(lc1)),
						 (char *) lfirst(lc2));
	}
	appendStringInfoString(&sql, ")");
	if (shape->kind == VIEW_GROUPED)
		appendStringInfoString(&sql, " WITH (fillfactor = 90)");

	SPI_connect();
	spi_exec(sql.data, SPI_OK_UTILITY);
	if (shape->keycolnames)
	{
		resetStringInfo(&sql);
		appendStringInfo(&sql, "CREATE %sINDEX ON %s (%s)%s",
						 shape->key_unique ? "UNIQUE " : "", qname,
						 quoted_list(shape->keycolnames),
						 shape->key_unique ? " NULLS NOT DISTINCT" : "");
		spi_exec(sql.data, SPI_OK_UTILITY);
	}
	resetStringInfo(&sql);
	appendStringInfo(&sql, "ALTER TABLE %s REPLICA IDENTITY FULL", qname);
	spi_exec(sql.data, SPI_OK_UTILITY);
	resetStringInfo(&sql);
	appendStringInfo(&sql,
					 "CREATE TRIGGER stepping_guard BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON %s "
					 "FOR EACH STATEMENT EXECUTE FUNCTION stepping.guard_result()", qname);
	spi_exec(sql.data, SPI_OK_UTILITY);
	resetStringInfo(&sql);
	appendStringInfo(&sql, "ALTER TABLE %s ENABLE ALWAYS TRIGGER stepping_guard", qname);
	spi_exec(sql.data, SPI_OK_UTILITY);
	SPI_finish();

	CommandCounterIncrement();
	relid = get_relname_relid(rv->relname, nspid);
	if (!OidIsValid(relid))
		elog(ERROR, "stepping: result table was not created");

	/* dependencies are recorded when the catalog row is inserted */
	return relid;
}

static bool
has_trigger(Oid relid, const char *name)
{
	Oid			argtypes[2] = {OIDOID, TEXTOID};
	Datum		args[2];
	bool		found;

	args[0] = ObjectIdGetDatum(relid);
	args[1] = CStringGetTextDatum(name);
	if (SPI_execute_with_args("SELECT 1 FROM pg_catalog.pg_trigger WHERE tgrelid = $1 AND tgname = $2",
							  2, argtypes, args, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "stepping: could not read pg_trigger");
	found = (SPI_processed > 0);
	return found;
}

/* Install the capture triggers on a base table, once for all its views. */
void
catalog_install_capture(Oid baseid)
{
	char	   *qname = qualified_relname(baseid);
	StringInfoData sql;
	int			i;

	SPI_connect();
	/* a result table is written only by stepping, which feeds its views */
	if (!catalog_is_result_table(baseid) && !has_trigger(baseid, capture_triggers[0]))
	{
		initStringInfo(&sql);
		appendStringInfo(&sql,
						 "CREATE TRIGGER stepping_before BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON %s "
						 "FOR EACH STATEMENT EXECUTE FUNCTION stepping.capture_before();"
						 "CREATE TRIGGER stepping_after_insert AFTER INSERT ON %s "
						 "REFERENCING NEW TABLE AS stepping_new "
						 "FOR EACH STATEMENT EXECUTE FUNCTION stepping.capture_after();"
						 "CREATE TRIGGER stepping_after_update AFTER UPDATE ON %s "
						 "REFERENCING OLD TABLE AS stepping_old NEW TABLE AS stepping_new "
						 "FOR EACH STATEMENT EXECUTE FUNCTION stepping.capture_after();"
						 "CREATE TRIGGER stepping_after_delete AFTER DELETE ON %s "
						 "REFERENCING OLD TABLE AS stepping_old "
						 "FOR EACH STATEMENT EXECUTE FUNCTION stepping.capture_after();"
						 "CREATE TRIGGER stepping_after_truncate AFTER TRUNCATE ON %s "
						 "FOR EACH STATEMENT EXECUTE FUNCTION stepping.capture_after();",
						 qname, qname, qname, qname, qname);
		appendStringInfo(&sql, "ALTER TABLE %s", qname);
		for (i = 0; i < (int) lengthof(capture_triggers); i++)
			appendStringInfo(&sql, "%s ENABLE ALWAYS TRIGGER %s", i ? "," : "",
							 capture_triggers[i]);
		spi_exec(sql.data, SPI_OK_UTILITY);
	}
	SPI_finish();
	/* other backends rebuild their list of views over this table */
	CacheInvalidateRelcacheByRelid(baseid);
}

/*
 * Forget views whose result table is gone: delete their catalog rows and
 * remove capture triggers that no remaining view needs.  Called from the
 * sql_drop event trigger and from drop_view; idempotent.
 */
void
catalog_drop_orphans(void)
{
	List	   *bases = NIL;
	ListCell   *lc;
	uint64		i;
	CatalogUser saved;

	catalog_become_owner(&saved);
	SPI_connect();
	if (SPI_execute("DELETE FROM stepping.view_state s WHERE NOT EXISTS "
					"(SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = s.view_rel)",
					false, 0) != SPI_OK_DELETE)
		elog(ERROR, "stepping: could not clean stepping.view_state");
	if (SPI_execute("WITH d AS (DELETE FROM stepping.catalog v WHERE NOT EXISTS "
					"(SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = v.view_rel) "
					"RETURNING base_tables) "
					"SELECT DISTINCT pg_catalog.unnest(base_tables)::oid FROM d",
					false, 0) != SPI_OK_SELECT)
		elog(ERROR, "stepping: could not clean stepping.catalog");
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;

		bases = list_append_unique_oid(bases,
									   DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i],
																	  SPI_tuptable->tupdesc,
																	  1, &isnull)));
	}
	/*
	 * Internal views go with the view that read them, with their own
	 * internal views, in one DROP: one may read another (a WITH query's
	 * view read by a branch's view), so no order of single drops would do.
	 */
	if (SPI_execute("WITH RECURSIVE gone(rel) AS ("
					"SELECT v.view_rel FROM stepping.catalog v WHERE v.internal_of IS NOT NULL "
					"AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = v.internal_of) "
					"UNION SELECT v.view_rel FROM stepping.catalog v JOIN gone g ON v.internal_of = g.rel) "
					"SELECT rel::oid FROM gone",
					false, 0) != SPI_OK_SELECT)
		elog(ERROR, "stepping: could not read stepping.catalog");
	{
		List	   *gone = NIL;
		StringInfoData names;

		for (i = 0; i < SPI_processed; i++)
		{
			bool		isnull;

			gone = lappend_oid(gone, DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i],
																	SPI_tuptable->tupdesc,
																	1, &isnull)));
		}
		catalog_restore_user(&saved);
		initStringInfo(&names);
		foreach(lc, gone)
			if (SearchSysCacheExists1(RELOID, ObjectIdGetDatum(lfirst_oid(lc))))
				appendStringInfo(&names, "%s%s", names.len ? ", " : "",
								 qualified_relname(lfirst_oid(lc)));
		if (names.len > 0)
			spi_exec(psprintf("DROP TABLE %s", names.data), SPI_OK_UTILITY);
	}
	foreach(lc, bases)
	{
		Oid			baseid = lfirst_oid(lc);
		Oid			argtypes[1] = {OIDOID};
		Datum		args[1];

		if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(baseid)))
			continue;
		args[0] = ObjectIdGetDatum(baseid);
		if (SPI_execute_with_args("SELECT 1 FROM stepping.catalog WHERE $1::regclass = ANY (base_tables)",
								  1, argtypes, args, NULL, false, 1) != SPI_OK_SELECT)
			elog(ERROR, "stepping: could not read stepping.catalog");
		if (SPI_processed == 0)
		{
			char	   *qname = qualified_relname(baseid);
			int			t;

			for (t = 0; t < (int) lengthof(capture_triggers); t++)
			{
				if (has_trigger(baseid, capture_triggers[t]))
					spi_exec(psprintf("DROP TRIGGER %s ON %s", capture_triggers[t], qname),
							 SPI_OK_UTILITY);
			}
		}
		CacheInvalidateRelcacheByRelid(baseid);
	}
	SPI_finish();
}

/*
 * AFTER INSERT on stepping.catalog: the result table depends on everything
 * its query reads, as a view's rule does (base tables, columns, functions,
 * operators, types): DROP needs CASCADE, ALTER COLUMN TYPE meets the
 * event trigger.  Firing on the row makes a restore record them too.
 */
PG_FUNCTION_INFO_V1(stepping_catalog_inserted);

Datum
stepping_catalog_inserted(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	HeapTuple	row;
	TupleDesc	desc;
	bool		isnull;
	Oid			viewid;
	char	   *query;
	ObjectAddress addr;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_FOR_ROW(td->tg_event))
		elog(ERROR, "stepping.catalog_inserted() must be a row trigger");
	row = td->tg_trigtuple;
	desc = RelationGetDescr(td->tg_relation);
	viewid = DatumGetObjectId(heap_getattr(row, 1, desc, &isnull));
	query = TextDatumGetCString(heap_getattr(row, 2, desc, &isnull));
	ObjectAddressSet(addr, RelationRelationId, viewid);
	recordDependencyOnExpr(&addr, (Node *) analyze_view_query(query, true), NIL,
						   DEPENDENCY_NORMAL);
	return PointerGetDatum(row);
}
