#!/usr/bin/env bash
# test/crash.sh — stepping views after a server crash (immediate shutdown).
#
#   bash test/crash.sh
#
# Needs the ambient libpq environment of a throwaway cluster (PGHOST, PGPORT,
# PGUSER = superuser), and its data directory and log file: STEPPING_PG_DATA
# and STEPPING_PG_LOG (scripts/test.sh exports them from scripts/lib.sh's
# PG_DATA / PG_LOG); without them, `SHOW data_directory` and <data>/../server.log.
# THE SERVER IS STOPPED WITH `pg_ctl -m immediate` AND STARTED AGAIN: run this
# after every other suite that uses the cluster, never against a real server.
#
# Before the crash:
#   - views of every kind (grouped, keyed bag, keyless bag, DISTINCT, global
#     aggregate, join, a slow view) over logged tables, and a grouped view and
#     a global aggregate over an UNLOGGED table;
#   - committed transactions (several statements, savepoints, TRUNCATE);
#   - two prepared transactions (committed / rolled back after the restart).
# At the moment of the crash, still running:
#   - session "crash_open":   a big uncommitted transaction (work_mem 64kB,
#                             so captured deltas spill to temp files), idle in pg_sleep;
#   - session "crash_mid":    a long INSERT ... SELECT whose row trigger sleeps,
#                             killed in the middle of the statement;
#   - session "crash_maint":  an INSERT killed while maintenance runs (the view's
#                             IMMUTABLE function sleeps).
# After the restart: committed rows are there, uncommitted ones are not, every
# view passes stepping.check_view, COMMIT/ROLLBACK PREPARED are maintained
# correctly, and new DML is maintained.  Prints "FAIL: ..." per failed check
# and "crash: N checks, N failed"; exit 1 if any failed.
set -u

BINDIR="$(${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config} --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)"
PSQL="$BINDIR/psql"
[ -x "$PSQL" ] || PSQL=psql
DB=stepping_crash
CHECKS=0
FAILS=0
ok()   { CHECKS=$((CHECKS + 1)); echo "ok: $*"; }
fail() { CHECKS=$((CHECKS + 1)); FAILS=$((FAILS + 1)); echo "FAIL: $*"; }
q()    { "$PSQL" -X -q -At -v ON_ERROR_STOP=1 -d "$DB" -c "$1" 2>&1; }
run()  { "$PSQL" -X -q -v ON_ERROR_STOP=1 -d "$DB" "$@" 2>&1; }
finish() {
    echo "crash: $CHECKS checks, $FAILS failed"
    [ "$FAILS" -eq 0 ] && exit 0
    exit 1
}

PG_DATA_DIR="${STEPPING_PG_DATA:-}"
[ -n "$PG_DATA_DIR" ] || PG_DATA_DIR="$("$PSQL" -X -At -d postgres -c 'SHOW data_directory' 2>/dev/null)"
PG_LOG_FILE="${STEPPING_PG_LOG:-$(dirname "$PG_DATA_DIR")/server.log}"
if [ -z "$PG_DATA_DIR" ] || [ ! -f "$PG_DATA_DIR/PG_VERSION" ]; then
    fail "cannot find the cluster's data directory (STEPPING_PG_DATA='${STEPPING_PG_DATA:-}')"
    finish
fi
if [ "$(id -u)" -eq 0 ]; then
    as_pg() { (cd "$PG_DATA_DIR/.." && runuser -u postgres -- "$@"); }
else
    as_pg() { (cd "$PG_DATA_DIR/.." && "$@"); }
fi
# the restarted postmaster gets a session of its own, so that it does not
# belong to the process group of whoever runs this script
pg_start() {
    as_pg setsid -w "$BINDIR/pg_ctl" -D "$PG_DATA_DIR" -l "$PG_LOG_FILE" -w -t 120 \
        -o "-p $PGPORT" start >/dev/null 2>&1 </dev/null
}

"$PSQL" -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1
"$PSQL" -X -q -d postgres -c "CREATE DATABASE $DB" || { fail "cannot create $DB"; finish; }

