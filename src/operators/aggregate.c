/*-------------------------------------------------------------------------
 *
 * aggregate.c
 *	  The grouped operator: GROUP BY with count/sum/avg, global aggregates,
 *	  and SELECT DISTINCT (a GROUP BY over every column with no aggregate).
 *
 *	  The consolidated delta is folded per group in a hash table keyed by the
 *	  types' equality.  Each touched group then costs one index lookup of its
 *	  result row, where the hidden state columns live, and one insert, update
 *	  or delete.  Aggregates without an exact inverse recompute their group
 *	  from the base table instead: float sum/avg on any delete, numeric
 *	  sum/avg when a delete removes the last value at the largest display
 *	  scale (the scale the sum prints with) or a NaN/Infinity.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/table.h"
#include "access/xact.h"
#include "access/tableam.h"
#include "catalog/pg_type.h"
#include "common/int.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "access/htup_details.h"
#include "catalog/pg_operator.h"
#include "utils/builtins.h"
#include "utils/syscache.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "stepping.h"

/* Per-aggregate delta accumulated for one group. */
typedef struct AggAccum
{
	int64		count;			/* count: the count; sum/avg: non-null inputs */
	int64		isum;			/* SUM_INT8, SUM_NUMERIC_FROM_INT partial */
	Datum		nsum;			/* numeric partial, or 0 */
	double	   *fvals;			/* float: inputs added, in arrival order */
	int			nfvals;
	int			fcap;
	bool		any;			/* some non-null input contributed */
	int			pos_scale;		/* numeric: max display scale added */
	int64		pos_count;		/* ... and the weight added at it */
	int			neg_scale;		/* numeric: max display scale removed */
	int64		neg_count;		/* ... and the weight removed at it */
	bool		recompute;		/* no exact inverse: recompute the group */
	Datum		best;			/* min/max: the extreme input added */
	bool		has_best;
	Datum		gone_best;		/* min/max: the extreme input removed */
	bool		has_gone;
} AggAccum;

typedef struct GroupAccum
{
	int64		count;			/* rows entering minus rows leaving */
	List	   *gone_keys;		/* RowEntry * of rows leaving, when equal
								 * keys may be spelled differently */
	AggAccum	aggs[FLEXIBLE_ARRAY_MEMBER];
} GroupAccum;

/* The stored state of one group, as read from / written to its row. */
typedef struct GroupAggState
{
	Datum		value;
	bool		value_null;
	int64		nn;
	int64		msc;
} GroupAggState;

typedef struct RecomputePlans
{
	uint64		nullmask;
	SPIPlanPtr	plan;
	struct RecomputePlans *next;
} RecomputePlans;

RowHash *
aggregate_create_groups(Circuit *c, MemoryContext cxt)
{
	return rowhash_create(cxt, ROWHASH_TYPED, c->ngroup, c->ngroup,
						  c->rowtypes, c->groupeqops, c->groupcolls);
}

static GroupAccum *
group_accum(Circuit *c, RowHash *groups, Datum *values, bool *isnull)
{
	bool		found;
	RowEntry   *g = rowhash_lookup(groups, values, isnull, &found);

	if (!found)
	{
		int			i;
		GroupAccum *acc = MemoryContextAllocZero(groups->cxt,
												 offsetof(GroupAccum, aggs) +
												 sizeof(AggAccum) * c->naggs);

		for (i = 0; i < c->naggs; i++)
			acc->aggs[i].pos_scale = acc->aggs[i].neg_scale = -1;
		g->extra = acc;
	}
	return (GroupAccum *) g->extra;
}

/* A global aggregate has exactly one group, even over an empty table. */
void
aggregate_ensure_global_group(Circuit *c, RowHash *groups)
{
	Assert(c->global);
	(void) group_accum(c, groups, NULL, NULL);
}

static int
numeric_display_scale(Numeric n)
{
	return DatumGetInt32(DirectFunctionCall1(numeric_scale, NumericGetDatum(n)));
}

static bool
numeric_is_special(Numeric n)
{
	return numeric_is_nan(n) || numeric_is_inf(n);
}

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

/*
 * acc += v * w, keeping one palloc'd running value: a bulk insert folds
 * millions of rows into a few groups without growing memory.
 */
