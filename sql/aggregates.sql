-- GROUP BY views: count/sum/avg over every supported type, expressions over
-- aggregates, expression group keys, groups appearing and disappearing.
\pset null '(null)'

CREATE TABLE aggregates_t (
    id int PRIMARY KEY,
    g  int,
    s2 int2,
    s4 int4,
    s8 int8,
    n  numeric,
    r  float4,
    f  float8
);
INSERT INTO aggregates_t VALUES
    (1, 1, 1, 10, 100, 1.5, 0.5, 0.25),
    (2, 1, 2, 20, 200, 2.25, 1.5, 0.5),
    (3, 2, 3, 30, 9000000000000000000, 3, 2.5, 1.75),
    (4, 2, NULL, NULL, 9000000000000000000, NULL, NULL, NULL),
    (5, 3, 5, 50, -5, -0.125, -0.25, -8.5);

SELECT stepping.create_view('aggregates_v', $$
    SELECT g, count(*) AS cnt, count(s4) AS cnt_s4,
           sum(s2) AS sum2, sum(s4) AS sum4, sum(s8) AS sum8, sum(n) AS sumn,
           sum(r) AS sumr, sum(f) AS sumf,
           avg(s2) AS avg2, avg(s4) AS avg4, avg(s8) AS avg8, avg(n) AS avgn,
           avg(r) AS avgr, avg(f) AS avgf
      FROM aggregates_t GROUP BY g$$);

-- expressions over aggregates
SELECT stepping.create_view('aggregates_e', $$
    SELECT g, sum(s4)::int AS sum_int, coalesce(sum(s2), 0) * 10 AS sum10,
           CASE WHEN count(*) > 2 THEN 'many' ELSE 'few' END AS size,
           count(*) + count(n) AS both_counts, sum(n) / count(*) AS mean
      FROM aggregates_t GROUP BY g$$);

-- an expression as group key, and a group key that is not in the output
SELECT stepping.create_view('aggregates_x', $$
    SELECT s4 % 3 AS r3, count(*) AS cnt, sum(s4) AS total
      FROM aggregates_t GROUP BY s4 % 3$$);
SELECT stepping.create_view('aggregates_h', $$
    SELECT count(*) AS cnt, sum(s2) AS total FROM aggregates_t GROUP BY g$$);

SELECT g, cnt, cnt_s4, sum2, sum4, sum8, sumn, sumr, sumf FROM aggregates_v ORDER BY g;
SELECT g, avg2, avg4, avg8, avgn, avgr, avgf FROM aggregates_v ORDER BY g;
SELECT g, sum_int, sum10, size, both_counts, mean FROM aggregates_e ORDER BY g;
SELECT r3, cnt, total FROM aggregates_x ORDER BY r3;
SELECT cnt, total FROM aggregates_h ORDER BY cnt, total;

-- the result table has the query's columns, names and types first
SELECT attname, format_type(atttypid, atttypmod)
  FROM pg_attribute
 WHERE attrelid = 'aggregates_v'::regclass AND attnum > 0 AND NOT attisdropped
   AND attname NOT LIKE '\_\_stepping\_%'
 ORDER BY attnum;

-- a new group appears, an existing one grows
INSERT INTO aggregates_t VALUES
    (6, 4, 6, 60, 600, 6.5, 6, 6),
    (7, 2, 7, 70, 700, 7.75, 7, 7),
    (8, 2, 8, 80, 800, 8, 8, 8);
SELECT g, cnt, cnt_s4, sum2, sum4, sum8, sumn, sumr, sumf FROM aggregates_v ORDER BY g;
SELECT g, avg2, avg4, avg8, avgn, avgr, avgf FROM aggregates_v ORDER BY g;
SELECT g, sum_int, sum10, size, both_counts, mean FROM aggregates_e ORDER BY g;
SELECT r3, cnt, total FROM aggregates_x ORDER BY r3;
SELECT cnt, total FROM aggregates_h ORDER BY cnt, total;
SELECT * FROM stepping.check_view('aggregates_v');
SELECT * FROM stepping.check_view('aggregates_e');
SELECT * FROM stepping.check_view('aggregates_x');
SELECT * FROM stepping.check_view('aggregates_h');

