-- Savepoints, PL/pgSQL exception blocks, two-phase commit and errors while
-- applying, under both settings of stepping.apply.  Under 'transaction' a
-- statement's changes wait until a read, a stepping function, a utility
-- statement, COMMIT or PREPARE TRANSACTION applies them; ROLLBACK TO
-- SAVEPOINT and a caught error discard exactly the changes made since the
-- savepoint or block began, also when a read inside it had applied earlier
-- changes (they wait again).  The same block runs twice, once per setting:
-- every read must print the same rows in both runs; only where an error
-- surfaces differs ('statement': at the INSERT; 'transaction': at the read,
-- COMMIT or PREPARE TRANSACTION that applies it, which then rolls back).
\pset null '(null)'

CREATE TABLE aps_t (id int PRIMARY KEY, g int, x int);
CREATE INDEX ON aps_t (g);
CREATE TABLE aps_d (g int PRIMARY KEY, label text);
INSERT INTO aps_d SELECT i, 'g' || i FROM generate_series(0, 20) i;
-- a view whose expression fails for x = 7 (division by zero)
CREATE TABLE aps_et (id int PRIMARY KEY, g int, x int);
SELECT stepping.create_view('aps_g', 'SELECT g, count(*) AS n, sum(x) AS s FROM aps_t GROUP BY g');
SELECT stepping.create_view('aps_b', 'SELECT g, x FROM aps_t');
SELECT stepping.create_view('aps_j', 'SELECT d.label, count(*) AS n, sum(t.x) AS s FROM aps_t t JOIN aps_d d ON d.g = t.g GROUP BY d.label');
SELECT stepping.create_view('aps_e', 'SELECT g, count(*) AS n, sum(100 / (x - 7)) AS q FROM aps_et GROUP BY g');

CREATE PROCEDURE aps_proc() LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO aps_et VALUES (10, 5, 8);
    COMMIT;
    INSERT INTO aps_et VALUES (11, 5, 7);
    INSERT INTO aps_et VALUES (12, 5, 9);
    COMMIT;
    INSERT INTO aps_et VALUES (13, 5, 10);
END
$$;

-- differences between each view and its query (0 = exact)
CREATE VIEW aps_diff AS
SELECT 'aps_g' AS view, count(*) AS diff FROM (
    (SELECT g, n, s FROM aps_g EXCEPT ALL SELECT g, count(*), sum(x) FROM aps_t GROUP BY g)
    UNION ALL
    (SELECT g, count(*), sum(x) FROM aps_t GROUP BY g EXCEPT ALL SELECT g, n, s FROM aps_g)) d
UNION ALL
SELECT 'aps_b', count(*) FROM (
    (SELECT g, x FROM aps_b EXCEPT ALL SELECT g, x FROM aps_t)
    UNION ALL
    (SELECT g, x FROM aps_t EXCEPT ALL SELECT g, x FROM aps_b)) d
UNION ALL
SELECT 'aps_j', count(*) FROM (
    (SELECT label, n, s FROM aps_j
     EXCEPT ALL SELECT d.label, count(*), sum(t.x) FROM aps_t t JOIN aps_d d ON d.g = t.g GROUP BY d.label)
    UNION ALL
    (SELECT d.label, count(*), sum(t.x) FROM aps_t t JOIN aps_d d ON d.g = t.g GROUP BY d.label
     EXCEPT ALL SELECT label, n, s FROM aps_j)) d
UNION ALL
SELECT 'aps_e', count(*) FROM (
    (SELECT g, n, q FROM aps_e EXCEPT ALL SELECT g, count(*), sum(100 / (x - 7)) FROM aps_et GROUP BY g)
    UNION ALL
    (SELECT g, count(*), sum(100 / (x - 7)) FROM aps_et GROUP BY g EXCEPT ALL SELECT g, n, q FROM aps_e)) d;

--
-- run 1: stepping.apply = 'transaction'
--
SET stepping.apply = 'transaction';
SHOW stepping.apply;

DELETE FROM aps_t;
DELETE FROM aps_et;
INSERT INTO aps_t VALUES (1, 1, 10), (2, 2, 20);
INSERT INTO aps_et VALUES (1, 1, 8);

