/*-------------------------------------------------------------------------
 *
 * probe.c
 *	  Index nested-loop terms run in C: when one input of an inner join
 *	  changed, each delta row probes the other inputs through their indexes,
 *	  one after the other, without a PostgreSQL plan.
 *
 *	  A term that reads one input from the delta and every other input from
 *	  its table is the common case of a step (one statement changed one
 *	  table).  Through the executor it costs an ExecutorStart and
 *	  ExecutorEnd per step, several times the cost of the index probes
 *	  themselves when a statement changed a row or two.  Here the probe
 *	  order, the scan keys and every expression are prepared once per
 *	  circuit; a step only opens the index scans and runs them, reading the
 *	  captured transition rows as they are.
 *
 *	  The joined row lives in one wide virtual slot: each input's columns at
 *	  an offset, so that conditions and the circuit row are ordinary
 *	  expressions over a single scan tuple.  Every condition of the join is
 *	  evaluated at the first level where its inputs are bound, the ones used
 *	  as scan keys included, so the result equals the plan's.
 *
 *	  A join qualifies when it is inner, over tables only, without subquery
 *	  expressions, and every input other than the changed one can be reached
 *	  by equalities to the leading columns of one of its btree indexes.
 *	  Anything else runs its planned term (join.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/nbtree.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parsetree.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "stepping.h"

/* One input probed through an index, given the inputs bound before it. */
typedef struct ProbeLevel
{
	int			rtindex;
	Oid			relid;
	Oid			indexid;
	int			nkeys;
	ScanKeyData *keys;			/* templates; sk_argument set per probe */
	ExprState **keyexprs;		/* over the wide slot */
	ExprState  *qual;			/* conditions first bound here, or NULL */
	int			offset;			/* first wide column of this input */
	int			natts;			/* columns of the input read */
} ProbeLevel;

typedef struct ProbePlan
{
	int			delta_rt;		/* the input read from the delta */
	int			delta_natts;	/* its table's columns */
	TupleDesc	delta_desc;		/* its table's rows, as captured */
	int			delta_offset;
	ExprState  *qual0;			/* conditions over the delta input alone */
	int			nlevels;
	ProbeLevel *levels;
	TupleDesc	widedesc;
	ExprState **rowexprs;		/* the circuit row */
	List	   *rtable;			/* for the permission check */
	char	   *display;		/* for explain_view */
} ProbePlan;

/* ----------------------------------------------------------------
 * Preparing a plan
 * ----------------------------------------------------------------
 */

typedef struct WideContext
{
	int		   *offsets;		/* per range table entry, or -1 */
	int		   *maxatt;			/* per range table entry: columns read */
} WideContext;

/* Whether an expression can be evaluated here: no subqueries, no system columns. */
static bool
unsupported_walker(Node *node, WideContext *cx)
{
	if (node == NULL)
		return false;
	if (IsA(node, Var))
	{
		Var		   *v = (Var *) node;

		if (v->varlevelsup != 0 || v->varattno <= 0 ||
			v->varno < 1 || cx->offsets[v->varno - 1] < 0)
			return true;
		cx->maxatt[v->varno - 1] = Max(cx->maxatt[v->varno - 1], v->varattno);
		return false;
	}
	if (IsA(node, SubLink) || IsA(node, SubPlan) || IsA(node, AlternativeSubPlan) ||
		IsA(node, PlaceHolderVar) || IsA(node, Aggref) || IsA(node, WindowFunc) ||
		IsA(node, GroupingFunc) || IsA(node, Param) || IsA(node, CurrentOfExpr))
		return true;
	return expression_tree_walker(node, unsupported_walker, cx);
}

/* Vars of input rt become columns of the wide scan tuple. */
static Node *
widen_mutator(Node *node, WideContext *cx)
{
	if (node == NULL)
		return NULL;
	if (IsA(node, Var))
	{
		Var		   *v = (Var *) copyObject(node);

		v->varattno = cx->offsets[v->varno - 1] + v->varattno;
		v->varno = 1;
		v->varnosyn = 0;
		v->varattnosyn = 0;
		return (Node *) v;
	}
	return expression_tree_mutator(node, widen_mutator, cx);
}

