-- create_view refuses what it cannot maintain exactly, with a clear message,
-- a SQLSTATE and a HINT, and leaves nothing behind.
\set VERBOSITY default
\set SHOW_CONTEXT never
\pset null '(null)'

CREATE TABLE errors_t (id int PRIMARY KEY, g int, x int, __stepping_x int);
CREATE TABLE errors_u (id int, y int);
CREATE SEQUENCE errors_seq;
INSERT INTO errors_t VALUES (1, 1, 10, 0), (2, 2, 20, 0);

-- runs create_view('errors_v', query) and reports what went wrong, and
-- whether anything was left behind
CREATE FUNCTION pg_temp.refused(q text, vname text DEFAULT 'errors_v')
RETURNS TABLE (code text, message text, hint text, left_behind bool)
LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        PERFORM stepping.create_view(vname, q);
        code := 'none';
        message := 'created';
    EXCEPTION WHEN others THEN
        GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE,
                                message = MESSAGE_TEXT,
                                hint = PG_EXCEPTION_HINT;
    END;
    hint := nullif(hint, '');
    -- (for a result name that already exists, this is the existing relation)
    left_behind := to_regclass(vname) IS NOT NULL
        OR EXISTS (SELECT FROM stepping.catalog c
                    WHERE 'errors_t'::regclass = ANY (c.base_tables))
        OR EXISTS (SELECT FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
                    WHERE t.tgrelid IN ('errors_t'::regclass, 'errors_u'::regclass)
                      AND p.pronamespace = 'stepping'::regnamespace);
    -- a query that was wrongly accepted must not spoil the cases after it
    IF code = 'none' THEN
        PERFORM stepping.drop_view(vname::regclass);
    END IF;
    RETURN NEXT;
END
$$;

-- as a user sees it
SELECT stepping.create_view('errors_v', 'SELECT g, x FROM errors_t WHERE x IN (SELECT rank() OVER (ORDER BY x) FROM errors_t)');
SELECT stepping.create_view('errors_v', 'SELECT x FROM errors_t ORDER BY x');
SELECT stepping.create_view('errors_v', 'SELECT g, x + 1 FROM errors_t');
SELECT to_regclass('errors_v');

-- bad input
SELECT * FROM pg_temp.refused('');
SELECT * FROM pg_temp.refused('   ;  ');
SELECT * FROM pg_temp.refused('-- only a comment');
SELECT * FROM pg_temp.refused('SELECT id FROM errors_t; SELECT x FROM errors_t');
SELECT * FROM pg_temp.refused('INSERT INTO errors_t VALUES (3, 3, 30)');
SELECT count(*) AS still_two_rows FROM errors_t;
SELECT * FROM pg_temp.refused('DELETE FROM errors_t');
SELECT * FROM pg_temp.refused('VALUES (1)');
SELECT * FROM pg_temp.refused('SELEKT x FROM errors_t');
SELECT * FROM pg_temp.refused('SELECT nosuchcolumn FROM errors_t');
SELECT * FROM pg_temp.refused('SELECT x FROM errors_nosuchtable');
SELECT * FROM pg_temp.refused('SELECT 1 AS one');

-- output column names
SELECT * FROM pg_temp.refused('SELECT x, g AS x FROM errors_t');
SELECT * FROM pg_temp.refused('SELECT x + 1 FROM errors_t');
SELECT * FROM pg_temp.refused('SELECT g, 1 FROM errors_t');
SELECT * FROM pg_temp.refused('SELECT g, count(*) AS n, count(x) AS n FROM errors_t GROUP BY g');
SELECT * FROM pg_temp.refused('SELECT __stepping_x FROM errors_t');
SELECT * FROM pg_temp.refused('SELECT x AS __stepping_count FROM errors_t');
SELECT * FROM pg_temp.refused('SELECT g, count(*) AS __stepping_n FROM errors_t GROUP BY g');

