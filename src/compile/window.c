/*-------------------------------------------------------------------------
 *
 * window.c
 *	  Views with window functions in their select list, maintained per
 *	  partition:
 *
 *	    SELECT ..., f(...) OVER (PARTITION BY p ORDER BY o [frame]), ...
 *	      FROM ... WHERE ...
 *
 *	  Any window function and any aggregate OVER any window.  A filter on a
 *	  window's output (rank() <= 3) is an outer query over such a view: the
 *	  subquery becomes an internal window view (define.c), the outer query a
 *	  view over it.
 *
 *	  create_view stores the query in one form, the "window level" W as a
 *	  subquery that reads one relation, with hidden columns after the
 *	  output ones:
 *
 *	    SELECT w.c1 AS name1, ..., w.cp AS __stepping_part_1, ...,
 *	           w.ci AS __stepping_in_1, ...
 *	      FROM (SELECT <the window level> FROM rel WHERE ...) w(c1, ...)
 *
 *	  - rel is the base table when the query reads one table through WHERE
 *	    and expressions; otherwise everything below the windows (joins,
 *	    GROUP BY, subqueries) becomes an internal view, indexed on the
 *	    partition columns, and W reads it.
 *	  - __stepping_part_N: the PARTITION BY expressions every window of the
 *	    query shares (at most 8; the constant true when they share none).
 *	    A window function's value for a row depends only on the rows of its
 *	    partition, so a partition of these keys is recomputed alone.
 *	  - __stepping_in_N: every column of rel the window level reads and does
 *	    not output: a change to any of them changes the row, so the step's
 *	    Z-set names its partition (a change netting to zero over the output
 *	    columns alone would be consolidated away).
 *	  - Ties: a function whose value depends on the order of rows that tie
 *	    on the window's ORDER BY (row_number, ntile, lag, lead, first_value,
 *	    last_value, nth_value, an order-sensitive aggregate, any aggregate
 *	    over a ROWS frame) gets a copy of its window ordered further by the
 *	    text of the columns W reads (COLLATE "C"): PostgreSQL may number
 *	    tied rows either way, stepping picks one fixed way, and check_view
 *	    compares with the same query.  Where that extra key would move the
 *	    frame's bounds (RANGE or GROUPS frames ending at the current row's
 *	    peers, EXCLUDE GROUP / TIES), the query is refused with a hint.
 *	    No key is added when the ORDER BY (with PARTITION BY) covers a
 *	    unique index of NOT NULL columns of the table.
 *
 *	  compile, plan and validate read the "mapped" query (window_mapped): W
 *	  without its windows, window-dependent columns NULL, as a DISTINCT ON
 *	  over the partition columns, so the view is a top-k view per group
 *	  (operators/topk.c) whose window is every row of the group and whose
 *	  group query is the stored query with the partition's equality pushed
 *	  into W's WHERE (window_part_sql).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_collation.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "parser/parse_clause.h"
#include "parser/parse_oper.h"
#include "parser/parsetree.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"

#include "stepping.h"
#include "compile/compile.h"

#define PART_PREFIX STEPPING_HIDDEN_PREFIX "part_"
#define INPUT_PREFIX STEPPING_HIDDEN_PREFIX "in_"
#define MAX_PARTS 8

/* Whether query is the stored form above. */
bool
window_stored_form(Query *query)
{
	RangeTblEntry *rte;
	ListCell   *lc;

	if (query->commandType != CMD_SELECT || list_length(query->rtable) != 1 ||
		query->hasWindowFuncs || query->setOperations)
		return false;
	rte = linitial_node(RangeTblEntry, query->rtable);
	if (rte->rtekind != RTE_SUBQUERY || !rte->subquery->hasWindowFuncs)
		return false;
	foreach(lc, query->targetList)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		if (!tle->resjunk && tle->resname && strcmp(tle->resname, PART_PREFIX "1") == 0)
			return true;
	}
	return false;
}

/* The outer query's Vars of W replaced by W's expressions. */
static Node *
flatten_mutator(Node *node, Query *sub)
{
	if (node == NULL)
		return NULL;
	if (IsA(node, Var) && ((Var *) node)->varlevelsup == 0 && ((Var *) node)->varno == 1)
		return copyObject((Node *) get_tle_by_resno(sub->targetList,
													((Var *) node)->varattno)->expr);
	return expression_tree_mutator(node, flatten_mutator, sub);
}

