/*-------------------------------------------------------------------------
 *
 * scalar.c
 *	  Scalar subqueries with aggregates, such as
 *	    (SELECT count(*) FROM orders o WHERE o.cust_id = c.id),
 *	  become an internal grouped view over the subquery's table,
 *	    SELECT o.cust_id AS k1, count(*) AS v FROM orders o GROUP BY 1,
 *	  and a lookup of it by its key,
 *	    COALESCE((SELECT g.v FROM <view>__subN g WHERE g.k1 = c.id), 0).
 *	  The COALESCE gives the aggregate's value over no rows (found by running
 *	  the subquery over none) to a row without a group; it is only exact when
 *	  every group's value is non-NULL, which is checked, or when the value
 *	  over no rows is NULL, when no COALESCE is needed.  decompose.c
 *	  maintains the lookup like a LEFT JOIN.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parsetree.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"

#include "stepping.h"

typedef struct ScalarContext
{
	RangeVar   *rv;
	int		   *counter;
	List	   *internal;
	List	   *done_from;		/* subqueries rewritten ... */
	List	   *done_to;		/* ... and their lookups: equal ones share one */
} ScalarContext;


/* Is the expression non-NULL over every non-empty group? */
static bool
never_null(Node *n)
{
	ListCell   *lc;

	if (n == NULL)
		return false;
	switch (nodeTag(n))
	{
		case T_Const:
			return !((Const *) n)->constisnull;
		case T_RelabelType:
			return never_null((Node *) ((RelabelType *) n)->arg);
		case T_Aggref:
			{
				Aggref	   *a = (Aggref *) n;

				return get_func_namespace(a->aggfnoid) == PG_CATALOG_NAMESPACE &&
					strcmp(get_func_name(a->aggfnoid), "count") == 0;
			}
		case T_CoalesceExpr:
			foreach(lc, ((CoalesceExpr *) n)->args)
				if (never_null((Node *) lfirst(lc)))
				return true;
			return false;
		case T_OpExpr:
		case T_FuncExpr:
			{
				List	   *args = IsA(n, OpExpr) ? ((OpExpr *) n)->args : ((FuncExpr *) n)->args;
				Oid			fn = IsA(n, OpExpr) ? get_opcode(((OpExpr *) n)->opno)
				: ((FuncExpr *) n)->funcid;

				if (!func_strict(fn) || get_func_retset(fn))
					return false;
				foreach(lc, args)
					if (!never_null((Node *) lfirst(lc)))
					return false;
				return true;
			}
		default:
			return false;
	}
}

