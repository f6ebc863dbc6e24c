-- Nested statements while an outer statement keeps the step open: their
-- rows are appended to one chunk per table and subtransaction (memory per
-- row, not per statement).  The merged chunk no longer reads in statement
-- order when a later statement removes rows an earlier one brought in, so
-- it must not be applied in batches; a rolled-back subtransaction drops
-- exactly its rows; committed subtransactions merge into their parent's.
SET client_min_messages = warning;
CREATE SCHEMA nested_chunks;
SET search_path = nested_chunks, public;

CREATE FUNCTION nc_bad() RETURNS TABLE (view_name text, mismatches bigint)
LANGUAGE sql AS $$
  SELECT v.name::text, (SELECT count(*) FROM stepping.check_view(v.name))
    FROM stepping.views v JOIN pg_class c ON c.oid = v.name
   WHERE c.relnamespace = 'nested_chunks'::regnamespace ORDER BY 1 $$;

CREATE TABLE nc_outer (i int);
CREATE TABLE nc_b (id int, g int, pad text);
CREATE TABLE nc_c (g int PRIMARY KEY, name text);
INSERT INTO nc_c SELECT i, 'n' || i FROM generate_series(0, 9) i;
CREATE INDEX ON nc_b (id);
SELECT stepping.create_view('nc_vouter', 'SELECT count(*) AS n FROM nc_outer');
SELECT stepping.create_view('nc_bag', 'SELECT id, g, pad FROM nc_b');
SELECT stepping.create_view('nc_grp', 'SELECT g, count(*) AS n, sum(id) AS s FROM nc_b GROUP BY g');
SELECT stepping.create_view('nc_dist', 'SELECT DISTINCT g FROM nc_b');
SELECT stepping.create_view('nc_join', 'SELECT b.id, c.name FROM nc_b b JOIN nc_c c ON c.g = b.g');
SELECT stepping.create_view('nc_jgrp', $$SELECT c.name, count(*) AS n
  FROM nc_b b JOIN nc_c c ON c.g = b.g GROUP BY c.name$$);
SELECT stepping.create_view('nc_over', 'SELECT count(*) AS groups, sum(n) AS n FROM nc_grp');

-- each call inserts a row; later calls delete rows earlier ones inserted
-- and update rows back and forth.  A small work_mem makes the Z-set flush
-- in batches where that is allowed: it must not be allowed here.
CREATE FUNCTION nc_f(i int, n int) RETURNS int LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    INSERT INTO nc_b VALUES (i, i % 10, repeat('p', 40) || i);
    IF i > n / 2 THEN
        DELETE FROM nc_b WHERE id = i - n / 2;
    END IF;
    IF i % 7 = 0 THEN
        UPDATE nc_b SET g = (g + 1) % 10 WHERE id = i;
        UPDATE nc_b SET g = (g + 9) % 10 WHERE id = i;		-- and back
    END IF;
    RETURN i;
END $$;
SET work_mem = '64kB';
INSERT INTO nc_outer SELECT nc_f(i, 4000) FROM generate_series(1, 4000) i;
SELECT count(*), min(id), max(id) FROM nc_b;
SELECT * FROM nc_bad();

-- insert and delete the same row in consecutive nested statements: nothing
CREATE FUNCTION nc_flip(i int) RETURNS int LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    INSERT INTO nc_b VALUES (-i, 3, 'flip');
    DELETE FROM nc_b WHERE id = -i;
    RETURN i;
END $$;
INSERT INTO nc_outer SELECT nc_flip(i) FROM generate_series(1, 3000) i;
SELECT count(*) FROM nc_b WHERE id < 0;
SELECT * FROM nc_bad();
RESET work_mem;

-- PL/pgSQL exception blocks: every third block fails after its writes and
-- is rolled back, the others commit into the outer statement's chunk
CREATE FUNCTION nc_sub(i int) RETURNS int LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    BEGIN
        INSERT INTO nc_b VALUES (10000 + i, i % 10, 'sub');
        UPDATE nc_b SET g = (g + 1) % 10 WHERE id = 10000 + i - 1;
        BEGIN
            DELETE FROM nc_b WHERE id = 10000 + i - 2;
            IF i % 5 = 0 THEN
                RAISE EXCEPTION 'inner';
            END IF;
        EXCEPTION WHEN raise_exception THEN
            NULL;
        END;
        IF i % 3 = 0 THEN
            RAISE EXCEPTION 'outer';
        END IF;
    EXCEPTION WHEN raise_exception THEN
        NULL;
    END;
    RETURN i;
END $$;
INSERT INTO nc_outer SELECT nc_sub(i) FROM generate_series(1, 600) i;
SELECT count(*), sum(g) FROM nc_b WHERE id > 10000;
SELECT * FROM nc_bad();

-- the same inside a transaction, with a savepoint rolled back between
-- outer statements, and a TRUNCATE in the middle of the nested ones
BEGIN;
INSERT INTO nc_outer SELECT nc_sub(i) FROM generate_series(601, 700) i;
SAVEPOINT s;
INSERT INTO nc_outer SELECT nc_f(i, 200) FROM generate_series(20001, 20200) i;
ROLLBACK TO SAVEPOINT s;
INSERT INTO nc_outer SELECT nc_flip(i) FROM generate_series(1, 100) i;
COMMIT;
SELECT * FROM nc_bad();
CREATE FUNCTION nc_trunc(i int) RETURNS int LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    INSERT INTO nc_b VALUES (30000 + i, i % 10, 't');
    IF i = 50 THEN
        TRUNCATE nc_b;
    END IF;
    RETURN i;
END $$;
INSERT INTO nc_outer SELECT nc_trunc(i) FROM generate_series(1, 80) i;
SELECT count(*), min(id), max(id) FROM nc_b;
SELECT groups, n FROM nc_over;
SELECT * FROM nc_bad();

-- clean up: everything lived in schema nested_chunks
RESET search_path;
DROP SCHEMA nested_chunks CASCADE;
SELECT count(*) AS views_left FROM stepping.views v
 WHERE NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = v.name);
