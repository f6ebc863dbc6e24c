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

#include "access/genam.h"
#include "access/table.h"
#include "catalog/dependency.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "stepping.h"

static const char *const capture_triggers[] = {
	"stepping_before",
	"stepping_after_insert",
	"stepping_after_update",
	"stepping_after_delete",
	"stepping_after_truncate",
	STEPPING_REPLICA_TRIGGER
};

/* the trigger function of each of capture_triggers */
static const char *const capture_functions[] = {
	"capture_before",
	"capture_after",
	"capture_after",
	"capture_after",
	"capture_after",
	"capture_row"
};

/*
 * The firing mode of each: ALWAYS, so that session_replication_role =
 * replica does not skip statement capture; the row trigger REPLICA, for
 * the logical replication apply worker, which fires no statement triggers
 * (capture.c: stepping_capture_row).
 */
static const char capture_modes[] = {
	TRIGGER_FIRES_ALWAYS,
	TRIGGER_FIRES_ALWAYS,
	TRIGGER_FIRES_ALWAYS,
	TRIGGER_FIRES_ALWAYS,
	TRIGGER_FIRES_ALWAYS,
	TRIGGER_FIRES_ON_REPLICA
};

/* A relation's name, quoted as SQL needs it: for SQL text. */
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
 * A relation's name for messages, which put it in double quotes themselves
 * ("schema.name", as PostgreSQL's own messages do): quoting it as SQL too
 * would double the quotes of a name that needs them.
 */
char *
display_relname(Oid relid)
{
	char	   *rel = get_rel_name(relid);
	char	   *nsp = get_namespace_name(get_rel_namespace(relid));

	if (rel == NULL || nsp == NULL)
		return psprintf("%u", relid);
	return psprintf("%s.%s", nsp, rel);
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
		elog(ERROR, "stepping.view_state is missing");
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
		elog(ERROR, "SPI_execute failed (%d): %s", rc, sql);
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
		elog(ERROR, "could not read stepping.catalog");
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
				 errmsg("\"%s\" is not a stepping view", display_relname(viewid)),
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
		elog(ERROR, "could not read stepping.catalog");
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
		elog(ERROR, "could not read stepping.catalog");
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
		elog(ERROR, "could not read stepping.catalog");
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
		elog(ERROR, "could not write stepping.catalog");
	if (SPI_execute_with_args("INSERT INTO stepping.view_state (view_rel) VALUES ($1::regclass)",
							  1, argtypes, args, NULL, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not write stepping.view_state");
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
		elog(ERROR, "result table was not created");

	/* dependencies are recorded when the catalog row is inserted */
	return relid;
}

/*
 * Does relid have stepping's trigger "name" calling stepping.function, and
 * does it fire always?  A trigger of that name calling something else is
 * not stepping's: creating ours then fails on the name instead of leaving
 * the table without capture.
 */
static bool
has_trigger(Oid relid, const char *name, const char *function, char mode,
			bool *always)
{
	Oid			argtypes[4] = {OIDOID, TEXTOID, TEXTOID, CHAROID};
	Datum		args[4];
	bool		found;

	args[0] = ObjectIdGetDatum(relid);
	args[1] = CStringGetTextDatum(name);
	args[2] = CStringGetTextDatum(function);
	args[3] = CharGetDatum(mode);
	if (SPI_execute_with_args("SELECT t.tgenabled = $4 FROM pg_catalog.pg_trigger t "
							  "JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid "
							  "JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace "
							  "WHERE t.tgrelid = $1 AND t.tgname = $2 "
							  "AND n.nspname = 'stepping' AND p.proname = $3",
							  4, argtypes, args, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read pg_trigger");
	found = (SPI_processed > 0);
	if (always)
	{
		bool		isnull;

		*always = found && DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
													  SPI_tuptable->tupdesc, 1,
													  &isnull));
	}
	return found;
}

/*
 * Make the capture triggers fire ALWAYS, so that session_replication_role =
 * replica does not skip them.  Not through ALTER TABLE ... ENABLE ALWAYS
 * TRIGGER, which needs ownership of the table: creating a view needs what
 * CREATE TRIGGER needs (the TRIGGER privilege), and these are triggers the
 * view's creator just created.
 */
void
catalog_fire_always(Oid baseid)
{
	Relation	rel = table_open(baseid, ShareRowExclusiveLock);
	int			i;

	for (i = 0; i < (int) lengthof(capture_triggers); i++)
		EnableDisableTrigger(rel, capture_triggers[i], capture_modes[i],
							 false, ShareRowExclusiveLock);
	table_close(rel, NoLock);
}

/*
 * Install the capture triggers on a base table, once for all its views.
 * Each trigger is checked on its own, and all must fire always: a table
 * whose last view was dropped keeps no triggers, but one left over from
 * DDL made while it had no view must not be trusted as it is.
 */
void
catalog_install_capture(Oid baseid)
{
	char	   *qname = qualified_relname(baseid);
	static const char *const definitions[] = {
		"BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON %s "
		"FOR EACH STATEMENT EXECUTE FUNCTION stepping.capture_before()",
		"AFTER INSERT ON %s REFERENCING NEW TABLE AS stepping_new "
		"FOR EACH STATEMENT EXECUTE FUNCTION stepping.capture_after()",
		"AFTER UPDATE ON %s REFERENCING OLD TABLE AS stepping_old NEW TABLE AS stepping_new "
		"FOR EACH STATEMENT EXECUTE FUNCTION stepping.capture_after()",
		"AFTER DELETE ON %s REFERENCING OLD TABLE AS stepping_old "
		"FOR EACH STATEMENT EXECUTE FUNCTION stepping.capture_after()",
		"AFTER TRUNCATE ON %s "
		"FOR EACH STATEMENT EXECUTE FUNCTION stepping.capture_after()",
		"AFTER INSERT OR UPDATE OR DELETE ON %s "
		"FOR EACH ROW EXECUTE FUNCTION stepping.capture_row()"
	};
	StringInfoData sql;
	bool		all_always = true;
	int			i;

	StaticAssertStmt(lengthof(definitions) == lengthof(capture_triggers) &&
					 lengthof(capture_modes) == lengthof(capture_triggers),
					 "one definition and mode per capture trigger");
	SPI_connect();
	/* a result table is written only by stepping, which feeds its views */
	if (!catalog_is_result_table(baseid))
	{
		initStringInfo(&sql);
		for (i = 0; i < (int) lengthof(capture_triggers); i++)
		{
			bool		always;

			if (has_trigger(baseid, capture_triggers[i], capture_functions[i],
							capture_modes[i], &always))
			{
				all_always &= always;
				continue;
			}
			appendStringInfo(&sql, "CREATE TRIGGER %s ",
							 quote_identifier(capture_triggers[i]));
			appendStringInfo(&sql, definitions[i], qname);
			appendStringInfoString(&sql, ";");
			all_always = false;
		}
		if (sql.len > 0)
			spi_exec(sql.data, SPI_OK_UTILITY);
		if (!all_always)
			catalog_fire_always(baseid);
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
		elog(ERROR, "could not clean stepping.view_state");
	if (SPI_execute("WITH d AS (DELETE FROM stepping.catalog v WHERE NOT EXISTS "
					"(SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = v.view_rel) "
					"RETURNING base_tables) "
					"SELECT DISTINCT pg_catalog.unnest(base_tables)::oid FROM d",
					false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not clean stepping.catalog");
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
		elog(ERROR, "could not read stepping.catalog");
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
			elog(ERROR, "could not read stepping.catalog");
		if (SPI_processed == 0)
		{
			char	   *qname = qualified_relname(baseid);
			int			t;

			for (t = 0; t < (int) lengthof(capture_triggers); t++)
			{
				if (has_trigger(baseid, capture_triggers[t], capture_functions[t],
								capture_modes[t], NULL))
					spi_exec(psprintf("DROP TRIGGER %s ON %s",
										  quote_identifier(capture_triggers[t]), qname),
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

/* An internal view goes with the view that reads it (catalog_drop_orphans). */
void
catalog_set_internal_of(Oid viewid, Oid outer)
{
	Oid			argtypes[2] = {OIDOID, OIDOID};
	Datum		args[2];
	CatalogUser saved;

	args[0] = ObjectIdGetDatum(viewid);
	args[1] = ObjectIdGetDatum(outer);
	catalog_become_owner(&saved);
	SPI_connect();
	if (SPI_execute_with_args("UPDATE stepping.catalog SET internal_of = $2::regclass WHERE view_rel = $1",
							  2, argtypes, args, NULL, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "could not update stepping.catalog");
	SPI_finish();
	catalog_restore_user(&saved);
}

/* ----------------------------------------------------------------
 * The view lock: a view's row in stepping.view_state
 * ----------------------------------------------------------------
 */

/*
 * Serialize maintenance of one view: update its row in stepping.view_state.
 * Under READ COMMITTED a concurrent step makes us wait; under REPEATABLE
 * READ or SERIALIZABLE it raises a serialization failure.  The caller then
 * takes a fresh snapshot, which sees every step committed before ours.
 *
 * This is the UPDATE's own protocol done with table routines (find the row
 * through the primary key, lock its latest version, write a new version),
 * which costs a fraction of an SPI statement on every step.
 */
void
catalog_lock_view(Circuit *c)
{
	Oid			viewid = c->viewid;
	Oid			nsp = get_namespace_oid("stepping", false);
	Relation	rel = table_open(get_relname_relid("view_state", nsp), RowExclusiveLock);
	Relation	idx = NULL;		/* opened when the TID does not lead to the row */
	TupleTableSlot *slot = table_slot_create(rel, NULL);
	TupleTableSlot *newslot = MakeSingleTupleTableSlot(RelationGetDescr(rel), &TTSOpsHeapTuple);
	bool		xact_snapshot = IsolationUsesXactSnapshot();
	bool		update_indexes = false;
	bool		already_held = false;

	/*
	 * Write a new version of the view's state row, as an UPDATE would:
	 * without locking it first (one WAL record, not two).  A concurrent
	 * writer's version makes READ COMMITTED look again with a new snapshot,
	 * REPEATABLE READ fail.
	 */
	for (;;)
	{
		Snapshot	snap = RegisterSnapshot(xact_snapshot ? GetTransactionSnapshot()
											: GetLatestSnapshot());
		ScanKeyData key;
		IndexScanDesc scan;
		bool		found;
		TM_FailureData tmfd;
		LockTupleMode lockmode;
		TM_Result	res;
		HeapTuple	tup;
		HeapTuple	newtup;
		Datum		values[2];
		bool		isnull[2];
		bool		replace[2] = {false, true};

		CHECK_FOR_INTERRUPTS();

		/*
		 * The version this backend wrote last is usually still the latest:
		 * fetch it by its TID, checking that the slot still holds this
		 * view's row (pruning may have reused it), before asking the index.
		 */
		found = false;
		if (ItemPointerIsValid(&c->state_tid) &&
			table_tuple_fetch_row_version(rel, &c->state_tid, snap, slot))
		{
			bool		oidnull;
			Datum		oid = slot_getattr(slot, 1, &oidnull);

			found = (!oidnull && DatumGetObjectId(oid) == viewid);
		}
		if (!found)
		{
			if (idx == NULL)
				idx = index_open(RelationGetPrimaryKeyIndex(rel), RowExclusiveLock);
			ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(viewid));
			scan = index_beginscan(rel, idx, snap, 1, 0);
			index_rescan(scan, &key, 1, NULL, 0);
			found = index_getnext_slot(scan, ForwardScanDirection, slot);
			index_endscan(scan);
		}
		if (!found)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("the state row of stepping view \"%s\" is missing", c->viewlabel),
					 errhint("Drop the view with stepping.drop_view() and create it again.")));

		tup = ExecFetchSlotHeapTuple(slot, false, NULL);

		/*
		 * Written by this transaction already (an earlier statement): it
		 * holds the row until it ends, and nobody wrote after it.
		 */
		if (TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetXmin(tup->t_data)))
		{
			UnregisterSnapshot(snap);
			already_held = true;
			break;
		}
		heap_deform_tuple(tup, RelationGetDescr(rel), values, isnull);
		values[1] = Int64GetDatum(DatumGetInt64(values[1]) + 1);
		newtup = heap_modify_tuple(tup, RelationGetDescr(rel), values, isnull, replace);
		ExecStoreHeapTuple(newtup, newslot, true);
		res = table_tuple_update(rel, &slot->tts_tid, newslot, GetCurrentCommandId(true),
								 snap, InvalidSnapshot, true, &tmfd, &lockmode,
								 &update_indexes);
		UnregisterSnapshot(snap);
		if (res == TM_Ok)
			break;
		if (res == TM_Updated || res == TM_Deleted)
		{
			if (xact_snapshot)
				ereport(ERROR,
						(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
						 errmsg("could not serialize access due to concurrent update of stepping view \"%s\"",
								get_rel_name(viewid))));
			continue;
		}
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the state row of stepping view \"%s\" changed unexpectedly", c->viewlabel)));
	}

	if (!already_held)
		c->state_tid = newslot->tts_tid;

	/* not a HOT update: the new version needs its key in the index */
	if (update_indexes)
	{
		Datum		ivalues[1] = {ObjectIdGetDatum(viewid)};
		bool		inulls[1] = {false};

		if (idx == NULL)
			idx = index_open(RelationGetPrimaryKeyIndex(rel), RowExclusiveLock);
		(void) index_insert(idx, ivalues, inulls, &newslot->tts_tid, rel,
							UNIQUE_CHECK_YES, false, BuildIndexInfo(idx));
	}

	ExecDropSingleTupleTableSlot(newslot);
	ExecDropSingleTupleTableSlot(slot);
	if (idx)
		index_close(idx, NoLock);
	table_close(rel, NoLock);
	CommandCounterIncrement();
}
