/*-------------------------------------------------------------------------
 *
 * compile.c
 *	  From a view's SELECT to a circuit: analysis with PostgreSQL's own
 *	  parser, refusal of everything that cannot be maintained exactly, the
 *	  shape of the result table, and the compiled Circuit a step runs.
 *
 *	  One function, plan_view(), decides everything about a query (its kind,
 *	  group keys, aggregates and their state columns, the result table's key),
 *	  so create_view's table and every backend's circuit always agree.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/relation.h"
#include "access/table.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "access/htup_details.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_aggregate_d.h"
#include "catalog/pg_class.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_index.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_subscription_rel.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "executor/executor.h"
#include "lib/stringinfo.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/analyze.h"
#include "parser/parse_oper.h"
#include "parser/parser.h"
#include "parser/parsetree.h"
#include "rewrite/rewriteManip.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/pg_locale.h"
#include "miscadmin.h"
#include "utils/datetime.h"
#include "utils/guc.h"
#include "utils/xml.h"
#include "utils/array.h"
#include "utils/bytea.h"
#include "utils/float.h"
#include "parser/parse_expr.h"
#include "pgtime.h"
#include "utils/regproc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

#include "stepping.h"

/* Everything decided about one view query. */
typedef struct ViewPlan
{
	ViewKind	kind;
	bool		global;
	Oid			baseid;
	bool		join;			/* more than one input */
	bool		setop;			/* UNION [ALL] of internal views */
	List	   *visible;		/* TargetEntry *, non-junk, in order */
	int			nvisible;

	/* grouped */
	List	   *groupexprs;		/* Expr * */
	Oid		   *groupeqops;
	Oid		   *groupcolls;
	int		   *group_vis;		/* visible column (0-based) or -1 */
	List	   *aggrefs;		/* Aggref *, distinct */
	AggSpec    *aggs;

	Node	   *having;			/* HAVING, or NULL */

	/* bag */
	List	   *bagkey;			/* visible column numbers (0-based) of PK */
} ViewPlan;

/* Refuse what cannot be maintained exactly (0A000), with a hint. */
void
stepping_reject(const char *what, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("stepping cannot maintain %s", what),
			 hint ? errhint("%s", hint) : 0));
}

/* ----------------------------------------------------------------
 * Parsing
 * ----------------------------------------------------------------
 */

/*
 * The settings every view is evaluated under, the same for all views, like
 * a function's SET clause: those that change how SQL text is parsed (a
 * stored definition, a group recompute's text) or how a value prints through
 * an IMMUTABLE output function (float8out follows extra_float_digits,
 * byteaout bytea_output).  Stable functions are refused, so nothing else a
 * session sets can reach a view's rows.  The values are pg_dump's, which
 * round-trip: ISO dates, postgres intervals, shortest-exact floats.
 *
 * holds() says whether the session already has the value, so a step pays
 * for set_config_option only for the settings that differ (search_path,
 * almost always).
 */
typedef struct PinnedSetting
{
	const char *name;
	const char *value;
	bool		(*holds) (void);
} PinnedSetting;

static bool
search_path_holds(void)
{
	return namespace_search_path != NULL &&
		strcmp(namespace_search_path, "pg_catalog, pg_temp") == 0;
}

static bool
datestyle_holds(void)
{
	return DateStyle == USE_ISO_DATES && DateOrder == DATEORDER_MDY;
}

static bool
intervalstyle_holds(void)
{
	return IntervalStyle == INTSTYLE_POSTGRES;
}

/* any zone without offset changes prints and parses as UTC does */
static bool
timezone_holds(void)
{
	long int	gmtoff;

	return session_timezone != NULL &&
		pg_get_timezone_offset(session_timezone, &gmtoff) && gmtoff == 0;
}

/* every positive value prints the shortest exact text */
static bool
float_digits_holds(void)
{
	return extra_float_digits > 0;
}

static bool
bytea_output_holds(void)
{
	return bytea_output == BYTEA_OUTPUT_HEX;
}

static bool
strings_holds(void)
{
	return standard_conforming_strings;
}

static bool
array_nulls_holds(void)
{
	return Array_nulls;
}

static bool
xmloption_holds(void)
{
	return xmloption == XMLOPTION_CONTENT;
}

static bool
xmlbinary_holds(void)
{
	return xmlbinary == XMLBINARY_BASE64;
}

static bool
null_equals_holds(void)
{
	return !Transform_null_equals;
}

/* money literals in stored text are read with the monetary locale's symbols */
static bool
lc_monetary_holds(void)
{
	return locale_monetary != NULL && strcmp(locale_monetary, "C") == 0;
}

static const PinnedSetting pinned_settings[] = {
	{"search_path", "pg_catalog, pg_temp", search_path_holds},
	{"DateStyle", "ISO, MDY", datestyle_holds},
	{"IntervalStyle", "postgres", intervalstyle_holds},
	{"TimeZone", "UTC", timezone_holds},
	{"extra_float_digits", "1", float_digits_holds},
	{"bytea_output", "hex", bytea_output_holds},
	{"standard_conforming_strings", "on", strings_holds},
	{"array_nulls", "on", array_nulls_holds},
	{"xmloption", "content", xmloption_holds},
	{"xmlbinary", "base64", xmlbinary_holds},
	{"transform_null_equals", "off", null_equals_holds},
	{"lc_monetary", "C", lc_monetary_holds},
};

/*
 * Enter the pinned settings; returns the GUC nest level to pass to
 * stepping_unpin_settings, which restores the caller's values (an error in
 * between restores them at subtransaction or transaction abort).
 */
int
stepping_pin_settings(void)
{
	int			nestlevel = NewGUCNestLevel();
	int			i;

	for (i = 0; i < (int) lengthof(pinned_settings); i++)
		if (!pinned_settings[i].holds())
			(void) set_config_option(pinned_settings[i].name,
									 pinned_settings[i].value,
									 PGC_USERSET, PGC_S_SESSION,
									 GUC_ACTION_SAVE, true, 0, false);
	return nestlevel;
}

void
stepping_unpin_settings(int nestlevel)
{
	AtEOXact_GUC(true, nestlevel);
}

/*
 * Parse and analyze a view query.  pinned analyzes stored definitions under
 * the pinned settings (search_path pg_catalog only, pg_dump's styles), so
 * nothing in the caller's settings can redirect a name or reread a literal.
 * A user's own text (create_view) is analyzed under the user's settings, as
 * CREATE VIEW does, and stored deparsed under the pinned ones.
 */
Query *
analyze_view_query(const char *sql, bool pinned)
{
	List	   *raw;
	RawStmt    *stmt;
	Query	   *query;
	int			nestlevel = -1;

	if (pinned)
		nestlevel = stepping_pin_settings();

	raw = raw_parser(sql, RAW_PARSE_DEFAULT);
	if (list_length(raw) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the query of a stepping view is empty"),
				 errhint("Pass one SELECT statement.")));
	if (list_length(raw) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the query of a stepping view must be a single statement"),
				 errhint("Pass one SELECT statement, without a semicolon between statements.")));
	stmt = linitial_node(RawStmt, raw);
	if (!IsA(stmt->stmt, SelectStmt))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the query of a stepping view must be a SELECT"),
				 errhint("Pass the SELECT whose result the view keeps.")));

	query = parse_analyze_fixedparams(stmt, sql, NULL, 0, NULL);

	if (pinned)
		stepping_unpin_settings(nestlevel);
	return query;
}

/*
 * Deparse a query as fully qualified SQL that reads back the same under the
 * pinned settings, whatever the session's DateStyle or float digits.
 */
char *
deparse_view_query(Query *query)
{
	int			nestlevel = stepping_pin_settings();
	char	   *sql = pg_get_querydef(copyObject(query), false);

	stepping_unpin_settings(nestlevel);
	return sql;
}

/* ----------------------------------------------------------------
 * Validation
 * ----------------------------------------------------------------
 */

/* ----------------------------------------------------------------
 * Functions whose result may change: volatile and stable ones, except the
 * JSON builders and aggregates, which are stable only because some types'
 * text (timestamptz, float under extra_float_digits ...) follows settings:
 * over types whose text does not, they are as immutable as their inputs.
 * ----------------------------------------------------------------
 */

static bool
settings_free_type(Oid type)
{
	Oid			elem;

	type = getBaseType(type);
	elem = get_element_type(type);
	if (OidIsValid(elem))
		type = getBaseType(elem);
	switch (type)
	{
		case BOOLOID:
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case NUMERICOID:
		case TEXTOID:
		case VARCHAROID:
		case BPCHAROID:
		case NAMEOID:
		case JSONOID:
		case JSONBOID:
		case UUIDOID:
		case UNKNOWNOID:
			return true;
		default:
			return false;
	}
}

