/*-------------------------------------------------------------------------
 *
 * topk.c
 *	  The output of ORDER BY ... LIMIT n [OFFSET m]: the rows at positions
 *	  m+1 .. m+n of one input in the window order.
 *
 *	  create_view splits such a query (compile/define.c): the query without
 *	  ORDER BY / LIMIT / OFFSET becomes an internal view (any shape stepping
 *	  maintains: joins, GROUP BY, DISTINCT, set operations), its ORDER BY
 *	  expressions that are not output columns become columns of it, and the
 *	  view itself selects from that input.  Its result table holds the
 *	  window's rows, output columns then the hidden copies of those extra
 *	  sort columns (__stepping_sort_N).
 *
 *	  The window order is the ORDER BY keys, with their operators, NULLS
 *	  placement and collations, then every column's text COLLATE "C": rows
 *	  tied on the keys are chosen by their text, so which of them the view
 *	  holds is determined by the rows alone (PostgreSQL's LIMIT may return
 *	  any of them).  When the keys include every column of a unique index
 *	  of NOT NULL columns of the table (ORDER BY score DESC, id), no rows
 *	  tie and the text is left out.  check_view compares against the same
 *	  order.
 *
 *	  Algorithm, per step (the input's Z-set):
 *	  - the stored window is read (at most n rows);
 *	  - when it is full, a change whose keys sort strictly after its last
 *	    row cannot enter it nor move it: nothing is written.  A change at
 *	    or before that row (an insert that enters or pushes, a delete of a
 *	    window row or of a row before an OFFSET window), or any change while
 *	    the window is not full, recomputes the window with one query,
 *	    SELECT ... FROM input ORDER BY <window order> LIMIT n OFFSET m,
 *	    through an index on the input's sort columns (create_view makes
 *	    one); the stored rows are then matched with the new ones by binary
 *	    image and only the difference is deleted and inserted.
 *
 *	  Invariant: the result table holds exactly the window of the input as
 *	  of the step's snapshot.  Concurrency: the decision reads the whole
 *	  window and a change outside it writes nothing, so writers of the
 *	  view serialize on the view lock (as HAVING views do): under READ
 *	  COMMITTED each step reads the input and the window after the previous
 *	  writer committed; under REPEATABLE READ and SERIALIZABLE a writer
 *	  whose snapshot misses another's step gets 40001.
 *
 *	  Per-group forms (DISTINCT ON, row_number() per group, windows) lock
 *	  only their groups instead (locks.c locks_acquire_partitions): writers
 *	  of different groups do not wait for each other; under REPEATABLE
 *	  READ and SERIALIZABLE a group whose stored rows differ between the
 *	  transaction's snapshot and a current one fails the step with 40001
 *	  (group_moved_on).
 *
 *	  Window functions (compile/window.c) use the per-group form with every
 *	  row of a group kept: a group is a partition, recomputed by the stored
 *	  query with the partition's equality below the windows.
 *
 *	  Memory: the stored window and the recomputed one live in the step's
 *	  context (CurrentMemoryContext of the caller, deleted after the step);
 *	  the kept plan lives in SPI's kept-plan context until the circuit is
 *	  freed (topk_free_plan).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_index.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parsetree.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/snapmgr.h"
#include "utils/sortsupport.h"
#include "utils/typcache.h"

#include "stepping.h"

static RowHash *fresh_rows(Circuit *c);

/* One row of the stored window, and where it is. */
typedef struct WindowRow
{
	Datum	   *values;
	bool	   *isnull;
	ItemPointerData tid;
} WindowRow;

/*
 * The ORDER BY direction of a sort clause as SQL, as ruleutils prints it:
 * nothing or DESC for the type's default btree operators, USING otherwise;
 * NULLS only where it is not the default.
 */
void
topk_append_direction(StringInfo buf, Oid sortop, bool nulls_first, Oid type)
{
	TypeCacheEntry *t = lookup_type_cache(type, TYPECACHE_LT_OPR | TYPECACHE_GT_OPR);

	if (sortop == t->lt_opr)
	{
		if (nulls_first)
			appendStringInfoString(buf, " NULLS FIRST");
	}
	else if (sortop == t->gt_opr)
	{
		appendStringInfoString(buf, " DESC");
		if (!nulls_first)
			appendStringInfoString(buf, " NULLS LAST");
	}
	else
	{
		char	   *name = get_opname(sortop);

		appendStringInfo(buf, " USING OPERATOR(%s.%s) NULLS %s",
						 quote_identifier(get_namespace_name(get_func_namespace(get_opcode(sortop)))),
						 name, nulls_first ? "FIRST" : "LAST");
	}
}