static ExprState *
prepare_expr(Expr *expr, WideContext *cx)
{
	return ExecInitExpr(expression_planner((Expr *) widen_mutator((Node *) expr, cx)), NULL);
}

static ExprState *
prepare_qual(List *conjuncts, WideContext *cx)
{
	Node	   *widened = widen_mutator((Node *) conjuncts, cx);

	return ExecInitQual((List *) expression_planner((Expr *) widened), NULL);
}

/*
 * The range table entries an expression reads.  No PlannerInfo is needed:
 * expressions with placeholders never get here (unsupported_walker).
 */
static Bitmapset *
varnos_of(Node *node)
{
	return pull_varnos(NULL, node);
}

/*
 * The conjunct's operand matched to index column (rt, attno) by an equality
 * of the index column's operator family, with the other operand bound;
 * fills the scan key template.
 */
static Expr *
match_key(Expr *conj, int rt, AttrNumber attno, Oid opfamily, Oid idxcoll,
		  Bitmapset *bound, ScanKey key, int keyno)
{
	OpExpr	   *op = (OpExpr *) conj;
	int			side;

	if (!IsA(op, OpExpr) || list_length(op->args) != 2)
		return NULL;
	for (side = 0; side < 2; side++)
	{
		Node	   *col = strip_relabel(list_nth(op->args, side));
		Expr	   *other = list_nth(op->args, 1 - side);
		Oid			opno = side == 0 ? op->opno : get_commutator(op->opno);
		int			strategy;
		Oid			lefttype,
					righttype;

		if (!IsA(col, Var) || ((Var *) col)->varno != rt ||
			((Var *) col)->varattno != attno || ((Var *) col)->varlevelsup != 0 ||
			!OidIsValid(opno) || !op_in_opfamily(opno, opfamily) ||
			!bms_is_subset(varnos_of((Node *) other), bound) ||
			contain_volatile_functions((Node *) other) ||
			(OidIsValid(idxcoll) && idxcoll != op->inputcollid))
			continue;
		get_op_opfamily_properties(opno, opfamily, false, &strategy, &lefttype, &righttype);
		if (strategy != BTEqualStrategyNumber || righttype != exprType((Node *) other))
			continue;
		ScanKeyEntryInitialize(key, 0, keyno, strategy, righttype, op->inputcollid,
							   get_opcode(opno), (Datum) 0);
		return other;
	}
	return NULL;
}

/*
 * The best index of input rt given the bound inputs: a unique index with
 * every column matched, else the longest matched prefix.  Returns the
 * number of keys (0: none) and fills keys/keyexprs.
 */
static int
choose_index(Oid relid, int rt, List *quals, Bitmapset *bound, Oid *indexid,
			 bool *unique, ScanKeyData *keys, Expr **keyexprs)
{
	Relation	rel = table_open(relid, AccessShareLock);
	ListCell   *lc;
	int			best = 0;

	*unique = false;
	foreach(lc, RelationGetIndexList(rel))
	{
		Relation	idx = index_open(lfirst_oid(lc), AccessShareLock);
		ScanKeyData k[INDEX_MAX_KEYS];
		Expr	   *e[INDEX_MAX_KEYS];
		int			n = 0;
		bool		full;

		if (idx->rd_rel->relam == BTREE_AM_OID && idx->rd_index->indisvalid &&
			idx->rd_index->indisready && RelationGetIndexPredicate(idx) == NIL)
		{
			for (n = 0; n < idx->rd_index->indnkeyatts; n++)
			{
				AttrNumber	attno = idx->rd_index->indkey.values[n];
				ListCell   *lq;

				e[n] = NULL;
				if (attno <= 0)
					break;
				foreach(lq, quals)
					if ((e[n] = match_key(lfirst(lq), rt, attno, idx->rd_opfamily[n],
										  idx->rd_indcollation[n], bound, &k[n], n + 1)))
						break;
				if (e[n] == NULL)
					break;
			}
		}
		full = (n > 0 && n == idx->rd_index->indnkeyatts);
		if (n > 0 && ((full && idx->rd_index->indisunique && !*unique) ||
					  (!*unique && n > best)))
		{
			best = n;
			*unique = full && idx->rd_index->indisunique;
			*indexid = RelationGetRelid(idx);
			memcpy(keys, k, sizeof(ScanKeyData) * n);
			memcpy(keyexprs, e, sizeof(Expr *) * n);
		}
		index_close(idx, AccessShareLock);
	}
	table_close(rel, AccessShareLock);
	return best;
}

