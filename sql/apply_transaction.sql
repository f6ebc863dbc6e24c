-- Transaction-level maintenance (stepping.apply = 'transaction', the
-- default): a statement's changes wait, and are applied to the result tables
-- ("flushed", all views at once) only when something must see them.  Every
-- read below comes right after a change that alters what it returns, so a
-- read path that does not flush first shows a stale value here.  Reads print
-- literal rows; the checks print 0 differences (apt_diff: the multiset
-- differences between each result table and its query, both directions) or
-- no rows (check_view).
\pset null '(null)'

CREATE TABLE apt_o (id int PRIMARY KEY, g int NOT NULL, x int);
CREATE INDEX ON apt_o (g);
CREATE TABLE apt_c (g int PRIMARY KEY, name text);
INSERT INTO apt_c VALUES (1, 'one'), (2, 'two'), (3, 'three'), (4, 'four'), (5, 'five');
INSERT INTO apt_o VALUES (1, 1, 10), (2, 1, 20), (3, 2, 30);
-- grouped, join, bag, view over a view, global aggregate
SELECT stepping.create_view('apt_grp', 'SELECT g, count(*) AS n, sum(x) AS s FROM apt_o GROUP BY g');
SELECT stepping.create_view('apt_join', 'SELECT o.id, c.name, o.x FROM apt_o o JOIN apt_c c ON c.g = o.g');
SELECT stepping.create_view('apt_bag', 'SELECT g, x FROM apt_o');
SELECT stepping.create_view('apt_vov', 'SELECT n, count(*) AS groups, sum(s) AS total FROM apt_grp GROUP BY n');
SELECT stepping.create_view('apt_all', 'SELECT count(*) AS n, sum(x) AS s FROM apt_o');
-- a PostgreSQL view over a result table
CREATE VIEW apt_pv AS SELECT g, n, s FROM apt_grp WHERE n >= 2;

SHOW stepping.apply;

-- the number of rows written into each table in this transaction so far
-- (reads no result table and calls no user-defined function, so reading it
-- applies nothing)
CREATE VIEW apt_writes AS
SELECT c.relname::text AS tab,
       pg_stat_get_xact_tuples_inserted(c.oid) + pg_stat_get_xact_tuples_updated(c.oid)
       + pg_stat_get_xact_tuples_deleted(c.oid) AS writes
  FROM pg_class c
 WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r';

-- differences between every view above and its query (0 = exact)
CREATE VIEW apt_diff AS
SELECT 'apt_grp' AS view, count(*) AS diff FROM (
    (SELECT g, n, s FROM apt_grp EXCEPT ALL SELECT g, count(*), sum(x) FROM apt_o GROUP BY g)
    UNION ALL
    (SELECT g, count(*), sum(x) FROM apt_o GROUP BY g EXCEPT ALL SELECT g, n, s FROM apt_grp)) d
UNION ALL
SELECT 'apt_join', count(*) FROM (
    (SELECT id, name, x FROM apt_join EXCEPT ALL SELECT o.id, c.name, o.x FROM apt_o o JOIN apt_c c ON c.g = o.g)
    UNION ALL
    (SELECT o.id, c.name, o.x FROM apt_o o JOIN apt_c c ON c.g = o.g EXCEPT ALL SELECT id, name, x FROM apt_join)) d
UNION ALL
SELECT 'apt_bag', count(*) FROM (
    (SELECT g, x FROM apt_bag EXCEPT ALL SELECT g, x FROM apt_o)
    UNION ALL
    (SELECT g, x FROM apt_o EXCEPT ALL SELECT g, x FROM apt_bag)) d
UNION ALL
SELECT 'apt_vov', count(*) FROM (
    (SELECT n, groups, total FROM apt_vov
     EXCEPT ALL SELECT n, count(*), sum(s) FROM (SELECT g, count(*) AS n, sum(x) AS s FROM apt_o GROUP BY g) q GROUP BY n)
    UNION ALL
    (SELECT n, count(*), sum(s) FROM (SELECT g, count(*) AS n, sum(x) AS s FROM apt_o GROUP BY g) q GROUP BY n
     EXCEPT ALL SELECT n, groups, total FROM apt_vov)) d
UNION ALL
SELECT 'apt_all', count(*) FROM (
    (SELECT n, s FROM apt_all EXCEPT ALL SELECT count(*), sum(x) FROM apt_o)
    UNION ALL
    (SELECT count(*), sum(x) FROM apt_o EXCEPT ALL SELECT n, s FROM apt_all)) d;