static int64
limit_value(Node *node, int64 missing)
{
	if (node == NULL)
		return missing;
	/* LIMIT 5 is the int4 literal cast to bigint */
	node = eval_const_expressions(NULL, node);
	if (!IsA(node, Const))
		elog(ERROR, "stepping: a top-k view's LIMIT and OFFSET are constants");
	if (((Const *) node)->constisnull)
		return missing;
	return DatumGetInt64(((Const *) node)->constvalue);
}

int64
topk_limit(Query *query)
{
	return limit_value(query->limitCount, -1);
}

int64
topk_offset(Query *query)
{
	return limit_value(query->limitOffset, 0);
}

/*
 * Whether the ORDER BY keys alone order the rows totally: over one base
 * table, they include every column of a unique index whose columns are NOT
 * NULL (a primary key, say), so no two rows tie and the text of the
 * columns need not break ties.
 */
bool
topk_order_is_total(Query *query)
{
	RangeTblEntry *rte = linitial_node(RangeTblEntry, query->rtable);
	Relation	rel;
	ListCell   *lc;
	bool		total = false;

	if (list_length(query->rtable) != 1 || rte->rtekind != RTE_RELATION)
		return false;
	rel = table_open(rte->relid, AccessShareLock);
	foreach(lc, RelationGetIndexList(rel))
	{
		Relation	idx = index_open(lfirst_oid(lc), AccessShareLock);
		Form_pg_index ind = idx->rd_index;
		int			k;
		bool		covered = ind->indisunique && ind->indimmediate &&
			ind->indisvalid && idx->rd_indpred == NIL;

		for (k = 0; covered && k < ind->indnkeyatts; k++)
		{
			AttrNumber	att = ind->indkey.values[k];
			ListCell   *ls;
			bool		keyed = false;

			if (att <= 0 || !TupleDescAttr(RelationGetDescr(rel), att - 1)->attnotnull)
			{
				covered = false;
				break;
			}
			foreach(ls, query->sortClause)
			{
				TargetEntry *tle = get_sortgroupclause_tle(lfirst_node(SortGroupClause, ls),
														   query->targetList);
				Var		   *var = (Var *) tle->expr;

				if (IsA(var, Var) && var->varno == 1 && var->varattno == att)
					keyed = true;
			}
			covered = keyed;
		}
		index_close(idx, AccessShareLock);
		if (covered)
		{
			total = true;
			break;
		}
	}
	table_close(rel, AccessShareLock);
	return total;
}

/* The keys of the window order: ORDER BY, else the DISTINCT ON list. */
List *
topk_window_keys(Query *query)
{
	return query->sortClause ? query->sortClause
		: query->hasDistinctOn ? query->distinctClause : NIL;
}

/*
 * The pieces of the window query: the query without its ORDER BY, LIMIT and
 * DISTINCT ON (deparsed), and the ORDER BY list over its output columns
 * (every window key is one), ties included.
 */
/* Remove a query's window clauses, in place: ORDER BY, LIMIT, DISTINCT ON. */
void
topk_strip_window(Query *query)
{
	query->sortClause = NIL;
	query->limitCount = NULL;
	query->limitOffset = NULL;
	query->limitOption = LIMIT_OPTION_DEFAULT;
	if (query->hasDistinctOn)
	{
		query->distinctClause = NIL;
		query->hasDistinctOn = false;
	}
}

static char *
inner_sql(Query *query)
{
	Query	   *inner = copyObject(query);

	topk_strip_window(inner);
	return deparse_view_query(inner);
}

/*
 * The window order over the query's output columns as s.<name>: the ORDER
 * BY (DISTINCT ON) keys, then, with tiebreak, every column's text.
 */
static char *
order_sql_keys(Query *query, bool tiebreak)
{
	StringInfoData buf;
	ListCell   *lc;
	int			n = 0;

	initStringInfo(&buf);
	foreach(lc, topk_window_keys(query))
	{
		SortGroupClause *sgc = lfirst_node(SortGroupClause, lc);
		TargetEntry *tle = get_sortgroupclause_tle(sgc, query->targetList);

		if (tle->resjunk)
			elog(ERROR, "stepping: a top-k view's sort key is not one of its columns");
		appendStringInfo(&buf, "%ss.%s", n++ ? ", " : "", quote_identifier(tle->resname));
		topk_append_direction(&buf, sgc->sortop, sgc->nulls_first,
							  exprType((Node *) tle->expr));
	}
	/* ties: by every column's text, bytewise (none when a key is unique) */
	foreach(lc, !tiebreak || topk_order_is_total(query) ? NIL : query->targetList)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		if (tle->resjunk)
			continue;
		appendStringInfo(&buf, "%s(s.%s)::pg_catalog.text COLLATE \"C\"", n++ ? ", " : "",
						 quote_identifier(tle->resname));
	}
	return buf.data;
}

