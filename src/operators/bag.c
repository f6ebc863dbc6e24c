/*-------------------------------------------------------------------------
 *
 * bag.c
 *	  The output of a view without GROUP BY or DISTINCT: its rows are a bag,
 *	  kept with their duplicates exactly as the query returns them.
 *
 *	  A row with weight -k deletes k stored rows of the same binary image; a
 *	  row with weight +k inserts k copies.  Candidates are found through a
 *	  plain, non-unique index: on the base table's primary key when the view
 *	  carries it, on columns that identify a joined row when an inner join's
 *	  select list has them (compile/bagkey.c), and otherwise on a hidden
 *	  __stepping_hash column (the hash of the row's image).  The index is an
 *	  access path only: a candidate is taken only when its whole image
 *	  equals the row, so a key that stops being one makes lookups slower,
 *	  never wrong.  Deletes run before inserts, so their lookups only meet
 *	  rows stored before this delta.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"

#include "stepping.h"

/*
 * A delta removed more than the result table holds: the table no longer
 * matches the view's query (edited by hand, or a bug).  Shared by the bag
 * and the grouped operators; detail says what was missing.
 *
 * Under REPEATABLE READ and SERIALIZABLE, when a transaction finished since
 * the snapshot was taken, the missing rows may be rows that transaction
 * committed and this snapshot cannot see: a TRUNCATE is not MVCC-safe, so a
 * snapshot older than a concurrent TRUNCATE sees the truncated table empty
 * but the result tables as they were before it, and a delta computed from
 * the one removes rows the other never showed.  That is a serialization
 * failure (40001), as for any row changed after the snapshot; the retry
 * runs with a new snapshot, where a real mismatch shows as this error.
 */
void
stepping_out_of_sync(Circuit *c, const char *detail)
{
	if (IsolationUsesXactSnapshot() && locks_snapshot_outdated())
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("could not serialize access due to a concurrent change of stepping view \"%s\"",
						c->viewlabel),
				 errdetail("A change removes rows of the result table that this transaction's snapshot does not show; a transaction that committed after the snapshot changed them."),
				 errhint("The transaction might succeed if retried.")));
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("stepping view \"%s\" is out of sync with its query", c->viewname),
			 errdetail("%s", detail),
			 errhint("Call stepping.refresh_view('%s') to recompute it.", c->viewname)));
}

static bool
tid_in(List *tids, ItemPointer tid)
{
	ListCell   *lc;

	foreach(lc, tids)
		if (ItemPointerEquals((ItemPointer) lfirst(lc), tid))
			return true;
	return false;
}

/*
 * Delete n stored copies of the row e.  Copies are interchangeable, so a
 * copy a concurrent step deleted first is passed over for another; when
 * the snapshot shows too few, READ COMMITTED looks again through a new one
 * (a concurrent step may have inserted copies since), REPEATABLE READ
 * fails with 40001.  Rows this step deleted stay visible to its snapshots
 * (same command): they are remembered and skipped.
 */
static void
delete_copies(Circuit *c, ResultWriter *w, RowEntry *e, int64 n)
{
	List	   *done = NIL;
	List	   *gone = NIL;

	for (;;)
	{
		int64		want = n + list_length(done) + list_length(gone);
		List	   *tids = writer_lookup_image(w, c, e->values, e->isnull, e->hash, want);
		bool		exhausted = (list_length(tids) < want);
		ListCell   *lc;

		foreach(lc, tids)
		{
			ItemPointer tid = (ItemPointer) lfirst(lc);

			if (n == 0)
				break;
			if (tid_in(done, tid) || tid_in(gone, tid))
				continue;
			if (writer_delete_candidate(w, tid))
			{
				done = lappend(done, tid);
				n--;
			}
			else
				gone = lappend(gone, tid);
		}
		if (n == 0)
			break;
		if (!exhausted)
			continue;			/* more candidates than asked for */
		if (gone == NIL)
			stepping_out_of_sync(c, "A change removed a row the result table does not hold.");
		if (IsolationUsesXactSnapshot())
			ereport(ERROR,
					(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
					 errmsg("could not serialize access due to concurrent update of stepping view \"%s\"",
							c->viewlabel)));
		writer_new_snapshot(w);
		list_free(gone);
		gone = NIL;
	}
}

void
bag_apply(Circuit *c, RowHash *zset)
{
	ResultWriter *w = writer_open(c);
	int			natts = c->resultdesc->natts;
	Datum	   *values = palloc(sizeof(Datum) * natts);
	bool	   *isnull = palloc(sizeof(bool) * natts);
	uint64		i;

	for (i = 0; i < zset->nentries; i++)
	{
		RowEntry   *e = zset->order[i];

		if (e->weight < 0)
			delete_copies(c, w, e, -e->weight);
	}

	memset(isnull, true, sizeof(bool) * natts);
	for (i = 0; i < zset->nentries; i++)
	{
		RowEntry   *e = zset->order[i];
		int64		k;

		if (e->weight <= 0)
			continue;
		memcpy(values, e->values, sizeof(Datum) * c->nvisible);
		memcpy(isnull, e->isnull, sizeof(bool) * c->nvisible);
		if (c->bag.col_hash)
		{
			values[c->bag.col_hash - 1] = Int32GetDatum((int32) e->hash);
			isnull[c->bag.col_hash - 1] = false;
		}
		for (k = 0; k < e->weight; k++)
			writer_insert(w, values, isnull);
	}
	writer_close(w);
}
