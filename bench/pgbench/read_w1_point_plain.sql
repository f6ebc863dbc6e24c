\set cid random(1, :ncust_ord)
SELECT customer_id, count(*) AS n, sum(amount) AS total, avg(amount) AS mean
  FROM orders WHERE customer_id = :cid GROUP BY customer_id;
