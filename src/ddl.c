/*-------------------------------------------------------------------------
 *
 * ddl.c
 *	  Event triggers that keep views valid across DDL on their tables:
 *
 *	  - ddl_command_start refuses what would make a view wrong or unusable:
 *	    changing the type of a column a view reads; making a base or result
 *	    table an inheritance child, parent or partition (CREATE [FOREIGN]
 *	    TABLE ... INHERITS / PARTITION OF, ALTER [FOREIGN] TABLE ... INHERIT,
 *	    ATTACH PARTITION); what create_view refuses in a base table (row-level
 *	    security, UNLOGGED) and UNLOGGED result tables; changing or
 *	    renaming the columns of a result table; disabling, dropping,
 *	    renaming, replacing or changing the firing mode of stepping's
 *	    triggers (capture triggers on base tables, the guard on result
 *	    tables); dropping the index a result table's rows are found through;
 *	  - ddl_command_end sets stepping's triggers back to ENABLE ALWAYS after
 *	    ENABLE TRIGGER [name | ALL | USER], which would make them fire on
 *	    origin only; refuses a function a view uses that is no longer
 *	    immutable, and recomputes the views using a function (or text
 *	    search configuration) whose definition changed;
 *	  - sql_drop (stepping_on_sql_drop) refuses a drop, by any path, that
 *	    left a view without a trigger or key index it needs;
 *	  - renames (of tables, columns, schemas, functions, types, enum labels
 *	    ...) are followed: the stored definitions are analyzed before the
 *	    command, while their names still resolve, and deparsed again after
 *	    it, from the same OIDs, so the catalog holds the new names.
 *
 *	  The event triggers fire for every command tag; the statements that
 *	  matter are picked here by node type.  stepping's own DDL (creating and
 *	  dropping views) passes the same checks: it drops triggers only from
 *	  tables no view reads any more, and indexes only with their table.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/index.h"
#include "catalog/pg_am.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_subscription.h"
#include "catalog/pg_subscription_rel.h"
#include "catalog/pg_type.h"
#include "commands/event_trigger.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "nodes/makefuncs.h"
#include "nodes/parsenodes.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/regproc.h"
#include "utils/resowner.h"
#include "utils/syscache.h"

#include "stepping.h"

PG_FUNCTION_INFO_V1(stepping_on_ddl_start);
PG_FUNCTION_INFO_V1(stepping_on_ddl_end);

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

static Oid
relid_of(RangeVar *rv)
{
	return rv ? RangeVarGetRelid(rv, NoLock, true) : InvalidOid;
}

static bool
is_base_table(Oid relid)
{
	return OidIsValid(relid) && catalog_views_of_table(relid) != NIL;
}

static bool
is_result_table(Oid relid)
{
	return OidIsValid(relid) && catalog_is_result_table(relid);
}

/*
 * For messages: 'view "s.v" depends' or 'views "s.v", "s.w" depend', the
 * views that read relid or whose result table it is.
 */
static char *
views_depending(Oid relid)
{
	List	   *views = catalog_views_of_table(relid);
	StringInfoData buf;
	ListCell   *lc;

	if (catalog_is_result_table(relid))
		views = lcons_oid(relid, views);
	initStringInfo(&buf);
	appendStringInfoString(&buf, list_length(views) > 1 ? "views " : "view ");
	foreach(lc, views)
	{
		if (foreach_current_index(lc) == 5)
		{
			appendStringInfoString(&buf, ", ...");
			break;
		}
		appendStringInfo(&buf, "%s\"%s\"", foreach_current_index(lc) ? ", " : "",
						 display_relname(lfirst_oid(lc)));
	}
	appendStringInfoString(&buf, list_length(views) > 1 ? " depend" : " depends");
	return buf.data;
}

/* Does a stepping view read this column (pg_depend from its result table)? */
static char *
view_reading_column(Oid relid, AttrNumber attno)
{
	Oid			argtypes[2] = {OIDOID, INT4OID};
	Datum		args[2];
	char	   *view = NULL;

	args[0] = ObjectIdGetDatum(relid);
	args[1] = Int32GetDatum(attno);
	SPI_connect();
	if (SPI_execute_with_args("SELECT d.objid::regclass::text FROM pg_catalog.pg_depend d "
							  "JOIN stepping.catalog c ON c.view_rel = d.objid "
							  "WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass "
							  "AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass "
							  "AND d.refobjid = $1 AND d.refobjsubid = $2 LIMIT 1",
							  2, argtypes, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "stepping: could not read pg_depend");
	if (SPI_processed > 0)
		view = MemoryContextStrdup(TopTransactionContext,
								   SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1));
	SPI_finish();
	return view;
}

