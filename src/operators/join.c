/*-------------------------------------------------------------------------
 *
 * join.c
 *	  The join operator: a view over several inputs (tables, or the same
 *	  table more than once) computes its delta as a sum of terms, each a
 *	  PostgreSQL plan of the view's FROM/WHERE in which some inputs read the
 *	  step's delta (an ephemeral named relation with a weight column) and the
 *	  others read the base tables through their indexes.  Joined rows'
 *	  weights multiply.
 *
 *	  With the inputs in range-table order and the step's changed inputs
 *	  r1..rk, the delta is  sum_p  new(r<p) x delta(rp) x old(r>p),  where
 *	  new is a table's current contents and old = new - delta.  Expanding
 *	  old gives terms that each read a set of inputs from the delta, with a
 *	  sign; equal sets are merged and zero coefficients dropped.
 *
 *	  Plans are made once per backend per set of delta inputs and delta size
 *	  class: a fixed small row estimate up to 100 rows (index probes), else
 *	  the rows rounded up to a power of ten (hash or merge joins for a large
 *	  statement).  They are dropped with the circuit when a table's
 *	  definition changes.  A step that changed one input, with at most
 *	  PROBE_MAX_ROWS rows, runs as index probes in C instead (probe.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/table.h"
#include "catalog/pg_type.h"
#include "common/int.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parsetree.h"
#include "rewrite/rewriteManip.h"
#include "storage/lmgr.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/queryenvironment.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "stepping.h"

#define DELTA_ROW_ESTIMATE 10
#define PROBE_MAX_ROWS 1000		/* larger one-input steps run planned terms */
#define WEIGHT_COLUMN "__stepping_w"

typedef struct TermPlan
{
	int			comp;			/* component, or -1: the query as written */
	uint32		mask;			/* inputs (range table bits) read as delta */
	double		estimate;		/* rows the plan expects per delta input */
	bool		keyed;			/* filtered to one group */
	uint64		nullmask;		/* ... whose NULL key columns are these */
	PlannedStmt *stmt;
	struct TermPlan *next;
} TermPlan;

typedef void (*EmitRow) (Circuit *c, Datum *values, bool *isnull,
						 int64 weight, void *arg);

typedef struct TermReceiver
{
	DestReceiver pub;
	Circuit    *c;
	int64		sign;
	int			nweights;
	EmitRow		emit;
	void	   *arg;
} TermReceiver;

static char *
delta_name(Oid relid)
{
	return psprintf("__stepping_delta_%u", relid);
}

/*
 * The descriptor of a delta relation: the table's columns, then the weight.
 * Made once per circuit (a change of the table's definition drops the
 * circuit).  It needs no missing values of added columns: rows are deformed
 * through the relation's own descriptor, which has them, and stored whole.
 */
static TupleDesc
delta_desc(Circuit *c, Relation rel)
{
	TupleDesc	base = RelationGetDescr(rel);
	TupleDesc	d;
	MemoryContext old;
	ListCell   *lc;
	int			i;

	ListCell   *lc2;

	forboth(lc, c->joins.delta_desc_relids, lc2, c->joins.delta_descs)
		if (lfirst_oid(lc) == RelationGetRelid(rel))
			return (TupleDesc) lfirst(lc2);
	old = MemoryContextSwitchTo(c->cxt);
	d = CreateTemplateTupleDesc(base->natts + 1);
	for (i = 0; i < base->natts; i++)
		TupleDescCopyEntry(d, i + 1, base, i + 1);
	TupleDescInitEntry(d, base->natts + 1, WEIGHT_COLUMN, INT8OID, -1, 0);
	c->joins.delta_desc_relids = lappend_oid(c->joins.delta_desc_relids, RelationGetRelid(rel));
	c->joins.delta_descs = lappend(c->joins.delta_descs, d);
	MemoryContextSwitchTo(old);
	return d;
}

/* Rewrite input rtindex of a term query to read the table's delta. */
static void
read_delta(Query *q, int rtindex, double estimate)
{
	ListCell   *cell = list_nth_cell(q->rtable, rtindex - 1);
	RangeTblEntry *rte = (RangeTblEntry *) lfirst(cell);
	RangeTblEntry *n = makeNode(RangeTblEntry);
	Relation	rel = table_open(rte->relid, NoLock);
	TupleDesc	desc = RelationGetDescr(rel);
	int			i;

	n->rtekind = RTE_NAMEDTUPLESTORE;
	n->enrname = delta_name(rte->relid);
	n->enrtuples = estimate;
	n->relid = InvalidOid;
	n->alias = rte->alias;
	n->eref = copyObject(rte->eref);
	n->eref->colnames = lappend(list_copy(n->eref->colnames),
								makeString(pstrdup(WEIGHT_COLUMN)));
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		n->coltypes = lappend_oid(n->coltypes, att->attisdropped ? InvalidOid : att->atttypid);
		n->coltypmods = lappend_int(n->coltypmods, att->attisdropped ? 0 : att->atttypmod);
		n->colcollations = lappend_oid(n->colcollations, att->attisdropped ? InvalidOid : att->attcollation);
	}
	n->coltypes = lappend_oid(n->coltypes, INT8OID);
	n->coltypmods = lappend_int(n->coltypmods, -1);
	n->colcollations = lappend_oid(n->colcollations, InvalidOid);
	n->inFromCl = rte->inFromCl;
	n->requiredPerms = 0;
	table_close(rel, NoLock);
	lfirst(cell) = n;
}

