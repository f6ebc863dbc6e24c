/*-------------------------------------------------------------------------
 *
 * apply.c
 *	  Writing a view's output delta to its result table.
 *
 *	  Rows are found with our own index scans (a NULL key is searched with
 *	  SK_SEARCHNULL, which the executor's replication lookup does not do) and
 *	  written with table routines or the executor's row routines
 *	  (execReplication.c), which keep indexes, constraints and row triggers
 *	  right.  Concurrency takes one of two forms:
 *
 *	  - grouped views with HAVING hold the view lock (catalog_lock_view)
 *	    and read through a snapshot taken after it, so no concurrent
 *	    maintenance can have changed or created a row they do not see;
 *	  - every other view (row_locking) takes no view lock: a group row is
 *	    updated or deleted as an UPDATE would (no lock first; a concurrent
 *	    change makes READ COMMITTED look the group up again with a new
 *	    snapshot and REPEATABLE READ raise 40001), a new group is inserted
 *	    by speculative insertion, as INSERT ... ON CONFLICT does, and a bag
 *	    row leaving takes any stored copy a concurrent step did not delete
 *	    first (writer_delete_candidate).  Join views' steps are ordered
 *	    before that by their inputs' locks (locks.c).
 *
 *	  A result table with user row triggers, transition tables or
 *	  constraints is written through the row routines (rows locked first),
 *	  so its triggers fire; new groups fire their INSERT triggers around the
 *	  speculative insertion.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/nbtree.h"
#include "access/relscan.h"
#include "access/skey.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/pg_class.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "access/xact.h"
#include "utils/tuplestore.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "nodes/makefuncs.h"
#include "catalog/index.h"
#include "common/hashfn.h"
#include "storage/proc.h"
#include "utils/datum.h"
#include "utils/memutils.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "stepping.h"

/*
 * stepping.debug_clobber_rows (a developer option, as PostgreSQL's
 * debug_discard_caches): overwrite the copy of a result row before the
 * writer replaces it, so that a group state still pointing into the old
 * copy reads garbage at once instead of whatever the freed memory holds
 * next.  Builds of PostgreSQL with CLOBBER_FREED_MEMORY do this for every
 * pfree; the packaged server does not.
 */
bool		stepping_debug_clobber_rows = false;

void
writer_define_settings(void)
{
	DefineCustomBoolVariable("stepping.debug_clobber_rows",
							 "Overwrites stepping's copy of a result row before it is replaced (a developer option).",
							 NULL,
							 &stepping_debug_clobber_rows,
							 false,
							 PGC_SUSET,
							 GUC_NOT_IN_SAMPLE,
							 NULL, NULL, NULL);
}

/*
 * The row in w->oldslot is about to be replaced by another (a lookup, a
 * lock that follows the row to its latest version): values read from it
 * die with it.
 */
static void
writer_release_row(ResultWriter *w)
{
	TupleTableSlot *slot = w->oldslot;

	if (stepping_debug_clobber_rows && !TTS_EMPTY(slot) &&
		TTS_SHOULDFREE(slot) && TTS_IS_BUFFERTUPLE(slot))
	{
		HeapTuple	tuple = ((BufferHeapTupleTableSlot *) slot)->base.tuple;

		memset(tuple->t_data, 0x7f, tuple->t_len);
	}
}

