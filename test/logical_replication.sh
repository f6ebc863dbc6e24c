#!/usr/bin/env bash
# test/logical_replication.sh — stepping views and logical replication.
#
#   bash test/logical_replication.sh
#
# The ambient libpq environment (PGHOST, PGPORT, PGUSER = superuser of a
# throwaway cluster) is the SUBSCRIBER.  The script starts a PUBLISHER of its
# own (initdb in a temp dir, wal_level = logical, a unix socket only; run as
# the postgres OS user when we are root) and removes it at exit.
#
# The apply worker of a subscription fires no statement triggers; stepping
# captures its row changes with row-level triggers that fire only under
# session_replication_role = replica (and skip what its statement triggers
# capture already), and applies them at the worker's commit.  So:
#   - create_view over a table a subscription writes into is allowed, and
#     CREATE / ALTER SUBSCRIPTION into base tables of views do not warn;
#   - views on the subscriber stay exact after replicated INSERT, UPDATE (also
#     of key and group columns), DELETE, TRUNCATE, multi-statement publisher
#     transactions (also one that inserts and deletes the same rows, and one
#     of more than 10,000 rows, streamed to the subscriber: streaming = on),
#     prepared transactions through a two_phase subscription (the apply
#     worker's PREPARE, then COMMIT / ROLLBACK PREPARED), a view joining
#     tables of two subscriptions: a grouped view over one subscribed table, a
#     join of two subscribed tables, a join of a subscribed table with a local
#     (subscriber-only) table, DISTINCT and bag views (also over a table
#     without a key, REPLICA IDENTITY FULL), views over views; views created
#     BEFORE the subscription (the tablesync worker's initial copy counted
#     exactly once, also for a table added later by ALTER SUBSCRIPTION) and
#     views created after it;
#   - a user session with session_replication_role = replica writing base
#     tables on the subscriber (where both kinds of triggers fire): views stay
#     exact, inside its transactions (reads between statements) and after
#     (no double capture); under stepping.apply 'transaction' and 'statement'
#     when that setting exists;
#   - a publisher's own views keep working, and their result tables replicate
#     like any table (REPLICA IDENTITY FULL).
# Every view is checked twice: an EXCEPT ALL comparison of its result table
# with its query (both directions; read first, as a plain query), then
# stepping.check_view.  Replication is waited for by polling a sentinel row
# the publisher bumps after each step (at most 60 s per wait).
# Prints "ok: ..." / "FAIL: ..." per check and "logical_replication: N checks,
# N failed"; exit 1 if any failed.
set -u

BINDIR="$(${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config} --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)"
PSQL="$BINDIR/psql"
DB=stepping_logrep
CHECKS=0
FAILS=0
SYNC_WAIT=60      # seconds per wait for the subscriber to catch up
SYNC_N=0          # the sentinel's value after the last publisher step
STALLED=0         # replication once did not catch up: later waits are short
ok()   { CHECKS=$((CHECKS + 1)); echo "ok: $*"; }
fail() { CHECKS=$((CHECKS + 1)); FAILS=$((FAILS + 1)); echo "FAIL: $*"; }
sub()  { "$PSQL" -X -q -At -v ON_ERROR_STOP=1 -d "$DB" -c "$1" 2>&1; }
pub()  { "$PSQL" -X -q -At -v ON_ERROR_STOP=1 -h "$PUBDIR" -p "$PUBPORT" -U postgres -d postgres -c "$1" 2>&1; }
# a script of several statements (each its own transaction unless BEGIN ... COMMIT)
subf() { "$PSQL" -X -q -At -v ON_ERROR_STOP=1 -d "$DB" -f - 2>&1; }
pubf() { "$PSQL" -X -q -At -v ON_ERROR_STOP=1 -h "$PUBDIR" -p "$PUBPORT" -U postgres -d postgres -f - 2>&1; }
expect() {  # expect NAME WANTED GOT
    if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: wanted [$2], got [$3]"; fi
}
expect_match() {  # expect_match NAME REGEX TEXT
    if [[ "$3" =~ $2 ]]; then ok "$1"; else fail "$1: [$3] does not match /$2/"; fi
}

PUBDIR="$(mktemp -d "${STEPPING_TMPDIR:-/tmp}/stepping-pub.XXXXXX")"
if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$PUBDIR"
    as_pg() { (cd "$PUBDIR" && runuser -u postgres -- "$@"); }
