/*-------------------------------------------------------------------------
 *
 * row_number.c
 *	  Top-k per group written with row_number():
 *
 *	    SELECT ... FROM (SELECT ..., row_number() OVER (PARTITION BY p
 *	                     ORDER BY o) AS rn FROM t WHERE ...) s
 *	     WHERE rn <= k          (rn < k+1, rn = 1, rn BETWEEN a AND b)
 *
 *	  - k = 1 from row 1 is the DISTINCT ON (p) ... ORDER BY p, o it equals
 *	    (rn the constant 1; without PARTITION BY, ORDER BY o LIMIT 1):
 *	    rewrite_row_number returns that query, over any FROM.
 *	  - otherwise, over one table read through WHERE and expressions, the
 *	    query stays windowed: the window keys the outer query does not
 *	    output become hidden output columns (__stepping_sort_N), and the
 *	    view is a top-k view of rows a .. b per group (operators/topk.c).
 *	    Its "mapped" query, row_number_mapped, is the same as a DISTINCT ON
 *	    query over the table with rn as a NULL bigint column: compile,
 *	    validate and the result table's shape read that one, and the
 *	    operator fills rn in.
 *	  Any other filter on row_number() is an outer query over a window view
 *	  (window.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"

#include "stepping.h"
#include "compile/compile.h"

/* The outer WHERE on rn: rows first .. last (last < 0: no bound). */
static bool
rn_bound(Node *node, AttrNumber rnatt, int64 *first, int64 *last)
{
	OpExpr	   *op = (OpExpr *) node;
	Node	   *l,
			   *r;
	char	   *name;
	Const	   *c;
	int64		v;

	if (IsA(node, BoolExpr) && ((BoolExpr *) node)->boolop == AND_EXPR)
	{
		ListCell   *lc;

		foreach(lc, ((BoolExpr *) node)->args)
			if (!rn_bound(lfirst(lc), rnatt, first, last))
				return false;
		return true;
	}
	if (!IsA(node, OpExpr) || list_length(op->args) != 2)
		return false;
	l = linitial(op->args);
	r = lsecond(op->args);
	name = get_opname(op->opno);
	if (IsA(l, Const) && IsA(r, Var))
	{
		Node	   *t = l;

		l = r;
		r = t;
		name = strcmp(name, "<=") == 0 ? ">=" : strcmp(name, "<") == 0 ? ">"
			: strcmp(name, ">=") == 0 ? "<=" : strcmp(name, ">") == 0 ? "<" : name;
	}
	if (!IsA(l, Var) || ((Var *) l)->varno != 1 || ((Var *) l)->varlevelsup != 0 ||
		((Var *) l)->varattno != rnatt || !IsA(r, Const))
		return false;
	c = (Const *) r;
	if (c->constisnull || (c->consttype != INT8OID && c->consttype != INT4OID))
		return false;
	v = c->consttype == INT8OID ? DatumGetInt64(c->constvalue) : DatumGetInt32(c->constvalue);
	if (strcmp(name, "=") == 0)
	{
		*first = Max(*first, v);
		*last = (*last < 0) ? v : Min(*last, v);
	}
	else if (strcmp(name, "<=") == 0)
		*last = (*last < 0) ? v : Min(*last, v);
	else if (strcmp(name, "<") == 0)
		*last = (*last < 0) ? v - 1 : Min(*last, v - 1);
	else if (strcmp(name, ">=") == 0)
		*first = Max(*first, v);
	else if (strcmp(name, ">") == 0)
		*first = Max(*first, v + 1);
	else
		return false;
	return true;
}

/*
 * Whether query is the row_number() filter above; fills spec (rows
 * first .. last of each group, the subquery's rn column, its window).
 */
bool
row_number_form(Query *query, RowNumberSpec *spec)
{
	RangeTblEntry *rte;
	Query	   *sub;
	TargetEntry *rntle = NULL;
	ListCell   *lc;

	if (list_length(query->rtable) != 1 || query->hasAggs || query->groupClause ||
		query->distinctClause || query->sortClause || query->limitCount ||
		query->limitOffset || query->hasWindowFuncs || query->hasSubLinks ||
		query->setOperations || query->cteList ||
		list_length(query->jointree->fromlist) != 1 ||
		!IsA(linitial(query->jointree->fromlist), RangeTblRef) ||
		query->jointree->quals == NULL)
		return false;
	rte = linitial_node(RangeTblEntry, query->rtable);
	if (rte->rtekind != RTE_SUBQUERY || rte->lateral)
		return false;
	sub = rte->subquery;
	if (!sub->hasWindowFuncs || list_length(sub->windowClause) != 1 ||
		sub->hasAggs || sub->groupClause || sub->distinctClause || sub->sortClause ||
		sub->limitCount || sub->limitOffset || sub->setOperations)
		return false;
	foreach(lc, sub->targetList)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		if (tle->expr && IsA(tle->expr, WindowFunc) &&
			((WindowFunc *) tle->expr)->winfnoid == F_ROW_NUMBER && rntle == NULL)
			rntle = tle;
		else if (contain_window_function((Node *) tle->expr))
			return false;
	}
	if (rntle == NULL || rntle->resjunk)
		return false;
	spec->first = 1;
	spec->last = -1;
	if (!rn_bound(query->jointree->quals, rntle->resno, &spec->first, &spec->last) ||
		spec->last < spec->first)
		return false;
	spec->rnatt = rntle->resno;
	spec->window = linitial_node(WindowClause, sub->windowClause);
	spec->sub = sub;
	return true;
}