# ---------------------------------------------------------------------------
# views and committed work
# ---------------------------------------------------------------------------
if ! out=$(run <<'SQL'
CREATE EXTENSION stepping;
CREATE TABLE orders (id int PRIMARY KEY, cust int, amount numeric(10,2), w float8, tag text);
CREATE INDEX ON orders (cust);
CREATE TABLE custs (cust int PRIMARY KEY, region text);
CREATE TABLE events (kind text, n int);                       -- no key
CREATE TABLE slow_src (id int, v int);
CREATE TABLE fast (id int PRIMARY KEY, g int, v int);          -- (unlogged base tables are refused)
CREATE TABLE pt1 (id int PRIMARY KEY, g int, v int);          -- prepared transactions only
CREATE TABLE pt2 (id int PRIMARY KEY, cust int, v int);

CREATE FUNCTION crash_slow(v int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF v < 0 THEN PERFORM pg_sleep(0.2); END IF;
    RETURN v;
END $$;
CREATE FUNCTION crash_sleepy_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.tag = 'sleepy' THEN PERFORM pg_sleep(0.2); END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER sleepy BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION crash_sleepy_row();

INSERT INTO custs SELECT i, 'r' || (i % 4) FROM generate_series(1, 100) i;
INSERT INTO orders SELECT i, 1 + i % 100, i % 97 + 0.25, i * 0.5, 't' || (i % 5) FROM generate_series(1, 2000) i;
INSERT INTO events SELECT (ARRAY['a','b','c'])[1 + i % 3], i % 5 FROM generate_series(1, 300) i;
INSERT INTO slow_src SELECT i, i FROM generate_series(1, 10) i;
INSERT INTO fast SELECT i, i % 3, i FROM generate_series(1, 30) i;
INSERT INTO pt1 SELECT i, i % 4, i FROM generate_series(1, 40) i;
INSERT INTO pt2 SELECT i, 1 + i % 100, i FROM generate_series(1, 200) i;

SELECT stepping.create_view('v_grp', 'SELECT cust, count(*) AS n, sum(amount) AS s, avg(w) AS aw FROM orders GROUP BY cust');
SELECT stepping.create_view('v_bag_key', 'SELECT id, amount * 2 AS a2, tag FROM orders WHERE amount > 10');
SELECT stepping.create_view('v_bag', 'SELECT kind, n FROM events WHERE n > 0');
SELECT stepping.create_view('v_distinct', 'SELECT DISTINCT tag FROM orders');
SELECT stepping.create_view('v_global', 'SELECT count(*) AS n, sum(amount) AS s FROM orders');
SELECT stepping.create_view('v_join', 'SELECT c.region, count(*) AS n, sum(o.amount) AS s FROM orders o JOIN custs c ON c.cust = o.cust GROUP BY c.region');
SELECT stepping.create_view('v_slow', 'SELECT id, crash_slow(v) AS v FROM slow_src');
SELECT stepping.create_view('v_fast', 'SELECT g, count(*) AS n, sum(v) AS s FROM fast GROUP BY g');
SELECT stepping.create_view('v_fast_all', 'SELECT count(*) AS n, sum(v) AS s FROM fast');
SELECT stepping.create_view('v_pt1', 'SELECT g, count(*) AS n, sum(v) AS s FROM pt1 GROUP BY g');
SELECT stepping.create_view('v_pt1_all', 'SELECT count(*) AS n, sum(v) AS s FROM pt1');
SELECT stepping.create_view('v_pt2_join', 'SELECT c.region, count(*) AS n, sum(p.v) AS s FROM pt2 p JOIN custs c USING (cust) GROUP BY c.region');

-- committed work, in several transactions
BEGIN;
INSERT INTO orders SELECT i, 1 + i % 100, 5.5, 1.0, 'c' FROM generate_series(2001, 2500) i;
SAVEPOINT a;
DELETE FROM orders WHERE id <= 100;
ROLLBACK TO SAVEPOINT a;
UPDATE orders SET amount = amount + 1 WHERE id % 10 = 0;
COMMIT;
DELETE FROM orders WHERE id % 13 = 0;
UPDATE custs SET region = 'moved' WHERE cust % 10 = 0;
BEGIN;
TRUNCATE events;
INSERT INTO events SELECT (ARRAY['x','y'])[1 + i % 2], i % 4 FROM generate_series(1, 100) i;
COMMIT;
INSERT INTO fast SELECT i, i % 3, i FROM generate_series(31, 40) i;
-- prepared transactions: one committed, one rolled back after the restart
-- (on tables of their own: they keep the views' rows locked until then)
BEGIN;
INSERT INTO pt1 SELECT i, i % 4, i FROM generate_series(101, 150) i;
DELETE FROM pt1 WHERE id % 5 = 0;
PREPARE TRANSACTION 'crash_commit_me';
BEGIN;
UPDATE pt2 SET v = 0 WHERE id <= 100;
INSERT INTO pt2 SELECT i, 1 + i % 100, i FROM generate_series(1001, 1100) i;
PREPARE TRANSACTION 'crash_rollback_me';
SQL
); then
    echo "$out"
    fail "setup"
    finish
fi

views() { q "SELECT name::text FROM stepping.views ORDER BY 1"; }
check_all() {
    local label="$1" v out bad=0 n=0
    while IFS= read -r v; do
        [ -n "$v" ] || continue
        n=$((n + 1))
        out=$(q "SELECT side || ' ' || row_data FROM stepping.check_view('$v')")
        if [ -n "$out" ]; then
            fail "$label: check_view('$v') is not empty:"
            echo "$out" | head -10 | sed 's/^/    /'
            bad=1
        fi
    done < <(views)
    if [ "$n" -ne 12 ]; then fail "$label: $n views in stepping.views, expected 12"; bad=1; fi
    [ "$bad" -eq 0 ] && ok "$label: all $n views exact"
}
check_all "before the crash"

# what committed work left (rows of the prepared transactions are not visible)
# (fast is a regular table: views over unlogged tables are refused)
STATE_SQL="SELECT format('orders=%s/%s custs=%s events=%s slow=%s pt1=%s/%s pt2=%s/%s',
    (SELECT count(*) FROM orders), (SELECT sum(amount) FROM orders), (SELECT count(*) FROM custs),
    (SELECT count(*) FROM events), (SELECT count(*) FROM slow_src),
    (SELECT count(*) FROM pt1), (SELECT sum(v) FROM pt1), (SELECT count(*) FROM pt2), (SELECT sum(v) FROM pt2))"
STATE_BEFORE=$(q "$STATE_SQL")
echo "committed state: $STATE_BEFORE"

# ---------------------------------------------------------------------------
# sessions that are running when the server goes down
# ---------------------------------------------------------------------------
SESS_DIR="$(mktemp -d "${TMPDIR:-/tmp}/stepping-crash.XXXXXX")"
PIDS=()
cleanup_sessions() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
    rm -rf "$SESS_DIR"
}
trap cleanup_sessions EXIT

