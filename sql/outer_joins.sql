-- LEFT, RIGHT and FULL joins: a left row matching several right rows has no
-- NULL-extended row; deleting all its matches brings exactly one back; NULL
-- join keys never match; conditions on one side in ON; WHERE over the
-- nullable side (anti-join pattern); outer joins under aggregates (count of
-- the nullable side per row, zero included); nested outer joins; the
-- refusals, each with its own message.
\pset null '(null)'
\set SHOW_CONTEXT never

CREATE TABLE oj_cust (id int PRIMARY KEY, name text, region text);
CREATE TABLE oj_ord (id int PRIMARY KEY, cust_id int, amount int, status text);
CREATE TABLE oj_item (id int PRIMARY KEY, ord_id int, sku text);
CREATE INDEX ON oj_ord (cust_id);
CREATE INDEX ON oj_item (ord_id);
INSERT INTO oj_cust VALUES (1, 'ann', 'north'), (2, 'bob', 'south'), (3, 'cy', 'north'), (4, 'dee', NULL);
INSERT INTO oj_ord VALUES (10, 1, 5, 'open'), (11, 1, 7, 'paid'), (12, 2, 20, 'open'),
  (13, NULL, 100, 'open'),   -- NULL join key: never matches
  (14, 9, 3, 'paid');        -- no customer 9

SELECT stepping.create_view('oj_left',
  $$SELECT c.id, c.name, o.id AS ord_id, o.amount
      FROM oj_cust c LEFT JOIN oj_ord o ON o.cust_id = c.id$$);
SELECT stepping.create_view('oj_right',
  $$SELECT c.name, o.id AS ord_id
      FROM oj_cust c RIGHT JOIN oj_ord o ON o.cust_id = c.id AND c.region = 'north'$$);
SELECT stepping.create_view('oj_full',
  $$SELECT c.id AS cust, o.id AS ord
      FROM oj_cust c FULL JOIN oj_ord o ON o.cust_id = c.id AND o.status = 'open'$$);
SELECT stepping.create_view('oj_counts',
  $$SELECT c.id, count(o.id) AS orders, coalesce(sum(o.amount), 0) AS total,
           max(o.amount) AS biggest
      FROM oj_cust c LEFT JOIN oj_ord o ON o.cust_id = c.id
     GROUP BY c.id$$);
SELECT stepping.create_view('oj_without_orders',
  $$SELECT c.id, c.name FROM oj_cust c LEFT JOIN oj_ord o ON o.cust_id = c.id
     WHERE o.id IS NULL$$);
SELECT stepping.create_view('oj_nested',
  $$SELECT c.id, o.id AS ord_id, i.sku
      FROM oj_cust c LEFT JOIN oj_ord o ON o.cust_id = c.id
                     LEFT JOIN oj_item i ON i.ord_id = o.id$$);
SELECT stepping.create_view('oj_using',
  $$SELECT id, c.name, o.amount FROM oj_cust c FULL JOIN oj_ord o USING (id)$$);

CREATE FUNCTION oj_check() RETURNS TABLE (view_name text, side text, row_data text)
LANGUAGE sql AS $$
  SELECT v, s.* FROM unnest(ARRAY['oj_left', 'oj_right', 'oj_full', 'oj_counts',
      'oj_without_orders', 'oj_nested', 'oj_using']) AS v,
    LATERAL stepping.check_view(v::regclass) AS s
$$;

SELECT id, name, ord_id, amount FROM oj_left ORDER BY id, ord_id;
SELECT id, orders, total, biggest FROM oj_counts ORDER BY id;
SELECT * FROM oj_check();

