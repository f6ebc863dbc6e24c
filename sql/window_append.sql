-- The append path of window views (issue #16, W6): when every window
-- looks back only (row_number, count, sum over UNBOUNDED PRECEDING ..
-- CURRENT ROW, one ORDER BY), a row after its partition's last one, or the
-- delete of that last row, is computed from the last row alone.  After
-- every statement each view is compared with check_view and with its query
-- as written; the base table's scans are counted to show which statements
-- took the path (the path reads only the result table).
SET client_min_messages = warning;

CREATE TABLE wa (id int PRIMARY KEY, acct int, ts int, amt numeric(10,2), n int, big bigint);
CREATE INDEX ON wa (acct, ts, id);
INSERT INTO wa SELECT i, i % 4, i * 10, (i % 7) - 2.5, CASE WHEN i % 5 = 0 THEN NULL ELSE i % 9 END, i * 1000000000000
  FROM generate_series(1, 60) i;
UPDATE wa SET acct = NULL WHERE id % 13 = 0;

CREATE FUNCTION wa_diff(v regclass, q text, cols text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    bad bigint;
BEGIN
    EXECUTE format($f$
        SELECT (SELECT count(*) FROM (SELECT s::text FROM (%2$s) s EXCEPT ALL SELECT row(%3$s)::text FROM %1$s s) a)
             + (SELECT count(*) FROM (SELECT row(%3$s)::text FROM %1$s s EXCEPT ALL SELECT s::text FROM (%2$s) s) b)
    $f$, v, q, cols) INTO bad;
    RETURN bad;
END $$;

CREATE TABLE wa_views (v text PRIMARY KEY, q text, cols text);
INSERT INTO wa_views VALUES
  -- a running balance (numeric), a running count and a row number
  ('wa_bal', 'SELECT id, acct, amt, sum(amt) OVER (PARTITION BY acct ORDER BY ts, id) AS bal, count(*) OVER (PARTITION BY acct ORDER BY ts, id) AS k, row_number() OVER (PARTITION BY acct ORDER BY ts, id) AS rn FROM wa', 'id, acct, amt, bal, k, rn'),
  -- int4 and int8 sums (bigint and numeric), count(x) skipping NULLs, a ROWS frame
  ('wa_int', 'SELECT id, acct, sum(n) OVER w AS sn, sum(big) OVER w AS sb, count(n) OVER w AS cn FROM wa WINDOW w AS (PARTITION BY acct ORDER BY ts, id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)', 'id, acct, sn, sb, cn'),
  -- descending, NULLs first, no PARTITION BY (one partition)
  ('wa_desc', 'SELECT id, n, sum(amt) OVER (ORDER BY n DESC NULLS LAST, id DESC) AS rs FROM wa', 'id, n, rs'),
  -- not on the path: a window over the whole partition
  ('wa_total', 'SELECT id, acct, sum(amt) OVER (PARTITION BY acct ORDER BY ts) AS run, count(*) OVER (PARTITION BY acct) AS total FROM wa', 'id, acct, run, total');
SELECT stepping.create_view(v, q) FROM wa_views ORDER BY v;
SELECT v, e FROM wa_views, stepping.explain_view(v::regclass) e WHERE e LIKE '%append path%' ORDER BY v;

\set check 'SELECT v, c.* FROM wa_views, stepping.check_view(v::regclass) c UNION ALL SELECT v, ''diff'', wa_diff(v::regclass, q, cols)::text FROM wa_views WHERE wa_diff(v::regclass, q, cols) <> 0'
:check;

-- the path: scans of the table and rows written by one statement
CREATE FUNCTION wa_step(stmt text) RETURNS TABLE (table_scans bigint, inserted bigint, deleted bigint)
LANGUAGE plpgsql AS $$
DECLARE
    s0 bigint;
    i0 bigint;
    d0 bigint;
BEGIN
    SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) INTO s0 FROM pg_stat_xact_user_tables WHERE relid = 'wa'::regclass;
    SELECT n_tup_ins, n_tup_del INTO i0, d0 FROM pg_stat_xact_user_tables WHERE relid = 'wa_bal'::regclass;
    EXECUTE stmt;
    RETURN QUERY
      SELECT (SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) FROM pg_stat_xact_user_tables WHERE relid = 'wa'::regclass) - s0,
             t.n_tup_ins - i0, t.n_tup_del - d0
        FROM pg_stat_xact_user_tables t WHERE t.relid = 'wa_bal'::regclass;
END $$;

-- only the views on the path over wa from here until the full checks
-- (wa_desc's last row is its NULL n with the lowest id: the rows below
-- come before it)
CREATE TEMP TABLE wa_saved AS SELECT * FROM wa_views WHERE v IN ('wa_total', 'wa_desc');
SELECT stepping.drop_view(v) FROM wa_saved ORDER BY v;
DELETE FROM wa_views WHERE v IN ('wa_total', 'wa_desc');

