-- Statements that change several of a join view's tables: foreign key
-- cascades, writable CTEs, row triggers that write the other table,
-- transactions with savepoints, PL/pgSQL exception blocks, TRUNCATE of one or
-- both tables, MERGE, INSERT ... ON CONFLICT, COPY.
\pset null '(null)'
\set SHOW_CONTEXT never

------------------------------------------------------------------------------
-- Parent and child, with ON DELETE CASCADE / ON UPDATE CASCADE
------------------------------------------------------------------------------
CREATE TABLE join_statements_parent (id int PRIMARY KEY, name text, grp text, nkids int NOT NULL DEFAULT 0);
CREATE TABLE join_statements_child (
  id int PRIMARY KEY,
  parent_id int REFERENCES join_statements_parent (id) ON DELETE CASCADE ON UPDATE CASCADE,
  val int);
CREATE INDEX ON join_statements_child (parent_id);
INSERT INTO join_statements_parent (id, name, grp) VALUES (1, 'p1', 'a'), (2, 'p2', 'a'), (3, 'p3', 'b'), (4, 'p4', 'b');
INSERT INTO join_statements_child VALUES
  (10, 1, 1), (11, 1, 2), (12, 2, 3), (13, 3, 4), (14, 3, 5), (15, 3, 6), (16, NULL, 7);

SELECT stepping.create_view('join_statements_bag',
  $$SELECT p.name, p.nkids, c.id AS child, c.val
      FROM join_statements_child c JOIN join_statements_parent p ON c.parent_id = p.id$$);
SELECT stepping.create_view('join_statements_grp',
  $$SELECT p.grp, count(*) AS n, sum(c.val) AS total, avg(c.val) AS mean
      FROM join_statements_child c JOIN join_statements_parent p ON p.id = c.parent_id
     GROUP BY p.grp$$);
SELECT stepping.create_view('join_statements_glob',
  $$SELECT count(*) AS n, sum(c.val) AS total
      FROM join_statements_parent p, join_statements_child c WHERE p.id = c.parent_id$$);
SELECT stepping.create_view('join_statements_dist',
  $$SELECT DISTINCT p.grp, c.val % 2 AS parity
      FROM join_statements_parent p JOIN join_statements_child c ON p.id = c.parent_id$$);

\set show_bag 'SELECT name, nkids, child, val FROM join_statements_bag ORDER BY child;'
\set show_grp 'SELECT grp, n, total, mean FROM join_statements_grp ORDER BY grp;'
\set show_glob 'SELECT n, total FROM join_statements_glob;'
\set show_dist 'SELECT grp, parity FROM join_statements_dist ORDER BY grp, parity;'
\set check 'SELECT v AS view, c.side, c.row_data FROM unnest(ARRAY[''join_statements_bag'', ''join_statements_grp'', ''join_statements_glob'', ''join_statements_dist'']::regclass[]) AS v, stepping.check_view(v) AS c ORDER BY 1, 2, 3;'

:show_bag
:show_grp
:show_glob
:show_dist
:check

-- ON DELETE CASCADE: the parent and its three children go in one statement
DELETE FROM join_statements_parent WHERE id = 3;
:show_bag
:show_grp
:show_glob
:show_dist
:check

-- ON UPDATE CASCADE: the parent's key changes and the children follow, so the
-- join keeps its pairs; then a key change together with a renamed parent
UPDATE join_statements_parent SET id = 100 WHERE id = 1;
SELECT id, parent_id FROM join_statements_child ORDER BY id;
:show_bag
:show_grp
:check
UPDATE join_statements_parent SET id = 200, name = 'p2x', grp = 'b' WHERE id = 2;
:show_bag
:show_grp
:show_glob
:show_dist
:check

-- writable CTEs: insert a parent and its children in one statement, and
-- move children while re-grouping their parent
WITH p AS (INSERT INTO join_statements_parent (id, name, grp) VALUES (5, 'p5', 'c'), (6, 'p6', 'c') RETURNING id)
INSERT INTO join_statements_child SELECT id * 10 + g, id, id + g FROM p, generate_series(1, 3) AS g;
:show_bag
:show_grp
:show_glob
:show_dist
:check
WITH c AS (UPDATE join_statements_child SET parent_id = 5 WHERE parent_id = 6 RETURNING id),
     p AS (UPDATE join_statements_parent SET grp = 'a' WHERE id = 5 RETURNING id)
