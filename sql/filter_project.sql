-- Filter/project views: WHERE and target lists with immutable expressions.
\pset null '(null)'

CREATE TABLE filter_project_t (id int PRIMARY KEY, a int, b numeric, c text);
INSERT INTO filter_project_t VALUES
    (1, 1, 1.25, 'one'), (2, 2, 2.5, NULL), (3, 7, 7.75, 'seven'),
    (4, 8, -8, 'eight'), (5, NULL, NULL, NULL);

CREATE FUNCTION filter_project_double(int) RETURNS int
    LANGUAGE sql IMMUTABLE AS 'SELECT $1 * 2';
CREATE FUNCTION filter_project_label(t text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN RETURN '<' || t || '>'; END $$;

SELECT stepping.create_view('filter_project_v', $$
    SELECT id, a + 1 AS a1, b * 2 AS b2,
           CASE WHEN a > 5 THEN 'big' WHEN a > 1 THEN 'mid' ELSE 'small' END AS size,
           a::text AS a_text, b::int AS b_int, (a::numeric / 4)::numeric(6,2) AS quarter,
           coalesce(c, '-') AS c2, filter_project_double(a) AS dbl,
           filter_project_label(c) AS label, upper(c) AS uc, length(c) AS len
      FROM filter_project_t
     WHERE a % 2 = 1 OR c IS NULL$$);
-- no key carried: a bag of computed values
SELECT stepping.create_view('filter_project_w', $$
    SELECT a * 10 AS a10, b > 0 AS positive
      FROM filter_project_t
     WHERE filter_project_double(a) BETWEEN 2 AND 16 AND c IN ('one', 'seven', 'eight', 'two')$$);

SELECT id, a1, b2, size, a_text, b_int, quarter, c2, dbl, label, uc, len
  FROM filter_project_v ORDER BY id;
SELECT a10, positive FROM filter_project_w ORDER BY a10, positive;
SELECT * FROM stepping.check_view('filter_project_v');
SELECT * FROM stepping.check_view('filter_project_w');

-- inserts, some filtered out
INSERT INTO filter_project_t VALUES
    (6, 9, 0.5, 'nine'), (7, 10, 10, 'ten'), (8, 3, 3.5, NULL), (9, 1, 1.25, 'one');
SELECT id, a1, b2, size, a_text, b_int, quarter, c2, dbl, label, uc, len
  FROM filter_project_v ORDER BY id;
SELECT a10, positive FROM filter_project_w ORDER BY a10, positive;
SELECT * FROM stepping.check_view('filter_project_v');
SELECT * FROM stepping.check_view('filter_project_w');

-- updates: into the filter, out of the filter, within the filter
UPDATE filter_project_t SET a = 5 WHERE id = 4;
UPDATE filter_project_t SET a = 6 WHERE id = 3;
UPDATE filter_project_t SET c = 'two' WHERE id = 2;
UPDATE filter_project_t SET b = b + 100 WHERE id IN (1, 6);
SELECT id, a1, b2, size, a_text, b_int, quarter, c2, dbl, label, uc, len
  FROM filter_project_v ORDER BY id;
SELECT a10, positive FROM filter_project_w ORDER BY a10, positive;
SELECT * FROM stepping.check_view('filter_project_v');
SELECT * FROM stepping.check_view('filter_project_w');

-- deletes
DELETE FROM filter_project_t WHERE id IN (1, 5, 7);
SELECT id, a1, b2, size, a_text, b_int, quarter, c2, dbl, label, uc, len
  FROM filter_project_v ORDER BY id;
SELECT a10, positive FROM filter_project_w ORDER BY a10, positive;
SELECT * FROM stepping.check_view('filter_project_v');
SELECT * FROM stepping.check_view('filter_project_w');

-- an update of every row that changes every output
UPDATE filter_project_t SET a = a + 2, b = b - 1;
SELECT id, a1, b2, size, a_text, b_int, quarter, c2, dbl, label, uc, len
  FROM filter_project_v ORDER BY id;
SELECT a10, positive FROM filter_project_w ORDER BY a10, positive;
SELECT * FROM stepping.check_view('filter_project_v');
SELECT * FROM stepping.check_view('filter_project_w');

-- an error in an expression aborts the statement, and the view stays right
INSERT INTO filter_project_t VALUES (10, 2147483647, 0, 'overflow');
SELECT count(*) FROM filter_project_t WHERE id = 10;
SELECT * FROM stepping.check_view('filter_project_v');

SELECT stepping.drop_view('filter_project_v');
SELECT stepping.drop_view('filter_project_w');
DROP TABLE filter_project_t;
DROP FUNCTION filter_project_double(int);
DROP FUNCTION filter_project_label(text);