static MemoryContext persist_cxt;	/* the groups' context, during a fold */

static Datum
persist(Datum v, bool byval, int16 len)
{
	MemoryContext old = MemoryContextSwitchTo(persist_cxt);
	Datum		copy = datumCopy(v, byval, len);

	MemoryContextSwitchTo(old);
	return copy;
}

static void
numeric_accumulate(Datum *acc, Datum v, int64 w)
{
	Datum		kept;

	if (*acc != (Datum) 0 && (w == 1 || w == -1))
	{
		/*
		 * The common weights: add or subtract straight into the groups'
		 * memory, the input detoasted (short header expanded) per row first.
		 */
		Datum		in = NumericGetDatum(DatumGetNumeric(v));
		MemoryContext old = MemoryContextSwitchTo(persist_cxt);

		kept = DirectFunctionCall2(w == 1 ? numeric_add : numeric_sub, *acc, in);
		MemoryContextSwitchTo(old);
	}
	else
	{
		Datum		prod = numeric_times(v, w);
		Datum		sum = (*acc == (Datum) 0) ? prod
			: DirectFunctionCall2(numeric_add, *acc, prod);

		/* arithmetic garbage stays in the caller's per-row memory */
		kept = persist(sum, false, -1);
	}
	if (*acc != (Datum) 0)
		pfree(DatumGetPointer(*acc));
	*acc = kept;
}

/* a + b; the result is always a fresh copy in the current context */
static Datum
numeric_plus(Datum a, Datum b)
{
	if (a == (Datum) 0)
		return datumCopy(b, false, -1);
	return DirectFunctionCall2(numeric_add, a, b);
}

static void fold_value(AggSpec *a, AggAccum *acc, Datum v, bool isnull, int64 w);

/* min/max: is x strictly better (smaller for min, larger for max) than y? */
static bool
better(AggSpec *a, Datum x, Datum y)
{
	return DatumGetBool(FunctionCall2Coll(&a->sortfn, a->inputcollid, x, y));
}

/* Add w copies of an integer input to a running numeric/int64 sum. */
static void
accum_int(AggAccum *acc, int64 v, int64 w, bool to_numeric)
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
	numeric_accumulate(&acc->nsum, NumericGetDatum(int64_to_numeric(v)), w);
}

static void
fold_one(AggSpec *a, AggAccum *acc, Datum v, bool isnull, int64 w,
		 MemoryContext cxt)
{
	/*
	 * Running values live as long as the groups, copied into their context;
	 * the input may be in an executor's memory that the next row reuses.
	 */
	persist_cxt = cxt;
	fold_value(a, acc, v, isnull, w);
}

static void
fold_value(AggSpec *a, AggAccum *acc, Datum v, bool isnull, int64 w)
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
				acc->best = persist(v, a->typbyval, a->typlen);
				acc->has_best = true;
			}
		}
		else if (!acc->has_gone || better(a, v, acc->gone_best))
		{
			if (acc->has_gone && !a->typbyval)
				pfree(DatumGetPointer(acc->gone_best));
			acc->gone_best = persist(v, a->typbyval, a->typlen);
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
				accum_int(acc, iv, w, a->sumkind == SUM_NUMERIC_FROM_INT);
				break;
			}
		case SUM_NUMERIC:
			{
				Numeric		n = DatumGetNumeric(v);

				numeric_accumulate(&acc->nsum, v, w);
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
							: MemoryContextAlloc(persist_cxt, sizeof(double) * acc->fcap);
					}
					acc->fvals[acc->nfvals++] = d;
				}
				break;
			}
		case SUM_NONE:
			elog(ERROR, "sum without a sum kind");
	}
}

