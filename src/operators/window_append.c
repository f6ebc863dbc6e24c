/*-------------------------------------------------------------------------
 *
 * window_append.c
 *	  The append path of window views: a row that sorts after every row of
 *	  its partition (a new transaction at the end of a running balance) or
 *	  the deletion of a partition's last row, without recomputing the
 *	  partition.
 *
 *	  It applies when every window of the view looks only backwards from
 *	  the current row and is one of
 *	    row_number(), count(*), count(x), sum(x) over int2/int4/int8/numeric
 *	  with a frame from UNBOUNDED PRECEDING to CURRENT ROW (the default
 *	  RANGE frame, ROWS or GROUPS; no EXCLUDE, no FILTER), all windows with
 *	  the same PARTITION BY (the view's partition) and the same ORDER BY,
 *	  whose keys are result columns ordered by their type's default btree
 *	  operators.  create_view then indexes the result table on
 *	  (partition columns, ORDER BY keys in the window's directions), and a
 *	  backward scan of that index finds a partition's last row.
 *
 *	  Why it is exact:
 *	  - Insert of a row that sorts strictly after the partition's last row:
 *	    the frames of the other rows end at or before their peers, which
 *	    do not include the new row, so no other row changes; the new row's
 *	    frame is every row of the partition and itself, so its values are
 *	    the last row's plus its own contribution: row_number + 1, count + 1
 *	    (x not NULL), sum + x (NULLs skipped, the sum of no value NULL).
 *	    A row tied with the last on the keys (a peer) takes the slow path.
 *	  - Delete of the last row, when the row before it sorts strictly
 *	    before it (not a peer, whose RANGE frame would include it): no
 *	    other row's frame included it.
 *	  - Both in one step (the last row replaced, as a transaction that
 *	    deletes the latest entry and appends another): the delete, then
 *	    the insert after the row that is now the last.
 *	  Anything else (more rows of one partition in a step, an update of a
 *	  row, a row in the middle) recomputes the partition (topk.c).
 *
 *	  The sums are computed as the aggregate computes them: int2/int4 sums
 *	  are bigint (overflow is the same error), int8 and numeric sums are
 *	  numeric, added with numeric_add.
 *
 *	  State: the analysis (which columns are windows, their arguments, the
 *	  keys' comparators) lives in the circuit's memory; a step's values in
 *	  the step's memory.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/nbtree.h"
#include "access/relscan.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/index.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "common/int.h"
#include "executor/tuptable.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "parser/parse_clause.h"
#include "parser/parsetree.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/sortsupport.h"
#include "utils/typcache.h"

#include "stepping.h"

/* The circuit row column that reads W's column attno, or -1. */
static int
outer_column(Query *stored, AttrNumber attno)
{
	ListCell   *lc;
	int			pos = 0;

	foreach(lc, stored->targetList)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		if (tle->resjunk)
			continue;
		if (IsA(tle->expr, Var) && ((Var *) tle->expr)->varattno == attno)
			return pos;
		pos++;
	}
	return -1;
}

/* The circuit row column holding W's plain expression expr, or -1. */
static int
plain_column(Query *stored, Query *w, Node *expr)
{
	ListCell   *lc;

	foreach(lc, w->targetList)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		if (!tle->resjunk && !contain_window_function((Node *) tle->expr) &&
			equal(tle->expr, expr))
			return outer_column(stored, tle->resno);
	}
	return -1;
}

/* Whether a frame runs from UNBOUNDED PRECEDING to the current row. */
static bool
frame_looks_back(int fo)
{
	return (fo & FRAMEOPTION_START_UNBOUNDED_PRECEDING) &&
		(fo & FRAMEOPTION_END_CURRENT_ROW) &&
		!(fo & FRAMEOPTION_EXCLUSION);
}

