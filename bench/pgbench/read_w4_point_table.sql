\set id random(1, :nord)
SELECT id, amount, segment FROM w4_result WHERE id = :id;