static bool
is_json_builder(Oid funcid)
{
	static const char *const names[] = {
		"jsonb_agg", "json_agg", "json_object_agg", "jsonb_object_agg",
		"to_jsonb", "to_json", "jsonb_build_object", "json_build_object",
		"jsonb_build_array", "json_build_array", NULL
	};
	char	   *name;
	int			i;

	if (get_func_namespace(funcid) != PG_CATALOG_NAMESPACE)
		return false;
	name = get_func_name(funcid);
	for (i = 0; names[i]; i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

static bool
changing_function_checker(Oid funcid, void *context)
{
	return func_volatile(funcid) != PROVOLATILE_IMMUTABLE;
}

/* context of changing_walker: the type whose text made a builder change */
static bool
settings_dependent(void *context, Oid type)
{
	if (context)
		*(Oid *) context = type;
	return true;
}

static bool
changing_walker(Node *node, void *context)
{
	List	   *args = NIL;
	Oid			funcid = InvalidOid;
	ListCell   *lc;

	if (node == NULL)
		return false;
	if (IsA(node, Query))
		return query_tree_walker((Query *) node, changing_walker, context, 0);
	if (IsA(node, FuncExpr))
	{
		funcid = ((FuncExpr *) node)->funcid;
		args = ((FuncExpr *) node)->args;
	}
	else if (IsA(node, Aggref))
	{
		funcid = ((Aggref *) node)->aggfnoid;
		foreach(lc, ((Aggref *) node)->args)
			args = lappend(args, lfirst_node(TargetEntry, lc)->expr);
	}
	/*
	 * The JSON builders by their arguments' types, whatever their marking:
	 * jsonb_object_agg is IMMUTABLE in pg_proc although it prints its
	 * arguments like the STABLE ones.
	 */
	if (OidIsValid(funcid) && is_json_builder(funcid))
	{
		foreach(lc, args)
			if (!settings_free_type(exprType((Node *) lfirst(lc))))
				return settings_dependent(context, exprType((Node *) lfirst(lc)));
	}
	else if (check_functions_in_node(node, changing_function_checker, context))
		return true;
	if (IsA(node, SQLValueFunction) || IsA(node, NextValueExpr))
		return true;			/* current_user, now() as CURRENT_TIMESTAMP ... */
	if (IsA(node, XmlExpr))
	{
		/* XML text of a timestamptz follows TimeZone, with no function to mark */
		XmlExpr    *x = (XmlExpr *) node;

		foreach(lc, x->named_args)
			if (!settings_free_type(exprType((Node *) lfirst(lc))))
				return settings_dependent(context, exprType((Node *) lfirst(lc)));
		foreach(lc, x->args)
			if (!settings_free_type(exprType((Node *) lfirst(lc))) &&
				exprType((Node *) lfirst(lc)) != XMLOID)
				return settings_dependent(context, exprType((Node *) lfirst(lc)));
	}
	return expression_tree_walker(node, changing_walker, context);
}

/*
 * Does an expression call something whose result may change between calls
 * or sessions?  A JSON or XML builder over a type whose text follows a
 * setting (or a renamable enum label) is refused with its own message.
 */
static bool
contain_changing_functions(Node *node)
{
	Oid			badtype = InvalidOid;

	if (!changing_walker(node, &badtype))
		return false;
	if (OidIsValid(badtype))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("stepping cannot maintain JSON or XML built from values of type %s",
						format_type_be(badtype)),
				 errdetail("The text of such values follows session settings (TimeZone, DateStyle, IntervalStyle, extra_float_digits, bytea_output) or enum labels that can be renamed."),
				 errhint("Build it from integers, numeric, text, boolean, uuid or json values.")));
	return true;
}

static void validate_relation(RangeTblEntry *rte);

/* context: the subquery depth being walked (outer references reach 0) */
static bool
check_expr_walker(Node *node, void *context)
{
	int			depth = context ? *(int *) context : 0;

	if (node == NULL)
		return false;
	if (IsA(node, Var))
	{
		Var		   *var = (Var *) node;

		if (var->varattno < 0)
			stepping_reject("a query that reads system columns",
				   "Read only ordinary columns of the base table.");
		if (var->varattno == 0)
			stepping_reject("a query that references a whole row",
				   "List the columns you need instead of the table's row.");
		if ((int) var->varlevelsup > depth)
			stepping_reject("an outer reference", NULL);
		return false;
	}
	if (IsA(node, SubLink))
	{
		/* its shape is checked by decompose.c; here its tables and expressions */
		SubLink    *sl = (SubLink *) node;
		Query	   *sub = (Query *) sl->subselect;
		int			inner = depth + 1;
		ListCell   *lc;

		(void) check_expr_walker(sl->testexpr, context);
		foreach(lc, sub->rtable)
		{
			RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);

			if (rte->rtekind == RTE_RELATION)
				validate_relation(rte);
		}
		(void) check_expr_walker((Node *) sub->targetList, &inner);
		(void) check_expr_walker((Node *) sub->jointree, &inner);
		return false;
	}
	if (IsA(node, WindowFunc))
		stepping_reject("window functions", "Remove the OVER clause.");
	if (IsA(node, GroupingFunc))
		stepping_reject("GROUPING()", NULL);
	if (IsA(node, Param) && ((Param *) node)->paramkind != PARAM_SUBLINK)
		stepping_reject("a query with parameters", "Write constants in the query.");
	if (IsA(node, Aggref))
	{
		/* aggregates are checked by plan_view; do not descend into args */
		Aggref	   *agg = (Aggref *) node;

		if (agg->agglevelsup > 0)
			stepping_reject("an outer aggregate", NULL);
		return expression_tree_walker(node, check_expr_walker, context);
	}
	return expression_tree_walker(node, check_expr_walker, context);
}

/* Is the table a subscription's target (pg_subscription_rel)? */
static bool
is_subscribed(Oid relid)
{
	Relation	rel = table_open(SubscriptionRelRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	bool		found;

	ScanKeyInit(&key, Anum_pg_subscription_rel_srrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	scan = systable_beginscan(rel, SubscriptionRelSrrelidSrsubidIndexId, true,
							  NULL, 1, &key);
	found = HeapTupleIsValid(systable_getnext(scan));
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return found;
}

static void
validate_relation(RangeTblEntry *rte)
{
	Relation	rel;
	char		relkind;

	if (rte->rtekind == RTE_SUBQUERY)
		stepping_reject("subqueries in FROM", "Subqueries are not supported yet.");
	if (rte->rtekind == RTE_FUNCTION)
	{
		/* immutable set-returning functions: a join with a constant input */
		if (checkExprHasSubLink((Node *) rte->functions))
			stepping_reject("a subquery in a function's arguments in FROM",
				   "Join the subquery's table, or compute the value in a subquery in FROM.");
		if (contain_changing_functions((Node *) rte->functions))
			stepping_reject("a volatile or stable function in FROM",
				   "Only IMMUTABLE functions (generate_series, unnest ...) can be maintained in FROM.");
		(void) check_expr_walker((Node *) rte->functions, NULL);
		return;
	}
	if (rte->rtekind == RTE_TABLEFUNC)
		stepping_reject("functions in FROM", "Read a table instead.");
	if (rte->rtekind == RTE_VALUES)
		stepping_reject("VALUES lists", "Read a table instead.");
	if (rte->rtekind != RTE_RELATION)
		stepping_reject("this kind of FROM item", NULL);
	if (rte->tablesample)
		stepping_reject("TABLESAMPLE", "Remove the TABLESAMPLE clause.");

	relkind = get_rel_relkind(rte->relid);
	if (relkind == RELKIND_VIEW || relkind == RELKIND_MATVIEW)
		stepping_reject("a query over a view or materialized view",
			   "Write the view over the base tables themselves.");
	if (relkind == RELKIND_FOREIGN_TABLE)
		stepping_reject("a query over a foreign table", "Changes to foreign tables cannot be captured.");
	if (relkind == RELKIND_PARTITIONED_TABLE)
		stepping_reject("a query over a partitioned table",
			   "Partitioned tables are not supported yet.");
	if (relkind != RELKIND_RELATION)
		stepping_reject("a query over this kind of relation", NULL);

	rel = table_open(rte->relid, AccessShareLock);
	if (rel->rd_rel->relispartition)
		stepping_reject("a query over a partition",
			   "Writes addressed to the partitioned parent would not be seen.");
	if (rel->rd_rel->relrowsecurity)
		stepping_reject("a query over a table with row-level security",
			   "Disable row-level security on the base table, or keep the summary by other means.");
	if (rel->rd_rel->relpersistence == RELPERSISTENCE_TEMP)
		stepping_reject("a query over a temporary table",
			   "Use a regular table.");
	if (rel->rd_rel->relpersistence == RELPERSISTENCE_UNLOGGED)
		stepping_reject("a query over an unlogged table",
			   "Crash recovery empties an unlogged table but not the view's result table; use a regular table.");
	if (RelationGetNamespace(rel) == PG_CATALOG_NAMESPACE ||
		RelationGetNamespace(rel) == get_namespace_oid("stepping", false))
		stepping_reject("a query over a system or stepping catalog table", NULL);
	if (has_subclass(rte->relid) || has_superclass(rte->relid))
		stepping_reject("a query over a table with inheritance children or parents",
			   "Inheritance is not supported: statement triggers do not see writes to other members.");
	if (is_subscribed(rte->relid))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("stepping cannot maintain a query over table \"%s\", which a subscription replicates into",
						RelationGetRelationName(rel)),
				 errdetail("The logical replication apply worker fires no statement triggers, so replicated changes would not reach the view."),
				 errhint("Create the view on the publisher, or over a table this database writes itself.")));
	table_close(rel, AccessShareLock);
}

static void
validate_from_item(Query *query, Node *n)
{
	if (IsA(n, RangeTblRef))
		validate_relation(rt_fetch(((RangeTblRef *) n)->rtindex, query->rtable));
	else if (IsA(n, JoinExpr))
	{
		JoinExpr   *j = (JoinExpr *) n;

		validate_from_item(query, j->larg);
		validate_from_item(query, j->rarg);
	}
	else
		stepping_reject("this kind of FROM item", NULL);
}