SELECT (SELECT count(*) FROM c) AS moved, (SELECT count(*) FROM p) AS regrouped;
:show_grp
:show_glob
:show_dist
:check
-- delete from both tables in one statement (the cascade finds the children gone)
WITH c AS (DELETE FROM join_statements_child WHERE parent_id = 5 RETURNING id)
DELETE FROM join_statements_parent WHERE id IN (5, 6);
:show_bag
:show_grp
:show_glob
:show_dist
:check

-- row triggers that write the other table: a new 'auto' parent gets a first
-- child; every child insert or delete updates its parent's nkids, which the
-- bag view shows on every row of that parent
CREATE FUNCTION join_statements_parent_trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.name LIKE 'auto%' THEN
    INSERT INTO join_statements_child VALUES (NEW.id * 100, NEW.id, 0);
  END IF;
  RETURN NULL;
END $$;
CREATE FUNCTION join_statements_child_trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE join_statements_parent SET nkids = nkids + 1 WHERE id = NEW.parent_id;
  ELSE
    UPDATE join_statements_parent SET nkids = nkids - 1 WHERE id = OLD.parent_id;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER join_statements_parent_ins AFTER INSERT ON join_statements_parent
  FOR EACH ROW EXECUTE FUNCTION join_statements_parent_trg();
CREATE TRIGGER join_statements_child_insdel AFTER INSERT OR DELETE ON join_statements_child
  FOR EACH ROW EXECUTE FUNCTION join_statements_child_trg();

INSERT INTO join_statements_child VALUES (20, 100, 8), (21, 100, 9);
:show_bag
:check
-- parent insert -> its trigger inserts a child -> that trigger updates the parent
INSERT INTO join_statements_parent (id, name, grp) VALUES (7, 'auto7', 'c'), (8, 'plain8', 'c'), (9, 'auto9', 'a');
SELECT id, name, nkids FROM join_statements_parent ORDER BY id;
:show_bag
:show_grp
:show_glob
:show_dist
:check
DELETE FROM join_statements_child WHERE id IN (10, 20, 900);
:show_bag
:show_grp
:check
DROP TRIGGER join_statements_parent_ins ON join_statements_parent;
DROP TRIGGER join_statements_child_insdel ON join_statements_child;

-- one transaction changes both tables, with savepoints rolled back in between
BEGIN;
INSERT INTO join_statements_parent (id, name, grp) VALUES (10, 'p10', 'd');
INSERT INTO join_statements_child VALUES (30, 10, 30);
SAVEPOINT s1;
INSERT INTO join_statements_child VALUES (31, 10, 31), (32, 200, 32);
UPDATE join_statements_parent SET grp = 'x' WHERE id IN (10, 100);
:show_grp
SAVEPOINT s2;
DELETE FROM join_statements_parent WHERE id = 200;
:show_grp
ROLLBACK TO SAVEPOINT s2;
:show_grp
:check
ROLLBACK TO SAVEPOINT s1;
:show_grp
:check
UPDATE join_statements_child SET parent_id = 10 WHERE id = 11;
SAVEPOINT s3;
UPDATE join_statements_parent SET id = 11 WHERE id = 10;
TRUNCATE join_statements_child;
:show_glob
ROLLBACK TO SAVEPOINT s3;
SAVEPOINT s4;
UPDATE join_statements_parent SET name = 'p100x' WHERE id = 100;
RELEASE SAVEPOINT s4;
COMMIT;
:show_bag
:show_grp
:show_glob
:show_dist
:check

-- a PL/pgSQL exception block undoes changes to both tables; the changes
-- before the block stay
DO $$
BEGIN
  INSERT INTO join_statements_child VALUES (40, 4, 40);
  BEGIN
    UPDATE join_statements_parent SET grp = 'zzz' WHERE id = 4;
    INSERT INTO join_statements_child VALUES (41, 4, 41);
    DELETE FROM join_statements_parent WHERE id = 100;
    PERFORM 1 / 0;
  EXCEPTION WHEN division_by_zero THEN
    NULL;
  END;
  UPDATE join_statements_child SET val = val + 1000 WHERE id = 40;
END $$;
:show_bag
:show_grp
:show_glob
:show_dist
:check