else
    as_pg() { (cd "$PUBDIR" && "$@"); }
fi
chmod 700 "$PUBDIR"
cleanup() {
    # a subscription must go before its database; without the publisher
    # (or its slot) it can only go after forgetting its slot
    local s
    for s in s2 s; do
        "$PSQL" -X -q -d "$DB" -c "SET client_min_messages = warning" -c "DROP SUBSCRIPTION IF EXISTS $s" >/dev/null 2>&1 \
            || "$PSQL" -X -q -d "$DB" -c "ALTER SUBSCRIPTION $s DISABLE" -c "ALTER SUBSCRIPTION $s SET (slot_name = NONE)" \
                   -c "DROP SUBSCRIPTION $s" >/dev/null 2>&1
    done
    "$PSQL" -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1
    as_pg "$BINDIR/pg_ctl" -D "$PUBDIR/data" -m immediate stop >/dev/null 2>&1
    rm -rf "$PUBDIR"
}
trap cleanup EXIT
finish() {
    echo "logical_replication: $CHECKS checks, $FAILS failed"
    [ "$FAILS" -eq 0 ] && exit 0
    exit 1
}

# sync NAME [SENTINEL] — bump the sentinel (table sentinel, of subscription s;
# sentinel2: of s2) on the publisher and wait until the subscriber
# has it (the apply worker applies transactions in commit order, so every
# earlier publisher transaction is then applied and committed), and until
# every table of the subscription is ready.  Bounded; on a timeout prints what
# the subscriber says about its workers (and the server log's errors).
sync() {
    local name="$1" tab="${2:-sentinel}" deadline got states
    SYNC_N=$((SYNC_N + 1))
    pub "UPDATE $tab SET n = $SYNC_N" >/dev/null || { fail "$name: bump the sentinel on the publisher"; return 1; }
    deadline=$((SECONDS + (STALLED == 1 ? 1 : SYNC_WAIT)))
    while :; do
        got="$(sub "SELECT n FROM $tab")"
        states="$(sub "SELECT count(*) FROM pg_subscription_rel WHERE srsubstate <> 'r'")"
        [ "$got" = "$SYNC_N" ] && [ "$states" = "0" ] && return 0
        if [ "$SECONDS" -ge "$deadline" ]; then
            fail "$name: the subscriber did not catch up (sentinel [$got], wanted [$SYNC_N]; tables not ready: [$states])"
            sub "SELECT format('  pg_stat_subscription: %s pid=%s relid=%s received=%s latest_end=%s', subname, pid, relid, received_lsn, latest_end_lsn) FROM pg_stat_subscription"
            if [ -n "${STEPPING_PG_LOG:-}" ] && [ -r "${STEPPING_PG_LOG:-}" ]; then
                grep -E 'ERROR|FATAL|PANIC|terminated' "$STEPPING_PG_LOG" | tail -8 | sed 's/^/  server log: /'
            fi
            STALLED=1
            return 1
        fi
        sleep 0.2
    done
}

# check_views NAME — every registered view exact: the EXCEPT ALL comparison
# (a plain read of the result table, first) and stepping.check_view
check_views() {
    expect "$1: result tables EXCEPT ALL queries empty" "" "$(sub "SELECT lr_except()")"
    expect "$1: check_view empty" "" "$(sub "SELECT lr_check()")"
}

# ---------------------------------------------------------------------------
# publisher
# ---------------------------------------------------------------------------
as_pg "$BINDIR/initdb" -D "$PUBDIR/data" -U postgres --auth=trust --no-sync >"$PUBDIR/initdb.log" 2>&1 \
    || { cat "$PUBDIR/initdb.log"; fail "initdb of the publisher"; finish; }
PUBPORT=$(( 20000 + RANDOM % 40000 ))
cat >>"$PUBDIR/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$PUBDIR'
port = $PUBPORT
wal_level = logical
fsync = off
max_prepared_transactions = 10
# large transactions are streamed to the subscriber before they commit
logical_decoding_work_mem = 64kB
CONF
as_pg "$BINDIR/pg_ctl" -D "$PUBDIR/data" -l "$PUBDIR/server.log" -w start >/dev/null \
    || { tail -20 "$PUBDIR/server.log"; fail "start of the publisher"; finish; }