/*
 * Restrict a copy of the view's query to one group: key = $1 ... for the
 * key's non-NULL columns, key IS NULL for the others.
 */
static void
restrict_to_group(Circuit *c, Query *q, bool *keynull)
{
	List	   *quals = NIL;
	int			k,
				nparams = 0;

	for (k = 0; k < c->grouped.ngroup; k++)
	{
		Expr	   *g = (Expr *) copyObject(list_nth(c->joins.rownodes, k));

		if (keynull[k])
		{
			NullTest   *nt = makeNode(NullTest);

			nt->arg = g;
			nt->nulltesttype = IS_NULL;
			nt->location = -1;
			quals = lappend(quals, nt);
		}
		else
		{
			Param	   *p = makeNode(Param);

			p->paramkind = PARAM_EXTERN;
			p->paramid = ++nparams;
			p->paramtype = c->rowtypes[k];
			p->paramtypmod = -1;
			p->paramcollid = exprCollation((Node *) g);
			p->location = -1;
			quals = lappend(quals,
							make_opclause(c->grouped.groupeqops[k], BOOLOID, false,
										  g, (Expr *) p, InvalidOid,
										  c->grouped.groupcolls[k]));
		}
	}
	if (q->jointree->quals)
		quals = lappend(quals, q->jointree->quals);
	if (quals)
		q->jointree->quals = (Node *) make_ands_explicit(quals);
}

static char *
indicator_name(Indicator *ind)
{
	return psprintf("__stepping_ind_%d", ind->id);
}

/* One key condition between a component's expression and an indicator's. */
static Expr *
key_condition(IndicatorUse *u, int k, Expr *outer, Expr *inner)
{
	bool		outer_left = list_nth_int(u->outer_left, k);

	return make_opclause(list_nth_oid(u->opnos, k), BOOLOID, false,
						 outer_left ? outer : inner, outer_left ? inner : outer,
						 InvalidOid, list_nth_oid(u->collids, k));
}

/*
 * The indicator at its current contents: EXISTS (SELECT 1 FROM rel WHERE
 * keys match AND filter), which the planner makes a semijoin.
 */
static Node *
indicator_exists(IndicatorUse *u)
{
	Indicator  *ind = u->ind;
	SubLink    *sl = makeNode(SubLink);
	List	   *quals = NIL;
	ListCell   *lo,
			   *li;

	forboth(lo, u->outer, li, ind->keyexprs)
	{
		Node	   *outer = copyObject((Node *) lfirst(lo));

		IncrementVarSublevelsUp(outer, 1, 0);
		quals = lappend(quals, key_condition(u, foreach_current_index(lo), (Expr *) outer,
											 (Expr *) copyObject(lfirst(li))));
	}
	sl->subLinkType = EXISTS_SUBLINK;
	sl->subLinkId = 0;
	sl->subselect = (Node *) semijoin_rows_query(ind, quals);
	sl->location = -1;
	return (Node *) sl;
}

/*
 * The indicator's delta joined to the component: a range table entry for
 * its delta relation, the key conditions, and its weight column.
 */
static Expr *
indicator_delta_join(Query *q, IndicatorUse *u, List **quals, double estimate)
{
	Indicator  *ind = u->ind;
	RangeTblEntry *n = makeNode(RangeTblEntry);
	List	   *colnames = NIL;
	int			rtindex,
				k;
	ListCell   *lo;

	n->rtekind = RTE_NAMEDTUPLESTORE;
	n->enrname = indicator_name(ind);
	n->enrtuples = estimate;
	for (k = 0; k < ind->nkeys; k++)
	{
		n->coltypes = lappend_oid(n->coltypes, ind->keytypes[k]);
		n->coltypmods = lappend_int(n->coltypmods, -1);
		n->colcollations = lappend_oid(n->colcollations, ind->keycolls[k]);
		colnames = lappend(colnames, makeString(psprintf("k%d", k + 1)));
	}
	n->coltypes = lappend_oid(n->coltypes, INT8OID);
	n->coltypmods = lappend_int(n->coltypmods, -1);
	n->colcollations = lappend_oid(n->colcollations, InvalidOid);
	colnames = lappend(colnames, makeString(pstrdup("w")));
	n->eref = makeAlias(n->enrname, colnames);
	n->inFromCl = true;
	q->rtable = lappend(q->rtable, n);
	rtindex = list_length(q->rtable);
	q->jointree->fromlist = lappend(q->jointree->fromlist, make_range_ref(rtindex));
	foreach(lo, u->outer)
	{
		k = foreach_current_index(lo);
		*quals = lappend(*quals,
						 key_condition(u, k, (Expr *) copyObject(lfirst(lo)),
									   (Expr *) makeVar(rtindex, k + 1, ind->keytypes[k], -1,
														ind->keycolls[k], 0)));
	}
	return (Expr *) makeVar(rtindex, ind->nkeys + 1, INT8OID, -1, InvalidOid, 0);
}

