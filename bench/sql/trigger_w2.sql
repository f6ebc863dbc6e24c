-- bench/sql/trigger_w2.sql — the hand-written alternative for the W2 view
--   SELECT r.name, c.segment, count(*) AS n, sum(o.amount) AS total
--   FROM orders o JOIN customers c ON o.customer_id = c.id
--                 JOIN regions r ON c.region_id = r.id
--   GROUP BY r.name, c.segment
-- Statement-level triggers with transition tables on all three tables. Each
-- turns its transition rows into signed rows (+1 new, -1 old), joins them with
-- the other two tables (through their indexes), folds them per group and
-- upserts the per-group count/sum deltas; groups whose count reaches 0 (seen
-- through RETURNING) are deleted.
CREATE TABLE w2_result (
    name    text,
    segment text,
    n       bigint NOT NULL,
    total   numeric
);
CREATE UNIQUE INDEX w2_result_key ON w2_result (name, segment) NULLS NOT DISTINCT;
INSERT INTO w2_result
SELECT r.name, c.segment, count(*), sum(o.amount)
  FROM orders o JOIN customers c ON o.customer_id = c.id
                JOIN regions r ON c.region_id = r.id
 GROUP BY r.name, c.segment;

-- orders changed: signed order rows joined to customers and regions.
CREATE FUNCTION w2_orders() RETURNS trigger LANGUAGE plpgsql AS $f$
DECLARE
    emptied bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO w2_result AS s (name, segment, n, total)
        SELECT r.name, c.segment, count(*), sum(x.amount)
          FROM new_rows x JOIN customers c ON c.id = x.customer_id
                          JOIN regions r ON r.id = c.region_id
         GROUP BY r.name, c.segment
        ON CONFLICT (name, segment) DO UPDATE
           SET n = s.n + excluded.n, total = s.total + excluded.total;
        RETURN NULL;
    ELSIF TG_OP = 'UPDATE' THEN
        WITH d AS (
            SELECT r.name, c.segment, sum(x.sign) AS n, sum(x.sign * x.amount) AS total
              FROM (SELECT customer_id, amount, 1 AS sign FROM new_rows
                    UNION ALL
                    SELECT customer_id, amount, -1 FROM old_rows) x
              JOIN customers c ON c.id = x.customer_id
              JOIN regions r ON r.id = c.region_id
             GROUP BY r.name, c.segment
            HAVING sum(x.sign) <> 0 OR sum(x.sign * x.amount) <> 0),
        up AS (
            INSERT INTO w2_result AS s (name, segment, n, total)
            SELECT name, segment, n, total FROM d
            ON CONFLICT (name, segment) DO UPDATE
               SET n = s.n + excluded.n, total = s.total + excluded.total
            RETURNING s.n)
        SELECT count(*) INTO emptied FROM up WHERE n = 0;
    ELSE  -- DELETE
        WITH d AS (
            SELECT r.name, c.segment, count(*) AS n, sum(x.amount) AS total
              FROM old_rows x JOIN customers c ON c.id = x.customer_id
                              JOIN regions r ON r.id = c.region_id
             GROUP BY r.name, c.segment),
        up AS (
            UPDATE w2_result s SET n = s.n - d.n, total = s.total - d.total
              FROM d WHERE s.name = d.name AND s.segment = d.segment
            RETURNING s.n)
        SELECT count(*) INTO emptied FROM up WHERE n = 0;
    END IF;
    IF emptied > 0 THEN
        DELETE FROM w2_result WHERE n = 0;
    END IF;
    RETURN NULL;
END
$f$;

-- customers changed: signed customer rows joined to their orders and region.
CREATE FUNCTION w2_customers() RETURNS trigger LANGUAGE plpgsql AS $f$
DECLARE
    emptied bigint;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        WITH d AS (
            SELECT r.name, x.segment, sum(x.sign) AS n, sum(x.sign * o.amount) AS total
              FROM (SELECT id, region_id, segment, 1 AS sign FROM new_rows
                    UNION ALL
                    SELECT id, region_id, segment, -1 FROM old_rows) x
              JOIN orders o ON o.customer_id = x.id
              JOIN regions r ON r.id = x.region_id
             GROUP BY r.name, x.segment
            HAVING sum(x.sign) <> 0 OR sum(x.sign * o.amount) <> 0),
        up AS (
            INSERT INTO w2_result AS s (name, segment, n, total)
            SELECT name, segment, n, total FROM d
            ON CONFLICT (name, segment) DO UPDATE
               SET n = s.n + excluded.n, total = s.total + excluded.total
            RETURNING s.n)
        SELECT count(*) INTO emptied FROM up WHERE n = 0;
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO w2_result AS s (name, segment, n, total)
        SELECT r.name, x.segment, count(*), sum(o.amount)
          FROM new_rows x JOIN orders o ON o.customer_id = x.id
                          JOIN regions r ON r.id = x.region_id
         GROUP BY r.name, x.segment
        ON CONFLICT (name, segment) DO UPDATE
           SET n = s.n + excluded.n, total = s.total + excluded.total;
        RETURN NULL;
    ELSE  -- DELETE
        WITH d AS (
            SELECT r.name, x.segment, count(*) AS n, sum(o.amount) AS total
              FROM old_rows x JOIN orders o ON o.customer_id = x.id
                              JOIN regions r ON r.id = x.region_id
             GROUP BY r.name, x.segment),
        up AS (
            UPDATE w2_result s SET n = s.n - d.n, total = s.total - d.total
              FROM d WHERE s.name = d.name AND s.segment = d.segment
            RETURNING s.n)
        SELECT count(*) INTO emptied FROM up WHERE n = 0;
    END IF;
    IF emptied > 0 THEN
        DELETE FROM w2_result WHERE n = 0;
    END IF;
    RETURN NULL;
