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
 *	  This file holds the products, indicators, outer joins and the entry
 *	  points; sublinks.c expands subquery predicates and scalar subqueries
 *	  into the same products.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_am.h"
#include "commands/defrem.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parsetree.h"
#include "rewrite/rewriteManip.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

#include "stepping.h"
#include "compile/compile.h"



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
List *
decompose_check_size(List *parts)
{
	if (list_length(parts) > MAX_COMPONENTS)
		stepping_reject_because("this many outer joins and subqueries together",
			   "The view would be a sum of more than 64 inner joins.",
			   "Split it into views over views.");
	return parts;
}

Part *
decompose_part_copy(Part *p)
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
		Part	   *n = decompose_part_copy(a);

		n->rels = bms_union(n->rels, b->rels);
		n->quals = list_concat(n->quals, b->quals);
		n->nulled = bms_union(n->nulled, b->nulled);
		n->uses = list_concat(n->uses, b->uses);
		n->subst_from = list_concat(n->subst_from, b->subst_from);
		n->subst_to = list_concat(n->subst_to, b->subst_to);
		n->coef = a->coef * b->coef;
		result = lappend(result, n);
	}
	return decompose_check_size(result);
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
Oid
decompose_inner_equality(Oid opno, Oid innertype)
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

void
decompose_split_conditions(List *conjuncts, SideTest in_inner, SideTest in_outer,
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
			if (!OidIsValid(decompose_inner_equality(op->opno, exprType(inner))))
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
Indicator *
decompose_make_indicator(Decomposer *d, RangeTblEntry *rte, List *keys, List *filter,
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

IndicatorUse *
decompose_make_use(Indicator *ind, Split *s, List *outer_keys)
{
	IndicatorUse *u = palloc0(sizeof(IndicatorUse));

	u->ind = ind;
	u->outer = outer_keys;
	u->opnos = s->opnos;
	u->collids = s->collids;
	u->outer_left = s->outer_left;
	return u;
}

/* Parts times one factor: each part gets the quals and the uses. */
List *
decompose_times(List *parts, List *quals, List *uses, int64 sign)
{
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, parts)
	{
		Part	   *n = decompose_part_copy((Part *) lfirst(lc));

		n->quals = list_concat(n->quals, list_copy(quals));
		n->uses = list_concat(n->uses, list_copy(uses));
		n->coef *= sign;
		result = lappend(result, n);
	}
	return decompose_check_size(result);
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
	decompose_split_conditions(make_ands_implicit((Expr *) cond), join_in_inner,
					 join_in_outer, &sides, &s, "an outer join condition");
	ind = decompose_make_indicator(d, rt_fetch(inner, d->query->rtable),
						 as_entry_one(s.inner_keys, inner),
						 as_entry_one(s.inner_filter, inner), s.collids);

	foreach(lc, outer_parts)
	{
		Part	   *p = (Part *) lfirst(lc);
		Part	   *matched = decompose_part_copy(p);
		Part	   *all = decompose_part_copy(p);
		Part	   *with_match = decompose_part_copy(p);

		matched->rels = bms_add_member(matched->rels, inner);
		if (cond)
			matched->quals = lappend(matched->quals, cond);
		all->nulled = bms_add_member(all->nulled, inner);
		with_match->nulled = bms_add_member(with_match->nulled, inner);
		with_match->quals = list_concat(with_match->quals, s.outer_filter);
		with_match->uses = lappend(with_match->uses,
								   decompose_make_use(ind, &s, s.outer_keys));
		with_match->coef = -p->coef;
		result = lappend(result, matched);
		result = lappend(result, all);
		result = lappend(result, with_match);
	}
	return decompose_check_size(result);
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
				return decompose_check_size(left);
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

	(void) sublink_collect_scalars((Node *) query->targetList, &scalars);
	(void) sublink_collect_scalars(query->jointree->quals, &scalars);
	foreach(lc, scalars)
		parts = sublink_expand_scalar(&d, parts, (SubLink *) lfirst(lc));

	foreach(lc, make_ands_implicit((Expr *) query->jointree->quals))
	{
		Node	   *conj = (Node *) lfirst(lc);
		List	   *next = sublink_apply_predicate(&d, parts, conj);

		if (next)
			parts = next;
		else if (sublink_other_walker(conj, NULL))
			stepping_reject_because("a subquery in this position",
				   "EXISTS, NOT EXISTS, IN and NOT IN subqueries are maintained as conditions of the WHERE clause joined by AND.",
				   "Move the subquery into WHERE, joined to the other conditions by AND.");
		else
			parts = decompose_times(parts, list_make1(conj), NIL, 1);
	}
	if (sublink_other_walker((Node *) query->targetList, NULL))
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
		quals = (List *) null_vars_mutator(sublink_subst_mutator((Node *) p->quals, &subst),
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
		c->rownodes = (List *) null_vars_mutator(sublink_subst_mutator((Node *) rownodes, &subst),
												 c->nulled);
	}
}
