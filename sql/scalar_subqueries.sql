-- Scalar subqueries in the select list and in WHERE, correlated or not:
-- an aggregate subquery becomes an internal grouped view (<view>__subN)
-- looked up by its key, with the aggregate's value over no rows for an outer
-- row without a group (count -> 0); a lookup of one row by a unique key is
-- maintained like a LEFT JOIN.  Refusals for what could return more than
-- one row or has no exact form.
\pset null '(null)'
\set SHOW_CONTEXT never

CREATE TABLE ss_cust (id int PRIMARY KEY, name text, credit int);
CREATE TABLE ss_ord (id int PRIMARY KEY, cust_id int, amount int);
CREATE INDEX ON ss_ord (cust_id);
INSERT INTO ss_cust VALUES (1, 'ann', 15), (2, 'bob', 100), (3, 'cy', 0);
INSERT INTO ss_ord VALUES (10, 1, 10), (11, 1, 20), (12, 2, 5), (13, NULL, 3);

SELECT stepping.create_view('ss_counts',
  $$SELECT c.id, (SELECT count(*) FROM ss_ord o WHERE o.cust_id = c.id) AS orders,
           (SELECT sum(o.amount) FROM ss_ord o WHERE o.cust_id = c.id) AS total
      FROM ss_cust c$$);
SELECT stepping.create_view('ss_over_credit',
  $$SELECT c.id, c.name FROM ss_cust c
     WHERE c.credit < (SELECT coalesce(sum(amount), 0) FROM ss_ord o WHERE o.cust_id = c.id AND o.amount > 1)$$);
SELECT stepping.create_view('ss_share',
  $$SELECT o.id, o.amount * 100 / (SELECT sum(amount) FROM ss_ord) AS pct FROM ss_ord o$$);
SELECT stepping.create_view('ss_name',
  $$SELECT o.id, (SELECT c.name FROM ss_cust c WHERE c.id = o.cust_id) AS cust FROM ss_ord o$$);
SELECT stepping.create_view('ss_big_by_name',
  $$SELECT c.name, count(*) AS n FROM ss_ord o JOIN ss_cust c ON c.id = o.cust_id
     WHERE o.amount >= (SELECT avg(x.amount) FROM ss_ord x WHERE x.cust_id = o.cust_id)
     GROUP BY c.name$$);

-- the internal views, and the stored definitions that read them
SELECT name, kind, internal_of FROM stepping.views WHERE name::text LIKE 'ss%' ORDER BY name::text;
SELECT normalized_query FROM stepping.views WHERE name = 'ss_counts'::regclass;

CREATE FUNCTION ss_check() RETURNS TABLE (view_name text, side text, row_data text)
LANGUAGE sql AS $$
  SELECT v, s.* FROM unnest(ARRAY['ss_counts', 'ss_over_credit', 'ss_share', 'ss_name',
      'ss_big_by_name']) AS v,
    LATERAL stepping.check_view(v::regclass) AS s
$$;

SELECT id, orders, total FROM ss_counts ORDER BY id;
SELECT id, name FROM ss_over_credit ORDER BY id;
SELECT * FROM ss_check();

-- a customer's first order: its count goes from 0 to 1, its sum from NULL
INSERT INTO ss_ord VALUES (14, 3, 100);
SELECT id, orders, total FROM ss_counts WHERE id = 3;
SELECT id, name FROM ss_over_credit ORDER BY id;
SELECT * FROM ss_check();
-- all of ann's orders go: back to 0 and NULL
DELETE FROM ss_ord WHERE cust_id = 1;
SELECT id, orders, total FROM ss_counts WHERE id = 1;
SELECT * FROM ss_check();
-- orders move, the outer side changes
UPDATE ss_ord SET cust_id = 1 WHERE id = 14;
UPDATE ss_cust SET credit = 1;
INSERT INTO ss_cust VALUES (4, 'dee', 0);
DELETE FROM ss_cust WHERE id = 2;
SELECT id, cust FROM ss_name ORDER BY id;
SELECT * FROM ss_check();
-- many rows, then a transaction rolled back, then TRUNCATE
INSERT INTO ss_ord SELECT g, g % 5, g FROM generate_series(20, 60) g;
SELECT * FROM ss_check();
BEGIN;
DELETE FROM ss_ord WHERE id > 40;
UPDATE ss_cust SET name = upper(name);
SELECT * FROM ss_check();
ROLLBACK;
TRUNCATE ss_ord;
SELECT id, orders, total FROM ss_counts ORDER BY id;
SELECT * FROM ss_check();

SELECT * FROM stepping.explain_view('ss_name');

-- dropping the view drops its internal views
SELECT stepping.drop_view('ss_counts');
SELECT count(*) AS internal_left FROM stepping.views WHERE internal_of IS NULL AND name::text LIKE 'ss_counts__%';
SELECT count(*) AS tables_left FROM pg_class WHERE relname LIKE 'ss_counts__sub%';

-- refusals
SELECT stepping.create_view('ss_bad1',
  $$SELECT c.id, (SELECT o.amount FROM ss_ord o WHERE o.cust_id = c.id) AS a FROM ss_cust c$$);
SELECT stepping.create_view('ss_bad2',
  $$SELECT c.id, (SELECT CASE WHEN count(*) = 0 THEN 1 END FROM ss_ord o WHERE o.cust_id = c.id) AS a FROM ss_cust c$$);
SELECT stepping.create_view('ss_bad3',
  $$SELECT c.id, (SELECT max(o.amount) FROM ss_ord o WHERE o.cust_id > c.id) AS a FROM ss_cust c$$);
SELECT stepping.create_view('ss_bad4',
  $$SELECT c.id, (SELECT max(o.amount) FROM ss_ord o, ss_cust c2 WHERE o.cust_id = c.id) AS a FROM ss_cust c$$);
SELECT stepping.create_view('ss_bad5',
  $$SELECT c.credit, count(*) AS n, (SELECT count(*) FROM ss_ord) AS total FROM ss_cust c GROUP BY c.credit$$);

-- clean up
SELECT v AS dropped, stepping.drop_view(v::regclass) FROM unnest(ARRAY['ss_over_credit', 'ss_share',
  'ss_name', 'ss_big_by_name']) AS v;
DROP TABLE ss_cust, ss_ord;
DROP FUNCTION ss_check();
SELECT count(*) AS leftover_views FROM stepping.views;
