-- A prepared transaction that wrote under a join view keeps its locks
-- until COMMIT/ROLLBACK PREPARED, as it keeps its row locks: later writers
-- of the view's other tables wait, on the keys of the join's equality.  A
-- wait on a view's lock names the view (CONTEXT), so lock_timeout errors,
-- cancels and log_lock_waits say which view it is.
-- Single-table grouped views lock only the group rows they touch.
-- Steps of single statements: stepping.apply = statement.
SET stepping.apply = statement;
CREATE TABLE lw_a (id int PRIMARY KEY, bid int);
CREATE TABLE lw_b (id int PRIMARY KEY, v int);
CREATE TABLE lw_g (id int PRIMARY KEY, g int);
-- the SQLSTATE and the view the error's CONTEXT names
CREATE FUNCTION pg_temp.lw_try(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    ctx text;
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS ctx = PG_EXCEPTION_CONTEXT;
    RETURN SQLSTATE || ' ' || SQLERRM || ' / ' || coalesce(substring(ctx FROM 'maintaining stepping view "[^"]*"'), 'no view named');
END $$;
SELECT stepping.create_view('lw_join', 'SELECT lw_a.id, lw_b.v FROM lw_a JOIN lw_b ON lw_a.bid = lw_b.id');
SELECT stepping.create_view('lw_groups', 'SELECT g, count(*) AS n FROM lw_g GROUP BY g');
INSERT INTO lw_b VALUES (1, 10);
INSERT INTO lw_g VALUES (1, 1);
BEGIN;
INSERT INTO lw_a VALUES (1, 1);
INSERT INTO lw_g VALUES (2, 1);
PREPARE TRANSACTION 'lw_prepared';
SET lock_timeout = '200ms';
-- a row of the join view's other table with the prepared row's key: waits
-- for the prepared transaction, and the error names the view
SELECT pg_temp.lw_try('UPDATE lw_b SET v = 11 WHERE id = 1');
-- an unrelated row of the other table (another key of lw_a.bid = lw_b.id):
-- no wait
SELECT pg_temp.lw_try('INSERT INTO lw_b VALUES (2, 20)');
-- another group of the single-table view: no wait
SELECT pg_temp.lw_try('INSERT INTO lw_g VALUES (3, 2)');
-- the group the prepared transaction touched: waits, naming the view
SELECT pg_temp.lw_try('INSERT INTO lw_g VALUES (4, 1)');
RESET lock_timeout;
COMMIT PREPARED 'lw_prepared';
UPDATE lw_b SET v = 11 WHERE id = 1;
INSERT INTO lw_g VALUES (4, 1);
SELECT * FROM lw_join ORDER BY id;
SELECT g, n FROM lw_groups ORDER BY g;
SELECT * FROM stepping.check_view('lw_join');
SELECT * FROM stepping.check_view('lw_groups');
DROP TABLE lw_join, lw_groups, lw_a, lw_b, lw_g;
