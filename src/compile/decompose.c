/*-------------------------------------------------------------------------
 *
 * decompose.c
 *	  Outer joins and subquery predicates as a signed sum of inner joins.
 *
 *	  With D the distinct join keys of B's rows that pass B's own conditions
 *	  (an Indicator):
 *
 *	    A LEFT JOIN B ON a.k = b.k AND fa AND fb
 *	        = A JOIN B  +  A x NULL(B)  -  (A WHERE fa) SEMIJOIN D x NULL(B)
 *	    A WHERE EXISTS (SELECT FROM B WHERE b.k = a.k AND fb)
 *	        = A SEMIJOIN D
 *	    A WHERE NOT EXISTS (...)  =  A  -  A SEMIJOIN D
 *	    a.x IN (SELECT b.y FROM B ...)  =  EXISTS with the key pair (y, x)
 *	    a.x NOT IN (SELECT b.y FROM B ...)
 *	        = A - A[x IS NULL] SEMIJOIN E - A[x NOT NULL] SEMIJOIN N
 *	            - A[x NOT NULL] SEMIJOIN S + A[x NOT NULL] SEMIJOIN N SEMIJOIN S
 *	      (E: any row, N: a row with y NULL, S: y = x; SQL's three-valued
 *	      NOT IN in a WHERE clause)
 *
 *	  Because D holds each key at most once, A SEMIJOIN D is the inner join
 *	  of A with D: every product above is multilinear in its inputs, so
 *	  join.c computes each one's delta with the terms of an inner join, D's
 *	  delta being the keys that appeared or disappeared in the step
 *	  (semijoin.c).  A product is a Component; the view is their sum.
 *	  Refresh and group recomputes still run the query as written.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_am.h"
#include "access/genam.h"
#include "access/table.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parsetree.h"
#include "rewrite/rewriteManip.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

#include "stepping.h"

/* Components of one view at most: each costs plans per changed input. */
#define MAX_COMPONENTS 64

/* A component while it is being built. */
typedef struct Part
{
	Bitmapset  *rels;			/* range table entries joined */
	List	   *quals;			/* implicit AND */
	Bitmapset  *nulled;			/* entries read as NULL */
	List	   *uses;			/* IndicatorUse * */
	List	   *subst_from;		/* scalar subqueries ... */
	List	   *subst_to;		/* ... and what they are in this part */
	int64		coef;
} Part;

typedef struct Decomposer
{
	Query	   *query;
	List	   *indicators;
} Decomposer;

/* A correlated subquery's or join's conditions, sorted by what they read. */
typedef struct Split
{
	List	   *inner_filter;	/* the inner relation alone (as entry 1) */
	List	   *outer_filter;	/* the outer side alone */
	List	   *inner_keys;		/* Expr over the inner relation */
	List	   *outer_keys;		/* Expr over the outer side */
	List	   *opnos;
	List	   *collids;
	List	   *outer_left;
} Split;


static bool
has_outer_join_walker(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, JoinExpr) && ((JoinExpr *) node)->jointype != JOIN_INNER)
		return true;
	if (IsA(node, FromExpr) || IsA(node, JoinExpr) || IsA(node, List))
		return expression_tree_walker(node, has_outer_join_walker, context);
	return false;
}

/* Does the view need decomposition: an outer join, or a subquery? */
bool
query_needs_decomposition(Query *query)
{
	if (query->setOperations)
		return false;
	return query->hasSubLinks ||
		has_outer_join_walker((Node *) query->jointree, NULL);
}

/* The base tables read by subqueries of a WHERE clause. */
static bool
sublink_tables_walker(Node *node, List **relids)
{
	if (node == NULL)
		return false;
	if (IsA(node, Query))
	{
		ListCell   *lc;

		foreach(lc, ((Query *) node)->rtable)
		{
			RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);

			if (rte->rtekind == RTE_RELATION)
				*relids = list_append_unique_oid(*relids, rte->relid);
		}
		return query_tree_walker((Query *) node, sublink_tables_walker, relids, 0);
	}
	return expression_tree_walker(node, sublink_tables_walker, relids);
}

