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
 *	    earlier one's rows after its commit.  Unless every product joins R
 *	    and S by an equality R.x = S.y (a key edge: a view of inner joins
 *	    only, R and S read once, the type's own equality, which its hash
 *	    function agrees with): a row of delta(R) and one of delta(S) meet
 *	    in a product only with equal keys, so steps whose keys are disjoint
 *	    have no cross term and need no order.  R and S joined only through
 *	    a third input stay ordered per input (the term delta(R) x T x
 *	    delta(S) reads T between them).
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
 *	  same single input read once.  Key edges: a step that changed one input
 *	  i read once skips the ROW EXCLUSIVE lock of every input j joined to i
 *	  by a key edge, and takes instead, per distinct key of i's delta rows
 *	  on that edge (old and new rows; NULL keys match nothing), a key lock
 *	  (LOCKTAG_OBJECT: classid the result table, objid the key's hash under
 *	  the condition's collation, objsubid KEY_EDGE_LOCK_BASE + the edge's
 *	  number): SHARE when i is the edge's first input, ROW EXCLUSIVE when it
 *	  is the second.  Writers of one side share their keys; the two sides
 *	  conflict on common keys (and on hash collisions: a wait, never a miss).
 *	  A writer of j that takes j's own object (SHARE ROW EXCLUSIVE: several
 *	  inputs changed, a TRUNCATE, a self-conflicting j) still conflicts
 *	  with i's writers there, since they hold SHARE on i's object and it
 *	  takes ROW EXCLUSIVE or more on i's.  Past the key budget below, the
 *	  step takes j's object as without the edge.  Then a step that changed a semijoin
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

#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "lib/stringinfo.h"
#include "common/hashfn.h"
#include "lib/qunique.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "utils/typcache.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
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
 * Key locks of key edges: objsubid past the semijoin factors' numbers (which
 * count from 1, one per factor of the view).
 */
#define KEY_EDGE_LOCK_BASE	16384

static int	input_position(Circuit *c, Oid relid);


static void prepare_key_edges(Circuit *c);
static void explain_locks(Circuit *c);

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
	prepare_key_edges(c);
	explain_locks(c);
}

/* explain_view's line on which concurrent writers wait for each other. */
static void
explain_locks(Circuit *c)
{
	StringInfoData buf;
	ListCell   *lc;
	int			p = 0;
	bool		first = true;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "locks: writers of one input do not wait for each other");
	foreach(lc, c->inputs)
	{
		if (c->joins.selfconflict[p++])
		{
			appendStringInfo(&buf, "%s%s", first ? " (except of " : ", ",
							 get_rel_name(lfirst_oid(lc)));
			first = false;
		}
	}
	if (!first)
		appendStringInfoString(&buf, ")");
	appendStringInfoString(&buf, "; writers of different inputs do");
	first = true;
	foreach(lc, c->joins.keyedges)
	{
		appendStringInfo(&buf, "%s%s", first ? ", unless their rows differ in " : " or ",
						 ((KeyEdge *) lfirst(lc))->label);
		first = false;
	}
	c->explain = lappend(c->explain, buf.data);
}

/* The range table entry count of relid in the view's FROM. */
static int
rte_count(Circuit *c, Oid relid)
{
	int			n = 0;
	int			rt;

	for (rt = 0; rt < c->joins.nrtes; rt++)
		if (c->joins.rte_relid[rt] == relid)
			n++;
	return n;
}

/*
 * A plain column of an input read once, on either side of an inner join
 * condition: its input position, or -1.
 */
static int
edge_side(Circuit *c, Node *arg, AttrNumber *attno)
{
	Var		   *v = (Var *) strip_relabel(arg);
	Oid			relid;

	if (v == NULL || !IsA(v, Var) || v->varlevelsup != 0 || v->varattno <= 0 ||
		v->varno < 1 || v->varno > c->joins.nrtes)
		return -1;
	relid = c->joins.rte_relid[v->varno - 1];
	if (!OidIsValid(relid) || rte_count(c, relid) != 1 ||
		locks_input_selfconflict(c, relid))
		return -1;
	*attno = v->varattno;
	return input_position(c, relid);
}