ResultWriter *
writer_open(Circuit *c)
{
	ResultWriter *w = palloc0(sizeof(ResultWriter));
	RangeTblEntry *rte;
	int			k;

	w->rel = table_open(c->viewid, RowExclusiveLock);
	w->circuit = c;
	w->run = (c->run && c->run->capture) ? c->run : NULL;
	w->estate = CreateExecutorState();
	rte = makeNode(RangeTblEntry);
	rte->rtekind = RTE_RELATION;
	rte->relid = c->viewid;
	rte->relkind = RELKIND_RELATION;
	rte->rellockmode = RowExclusiveLock;
	ExecInitRangeTable(w->estate, list_make1(rte));

	w->rri = makeNode(ResultRelInfo);
	InitResultRelInfo(w->rri, w->rel, 1, NULL, 0);
	w->estate->es_opened_result_relations =
		lappend(w->estate->es_opened_result_relations, w->rri);
	w->estate->es_output_cid = GetCurrentCommandId(true);
	w->snapshot = GetActiveSnapshot();
	w->estate->es_snapshot = w->snapshot;
	ExecOpenIndices(w->rri, true);
	EvalPlanQualInit(&w->epq, w->estate, NULL, NIL, -1);

	w->oldslot = table_slot_create(w->rel, &w->estate->es_tupleTable);
	w->newslot = ExecInitExtraTupleSlot(w->estate, RelationGetDescr(w->rel),
										&TTSOpsVirtual);

	if (OidIsValid(c->keyindex))
	{
		w->keyrel = index_open(c->keyindex, RowExclusiveLock);
		w->skeys = palloc0(sizeof(ScanKeyData) * c->nkeycols);
		if (c->keyeq == NULL)
		{
			/* looked up once per circuit, kept in its memory */
			FmgrInfo   *keyeq = MemoryContextAllocZero(c->cxt, sizeof(FmgrInfo) * c->nkeycols);

			for (k = 0; k < c->nkeycols; k++)
			{
				Oid			opfamily = w->keyrel->rd_opfamily[k];
				Oid			opcintype = w->keyrel->rd_opcintype[k];
				Oid			eqop = get_opfamily_member(opfamily, opcintype, opcintype,
													   BTEqualStrategyNumber);

				if (!OidIsValid(eqop))
					elog(ERROR, "no equality operator in opfamily %u", opfamily);
				fmgr_info_cxt(get_opcode(eqop), &keyeq[k], c->cxt);
			}
			c->keyeq = keyeq;
		}
		w->keyeq = c->keyeq;
	}
	/*
	 * Rows can be written without the executor's trigger and constraint
	 * machinery unless a user added row triggers, transition tables or
	 * constraints to the result table (the guard is a statement trigger).
	 */
	{
		TriggerDesc *td = w->rri->ri_TrigDesc;

		w->plain = (w->rel->rd_att->constr == NULL) &&
			(td == NULL ||
			 !(td->trig_update_before_row || td->trig_update_after_row ||
			   td->trig_update_instead_row || td->trig_delete_before_row ||
			   td->trig_delete_after_row || td->trig_delete_instead_row ||
			   td->trig_update_old_table || td->trig_update_new_table ||
			   td->trig_delete_old_table));
	}
	/*
	 * AFTER ROW triggers users put on the result table are queued in the
	 * query level run_circuit opened, and fire when maintenance is over.
	 */
	return w;
}

void
writer_close(ResultWriter *w)
{
	EvalPlanQualEnd(&w->epq);
	ExecCloseIndices(w->rri);
	ExecResetTupleTable(w->estate->es_tupleTable, false);
	FreeExecutorState(w->estate);
	if (w->keyrel)
		index_close(w->keyrel, NoLock);
	table_close(w->rel, NoLock);
}

static IndexScanDesc
begin_key_scan(ResultWriter *w, int nkeys, Datum *keys, bool *keynull)
{
	IndexScanDesc scan;
	int			k;

	for (k = 0; k < nkeys; k++)
	{
		if (keynull[k])
			ScanKeyEntryInitialize(&w->skeys[k], SK_ISNULL | SK_SEARCHNULL,
								   k + 1, InvalidStrategy, InvalidOid,
								   InvalidOid, InvalidOid, (Datum) 0);
		else
			ScanKeyEntryInitializeWithInfo(&w->skeys[k], 0, k + 1,
										   BTEqualStrategyNumber, InvalidOid,
										   w->keyrel->rd_indcollation[k],
										   &w->keyeq[k], keys[k]);
	}
	scan = index_beginscan(w->rel, w->keyrel, w->snapshot, nkeys, 0);
	index_rescan(scan, w->skeys, nkeys, NULL, 0);
	return scan;
}