-- ROLLBACK TO SAVEPOINT discards exactly the changes since the savepoint;
-- RELEASE keeps them
BEGIN;
INSERT INTO aps_t VALUES (3, 1, 30);
UPDATE aps_t SET x = x + 1 WHERE id = 2;
SAVEPOINT a;
INSERT INTO aps_t VALUES (4, 3, 40);
DELETE FROM aps_t WHERE id = 1;
UPDATE aps_t SET g = 2 WHERE id = 3;
ROLLBACK TO SAVEPOINT a;
SELECT g, n, s FROM aps_g ORDER BY g;
SAVEPOINT b;
INSERT INTO aps_t VALUES (5, 2, 50);
RELEASE SAVEPOINT b;
SELECT g, x FROM aps_b ORDER BY g, x;
SELECT * FROM aps_diff;
COMMIT;
SELECT g, n, s FROM aps_g ORDER BY g;
SELECT * FROM aps_diff;

-- nested savepoints, no read until after the last ROLLBACK TO
BEGIN;
SAVEPOINT a;
INSERT INTO aps_t VALUES (6, 6, 60);
SAVEPOINT b;
INSERT INTO aps_t VALUES (7, 7, 70);
RELEASE SAVEPOINT b;
SAVEPOINT c;
DELETE FROM aps_t WHERE id = 6;
ROLLBACK TO SAVEPOINT c;
SAVEPOINT d;
INSERT INTO aps_t VALUES (8, 8, 80);
SAVEPOINT e;
UPDATE aps_t SET x = x * 2 WHERE id IN (6, 7, 8);
ROLLBACK TO SAVEPOINT d;
SELECT g, n, s FROM aps_g WHERE g >= 6 ORDER BY g;
ROLLBACK TO SAVEPOINT a;
SELECT g, n, s FROM aps_g WHERE g >= 6 ORDER BY g;
INSERT INTO aps_t VALUES (9, 9, 90);
COMMIT;
SELECT g, n, s FROM aps_g WHERE g >= 6 ORDER BY g;
SELECT * FROM aps_diff;

-- a read inside a savepoint applies the changes made before it too; ROLLBACK
-- TO undoes those writes, and the earlier changes must wait again
BEGIN;
INSERT INTO aps_t VALUES (10, 1, 100);
UPDATE aps_t SET x = x + 5 WHERE id = 2;
SAVEPOINT a;
INSERT INTO aps_t VALUES (11, 4, 110);
SELECT g, n, s FROM aps_g ORDER BY g;
ROLLBACK TO SAVEPOINT a;
SELECT g, n, s FROM aps_g ORDER BY g;
SELECT label, n, s FROM aps_j ORDER BY label;
SELECT * FROM aps_diff;
COMMIT;
SELECT * FROM aps_diff;
-- the same, and COMMIT with no read after the ROLLBACK TO
BEGIN;
INSERT INTO aps_t VALUES (12, 5, 120);
DELETE FROM aps_t WHERE id = 10;
SAVEPOINT a;
SELECT n, s FROM aps_g WHERE g = 5;
INSERT INTO aps_t VALUES (13, 5, 130);
SELECT n, s FROM aps_g WHERE g = 5;
ROLLBACK TO SAVEPOINT a;
COMMIT;
SELECT g, n, s FROM aps_g ORDER BY g;
SELECT * FROM aps_diff;
-- reads at several levels
BEGIN;
INSERT INTO aps_t VALUES (14, 6, 1);
SAVEPOINT a;
INSERT INTO aps_t VALUES (15, 6, 2);
SAVEPOINT b;
INSERT INTO aps_t VALUES (16, 6, 4);
SELECT n, s FROM aps_g WHERE g = 6;
ROLLBACK TO SAVEPOINT b;
SELECT n, s FROM aps_g WHERE g = 6;
INSERT INTO aps_t VALUES (17, 6, 8);
RELEASE SAVEPOINT a;
SELECT n, s FROM aps_g WHERE g = 6;
SAVEPOINT c;
DELETE FROM aps_t WHERE g = 6;
SELECT n, s FROM aps_g WHERE g = 6;
SAVEPOINT d;
INSERT INTO aps_t VALUES (18, 6, 16);
ROLLBACK TO SAVEPOINT c;
SELECT n, s FROM aps_g WHERE g = 6;
SELECT label, n, s FROM aps_j WHERE label = 'g6';
COMMIT;
SELECT g, n, s FROM aps_g WHERE g = 6;
SELECT * FROM aps_diff;
-- a read, then ROLLBACK of the whole transaction
BEGIN;
INSERT INTO aps_t VALUES (19, 1, 1000);
SELECT n, s FROM aps_g WHERE g = 1;
ROLLBACK;
SELECT g, n, s FROM aps_g ORDER BY g;
SELECT * FROM aps_diff;
-- ROLLBACK with changes pending (no read): they are gone, also for the next
-- transaction; the same after a failed statement
BEGIN;
INSERT INTO aps_t VALUES (22, 1, 2000);
DELETE FROM aps_t WHERE g = 2;
ROLLBACK;
BEGIN;
INSERT INTO aps_t VALUES (23, 3, 1);
SELECT g, n, s FROM aps_g ORDER BY g;
ROLLBACK;
BEGIN;
INSERT INTO aps_t VALUES (24, 1, 3000);
INSERT INTO aps_t VALUES (1, 1, 1);
ROLLBACK;
SELECT g, n, s FROM aps_g ORDER BY g;
SELECT * FROM aps_diff;
-- COMMIT AND CHAIN applies and commits; the chained transaction is rolled back
BEGIN;
INSERT INTO aps_t VALUES (20, 7, 7);
COMMIT AND CHAIN;
INSERT INTO aps_t VALUES (21, 7, 7);
SELECT n, s FROM aps_g WHERE g = 7;
ROLLBACK;
SELECT g, n, s FROM aps_g WHERE g = 7;

