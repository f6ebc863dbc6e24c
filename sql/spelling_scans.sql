-- Group keys whose equal values can be spelled differently (numeric 1.0 and
-- 1.00, char without a length, interval '1 day' and '24 hours', float 0 and
-- -0, text under a nondeterministic collation).  The result row keeps one
-- spelling, that of a row of the group.  A delete of a row spelled like the
-- stored key must not rescan the group: one scan that stops at the first
-- remaining row with that spelling suffices, and the group is recomputed
-- only when none remains (it then takes a remaining row's spelling).  A
-- typmod that leaves one spelling per value (numeric(p,s), char(n)) needs
-- no look at all.  Base-table scans are counted through
-- pg_stat_xact_user_tables.seq_tup_read (rows read by sequential scans).
SET client_min_messages = warning;
CREATE SCHEMA spelling_scans;
SET search_path = spelling_scans, public;
CREATE COLLATION ss_ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);

CREATE TABLE ss (id int PRIMARY KEY, n numeric, n2 numeric(10,2), c1 char(1),
                 bc bpchar, iv interval, f float8, t text COLLATE ss_ci, flag bool);
INSERT INTO ss
SELECT i, (i % 2)::numeric, (i % 2)::numeric(10,2), (i % 2)::text, (i % 2)::text,
       (i % 2) * interval '1 day', (i % 2)::float8, CASE i % 2 WHEN 0 THEN 'a' ELSE 'b' END,
       true
  FROM generate_series(1, 2000) i;

-- the rows this backend read from ss by sequential scans and has not
-- reported yet (it reports them after a transaction, at most once a second:
-- read before and after a statement inside one transaction)
CREATE FUNCTION ss_read() RETURNS bigint LANGUAGE sql AS $$
  SELECT seq_tup_read FROM pg_stat_xact_user_tables WHERE relid = 'spelling_scans.ss'::regclass $$;

SELECT stepping.create_view('ss_n', 'SELECT n, count(*) AS cnt FROM ss GROUP BY n');
SELECT stepping.create_view('ss_n2', 'SELECT n2, count(*) AS cnt FROM ss GROUP BY n2');
SELECT stepping.create_view('ss_c1', 'SELECT c1, count(*) AS cnt FROM ss GROUP BY c1');
SELECT stepping.create_view('ss_bc', 'SELECT bc, count(*) AS cnt FROM ss GROUP BY bc');
SELECT stepping.create_view('ss_iv', 'SELECT iv, count(*) AS cnt FROM ss GROUP BY iv');
SELECT stepping.create_view('ss_f', 'SELECT f, count(*) AS cnt FROM ss GROUP BY f');
SELECT stepping.create_view('ss_t', 'SELECT t, count(*) AS cnt FROM ss GROUP BY t');
SELECT stepping.create_view('ss_w', 'SELECT n, count(*) AS cnt FROM ss WHERE flag GROUP BY n');
SELECT stepping.create_view('ss_d', 'SELECT DISTINCT n FROM ss');

\set check 'SELECT v AS view, c.side, c.row_data FROM unnest(ARRAY[''ss_n'', ''ss_n2'', ''ss_c1'', ''ss_bc'', ''ss_iv'', ''ss_f'', ''ss_t'', ''ss_w'', ''ss_d'']::regclass[]) AS v, stepping.check_view(v) AS c ORDER BY 1, 2, 3;'

