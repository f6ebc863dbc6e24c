/*-------------------------------------------------------------------------
 *
 * cache.c
 *	  Per-backend caches: compiled circuits by result table, and the list of
 *	  views over each base table (what a capture trigger asks on every
 *	  statement).  Both are dropped by relcache invalidation of the result
 *	  table or the base table: a schema change, a new or dropped view (which
 *	  invalidates its base table explicitly), or a cache reset.  Circuits
 *	  are also dropped when any function changes (pg_proc invalidation).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "stepping.h"

typedef struct CircuitEntry
{
	Oid			viewid;			/* hash key */
	Circuit    *circuit;
} CircuitEntry;

typedef struct TableEntry
{
	Oid			baseid;			/* hash key */
	bool		valid;
	List	   *views;			/* result table OIDs */
} TableEntry;

static MemoryContext cache_cxt = NULL;

/* bumped by every relcache invalidation: lists derived from ours go stale */
uint64		cache_generation = 0;
static HTAB *circuits = NULL;
static HTAB *tables = NULL;

static void
invalidate_relation(Datum arg, Oid relid)
{
	HASH_SEQ_STATUS status;
	CircuitEntry *ce;
	TableEntry *te;

	cache_generation++;
	if (circuits == NULL)
		return;
	hash_seq_init(&status, circuits);
	while ((ce = hash_seq_search(&status)) != NULL)
	{
		if (!OidIsValid(relid) || ce->circuit->viewid == relid ||
			list_member_oid(ce->circuit->inputs, relid))
			ce->circuit->valid = false;
	}
	hash_seq_init(&status, tables);
	while ((te = hash_seq_search(&status)) != NULL)
	{
		if (!OidIsValid(relid) || te->baseid == relid)
			te->valid = false;
	}
}

/*
 * A function changed (CREATE OR REPLACE, ALTER FUNCTION, a rename): drop
 * every circuit, as PostgreSQL's plan cache drops plans on a pg_proc change
 * (PlanCacheFuncCallback).  Circuits inline SQL functions and fold
 * immutable calls when they are compiled, so an old body would live on in
 * this backend.  All circuits, not only those using the function: function
 * DDL is rare and recompiling is cheap next to tracking every function a
 * circuit's expressions and plans reached.
 */
static void
invalidate_function(Datum arg, int cacheid, uint32 hashvalue)
{
	HASH_SEQ_STATUS status;
	CircuitEntry *ce;

	if (circuits == NULL)
		return;
	hash_seq_init(&status, circuits);
	while ((ce = hash_seq_search(&status)) != NULL)
		ce->circuit->valid = false;
}

void
cache_init(void)
{
	HASHCTL		ctl;

	cache_cxt = AllocSetContextCreate(CacheMemoryContext, "stepping cache",
									  ALLOCSET_DEFAULT_SIZES);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(CircuitEntry);
	ctl.hcxt = cache_cxt;
	circuits = hash_create("stepping circuits", 64, &ctl,
						   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	ctl.entrysize = sizeof(TableEntry);
	tables = hash_create("stepping tables", 64, &ctl,
						 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	CacheRegisterRelcacheCallback(invalidate_relation, (Datum) 0);
	CacheRegisterSyscacheCallback(PROCOID, invalidate_function, (Datum) 0);
}

static void
free_circuit(Circuit *c)
{
	if (c->running > 0)
		return;					/* still in use up the stack; let it leak */
	aggregate_free_plans(c);
	topk_free_plan(c);
	join_free_plans(c);
	MemoryContextDelete(c->cxt);
}

/* The compiled circuit of a view, compiling it when missing or stale. */
Circuit *
cache_get_circuit(Oid viewid)
{
	CircuitEntry *ce;
	bool		found;
	ViewRecord *rec;
	Circuit    *c;
	int			nestlevel;

	ce = hash_search(circuits, &viewid, HASH_FIND, &found);
	if (found && ce->circuit->valid)
		return ce->circuit;

	rec = catalog_get_view(viewid, false);

	/*
	 * Under the pinned settings: compiling folds constants (a float's text
	 * follows extra_float_digits) and prepares plans from text.
	 */
	nestlevel = stepping_pin_settings();
	c = compile_view(viewid, rec->query, cache_cxt);
	stepping_unpin_settings(nestlevel);

	ce = hash_search(circuits, &viewid, HASH_ENTER, &found);
	if (found)
		free_circuit(ce->circuit);
	ce->circuit = c;
	return c;
}

void
cache_forget_view(Oid viewid)
{
	CircuitEntry *ce;
	bool		found;

	ce = hash_search(circuits, &viewid, HASH_FIND, &found);
	if (found)
	{
		free_circuit(ce->circuit);
		hash_search(circuits, &viewid, HASH_REMOVE, NULL);
	}
}

/* The views maintained over a base table (NIL for most tables). */
List *
cache_views_of_table(Oid baseid)
{
	TableEntry *te;
	bool		found;
	List	   *views;
	MemoryContext old;

	te = hash_search(tables, &baseid, HASH_FIND, &found);
	if (found && te->valid)
		return te->views;

	views = catalog_views_of_table(baseid);
	old = MemoryContextSwitchTo(cache_cxt);
	views = list_copy(views);
	MemoryContextSwitchTo(old);

	te = hash_search(tables, &baseid, HASH_ENTER, &found);
	if (found)
		list_free(te->views);
	te->views = views;
	te->valid = true;
	return views;
}
