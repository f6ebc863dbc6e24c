/*-------------------------------------------------------------------------
 *
 * lateral.c
 *	  LATERAL subqueries correlated by equalities, as the joins they equal:
 *
 *	    FROM g, LATERAL (SELECT ... FROM t WHERE t.k = g.id AND ...
 *	                     ORDER BY x LIMIT n [OFFSET m]) s
 *
 *	  is, for each row of g, the first rows of t's group t.k = g.id.  That
 *	  is the top-k per group of t, partitioned by t.k, joined with g on
 *	  t.k = g.id:
 *
 *	    FROM g, (SELECT q.<cols>, q.k1 AS "lateral key 1" FROM
 *	               (SELECT ..., t.k, row_number() OVER
 *	                  (PARTITION BY t.k ORDER BY x)
 *	                  FROM t WHERE ...) q(..., k1, rn)
 *	             WHERE q.rn > m AND q.rn <= m+n) s
 *	     WHERE s."lateral key 1" = g.id
 *
 *	  The subquery then is the row_number() filter (row_number.c), which
 *	  over one table is the per-group top-k operator, and over anything
 *	  else an outer query over a window view (window.c).  WITH TIES counts
 *	  with rank() instead (and with OFFSET, skips by row_number()).  Without
 *	  LIMIT the subquery is a plain join input (its ORDER BY means nothing);
 *	  with LIMIT 0 it holds no row.
 *
 *	  Why this is the same: a row of g with g.id = v meets exactly the rows
 *	  of partition v; the equality is the type's default one, whose classes
 *	  are PARTITION BY's; a NULL g.id meets nothing either way.  LEFT JOIN
 *	  LATERAL ... ON c keeps its ON with the equalities added to it.
 *
 *	  Only equalities  inner-expression = outer-expression  AND-ed in the
 *	  subquery's WHERE may read the tables before it; the subquery may not
 *	  aggregate, group, DISTINCT, window, nest subqueries or set operations
 *	  (refused by the caller as any other LATERAL).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/stratnum.h"
#include "catalog/pg_am.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "optimizer/prep.h"
#include "parser/parse_oper.h"
#include "parser/parsetree.h"
#include "rewrite/rewriteManip.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

#include "stepping.h"
#include "compile/compile.h"

/* One correlating equality: inner = outer (outer at level 1 in the sub). */
typedef struct Correlation
{
	Expr	   *inner;
	Expr	   *outer;
	Oid			opno;
	Oid			collid;
	bool		outer_first;	/* written  outer = inner */
} Correlation;

/* Whether conjunct is  inner = outer  with the default equality; fills c. */
static bool
correlation_of(Expr *conjunct, Correlation *c)
{
	OpExpr	   *op = (OpExpr *) conjunct;
	Expr	   *l,
			   *r;
	Oid			type;
	Oid			family;
	bool		swapped = false;

	if (!IsA(conjunct, OpExpr) || list_length(op->args) != 2)
		return false;
	l = linitial(op->args);
	r = lsecond(op->args);
	if (contain_vars_of_level((Node *) l, 1))
	{
		Expr	   *t = l;

		l = r;
		r = t;
		swapped = true;
	}
	/* l reads only the subquery's tables, r only the outer ones */
	if (contain_vars_of_level((Node *) l, 1) || !contain_vars_of_level((Node *) r, 1) ||
		contain_vars_of_level((Node *) r, 0) || contain_agg_clause((Node *) r) ||
		contain_volatile_functions((Node *) l))
		return false;
	/*
	 * PARTITION BY groups by the default btree equality of the inner
	 * expression's type: the operator must be an equality of that operator
	 * family (int4 = int8 is; a user's equality on other terms is not), and
	 * compare under the inner expression's collation.
	 */
	type = exprType((Node *) l);
	family = get_opclass_family(GetDefaultOpClass(type, BTREE_AM_OID));
	if (!OidIsValid(family) ||
		get_op_opfamily_strategy(op->opno, family) != BTEqualStrategyNumber ||
		op->inputcollid != exprCollation((Node *) l))
		return false;
	c->inner = l;
	c->outer = r;
	c->opno = op->opno;
	c->collid = op->inputcollid;
	c->outer_first = swapped;
	return true;
}

/* A SortGroupClause of the default ordering of a target entry's type. */
static SortGroupClause *
partition_clause(TargetEntry *tle, Index ref)
{
	SortGroupClause *sgc = makeNode(SortGroupClause);
	Oid			type = exprType((Node *) tle->expr);
	Oid			lt,
				eq;
	bool		hashable;

	get_sort_group_operators(type, true, true, false, &lt, &eq, NULL, &hashable);
	tle->ressortgroupref = ref;
	sgc->tleSortGroupRef = ref;
	sgc->eqop = eq;
	sgc->sortop = lt;
	sgc->nulls_first = false;
	sgc->hashable = hashable;
	return sgc;
}

