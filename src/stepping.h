/*-------------------------------------------------------------------------
 *
 * stepping.h
 *	  Shared declarations of the stepping extension: the compiled circuit of a
 *	  view, Z-sets, the step (deltas collected per base table) and the
 *	  entry points of each stage of the flow.
 *
 *	  A change flows: capture.c (statement triggers -> deltas in a step) ->
 *	  circuit.c (filter/project -> consolidate -> operator) -> apply.c
 *	  (result table).  compile.c turns a stored query into a Circuit,
 *	  cache.c keeps circuits per backend, catalog.c owns the SQL objects.
 *
 *-------------------------------------------------------------------------
 */
#ifndef STEPPING_H
#define STEPPING_H

#include "postgres.h"

#include "access/skey.h"
#include "utils/queryenvironment.h"
#include "access/tupdesc.h"
#include "executor/execdesc.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "nodes/execnodes.h"
#include "nodes/parsenodes.h"
#include "utils/relcache.h"
#include "utils/tuplestore.h"

#define STEPPING_HIDDEN_PREFIX "__stepping_"

/* A FROM-list reference to range table entry rtindex. */
static inline Node *
make_range_ref(int rtindex)
{
	RangeTblRef *r = makeNode(RangeTblRef);

	r->rtindex = rtindex;
	return (Node *) r;
}

/* An expression without its binary-compatible relabelings. */
static inline Node *
strip_relabel(Node *node)
{
	while (node && IsA(node, RelabelType))
		node = (Node *) ((RelabelType *) node)->arg;
	return node;
}

/*
 * Range-table entries of a view: a set of changed inputs is a uint32 mask
 * (join.c's delta terms).
 */
#define STEPPING_MAX_INPUTS 32

/*
 * Group keys of a view: as many as a unique index holds (INDEX_MAX_KEYS).
 * Plans that depend on which keys are NULL (group recomputes) are cached by
 * a uint64 mask of the NULL keys, its top bit marking plans of generic
 * aggregates.
 */
#define STEPPING_MAX_GROUP_KEYS INDEX_MAX_KEYS
#define STEPPING_GENERIC_PLAN_BIT (UINT64CONST(1) << 63)
StaticAssertDecl(STEPPING_MAX_GROUP_KEYS < 62, "a key's NULL mask fits below the plan-kind bits");

static inline uint64
key_null_mask(const bool *keynull, int nkeys)
{
	uint64		mask = 0;
	int			k;

	Assert(nkeys <= STEPPING_MAX_GROUP_KEYS);
	for (k = 0; k < nkeys; k++)
		if (keynull[k])
			mask |= UINT64CONST(1) << k;
	return mask;
}

/*
 * A copy of a view query reduced to its FROM and WHERE with a new target
 * list: what join terms, group recomputes and decomposed components plan.
 * hasAggs says whether the new target list holds aggregates.
 */
static inline void
query_keep_from_where(Query *q, List *tlist, bool hasAggs)
{
	q->targetList = tlist;
	q->groupClause = NIL;
	q->distinctClause = NIL;
	q->hasDistinctOn = false;
	q->havingQual = NULL;
	q->sortClause = NIL;
	q->hasAggs = hasAggs;
}

/* Refuse what cannot be maintained exactly (0A000), with a hint (validate.c). */
extern void stepping_reject(const char *what, const char *hint) pg_attribute_noreturn();
extern void stepping_reject_because(const char *what, const char *detail,
									const char *hint) pg_attribute_noreturn();

/* ----------------------------------------------------------------
 * Z-sets and row hashes (zset.c)
 * ----------------------------------------------------------------
 */

/* One weighted row of a Z-set, or one group of a grouped fold. */
typedef struct RowEntry
{
	struct RowEntry *next;		/* hash chain */
	uint32		hash;
	int64		weight;
	void	   *extra;			/* operator state attached to the row */
	Datum	   *values;
	bool	   *isnull;
} RowEntry;

/*
 * How rows are compared: by the binary image of each value (Z-set
 * consolidation: numeric 1.0 and 1.00 stay apart), or by the types' own
 * hash and equality functions (group and DISTINCT keys).
 */
typedef enum RowHashMode
{
	ROWHASH_IMAGE,
	ROWHASH_TYPED
} RowHashMode;

typedef struct RowHash
{
	MemoryContext cxt;			/* holds entries and copied values */
	RowHashMode mode;
	int			nkeys;			/* leading columns that form the key */
	int			ncols;			/* columns stored per entry */
	int16	   *typlen;
	bool	   *typbyval;
	FmgrInfo   *hashfn;			/* typed mode only */
	FmgrInfo   *eqfn;			/* typed mode only */
	Oid		   *collation;		/* typed mode only */
	RowEntry  **buckets;
	uint32		nbuckets;
	uint64		nentries;
	RowEntry  **order;			/* entries in insertion order */
	uint64		order_cap;
} RowHash;

