-- A result table is read through the index create_view made, even when a
-- user's index on the same columns comes first in OID order (after REINDEX
-- CONCURRENTLY, or a restore that builds indexes in another order): a
-- grouped view needs its unique NULLS NOT DISTINCT index, which new groups
-- are inserted against.
CREATE TABLE ki (id int PRIMARY KEY, g int);
SELECT stepping.create_view('ki_groups', 'SELECT g, count(*) AS n FROM ki GROUP BY g');
CREATE INDEX ki_groups_user ON ki_groups (g);
REINDEX INDEX CONCURRENTLY ki_groups_g_idx;
SELECT indexrelid::regclass, indisunique, indnullsnotdistinct FROM pg_index
 WHERE indrelid = 'ki_groups'::regclass ORDER BY indexrelid;
SELECT line FROM stepping.explain_view('ki_groups') AS line WHERE line LIKE '%groups found%';
INSERT INTO ki VALUES (1, NULL), (2, NULL), (3, 1);
DELETE FROM ki WHERE id = 1;
SELECT g, n FROM ki_groups ORDER BY g;
SELECT * FROM stepping.check_view('ki_groups');
-- dropping it is refused although the user's index comes first in OID
-- order: that one cannot stand in for it (not unique)
\set VERBOSITY terse
DROP INDEX ki_groups_g_idx;
\set VERBOSITY default
-- an equivalent index under another name can
CREATE UNIQUE INDEX ki_groups_again ON ki_groups (g) NULLS NOT DISTINCT;
DROP INDEX ki_groups_g_idx;
DROP INDEX ki_groups_user;
INSERT INTO ki VALUES (4, NULL), (5, 2);
SELECT line FROM stepping.explain_view('ki_groups') AS line WHERE line LIKE '%groups found%';
SELECT g, n FROM ki_groups ORDER BY g;
SELECT * FROM stepping.check_view('ki_groups');
DROP TABLE ki_groups, ki;

-- a group key holds at most 32 columns (the unique index's limit): more is
-- refused up front with stepping's own error; 32 work, NULL keys included
SELECT format('CREATE TABLE ki_wide (%s)', string_agg(format('c%s int', i), ', '))
  FROM generate_series(1, 40) i \gexec
\set VERBOSITY terse
SELECT stepping.create_view('ki_wide_v', 'SELECT DISTINCT * FROM ki_wide');
\set VERBOSITY default
SELECT format($$SELECT stepping.create_view('ki_wide_32', 'SELECT %s, count(*) AS n FROM ki_wide GROUP BY %s')$$,
              string_agg(format('c%s', i), ', '), string_agg(format('c%s', i), ', '))
  FROM generate_series(1, 32) i \gexec
INSERT INTO ki_wide (c1, c32) VALUES (1, NULL), (1, NULL), (NULL, 2), (1, 2);
DELETE FROM ki_wide WHERE c32 = 2 AND c1 = 1;
SELECT c1, c32, n FROM ki_wide_32 ORDER BY c1, c32;
SELECT * FROM stepping.check_view('ki_wide_32');
DROP TABLE ki_wide CASCADE;
