-- EXISTS, NOT EXISTS, IN and NOT IN in WHERE, correlated or not, with SQL's
-- NULL semantics: a NULL in the subquery's column makes NOT IN yield no
-- rows, and NULL NOT IN (empty set) is true; subquery predicates with joins
-- and aggregates; the refusals.
\pset null '(null)'
\set SHOW_CONTEXT never

CREATE TABLE sq_prod (id int PRIMARY KEY, name text, cat int);
CREATE TABLE sq_sale (id int PRIMARY KEY, prod_id int, qty int, region text);
CREATE TABLE sq_block (cat int);
CREATE INDEX ON sq_sale (prod_id);
INSERT INTO sq_prod VALUES (1, 'apple', 1), (2, 'pear', 1), (3, 'fig', 2), (4, 'kiwi', NULL), (5, 'plum', 3);
INSERT INTO sq_sale VALUES (10, 1, 3, 'n'), (11, 1, 1, 's'), (12, 3, 2, 'n'), (13, NULL, 9, 'n');
INSERT INTO sq_block VALUES (2);

SELECT stepping.create_view('sq_sold',
  $$SELECT p.id, p.name FROM sq_prod p
     WHERE EXISTS (SELECT 1 FROM sq_sale s WHERE s.prod_id = p.id)$$);
SELECT stepping.create_view('sq_unsold_north',
  $$SELECT p.id, p.name FROM sq_prod p
     WHERE NOT EXISTS (SELECT 1 FROM sq_sale s WHERE s.prod_id = p.id AND s.region = 'n')$$);
SELECT stepping.create_view('sq_in',
  $$SELECT p.id, p.cat FROM sq_prod p WHERE p.id IN (SELECT prod_id FROM sq_sale WHERE qty > 1)$$);
SELECT stepping.create_view('sq_not_in',
  $$SELECT p.id, p.cat FROM sq_prod p WHERE p.cat NOT IN (SELECT cat FROM sq_block)$$);
SELECT stepping.create_view('sq_any_sale',
  $$SELECT p.id FROM sq_prod p WHERE EXISTS (SELECT FROM sq_sale) AND p.cat = 1$$);
SELECT stepping.create_view('sq_cat_counts',
  $$SELECT p.cat, count(*) AS n FROM sq_prod p
     WHERE p.id NOT IN (SELECT prod_id FROM sq_sale WHERE prod_id IS NOT NULL)
     GROUP BY p.cat$$);
SELECT stepping.create_view('sq_join',
  $$SELECT p.name, s.qty FROM sq_prod p JOIN sq_sale s ON s.prod_id = p.id
     WHERE NOT EXISTS (SELECT 1 FROM sq_block b WHERE b.cat = p.cat)$$);

CREATE FUNCTION sq_check() RETURNS TABLE (view_name text, side text, row_data text)
LANGUAGE sql AS $$
  SELECT v, s.* FROM unnest(ARRAY['sq_sold', 'sq_unsold_north', 'sq_in', 'sq_not_in',
      'sq_any_sale', 'sq_cat_counts', 'sq_join']) AS v,
    LATERAL stepping.check_view(v::regclass) AS s
$$;

SELECT id, name FROM sq_sold ORDER BY id;
SELECT id, name FROM sq_unsold_north ORDER BY id;
SELECT id, cat FROM sq_in ORDER BY id;
SELECT id, cat FROM sq_not_in ORDER BY id;
SELECT * FROM sq_check();

-- a second sale of a product already sold changes nothing in sq_sold
INSERT INTO sq_sale VALUES (14, 1, 5, 's');
-- the first sale of pear
INSERT INTO sq_sale VALUES (15, 2, 1, 'n');
SELECT id, name FROM sq_sold ORDER BY id;
SELECT id, name FROM sq_unsold_north ORDER BY id;
SELECT * FROM sq_check();
-- the last sale of apple in the north goes; one in the south stays
DELETE FROM sq_sale WHERE id = 10;
SELECT id, name FROM sq_unsold_north ORDER BY id;
SELECT * FROM sq_check();
-- a sale moves to another product
UPDATE sq_sale SET prod_id = 5 WHERE id = 12;
SELECT id, cat FROM sq_in ORDER BY id;
SELECT * FROM sq_check();