extern RowHash *rowhash_create(MemoryContext parent, RowHashMode mode,
							   int nkeys, int ncols, const Oid *types,
							   const Oid *eqops, const Oid *collations);
extern RowEntry *rowhash_lookup(RowHash *h, Datum *values, bool *isnull,
								bool *found);
extern RowEntry *rowhash_lookup_existing(RowHash *h, Datum *values, bool *isnull,
										 bool *found);
extern uint32 row_image_hash(int ncols, Datum *values, bool *isnull,
							 const int16 *typlen, const bool *typbyval);
extern uint64 row_image_fingerprint(int ncols, Datum *values, bool *isnull,
									int16 *typlen, bool *typbyval);
extern bool row_image_equal(int ncols, Datum *a, bool *anull,
							Datum *b, bool *bnull,
							const int16 *typlen, const bool *typbyval);

/* ----------------------------------------------------------------
 * The compiled circuit of one view (compile.c)
 * ----------------------------------------------------------------
 */

typedef enum ViewKind
{
	VIEW_BAG,					/* filter/project only: rows kept as a bag */
	VIEW_GROUPED,				/* GROUP BY, DISTINCT or global aggregate */
	VIEW_TOPK					/* ORDER BY ... LIMIT, DISTINCT ON */
} ViewKind;

typedef enum AggKind
{
	AGG_COUNT_STAR,
	AGG_COUNT,
	AGG_SUM,
	AGG_AVG,
	AGG_MIN,
	AGG_MAX,
	AGG_GENERIC					/* computed by PostgreSQL per touched group */
} AggKind;

/* How a sum or avg accumulates: the type of its running sum. */
typedef enum SumKind
{
	SUM_NONE,
	SUM_INT8,					/* sum(int2/int4): exact in int8 */
	SUM_NUMERIC_FROM_INT,		/* sum(int8), avg(int*): numeric, scale 0 */
	SUM_NUMERIC,				/* sum/avg(numeric): tracks display scale */
	SUM_FLOAT4,					/* sum(float4) */
	SUM_FLOAT8					/* sum(float8), avg(float*) */
} SumKind;

typedef struct AggSpec
{
	AggKind		kind;
	SumKind		sumkind;
	Oid			aggfnoid;
	Oid			argtype;		/* InvalidOid for count(*) */
	Oid			resulttype;		/* the aggregate's result type */
	Oid			statetype;		/* type of the running value column */
	int			argcol;			/* column of the circuit row, -1: none */
	AttrNumber	col_value;		/* result column: count, or running sum */
	AttrNumber	col_nn;			/* result column: non-null inputs, or 0 */
	AttrNumber	col_msc;		/* result column: inputs at max scale, or 0 */
	char	   *display;		/* e.g. "sum(amount)", for explain_view */
	Oid			sortop;			/* min/max: the aggregate's sort operator */
	Aggref	   *aggref;			/* generic: the call, as written */
	char	   *sql;			/* generic, single table: the call as SQL */
	Oid			inputcollid;
	Oid			resultcoll;
	FmgrInfo	sortfn;
	int16		typlen;			/* of the running value */
	bool		typbyval;
} AggSpec;

/*
 * A semijoin factor (decompose.c): the distinct keys of one relation's rows
 * that pass a filter.  A component multiplies by it through equalities
 * between its own expressions and the keys; its delta in a step (keys that
 * appeared, +1, or disappeared, -1) is computed by semijoin.c.
 */
typedef struct Indicator
{
	int			id;				/* 1..n: names its delta relation */
	int			bit;			/* its position in a term mask */
	Oid			relid;
	RangeTblEntry *rte;			/* the relation, as range table entry 1 */
	int			nkeys;
	List	   *keyexprs;		/* Expr over rte */
	Oid		   *keytypes;
	Oid		   *keyeqops;		/* each key type's equality */
	Oid		   *keycolls;
	Expr	   *filter;			/* over rte, or NULL */
	char	   *display;		/* for explain_view */
	/* run time (semijoin.c) */
	ExprState  *filterstate;
	ExprState **keystates;
	TupleTableSlot *slot;
	PlannedStmt *probe;			/* SELECT 1 FROM rel WHERE keys = $n AND filter */
	TupleDesc	deltadesc;		/* keys, then the weight */
	Tuplestorestate *delta;		/* this step's delta, or NULL */
} Indicator;

/* One factor of a component: outer expressions matched to an indicator. */
typedef struct IndicatorUse
{
	Indicator  *ind;
	List	   *outer;			/* Expr per key, over the component's range table */
	List	   *opnos;			/* per key: the operator as written */
	List	   *collids;		/* per key: its input collation */
	List	   *outer_left;		/* per key (int): outer expression on the left */
} IndicatorUse;