/*
 * The next level of a probe order: of the inputs not bound yet, the one
 * reached through the best usable index (unique and fully matched first,
 * then the longest matched prefix) by equalities to what is bound.  False
 * if no index reaches any of them (the term is planned instead).
 */
static bool
choose_probe_level(Circuit *c, WideContext *cx, List *quals, Bitmapset **bound,
				   ProbePlan *pp, StringInfo disp)
{
	int			rt;
	ProbeLevel *lv = &pp->levels[pp->nlevels];
	int			bestrt = 0,
				bestn = 0;
	bool		bestunique = false;
	Oid			bestidx = InvalidOid;
	ScanKeyData bestkeys[INDEX_MAX_KEYS];
	Expr	   *bestexprs[INDEX_MAX_KEYS];
	int			k;

	for (rt = 1; rt <= c->joins.nrtes; rt++)
	{
		ScanKeyData keys[INDEX_MAX_KEYS];
		Expr	   *exprs[INDEX_MAX_KEYS];
		Oid			idx = InvalidOid;
		bool		unique;
		int			n;

		if (cx->offsets[rt - 1] < 0 || bms_is_member(rt, *bound))
			continue;
		n = choose_index(c->joins.rte_relid[rt - 1], rt, quals, *bound, &idx, &unique,
						 keys, exprs);
		if (n > 0 && ((unique && !bestunique) || (unique == bestunique && n > bestn)))
		{
			bestrt = rt;
			bestn = n;
			bestunique = unique;
			bestidx = idx;
			memcpy(bestkeys, keys, sizeof(ScanKeyData) * n);
			memcpy(bestexprs, exprs, sizeof(Expr *) * n);
		}
	}
	if (bestrt == 0)
		return false;			/* an input no index reaches: plan it */
	lv->rtindex = bestrt;
	lv->relid = c->joins.rte_relid[bestrt - 1];
	lv->indexid = bestidx;
	lv->nkeys = bestn;
	lv->keys = palloc(sizeof(ScanKeyData) * bestn);
	memcpy(lv->keys, bestkeys, sizeof(ScanKeyData) * bestn);
	lv->keyexprs = palloc(sizeof(ExprState *) * bestn);
	for (k = 0; k < bestn; k++)
		lv->keyexprs[k] = prepare_expr(bestexprs[k], cx);
	lv->offset = cx->offsets[bestrt - 1];
	lv->natts = cx->maxatt[bestrt - 1];
	*bound = bms_add_member(*bound, bestrt);
	appendStringInfo(disp, " -> input %d by %s", bestrt, get_rel_name(bestidx));
	pp->nlevels++;
	return true;
}

/* One wide descriptor: each input's columns at its offset. */
static TupleDesc
wide_descriptor(Circuit *c, WideContext *cx, int width)
{
	TupleDesc	desc = CreateTemplateTupleDesc(Max(width, 1));
	int			rt;

	for (rt = 1; rt <= c->joins.nrtes; rt++)
	{
		Relation	rel;
		int			a;

		if (cx->offsets[rt - 1] < 0)
			continue;
		rel = table_open(c->joins.rte_relid[rt - 1], AccessShareLock);
		for (a = 0; a < c->joins.input_natts[rt - 1]; a++)
			TupleDescCopyEntry(desc, cx->offsets[rt - 1] + a + 1,
							   RelationGetDescr(rel), a + 1);
		table_close(rel, AccessShareLock);
	}
	return desc;
}

/*
 * The probe plan for a term reading input delta_rt from the delta, or NULL
 * when the join does not qualify.  Made in the circuit's context.
 */