BEGIN;
SET LOCAL stepping.apply = 'statement';
-- after the last row of its partition: no scan of wa, one row written
-- (the DELETE below scans wa once, by its primary key)
SELECT * FROM wa_step('INSERT INTO wa VALUES (100, 1, 10000, 4.5, 3, 7)');
-- a new partition, a NULL partition
SELECT * FROM wa_step('INSERT INTO wa VALUES (101, 9, 5, 1, NULL, NULL)');
SELECT * FROM wa_step('INSERT INTO wa VALUES (102, NULL, 99999, 2, 8, 1)');
-- the last row deleted: no scan, one row deleted
SELECT * FROM wa_step('DELETE FROM wa WHERE id = 100');
COMMIT;
-- the last row replaced in one step (one transaction's delete and insert):
-- the delete's own scan of wa only, one row deleted, one inserted
BEGIN;
SET LOCAL stepping.apply = 'transaction';
SELECT * FROM wa_step($$DELETE FROM wa WHERE id = 101; INSERT INTO wa VALUES (106, 9, 6, 2, 1, 1); SELECT count(*) FROM wa_bal$$);
-- and the partition's only row replaced by a row before it
SELECT * FROM wa_step($$DELETE FROM wa WHERE id = 106; INSERT INTO wa VALUES (107, 9, 1, 3, 1, 1); SELECT count(*) FROM wa_bal$$);
COMMIT;
:check;
BEGIN;
SET LOCAL stepping.apply = 'statement';
-- in the middle: the partition is recomputed (the table is read)
SELECT table_scans > 0 AS recomputed FROM wa_step('INSERT INTO wa VALUES (103, 2, 15, 1, 1, 1)');
-- two rows of one partition in a step: recomputed
SELECT table_scans > 0 AS recomputed FROM wa_step('INSERT INTO wa VALUES (104, 2, 99999, 1, 1, 1), (105, 2, 99999, 1, 1, 1)');
COMMIT;
:check;

-- sums: NULLs skipped, the first value, overflow as sum() reports it
INSERT INTO wa VALUES (110, 3, 100000, NULL, NULL, NULL);
INSERT INTO wa VALUES (111, 7, 1, NULL, NULL, NULL);
INSERT INTO wa VALUES (112, 7, 2, 1.25, 5, 9223372036854775807);
INSERT INTO wa VALUES (113, 7, 3, 1.255, 2147483647, 9223372036854775807);
:check;
SELECT id, sn, sb, cn FROM wa_int WHERE acct = 7 ORDER BY id;
-- deletes: the last of a partition, then its new last, then a partition emptied
DELETE FROM wa WHERE id = 113;
DELETE FROM wa WHERE id = 112;
DELETE FROM wa WHERE id = 111;
:check;
-- a row that belongs after another partition's last (moving partitions)
UPDATE wa SET acct = 3, ts = 200000 WHERE id = 107;
:check;
-- several statements in one transaction, rolled back savepoints
BEGIN;
INSERT INTO wa VALUES (120, 0, 300000, 1, 1, 1);
SAVEPOINT a;
INSERT INTO wa VALUES (121, 0, 300001, 2, 2, 2);
DELETE FROM wa WHERE id = 121;
INSERT INTO wa VALUES (122, 0, 300002, 3, 3, 3);
ROLLBACK TO SAVEPOINT a;
INSERT INTO wa VALUES (123, 0, 300003, 4, 4, 4);
COMMIT;
:check;

-- the append path's index gone: the views recompute, still exact
SELECT stepping.create_view(v, q) FROM wa_saved ORDER BY v;
INSERT INTO wa_views SELECT * FROM wa_saved;
-- after wa_desc's last row (NULL n, lowest id), then that row deleted
INSERT INTO wa VALUES (0, 2, 1, 1, NULL, 1);
:check;
DELETE FROM wa WHERE id = 0;
:check;
DO $$ BEGIN EXECUTE (SELECT format('DROP INDEX %s', indexrelid::regclass) FROM pg_index
                      WHERE indrelid = 'wa_bal'::regclass AND indnatts = 3); END $$;
INSERT INTO wa VALUES (130, 1, 400000, 1, 1, 1);
DELETE FROM wa WHERE id = 130;
:check;
TRUNCATE wa;
INSERT INTO wa SELECT i, i % 3, i, i, i, i FROM generate_series(1, 20) i;
:check;

SELECT stepping.drop_view(name) FROM stepping.views WHERE name::text LIKE 'wa\_%' AND internal_of IS NULL ORDER BY name;
SELECT count(*) AS left_behind FROM stepping.views;