/*
 * The query of one term: the view's FROM and WHERE (or one component's),
 * returning the circuit row and the weight of every delta input;
 * optionally restricted to one group (keynull given) with the key as
 * parameters $1..$n.
 */
static Query *
term_query(Circuit *c, Component *comp, uint32 mask, bool *keynull,
		   double estimate)
{
	Query	   *q = copyObject(comp ? comp->query : c->joins.joinquery);
	List	   *rownodes = comp ? comp->rownodes : c->joins.rownodes;
	List	   *tlist = NIL;
	ListCell   *lc;
	int			resno = 0;
	int			rtindex;
	int			nrtes = list_length(q->rtable);

	foreach(lc, rownodes)
	{
		resno++;
		tlist = lappend(tlist, makeTargetEntry(copyObject(lfirst(lc)), resno,
											   psprintf("c%d", resno), false));
	}
	for (rtindex = 1; rtindex <= nrtes; rtindex++)
	{
		if (!(mask & (((uint32) 1) << (rtindex - 1))))
			continue;
		read_delta(q, rtindex, estimate);
		resno++;
		tlist = lappend(tlist,
						makeTargetEntry((Expr *) makeVar(rtindex, c->joins.input_natts[rtindex - 1] + 1,
														 INT8OID, -1, InvalidOid, 0),
										resno, psprintf("w%d", rtindex), false));
	}
	if (comp)
	{
		List	   *quals = NIL;

		foreach(lc, comp->uses)
		{
			IndicatorUse *u = (IndicatorUse *) lfirst(lc);

			if (mask & (((uint32) 1) << u->ind->bit))
			{
				resno++;
				tlist = lappend(tlist, makeTargetEntry(indicator_delta_join(q, u, &quals, estimate),
													   resno, psprintf("i%d", u->ind->id),
													   false));
			}
			else
			{
				quals = lappend(quals, indicator_exists(u));
				q->hasSubLinks = true;
			}
		}
		if (q->jointree->quals)
			quals = lappend(quals, q->jointree->quals);
		if (quals)
			q->jointree->quals = (Node *) make_ands_explicit(quals);
	}
	query_keep_from_where(q, tlist, false);

	if (keynull)
		restrict_to_group(c, q, keynull);
	return q;
}

static PlannedStmt *
term_plan(Circuit *c, Component *comp, uint32 mask, bool *keynull,
		  double estimate)
{
	uint64		nullmask = 0;
	TermPlan   *t;
	MemoryContext tmp,
				old;
	PlannedStmt *stmt;
	int			ci = comp ? comp->index : -1;

	if (keynull)
		nullmask = key_null_mask(keynull, c->grouped.ngroup);
	for (t = c->joins.terms; t; t = t->next)
		if (t->comp == ci && t->mask == mask && t->keyed == (keynull != NULL) &&
			t->nullmask == nullmask && t->estimate == estimate)
			return t->stmt;

	tmp = AllocSetContextCreate(CurrentMemoryContext, "stepping term planning",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(tmp);
	stmt = pg_plan_query(term_query(c, comp, mask, keynull, estimate), c->query_sql, 0, NULL);
	MemoryContextSwitchTo(c->cxt);
	t = palloc0(sizeof(TermPlan));
	t->comp = ci;
	t->mask = mask;
	t->estimate = estimate;
	t->keyed = (keynull != NULL);
	t->nullmask = nullmask;
	t->stmt = copyObject(stmt);
	t->next = c->joins.terms;
	c->joins.terms = t;
	MemoryContextSwitchTo(old);
	MemoryContextDelete(tmp);
	return t->stmt;
}

static bool
term_receive(TupleTableSlot *slot, DestReceiver *self)
{
	TermReceiver *r = (TermReceiver *) self;
	Circuit    *c = r->c;
	int64		w = r->sign;
	int			j;

	slot_getallattrs(slot);
	for (j = 0; j < r->nweights; j++)
	{
		if (pg_mul_s64_overflow(w, DatumGetInt64(slot->tts_values[c->nrowcols + j]), &w))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("a row's multiplicity is out of range")));
	}
	if (w != 0)
		r->emit(c, slot->tts_values, slot->tts_isnull, w, r->arg);
	return true;
}