static void
refuse_base_change(Oid relid, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("cannot %s \"%s\": stepping %s on it", what,
					display_relname(relid), views_depending(relid)),
			 errdetail("The views could no longer be kept equal to their queries."),
			 errhint("Drop its views with stepping.drop_view() first.")));
}

/* ----------------------------------------------------------------
 * stepping's triggers: a trigger is stepping's if it calls one of
 * stepping's trigger functions; it matters while its table is a base or
 * result table of some view.
 * ----------------------------------------------------------------
 */
typedef struct SteppingTrigger
{
	char	   *name;
	char		enabled;		/* pg_trigger.tgenabled */
	bool		guard;			/* stepping.guard_result(), not capture */
} SteppingTrigger;

/* stepping's triggers on relid (only the one named tgname, if given) */
static List *
stepping_triggers(Oid relid, const char *tgname)
{
	MemoryContext callercxt = CurrentMemoryContext;
	Oid			argtypes[2] = {OIDOID, TEXTOID};
	Datum		args[2];
	char		nulls[2] = {' ', tgname ? ' ' : 'n'};
	List	   *result = NIL;
	uint64		i;

	if (!OidIsValid(relid))
		return NIL;
	args[0] = ObjectIdGetDatum(relid);
	args[1] = tgname ? CStringGetTextDatum(tgname) : (Datum) 0;
	SPI_connect();
	if (SPI_execute_with_args("SELECT t.tgname::pg_catalog.text, t.tgenabled::pg_catalog.text, "
							  "p.proname = 'guard_result' "
							  "FROM pg_catalog.pg_trigger t "
							  "JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid "
							  "JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace "
							  "WHERE t.tgrelid = $1 AND ($2 IS NULL OR t.tgname = $2) "
							  "AND n.nspname = 'stepping' "
							  "AND p.proname IN ('capture_before', 'capture_after', 'guard_result') "
							  "ORDER BY t.tgname",
							  2, argtypes, args, nulls, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "stepping: could not read pg_trigger");
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	row = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		MemoryContext old = MemoryContextSwitchTo(callercxt);
		SteppingTrigger *t = palloc(sizeof(SteppingTrigger));
		bool		isnull;

		t->name = SPI_getvalue(row, desc, 1);
		t->enabled = SPI_getvalue(row, desc, 2)[0];
		t->guard = DatumGetBool(SPI_getbinval(row, desc, 3, &isnull));
		result = lappend(result, t);
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	return result;
}

/* stepping's triggers on relid that its views need now */
static List *
needed_triggers(Oid relid, const char *tgname)
{
	if (!is_base_table(relid) && !is_result_table(relid))
		return NIL;
	return stepping_triggers(relid, tgname);
}

/*
 * Refuse "what" (a verb phrase: "disable", "drop" ...) of trigger t of
 * relid, or of all the triggers "which" of relid ("all", "user") if t is
 * NULL (then guard says which kind of stepping trigger is among them).
 */
static void
refuse_trigger_change(Oid relid, SteppingTrigger *t, const char *what,
					  const char *which, bool guard)
{
	if (t)
		guard = t->guard;
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 t ? errmsg("cannot %s trigger \"%s\" of table \"%s\": stepping %s on it",
						what, t->name, display_relname(relid), views_depending(relid))
			 : errmsg("cannot %s %s triggers of table \"%s\": stepping %s on its triggers",
					  what, which, display_relname(relid), views_depending(relid)),
			 guard
			 ? errdetail("stepping's guard trigger keeps writes other than its own out of a result table.")
			 : errdetail("stepping's capture triggers must fire, in every session_replication_role, on every change of a table its views read."),
			 t ? errhint("Drop the view with stepping.drop_view() first.")
			 : errhint("Drop the view with stepping.drop_view() first, or name the triggers to %s.", what)));
}

/*
 * DROP TRIGGER, ALTER TRIGGER ... RENAME and the like of trigger tgname.
 * Those need the table's owner, except CREATE OR REPLACE TRIGGER (the
 * TRIGGER privilege): leave a non-owner's refusal to the command itself.
 */