-- updates move rows between groups; group 1 disappears, group 5 appears
UPDATE aggregates_t SET g = 2 WHERE id = 1;
UPDATE aggregates_t SET g = 5, s4 = s4 + 1 WHERE id = 2;
UPDATE aggregates_t SET s2 = s2 * 2, n = n + 0.5 WHERE g = 2;
SELECT g, cnt, cnt_s4, sum2, sum4, sum8, sumn, sumr, sumf FROM aggregates_v ORDER BY g;
SELECT g, avg2, avg4, avg8, avgn, avgr, avgf FROM aggregates_v ORDER BY g;
SELECT g, sum_int, sum10, size, both_counts, mean FROM aggregates_e ORDER BY g;
SELECT r3, cnt, total FROM aggregates_x ORDER BY r3;
SELECT cnt, total FROM aggregates_h ORDER BY cnt, total;
SELECT * FROM stepping.check_view('aggregates_v');
SELECT * FROM stepping.check_view('aggregates_e');
SELECT * FROM stepping.check_view('aggregates_x');
SELECT * FROM stepping.check_view('aggregates_h');

-- deletes: group 2 shrinks below "many", group 3 disappears
DELETE FROM aggregates_t WHERE id IN (3, 4, 5, 7);
SELECT g, cnt, cnt_s4, sum2, sum4, sum8, sumn, sumr, sumf FROM aggregates_v ORDER BY g;
SELECT g, avg2, avg4, avg8, avgn, avgr, avgf FROM aggregates_v ORDER BY g;
SELECT g, sum_int, sum10, size, both_counts, mean FROM aggregates_e ORDER BY g;
SELECT r3, cnt, total FROM aggregates_x ORDER BY r3;
SELECT cnt, total FROM aggregates_h ORDER BY cnt, total;
SELECT * FROM stepping.check_view('aggregates_v');
SELECT * FROM stepping.check_view('aggregates_e');
SELECT * FROM stepping.check_view('aggregates_x');
SELECT * FROM stepping.check_view('aggregates_h');

-- one statement that inserts and deletes in the same group
WITH d AS (DELETE FROM aggregates_t WHERE id = 8 RETURNING *)
INSERT INTO aggregates_t SELECT 9, g, s2, s4, s8, n, r, f FROM d;
SELECT g, cnt, sum4, sumn FROM aggregates_v ORDER BY g;
SELECT * FROM stepping.check_view('aggregates_v');

-- numeric display scale follows the inputs that are still there
CREATE TABLE aggregates_n (g int, n numeric);
SELECT stepping.create_view('aggregates_nv', $$
    SELECT g, sum(n) AS s, avg(n) AS a, count(*) AS c FROM aggregates_n GROUP BY g$$);
INSERT INTO aggregates_n VALUES (1, 1.5), (1, 2.25), (2, 10);
SELECT g, s, a, c FROM aggregates_nv ORDER BY g;
DELETE FROM aggregates_n WHERE n = 2.25;
SELECT g, s, a, c FROM aggregates_nv ORDER BY g;
SELECT g, sum(n) AS s, avg(n) AS a, count(*) AS c FROM aggregates_n GROUP BY g ORDER BY g;
SELECT * FROM stepping.check_view('aggregates_nv');
INSERT INTO aggregates_n VALUES (1, 2.250), (2, 0.0001);
SELECT g, s, a, c FROM aggregates_nv ORDER BY g;
DELETE FROM aggregates_n WHERE n = 1.5;
SELECT g, s, a, c FROM aggregates_nv ORDER BY g;
SELECT * FROM stepping.check_view('aggregates_nv');
-- 1.50 and 1.5 are equal but print differently
UPDATE aggregates_n SET n = 1.50 WHERE g = 1;
INSERT INTO aggregates_n VALUES (2, -10.0001);
SELECT g, s, a, c FROM aggregates_nv ORDER BY g;
SELECT * FROM stepping.check_view('aggregates_nv');
DELETE FROM aggregates_n WHERE g = 2 AND n = 10;
SELECT g, s, a, c FROM aggregates_nv ORDER BY g;
SELECT * FROM stepping.check_view('aggregates_nv');

-- floats: the sum after a delete prints as the query's sum would
CREATE TABLE aggregates_f (g int, f float8);
SELECT stepping.create_view('aggregates_fv', $$
    SELECT g, sum(f) AS s, avg(f) AS a FROM aggregates_f GROUP BY g$$);
