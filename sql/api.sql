-- The SQL API: create_view, drop_view, refresh_view, check_view,
-- explain_view and stepping.views.
\pset null '(null)'

CREATE TABLE api_t (id int PRIMARY KEY, g int, x int);
INSERT INTO api_t VALUES (1, 1, 10), (2, 1, 20), (3, 2, 30);

-- how many of stepping's triggers sit on api_t
CREATE FUNCTION pg_temp.api_triggers() RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
     WHERE t.tgrelid = 'api_t'::regclass
       AND p.pronamespace = 'stepping'::regnamespace $$;
-- how many catalog rows name api_t
CREATE FUNCTION pg_temp.api_catalog() RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM stepping.catalog WHERE 'api_t'::regclass = ANY (base_tables) $$;

SELECT pg_temp.api_triggers() AS triggers, pg_temp.api_catalog() AS catalog_rows;

SELECT stepping.create_view('api_v', 'SELECT g, sum(x) AS s, count(*) AS n FROM api_t GROUP BY g');
SELECT pg_temp.api_triggers() > 0 AS has_triggers, pg_temp.api_catalog() AS catalog_rows;
SELECT g, s, n FROM api_v ORDER BY g;
SELECT * FROM stepping.check_view('api_v');
SELECT * FROM stepping.explain_view('api_v');

-- a second view on the same table, in another schema, with a quoted name
CREATE SCHEMA api_s;
SELECT stepping.create_view('api_s."Api Bag"', 'SELECT id, x * 2 AS x2 FROM api_t WHERE x > 10');
SELECT n.nspname, c.relname, c.relkind
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.oid = 'api_s."Api Bag"'::regclass;
SELECT id, x2 FROM api_s."Api Bag" ORDER BY id;
SELECT * FROM stepping.check_view('api_s."Api Bag"');
SELECT * FROM stepping.explain_view('api_s."Api Bag"');

SELECT name, query, base_tables, key_columns, kind
  FROM stepping.views WHERE 'api_t'::regclass = ANY (base_tables)
 ORDER BY name::text;
SELECT name, normalized_query
  FROM stepping.views WHERE 'api_t'::regclass = ANY (base_tables)
 ORDER BY name::text;
SELECT count(*) AS views_with_creation_time
  FROM stepping.views
 WHERE 'api_t'::regclass = ANY (base_tables) AND created_at <= now();

-- both views follow changes to the shared table
INSERT INTO api_t VALUES (4, 2, 40), (5, 3, 5);
UPDATE api_t SET x = x + 1 WHERE id IN (1, 5);
DELETE FROM api_t WHERE id = 2;
SELECT g, s, n FROM api_v ORDER BY g;
SELECT id, x2 FROM api_s."Api Bag" ORDER BY id;
SELECT * FROM stepping.check_view('api_v');
SELECT * FROM stepping.check_view('api_s."Api Bag"');

-- check_view finds rows that went stale while the triggers did not fire,
-- and refresh_view repairs them
CREATE FUNCTION pg_temp.api_set_triggers(how text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE r record;
BEGIN
    FOR r IN SELECT t.tgname FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
              WHERE t.tgrelid = 'api_t'::regclass
                AND p.pronamespace = 'stepping'::regnamespace LOOP
        EXECUTE format('ALTER TABLE api_t %s TRIGGER %I', how, r.tgname);
    END LOOP;
END $$;
-- (stepping refuses to disable its triggers, ddl_guards.sql; a superuser
-- can still force it by disabling stepping's event trigger)
ALTER EVENT TRIGGER stepping_ddl_start DISABLE;
SELECT pg_temp.api_set_triggers('DISABLE');
ALTER EVENT TRIGGER stepping_ddl_start ENABLE ALWAYS;
INSERT INTO api_t VALUES (6, 1, 60);
DELETE FROM api_t WHERE id = 3;
SELECT pg_temp.api_set_triggers('ENABLE ALWAYS');
SELECT side, row_data FROM stepping.check_view('api_v') ORDER BY side, row_data;
SELECT side, row_data FROM stepping.check_view('api_s."Api Bag"') ORDER BY side, row_data;
SELECT stepping.refresh_view('api_v');
SELECT stepping.refresh_view('api_s."Api Bag"');
SELECT * FROM stepping.check_view('api_v');
SELECT * FROM stepping.check_view('api_s."Api Bag"');
SELECT g, s, n FROM api_v ORDER BY g;
SELECT id, x2 FROM api_s."Api Bag" ORDER BY id;
-- and maintenance goes on after a refresh
INSERT INTO api_t VALUES (7, 1, 70);
SELECT * FROM stepping.check_view('api_v');
SELECT * FROM stepping.check_view('api_s."Api Bag"');

-- the API refuses tables that are not stepping views
SELECT stepping.drop_view('api_t');
SELECT stepping.refresh_view('api_t');
SELECT * FROM stepping.check_view('api_t');
SELECT * FROM stepping.explain_view('api_t');

-- a rolled back create_view leaves nothing behind
BEGIN;
SELECT stepping.create_view('api_tmp', 'SELECT id FROM api_t');
ROLLBACK;
SELECT to_regclass('api_tmp') AS tmp, pg_temp.api_catalog() AS catalog_rows;

-- a rolled back drop_view leaves the view maintained
BEGIN;
SELECT stepping.drop_view('api_v');
SELECT to_regclass('api_v') AS dropped;
ROLLBACK;
INSERT INTO api_t VALUES (8, 2, 80);
SELECT g, s, n FROM api_v ORDER BY g;
SELECT * FROM stepping.check_view('api_v');

-- drop_view removes the table and the catalog row; the triggers stay for
-- the other view
SELECT stepping.drop_view('api_v');
SELECT to_regclass('api_v') AS api_v, pg_temp.api_catalog() AS catalog_rows,
       pg_temp.api_triggers() > 0 AS has_triggers;
INSERT INTO api_t VALUES (9, 9, 90);
SELECT id, x2 FROM api_s."Api Bag" ORDER BY id;
SELECT * FROM stepping.check_view('api_s."Api Bag"');

-- a plain DROP TABLE of the last result table removes its catalog row and
-- the triggers
DROP TABLE api_s."Api Bag";
SELECT pg_temp.api_catalog() AS catalog_rows, pg_temp.api_triggers() AS triggers;
INSERT INTO api_t VALUES (10, 1, 100);
SELECT count(*) FROM api_t;

-- drop_view of the last view removes the triggers
SELECT stepping.create_view('api_v', 'SELECT DISTINCT g FROM api_t');
SELECT g FROM api_v ORDER BY g;
SELECT stepping.drop_view('api_v');
SELECT to_regclass('api_v') AS api_v, pg_temp.api_catalog() AS catalog_rows,
       pg_temp.api_triggers() AS triggers;

-- a dropped name can be used again
SELECT stepping.create_view('api_v', 'SELECT g, count(*) AS n FROM api_t GROUP BY g');
SELECT g, n FROM api_v ORDER BY g;
SELECT * FROM stepping.check_view('api_v');
SELECT stepping.drop_view('api_v');

DROP SCHEMA api_s;
DROP TABLE api_t;