/*
 * TID hints.  A group row written again and again in one transaction (a
 * transaction-level flush per read, a statement per row) keeps every
 * version: none can be pruned before the transaction ends, and an index
 * lookup of the key walks them all.  So the TID of the version this
 * transaction last wrote for a key is remembered (by the hash of the key's
 * binary image) and tried first.  It is only a hint: the tuple must be
 * visible to the writer's snapshot and hold an equal key, else the index
 * decides.  A version this transaction wrote is the current one while it is
 * visible: later versions would be this transaction's own (it holds the
 * row's lock), and their TIDs would be the hint.
 */
typedef struct TidHint
{
	LocalTransactionId lxid;	/* the transaction that wrote it */
	uint32		hash;
	ItemPointerData tid;
} TidHint;

/* direct-mapped: a collision only costs the index lookup */
#define TID_HINTS 1024

static uint32
key_image_hash(ResultWriter *w, Datum *keys, bool *keynull)
{
	TupleDesc	idesc = RelationGetDescr(w->keyrel);
	uint32		h = 0;
	int			k;

	for (k = 0; k < w->circuit->nkeycols; k++)
	{
		Form_pg_attribute att = TupleDescAttr(idesc, k);

		h = hash_combine(h, keynull[k] ? 0x9e3779b9
						 : datum_image_hash(keys[k], att->attbyval, att->attlen));
	}
	return h;
}

/* The slot of the key last looked up; made in the circuit's memory. */
static TidHint *
hint_slot(ResultWriter *w, bool create)
{
	Circuit    *c = w->circuit;

	if (c->tidhints == NULL)
	{
		if (!create)
			return NULL;
		c->tidhints = MemoryContextAllocZero(c->cxt, sizeof(TidHint) * TID_HINTS);
	}
	return &((TidHint *) c->tidhints)[w->hint_hash % TID_HINTS];
}

/* Remember where the row of the key last looked up now is. */
static void
hint_remember(ResultWriter *w, TupleTableSlot *slot)
{
	TidHint    *e;

	if (!w->hint_valid || !ItemPointerIsValid(&slot->tts_tid))
		return;
	e = hint_slot(w, true);
	e->lxid = MyProc->lxid;
	e->hash = w->hint_hash;
	ItemPointerCopy(&slot->tts_tid, &e->tid);
}

/* The hinted row of the key, if it is visible and holds that key. */
static bool
hint_fetch(ResultWriter *w, Datum *keys, bool *keynull)
{
	Circuit    *c = w->circuit;
	TidHint    *e = hint_slot(w, false);
	int			k;

	if (e == NULL || e->lxid != MyProc->lxid || e->hash != w->hint_hash ||
		!table_tuple_fetch_row_version(w->rel, &e->tid, w->snapshot, w->oldslot))
		return false;
	if (keys == NULL)
		return c->nkeycols == 0;
	for (k = 0; k < c->nkeycols; k++)
	{
		bool		isnull;
		Datum		stored = slot_getattr(w->oldslot, c->keycols[k], &isnull);

		if (isnull != keynull[k] ||
			(!isnull && !DatumGetBool(FunctionCall2Coll(&w->keyeq[k],
														w->keyrel->rd_indcollation[k],
														stored, keys[k]))))
			return false;
	}
	return true;
}

/* Find the row of a group by its key; it is left in w->oldslot. */
bool
writer_lookup_key(ResultWriter *w, Circuit *c, Datum *keys, bool *keynull)
{
	IndexScanDesc scan;
	bool		found;

	Assert(w->circuit == c);
	w->hint_hash = key_image_hash(w, keys, keynull);
	writer_release_row(w);
	w->hint_valid = true;
	if (hint_fetch(w, keys, keynull))
	{
		ExecMaterializeSlot(w->oldslot);
		return true;
	}
	scan = begin_key_scan(w, c->nkeycols, keys, keynull);
	found = index_getnext_slot(scan, ForwardScanDirection, w->oldslot);
	if (found)
		ExecMaterializeSlot(w->oldslot);
	index_endscan(scan);
	return found;
}