static void
term_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
}

static void
term_noop(DestReceiver *self)
{
}

static void
run_term(Circuit *c, PlannedStmt *stmt, QueryEnvironment *env,
		 ParamListInfo params, int64 sign, EmitRow emit, void *arg)
{
	TermReceiver r;
	QueryDesc  *qd;

	memset(&r, 0, sizeof(r));
	r.pub.receiveSlot = term_receive;
	r.pub.rStartup = term_startup;
	r.pub.rShutdown = term_noop;
	r.pub.rDestroy = term_noop;
	r.pub.mydest = DestNone;
	r.c = c;
	r.sign = sign;
	r.emit = emit;
	r.arg = arg;
	r.nweights = list_length(stmt->planTree->targetlist) - c->nrowcols;

	qd = CreateQueryDesc(stmt, c->query_sql, GetActiveSnapshot(),
						 InvalidSnapshot, (DestReceiver *) &r, params, env, 0);
	ExecutorStart(qd, 0);
	ExecutorRun(qd, ForwardScanDirection, 0, true);
	ExecutorFinish(qd);
	ExecutorEnd(qd);
	FreeQueryDesc(qd);
}

static void
emit_to_zset(Circuit *c, Datum *values, bool *isnull, int64 weight, void *arg)
{
	circuit_emit((RunState *) arg, values, isnull, weight);
}

/* Lock every input for reading, as the parser would for the query. */
static void
lock_inputs(Circuit *c)
{
	ListCell   *lc;

	foreach(lc, c->inputs)
		LockRelationOid(lfirst_oid(lc), AccessShareLock);
}

/* Register one delta relation per changed table. */
static QueryEnvironment *
delta_environment(Circuit *c, DeltaSource *src, uint32 *changed, List **stores,
				  double *nrows)
{
	QueryEnvironment *env = create_queryEnv();
	ListCell   *lc;
	int			rtindex;

	*changed = 0;
	*nrows = 0;
	foreach(lc, c->inputs)
	{
		Oid			relid = lfirst_oid(lc);
		List	   *chunks = delta_chunks_of(src, relid);
		Relation	rel;
		TupleDesc	desc;
		Tuplestorestate *ts;
		TupleTableSlot *in,
				   *out;
		EphemeralNamedRelation enr;
		double		n = 0;
		int			pos = 0;
		DeltaChunk *chunk;
		Tuplestorestate *rows;
		int			weight;

		if (chunks == NIL)
			continue;
		rel = table_open(relid, NoLock);
		desc = delta_desc(c, rel);
		ts = tuplestore_begin_heap(false, false, work_mem);
		in = MakeSingleTupleTableSlot(RelationGetDescr(rel), &TTSOpsMinimalTuple);
		out = MakeSingleTupleTableSlot(desc, &TTSOpsVirtual);
		while (delta_next_rows(chunks, &pos, &chunk, &rows, &weight))
		{
			tuplestore_rescan(rows);
			while (tuplestore_gettupleslot(rows, true, false, in))
			{
				int			natts = desc->natts - 1;

				slot_getallattrs(in);
				ExecClearTuple(out);
				memcpy(out->tts_values, in->tts_values, sizeof(Datum) * natts);
				memcpy(out->tts_isnull, in->tts_isnull, sizeof(bool) * natts);
				out->tts_values[natts] = Int64GetDatum(weight);
				out->tts_isnull[natts] = false;
				ExecStoreVirtualTuple(out);
				tuplestore_puttupleslot(ts, out);
				n++;
			}
		}
		ExecDropSingleTupleTableSlot(in);
		ExecDropSingleTupleTableSlot(out);
		table_close(rel, NoLock);

		enr = palloc0(sizeof(EphemeralNamedRelationData));
		enr->md.name = delta_name(relid);
		enr->md.reliddesc = InvalidOid;
		enr->md.tupdesc = desc;
		enr->md.enrtype = ENR_NAMED_TUPLESTORE;
		enr->md.enrtuples = n;
		enr->reldata = ts;
		*nrows += n;
		register_ENR(env, enr);
		*stores = lappend(*stores, ts);

		for (rtindex = 1; rtindex <= c->joins.nrtes; rtindex++)
			if (c->joins.rte_relid[rtindex - 1] == relid)
				*changed |= ((uint32) 1) << (rtindex - 1);
	}

	/* semijoin factors whose keys appeared or disappeared */
	foreach(lc, c->joins.indicators)
	{
		Indicator  *ind = (Indicator *) lfirst(lc);
		EphemeralNamedRelation enr;

		if (!semijoin_delta(c, ind, src))
			continue;
		enr = palloc0(sizeof(EphemeralNamedRelationData));
		enr->md.name = indicator_name(ind);
		enr->md.reliddesc = InvalidOid;
		enr->md.tupdesc = ind->deltadesc;
		enr->md.enrtype = ENR_NAMED_TUPLESTORE;
		enr->md.enrtuples = tuplestore_tuple_count(ind->delta);
		*nrows += enr->md.enrtuples;
		enr->reldata = ind->delta;
		register_ENR(env, enr);
		*stores = lappend(*stores, ind->delta);
		*changed |= ((uint32) 1) << ind->bit;
	}
	return env;
}

