#!/usr/bin/env bash
# test/hostile/run.sh — hostile inputs for stepping.create_view.
#
#   bash test/hostile/run.sh [--dbname DB] [--only N[,N...]] [--verbose] [--keep]
#
# Uses the ambient libpq environment (PGHOST, PGPORT, PGUSER: a superuser of a
# throwaway cluster).  (Re)creates the database DB (default stepping_hostile),
# loads test/hostile/schema.sql, then tries every item of
#   test/hostile/queries.txt  create_view('hv', <query>)
#   test/hostile/names.txt    create_view(<name>, 'SELECT id, x FROM h_t')
# (format: see the head of queries.txt; <GEN ...> items are generated below),
# each in a psql session of its own:
#   - create_view either succeeds, and then: explain_view works, check_view is
#     empty, random DML over every table (test/hostile/schema.sql: h_dml) plus a
#     few top-level statements keep check_view empty, refresh_view keeps it
#     empty, and drop_view leaves the database as it was;
#   - or it fails with a clear error: a SQLSTATE other than XX000 and a message,
#     leaving nothing behind (h_fingerprint: relations, triggers, stepping's
#     catalog rows, dependencies, types unchanged).
#   [+] items must be created, [!] items must be refused.
# Fails on: a crash (lost connection, "terminated by signal" in the server log
# when STEPPING_PG_LOG names it), XX000 anywhere (create, DML, checks), objects
# left behind (also across sessions: every item starts from the same
# fingerprint), a check_view mismatch, a psql session that hangs (> 180 s), an
# item whose outcome contradicts its tag.
# Prints one line per failure (all outcomes with --verbose, and always in
# tmp_check/hostile/results.txt), counts by outcome and SQLSTATE, and ends
# with "hostile: N items, N created, N refused, N failed"; exit 1 on failure.
set -u

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
BINDIR="$(${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config} --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)"
PSQL="$BINDIR/psql"
[ -x "$PSQL" ] || PSQL=psql

DB=stepping_hostile
ONLY=""
VERBOSE=0
KEEP=0
while [ $# -gt 0 ]; do
    case "$1" in
        --dbname) DB="$2"; shift 2 ;;
        --only) ONLY=",$2,"; shift 2 ;;
        --verbose) VERBOSE=1; shift ;;
        --keep) KEEP=1; shift ;;
        -h|--help) sed -n '2,30p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

OUT="${STEPPING_HOSTILE_OUT:-$root/tmp_check/hostile}"
mkdir -p "$OUT"
RESULTS="$OUT/results.txt"
: >"$RESULTS"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/stepping-hostile.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

LOG_FILE="${STEPPING_PG_LOG:-}"
LOG_START=0
[ -n "$LOG_FILE" ] && [ -f "$LOG_FILE" ] && LOG_START=$(stat -c %s "$LOG_FILE")

q() { "$PSQL" -X -q -At -d "$DB" -c "$1" 2>&1 </dev/null; }

setup_db() {
    "$PSQL" -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1
    "$PSQL" -X -q -d postgres -c "CREATE DATABASE $DB" >/dev/null || return 1
    "$PSQL" -X -q -d "$DB" -v ON_ERROR_STOP=1 -f "$here/schema.sql" >"$WORK/schema.log" 2>&1 || {
        cat "$WORK/schema.log"; return 1; }
    BASE_FP=$(q "SELECT h_fingerprint()")
    [[ "$BASE_FP" =~ ^[0-9a-f]{32}$ ]] || { echo "fingerprint: $BASE_FP"; return 1; }
}
if ! setup_db; then
    echo "FAIL: could not set up database $DB"
    echo "hostile: 0 items, 0 created, 0 refused, 1 failed"
    exit 1
fi