static char *
order_sql(Query *query)
{
	return order_sql_keys(query, true);
}

/* The result columns as s.<name> (visible_only: without hidden ones). */
static char *
select_sql(Query *query, bool visible_only)
{
	StringInfoData buf;
	ListCell   *lc;
	int			n = 0;

	initStringInfo(&buf);
	foreach(lc, query->targetList)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		if (tle->resjunk)
			continue;
		if (visible_only && strncmp(tle->resname, STEPPING_HIDDEN_PREFIX,
									strlen(STEPPING_HIDDEN_PREFIX)) == 0)
			continue;
		appendStringInfo(&buf, "%ss.%s", n++ ? ", " : "", quote_identifier(tle->resname));
	}
	return buf.data;
}

/*
 * SELECT the top-k query's result columns (visible_only: without the
 * hidden sort columns) in the window order, LIMIT/OFFSET (DISTINCT ON: the
 * first row of each group): the query without them as a subquery, ordered
 * by its own output columns, then by each column's text.
 */
char *
topk_window_sql(Query *query, bool visible_only)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "SELECT ");
	if (query->hasDistinctOn)
	{
		appendStringInfoString(&buf, "DISTINCT ON (");
		foreach(lc, query->distinctClause)
			appendStringInfo(&buf, "%ss.%s", foreach_current_index(lc) ? ", " : "",
							 quote_identifier(get_sortgroupclause_tle(lfirst_node(SortGroupClause, lc),
																	  query->targetList)->resname));
		appendStringInfoString(&buf, ") ");
	}
	if (query->limitOption == LIMIT_OPTION_WITH_TIES)
	{
		/*
		 * WITH TIES: the rows that fewer than m+n rows sort strictly before
		 * (the index stops after the last row tied with row m+n), less the
		 * first m of them in the full window order.  Without OFFSET the
		 * result is the same whatever the order among ties, so PostgreSQL's
		 * own answer; with one, rows tied across the offset are skipped in
		 * the full order (the text of their columns), as LIMIT does.
		 */
		char	   *first = psprintf("SELECT * FROM (%s) s ORDER BY %s FETCH FIRST " INT64_FORMAT " ROWS WITH TIES",
									 inner_sql(query), order_sql_keys(query, false),
									 topk_offset(query) + topk_limit(query));

		if (topk_offset(query) == 0)
			appendStringInfo(&buf, "%s FROM (%s) s", select_sql(query, visible_only), first);
		else
			appendStringInfo(&buf, "%s FROM (SELECT s.*, row_number() OVER (ORDER BY %s) AS __stepping_rn FROM (%s) s) s WHERE s.__stepping_rn > " INT64_FORMAT,
							 select_sql(query, visible_only), order_sql(query), first,
							 topk_offset(query));
		return buf.data;
	}
	appendStringInfo(&buf, "%s FROM (%s) s ORDER BY %s", select_sql(query, visible_only),
					 inner_sql(query), order_sql(query));
	if (topk_limit(query) >= 0)
		appendStringInfo(&buf, " LIMIT " INT64_FORMAT, topk_limit(query));
	if (topk_offset(query) > 0)
		appendStringInfo(&buf, " OFFSET " INT64_FORMAT, topk_offset(query));
	return buf.data;
}

/*
 * Compile the top-k operator of a view: its window, the keys' comparators
 * (for the test of a change against the window's last row), the SQL that
 * recomputes the window.  In the circuit's memory.
 */
