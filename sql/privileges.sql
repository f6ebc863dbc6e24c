-- Privileges: maintenance runs as the view's owner, under a fixed search_path,
-- whoever writes the base table; create_view checks what its caller may read;
-- row-level security is refused; stepping's own tables are not writable.
\set VERBOSITY default
\set SHOW_CONTEXT never
\pset null '(null)'

CREATE ROLE privileges_owner;
CREATE ROLE privileges_writer;
CREATE ROLE privileges_peeker;
CREATE SCHEMA privileges_app AUTHORIZATION privileges_owner;
CREATE SCHEMA privileges_evil AUTHORIZATION privileges_writer;
GRANT USAGE ON SCHEMA privileges_app TO privileges_writer, privileges_peeker;

-- SQLSTATE (or 'ok') of a statement, run as the current role
CREATE FUNCTION public.privileges_try(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    st text;
BEGIN
    EXECUTE stmt;
    RETURN 'ok';
EXCEPTION WHEN others THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE;
    RETURN st;
END
$$;
GRANT EXECUTE ON FUNCTION public.privileges_try(text) TO PUBLIC;

-- what exists of a view name: its relation; catalog rows and stepping triggers
-- over a base table
CREATE FUNCTION public.privileges_leftovers(vname text, base regclass)
RETURNS TABLE (relation bool, catalog_rows bigint, capture_triggers bigint)
LANGUAGE sql SECURITY DEFINER AS $$
    SELECT to_regclass(vname) IS NOT NULL,
           (SELECT count(*) FROM stepping.catalog c WHERE base = ANY (c.base_tables)),
           (SELECT count(*) FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
             WHERE t.tgrelid = base AND p.pronamespace = 'stepping'::regnamespace)
$$;
GRANT EXECUTE ON FUNCTION public.privileges_leftovers(text, regclass) TO PUBLIC;

-- ---------------------------------------------------------------------------
-- 1. The owner (an ordinary role) defines views; a writer without any
--    privilege on the result tables keeps them exact.
-- ---------------------------------------------------------------------------
SET ROLE privileges_owner;
CREATE TABLE privileges_app.t (id int PRIMARY KEY, g int, x int, name text, f float8);
CREATE TABLE privileges_app.dim (g int PRIMARY KEY, label text);
INSERT INTO privileges_app.t VALUES
    (1, 1, 10, 'alice', 1.5), (2, 1, 20, 'bob', 2.5), (3, 2, 30, 'carol', 0.25);
INSERT INTO privileges_app.dim VALUES (1, 'one'), (2, 'two'), (3, 'three');

-- grouped (float avg: deletes recompute the group from the base table)
SELECT stepping.create_view('privileges_app.v_grp',
    'SELECT g, count(*) AS n, sum(x) AS s, avg(f) AS af FROM privileges_app.t GROUP BY g');
-- bag with functions and operators a writer will try to shadow
SELECT stepping.create_view('privileges_app.v_names',
    'SELECT id, upper(name) AS uname, x + 1 AS x1, lower(name) || ''!'' AS shout
       FROM privileges_app.t WHERE abs(x) > 0');
-- join with a table the writer may not read at all
SELECT stepping.create_view('privileges_app.v_join',
    'SELECT d.label, count(*) AS n, sum(t.x) AS s
       FROM privileges_app.t t JOIN privileges_app.dim d ON d.g = t.g GROUP BY d.label');
-- global aggregate
SELECT stepping.create_view('privileges_app.v_all',
    'SELECT count(*) AS n, sum(x) AS s FROM privileges_app.t');

-- the writer may change t, and read only its id (for WHERE id = ...)
GRANT INSERT, UPDATE, DELETE, TRUNCATE ON privileges_app.t TO privileges_writer;
GRANT SELECT (id) ON privileges_app.t TO privileges_writer;
RESET ROLE;

SELECT relname, relowner::regrole AS owner FROM pg_class
 WHERE relnamespace = 'privileges_app'::regnamespace AND relname LIKE 'v\_%' AND relkind = 'r' ORDER BY 1;

SET ROLE privileges_writer;
INSERT INTO privileges_app.t VALUES (4, 2, 40, 'dave', 3.5), (5, 3, 50, 'eve', 0.5);
UPDATE privileges_app.t SET x = 11, f = 4.5 WHERE id = 1;
UPDATE privileges_app.t SET g = 3 WHERE id = 3;
DELETE FROM privileges_app.t WHERE id = 2;
MERGE INTO privileges_app.t USING (VALUES (6, 1, 60, 'frank', 1.0::float8)) AS s(id, g, x, name, f)
    ON t.id = s.id
    WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.g, s.x, s.name, s.f);
-- the writer can neither read nor write nor manage the result tables
SELECT g, n FROM privileges_app.v_grp;
SELECT * FROM privileges_app.v_join;
SELECT public.privileges_try('INSERT INTO privileges_app.v_grp (g, n) VALUES (9, 9)') AS insert_result;
SELECT public.privileges_try('UPDATE privileges_app.v_all SET n = 0') AS update_result;
SELECT public.privileges_try('DELETE FROM privileges_app.v_names') AS delete_result;
SELECT public.privileges_try('TRUNCATE privileges_app.v_names') AS truncate_result;
SELECT public.privileges_try('SELECT stepping.check_view(''privileges_app.v_grp'')') AS check_result;
SELECT public.privileges_try('SELECT stepping.refresh_view(''privileges_app.v_grp'')') AS refresh_result;
SELECT public.privileges_try('SELECT stepping.drop_view(''privileges_app.v_grp'')') AS drop_result;
SELECT public.privileges_try('DROP TABLE privileges_app.v_grp') AS drop_table_result;
SELECT public.privileges_try('ALTER TABLE privileges_app.t DISABLE TRIGGER ALL') AS disable_triggers;
SELECT public.privileges_try('SET session_replication_role = replica') AS replica_role;
RESET ROLE;

-- exact, and equal to what the owner's query computes
SELECT * FROM stepping.check_view('privileges_app.v_grp');
SELECT * FROM stepping.check_view('privileges_app.v_names');
SELECT * FROM stepping.check_view('privileges_app.v_join');
SELECT * FROM stepping.check_view('privileges_app.v_all');
SELECT g, n, s, af FROM privileges_app.v_grp ORDER BY g;
SELECT id, uname, x1, shout FROM privileges_app.v_names ORDER BY id;
SELECT label, n, s FROM privileges_app.v_join ORDER BY label;
SELECT n, s FROM privileges_app.v_all;

-- TRUNCATE by the writer: the views are recomputed from the table (as the owner)
SET ROLE privileges_writer;
BEGIN;
TRUNCATE privileges_app.t;
INSERT INTO privileges_app.t VALUES (7, 2, 70, 'gus', 7.0);
COMMIT;
RESET ROLE;
SELECT * FROM stepping.check_view('privileges_app.v_grp');
SELECT * FROM stepping.check_view('privileges_app.v_join');
SELECT g, n, s, af FROM privileges_app.v_grp ORDER BY g;
SELECT label, n, s FROM privileges_app.v_join ORDER BY label;
INSERT INTO privileges_app.t VALUES
    (1, 1, 10, 'alice', 1.5), (2, 1, 20, 'bob', 2.5), (3, 2, 30, 'carol', 0.25);

-- ---------------------------------------------------------------------------
-- 2. A writer who shadows functions and operators in its search_path changes
--    nothing: stored definitions are fully qualified and maintenance runs
--    under search_path = pg_catalog, pg_temp.  The shadows raise if called.
-- ---------------------------------------------------------------------------
SET ROLE privileges_writer;
CREATE FUNCTION privileges_evil.upper(text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN RAISE EXCEPTION 'privileges_evil.upper called'; END $$;
CREATE FUNCTION privileges_evil.lower(text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN RAISE EXCEPTION 'privileges_evil.lower called'; END $$;
CREATE FUNCTION privileges_evil.abs(int) RETURNS int
    LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN RAISE EXCEPTION 'privileges_evil.abs called'; END $$;
CREATE FUNCTION privileges_evil.evil_plus(int, int) RETURNS int
    LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN RAISE EXCEPTION 'privileges_evil.+ called'; END $$;
CREATE OPERATOR privileges_evil.+ (LEFTARG = int, RIGHTARG = int, FUNCTION = privileges_evil.evil_plus);
CREATE FUNCTION privileges_evil.evil_concat(text, text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN RAISE EXCEPTION 'privileges_evil.|| called'; END $$;
CREATE OPERATOR privileges_evil.|| (LEFTARG = text, RIGHTARG = text, FUNCTION = privileges_evil.evil_concat);
CREATE FUNCTION privileges_evil.evil_eq(int, int) RETURNS bool
    LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN RAISE EXCEPTION 'privileges_evil.= called'; END $$;
CREATE OPERATOR privileges_evil.= (LEFTARG = int, RIGHTARG = int, FUNCTION = privileges_evil.evil_eq);
-- (the shadows are live in this session)
SET search_path = privileges_evil, pg_catalog, public;
SELECT public.privileges_try('SELECT upper(''x'')') AS shadow_upper_is_live,
       public.privileges_try('SELECT 1 + 1') AS shadow_plus_is_live;
-- temporary objects named like the base tables
CREATE TEMP TABLE t (id int, g int, x int, name text, f float8);
CREATE TEMP TABLE dim (g int, label text);
INSERT INTO privileges_app.t VALUES (8, 3, 80, 'Heidi', 8.0);
-- (the writer's own WHERE would call the shadow =, so it names pg_catalog's)
UPDATE privileges_app.t SET name = 'Alice', x = -12 WHERE id OPERATOR(pg_catalog.=) 1;
DELETE FROM privileges_app.t WHERE id OPERATOR(pg_catalog.=) 3;
INSERT INTO privileges_app.t VALUES (9, 2, 90, 'ivan', 9.0);
RESET search_path;
RESET ROLE;
SELECT * FROM stepping.check_view('privileges_app.v_grp');
SELECT * FROM stepping.check_view('privileges_app.v_names');
SELECT * FROM stepping.check_view('privileges_app.v_join');
SELECT * FROM stepping.check_view('privileges_app.v_all');
SELECT id, uname, x1, shout FROM privileges_app.v_names ORDER BY id;
SELECT label, n, s FROM privileges_app.v_join ORDER BY label;
SELECT n, s FROM privileges_app.v_all;

-- ---------------------------------------------------------------------------
-- 3. create_view checks that its caller may SELECT every column the query
--    reads, and leaves nothing behind when it may not.  The peeker may read
--    t.id and t.g only; it may create tables in privileges_app.
-- ---------------------------------------------------------------------------
SET ROLE privileges_owner;
GRANT SELECT (id, g) ON privileges_app.t TO privileges_peeker;
GRANT CREATE ON SCHEMA privileges_app TO privileges_peeker;
CREATE TABLE privileges_app.fresh (id int PRIMARY KEY, g int, secret int);
GRANT SELECT (id, g) ON privileges_app.fresh TO privileges_peeker;
RESET ROLE;
SET ROLE privileges_peeker;
SELECT stepping.create_view('privileges_app.v_peek', 'SELECT g, sum(x) AS s FROM privileges_app.t GROUP BY g');
SELECT stepping.create_view('privileges_app.v_peek', 'SELECT g FROM privileges_app.t WHERE x > 10');
SELECT stepping.create_view('privileges_app.v_peek', 'SELECT id FROM privileges_app.t ORDER BY id');
SELECT stepping.create_view('privileges_app.v_peek', 'SELECT g, count(*) AS n FROM privileges_app.t JOIN privileges_app.dim USING (g) GROUP BY g');
SELECT stepping.create_view('privileges_app.v_peek', 'SELECT t.g, count(*) AS n FROM privileges_app.t t JOIN privileges_app.fresh f ON f.secret = t.id GROUP BY t.g');
RESET ROLE;
SELECT * FROM public.privileges_leftovers('privileges_app.v_peek', 'privileges_app.t');
SELECT * FROM public.privileges_leftovers('privileges_app.v_peek', 'privileges_app.fresh');
-- Reading granted columns only is not enough either: a view puts code of its
-- owner (here: a division) into every write of the base table, as a trigger
-- does, so it needs what CREATE TRIGGER needs (TRIGGER privilege, or owning
-- the table) -- whether or not another view already installed the capture
-- triggers.  privileges_app.fresh has no view yet, privileges_app.t has.
SET ROLE privileges_peeker;
SELECT public.privileges_try($$SELECT stepping.create_view('privileges_app.v_peek',
    'SELECT id, g FROM privileges_app.fresh')$$) AS peek_fresh;
SELECT * FROM public.privileges_leftovers('privileges_app.v_peek', 'privileges_app.fresh');
SELECT public.privileges_try($$SELECT stepping.create_view('privileges_app.v_peek',
    'SELECT id, 100 / (g - 5) AS boom FROM privileges_app.t')$$) AS peek_t;
RESET ROLE;
SELECT relation, catalog_rows FROM public.privileges_leftovers('privileges_app.v_peek', 'privileges_app.t');
-- so the owner's writes cannot be made to fail by the peeker
SET ROLE privileges_owner;
SELECT public.privileges_try('INSERT INTO privileges_app.t VALUES (10, 5, 100, ''judy'', 1.0)') AS owner_insert_g5;
RESET ROLE;
SELECT * FROM stepping.check_view('privileges_app.v_grp');
DO $$ BEGIN
    IF to_regclass('privileges_app.v_peek') IS NOT NULL THEN
        PERFORM stepping.drop_view('privileges_app.v_peek');
    END IF;
END $$;

-- ---------------------------------------------------------------------------
-- 4. Row-level security: base tables with RLS are refused, nothing is left.
-- ---------------------------------------------------------------------------
SET ROLE privileges_owner;
CREATE TABLE privileges_app.rls (id int PRIMARY KEY, g int, owner_name text);
INSERT INTO privileges_app.rls VALUES (1, 1, 'privileges_writer'), (2, 1, 'privileges_peeker');
ALTER TABLE privileges_app.rls ENABLE ROW LEVEL SECURITY;
CREATE POLICY mine ON privileges_app.rls USING (owner_name = current_user);
SELECT stepping.create_view('privileges_app.v_rls', 'SELECT g, count(*) AS n FROM privileges_app.rls GROUP BY g');
SELECT stepping.create_view('privileges_app.v_rls', 'SELECT id, g FROM privileges_app.rls WHERE g > 0');
SELECT stepping.create_view('privileges_app.v_rls',
    'SELECT t.g, count(*) AS n FROM privileges_app.t t JOIN privileges_app.rls r ON r.id = t.id GROUP BY t.g');
ALTER TABLE privileges_app.rls FORCE ROW LEVEL SECURITY;
SELECT stepping.create_view('privileges_app.v_rls', 'SELECT g, count(*) AS n FROM privileges_app.rls GROUP BY g');
RESET ROLE;
SELECT * FROM public.privileges_leftovers('privileges_app.v_rls', 'privileges_app.rls');
SELECT count(*) AS catalog_rows_over_rls FROM stepping.catalog
 WHERE 'privileges_app.rls'::regclass = ANY (base_tables);
-- Enabling RLS on a base table after the fact must not leave the table
-- unwritable or the view wrong: either the ALTER is refused, or writes go on
-- and the view stays exact.
SET ROLE privileges_owner;
CREATE TABLE privileges_app.late (id int PRIMARY KEY, g int);
INSERT INTO privileges_app.late VALUES (1, 1);
SELECT stepping.create_view('privileges_app.v_late', 'SELECT g, count(*) AS n FROM privileges_app.late GROUP BY g');
DO $$ BEGIN
    ALTER TABLE privileges_app.late ENABLE ROW LEVEL SECURITY;
EXCEPTION WHEN others THEN NULL;
END $$;
SELECT public.privileges_try('INSERT INTO privileges_app.late VALUES (2, 1)') AS insert_after_enable_rls;
SELECT * FROM stepping.check_view('privileges_app.v_late');
ALTER TABLE privileges_app.late DISABLE ROW LEVEL SECURITY;
RESET ROLE;

-- ---------------------------------------------------------------------------
-- 5. Ordinary users cannot write stepping's own tables (nor read view_state).
-- ---------------------------------------------------------------------------
SET ROLE privileges_writer;
SELECT public.privileges_try($$INSERT INTO stepping.catalog (view_rel, query, original_query, base_tables, kind)
    VALUES ('privileges_app.t', 'SELECT 1', 'SELECT 1', '{privileges_app.t}', 'bag')$$) AS catalog_insert;
SELECT public.privileges_try($$UPDATE stepping.catalog SET query = 'SELECT id, 0 AS s FROM privileges_app.t'$$) AS catalog_update;
SELECT public.privileges_try('DELETE FROM stepping.catalog') AS catalog_delete;
SELECT public.privileges_try('TRUNCATE stepping.catalog') AS catalog_truncate;
SELECT public.privileges_try($$INSERT INTO stepping.view_state VALUES ('privileges_app.t', 0)$$) AS state_insert;
SELECT public.privileges_try('UPDATE stepping.view_state SET steps = 0') AS state_update;
SELECT public.privileges_try('DELETE FROM stepping.view_state') AS state_delete;
SELECT public.privileges_try('SELECT * FROM stepping.view_state FOR UPDATE') AS state_lock;
SELECT public.privileges_try('LOCK TABLE stepping.view_state') AS state_lock_table;
SELECT public.privileges_try('ALTER TABLE stepping.catalog DISABLE TRIGGER ALL') AS catalog_alter;
SELECT public.privileges_try('CREATE TABLE stepping.intruder (a int)') AS create_in_schema;
-- the catalog is readable (like pg_views), the definitions are public
SELECT name FROM stepping.views WHERE name::text LIKE 'privileges_app.%' ORDER BY 1;
RESET ROLE;
SELECT count(*) AS views_in_catalog FROM stepping.catalog WHERE view_rel::text LIKE 'privileges_app.%';
SELECT * FROM stepping.check_view('privileges_app.v_grp');
SELECT * FROM stepping.check_view('privileges_app.v_names');

-- ---------------------------------------------------------------------------
-- clean up: roles are cluster-wide
-- ---------------------------------------------------------------------------
DROP SCHEMA privileges_app CASCADE;
DROP SCHEMA privileges_evil CASCADE;
SELECT count(*) AS catalog_rows_left FROM stepping.catalog WHERE view_rel::text LIKE 'privileges_app.%';
DROP FUNCTION public.privileges_try(text);
DROP FUNCTION public.privileges_leftovers(text, regclass);
DROP OWNED BY privileges_owner, privileges_writer, privileges_peeker;
DROP ROLE privileges_owner;
DROP ROLE privileges_writer;
DROP ROLE privileges_peeker;