INSERT INTO aggregates_f VALUES (1, 0.1), (1, 0.2), (1, 0.3), (2, 1e150), (2, 1);
DELETE FROM aggregates_f WHERE f = 0.1;
DELETE FROM aggregates_f WHERE f = 1e150;
SELECT g, s, a FROM aggregates_fv ORDER BY g;
SELECT g, sum(f) AS s, avg(f) AS a FROM aggregates_f GROUP BY g ORDER BY g;
SELECT * FROM stepping.check_view('aggregates_fv');
-- infinity and NaN come and go
INSERT INTO aggregates_f VALUES (3, 'Infinity'), (3, 1), (4, 'NaN'), (4, 2);
SELECT g, s, a FROM aggregates_fv ORDER BY g;
DELETE FROM aggregates_f WHERE f = 'Infinity' OR f = 'NaN';
SELECT g, s, a FROM aggregates_fv ORDER BY g;
SELECT * FROM stepping.check_view('aggregates_fv');

-- float sums add up as the query adds them: in float8, 1e16 + 1 + 1 stays
-- 1e16; in float4, 16777216 + 1 + 1 stays 16777216
CREATE TABLE aggregates_fo (g int, f float8, r float4);
SELECT stepping.create_view('aggregates_fov', $$
    SELECT g, sum(f) AS s, sum(r) AS sr FROM aggregates_fo GROUP BY g$$);
INSERT INTO aggregates_fo VALUES (1, 1e16, 16777216);
INSERT INTO aggregates_fo VALUES (1, 1, 1), (1, 1, 1);
INSERT INTO aggregates_fo VALUES (2, 1e16, 16777216), (2, 1, 1), (2, 1, 1);
SELECT g, s, sr FROM aggregates_fov ORDER BY g;
SELECT g, sum(f) AS s, sum(r) AS sr FROM aggregates_fo GROUP BY g ORDER BY g;
SELECT * FROM stepping.check_view('aggregates_fov');

-- integer sums beyond the range of their input type
CREATE TABLE aggregates_big (g int, b bigint, i int, s smallint);
SELECT stepping.create_view('aggregates_bigv', $$
    SELECT g, sum(b) AS sb, avg(b) AS ab, sum(i) AS si, avg(i) AS ai, sum(s) AS ss
      FROM aggregates_big GROUP BY g$$);
INSERT INTO aggregates_big VALUES
    (1, 9000000000000000000, 2147483647, 32767),
    (1, 9000000000000000000, 2147483647, 32767),
    (1, 9223372036854775807, 2147483647, 32767);
SELECT g, sb, ab, si, ai, ss FROM aggregates_bigv ORDER BY g;
SELECT * FROM stepping.check_view('aggregates_bigv');
DELETE FROM aggregates_big WHERE b = 9223372036854775807;
INSERT INTO aggregates_big VALUES
    (1, -9223372036854775808, -2147483648, -32768),
    (1, -9223372036854775808, -2147483648, -32768);
SELECT g, sb, ab, si, ai, ss FROM aggregates_bigv ORDER BY g;
SELECT * FROM stepping.check_view('aggregates_bigv');

-- numeric NaN and infinities come and go
CREATE TABLE aggregates_sp (g int, n numeric);
SELECT stepping.create_view('aggregates_spv', $$
    SELECT g, sum(n) AS s, avg(n) AS a FROM aggregates_sp GROUP BY g$$);
INSERT INTO aggregates_sp VALUES
    (1, 'NaN'), (1, 1.5), (2, 'Infinity'), (2, '-Infinity'), (2, 2), (3, 'Infinity'), (3, 1);
SELECT g, s, a FROM aggregates_spv ORDER BY g;
DELETE FROM aggregates_sp WHERE n = 'NaN' OR n = '-Infinity';
SELECT g, s, a FROM aggregates_spv ORDER BY g;
SELECT * FROM stepping.check_view('aggregates_spv');
DELETE FROM aggregates_sp WHERE n = 'Infinity';
SELECT g, s, a FROM aggregates_spv ORDER BY g;
SELECT * FROM stepping.check_view('aggregates_spv');

SELECT stepping.drop_view('aggregates_v');
SELECT stepping.drop_view('aggregates_e');
SELECT stepping.drop_view('aggregates_x');
SELECT stepping.drop_view('aggregates_h');
SELECT stepping.drop_view('aggregates_nv');
SELECT stepping.drop_view('aggregates_fv');
SELECT stepping.drop_view('aggregates_fov');
SELECT stepping.drop_view('aggregates_bigv');
SELECT stepping.drop_view('aggregates_spv');
DROP TABLE aggregates_t, aggregates_n, aggregates_f, aggregates_fo, aggregates_big, aggregates_sp;