pub "CREATE EXTENSION stepping;
     CREATE TABLE sentinel (id int PRIMARY KEY, n int);
     INSERT INTO sentinel VALUES (1, 0);
     CREATE TABLE orders (id int PRIMARY KEY, cid int, amt numeric(10,2));
     CREATE TABLE items (id int PRIMARY KEY, oid int, qty int);
     CREATE TABLE notes (k int, v int);
     ALTER TABLE notes REPLICA IDENTITY FULL;
     CREATE TABLE other (id int PRIMARY KEY, v int);
     SELECT stepping.create_view('pub_totals', 'SELECT cid, count(*) AS n, sum(amt) AS total FROM orders GROUP BY cid');
     CREATE PUBLICATION p FOR TABLE sentinel, orders, items, notes, pub_totals;
     CREATE PUBLICATION p2 FOR TABLE other;
     CREATE TABLE sentinel2 (id int PRIMARY KEY, n int);
     INSERT INTO sentinel2 VALUES (1, 0);
     CREATE TABLE tp (id int PRIMARY KEY, cid int, v int);
     CREATE PUBLICATION p3 FOR TABLE sentinel2, tp;
     INSERT INTO tp SELECT i, i % 3, i FROM generate_series(1, 30) i;
     INSERT INTO orders SELECT i, i % 3, i * 1.5 FROM generate_series(1, 30) i;
     INSERT INTO items SELECT i, 1 + i % 30, i % 5 FROM generate_series(1, 50) i;
     INSERT INTO notes SELECT i % 4, i % 3 FROM generate_series(1, 12) i;
     INSERT INTO other SELECT i, i % 4 FROM generate_series(1, 20) i;" >/dev/null \
    || { fail "publisher setup"; finish; }

# ---------------------------------------------------------------------------
# subscriber: tables, a local table, the check helpers, the early views
# ---------------------------------------------------------------------------
"$PSQL" -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1
"$PSQL" -X -q -d postgres -c "CREATE DATABASE $DB" >/dev/null || { fail "create database $DB"; finish; }
sub "CREATE EXTENSION stepping;
     CREATE TABLE sentinel (id int PRIMARY KEY, n int);
     CREATE TABLE orders (id int PRIMARY KEY, cid int, amt numeric(10,2));
     CREATE TABLE items (id int PRIMARY KEY, oid int, qty int);
     CREATE TABLE notes (k int, v int);
     CREATE TABLE other (id int PRIMARY KEY, v int);
     CREATE TABLE sentinel2 (id int PRIMARY KEY, n int);
     CREATE TABLE tp (id int PRIMARY KEY, cid int, v int);
     CREATE TABLE pub_totals (cid int, n bigint, total numeric, __stepping_count bigint, __stepping_agg_1 bigint,
                              __stepping_agg_2 numeric, __stepping_nn_2 bigint, __stepping_msc_2 bigint);
     -- a local (subscriber-only) table
     CREATE TABLE regions (cid int PRIMARY KEY, name text);
     INSERT INTO regions VALUES (0, 'north'), (1, 'south'), (2, 'east'), (5, 'west');
     -- the views to check: name, query, the result table's visible columns
     CREATE TABLE lr_views (name text PRIMARY KEY, query text, cols text);
     CREATE FUNCTION lr_except() RETURNS text LANGUAGE plpgsql AS \$f\$
     DECLARE r record; n bigint; out text := '';
     BEGIN
         FOR r IN SELECT * FROM lr_views ORDER BY name LOOP
             EXECUTE format('SELECT count(*) FROM ((SELECT %3\$s FROM %1\$s EXCEPT ALL (%2\$s)) '
                            'UNION ALL ((%2\$s) EXCEPT ALL SELECT %3\$s FROM %1\$s)) d', r.name, r.query, r.cols) INTO n;
             IF n <> 0 THEN
                 out := out || format('%s: %s rows differ; ', r.name, n);
             END IF;
         END LOOP;
         RETURN out;
     END \$f\$;
     CREATE FUNCTION lr_check() RETURNS text LANGUAGE plpgsql AS \$f\$
     DECLARE r record; n bigint; out text := '';
     BEGIN
         FOR r IN SELECT * FROM lr_views ORDER BY name LOOP
             SELECT count(*) INTO n FROM stepping.check_view(r.name::regclass);
             IF n <> 0 THEN
                 out := out || format('%s: check_view %s rows; ', r.name, n);
             END IF;
         END LOOP;
         RETURN out;
     END \$f\$;" >/dev/null \
    || { fail "subscriber setup"; finish; }

