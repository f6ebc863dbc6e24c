/*-------------------------------------------------------------------------
 *
 * define.c
 *	  create_view's definition-time work: FROM subqueries, WITH queries and
 *	  set-operation branches become internal views (branches coerced to the
 *	  operation's column types and named by it), INTERSECT/EXCEPT become a
 *	  GROUP BY over a tagged UNION ALL, then the query is validated, stored
 *	  deparsed, and its result table, catalog rows and capture triggers are
 *	  made; the view is filled by a refresh of its circuit.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/table.h"
#include "catalog/pg_index.h"
#include "catalog/namespace.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "parser/parse_coerce.h"
#include "parser/parse_collate.h"
#include "parser/parsetree.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/typcache.h"

#include "stepping.h"
#include "compile/compile.h"

static const char *
kind_name(ResultShape *shape, Query *query)
{
	if (shape->kind == VIEW_BAG)
		return "bag";
	if (shape->kind == VIEW_TOPK)
		return window_stored_form(query) ? "window" : "top-k";
	if (shape->global)
		return "global aggregate";
	if (query->distinctClause || query->setOperations)
		return "distinct";
	return "aggregate";
}



Oid
create_internal_view(RangeVar *rv, Query *query, const char *original)
{
	return create_view_from_query(rv, query, original);
}

/* A name for the n-th internal view of a view, unused in its schema. */
RangeVar *
internal_view_name(RangeVar *outer, int n)
{
	Oid			nspid = RangeVarGetCreationNamespace(outer);
	int			attempt = 0;

	for (;;)
	{
		char		name[NAMEDATALEN];
		char		suffix[32];

		snprintf(suffix, sizeof(suffix), attempt ? "__sub%d_%d" : "__sub%d", n, attempt);
		snprintf(name, sizeof(name), "%.*s%s",
				 (int) (NAMEDATALEN - 1 - strlen(suffix)), outer->relname, suffix);
		if (!OidIsValid(get_relname_relid(name, nspid)))
			return makeRangeVar(get_namespace_name(nspid), pstrdup(name), -1);
		attempt++;
	}
}

static char *
branch_sql(Oid viewid)
{
	Relation	rel = table_open(viewid, AccessShareLock);
	TupleDesc	desc = RelationGetDescr(rel);
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "SELECT ");
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped || strncmp(NameStr(att->attname), STEPPING_HIDDEN_PREFIX,
										 strlen(STEPPING_HIDDEN_PREFIX)) == 0)
			continue;
		appendStringInfo(&buf, "%s%s", i ? ", " : "", quote_identifier(NameStr(att->attname)));
	}
	appendStringInfo(&buf, " FROM %s", qualified_relname(viewid));
	table_close(rel, AccessShareLock);
	return buf.data;
}

/* A list of column names as String nodes (eref, CTE column lists) as C strings. */
static List *
name_strings(List *names)
{
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, names)
		result = lappend(result, strVal(lfirst(lc)));
	return result;
}

/* The names of a query's output columns, in order. */
static List *
output_names(Query *query)
{
	List	   *names = NIL;
	ListCell   *lc;

	foreach(lc, query->targetList)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		if (!tle->resjunk)
			names = lappend(names, tle->resname);
	}
	return names;
}

/*
 * Column names for the internal view of a FROM subquery or WITH query: the
 * names the outer query knows its columns by (its alias column list, the
 * WITH query's column list, else the subquery's own names).  The outer
 * query reads the columns by position, so a column it cannot name (an
 * unnamed expression, a second column of the same name, a name reserved
 * for hidden state) gets a generated name instead of making the internal
 * view fail as a view with an unnamed column.
 */
List *
internal_column_names(List *names)
{
	List	   *kept = NIL;
	List	   *result = NIL;
	ListCell   *lc;
	int			i = 0;

	foreach(lc, names)
	{
		char	   *name = (char *) lfirst(lc);

		if (name == NULL || name[0] == '\0' || strcmp(name, "?column?") == 0 ||
			strncmp(name, STEPPING_HIDDEN_PREFIX, strlen(STEPPING_HIDDEN_PREFIX)) == 0)
			continue;
		kept = list_append_unique(kept, makeString(name));
	}
	foreach(lc, names)
	{
		char	   *name = (char *) lfirst(lc);
		String	   *s = name ? makeString(name) : NULL;
		int			attempt = 0;

		i++;
		/* the first column of a name keeps it */
		if (s && list_member(kept, s) && !list_member(result, s))
		{
			result = lappend(result, s);
			continue;
		}
		for (;;)
		{
			s = makeString(attempt ? psprintf("column%d_%d", i, attempt)
						   : psprintf("column%d", i));
			if (!list_member(kept, s) && !list_member(result, s))
				break;
			attempt++;
		}
		result = lappend(result, s);
	}
	return name_strings(result);
}

/*
 * Give a query's output columns these names.  A set operation takes its
 * column names from its first branch, so its branches get them too.
 */
