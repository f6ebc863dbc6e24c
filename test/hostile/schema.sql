-- test/hostile/schema.sql: the tables, types and functions the hostile corpus
-- queries read; loaded once into a fresh database by test/hostile/run.sh.
--   h_reset()      restores the seed data (no view exists when it runs)
--   h_dml(seed)    random DML over every writable table; returns the SQLSTATEs
--                  of the statements that failed (each runs in its own
--                  subtransaction), e.g. '22012 23505 '
--   h_fingerprint  what a failed create_view (or create + drop_view) must not
--                  change: user relations, triggers, stepping's catalog rows,
--                  dependencies, types
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION stepping;

CREATE TYPE h_mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN h_posint AS int CHECK (VALUE > 0);
CREATE TYPE h_pair AS (a int, b text);
CREATE COLLATION h_ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);

CREATE TABLE h_t (
    id int PRIMARY KEY,
    g int, x int, y bigint, sm smallint, n numeric, f float8, r real, m money,
    s text, c char(3), vc varchar(10), b bool,
    d date, ts timestamp, tz timestamptz, iv interval,
    j json, jb jsonb, p point, xm xml, arr int[], tarr text[], pr h_pair,
    dm h_posint, e h_mood, u uuid, by bytea, ip inet,
    "MixedCase" int, "select" int, "with space" text, "ünï" int
);
CREATE TABLE h_reserved (id int PRIMARY KEY, __stepping_hash int, __stepping_count int);  -- reserved-looking names
CREATE TABLE h_u (id int PRIMARY KEY, g int, z numeric, label text);
CREATE INDEX ON h_u (g);
CREATE TABLE h_nopk (a int, b text, f float8);
CREATE TABLE h_empty (a int, b int);
CREATE UNLOGGED TABLE h_unlogged (id int PRIMARY KEY, g int);
CREATE SCHEMA "H Schema";
CREATE TABLE "H Schema"."Odd Table" ("Col A" int PRIMARY KEY, "col""quote" text, "UPPER" int);
CREATE TABLE h_a_table_name_that_is_exactly_sixty_three_characters_long_xxxx (id int PRIMARY KEY, v int);
CREATE TABLE "select" ("from" int PRIMARY KEY, "where" int);   -- reserved words

-- things that are not plain tables
CREATE TABLE h_part (id int, g int) PARTITION BY RANGE (id);
CREATE TABLE h_part_1 PARTITION OF h_part FOR VALUES FROM (0) TO (1000);
CREATE TABLE h_parent (id int, g int);
CREATE TABLE h_child () INHERITS (h_parent);
CREATE VIEW h_view AS SELECT id, g, x FROM h_t;
CREATE MATERIALIZED VIEW h_mv AS SELECT id, g, x FROM h_t;
CREATE SEQUENCE h_seq;
CREATE TABLE h_rls (id int PRIMARY KEY, g int);
ALTER TABLE h_rls ENABLE ROW LEVEL SECURITY;
CREATE EXTENSION file_fdw;
CREATE SERVER h_files FOREIGN DATA WRAPPER file_fdw;
CREATE FOREIGN TABLE h_foreign (a int) SERVER h_files OPTIONS (filename '/dev/null');

-- functions and operators
CREATE FUNCTION h_imm(int) RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT $1 * 2';
CREATE FUNCTION h_imm_strict(int) RETURNS int IMMUTABLE STRICT LANGUAGE plpgsql AS 'BEGIN RETURN $1 + 1; END';
CREATE FUNCTION h_stable(int) RETURNS int STABLE LANGUAGE sql AS 'SELECT $1';
CREATE FUNCTION h_vol(int) RETURNS int VOLATILE LANGUAGE sql AS 'SELECT $1';
CREATE FUNCTION h_srf(int) RETURNS SETOF int IMMUTABLE LANGUAGE sql AS 'SELECT generate_series(1, $1)';
CREATE FUNCTION h_raise(int) RETURNS int IMMUTABLE LANGUAGE plpgsql AS
    'BEGIN IF $1 = 4242 THEN RAISE EXCEPTION ''h_raise: 4242''; END IF; RETURN $1; END';
CREATE FUNCTION h_tab(int) RETURNS TABLE (k int) IMMUTABLE LANGUAGE sql AS 'SELECT $1';
CREATE AGGREGATE h_sum2(int) (sfunc = int4pl, stype = int, initcond = '0');
CREATE OPERATOR ### (leftarg = int, rightarg = int, function = int4pl);
CREATE FUNCTION h_vol_op(int, int) RETURNS int VOLATILE LANGUAGE sql AS 'SELECT $1 + $2';
CREATE OPERATOR #?# (leftarg = int, rightarg = int, function = h_vol_op);