/*
 * One product of a view with outer joins or subquery predicates: its FROM
 * entries joined by quals (an inner join), some entries' columns read as
 * NULL, times semijoin factors, with a coefficient.  The view is the sum.
 */
typedef struct Component
{
	int			index;
	int64		coef;
	uint32		used;			/* range table entries in its FROM */
	Bitmapset  *nulled;			/* entries whose columns are NULL */
	List	   *uses;			/* IndicatorUse * */
	List	   *subst_from;		/* scalar subqueries ... */
	List	   *subst_to;		/* ... and their value in this component */
	Query	   *query;			/* the view's range table; FROM used; WHERE */
	List	   *rownodes;		/* the circuit row over query */
} Component;

extern bool query_needs_decomposition(Query *query);
extern List *decompose_query(Query *query, List **indicators);
extern void decompose_set_rownodes(List *components, List *rownodes);
extern List *decompose_base_tables(Query *query);
extern void decompose_subquery_conditions(Query *sub, List **inner_keys,
										  List **outer_keys, List **opnos,
										  List **collids, List **outer_left,
										  List **inner_filter,
										  List **outer_filter);

/* scalar.c */
extern List *rewrite_scalar_subqueries(Query *query, RangeVar *rv, int *counter);

/* stepping.c: an internal view, created like any view */
extern Oid	create_internal_view(RangeVar *rv, Query *query, const char *original);
extern RangeVar *internal_view_name(RangeVar *outer, int n);

/*
 * Each operator's own state in a circuit (compiled by compile/build.c, read
 * by the operator's file).  A circuit holds the state of the operators its
 * kind of view uses; the others stay zero.
 */

/* GROUP BY / DISTINCT / global aggregates (operators/aggregate.c) */
typedef struct GroupedOpState
{
	bool		key_spelling_varies;	/* equal keys may print differently */
	int			ngroup;			/* leading circuit-row columns = key */
	Oid		   *groupeqops;
	Oid		   *groupcolls;
	char	  **group_sql;		/* deparsed group expressions */
	AttrNumber	col_count;		/* __stepping_count */
	int			naggs;
	AggSpec    *aggs;
	ExprState **finals;			/* per visible column */
	ExprState  *having;			/* HAVING over (key, finals), or NULL */
	TupleTableSlot *keyslot;	/* group key, for the finals (lazily) */
	TupleTableSlot *aggslot;	/* aggregate finals (lazily) */
	bool		needs_recompute_plan;	/* some aggregate may recompute */
	int			ngeneric;		/* aggregates computed per touched group */
	struct RecomputePlans *recompute;	/* per NULL pattern, lazily */
	char	   *index_advice;	/* CREATE INDEX that recomputes read a group
								 * through, when missing (or NULL) */
} GroupedOpState;

/* views without GROUP BY or DISTINCT (operators/bag.c) */
typedef struct BagOpState
{
	AttrNumber	col_hash;		/* __stepping_hash, or 0 */
} BagOpState;

/*
 * ORDER BY ... LIMIT n OFFSET m over one input, an internal view holding the
 * query without them (operators/topk.c).  The result table holds the rows at
 * positions m+1 .. m+n of the input in the window order: the ORDER BY keys,
 * then every visible column's text (COLLATE "C"), which makes the choice
 * among ties deterministic.
 */
/*
 * Window views whose windows only look back: a row appended after its
 * partition's last one, or that row deleted, without recomputing the
 * partition (operators/window_append.c).
 */
typedef struct WindowAppendCol
{
	int			col;			/* circuit row column of the window's value */
	Oid			fnoid;			/* row_number, count(), count(x), sum(x) */
	int			argcol;			/* circuit row column of x, or -1 */
	Oid			argtype;
} WindowAppendCol;

typedef struct WindowAppend
{
	int			nkeys;			/* the ORDER BY every window shares */
	int		   *keycol;			/* circuit row column of each key */
	bool	   *keydesc;
	bool	   *keynullsfirst;
	struct SortSupportData *ssup;
	int			ncols;			/* window columns */
	WindowAppendCol *cols;
	bool	   *iswindow;		/* per circuit row column */
	Oid			indexid;		/* the result table's index it reads, once
								 * found (else InvalidOid) */
} WindowAppend;

