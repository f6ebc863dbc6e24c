/*-------------------------------------------------------------------------
 *
 * ddl.c
 *	  Event triggers that keep views valid across DDL on their tables (this
 *	  file dispatches; guard.c and follow.c hold the checks named below):
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

#include "catalog/namespace.h"
#include "commands/event_trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "stepping.h"
#include "ddl/ddl.h"

PG_FUNCTION_INFO_V1(stepping_on_ddl_start);
PG_FUNCTION_INFO_V1(stepping_on_ddl_end);

Oid
ddl_relid_of(RangeVar *rv)
{
	return rv ? RangeVarGetRelid(rv, NoLock, true) : InvalidOid;
}

bool
ddl_is_base_table(Oid relid)
{
	return OidIsValid(relid) && catalog_views_of_table(relid) != NIL;
}

bool
ddl_is_result_table(Oid relid)
{
	return OidIsValid(relid) && catalog_is_result_table(relid);
}

/*
 * For messages: 'view "s.v" depends' or 'views "s.v", "s.w" depend', the
 * views that read relid or whose result table it is.
 */
char *
ddl_views_depending(Oid relid)
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

void
ddl_refuse_base_change(Oid relid, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("cannot %s \"%s\": stepping %s on it", what,
					display_relname(relid), ddl_views_depending(relid)),
			 errdetail("The views could no longer be kept equal to their queries."),
			 errhint("Drop its views with stepping.drop_view() first.")));
}

/* ----------------------------------------------------------------
 * Tables: columns, inheritance, persistence, row-level security
 * ----------------------------------------------------------------
 */

/* Refuse making relid an inheritance child, parent or partition. */
static void
check_inheritance(Oid relid, const char *what)
{
	if (ddl_is_base_table(relid))
		ddl_refuse_base_change(relid, what);
	if (ddl_is_result_table(relid))
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
	Oid			relid = ddl_relid_of(stmt->relation);

	if (OidIsValid(relid) && pg_class_ownercheck(relid, GetUserId()) &&
		ddl_is_result_table(relid))
		refuse_result_columns(relid);
}

static void
check_alter_table(AlterTableStmt *stmt)
{
	Oid			relid = ddl_relid_of(stmt->relation);
	bool		base;
	bool		result;
	ListCell   *lc;

	/* only the owner may alter it: leave the refusal to ALTER TABLE itself */
	if (!OidIsValid(relid) || !pg_class_ownercheck(relid, GetUserId()))
		return;
	base = ddl_is_base_table(relid);
	result = ddl_is_result_table(relid);
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
					char	   *view = attno > 0 ? catalog_view_reading_column(relid, attno) : NULL;

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
					check_inheritance(ddl_relid_of((RangeVar *) cmd->def),
									  "add an inheritance child to");
				break;
			case AT_AttachPartition:
				check_inheritance(relid, "attach a partition to");
				if (IsA(cmd->def, PartitionCmd))
					check_inheritance(ddl_relid_of(((PartitionCmd *) cmd->def)->name),
									  "attach as a partition");
				break;
			case AT_EnableRowSecurity:
			case AT_ForceRowSecurity:
				if (base)
					ddl_refuse_base_change(relid, "enable row-level security on");
				break;
			case AT_SetUnLogged:
				/* crash recovery would empty one table but not the other */
				if (base)
					ddl_refuse_base_change(relid, "set UNLOGGED on");
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
					ddl_check_trigger_subcommand(relid, cmd);
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
		check_inheritance(ddl_relid_of((RangeVar *) lfirst(lc)),
						  stmt->partbound ? "create a partition of" : "add an inheritance child to");
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
				ddl_check_drop_trigger((DropStmt *) stmt);
			else if (((DropStmt *) stmt)->removeType == OBJECT_INDEX)
				ddl_check_drop_index((DropStmt *) stmt);
			break;
		case T_CreateTrigStmt:
			if (((CreateTrigStmt *) stmt)->replace)
				ddl_check_trigger_command(((CreateTrigStmt *) stmt)->relation,
									  ((CreateTrigStmt *) stmt)->trigname, "replace", false);
			break;
		case T_AlterObjectDependsStmt:
			ddl_check_depends((AlterObjectDependsStmt *) stmt);
			break;
		case T_RenameStmt:
			if (((RenameStmt *) stmt)->renameType == OBJECT_TRIGGER)
				ddl_check_trigger_command(((RenameStmt *) stmt)->relation,
									  ((RenameStmt *) stmt)->subname, "rename", true);
			else if (((RenameStmt *) stmt)->renameType == OBJECT_COLUMN)
				check_rename_column((RenameStmt *) stmt);
			ddl_remember_definitions();
			break;
		case T_AlterObjectSchemaStmt:
			ddl_remember_definitions();
			break;
		case T_AlterEnumStmt:
			/* a renamed label: the stored definitions spell it as text */
			if (((AlterEnumStmt *) stmt)->oldVal != NULL)
				ddl_remember_definitions();
			break;
		default:
			break;
	}
	PG_RETURN_VOID();
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
	if (IsA(trigdata->parsetree, AlterTableStmt))
		ddl_restore_always((AlterTableStmt *) trigdata->parsetree);
	else if (IsA(trigdata->parsetree, AlterFunctionStmt) ||
			 (IsA(trigdata->parsetree, CreateFunctionStmt) &&
			  ((CreateFunctionStmt *) trigdata->parsetree)->replace) ||
			 (IsA(trigdata->parsetree, DefineStmt) &&
			  ((DefineStmt *) trigdata->parsetree)->kind == OBJECT_AGGREGATE &&
			  ((DefineStmt *) trigdata->parsetree)->replace) ||
			 IsA(trigdata->parsetree, AlterTSConfigurationStmt) ||
			 IsA(trigdata->parsetree, AlterTSDictionaryStmt))
		ddl_follow_definition_changes();
	ddl_rewrite_definitions();
	PG_RETURN_VOID();
}