static void
name_query_columns(Query *query, List *names)
{
	ListCell   *lc;
	ListCell   *ln = list_head(names);

	foreach(lc, query->targetList)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		if (tle->resjunk)
			continue;
		if (ln == NULL)
			break;
		tle->resname = pstrdup((char *) lfirst(ln));
		ln = lnext(names, ln);
	}
	if (query->setOperations)
	{
		foreach(lc, query->rtable)
		{
			RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);

			if (rte->rtekind == RTE_SUBQUERY && rte->subquery)
				name_query_columns(rte->subquery, names);
		}
	}
}

/* Show a coercion the set operation adds as a cast when it is deparsed. */
static void
make_cast_explicit(Node *node)
{
	if (IsA(node, FuncExpr))
		((FuncExpr *) node)->funcformat = COERCE_EXPLICIT_CAST;
	else if (IsA(node, RelabelType))
		((RelabelType *) node)->relabelformat = COERCE_EXPLICIT_CAST;
	else if (IsA(node, CoerceViaIO))
		((CoerceViaIO *) node)->coerceformat = COERCE_EXPLICIT_CAST;
	else if (IsA(node, ArrayCoerceExpr))
		((ArrayCoerceExpr *) node)->coerceformat = COERCE_EXPLICIT_CAST;
	else if (IsA(node, CoerceToDomain))
		((CoerceToDomain *) node)->coercionformat = COERCE_EXPLICIT_CAST;
}

/*
 * A branch's output expression coerced to the set operation's column
 * type and collation, as PostgreSQL's planner does it (generate_setop_tlist):
 * at each set operation from the branch up to the top, coerce_to_common_type
 * to that operation's column type when the type differs, then the
 * operation's collation.  ops lists the operations innermost first.
 */
static Node *
coerce_branch_column(Node *expr, List *ops, int col)
{
	ListCell   *lc;

	foreach(lc, ops)
	{
		SetOperationStmt *op = lfirst_node(SetOperationStmt, lc);
		Oid			type = list_nth_oid(op->colTypes, col);
		Oid			coll = list_nth_oid(op->colCollations, col);

		if (exprType(expr) != type)
		{
			expr = coerce_to_common_type(NULL, expr, type, "UNION/INTERSECT/EXCEPT");
			make_cast_explicit(expr);
			/* the collation the cast gets when its SQL is analyzed again */
			assign_expr_collations(NULL, expr);
		}
		if (OidIsValid(coll) && exprCollation(expr) != coll)
		{
			CollateExpr *c = makeNode(CollateExpr);

			c->arg = (Expr *) expr;
			c->collOid = coll;
			c->location = -1;
			expr = (Node *) c;
		}
	}
	return expr;
}

/* Whether a branch's output columns need coercing to the set operation's. */
static bool
branch_needs_coercion(Query *sub, List *ops)
{
	ListCell   *lc;
	int			i = 0;

	foreach(lc, sub->targetList)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);
		Node	   *expr;

		if (tle->resjunk)
			continue;
		expr = (Node *) copyObject(tle->expr);
		if (coerce_branch_column(expr, ops, i) != expr)
			return true;
		i++;
	}
	return false;
}

/*
 * Make one branch of a set operation output exactly the operation's column
 * types and collations, so that its internal view's result table holds
 * what the set operation reads (the engine reads every branch's table by
 * position, with the operation's types).  The coercion applies to the
 * branch's output, after its own GROUP BY or DISTINCT: a grouped output
 * column keeps grouping the branch as written (its uncoerced expression
 * stays as a hidden group key), a DISTINCT branch becomes the equivalent
 * GROUP BY, and a branch that is itself a set operation (under WITH or
 * ORDER BY) is read as a subquery first.
 */
static void
coerce_set_operation_branch(RangeTblEntry *rte, List *ops)
{
	Query	   *sub = rte->subquery;
	List	   *coerced = NIL;
	ListCell   *lc;
	int			i = 0;

	if (!branch_needs_coercion(sub, ops))
		return;
	if (sub->setOperations ||
		(sub->distinctClause &&
		 (sub->hasDistinctOn || sub->groupClause || sub->hasAggs || sub->havingQual)))
	{
		char	   *sql = psprintf("SELECT * FROM (%s) __stepping_branch",
								   deparse_view_query(sub));

		sub = rte->subquery = analyze_view_query(sql, true);
	}
	else if (sub->distinctClause)
	{
		/* DISTINCT is a GROUP BY on every output column (same operators) */
		sub->groupClause = sub->distinctClause;
		sub->distinctClause = NIL;
	}

	foreach(lc, sub->targetList)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		if (tle->resjunk)
			continue;
		coerced = lappend(coerced, coerce_branch_column((Node *) copyObject(tle->expr), ops, i));
		i++;
	}
	i = 0;
	foreach(lc, sub->targetList)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);
		Node	   *expr;

		if (tle->resjunk)
			continue;
		expr = (Node *) list_nth(coerced, i++);
		if (equal(expr, tle->expr))
			continue;
		if (tle->ressortgroupref != 0)
		{
			/* the branch still groups by the expression as written */
			TargetEntry *key = flatCopyTargetEntry(tle);

			key->resjunk = true;
			key->resno = list_length(sub->targetList) + 1;
			sub->targetList = lappend(sub->targetList, key);
			tle->ressortgroupref = 0;
		}
		tle->expr = (Expr *) expr;
	}
}

