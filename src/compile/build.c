/*-------------------------------------------------------------------------
 *
 * build.c
 *	  Compiling a circuit: compile_view() analyzes a stored definition (under
 *	  the pinned settings), plans it with plan_view(), checks the result
 *	  table still matches, and builds the Circuit a step runs, in a memory
 *	  context of its own (freed with the circuit by cache.c): expressions,
 *	  the grouped or bag operator's state, join terms, probes, explain lines.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/table.h"
#include "catalog/pg_am.h"
#include "executor/executor.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parsetree.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"

#include "stepping.h"
#include "compile/compile.h"

/* ----------------------------------------------------------------
 * Compiling a circuit
 * ----------------------------------------------------------------
 */

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

static char *
deparse_over_base(Node *expr, Oid baseid)
{
	int			nestlevel = stepping_pin_settings();
	char	   *s = deparse_expression(expr,
									   deparse_context_for(get_rel_name(baseid), baseid),
									   false, false);

	stepping_unpin_settings(nestlevel);
	return s;
}

static bool
has_hash_column(TupleDesc desc)
{
	int			i;

	for (i = 0; i < desc->natts; i++)
		if (!TupleDescAttr(desc, i)->attisdropped &&
			strcmp(NameStr(TupleDescAttr(desc, i)->attname), HIDDEN_HASH_COLUMN) == 0)
			return true;
	return false;
}

static AttrNumber
result_attnum(TupleDesc desc, const char *name)
{
	int			i;

	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
			return att->attnum;
	}
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("result table column \"%s\" is missing", name),
			 errhint("Drop the view with stepping.drop_view() and create it again.")));
	return InvalidAttrNumber;	/* keep compiler quiet */
}

/*
 * The index whose key columns are exactly keycols, in order, or InvalidOid.
 * Only valid, live btree indexes qualify (an index left invalid by a failed
 * CREATE INDEX CONCURRENTLY misses rows); among them a unique NULLS NOT
 * DISTINCT one, as create_view makes for groups, is preferred over a user's
 * index on the same columns, whatever their OID order after a restore or a
 * REINDEX CONCURRENTLY.
 */
static Oid
lookup_key_index(Relation rel, int nkeycols, AttrNumber *keycols)
{
	List	   *indexes = RelationGetIndexList(rel);
	ListCell   *lc;
	Oid			best = InvalidOid;
	int			bestscore = -1;

	foreach(lc, indexes)
	{
		Oid			indexoid = lfirst_oid(lc);
		Relation	idx = index_open(indexoid, AccessShareLock);
		Form_pg_index ix = idx->rd_index;
		bool		match = (ix->indnkeyatts == nkeycols &&
							 ix->indisvalid && ix->indisready && ix->indislive &&
							 idx->rd_rel->relam == BTREE_AM_OID &&
							 idx->rd_indexprs == NIL && idx->rd_indpred == NIL);
		int			score;
		int			k;

		for (k = 0; match && k < nkeycols; k++)
			if (ix->indkey.values[k] != keycols[k])
				match = false;
		score = (ix->indisunique ? 1 : 0) + (ix->indnullsnotdistinct ? 2 : 0);
		index_close(idx, AccessShareLock);
		if (match && score > bestscore)
		{
			best = indexoid;
			bestscore = score;
		}
	}
	return best;
}

static void
missing_key_index(Relation rel)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("the key index of result table \"%s\" is missing",
					RelationGetRelationName(rel)),
			 errhint("Call stepping.refresh_view() after recreating it, or drop and create the view again.")));
}

/* Find the index whose key columns are exactly keycols, in order. */
static Oid
find_key_index(Relation rel, int nkeycols, AttrNumber *keycols)
{
	Oid			indexoid = lookup_key_index(rel, nkeycols, keycols);

	if (!OidIsValid(indexoid))
		missing_key_index(rel);
	return indexoid;
}

/*
 * A keyed bag whose key index is gone or no longer derivable (a base
 * table's unique index was dropped after the view was made): any plain
 * btree index over visible columns still finds rows, since they are matched
 * by their whole image.
 */