static ProbePlan *
prepare_probe(Circuit *c, int delta_rt)
{
	Query	   *q = c->joins.joinquery;
	List	   *quals = NIL;
	List	   *rownodes;
	WideContext cx;
	ProbePlan  *pp;
	Bitmapset  *bound;
	List	  **levelquals;
	ListCell   *lc;
	int			ninputs = 0,
				width = 0,
				rt,
				l;
	StringInfoData disp;

	if (q->hasSubLinks || q->hasTargetSRFs ||
		!inner_join_conditions((Node *) q->jointree, &quals))
		return NULL;
	cx.offsets = palloc(sizeof(int) * c->joins.nrtes);
	cx.maxatt = palloc0(sizeof(int) * c->joins.nrtes);
	for (rt = 1; rt <= c->joins.nrtes; rt++)
	{
		RangeTblEntry *rte = rt_fetch(rt, q->rtable);

		cx.offsets[rt - 1] = -1;
		if (rte->rtekind == RTE_JOIN)
			continue;
		if (rte->rtekind != RTE_RELATION || get_rel_relkind(rte->relid) != RELKIND_RELATION)
			return NULL;
		cx.offsets[rt - 1] = width;
		width += c->joins.input_natts[rt - 1];
		ninputs++;
	}
	if (ninputs < 2 || ninputs > STEPPING_MAX_INPUTS)
		return NULL;
	quals = (List *) flatten_join_alias_vars(q, (Node *) quals);
	rownodes = (List *) flatten_join_alias_vars(q, (Node *) c->joins.rownodes);
	if (unsupported_walker((Node *) quals, &cx) || unsupported_walker((Node *) rownodes, &cx))
		return NULL;

	pp = palloc0(sizeof(ProbePlan));
	pp->delta_rt = delta_rt;
	pp->delta_natts = c->joins.input_natts[delta_rt - 1];
	pp->delta_offset = cx.offsets[delta_rt - 1];
	{
		Relation	rel = table_open(c->joins.rte_relid[delta_rt - 1], AccessShareLock);

		/* with attmissingval: old rows may predate an added column */
		pp->delta_desc = CreateTupleDescCopyConstr(RelationGetDescr(rel));
		table_close(rel, AccessShareLock);
	}
	pp->levels = palloc0(sizeof(ProbeLevel) * (ninputs - 1));
	levelquals = palloc0(sizeof(List *) * ninputs);
	bound = bms_make_singleton(delta_rt);
	initStringInfo(&disp);
	appendStringInfo(&disp, "input %d", delta_rt);

	/* the probe order: each time, the input with the best usable index */
	while (pp->nlevels < ninputs - 1)
		if (!choose_probe_level(c, &cx, quals, &bound, pp, &disp))
			return NULL;

	/* each condition at the first level that binds all its inputs */
	foreach(lc, quals)
	{
		Bitmapset  *varnos = varnos_of(lfirst(lc));

		bound = bms_make_singleton(delta_rt);
		for (l = 0; l < ninputs; l++)
		{
			if (l > 0)
				bound = bms_add_member(bound, pp->levels[l - 1].rtindex);
			if (bms_is_subset(varnos, bound))
			{
				levelquals[l] = lappend(levelquals[l], lfirst(lc));
				break;
			}
		}
	}
	if (levelquals[0])
		pp->qual0 = prepare_qual(levelquals[0], &cx);
	for (l = 1; l < ninputs; l++)
		if (levelquals[l])
			pp->levels[l - 1].qual = prepare_qual(levelquals[l], &cx);

	pp->rowexprs = palloc(sizeof(ExprState *) * list_length(rownodes));
	l = 0;
	foreach(lc, rownodes)
		pp->rowexprs[l++] = prepare_expr(lfirst(lc), &cx);

	pp->widedesc = wide_descriptor(c, &cx, width);
	pp->rtable = q->rtable;
	pp->display = disp.data;
	return pp;
}

/*
 * Probe plans of every input, for the steps; returns explain_view's line
 * for each.
 */