/* Coerce every branch of a set operation tree (ops: its ancestors, innermost first). */
static void
coerce_set_operation(Query *query, Node *node, List *ops)
{
	if (IsA(node, RangeTblRef))
	{
		RangeTblEntry *rte = rt_fetch(((RangeTblRef *) node)->rtindex, query->rtable);

		if (rte->rtekind == RTE_SUBQUERY && rte->subquery)
			coerce_set_operation_branch(rte, ops);
	}
	else if (IsA(node, SetOperationStmt))
	{
		SetOperationStmt *op = (SetOperationStmt *) node;

		coerce_set_operation(query, op->larg, lcons(op, list_copy(ops)));
		coerce_set_operation(query, op->rarg, lcons(op, list_copy(ops)));
	}
}

/* Make a range table entry read an internal view's result table. */
void
read_internal_view(RangeTblEntry *rte, Oid oid)
{
	rte->rtekind = RTE_RELATION;
	rte->relid = oid;
	rte->relkind = RELKIND_RELATION;
	rte->rellockmode = AccessShareLock;
	rte->subquery = NULL;
	rte->ctename = NULL;
	rte->ctelevelsup = 0;
	rte->self_reference = false;
	rte->inh = false;
	rte->requiredPerms = ACL_SELECT;
	rte->checkAsUser = InvalidOid;
}

/* Create the internal view of a subquery whose columns get these names. */
Oid
create_subquery_view(Query *sub, List *names, RangeVar *rv, int *counter)
{
	char	   *sub_sql;

	name_query_columns(sub, names);
	sub_sql = deparse_view_query(sub);
	(*counter)++;
	return create_view_from_query(internal_view_name(rv, *counter),
								  analyze_view_query(sub_sql, true), sub_sql);
}

/* The WITH queries of one query, as internal views made on first use. */
typedef struct CteViews
{
	Query	   *query;			/* the query whose WITH list this is */
	RangeVar   *rv;
	int		   *counter;
	List	   *names;			/* WITH queries made views so far */
	List	   *oids;			/* ... and their internal views */
	List	   *internal;		/* every internal view made */
	int			depth;			/* walker: query levels below query */
} CteViews;

static bool cte_reference_walker(Node *node, CteViews *ctx);

/* The internal view of the WITH query named ctename, made on first use. */
static Oid
cte_view(CteViews *ctx, const char *ctename)
{
	ListCell   *lc;
	ListCell   *lc2;
	CommonTableExpr *cte = NULL;
	int			saved;
	Oid			oid;

	forboth(lc, ctx->names, lc2, ctx->oids)
		if (strcmp((char *) lfirst(lc), ctename) == 0)
			return lfirst_oid(lc2);
	foreach(lc, ctx->query->cteList)
		if (strcmp(lfirst_node(CommonTableExpr, lc)->ctename, ctename) == 0)
			cte = lfirst_node(CommonTableExpr, lc);
	if (cte == NULL)
		elog(ERROR, "WITH query \"%s\" not found", ctename);
	if (cte->cterecursive)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("stepping cannot maintain recursive WITH queries")));

	/* first the WITH queries before it that it reads */
	saved = ctx->depth;
	ctx->depth = 1;
	(void) query_tree_walker((Query *) cte->ctequery, cte_reference_walker, ctx,
							 QTW_EXAMINE_RTES_BEFORE);
	ctx->depth = saved;

	oid = create_subquery_view((Query *) cte->ctequery,
							   internal_column_names(name_strings(cte->ctecolnames)),
							   ctx->rv, ctx->counter);
	ctx->internal = lappend_oid(ctx->internal, oid);
	ctx->names = lappend(ctx->names, cte->ctename);
	ctx->oids = lappend_oid(ctx->oids, oid);
	return oid;
}

/*
 * Every reference to one of ctx->query's WITH queries, at any level below
 * it (FROM, subqueries in FROM, branches of set operations, subqueries in
 * WHERE, later WITH queries), reads the WITH query's internal view.
 */
