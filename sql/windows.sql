-- Window functions (issue #16, part 3): any window function or aggregate
-- OVER (PARTITION BY ... ORDER BY ... frame) in a view's select list, or in
-- a subquery in FROM that an outer query filters (rank() <= 2).  Each step
-- recomputes only the partitions (of the PARTITION BY every window shares)
-- its rows belong to, and writes only the rows whose values changed.
-- Every view is compared after each statement both with check_view and with
-- the query as written (the oracle below) where the query is deterministic.
SET client_min_messages = warning;

CREATE TABLE wt (id int PRIMARY KEY, g int, h int, x int, amt numeric(8,2), note text);
INSERT INTO wt
SELECT i, i % 4, i % 3, (i * 7) % 11, ((i * 13) % 90) / 4.0, 'n' || (i % 5)
  FROM generate_series(1, 60) i;
UPDATE wt SET g = NULL WHERE id % 17 = 0;
CREATE INDEX ON wt (g);
CREATE TABLE wc (g int PRIMARY KEY, label text);
INSERT INTO wc VALUES (0, 'zero'), (1, 'one'), (2, 'two'), (3, 'three');

-- running totals and moving windows per partition (ORDER BY a unique key)
SELECT stepping.create_view('w_run',
  'SELECT id, g, x, sum(x) OVER (PARTITION BY g ORDER BY id) AS running,
          avg(amt) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS moving,
          count(*) OVER (PARTITION BY g) AS n,
          string_agg(note, '','') OVER (PARTITION BY g ORDER BY id) AS notes
     FROM wt');
-- ranking functions over an ORDER BY with ties
SELECT stepping.create_view('w_rank',
  'SELECT id, g, x, rank() OVER w AS rk, dense_rank() OVER w AS drk,
          percent_rank() OVER w AS prk, cume_dist() OVER w AS cd,
          row_number() OVER w AS rn, ntile(3) OVER w AS tile
     FROM wt WINDOW w AS (PARTITION BY g ORDER BY x DESC)');
-- offsets and frame values
SELECT stepping.create_view('w_lag',
  'SELECT id, g, x - lag(x) OVER (PARTITION BY g ORDER BY id) AS delta,
          lead(x, 2, -1) OVER (PARTITION BY g ORDER BY id) AS lead2,
          first_value(x) OVER (PARTITION BY g ORDER BY x) AS lowest,
          last_value(id) OVER (PARTITION BY g ORDER BY x ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS last_id,
          nth_value(x, 2) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 FOLLOWING) AS second
     FROM wt');
-- RANGE and GROUPS frames, FILTER, EXCLUDE
SELECT stepping.create_view('w_frames',
  'SELECT id, g,
          sum(x) OVER (PARTITION BY g ORDER BY x RANGE BETWEEN 2 PRECEDING AND CURRENT ROW) AS near,
          count(*) OVER (PARTITION BY g ORDER BY x GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE CURRENT ROW) AS around,
          count(*) FILTER (WHERE x > 5) OVER (PARTITION BY g) AS big,
          max(amt) OVER (PARTITION BY g ORDER BY x) AS top_so_far
     FROM wt WHERE x <> 3');
-- no PARTITION BY: the whole view is one partition
SELECT stepping.create_view('w_whole',
  'SELECT id, rank() OVER (ORDER BY x) AS rk, count(*) OVER () AS n,
          sum(amt) OVER (ORDER BY id) AS running
     FROM wt WHERE id <= 40');
-- windows sharing only part of their PARTITION BY; an expression partition
SELECT stepping.create_view('w_shared',
  'SELECT id, sum(x) OVER (PARTITION BY g) AS by_g,
          sum(x) OVER (PARTITION BY g, h) AS by_gh,
          row_number() OVER (PARTITION BY x % 2 ORDER BY id) AS parity_rn
     FROM wt');
-- over a join, and over a grouped query: an internal view below the windows
SELECT stepping.create_view('w_join',
  'SELECT t.id, c.label, rank() OVER (PARTITION BY c.label ORDER BY t.amt DESC, t.id) AS rk
     FROM wt t JOIN wc c ON c.g = t.g');
SELECT stepping.create_view('w_grouped',
  'SELECT g, sum(x) AS total, rank() OVER (ORDER BY sum(x) DESC) AS place,
          sum(sum(x)) OVER () AS grand
     FROM wt GROUP BY g');
-- a filter on a window's output: the top 2 per group with ties (rank),
-- and row_number() <= 2 over a join
SELECT stepping.create_view('w_top2',
  'SELECT id, g, x, r FROM (SELECT id, g, x, rank() OVER (PARTITION BY g ORDER BY x DESC) AS r FROM wt) s
    WHERE r <= 2');
SELECT stepping.create_view('w_rn_join',
  'SELECT * FROM (SELECT t.id, c.label, row_number() OVER (PARTITION BY c.label ORDER BY t.x, t.id) AS rn
                    FROM wt t JOIN wc c USING (g)) s WHERE rn <= 2');

-- output columns named like the table's columns they are not
SELECT stepping.create_view('w_names',
  'SELECT id AS g, count(*) OVER (PARTITION BY g, x) AS x, rank() OVER (PARTITION BY g ORDER BY amt) AS amt FROM wt');

SELECT name, kind, key_columns FROM stepping.views WHERE name::text LIKE 'w\_%' ORDER BY 1;
SELECT e FROM stepping.explain_view('w_whole') e WHERE e LIKE '%window%';

-- the oracle: each deterministic view against its query as written
CREATE FUNCTION w_diff(v regclass, q text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  cols text;
  n bigint;
BEGIN
  SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols
    FROM pg_attribute WHERE attrelid = v AND attnum > 0 AND NOT attisdropped
     AND attname NOT LIKE '\_\_stepping\_%';
  EXECUTE format('SELECT count(*) FROM ((SELECT %s FROM %s EXCEPT ALL SELECT %s FROM (%s) q)
                  UNION ALL (SELECT %s FROM (%s) q EXCEPT ALL SELECT %s FROM %s)) d',
                 cols, v, cols, q, cols, q, cols, v) INTO n;
  RETURN n;
END $$;
CREATE VIEW w_check AS
SELECT v, (SELECT count(*) FROM stepping.check_view(v::regclass)) AS check_view
  FROM unnest(ARRAY['w_run', 'w_rank', 'w_lag', 'w_frames', 'w_whole', 'w_shared',
                    'w_join', 'w_grouped', 'w_top2', 'w_rn_join']) v
UNION ALL
SELECT 'oracle', w_diff('w_run', 'SELECT id, g, x, sum(x) OVER (PARTITION BY g ORDER BY id) AS running,
          avg(amt) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS moving,
          count(*) OVER (PARTITION BY g) AS n, string_agg(note, '','') OVER (PARTITION BY g ORDER BY id) AS notes FROM wt')
     + w_diff('w_names', 'SELECT id AS g, count(*) OVER (PARTITION BY g, x) AS x, rank() OVER (PARTITION BY g ORDER BY amt) AS amt FROM wt')
     + w_diff('w_whole', 'SELECT id, rank() OVER (ORDER BY x) AS rk, count(*) OVER () AS n,
          sum(amt) OVER (ORDER BY id) AS running FROM wt WHERE id <= 40')
     + w_diff('w_shared', 'SELECT id, sum(x) OVER (PARTITION BY g) AS by_g, sum(x) OVER (PARTITION BY g, h) AS by_gh,
          row_number() OVER (PARTITION BY x % 2 ORDER BY id) AS parity_rn FROM wt')
     + w_diff('w_frames', 'SELECT id, g,
          sum(x) OVER (PARTITION BY g ORDER BY x RANGE BETWEEN 2 PRECEDING AND CURRENT ROW) AS near,
          count(*) OVER (PARTITION BY g ORDER BY x GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE CURRENT ROW) AS around,
          count(*) FILTER (WHERE x > 5) OVER (PARTITION BY g) AS big,
          max(amt) OVER (PARTITION BY g ORDER BY x) AS top_so_far FROM wt WHERE x <> 3')
     + w_diff('w_join', 'SELECT t.id, c.label, rank() OVER (PARTITION BY c.label ORDER BY t.amt DESC, t.id) AS rk
     FROM wt t JOIN wc c ON c.g = t.g')
     + w_diff('w_grouped', 'SELECT g, sum(x) AS total, rank() OVER (ORDER BY sum(x) DESC) AS place,
          sum(sum(x)) OVER () AS grand FROM wt GROUP BY g')
     + w_diff('w_top2', 'SELECT id, g, x, r FROM (SELECT id, g, x, rank() OVER (PARTITION BY g ORDER BY x DESC) AS r FROM wt) s WHERE r <= 2')
     + w_diff('w_rn_join', 'SELECT * FROM (SELECT t.id, c.label, row_number() OVER (PARTITION BY c.label ORDER BY t.x, t.id) AS rn
                    FROM wt t JOIN wc c USING (g)) s WHERE rn <= 2');
-- (w_rank's rank columns against the oracle; rn and tile break ties)
CREATE VIEW w_rank_oracle AS
SELECT count(*) AS differ FROM (
  (SELECT id, g, x, rk, drk, prk, cd FROM w_rank
   EXCEPT ALL
   SELECT id, g, x, rank() OVER w, dense_rank() OVER w, percent_rank() OVER w, cume_dist() OVER w
     FROM wt WINDOW w AS (PARTITION BY g ORDER BY x DESC))
  UNION ALL
  (SELECT id, g, x, rank() OVER w, dense_rank() OVER w, percent_rank() OVER w, cume_dist() OVER w
     FROM wt WINDOW w AS (PARTITION BY g ORDER BY x DESC)
   EXCEPT ALL
   SELECT id, g, x, rk, drk, prk, cd FROM w_rank)) d;
\set check 'SELECT v, check_view FROM w_check WHERE check_view <> 0 UNION ALL SELECT ''w_rank oracle'', differ FROM w_rank_oracle WHERE differ <> 0'

:check;
SELECT id, g, x, running, n FROM w_run WHERE g = 1 ORDER BY id LIMIT 5;
SELECT g, total, place, grand FROM w_grouped ORDER BY place, g;
SELECT label, id, rn FROM w_rn_join ORDER BY label, rn;

-- rows move between partitions, into and out of the NULL partition
UPDATE wt SET g = 2 WHERE id = 5;
UPDATE wt SET g = NULL WHERE id = 6;
UPDATE wt SET x = 10 WHERE id IN (8, 9);
:check;
DELETE FROM wt WHERE id IN (1, 20, 34);
INSERT INTO wt VALUES (100, 1, 0, 10, 3.5, 'new'), (101, NULL, 1, 2, 1.25, 'nul'), (102, 7, 2, 4, 0, 'lone');
:check;
UPDATE wt SET note = 'changed' WHERE g = 3;
UPDATE wt SET amt = amt + 1;
:check;
UPDATE wc SET label = 'uno' WHERE g = 1;
DELETE FROM wc WHERE g = 3;
:check;

-- work per step: the last row of a partition (ORDER BY id) changes one row
-- of w_run; the other partitions are not written
BEGIN;
SET LOCAL stepping.apply = 'statement';
CREATE TEMP TABLE w_before AS
  SELECT n_tup_ins, n_tup_del FROM pg_stat_xact_user_tables WHERE relid = 'w_run'::regclass;
UPDATE wt SET x = x + 1 WHERE id = (SELECT max(id) FROM wt WHERE g = 1);
SELECT s.n_tup_ins - b.n_tup_ins AS inserted, s.n_tup_del - b.n_tup_del AS deleted
  FROM pg_stat_xact_user_tables s, w_before b WHERE s.relid = 'w_run'::regclass;
COMMIT;
:check;

-- in one transaction: reads between statements, a savepoint rolled back
BEGIN;
INSERT INTO wt VALUES (200, 2, 0, 9, 9, 'tx');
SELECT rk FROM w_rank WHERE id = 200;
SAVEPOINT s;
DELETE FROM wt WHERE g = 2;
SELECT count(*) FROM w_run WHERE g = 2;
ROLLBACK TO SAVEPOINT s;
UPDATE wt SET g = 0 WHERE id = 200;
SELECT g, rk FROM w_rank WHERE id = 200;
COMMIT;
:check;
SET stepping.apply = 'statement';
UPDATE wt SET x = (x + 3) % 11 WHERE id % 4 = 1;
RESET stepping.apply;
:check;

-- COPY, TRUNCATE and a refresh
COPY wt FROM stdin;
300	3	0	5	1.00	copied
301	\N	2	6	2.00	copied
\.
:check;
TRUNCATE wc;
:check;
INSERT INTO wc VALUES (0, 'zero'), (1, 'one'), (2, 'two'), (3, 'three');
:check;
SELECT stepping.refresh_view('w_lag');
:check;
TRUNCATE wt CASCADE;
:check;
INSERT INTO wt SELECT i, i % 3, i % 2, i % 5, i, 'again' FROM generate_series(1, 20) i;
:check;

-- refused, each with its reason
SELECT stepping.create_view('w_bad1',
  'SELECT id, last_value(id) OVER (PARTITION BY g ORDER BY x) AS l FROM wt');
SELECT stepping.create_view('w_bad2', 'SELECT DISTINCT g, count(*) OVER (PARTITION BY g) FROM wt');
SELECT stepping.create_view('w_bad3', 'SELECT id, rank() OVER (ORDER BY x) AS r FROM wt ORDER BY r');
SELECT stepping.create_view('w_bad4', 'SELECT id, sum(random()) OVER (PARTITION BY g) AS r FROM wt');
SELECT stepping.create_view('w_bad5', 'SELECT id, rank() OVER (ORDER BY x) AS __stepping_part_1 FROM wt');
SELECT stepping.create_view('w_bad6', 'SELECT id, sum(x) OVER (PARTITION BY g ORDER BY now() - interval ''1 day'' * x) AS s FROM wt');
SELECT count(*) AS leftovers FROM pg_class WHERE relname LIKE 'w\_bad%';

-- a correct view: with the same ORDER BY made unique, last_value is kept
SELECT stepping.create_view('w_last',
  'SELECT id, last_value(id) OVER (PARTITION BY g ORDER BY x, id) AS l FROM wt');
UPDATE wt SET x = 0 WHERE id = 3;
SELECT count(*) FROM stepping.check_view('w_last');
SELECT w_diff('w_last', 'SELECT id, last_value(id) OVER (PARTITION BY g ORDER BY x, id) AS l FROM wt');

DROP VIEW w_check, w_rank_oracle;
SELECT stepping.drop_view(v) FROM unnest(ARRAY['w_run', 'w_rank', 'w_lag', 'w_frames', 'w_whole',
  'w_shared', 'w_join', 'w_grouped', 'w_top2', 'w_rn_join', 'w_last', 'w_names']) v;
SELECT count(*) AS internal_left FROM pg_class WHERE relname LIKE 'w\_%sub%';