/*
 * Find up to "want" stored rows whose visible columns have the same binary
 * image as values; returns their TIDs.
 */
List *
writer_lookup_image(ResultWriter *w, Circuit *c, Datum *values, bool *isnull,
					uint32 hash, int64 want)
{
	List	   *tids = NIL;
	IndexScanDesc scan;
	Datum		keys[INDEX_MAX_KEYS];
	bool		keynull[INDEX_MAX_KEYS];
	int			k;

	w->hint_valid = false;
	writer_release_row(w);

	if (c->bag.col_hash)
	{
		keys[0] = Int32GetDatum((int32) hash);
		keynull[0] = false;
	}
	else
	{
		for (k = 0; k < c->nkeycols; k++)
		{
			keys[k] = values[c->keycols[k] - 1];
			keynull[k] = isnull[c->keycols[k] - 1];
		}
	}
	scan = begin_key_scan(w, c->nkeycols, keys, keynull);
	while (list_length(tids) < want &&
		   index_getnext_slot(scan, ForwardScanDirection, w->oldslot))
	{
		slot_getsomeattrs(w->oldslot, c->nvisible);
		if (row_image_equal(c->nvisible, w->oldslot->tts_values,
							w->oldslot->tts_isnull, values, isnull,
							c->rowtyplen, c->rowtypbyval))
		{
			ItemPointer tid = palloc(sizeof(ItemPointerData));

			ItemPointerCopy(&w->oldslot->tts_tid, tid);
			tids = lappend(tids, tid);
		}
	}
	index_endscan(scan);
	return tids;
}

/* The single row of a global aggregate; it is left in w->oldslot. */
bool
writer_first_row(ResultWriter *w)
{
	TableScanDesc scan;
	bool		found;

	/* the only row: its hint needs no key (a scan would walk its versions) */
	writer_release_row(w);
	w->hint_hash = 0;
	w->hint_valid = true;
	if (hint_fetch(w, NULL, NULL))
	{
		ExecMaterializeSlot(w->oldslot);
		return true;
	}
	scan = table_beginscan(w->rel, w->snapshot, 0, NULL);
	found = table_scan_getnextslot(scan, ForwardScanDirection, w->oldslot);
	if (found)
		ExecMaterializeSlot(w->oldslot);
	table_endscan(scan);
	return found;
}

/* Whether a user put BEFORE ROW triggers for the event on the result table. */
static bool
before_row(ResultWriter *w, CmdType cmd)
{
	TriggerDesc *td = w->rri->ri_TrigDesc;

	if (td == NULL)
		return false;
	switch (cmd)
	{
		case CMD_INSERT:
			return td->trig_insert_before_row;
		case CMD_UPDATE:
			return td->trig_update_before_row;
		case CMD_DELETE:
			return td->trig_delete_before_row;
		default:
			return false;
	}
}

typedef enum RowOp
{
	ROW_INSERT,
	ROW_UPDATE,
	ROW_DELETE,
	ROW_BEFORE_INSERT			/* BEFORE ROW INSERT triggers alone */
} RowOp;

static bool
row_routine(ResultWriter *w, RowOp op, TupleTableSlot *slot)
{
	switch (op)
	{
		case ROW_INSERT:
			ExecSimpleRelationInsert(w->rri, w->estate, slot);
			break;
		case ROW_UPDATE:
			ExecSimpleRelationUpdate(w->rri, w->estate, &w->epq, w->oldslot, slot);
			break;
		case ROW_DELETE:
			ExecSimpleRelationDelete(w->rri, w->estate, &w->epq, w->oldslot);
			break;
		case ROW_BEFORE_INSERT:
			return ExecBRInsertTriggers(w->estate, w->rri, slot);
	}
	return true;
}

/*
 * Write a row with the executor's row routines, which fire the row triggers
 * users put on the result table.  With BEFORE ROW triggers for the event,
 * the write runs in the context of the statement that changed the base
 * table (circuit_begin_user_code), as an ordinary write by it would.
 * Returns false when a BEFORE trigger skipped the row (ROW_BEFORE_INSERT).
 */
