-- The locks a step takes on its view's inputs (src/locks.c), as pg_locks
-- shows them inside the writing transaction: SHARE on the changed input,
-- ROW EXCLUSIVE on the others, SHARE ROW EXCLUSIVE on a changed input that
-- is self-conflicting (read twice, or by a semijoin factor) or changed with
-- another.  An input joined to the changed one by a key edge (an equality,
-- in a view of inner joins) gets no ROW EXCLUSIVE: the step locks its rows'
-- keys on that edge instead (la_edge_locks).  Views without joins take none:
-- their writers meet on result rows.
-- Steps of single statements: stepping.apply = statement (the last section
-- shows the default, 'transaction', taking the same locks when it applies).
SET stepping.apply = statement;
CREATE TABLE la_a (id int PRIMARY KEY, k int, x int);
CREATE TABLE la_b (k int PRIMARY KEY, v int);
CREATE TABLE la_c (k int PRIMARY KEY, w int);
CREATE INDEX ON la_a (k);
INSERT INTO la_b SELECT g, g FROM generate_series(1, 5) g;
INSERT INTO la_c SELECT g, g FROM generate_series(1, 5) g;
INSERT INTO la_a SELECT g, g % 5 + 1, g FROM generate_series(1, 10) g;

SELECT stepping.create_view('la_join', 'SELECT b.k, count(*) AS n, sum(a.x) AS s FROM la_a a JOIN la_b b ON a.k = b.k GROUP BY b.k');
SELECT stepping.create_view('la_bag', 'SELECT a.id, b.v, c.w FROM la_a a JOIN la_b b ON a.k = b.k JOIN la_c c ON c.k = b.k');
SELECT stepping.create_view('la_self', 'SELECT a1.id, a2.id AS id2 FROM la_a a1 JOIN la_a a2 ON a1.k = a2.k AND a1.id < a2.id');
SELECT stepping.create_view('la_left', 'SELECT a.id, b.v FROM la_a a LEFT JOIN la_b b ON a.k = b.k AND b.v > 2');
SELECT stepping.create_view('la_exists', 'SELECT a.id FROM la_a a WHERE NOT EXISTS (SELECT FROM la_c c WHERE c.k = a.k AND c.w > 3)');
SELECT stepping.create_view('la_single', 'SELECT k, count(*) AS n FROM la_a GROUP BY k');
SELECT stepping.create_view('la_single_bag', 'SELECT id, x FROM la_a WHERE x > 3');
SELECT stepping.create_view('la_having', 'SELECT b.k, count(*) AS n FROM la_a a JOIN la_b b ON a.k = b.k GROUP BY b.k HAVING count(*) > 1');
SELECT stepping.create_view('la_over', 'SELECT j.k, j.n, c.w FROM la_join j JOIN la_c c ON c.k = j.k');

CREATE VIEW la_locks AS
SELECT l.objid::regclass::text AS view,
       (SELECT c.base_tables[l.objsubid] FROM stepping.catalog c
         WHERE c.view_rel = l.objid::regclass)::text AS input,
       l.mode
  FROM pg_locks l
 WHERE l.locktype = 'object' AND l.classid = 'stepping.catalog'::regclass
   AND l.pid = pg_backend_pid()
 ORDER BY 1, 2, 3;

-- the key locks of semijoin factors: classid is the view
CREATE VIEW la_key_locks AS
SELECT l.classid::regclass::text AS view, l.objsubid AS factor,
       l.mode, count(*) AS keys
  FROM pg_locks l
 WHERE l.locktype = 'object'
   AND l.classid IN (SELECT view_rel FROM stepping.catalog)
   AND l.objsubid < 16384
   AND l.pid = pg_backend_pid()
 GROUP BY 1, 2, 3
 ORDER BY 1, 2, 3;

-- the key locks of key edges: objsubid 16384 + the edge's number
CREATE VIEW la_edge_locks AS
SELECT l.classid::regclass::text AS view, l.objsubid - 16384 AS edge,
       l.mode, count(*) AS keys
  FROM pg_locks l
 WHERE l.locktype = 'object'
   AND l.classid IN (SELECT view_rel FROM stepping.catalog)
   AND l.objsubid >= 16384
   AND l.pid = pg_backend_pid()
 GROUP BY 1, 2, 3
 ORDER BY 1, 2, 3;
SELECT line FROM stepping.explain_view('la_bag') AS line WHERE line LIKE 'locks:%';

-- a writer of la_a: SHARE on la_a where it is linear (la_join, la_bag,
-- la_left's preserved side, la_exists' outer table), SHARE ROW EXCLUSIVE
-- where it is read twice (la_self); ROW EXCLUSIVE on the other inputs but
-- la_b in la_join and la_bag (joined by a.k = b.k: key 1 locked instead;
-- la_c is joined to la_b, not to la_a); no lock for the single-table views;
-- la_having serializes on its view lock
BEGIN;
INSERT INTO la_a VALUES (11, 1, 11);
SELECT * FROM la_locks;
SELECT * FROM la_edge_locks;
ROLLBACK;

