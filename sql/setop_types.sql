-- Set operations over branches of different column types, and names of the
-- columns of internal views.  PostgreSQL resolves a set operation's column
-- types (and collations) and coerces each branch's output to them; every
-- branch's internal view must output exactly those types, or the view reads
-- a branch's values as another type.  Internal views of set operation
-- branches take the operation's column names (from its first branch), those
-- of FROM subqueries and WITH queries the names the outer query gives their
-- columns (alias column lists, WITH column lists).
\set VERBOSITY default
\set SHOW_CONTEXT never

CREATE DOMAIN st_posint AS int CHECK (VALUE > 0);
CREATE TABLE st_a (id int PRIMARY KEY, n numeric, i int, s smallint, b bigint,
                   r real, f float8, vc varchar(6), c char(4), t text,
                   n2 numeric(10,2), n4 numeric(12,4), d st_posint, arr int[], g int);
CREATE TABLE st_b (LIKE st_a INCLUDING ALL);
INSERT INTO st_a VALUES
    (1, 1, 1, 1, 1, 2.5, 2.5, 'ab', 'ab', 'ab', 1.50, 1.5, 1, '{1,2}', 1),
    (2, 2.5, 2, 2, 2, 0.1, 0.1, 'x', 'x', 'Xy', 2.25, 2.25, 2, '{3}', 1),
    (3, 0.1, 3, 3, 3000000000, -1.5, 0.1, 'q r', 'q', 'q', 3, 3.1416, 3, NULL, 2),
    (4, 0.10000000000000001, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 2);
INSERT INTO st_b VALUES
    (1, 3, 3, 3, 3, 0.25, 1.25, 'ab', 'ab  ', 'x', 7.10, 7.1, 3, '{1,2}', 1),
    (2, 7.5, 7, 7, -7, 0.1, 0.1, 'y', 'zz', 'ab', 0.01, 0.0123, 4, '{}', 2),
    (3, NULL, NULL, 2, NULL, NULL, NULL, 'q', 'q', NULL, NULL, NULL, NULL, NULL, 3);

-- Every view named st_%: check_view (text forms), the result table's
-- column types against PostgreSQL's for the query, and its rows against
-- the query's compared by value (EXCEPT ALL both ways).
CREATE FUNCTION st_check() RETURNS TABLE (view text, problem text)
LANGUAGE plpgsql AS $$
DECLARE
    r record;
    cols text;
    vtypes text;
    qtypes text;
    n bigint;
BEGIN
    FOR r IN SELECT v.name, v.query FROM stepping.views v
              WHERE v.internal_of IS NULL AND v.name::text LIKE 'st\_%' ORDER BY 1
    LOOP
        RETURN QUERY SELECT r.name::text, c.side || ' ' || c.row_data
                       FROM stepping.check_view(r.name) c;
        SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum),
               string_agg(format_type(atttypid, atttypmod) || ' ' || coalesce(collname, '-'), ', ' ORDER BY attnum)
          INTO cols, vtypes
          FROM pg_attribute LEFT JOIN pg_collation co ON co.oid = attcollation
         WHERE attrelid = r.name AND attnum > 0 AND NOT attisdropped
           AND attname NOT LIKE '\_\_stepping\_%';
        EXECUTE format('CREATE TEMP VIEW st_q AS %s', r.query);
        SELECT string_agg(format_type(atttypid, atttypmod) || ' ' || coalesce(collname, '-'), ', ' ORDER BY attnum)
          INTO qtypes
          FROM pg_attribute LEFT JOIN pg_collation co ON co.oid = attcollation
         WHERE attrelid = 'st_q'::regclass AND attnum > 0;
        DROP VIEW st_q;
        IF vtypes IS DISTINCT FROM qtypes THEN
            RETURN QUERY SELECT r.name::text, format('columns %s, query %s', vtypes, qtypes);
        END IF;
        EXECUTE format('SELECT count(*) FROM ((SELECT %1$s FROM %2$s EXCEPT ALL (%3$s)) '
                       'UNION ALL ((%3$s) EXCEPT ALL SELECT %1$s FROM %2$s)) d',
                       cols, r.name, r.query) INTO n;
        IF n <> 0 THEN
            RETURN QUERY SELECT r.name::text, format('%s rows differ from the query', n);
        END IF;
    END LOOP;
END
$$;

