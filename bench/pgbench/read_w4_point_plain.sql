\set id random(1, :nord)
SELECT o.id, o.amount, c.segment
  FROM orders o JOIN customers c ON o.customer_id = c.id
 WHERE o.status = 'open' AND o.id = :id;