typedef struct TermCoef
{
	uint32		mask;
	int64		coef;
} TermCoef;

static void
add_term(List **terms, uint32 mask, int64 coef)
{
	ListCell   *lc;
	TermCoef   *t;

	foreach(lc, *terms)
	{
		t = (TermCoef *) lfirst(lc);
		if (t->mask == mask)
		{
			t->coef += coef;
			return;
		}
	}
	t = palloc(sizeof(TermCoef));
	t->mask = mask;
	t->coef = coef;
	*terms = lappend(*terms, t);
}

/* The terms of the delta, for a set of changed inputs. */
static List *
delta_terms(uint32 changed)
{
	List	   *terms = NIL;
	int			bits[STEPPING_MAX_INPUTS];
	int			k = 0,
				p,
				b;

	StaticAssertStmt(STEPPING_MAX_INPUTS <= 32, "changed inputs are a uint32 mask");
	for (b = 0; b < STEPPING_MAX_INPUTS; b++)
		if (changed & (((uint32) 1) << b))
			bits[k++] = b;
	for (p = 0; p < k; p++)
	{
		int			nlater = k - p - 1;
		uint32		nsubsets = ((uint32) 1) << nlater;
		uint32		subset;

		/* inputs after p are old = new - delta: expand the product */
		for (subset = 0; subset < nsubsets; subset++)
		{
			uint32		mask = ((uint32) 1) << bits[p];
			int			chosen = 0;

			for (b = 0; b < nlater; b++)
				if (subset & (((uint32) 1) << b))
				{
					mask |= ((uint32) 1) << bits[p + 1 + b];
					chosen++;
				}
			add_term(&terms, mask, (chosen % 2) ? -1 : 1);
		}
	}
	return terms;
}

/* Run one product's delta terms: a component's, or the whole join's. */
static void
run_terms(Circuit *c, Component *comp, uint32 changed, QueryEnvironment *env,
		  double estimate, RunState *rs)
{
	List	   *terms = delta_terms(changed);
	ListCell   *lc;

	foreach(lc, terms)
	{
		TermCoef   *t = (TermCoef *) lfirst(lc);
		int64		sign = comp ? t->coef * comp->coef : t->coef;

		if (t->coef == 0)
			continue;
		run_term(c, term_plan(c, comp, t->mask, NULL, estimate), env, NULL, sign,
				 emit_to_zset, rs);
	}
}

/* The component's inputs that changed: its tables and its indicators. */
static uint32
component_changed(Component *comp, uint32 changed)
{
	uint32		mask = changed & comp->used;
	ListCell   *lc;

	foreach(lc, comp->uses)
	{
		uint32		bit = ((uint32) 1) << ((IndicatorUse *) lfirst(lc))->ind->bit;

		mask |= changed & bit;
	}
	return mask;
}

/*
 * The delta size a term's plan is made for: the fixed small estimate (index
 * probes) up to 100 rows, else the step's rows rounded up to a power of ten,
 * so that a large statement gets hash or merge joins and each size class
 * is planned once.
 */
static double
plan_estimate(double nrows)
{
	double		estimate = DELTA_ROW_ESTIMATE;

	if (nrows <= DELTA_ROW_ESTIMATE * 10)
		return estimate;
	while (estimate < nrows)
		estimate *= 10;
	return estimate;
}

/*
 * The range table index of the one input that changed in this step, when
 * the view is an inner join (not decomposed) and that input appears once in
 * it, else 0.  Its delta is then one term of sign +1: the view's delta has
 * the signs of the input's rows.
 */
int
join_single_changed_input(Circuit *c, DeltaSource *src)
{
	int			changed_rt = 0;
	int			rt;

	if (c->joins.decomposed)
		return 0;
	for (rt = 1; rt <= c->joins.nrtes; rt++)
	{
		if (!OidIsValid(c->joins.rte_relid[rt - 1]) ||
			delta_chunks_of(src, c->joins.rte_relid[rt - 1]) == NIL)
			continue;
		if (changed_rt != 0)
			return 0;
		changed_rt = rt;
	}
	return changed_rt;
}

/*
 * A step in which one input changed, one that appears once in the join:
 * its captured rows probe the other inputs in C (probe.c) when a probe plan
 * was made for it.  One term over one statement's rows can be applied in
 * batches (see circuit.c).
 */
