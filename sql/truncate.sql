-- TRUNCATE of a base table empties grouped, bag and global-aggregate views.
\pset null '(null)'

CREATE TABLE truncate_t (g int, x int);
CREATE TABLE truncate_u (k text);
INSERT INTO truncate_t SELECT i % 3, i FROM generate_series(1, 10) i;
INSERT INTO truncate_u VALUES ('a'), ('a'), ('b');

SELECT stepping.create_view('truncate_grp', 'SELECT g, count(*) AS cnt, sum(x) AS total FROM truncate_t GROUP BY g');
SELECT stepping.create_view('truncate_bag', 'SELECT g, x FROM truncate_t WHERE x > 2');
SELECT stepping.create_view('truncate_glob', 'SELECT count(*) AS cnt, sum(x) AS total FROM truncate_t');
SELECT stepping.create_view('truncate_dist', 'SELECT DISTINCT k FROM truncate_u');

SELECT g, cnt, total FROM truncate_grp ORDER BY g;
SELECT count(*) AS bag_rows FROM truncate_bag;
SELECT cnt, total FROM truncate_glob;

TRUNCATE truncate_t;
SELECT count(*) AS grp_rows FROM truncate_grp;
SELECT count(*) AS bag_rows FROM truncate_bag;
SELECT cnt, total FROM truncate_glob;
SELECT * FROM stepping.check_view('truncate_grp');
SELECT * FROM stepping.check_view('truncate_bag');
SELECT * FROM stepping.check_view('truncate_glob');

-- TRUNCATE then INSERT in the same transaction
INSERT INTO truncate_t VALUES (1, 1), (1, 2), (2, 3);
BEGIN;
TRUNCATE truncate_t;
INSERT INTO truncate_t VALUES (5, 50), (5, 51), (6, 1);
SELECT g, cnt, total FROM truncate_grp ORDER BY g;
COMMIT;
SELECT g, cnt, total FROM truncate_grp ORDER BY g;
SELECT g, x FROM truncate_bag ORDER BY g, x;
SELECT cnt, total FROM truncate_glob;
SELECT * FROM stepping.check_view('truncate_grp');
SELECT * FROM stepping.check_view('truncate_bag');
SELECT * FROM stepping.check_view('truncate_glob');

-- INSERT, TRUNCATE, INSERT, UPDATE, DELETE in one transaction
BEGIN;
INSERT INTO truncate_t VALUES (7, 70);
TRUNCATE truncate_t;
INSERT INTO truncate_t VALUES (8, 80), (8, 81), (9, 90);
UPDATE truncate_t SET g = 9 WHERE x = 81;
DELETE FROM truncate_t WHERE x = 80;
COMMIT;
SELECT g, cnt, total FROM truncate_grp ORDER BY g;
SELECT g, x FROM truncate_bag ORDER BY g, x;
SELECT cnt, total FROM truncate_glob;
SELECT * FROM stepping.check_view('truncate_grp');
SELECT * FROM stepping.check_view('truncate_bag');
SELECT * FROM stepping.check_view('truncate_glob');

-- a rolled back TRUNCATE leaves the views as they were
BEGIN;
TRUNCATE truncate_t;
INSERT INTO truncate_t VALUES (1, 100);
ROLLBACK;
SELECT g, cnt, total FROM truncate_grp ORDER BY g;
SELECT g, x FROM truncate_bag ORDER BY g, x;
SELECT cnt, total FROM truncate_glob;
SELECT * FROM stepping.check_view('truncate_grp');
SELECT * FROM stepping.check_view('truncate_bag');
SELECT * FROM stepping.check_view('truncate_glob');

-- TRUNCATE inside a savepoint that is rolled back
BEGIN;
INSERT INTO truncate_t VALUES (10, 10);
SAVEPOINT s;
TRUNCATE truncate_t;
ROLLBACK TO SAVEPOINT s;
INSERT INTO truncate_t VALUES (11, 11);
COMMIT;
SELECT g, cnt, total FROM truncate_grp ORDER BY g;
SELECT cnt, total FROM truncate_glob;
SELECT * FROM stepping.check_view('truncate_grp');
SELECT * FROM stepping.check_view('truncate_bag');
SELECT * FROM stepping.check_view('truncate_glob');

-- one TRUNCATE of two base tables
TRUNCATE truncate_t, truncate_u;
SELECT count(*) AS grp_rows FROM truncate_grp;
SELECT count(*) AS bag_rows FROM truncate_bag;
SELECT cnt, total FROM truncate_glob;
SELECT count(*) AS dist_rows FROM truncate_dist;
SELECT * FROM stepping.check_view('truncate_grp');
SELECT * FROM stepping.check_view('truncate_bag');
SELECT * FROM stepping.check_view('truncate_glob');
SELECT * FROM stepping.check_view('truncate_dist');

-- TRUNCATE of an empty table, then life goes on
TRUNCATE truncate_t;
INSERT INTO truncate_t VALUES (1, 5);
INSERT INTO truncate_u VALUES ('c');
SELECT g, cnt, total FROM truncate_grp ORDER BY g;
SELECT g, x FROM truncate_bag ORDER BY g, x;
SELECT cnt, total FROM truncate_glob;
SELECT k FROM truncate_dist ORDER BY k;
SELECT * FROM stepping.check_view('truncate_grp');
SELECT * FROM stepping.check_view('truncate_dist');

SELECT stepping.drop_view('truncate_grp');
SELECT stepping.drop_view('truncate_bag');
SELECT stepping.drop_view('truncate_glob');
SELECT stepping.drop_view('truncate_dist');
DROP TABLE truncate_t, truncate_u;