PGAPPNAME=crash_open "$PSQL" -X -q -d "$DB" >"$SESS_DIR/open.log" 2>&1 <<'SQL' &
SET work_mem = '64kB';
BEGIN;
INSERT INTO orders SELECT i, 1 + i % 100, 1.0, 0.5, 'open' FROM generate_series(100001, 160000) i;
SAVEPOINT s1;
UPDATE orders SET amount = amount * 2 WHERE id <= 1500;
DELETE FROM events WHERE kind = 'y';
INSERT INTO fast SELECT i, i % 3, i FROM generate_series(1001, 5000) i;
SELECT pg_sleep(600);
COMMIT;
SQL
PIDS+=($!)
PGAPPNAME=crash_mid "$PSQL" -X -q -d "$DB" >"$SESS_DIR/mid.log" 2>&1 <<'SQL' &
INSERT INTO orders SELECT i, 1 + i % 100, 3.0, 1.5, 'sleepy' FROM generate_series(200001, 203000) i;
SQL
PIDS+=($!)
PGAPPNAME=crash_maint "$PSQL" -X -q -d "$DB" >"$SESS_DIR/maint.log" 2>&1 <<'SQL' &
INSERT INTO slow_src SELECT i, -i FROM generate_series(1001, 4000) i;
SQL
PIDS+=($!)