/*
 * The mapped query of a stored window view (NULL: not one): W's FROM and
 * WHERE, every result column with window-dependent ones NULL, as
 * SELECT DISTINCT ON (partition columns).
 */
Query *
window_mapped(Query *query)
{
	Query	   *sub;
	Query	   *m;
	List	   *tlist = NIL;
	List	   *sgcs = NIL;
	ListCell   *lc;
	Index		nparts = 0;

	if (!window_stored_form(query))
		return NULL;
	sub = linitial_node(RangeTblEntry, query->rtable)->subquery;
	m = copyObject(sub);
	foreach(lc, query->targetList)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);
		Node	   *expr;
		TargetEntry *nt;

		if (tle->resjunk)
			continue;
		expr = flatten_mutator((Node *) tle->expr, sub);
		if (contain_window_function(expr))
			expr = (Node *) makeNullConst(exprType(expr), exprTypmod(expr), exprCollation(expr));
		nt = makeTargetEntry((Expr *) expr, list_length(tlist) + 1, pstrdup(tle->resname), false);
		if (strncmp(tle->resname, PART_PREFIX, strlen(PART_PREFIX)) == 0)
		{
			SortGroupClause *sgc = makeNode(SortGroupClause);

			get_sort_group_operators(exprType(expr), true, true, false,
									 &sgc->sortop, &sgc->eqop, NULL, &sgc->hashable);
			sgc->tleSortGroupRef = nt->ressortgroupref = ++nparts;
			sgc->nulls_first = false;
			sgcs = lappend(sgcs, sgc);
		}
		tlist = lappend(tlist, nt);
	}
	m->targetList = tlist;
	m->windowClause = NIL;
	m->hasWindowFuncs = false;
	m->sortClause = sgcs;
	m->distinctClause = copyObject(sgcs);
	m->hasDistinctOn = true;

	/*
	 * Not deparsed and analyzed again: deparsed alone, a query over one
	 * table prints its columns unqualified, and DISTINCT ON (n) would then
	 * name an output column n (a window's value) instead of the table's.
	 */
	return m;
}

/* The maintained query of a stored view: row_number() or window form. */
Query *
view_mapped_query(Query *query)
{
	Query	   *mapped = row_number_mapped(query, NULL);

	return mapped ? mapped : window_mapped(query);
}

/* W's target entry of the n-th partition column. */
static TargetEntry *
part_tle(Query *query, Query *sub, int n)
{
	char	   *name = psprintf(PART_PREFIX "%d", n);
	ListCell   *lc;

	foreach(lc, query->targetList)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		if (!tle->resjunk && strcmp(tle->resname, name) == 0 && IsA(tle->expr, Var))
			return get_tle_by_resno(sub->targetList, ((Var *) tle->expr)->varattno);
	}
	elog(ERROR, "stepping: a window view has no partition column %d", n);
	return NULL;				/* keep compiler quiet */
}

/*
 * The stored query of one partition: W's WHERE also requires each
 * partition expression to equal $k (IS NULL where isnull[k]), numbering
 * the parameters over the non-NULL ones.  Runs before W's windows, so the
 * windows see exactly the partition's rows.
 */
char *
window_part_sql(Query *stored, int nparts, const bool *isnull)
{
	Query	   *query = copyObject(stored);
	Query	   *sub = linitial_node(RangeTblEntry, query->rtable)->subquery;
	List	   *quals = NIL;
	int			k;
	int			nargs = 0;

	for (k = 0; k < nparts; k++)
	{
		Expr	   *e = copyObject(part_tle(query, sub, k + 1)->expr);

		if (isnull[k])
		{
			NullTest   *nt = makeNode(NullTest);

			nt->arg = e;
			nt->nulltesttype = IS_NULL;
			nt->argisrow = false;
			nt->location = -1;
			quals = lappend(quals, nt);
		}
		else
		{
			Param	   *p = makeNode(Param);
			Oid			eqop;

			get_sort_group_operators(exprType((Node *) e), false, true, false,
									 NULL, &eqop, NULL, NULL);
			p->paramkind = PARAM_EXTERN;
			p->paramid = ++nargs;
			p->paramtype = exprType((Node *) e);
			p->paramtypmod = -1;
			p->paramcollid = exprCollation((Node *) e);
			p->location = -1;
			quals = lappend(quals, make_opclause(eqop, BOOLOID, false, e, (Expr *) p,
												 InvalidOid, exprCollation((Node *) e)));
		}
	}
	if (sub->jointree->quals)
		quals = lcons(sub->jointree->quals, quals);
	sub->jointree->quals = (Node *) make_ands_explicit(quals);
	return deparse_view_query(query);
}