CREATE FUNCTION h_reset() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    SET LOCAL client_min_messages = warning;
    TRUNCATE h_t, h_u, h_nopk, h_empty, h_unlogged, h_reserved, "H Schema"."Odd Table",
             h_a_table_name_that_is_exactly_sixty_three_characters_long_xxxx, "select";
    INSERT INTO h_t
    SELECT i, i % 4, (i * 37) % 101 - 50, i::bigint * 1000000000000, (i % 5)::smallint,
           (ARRAY[1.5, 1.50, -0.001, 12345678901234567890.123, 0, NULL, 'NaN', 'Infinity', '-Infinity', 3])[1 + i % 10]::numeric,
           (ARRAY[0.5, -0.0, 0, 1e300, -1e-300, NULL, 'NaN', 'Infinity', '-Infinity', 2.25])[1 + i % 10]::float8,
           (ARRAY[1.5, -0.0, 0, 1e30, NULL, 'NaN', 'Infinity'])[1 + i % 7]::real,
           (i * 1.25)::money,
           (ARRAY['abc', 'ABC', 'Abc', '', ' ', NULL, 'ünïcödé', E'tab\there', 'quote''s', 'x'])[1 + i % 10],
           (ARRAY['a', 'a  ', 'bc', NULL])[1 + i % 4]::char(3),
           (ARRAY['v', 'vv', NULL])[1 + i % 3],
           (ARRAY[true, false, NULL])[1 + i % 3],
           (ARRAY['2024-01-01', '2024-02-29', 'infinity', '-infinity', NULL])[1 + i % 5]::date,
           (ARRAY['2024-01-01 10:00', 'infinity', NULL])[1 + i % 3]::timestamp,
           (ARRAY['2024-01-01 10:00+00', '-infinity', NULL])[1 + i % 3]::timestamptz,
           (ARRAY['1 day', '-1 hour', NULL, '1 mon'])[1 + i % 4]::interval,
           (ARRAY['{"a": 1}', '{"a":1}', '[]', 'null', NULL])[1 + i % 5]::json,
           (ARRAY['{"a": 1}', '{"b": [1, 2]}', '"s"', NULL])[1 + i % 4]::jsonb,
           (ARRAY['(1,2)', '(0,0)', NULL])[1 + i % 3]::point,
           (ARRAY['<a>1</a>', '<b/>', NULL])[1 + i % 3]::xml,
           (ARRAY['{1,2}', '{}', '{NULL}', NULL, '{1,2}'])[1 + i % 5]::int[],
           (ARRAY['{a,b}', '{"",NULL}', NULL])[1 + i % 3]::text[],
           (ARRAY['(1,a)', '(,)', NULL, '(1,a)'])[1 + i % 4]::h_pair,
           (ARRAY[1, 2, NULL])[1 + i % 3]::h_posint,
           (ARRAY['sad', 'ok', 'happy', NULL])[1 + i % 4]::h_mood,
           (ARRAY['00000000-0000-0000-0000-000000000001', NULL])[1 + i % 2]::uuid,
           (ARRAY['\x00ff', '\x', NULL])[1 + i % 3]::bytea,
           (ARRAY['10.0.0.1', '::1', NULL])[1 + i % 3]::inet,
           i % 3, i % 2, (ARRAY['a b', NULL])[1 + i % 2], i
      FROM generate_series(1, 40) i;
    INSERT INTO h_t (id) VALUES (0);                                  -- NULL everywhere
    INSERT INTO h_u SELECT i, i % 5, i / 3.0, 'l' || (i % 3) FROM generate_series(1, 30) i;
    INSERT INTO h_u VALUES (100, NULL, NULL, NULL);
    INSERT INTO h_nopk SELECT i % 6, (ARRAY['p', 'q', NULL])[1 + i % 3], (ARRAY[1.5, -0.0, 0, 'NaN'])[1 + i % 4]::float8
      FROM generate_series(1, 30) i;
    INSERT INTO h_nopk SELECT 1, 'p', 1.5 FROM generate_series(1, 3);           -- duplicates
    INSERT INTO h_unlogged SELECT i, i % 3 FROM generate_series(1, 20) i;
    INSERT INTO h_reserved SELECT i, i, i FROM generate_series(1, 5) i;
    INSERT INTO "H Schema"."Odd Table" SELECT i, 'q"' || i, i % 2 FROM generate_series(1, 10) i;
    INSERT INTO h_a_table_name_that_is_exactly_sixty_three_characters_long_xxxx SELECT i, i FROM generate_series(1, 5) i;
    INSERT INTO "select" SELECT i, i % 2 FROM generate_series(1, 5) i;