/* The window function of one column, if the append path computes it. */
static bool
append_function(Query *stored, Query *w, WindowFunc *wf, WindowAppendCol *col)
{
	WindowClause *wc = NULL;
	ListCell   *lc;

	foreach(lc, w->windowClause)
		if (lfirst_node(WindowClause, lc)->winref == wf->winref)
			wc = lfirst_node(WindowClause, lc);
	if (wc == NULL || wc->orderClause == NIL || wf->aggfilter != NULL)
		return false;
	col->fnoid = wf->winfnoid;
	col->argcol = -1;
	switch (wf->winfnoid)
	{
		case F_ROW_NUMBER:
		case F_COUNT_:
			return wf->winfnoid == F_ROW_NUMBER || frame_looks_back(wc->frameOptions);
		case F_COUNT_ANY:
		case F_SUM_INT2:
		case F_SUM_INT4:
		case F_SUM_INT8:
		case F_SUM_NUMERIC:
			if (!frame_looks_back(wc->frameOptions) || list_length(wf->args) != 1)
				return false;
			col->argcol = plain_column(stored, w, linitial(wf->args));
			col->argtype = exprType(linitial(wf->args));
			return col->argcol >= 0;
		default:
			return false;
	}
}

/* The ORDER BY keys of a window as a list of their expressions. */
static List *
order_exprs(Query *w, WindowClause *wc)
{
	List	   *exprs = NIL;
	ListCell   *lc;

	foreach(lc, wc->orderClause)
		exprs = lappend(exprs, get_sortgroupclause_expr(lfirst_node(SortGroupClause, lc),
														 w->targetList));
	return exprs;
}

/*
 * Whether the windows of a stored window view allow the append path; its
 * analysis, in the circuit's memory (NULL: they do not).
 */
WindowAppend *
window_append_compile(Circuit *c, Query *stored)
{
	Query	   *w = linitial_node(RangeTblEntry, stored->rtable)->subquery;
	WindowAppend *a;
	WindowClause *first = NULL;
	ListCell   *lc;
	int			pos = 0;
	int			i;

	a = palloc0(sizeof(WindowAppend));
	a->iswindow = palloc0(sizeof(bool) * c->nrowcols);
	a->cols = palloc0(sizeof(WindowAppendCol) * c->nrowcols);

	/* every window: the same PARTITION BY and ORDER BY */
	foreach(lc, w->windowClause)
	{
		WindowClause *wc = lfirst_node(WindowClause, lc);

		if (first == NULL)
			first = wc;
		else if (!equal(order_exprs(w, wc), order_exprs(w, first)) ||
				 !equal(wc->orderClause, first->orderClause) ||
				 !equal(wc->partitionClause, first->partitionClause))
			return NULL;
	}
	if (first == NULL || first->orderClause == NIL)
		return NULL;

	/* every result column: plain, or a window function computed here */
	foreach(lc, stored->targetList)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);
		TargetEntry *wtle;

		if (tle->resjunk)
			continue;
		if (IsA(tle->expr, Var))
		{
			wtle = get_tle_by_resno(w->targetList, ((Var *) tle->expr)->varattno);
			if (wtle && IsA(wtle->expr, WindowFunc))
			{
				WindowAppendCol *col = &a->cols[a->ncols];

				if (!append_function(stored, w, (WindowFunc *) wtle->expr, col))
					return NULL;
				col->col = pos;
				a->iswindow[pos] = true;
				a->ncols++;
			}
			else if (wtle == NULL || contain_window_function((Node *) wtle->expr))
				return NULL;
		}
		else if (contain_window_function((Node *) tle->expr))
			return NULL;
		pos++;
	}
	if (a->ncols == 0)
		return NULL;

	/* the ORDER BY keys: result columns, default btree ordering */
	a->nkeys = list_length(first->orderClause);
	a->keycol = palloc(sizeof(int) * a->nkeys);
	a->keydesc = palloc(sizeof(bool) * a->nkeys);
	a->keynullsfirst = palloc(sizeof(bool) * a->nkeys);
	a->ssup = palloc0(sizeof(SortSupportData) * a->nkeys);
	i = 0;
	foreach(lc, first->orderClause)
	{
		SortGroupClause *sgc = lfirst_node(SortGroupClause, lc);
		TargetEntry *wtle = get_sortgroupclause_tle(sgc, w->targetList);
		Oid			type = exprType((Node *) wtle->expr);
		TypeCacheEntry *tc = lookup_type_cache(type, TYPECACHE_LT_OPR | TYPECACHE_GT_OPR);
		SortSupport ssup = &a->ssup[i];

		if (contain_window_function((Node *) wtle->expr) ||
			(sgc->sortop != tc->lt_opr && sgc->sortop != tc->gt_opr))
			return NULL;
		a->keycol[i] = plain_column(stored, w, (Node *) wtle->expr);
		if (a->keycol[i] < 0)
			return NULL;
		a->keydesc[i] = sgc->sortop == tc->gt_opr;
		a->keynullsfirst[i] = sgc->nulls_first;
		ssup->ssup_cxt = CurrentMemoryContext;
		ssup->ssup_collation = exprCollation((Node *) wtle->expr);
		ssup->ssup_nulls_first = sgc->nulls_first;
		ssup->abbreviate = false;
		PrepareSortSupportFromOrderingOp(sgc->sortop, ssup);
		i++;
	}
	return a;
}

