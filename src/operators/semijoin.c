/*-------------------------------------------------------------------------
 *
 * semijoin.c
 *	  The delta of a semijoin factor (an Indicator: the distinct keys of one
 *	  relation's rows that pass a filter) in a step.
 *
 *	  The relation's delta is folded per key into dw, the net change of the
 *	  key's matching rows.  With n the rows matching the key now, the key was
 *	  present before iff n - dw > 0, so a probe of the relation that stops
 *	  after dw + 1 rows (one row when dw < 0) decides whether the key
 *	  appeared (+1), disappeared (-1) or neither.  The probe is a plan of
 *	  SELECT 1 FROM rel WHERE key = $1 ... AND filter, made once per backend,
 *	  and reads through the step's snapshot like the join terms.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/pg_type.h"
#include "lib/qunique.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "optimizer/optimizer.h"
#include "tcop/tcopprot.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "stepping.h"

typedef struct CountReceiver
{
	DestReceiver pub;
	int64		n;
} CountReceiver;

static bool
count_receive(TupleTableSlot *slot, DestReceiver *self)
{
	((CountReceiver *) self)->n++;
	return true;
}

static void
count_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
}

static void
count_noop(DestReceiver *self)
{
}

/*
 * SELECT 1 FROM <the indicator's relation> WHERE <key conditions> AND
 * <filter>: the probe (keys = parameters) and, in join terms, the EXISTS
 * that stands for the indicator at its current contents.
 */
Query *
semijoin_rows_query(Indicator *ind, List *keyquals)
{
	Query	   *q = makeNode(Query);
	List	   *quals = list_copy(keyquals);

	q->commandType = CMD_SELECT;
	q->querySource = QSRC_ORIGINAL;
	q->canSetTag = true;
	q->rtable = list_make1(copyObject(ind->rte));
	if (ind->filter)
		quals = lappend(quals, copyObject(ind->filter));
	q->jointree = makeFromExpr(list_make1(make_range_ref(1)),
							   quals ? (Node *) make_ands_explicit(quals) : NULL);
	q->targetList = list_make1(makeTargetEntry((Expr *) makeConst(INT4OID, -1, InvalidOid, 4,
																  Int32GetDatum(1), false, true),
											   1, pstrdup("one"), false));
	return q;
}

static Query *
probe_query(Indicator *ind)
{
	List	   *quals = NIL;
	ListCell   *lc;
	int			i = 0;

	foreach(lc, ind->keyexprs)
	{
		Param	   *p = makeNode(Param);

		p->paramkind = PARAM_EXTERN;
		p->paramid = i + 1;
		p->paramtype = ind->keytypes[i];
		p->paramtypmod = -1;
		p->paramcollid = ind->keycolls[i];
		p->location = -1;
		quals = lappend(quals,
						make_opclause(ind->keyeqops[i], BOOLOID, false,
									  (Expr *) copyObject(lfirst(lc)), (Expr *) p,
									  InvalidOid, ind->keycolls[i]));
		i++;
	}
	return semijoin_rows_query(ind, quals);
}

/* Expression states and the probe plan, in the circuit's memory. */
void
semijoin_prepare(Circuit *c, Indicator *ind)
{
	MemoryContext old = MemoryContextSwitchTo(c->cxt);
	Relation	rel = table_open(ind->relid, AccessShareLock);
	ListCell   *lc;
	int			i = 0;

	/* with attmissingval: old rows may predate an added column */
	ind->slot = MakeSingleTupleTableSlot(CreateTupleDescCopyConstr(RelationGetDescr(rel)),
										 &TTSOpsMinimalTuple);
	table_close(rel, NoLock);
	if (ind->filter)
		ind->filterstate = ExecInitQual(make_ands_implicit((Expr *) expression_planner(copyObject(ind->filter))),
										NULL);
	ind->keystates = palloc0(sizeof(ExprState *) * Max(ind->nkeys, 1));
	foreach(lc, ind->keyexprs)
		ind->keystates[i++] = ExecInitExpr(expression_planner(copyObject(lfirst(lc))), NULL);

	ind->deltadesc = CreateTemplateTupleDesc(ind->nkeys + 1);
	for (i = 0; i < ind->nkeys; i++)
	{
		TupleDescInitEntry(ind->deltadesc, i + 1, psprintf("k%d", i + 1),
						   ind->keytypes[i], -1, 0);
		TupleDescInitEntryCollation(ind->deltadesc, i + 1, ind->keycolls[i]);
	}
	TupleDescInitEntry(ind->deltadesc, ind->nkeys + 1, "w", INT8OID, -1, 0);
	ind->probe = pg_plan_query(probe_query(ind), c->query_sql, 0, NULL);
	MemoryContextSwitchTo(old);
}

/* How many rows match the key now, counting no further than limit. */
static int64
probe_count(Circuit *c, Indicator *ind, RowEntry *e, int64 limit)
{
	ParamListInfo params = makeParamList(ind->nkeys);
	CountReceiver r;
	QueryDesc  *qd;
	int			i;

	for (i = 0; i < ind->nkeys; i++)
	{
		params->params[i].value = e->values[i];
		params->params[i].isnull = false;
		params->params[i].pflags = PARAM_FLAG_CONST;
		params->params[i].ptype = ind->keytypes[i];
	}
	memset(&r, 0, sizeof(r));
	r.pub.receiveSlot = count_receive;
	r.pub.rStartup = count_startup;
	r.pub.rShutdown = count_noop;
	r.pub.rDestroy = count_noop;
	r.pub.mydest = DestNone;
	qd = CreateQueryDesc(ind->probe, c->query_sql, GetActiveSnapshot(),
						 InvalidSnapshot, (DestReceiver *) &r, params, NULL, 0);
	ExecutorStart(qd, 0);
	ExecutorRun(qd, ForwardScanDirection, (uint64) limit, true);
	ExecutorFinish(qd);
	ExecutorEnd(qd);
	FreeQueryDesc(qd);
	return r.n;
}

