-- Subtransactions: changes rolled back to a savepoint, or caught by an
-- EXCEPTION block, are undone in the views too.
\pset null '(null)'
\set SHOW_CONTEXT never

CREATE TABLE savepoints_t (id int PRIMARY KEY, g int, x int);
INSERT INTO savepoints_t VALUES (1, 1, 10), (2, 2, 20);
SELECT stepping.create_view('savepoints_grp', 'SELECT g, count(*) AS cnt, sum(x) AS total FROM savepoints_t GROUP BY g');
SELECT stepping.create_view('savepoints_bag', 'SELECT id, x FROM savepoints_t WHERE x > 5');

-- BEGIN; changes; SAVEPOINT; changes; ROLLBACK TO; more changes; COMMIT
BEGIN;
INSERT INTO savepoints_t VALUES (3, 1, 30);
UPDATE savepoints_t SET x = 11 WHERE id = 1;
SAVEPOINT a;
INSERT INTO savepoints_t VALUES (4, 4, 40);
DELETE FROM savepoints_t WHERE id = 2;
UPDATE savepoints_t SET g = 9 WHERE id = 1;
SELECT g, cnt, total FROM savepoints_grp ORDER BY g;
ROLLBACK TO SAVEPOINT a;
SELECT g, cnt, total FROM savepoints_grp ORDER BY g;
INSERT INTO savepoints_t VALUES (5, 2, 50);
COMMIT;
SELECT g, cnt, total FROM savepoints_grp ORDER BY g;
SELECT id, x FROM savepoints_bag ORDER BY id;
SELECT * FROM stepping.check_view('savepoints_grp');
SELECT * FROM stepping.check_view('savepoints_bag');

-- nested savepoints, one released, one rolled back
BEGIN;
SAVEPOINT a;
INSERT INTO savepoints_t VALUES (6, 6, 60);
SAVEPOINT b;
INSERT INTO savepoints_t VALUES (7, 7, 70);
RELEASE SAVEPOINT b;
SAVEPOINT c;
DELETE FROM savepoints_t WHERE id = 6;
ROLLBACK TO SAVEPOINT c;
SAVEPOINT d;
INSERT INTO savepoints_t VALUES (8, 8, 80);
ROLLBACK TO SAVEPOINT a;
INSERT INTO savepoints_t VALUES (9, 9, 90);
COMMIT;
SELECT g, cnt, total FROM savepoints_grp ORDER BY g;
SELECT id, x FROM savepoints_bag ORDER BY id;
SELECT * FROM stepping.check_view('savepoints_grp');
SELECT * FROM stepping.check_view('savepoints_bag');

-- a failed statement inside a savepoint
BEGIN;
INSERT INTO savepoints_t VALUES (10, 1, 100);
SAVEPOINT a;
INSERT INTO savepoints_t VALUES (11, 1, 110), (1, 1, 1);
ROLLBACK TO SAVEPOINT a;
COMMIT;
SELECT g, cnt, total FROM savepoints_grp ORDER BY g;
SELECT * FROM stepping.check_view('savepoints_grp');
SELECT * FROM stepping.check_view('savepoints_bag');

-- ROLLBACK of a whole transaction
BEGIN;
INSERT INTO savepoints_t VALUES (12, 12, 120);
DELETE FROM savepoints_t WHERE g = 1;
TRUNCATE savepoints_t;
INSERT INTO savepoints_t VALUES (13, 13, 130);
SELECT g, cnt, total FROM savepoints_grp ORDER BY g;
ROLLBACK;
SELECT g, cnt, total FROM savepoints_grp ORDER BY g;
SELECT id, x FROM savepoints_bag ORDER BY id;
SELECT * FROM stepping.check_view('savepoints_grp');
SELECT * FROM stepping.check_view('savepoints_bag');

