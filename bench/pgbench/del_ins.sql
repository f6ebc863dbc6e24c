-- W1c: DELETE + INSERT of one id in one transaction.
\set id random(1, :nord)
\set cid random(1, :ncust_ord)
\set amt random(100, 100000)
BEGIN;
DELETE FROM orders WHERE id = :id;
INSERT INTO orders (id, customer_id, amount, status, created_at)
VALUES (:id, :cid, :amt::numeric / 100, 'open', now());
END;
