/*-------------------------------------------------------------------------
 *
 * aggfuncs.c
 *	  The arithmetic of the aggregates stepping maintains exactly: count(*),
 *	  count(x), sum and avg over int2/int4/int8, numeric, float4 and float8,
 *	  and min/max with the aggregate's sort operator.
 *
 *	  The grouped operator (aggregate.c) owns groups, their rows in the
 *	  result table and recomputes; this file knows, for one aggregate of one
 *	  group, how a delta accumulates, how it combines with the stored state,
 *	  and what the aggregate returns.  Generic aggregates (computed by
 *	  PostgreSQL per touched group) pass through untouched.
 *
 *	  The state it works on (declared in stepping.h):
 *
 *	  AggSpec		the compiled aggregate: kind, sum kind, argument type,
 *					sort function; read only.
 *	  AggAccum		one aggregate's delta in one group during a step: the
 *					weighted count, the partial sum (int64, spilling into a
 *					numeric), float inputs in arrival order, the largest
 *					numeric display scales added and removed, the extremes
 *					added and removed, and whether a delete has no exact
 *					inverse (the group must then be recomputed).
 *	  GroupAggState	one aggregate's stored state in one group, as kept in the
 *					hidden columns of its row: the value (count, running sum,
 *					extreme), the count of non-NULL inputs (nn) and, for a
 *					numeric sum, the inputs at its display scale (msc).
 *
 *	  The steps: aggfunc_init_accum and aggfunc_fold_value build an AggAccum
 *	  from the step's rows; aggfunc_zero_state or the stored row give a
 *	  GroupAggState, aggfunc_combine adds the AggAccum to it (or says the
 *	  group must be recomputed), and aggfunc_final_value gives the value the
 *	  output expressions see.  Each reproduces PostgreSQL's own transition
 *	  and final functions, errors included (see docs/architecture.md,
 *	  "Exactness rules").
 *
 *	  Memory contract: nothing here depends on CurrentMemoryContext for a
 *	  value that must survive.  An AggAccum lives in the groups' context (the
 *	  RowHash's cxt) and every running value it holds is allocated in the
 *	  context aggfunc_fold_value is given, a superseded one freed; scratch
 *	  arithmetic of a fold goes to CurrentMemoryContext, which the caller
 *	  resets per row.  A GroupAggState belongs to the caller: aggfunc_combine
 *	  and aggfunc_final_value allocate new values in the context they are
 *	  given, and a combined st->value may point into the AggAccum, so both
 *	  must outlive the group's write.  Nothing here is freed by this file
 *	  except a running value it replaces.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "nodes/execnodes.h"
#include "utils/memutils.h"
#include "common/int.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgrprotos.h"
#include "utils/numeric.h"

#include "stepping.h"

static bool combine_agg(AggSpec *a, GroupAggState *st, AggAccum *acc);
static bool combine_minmax(AggSpec *a, GroupAggState *st, AggAccum *acc);
static bool combine_sum(AggSpec *a, GroupAggState *st, AggAccum *acc);
static bool combine_numeric_sum(GroupAggState *st, AggAccum *acc);
static void combine_float4_sum(GroupAggState *st, AggAccum *acc);
static void combine_float8_sum(AggSpec *a, GroupAggState *st, AggAccum *acc);
static Datum final_value(AggSpec *a, GroupAggState *st, bool *isnull);

/* ----------------------------------------------------------------
 * Folding a step's rows into an accumulator
 * ----------------------------------------------------------------
 */

/* A fresh accumulator (zeroed memory): no numeric scale seen yet. */
void
aggfunc_init_accum(AggAccum *acc)
{
	acc->pos_scale = acc->neg_scale = -1;
}

/* The scale a numeric prints with (its dscale). */
static int
numeric_display_scale(Numeric n)
{
	return DatumGetInt32(DirectFunctionCall1(numeric_scale, NumericGetDatum(n)));
}

/* NaN or +/-Infinity: values a sum cannot subtract back out. */
static bool
numeric_is_special(Numeric n)
{
	return numeric_is_nan(n) || numeric_is_inf(n);
}

