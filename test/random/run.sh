#!/usr/bin/env bash
# Randomized differential test of stepping views.
#
#   bash test/random/run.sh [--seed N] [--minutes M] [--views V] [--statements S]
#                           [--views-per-round K] [--round R] [--disable f1,f2]
#                           [--apply transaction|statement|mixed]
#                           [--dbname DB] [--keep]
#
# Uses the ambient libpq environment (PGHOST, PGPORT, PGUSER, PGDATABASE);
# (re)creates the scratch database DB (default stepping_random), runs
# CREATE EXTENSION stepping there and loads test/random/oracle.sql and test/random/random.sql.
#
# Rounds: each round creates 1-2 base tables and K (default 10) views over
# them, runs S (default 50) random DML statements per base table, and after
# every statement checks every live view (stepping.check_view must be empty,
# and an independent text-multiset comparison of the result table against
# the query must be empty), then drops everything.  ceil(V / K) rounds
# (default V = 200) are run for --seed N; with --minutes M further rounds
# (new seeds) are run until M minutes have passed.
#
# --round R      run only round R of the seed (to reproduce a failure)
# --sabotage     self-test of the checker: corrupt a result table (bypassing its
#                guard triggers) after a few statements; exits 0 only if the
#                corruption is reported as a mismatch
# --concurrency W  between phase 1 and phase 2 of every round, run W sessions of
#                random transactions (READ COMMITTED, REPEATABLE READ and
#                SERIALIZABLE; --worker-tx N each, default 30) concurrently, then
#                check every view (options.sh run_workers, oracle.sql oracle.worker)
# --apply MODE   stepping.apply of the rounds (default mixed: each round at random
#                'transaction' or 'statement', also switched with SET LOCAL inside
#                transactions; the concurrent workers pick it per transaction).  Used
#                only when the server has the setting (else noted, and every round
#                runs per-statement maintenance).  Transactions of 2-6 statements read
#                result tables between statements (none, some views in one of several
#                forms - plain, cursor, subquery, another view first, COPY TO - or
#                all), also inside savepoints before ROLLBACK TO; each read compares
#                the result table with the query in the same query, so pending
#                changes must be applied by the read itself
# --disable LIST skip features, to look for bugs behind a known one:
#                 mixed (mixed-scale numeric values in g), float, float4, numeric,
#                 g, int8, int2, text, avg, nopk, dropcol, truncate, upsert,
#                 merge, copy, cte, join, txn, subxact, refresh, lifecycle, triggers,
#                 fk, quoted, udf, special, toast, bulk, workmem, xsession, minmax,
#                 having, bag, topk, window,
#                 distinct, groupby, global
#
# Exit status: 0 all checks passed, 1 a mismatch or an unexpected error
# (the seed, round, view query, failing statement, diff rows and a
# psql-replayable script are printed), 2 bad usage / setup failure.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
seed=1
minutes=0
views=200
statements=50
per_round=10
only_round=
disable=
dbname=stepping_random
keep=0
sabotage=0
concurrency=0
worker_tx=30
apply=mixed

PROG=run.sh
# shellcheck source=test/random/options.sh
source "$here/options.sh"
while [ $# -gt 0 ]; do
    common_option "$@"
    [ "$SHIFT" -gt 0 ] || { echo "$PROG: unknown argument '$1'" >&2; usage; }
    shift "$SHIFT"
done
[ "$per_round" -ge 1 ] || per_round=1
[ "$views" -ge 1 ] || views=1
[ "$statements" -ge 1 ] || statements=1

admin_db=${PGDATABASE:-postgres}
[ "$admin_db" = "$dbname" ] && admin_db=postgres

PSQL=(psql -X -q -v ON_ERROR_STOP=1 --no-psqlrc)
start=$(date +%s)

# stepping.debug_clobber_rows: a value read from a result row after the row
# was replaced reads garbage at once (a wrong row), not only when the freed
# memory happens to be reused
"${PSQL[@]}" -d "$admin_db" -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $dbname" -c "CREATE DATABASE $dbname" \
    -c "ALTER DATABASE $dbname SET stepping.debug_clobber_rows = on" >/dev/null \
    || { echo "random: cannot (re)create database $dbname" >&2; exit 2; }
"${PSQL[@]}" -d "$dbname" -c 'SET client_min_messages = warning' \
    -c 'CREATE EXTENSION IF NOT EXISTS stepping' -f "$here/oracle.sql" -f "$here/random.sql" >/dev/null \
    || { echo "random: setup of database $dbname failed" >&2; exit 2; }

rounds=$(( (views + per_round - 1) / per_round ))
# server-side COPY and DISABLE TRIGGER need a superuser
if [ "$("${PSQL[@]}" -d "$dbname" -At -c "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")" != t ]; then
    echo "random: not a superuser: COPY FROM a server file is skipped" >&2
    disable=${disable:+$disable,}copy
fi
run_disable=$disable
# phase 1 (tables, first views) and phase 2 (statements) run in separate sessions
phases="1 2"
case ",$disable," in *,xsession,*) phases=0 ;; esac
[ "$concurrency" -gt 0 ] && phases="1 2"
[ "$sabotage" -eq 1 ] && run_disable=${disable:+$disable,}sabotage
q() { "${PSQL[@]}" -d "$dbname" -At "$@"; }
if [ "$(q -c 'SELECT oracle.apply_available()')" != t ]; then
    echo "random: this server has no setting stepping.apply: every round runs per-statement maintenance (--apply $apply has no effect)"
