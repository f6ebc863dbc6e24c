-- Row triggers users put on result tables fire for every row maintenance
-- writes: new groups included (they are inserted by speculative insertion),
-- bag rows, global aggregates, views over views, and the rows a TRUNCATE of
-- a base table or refresh_view deletes and inserts.  They run as they would
-- for an ordinary write by the statement that changed the base table: as its
-- user, under its search_path (not maintenance's fixed one), with direct
-- writes to result tables refused.  BEFORE ROW triggers run when the row is
-- written; AFTER ROW triggers right after the view's maintenance, before the
-- statement returns.  Statement triggers on result tables do not fire.
-- Per-statement maintenance: stepping.apply = statement (the last section
-- shows the default, 'transaction').
SET stepping.apply = statement;
SET client_min_messages = warning;
CREATE SCHEMA result_triggers;
SET search_path = result_triggers, public;
DROP ROLE IF EXISTS result_triggers_writer;
CREATE ROLE result_triggers_writer;

CREATE TABLE t (id int PRIMARY KEY, g int, v int);
CREATE TABLE audit (seq serial, op text, tbl text, row_data text, usr text, path text);
GRANT USAGE ON SCHEMA result_triggers TO result_triggers_writer;
GRANT SELECT, INSERT, UPDATE, DELETE ON t TO result_triggers_writer;
GRANT INSERT ON audit TO result_triggers_writer;
GRANT USAGE ON SEQUENCE audit_seq_seq TO result_triggers_writer;

SELECT stepping.create_view('v_grp', 'SELECT g, count(*) AS n, sum(v) AS s FROM t GROUP BY g');
SELECT stepping.create_view('v_dist', 'SELECT DISTINCT g FROM t');
SELECT stepping.create_view('v_glob', 'SELECT count(*) AS n, sum(v) AS s FROM t');
SELECT stepping.create_view('v_bag', 'SELECT id, g FROM t WHERE v > 0');
SELECT stepping.create_view('v_over', 'SELECT count(*) AS groups, sum(n) AS rows FROM v_grp');

-- unqualified names: found through the search_path the trigger runs under
CREATE FUNCTION audit_row() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r jsonb := to_jsonb(CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END);
BEGIN
    INSERT INTO audit (op, tbl, row_data, usr, path)
    SELECT TG_WHEN || ' ' || TG_OP, TG_TABLE_NAME,
           string_agg(key || '=' || coalesce(value, 'null'), ' ' ORDER BY key),
           current_user, current_setting('search_path')
      FROM jsonb_each_text(r) WHERE key NOT LIKE '\_\_stepping%';
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE FUNCTION audit_stmt() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit (op, tbl) VALUES ('STATEMENT ' || TG_OP, TG_TABLE_NAME);
    RETURN NULL;
END $$;
CREATE TRIGGER a_before BEFORE INSERT OR UPDATE OR DELETE ON v_grp
    FOR EACH ROW EXECUTE FUNCTION audit_row();
CREATE TRIGGER b_after AFTER INSERT OR UPDATE OR DELETE ON v_grp
    FOR EACH ROW EXECUTE FUNCTION audit_row();
CREATE TRIGGER c_stmt AFTER INSERT OR UPDATE OR DELETE ON v_grp
    FOR EACH STATEMENT EXECUTE FUNCTION audit_stmt();
CREATE TRIGGER b_after AFTER INSERT OR UPDATE OR DELETE ON v_dist
    FOR EACH ROW EXECUTE FUNCTION audit_row();
CREATE TRIGGER b_after AFTER INSERT OR UPDATE OR DELETE ON v_glob
    FOR EACH ROW EXECUTE FUNCTION audit_row();
CREATE TRIGGER a_before BEFORE INSERT OR DELETE ON v_bag
    FOR EACH ROW EXECUTE FUNCTION audit_row();
CREATE TRIGGER b_after AFTER INSERT OR DELETE ON v_bag
    FOR EACH ROW EXECUTE FUNCTION audit_row();
CREATE TRIGGER b_after AFTER INSERT OR UPDATE OR DELETE ON v_over
    FOR EACH ROW EXECUTE FUNCTION audit_row();

CREATE VIEW audit_log AS
  SELECT tbl, op, row_data, usr, path FROM audit ORDER BY tbl, seq;

-- another role writes the base table, with its own search_path
SET ROLE result_triggers_writer;
SET search_path = result_triggers;
INSERT INTO t VALUES (1, 1, 10);		-- a new group, a new DISTINCT row, a bag row
INSERT INTO t VALUES (2, 1, 5);			-- the group changes
RESET ROLE;
SELECT * FROM audit_log;
TRUNCATE audit;
SET ROLE result_triggers_writer;
SET search_path = result_triggers;
UPDATE t SET g = 2 WHERE id = 2;		-- a group changes, another is new
DELETE FROM t WHERE id = 1;				-- a group and a DISTINCT row go
RESET ROLE;
SET search_path = result_triggers, public;
SELECT * FROM audit_log;
TRUNCATE audit;

-- TRUNCATE of the base table and refresh_view: every row deleted and
-- inserted again fires the row triggers; no statement trigger fires
INSERT INTO t VALUES (3, 3, 1);
TRUNCATE audit;
TRUNCATE t;
INSERT INTO t VALUES (4, 4, 4);
SELECT * FROM audit_log;
TRUNCATE audit;
SELECT stepping.refresh_view('v_dist');
SELECT * FROM audit_log;
TRUNCATE audit;

-- a trigger that writes a result table directly is refused, in BEFORE and
-- AFTER triggers alike, and the statement fails whole
CREATE FUNCTION meddle() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.g = 99 THEN
        UPDATE v_glob SET n = 0;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER z_meddle BEFORE INSERT ON v_dist FOR EACH ROW EXECUTE FUNCTION meddle();
INSERT INTO t VALUES (9, 99, 1);
DROP TRIGGER z_meddle ON v_dist;
CREATE TRIGGER z_meddle AFTER INSERT ON v_dist FOR EACH ROW EXECUTE FUNCTION meddle();
INSERT INTO t VALUES (9, 99, 1);
-- caught by an exception block: later maintenance and the guard are intact
DO $$
BEGIN
    INSERT INTO t VALUES (9, 99, 1);
EXCEPTION WHEN object_not_in_prerequisite_state THEN
    RAISE WARNING 'caught: %', SQLERRM;
END $$;
UPDATE v_glob SET n = 0;
INSERT INTO t VALUES (5, 5, 5);
DROP TRIGGER z_meddle ON v_dist;
SELECT count(*) FROM t WHERE id = 9;
SELECT * FROM audit_log;
TRUNCATE audit;

-- constraints users add to a result table hold for new groups too
ALTER TABLE v_grp ADD CONSTRAINT no_55 CHECK (g <> 55);
INSERT INTO t VALUES (6, 55, 1);
ALTER TABLE v_grp DROP CONSTRAINT no_55;

-- a BEFORE trigger that skips a row makes the view differ from its query
-- (check_view shows it); refresh_view after dropping it repairs the view
CREATE FUNCTION skip77() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RETURN CASE WHEN NEW.g = 77 THEN NULL ELSE NEW END;
END $$;
CREATE TRIGGER z_skip BEFORE INSERT ON v_dist FOR EACH ROW EXECUTE FUNCTION skip77();
INSERT INTO t VALUES (7, 77, 1);
SELECT * FROM stepping.check_view('v_dist');
DROP TRIGGER z_skip ON v_dist;
SELECT stepping.refresh_view('v_dist');
SELECT * FROM stepping.check_view('v_dist');
TRUNCATE audit;

-- stepping.apply = 'transaction' (the default): three statements of one
-- transaction change group 50, whose row is written once, at COMMIT; the
-- row triggers fire for that one write
RESET stepping.apply;
BEGIN;
INSERT INTO t VALUES (501, 50, 1);
INSERT INTO t VALUES (502, 50, 2);
UPDATE t SET v = 10 WHERE id = 501;
SELECT count(*) AS audit_rows_before_commit FROM audit;
COMMIT;
SELECT op, tbl, row_data FROM audit WHERE tbl = 'v_grp' ORDER BY seq;
TRUNCATE audit;

-- every view is exact
SELECT v, (SELECT count(*) FROM stepping.check_view(v::regclass)) AS mismatches
  FROM unnest(ARRAY['v_grp', 'v_dist', 'v_glob', 'v_bag', 'v_over']) v;

-- clean up: everything lived in schema result_triggers
RESET search_path;
DROP SCHEMA result_triggers CASCADE;
DROP ROLE result_triggers_writer;
SELECT count(*) AS views_left FROM stepping.views v
 WHERE NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = v.name);