# add_view NAME QUERY COLS — create_view on the subscriber, registered for the checks
# (also when refused: the checks then fail)
add_view() {
    sub "INSERT INTO lr_views VALUES ('$1', \$q\$$2\$q\$, '$3')" >/dev/null
    "$PSQL" -X -q -At -v ON_ERROR_STOP=1 -d "$DB" -c "SET client_min_messages = warning" \
        -c "SELECT stepping.create_view('$1', \$q\$$2\$q\$)" 2>&1
}

# views created BEFORE the subscription exists: the initial copy must be counted once
out="$(add_view v_grp 'SELECT cid, count(*) AS n, sum(amt) AS total, min(amt) AS lo FROM orders GROUP BY cid' 'cid, n, total, lo')"
expect "create_view over a table a subscription will write into" "v_grp" "$out"
out="$(add_view v_join 'SELECT o.cid, count(*) AS n, sum(i.qty) AS q FROM orders o JOIN items i ON i.oid = o.id GROUP BY o.cid' 'cid, n, q')"
expect "create_view: join of two tables a subscription will write into" "v_join" "$out"
out="$(add_view v_local 'SELECT r.name, count(*) AS n, sum(o.amt) AS total FROM orders o JOIN regions r ON r.cid = o.cid GROUP BY r.name' 'name, n, total')"
expect "create_view: join of a subscribed and a local table" "v_local" "$out"
out="$(add_view v_over 'SELECT n, count(*) AS groups FROM v_grp GROUP BY n' 'n, groups')"
expect "create_view: a view over a view over a subscribed table" "v_over" "$out"
out="$(add_view v_notes 'SELECT k, v FROM notes WHERE v > 0' 'k, v')"
expect "create_view: bag view over a table without a key (REPLICA IDENTITY FULL)" "v_notes" "$out"
out="$(add_view v_other 'SELECT v, count(*) AS n FROM other GROUP BY v' 'v, n')"
expect "create_view over a table a later ALTER SUBSCRIPTION will write into" "v_other" "$out"
check_views "views before the subscription"

conn="host=$PUBDIR port=$PUBPORT dbname=postgres user=postgres"
out="$(PGOPTIONS='-c client_min_messages=warning' sub "CREATE SUBSCRIPTION s CONNECTION '$conn' PUBLICATION p WITH (streaming = on)")"
expect "CREATE SUBSCRIPTION into base tables of views: no warning" "" "$out"

sync "initial copy"
expect "initial sync" "30" "$(sub "SELECT count(*) FROM orders")"
expect "a result table replicates like a table" \
    "$(pub "SELECT string_agg(format('%s:%s:%s', cid, n, total), ',' ORDER BY cid) FROM pub_totals")" \
    "$(sub "SELECT string_agg(format('%s:%s:%s', cid, n, total), ',' ORDER BY cid) FROM pub_totals")"
expect "the initial copy is counted once (v_grp)" "0:10,1:10,2:10" \
    "$(sub "SELECT string_agg(format('%s:%s', cid, n), ',' ORDER BY cid) FROM v_grp")"
expect "the initial copy is counted once (v_notes)" "8" "$(sub "SELECT count(*) FROM v_notes")"
check_views "after the initial copy"

# views created after the subscription
out="$(add_view v_late 'SELECT cid % 2 AS parity, count(*) AS n, max(amt) AS hi FROM orders WHERE amt > 3 GROUP BY cid % 2' 'parity, n, hi')"
expect "create_view over a subscribed table is allowed" "v_late" "$out"
out="$(add_view v_late_join 'SELECT i.id AS iid, o.id AS oid, o.cid, i.qty FROM orders o JOIN items i ON i.oid = o.id' 'iid, oid, cid, qty')"
expect "create_view: join of two subscribed tables is allowed" "v_late_join" "$out"
out="$(add_view v_late_over 'SELECT cid, sum(qty) AS q, count(*) AS n FROM v_late_join GROUP BY cid' 'cid, q, n')"
expect "create_view: a view over a view over subscribed tables" "v_late_over" "$out"
out="$(add_view v_distinct 'SELECT DISTINCT cid FROM orders' 'cid')"
expect "create_view: DISTINCT over a subscribed table" "v_distinct" "$out"
out="$(add_view v_late_local 'SELECT o.id, o.amt, r.name FROM orders o JOIN regions r ON r.cid = o.cid WHERE o.amt < 40' 'id, amt, name')"
expect "create_view: bag join of a subscribed and a local table" "v_late_local" "$out"
check_views "views created after the subscription"

