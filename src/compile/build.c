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
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"

#include "stepping.h"
#include "compile/compile.h"

/* ----------------------------------------------------------------
 * Compiling a circuit
 * ----------------------------------------------------------------
 */


char *
build_deparse_over_base(Node *expr, Oid baseid)
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

AttrNumber
build_result_attnum(TupleDesc desc, const char *name)
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
Oid
build_find_key_index(Relation rel, int nkeycols, AttrNumber *keycols)
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

ExprState *
build_init_expr(Expr *expr)
{
	return ExecInitExpr(expression_planner(expr), NULL);
}

void
build_explain_line(Circuit *c, const char *fmt,...) pg_attribute_printf(2, 3);

/* One line of explain_view's output. */
void
build_explain_line(Circuit *c, const char *fmt,...)
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


/* SQL text on one line, for explain_view (runs of white space made one) */
static char *
collapse_spaces(const char *sql)
{
	StringInfoData buf;
	const char *p;

	initStringInfo(&buf);
	for (p = sql; *p; p++)
	{
		if (isspace((unsigned char) *p))
		{
			while (isspace((unsigned char) p[1]))
				p++;
			if (!(buf.len > 0 && buf.data[buf.len - 1] == '(') && p[1] != ')')
				appendStringInfoChar(&buf, ' ');
			continue;
		}
		appendStringInfoChar(&buf, *p);
	}
	return buf.data;
}

/*
 * A top-k view over a base table recomputes its window through an index
 * whose first column is the first ORDER BY key, when there is one: without
 * it each recompute sorts the table.  The CREATE INDEX to add, or NULL.
 */
static char *
topk_index_advice(Circuit *c, Query *query)
{
	List	   *keys = topk_window_keys(query);
	Relation	rel;
	ListCell   *lc;
	bool		found = false;
	int			nwant;
	int			k;
	AttrNumber	want[INDEX_MAX_KEYS];
	StringInfoData buf;

	if (keys == NIL || catalog_is_result_table(c->baseid))
		return NULL;			/* (an internal view is indexed by create_view) */

	/*
	 * The window reads one group (DISTINCT ON, row_number()) or the whole
	 * input: an index should lead with the group columns and then the
	 * first ORDER BY key, or with the first ORDER BY key.
	 */
	nwant = Min(list_length(keys), c->topk.nparts + 1);
	for (k = 0; k < nwant; k++)
	{
		TargetEntry *tle = get_sortgroupclause_tle(list_nth_node(SortGroupClause, keys, k),
												   query->targetList);
		Node	   *key = (Node *) tle->expr;

		while (IsA(key, RelabelType))
			key = (Node *) ((RelabelType *) key)->arg;
		if (!IsA(key, Var))
			return NULL;		/* expressions: no advice */
		want[k] = ((Var *) key)->varattno;
	}
	rel = table_open(c->baseid, AccessShareLock);
	foreach(lc, RelationGetIndexList(rel))
	{
		Relation	idx = index_open(lfirst_oid(lc), AccessShareLock);

		if (idx->rd_rel->relam == BTREE_AM_OID && idx->rd_index->indnkeyatts >= nwant &&
			idx->rd_indpred == NIL && idx->rd_index->indisvalid)
		{
			found = true;
			for (k = 0; k < nwant && found; k++)
				found = (idx->rd_index->indkey.values[k] == want[k]);
		}
		index_close(idx, AccessShareLock);
		if (found)
			break;
	}
	table_close(rel, AccessShareLock);
	if (found)
		return NULL;
	initStringInfo(&buf);
	appendStringInfo(&buf, "CREATE INDEX ON %s (", c->basename);
	foreach(lc, keys)
	{
		SortGroupClause *sgc = lfirst_node(SortGroupClause, lc);
		TargetEntry *tle = get_sortgroupclause_tle(sgc, query->targetList);
		Node	   *key = (Node *) tle->expr;

		while (IsA(key, RelabelType))
			key = (Node *) ((RelabelType *) key)->arg;
		if (!IsA(key, Var))
			break;
		appendStringInfo(&buf, "%s%s", foreach_current_index(lc) ? ", " : "",
						 quote_identifier(get_attname(c->baseid, ((Var *) key)->varattno, false)));
		topk_append_direction(&buf, sgc->sortop, sgc->nulls_first, exprType(key));
	}
	appendStringInfoString(&buf, ");");
	return buf.data;
}