static bool
cte_reference_walker(Node *node, CteViews *ctx)
{
	if (node == NULL)
		return false;
	if (IsA(node, RangeTblEntry))
	{
		RangeTblEntry *rte = (RangeTblEntry *) node;

		if (rte->rtekind == RTE_CTE && (int) rte->ctelevelsup == ctx->depth)
		{
			if (rte->self_reference)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("stepping cannot maintain recursive WITH queries")));
			read_internal_view(rte, cte_view(ctx, rte->ctename));
		}
		return false;
	}
	if (IsA(node, Query))
	{
		bool		result;

		ctx->depth++;
		result = query_tree_walker((Query *) node, cte_reference_walker, ctx,
								   QTW_EXAMINE_RTES_BEFORE);
		ctx->depth--;
		return result;
	}
	return expression_tree_walker(node, cte_reference_walker, ctx);
}

/*
 * WITH queries become views of their own (internal views, named
 * <view>__subN, that live and die with the view): each non-recursive SELECT
 * WITH query one view, however often and at whatever level it is read.
 * A data-modifying WITH query is refused even when nothing reads it, since
 * PostgreSQL runs it anyway.
 */
static List *
materialize_ctes(Query *query, RangeVar *rv, int *counter)
{
	CteViews	ctx;
	ListCell   *lc;

	if (query->cteList == NIL)
		return NIL;
	foreach(lc, query->cteList)
	{
		CommonTableExpr *cte = lfirst_node(CommonTableExpr, lc);

		if (!IsA(cte->ctequery, Query) ||
			((Query *) cte->ctequery)->commandType != CMD_SELECT)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("stepping cannot maintain data-modifying WITH queries")));
		if (cte->cterecursive)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("stepping cannot maintain recursive WITH queries")));
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.query = query;
	ctx.rv = rv;
	ctx.counter = counter;
	(void) query_tree_walker(query, cte_reference_walker, &ctx,
							 QTW_EXAMINE_RTES_BEFORE | QTW_IGNORE_CTE_SUBQUERIES);
	query->cteList = NIL;
	query->hasRecursive = false;
	return ctx.internal;
}

/*
 * Run one CREATE INDEX that create_view decided on (an internal view's
 * sort, partition or lateral keys, a result table's append path), and make
 * it visible to what follows.
 */
void
create_view_index(const char *stmt)
{
	SPI_connect();
	if (SPI_execute(stmt, false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "stepping: could not run \"%s\"", stmt);
	SPI_finish();
	CommandCounterIncrement();
}

/*
 * The internal view of a LATERAL subquery is joined on its lateral key
 * columns (attnos first .. first+n-1): index them, unless an index of its
 * result table (a per-group top-k's) already leads with them.
 */
static void
index_lateral_keys(Oid relid, int first, int n)
{
	Relation	rel = table_open(relid, AccessShareLock);
	ListCell   *lc;
	StringInfoData cols;
	int			i;

	foreach(lc, RelationGetIndexList(rel))
	{
		Relation	idx = index_open(lfirst_oid(lc), AccessShareLock);
		bool		leads = idx->rd_index->indnkeyatts >= n;

		for (i = 0; leads && i < n; i++)
		{
			int			k;
			bool		found = false;

			for (k = 0; k < n; k++)
				found |= idx->rd_index->indkey.values[k] == first + i;
			leads = found;
		}
		index_close(idx, AccessShareLock);
		if (leads)
		{
			table_close(rel, AccessShareLock);
			return;
		}
	}
	initStringInfo(&cols);
	for (i = 0; i < n; i++)
		appendStringInfo(&cols, "%s%s", i ? ", " : "",
						 quote_identifier(get_attname(relid, first + i, false)));
	table_close(rel, AccessShareLock);
	create_view_index(psprintf("CREATE INDEX ON %s (%s)", qualified_relname(relid), cols.data));
}

/*
 * Subqueries in FROM become views of their own (internal views), and the
 * query reads their result tables instead: an aggregate or DISTINCT below
 * a join keeps its state there, maintained like any view over views.  The
 * branches of a set operation are subqueries too; each is coerced to the
 * operation's column types first, and stays a subquery that SELECTs its
 * internal view's columns.
 */
static List *
materialize_subqueries(Query *query, RangeVar *rv, int *counter)
{
	List	   *internal = NIL;
	List	   *setop_names = NIL;
	ListCell   *lc;

	if (query->setOperations)
	{
		/* branches output the operation's column types and names */
		coerce_set_operation(query, query->setOperations, NIL);
		setop_names = output_names(query);
	}

	foreach(lc, query->rtable)
	{
		RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);
		Oid			oid;
		int			nlat;

		if (rte->rtekind == RTE_CTE)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("stepping cannot maintain recursive WITH queries")));
		if (rte->rtekind != RTE_SUBQUERY)
			continue;
		/* correlated by equalities: the join it equals (lateral.c) */
		nlat = rte->lateral ? rewrite_lateral(query, foreach_current_index(lc) + 1) : 0;
		if (nlat < 0)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("stepping cannot maintain this LATERAL subquery"),
					 errdetail("A LATERAL subquery may read the tables before it only in equalities AND-ed in its WHERE (by its type's default equality), its LIMIT needs an ORDER BY, and it may not aggregate, group, use DISTINCT, window functions, subqueries or set operations."),
					 errhint("Write the subquery as  LATERAL (SELECT ... FROM t WHERE t.k = g.id ... [ORDER BY ... LIMIT n])  or without references to the tables before it.")));
		oid = create_subquery_view(rte->subquery,
								   query->setOperations ? setop_names
								   : internal_column_names(name_strings(rte->eref->colnames)),
								   rv, counter);
		internal = lappend_oid(internal, oid);
		if (nlat > 0)
			index_lateral_keys(oid, list_length(rte->eref->colnames) - nlat + 1, nlat);
		if (query->setOperations)
		{
			/* a UNION branch stays a subquery: SELECT its columns FROM it */
			rte->subquery = analyze_view_query(branch_sql(oid), true);
			continue;
		}
		read_internal_view(rte, oid);
	}
	return internal;
}