List *
probe_prepare(Circuit *c)
{
	List	   *lines = NIL;
	int			rt;

	c->joins.probes = palloc0(sizeof(ProbePlan *) * c->joins.nrtes);
	for (rt = 1; rt <= c->joins.nrtes; rt++)
	{
		if (!OidIsValid(c->joins.rte_relid[rt - 1]))
			continue;
		c->joins.probes[rt - 1] = prepare_probe(c, rt);
		if (c->joins.probes[rt - 1])
			lines = lappend(lines,
							psprintf("  a change to input %d alone: index nested loop in C, %s",
									 rt, c->joins.probes[rt - 1]->display));
	}
	return lines;
}

/* ----------------------------------------------------------------
 * Running a term
 * ----------------------------------------------------------------
 */

typedef struct ProbeRun
{
	Circuit    *c;
	ProbePlan  *pp;
	RunState   *rs;
	ExprContext *econtext;
	TupleTableSlot *wide;
	IndexScanDesc *scans;
	Relation   *rels;
	Relation   *indexes;
	TupleTableSlot **slots;
	MemoryContext *keycxt;		/* per level: the current scan keys */
	Datum	   *values;
	bool	   *isnull;
} ProbeRun;

static bool
qual_passes(ProbeRun *pr, ExprState *qual)
{
	if (qual == NULL)
		return true;
	ResetExprContext(pr->econtext);
	return ExecQual(qual, pr->econtext);
}

static void
emit_row(ProbeRun *pr, int64 weight)
{
	ProbePlan  *pp = pr->pp;
	int			i;

	ResetExprContext(pr->econtext);
	for (i = 0; i < pr->c->nrowcols; i++)
		pr->values[i] = ExecEvalExprSwitchContext(pp->rowexprs[i], pr->econtext,
												  &pr->isnull[i]);
	circuit_emit(pr->rs, pr->values, pr->isnull, weight);
}

/* Bind level l and the ones after it, for the current outer row. */
static void
probe_level(ProbeRun *pr, int l, int64 weight)
{
	ProbePlan  *pp = pr->pp;
	ProbeLevel *lv;
	ScanKeyData keys[INDEX_MAX_KEYS];
	MemoryContext old;
	int			k;

	if (l == pp->nlevels)
	{
		emit_row(pr, weight);
		return;
	}
	lv = &pp->levels[l];

	/* keys live while the scan runs, apart from the rows' expressions */
	MemoryContextReset(pr->keycxt[l]);
	old = MemoryContextSwitchTo(pr->keycxt[l]);
	memcpy(keys, lv->keys, sizeof(ScanKeyData) * lv->nkeys);
	for (k = 0; k < lv->nkeys; k++)
	{
		bool		isnull;

		keys[k].sk_argument = ExecEvalExpr(lv->keyexprs[k], pr->econtext, &isnull);
		if (isnull)
		{
			/* equality is strict: no row matches */
			MemoryContextSwitchTo(old);
			return;
		}
	}
	MemoryContextSwitchTo(old);

	index_rescan(pr->scans[l], keys, lv->nkeys, NULL, 0);
	while (index_getnext_slot(pr->scans[l], ForwardScanDirection, pr->slots[l]))
	{
		TupleTableSlot *s = pr->slots[l];

		CHECK_FOR_INTERRUPTS();
		slot_getsomeattrs(s, lv->natts);
		memcpy(pr->wide->tts_values + lv->offset, s->tts_values, sizeof(Datum) * lv->natts);
		memcpy(pr->wide->tts_isnull + lv->offset, s->tts_isnull, sizeof(bool) * lv->natts);
		if (qual_passes(pr, lv->qual))
			probe_level(pr, l + 1, weight);
	}
}

/* Probe with every captured row of a tuplestore, each of weight w. */
static void
probe_rows(ProbeRun *pr, Tuplestorestate *rows, TupleTableSlot *in, int64 w)
{
	ProbePlan  *pp = pr->pp;

	tuplestore_rescan(rows);
	while (tuplestore_gettupleslot(rows, true, false, in))
	{
		slot_getallattrs(in);
		memcpy(pr->wide->tts_values + pp->delta_offset, in->tts_values,
			   sizeof(Datum) * pp->delta_natts);
		memcpy(pr->wide->tts_isnull + pp->delta_offset, in->tts_isnull,
			   sizeof(bool) * pp->delta_natts);
		if (qual_passes(pr, pp->qual0))
			probe_level(pr, 0, w);
	}
}

