/*-------------------------------------------------------------------------
 *
 * locks.c
 *	  Which concurrent steps of a join view must be ordered, and the locks
 *	  that order exactly those.
 *
 *	  A step computes its view delta from its own input deltas and the other
 *	  inputs as a snapshot shows them (join.c: sum over changed inputs r of
 *	  new(r<p) x delta(rp) x old(r>p)).  Two concurrent steps T1 and T2 are
 *	  exact together when the sum of their deltas is the delta of their
 *	  combined change, i.e. when the cross term T1's delta x T2's delta is
 *	  zero or is counted by one of them.  Neither sees the other's
 *	  uncommitted rows, so neither counts it; the term is zero exactly when
 *	  no product of the view's delta reads a delta of T1 and a delta of T2:
 *
 *	  - T1 and T2 change the same input R, which appears once in the join
 *	    and is no semijoin factor's table: every product is linear in R, its
 *	    terms read R's delta once and the other inputs from the tables, which
 *	    nobody is changing.  Independent; they never wait for each other.
 *	  - they change different inputs R and S of the same join: the term
 *	    delta(R) x delta(S) exists.  Ordered: the later one reads the
 *	    earlier one's rows after its commit.
 *	  - they change the same input R that one product of the delta reads
 *	    twice (a self-join; R in FROM and in a semijoin factor of the same
 *	    product, as in  FROM r WHERE EXISTS (SELECT FROM r ...); two
 *	    factors over R): ordered.
 *	  - they change rows of the same key of a semijoin factor over R (the
 *	    distinct keys of R's rows, for EXISTS, NOT EXISTS, IN, NOT IN and
 *	    the nullable side of an outer join): a key's presence is not linear
 *	    in R's rows, so they are ordered; steps changing rows of different
 *	    keys are independent.  For now the relation of a semijoin factor is
 *	    treated as self-conflicting anyway (ordered per table): with the
 *	    key locks alone, concurrent random runs still met rare out-of-sync
 *	    states (issue #13), so the key locks are taken only for relations
 *	    that are not self-conflicting.
 *
 *	  Views without joins (one table, UNION ALL, grouped over one table)
 *	  have no cross terms: their writers meet only on result rows
 *	  (apply.c).  Views over views: the inner view's step is a writer of
 *	  the outer view's input that is the inner result table.
 *
 *	  The locks: one heavyweight lock object per (view, input position),
 *	  LOCKTAG_OBJECT with classid stepping.catalog, objid the result table,
 *	  objsubid the input's 1-based position in the circuit, held to the end
 *	  of the transaction (a prepared transaction keeps them).  A step that
 *	  changes the set C of inputs takes, on each input i, in position order:
 *
 *	      SHARE                   i in C, nothing else in C, i linear
 *	      ROW EXCLUSIVE           i not in C
 *	      SHARE ROW EXCLUSIVE     i in C and (another input in C, or i
 *	                              self-conflicting)
 *
 *	  SHARE and ROW EXCLUSIVE are each self-compatible and conflict with
 *	  each other; SHARE ROW EXCLUSIVE conflicts with both and with itself.
 *	  So two steps conflict on some input unless both changed exactly the
 *	  same single input read once.  Then a step that changed a semijoin
 *	  factor's relation takes EXCLUSIVE locks on the keys whose net change
 *	  is not zero (LOCKTAG_OBJECT: classid the result table, objid the key's
 *	  hash under its types' hash functions, objsubid the factor's number),
 *	  in hash order: the table above.  A transaction past its budget of key
 *	  locks (half max_locks_per_transaction) takes SHARE ROW EXCLUSIVE on
 *	  the relation instead, as for a self-join.  Steps of one transaction
 *	  accumulate modes; the lock manager detects the deadlocks that the
 *	  algebra makes unavoidable (two transactions each changing R and then
 *	  S of one view: each one's second delta needs the other's first).
 *	  Transactions that set stepping.serialize_writers take SHARE ROW
 *	  EXCLUSIVE on every input instead: they wait for each other from their
 *	  first step on, as with one lock per view, and cannot meet that cycle.
 *
 *	  Snapshots.  The step reads through a snapshot taken after its locks
 *	  (circuit.c begin_writes).  Under READ COMMITTED that snapshot sees
 *	  every step ordered before it.  A REPEATABLE READ or SERIALIZABLE
 *	  transaction keeps its older snapshot: when any transaction finished
 *	  since it was taken, the step's delta is computed a second time
 *	  through a current snapshot, as a fingerprint only (a weighted sum of
 *	  64-bit row hashes, a homomorphism of Z-sets); a different fingerprint
 *	  means a committed change the transaction cannot see alters its delta,
 *	  and the step fails with 40001.  An equal one means the delta is the
 *	  one a serial order would compute.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/tuplestore.h"

#include "stepping.h"

/*
 * stepping.serialize_writers: steps of join views take SHARE ROW EXCLUSIVE
 * on every input, so that transactions writing several inputs of one view
 * wait for each other instead of deadlocking on a lock upgrade.
 */