/*
 * ORDER BY ... LIMIT: the circuit row is the result row (output columns,
 * then hidden sort keys); the operator keeps the window (operators/topk.c).
 */
static void
compile_topk(Circuit *c, ViewPlan *p, Query *query, Query *windowed,
			 RowNumberSpec *rns, Query *window_stored)
{
	ListCell   *lc;
	int			i = 0;
	StringInfoData keys;

	c->nrowcols = p->nvisible;
	c->rowexprs = palloc0(sizeof(ExprState *) * c->nrowcols);
	c->rowtypes = palloc0(sizeof(Oid) * c->nrowcols);
	foreach(lc, p->visible)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		c->rowexprs[i] = build_init_expr(tle->expr);
		c->rowtypes[i] = exprType((Node *) tle->expr);
		i++;
	}
	topk_compile(c, query, p->visible);
	if (windowed)
		topk_set_row_number(c, windowed, query, rns);
	if (window_stored)
	{
		topk_set_window(c, window_stored);
		build_explain_line(c, "window functions, per partition of %s: a step recomputes the partitions its rows belong to (the stored query with the partition's equality in its WHERE) and writes only the rows that changed",
						   IsA(get_sortgroupclause_tle(linitial_node(SortGroupClause, query->distinctClause),
														query->targetList)->expr, Const) ? "the whole view (no PARTITION BY shared by every window)"
						   : "the PARTITION BY every window shares");
		build_explain_line(c, "  query: %s", collapse_spaces(c->topk.window_sql));
		if (c->topk.append)
			build_explain_line(c, "  append path: every window looks back only; a row after its partition's last one (or that row deleted) is computed from the last row, found through the index %s, without recomputing the partition",
							   window_append_index_sql(c) + strlen("CREATE INDEX "));
		c->topk.index_advice = topk_index_advice(c, query);
		if (c->topk.index_advice)
			build_explain_line(c, "  no index leads with the partition keys: each recompute scans the table (%s)",
							   c->topk.index_advice);
		build_explain_line(c, "  steps serialize on the view lock");
		return;
	}
	initStringInfo(&keys);
	foreach(lc, topk_window_keys(query))
	{
		SortGroupClause *sgc = lfirst_node(SortGroupClause, lc);
		TargetEntry *tle = get_sortgroupclause_tle(sgc, query->targetList);

		appendStringInfo(&keys, "%s%s", foreach_current_index(lc) ? ", " : "",
						 quote_identifier(tle->resname));
		topk_append_direction(&keys, sgc->sortop, sgc->nulls_first,
							  exprType((Node *) tle->expr));
	}
	if (c->topk.with_ties)
		appendStringInfoString(&keys, c->topk.offset > 0
							   ? ", with every row tied with the last (the first rows skipped in the order of every column's text after the keys)"
							   : ", with every row tied with the last");
	else if (!topk_order_is_total(query))
		appendStringInfoString(&keys, keys.len ? ", then by every column's text (ties)"
							   : "every column's text");
	if (windowed)
		build_explain_line(c, "top-k per group (row_number()): rows " INT64_FORMAT " to " INT64_FORMAT " of each group in the order %s, numbered; a step reads and recomputes only the groups its rows belong to, and writes nothing for a row after its group's last stored one",
						   c->topk.offset + 1, c->topk.offset + c->topk.limit, keys.data);
	else if (c->topk.nparts > 0)
		build_explain_line(c, "top-k per group (DISTINCT ON): the first row of each group in the order %s; a step reads and recomputes only the groups its rows belong to, and writes nothing for a row after its group's stored one",
						   keys.data);
	else if (c->topk.offset > 0)
		build_explain_line(c, "top-k: rows " INT64_FORMAT " to " INT64_FORMAT " of the input ordered by %s; a change after the last stored row writes nothing, any other recomputes the window",
						   c->topk.offset + 1, c->topk.offset + c->topk.limit, keys.data);
	else
		build_explain_line(c, "top-k: the first " INT64_FORMAT " rows of the input ordered by %s; a change after the last stored row writes nothing, any other recomputes the window",
						   c->topk.limit, keys.data);
	build_explain_line(c, "  window: %s", collapse_spaces(c->topk.window_sql));
	c->topk.index_advice = topk_index_advice(c, query);
	if (c->topk.index_advice)
		build_explain_line(c, "  no index leads with the window's keys: each recompute sorts the table or its group (%s)",
						   c->topk.index_advice);
	build_explain_line(c, "  steps serialize on the view lock");
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

		c->rowexprs[i] = c->join ? NULL : build_init_expr(tle->expr);
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
			build_explain_line(c, "bag: rows kept with duplicates; found through index %s on visible columns (the key it was made for no longer holds), then compared whole",
						 get_rel_name(c->keyindex));
		}
		else if (p->join)
			build_explain_line(c, "bag: rows kept with duplicates; found through index %s on columns that identify a joined row, then compared whole",
						 get_rel_name(c->keyindex));
		else
			build_explain_line(c, "bag: rows kept with duplicates; found through index %s (the base table's primary key), then compared whole",
						 get_rel_name(c->keyindex));
	}
	else
	{
		c->bag.col_hash = build_result_attnum(RelationGetDescr(result), HIDDEN_HASH_COLUMN);
		c->nkeycols = 1;
		c->keycols = palloc(sizeof(AttrNumber));
		c->keycols[0] = c->bag.col_hash;
		c->keyindex = build_find_key_index(result, 1, c->keycols);
		build_explain_line(c, "bag: rows kept with duplicates; deletes find rows through the row hash index %s, then compare whole rows",
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
			build_explain_line(c, "input %d: %s (a scalar subquery's lookup: a row or NULL)",
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
		build_explain_line(c, "semijoin factor %d: distinct keys of %s%s%s (delta: keys that appeared or disappeared, one bounded probe per touched key)",
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
		build_explain_line(c, "%s", buf.data);
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
			build_explain_line(c, "input %d: %s (delta from statement triggers: old rows -1, new rows +1)",
						 i + 1, qualified_relname(rte->relid));
		}
		else if (rte->rtekind == RTE_FUNCTION)
			build_explain_line(c, "input %d: an immutable set-returning function (no delta of its own)",
						 i + 1);
		i++;
	}
	build_explain_line(c, "join: per step, one PostgreSQL plan per set of changed inputs; changed inputs read the step's delta (weights multiply), the others read their tables through their indexes");
	probeline = list_length(c->explain);
	c->joins.index_advice = join_index_advice(c);
	foreach(lc, c->joins.index_advice)
		build_explain_line(c, "  missing index, each change to the other side scans this table: %s",
					 (char *) lfirst(lc));
	return probeline;
}

/* The linear front of a single-table view: its WHERE, compiled. */
static void
compile_linear_front(Circuit *c, Query *query)
{
	build_explain_line(c, "input: %s (delta from statement triggers: old rows -1, new rows +1)", c->basename);
	if (query->jointree->quals)
	{
		c->where = ExecInitQual(make_ands_implicit((Expr *) expression_planner((Expr *) query->jointree->quals)), NULL);
		c->where_sql = build_deparse_over_base(query->jointree->quals, c->baseid);
		build_explain_line(c, "filter: %s", c->where_sql);
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
		build_explain_line(c, "union input: %s", qualified_relname(lfirst_oid(lc)));
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
	RowNumberSpec rns;
	Query	   *mapped;
	Query	   *rnquery;
	Query	   *windowed;
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
	/* row_number() <= k per group: the query without the window */
	rnquery = query;
	mapped = row_number_mapped(query, &rns);
	windowed = mapped ? NULL : window_mapped(query);
	if (mapped)
		query = mapped;
	else if (windowed)
		query = windowed;
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
	else if (c->kind == VIEW_TOPK)
	{
		compile_topk(c, p, query, mapped ? rnquery : NULL, &rns,
					 windowed ? rnquery : NULL);
	}
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
	 * Concurrent steps meet on the result rows they touch, and join views'
	 * steps on their inputs' locks (locks.c).  With HAVING, a group hidden
	 * by it has no row to meet on: such views serialize on the view lock.
	 */
	c->row_locking = !(c->kind == VIEW_GROUPED && c->grouped.having != NULL) &&
		c->kind != VIEW_TOPK;
	/* per-group top-k and window views: steps meet on their groups' locks */
	c->part_locking = c->kind == VIEW_TOPK && c->topk.nparts > 0;
	if (c->join)
		locks_prepare(c);

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
	build_explain_line(c, "output: %s (%s)", c->viewname,
				 c->kind == VIEW_BAG ? "deletes, then inserts, through the executor's row routines"
				 : c->kind == VIEW_TOPK && c->topk.window_query ? "a recomputed partition's rows that changed deleted, their new values inserted"
				 : c->kind == VIEW_TOPK ? "the rows that left the window deleted, the rows that entered it inserted"
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
