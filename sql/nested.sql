-- Changes that arrive nested or in unusual statements: triggers writing the
-- base table, writable CTEs, ON CONFLICT, MERGE, COPY.
\pset null '(null)'

CREATE TABLE nested_t (id int PRIMARY KEY, g int, x int);
INSERT INTO nested_t VALUES (1, 1, 10), (2, 2, 20);
SELECT stepping.create_view('nested_grp', 'SELECT g, count(*) AS cnt, sum(x) AS total FROM nested_t GROUP BY g');
SELECT stepping.create_view('nested_bag', 'SELECT g, x FROM nested_t WHERE x % 2 = 0');
SELECT stepping.create_view('nested_glob', 'SELECT count(*) AS cnt, sum(x) AS total FROM nested_t');

-- a row trigger on the base table that inserts into the same table
-- (guarded: only rows with id < 100 get an echo)
CREATE FUNCTION nested_echo() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id < 100 THEN
        INSERT INTO nested_t VALUES (NEW.id + 100, NEW.g, NEW.x + 1);
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER nested_echo AFTER INSERT ON nested_t
    FOR EACH ROW EXECUTE FUNCTION nested_echo();
INSERT INTO nested_t VALUES (3, 1, 30), (4, 3, 40);
SELECT id, g, x FROM nested_t ORDER BY id;
SELECT g, cnt, total FROM nested_grp ORDER BY g;
SELECT g, x FROM nested_bag ORDER BY g, x;
SELECT cnt, total FROM nested_glob;
SELECT * FROM stepping.check_view('nested_grp');
SELECT * FROM stepping.check_view('nested_bag');
SELECT * FROM stepping.check_view('nested_glob');

-- a BEFORE row trigger that deletes from the same table while it is updated
CREATE FUNCTION nested_cleanup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM nested_t WHERE id = OLD.id + 100;
    RETURN NEW;
END
$$;
CREATE TRIGGER nested_cleanup BEFORE UPDATE ON nested_t
    FOR EACH ROW WHEN (OLD.id < 100) EXECUTE FUNCTION nested_cleanup();
UPDATE nested_t SET x = x + 5 WHERE id IN (3, 4);
SELECT id, g, x FROM nested_t ORDER BY id;
SELECT g, cnt, total FROM nested_grp ORDER BY g;
SELECT g, x FROM nested_bag ORDER BY g, x;
SELECT cnt, total FROM nested_glob;
SELECT * FROM stepping.check_view('nested_grp');
SELECT * FROM stepping.check_view('nested_bag');
SELECT * FROM stepping.check_view('nested_glob');
DROP TRIGGER nested_echo ON nested_t;
DROP TRIGGER nested_cleanup ON nested_t;

-- a writable CTE that deletes and inserts the same table in one statement
WITH d AS (DELETE FROM nested_t WHERE g = 1 RETURNING *)
INSERT INTO nested_t SELECT id + 1000, g + 10, x * 2 FROM d;
SELECT id, g, x FROM nested_t ORDER BY id;
SELECT g, cnt, total FROM nested_grp ORDER BY g;
SELECT g, x FROM nested_bag ORDER BY g, x;
SELECT cnt, total FROM nested_glob;
SELECT * FROM stepping.check_view('nested_grp');
SELECT * FROM stepping.check_view('nested_bag');
SELECT * FROM stepping.check_view('nested_glob');

-- a writable CTE with an UPDATE and a DELETE of the same table
WITH u AS (UPDATE nested_t SET x = x + 1 WHERE g = 2 RETURNING id),
     d AS (DELETE FROM nested_t WHERE g = 3 RETURNING id)
SELECT (SELECT count(*) FROM u) AS updated, (SELECT count(*) FROM d) AS deleted;
SELECT g, cnt, total FROM nested_grp ORDER BY g;
SELECT g, x FROM nested_bag ORDER BY g, x;
SELECT * FROM stepping.check_view('nested_grp');
SELECT * FROM stepping.check_view('nested_bag');
SELECT * FROM stepping.check_view('nested_glob');

-- INSERT ... ON CONFLICT DO UPDATE and DO NOTHING
INSERT INTO nested_t VALUES (2, 2, 200), (5, 5, 50), (6, 5, 60)
    ON CONFLICT (id) DO UPDATE SET x = nested_t.x + EXCLUDED.x, g = 7;
SELECT id, g, x FROM nested_t ORDER BY id;
SELECT g, cnt, total FROM nested_grp ORDER BY g;
SELECT g, x FROM nested_bag ORDER BY g, x;
SELECT * FROM stepping.check_view('nested_grp');
SELECT * FROM stepping.check_view('nested_bag');
SELECT * FROM stepping.check_view('nested_glob');
INSERT INTO nested_t VALUES (5, 9, 9), (7, 5, 70) ON CONFLICT DO NOTHING;
SELECT g, cnt, total FROM nested_grp ORDER BY g;
SELECT * FROM stepping.check_view('nested_grp');
SELECT * FROM stepping.check_view('nested_bag');
SELECT * FROM stepping.check_view('nested_glob');

-- MERGE with insert, update and delete actions
CREATE TABLE nested_src (id int, g int, x int, op text);
INSERT INTO nested_src VALUES
    (5, 5, 55, 'update'), (6, 0, 0, 'delete'), (8, 8, 80, 'insert'), (9, 8, 90, 'insert');
