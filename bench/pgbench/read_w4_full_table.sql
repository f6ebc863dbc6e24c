SELECT id, amount, segment FROM w4_result;