END
$f$;

-- regions changed (rare: a rename moves whole groups): signed region rows
-- joined to their customers and orders.
CREATE FUNCTION w2_regions() RETURNS trigger LANGUAGE plpgsql AS $f$
DECLARE
    emptied bigint;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        WITH d AS (
            SELECT x.name, c.segment, sum(x.sign) AS n, sum(x.sign * o.amount) AS total
              FROM (SELECT id, name, 1 AS sign FROM new_rows
                    UNION ALL
                    SELECT id, name, -1 FROM old_rows) x
              JOIN customers c ON c.region_id = x.id
              JOIN orders o ON o.customer_id = c.id
             GROUP BY x.name, c.segment
            HAVING sum(x.sign) <> 0 OR sum(x.sign * o.amount) <> 0),
        up AS (
            INSERT INTO w2_result AS s (name, segment, n, total)
            SELECT name, segment, n, total FROM d
            ON CONFLICT (name, segment) DO UPDATE
               SET n = s.n + excluded.n, total = s.total + excluded.total
            RETURNING s.n)
        SELECT count(*) INTO emptied FROM up WHERE n = 0;
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO w2_result AS s (name, segment, n, total)
        SELECT x.name, c.segment, count(*), sum(o.amount)
          FROM new_rows x JOIN customers c ON c.region_id = x.id
                          JOIN orders o ON o.customer_id = c.id
         GROUP BY x.name, c.segment
        ON CONFLICT (name, segment) DO UPDATE
           SET n = s.n + excluded.n, total = s.total + excluded.total;
        RETURN NULL;
    ELSE  -- DELETE
        WITH d AS (
            SELECT x.name, c.segment, count(*) AS n, sum(o.amount) AS total
              FROM old_rows x JOIN customers c ON c.region_id = x.id
                              JOIN orders o ON o.customer_id = c.id
             GROUP BY x.name, c.segment),
        up AS (
            UPDATE w2_result s SET n = s.n - d.n, total = s.total - d.total
              FROM d WHERE s.name = d.name AND s.segment = d.segment
            RETURNING s.n)
        SELECT count(*) INTO emptied FROM up WHERE n = 0;
    END IF;
    IF emptied > 0 THEN
        DELETE FROM w2_result WHERE n = 0;
    END IF;
    RETURN NULL;
END
$f$;

CREATE FUNCTION w2_truncate() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN TRUNCATE w2_result; RETURN NULL; END $f$;

CREATE TRIGGER w2_ins AFTER INSERT ON orders REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION w2_orders();
CREATE TRIGGER w2_upd AFTER UPDATE ON orders REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION w2_orders();
CREATE TRIGGER w2_del AFTER DELETE ON orders REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION w2_orders();
CREATE TRIGGER w2_trunc AFTER TRUNCATE ON orders FOR EACH STATEMENT EXECUTE FUNCTION w2_truncate();
CREATE TRIGGER w2_ins AFTER INSERT ON customers REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION w2_customers();
CREATE TRIGGER w2_upd AFTER UPDATE ON customers REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION w2_customers();
CREATE TRIGGER w2_del AFTER DELETE ON customers REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION w2_customers();
CREATE TRIGGER w2_trunc AFTER TRUNCATE ON customers FOR EACH STATEMENT EXECUTE FUNCTION w2_truncate();
CREATE TRIGGER w2_ins AFTER INSERT ON regions REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION w2_regions();
CREATE TRIGGER w2_upd AFTER UPDATE ON regions REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION w2_regions();
CREATE TRIGGER w2_del AFTER DELETE ON regions REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION w2_regions();
CREATE TRIGGER w2_trunc AFTER TRUNCATE ON regions FOR EACH STATEMENT EXECUTE FUNCTION w2_truncate();