# ---------------------------------------------------------------------------
# replicated writes
# ---------------------------------------------------------------------------
pub "INSERT INTO orders SELECT i, i % 4, i * 0.75 FROM generate_series(31, 60) i;
     INSERT INTO items SELECT i, i - 20, i % 7 FROM generate_series(51, 80) i;
     INSERT INTO notes VALUES (1, 1), (1, 1), (2, 5), (9, 0);" >/dev/null
sync "INSERT" && check_views "after replicated INSERT"

pub "UPDATE orders SET amt = amt + 1 WHERE id % 4 = 0" >/dev/null
sync "UPDATE" && check_views "after replicated UPDATE of a value"

pub "UPDATE orders SET cid = cid + 1 WHERE id % 5 = 0" >/dev/null
sync "UPDATE group" && check_views "after replicated UPDATE of a group column"

pub "UPDATE orders SET id = id + 1000 WHERE id % 6 = 0" >/dev/null
sync "UPDATE key" && check_views "after replicated UPDATE of the primary key (join key)"

pub "UPDATE items SET oid = oid + 1, qty = qty * 2 WHERE id % 3 = 0" >/dev/null
sync "UPDATE join column" && check_views "after replicated UPDATE of a join column"

pub "UPDATE notes SET v = v + 1 WHERE k = 1" >/dev/null
sync "UPDATE no key" && check_views "after replicated UPDATE of duplicate rows of a table without a key"

pub "DELETE FROM orders WHERE id % 7 = 0; DELETE FROM notes WHERE k = 2;" >/dev/null
sync "DELETE" && check_views "after replicated DELETE"

pubf >/dev/null <<'SQL'
BEGIN;
INSERT INTO orders VALUES (200, 1, 10.00), (201, 2, 20.00), (202, 7, 30.00);
UPDATE orders SET amt = amt * 2 WHERE id IN (200, 1, 2);
INSERT INTO items VALUES (300, 200, 3), (301, 201, 4), (302, 1, 5);
UPDATE orders SET cid = 0 WHERE id = 201;
UPDATE orders SET cid = 2 WHERE id = 201;
DELETE FROM items WHERE id IN (1, 2, 3);
DELETE FROM orders WHERE id = 3;
UPDATE items SET qty = qty + 10 WHERE oid = 200;
INSERT INTO notes VALUES (7, 7);
COMMIT;
SQL
sync "multi-statement transaction" && check_views "after a replicated multi-statement transaction"

pubf >/dev/null <<'SQL'
BEGIN;
INSERT INTO orders SELECT i, i % 5, i FROM generate_series(400, 420) i;
INSERT INTO items SELECT i, i - 100, 1 FROM generate_series(500, 520) i;
UPDATE orders SET cid = cid + 3, amt = amt + 0.5 WHERE id BETWEEN 400 AND 420;
DELETE FROM items WHERE id BETWEEN 500 AND 520;
DELETE FROM orders WHERE id BETWEEN 400 AND 420;
INSERT INTO notes VALUES (3, 3);
DELETE FROM notes WHERE k = 3 AND v = 3;
COMMIT;
SQL
sync "insert and delete the same rows" && check_views "after a replicated transaction that inserts and deletes the same rows"

pub "BEGIN; INSERT INTO orders VALUES (250, 1, 1.00); UPDATE orders SET amt = 0; ROLLBACK;" >/dev/null
sync "rolled back" && check_views "after a rolled-back publisher transaction"