static bool
probe_single_input(Circuit *c, DeltaSource *src, RunState *rs)
{
	List	   *chunks;
	int			changed_rt = join_single_changed_input(c, src);

	if (changed_rt == 0 || c->joins.probes == NULL || c->joins.probes[changed_rt - 1] == NULL)
		return false;
	chunks = delta_chunks_of(src, c->joins.rte_relid[changed_rt - 1]);
	if (delta_chunks_rows(chunks) > PROBE_MAX_ROWS)
		return false;
	rs->can_batch = (list_length(chunks) == 1 &&
					 !((DeltaChunk *) linitial(chunks))->unordered);
	return probe_input_delta(c, changed_rt, chunks, rs);
}

/* Feed the view's delta for a closed step into the run's Z-set. */
void
join_feed_deltas(Circuit *c, DeltaSource *src, RunState *rs)
{
	uint32		changed;
	QueryEnvironment *env;
	List	   *terms;
	List	   *stores = NIL;
	ListCell   *lc;
	int			nterms = 0;
	double		nrows;
	double		estimate;

	lock_inputs(c);
	if (probe_single_input(c, src, rs))
		return;
	env = delta_environment(c, src, &changed, &stores, &nrows);
	estimate = plan_estimate(nrows);
	rs->can_batch = false;
	if (c->joins.decomposed)
	{
		/* a sum of products: rows of one may cancel rows of another */
		foreach(lc, c->joins.components)
		{
			Component  *comp = (Component *) lfirst(lc);
			uint32		mask = component_changed(comp, changed);

			if (mask != 0)
				run_terms(c, comp, mask, env, estimate, rs);
		}
	}
	else
	{
		terms = delta_terms(changed);
		foreach(lc, terms)
			if (((TermCoef *) lfirst(lc))->coef != 0)
				nterms++;

		/*
		 * One term over one statement's rows: every negative row is a row
		 * the view holds (see circuit.c).  Several statements' rows may
		 * delete what an earlier one inserted, and the plan may return them
		 * in any order.
		 */
		if (nterms == 1)
		{
			int			changed_tables = 0;
			bool		one_chunk = true;

			foreach(lc, c->inputs)
			{
				List	   *chunks = delta_chunks_of(src, lfirst_oid(lc));

				if (chunks != NIL)
				{
					changed_tables++;
					one_chunk &= (list_length(chunks) == 1 &&
								  !((DeltaChunk *) linitial(chunks))->unordered);
				}
			}
			rs->can_batch = (changed_tables == 1 && one_chunk);
		}
		run_terms(c, NULL, changed, env, estimate, rs);
	}
	/* spilled deltas give their temporary files back now */
	foreach(lc, stores)
		tuplestore_end((Tuplestorestate *) lfirst(lc));
	foreach(lc, c->joins.indicators)
		((Indicator *) lfirst(lc))->delta = NULL;
}

/* Feed the whole query's rows (weight +1 each), for a refresh. */
void
join_feed_full(Circuit *c, RunState *rs)
{
	lock_inputs(c);
	run_term(c, term_plan(c, NULL, 0, NULL, DELTA_ROW_ESTIMATE), NULL, NULL, 1, emit_to_zset, rs);
}

static void
emit_to_group(Circuit *c, Datum *values, bool *isnull, int64 weight, void *arg)
{
	aggregate_fold(c, (RowHash *) arg, values, isnull, weight);
}

/* The group key as parameters $1..$n: its non-NULL columns, in order. */
static ParamListInfo
group_key_params(Circuit *c, Datum *keys, bool *keynull)
{
	ParamListInfo params;
	int			k,
				n = 0;

	for (k = 0; k < c->grouped.ngroup; k++)
		if (!keynull[k])
			n++;
	params = makeParamList(n);
	n = 0;
	for (k = 0; k < c->grouped.ngroup; k++)
	{
		if (keynull[k])
			continue;
		params->params[n].value = keys[k];
		params->params[n].isnull = false;
		params->params[n].pflags = PARAM_FLAG_CONST;
		params->params[n].ptype = c->rowtypes[k];
		n++;
	}
	return params;
}

/* Fold every row of one group, from the base tables, into groups. */
void
join_fold_group(Circuit *c, Datum *keys, bool *keynull, RowHash *groups)
{
	PlannedStmt *stmt = term_plan(c, NULL, 0, keynull, DELTA_ROW_ESTIMATE);
	ParamListInfo params = group_key_params(c, keys, keynull);

	lock_inputs(c);
	run_term(c, stmt, NULL, params, 1, emit_to_group, groups);
}

void
join_free_plans(Circuit *c)
{
	c->joins.terms = NULL;			/* they live in the circuit's context */
}

/* ----------------------------------------------------------------
 * Index advice: a join column without an index makes every change to the
 * other side scan this table.
 * ----------------------------------------------------------------
 */

typedef struct JoinColumn
{
	Oid			relid;
	AttrNumber	attno;
} JoinColumn;

static Var *
plain_var(Node *n)
{
	n = strip_relabel(n);
	return (n && IsA(n, Var) && ((Var *) n)->varlevelsup == 0) ? (Var *) n : NULL;
}

