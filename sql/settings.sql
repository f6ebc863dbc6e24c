-- Settings: a view is a function of its tables, not of anybody's session.
-- Every analysis, deparse, maintenance run, recompute, refresh and check runs
-- under one fixed set of settings (search_path, DateStyle, IntervalStyle,
-- TimeZone, extra_float_digits, bytea_output, standard_conforming_strings,
-- array_nulls, xmloption, xmlbinary, transform_null_equals).  Each block
-- makes a view under odd settings or writes under odd settings in a new
-- backend (\c: circuits are compiled per backend), then compares the view
-- with its query run under the defaults.
SET client_min_messages = warning;
CREATE SCHEMA settings;
SET search_path = settings, public;
CREATE TABLE st (id int PRIMARY KEY, d date, iv interval, f float8, r real,
                 b bytea, s text, tags text[], g int, x xml);
INSERT INTO st VALUES
  (1, '2024-01-02', '-1 day +02:00:00', 0.1, 0.5, '\x00ff', 'a\b', '{a,NULL}', 1, '<a/>'),
  (2, '2024-02-01', '1 day', 0.2, 1.5, '\x41', 'plain', ARRAY['a','NULL'], 1, '<b/>');

-- 1. Definitions deparsed under the creator's styles: the stored text must
--    read back the same in every backend.
SET DateStyle = 'SQL, DMY';
SELECT stepping.create_view('settings.v_date', $$SELECT id FROM settings.st WHERE d >= '02/01/2024'::date$$);
SET IntervalStyle = sql_standard;
SELECT stepping.create_view('settings.v_iv', $$SELECT id FROM settings.st WHERE iv = '-1 2:00:00'::interval$$);
SET extra_float_digits = 0;
SELECT stepping.create_view('settings.v_float', $$SELECT id FROM settings.st WHERE f < 0.30000000000000004::float8 AND f + 0.2 = 0.30000000000000004$$);
RESET extra_float_digits;
RESET IntervalStyle;
RESET DateStyle;
SET standard_conforming_strings = off;
SET escape_string_warning = off;
SELECT stepping.create_view('settings.v_scs', $$SELECT id FROM settings.st WHERE s = 'a\\b'$$);
RESET standard_conforming_strings;
RESET escape_string_warning;
-- the stored definitions, as every backend reads them
SELECT name, normalized_query FROM stepping.views
 WHERE name::oid IN (SELECT oid FROM pg_class WHERE relnamespace = 'settings'::regnamespace)
 ORDER BY 1;
-- the creator meant 2 January (rows 1, 2), -1 day -2 hours (no row yet),
-- 0.1 (row 1), a\b (row 1)
SELECT 'v_date' AS v, id FROM settings.v_date UNION ALL
SELECT 'v_iv', id FROM settings.v_iv UNION ALL
SELECT 'v_float', id FROM settings.v_float UNION ALL
SELECT 'v_scs', id FROM settings.v_scs ORDER BY 1, 2;

-- 2. A writer's parse settings must not change the owner's query.
SELECT stepping.create_view('settings.v_arr', $$SELECT id, tags FROM settings.st WHERE tags = '{a,NULL}'::text[]$$);
SELECT stepping.create_view('settings.v_bs', $$SELECT id, s FROM settings.st WHERE s = 'a\b'$$);
SELECT stepping.create_view('settings.v_null', $$SELECT g, count(*) AS n FROM settings.st WHERE s = NULL GROUP BY g$$);
\c
SET search_path = settings, public;
SET array_nulls = off;
SET standard_conforming_strings = off;
SET escape_string_warning = off;
SET transform_null_equals = on;
SET DateStyle = 'SQL, DMY';
SET IntervalStyle = sql_standard;
SET extra_float_digits = -15;
SET TimeZone = 'Pacific/Chatham';
INSERT INTO st VALUES
  (3, '2024-01-02', '-1 day -02:00:00', 0.1, 0.5, '\\x00', 'a\\b', ARRAY['a',NULL], 2, NULL),
  (4, '2024-01-03', '-1 day +02:00:00', 0.1, 0.5, '\\x00', 'a\\b', ARRAY['a','NULL'], 2, NULL),
  (5, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 3, NULL);