/*
 * The query without the window: the outer columns over the subquery's
 * FROM, the window's PARTITION BY as DISTINCT ON and PARTITION BY + ORDER
 * BY as ORDER BY, rn replaced by rnexpr (analyzed again from its text).
 * Window keys the outer query does not output are added as junk entries,
 * or, with hidden_keys, as hidden output columns (__stepping_sort_N).
 */
static Query *
without_window(Query *query, RowNumberSpec *spec, Expr *rnexpr, bool hidden_keys)
{
	Query	   *sub = copyObject(spec->sub);
	WindowClause *wc = spec->window;
	List	   *tlist = NIL;
	List	   *junk = NIL;
	ListCell   *lc;
	AttrNumber	resno = 1;
	Bitmapset  *used = NULL;
	int			nhidden = 0;

	foreach(lc, query->targetList)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);
		Var		   *v = (Var *) tle->expr;
		TargetEntry *st;
		TargetEntry *nt;

		if (tle->resjunk)
			continue;
		if (!IsA(v, Var) || v->varno != 1 || v->varlevelsup != 0 || v->varattno <= 0)
			return NULL;
		st = list_nth_node(TargetEntry, sub->targetList, v->varattno - 1);
		if (v->varattno == spec->rnatt)
			nt = makeTargetEntry(copyObject(rnexpr), resno++, tle->resname, false);
		else
		{
			nt = makeTargetEntry(copyObject(st->expr), resno++, tle->resname, false);
			/* the first use of a window key carries its reference */
			if (st->ressortgroupref != 0 && !bms_is_member(st->ressortgroupref, used))
			{
				nt->ressortgroupref = st->ressortgroupref;
				used = bms_add_member(used, st->ressortgroupref);
			}
		}
		tlist = lappend(tlist, nt);
	}
	foreach(lc, sub->targetList)
	{
		TargetEntry *st = lfirst_node(TargetEntry, lc);

		if (st->ressortgroupref != 0 && !bms_is_member(st->ressortgroupref, used) &&
			(get_sortgroupref_clause_noerr(st->ressortgroupref, wc->partitionClause) ||
			 get_sortgroupref_clause_noerr(st->ressortgroupref, wc->orderClause)))
		{
			TargetEntry *nt = makeTargetEntry(copyObject(st->expr), 0,
											  hidden_keys ? psprintf("%ssort_%d", STEPPING_HIDDEN_PREFIX, ++nhidden) : NULL,
											  !hidden_keys);

			nt->ressortgroupref = st->ressortgroupref;
			used = bms_add_member(used, st->ressortgroupref);
			junk = lappend(junk, nt);
		}
	}
	foreach(lc, junk)
		lfirst_node(TargetEntry, lc)->resno = resno++;
	sub->targetList = list_concat(tlist, junk);
	sub->windowClause = NIL;
	sub->hasWindowFuncs = false;
	sub->sortClause = list_concat(list_copy(wc->partitionClause), wc->orderClause);
	if (wc->partitionClause)
	{
		sub->distinctClause = list_copy(wc->partitionClause);
		sub->hasDistinctOn = true;
	}
	else
	{
		sub->limitCount = (Node *) makeConst(INT8OID, -1, InvalidOid, 8,
											 Int64GetDatum(1), false, FLOAT8PASSBYVAL);
		sub->limitOption = LIMIT_OPTION_COUNT;
	}
	return analyze_view_query(deparse_view_query(sub), true);
}

/*
 * Whether a query reads one plain table (not a view's result table), with
 * no joins, subqueries, set-returning functions in its select list or WITH
 * queries: only WHERE and expressions stand between the table and its rows.
 * (Its aggregates, grouping and window functions are the caller's to judge.)
 */
bool
query_reads_one_table(Query *query)
{
	RangeTblEntry *rte;

	if (list_length(query->rtable) != 1 || query->hasSubLinks || query->hasTargetSRFs ||
		query->cteList || list_length(query->jointree->fromlist) != 1 ||
		!IsA(linitial(query->jointree->fromlist), RangeTblRef))
		return false;
	rte = linitial_node(RangeTblEntry, query->rtable);
	return rte->rtekind == RTE_RELATION && rte->relkind == RELKIND_RELATION &&
		!catalog_is_result_table(rte->relid);
}

