/*-------------------------------------------------------------------------
 *
 * ddl.c
 *	  Event triggers that keep views valid across DDL on their tables:
 *
 *	  - ddl_command_start refuses what would make a view wrong or unusable:
 *	    changing the type of a column a view reads, making a base table an
 *	    inheritance child, parent or partition, and changing the columns of
 *	    a result table;
 *	  - renames (of tables, columns, schemas, functions ...) are followed:
 *	    the stored definitions are analyzed before the command, while their
 *	    names still resolve, and deparsed again after it, from the same
 *	    OIDs, so the catalog holds the new names.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_subscription.h"
#include "catalog/pg_subscription_rel.h"
#include "catalog/pg_type.h"
#include "commands/event_trigger.h"
#include "executor/spi.h"
#include "nodes/parsenodes.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
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
			 errmsg("cannot %s \"%s\": stepping views read it", what,
					qualified_relname(relid)),
			 errdetail("The views could no longer be kept equal to their queries."),
			 errhint("Drop its views with stepping.drop_view() first.")));
}

static void
check_alter_table(AlterTableStmt *stmt)
{
	Oid			relid = relid_of(stmt->relation);
	bool		base = is_base_table(relid);
	bool		result = OidIsValid(relid) && catalog_is_result_table(relid);
	ListCell   *lc;

	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = (AlterTableCmd *) lfirst(lc);

		if (!IsA(cmd, AlterTableCmd))
			continue;
		if (result && (cmd->subtype == AT_AddColumn || cmd->subtype == AT_DropColumn ||
					   cmd->subtype == AT_AlterColumnType))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("cannot change the columns of \"%s\": it is the result table of a stepping view",
							qualified_relname(relid)),
					 errhint("Drop the view with stepping.drop_view() and create it with the query you want.")));
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
										cmd->name, qualified_relname(relid), view),
								 errhint("Drop the view with stepping.drop_view(), alter the column, then create the view again.")));
				}
				break;
			case AT_AddInherit:
				if (base)
					refuse_base_change(relid, "make an inheritance child of");
				if (IsA(cmd->def, RangeVar) && is_base_table(relid_of((RangeVar *) cmd->def)))
					refuse_base_change(relid_of((RangeVar *) cmd->def), "add an inheritance child to");
				break;
			case AT_EnableRowSecurity:
			case AT_ForceRowSecurity:
				if (base)
					refuse_base_change(relid, "enable row-level security on");
				break;
			case AT_AttachPartition:
				if (IsA(cmd->def, PartitionCmd) &&
					is_base_table(relid_of(((PartitionCmd *) cmd->def)->name)))
					refuse_base_change(relid_of(((PartitionCmd *) cmd->def)->name),
									   "attach as a partition");
				break;
			default:
				break;
		}
	}
}

static void
check_create_table(CreateStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->inhRelations)
	{
		Oid			parent = relid_of((RangeVar *) lfirst(lc));

		if (is_base_table(parent))
			refuse_base_change(parent, "add an inheritance child to");
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

	if (IsA(stmt, AlterTableStmt))
		check_alter_table((AlterTableStmt *) stmt);
	else if (IsA(stmt, CreateStmt))
		check_create_table((CreateStmt *) stmt);
	else if (IsA(stmt, RenameStmt) || IsA(stmt, AlterObjectSchemaStmt))
		remember_definitions();
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
	if (pending != NIL)
		rewrite_definitions();
	PG_RETURN_VOID();
}
