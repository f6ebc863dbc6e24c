-- Shapes of inner joins: non-equi conditions (ranges, bands), self-joins of
-- a table two and three times, joins of three and four tables written with
-- ON, USING, commas and nested parentheses, a cross join, and steps that
-- change several of a view's tables at once.
\pset null '(null)'
\set SHOW_CONTEXT never

------------------------------------------------------------------------------
-- Non-equi joins: points in half-open ranges [lo, hi), and a band self-join
------------------------------------------------------------------------------
CREATE TABLE join_shapes_pt (id int PRIMARY KEY, x int);
CREATE TABLE join_shapes_bucket (id int PRIMARY KEY, lo int, hi int, label text);
CREATE INDEX ON join_shapes_pt (x);
CREATE INDEX ON join_shapes_bucket (lo);
CREATE INDEX ON join_shapes_bucket (hi);
INSERT INTO join_shapes_pt VALUES (1, 0), (2, 5), (3, 9), (4, 10), (5, 15), (6, NULL), (7, 25);
INSERT INTO join_shapes_bucket VALUES
  (1, 0, 10, 'low'), (2, 10, 20, 'mid'), (3, 5, 15, 'overlap'), (4, 100, NULL, 'open');

SELECT stepping.create_view('join_shapes_range',
  $$SELECT p.id AS pt, p.x, b.label
      FROM join_shapes_pt p JOIN join_shapes_bucket b ON p.x >= b.lo AND p.x < b.hi$$);
SELECT stepping.create_view('join_shapes_range_grp',
  $$SELECT b.label, count(*) AS n, sum(p.x) AS sx, avg(p.x) AS ax
      FROM join_shapes_pt p, join_shapes_bucket b
     WHERE p.x >= b.lo AND p.x < b.hi
     GROUP BY b.label$$);
-- a band join of the table with itself: pairs of points at most 5 apart
SELECT stepping.create_view('join_shapes_band',
  $$SELECT p.id AS a, q.id AS b, q.x - p.x AS gap
      FROM join_shapes_pt p JOIN join_shapes_pt q ON p.x < q.x AND q.x <= p.x + 5$$);

\set show_range 'SELECT pt, x, label FROM join_shapes_range ORDER BY pt, label;'
\set show_range_grp 'SELECT label, n, sx, ax FROM join_shapes_range_grp ORDER BY label;'
\set show_band 'SELECT a, b, gap FROM join_shapes_band ORDER BY a, b;'
\set check_range 'SELECT v AS view, c.side, c.row_data FROM unnest(ARRAY[''join_shapes_range'', ''join_shapes_range_grp'', ''join_shapes_band'']::regclass[]) AS v, stepping.check_view(v) AS c ORDER BY 1, 2, 3;'

:show_range
:show_range_grp
:show_band
:check_range

-- points move across range boundaries (hi is exclusive, lo inclusive)
UPDATE join_shapes_pt SET x = CASE id WHEN 3 THEN 10 WHEN 4 THEN 9 WHEN 5 THEN 20 WHEN 6 THEN 12 WHEN 7 THEN NULL END;
:show_range
:show_range_grp
:show_band
:check_range

-- a range moves and widens: every point it covers changes partner
UPDATE join_shapes_bucket SET lo = 9, hi = 21 WHERE label = 'mid';
UPDATE join_shapes_bucket SET hi = 200 WHERE label = 'open';
INSERT INTO join_shapes_pt VALUES (8, 150), (9, 9), (10, 100);
:show_range
:show_range_grp
:show_band
:check_range

-- a range that covers nothing, then one that covers everything; delete a range
INSERT INTO join_shapes_bucket VALUES (5, 50, 50, 'empty'), (6, -1000, 1000, 'all');
:show_range_grp
:check_range
DELETE FROM join_shapes_bucket WHERE label IN ('low', 'all');
DELETE FROM join_shapes_pt WHERE x = 9;
:show_range
:show_range_grp
:show_band
:check_range