/* Fold one consolidated row (group key, then aggregate inputs) into its group. */
void
aggregate_fold(Circuit *c, RowHash *groups, Datum *values, bool *isnull,
			   int64 weight)
{
	GroupAccum *acc = group_accum(c, groups, values, isnull);
	MemoryContext old = MemoryContextSwitchTo(c->econtext->ecxt_per_tuple_memory);
	int			i;

	acc->count += weight;
	if (weight < 0 && c->key_spelling_varies)
	{
		/* remember how the leaving key was spelled (numeric 1.0 vs 1.00) */
		MemoryContext old = MemoryContextSwitchTo(groups->cxt);
		RowEntry   *k = palloc0(sizeof(RowEntry));
		int			j;

		k->values = palloc(sizeof(Datum) * Max(c->ngroup, 1));
		k->isnull = palloc(sizeof(bool) * Max(c->ngroup, 1));
		for (j = 0; j < c->ngroup; j++)
		{
			k->isnull[j] = isnull[j];
			k->values[j] = isnull[j] ? (Datum) 0
				: datumCopy(values[j], c->rowtypbyval[j], c->rowtyplen[j]);
		}
		acc->gone_keys = lappend(acc->gone_keys, k);
		MemoryContextSwitchTo(old);
	}
	for (i = 0; i < c->naggs; i++)
	{
		AggSpec    *a = &c->aggs[i];

		if (a->argcol >= 0)
			fold_one(a, &acc->aggs[i], values[a->argcol], isnull[a->argcol], weight,
					 groups->cxt);
		else
			fold_one(a, &acc->aggs[i], (Datum) 0, false, weight, groups->cxt);
	}
	MemoryContextSwitchTo(old);
}

/* ----------------------------------------------------------------
 * Stored state: read, combine, finalize
 * ----------------------------------------------------------------
 */

static void
read_state(Circuit *c, TupleTableSlot *slot, int64 *count, GroupAggState *st)
{
	int			i;
	bool		isnull;

	slot_getallattrs(slot);
	*count = DatumGetInt64(slot->tts_values[c->col_count - 1]);
	for (i = 0; i < c->naggs; i++)
	{
		AggSpec    *a = &c->aggs[i];

		st[i].value = slot->tts_values[a->col_value - 1];
		st[i].value_null = slot->tts_isnull[a->col_value - 1];
		st[i].nn = a->col_nn ? DatumGetInt64(slot->tts_values[a->col_nn - 1]) : 0;
		isnull = a->col_msc ? slot->tts_isnull[a->col_msc - 1] : true;
		st[i].msc = isnull ? 0 : DatumGetInt64(slot->tts_values[a->col_msc - 1]);
	}
}

static void
zero_state(Circuit *c, int64 *count, GroupAggState *st)
{
	int			i;

	*count = 0;
	for (i = 0; i < c->naggs; i++)
	{
		st[i].value = (c->aggs[i].kind == AGG_COUNT ||
					   c->aggs[i].kind == AGG_COUNT_STAR) ? Int64GetDatum(0) : (Datum) 0;
		st[i].value_null = !(c->aggs[i].kind == AGG_COUNT ||
							 c->aggs[i].kind == AGG_COUNT_STAR);
		st[i].nn = 0;
		st[i].msc = 0;
	}
}

/*
 * new = old + delta for one aggregate.  Returns false when the aggregate has
 * no exact answer from its state and the group must be recomputed.
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
		case AGG_SUM:
		case AGG_AVG:
			break;
	}

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
			{
				int			old_scale = -1;
				int			new_scale;
				int64		msc;
				bool		old_special = false;

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
				break;
			}
		case SUM_FLOAT4:
			{
				/* sum(real) adds in real, as float4pl does */
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
				break;
			}
		case SUM_FLOAT8:
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
				break;
			}
		case SUM_NONE:
			elog(ERROR, "sum without a sum kind");
	}
	st->value_null = false;
	return true;
}

/* The value the aggregate returns for a group in this state. */
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

/* ----------------------------------------------------------------
 * Recomputing a group from the base table
 * ----------------------------------------------------------------
 */

static char *
qualified_opname(Oid opno)
{
	HeapTuple	tup = SearchSysCache1(OPEROID, ObjectIdGetDatum(opno));
	Form_pg_operator op;
	char	   *name;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for operator %u", opno);
	op = (Form_pg_operator) GETSTRUCT(tup);
	name = psprintf("%s.%s", quote_identifier(get_namespace_name(op->oprnamespace)),
					NameStr(op->oprname));
	ReleaseSysCache(tup);
	return name;
}

/*
 * A plan over one group of a single-table view, prepared once per NULL
 * pattern of the key: the TIDs of the group's rows (to recompute it), or,
 * with generic set, the values of its generic aggregates.
 */
