-- Top-k views: ORDER BY ... LIMIT n [OFFSET m] (issue #16, part 1).
-- The view holds the rows at positions m+1 .. m+n of its query in the
-- order of its ORDER BY keys, ties chosen by every column's text.  After
-- every statement each view is compared with check_view (same tie order)
-- and with the query as written, tie-aware (topk_diff below).
SET client_min_messages = warning;

CREATE TABLE topk_s (id int PRIMARY KEY, player text, game int, score int, at numeric);
INSERT INTO topk_s
SELECT i, 'p' || (i % 17), i % 5, (i * 37) % 101, (i % 7) * 1.5
  FROM generate_series(1, 200) i;
UPDATE topk_s SET score = NULL WHERE id % 23 = 0;

-- Rows by which a view differs from its query as written, tie-aware: src
-- gives the rows (with the key columns), cols the view's columns, keys the
-- ORDER BY.  The view must hold as many rows as LIMIT n keeps, every row
-- ranked before the last kept key, and otherwise only rows tied with it.
CREATE FUNCTION topk_diff(v regclass, src text, cols text, keys text, n int) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    bad bigint;
BEGIN
    EXECUTE format($f$
        WITH q AS (SELECT (row(%3$s))::text AS r, rank() OVER (ORDER BY %4$s) AS rk,
                          row_number() OVER (ORDER BY %4$s) AS rn FROM (%2$s) s),
             b AS (SELECT max(rk) AS b FROM q WHERE rn <= %5$s),
             got AS (SELECT (row(%3$s))::text AS r FROM %1$s)
        SELECT abs((SELECT count(*) FROM got) - (SELECT count(*) FROM q WHERE rn <= %5$s))
             + (SELECT count(*) FROM (SELECT r FROM q, b WHERE rk < b.b EXCEPT ALL SELECT r FROM got) x)
             + (SELECT count(*) FROM (SELECT r FROM got EXCEPT ALL SELECT r FROM q, b WHERE rk <= b.b) y)
    $f$, v, src, cols, keys, n) INTO bad;
    RETURN bad;
END $$;
\set diff 'SELECT topk_diff(''topk_best'', ''SELECT * FROM topk_s'', ''id, player, score'', ''score DESC NULLS LAST'', 5) AS best, topk_diff(''topk_worst'', ''SELECT * FROM topk_s'', ''player, score'', ''score NULLS FIRST'', 4) AS worst, topk_diff(''topk_sum'', ''SELECT player, sum(score) AS t FROM topk_s GROUP BY player'', ''player'', ''t DESC NULLS LAST, player'', 3) AS sum'

\set check 'SELECT v, c.* FROM unnest(ARRAY[''topk_best'', ''topk_worst'', ''topk_page'', ''topk_sum'', ''topk_junk'', ''topk_join'', ''topk_total'']) v, stepping.check_view(v::regclass) c'

-- the 5 best scores (NULLs last, as ASC puts them for DESC NULLS LAST)
SELECT stepping.create_view('topk_best',
  'SELECT id, player, score FROM topk_s ORDER BY score DESC NULLS LAST LIMIT 5');
-- the 4 lowest, NULLs first, ties on score broken by the text of the row
SELECT stepping.create_view('topk_worst',
  'SELECT player, score FROM topk_s ORDER BY score NULLS FIRST FETCH FIRST 4 ROWS ONLY');
-- a page: rows 6..8 by (game, score desc)
SELECT stepping.create_view('topk_page',
  'SELECT id, game, score FROM topk_s ORDER BY game, score DESC LIMIT 3 OFFSET 5');
-- top 3 players by total score (over a grouped query; key not in the output)
SELECT stepping.create_view('topk_sum',
  'SELECT player FROM topk_s GROUP BY player ORDER BY sum(score) DESC NULLS LAST, player LIMIT 3');
-- an ORDER BY expression that is not an output column
SELECT stepping.create_view('topk_junk',
  'SELECT id FROM topk_s WHERE score IS NOT NULL ORDER BY score % 10, id DESC LIMIT 6');

-- keys that include the primary key order the rows totally: no text ties
SELECT stepping.create_view('topk_total',
  'SELECT id, score FROM topk_s ORDER BY score DESC NULLS LAST, id LIMIT 4');
SELECT * FROM stepping.explain_view('topk_total') e WHERE e LIKE '%window%';

CREATE TABLE topk_players (player text PRIMARY KEY, team text);
INSERT INTO topk_players SELECT 'p' || i, 't' || (i % 3) FROM generate_series(0, 16) i;
-- over a join
SELECT stepping.create_view('topk_join',
  'SELECT p.team, s.score FROM topk_s s JOIN topk_players p USING (player) ORDER BY s.score DESC NULLS LAST LIMIT 4');

SELECT name, kind, internal_of IS NOT NULL AS internal FROM stepping.views WHERE name::text LIKE 'topk%' ORDER BY 1;
SELECT * FROM stepping.explain_view('topk_best');
:check;
SELECT id, player, score FROM topk_best ORDER BY score DESC, id;
SELECT player, score FROM topk_worst ORDER BY score NULLS FIRST, player;
SELECT id, game, score FROM topk_page ORDER BY game, score DESC, id;
SELECT player FROM topk_sum ORDER BY player;

-- the result table holds the hidden sort key of topk_junk
SELECT attname FROM pg_attribute WHERE attrelid = 'topk_junk'::regclass AND attnum > 0 ORDER BY attnum;

-- a change outside every window writes nothing to the result tables and
-- does not read the window's input, the table, again (its scans are
-- counted; the other views over topk_s read it only through their own
-- state)
SELECT pg_stat_force_next_flush();
CREATE TEMP TABLE topk_w AS
SELECT relname, n_tup_ins + n_tup_upd + n_tup_del AS w, coalesce(seq_scan, 0) + coalesce(idx_scan, 0) AS r
  FROM pg_stat_user_tables WHERE relname IN ('topk_best', 'topk_worst', 'topk_s');
