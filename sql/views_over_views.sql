-- Views over views: an inner view's output delta feeds the views over it
-- in the same step; chains of several views; dropping an inner view fails
-- while others depend on it.


CREATE TABLE vov_orders(id serial primary key, cid int, amount int);
CREATE TABLE vov_customers(id int primary key, region text);
INSERT INTO vov_customers SELECT i, 'r'||(i%3) FROM generate_series(1,10) i;
INSERT INTO vov_orders(cid, amount) SELECT 1 + i%10, i FROM generate_series(1,50) i;
SELECT stepping.create_view('vov_1', 'SELECT cid, count(*) AS n, sum(amount) AS total FROM vov_orders GROUP BY cid');
SELECT stepping.create_view('vov_2', 'SELECT c.region, sum(vov_1.total) AS total, count(*) AS ncust FROM vov_1 JOIN vov_customers c ON c.id = vov_1.cid GROUP BY c.region');
SELECT stepping.create_view('vov_3', 'SELECT count(*) AS regions, max(total) AS top FROM vov_2');
SELECT stepping.create_view('vov_4', 'SELECT cid, total FROM vov_1 WHERE total > 100');
\set check 'SELECT v, c.* FROM unnest(ARRAY[''vov_1'', ''vov_2'', ''vov_3'', ''vov_4'']) v, stepping.check_view(v::regclass) c'
:check;
INSERT INTO vov_orders(cid, amount) VALUES (1, 1000), (11, 5);
:check;
UPDATE vov_customers SET region = 'r9' WHERE id = 2;
:check;
WITH a AS (INSERT INTO vov_customers VALUES (11, 'r0') RETURNING id) UPDATE vov_orders SET amount = amount * 2 WHERE cid IN (SELECT id FROM a) OR cid = 3;
:check;
DELETE FROM vov_orders WHERE cid = 1;
:check;
BEGIN; UPDATE vov_orders SET cid = 5 WHERE cid = 4; SAVEPOINT s; DELETE FROM vov_orders; ROLLBACK TO s; COMMIT;
:check;
TRUNCATE vov_orders;
:check;
INSERT INTO vov_orders(cid, amount) SELECT 1 + i%10, i FROM generate_series(1,50) i;
:check;
SELECT stepping.refresh_view('vov_1');
:check;
SELECT region, total, ncust FROM vov_2 ORDER BY region;
SELECT regions, top FROM vov_3;
SELECT stepping.drop_view('vov_1');
DROP TABLE vov_1;
SELECT stepping.drop_view('vov_3'); SELECT stepping.drop_view('vov_2'); SELECT stepping.drop_view('vov_4'); SELECT stepping.drop_view('vov_1');
SELECT count(*) FROM stepping.views;
DROP TABLE vov_orders, vov_customers;
