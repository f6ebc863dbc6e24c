/*-------------------------------------------------------------------------
 *
 * build_grouped.c
 *	  Compiling the grouped operator of a circuit (GROUP BY, DISTINCT,
 *	  global aggregates, UNION): the circuit row's layout, the result
 *	  table's key and state columns, the finals and HAVING over (group key,
 *	  aggregate finals), and explain lines.  Called by build.c's
 *	  compile_view; allocates in the circuit's context, current then.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "access/genam.h"
#include "executor/executor.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/relcache.h"

#include "stepping.h"
#include "compile/compile.h"

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

/*
 * Whether the key expression's typmod leaves equal values one spelling:
 * numeric(p,s) stores every value with display scale s (1.5 is 1.50),
 * char(n) pads every value to n characters, so under a deterministic
 * collation its equal values are the same bytes.  (A key of type numeric or
 * bpchar without typmod may hold 1.0 and 1.00, 'a' and 'a '.)
 */
static bool
typmod_fixes_spelling(Node *key, Oid collation)
{
	Oid			type = exprType(key);

	if (exprTypmod(key) < 0)
		return false;
	if (type == NUMERICOID)
		return true;
	if (type == BPCHAROID)
		return !OidIsValid(collation) || get_collation_isdeterministic(collation);
	return false;
}

/*
 * The columns generic aggregates read, and the values of the scalar
 * subqueries they read: they ride along in the circuit row, so that a change
 * to any of them touches the group.  *nargs counts the incremental
 * aggregates' arguments, which take a circuit-row column each.
 */
static List *
generic_aggregate_inputs(ViewPlan *p, int *nargs)
{
	List	   *genvars = NIL;
	ListCell   *lc;
	int			i;

	*nargs = 0;
	for (i = 0; i < list_length(p->aggrefs); i++)
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
			(*nargs)++;
	}
	return genvars;
}

/*
 * The circuit row of a grouped view: group keys first, then each
 * incremental aggregate's argument, then what generic aggregates read; each
 * aggregate's state columns in the result table.  keys gets the group keys'
 * SQL, for explain lines.
 */
static void
grouped_row_layout(Circuit *c, ViewPlan *p, TupleDesc rdesc, List *genvars,
				   int nargs, StringInfo keys)
{
	ListCell   *lc;
	int			i,
				col;

	c->nrowcols = c->grouped.ngroup + nargs + list_length(genvars);
	c->rowexprs = palloc0(sizeof(ExprState *) * Max(c->nrowcols, 1));
	c->rowtypes = palloc0(sizeof(Oid) * Max(c->nrowcols, 1));
	c->grouped.groupeqops = p->groupeqops;
	c->grouped.groupcolls = p->groupcolls;
	c->grouped.group_sql = palloc0(sizeof(char *) * Max(c->grouped.ngroup, 1));

	col = 0;
	foreach(lc, p->groupexprs)
	{
		Expr	   *e = (Expr *) lfirst(lc);

		c->rowexprs[col] = c->join ? NULL : build_init_expr(e);
		c->rowtypes[col] = exprType((Node *) e);
		c->grouped.group_sql[col] = (c->join || p->setop) ? psprintf("key %d", col + 1)
			: build_deparse_over_base((Node *) e, c->baseid);
		c->joins.rownodes = lappend(c->joins.rownodes, e);
		appendStringInfo(keys, "%s%s", col ? ", " : "", c->grouped.group_sql[col]);
		col++;
	}
	i = 0;
	foreach(lc, p->aggrefs)
	{
		Aggref	   *agg = lfirst_node(Aggref, lc);
		AggSpec    *a = &c->grouped.aggs[i];

		if (a->kind != AGG_COUNT_STAR && a->kind != AGG_GENERIC)
		{
			Expr	   *arg = linitial_node(TargetEntry, agg->args)->expr;

			a->argcol = col;
			c->rowexprs[col] = c->join ? NULL : build_init_expr(arg);
			c->rowtypes[col] = exprType((Node *) arg);
			a->display = c->join ? psprintf("%s(input %d)", a->display, col + 1)
				: psprintf("%s(%s)", a->display,
						   build_deparse_over_base((Node *) arg, c->baseid));
			c->joins.rownodes = lappend(c->joins.rownodes, arg);
			col++;
		}
		a->col_value = build_result_attnum(rdesc, hidden_column(HIDDEN_AGG, i));
		get_typlenbyval(a->statetype, &a->typlen, &a->typbyval);
		if (OidIsValid(a->sortop))
			fmgr_info_cxt(get_opcode(a->sortop), &a->sortfn, c->cxt);
		if (a->kind == AGG_GENERIC)
		{
			c->grouped.ngeneric++;
			a->sql = c->join ? NULL : build_deparse_over_base((Node *) agg, c->baseid);
			a->display = c->join ? psprintf("%s(...)", get_func_name(agg->aggfnoid))
				: a->sql;
		}
		if (agg_keeps_nn(a))
			a->col_nn = build_result_attnum(rdesc, hidden_column(HIDDEN_NN, i));
		if (agg_keeps_msc(a))
			a->col_msc = build_result_attnum(rdesc, hidden_column(HIDDEN_MSC, i));
		if (a->sumkind == SUM_NUMERIC || a->sumkind == SUM_FLOAT4 ||
			a->sumkind == SUM_FLOAT8)
			c->grouped.needs_recompute_plan = true;
		i++;
	}
	foreach(lc, genvars)
	{
		Expr	   *v = (Expr *) lfirst(lc);

		c->rowexprs[col] = c->join ? NULL : build_init_expr(v);
		c->rowtypes[col] = exprType((Node *) v);
		c->joins.rownodes = lappend(c->joins.rownodes, v);
		col++;
	}
	Assert(col == c->nrowcols);
	c->grouped.col_count = build_result_attnum(rdesc, HIDDEN_COUNT_COLUMN);
	i = 0;
	foreach(lc, p->groupexprs)
	{
		if (!p->setop &&
			!equality_is_identity(c->rowtypes[i], c->grouped.groupcolls[i]) &&
			!typmod_fixes_spelling((Node *) lfirst(lc), c->grouped.groupcolls[i]))
			c->grouped.key_spelling_varies = true;
		i++;
	}
}

