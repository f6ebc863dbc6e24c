-- Errors during maintenance: they abort the user's statement with an error
-- that names the view (CONTEXT: maintaining stepping view "..."), and leave
-- base tables and result tables consistent: nothing of the failed statement
-- remains, later statements are maintained normally.
-- Errors of single statements' steps: stepping.apply = statement (with the
-- default, 'transaction', they surface where the deltas are applied: see
-- apply_savepoints).
SET stepping.apply = statement;
\set VERBOSITY default
\pset null '(null)'

CREATE TABLE me_t (id int PRIMARY KEY, g int CHECK (g >= 0), x int, d int, s text);
INSERT INTO me_t SELECT i, i % 4, i * 10, 1, 'n' || i FROM generate_series(1, 20) i;
CREATE TABLE me_dim (g int PRIMARY KEY, label text);
INSERT INTO me_dim VALUES (0, 'zero'), (1, 'one'), (2, 'two'), (3, 'three');

-- a test-only function: slow, and cancels its own query on request
CREATE FUNCTION me_slow(v int) RETURNS int
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF v = -1 THEN
        PERFORM pg_cancel_backend(pg_backend_pid());
        PERFORM pg_sleep(5);
    ELSIF v < -1 THEN
        PERFORM pg_sleep(0.02);
    END IF;
    RETURN v;
END
$$;

SELECT stepping.create_view('me_grp', 'SELECT g, count(*) AS n, sum(x / d) AS q FROM me_t GROUP BY g');
SELECT stepping.create_view('me_bag', 'SELECT id, x * 2 AS x2, 1000 / d AS inv, s::int AS si FROM me_t WHERE s ~ ''^[0-9]+$'' OR id > 100');
SELECT stepping.create_view('me_all', 'SELECT count(*) AS n, sum(x) AS total FROM me_t');
SELECT stepping.create_view('me_join', 'SELECT d.label, count(*) AS n, sum(t.x) AS sx FROM me_t t JOIN me_dim d ON d.g = t.g GROUP BY d.label');
SELECT stepping.create_view('me_slowv', 'SELECT id, me_slow(x) AS sx FROM me_t');

-- the state every view must keep through the failures below
CREATE FUNCTION me_consistent() RETURNS TABLE (base_rows bigint, total bigint, views bigint, all_views_exact bool)
LANGUAGE sql AS $$
    SELECT (SELECT count(*) FROM me_t), (SELECT sum(x) FROM me_t),
           (SELECT count(*) FROM stepping.catalog WHERE 'me_t'::regclass = ANY (base_tables)),
           NOT EXISTS (SELECT FROM stepping.catalog c, stepping.check_view(c.view_rel)
                        WHERE 'me_t'::regclass = ANY (c.base_tables))
$$;
SELECT * FROM me_consistent();

-- 1. a CHECK constraint of the base table fails: nothing reaches maintenance
INSERT INTO me_t VALUES (21, 1, 5, 1, 'x'), (22, -1, 5, 1, 'y');
UPDATE me_t SET g = g - 1;
SELECT * FROM me_consistent();