-- PL/pgSQL: a loop of exception blocks, some iterations failing (RAISE, or a
-- duplicate key), no reads inside: iterations 1, 2, 5, 7, 10, 11 count
DO $$
BEGIN
    FOR i IN 1..12 LOOP
        BEGIN
            INSERT INTO aps_t VALUES (100 + i, 8, i);
            IF i % 4 = 0 THEN
                INSERT INTO aps_t VALUES (100 + i, 8, 0);
            END IF;
            IF i % 3 = 0 THEN
                RAISE EXCEPTION 'iteration % fails', i;
            END IF;
        EXCEPTION WHEN unique_violation OR raise_exception THEN
            NULL;
        END;
    END LOOP;
END
$$;
SELECT g, n, s FROM aps_g WHERE g = 8;
-- the same with a read in every iteration, before it fails or not
DO $$
DECLARE
    kept int := 0;
    kept_sum int := 0;
    got_n bigint;
    got_s bigint;
    wrong int := 0;
BEGIN
    FOR i IN 1..12 LOOP
        BEGIN
            INSERT INTO aps_t VALUES (200 + i, 14, i);
            SELECT n, s INTO got_n, got_s FROM aps_g WHERE g = 14;
            IF got_n IS DISTINCT FROM kept + 1 OR got_s IS DISTINCT FROM kept_sum + i THEN
                wrong := wrong + 1;
            END IF;
            IF i % 3 = 0 THEN
                RAISE EXCEPTION 'iteration % fails', i;
            END IF;
            kept := kept + 1;
            kept_sum := kept_sum + i;
        EXCEPTION WHEN raise_exception THEN
            NULL;
        END;
    END LOOP;
    SELECT n, s INTO got_n, got_s FROM aps_g WHERE g = 14;
    RAISE NOTICE 'kept % rows (sum %), the view has % (sum %), wrong reads inside: %',
        kept, kept_sum, got_n, got_s, wrong;
END
$$;
SELECT g, n, s FROM aps_g WHERE g = 14;
-- nested blocks, a read in the inner one, changes pending from before both
DO $$
DECLARE
    got bigint;
    wrong int := 0;
