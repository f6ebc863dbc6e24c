-- DISTINCT ON (issue #16, top-k per group, k = 1): one row per group, the
-- first in the ORDER BY that follows the DISTINCT ON expressions; rows tied
-- within a group are chosen by their text (check_view compares in the same
-- order).  Each step reads and recomputes only the groups it touches.
SET client_min_messages = warning;

CREATE TABLE tg_price (id int PRIMARY KEY, product text, at int, price numeric, shop int);
INSERT INTO tg_price
SELECT i, 'p' || (i % 7), (i * 37) % 50, ((i * 13) % 90) / 4.0, i % 3
  FROM generate_series(1, 120) i;
UPDATE tg_price SET product = NULL WHERE id % 29 = 0;
CREATE TABLE tg_shop (shop int PRIMARY KEY, region text);
INSERT INTO tg_shop VALUES (0, 'north'), (1, 'south'), (2, 'north');

\set check 'SELECT v, c.* FROM unnest(ARRAY[''tg_latest'', ''tg_cheapest'', ''tg_any'', ''tg_two'', ''tg_region'']) v, stepping.check_view(v::regclass) c'

-- the latest price per product (NULL products form one group)
SELECT stepping.create_view('tg_latest',
  'SELECT DISTINCT ON (product) product, at, price FROM tg_price ORDER BY product, at DESC');
-- the cheapest shop per product, the group key not in the output
SELECT stepping.create_view('tg_cheapest',
  'SELECT DISTINCT ON (product) shop, price FROM tg_price WHERE price > 1 ORDER BY product, price, shop DESC');
-- without ORDER BY: some row per group (stepping keeps the first by text)
SELECT stepping.create_view('tg_any',
  'SELECT DISTINCT ON (shop) shop, id FROM tg_price');
-- two expressions
SELECT stepping.create_view('tg_two',
  'SELECT DISTINCT ON (shop, at % 5) shop, at % 5 AS a5, id FROM tg_price ORDER BY shop, at % 5, price DESC NULLS LAST, id');
-- over a join: an internal view, then one row per region
SELECT stepping.create_view('tg_region',
  'SELECT DISTINCT ON (s.region) s.region, p.id, p.price FROM tg_price p JOIN tg_shop s USING (shop) ORDER BY s.region, p.price DESC, p.id');

SELECT name, kind, key_columns FROM stepping.views WHERE name::text LIKE 'tg%' ORDER BY 1;
SELECT * FROM stepping.explain_view('tg_latest') e WHERE e LIKE '%top-k%' OR e LIKE '%window%';
:check;
SELECT product, at, price FROM tg_latest ORDER BY product NULLS FIRST;
SELECT shop, id FROM tg_any ORDER BY shop;

-- a row that is not first in its group changes nothing, and reads only its
-- own group's row (the other groups are not looked at)
SELECT pg_stat_force_next_flush();
CREATE TEMP TABLE tg_w AS
SELECT relname, n_tup_ins + n_tup_upd + n_tup_del AS w FROM pg_stat_user_tables WHERE relname = 'tg_latest';
INSERT INTO tg_price VALUES (1001, 'p1', 0, 5, 0);
SELECT pg_stat_force_next_flush();
SELECT s.n_tup_ins + s.n_tup_upd + s.n_tup_del - w.w AS writes FROM pg_stat_user_tables s JOIN tg_w w USING (relname);
:check;
-- a new latest price replaces the group's row
INSERT INTO tg_price VALUES (1002, 'p1', 99, 7.5, 1);
SELECT product, at, price FROM tg_latest WHERE product = 'p1';
:check;
-- delete the group's row: the next one comes in; delete the whole group
DELETE FROM tg_price WHERE id = 1002;
DELETE FROM tg_price WHERE product = 'p2';
SELECT count(*) FILTER (WHERE product = 'p2') AS p2, count(*) AS groups FROM tg_latest;
:check;
-- rows moving between groups, NULL groups, several groups in one statement
UPDATE tg_price SET product = CASE WHEN id % 2 = 0 THEN 'p3' ELSE NULL END WHERE id % 5 = 0;
UPDATE tg_price SET at = at + 30, price = price * 2 WHERE id % 3 = 0;
UPDATE tg_price SET shop = (shop + 1) % 3 WHERE id % 4 = 1;
:check;
-- the join's other side
UPDATE tg_shop SET region = 'east' WHERE shop = 2;
:check;
-- ties within a group: the same at for two rows of one product
INSERT INTO tg_price VALUES (1003, 'p4', 200, 1, 0), (1004, 'p4', 200, 2, 1);
SELECT product, at, price FROM tg_latest WHERE product = 'p4';
:check;
-- savepoints, rollback, TRUNCATE, refresh
BEGIN;
INSERT INTO tg_price VALUES (1005, 'p5', 300, 9, 2);
SAVEPOINT a;
DELETE FROM tg_price WHERE product = 'p5';
ROLLBACK TO SAVEPOINT a;
SELECT product, at FROM tg_latest WHERE product = 'p5';
COMMIT;
:check;
CREATE TEMP TABLE tg_saved AS SELECT * FROM tg_price;
TRUNCATE tg_price;
SELECT count(*) FROM tg_latest;
INSERT INTO tg_price SELECT * FROM tg_saved;
:check;
SELECT stepping.refresh_view('tg_two');
:check;

-- refused
DO $$
DECLARE
    q text;
    msg text;
BEGIN
    FOREACH q IN ARRAY ARRAY[
        'SELECT DISTINCT ON (product) product, at FROM tg_price ORDER BY product, at LIMIT 3',
        'SELECT DISTINCT ON (product) product, count(*) AS n FROM tg_price GROUP BY product']
    LOOP
        BEGIN
            PERFORM stepping.create_view('tg_refused', q);
            RAISE NOTICE 'accepted: %', q;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
            RAISE WARNING '% | %', SQLSTATE, msg;
        END;
    END LOOP;
END $$;

SELECT stepping.drop_view(name) FROM stepping.views WHERE name::text LIKE 'tg%' AND internal_of IS NULL ORDER BY name;
SELECT count(*) AS left_behind FROM stepping.views WHERE name::text LIKE 'tg%';

-- the first row per group written with row_number(): rewritten to DISTINCT ON
-- (rn = 1, rn <= 1, rn < 2, either side; rn itself is 1), and without
-- PARTITION BY to ORDER BY ... LIMIT 1; k rows per group (rn <= k, rn
-- BETWEEN a AND b) over one table are maintained per group with rn filled in
CREATE TABLE tg_rn (id int PRIMARY KEY, u int, at int, v text);
INSERT INTO tg_rn SELECT i, i % 5, (i * 7) % 23, 'v' || i FROM generate_series(1, 40) i;
SELECT stepping.create_view('tg_rn1', 'SELECT id, u, at FROM (SELECT id, u, at, row_number() OVER (PARTITION BY u ORDER BY at DESC, id) AS rn FROM tg_rn) s WHERE rn = 1');
SELECT stepping.create_view('tg_rn2', 'SELECT * FROM (SELECT id, v, row_number() OVER (PARTITION BY u % 2 ORDER BY at) AS r FROM tg_rn WHERE id > 3) s WHERE r <= 1');
SELECT stepping.create_view('tg_rn3', 'SELECT s.id FROM (SELECT id, row_number() OVER (ORDER BY at DESC, id) AS rn FROM tg_rn) s WHERE 2 > s.rn');
SELECT stepping.create_view('tg_rn4', 'SELECT id, rn FROM (SELECT id, row_number() OVER (PARTITION BY u ORDER BY at, id) AS rn FROM tg_rn) s WHERE rn <= 3');
SELECT stepping.create_view('tg_rn5', 'SELECT * FROM (SELECT id, u, v, row_number() OVER (PARTITION BY u ORDER BY at DESC) AS pos FROM tg_rn WHERE id % 4 <> 0) s WHERE pos BETWEEN 2 AND 4');
SELECT stepping.create_view('tg_rn6', 'SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY u % 3, v ORDER BY at) AS rn FROM tg_rn) s WHERE 3 > rn');
-- not the windowed form (k rows per group over a join, rank(), another
-- filter beside rn): the subquery is a window view of its own (windows.sql)
SELECT stepping.create_view('tg_rn7', 'SELECT id FROM (SELECT r.id, row_number() OVER (PARTITION BY r.u ORDER BY r.at) AS rn FROM tg_rn r JOIN tg_shop s ON s.shop = r.u) q WHERE rn <= 2');
SELECT stepping.create_view('tg_rn8', 'SELECT id FROM (SELECT id, rank() OVER (PARTITION BY u ORDER BY at) AS rk FROM tg_rn) s WHERE rk <= 2');
SELECT stepping.create_view('tg_rn9', 'SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY u ORDER BY at) AS rn FROM tg_rn) s WHERE rn <= 2 AND id > 3');
SELECT name, kind, normalized_query FROM stepping.views WHERE name::text LIKE 'tg_rn%' AND name::text NOT LIKE 'tg_rn_\_\_%' AND internal_of IS NULL ORDER BY 1;
INSERT INTO tg_rn VALUES (100, 1, 50, 'new'), (101, 2, -1, 'x');
DELETE FROM tg_rn WHERE id IN (SELECT id FROM tg_rn1);
UPDATE tg_rn SET at = at + 5 WHERE id % 3 = 0;
UPDATE tg_rn SET u = NULL WHERE id % 7 = 0;
SELECT v, c.* FROM unnest(ARRAY['tg_rn1', 'tg_rn2', 'tg_rn3', 'tg_rn4', 'tg_rn5', 'tg_rn6', 'tg_rn7', 'tg_rn8', 'tg_rn9']) v, stepping.check_view(v::regclass) c;
SELECT * FROM stepping.explain_view('tg_rn4') e WHERE e LIKE '%top-k%' OR e LIKE '%window%';
-- rows 1 .. 3 of each group with their numbers, as the query numbers them
-- (at, id decides: no ties)
SELECT count(*) AS rn4_wrong FROM (
  (SELECT id, rn FROM tg_rn4 EXCEPT ALL SELECT id, rn FROM (SELECT id, row_number() OVER (PARTITION BY u ORDER BY at, id) AS rn FROM tg_rn) s WHERE rn <= 3)
  UNION ALL
  (SELECT id, rn FROM (SELECT id, row_number() OVER (PARTITION BY u ORDER BY at, id) AS rn FROM tg_rn) s WHERE rn <= 3 EXCEPT ALL SELECT id, rn FROM tg_rn4)) d;
-- a new first row renumbers its group's rows, another group is left alone
SELECT pg_stat_force_next_flush();
CREATE TEMP TABLE tg_w4 AS SELECT n_tup_ins + n_tup_upd + n_tup_del AS w FROM pg_stat_user_tables WHERE relname = 'tg_rn4';
INSERT INTO tg_rn VALUES (200, 4, -100, 'first');
SELECT pg_stat_force_next_flush();
SELECT s.n_tup_ins + s.n_tup_upd + s.n_tup_del - w.w AS writes FROM pg_stat_user_tables s, tg_w4 w WHERE s.relname = 'tg_rn4';
SELECT r.id, r.rn FROM tg_rn4 r JOIN tg_rn t USING (id) WHERE t.u = 4 ORDER BY r.rn;
SELECT v, c.* FROM unnest(ARRAY['tg_rn4', 'tg_rn5', 'tg_rn6']) v, stepping.check_view(v::regclass) c;
-- compared with the query as written (row_number() over ties is arbitrary,
-- and these orders have none: id or at decides)
SELECT count(*) AS rn1_wrong FROM (
  (SELECT id, u, at FROM tg_rn1 EXCEPT ALL SELECT id, u, at FROM (SELECT id, u, at, row_number() OVER (PARTITION BY u ORDER BY at DESC, id) AS rn FROM tg_rn) s WHERE rn = 1)
  UNION ALL
  (SELECT id, u, at FROM (SELECT id, u, at, row_number() OVER (PARTITION BY u ORDER BY at DESC, id) AS rn FROM tg_rn) s WHERE rn = 1 EXCEPT ALL SELECT id, u, at FROM tg_rn1)) d;
SELECT id, v, r FROM tg_rn2 ORDER BY id;
SELECT stepping.drop_view(name) FROM stepping.views WHERE name::text LIKE 'tg_rn%' AND internal_of IS NULL ORDER BY name;