/*
 * Refuse output columns named like stepping's hidden columns: views that
 * add hidden columns of their own (top-k sort keys, window partitions)
 * would otherwise mistake the user's for them.
 */
void
reject_reserved_names(Query *query)
{
	ListCell   *lc;

	foreach(lc, query->targetList)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		if (!tle->resjunk && tle->resname &&
			strncmp(tle->resname, STEPPING_HIDDEN_PREFIX, strlen(STEPPING_HIDDEN_PREFIX)) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("column name \"%s\" is reserved for stepping's hidden state", tle->resname),
					 errhint("Rename the column with an alias.")));
	}
}

/* Refuse what ORDER BY ... LIMIT may not be here, with its reason. */
static void
validate_topk(Query *query)
{
	if (query->hasDistinctOn)
	{
		if (query->limitCount || query->limitOffset)
			stepping_reject("DISTINCT ON together with LIMIT or OFFSET",
							"Keep one row per group with DISTINCT ON, or the first rows of the query with ORDER BY ... LIMIT.");
		if (query->hasAggs || query->groupClause)
			stepping_reject("DISTINCT ON together with GROUP BY or aggregates",
							"Group in a subquery in FROM and apply DISTINCT ON to it.");
		return;
	}
	if (query->sortClause == NIL)
		stepping_reject_because("LIMIT or OFFSET without ORDER BY",
								"Without an order, LIMIT keeps arbitrary rows.",
								"Add an ORDER BY that decides which rows the view keeps.");
	if (query->limitCount == NULL ||
		(IsA(eval_const_expressions(NULL, query->limitCount), Const) &&
		 ((Const *) eval_const_expressions(NULL, query->limitCount))->constisnull))
		stepping_reject_because("OFFSET without LIMIT, or LIMIT ALL",
								"The view would hold every row after the offset.",
								"Add a LIMIT, or filter with WHERE instead.");
	/* LIMIT 5 is the int4 literal cast to bigint */
	query->limitCount = eval_const_expressions(NULL, query->limitCount);
	if (query->limitOffset)
		query->limitOffset = eval_const_expressions(NULL, query->limitOffset);
	if (!IsA(query->limitCount, Const) ||
		(query->limitOffset && !IsA(query->limitOffset, Const)))
		stepping_reject("LIMIT or OFFSET that is not a constant",
						"Write the number of rows as a literal.");
	if (topk_limit(query) < 0 || topk_offset(query) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_ROW_COUNT_IN_LIMIT_CLAUSE),
				 errmsg("LIMIT and OFFSET must not be negative")));
}

/*
 * ORDER BY ... LIMIT n [OFFSET m] (top-k): the query without them becomes
 * an internal view, with its ORDER BY expressions that are not output
 * columns added as columns ("sort key N"), and the view selects from it:
 *
 *   SELECT s.c1 AS c1, ..., s."sort key 1" AS __stepping_sort_1
 *     FROM internal s ORDER BY s.<key> [DESC ...], ... LIMIT n OFFSET m
 *
 * An index on the internal view's sort columns (in the ORDER BY's
 * directions, when each key uses its type's default ordering) lets the
 * operator read the window's rows without scanning it (operators/topk.c).
 * Returns the view's query, and the internal view in *internal.
 */
/* An ORDER BY key, or a DISTINCT ON expression, of a top-k query. */
static bool
is_window_key(Query *query, TargetEntry *tle)
{
	return tle->ressortgroupref != 0 &&
		(get_sortgroupref_clause_noerr(tle->ressortgroupref, query->sortClause) != NULL ||
		 (query->hasDistinctOn &&
		  get_sortgroupref_clause_noerr(tle->ressortgroupref, query->distinctClause) != NULL));
}

/*
 * Whether a top-k query reads one table through WHERE and expressions only:
 * then the view reads the table itself, without an internal view.
 */
static bool
topk_reads_one_table(Query *query)
{
	return !(query->hasAggs || query->groupClause ||
			 (query->distinctClause && !query->hasDistinctOn) ||
			 query->setOperations || query->hasWindowFuncs || query->havingQual) &&
		query_reads_one_table(query);
}

