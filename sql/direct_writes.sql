-- Result tables are written by stepping only: direct writes fail.
\set VERBOSITY default
\set SHOW_CONTEXT never
\pset null '(null)'

CREATE TABLE direct_writes_t (id int PRIMARY KEY, g int, x int);
INSERT INTO direct_writes_t VALUES (1, 1, 10), (2, 1, 20), (3, 2, 30);
SELECT stepping.create_view('direct_writes_bag', 'SELECT id, x FROM direct_writes_t');
SELECT stepping.create_view('direct_writes_grp', 'SELECT g, sum(x) AS total FROM direct_writes_t GROUP BY g');

INSERT INTO direct_writes_bag VALUES (9, 90);
INSERT INTO direct_writes_bag SELECT id + 10, x FROM direct_writes_t WHERE false;
UPDATE direct_writes_bag SET x = 0;
UPDATE direct_writes_bag SET x = 0 WHERE false;
DELETE FROM direct_writes_bag;
DELETE FROM direct_writes_bag WHERE id = 1;
TRUNCATE direct_writes_bag;
MERGE INTO direct_writes_bag v USING direct_writes_t t ON v.id = t.id
    WHEN MATCHED THEN UPDATE SET x = 0;
INSERT INTO direct_writes_grp (g, total) VALUES (5, 5);
UPDATE direct_writes_grp SET total = total + 1;
DELETE FROM direct_writes_grp WHERE g = 1;
TRUNCATE direct_writes_grp;
TRUNCATE direct_writes_t, direct_writes_grp;
MERGE INTO direct_writes_grp v USING direct_writes_t t ON v.g = t.g
    WHEN NOT MATCHED THEN INSERT (g, total) VALUES (t.g, t.x);
COPY direct_writes_bag (id, x) FROM STDIN;
7	70
\.

-- the SQLSTATE
DO $$
BEGIN
    DELETE FROM direct_writes_grp;
EXCEPTION WHEN others THEN
    RAISE NOTICE 'SQLSTATE %', SQLSTATE;
END
$$;
DO $$
BEGIN
    TRUNCATE direct_writes_bag;
EXCEPTION WHEN others THEN
    RAISE NOTICE 'SQLSTATE %', SQLSTATE;
END
$$;

-- nothing changed, and the views are still maintained
SELECT id, x FROM direct_writes_bag ORDER BY id;
SELECT g, total FROM direct_writes_grp ORDER BY g;
SELECT count(*) FROM direct_writes_t;
INSERT INTO direct_writes_t VALUES (4, 2, 40);
SELECT id, x FROM direct_writes_bag ORDER BY id;
SELECT g, total FROM direct_writes_grp ORDER BY g;
SELECT * FROM stepping.check_view('direct_writes_bag');
SELECT * FROM stepping.check_view('direct_writes_grp');

-- a failed direct write inside a transaction does not disturb maintenance
-- after a rollback to a savepoint
BEGIN;
INSERT INTO direct_writes_t VALUES (5, 3, 50);
SAVEPOINT s;
DELETE FROM direct_writes_bag;
ROLLBACK TO SAVEPOINT s;
INSERT INTO direct_writes_t VALUES (6, 3, 60);
COMMIT;
SELECT id, x FROM direct_writes_bag ORDER BY id;
SELECT g, total FROM direct_writes_grp ORDER BY g;
SELECT * FROM stepping.check_view('direct_writes_bag');
SELECT * FROM stepping.check_view('direct_writes_grp');

SELECT stepping.drop_view('direct_writes_bag');
SELECT stepping.drop_view('direct_writes_grp');
DROP TABLE direct_writes_t;
