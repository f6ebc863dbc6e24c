-- probe_joins: when one input of an inner join changed, its delta rows probe
-- the other inputs through their indexes in C (operators/probe.c); other
-- shapes run a PostgreSQL plan per term.  Both must give the query's rows.
CREATE TABLE pj_region (id int PRIMARY KEY, name text COLLATE "C");
CREATE TABLE pj_cust (id int PRIMARY KEY, region int, segment text COLLATE "C", code bigint);
CREATE TABLE pj_ord (id bigserial PRIMARY KEY, cust int, amount numeric(10,2), status text,
                     day int, slot int);
CREATE INDEX ON pj_ord (cust);
CREATE INDEX ON pj_cust (region);
CREATE INDEX ON pj_cust (segment);
CREATE TABLE pj_cal (day int, slot int, label text, PRIMARY KEY (day, slot));
CREATE TABLE pj_tag (code int, tag text);	-- no index
INSERT INTO pj_region SELECT g, 'r' || g FROM generate_series(1, 4) g;
INSERT INTO pj_cust SELECT g, CASE WHEN g % 7 = 0 THEN NULL ELSE 1 + g % 4 END,
       's' || (g % 3), g % 5 FROM generate_series(1, 40) g;
INSERT INTO pj_ord (cust, amount, status, day, slot)
SELECT CASE WHEN g % 11 = 0 THEN NULL ELSE 1 + g % 40 END, g / 4.0,
       CASE WHEN g % 3 = 0 THEN 'open' ELSE 'done' END, g % 5, g % 2
FROM generate_series(1, 400) g;
INSERT INTO pj_cal SELECT d, s, 'd' || d || 's' || s FROM generate_series(0, 4) d, generate_series(0, 1) s;
INSERT INTO pj_tag SELECT g % 5, 't' || g FROM generate_series(1, 8) g;

-- two and three inputs, grouped and not
SELECT stepping.create_view('pj_spj', $$
  SELECT o.id, o.amount, c.segment FROM pj_ord o JOIN pj_cust c ON o.cust = c.id
  WHERE o.status = 'open' AND c.segment <> 's2'$$);
SELECT stepping.create_view('pj_grp', $$
  SELECT r.name, c.segment, count(*) AS n, sum(o.amount) AS total
  FROM pj_ord o JOIN pj_cust c ON o.cust = c.id JOIN pj_region r ON c.region = r.id
  GROUP BY r.name, c.segment$$);
-- a two-column key (both columns of the primary key), an expression key,
-- and a cross-type equality (bigint = int)
SELECT stepping.create_view('pj_cal_v', $$
  SELECT o.id, k.label FROM pj_ord o JOIN pj_cal k ON k.day = o.day AND k.slot = o.slot$$);
SELECT stepping.create_view('pj_expr', $$
  SELECT o.id, c.segment FROM pj_ord o JOIN pj_cust c ON c.id = o.cust + 1$$);
SELECT stepping.create_view('pj_cross_type', $$
  SELECT c.id, r.name FROM pj_cust c JOIN pj_region r ON c.code = r.id$$);
-- a constant key, a self join
SELECT stepping.create_view('pj_const', $$
  SELECT o.id, c.segment FROM pj_ord o JOIN pj_cust c ON c.id = 3 AND o.cust = c.id$$);
SELECT stepping.create_view('pj_self', $$
  SELECT a.id, b.segment FROM pj_cust a JOIN pj_cust b ON b.id = a.region$$);
-- an input no index reaches, and a non-equality join: planned terms
SELECT stepping.create_view('pj_noindex', $$
  SELECT c.id, t.tag FROM pj_cust c JOIN pj_tag t ON t.code = c.code$$);
SELECT stepping.create_view('pj_range', $$
  SELECT c.id, r.name FROM pj_cust c JOIN pj_region r ON c.region > r.id$$);

SELECT v, line
FROM unnest(ARRAY['pj_spj', 'pj_grp', 'pj_cal_v', 'pj_expr', 'pj_cross_type', 'pj_const', 'pj_self', 'pj_noindex', 'pj_range']) AS v,
     stepping.explain_view(v::regclass) AS line
WHERE line LIKE '  a change to%' ORDER BY 1, 2;

\set check 'SELECT v AS view, c.side, c.row_data FROM unnest(ARRAY[''pj_spj'', ''pj_grp'', ''pj_cal_v'', ''pj_expr'', ''pj_cross_type'', ''pj_const'', ''pj_self'', ''pj_noindex'', ''pj_range'']::regclass[]) AS v, stepping.check_view(v) AS c ORDER BY 1, 2, 3;'

-- one row at a time, NULL keys, rows that match nothing
INSERT INTO pj_ord (cust, amount, status, day, slot) VALUES (3, 1.5, 'open', 1, 1), (NULL, 2, 'open', 0, 0), (999, 3, 'open', 9, 9);
UPDATE pj_ord SET status = 'open' WHERE id = 10;
UPDATE pj_cust SET segment = 's9', region = 2 WHERE id = 3;
UPDATE pj_cust SET region = NULL WHERE id = 5;
DELETE FROM pj_ord WHERE id % 13 = 0;
UPDATE pj_cal SET label = 'moved' WHERE day = 2;
UPDATE pj_region SET name = 'renamed' WHERE id = 2;
INSERT INTO pj_tag VALUES (3, 'late');
UPDATE pj_cust SET code = code + 1 WHERE id < 10;
:check

-- many matches per delta row: one region's customers and all their orders
UPDATE pj_region SET name = 'big' WHERE id = 1;
UPDATE pj_cust SET segment = 's0' WHERE region = 3;
-- a statement over both sides in one transaction
BEGIN;
INSERT INTO pj_cust VALUES (41, 1, 's1', 2);
INSERT INTO pj_ord (cust, amount, status, day, slot) SELECT 41, g, 'open', g % 5, 0 FROM generate_series(1, 5) g;
UPDATE pj_cust SET segment = 's0' WHERE id = 41;
COMMIT;
:check

-- a delta bigger than work_mem: the Z-set is applied in batches while the
-- probes go on
SET work_mem = '64kB';
INSERT INTO pj_ord (cust, amount, status, day, slot)
SELECT 1 + g % 40, g, 'open', g % 5, g % 2 FROM generate_series(1, 5000) g;
DELETE FROM pj_ord WHERE id > 400 AND id % 2 = 0;
RESET work_mem;
:check
SELECT count(*) FROM pj_spj;

-- an index dropped under a view: its circuit is made again without it
DROP INDEX pj_ord_cust_idx;
SELECT line FROM stepping.explain_view('pj_spj') AS line WHERE line LIKE '  a change to%' ORDER BY 1;
UPDATE pj_cust SET segment = 's1' WHERE id IN (6, 7);
INSERT INTO pj_ord (cust, amount, status, day, slot) VALUES (6, 9, 'open', 0, 0);
:check

SELECT stepping.drop_view(v) FROM unnest(ARRAY['pj_spj', 'pj_grp', 'pj_cal_v', 'pj_expr', 'pj_cross_type', 'pj_const', 'pj_self', 'pj_noindex', 'pj_range']) AS v;
DROP TABLE pj_ord, pj_cust, pj_region, pj_cal, pj_tag;