/* The result table's key columns and the index rows are found through. */
static void
grouped_key_columns(Circuit *c, ViewPlan *p, Relation result, TupleDesc rdesc)
{
	int			i;

	c->nkeycols = c->grouped.ngroup;
	c->keycols = palloc0(sizeof(AttrNumber) * Max(c->grouped.ngroup, 1));
	for (i = 0; i < c->grouped.ngroup; i++)
	{
		if (p->group_vis[i] >= 0)
			c->keycols[i] = p->group_vis[i] + 1;
		else
			c->keycols[i] = build_result_attnum(rdesc, hidden_column(HIDDEN_KEY, i));
	}
	if (!c->global)
		c->keyindex = build_find_key_index(result, c->nkeycols, c->keycols);
}

/* Output expressions and HAVING, compiled over (group key, aggregate finals). */
static void
grouped_finals(Circuit *c, ViewPlan *p)
{
	FinalsContext fctx;
	ListCell   *lc;
	int			i;

	fctx.groupexprs = p->groupexprs;
	fctx.aggrefs = p->aggrefs;
	c->grouped.finals = palloc0(sizeof(ExprState *) * c->nvisible);
	i = 0;
	foreach(lc, p->visible)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);
		Node	   *f = finals_mutator((Node *) copyObject(tle->expr), &fctx);

		c->grouped.finals[i++] = build_init_expr((Expr *) f);
	}
	if (p->having)
	{
		Node	   *h = finals_mutator(copyObject(p->having), &fctx);

		c->grouped.having = ExecInitQual(make_ands_implicit((Expr *) expression_planner((Expr *) h)), NULL);
	}
}

/* explain_view's lines for the grouped operator. */
/*
 * Whether ordinary deletes may read a group from the base table: a float
 * sum/avg (any delete), a min/max (its extreme deleted), the look for a key's
 * spelling, HAVING.  (A numeric sum recomputes only when the last value at
 * its display scale leaves: not worth an index of its own.)
 */
static bool
may_read_groups(Circuit *c)
{
	int			i;

	if (c->grouped.key_spelling_varies || c->grouped.having)
		return true;
	for (i = 0; i < c->grouped.naggs; i++)
	{
		AggSpec    *a = &c->grouped.aggs[i];

		if (a->kind == AGG_MIN || a->kind == AGG_MAX ||
			a->sumkind == SUM_FLOAT4 || a->sumkind == SUM_FLOAT8)
			return true;
	}
	return false;
}

/*
 * A single-table grouped view whose maintenance may read a group from the
 * base table (a recompute, the look for a key's spelling) reads it through
 * an index whose first column is the first group key, when there is one:
 * without it, each such read scans the table.  The CREATE INDEX to add, or
 * NULL when an index is there or nothing reads groups.
 */