/* Fold the relation's delta rows that pass the filter into dw per key. */
static RowHash *
fold_keys(Circuit *c, Indicator *ind, List *chunks)
{
	RowHash    *keys = rowhash_create(CurrentMemoryContext, ROWHASH_TYPED,
									  ind->nkeys, ind->nkeys, ind->keytypes,
									  ind->keyeqops, ind->keycolls);
	ExprContext *econtext = CreateStandaloneExprContext();
	Datum	   *values = palloc(sizeof(Datum) * Max(ind->nkeys, 1));
	bool	   *isnull = palloc(sizeof(bool) * Max(ind->nkeys, 1));
	TupleTableSlot *slot = MakeSingleTupleTableSlot(ind->slot->tts_tupleDescriptor,
													&TTSOpsMinimalTuple);
	int			pos = 0;
	DeltaChunk *chunk;
	Tuplestorestate *rows;
	int			weight;

	econtext->ecxt_scantuple = slot;
	while (delta_next_rows(chunks, &pos, &chunk, &rows, &weight))
	{
		tuplestore_rescan(rows);
		while (tuplestore_gettupleslot(rows, true, false, slot))
		{
			bool		skip = false;
			bool		found;
			RowEntry   *e;
			int			i;

			MemoryContext old;

			ResetExprContext(econtext);
			old = MemoryContextSwitchTo(econtext->ecxt_per_tuple_memory);
			if (ind->filterstate && !ExecQual(ind->filterstate, econtext))
				skip = true;
			for (i = 0; i < ind->nkeys && !skip; i++)
			{
				values[i] = ExecEvalExpr(ind->keystates[i], econtext, &isnull[i]);
				/* equality is strict: a NULL key matches nothing */
				skip |= isnull[i];
			}
			MemoryContextSwitchTo(old);
			if (skip)
				continue;
			/* the entry copies the key into the hash's memory */
			e = rowhash_lookup(keys, values, isnull, &found);
			e->weight += weight;
		}
	}
	ExecDropSingleTupleTableSlot(slot);
	FreeExprContext(econtext, true);
	return keys;
}

/*
 * Compute the indicator's delta for the step into ind->delta (in the
 * caller's memory).  Returns false, leaving ind->delta NULL, when no key
 * appeared or disappeared.
 */
bool
semijoin_delta(Circuit *c, Indicator *ind, DeltaSource *src)
{
	List	   *chunks = delta_chunks_of(src, ind->relid);
	RowHash    *keys;
	TupleTableSlot *out;
	uint64		i;
	int64		n = 0;

	ind->delta = NULL;
	if (chunks == NIL)
		return false;
	keys = fold_keys(c, ind, chunks);
	out = MakeSingleTupleTableSlot(ind->deltadesc, &TTSOpsVirtual);
	for (i = 0; i < keys->nentries; i++)
	{
		RowEntry   *e = keys->order[i];
		int64		now;
		bool		present_now,
					present_before;
		int			k;

		if (e->weight == 0)
			continue;
		now = probe_count(c, ind, e, e->weight < 0 ? 1 : e->weight + 1);
		present_now = (now > 0);
		present_before = (e->weight < 0) ? true : (now > e->weight);
		if (present_now == present_before)
			continue;
		if (ind->delta == NULL)
			ind->delta = tuplestore_begin_heap(false, false, work_mem);
		ExecClearTuple(out);
		for (k = 0; k < ind->nkeys; k++)
		{
			out->tts_values[k] = e->values[k];
			out->tts_isnull[k] = false;
		}
		out->tts_values[ind->nkeys] = Int64GetDatum(present_now ? 1 : -1);
		out->tts_isnull[ind->nkeys] = false;
		ExecStoreVirtualTuple(out);
		tuplestore_puttupleslot(ind->delta, out);
		n++;
	}
	ExecDropSingleTupleTableSlot(out);
	MemoryContextDelete(keys->cxt);
	return n > 0;
}

/*
 * Lock the keys whose matching rows this step changes (locks.c): a key's
 * presence is not linear in the relation's rows, so two steps changing rows
 * of one key must be ordered, and steps changing different keys need not
 * be.  Keys are told apart by their types' own hash functions (equal keys,
 * equal hashes; a collision only orders two steps that need not be), and
 * locked in hash order.  A key whose rows' net change is zero keeps its
 * presence whatever others do: it takes no lock.  Too many keys for the
 * transaction's budget lock the whole relation instead (locks.c).
 */
void
semijoin_lock_keys(Circuit *c, Indicator *ind, DeltaSource *src)
{
	List	   *chunks = delta_chunks_of(src, ind->relid);
	RowHash    *keys;
	uint32	   *hashes;
	int			n = 0;
	int			i;
	uint64		k;

	if (chunks == NIL)
		return;
	keys = fold_keys(c, ind, chunks);
	hashes = palloc(sizeof(uint32) * Max(keys->nentries, 1));
	for (k = 0; k < keys->nentries; k++)
		if (keys->order[k]->weight != 0)
			hashes[n++] = keys->order[k]->hash;
	qsort(hashes, n, sizeof(uint32), uint32_cmp);
	n = (int) qunique(hashes, n, sizeof(uint32), uint32_cmp);
	if (n > 0 && !locks_reserve_keys(n))
		locks_acquire_all_keys(c, ind->relid);
	else
		for (i = 0; i < n; i++)
			locks_acquire_key(c, ind->id, hashes[i]);
	pfree(hashes);
	MemoryContextDelete(keys->cxt);
}
