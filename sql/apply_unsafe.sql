-- stepping.apply = 'transaction': a read of a result table from inside a
-- statement that changes one of that view's tables, while changes of
-- earlier statements are pending.  The statement's own rows are in the table
-- but not captured yet, so applying the pending changes then would count
-- them twice: the read is refused (55000).  Reading a view over other tables
-- from there is exact and allowed.  Under 'statement' nothing is pending and
-- the read sees the view as of the statement's start.  (query_to_xml is a
-- built-in running a query: user functions and triggers apply the pending
-- changes before the statement starts, see apply_transaction.)
CREATE TABLE au_o (cid int, amt int);
CREATE TABLE au_other (id int);
SELECT stepping.create_view('au_v', 'SELECT cid, count(*) AS n FROM au_o GROUP BY cid');
SELECT stepping.create_view('au_w', 'SELECT count(*) AS n FROM au_other');

-- a view over the table being written: refused
BEGIN;
INSERT INTO au_o VALUES (1, 1);
INSERT INTO au_o SELECT 1, (xpath('//n/text()', query_to_xml('SELECT n FROM au_v WHERE cid = 1', false, false, '')))[1]::text::int;
ROLLBACK;

-- nothing pending: no refusal (the view as of the statement's start)
BEGIN;
INSERT INTO au_o SELECT 1, coalesce((xpath('//n/text()', query_to_xml('SELECT n FROM au_v WHERE cid = 1', false, false, '')))[1]::text::int, 0);
SELECT * FROM au_o;
SELECT cid, n FROM au_v;
ROLLBACK;

-- a view over another table: its pending change is applied, and read
BEGIN;
INSERT INTO au_other VALUES (1), (2);
INSERT INTO au_o SELECT 2, (xpath('//n/text()', query_to_xml('SELECT n FROM au_w', false, false, '')))[1]::text::int;
SELECT * FROM au_o ORDER BY cid;
SELECT n FROM au_w;
COMMIT;

-- stepping.apply = 'statement': the earlier statement is applied already
SET stepping.apply = statement;
BEGIN;
INSERT INTO au_o VALUES (1, 1);
INSERT INTO au_o SELECT 1, (xpath('//n/text()', query_to_xml('SELECT n FROM au_v WHERE cid = 1', false, false, '')))[1]::text::int;
SELECT cid, amt FROM au_o ORDER BY cid, amt;
COMMIT;
RESET stepping.apply;

SELECT * FROM stepping.check_view('au_v');
SELECT * FROM stepping.check_view('au_w');
SELECT stepping.drop_view('au_v');
SELECT stepping.drop_view('au_w');
DROP TABLE au_o, au_other;