static SPIPlanPtr
group_plan(Circuit *c, bool *keynull, bool generic)
{
	uint64		mask = key_null_mask(keynull, c->ngroup) |
		(generic ? STEPPING_GENERIC_PLAN_BIT : 0);
	RecomputePlans *p;
	StringInfoData sql;
	Oid		   *argtypes;
	int			i,
				nargs = 0;
	int			nestlevel;
	MemoryContext old;
	bool		first = true;

	for (p = c->recompute; p; p = p->next)
		if (p->nullmask == mask)
			return p->plan;

	initStringInfo(&sql);
	if (generic)
	{
		appendStringInfoString(&sql, "SELECT ");
		for (i = 0; i < c->naggs; i++)
			if (c->aggs[i].kind == AGG_GENERIC)
			{
				appendStringInfo(&sql, "%s%s", first ? "" : ", ", c->aggs[i].sql);
				first = false;
			}
		appendStringInfo(&sql, " FROM ONLY %s", c->basename);
		first = true;
		if (c->where_sql)
		{
			appendStringInfo(&sql, " WHERE (%s)", c->where_sql);
			first = false;
		}
	}
	else
		appendStringInfo(&sql, "SELECT ctid FROM ONLY %s", c->basename);
	argtypes = palloc(sizeof(Oid) * Max(c->ngroup, 1));
	for (i = 0; i < c->ngroup; i++)
	{
		appendStringInfoString(&sql, first ? " WHERE " : " AND ");
		first = false;
		if (keynull[i])
			appendStringInfo(&sql, "(%s) IS NULL", c->group_sql[i]);
		else
		{
			Oid			opno = c->groupeqops[i];

			argtypes[nargs++] = c->rowtypes[i];
			appendStringInfo(&sql, "(%s) OPERATOR(%s) $%d", c->group_sql[i],
							 qualified_opname(opno), nargs);
		}
	}

	nestlevel = stepping_pin_settings();
	old = MemoryContextSwitchTo(c->cxt);
	p = palloc0(sizeof(RecomputePlans));
	p->nullmask = mask;
	p->plan = SPI_prepare(sql.data, nargs, argtypes);
	if (p->plan == NULL)
		elog(ERROR, "stepping: could not prepare \"%s\": %s", sql.data,
			 SPI_result_code_string(SPI_result));
	SPI_keepplan(p->plan);
	p->next = c->recompute;
	c->recompute = p;
	MemoryContextSwitchTo(old);
	stepping_unpin_settings(nestlevel);
	return p->plan;
}

void
aggregate_free_plans(Circuit *c)
{
	RecomputePlans *p;

	for (p = c->recompute; p; p = p->next)
		SPI_freeplan(p->plan);
	c->recompute = NULL;
}

static RowEntry *recompute_table_group(Circuit *c, RowEntry *g,
									   Relation baserel, MemoryContext cxt);

/*
 * Fold every base row of one group into a fresh accumulator.  The entry's
 * key is spelled as the group's first row spells it.
 */
static RowEntry *
recompute_group(Circuit *c, RowEntry *g, Relation baserel, MemoryContext cxt)
{
	if (c->join)
	{
		RowHash    *one = aggregate_create_groups(c, cxt);

		join_fold_group(c, g->values, g->isnull, one);
		if (one->nentries == 0)
			(void) group_accum(c, one, g->values, g->isnull);
		return one->order[0];
	}
	return recompute_table_group(c, g, baserel, cxt);
}

