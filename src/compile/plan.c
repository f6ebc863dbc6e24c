/*-------------------------------------------------------------------------
 *
 * plan.c
 *	  Planning a view: one function, plan_view(), decides everything about a
 *	  query (its kind, group keys, aggregates and their state columns, the
 *	  result table's key), and shape_result_table() turns that into the
 *	  result table's columns, so create_view's table and every backend's
 *	  circuit always agree.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/table.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_am.h"
#include "catalog/pg_namespace.h"
#include "commands/defrem.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parsetree.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

#include "stepping.h"
#include "compile/compile.h"

/* ----------------------------------------------------------------
 * Planning: kinds, keys, aggregates
 * ----------------------------------------------------------------
 */

bool
collect_sublinks_walker(Node *node, List **sublinks)
{
	if (node == NULL)
		return false;
	if (IsA(node, SubLink))
	{
		*sublinks = lappend(*sublinks, node);
		return false;
	}
	return expression_tree_walker(node, collect_sublinks_walker, sublinks);
}

static bool
collect_aggrefs_walker(Node *node, List **aggs)
{
	if (node == NULL)
		return false;
	if (IsA(node, Aggref))
	{
		ListCell   *lc;

		foreach(lc, *aggs)
			if (equal(lfirst(lc), node))
				return false;
		*aggs = lappend(*aggs, node);
		return false;
	}
	if (IsA(node, Query))
		return false;			/* a subquery's aggregates are its own */
	return expression_tree_walker(node, collect_aggrefs_walker, aggs);
}