BEGIN
    INSERT INTO aps_t VALUES (300, 10, 1);
    BEGIN
        INSERT INTO aps_t VALUES (301, 10, 2);
        BEGIN
            INSERT INTO aps_t VALUES (302, 10, 4);
            SELECT s INTO got FROM aps_g WHERE g = 10;
            IF got IS DISTINCT FROM 7 THEN wrong := wrong + 1; END IF;
            RAISE EXCEPTION 'inner';
        EXCEPTION WHEN raise_exception THEN
            NULL;
        END;
        SELECT s INTO got FROM aps_g WHERE g = 10;
        IF got IS DISTINCT FROM 3 THEN wrong := wrong + 1; END IF;
        INSERT INTO aps_t VALUES (303, 10, 8);
        RAISE EXCEPTION 'outer';
    EXCEPTION WHEN raise_exception THEN
        NULL;
    END;
    SELECT s INTO got FROM aps_g WHERE g = 10;
    IF got IS DISTINCT FROM 1 THEN wrong := wrong + 1; END IF;
    RAISE NOTICE 'wrong reads: %', wrong;
END
$$;
SELECT g, n, s FROM aps_g WHERE g = 10;
-- a read in a failing block, and no read after it until COMMIT
BEGIN;
DO $$
BEGIN
    INSERT INTO aps_t VALUES (304, 11, 1);
    BEGIN
        INSERT INTO aps_t VALUES (305, 11, 2);
        PERFORM FROM aps_g WHERE g = 11;
        RAISE EXCEPTION 'undo 305';
    EXCEPTION WHEN raise_exception THEN
        NULL;
    END;
END
$$;
COMMIT;
SELECT g, n, s FROM aps_g WHERE g = 11;
SELECT * FROM aps_diff;

-- an error while applying, inside a savepoint, with a good change pending
-- from before it: 'statement' fails at the INSERT, 'transaction' at the read
BEGIN;
INSERT INTO aps_et VALUES (2, 1, 9);
SAVEPOINT a;
INSERT INTO aps_et VALUES (3, 1, 7);
SELECT g, n, q FROM aps_e ORDER BY g;
ROLLBACK TO SAVEPOINT a;
SELECT g, n, q FROM aps_e ORDER BY g;
COMMIT;
SELECT g, n, q FROM aps_e ORDER BY g;
SELECT * FROM aps_diff;
-- the same caught by a PL/pgSQL block: the error names the view
DO $$
DECLARE
    ctx text;
BEGIN
    INSERT INTO aps_et VALUES (4, 2, 8);
    BEGIN
        INSERT INTO aps_et VALUES (5, 2, 7);
        PERFORM FROM aps_e;
        RAISE NOTICE 'not reached';
    EXCEPTION WHEN division_by_zero THEN
        GET STACKED DIAGNOSTICS ctx = PG_EXCEPTION_CONTEXT;
        RAISE NOTICE 'division_by_zero caught; its CONTEXT names the view: %',
            ctx LIKE '%maintaining stepping view "public.aps_e"%';
    END;
END
$$;
SELECT g, n, q FROM aps_e ORDER BY g;
-- an error at COMMIT ('transaction'): COMMIT reports it and rolls back
BEGIN;
INSERT INTO aps_et VALUES (6, 3, 9);
INSERT INTO aps_et VALUES (7, 3, 7);
INSERT INTO aps_et VALUES (8, 3, 10);
COMMIT;
SELECT count(*) AS rows_kept FROM aps_et WHERE id IN (6, 7, 8);
SELECT g, n, q FROM aps_e ORDER BY g;
SELECT * FROM aps_diff;
-- an error at a COMMIT inside a procedure: what the procedure committed
-- before stays, the rest is rolled back
CALL aps_proc();
SELECT id, x FROM aps_et WHERE id >= 10 ORDER BY id;
SELECT g, n, q FROM aps_e ORDER BY g;
-- an error at PREPARE TRANSACTION: nothing is prepared
BEGIN;
INSERT INTO aps_et VALUES (9, 4, 7);
PREPARE TRANSACTION 'aps_bad';
SELECT count(*) AS prepared FROM pg_prepared_xacts WHERE gid = 'aps_bad';
SELECT count(*) AS rows_kept FROM aps_et WHERE id = 9;