typedef struct TopkOpState
{
	int64		limit;
	int64		offset;
	bool		with_ties;		/* FETCH FIRST limit ROWS WITH TIES: the
								 * window also holds every row tied with its
								 * last on the ORDER BY keys */
	int			nkeys;
	int		   *keycol;			/* circuit row column of each ORDER BY key */
	struct SortSupportData *ssup;	/* per key: its operator, collation, NULLS */
	char	   *window_sql;		/* every result column of the window, in the
								 * window order */
	char	   *check_sql;		/* the same, visible columns only */
	void	   *plan;			/* window_sql prepared and kept (SPIPlanPtr),
								 * lazily */
	char	   *index_advice;	/* CREATE INDEX the window would read through,
								 * when the input has none (or NULL) */
	/* DISTINCT ON: one window (of one row) per group of these columns */
	int			nparts;
	int		   *partcol;		/* circuit row column of each */
	Oid		   *parttypes;
	Oid		   *parteqops;		/* DISTINCT ON's equality */
	Oid		   *partcolls;
	char	   *part_sql;		/* window of one group, up to its WHERE ... */
	char	   *part_tail;		/* ... and after it */
	char	   *stored_sql;		/* the stored rows of one group (ctid first),
								 * up to its WHERE */
	List	   *partwhere;		/* per group column: "s.col OPERATOR(=) " */
	void	  **part_plans;		/* per NULL pattern, lazily (SPIPlanPtr) */
	void	  **stored_plans;	/* per NULL pattern, lazily (SPIPlanPtr) */
	void	  **input_plans;	/* a group's whole input (part_sql without
								 * its tail), per NULL pattern, lazily */
	struct Query *window_query; /* window functions (compile/window.c): the
								 * stored query, whose groups are its
								 * partitions, every row kept (limit -1);
								 * else NULL */
	WindowAppend *append;		/* window views: the append path, or NULL */
} TopkOpState;

/*
 * An inner join condition  a.x = b.y  between two inputs that one product
 * reads once each (locks.c): writers of a and b meet only on equal values.
 */
typedef struct KeyEdge
{
	int			id;				/* 1-based, for the lock tags */
	int			pos[2];			/* input positions, pos[0] < pos[1] */
	AttrNumber	attno[2];		/* the key column of each input */
	char	   *label;			/* "a.x = b.y", for explain_view */
	Oid			collid;			/* the condition's input collation */
	FmgrInfo	hash;			/* the key type's hash, consistent with = */
} KeyEdge;

/* join views: delta terms, probes, decomposition (operators/join.c, probe.c) */
typedef struct JoinOpState
{
	Query	   *joinquery;		/* the view's analyzed query */
	List	   *rownodes;		/* Expr * of the circuit row */
	int			nrtes;
	Oid		   *rte_relid;		/* per range table entry, or InvalidOid */
	int		   *input_natts;	/* per range table entry: table's natts */
	struct TermPlan *terms;
	struct ProbePlan **probes;	/* per input read from the delta, or NULL */
	List	   *delta_desc_relids;	/* tables whose delta descriptor ... */
	List	   *delta_descs;	/* ... is made: columns + weight */
	List	   *components;		/* Component *: the view as a signed sum */
	List	   *indicators;		/* Indicator * the components use */
	bool		decomposed;		/* outer joins or subquery predicates */
	List	   *index_advice;	/* CREATE INDEX statements, text */
	/* the lock algebra (locks.c) */
	Oid			lockclass;		/* stepping.catalog: classid of the lock tags */
	bool	   *selfconflict;	/* per c->inputs position: read twice */
	List	   *keyedges;		/* KeyEdge *, at most one per pair of inputs */
} JoinOpState;

/* UNION [ALL]: several inputs share the linear front (circuit.c) */
typedef struct UnionOpState
{
	List	   *inputslots;		/* per input: a slot of its descriptor */
} UnionOpState;

typedef struct Circuit
{
	Oid			viewid;			/* result table */
	Oid			baseid;			/* the (first) base table */
	List	   *inputs;			/* OIDs of every base table, distinct */
	ViewKind	kind;
	bool		global;			/* aggregate without GROUP BY */
	bool		row_locking;	/* concurrent steps meet on result rows */
	bool		part_locking;	/* per-group top-k and window views: steps
								 * meet on partition locks (locks.c) */
	ItemPointerData state_tid;	/* where its view_state row was last seen */
	MemoryContext cxt;
	bool		valid;
	int			running;		/* > 0 while a step uses it */

	char	   *viewname;		/* qualified and quoted, for SQL text */
	char	   *viewlabel;		/* schema.name unquoted, for "%s" in messages */
	char		last_large_step[160];	/* this backend's last choice for a
										 * large step (circuit.c), or "" */
	char	   *basename;		/* qualified, for messages */
	char	   *query_sql;		/* stored definition */
	Oid			owner;			/* maintenance runs as the view's owner */

	/* linear front: WHERE, then the circuit row */
	ExprState  *where;
	char	   *where_sql;		/* for explain_view, or NULL */
	int			nrowcols;		/* columns of a circuit row */
	ExprState **rowexprs;
	Oid		   *rowtypes;
	int16	   *rowtyplen;
	bool	   *rowtypbyval;
	ExprContext *econtext;
	TupleTableSlot *baseslot;	/* slot of the base table's descriptor */

	/* result table */
	int			nvisible;
	TupleDesc	resultdesc;		/* copy */
	Oid			keyindex;		/* grouped: the unique key index; bag: the plain
								 * index on the key columns or the row hash */
	int			nkeycols;
	AttrNumber *keycols;		/* result columns of keyindex, in order */
	FmgrInfo   *keyeq;			/* their equality procs (apply.c: lazily, once) */
	void	   *tidhints;		/* apply.c: TIDs of rows this transaction
								 * wrote, by key hash (or NULL) */

	/* the operators' own state */
	bool		setop;			/* UNION [ALL] of internal views */
	bool		join;			/* the delta comes from join terms */
	GroupedOpState grouped;
	BagOpState	bag;
	TopkOpState topk;
	JoinOpState joins;
	UnionOpState unions;

	List	   *explain;		/* text lines, built at compile */

	struct RunState *run;		/* while running: where writes are captured */
} Circuit;

