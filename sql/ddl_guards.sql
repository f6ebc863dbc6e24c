-- DDL after create_view that would make a view differ from its query, or
-- break the writes of its base tables, is refused, whatever its spelling:
-- disabling, dropping, renaming, replacing or changing the firing mode of
-- stepping's triggers; dropping the index a result table's rows are found
-- through; inheritance and partitions (foreign tables too); UNLOGGED and
-- row-level security.  ENABLE TRIGGER leaves stepping's triggers ENABLE
-- ALWAYS.  Renames of anything a stored definition names are followed.
-- After every refused command, writes to the base tables keep every view
-- exact.
\set SHOW_CONTEXT never
\pset null '(null)'

CREATE SCHEMA gd;
CREATE TABLE gd.t (id int PRIMARY KEY, g int, x int);
CREATE TABLE gd.u (id int, g int);
CREATE INDEX ON gd.u (id);
INSERT INTO gd.t SELECT i, i % 3, i FROM generate_series(1, 9) i;
INSERT INTO gd.u SELECT i, i % 4 FROM generate_series(1, 9) i;
INSERT INTO gd.u VALUES (1, 1), (NULL, NULL);

-- one view of each kind; gd.vv reads gd.grp, gd.uni has internal views
SELECT stepping.create_view('gd.grp', 'SELECT g, count(*) AS n, sum(x) AS s FROM gd.t GROUP BY g');
SELECT stepping.create_view('gd.bag', 'SELECT id, x FROM gd.t WHERE x > 2');
SELECT stepping.create_view('gd.hbag', 'SELECT id, g FROM gd.u');
SELECT stepping.create_view('gd.dist', 'SELECT DISTINCT g FROM gd.u');
SELECT stepping.create_view('gd.joined', 'SELECT t.id, u.g FROM gd.t t JOIN gd.u u ON u.id = t.id');
SELECT stepping.create_view('gd.uni', 'SELECT g FROM gd.t UNION SELECT g FROM gd.u');
SELECT stepping.create_view('gd.vv', 'SELECT count(*) AS groups, sum(s) AS s FROM gd.grp');
SELECT stepping.create_view('gd.glob', 'SELECT count(*) AS n, sum(x) AS s FROM gd.t');

-- the key indexes of the result tables
SELECT c.view_rel, c.key_columns, i.indexrelid::regclass AS index
  FROM stepping.catalog c JOIN pg_class r ON r.oid = c.view_rel
  LEFT JOIN pg_index i ON i.indrelid = c.view_rel
 WHERE r.relnamespace = 'gd'::regnamespace
 ORDER BY c.view_rel::regclass::text, 3::text;

CREATE SEQUENCE gd.n START 100;
-- writes to every base table, then 'exact' if every view of schema gd is
CREATE FUNCTION gd.churn() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    n int := nextval('gd.n');
    bad text;
BEGIN
    INSERT INTO gd.t VALUES (n, n % 3, n), (n + 1000, NULL, n);
    UPDATE gd.t SET x = x + 1, g = (g + 1) % 3 WHERE id = n - 1;
    DELETE FROM gd.t WHERE id = n - 2;
    INSERT INTO gd.u VALUES (n, n % 4), (n, n % 4), (NULL, n % 5);
    UPDATE gd.u SET g = g + 1 WHERE id = n - 1;
    DELETE FROM gd.u WHERE id = n - 2;
    SELECT string_agg(v.name::text, ', ' ORDER BY v.name::text) INTO bad
      FROM stepping.views v
      JOIN pg_class c ON c.oid = v.name
     WHERE c.relnamespace = 'gd'::regnamespace
       AND EXISTS (SELECT 1 FROM stepping.check_view(v.name));
    RETURN coalesce('NOT EXACT: ' || bad, 'exact');
END $$;

