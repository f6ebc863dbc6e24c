-- Subqueries in FROM and WITH queries (referenced once or several times)
-- become internal views (<view>__subN) read by the view; an aggregate or
-- DISTINCT below a join keeps its state there.
CREATE TABLE subqueries_o (id serial PRIMARY KEY, cid int, amount int);
CREATE TABLE subqueries_c (id int PRIMARY KEY, name text);
INSERT INTO subqueries_c SELECT i, 'c' || i FROM generate_series(1, 5) i;
INSERT INTO subqueries_o (cid, amount) SELECT 1 + i % 6, i FROM generate_series(1, 30) i;
SELECT stepping.create_view('subqueries_1', $$
    SELECT c.name, t.total FROM subqueries_c c
      JOIN (SELECT cid, sum(amount) AS total FROM subqueries_o GROUP BY cid) t ON t.cid = c.id$$);
SELECT stepping.create_view('subqueries_2', $$
    WITH t AS (SELECT cid, count(*) AS n FROM subqueries_o GROUP BY cid)
    SELECT a.cid, a.n, b.n AS n2 FROM t a JOIN t b ON a.cid = b.cid - 1$$);
SELECT stepping.create_view('subqueries_3', $$
    SELECT d.cid, count(*) AS k FROM (SELECT DISTINCT cid, amount % 2 AS odd FROM subqueries_o WHERE amount > 10) d
     GROUP BY d.cid$$);
SELECT name::text, kind FROM stepping.views WHERE name::text LIKE 'subqueries%' ORDER BY 1;
\set check 'SELECT v, c.* FROM unnest(ARRAY[''subqueries_1'', ''subqueries_2'', ''subqueries_3'']) v, stepping.check_view(v::regclass) c'
:check;
SELECT name, total FROM subqueries_1 ORDER BY name;
INSERT INTO subqueries_o (cid, amount) VALUES (1, 100), (6, 1), (2, 50);
DELETE FROM subqueries_o WHERE cid = 3;
UPDATE subqueries_c SET id = 6 WHERE id = 5;
:check;
SELECT name, total FROM subqueries_1 ORDER BY name;
SELECT cid, n, n2 FROM subqueries_2 ORDER BY cid;
SELECT cid, k FROM subqueries_3 ORDER BY cid;
BEGIN;
UPDATE subqueries_o SET amount = amount + 1 WHERE id % 2 = 0;
SAVEPOINT s;
DELETE FROM subqueries_o;
ROLLBACK TO s;
COMMIT;
:check;
TRUNCATE subqueries_o;
:check;
-- an internal view cannot be dropped alone; it goes with its view
DROP TABLE subqueries_3__sub1;
SELECT stepping.drop_view('subqueries_2');
DROP TABLE subqueries_1;
SELECT stepping.drop_view('subqueries_3');
SELECT count(*) FROM stepping.views WHERE name::text LIKE 'subqueries%';
DROP TABLE subqueries_o, subqueries_c;