/* CREATE INDEX for the append path (partition columns, then the keys). */
char *
window_append_index_sql(Circuit *c)
{
	WindowAppend *a = c->topk.append;
	StringInfoData cols;
	int			i;

	initStringInfo(&cols);
	for (i = 0; i < c->topk.nparts; i++)
		appendStringInfo(&cols, "%s%s", i ? ", " : "",
						 quote_identifier(get_attname(c->viewid, c->topk.partcol[i] + 1, false)));
	for (i = 0; i < a->nkeys; i++)
		appendStringInfo(&cols, ", %s%s%s",
						 quote_identifier(get_attname(c->viewid, a->keycol[i] + 1, false)),
						 a->keydesc[i] ? " DESC" : "",
						 a->keydesc[i] ? (a->keynullsfirst[i] ? "" : " NULLS LAST")
						 : (a->keynullsfirst[i] ? " NULLS FIRST" : ""));
	return psprintf("CREATE INDEX ON %s (%s)", c->viewname, cols.data);
}

/*
 * The index create_view made for the append path, or NULL (left closed).
 * Its OID is remembered while the table still lists it.
 */
static Relation
append_index(Circuit *c, Relation rel)
{
	WindowAppend *a = c->topk.append;
	ListCell   *lc;
	List	   *indexes = RelationGetIndexList(rel);

	if (OidIsValid(a->indexid) && list_member_oid(indexes, a->indexid))
		return index_open(a->indexid, AccessShareLock);
	a->indexid = InvalidOid;
	foreach(lc, indexes)
	{
		Relation	idx = index_open(lfirst_oid(lc), AccessShareLock);
		Form_pg_index ind = idx->rd_index;
		bool		match = ind->indnkeyatts == c->topk.nparts + a->nkeys &&
			idx->rd_indpred == NIL && idx->rd_indexprs == NIL &&
			idx->rd_rel->relam == BTREE_AM_OID;
		int			i;

		for (i = 0; match && i < c->topk.nparts; i++)
			match = ind->indkey.values[i] == c->topk.partcol[i] + 1;
		for (i = 0; match && i < a->nkeys; i++)
		{
			int16		opt = idx->rd_indoption[c->topk.nparts + i];

			match = ind->indkey.values[c->topk.nparts + i] == a->keycol[i] + 1 &&
				((opt & INDOPTION_DESC) != 0) == a->keydesc[i] &&
				((opt & INDOPTION_NULLS_FIRST) != 0) == a->keynullsfirst[i] &&
				idx->rd_indcollation[c->topk.nparts + i] == a->ssup[i].ssup_collation;
		}
		if (match)
		{
			a->indexid = RelationGetRelid(idx);
			return idx;
		}
		index_close(idx, AccessShareLock);
	}
	return NULL;
}

