/* stepping--0.1.sql: the extension's catalog, SQL API and trigger functions */

\echo Use "CREATE EXTENSION stepping" to load this file. \quit

-- What is maintained.  One row per incremental view, keyed by its result
-- table.  The query is stored as fully qualified SQL (deparsed with
-- search_path = pg_catalog) and re-analyzed once per backend, so the catalog
-- survives pg_dump/restore and pg_upgrade.
CREATE TABLE stepping.catalog (
    view_rel       regclass PRIMARY KEY,
    query          text NOT NULL,
    original_query text NOT NULL,
    base_tables    regclass[] NOT NULL,
    key_columns    name[],
    kind           text NOT NULL,
    internal_of    regclass,        -- set for the internal views of a view
    created_at     timestamptz NOT NULL DEFAULT pg_catalog.now()
);
SELECT pg_catalog.pg_extension_config_dump('stepping.catalog', '');

-- Every catalog row, from create_view or from a restore, records the result
-- table's dependencies on what its query reads (tables, columns, functions).
CREATE FUNCTION stepping.catalog_inserted()
RETURNS trigger
AS 'MODULE_PATHNAME', 'stepping_catalog_inserted'
LANGUAGE C;
CREATE TRIGGER record_dependencies AFTER INSERT ON stepping.catalog
    FOR EACH ROW EXECUTE FUNCTION stepping.catalog_inserted();

-- One row per view, updated by the first maintenance step of a transaction:
-- the row lock serializes maintenance of one view, and under REPEATABLE READ
-- / SERIALIZABLE a concurrent step surfaces as a serialization failure.
CREATE TABLE stepping.view_state (
    view_rel regclass PRIMARY KEY,
    steps    bigint NOT NULL DEFAULT 0
) WITH (fillfactor = 50);
SELECT pg_catalog.pg_extension_config_dump('stepping.view_state', '');

CREATE FUNCTION stepping.create_view(name text, query text)
RETURNS regclass
AS 'MODULE_PATHNAME', 'stepping_create_view'
LANGUAGE C STRICT VOLATILE;

CREATE FUNCTION stepping.drop_view(name regclass)
RETURNS void
AS 'MODULE_PATHNAME', 'stepping_drop_view'
LANGUAGE C STRICT VOLATILE;

CREATE FUNCTION stepping.refresh_view(name regclass)
RETURNS void
AS 'MODULE_PATHNAME', 'stepping_refresh_view'
LANGUAGE C STRICT VOLATILE;

CREATE FUNCTION stepping.check_view(name regclass)
RETURNS TABLE(side text, row_data text)
AS 'MODULE_PATHNAME', 'stepping_check_view'
LANGUAGE C STRICT VOLATILE;

CREATE FUNCTION stepping.explain_view(name regclass)
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'stepping_explain_view'
LANGUAGE C STRICT VOLATILE;

-- Trigger functions: capture on base tables, guard on result tables.
CREATE FUNCTION stepping.capture_before()
RETURNS trigger
AS 'MODULE_PATHNAME', 'stepping_capture_before'
LANGUAGE C;

CREATE FUNCTION stepping.capture_after()
RETURNS trigger
AS 'MODULE_PATHNAME', 'stepping_capture_after'
LANGUAGE C;

-- Row capture for the logical replication apply worker (fires REPLICA).
CREATE FUNCTION stepping.capture_row()
RETURNS trigger
AS 'MODULE_PATHNAME', 'stepping_capture_row'
LANGUAGE C;

CREATE FUNCTION stepping.guard_result()
RETURNS trigger
AS 'MODULE_PATHNAME', 'stepping_guard_result'
LANGUAGE C;

CREATE FUNCTION stepping.on_sql_drop()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'stepping_on_sql_drop'
LANGUAGE C;

CREATE EVENT TRIGGER stepping_sql_drop ON sql_drop
    EXECUTE FUNCTION stepping.on_sql_drop();
-- like the capture triggers, event triggers must fire under
-- session_replication_role = replica too
ALTER EVENT TRIGGER stepping_sql_drop ENABLE ALWAYS;

CREATE FUNCTION stepping.on_ddl_start()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'stepping_on_ddl_start'
LANGUAGE C;

CREATE FUNCTION stepping.on_ddl_end()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'stepping_on_ddl_end'
LANGUAGE C;

-- Refuse DDL that would make a view wrong; follow renames (src/ddl.c picks
-- the statements that matter: every tag, since a rename of any object a
-- stored definition names, or a way to detach a table's triggers or
-- indexes, must be seen).
CREATE EVENT TRIGGER stepping_ddl_start ON ddl_command_start
    EXECUTE FUNCTION stepping.on_ddl_start();
CREATE EVENT TRIGGER stepping_ddl_end ON ddl_command_end
    EXECUTE FUNCTION stepping.on_ddl_end();
ALTER EVENT TRIGGER stepping_ddl_start ENABLE ALWAYS;
ALTER EVENT TRIGGER stepping_ddl_end ENABLE ALWAYS;

CREATE VIEW stepping.views AS
    SELECT c.view_rel AS name,
           c.original_query AS query,
           c.query AS normalized_query,
           c.base_tables,
           c.key_columns,
           c.kind,
           c.internal_of,
           c.created_at
      FROM stepping.catalog c;

GRANT USAGE ON SCHEMA stepping TO PUBLIC;
GRANT SELECT ON stepping.views TO PUBLIC;
REVOKE ALL ON stepping.catalog, stepping.view_state FROM PUBLIC;
GRANT SELECT ON stepping.catalog TO PUBLIC;