static Oid
any_visible_index(Relation rel, int nvisible, int *nkeycols, AttrNumber **keycols)
{
	List	   *indexes = RelationGetIndexList(rel);
	ListCell   *lc;

	foreach(lc, indexes)
	{
		Oid			indexoid = lfirst_oid(lc);
		Relation	idx = index_open(indexoid, AccessShareLock);
		bool		usable = (idx->rd_rel->relam == BTREE_AM_OID &&
							  idx->rd_indexprs == NIL && idx->rd_indpred == NIL);
		int			k;

		for (k = 0; usable && k < idx->rd_index->indnkeyatts; k++)
			if (idx->rd_index->indkey.values[k] > nvisible)
				usable = false;
		if (usable)
		{
			*nkeycols = idx->rd_index->indnkeyatts;
			*keycols = palloc(sizeof(AttrNumber) * *nkeycols);
			for (k = 0; k < *nkeycols; k++)
				(*keycols)[k] = idx->rd_index->indkey.values[k];
		}
		index_close(idx, AccessShareLock);
		if (usable)
			return indexoid;
	}
	missing_key_index(rel);
	return InvalidOid;			/* keep compiler quiet */
}

static ExprState *
init_expr(Expr *expr)
{
	return ExecInitExpr(expression_planner(expr), NULL);
}

static void
explain_line(Circuit *c, const char *fmt,...) pg_attribute_printf(2, 3);

/* One line of explain_view's output. */
static void
explain_line(Circuit *c, const char *fmt,...)
{
	StringInfoData buf;
	va_list		args;

	initStringInfo(&buf);
	for (;;)
	{
		int			needed;

		va_start(args, fmt);
		needed = appendStringInfoVA(&buf, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&buf, needed);
	}
	c->explain = lappend(c->explain, buf.data);
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

		c->rowexprs[col] = c->join ? NULL : init_expr(e);
		c->rowtypes[col] = exprType((Node *) e);
		c->grouped.group_sql[col] = (c->join || p->setop) ? psprintf("key %d", col + 1)
			: deparse_over_base((Node *) e, c->baseid);
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
			c->rowexprs[col] = c->join ? NULL : init_expr(arg);
			c->rowtypes[col] = exprType((Node *) arg);
			a->display = c->join ? psprintf("%s(input %d)", a->display, col + 1)
				: psprintf("%s(%s)", a->display,
						   deparse_over_base((Node *) arg, c->baseid));
			c->joins.rownodes = lappend(c->joins.rownodes, arg);
			col++;
		}
		a->col_value = result_attnum(rdesc, hidden_column(HIDDEN_AGG, i));
		get_typlenbyval(a->statetype, &a->typlen, &a->typbyval);
		if (OidIsValid(a->sortop))
			fmgr_info_cxt(get_opcode(a->sortop), &a->sortfn, c->cxt);
		if (a->kind == AGG_GENERIC)
		{
			c->grouped.ngeneric++;
			a->sql = c->join ? NULL : deparse_over_base((Node *) agg, c->baseid);
			a->display = c->join ? psprintf("%s(...)", get_func_name(agg->aggfnoid))
				: a->sql;
		}
		if (agg_keeps_nn(a))
			a->col_nn = result_attnum(rdesc, hidden_column(HIDDEN_NN, i));
		if (agg_keeps_msc(a))
			a->col_msc = result_attnum(rdesc, hidden_column(HIDDEN_MSC, i));
		if (a->sumkind == SUM_NUMERIC || a->sumkind == SUM_FLOAT4 ||
			a->sumkind == SUM_FLOAT8)
			c->grouped.needs_recompute_plan = true;
		i++;
	}
	foreach(lc, genvars)
	{
		Expr	   *v = (Expr *) lfirst(lc);

		c->rowexprs[col] = c->join ? NULL : init_expr(v);
		c->rowtypes[col] = exprType((Node *) v);
		c->joins.rownodes = lappend(c->joins.rownodes, v);
		col++;
	}
	Assert(col == c->nrowcols);
	c->grouped.col_count = result_attnum(rdesc, HIDDEN_COUNT_COLUMN);
	for (i = 0; i < c->grouped.ngroup && !p->setop; i++)
		if (!equality_is_identity(c->rowtypes[i], c->grouped.groupcolls[i]))
			c->grouped.key_spelling_varies = true;
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
			c->keycols[i] = result_attnum(rdesc, hidden_column(HIDDEN_KEY, i));
	}
	if (!c->global)
		c->keyindex = find_key_index(result, c->nkeycols, c->keycols);
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

		c->grouped.finals[i++] = init_expr((Expr *) f);
	}
	if (p->having)
	{
		Node	   *h = finals_mutator(copyObject(p->having), &fctx);

		c->grouped.having = ExecInitQual(make_ands_implicit((Expr *) expression_planner((Expr *) h)), NULL);
	}
}