# ---------------------------------------------------------------------------
# generated queries: SQL that returns the query text
# ---------------------------------------------------------------------------
gen_sql() {
    local name="$1" n="${2:-0}"
    case "$name" in
        huge_sum)    echo "SELECT 'SELECT id, ' || string_agg('x', ' + ') || ' AS e FROM h_t' FROM generate_series(1, $n)" ;;
        deep_parens) echo "SELECT 'SELECT id, ' || repeat('(', $n) || 'x' || repeat(')', $n) || ' AS e FROM h_t'" ;;
        huge_case)   echo "SELECT 'SELECT id, CASE ' || string_agg(format('WHEN x = %s THEN ''v%s''', i, i), ' ') || ' ELSE NULL END AS c FROM h_t' FROM generate_series(1, $n) i" ;;
        huge_in)     echo "SELECT 'SELECT id, x FROM h_t WHERE x IN (' || string_agg(i::text, ',') || ')' FROM generate_series(-$n, $n) i" ;;
        many_columns) echo "SELECT 'SELECT id, ' || string_agg(format('x + %s AS c%s', i, i), ', ') || ' FROM h_t' FROM generate_series(1, $n) i" ;;
        many_aggregates) echo "SELECT 'SELECT g, ' || string_agg(format('sum(x + %s) AS s%s', i, i), ', ') || ' FROM h_t GROUP BY g' FROM generate_series(1, $n) i" ;;
        huge_union)  echo "SELECT string_agg(format('SELECT id, x + %s AS x FROM h_t', i), ' UNION ALL ') FROM generate_series(1, $n) i" ;;
        huge_literal) echo "SELECT 'SELECT id, ''' || repeat('a', $n) || ''' AS big FROM h_t'" ;;
        big_group_key) echo "SELECT 'SELECT ''' || string_agg(md5(i::text), '') || ''' || g::text AS k, count(*) AS n FROM h_t GROUP BY 1' FROM generate_series(1, 200) i" ;;
        deep_coalesce) echo "SELECT 'SELECT id, ' || repeat('coalesce(', $n) || 'x' || repeat(', 0)', $n) || ' AS c FROM h_t'" ;;
        many_and)    echo "SELECT 'SELECT id, x FROM h_t WHERE ' || string_agg(format('x <> %s', i), ' AND ') FROM generate_series(1000, 1000 + $n) i" ;;
        self_join)   echo "SELECT 'SELECT t1.id, t1.x FROM h_t t1' || string_agg(format(' JOIN h_t t%s ON t%s.id = t1.id', i, i), '') FROM generate_series(2, $n) i" ;;
        long_alias)  echo "SELECT 'SELECT id, x AS ' || repeat('a', 200) || ' FROM h_t'" ;;
        long_alias_collision) echo "SELECT 'SELECT id, x AS ' || repeat('b', 70) || '1, g AS ' || repeat('b', 70) || '2 FROM h_t'" ;;
        long_quoted_alias) echo "SELECT 'SELECT id, x AS \"' || repeat('ü \"\" ', 40) || '\" FROM h_t'" ;;
        *) return 1 ;;
    esac
}

