/*-------------------------------------------------------------------------
 *
 * sublinks.c
 *	  Subqueries in a view's WHERE (EXISTS, NOT EXISTS, IN, NOT IN) and
 *	  scalar subqueries that look one row up, expanded into decompose.c's
 *	  signed sum of inner-join products with semijoin indicators (see the
 *	  algebra in decompose.c's header).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/table.h"
#include "catalog/pg_am.h"
#include "commands/defrem.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parsetree.h"
#include "rewrite/rewriteManip.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "stepping.h"
#include "compile/compile.h"

/* ----------------------------------------------------------------
 * Subquery predicates in WHERE
 * ----------------------------------------------------------------
 */

static bool
sub_in_outer(Node *expr, void *arg)
{
	return !contain_vars_of_level(expr, 0);
}

static bool
sub_in_inner(Node *expr, void *arg)
{
	return !contain_vars_of_level(expr, 1) && contain_vars_of_level(expr, 0);
}

/* Move an outer reference of a subquery to the outer query's level. */
static Node *
to_outer_level(Node *expr)
{
	Node	   *e = copyObject(expr);

	IncrementVarSublevelsUp(e, -1, 1);
	return e;
}

static List *
to_outer_level_list(List *exprs)
{
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, exprs)
		result = lappend(result, to_outer_level((Node *) lfirst(lc)));
	return result;
}

static Query *
simple_subquery(SubLink *sl)
{
	Query	   *sub = (Query *) sl->subselect;

	if (sub->cteList || sub->setOperations || sub->hasAggs ||
		sub->groupClause || sub->havingQual || sub->hasWindowFuncs ||
		sub->hasTargetSRFs || sub->limitCount || sub->limitOffset ||
		sub->hasSubLinks || sub->rowMarks || sub->groupingSets)
		stepping_reject_because("this subquery",
			   "A subquery in WHERE must read one table, with a WHERE clause and nothing else (no aggregates, GROUP BY, LIMIT, set operations or nested subqueries).",
			   "Write the subquery as a view of its own and test against that.");
	if (list_length(sub->rtable) != 1 ||
		list_length(sub->jointree->fromlist) != 1 ||
		!IsA(linitial(sub->jointree->fromlist), RangeTblRef))
		stepping_reject("a subquery that does not read exactly one table",
			   "Write the subquery's join as a subquery in FROM, or as a view of its own, and test against that.");
	if (contain_vars_of_level((Node *) sub, 2))
		stepping_reject("a subquery that reads columns two levels out", NULL);
	return sub;
}

static bool
is_sublink_param(Node *n)
{
	return IsA(n, Param) && ((Param *) n)->paramkind == PARAM_SUBLINK;
}

static bool
contain_sublink_param(Node *node)
{
	if (node == NULL)
		return false;
	if (is_sublink_param(node))
		return true;
	if (IsA(node, Query))
		return false;
	return expression_tree_walker(node, contain_sublink_param, NULL);
}

static Node *
replace_sublink_param(Node *node, Node *with)
{
	if (node == NULL)
		return NULL;
	if (is_sublink_param(node))
		return copyObject(with);
	if (IsA(node, Query))
		return node;
	return expression_tree_mutator(node, replace_sublink_param, with);
}

static bool
never_null(RangeTblEntry *rte, Node *expr)
{
	HeapTuple	tup;
	bool		notnull;
	Var		   *v;

	if (!IsA(expr, Var) || rte->rtekind != RTE_RELATION)
		return false;
	v = (Var *) expr;
	if (v->varattno <= 0)
		return false;
	tup = SearchSysCache2(ATTNUM, ObjectIdGetDatum(rte->relid),
						  Int16GetDatum(v->varattno));
	if (!HeapTupleIsValid(tup))
		return false;
	notnull = ((Form_pg_attribute) GETSTRUCT(tup))->attnotnull;
	ReleaseSysCache(tup);
	return notnull;
}

static Node *
null_test(Node *arg, NullTestType type)
{
	NullTest   *nt = makeNode(NullTest);

	nt->arg = (Expr *) copyObject(arg);
	nt->nulltesttype = type;
	nt->argisrow = false;
	nt->location = -1;
	return (Node *) nt;
}


/*
 * A WHERE conjunct that is EXISTS, NOT EXISTS, IN or NOT IN over a simple
 * subquery: the parts it turns parts into.  NULL if conj is none of them.
 */