static void
check_trigger_command(RangeVar *relation, const char *tgname, const char *what,
					  bool owner_only)
{
	Oid			relid = relid_of(relation);
	List	   *triggers;

	if (!OidIsValid(relid) ||
		(owner_only && !pg_class_ownercheck(relid, GetUserId())))
		return;
	triggers = needed_triggers(relid, tgname);
	if (triggers != NIL)
		refuse_trigger_change(relid, linitial(triggers), what, NULL, false);
}

/* ALTER TABLE ... ENABLE/DISABLE TRIGGER */
static void
check_trigger_subcommand(Oid relid, AlterTableCmd *cmd)
{
	List	   *triggers;

	switch (cmd->subtype)
	{
		case AT_DisableTrig:
		case AT_EnableReplicaTrig:
			triggers = needed_triggers(relid, cmd->name);
			if (triggers != NIL)
				refuse_trigger_change(relid, linitial(triggers),
									  cmd->subtype == AT_DisableTrig ? "disable"
									  : "change the firing mode of", NULL, false);
			break;
		case AT_DisableTrigAll:
		case AT_DisableTrigUser:
			triggers = needed_triggers(relid, NULL);
			if (triggers != NIL)
				refuse_trigger_change(relid, NULL, "disable",
									  cmd->subtype == AT_DisableTrigAll ? "all" : "the user",
									  ((SteppingTrigger *) linitial(triggers))->guard);
			break;
		default:
			/* ENABLE [ALWAYS] TRIGGER: ddl_command_end restores ALWAYS */
			break;
	}
}

/*
 * ddl_command_end of ALTER TABLE ... ENABLE TRIGGER name | ALL | USER:
 * those make stepping's triggers fire on origin only, so writes under
 * session_replication_role = replica (logical replication apply, data-only
 * restores) would go uncaptured.  Set them back to ENABLE ALWAYS.
 */
static void
restore_always(AlterTableStmt *stmt)
{
	bool		enables = false;
	ListCell   *lc;
	Oid			relid;
	StringInfoData sql;

	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = (AlterTableCmd *) lfirst(lc);

		if (IsA(cmd, AlterTableCmd) &&
			(cmd->subtype == AT_EnableTrig || cmd->subtype == AT_EnableTrigAll ||
			 cmd->subtype == AT_EnableTrigUser))
			enables = true;
	}
	if (!enables)
		return;
	relid = relid_of(stmt->relation);
	initStringInfo(&sql);
	foreach(lc, needed_triggers(relid, NULL))
	{
		SteppingTrigger *t = (SteppingTrigger *) lfirst(lc);

		if (t->enabled == TRIGGER_FIRES_ALWAYS)
			continue;
		appendStringInfo(&sql, "%s ENABLE ALWAYS TRIGGER %s",
						 sql.len ? "," : psprintf("ALTER TABLE %s", qualified_relname(relid)),
						 quote_identifier(t->name));
	}
	if (sql.len == 0)
		return;
	SPI_connect();
	if (SPI_execute(sql.data, false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "stepping: could not enable the triggers of %s", qualified_relname(relid));
	SPI_finish();
}

/* ----------------------------------------------------------------
 * Key indexes of result tables
 * ----------------------------------------------------------------
 */

/*
 * The indexes of result table relid its circuit can find rows through (as
 * compile.c's lookup_key_index: key columns exactly the stored key
 * columns, in order, no expressions, no predicate), in the order
 * lookup_key_index prefers them: valid btree indexes first, then unique
 * NULLS NOT DISTINCT, then unique, then by OID.  Columns: index OID, then
 * whether it could stand in for the first one.
 */
