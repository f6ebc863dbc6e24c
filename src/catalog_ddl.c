/*-------------------------------------------------------------------------
 *
 * catalog_ddl.c
 *	  What DDL asks of stepping's catalog (for src/ddl/): every view's
 *	  stored definition and storing it again, whether a view reads a
 *	  column, the indexes a result table can be read through, views left
 *	  without a trigger or key index, views using a changed function or
 *	  text-search object.  Queries over stepping.catalog joined with
 *	  PostgreSQL's catalogs, through SPI; none is on the maintenance path.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_am.h"
#include "catalog/pg_proc.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "stepping.h"

/* Does a stepping view read this column (pg_depend from its result table)? */
char *
catalog_view_reading_column(Oid relid, AttrNumber attno)
{
	Oid			argtypes[2] = {OIDOID, INT4OID};
	Datum		args[2];
	char	   *view = NULL;

	args[0] = ObjectIdGetDatum(relid);
	args[1] = Int32GetDatum(attno);
	SPI_connect();
	if (SPI_execute_with_args("SELECT d.objid::regclass::text FROM pg_catalog.pg_depend d "
							  "JOIN stepping.catalog c ON c.view_rel = d.objid "
							  "WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass "
							  "AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass "
							  "AND d.refobjid = $1 AND d.refobjsubid = $2 LIMIT 1",
							  2, argtypes, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read pg_depend");
	if (SPI_processed > 0)
		view = MemoryContextStrdup(TopTransactionContext,
								   SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1));
	SPI_finish();
	return view;
}

/* Every view's stored definition, in the caller's memory. */
List *
catalog_definitions(void)
{
	MemoryContext callercxt = CurrentMemoryContext;
	List	   *out = NIL;
	uint64		i;

	SPI_connect();
	if (SPI_execute("SELECT view_rel::oid, query FROM stepping.catalog", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read stepping.catalog");
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		MemoryContext old = MemoryContextSwitchTo(callercxt);
		CatalogDefinition *d = palloc(sizeof(CatalogDefinition));

		d->viewid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i],
												   SPI_tuptable->tupdesc, 1, &isnull));
		d->sql = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
		out = lappend(out, d);
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	return out;
}

/* Store a view's definition again (after a rename), as the catalog's owner. */
void
catalog_set_query(Oid viewid, const char *sql)
{
	CatalogUser saved;
	Oid			argtypes[2] = {OIDOID, TEXTOID};
	Datum		args[2];

	args[0] = ObjectIdGetDatum(viewid);
	args[1] = CStringGetTextDatum(sql);
	catalog_become_owner(&saved);
	SPI_connect();
	if (SPI_execute_with_args("UPDATE stepping.catalog SET query = $2 WHERE view_rel = $1",
							  2, argtypes, args, NULL, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "could not update stepping.catalog");
	SPI_finish();
	catalog_restore_user(&saved);
}

/*
 * The indexes of result table viewid its circuit can find rows through (as
 * compile.c's lookup_key_index: key columns exactly the stored key
 * columns, in order, no expressions, no predicate), in the order
 * lookup_key_index prefers them: valid btree indexes first, then unique
 * NULLS NOT DISTINCT, then unique, then by OID.  Columns: index OID, then
 * whether it could stand in for the first one.
 */
#define KEY_INDEXES_SQL \
	"SELECT k.indexrelid, k.usable AND (k.usable, k.score) = " \
	"  (pg_catalog.first_value(k.usable) OVER w, pg_catalog.first_value(k.score) OVER w) " \
	"FROM (SELECT i.indexrelid, " \
	"        i.indisvalid AND i.indisready AND i.indislive AND x.relam = " CppAsString2(BTREE_AM_OID) " AS usable, " \
	"        i.indisunique::pg_catalog.int4 + 2 * i.indnullsnotdistinct::pg_catalog.int4 AS score " \
	"      FROM stepping.catalog c " \
	"      JOIN pg_catalog.pg_index i ON i.indrelid = c.view_rel " \
	"      JOIN pg_catalog.pg_class x ON x.oid = i.indexrelid " \
	"      WHERE c.view_rel = $1 AND c.key_columns IS NOT NULL " \
	"      AND i.indnkeyatts = pg_catalog.cardinality(c.key_columns) " \
	"      AND i.indexprs IS NULL AND i.indpred IS NULL " \
	"      AND (i.indkey::pg_catalog.int2[])[0:i.indnkeyatts - 1] = ARRAY(" \
	"        SELECT a.attnum FROM pg_catalog.unnest(c.key_columns) WITH ORDINALITY k(name, ord) " \
	"        JOIN pg_catalog.pg_attribute a ON a.attrelid = c.view_rel AND a.attname = k.name " \
	"        AND NOT a.attisdropped ORDER BY k.ord)) k " \
	"WINDOW w AS (ORDER BY k.usable DESC, k.score DESC, k.indexrelid) " \
	"ORDER BY k.usable DESC, k.score DESC, k.indexrelid"
List *
catalog_key_indexes(Oid viewid)
{
	MemoryContext callercxt = CurrentMemoryContext;
	Oid			argtypes[1] = {OIDOID};
	Datum		args[1];
	List	   *out = NIL;
	uint64		i;

	args[0] = ObjectIdGetDatum(viewid);
	SPI_connect();
	if (SPI_execute_with_args(KEY_INDEXES_SQL, 1, argtypes, args, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read pg_index");
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		MemoryContext old = MemoryContextSwitchTo(callercxt);
		CatalogKeyIndex *ki = palloc(sizeof(CatalogKeyIndex));

		ki->indexid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i],
													 SPI_tuptable->tupdesc, 1, &isnull));
		ki->can_stand_in = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i],
													  SPI_tuptable->tupdesc, 2, &isnull));
		out = lappend(out, ki);
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	return out;
}

