#!/usr/bin/env bash
# test/dump_restore.sh — stepping views survive pg_dump / restore.
#
#   bash test/dump_restore.sh
#
# Uses the ambient libpq environment (PGHOST, PGPORT, PGUSER: a superuser of a
# throwaway cluster, as scripts/test.sh sets it).  Creates the database
# stepping_dr_src with views of every kind (grouped, join, bag, DISTINCT,
# global aggregate, in another schema, with quoted mixed-case names), dumps it
# with pg_dump in custom and plain formats, restores each into a new database
# (pg_restore, pg_restore -j 2, psql -f), and in every restored database checks:
#   - the restore itself reported no error;
#   - stepping.views lists the same views, and every one is exact
#     (stepping.check_view empty) right after the restore;
#   - DML of every kind (INSERT, UPDATE, DELETE, MERGE, COPY, TRUNCATE) on
#     the base tables is still maintained: check_view empty afterwards, and
#     the result tables equal those of the source database after the same DML;
#   - result tables still refuse direct writes (SQLSTATE 55000);
#   - DDL protection survives: changing the type of a column a view reads is
#     refused, and DROP TABLE of a base table without CASCADE is refused;
#   - stepping.explain_view / refresh_view / drop_view / create_view work.
# Every failed check prints "FAIL: <what>" with the evidence; the script ends
# with "dump_restore: N checks, N failed" and exits 1 if any failed.
set -u

BINDIR="$(${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config} --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)"
PSQL="$BINDIR/psql"
PG_DUMP="$BINDIR/pg_dump"
PG_RESTORE="$BINDIR/pg_restore"
[ -x "$PSQL" ] || PSQL=psql
[ -x "$PG_DUMP" ] || PG_DUMP=pg_dump
[ -x "$PG_RESTORE" ] || PG_RESTORE=pg_restore

WORK="$(mktemp -d "${TMPDIR:-/tmp}/stepping-dr.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
chmod 755 "$WORK"

SRC=stepping_dr_src
CHECKS=0
FAILS=0
ok()   { CHECKS=$((CHECKS + 1)); echo "ok: $*"; }
fail() { CHECKS=$((CHECKS + 1)); FAILS=$((FAILS + 1)); echo "FAIL: $*"; }

