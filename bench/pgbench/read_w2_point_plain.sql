\set r random(1, :nreg)
\set s random(0, 4)
SELECT r.name, c.segment, count(*) AS n, sum(o.amount) AS total
  FROM orders o JOIN customers c ON o.customer_id = c.id
                JOIN regions r ON c.region_id = r.id
 WHERE r.name = 'region-' || :r AND c.segment = 'seg' || :s
 GROUP BY r.name, c.segment;