-- a writer of la_b: SHARE on la_b, SHARE ROW EXCLUSIVE where la_b is the
-- relation of a semijoin factor (la_left's nullable side: for now such a
-- relation orders its writers per table, so no key lock is taken); the view
-- over a view sees la_join's output delta as a change of its input
BEGIN;
UPDATE la_b SET v = v + 1 WHERE k = 3;
SELECT * FROM la_locks;
SELECT * FROM la_key_locks;
-- key 3 on la_join's and la_bag's edges to la_a (la_b is their second input:
-- ROW EXCLUSIVE) and on la_bag's edge to la_c (la_b first: SHARE)
SELECT * FROM la_edge_locks;
ROLLBACK;
-- k = 1 keeps v <= 2: no key's presence can change, no key lock
BEGIN;
UPDATE la_b SET v = 0 WHERE k = 1;
SELECT * FROM la_key_locks;
ROLLBACK;
-- keys 1 and 2 enter the factor (v 1 -> 11, 2 -> 12): still no key lock
BEGIN;
UPDATE la_b SET v = v + 10 WHERE k IN (1, 2);
SELECT * FROM la_key_locks;
ROLLBACK;

-- many keys: the relation's SHARE ROW EXCLUSIVE, no key locks; past the
-- budget, key edges give way to the ROW EXCLUSIVE locks too
SHOW max_locks_per_transaction;
BEGIN;
INSERT INTO la_b SELECT g, 10 FROM generate_series(100, 199) g;
SELECT * FROM la_locks WHERE view IN ('la_left', 'la_join');
SELECT * FROM la_key_locks;
SELECT * FROM la_edge_locks;
ROLLBACK;
-- two statements of 20 keys each: the same
BEGIN;
INSERT INTO la_b SELECT g, 10 FROM generate_series(100, 119) g;
SELECT * FROM la_key_locks;
INSERT INTO la_b SELECT g, 10 FROM generate_series(120, 139) g;
SELECT * FROM la_locks WHERE view = 'la_left';
SELECT * FROM la_key_locks;
ROLLBACK;
-- a writer of la_c: SHARE ROW EXCLUSIVE where la_c is the NOT EXISTS relation;
-- key 5 on the edges c.k = b.k (la_bag) and c.k = j.k (la_over)
BEGIN;
DELETE FROM la_c WHERE k = 5;
SELECT * FROM la_locks;
SELECT * FROM la_key_locks;
SELECT * FROM la_edge_locks;
ROLLBACK;

-- two inputs changed in one transaction: the modes accumulate
BEGIN;
INSERT INTO la_a VALUES (12, 2, 12);
UPDATE la_b SET v = v + 1 WHERE k = 2;
SELECT * FROM la_locks WHERE view IN ('la_join', 'la_bag');
COMMIT;

-- a statement that changed no row takes nothing
BEGIN;
UPDATE la_c SET w = w WHERE false;
DELETE FROM la_a WHERE id < 0;
SELECT count(*) FROM la_locks;
ROLLBACK;

-- stepping.serialize_writers: SHARE ROW EXCLUSIVE on every input
SET stepping.serialize_writers = on;
BEGIN;
INSERT INTO la_a VALUES (13, 3, 13);
SELECT * FROM la_locks WHERE view IN ('la_join', 'la_bag');
ROLLBACK;
RESET stepping.serialize_writers;
SET stepping.no_such_setting = 1;

-- the view lock's row is written only by the view with HAVING
SELECT c.view_rel::text, s.steps > 0 AS wrote_state_row
  FROM stepping.catalog c JOIN stepping.view_state s USING (view_rel)
 WHERE c.view_rel::text LIKE 'la\_%' ORDER BY 1;

SELECT v, count(*) AS mismatches
  FROM unnest(ARRAY['la_join', 'la_bag', 'la_self', 'la_left', 'la_exists',
                    'la_single', 'la_single_bag', 'la_having', 'la_over']) v,
       LATERAL stepping.check_view(v::regclass)
 GROUP BY v;

-- stepping.apply = 'transaction' (the default): a statement takes no lock;
-- the locks are taken when the deltas are applied, here by the read of a
-- result table over the changed input
RESET stepping.apply;
BEGIN;
INSERT INTO la_a VALUES (14, 4, 14);
SELECT count(*) AS locks_before_read FROM la_locks;
SELECT count(*) > 0 AS read_join FROM la_join;
SELECT * FROM la_locks WHERE view IN ('la_join', 'la_bag');
ROLLBACK;

DROP VIEW la_locks, la_key_locks, la_edge_locks;
SELECT stepping.drop_view(v::regclass)
  FROM unnest(ARRAY['la_over', 'la_join', 'la_bag', 'la_self', 'la_left', 'la_exists',
                    'la_single', 'la_single_bag', 'la_having']) v;
DROP TABLE la_a, la_b, la_c;
