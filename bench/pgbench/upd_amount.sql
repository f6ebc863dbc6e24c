-- W1b: one-row UPDATE of an order's amount.
\set id random(1, :nord)
\set amt random(100, 100000)
UPDATE orders SET amount = :amt::numeric / 100 WHERE id = :id;