/* explain_view's lines for the grouped operator. */
static void
explain_grouped(Circuit *c, ViewPlan *p, TupleDesc rdesc, const char *keys)
{
	int			i;

	if (c->global)
		explain_line(c, "aggregate: global (one row, always present); state in result table %s", c->viewname);
	else if (p->aggrefs == NIL)
		explain_line(c, "distinct: by (%s); multiplicity in %s.__stepping_count; rows found through unique index %s",
					 keys, c->viewname, get_rel_name(c->keyindex));
	else
		explain_line(c, "aggregate: group by (%s); state in result table %s; groups found through unique index %s",
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
		explain_line(c, "  %s -> %s (%s)", a->display,
					 NameStr(TupleDescAttr(rdesc, a->col_value - 1)->attname), how);
	}
	if (c->grouped.having)
		explain_line(c, "having: groups failing it are left out of the result table; a touched group not in it is recomputed from the base tables");
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
static void
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

static void
compile_bag(Circuit *c, ViewPlan *p, Relation result)
{
	ListCell   *lc;
	int			i;

	c->nrowcols = p->nvisible;
	c->rowexprs = palloc0(sizeof(ExprState *) * c->nrowcols);
	c->rowtypes = palloc0(sizeof(Oid) * c->nrowcols);
	i = 0;
	foreach(lc, p->visible)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		c->rowexprs[i] = c->join ? NULL : init_expr(tle->expr);
		c->rowtypes[i] = exprType((Node *) tle->expr);
		c->joins.rownodes = lappend(c->joins.rownodes, tle->expr);
		i++;
	}
	if (!has_hash_column(RelationGetDescr(result)))
	{
		c->nkeycols = list_length(p->bagkey);
		c->keycols = palloc(sizeof(AttrNumber) * Max(c->nkeycols, 1));
		i = 0;
		foreach(lc, p->bagkey)
			c->keycols[i++] = lfirst_int(lc) + 1;
		c->keyindex = p->bagkey ? lookup_key_index(result, c->nkeycols, c->keycols) : InvalidOid;
		if (!OidIsValid(c->keyindex))
		{
			c->keyindex = any_visible_index(result, c->nvisible, &c->nkeycols, &c->keycols);
			explain_line(c, "bag: rows kept with duplicates; found through index %s on visible columns (the key it was made for no longer holds), then compared whole",
						 get_rel_name(c->keyindex));
		}
		else if (p->join)
			explain_line(c, "bag: rows kept with duplicates; found through index %s on columns that identify a joined row, then compared whole",
						 get_rel_name(c->keyindex));
		else
			explain_line(c, "bag: rows kept with duplicates; found through index %s (the base table's primary key), then compared whole",
						 get_rel_name(c->keyindex));
	}
	else
	{
		c->bag.col_hash = result_attnum(RelationGetDescr(result), HIDDEN_HASH_COLUMN);
		c->nkeycols = 1;
		c->keycols = palloc(sizeof(AttrNumber));
		c->keycols[0] = c->bag.col_hash;
		c->keyindex = find_key_index(result, 1, c->keycols);
		explain_line(c, "bag: rows kept with duplicates; deletes find rows through the row hash index %s, then compare whole rows",
					 get_rel_name(c->keyindex));
	}
}

/*
 * The result table must still have the columns the query produces, with the
 * same types: a base column's type changed behind our back (a restore
 * without our dependencies, say) must stop maintenance with an error, never
 * let state of one type be read as another.
 */
