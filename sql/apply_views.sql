-- Every kind of view under transactions of many statements over all its
-- tables, with reads in between, under both settings of stepping.apply.
-- Under 'transaction' the statements between two reads reach the views as
-- one consolidated change per table: an order and its customer arriving in
-- two statements, a group's minimum leaving and a smaller one arriving, a
-- HAVING group dropping out and back, a key of an EXISTS / NOT EXISTS / outer
-- join appearing and disappearing again, float sums recomputed, views over
-- views.  apv_check() runs check_view on every view (no rows = all exact);
-- the same block runs once per setting and must print the same rows.
\pset null '(null)'

CREATE TABLE apv_c (id int PRIMARY KEY, seg text NOT NULL, region int);
CREATE TABLE apv_o (id int PRIMARY KEY, cid int, amt numeric(10,2), qty int, f float8);
CREATE INDEX ON apv_o (cid);
CREATE INDEX ON apv_c (region);
SELECT stepping.create_view('apv_join_g', 'SELECT c.seg, count(*) AS n, sum(o.amt) AS s FROM apv_o o JOIN apv_c c ON c.id = o.cid GROUP BY c.seg');
SELECT stepping.create_view('apv_join_bag', 'SELECT o.id, c.seg, o.amt FROM apv_o o JOIN apv_c c ON c.id = o.cid');
SELECT stepping.create_view('apv_left', 'SELECT c.id, count(o.id) AS n, sum(o.amt) AS s FROM apv_c c LEFT JOIN apv_o o ON o.cid = c.id GROUP BY c.id');
SELECT stepping.create_view('apv_full', 'SELECT c.id AS c_id, o.id AS o_id FROM apv_c c FULL JOIN apv_o o ON o.cid = c.id');
SELECT stepping.create_view('apv_minmax', 'SELECT cid, min(amt) AS lo, max(amt) AS hi, count(*) AS n FROM apv_o GROUP BY cid');
SELECT stepping.create_view('apv_having', 'SELECT cid, sum(qty) AS q FROM apv_o GROUP BY cid HAVING count(*) >= 2');
SELECT stepping.create_view('apv_distinct', 'SELECT DISTINCT cid FROM apv_o');
SELECT stepping.create_view('apv_exists', 'SELECT c.id, c.seg FROM apv_c c WHERE EXISTS (SELECT 1 FROM apv_o o WHERE o.cid = c.id)');
SELECT stepping.create_view('apv_notexists', 'SELECT c.id FROM apv_c c WHERE NOT EXISTS (SELECT 1 FROM apv_o o WHERE o.cid = c.id)');
SELECT stepping.create_view('apv_notin', 'SELECT o.id FROM apv_o o WHERE o.cid NOT IN (SELECT c.id FROM apv_c c)');
SELECT stepping.create_view('apv_scalar', 'SELECT c.id, (SELECT count(*) FROM apv_o o WHERE o.cid = c.id) AS n FROM apv_c c');
SELECT stepping.create_view('apv_union', 'SELECT cid AS k FROM apv_o UNION SELECT region FROM apv_c');
SELECT stepping.create_view('apv_union_all', 'SELECT cid AS k FROM apv_o UNION ALL SELECT region FROM apv_c');
SELECT stepping.create_view('apv_except', 'SELECT cid FROM apv_o EXCEPT SELECT id FROM apv_c');
SELECT stepping.create_view('apv_float', 'SELECT cid, avg(f) AS af, sum(f) AS sf, count(*) AS n FROM apv_o GROUP BY cid');
SELECT stepping.create_view('apv_generic', 'SELECT cid, string_agg(id::text, '','' ORDER BY id) AS ids, count(DISTINCT qty) AS dq FROM apv_o GROUP BY cid');
SELECT stepping.create_view('apv_sub', 'SELECT seg, max(total) AS top FROM (SELECT c.seg, o.cid, sum(o.amt) AS total FROM apv_o o JOIN apv_c c ON c.id = o.cid GROUP BY c.seg, o.cid) t GROUP BY seg');
SELECT stepping.create_view('apv_global', 'SELECT count(*) AS n, sum(amt) AS s, min(amt) AS lo FROM apv_o');
SELECT stepping.create_view('apv_vov', 'SELECT n, count(*) AS customers FROM apv_left GROUP BY n');
SELECT stepping.create_view('apv_vov2', 'SELECT e.id, m.lo FROM apv_exists e JOIN apv_minmax m ON m.cid = e.id');

-- check_view of every view (internal ones included): no rows = all exact
CREATE FUNCTION apv_check() RETURNS TABLE (view regclass, side text, row_data text) LANGUAGE sql AS $$
    SELECT c.view_rel, k.side, k.row_data
      FROM stepping.catalog c, stepping.check_view(c.view_rel) k
     WHERE c.view_rel::text LIKE 'apv%'
     ORDER BY 1, 2, 3
$$;

--
-- run 1: stepping.apply = 'transaction'
--
SET stepping.apply = 'transaction';