-- a transaction that fails as a whole
BEGIN;
INSERT INTO savepoints_t VALUES (14, 1, 140);
SELECT 1 / 0;
COMMIT;
SELECT g, cnt, total FROM savepoints_grp ORDER BY g;
SELECT * FROM stepping.check_view('savepoints_grp');

-- PL/pgSQL: the inner block inserts, then raises; its insert is undone
DO $$
BEGIN
    INSERT INTO savepoints_t VALUES (20, 20, 200);
    BEGIN
        INSERT INTO savepoints_t VALUES (21, 1, 210);
        UPDATE savepoints_t SET x = x + 1000 WHERE id = 1;
        RAISE EXCEPTION 'undo the inner block';
    EXCEPTION WHEN others THEN
        RAISE NOTICE 'caught: %', SQLERRM;
    END;
    INSERT INTO savepoints_t VALUES (22, 1, 220);
END
$$;
SELECT g, cnt, total FROM savepoints_grp ORDER BY g;
SELECT id, x FROM savepoints_bag ORDER BY id;
SELECT * FROM stepping.check_view('savepoints_grp');
SELECT * FROM stepping.check_view('savepoints_bag');

-- a loop of subtransactions, every other one failing
DO $$
BEGIN
    FOR i IN 30..39 LOOP
        BEGIN
            INSERT INTO savepoints_t VALUES (i, i % 2, i);
            IF i % 2 = 1 THEN
                RAISE EXCEPTION 'odd';
            END IF;
        EXCEPTION WHEN others THEN
            NULL;
        END;
    END LOOP;
END
$$;
SELECT g, cnt, total FROM savepoints_grp ORDER BY g;
SELECT * FROM stepping.check_view('savepoints_grp');
SELECT * FROM stepping.check_view('savepoints_bag');

-- a row trigger on another table writes the base table and catches an
-- unrelated error in an EXCEPTION block
CREATE TABLE savepoints_other (id int, fail_inside bool);
CREATE FUNCTION savepoints_other_trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO savepoints_t VALUES (NEW.id, 100, NEW.id);
    BEGIN
        IF NEW.fail_inside THEN
            INSERT INTO savepoints_t VALUES (NEW.id + 1, 100, NEW.id + 1);
        END IF;
        PERFORM 1 / 0;
    EXCEPTION WHEN division_by_zero THEN
        NULL;
    END;
    UPDATE savepoints_t SET x = x + 1 WHERE id = NEW.id;
    RETURN NEW;
END
$$;
CREATE TRIGGER savepoints_other_trg AFTER INSERT ON savepoints_other
    FOR EACH ROW EXECUTE FUNCTION savepoints_other_trg();
INSERT INTO savepoints_other VALUES (40, false), (50, true), (60, false);
SELECT id, x FROM savepoints_t WHERE g = 100 ORDER BY id;
SELECT g, cnt, total FROM savepoints_grp ORDER BY g;
SELECT id, x FROM savepoints_bag WHERE id >= 40 ORDER BY id;
SELECT * FROM stepping.check_view('savepoints_grp');
SELECT * FROM stepping.check_view('savepoints_bag');

-- the same inside an explicit transaction with a savepoint rolled back
BEGIN;
INSERT INTO savepoints_other VALUES (70, true);
SAVEPOINT a;
INSERT INTO savepoints_other VALUES (80, true);
ROLLBACK TO SAVEPOINT a;
INSERT INTO savepoints_other VALUES (90, false);
COMMIT;
SELECT id, x FROM savepoints_t WHERE g = 100 ORDER BY id;
SELECT g, cnt, total FROM savepoints_grp ORDER BY g;
SELECT * FROM stepping.check_view('savepoints_grp');
SELECT * FROM stepping.check_view('savepoints_bag');

SELECT stepping.drop_view('savepoints_grp');
SELECT stepping.drop_view('savepoints_bag');
DROP TABLE savepoints_t, savepoints_other;
DROP FUNCTION savepoints_other_trg();