pubf >/dev/null <<'SQL'
BEGIN;
INSERT INTO orders SELECT i, i % 9, (i % 100) * 0.25 FROM generate_series(10001, 22000) i;
UPDATE orders SET amt = amt + 1 WHERE id BETWEEN 10001 AND 11000;
COMMIT;
SQL
sync "large transaction" && check_views "after a replicated transaction of 13,000 rows (streamed)"
pub "DELETE FROM orders WHERE id > 10000" >/dev/null
sync "large delete" && check_views "after a replicated DELETE of 12,000 rows"
echo "note: transactions streamed to subscription s so far: $(pub "SELECT stream_txns FROM pg_stat_replication_slots WHERE slot_name = 's'")"

pub "TRUNCATE items" >/dev/null
sync "TRUNCATE" && check_views "after replicated TRUNCATE of one table"
expect "TRUNCATE replicated: v_late_join empty" "0" "$(sub "SELECT count(*) FROM v_late_join")"

pubf >/dev/null <<'SQL'
BEGIN;
INSERT INTO items SELECT i, 1 + i % 40, i % 4 FROM generate_series(1, 60) i;
TRUNCATE orders, notes;
INSERT INTO orders SELECT i, i % 3, i * 2.5 FROM generate_series(1, 40) i;
INSERT INTO notes VALUES (1, 1), (1, 2);
COMMIT;
SQL
sync "TRUNCATE in a transaction" && check_views "after replicated TRUNCATE of two tables and INSERTs in one transaction"

# a table added to the subscription later: its view existed before (initial copy counted once)
out="$(PGOPTIONS='-c client_min_messages=warning' sub "ALTER SUBSCRIPTION s ADD PUBLICATION p2")"
expect "ALTER SUBSCRIPTION ... ADD PUBLICATION into a base table of a view: no warning" "" "$out"
sync "ALTER SUBSCRIPTION ADD PUBLICATION"
expect "the initial copy of a table added later is counted once" "0:5,1:5,2:5,3:5" \
    "$(sub "SELECT string_agg(format('%s:%s', v, n), ',' ORDER BY v) FROM v_other")"
check_views "after ALTER SUBSCRIPTION ... ADD PUBLICATION"
pub "UPDATE other SET v = v + 1 WHERE id % 3 = 0; DELETE FROM other WHERE id = 1;" >/dev/null
sync "writes to the added table" && check_views "after replicated writes to the table added later"

# ---------------------------------------------------------------------------
# local writes on the subscriber
# ---------------------------------------------------------------------------
subf >/dev/null <<'SQL'
INSERT INTO regions VALUES (3, 'up'), (4, 'down');
UPDATE regions SET name = 'south2' WHERE cid = 1;
UPDATE regions SET cid = 6 WHERE cid = 2;
DELETE FROM regions WHERE cid = 0;
SQL
check_views "after writes to the local table"
pub "INSERT INTO orders VALUES (500, 6, 4.00), (501, 3, 5.00); UPDATE orders SET cid = 4 WHERE id = 1;" >/dev/null
sync "replicated rows meeting the local writes" && check_views "after replicated writes joining the changed local rows"

# a second subscription, two_phase = true: the apply worker PREPAREs the
# publisher's prepared transactions (the pending changes must be applied
# before its PREPARE) and then commits or rolls them back; a view joins a
# table of each subscription
if [ "$(sub "SHOW max_prepared_transactions")" = 0 ]; then
    echo "note: the subscriber has max_prepared_transactions = 0: two-phase subscription not tested"
else
    out="$(add_view v_tp 'SELECT cid, count(*) AS n, sum(v) AS s FROM tp GROUP BY cid' 'cid, n, s')"
    expect "create_view over a table of a two-phase subscription" "v_tp" "$out"
    out="$(add_view v_two 'SELECT o.cid, count(*) AS n, sum(t.v) AS s FROM tp t JOIN orders o ON o.id = t.id GROUP BY o.cid' 'cid, n, s')"
    expect "create_view: join of tables of two subscriptions" "v_two" "$out"
    out="$(PGOPTIONS='-c client_min_messages=warning' sub "CREATE SUBSCRIPTION s2 CONNECTION '$conn' PUBLICATION p3 WITH (two_phase = true)")"
    expect "CREATE SUBSCRIPTION ... WITH (two_phase = true): no warning" "" "$out"
    sync "two-phase initial copy" sentinel2 && check_views "after the initial copy of the two-phase subscription"
    # two_phase is enabled (the apply worker restarted) once the tables are synced
    deadline=$((SECONDS + SYNC_WAIT))
    until [ "$(sub "SELECT subtwophasestate FROM pg_subscription WHERE subname = 's2'")" = e ] \
          || [ "$SECONDS" -ge "$deadline" ]; do
        sleep 0.2
    done
    expect "two_phase of subscription s2 is enabled" "e" "$(sub "SELECT subtwophasestate FROM pg_subscription WHERE subname = 's2'")"
    pubf >/dev/null <<'SQL'