/* rank() or row_number() over window 1, as a visible target entry. */
static TargetEntry *
window_entry(Oid fnoid, AttrNumber resno, const char *name)
{
	WindowFunc *wf = makeNode(WindowFunc);

	wf->winfnoid = fnoid;
	wf->wintype = INT8OID;
	wf->wincollid = InvalidOid;
	wf->inputcollid = InvalidOid;
	wf->args = NIL;
	wf->aggfilter = NULL;
	wf->winref = 1;
	wf->winstar = false;
	wf->winagg = false;
	wf->location = -1;
	return makeTargetEntry((Expr *) wf, resno, pstrdup(name), false);
}

/*
 * Where the equalities go: the ON of the join whose right side the
 * subquery is (when its left side holds every table they read), or WHERE
 * when only inner joins lie between the subquery and the top.  NULL:
 * neither (the caller refuses).
 */
static Node **
quals_slot(Query *query, Node *node, int rtindex, Relids outer, bool all_inner, Node **where)
{
	if (node == NULL)
		return NULL;
	if (IsA(node, FromExpr))
	{
		ListCell   *lc;

		foreach(lc, ((FromExpr *) node)->fromlist)
		{
			Node	   *item = lfirst(lc);
			Node	  **slot;

			if (IsA(item, RangeTblRef) && ((RangeTblRef *) item)->rtindex == rtindex)
				return where;
			slot = quals_slot(query, item, rtindex, outer, all_inner, where);
			if (slot)
				return slot;
		}
		return NULL;
	}
	if (IsA(node, JoinExpr))
	{
		JoinExpr   *j = (JoinExpr *) node;
		bool		inner = all_inner && j->jointype == JOIN_INNER;
		Node	  **slot;

		if (IsA(j->rarg, RangeTblRef) && ((RangeTblRef *) j->rarg)->rtindex == rtindex)
		{
			if ((j->jointype == JOIN_INNER || j->jointype == JOIN_LEFT) &&
				bms_is_subset(outer, get_relids_in_jointree(j->larg, true)))
				return &j->quals;
			return inner ? where : NULL;
		}
		if (IsA(j->larg, RangeTblRef) && ((RangeTblRef *) j->larg)->rtindex == rtindex)
			return inner ? where : NULL;
		slot = quals_slot(query, j->larg, rtindex, outer, inner, where);
		if (slot == NULL)
			slot = quals_slot(query, j->rarg, rtindex, outer, inner, where);
		return slot;
	}
	return NULL;
}

/*
 * Rewrite the LATERAL subquery at rtindex of query into the join it
 * equals (see the header), in place.  Returns the number of its lateral
 * key columns (its last output columns), -1 when it is not of that form
 * (nothing changed).
 */
