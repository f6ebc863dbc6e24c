/*-------------------------------------------------------------------------
 *
 * zset.c
 *	  Z-sets: weighted rows in a hash table, and the same table keyed by the
 *	  types' own equality for group and DISTINCT keys.
 *
 *	  Consolidation (summing the weights of equal rows) compares the binary
 *	  images of values, so numeric 1.0 and 1.00, or float -0 and 0, never
 *	  cancel each other and leave a stale spelling behind.  Grouping uses the
 *	  types' hash and equality operators, as GROUP BY does.
 *
 *	  Entries keep their insertion order, so a run over the same delta always
 *	  touches result rows in the same order.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "stepping.h"

#define ROWHASH_INITIAL_BUCKETS 64

RowHash *
rowhash_create(MemoryContext parent, RowHashMode mode, int nkeys, int ncols,
			   const Oid *types, const Oid *eqops, const Oid *collations)
{
	MemoryContext cxt;
	RowHash    *h;
	int			i;

	Assert(nkeys <= ncols);
	cxt = AllocSetContextCreate(parent, "stepping rows", ALLOCSET_DEFAULT_SIZES);
	h = MemoryContextAllocZero(cxt, sizeof(RowHash));
	h->cxt = cxt;
	h->mode = mode;
	h->nkeys = nkeys;
	h->ncols = ncols;
	h->typlen = MemoryContextAlloc(cxt, sizeof(int16) * Max(ncols, 1));
	h->typbyval = MemoryContextAlloc(cxt, sizeof(bool) * Max(ncols, 1));
	for (i = 0; i < ncols; i++)
		get_typlenbyval(types[i], &h->typlen[i], &h->typbyval[i]);

	if (mode == ROWHASH_TYPED)
	{
		h->hashfn = MemoryContextAllocZero(cxt, sizeof(FmgrInfo) * Max(nkeys, 1));
		h->eqfn = MemoryContextAllocZero(cxt, sizeof(FmgrInfo) * Max(nkeys, 1));
		h->collation = MemoryContextAlloc(cxt, sizeof(Oid) * Max(nkeys, 1));
		for (i = 0; i < nkeys; i++)
		{
			Oid			lhs_hash,
						rhs_hash;

			if (!get_op_hash_functions(eqops[i], &lhs_hash, &rhs_hash))
				elog(ERROR, "could not find hash function for operator %u",
					 eqops[i]);
			fmgr_info_cxt(lhs_hash, &h->hashfn[i], cxt);
			fmgr_info_cxt(get_opcode(eqops[i]), &h->eqfn[i], cxt);
			h->collation[i] = collations[i];
		}
	}

	h->nbuckets = ROWHASH_INITIAL_BUCKETS;
	h->buckets = MemoryContextAllocZero(cxt, sizeof(RowEntry *) * h->nbuckets);
	return h;
}

uint32
row_image_hash(int ncols, Datum *values, bool *isnull,
			   const int16 *typlen, const bool *typbyval)
{
	uint32		hash = 0;
	int			i;

	for (i = 0; i < ncols; i++)
	{
		uint32		h;

		if (isnull[i])
			h = 0x9e3779b9;
		else
			h = datum_image_hash(values[i], typbyval[i], typlen[i]);
		hash = hash_combine(hash, h);
	}
	return hash;
}

/*
 * A 64-bit hash of a row's binary image (datum_image_hash's rules, wider),
 * for fingerprints of whole Z-sets: sum over rows of weight x hash, where a
 * collision of two different Z-sets has probability about 2^-64.
 */
uint64
row_image_fingerprint(int ncols, Datum *values, bool *isnull,
					  int16 *typlen, bool *typbyval)
{
	/*
	 * Not zero: a row without columns (count(*) over a join) must still
	 * count, so that a Z-set's fingerprint carries at least its total weight.
	 */
	uint64		hash = UINT64CONST(0x2545f4914f6cdd1d);
	int			i;

	for (i = 0; i < ncols; i++)
	{
		uint64		h;

		if (isnull[i])
			h = UINT64CONST(0x9e3779b97f4a7c15);
		else if (typbyval[i])
			h = hash_bytes_extended((unsigned char *) &values[i], sizeof(Datum), i);
		else if (typlen[i] == -1)
		{
			struct varlena *v = PG_DETOAST_DATUM_PACKED(values[i]);

			h = hash_bytes_extended((unsigned char *) VARDATA_ANY(v),
									VARSIZE_ANY_EXHDR(v), i);
			if ((Pointer) v != DatumGetPointer(values[i]))
				pfree(v);
		}
		else if (typlen[i] == -2)
			h = hash_bytes_extended((unsigned char *) DatumGetPointer(values[i]),
									strlen(DatumGetCString(values[i])), i);
		else
			h = hash_bytes_extended((unsigned char *) DatumGetPointer(values[i]),
									typlen[i], i);
		hash = hash_combine64(hash, h);
	}
	return hash;
}