/* v * w, in the current context (scratch: the caller's per-row memory). */
static Datum
numeric_times(Datum v, int64 w)
{
	if (w == 1)
		return v;
	if (w == -1)
		return DirectFunctionCall1(numeric_uminus, v);
	return DirectFunctionCall2(numeric_mul, v,
							   NumericGetDatum(int64_to_numeric(w)));
}

/* A copy of v in cxt, where a running value must outlive the input row. */
static Datum
persist(Datum v, bool byval, int16 len, MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	Datum		copy = datumCopy(v, byval, len);

	MemoryContextSwitchTo(old);
	return copy;
}

/*
 * Rows entering or leaving one at a time (weight +1 or -1) are summed by
 * PostgreSQL's own sum(numeric) transition function, numeric_avg_accum,
 * into a state per group and direction: it adds into wide digit arrays
 * without forming a Numeric per row, where numeric_add would allocate and
 * normalize one for every row.  The function wants an aggregate's context
 * to allocate its state in: a stand-in AggState whose aggregate context
 * is the groups' (cxt) gives it that.  settle_numeric turns both states
 * into nsum when the group is combined; the result is the sum
 * numeric_add would have given, display scale included.
 */
static AggState *sum_aggstate = NULL;

static void *
numeric_sum_add(void *state, Numeric n, MemoryContext cxt)
{
	LOCAL_FCINFO(fcinfo, 2);

	if (sum_aggstate == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		sum_aggstate = makeNode(AggState);
		sum_aggstate->curaggcontext = makeNode(ExprContext);
		MemoryContextSwitchTo(old);
	}
	sum_aggstate->curaggcontext->ecxt_per_tuple_memory = cxt;
	InitFunctionCallInfoData(*fcinfo, NULL, 2, InvalidOid, (Node *) sum_aggstate, NULL);
	fcinfo->args[0].value = PointerGetDatum(state);
	fcinfo->args[0].isnull = (state == NULL);
	fcinfo->args[1].value = NumericGetDatum(n);
	fcinfo->args[1].isnull = false;
	return DatumGetPointer(numeric_avg_accum(fcinfo));
}

/* The Numeric sum of a numeric_sum_add state, in the current context. */
static Datum
numeric_sum_final(void *state)
{
	LOCAL_FCINFO(fcinfo, 1);
	Datum		result;

	InitFunctionCallInfoData(*fcinfo, NULL, 1, InvalidOid, NULL, NULL);
	fcinfo->args[0].value = PointerGetDatum(state);
	fcinfo->args[0].isnull = false;
	result = numeric_sum(fcinfo);
	if (fcinfo->isnull)
		elog(ERROR, "stepping: a numeric sum state without inputs");
	return result;
}

/*
 * Fold the one-at-a-time sums into nsum (nsum + entering - leaving), in the
 * context they live in.  Idempotent: a group combined again (after a
 * concurrent change) finds them settled.
 */
static void
settle_numeric(AggAccum *acc)
{
	MemoryContext old;
	Datum		sum = acc->nsum;

	if (acc->npos == NULL && acc->nneg == NULL)
		return;
	old = MemoryContextSwitchTo(acc->ncxt);
	if (acc->npos)
	{
		Datum		pos = numeric_sum_final(acc->npos);

		sum = (sum == (Datum) 0) ? pos : DirectFunctionCall2(numeric_add, sum, pos);
	}
	if (acc->nneg)
	{
		Datum		neg = numeric_sum_final(acc->nneg);

		sum = (sum == (Datum) 0) ? DirectFunctionCall1(numeric_uminus, neg)
			: DirectFunctionCall2(numeric_sub, sum, neg);
	}
	MemoryContextSwitchTo(old);
	acc->nsum = sum;
	acc->npos = acc->nneg = NULL;
}

/*
 * acc += v * w, keeping one palloc'd running value in cxt: a bulk insert
 * folds millions of rows into a few groups without growing memory.  The old
 * running value is freed.
 */