-- PREPARE TRANSACTION with pending changes, COMMIT PREPARED
BEGIN;
INSERT INTO aps_t VALUES (400, 12, 1);
INSERT INTO aps_t VALUES (401, 12, 2);
SAVEPOINT a;
INSERT INTO aps_t VALUES (402, 12, 4);
ROLLBACK TO SAVEPOINT a;
UPDATE aps_t SET x = x + 10 WHERE id = 2;
PREPARE TRANSACTION 'aps_p1';
SELECT g, n, s FROM aps_g WHERE g IN (2, 12) ORDER BY g;
COMMIT PREPARED 'aps_p1';
SELECT g, n, s FROM aps_g WHERE g IN (2, 12) ORDER BY g;
SELECT * FROM aps_diff;
-- ROLLBACK PREPARED, with a read before PREPARE
BEGIN;
DELETE FROM aps_t WHERE g = 12;
INSERT INTO aps_t VALUES (403, 13, 1);
SELECT n, s FROM aps_g WHERE g = 13;
INSERT INTO aps_t VALUES (404, 13, 2);
PREPARE TRANSACTION 'aps_p2';
ROLLBACK PREPARED 'aps_p2';
SELECT g, n, s FROM aps_g WHERE g IN (12, 13) ORDER BY g;
SELECT * FROM aps_diff;
-- a read inside a savepoint rolled back before PREPARE
BEGIN;
INSERT INTO aps_t VALUES (405, 13, 5);
SAVEPOINT a;
INSERT INTO aps_t VALUES (406, 13, 6);
SELECT n, s FROM aps_g WHERE g = 13;
ROLLBACK TO SAVEPOINT a;
PREPARE TRANSACTION 'aps_p3';
COMMIT PREPARED 'aps_p3';
SELECT g, n, s FROM aps_g WHERE g = 13;
SELECT * FROM aps_diff;
SELECT count(*) AS prepared_left FROM pg_prepared_xacts WHERE gid LIKE 'aps%';

--
-- run 2: the same block under stepping.apply = 'statement'
--
SET stepping.apply = 'statement';
SHOW stepping.apply;

DELETE FROM aps_t;
DELETE FROM aps_et;
INSERT INTO aps_t VALUES (1, 1, 10), (2, 2, 20);
INSERT INTO aps_et VALUES (1, 1, 8);

-- ROLLBACK TO SAVEPOINT discards exactly the changes since the savepoint;
-- RELEASE keeps them
BEGIN;
INSERT INTO aps_t VALUES (3, 1, 30);
UPDATE aps_t SET x = x + 1 WHERE id = 2;
SAVEPOINT a;
INSERT INTO aps_t VALUES (4, 3, 40);
DELETE FROM aps_t WHERE id = 1;
UPDATE aps_t SET g = 2 WHERE id = 3;
ROLLBACK TO SAVEPOINT a;
SELECT g, n, s FROM aps_g ORDER BY g;
SAVEPOINT b;
INSERT INTO aps_t VALUES (5, 2, 50);
RELEASE SAVEPOINT b;
SELECT g, x FROM aps_b ORDER BY g, x;
SELECT * FROM aps_diff;
COMMIT;
SELECT g, n, s FROM aps_g ORDER BY g;
SELECT * FROM aps_diff;

-- nested savepoints, no read until after the last ROLLBACK TO
BEGIN;
SAVEPOINT a;
INSERT INTO aps_t VALUES (6, 6, 60);
SAVEPOINT b;
INSERT INTO aps_t VALUES (7, 7, 70);
RELEASE SAVEPOINT b;
SAVEPOINT c;
DELETE FROM aps_t WHERE id = 6;
ROLLBACK TO SAVEPOINT c;
SAVEPOINT d;
INSERT INTO aps_t VALUES (8, 8, 80);
SAVEPOINT e;
UPDATE aps_t SET x = x * 2 WHERE id IN (6, 7, 8);
ROLLBACK TO SAVEPOINT d;
SELECT g, n, s FROM aps_g WHERE g >= 6 ORDER BY g;
ROLLBACK TO SAVEPOINT a;
SELECT g, n, s FROM aps_g WHERE g >= 6 ORDER BY g;
INSERT INTO aps_t VALUES (9, 9, 90);
COMMIT;
SELECT g, n, s FROM aps_g WHERE g >= 6 ORDER BY g;
SELECT * FROM aps_diff;

