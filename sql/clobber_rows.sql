-- A group's stored state is read from its result row; values of a
-- by-reference type (numeric, text) point into stepping's copy of that row.
-- Whatever replaces the copy before the row is written (a row lock that
-- follows the row to its latest version, another lookup) must make the
-- state be read again.  stepping.debug_clobber_rows overwrites the copy
-- before it is replaced, so a state still pointing into it shows garbage at
-- once (a packaged server otherwise shows it only when the freed memory
-- happens to be reused, as a concurrent random run once did).
--
-- Every shape below replaces the row copy at least once per step: deletes
-- of rows spelling a float or numeric key as the stored row does (a look
-- for a remaining row of that spelling, with the row locked), removals of a
-- min/max extreme (a recompute, row locked), HAVING (view lock), join views
-- (recompute), bag views (copies deleted by TID), a global aggregate.
SET client_min_messages = warning;
CREATE SCHEMA clobber_rows;
SET search_path = clobber_rows, public;
SET stepping.debug_clobber_rows = on;

CREATE TABLE cr (id int PRIMARY KEY, e float8, n numeric, c numeric(10,2),
                 g numeric, s int2, t text, k int);
INSERT INTO cr
SELECT i, (i % 3) * 0.5, (i % 3)::numeric + (CASE WHEN i % 2 = 0 THEN 0.0 ELSE 0.00 END),
       (i % 7) * 0.25, (i % 5) * 1.125 + 0.1, i % 4, repeat(chr(97 + i % 5), 1 + i % 3), i % 4
  FROM generate_series(1, 60) i;
CREATE TABLE cr_k (k int PRIMARY KEY, label text);
INSERT INTO cr_k SELECT k, 'k' || k FROM generate_series(0, 3) k;

-- a float key and a numeric key of varying scale: their spelling varies
SELECT stepping.create_view('cr_f', 'SELECT avg(s) AS x1, min(c) AS x2, avg(g) AS x3, max(t) AS x4 FROM cr GROUP BY e');
SELECT stepping.create_view('cr_n', 'SELECT n, min(t) AS x1, sum(g) AS x2, avg(c) AS x3 FROM cr GROUP BY n');
CREATE FUNCTION cr_n_diff() RETURNS TABLE (side text, row_data text) LANGUAGE sql AS $$
  (SELECT '+', r::text FROM (SELECT trim_scale(n), x1, x2, x3 FROM clobber_rows.cr_n
                             EXCEPT ALL
                             SELECT trim_scale(n), min(t), sum(g), avg(c) FROM clobber_rows.cr GROUP BY n) r)
  UNION ALL
  (SELECT '-', r::text FROM (SELECT trim_scale(n), min(t), sum(g), avg(c) FROM clobber_rows.cr GROUP BY n
                             EXCEPT ALL
                             SELECT trim_scale(n), x1, x2, x3 FROM clobber_rows.cr_n) r)
  UNION ALL
  SELECT 'spelling', v.n::text FROM clobber_rows.cr_n v
   WHERE NOT EXISTS (SELECT FROM clobber_rows.cr WHERE cr.n::text = v.n::text) $$;
SELECT stepping.create_view('cr_h', 'SELECT k, min(c) AS x1, avg(g) AS x2 FROM cr GROUP BY k HAVING count(*) > 2');
SELECT stepping.create_view('cr_j', 'SELECT e, cr_k.label, min(c) AS x1, avg(g) AS x2, max(t) AS x3 FROM cr JOIN cr_k USING (k) GROUP BY e, cr_k.label');
SELECT stepping.create_view('cr_b', 'SELECT t, g, cr_k.label FROM cr JOIN cr_k USING (k)');
SELECT stepping.create_view('cr_g', 'SELECT min(c) AS x1, avg(g) AS x2, max(t) AS x3, count(*) AS x4 FROM cr');

-- cr_n's key is spelled as some row of its group spells it, the query's as
-- the first row it meets: compare that view with the key's scale trimmed,
-- and check that its spelling is one a row of the group has
\set check 'SELECT v AS view, c.side, c.row_data FROM unnest(ARRAY[''cr_f'', ''cr_h'', ''cr_j'', ''cr_b'', ''cr_g'']::regclass[]) AS v, stepping.check_view(v) AS c UNION ALL SELECT ''cr_n'', d.* FROM clobber_rows.cr_n_diff() d ORDER BY 1, 2, 3;'

-- deletes of rows spelled as the stored keys (other rows of each spelling remain)
DELETE FROM cr WHERE id = 4;
:check
DELETE FROM cr WHERE id IN (5, 6, 7);
:check
-- updates: a row leaves its group and enters another
UPDATE cr SET g = g + 1, t = t || 'z' WHERE id IN (8, 9);
:check
UPDATE cr SET e = e + 0.5 WHERE id % 9 = 0;
:check
-- removing extremes: min(c) / max(t) recomputed
DELETE FROM cr WHERE c = (SELECT min(c) FROM cr) AND id % 2 = 0;
:check
DELETE FROM cr WHERE t = (SELECT max(t) FROM cr);
:check
-- -0 joins the 0 group, then the stored spelling leaves
INSERT INTO cr VALUES (100, '-0', 0.000, 1.50, 2.5, 1, 'q', 1);
DELETE FROM cr WHERE e = 0 AND id <> 100;
:check
-- a join input changes
UPDATE cr_k SET label = label || '!' WHERE k = 2;
:check
-- several statements in one transaction, applied at the first read
BEGIN;
SET LOCAL stepping.apply = 'transaction';
DELETE FROM cr WHERE id % 5 = 1;
UPDATE cr SET c = c + 0.25 WHERE id % 5 = 2;
:check
COMMIT;
:check
SELECT count(*) AS rows_left FROM cr;

RESET stepping.debug_clobber_rows;
DROP SCHEMA clobber_rows CASCADE;
