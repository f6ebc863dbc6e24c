-- Big statements under a tiny work_mem: captured deltas and Z-sets spill and
-- are applied in batches; every kind of view, views over views included,
-- must stay exact.  (Each step starts a new session: a backend that failed
-- such a statement has been seen to crash on its next one.)
\set VERBOSITY terse
SET client_min_messages = warning;
SET work_mem = '64kB';

CREATE TABLE wm_orders (id int PRIMARY KEY, cust int, amount numeric(10,2), tag text);
CREATE TABLE wm_custs (cust int PRIMARY KEY, region text);
INSERT INTO wm_custs SELECT i, 'r' || (i % 7) FROM generate_series(1, 100) i;
INSERT INTO wm_orders SELECT i, 1 + i % 100, i % 97 + 0.25, 't' || (i % 5) FROM generate_series(1, 2000) i;

SELECT stepping.create_view('wm_grp', 'SELECT cust, count(*) AS n, sum(amount) AS s FROM wm_orders GROUP BY cust');
SELECT stepping.create_view('wm_over', 'SELECT n, count(*) AS groups, sum(s) AS s FROM wm_grp GROUP BY n');
SELECT stepping.create_view('wm_bag', 'SELECT cust, tag FROM wm_orders WHERE amount > 10');
SELECT stepping.create_view('wm_distinct', 'SELECT DISTINCT tag, cust % 3 AS c3 FROM wm_orders');
SELECT stepping.create_view('wm_global', 'SELECT count(*) AS n, sum(amount) AS s, max(amount) AS hi FROM wm_orders');
SELECT stepping.create_view('wm_join', 'SELECT c.region, count(*) AS n, sum(o.amount) AS s FROM wm_orders o JOIN wm_custs c ON c.cust = o.cust GROUP BY c.region');
SELECT stepping.create_view('wm_sub', 'SELECT s.tag, s.n FROM (SELECT tag, count(*) AS n FROM wm_orders GROUP BY tag) s WHERE s.n > 100');

CREATE FUNCTION wm_exact() RETURNS TABLE (view_name text, mismatches bigint)
LANGUAGE sql AS $$
    SELECT c.view_rel::text, (SELECT count(*) FROM stepping.check_view(c.view_rel))
      FROM stepping.catalog c
     WHERE c.view_rel::text LIKE 'wm\_%' AND c.view_rel::text NOT LIKE '%\_\_sub%'
     ORDER BY 1
$$;

INSERT INTO wm_orders SELECT i, 1 + i % 100, 1.0, 'big' FROM generate_series(100001, 120000) i;
\c
SELECT * FROM wm_exact();
\c
SET client_min_messages = warning;
SET work_mem = '64kB';
INSERT INTO wm_orders SELECT i, 1 + i % 100, 2.0, 'big2' FROM generate_series(120001, 140000) i;
\c
SET client_min_messages = warning;
SET work_mem = '64kB';
UPDATE wm_orders SET cust = 1 + (cust + 1) % 100 WHERE id > 100000;
\c
SET client_min_messages = warning;
SET work_mem = '64kB';
DELETE FROM wm_orders WHERE id % 3 = 0;
\c
SELECT * FROM wm_exact();
\c
SET client_min_messages = warning;
SET work_mem = '64kB';
BEGIN;
INSERT INTO wm_orders SELECT i, 1 + i % 50, 3.0, 'txn' FROM generate_series(200001, 220000) i;
SAVEPOINT s;
DELETE FROM wm_orders WHERE id > 200000 AND id % 2 = 0;
ROLLBACK TO SAVEPOINT s;
UPDATE wm_orders SET amount = amount + 1 WHERE id > 200000;
COMMIT;
\c
SET client_min_messages = warning;
SELECT * FROM wm_exact();
SELECT n, s, hi FROM wm_global;
SELECT count(*) AS orders, sum(amount) AS amount, max(amount) AS hi FROM wm_orders;

-- a maintenance error in a big spilled statement, then more statements in
-- the same session (a slot kept across the error once crashed the backend)
SET work_mem = '64kB';
SELECT stepping.create_view('wm_div', 'SELECT cust, 100 / (cust - 7) AS q FROM wm_orders WHERE id > 300000');
INSERT INTO wm_orders SELECT i, 1 + i % 100, 1.0, 'err' FROM generate_series(300001, 320000) i;
INSERT INTO wm_orders VALUES (320001, 7, 1.0, 'err');
INSERT INTO wm_orders SELECT i, 1 + i % 6, 1.0, 'ok' FROM generate_series(320002, 340000) i;
SELECT * FROM wm_exact();
SELECT stepping.drop_view('wm_div');

DROP TABLE wm_orders, wm_custs CASCADE;
DROP FUNCTION wm_exact();
SELECT count(*) AS views_left FROM stepping.catalog WHERE view_rel::text LIKE 'wm\_%';