List *
sublink_apply_predicate(Decomposer *d, List *parts, Node *conj)
{
	bool		negated = false;
	SubLink    *sl;
	Query	   *sub;
	RangeTblEntry *rte;
	Split		s;
	List	   *outer_filter;
	List	   *result;

	if (IsA(conj, BoolExpr) && ((BoolExpr *) conj)->boolop == NOT_EXPR)
	{
		negated = true;
		conj = linitial(((BoolExpr *) conj)->args);
	}
	if (!IsA(conj, SubLink))
		return NULL;
	sl = (SubLink *) conj;
	if (sl->subLinkType != EXISTS_SUBLINK && sl->subLinkType != ANY_SUBLINK)
		return NULL;
	sub = simple_subquery(sl);
	rte = rt_fetch(1, sub->rtable);
	decompose_split_conditions(make_ands_implicit((Expr *) sub->jointree->quals),
					 sub_in_inner, sub_in_outer, NULL, &s,
					 "a correlated subquery condition");
	outer_filter = to_outer_level_list(s.outer_filter);

	if (sl->subLinkType == EXISTS_SUBLINK)
	{
		Indicator  *ind = decompose_make_indicator(d, rte, s.inner_keys, s.inner_filter, s.collids);
		List	   *uses = list_make1(decompose_make_use(ind, &s, to_outer_level_list(s.outer_keys)));

		if (!negated)
			return decompose_times(parts, outer_filter, uses, 1);
		result = list_concat(decompose_times(parts, NIL, NIL, 1),
							 decompose_times(parts, outer_filter, uses, -1));
		return decompose_check_size(result);
	}

	/* x IN (SELECT y ...): EXISTS with one more key pair */
	{
		OpExpr	   *test = (OpExpr *) sl->testexpr;
		Node	   *x,
				   *y,
				   *target;
		List	   *tlist = NIL;
		ListCell   *lc;
		Split		withx;
		Indicator  *any,
				   *nulls,
				   *match;
		List	   *outer_keys = to_outer_level_list(s.outer_keys);
		bool		outer_left;

		foreach(lc, sub->targetList)
			if (!lfirst_node(TargetEntry, lc)->resjunk)
				tlist = lappend(tlist, lfirst(lc));
		if (test == NULL || !IsA(test, OpExpr) || list_length(test->args) != 2 ||
			list_length(tlist) != 1)
			stepping_reject("this IN or ANY subquery",
				   "Compare one expression with a subquery of one column: x IN (SELECT y FROM t ...).");
		target = (Node *) linitial_node(TargetEntry, tlist)->expr;
		if (contain_vars_of_level(target, 1))
			stepping_reject("an IN subquery whose column reads the outer query", NULL);
		outer_left = !contain_sublink_param(linitial(test->args));
		x = outer_left ? linitial(test->args) : lsecond(test->args);
		y = replace_sublink_param(outer_left ? lsecond(test->args) : linitial(test->args),
								  target);
		if (contain_vars_of_level(x, 1) || contain_sublink_param(x) ||
			!contain_vars_of_level(y, 0) ||
			!OidIsValid(decompose_inner_equality(test->opno, exprType(y))))
			stepping_reject_because("this IN subquery",
				   "Only x IN (SELECT y ...) and x = ANY (SELECT y ...), with an equality operator, are maintained.",
				   "Compare one expression with one column by equality.");

		withx = s;
		withx.inner_keys = lappend(list_copy(s.inner_keys), y);
		withx.opnos = lappend_oid(list_copy(s.opnos), test->opno);
		withx.collids = lappend_oid(list_copy(s.collids), test->inputcollid);
		withx.outer_left = lappend_int(list_copy(s.outer_left), outer_left);
		match = decompose_make_indicator(d, rte, withx.inner_keys, s.inner_filter, withx.collids);
		if (!negated)
			return decompose_times(parts, outer_filter,
						 list_make1(decompose_make_use(match, &withx,
											 lappend(list_copy(outer_keys), x))),
						 1);

		/* NOT IN: see the header comment */
		any = decompose_make_indicator(d, rte, s.inner_keys, s.inner_filter, s.collids);
		result = decompose_times(parts, NIL, NIL, 1);
		result = list_concat(result,
							 decompose_times(parts,
								   lappend(list_copy(outer_filter), null_test(x, IS_NULL)),
								   list_make1(decompose_make_use(any, &s, outer_keys)), -1));
		{
			List	   *notnull = lappend(list_copy(outer_filter), null_test(x, IS_NOT_NULL));
			IndicatorUse *m = decompose_make_use(match, &withx, lappend(list_copy(outer_keys), x));

			result = list_concat(result, decompose_times(parts, notnull, list_make1(m), -1));
			if (!never_null(rte, y))
			{
				nulls = decompose_make_indicator(d, rte, s.inner_keys,
									   lappend(list_copy(s.inner_filter), null_test(y, IS_NULL)),
									   s.collids);
				result = list_concat(result,
									 decompose_times(parts, notnull,
										   list_make1(decompose_make_use(nulls, &s, outer_keys)), -1));
				result = list_concat(result,
									 decompose_times(parts, notnull,
										   list_make2(decompose_make_use(nulls, &s, outer_keys), m), 1));
			}
		}
		return decompose_check_size(result);
	}
}

