/*-------------------------------------------------------------------------
 *
 * guard.c
 *	  stepping's own triggers and indexes under DDL: disabling, dropping,
 *	  renaming, replacing or re-moding a capture trigger (base tables) or
 *	  the guard trigger (result tables) is refused; ENABLE TRIGGER leaves
 *	  them ENABLE ALWAYS; dropping the index a result table is read through
 *	  is refused unless an index that can stand in for it remains; and a
 *	  drop by any other path (cascades, constraints) that left a view
 *	  without what it needs is refused at sql_drop.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"

#include "stepping.h"
#include "ddl/ddl.h"

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
	char		want;			/* the mode stepping needs (catalog.c) */
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
							  "p.proname = 'guard_result', p.proname = 'capture_row' "
							  "FROM pg_catalog.pg_trigger t "
							  "JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid "
							  "JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace "
							  "WHERE t.tgrelid = $1 AND ($2 IS NULL OR t.tgname = $2) "
							  "AND n.nspname = 'stepping' "
							  "AND p.proname IN ('capture_before', 'capture_after', 'capture_row', 'guard_result') "
							  "ORDER BY t.tgname",
							  2, argtypes, args, nulls, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read pg_trigger");
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
		t->want = DatumGetBool(SPI_getbinval(row, desc, 4, &isnull))
			? TRIGGER_FIRES_ON_REPLICA : TRIGGER_FIRES_ALWAYS;
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
	if (!ddl_is_base_table(relid) && !ddl_is_result_table(relid))
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
						what, t->name, display_relname(relid), ddl_views_depending(relid))
			 : errmsg("cannot %s %s triggers of table \"%s\": stepping %s on its triggers",
					  what, which, display_relname(relid), ddl_views_depending(relid)),
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
void
ddl_check_trigger_command(RangeVar *relation, const char *tgname, const char *what,
					  bool owner_only)
{
	Oid			relid = ddl_relid_of(relation);
	List	   *triggers;

	if (!OidIsValid(relid) ||
		(owner_only && !pg_class_ownercheck(relid, GetUserId())))
		return;
	triggers = needed_triggers(relid, tgname);
	if (triggers != NIL)
		refuse_trigger_change(relid, linitial(triggers), what, NULL, false);
}

/* ALTER TABLE ... ENABLE/DISABLE TRIGGER */
void
ddl_check_trigger_subcommand(Oid relid, AlterTableCmd *cmd)
{
	List	   *triggers;

	switch (cmd->subtype)
	{
		case AT_EnableReplicaTrig:
			/* the row capture trigger fires REPLICA (catalog.c) */
			triggers = needed_triggers(relid, cmd->name);
			if (triggers != NIL &&
				((SteppingTrigger *) linitial(triggers))->want == TRIGGER_FIRES_ON_REPLICA)
				triggers = NIL;
			if (triggers != NIL)
				refuse_trigger_change(relid, linitial(triggers),
									  "change the firing mode of", NULL, false);
			break;
		case AT_DisableTrig:
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
void
ddl_restore_always(AlterTableStmt *stmt)
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
			 cmd->subtype == AT_EnableTrigUser || cmd->subtype == AT_EnableAlwaysTrig))
			enables = true;
	}
	if (!enables)
		return;
	relid = ddl_relid_of(stmt->relation);
	initStringInfo(&sql);
	foreach(lc, needed_triggers(relid, NULL))
	{
		SteppingTrigger *t = (SteppingTrigger *) lfirst(lc);

		if (t->enabled == t->want)
			continue;
		appendStringInfo(&sql, "%s ENABLE %s TRIGGER %s",
						 sql.len ? "," : psprintf("ALTER TABLE %s", qualified_relname(relid)),
						 t->want == TRIGGER_FIRES_ON_REPLICA ? "REPLICA" : "ALWAYS",
						 quote_identifier(t->name));
	}
	if (sql.len == 0)
		return;
	SPI_connect();
	if (SPI_execute(sql.data, false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "could not enable the triggers of %s", qualified_relname(relid));
	SPI_finish();
}

/* ----------------------------------------------------------------
 * Key indexes of result tables
 * ----------------------------------------------------------------
 */


/*
 * Refuse "what" ("drop" ...) of the indexes "dropping" of result table
 * relid when the circuit finds rows through the first of them it meets and
 * none that remains can stand in for it (same uniqueness, NULLS [NOT]
 * DISTINCT and access method, valid).  A user's other indexes go freely.
 */