List *
decompose_base_tables(Query *query)
{
	List	   *relids = NIL;

	(void) sublink_tables_walker((Node *) query->jointree, &relids);
	(void) sublink_tables_walker((Node *) query->targetList, &relids);
	return relids;
}

/* Refuse a sum that would cost too many plans per change. */
static List *
check_size(List *parts)
{
	if (list_length(parts) > MAX_COMPONENTS)
		stepping_reject_because("this many outer joins and subqueries together",
			   "The view would be a sum of more than 64 inner joins.",
			   "Split it into views over views.");
	return parts;
}

static Part *
part_copy(Part *p)
{
	Part	   *n = palloc(sizeof(Part));

	n->rels = bms_copy(p->rels);
	n->quals = list_copy(p->quals);
	n->nulled = bms_copy(p->nulled);
	n->uses = list_copy(p->uses);
	n->subst_from = list_copy(p->subst_from);
	n->subst_to = list_copy(p->subst_to);
	n->coef = p->coef;
	return n;
}

static List *
product(List *left, List *right)
{
	List	   *result = NIL;
	ListCell   *l,
			   *r;

	foreach(l, left)
		foreach(r, right)
	{
		Part	   *a = (Part *) lfirst(l);
		Part	   *b = (Part *) lfirst(r);
		Part	   *n = part_copy(a);

		n->rels = bms_union(n->rels, b->rels);
		n->quals = list_concat(n->quals, b->quals);
		n->nulled = bms_union(n->nulled, b->nulled);
		n->uses = list_concat(n->uses, b->uses);
		n->subst_from = list_concat(n->subst_from, b->subst_from);
		n->subst_to = list_concat(n->subst_to, b->subst_to);
		n->coef = a->coef * b->coef;
		result = lappend(result, n);
	}
	return check_size(result);
}

static Bitmapset *
rels_of(Node *n)
{
	if (IsA(n, RangeTblRef))
		return bms_make_singleton(((RangeTblRef *) n)->rtindex);
	if (IsA(n, JoinExpr))
		return bms_union(rels_of(((JoinExpr *) n)->larg),
						 rels_of(((JoinExpr *) n)->rarg));
	if (IsA(n, FromExpr))
	{
		Bitmapset  *r = NULL;
		ListCell   *lc;

		foreach(lc, ((FromExpr *) n)->fromlist)
			r = bms_add_members(r, rels_of(lfirst(lc)));
		return r;
	}
	elog(ERROR, "unexpected FROM item %d", (int) nodeTag(n));
	return NULL;
}

/*
 * Is op(outer, inner) an equality whose distinct inner values each match
 * the same outer values: a btree equality in the family of the inner
 * type's default operator class?  Returns the inner type's own equality.
 */
static Oid
inner_equality(Oid opno, Oid innertype)
{
	Oid			opclass = GetDefaultOpClass(innertype, BTREE_AM_OID);
	Oid			family;
	Oid			eq;
	TypeCacheEntry *tc;

	if (!OidIsValid(opclass))
		return InvalidOid;
	family = get_opclass_family(opclass);
	if (!op_in_opfamily(opno, family) ||
		get_op_opfamily_strategy(opno, family) != BTEqualStrategyNumber)
		return InvalidOid;
	eq = get_opfamily_member(family, innertype, innertype, BTEqualStrategyNumber);
	tc = lookup_type_cache(innertype, TYPECACHE_EQ_OPR | TYPECACHE_HASH_PROC);
	if (!OidIsValid(eq) || tc->eq_opr != eq || !OidIsValid(tc->hash_proc))
		return InvalidOid;
	return eq;
}

/*
 * Sort the conjuncts of a join condition or a subquery's WHERE by what they
 * read.  in_inner / in_outer tell whether an expression reads only the
 * inner relation / only the outer side (levels or range table entries, as
 * the caller's test decides).
 */