-- functions that are not immutable
SELECT * FROM pg_temp.refused('SELECT x, random() AS r FROM errors_t');
SELECT * FROM pg_temp.refused('SELECT x FROM errors_t WHERE random() < 0.5');
SELECT * FROM pg_temp.refused('SELECT x, now() AS t FROM errors_t');
SELECT * FROM pg_temp.refused('SELECT x, current_user AS u FROM errors_t');
SELECT * FROM pg_temp.refused('SELECT x, x::text::date AS d FROM errors_t');
SELECT * FROM pg_temp.refused('SELECT g, count(*) AS c FROM errors_t GROUP BY g, random() > 2');
SELECT * FROM pg_temp.refused('SELECT nextval(''errors_seq'') AS n, x FROM errors_t');

-- system columns
SELECT * FROM pg_temp.refused('SELECT ctid, x FROM errors_t');
SELECT * FROM pg_temp.refused('SELECT x FROM errors_t WHERE xmin::text <> ''0''');
SELECT * FROM pg_temp.refused('SELECT tableoid, count(*) AS c FROM errors_t GROUP BY tableoid');

-- clauses
SELECT * FROM pg_temp.refused('SELECT x FROM errors_t ORDER BY x');
SELECT * FROM pg_temp.refused('SELECT x FROM errors_t LIMIT 1');
SELECT * FROM pg_temp.refused('SELECT x FROM errors_t OFFSET 1');
SELECT * FROM pg_temp.refused('SELECT x FROM errors_t FETCH FIRST 1 ROW ONLY');
SELECT * FROM pg_temp.refused('SELECT x FROM errors_t WHERE x > (SELECT sum(x) OVER () FROM errors_t LIMIT 1)');
SELECT * FROM pg_temp.refused('SELECT x, rank() OVER (ORDER BY x) AS rn FROM errors_t ORDER BY rn');
SELECT * FROM pg_temp.refused('SELECT x, last_value(x) OVER (ORDER BY g) AS l FROM errors_t');
SELECT * FROM pg_temp.refused('SELECT x FROM errors_t FOR UPDATE');
SELECT * FROM pg_temp.refused('SELECT x FROM errors_t FOR SHARE');
SELECT * FROM pg_temp.refused('SELECT x FROM errors_t TABLESAMPLE SYSTEM (50)');
SELECT * FROM pg_temp.refused('SELECT g, x, count(*) AS c FROM errors_t GROUP BY GROUPING SETS ((g), (x))');
SELECT * FROM pg_temp.refused('SELECT g, count(*) AS c FROM errors_t GROUP BY ROLLUP (g)');
SELECT * FROM pg_temp.refused('SELECT g, count(*) AS c FROM errors_t GROUP BY CUBE (g)');
SELECT * FROM pg_temp.refused('SELECT DISTINCT ON (g) g, x FROM errors_t ORDER BY g, x LIMIT 1');

-- more than one table, subqueries, CTEs, set operations
SELECT * FROM pg_temp.refused('SELECT t.x, u.y FROM errors_t t JOIN errors_u u ON u.id = t.id');
SELECT * FROM pg_temp.refused('SELECT t.x FROM errors_t t, errors_u u');
SELECT * FROM pg_temp.refused('SELECT t.x FROM errors_t t LEFT JOIN errors_u u ON u.id < t.id');
SELECT * FROM pg_temp.refused('SELECT x FROM errors_t WHERE id IN (SELECT id FROM errors_u) OR x > 1');
SELECT * FROM pg_temp.refused('SELECT x FROM errors_t WHERE EXISTS (SELECT 1 FROM errors_u GROUP BY y)');
SELECT * FROM pg_temp.refused('SELECT x, (SELECT 1) AS one FROM errors_t');
SELECT * FROM pg_temp.refused('WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT n FROM r');
SELECT * FROM pg_temp.refused('SELECT s.x FROM errors_t, LATERAL (SELECT errors_t.x) s');
SELECT * FROM pg_temp.refused('WITH d AS (DELETE FROM errors_u RETURNING y) SELECT y FROM d');
SELECT * FROM pg_temp.refused('SELECT x FROM errors_t INTERSECT ALL SELECT y FROM errors_u EXCEPT ALL SELECT x FROM errors_t');
SELECT * FROM pg_temp.refused('SELECT x FROM errors_t UNION ALL SELECT x FROM errors_t UNION SELECT y FROM errors_u');
SELECT * FROM pg_temp.refused('SELECT x FROM errors_t EXCEPT SELECT y FROM errors_u EXCEPT SELECT id FROM errors_t');
SELECT * FROM pg_temp.refused('SELECT x, n FROM errors_t, generate_series(1, 2) n');