static void
check_index_drops(Oid relid, List *dropping, const char *what)
{
	Oid			first = InvalidOid;
	bool		replaced = false;
	ListCell   *lc;

	foreach(lc, catalog_key_indexes(relid))
	{
		CatalogKeyIndex *ki = (CatalogKeyIndex *) lfirst(lc);

		if (foreach_current_index(lc) == 0)
		{
			if (!list_member_oid(dropping, ki->indexid))
				break;			/* the circuit's index stays */
			first = ki->indexid;
		}
		else if (!list_member_oid(dropping, ki->indexid))
		{
			/* compile.c will take this one: it must do */
			replaced = ki->can_stand_in;
			break;
		}
	}
	if (OidIsValid(first) && !replaced)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot %s index \"%s\": stepping view \"%s\" finds its rows through it",
						what, display_relname(first), display_relname(relid)),
				 errdetail("Every change of the view's base tables looks up its rows in this index."),
				 errhint("Drop the view with stepping.drop_view() first. To replace the index, create the same index under another name before dropping this one.")));
}

/* DROP INDEX [CONCURRENTLY] [IF EXISTS] name, ... */
void
ddl_check_drop_index(DropStmt *stmt)
{
	List	   *tables = NIL;
	List	   *indexes = NIL;
	ListCell   *lc;

	foreach(lc, stmt->objects)
	{
		Oid			index = ddl_relid_of(makeRangeVarFromNameList((List *) lfirst(lc)));
		Oid			table = OidIsValid(index) ? IndexGetRelation(index, true) : InvalidOid;

		/* a non-owner's DROP INDEX fails anyway, with its own error */
		if (!OidIsValid(table) || !pg_class_ownercheck(index, GetUserId()))
			continue;
		indexes = lappend_oid(indexes, index);
		tables = list_append_unique_oid(tables, table);
	}
	foreach(lc, tables)
		if (ddl_is_result_table(lfirst_oid(lc)))
			check_index_drops(lfirst_oid(lc), indexes, "drop");
}

/* DROP TRIGGER [IF EXISTS] name ON table */
void
ddl_check_drop_trigger(DropStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->objects)
	{
		List	   *names = (List *) lfirst(lc);

		if (list_length(names) < 2)
			continue;
		ddl_check_trigger_command(makeRangeVarFromNameList(list_truncate(list_copy(names),
																	 list_length(names) - 1)),
							  strVal(llast(names)), "drop", true);
	}
}

/* ALTER TRIGGER ... DEPENDS ON EXTENSION, ALTER INDEX ... DEPENDS ON EXTENSION */
void
ddl_check_depends(AlterObjectDependsStmt *stmt)
{
	if (stmt->remove)
		return;
	if (stmt->objectType == OBJECT_TRIGGER && stmt->object)
		ddl_check_trigger_command(stmt->relation, strVal(linitial((List *) stmt->object)),
							  "make an extension own", true);
	else if (stmt->objectType == OBJECT_INDEX)
	{
		Oid			index = ddl_relid_of(stmt->relation);
		Oid			table = OidIsValid(index) ? IndexGetRelation(index, true) : InvalidOid;

		if (ddl_is_result_table(table))
			check_index_drops(table, list_make1_oid(index), "make an extension own");
	}
}


void
ddl_check_drops(void)
{
	Oid			relid = InvalidOid;
	char	   *tgname = NULL;
	bool		found;

	SPI_connect();
	if (SPI_execute("SELECT 1 FROM pg_catalog.pg_event_trigger_dropped_objects() "
					"WHERE object_type IN ('index', 'trigger') LIMIT 1",
					false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the dropped objects");
	found = SPI_processed > 0;
	SPI_finish();
	if (!found || !catalog_find_missing(&relid, &tgname))
		return;
	if (tgname)
	{
		SteppingTrigger t;

		t.name = tgname;
		t.enabled = t.want = TRIGGER_FIRES_ALWAYS;
		t.guard = (strcmp(tgname, "stepping_guard") == 0);

		refuse_trigger_change(relid, &t, "drop", NULL, false);
	}
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("cannot drop the key index of result table \"%s\": stepping view \"%s\" finds its rows through it",
					display_relname(relid), display_relname(relid)),
			 errdetail("Every change of the view's base tables looks up its rows in this index."),
			 errhint("Drop the view with stepping.drop_view() first.")));
}