bool		stepping_serialize_writers = false;

void
locks_define_settings(void)
{
	DefineCustomBoolVariable("stepping.serialize_writers",
							 "Makes maintenance of join views run one transaction at a time.",
							 "Each step takes SHARE ROW EXCLUSIVE on every input of the view: "
							 "transactions that write several tables of one join view then wait "
							 "for each other instead of risking a deadlock.",
							 &stepping_serialize_writers,
							 false,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
}

/*
 * How many times one product of the view reads relid: as range table
 * entries of its FROM, and as the relation of its semijoin factors.
 */
static int
component_reads(Circuit *c, Component *comp, Oid relid)
{
	int			reads = 0;
	int			rt;
	ListCell   *lc;

	for (rt = 0; rt < c->joins.nrtes && rt < 32; rt++)
		if ((comp->used & (((uint32) 1) << rt)) && c->joins.rte_relid[rt] == relid)
			reads++;
	foreach(lc, comp->uses)
		if (((IndicatorUse *) lfirst(lc))->ind->relid == relid)
			reads++;
	return reads;
}

/*
 * Compile time: the lock tags' class, and which inputs are self-conflicting:
 * read more than once by one product of the view's delta (a self-join, or a
 * table read both in FROM and by a semijoin factor of the same product, or
 * by two factors), which makes that product non-linear in the input.
 * Products that each read the input once (an outer join's inner join and
 * its antijoin) leave it linear; a factor's own non-linearity is ordered by
 * its key locks.
 */
void
locks_prepare(Circuit *c)
{
	int			n = list_length(c->inputs);
	int			p = 0;
	ListCell   *lc;

	Assert(c->join);
	c->joins.lockclass = get_relname_relid("catalog", get_namespace_oid("stepping", false));
	if (!OidIsValid(c->joins.lockclass))
		elog(ERROR, "stepping.catalog is missing");
	c->joins.selfconflict = palloc0(sizeof(bool) * Max(n, 1));
	foreach(lc, c->inputs)
	{
		Oid			relid = lfirst_oid(lc);
		int			reads = 0;

		if (c->joins.decomposed)
		{
			ListCell   *lcc;

			foreach(lcc, c->joins.components)
				reads = Max(reads, component_reads(c, (Component *) lfirst(lcc), relid));
		}
		else
		{
			int			rt;

			for (rt = 0; rt < c->joins.nrtes; rt++)
				if (c->joins.rte_relid[rt] == relid)
					reads++;
		}
		/*
		 * The relation of a semijoin factor orders its writers per table for
		 * now: with the per-key locks alone (semijoin_lock_keys) concurrent
		 * random runs still left a few views with NOT EXISTS, NOT IN or an
		 * outer join out of sync (issue #13's note), which this does not.
		 */
		{
			ListCell   *li;

			foreach(li, c->joins.indicators)
				if (((Indicator *) lfirst(li))->relid == relid)
					reads += 2;
		}
		c->joins.selfconflict[p++] = (reads > 1);
	}
}

/* The 0-based position of relid in the view's inputs. */
static int
input_position(Circuit *c, Oid relid)
{
	int			p = 0;
	ListCell   *lc;

	foreach(lc, c->inputs)
	{
		if (lfirst_oid(lc) == relid)
			return p;
		p++;
	}
	elog(ERROR, "relation %u is not an input of stepping view \"%s\"", relid, c->viewlabel);
	return -1;					/* keep compiler quiet */
}

/* Take the (view, input) lock of the input at 0-based position p. */
static void
lock_input(Circuit *c, int p, LOCKMODE mode)
{
	LOCKTAG		tag;

	SET_LOCKTAG_OBJECT(tag, MyDatabaseId, c->joins.lockclass, c->viewid, p + 1);
	(void) LockAcquire(&tag, mode, false, false);
}

/* Whether writers of input relid are ordered among themselves. */
bool
locks_input_selfconflict(Circuit *c, Oid relid)
{
	return c->joins.selfconflict[input_position(c, relid)];
}

/*
 * Take this step's locks on the view's inputs (see the header), in input
 * order; held to the end of the transaction.  Returns false, taking none,
 * when the step changed no row of any input.
 */
bool
locks_acquire_inputs(Circuit *c, DeltaSource *src)
{
	int			n = list_length(c->inputs);
	bool	   *changed = palloc0(sizeof(bool) * Max(n, 1));
	int			nchanged = 0;
	int			p;
	ListCell   *lc;

	p = 0;
	foreach(lc, c->inputs)
	{
		changed[p] = delta_chunks_rows(delta_chunks_of(src, lfirst_oid(lc))) > 0;
		nchanged += changed[p] ? 1 : 0;
		p++;
	}
	if (nchanged == 0)
	{
		pfree(changed);
		return false;
	}
	for (p = 0; p < n; p++)
	{
		bool		share = changed[p];
		bool		rowex = (nchanged > (changed[p] ? 1 : 0)) ||
			(changed[p] && c->joins.selfconflict[p]);
		LOCKMODE	mode = (share && rowex) ? ShareRowExclusiveLock
			: share ? ShareLock : RowExclusiveLock;

		if (stepping_serialize_writers)
			mode = ShareRowExclusiveLock;

		lock_input(c, p, mode);
	}
	pfree(changed);
	return true;
}

/*
 * Key locks live in the shared lock table, sized by max_locks_per_transaction
 * per backend: a transaction takes at most half of that many (counting each
 * step's keys, repeats included).  Past the budget a step takes the
 * relation's lock in SHARE ROW EXCLUSIVE instead, which orders it against
 * every writer of the relation, key lockers included.  Returns whether the
 * n keys fit.
 */
bool
locks_reserve_keys(int n)
{
	static LocalTransactionId lxid = InvalidLocalTransactionId;
	static int	taken = 0;

	if (MyProc->lxid != lxid)
	{
		lxid = MyProc->lxid;
		taken = 0;
	}
	if (taken + n > Max(max_locks_per_xact / 2, 8))
		return false;
	taken += n;
	return true;
}

/* The whole-relation alternative to key locks (locks_reserve_keys). */
void
locks_acquire_all_keys(Circuit *c, Oid relid)
{
	lock_input(c, input_position(c, relid), ShareRowExclusiveLock);
}

/*
 * Lock one key of a semijoin factor (semijoin_lock_keys): the tag holds the
 * view as classid, the key's hash as objid and the factor's number as
 * objsubid, in EXCLUSIVE mode, held to the end of the transaction.
 */
void
locks_acquire_key(Circuit *c, int indicator, uint32 hash)
{
	LOCKTAG		tag;

	SET_LOCKTAG_OBJECT(tag, MyDatabaseId, c->viewid, hash, indicator);
	(void) LockAcquire(&tag, ExclusiveLock, false, false);
}

/*
 * Whether any transaction finished since the transaction snapshot was
 * taken: its xmax (latest completed xid + 1) moved, or a transaction it
 * saw running is gone.  Only then can a current snapshot differ from it.
 */
bool
locks_snapshot_outdated(void)
{
	Snapshot	xact = GetTransactionSnapshot();
	TransactionId xmax = xact->xmax;
	uint32		xcnt = xact->xcnt;
	TransactionId *xip = palloc(sizeof(TransactionId) * Max(xcnt, 1));
	Snapshot	now;
	uint32		i,
				j;
	bool		outdated = false;

	memcpy(xip, xact->xip, sizeof(TransactionId) * xcnt);
	now = GetLatestSnapshot();
	if (!TransactionIdEquals(now->xmax, xmax))
		outdated = true;
	for (i = 0; i < xcnt && !outdated; i++)
	{
		bool		running = false;

		for (j = 0; j < now->xcnt && !running; j++)
			running = TransactionIdEquals(now->xip[j], xip[i]);
		outdated = !running;
	}
	pfree(xip);
	return outdated;
}

void
locks_serialization_failure(Circuit *c)
{
	ereport(ERROR,
			(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
			 errmsg("could not serialize access due to a concurrent change of an input of stepping view \"%s\"",
					get_rel_name(c->viewid)),
			 errdetail("A transaction that committed after this transaction's snapshot changed rows this change joins with."),
			 errhint("The transaction might succeed if retried.")));
}