static void
numeric_accumulate(Datum *acc, Datum v, int64 w, MemoryContext cxt)
{
	Datum		kept;

	if (*acc != (Datum) 0 && (w == 1 || w == -1))
	{
		/*
		 * The common weights: add or subtract straight into the groups'
		 * memory, the input detoasted (short header expanded) per row first.
		 */
		Datum		in = NumericGetDatum(DatumGetNumeric(v));
		MemoryContext old = MemoryContextSwitchTo(cxt);

		kept = DirectFunctionCall2(w == 1 ? numeric_add : numeric_sub, *acc, in);
		MemoryContextSwitchTo(old);
	}
	else
	{
		Datum		prod = numeric_times(v, w);
		Datum		sum = (*acc == (Datum) 0) ? prod
			: DirectFunctionCall2(numeric_add, *acc, prod);

		/* arithmetic garbage stays in the caller's per-row memory */
		kept = persist(sum, false, -1, cxt);
	}
	if (*acc != (Datum) 0)
		pfree(DatumGetPointer(*acc));
	*acc = kept;
}

/*
 * a + b; the result is always a fresh copy in the current context (the one
 * aggfunc_combine switched to).
 */
static Datum
numeric_plus(Datum a, Datum b)
{
	if (a == (Datum) 0)
		return datumCopy(b, false, -1);
	return DirectFunctionCall2(numeric_add, a, b);
}

/* min/max: is x strictly better (smaller for min, larger for max) than y? */
static bool
better(AggSpec *a, Datum x, Datum y)
{
	return DatumGetBool(FunctionCall2Coll(&a->sortfn, a->inputcollid, x, y));
}

/*
 * Add w copies of an integer input to a running int64 sum, spilling into
 * the numeric partial in cxt when int64 overflows and to_numeric allows.
 */
static void
accum_int(AggAccum *acc, int64 v, int64 w, bool to_numeric, MemoryContext cxt)
{
	int64		prod,
				sum;

	if (!pg_mul_s64_overflow(v, w, &prod) &&
		!pg_add_s64_overflow(acc->isum, prod, &sum))
	{
		acc->isum = sum;
		return;
	}
	if (!to_numeric)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("bigint out of range")));
	numeric_accumulate(&acc->nsum, NumericGetDatum(int64_to_numeric(v)), w, cxt);
}

/*
 * Fold one input of one aggregate, with weight w (+k: k rows entered the
 * group, -k: k rows left), into the group's accumulator acc.
 *
 * Only acc changes.  Running values it keeps (a numeric partial sum, a
 * min/max extreme, the list of float inputs) are allocated in cxt, the
 * groups' context; a replaced numeric or extreme is freed, the float list
 * grows in place.  The input v may live in an executor's memory that the
 * next row reuses.  Scratch
 * arithmetic goes to CurrentMemoryContext, which the caller resets per row.
 * A delete without an exact inverse (float input, numeric NaN/Infinity)
 * sets acc->recompute instead.  Raises the errors PostgreSQL's transition
 * functions raise (bigint or float overflow).
 */
