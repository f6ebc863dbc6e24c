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
# The logical replication apply worker fires no statement triggers, so views
# over a table a subscription writes into would go stale silently.  Until
# stepping captures replicated rows, it says so:
#   - create_view over a table a subscription replicates into is refused (0A000);
#   - CREATE SUBSCRIPTION / ALTER SUBSCRIPTION ... REFRESH PUBLICATION that
#     makes a subscription write into a base table of a view warns, naming
#     the view;
#   - a publisher's own views keep working, and their result tables replicate
#     like any table (REPLICA IDENTITY FULL).
# Prints "ok: ..." / "FAIL: ..." per check and "logical_replication: N checks,
# N failed"; exit 1 if any failed.
set -u

BINDIR="$(${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config} --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)"
PSQL="$BINDIR/psql"
DB=stepping_logrep
CHECKS=0
FAILS=0
ok()   { CHECKS=$((CHECKS + 1)); echo "ok: $*"; }
fail() { CHECKS=$((CHECKS + 1)); FAILS=$((FAILS + 1)); echo "FAIL: $*"; }
sub()  { "$PSQL" -X -q -At -v ON_ERROR_STOP=1 -d "$DB" -c "$1" 2>&1; }
pub()  { "$PSQL" -X -q -At -v ON_ERROR_STOP=1 -h "$PUBDIR" -p "$PUBPORT" -U postgres -d postgres -c "$1" 2>&1; }
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

as_pg "$BINDIR/initdb" -D "$PUBDIR/data" -U postgres --auth=trust --no-sync >"$PUBDIR/initdb.log" 2>&1 \
    || { cat "$PUBDIR/initdb.log"; fail "initdb of the publisher"; finish; }
PUBPORT=$(( 20000 + RANDOM % 40000 ))
cat >>"$PUBDIR/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$PUBDIR'
port = $PUBPORT
wal_level = logical
fsync = off
CONF
as_pg "$BINDIR/pg_ctl" -D "$PUBDIR/data" -l "$PUBDIR/server.log" -w start >/dev/null \
    || { tail -20 "$PUBDIR/server.log"; fail "start of the publisher"; finish; }

pub "CREATE EXTENSION stepping;
     CREATE TABLE orders (id int PRIMARY KEY, cid int, amt numeric(10,2));
     CREATE TABLE other (id int PRIMARY KEY, v int);
     SELECT stepping.create_view('pub_totals', 'SELECT cid, count(*) AS n, sum(amt) AS total FROM orders GROUP BY cid');
     CREATE PUBLICATION p FOR TABLE orders, pub_totals;
     CREATE PUBLICATION p2 FOR TABLE other;
     INSERT INTO orders SELECT i, i % 3, i * 1.5 FROM generate_series(1, 30) i;" >/dev/null \
    || { fail "publisher setup"; finish; }

"$PSQL" -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1
"$PSQL" -X -q -d postgres -c "CREATE DATABASE $DB" >/dev/null || { fail "create database $DB"; finish; }
sub "CREATE EXTENSION stepping;
     CREATE TABLE orders (id int PRIMARY KEY, cid int, amt numeric(10,2));
     CREATE TABLE other (id int PRIMARY KEY, v int);
     CREATE TABLE pub_totals (cid int, n bigint, total numeric, __stepping_count bigint, __stepping_agg_1 bigint,
                              __stepping_agg_2 numeric, __stepping_nn_2 bigint, __stepping_msc_2 bigint);
     SELECT stepping.create_view('other_view', 'SELECT v, count(*) AS n FROM other GROUP BY v');" >/dev/null \
    || { fail "subscriber setup"; finish; }

conn="host=$PUBDIR port=$PUBPORT dbname=postgres user=postgres"
out="$(PGOPTIONS='-c client_min_messages=warning' sub "CREATE SUBSCRIPTION s CONNECTION '$conn' PUBLICATION p")"
expect "CREATE SUBSCRIPTION into tables without views: no warning" "" "$out"

# wait for the initial copy
for _ in $(seq 1 120); do
    n="$(sub "SELECT count(*) FROM pg_subscription_rel WHERE srsubstate <> 'r'")"
    [ "$n" = "0" ] && break
    sleep 0.5
done
expect "initial sync" "30" "$(sub "SELECT count(*) FROM orders")"
expect "a result table replicates like a table" \
    "$(pub "SELECT string_agg(format('%s:%s:%s', cid, n, total), ',' ORDER BY cid) FROM pub_totals")" \
    "$(sub "SELECT string_agg(format('%s:%s:%s', cid, n, total), ',' ORDER BY cid) FROM pub_totals")"

# a view over a table a subscription writes into: refused
before="$(sub "SELECT count(*) FROM stepping.catalog")"
out="$(sub "SELECT stepping.create_view('sub_totals', 'SELECT cid, count(*) AS n FROM orders GROUP BY cid')" 2>&1)"
expect_match "create_view over a subscribed table is refused" "cannot maintain a query over table \"orders\", which a subscription replicates into" "$out"
expect "nothing left behind" "$before" "$(sub "SELECT count(*) FROM stepping.catalog")"
out="$(sub "SELECT stepping.create_view('sub_join', 'SELECT o.id, x.v FROM other x JOIN orders o ON o.id = x.id')" 2>&1)"
expect_match "a join reading a subscribed table is refused" "which a subscription replicates into" "$out"

# a subscription that starts writing into a base table of a view: a warning naming it
out="$(PGOPTIONS='-c client_min_messages=warning' sub "CREATE SUBSCRIPTION s2 CONNECTION '$conn' PUBLICATION p2" 2>&1)"
expect_match "CREATE SUBSCRIPTION into a base table of a view warns" "WARNING: +subscription \"s2\" replicates into table \"public.other\", which stepping views read" "$out"
PGOPTIONS='-c client_min_messages=warning' sub "DROP SUBSCRIPTION s2" >/dev/null
out="$(PGOPTIONS='-c client_min_messages=warning' sub "ALTER SUBSCRIPTION s ADD PUBLICATION p2")"
expect_match "ALTER SUBSCRIPTION ... ADD PUBLICATION warns about the view" "WARNING: .*other_view" "$out"

# the publisher's own view stays exact under its writes
pub "UPDATE orders SET amt = amt + 1 WHERE id % 4 = 0; DELETE FROM orders WHERE id % 7 = 0; INSERT INTO orders VALUES (100, 1, 3.25);" >/dev/null
expect "publisher view exact" "0" "$(pub "SELECT count(*) FROM stepping.check_view('pub_totals')")"

PGOPTIONS='-c client_min_messages=warning' sub "DROP SUBSCRIPTION s" >/dev/null
finish