/* Order of two rows by the window's keys (circuit row columns). */
static int
compare_keys(WindowAppend *a, Datum *av, bool *an, Datum *bv, bool *bn)
{
	int			i;

	for (i = 0; i < a->nkeys; i++)
	{
		int			r = ApplySortComparator(av[a->keycol[i]], an[a->keycol[i]],
											bv[a->keycol[i]], bn[a->keycol[i]], &a->ssup[i]);

		if (r != 0)
			return r;
	}
	return 0;
}

/* A circuit row's values from a slot of the result table, copied. */
static void
slot_row(Circuit *c, TupleTableSlot *slot, Datum *values, bool *isnull)
{
	int			i;

	slot_getallattrs(slot);
	for (i = 0; i < c->nrowcols; i++)
	{
		isnull[i] = slot->tts_isnull[i];
		values[i] = isnull[i] ? (Datum) 0
			: datumCopy(slot->tts_values[i], c->rowtypbyval[i], c->rowtyplen[i]);
	}
}

/*
 * The last want (1 or 2) rows of a partition in the window order
 * (backwards through the index), with the last one's TID; returns how many
 * there are.
 */
static int
last_rows(Circuit *c, ResultWriter *w, Relation idx, Datum *pv, bool *pn, int want,
		  Datum **values, bool **isnull, ItemPointer lasttid)
{
	TopkOpState *t = &c->topk;
	ScanKeyData keys[8];
	IndexScanDesc scan;
	int			n = 0;
	int			i;

	for (i = 0; i < t->nparts; i++)
	{
		if (pn[i])
			ScanKeyEntryInitialize(&keys[i], SK_ISNULL | SK_SEARCHNULL, i + 1,
								   InvalidStrategy, InvalidOid, InvalidOid, InvalidOid,
								   (Datum) 0);
		else
			ScanKeyEntryInitialize(&keys[i], 0, i + 1, BTEqualStrategyNumber, InvalidOid,
								   idx->rd_indcollation[i], get_opcode(t->parteqops[i]), pv[i]);
	}
	scan = index_beginscan(w->rel, idx, w->snapshot, t->nparts, 0);
	index_rescan(scan, keys, t->nparts, NULL, 0);
	while (n < want && index_getnext_slot(scan, BackwardScanDirection, w->oldslot))
	{
		if (n == 0)
			*lasttid = w->oldslot->tts_tid;
		slot_row(c, w->oldslot, values[n], isnull[n]);
		n++;
	}
	index_endscan(scan);
	ExecClearTuple(w->oldslot);
	return n;
}

/* sum(x) of the new last row: the previous sum plus x, as sum() adds. */
static Datum
add_to_sum(WindowAppendCol *col, Datum prev, bool prevnull, Datum x)
{
	if (col->fnoid == F_SUM_INT2 || col->fnoid == F_SUM_INT4)
	{
		int64		v = col->fnoid == F_SUM_INT2 ? DatumGetInt16(x) : DatumGetInt32(x);
		int64		sum;

		if (prevnull)
			return Int64GetDatum(v);
		if (pg_add_s64_overflow(DatumGetInt64(prev), v, &sum))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("bigint out of range")));
		return Int64GetDatum(sum);
	}
	if (col->fnoid == F_SUM_INT8)
		x = DirectFunctionCall1(int8_numeric, x);
	if (prevnull)
		return x;
	return DirectFunctionCall2(numeric_add, prev, x);
}