static void
check_result_shape(Query *query, Relation result)
{
	ResultShape *shape = shape_result_table(copyObject(query));
	TupleDesc	desc = RelationGetDescr(result);
	ListCell   *ln,
			   *lt;
	int			i = 0;
	bool		bag = (shape->kind == VIEW_BAG);

	/*
	 * A bag is found through its row hash or through a key; which one was
	 * chosen when the view was made may differ from what its tables offer
	 * now, and compile_bag follows the table.
	 */
	if (bag && shape->hashed)
	{
		shape->colnames = list_truncate(shape->colnames, shape->nvisible);
		shape->coltypes = list_truncate(shape->coltypes, shape->nvisible);
	}
#define SKIPPED(att) ((att)->attisdropped || \
		(bag && strcmp(NameStr((att)->attname), HIDDEN_HASH_COLUMN) == 0))

	forboth(ln, shape->colnames, lt, shape->coltypes)
	{
		Form_pg_attribute att;

		while (i < desc->natts && SKIPPED(TupleDescAttr(desc, i)))
			i++;
		if (i >= desc->natts)
			break;
		att = TupleDescAttr(desc, i);
		if (strcmp(NameStr(att->attname), (char *) lfirst(ln)) != 0 ||
			strcmp(column_type_sql(att->atttypid, att->atttypmod, att->attcollation),
				   (char *) lfirst(lt)) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("stepping view \"%s\" no longer matches its query",
							RelationGetRelationName(result)),
					 errdetail("Result column \"%s\" is %s; the query now gives \"%s\" %s.",
							   NameStr(att->attname),
							   column_type_sql(att->atttypid, att->atttypmod, att->attcollation),
							   (char *) lfirst(ln), (char *) lfirst(lt)),
					 errhint("A table the view reads changed; drop the view with stepping.drop_view() and create it again.")));
		i++;
	}
	if (i != desc->natts || list_length(shape->colnames) != i)
	{
		int			live = 0,
					k;

		for (k = 0; k < desc->natts; k++)
			if (!SKIPPED(TupleDescAttr(desc, k)))
				live++;
#undef SKIPPED
		if (live != list_length(shape->colnames))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("stepping view \"%s\" no longer matches its query",
							RelationGetRelationName(result)),
					 errhint("Drop the view with stepping.drop_view() and create it again.")));
	}
}

/*
 * Outer joins and subquery predicates: the view as a signed sum of inner
 * joins with semijoin factors (decompose.c), each factor's delta computed
 * per step (semijoin.c).
 */
static void
compile_components(Circuit *c, Query *query)
{
	Query	   *flat = copyObject(query);
	ListCell   *lc;

	flat->jointree = (FromExpr *) flatten_join_alias_vars(flat, (Node *) flat->jointree);
	c->joins.decomposed = true;
	c->joins.components = decompose_query(flat, &c->joins.indicators);
	decompose_set_rownodes(c->joins.components, c->joins.rownodes);

	/* scalar subqueries joined their tables to the range table */
	if (list_length(flat->rtable) > c->joins.nrtes)
	{
		int			n = list_length(flat->rtable);
		int			rt;

		c->joins.rte_relid = repalloc(c->joins.rte_relid, sizeof(Oid) * n);
		c->joins.input_natts = repalloc(c->joins.input_natts, sizeof(int) * n);
		for (rt = c->joins.nrtes + 1; rt <= n; rt++)
		{
			RangeTblEntry *rte = rt_fetch(rt, flat->rtable);
			Relation	rel = table_open(rte->relid, AccessShareLock);

			c->joins.rte_relid[rt - 1] = rte->relid;
			c->joins.input_natts[rt - 1] = RelationGetDescr(rel)->natts;
			table_close(rel, NoLock);
			c->joins.joinquery->rtable = lappend(c->joins.joinquery->rtable, copyObject(rte));
			explain_line(c, "input %d: %s (a scalar subquery's lookup: a row or NULL)",
						 rt, qualified_relname(rte->relid));
		}
		c->joins.nrtes = n;
	}
	foreach(lc, c->joins.indicators)
	{
		Indicator  *ind = (Indicator *) lfirst(lc);

		ind->bit = c->joins.nrtes + ind->id - 1;
		if (ind->bit >= 32)
			elog(ERROR, "too many semijoin factors");
		semijoin_prepare(c, ind);
		explain_line(c, "semijoin factor %d: distinct keys of %s%s%s (delta: keys that appeared or disappeared, one bounded probe per touched key)",
					 ind->id, qualified_relname(ind->relid),
					 ind->nkeys ? "" : " (no key: any row)",
					 ind->filter ? " under a filter" : "");
	}
	foreach(lc, c->joins.components)
	{
		Component  *comp = (Component *) lfirst(lc);
		StringInfoData buf;
		ListCell   *lc2;
		int			rt;

		initStringInfo(&buf);
		appendStringInfo(&buf, "component %d: %s1 x join of inputs", comp->index + 1,
						 comp->coef < 0 ? "-" : "+");
		for (rt = 0; rt < c->joins.nrtes; rt++)
			if (comp->used & (((uint32) 1) << rt))
				appendStringInfo(&buf, " %d", rt + 1);
		for (rt = 0; rt < c->joins.nrtes; rt++)
			if (bms_is_member(rt + 1, comp->nulled))
				appendStringInfo(&buf, ", input %d NULL", rt + 1);
		foreach(lc2, comp->uses)
			appendStringInfo(&buf, ", semijoin factor %d", ((IndicatorUse *) lfirst(lc2))->ind->id);
		explain_line(c, "%s", buf.data);
	}
}