/*
 * Collecting what W reads from below its windows: each maximal
 * subexpression without a window function (but constants) becomes a
 * column of the input, the Var of that column in W.
 */
typedef struct PullContext
{
	List	   *exprs;			/* the input's columns, in order */
} PullContext;

static Node *
pull_mutator(Node *node, PullContext *ctx)
{
	ListCell   *lc;
	Expr	   *e = (Expr *) node;

	if (node == NULL || IsA(node, Const))
		return node;
	if (IsA(node, List) || IsA(node, WindowFunc) || contain_window_function(node))
		return expression_tree_mutator(node, pull_mutator, ctx);
	foreach(lc, ctx->exprs)
		if (equal(lfirst(lc), node))
			return (Node *) makeVar(1, foreach_current_index(lc) + 1, exprType(node),
									exprTypmod(node), exprCollation(node), 0);
	ctx->exprs = lappend(ctx->exprs, copyObject(e));
	return (Node *) makeVar(1, list_length(ctx->exprs), exprType(node),
							exprTypmod(node), exprCollation(node), 0);
}

/* Whether a window clause refers to a target entry (PARTITION BY, ORDER BY). */
static bool
window_refers(Query *query, TargetEntry *tle)
{
	ListCell   *lc;

	if (tle->ressortgroupref == 0)
		return false;
	foreach(lc, query->windowClause)
	{
		WindowClause *wc = lfirst_node(WindowClause, lc);

		if (get_sortgroupref_clause_noerr(tle->ressortgroupref, wc->partitionClause) ||
			get_sortgroupref_clause_noerr(tle->ressortgroupref, wc->orderClause))
			return true;
	}
	return false;
}

/*
 * Everything below the windows as an internal view: its columns are the
 * window-free subexpressions of the select list and the window keys; W
 * reads them.  Returns W over the internal view, indexed on cols (the
 * input columns named by the partition, filled in by the caller later).
 */
static Query *
input_as_view(Query *query, RangeVar *rv, int *counter, List **internal, Oid *inputid)
{
	Query	   *w = copyObject(query);
	Query	   *in = copyObject(query);
	PullContext ctx = {NIL};
	List	   *tlist = NIL;
	List	   *names = NIL;
	List	   *subnames;
	ListCell   *lc;
	RangeTblEntry *rte;
	RangeTblRef *rtr = makeNode(RangeTblRef);
	int			i = 0;

	foreach(lc, w->targetList)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		if (tle->resjunk && !window_refers(query, tle))
			continue;
		tle->expr = (Expr *) pull_mutator((Node *) tle->expr, &ctx);
		tlist = lappend(tlist, tle);
	}
	if (ctx.exprs == NIL)
		ctx.exprs = list_make1(makeBoolConst(true, false));

	/* the input: the collected expressions, then GROUP BY's junk keys */
	in->targetList = NIL;
	foreach(lc, ctx.exprs)
	{
		Node	   *e = lfirst(lc);
		char	   *name = NULL;
		ListCell   *lt;

		foreach(lt, query->targetList)
		{
			TargetEntry *tle = lfirst_node(TargetEntry, lt);

			if (!tle->resjunk && equal(tle->expr, e))
			{
				name = tle->resname;
				break;
			}
		}
		if (name == NULL && IsA(e, Var))
			name = get_rte_attribute_name(rt_fetch(((Var *) e)->varno, query->rtable),
										  ((Var *) e)->varattno);
		names = lappend(names, name ? name : psprintf("c%d", ++i));
		in->targetList = lappend(in->targetList,
								 makeTargetEntry((Expr *) e, list_length(in->targetList) + 1,
												 NULL, false));
	}
	foreach(lc, query->targetList)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		if (tle->ressortgroupref != 0 &&
			get_sortgroupref_clause_noerr(tle->ressortgroupref, query->groupClause))
		{
			TargetEntry *junk = copyObject(tle);

			junk->resjunk = true;
			junk->resname = NULL;
			junk->resno = list_length(in->targetList) + 1;
			in->targetList = lappend(in->targetList, junk);
		}
	}
	in->windowClause = NIL;
	in->hasWindowFuncs = false;
	subnames = internal_column_names(names);
	*inputid = create_subquery_view(in, subnames, rv, counter);
	*internal = lappend_oid(*internal, *inputid);

	/* W: the windows over the internal view's columns */
	rte = makeNode(RangeTblEntry);
	rte->alias = makeAlias("s", NIL);
	rte->eref = makeAlias("s", NIL);
	foreach(lc, subnames)
		rte->eref->colnames = lappend(rte->eref->colnames, makeString(lfirst(lc)));
	rte->inFromCl = true;
	read_internal_view(rte, *inputid);
	rtr->rtindex = 1;
	w->rtable = list_make1(rte);
	w->jointree = makeFromExpr(list_make1(rtr), NULL);
	w->targetList = tlist;
	i = 1;
	foreach(lc, w->targetList)
		lfirst_node(TargetEntry, lc)->resno = i++;
	w->groupClause = NIL;
	w->groupingSets = NIL;
	w->havingQual = NULL;
	w->hasAggs = false;
	w->hasSubLinks = false;
	w->cteList = NIL;
	w->hasRecursive = false;
	return analyze_view_query(deparse_view_query(w), true);
}