/*
 * UNION ALL, or UNION, of branches that have become internal views (see
 * create_view_from_query): every branch must already have the union's
 * column types.  INTERSECT and EXCEPT are not maintained yet.
 */
/* The internal view a UNION branch reads: SELECT its columns FROM it. */
static Oid
set_operation_leaf(Query *query, RangeTblRef *ref)
{
	RangeTblEntry *rte = rt_fetch(ref->rtindex, query->rtable);
	Query	   *sub = rte->subquery;
	SetOperationStmt *top = (SetOperationStmt *) query->setOperations;
	RangeTblEntry *inner;
	ListCell   *lc;
	int			i = 1;

	if (rte->rtekind != RTE_SUBQUERY || sub == NULL ||
		list_length(sub->rtable) != 1 || sub->jointree->quals != NULL ||
		sub->setOperations || sub->hasAggs || sub->groupClause || sub->distinctClause)
		stepping_reject("this set operation", NULL);
	inner = linitial_node(RangeTblEntry, sub->rtable);
	if (inner->rtekind != RTE_RELATION || !catalog_is_result_table(inner->relid))
		stepping_reject("this set operation", NULL);
	foreach(lc, sub->targetList)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		if (tle->resjunk || !IsA(tle->expr, Var) || ((Var *) tle->expr)->varattno != i)
			stepping_reject("this set operation", NULL);

		/*
		 * The operation reads every branch's table with its own column
		 * types: a branch of another type (made before branches were
		 * coerced) would be read as the wrong type.
		 */
		if (i > list_length(top->colTypes) ||
			exprType((Node *) tle->expr) != list_nth_oid(top->colTypes, i - 1))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("stepping cannot maintain a set operation whose branch \"%s\" has other column types than the set operation",
							get_rel_name(inner->relid)),
					 errhint("Drop the view and create it again.")));
		i++;
	}
	return inner->relid;
}

/*
 * UNION ALL, or UNION, of branches that create_view has made internal views
 * (each branch reads SELECT <its columns> FROM <internal view>).
 * INTERSECT and EXCEPT are not maintained yet.
 */
static void
validate_set_operation(Query *query, Node *node, bool all)
{
	if (IsA(node, RangeTblRef))
	{
		(void) set_operation_leaf(query, (RangeTblRef *) node);
		return;
	}
	if (IsA(node, SetOperationStmt))
	{
		SetOperationStmt *op = (SetOperationStmt *) node;

		if (op->op != SETOP_UNION)
			stepping_reject("INTERSECT or EXCEPT", "Only UNION and UNION ALL are supported yet.");
		if (op->all != all)
			stepping_reject("a mix of UNION and UNION ALL", "Use one kind of UNION in a view.");
		validate_set_operation(query, op->larg, all);
		validate_set_operation(query, op->rarg, all);
		return;
	}
	stepping_reject("this set operation", NULL);
}

static void
set_operation_inputs(Query *query, Node *node, List **inputs)
{
	if (IsA(node, RangeTblRef))
		*inputs = lappend_oid(*inputs, set_operation_leaf(query, (RangeTblRef *) node));
	else
	{
		set_operation_inputs(query, ((SetOperationStmt *) node)->larg, inputs);
		set_operation_inputs(query, ((SetOperationStmt *) node)->rarg, inputs);
	}
}

/* The distinct base tables a (validated) query reads, in range table order. */
List *
view_base_tables(Query *query)
{
	List	   *result = NIL;
	ListCell   *lc;

	if (query->setOperations)
	{
		set_operation_inputs(query, query->setOperations, &result);
		return result;
	}

	foreach(lc, query->rtable)
	{
		RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);

		if (rte->rtekind == RTE_RELATION)
			result = list_append_unique_oid(result, rte->relid);
	}
	/* the tables of subqueries in WHERE */
	foreach(lc, decompose_base_tables(query))
		result = list_append_unique_oid(result, lfirst_oid(lc));
	return result;
}

static int
count_relations(Query *query)
{
	ListCell   *lc;
	int			n = 0;

	foreach(lc, query->rtable)
		if (lfirst_node(RangeTblEntry, lc)->rtekind == RTE_RELATION)
			n++;
	return n;
}

/* A set-returning function in FROM makes the view a join. */
static bool
has_function_input(Query *query)
{
	ListCell   *lc;

	foreach(lc, query->rtable)
		if (lfirst_node(RangeTblEntry, lc)->rtekind == RTE_FUNCTION)
			return true;
	return false;
}

/*
 * The conditions of a join tree of inner joins, as one list of conjuncts;
 * false when it holds anything else.
 */
bool
inner_join_conditions(Node *node, List **quals)
{
	if (IsA(node, RangeTblRef))
		return true;
	if (IsA(node, FromExpr))
	{
		FromExpr   *f = (FromExpr *) node;
		ListCell   *lc;

		foreach(lc, f->fromlist)
			if (!inner_join_conditions(lfirst(lc), quals))
				return false;
		*quals = list_concat(*quals, make_ands_implicit((Expr *) f->quals));
		return true;
	}
	if (IsA(node, JoinExpr))
	{
		JoinExpr   *j = (JoinExpr *) node;

		if (j->jointype != JOIN_INNER ||
			!inner_join_conditions(j->larg, quals) || !inner_join_conditions(j->rarg, quals))
			return false;
		*quals = list_concat(*quals, make_ands_implicit((Expr *) j->quals));
		return true;
	}
	return false;
}

/*
 * Refuse everything stepping cannot maintain exactly, each with its own
 * message and hint.
 */
void
validate_view_query(Query *query)
{
	ListCell   *lc;
	List	   *names = NIL;

	if (query->commandType != CMD_SELECT || query->utilityStmt != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the query of a stepping view must be a SELECT")));
	if (query->cteList)
		stepping_reject("WITH queries (CTEs)", "Common table expressions are not supported yet.");
	if (query->setOperations)
	{
		validate_set_operation(query, query->setOperations,
							   ((SetOperationStmt *) query->setOperations)->all);
	}
	if (query->rowMarks || query->hasForUpdate)
		stepping_reject("FOR UPDATE or FOR SHARE", "Remove the locking clause.");
	if (query->sortClause)
		stepping_reject("ORDER BY",
			   "A view's rows have no order; remove ORDER BY and sort when you read the result table.");
	if (query->limitCount || query->limitOffset)
		stepping_reject("LIMIT or OFFSET", "Remove LIMIT/OFFSET; filter with WHERE instead.");
	if (query->hasWindowFuncs)
		stepping_reject("window functions", "Remove the OVER clause.");
	if (query->hasTargetSRFs)
		stepping_reject("set-returning functions in the select list", NULL);
	if (checkExprHasSubLink(query->havingQual))
		stepping_reject("a subquery in HAVING", NULL);
	if (query->groupingSets)
		stepping_reject("GROUPING SETS, ROLLUP or CUBE", "Use a plain GROUP BY.");
	if (query->hasDistinctOn)
		stepping_reject("DISTINCT ON", "Use SELECT DISTINCT or GROUP BY.");
	if (query->distinctClause && (query->groupClause || query->hasAggs))
		stepping_reject("DISTINCT together with GROUP BY or aggregates", "Use GROUP BY alone.");

	if (query->jointree->fromlist == NIL && !query->setOperations)
		stepping_reject("a query without a FROM table",
			   "Name the base table the view reads.");
	if (list_length(query->rtable) > 32 || count_relations(query) > 10)
		stepping_reject("a join of more than 10 tables",
			   "A statement that changes every input of a join costs one plan per subset of them; join fewer tables, or join in a view over views.");
	foreach(lc, query->rtable)
	{
		RangeTblEntry *r1 = lfirst_node(RangeTblEntry, lc);
		ListCell   *lc2;
		int			same = 0;

		if (r1->rtekind != RTE_RELATION)
			continue;
		foreach(lc2, query->rtable)
			if (lfirst_node(RangeTblEntry, lc2)->rtekind == RTE_RELATION &&
				lfirst_node(RangeTblEntry, lc2)->relid == r1->relid)
				same++;
		if (same > 4)
			stepping_reject("a table joined with itself more than four times",
				   "Each change to the table costs one plan per subset of its occurrences.");
	}
	foreach(lc, query->jointree->fromlist)
		validate_from_item(query, (Node *) lfirst(lc));
	if (view_base_tables(query) == NIL)
		stepping_reject("a query without a FROM table",
			   "Name the base table the view reads.");

	/* expressions */
	(void) check_expr_walker((Node *) query->targetList, NULL);
	(void) check_expr_walker((Node *) query->jointree, NULL);
	(void) check_expr_walker(query->havingQual, NULL);
	if (contain_changing_functions((Node *) query->targetList) ||
		contain_changing_functions((Node *) query->jointree) ||
		contain_changing_functions(query->havingQual))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("stepping cannot maintain a query that calls volatile or stable functions"),
				 errdetail("Functions such as now(), random() or current_user may return a different value each time, so the view could not be kept equal to the query."),
				 errhint("Use only IMMUTABLE functions and operators, or store the value in a column.")));

	/* outer joins and subquery predicates: refuse what cannot be decomposed */
	if (query_needs_decomposition(query))
	{
		Query	   *flat = copyObject(query);
		List	   *indicators;

		flat->jointree = (FromExpr *) flatten_join_alias_vars(flat, (Node *) flat->jointree);
		(void) decompose_query(flat, &indicators);
		if (list_length(flat->rtable) + list_length(indicators) > 32)
			stepping_reject("this many joins and subqueries together",
				   "Split the view into views over views.");
	}

	/* output names */
	foreach(lc, query->targetList)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);
		ListCell   *lc2;

		if (tle->resjunk)
			continue;
		if (tle->resname == NULL || strcmp(tle->resname, "?column?") == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("column %d of the view's query has no name", tle->resno),
					 errhint("Add an alias: expression AS name.")));
		if (strncmp(tle->resname, STEPPING_HIDDEN_PREFIX,
					strlen(STEPPING_HIDDEN_PREFIX)) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("column name \"%s\" is reserved for stepping's hidden state", tle->resname),
					 errhint("Rename the column with an alias.")));
		foreach(lc2, names)
		{
			if (strcmp((char *) lfirst(lc2), tle->resname) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("column name \"%s\" appears more than once in the view's query", tle->resname),
						 errhint("Give each output column its own alias.")));
		}
		names = lappend(names, tle->resname);
	}
	if (names == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the view's query has no output columns")));
}