-- NOT IN: a NULL in the subquery's column empties the view
INSERT INTO sq_block VALUES (NULL);
SELECT id, cat FROM sq_not_in ORDER BY id;
SELECT * FROM sq_check();
DELETE FROM sq_block WHERE cat IS NULL;
SELECT id, cat FROM sq_not_in ORDER BY id;
-- an empty subquery: every row, the NULL cat included
DELETE FROM sq_block;
SELECT id, cat FROM sq_not_in ORDER BY id;
SELECT * FROM sq_check();
INSERT INTO sq_block VALUES (1), (1), (3);
SELECT id, cat FROM sq_not_in ORDER BY id;
DELETE FROM sq_block WHERE cat = 1 AND ctid = (SELECT min(ctid) FROM sq_block WHERE cat = 1);
SELECT id, cat FROM sq_not_in ORDER BY id;
SELECT * FROM sq_check();

-- uncorrelated EXISTS: all or nothing
DELETE FROM sq_sale;
SELECT id FROM sq_any_sale ORDER BY id;
INSERT INTO sq_sale VALUES (20, NULL, 1, 'n');
SELECT id FROM sq_any_sale ORDER BY id;
SELECT * FROM sq_check();

-- the outer side changes
UPDATE sq_prod SET cat = 3 WHERE id = 2;
INSERT INTO sq_prod VALUES (6, 'lime', 1), (7, 'date', NULL);
DELETE FROM sq_prod WHERE id = 1;
SELECT * FROM sq_check();
-- both sides in one statement (a writable CTE) and in one transaction
WITH p AS (INSERT INTO sq_prod VALUES (8, 'yuzu', 2) RETURNING id)
INSERT INTO sq_sale SELECT 30, id, 4, 'n' FROM p;
BEGIN;
INSERT INTO sq_sale SELECT 40 + g, g % 9, g, 's' FROM generate_series(1, 20) g;
DELETE FROM sq_block WHERE cat = 3;
SELECT * FROM sq_check();
ROLLBACK;
SELECT * FROM sq_check();
TRUNCATE sq_sale;
SELECT * FROM sq_check();
SELECT cat, n FROM sq_cat_counts ORDER BY cat;

SELECT * FROM stepping.explain_view('sq_not_in');

-- refusals
SELECT stepping.create_view('sq_bad1',
  $$SELECT p.id FROM sq_prod p WHERE p.cat = 1 OR EXISTS (SELECT 1 FROM sq_sale s WHERE s.prod_id = p.id)$$);
SELECT stepping.create_view('sq_bad2',
  $$SELECT p.id FROM sq_prod p WHERE EXISTS (SELECT 1 FROM sq_sale s WHERE s.prod_id > p.id)$$);
SELECT stepping.create_view('sq_bad3',
  $$SELECT p.id FROM sq_prod p WHERE p.id IN (SELECT s.prod_id FROM sq_sale s JOIN sq_block b ON b.cat = s.qty)$$);
SELECT stepping.create_view('sq_bad4',
  $$SELECT p.id FROM sq_prod p WHERE p.id IN (SELECT max(prod_id) FROM sq_sale)$$);
SELECT stepping.create_view('sq_bad5',
  $$SELECT p.id, EXISTS (SELECT 1 FROM sq_sale s WHERE s.prod_id = p.id) AS sold FROM sq_prod p$$);
SELECT stepping.create_view('sq_bad6',
  $$SELECT p.id FROM sq_prod p WHERE p.id < ALL (SELECT prod_id FROM sq_sale)$$);
-- a subquery in a join condition, or in a function's arguments in FROM: its
-- table's changes would reach no part of the view
SELECT stepping.create_view('sq_bad7',
  $$SELECT p.id, s.id AS sale FROM sq_prod p LEFT JOIN sq_sale s ON s.prod_id = p.id
       AND EXISTS (SELECT 1 FROM sq_block b WHERE b.cat = p.cat)$$);
SELECT stepping.create_view('sq_bad8',
  $$SELECT p.id, s.id AS sale FROM sq_prod p JOIN sq_sale s ON s.prod_id = p.id
       AND p.cat IN (SELECT cat FROM sq_block)$$);
SELECT stepping.create_view('sq_bad9',
  $$SELECT p.id, u FROM sq_prod p, unnest(ARRAY[(SELECT max(cat) FROM sq_block)]) u$$);

-- clean up
SELECT v AS dropped, stepping.drop_view(v::regclass) FROM unnest(ARRAY['sq_sold', 'sq_unsold_north',
  'sq_in', 'sq_not_in', 'sq_any_sale', 'sq_cat_counts', 'sq_join']) AS v;
DROP TABLE sq_prod, sq_sale, sq_block;
DROP FUNCTION sq_check();
SELECT count(*) AS leftover_views FROM stepping.views;
