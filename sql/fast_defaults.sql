-- Columns added with a DEFAULT (PostgreSQL's "fast default": old rows keep
-- their shorter on-disk tuple and read the default from attmissingval).
-- Old and new images of such rows, in every path that reads captured rows,
-- must carry the default, not NULL.
SET client_min_messages = warning;
CREATE SCHEMA fast_defaults;
SET search_path = fast_defaults, public;

CREATE FUNCTION fd_check(v regclass) RETURNS bigint
LANGUAGE sql AS $$ SELECT count(*) FROM stepping.check_view(v) $$;

-- single table: global aggregate, grouped, DISTINCT, bag
CREATE TABLE t (id int PRIMARY KEY);
INSERT INTO t VALUES (1), (2), (3);
ALTER TABLE t ADD COLUMN z int DEFAULT 5;
ALTER TABLE t ADD COLUMN s text DEFAULT 'dflt';
ALTER TABLE t ADD COLUMN n int;				-- NULL default, added later
ALTER TABLE t ADD COLUMN w numeric DEFAULT 2.50;
INSERT INTO t VALUES (4, 9, 'new', 1, 1.0);
SELECT stepping.create_view('t_glob', 'SELECT count(z) AS cz, sum(z) AS sz, count(n) AS cn, sum(w) AS sw FROM t');
SELECT stepping.create_view('t_grp', 'SELECT s, count(*) AS c, sum(z) AS sz, min(w) AS mw FROM t GROUP BY s');
SELECT stepping.create_view('t_dist', 'SELECT DISTINCT z, s FROM t');
SELECT stepping.create_view('t_bag', 'SELECT id, z, s, n, w FROM t');
SELECT stepping.create_view('t_bagnokey', 'SELECT z, s FROM t WHERE z > 0');
SELECT cz, sz, cn, sw FROM t_glob;
UPDATE t SET z = 7 WHERE id = 1;		-- old image of an old row
SELECT cz, sz, cn, sw FROM t_glob;
SELECT s, c, sz, mw FROM t_grp ORDER BY s;
DELETE FROM t WHERE id = 2;				-- old image only
SELECT cz, sz, cn, sw FROM t_glob;
UPDATE t SET n = 3 WHERE id = 3;		-- old and new image, new image full
SELECT s, c, sz, mw FROM t_grp ORDER BY s;
SELECT z, s FROM t_dist ORDER BY z, s;
SELECT id, z, s, n, w FROM t_bag ORDER BY id;
SELECT z, s FROM t_bagnokey ORDER BY z, s;
SELECT fd_check('t_glob') + fd_check('t_grp') + fd_check('t_dist')
	 + fd_check('t_bag') + fd_check('t_bagnokey') AS mismatches;

-- a column added after the views exist; old rows of the table keep short
-- tuples, and the views stay exact on later writes of those rows
CREATE TABLE u (id int PRIMARY KEY, g int);
INSERT INTO u SELECT i, i % 2 FROM generate_series(1, 6) i;
SELECT stepping.create_view('u_grp', 'SELECT g, count(*) AS c FROM u GROUP BY g');
SELECT stepping.create_view('u_star', 'SELECT * FROM u');
ALTER TABLE u ADD COLUMN x int DEFAULT 10;
SELECT stepping.create_view('u_sum', 'SELECT g, sum(x) AS sx, count(x) AS cx FROM u GROUP BY g');
UPDATE u SET g = 1 - g WHERE id <= 2;
DELETE FROM u WHERE id = 3;
SELECT g, sx, cx FROM u_sum ORDER BY g;
SELECT fd_check('u_grp') + fd_check('u_star') + fd_check('u_sum') AS mismatches;

-- joins: probe path (one-row statement changing one input), planned path
-- (many rows, both inputs in one statement), outer join, semijoin factor
CREATE TABLE c (cid int PRIMARY KEY);
CREATE TABLE o (oid int PRIMARY KEY, cid int);
INSERT INTO c SELECT i FROM generate_series(1, 4) i;
INSERT INTO o SELECT i, 1 + i % 4 FROM generate_series(1, 12) i;
ALTER TABLE c ADD COLUMN region text DEFAULT 'north';
ALTER TABLE o ADD COLUMN amount int DEFAULT 100;
ALTER TABLE c ADD COLUMN k int DEFAULT 1;
ALTER TABLE o ADD COLUMN k int DEFAULT 1;
CREATE INDEX ON o (cid);
CREATE INDEX ON o (k);
SELECT stepping.create_view('j_grp', $$SELECT c.region, count(*) AS n, sum(o.amount) AS total
  FROM o JOIN c ON o.cid = c.cid GROUP BY c.region$$);