extern Circuit *compile_view(Oid viewid, const char *query_sql,
							 MemoryContext parent);
extern Query *analyze_view_query(const char *sql, bool pinned);
extern void validate_view_query(Query *query);
extern char *deparse_view_query(Query *query);

/* Describes what create_view needs to make the result table. */
typedef struct ResultShape
{
	ViewKind	kind;
	bool		global;
	List	   *colnames;		/* all columns, visible then hidden */
	List	   *coltypes;		/* format_type strings with COLLATE */
	int			nvisible;
	List	   *keycolnames;	/* columns of the unique/lookup index */
	bool		key_unique;
	bool		hashed;			/* bag without key: __stepping_hash */
} ResultShape;

extern ResultShape *shape_result_table(Query *query);
extern List *join_row_key(Query *query, List *visible);
extern bool inner_join_conditions(Node *jointree, List **quals);
extern List *view_base_tables(Query *query);

/* ----------------------------------------------------------------
 * Steps and deltas (capture.c)
 * ----------------------------------------------------------------
 */

/* One statement's transition rows, kept until the step closes. */
typedef struct DeltaChunk
{
	SubTransactionId subid;
	bool		truncated;		/* TRUNCATE: the table's old rows all went */
	bool		unordered;		/* old and new rows not in statement order
								 * (a view's captured output) */
	Tuplestorestate *oldrows;	/* weight -1, or NULL */
	Tuplestorestate *newrows;	/* weight +1, or NULL */
	/* capture.c, while the step is open: */
	int64		nold;			/* rows of oldrows that belong to it */
	int64		nnew;			/* rows of newrows that belong to it */
	bool		sealed;			/* an append failed: no more appends */
} DeltaChunk;

/*
 * The row sets of a table's captured chunks, in order: each chunk's old
 * rows (weight -1), then its new rows (+1).  Start with *pos = 0; each call
 * gives the next set that exists, false after the last.
 */
static inline bool
delta_next_rows(List *chunks, int *pos, DeltaChunk **chunk,
				Tuplestorestate **rows, int *weight)
{
	while (*pos < 2 * list_length(chunks))
	{
		DeltaChunk *ch = (DeltaChunk *) list_nth(chunks, *pos / 2);
		bool		old = (*pos % 2 == 0);

		(*pos)++;
		*rows = old ? ch->oldrows : ch->newrows;
		if (*rows != NULL)
		{
			*chunk = ch;
			*weight = old ? -1 : 1;
			return true;
		}
	}
	return false;
}

/* qsort comparator of lock hashes (locks.c, semijoin.c) */
static inline int
uint32_cmp(const void *a, const void *b)
{
	uint32		x = *(const uint32 *) a;
	uint32		y = *(const uint32 *) b;

	return (x > y) - (x < y);
}

/* The deltas of one base table in a closed step. */
typedef struct TableDeltas
{
	Oid			relid;
	List	   *chunks;			/* DeltaChunk *, in statement order */
} TableDeltas;

/* What a circuit runs over: every changed table of the step. */
typedef struct DeltaSource
{
	List	   *tables;			/* TableDeltas * */
} DeltaSource;

extern List *delta_chunks_of(DeltaSource *src, Oid relid);
extern int64 delta_chunks_rows(List *chunks);
extern bool circuit_recomputes_large_steps(Circuit *c);
extern void circuit_define_settings(void);

extern uint64 cache_generation;
extern void capture_init(void);
extern bool capture_has_pending(void);
extern List *capture_pending_views(void);
extern bool capture_step_open(void);
extern void capture_flush(bool must);

/*
 * The row trigger that captures the logical replication apply worker's
 * changes (catalog.c, capture.c).  AFTER ROW triggers fire in name order:
 * this one must fire before any other, or a user's trigger reading a view
 * would meet the row written but not captured.  '!' sorts before digits and
 * letters (and RI_ConstraintTrigger_*).
 */
#define STEPPING_REPLICA_TRIGGER "!stepping_replica"

/* flush.c */
typedef enum SteppingApplyMode
{
	STEPPING_APPLY_TRANSACTION,
	STEPPING_APPLY_STATEMENT
} SteppingApplyMode;