static RowEntry *
recompute_table_group(Circuit *c, RowEntry *g, Relation baserel, MemoryContext cxt)
{
	SPIPlanPtr	plan = group_plan(c, g->isnull, false);
	Datum	   *args = palloc(sizeof(Datum) * Max(c->ngroup, 1));
	char	   *nulls = palloc(Max(c->ngroup, 1));
	RowHash    *one = aggregate_create_groups(c, cxt);
	Datum	   *values = palloc(sizeof(Datum) * c->nrowcols);
	bool	   *isnull = palloc(sizeof(bool) * c->nrowcols);
	TupleTableSlot *slot = table_slot_create(baserel, NULL);
	Snapshot	snap = GetActiveSnapshot();
	int			i,
				nargs = 0;
	uint64		r;

	for (i = 0; i < c->ngroup; i++)
		if (!g->isnull[i])
		{
			args[nargs] = g->values[i];
			nulls[nargs++] = ' ';
		}
	if (SPI_execute_plan(plan, args, nulls, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "stepping: group recompute failed");

	for (r = 0; r < SPI_processed; r++)
	{
		bool		tidnull;
		ItemPointer tid = (ItemPointer) DatumGetPointer(SPI_getbinval(SPI_tuptable->vals[r],
															SPI_tuptable->tupdesc,
															1, &tidnull));

		if (!table_tuple_fetch_row_version(baserel, tid, snap, slot))
			continue;
		if (!filter_project_row(c, slot, values, isnull))
			continue;
		aggregate_fold(c, one, values, isnull, 1);
		ResetExprContext(c->econtext);
	}
	SPI_freetuptable(SPI_tuptable);
	ExecDropSingleTupleTableSlot(slot);
	if (one->nentries == 0)
		(void) group_accum(c, one, g->values, g->isnull);
	return one->order[0];
}

/* ----------------------------------------------------------------
 * Applying the groups to the result table
 * ----------------------------------------------------------------
 */

static bool
rows_identical(TupleDesc desc, TupleTableSlot *old, Datum *values, bool *isnull)
{
	int			i;

	slot_getallattrs(old);
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (old->tts_isnull[i] != isnull[i])
			return false;
		if (!isnull[i] &&
			!datum_image_eq(old->tts_values[i], values[i], att->attbyval, att->attlen))
			return false;
	}
	return true;
}

/*
 * Let PostgreSQL compute the group's generic aggregates (string_agg,
 * count(DISTINCT x), FILTER ...) over its rows.
 */
static void
generic_values(Circuit *c, RowEntry *key, GroupAggState *st)
{
	Datum	   *out = palloc(sizeof(Datum) * c->ngeneric);
	bool	   *outnull = palloc(sizeof(bool) * c->ngeneric);
	int			i,
				j = 0;

	if (c->join)
		join_generic_values(c, key->values, key->isnull, out, outnull);
	else
	{
		SPIPlanPtr	plan = group_plan(c, key->isnull, true);
		Datum	   *args = palloc(sizeof(Datum) * Max(c->ngroup, 1));
		int			nargs = 0;

		for (i = 0; i < c->ngroup; i++)
			if (!key->isnull[i])
				args[nargs++] = key->values[i];
		if (SPI_execute_plan(plan, args, NULL, true, 1) != SPI_OK_SELECT ||
			SPI_processed != 1)
			elog(ERROR, "stepping: computing a group's aggregates failed");
		for (i = 0; i < c->ngeneric; i++)
		{
			Form_pg_attribute att = TupleDescAttr(SPI_tuptable->tupdesc, i);

			out[i] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
								   i + 1, &outnull[i]);
			if (!outnull[i])
				out[i] = datumCopy(out[i], att->attbyval, att->attlen);
		}
		SPI_freetuptable(SPI_tuptable);
	}
	for (i = 0; i < c->naggs; i++)
		if (c->aggs[i].kind == AGG_GENERIC)
		{
			st[i].value = out[j];
			st[i].value_null = outnull[j];
			j++;
		}
}

/* Did a row leaving the group spell the key as the stored row does? */
static bool
stored_key_gone(Circuit *c, TupleTableSlot *stored, List *gone)
{
	ListCell   *lc;
	int			i;

	slot_getallattrs(stored);
	foreach(lc, gone)
	{
		RowEntry   *k = (RowEntry *) lfirst(lc);
		bool		same = true;

		for (i = 0; i < c->ngroup && same; i++)
		{
			AttrNumber	col = c->keycols[i] - 1;

			if (k->isnull[i] != stored->tts_isnull[col])
				same = false;
			else if (!k->isnull[i] &&
					 !datum_image_eq(k->values[i], stored->tts_values[col],
									 c->rowtypbyval[i], c->rowtyplen[i]))
				same = false;
		}
		if (same)
			return true;
	}
	return false;
}

/*
 * Apply one group's delta to its row.  Returns false when a concurrent
 * transaction changed the group under us (READ COMMITTED, row-locking
 * views): the caller retries with a new snapshot.
 */