/*
 * A top-k query over one table stays as written, but for its ORDER BY
 * expressions that are not output columns: they become hidden output
 * columns (__stepping_sort_N), which the ORDER BY then refers to.
 */
static Query *
topk_over_table(Query *query)
{
	ListCell   *lc;
	int			nsort = 0;

	foreach(lc, query->targetList)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		if (tle->resjunk && is_window_key(query, tle))
		{
			tle->resjunk = false;
			tle->resname = psprintf("%ssort_%d", STEPPING_HIDDEN_PREFIX, ++nsort);
		}
	}
	return analyze_view_query(deparse_view_query(query), true);
}

/* The input column of an output column or window key of a top-k query. */
static const char *
topk_input_column(Query *query, TargetEntry *tle, List *subnames)
{
	ListCell   *lc;
	int			nvis = 0;
	int			before = 0;

	foreach(lc, query->targetList)
		if (!lfirst_node(TargetEntry, lc)->resjunk)
			nvis++;
	/* output columns by position, then the junk window keys in order */
	foreach(lc, query->targetList)
	{
		TargetEntry *t2 = lfirst_node(TargetEntry, lc);

		if (t2 == tle)
			break;
		if (tle->resjunk ? (t2->resjunk && is_window_key(query, t2)) : !t2->resjunk)
			before++;
	}
	return quote_identifier((char *) list_nth(subnames, tle->resjunk ? nvis + before : before));
}

/* "col [DESC] [NULLS ...]" of a window key for CREATE INDEX; false: none */
static bool
topk_index_column(StringInfo buf, const char *col, Oid type, Oid sortop, bool nulls_first)
{
	TypeCacheEntry *t = lookup_type_cache(type, TYPECACHE_LT_OPR | TYPECACHE_GT_OPR);

	appendStringInfo(buf, "%s%s", buf->len ? ", " : "", col);
	if (sortop == t->lt_opr)
		appendStringInfoString(buf, nulls_first ? " NULLS FIRST" : "");
	else if (sortop == t->gt_opr)
		appendStringInfoString(buf, nulls_first ? " DESC" : " DESC NULLS LAST");
	else
		return false;
	return true;
}

static Query *
rewrite_topk(Query *query, RangeVar *rv, int *counter, List **internal)
{
	Query	   *sub = copyObject(query);
	List	   *names = NIL;
	List	   *subnames;
	StringInfoData sql,
				order,
				index;
	ListCell   *lc;
	Oid			oid;
	int			nsort = 0;
	int			nvis = 0;
	bool		indexable = true;

	validate_topk(query);
	reject_reserved_names(query);
	if (topk_reads_one_table(query))
		return topk_over_table(sub);
	topk_strip_window(sub);

	/*
	 * Window keys that are not output columns become columns.  The parser
	 * appends junk entries after the output columns, so the input's columns
	 * are the output columns, then the window keys.
	 */
	foreach(lc, sub->targetList)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		if (!tle->resjunk)
			names = lappend(names, tle->resname);
		else if (is_window_key(query, list_nth_node(TargetEntry, query->targetList,
													foreach_current_index(lc))))
		{
			tle->resjunk = false;
			tle->resname = psprintf("sort key %d", ++nsort);
			names = lappend(names, tle->resname);
		}
	}
	subnames = internal_column_names(names);
	oid = create_subquery_view(sub, subnames, rv, counter);
	*internal = lappend_oid(*internal, oid);

	/* the view: the input's columns under the query's names */
	initStringInfo(&sql);
	initStringInfo(&order);
	initStringInfo(&index);
	if (query->hasDistinctOn)
	{
		appendStringInfoString(&sql, "SELECT DISTINCT ON (");
		foreach(lc, query->distinctClause)
		{
			SortGroupClause *sgc = lfirst_node(SortGroupClause, lc);
			TargetEntry *tle = get_sortgroupclause_tle(sgc, query->targetList);
			const char *col = topk_input_column(query, tle, subnames);

			appendStringInfo(&sql, "%ss.%s", foreach_current_index(lc) ? ", " : "", col);
			/* the partition leads the index when ORDER BY does not name it */
			if (get_sortgroupref_clause_noerr(tle->ressortgroupref, query->sortClause) == NULL)
				indexable &= topk_index_column(&index, col, exprType((Node *) tle->expr),
											   sgc->sortop, sgc->nulls_first);
		}
		appendStringInfoString(&sql, ") ");
	}
	else
		appendStringInfoString(&sql, "SELECT ");
	nsort = 0;
	foreach(lc, query->targetList)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		if (tle->resjunk)
			continue;
		appendStringInfo(&sql, "%ss.%s AS %s", nvis ? ", " : "",
						 topk_input_column(query, tle, subnames),
						 quote_identifier(tle->resname));
		nvis++;
	}
	foreach(lc, query->targetList)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		if (!tle->resjunk || !is_window_key(query, tle))
			continue;
		appendStringInfo(&sql, ", s.%s AS %s", topk_input_column(query, tle, subnames),
						 quote_identifier(psprintf("%ssort_%d", STEPPING_HIDDEN_PREFIX, ++nsort)));
	}
	foreach(lc, query->sortClause)
	{
		SortGroupClause *sgc = lfirst_node(SortGroupClause, lc);
		TargetEntry *tle = get_sortgroupclause_tle(sgc, query->targetList);
		Oid			type = exprType((Node *) tle->expr);
		const char *col = topk_input_column(query, tle, subnames);

		appendStringInfo(&order, "%ss.%s", foreach_current_index(lc) ? ", " : "", col);
		topk_append_direction(&order, sgc->sortop, sgc->nulls_first, type);
		indexable &= topk_index_column(&index, col, type, sgc->sortop, sgc->nulls_first);
	}
	appendStringInfo(&sql, " FROM %s s", qualified_relname(oid));
	if (order.len > 0)
		appendStringInfo(&sql, " ORDER BY %s", order.data);
	if (topk_offset(query) > 0)
		appendStringInfo(&sql, " OFFSET " INT64_FORMAT " ROWS", topk_offset(query));
	if (query->limitCount)
		appendStringInfo(&sql, " FETCH FIRST " INT64_FORMAT " ROWS %s", topk_limit(query),
						 query->limitOption == LIMIT_OPTION_WITH_TIES ? "WITH TIES" : "ONLY");

	if (indexable && index.len > 0)
	{
		char	   *stmt = psprintf("CREATE INDEX ON %s (%s)", qualified_relname(oid), index.data);

		create_view_index(stmt);
	}
	return analyze_view_query(sql.data, true);
}