UPDATE st SET g = g + 10 WHERE id IN (1, 2);
RESET ALL;
SET search_path = settings, public;
SELECT 'v_date' AS v, id FROM settings.v_date UNION ALL
SELECT 'v_iv', id FROM settings.v_iv UNION ALL
SELECT 'v_float', id FROM settings.v_float UNION ALL
SELECT 'v_scs', id FROM settings.v_scs UNION ALL
SELECT 'v_arr', id FROM settings.v_arr UNION ALL
SELECT 'v_bs', id FROM settings.v_bs ORDER BY 1, 2;
-- `s = NULL` is never true: no groups
SELECT g, n FROM settings.v_null;

-- 3. A writer's output settings must not leak into stored values: floats,
--    reals, points and bytea printed as text.
SELECT stepping.create_view('settings.v_text', $$SELECT id, f::text AS ft, r::text AS rt, b::text AS bt, point(f, r)::text AS pt FROM settings.st$$);
SELECT stepping.create_view('settings.v_agg', $$SELECT g, string_agg(f::text, ',' ORDER BY id) AS fs, string_agg(b::text, ',' ORDER BY id) AS bs FROM settings.st GROUP BY g$$);
\c
SET search_path = settings, public;
SET extra_float_digits = 0;
SET bytea_output = escape;
INSERT INTO st (id, f, r, b, g) VALUES (6, 0.1::float8 + 0.2, 1.1, '\xc3a9', 3);
UPDATE st SET f = f * 3, b = b || '\x01'::bytea WHERE id = 2;
RESET ALL;
SET search_path = settings, public;
SELECT * FROM settings.v_text ORDER BY id;
SELECT g, fs, bs FROM settings.v_agg ORDER BY g;
(SELECT id, f::text AS ft, r::text AS rt, b::text AS bt, point(f, r)::text AS pt FROM st
 EXCEPT ALL SELECT * FROM v_text) UNION ALL
(SELECT * FROM v_text EXCEPT ALL
 SELECT id, f::text, r::text, b::text, point(f, r)::text FROM st);

-- 4. Group recomputes read the rows the filter reads, whatever the writer's
--    float digits (a generic aggregate recomputes its group from the table).
SELECT stepping.create_view('settings.v_rec', $$SELECT g, string_agg(id::text, ',' ORDER BY id) AS ids, count(*) AS n FROM settings.st WHERE f <> '0.30000000000000004'::float8 GROUP BY g$$);
\c
SET search_path = settings, public;
SET extra_float_digits = 0;
INSERT INTO st (id, f, g) VALUES (7, 0.1::float8 + 0.2, 3), (8, 0.3, 3);
DELETE FROM st WHERE id = 6;
RESET ALL;
SET search_path = settings, public;
SELECT g, ids, n FROM settings.v_rec ORDER BY g;
SELECT g, string_agg(id::text, ',' ORDER BY id) AS ids, count(*) AS n FROM st
 WHERE f <> '0.30000000000000004'::float8 GROUP BY g ORDER BY g;

-- 5. JSON builders and XML over types whose text follows a setting are
--    refused, whatever their pg_proc marking (jsonb_object_agg is IMMUTABLE).
\set VERBOSITY terse
SELECT stepping.create_view('settings.v_j1', $$SELECT g, jsonb_object_agg(id, now()::timestamptz) AS j FROM settings.st GROUP BY g$$);
CREATE TABLE stz (id int PRIMARY KEY, g int, ts timestamptz, f float8, iv interval, b bytea, e text);
CREATE TYPE settings.mood AS ENUM ('sad', 'ok');
ALTER TABLE stz ADD COLUMN m settings.mood;
SELECT stepping.create_view('settings.v_j2', $$SELECT g, jsonb_object_agg(id, ts) AS j FROM settings.stz GROUP BY g$$);
SELECT stepping.create_view('settings.v_j3', $$SELECT g, jsonb_object_agg(id, f) AS j FROM settings.stz GROUP BY g$$);
SELECT stepping.create_view('settings.v_j4', $$SELECT g, jsonb_object_agg(id, iv) AS j FROM settings.stz GROUP BY g$$);
SELECT stepping.create_view('settings.v_j5', $$SELECT g, jsonb_object_agg(id, b) AS j FROM settings.stz GROUP BY g$$);
SELECT stepping.create_view('settings.v_j6', $$SELECT g, jsonb_object_agg(id, m) AS j FROM settings.stz GROUP BY g$$);
SELECT stepping.create_view('settings.v_j7', $$SELECT g, jsonb_object_agg(ts, id) AS j FROM settings.stz GROUP BY g$$);
SELECT stepping.create_view('settings.v_j8', $$SELECT id, to_jsonb(ARRAY[ts]) AS j FROM settings.stz$$);
SELECT stepping.create_view('settings.v_x1', $$SELECT id, xmlelement(name t, ts) AS x FROM settings.stz$$);
-- over settings-free types (a domain over int included) they are maintained
CREATE DOMAIN settings.posint AS int CHECK (VALUE > 0);
ALTER TABLE stz ADD COLUMN p settings.posint;
SELECT stepping.create_view('settings.v_j9', $$SELECT g, jsonb_object_agg(id, p) AS j, xmlelement(name t, g) AS x FROM settings.stz GROUP BY g$$);
\set VERBOSITY default
INSERT INTO stz (id, g, p) VALUES (1, 1, 5), (2, 1, 6);
SELECT g, j, x::text FROM settings.v_j9;