void
aggfunc_fold_value(AggSpec *a, AggAccum *acc, Datum v, bool isnull, int64 w,
				   MemoryContext cxt)
{
	if (a->kind == AGG_GENERIC)
		return;					/* computed per touched group at apply */
	if (a->kind == AGG_COUNT_STAR)
	{
		acc->count += w;
		return;
	}
	if (isnull)
		return;
	acc->count += w;
	acc->any = true;
	if (a->kind == AGG_COUNT)
		return;
	if (a->kind == AGG_MIN || a->kind == AGG_MAX)
	{
		if (w > 0)
		{
			/* a later equal input replaces the earlier, as min()/max() do */
			if (!acc->has_best || !better(a, acc->best, v))
			{
				if (acc->has_best && !a->typbyval)
					pfree(DatumGetPointer(acc->best));
				acc->best = persist(v, a->typbyval, a->typlen, cxt);
				acc->has_best = true;
			}
		}
		else if (!acc->has_gone || better(a, v, acc->gone_best))
		{
			if (acc->has_gone && !a->typbyval)
				pfree(DatumGetPointer(acc->gone_best));
			acc->gone_best = persist(v, a->typbyval, a->typlen, cxt);
			acc->has_gone = true;
		}
		return;
	}

	switch (a->sumkind)
	{
		case SUM_INT8:
		case SUM_NUMERIC_FROM_INT:
			{
				int64		iv;

				if (a->argtype == INT2OID)
					iv = DatumGetInt16(v);
				else if (a->argtype == INT4OID)
					iv = DatumGetInt32(v);
				else
					iv = DatumGetInt64(v);
				accum_int(acc, iv, w, a->sumkind == SUM_NUMERIC_FROM_INT, cxt);
				break;
			}
		case SUM_NUMERIC:
			{
				Numeric		n = DatumGetNumeric(v);

				if (w == 1 || w == -1)
				{
					acc->ncxt = cxt;
					if (w == 1)
						acc->npos = numeric_sum_add(acc->npos, n, cxt);
					else
						acc->nneg = numeric_sum_add(acc->nneg, n, cxt);
				}
				else
					numeric_accumulate(&acc->nsum, NumericGetDatum(n), w, cxt);
				if (numeric_is_special(n))
				{
					if (w < 0)
						acc->recompute = true;
				}
				else
				{
					int			s = numeric_display_scale(n);

					if (w > 0)
					{
						if (s > acc->pos_scale)
						{
							acc->pos_scale = s;
							acc->pos_count = 0;
						}
						if (s == acc->pos_scale)
							acc->pos_count += w;
					}
					else
					{
						if (s > acc->neg_scale)
						{
							acc->neg_scale = s;
							acc->neg_count = 0;
						}
						if (s == acc->neg_scale)
							acc->neg_count -= w;
					}
				}
				break;
			}
		case SUM_FLOAT4:
		case SUM_FLOAT8:
			{
				double		d = (a->argtype == FLOAT4OID)
				? (double) DatumGetFloat4(v) : DatumGetFloat8(v);
				int64		k;

				/*
				 * Floating addition is not associative: keep the inputs and
				 * add them to the stored sum one by one, in the order the
				 * query would meet them.  Deletes have no exact inverse.
				 */
				if (w < 0)
				{
					acc->recompute = true;
					break;
				}
				/* avg's transition also sums squares, and raises on overflow */
				if (a->kind == AGG_AVG && isinf(d * d) && !isinf(d))
					ereport(ERROR,
							(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
							 errmsg("value out of range: overflow")));
				for (k = 0; k < w; k++)
				{
					if (acc->nfvals >= acc->fcap)
					{
						acc->fcap = acc->fcap ? acc->fcap * 2 : 8;
						acc->fvals = acc->fvals
							? repalloc(acc->fvals, sizeof(double) * acc->fcap)
							: MemoryContextAlloc(cxt, sizeof(double) * acc->fcap);
					}
					acc->fvals[acc->nfvals++] = d;
				}
				break;
			}
		case SUM_NONE:
			elog(ERROR, "sum without a sum kind");
	}
}

/* ----------------------------------------------------------------
 * Stored state: empty, combine, finalize
 * ----------------------------------------------------------------
 */

/* The state of an aggregate over no rows: count 0, everything else NULL. */
void
aggfunc_zero_state(AggSpec *a, GroupAggState *st)
{
	st->value = (a->kind == AGG_COUNT ||
				 a->kind == AGG_COUNT_STAR) ? Int64GetDatum(0) : (Datum) 0;
	st->value_null = !(a->kind == AGG_COUNT ||
					   a->kind == AGG_COUNT_STAR);
	st->nn = 0;
	st->msc = 0;
}

/*
 * new = old + delta for one aggregate: fold the group's accumulator acc into
 * its stored state st, in place.  Returns false when the aggregate has no
 * exact answer from its state and the group must be recomputed (st is then
 * partly updated and must be discarded).
 *
 * New values are allocated in cxt; st->value may also point into acc (a
 * min/max extreme, a numeric partial sum), which lives in the groups'
 * context.  Raises the overflow errors PostgreSQL's sum raises.
 */
