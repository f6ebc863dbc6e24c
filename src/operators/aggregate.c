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
 *	  This file owns the groups: folding rows into them, reading and
 *	  writing their rows' state, recomputing them and applying them to the
 *	  result table.  The arithmetic of each aggregate within a group
 *	  (accumulate, combine with the stored state, finalize) is aggfuncs.c's.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "access/xact.h"
#include "access/tableam.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "access/htup_details.h"
#include "catalog/pg_operator.h"
#include "utils/builtins.h"
#include "utils/syscache.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "stepping.h"

typedef struct GroupAccum
{
	int64		count;			/* rows entering minus rows leaving */
	List	   *gone_keys;		/* RowEntry * of rows leaving, when equal
								 * keys may be spelled differently */
	AggAccum	aggs[FLEXIBLE_ARRAY_MEMBER];
} GroupAccum;

/* What a per-group plan returns (group_plan_kind) */
#define GROUP_PLAN_TIDS		0	/* the TIDs of the group's rows */
#define GROUP_PLAN_GENERIC	1	/* its generic aggregates' values */
#define GROUP_PLAN_SPELLING	2	/* a row if one spells the key as given */
#define STEPPING_SPELLING_PLAN_BIT (UINT64CONST(1) << 62)

static SPIPlanPtr group_plan_kind(Circuit *c, bool *keynull, int kind);
static RowEntry *stored_key_entry(Circuit *c, TupleTableSlot *stored);

typedef struct RecomputePlans
{
	uint64		nullmask;
	SPIPlanPtr	plan;
	struct RecomputePlans *next;
} RecomputePlans;

RowHash *
aggregate_create_groups(Circuit *c, MemoryContext cxt)
{
	return rowhash_create(cxt, ROWHASH_TYPED, c->grouped.ngroup, c->grouped.ngroup,
						  c->rowtypes, c->grouped.groupeqops, c->grouped.groupcolls);
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
												 sizeof(AggAccum) * c->grouped.naggs);

		for (i = 0; i < c->grouped.naggs; i++)
			aggfunc_init_accum(&acc->aggs[i]);
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

/* Fold one consolidated row (group key, then aggregate inputs) into its group. */
void
aggregate_fold(Circuit *c, RowHash *groups, Datum *values, bool *isnull,
			   int64 weight)
{
	GroupAccum *acc = group_accum(c, groups, values, isnull);
	MemoryContext old = MemoryContextSwitchTo(c->econtext->ecxt_per_tuple_memory);
	int			i;

	acc->count += weight;
	if (weight < 0 && c->grouped.key_spelling_varies)
	{
		/* remember how the leaving key was spelled (numeric 1.0 vs 1.00) */
		MemoryContext old = MemoryContextSwitchTo(groups->cxt);
		RowEntry   *k = palloc0(sizeof(RowEntry));
		int			j;

		k->values = palloc(sizeof(Datum) * Max(c->grouped.ngroup, 1));
		k->isnull = palloc(sizeof(bool) * Max(c->grouped.ngroup, 1));
		for (j = 0; j < c->grouped.ngroup; j++)
		{
			k->isnull[j] = isnull[j];
			k->values[j] = isnull[j] ? (Datum) 0
				: datumCopy(values[j], c->rowtypbyval[j], c->rowtyplen[j]);
		}
		acc->gone_keys = lappend(acc->gone_keys, k);
		MemoryContextSwitchTo(old);
	}
	for (i = 0; i < c->grouped.naggs; i++)
	{
		AggSpec    *a = &c->grouped.aggs[i];

		/*
		 * Running values live as long as the groups, copied into their
		 * context; the input may be in an executor's memory that the next
		 * row reuses.
		 */
		if (a->argcol >= 0)
			aggfunc_fold_value(a, &acc->aggs[i], values[a->argcol],
							   isnull[a->argcol], weight, groups->cxt);
		else
			aggfunc_fold_value(a, &acc->aggs[i], (Datum) 0, false, weight,
							   groups->cxt);
	}
	MemoryContextSwitchTo(old);
}

/* ----------------------------------------------------------------
 * Stored state: read, or empty
 * ----------------------------------------------------------------
 */