END
$$;
SELECT h_reset();

CREATE FUNCTION h_dml(seed float8) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    stmts text[] := ARRAY[
        $q$INSERT INTO h_t (id, g, x, y, sm, n, f, r, s, c, b, d, j, jb, arr, pr, dm, e, "MixedCase", "select", "ünï")
           SELECT 1000 + i, i % 5, i - 3, i, i::smallint, (ARRAY[0.10, 'NaN', NULL, 7, '-Infinity'])[1 + i % 5]::numeric,
                  (ARRAY[-0.0, 'NaN', NULL, 1e-300, 'Infinity'])[1 + i % 5]::float8, i / 3.0,
                  (ARRAY['ABC', 'abc', NULL, ''])[1 + i % 4], 'zz', i % 2 = 0, '2024-03-01',
                  '{"a": 1}', '{"a": 1}', ARRAY[i, NULL], ROW(i, 'z')::h_pair, 1 + i % 2,
                  'ok', i, i, i
             FROM generate_series(1 + (random() * 100)::int % 50 * 10, 5 + (random() * 100)::int % 50 * 10) i$q$,
        $q$INSERT INTO h_t (id) SELECT 2000 + (random() * 1000)::int ON CONFLICT (id) DO NOTHING$q$,
        $q$UPDATE h_t SET x = x + 1, g = (g + 1) % 5 WHERE random() < 0.3$q$,
        $q$UPDATE h_t SET n = 'NaN', f = 'Infinity', r = '-Infinity' WHERE random() < 0.2$q$,
        $q$UPDATE h_t SET s = upper(s), c = NULL, tarr = '{NULL}' WHERE random() < 0.2$q$,
        $q$UPDATE h_t SET g = NULL, x = NULL, n = NULL, f = NULL, s = NULL, j = NULL, e = NULL WHERE random() < 0.15$q$,
        $q$UPDATE h_t SET x = x WHERE random() < 0.5$q$,
        $q$UPDATE h_t SET id = id + 5000 WHERE id % 7 = 3 AND id < 5000 AND random() < 0.5$q$,
        $q$DELETE FROM h_t WHERE random() < 0.15$q$,
        $q$DELETE FROM h_t WHERE n = 'NaN' AND random() < 0.5$q$,
        $q$INSERT INTO h_t (id, g, x, n, f, s) VALUES (9001, 1, 4242, 1, 1, 'x')$q$,
        $q$INSERT INTO h_t (id, g, x, n, f, s) VALUES (9002, 0, 0, 0, 0, '') ON CONFLICT (id) DO UPDATE SET x = h_t.x + 1$q$,
        $q$MERGE INTO h_t t USING (SELECT generate_series(1, 45) AS id) s ON t.id = s.id
             WHEN MATCHED AND s.id % 3 = 0 THEN UPDATE SET x = coalesce(t.x, 0) * -1
             WHEN MATCHED AND s.id % 11 = 0 THEN DELETE
             WHEN NOT MATCHED THEN INSERT (id, g, x) VALUES (s.id, 9, 9)$q$,
        $q$WITH moved AS (DELETE FROM h_t WHERE id % 9 = 1 RETURNING *)
           INSERT INTO h_t SELECT * FROM moved$q$,
        $q$INSERT INTO h_u SELECT 200 + i, i % 7, i * 0.5, 'n' || i FROM generate_series(1, 3 + (random() * 5)::int) i
             ON CONFLICT (id) DO UPDATE SET z = excluded.z$q$,
        $q$UPDATE h_u SET g = g + 1 WHERE random() < 0.3$q$,
        $q$UPDATE h_u SET label = NULL, z = 'NaN' WHERE random() < 0.2$q$,
        $q$DELETE FROM h_u WHERE random() < 0.2$q$,
        $q$INSERT INTO h_nopk SELECT 1, 'p', 1.5 FROM generate_series(1, 2)$q$,
        $q$INSERT INTO h_nopk VALUES (NULL, NULL, NULL), (7, 'r', 'NaN'), (7, 'r', -0.0)$q$,
        $q$DELETE FROM h_nopk WHERE ctid IN (SELECT ctid FROM h_nopk WHERE a = 1 LIMIT 1)$q$,
        $q$UPDATE h_nopk SET f = -f WHERE random() < 0.3$q$,
        $q$DELETE FROM h_nopk WHERE random() < 0.2$q$,
        $q$INSERT INTO h_unlogged SELECT 100 + i, i % 3 FROM generate_series(1, 5) i ON CONFLICT DO NOTHING$q$,
        $q$UPDATE h_unlogged SET g = g + 1 WHERE random() < 0.4$q$,
        $q$INSERT INTO h_empty VALUES (1, NULL), (NULL, NULL)$q$,
        $q$DELETE FROM h_empty$q$,
        $q$UPDATE "H Schema"."Odd Table" SET "UPPER" = "UPPER" + 1, "col""quote" = "col""quote" || '"' WHERE random() < 0.5$q$,
        $q$INSERT INTO "H Schema"."Odd Table" VALUES (100 + (random() * 50)::int, NULL, NULL) ON CONFLICT DO NOTHING$q$,
        $q$UPDATE h_a_table_name_that_is_exactly_sixty_three_characters_long_xxxx SET v = v * 2$q$,
        $q$INSERT INTO "select" VALUES (100 + (random() * 50)::int, 1) ON CONFLICT DO NOTHING$q$,
        $q$TRUNCATE h_nopk$q$,
        $q$INSERT INTO h_nopk SELECT i % 3, 'p', i FROM generate_series(1, 10) i$q$
    ];
    q text;
    st text;
    log text := '';
