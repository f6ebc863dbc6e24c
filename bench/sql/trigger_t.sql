-- bench/sql/trigger_t.sql — the hand-written alternative for the T1/T2 view
-- (issue #14)
--   SELECT cid, count(*) AS n, sum(amt) AS total FROM o GROUP BY cid
-- written as trigger_w1.sql is: a summary table with a unique key,
-- statement-level AFTER triggers with transition tables (one per event), an
-- upsert of per-group count/sum with ON CONFLICT, a delete of emptied groups.
-- Expects the table o (cid int, amt numeric) to exist; T1/T2 only insert, the
-- other events are maintained too so that the summary is a complete
-- alternative.
CREATE TABLE t_result (
    cid   int,
    n     bigint NOT NULL,
    total numeric
);
CREATE UNIQUE INDEX t_result_key ON t_result (cid) NULLS NOT DISTINCT;
INSERT INTO t_result SELECT cid, count(*), sum(amt) FROM o GROUP BY cid;

CREATE OR REPLACE FUNCTION t_maintain() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO t_result AS s (cid, n, total)
        SELECT cid, count(*), sum(amt) FROM new_rows GROUP BY cid
        ON CONFLICT (cid) DO UPDATE
           SET n     = s.n + excluded.n,
               total = s.total + excluded.total;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO t_result AS s (cid, n, total)
        SELECT cid, sum(dn), sum(da)
          FROM (SELECT cid, 1 AS dn, amt AS da FROM new_rows
                UNION ALL
                SELECT cid, -1, -amt FROM old_rows) d
         GROUP BY cid
        HAVING sum(dn) <> 0 OR sum(da) <> 0
        ON CONFLICT (cid) DO UPDATE
           SET n     = s.n + excluded.n,
               total = s.total + excluded.total;
        DELETE FROM t_result s
         WHERE s.n = 0 AND s.cid IN (SELECT cid FROM old_rows);
    ELSE  -- DELETE
        UPDATE t_result s
           SET n     = s.n - d.n,
               total = s.total - d.total
          FROM (SELECT cid, count(*) AS n, sum(amt) AS total
                  FROM old_rows GROUP BY cid) d
         WHERE s.cid = d.cid;
        DELETE FROM t_result s
         WHERE s.n = 0 AND s.cid IN (SELECT cid FROM old_rows);
    END IF;
    RETURN NULL;
END
$f$;

CREATE TRIGGER t_ins AFTER INSERT ON o REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION t_maintain();
CREATE TRIGGER t_upd AFTER UPDATE ON o REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION t_maintain();
CREATE TRIGGER t_del AFTER DELETE ON o REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION t_maintain();
CREATE OR REPLACE FUNCTION t_truncate() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN TRUNCATE t_result; RETURN NULL; END $f$;
CREATE TRIGGER t_trunc AFTER TRUNCATE ON o FOR EACH STATEMENT EXECUTE FUNCTION t_truncate();