extern int	stepping_apply_mode;
extern void flush_init(void);
extern void flush_pending(bool must);
extern bool flush_releasing_savepoint(void);
extern bool flush_single_statement(void);
extern bool stepping_applying(void);
extern void stepping_begin_apply(void);
extern void stepping_end_apply(void);
extern int	stepping_suspend_apply(void);
extern void stepping_resume_apply(int saved);

/* ----------------------------------------------------------------
 * Running a circuit (circuit.c, operators/)
 * ----------------------------------------------------------------
 */

/* One run of a circuit: the Z-set being filled, and whether it may be applied in batches. */
typedef struct RunState
{
	Circuit    *c;
	MemoryContext cxt;
	MemoryContext rowcxt;		/* what taking in one row allocates */
	MemoryContext zsetcxt;
	RowHash    *zset;
	Relation	baserel;
	bool		refresh;
	bool		can_batch;
	bool		writing;		/* locked, snapshot pushed */
	bool		part_locked;	/* holds its partitions' locks (not the
								 * view lock) */
	bool		global_done;	/* a global aggregate's row was written */
	bool		direct;			/* fold rows straight into groups */

	/*
	 * A refresh emptied the result table under the view lock and a
	 * ShareLock, and no batch has written it yet: no group has a row, and
	 * none can appear but ours, so groups are inserted without a lookup.
	 */
	bool		empty_result;
	RowHash    *groups;			/* direct: the groups being folded */
	uint64		nfolded;

	/* groups recomputed from the base tables: already final for this step */
	RowHash    *recomputed;

	/*
	 * A refresh: every group's generic aggregates, computed by one grouped
	 * query (aggregate.c), keyed by group key; each entry's extra holds the
	 * values then the null flags.  NULL until first needed.
	 */
	RowHash    *generic_all;

	/*
	 * REPEATABLE READ check of a join step (locks.c): a weighted sum of the
	 * emitted rows' fingerprints, and whether rows are only fingerprinted
	 */
	bool		fingerprinting;
	bool		fingerprint_only;
	uint64		fingerprint;

	/* the view's own output delta, for views over this view */
	bool		capture;
	MemoryContext capcxt;		/* where the captured rows live */
	Tuplestorestate *cap_old;
	Tuplestorestate *cap_new;
} RunState;

extern void circuit_emit(RunState *rs, Datum *values, bool *isnull, int64 weight);

/* A user's code (a BEFORE ROW trigger on a result table) inside maintenance */
typedef struct UserCode
{
	Oid			maint_user;
	int			maint_sec;
	int			nestlevel;
	int			applying;
} UserCode;

extern void circuit_begin_user_code(UserCode *uc);
extern void circuit_end_user_code(UserCode *uc);
extern void circuit_abort_user_code(UserCode *uc);
extern TableDeltas *circuit_run(Circuit *c, DeltaSource *src, bool *refreshed);
extern void circuit_run_step(List *tables);
extern void circuit_refresh(Circuit *c);
extern void catalog_lock_view(Circuit *c);

/* locks.c: which concurrent steps of a view must be ordered */
extern bool stepping_serialize_writers;
extern bool stepping_debug_clobber_rows;
extern void writer_define_settings(void);
extern void locks_define_settings(void);
extern void locks_prepare(Circuit *c);
extern bool locks_acquire_inputs(Circuit *c, DeltaSource *src);
extern void locks_acquire_key(Circuit *c, int indicator, uint32 hash);
extern bool locks_input_selfconflict(Circuit *c, Oid relid);
extern bool locks_reserve_keys(int n);
extern bool locks_acquire_partitions(Circuit *c, RowHash *zset);
extern void locks_acquire_all_partitions(Circuit *c);
extern void locks_acquire_all_keys(Circuit *c, Oid relid);
extern bool locks_snapshot_outdated(void);
extern pg_attribute_noreturn() void locks_serialization_failure(Circuit *c);

/* operators/filter_project.c */
extern bool filter_project_row(Circuit *c, TupleTableSlot *baseslot,
							   Datum *values, bool *isnull);

/* operators/join.c */
extern void join_feed_deltas(Circuit *c, DeltaSource *src, RunState *rs);
extern int	join_single_changed_input(Circuit *c, DeltaSource *src);
extern void join_feed_full(Circuit *c, RunState *rs);
extern void join_fold_group(Circuit *c, Datum *keys, bool *keynull,
							RowHash *groups);
extern void join_free_plans(Circuit *c);
extern void join_generic_values_all(Circuit *c, RowHash *map);
extern void generic_map_add(Circuit *c, RowHash *map, TupleTableSlot *slot);
extern void join_generic_values(Circuit *c, Datum *keys, bool *keynull,
								Datum *out, bool *outnull);
extern List *join_index_advice(Circuit *c);

