-- INTERSECT and EXCEPT (set semantics): rewritten into a GROUP BY over the
-- tagged UNION ALL of both branches with a HAVING on the tags.  The ALL
-- variants: an internal view counts each row on both sides, and the view
-- repeats it least(l, r) or l - r times (generate_series in FROM).

CREATE TABLE intersect_a(id serial primary key, x int, t text);
CREATE TABLE intersect_b(id serial primary key, y int, t text);
INSERT INTO intersect_a(x,t) SELECT i%4, 'a'||(i%3) FROM generate_series(1,10) i;
INSERT INTO intersect_b(y,t) SELECT i%5, 'a'||(i%2) FROM generate_series(1,8) i;
SELECT stepping.create_view('intersect_i', 'SELECT x, t FROM intersect_a INTERSECT SELECT y, t FROM intersect_b');
SELECT stepping.create_view('intersect_e', 'SELECT x AS v, t FROM intersect_a EXCEPT SELECT y, t FROM intersect_b WHERE y > 1');
SELECT stepping.create_view('intersect_e2', 'SELECT x FROM intersect_a EXCEPT ALL SELECT y FROM intersect_b');
SELECT stepping.create_view('intersect_i2', 'SELECT x, t FROM intersect_a INTERSECT ALL SELECT y, t FROM intersect_b');
\set check 'SELECT v, c.* FROM unnest(ARRAY[''intersect_i'', ''intersect_e'', ''intersect_e2'', ''intersect_i2'']) v, stepping.check_view(v::regclass) c'
:check;
SELECT x, t FROM intersect_i ORDER BY 1, 2;
INSERT INTO intersect_a(x,t) VALUES (4, 'a1'), (NULL, NULL);
INSERT INTO intersect_b(y,t) VALUES (NULL, NULL), (4, 'a1');
DELETE FROM intersect_b WHERE y = 2;
UPDATE intersect_a SET t = 'a0' WHERE x = 3;
:check;
SELECT x, t FROM intersect_i ORDER BY 1, 2;
SELECT v, t FROM intersect_e ORDER BY 1, 2;
SELECT x FROM intersect_e2 ORDER BY 1;
SELECT x, t FROM intersect_i2 ORDER BY 1, 2;
-- duplicates on both sides, added and removed one at a time
INSERT INTO intersect_a(x,t) VALUES (1, 'a1'), (1, 'a1'), (1, 'a1');
INSERT INTO intersect_b(y,t) VALUES (1, 'a1'), (1, 'a1');
:check;
DELETE FROM intersect_a WHERE id = (SELECT min(id) FROM intersect_a WHERE x = 1 AND t = 'a1');
:check;
SELECT x, t FROM intersect_i2 WHERE x = 1 ORDER BY 1, 2;
SELECT * FROM stepping.explain_view('intersect_i2');
TRUNCATE intersect_a;
:check;
SELECT name::text, kind FROM stepping.views WHERE name::text LIKE 'intersect%' ORDER BY 1;
SELECT stepping.drop_view('intersect_i');
SELECT stepping.drop_view('intersect_e');
SELECT stepping.drop_view('intersect_e2');
SELECT stepping.drop_view('intersect_i2');
SELECT count(*) FROM stepping.views WHERE name::text LIKE 'intersect%';
DROP TABLE intersect_a, intersect_b;