/*
 * sql_drop, after the catalog rows of dropped views are gone: a drop by
 * any path (DROP TRIGGER, DROP INDEX, ALTER TABLE ... DROP CONSTRAINT of a
 * constraint made from the key index, cascades) must not leave a view
 * without a trigger or index it needs.  Checked only when the command
 * dropped a trigger or an index.
 */
#define MISSING_SQL \
	"WITH r AS (SELECT view_rel::pg_catalog.oid AS rel, key_columns FROM stepping.catalog), " \
	"b AS (SELECT DISTINCT pg_catalog.unnest(base_tables)::pg_catalog.oid AS rel FROM stepping.catalog), " \
	"needed(rel, tgname, fn) AS (" \
	"  SELECT rel, 'stepping_guard', 'guard_result' FROM r " \
	"  UNION ALL SELECT b.rel, t.tgname, t.fn FROM b, (VALUES ('stepping_before', 'capture_before'), " \
	"    ('stepping_after_insert', 'capture_after'), ('stepping_after_update', 'capture_after'), " \
	"    ('stepping_after_delete', 'capture_after'), ('stepping_after_truncate', 'capture_after'), " \
	"    ('!stepping_replica', 'capture_row')) t(tgname, fn) " \
	"  WHERE b.rel NOT IN (SELECT rel FROM r)) " \
	"SELECT rel, tgname FROM needed WHERE NOT EXISTS (" \
	"  SELECT 1 FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid " \
	"  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace " \
	"  WHERE t.tgrelid = needed.rel AND t.tgname = needed.tgname " \
	"  AND n.nspname = 'stepping' AND p.proname = needed.fn) " \
	"UNION ALL " \
	"SELECT rel, NULL FROM r WHERE key_columns IS NOT NULL AND NOT EXISTS (" \
	"  SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = r.rel " \
	"  AND i.indnkeyatts = pg_catalog.cardinality(r.key_columns) " \
	"  AND i.indexprs IS NULL AND i.indpred IS NULL " \
	"  AND (i.indkey::pg_catalog.int2[])[0:i.indnkeyatts - 1] = ARRAY(" \
	"    SELECT a.attnum FROM pg_catalog.unnest(r.key_columns) WITH ORDINALITY k(name, ord) " \
	"    JOIN pg_catalog.pg_attribute a ON a.attrelid = r.rel AND a.attname = k.name " \
	"    AND NOT a.attisdropped ORDER BY k.ord)) " \
	"LIMIT 1"

/*
 * A view without a trigger or key index it needs (MISSING_SQL): its table
 * and the trigger's name, or NULL for the key index.  False if none.
 */
bool
catalog_find_missing(Oid *relid, char **tgname)
{
	MemoryContext callercxt = CurrentMemoryContext;
	bool		found;

	SPI_connect();
	if (SPI_execute(MISSING_SQL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not check the views' triggers and indexes");
	found = SPI_processed > 0;
	if (found)
	{
		bool		isnull;
		char	   *name = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);

		*relid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0],
												SPI_tuptable->tupdesc, 1, &isnull));
		*tgname = name ? MemoryContextStrdup(callercxt, name) : NULL;
	}
	SPI_finish();
	return found;
}

/*
 * The views that use a function, text search configuration or dictionary
 * this command created or changed: directly (a call or constant in the
 * query), or through an operator or aggregate a function implements, a
 * configuration a dictionary serves.  Views over those views are found by
 * circuit_refresh.  Columns: the object, the volatility of a function (or
 * NULL), the view.
 */
#define CHANGED_OBJECT_VIEWS_SQL \
	"WITH RECURSIVE up(classid, objid, changed, depth) AS (" \
	"  SELECT d.classid, d.objid, d.objid, 0 FROM pg_catalog.pg_event_trigger_ddl_commands() d " \
	"  WHERE d.classid IN ('pg_catalog.pg_proc'::pg_catalog.regclass, " \
	"    'pg_catalog.pg_ts_config'::pg_catalog.regclass, 'pg_catalog.pg_ts_dict'::pg_catalog.regclass) " \
	"  UNION " \
	"  SELECT d.classid, d.objid, up.changed, up.depth + 1 FROM pg_catalog.pg_depend d " \
	"  JOIN up ON d.refclassid = up.classid AND d.refobjid = up.objid " \
	"  WHERE up.depth < 3 AND up.classid <> 'pg_catalog.pg_class'::pg_catalog.regclass) " \
	"SELECT DISTINCT up.changed, p.provolatile::pg_catalog.text, up.objid " \
	"FROM up JOIN stepping.catalog c ON c.view_rel::pg_catalog.oid = up.objid " \
	"LEFT JOIN pg_catalog.pg_proc p ON p.oid = up.changed " \
	"WHERE up.classid = 'pg_catalog.pg_class'::pg_catalog.regclass " \
	"ORDER BY up.objid"
List *
catalog_changed_object_uses(void)
{
	MemoryContext callercxt = CurrentMemoryContext;
	List	   *out = NIL;
	uint64		i;

	SPI_connect();
	if (SPI_execute(CHANGED_OBJECT_VIEWS_SQL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not find the views using a changed object");
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	row = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		char	   *vol = SPI_getvalue(row, desc, 2);
		MemoryContext old = MemoryContextSwitchTo(callercxt);
		CatalogObjectUse *use = palloc(sizeof(CatalogObjectUse));

		use->object = DatumGetObjectId(SPI_getbinval(row, desc, 1, &isnull));
		use->volatility = vol ? vol[0] : PROVOLATILE_IMMUTABLE;
		use->viewid = DatumGetObjectId(SPI_getbinval(row, desc, 3, &isnull));
		out = lappend(out, use);
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	return out;
}

