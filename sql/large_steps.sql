-- Large steps: a step that only inserts or only deletes rows of a
-- single-table view's base table is applied by recomputing the view when
-- that is estimated cheaper than applying it row by row (circuit.c,
-- large_step_recomputes).  explain_view states the rule and this backend's
-- last choice; the result table's write counters show which path ran (a
-- recompute deletes every result row and inserts the new ones, an applied
-- step updates the touched groups).  Every view stays exact either way.
SET client_min_messages = warning;
CREATE SCHEMA large_steps;
SET search_path = large_steps, public;

CREATE TABLE ls (id int PRIMARY KEY, g int, amt numeric(10,2), t text);
INSERT INTO ls SELECT i, i % 50, (i % 97) * 0.5, 't' || (i % 7) FROM generate_series(1, 40000) i;
CREATE INDEX ON ls (g);
SELECT stepping.create_view('ls_sum', 'SELECT g, count(*) AS n, sum(amt) AS total, max(t) AS top FROM ls GROUP BY g');
SELECT stepping.create_view('ls_having', 'SELECT g, count(*) AS n FROM ls GROUP BY g HAVING sum(amt) > 10');
SELECT stepping.create_view('ls_rows', 'SELECT id, amt FROM ls WHERE g = 7');
VACUUM ANALYZE ls;
VACUUM ANALYZE ls_sum;
VACUUM ANALYZE ls_having;
VACUUM ANALYZE ls_rows;

-- writes to the result tables since ls_mark(), counted by this backend
-- (pg_stat_xact_user_tables: reported after a transaction, at most once a
-- second, so read inside the transaction, before and after)
CREATE TEMP TABLE ls_marks (rel regclass PRIMARY KEY, ins bigint, upd bigint, del bigint);
CREATE FUNCTION ls_mark() RETURNS void LANGUAGE sql AS $$
  DELETE FROM ls_marks;
  INSERT INTO ls_marks SELECT relid, n_tup_ins, n_tup_upd, n_tup_del
    FROM pg_stat_xact_user_tables WHERE schemaname = 'large_steps' $$;
CREATE FUNCTION ls_writes(target regclass) RETURNS text LANGUAGE sql AS $$
  SELECT format('ins %s upd %s del %s', s.n_tup_ins - coalesce(m.ins, 0),
                s.n_tup_upd - coalesce(m.upd, 0), s.n_tup_del - coalesce(m.del, 0))
    FROM pg_stat_xact_user_tables s LEFT JOIN ls_marks m ON m.rel = s.relid
   WHERE s.relid = target $$;
CREATE FUNCTION ls_last(rel regclass) RETURNS text LANGUAGE sql AS $$
  SELECT coalesce(max(regexp_replace(l, '.*: ', '')), 'none')
    FROM stepping.explain_view(rel) l WHERE l LIKE 'last large step:%' $$;
\set check 'SELECT v AS view, c.side, c.row_data FROM unnest(ARRAY[''ls_sum'', ''ls_having'', ''ls_rows'']::regclass[]) AS v, stepping.check_view(v) AS c ORDER BY 1, 2, 3;'

SELECT l FROM stepping.explain_view('ls_sum') l WHERE l LIKE 'large steps:%';

-- deleting 90% of the table: the grouped views are recomputed (50 groups
-- written twice cost less than 36000 rows folded), the bag view is applied
BEGIN;
SELECT ls_mark();
DELETE FROM ls WHERE id % 10 <> 0;
SELECT v, ls_last(v) FROM unnest(ARRAY['ls_sum', 'ls_having', 'ls_rows']::regclass[]) v;
SELECT ls_writes('ls_sum') AS ls_sum, ls_writes('ls_rows') AS ls_rows;
:check
COMMIT;
:check

-- a large INSERT into a table it makes twice as big: applied
VACUUM ANALYZE ls;
VACUUM ANALYZE ls_sum;
BEGIN;
SELECT ls_mark();
INSERT INTO ls SELECT i, i % 50, (i % 89) * 0.25, 'u' || (i % 5) FROM generate_series(100001, 112000) i;
SELECT ls_last('ls_sum') AS ls_sum;
SELECT ls_writes('ls_sum') AS ls_sum;
:check
COMMIT;

-- an UPDATE of every row is never recomputed (its old and new rows may
-- cancel out): the grouped view updates its groups
BEGIN;
SELECT ls_mark();
UPDATE ls SET amt = amt + 1;
SELECT ls_writes('ls_sum') AS ls_sum;
:check
ROLLBACK;

-- under stepping.apply = transaction, the statements of a transaction are
-- one step; a savepoint rolled back takes the recompute's writes with it
VACUUM ANALYZE ls;
VACUUM ANALYZE ls_sum;
BEGIN;
SET LOCAL stepping.apply = 'transaction';
SELECT ls_mark();
SAVEPOINT a;
DELETE FROM ls WHERE id < 60000;
DELETE FROM ls WHERE id > 100000 AND id % 3 <> 0;
SELECT count(*) AS groups FROM ls_sum;
SELECT ls_last('ls_sum') AS ls_sum;
:check
ROLLBACK TO SAVEPOINT a;
:check
COMMIT;

-- a user's row trigger on the result table sees changes, not a recompute:
-- such a view is always applied
CREATE TABLE ls_log (g int, op text);
CREATE FUNCTION ls_log_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO large_steps.ls_log VALUES (CASE WHEN TG_OP = 'DELETE' THEN OLD.g ELSE NEW.g END, TG_OP);
  RETURN NULL;
END $$;
CREATE TRIGGER ls_log AFTER INSERT OR UPDATE OR DELETE ON ls_sum FOR EACH ROW EXECUTE FUNCTION ls_log_row();
SET stepping.debug_large_steps = 'recompute';
DELETE FROM ls WHERE id % 2 = 0 AND g < 5;
SELECT op, count(*) FROM ls_log GROUP BY op ORDER BY op;
DROP TRIGGER ls_log ON ls_sum;

-- stepping.debug_large_steps = 'recompute' recomputes every step that only
-- inserts or deletes, whatever its size (the random tests use it)
BEGIN;
SELECT ls_mark();
DELETE FROM ls WHERE id = 110;
SELECT ls_writes('ls_sum') AS ls_sum;
:check
COMMIT;
SET stepping.debug_large_steps = 'apply';
BEGIN;
SELECT ls_mark();
DELETE FROM ls WHERE id % 10 <> 7;
SELECT ls_writes('ls_sum') AS ls_sum;
:check
COMMIT;
RESET stepping.debug_large_steps;

-- a view over the view: the view is always applied (a recompute would make
-- the view over it recompute too), and explain_view has no rule line
INSERT INTO ls SELECT i, i % 50, (i % 97) * 0.5, 't' || (i % 7) FROM generate_series(200001, 240000) i;
SELECT stepping.create_view('ls_over', 'SELECT count(*) AS groups, sum(n) AS n FROM large_steps.ls_sum');
SELECT count(*) AS rule_lines FROM stepping.explain_view('ls_sum') l WHERE l LIKE 'large steps:%';
VACUUM ANALYZE ls;
VACUUM ANALYZE ls_sum;
BEGIN;
SELECT ls_mark();
DELETE FROM ls WHERE id > 200000 AND id % 20 <> 0;
SELECT ls_writes('ls_sum') AS ls_sum;
:check
SELECT * FROM stepping.check_view('ls_over');
COMMIT;

DROP SCHEMA large_steps CASCADE;