/* operators/semijoin.c */
extern void semijoin_prepare(Circuit *c, Indicator *ind);
extern bool semijoin_delta(Circuit *c, Indicator *ind, DeltaSource *src);
extern void semijoin_lock_keys(Circuit *c, Indicator *ind, DeltaSource *src);
extern Query *semijoin_rows_query(Indicator *ind, List *keyquals);

/* operators/probe.c */
extern List *probe_prepare(Circuit *c);
extern bool probe_input_delta(Circuit *c, int delta_rt, List *chunks,
							  struct RunState *rs);

/* compile/row_number.c: row_number() <= k per group */
typedef struct RowNumberSpec
{
	int64		first;			/* rows first .. last of each group */
	int64		last;
	AttrNumber	rnatt;			/* the subquery's row_number() column */
	struct WindowClause *window;
	Query	   *sub;
} RowNumberSpec;
extern bool row_number_form(Query *query, RowNumberSpec *spec);
extern Query *rewrite_row_number(Query *query);
extern Query *row_number_mapped(Query *query, RowNumberSpec *spec);

/* compile/window.c: window functions, maintained per partition */
extern bool window_stored_form(Query *query);
extern Query *window_mapped(Query *query);
extern Query *view_mapped_query(Query *query);
extern char *window_part_sql(Query *stored, int nparts, const bool *isnull);

/* operators/topk.c */
extern void topk_apply(Circuit *c, RowHash *zset, bool refresh);
extern void topk_compile(Circuit *c, Query *query, List *visible);
extern void topk_set_row_number(Circuit *c, Query *windowed, Query *mapped,
								struct RowNumberSpec *spec);
extern void topk_set_window(Circuit *c, Query *stored);
extern void topk_append_direction(struct StringInfoData *buf, Oid sortop, bool nulls_first,
								  Oid type);
extern int64 topk_limit(Query *query);
extern bool topk_order_is_total(Query *query);
extern List *topk_window_keys(Query *query);
extern void topk_strip_window(Query *query);
extern bool query_reads_one_table(Query *query);
extern int64 topk_offset(Query *query);
extern void topk_free_plan(Circuit *c);
extern char *topk_window_sql(Query *query, bool visible_only);

/* operators/bag.c */
extern void bag_apply(Circuit *c, RowHash *zset);
extern pg_attribute_noreturn() void stepping_out_of_sync(Circuit *c,
														 const char *detail);

/* operators/aggregate.c */
extern RowHash *aggregate_create_groups(Circuit *c, MemoryContext cxt);
extern void aggregate_fold(Circuit *c, RowHash *groups, Datum *values,
						   bool *isnull, int64 weight);
extern void aggregate_apply(Circuit *c, RowHash *groups, Relation baserel);
extern void aggregate_ensure_global_group(Circuit *c, RowHash *groups);
extern void aggregate_free_plans(Circuit *c);