TRUNCATE apv_o, apv_c;
INSERT INTO apv_c VALUES (1, 'a', 1), (2, 'a', 2), (3, 'b', 1), (4, 'b', 3);
INSERT INTO apv_o VALUES (1, 1, 10.00, 1, 0.5), (2, 1, 20.00, 2, 1.5), (3, 2, 5.50, 1, 2.25),
                         (4, 3, 7.25, 3, 0.5), (5, 4, 1.00, 1, 4), (6, 4, 2.00, 2, 8);
SELECT * FROM apv_check();

BEGIN;
-- an order whose customer arrives in a later statement
INSERT INTO apv_o VALUES (10, 5, 3.00, 1, 0.25);
INSERT INTO apv_c VALUES (5, 'c', 2);
-- customer 1's minimum leaves, a smaller one arrives
DELETE FROM apv_o WHERE id = 1;
INSERT INTO apv_o VALUES (11, 1, 9.99, 5, 0.75);
-- a customer changes segment while its orders change
UPDATE apv_c SET seg = 'c' WHERE id = 2;
UPDATE apv_o SET amt = amt * 2 WHERE cid = 2;
SELECT cid, lo, hi, n FROM apv_minmax ORDER BY cid;
SELECT * FROM apv_check();
-- customer 3 leaves (its order stays), its order moves, it comes back
DELETE FROM apv_c WHERE id = 3;
SELECT id, n, s FROM apv_left ORDER BY id;
UPDATE apv_o SET cid = 3 WHERE id = 10;
INSERT INTO apv_c VALUES (3, 'a', 9);
-- customer 4 loses both orders (HAVING group, EXISTS key, DISTINCT row go),
-- gets one back and loses it again
DELETE FROM apv_o WHERE cid = 4;
INSERT INTO apv_o VALUES (12, 4, 100.00, 1, 16);
DELETE FROM apv_o WHERE id = 12;
UPDATE apv_o SET f = f * 2, qty = qty + 1;
SELECT cid, q FROM apv_having ORDER BY cid;
SELECT id FROM apv_notexists ORDER BY id;
SELECT * FROM apv_check();
-- everything deleted and one row inserted inside a savepoint, rolled back
SAVEPOINT s;
DELETE FROM apv_o;
INSERT INTO apv_o VALUES (13, 1, 1.00, 1, 1);
UPDATE apv_c SET region = region + 10;
SELECT n, s, lo FROM apv_global;
SELECT * FROM apv_check();
ROLLBACK TO SAVEPOINT s;
INSERT INTO apv_c VALUES (6, 'd', 1);
DELETE FROM apv_c WHERE id = 5;
INSERT INTO apv_o VALUES (14, 7, 0.50, 2, 0.125);
COMMIT;
SELECT * FROM apv_check();
SELECT seg, n, s FROM apv_join_g ORDER BY seg;
SELECT id, n, s FROM apv_left ORDER BY id;
SELECT cid, lo, hi, n FROM apv_minmax ORDER BY cid;
SELECT cid, af, sf, n FROM apv_float ORDER BY cid;
SELECT cid, ids, dq FROM apv_generic ORDER BY cid;
SELECT id FROM apv_notin ORDER BY id;
SELECT cid FROM apv_except ORDER BY cid;
SELECT k FROM apv_union ORDER BY k;
SELECT seg, top FROM apv_sub ORDER BY seg;
SELECT n, customers FROM apv_vov ORDER BY n;
SELECT id, lo FROM apv_vov2 ORDER BY id;

-- a loop of single-row statements over both tables, reading every few rows
DO $$
DECLARE
    bad bigint := 0;
BEGIN
    FOR i IN 1..60 LOOP
        IF i % 4 = 0 THEN
            INSERT INTO apv_c VALUES (100 + i, CASE WHEN i % 8 = 0 THEN 'a' ELSE 'e' END, i % 5)
                ON CONFLICT (id) DO UPDATE SET seg = 'f';
        ELSIF i % 4 = 1 THEN
            INSERT INTO apv_o VALUES (100 + i, 100 + (i + 3) - (i + 3) % 4, i, i % 3, i / 4.0);
        ELSIF i % 4 = 2 THEN
            UPDATE apv_o SET amt = amt + 1, cid = 1 WHERE id = 100 + i - 1;
        ELSE
            DELETE FROM apv_c WHERE id = 100 + i - 7;
        END IF;
        IF i % 10 = 0 THEN
            SELECT count(*) INTO bad FROM apv_check();
            IF bad > 0 THEN
                RAISE NOTICE 'after statement %: % differences', i, bad;
            END IF;
        END IF;
    END LOOP;
END
$$;
SELECT * FROM apv_check();
SELECT n, s, lo FROM apv_global;

--
-- run 2: stepping.apply = 'statement'
--
SET stepping.apply = 'statement';