typedef bool (*SideTest) (Node *expr, void *arg);

static void
split_conditions(List *conjuncts, SideTest in_inner, SideTest in_outer,
				 void *arg, Split *s, const char *where)
{
	ListCell   *lc;

	memset(s, 0, sizeof(Split));
	foreach(lc, conjuncts)
	{
		Node	   *conj = (Node *) lfirst(lc);
		OpExpr	   *op = IsA(conj, OpExpr) ? (OpExpr *) conj : NULL;

		if (in_outer(conj, arg))
			s->outer_filter = lappend(s->outer_filter, conj);
		else if (in_inner(conj, arg))
			s->inner_filter = lappend(s->inner_filter, conj);
		else if (op && list_length(op->args) == 2 &&
				 op->opresulttype == BOOLOID && !op->opretset)
		{
			Node	   *l = linitial(op->args);
			Node	   *r = lsecond(op->args);
			bool		outer_left;
			Node	   *inner;

			if (in_outer(l, arg) && in_inner(r, arg))
				outer_left = true;
			else if (in_inner(l, arg) && in_outer(r, arg))
				outer_left = false;
			else
				goto bad;
			inner = outer_left ? r : l;
			if (!OidIsValid(inner_equality(op->opno, exprType(inner))))
				goto bad;
			s->inner_keys = lappend(s->inner_keys, inner);
			s->outer_keys = lappend(s->outer_keys, outer_left ? l : r);
			s->opnos = lappend_oid(s->opnos, op->opno);
			s->collids = lappend_oid(s->collids, op->inputcollid);
			s->outer_left = lappend_int(s->outer_left, outer_left);
		}
		else
		{
	bad:
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("stepping cannot maintain %s that links the two sides other than by equality", where),
					 errdetail("Each condition must read one side only, or be an equality (with a btree operator) between the two sides.")));
		}
	}
}

/* An indicator over range table entry rte, keys and filter over entry 1. */
static Indicator *
make_indicator(Decomposer *d, RangeTblEntry *rte, List *keys, List *filter,
			   List *collids)
{
	Indicator  *ind = palloc0(sizeof(Indicator));
	ListCell   *lc;
	int			i = 0;

	if (rte->rtekind != RTE_RELATION)
		stepping_reject("a subquery or outer join over this kind of relation",
			   "Read a table, or write the subquery in FROM so it becomes a view of its own.");
	ind->id = list_length(d->indicators) + 1;
	ind->relid = rte->relid;
	ind->rte = copyObject(rte);
	ind->nkeys = list_length(keys);
	ind->keyexprs = keys;
	ind->keytypes = palloc0(sizeof(Oid) * Max(ind->nkeys, 1));
	ind->keyeqops = palloc0(sizeof(Oid) * Max(ind->nkeys, 1));
	ind->keycolls = palloc0(sizeof(Oid) * Max(ind->nkeys, 1));
	foreach(lc, keys)
	{
		Node	   *k = (Node *) lfirst(lc);

		ind->keytypes[i] = exprType(k);
		ind->keyeqops[i] = lookup_type_cache(ind->keytypes[i], TYPECACHE_EQ_OPR)->eq_opr;
		ind->keycolls[i] = list_nth_oid(collids, i);
		i++;
	}
	ind->filter = filter ? make_ands_explicit(filter) : NULL;
	d->indicators = lappend(d->indicators, ind);
	return ind;
}

static IndicatorUse *
make_use(Indicator *ind, Split *s, List *outer_keys)
{
	IndicatorUse *u = palloc0(sizeof(IndicatorUse));

	u->ind = ind;
	u->outer = outer_keys;
	u->opnos = s->opnos;
	u->collids = s->collids;
	u->outer_left = s->outer_left;
	return u;
}

/* ----------------------------------------------------------------
 * Outer joins
 * ----------------------------------------------------------------
 */

typedef struct JoinSides
{
	Bitmapset  *outer;
	Index		inner;
} JoinSides;

