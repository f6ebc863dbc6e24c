SELECT customer_id, n, total, mean FROM w1_result;
