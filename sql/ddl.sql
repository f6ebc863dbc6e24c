-- Schema changes of a base table: harmless ones keep the views maintained;
-- ones that would leave a view wrong or broken are refused.
\set SHOW_CONTEXT never
\pset null '(null)'

CREATE TABLE ddl_t (id int PRIMARY KEY, g int, x int, junk text);
INSERT INTO ddl_t VALUES (1, 1, 10, 'a'), (2, 2, 20, 'b');
SELECT stepping.create_view('ddl_grp', 'SELECT g, sum(x) AS s, count(*) AS c FROM ddl_t GROUP BY g');
SELECT stepping.create_view('ddl_bag', 'SELECT id, x FROM ddl_t WHERE x > 5');

-- columns the views do not read can be dropped and added
ALTER TABLE ddl_t DROP COLUMN junk;
ALTER TABLE ddl_t ADD COLUMN extra text DEFAULT 'e';
INSERT INTO ddl_t VALUES (3, 1, 30, 'z');
UPDATE ddl_t SET extra = 'y' WHERE id = 1;
-- also from a new session, which compiles the views afresh
\c
INSERT INTO ddl_t VALUES (4, 2, 40);
UPDATE ddl_t SET x = x + 1 WHERE id = 2;
SELECT g, s, c FROM ddl_grp ORDER BY g;
SELECT id, x FROM ddl_bag ORDER BY id;
SELECT * FROM stepping.check_view('ddl_grp');
SELECT * FROM stepping.check_view('ddl_bag');

-- physical rewrites keep the values
VACUUM FULL ddl_t;
CLUSTER ddl_t USING ddl_t_pkey;
CREATE INDEX ddl_t_g ON ddl_t (g);
DELETE FROM ddl_t WHERE id = 3;
SELECT * FROM stepping.check_view('ddl_grp');
SELECT * FROM stepping.check_view('ddl_bag');

-- changing the type of a column a view reads, or dropping it, is refused
-- (if it is not, the block rolls the change back so that nothing else breaks)
DO $$
BEGIN
    BEGIN
        ALTER TABLE ddl_t ALTER COLUMN x TYPE bigint;
    EXCEPTION WHEN others THEN
        RAISE NOTICE 'ALTER COLUMN x TYPE bigint: refused';
        RETURN;
    END;
    RAISE EXCEPTION 'ALTER COLUMN x TYPE bigint was allowed';
END
$$;
DO $$
BEGIN
    BEGIN
        ALTER TABLE ddl_t ALTER COLUMN g TYPE text;
    EXCEPTION WHEN others THEN
        RAISE NOTICE 'ALTER COLUMN g TYPE text: refused';
        RETURN;
    END;
    RAISE EXCEPTION 'ALTER COLUMN g TYPE text was allowed';
END
$$;
DO $$
BEGIN
    BEGIN
        ALTER TABLE ddl_t DROP COLUMN x;
    EXCEPTION WHEN others THEN
        RAISE NOTICE 'DROP COLUMN x: refused';
        RETURN;
    END;
    RAISE EXCEPTION 'DROP COLUMN x was allowed';
END
$$;
DO $$
BEGIN
    BEGIN
        ALTER TABLE ddl_t DROP COLUMN g;
    EXCEPTION WHEN others THEN
        RAISE NOTICE 'DROP COLUMN g: refused';
        RETURN;
    END;
    RAISE EXCEPTION 'DROP COLUMN g was allowed';
END
$$;
\c
-- a rewrite that changes the values without firing any trigger: refused, or
-- the views are brought up to date
DO $$
BEGIN
    ALTER TABLE ddl_t ALTER COLUMN x TYPE int USING x + 1;
EXCEPTION WHEN others THEN
    NULL;
END
$$;
SELECT * FROM stepping.check_view('ddl_grp');
SELECT * FROM stepping.check_view('ddl_bag');
-- the same state whichever way it went
UPDATE ddl_t SET x = id * 10;
INSERT INTO ddl_t VALUES (5, 1, 50);
SELECT * FROM stepping.check_view('ddl_grp');
SELECT * FROM stepping.check_view('ddl_bag');