/* The subquery's value over no rows, or NULL: run it over none. */
static Const *
value_over_no_rows(const char *from, const char *target, Oid type, int32 typmod,
				   Oid collation)
{
	MemoryContext outer = CurrentMemoryContext;
	char	   *sql = psprintf("SELECT %s FROM %s WHERE false", target, from);
	Datum		d;
	bool		isnull;
	int16		typlen;
	bool		typbyval;
	Const	   *c;

	get_typlenbyval(type, &typlen, &typbyval);
	SPI_connect();
	if (SPI_execute(sql, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not evaluate a scalar subquery over no rows");
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	{
		MemoryContext old = MemoryContextSwitchTo(outer);

		c = makeConst(type, typmod, collation, typlen,
					  isnull ? (Datum) 0 : datumCopy(d, typbyval, typlen),
					  isnull, typbyval);
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	return c;
}

/* (SELECT g.v FROM view g WHERE g.k1 = outer1 ...), as sl was correlated. */
static SubLink *
lookup_sublink(SubLink *sl, Oid viewid, List *outer_keys, List *opnos,
			   List *collids, List *outer_left)
{
	Relation	rel = table_open(viewid, AccessShareLock);
	TupleDesc	desc = RelationGetDescr(rel);
	RangeTblEntry *rte = makeNode(RangeTblEntry);
	Query	   *q = makeNode(Query);
	SubLink    *n = copyObject(sl);
	List	   *colnames = NIL;
	List	   *quals = NIL;
	FromExpr   *from;
	RangeTblRef *ref = makeNode(RangeTblRef);
	Form_pg_attribute v;
	int			i,
				nkeys = list_length(outer_keys);

	for (i = 0; i < desc->natts; i++)
		colnames = lappend(colnames, makeString(pstrdup(NameStr(TupleDescAttr(desc, i)->attname))));
	rte->rtekind = RTE_RELATION;
	rte->relid = viewid;
	rte->relkind = RELKIND_RELATION;
	rte->rellockmode = AccessShareLock;
	rte->alias = makeAlias("g", NIL);
	rte->eref = makeAlias("g", colnames);
	rte->inh = false;
	rte->inFromCl = true;
	rte->requiredPerms = ACL_SELECT;

	for (i = 0; i < nkeys; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		Expr	   *inner = (Expr *) makeVar(1, i + 1, att->atttypid, att->atttypmod,
											 att->attcollation, 0);
		Expr	   *outer = (Expr *) copyObject(list_nth(outer_keys, i));
		bool		ol = list_nth_int(outer_left, i);

		quals = lappend(quals,
						make_opclause(list_nth_oid(opnos, i), BOOLOID, false,
									  ol ? outer : inner, ol ? inner : outer,
									  InvalidOid, list_nth_oid(collids, i)));
	}
	v = TupleDescAttr(desc, nkeys);
	ref->rtindex = 1;
	from = makeFromExpr(list_make1(ref),
						quals ? (Node *) make_ands_explicit(quals) : NULL);
	q->commandType = CMD_SELECT;
	q->querySource = QSRC_ORIGINAL;
	q->canSetTag = true;
	q->rtable = list_make1(rte);
	q->jointree = from;
	q->targetList = list_make1(makeTargetEntry((Expr *) makeVar(1, nkeys + 1, v->atttypid,
																v->atttypmod, v->attcollation, 0),
											   1, pstrdup("v"), false));
	table_close(rel, AccessShareLock);
	n->subselect = (Node *) q;
	return n;
}

/* One scalar subquery with an aggregate: its internal view and lookup. */
static Node *
materialize_scalar(SubLink *sl, ScalarContext *ctx)
{
	Query	   *sub = (Query *) sl->subselect;
	RangeTblEntry *rte;
	TargetEntry *tle = NULL;
	List	   *inner_keys,
			   *outer_keys,
			   *opnos,
			   *collids,
			   *outer_left,
			   *inner_filter,
			   *outer_filter;
	List	   *dpctx;
	StringInfoData sql;
	char	   *from;
	char	   *target;
	ListCell   *lc;
	int			nest;
	int			i;
	Oid			viewid;
	Const	   *empty;
	Node	   *lookup;

	if (sub->cteList || sub->setOperations || sub->groupClause ||
		sub->havingQual || sub->hasWindowFuncs || sub->hasTargetSRFs ||
		sub->limitCount || sub->limitOffset || sub->hasSubLinks ||
		sub->distinctClause || sub->groupingSets ||
		list_length(sub->rtable) != 1 ||
		list_length(sub->jointree->fromlist) != 1 ||
		!IsA(linitial(sub->jointree->fromlist), RangeTblRef))
		stepping_reject_because("this scalar subquery",
			   "A scalar subquery must compute an aggregate over one table (SELECT agg(...) FROM t WHERE ...), or look one row up by a unique key.",
			   "Write the subquery's join as a subquery in FROM, or as a view of its own.");
	rte = rt_fetch(1, sub->rtable);
	if (rte->rtekind != RTE_RELATION)
		stepping_reject("a scalar subquery over this kind of relation", NULL);
	foreach(lc, sub->targetList)
		if (!lfirst_node(TargetEntry, lc)->resjunk)
			tle = lfirst_node(TargetEntry, lc);
	if (tle == NULL || contain_vars_of_level((Node *) tle->expr, 1))
		stepping_reject_because("this scalar subquery",
			   "The subquery's value must read only its own table.", NULL);
	decompose_subquery_conditions(sub, &inner_keys, &outer_keys, &opnos,
								  &collids, &outer_left, &inner_filter,
								  &outer_filter);
	if (outer_filter != NIL)
		stepping_reject("a scalar subquery with a condition on the outer query alone",
			   "Move the condition out of the subquery, into a CASE around it.");

	/* SELECT keys AS k1.., value AS v FROM rel alias WHERE filter GROUP BY keys */
	nest = stepping_pin_settings();
	dpctx = deparse_context_for(rte->eref->aliasname, rte->relid);
	from = psprintf("%s AS %s", qualified_relname(rte->relid),
					quote_identifier(rte->eref->aliasname));
	target = deparse_expression((Node *) tle->expr, dpctx, true, false);
	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT ");
	i = 0;
	foreach(lc, inner_keys)
	{
		i++;
		appendStringInfo(&sql, "%s AS k%d, ",
						 deparse_expression((Node *) lfirst(lc), dpctx, true, false), i);
	}
	appendStringInfo(&sql, "%s AS v FROM %s", target, from);
	if (inner_filter)
		appendStringInfo(&sql, " WHERE %s",
						 deparse_expression((Node *) make_ands_explicit(inner_filter),
											dpctx, true, false));
	if (inner_keys)
	{
		appendStringInfoString(&sql, " GROUP BY ");
		for (i = 1; i <= list_length(inner_keys); i++)
			appendStringInfo(&sql, "%s%d", i > 1 ? ", " : "", i);
	}
	empty = value_over_no_rows(from, target, exprType((Node *) tle->expr),
							   exprTypmod((Node *) tle->expr),
							   exprCollation((Node *) tle->expr));
	stepping_unpin_settings(nest);
	if (!empty->constisnull && !never_null((Node *) tle->expr))
		stepping_reject("a scalar subquery whose value over no rows is not NULL, unless its value is never NULL",
			   "Wrap the value in coalesce(..., <value over no rows>), or use count().");

	(*ctx->counter)++;
	viewid = create_internal_view(internal_view_name(ctx->rv, *ctx->counter),
								  analyze_view_query(sql.data, true), sql.data);
	ctx->internal = lappend_oid(ctx->internal, viewid);

	lookup = (Node *) lookup_sublink(sl, viewid, outer_keys, opnos, collids, outer_left);
	if (!empty->constisnull)
	{
		CoalesceExpr *ce = makeNode(CoalesceExpr);

		ce->coalescetype = empty->consttype;
		ce->coalescecollid = empty->constcollid;
		ce->args = list_make2(lookup, empty);
		ce->location = -1;
		lookup = (Node *) ce;
	}
	return lookup;
}

static Node *
scalar_mutator(Node *node, ScalarContext *ctx)
{
	if (node == NULL)
		return NULL;
	if (IsA(node, SubLink) && ((SubLink *) node)->subLinkType == EXPR_SUBLINK &&
		((Query *) ((SubLink *) node)->subselect)->hasAggs)
	{
		ListCell   *f,
				   *t;
		Node	   *lookup;

		/* the same subquery twice (an aggregate's argument and ORDER BY) */
		forboth(f, ctx->done_from, t, ctx->done_to)
			if (equal(node, lfirst(f)))
			return copyObject((Node *) lfirst(t));
		lookup = materialize_scalar((SubLink *) node, ctx);
		ctx->done_from = lappend(ctx->done_from, node);
		ctx->done_to = lappend(ctx->done_to, lookup);
		return copyObject(lookup);
	}
	if (IsA(node, Query))
		return node;
	return expression_tree_mutator(node, scalar_mutator, ctx);
}

/*
 * Replace every scalar subquery with an aggregate in the select list and
 * WHERE clause; returns the internal views made.
 */
List *
rewrite_scalar_subqueries(Query *query, RangeVar *rv, int *counter)
{
	ScalarContext ctx;

	if (!query->hasSubLinks)
		return NIL;
	ctx.rv = rv;
	ctx.counter = counter;
	ctx.internal = NIL;
	ctx.done_from = NIL;
	ctx.done_to = NIL;
	query->targetList = (List *) scalar_mutator((Node *) query->targetList, &ctx);
	query->jointree->quals = scalar_mutator(query->jointree->quals, &ctx);
	return ctx.internal;
}