-- the result tables' visible columns and types
CREATE VIEW st_columns AS
SELECT c.relname AS view,
       string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum) AS columns
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
 WHERE c.oid IN (SELECT name FROM stepping.views WHERE internal_of IS NULL AND name::text LIKE 'st\_%')
   AND a.attnum > 0 AND NOT a.attisdropped AND a.attname NOT LIKE '\_\_stepping\_%'
 GROUP BY c.relname ORDER BY 1;

-- Item 12: branches of different types, created over existing rows.
-- UNION ALL
SELECT stepping.create_view('st_ua_num_int', 'SELECT n AS v FROM st_a UNION ALL SELECT i FROM st_b');
SELECT stepping.create_view('st_ua_int_bigint', 'SELECT i AS v FROM st_a UNION ALL SELECT b FROM st_b');
SELECT stepping.create_view('st_ua_small_int', 'SELECT s AS v FROM st_a UNION ALL SELECT i FROM st_b');
SELECT stepping.create_view('st_ua_real_float', 'SELECT r AS v FROM st_a UNION ALL SELECT f FROM st_b');
SELECT stepping.create_view('st_ua_char_text', 'SELECT c AS v FROM st_a UNION ALL SELECT t FROM st_b');
SELECT stepping.create_view('st_ua_text_char', 'SELECT t AS v FROM st_a UNION ALL SELECT c FROM st_b');
SELECT stepping.create_view('st_ua_typmods', 'SELECT n2 AS v FROM st_a UNION ALL SELECT n4 FROM st_b');
SELECT stepping.create_view('st_ua_domain', 'SELECT d AS v FROM st_a UNION ALL SELECT i FROM st_b');
SELECT stepping.create_view('st_ua_domains', 'SELECT d AS v FROM st_a UNION ALL SELECT d FROM st_b');
SELECT stepping.create_view('st_ua_arrays', 'SELECT arr AS v FROM st_a UNION ALL SELECT ARRAY[b] FROM st_b');
SELECT stepping.create_view('st_ua_unknown', 'SELECT ''lit'' AS v, n AS w FROM st_a UNION ALL SELECT vc, i FROM st_b');
SELECT stepping.create_view('st_ua_null_first', 'SELECT id, NULL AS v FROM st_a UNION ALL SELECT id, n FROM st_b');
SELECT stepping.create_view('st_ua_null_later', 'SELECT id, r AS v FROM st_a UNION ALL SELECT id, NULL FROM st_b');
SELECT stepping.create_view('st_ua_three', 'SELECT s AS v FROM st_a UNION ALL SELECT i FROM st_b UNION ALL SELECT n FROM st_a');
SELECT stepping.create_view('st_ua_four', 'SELECT s AS v, c AS w FROM st_a UNION ALL SELECT i, vc FROM st_b UNION ALL SELECT b, t FROM st_b UNION ALL SELECT f, c FROM st_a');
-- UNION
SELECT stepping.create_view('st_u_num_int', 'SELECT n AS v FROM st_a UNION SELECT i FROM st_b');
SELECT stepping.create_view('st_u_varchar_text', 'SELECT vc AS v FROM st_a UNION SELECT t FROM st_b');
-- (char(n) first: the type is bpchar, whose equal values may be spelled
-- with other trailing blanks, so the text branch never equals one here)
SELECT stepping.create_view('st_u_char_text', 'SELECT c AS v FROM st_a UNION SELECT t || ''!'' FROM st_b');
SELECT stepping.create_view('st_u_text_char', 'SELECT t AS v FROM st_a UNION SELECT c FROM st_b');
SELECT stepping.create_view('st_u_small_bigint', 'SELECT s AS v FROM st_a UNION SELECT b FROM st_b');
SELECT stepping.create_view('st_u_three', 'SELECT i AS v FROM st_a UNION SELECT s FROM st_b UNION SELECT f FROM st_b');
SELECT stepping.create_view('st_u_collate', 'SELECT t COLLATE "C" AS v FROM st_a UNION SELECT t FROM st_b');
-- INTERSECT, EXCEPT, and their ALL forms
SELECT stepping.create_view('st_i_num_int', 'SELECT n AS v FROM st_a INTERSECT SELECT i FROM st_b');
SELECT stepping.create_view('st_e_num_int', 'SELECT n AS v FROM st_a EXCEPT SELECT i FROM st_b');
SELECT stepping.create_view('st_e_int_num', 'SELECT i AS v FROM st_a EXCEPT SELECT n FROM st_b');
SELECT stepping.create_view('st_ia_small_int', 'SELECT s AS v FROM st_a INTERSECT ALL SELECT i FROM st_b');
SELECT stepping.create_view('st_ea_real_float', 'SELECT r AS v FROM st_a EXCEPT ALL SELECT f FROM st_b');
SELECT stepping.create_view('st_ea_char_text', 'SELECT t AS v, s AS w FROM st_a EXCEPT ALL SELECT c, b FROM st_b');
-- branches that are grouped, DISTINCT, or joins
SELECT stepping.create_view('st_grouped', 'SELECT i AS k, count(*) AS v FROM st_a GROUP BY i UNION ALL SELECT b, sum(n) FROM st_b GROUP BY b');
SELECT stepping.create_view('st_grouped_key', 'SELECT g AS k, sum(s) AS v FROM st_a GROUP BY g UNION SELECT n, i FROM st_b');
SELECT stepping.create_view('st_distinct', 'SELECT DISTINCT n AS v FROM st_a UNION ALL SELECT f FROM st_b');
SELECT stepping.create_view('st_join', 'SELECT a.id, a.n AS v FROM st_a a JOIN st_b b ON a.id = b.id UNION ALL SELECT b.id, b.i FROM st_b b');
-- set operations inside a FROM subquery or a WITH query, and views over them
SELECT stepping.create_view('st_from', 'SELECT v, count(*) AS k FROM (SELECT f AS v FROM st_a UNION ALL SELECT s FROM st_b) u GROUP BY v');
SELECT stepping.create_view('st_cte', 'WITH u(p, q) AS (SELECT r, i FROM st_a UNION ALL SELECT f, b FROM st_b) SELECT p, q FROM u WHERE p > 0');
SELECT stepping.create_view('st_cte_intersect', 'WITH u AS (SELECT n AS v FROM st_a INTERSECT SELECT i FROM st_b) SELECT v FROM u');
SELECT stepping.create_view('st_over', 'SELECT v FROM st_ua_num_int UNION ALL SELECT f FROM st_a');
SELECT stepping.create_view('st_over_grouped', 'SELECT v, count(*) AS k FROM st_ua_real_float GROUP BY v');
SELECT * FROM st_columns;
SELECT count(*) AS views FROM stepping.views WHERE internal_of IS NULL AND name::text LIKE 'st\_%';
SELECT * FROM st_check();
-- the values as PostgreSQL computes them (real 0.1 read as float8)
SELECT v FROM st_ua_real_float ORDER BY 1;
SELECT v FROM st_distinct ORDER BY 1;
SELECT format('[%s]', v) AS v FROM st_ua_char_text ORDER BY format('[%s]', v) COLLATE "C";
SELECT format('[%s]', v) AS v FROM st_ua_text_char ORDER BY format('[%s]', v) COLLATE "C";
SELECT v, w FROM st_ua_unknown ORDER BY 1, 2;