#define KEY_INDEXES_SQL \
	"SELECT k.indexrelid, k.usable AND (k.usable, k.score) = " \
	"  (pg_catalog.first_value(k.usable) OVER w, pg_catalog.first_value(k.score) OVER w) " \
	"FROM (SELECT i.indexrelid, " \
	"        i.indisvalid AND i.indisready AND i.indislive AND x.relam = " CppAsString2(BTREE_AM_OID) " AS usable, " \
	"        i.indisunique::pg_catalog.int4 + 2 * i.indnullsnotdistinct::pg_catalog.int4 AS score " \
	"      FROM stepping.catalog c " \
	"      JOIN pg_catalog.pg_index i ON i.indrelid = c.view_rel " \
	"      JOIN pg_catalog.pg_class x ON x.oid = i.indexrelid " \
	"      WHERE c.view_rel = $1 AND c.key_columns IS NOT NULL " \
	"      AND i.indnkeyatts = pg_catalog.cardinality(c.key_columns) " \
	"      AND i.indexprs IS NULL AND i.indpred IS NULL " \
	"      AND (i.indkey::pg_catalog.int2[])[0:i.indnkeyatts - 1] = ARRAY(" \
	"        SELECT a.attnum FROM pg_catalog.unnest(c.key_columns) WITH ORDINALITY k(name, ord) " \
	"        JOIN pg_catalog.pg_attribute a ON a.attrelid = c.view_rel AND a.attname = k.name " \
	"        AND NOT a.attisdropped ORDER BY k.ord)) k " \
	"WINDOW w AS (ORDER BY k.usable DESC, k.score DESC, k.indexrelid) " \
	"ORDER BY k.usable DESC, k.score DESC, k.indexrelid"

/*
 * Refuse "what" ("drop" ...) of the indexes "dropping" of result table
 * relid when the circuit finds rows through the first of them it meets and
 * none that remains can stand in for it (same uniqueness, NULLS [NOT]
 * DISTINCT and access method, valid).  A user's other indexes go freely.
 */
static void
check_index_drops(Oid relid, List *dropping, const char *what)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		args[1];
	Oid			first = InvalidOid;
	bool		replaced = false;
	uint64		i;

	args[0] = ObjectIdGetDatum(relid);
	SPI_connect();
	if (SPI_execute_with_args(KEY_INDEXES_SQL, 1, argtypes, args, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "stepping: could not read pg_index");
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Oid			index = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i],
														   SPI_tuptable->tupdesc, 1, &isnull));
		bool		like_first = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i],
															SPI_tuptable->tupdesc, 2, &isnull));

		if (i == 0)
		{
			if (!list_member_oid(dropping, index))
				break;			/* the circuit's index stays */
			first = index;
		}
		else if (!list_member_oid(dropping, index))
		{
			/* compile.c will take this one: it must do */
			replaced = like_first;
			break;
		}
	}
	SPI_finish();
	if (OidIsValid(first) && !replaced)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot %s index \"%s\": stepping view \"%s\" finds its rows through it",
						what, display_relname(first), display_relname(relid)),
				 errdetail("Every change of the view's base tables looks up its rows in this index."),
				 errhint("Drop the view with stepping.drop_view() first. To replace the index, create the same index under another name before dropping this one.")));
}

/* DROP INDEX [CONCURRENTLY] [IF EXISTS] name, ... */
static void
check_drop_index(DropStmt *stmt)
{
	List	   *tables = NIL;
	List	   *indexes = NIL;
	ListCell   *lc;

	foreach(lc, stmt->objects)
	{
		Oid			index = relid_of(makeRangeVarFromNameList((List *) lfirst(lc)));
		Oid			table = OidIsValid(index) ? IndexGetRelation(index, true) : InvalidOid;

		/* a non-owner's DROP INDEX fails anyway, with its own error */
		if (!OidIsValid(table) || !pg_class_ownercheck(index, GetUserId()))
			continue;
		indexes = lappend_oid(indexes, index);
		tables = list_append_unique_oid(tables, table);
	}
	foreach(lc, tables)
		if (is_result_table(lfirst_oid(lc)))
			check_index_drops(lfirst_oid(lc), indexes, "drop");
}

/* DROP TRIGGER [IF EXISTS] name ON table */
static void
check_drop_trigger(DropStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->objects)
	{
		List	   *names = (List *) lfirst(lc);

		if (list_length(names) < 2)
			continue;
		check_trigger_command(makeRangeVarFromNameList(list_truncate(list_copy(names),
																	 list_length(names) - 1)),
							  strVal(llast(names)), "drop", true);
	}
}