/* Aggregates whose value is the same whatever order the rows come in. */
static bool
aggregate_ignores_order(Oid fnoid)
{
	static const char *const names[] = {
		"count", "sum", "avg", "min", "max", "bool_and", "bool_or", "every",
		"bit_and", "bit_or", "bit_xor", "stddev", "stddev_pop", "stddev_samp",
		"variance", "var_pop", "var_samp", "corr", "covar_pop", "covar_samp",
		"regr_count", "regr_sxx", "regr_syy", "regr_sxy", "regr_avgx", "regr_avgy",
		"regr_r2", "regr_slope", "regr_intercept"
	};
	char	   *name = get_func_name(fnoid);
	int			i;

	if (get_func_namespace(fnoid) != PG_CATALOG_NAMESPACE)
		return false;
	for (i = 0; i < (int) lengthof(names); i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

/*
 * Whether a window function's value depends on how rows tied on the
 * window's ORDER BY are ordered (over a ROWS frame, or its own order).
 */
static bool
depends_on_tie_order(WindowFunc *wf, WindowClause *wc)
{
	switch (wf->winfnoid)
	{
		case F_RANK_:
		case F_DENSE_RANK_:
		case F_PERCENT_RANK_:
		case F_CUME_DIST_:
			return false;
		case F_ROW_NUMBER:
		case F_NTILE:
		case F_LAG_ANYELEMENT:
		case F_LAG_ANYELEMENT_INT4:
		case F_LAG_ANYCOMPATIBLE_INT4_ANYCOMPATIBLE:
		case F_LEAD_ANYELEMENT:
		case F_LEAD_ANYELEMENT_INT4:
		case F_LEAD_ANYCOMPATIBLE_INT4_ANYCOMPATIBLE:
		case F_FIRST_VALUE:
		case F_LAST_VALUE:
		case F_NTH_VALUE:
			return true;
	}
	if (wf->winagg && aggregate_ignores_order(wf->winfnoid))
		return (wc->frameOptions & FRAMEOPTION_ROWS) != 0;
	return true;
}

/* Functions whose value ignores the window frame. */
static bool
ignores_frame(Oid fnoid)
{
	return fnoid == F_ROW_NUMBER || fnoid == F_NTILE ||
		fnoid == F_LAG_ANYELEMENT || fnoid == F_LAG_ANYELEMENT_INT4 ||
		fnoid == F_LAG_ANYCOMPATIBLE_INT4_ANYCOMPATIBLE ||
		fnoid == F_LEAD_ANYELEMENT || fnoid == F_LEAD_ANYELEMENT_INT4 ||
		fnoid == F_LEAD_ANYCOMPATIBLE_INT4_ANYCOMPATIBLE;
}

/*
 * The frame of a window ordered further by a tie key, or -1 when that key
 * would change which rows the frame holds (its bounds follow peers).
 */
static int
frame_with_tie_key(WindowFunc *wf, WindowClause *wc)
{
	int			opts = wc->frameOptions;
	bool		unbounded = (opts & FRAMEOPTION_START_UNBOUNDED_PRECEDING) &&
		(opts & FRAMEOPTION_END_UNBOUNDED_FOLLOWING);

	if (ignores_frame(wf->winfnoid))
		return opts;
	if (opts & (FRAMEOPTION_EXCLUDE_GROUP | FRAMEOPTION_EXCLUDE_TIES))
		return -1;
	if (wc->orderClause == NIL && !(opts & FRAMEOPTION_ROWS))
	{
		/* every row a peer: the frame is the whole partition */
		return FRAMEOPTION_NONDEFAULT | FRAMEOPTION_ROWS | FRAMEOPTION_BETWEEN |
			FRAMEOPTION_START_UNBOUNDED_PRECEDING | FRAMEOPTION_END_UNBOUNDED_FOLLOWING |
			(opts & FRAMEOPTION_EXCLUDE_CURRENT_ROW);
	}
	if ((opts & FRAMEOPTION_ROWS) || unbounded ||
		(wf->winfnoid == F_FIRST_VALUE && (opts & FRAMEOPTION_START_UNBOUNDED_PRECEDING)))
		return opts;
	return -1;
}

/*
 * Whether the window's PARTITION BY and ORDER BY cover every column of a
 * unique index of NOT NULL columns of the table W reads: no two rows of a
 * partition tie.
 */
static bool
window_order_is_total(Query *w, WindowClause *wc)
{
	Query	   *probe = copyObject(w);

	probe->sortClause = list_concat(list_copy(wc->partitionClause), wc->orderClause);
	return topk_order_is_total(probe);
}

typedef struct TieContext
{
	Query	   *w;
	List	   *origs;			/* per copy made: the window it copies, */
	List	   *frames;			/* ... its frame, */
	List	   *copies;			/* ... and its own winref */
	SortGroupClause *tie;		/* the tie key's sort clause */
} TieContext;

static bool
tie_walker(Node *node, TieContext *ctx)
{
	if (node == NULL)
		return false;
	if (IsA(node, WindowFunc))
	{
		WindowFunc *wf = (WindowFunc *) node;
		WindowClause *wc = NULL;
		WindowClause *copy;
		ListCell   *lc;
		int			frame;
		int			i;

		foreach(lc, ctx->w->windowClause)
			if (lfirst_node(WindowClause, lc)->winref == wf->winref)
				wc = lfirst_node(WindowClause, lc);
		Assert(wc != NULL);
		if (!depends_on_tie_order(wf, wc) || window_order_is_total(ctx->w, wc))
			return false;
		frame = frame_with_tie_key(wf, wc);
		if (frame < 0)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("stepping cannot maintain %s over a window whose ORDER BY may tie",
							get_func_name(wf->winfnoid)),
					 errdetail("Its frame ends at the current row's peers, so its value depends on which of the tied rows PostgreSQL happens to read last."),
					 errhint("Add a unique column (the primary key) at the end of the window's ORDER BY, or use a ROWS frame.")));
		/* one copy per window and frame */
		for (i = 0; i < list_length(ctx->origs); i++)
			if (list_nth_int(ctx->origs, i) == (int) wc->winref &&
				list_nth_int(ctx->frames, i) == frame)
			{
				wf->winref = list_nth_int(ctx->copies, i);
				return false;
			}
		copy = copyObject(wc);
		copy->name = NULL;
		copy->refname = NULL;
		copy->copiedOrder = false;
		copy->winref = list_length(ctx->w->windowClause) + 1;
		copy->orderClause = lappend(list_copy(wc->orderClause), ctx->tie);
		copy->frameOptions = frame;
		ctx->w->windowClause = lappend(ctx->w->windowClause, copy);
		ctx->origs = lappend_int(ctx->origs, wc->winref);
		ctx->frames = lappend_int(ctx->frames, frame);
		ctx->copies = lappend_int(ctx->copies, copy->winref);
		wf->winref = copy->winref;
		return false;
	}
	return expression_tree_walker(node, tie_walker, ctx);
}