/* Decide how an aggregate is maintained, or refuse it. */
static void
plan_aggregate(Aggref *agg, AggSpec *spec)
{
	char	   *name = get_func_name(agg->aggfnoid);
	Oid			nsp = get_func_namespace(agg->aggfnoid);
	Oid			argtype = InvalidOid;

	memset(spec, 0, sizeof(AggSpec));
	spec->aggfnoid = agg->aggfnoid;
	spec->resulttype = agg->aggtype;
	spec->argcol = -1;
	if (agg->args)
		argtype = exprType((Node *) linitial_node(TargetEntry, agg->args)->expr);
	spec->argtype = argtype;

	/*
	 * Aggregates with an exact incremental form are folded; every other
	 * aggregate (string_agg, bool_and, count(DISTINCT x), FILTER, ORDER BY
	 * inside the call, user-defined ...) is computed by PostgreSQL itself,
	 * over the rows of each touched group.
	 */
	if (nsp != PG_CATALOG_NAMESPACE || list_length(agg->args) > 1 ||
		agg->aggfilter || agg->aggdistinct || agg->aggorder ||
		agg->aggkind != AGGKIND_NORMAL ||
		!(strcmp(name, "min") == 0 || strcmp(name, "max") == 0 ||
		  strcmp(name, "count") == 0 ||
		  ((strcmp(name, "sum") == 0 || strcmp(name, "avg") == 0) &&
		   (argtype == INT2OID || argtype == INT4OID || argtype == INT8OID ||
			argtype == NUMERICOID || argtype == FLOAT4OID || argtype == FLOAT8OID))))
	{
		spec->kind = AGG_GENERIC;
		spec->statetype = agg->aggtype;
		spec->resultcoll = agg->aggcollid;
		spec->aggref = agg;
		spec->display = "aggregate";
		return;
	}

	if (strcmp(name, "min") == 0 || strcmp(name, "max") == 0)
	{
		HeapTuple	tup = SearchSysCache1(AGGFNOID, ObjectIdGetDatum(agg->aggfnoid));

		if (!HeapTupleIsValid(tup))
			elog(ERROR, "cache lookup failed for aggregate %u", agg->aggfnoid);
		spec->sortop = ((Form_pg_aggregate) GETSTRUCT(tup))->aggsortop;
		ReleaseSysCache(tup);
		/* an array or composite type compares only if its parts do */
		if (!OidIsValid(spec->sortop) ||
			!OidIsValid(lookup_type_cache(argtype, TYPECACHE_CMP_PROC)->cmp_proc))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("stepping cannot maintain %s over type %s", name,
							format_type_be(argtype)),
					 errdetail("Type %s has no btree comparison (for a composite or array type: some field or element type has none).",
							   format_type_be(argtype))));
		spec->kind = (name[1] == 'i') ? AGG_MIN : AGG_MAX;
		spec->statetype = agg->aggtype;
		spec->inputcollid = agg->inputcollid;
		spec->resultcoll = agg->aggcollid;
		spec->display = name[1] == 'i' ? "min" : "max";
		return;
	}
	if (strcmp(name, "count") == 0)
	{
		spec->kind = agg->aggstar ? AGG_COUNT_STAR : AGG_COUNT;
		spec->statetype = INT8OID;
		spec->display = agg->aggstar ? "count(*)" : "count";
		return;
	}
	/* what is left is sum or avg over a type the generic test let through */
	Assert(strcmp(name, "sum") == 0 || strcmp(name, "avg") == 0);
	{
		bool		is_sum = (name[0] == 's');

		spec->kind = is_sum ? AGG_SUM : AGG_AVG;
		switch (argtype)
		{
			case INT2OID:
			case INT4OID:
				spec->sumkind = is_sum ? SUM_INT8 : SUM_NUMERIC_FROM_INT;
				break;
			case INT8OID:
				spec->sumkind = SUM_NUMERIC_FROM_INT;
				break;
			case NUMERICOID:
				spec->sumkind = SUM_NUMERIC;
				break;
			case FLOAT4OID:
				spec->sumkind = is_sum ? SUM_FLOAT4 : SUM_FLOAT8;
				break;
			case FLOAT8OID:
				spec->sumkind = SUM_FLOAT8;
				break;
			default:
				/* the generic test above sent every other type away */
				elog(ERROR, "unexpected argument type %u of %s", argtype, name);
		}
		switch (spec->sumkind)
		{
			case SUM_INT8:
				spec->statetype = INT8OID;
				break;
			case SUM_NUMERIC_FROM_INT:
			case SUM_NUMERIC:
				spec->statetype = NUMERICOID;
				break;
			case SUM_FLOAT4:
				spec->statetype = FLOAT4OID;
				break;
			default:
				spec->statetype = FLOAT8OID;
				break;
		}
		spec->display = is_sum ? "sum" : "avg";
	}
}

/*
 * A group or DISTINCT key lives in the result table's unique btree index
 * (default operator class) and is folded in memory by the type's hash and
 * equality.  The operator class alone is not enough: a composite or array
 * type always has one (record_ops, array_ops), but comparing two values
 * fails when a field or element type has no btree comparison (xid, or a
 * composite holding one), and it fails only once two keys meet in the index,
 * i.e. on some later write.  The type cache knows whether the comparison
 * works for every field and element (domains included).
 */