------------------------------------------------------------------------------
-- Self-joins: employees, their managers, their managers' managers
------------------------------------------------------------------------------
CREATE TABLE join_shapes_emp (id int PRIMARY KEY, name text, mgr_id int, dept text, salary int);
CREATE INDEX ON join_shapes_emp (mgr_id);
CREATE INDEX ON join_shapes_emp (dept);
INSERT INTO join_shapes_emp VALUES
  (1, 'ada', NULL, 'exec', 300),
  (2, 'bo', 1, 'eng', 200), (3, 'cat', 1, 'ops', 180),
  (4, 'dan', 2, 'eng', 100), (5, 'eli', 2, 'eng', 110), (6, 'fay', 3, 'ops', 90);

SELECT stepping.create_view('join_shapes_mgr',
  $$SELECT e.name AS emp, m.name AS mgr
      FROM join_shapes_emp e JOIN join_shapes_emp m ON e.mgr_id = m.id$$);
SELECT stepping.create_view('join_shapes_chain',
  $$SELECT e.name AS emp, m.name AS mgr, g.name AS grand
      FROM join_shapes_emp e
      JOIN join_shapes_emp m ON e.mgr_id = m.id
      JOIN join_shapes_emp g ON m.mgr_id = g.id$$);
SELECT stepping.create_view('join_shapes_team',
  $$SELECT m.name AS mgr, count(*) AS reports, sum(e.salary) AS payroll,
           sum(CASE WHEN e.salary > m.salary THEN 1 ELSE 0 END) AS earn_more
      FROM join_shapes_emp e, join_shapes_emp m
     WHERE e.mgr_id = m.id
     GROUP BY m.name$$);
SELECT stepping.create_view('join_shapes_pairs',
  $$SELECT a.dept, count(*) AS pairs
      FROM join_shapes_emp a JOIN join_shapes_emp b ON a.dept = b.dept AND a.id < b.id
     GROUP BY a.dept$$);
SELECT stepping.create_view('join_shapes_depts',
  $$SELECT DISTINCT e.dept, m.dept AS mgr_dept
      FROM join_shapes_emp e JOIN join_shapes_emp m ON e.mgr_id = m.id$$);

\set show_mgr 'SELECT emp, mgr FROM join_shapes_mgr ORDER BY emp, mgr;'
\set show_chain 'SELECT emp, mgr, grand FROM join_shapes_chain ORDER BY emp, mgr, grand;'
\set show_team 'SELECT mgr, reports, payroll, earn_more FROM join_shapes_team ORDER BY mgr;'
\set show_pairs 'SELECT dept, pairs FROM join_shapes_pairs ORDER BY dept;'
\set show_depts 'SELECT dept, mgr_dept FROM join_shapes_depts ORDER BY dept, mgr_dept;'
\set check_emp 'SELECT v AS view, c.side, c.row_data FROM unnest(ARRAY[''join_shapes_mgr'', ''join_shapes_chain'', ''join_shapes_team'', ''join_shapes_pairs'', ''join_shapes_depts'']::regclass[]) AS v, stepping.check_view(v) AS c ORDER BY 1, 2, 3;'

:show_mgr
:show_chain
:show_team
:show_pairs
:show_depts
:check_emp

