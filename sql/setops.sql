-- UNION ALL and UNION: every branch becomes an internal view; the view is a
-- bag (UNION ALL) or DISTINCT (UNION) over their output deltas.  INTERSECT
-- and EXCEPT (ALL or not) are in intersect_except; one INTERSECT ALL here.


CREATE TABLE setops_a(id serial primary key, x int, t text);
CREATE TABLE setops_b(id serial primary key, y int, t text);
INSERT INTO setops_a(x,t) SELECT i%4, 'a'||(i%3) FROM generate_series(1,10) i;
INSERT INTO setops_b(y,t) SELECT i%5, 'a'||(i%2) FROM generate_series(1,8) i;
SELECT stepping.create_view('setops_1', 'SELECT x AS v, t FROM setops_a UNION ALL SELECT y, t FROM setops_b WHERE y > 1 UNION ALL SELECT x, t FROM setops_a WHERE x = 0');
SELECT stepping.create_view('setops_2', 'SELECT x AS v, t FROM setops_a UNION SELECT y, t FROM setops_b');
SELECT stepping.create_view('setops_3', 'SELECT t, count(*) AS n FROM (SELECT t FROM setops_a UNION ALL SELECT t FROM setops_b) s GROUP BY t');
SELECT stepping.create_view('setops_4', 'SELECT x FROM setops_a INTERSECT ALL SELECT y FROM setops_b');
SELECT stepping.create_view('setops_5', 'SELECT x::bigint AS v FROM setops_a UNION ALL SELECT y FROM setops_b');
\set check 'SELECT v, c.* FROM unnest(ARRAY[''setops_1'', ''setops_2'', ''setops_3'', ''setops_4'', ''setops_5'']) v, stepping.check_view(v::regclass) c'
:check;
INSERT INTO setops_a(x,t) VALUES (0, 'a0'), (9, NULL), (NULL, NULL);
DELETE FROM setops_b WHERE y = 2;
UPDATE setops_a SET t = 'zz' WHERE x = 1;
:check;
TRUNCATE setops_b;
:check;
SELECT name::text, kind FROM stepping.views WHERE name::text LIKE 'setops%' ORDER BY 1;
SELECT v, x, t FROM (SELECT v, t, NULL::int AS x FROM setops_2) s ORDER BY 1, 3;
SELECT * FROM stepping.explain_view('setops_2');
SELECT stepping.drop_view('setops_1');
SELECT stepping.drop_view('setops_2');
SELECT stepping.drop_view('setops_3');
SELECT stepping.drop_view('setops_4');
SELECT stepping.drop_view('setops_5');
SELECT count(*) FROM stepping.views WHERE name::text LIKE 'setops%';
DROP TABLE setops_a, setops_b;
