\set cid random(1, :ncust_ord)
SELECT customer_id, n, total, mean FROM w1_result WHERE customer_id = :cid;
