-- Inner joins of two tables: JOIN ... ON, JOIN ... USING and comma joins with
-- WHERE, under filters, expressions, GROUP BY, global aggregates, DISTINCT and
-- bags; changes that move rows between join partners, a dimension row that
-- many fact rows join to, a fact row that arrives before its dimension row,
-- NULL join keys; the NOTICE for a join column without an index.
\pset null '(null)'
\set SHOW_CONTEXT never

CREATE TABLE joins_cust (cust_id int PRIMARY KEY, name text, region text);
CREATE TABLE joins_ord (ord_id int PRIMARY KEY, cust_id int, amount numeric(10,2), qty int);
INSERT INTO joins_cust VALUES (1, 'ann', 'north'), (2, 'bob', 'south'), (3, 'cy', 'north'), (4, 'dee', 'east');
INSERT INTO joins_ord VALUES
  (10, 1, 5.00, 1), (11, 1, 7.50, 2), (12, 2, 20.00, 1), (13, 3, 1.25, 4),
  (14, NULL, 100.00, 1),   -- NULL join key: never matches
  (15, 9, 3.00, 3);        -- no customer 9 yet

-- joins_ord.cust_id has no index: one NOTICE with the CREATE INDEX to add,
-- and explain_view shows it too
SELECT stepping.create_view('joins_on',
  $$SELECT o.ord_id, o.amount, c.cust_id, c.name
      FROM joins_ord o JOIN joins_cust c ON o.cust_id = c.cust_id$$);
SELECT line FROM stepping.explain_view('joins_on') AS line WHERE line LIKE '%CREATE INDEX%';
CREATE INDEX ON joins_ord (cust_id);
SELECT count(*) AS advice_lines FROM stepping.explain_view('joins_on') AS line WHERE line LIKE '%CREATE INDEX%';

-- with the index in place, no NOTICE
SELECT stepping.create_view('joins_using',
  $$SELECT cust_id, name, ord_id, qty * 2 AS dbl_qty
      FROM joins_ord JOIN joins_cust USING (cust_id)
     WHERE qty < 4$$);
-- concurrent writers of the two tables wait for each other only on equal
-- keys of the join condition (JOIN ... USING: the merged column too)
SELECT line FROM stepping.explain_view('joins_on') AS line WHERE line LIKE 'locks:%';
SELECT line FROM stepping.explain_view('joins_using') AS line WHERE line LIKE 'locks:%';
SELECT stepping.create_view('joins_comma',
  $$SELECT c.region, o.amount * o.qty AS line_total, upper(c.name) AS uname
      FROM joins_ord o, joins_cust c
     WHERE o.cust_id = c.cust_id AND c.region <> 'east'$$);
SELECT stepping.create_view('joins_grp',
  $$SELECT c.region, count(*) AS n, sum(o.amount) AS total, avg(o.qty) AS avg_qty
      FROM joins_ord o JOIN joins_cust c USING (cust_id)
     GROUP BY c.region$$);
SELECT stepping.create_view('joins_glob',
  $$SELECT count(*) AS n, sum(o.amount) AS total, coalesce(sum(o.qty), 0) * 10 AS qty10
      FROM joins_ord o JOIN joins_cust c ON c.cust_id = o.cust_id$$);
SELECT stepping.create_view('joins_dist',
  $$SELECT DISTINCT c.region, o.qty FROM joins_cust c JOIN joins_ord o ON o.cust_id = c.cust_id$$);

\set show_on 'SELECT ord_id, amount, cust_id, name FROM joins_on ORDER BY ord_id;'
\set show_using 'SELECT cust_id, name, ord_id, dbl_qty FROM joins_using ORDER BY ord_id;'
\set show_comma 'SELECT region, line_total, uname FROM joins_comma ORDER BY region, line_total, uname;'
\set show_grp 'SELECT region, n, total, avg_qty FROM joins_grp ORDER BY region;'
\set show_glob 'SELECT n, total, qty10 FROM joins_glob;'
\set show_dist 'SELECT region, qty FROM joins_dist ORDER BY region, qty;'
\set check 'SELECT v AS view, c.side, c.row_data FROM unnest(ARRAY[''joins_on'', ''joins_using'', ''joins_comma'', ''joins_grp'', ''joins_glob'', ''joins_dist'']::regclass[]) AS v, stepping.check_view(v) AS c ORDER BY 1, 2, 3;'