static bool
write_row(ResultWriter *w, RowOp op, TupleTableSlot *slot)
{
	UserCode	uc;
	volatile bool keep = true;
	CmdType		cmd = (op == ROW_UPDATE) ? CMD_UPDATE
		: (op == ROW_DELETE) ? CMD_DELETE : CMD_INSERT;

	if (!before_row(w, cmd))
		return row_routine(w, op, slot);
	circuit_begin_user_code(&uc);
	PG_TRY();
	{
		keep = row_routine(w, op, slot);
	}
	PG_CATCH();
	{
		circuit_abort_user_code(&uc);
		PG_RE_THROW();
	}
	PG_END_TRY();
	circuit_end_user_code(&uc);
	return keep;
}

static TupleTableSlot *
fill_new_slot(ResultWriter *w, Datum *values, bool *isnull)
{
	TupleTableSlot *slot = w->newslot;
	int			natts = slot->tts_tupleDescriptor->natts;

	ExecClearTuple(slot);
	memcpy(slot->tts_values, values, sizeof(Datum) * natts);
	memcpy(slot->tts_isnull, isnull, sizeof(bool) * natts);
	ExecStoreVirtualTuple(slot);
	return slot;
}

/*
 * Views over this view read its output delta: rows leaving (old) and
 * entering (new) the result table, kept in tuplestores for the run.
 */
static void
capture_row(ResultWriter *w, TupleTableSlot *slot, bool entering)
{
	RunState   *rs = w->run;
	Tuplestorestate **ts = entering ? &rs->cap_new : &rs->cap_old;

	if (*ts == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(rs->capcxt);

		*ts = tuplestore_begin_heap(false, false, work_mem);
		MemoryContextSwitchTo(old);
	}
	tuplestore_puttupleslot(*ts, slot);
}

void
writer_insert(ResultWriter *w, Datum *values, bool *isnull)
{
	TupleTableSlot *slot = fill_new_slot(w, values, isnull);

	(void) write_row(w, ROW_INSERT, slot);
	if (w->run)
		capture_row(w, slot, true);
}

/*
 * Lock the row in w->oldslot before changing it.  Under READ COMMITTED the
 * lock follows the row to its latest committed version, which w->oldslot
 * then holds.  Returns false when the row is gone (a committed transaction
 * deleted it): the caller looks the group up again with a new snapshot.
 * Under REPEATABLE READ / SERIALIZABLE a concurrent change is a
 * serialization failure.
 */
bool
writer_lock_current(ResultWriter *w, bool *moved)
{
	TM_FailureData tmfd;
	ItemPointerData tid = w->oldslot->tts_tid;
	TM_Result	res;
	bool		xact_snapshot = IsolationUsesXactSnapshot();

	memset(&tmfd, 0, sizeof(tmfd));
	writer_release_row(w);
	res = table_tuple_lock(w->rel, &tid, w->snapshot, w->oldslot,
						   w->estate->es_output_cid, LockTupleNoKeyExclusive,
						   LockWaitBlock,
						   xact_snapshot ? 0 : TUPLE_LOCK_FLAG_FIND_LAST_VERSION,
						   &tmfd);
	if (moved)
		*moved = tmfd.traversed;
	switch (res)
	{
		case TM_Ok:
			return true;
		case TM_Updated:
		case TM_Deleted:
			if (xact_snapshot)
				ereport(ERROR,
						(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
						 errmsg("could not serialize access due to concurrent update of stepping view \"%s\"",
								RelationGetRelationName(w->rel))));
			return false;
		default:
			elog(ERROR, "unexpected result %d locking a row of \"%s\"",
				 (int) res, RelationGetRelationName(w->rel));
	}
	return false;				/* keep compiler quiet */
}

/*
 * Insert the row of a new group, unless a concurrent transaction inserted
 * the same group first: then return false under READ COMMITTED (look it up
 * again with a new snapshot) or raise a serialization failure.  This is the
 * speculative insertion INSERT ... ON CONFLICT uses, and like it, it fires
 * the BEFORE ROW INSERT triggers users put on the result table first (a
 * trigger returning NULL skips the row), checks the table's constraints, and
 * queues the AFTER ROW INSERT triggers once the row is in.
 */