static bool
reads_only(Node *expr, Bitmapset *rels)
{
	return bms_is_subset(pull_varnos(NULL, expr), rels);
}

static bool
join_in_outer(Node *expr, void *arg)
{
	return reads_only(expr, ((JoinSides *) arg)->outer);
}

static bool
join_in_inner(Node *expr, void *arg)
{
	Bitmapset  *v = pull_varnos(NULL, expr);

	return !bms_is_empty(v) &&
		bms_is_subset(v, bms_make_singleton(((JoinSides *) arg)->inner));
}

/* Renumber the inner relation's Vars to entry 1, as an indicator reads it. */
static List *
as_entry_one(List *exprs, Index inner)
{
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, exprs)
	{
		Node	   *e = copyObject((Node *) lfirst(lc));

		ChangeVarNodes(e, inner, 1, 0);
		result = lappend(result, e);
	}
	return result;
}

static List *expand_from(Decomposer *d, Node *n);

/*
 * outer LEFT JOIN inner ON cond: the matches, plus every outer row with the
 * inner side NULL, minus the outer rows that have a match.
 */
static List *
expand_left_join(Decomposer *d, List *outer_parts, Bitmapset *outer_rels,
				 Node *innernode, Node *cond)
{
	JoinSides	sides;
	Split		s;
	Index		inner;
	Indicator  *ind;
	List	   *result = NIL;
	ListCell   *lc;

	if (!IsA(innernode, RangeTblRef))
		stepping_reject("an outer join whose nullable side is itself a join",
			   "Write the nullable side as a subquery in FROM, (SELECT ... FROM b JOIN c ON ...) AS bc, so it becomes a view of its own.");
	inner = ((RangeTblRef *) innernode)->rtindex;
	sides.outer = outer_rels;
	sides.inner = inner;
	split_conditions(make_ands_implicit((Expr *) cond), join_in_inner,
					 join_in_outer, &sides, &s, "an outer join condition");
	ind = make_indicator(d, rt_fetch(inner, d->query->rtable),
						 as_entry_one(s.inner_keys, inner),
						 as_entry_one(s.inner_filter, inner), s.collids);

	foreach(lc, outer_parts)
	{
		Part	   *p = (Part *) lfirst(lc);
		Part	   *matched = part_copy(p);
		Part	   *all = part_copy(p);
		Part	   *with_match = part_copy(p);

		matched->rels = bms_add_member(matched->rels, inner);
		if (cond)
			matched->quals = lappend(matched->quals, cond);
		all->nulled = bms_add_member(all->nulled, inner);
		with_match->nulled = bms_add_member(with_match->nulled, inner);
		with_match->quals = list_concat(with_match->quals, s.outer_filter);
		with_match->uses = lappend(with_match->uses,
								   make_use(ind, &s, s.outer_keys));
		with_match->coef = -p->coef;
		result = lappend(result, matched);
		result = lappend(result, all);
		result = lappend(result, with_match);
	}
	return check_size(result);
}

static List *
expand_join(Decomposer *d, JoinExpr *j)
{
	/* its tables' changes would reach no component */
	if (checkExprHasSubLink(j->quals))
		stepping_reject("a subquery in a join condition",
			   "Write it as a condition of WHERE (for an inner join), or join its table.");
	switch (j->jointype)
	{
		case JOIN_INNER:
			{
				List	   *parts = product(expand_from(d, j->larg),
											expand_from(d, j->rarg));
				ListCell   *lc;

				if (j->quals)
					foreach(lc, parts)
						((Part *) lfirst(lc))->quals =
						lappend(((Part *) lfirst(lc))->quals, j->quals);
				return parts;
			}
		case JOIN_LEFT:
			return expand_left_join(d, expand_from(d, j->larg), rels_of(j->larg),
									j->rarg, j->quals);
		case JOIN_RIGHT:
			return expand_left_join(d, expand_from(d, j->rarg), rels_of(j->rarg),
									j->larg, j->quals);
		case JOIN_FULL:
			{
				List	   *left,
						   *right;
				ListCell   *lc;

				if (!IsA(j->larg, RangeTblRef) || !IsA(j->rarg, RangeTblRef))
					stepping_reject("a FULL JOIN of joins",
						   "FULL JOIN two tables (or subqueries in FROM, which become views of their own).");

				/*
				 * The left join, plus the right rows without a match: the
				 * right join's parts other than the matches.
				 */
				left = expand_left_join(d, expand_from(d, j->larg), rels_of(j->larg),
										j->rarg, j->quals);
				right = expand_left_join(d, expand_from(d, j->rarg), rels_of(j->rarg),
										 j->larg, j->quals);
				foreach(lc, right)
					if (foreach_current_index(lc) % 3 != 0)
						left = lappend(left, lfirst(lc));
				return check_size(left);
			}
		default:
			stepping_reject("this kind of join", NULL);
	}
	return NIL;
}