/*
 * A INTERSECT B and A EXCEPT B (set semantics) are rewritten into what the
 * engine maintains: a GROUP BY over the tagged UNION ALL of both branches,
 * keeping the rows that both sides hold (INTERSECT) or only the left one
 * does (EXCEPT).  Returns NULL when the query is not of that shape.
 */
static Query *
rewrite_intersect_except(Query *query)
{
	SetOperationStmt *op = (SetOperationStmt *) query->setOperations;
	StringInfoData cols,
				list,
				sql;
	ListCell   *lc;
	int			i = 0;
	char	   *left,
			   *right;

	if (op == NULL || op->op == SETOP_UNION)
		return NULL;
	if (!IsA(op->larg, RangeTblRef) || !IsA(op->rarg, RangeTblRef))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("stepping cannot maintain nested INTERSECT or EXCEPT"),
				 errhint("Write the view over one INTERSECT or EXCEPT of two SELECTs.")));
	left = deparse_view_query(rt_fetch(((RangeTblRef *) op->larg)->rtindex, query->rtable)->subquery);
	right = deparse_view_query(rt_fetch(((RangeTblRef *) op->rarg)->rtindex, query->rtable)->subquery);

	initStringInfo(&cols);
	foreach(lc, query->targetList)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		appendStringInfo(&cols, "%sc%d AS %s", i ? ", " : "", i + 1,
						 quote_identifier(tle->resname ? tle->resname : "?column?"));
		i++;
	}
	initStringInfo(&list);
	for (i = 0; i < list_length(query->targetList); i++)
		appendStringInfo(&list, "%sc%d", i ? ", " : "", i + 1);
	initStringInfo(&sql);
	if (op->all)
	{
		/*
		 * INTERSECT ALL / EXCEPT ALL: each row as many times as least(l, r)
		 * or l - r, the counts kept by an internal grouped view.
		 */
		appendStringInfo(&sql,
						 "SELECT %s FROM (SELECT %s, sum(in_left) AS n_left, sum(in_right) AS n_right "
						 "FROM (SELECT %s, 1 AS in_left, 0 AS in_right FROM (%s) l(%s) "
						 "UNION ALL SELECT %s, 0 AS in_left, 1 AS in_right FROM (%s) r(%s)) u "
						 "GROUP BY %s) g, generate_series(1, %s) AS copies(n)",
						 cols.data, list.data, list.data, left, list.data, list.data, right,
						 list.data, list.data,
						 op->op == SETOP_INTERSECT ? "least(g.n_left, g.n_right)"
						 : "g.n_left - g.n_right");
		return analyze_view_query(sql.data, true);
	}
	appendStringInfo(&sql,
					 "SELECT %s FROM (SELECT %s, 1 AS in_left, 0 AS in_right FROM (%s) l(%s) "
					 "UNION ALL SELECT %s, 0 AS in_left, 1 AS in_right FROM (%s) r(%s)) u "
					 "GROUP BY %s HAVING sum(in_left) > 0 AND sum(in_right) %s 0",
					 cols.data, list.data, left, list.data, list.data, right, list.data,
					 list.data, op->op == SETOP_INTERSECT ? ">" : "=");
	return analyze_view_query(sql.data, true);
}