/* ALTER TRIGGER ... DEPENDS ON EXTENSION, ALTER INDEX ... DEPENDS ON EXTENSION */
static void
check_depends(AlterObjectDependsStmt *stmt)
{
	if (stmt->remove)
		return;
	if (stmt->objectType == OBJECT_TRIGGER && stmt->object)
		check_trigger_command(stmt->relation, strVal(linitial((List *) stmt->object)),
							  "make an extension own", true);
	else if (stmt->objectType == OBJECT_INDEX)
	{
		Oid			index = relid_of(stmt->relation);
		Oid			table = OidIsValid(index) ? IndexGetRelation(index, true) : InvalidOid;

		if (is_result_table(table))
			check_index_drops(table, list_make1_oid(index), "make an extension own");
	}
}

/*
 * sql_drop, after the catalog rows of dropped views are gone: a drop by
 * any path (DROP TRIGGER, DROP INDEX, ALTER TABLE ... DROP CONSTRAINT of a
 * constraint made from the key index, cascades) must not leave a view
 * without a trigger or index it needs.  Checked only when the command
 * dropped a trigger or an index.
 */
#define MISSING_SQL \
	"WITH r AS (SELECT view_rel::pg_catalog.oid AS rel, key_columns FROM stepping.catalog), " \
	"b AS (SELECT DISTINCT pg_catalog.unnest(base_tables)::pg_catalog.oid AS rel FROM stepping.catalog), " \
	"needed(rel, tgname, fn) AS (" \
	"  SELECT rel, 'stepping_guard', 'guard_result' FROM r " \
	"  UNION ALL SELECT b.rel, t.tgname, t.fn FROM b, (VALUES ('stepping_before', 'capture_before'), " \
	"    ('stepping_after_insert', 'capture_after'), ('stepping_after_update', 'capture_after'), " \
	"    ('stepping_after_delete', 'capture_after'), ('stepping_after_truncate', 'capture_after')) t(tgname, fn) " \
	"  WHERE b.rel NOT IN (SELECT rel FROM r)) " \
	"SELECT rel, tgname FROM needed WHERE NOT EXISTS (" \
	"  SELECT 1 FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid " \
	"  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace " \
	"  WHERE t.tgrelid = needed.rel AND t.tgname = needed.tgname " \
	"  AND n.nspname = 'stepping' AND p.proname = needed.fn) " \
	"UNION ALL " \
	"SELECT rel, NULL FROM r WHERE key_columns IS NOT NULL AND NOT EXISTS (" \
	"  SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = r.rel " \
	"  AND i.indnkeyatts = pg_catalog.cardinality(r.key_columns) " \
	"  AND i.indexprs IS NULL AND i.indpred IS NULL " \
	"  AND (i.indkey::pg_catalog.int2[])[0:i.indnkeyatts - 1] = ARRAY(" \
	"    SELECT a.attnum FROM pg_catalog.unnest(r.key_columns) WITH ORDINALITY k(name, ord) " \
	"    JOIN pg_catalog.pg_attribute a ON a.attrelid = r.rel AND a.attname = k.name " \
	"    AND NOT a.attisdropped ORDER BY k.ord)) " \
	"LIMIT 1"

void
ddl_check_drops(void)
{
	MemoryContext callercxt = CurrentMemoryContext;
	Oid			relid = InvalidOid;
	char	   *tgname = NULL;

	SPI_connect();
	if (SPI_execute("SELECT 1 FROM pg_catalog.pg_event_trigger_dropped_objects() "
					"WHERE object_type IN ('index', 'trigger') LIMIT 1",
					false, 0) != SPI_OK_SELECT)
		elog(ERROR, "stepping: could not read the dropped objects");
	if (SPI_processed > 0)
	{
		if (SPI_execute(MISSING_SQL, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "stepping: could not check the views' triggers and indexes");
		if (SPI_processed > 0)
		{
			bool		isnull;

			relid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0],
												   SPI_tuptable->tupdesc, 1, &isnull));
			tgname = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
			if (tgname)
				tgname = MemoryContextStrdup(callercxt, tgname);
		}
	}
	SPI_finish();
	if (!OidIsValid(relid))
		return;
	if (tgname)
	{
		SteppingTrigger t = {tgname, TRIGGER_FIRES_ALWAYS, strcmp(tgname, "stepping_guard") == 0};

		refuse_trigger_change(relid, &t, "drop", NULL, false);
	}
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("cannot drop the key index of result table \"%s\": stepping view \"%s\" finds its rows through it",
					display_relname(relid), display_relname(relid)),
			 errdetail("Every change of the view's base tables looks up its rows in this index."),
			 errhint("Drop the view with stepping.drop_view() first.")));
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
static void
follow_definition_changes(void)
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