static List *
expand_from(Decomposer *d, Node *n)
{
	if (IsA(n, RangeTblRef))
	{
		Part	   *p = palloc0(sizeof(Part));

		p->rels = bms_make_singleton(((RangeTblRef *) n)->rtindex);
		p->coef = 1;
		return list_make1(p);
	}
	if (IsA(n, JoinExpr))
		return expand_join(d, (JoinExpr *) n);
	stepping_reject("this kind of FROM item", NULL);
	return NIL;
}

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

/* Parts times one factor: each part gets the quals and the uses. */
static List *
times(List *parts, List *quals, List *uses, int64 sign)
{
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, parts)
	{
		Part	   *n = part_copy((Part *) lfirst(lc));

		n->quals = list_concat(n->quals, list_copy(quals));
		n->uses = list_concat(n->uses, list_copy(uses));
		n->coef *= sign;
		result = lappend(result, n);
	}
	return check_size(result);
}

/*
 * A WHERE conjunct that is EXISTS, NOT EXISTS, IN or NOT IN over a simple
 * subquery: the parts it turns parts into.  NULL if conj is none of them.
 */
static List *
apply_predicate(Decomposer *d, List *parts, Node *conj)
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
	split_conditions(make_ands_implicit((Expr *) sub->jointree->quals),
					 sub_in_inner, sub_in_outer, NULL, &s,
					 "a correlated subquery condition");
	outer_filter = to_outer_level_list(s.outer_filter);

	if (sl->subLinkType == EXISTS_SUBLINK)
	{
		Indicator  *ind = make_indicator(d, rte, s.inner_keys, s.inner_filter, s.collids);
		List	   *uses = list_make1(make_use(ind, &s, to_outer_level_list(s.outer_keys)));

		if (!negated)
			return times(parts, outer_filter, uses, 1);
		result = list_concat(times(parts, NIL, NIL, 1),
							 times(parts, outer_filter, uses, -1));
		return check_size(result);
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
			!OidIsValid(inner_equality(test->opno, exprType(y))))
			stepping_reject_because("this IN subquery",
				   "Only x IN (SELECT y ...) and x = ANY (SELECT y ...), with an equality operator, are maintained.",
				   "Compare one expression with one column by equality.");

		withx = s;
		withx.inner_keys = lappend(list_copy(s.inner_keys), y);
		withx.opnos = lappend_oid(list_copy(s.opnos), test->opno);
		withx.collids = lappend_oid(list_copy(s.collids), test->inputcollid);
		withx.outer_left = lappend_int(list_copy(s.outer_left), outer_left);
		match = make_indicator(d, rte, withx.inner_keys, s.inner_filter, withx.collids);
		if (!negated)
			return times(parts, outer_filter,
						 list_make1(make_use(match, &withx,
											 lappend(list_copy(outer_keys), x))),
						 1);

		/* NOT IN: see the header comment */
		any = make_indicator(d, rte, s.inner_keys, s.inner_filter, s.collids);
		result = times(parts, NIL, NIL, 1);
		result = list_concat(result,
							 times(parts,
								   lappend(list_copy(outer_filter), null_test(x, IS_NULL)),
								   list_make1(make_use(any, &s, outer_keys)), -1));
		{
			List	   *notnull = lappend(list_copy(outer_filter), null_test(x, IS_NOT_NULL));
			IndicatorUse *m = make_use(match, &withx, lappend(list_copy(outer_keys), x));

			result = list_concat(result, times(parts, notnull, list_make1(m), -1));
			if (!never_null(rte, y))
			{
				nulls = make_indicator(d, rte, s.inner_keys,
									   lappend(list_copy(s.inner_filter), null_test(y, IS_NULL)),
									   s.collids);
				result = list_concat(result,
									 times(parts, notnull,
										   list_make1(make_use(nulls, &s, outer_keys)), -1));
				result = list_concat(result,
									 times(parts, notnull,
										   list_make2(make_use(nulls, &s, outer_keys), m), 1));
			}
		}
		return check_size(result);
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

	split_conditions(make_ands_implicit((Expr *) sub->jointree->quals),
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

static bool
collect_scalars_walker(Node *node, List **scalars)
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
	return expression_tree_walker(node, collect_scalars_walker, scalars);
}