-- every view is exact, checked under a writer's odd settings too
SET DateStyle = 'SQL, DMY';
SET extra_float_digits = 0;
SET bytea_output = escape;
SELECT name, (SELECT count(*) FROM stepping.check_view(name)) AS diffs
  FROM stepping.views
 WHERE name::oid IN (SELECT oid FROM pg_class WHERE relnamespace = 'settings'::regnamespace)
 ORDER BY 1;
RESET ALL;

-- 6. CREATE OR REPLACE FUNCTION of an inlined SQL function: every backend
--    compiles the new body (as PostgreSQL's plan cache replans).
SET search_path = settings, public;
CREATE FUNCTION settings.twice(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1 * 2';
CREATE TABLE fn (id int PRIMARY KEY, v int);
INSERT INTO fn VALUES (1, 1);
SELECT stepping.create_view('settings.v_fn', 'SELECT id, settings.twice(v) AS w FROM settings.fn');
INSERT INTO fn VALUES (2, 2);                      -- compiles the circuit here
SELECT stepping.create_view('settings.v_fn_g', 'SELECT v % 2 AS k, sum(settings.twice(v)) AS w FROM settings.fn GROUP BY 1');
INSERT INTO fn VALUES (3, 3);
CREATE OR REPLACE FUNCTION settings.twice(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1 * 3';
SELECT stepping.refresh_view('settings.v_fn');
SELECT stepping.refresh_view('settings.v_fn_g');
INSERT INTO fn VALUES (4, 4);                      -- the same backend
\c
SET search_path = settings, public;
INSERT INTO fn VALUES (5, 5);                      -- a new one
SELECT * FROM v_fn ORDER BY id;
SELECT k, w FROM v_fn_g ORDER BY k;
SELECT * FROM stepping.check_view('settings.v_fn');
SELECT * FROM stepping.check_view('settings.v_fn_g');

-- 7. Creating a view needs the TRIGGER privilege, as the README says, not
--    ownership of the table; the capture triggers fire always.
CREATE ROLE settings_maker;
GRANT USAGE, CREATE ON SCHEMA settings TO settings_maker;
CREATE TABLE owned (id int PRIMARY KEY, g int);
GRANT SELECT, TRIGGER ON owned TO settings_maker;
INSERT INTO owned VALUES (1, 1);
SET ROLE settings_maker;
SELECT stepping.create_view('settings.v_owned', 'SELECT g, count(*) AS n FROM settings.owned GROUP BY g');
RESET ROLE;
SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'settings.owned'::regclass ORDER BY 1;
SET session_replication_role = replica;
INSERT INTO owned VALUES (2, 1);
RESET session_replication_role;
SELECT g, n FROM v_owned;
-- without the privilege: a clear error, nothing left behind
CREATE TABLE owned2 (id int PRIMARY KEY, g int);
GRANT SELECT ON owned2 TO settings_maker;
SET ROLE settings_maker;
\set VERBOSITY terse
SELECT stepping.create_view('settings.v_owned2', 'SELECT g, count(*) AS n FROM settings.owned2 GROUP BY g');
\set VERBOSITY default
RESET ROLE;
SELECT count(*) FROM pg_trigger WHERE tgrelid = 'settings.owned2'::regclass;

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA settings CASCADE;
DROP ROLE settings_maker;