BEGIN;
INSERT INTO tp SELECT i, i % 4, i * 2 FROM generate_series(31, 50) i;
UPDATE tp SET cid = cid + 1, v = v + 1 WHERE id % 5 = 0;
DELETE FROM tp WHERE id % 7 = 0;
UPDATE orders SET amt = amt + 2 WHERE id <= 10;
PREPARE TRANSACTION 'lr1';
SQL
    sync "PREPARE TRANSACTION" sentinel2
    expect "the apply worker prepared the transaction" "1" "$(sub "SELECT count(*) FROM pg_prepared_xacts WHERE database = current_database()")"
    check_views "while a replicated transaction is prepared"
    pub "COMMIT PREPARED 'lr1'" >/dev/null
    sync "COMMIT PREPARED" sentinel2 && sync "COMMIT PREPARED (subscription s)" \
        && check_views "after COMMIT PREPARED"
    pubf >/dev/null <<'SQL'
BEGIN;
DELETE FROM tp WHERE id < 20;
INSERT INTO tp VALUES (100, 1, 100), (101, 2, 101);
PREPARE TRANSACTION 'lr2';
SQL
    sync "PREPARE TRANSACTION (2)" sentinel2 && check_views "while a second replicated transaction is prepared"
    pub "ROLLBACK PREPARED 'lr2'" >/dev/null
    sync "ROLLBACK PREPARED" sentinel2 && check_views "after ROLLBACK PREPARED"
    expect "no prepared transaction left on the subscriber" "0" "$(sub "SELECT count(*) FROM pg_prepared_xacts WHERE database = current_database()")"
    pub "UPDATE tp SET v = v - 1 WHERE id % 2 = 0; TRUNCATE tp; INSERT INTO tp SELECT i, i % 2, i FROM generate_series(1, 9) i;" >/dev/null
    sync "two-phase subscription, plain transactions" sentinel2 \
        && check_views "after plain transactions through the two-phase subscription"
fi

# a user session with session_replication_role = replica: the statement
# triggers (ENABLE ALWAYS) and the replica row triggers both fire; each change
# must be captured once, inside the transaction and after it.  Its rows use
# ids the publisher does not have (no conflict with replication).
# (the setting exists once the library is loaded)
has_apply="$("$PSQL" -X -q -At -d "$DB" -c "LOAD 'stepping'" -c "SELECT current_setting('stepping.apply', true) IS NOT NULL" 2>&1)"
modes="default"
[ "$has_apply" = t ] && modes="transaction statement"
base=900000
for mode in $modes; do
    setmode=""
    [ "$mode" != default ] && setmode="SET stepping.apply = '$mode';"
    base=$((base + 1000))
    out="$(subf <<SQL
SET session_replication_role = replica;
$setmode
INSERT INTO orders SELECT i, i % 4, i % 50 FROM generate_series($base + 1, $base + 20) i;
UPDATE orders SET amt = amt + 2, cid = cid + 1 WHERE id BETWEEN $base + 1 AND $base + 5;
DELETE FROM orders WHERE id BETWEEN $base + 15 AND $base + 20;
INSERT INTO regions VALUES ($base, 'replica');
UPDATE regions SET cid = 7 WHERE cid = $base;
INSERT INTO items VALUES ($base, $base + 2, 9);
BEGIN;
INSERT INTO orders VALUES ($base + 100, 7, 1.25), ($base + 101, 4, 2.50);
SELECT 'inside 1: ' || lr_except();
UPDATE orders SET cid = 5 WHERE id = $base + 100;
UPDATE regions SET name = 'replica2' WHERE cid = 7;
SELECT 'inside 2: ' || lr_except();
SAVEPOINT a;
DELETE FROM orders WHERE id BETWEEN $base + 1 AND $base + 10;
SELECT 'inside 3: ' || lr_except();
ROLLBACK TO SAVEPOINT a;
SELECT 'inside 4: ' || lr_except();
DELETE FROM items WHERE id = $base;
SELECT 'inside 5: ' || lr_except() || lr_check();
COMMIT;
SQL
)"
    expect "session_replication_role = replica ($mode): views exact inside its transactions" \
        "$(printf 'inside 1: \ninside 2: \ninside 3: \ninside 4: \ninside 5: ')" "$out"
    check_views "after writes under session_replication_role = replica ($mode)"
    out="$(subf <<SQL
