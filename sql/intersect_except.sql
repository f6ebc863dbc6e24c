-- INTERSECT and EXCEPT (set semantics): rewritten into a GROUP BY over the
-- tagged UNION ALL of both branches with a HAVING on the tags.  The ALL
-- variants are refused.

CREATE TABLE intersect_a(id serial primary key, x int, t text);
CREATE TABLE intersect_b(id serial primary key, y int, t text);
INSERT INTO intersect_a(x,t) SELECT i%4, 'a'||(i%3) FROM generate_series(1,10) i;
INSERT INTO intersect_b(y,t) SELECT i%5, 'a'||(i%2) FROM generate_series(1,8) i;
SELECT stepping.create_view('intersect_i', 'SELECT x, t FROM intersect_a INTERSECT SELECT y, t FROM intersect_b');
SELECT stepping.create_view('intersect_e', 'SELECT x AS v, t FROM intersect_a EXCEPT SELECT y, t FROM intersect_b WHERE y > 1');
SELECT stepping.create_view('intersect_e2', 'SELECT x FROM intersect_a EXCEPT ALL SELECT y FROM intersect_b');
\set check 'SELECT v, c.* FROM unnest(ARRAY[''intersect_i'', ''intersect_e'']) v, stepping.check_view(v::regclass) c'
:check;
SELECT x, t FROM intersect_i ORDER BY 1, 2;
INSERT INTO intersect_a(x,t) VALUES (4, 'a1'), (NULL, NULL);
INSERT INTO intersect_b(y,t) VALUES (NULL, NULL), (4, 'a1');
DELETE FROM intersect_b WHERE y = 2;
UPDATE intersect_a SET t = 'a0' WHERE x = 3;
:check;
SELECT x, t FROM intersect_i ORDER BY 1, 2;
SELECT v, t FROM intersect_e ORDER BY 1, 2;
TRUNCATE intersect_a;
:check;
SELECT name::text, kind FROM stepping.views WHERE name::text LIKE 'intersect%' ORDER BY 1;
SELECT stepping.drop_view('intersect_i');
SELECT stepping.drop_view('intersect_e');
SELECT count(*) FROM stepping.views WHERE name::text LIKE 'intersect%';
DROP TABLE intersect_a, intersect_b;