-- one row plays both sides: a new employee who is her own manager, and
-- a manager renamed (every report's row and every chain through her change)
INSERT INTO join_shapes_emp VALUES (7, 'gus', 7, 'lab', 50);
UPDATE join_shapes_emp SET name = 'bea' WHERE id = 2;
:show_mgr
:show_chain
:show_team
:show_pairs
:show_depts
:check_emp

-- one statement changes a manager and her reports: bo moves under cat and
-- gets a raise, dan and eli follow to report to fay
UPDATE join_shapes_emp
   SET mgr_id = CASE id WHEN 2 THEN 3 ELSE 6 END,
       salary = CASE id WHEN 2 THEN 250 ELSE salary END
 WHERE id IN (2, 4, 5);
:show_mgr
:show_chain
:show_team
:show_depts
:check_emp

-- a cycle of two, then a dangling manager reference and a deleted middle manager
UPDATE join_shapes_emp SET mgr_id = CASE id WHEN 1 THEN 3 WHEN 3 THEN 1 END WHERE id IN (1, 3);
:show_chain
:show_team
:check_emp
UPDATE join_shapes_emp SET mgr_id = 99 WHERE id = 7;
DELETE FROM join_shapes_emp WHERE id = 6;
:show_mgr
:show_chain
:show_team
:show_pairs
:show_depts
:check_emp

-- duplicates of a department on both sides of the pairs join
INSERT INTO join_shapes_emp SELECT 100 + i, 'x' || i, 1, 'ops', 10 * i FROM generate_series(1, 5) AS i;
UPDATE join_shapes_emp SET dept = 'ops' WHERE dept = 'eng';
:show_team
:show_pairs
:show_depts
:check_emp
DELETE FROM join_shapes_emp WHERE id % 2 = 0;
:show_mgr
:show_chain
:show_team
:show_pairs
:show_depts
:check_emp

------------------------------------------------------------------------------
-- Three and four tables: region <- cust <- ord <- line -> prod
------------------------------------------------------------------------------
CREATE TABLE join_shapes_region (rid int PRIMARY KEY, rname text);
CREATE TABLE join_shapes_cust (cid int PRIMARY KEY, rid int, cname text);
CREATE TABLE join_shapes_ord (oid int PRIMARY KEY, cid int, day int);
CREATE TABLE join_shapes_line (oid int, pid int, qty int);   -- no key: a bag
CREATE TABLE join_shapes_prod (pid int PRIMARY KEY, price numeric);
CREATE INDEX ON join_shapes_cust (rid);
CREATE INDEX ON join_shapes_ord (cid);
CREATE INDEX ON join_shapes_line (oid);
CREATE INDEX ON join_shapes_line (pid);
INSERT INTO join_shapes_region VALUES (1, 'north'), (2, 'south');
INSERT INTO join_shapes_cust VALUES (10, 1, 'ann'), (11, 1, 'ben'), (12, 2, 'col'), (13, NULL, 'dot');
INSERT INTO join_shapes_ord VALUES (100, 10, 1), (101, 10, 2), (102, 11, 2), (103, 12, 3), (104, 13, 3);
INSERT INTO join_shapes_line VALUES
  (100, 1, 2), (100, 2, 1), (101, 1, 1), (102, 3, 5), (102, 3, 5), (103, 2, 4), (104, 1, 9);
INSERT INTO join_shapes_prod VALUES (1, 1.50), (2, 10), (3, 0.25);

-- three tables, JOIN ... ON
SELECT stepping.create_view('join_shapes_3on',
  $$SELECT r.rname, c.cname, o.oid, o.day
      FROM join_shapes_ord o
      JOIN join_shapes_cust c ON o.cid = c.cid
      JOIN join_shapes_region r ON c.rid = r.rid$$);
-- three tables, JOIN ... USING, grouped
SELECT stepping.create_view('join_shapes_3using',
  $$SELECT rname, count(*) AS orders, sum(day) AS days
      FROM join_shapes_ord JOIN join_shapes_cust USING (cid) JOIN join_shapes_region USING (rid)
     GROUP BY rname$$);
-- four tables, commas and WHERE, grouped, with a filter
SELECT stepping.create_view('join_shapes_4comma',
  $$SELECT r.rname, count(*) AS n, sum(l.qty) AS qty
      FROM join_shapes_region r, join_shapes_cust c, join_shapes_ord o, join_shapes_line l
     WHERE r.rid = c.rid AND c.cid = o.cid AND o.oid = l.oid AND l.qty < 9
     GROUP BY r.rname$$);
-- four tables, ON and USING mixed, nested parentheses, an expression over two tables
SELECT stepping.create_view('join_shapes_4mix',
  $$SELECT c.cname, sum(l.qty * p.price) AS revenue, count(*) AS n
      FROM (join_shapes_line l JOIN join_shapes_prod p USING (pid))
      JOIN (join_shapes_ord o JOIN join_shapes_cust c ON c.cid = o.cid) ON o.oid = l.oid
     GROUP BY c.cname$$);
-- four tables, global aggregate
SELECT stepping.create_view('join_shapes_4glob',
  $$SELECT count(*) AS n, sum(l.qty * p.price) AS revenue, avg(o.day) AS avg_day
      FROM join_shapes_line l
      JOIN join_shapes_prod p ON p.pid = l.pid
      JOIN join_shapes_ord o ON o.oid = l.oid
      JOIN join_shapes_cust c ON c.cid = o.cid$$);
-- four tables, DISTINCT
SELECT stepping.create_view('join_shapes_4dist',
  $$SELECT DISTINCT r.rname, l.pid
      FROM join_shapes_line l
      JOIN join_shapes_ord o ON o.oid = l.oid
      JOIN join_shapes_cust c ON c.cid = o.cid
      JOIN join_shapes_region r ON r.rid = c.rid$$);
-- four tables, bag (duplicate lines stay duplicates)
SELECT stepping.create_view('join_shapes_4bag',
  $$SELECT c.cname, l.pid, l.qty * p.price AS amount
      FROM join_shapes_cust c, join_shapes_ord o, join_shapes_line l, join_shapes_prod p
     WHERE c.cid = o.cid AND o.oid = l.oid AND l.pid = p.pid AND o.day >= 2$$);
-- a cross join
SELECT stepping.create_view('join_shapes_cross',
  $$SELECT count(*) AS n FROM join_shapes_region CROSS JOIN join_shapes_prod$$);

\set show_3on 'SELECT rname, cname, oid, day FROM join_shapes_3on ORDER BY oid;'
\set show_3using 'SELECT rname, orders, days FROM join_shapes_3using ORDER BY rname;'
\set show_4comma 'SELECT rname, n, qty FROM join_shapes_4comma ORDER BY rname;'
\set show_4mix 'SELECT cname, revenue, n FROM join_shapes_4mix ORDER BY cname;'
\set show_4glob 'SELECT n, revenue, avg_day FROM join_shapes_4glob;'
\set show_4dist 'SELECT rname, pid FROM join_shapes_4dist ORDER BY rname, pid;'
\set show_4bag 'SELECT cname, pid, amount, count(*) FROM join_shapes_4bag GROUP BY cname, pid, amount ORDER BY cname, pid, amount;'
\set show_cross 'SELECT n FROM join_shapes_cross;'
\set check_multi 'SELECT v AS view, c.side, c.row_data FROM unnest(ARRAY[''join_shapes_3on'', ''join_shapes_3using'', ''join_shapes_4comma'', ''join_shapes_4mix'', ''join_shapes_4glob'', ''join_shapes_4dist'', ''join_shapes_4bag'', ''join_shapes_cross'']::regclass[]) AS v, stepping.check_view(v) AS c ORDER BY 1, 2, 3;'

:show_3on
:show_3using
:show_4comma
:show_4mix
:show_4glob
:show_4dist
:show_4bag
:show_cross
:check_multi

-- a whole new chain arrives bottom-up: lines before their order, the order
-- before its customer, the customer before its region
INSERT INTO join_shapes_line VALUES (105, 1, 1), (105, 2, 2), (105, 2, 2);
:show_4glob
:check_multi
INSERT INTO join_shapes_ord VALUES (105, 14, 4);
:show_4glob
:check_multi
INSERT INTO join_shapes_cust VALUES (14, 3, 'eva');
:show_3on
:show_4mix
:show_4glob
:show_4bag
:check_multi
INSERT INTO join_shapes_region VALUES (3, 'west');
:show_3on
:show_3using
:show_4comma
:show_4mix
:show_4glob
:show_4dist
:show_4bag
:show_cross
:check_multi

-- a middle row changes partner on both sides: ann moves to the south, and
-- order 102 moves from ben to col
UPDATE join_shapes_cust SET rid = 2 WHERE cname = 'ann';
UPDATE join_shapes_ord SET cid = 12 WHERE oid = 102;
:show_3on
:show_3using
:show_4comma
:show_4mix
:show_4dist
:check_multi

-- a product that many lines join to changes price; a region is renamed
UPDATE join_shapes_prod SET price = 2 WHERE pid = 1;
UPDATE join_shapes_region SET rname = 'southern' WHERE rid = 2;
:show_3using
:show_4comma
:show_4mix
:show_4glob
:show_4dist
:show_4bag
:check_multi

-- one writable CTE changes four tables at once: a new region with a customer,
-- an order and a line, and a product; another deletes across all tables
WITH r AS (INSERT INTO join_shapes_region VALUES (4, 'east')),
     c AS (INSERT INTO join_shapes_cust VALUES (15, 4, 'fin')),
     o AS (INSERT INTO join_shapes_ord VALUES (106, 15, 5)),
     l AS (INSERT INTO join_shapes_line VALUES (106, 4, 3), (106, 1, 1)),
     p AS (INSERT INTO join_shapes_prod VALUES (4, 100))
SELECT 1 AS done;
:show_3on
:show_3using
:show_4comma
:show_4mix
:show_4glob
:show_4dist
:show_4bag
:show_cross
:check_multi
WITH r AS (DELETE FROM join_shapes_region WHERE rid = 1),
     c AS (DELETE FROM join_shapes_cust WHERE cid = 12),
     o AS (UPDATE join_shapes_ord SET day = day + 10 WHERE oid IN (100, 105, 106)),
     l AS (DELETE FROM join_shapes_line WHERE pid = 2),
     p AS (UPDATE join_shapes_prod SET price = price * 2 WHERE pid IN (1, 4))
SELECT 1 AS done;
:show_3on
:show_3using
:show_4comma
:show_4mix
:show_4glob
:show_4dist
:show_4bag
:show_cross
:check_multi

-- change the keys of every row on every table in one statement, keeping all
-- the join partners: nothing in the views changes
WITH r AS (UPDATE join_shapes_region SET rid = rid + 1000),
     c AS (UPDATE join_shapes_cust SET rid = rid + 1000, cid = cid + 1000),
     o AS (UPDATE join_shapes_ord SET cid = cid + 1000, oid = oid + 1000),
     l AS (UPDATE join_shapes_line SET oid = oid + 1000, pid = pid + 1000),
     p AS (UPDATE join_shapes_prod SET pid = pid + 1000)
SELECT 1 AS done;
:show_3on
:show_4mix
:show_4glob
:check_multi

-- clean up
SELECT v AS dropped, stepping.drop_view(v::regclass) FROM unnest(ARRAY['join_shapes_range', 'join_shapes_range_grp', 'join_shapes_band',
  'join_shapes_mgr', 'join_shapes_chain', 'join_shapes_team', 'join_shapes_pairs', 'join_shapes_depts',
  'join_shapes_3on', 'join_shapes_3using', 'join_shapes_4comma', 'join_shapes_4mix', 'join_shapes_4glob',
  'join_shapes_4dist', 'join_shapes_4bag', 'join_shapes_cross']) AS v;
DROP TABLE join_shapes_pt, join_shapes_bucket, join_shapes_emp, join_shapes_region, join_shapes_cust,
  join_shapes_ord, join_shapes_line, join_shapes_prod;
SELECT count(*) AS leftover_views FROM stepping.views WHERE name::text LIKE 'join\_shapes%';