TRUNCATE apv_o, apv_c;
INSERT INTO apv_c VALUES (1, 'a', 1), (2, 'a', 2), (3, 'b', 1), (4, 'b', 3);
INSERT INTO apv_o VALUES (1, 1, 10.00, 1, 0.5), (2, 1, 20.00, 2, 1.5), (3, 2, 5.50, 1, 2.25),
                         (4, 3, 7.25, 3, 0.5), (5, 4, 1.00, 1, 4), (6, 4, 2.00, 2, 8);
SELECT * FROM apv_check();

BEGIN;
-- an order whose customer arrives in a later statement
INSERT INTO apv_o VALUES (10, 5, 3.00, 1, 0.25);
INSERT INTO apv_c VALUES (5, 'c', 2);
-- customer 1's minimum leaves, a smaller one arrives
DELETE FROM apv_o WHERE id = 1;
INSERT INTO apv_o VALUES (11, 1, 9.99, 5, 0.75);
-- a customer changes segment while its orders change
UPDATE apv_c SET seg = 'c' WHERE id = 2;
UPDATE apv_o SET amt = amt * 2 WHERE cid = 2;
SELECT cid, lo, hi, n FROM apv_minmax ORDER BY cid;
SELECT * FROM apv_check();
-- customer 3 leaves (its order stays), its order moves, it comes back
DELETE FROM apv_c WHERE id = 3;
SELECT id, n, s FROM apv_left ORDER BY id;
UPDATE apv_o SET cid = 3 WHERE id = 10;
INSERT INTO apv_c VALUES (3, 'a', 9);
-- customer 4 loses both orders (HAVING group, EXISTS key, DISTINCT row go),
-- gets one back and loses it again
DELETE FROM apv_o WHERE cid = 4;
INSERT INTO apv_o VALUES (12, 4, 100.00, 1, 16);
DELETE FROM apv_o WHERE id = 12;
UPDATE apv_o SET f = f * 2, qty = qty + 1;
SELECT cid, q FROM apv_having ORDER BY cid;
SELECT id FROM apv_notexists ORDER BY id;
SELECT * FROM apv_check();
-- everything deleted and one row inserted inside a savepoint, rolled back
SAVEPOINT s;
DELETE FROM apv_o;
INSERT INTO apv_o VALUES (13, 1, 1.00, 1, 1);
UPDATE apv_c SET region = region + 10;
SELECT n, s, lo FROM apv_global;
SELECT * FROM apv_check();
ROLLBACK TO SAVEPOINT s;
INSERT INTO apv_c VALUES (6, 'd', 1);
DELETE FROM apv_c WHERE id = 5;
INSERT INTO apv_o VALUES (14, 7, 0.50, 2, 0.125);
COMMIT;
SELECT * FROM apv_check();
SELECT seg, n, s FROM apv_join_g ORDER BY seg;
SELECT id, n, s FROM apv_left ORDER BY id;
SELECT cid, lo, hi, n FROM apv_minmax ORDER BY cid;
SELECT cid, af, sf, n FROM apv_float ORDER BY cid;
SELECT cid, ids, dq FROM apv_generic ORDER BY cid;
SELECT id FROM apv_notin ORDER BY id;
SELECT cid FROM apv_except ORDER BY cid;
SELECT k FROM apv_union ORDER BY k;
SELECT seg, top FROM apv_sub ORDER BY seg;
SELECT n, customers FROM apv_vov ORDER BY n;
SELECT id, lo FROM apv_vov2 ORDER BY id;

-- a loop of single-row statements over both tables, reading every few rows
DO $$
DECLARE
    bad bigint := 0;
BEGIN
    FOR i IN 1..60 LOOP
        IF i % 4 = 0 THEN
            INSERT INTO apv_c VALUES (100 + i, CASE WHEN i % 8 = 0 THEN 'a' ELSE 'e' END, i % 5)
                ON CONFLICT (id) DO UPDATE SET seg = 'f';
        ELSIF i % 4 = 1 THEN
            INSERT INTO apv_o VALUES (100 + i, 100 + (i + 3) - (i + 3) % 4, i, i % 3, i / 4.0);
        ELSIF i % 4 = 2 THEN
            UPDATE apv_o SET amt = amt + 1, cid = 1 WHERE id = 100 + i - 1;
        ELSE
            DELETE FROM apv_c WHERE id = 100 + i - 7;
        END IF;
        IF i % 10 = 0 THEN
            SELECT count(*) INTO bad FROM apv_check();
            IF bad > 0 THEN
                RAISE NOTICE 'after statement %: % differences', i, bad;
            END IF;
        END IF;
    END LOOP;
END
$$;
SELECT * FROM apv_check();
SELECT n, s, lo FROM apv_global;

RESET stepping.apply;

-- clean up: later files count the views left in the database
SET client_min_messages = warning;
DROP TABLE apv_o, apv_c CASCADE;
RESET client_min_messages;
DROP FUNCTION apv_check();
SELECT count(*) AS views_left FROM stepping.views WHERE name::text LIKE 'apv%';