static void
plan_group_key(ViewPlan *p, Query *query, int i, Expr *expr,
			   SortGroupClause *sgc, TargetEntry *tle)
{
	Oid			type = exprType((Node *) expr);
	TypeCacheEntry *tce;
	char	   *name;
	ListCell   *lc;
	int			v = 0;

	Node	   *bare = strip_relabel((Node *) expr);

	if (i >= STEPPING_MAX_GROUP_KEYS)
		stepping_reject_because(psprintf("more than %d GROUP BY or DISTINCT columns",
										 STEPPING_MAX_GROUP_KEYS),
								"A result table's rows are found through a unique index on its group key, and an index holds at most 32 columns.",
								"Group by fewer columns, or by a row of several columns.");

	if (tle && !tle->resjunk && tle->resname)
		name = psprintf("column \"%s\"", tle->resname);
	else if (IsA(bare, Var) && ((Var *) bare)->varlevelsup == 0 &&
			 ((Var *) bare)->varattno > 0)
		name = psprintf("column \"%s\"",
						get_rte_attribute_name(rt_fetch(((Var *) bare)->varno, query->rtable),
											   ((Var *) bare)->varattno));
	else
		name = psprintf("GROUP BY expression %d", i + 1);
	if (!sgc->hashable || !OidIsValid(sgc->eqop))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("stepping cannot group by %s of type %s", name,
						format_type_be(type)),
				 errdetail("Group and DISTINCT keys are folded with the type's hash and equality functions, and type %s has no hashable equality.",
						   format_type_be(type)),
				 errhint("Group by a column or expression of another type, for example a cast to text.")));
	tce = lookup_type_cache(type, TYPECACHE_CMP_PROC);
	if (!OidIsValid(GetDefaultOpClass(type, BTREE_AM_OID)) ||
		!OidIsValid(tce->cmp_proc))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("stepping cannot group by %s of type %s", name,
						format_type_be(type)),
				 errdetail("Group and DISTINCT keys are stored in a unique btree index, and type %s has no btree comparison (for a composite or array type: some field or element type has none).",
						   format_type_be(type)),
				 errhint("Group by a column or expression of another type, for example a cast to text.")));
	p->groupeqops[i] = sgc->eqop;
	p->groupcolls[i] = exprCollation((Node *) expr);
	p->group_vis[i] = -1;
	foreach(lc, p->visible)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		if (equal(tle->expr, expr))
		{
			p->group_vis[i] = v;
			break;
		}
		v++;
	}
}

/*
 * plan_view: everything decided about a view query, the one place that
 * decides it, so that create_view's result table (shape_result_table) and
 * every backend's circuit (compile_view) agree: the kind (bag, grouped,
 * global aggregate), the visible columns, group keys with their equality
 * operators and collations, each aggregate's AggSpec (how it is kept, its
 * state columns), HAVING, and a bag's key columns.
 *
 * query is an analyzed, validated view query; for joins its target list is
 * flattened through join aliases in place.  The ViewPlan and its arrays are
 * palloc'd in the caller's memory context (compile_view's circuit context,
 * or create_view's transaction memory).  Refuses (0A000) aggregates and
 * keys it cannot maintain.
 */
