-- WITH queries read below the level of their WITH: in a branch of a set
-- operation, a subquery in FROM, a subquery in WHERE or the select list, or
-- a later WITH query.  Each WITH query becomes one internal view, and every
-- reference to it at any level reads that view.
\set VERBOSITY default
\set SHOW_CONTEXT never

CREATE TABLE wl_a (id int PRIMARY KEY, g int, n numeric);
CREATE TABLE wl_b (id int PRIMARY KEY, y int, i int);
INSERT INTO wl_a VALUES (1, 1, 1.5), (2, 2, 2), (3, 2, 7.25), (4, NULL, NULL);
INSERT INTO wl_b VALUES (1, 2, 2), (2, 3, 7), (3, 3, NULL), (4, 9, 1);

CREATE FUNCTION wl_check() RETURNS TABLE (view text, problem text)
LANGUAGE plpgsql AS $$
DECLARE
    r record;
    cols text;
    n bigint;
BEGIN
    FOR r IN SELECT v.name, v.query FROM stepping.views v
              WHERE v.internal_of IS NULL AND v.name::text LIKE 'wl\_%' ORDER BY 1
    LOOP
        RETURN QUERY SELECT r.name::text, c.side || ' ' || c.row_data
                       FROM stepping.check_view(r.name) c;
        SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols
          FROM pg_attribute
         WHERE attrelid = r.name AND attnum > 0 AND NOT attisdropped
           AND attname NOT LIKE '\_\_stepping\_%';
        EXECUTE format('SELECT count(*) FROM ((SELECT %1$s FROM %2$s EXCEPT ALL (%3$s)) '
                       'UNION ALL ((%3$s) EXCEPT ALL SELECT %1$s FROM %2$s)) d',
                       cols, r.name, r.query) INTO n;
        IF n <> 0 THEN
            RETURN QUERY SELECT r.name::text, format('%s rows differ from the query', n);
        END IF;
    END LOOP;
END
$$;

SELECT stepping.create_view('wl_union_all', 'WITH w AS (SELECT y FROM wl_b WHERE y > 2) SELECT y FROM w UNION ALL SELECT g FROM wl_a');
SELECT stepping.create_view('wl_union_types', 'WITH w AS (SELECT n AS v FROM wl_a) SELECT v FROM w UNION SELECT i FROM wl_b');
SELECT stepping.create_view('wl_both_branches', 'WITH w AS (SELECT y, i FROM wl_b) SELECT y AS v FROM w UNION ALL SELECT i FROM w');
SELECT stepping.create_view('wl_intersect', 'WITH w AS (SELECT n AS v FROM wl_a) SELECT v FROM w INTERSECT SELECT i FROM wl_b');
SELECT stepping.create_view('wl_except_all', 'WITH w AS (SELECT i FROM wl_b) SELECT g AS v FROM wl_a EXCEPT ALL SELECT i FROM w');
SELECT stepping.create_view('wl_from', 'WITH w AS (SELECT y FROM wl_b) SELECT s.y, count(*) AS k FROM (SELECT y FROM w WHERE y > 2) s GROUP BY s.y');
SELECT stepping.create_view('wl_in', 'WITH w AS (SELECT y FROM wl_b) SELECT id, g FROM wl_a WHERE g IN (SELECT y FROM w)');
SELECT stepping.create_view('wl_exists', 'WITH w AS (SELECT y FROM wl_b) SELECT id, g FROM wl_a WHERE NOT EXISTS (SELECT 1 FROM w WHERE w.y = wl_a.g)');
SELECT stepping.create_view('wl_scalar', 'WITH w AS (SELECT y, i FROM wl_b) SELECT id, (SELECT sum(i) FROM w WHERE w.y = wl_a.g) AS s FROM wl_a');
SELECT stepping.create_view('wl_chain', 'WITH w1 AS (SELECT y, i FROM wl_b), w2 AS (SELECT y, sum(i) AS si FROM w1 GROUP BY y), w3 AS (SELECT w1.i, w2.si FROM w1 JOIN w2 ON w1.y = w2.y) SELECT i, si FROM w3');
SELECT stepping.create_view('wl_shadow', 'WITH w AS (SELECT y FROM wl_b) SELECT s.g, w.y FROM (WITH w AS (SELECT g FROM wl_a) SELECT g FROM w) s JOIN w ON w.y = s.g');
SELECT stepping.create_view('wl_unused', 'WITH unused AS (SELECT y FROM wl_b) SELECT id, g FROM wl_a');
-- one internal view per WITH query however often it is read; none for an unused one
SELECT v.name::text, count(i.name) AS internal_views
  FROM stepping.views v LEFT JOIN stepping.views i ON i.internal_of = v.name
 WHERE v.name::text IN ('wl_both_branches', 'wl_chain', 'wl_unused')
 GROUP BY 1 ORDER BY 1;
SELECT * FROM wl_check();
SELECT v FROM wl_union_types ORDER BY 1;
SELECT i, si FROM wl_chain ORDER BY 1, 2;

INSERT INTO wl_a VALUES (5, 9, 9), (6, 3, 3);
INSERT INTO wl_b VALUES (5, 1, 9), (6, 2, 3);
SELECT * FROM wl_check();
UPDATE wl_a SET g = g + 1, n = n + 1;
UPDATE wl_b SET y = y - 1, i = i + 1 WHERE id % 2 = 0;
SELECT * FROM wl_check();
DELETE FROM wl_a WHERE id IN (1, 5);
DELETE FROM wl_b WHERE id IN (2, 4);
SELECT * FROM wl_check();
SELECT i, si FROM wl_chain ORDER BY 1, 2;

-- still refused: a data-modifying WITH query (even one nothing reads), a
-- recursive one
CREATE FUNCTION pg_temp.refused(q text) RETURNS TABLE (code text, message text)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM stepping.create_view('wl_refused', q);
    code := 'none';
    message := 'created';
    RETURN NEXT;
EXCEPTION WHEN others THEN
    GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT;
    RETURN NEXT;
END
$$;
SELECT * FROM pg_temp.refused('WITH d AS (DELETE FROM wl_b WHERE id = 1 RETURNING id) SELECT id, g FROM wl_a');
SELECT * FROM pg_temp.refused('WITH d AS (DELETE FROM wl_b WHERE id = 1 RETURNING id) SELECT s.id FROM (SELECT id FROM d) s');
SELECT * FROM pg_temp.refused('WITH RECURSIVE r(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM r WHERE k < 3) SELECT k FROM r');
SELECT * FROM pg_temp.refused('WITH RECURSIVE r(k) AS (SELECT g FROM wl_a UNION ALL SELECT k + 1 FROM r WHERE k < 3) SELECT a.id FROM wl_a a WHERE a.g IN (SELECT k FROM r)');
SELECT count(*) FROM wl_b;
SELECT count(*) FROM pg_class WHERE relname LIKE 'wl\_refused%';

SELECT count(*) FROM (SELECT stepping.drop_view(name) FROM stepping.views WHERE internal_of IS NULL AND name::text LIKE 'wl\_%') d;
SELECT count(*) FROM stepping.views WHERE name::text LIKE 'wl\_%';
DROP FUNCTION wl_check();
DROP TABLE wl_a, wl_b;