# wait until: crash_open sleeps after its writes, crash_mid sleeps in its row
# trigger, crash_maint sleeps inside maintenance (only the view calls pg_sleep)
ready=0
for _ in $(seq 1 300); do
    n=$(q "SELECT count(*) FROM pg_stat_activity
            WHERE application_name IN ('crash_open', 'crash_mid', 'crash_maint')
              AND wait_event = 'PgSleep'")
    if [ "$n" = 3 ]; then ready=1; break; fi
    sleep 0.2
done
if [ "$ready" -eq 1 ]; then
    ok "three sessions are in the middle of their work"
else
    fail "the sessions did not reach their sleeps in 60s:"
    q "SELECT application_name, state, wait_event, left(query, 60) FROM pg_stat_activity WHERE datname = '$DB'" | sed 's/^/    /'
    for f in "$SESS_DIR"/*.log; do sed "s|^|    $(basename "$f"): |" "$f"; done
fi
q "SELECT application_name || ': ' || coalesce(wait_event, '-') || ': ' || left(regexp_replace(query, '\s+', ' ', 'g'), 70)
     FROM pg_stat_activity WHERE application_name LIKE 'crash\_%' ORDER BY 1" | sed 's/^/    /'

# ---------------------------------------------------------------------------
# crash and restart
# ---------------------------------------------------------------------------
if as_pg "$BINDIR/pg_ctl" -D "$PG_DATA_DIR" -m immediate -w -t 60 stop >/dev/null 2>&1; then
    ok "immediate shutdown"
else
    fail "pg_ctl -m immediate stop failed"
fi
for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
PIDS=()
if pg_start; then
    ok "server restarted (crash recovery)"
else
    fail "server did not restart; log tail:"
    tail -n 30 "$PG_LOG_FILE" | sed 's/^/    /'
    finish
fi

# ---------------------------------------------------------------------------
# after the restart
# ---------------------------------------------------------------------------
STATE_AFTER=$(q "$STATE_SQL")
if [ "$STATE_AFTER" = "$STATE_BEFORE" ]; then
    ok "committed rows survived, uncommitted rows are gone ($STATE_AFTER)"
else
    fail "base tables after recovery: $STATE_AFTER, committed state was $STATE_BEFORE"
fi
out=$(q "SELECT string_agg(gid, ',' ORDER BY gid) FROM pg_prepared_xacts WHERE database = '$DB'")
[ "$out" = "crash_commit_me,crash_rollback_me" ] && ok "prepared transactions survived" \
    || fail "prepared transactions after recovery: '$out'"
check_all "after recovery"

out=$(q "COMMIT PREPARED 'crash_commit_me'")
[ -z "$out" ] && ok "COMMIT PREPARED" || fail "COMMIT PREPARED: $out"
check_all "after COMMIT PREPARED"
out=$(q "ROLLBACK PREPARED 'crash_rollback_me'")
[ -z "$out" ] && ok "ROLLBACK PREPARED" || fail "ROLLBACK PREPARED: $out"
check_all "after ROLLBACK PREPARED"

out=$(q "SELECT format('%s/%s/%s/%s', (SELECT count(*) FROM pt1), (SELECT count(*) FROM pt2),
           (SELECT count(*) FROM pt2 WHERE v = 0), (SELECT count(*) FROM orders WHERE tag IN ('open', 'sleepy')))")
[ "$out" = "72/200/0/0" ] && ok "prepared rows committed / rolled back, crashed rows absent" \
    || fail "pt1 rows / pt2 rows / pt2 zeroed / orders of crashed sessions: $out, expected 72/200/0/0"
out=$(q "SELECT count(*) FROM fast")
echo "    (the table fast has $out rows after recovery)"

# new work is maintained
if out=$(run <<'SQL'
INSERT INTO orders SELECT i, 1 + i % 100, 2.5, 3.0, 'after' FROM generate_series(300001, 301000) i;
UPDATE orders SET cust = cust % 50 + 1 WHERE id % 7 = 0;
DELETE FROM orders WHERE id % 17 = 0;
INSERT INTO events SELECT 'z', i % 3 FROM generate_series(1, 50) i;
DELETE FROM events WHERE kind = 'y' AND n = 2;
INSERT INTO slow_src SELECT i, i FROM generate_series(20, 40) i;
INSERT INTO fast SELECT i, i % 3, i FROM generate_series(41, 60) i;
UPDATE fast SET v = v + 1;
DELETE FROM fast WHERE id % 4 = 0;
UPDATE custs SET region = 'back' WHERE cust % 7 = 0;
SQL
); then ok "DML after recovery"; else fail "DML after recovery: $out"; fi
check_all "after more DML"

cleanup_sessions
trap - EXIT
"$PSQL" -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1
finish