/*
 * Give the functions that depend on the order of tied rows windows ordered
 * further by the text of the columns W reads.
 */
static void
add_tie_keys(Query *w, List *vars)
{
	TieContext ctx = {w, NIL, NIL, NIL, NULL};
	RowExpr    *row = makeNode(RowExpr);
	CoerceViaIO *text = makeNode(CoerceViaIO);
	CollateExpr *coll = makeNode(CollateExpr);
	TargetEntry *tle;
	SortGroupClause *sgc = makeNode(SortGroupClause);

	row->args = copyObject(vars);
	row->row_typeid = RECORDOID;
	row->row_format = COERCE_EXPLICIT_CALL;
	row->location = -1;
	text->arg = (Expr *) row;
	text->resulttype = TEXTOID;
	text->resultcollid = DEFAULT_COLLATION_OID;
	text->coerceformat = COERCE_EXPLICIT_CAST;
	text->location = -1;
	coll->arg = (Expr *) text;
	coll->collOid = C_COLLATION_OID;
	coll->location = -1;
	tle = makeTargetEntry((Expr *) coll, list_length(w->targetList) + 1, NULL, true);
	get_sort_group_operators(TEXTOID, true, true, false,
							 &sgc->sortop, &sgc->eqop, NULL, &sgc->hashable);
	sgc->tleSortGroupRef = assignSortGroupRef(tle, w->targetList);
	sgc->nulls_first = false;
	ctx.tie = sgc;
	(void) tie_walker((Node *) w->targetList, &ctx);
	if (ctx.copies != NIL)
		w->targetList = lappend(w->targetList, tle);
}

