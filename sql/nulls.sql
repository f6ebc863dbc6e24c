-- NULLs: as group keys, in counts and sums, and in filters.
\pset null '(null)'

CREATE TABLE nulls_t (id int PRIMARY KEY, g int, h text, x int, n numeric);
INSERT INTO nulls_t VALUES
    (1, NULL, 'a', 1, NULL),
    (2, NULL, NULL, NULL, NULL),
    (3, 1, 'a', NULL, NULL),
    (4, 1, NULL, NULL, 2),
    (5, 2, 'b', NULL, NULL),
    (6, NULL, NULL, 5, 1.5);

SELECT stepping.create_view('nulls_v', $$
    SELECT g, count(*) AS cnt, count(x) AS cnt_x, sum(x) AS sum_x, avg(x) AS avg_x,
           sum(n) AS sum_n, avg(n) AS avg_n
      FROM nulls_t GROUP BY g$$);
-- two key columns, each may be NULL
SELECT stepping.create_view('nulls_v2', $$
    SELECT g, h, count(*) AS cnt FROM nulls_t GROUP BY g, h$$);
-- NULL in filters
SELECT stepping.create_view('nulls_gt', 'SELECT id, x FROM nulls_t WHERE x > 0');
SELECT stepping.create_view('nulls_not', 'SELECT id, x FROM nulls_t WHERE NOT (x > 1)');
SELECT stepping.create_view('nulls_is', 'SELECT id, g FROM nulls_t WHERE x IS NULL');
SELECT stepping.create_view('nulls_idf', 'SELECT id FROM nulls_t WHERE x IS DISTINCT FROM 1');
SELECT stepping.create_view('nulls_co', $$
    SELECT coalesce(g, -1) AS g, nullif(h, 'a') AS h FROM nulls_t WHERE h IS NOT NULL OR g IS NULL$$);

SELECT g, cnt, cnt_x, sum_x, avg_x, sum_n, avg_n FROM nulls_v ORDER BY g;
SELECT g, h, cnt FROM nulls_v2 ORDER BY g, h;
SELECT id, x FROM nulls_gt ORDER BY id;
SELECT id, x FROM nulls_not ORDER BY id;
SELECT id, g FROM nulls_is ORDER BY id;
SELECT id FROM nulls_idf ORDER BY id;
SELECT g, h FROM nulls_co ORDER BY g, h;
SELECT * FROM stepping.check_view('nulls_v');
SELECT * FROM stepping.check_view('nulls_v2');
SELECT * FROM stepping.check_view('nulls_gt');
SELECT * FROM stepping.check_view('nulls_not');
SELECT * FROM stepping.check_view('nulls_is');
SELECT * FROM stepping.check_view('nulls_idf');
SELECT * FROM stepping.check_view('nulls_co');

-- a sum over only NULLs gets a value, then loses it again
UPDATE nulls_t SET x = 10 WHERE id = 5;
SELECT g, cnt, cnt_x, sum_x, avg_x FROM nulls_v WHERE g = 2;
UPDATE nulls_t SET x = NULL WHERE id = 5;
SELECT g, cnt, cnt_x, sum_x, avg_x FROM nulls_v WHERE g = 2;
SELECT * FROM stepping.check_view('nulls_v');

-- rows move into and out of the NULL group
UPDATE nulls_t SET g = NULL WHERE id = 3;
UPDATE nulls_t SET g = 3 WHERE id IN (1, 6);
UPDATE nulls_t SET h = NULL WHERE id = 5;
SELECT g, cnt, cnt_x, sum_x, avg_x, sum_n, avg_n FROM nulls_v ORDER BY g;
SELECT g, h, cnt FROM nulls_v2 ORDER BY g, h;
SELECT g, h FROM nulls_co ORDER BY g, h;
SELECT * FROM stepping.check_view('nulls_v');
SELECT * FROM stepping.check_view('nulls_v2');
SELECT * FROM stepping.check_view('nulls_co');

-- NULLs in filters change
UPDATE nulls_t SET x = 0 WHERE id = 2;
UPDATE nulls_t SET x = NULL WHERE id = 1;
INSERT INTO nulls_t VALUES (7, NULL, NULL, NULL, NULL), (8, 7, 'z', 2, 2);
SELECT id, x FROM nulls_gt ORDER BY id;
SELECT id, x FROM nulls_not ORDER BY id;
SELECT id, g FROM nulls_is ORDER BY id;
SELECT id FROM nulls_idf ORDER BY id;
SELECT * FROM stepping.check_view('nulls_gt');
SELECT * FROM stepping.check_view('nulls_not');
SELECT * FROM stepping.check_view('nulls_is');
SELECT * FROM stepping.check_view('nulls_idf');

-- the NULL group disappears when its last row goes; avg of nothing is NULL
DELETE FROM nulls_t WHERE g IS NULL;
SELECT g, cnt, cnt_x, sum_x, avg_x, sum_n, avg_n FROM nulls_v ORDER BY g;
SELECT g, h, cnt FROM nulls_v2 ORDER BY g, h;
SELECT g, h FROM nulls_co ORDER BY g, h;
SELECT * FROM stepping.check_view('nulls_v');
SELECT * FROM stepping.check_view('nulls_v2');
SELECT * FROM stepping.check_view('nulls_co');
SELECT * FROM stepping.check_view('nulls_gt');
SELECT * FROM stepping.check_view('nulls_not');
SELECT * FROM stepping.check_view('nulls_is');
SELECT * FROM stepping.check_view('nulls_idf');

SELECT stepping.drop_view(v)
  FROM unnest(ARRAY['nulls_v', 'nulls_v2', 'nulls_gt', 'nulls_not', 'nulls_is',
                    'nulls_idf', 'nulls_co']::regclass[]) v;
DROP TABLE nulls_t;