/* The new last row's window values, from the previous last row (or none). */
static void
fill_windows(Circuit *c, Datum *values, bool *isnull, Datum *prev, bool *prevnull)
{
	WindowAppend *a = c->topk.append;
	int			i;

	for (i = 0; i < a->ncols; i++)
	{
		WindowAppendCol *col = &a->cols[i];
		int			k = col->col;
		bool		xnull = col->argcol >= 0 && isnull[col->argcol];

		switch (col->fnoid)
		{
			case F_ROW_NUMBER:
			case F_COUNT_:
			case F_COUNT_ANY:
				values[k] = Int64GetDatum((prev ? DatumGetInt64(prev[k]) : 0) +
										  (col->fnoid == F_COUNT_ANY && xnull ? 0 : 1));
				isnull[k] = false;
				break;
			default:
				if (xnull)
				{
					isnull[k] = prev == NULL || prevnull[k];
					values[k] = isnull[k] ? (Datum) 0 : prev[k];
				}
				else
				{
					values[k] = add_to_sum(col, prev ? prev[k] : (Datum) 0,
										   prev == NULL || prevnull[k], values[col->argcol]);
					isnull[k] = false;
				}
				break;
		}
	}
}

/* Whether two rows have the same binary image outside the window columns. */
static bool
same_row(Circuit *c, Datum *av, bool *an, Datum *bv, bool *bn)
{
	int			i;

	for (i = 0; i < c->nrowcols; i++)
	{
		if (c->topk.append->iswindow[i])
			continue;
		if (an[i] != bn[i])
			return false;
		if (!an[i] && !datumIsEqual(av[i], bv[i], c->rowtypbyval[i], c->rowtyplen[i]))
			return false;
	}
	return true;
}

/*
 * One partition's change, if it is the delete of its last row, the insert
 * of a row after its last row, or both (the last row replaced: a delete
 * then an insert after the row before it): applied, true.  False: nothing
 * done, the caller recomputes the partition.
 */
bool
window_append_step(Circuit *c, ResultWriter *w, Datum *pv, bool *pn, List *changed)
{
	WindowAppend *a = c->topk.append;
	RowEntry   *ins = NULL;
	RowEntry   *del = NULL;
	Relation	idx;
	Datum	   *values[2];
	bool	   *isnull[2];
	ItemPointerData lasttid;
	ListCell   *lc;
	int			n;
	int			last;			/* the row the insert follows, or -1 */

	if (a == NULL || list_length(changed) > 2)
		return false;
	foreach(lc, changed)
	{
		RowEntry   *e = (RowEntry *) lfirst(lc);

		if (e->weight == 1 && ins == NULL)
			ins = e;
		else if (e->weight == -1 && del == NULL)
			del = e;
		else
			return false;
	}
	idx = append_index(c, w->rel);
	if (idx == NULL)
		return false;
	values[0] = palloc(sizeof(Datum) * c->nrowcols);
	values[1] = palloc(sizeof(Datum) * c->nrowcols);
	isnull[0] = palloc(sizeof(bool) * c->nrowcols);
	isnull[1] = palloc(sizeof(bool) * c->nrowcols);
	/* (the row before the last matters only when the last goes) */
	n = last_rows(c, w, idx, pv, pn, del ? 2 : 1, values, isnull, &lasttid);
	index_close(idx, AccessShareLock);
	last = n > 0 ? 0 : -1;

	/* the last row itself goes, and the row before it is not its peer */
	if (del)
	{
		if (n == 0 || !same_row(c, del->values, del->isnull, values[0], isnull[0]) ||
			(n == 2 && compare_keys(a, values[1], isnull[1], values[0], isnull[0]) >= 0))
			return false;
		/* the row before it (its values final) is then the last */
		last = n == 2 ? 1 : -1;
	}

	/* a new row after the last one, not its peer */
	if (ins && last >= 0 &&
		compare_keys(a, ins->values, ins->isnull, values[last], isnull[last]) <= 0)
		return false;

	if (del)
		writer_delete_tid(w, &lasttid);
	if (ins)
	{
		Datum	   *row = palloc(sizeof(Datum) * c->nrowcols);
		bool	   *rownull = palloc(sizeof(bool) * c->nrowcols);

		memcpy(row, ins->values, sizeof(Datum) * c->nrowcols);
		memcpy(rownull, ins->isnull, sizeof(bool) * c->nrowcols);
		fill_windows(c, row, rownull, last >= 0 ? values[last] : NULL,
					 last >= 0 ? isnull[last] : NULL);
		writer_insert(w, row, rownull);
	}
	return true;
}
