-- Bag views (filter/project without GROUP BY or DISTINCT): duplicates are kept
-- exactly as the query returns them.
\pset null '(null)'

CREATE TABLE bag_t (a int, b text);
INSERT INTO bag_t VALUES (1, 'x'), (1, 'x'), (1, 'x'), (2, 'y'), (2, 'y'), (3, 'z'), (20, 'big');

SELECT stepping.create_view('bag_v', 'SELECT a, b FROM bag_t WHERE a < 10');
-- projection that makes duplicates out of distinct rows
SELECT stepping.create_view('bag_p', 'SELECT a % 2 AS parity FROM bag_t');

SELECT a, b, count(*) FROM bag_v GROUP BY a, b ORDER BY a, b;
SELECT parity, count(*) FROM bag_p GROUP BY parity ORDER BY parity;
SELECT * FROM stepping.check_view('bag_v');
SELECT * FROM stepping.check_view('bag_p');

-- delete one of two duplicates
DELETE FROM bag_t WHERE ctid = (SELECT min(ctid) FROM bag_t WHERE a = 2);
SELECT a, b, count(*) FROM bag_v GROUP BY a, b ORDER BY a, b;
SELECT parity, count(*) FROM bag_p GROUP BY parity ORDER BY parity;
SELECT * FROM stepping.check_view('bag_v');
SELECT * FROM stepping.check_view('bag_p');

-- update one of three duplicates, then turn another row into a duplicate
UPDATE bag_t SET b = 'w' WHERE ctid = (SELECT max(ctid) FROM bag_t WHERE a = 1);
UPDATE bag_t SET a = 1, b = 'x' WHERE a = 3;
SELECT a, b, count(*) FROM bag_v GROUP BY a, b ORDER BY a, b;
SELECT parity, count(*) FROM bag_p GROUP BY parity ORDER BY parity;
SELECT * FROM stepping.check_view('bag_v');
SELECT * FROM stepping.check_view('bag_p');

-- insert more copies of an existing row in one statement, and a row that
-- enters the filter through an update
INSERT INTO bag_t SELECT 2, 'y' FROM generate_series(1, 4);
UPDATE bag_t SET a = 5 WHERE a = 20;
SELECT a, b, count(*) FROM bag_v GROUP BY a, b ORDER BY a, b;
SELECT parity, count(*) FROM bag_p GROUP BY parity ORDER BY parity;
SELECT * FROM stepping.check_view('bag_v');
SELECT * FROM stepping.check_view('bag_p');

-- delete all copies but one
DELETE FROM bag_t WHERE a = 1 AND b = 'x'
   AND ctid <> (SELECT min(ctid) FROM bag_t WHERE a = 1 AND b = 'x');
SELECT a, b, count(*) FROM bag_v GROUP BY a, b ORDER BY a, b;
SELECT parity, count(*) FROM bag_p GROUP BY parity ORDER BY parity;
SELECT * FROM stepping.check_view('bag_v');
SELECT * FROM stepping.check_view('bag_p');

-- delete everything
DELETE FROM bag_t;
SELECT count(*) FROM bag_v;
SELECT count(*) FROM bag_p;
SELECT * FROM stepping.check_view('bag_v');
SELECT * FROM stepping.check_view('bag_p');

-- a view that carries the base table's primary key is keyed by it
CREATE TABLE bag_pk (id int PRIMARY KEY, v int, note text);
INSERT INTO bag_pk VALUES (1, 10, 'a'), (2, 20, 'b'), (3, -30, 'c');
SELECT stepping.create_view('bag_pkv', 'SELECT id, v * 2 AS v2 FROM bag_pk WHERE v > 0');
SELECT key_columns, kind FROM stepping.views WHERE name = 'bag_pkv'::regclass;
SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'bag_pkv';
SELECT attname FROM pg_attribute
 WHERE attrelid = 'bag_pkv'::regclass AND attnum > 0 AND NOT attisdropped
 ORDER BY attnum;
SELECT id, v2 FROM bag_pkv ORDER BY id;

-- rows leave and enter the filter, keys change, keys are reused
UPDATE bag_pk SET v = -v WHERE id IN (1, 3);
SELECT id, v2 FROM bag_pkv ORDER BY id;
SELECT * FROM stepping.check_view('bag_pkv');
UPDATE bag_pk SET id = 100 WHERE id = 2;
INSERT INTO bag_pk VALUES (2, 22, 'again');
SELECT id, v2 FROM bag_pkv ORDER BY id;
SELECT * FROM stepping.check_view('bag_pkv');
-- swap two keys through a third one inside a transaction
BEGIN;
UPDATE bag_pk SET id = 0 WHERE id = 2;
UPDATE bag_pk SET id = 2 WHERE id = 3;
UPDATE bag_pk SET id = 3 WHERE id = 0;
COMMIT;
SELECT id, v2 FROM bag_pkv ORDER BY id;
SELECT * FROM stepping.check_view('bag_pkv');
-- delete and insert the same key in one statement
WITH d AS (DELETE FROM bag_pk WHERE id = 100 RETURNING *)
INSERT INTO bag_pk SELECT 4, v + 1, note FROM d;
SELECT id, v2 FROM bag_pkv ORDER BY id;
SELECT * FROM stepping.check_view('bag_pkv');

-- a deferrable primary key lets one statement swap keys
CREATE TABLE bag_dk (id int PRIMARY KEY DEFERRABLE, v int);
INSERT INTO bag_dk VALUES (1, 10), (2, 20), (3, 30);
SELECT stepping.create_view('bag_dkv', 'SELECT id, v FROM bag_dk');
UPDATE bag_dk SET id = 4 - id;
SELECT id, v FROM bag_dkv ORDER BY id;
SELECT * FROM stepping.check_view('bag_dkv');
UPDATE bag_dk SET id = id + 1;
SELECT id, v FROM bag_dkv ORDER BY id;
SELECT * FROM stepping.check_view('bag_dkv');

-- the key index is an access path: with the primary key dropped, rows that
-- repeat the former key are kept and removed exactly
SELECT line FROM stepping.explain_view('bag_pkv') AS line WHERE line LIKE 'bag:%';
ALTER TABLE bag_pk DROP CONSTRAINT bag_pk_pkey;
INSERT INTO bag_pk (id, v) VALUES (2, 20), (2, 21), (2, 20);
DELETE FROM bag_pk WHERE ctid = (SELECT min(ctid) FROM bag_pk WHERE id = 2 AND v = 20);
UPDATE bag_pk SET v = v + 100 WHERE id = 2 AND v = 21;
SELECT id, v2 FROM bag_pkv ORDER BY id, v2;
SELECT * FROM stepping.check_view('bag_pkv');
SELECT line FROM stepping.explain_view('bag_pkv') AS line WHERE line LIKE 'bag:%';

SELECT stepping.drop_view('bag_v');
SELECT stepping.drop_view('bag_p');
SELECT stepping.drop_view('bag_pkv');
SELECT stepping.drop_view('bag_dkv');
DROP TABLE bag_t, bag_pk, bag_dk;