-- all views: one delete of a row spelled like its group's stored key
-- reads a handful of rows of the 2000, not all of them
BEGIN;
SET LOCAL stepping.apply = statement;
SELECT ss_read() AS r0 \gset
DELETE FROM ss WHERE id = 10;
SELECT ss_read() - :r0 BETWEEN 1 AND 100 AS probed_few;
COMMIT;
-- numeric(10,2) and char(1): no read at all (shown with only those views)
SELECT stepping.drop_view(v) FROM unnest(ARRAY['ss_n', 'ss_bc', 'ss_iv', 'ss_f', 'ss_t', 'ss_w', 'ss_d']) AS v;
BEGIN;
SET LOCAL stepping.apply = statement;
SELECT ss_read() AS r0 \gset
DELETE FROM ss WHERE id = 12;
DELETE FROM ss WHERE id = 13;
SELECT ss_read() - :r0 AS rows_read_typmod;
COMMIT;
SELECT stepping.create_view('ss_n', 'SELECT n, count(*) AS cnt FROM ss GROUP BY n');
SELECT stepping.create_view('ss_bc', 'SELECT bc, count(*) AS cnt FROM ss GROUP BY bc');
SELECT stepping.create_view('ss_iv', 'SELECT iv, count(*) AS cnt FROM ss GROUP BY iv');
SELECT stepping.create_view('ss_f', 'SELECT f, count(*) AS cnt FROM ss GROUP BY f');
SELECT stepping.create_view('ss_t', 'SELECT t, count(*) AS cnt FROM ss GROUP BY t');
SELECT stepping.create_view('ss_w', 'SELECT n, count(*) AS cnt FROM ss WHERE flag GROUP BY n');
SELECT stepping.create_view('ss_d', 'SELECT DISTINCT n FROM ss');
-- a delete of many rows of both groups: one probe per group
BEGIN;
SET LOCAL stepping.apply = statement;
SELECT ss_read() AS r0 \gset
DELETE FROM ss WHERE id BETWEEN 100 AND 299;
SELECT ss_read() - :r0 BETWEEN 1 AND 7 * 2 * 100 AS probed_few;
COMMIT;
:check

-- the stored spelling's last rows leave: the group takes a remaining one.
-- Group 1 gets rows spelled 1.0, 1 day 00:00 as '24 hours', -0 (group 0),
-- 'B', 'b  '; then every row spelled as stored goes.
INSERT INTO ss VALUES
  (5001, 1.0, 1.00, '1', '1  ', interval '24 hours', -0.0::float8, 'B', true),
  (5002, 0.00, 0, '0', '0 ', interval '0 hours', -0.0::float8, 'A', true);
DELETE FROM ss WHERE id < 5000;
SELECT n::text, cnt FROM ss_n ORDER BY n;
SELECT bc::text, length(bc::text), cnt FROM ss_bc ORDER BY bc;
SELECT iv::text, cnt FROM ss_iv ORDER BY iv;
SELECT f::text, cnt FROM ss_f ORDER BY f;
SELECT t, cnt FROM ss_t ORDER BY t;
SELECT n::text FROM ss_d ORDER BY n;
:check

-- WHERE: a row spelled as stored that the view's filter drops does not keep
-- the spelling
INSERT INTO ss VALUES (6001, 7.0, 7, '7', '7', interval '7 days', 7, 'x', true),
                      (6002, 7.00, 7, '7', '7', interval '7 days', 7, 'x', true),
                      (6003, 7.0, 7, '7', '7', interval '7 days', 7, 'x', false);
SELECT n::text, cnt FROM ss_w WHERE n = 7;
DELETE FROM ss WHERE id = 6001;
SELECT n::text, cnt FROM ss_w WHERE n = 7;
-- (views without the filter now hold 7.0 while the query may print 7.00:
-- both are spellings of the group's rows; one spelling left before checking)
DELETE FROM ss WHERE id = 6003;
SELECT n::text, cnt FROM ss_n WHERE n = 7;
:check

-- the same under stepping.apply = 'transaction' with several statements
BEGIN;
INSERT INTO ss VALUES (7001, 8.0, 8, '8', '8', interval '8 days', 8, 'y', true);
INSERT INTO ss VALUES (7002, 8.000, 8, '8', '8', interval '8 days', 8, 'y', true);
DELETE FROM ss WHERE id = 7001;
SELECT n::text, cnt FROM ss_n WHERE n = 8;
COMMIT;
:check

SELECT stepping.drop_view(v) FROM unnest(ARRAY['ss_n', 'ss_n2', 'ss_c1', 'ss_bc', 'ss_iv', 'ss_f', 'ss_t', 'ss_w', 'ss_d']) AS v;
DROP SCHEMA spelling_scans CASCADE;