MERGE INTO nested_t t
USING nested_src s ON t.id = s.id
WHEN MATCHED AND s.op = 'delete' THEN DELETE
WHEN MATCHED THEN UPDATE SET x = s.x, g = s.g
WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.g, s.x);
SELECT id, g, x FROM nested_t ORDER BY id;
SELECT g, cnt, total FROM nested_grp ORDER BY g;
SELECT g, x FROM nested_bag ORDER BY g, x;
SELECT cnt, total FROM nested_glob;
SELECT * FROM stepping.check_view('nested_grp');
SELECT * FROM stepping.check_view('nested_bag');
SELECT * FROM stepping.check_view('nested_glob');

-- MERGE that does nothing
MERGE INTO nested_t t
USING (SELECT 1000 AS id) s ON t.id = s.id
WHEN MATCHED THEN DELETE;
SELECT * FROM stepping.check_view('nested_grp');

-- COPY FROM STDIN
COPY nested_t (id, g, x) FROM STDIN;
10	8	100
11	11	111
12	\N	\N
\.
SELECT g, cnt, total FROM nested_grp ORDER BY g;
SELECT g, x FROM nested_bag ORDER BY g, x;
SELECT cnt, total FROM nested_glob;
SELECT * FROM stepping.check_view('nested_grp');
SELECT * FROM stepping.check_view('nested_bag');
SELECT * FROM stepping.check_view('nested_glob');

-- a function that writes the base table, called from a query that reads
-- the view
CREATE FUNCTION nested_add(i int) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO nested_t VALUES (i, 8, i);
    RETURN (SELECT cnt FROM nested_grp WHERE g = 8);
END
$$;
SELECT nested_add(20) AS after_first, nested_add(21) AS after_second;
SELECT g, cnt, total FROM nested_grp ORDER BY g;
SELECT * FROM stepping.check_view('nested_grp');
SELECT * FROM stepping.check_view('nested_bag');
SELECT * FROM stepping.check_view('nested_glob');

-- foreign key actions change a base table from inside another statement
CREATE TABLE nested_parent (id int PRIMARY KEY);
CREATE TABLE nested_child (
    id   int PRIMARY KEY,
    pid  int REFERENCES nested_parent ON DELETE CASCADE ON UPDATE CASCADE,
    pid2 int REFERENCES nested_parent ON DELETE SET NULL,
    x    int);
INSERT INTO nested_parent SELECT generate_series(1, 5);
INSERT INTO nested_child SELECT i, i % 5 + 1, (i + 1) % 5 + 1, i FROM generate_series(1, 20) i;
SELECT stepping.create_view('nested_fk', 'SELECT pid, count(*) AS cnt, sum(x) AS total FROM nested_child GROUP BY pid');
SELECT stepping.create_view('nested_fk2', 'SELECT pid2, x FROM nested_child');
DELETE FROM nested_parent WHERE id = 1;
UPDATE nested_parent SET id = 10 WHERE id = 2;
SELECT pid, cnt, total FROM nested_fk ORDER BY pid;
SELECT pid2, count(*) FROM nested_fk2 GROUP BY pid2 ORDER BY pid2;
SELECT * FROM stepping.check_view('nested_fk');
SELECT * FROM stepping.check_view('nested_fk2');
TRUNCATE nested_parent CASCADE;
SELECT count(*) FROM nested_fk;
SELECT count(*) FROM nested_fk2;
SELECT * FROM stepping.check_view('nested_fk');
SELECT * FROM stepping.check_view('nested_fk2');

-- generated columns, and a BEFORE row trigger that changes or skips rows
CREATE TABLE nested_gen (
    id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    x  int,
    x2 int GENERATED ALWAYS AS (x * 2) STORED);
CREATE FUNCTION nested_gen_trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.x < 0 THEN
        RETURN NULL;
    END IF;
    NEW.x := NEW.x * 10;
    RETURN NEW;
END
$$;
CREATE TRIGGER nested_gen_trg BEFORE INSERT OR UPDATE ON nested_gen
    FOR EACH ROW EXECUTE FUNCTION nested_gen_trg();
SELECT stepping.create_view('nested_genv', 'SELECT x2 % 3 AS r, count(*) AS cnt, sum(x2) AS total FROM nested_gen GROUP BY x2 % 3');
SELECT stepping.create_view('nested_genb', 'SELECT id, x, x2 FROM nested_gen');
INSERT INTO nested_gen (x) VALUES (1), (2), (-3), (4);
UPDATE nested_gen SET x = -1 WHERE id = 1;
UPDATE nested_gen SET x = 5 WHERE id = 2;
SELECT id, x, x2 FROM nested_genb ORDER BY id;
SELECT r, cnt, total FROM nested_genv ORDER BY r;
SELECT * FROM stepping.check_view('nested_genv');
SELECT * FROM stepping.check_view('nested_genb');

SELECT stepping.drop_view('nested_grp');
SELECT stepping.drop_view('nested_bag');
SELECT stepping.drop_view('nested_glob');
SELECT stepping.drop_view('nested_fk');
SELECT stepping.drop_view('nested_fk2');
SELECT stepping.drop_view('nested_genv');
SELECT stepping.drop_view('nested_genb');
DROP TABLE nested_t, nested_src, nested_child, nested_parent, nested_gen;
DROP FUNCTION nested_gen_trg();
DROP FUNCTION nested_echo();
DROP FUNCTION nested_cleanup();
DROP FUNCTION nested_add(int);
