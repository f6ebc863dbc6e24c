-- join_keys: a join view whose select list identifies its rows is indexed on
-- those columns (an access path; rows are still matched whole), otherwise on
-- a row hash.  Dropping a base table's unique index later keeps the view
-- maintained exactly.
CREATE TABLE jk_cust (id int PRIMARY KEY, region int NOT NULL, segment text);
CREATE TABLE jk_region (id int PRIMARY KEY, name text);
CREATE TABLE jk_ord (id bigserial PRIMARY KEY, cust int, amount int, status text,
                     code text NOT NULL UNIQUE, alt int UNIQUE);
CREATE TABLE jk_addr (cust int PRIMARY KEY, city text);
CREATE INDEX ON jk_ord (cust);
CREATE INDEX ON jk_cust (region);
INSERT INTO jk_addr SELECT g, 'city' || g FROM generate_series(1, 8) g;
INSERT INTO jk_region SELECT g, 'r' || g FROM generate_series(1, 3) g;
INSERT INTO jk_cust SELECT g, 1 + g % 3, 's' || (g % 2) FROM generate_series(1, 10) g;
INSERT INTO jk_ord (cust, amount, status, code, alt)
SELECT 1 + g % 10, g, CASE WHEN g % 3 = 0 THEN 'open' ELSE 'shipped' END, 'c' || g, g
FROM generate_series(1, 30) g;

-- the order id identifies a row: customers are joined by their key
SELECT stepping.create_view('jk_spj', $$
  SELECT o.id, o.amount, c.segment FROM jk_ord o JOIN jk_cust c ON o.cust = c.id
  WHERE o.status = 'open'$$);
-- three tables, the key reached through two joins; a USING join
SELECT stepping.create_view('jk_three', $$
  SELECT r.name, o.amount, o.code FROM jk_ord o JOIN jk_cust c ON o.cust = c.id
  JOIN jk_region r ON r.id = c.region$$);
SELECT stepping.create_view('jk_using', $$
  SELECT cust, a.city, o.id FROM jk_ord o JOIN jk_addr a USING (cust)$$);
-- the customers' side only: many orders per customer, no key (row hash)
SELECT stepping.create_view('jk_nokey', $$
  SELECT c.id, c.segment FROM jk_ord o JOIN jk_cust c ON o.cust = c.id$$);
-- a nullable unique column does not identify a row; a constant does
SELECT stepping.create_view('jk_nullable', $$
  SELECT o.alt, c.segment FROM jk_ord o JOIN jk_cust c ON o.cust = c.id$$);
SELECT stepping.create_view('jk_const', $$
  SELECT o.id, c.segment FROM jk_ord o, jk_cust c WHERE c.id = 4 AND o.cust < 5$$);
-- a self join by the key, and a cross join (both sides' keys needed)
SELECT stepping.create_view('jk_self', $$
  SELECT a.id, b.amount FROM jk_ord a JOIN jk_ord b ON b.id = a.id + 1$$);
SELECT stepping.create_view('jk_cross', $$
  SELECT r.id AS rid, c.id AS cid, c.segment FROM jk_region r CROSS JOIN jk_cust c$$);
-- an outer join keeps the row hash
SELECT stepping.create_view('jk_outer', $$
  SELECT o.id, c.segment FROM jk_ord o LEFT JOIN jk_cust c ON o.cust = c.id$$);

SELECT c.relname AS view, i.relname AS index, pg_get_indexdef(i.oid) ~ 'UNIQUE' AS uniq,
       pg_get_indexdef(i.oid) AS def
FROM pg_class c JOIN pg_index x ON x.indrelid = c.oid JOIN pg_class i ON i.oid = x.indexrelid
WHERE c.relname LIKE 'jk\_%' AND c.relname NOT IN ('jk_cust', 'jk_region', 'jk_ord', 'jk_addr')
ORDER BY 1, 2;
SELECT line FROM stepping.explain_view('jk_spj') AS line WHERE line LIKE 'bag:%';

\set check 'SELECT v AS view, c.side, c.row_data FROM unnest(ARRAY[''jk_spj'', ''jk_three'', ''jk_using'', ''jk_nokey'', ''jk_nullable'', ''jk_const'', ''jk_self'', ''jk_cross'', ''jk_outer'']::regclass[]) AS v, stepping.check_view(v) AS c ORDER BY 1, 2, 3;'

INSERT INTO jk_ord (cust, amount, status, code, alt) VALUES (4, 100, 'open', 'x1', NULL), (4, 101, 'open', 'x2', NULL);
UPDATE jk_ord SET status = 'open', amount = amount + 1 WHERE id % 4 = 0;
UPDATE jk_cust SET segment = 'moved', region = 3 WHERE id IN (4, 5);
DELETE FROM jk_ord WHERE id % 5 = 0;
UPDATE jk_ord SET id = id + 1000 WHERE id = 31;
INSERT INTO jk_region VALUES (4, 'r4');
DELETE FROM jk_cust WHERE id = 7;
UPDATE jk_addr SET city = 'moved' WHERE cust = 2;
:check
SELECT count(*) AS spj_rows, count(DISTINCT id) AS spj_ids FROM jk_spj;

-- drop the unique indexes the keys came from: the views go on, found
-- through the index they were made with, and stay exact even when the
-- former key repeats
ALTER TABLE jk_ord DROP CONSTRAINT jk_ord_pkey;
ALTER TABLE jk_cust DROP CONSTRAINT jk_cust_pkey;
INSERT INTO jk_cust VALUES (4, 1, 'twin');
INSERT INTO jk_ord (id, cust, amount, status, code) VALUES (3, 4, 7, 'open', 'dup3'), (3, 4, 7, 'open', 'dup3b');
UPDATE jk_ord SET amount = amount * 2 WHERE id = 3;
DELETE FROM jk_ord WHERE code = 'dup3b';
:check
SELECT id, amount, segment FROM jk_spj WHERE id = 3 ORDER BY 2, 3;
SELECT line FROM stepping.explain_view('jk_spj') AS line WHERE line LIKE 'bag:%';
SELECT stepping.refresh_view('jk_spj');
:check

SELECT stepping.drop_view(v) FROM unnest(ARRAY['jk_spj', 'jk_three', 'jk_using', 'jk_nokey', 'jk_nullable', 'jk_const', 'jk_self', 'jk_cross', 'jk_outer']) AS v;
DROP TABLE jk_ord, jk_cust, jk_region, jk_addr;
