-- Immutable set-returning functions in FROM (unnest, generate_series,
-- jsonb_array_elements ...), reading the columns of a table before them: a
-- join with an input that has no delta of its own.
\pset null '(null)'
CREATE TABLE srf_doc (id int PRIMARY KEY, tags text[], n int, body jsonb);
INSERT INTO srf_doc VALUES (1, '{a,b}', 2, '[1,2]'), (2, '{b}', 0, '[]'), (3, NULL, 1, '[3]');
SELECT stepping.create_view('srf_tags', 'SELECT d.id, t.tag FROM srf_doc d, unnest(d.tags) AS t(tag)');
SELECT stepping.create_view('srf_tag_counts', 'SELECT t.tag, count(*) AS n FROM srf_doc d, unnest(d.tags) AS t(tag) GROUP BY t.tag');
SELECT stepping.create_view('srf_series', 'SELECT d.id, s.i FROM srf_doc d CROSS JOIN LATERAL generate_series(1, d.n) WITH ORDINALITY AS s(i, o)');
SELECT stepping.create_view('srf_json', 'SELECT d.id, e.value::int AS v FROM srf_doc d, jsonb_array_elements(d.body) AS e');
\set check 'SELECT v, c.* FROM unnest(ARRAY[''srf_tags'', ''srf_tag_counts'', ''srf_series'', ''srf_json'']) v, stepping.check_view(v::regclass) c'
:check;
SELECT tag, n FROM srf_tag_counts ORDER BY tag;
INSERT INTO srf_doc VALUES (4, '{a,c,a}', 3, '[4,5,6]');
UPDATE srf_doc SET tags = '{c}', n = 1 WHERE id = 1;
DELETE FROM srf_doc WHERE id = 2;
:check;
SELECT tag, n FROM srf_tag_counts ORDER BY tag;
SELECT id, i FROM srf_series ORDER BY id, i;
SELECT * FROM stepping.explain_view('srf_tags');
-- a volatile or stable function in FROM is refused
SELECT stepping.create_view('srf_bad', 'SELECT d.id, r FROM srf_doc d, generate_series(now(), now(), interval ''1 day'') r');
SELECT v, stepping.drop_view(v::regclass) FROM unnest(ARRAY['srf_tags', 'srf_tag_counts', 'srf_series', 'srf_json']) v;
DROP TABLE srf_doc;
