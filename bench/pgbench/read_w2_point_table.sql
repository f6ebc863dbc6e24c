\set r random(1, :nreg)
\set s random(0, 4)
SELECT name, segment, n, total FROM w2_result
 WHERE name = 'region-' || :r AND segment = 'seg' || :s;