/* ----------------------------------------------------------------
 * Tables: columns, inheritance, persistence, row-level security
 * ----------------------------------------------------------------
 */

/* Refuse making relid an inheritance child, parent or partition. */
static void
check_inheritance(Oid relid, const char *what)
{
	if (is_base_table(relid))
		refuse_base_change(relid, what);
	if (is_result_table(relid))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot %s \"%s\": it is the result table of stepping view \"%s\"",
						what, display_relname(relid), display_relname(relid)),
				 errdetail("Reading the result table would read other tables' rows too, or stepping's writes would skip the partition's constraint."),
				 errhint("Drop the view with stepping.drop_view() first.")));
}

/*
 * The columns of a result table are the query's output and stepping's
 * state, found by name when a circuit is compiled.
 */
static void
refuse_result_columns(Oid relid)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("cannot change the columns of \"%s\": it is the result table of a stepping view",
					display_relname(relid)),
			 errhint("Drop the view with stepping.drop_view() and create it with the query you want.")));
}

/* ALTER TABLE ... RENAME [COLUMN] c TO d of a result table */
static void
check_rename_column(RenameStmt *stmt)
{
	Oid			relid = relid_of(stmt->relation);

	if (OidIsValid(relid) && pg_class_ownercheck(relid, GetUserId()) &&
		is_result_table(relid))
		refuse_result_columns(relid);
}

static void
check_alter_table(AlterTableStmt *stmt)
{
	Oid			relid = relid_of(stmt->relation);
	bool		base;
	bool		result;
	ListCell   *lc;

	/* only the owner may alter it: leave the refusal to ALTER TABLE itself */
	if (!OidIsValid(relid) || !pg_class_ownercheck(relid, GetUserId()))
		return;
	base = is_base_table(relid);
	result = is_result_table(relid);
	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = (AlterTableCmd *) lfirst(lc);

		if (!IsA(cmd, AlterTableCmd))
			continue;
		if (result && (cmd->subtype == AT_AddColumn || cmd->subtype == AT_DropColumn ||
					   cmd->subtype == AT_AlterColumnType))
			refuse_result_columns(relid);
		switch (cmd->subtype)
		{
			case AT_AlterColumnType:
				if (base && cmd->name)
				{
					AttrNumber	attno = get_attnum(relid, cmd->name);
					char	   *view = attno > 0 ? view_reading_column(relid, attno) : NULL;

					if (view)
						ereport(ERROR,
								(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
								 errmsg("cannot change the type of column \"%s\" of \"%s\": stepping view \"%s\" reads it",
										cmd->name, display_relname(relid), view),
								 errhint("Drop the view with stepping.drop_view(), alter the column, then create the view again.")));
				}
				break;
			case AT_AddInherit:
				check_inheritance(relid, "make an inheritance child of");
				if (IsA(cmd->def, RangeVar))
					check_inheritance(relid_of((RangeVar *) cmd->def),
									  "add an inheritance child to");
				break;
			case AT_AttachPartition:
				check_inheritance(relid, "attach a partition to");
				if (IsA(cmd->def, PartitionCmd))
					check_inheritance(relid_of(((PartitionCmd *) cmd->def)->name),
									  "attach as a partition");
				break;
			case AT_EnableRowSecurity:
			case AT_ForceRowSecurity:
				if (base)
					refuse_base_change(relid, "enable row-level security on");
				break;
			case AT_SetUnLogged:
				/* crash recovery would empty one table but not the other */
				if (base)
					refuse_base_change(relid, "set UNLOGGED on");
				if (result)
					ereport(ERROR,
							(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
							 errmsg("cannot make \"%s\" unlogged: it is the result table of stepping view \"%s\"",
									display_relname(relid), display_relname(relid)),
							 errdetail("Crash recovery would empty the result table but not the view's base tables."),
							 errhint("Drop the view with stepping.drop_view() first.")));
				break;
			case AT_EnableTrig:
			case AT_EnableAlwaysTrig:
			case AT_EnableReplicaTrig:
			case AT_DisableTrig:
			case AT_EnableTrigAll:
			case AT_DisableTrigAll:
			case AT_EnableTrigUser:
			case AT_DisableTrigUser:
				if (base || result)
					check_trigger_subcommand(relid, cmd);
				break;
			default:
				break;
		}
	}
}