/* ----------------------------------------------------------------
 * Planning: kinds, keys, aggregates
 * ----------------------------------------------------------------
 */

static bool
collect_sublinks_walker(Node *node, List **sublinks)
{
	if (node == NULL)
		return false;
	if (IsA(node, SubLink))
	{
		*sublinks = lappend(*sublinks, node);
		return false;
	}
	return expression_tree_walker(node, collect_sublinks_walker, sublinks);
}

static bool
collect_aggrefs_walker(Node *node, List **aggs)
{
	if (node == NULL)
		return false;
	if (IsA(node, Aggref))
	{
		ListCell   *lc;

		foreach(lc, *aggs)
			if (equal(lfirst(lc), node))
				return false;
		*aggs = lappend(*aggs, node);
		return false;
	}
	if (IsA(node, Query))
		return false;			/* a subquery's aggregates are its own */
	return expression_tree_walker(node, collect_aggrefs_walker, aggs);
}

/* Decide how an aggregate is maintained, or refuse it. */
static void
plan_aggregate(Aggref *agg, AggSpec *spec)
{
	char	   *name = get_func_name(agg->aggfnoid);
	Oid			nsp = get_func_namespace(agg->aggfnoid);
	Oid			argtype = InvalidOid;

	memset(spec, 0, sizeof(AggSpec));
	spec->aggfnoid = agg->aggfnoid;
	spec->resulttype = agg->aggtype;
	spec->argcol = -1;
	if (agg->args)
		argtype = exprType((Node *) linitial_node(TargetEntry, agg->args)->expr);
	spec->argtype = argtype;

	/*
	 * Aggregates with an exact incremental form are folded; every other
	 * aggregate (string_agg, bool_and, count(DISTINCT x), FILTER, ORDER BY
	 * inside the call, user-defined ...) is computed by PostgreSQL itself,
	 * over the rows of each touched group.
	 */
	if (nsp != PG_CATALOG_NAMESPACE || list_length(agg->args) > 1 ||
		agg->aggfilter || agg->aggdistinct || agg->aggorder ||
		agg->aggkind != AGGKIND_NORMAL ||
		!(strcmp(name, "min") == 0 || strcmp(name, "max") == 0 ||
		  strcmp(name, "count") == 0 ||
		  ((strcmp(name, "sum") == 0 || strcmp(name, "avg") == 0) &&
		   (argtype == INT2OID || argtype == INT4OID || argtype == INT8OID ||
			argtype == NUMERICOID || argtype == FLOAT4OID || argtype == FLOAT8OID))))
	{
		spec->kind = AGG_GENERIC;
		spec->statetype = agg->aggtype;
		spec->resultcoll = agg->aggcollid;
		spec->aggref = agg;
		spec->display = "aggregate";
		return;
	}

	if (strcmp(name, "min") == 0 || strcmp(name, "max") == 0)
	{
		HeapTuple	tup = SearchSysCache1(AGGFNOID, ObjectIdGetDatum(agg->aggfnoid));

		if (!HeapTupleIsValid(tup))
			elog(ERROR, "cache lookup failed for aggregate %u", agg->aggfnoid);
		spec->sortop = ((Form_pg_aggregate) GETSTRUCT(tup))->aggsortop;
		ReleaseSysCache(tup);
		/* an array or composite type compares only if its parts do */
		if (!OidIsValid(spec->sortop) ||
			!OidIsValid(lookup_type_cache(argtype, TYPECACHE_CMP_PROC)->cmp_proc))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("stepping cannot maintain %s over type %s", name,
							format_type_be(argtype)),
					 errdetail("Type %s has no btree comparison (for a composite or array type: some field or element type has none).",
							   format_type_be(argtype))));
		spec->kind = (name[1] == 'i') ? AGG_MIN : AGG_MAX;
		spec->statetype = agg->aggtype;
		spec->inputcollid = agg->inputcollid;
		spec->resultcoll = agg->aggcollid;
		spec->display = name[1] == 'i' ? "min" : "max";
		return;
	}
	if (strcmp(name, "count") == 0)
	{
		spec->kind = agg->aggstar ? AGG_COUNT_STAR : AGG_COUNT;
		spec->statetype = INT8OID;
		spec->display = agg->aggstar ? "count(*)" : "count";
		return;
	}
	if (strcmp(name, "sum") == 0 || strcmp(name, "avg") == 0)
	{
		bool		is_sum = (name[0] == 's');

		spec->kind = is_sum ? AGG_SUM : AGG_AVG;
		switch (argtype)
		{
			case INT2OID:
			case INT4OID:
				spec->sumkind = is_sum ? SUM_INT8 : SUM_NUMERIC_FROM_INT;
				break;
			case INT8OID:
				spec->sumkind = SUM_NUMERIC_FROM_INT;
				break;
			case NUMERICOID:
				spec->sumkind = SUM_NUMERIC;
				break;
			case FLOAT4OID:
				spec->sumkind = is_sum ? SUM_FLOAT4 : SUM_FLOAT8;
				break;
			case FLOAT8OID:
				spec->sumkind = SUM_FLOAT8;
				break;
			default:
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("stepping cannot maintain %s over type %s",
								name, format_type_be(argtype)),
						 errhint("sum and avg are supported over smallint, integer, bigint, numeric, real and double precision.")));
		}
		switch (spec->sumkind)
		{
			case SUM_INT8:
				spec->statetype = INT8OID;
				break;
			case SUM_NUMERIC_FROM_INT:
			case SUM_NUMERIC:
				spec->statetype = NUMERICOID;
				break;
			case SUM_FLOAT4:
				spec->statetype = FLOAT4OID;
				break;
			default:
				spec->statetype = FLOAT8OID;
				break;
		}
		spec->display = is_sum ? "sum" : "avg";
		return;
	}
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("stepping cannot maintain the aggregate %s", format_procedure(agg->aggfnoid)),
			 errhint("Supported aggregates: count(*), count(x), sum(x), avg(x), min(x), max(x).")));
}

/*
 * A group or DISTINCT key lives in the result table's unique btree index
 * (default operator class) and is folded in memory by the type's hash and
 * equality.  The operator class alone is not enough: a composite or array
 * type always has one (record_ops, array_ops), but comparing two values
 * fails when a field or element type has no btree comparison (xid, or a
 * composite holding one), and it fails only once two keys meet in the index,
 * i.e. on some later write.  The type cache knows whether the comparison
 * works for every field and element (domains included).
 */
static void
plan_group_key(ViewPlan *p, Query *query, int i, Expr *expr,
			   SortGroupClause *sgc, TargetEntry *tle)
{
	Oid			type = exprType((Node *) expr);
	TypeCacheEntry *tce;
	char	   *name;
	ListCell   *lc;
	int			v = 0;

	Node	   *bare = strip_relabel((Node *) expr);

	if (tle && !tle->resjunk && tle->resname)
		name = psprintf("column \"%s\"", tle->resname);
	else if (IsA(bare, Var) && ((Var *) bare)->varlevelsup == 0 &&
			 ((Var *) bare)->varattno > 0)
		name = psprintf("column \"%s\"",
						get_rte_attribute_name(rt_fetch(((Var *) bare)->varno, query->rtable),
											   ((Var *) bare)->varattno));
	else
		name = psprintf("GROUP BY expression %d", i + 1);
	if (!sgc->hashable || !OidIsValid(sgc->eqop))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("stepping cannot group by %s of type %s", name,
						format_type_be(type)),
				 errdetail("Group and DISTINCT keys are folded with the type's hash and equality functions, and type %s has no hashable equality.",
						   format_type_be(type)),
				 errhint("Group by a column or expression of another type, for example a cast to text.")));
	tce = lookup_type_cache(type, TYPECACHE_CMP_PROC);
	if (!OidIsValid(GetDefaultOpClass(type, BTREE_AM_OID)) ||
		!OidIsValid(tce->cmp_proc))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("stepping cannot group by %s of type %s", name,
						format_type_be(type)),
				 errdetail("Group and DISTINCT keys are stored in a unique btree index, and type %s has no btree comparison (for a composite or array type: some field or element type has none).",
						   format_type_be(type)),
				 errhint("Group by a column or expression of another type, for example a cast to text.")));
	p->groupeqops[i] = sgc->eqop;
	p->groupcolls[i] = exprCollation((Node *) expr);
	p->group_vis[i] = -1;
	foreach(lc, p->visible)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		if (equal(tle->expr, expr))
		{
			p->group_vis[i] = v;
			break;
		}
		v++;
	}
}

