-- bench/sql/trigger_w1.sql — the hand-written alternative for the W1 view
--   SELECT customer_id, count(*) AS n, sum(amount) AS total, avg(amount) AS mean
--   FROM orders GROUP BY customer_id
-- as an application developer would write it: a summary table with a unique
-- key, statement-level AFTER triggers with transition tables (one per event:
-- PostgreSQL allows REFERENCING on single-event triggers only), an upsert of
-- per-customer count/sum with ON CONFLICT, and a delete of emptied groups.
CREATE TABLE w1_result (
    customer_id int,
    n           bigint  NOT NULL,
    total       numeric,
    mean        numeric
);
CREATE UNIQUE INDEX w1_result_key ON w1_result (customer_id) NULLS NOT DISTINCT;
INSERT INTO w1_result
SELECT customer_id, count(*), sum(amount), avg(amount) FROM orders GROUP BY customer_id;

CREATE FUNCTION w1_maintain() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO w1_result AS s (customer_id, n, total, mean)
        SELECT customer_id, count(*), sum(amount), avg(amount)
          FROM new_rows GROUP BY customer_id
        ON CONFLICT (customer_id) DO UPDATE
           SET n     = s.n + excluded.n,
               total = s.total + excluded.total,
               mean  = (s.total + excluded.total) / (s.n + excluded.n);
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO w1_result AS s (customer_id, n, total, mean)
        SELECT customer_id, sum(dn), sum(da), sum(da) / nullif(sum(dn), 0)
          FROM (SELECT customer_id, 1 AS dn, amount AS da FROM new_rows
                UNION ALL
                SELECT customer_id, -1, -amount FROM old_rows) d
         GROUP BY customer_id
        HAVING sum(dn) <> 0 OR sum(da) <> 0
        ON CONFLICT (customer_id) DO UPDATE
           SET n     = s.n + excluded.n,
               total = s.total + excluded.total,
               mean  = (s.total + excluded.total) / nullif(s.n + excluded.n, 0);
        DELETE FROM w1_result s
         WHERE s.n = 0 AND s.customer_id IN (SELECT customer_id FROM old_rows);
    ELSE  -- DELETE
        UPDATE w1_result s
           SET n     = s.n - d.n,
               total = s.total - d.total,
               mean  = (s.total - d.total) / nullif(s.n - d.n, 0)
          FROM (SELECT customer_id, count(*) AS n, sum(amount) AS total
                  FROM old_rows GROUP BY customer_id) d
         WHERE s.customer_id = d.customer_id;
        DELETE FROM w1_result s
         WHERE s.n = 0 AND s.customer_id IN (SELECT customer_id FROM old_rows);
    END IF;
    RETURN NULL;
END
$f$;

CREATE TRIGGER w1_ins AFTER INSERT ON orders REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION w1_maintain();
CREATE TRIGGER w1_upd AFTER UPDATE ON orders REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION w1_maintain();
CREATE TRIGGER w1_del AFTER DELETE ON orders REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION w1_maintain();
CREATE FUNCTION w1_truncate() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN TRUNCATE w1_result; RETURN NULL; END $f$;
CREATE TRIGGER w1_trunc AFTER TRUNCATE ON orders FOR EACH STATEMENT EXECUTE FUNCTION w1_truncate();