-- aggregates: every normal aggregate is maintained (see generic_aggs);
-- a stable aggregate (jsonb_agg converts through output functions) is not,
-- over a type whose text follows settings (see json_aggs)
SELECT * FROM pg_temp.refused('SELECT g, jsonb_agg(x::float8) AS j FROM errors_t GROUP BY g');

-- base tables that are not plain tables without children
CREATE VIEW errors_pv AS SELECT id, x FROM errors_t;
SELECT * FROM pg_temp.refused('SELECT x FROM errors_pv');
CREATE MATERIALIZED VIEW errors_mv AS SELECT id, x FROM errors_t;
SELECT * FROM pg_temp.refused('SELECT x FROM errors_mv');
CREATE TABLE errors_part (id int, x int) PARTITION BY RANGE (id);
CREATE TABLE errors_part_1 PARTITION OF errors_part FOR VALUES FROM (0) TO (100);
SELECT * FROM pg_temp.refused('SELECT x FROM errors_part');
SELECT * FROM pg_temp.refused('SELECT x FROM errors_part_1');
CREATE TABLE errors_parent (id int, x int);
CREATE TABLE errors_child () INHERITS (errors_parent);
SELECT * FROM pg_temp.refused('SELECT x FROM errors_parent');
SELECT * FROM pg_temp.refused('SELECT x FROM ONLY errors_parent');
SELECT * FROM pg_temp.refused('SELECT x FROM errors_child');
SELECT count(*) AS stepping_triggers
  FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
 WHERE p.pronamespace = 'stepping'::regnamespace
   AND t.tgrelid IN ('errors_pv'::regclass, 'errors_mv'::regclass, 'errors_part'::regclass,
                     'errors_part_1'::regclass, 'errors_parent'::regclass,
                     'errors_child'::regclass);

-- the result name
SELECT * FROM pg_temp.refused('SELECT x FROM errors_t', 'errors_u');
SELECT count(*) AS errors_u_is_untouched FROM errors_u;
SELECT * FROM pg_temp.refused('SELECT x FROM errors_t', 'errors_nosuchschema.v');
SELECT stepping.create_view('errors_v', 'SELECT id, x FROM errors_t');
SELECT stepping.create_view('errors_v', 'SELECT id, x FROM errors_t');
SELECT stepping.create_view('public.errors_v', 'SELECT g FROM errors_t');
SELECT id, x FROM errors_v ORDER BY id;
SELECT query FROM stepping.views WHERE name = 'errors_v'::regclass;
SELECT * FROM stepping.check_view('errors_v');
SELECT stepping.drop_view('errors_v');
SELECT to_regclass('errors_v');

-- an aggregate without an alias is named after the function, as in
-- PostgreSQL: accepted
SELECT stepping.create_view('errors_v', 'SELECT g, count(*) FROM errors_t GROUP BY g');
SELECT g, count FROM errors_v ORDER BY g;
SELECT * FROM stepping.check_view('errors_v');
SELECT stepping.drop_view('errors_v');

-- nothing of all the above is left
SELECT count(*) AS catalog_rows FROM stepping.catalog
 WHERE 'errors_t'::regclass = ANY (base_tables) OR 'errors_u'::regclass = ANY (base_tables);
SELECT count(*) AS stepping_triggers
  FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
 WHERE p.pronamespace = 'stepping'::regnamespace
   AND t.tgrelid IN ('errors_t'::regclass, 'errors_u'::regclass);
SELECT count(*) AS stray_relations FROM pg_class WHERE relname LIKE 'errors\_v%';

DROP VIEW errors_pv;
DROP MATERIALIZED VIEW errors_mv;
DROP TABLE errors_part, errors_parent, errors_child, errors_t, errors_u;
DROP SEQUENCE errors_seq;