/*
 * The conditions of a one-table subquery in WHERE (for scalar.c): key pairs
 * (inner = outer, outer keys still at level 1) and one-sided filters.
 */
void
decompose_subquery_conditions(Query *sub, List **inner_keys, List **outer_keys,
							  List **opnos, List **collids, List **outer_left,
							  List **inner_filter, List **outer_filter)
{
	Split		s;

	decompose_split_conditions(make_ands_implicit((Expr *) sub->jointree->quals),
					 sub_in_inner, sub_in_outer, NULL, &s,
					 "a scalar subquery condition");
	*inner_keys = s.inner_keys;
	*outer_keys = s.outer_keys;
	*opnos = s.opnos;
	*collids = s.collids;
	*outer_left = s.outer_left;
	*inner_filter = s.inner_filter;
	*outer_filter = s.outer_filter;
}

/* ----------------------------------------------------------------
 * Scalar subqueries: lookups of at most one row
 *
 * (SELECT r.v FROM r WHERE r.k = a.k) with r unique on k (create_view turns
 * an aggregate subquery into such a lookup of an internal grouped view) is
 * a LEFT JOIN of r whose value is r.v, or NULL without a match.
 * ----------------------------------------------------------------
 */

bool
sublink_collect_scalars(Node *node, List **scalars)
{
	if (node == NULL)
		return false;
	if (IsA(node, SubLink))
	{
		if (((SubLink *) node)->subLinkType == EXPR_SUBLINK &&
			!list_member(*scalars, node))
			*scalars = lappend(*scalars, node);
		return false;
	}
	return expression_tree_walker(node, sublink_collect_scalars, scalars);
}

/* Does node contain subqueries other than the scalar ones? */
bool
sublink_other_walker(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, SubLink))
		return ((SubLink *) node)->subLinkType != EXPR_SUBLINK;
	return expression_tree_walker(node, sublink_other_walker, context);
}

/*
 * Is the relation unique on these keys: some unique index whose columns are
 * all among them, compared with the index's own equality (its operator
 * class is the type's default one, its collation the comparison's)?
 */
static bool
unique_on(Oid relid, List *keys, List *collids)
{
	Bitmapset  *cols = NULL;
	Oid			colls[MaxHeapAttributeNumber + 1];
	Relation	rel;
	List	   *indexes;
	ListCell   *lc,
			   *lc2;
	bool		unique = false;

	forboth(lc, keys, lc2, collids)
	{
		Node	   *k = strip_relabel((Node *) lfirst(lc));

		if (IsA(k, Var) && ((Var *) k)->varattno > 0)
		{
			cols = bms_add_member(cols, ((Var *) k)->varattno);
			colls[((Var *) k)->varattno] = lfirst_oid(lc2);
		}
	}
	if (cols == NULL)
		return keys == NIL && catalog_view_is_global(relid);
	rel = table_open(relid, AccessShareLock);
	indexes = RelationGetIndexList(rel);
	foreach(lc, indexes)
	{
		Relation	idx = index_open(lfirst_oid(lc), AccessShareLock);
		Form_pg_index ind = idx->rd_index;
		int			i;
		bool		covered = ind->indisunique && ind->indimmediate &&
			idx->rd_indpred == NIL && idx->rd_indexprs == NIL &&
			idx->rd_rel->relam == BTREE_AM_OID;

		for (i = 0; covered && i < ind->indnkeyatts; i++)
		{
			AttrNumber	att = ind->indkey.values[i];
			Oid			type = TupleDescAttr(RelationGetDescr(rel), att - 1)->atttypid;

			covered = bms_is_member(att, cols) &&
				idx->rd_opfamily[i] == get_opclass_family(GetDefaultOpClass(type, BTREE_AM_OID)) &&
				idx->rd_indcollation[i] == colls[att];
		}
		index_close(idx, AccessShareLock);
		if (covered)
		{
			unique = true;
			break;
		}
	}
	table_close(rel, AccessShareLock);
	return unique;
}