/*
 * The group's stored state.  By-reference values point into the slot's
 * tuple: nothing may store another tuple in the slot (a row lock does)
 * until the row is written or the state is rebuilt.
 */
static void
read_state(Circuit *c, TupleTableSlot *slot, int64 *count, GroupAggState *st)
{
	int			i;
	bool		isnull;

	slot_getallattrs(slot);
	*count = DatumGetInt64(slot->tts_values[c->grouped.col_count - 1]);
	for (i = 0; i < c->grouped.naggs; i++)
	{
		AggSpec    *a = &c->grouped.aggs[i];

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
	for (i = 0; i < c->grouped.naggs; i++)
		aggfunc_zero_state(&c->grouped.aggs[i], &st[i]);
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
	return group_plan_kind(c, keynull, generic ? GROUP_PLAN_GENERIC : GROUP_PLAN_TIDS);
}

static SPIPlanPtr
group_plan_kind(Circuit *c, bool *keynull, int kind)
{
	bool		generic = (kind == GROUP_PLAN_GENERIC);
	uint64		mask = key_null_mask(keynull, c->grouped.ngroup) |
		(generic ? STEPPING_GENERIC_PLAN_BIT : 0) |
		(kind == GROUP_PLAN_SPELLING ? STEPPING_SPELLING_PLAN_BIT : 0);
	RecomputePlans *p;
	StringInfoData sql;
	Oid		   *argtypes;
	int			i,
				nargs = 0;
	int			nestlevel;
	MemoryContext old;
	bool		first = true;

	for (p = c->grouped.recompute; p; p = p->next)
		if (p->nullmask == mask)
			return p->plan;

	initStringInfo(&sql);
	if (generic)
	{
		appendStringInfoString(&sql, "SELECT ");
		for (i = 0; i < c->grouped.naggs; i++)
			if (c->grouped.aggs[i].kind == AGG_GENERIC)
			{
				appendStringInfo(&sql, "%s%s", first ? "" : ", ", c->grouped.aggs[i].sql);
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
	else if (kind == GROUP_PLAN_SPELLING)
	{
		appendStringInfo(&sql, "SELECT 1 FROM ONLY %s", c->basename);
		if (c->where_sql)
		{
			appendStringInfo(&sql, " WHERE (%s)", c->where_sql);
			first = false;
		}
	}
	else
		appendStringInfo(&sql, "SELECT ctid FROM ONLY %s", c->basename);
	argtypes = palloc(sizeof(Oid) * Max(c->grouped.ngroup, 1));
	for (i = 0; i < c->grouped.ngroup; i++)
	{
		appendStringInfoString(&sql, first ? " WHERE " : " AND ");
		first = false;
		if (keynull[i])
			appendStringInfo(&sql, "(%s) IS NULL", c->grouped.group_sql[i]);
		else
		{
			Oid			opno = c->grouped.groupeqops[i];

			argtypes[nargs++] = c->rowtypes[i];
			appendStringInfo(&sql, "(%s) OPERATOR(%s) $%d", c->grouped.group_sql[i],
							 qualified_opname(opno), nargs);
			/*
			 * The same binary image: the same spelling (record_image_eq;
			 * ROW(a) *= ROW(b) would compare column by column with the
			 * columns' own *=, which scalars lack, so each side is made a
			 * record datum).
			 */
			if (kind == GROUP_PLAN_SPELLING)
				appendStringInfo(&sql, " AND (SELECT __r FROM (SELECT (%s)) __r) OPERATOR(pg_catalog.*=) (SELECT __r FROM (SELECT $%d) __r)",
								 c->grouped.group_sql[i], nargs);
		}
	}
	if (kind == GROUP_PLAN_SPELLING)
		appendStringInfoString(&sql, " LIMIT 1");

	nestlevel = stepping_pin_settings();
	old = MemoryContextSwitchTo(c->cxt);
	p = palloc0(sizeof(RecomputePlans));
	p->nullmask = mask;
	p->plan = SPI_prepare(sql.data, nargs, argtypes);
	if (p->plan == NULL)
		elog(ERROR, "could not prepare \"%s\": %s", sql.data,
			 SPI_result_code_string(SPI_result));
	SPI_keepplan(p->plan);
	p->next = c->grouped.recompute;
	c->grouped.recompute = p;
	MemoryContextSwitchTo(old);
	stepping_unpin_settings(nestlevel);
	return p->plan;
}

void
aggregate_free_plans(Circuit *c)
{
	RecomputePlans *p;

	for (p = c->grouped.recompute; p; p = p->next)
		SPI_freeplan(p->plan);
	c->grouped.recompute = NULL;
}

static RowEntry *recompute_table_group(Circuit *c, RowEntry *g,
									   Relation baserel, MemoryContext cxt);

/*
 * Whether a row of the group that spells its key as the stored row does
 * remains in the base table (with the step's changes; its WHERE applied).
 * One index or sequential scan that stops at the first such row.
 */
static bool
stored_spelling_remains(Circuit *c, TupleTableSlot *stored)
{
	RowEntry   *key = stored_key_entry(c, stored);
	Datum	   *args = palloc(sizeof(Datum) * Max(c->grouped.ngroup, 1));
	SPIPlanPtr	plan;
	int			i,
				nargs = 0;
	bool		remains;

	for (i = 0; i < c->grouped.ngroup; i++)
		if (!key->isnull[i])
			args[nargs++] = key->values[i];
	plan = group_plan_kind(c, key->isnull, GROUP_PLAN_SPELLING);
	if (SPI_execute_plan(plan, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "stepping: looking for a group's key spelling failed");
	remains = (SPI_processed > 0);
	SPI_freetuptable(SPI_tuptable);
	pfree(args);
	return remains;
}

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
	Datum	   *args = palloc(sizeof(Datum) * Max(c->grouped.ngroup, 1));
	char	   *nulls = palloc(Max(c->grouped.ngroup, 1));
	RowHash    *one = aggregate_create_groups(c, cxt);
	Datum	   *values = palloc(sizeof(Datum) * c->nrowcols);
	bool	   *isnull = palloc(sizeof(bool) * c->nrowcols);
	TupleTableSlot *slot = table_slot_create(baserel, NULL);
	Snapshot	snap = GetActiveSnapshot();
	int			i,
				nargs = 0;
	uint64		r;

	for (i = 0; i < c->grouped.ngroup; i++)
		if (!g->isnull[i])
		{
			args[nargs] = g->values[i];
			nulls[nargs++] = ' ';
		}
	if (SPI_execute_plan(plan, args, nulls, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "group recompute failed");

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
/*
 * Add one row of a grouped query (group key, then the generic aggregates'
 * values) to map, copied into the map's memory.
 */
void
generic_map_add(Circuit *c, RowHash *map, TupleTableSlot *slot)
{
	int			ngroup = c->grouped.ngroup;
	int			n = c->grouped.ngeneric;
	bool		found;
	RowEntry   *e;
	Datum	   *vals;
	bool	   *nulls;
	MemoryContext old;
	int			i;

	slot_getallattrs(slot);
	e = rowhash_lookup(map, slot->tts_values, slot->tts_isnull, &found);
	if (found)
		elog(ERROR, "stepping: a grouped query returned one group twice");
	old = MemoryContextSwitchTo(map->cxt);
	vals = palloc(sizeof(Datum) * Max(n, 1));
	nulls = palloc(sizeof(bool) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		Form_pg_attribute att = TupleDescAttr(slot->tts_tupleDescriptor, ngroup + i);

		nulls[i] = slot->tts_isnull[ngroup + i];
		vals[i] = nulls[i] ? (Datum) 0
			: datumCopy(slot->tts_values[ngroup + i], att->attbyval, att->attlen);
	}
	e->extra = list_make2(vals, nulls);
	MemoryContextSwitchTo(old);
}

/*
 * Every group's generic aggregates in one grouped query over the base
 * table (single-table views; join.c plans the join views'), for a refresh.
 */
static RowHash *
generic_values_all(Circuit *c)
{
	RowHash    *map = rowhash_create(c->run->cxt, ROWHASH_TYPED, c->grouped.ngroup,
									 c->grouped.ngroup, c->rowtypes,
									 c->grouped.groupeqops, c->grouped.groupcolls);

	if (c->join)
		join_generic_values_all(c, map);
	else
	{
		StringInfoData sql;
		int			i;
		uint64		r;
		int			nestlevel;
		bool		first = true;

		initStringInfo(&sql);
		appendStringInfoString(&sql, "SELECT ");
		for (i = 0; i < c->grouped.ngroup; i++)
			appendStringInfo(&sql, "%s(%s)", i ? ", " : "", c->grouped.group_sql[i]);
		first = (c->grouped.ngroup == 0);
		for (i = 0; i < c->grouped.naggs; i++)
			if (c->grouped.aggs[i].kind == AGG_GENERIC)
			{
				appendStringInfo(&sql, "%s%s", first ? "" : ", ", c->grouped.aggs[i].sql);
				first = false;
			}
		first = true;
		appendStringInfo(&sql, " FROM ONLY %s", c->basename);
		if (c->where_sql)
			appendStringInfo(&sql, " WHERE (%s)", c->where_sql);
		for (i = 0; i < c->grouped.ngroup; i++)
		{
			appendStringInfo(&sql, "%s%d", first ? " GROUP BY " : ", ", i + 1);
			first = false;
		}
		nestlevel = stepping_pin_settings();
		if (SPI_execute(sql.data, true, 0) != SPI_OK_SELECT)
			elog(ERROR, "computing the groups' aggregates failed");
		stepping_unpin_settings(nestlevel);
		{
			TupleTableSlot *slot = MakeSingleTupleTableSlot(SPI_tuptable->tupdesc,
															&TTSOpsHeapTuple);

			for (r = 0; r < SPI_processed; r++)
			{
				ExecStoreHeapTuple(SPI_tuptable->vals[r], slot, false);
				generic_map_add(c, map, slot);
				ExecClearTuple(slot);
			}
			ExecDropSingleTupleTableSlot(slot);
		}
		SPI_freetuptable(SPI_tuptable);
	}
	return map;
}

static void
generic_values(Circuit *c, RowEntry *key, GroupAggState *st)
{
	Datum	   *out = palloc(sizeof(Datum) * c->grouped.ngeneric);
	bool	   *outnull = palloc(sizeof(bool) * c->grouped.ngeneric);
	int			i,
				j = 0;
	RowEntry   *e = NULL;

	/* a refresh: one grouped query for all groups */
	if (c->run && c->run->refresh)
	{
		bool		found = false;

		if (c->run->generic_all == NULL)
			c->run->generic_all = generic_values_all(c);
		e = rowhash_lookup_existing(c->run->generic_all, key->values, key->isnull, &found);
		if (!found)
			e = NULL;
	}
	if (e)
	{
		List	   *l = (List *) e->extra;

		memcpy(out, linitial(l), sizeof(Datum) * c->grouped.ngeneric);
		memcpy(outnull, lsecond(l), sizeof(bool) * c->grouped.ngeneric);
	}
	else if (c->join)
		join_generic_values(c, key->values, key->isnull, out, outnull);
	else
	{
		SPIPlanPtr	plan = group_plan(c, key->isnull, true);
		Datum	   *args = palloc(sizeof(Datum) * Max(c->grouped.ngroup, 1));
		int			nargs = 0;

		for (i = 0; i < c->grouped.ngroup; i++)
			if (!key->isnull[i])
				args[nargs++] = key->values[i];
		if (SPI_execute_plan(plan, args, NULL, true, 1) != SPI_OK_SELECT ||
			SPI_processed != 1)
			elog(ERROR, "computing a group's aggregates failed");
		for (i = 0; i < c->grouped.ngeneric; i++)
		{
			Form_pg_attribute att = TupleDescAttr(SPI_tuptable->tupdesc, i);

			out[i] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
								   i + 1, &outnull[i]);
			if (!outnull[i])
				out[i] = datumCopy(out[i], att->attbyval, att->attlen);
		}
		SPI_freetuptable(SPI_tuptable);
	}
	for (i = 0; i < c->grouped.naggs; i++)
		if (c->grouped.aggs[i].kind == AGG_GENERIC)
		{
			st[i].value = out[j];
			st[i].value_null = outnull[j];
			j++;
		}
}

/*
 * The stored row's key, as an entry (copied: the slot's tuple may be
 * replaced while the row is written).  A group's row keeps the spelling it
 * has (a row of the group spells its key so) while rows of other spellings
 * come and go: writing the delta's spelling instead could name a spelling
 * the step just deleted.
 */
static RowEntry *
stored_key_entry(Circuit *c, TupleTableSlot *stored)
{
	RowEntry   *k = palloc0(sizeof(RowEntry));
	int			i;

	slot_getallattrs(stored);
	k->values = palloc(sizeof(Datum) * Max(c->grouped.ngroup, 1));
	k->isnull = palloc(sizeof(bool) * Max(c->grouped.ngroup, 1));
	for (i = 0; i < c->grouped.ngroup; i++)
	{
		AttrNumber	col = c->keycols[i] - 1;

		k->isnull[i] = stored->tts_isnull[col];
		k->values[i] = k->isnull[i] ? (Datum) 0
			: datumCopy(stored->tts_values[col], c->rowtypbyval[i], c->rowtyplen[i]);
	}
	return k;
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

		for (i = 0; i < c->grouped.ngroup && same; i++)
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
 * A group recomputed from the base tables in an earlier batch of this run
 * already holds the whole step's effect: later batches leave it.
 */
static bool
recomputed_this_run(Circuit *c, RowEntry *g)
{
	bool		done = false;

	if (c->run && c->run->recomputed)
		(void) rowhash_lookup_existing(c->run->recomputed, g->values, g->isnull, &done);
	return done;
}

/* Remember a recomputed group for recomputed_this_run. */
static void
remember_recomputed(Circuit *c, RowEntry *g)
{
	bool		dummy;

	if (c->run == NULL)
		return;
	if (c->run->recomputed == NULL)
		c->run->recomputed = rowhash_create(c->run->cxt, ROWHASH_TYPED,
											c->grouped.ngroup, c->grouped.ngroup, c->rowtypes,
											c->grouped.groupeqops, c->grouped.groupcolls);
	(void) rowhash_lookup(c->run->recomputed, g->values, g->isnull, &dummy);
}

/*
 * Read the group's base rows as of now: lock its result row first
 * (row-locking views; a concurrent step that changes the group waits for
 * us, and we read every step ordered before us), then push the snapshot to
 * read through, which the caller pops.  Returns false, pushing nothing,
 * when the row changed since we read it.  The lock replaces w->oldslot's
 * tuple: a state read from it before must be read again (read_state).
 */
static bool
begin_group_read(Circuit *c, ResultWriter *w, bool found, bool *locked)
{
	if (found && c->row_locking && !*locked)
	{
		bool		moved;

		if (!writer_lock_current(w, &moved) || moved)
			return false;
		*locked = true;
	}
	if (c->row_locking && !IsolationUsesXactSnapshot())
		PushActiveSnapshot(GetLatestSnapshot());
	else
		PushActiveSnapshot(GetActiveSnapshot());
	return true;
}

/*
 * The stored state plus the delta gives no exact answer (an aggregate
 * without an exact inverse, a group HAVING hid, or the stored spelling of
 * the key left): replace st and *count by the group recomputed from the
 * base tables as of now, and *key by its entry, whose spelling of the key
 * is written.  Returns false when the group's row changed since we read it:
 * the caller starts over.
 */
static bool
recompute_into_state(Circuit *c, ResultWriter *w, RowEntry *g, Relation baserel,
					 bool found, bool *locked, GroupAggState *st, int64 *count,
					 RowEntry **key)
{
	RowEntry   *fresh_entry;
	GroupAccum *fresh;
	int			i;

	if (!begin_group_read(c, w, found, locked))
		return false;			/* changed since we read it: start over */
	fresh_entry = recompute_group(c, g, baserel, CurrentMemoryContext);
	fresh = (GroupAccum *) fresh_entry->extra;
	*key = fresh_entry;
	PopActiveSnapshot();
	remember_recomputed(c, g);
	zero_state(c, count, st);
	*count = fresh->count;
	for (i = 0; i < c->grouped.naggs; i++)
		if (!aggfunc_combine(&c->grouped.aggs[i], &st[i], &fresh->aggs[i],
							 CurrentMemoryContext))
			elog(ERROR, "recomputed group has no exact state");
	return true;
}

/*
 * Delete the group's row, if it has one: an emptied group, or one failing
 * HAVING.  Returns false when an optimistic delete met a concurrent change.
 */
static bool
remove_group_row(ResultWriter *w, bool found, bool optimistic, bool locked)
{
	if (found && optimistic && !locked)
		return writer_try_delete(w);
	if (found)
		writer_delete_current(w);
	return true;
}

/*
 * Form the group's row in values/isnull: the hidden state (key columns not
 * in the output, each aggregate's state, the count), then the visible
 * columns, the view's output expressions evaluated over the group key
 * (keyslot, inner) and the aggregates' finals (aggslot, outer).  The
 * expression context keeps both slots for the HAVING qual.
 */
static void
form_group_row(Circuit *c, RowEntry *key, GroupAggState *st, int64 count,
			   Datum *values, bool *isnull,
			   TupleTableSlot *keyslot, TupleTableSlot *aggslot)
{
	TupleDesc	desc = c->resultdesc;
	int			i;

	/* the row: visible columns, then hidden state */
	memset(isnull, true, sizeof(bool) * desc->natts);
	ExecClearTuple(keyslot);
	for (i = 0; i < c->grouped.ngroup; i++)
	{
		keyslot->tts_values[i] = key->values[i];
		keyslot->tts_isnull[i] = key->isnull[i];
		values[c->keycols[i] - 1] = key->values[i];
		isnull[c->keycols[i] - 1] = key->isnull[i];
	}
	ExecStoreVirtualTuple(keyslot);
	ExecClearTuple(aggslot);
	for (i = 0; i < c->grouped.naggs; i++)
	{
		AggSpec    *a = &c->grouped.aggs[i];

		aggslot->tts_values[i] = aggfunc_final_value(a, &st[i],
													 &aggslot->tts_isnull[i],
													 CurrentMemoryContext);
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
	values[c->grouped.col_count - 1] = Int64GetDatum(count);
	isnull[c->grouped.col_count - 1] = false;

	c->econtext->ecxt_innertuple = keyslot;
	c->econtext->ecxt_outertuple = aggslot;
	for (i = 0; i < c->nvisible; i++)
		values[i] = ExecEvalExpr(c->grouped.finals[i], c->econtext, &isnull[i]);
}

/*
 * Write the formed row: a group failing HAVING loses its row, a new group
 * is inserted, a changed one updated (an identical row is left alone).
 * Returns false when a concurrent change to the group calls for a retry.
 * Resets the per-tuple memory the output expressions used.
 */
static bool
write_group_row(Circuit *c, ResultWriter *w, bool found, bool optimistic,
				bool locked, Datum *values, bool *isnull)
{
	if (c->grouped.having && !ExecQual(c->grouped.having, c->econtext))
	{
		/* the group fails HAVING: it has no row */
		bool		done = remove_group_row(w, found, optimistic, locked);

		ResetExprContext(c->econtext);
		return done;
	}
	if (!found)
	{
		if (c->row_locking && !c->global && !(c->run && c->run->empty_result))
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
	else if (!rows_identical(c->resultdesc, w->oldslot, values, isnull))
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

/*
 * Apply one group's delta to its row: read its stored state, combine the
 * delta (or recompute the group), then delete, insert or update the row.
 * Returns false when a concurrent transaction changed the group under us
 * (READ COMMITTED, row-locking views): the caller retries with a new
 * snapshot.
 */
static bool
apply_group(Circuit *c, ResultWriter *w, RowEntry *g, Relation baserel,
			GroupAggState *st, Datum *values, bool *isnull,
			TupleTableSlot *keyslot, TupleTableSlot *aggslot)
{
	GroupAccum *acc = (GroupAccum *) g->extra;
	RowEntry   *key = g;		/* whose spelling of the key is written */
	bool		found;
	bool		optimistic;
	bool		locked;
	bool		unknown;
	bool		probe;
	int64		count;
	bool		exact = true;
	int			i;

	if (recomputed_this_run(c, g))
		return true;

	if (c->run && c->run->empty_result)
		found = false;			/* a refresh's first batch: nothing to find */
	else
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

	/*
	 * Rows spelled as the stored key leaving a single-table view's group
	 * make us look for a remaining row of that spelling, through a snapshot
	 * taken with the row locked.  Lock it before reading its state: the lock
	 * stores the row's latest version in w->oldslot, freeing the copy the
	 * state would point into.
	 */
	probe = found && acc->gone_keys != NIL &&
		stored_key_gone(c, w->oldslot, acc->gone_keys);
	if (probe && !c->join && c->row_locking && !locked)
	{
		bool		moved;

		if (!writer_lock_current(w, &moved) || moved)
			return false;
		locked = true;
	}
	if (found)
		read_state(c, w->oldslot, &count, st);
	else
		zero_state(c, &count, st);

	/*
	 * With HAVING, a group missing from the result table may exist with a
	 * state we do not keep: recompute it from the base tables.  Not in a
	 * refresh's first batch: its state of a group is all the group's rows
	 * read so far, and a later batch that brings more finds the row, or
	 * recomputes a group that had none.
	 */
	unknown = (c->grouped.having != NULL && !found &&
			   !(c->run && c->run->empty_result));

	count += acc->count;
	for (i = 0; i < c->grouped.naggs && exact; i++)
		exact = aggfunc_combine(&c->grouped.aggs[i], &st[i], &acc->aggs[i],
								CurrentMemoryContext);
	if (unknown)
		exact = false;
	else if (count < 0)
		stepping_out_of_sync(c, "A change removed rows from a group the result "
							 "table does not hold.");
	if (exact && probe)
	{
		/*
		 * Rows spelled as the stored key left: when none remains, take a
		 * remaining row's spelling.  (A single-table view looks for one
		 * first; a join view recomputes.)
		 */
		if (c->join)
			exact = false;
		else
		{
			if (!begin_group_read(c, w, found, &locked))
				return false;
			exact = stored_spelling_remains(c, w->oldslot);
			PopActiveSnapshot();
		}
	}
	if (!exact && (count > 0 || unknown) &&
		!recompute_into_state(c, w, g, baserel, found, &locked, st, &count, &key))
		return false;

	if (count == 0 && !c->global)
		return remove_group_row(w, found, optimistic, locked);
	if (count == 0)
		zero_state(c, &count, st);
	/* an existing row keeps its spelling of the key unless recomputed */
	if (found && key == g && c->grouped.key_spelling_varies)
		key = stored_key_entry(c, w->oldslot);
	if (c->grouped.ngeneric > 0)
		generic_values(c, key, st);

	form_group_row(c, key, st, count, values, isnull, keyslot, aggslot);
	return write_group_row(c, w, found, optimistic, locked, values, isnull);
}

void
aggregate_apply(Circuit *c, RowHash *groups, Relation baserel)
{
	ResultWriter *w;
	TupleDesc	desc = c->resultdesc;
	Datum	   *values = palloc(sizeof(Datum) * desc->natts);
	bool	   *isnull = palloc(sizeof(bool) * desc->natts);
	GroupAggState   *st = palloc(sizeof(GroupAggState) * Max(c->grouped.naggs, 1));
	TupleTableSlot *keyslot,
			   *aggslot;
	TupleDesc	keydesc,
				aggdesc;
	uint64		gi;
	int			i;

	/* slots for the output expressions: group key (inner), finals (outer) */
	if (c->grouped.keyslot == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(c->cxt);

		keydesc = CreateTemplateTupleDesc(c->grouped.ngroup);
		for (i = 0; i < c->grouped.ngroup; i++)
			TupleDescInitEntry(keydesc, i + 1, NULL, c->rowtypes[i], -1, 0);
		aggdesc = CreateTemplateTupleDesc(c->grouped.naggs);
		for (i = 0; i < c->grouped.naggs; i++)
			TupleDescInitEntry(aggdesc, i + 1, NULL, c->grouped.aggs[i].resulttype, -1, 0);
		c->grouped.keyslot = MakeSingleTupleTableSlot(keydesc, &TTSOpsVirtual);
		c->grouped.aggslot = MakeSingleTupleTableSlot(aggdesc, &TTSOpsVirtual);
		MemoryContextSwitchTo(old);
	}
	keyslot = c->grouped.keyslot;
	aggslot = c->grouped.aggslot;

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