-- every input table written
INSERT INTO st_a VALUES (5, 4, 4, 4, 40, 0.5, 0.5, 'ab', 'ab', 'ab', 4.5, 4.5, 5, '{4}', 1);
INSERT INTO st_b VALUES (4, 4, 4, 5, 4, 0.5, 2.5, 'new', 'q  ', 'Xy', 4.5, 4.5, 4, '{40}', 2);
SELECT * FROM st_check();
UPDATE st_a SET n = n + 1, i = i + 1, s = s * 2, b = b - 1, r = r * 3, f = f / 3,
                vc = vc || '.', c = upper(c), t = t || ' ', n2 = n2 / 3, d = d + 1, arr = arr || 0;
SELECT * FROM st_check();
UPDATE st_b SET n = n * 2, i = i - 1, s = s + 1, b = b * 2, r = r / 3, f = f * 3,
                t = lower(t), n4 = n4 * 3, d = d * 2, g = g + 1 WHERE id <> 3;
SELECT * FROM st_check();
DELETE FROM st_a WHERE id IN (1, 4);
DELETE FROM st_b WHERE id = 2;
SELECT * FROM st_check();
SELECT v FROM st_ua_real_float ORDER BY 1;

-- Item 13: columns named by the set operation or by alias column lists.
TRUNCATE st_a, st_b;
INSERT INTO st_a (id, n, i, s, g) VALUES (1, 1.5, 1, 1, 1), (2, 2.5, 2, 2, 1), (3, 3, 3, 3, 2);
INSERT INTO st_b (id, n, i, s, g) VALUES (1, 7, 5, 5, 1), (2, 8.5, 6, 6, 2);
SELECT stepping.create_view('st_n_later_unnamed', 'SELECT id, g FROM st_a UNION ALL SELECT id, 0 FROM st_b');
SELECT stepping.create_view('st_n_later_expr', 'SELECT id, i AS v FROM st_a UNION ALL SELECT id, i + 1 FROM st_b UNION ALL SELECT id * 10, n FROM st_a');
SELECT stepping.create_view('st_n_alias', 'SELECT s.x FROM (SELECT g * 2 FROM st_a) s(x)');
SELECT stepping.create_view('st_n_alias_partial', 'SELECT s.x, s.i FROM (SELECT g * 2, i FROM st_a) s(x)');
SELECT stepping.create_view('st_n_alias_partial2', 'SELECT s.x FROM (SELECT g * 2, g + 1 FROM st_a) s(x)');
SELECT stepping.create_view('st_n_cte', 'WITH c(x, y) AS (SELECT g * 2, g + 1 FROM st_a) SELECT c1.x, c2.y FROM c c1 JOIN c c2 ON c1.x = c2.x');
SELECT stepping.create_view('st_n_cte_partial', 'WITH c(x) AS (SELECT g * 2, count(*) FROM st_a GROUP BY g) SELECT x, count AS n FROM c');
SELECT stepping.create_view('st_n_dup', 'SELECT s.p, s.q FROM (SELECT id, id FROM st_a) s(p, q)');
SELECT stepping.create_view('st_n_dup_unaliased', 'SELECT count(*) AS n FROM (SELECT g, g, g * 2 FROM st_a) s');
SELECT stepping.create_view('st_n_quoted', 'SELECT "Mixed Case", "with space" FROM (SELECT g * 2, i + 1 FROM st_a) s("Mixed Case", "with space")');
SELECT stepping.create_view('st_n_quoted_setop', 'SELECT i AS "My Col" FROM st_a UNION ALL SELECT i * 2 FROM st_b');
SELECT stepping.create_view('st_n_grouped_setop', 'SELECT g, count(*) AS n FROM st_a GROUP BY g UNION SELECT g, sum(i) FROM st_b GROUP BY g');
SELECT stepping.create_view('st_n_setop_alias', 'SELECT u.k, u.v FROM (SELECT g * 2, n FROM st_a UNION ALL SELECT i, s FROM st_b) u(k, v)');
SELECT stepping.create_view('st_n_except', 'SELECT g AS v, 1 AS w FROM st_a EXCEPT SELECT i, 1 FROM st_b');
SELECT * FROM st_columns;
SELECT * FROM st_check();
SELECT "Mixed Case", "with space" FROM st_n_quoted ORDER BY 1, 2;
INSERT INTO st_a (id, n, i, s, g) VALUES (4, 4, 4, 4, 3);
INSERT INTO st_b (id, n, i, s, g) VALUES (3, 2, 2, 2, 3);
UPDATE st_a SET g = g + 1, i = i * 2;
UPDATE st_b SET n = n + 1, i = i - 1;
DELETE FROM st_a WHERE id = 1;
DELETE FROM st_b WHERE id = 1;
SELECT * FROM st_check();