# ---------------------------------------------------------------------------
# items: kind US tag US setup US text (US = \037), one per line in $WORK/items
# ---------------------------------------------------------------------------
read_items() {
    local kind="$1" file="$2" line tag setup text
    while IFS= read -r line || [ -n "$line" ]; do
        [[ "$line" =~ ^[[:space:]]*# ]] && continue
        [ -z "$line" ] && continue
        tag="*"
        if [[ "$line" == "[+] "* ]]; then tag="+"; line="${line:4}";
        elif [[ "$line" == "[!] "* ]]; then tag="!"; line="${line:4}";
        elif [[ "$line" == "[+]" || "$line" == "[!]" ]]; then tag="${line:1:1}"; line="";
        fi
        setup=""
        if [[ "$line" == *" ||| "* ]]; then setup="${line%% ||| *}"; text="${line#* ||| }"; else text="$line"; fi
        printf '%s\037%s\037%s\037%s\n' "$kind" "$tag" "$setup" "$text"
    done <"$file"
}
{ read_items query "$here/queries.txt"; read_items name "$here/names.txt"; } >"$WORK/items"

N=0; CREATED=0; REFUSED=0; NFAIL=0; NNOTE=0
declare -A BYSTATE=()
declare -a FAIL_LINES=()

record() {   # record <status> <line>
    echo "$2" >>"$RESULTS"
    if [ "$1" = FAIL ]; then
        NFAIL=$((NFAIL + 1))
        FAIL_LINES+=("$2")
        echo "$2"
    elif [ "$VERBOSE" -eq 1 ] || [ "$1" = note ]; then
        echo "$2"
    fi
}

short() { local s="${1//$'\n'/ }"; [ "${#s}" -gt 110 ] && s="${s:0:107}..."; printf '%s' "$s"; }

while IFS=$'\037' read -r -u 3 kind tag setup text; do
    N=$((N + 1))
    if [ -n "$ONLY" ] && [[ "$ONLY" != *",$N,"* ]]; then continue; fi
    qfile="$WORK/q.$N"; nfile="$WORK/n.$N"
    qexpr=":'query'"; nexpr=":'vname'"
    if [ "$kind" = query ]; then
        printf '%s' 'hv' >"$nfile"
        case "$text" in
            "<EMPTY>") : >"$qfile" ;;
            "<NULL>") : >"$qfile"; qexpr="NULL" ;;
            "<GEN "*">")
                g="${text#<GEN }"; g="${g%>}"
                # shellcheck disable=SC2086
                if ! sql=$(gen_sql $g); then record FAIL "[$N] FAIL bad generator: $text"; continue; fi
                q "$sql" >"$qfile.tmp"; printf '%s' "$(cat "$qfile.tmp")" >"$qfile"; rm -f "$qfile.tmp"
                text="$text $(head -c 60 "$qfile")..." ;;
            *) printf '%s' "$text" >"$qfile" ;;
        esac
    else
        printf '%s' 'SELECT id, x FROM h_t' >"$qfile"
        case "$text" in
            "<EMPTY>") : >"$nfile" ;;
            "<NULL>") : >"$nfile"; nexpr="NULL" ;;
            *) printf '%s' "$text" >"$nfile" ;;
        esac
        text="name: $text"
    fi
    seed="0.$(( (N * 7919) % 1000 ))"
    setup_sql="$setup"
    [ -n "$setup_sql" ] && [[ "$setup_sql" != *";" ]] && setup_sql="$setup_sql;"

    cat >"$WORK/s.$N.sql" <<EOF