static ViewPlan *
plan_view(Query *query)
{
	ViewPlan   *p = palloc0(sizeof(ViewPlan));
	ListCell   *lc;
	ListCell   *lc2;
	List	   *sgcs;
	int			i;

	p->baseid = linitial_oid(view_base_tables(query));
	p->setop = (query->setOperations != NULL);
	p->join = !p->setop && (count_relations(query) > 1 ||
							has_function_input(query) ||
							query_needs_decomposition(query));
	if (!p->setop && list_length(query->rtable) > count_relations(query))
		query->targetList = (List *) flatten_join_alias_vars(query, (Node *) query->targetList);
	foreach(lc, query->targetList)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		if (!tle->resjunk)
			p->visible = lappend(p->visible, tle);
	}
	p->nvisible = list_length(p->visible);

	if (p->setop)
	{
		SetOperationStmt *top = (SetOperationStmt *) query->setOperations;

		/* UNION ALL is a bag of its branches; UNION, DISTINCT over them */
		if (top->all)
		{
			p->kind = VIEW_BAG;
			return p;
		}
		p->kind = VIEW_GROUPED;
		p->groupeqops = palloc0(sizeof(Oid) * p->nvisible);
		p->groupcolls = palloc0(sizeof(Oid) * p->nvisible);
		p->group_vis = palloc0(sizeof(int) * p->nvisible);
		i = 0;
		forboth(lc, p->visible, lc2, top->groupClauses)
		{
			TargetEntry *tle = lfirst_node(TargetEntry, lc);

			p->groupexprs = lappend(p->groupexprs, tle->expr);
			plan_group_key(p, query, i, tle->expr, lfirst_node(SortGroupClause, lc2), tle);
			i++;
		}
		p->aggs = palloc0(sizeof(AggSpec));
		return p;
	}

	if (!query->hasAggs && !query->groupClause && !query->distinctClause)
	{
		Relation	rel = table_open(p->baseid, AccessShareLock);
		Oid			pk = RelationGetPrimaryKeyIndex(rel);

		p->kind = VIEW_BAG;
		if (p->join)
			p->bagkey = join_row_key(query, p->visible);
		else if (OidIsValid(pk))
		{
			Relation	idx = index_open(pk, AccessShareLock);
			int			k;

			for (k = 0; k < idx->rd_index->indnkeyatts; k++)
			{
				AttrNumber	att = idx->rd_index->indkey.values[k];
				int			v = 0,
							found = -1;

				foreach(lc, p->visible)
				{
					TargetEntry *tle = lfirst_node(TargetEntry, lc);

					if (IsA(tle->expr, Var) &&
						((Var *) tle->expr)->varattno == att)
					{
						found = v;
						break;
					}
					v++;
				}
				if (found < 0)
				{
					list_free(p->bagkey);
					p->bagkey = NIL;
					break;
				}
				p->bagkey = lappend_int(p->bagkey, found);
			}
			index_close(idx, AccessShareLock);
		}
		table_close(rel, AccessShareLock);
		return p;
	}

	p->kind = VIEW_GROUPED;
	sgcs = query->distinctClause ? query->distinctClause : query->groupClause;
	p->global = (sgcs == NIL);
	p->groupeqops = palloc0(sizeof(Oid) * Max(list_length(sgcs), 1));
	p->groupcolls = palloc0(sizeof(Oid) * Max(list_length(sgcs), 1));
	p->group_vis = palloc0(sizeof(int) * Max(list_length(sgcs), 1));
	i = 0;
	foreach(lc, sgcs)
	{
		SortGroupClause *sgc = lfirst_node(SortGroupClause, lc);
		TargetEntry *tle = get_sortgroupclause_tle(sgc, query->targetList);

		p->groupexprs = lappend(p->groupexprs, tle->expr);
		plan_group_key(p, query, i, tle->expr, sgc, tle);
		i++;
	}

	foreach(lc, p->visible)
		(void) collect_aggrefs_walker((Node *) lfirst_node(TargetEntry, lc)->expr,
									  &p->aggrefs);
	(void) collect_aggrefs_walker(query->havingQual, &p->aggrefs);
	p->having = query->havingQual;
	p->aggs = palloc0(sizeof(AggSpec) * Max(list_length(p->aggrefs), 1));
	i = 0;
	foreach(lc, p->aggrefs)
	{
		plan_aggregate(lfirst_node(Aggref, lc), &p->aggs[i]);
		i++;
	}
	return p;
}

/* ----------------------------------------------------------------
 * The result table's shape
 * ----------------------------------------------------------------
 */

static char *
column_type_sql(Oid type, int32 typmod, Oid collation)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoString(&buf, format_type_with_typemod(type, typmod));
	if (OidIsValid(collation) && collation != get_typcollation(type))
		appendStringInfo(&buf, " COLLATE %s", generate_collation_name(collation));
	return buf.data;
}

static void
add_column(ResultShape *s, const char *name, const char *type)
{
	s->colnames = lappend(s->colnames, pstrdup(name));
	s->coltypes = lappend(s->coltypes, pstrdup(type));
}

/* Names of a grouped view's hidden columns, in the order they are added. */
static void
hidden_grouped_columns(ViewPlan *p, ResultShape *s, bool keys_too)
{
	int			i;
	ListCell   *lc;

	add_column(s, "__stepping_count", "bigint");
	i = 0;
	foreach(lc, p->groupexprs)
	{
		Node	   *expr = (Node *) lfirst(lc);

		if (p->group_vis[i] < 0)
		{
			char		name[NAMEDATALEN];

			snprintf(name, sizeof(name), "__stepping_key_%d", i + 1);
			add_column(s, name,
					   column_type_sql(exprType(expr), exprTypmod(expr),
									   exprCollation(expr)));
		}
		i++;
	}
	for (i = 0; i < list_length(p->aggrefs); i++)
	{
		AggSpec    *a = &p->aggs[i];
		char		name[NAMEDATALEN];

		snprintf(name, sizeof(name), "__stepping_agg_%d", i + 1);
		add_column(s, name, column_type_sql(a->statetype, -1, a->resultcoll));
		if (a->kind != AGG_COUNT && a->kind != AGG_COUNT_STAR && a->kind != AGG_GENERIC)
		{
			snprintf(name, sizeof(name), "__stepping_nn_%d", i + 1);
			add_column(s, name, "bigint");
		}
		if (a->sumkind == SUM_NUMERIC)
		{
			snprintf(name, sizeof(name), "__stepping_msc_%d", i + 1);
			add_column(s, name, "bigint");
		}
	}
}

ResultShape *
shape_result_table(Query *query)
{
	ViewPlan   *p = plan_view(query);
	ResultShape *s = palloc0(sizeof(ResultShape));
	ListCell   *lc;
	int			i;

	s->kind = p->kind;
	s->global = p->global;
	s->nvisible = p->nvisible;
	foreach(lc, p->visible)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		add_column(s, tle->resname,
				   column_type_sql(exprType((Node *) tle->expr),
								   exprTypmod((Node *) tle->expr),
								   exprCollation((Node *) tle->expr)));
	}

	if (p->kind == VIEW_BAG)
	{
		if (p->bagkey)
		{
			foreach(lc, p->bagkey)
				s->keycolnames = lappend(s->keycolnames,
										 list_nth_node(TargetEntry, p->visible, lfirst_int(lc))->resname);
			/*
			 * An access path only: rows are matched whole, so the view stays
			 * exact if the base table's key is dropped later (bagkey.c).
			 */
			s->key_unique = false;
		}
		else
		{
			add_column(s, "__stepping_hash", "integer");
			s->keycolnames = list_make1("__stepping_hash");
			s->hashed = true;
		}
		return s;
	}

	hidden_grouped_columns(p, s, true);
	for (i = 0; i < list_length(p->groupexprs); i++)
	{
		if (p->group_vis[i] >= 0)
			s->keycolnames = lappend(s->keycolnames,
									 list_nth_node(TargetEntry, p->visible, p->group_vis[i])->resname);
		else
		{
			char		name[NAMEDATALEN];

			snprintf(name, sizeof(name), "__stepping_key_%d", i + 1);
			s->keycolnames = lappend(s->keycolnames, pstrdup(name));
		}
	}
	s->key_unique = (s->keycolnames != NIL);
	return s;
}

/* ----------------------------------------------------------------
 * Compiling a circuit
 * ----------------------------------------------------------------
 */

typedef struct FinalsContext
{
	List	   *groupexprs;
	List	   *aggrefs;
} FinalsContext;

/*
 * Rewrite an output expression over the group: group expressions become
 * INNER_VAR references to the key, aggregates OUTER_VAR references to their
 * final values.
 */
static Node *
finals_mutator(Node *node, FinalsContext *ctx)
{
	ListCell   *lc;
	int			i;

	if (node == NULL)
		return NULL;
	i = 0;
	foreach(lc, ctx->groupexprs)
	{
		Node	   *g = (Node *) lfirst(lc);

		i++;
		if (equal(node, g))
			return (Node *) makeVar(INNER_VAR, i, exprType(g), exprTypmod(g),
									exprCollation(g), 0);
	}
	if (IsA(node, Aggref))
	{
		i = 0;
		foreach(lc, ctx->aggrefs)
		{
			Aggref	   *a = lfirst_node(Aggref, lc);

			i++;
			if (equal(node, a))
				return (Node *) makeVar(OUTER_VAR, i, a->aggtype, -1,
										a->aggcollid, 0);
		}
		elog(ERROR, "aggregate not found in the view's plan");
	}
	if (IsA(node, Var))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("stepping cannot maintain a column that is neither grouped nor aggregated"),
				 errhint("Add the column to GROUP BY.")));
	if (IsA(node, SubLink))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("stepping cannot maintain a subquery over the groups of a view"),
				 errhint("Use the subquery inside an aggregate or as a GROUP BY expression, or in a view over this view.")));
	return expression_tree_mutator(node, finals_mutator, ctx);
}

