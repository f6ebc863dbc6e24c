-- Aggregates without GROUP BY: always exactly one row.
\pset null '(null)'

CREATE TABLE global_agg_t (x int, n numeric, f float8);

SELECT stepping.create_view('global_agg_v', $$
    SELECT count(*) AS cnt, count(x) AS cnt_x, sum(x) AS sum_x, avg(x) AS avg_x,
           sum(n) AS sum_n, avg(n) AS avg_n, sum(f) AS sum_f, avg(f) AS avg_f
      FROM global_agg_t$$);
SELECT stepping.create_view('global_agg_e', $$
    SELECT coalesce(sum(x), 0) AS total, count(*) * 2 AS twice,
           CASE WHEN count(*) = 0 THEN 'empty' ELSE 'rows' END AS state
      FROM global_agg_t WHERE x IS DISTINCT FROM 0$$);

-- empty table: one row, count 0, sum and avg NULL
SELECT cnt, cnt_x, sum_x, avg_x, sum_n, avg_n, sum_f, avg_f FROM global_agg_v;
SELECT total, twice, state FROM global_agg_e;
SELECT count(*) AS result_rows FROM global_agg_v;
SELECT * FROM stepping.check_view('global_agg_v');
SELECT * FROM stepping.check_view('global_agg_e');

INSERT INTO global_agg_t VALUES (1, 1.5, 0.5), (2, 2.25, 0.25), (NULL, NULL, NULL), (0, 0, 0);
SELECT cnt, cnt_x, sum_x, avg_x, sum_n, avg_n, sum_f, avg_f FROM global_agg_v;
SELECT total, twice, state FROM global_agg_e;
SELECT count(*) AS result_rows FROM global_agg_v;
SELECT * FROM stepping.check_view('global_agg_v');
SELECT * FROM stepping.check_view('global_agg_e');

UPDATE global_agg_t SET x = x * 10, n = n * 10 WHERE x > 0;
SELECT cnt, cnt_x, sum_x, avg_x, sum_n, avg_n, sum_f, avg_f FROM global_agg_v;
SELECT total, twice, state FROM global_agg_e;
SELECT * FROM stepping.check_view('global_agg_v');
SELECT * FROM stepping.check_view('global_agg_e');

-- only NULLs left: counts stay, sums go back to NULL
DELETE FROM global_agg_t WHERE x IS NOT NULL;
SELECT cnt, cnt_x, sum_x, avg_x, sum_n, avg_n, sum_f, avg_f FROM global_agg_v;
SELECT total, twice, state FROM global_agg_e;
SELECT * FROM stepping.check_view('global_agg_v');
SELECT * FROM stepping.check_view('global_agg_e');

-- deleting all rows goes back to count 0 / NULL, still one row
DELETE FROM global_agg_t;
SELECT cnt, cnt_x, sum_x, avg_x, sum_n, avg_n, sum_f, avg_f FROM global_agg_v;
SELECT total, twice, state FROM global_agg_e;
SELECT count(*) AS result_rows FROM global_agg_v;
SELECT * FROM stepping.check_view('global_agg_v');
SELECT * FROM stepping.check_view('global_agg_e');

-- insert and delete in one transaction
BEGIN;
INSERT INTO global_agg_t VALUES (5, 5, 5);
SELECT cnt, sum_x FROM global_agg_v;
DELETE FROM global_agg_t;
COMMIT;
SELECT cnt, cnt_x, sum_x, avg_x, sum_n, avg_n, sum_f, avg_f FROM global_agg_v;
SELECT count(*) AS result_rows FROM global_agg_v;
SELECT * FROM stepping.check_view('global_agg_v');

-- TRUNCATE
INSERT INTO global_agg_t SELECT i, i / 4.0, i * 0.5 FROM generate_series(1, 100) i;
SELECT cnt, cnt_x, sum_x, avg_x, sum_n, avg_n, sum_f, avg_f FROM global_agg_v;
SELECT total, twice, state FROM global_agg_e;
SELECT * FROM stepping.check_view('global_agg_v');
SELECT * FROM stepping.check_view('global_agg_e');
TRUNCATE global_agg_t;
SELECT cnt, cnt_x, sum_x, avg_x, sum_n, avg_n, sum_f, avg_f FROM global_agg_v;
SELECT total, twice, state FROM global_agg_e;
SELECT count(*) AS result_rows FROM global_agg_v;
SELECT * FROM stepping.check_view('global_agg_v');
SELECT * FROM stepping.check_view('global_agg_e');

-- a view created over a filled table
INSERT INTO global_agg_t VALUES (7, 7.70, 7);
SELECT stepping.create_view('global_agg_late', 'SELECT sum(n) AS s, count(*) AS c FROM global_agg_t');
SELECT s, c FROM global_agg_late;
DELETE FROM global_agg_t;
SELECT s, c FROM global_agg_late;
SELECT * FROM stepping.check_view('global_agg_late');

SELECT stepping.drop_view('global_agg_v');
SELECT stepping.drop_view('global_agg_e');
SELECT stepping.drop_view('global_agg_late');
DROP TABLE global_agg_t;