/* The PARTITION BY expressions every window of W shares (at most 8). */
static List *
common_partition(Query *w)
{
	WindowClause *first = linitial_node(WindowClause, w->windowClause);
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, first->partitionClause)
	{
		Node	   *e = (Node *) get_sortgroupclause_expr(lfirst_node(SortGroupClause, lc),
														  w->targetList);
		bool		shared = true;
		ListCell   *lw;

		foreach(lw, w->windowClause)
		{
			WindowClause *wc = lfirst_node(WindowClause, lw);
			ListCell   *lp;
			bool		found = false;

			foreach(lp, wc->partitionClause)
				if (equal(get_sortgroupclause_expr(lfirst_node(SortGroupClause, lp),
												   w->targetList), e))
					found = true;
			shared &= found;
		}
		if (shared && list_length(result) < MAX_PARTS)
			result = list_append_unique(result, e);
	}
	return result;
}

/* Refuse what a window view may not have, with its reason. */
static void
validate_window_query(Query *query)
{
	if (query->sortClause)
		stepping_reject_because("ORDER BY", "A view's rows have no order.",
								"Remove ORDER BY and sort when you read the result table, or add a LIMIT to keep the first rows.");
	if (query->distinctClause)
		stepping_reject("DISTINCT together with window functions",
						"Compute the window functions in a subquery in FROM and apply DISTINCT to it.");
	if (query->hasTargetSRFs)
		stepping_reject("set-returning functions in the select list", NULL);
	if (query->groupingSets)
		stepping_reject("GROUPING SETS, ROLLUP or CUBE", "Use a plain GROUP BY.");
	if (query->rowMarks || query->hasForUpdate)
		stepping_reject("FOR UPDATE or FOR SHARE", "Remove the locking clause.");
	if (contain_volatile_functions((Node *) query->targetList))
		stepping_reject("volatile functions in a window view", "Remove random(), nextval() and other volatile calls.");
	reject_reserved_names(query);
}

/*
 * Validate what W reads below its windows (over one table, where no
 * internal view does it): its window-free subexpressions as a query's
 * columns, checked as any view's.
 */
static void
validate_input(Query *query)
{
	Query	   *probe = copyObject(query);
	PullContext ctx = {NIL};
	ListCell   *lc;

	foreach(lc, probe->targetList)
		(void) pull_mutator((Node *) lfirst_node(TargetEntry, lc)->expr, &ctx);
	if (ctx.exprs == NIL)
		return;
	probe->targetList = NIL;
	foreach(lc, ctx.exprs)
		probe->targetList = lappend(probe->targetList,
									makeTargetEntry(lfirst(lc), list_length(probe->targetList) + 1,
													psprintf("c%d", list_length(probe->targetList) + 1),
													false));
	probe->windowClause = NIL;
	probe->hasWindowFuncs = false;
	validate_view_query(analyze_view_query(deparse_view_query(probe), true));
}