bool
aggfunc_combine(AggSpec *a, GroupAggState *st, AggAccum *acc, MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	bool		exact = combine_agg(a, st, acc);

	MemoryContextSwitchTo(old);
	return exact;
}

/*
 * aggfunc_combine's work, in the current context (its cxt): count adds,
 * min/max and sum/avg have their own rules below.
 */
static bool
combine_agg(AggSpec *a, GroupAggState *st, AggAccum *acc)
{
	if (acc->recompute)
		return false;

	switch (a->kind)
	{
		case AGG_GENERIC:
			return true;		/* filled in by generic_values() */
		case AGG_COUNT_STAR:
		case AGG_COUNT:
			st->value = Int64GetDatum(DatumGetInt64(st->value) + acc->count);
			st->value_null = false;
			return true;
		case AGG_MIN:
		case AGG_MAX:
			return combine_minmax(a, st, acc);
		case AGG_SUM:
		case AGG_AVG:
			break;
	}
	return combine_sum(a, st, acc);
}

/*
 * min/max keep only the extreme and the count of non-NULL inputs: a better
 * input replaces the extreme, but removing the extreme itself (or a tie of
 * it) leaves no answer short of a recompute, unless the group empties.
 */
static bool
combine_minmax(AggSpec *a, GroupAggState *st, AggAccum *acc)
{
	bool		was_null = (st->nn == 0);

	st->nn += acc->count;
	if (st->nn < 0)
		return false;
	/* removing the extreme (or a tie of it) loses the answer */
	if (acc->has_gone && (was_null || !better(a, st->value, acc->gone_best)))
		return st->nn == 0 ? (st->value_null = true, true) : false;
	if (st->nn == 0)
	{
		st->value = (Datum) 0;
		st->value_null = true;
		return true;
	}
	if (acc->has_best && (was_null || !better(a, st->value, acc->best)))
		st->value = acc->best;
	st->value_null = false;
	return true;
}

/*
 * sum/avg: the count of non-NULL inputs says whether the result is NULL;
 * otherwise the running sum combines in the type of its sum kind.
 */
static bool
combine_sum(AggSpec *a, GroupAggState *st, AggAccum *acc)
{
	st->nn += acc->count;
	if (st->nn < 0)
		return false;
	if (st->nn == 0)
	{
		st->value = (Datum) 0;
		st->value_null = true;
		st->msc = 0;
		return true;
	}

	switch (a->sumkind)
	{
		case SUM_INT8:
			{
				int64		old = st->value_null ? 0 : DatumGetInt64(st->value);
				int64		sum;

				if (pg_add_s64_overflow(old, acc->isum, &sum))
					ereport(ERROR,
							(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
							 errmsg("bigint out of range")));
				st->value = Int64GetDatum(sum);
				break;
			}
		case SUM_NUMERIC_FROM_INT:
			{
				Datum		d = NumericGetDatum(int64_to_numeric(acc->isum));

				if (acc->nsum)
					d = numeric_plus(d, acc->nsum);
				st->value = st->value_null ? d : numeric_plus(st->value, d);
				break;
			}
		case SUM_NUMERIC:
			if (!combine_numeric_sum(st, acc))
				return false;
			break;
		case SUM_FLOAT4:
			combine_float4_sum(st, acc);
			break;
		case SUM_FLOAT8:
			combine_float8_sum(a, st, acc);
			break;
		case SUM_NONE:
			elog(ERROR, "sum without a sum kind");
	}
	st->value_null = false;
	return true;
}

/*
 * sum/avg(numeric) prints with the largest display scale among its inputs,
 * so the state also counts the inputs at that scale (msc).  Removing the
 * last of them, or anything from a NaN/Infinity sum, loses the scale or the
 * value: the group must be recomputed.
 */