BEGIN
    PERFORM setseed(seed);
    FOREACH q IN ARRAY stmts LOOP
        IF random() < 0.75 THEN
            BEGIN
                EXECUTE q;
            EXCEPTION WHEN others THEN
                GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE;
                log := log || st || ' ';
            END;
        END IF;
    END LOOP;
    RETURN log;
END
$$;

-- The rows where a result table and a fresh run of its query differ, compared
-- with the types' own equality (and the query's collations) instead of text:
-- 0 when check_view's differences are only spellings of equal values (numeric
-- 1.5 / 1.50, case under a nondeterministic collation), which the README
-- documents; NULL when the types cannot be compared (json, point, xml).
CREATE FUNCTION h_typed_diff(v regclass) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    qtext text;
    cols text;
    n bigint;
BEGIN
    SELECT query INTO qtext FROM stepping.catalog WHERE view_rel = v;
    EXECUTE 'CREATE TEMP VIEW h_q AS ' || qtext;
    SELECT string_agg(CASE WHEN a.attcollation <> 0
                           THEN format('r.%I COLLATE %s', a.attname, a.attcollation::regcollation)
                           ELSE format('r.%I', a.attname) END, ', ' ORDER BY a.attnum)
      INTO cols FROM pg_attribute a WHERE a.attrelid = 'h_q'::regclass AND a.attnum > 0;
    BEGIN
        EXECUTE format('SELECT count(*) FROM ((SELECT %s FROM ONLY %s r EXCEPT ALL SELECT * FROM h_q)
                         UNION ALL (SELECT * FROM h_q EXCEPT ALL SELECT %s FROM ONLY %s r)) d',
                       cols, v, cols, v) INTO n;
    EXCEPTION WHEN undefined_function OR indeterminate_collation OR feature_not_supported THEN
        n := NULL;
    END;
    DROP VIEW h_q;
    RETURN n;
END
$$;

CREATE FUNCTION h_fingerprint() RETURNS text LANGUAGE sql AS $$
    SELECT md5(concat_ws('|',
        (SELECT string_agg(format('%s.%s:%s:%s', n.nspname, c.relname, c.relkind, c.relpersistence), ','
                ORDER BY format('%s.%s:%s:%s', n.nspname, c.relname, c.relkind, c.relpersistence))
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
            AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'),
        (SELECT string_agg(format('%s:%s:%s', t.tgrelid::regclass, t.tgname, t.tgenabled), ','
                ORDER BY format('%s:%s:%s', t.tgrelid::regclass, t.tgname, t.tgenabled))
           FROM pg_trigger t),
        (SELECT string_agg(c::text, ',' ORDER BY c::text) FROM stepping.catalog c),
        (SELECT string_agg(s::text, ',' ORDER BY s::text) FROM stepping.view_state s),
        (SELECT count(*) FROM pg_depend),
        (SELECT count(*) FROM pg_type),
        (SELECT count(*) FROM pg_event_trigger)))
$$;