SELECT * FROM apt_diff;

--
-- 1. plain SELECT of each kind of view, and of a PostgreSQL view over one
--
BEGIN;
INSERT INTO apt_o VALUES (4, 1, 40);
UPDATE apt_o SET x = x + 1 WHERE id = 3;
INSERT INTO apt_o VALUES (5, 3, 50);
-- grouped: 1 | 3 | 70, 2 | 1 | 31, 3 | 1 | 50
SELECT g, n, s FROM apt_grp ORDER BY g;
INSERT INTO apt_o VALUES (6, 2, 60);
SELECT id, name, x FROM apt_join ORDER BY id;
INSERT INTO apt_o VALUES (7, 2, 60);
-- bag: (2, 60) twice
SELECT g, x FROM apt_bag ORDER BY g, x;
DELETE FROM apt_o WHERE id = 5;
-- view over a view: groups of 3 rows: 1 and 2
SELECT n, groups, total FROM apt_vov ORDER BY n;
INSERT INTO apt_o VALUES (8, 4, 80), (9, 4, 90);
-- PostgreSQL view: groups with 2 rows or more, 4 among them
SELECT g, n, s FROM apt_pv ORDER BY g;
DELETE FROM apt_o WHERE g = 4;
SELECT g, n, s FROM apt_pv ORDER BY g;
UPDATE apt_o SET x = 0 WHERE id = 1;
SELECT n, s FROM apt_all;
-- a change to the join's other table only
UPDATE apt_c SET name = 'ONE' WHERE g = 1;
SELECT id, name FROM apt_join WHERE name = 'ONE' ORDER BY id;
SELECT * FROM apt_diff;
COMMIT;
SELECT * FROM apt_diff;

-- the same under REPEATABLE READ (one snapshot for the whole transaction)
BEGIN ISOLATION LEVEL REPEATABLE READ;
INSERT INTO apt_o VALUES (10, 1, 100);
SELECT g, n, s FROM apt_grp WHERE g = 1;
UPDATE apt_o SET g = 2 WHERE id = 10;
SELECT g, n, s FROM apt_grp ORDER BY g;
SELECT * FROM apt_diff;
COMMIT;

--
-- 2. a subquery in a DML statement reads the result table
--
CREATE TABLE apt_log (tag text, g int, n bigint, s bigint);
BEGIN;
INSERT INTO apt_o VALUES (11, 3, 11);
INSERT INTO apt_log SELECT 'insert-select', g, n, s FROM apt_grp WHERE g = 3;
INSERT INTO apt_o VALUES (12, 3, 12);
UPDATE apt_log SET n = (SELECT n FROM apt_grp WHERE g = 3) WHERE tag = 'insert-select'
    RETURNING tag, g, n, s;
INSERT INTO apt_o VALUES (13, 3, 13);
DELETE FROM apt_log WHERE n < (SELECT v.n FROM apt_grp v WHERE v.g = 3) RETURNING tag, n;
INSERT INTO apt_o VALUES (14, 3, 14);
-- a statement writing a base table of the view, whose own query reads the
-- view: the earlier changes are applied before it starts
INSERT INTO apt_o SELECT 100 + n::int, 5, s::int FROM apt_grp WHERE g = 3 RETURNING id, g, x;
SELECT g, n, s FROM apt_grp WHERE g IN (3, 5) ORDER BY g;
-- a writable CTE whose INSERT reads the view
INSERT INTO apt_o VALUES (15, 5, 1);
WITH w AS (INSERT INTO apt_log SELECT 'cte', g, n, s FROM apt_grp WHERE g = 5 RETURNING *)
SELECT tag, g, n, s FROM w;
SELECT * FROM apt_diff;
COMMIT;

--
-- 3. cursors: the flush happens when the cursor's query starts (DECLARE);
--    like a cursor over the query itself, it then keeps its snapshot
--
BEGIN;
INSERT INTO apt_o VALUES (16, 1, 16);
DECLARE apt_cur_view CURSOR FOR SELECT g, n, s FROM apt_grp ORDER BY g;
DECLARE apt_cur_query CURSOR FOR SELECT g, count(*), sum(x) FROM apt_o GROUP BY g ORDER BY g;
INSERT INTO apt_o VALUES (17, 1, 17);
FETCH ALL FROM apt_cur_view;
FETCH ALL FROM apt_cur_query;
INSERT INTO apt_o VALUES (18, 2, 18);
DECLARE apt_cur_diff CURSOR FOR SELECT * FROM apt_diff;
FETCH ALL FROM apt_cur_diff;
DECLARE apt_cur_bag SCROLL CURSOR FOR SELECT g, x FROM apt_bag WHERE x IN (17, 18) ORDER BY x;
FETCH ALL FROM apt_cur_bag;
FETCH FIRST FROM apt_cur_bag;
COMMIT;