\\set VERBOSITY verbose
\\pset tuples_only on
\\pset format unaligned
SET statement_timeout = '20s';
SET client_min_messages = notice;
$setup_sql
\\set query \`cat $qfile\`
\\set vname \`cat $nfile\`
SELECT h_fingerprint() AS fp0 \\gset
\\echo @@FP0 :fp0
SELECT stepping.create_view($nexpr, $qexpr) AS v \\gset
\\echo @@CREATE :SQLSTATE
\\if :{?v}
\\echo @@CREATED :v
SELECT count(*) AS nexplain FROM stepping.explain_view(:'v') \\gset
\\echo @@EXPLAIN :SQLSTATE
SELECT count(*) AS m0 FROM stepping.check_view(:'v') \\gset
\\echo @@CHECK0 :SQLSTATE :m0
SELECT h_typed_diff(:'v') AS t0 \\gset
\\echo @@TYPED0 :SQLSTATE :t0
SELECT h_dml($seed) AS dmllog \\gset
\\echo @@DML :SQLSTATE :dmllog
SELECT :'SQLSTATE' = '57014' AS dml_timeout \\gset
\\if :dml_timeout
\\echo @@SKIPPED
\\else
COPY h_nopk FROM STDIN;
1	p	1.5
\\N	\\N	\\N
8	s	NaN
\\.
UPDATE h_t SET x = x WHERE id < 10;
BEGIN;
UPDATE h_t SET g = g + 1 WHERE id < 20;
SAVEPOINT sp;
DELETE FROM h_t WHERE id < 5;
ROLLBACK TO SAVEPOINT sp;
INSERT INTO h_t (id, g, x) VALUES (7001, 1, 1);
COMMIT;
SELECT count(*) AS m1 FROM stepping.check_view(:'v') \\gset
\\echo @@CHECK1 :SQLSTATE :m1
SELECT '@@DIFF ' || side || ' ' || left(row_data, 150) FROM stepping.check_view(:'v') LIMIT 6;
SELECT h_typed_diff(:'v') AS t1 \\gset
\\echo @@TYPED1 :SQLSTATE :t1
SELECT stepping.refresh_view(:'v');
SELECT count(*) AS m2 FROM stepping.check_view(:'v') \\gset
\\echo @@CHECK2 :SQLSTATE :m2
SELECT h_typed_diff(:'v') AS t2 \\gset
\\echo @@TYPED2 :SQLSTATE :t2
\\endif
SELECT stepping.drop_view(:'v');
\\echo @@DROP :SQLSTATE
\\endif
SELECT h_fingerprint() AS fp1 \\gset
\\echo @@FP1 :fp1
\\echo @@END
EOF
    out="$WORK/o.$N"
    timeout --kill-after=10 150 "$PSQL" -X -q -d "$DB" -f "$WORK/s.$N.sql" >"$out" 2>&1 </dev/null
    rc=$?

    problems=()
    notes=()
    fp0=$(sed -n 's/^@@FP0 //p' "$out")
    fp1=$(sed -n 's/^@@FP1 //p' "$out")
    cstate=$(sed -n 's/^@@CREATE //p' "$out")
    created=$(sed -n 's/^@@CREATED //p' "$out")
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then problems+=("psql session hung (killed after 150s)"); fi
    if grep -qE 'server closed the connection|connection to server was lost|terminating connection because of crash|PANIC' "$out"; then
        problems+=("CRASH: lost the connection")
    elif [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && [ "$rc" -ne 137 ]; then
        problems+=("psql exit status $rc")
    fi
    if grep -q 'XX000' "$out"; then problems+=("internal error: $(grep -m1 'XX000' "$out" | cut -c1-160)"); fi
    if ! grep -q '^@@END' "$out"; then problems+=("the session did not reach its end"); fi
    # (a setup may create temporary objects before the fingerprint is taken)
    if [ -z "$setup" ] && [ -n "$fp0" ] && [ "$fp0" != "$BASE_FP" ]; then problems+=("the database was not as the schema left it before this item (the previous item left something behind)"); fi

    if [ -n "$created" ]; then
        outcome="created"
        CREATED=$((CREATED + 1))
        [ "$tag" = "!" ] && problems+=("created, but this query must be refused")
        skipped=0
        grep -q '^@@SKIPPED' "$out" && skipped=1
        for stage in EXPLAIN CHECK0 DML CHECK1 CHECK2 DROP; do
            if [ "$skipped" -eq 1 ] && { [ "$stage" = CHECK1 ] || [ "$stage" = CHECK2 ]; }; then continue; fi
            line=$(sed -n "s/^@@$stage //p" "$out")
            st="${line%% *}"
            if [ "$stage" = DML ] && [ "$st" = "57014" ]; then
                problems+=("writes to the base tables are too slow: random DML ran past statement_timeout (20s)")
                continue
            fi
            if [ "$st" != "00000" ]; then
                problems+=("$stage failed (SQLSTATE ${st:-none}): $(grep -m1 'ERROR:' "$out" | sed -E 's/^psql:[^ ]*: //' | cut -c1-160)")
            fi
            case "$stage" in CHECK0|CHECK1|CHECK2)
                cnt="${line#* }"
                if [ "$st" = "00000" ] && [ "$cnt" != "0" ]; then
                    typed=""
                    typed=$(sed -n "s/^@@TYPED${stage#CHECK} //p" "$out")
                    if [ "$typed" = "00000 0" ]; then
                        notes+=("$stage: check_view differs only in spellings of equal values ($cnt rows): $(grep -m2 '^@@DIFF' "$out" | tr '\n' ' ' | cut -c1-200)")
                    else
                        problems+=("$stage: check_view has $cnt rows: $(grep -m4 '^@@DIFF' "$out" | tr '\n' ' ' | cut -c1-300)")
                    fi
                fi ;;
            esac
            if [ "$stage" = DML ] && [ "$st" = "00000" ]; then
                dmlstates="${line#00000}"
                for s in $dmlstates; do BYSTATE["dml:$s"]=$(( ${BYSTATE["dml:$s"]:-0} + 1 )); done
            fi
        done
        [ "$fp1" = "$fp0" ] || problems+=("create_view + drop_view left something behind (fingerprint changed)")
    else
        if [ "$cstate" = "00000" ]; then
            outcome="null (create_view returned NULL)"
        else
            REFUSED=$((REFUSED + 1))
            msgline=$(grep -m1 -E '^(psql:[^ ]*: )?ERROR:' "$out" | sed -E 's/^psql:[^ ]*: //')
            outcome="refused $cstate: $(short "${msgline#ERROR:  }")"
            BYSTATE["$cstate"]=$(( ${BYSTATE["$cstate"]:-0} + 1 ))
            [ -n "$cstate" ] || problems+=("no SQLSTATE for the refusal")
            [[ "$msgline" =~ ERROR:\ \ [0-9A-Z]{5}:\ .+ ]] || problems+=("no clear error message: '$msgline'")
            [ "$cstate" = "57014" ] && problems+=("create_view ran past statement_timeout (60s)")
        fi
        [ "$tag" = "+" ] && problems+=("refused, but this query must be created")
        [ -n "$fp1" ] && [ "$fp1" != "$fp0" ] && problems+=("the failed create_view left something behind (fingerprint changed)")
    fi

    if [ "${#problems[@]}" -gt 0 ]; then
        record FAIL "[$N] FAIL $(short "$text") :: $outcome :: $(IFS='; '; echo "${problems[*]}")"
        cp "$WORK/s.$N.sql" "$OUT/item$N.sql"; cp "$out" "$OUT/item$N.out"
        # start the next item from a clean database
        if [ -z "$fp1" ] || [ "$fp1" != "$BASE_FP" ] || [ "$(q 'SELECT h_fingerprint()')" != "$BASE_FP" ]; then
            setup_db || { echo "FAIL: could not rebuild $DB"; break; }
        fi
    elif [ "${#notes[@]}" -gt 0 ]; then
        NNOTE=$((NNOTE + 1))
        record note "[$N] NOTE $(short "$text") :: $outcome :: $(IFS='; '; echo "${notes[*]}")"
    else
        record ok "[$N] $(short "$text") :: $outcome"
    fi
    q "SELECT h_reset()" >/dev/null
    rm -f "$qfile" "$nfile"
done 3<"$WORK/items"

if [ -n "$LOG_FILE" ] && [ -f "$LOG_FILE" ]; then
    if tail -c +"$((LOG_START + 1))" "$LOG_FILE" | grep -qE 'terminated by signal|was terminated by exception'; then
        NFAIL=$((NFAIL + 1))
        echo "FAIL: the server log shows a crashed backend:"
        tail -c +"$((LOG_START + 1))" "$LOG_FILE" | grep -E -B2 -A2 'terminated by signal|was terminated by exception' | head -20
    fi
else
    echo "(server log not checked: STEPPING_PG_LOG not set)"
fi

echo
echo "outcomes by SQLSTATE (create_view refusals; dml:X = DML statements refused during maintenance tests):"
for k in "${!BYSTATE[@]}"; do printf '  %-10s %s\n' "$k" "${BYSTATE[$k]}"; done | sort
echo "results of every item: $RESULTS"
[ "$KEEP" -eq 1 ] || "$PSQL" -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1
echo "hostile: $N items, $CREATED created, $REFUSED refused, $NNOTE with spelling-only differences, $NFAIL failed"
[ "$NFAIL" -eq 0 ]
