-- min/max over any ordered type (inserts fold in; deleting the extreme
-- recomputes that group only) and HAVING (groups appear and disappear).
CREATE TABLE minmax_t (id serial PRIMARY KEY, g int, v int, n numeric, t text, d date);
INSERT INTO minmax_t (g, v, n, t, d)
    SELECT i % 3, i, i * 1.5, 'x' || i, date '2020-01-01' + i FROM generate_series(1, 20) i;
SELECT stepping.create_view('minmax_v',
    'SELECT g, min(v) AS mi, max(v) AS ma, min(n) AS mn, max(t) AS mt, min(d) AS md, count(*) AS c
       FROM minmax_t GROUP BY g');
SELECT stepping.create_view('minmax_g', 'SELECT min(v) AS mi, max(t) AS mt FROM minmax_t');
SELECT stepping.create_view('minmax_h',
    'SELECT g, sum(v) AS s FROM minmax_t GROUP BY g HAVING count(*) > 6 AND max(v) < 100');
SELECT stepping.create_view('minmax_hg', 'SELECT count(*) AS c FROM minmax_t HAVING count(*) > 15');
SELECT * FROM stepping.explain_view('minmax_h');
\set check 'SELECT v, c.* FROM unnest(ARRAY[''minmax_v'', ''minmax_g'', ''minmax_h'', ''minmax_hg'']) v, stepping.check_view(v::regclass) c'
SELECT g, mi, ma, mn, mt, md, c FROM minmax_v ORDER BY g;
SELECT g, s FROM minmax_h ORDER BY g;
SELECT c FROM minmax_hg;
-- delete the extremes of every group
DELETE FROM minmax_t WHERE v IN (1, 20, 3);
:check;
SELECT g, mi, ma, mn, mt, md, c FROM minmax_v ORDER BY g;
SELECT g, s FROM minmax_h ORDER BY g;
SELECT c FROM minmax_hg;
-- move rows, a new minimum, a new group, NULLs
UPDATE minmax_t SET v = v + 100 WHERE id % 4 = 0;
INSERT INTO minmax_t (g, v, n, t, d) VALUES (1, -5, NULL, NULL, NULL), (5, 1, 1, 'a', NULL);
:check;
SELECT g, mi, ma, mn, mt, md, c FROM minmax_v ORDER BY g;
SELECT g, s FROM minmax_h ORDER BY g;
-- a group leaves, HAVING turns true again
DELETE FROM minmax_t WHERE g = 2;
UPDATE minmax_t SET v = v - 100 WHERE v > 100;
:check;
SELECT g, mi, ma, mn, mt, md, c FROM minmax_v ORDER BY g;
SELECT g, s FROM minmax_h ORDER BY g;
SELECT c FROM minmax_hg;
-- ties: equal numerics spelled differently, the later one wins as in min()
INSERT INTO minmax_t (g, v, n) VALUES (7, 1, 2.0), (7, 2, 2.00);
SELECT g, mn FROM minmax_v WHERE g = 7;
DELETE FROM minmax_t WHERE g = 7 AND v = 2;
SELECT g, mn FROM minmax_v WHERE g = 7;
:check;
TRUNCATE minmax_t;
:check;
SELECT mi, mt FROM minmax_g;
SELECT count(*) FROM minmax_hg;
SELECT stepping.drop_view('minmax_v');
SELECT stepping.drop_view('minmax_g');
SELECT stepping.drop_view('minmax_h');
SELECT stepping.drop_view('minmax_hg');
DROP TABLE minmax_t;