void
topk_compile(Circuit *c, Query *query, List *visible)
{
	TopkOpState *t = &c->topk;
	ListCell   *lc;
	int			i = 0;

	t->limit = topk_limit(query);
	t->offset = topk_offset(query);
	t->with_ties = query->limitOption == LIMIT_OPTION_WITH_TIES;
	t->nkeys = list_length(topk_window_keys(query));
	t->keycol = palloc(sizeof(int) * Max(t->nkeys, 1));
	t->ssup = palloc0(sizeof(SortSupportData) * Max(t->nkeys, 1));
	foreach(lc, topk_window_keys(query))
	{
		SortGroupClause *sgc = lfirst_node(SortGroupClause, lc);
		TargetEntry *tle = get_sortgroupclause_tle(sgc, query->targetList);
		SortSupport ssup = &t->ssup[i];
		int			pos = -1;
		ListCell   *lv;

		foreach(lv, visible)
			if (lfirst(lv) == (void *) tle)
				pos = foreach_current_index(lv);

		if (pos < 0)
			elog(ERROR, "stepping: a top-k view's sort key is not one of its columns");
		t->keycol[i] = pos;
		ssup->ssup_cxt = CurrentMemoryContext;
		ssup->ssup_collation = exprCollation((Node *) tle->expr);
		ssup->ssup_nulls_first = sgc->nulls_first;
		ssup->abbreviate = false;
		PrepareSortSupportFromOrderingOp(sgc->sortop, ssup);
		i++;
	}
	t->window_sql = topk_window_sql(query, false);
	t->check_sql = topk_window_sql(query, true);
	t->plan = NULL;

	/* DISTINCT ON: a window of one row per group */
	t->nparts = query->hasDistinctOn ? list_length(query->distinctClause) : 0;
	if (t->nparts == 0)
		return;
	if (t->nparts > 8)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("stepping cannot maintain DISTINCT ON with more than 8 expressions")));
	t->limit = 1;
	t->partcol = palloc(sizeof(int) * t->nparts);
	t->parttypes = palloc(sizeof(Oid) * t->nparts);
	t->parteqops = palloc(sizeof(Oid) * t->nparts);
	t->partcolls = palloc(sizeof(Oid) * t->nparts);
	t->partwhere = NIL;
	i = 0;
	foreach(lc, query->distinctClause)
	{
		SortGroupClause *sgc = lfirst_node(SortGroupClause, lc);
		TargetEntry *tle = get_sortgroupclause_tle(sgc, query->targetList);
		ListCell   *lv;

		if (!sgc->hashable)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("stepping cannot maintain DISTINCT ON over type %s",
							format_type_be(exprType((Node *) tle->expr))),
					 errdetail("Its groups are told apart by hashing, and the type has no hash function.")));
		t->partcol[i] = -1;
		foreach(lv, visible)
			if (lfirst(lv) == (void *) tle)
				t->partcol[i] = foreach_current_index(lv);
		if (t->partcol[i] < 0)
			elog(ERROR, "stepping: a DISTINCT ON expression is not one of the view's columns");
		t->parttypes[i] = exprType((Node *) tle->expr);
		t->parteqops[i] = sgc->eqop;
		t->partcolls[i] = exprCollation((Node *) tle->expr);
		t->partwhere = lappend(t->partwhere,
							   psprintf("%s OPERATOR(%s.%s) ", quote_identifier(tle->resname),
										quote_identifier(get_namespace_name(get_func_namespace(get_opcode(sgc->eqop)))),
										get_opname(sgc->eqop)));
		i++;
	}
	/* the SQL text is no format: it may hold a % of its own */
	t->part_sql = psprintf("SELECT %s FROM (%s) s WHERE ",
						   select_sql(query, false), inner_sql(query));
	t->part_tail = psprintf(" ORDER BY %s LIMIT 1", order_sql(query));
	t->stored_sql = psprintf("SELECT s.ctid, %s FROM ONLY %s s WHERE ",
							 select_sql(query, false), c->viewname);
	t->part_plans = palloc0(sizeof(void *) * (1 << t->nparts));
	t->stored_plans = palloc0(sizeof(void *) * (1 << t->nparts));
	t->input_plans = palloc0(sizeof(void *) * (1 << t->nparts));
}

/*
 * row_number() <= k per group (compile/row_number.c): compiled from the
 * mapped query, a DISTINCT ON with rn a NULL column; now the window holds
 * rows first .. last of each group and rn is filled in by the window
 * queries: row_number() over the group's window order.
 */