ViewPlan *
plan_view(Query *query)
{
	ViewPlan   *p = palloc0(sizeof(ViewPlan));
	ListCell   *lc;
	Query	   *mapped = view_mapped_query(query);
	ListCell   *lc2;
	List	   *sgcs;
	int			i;

	if (mapped)
		query = mapped;

	p->baseid = linitial_oid(view_base_tables(query));
	p->setop = (query->setOperations != NULL);
	p->join = !p->setop && (count_relations(query) > 1 ||
							has_function_input(query) ||
							query_needs_decomposition(query));
	if (!p->setop && list_length(query->rtable) > count_relations(query))
		query->targetList = (List *) flatten_join_alias_vars(query, (Node *) query->targetList);
	foreach(lc, query->targetList)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		if (!tle->resjunk)
			p->visible = lappend(p->visible, tle);
	}
	p->nvisible = list_length(p->visible);

	if (p->setop)
	{
		SetOperationStmt *top = (SetOperationStmt *) query->setOperations;

		/* UNION ALL is a bag of its branches; UNION, DISTINCT over them */
		if (top->all)
		{
			p->kind = VIEW_BAG;
			return p;
		}
		p->kind = VIEW_GROUPED;
		p->groupeqops = palloc0(sizeof(Oid) * p->nvisible);
		p->groupcolls = palloc0(sizeof(Oid) * p->nvisible);
		p->group_vis = palloc0(sizeof(int) * p->nvisible);
		i = 0;
		forboth(lc, p->visible, lc2, top->groupClauses)
		{
			TargetEntry *tle = lfirst_node(TargetEntry, lc);

			p->groupexprs = lappend(p->groupexprs, tle->expr);
			plan_group_key(p, query, i, tle->expr, lfirst_node(SortGroupClause, lc2), tle);
			i++;
		}
		p->aggs = palloc0(sizeof(AggSpec));
		return p;
	}

	/* ORDER BY ... LIMIT over its internal view (define.c rewrite_topk) */
	if ((query->sortClause && query->limitCount) || query->hasDistinctOn)
	{
		p->kind = VIEW_TOPK;
		return p;
	}

	if (!query->hasAggs && !query->groupClause && !query->distinctClause)
	{
		Relation	rel = table_open(p->baseid, AccessShareLock);
		Oid			pk = RelationGetPrimaryKeyIndex(rel);

		p->kind = VIEW_BAG;
		if (p->join)
			p->bagkey = join_row_key(query, p->visible);
		else if (OidIsValid(pk))
		{
			Relation	idx = index_open(pk, AccessShareLock);
			int			k;

			for (k = 0; k < idx->rd_index->indnkeyatts; k++)
			{
				AttrNumber	att = idx->rd_index->indkey.values[k];
				int			v = 0,
							found = -1;

				foreach(lc, p->visible)
				{
					TargetEntry *tle = lfirst_node(TargetEntry, lc);

					if (IsA(tle->expr, Var) &&
						((Var *) tle->expr)->varattno == att)
					{
						found = v;
						break;
					}
					v++;
				}
				if (found < 0)
				{
					list_free(p->bagkey);
					p->bagkey = NIL;
					break;
				}
				p->bagkey = lappend_int(p->bagkey, found);
			}
			index_close(idx, AccessShareLock);
		}
		table_close(rel, AccessShareLock);
		return p;
	}

	p->kind = VIEW_GROUPED;
	sgcs = query->distinctClause ? query->distinctClause : query->groupClause;
	p->global = (sgcs == NIL);
	p->groupeqops = palloc0(sizeof(Oid) * Max(list_length(sgcs), 1));
	p->groupcolls = palloc0(sizeof(Oid) * Max(list_length(sgcs), 1));
	p->group_vis = palloc0(sizeof(int) * Max(list_length(sgcs), 1));
	i = 0;
	foreach(lc, sgcs)
	{
		SortGroupClause *sgc = lfirst_node(SortGroupClause, lc);
		TargetEntry *tle = get_sortgroupclause_tle(sgc, query->targetList);

		p->groupexprs = lappend(p->groupexprs, tle->expr);
		plan_group_key(p, query, i, tle->expr, sgc, tle);
		i++;
	}

	foreach(lc, p->visible)
		(void) collect_aggrefs_walker((Node *) lfirst_node(TargetEntry, lc)->expr,
									  &p->aggrefs);
	(void) collect_aggrefs_walker(query->havingQual, &p->aggrefs);
	p->having = query->havingQual;
	p->aggs = palloc0(sizeof(AggSpec) * Max(list_length(p->aggrefs), 1));
	i = 0;
	foreach(lc, p->aggrefs)
	{
		plan_aggregate(lfirst_node(Aggref, lc), &p->aggs[i]);
		i++;
	}
	return p;
}

/* ----------------------------------------------------------------
 * The result table's shape
 * ----------------------------------------------------------------
 */

char *
column_type_sql(Oid type, int32 typmod, Oid collation)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoString(&buf, format_type_with_typemod(type, typmod));
	if (OidIsValid(collation) && collation != get_typcollation(type))
		appendStringInfo(&buf, " COLLATE %s", generate_collation_name(collation));
	return buf.data;
}

char *
hidden_column(HiddenColumn kind, int n)
{
	static const char *const prefixes[] = {
		[HIDDEN_KEY] = "__stepping_key_",
		[HIDDEN_AGG] = "__stepping_agg_",
		[HIDDEN_NN] = "__stepping_nn_",
		[HIDDEN_MSC] = "__stepping_msc_",
	};

	return psprintf("%s%d", prefixes[kind], n + 1);
}