-- a column of the view itself without a name is still refused (22023)
CREATE FUNCTION pg_temp.refused(q text) RETURNS TABLE (code text, message text)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM stepping.create_view('st_refused', q);
    code := 'none';
    message := 'created';
    RETURN NEXT;
EXCEPTION WHEN others THEN
    GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT;
    RETURN NEXT;
END
$$;
SELECT * FROM pg_temp.refused('SELECT g * 2 FROM st_a UNION ALL SELECT i FROM st_b');
SELECT * FROM pg_temp.refused('SELECT * FROM (SELECT g * 2 FROM st_a) s');
SELECT * FROM pg_temp.refused('SELECT s.* FROM (SELECT g, g FROM st_a) s');
SELECT * FROM pg_temp.refused('SELECT id, n FROM st_a UNION ALL SELECT id, t FROM st_b');
SELECT count(*) FROM pg_class WHERE relname LIKE 'st\_refused%';

SELECT stepping.drop_view(name) FROM stepping.views WHERE internal_of IS NULL AND name::text LIKE 'st\_over%';
SELECT count(*) FROM (SELECT stepping.drop_view(name) FROM stepping.views WHERE internal_of IS NULL AND name::text LIKE 'st\_%') d;
SELECT count(*) FROM stepping.views WHERE name::text LIKE 'st\_%';
DROP VIEW st_columns;
DROP FUNCTION st_check();
DROP TABLE st_a, st_b;
DROP DOMAIN st_posint;