-- a read inside a savepoint applies the changes made before it too; ROLLBACK
-- TO undoes those writes, and the earlier changes must wait again
BEGIN;
INSERT INTO aps_t VALUES (10, 1, 100);
UPDATE aps_t SET x = x + 5 WHERE id = 2;
SAVEPOINT a;
INSERT INTO aps_t VALUES (11, 4, 110);
SELECT g, n, s FROM aps_g ORDER BY g;
ROLLBACK TO SAVEPOINT a;
SELECT g, n, s FROM aps_g ORDER BY g;
SELECT label, n, s FROM aps_j ORDER BY label;
SELECT * FROM aps_diff;
COMMIT;
SELECT * FROM aps_diff;
-- the same, and COMMIT with no read after the ROLLBACK TO
BEGIN;
INSERT INTO aps_t VALUES (12, 5, 120);
DELETE FROM aps_t WHERE id = 10;
SAVEPOINT a;
SELECT n, s FROM aps_g WHERE g = 5;
INSERT INTO aps_t VALUES (13, 5, 130);
SELECT n, s FROM aps_g WHERE g = 5;
ROLLBACK TO SAVEPOINT a;
COMMIT;
SELECT g, n, s FROM aps_g ORDER BY g;
SELECT * FROM aps_diff;
-- reads at several levels
BEGIN;
INSERT INTO aps_t VALUES (14, 6, 1);
SAVEPOINT a;
INSERT INTO aps_t VALUES (15, 6, 2);
SAVEPOINT b;
INSERT INTO aps_t VALUES (16, 6, 4);
SELECT n, s FROM aps_g WHERE g = 6;
ROLLBACK TO SAVEPOINT b;
SELECT n, s FROM aps_g WHERE g = 6;
INSERT INTO aps_t VALUES (17, 6, 8);
RELEASE SAVEPOINT a;
SELECT n, s FROM aps_g WHERE g = 6;
SAVEPOINT c;
DELETE FROM aps_t WHERE g = 6;
SELECT n, s FROM aps_g WHERE g = 6;
SAVEPOINT d;
INSERT INTO aps_t VALUES (18, 6, 16);
ROLLBACK TO SAVEPOINT c;
SELECT n, s FROM aps_g WHERE g = 6;
SELECT label, n, s FROM aps_j WHERE label = 'g6';
COMMIT;
SELECT g, n, s FROM aps_g WHERE g = 6;
SELECT * FROM aps_diff;
-- a read, then ROLLBACK of the whole transaction
BEGIN;
INSERT INTO aps_t VALUES (19, 1, 1000);
SELECT n, s FROM aps_g WHERE g = 1;
ROLLBACK;
SELECT g, n, s FROM aps_g ORDER BY g;
SELECT * FROM aps_diff;
-- ROLLBACK with changes pending (no read): they are gone, also for the next
-- transaction; the same after a failed statement
BEGIN;
INSERT INTO aps_t VALUES (22, 1, 2000);
DELETE FROM aps_t WHERE g = 2;
ROLLBACK;
BEGIN;
INSERT INTO aps_t VALUES (23, 3, 1);
SELECT g, n, s FROM aps_g ORDER BY g;
ROLLBACK;
BEGIN;
INSERT INTO aps_t VALUES (24, 1, 3000);
INSERT INTO aps_t VALUES (1, 1, 1);
ROLLBACK;
SELECT g, n, s FROM aps_g ORDER BY g;
SELECT * FROM aps_diff;
-- COMMIT AND CHAIN applies and commits; the chained transaction is rolled back
BEGIN;
INSERT INTO aps_t VALUES (20, 7, 7);
COMMIT AND CHAIN;
INSERT INTO aps_t VALUES (21, 7, 7);
SELECT n, s FROM aps_g WHERE g = 7;
ROLLBACK;
SELECT g, n, s FROM aps_g WHERE g = 7;

-- PL/pgSQL: a loop of exception blocks, some iterations failing (RAISE, or a
-- duplicate key), no reads inside: iterations 1, 2, 5, 7, 10, 11 count
DO $$
BEGIN
    FOR i IN 1..12 LOOP
        BEGIN
            INSERT INTO aps_t VALUES (100 + i, 8, i);
            IF i % 4 = 0 THEN
                INSERT INTO aps_t VALUES (100 + i, 8, 0);
            END IF;
            IF i % 3 = 0 THEN
                RAISE EXCEPTION 'iteration % fails', i;
            END IF;
        EXCEPTION WHEN unique_violation OR raise_exception THEN
            NULL;
        END;
    END LOOP;