void
topk_set_row_number(Circuit *c, Query *windowed, Query *mapped, RowNumberSpec *spec)
{
	TopkOpState *t = &c->topk;
	StringInfoData all,
				vis,
				grp;
	ListCell   *lc;
	int			n = 0,
				nv = 0;
	char	   *order = order_sql(mapped);
	char	   *inner = inner_sql(mapped);
	char	   *rnname = NULL;

	t->limit = spec->last - spec->first + 1;
	t->offset = spec->first - 1;
	/* the result column that holds rn, if the query outputs it */
	foreach(lc, windowed->targetList)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);
		Var		   *v = (Var *) tle->expr;

		if (!tle->resjunk && IsA(v, Var) && v->varattno == spec->rnatt && rnname == NULL)
			rnname = tle->resname;
	}
	initStringInfo(&all);
	initStringInfo(&vis);
	initStringInfo(&grp);
	foreach(lc, mapped->targetList)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);
		bool		hidden;
		bool		isrn;

		if (tle->resjunk)
			continue;
		hidden = strncmp(tle->resname, STEPPING_HIDDEN_PREFIX, strlen(STEPPING_HIDDEN_PREFIX)) == 0;
		isrn = rnname && strcmp(tle->resname, rnname) == 0 && IsA(tle->expr, Const);
		appendStringInfo(&all, "%s%s", n ? ", " : "",
						 isrn ? "w.__stepping_rn" : psprintf("w.%s", quote_identifier(tle->resname)));
		appendStringInfo(&grp, "%s%s", n++ ? ", " : "",
						 isrn ? psprintf("row_number() OVER (ORDER BY %s)", order)
						 : psprintf("s.%s", quote_identifier(tle->resname)));
		if (!hidden)
			appendStringInfo(&vis, "%s%s", nv++ ? ", " : "",
							 isrn ? "w.__stepping_rn" : psprintf("w.%s", quote_identifier(tle->resname)));
	}
	{
		StringInfoData parts;
		char	   *numbered;

		initStringInfo(&parts);
		foreach(lc, mapped->distinctClause)
			appendStringInfo(&parts, "%ss.%s", foreach_current_index(lc) ? ", " : "",
							 quote_identifier(get_sortgroupclause_tle(lfirst_node(SortGroupClause, lc),
																	  mapped->targetList)->resname));
		/* every group numbered, its rows first .. last kept */
		numbered = psprintf(" FROM (SELECT s.*, row_number() OVER (PARTITION BY %s ORDER BY %s) AS __stepping_rn FROM (%s) s) w WHERE w.__stepping_rn > " INT64_FORMAT " AND w.__stepping_rn <= " INT64_FORMAT,
							parts.data, order, inner, t->offset, t->offset + t->limit);
		t->window_sql = psprintf("SELECT %s%s", all.data, numbered);
		t->check_sql = psprintf("SELECT %s%s", vis.data, numbered);
	}
	t->part_sql = psprintf("SELECT %s FROM (%s) s WHERE ", grp.data, inner);
	t->part_tail = psprintf(" ORDER BY %s LIMIT " INT64_FORMAT " OFFSET " INT64_FORMAT,
							order, t->limit, t->offset);
	t->plan = NULL;
}

/*
 * Window functions (compile/window.c): every row of a partition is kept, and
 * a partition's rows are the stored query's with its equality pushed below
 * the windows (window_part_sql, per NULL pattern in group_plan).
 */
void
topk_set_window(Circuit *c, Query *stored)
{
	TopkOpState *t = &c->topk;

	t->limit = -1;
	t->offset = 0;
	t->window_query = copyObject(stored);
	t->window_sql = deparse_view_query(stored);
	t->check_sql = psprintf("SELECT %s FROM (%s) s", select_sql(stored, true), t->window_sql);
	t->plan = NULL;
	t->append = window_append_compile(c, stored);
}

void
topk_free_plan(Circuit *c)
{
	int			i;

	if (c->topk.plan)
		SPI_freeplan((SPIPlanPtr) c->topk.plan);
	c->topk.plan = NULL;
	for (i = 0; c->topk.nparts > 0 && i < (1 << c->topk.nparts); i++)
	{
		if (c->topk.part_plans[i])
			SPI_freeplan((SPIPlanPtr) c->topk.part_plans[i]);
		if (c->topk.stored_plans[i])
			SPI_freeplan((SPIPlanPtr) c->topk.stored_plans[i]);
		if (c->topk.input_plans[i])
			SPI_freeplan((SPIPlanPtr) c->topk.input_plans[i]);
		c->topk.part_plans[i] = c->topk.stored_plans[i] = c->topk.input_plans[i] = NULL;
	}
}

/* Order of two rows by the ORDER BY keys alone (ties compare equal). */
static int
compare_keys(TopkOpState *t, Datum *av, bool *an, Datum *bv, bool *bn)
{
	int			i;

	for (i = 0; i < t->nkeys; i++)
	{
		int			k = t->keycol[i];
		int			r = ApplySortComparator(av[k], an[k], bv[k], bn[k], &t->ssup[i]);

		if (r != 0)
			return r;
	}
	return 0;
}

