SELECT o.id, o.amount, c.segment
  FROM orders o JOIN customers c ON o.customer_id = c.id
 WHERE o.status = 'open';