static char *
deparse_over_base(Node *expr, Oid baseid)
{
	int			nestlevel = stepping_pin_settings();
	char	   *s = deparse_expression(expr,
									   deparse_context_for(get_rel_name(baseid), baseid),
									   false, false);

	stepping_unpin_settings(nestlevel);
	return s;
}

static bool
has_hash_column(TupleDesc desc)
{
	int			i;

	for (i = 0; i < desc->natts; i++)
		if (!TupleDescAttr(desc, i)->attisdropped &&
			strcmp(NameStr(TupleDescAttr(desc, i)->attname), "__stepping_hash") == 0)
			return true;
	return false;
}

static AttrNumber
result_attnum(TupleDesc desc, const char *name)
{
	int			i;

	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
			return att->attnum;
	}
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("result table column \"%s\" is missing", name),
			 errhint("Drop the view with stepping.drop_view() and create it again.")));
	return InvalidAttrNumber;	/* keep compiler quiet */
}

/*
 * The index whose key columns are exactly keycols, in order, or InvalidOid.
 * Only valid, live btree indexes qualify (an index left invalid by a failed
 * CREATE INDEX CONCURRENTLY misses rows); among them a unique NULLS NOT
 * DISTINCT one, as create_view makes for groups, is preferred over a user's
 * index on the same columns, whatever their OID order after a restore or a
 * REINDEX CONCURRENTLY.
 */
static Oid
lookup_key_index(Relation rel, int nkeycols, AttrNumber *keycols)
{
	List	   *indexes = RelationGetIndexList(rel);
	ListCell   *lc;
	Oid			best = InvalidOid;
	int			bestscore = -1;

	foreach(lc, indexes)
	{
		Oid			indexoid = lfirst_oid(lc);
		Relation	idx = index_open(indexoid, AccessShareLock);
		Form_pg_index ix = idx->rd_index;
		bool		match = (ix->indnkeyatts == nkeycols &&
							 ix->indisvalid && ix->indisready && ix->indislive &&
							 idx->rd_rel->relam == BTREE_AM_OID &&
							 idx->rd_indexprs == NIL && idx->rd_indpred == NIL);
		int			score;
		int			k;

		for (k = 0; match && k < nkeycols; k++)
			if (ix->indkey.values[k] != keycols[k])
				match = false;
		score = (ix->indisunique ? 1 : 0) + (ix->indnullsnotdistinct ? 2 : 0);
		index_close(idx, AccessShareLock);
		if (match && score > bestscore)
		{
			best = indexoid;
			bestscore = score;
		}
	}
	return best;
}

static void
missing_key_index(Relation rel)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("the key index of result table \"%s\" is missing",
					RelationGetRelationName(rel)),
			 errhint("Call stepping.refresh_view() after recreating it, or drop and create the view again.")));
}

/* Find the index whose key columns are exactly keycols, in order. */
static Oid
find_key_index(Relation rel, int nkeycols, AttrNumber *keycols)
{
	Oid			indexoid = lookup_key_index(rel, nkeycols, keycols);

	if (!OidIsValid(indexoid))
		missing_key_index(rel);
	return indexoid;
}

/*
 * A keyed bag whose key index is gone or no longer derivable (a base
 * table's unique index was dropped after the view was made): any plain
 * btree index over visible columns still finds rows, since they are matched
 * by their whole image.
 */
static Oid
any_visible_index(Relation rel, int nvisible, int *nkeycols, AttrNumber **keycols)
{
	List	   *indexes = RelationGetIndexList(rel);
	ListCell   *lc;

	foreach(lc, indexes)
	{
		Oid			indexoid = lfirst_oid(lc);
		Relation	idx = index_open(indexoid, AccessShareLock);
		bool		usable = (idx->rd_rel->relam == BTREE_AM_OID &&
							  idx->rd_indexprs == NIL && idx->rd_indpred == NIL);
		int			k;

		for (k = 0; usable && k < idx->rd_index->indnkeyatts; k++)
			if (idx->rd_index->indkey.values[k] > nvisible)
				usable = false;
		if (usable)
		{
			*nkeycols = idx->rd_index->indnkeyatts;
			*keycols = palloc(sizeof(AttrNumber) * *nkeycols);
			for (k = 0; k < *nkeycols; k++)
				(*keycols)[k] = idx->rd_index->indkey.values[k];
		}
		index_close(idx, AccessShareLock);
		if (usable)
			return indexoid;
	}
	missing_key_index(rel);
	return InvalidOid;			/* keep compiler quiet */
}

static ExprState *
init_expr(Expr *expr)
{
	return ExecInitExpr(expression_planner(expr), NULL);
}

static void
explain_line(Circuit *c, const char *fmt,...) pg_attribute_printf(2, 3);

/* One line of explain_view's output. */
static void
explain_line(Circuit *c, const char *fmt,...)
{
	StringInfoData buf;
	va_list		args;

	initStringInfo(&buf);
	for (;;)
	{
		int			needed;

		va_start(args, fmt);
		needed = appendStringInfoVA(&buf, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&buf, needed);
	}
	c->explain = lappend(c->explain, buf.data);
}

/*
 * Whether values equal under the type's equality always have the same
 * binary image (so a group key has one spelling).  Not for numeric (1.0 =
 * 1.00), float (-0 = 0), interval, nondeterministic collations, and any type
 * we do not know.
 */
static bool
equality_is_identity(Oid type, Oid collation)
{
	type = getBaseType(type);
	switch (type)
	{
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case OIDOID:
		case BOOLOID:
		case CHAROID:
		case DATEOID:
		case TIMEOID:
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
		case UUIDOID:
		case BYTEAOID:
			return true;
		case TEXTOID:
		case VARCHAROID:
		case NAMEOID:
			return !OidIsValid(collation) || get_collation_isdeterministic(collation);
		default:
			return type_is_enum(type);
	}
}