# q DB SQL — one value, unaligned; stderr merged so failures show
q()  { "$PSQL" -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2" 2>&1; }
# run DB FILE/STDIN — a script, stopping at the first error
run() { "$PSQL" -X -q -v ON_ERROR_STOP=1 -d "$1" "${@:2}" 2>&1; }

for db in "$SRC" stepping_dr_custom stepping_dr_parallel stepping_dr_plain; do
    "$PSQL" -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
done
"$PSQL" -X -q -d postgres -c "DROP ROLE IF EXISTS stepping_dr_owner" >/dev/null 2>&1
"$PSQL" -X -q -d postgres -c "CREATE DATABASE $SRC" || { echo "FAIL: cannot create $SRC"; exit 1; }

# ---------------------------------------------------------------------------
# source database
# ---------------------------------------------------------------------------
if ! out=$(run "$SRC" <<'SQL'
CREATE EXTENSION stepping;
CREATE ROLE stepping_dr_owner;
CREATE SCHEMA "Sales Data";
CREATE SCHEMA reports AUTHORIZATION stepping_dr_owner;
GRANT USAGE ON SCHEMA "Sales Data" TO stepping_dr_owner;

CREATE TYPE "Sales Data".mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN "Sales Data".posint AS int CHECK (VALUE > 0);
CREATE FUNCTION "Sales Data".bucket(numeric) RETURNS int
    LANGUAGE sql IMMUTABLE AS 'SELECT ($1 / 10)::int';

CREATE TABLE "Sales Data"."Customers" (
    "CustId" int PRIMARY KEY, "Region" text NOT NULL, mood "Sales Data".mood);
CREATE TABLE "Sales Data"."Orders" (
    id bigserial PRIMARY KEY, "CustId" int REFERENCES "Sales Data"."Customers",
    amount numeric(12,2), qty "Sales Data".posint, weight float8, note text);
CREATE INDEX ON "Sales Data"."Orders" ("CustId");
CREATE TABLE public.events (kind text, n int, at_day int);   -- no primary key
CREATE TABLE public.scratch (k int PRIMARY KEY, v int);
CREATE TABLE public.docs (id int, body text);                 -- long, compressed values

INSERT INTO "Sales Data"."Customers"
SELECT i, CASE i % 3 WHEN 0 THEN 'North' WHEN 1 THEN 'South' ELSE 'East "quoted"' END,
       (ARRAY['sad','ok','happy'])[1 + i % 3]::"Sales Data".mood
  FROM generate_series(1, 30) i;
INSERT INTO "Sales Data"."Orders" ("CustId", amount, qty, weight, note)
SELECT 1 + i % 30, (i * 7 % 1000) / 10.0, 1 + i % 5, i * 0.5, CASE WHEN i % 4 = 0 THEN NULL ELSE 'n' || i END
  FROM generate_series(1, 500) i;
INSERT INTO public.events SELECT (ARRAY['a','b','c',NULL])[1 + i % 4], i % 7, i % 10 FROM generate_series(1, 300) i;
INSERT INTO public.scratch SELECT i, i * i FROM generate_series(1, 50) i;
INSERT INTO public.docs SELECT i, repeat('lorem ipsum ' || i, 200 + i) FROM generate_series(1, 20) i;
-- the owner of reports.by_region reads its base tables (maintenance runs as the owner)
GRANT SELECT ON ALL TABLES IN SCHEMA "Sales Data" TO stepping_dr_owner;

-- grouped, with avg/sum over numeric and float, in a quoted schema, quoted name
SELECT stepping.create_view('"Sales Data"."Per Customer"',
  $$SELECT "CustId", count(*) AS "N", sum(amount) AS total, avg(amount) AS mean,
           sum(weight) AS w, count(note) AS notes
      FROM "Sales Data"."Orders" GROUP BY "CustId"$$);
-- join under GROUP BY, in another schema owned by another role
SELECT stepping.create_view('reports.by_region',
  $$SELECT c."Region", c.mood, count(*) AS orders, sum(o.amount) AS total, sum(o.qty) AS qty
      FROM "Sales Data"."Orders" o JOIN "Sales Data"."Customers" c ON c."CustId" = o."CustId"
     GROUP BY c."Region", c.mood$$);
ALTER TABLE reports.by_region OWNER TO stepping_dr_owner;
-- join as a bag (carries the orders' primary key)
SELECT stepping.create_view('reports."OrderLines"',
  $$SELECT o.id, c."Region", o.amount * 2 AS double_amount, "Sales Data".bucket(o.amount) AS bucket
      FROM "Sales Data"."Orders" o JOIN "Sales Data"."Customers" c USING ("CustId")
     WHERE o.amount > 10$$);
-- bag without a key (duplicates)
SELECT stepping.create_view('public.event_bag', $$SELECT kind, n FROM public.events WHERE n > 2$$);
-- DISTINCT
SELECT stepping.create_view('public."Distinct Kinds"', $$SELECT DISTINCT kind, at_day % 3 AS d3 FROM public.events$$);
-- global aggregate
SELECT stepping.create_view('public.totals',
  $$SELECT count(*) AS n, sum(amount) AS amount, avg(weight) AS w, sum(qty) AS q FROM "Sales Data"."Orders"$$);
-- GROUP BY expression over an unlogged table
SELECT stepping.create_view('public.scratch_groups',
  $$SELECT k % 5 AS bucket, count(*) AS n, sum(v) AS s FROM public.scratch GROUP BY k % 5$$);
-- bag without a key, over computed numeric and float values (deletes find rows
-- by the binary image of the values: restored rows must still match)
SELECT stepping.create_view('public.amounts_bag',
  $$SELECT "CustId", amount * 3 AS a3, weight / 3 AS w3, note FROM "Sales Data"."Orders"$$);
-- bag without a key, over long (TOASTed, compressed) text
SELECT stepping.create_view('public.docs_bag', $$SELECT body, length(body) AS len FROM public.docs$$);
-- a view over another stepping view
SELECT stepping.create_view('public."Region Totals"',
  $$SELECT "Region", sum(orders) AS orders, sum(total) AS total FROM reports.by_region GROUP BY "Region"$$);
-- a subquery in FROM and a WITH query (internal views), and a UNION ALL
SELECT stepping.create_view('public.busy_kinds',
  $$SELECT s.kind, s.n FROM (SELECT kind, count(*) AS n FROM public.events GROUP BY kind) s WHERE s.n > 10$$);
SELECT stepping.create_view('reports.big_customers',
  $$WITH c AS (SELECT "CustId", sum(amount) AS spent FROM "Sales Data"."Orders" GROUP BY "CustId")
    SELECT c."CustId", c.spent, k."Region" FROM c JOIN "Sales Data"."Customers" k USING ("CustId") WHERE c.spent > 100$$);
SELECT stepping.create_view('public.all_labels',
  $$SELECT kind AS label FROM public.events UNION ALL SELECT note FROM "Sales Data"."Orders" WHERE note LIKE 'n1%'$$);
-- outer joins, subquery predicates, scalar subqueries (an internal grouped
-- view looked up by key), INTERSECT ALL (internal count view + generate_series)
SELECT stepping.create_view('reports.customer_orders',
  $$SELECT c."CustId", count(o.id) AS orders, max(o.amount) AS biggest
      FROM "Sales Data"."Customers" c LEFT JOIN "Sales Data"."Orders" o ON o."CustId" = c."CustId" AND o.note IS NOT NULL
     GROUP BY c."CustId"$$);
SELECT stepping.create_view('public.quiet_customers',
  $$SELECT c."CustId", c."Region" FROM "Sales Data"."Customers" c
     WHERE NOT EXISTS (SELECT 1 FROM "Sales Data"."Orders" o WHERE o."CustId" = c."CustId" AND o.amount > 90)
       AND c."CustId" NOT IN (SELECT n FROM public.events WHERE n IS NOT NULL)$$);
SELECT stepping.create_view('public.customer_spend',
  $$SELECT c."CustId", (SELECT count(*) FROM "Sales Data"."Orders" o WHERE o."CustId" = c."CustId") AS n,
           (SELECT sum(o.amount) FROM "Sales Data"."Orders" o WHERE o."CustId" = c."CustId") AS spent
      FROM "Sales Data"."Customers" c$$);
SELECT stepping.create_view('public.common_days',
  $$SELECT n FROM public.events INTERSECT ALL SELECT at_day FROM public.events$$);
SELECT stepping.create_view('reports."Top Spenders"',
  $$SELECT c."CustId", c."Region" FROM "Sales Data"."Customers" c JOIN "Sales Data"."Orders" o ON o."CustId" = c."CustId"
     GROUP BY c."CustId", c."Region" ORDER BY sum(o.amount) DESC NULLS LAST, c."CustId" LIMIT 3$$);
SELECT stepping.create_view('public.latest_events',
  $$SELECT kind, n FROM public.events ORDER BY at_day DESC, n LIMIT 4 OFFSET 1$$);
SELECT stepping.create_view('public.last_event_per_kind',
  $$SELECT DISTINCT ON (kind) kind, n, at_day FROM public.events ORDER BY kind, at_day DESC$$);
SELECT stepping.create_view('public.event_ranks',
  $$SELECT kind, n, rank() OVER (PARTITION BY kind ORDER BY n DESC) AS r,
           sum(n) OVER (PARTITION BY kind ORDER BY at_day, n ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS pair
      FROM public.events$$);
SELECT stepping.create_view('reports."Region Places"',
  $$SELECT c."Region", sum(o.amount) AS total, dense_rank() OVER (ORDER BY sum(o.amount) DESC NULLS LAST) AS place
      FROM "Sales Data"."Customers" c JOIN "Sales Data"."Orders" o ON o."CustId" = c."CustId" GROUP BY c."Region"$$);
SELECT stepping.create_view('reports."Best Orders"',
  $$SELECT c."CustId", b.id, b.amount FROM "Sales Data"."Customers" c
      LEFT JOIN LATERAL (SELECT o.id, o.amount FROM "Sales Data"."Orders" o WHERE o."CustId" = c."CustId"
                          ORDER BY o.amount DESC, o.id LIMIT 2) b ON true$$);
SELECT stepping.create_view('public.running_events',
  $$SELECT kind, n, at_day, sum(n) OVER (PARTITION BY kind ORDER BY at_day) AS running,
           count(*) OVER (PARTITION BY kind ORDER BY at_day) AS k FROM public.events$$);
SELECT stepping.create_view('public.busiest_days',
  $$SELECT at_day, count(*) AS n FROM public.events GROUP BY at_day ORDER BY count(*) DESC FETCH FIRST 2 ROWS WITH TIES$$);
SQL
); then
    echo "$out"
    echo "FAIL: could not set up the source database"
    exit 1
fi

# The DML every database gets after the restore (and the source, for comparison)
cat >"$WORK/dml.sql" <<'SQL'
\set ON_ERROR_STOP 1
INSERT INTO "Sales Data"."Customers" VALUES (31, 'West', 'happy'), (32, 'North', NULL);
INSERT INTO "Sales Data"."Orders" ("CustId", amount, qty, weight, note)
SELECT 1 + i % 32, i / 3.0, 1 + i % 4, i * 0.25, 'x' || i FROM generate_series(1, 200) i;
UPDATE "Sales Data"."Orders" SET amount = amount + 1.5 WHERE id % 7 = 0;
UPDATE "Sales Data"."Customers" SET "Region" = 'South' WHERE "CustId" IN (3, 6, 31);
DELETE FROM "Sales Data"."Orders" WHERE id % 11 = 0;
MERGE INTO "Sales Data"."Orders" o USING (SELECT generate_series(1, 40) AS id) s ON o.id = s.id
  WHEN MATCHED AND s.id % 2 = 0 THEN UPDATE SET weight = weight * 2
  WHEN MATCHED THEN DELETE;
COPY public.events FROM STDIN;
a	5	1
\N	9	2
d	3	3
d	3	3
\.
DELETE FROM public.events WHERE kind = 'b' AND n = 4;
UPDATE public.events SET n = n + 1 WHERE kind = 'c';
BEGIN;
TRUNCATE public.scratch;
INSERT INTO public.scratch SELECT i, -i FROM generate_series(1, 12) i;
COMMIT;
INSERT INTO public.scratch VALUES (100, 1) ON CONFLICT (k) DO UPDATE SET v = excluded.v;
INSERT INTO public.scratch VALUES (1, 1000) ON CONFLICT (k) DO UPDATE SET v = excluded.v;
DELETE FROM public.docs WHERE id % 3 = 0;
UPDATE public.docs SET body = body || '!' WHERE id % 3 = 1;
INSERT INTO public.docs SELECT id + 100, body FROM public.docs WHERE id < 5;
SQL

VIEWS_SQL="SELECT name::text FROM stepping.views ORDER BY 1"
# all visible columns of every view, as sorted text, for comparing databases
snapshot() {
    local db="$1" v
    while IFS= read -r v; do
        [ -n "$v" ] || continue
        echo "== $v"
        q "$db" "SELECT string_agg(r, E'\n' ORDER BY r) FROM (
                   SELECT format('%s', ROW($(q "$db" "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum)
                        FROM pg_attribute WHERE attrelid = '$v'::regclass AND attnum > 0
                         AND NOT attisdropped AND attname NOT LIKE '\_\_stepping\_%'"))) AS r
                   FROM $v) s"
    done < <(q "$db" "$VIEWS_SQL")
}

# check_all DB LABEL — every view exact
check_all() {
    local db="$1" label="$2" v out bad=0
    while IFS= read -r v; do
        [ -n "$v" ] || continue
        out=$(q "$db" "SELECT side || ' ' || row_data FROM stepping.check_view('$v')")
        if [ -n "$out" ]; then
            fail "$label: check_view('$v') is not empty:"
            echo "$out" | head -20 | sed 's/^/    /'
            bad=1
        fi
    done < <(q "$db" "$VIEWS_SQL")
    [ "$bad" -eq 0 ] && ok "$label: every view exact"
}

check_all "$SRC" "source before dump"
EXPECTED_VIEWS=$(q "$SRC" "$VIEWS_SQL")
NVIEWS=$(echo "$EXPECTED_VIEWS" | grep -c .)
[ "$NVIEWS" -ge 20 ] && ok "source has $NVIEWS views (20 created, and internal ones)" \
    || fail "source has $NVIEWS views, expected at least 20: $EXPECTED_VIEWS"
# stepping's triggers on every table: capture triggers on base tables, guards on result tables
TRIG_SQL="SELECT string_agg(format('%s:%s:%s', t.tgrelid::regclass, t.tgname, t.tgenabled), ' '
                            ORDER BY format('%s:%s:%s', t.tgrelid::regclass, t.tgname, t.tgenabled))
            FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
           WHERE p.pronamespace = 'stepping'::regnamespace"
EXPECTED_TRIGGERS=$(q "$SRC" "$TRIG_SQL")
# pg_depend from result tables to the tables and columns they read
DEPS_SQL="SELECT string_agg(format('%s->%s.%s', d.objid::regclass, d.refobjid::regclass, d.refobjsubid), ' '
                            ORDER BY format('%s->%s.%s', d.objid::regclass, d.refobjid::regclass, d.refobjsubid))
            FROM pg_depend d JOIN stepping.catalog c ON c.view_rel = d.objid
           WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass"
EXPECTED_DEPS=$(q "$SRC" "$DEPS_SQL")
[ -n "$EXPECTED_DEPS" ] && ok "source: result tables depend on their base tables" \
    || fail "source: no pg_depend rows from result tables to base tables"

# ---------------------------------------------------------------------------
# dump
# ---------------------------------------------------------------------------
# pg_dump FORMAT FILE — must succeed without warnings (a warning such as
# "could not resolve dependency loop" means the restore order is a guess)
dump() {
    local out
    if out=$("$PG_DUMP" "-F$1" -f "$2" "$SRC" 2>&1); then
        ok "pg_dump -F$1"
    else
        fail "pg_dump -F$1 failed:"
    fi
    if [ -n "$out" ]; then
        if [[ "$out" == *warning* ]]; then
            fail "pg_dump -F$1 printed warnings:"
        fi
        echo "$out" | head -20 | sed 's/^/    /'
    else
        ok "pg_dump -F$1: no warnings"
    fi
}
dump c "$WORK/src.dump"
dump p "$WORK/src.sql"

# the source after the DML, for comparison
if out=$(run "$SRC" -f "$WORK/dml.sql"); then ok "source: DML"; else fail "source: DML: $out"; fi
check_all "$SRC" "source after DML"
snapshot "$SRC" >"$WORK/src.snapshot"

# ---------------------------------------------------------------------------
# restore + checks
# ---------------------------------------------------------------------------
verify_restored() {
    local db="$1" label="$2" views out st
    views=$(q "$db" "$VIEWS_SQL")
    if [ "$views" = "$EXPECTED_VIEWS" ]; then
        ok "$label: stepping.views lists the same views"
    else
        fail "$label: stepping.views differs: got [$(echo $views)], expected [$(echo $EXPECTED_VIEWS)]"
    fi
    out=$(q "$db" "SELECT count(*) FROM stepping.view_state")
    [ "$out" = "$NVIEWS" ] && ok "$label: stepping.view_state has $NVIEWS rows" \
        || fail "$label: stepping.view_state has '$out' rows, expected $NVIEWS"
    check_all "$db" "$label right after restore"

    out=$(q "$db" "$DEPS_SQL")
    if [ "$out" = "$EXPECTED_DEPS" ]; then
        ok "$label: pg_depend from result tables to what they read is restored"
    else
        fail "$label: pg_depend rows from result tables to the tables/columns they read are not restored:" \
             "got $(grep -o -- "->" <<<"$out" | wc -l) [${out:0:200}], the source had $(grep -o -- "->" <<<"$EXPECTED_DEPS" | wc -l) [${EXPECTED_DEPS:0:200}...]"
    fi

    # capture triggers on base tables and guard triggers on result tables, as in the source
    out=$(q "$db" "$TRIG_SQL")
    if [ "$out" = "$EXPECTED_TRIGGERS" ]; then
        ok "$label: stepping's triggers in place ($(echo "$out" | wc -w) triggers)"
    else
        fail "$label: stepping's triggers differ from the source's:"
        diff <(echo "$EXPECTED_TRIGGERS" | tr ' ' '\n') <(echo "$out" | tr ' ' '\n') | head -20 | sed 's/^/    /'
    fi
    out=$(q "$db" "SELECT count(*) FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
                     WHERE p.proname IN ('capture_before', 'capture_after') AND t.tgenabled <> 'A'")
    [ "$out" = 0 ] && ok "$label: capture triggers are ENABLE ALWAYS" \
        || fail "$label: $out capture triggers are not ENABLE ALWAYS"

    # the circuits compile
    out=$(q "$db" "SELECT count(*) FROM stepping.views v, stepping.explain_view(v.name) e")
    if [[ "$out" =~ ^[0-9]+$ ]] && [ "$out" -gt 0 ]; then ok "$label: explain_view works"; else fail "$label: explain_view: $out"; fi

    # DML is maintained
    if out=$(run "$db" -f "$WORK/dml.sql"); then ok "$label: DML ran"; else fail "$label: DML failed: $out"; fi
    check_all "$db" "$label after DML"
    snapshot "$db" >"$WORK/$db.snapshot"
    if diff -u "$WORK/src.snapshot" "$WORK/$db.snapshot" >"$WORK/$db.diff"; then
        ok "$label: result tables equal the source's after the same DML"
    else
        fail "$label: result tables differ from the source's after the same DML:"
        head -40 "$WORK/$db.diff" | sed 's/^/    /'
    fi

    # result tables still guarded
    st=$(q "$db" "DO \$\$ BEGIN DELETE FROM public.totals; RAISE EXCEPTION 'no error'; EXCEPTION WHEN others THEN RAISE NOTICE 'state=%', SQLSTATE; END \$\$" | sed -n 's/.*state=//p')
    [ "$st" = "55000" ] && ok "$label: direct writes to a result table refused" \
        || fail "$label: DELETE FROM a result table gave SQLSTATE '$st', expected 55000"

    # DDL protection: a column a view reads cannot change type; a base table cannot be dropped without CASCADE
    out=$(q "$db" "BEGIN; ALTER TABLE \"Sales Data\".\"Orders\" ALTER COLUMN amount TYPE numeric(14,2); ROLLBACK")
    if [[ "$out" == *ERROR* ]]; then
        ok "$label: ALTER COLUMN TYPE of a read column refused"
    else
        fail "$label: ALTER COLUMN TYPE of a column views read was accepted (pg_depend not restored?)"
    fi
    out=$(q "$db" "BEGIN; DROP TABLE public.events; SELECT count(*) FROM stepping.catalog WHERE view_rel::text IN ('event_bag', '\"Distinct Kinds\"'); ROLLBACK")
    if [[ "$out" == *ERROR*depend* ]]; then
        ok "$label: DROP TABLE of a base table needs CASCADE"
    else
        fail "$label: DROP TABLE of a base table without CASCADE was accepted (output: $(echo $out))"
    fi

    # the API still works
    out=$(run "$db" <<'SQL'
SELECT stepping.refresh_view('"Sales Data"."Per Customer"');
SELECT stepping.drop_view('public.scratch_groups');
SELECT stepping.create_view('public.scratch_groups',
  $$SELECT k % 5 AS bucket, count(*) AS n, sum(v) AS s FROM public.scratch GROUP BY k % 5$$);
INSERT INTO public.scratch VALUES (200, 2), (201, 3);
SQL
)
    if [ $? -eq 0 ]; then ok "$label: refresh_view, drop_view, create_view"; else fail "$label: API: $out"; fi
    check_all "$db" "$label at the end"
}

# custom format, pg_restore
"$PSQL" -X -q -d postgres -c "CREATE DATABASE stepping_dr_custom"
if out=$("$PG_RESTORE" --exit-on-error -d stepping_dr_custom "$WORK/src.dump" 2>&1); then
    ok "pg_restore (custom format)"
else
    fail "pg_restore (custom format) failed:"
    echo "$out" | head -20 | sed 's/^/    /'
fi
verify_restored stepping_dr_custom "custom"

# custom format, parallel pg_restore
"$PSQL" -X -q -d postgres -c "CREATE DATABASE stepping_dr_parallel"
if out=$("$PG_RESTORE" -j 2 -d stepping_dr_parallel "$WORK/src.dump" 2>&1); then
    ok "pg_restore -j 2 (custom format)"
else
    fail "pg_restore -j 2 (custom format) failed:"
    echo "$out" | head -20 | sed 's/^/    /'
fi
verify_restored stepping_dr_parallel "parallel"

# plain format, psql
"$PSQL" -X -q -d postgres -c "CREATE DATABASE stepping_dr_plain"
if out=$("$PSQL" -X -q -v ON_ERROR_STOP=1 -d stepping_dr_plain -f "$WORK/src.sql" 2>&1 >/dev/null); then
    ok "psql -f (plain format)"
else
    fail "psql -f (plain format) failed:"
    echo "$out" | head -20 | sed 's/^/    /'
fi
verify_restored stepping_dr_plain "plain"

# ---------------------------------------------------------------------------
for db in "$SRC" stepping_dr_custom stepping_dr_parallel stepping_dr_plain; do
    "$PSQL" -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
done
"$PSQL" -X -q -d postgres -c "DROP ROLE IF EXISTS stepping_dr_owner" >/dev/null 2>&1
echo "dump_restore: $CHECKS checks, $FAILS failed"
[ "$FAILS" -eq 0 ]