/* The tables subqueries in WHERE and the select list read need SELECT. */
static void
check_subquery_privileges(Query *query)
{
	ListCell   *lc;

	foreach(lc, decompose_base_tables(query))
	{
		Oid			relid = lfirst_oid(lc);

		if (pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
			aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_TABLE, get_rel_name(relid));
	}
}

Oid
create_view_from_query(RangeVar *rv, Query *query, const char *original)
{
	Query	   *stored;
	char	   *stored_sql;
	ResultShape *shape;
	List	   *baseids;
	List	   *internal;
	ListCell   *lc;
	Oid			viewid;
	Circuit    *c;
	int			counter = 0;
	Query	   *rewritten;

	/*
	 * row_number() <= k in a subquery: the first row per group (k = 1) is
	 * a DISTINCT ON; k rows per group keep the windowed form (row_number.c)
	 */
	{
		Query	   *windowed = rewrite_row_number(query);

		if (windowed)
			query = windowed;
	}

	/* ORDER BY ... LIMIT: the view selects from the query without them */
	internal = NIL;
	if (query->limitCount || query->limitOffset || query->hasDistinctOn)
		query = rewrite_topk(query, rv, &counter, &internal);

	/* window functions in the select list: the stored window form */
	if (query->hasWindowFuncs)
		query = rewrite_window(query, rv, &counter, &internal);

	/* WITH queries first: the rewrites below deparse what reads them */
	internal = list_concat(internal, materialize_ctes(query, rv, &counter));
	rewritten = rewrite_intersect_except(query);
	if (rewritten)
		query = rewritten;
	check_subquery_privileges(query);
	internal = list_concat(internal, rewrite_scalar_subqueries(query, rv, &counter));
	/* (the windowed row_number() form keeps its subquery) */
	if (view_mapped_query(query) == NULL)
		internal = list_concat(internal, materialize_subqueries(query, rv, &counter));
	validate_view_query(query);
	(void) ExecCheckRTPerms(query->rtable, true);
	stored_sql = deparse_view_query(query);
	stored = analyze_view_query(stored_sql, true);
	validate_view_query(stored);
	baseids = view_base_tables(stored);

	/*
	 * Maintenance runs inside every writer's statements: like CREATE
	 * TRIGGER, it needs the TRIGGER privilege on each base table.
	 */
	foreach(lc, baseids)
	{
		if (pg_class_aclcheck(lfirst_oid(lc), GetUserId(), ACL_TRIGGER) != ACLCHECK_OK)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied to maintain a view over \"%s\"",
							display_relname(lfirst_oid(lc))),
					 errhint("Creating a view needs the TRIGGER privilege on every table it reads.")));
	}

	/* no writer may change a base table until the view is in place */
	foreach(lc, baseids)
		LockRelationOid(lfirst_oid(lc), ExclusiveLock);

	shape = shape_result_table(stored);
	viewid = catalog_create_result_table(rv, shape, stored);
	catalog_insert_view(viewid, stored_sql, original, baseids, shape->keycolnames,
						kind_name(shape, stored), InvalidOid);
	foreach(lc, baseids)
		catalog_install_capture(lfirst_oid(lc));

	/* internal views go with the view that reads them (catalog_drop_orphans) */
	foreach(lc, internal)
		catalog_set_internal_of(lfirst_oid(lc), viewid);
	CommandCounterIncrement();

	c = cache_get_circuit(viewid);
	/* a window view's append path reads its partitions' last rows */
	if (c->kind == VIEW_TOPK && c->topk.append)
		create_view_index(window_append_index_sql(c));
	foreach(lc, c->joins.index_advice)
		ereport(NOTICE,
				(errmsg("a join column of stepping view \"%s\" has no index", c->viewlabel),
				 errdetail("Every change to the other side of the join will scan the table."),
				 errhint("%s", (char *) lfirst(lc))));
	if (c->kind == VIEW_TOPK && c->topk.index_advice && c->topk.window_query)
		ereport(NOTICE,
				(errmsg("no index of the table leads with the partition keys of stepping view \"%s\"", c->viewlabel),
				 errdetail("A change recomputes the rows of its partition, which are read by scanning the table."),
				 errhint("%s", c->topk.index_advice)));
	else if (c->kind == VIEW_TOPK && c->topk.index_advice)
		ereport(NOTICE,
				(errmsg("no index of the table leads with the window keys of stepping view \"%s\"", c->viewlabel),
				 errdetail("A change that reaches the view's rows reads them again by sorting the table, or the rows of their group."),
				 errhint("%s", c->topk.index_advice)));
	if (c->grouped.index_advice)
		ereport(NOTICE,
				(errmsg("the group key of stepping view \"%s\" has no index", c->viewlabel),
				 errdetail("Some deletes recompute a group, or look for another row of it, by scanning the table."),
				 errhint("%s", c->grouped.index_advice)));
	circuit_refresh(c);
	return viewid;
}
