SELECT r.name, c.segment, count(*) AS n, sum(o.amount) AS total
  FROM orders o JOIN customers c ON o.customer_id = c.id
                JOIN regions r ON c.region_id = r.id
 GROUP BY r.name, c.segment;