bool
writer_insert_group(ResultWriter *w, Datum *values, bool *isnull)
{
	TupleTableSlot *slot = fill_new_slot(w, values, isnull);
	List	   *arbiters = list_make1_oid(RelationGetRelid(w->keyrel));

	if (before_row(w, CMD_INSERT) && !write_row(w, ROW_BEFORE_INSERT, slot))
		return true;
	if (w->rel->rd_att->constr)
		ExecConstraints(w->rri, slot, w->estate);

	for (;;)
	{
		ItemPointerData conflict;
		bool		specConflict = false;
		uint32		token;
		List	   *recheck;

		CHECK_FOR_INTERRUPTS();
		if (!ExecCheckIndexConstraints(w->rri, slot, w->estate, &conflict, arbiters))
		{
			if (IsolationUsesXactSnapshot())
				ereport(ERROR,
						(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
						 errmsg("could not serialize access due to concurrent insert into stepping view \"%s\"",
								RelationGetRelationName(w->rel))));
			return false;
		}
		token = SpeculativeInsertionLockAcquire(GetCurrentTransactionId());
		table_tuple_insert_speculative(w->rel, slot, w->estate->es_output_cid,
									   0, NULL, token);
		recheck = ExecInsertIndexTuples(w->rri, slot, w->estate, false, true,
										&specConflict, arbiters);
		table_tuple_complete_speculative(w->rel, slot, token, !specConflict);
		SpeculativeInsertionLockRelease(GetCurrentTransactionId());
		if (!specConflict)
		{
			hint_remember(w, slot);
			ExecARInsertTriggers(w->estate, w->rri, slot, recheck, NULL);
			list_free(recheck);
			if (w->run)
				capture_row(w, slot, true);
			return true;
		}
		list_free(recheck);
	}
}

/* READ COMMITTED: see what concurrent transactions committed meanwhile. */
void
writer_new_snapshot(ResultWriter *w)
{
	PopActiveSnapshot();
	PushActiveSnapshot(GetTransactionSnapshot());
	w->snapshot = GetActiveSnapshot();
	w->estate->es_snapshot = w->snapshot;
}

/* Replace the row in w->oldslot. */
void
writer_update(ResultWriter *w, Datum *values, bool *isnull)
{
	TupleTableSlot *slot = fill_new_slot(w, values, isnull);

	if (w->run)
		capture_row(w, w->oldslot, false);
	if (write_row(w, ROW_UPDATE, slot))
		hint_remember(w, slot);
	if (w->run)
		capture_row(w, slot, true);
}

static bool
concurrent_change(ResultWriter *w, TM_Result res, const char *what)
{
	switch (res)
	{
		case TM_Ok:
			return false;
		case TM_Updated:
		case TM_Deleted:
			if (IsolationUsesXactSnapshot())
				ereport(ERROR,
						(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
						 errmsg("could not serialize access due to concurrent update of stepping view \"%s\"",
								RelationGetRelationName(w->rel))));
			return true;
		default:
			elog(ERROR, "unexpected result %d %s a row of \"%s\"",
				 (int) res, what, RelationGetRelationName(w->rel));
	}
	return true;				/* keep compiler quiet */
}

/*
 * The index entries of a group row's new version (an update that was not
 * HOT).  When the key index is the table's only index, its entry goes in
 * without a uniqueness check: the key did not change, and the version it
 * replaces was the key's only live row, locked by this update, so no other
 * row can hold the key (an inserter of the same key checks against these
 * entries and waits).  The check would visit every earlier version of the
 * key, which a transaction writing the row again and again keeps.  Users'
 * own indexes go through the executor, checks included.
 */