/* Does node contain subqueries other than the scalar ones? */
static bool
other_sublinks_walker(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, SubLink))
		return ((SubLink *) node)->subLinkType != EXPR_SUBLINK;
	return expression_tree_walker(node, other_sublinks_walker, context);
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

static List *
expand_scalar(Decomposer *d, List *parts, SubLink *sl)
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
	split_conditions(make_ands_implicit((Expr *) sub->jointree->quals),
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
	ind = make_indicator(d, rte, s.inner_keys, s.inner_filter, s.collids);

	foreach(lc, parts)
	{
		Part	   *p = (Part *) lfirst(lc);
		Part	   *matched = part_copy(p);
		Part	   *all = part_copy(p);
		Part	   *with_match = part_copy(p);

		matched->rels = bms_add_member(matched->rels, rt);
		matched->quals = list_concat(matched->quals, quals);
		matched->subst_from = lappend(matched->subst_from, sl);
		matched->subst_to = lappend(matched->subst_to, value);
		all->subst_from = lappend(all->subst_from, sl);
		all->subst_to = lappend(all->subst_to, none);
		with_match->subst_from = lappend(with_match->subst_from, sl);
		with_match->subst_to = lappend(with_match->subst_to, none);
		with_match->uses = lappend(with_match->uses,
								   make_use(ind, &s, to_outer_level_list(s.outer_keys)));
		with_match->coef = -p->coef;
		result = lappend(result, matched);
		/* a global aggregate's view always has its one row */
		if (s.inner_keys == NIL)
			continue;
		result = lappend(result, all);
		result = lappend(result, with_match);
	}
	return check_size(result);
}

typedef struct Subst
{
	List	   *from;
	List	   *to;
} Subst;

static Node *
subst_mutator(Node *node, Subst *s)
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
	return expression_tree_mutator(node, subst_mutator, s);
}

/* ----------------------------------------------------------------
 * Entry points
 * ----------------------------------------------------------------
 */

static Node *
null_vars_mutator(Node *node, Bitmapset *nulled)
{
	if (node == NULL)
		return NULL;
	if (IsA(node, Var) && ((Var *) node)->varlevelsup == 0 &&
		bms_is_member(((Var *) node)->varno, nulled))
	{
		Var		   *v = (Var *) node;

		return (Node *) makeNullConst(v->vartype, v->vartypmod, v->varcollid);
	}
	if (IsA(node, Query))
		return node;
	return expression_tree_mutator(node, null_vars_mutator, nulled);
}

/*
 * The view (analyzed, join alias Vars flattened) as a list of Components;
 * the indicators they use are returned in *indicators.
 */