/* operators/aggfuncs.c: one aggregate's arithmetic in one group */
/* One aggregate's delta accumulated for one group during a step. */
typedef struct AggAccum
{
	int64		count;			/* count: the count; sum/avg: non-null inputs */
	int64		isum;			/* SUM_INT8, SUM_NUMERIC_FROM_INT partial */
	Datum		nsum;			/* numeric partial, or 0 */
	void	   *npos;			/* numeric: PostgreSQL's sum state of the rows
								 * entering one at a time (or NULL) ... */
	void	   *nneg;			/* ... and of those leaving; both settle into
								 * nsum when combined */
	MemoryContext ncxt;			/* where npos and nneg live */
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

/*
 * One aggregate's stored state in one group, as read from / written to the
 * hidden columns of its row.
 */
typedef struct GroupAggState
{
	Datum		value;			/* count, running sum, extreme, generic value */
	bool		value_null;
	int64		nn;				/* non-NULL inputs (col_nn) */
	int64		msc;			/* numeric sum: inputs at its scale (col_msc) */
} GroupAggState;


extern void aggfunc_init_accum(AggAccum *acc);
extern void aggfunc_fold_value(AggSpec *a, AggAccum *acc, Datum v, bool isnull,
							   int64 w, MemoryContext cxt);
extern void aggfunc_zero_state(AggSpec *a, GroupAggState *st);
extern bool aggfunc_combine(AggSpec *a, GroupAggState *st, AggAccum *acc,
							MemoryContext cxt);
extern Datum aggfunc_final_value(AggSpec *a, GroupAggState *st, bool *isnull,
								 MemoryContext cxt);

/* ----------------------------------------------------------------
 * Result table access (apply.c)
 * ----------------------------------------------------------------
 */

typedef struct ResultWriter
{
	struct RunState *run;		/* capture written rows here, or NULL */
	Relation	rel;
	Relation	keyrel;			/* key / hash index, or NULL */
	EState	   *estate;
	ResultRelInfo *rri;
	EPQState	epq;
	TupleTableSlot *oldslot;
	TupleTableSlot *newslot;
	ScanKeyData *skeys;
	FmgrInfo   *keyeq;			/* equality procs of the key index */
	Snapshot	snapshot;
	bool		plain;			/* no row triggers or constraints of users */
	struct Circuit *circuit;
	bool		hint_valid;		/* hint_hash: the key last looked up */
	uint32		hint_hash;
} ResultWriter;

extern ResultWriter *writer_open(Circuit *c);
extern void writer_close(ResultWriter *w);
extern bool writer_lookup_key(ResultWriter *w, Circuit *c, Datum *keys,
							  bool *keynull);
extern List *writer_lookup_image(ResultWriter *w, Circuit *c, Datum *values,
								 bool *isnull, uint32 hash, int64 want);
extern bool writer_first_row(ResultWriter *w);
extern void writer_insert(ResultWriter *w, Datum *values, bool *isnull);
extern void writer_update(ResultWriter *w, Datum *values, bool *isnull);
extern void writer_delete_current(ResultWriter *w);
extern void writer_delete_tid(ResultWriter *w, ItemPointer tid);

/* operators/window_append.c */
extern WindowAppend *window_append_compile(Circuit *c, Query *stored);
extern char *window_append_index_sql(Circuit *c);
extern bool window_append_step(Circuit *c, ResultWriter *w, Datum *pv, bool *pn,
							   List *changed);
extern bool writer_delete_candidate(ResultWriter *w, ItemPointer tid);
extern void writer_delete_all(Circuit *c, bool truncated);
extern bool writer_lock_current(ResultWriter *w, bool *moved);
extern bool writer_try_update(ResultWriter *w, Datum *values, bool *isnull);
extern bool writer_try_delete(ResultWriter *w);
extern bool writer_insert_group(ResultWriter *w, Datum *values, bool *isnull);
extern void writer_new_snapshot(ResultWriter *w);

/* ----------------------------------------------------------------
 * Per-backend cache (cache.c)
 * ----------------------------------------------------------------
 */

extern void cache_init(void);
extern Circuit *cache_get_circuit(Oid viewid);
extern List *cache_views_of_table(Oid baseid);
extern void cache_forget_view(Oid viewid);

/* ----------------------------------------------------------------
 * Catalog and SQL objects (catalog.c)
 * ----------------------------------------------------------------
 */

typedef struct ViewRecord
{
	Oid			viewid;
	char	   *query;
	Oid			baseid;
} ViewRecord;

extern ViewRecord *catalog_get_view(Oid viewid, bool missing_ok);
extern List *catalog_views_of_table(Oid baseid);
extern bool catalog_is_result_table(Oid relid);
extern bool catalog_view_is_global(Oid relid);
extern void catalog_insert_view(Oid viewid, const char *query,
								const char *original, List *baseids,
								List *keycolnames, const char *kind,
								Oid internal_of);
extern Oid	catalog_create_result_table(RangeVar *rv, ResultShape *shape,
										Query *query);
extern void catalog_install_capture(Oid baseid);
extern void catalog_fire_always(Oid baseid);
extern void catalog_set_internal_of(Oid viewid, Oid outer);

/* what DDL asks of the catalog (catalog.c, for src/ddl/) */
typedef struct CatalogDefinition
{
	Oid			viewid;
	char	   *sql;			/* stepping.catalog.query */
} CatalogDefinition;

typedef struct CatalogKeyIndex
{
	Oid			indexid;
	bool		can_stand_in;	/* for the first one, the circuit's */
} CatalogKeyIndex;

typedef struct CatalogObjectUse
{
	Oid			object;			/* a function or text-search object changed */
	char		volatility;		/* its provolatile, for functions */
	Oid			viewid;			/* a view using it */
} CatalogObjectUse;

extern char *catalog_view_reading_column(Oid relid, AttrNumber attno);
extern List *catalog_definitions(void);
extern void catalog_set_query(Oid viewid, const char *sql);
extern List *catalog_key_indexes(Oid viewid);
extern bool catalog_find_missing(Oid *relid, char **tgname);
extern List *catalog_changed_object_uses(void);
extern void catalog_drop_orphans(void);
extern void ddl_check_drops(void);

typedef struct CatalogUser
{
	Oid			userid;
	int			sec_context;
} CatalogUser;

extern void catalog_become_owner(CatalogUser *saved);
extern void catalog_restore_user(CatalogUser *saved);

/*
 * The settings every view is analyzed, deparsed and run under (compile.c):
 * search_path pg_catalog, pg_dump's date/interval/float/bytea styles.
 */
extern int	stepping_pin_settings(void);
extern void stepping_unpin_settings(int nestlevel);

extern char *qualified_relname(Oid relid);
extern char *display_relname(Oid relid);

#endif							/* STEPPING_H */