static bool
apply_group(Circuit *c, ResultWriter *w, RowEntry *g, Relation baserel,
			GroupAggState *st, Datum *values, bool *isnull,
			TupleTableSlot *keyslot, TupleTableSlot *aggslot)
{
	TupleDesc	desc = c->resultdesc;
	GroupAccum *acc = (GroupAccum *) g->extra;
	RowEntry   *key = g;		/* whose spelling of the key is written */
	bool		found;
	bool		optimistic;
	bool		locked;
	bool		unknown;
	int64		count;
	bool		exact = true;
	int			i;

	/*
	 * A group recomputed from the base tables in an earlier batch of this
	 * run already holds the whole step's effect: later batches leave it.
	 */
	if (c->run && c->run->recomputed)
	{
		bool		done;

		(void) rowhash_lookup_existing(c->run->recomputed, g->values, g->isnull, &done);
		if (done)
			return true;
	}

	found = c->global ? writer_first_row(w)
		: writer_lookup_key(w, c, g->values, g->isnull);

	/*
	 * Row-locking views write the row optimistically, as UPDATE does, and
	 * retry on a concurrent change; without the plain path, lock it first.
	 */
	optimistic = c->row_locking && w->plain;
	locked = false;
	if (found && c->row_locking && !optimistic)
	{
		if (!writer_lock_current(w, NULL))
			return false;
		locked = true;
	}
	if (found)
		read_state(c, w->oldslot, &count, st);
	else
		zero_state(c, &count, st);

	/*
	 * With HAVING, a group missing from the result table may exist with a
	 * state we do not keep: recompute it from the base tables.
	 */
	unknown = (c->having != NULL && !found);

	count += acc->count;
	for (i = 0; i < c->naggs && exact; i++)
		exact = combine_agg(&c->aggs[i], &st[i], &acc->aggs[i]);
	if (unknown)
		exact = false;
	else if (count < 0)
		stepping_out_of_sync(c, "A change removed rows from a group the result "
							 "table does not hold.");
	if (found && acc->gone_keys != NIL && stored_key_gone(c, w->oldslot, acc->gone_keys))
		exact = false;			/* the stored spelling left: take a remaining one */
	if (!exact && (count > 0 || unknown))
	{
		RowEntry   *fresh_entry;
		GroupAccum *fresh;

		/* read the base table as of now: the group's row is locked by us */
		if (found && c->row_locking && !locked)
		{
			bool		moved;

			if (!writer_lock_current(w, &moved) || moved)
				return false;	/* changed since we read it: start over */
			locked = true;
		}
		if (c->row_locking && !IsolationUsesXactSnapshot())
			PushActiveSnapshot(GetLatestSnapshot());
		else
			PushActiveSnapshot(GetActiveSnapshot());
		fresh_entry = recompute_group(c, g, baserel, CurrentMemoryContext);
		fresh = (GroupAccum *) fresh_entry->extra;
		key = fresh_entry;
		PopActiveSnapshot();
		if (c->run)
		{
			bool		dummy;

			if (c->run->recomputed == NULL)
				c->run->recomputed = rowhash_create(c->run->cxt, ROWHASH_TYPED,
													c->ngroup, c->ngroup, c->rowtypes,
													c->groupeqops, c->groupcolls);
			(void) rowhash_lookup(c->run->recomputed, g->values, g->isnull, &dummy);
		}
		zero_state(c, &count, st);
		count = fresh->count;
		for (i = 0; i < c->naggs; i++)
			if (!combine_agg(&c->aggs[i], &st[i], &fresh->aggs[i]))
				elog(ERROR, "stepping: recomputed group has no exact state");
	}

	if (count == 0 && !c->global)
	{
		if (found && optimistic && !locked)
			return writer_try_delete(w);
		if (found)
			writer_delete_current(w);
		return true;
	}
	if (count == 0)
		zero_state(c, &count, st);
	if (c->ngeneric > 0)
		generic_values(c, key, st);

	/* the row: visible columns, then hidden state */
	memset(isnull, true, sizeof(bool) * desc->natts);
	ExecClearTuple(keyslot);
	for (i = 0; i < c->ngroup; i++)
	{
		keyslot->tts_values[i] = key->values[i];
		keyslot->tts_isnull[i] = key->isnull[i];
		values[c->keycols[i] - 1] = key->values[i];
		isnull[c->keycols[i] - 1] = key->isnull[i];
	}
	ExecStoreVirtualTuple(keyslot);
	ExecClearTuple(aggslot);
	for (i = 0; i < c->naggs; i++)
	{
		AggSpec    *a = &c->aggs[i];

		aggslot->tts_values[i] = final_value(a, &st[i], &aggslot->tts_isnull[i]);
		values[a->col_value - 1] = st[i].value;
		isnull[a->col_value - 1] = st[i].value_null;
		if (a->col_nn)
		{
			values[a->col_nn - 1] = Int64GetDatum(st[i].nn);
			isnull[a->col_nn - 1] = false;
		}
		if (a->col_msc)
		{
			values[a->col_msc - 1] = Int64GetDatum(st[i].msc);
			isnull[a->col_msc - 1] = false;
		}
	}
	ExecStoreVirtualTuple(aggslot);
	values[c->col_count - 1] = Int64GetDatum(count);
	isnull[c->col_count - 1] = false;

	c->econtext->ecxt_innertuple = keyslot;
	c->econtext->ecxt_outertuple = aggslot;
	for (i = 0; i < c->nvisible; i++)
		values[i] = ExecEvalExpr(c->finals[i], c->econtext, &isnull[i]);

	if (c->having && !ExecQual(c->having, c->econtext))
	{
		/* the group fails HAVING: it has no row */
		bool		done = true;

		if (found && optimistic && !locked)
			done = writer_try_delete(w);
		else if (found)
			writer_delete_current(w);
		ResetExprContext(c->econtext);
		return done;
	}
	if (!found)
	{
		if (c->row_locking && !c->global)
		{
			if (!writer_insert_group(w, values, isnull))
			{
				ResetExprContext(c->econtext);
				return false;
			}
		}
		else
			writer_insert(w, values, isnull);
	}
	else if (!rows_identical(desc, w->oldslot, values, isnull))
	{
		if (optimistic && !locked)
		{
			bool		done = writer_try_update(w, values, isnull);

			ResetExprContext(c->econtext);
			return done;
		}
		writer_update(w, values, isnull);
	}
	ResetExprContext(c->econtext);
	return true;
}

