-- LATERAL subqueries correlated by equalities (issue #16, part 2): the
-- first rows of each group, FROM g, LATERAL (SELECT ... FROM t WHERE
-- t.k = g.id ORDER BY x LIMIT n) s, are the per-group top-k of t joined
-- with g on t.k = g.id (src/compile/lateral.c).  After every statement
-- each view is compared with check_view and with its query as written
-- (every ORDER BY here orders totally or keeps ties, so it has one answer).
SET client_min_messages = warning;

CREATE TABLE lg (id bigint PRIMARY KEY, name text, k int);
CREATE TABLE lt (id int PRIMARY KEY, g int, x int, note text);
CREATE INDEX ON lt (g, x DESC, id);
INSERT INTO lg SELECT i, 'g' || i, i % 3 FROM generate_series(1, 6) i;
INSERT INTO lt SELECT i, i % 8, (i * 7) % 13, 'n' || (i % 4) FROM generate_series(1, 80) i;
CREATE TABLE lg2 (id bigint PRIMARY KEY, name text);
INSERT INTO lg2 SELECT i, 'h' || i FROM generate_series(2, 9) i;
UPDATE lt SET g = NULL WHERE id % 17 = 0;

CREATE FUNCTION lat_diff(v regclass, q text, cols text) RETURNS bigint
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

CREATE TABLE lat_views (v text PRIMARY KEY, q text, cols text);
INSERT INTO lat_views VALUES
  -- the best 3 rows of each group (an int key against a bigint id)
  ('l_top', 'SELECT lg.name, s.id, s.x FROM lg, LATERAL (SELECT lt.id, lt.x FROM lt WHERE lt.g = lg.id ORDER BY lt.x DESC, lt.id LIMIT 3) s', 'name, id, x'),
  -- rows 2..3 with a filter, groups without rows kept (LEFT JOIN ... ON true)
  ('l_left', 'SELECT lg.name, s.id, s.note FROM lg LEFT JOIN LATERAL (SELECT lt.id, lt.note FROM lt WHERE lt.x > 3 AND lg.id = lt.g ORDER BY lt.x, lt.id OFFSET 1 LIMIT 2) s ON true', 'name, id, note'),
  -- ties kept: the lowest 2 x of each group and every row tied with the 2nd
  ('l_ties', 'SELECT g.name, s.id FROM lg g CROSS JOIN LATERAL (SELECT t.id FROM lt t WHERE t.g = g.id ORDER BY t.x FETCH FIRST 2 ROWS WITH TIES) s', 'name, id'),
  -- two correlations, a join condition in ON, no LIMIT (a plain join)
  ('l_plain', 'SELECT lg.name, s.x, s.n2 FROM lg JOIN LATERAL (SELECT lt.x, upper(lt.note) AS n2 FROM lt WHERE lt.g = lg.id AND lt.x % 3 = lg.k) s ON s.x < 11', 'name, x, n2'),
  -- aggregated above: per group, the sum of its 2 best
  ('l_agg', 'SELECT lg.name, count(*) AS n, sum(s.x) AS best2 FROM lg, LATERAL (SELECT lt.x FROM lt WHERE lt.g = lg.id ORDER BY lt.x DESC, lt.id LIMIT 2) s GROUP BY lg.name', 'name, n, best2'),
  -- correlated with a column merged by USING, on the right of a LEFT JOIN
  ('l_using', 'SELECT id, g2.name, s.x FROM lg JOIN lg2 g2 USING (id) LEFT JOIN LATERAL (SELECT lt.x FROM lt WHERE lt.g = id ORDER BY lt.x, lt.id LIMIT 1) s ON true', 'id, name, x');
SELECT stepping.create_view(v, q) FROM lat_views ORDER BY v;

SELECT name, kind, internal_of IS NOT NULL AS internal FROM stepping.views WHERE name::text LIKE 'l\_%' ORDER BY 1;
SELECT normalized_query FROM stepping.views WHERE name = 'l_top'::regclass;
SELECT * FROM stepping.explain_view('l_top__sub1') e WHERE e LIKE 'top-k%';

\set check 'SELECT v, c.* FROM lat_views, stepping.check_view(v::regclass) c UNION ALL SELECT v, ''diff'', lat_diff(v::regclass, q, cols)::text FROM lat_views WHERE lat_diff(v::regclass, q, cols) <> 0'
:check;
SELECT name, id, x FROM l_top ORDER BY name, x DESC, id;

-- a change below the top 3 of its group writes nothing
BEGIN;
SET LOCAL stepping.apply = 'statement';
CREATE TEMP TABLE lat_before AS
  SELECT relid, n_tup_ins, n_tup_del FROM pg_stat_xact_user_tables
   WHERE relid IN ('l_top'::regclass, 'l_top__sub1'::regclass);
INSERT INTO lt VALUES (500, 1, -5, 'low');
SELECT sum(s.n_tup_ins - b.n_tup_ins) AS inserted, sum(s.n_tup_del - b.n_tup_del) AS deleted
  FROM pg_stat_xact_user_tables s JOIN lat_before b USING (relid);
COMMIT;
:check;

-- a new best row enters its group, the 3rd leaves
INSERT INTO lt VALUES (501, 2, 50, 'top');
:check;
-- delete the best row of a group: the 4th comes in
DELETE FROM lt WHERE id = (SELECT id FROM lt WHERE g = 3 ORDER BY x DESC, id LIMIT 1);
:check;
-- rows moving between groups and across the boundary
UPDATE lt SET g = 4 WHERE id IN (SELECT id FROM lt WHERE g = 5 ORDER BY x DESC, id LIMIT 2);
:check;
UPDATE lt SET x = x + 6 WHERE g = 1;
:check;
-- NULL keys meet no group; a group's key changes; a group goes away
UPDATE lt SET g = NULL WHERE id IN (SELECT id FROM lt WHERE g = 6 ORDER BY x DESC, id LIMIT 1);
UPDATE lg SET id = 7 WHERE id = 6;
DELETE FROM lg WHERE id = 2;
:check;
INSERT INTO lg VALUES (2, 'back', 2), (0, 'zero', 0);
UPDATE lg SET k = (k + 1) % 3;
DELETE FROM lg2 WHERE id = 3;
:check;
-- a group shrinks below n and grows back
DELETE FROM lt WHERE g = 4 AND id > 10;
:check;
INSERT INTO lt SELECT 600 + i, 4, i % 5, 'm' FROM generate_series(1, 6) i;
:check;
-- savepoints
BEGIN;
DELETE FROM lt WHERE x > 8;
SAVEPOINT a;
INSERT INTO lt VALUES (700, 0, 99, 'z'), (701, 0, 99, 'z');
ROLLBACK TO SAVEPOINT a;
:check;
COMMIT;
:check;
TRUNCATE lt;
:check;
INSERT INTO lt SELECT i, i % 5, i % 4, 'r' || (i % 2) FROM generate_series(1, 40) i;
:check;

-- refused: what is not an equality-correlated subquery, each with its reason
DO $$
DECLARE
    q text;
    msg text;
BEGIN
    FOREACH q IN ARRAY ARRAY[
        'SELECT lg.name, s.n FROM lg, LATERAL (SELECT count(*) AS n FROM lt WHERE lt.g = lg.id) s',
        'SELECT lg.name, s.x FROM lg, LATERAL (SELECT lt.x FROM lt WHERE lt.g < lg.id) s',
        'SELECT lg.name, s.x FROM lg, LATERAL (SELECT lt.x, lg.k AS k2 FROM lt WHERE lt.g = lg.id) s',
        'SELECT lg.name, s.x FROM lg, LATERAL (SELECT lt.x FROM lt WHERE lt.g = lg.id OR lt.x = 1) s',
        'SELECT lg.name, s.x FROM lg, LATERAL (SELECT lt.x FROM lt WHERE lt.g = lg.id LIMIT 2) s',
        'SELECT lg.name, s.x FROM lg, LATERAL (SELECT DISTINCT lt.x FROM lt WHERE lt.g = lg.id) s',
        'SELECT lg.name, s.x FROM lg, LATERAL (SELECT lt.x FROM lt WHERE lt.g = lg.id ORDER BY lt.x LIMIT lg.k) s',
        'SELECT lg.name, s.x FROM lg, LATERAL (SELECT lt.x FROM lt WHERE lt.note = lg.name COLLATE "C") s']
    LOOP
        BEGIN
            PERFORM stepping.create_view('lat_refused', q);
            RAISE NOTICE 'accepted: %', q;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
            RAISE WARNING '% | %', SQLSTATE, msg;
        END;
    END LOOP;
END $$;

SELECT stepping.drop_view(name) FROM stepping.views WHERE name::text LIKE 'l\_%' AND internal_of IS NULL ORDER BY name;
SELECT count(*) AS left_behind FROM stepping.views;