int
rewrite_lateral(Query *query, int rtindex)
{
	RangeTblEntry *rte = rt_fetch(rtindex, query->rtable);
	Query	   *sub = copyObject(rte->subquery);
	List	   *kept = NIL;
	List	   *corrs = NIL;
	List	   *visible = NIL,
			   *junk = NIL,
			   *lats = NIL;
	List	   *tlist;
	ListCell   *lc;
	Relids		outer = NULL;
	Node	  **slot;
	int			nvis = 0;
	int			nlat;
	int64		limit = -1,
				offset = 0;
	bool		ties;
	Index		maxref = 0;
	StringInfoData sql,
				cols;
	Query	   *wrapped;
	int			i;

	if (sub->hasAggs || sub->groupClause || sub->havingQual || sub->distinctClause ||
		sub->hasWindowFuncs || sub->hasSubLinks || sub->setOperations ||
		sub->hasTargetSRFs || sub->cteList || sub->rowMarks || sub->groupingSets)
		return -1;
	if (sub->limitCount || sub->limitOffset)
	{
		Node	   *lim = sub->limitCount ? eval_const_expressions(NULL, sub->limitCount) : NULL;
		Node	   *off = sub->limitOffset ? eval_const_expressions(NULL, sub->limitOffset) : NULL;

		/* LIMIT needs an order, and constants; LIMIT ALL / OFFSET alone: no */
		if (sub->sortClause == NIL || lim == NULL || !IsA(lim, Const) ||
			((Const *) lim)->constisnull || (off && !IsA(off, Const)))
			return -1;
		limit = DatumGetInt64(((Const *) lim)->constvalue);
		offset = (off && !((Const *) off)->constisnull) ? DatumGetInt64(((Const *) off)->constvalue) : 0;
		if (limit < 0 || offset < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_ROW_COUNT_IN_LIMIT_CLAUSE),
					 errmsg("LIMIT and OFFSET must not be negative")));
	}
	ties = sub->limitOption == LIMIT_OPTION_WITH_TIES;

	/* the correlating equalities leave the subquery's WHERE */
	foreach(lc, make_ands_implicit((Expr *) sub->jointree->quals))
	{
		Expr	   *q = (Expr *) lfirst(lc);
		Correlation *c = palloc(sizeof(Correlation));

		if (!contain_vars_of_level((Node *) q, 1))
			kept = lappend(kept, q);
		else if (correlation_of(q, c))
			corrs = lappend(corrs, c);
		else
			return -1;
	}
	sub->jointree->quals = kept ? (Node *) make_ands_explicit(kept) : NULL;
	if (contain_vars_of_level((Node *) sub, 1))
		return -1;			/* read elsewhere: FROM, select list, ORDER BY */
	nlat = list_length(corrs);
	if (nlat > 8)
		return -1;

	/* where the equalities go in the query */
	foreach(lc, corrs)
	{
		Node	   *o = copyObject((Node *) ((Correlation *) lfirst(lc))->outer);

		IncrementVarSublevelsUp(o, -1, 1);
		outer = bms_add_members(outer, pull_varnos(NULL, o));
	}
	slot = quals_slot(query, (Node *) query->jointree, rtindex, outer, true,
					  &query->jointree->quals);
	if (slot == NULL)
		return -1;

	/* columns: the subquery's own, its inner expressions, rn [, rank] */
	foreach(lc, sub->targetList)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		maxref = Max(maxref, tle->ressortgroupref);
		if (tle->resjunk)
			junk = lappend(junk, tle);
		else
		{
			visible = lappend(visible, tle);
			nvis++;
		}
	}
	i = 0;
	foreach(lc, corrs)
	{
		Correlation *c = (Correlation *) lfirst(lc);

		lats = lappend(lats, makeTargetEntry(copyObject(c->inner), 0,
											 psprintf("lateral key %d", ++i),
											 false));
	}
	tlist = list_concat(list_copy(visible), lats);
	if (limit > 0)
	{
		WindowClause *wc = makeNode(WindowClause);

		wc->partitionClause = NIL;
		foreach(lc, lats)
			wc->partitionClause = lappend(wc->partitionClause,
										  partition_clause(lfirst_node(TargetEntry, lc), ++maxref));
		wc->orderClause = sub->sortClause;
		wc->frameOptions = FRAMEOPTION_DEFAULTS;
		wc->winref = 1;
		sub->windowClause = list_make1(wc);
		sub->hasWindowFuncs = true;
		tlist = lappend(tlist, window_entry(F_ROW_NUMBER, 0, "__stepping_rn"));
		if (ties)
			tlist = lappend(tlist, window_entry(F_RANK_, 0, "__stepping_rk"));
	}
	sub->targetList = list_concat(tlist, junk);
	i = 1;
	foreach(lc, sub->targetList)
		lfirst_node(TargetEntry, lc)->resno = i++;
	sub->sortClause = NIL;
	sub->limitCount = NULL;
	sub->limitOffset = NULL;
	sub->limitOption = LIMIT_OPTION_DEFAULT;

	/* the wrapper: the rows m+1 .. m+n of each partition */
	initStringInfo(&cols);
	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT ");
	for (i = 0; i < nvis + nlat; i++)
	{
		const char *name = i < nvis ? strVal(list_nth(rte->eref->colnames, i))
			: psprintf("lateral key %d", i - nvis + 1);

		appendStringInfo(&sql, "%sq.c%d AS %s", i ? ", " : "", i + 1, quote_identifier(name));
		appendStringInfo(&cols, "%sc%d", i ? ", " : "", i + 1);
	}
	if (limit > 0)
		appendStringInfoString(&cols, ties ? ", rn, rk" : ", rn");
	appendStringInfo(&sql, " FROM (%s) q(%s)", deparse_view_query(sub), cols.data);
	if (limit < 0)
		resetStringInfo(&sql);	/* no LIMIT: the subquery alone */
	if (limit < 0)
		appendStringInfoString(&sql, deparse_view_query(sub));
	else if (limit == 0)
		appendStringInfoString(&sql, " WHERE false");
	else if (limit > 0 && !ties)
		appendStringInfo(&sql, " WHERE q.rn > " INT64_FORMAT " AND q.rn <= " INT64_FORMAT,
						 offset, offset + limit);
	else if (limit > 0 && offset == 0)
		appendStringInfo(&sql, " WHERE q.rk <= " INT64_FORMAT, limit);
	else if (limit > 0)
		appendStringInfo(&sql, " WHERE q.rn > " INT64_FORMAT " AND q.rk <= " INT64_FORMAT,
						 offset, offset + limit);
	wrapped = analyze_view_query(sql.data, true);

	/* the subquery is now that join input, the equalities in the query */
	rte->subquery = wrapped;
	rte->lateral = false;
	for (i = 1; i <= nlat; i++)
		rte->eref->colnames = lappend(rte->eref->colnames,
									  makeString(psprintf("lateral key %d", i)));
	i = 0;
	foreach(lc, corrs)
	{
		Correlation *c = (Correlation *) lfirst(lc);
		Expr	   *o = copyObject(c->outer);
		Var		   *v = makeVar(rtindex, nvis + (++i), exprType((Node *) c->inner),
								exprTypmod((Node *) c->inner), exprCollation((Node *) c->inner), 0);
		Expr	   *eq;

		IncrementVarSublevelsUp((Node *) o, -1, 1);
		eq = c->outer_first
			? make_opclause(c->opno, BOOLOID, false, o, (Expr *) v, InvalidOid, c->collid)
			: make_opclause(c->opno, BOOLOID, false, (Expr *) v, o, InvalidOid, c->collid);
		*slot = *slot ? (Node *) make_and_qual(*slot, (Node *) eq) : (Node *) eq;
	}
	return nlat;
}