void
aggregate_apply(Circuit *c, RowHash *groups, Relation baserel)
{
	ResultWriter *w;
	TupleDesc	desc = c->resultdesc;
	Datum	   *values = palloc(sizeof(Datum) * desc->natts);
	bool	   *isnull = palloc(sizeof(bool) * desc->natts);
	GroupAggState   *st = palloc(sizeof(GroupAggState) * Max(c->naggs, 1));
	TupleTableSlot *keyslot,
			   *aggslot;
	TupleDesc	keydesc,
				aggdesc;
	uint64		gi;
	int			i;

	/* slots for the output expressions: group key (inner), finals (outer) */
	if (c->keyslot == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(c->cxt);

		keydesc = CreateTemplateTupleDesc(c->ngroup);
		for (i = 0; i < c->ngroup; i++)
			TupleDescInitEntry(keydesc, i + 1, NULL, c->rowtypes[i], -1, 0);
		aggdesc = CreateTemplateTupleDesc(c->naggs);
		for (i = 0; i < c->naggs; i++)
			TupleDescInitEntry(aggdesc, i + 1, NULL, c->aggs[i].resulttype, -1, 0);
		c->keyslot = MakeSingleTupleTableSlot(keydesc, &TTSOpsVirtual);
		c->aggslot = MakeSingleTupleTableSlot(aggdesc, &TTSOpsVirtual);
		MemoryContextSwitchTo(old);
	}
	keyslot = c->keyslot;
	aggslot = c->aggslot;

	w = writer_open(c);
	for (gi = 0; gi < groups->nentries; gi++)
	{
		RowEntry   *g = groups->order[gi];

		while (!apply_group(c, w, g, baserel, st, values, isnull, keyslot, aggslot))
			writer_new_snapshot(w);
	}
	writer_close(w);
	ExecClearTuple(keyslot);
	ExecClearTuple(aggslot);
}