static void
add_join_column(Circuit *c, List **cols, Var *v)
{
	ListCell   *lc;
	JoinColumn *jc;
	Oid			relid;

	if (v->varno < 1 || v->varno > c->joins.nrtes || v->varattno <= 0)
		return;
	relid = c->joins.rte_relid[v->varno - 1];
	if (!OidIsValid(relid))
		return;
	foreach(lc, *cols)
	{
		jc = (JoinColumn *) lfirst(lc);
		if (jc->relid == relid && jc->attno == v->varattno)
			return;
	}
	jc = palloc(sizeof(JoinColumn));
	jc->relid = relid;
	jc->attno = v->varattno;
	*cols = lappend(*cols, jc);
}

static bool
join_columns_walker(Node *node, void *context)
{
	void	  **ctx = (void **) context;
	Circuit    *c = (Circuit *) ctx[0];
	List	  **cols = (List **) ctx[1];

	if (node == NULL)
		return false;
	if (IsA(node, OpExpr) && list_length(((OpExpr *) node)->args) == 2)
	{
		Var		   *l = plain_var(linitial(((OpExpr *) node)->args));
		Var		   *r = plain_var(lsecond(((OpExpr *) node)->args));

		if (l && r && l->varno != r->varno)
		{
			add_join_column(c, cols, l);
			add_join_column(c, cols, r);
		}
	}
	if (IsA(node, Query))
		return false;
	return expression_tree_walker(node, join_columns_walker, context);
}

static bool
has_leading_index(Oid relid, AttrNumber attno)
{
	Relation	rel = table_open(relid, AccessShareLock);
	List	   *indexes = RelationGetIndexList(rel);
	ListCell   *lc;
	bool		found = false;

	foreach(lc, indexes)
	{
		Relation	idx = index_open(lfirst_oid(lc), AccessShareLock);

		if (idx->rd_index->indnkeyatts > 0 &&
			idx->rd_index->indkey.values[0] == attno &&
			idx->rd_indpred == NIL)
			found = true;
		index_close(idx, AccessShareLock);
		if (found)
			break;
	}
	table_close(rel, AccessShareLock);
	return found;
}

/*
 * The CREATE INDEX statements that would make maintenance of a join view
 * proportional to the change.
 */
List *
join_index_advice(Circuit *c)
{
	List	   *cols = NIL;
	List	   *advice = NIL;
	void	   *ctx[2];
	ListCell   *lc;
	Node	   *quals;

	ctx[0] = c;
	ctx[1] = &cols;
	quals = flatten_join_alias_vars(c->joins.joinquery, (Node *) c->joins.joinquery->jointree);
	(void) join_columns_walker(quals, ctx);
	foreach(lc, cols)
	{
		JoinColumn *jc = (JoinColumn *) lfirst(lc);

		if (!has_leading_index(jc->relid, jc->attno))
			advice = lappend(advice,
							 psprintf("CREATE INDEX ON %s (%s);",
									  qualified_relname(jc->relid),
									  quote_identifier(get_attname(jc->relid, jc->attno, false))));
	}
	return advice;
}

/* ----------------------------------------------------------------
 * Generic aggregates of one group, computed by a plan of the view's
 * FROM/WHERE restricted to the group.
 * ----------------------------------------------------------------
 */

typedef struct ValuesReceiver
{
	DestReceiver pub;
	int			n;
	Datum	   *out;
	bool	   *outnull;
	bool		got;
	MemoryContext cxt;			/* the caller's: copies outlive the executor */
} ValuesReceiver;

static bool
values_receive(TupleTableSlot *slot, DestReceiver *self)
{
	ValuesReceiver *r = (ValuesReceiver *) self;
	MemoryContext old = MemoryContextSwitchTo(r->cxt);
	int			i;

	slot_getallattrs(slot);
	for (i = 0; i < r->n; i++)
	{
		Form_pg_attribute att = TupleDescAttr(slot->tts_tupleDescriptor, i);

		r->outnull[i] = slot->tts_isnull[i];
		r->out[i] = r->outnull[i] ? (Datum) 0
			: datumCopy(slot->tts_values[i], att->attbyval, att->attlen);
	}
	r->got = true;
	MemoryContextSwitchTo(old);
	return true;
}

static TermPlan *generic_plans_for(Circuit *c, bool *keynull);

/* Append the view's generic aggregates to tlist, numbered on from *resno. */
static List *
append_generic_aggregates(Circuit *c, List *tlist, int *resno)
{
	int			i;

	for (i = 0; i < c->grouped.naggs; i++)
		if (c->grouped.aggs[i].kind == AGG_GENERIC)
		{
			(*resno)++;
			tlist = lappend(tlist, makeTargetEntry(copyObject((Expr *) c->grouped.aggs[i].aggref),
												   *resno, psprintf("a%d", *resno), false));
		}
	return tlist;
}