/* A subquery's expression moved into the outer query, its table at rt. */
static Node *
lift(Node *expr, Index rt)
{
	Node	   *e = copyObject(expr);

	ChangeVarNodes(e, 1, rt, 0);
	IncrementVarSublevelsUp(e, -1, 1);
	return e;
}

List *
sublink_expand_scalar(Decomposer *d, List *parts, SubLink *sl)
{
	Query	   *sub = simple_subquery(sl);
	RangeTblEntry *rte = rt_fetch(1, sub->rtable);
	TargetEntry *tle = NULL;
	ListCell   *lc;
	Split		s;
	Index		rt;
	Indicator  *ind;
	List	   *quals;
	Node	   *value;
	Node	   *none;
	List	   *result = NIL;

	foreach(lc, sub->targetList)
		if (!lfirst_node(TargetEntry, lc)->resjunk)
			tle = lfirst_node(TargetEntry, lc);
	if (tle == NULL || contain_vars_of_level((Node *) tle->expr, 1))
		stepping_reject_because("this scalar subquery",
			   "A scalar subquery must return one expression over its own table.", NULL);
	decompose_split_conditions(make_ands_implicit((Expr *) sub->jointree->quals),
					 sub_in_inner, sub_in_outer, NULL, &s,
					 "a scalar subquery condition");
	if (s.outer_filter != NIL)
		stepping_reject("a scalar subquery with a condition on the outer query alone",
			   "Move the condition out of the subquery, into a CASE around it.");
	if (!unique_on(rte->relid, s.inner_keys, s.collids))
		stepping_reject("a scalar subquery that may return more than one row",
			   "Look the row up by a unique key of its table (a primary key), or compute an aggregate in the subquery.");

	d->query->rtable = lappend(d->query->rtable, copyObject(rte));
	rt = list_length(d->query->rtable);
	quals = make_ands_implicit((Expr *) lift(sub->jointree->quals, rt));
	value = lift((Node *) tle->expr, rt);
	none = (Node *) makeNullConst(exprType((Node *) sl), exprTypmod((Node *) sl),
								  exprCollation((Node *) sl));
	ind = decompose_make_indicator(d, rte, s.inner_keys, s.inner_filter, s.collids);

	foreach(lc, parts)
	{
		Part	   *p = (Part *) lfirst(lc);
		Part	   *matched = decompose_part_copy(p);
		Part	   *all = decompose_part_copy(p);
		Part	   *with_match = decompose_part_copy(p);

		matched->rels = bms_add_member(matched->rels, rt);
		matched->quals = list_concat(matched->quals, quals);
		matched->subst_from = lappend(matched->subst_from, sl);
		matched->subst_to = lappend(matched->subst_to, value);
		all->subst_from = lappend(all->subst_from, sl);
		all->subst_to = lappend(all->subst_to, none);
		with_match->subst_from = lappend(with_match->subst_from, sl);
		with_match->subst_to = lappend(with_match->subst_to, none);
		with_match->uses = lappend(with_match->uses,
								   decompose_make_use(ind, &s, to_outer_level_list(s.outer_keys)));
		with_match->coef = -p->coef;
		result = lappend(result, matched);
		/* a global aggregate's view always has its one row */
		if (s.inner_keys == NIL)
			continue;
		result = lappend(result, all);
		result = lappend(result, with_match);
	}
	return decompose_check_size(result);
}


Node *
sublink_subst_mutator(Node *node, Subst *s)
{
	ListCell   *f,
			   *t;

	if (node == NULL)
		return NULL;
	if (IsA(node, SubLink))
		forboth(f, s->from, t, s->to)
			if (equal(node, lfirst(f)))
			return copyObject((Node *) lfirst(t));
	if (IsA(node, Query))
		return node;
	return expression_tree_mutator(node, sublink_subst_mutator, s);
}
