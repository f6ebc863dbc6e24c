-- Updates that change nothing a view reads leave its rows untouched: same
-- xmin, same ctid.
\pset null '(null)'

CREATE TABLE noop_update_t (id int PRIMARY KEY, g int, x int, note text);
INSERT INTO noop_update_t SELECT i, i % 3, i * 10, 'n' || i FROM generate_series(1, 9) i;

SELECT stepping.create_view('noop_update_key', 'SELECT id, x FROM noop_update_t WHERE x > 20');
SELECT stepping.create_view('noop_update_bag', 'SELECT g, x FROM noop_update_t');
SELECT stepping.create_view('noop_update_grp', 'SELECT g, sum(x) AS total, avg(x) AS mean, count(*) AS cnt FROM noop_update_t GROUP BY g');
SELECT stepping.create_view('noop_update_dist', 'SELECT DISTINCT g FROM noop_update_t');
SELECT stepping.create_view('noop_update_glob', 'SELECT count(*) AS cnt, sum(x) AS total FROM noop_update_t');

-- the physical identity (xmin, ctid) of every result row
CREATE TEMP VIEW noop_now AS
    SELECT 'key' AS v, xmin::text AS rx, ctid::text AS rc FROM noop_update_key
    UNION ALL SELECT 'bag', xmin::text, ctid::text FROM noop_update_bag
    UNION ALL SELECT 'grp', xmin::text, ctid::text FROM noop_update_grp
    UNION ALL SELECT 'dist', xmin::text, ctid::text FROM noop_update_dist
    UNION ALL SELECT 'glob', xmin::text, ctid::text FROM noop_update_glob;
CREATE TEMP TABLE noop_before AS SELECT * FROM noop_now;
-- per view: are the result rows physically the same as before?
CREATE TEMP VIEW noop_same AS
    SELECT v.v,
           NOT EXISTS (SELECT rx, rc FROM noop_now n WHERE n.v = v.v
                       EXCEPT ALL
                       SELECT rx, rc FROM noop_before b WHERE b.v = v.v)
       AND NOT EXISTS (SELECT rx, rc FROM noop_before b WHERE b.v = v.v
                       EXCEPT ALL
                       SELECT rx, rc FROM noop_now n WHERE n.v = v.v) AS same
      FROM (VALUES ('key'), ('bag'), ('grp'), ('dist'), ('glob')) v(v);

SELECT v, same FROM noop_same ORDER BY v;

-- an UPDATE of a column no view reads
UPDATE noop_update_t SET note = note || '!';
SELECT v, same FROM noop_same ORDER BY v;

-- UPDATE SET x = x
UPDATE noop_update_t SET x = x;
SELECT v, same FROM noop_same ORDER BY v;

-- UPDATE SET g = g, x = x + 0 on some rows, in an explicit transaction
BEGIN;
UPDATE noop_update_t SET g = g, x = x + 0 WHERE id > 4;
UPDATE noop_update_t SET note = NULL WHERE id < 3;
COMMIT;
SELECT v, same FROM noop_same ORDER BY v;

-- an UPDATE that matches no row
UPDATE noop_update_t SET x = -1 WHERE id < 0;
SELECT v, same FROM noop_same ORDER BY v;

-- a writable CTE that updates an unread column of some rows, while the
-- main statement updates others with the same values
WITH u AS (UPDATE noop_update_t SET note = 'cte' WHERE id <= 3 RETURNING id)
UPDATE noop_update_t SET x = x, g = g WHERE id > 6;
SELECT v, same FROM noop_same ORDER BY v;
SELECT * FROM stepping.check_view('noop_update_key');
SELECT * FROM stepping.check_view('noop_update_bag');
SELECT * FROM stepping.check_view('noop_update_grp');
SELECT * FROM stepping.check_view('noop_update_dist');
SELECT * FROM stepping.check_view('noop_update_glob');

-- control: a real change does touch the rows it affects
UPDATE noop_update_t SET x = x + 1 WHERE id = 9;
SELECT v, same FROM noop_same ORDER BY v;
SELECT * FROM stepping.check_view('noop_update_key');
SELECT * FROM stepping.check_view('noop_update_bag');
SELECT * FROM stepping.check_view('noop_update_grp');
SELECT * FROM stepping.check_view('noop_update_dist');
SELECT * FROM stepping.check_view('noop_update_glob');

-- the untouched rows of the keyed view kept their identity
SELECT count(*) AS changed_key_rows
  FROM (SELECT rx, rc FROM noop_now WHERE v = 'key'
        EXCEPT ALL SELECT rx, rc FROM noop_before WHERE v = 'key') d;

DROP VIEW noop_same;
DROP VIEW noop_now;
DROP TABLE noop_before;
SELECT stepping.drop_view('noop_update_key');
SELECT stepping.drop_view('noop_update_bag');
SELECT stepping.drop_view('noop_update_grp');
SELECT stepping.drop_view('noop_update_dist');
SELECT stepping.drop_view('noop_update_glob');
DROP TABLE noop_update_t;