INSERT INTO topk_s VALUES (1001, 'low', 0, 51, 0);
SELECT pg_stat_force_next_flush();
SELECT s.relname, s.n_tup_ins + s.n_tup_upd + s.n_tup_del - w.w AS writes,
       coalesce(s.seq_scan, 0) + coalesce(s.idx_scan, 0) - w.r AS scans
  FROM pg_stat_user_tables s JOIN topk_w w USING (relname) ORDER BY 1;
-- a NULL score reaches two windows and reads the table once for each:
-- topk_worst (NULLS FIRST; tied, it enters by its text) and topk_page
-- (before its OFFSET window: DESC puts NULLs first)
INSERT INTO topk_s VALUES (1007, 'a0', 0, NULL, 0);
SELECT pg_stat_force_next_flush();
SELECT s.relname, s.n_tup_ins + s.n_tup_upd + s.n_tup_del - w.w AS writes,
       coalesce(s.seq_scan, 0) + coalesce(s.idx_scan, 0) - w.r AS scans
  FROM pg_stat_user_tables s JOIN topk_w w USING (relname) ORDER BY 1;
:check;

-- a new best row enters, the 5th leaves
INSERT INTO topk_s VALUES (1002, 'ace', 1, 1000, 0);
SELECT id, player, score FROM topk_best ORDER BY score DESC, id;
:check;
-- delete the k-th row: the next one is brought in
DELETE FROM topk_s WHERE id = (SELECT id FROM topk_best ORDER BY score DESC, id DESC LIMIT 1);
SELECT id, player, score FROM topk_best ORDER BY score DESC, id;
:check;
-- updates moving rows across the boundary, both ways
UPDATE topk_s SET score = score + 60 WHERE id % 11 = 0;
UPDATE topk_s SET score = 0 WHERE id IN (SELECT id FROM topk_best);
:check;
-- ties at the boundary: many rows with the same score
UPDATE topk_s SET score = 99 WHERE id % 9 = 0;
SELECT count(*) FROM topk_s WHERE score = (SELECT min(score) FROM topk_best);
:check;
:diff;
-- NULLs entering the NULLS FIRST window
INSERT INTO topk_s VALUES (1003, 'n1', 2, NULL, 1), (1004, 'n2', 3, NULL, 2);
SELECT player, score FROM topk_worst ORDER BY score NULLS FIRST, player;
:check;
-- the page moves when rows before it change
DELETE FROM topk_s WHERE game = 0 AND score > 90;
INSERT INTO topk_s VALUES (1005, 'pg', -1, 5, 0);
:check;
-- shrink below k and grow back
CREATE TEMP TABLE topk_saved AS SELECT * FROM topk_s;
DELETE FROM topk_s WHERE id > 3;
SELECT count(*) AS best, (SELECT count(*) FROM topk_page) AS page FROM topk_best;
:check;
INSERT INTO topk_s SELECT * FROM topk_saved WHERE id > 3;
:check;
-- the grouped input: totals change
UPDATE topk_s SET score = score + 500 WHERE player = 'p3';
SELECT player FROM topk_sum ORDER BY player;
:check;
:diff;
-- the join's other side
UPDATE topk_players SET team = 'moved' WHERE player IN (SELECT player FROM topk_s ORDER BY score DESC NULLS LAST LIMIT 2);
:check;
-- savepoints and rollback
BEGIN;
INSERT INTO topk_s VALUES (1006, 'sp', 1, 5000, 0);
SAVEPOINT a;
DELETE FROM topk_s WHERE score > 900;
ROLLBACK TO SAVEPOINT a;
SELECT id, score FROM topk_best ORDER BY score DESC, id LIMIT 2;
COMMIT;
:check;
BEGIN;
DELETE FROM topk_s;
SELECT count(*) FROM topk_best;
ROLLBACK;
SELECT count(*) FROM topk_best;
:check;
TRUNCATE topk_s;
:check;
INSERT INTO topk_s SELECT * FROM topk_saved;
:check;
:diff;
SELECT stepping.refresh_view('topk_page');
:check;

