-- SELECT DISTINCT views: a row stays while at least one copy is left.
\pset null '(null)'

CREATE TABLE distinct_t (a int, b text, c int);
INSERT INTO distinct_t VALUES
    (1, 'x', 1), (1, 'x', 2), (2, 'y', 3), (NULL, 'n', 4), (NULL, 'n', 5),
    (NULL, NULL, 6), (3, NULL, 7);

SELECT stepping.create_view('distinct_v', 'SELECT DISTINCT a, b FROM distinct_t');
SELECT stepping.create_view('distinct_e', 'SELECT DISTINCT a % 2 AS parity FROM distinct_t WHERE c < 100');
-- GROUP BY without aggregates is a DISTINCT too
SELECT stepping.create_view('distinct_g', 'SELECT b FROM distinct_t GROUP BY b');

SELECT a, b FROM distinct_v ORDER BY a, b;
SELECT parity FROM distinct_e ORDER BY parity;
SELECT b FROM distinct_g ORDER BY b;
SELECT * FROM stepping.check_view('distinct_v');
SELECT * FROM stepping.check_view('distinct_e');
SELECT * FROM stepping.check_view('distinct_g');

-- deleting one copy keeps the row (also for NULLs)
DELETE FROM distinct_t WHERE c IN (1, 4);
SELECT a, b FROM distinct_v ORDER BY a, b;
SELECT parity FROM distinct_e ORDER BY parity;
SELECT b FROM distinct_g ORDER BY b;
SELECT * FROM stepping.check_view('distinct_v');
SELECT * FROM stepping.check_view('distinct_e');
SELECT * FROM stepping.check_view('distinct_g');

-- deleting the last copy removes it
DELETE FROM distinct_t WHERE c IN (2, 5);
SELECT a, b FROM distinct_v ORDER BY a, b;
SELECT parity FROM distinct_e ORDER BY parity;
SELECT b FROM distinct_g ORDER BY b;
SELECT * FROM stepping.check_view('distinct_v');
SELECT * FROM stepping.check_view('distinct_e');
SELECT * FROM stepping.check_view('distinct_g');

-- updates: one row becomes a copy of another, one leaves the filter
UPDATE distinct_t SET a = 2, b = 'y' WHERE c = 7;
UPDATE distinct_t SET c = 200 WHERE c = 6;
SELECT a, b FROM distinct_v ORDER BY a, b;
SELECT parity FROM distinct_e ORDER BY parity;
SELECT b FROM distinct_g ORDER BY b;
SELECT * FROM stepping.check_view('distinct_v');
SELECT * FROM stepping.check_view('distinct_e');
SELECT * FROM stepping.check_view('distinct_g');

-- many copies at once, then all but one in one statement
INSERT INTO distinct_t SELECT 7, 'seven', i FROM generate_series(10, 19) i;
SELECT a, b FROM distinct_v ORDER BY a, b;
DELETE FROM distinct_t WHERE a = 7 AND c > 10;
SELECT a, b FROM distinct_v ORDER BY a, b;
SELECT parity FROM distinct_e ORDER BY parity;
SELECT * FROM stepping.check_view('distinct_v');
SELECT * FROM stepping.check_view('distinct_e');
SELECT * FROM stepping.check_view('distinct_g');

-- an update that changes nothing the view reads, over every row
UPDATE distinct_t SET c = c + 1000;
SELECT a, b FROM distinct_v ORDER BY a, b;
SELECT * FROM stepping.check_view('distinct_v');
SELECT * FROM stepping.check_view('distinct_e');

DELETE FROM distinct_t;
SELECT count(*) FROM distinct_v;
SELECT count(*) FROM distinct_e;
SELECT count(*) FROM distinct_g;
SELECT * FROM stepping.check_view('distinct_v');

SELECT stepping.drop_view('distinct_v');
SELECT stepping.drop_view('distinct_e');
SELECT stepping.drop_view('distinct_g');
DROP TABLE distinct_t;