static void
insert_update_index_entries(ResultWriter *w, TupleTableSlot *slot)
{
	ResultRelInfo *rri = w->rri;
	Relation	index = rri->ri_IndexRelationDescs[0];
	IndexInfo  *info = rri->ri_IndexRelationInfo[0];
	Datum		values[INDEX_MAX_KEYS];
	bool		isnull[INDEX_MAX_KEYS];
	ExprContext *econtext;

	if (rri->ri_NumIndices != 1 || w->keyrel == NULL ||
		RelationGetRelid(index) != RelationGetRelid(w->keyrel) ||
		info->ii_Expressions != NIL || info->ii_Predicate != NIL ||
		info->ii_ExclusionOps != NULL)
	{
		list_free(ExecInsertIndexTuples(rri, slot, w->estate, true, false,
										NULL, NIL));
		return;
	}
	econtext = GetPerTupleExprContext(w->estate);
	econtext->ecxt_scantuple = slot;
	FormIndexDatum(info, slot, w->estate, values, isnull);
	(void) index_insert(index, values, isnull, &slot->tts_tid, w->rel,
						UNIQUE_CHECK_NO, true, info);
}

/*
 * Update the row in oldslot without locking it first, as UPDATE does.  A
 * concurrent update of the row returns false under READ COMMITTED (the
 * caller looks it up again with a new snapshot) and raises a serialization
 * failure otherwise.  Saves the tuple lock's WAL record and buffer write.
 */
bool
writer_try_update(ResultWriter *w, Datum *values, bool *isnull)
{
	TupleTableSlot *slot = fill_new_slot(w, values, isnull);
	TM_FailureData tmfd;
	LockTupleMode lockmode;
	bool		update_indexes;
	TM_Result	res;

	Assert(w->plain);
	res = table_tuple_update(w->rel, &w->oldslot->tts_tid, slot,
							 w->estate->es_output_cid, w->snapshot,
							 InvalidSnapshot, true, &tmfd, &lockmode,
							 &update_indexes);
	if (concurrent_change(w, res, "updating"))
		return false;
	hint_remember(w, slot);
	if (w->run)
	{
		capture_row(w, w->oldslot, false);
		capture_row(w, slot, true);
	}
	if (w->rri->ri_NumIndices > 0 && update_indexes)
		insert_update_index_entries(w, slot);
	return true;
}

/* Delete the row in oldslot without locking it first; see writer_try_update. */
bool
writer_try_delete(ResultWriter *w)
{
	TM_FailureData tmfd;
	TM_Result	res;

	Assert(w->plain);
	res = table_tuple_delete(w->rel, &w->oldslot->tts_tid,
							 w->estate->es_output_cid, w->snapshot,
							 InvalidSnapshot, true, &tmfd, false);
	if (concurrent_change(w, res, "deleting"))
		return false;
	if (w->run)
		capture_row(w, w->oldslot, false);
	return true;
}

void
writer_delete_current(ResultWriter *w)
{
	if (w->run)
		capture_row(w, w->oldslot, false);
	(void) write_row(w, ROW_DELETE, NULL);
}

void
writer_delete_tid(ResultWriter *w, ItemPointer tid)
{
	writer_release_row(w);
	if (w->run)
	{
		if (!table_tuple_fetch_row_version(w->rel, tid, w->snapshot, w->oldslot))
			elog(ERROR, "a row to delete from \"%s\" vanished",
				 RelationGetRelationName(w->rel));
		capture_row(w, w->oldslot, false);
	}
	ExecClearTuple(w->oldslot);
	ItemPointerCopy(tid, &w->oldslot->tts_tid);
	(void) write_row(w, ROW_DELETE, NULL);
}

/*
 * Delete the row at tid, one of several interchangeable copies (bag.c),
 * unless a concurrent transaction deleted it first: then return false and
 * let the caller take another copy, whatever the isolation level.  Waits
 * for a concurrent deleter still in progress, as DELETE does.
 */