static bool
combine_numeric_sum(GroupAggState *st, AggAccum *acc)
{
	int			old_scale = -1;
	int			new_scale;
	int64		msc;
	bool		old_special = false;

	settle_numeric(acc);

	if (!st->value_null)
	{
		Numeric		n = DatumGetNumeric(st->value);

		old_special = numeric_is_special(n);
		if (!old_special)
			old_scale = numeric_display_scale(n);
	}
	if (old_special && acc->neg_scale >= 0)
		return false;
	new_scale = Max(old_scale, acc->pos_scale);
	msc = (old_scale == new_scale ? st->msc : 0) +
		(acc->pos_scale == new_scale ? acc->pos_count : 0);
	if (acc->neg_scale > new_scale)
		return false;
	if (acc->neg_scale == new_scale)
		msc -= acc->neg_count;
	if (acc->nsum)
		st->value = st->value_null ? acc->nsum
			: numeric_plus(st->value, acc->nsum);
	if (st->value == (Datum) 0)
		return false;
	/* a finite sum prints with the largest scale still present */
	if (msc <= 0 && !numeric_is_special(DatumGetNumeric(st->value)))
		return false;
	st->msc = Max(msc, 0);
	return true;
}

/*
 * sum(real) adds in real, as float4pl does, each new input in turn in the
 * order the query would meet them: floating addition is not associative.
 */
static void
combine_float4_sum(GroupAggState *st, AggAccum *acc)
{
	int			k = 0;
	float4		sum;

	if (st->value_null)
		sum = (float4) acc->fvals[k++];
	else
		sum = DatumGetFloat4(st->value);
	for (; k < acc->nfvals; k++)
	{
		float4		v = (float4) acc->fvals[k];
		float4		r = sum + v;

		if (isinf(r) && !isinf(sum) && !isinf(v))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("value out of range: overflow")));
		sum = r;
	}
	st->value = Float4GetDatum(sum);
}

/*
 * sum(double precision) and avg(real/double precision) add in double, each
 * new input in turn, as float8pl and float8_accum do.
 */
static void
combine_float8_sum(AggSpec *a, GroupAggState *st, AggAccum *acc)
{
	/* sum starts from its first input, avg's accumulator from 0 */
	int			k = 0;
	float8		sum;

	if (!st->value_null)
		sum = DatumGetFloat8(st->value);
	else if (a->kind == AGG_AVG)
		sum = 0.0;
	else
		sum = acc->fvals[k++];
	for (; k < acc->nfvals; k++)
	{
		float8		r = sum + acc->fvals[k];

		/* as float8pl and float8_accum do */
		if (isinf(r) && !isinf(sum) && !isinf(acc->fvals[k]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("value out of range: overflow")));
		sum = r;
	}
	st->value = Float8GetDatum(sum);
}

/*
 * The value the aggregate returns for a group in state st (avg divides,
 * the others return their state); a computed value is allocated in cxt.
 */
Datum
aggfunc_final_value(AggSpec *a, GroupAggState *st, bool *isnull,
					MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	Datum		result = final_value(a, st, isnull);

	MemoryContextSwitchTo(old);
	return result;
}

/* aggfunc_final_value's work, in the current context (its cxt). */
static Datum
final_value(AggSpec *a, GroupAggState *st, bool *isnull)
{
	*isnull = false;
	switch (a->kind)
	{
		case AGG_GENERIC:
			*isnull = st->value_null;
			return st->value;
		case AGG_COUNT_STAR:
		case AGG_COUNT:
			return st->value;
		case AGG_SUM:
		case AGG_MIN:
		case AGG_MAX:
			*isnull = (st->nn == 0);
			return st->value;
		case AGG_AVG:
			if (st->nn == 0)
			{
				*isnull = true;
				return (Datum) 0;
			}
			if (a->sumkind == SUM_FLOAT8)
				return Float8GetDatum(DatumGetFloat8(st->value) / (float8) st->nn);
			return DirectFunctionCall2(numeric_div, st->value,
									   NumericGetDatum(int64_to_numeric(st->nn)));
	}
	return (Datum) 0;
}