END
$$;
SELECT g, n, s FROM aps_g WHERE g = 8;
-- the same with a read in every iteration, before it fails or not
DO $$
DECLARE
    kept int := 0;
    kept_sum int := 0;
    got_n bigint;
    got_s bigint;
    wrong int := 0;
BEGIN
    FOR i IN 1..12 LOOP
        BEGIN
            INSERT INTO aps_t VALUES (200 + i, 14, i);
            SELECT n, s INTO got_n, got_s FROM aps_g WHERE g = 14;
            IF got_n IS DISTINCT FROM kept + 1 OR got_s IS DISTINCT FROM kept_sum + i THEN
                wrong := wrong + 1;
            END IF;
            IF i % 3 = 0 THEN
                RAISE EXCEPTION 'iteration % fails', i;
            END IF;
            kept := kept + 1;
            kept_sum := kept_sum + i;
        EXCEPTION WHEN raise_exception THEN
            NULL;
        END;
    END LOOP;
    SELECT n, s INTO got_n, got_s FROM aps_g WHERE g = 14;
    RAISE NOTICE 'kept % rows (sum %), the view has % (sum %), wrong reads inside: %',
        kept, kept_sum, got_n, got_s, wrong;
END
$$;
SELECT g, n, s FROM aps_g WHERE g = 14;
-- nested blocks, a read in the inner one, changes pending from before both
DO $$
DECLARE
    got bigint;
    wrong int := 0;
BEGIN
    INSERT INTO aps_t VALUES (300, 10, 1);
    BEGIN
        INSERT INTO aps_t VALUES (301, 10, 2);
        BEGIN
            INSERT INTO aps_t VALUES (302, 10, 4);
            SELECT s INTO got FROM aps_g WHERE g = 10;
            IF got IS DISTINCT FROM 7 THEN wrong := wrong + 1; END IF;
            RAISE EXCEPTION 'inner';
        EXCEPTION WHEN raise_exception THEN
            NULL;
        END;
        SELECT s INTO got FROM aps_g WHERE g = 10;
        IF got IS DISTINCT FROM 3 THEN wrong := wrong + 1; END IF;
        INSERT INTO aps_t VALUES (303, 10, 8);
        RAISE EXCEPTION 'outer';
    EXCEPTION WHEN raise_exception THEN
        NULL;
    END;
    SELECT s INTO got FROM aps_g WHERE g = 10;
    IF got IS DISTINCT FROM 1 THEN wrong := wrong + 1; END IF;
    RAISE NOTICE 'wrong reads: %', wrong;
END
$$;
SELECT g, n, s FROM aps_g WHERE g = 10;
-- a read in a failing block, and no read after it until COMMIT
BEGIN;
DO $$
BEGIN
    INSERT INTO aps_t VALUES (304, 11, 1);
    BEGIN
        INSERT INTO aps_t VALUES (305, 11, 2);
        PERFORM FROM aps_g WHERE g = 11;
        RAISE EXCEPTION 'undo 305';
    EXCEPTION WHEN raise_exception THEN
        NULL;
    END;
END
$$;
COMMIT;
SELECT g, n, s FROM aps_g WHERE g = 11;
SELECT * FROM aps_diff;

-- an error while applying, inside a savepoint, with a good change pending
-- from before it: 'statement' fails at the INSERT, 'transaction' at the read
BEGIN;
INSERT INTO aps_et VALUES (2, 1, 9);
SAVEPOINT a;
INSERT INTO aps_et VALUES (3, 1, 7);
SELECT g, n, q FROM aps_e ORDER BY g;
ROLLBACK TO SAVEPOINT a;
SELECT g, n, q FROM aps_e ORDER BY g;
COMMIT;
SELECT g, n, q FROM aps_e ORDER BY g;
SELECT * FROM aps_diff;
-- the same caught by a PL/pgSQL block: the error names the view
DO $$
DECLARE
    ctx text;
