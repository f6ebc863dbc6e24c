-- bench/sql/trigger_w4.sql — the hand-written alternative for the W4 view
--   SELECT o.id, o.amount, c.segment
--   FROM orders o JOIN customers c ON o.customer_id = c.id
--   WHERE o.status = 'open'
-- A copy table keyed by the order id, kept by statement-level triggers with
-- transition tables: changed orders are deleted by id (if they were open) and
-- re-inserted joined with their customer (if they are open now); changed
-- customers rewrite the rows of their open orders.
CREATE TABLE w4_result (
    id      bigint PRIMARY KEY,
    amount  numeric(12,2),
    segment text
);
INSERT INTO w4_result
SELECT o.id, o.amount, c.segment
  FROM orders o JOIN customers c ON o.customer_id = c.id
 WHERE o.status = 'open';

CREATE FUNCTION w4_orders() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM w4_result w USING old_rows o
         WHERE w.id = o.id AND o.status = 'open';
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO w4_result (id, amount, segment)
        SELECT o.id, o.amount, c.segment
          FROM new_rows o JOIN customers c ON o.customer_id = c.id
         WHERE o.status = 'open';
    END IF;
    RETURN NULL;
END
$f$;

CREATE FUNCTION w4_customers() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM w4_result w USING old_rows c, orders o
         WHERE o.customer_id = c.id AND o.status = 'open' AND w.id = o.id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO w4_result (id, amount, segment)
        SELECT o.id, o.amount, c.segment
          FROM new_rows c JOIN orders o ON o.customer_id = c.id
         WHERE o.status = 'open';
    END IF;
    RETURN NULL;
END
$f$;

CREATE FUNCTION w4_truncate() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN TRUNCATE w4_result; RETURN NULL; END $f$;

CREATE TRIGGER w4_ins AFTER INSERT ON orders REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION w4_orders();
CREATE TRIGGER w4_upd AFTER UPDATE ON orders REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION w4_orders();
CREATE TRIGGER w4_del AFTER DELETE ON orders REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION w4_orders();
CREATE TRIGGER w4_trunc AFTER TRUNCATE ON orders FOR EACH STATEMENT EXECUTE FUNCTION w4_truncate();
CREATE TRIGGER w4_ins AFTER INSERT ON customers REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION w4_customers();
CREATE TRIGGER w4_upd AFTER UPDATE ON customers REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION w4_customers();
CREATE TRIGGER w4_del AFTER DELETE ON customers REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION w4_customers();
CREATE TRIGGER w4_trunc AFTER TRUNCATE ON customers FOR EACH STATEMENT EXECUTE FUNCTION w4_truncate();