static char *
recompute_index_advice(Circuit *c, ViewPlan *p)
{
	Node	   *key;
	Relation	rel;
	ListCell   *lc;
	bool		found = false;
	char	   *advice;

	/* (a view over a result table: that one's own indexes are stepping's) */
	if (c->join || p->setop || c->global || p->groupexprs == NIL ||
		!may_read_groups(c) || catalog_is_result_table(c->baseid))
		return NULL;
	key = strip_relabel((Node *) linitial(p->groupexprs));
	rel = table_open(c->baseid, AccessShareLock);
	foreach(lc, RelationGetIndexList(rel))
	{
		Relation	idx = index_open(lfirst_oid(lc), AccessShareLock);
		AttrNumber	first = idx->rd_index->indkey.values[0];

		if (idx->rd_index->indnkeyatts > 0 && idx->rd_indpred == NIL &&
			idx->rd_index->indisvalid)
		{
			if (IsA(key, Var))
				found = (first == ((Var *) key)->varattno);
			else if (first == 0)
			{
				List	   *exprs = RelationGetIndexExpressions(idx);

				found = exprs != NIL &&
					equal(strip_relabel((Node *) linitial(exprs)), key);
			}
		}
		index_close(idx, AccessShareLock);
		if (found)
			break;
	}
	table_close(rel, AccessShareLock);
	if (found)
		return NULL;
	advice = IsA(key, Var)
		? psprintf("CREATE INDEX ON %s (%s);", c->basename,
				   quote_identifier(get_attname(c->baseid, ((Var *) key)->varattno, false)))
		: psprintf("CREATE INDEX ON %s ((%s));", c->basename, c->grouped.group_sql[0]);
	return advice;
}

static void
explain_grouped(Circuit *c, ViewPlan *p, TupleDesc rdesc, const char *keys)
{
	int			i;

	if (c->global)
		build_explain_line(c, "aggregate: global (one row, always present); state in result table %s", c->viewname);
	else if (p->aggrefs == NIL)
		build_explain_line(c, "distinct: by (%s); multiplicity in %s.__stepping_count; rows found through unique index %s",
					 keys, c->viewname, get_rel_name(c->keyindex));
	else
		build_explain_line(c, "aggregate: group by (%s); state in result table %s; groups found through unique index %s",
					 keys, c->viewname, get_rel_name(c->keyindex));
	for (i = 0; i < c->grouped.naggs; i++)
	{
		AggSpec    *a = &c->grouped.aggs[i];
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
		build_explain_line(c, "  %s -> %s (%s)", a->display,
					 NameStr(TupleDescAttr(rdesc, a->col_value - 1)->attname), how);
	}
	if (c->grouped.having)
		build_explain_line(c, "having: groups failing it are left out of the result table; a touched group not in it is recomputed from the base tables");
	if (c->grouped.key_spelling_varies)
		build_explain_line(c, "key spelling: equal keys may be spelled differently; the row keeps a spelling one of the group's rows has%s",
						   c->join ? "; when its last such row leaves, the group is recomputed"
						   : "; a delete of a row so spelled looks for another one (LIMIT 1), and recomputes the group when none is left");
	c->grouped.index_advice = recompute_index_advice(c, p);
	if (c->grouped.index_advice)
		build_explain_line(c, "  missing index, each group recompute scans the base table: %s",
						   c->grouped.index_advice);
}

/*
 * compile_grouped: the grouped operator's part of circuit c (GROUP BY,
 * DISTINCT, global aggregates, UNION): from plan p and the result table
 * (open, its descriptor checked against the query), fill c's group key and
 * aggregate fields: the circuit row's layout (group keys, aggregate
 * arguments, columns generic aggregates read), result attribute numbers of
 * the key and state columns, the key index and its equality functions, the
 * finals and HAVING compiled over (group key, aggregate finals), the group
 * keys' SQL that recomputes filter on, and the operator's explain lines.
 * Everything is allocated in the current memory
 * context, the circuit's own (c->cxt), and lives as long as the circuit.
 */
void
compile_grouped(Circuit *c, ViewPlan *p, Relation result)
{
	TupleDesc	rdesc = RelationGetDescr(result);
	int			nargs;
	StringInfoData keys;
	List	   *genvars;

	c->grouped.ngroup = list_length(p->groupexprs);
	c->grouped.naggs = list_length(p->aggrefs);
	c->grouped.aggs = p->aggs;
	genvars = generic_aggregate_inputs(p, &nargs);
	initStringInfo(&keys);
	grouped_row_layout(c, p, rdesc, genvars, nargs, &keys);
	grouped_key_columns(c, p, result, rdesc);
	grouped_finals(c, p);
	explain_grouped(c, p, rdesc, keys.data);
}