/* The stored window's rows, copied, with their TIDs. */
static List *
read_window(Circuit *c, ResultWriter *w)
{
	TupleDesc	desc = RelationGetDescr(w->rel);
	TableScanDesc scan = table_beginscan(w->rel, w->snapshot, 0, NULL);
	List	   *rows = NIL;

	while (table_scan_getnextslot(scan, ForwardScanDirection, w->oldslot))
	{
		WindowRow  *r = palloc(sizeof(WindowRow));
		int			i;

		CHECK_FOR_INTERRUPTS();
		slot_getallattrs(w->oldslot);
		r->values = palloc(sizeof(Datum) * c->nrowcols);
		r->isnull = palloc(sizeof(bool) * c->nrowcols);
		for (i = 0; i < c->nrowcols; i++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, i);

			r->isnull[i] = w->oldslot->tts_isnull[i];
			r->values[i] = r->isnull[i] ? (Datum) 0
				: datumCopy(w->oldslot->tts_values[i], att->attbyval, att->attlen);
		}
		r->tid = w->oldslot->tts_tid;
		rows = lappend(rows, r);
	}
	table_endscan(scan);
	return rows;
}

/*
 * The window as the input holds it now, as a Z-set of its rows with
 * weight +1 each, in the step's memory.
 */
static RowHash *
recompute_window(Circuit *c)
{
	TopkOpState *t = &c->topk;

	if (t->plan == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare(t->window_sql, 0, NULL);

		if (plan == NULL)
			elog(ERROR, "stepping: could not prepare the window of \"%s\": %s",
				 c->viewlabel, SPI_result_code_string(SPI_result));
		SPI_keepplan(plan);
		t->plan = plan;
	}
	/* the active snapshot: taken after the view lock, it sees the step */
	if (SPI_execute_plan((SPIPlanPtr) t->plan, NULL, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "stepping: the window query of \"%s\" failed", c->viewlabel);
	return fresh_rows(c);
}

/*
 * The kept plan of head || WHERE || tail (part_sql or stored_sql) for one
 * NULL pattern of the group columns: s.col = $i for each non-NULL one,
 * s.col IS NULL else.
 */
static SPIPlanPtr
group_plan(Circuit *c, void **plans, const char *head, const char *tail,
		   bool *isnull)
{
	TopkOpState *t = &c->topk;
	int			pattern = 0;
	int			i;
	int			nargs = 0;
	Oid			argtypes[8];
	StringInfoData where;
	ListCell   *lc;
	SPIPlanPtr	plan;

	for (i = 0; i < t->nparts; i++)
		if (isnull[i])
			pattern |= 1 << i;
	if (plans[pattern])
		return (SPIPlanPtr) plans[pattern];
	initStringInfo(&where);
	foreach(lc, t->partwhere)
	{
		i = foreach_current_index(lc);
		if (i > 0)
			appendStringInfoString(&where, " AND ");
		if (isnull[i])
		{
			/* the column name, without the operator */
			const char *w = (const char *) lfirst(lc);

			appendStringInfo(&where, "s.%.*s IS NULL", (int) (strstr(w, " OPERATOR(") - w), w);
		}
		else
		{
			argtypes[nargs] = t->parttypes[i];
			appendStringInfo(&where, "s.%s$%d", (char *) lfirst(lc), ++nargs);
		}
	}
	if (t->window_query && plans == t->part_plans)
		plan = SPI_prepare(window_part_sql(t->window_query, t->nparts, isnull), nargs, argtypes);
	else
		plan = SPI_prepare(psprintf("%s%s%s", head, where.data, tail), nargs, argtypes);
	if (plan == NULL)
		elog(ERROR, "stepping: could not prepare a group's window of \"%s\": %s",
			 c->viewlabel, SPI_result_code_string(SPI_result));
	SPI_keepplan(plan);
	plans[pattern] = plan;
	return plan;
}

/* Run a group's plan: its rows, copied into the step's memory. */
static void
run_group_plan(Circuit *c, SPIPlanPtr plan, Datum *pv, bool *pn)
{
	Datum		args[8];
	char		nulls[8] = {0};
	int			i,
				n = 0;

	for (i = 0; i < c->topk.nparts; i++)
	{
		if (pn[i])
			continue;
		args[n] = pv[i];
		nulls[n] = ' ';
		n++;
	}
	if (SPI_execute_plan(plan, args, nulls, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "stepping: a group's window query of \"%s\" failed", c->viewlabel);
}

/* The stored rows of one group, with their TIDs. */
static List *
read_group(Circuit *c, Datum *pv, bool *pn)
{
	List	   *rows = NIL;
	uint64		r;

	run_group_plan(c, group_plan(c, c->topk.stored_plans, c->topk.stored_sql, "", pn), pv, pn);
	for (r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tup = SPI_tuptable->vals[r];
		WindowRow  *w = palloc(sizeof(WindowRow));
		bool		null;
		int			i;

		w->tid = *((ItemPointer) DatumGetPointer(SPI_getbinval(tup, SPI_tuptable->tupdesc, 1, &null)));
		w->values = palloc(sizeof(Datum) * c->nrowcols);
		w->isnull = palloc(sizeof(bool) * c->nrowcols);
		for (i = 0; i < c->nrowcols; i++)
		{
			Datum		v = SPI_getbinval(tup, SPI_tuptable->tupdesc, i + 2, &w->isnull[i]);

			w->values[i] = w->isnull[i] ? (Datum) 0
				: datumCopy(v, c->rowtypbyval[i], c->rowtyplen[i]);
		}
		rows = lappend(rows, w);
	}
	SPI_freetuptable(SPI_tuptable);
	return rows;
}

/* The SPI result's rows as a Z-set of weight +1 each, in the step's memory. */
static RowHash *
fresh_rows(Circuit *c)
{
	RowHash    *fresh = rowhash_create(CurrentMemoryContext, ROWHASH_IMAGE,
									   c->nrowcols, c->nrowcols, c->rowtypes,
									   NULL, NULL);
	Datum	   *values = palloc(sizeof(Datum) * c->nrowcols);
	bool	   *isnull = palloc(sizeof(bool) * c->nrowcols);
	uint64		r;

	for (r = 0; r < SPI_processed; r++)
	{
		bool		found;
		int			i;

		for (i = 0; i < c->nrowcols; i++)
			values[i] = SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc,
									  i + 1, &isnull[i]);
		rowhash_lookup(fresh, values, isnull, &found)->weight++;
	}
	SPI_freetuptable(SPI_tuptable);
	return fresh;
}

/* Delete the stored rows the new window lacks, insert the ones it adds. */
static void
write_difference(ResultWriter *w, List *window, RowHash *fresh)
{
	ListCell   *lc;
	uint64		i;

	foreach(lc, window)
	{
		WindowRow  *r = (WindowRow *) lfirst(lc);
		bool		found;
		RowEntry   *e = rowhash_lookup(fresh, r->values, r->isnull, &found);

		if (e->weight > 0)
			e->weight--;
		else
			writer_delete_tid(w, &r->tid);
	}
	for (i = 0; i < fresh->nentries; i++)
	{
		RowEntry   *e = fresh->order[i];
		int64		k;

		for (k = 0; k < e->weight; k++)
			writer_insert(w, e->values, e->isnull);
	}
}

/* Whether a row sorts at or before the last of a full window. */
static bool
reaches(Circuit *c, List *window, List *changed)
{
	TopkOpState *t = &c->topk;
	WindowRow  *last = NULL;
	ListCell   *lc;

	if (t->limit < 0)
		return true;			/* every row kept: any change may move them */
	if (list_length(window) < t->limit)
		return true;
	foreach(lc, window)
	{
		WindowRow  *r = (WindowRow *) lfirst(lc);

		if (last == NULL || compare_keys(t, r->values, r->isnull,
										 last->values, last->isnull) > 0)
			last = r;
	}
	foreach(lc, changed)
	{
		RowEntry   *e = (RowEntry *) lfirst(lc);

		if (compare_keys(t, e->values, e->isnull, last->values, last->isnull) <= 0)
			return true;
	}
	return false;
}

/*
 * Whether a group's stored rows are other row versions through a current
 * snapshot than through the transaction's: a committed step (or refresh)
 * of the group wrote them since.  Same images in new versions count too:
 * the step would delete versions that are gone.
 */
static bool
stored_rows_moved_on(Circuit *c, Datum *pv, bool *pn)
{
	List	   *mine = read_group(c, pv, pn);
	List	   *now;
	ListCell   *lc;
	ListCell   *lc2;

	PushActiveSnapshot(GetLatestSnapshot());
	now = read_group(c, pv, pn);
	PopActiveSnapshot();
	if (list_length(now) != list_length(mine))
		return true;
	foreach(lc, now)
	{
		bool		seen = false;

		foreach(lc2, mine)
			if (ItemPointerEquals(&((WindowRow *) lfirst(lc))->tid,
								  &((WindowRow *) lfirst(lc2))->tid))
				seen = true;
		if (!seen)
			return true;
	}
	return false;
}

/*
 * REPEATABLE READ / SERIALIZABLE: whether a group changed between the
 * transaction's snapshot and a current one, i.e. whether a step of the
 * group committed that this transaction cannot see.  A window view's
 * stored rows hold every row of the partition with every column it is
 * computed from, so their versions tell; a top-k group stores only its
 * window, which a committed row just below it would not change, so its
 * whole input is compared too.
 */
static bool
group_moved_on(Circuit *c, Datum *pv, bool *pn)
{
	uint64		i;
	bool		found;

	if (stored_rows_moved_on(c, pv, pn))
		return true;
	if (c->topk.limit >= 0)
	{
		SPIPlanPtr	plan = group_plan(c, c->topk.input_plans, c->topk.part_sql, "", pn);
		RowHash    *before;
		RowHash    *after;

		run_group_plan(c, plan, pv, pn);
		before = fresh_rows(c);
		PushActiveSnapshot(GetLatestSnapshot());
		run_group_plan(c, plan, pv, pn);
		after = fresh_rows(c);
		PopActiveSnapshot();
		if (before->nentries != after->nentries)
			return true;
		for (i = 0; i < after->nentries; i++)
			if (rowhash_lookup(before, after->order[i]->values, after->order[i]->isnull,
							   &found)->weight != after->order[i]->weight)
				return true;
	}
	return false;
}

/*
 * DISTINCT ON: the groups the step's rows belong to (by DISTINCT ON's
 * equality), each tested against its own stored row and recomputed alone.
 */
static void
apply_groups(Circuit *c, ResultWriter *w, RowHash *zset)
{
	TopkOpState *t = &c->topk;
	RowHash    *groups = rowhash_create(CurrentMemoryContext, ROWHASH_TYPED,
										t->nparts, t->nparts, t->parttypes,
										t->parteqops, t->partcolls);
	List	  **changed = palloc0(sizeof(List *) * Max(zset->nentries, 1));
	Datum		pv[8];
	bool		pn[8];
	uint64		i;
	int			k;
	bool		rr_check = c->part_locking && IsolationUsesXactSnapshot() &&
		locks_snapshot_outdated();

	for (i = 0; i < zset->nentries; i++)
	{
		RowEntry   *e = zset->order[i];
		RowEntry   *g;
		bool		found;

		if (e->weight == 0)
			continue;
		for (k = 0; k < t->nparts; k++)
		{
			pv[k] = e->values[t->partcol[k]];
			pn[k] = e->isnull[t->partcol[k]];
		}
		g = rowhash_lookup(groups, pv, pn, &found);
		if (!found)
			g->weight = groups->nentries - 1;	/* the group's ordinal */
		changed[g->weight] = lappend(changed[g->weight], e);
	}
	for (i = 0; i < groups->nentries; i++)
	{
		RowEntry   *g = groups->order[i];
		List	   *window;

		CHECK_FOR_INTERRUPTS();
		/* a group another transaction stepped since this one's snapshot */
		if (rr_check && group_moved_on(c, g->values, g->isnull))
			locks_serialization_failure(c);
		/* a window view's row after its partition's last, or that row gone */
		if (t->append && window_append_step(c, w, g->values, g->isnull, changed[g->weight]))
			continue;
		window = read_group(c, g->values, g->isnull);
		if (!reaches(c, window, changed[g->weight]))
			continue;
		run_group_plan(c, group_plan(c, t->part_plans, t->part_sql, t->part_tail, g->isnull),
					   g->values, g->isnull);
		write_difference(w, window, fresh_rows(c));
	}
}

void
topk_apply(Circuit *c, RowHash *zset, bool refresh)
{
	TopkOpState *t = &c->topk;
	ResultWriter *w;
	List	   *window;
	uint64		i;

	if (t->limit == 0)
		return;					/* LIMIT 0: nothing ever enters */
	w = writer_open(c);
	if (t->nparts > 0 && !refresh)
	{
		apply_groups(c, w, zset);
		writer_close(w);
		return;
	}
	window = read_window(c, w);
	if (!refresh)
	{
		List	   *changed = NIL;

		for (i = 0; i < zset->nentries; i++)
			if (zset->order[i]->weight != 0)
				changed = lappend(changed, zset->order[i]);
		if (!reaches(c, window, changed))
		{
			writer_close(w);
			return;
		}
	}
	write_difference(w, window, recompute_window(c));
	writer_close(w);
}
