SELECT name, segment, n, total FROM w2_result;