/*
 * Whether rows a .. b per group keep the windowed form (over one table,
 * with PARTITION BY and an upper bound); other filters are outer queries
 * over a window view (window.c).
 */
static bool
row_number_kept(RowNumberSpec *spec)
{
	return query_reads_one_table(spec->sub) && spec->window->partitionClause != NIL &&
		spec->last >= 0;
}

/*
 * create_view: the query to store for a row_number() filter (NULL: not
 * one).  The first row per group becomes a DISTINCT ON query; rows a .. b
 * per group over one table keep the windowed form, with the window keys
 * the outer query does not output as hidden outer columns.
 */
Query *
rewrite_row_number(Query *query)
{
	RowNumberSpec spec;
	Query	   *sub;
	WindowClause *wc;
	Query	   *outer;
	RangeTblEntry *rte;
	ListCell   *lc;
	int			nhidden = 0;
	Bitmapset  *shown = NULL;

	if (!row_number_form(query, &spec))
		return NULL;
	if (spec.first == 1 && spec.last == 1)
		return without_window(query, &spec,
							  (Expr *) makeConst(INT8OID, -1, InvalidOid, 8, Int64GetDatum(1),
												 false, FLOAT8PASSBYVAL), false);
	/* otherwise the subquery is a window view of its own (window.c) */
	if (!row_number_kept(&spec))
		return NULL;

	/* the windowed form: window keys the outer query lacks become outputs */
	outer = copyObject(query);
	rte = linitial_node(RangeTblEntry, outer->rtable);
	sub = rte->subquery;
	wc = linitial_node(WindowClause, sub->windowClause);
	foreach(lc, outer->targetList)
	{
		Var		   *v = (Var *) lfirst_node(TargetEntry, lc)->expr;

		if (IsA(v, Var) && v->varno == 1 && v->varattno > 0)
			shown = bms_add_member(shown, list_nth_node(TargetEntry, sub->targetList,
														v->varattno - 1)->ressortgroupref);
	}
	/*
	 * Junk window keys become output columns of the subquery, right after
	 * its own (the rest of the junk after them), so that its columns keep
	 * their positions; the outer query reads them by position.
	 */
	{
		List	   *shownl = NIL;
		List	   *flipped = NIL;
		List	   *rest = NIL;
		AttrNumber	resno = 1;

		foreach(lc, sub->targetList)
		{
			TargetEntry *st = lfirst_node(TargetEntry, lc);

			if (!st->resjunk)
				shownl = lappend(shownl, st);
			else if (st->ressortgroupref != 0 && !bms_is_member(st->ressortgroupref, shown) &&
					 (get_sortgroupref_clause_noerr(st->ressortgroupref, wc->partitionClause) ||
					  get_sortgroupref_clause_noerr(st->ressortgroupref, wc->orderClause)))
			{
				st->resjunk = false;
				st->resname = psprintf("window key %d", list_length(flipped) + 1);
				flipped = lappend(flipped, st);
				rte->eref->colnames = lappend(rte->eref->colnames, makeString(st->resname));
			}
			else
				rest = lappend(rest, st);
		}
		sub->targetList = list_concat(list_concat(shownl, flipped), rest);
		foreach(lc, sub->targetList)
			lfirst_node(TargetEntry, lc)->resno = resno++;
	}
	foreach(lc, sub->targetList)
	{
		TargetEntry *st = lfirst_node(TargetEntry, lc);

		if (st->resjunk || st->ressortgroupref == 0 || bms_is_member(st->ressortgroupref, shown) ||
			!(get_sortgroupref_clause_noerr(st->ressortgroupref, wc->partitionClause) ||
			  get_sortgroupref_clause_noerr(st->ressortgroupref, wc->orderClause)))
			continue;
		nhidden++;
		outer->targetList = lappend(outer->targetList,
									makeTargetEntry((Expr *) makeVar(1, st->resno, exprType((Node *) st->expr),
																	 exprTypmod((Node *) st->expr),
																	 exprCollation((Node *) st->expr), 0),
													list_length(outer->targetList) + 1,
													psprintf("%ssort_%d", STEPPING_HIDDEN_PREFIX, nhidden),
													false));
	}
	return analyze_view_query(deparse_view_query(outer), true);
}

/*
 * The stored windowed form's query without the window (rn a NULL bigint):
 * what compile, validation and the result table's shape read.  NULL when
 * query is not that form.
 */
Query *
row_number_mapped(Query *query, RowNumberSpec *spec)
{
	RowNumberSpec local;

	if (spec == NULL)
		spec = &local;
	if (!row_number_form(query, spec) || (spec->first == 1 && spec->last == 1) ||
		!row_number_kept(spec))
		return NULL;
	return without_window(query, spec,
						  (Expr *) makeConst(INT8OID, -1, InvalidOid, 8, (Datum) 0,
											 true, FLOAT8PASSBYVAL), false);
}