-- a whole transaction rolled back
BEGIN;
DELETE FROM join_statements_parent;
INSERT INTO join_statements_parent (id, name, grp) VALUES (50, 'p50', 'e');
INSERT INTO join_statements_child VALUES (50, 50, 50);
:show_grp
ROLLBACK;
:show_grp
:check

-- TRUNCATE of the child table only: the grouped and distinct views empty,
-- the global aggregate keeps its row; children come back
TRUNCATE join_statements_child;
:show_bag
:show_grp
:show_glob
:show_dist
:check
INSERT INTO join_statements_child VALUES (60, 4, 1), (61, 100, 2), (62, 200, 3), (63, 10, 4);
:show_bag
:show_grp
:check
-- TRUNCATE of the parent table, cascading to the child table, then refill
-- both in one transaction with a TRUNCATE in the middle
TRUNCATE join_statements_parent CASCADE;
SELECT count(*) AS children_left FROM join_statements_child;
:show_grp
:show_glob
:check
BEGIN;
INSERT INTO join_statements_parent (id, name, grp) VALUES (1, 'q1', 'a'), (2, 'q2', 'b');
INSERT INTO join_statements_child VALUES (1, 1, 1), (2, 2, 2);
TRUNCATE join_statements_child, join_statements_parent;
INSERT INTO join_statements_parent (id, name, grp) VALUES (1, 'r1', 'a'), (2, 'r2', 'b');
INSERT INTO join_statements_child VALUES (1, 1, 10), (2, 2, 20), (3, 2, 30);
COMMIT;
:show_bag
:show_grp
:show_glob
:show_dist
:check

------------------------------------------------------------------------------
-- Dimension and fact without a foreign key: MERGE, INSERT ... ON CONFLICT,
-- COPY, UPDATE ... FROM, TRUNCATE of the dimension alone or of both
------------------------------------------------------------------------------
CREATE TABLE join_statements_dim (k int PRIMARY KEY, label text);
CREATE TABLE join_statements_fact (id int PRIMARY KEY, k int, amount numeric);
CREATE INDEX ON join_statements_fact (k);
INSERT INTO join_statements_dim VALUES (1, 'one'), (2, 'two'), (3, 'three');
INSERT INTO join_statements_fact VALUES (1, 1, 10), (2, 1, 20), (3, 2, 30), (4, 3, 40), (5, 4, 50), (6, NULL, 60);

SELECT stepping.create_view('join_statements_df',
  $$SELECT f.id, d.label, f.amount * 2 AS twice
      FROM join_statements_fact f JOIN join_statements_dim d USING (k)$$);
SELECT stepping.create_view('join_statements_dg',
  $$SELECT d.label, count(*) AS n, sum(f.amount) AS total, avg(f.amount) AS mean
      FROM join_statements_dim d, join_statements_fact f WHERE d.k = f.k
     GROUP BY d.label$$);
SELECT stepping.create_view('join_statements_dglob',
  $$SELECT count(*) AS n, sum(f.amount) AS total
      FROM join_statements_dim d JOIN join_statements_fact f ON d.k = f.k$$);

\set show_df 'SELECT id, label, twice FROM join_statements_df ORDER BY id;'
\set show_dg 'SELECT label, n, total, mean FROM join_statements_dg ORDER BY label;'
\set show_dglob 'SELECT n, total FROM join_statements_dglob;'
\set check_d 'SELECT v AS view, c.side, c.row_data FROM unnest(ARRAY[''join_statements_df'', ''join_statements_dg'', ''join_statements_dglob'']::regclass[]) AS v, stepping.check_view(v) AS c ORDER BY 1, 2, 3;'

:show_df
:show_dg
:show_dglob
:check_d

-- MERGE into the fact table: move a row to another dimension row, delete
-- one, update an amount, insert a new one and one for a missing dimension row
MERGE INTO join_statements_fact f
USING (VALUES (1, 2, NULL::numeric), (2, NULL, NULL), (3, 2, 33.5), (7, 3, 70), (8, 5, 80)) AS s (id, k, amount)
   ON f.id = s.id
 WHEN MATCHED AND s.amount IS NULL AND s.k IS NULL THEN DELETE
 WHEN MATCHED AND s.amount IS NULL THEN UPDATE SET k = s.k
 WHEN MATCHED THEN UPDATE SET amount = s.amount
 WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.k, s.amount);