--
-- 4. SQL and PL/pgSQL functions (VOLATILE: a new snapshot per query;
--    STABLE: the calling query's snapshot), prepared statements, cached plans
--
CREATE FUNCTION apt_sql_vol(int) RETURNS bigint LANGUAGE sql
    AS 'SELECT n FROM apt_grp WHERE g = $1';
CREATE FUNCTION apt_sql_stable(int) RETURNS bigint LANGUAGE sql STABLE
    AS 'SELECT n FROM apt_grp WHERE g = $1';
CREATE FUNCTION apt_plpgsql_vol(int) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE r bigint;
BEGIN
    SELECT n INTO r FROM apt_grp WHERE g = $1;
    RETURN r;
END
$$;
CREATE FUNCTION apt_plpgsql_stable(int) RETURNS bigint LANGUAGE plpgsql STABLE AS $$
DECLARE r bigint;
BEGIN
    SELECT n INTO r FROM apt_grp WHERE g = $1;
    RETURN r;
END
$$;
-- a set-returning SQL function over the join view and the PostgreSQL view
CREATE FUNCTION apt_sql_rows(int) RETURNS TABLE (id int, name text, n bigint) LANGUAGE sql AS $$
    SELECT j.id, j.name, p.n FROM apt_join j JOIN apt_c c ON c.name = j.name
      LEFT JOIN apt_pv p ON p.g = c.g
     WHERE c.g = $1 ORDER BY j.id
$$;
-- the query's own answer, for comparison
CREATE FUNCTION apt_query_n(int) RETURNS bigint LANGUAGE sql STABLE
    AS 'SELECT count(*) FROM apt_o WHERE g = $1';

BEGIN;
SELECT g, n FROM apt_grp WHERE g = 4;
INSERT INTO apt_o VALUES (20, 4, 1);
SELECT apt_sql_vol(4);
INSERT INTO apt_o VALUES (21, 4, 1);
SELECT apt_sql_stable(4);
INSERT INTO apt_o VALUES (22, 4, 1);
SELECT apt_plpgsql_vol(4);
INSERT INTO apt_o VALUES (23, 4, 1);
SELECT apt_plpgsql_stable(4);
INSERT INTO apt_o VALUES (24, 4, 1);
-- several reads in one query, the first flushing: all see every row
SELECT apt_sql_vol(4) AS sql_vol, apt_sql_stable(4) AS sql_stable,
       apt_plpgsql_vol(4) AS plpgsql_vol, apt_plpgsql_stable(4) AS plpgsql_stable,
       apt_query_n(4) AS query;
INSERT INTO apt_o VALUES (25, 4, 1);
SELECT apt_plpgsql_stable(4) AS plpgsql_stable, apt_sql_stable(4) AS sql_stable,
       apt_query_n(4) AS query;
INSERT INTO apt_o VALUES (26, 4, 1);
-- called per row of a query over another table
SELECT g, apt_sql_stable(g) AS sql_stable, apt_plpgsql_vol(g) AS plpgsql_vol, apt_query_n(g) AS query
  FROM apt_c WHERE g IN (1, 4) ORDER BY g;
INSERT INTO apt_o VALUES (27, 4, 27);
SELECT * FROM apt_sql_rows(4);
SELECT * FROM apt_diff;
COMMIT;

-- the same plans again: the second call of a function, and EXECUTE of a
-- prepared statement, reuse a plan made earlier (a generic plan here)
SET plan_cache_mode = force_generic_plan;
PREPARE apt_prep(int) AS SELECT n, s FROM apt_grp WHERE g = $1;
PREPARE apt_prep_diff AS SELECT sum(diff) AS total_diff FROM apt_diff;
BEGIN;
EXECUTE apt_prep(4);
INSERT INTO apt_o VALUES (28, 4, 28);
EXECUTE apt_prep(4);
INSERT INTO apt_o VALUES (29, 4, 29);
EXECUTE apt_prep(4);
DELETE FROM apt_o WHERE id = 29;
EXECUTE apt_prep_diff;
SELECT apt_plpgsql_vol(4), apt_plpgsql_stable(4), apt_sql_stable(4);
INSERT INTO apt_o VALUES (30, 4, 30);
SELECT apt_plpgsql_vol(4), apt_plpgsql_stable(4), apt_sql_stable(4);
DELETE FROM apt_o WHERE id = 30;
SELECT apt_plpgsql_vol(4), apt_plpgsql_stable(4), apt_sql_stable(4);
EXECUTE apt_prep_diff;
COMMIT;
RESET plan_cache_mode;
DEALLOCATE apt_prep;
DEALLOCATE apt_prep_diff;

-- a PL/pgSQL loop of single-row INSERTs reading the view every 20 rows
CREATE TABLE apt_loop (id int PRIMARY KEY, g int, x int);
SELECT stepping.create_view('apt_loop_g', 'SELECT g, count(*) AS n, sum(x) AS s FROM apt_loop GROUP BY g');
DO $$
DECLARE
    got_n bigint;
    got_s bigint;
    wrong int := 0;
BEGIN
    FOR i IN 1..200 LOOP
        INSERT INTO apt_loop VALUES (i, i % 3, i);
        IF i % 20 = 0 THEN
            SELECT sum(n), sum(s) INTO got_n, got_s FROM apt_loop_g;
            IF got_n <> i OR got_s <> i * (i + 1) / 2 THEN
                wrong := wrong + 1;
            END IF;
            UPDATE apt_loop SET x = x WHERE id = i;   -- a no-op change
        END IF;
    END LOOP;
    RAISE NOTICE 'reads that missed rows: %', wrong;
END
$$;
SELECT g, n, s FROM apt_loop_g ORDER BY g;
SELECT * FROM stepping.check_view('apt_loop_g');

--
-- 5. a foreign key whose referenced table is a result table: the FK check
--    reads it
--
CREATE TABLE apt_fo (id int PRIMARY KEY, g int, x int);
SELECT stepping.create_view('apt_fg', 'SELECT g, count(*) AS n FROM apt_fo GROUP BY g');
CREATE TABLE apt_ref (id int PRIMARY KEY, g int REFERENCES apt_fg (g));
BEGIN;
INSERT INTO apt_fo VALUES (1, 7, 70);       -- group 7 is new
INSERT INTO apt_ref VALUES (1, 7);          -- its FK check must find group 7
INSERT INTO apt_fo VALUES (2, 8, 80);       -- group 8 is new
UPDATE apt_ref SET g = 8 WHERE id = 1;      -- checked again
SAVEPOINT s;
INSERT INTO apt_ref VALUES (2, 9);          -- group 9 does not exist: refused
ROLLBACK TO SAVEPOINT s;
INSERT INTO apt_fo VALUES (3, 9, 90);
INSERT INTO apt_ref VALUES (2, 9);
SELECT r.id, r.g, f.n FROM apt_ref r JOIN apt_fg f USING (g) ORDER BY r.id;
COMMIT;
SELECT * FROM stepping.check_view('apt_fg');
-- a deferred FK: checked at COMMIT, where it must see the group created by a
-- change still pending then
CREATE TABLE apt_dref (id int PRIMARY KEY, g int REFERENCES apt_fg (g) DEFERRABLE INITIALLY DEFERRED);
BEGIN;
INSERT INTO apt_dref VALUES (1, 10);
INSERT INTO apt_fo VALUES (4, 10, 100);
COMMIT;
SELECT d.id, d.g, f.n FROM apt_dref d JOIN apt_fg f USING (g);
BEGIN;
INSERT INTO apt_dref VALUES (2, 11);
INSERT INTO apt_fo VALUES (5, 11, 110);
DELETE FROM apt_fo WHERE id = 5;
COMMIT;
SELECT id, g FROM apt_dref ORDER BY id;
SELECT * FROM stepping.check_view('apt_fg');

--
-- 6. COPY of a result table (apt_all has exactly one row)
--
BEGIN;
INSERT INTO apt_o VALUES (31, 1, 1000);
COPY apt_all (n, s) TO STDOUT;
DELETE FROM apt_o WHERE id = 31;
COPY apt_all (n, s) TO STDOUT;
COPY (SELECT n, s FROM apt_all) TO STDOUT;
-- COPY FROM writes a base table; its rows wait like an INSERT's
COPY apt_o (id, g, x) FROM STDIN;
50	1	2000
51	3	3000
\.
COPY apt_all (n, s) TO STDOUT;
SELECT g, n, s FROM apt_grp WHERE g IN (1, 3) ORDER BY g;
DELETE FROM apt_o WHERE id IN (50, 51);
COMMIT;
SELECT count(*), sum(x) FROM apt_o;
SELECT * FROM apt_diff;

--
-- 7. stepping's functions apply the pending changes first
--
BEGIN;
INSERT INTO apt_o VALUES (32, 1, 5);
SELECT * FROM stepping.check_view('apt_grp');
SELECT * FROM stepping.check_view('apt_vov');
INSERT INTO apt_o VALUES (33, 1, 5);
SELECT writes AS w0 FROM apt_writes WHERE tab = 'apt_grp' \gset
SELECT count(*) > 0 AS explained FROM stepping.explain_view('apt_grp');
SELECT writes - :w0 > 0 AS applied_by_explain_view FROM apt_writes WHERE tab = 'apt_grp';
INSERT INTO apt_o VALUES (34, 1, 5);
-- a refresh over pending changes must not count them twice
SELECT stepping.refresh_view('apt_grp');
SELECT g, n, s FROM apt_grp WHERE g = 1;
SELECT apt_query_n(1);
INSERT INTO apt_o VALUES (35, 1, 5);
SELECT stepping.refresh_view('apt_bag');
SELECT count(*) FROM apt_bag WHERE g = 1 AND x = 5;
SELECT * FROM apt_diff;
COMMIT;
SELECT * FROM apt_diff;

-- create_view inside a transaction with pending changes: the new view is
-- filled from the tables, which hold the pending rows; they are not counted
-- again.  apt_grp2 reads apt_o, apt_vov2 reads the result table apt_grp.
BEGIN;
INSERT INTO apt_o VALUES (36, 5, 500);
UPDATE apt_o SET x = x + 1 WHERE id = 2;
SELECT stepping.create_view('apt_grp2', 'SELECT g, count(*) AS n, sum(x) AS s FROM apt_o GROUP BY g');
SELECT stepping.create_view('apt_vov2', 'SELECT sum(n) AS rows, sum(s) AS total FROM apt_grp');
INSERT INTO apt_o VALUES (37, 5, 600);
SELECT g, n, s FROM apt_grp2 WHERE g IN (1, 5) ORDER BY g;
SELECT g, n, s FROM apt_grp WHERE g IN (1, 5) ORDER BY g;
SELECT rows, total FROM apt_vov2;
SELECT count(*), sum(x) FROM apt_o;
SELECT * FROM stepping.check_view('apt_grp2');
SELECT * FROM stepping.check_view('apt_vov2');
COMMIT;
SELECT * FROM stepping.check_view('apt_grp2');
SELECT * FROM stepping.check_view('apt_vov2');

-- drop_view with pending changes: the other views still get them
BEGIN;
INSERT INTO apt_o VALUES (38, 5, 1);
SELECT stepping.drop_view('apt_grp2');
INSERT INTO apt_o VALUES (39, 5, 1);
SELECT stepping.drop_view('apt_vov2');
SELECT g, n, s FROM apt_grp WHERE g = 5;
SELECT * FROM apt_diff;
ROLLBACK;
SELECT * FROM stepping.check_view('apt_grp2');
SELECT * FROM stepping.check_view('apt_vov2');
SELECT stepping.drop_view('apt_vov2');
SELECT stepping.drop_view('apt_grp2');

--
-- 8. utility statements other than SET/SHOW, transaction control, cursors,
--    EXPLAIN, DO/CALL, PREPARE/EXECUTE apply the pending changes first
--
BEGIN;
INSERT INTO apt_o VALUES (40, 2, 1);
SELECT writes AS w0 FROM apt_writes WHERE tab = 'apt_grp' \gset
SET LOCAL work_mem = '4MB';
SHOW work_mem;
SELECT writes - :w0 AS writes_after_set_show FROM apt_writes WHERE tab = 'apt_grp';
CREATE TABLE apt_ddl (a int);
SELECT writes - :w0 > 0 AS applied_before_create_table FROM apt_writes WHERE tab = 'apt_grp';
INSERT INTO apt_o VALUES (41, 2, 1);
ALTER TABLE apt_o ADD COLUMN extra int DEFAULT 7;
INSERT INTO apt_o VALUES (42, 2, 1, 8);
SELECT g, n, s FROM apt_grp WHERE g = 2;
ALTER TABLE apt_o DROP COLUMN extra;
SELECT * FROM apt_diff;
COMMIT;

-- TRUNCATE after pending changes, and changes after the TRUNCATE
CREATE TABLE apt_tr (id int PRIMARY KEY, g int, x int);
INSERT INTO apt_tr VALUES (1, 1, 1), (2, 2, 2);
SELECT stepping.create_view('apt_tr_g', 'SELECT g, count(*) AS n, sum(x) AS s FROM apt_tr GROUP BY g');
SELECT stepping.create_view('apt_tr_b', 'SELECT g, x FROM apt_tr');
BEGIN;
INSERT INTO apt_tr VALUES (3, 1, 3);
DELETE FROM apt_tr WHERE id = 2;
TRUNCATE apt_tr;
INSERT INTO apt_tr VALUES (4, 4, 4);
SELECT g, n, s FROM apt_tr_g ORDER BY g;
SELECT g, x FROM apt_tr_b ORDER BY g;
INSERT INTO apt_tr VALUES (5, 4, 5);
TRUNCATE apt_tr;
INSERT INTO apt_tr VALUES (6, 6, 6);
COMMIT;
SELECT g, n, s FROM apt_tr_g ORDER BY g;
SELECT * FROM stepping.check_view('apt_tr_g');
SELECT * FROM stepping.check_view('apt_tr_b');

-- a function a view uses is replaced with pending changes: the view is
-- recomputed with the new function, and the pending rows count once
CREATE TABLE apt_fn_t (id int PRIMARY KEY, g int, x int);
CREATE FUNCTION apt_f(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1 * 2';
INSERT INTO apt_fn_t VALUES (1, 1, 1);
SELECT stepping.create_view('apt_fn_g', 'SELECT g, count(*) AS n, sum(apt_f(x)) AS fs FROM apt_fn_t GROUP BY g');
BEGIN;
INSERT INTO apt_fn_t VALUES (2, 1, 10);
CREATE OR REPLACE FUNCTION apt_f(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1 * 3';
INSERT INTO apt_fn_t VALUES (3, 1, 100);
SELECT g, n, fs FROM apt_fn_g;
SELECT * FROM stepping.check_view('apt_fn_g');
COMMIT;
SELECT g, n, fs FROM apt_fn_g;

--
-- 9. row triggers that read a result table
--
-- on a table no view reads
CREATE TABLE apt_audit (id int, seen_n bigint);
CREATE FUNCTION apt_audit_trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.seen_n := (SELECT n FROM apt_grp WHERE g = 1);
    RETURN NEW;
END
$$;
CREATE TRIGGER apt_audit_trg BEFORE INSERT ON apt_audit
    FOR EACH ROW EXECUTE FUNCTION apt_audit_trg();
-- on a base table of the view it reads (user row triggers make the pending
-- changes apply at the start of the statement: each row sees every earlier
-- statement, none of its own statement, in both settings)
CREATE TABLE apt_trg_t (id int PRIMARY KEY, g int, seen bigint);
SELECT stepping.create_view('apt_trg_g', 'SELECT g, count(*) AS n FROM apt_trg_t GROUP BY g');
CREATE FUNCTION apt_trg_t_trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.seen := coalesce((SELECT n FROM apt_trg_g WHERE g = NEW.g), 0);
    RETURN NEW;
END
$$;
CREATE TRIGGER apt_trg_t_trg BEFORE INSERT ON apt_trg_t
    FOR EACH ROW EXECUTE FUNCTION apt_trg_t_trg();
BEGIN;
SELECT n FROM apt_grp WHERE g = 1;
INSERT INTO apt_o VALUES (43, 1, 1);
INSERT INTO apt_audit VALUES (1);
INSERT INTO apt_o VALUES (44, 1, 1), (45, 1, 1);
INSERT INTO apt_audit VALUES (2), (3);
SELECT id, seen_n FROM apt_audit ORDER BY id;
INSERT INTO apt_trg_t VALUES (1, 1);
INSERT INTO apt_trg_t VALUES (2, 1);
INSERT INTO apt_trg_t VALUES (3, 1), (4, 1);
INSERT INTO apt_trg_t VALUES (5, 2);
INSERT INTO apt_trg_t VALUES (6, 1);
SELECT id, g, seen FROM apt_trg_t ORDER BY id;
COMMIT;
SELECT * FROM stepping.check_view('apt_trg_g');

-- a read of a result table from inside a statement that changes a base table
-- of that view, with an earlier statement's change pending: either it sees
-- that change, or it is refused with 55000; never a stale value
CREATE FUNCTION apt_read_g6() RETURNS bigint LANGUAGE sql
    AS 'SELECT coalesce((SELECT n FROM apt_grp WHERE g = 6), 0)';
BEGIN;
INSERT INTO apt_o VALUES (46, 6, 1);
DO $$
DECLARE
    v bigint;
BEGIN
    BEGIN
        INSERT INTO apt_o VALUES (47, 6, 1) RETURNING apt_read_g6() INTO v;
        -- 1: row 46 only; 2: the statement's own row too
        RAISE NOTICE 'RETURNING: %', CASE WHEN v IN (1, 2) THEN 'sees the earlier change' ELSE 'stale: ' || v END;
    EXCEPTION WHEN object_not_in_prerequisite_state THEN
        RAISE NOTICE 'RETURNING: sees the earlier change';
    END;
    BEGIN
        INSERT INTO apt_o VALUES (48, 6, apt_read_g6()::int) RETURNING x INTO v;
        RAISE NOTICE 'VALUES: %', CASE WHEN v >= 1 THEN 'sees the earlier change' ELSE 'stale: ' || v END;
    EXCEPTION WHEN object_not_in_prerequisite_state THEN
        RAISE NOTICE 'VALUES: sees the earlier change';
    END;
END
$$;
SELECT * FROM apt_diff;
COMMIT;
SELECT * FROM apt_diff;

--
-- 10. COMMIT and ROLLBACK inside a procedure or DO block: the changes are
--     applied before the COMMIT; another session (dblink) sees them in the
--     view as soon as it sees the rows
--
CREATE EXTENSION IF NOT EXISTS dblink;
CREATE FUNCTION apt_other_session(q text) RETURNS text LANGUAGE sql AS $$
    SELECT t FROM dblink(format('host=%s port=%s dbname=%s user=%s',
                                split_part(current_setting('unix_socket_directories'), ',', 1),
                                current_setting('port'), current_database(), current_user), q) AS r(t text)
$$;
CREATE PROCEDURE apt_proc() LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO apt_o VALUES (60, 7, 1);
    INSERT INTO apt_o VALUES (61, 7, 2);
    COMMIT;
    RAISE NOTICE 'another session after COMMIT: %',
        apt_other_session('SELECT count(*) || '' rows, view: '' || (SELECT n || '' | '' || s FROM apt_grp WHERE g = 7) FROM apt_o WHERE g = 7');
    INSERT INTO apt_o VALUES (62, 7, 4);
    ROLLBACK;
    INSERT INTO apt_o VALUES (63, 7, 8);
END
$$;
CALL apt_proc();
SELECT g, n, s FROM apt_grp WHERE g = 7;
DO $$
BEGIN
    DELETE FROM apt_o WHERE id = 60;
    COMMIT;
    RAISE NOTICE 'another session after COMMIT: %',
        apt_other_session('SELECT count(*) || '' rows, view: '' || (SELECT n || '' | '' || s FROM apt_grp WHERE g = 7) FROM apt_o WHERE g = 7');
END
$$;
SELECT * FROM apt_diff;

-- the setting changed inside a transaction with changes pending: reads stay
-- exact either way
BEGIN;
INSERT INTO apt_o VALUES (64, 7, 16);
SET LOCAL stepping.apply = 'statement';
INSERT INTO apt_o VALUES (65, 7, 32);
SELECT g, n, s FROM apt_grp WHERE g = 7;
INSERT INTO apt_o VALUES (66, 7, 64);
SET LOCAL stepping.apply = 'transaction';
INSERT INTO apt_o VALUES (67, 7, 128);
SELECT g, n, s FROM apt_grp WHERE g = 7;
INSERT INTO apt_o VALUES (68, 7, 256);
COMMIT;
SELECT g, n, s FROM apt_grp WHERE g = 7;
SELECT * FROM apt_diff;

--
-- 11. one statement changing more than 10,000 rows applies everything
--     pending at its end, without waiting for a read
--
CREATE TABLE apt_big (id int PRIMARY KEY, g int);
SELECT stepping.create_view('apt_big_g', 'SELECT g, count(*) AS n FROM apt_big GROUP BY g');
BEGIN;
INSERT INTO apt_big VALUES (0, 1);
SELECT writes AS w0 FROM apt_writes WHERE tab = 'apt_big_g' \gset
INSERT INTO apt_big SELECT i, i % 2 FROM generate_series(1, 20000) i;
SELECT writes - :w0 > 0 AS applied_at_statement_end FROM apt_writes WHERE tab = 'apt_big_g';
SELECT g, n FROM apt_big_g ORDER BY g;
COMMIT;
SELECT * FROM stepping.check_view('apt_big_g');

--
-- 12. a transaction's single-row statements into one group write the group
--     row once per flush, not once per statement
--
CREATE TABLE apt_co (id int PRIMARY KEY, g int, x int);
INSERT INTO apt_co VALUES (0, 1, 0);
SELECT stepping.create_view('apt_co_g', 'SELECT g, count(*) AS n, sum(x) AS s FROM apt_co GROUP BY g');
-- 50 top-level INSERTs, then a read
BEGIN;
SELECT writes AS w0, pg_stat_get_xact_tuples_inserted('apt_co'::regclass) AS b0
  FROM apt_writes WHERE tab = 'apt_co_g' \gset
-- (\gexec runs INSERT INTO apt_co VALUES (i, 1, i) for i = 1..50, each a
-- statement of its own, not echoed)
\set ECHO none
SELECT format('INSERT INTO apt_co VALUES (%s, 1, %s)', i, i) FROM generate_series(1, 50) i \gexec
\set ECHO all
SELECT g, n, s FROM apt_co_g;
SELECT pg_stat_get_xact_tuples_inserted('apt_co'::regclass) - :b0 AS base_rows_inserted,
       writes - :w0 BETWEEN 1 AND 2 AS group_row_written_once
  FROM apt_writes WHERE tab = 'apt_co_g';
COMMIT;
-- a PL/pgSQL loop of 50 single-row INSERTs, then a read; then 50 more
BEGIN;
SELECT writes AS w0 FROM apt_writes WHERE tab = 'apt_co_g' \gset
DO $$
BEGIN
    FOR i IN 51..100 LOOP
        INSERT INTO apt_co VALUES (i, 1, i);
    END LOOP;
END
$$;
SELECT g, n, s FROM apt_co_g;
DO $$
BEGIN
    FOR i IN 101..150 LOOP
        INSERT INTO apt_co VALUES (i, 1, i);
    END LOOP;
END
$$;
SELECT g, n, s FROM apt_co_g;
SELECT writes - :w0 BETWEEN 2 AND 4 AS group_row_written_once_per_read FROM apt_writes WHERE tab = 'apt_co_g';
COMMIT;
-- the same under stepping.apply = 'statement': one write per statement
SET stepping.apply = 'statement';
SHOW stepping.apply;
BEGIN;
SELECT writes AS w0 FROM apt_writes WHERE tab = 'apt_co_g' \gset
-- (i = 151..200)
\set ECHO none
SELECT format('INSERT INTO apt_co VALUES (%s, 1, %s)', i, i) FROM generate_series(151, 200) i \gexec
\set ECHO all
SELECT writes - :w0 BETWEEN 45 AND 55 AS group_row_written_per_statement FROM apt_writes WHERE tab = 'apt_co_g';
SELECT g, n, s FROM apt_co_g;
COMMIT;
RESET stepping.apply;
SHOW stepping.apply;
SELECT * FROM stepping.check_view('apt_co_g');

-- nothing left behind
SELECT * FROM apt_diff;

-- clean up: later files count the views left in the database
DROP VIEW apt_diff, apt_pv, apt_writes;
DROP TABLE apt_ref, apt_dref;
DO $$
DECLARE
    v text;
BEGIN
    FOREACH v IN ARRAY ARRAY['apt_vov', 'apt_grp', 'apt_join', 'apt_bag', 'apt_all', 'apt_loop_g',
                             'apt_fg', 'apt_tr_g', 'apt_tr_b', 'apt_fn_g', 'apt_trg_g', 'apt_big_g',
                             'apt_co_g'] LOOP
        PERFORM stepping.drop_view(v::regclass);
    END LOOP;
END
$$;
DROP TABLE apt_o, apt_c, apt_log, apt_loop, apt_fo, apt_ddl, apt_tr, apt_fn_t, apt_audit,
    apt_trg_t, apt_big, apt_co;
DROP FUNCTION apt_sql_vol(int), apt_sql_stable(int), apt_plpgsql_vol(int), apt_plpgsql_stable(int),
    apt_sql_rows(int), apt_query_n(int), apt_f(int), apt_audit_trg(), apt_trg_t_trg(), apt_read_g6(),
    apt_other_session(text);
DROP PROCEDURE apt_proc();
DROP EXTENSION dblink;
SELECT count(*) AS views_left FROM stepping.views WHERE name::text LIKE 'apt%';