-- a customer's first order removes its NULL-extended row
INSERT INTO oj_ord VALUES (15, 3, 1, 'open');
SELECT id, name, ord_id, amount FROM oj_left WHERE id = 3;
SELECT * FROM oj_check();
-- a second order adds a row, no NULL-extended row comes back
INSERT INTO oj_ord VALUES (16, 3, 2, 'paid');
SELECT id, name, ord_id, amount FROM oj_left WHERE id = 3 ORDER BY ord_id;
-- deleting all of ann's orders brings exactly one NULL-extended row back
DELETE FROM oj_ord WHERE cust_id = 1;
SELECT id, name, ord_id, amount FROM oj_left WHERE id = 1;
SELECT id, orders, total, biggest FROM oj_counts WHERE id = 1;
SELECT * FROM oj_check();
-- an order moves between customers, and to a NULL key
UPDATE oj_ord SET cust_id = 4 WHERE id = 12;
UPDATE oj_ord SET cust_id = NULL WHERE id = 15;
SELECT id, name, ord_id, amount FROM oj_left ORDER BY id, ord_id;
SELECT * FROM oj_check();
-- the customer changes: the right join's ON condition on the left side
UPDATE oj_cust SET region = 'north' WHERE id = 4;
SELECT name, ord_id FROM oj_right ORDER BY ord_id;
SELECT * FROM oj_check();
-- the order's status decides the full join's match
UPDATE oj_ord SET status = 'paid' WHERE id = 12;
SELECT cust, ord FROM oj_full ORDER BY cust, ord;
SELECT * FROM oj_check();
-- nested: items of orders
INSERT INTO oj_item VALUES (1, 16, 'x'), (2, 16, 'y'), (3, 12, 'z');
SELECT id, ord_id, sku FROM oj_nested ORDER BY id, ord_id, sku;
DELETE FROM oj_item WHERE sku = 'z';
DELETE FROM oj_ord WHERE id = 16;
SELECT id, ord_id, sku FROM oj_nested ORDER BY id, ord_id, sku;
SELECT * FROM oj_check();
-- a customer arrives for an order that was waiting, and another leaves
INSERT INTO oj_cust VALUES (9, 'eve', 'west');
DELETE FROM oj_cust WHERE id = 2;
SELECT cust, ord FROM oj_full ORDER BY cust, ord;
SELECT * FROM oj_check();
-- both sides in one transaction, with a savepoint rolled back
BEGIN;
INSERT INTO oj_cust VALUES (5, 'fay', 'south');
INSERT INTO oj_ord VALUES (20, 5, 8, 'open'), (21, 5, 9, 'open');
SAVEPOINT s;
DELETE FROM oj_ord WHERE cust_id = 5;
ROLLBACK TO SAVEPOINT s;
DELETE FROM oj_ord WHERE id = 20;
SELECT * FROM oj_check();
COMMIT;
SELECT id, orders, total, biggest FROM oj_counts ORDER BY id;
-- TRUNCATE of the nullable side: every row NULL-extended
TRUNCATE oj_item;
TRUNCATE oj_ord;
SELECT id, orders, total, biggest FROM oj_counts ORDER BY id;
SELECT * FROM oj_check();
INSERT INTO oj_ord SELECT g, g % 6, g, CASE WHEN g % 2 = 0 THEN 'open' ELSE 'paid' END
  FROM generate_series(100, 160) g;
SELECT * FROM oj_check();

-- explain_view shows the sum
SELECT * FROM stepping.explain_view('oj_left');

-- refusals
SELECT stepping.create_view('oj_bad1',
  $$SELECT c.id FROM oj_cust c LEFT JOIN oj_ord o ON o.cust_id < c.id$$);
SELECT stepping.create_view('oj_bad2',
  $$SELECT c.id FROM oj_cust c LEFT JOIN (oj_ord o JOIN oj_item i ON i.ord_id = o.id) ON o.cust_id = c.id$$);
SELECT stepping.create_view('oj_bad3',
  $$SELECT c.id FROM oj_cust c LEFT JOIN oj_ord o ON o.cust_id = c.id OR o.amount > 5$$);
-- the nullable side as a subquery in FROM is fine
SELECT stepping.create_view('oj_sub',
  $$SELECT c.id, oi.sku FROM oj_cust c
      LEFT JOIN (SELECT o.cust_id, i.sku FROM oj_ord o JOIN oj_item i ON i.ord_id = o.id) oi
        ON oi.cust_id = c.id$$);
INSERT INTO oj_item VALUES (7, 101, 'q');
SELECT id, sku FROM oj_sub WHERE sku IS NOT NULL;
SELECT * FROM stepping.check_view('oj_sub');

-- clean up
SELECT v AS dropped, stepping.drop_view(v::regclass) FROM unnest(ARRAY['oj_left', 'oj_right', 'oj_full',
  'oj_counts', 'oj_without_orders', 'oj_nested', 'oj_using', 'oj_sub']) AS v;
DROP TABLE oj_cust, oj_ord, oj_item;
DROP FUNCTION oj_check();