fi

# views in round r (the fixed rounds add up to exactly --views)
views_in_round() {
    local r=$1
    if [ "$r" -lt "$rounds" ] || [ "$r" -gt "$rounds" ]; then echo "$per_round"
    else echo $(( views - (rounds - 1) * per_round )); fi
}

repro_cmd() {
    local r=$1
    echo "bash test/random/run.sh --seed $seed --round $r --views $views --statements $statements --views-per-round $per_round${disable:+ --disable $disable}$( [ "$concurrency" -gt 0 ] && echo " --concurrency $concurrency --worker-tx $worker_tx")$( [ "$apply" != mixed ] && echo " --apply $apply")"
}

report_failure() {
    local r=$1
    echo "random: MISMATCH seed=$seed round=$r"
    q -c "SELECT format(E'kind:      %s\nview:      %s\nquery:     %s\nstatement: %s\n%s', kind, view_name, view_query, stmt, detail) FROM rnd.failure"
    local f="${TMPDIR:-/tmp}/stepping_random_seed${seed}_round${r}.sql"
    q -c "SELECT script FROM rnd.failure" > "$f"
    echo "---- replayable script ($f; run with: psql -f $f) ----"
    cat "$f"
    echo "---- end of script ----"
    [ "$concurrency" -gt 0 ] && echo "(--concurrency: $concurrency workers ran between phase 1 and phase 2; their transactions: SELECT * FROM oracle.wlog in database $dbname, kept)"
    echo "reproduce: $(repro_cmd "$r")"
}


r=1
[ -n "$only_round" ] && r=$only_round
failed=0
while :; do
    now=$(date +%s)
    if [ -n "$only_round" ]; then
        [ "$r" -gt "$only_round" ] && break
    elif [ "$r" -gt "$rounds" ]; then
        [ $(( now - start )) -lt $(( minutes * 60 )) ] || break
    fi
    nv=$(views_in_round "$r")
    rc=0
    for phase in $phases; do
        if [ "$phase" = 2 ] && [ "$concurrency" -gt 0 ]; then
            run_workers rnd rt "$r" || { rc=1; break; }
        fi
        err=$("${PSQL[@]}" -d "$dbname" -c 'SET client_min_messages = warning' \
              -c "CALL rnd.run_round($seed, $r, $nv, $statements, false, '$run_disable', $phase, '$apply')" 2>&1) || { rc=1; break; }
        [ "$(q -c 'SELECT count(*) FROM rnd.failure')" = "0" ] || break
    done
    if [ $rc -ne 0 ]; then
        echo "random: ERROR seed=$seed round=$r: unexpected error:"
        echo "$err"
        [ "$concurrency" -gt 0 ] && echo "(concurrent workers ran; their transactions are in table oracle.wlog of database $dbname; a rerun below is not concurrent)"
        echo "---- statements of the round up to the error (rerun with tracing) ----"
        tf="${TMPDIR:-/tmp}/stepping_random_seed${seed}_round${r}.sql"
        for phase in $phases; do
            "${PSQL[@]}" -d "$dbname" -c "CALL rnd.run_round($seed, $r, $nv, $statements, true, '$run_disable', $phase, '$apply')" 2>&1 \
                | sed -e 's/^\(psql:[^:]*:[0-9]*: \)\{0,1\}NOTICE:  \(.* of stepping view ".*\)$/-- \2/' \
                      -e 's/^psql:[^:]*:[0-9]*: NOTICE:  //' -e 's/^NOTICE:  //'
        done | tee "$tf.trace"
        # the statements alone, replayable with psql (the last one fails)
        grep -v -e '^ERROR:' -e '^DETAIL:' -e '^HINT:' -e '^CONTEXT:' -e '^SQL statement' -e '^PL/pgSQL' -e '^psql:' "$tf.trace" > "$tf"
        rm -f "$tf.trace"
        echo "(statements written to $tf)"
        echo "---- end ----"
        echo "reproduce: $(repro_cmd "$r")"
        failed=1
        break
    fi
    if [ "$(q -c 'SELECT count(*) FROM rnd.failure')" != "0" ]; then
        report_failure "$r"
        failed=1
        break
    fi
    r=$(( r + 1 ))
done

elapsed=$(( $(date +%s) - start ))
worker_summary random
summary=$(q -c "SELECT format('rounds=%s views=%s statements=%s checks=%s min_statements_per_view=%s', count(*), coalesce(sum(views),0), coalesce(sum(statements),0), coalesce(sum(checks),0), min(min_seen)) FROM rnd.stats")
echo "random: seed=$seed $summary mismatches=$failed time=${elapsed}s${disable:+ disabled=$disable}"

if [ "$sabotage" -eq 1 ]; then
    if [ "$failed" -eq 1 ] && [ "$(q -c "SELECT count(*) FROM rnd.failure WHERE script LIKE '%deliberate corruption%'")" != 0 ]; then
        echo "random: self-test OK: the deliberate corruption was detected"
        exit 0
    fi
    echo "random: self-test FAILED: the deliberate corruption was not detected"
    exit 1
fi

if [ "$keep" -eq 0 ] && [ "$failed" -eq 0 ]; then
    "${PSQL[@]}" -d "$admin_db" -c "DROP DATABASE IF EXISTS $dbname" >/dev/null 2>&1
fi
exit $failed