-- run cmd; report its SQLSTATE and message, then write and check the views
CREATE FUNCTION gd.try(cmd text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    outcome text := 'allowed';
BEGIN
    BEGIN
        EXECUTE cmd;
    EXCEPTION WHEN others THEN
        outcome := SQLSTATE || ': ' || SQLERRM;
    END;
    RETURN outcome || ' | ' || gd.churn();
END $$;

CREATE FUNCTION gd.noop() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RETURN NULL;
END $$;

SELECT gd.churn();

-- ---------------------------------------------------------------------
-- 1. stepping's triggers
-- ---------------------------------------------------------------------
-- capture triggers on a base table
SELECT gd.try('ALTER TABLE gd.t DISABLE TRIGGER USER');
SELECT gd.try('ALTER TABLE gd.t DISABLE TRIGGER ALL');
SELECT gd.try('ALTER TABLE gd.t DISABLE TRIGGER stepping_before');
SELECT gd.try('ALTER TABLE gd.t DISABLE TRIGGER stepping_after_update');
SELECT gd.try('ALTER TABLE ONLY gd.u DISABLE TRIGGER "stepping_after_insert"');
SELECT gd.try('ALTER TABLE gd.t ADD COLUMN extra int, DISABLE TRIGGER USER');
SELECT gd.try('ALTER TABLE gd.t ENABLE REPLICA TRIGGER stepping_after_insert');
SELECT gd.try('DROP TRIGGER stepping_after_delete ON gd.t');
SELECT gd.try('DROP TRIGGER IF EXISTS stepping_after_truncate ON gd.u CASCADE');
SELECT gd.try('ALTER TRIGGER stepping_before ON gd.t RENAME TO mine');
SELECT gd.try('CREATE OR REPLACE TRIGGER stepping_after_insert AFTER INSERT ON gd.t FOR EACH STATEMENT EXECUTE FUNCTION gd.noop()');
SELECT gd.try('ALTER TRIGGER stepping_after_update ON gd.t DEPENDS ON EXTENSION plpgsql');
-- the guard trigger of result tables (an internal view's too; gd.grp is
-- also read by gd.vv)
SELECT gd.try('ALTER TABLE gd.grp DISABLE TRIGGER stepping_guard');
SELECT gd.try('ALTER TABLE gd.grp DISABLE TRIGGER USER');
SELECT gd.try('ALTER TABLE gd.hbag DISABLE TRIGGER ALL');
SELECT gd.try('ALTER TABLE gd.uni__sub1 DISABLE TRIGGER ALL');
SELECT gd.try('ALTER TABLE gd.dist ENABLE REPLICA TRIGGER stepping_guard');
SELECT gd.try('DROP TRIGGER stepping_guard ON gd.bag');
SELECT gd.try('ALTER TRIGGER stepping_guard ON gd.glob RENAME TO g');
-- the messages in full
ALTER TABLE gd.t DISABLE TRIGGER ALL;
DROP TRIGGER stepping_guard ON gd.joined;

-- a user's own triggers come and go freely
CREATE TRIGGER mine AFTER INSERT ON gd.t FOR EACH STATEMENT EXECUTE FUNCTION gd.noop();
SELECT gd.try('ALTER TABLE gd.t DISABLE TRIGGER mine');
SELECT gd.try('ALTER TABLE gd.t ENABLE TRIGGER mine');
SELECT gd.try('ALTER TRIGGER mine ON gd.t RENAME TO mine2');
SELECT gd.try('DROP TRIGGER mine2 ON gd.t');

-- create_view trusts no trigger it finds on a table without views: one of
-- another function under a capture trigger's name is an error; stepping's
-- own left over (here: one, disabled) is completed and made ENABLE ALWAYS
CREATE TABLE gd.t3 (id int PRIMARY KEY, x int);
CREATE TRIGGER stepping_after_insert AFTER INSERT ON gd.t3 FOR EACH STATEMENT EXECUTE FUNCTION gd.noop();
SELECT stepping.create_view('gd.v3', 'SELECT id, x FROM gd.t3');
SELECT to_regclass('gd.v3') AS not_created;
DROP TRIGGER stepping_after_insert ON gd.t3;
CREATE TRIGGER stepping_before BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON gd.t3
    FOR EACH STATEMENT EXECUTE FUNCTION stepping.capture_before();
ALTER TABLE gd.t3 DISABLE TRIGGER stepping_before;
SELECT stepping.create_view('gd.v3', 'SELECT id, x FROM gd.t3');
SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'gd.t3'::regclass ORDER BY tgname;
INSERT INTO gd.t3 VALUES (1, 1), (2, 2);
UPDATE gd.t3 SET x = 20 WHERE id = 2;
SELECT id, x FROM gd.v3 ORDER BY id;
SELECT * FROM stepping.check_view('gd.v3');
DROP TABLE gd.t3 CASCADE;

-- ENABLE TRIGGER (name, ALL, USER) would make stepping's triggers fire on
-- origin only; they stay ENABLE ALWAYS
ALTER TABLE gd.t ENABLE TRIGGER ALL;
ALTER TABLE gd.u ENABLE TRIGGER USER;
ALTER TABLE gd.t ENABLE TRIGGER stepping_before;
ALTER TABLE gd.grp ENABLE TRIGGER ALL;
ALTER TABLE gd.uni__sub2 ENABLE TRIGGER stepping_guard;
ALTER TABLE gd.hbag ENABLE TRIGGER USER, ENABLE ALWAYS TRIGGER stepping_guard;
SELECT c.relname, t.tgname, t.tgenabled
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
 WHERE c.relnamespace = 'gd'::regnamespace AND (t.tgname LIKE 'stepping%' OR t.tgname = '!stepping_replica')
   AND t.tgenabled <> CASE t.tgname WHEN '!stepping_replica' THEN 'R' ELSE 'A' END;
SELECT count(*) AS always_triggers
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
 WHERE c.relnamespace = 'gd'::regnamespace AND (t.tgname LIKE 'stepping%' OR t.tgname = '!stepping_replica')
   AND t.tgenabled = 'A';
-- writes under session_replication_role = replica (logical replication
-- apply, data-only restores) are maintained; direct writes to a result
-- table are still refused, and so is DDL that would disable the triggers
SET session_replication_role = replica;
INSERT INTO gd.t VALUES (500, 1, 500), (501, 2, 501);
UPDATE gd.t SET x = x * 2 WHERE id IN (1, 2, 500);
DELETE FROM gd.t WHERE id = 3;
INSERT INTO gd.u VALUES (500, 7), (500, 7);
DELETE FROM gd.u WHERE id = 4;
INSERT INTO gd.grp (g, n, s) VALUES (42, 1, 1);
ALTER TABLE gd.t DISABLE TRIGGER ALL;
SELECT gd.churn();
RESET session_replication_role;
SELECT g, n, s FROM gd.grp ORDER BY g;
SELECT gd.churn();

-- a drop that gets past ddl_command_start (here: its event trigger is
-- disabled) is still refused when the trigger or index is gone (sql_drop)
ALTER EVENT TRIGGER stepping_ddl_start DISABLE;
DROP TRIGGER stepping_after_insert ON gd.t;
DROP TRIGGER stepping_guard ON gd.grp;
DROP INDEX gd.grp_g_idx;
ALTER EVENT TRIGGER stepping_ddl_start ENABLE ALWAYS;
SELECT gd.churn();

-- ---------------------------------------------------------------------
-- 2. inheritance and partitions, foreign tables included
-- ---------------------------------------------------------------------
CREATE FOREIGN DATA WRAPPER gd_fdw;
CREATE SERVER gd_srv FOREIGN DATA WRAPPER gd_fdw;
CREATE TABLE gd.other (id int, g int, x int);
CREATE TABLE gd.parted (id int, g int, x int) PARTITION BY LIST (g);
CREATE FOREIGN TABLE gd.ft (id int, g int, x int) SERVER gd_srv;
CREATE TABLE gd.grp_like (g int, n bigint, s bigint);
CREATE TABLE gd.grp_parted (g int, n bigint, s bigint) PARTITION BY LIST (g);
SELECT gd.try('CREATE TABLE gd.child () INHERITS (gd.t)');
SELECT gd.try('CREATE TABLE gd.child2 (y int) INHERITS (gd.other, gd.u)');
SELECT gd.try('CREATE FOREIGN TABLE gd.fchild (id int, g int, x int) INHERITS (gd.t) SERVER gd_srv');
SELECT gd.try('ALTER FOREIGN TABLE gd.ft INHERIT gd.t');
SELECT gd.try('ALTER TABLE gd.other INHERIT gd.t');
SELECT gd.try('ALTER TABLE gd.t INHERIT gd.other');
SELECT gd.try('CREATE TABLE gd.part1 PARTITION OF gd.t FOR VALUES IN (1)');
SELECT gd.try('ALTER TABLE gd.parted ATTACH PARTITION gd.t FOR VALUES IN (1)');
SELECT gd.try('ALTER TABLE gd.t ATTACH PARTITION gd.other FOR VALUES IN (1)');
-- result tables neither
SELECT gd.try('CREATE TABLE gd.rchild () INHERITS (gd.grp)');
SELECT gd.try('CREATE FOREIGN TABLE gd.rfchild (g int, n bigint, s bigint) INHERITS (gd.hbag) SERVER gd_srv');
SELECT gd.try('ALTER TABLE gd.grp INHERIT gd.grp_like');
SELECT gd.try('ALTER TABLE gd.grp_parted ATTACH PARTITION gd.grp FOR VALUES IN (1)');
CREATE FOREIGN TABLE gd.fchild (id int, g int, x int) INHERITS (gd.t) SERVER gd_srv;
SELECT count(*) AS inheritance_links FROM pg_inherits
 WHERE inhparent IN ('gd.t'::regclass, 'gd.u'::regclass, 'gd.grp'::regclass, 'gd.hbag'::regclass)
    OR inhrelid IN ('gd.t'::regclass, 'gd.grp'::regclass);
-- other tables are not concerned
SELECT gd.try('CREATE TABLE gd.ochild () INHERITS (gd.other)');
SELECT gd.try('ALTER FOREIGN TABLE gd.ft INHERIT gd.other');

-- ---------------------------------------------------------------------
-- 3. what create_view refuses in a base table, ALTER refuses too; and a
--    result table stays logged
-- ---------------------------------------------------------------------
SELECT gd.try('ALTER TABLE gd.t SET UNLOGGED');
SELECT gd.try('ALTER TABLE gd.u SET UNLOGGED');
SELECT gd.try('ALTER TABLE gd.grp SET UNLOGGED');
SELECT gd.try('ALTER TABLE gd.hbag SET UNLOGGED');
SELECT gd.try('ALTER TABLE gd.uni__sub1 SET UNLOGGED');
SELECT gd.try('ALTER TABLE gd.t ENABLE ROW LEVEL SECURITY');
SELECT gd.try('ALTER TABLE gd.u FORCE ROW LEVEL SECURITY');
SELECT gd.try('ALTER TABLE gd.grp ENABLE ROW LEVEL SECURITY');
-- nor can a result table's columns be renamed (circuits find them by name)
SELECT gd.try('ALTER TABLE gd.grp RENAME COLUMN s TO total');
SELECT gd.try('ALTER TABLE gd.hbag RENAME __stepping_hash TO h');
SELECT gd.try('ALTER TABLE gd.uni__sub2 RENAME COLUMN g TO gg');
SELECT c.relname, c.relpersistence, c.relrowsecurity, c.relforcerowsecurity
  FROM pg_class c
 WHERE c.relnamespace = 'gd'::regnamespace AND c.relkind = 'r'
   AND (c.relpersistence <> 'p' OR c.relrowsecurity OR c.relforcerowsecurity);
ALTER TABLE gd.t SET UNLOGGED;
ALTER TABLE gd.grp SET UNLOGGED;
-- (not a view's table: allowed)
SELECT gd.try('ALTER TABLE gd.other SET UNLOGGED');
SELECT gd.try('ALTER TABLE gd.t SET LOGGED');

-- ---------------------------------------------------------------------
-- 5. the index a result table's rows are found through
-- ---------------------------------------------------------------------
SELECT gd.try('DROP INDEX gd.grp_g_idx');
SELECT gd.try('DROP INDEX gd.bag_id_idx');
SELECT gd.try('DROP INDEX gd.hbag___stepping_hash_idx');
SELECT gd.try('DROP INDEX gd.dist_g_idx CASCADE');
SELECT gd.try('DROP INDEX IF EXISTS gd.joined___stepping_hash_idx, gd.no_such_index');
SELECT gd.try('DROP INDEX gd.uni_g_idx');
SELECT gd.try('DROP INDEX gd.uni__sub1___stepping_hash_idx');
SELECT gd.try('ALTER INDEX gd.grp_g_idx DEPENDS ON EXTENSION plpgsql');
DROP INDEX CONCURRENTLY gd.grp_g_idx;
DROP INDEX CONCURRENTLY IF EXISTS gd.dist_g_idx;
SELECT gd.churn();
-- through a constraint made from it (sql_drop)
ALTER TABLE gd.dist ADD CONSTRAINT dist_g UNIQUE USING INDEX dist_g_idx;
ALTER TABLE gd.dist DROP CONSTRAINT dist_g;
SELECT gd.churn();
-- renaming it is fine: circuits find it by its columns
ALTER INDEX gd.grp_g_idx RENAME TO grp_key;
SELECT gd.churn();
\c
SELECT gd.churn();
SELECT line FROM stepping.explain_view('gd.grp') AS line WHERE line LIKE '%index%';
-- a user's own indexes come and go
CREATE INDEX grp_s ON gd.grp (s);
CREATE INDEX hbag_g ON gd.hbag (g);
SELECT gd.try('DROP INDEX gd.grp_s, gd.hbag_g');
-- an index the circuit would take instead must be able to stand in: the
-- same uniqueness and NULLS NOT DISTINCT
CREATE UNIQUE INDEX grp_plain_unique ON gd.grp (g);
SELECT gd.try('DROP INDEX gd.grp_key');
DROP INDEX gd.grp_plain_unique;
CREATE UNIQUE INDEX grp_key2 ON gd.grp (g) NULLS NOT DISTINCT;
SELECT gd.try('DROP INDEX gd.grp_key, gd.grp_key2');
SELECT gd.try('DROP INDEX gd.grp_key');
SELECT gd.try('DROP INDEX gd.grp_key2');
CREATE INDEX bag_id2 ON gd.bag (id);
SELECT gd.try('DROP INDEX gd.bag_id_idx');
REINDEX INDEX CONCURRENTLY gd.bag_id2;
SELECT gd.churn();
\c
SELECT gd.churn();
SELECT line FROM stepping.explain_view('gd.grp') AS line WHERE line LIKE '%index%';
SELECT line FROM stepping.explain_view('gd.bag') AS line WHERE line LIKE '%index%';

-- ---------------------------------------------------------------------
-- 4. renames of what a stored definition names, followed (checked from a
--    new backend, which compiles the stored text)
-- ---------------------------------------------------------------------
CREATE SCHEMA gd_a;
CREATE SCHEMA gd_b;
CREATE TYPE gd_a.mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN gd_a.pos AS int CHECK (VALUE > 0);
CREATE FUNCTION gd_a.tenfold(int) RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT $1 * 10';
CREATE FUNCTION gd_a.plus2(int, int) RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT $1 + 2 * $2';
CREATE OPERATOR gd_a.## (LEFTARG = int, RIGHTARG = int, FUNCTION = gd_a.plus2);
CREATE TEXT SEARCH CONFIGURATION gd_a.cfg (COPY = pg_catalog.simple);
CREATE SEQUENCE gd_a.seq;
CREATE TABLE gd.m (id int PRIMARY KEY, mood gd_a.mood, x int, doc text);
INSERT INTO gd.m VALUES (1, 'sad', 1, 'a b'), (2, 'ok', 2, 'b c'), (3, 'happy', 3, 'c d');
SELECT stepping.create_view('gd.moods',
    $$SELECT mood, count(*) AS n, sum(gd_a.tenfold(x)) AS t, sum(x OPERATOR(gd_a.##) 1) AS o,
             min(x::gd_a.pos) AS p
        FROM gd.m WHERE mood <> 'sad' AND mood < 'happy'::gd_a.mood OR x > 2 GROUP BY mood$$);
SELECT stepping.create_view('gd.docs',
    $$SELECT id, to_tsvector('gd_a.cfg', doc) AS v, 'gd_a.seq'::regclass AS r,
             mood = 'ok' AS is_ok
        FROM gd.m$$);
ALTER TYPE gd_a.mood RENAME VALUE 'sad' TO 'blue';
ALTER TYPE gd_a.mood RENAME VALUE 'ok' TO 'fine';
ALTER TYPE gd_a.mood RENAME TO feeling;
ALTER TYPE gd_a.feeling SET SCHEMA gd_b;
ALTER DOMAIN gd_a.pos RENAME TO positive;
ALTER FUNCTION gd_a.tenfold(int) RENAME TO times10;
ALTER FUNCTION gd_a.times10(int) SET SCHEMA gd_b;
ALTER OPERATOR gd_a.## (int, int) SET SCHEMA gd_b;
ALTER TEXT SEARCH CONFIGURATION gd_a.cfg RENAME TO cfg2;
ALTER TEXT SEARCH CONFIGURATION gd_a.cfg2 SET SCHEMA gd_b;
ALTER SEQUENCE gd_a.seq RENAME TO seq2;
ALTER SCHEMA gd_a RENAME TO gd_c;
SELECT name, normalized_query FROM stepping.views
 WHERE name IN ('gd.moods'::regclass, 'gd.docs'::regclass) ORDER BY name::text;
\c
INSERT INTO gd.m VALUES (4, 'blue', 4, 'd e'), (5, 'fine', 5, 'e f'), (6, 'fine', 6, 'f');
UPDATE gd.m SET mood = 'blue' WHERE id = 2;
DELETE FROM gd.m WHERE id = 3;
SELECT mood, n, t, o, p FROM gd.moods ORDER BY mood;
SELECT id, v, r, is_ok FROM gd.docs ORDER BY id;
SELECT * FROM stepping.check_view('gd.moods');
SELECT * FROM stepping.check_view('gd.docs');

-- ---------------------------------------------------------------------
-- 3b. functions a view uses: one that stops being immutable is refused,
--     as create_view refuses it; a new definition (body, strictness) is
--     followed by recomputing the views, in every backend
-- ---------------------------------------------------------------------
CREATE TABLE gd.ft_t (id int PRIMARY KEY, g int, x int);
INSERT INTO gd.ft_t VALUES (1, 1, 1), (2, 1, NULL), (3, 2, 3);
CREATE FUNCTION gd.fx(int) RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT coalesce($1, 0) * 10';
CREATE FUNCTION gd.fop(int, int) RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT $1 + $2';
CREATE OPERATOR gd.## (LEFTARG = int, RIGHTARG = int, FUNCTION = gd.fop);
CREATE FUNCTION gd.fsf(int, int) RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT coalesce($1, 0) + $2';
CREATE AGGREGATE gd.fagg(int) (SFUNC = gd.fsf, STYPE = int);
SELECT stepping.create_view('gd.fv', 'SELECT g, sum(gd.fx(x)) AS s, count(gd.fx(x)) AS c FROM gd.ft_t GROUP BY g');
SELECT stepping.create_view('gd.fvv', 'SELECT sum(s) AS total FROM gd.fv');
SELECT stepping.create_view('gd.fo', 'SELECT id, x OPERATOR(gd.##) 1 AS y FROM gd.ft_t');
SELECT stepping.create_view('gd.fa', 'SELECT g, gd.fagg(x) AS a FROM gd.ft_t GROUP BY g');
SELECT gd.try('ALTER FUNCTION gd.fx(int) VOLATILE');
SELECT gd.try('ALTER FUNCTION gd.fop(int, int) STABLE');
SELECT gd.try($$CREATE OR REPLACE FUNCTION gd.fx(int) RETURNS int VOLATILE LANGUAGE sql AS 'SELECT $1'$$);
SELECT gd.try($$CREATE OR REPLACE FUNCTION gd.fsf(int, int) RETURNS int STABLE LANGUAGE sql AS 'SELECT $1'$$);
ALTER FUNCTION gd.fx(int) VOLATILE;
CREATE OR REPLACE FUNCTION gd.fx(int) RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT coalesce($1, 0) * 100';
CREATE OR REPLACE FUNCTION gd.fop(int, int) RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT $1 - $2';
CREATE OR REPLACE FUNCTION gd.fsf(int, int) RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT coalesce($1, 0) + 3 * $2';
SELECT g, s, c FROM gd.fv ORDER BY g;
SELECT * FROM stepping.check_view('gd.fv');
SELECT * FROM stepping.check_view('gd.fvv');
SELECT * FROM stepping.check_view('gd.fo');
SELECT * FROM stepping.check_view('gd.fa');
INSERT INTO gd.ft_t VALUES (4, 2, 4);
ALTER FUNCTION gd.fx(int) STRICT;
SELECT g, s, c FROM gd.fv ORDER BY g;
\c
UPDATE gd.ft_t SET x = x + 1;
INSERT INTO gd.ft_t VALUES (5, 1, NULL);
SELECT g, s, c FROM gd.fv ORDER BY g;
SELECT * FROM stepping.check_view('gd.fv');
SELECT * FROM stepping.check_view('gd.fvv');
SELECT * FROM stepping.check_view('gd.fo');
SELECT * FROM stepping.check_view('gd.fa');

-- so is a text search configuration's or dictionary's
CREATE TEXT SEARCH CONFIGURATION gd.tscfg (COPY = pg_catalog.simple);
CREATE TEXT SEARCH DICTIONARY gd.tsdict (TEMPLATE = pg_catalog.simple, STOPWORDS = english);
CREATE TABLE gd.docs_t (id int PRIMARY KEY, doc text);
INSERT INTO gd.docs_t VALUES (1, 'The cats are running'), (2, 'a dog');
SELECT stepping.create_view('gd.tsv', $$SELECT id, to_tsvector('gd.tscfg', doc) AS v FROM gd.docs_t$$);
ALTER TEXT SEARCH CONFIGURATION gd.tscfg ALTER MAPPING FOR asciiword WITH english_stem;
SELECT id, v FROM gd.tsv ORDER BY id;
SELECT * FROM stepping.check_view('gd.tsv');
ALTER TEXT SEARCH CONFIGURATION gd.tscfg ALTER MAPPING FOR asciiword WITH gd.tsdict;
SELECT id, v FROM gd.tsv ORDER BY id;
ALTER TEXT SEARCH DICTIONARY gd.tsdict (StopWords = danish);
\c
INSERT INTO gd.docs_t VALUES (3, 'the end');
SELECT id, v FROM gd.tsv ORDER BY id;
SELECT * FROM stepping.check_view('gd.tsv');
DROP TABLE gd.docs_t CASCADE;

-- ---------------------------------------------------------------------
-- 6. names in messages are quoted once
-- ---------------------------------------------------------------------
CREATE SCHEMA "Sch ""q""";
CREATE TABLE "Sch ""q"""."O rd" (id int PRIMARY KEY, "Cid" int, x int);
CREATE TABLE "Sch ""q""".cu (id int, name text);
INSERT INTO "Sch ""q"""."O rd" VALUES (1, 1, 1);
SELECT stepping.create_view('"Sch ""q"""."V2"',
    $$SELECT o.id, c.name FROM "Sch ""q"""."O rd" o JOIN "Sch ""q""".cu c ON c.id = o."Cid"$$);
SELECT stepping.create_view('"Sch ""q"""."Inv"', $$SELECT id, 10 / x AS r FROM "Sch ""q"""."O rd"$$);
ALTER TABLE "Sch ""q"""."O rd" DISABLE TRIGGER ALL;
ALTER TABLE "Sch ""q"""."V2" SET UNLOGGED;
DROP INDEX "Sch ""q"""."Inv_id_idx";
\set SHOW_CONTEXT always
INSERT INTO "Sch ""q"""."O rd" VALUES (2, 1, 0);
\set SHOW_CONTEXT never
SELECT * FROM stepping.check_view('"Sch ""q"""."V2"');
SELECT * FROM stepping.check_view('"Sch ""q"""."Inv"');

-- ---------------------------------------------------------------------
-- DROP EXTENSION: refused while views exist; with CASCADE it removes
-- stepping's triggers and leaves plain tables (rolled back here)
-- ---------------------------------------------------------------------
\set VERBOSITY terse
DROP EXTENSION stepping;
\set VERBOSITY default
BEGIN;
SET LOCAL client_min_messages = warning;
DROP EXTENSION stepping CASCADE;
SELECT count(*) AS stepping_triggers_left
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
 WHERE c.relnamespace = 'gd'::regnamespace AND (t.tgname LIKE 'stepping%' OR t.tgname = '!stepping_replica');
INSERT INTO gd.t VALUES (9000, 1, 1);
INSERT INTO gd.grp VALUES (9000, 1, 1);
DROP INDEX gd.grp_key2;
ROLLBACK;
SELECT gd.churn();

-- ---------------------------------------------------------------------
-- stepping's own removals still work: drop_view, DROP TABLE of a result
-- table, DROP ... CASCADE of a base table
-- ---------------------------------------------------------------------
SELECT stepping.drop_view('gd.vv');
SELECT stepping.drop_view('gd.uni');
DROP TABLE gd.hbag;
DROP TABLE gd.dist, gd.joined;
SELECT gd.churn();
DROP TABLE gd.u;
DROP TABLE gd.t CASCADE;
DROP TABLE gd.m CASCADE;
DROP TABLE gd.ft_t CASCADE;
DROP SCHEMA "Sch ""q""" CASCADE;
SELECT count(*) AS views_left
  FROM stepping.views v JOIN pg_class c ON c.oid = v.name
 WHERE c.relnamespace = 'gd'::regnamespace;
SELECT count(*) AS triggers_left
  FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
 WHERE p.pronamespace = 'stepping'::regnamespace
   AND t.tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'gd'::regnamespace);
-- a table whose view is gone is an ordinary table again
CREATE TABLE gd.t2 (id int PRIMARY KEY, x int);
SELECT stepping.create_view('gd.v2', 'SELECT id, x FROM gd.t2');
SELECT stepping.drop_view('gd.v2');
ALTER TABLE gd.t2 SET UNLOGGED;
DROP SCHEMA gd, gd_b, gd_c CASCADE;
DROP SERVER gd_srv;
DROP FOREIGN DATA WRAPPER gd_fdw;