/* Run a plan of the view's tables into a receiver, through the active snapshot. */
static void
run_plan_into(Circuit *c, PlannedStmt *stmt, DestReceiver *dest, ParamListInfo params)
{
	QueryDesc  *qd;

	dest->rStartup = term_startup;
	dest->rShutdown = term_noop;
	dest->rDestroy = term_noop;
	dest->mydest = DestNone;
	lock_inputs(c);
	qd = CreateQueryDesc(stmt, c->query_sql, GetActiveSnapshot(),
						 InvalidSnapshot, dest, params, NULL, 0);
	ExecutorStart(qd, 0);
	ExecutorRun(qd, ForwardScanDirection, 0, true);
	ExecutorFinish(qd);
	ExecutorEnd(qd);
	FreeQueryDesc(qd);
}

/* Rows of the grouped query of a refresh go into the map (aggregate.c). */
typedef struct MapReceiver
{
	DestReceiver pub;
	Circuit    *c;
	RowHash    *map;
} MapReceiver;

static bool
map_receive(TupleTableSlot *slot, DestReceiver *self)
{
	MapReceiver *r = (MapReceiver *) self;

	generic_map_add(r->c, r->map, slot);
	return true;
}

/*
 * Every group's generic aggregates with one plan of the view's FROM/WHERE
 * grouped by its keys, for a refresh: a group at a time would run the
 * join once per group.
 */
void
join_generic_values_all(Circuit *c, RowHash *map)
{
	Query	   *src = c->joins.joinquery;
	Query	   *q;
	List	   *tlist = NIL;
	List	   *groups;
	ListCell   *lc;
	int			resno = 0;
	PlannedStmt *stmt;
	MapReceiver r;

	/* (an empty map sends every group to its own query) */
	if (list_length(src->groupClause) != c->grouped.ngroup || src->groupingSets)
		return;
	q = copyObject(src);
	groups = copyObject(src->groupClause);
	/* the keys, in the group clause's order (the circuit row's), then the aggregates */
	foreach(lc, src->groupClause)
	{
		TargetEntry *tle = copyObject(get_sortgroupclause_tle((SortGroupClause *) lfirst(lc),
															  src->targetList));

		tle->resno = ++resno;
		tle->resjunk = false;
		tlist = lappend(tlist, tle);
	}
	tlist = append_generic_aggregates(c, tlist, &resno);
	query_keep_from_where(q, tlist, true);
	q->groupClause = groups;
	stmt = pg_plan_query(q, c->query_sql, 0, NULL);

	memset(&r, 0, sizeof(r));
	r.pub.receiveSlot = map_receive;
	r.c = c;
	r.map = map;
	run_plan_into(c, stmt, (DestReceiver *) &r, NULL);
}

void
join_generic_values(Circuit *c, Datum *keys, bool *keynull, Datum *out,
					bool *outnull)
{
	TermPlan   *t = generic_plans_for(c, keynull);
	ParamListInfo params = group_key_params(c, keys, keynull);
	ValuesReceiver r;

	memset(&r, 0, sizeof(r));
	r.pub.receiveSlot = values_receive;
	r.n = c->grouped.ngeneric;
	r.out = out;
	r.outnull = outnull;
	r.cxt = CurrentMemoryContext;
	run_plan_into(c, t->stmt, (DestReceiver *) &r, params);
	if (!r.got)
		elog(ERROR, "computing a group's aggregates returned no row");
}

static TermPlan *
generic_plans_for(Circuit *c, bool *keynull)
{
	uint64		nullmask = 0;
	TermPlan   *t;
	MemoryContext tmp,
				old;
	Query	   *q;
	List	   *tlist = NIL;
	int			resno = 0;

	nullmask = key_null_mask(keynull, c->grouped.ngroup) | STEPPING_GENERIC_PLAN_BIT;
	for (t = c->joins.terms; t; t = t->next)
		if (t->keyed && t->nullmask == nullmask)
			return t;

	tmp = AllocSetContextCreate(CurrentMemoryContext, "stepping aggregate planning",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(tmp);
	q = copyObject(c->joins.joinquery);
	tlist = append_generic_aggregates(c, tlist, &resno);
	query_keep_from_where(q, tlist, true);
	restrict_to_group(c, q, keynull);

	t = NULL;
	{
		PlannedStmt *stmt = pg_plan_query(q, c->query_sql, 0, NULL);

		MemoryContextSwitchTo(c->cxt);
		t = palloc0(sizeof(TermPlan));
		t->comp = -2;
		t->mask = 0;
		t->keyed = true;
		t->nullmask = nullmask;
		t->stmt = copyObject(stmt);
		t->next = c->joins.terms;
		c->joins.terms = t;
	}
	MemoryContextSwitchTo(old);
	MemoryContextDelete(tmp);
	return t;
}