List *
decompose_query(Query *query, List **indicators)
{
	Decomposer	d;
	List	   *parts = list_make1(palloc0(sizeof(Part)));
	List	   *components = NIL;
	List	   *scalars = NIL;
	ListCell   *lc;
	int			n = 0;

	d.query = query;
	d.indicators = NIL;
	((Part *) linitial(parts))->coef = 1;
	foreach(lc, query->jointree->fromlist)
		parts = product(parts, expand_from(&d, (Node *) lfirst(lc)));

	(void) collect_scalars_walker((Node *) query->targetList, &scalars);
	(void) collect_scalars_walker(query->jointree->quals, &scalars);
	foreach(lc, scalars)
		parts = expand_scalar(&d, parts, (SubLink *) lfirst(lc));

	foreach(lc, make_ands_implicit((Expr *) query->jointree->quals))
	{
		Node	   *conj = (Node *) lfirst(lc);
		List	   *next = apply_predicate(&d, parts, conj);

		if (next)
			parts = next;
		else if (other_sublinks_walker(conj, NULL))
			stepping_reject_because("a subquery in this position",
				   "EXISTS, NOT EXISTS, IN and NOT IN subqueries are maintained as conditions of the WHERE clause joined by AND.",
				   "Move the subquery into WHERE, joined to the other conditions by AND.");
		else
			parts = times(parts, list_make1(conj), NIL, 1);
	}
	if (other_sublinks_walker((Node *) query->targetList, NULL))
		stepping_reject("an EXISTS, IN or ANY subquery in the select list",
			   "Use it in WHERE, or compute the value with a join.");

	foreach(lc, parts)
	{
		Part	   *p = (Part *) lfirst(lc);
		Component  *c = palloc0(sizeof(Component));
		Query	   *q = copyObject(query);
		List	   *from = NIL;
		List	   *quals;
		ListCell   *lc2;
		int			rt = -1;
		Subst		subst;

		c->index = n++;
		c->coef = p->coef;
		c->nulled = p->nulled;
		while ((rt = bms_next_member(p->rels, rt)) >= 0)
		{
			from = lappend(from, make_range_ref(rt));
			c->used |= ((uint32) 1) << (rt - 1);
		}
		subst.from = p->subst_from;
		subst.to = p->subst_to;
		c->subst_from = p->subst_from;
		c->subst_to = p->subst_to;
		quals = (List *) null_vars_mutator(subst_mutator((Node *) p->quals, &subst),
										   p->nulled);
		q->jointree = makeFromExpr(from, quals ? (Node *) make_ands_explicit(quals) : NULL);
		/*
		 * The join entries stay (Vars keep their numbers) but join nothing;
		 * functions in FROM read NULL for the columns of NULL entries.
		 */
		foreach(lc2, q->rtable)
		{
			RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc2);

			if (rte->rtekind == RTE_JOIN)
				rte->jointype = JOIN_INNER;
			else if (rte->rtekind == RTE_FUNCTION)
				rte->functions = (List *) null_vars_mutator((Node *) rte->functions,
															p->nulled);
		}
		q->hasSubLinks = false;
		query_keep_from_where(q, NIL, false);
		c->query = q;
		foreach(lc2, p->uses)
		{
			IndicatorUse *u = (IndicatorUse *) lfirst(lc2);
			IndicatorUse *cu = palloc(sizeof(IndicatorUse));

			*cu = *u;
			cu->outer = (List *) null_vars_mutator((Node *) u->outer, p->nulled);
			c->uses = lappend(c->uses, cu);
		}
		components = lappend(components, c);
	}
	*indicators = d.indicators;
	return components;
}

/* Each component's circuit row: the view's, with its NULL entries. */
void
decompose_set_rownodes(List *components, List *rownodes)
{
	ListCell   *lc;

	foreach(lc, components)
	{
		Component  *c = (Component *) lfirst(lc);

		Subst		subst;

		subst.from = c->subst_from;
		subst.to = c->subst_to;
		c->rownodes = (List *) null_vars_mutator(subst_mutator((Node *) rownodes, &subst),
												 c->nulled);
	}
}
