-- TRUNCATE inside a step that changes other tables too: a view recomputed
-- because an input was truncated must not recompute the views over it
-- before their other inputs have applied the step's deltas.  Each
-- dependent recomputes in its own turn, after all its inputs.
SET client_min_messages = warning;
CREATE SCHEMA truncate_steps;
SET search_path = truncate_steps, public;

CREATE FUNCTION ts_bad() RETURNS TABLE (view_name text, mismatches bigint)
LANGUAGE sql AS $$
  SELECT v.name::text, (SELECT count(*) FROM stepping.check_view(v.name))
    FROM stepping.views v JOIN pg_class c ON c.oid = v.name
   WHERE c.relnamespace = 'truncate_steps'::regnamespace
     AND c.relname NOT LIKE '%\_\_sub%'
   ORDER BY 1 $$;

CREATE TABLE a (id int, k int);
CREATE TABLE c (id int, k int);
CREATE TABLE d (id int PRIMARY KEY, k int);
INSERT INTO a VALUES (1, 10), (2, 20);
INSERT INTO c VALUES (5, 10);
INSERT INTO d VALUES (7, 10), (8, 20);
SELECT stepping.create_view('v1', 'SELECT id, k FROM a');
SELECT stepping.create_view('v4', 'SELECT id, k FROM c');
-- v2: a join of two views, one over a, one over c
SELECT stepping.create_view('v2', 'SELECT v1.id, v4.id AS cid FROM v1 JOIN v4 ON v1.k = v4.k');
-- v3 over v1; v5 over v1 and v3 (a diamond), and c's view
SELECT stepping.create_view('v3', 'SELECT k, count(*) AS n FROM v1 GROUP BY k');
SELECT stepping.create_view('v5', $$SELECT v1.id, v3.n, v4.id AS cid
  FROM v1 JOIN v3 ON v3.k = v1.k JOIN v4 ON v4.k = v1.k$$);
-- a chain of three: v1 -> v6 -> v7, v7 also reads v4
SELECT stepping.create_view('v6', 'SELECT DISTINCT k FROM v1');
SELECT stepping.create_view('v7', 'SELECT v6.k, count(*) AS n FROM v6 JOIN v4 ON v4.k = v6.k GROUP BY v6.k');
-- a view over a refreshed view and a base table changed in the same step
SELECT stepping.create_view('v8', 'SELECT v1.id, c.id AS cid FROM v1 JOIN c ON c.k = v1.k');
SELECT stepping.create_view('v9', 'SELECT v3.k, v3.n, d.id AS did FROM v3 JOIN d ON d.k = v3.k');

-- a user's AFTER TRUNCATE trigger that fires before stepping's (names sort
-- first) writes a and c: one step holds a's TRUNCATE and both inserts
CREATE FUNCTION ts_refill() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO a VALUES (3, 10), (4, 30);
    INSERT INTO c VALUES (6, 10), (9, 30);
    UPDATE d SET k = 30 WHERE id = 8;
    RETURN NULL;
END $$;
CREATE TRIGGER a_refill AFTER TRUNCATE ON a FOR EACH STATEMENT EXECUTE FUNCTION ts_refill();
TRUNCATE a;
SELECT id, cid FROM v2 ORDER BY id, cid;
SELECT id, n, cid FROM v5 ORDER BY id, cid;
SELECT k, n FROM v7 ORDER BY k;
SELECT * FROM ts_bad();

-- the same inside a transaction, with a savepoint rolled back
BEGIN;
INSERT INTO c VALUES (10, 30);
SAVEPOINT s;
TRUNCATE a;
ROLLBACK TO SAVEPOINT s;
TRUNCATE a;
COMMIT;
SELECT * FROM ts_bad();

-- two tables in one statement; the trigger on a writes both again
TRUNCATE a, c;
SELECT id, cid FROM v2 ORDER BY id, cid;
SELECT * FROM ts_bad();
DROP TRIGGER a_refill ON a;
TRUNCATE a, c;
SELECT count(*) FROM v2;
SELECT * FROM ts_bad();

-- TRUNCATE ... CASCADE: the FK child goes too, its views are recomputed
CREATE TABLE par (id int PRIMARY KEY, k int);
CREATE TABLE chi (id int PRIMARY KEY, pid int REFERENCES par, k int);
INSERT INTO par VALUES (1, 10), (2, 20);
INSERT INTO chi VALUES (1, 1, 10), (2, 2, 20);
INSERT INTO a VALUES (1, 10);
INSERT INTO c VALUES (1, 10);
SELECT stepping.create_view('vp', 'SELECT id, k FROM par');
SELECT stepping.create_view('vc', 'SELECT id, pid, k FROM chi');
SELECT stepping.create_view('vpc', $$SELECT vp.id, count(vc.id) AS n
  FROM vp LEFT JOIN vc ON vc.pid = vp.id GROUP BY vp.id$$);
SELECT stepping.create_view('vpa', 'SELECT vp.id, v1.id AS aid FROM vp JOIN v1 ON v1.k = vp.k');
CREATE FUNCTION ts_refill2() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO par VALUES (3, 10);
    INSERT INTO chi VALUES (3, 3, 10), (4, 3, 10);
    INSERT INTO a VALUES (2, 10);
    RETURN NULL;
END $$;
CREATE TRIGGER a_refill2 AFTER TRUNCATE ON chi FOR EACH STATEMENT EXECUTE FUNCTION ts_refill2();
TRUNCATE par CASCADE;
SELECT id, n FROM vpc ORDER BY id;
SELECT id, aid FROM vpa ORDER BY id, aid;
SELECT * FROM ts_bad();

-- refresh_view of a view with dependents in a diamond: every view
-- downstream is recomputed once its inputs are
INSERT INTO a VALUES (5, 20), (6, 10);
INSERT INTO c VALUES (7, 20);
-- (stepping refuses to disable the guard trigger while its DDL event trigger is on)
ALTER EVENT TRIGGER stepping_ddl_start DISABLE;
ALTER TABLE v1 DISABLE TRIGGER ALL;
DELETE FROM v1 WHERE id = 5;		-- v1 is now stale, and so are v2, v3, ...
ALTER TABLE v1 ENABLE TRIGGER ALL;
ALTER EVENT TRIGGER stepping_ddl_start ENABLE ALWAYS;
SELECT view_name FROM ts_bad() WHERE mismatches > 0;
SELECT stepping.refresh_view('v1');
SELECT * FROM ts_bad();

-- clean up: everything lived in schema truncate_steps
RESET search_path;
DROP SCHEMA truncate_steps CASCADE;
SELECT count(*) AS views_left FROM stepping.views v
 WHERE NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = v.name);