:show_df
:show_dg
:show_dglob
:check_d
-- MERGE into the dimension table from the fact table: every fact key without
-- a dimension row gets one, and an existing one is relabelled
MERGE INTO join_statements_dim d
USING (SELECT DISTINCT k FROM join_statements_fact WHERE k IS NOT NULL) AS s
   ON d.k = s.k
 WHEN MATCHED AND d.k = 2 THEN UPDATE SET label = 'TWO'
 WHEN NOT MATCHED THEN INSERT VALUES (s.k, 'auto' || s.k);
:show_df
:show_dg
:show_dglob
:check_d

-- INSERT ... ON CONFLICT on the dimension: relabel a row many facts join to,
-- insert a new one; DO NOTHING changes nothing
INSERT INTO join_statements_fact SELECT 100 + i, 3, i FROM generate_series(1, 10) AS i;
INSERT INTO join_statements_dim VALUES (3, 'THREE'), (6, 'six')
  ON CONFLICT (k) DO UPDATE SET label = excluded.label;
INSERT INTO join_statements_dim VALUES (1, 'ignored'), (2, 'ignored') ON CONFLICT DO NOTHING;
:show_dg
:show_dglob
:check_d
-- INSERT ... ON CONFLICT on the fact table: conflicting rows move to another
-- dimension row, the others are inserted
INSERT INTO join_statements_fact VALUES (101, 6, 1), (102, 6, 2), (103, NULL, 3), (200, 6, 200)
  ON CONFLICT (id) DO UPDATE SET k = excluded.k;
:show_df
:show_dg
:show_dglob
:check_d

-- UPDATE ... FROM the other table, and COPY
UPDATE join_statements_fact f SET amount = f.amount + 1
  FROM join_statements_dim d WHERE d.k = f.k AND d.label = 'THREE';
COPY join_statements_fact FROM stdin;
300	1	0.5
301	6	1.25
302	\N	9
\.
:show_df
:show_dg
:show_dglob
:check_d

-- TRUNCATE of the dimension alone: every view is empty (the global one 0);
-- the dimension comes back and the facts find it again
TRUNCATE join_statements_dim;
:show_df
:show_dg
:show_dglob
:check_d
INSERT INTO join_statements_dim VALUES (1, 'uno'), (3, 'tres'), (6, 'seis');
:show_df
:show_dg
:show_dglob
:check_d
-- TRUNCATE of both tables in one statement, then a dimension row and a fact
-- row in one transaction after a TRUNCATE that is rolled back
TRUNCATE join_statements_dim, join_statements_fact;
:show_dg
:show_dglob
:check_d
BEGIN;
INSERT INTO join_statements_dim VALUES (1, 'a');
SAVEPOINT s;
TRUNCATE join_statements_dim;
ROLLBACK TO SAVEPOINT s;
INSERT INTO join_statements_fact VALUES (1, 1, 5), (2, 1, 6);
COMMIT;
:show_df
:show_dg
:show_dglob
:check_d

-- join views do not write the view lock's row: their steps lock their inputs (locks.c)
SELECT steps AS steps_before FROM stepping.view_state
 WHERE view_rel = 'join_statements_bag'::regclass \gset
BEGIN;
INSERT INTO join_statements_parent (id, name, grp) VALUES (90, 'p90', 'c');
INSERT INTO join_statements_child VALUES (90, 90, 1);
UPDATE join_statements_child SET val = 2 WHERE id = 90;
DELETE FROM join_statements_child WHERE id = 90;
COMMIT;
SELECT steps - :steps_before AS state_row_writes FROM stepping.view_state
 WHERE view_rel = 'join_statements_bag'::regclass;
SELECT * FROM stepping.check_view('join_statements_bag');

-- clean up
SELECT v AS dropped, stepping.drop_view(v::regclass) FROM unnest(ARRAY['join_statements_bag', 'join_statements_grp',
  'join_statements_glob', 'join_statements_dist', 'join_statements_df', 'join_statements_dg', 'join_statements_dglob']) AS v;
DROP TABLE join_statements_child, join_statements_parent, join_statements_fact, join_statements_dim;
DROP FUNCTION join_statements_parent_trg(), join_statements_child_trg();
SELECT count(*) AS leftover_views FROM stepping.views WHERE name::text LIKE 'join\_statements%';