-- renaming the base table or a column a view reads: refused, or the views go
-- on being maintained, in this session and in new ones
DO $$
BEGIN
    ALTER TABLE ddl_t RENAME COLUMN x TO x_renamed;
EXCEPTION WHEN others THEN
    NULL;
END
$$;
DO $$
BEGIN
    ALTER TABLE ddl_t RENAME TO ddl_t_renamed;
EXCEPTION WHEN others THEN
    NULL;
END
$$;
DO $$
DECLARE
    t regclass := coalesce(to_regclass('ddl_t'), to_regclass('ddl_t_renamed'));
BEGIN
    EXECUTE format('INSERT INTO %s VALUES (6, 2, 60)', t);
END
$$;
\c
DO $$
DECLARE
    t regclass := coalesce(to_regclass('ddl_t'), to_regclass('ddl_t_renamed'));
BEGIN
    EXECUTE format('INSERT INTO %s VALUES (7, 1, 70)', t);
    EXECUTE format('UPDATE %s SET g = 2 WHERE id = 1', t);
    EXECUTE format('DELETE FROM %s WHERE id = 4', t);
END
$$;
SELECT g, s, c FROM ddl_grp ORDER BY g;
SELECT id, x FROM ddl_bag ORDER BY id;
SELECT * FROM stepping.check_view('ddl_grp');
SELECT * FROM stepping.check_view('ddl_bag');
-- back to the old names
DO $$
BEGIN
    IF to_regclass('ddl_t_renamed') IS NOT NULL THEN
        ALTER TABLE ddl_t_renamed RENAME TO ddl_t;
    END IF;
    IF EXISTS (SELECT FROM pg_attribute
                WHERE attrelid = 'ddl_t'::regclass AND attname = 'x_renamed') THEN
        ALTER TABLE ddl_t RENAME COLUMN x_renamed TO x;
    END IF;
END
$$;
\c
INSERT INTO ddl_t VALUES (8, 3, 80);
SELECT g, s, c FROM ddl_grp ORDER BY g;
SELECT * FROM stepping.check_view('ddl_grp');
SELECT * FROM stepping.check_view('ddl_bag');

-- making a base table an inheritance child or a partition afterwards:
-- refused, or writes through the parent reach the views
CREATE TABLE ddl_parent (id int, x int);
CREATE TABLE ddl_parted (id int, x int) PARTITION BY RANGE (id);
CREATE TABLE ddl_c1 (id int, x int);
CREATE TABLE ddl_c2 (id int, x int);
INSERT INTO ddl_c1 VALUES (1, 1), (2, 2);
INSERT INTO ddl_c2 VALUES (1, 1), (2, 2);
SELECT stepping.create_view('ddl_c1v', 'SELECT id, x FROM ddl_c1');
SELECT stepping.create_view('ddl_c2v', 'SELECT id, sum(x) AS s FROM ddl_c2 GROUP BY id');
DO $$
BEGIN
    ALTER TABLE ddl_c1 INHERIT ddl_parent;
EXCEPTION WHEN others THEN
    NULL;
END
$$;
DO $$
BEGIN
    ALTER TABLE ddl_parted ATTACH PARTITION ddl_c2 FOR VALUES FROM (0) TO (100);
EXCEPTION WHEN others THEN
    NULL;
END
$$;
UPDATE ddl_parent SET x = 5;
DELETE FROM ddl_parent WHERE id = 2;
UPDATE ddl_parted SET x = 7;
DELETE FROM ddl_parted WHERE id = 2;
SELECT * FROM stepping.check_view('ddl_c1v');
SELECT * FROM stepping.check_view('ddl_c2v');
SELECT stepping.drop_view('ddl_c1v');
SELECT stepping.drop_view('ddl_c2v');
DROP TABLE ddl_c1, ddl_parent, ddl_c2, ddl_parted;

-- the base table cannot be dropped while views read it, except with CASCADE,
-- which drops the views and their catalog rows
DROP TABLE ddl_t;
DROP TABLE ddl_t CASCADE;
SELECT to_regclass('ddl_grp') AS ddl_grp, to_regclass('ddl_bag') AS ddl_bag;
SELECT count(*) AS orphan_catalog_rows FROM stepping.catalog c
 WHERE NOT EXISTS (SELECT FROM pg_class WHERE oid = c.view_rel);