:show_on
:show_using
:show_comma
:show_grp
:show_glob
:show_dist
:check

-- new orders: one for an existing customer, one with a NULL key, one for
-- customer 5 who does not exist yet
INSERT INTO joins_ord VALUES (16, 2, 2.00, 2), (17, NULL, 1.00, 1), (18, 5, 50.00, 5);
:show_on
:show_grp
:show_glob
:check

-- the dimension rows arrive after their facts: orders 15 and 18 join now
INSERT INTO joins_cust VALUES (5, 'eve', 'east'), (9, 'ian', 'south');
:show_on
:show_using
:show_comma
:show_grp
:show_glob
:show_dist
:check

-- one statement moves orders between join partners: 11 from customer 1 to 2,
-- 12 from customer 2 to no partner (NULL), 14 from NULL to customer 3,
-- 15 from customer 9 to a customer that does not exist
UPDATE joins_ord SET cust_id = CASE ord_id WHEN 11 THEN 2 WHEN 14 THEN 3 WHEN 15 THEN 42 END
 WHERE ord_id IN (11, 12, 14, 15);
:show_on
:show_using
:show_comma
:show_grp
:show_glob
:show_dist
:check

-- swap the partners of all orders of customers 1 and 3 in one statement
UPDATE joins_ord SET cust_id = CASE cust_id WHEN 1 THEN 3 ELSE 1 END WHERE cust_id IN (1, 3);
:show_on
:show_grp
:check

-- a dimension row that many fact rows join to
INSERT INTO joins_ord SELECT 100 + i, 3, i, i % 3 FROM generate_series(1, 20) AS i;
:show_grp
:show_glob
:show_dist
:check
UPDATE joins_cust SET region = 'west', name = 'cyd' WHERE cust_id = 3;
SELECT name, count(*), sum(amount) FROM joins_on GROUP BY name ORDER BY name;
SELECT uname, region, count(*), sum(line_total) FROM joins_comma GROUP BY uname, region ORDER BY uname, region;
:show_grp
:show_glob
:show_dist
:check

-- change the dimension's key: its orders lose their partner, then a new
-- customer takes over the old key
UPDATE joins_cust SET cust_id = 30 WHERE cust_id = 3;
:show_grp
:show_glob
:check
INSERT INTO joins_cust VALUES (3, 'zed', 'south');
:show_grp
:show_glob
:check

-- columns the views do not read, and a no-op update, change nothing
UPDATE joins_cust SET name = name;
UPDATE joins_ord SET amount = amount WHERE cust_id = 3;
:check

-- delete facts through a join, then the dimension row of the remaining ones
DELETE FROM joins_ord o USING joins_cust c WHERE o.cust_id = c.cust_id AND c.region = 'south' AND o.qty = 0;
:show_grp
:show_glob
:check
DELETE FROM joins_cust WHERE cust_id = 3;
:show_using
:show_grp
:show_glob
:show_dist
:check

-- delete every order: the grouped and distinct views are empty, the global
-- aggregate keeps its one row
DELETE FROM joins_ord;
:show_on
:show_grp
:show_glob
:show_dist
:check
INSERT INTO joins_ord VALUES (1, 1, 1.10, 1), (2, 2, 2.20, 2), (3, 3, 3.30, 3);
:show_on
:show_grp
:show_glob
:show_dist
:check

-- Bags: no keys, duplicate rows on both sides; each copy on one side joins
-- each copy on the other.  NULL keys never match (but do with IS NOT
-- DISTINCT FROM).
CREATE TABLE joins_l (k int, v text);
CREATE TABLE joins_r (k int, w text);
CREATE INDEX ON joins_l (k);
CREATE INDEX ON joins_r (k);
INSERT INTO joins_l VALUES (1, 'a'), (1, 'a'), (2, 'b'), (NULL, 'n'), (NULL, 'n');
INSERT INTO joins_r VALUES (1, 'x'), (1, 'x'), (1, 'x'), (2, 'y'), (NULL, 'm');
SELECT stepping.create_view('joins_bag',
  $$SELECT l.k, l.v, r.w FROM joins_l l JOIN joins_r r ON l.k = r.k$$);
