-- jsonb_agg, json_agg, json_object_agg and the JSON builders are STABLE in
-- PostgreSQL only because some types' text follows settings (timestamptz,
-- floats); over booleans, integers, numeric, text, json(b) and uuid (and
-- arrays of them) they are maintained, with or without ORDER BY inside the
-- call, computed per touched group like every aggregate without an inverse.
\pset null '(null)'
CREATE TABLE ja_item (id int PRIMARY KEY, grp int, name text, qty numeric, tags text[], f float8, ts timestamptz);
INSERT INTO ja_item VALUES (1, 1, 'a', 1.5, '{x}', 0.1, '2026-01-01'), (2, 1, 'b', 2, '{}', 0.2, NULL),
  (3, 2, 'c', NULL, NULL, NULL, NULL);
SELECT stepping.create_view('ja_groups',
  $$SELECT grp, jsonb_agg(name ORDER BY id) AS names, json_agg(qty ORDER BY id) AS qtys,
           jsonb_object_agg(name, tags) AS tags_by_name
      FROM ja_item GROUP BY grp$$);
SELECT stepping.create_view('ja_docs',
  $$SELECT id, jsonb_build_object('name', name, 'qty', qty, 'tags', tags) AS doc, to_jsonb(name) AS j
      FROM ja_item$$);
\set check 'SELECT v, c.* FROM unnest(ARRAY[''ja_groups'', ''ja_docs'']) v, stepping.check_view(v::regclass) c'
:check;
INSERT INTO ja_item VALUES (4, 2, 'd', 4, '{y,z}', 4, NULL);
UPDATE ja_item SET name = 'zz' WHERE id = 1;
DELETE FROM ja_item WHERE id = 2;
:check;
SELECT grp, names, qtys, tags_by_name FROM ja_groups ORDER BY grp;
SELECT id, doc FROM ja_docs ORDER BY id;
-- over types whose text follows settings, they stay refused
SELECT stepping.create_view('ja_bad1', 'SELECT grp, jsonb_agg(ts) AS t FROM ja_item GROUP BY grp');
SELECT stepping.create_view('ja_bad2', 'SELECT id, to_jsonb(f) AS j FROM ja_item');
SELECT stepping.drop_view('ja_groups');
SELECT stepping.drop_view('ja_docs');
DROP TABLE ja_item;
