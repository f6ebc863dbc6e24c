-- create_view and refresh_view of a view with aggregates PostgreSQL computes
-- itself (count(DISTINCT x), string_agg, FILTER, ...) run one grouped query
-- for all groups, not one query per group: the cost of creating a view is
-- about one run of its query.  Scans of the base tables are counted through
-- pg_stat_xact_user_tables (this backend's counts not yet reported: read
-- before and after, inside one transaction).
SET client_min_messages = warning;
CREATE SCHEMA refresh_cost;
SET search_path = refresh_cost, public;

CREATE TABLE rc_p (id int PRIMARY KEY, brand int, size int);
CREATE TABLE rc_q (pid int, sid int, note text);
INSERT INTO rc_p SELECT i, i % 20, i % 7 FROM generate_series(1, 2000) i;
INSERT INTO rc_q SELECT 1 + i % 2000, i % 97, 'n' || (i % 7) FROM generate_series(1, 20000) i;
CREATE INDEX ON rc_q (pid);

CREATE FUNCTION rc_scans(rel regclass) RETURNS bigint LANGUAGE sql AS $$
  SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0)
    FROM pg_stat_xact_user_tables WHERE relid = rel $$;

-- a single-table view, 20 groups
BEGIN;
SELECT rc_scans('rc_q') AS s0 \gset
SELECT stepping.create_view('rc_single', $$SELECT sid % 20 AS g, count(DISTINCT note) AS nd,
  string_agg(DISTINCT note, ',' ORDER BY note) AS notes, count(*) FILTER (WHERE pid > 1000) AS big
  FROM rc_q GROUP BY sid % 20$$);
SELECT rc_scans('rc_q') - :s0 AS scans_of_rc_q_create;
SELECT rc_scans('rc_q') AS s0 \gset
SELECT stepping.refresh_view('rc_single');
SELECT rc_scans('rc_q') - :s0 AS scans_of_rc_q_refresh;
COMMIT;

-- a join view, 140 groups: the join runs once, not once per group
BEGIN;
SELECT rc_scans('rc_p') AS p0, rc_scans('rc_q') AS q0 \gset
SELECT stepping.create_view('rc_join', $$SELECT p.brand, p.size, count(DISTINCT q.sid) AS nd,
  max(q.note) AS mx FROM rc_q q JOIN rc_p p ON p.id = q.pid GROUP BY p.brand, p.size$$);
SELECT rc_scans('rc_p') - :p0 <= 4 AS few_scans_of_rc_p, rc_scans('rc_q') - :q0 <= 4 AS few_scans_of_rc_q;
SELECT rc_scans('rc_p') AS p0, rc_scans('rc_q') AS q0 \gset
SELECT stepping.refresh_view('rc_join');
SELECT rc_scans('rc_p') - :p0 <= 4 AS few_scans_of_rc_p, rc_scans('rc_q') - :q0 <= 4 AS few_scans_of_rc_q;
COMMIT;

-- the same results as the queries, also after changes and a TRUNCATE
SELECT count(*) AS groups FROM rc_join;
UPDATE rc_q SET note = 'changed' WHERE sid = 3;
DELETE FROM rc_q WHERE pid % 50 = 0;
INSERT INTO rc_p VALUES (5001, 99, 99);
INSERT INTO rc_q VALUES (5001, 1, NULL), (5001, 2, 'x');
SELECT * FROM stepping.check_view('rc_single');
SELECT * FROM stepping.check_view('rc_join');
TRUNCATE rc_q;
INSERT INTO rc_q SELECT 1 + i % 2000, i % 13, 'm' || (i % 3) FROM generate_series(1, 3000) i;
SELECT * FROM stepping.check_view('rc_single');
SELECT * FROM stepping.check_view('rc_join');
SELECT g, nd, notes, big FROM rc_single ORDER BY g LIMIT 3;

SELECT stepping.drop_view('rc_single');
SELECT stepping.drop_view('rc_join');
DROP SCHEMA refresh_cost CASCADE;