bool
writer_delete_candidate(ResultWriter *w, ItemPointer tid)
{
	TM_FailureData tmfd;
	TM_Result	res;

	memset(&tmfd, 0, sizeof(tmfd));
	writer_release_row(w);
	ExecClearTuple(w->oldslot);
	if (w->plain)
	{
		/* the row as it leaves, for views over this one */
		if (w->run && !table_tuple_fetch_row_version(w->rel, tid, w->snapshot, w->oldslot))
			elog(ERROR, "a row to delete from \"%s\" vanished",
				 RelationGetRelationName(w->rel));
		res = table_tuple_delete(w->rel, tid, w->estate->es_output_cid,
								 w->snapshot, InvalidSnapshot, true, &tmfd, false);
	}
	else
	{
		/* lock it first: the row routines do not wait on a concurrent delete */
		res = table_tuple_lock(w->rel, tid, w->snapshot, w->oldslot,
							   w->estate->es_output_cid, LockTupleExclusive,
							   LockWaitBlock, 0, &tmfd);
	}
	switch (res)
	{
		case TM_Ok:
			break;
		case TM_Updated:
		case TM_Deleted:
			return false;
		default:
			elog(ERROR, "unexpected result %d deleting a row of \"%s\"",
				 (int) res, RelationGetRelationName(w->rel));
	}
	if (w->plain)
	{
		if (w->run)
			capture_row(w, w->oldslot, false);
	}
	else
		writer_delete_current(w);
	return true;
}

/*
 * A recompute after a TRUNCATE under REPEATABLE READ / SERIALIZABLE: the
 * caller's ShareLock waited for every writer of the result table, but a row
 * one of them committed after this transaction's snapshot is invisible to
 * it and would outlive the emptying, while the TRUNCATE removed the base
 * rows it came from (TRUNCATE is not MVCC-safe; writers of views without
 * the view lock leave no other trace).  Such a row is a serialization
 * failure, as UPDATE's rule for a row changed after the snapshot.  A
 * refresh_view needs no such check: it recomputes exactly the rows its
 * snapshot shows, and later committed deltas stay on top of them.  Rows
 * deleted after the snapshot fail when they are locked.
 */
static void
refuse_rows_after_snapshot(ResultWriter *w)
{
	Snapshot	latest = RegisterSnapshot(GetLatestSnapshot());
	TableScanDesc scan = table_beginscan(w->rel, latest, 0, NULL);

	while (table_scan_getnextslot(scan, ForwardScanDirection, w->oldslot))
	{
		CHECK_FOR_INTERRUPTS();
		if (!table_tuple_satisfies_snapshot(w->rel, w->oldslot, w->snapshot))
			ereport(ERROR,
					(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
					 errmsg("could not serialize access due to concurrent update of stepping view \"%s\"",
							RelationGetRelationName(w->rel)),
					 errdetail("A transaction that committed after this transaction's snapshot wrote the view's result table.")));
	}
	table_endscan(scan);
	UnregisterSnapshot(latest);
	ExecClearTuple(w->oldslot);
}

/*
 * Empty a result table, for refresh_view and TRUNCATE of a base table
 * (truncated: see refuse_rows_after_snapshot):
 * row by row through the executor's row routines, so that users' row
 * triggers on the result table fire as for any other maintenance write
 * (statement triggers do not: maintenance fires none).
 */
void
writer_delete_all(Circuit *c, bool truncated)
{
	ResultWriter *w = writer_open(c);
	TableScanDesc scan;

	if (truncated && IsolationUsesXactSnapshot())
		refuse_rows_after_snapshot(w);
	scan = table_beginscan(w->rel, w->snapshot, 0, NULL);

	while (table_scan_getnextslot(scan, ForwardScanDirection, w->oldslot))
	{
		CHECK_FOR_INTERRUPTS();

		/*
		 * Under READ COMMITTED the caller's ShareLock and the snapshot taken
		 * after it see every committed row version.  A REPEATABLE READ
		 * snapshot may be older than a concurrent change: lock the row
		 * first, so that change is a serialization failure (40001), not
		 * the row routines' "tuple concurrently updated".
		 */
		if (IsolationUsesXactSnapshot())
			(void) writer_lock_current(w, NULL);
		writer_delete_current(w);
	}
	table_endscan(scan);
	writer_close(w);
}