bool
row_image_equal(int ncols, Datum *a, bool *anull, Datum *b, bool *bnull,
				const int16 *typlen, const bool *typbyval)
{
	int			i;

	for (i = 0; i < ncols; i++)
	{
		if (anull[i] != bnull[i])
			return false;
		if (anull[i])
			continue;
		if (!datum_image_eq(a[i], b[i], typbyval[i], typlen[i]))
			return false;
	}
	return true;
}

static uint32
typed_hash(RowHash *h, Datum *values, bool *isnull)
{
	uint32		hash = 0;
	int			i;

	for (i = 0; i < h->nkeys; i++)
	{
		uint32		k = 0;

		if (!isnull[i])
			k = DatumGetUInt32(FunctionCall1Coll(&h->hashfn[i],
												 h->collation[i],
												 values[i]));
		hash = hash_combine(hash, k);
	}
	return hash;
}

static bool
typed_equal(RowHash *h, Datum *a, bool *anull, Datum *b, bool *bnull)
{
	int			i;

	for (i = 0; i < h->nkeys; i++)
	{
		if (anull[i] != bnull[i])
			return false;
		if (anull[i])
			continue;
		if (!DatumGetBool(FunctionCall2Coll(&h->eqfn[i], h->collation[i],
											a[i], b[i])))
			return false;
	}
	return true;
}

static void
rowhash_grow(RowHash *h)
{
	uint32		newn = h->nbuckets * 2;
	RowEntry  **nb = MemoryContextAllocZero(h->cxt, sizeof(RowEntry *) * newn);
	uint32		i;

	for (i = 0; i < h->nbuckets; i++)
	{
		RowEntry   *e = h->buckets[i];

		while (e)
		{
			RowEntry   *next = e->next;
			uint32		b = e->hash & (newn - 1);

			e->next = nb[b];
			nb[b] = e;
			e = next;
		}
	}
	pfree(h->buckets);
	h->buckets = nb;
	h->nbuckets = newn;
}

static RowEntry *
rowhash_find(RowHash *h, Datum *values, bool *isnull, uint32 *hashp)
{
	uint32		hash;
	RowEntry   *e;

	if (h->mode == ROWHASH_IMAGE)
		hash = row_image_hash(h->nkeys, values, isnull, h->typlen, h->typbyval);
	else
		hash = typed_hash(h, values, isnull);
	*hashp = hash;
	for (e = h->buckets[hash & (h->nbuckets - 1)]; e; e = e->next)
	{
		if (e->hash != hash)
			continue;
		if (h->mode == ROWHASH_IMAGE
			? row_image_equal(h->nkeys, e->values, e->isnull, values, isnull,
							  h->typlen, h->typbyval)
			: typed_equal(h, e->values, e->isnull, values, isnull))
			return e;
	}
	return NULL;
}

/*
 * Find the entry for a row, or add one with weight 0 holding a copy of the
 * row's values (all ncols of them) in the hash's context.
 */
RowEntry *
rowhash_lookup(RowHash *h, Datum *values, bool *isnull, bool *found)
{
	uint32		hash;
	RowEntry   *e = rowhash_find(h, values, isnull, &hash);
	MemoryContext old;
	int			i;

	if (e)
	{
		*found = true;
		return e;
	}

	old = MemoryContextSwitchTo(h->cxt);
	e = palloc0(sizeof(RowEntry));
	e->hash = hash;
	e->values = palloc(sizeof(Datum) * Max(h->ncols, 1));
	e->isnull = palloc(sizeof(bool) * Max(h->ncols, 1));
	for (i = 0; i < h->ncols; i++)
	{
		e->isnull[i] = isnull[i];
		e->values[i] = isnull[i] ? (Datum) 0
			: datumCopy(values[i], h->typbyval[i], h->typlen[i]);
	}
	if (h->nentries >= h->order_cap)
	{
		uint64		cap = h->order_cap ? h->order_cap * 2 : 64;

		if (h->order)
			h->order = repalloc_huge(h->order, sizeof(RowEntry *) * cap);
		else
			h->order = palloc(sizeof(RowEntry *) * cap);
		h->order_cap = cap;
	}
	h->order[h->nentries] = e;
	MemoryContextSwitchTo(old);

	e->next = h->buckets[hash & (h->nbuckets - 1)];
	h->buckets[hash & (h->nbuckets - 1)] = e;
	h->nentries++;
	if (h->nentries > (uint64) h->nbuckets * 2)
		rowhash_grow(h);

	*found = false;
	return e;
}

/* Is the row in the hash?  Never adds it. */
RowEntry *
rowhash_lookup_existing(RowHash *h, Datum *values, bool *isnull, bool *found)
{
	uint32		hash;
	RowEntry   *e = rowhash_find(h, values, isnull, &hash);

	*found = (e != NULL);
	return e;
}