SELECT stepping.create_view('j_bag', $$SELECT o.oid, c.region, o.amount
  FROM o JOIN c ON o.cid = c.cid$$);
SELECT stepping.create_view('j_k', $$SELECT c.cid, o.oid FROM c JOIN o ON o.k = c.k AND o.cid = c.cid$$);
SELECT stepping.create_view('j_left', $$SELECT c.cid, c.region, count(o.oid) AS n, sum(o.amount) AS total
  FROM c LEFT JOIN o ON o.cid = c.cid GROUP BY c.cid, c.region$$);
SELECT stepping.create_view('j_exists', $$SELECT c.cid, c.region FROM c
  WHERE EXISTS (SELECT 1 FROM o WHERE o.cid = c.cid AND o.amount = 100)$$);
SELECT stepping.create_view('j_notin', $$SELECT c.cid FROM c
  WHERE c.k NOT IN (SELECT o.amount FROM o)$$);
-- probe path: one row of one input
UPDATE c SET region = 'south' WHERE cid = 1;
UPDATE o SET cid = 2 WHERE oid = 1;
DELETE FROM o WHERE oid = 2;
UPDATE o SET amount = 5 WHERE oid = 3;
DELETE FROM c WHERE cid = 4;
SELECT region, n, total FROM j_grp ORDER BY region;
-- planned path: several rows, and both inputs in one statement
UPDATE o SET amount = amount + 1 WHERE oid > 8;
WITH a AS (UPDATE c SET k = k WHERE cid = 3 RETURNING cid)
UPDATE o SET cid = 3 WHERE oid IN (5, 6);
DELETE FROM o WHERE oid IN (7, 8);
SELECT cid, region, n, total FROM j_left ORDER BY cid;
SELECT cid, region FROM j_exists ORDER BY cid;
SELECT fd_check('j_grp') + fd_check('j_bag') + fd_check('j_k')
	 + fd_check('j_left') + fd_check('j_exists') + fd_check('j_notin') AS mismatches;

-- views over views, and a UNION over tables with added columns
CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE q (id int PRIMARY KEY);
INSERT INTO p VALUES (1), (2);
INSERT INTO q VALUES (1), (3);
ALTER TABLE p ADD COLUMN v int DEFAULT 4;
ALTER TABLE q ADD COLUMN v int DEFAULT 6;
SELECT stepping.create_view('pq_union', 'SELECT v FROM p UNION SELECT v FROM q');
SELECT stepping.create_view('pq_all', 'SELECT id, v FROM p UNION ALL SELECT id, v FROM q');
SELECT stepping.create_view('p_inner', 'SELECT id, v FROM p WHERE v > 0');
SELECT stepping.create_view('p_outer', 'SELECT sum(v) AS sv, count(*) AS n FROM p_inner');
UPDATE p SET v = 8 WHERE id = 1;
DELETE FROM q WHERE id = 1;
SELECT v FROM pq_union ORDER BY v;
SELECT sv, n FROM p_outer;
SELECT fd_check('pq_union') + fd_check('pq_all') + fd_check('p_inner')
	 + fd_check('p_outer') AS mismatches;

-- a whole transaction with savepoints over old rows
BEGIN;
UPDATE t SET z = z + 1 WHERE id = 3;
SAVEPOINT s;
DELETE FROM t WHERE id = 1;
ROLLBACK TO SAVEPOINT s;
UPDATE o SET amount = amount WHERE oid = 4;
COMMIT;
SELECT fd_check('t_glob') + fd_check('t_grp') + fd_check('t_dist')
	 + fd_check('t_bag') + fd_check('j_grp') + fd_check('j_left') AS mismatches;

-- clean up: everything lived in schema fast_defaults
RESET search_path;
DROP SCHEMA fast_defaults CASCADE;
SELECT count(*) AS views_left FROM stepping.views v
 WHERE NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = v.name);