/*
 * The inputs of a join view: each range-table entry's table and width, the
 * index advice; returns where probe plans' explain lines go.
 */
static int
compile_join_inputs(Circuit *c, Query *query)
{
	int			i;
	int			probeline;
	ListCell   *lc;

	c->joins.joinquery = query;
	c->joins.nrtes = list_length(query->rtable);
	c->joins.rte_relid = palloc0(sizeof(Oid) * c->joins.nrtes);
	c->joins.input_natts = palloc0(sizeof(int) * c->joins.nrtes);
	i = 0;
	foreach(lc, query->rtable)
	{
		RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);

		if (rte->rtekind == RTE_RELATION)
		{
			Relation	rel = table_open(rte->relid, AccessShareLock);

			c->joins.rte_relid[i] = rte->relid;
			c->joins.input_natts[i] = RelationGetDescr(rel)->natts;
			table_close(rel, NoLock);
			explain_line(c, "input %d: %s (delta from statement triggers: old rows -1, new rows +1)",
						 i + 1, qualified_relname(rte->relid));
		}
		else if (rte->rtekind == RTE_FUNCTION)
			explain_line(c, "input %d: an immutable set-returning function (no delta of its own)",
						 i + 1);
		i++;
	}
	explain_line(c, "join: per step, one PostgreSQL plan per set of changed inputs; changed inputs read the step's delta (weights multiply), the others read their tables through their indexes");
	probeline = list_length(c->explain);
	c->joins.index_advice = join_index_advice(c);
	foreach(lc, c->joins.index_advice)
		explain_line(c, "  missing index, each change to the other side scans this table: %s",
					 (char *) lfirst(lc));
	return probeline;
}

/* The linear front of a single-table view: its WHERE, compiled. */
static void
compile_linear_front(Circuit *c, Query *query)
{
	explain_line(c, "input: %s (delta from statement triggers: old rows -1, new rows +1)", c->basename);
	if (query->jointree->quals)
	{
		c->where = ExecInitQual(make_ands_implicit((Expr *) expression_planner((Expr *) query->jointree->quals)), NULL);
		c->where_sql = deparse_over_base(query->jointree->quals, c->baseid);
		explain_line(c, "filter: %s", c->where_sql);
	}
}

/* Each branch of a union is read through a slot of its own table. */
static void
compile_union_inputs(Circuit *c)
{
	ListCell   *lc;

	foreach(lc, c->inputs)
	{
		Relation	in = table_open(lfirst_oid(lc), AccessShareLock);

		c->unions.inputslots = lappend(c->unions.inputslots,
								MakeSingleTupleTableSlot(CreateTupleDescCopyConstr(RelationGetDescr(in)),
														 &TTSOpsMinimalTuple));
		table_close(in, NoLock);
		explain_line(c, "union input: %s", qualified_relname(lfirst_oid(lc)));
	}
}

