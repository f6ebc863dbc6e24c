/*-------------------------------------------------------------------------
 *
 * validate.c
 *	  Refusal of everything that cannot be maintained exactly (0A000, with a
 *	  hint): changing functions, settings-dependent JSON/XML, relations that
 *	  are not plain permanent tables, unsupported clauses and shapes.  Bad
 *	  input (empty, several statements, unnamed columns) is 22023.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_proc.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parsetree.h"
#include "rewrite/rewriteManip.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "stepping.h"
#include "compile/compile.h"

/* Refuse what cannot be maintained exactly (0A000), with a hint. */
void
stepping_reject(const char *what, const char *hint)
{
	stepping_reject_because(what, NULL, hint);
}

/* The same, with the reason as errdetail. */
void
stepping_reject_because(const char *what, const char *detail, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("stepping cannot maintain %s", what),
			 detail ? errdetail("%s", detail) : 0,
			 hint ? errhint("%s", hint) : 0));
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
		stepping_reject("window functions here", "Window functions are maintained in a query's select list, or in a subquery in FROM; move them there.");
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

static void
validate_relation(RangeTblEntry *rte)
{
	Relation	rel;
	char		relkind;

	if (rte->rtekind == RTE_SUBQUERY)
		stepping_reject_because("subqueries in FROM here", "A subquery in FROM becomes an internal view before this check; this one was not.", NULL);
	if (rte->rtekind == RTE_FUNCTION)
	{
		/* immutable set-returning functions: a join with a constant input */
		if (checkExprHasSubLink((Node *) rte->functions))
			stepping_reject("a subquery in a function's arguments in FROM",
				   "Join the subquery's table, or compute the value in a subquery in FROM.");
		if (contain_changing_functions((Node *) rte->functions))
			stepping_reject_because("a volatile or stable function in FROM",
				   "Its rows could change without a write to the view's tables.",
				   "Use IMMUTABLE functions (generate_series, unnest ...) in FROM.");
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
		stepping_reject_because("a query over a foreign table", "Changes to foreign tables cannot be captured.",
								"Read a local table.");
	if (relkind == RELKIND_PARTITIONED_TABLE)
		stepping_reject_because("a query over a partitioned table",
			   "Partitioned tables are not supported yet.", "Use a plain table.");
	if (relkind != RELKIND_RELATION)
		stepping_reject("a query over this kind of relation", NULL);

	rel = table_open(rte->relid, AccessShareLock);
	if (rel->rd_rel->relispartition)
		stepping_reject_because("a query over a partition",
			   "Writes addressed to the partitioned parent would not be seen.",
			   "Use a plain table.");
	if (rel->rd_rel->relrowsecurity)
		stepping_reject("a query over a table with row-level security",
			   "Disable row-level security on the base table, or keep the summary by other means.");
	if (rel->rd_rel->relpersistence == RELPERSISTENCE_TEMP)
		stepping_reject("a query over a temporary table",
			   "Use a regular table.");
	if (rel->rd_rel->relpersistence == RELPERSISTENCE_UNLOGGED)
		stepping_reject_because("a query over an unlogged table",
			   "Crash recovery empties an unlogged table but not the view's result table.",
			   "Use a regular table (ALTER TABLE ... SET LOGGED).");
	if (RelationGetNamespace(rel) == PG_CATALOG_NAMESPACE ||
		RelationGetNamespace(rel) == get_namespace_oid("stepping", false))
		stepping_reject("a query over a system or stepping catalog table", NULL);
	if (has_subclass(rte->relid) || has_superclass(rte->relid))
		stepping_reject_because("a query over a table with inheritance children or parents",
			   "Statement triggers do not see writes to other members of the hierarchy.",
			   "Remove the inheritance (ALTER TABLE ... NO INHERIT), or use a plain table.");
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
			stepping_reject_because("INTERSECT or EXCEPT here", "INTERSECT and EXCEPT of two SELECTs are maintained; nested in another set operation they are not.",
								"Write the INTERSECT or EXCEPT as a view of its own.");
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
	Query	   *mapped = view_mapped_query(query);

	if (mapped)
		query = mapped;

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

int
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
bool
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
 * The query of a top-k view as create_view rewrites it (define.c
 * rewrite_topk): columns of one relation, in ORDER BY order, constant LIMIT
 * and OFFSET, nothing else.
 */
static bool
is_topk_form(Query *query)
{
	ListCell   *lc;

	if (list_length(query->rtable) != 1 ||
		linitial_node(RangeTblEntry, query->rtable)->rtekind != RTE_RELATION)
		return false;
	/* ORDER BY ... LIMIT, or DISTINCT ON (without LIMIT) */
	if (query->hasDistinctOn ? (query->limitCount || query->limitOffset)
		: (query->distinctClause || topk_limit(query) < 0))
		return false;
	/* over one base table: WHERE and expressions, checked as any view's */
	if (!catalog_is_result_table(linitial_node(RangeTblEntry, query->rtable)->relid))
		return !(query->hasAggs || query->groupClause ||
				 query->hasWindowFuncs || query->hasSubLinks || query->setOperations ||
				 query->hasTargetSRFs);
	/* over its internal view: columns of it, nothing else */
	if (query->jointree->quals != NULL || query->hasAggs || query->groupClause ||
		query->hasWindowFuncs || query->hasSubLinks || query->setOperations)
		return false;
	foreach(lc, query->targetList)
	{
		Var		   *var = (Var *) lfirst_node(TargetEntry, lc)->expr;

		/* (a window view's window-dependent columns are NULL here, its one
		 * partition without PARTITION BY the constant true) */
		if (IsA(var, Const))
			continue;
		if (!IsA(var, Var) || var->varno != 1 || var->varlevelsup != 0 ||
			var->varattno <= 0)
			return false;
	}
	return true;
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
	bool		topk = false;	/* its hidden sort keys are named by us */
	Query	   *mapped = view_mapped_query(query);

	/* row_number() <= k per group: what is maintained is the mapped query */
	if (mapped)
	{
		validate_view_query(mapped);
		return;
	}

	if (query->commandType != CMD_SELECT || query->utilityStmt != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the query of a stepping view must be a SELECT")));
	if (query->cteList)
		stepping_reject_because("WITH queries here", "A WITH query becomes an internal view before this check; this one was not.", NULL);
	if (query->setOperations)
	{
		validate_set_operation(query, query->setOperations,
							   ((SetOperationStmt *) query->setOperations)->all);
	}
	if (query->rowMarks || query->hasForUpdate)
		stepping_reject("FOR UPDATE or FOR SHARE", "Remove the locking clause.");
	if (((query->limitCount && query->sortClause) || query->hasDistinctOn) &&
		is_topk_form(query))
		topk = true;			/* ORDER BY ... LIMIT, DISTINCT ON: the window */
	else if (query->sortClause)
		stepping_reject_because("ORDER BY", "A view's rows have no order.",
			   "Remove ORDER BY and sort when you read the result table, or add a LIMIT to keep the first rows.");
	else if (query->limitCount || query->limitOffset)
		stepping_reject("LIMIT or OFFSET here", "Remove LIMIT/OFFSET; filter with WHERE instead.");
	if (query->hasWindowFuncs)
		stepping_reject("window functions here", "Window functions are maintained in a query's select list, or in a subquery in FROM; move them there.");
	if (query->hasTargetSRFs)
		stepping_reject("set-returning functions in the select list", NULL);
	if (checkExprHasSubLink(query->havingQual))
		stepping_reject("a subquery in HAVING", NULL);
	if (query->groupingSets)
		stepping_reject("GROUPING SETS, ROLLUP or CUBE", "Use a plain GROUP BY.");
	if (query->hasDistinctOn && !topk)
		stepping_reject("DISTINCT ON here", "Use SELECT DISTINCT or GROUP BY.");
	if (query->distinctClause && !topk && (query->groupClause || query->hasAggs))
		stepping_reject("DISTINCT together with GROUP BY or aggregates", "Use GROUP BY alone.");

	if (query->jointree->fromlist == NIL && !query->setOperations)
		stepping_reject("a query without a FROM table",
			   "Name the base table the view reads.");
	if (list_length(query->rtable) > STEPPING_MAX_INPUTS || count_relations(query) > 10)
		stepping_reject_because("a join of more than 10 tables",
			   "A statement that changes every input of a join costs one plan per subset of them.",
			   "Join fewer tables, or join in a view over views.");
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
			stepping_reject_because("a table joined with itself more than four times",
				   "Each change to the table costs one plan per subset of its occurrences.",
				   "Split the view into views over views.");
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
					strlen(STEPPING_HIDDEN_PREFIX)) == 0 &&
			!(topk && tle->ressortgroupref != 0 &&
			  strncmp(tle->resname, STEPPING_HIDDEN_PREFIX "sort_",
					  strlen(STEPPING_HIDDEN_PREFIX "sort_")) == 0) &&
			!(topk && (strncmp(tle->resname, STEPPING_HIDDEN_PREFIX "part_",
							   strlen(STEPPING_HIDDEN_PREFIX "part_")) == 0 ||
					   strncmp(tle->resname, STEPPING_HIDDEN_PREFIX "in_",
							   strlen(STEPPING_HIDDEN_PREFIX "in_")) == 0)))
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
