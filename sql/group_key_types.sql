-- Group and DISTINCT keys live in a unique btree index of the result table.
-- A composite or array type always has a btree operator class (record_ops,
-- array_ops), but comparing two values fails when a field or element type
-- has no btree comparison (xid): such keys are refused at creation, naming
-- the column and the type, instead of making a later write fail.
SET client_min_messages = warning;
CREATE SCHEMA group_key_types;
SET search_path = group_key_types, public;

CREATE TYPE gk_px AS (a int, x xid);
CREATE TYPE gk_ppx AS (p gk_px, b int);
CREATE DOMAIN gk_dpx AS gk_px;
CREATE DOMAIN gk_dax AS xid[];
CREATE TYPE gk_pi AS (a int, b int);
CREATE DOMAIN gk_dpi AS gk_pi;
CREATE TABLE gk (id int PRIMARY KEY, p gk_px, pp gk_ppx, dp gk_dpx, ax xid[],
                 dax gk_dax, x xid, pt point, j json, jb jsonb, pi gk_pi,
                 dpi gk_dpi, ai int[]);
CREATE TABLE gk2 (id int PRIMARY KEY, p gk_px);

-- refused: every spelling of a key over such a type
SELECT stepping.create_view('gk_v', 'SELECT DISTINCT p FROM gk');
SELECT stepping.create_view('gk_v', 'SELECT p, count(*) AS n FROM gk GROUP BY p');
SELECT stepping.create_view('gk_v', 'SELECT id FROM gk GROUP BY id, p');
SELECT stepping.create_view('gk_v', 'SELECT DISTINCT pp FROM gk');
SELECT stepping.create_view('gk_v', 'SELECT DISTINCT id, dp FROM gk');
SELECT stepping.create_view('gk_v', 'SELECT DISTINCT ax FROM gk');
SELECT stepping.create_view('gk_v', 'SELECT dax, count(*) AS n FROM gk GROUP BY dax');
SELECT stepping.create_view('gk_v', 'SELECT x, count(*) AS n FROM gk GROUP BY x');
SELECT stepping.create_view('gk_v', 'SELECT count(*) AS n FROM gk GROUP BY (p).x');
SELECT stepping.create_view('gk_v', 'SELECT p FROM gk UNION SELECT p FROM gk2');
SELECT stepping.create_view('gk_v', 'SELECT p FROM gk INTERSECT SELECT p FROM gk2');
SELECT stepping.create_view('gk_v', 'SELECT id, p FROM gk EXCEPT SELECT id, p FROM gk2');
SELECT stepping.create_view('gk_v', 'SELECT p FROM gk INTERSECT ALL SELECT p FROM gk2');
SELECT stepping.create_view('gk_v', $$SELECT g.id, s.n FROM gk g
  JOIN (SELECT p, count(*) AS n FROM gk2 GROUP BY p) s ON s.p = g.p$$);
SELECT stepping.create_view('gk_v', 'SELECT max(ax) AS m FROM gk');
SELECT stepping.create_view('gk_v', 'SELECT id, min(dax) AS m FROM gk GROUP BY id');
-- no equality at all: PostgreSQL refuses the query itself
SELECT stepping.create_view('gk_v', 'SELECT DISTINCT pt FROM gk');
SELECT stepping.create_view('gk_v', 'SELECT j, count(*) FROM gk GROUP BY j');
SELECT stepping.create_view('gk_v', 'SELECT j FROM gk UNION SELECT j FROM gk');
-- nothing was left behind
SELECT count(*) FROM stepping.views v JOIN pg_class c ON c.oid = v.name
 WHERE c.relnamespace = 'group_key_types'::regnamespace;
SELECT count(*) FROM pg_class WHERE relname LIKE 'gk\_v%';

-- accepted: types whose every part compares; equal leading fields make
-- the index compare the later ones
SELECT stepping.create_view('gk_vpi', 'SELECT pi, count(*) AS n FROM gk GROUP BY pi');
SELECT stepping.create_view('gk_vdpi', 'SELECT DISTINCT dpi FROM gk');
SELECT stepping.create_view('gk_ai', 'SELECT ai, count(*) AS n FROM gk GROUP BY ai');
SELECT stepping.create_view('gk_jb', 'SELECT DISTINCT jb FROM gk');
SELECT stepping.create_view('gk_union', 'SELECT pi FROM gk UNION SELECT pi FROM gk');
SELECT stepping.create_view('gk_max', 'SELECT max(ai) AS m, min(ai) AS mi FROM gk');
-- a bag view may show such a column (it is not a key) ...
SELECT stepping.create_view('gk_bag', 'SELECT id, p, ax FROM gk');
-- ... and a join identified by such a column is indexed by a row hash
CREATE TABLE gk3 (p gk_px PRIMARY KEY, ref int);
SELECT stepping.create_view('gk_join', 'SELECT gk3.p, gk.id FROM gk3 JOIN gk ON gk.id = gk3.ref');
SELECT key_columns FROM stepping.views WHERE name = 'gk_join'::regclass;

INSERT INTO gk (id, p, ax, pi, dpi, ai, jb) VALUES
  (1, '(1,5)', '{5}', '(1,1)', '(1,1)', '{1,1}', '{"a":1}'),
  (2, '(1,6)', '{6}', '(1,2)', '(1,2)', '{1,2}', '{"a":2}'),
  (3, '(1,7)', '{7}', '(1,2)', '(1,3)', '{1,2}', '{"a":1}'),
  (4, '(2,8)', '{8}', '(1,3)', '(1,3)', '{1,3}', '{"a":3}');
INSERT INTO gk3 VALUES ('(1,5)', 1), ('(2,6)', 2), ('(3,7)', 3);
UPDATE gk SET pi = '(1,1)', ai = '{1,3}' WHERE id = 2;
DELETE FROM gk WHERE id = 4;
SELECT pi, n FROM gk_vpi ORDER BY pi;
SELECT dpi FROM gk_vdpi ORDER BY dpi;
SELECT ai, n FROM gk_ai ORDER BY ai;
SELECT m, mi FROM gk_max;
SELECT v, (SELECT count(*) FROM stepping.check_view(v::regclass)) AS mismatches
  FROM unnest(ARRAY['gk_vpi', 'gk_vdpi', 'gk_ai', 'gk_jb', 'gk_union', 'gk_max',
                    'gk_bag', 'gk_join']) v;

-- clean up: everything lived in schema group_key_types
RESET search_path;
DROP SCHEMA group_key_types CASCADE;
SELECT count(*) AS views_left FROM stepping.views v
 WHERE NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = v.name);