static void
add_column(ResultShape *s, const char *name, const char *type)
{
	s->colnames = lappend(s->colnames, pstrdup(name));
	s->coltypes = lappend(s->coltypes, pstrdup(type));
}

/* Names of a grouped view's hidden columns, in the order they are added. */
static void
hidden_grouped_columns(ViewPlan *p, ResultShape *s, bool keys_too)
{
	int			i;
	ListCell   *lc;

	add_column(s, HIDDEN_COUNT_COLUMN, "bigint");
	i = 0;
	foreach(lc, p->groupexprs)
	{
		Node	   *expr = (Node *) lfirst(lc);

		if (p->group_vis[i] < 0)
			add_column(s, hidden_column(HIDDEN_KEY, i),
					   column_type_sql(exprType(expr), exprTypmod(expr),
									   exprCollation(expr)));
		i++;
	}
	for (i = 0; i < list_length(p->aggrefs); i++)
	{
		AggSpec    *a = &p->aggs[i];

		add_column(s, hidden_column(HIDDEN_AGG, i),
				   column_type_sql(a->statetype, -1, a->resultcoll));
		if (agg_keeps_nn(a))
			add_column(s, hidden_column(HIDDEN_NN, i), "bigint");
		if (agg_keeps_msc(a))
			add_column(s, hidden_column(HIDDEN_MSC, i), "bigint");
	}
}

ResultShape *
shape_result_table(Query *query)
{
	ViewPlan   *p;
	Query	   *mapped = view_mapped_query(query);
	ResultShape *s = palloc0(sizeof(ResultShape));
	ListCell   *lc;
	int			i;

	if (mapped)
		query = mapped;
	p = plan_view(query);

	s->kind = p->kind;
	s->global = p->global;
	s->nvisible = p->nvisible;
	foreach(lc, p->visible)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		add_column(s, tle->resname,
				   column_type_sql(exprType((Node *) tle->expr),
								   exprTypmod((Node *) tle->expr),
								   exprCollation((Node *) tle->expr)));
	}

	/*
	 * The window's rows: at most LIMIT of them, found by a scan; per
	 * DISTINCT ON group, found through an index on the group's columns.
	 */
	if (p->kind == VIEW_TOPK)
	{
		foreach(lc, query->hasDistinctOn ? query->distinctClause : NIL)
			s->keycolnames = lappend(s->keycolnames,
									 get_sortgroupclause_tle(lfirst_node(SortGroupClause, lc),
															 query->targetList)->resname);
		s->key_unique = false;
		return s;
	}

	if (p->kind == VIEW_BAG)
	{
		if (p->bagkey)
		{
			foreach(lc, p->bagkey)
				s->keycolnames = lappend(s->keycolnames,
										 list_nth_node(TargetEntry, p->visible, lfirst_int(lc))->resname);
			/*
			 * An access path only: rows are matched whole, so the view stays
			 * exact if the base table's key is dropped later (bagkey.c).
			 */
			s->key_unique = false;
		}
		else
		{
			add_column(s, HIDDEN_HASH_COLUMN, "integer");
			s->keycolnames = list_make1(HIDDEN_HASH_COLUMN);
			s->hashed = true;
		}
		return s;
	}

	hidden_grouped_columns(p, s, true);
	for (i = 0; i < list_length(p->groupexprs); i++)
	{
		if (p->group_vis[i] >= 0)
			s->keycolnames = lappend(s->keycolnames,
									 list_nth_node(TargetEntry, p->visible, p->group_vis[i])->resname);
		else
			s->keycolnames = lappend(s->keycolnames, hidden_column(HIDDEN_KEY, i));
	}
	s->key_unique = (s->keycolnames != NIL);
	return s;
}