/* CREATE [FOREIGN] TABLE ... INHERITS (...) / PARTITION OF ... */
static void
check_create_table(CreateStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->inhRelations)
		check_inheritance(relid_of((RangeVar *) lfirst(lc)),
						  stmt->partbound ? "create a partition of" : "add an inheritance child to");
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
static void
remember_definitions(void)
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
static void
rewrite_definitions(void)
{
	ListCell   *lc;
	List	   *todo = pending;

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

Datum
stepping_on_ddl_start(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata;
	Node	   *stmt;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("stepping.on_ddl_start() can only be called as an event trigger")));
	trigdata = (EventTriggerData *) fcinfo->context;
	stmt = trigdata->parsetree;

	switch (nodeTag(stmt))
	{
		case T_AlterTableStmt:
			check_alter_table((AlterTableStmt *) stmt);
			break;
		case T_CreateStmt:
			check_create_table((CreateStmt *) stmt);
			break;
		case T_CreateForeignTableStmt:
			check_create_table(&((CreateForeignTableStmt *) stmt)->base);
			break;
		case T_DropStmt:
			if (((DropStmt *) stmt)->removeType == OBJECT_TRIGGER)
				check_drop_trigger((DropStmt *) stmt);
			else if (((DropStmt *) stmt)->removeType == OBJECT_INDEX)
				check_drop_index((DropStmt *) stmt);
			break;
		case T_CreateTrigStmt:
			if (((CreateTrigStmt *) stmt)->replace)
				check_trigger_command(((CreateTrigStmt *) stmt)->relation,
									  ((CreateTrigStmt *) stmt)->trigname, "replace", false);
			break;
		case T_AlterObjectDependsStmt:
			check_depends((AlterObjectDependsStmt *) stmt);
			break;
		case T_RenameStmt:
			if (((RenameStmt *) stmt)->renameType == OBJECT_TRIGGER)
				check_trigger_command(((RenameStmt *) stmt)->relation,
									  ((RenameStmt *) stmt)->subname, "rename", true);
			else if (((RenameStmt *) stmt)->renameType == OBJECT_COLUMN)
				check_rename_column((RenameStmt *) stmt);
			remember_definitions();
			break;
		case T_AlterObjectSchemaStmt:
			remember_definitions();
			break;
		case T_AlterEnumStmt:
			/* a renamed label: the stored definitions spell it as text */
			if (((AlterEnumStmt *) stmt)->oldVal != NULL)
				remember_definitions();
			break;
		default:
			break;
	}
	PG_RETURN_VOID();
}

/*
 * A subscription that writes into a base table of a view: the apply worker
 * fires no statement triggers, so the view would go stale.  create_view
 * refuses such tables; a subscription created or extended later can only
 * be warned about (an error would roll back CREATE SUBSCRIPTION after its
 * slot was made on the publisher).
 */
static void
warn_subscribed_views(const char *subname)
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

Datum
stepping_on_ddl_end(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("stepping.on_ddl_end() can only be called as an event trigger")));
	trigdata = (EventTriggerData *) fcinfo->context;
	if (IsA(trigdata->parsetree, CreateSubscriptionStmt))
		warn_subscribed_views(((CreateSubscriptionStmt *) trigdata->parsetree)->subname);
	else if (IsA(trigdata->parsetree, AlterSubscriptionStmt))
		warn_subscribed_views(((AlterSubscriptionStmt *) trigdata->parsetree)->subname);
	else if (IsA(trigdata->parsetree, AlterTableStmt))
		restore_always((AlterTableStmt *) trigdata->parsetree);
	else if (IsA(trigdata->parsetree, AlterFunctionStmt) ||
			 (IsA(trigdata->parsetree, CreateFunctionStmt) &&
			  ((CreateFunctionStmt *) trigdata->parsetree)->replace) ||
			 (IsA(trigdata->parsetree, DefineStmt) &&
			  ((DefineStmt *) trigdata->parsetree)->kind == OBJECT_AGGREGATE &&
			  ((DefineStmt *) trigdata->parsetree)->replace) ||
			 IsA(trigdata->parsetree, AlterTSConfigurationStmt) ||
			 IsA(trigdata->parsetree, AlterTSDictionaryStmt))
		follow_definition_changes();
	if (pending != NIL)
		rewrite_definitions();
	PG_RETURN_VOID();
}