/*
 * Compile time: the key edges of a view of inner joins only (no outer join,
 * no semijoin factor: every product of its delta is the one join): per pair
 * of inputs read once, the first condition  a.x = b.y  whose operator is
 * the type's own equality with a hash function (so equal values hash
 * alike, under the condition's collation).  Every row of the join then has
 * a.x = b.y: a row of a delta of a and one of a delta of b that meet in a
 * product hold equal keys, and deltas with disjoint keys have no cross term.
 */
static void
prepare_key_edges(Circuit *c)
{
	List	   *quals = NIL;
	ListCell   *lc;
	int			n PG_USED_FOR_ASSERTS_ONLY = list_length(c->inputs);

	c->joins.keyedges = NIL;
	if (c->joins.decomposed || c->joins.indicators != NIL ||
		c->joins.joinquery == NULL ||
		!inner_join_conditions((Node *) c->joins.joinquery->jointree, &quals))
		return;
	quals = (List *) flatten_join_alias_vars(c->joins.joinquery, (Node *) quals);
	foreach(lc, quals)
	{
		OpExpr	   *op = (OpExpr *) lfirst(lc);
		AttrNumber	att[2];
		int			pos[2];
		Oid			type;
		TypeCacheEntry *tc;
		KeyEdge    *e;
		ListCell   *le;
		bool		dup = false;
		int			swap;

		if (!IsA(op, OpExpr) || list_length(op->args) != 2)
			continue;
		type = exprType(linitial(op->args));
		if (exprType(lsecond(op->args)) != type)
			continue;
		pos[0] = edge_side(c, linitial(op->args), &att[0]);
		pos[1] = edge_side(c, lsecond(op->args), &att[1]);
		if (pos[0] < 0 || pos[1] < 0 || pos[0] == pos[1])
			continue;
		tc = lookup_type_cache(type, TYPECACHE_EQ_OPR | TYPECACHE_HASH_PROC);
		if (tc->eq_opr != op->opno || !OidIsValid(tc->hash_proc))
			continue;
		swap = (pos[0] > pos[1]) ? 1 : 0;
		foreach(le, c->joins.keyedges)
		{
			KeyEdge    *o = (KeyEdge *) lfirst(le);

			dup |= (o->pos[0] == pos[swap] && o->pos[1] == pos[1 - swap]);
		}
		if (dup)
			continue;
		e = palloc0(sizeof(KeyEdge));
		e->id = list_length(c->joins.keyedges) + 1;
		e->pos[0] = pos[swap];
		e->pos[1] = pos[1 - swap];
		e->attno[0] = att[swap];
		e->attno[1] = att[1 - swap];
		e->collid = op->inputcollid;
		fmgr_info(tc->hash_proc, &e->hash);
		e->label = psprintf("%s.%s = %s.%s",
							get_rel_name(list_nth_oid(c->inputs, e->pos[0])),
							get_attname(list_nth_oid(c->inputs, e->pos[0]), e->attno[0], false),
							get_rel_name(list_nth_oid(c->inputs, e->pos[1])),
							get_attname(list_nth_oid(c->inputs, e->pos[1]), e->attno[1], false));
		c->joins.keyedges = lappend(c->joins.keyedges, e);
	}
	Assert(list_length(c->joins.keyedges) <= n * (n - 1) / 2);
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

/* The hashes of the key column of input p's delta rows (NULLs match nothing). */
static uint32 *
edge_key_hashes(Circuit *c, KeyEdge *e, int side, List *chunks, int *nhashes)
{
	Relation	rel = table_open(list_nth_oid(c->inputs, e->pos[side]), NoLock);
	TupleTableSlot *slot = MakeSingleTupleTableSlot(RelationGetDescr(rel),
													&TTSOpsMinimalTuple);
	int64		nrows = delta_chunks_rows(chunks);
	uint32	   *hashes = palloc(sizeof(uint32) * Max(nrows, 1));
	int			n = 0;
	int			pos = 0;
	DeltaChunk *chunk;
	Tuplestorestate *rows;
	int			weight;

	while (delta_next_rows(chunks, &pos, &chunk, &rows, &weight))
	{
		tuplestore_rescan(rows);
		while (n < nrows && tuplestore_gettupleslot(rows, true, false, slot))
		{
			bool		isnull;
			Datum		v = slot_getattr(slot, e->attno[side], &isnull);

			if (!isnull)
				hashes[n++] = DatumGetUInt32(FunctionCall1Coll(&e->hash, e->collid, v));
		}
	}
	ExecDropSingleTupleTableSlot(slot);
	table_close(rel, NoLock);
	qsort(hashes, n, sizeof(uint32), uint32_cmp);
	*nhashes = (int) qunique(hashes, n, sizeof(uint32), uint32_cmp);
	return hashes;
}

/* Take one key lock of a key edge (see the header). */
static void
lock_edge_key(Circuit *c, KeyEdge *e, uint32 hash, LOCKMODE mode)
{
	LOCKTAG		tag;

	SET_LOCKTAG_OBJECT(tag, MyDatabaseId, c->viewid, hash, KEY_EDGE_LOCK_BASE + e->id);
	(void) LockAcquire(&tag, mode, false, false);
}

/*
 * Take this step's locks on the view's inputs (see the header), in input
 * order, then its key locks, edge by edge in hash order; held to the end of
 * the transaction.  Returns false, taking none, when the step changed no
 * row of any input.
 */
bool
locks_acquire_inputs(Circuit *c, DeltaSource *src)
{
	int			n = list_length(c->inputs);
	bool	   *changed = palloc0(sizeof(bool) * Max(n, 1));
	bool	   *keyed = palloc0(sizeof(bool) * Max(n, 1));
	List	   *edges = NIL;	/* KeyEdge * this step locks by key */
	List	   *edgehashes = NIL;	/* uint32 * per edge, and their counts */
	List	   *edgecounts = NIL;
	int			nchanged = 0;
	int			only = -1;
	int			p;
	ListCell   *lc,
			   *lc2,
			   *lc3;

	p = 0;
	foreach(lc, c->inputs)
	{
		List	   *chunks = delta_chunks_of(src, lfirst_oid(lc));

		changed[p] = delta_chunks_rows(chunks) > 0;
		if (changed[p])
		{
			nchanged++;
			only = p;
			foreach(lc2, chunks)
				if (((DeltaChunk *) lfirst(lc2))->truncated)
					only = -2;	/* a TRUNCATE: no rows to key on */
		}
		p++;
	}
	if (nchanged == 0)
	{
		pfree(changed);
		pfree(keyed);
		return false;
	}

	/*
	 * A step changing one input read once meets the writers of an input
	 * joined to it by a key edge on that edge's keys instead of the other
	 * input's lock object, within the transaction's key budget.
	 */
	if (nchanged == 1 && only >= 0 && !c->joins.selfconflict[only] &&
		!stepping_serialize_writers)
	{
		List	   *chunks = delta_chunks_of(src, list_nth_oid(c->inputs, only));

		foreach(lc, c->joins.keyedges)
		{
			KeyEdge    *e = (KeyEdge *) lfirst(lc);
			int			side = (e->pos[0] == only) ? 0 : (e->pos[1] == only) ? 1 : -1;
			int			nh;
			uint32	   *hashes;

			if (side < 0)
				continue;
			hashes = edge_key_hashes(c, e, side, chunks, &nh);
			if (!locks_reserve_keys(nh))
			{
				pfree(hashes);
				continue;		/* the other input's lock object orders them */
			}
			keyed[e->pos[1 - side]] = true;
			edges = lappend(edges, e);
			edgehashes = lappend(edgehashes, hashes);
			edgecounts = lappend_int(edgecounts, nh);
		}
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
		if (keyed[p])
			continue;			/* met on the keys below */
		lock_input(c, p, mode);
	}
	forthree(lc, edges, lc2, edgehashes, lc3, edgecounts)
	{
		KeyEdge    *e = (KeyEdge *) lfirst(lc);
		uint32	   *hashes = (uint32 *) lfirst(lc2);
		int			i;

		/* one side's writers are compatible, the two sides conflict */
		for (i = 0; i < lfirst_int(lc3); i++)
			lock_edge_key(c, e, hashes[i],
						  e->pos[0] == only ? ShareLock : RowExclusiveLock);
		pfree(hashes);
	}
	list_free(edges);
	list_free(edgehashes);
	list_free(edgecounts);
	pfree(changed);
	pfree(keyed);
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

/*
 * Per-group top-k and window views (DISTINCT ON, row_number() per group,
 * window functions per partition): a step reads, recomputes and writes
 * only the groups its rows belong to, so two steps conflict only on a
 * common group.  A step takes, before its snapshot, an EXCLUSIVE lock per
 * group of its Z-set (LOCKTAG_OBJECT: classid the result table, objid the
 * hash of the group's values under their types' hash functions and
 * collations, objsubid PARTITION_KEY_SUBID), in hash order, after ROW
 * EXCLUSIVE on the view's partition object (objid 0, PARTITION_ALL_SUBID).
 * Steps that cannot name their groups (a refresh, TRUNCATE, a step past
 * the key budget, stepping.serialize_writers) take that object in
 * EXCLUSIVE mode, which waits for every group locker, and the view lock.
 * Under READ COMMITTED the step's snapshot, taken after its locks, sees
 * every committed step of its groups; REPEATABLE READ and SERIALIZABLE
 * steps compare each group's stored rows through their snapshot and a
 * current one when anything committed since (topk.c) and fail with 40001
 * on a difference.  Equal groups' hashes collide into one lock: a wait,
 * never a miss.
 */
#define PARTITION_ALL_SUBID		32766
#define PARTITION_KEY_SUBID		32767

static void
lock_partition_object(Circuit *c, uint32 hash, uint16 subid, LOCKMODE mode)
{
	LOCKTAG		tag;

	SET_LOCKTAG_OBJECT(tag, MyDatabaseId, c->viewid, hash, subid);
	(void) LockAcquire(&tag, mode, false, false);
}

/* The hash of one group's values (the top-k operator's group columns). */
static uint32
partition_hash(Circuit *c, Datum *values, bool *isnull)
{
	TopkOpState *t = &c->topk;
	uint32		h = 0;
	int			i;

	for (i = 0; i < t->nparts; i++)
	{
		int			k = t->partcol[i];
		uint32		v = 0x5bd1e995;

		if (!isnull[k])
		{
			TypeCacheEntry *tc = lookup_type_cache(t->parttypes[i], TYPECACHE_HASH_PROC_FINFO);

			if (!OidIsValid(tc->hash_proc_finfo.fn_oid))
				elog(ERROR, "stepping: a group column of \"%s\" has no hash function",
					 c->viewlabel);
			v = DatumGetUInt32(FunctionCall1Coll(&tc->hash_proc_finfo, t->partcolls[i],
												 values[k]));
		}
		h = hash_combine(h, v);
	}
	return h;
}

/*
 * Lock the groups of a per-group view's step (see above); false, taking
 * none, when the step must lock the whole view instead.
 */
bool
locks_acquire_partitions(Circuit *c, RowHash *zset)
{
	uint32	   *hashes;
	int			n = 0;
	uint64		i;

	if (stepping_serialize_writers)
		return false;
	hashes = palloc(sizeof(uint32) * Max(zset->nentries, 1));
	for (i = 0; i < zset->nentries; i++)
		if (zset->order[i]->weight != 0)
			hashes[n++] = partition_hash(c, zset->order[i]->values, zset->order[i]->isnull);
	qsort(hashes, n, sizeof(uint32), uint32_cmp);
	n = (int) qunique(hashes, n, sizeof(uint32), uint32_cmp);
	if (!locks_reserve_keys(n + 1))
	{
		pfree(hashes);
		return false;
	}
	lock_partition_object(c, 0, PARTITION_ALL_SUBID, RowExclusiveLock);
	for (i = 0; i < (uint64) n; i++)
		lock_partition_object(c, hashes[i], PARTITION_KEY_SUBID, ExclusiveLock);
	pfree(hashes);
	return true;
}

/* Wait for every group locker of the view, and keep them out. */
void
locks_acquire_all_partitions(Circuit *c)
{
	lock_partition_object(c, 0, PARTITION_ALL_SUBID, ExclusiveLock);
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