static void
compile_grouped(Circuit *c, ViewPlan *p, Relation result)
{
	TupleDesc	rdesc = RelationGetDescr(result);
	FinalsContext fctx;
	ListCell   *lc;
	int			i,
				col;
	int			nargs = 0;
	StringInfoData keys;
	List	   *genvars = NIL;

	c->ngroup = list_length(p->groupexprs);
	c->naggs = list_length(p->aggrefs);
	c->aggs = p->aggs;
	for (i = 0; i < c->naggs; i++)
	{
		if (p->aggs[i].kind == AGG_GENERIC)
		{
			/*
			 * A generic aggregate's group must be touched whenever a column
			 * it reads changes: those columns ride along in the circuit row.
			 */
			List	   *vars = pull_var_clause((Node *) list_nth(p->aggrefs, i),
										   PVC_RECURSE_AGGREGATES);

			List	   *sublinks = NIL;

			foreach(lc, vars)
				if (!list_member(genvars, lfirst(lc)))
					genvars = lappend(genvars, lfirst(lc));
			/* so does the value of every scalar subquery it reads */
			(void) collect_sublinks_walker((Node *) list_nth(p->aggrefs, i), &sublinks);
			foreach(lc, sublinks)
				if (!list_member(genvars, lfirst(lc)))
					genvars = lappend(genvars, lfirst(lc));
		}
		else if (p->aggs[i].kind != AGG_COUNT_STAR)
			nargs++;
	}
	c->nrowcols = c->ngroup + nargs + list_length(genvars);
	c->rowexprs = palloc0(sizeof(ExprState *) * Max(c->nrowcols, 1));
	c->rowtypes = palloc0(sizeof(Oid) * Max(c->nrowcols, 1));
	c->groupeqops = p->groupeqops;
	c->groupcolls = p->groupcolls;
	c->group_sql = palloc0(sizeof(char *) * Max(c->ngroup, 1));

	initStringInfo(&keys);
	col = 0;
	foreach(lc, p->groupexprs)
	{
		Expr	   *e = (Expr *) lfirst(lc);

		c->rowexprs[col] = c->join ? NULL : init_expr(e);
		c->rowtypes[col] = exprType((Node *) e);
		c->group_sql[col] = (c->join || p->setop) ? psprintf("key %d", col + 1)
			: deparse_over_base((Node *) e, c->baseid);
		c->rownodes = lappend(c->rownodes, e);
		appendStringInfo(&keys, "%s%s", col ? ", " : "", c->group_sql[col]);
		col++;
	}
	i = 0;
	foreach(lc, p->aggrefs)
	{
		Aggref	   *agg = lfirst_node(Aggref, lc);
		AggSpec    *a = &c->aggs[i];
		char		name[NAMEDATALEN];

		if (a->kind != AGG_COUNT_STAR && a->kind != AGG_GENERIC)
		{
			Expr	   *arg = linitial_node(TargetEntry, agg->args)->expr;

			a->argcol = col;
			c->rowexprs[col] = c->join ? NULL : init_expr(arg);
			c->rowtypes[col] = exprType((Node *) arg);
			a->display = c->join ? psprintf("%s(input %d)", a->display, col + 1)
				: psprintf("%s(%s)", a->display,
						   deparse_over_base((Node *) arg, c->baseid));
			c->rownodes = lappend(c->rownodes, arg);
			col++;
		}
		snprintf(name, sizeof(name), "__stepping_agg_%d", i + 1);
		a->col_value = result_attnum(rdesc, name);
		get_typlenbyval(a->statetype, &a->typlen, &a->typbyval);
		if (OidIsValid(a->sortop))
			fmgr_info_cxt(get_opcode(a->sortop), &a->sortfn, c->cxt);
		if (a->kind == AGG_GENERIC)
		{
			c->ngeneric++;
			a->sql = c->join ? NULL : deparse_over_base((Node *) agg, c->baseid);
			a->display = c->join ? psprintf("%s(...)", get_func_name(agg->aggfnoid))
				: a->sql;
		}
		if (a->kind != AGG_COUNT && a->kind != AGG_COUNT_STAR && a->kind != AGG_GENERIC)
		{
			snprintf(name, sizeof(name), "__stepping_nn_%d", i + 1);
			a->col_nn = result_attnum(rdesc, name);
		}
		if (a->sumkind == SUM_NUMERIC)
		{
			snprintf(name, sizeof(name), "__stepping_msc_%d", i + 1);
			a->col_msc = result_attnum(rdesc, name);
		}
		if (a->sumkind == SUM_NUMERIC || a->sumkind == SUM_FLOAT4 ||
			a->sumkind == SUM_FLOAT8)
			c->needs_recompute_plan = true;
		i++;
	}
	foreach(lc, genvars)
	{
		Expr	   *v = (Expr *) lfirst(lc);

		c->rowexprs[col] = c->join ? NULL : init_expr(v);
		c->rowtypes[col] = exprType((Node *) v);
		c->rownodes = lappend(c->rownodes, v);
		col++;
	}
	Assert(col == c->nrowcols);
	c->col_count = result_attnum(rdesc, "__stepping_count");
	for (i = 0; i < c->ngroup && !p->setop; i++)
		if (!equality_is_identity(c->rowtypes[i], c->groupcolls[i]))
			c->key_spelling_varies = true;

	/* the key columns of the result table */
	c->nkeycols = c->ngroup;
	c->keycols = palloc0(sizeof(AttrNumber) * Max(c->ngroup, 1));
	for (i = 0; i < c->ngroup; i++)
	{
		if (p->group_vis[i] >= 0)
			c->keycols[i] = p->group_vis[i] + 1;
		else
		{
			char		name[NAMEDATALEN];

			snprintf(name, sizeof(name), "__stepping_key_%d", i + 1);
			c->keycols[i] = result_attnum(rdesc, name);
		}
	}
	if (!c->global)
		c->keyindex = find_key_index(result, c->nkeycols, c->keycols);

	/* output expressions over the group */
	fctx.groupexprs = p->groupexprs;
	fctx.aggrefs = p->aggrefs;
	c->finals = palloc0(sizeof(ExprState *) * c->nvisible);
	i = 0;
	foreach(lc, p->visible)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);
		Node	   *f = finals_mutator((Node *) copyObject(tle->expr), &fctx);

		c->finals[i++] = init_expr((Expr *) f);
	}
	if (p->having)
	{
		Node	   *h = finals_mutator(copyObject(p->having), &fctx);

		c->having = ExecInitQual(make_ands_implicit((Expr *) expression_planner((Expr *) h)), NULL);
	}

	if (c->global)
		explain_line(c, "aggregate: global (one row, always present); state in result table %s", c->viewname);
	else if (p->aggrefs == NIL)
		explain_line(c, "distinct: by (%s); multiplicity in %s.__stepping_count; rows found through unique index %s",
					 keys.data, c->viewname, get_rel_name(c->keyindex));
	else
		explain_line(c, "aggregate: group by (%s); state in result table %s; groups found through unique index %s",
					 keys.data, c->viewname, get_rel_name(c->keyindex));
	for (i = 0; i < c->naggs; i++)
	{
		AggSpec    *a = &c->aggs[i];
		const char *how;

		switch (a->sumkind)
		{
			case SUM_NUMERIC:
				how = "incremental; recomputes a group when a delete removes its last value at the largest display scale";
				break;
			case SUM_FLOAT4:
			case SUM_FLOAT8:
				how = "incremental on insert; recomputes a group from the base table on delete";
				break;
			default:
				how = (a->kind == AGG_MIN || a->kind == AGG_MAX)
					? "incremental on insert; recomputes a group when its extreme value is deleted"
					: a->kind == AGG_GENERIC
					? "computed by PostgreSQL over the rows of each touched group"
					: "incremental";
				break;
		}
		explain_line(c, "  %s -> %s (%s)", a->display,
					 NameStr(TupleDescAttr(rdesc, a->col_value - 1)->attname), how);
	}
	if (c->having)
		explain_line(c, "having: groups failing it are left out of the result table; a touched group not in it is recomputed from the base tables");
}

static void
compile_bag(Circuit *c, ViewPlan *p, Relation result)
{
	ListCell   *lc;
	int			i;

	c->nrowcols = p->nvisible;
	c->rowexprs = palloc0(sizeof(ExprState *) * c->nrowcols);
	c->rowtypes = palloc0(sizeof(Oid) * c->nrowcols);
	i = 0;
	foreach(lc, p->visible)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		c->rowexprs[i] = c->join ? NULL : init_expr(tle->expr);
		c->rowtypes[i] = exprType((Node *) tle->expr);
		c->rownodes = lappend(c->rownodes, tle->expr);
		i++;
	}
	if (!has_hash_column(RelationGetDescr(result)))
	{
		c->nkeycols = list_length(p->bagkey);
		c->keycols = palloc(sizeof(AttrNumber) * Max(c->nkeycols, 1));
		i = 0;
		foreach(lc, p->bagkey)
			c->keycols[i++] = lfirst_int(lc) + 1;
		c->keyindex = p->bagkey ? lookup_key_index(result, c->nkeycols, c->keycols) : InvalidOid;
		if (!OidIsValid(c->keyindex))
		{
			c->keyindex = any_visible_index(result, c->nvisible, &c->nkeycols, &c->keycols);
			explain_line(c, "bag: rows kept with duplicates; found through index %s on visible columns (the key it was made for no longer holds), then compared whole",
						 get_rel_name(c->keyindex));
		}
		else if (p->join)
			explain_line(c, "bag: rows kept with duplicates; found through index %s on columns that identify a joined row, then compared whole",
						 get_rel_name(c->keyindex));
		else
			explain_line(c, "bag: rows kept with duplicates; found through index %s (the base table's primary key), then compared whole",
						 get_rel_name(c->keyindex));
	}
	else
	{
		c->col_hash = result_attnum(RelationGetDescr(result), "__stepping_hash");
		c->nkeycols = 1;
		c->keycols = palloc(sizeof(AttrNumber));
		c->keycols[0] = c->col_hash;
		c->keyindex = find_key_index(result, 1, c->keycols);
		explain_line(c, "bag: rows kept with duplicates; deletes find rows through the row hash index %s, then compare whole rows",
					 get_rel_name(c->keyindex));
	}
}

/*
 * The result table must still have the columns the query produces, with the
 * same types: a base column's type changed behind our back (a restore
 * without our dependencies, say) must stop maintenance with an error, never
 * let state of one type be read as another.
 */
static void
check_result_shape(Query *query, Relation result)
{
	ResultShape *shape = shape_result_table(copyObject(query));
	TupleDesc	desc = RelationGetDescr(result);
	ListCell   *ln,
			   *lt;
	int			i = 0;
	bool		bag = (shape->kind == VIEW_BAG);

	/*
	 * A bag is found through its row hash or through a key; which one was
	 * chosen when the view was made may differ from what its tables offer
	 * now, and compile_bag follows the table.
	 */
	if (bag && shape->hashed)
	{
		shape->colnames = list_truncate(shape->colnames, shape->nvisible);
		shape->coltypes = list_truncate(shape->coltypes, shape->nvisible);
	}
#define SKIPPED(att) ((att)->attisdropped || \
		(bag && strcmp(NameStr((att)->attname), "__stepping_hash") == 0))

	forboth(ln, shape->colnames, lt, shape->coltypes)
	{
		Form_pg_attribute att;

		while (i < desc->natts && SKIPPED(TupleDescAttr(desc, i)))
			i++;
		if (i >= desc->natts)
			break;
		att = TupleDescAttr(desc, i);
		if (strcmp(NameStr(att->attname), (char *) lfirst(ln)) != 0 ||
			strcmp(column_type_sql(att->atttypid, att->atttypmod, att->attcollation),
				   (char *) lfirst(lt)) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("stepping view \"%s\" no longer matches its query",
							RelationGetRelationName(result)),
					 errdetail("Result column \"%s\" is %s; the query now gives \"%s\" %s.",
							   NameStr(att->attname),
							   column_type_sql(att->atttypid, att->atttypmod, att->attcollation),
							   (char *) lfirst(ln), (char *) lfirst(lt)),
					 errhint("A table the view reads changed; drop the view with stepping.drop_view() and create it again.")));
		i++;
	}
	if (i != desc->natts || list_length(shape->colnames) != i)
	{
		int			live = 0,
					k;

		for (k = 0; k < desc->natts; k++)
			if (!SKIPPED(TupleDescAttr(desc, k)))
				live++;
#undef SKIPPED
		if (live != list_length(shape->colnames))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("stepping view \"%s\" no longer matches its query",
							RelationGetRelationName(result)),
					 errhint("Drop the view with stepping.drop_view() and create it again.")));
	}
}