/*
 * Compile the stored definition of a view into a circuit, in a memory context
 * of its own under parent.
 */
Circuit *
compile_view(Oid viewid, const char *query_sql, MemoryContext parent)
{
	MemoryContext cxt,
				old;
	Circuit    *c;
	Query	   *query;
	ViewPlan   *p;
	Relation	result,
				base;
	int			i;
	int			opline;
	int			probeline = 0;

	cxt = AllocSetContextCreate(parent, "stepping circuit", ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(cxt);

	c = palloc0(sizeof(Circuit));
	c->cxt = cxt;
	c->viewid = viewid;
	c->query_sql = pstrdup(query_sql);
	c->valid = true;

	query = analyze_view_query(query_sql, true);
	validate_view_query(query);
	p = plan_view(query);
	c->kind = p->kind;
	c->global = p->global;
	c->baseid = p->baseid;
	c->nvisible = p->nvisible;
	c->viewname = qualified_relname(viewid);
	c->viewlabel = display_relname(viewid);
	c->basename = qualified_relname(c->baseid);

	result = table_open(viewid, AccessShareLock);
	check_result_shape(query, result);
	c->owner = result->rd_rel->relowner;
	c->resultdesc = CreateTupleDescCopy(RelationGetDescr(result));
	base = table_open(c->baseid, AccessShareLock);

	c->inputs = view_base_tables(query);
	c->join = p->join;
	c->setop = p->setop;
	if (c->join)
		probeline = compile_join_inputs(c, query);
	else
		compile_linear_front(c, query);

	opline = list_length(c->explain);
	if (c->kind == VIEW_BAG)
		compile_bag(c, p, result);
	else
		compile_grouped(c, p, result);

	if (c->join && query_needs_decomposition(query))
		compile_components(c, query);
	else if (c->join)
	{
		ListCell   *lc;

		/* its lines go under the join's */
		foreach(lc, probe_prepare(c))
		{
			c->explain = list_insert_nth(c->explain, probeline++, lfirst(lc));
			opline++;
		}
	}

	/*
	 * A single-table grouped view needs no view-wide lock: concurrent steps
	 * meet on the rows of the groups they touch.  Joins and bags serialize.
	 */
	c->row_locking = (c->kind == VIEW_GROUPED && !c->join && c->grouped.having == NULL);

	c->rowtyplen = palloc(sizeof(int16) * Max(c->nrowcols, 1));
	c->rowtypbyval = palloc(sizeof(bool) * Max(c->nrowcols, 1));
	for (i = 0; i < c->nrowcols; i++)
		get_typlenbyval(c->rowtypes[i], &c->rowtyplen[i], &c->rowtypbyval[i]);

	/* the project step is listed before the stateful operator */
	c->explain = list_insert_nth(c->explain, opline,
								 psprintf("project: %d column%s per row; consolidate: equal rows' weights summed by binary image, zero weights dropped",
										  c->nrowcols, c->nrowcols == 1 ? "" : "s"));
	if (c->setop)
		compile_union_inputs(c);
	explain_line(c, "output: %s (%s)", c->viewname,
				 c->kind == VIEW_BAG ? "deletes, then inserts, through the executor's row routines"
				 : "one lookup and one insert, update or delete per touched group");

	c->econtext = CreateStandaloneExprContext();

	/*
	 * Captured rows are the tuples as stored: a row older than an ADD COLUMN
	 * ... DEFAULT is shorter than the descriptor and reads the added columns
	 * from attmissingval, which only a copy with its constraints keeps (a
	 * plain copy would read NULL).  The same holds for every descriptor a
	 * base table's rows are deformed with (union inputs, probe deltas,
	 * semijoin factors).
	 */
	c->baseslot = MakeSingleTupleTableSlot(CreateTupleDescCopyConstr(RelationGetDescr(base)),
										   &TTSOpsMinimalTuple);
	table_close(base, AccessShareLock);
	table_close(result, AccessShareLock);

	MemoryContextSwitchTo(old);
	return c;
}
