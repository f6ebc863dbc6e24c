-- Top-k views with ties kept: ORDER BY ... FETCH FIRST n ROWS WITH TIES
-- [OFFSET m] (issue #16, part 1).  Without OFFSET the view holds exactly
-- what PostgreSQL returns: every row that fewer than n rows sort strictly
-- before.  With OFFSET m it holds those of the rows before m+n (with ties)
-- that come after the first m in the full window order (the ORDER BY keys,
-- then the text of every column, as LIMIT's views choose among ties).
-- After every statement each view is compared with check_view and with
-- the query as written (exactly without OFFSET, tie-aware with it).
SET client_min_messages = warning;

CREATE TABLE tt_s (id int PRIMARY KEY, player text, game int, score int);
INSERT INTO tt_s
SELECT i, 'p' || (i % 13), i % 4, (i * 7) % 10
  FROM generate_series(1, 120) i;
UPDATE tt_s SET score = NULL WHERE id % 19 = 0;
CREATE TABLE tt_players (player text PRIMARY KEY, team text);
INSERT INTO tt_players SELECT 'p' || i, 't' || (i % 3) FROM generate_series(0, 12) i;

-- Rows by which a view without OFFSET differs from its query as written
-- (its visible columns: cols)
CREATE FUNCTION tt_diff(v regclass, q text, cols text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    bad bigint;
BEGIN
    EXECUTE format($f$
        SELECT (SELECT count(*) FROM (SELECT s::text FROM (%2$s) s EXCEPT ALL SELECT row(%3$s)::text FROM %1$s s) a)
             + (SELECT count(*) FROM (SELECT row(%3$s)::text FROM %1$s s EXCEPT ALL SELECT s::text FROM (%2$s) s) b)
    $f$, v, q, cols) INTO bad;
    RETURN bad;
END $$;

-- Rows by which an OFFSET m view differs from any answer PostgreSQL may
-- give: src the rows, keys the ORDER BY; with b the rank of row m (0
-- without OFFSET, infinite with fewer than m rows), the view holds no row
-- ranked before b, every row ranked after b and within m+n, some rows tied
-- at b, and as many rows as the query returns.
CREATE FUNCTION tt_offset_diff(v regclass, src text, keys text, m int, n int) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    bad bigint;
BEGIN
    EXECUTE format($f$
        WITH q AS (SELECT s::text AS r, rank() OVER (ORDER BY %3$s) AS rk,
                          row_number() OVER (ORDER BY %3$s) AS rn FROM (%2$s) s),
             b AS (SELECT CASE WHEN %4$s = 0 THEN 0 ELSE coalesce(max(rk) FILTER (WHERE rn = %4$s), 2147483647) END AS b FROM q),
             kept AS (SELECT r, rk FROM q WHERE rk <= %4$s + %5$s),
             got AS (SELECT row(s.id, s.game, s.score)::text AS r FROM %1$s s)
        SELECT abs((SELECT count(*) FROM got) - greatest((SELECT count(*) FROM kept) - %4$s, 0))
             + (SELECT count(*) FROM (SELECT r FROM kept, b WHERE rk > b.b EXCEPT ALL SELECT r FROM got) x)
             + (SELECT count(*) FROM (SELECT r FROM got EXCEPT ALL SELECT r FROM kept, b WHERE rk >= b.b) y)
    $f$, v, src, keys, m, n) INTO bad;
    RETURN bad;
END $$;

-- the best 3 scores and every row tied with the third
SELECT stepping.create_view('tt_best',
  'SELECT id, player, score FROM tt_s ORDER BY score DESC NULLS LAST FETCH FIRST 3 ROWS WITH TIES');
-- NULLs first; the key is not an output column
SELECT stepping.create_view('tt_low',
  'SELECT id, player FROM tt_s ORDER BY score NULLS FIRST FETCH FIRST 2 ROWS WITH TIES');
-- an expression key
SELECT stepping.create_view('tt_expr',
  'SELECT id FROM tt_s WHERE score IS NOT NULL ORDER BY score % 3, game DESC FETCH FIRST 4 ROWS WITH TIES');
-- a page with ties: rows after the first 5, up to 4 with the ties of the last
SELECT stepping.create_view('tt_page',
  'SELECT id, game, score FROM tt_s ORDER BY game, score DESC OFFSET 5 ROWS FETCH FIRST 4 ROWS WITH TIES');
-- over a grouped query: the players with the 2 best totals, ties kept
SELECT stepping.create_view('tt_sum',
  'SELECT player, sum(score) AS t FROM tt_s GROUP BY player ORDER BY sum(score) DESC NULLS LAST FETCH FIRST 2 ROWS WITH TIES');
-- over a join
SELECT stepping.create_view('tt_join',
  'SELECT p.team, s.id, s.score FROM tt_s s JOIN tt_players p USING (player) ORDER BY p.team, s.score FETCH FIRST 5 ROWS WITH TIES');
-- keys that order totally: WITH TIES keeps exactly n rows
SELECT stepping.create_view('tt_total',
  'SELECT id, score FROM tt_s ORDER BY score DESC NULLS LAST, id FETCH FIRST 3 ROWS WITH TIES');

SELECT name, kind, internal_of IS NOT NULL AS internal FROM stepping.views WHERE name::text LIKE 'tt%' ORDER BY 1;
SELECT * FROM stepping.explain_view('tt_best') e WHERE e LIKE '%window%' OR e LIKE '%TIES%';

\set check 'SELECT v, c.* FROM unnest(ARRAY[''tt_best'', ''tt_low'', ''tt_expr'', ''tt_page'', ''tt_sum'', ''tt_join'', ''tt_total'']) v, stepping.check_view(v::regclass) c'
\set diff 'SELECT tt_diff(''tt_best'', ''SELECT id, player, score FROM tt_s ORDER BY score DESC NULLS LAST FETCH FIRST 3 ROWS WITH TIES'', ''id, player, score'') + tt_diff(''tt_low'', ''SELECT id, player FROM tt_s ORDER BY score NULLS FIRST FETCH FIRST 2 ROWS WITH TIES'', ''id, player'') + tt_diff(''tt_expr'', ''SELECT id FROM tt_s WHERE score IS NOT NULL ORDER BY score % 3, game DESC FETCH FIRST 4 ROWS WITH TIES'', ''id'') + tt_diff(''tt_sum'', ''SELECT player, sum(score) AS t FROM tt_s GROUP BY player ORDER BY sum(score) DESC NULLS LAST FETCH FIRST 2 ROWS WITH TIES'', ''player, t'') + tt_diff(''tt_join'', ''SELECT p.team, s.id, s.score FROM tt_s s JOIN tt_players p USING (player) ORDER BY p.team, s.score FETCH FIRST 5 ROWS WITH TIES'', ''team, id, score'') + tt_diff(''tt_total'', ''SELECT id, score FROM tt_s ORDER BY score DESC NULLS LAST, id FETCH FIRST 3 ROWS WITH TIES'', ''id, score'') AS exact_diff, tt_offset_diff(''tt_page'', ''SELECT id, game, score FROM tt_s'', ''game, score DESC'', 5, 4) AS page_diff'

:check;
:diff;
SELECT count(*) AS best_rows FROM tt_best;
SELECT count(*) AS total_rows FROM tt_total;
SELECT id, player, score FROM tt_best ORDER BY score DESC, id;

-- a change after the last row of a full window writes nothing
BEGIN;
SET LOCAL stepping.apply = 'statement';
CREATE TEMP TABLE tt_before AS
  SELECT relid, n_tup_ins, n_tup_del FROM pg_stat_xact_user_tables WHERE relid = 'tt_best'::regclass;
INSERT INTO tt_s VALUES (500, 'p1', 1, 0);
DELETE FROM tt_s WHERE id = (SELECT min(id) FROM tt_s WHERE score = 1);
SELECT s.n_tup_ins - b.n_tup_ins AS inserted, s.n_tup_del - b.n_tup_del AS deleted
  FROM pg_stat_xact_user_tables s, tt_before b WHERE s.relid = b.relid;
COMMIT;
:check;
:diff;

-- a row tied with the last enters; a new best pushes the ties out
INSERT INTO tt_s VALUES (501, 'p2', 2, 9);
SELECT count(*) AS best_rows FROM tt_best;
:check;
:diff;
INSERT INTO tt_s VALUES (502, 'p3', 3, 12), (503, 'p4', 0, 11), (504, 'p5', 1, 10);
SELECT id, score FROM tt_best ORDER BY score DESC, id;
:check;
:diff;
-- deleting the last row brings its ties back
DELETE FROM tt_s WHERE id = 504;
SELECT count(*) AS best_rows FROM tt_best;
:check;
:diff;
-- updates across the boundary, both ways; NULLs
UPDATE tt_s SET score = 10 WHERE id IN (1, 2, 3);
:check;
:diff;
UPDATE tt_s SET score = NULL WHERE score >= 10;
:check;
:diff;
UPDATE tt_s SET score = 9 - score WHERE game = 2;
:check;
:diff;
-- the page moves when rows before it change
DELETE FROM tt_s WHERE game = 0 AND id < 40;
:check;
:diff;
INSERT INTO tt_s SELECT 600 + i, 'p' || i, 0, 5 FROM generate_series(1, 6) i;
:check;
:diff;
-- the grouped input and the join's other side
UPDATE tt_s SET player = 'p7' WHERE player = 'p8';
UPDATE tt_players SET team = 't9' WHERE player IN ('p1', 'p2');
:check;
:diff;
-- savepoints and rollback
BEGIN;
DELETE FROM tt_s WHERE score > 5;
SAVEPOINT a;
INSERT INTO tt_s VALUES (700, 'p0', 1, 100);
ROLLBACK TO SAVEPOINT a;
:check;
:diff;
ROLLBACK;
:check;
:diff;
-- shrink below n and grow back
DELETE FROM tt_s WHERE id > 3;
SELECT count(*) AS best_rows FROM tt_best;
:check;
:diff;
INSERT INTO tt_s SELECT i, 'p' || (i % 13), i % 4, (i * 3) % 7 FROM generate_series(10, 90) i;
:check;
:diff;
TRUNCATE tt_s CASCADE;
:check;
:diff;
INSERT INTO tt_s SELECT i, 'p' || (i % 13), i % 4, i % 2 FROM generate_series(1, 30) i;
SELECT count(*) AS best_rows FROM tt_best;
:check;
:diff;
SELECT stepping.refresh_view('tt_page');
:check;

-- FETCH FIRST 0 ROWS WITH TIES holds nothing
SELECT stepping.create_view('tt_zero', 'SELECT id FROM tt_s ORDER BY score FETCH FIRST 0 ROWS WITH TIES');
INSERT INTO tt_s VALUES (900, 'z', 0, 0);
SELECT count(*) FROM tt_zero;

SELECT stepping.drop_view(name) FROM stepping.views WHERE name::text LIKE 'tt%' AND internal_of IS NULL ORDER BY name;
SELECT count(*) AS left_behind FROM stepping.views WHERE name::text LIKE 'tt%';
