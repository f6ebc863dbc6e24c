-- Column types as group keys, DISTINCT columns and plain columns.
\pset null '(null)'

CREATE TYPE types_mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN types_pos AS int CHECK (VALUE > 0);
CREATE TABLE types_t (
    id   int PRIMARY KEY,
    n    numeric(10,2),
    b    bigint,
    ts   timestamp,
    d    date,
    t    text COLLATE "C",
    vc   varchar(5),
    m    types_mood,
    p    types_pos,
    u    uuid,
    arr  int[],
    flag bool
);
INSERT INTO types_t VALUES
    (1, 1.50, 9000000000, '2024-01-02 03:04:05', '2024-01-02', 'a', 'aa', 'ok', 1,
        '00000000-0000-0000-0000-000000000001', '{1,2}', true),
    (2, 2.25, -1, '2024-01-02 03:59:59', '2024-01-02', 'B', 'bb', 'happy', 2,
        '00000000-0000-0000-0000-000000000002', '{1,2}', false),
    (3, 3.00, 3, '2024-01-03 00:00:00', '2024-01-03', 'a', 'aa', 'sad', 3,
        '00000000-0000-0000-0000-000000000001', '{3}', true),
    (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
    (5, 5.55, 5, '2024-01-02 03:30:00', '2024-01-02', 'B', 'b', 'ok', 5,
        '00000000-0000-0000-0000-000000000003', '{}', true);

-- group keys of many types; sums over numeric(10,2), bigint and a domain
SELECT stepping.create_view('types_g1', $$
    SELECT t, m, flag, count(*) AS cnt, sum(p) AS sum_p, sum(b) AS sum_b, sum(n) AS sum_n,
           avg(p) AS avg_p
      FROM types_t GROUP BY t, m, flag$$);
SELECT stepping.create_view('types_g2', $$
    SELECT d, date_trunc('hour', ts) AS hour, count(*) AS cnt, sum(n) AS sum_n
      FROM types_t GROUP BY d, date_trunc('hour', ts)$$);
SELECT stepping.create_view('types_g3', $$
    SELECT u, arr, vc, n, count(*) AS cnt FROM types_t GROUP BY u, arr, vc, n$$);
-- DISTINCT over many types
SELECT stepping.create_view('types_d', 'SELECT DISTINCT t, m, arr, flag, d, p FROM types_t');
-- plain columns and expressions over them
SELECT stepping.create_view('types_p', $$
    SELECT id, n, b, ts, d, t, vc, m, p, u, arr, flag,
           arr[1] AS first, d + 1 AS next_day, t || '!' AS shout, m > 'sad' AS cheerful,
           p + 0 AS p_int, n * 2 AS n2, ts + interval '1 day' AS ts_next
      FROM types_t WHERE flag IS NOT FALSE$$);

-- the result tables have the query's column names, types and collations
SELECT a.attrelid::regclass AS view, a.attname, format_type(a.atttypid, a.atttypmod) AS type,
       a.attcollation::regcollation AS collation
  FROM pg_attribute a
 WHERE a.attrelid IN ('types_g1'::regclass, 'types_p'::regclass)
   AND a.attnum > 0 AND NOT a.attisdropped AND a.attname NOT LIKE '\_\_stepping\_%'
 ORDER BY a.attrelid::regclass::text, a.attnum;

SELECT t, m, flag, cnt, sum_p, sum_b, sum_n, avg_p FROM types_g1 ORDER BY t, m, flag;
SELECT d, hour, cnt, sum_n FROM types_g2 ORDER BY d, hour;
SELECT u, arr, vc, n, cnt FROM types_g3 ORDER BY u, arr, vc, n;
SELECT t, m, arr, flag, d, p FROM types_d ORDER BY t, m, arr, flag, d, p;
SELECT id, n, b, ts, d, t, vc, m, p, u, arr, flag FROM types_p ORDER BY id;
SELECT id, first, next_day, shout, cheerful, p_int, n2, ts_next FROM types_p ORDER BY id;
SELECT * FROM stepping.check_view('types_g1');
SELECT * FROM stepping.check_view('types_g2');
SELECT * FROM stepping.check_view('types_g3');
SELECT * FROM stepping.check_view('types_d');
SELECT * FROM stepping.check_view('types_p');

-- DML over every column
INSERT INTO types_t VALUES
    (6, 6.60, 6, '2024-01-03 00:15:00', '2024-01-03', 'b', 'bb', 'happy', 6,
        '00000000-0000-0000-0000-000000000002', '{3}', false),
    (7, 1.50, 7, '2024-01-02 03:04:05', '2024-01-02', 'a', 'aa', 'ok', 7,
        '00000000-0000-0000-0000-000000000001', '{1,2}', true);
UPDATE types_t SET m = 'happy', arr = arr || 9, t = 'A' WHERE id = 1;
UPDATE types_t SET flag = NOT flag, d = d + 1, ts = ts + interval '1 hour' WHERE id IN (2, 3);
UPDATE types_t SET n = 1.5, vc = 'aa ', u = '00000000-0000-0000-0000-000000000009' WHERE id = 5;
DELETE FROM types_t WHERE id = 4;
SELECT t, m, flag, cnt, sum_p, sum_b, sum_n, avg_p FROM types_g1 ORDER BY t, m, flag;
SELECT d, hour, cnt, sum_n FROM types_g2 ORDER BY d, hour;
SELECT u, arr, vc, n, cnt FROM types_g3 ORDER BY u, arr, vc, n;
SELECT t, m, arr, flag, d, p FROM types_d ORDER BY t, m, arr, flag, d, p;
SELECT id, n, b, ts, d, t, vc, m, p, u, arr, flag FROM types_p ORDER BY id;
SELECT id, first, next_day, shout, cheerful, p_int, n2, ts_next FROM types_p ORDER BY id;
SELECT * FROM stepping.check_view('types_g1');
SELECT * FROM stepping.check_view('types_g2');
SELECT * FROM stepping.check_view('types_g3');
SELECT * FROM stepping.check_view('types_d');
SELECT * FROM stepping.check_view('types_p');

-- the collation "C" orders 'A' < 'B' < 'a' < 'b' in the result table too
SELECT DISTINCT t FROM types_g1 ORDER BY t;

-- groups disappear
DELETE FROM types_t WHERE t = 'a' OR flag;
SELECT t, m, flag, cnt, sum_p, sum_b, sum_n, avg_p FROM types_g1 ORDER BY t, m, flag;
SELECT d, hour, cnt, sum_n FROM types_g2 ORDER BY d, hour;
SELECT u, arr, vc, n, cnt FROM types_g3 ORDER BY u, arr, vc, n;
SELECT t, m, arr, flag, d, p FROM types_d ORDER BY t, m, arr, flag, d, p;
SELECT id, n, b, ts, d, t, vc, m, p, u, arr, flag FROM types_p ORDER BY id;
SELECT * FROM stepping.check_view('types_g1');
SELECT * FROM stepping.check_view('types_g2');
SELECT * FROM stepping.check_view('types_g3');
SELECT * FROM stepping.check_view('types_d');
SELECT * FROM stepping.check_view('types_p');

-- equal keys that print differently: the view shows the value the query
-- shows, also after the row that supplied it went away
CREATE TABLE types_eq (id int, n numeric, f float8);
INSERT INTO types_eq VALUES (1, 1.0, 0), (2, 1.00, '-0');
SELECT stepping.create_view('types_eqd', 'SELECT DISTINCT n FROM types_eq');
SELECT stepping.create_view('types_eqg', 'SELECT f, count(*) AS c FROM types_eq GROUP BY f');
SELECT n FROM types_eqd;
SELECT f, c FROM types_eqg;
DELETE FROM types_eq WHERE id = 1;
SELECT n FROM types_eqd;
SELECT f, c FROM types_eqg;
SELECT DISTINCT n FROM types_eq;
SELECT f, count(*) AS c FROM types_eq GROUP BY f;
SELECT * FROM stepping.check_view('types_eqd');
SELECT * FROM stepping.check_view('types_eqg');

-- long values as group and DISTINCT keys (too long for a btree entry)
CREATE TABLE types_long (id int, t text);
-- group and DISTINCT keys live in a unique btree index, which holds entries
-- of at most 2704 bytes: a longer key fails the write with PostgreSQL's own
-- error and changes nothing (a documented limit); bag views keep any value
SELECT stepping.create_view('types_longd', 'SELECT DISTINCT t FROM types_long');
SELECT stepping.create_view('types_longg', 'SELECT t, count(*) AS c FROM types_long GROUP BY t');
SELECT stepping.create_view('types_longb', 'SELECT id, t FROM types_long');
INSERT INTO types_long VALUES (3, 'short');
INSERT INTO types_long SELECT 1, string_agg(md5(i::text), '') FROM generate_series(1, 200) i;
SELECT count(*) FROM types_long;
SELECT left(t, 10) AS t_start, length(t) AS len FROM types_longd ORDER BY len;
SELECT left(t, 10) AS t_start, length(t) AS len, c FROM types_longg ORDER BY len;
SELECT * FROM stepping.check_view('types_longd');
SELECT * FROM stepping.check_view('types_longg');
SELECT stepping.drop_view('types_longd');
SELECT stepping.drop_view('types_longg');
INSERT INTO types_long SELECT 1, string_agg(md5(i::text), '') FROM generate_series(1, 200) i;
INSERT INTO types_long SELECT 2, t FROM types_long WHERE id = 1;
SELECT id, left(t, 10) AS t_start, length(t) AS len FROM types_longb ORDER BY id;
SELECT * FROM stepping.check_view('types_longb');
DELETE FROM types_long WHERE id = 1;
SELECT id, left(t, 10) AS t_start, length(t) AS len FROM types_longb ORDER BY id;
SELECT * FROM stepping.check_view('types_longb');

SELECT stepping.drop_view('types_g1');
SELECT stepping.drop_view('types_g2');
SELECT stepping.drop_view('types_g3');
SELECT stepping.drop_view('types_d');
SELECT stepping.drop_view('types_p');
SELECT stepping.drop_view('types_eqd');
SELECT stepping.drop_view('types_eqg');
SELECT stepping.drop_view('types_longb');
DROP TABLE types_t, types_eq, types_long;
DROP TYPE types_mood;
DROP DOMAIN types_pos;