-- LIMIT 0 holds nothing
SELECT stepping.create_view('topk_zero', 'SELECT id FROM topk_s ORDER BY id LIMIT 0');
INSERT INTO topk_s VALUES (2000, 'z', 0, 1, 0);
SELECT count(*) FROM topk_zero;

-- refused, each with its reason
DO $$
DECLARE
    q text;
    msg text;
    hint text;
BEGIN
    FOREACH q IN ARRAY ARRAY[
        'SELECT id FROM topk_s ORDER BY score',
        'SELECT id FROM topk_s LIMIT 3',
        'SELECT id FROM topk_s ORDER BY id OFFSET 3',
        'SELECT id FROM topk_s ORDER BY id LIMIT NULL',
        'SELECT DISTINCT ON (game) game, id FROM topk_s ORDER BY game, score LIMIT 3',
        'SELECT id FROM topk_s ORDER BY id LIMIT (SELECT 3)']
    LOOP
        BEGIN
            PERFORM stepping.create_view('topk_refused', q);
            RAISE NOTICE 'accepted: %', q;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT;
            RAISE WARNING '% | % | %', SQLSTATE, msg, hint;
        END;
    END LOOP;
END $$;

-- DDL: renames are followed (hidden sort expressions included), a type
-- change of a column the ORDER BY reads is refused, DROP TABLE needs CASCADE
CREATE TABLE topk_d (id int PRIMARY KEY, g int, x int, s text);
INSERT INTO topk_d SELECT i, i % 3, (i * 7) % 20, 's' || i FROM generate_series(1, 30) i;
SELECT stepping.create_view('topk_d_top', 'SELECT id, s FROM topk_d WHERE g <> 1 ORDER BY x % 7 DESC, id LIMIT 4');
SELECT stepping.create_view('topk_d_grp', 'SELECT g, sum(x) AS t FROM topk_d GROUP BY g ORDER BY sum(x) DESC LIMIT 2');
ALTER TABLE topk_d RENAME COLUMN x TO xx;
ALTER TABLE topk_d RENAME TO topk_d2;
SELECT name, normalized_query FROM stepping.views WHERE name::text LIKE 'topk_d%' ORDER BY 1;
INSERT INTO topk_d2 VALUES (100, 0, 6, 'new'), (101, 2, 13, 'n2');
DELETE FROM topk_d2 WHERE id IN (SELECT id FROM topk_d_top ORDER BY id LIMIT 2);
ALTER TABLE topk_d2 ALTER COLUMN xx TYPE bigint;
ALTER TABLE topk_d2 ADD COLUMN z int DEFAULT 5;
UPDATE topk_d2 SET xx = xx + 3 WHERE id % 4 = 0;
SELECT v, c.* FROM unnest(ARRAY['topk_d_top', 'topk_d_grp']) v, stepping.check_view(v::regclass) c;
SELECT id, s FROM topk_d_top ORDER BY id;
DROP TABLE topk_d2;
DROP TABLE topk_d2 CASCADE;

SELECT stepping.drop_view(name) FROM stepping.views WHERE name::text LIKE 'topk%' AND internal_of IS NULL ORDER BY name;
SELECT count(*) AS left_behind FROM stepping.views WHERE name::text LIKE 'topk%';