SELECT stepping.create_view('joins_bag_proj',
  $$SELECT r.w FROM joins_l l, joins_r r WHERE l.k = r.k$$);
SELECT stepping.create_view('joins_bag_cnt',
  $$SELECT l.k, count(*) AS n, count(r.w) AS nw FROM joins_l l JOIN joins_r r USING (k) GROUP BY l.k$$);
SELECT stepping.create_view('joins_bag_nd',
  $$SELECT l.v, r.w FROM joins_l l JOIN joins_r r ON l.k IS NOT DISTINCT FROM r.k$$);

\set show_bag 'SELECT k, v, w, count(*) FROM joins_bag GROUP BY k, v, w ORDER BY k, v, w;'
\set show_bag_proj 'SELECT w, count(*) FROM joins_bag_proj GROUP BY w ORDER BY w;'
\set show_bag_cnt 'SELECT k, n, nw FROM joins_bag_cnt ORDER BY k;'
\set show_bag_nd 'SELECT v, w, count(*) FROM joins_bag_nd GROUP BY v, w ORDER BY v, w;'
\set check_bag 'SELECT v AS view, c.side, c.row_data FROM unnest(ARRAY[''joins_bag'', ''joins_bag_proj'', ''joins_bag_cnt'', ''joins_bag_nd'']::regclass[]) AS v, stepping.check_view(v) AS c ORDER BY 1, 2, 3;'

:show_bag
:show_bag_proj
:show_bag_cnt
:show_bag_nd
:check_bag

-- delete one of two duplicates on the left, one of three on the right
DELETE FROM joins_l WHERE ctid = (SELECT min(ctid) FROM joins_l WHERE k = 1);
DELETE FROM joins_r WHERE ctid = (SELECT max(ctid) FROM joins_r WHERE k = 1);
:show_bag
:show_bag_proj
:show_bag_cnt
:show_bag_nd
:check_bag

-- more copies in one statement, on both sides; one copy moves to key 2
INSERT INTO joins_l SELECT 1, 'a' FROM generate_series(1, 3);
INSERT INTO joins_r VALUES (1, 'x'), (1, 'z'), (NULL, 'm');
UPDATE joins_r SET k = 2 WHERE ctid = (SELECT min(ctid) FROM joins_r WHERE k = 1 AND w = 'x');
:show_bag
:show_bag_proj
:show_bag_cnt
:show_bag_nd
:check_bag

-- NULL keys get a partner and lose it again
UPDATE joins_l SET k = 2 WHERE k IS NULL;
:show_bag
:show_bag_cnt
:show_bag_nd
:check_bag
UPDATE joins_r SET k = NULL WHERE k = 2;
:show_bag
:show_bag_proj
:show_bag_cnt
:show_bag_nd
:check_bag

-- an update of every row on both sides that leaves the join unchanged
UPDATE joins_l SET k = k + 100;
UPDATE joins_r SET k = k + 100;
:show_bag
:show_bag_cnt
:check_bag

-- A self-join of a bag: k duplicates of a key make k*k rows, so a statement
-- that adds or removes copies meets its own rows on the other side
SELECT stepping.create_view('joins_self',
  $$SELECT a.v, b.v AS v2 FROM joins_l a JOIN joins_l b ON a.k = b.k$$);
\set show_self 'SELECT v, v2, count(*) FROM joins_self GROUP BY v, v2 ORDER BY v, v2;'
:show_self
SELECT * FROM stepping.check_view('joins_self');
INSERT INTO joins_l VALUES (101, 'b'), (101, 'b'), (102, 'c'), (102, 'c');
:show_self
SELECT * FROM stepping.check_view('joins_self');
DELETE FROM joins_l WHERE ctid IN (SELECT min(ctid) FROM joins_l GROUP BY k, v);
:show_self
SELECT * FROM stepping.check_view('joins_self');
UPDATE joins_l SET k = 101 WHERE k = 102;
:show_self
SELECT * FROM stepping.check_view('joins_self');