-- 2. division by zero in a view expression, on new data
INSERT INTO me_t VALUES (21, 1, 5, 0, 'x');
UPDATE me_t SET d = 0 WHERE id = 3;
-- (a bag view's expression, with the grouped view dropped out of the way)
BEGIN;
SELECT stepping.drop_view('me_grp');
INSERT INTO me_t VALUES (21, 1, 5, 0, '21');
ROLLBACK;
-- a failing cast in a view expression
INSERT INTO me_t VALUES (101, 1, 5, 1, 'not a number');
-- an overflow in a view expression
INSERT INTO me_t VALUES (23, 1, 2000000000, 1, '23');
SELECT * FROM me_consistent();

-- 3. inside a transaction: the failed statement is undone with its savepoint,
--    the rest commits, the views follow
BEGIN;
INSERT INTO me_t VALUES (30, 2, 300, 1, '30');
SAVEPOINT a;
UPDATE me_t SET d = 0 WHERE id IN (1, 2);
ROLLBACK TO SAVEPOINT a;
INSERT INTO me_t VALUES (31, 3, 310, 1, '31');
SAVEPOINT b;
DELETE FROM me_t WHERE id = 30;
INSERT INTO me_t VALUES (32, 1, 5, 0, 'boom');
ROLLBACK TO SAVEPOINT b;
COMMIT;
SELECT * FROM me_consistent();
SELECT id FROM me_bag WHERE id >= 30 ORDER BY id;
-- the same caught by PL/pgSQL
DO $$
BEGIN
    INSERT INTO me_t VALUES (33, 0, 330, 1, '33');
    BEGIN
        INSERT INTO me_t VALUES (34, 0, 340, 0, '34');
    EXCEPTION WHEN division_by_zero THEN
        RAISE NOTICE 'caught: %', SQLERRM;
    END;
END $$;
SELECT id FROM me_bag WHERE id >= 30 ORDER BY id;
SELECT * FROM me_consistent();
-- an error after maintenance (a later AFTER STATEMENT trigger of the user)
-- undoes the statement and its maintenance together
CREATE FUNCTION me_fail() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'me_fail: refused after the fact';
END $$;
CREATE TRIGGER zz_me_fail AFTER INSERT ON me_t FOR EACH STATEMENT
    WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION me_fail();
INSERT INTO me_t VALUES (40, 1, 400, 1, '40');
DROP TRIGGER zz_me_fail ON me_t;
-- and a deferred constraint failing at COMMIT
CREATE TABLE me_parent (g int PRIMARY KEY);
INSERT INTO me_parent VALUES (0), (1), (2), (3);
ALTER TABLE me_t ADD CONSTRAINT me_t_g_fk FOREIGN KEY (g) REFERENCES me_parent
    DEFERRABLE INITIALLY DEFERRED;
BEGIN;
INSERT INTO me_t VALUES (41, 3, 410, 1, '41');
UPDATE me_t SET g = 99, x = x + 1 WHERE id = 1;
COMMIT;
ALTER TABLE me_t DROP CONSTRAINT me_t_g_fk;
SELECT * FROM me_consistent();

-- 4. statement_timeout while maintenance runs (the view's function is slow:
--    the INSERT itself is fast, maintenance takes about 40 x 20ms)
SET statement_timeout = '200ms';
INSERT INTO me_t SELECT i, 1, -1000 - i, 1, i::text FROM generate_series(1001, 1040) i;
RESET statement_timeout;
SELECT * FROM me_consistent();
-- within a transaction, rolled back to a savepoint
BEGIN;
INSERT INTO me_t VALUES (50, 2, 500, 1, '50');
SAVEPOINT s;
SET LOCAL statement_timeout = '200ms';
UPDATE me_t SET x = -1000 - id WHERE id <= 40;
ROLLBACK TO SAVEPOINT s;
SET LOCAL statement_timeout = 0;
INSERT INTO me_t VALUES (51, 2, 510, 1, '51');
COMMIT;
SELECT * FROM me_consistent();
-- a big statement under a tiny timeout: wherever the timeout hits (the
-- statement or its maintenance), the outcome is all or nothing
CREATE FUNCTION me_try(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text;
BEGIN
    EXECUTE stmt;
    RETURN 'ok';
EXCEPTION WHEN others OR query_canceled THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE;
    RETURN st;
END $$;
SELECT stepping.drop_view('me_slowv');
SET statement_timeout = '30ms';
SELECT me_try('INSERT INTO me_t SELECT i, i % 4, i, 1, i::text FROM generate_series(10000, 1000000) i') AS big_insert;
RESET statement_timeout;
SELECT all_views_exact FROM me_consistent();
SET statement_timeout = '30ms';
SELECT me_try('INSERT INTO me_t SELECT i, i % 4, i, 1, i::text FROM generate_series(10000, 15000) i') IN ('ok', '57014') AS ok_or_canceled;
RESET statement_timeout;
SELECT all_views_exact FROM me_consistent();
SET statement_timeout = '30ms';
SELECT me_try('UPDATE me_t SET x = x + 1 WHERE id >= 10000') IN ('ok', '57014') AS ok_or_canceled;
RESET statement_timeout;
SELECT all_views_exact FROM me_consistent();
SET statement_timeout = '30ms';
SELECT me_try('DELETE FROM me_t WHERE id >= 10000 AND id % 2 = 0') IN ('ok', '57014') AS ok_or_canceled;
RESET statement_timeout;
SELECT all_views_exact FROM me_consistent();
SET statement_timeout = '30ms';
SELECT me_try('UPDATE me_t SET g = (g + 1) % 4 WHERE id >= 10000') IN ('ok', '57014') AS ok_or_canceled;
RESET statement_timeout;
SELECT all_views_exact FROM me_consistent();
SET statement_timeout = '20ms';
SELECT me_try('INSERT INTO me_t SELECT i, i % 4, i, 1, i::text FROM generate_series(20000, 22000) i') IN ('ok', '57014') AS ok_or_canceled;
RESET statement_timeout;
SELECT all_views_exact FROM me_consistent();
SET statement_timeout = '20ms';
SELECT me_try('UPDATE me_t SET x = x + 1 WHERE id >= 10000') IN ('ok', '57014') AS ok_or_canceled;
RESET statement_timeout;
SELECT all_views_exact FROM me_consistent();
SET statement_timeout = '20ms';
SELECT me_try('DELETE FROM me_t WHERE id >= 10000 AND id % 3 = 0') IN ('ok', '57014') AS ok_or_canceled;
RESET statement_timeout;
SELECT all_views_exact FROM me_consistent();
DELETE FROM me_t WHERE id >= 10000;
SELECT * FROM me_consistent();
SELECT stepping.create_view('me_slowv', 'SELECT id, me_slow(x) AS sx FROM me_t');

-- 5. a query canceled while maintenance runs (the view's function cancels
--    its own backend, as pg_cancel_backend from another session would)
INSERT INTO me_t VALUES (60, 1, -1, 1, '60');
BEGIN;
INSERT INTO me_t VALUES (61, 1, 610, 1, '61');
SAVEPOINT c;
UPDATE me_t SET x = -1 WHERE id = 61;
ROLLBACK TO SAVEPOINT c;
UPDATE me_t SET x = 611 WHERE id = 61;
COMMIT;
SELECT * FROM me_consistent();
SELECT id, sx FROM me_slowv WHERE id BETWEEN 60 AND 99 ORDER BY id;

-- after all this, ordinary changes are maintained
INSERT INTO me_t SELECT i, i % 4, i, 1, i::text FROM generate_series(200, 260) i;
UPDATE me_t SET g = (g + 1) % 4 WHERE id % 3 = 0;
DELETE FROM me_t WHERE id % 5 = 0;
SELECT * FROM me_consistent();
SELECT g, n, q FROM me_grp ORDER BY g;
SELECT n, total FROM me_all;

DROP TABLE me_t CASCADE;
DROP TABLE me_dim, me_parent;
DROP FUNCTION me_slow(int);
DROP FUNCTION me_fail();
DROP FUNCTION me_try(text);
DROP FUNCTION me_consistent();
SELECT count(*) AS views_left FROM stepping.catalog WHERE view_rel::text LIKE 'me\_%';
