-- W1a / W2a / W4a: one-row INSERT of a new open order.
\set cid random(1, :ncust_ord)
\set amt random(100, 100000)
INSERT INTO orders (customer_id, amount, status, created_at)
VALUES (:cid, :amt::numeric / 100, 'open', now());