/*
 * Feed the delta of a step in which only input delta_rt changed (its
 * captured chunks: old rows -1, new rows +1), every other input read from
 * its table, into the step's Z-set.  False when the input has no probe
 * plan.
 */
bool
probe_input_delta(Circuit *c, int delta_rt, List *chunks, RunState *rs)
{
	ProbePlan  *pp = c->joins.probes ? c->joins.probes[delta_rt - 1] : NULL;
	ProbeRun	pr;
	int			pos = 0;
	DeltaChunk *chunk;
	Tuplestorestate *rows;
	int			weight;
	TupleTableSlot *in;
	Snapshot	snap;
	MemoryContext runcxt,
				old;
	int			l;

	if (pp == NULL)
		return false;
	(void) ExecCheckRTPerms(pp->rtable, true);
	/* a batch applied meanwhile changes the active snapshot, not ours */
	snap = RegisterSnapshot(GetActiveSnapshot());

	runcxt = AllocSetContextCreate(CurrentMemoryContext, "stepping probe term",
								   ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(runcxt);
	memset(&pr, 0, sizeof(pr));
	pr.c = c;
	pr.pp = pp;
	pr.rs = rs;
	pr.econtext = CreateStandaloneExprContext();
	pr.wide = MakeSingleTupleTableSlot(pp->widedesc, &TTSOpsVirtual);
	pr.econtext->ecxt_scantuple = pr.wide;
	pr.values = palloc(sizeof(Datum) * Max(c->nrowcols, 1));
	pr.isnull = palloc(sizeof(bool) * Max(c->nrowcols, 1));
	pr.scans = palloc(sizeof(IndexScanDesc) * Max(pp->nlevels, 1));
	pr.rels = palloc(sizeof(Relation) * Max(pp->nlevels, 1));
	pr.indexes = palloc(sizeof(Relation) * Max(pp->nlevels, 1));
	pr.slots = palloc(sizeof(TupleTableSlot *) * Max(pp->nlevels, 1));
	pr.keycxt = palloc(sizeof(MemoryContext) * Max(pp->nlevels, 1));
	for (l = 0; l < pp->nlevels; l++)
	{
		ProbeLevel *lv = &pp->levels[l];

		pr.rels[l] = table_open(lv->relid, AccessShareLock);
		pr.indexes[l] = index_open(lv->indexid, AccessShareLock);
		pr.slots[l] = table_slot_create(pr.rels[l], NULL);
		pr.scans[l] = index_beginscan(pr.rels[l], pr.indexes[l], snap, lv->nkeys, 0);
		pr.keycxt[l] = AllocSetContextCreate(runcxt, "stepping probe keys",
											 ALLOCSET_SMALL_SIZES);
	}

	/* every wide column is NULL until its input is bound */
	ExecClearTuple(pr.wide);
	memset(pr.wide->tts_isnull, true, sizeof(bool) * pp->widedesc->natts);
	ExecStoreVirtualTuple(pr.wide);

	in = MakeSingleTupleTableSlot(pp->delta_desc, &TTSOpsMinimalTuple);
	while (delta_next_rows(chunks, &pos, &chunk, &rows, &weight))
		probe_rows(&pr, rows, in, weight);

	ExecDropSingleTupleTableSlot(in);
	for (l = 0; l < pp->nlevels; l++)
	{
		index_endscan(pr.scans[l]);
		ExecDropSingleTupleTableSlot(pr.slots[l]);
		index_close(pr.indexes[l], NoLock);
		table_close(pr.rels[l], NoLock);
	}
	ExecDropSingleTupleTableSlot(pr.wide);
	FreeExprContext(pr.econtext, true);
	UnregisterSnapshot(snap);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(runcxt);
	return true;
}