/*
 * Outer joins and subquery predicates: the view as a signed sum of inner
 * joins with semijoin factors (decompose.c), each factor's delta computed
 * per step (semijoin.c).
 */
static void
compile_components(Circuit *c, Query *query)
{
	Query	   *flat = copyObject(query);
	ListCell   *lc;

	flat->jointree = (FromExpr *) flatten_join_alias_vars(flat, (Node *) flat->jointree);
	c->decomposed = true;
	c->components = decompose_query(flat, &c->indicators);
	decompose_set_rownodes(c->components, c->rownodes);

	/* scalar subqueries joined their tables to the range table */
	if (list_length(flat->rtable) > c->nrtes)
	{
		int			n = list_length(flat->rtable);
		int			rt;

		c->rte_relid = repalloc(c->rte_relid, sizeof(Oid) * n);
		c->input_natts = repalloc(c->input_natts, sizeof(int) * n);
		for (rt = c->nrtes + 1; rt <= n; rt++)
		{
			RangeTblEntry *rte = rt_fetch(rt, flat->rtable);
			Relation	rel = table_open(rte->relid, AccessShareLock);

			c->rte_relid[rt - 1] = rte->relid;
			c->input_natts[rt - 1] = RelationGetDescr(rel)->natts;
			table_close(rel, NoLock);
			c->joinquery->rtable = lappend(c->joinquery->rtable, copyObject(rte));
			explain_line(c, "input %d: %s (a scalar subquery's lookup: a row or NULL)",
						 rt, qualified_relname(rte->relid));
		}
		c->nrtes = n;
	}
	foreach(lc, c->indicators)
	{
		Indicator  *ind = (Indicator *) lfirst(lc);

		ind->bit = c->nrtes + ind->id - 1;
		if (ind->bit >= 32)
			elog(ERROR, "stepping: too many semijoin factors");
		semijoin_prepare(c, ind);
		explain_line(c, "semijoin factor %d: distinct keys of %s%s%s (delta: keys that appeared or disappeared, one bounded probe per touched key)",
					 ind->id, qualified_relname(ind->relid),
					 ind->nkeys ? "" : " (no key: any row)",
					 ind->filter ? " under a filter" : "");
	}
	foreach(lc, c->components)
	{
		Component  *comp = (Component *) lfirst(lc);
		StringInfoData buf;
		ListCell   *lc2;
		int			rt;

		initStringInfo(&buf);
		appendStringInfo(&buf, "component %d: %s1 x join of inputs", comp->index + 1,
						 comp->coef < 0 ? "-" : "+");
		for (rt = 0; rt < c->nrtes; rt++)
			if (comp->used & (((uint32) 1) << rt))
				appendStringInfo(&buf, " %d", rt + 1);
		for (rt = 0; rt < c->nrtes; rt++)
			if (bms_is_member(rt + 1, comp->nulled))
				appendStringInfo(&buf, ", input %d NULL", rt + 1);
		foreach(lc2, comp->uses)
			appendStringInfo(&buf, ", semijoin factor %d", ((IndicatorUse *) lfirst(lc2))->ind->id);
		explain_line(c, "%s", buf.data);
	}
}

/*
 * Compile the stored definition of a view into a circuit, in a memory context
 * of its own under parent.
 */
Circuit *
compile_view(Oid viewid, const char *query_sql, MemoryContext parent)
{
	MemoryContext cxt,
				old;
	Circuit    *c;
	Query	   *query;
	ViewPlan   *p;
	Relation	result,
				base;
	int			i;
	int			opline;
	int			probeline = 0;

	cxt = AllocSetContextCreate(parent, "stepping circuit", ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(cxt);

	c = palloc0(sizeof(Circuit));
	c->cxt = cxt;
	c->viewid = viewid;
	c->query_sql = pstrdup(query_sql);
	c->valid = true;

	query = analyze_view_query(query_sql, true);
	validate_view_query(query);
	p = plan_view(query);
	c->kind = p->kind;
	c->global = p->global;
	c->baseid = p->baseid;
	c->nvisible = p->nvisible;
	c->viewname = qualified_relname(viewid);
	c->viewlabel = display_relname(viewid);
	c->basename = qualified_relname(c->baseid);

	result = table_open(viewid, AccessShareLock);
	check_result_shape(query, result);
	c->owner = result->rd_rel->relowner;
	c->resultdesc = CreateTupleDescCopy(RelationGetDescr(result));
	base = table_open(c->baseid, AccessShareLock);

	c->inputs = view_base_tables(query);
	c->join = p->join;
	c->setop = p->setop;
	if (c->join)
	{
		ListCell   *lc;

		c->joinquery = query;
		c->nrtes = list_length(query->rtable);
		c->rte_relid = palloc0(sizeof(Oid) * c->nrtes);
		c->input_natts = palloc0(sizeof(int) * c->nrtes);
		i = 0;
		foreach(lc, query->rtable)
		{
			RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);

			if (rte->rtekind == RTE_RELATION)
			{
				Relation	rel = table_open(rte->relid, AccessShareLock);

				c->rte_relid[i] = rte->relid;
				c->input_natts[i] = RelationGetDescr(rel)->natts;
				table_close(rel, NoLock);
				explain_line(c, "input %d: %s (delta from statement triggers: old rows -1, new rows +1)",
							 i + 1, qualified_relname(rte->relid));
			}
			else if (rte->rtekind == RTE_FUNCTION)
				explain_line(c, "input %d: an immutable set-returning function (no delta of its own)",
							 i + 1);
			i++;
		}
		explain_line(c, "join: per step, one PostgreSQL plan per set of changed inputs; changed inputs read the step's delta (weights multiply), the others read their tables through their indexes");
		probeline = list_length(c->explain);
		c->index_advice = join_index_advice(c);
		foreach(lc, c->index_advice)
			explain_line(c, "  missing index, each change to the other side scans this table: %s",
						 (char *) lfirst(lc));
	}
	else
	{
		explain_line(c, "input: %s (delta from statement triggers: old rows -1, new rows +1)", c->basename);
		if (query->jointree->quals)
		{
			c->where = ExecInitQual(make_ands_implicit((Expr *) expression_planner((Expr *) query->jointree->quals)), NULL);
			c->where_sql = deparse_over_base(query->jointree->quals, c->baseid);
			explain_line(c, "filter: %s", c->where_sql);
		}
	}

	opline = list_length(c->explain);
	if (c->kind == VIEW_BAG)
		compile_bag(c, p, result);
	else
		compile_grouped(c, p, result);

	if (c->join && query_needs_decomposition(query))
		compile_components(c, query);
	else if (c->join)
	{
		ListCell   *lc;

		/* its lines go under the join's */
		foreach(lc, probe_prepare(c))
		{
			c->explain = list_insert_nth(c->explain, probeline++, lfirst(lc));
			opline++;
		}
	}

	/*
	 * A single-table grouped view needs no view-wide lock: concurrent steps
	 * meet on the rows of the groups they touch.  Joins and bags serialize.
	 */
	c->row_locking = (c->kind == VIEW_GROUPED && !c->join && c->having == NULL);

	c->rowtyplen = palloc(sizeof(int16) * Max(c->nrowcols, 1));
	c->rowtypbyval = palloc(sizeof(bool) * Max(c->nrowcols, 1));
	for (i = 0; i < c->nrowcols; i++)
		get_typlenbyval(c->rowtypes[i], &c->rowtyplen[i], &c->rowtypbyval[i]);

	/* the project step is listed before the stateful operator */
	c->explain = list_insert_nth(c->explain, opline,
								 psprintf("project: %d column%s per row; consolidate: equal rows' weights summed by binary image, zero weights dropped",
										  c->nrowcols, c->nrowcols == 1 ? "" : "s"));
	if (c->setop)
	{
		/* each branch's rows are read through a slot of its own table */
		ListCell   *lc;

		foreach(lc, c->inputs)
		{
			Relation	in = table_open(lfirst_oid(lc), AccessShareLock);

			c->inputslots = lappend(c->inputslots,
									MakeSingleTupleTableSlot(CreateTupleDescCopyConstr(RelationGetDescr(in)),
															 &TTSOpsMinimalTuple));
			table_close(in, NoLock);
			explain_line(c, "union input: %s", qualified_relname(lfirst_oid(lc)));
		}
	}
	explain_line(c, "output: %s (%s)", c->viewname,
				 c->kind == VIEW_BAG ? "deletes, then inserts, through the executor's row routines"
				 : "one lookup and one insert, update or delete per touched group");

	c->econtext = CreateStandaloneExprContext();

	/*
	 * Captured rows are the tuples as stored: a row older than an ADD COLUMN
	 * ... DEFAULT is shorter than the descriptor and reads the added columns
	 * from attmissingval, which only a copy with its constraints keeps (a
	 * plain copy would read NULL).  The same holds for every descriptor a
	 * base table's rows are deformed with (union inputs, probe deltas,
	 * semijoin factors).
	 */
	c->baseslot = MakeSingleTupleTableSlot(CreateTupleDescCopyConstr(RelationGetDescr(base)),
										   &TTSOpsMinimalTuple);
	table_close(base, AccessShareLock);
	table_close(result, AccessShareLock);

	MemoryContextSwitchTo(old);
	return c;
}