SET session_replication_role = replica;
$setmode
BEGIN;
DELETE FROM regions WHERE cid = 7;
TRUNCATE notes;
SELECT 'inside: ' || lr_except();
COMMIT;
SQL
)"
    expect "session_replication_role = replica ($mode): DELETE and TRUNCATE" "inside: " "$out"
    check_views "after DELETE and TRUNCATE under session_replication_role = replica ($mode)"
    pub "INSERT INTO notes VALUES (4, 4), (4, 4), (5, 0); UPDATE orders SET amt = amt + 1 WHERE id <= 20;" >/dev/null
    sync "replicated after the replica session ($mode)" \
        && check_views "after replicated writes following the replica session ($mode)"
done

# a subscriber-side user row trigger that fires in the apply worker (ENABLE
# ALWAYS) and reads a view over the table it fires on: what it reads while a
# row is being applied is not checked, the views after the commit are.  (The
# apply worker runs with an empty search_path: names are qualified.)
out="$(subf <<'SQL'
CREATE TABLE lr_log (id int, cid int, n_view bigint, n_query bigint);
CREATE FUNCTION lr_audit() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    INSERT INTO public.lr_log
    SELECT NEW.id, NEW.cid, (SELECT n FROM public.v_grp WHERE cid IS NOT DISTINCT FROM NEW.cid),
           (SELECT count(*) FROM public.orders WHERE cid IS NOT DISTINCT FROM NEW.cid);
    RETURN NULL;
END $f$;
CREATE TRIGGER lr_audit AFTER INSERT OR UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION lr_audit();
ALTER TABLE orders ENABLE ALWAYS TRIGGER lr_audit;
SQL
)"
expect "a user trigger on a subscribed table, ENABLE ALWAYS" "" "$out"
pubf >/dev/null <<'SQL'
BEGIN;
INSERT INTO orders VALUES (3001, 1, 1), (3002, 1, 2), (3003, 1, 3);
UPDATE orders SET cid = 2 WHERE id = 3001;
INSERT INTO orders VALUES (3004, 1, 4);
COMMIT;
INSERT INTO orders VALUES (3005, 3, 5);
UPDATE orders SET amt = amt + 1 WHERE id BETWEEN 3002 AND 3005;
SQL
sync "replicated writes firing a user trigger that reads a view" \
    && check_views "after replicated writes firing a user trigger that reads a view"
expect "the user trigger fired in the apply worker" "10" "$(sub "SELECT count(*) FROM lr_log")"
sub "DROP TRIGGER lr_audit ON orders" >/dev/null

# the publisher's own view stays exact under its writes
pub "UPDATE orders SET amt = amt + 1 WHERE id % 4 = 0; DELETE FROM orders WHERE id % 7 = 0; INSERT INTO orders VALUES (100, 1, 3.25);" >/dev/null
expect "publisher view exact" "0" "$(pub "SELECT count(*) FROM stepping.check_view('pub_totals')")"
sync "publisher's last writes" && check_views "after the publisher's last writes"
expect "a result table still replicates like a table" \
    "$(pub "SELECT string_agg(format('%s:%s:%s', cid, n, total), ',' ORDER BY cid) FROM pub_totals")" \
    "$(sub "SELECT string_agg(format('%s:%s:%s', cid, n, total), ',' ORDER BY cid) FROM pub_totals")"
expect "the subscription's apply worker is running" "1" \
    "$(sub "SELECT count(*) FROM pg_stat_subscription WHERE subname = 's' AND relid IS NULL AND pid IS NOT NULL")"

PGOPTIONS='-c client_min_messages=warning' sub "DROP SUBSCRIPTION IF EXISTS s2" >/dev/null
PGOPTIONS='-c client_min_messages=warning' sub "DROP SUBSCRIPTION s" >/dev/null
finish
