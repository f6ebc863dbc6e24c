SELECT customer_id, count(*) AS n, sum(amount) AS total, avg(amount) AS mean
  FROM orders GROUP BY customer_id;