/* CREATE INDEX on the columns of the internal view the partition reads. */
static void
index_partition(Oid inputid, List *parts)
{
	StringInfoData cols;
	ListCell   *lc;

	initStringInfo(&cols);
	foreach(lc, parts)
	{
		Var		   *v = (Var *) lfirst(lc);

		if (!IsA(v, Var))
			return;
		appendStringInfo(&cols, "%s%s", cols.len ? ", " : "",
						 quote_identifier(get_attname(inputid, v->varattno, false)));
	}
	if (cols.len == 0)
		return;
	create_view_index(psprintf("CREATE INDEX ON %s (%s)", qualified_relname(inputid), cols.data));
}

/*
 * create_view: the stored form of a query with window functions in its
 * select list (internal views made on the way are added to *internal).
 */
Query *
rewrite_window(Query *query, RangeVar *rv, int *counter, List **internal)
{
	Query	   *w;
	List	   *parts;
	List	   *vars;
	List	   *visible = NIL;
	List	   *junk = NIL;
	List	   *hidden = NIL;
	List	   *aliases = NIL;
	ListCell   *lc;
	StringInfoData sql;
	Oid			inputid = InvalidOid;
	int			n;

	validate_window_query(query);
	if (query_reads_one_table(query) && !query->hasAggs && !query->groupClause &&
		!query->havingQual)
	{
		validate_input(query);
		w = copyObject(query);
	}
	else
		w = input_as_view(query, rv, counter, internal, &inputid);

	parts = common_partition(w);
	if (OidIsValid(inputid))
		index_partition(inputid, parts);
	if (parts == NIL)
		parts = list_make1(makeBoolConst(true, false));
	vars = pull_var_clause((Node *) w->targetList,
						   PVC_RECURSE_AGGREGATES | PVC_RECURSE_WINDOWFUNCS |
						   PVC_RECURSE_PLACEHOLDERS);
	{
		List	   *unique = NIL;

		foreach(lc, vars)
			unique = list_append_unique(unique, lfirst(lc));
		vars = unique;
	}
	if (vars != NIL)
		add_tie_keys(w, vars);

	/* output columns, then partition and input columns, then junk */
	foreach(lc, w->targetList)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		if (tle->resjunk)
			junk = lappend(junk, tle);
		else
			visible = lappend(visible, tle);
	}
	n = 0;
	foreach(lc, parts)
		hidden = lappend(hidden, makeTargetEntry(copyObject(lfirst(lc)), 0,
												 psprintf(PART_PREFIX "%d", ++n), false));
	n = 0;
	foreach(lc, vars)
	{
		ListCell   *lv;
		bool		shown = false;

		foreach(lv, visible)
			shown |= equal(lfirst_node(TargetEntry, lv)->expr, lfirst(lc));
		if (!shown)
			hidden = lappend(hidden, makeTargetEntry(copyObject(lfirst(lc)), 0,
													 psprintf(INPUT_PREFIX "%d", ++n), false));
	}
	w->targetList = list_concat(list_concat(list_copy(visible), hidden), junk);
	n = 1;
	foreach(lc, w->targetList)
		lfirst_node(TargetEntry, lc)->resno = n++;

	/* the outer query: W's columns under their names */
	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT ");
	n = 0;
	foreach(lc, list_concat(list_copy(visible), hidden))
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);
		char	   *alias = psprintf("c%d", ++n);

		aliases = lappend(aliases, alias);
		appendStringInfo(&sql, "%sw.%s AS %s", n > 1 ? ", " : "", alias,
						 quote_identifier(tle->resname ? tle->resname : "?column?"));
	}
	appendStringInfo(&sql, " FROM (%s) w(", deparse_view_query(w));
	foreach(lc, aliases)
		appendStringInfo(&sql, "%s%s", foreach_current_index(lc) ? ", " : "",
						 (char *) lfirst(lc));
	appendStringInfoString(&sql, ")");
	return analyze_view_query(sql.data, true);
}