-- Sums that must recompute a group from the base tables: a numeric sum that
-- loses its last input at the largest display scale, and float sums, which
-- recompute on any delete
CREATE TABLE joins_acct (id int PRIMARY KEY, owner text);
CREATE TABLE joins_txn (id int PRIMARY KEY, acct int, amt numeric, f float8);
CREATE INDEX ON joins_txn (acct);
INSERT INTO joins_acct VALUES (1, 'ann'), (2, 'bob');
INSERT INTO joins_txn VALUES
  (1, 1, 1.50, 0.5), (2, 1, 10, 0.25), (3, 1, 3, 2), (4, 2, 2.125, 1), (5, 2, 4, 8), (6, 2, 1, 16);
SELECT stepping.create_view('joins_recomp',
  $$SELECT a.owner, count(*) AS n, sum(t.amt) AS total, sum(t.amt * 2) AS total2, avg(t.amt) AS mean,
           sum(t.f) AS fsum, avg(t.f * 2) AS favg
      FROM joins_acct a JOIN joins_txn t ON t.acct = a.id
     GROUP BY a.owner$$);
SELECT stepping.create_view('joins_recomp_glob',
  $$SELECT count(*) AS n, sum(t.amt) AS total, sum(t.amt * 2) AS total2, sum(t.f) AS fsum
      FROM joins_acct a, joins_txn t WHERE t.acct = a.id$$);
\set show_recomp 'SELECT owner, n, total, total2, mean, fsum, favg FROM joins_recomp ORDER BY owner;'
\set show_recomp_glob 'SELECT n, total, total2, fsum FROM joins_recomp_glob;'
\set check_recomp 'SELECT v AS view, c.side, c.row_data FROM unnest(ARRAY[''joins_recomp'', ''joins_recomp_glob'']::regclass[]) AS v, stepping.check_view(v) AS c ORDER BY 1, 2, 3;'
:show_recomp
:show_recomp_glob
:check_recomp
-- ann loses her only input at scale 2
DELETE FROM joins_txn WHERE id = 1;
:show_recomp
:show_recomp_glob
:check_recomp
-- bob's input at scale 3 is replaced by one at scale 0
UPDATE joins_txn SET amt = 2 WHERE id = 4;
:show_recomp
:show_recomp_glob
:check_recomp
-- an input moves from ann to bob
UPDATE joins_txn SET acct = 2 WHERE id = 3;
:show_recomp
:show_recomp_glob
:check_recomp

-- Joins that stepping cannot maintain are refused with 0A000 (outer joins
-- and IN are maintained: see outer_joins and subquery_predicates)
\set VERBOSITY sqlstate
SELECT stepping.create_view('joins_bad', 'SELECT l.v FROM joins_l l LEFT JOIN joins_r r ON l.k < r.k');
SELECT stepping.create_view('joins_bad', 'SELECT l.v FROM joins_l l RIGHT JOIN joins_r r ON l.k = r.k OR r.k IS NULL');
SELECT stepping.create_view('joins_bad', 'SELECT l.v FROM joins_l l FULL JOIN (joins_r r JOIN joins_l l2 ON l2.k = r.k) ON l.k = r.k');
SELECT stepping.create_view('joins_bad', 'SELECT l.v FROM joins_l l JOIN LATERAL (SELECT count(*) AS k FROM joins_r WHERE joins_r.k = l.k) r ON true');
SELECT stepping.create_view('joins_bad', 'SELECT l.v FROM joins_l l WHERE l.k IN (SELECT r.k FROM joins_r r, joins_l l2)');
\set VERBOSITY default
SELECT count(*) FROM pg_class WHERE relname = 'joins_bad';

-- clean up
SELECT v AS dropped, stepping.drop_view(v::regclass) FROM unnest(ARRAY['joins_on', 'joins_using', 'joins_comma', 'joins_grp', 'joins_glob', 'joins_dist',
  'joins_bag', 'joins_bag_proj', 'joins_bag_cnt', 'joins_bag_nd', 'joins_self', 'joins_recomp', 'joins_recomp_glob']) AS v;
DROP TABLE joins_cust, joins_ord, joins_l, joins_r, joins_acct, joins_txn;
SELECT count(*) AS leftover_views FROM stepping.views WHERE name::text LIKE 'joins%';