BEGIN
    INSERT INTO aps_et VALUES (4, 2, 8);
    BEGIN
        INSERT INTO aps_et VALUES (5, 2, 7);
        PERFORM FROM aps_e;
        RAISE NOTICE 'not reached';
    EXCEPTION WHEN division_by_zero THEN
        GET STACKED DIAGNOSTICS ctx = PG_EXCEPTION_CONTEXT;
        RAISE NOTICE 'division_by_zero caught; its CONTEXT names the view: %',
            ctx LIKE '%maintaining stepping view "public.aps_e"%';
    END;
END
$$;
SELECT g, n, q FROM aps_e ORDER BY g;
-- an error at COMMIT ('transaction'): COMMIT reports it and rolls back
BEGIN;
INSERT INTO aps_et VALUES (6, 3, 9);
INSERT INTO aps_et VALUES (7, 3, 7);
INSERT INTO aps_et VALUES (8, 3, 10);
COMMIT;
SELECT count(*) AS rows_kept FROM aps_et WHERE id IN (6, 7, 8);
SELECT g, n, q FROM aps_e ORDER BY g;
SELECT * FROM aps_diff;
-- an error at a COMMIT inside a procedure: what the procedure committed
-- before stays, the rest is rolled back
CALL aps_proc();
SELECT id, x FROM aps_et WHERE id >= 10 ORDER BY id;
SELECT g, n, q FROM aps_e ORDER BY g;
-- an error at PREPARE TRANSACTION: nothing is prepared
BEGIN;
INSERT INTO aps_et VALUES (9, 4, 7);
PREPARE TRANSACTION 'aps_bad';
SELECT count(*) AS prepared FROM pg_prepared_xacts WHERE gid = 'aps_bad';
SELECT count(*) AS rows_kept FROM aps_et WHERE id = 9;

-- PREPARE TRANSACTION with pending changes, COMMIT PREPARED
BEGIN;
INSERT INTO aps_t VALUES (400, 12, 1);
INSERT INTO aps_t VALUES (401, 12, 2);
SAVEPOINT a;
INSERT INTO aps_t VALUES (402, 12, 4);
ROLLBACK TO SAVEPOINT a;
UPDATE aps_t SET x = x + 10 WHERE id = 2;
PREPARE TRANSACTION 'aps_p1';
SELECT g, n, s FROM aps_g WHERE g IN (2, 12) ORDER BY g;
COMMIT PREPARED 'aps_p1';
SELECT g, n, s FROM aps_g WHERE g IN (2, 12) ORDER BY g;
SELECT * FROM aps_diff;
-- ROLLBACK PREPARED, with a read before PREPARE
BEGIN;
DELETE FROM aps_t WHERE g = 12;
INSERT INTO aps_t VALUES (403, 13, 1);
SELECT n, s FROM aps_g WHERE g = 13;
INSERT INTO aps_t VALUES (404, 13, 2);
PREPARE TRANSACTION 'aps_p2';
ROLLBACK PREPARED 'aps_p2';
SELECT g, n, s FROM aps_g WHERE g IN (12, 13) ORDER BY g;
SELECT * FROM aps_diff;
-- a read inside a savepoint rolled back before PREPARE
BEGIN;
INSERT INTO aps_t VALUES (405, 13, 5);
SAVEPOINT a;
INSERT INTO aps_t VALUES (406, 13, 6);
SELECT n, s FROM aps_g WHERE g = 13;
ROLLBACK TO SAVEPOINT a;
PREPARE TRANSACTION 'aps_p3';
COMMIT PREPARED 'aps_p3';
SELECT g, n, s FROM aps_g WHERE g = 13;
SELECT * FROM aps_diff;
SELECT count(*) AS prepared_left FROM pg_prepared_xacts WHERE gid LIKE 'aps%';

RESET stepping.apply;

-- clean up: later files count the views left in the database
DROP VIEW aps_diff;
SELECT stepping.drop_view('aps_g');
SELECT stepping.drop_view('aps_b');
SELECT stepping.drop_view('aps_j');
SELECT stepping.drop_view('aps_e');
DROP TABLE aps_t, aps_d, aps_et;
DROP PROCEDURE aps_proc();
SELECT count(*) AS views_left FROM stepping.views WHERE name::text LIKE 'aps%';
