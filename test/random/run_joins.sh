#!/usr/bin/env bash
# Randomized differential test of stepping views over joins (2-4 base tables),
# subqueries in FROM, WITH queries, set operations and views over views.
#
#   bash test/random/run_joins.sh [--seed N] [--minutes M] [--views V] [--statements S]
#                                 [--views-per-round K] [--round R] [--disable f1,f2]
#                                 [--concurrency W] [--worker-tx N]
#                                 [--apply transaction|statement|mixed]
#                                 [--dbname DB] [--keep] [--sabotage]
#
# Uses the ambient libpq environment (PGHOST, PGPORT, PGUSER, PGDATABASE): it
# starts no server of its own.  Two runs against the same server need different
# --dbname values.  It (re)creates the scratch database DB (default stepping_random_joins), runs
# CREATE EXTENSION stepping there and loads test/random/oracle.sql and test/random/joins.sql (the
# generator and checker, PL/pgSQL in schema rj).
#
# Rounds: each round creates 2-4 small base tables (roles: serial primary key,
# "dimension" with explicit ids, bag without a key, FK child ON DELETE/UPDATE
# CASCADE; sometimes j, v, t dropped and added again with a DEFAULT after
# the first rows, feature fastdefault) and K (default 10) random views over them: inner joins of 2-4 FROM
# items (JOIN ... ON / USING / comma + WHERE, equi, range, expression and
# non-equi conditions, self-joins, filters), bag / DISTINCT / GROUP BY (+
# HAVING) / global aggregates incl. string_agg, bool_and, count(DISTINCT),
# FILTER; subqueries and WITH queries (referenced once or twice) with
# aggregates, DISTINCT, joins, UNION; UNION [ALL] / INTERSECT / EXCEPT views;
# inner views read by later views (chains of 2-3); outer joins (LEFT / RIGHT /
# FULL, chains of LEFT JOINs, a parenthesized outer join under an inner join,
# USING, ON conditions with equalities over both sides and conditions on one
# side, WHERE on the nullable side such as b.id IS NULL or coalesce(..),
# per-row counts of the nullable side incl. zero, aggregates, HAVING) and
# [NOT] EXISTS / [NOT] IN (SELECT ...) conjuncts in WHERE (correlated or not,
# over nullable and NOT NULL columns, over base tables and views), also in
# subqueries, WITH queries and inner views (about 40% of the views); scalar
# subqueries (aggregates correlated by equalities or uncorrelated, lookups by
# a primary key) in WHERE, in the select list of bag / DISTINCT views, as GROUP
# BY expressions, inside aggregate arguments and as outputs of subqueries in
# FROM; INTERSECT ALL / EXCEPT ALL (views, subqueries in FROM, under an
# aggregate); immutable set-returning functions in FROM reading an earlier
# item's columns (generate_series, unnest [WITH ORDINALITY],
# jsonb_array_elements[_text]); JSON aggregates and builders (jsonb_agg,
# json_agg, jsonb_object_agg, json_object_agg, to_jsonb, jsonb_build_object /
# _array) over settings-free types (about 20% of the views); set operations
# whose branches output other types of a column (int / smallint / bigint /
# numeric, numeric / numeric(p,s) / float8, float8 / real, text / varchar(n) /
# char(n)) and untyped NULLs, later branches with unnamed columns, a set
# operation in FROM named by an alias list; subqueries in FROM and WITH
# queries whose alias or WITH column lists name unnamed, duplicate, quoted or
# other-named columns (also partial lists); window functions (about 20% of
# the views): in the select list of a join (sum / count / max / avg OVER,
# rank, dense_rank, cume_dist, percent_rank, row_number, ntile, lag, lead,
# first_value, ROWS / RANGE / GROUPS frames, EXCLUDE CURRENT ROW, FILTER,
# named windows; PARTITION BY in 80%) over its rows, its GROUP BY groups or a
# global aggregate, an outer query filtering on a rank (SELECT * FROM (SELECT
# .., rank() OVER (..) AS r_ FROM <join>) s WHERE r_ <= k; dense_rank,
# row_number, = 1, BETWEEN), windows over a set operation and in its
# branches, window columns of subqueries, WITH queries and inner views that
# later views read; order-sensitive windows are tied on the text of every
# column they and the output read (COLLATE "C") and share one window per
# query level (except over GROUP BY, whose keys order the groups totally),
# so the query as written has one answer; LATERAL subqueries correlated by
# equalities (about 10% of the join views, and 15% of the joins in subqueries,
# WITH queries and inner views, which later views read): FROM <items>,
# LATERAL / CROSS JOIN LATERAL / JOIN LATERAL .. ON <condition or true> / LEFT
# JOIN LATERAL .. ON <true or an outer join condition> (SELECT <columns of t,
# expressions, t.*> FROM <base table or view> t WHERE <inner = outer: int =
# int, int = bigint, text = text; 0-2 of them> [AND <filter on t>] ORDER BY
# <key>, <text of t's read columns> COLLATE "C" LIMIT n [OFFSET m] (also
# OFFSET .. LIMIT, FETCH FIRST n ROWS ONLY) | ORDER BY <key> FETCH FIRST n
# ROWS WITH TIES | ORDER BY .. LIMIT 0 | nothing) s, its columns read by the
# outer select list, aggregates, GROUP BY, WHERE, windows.  Phase 1 creates the
# tables and 70% of the views; phase 2 (a new session) runs random DML until
# every view has seen at least S (default 50) statements changing one of its
# base tables, creating the other views after a third of them.  After every
# statement every live view is checked: stepping.check_view must be empty,
# and an independent text-multiset comparison of the result table against
# the query must be empty.  At the end of a round every base row is deleted
# in a rolled-back subtransaction (one more check), then everything is
# dropped and stepping's catalog must be empty.  ceil(V / K) rounds (default
# V = 150) are run for --seed N; with --minutes M further rounds (new seeds:
# the rounds after the last one) are run until M minutes have passed.
#
# --round R      run only round R of the seed (to reproduce a failure)
# --concurrency W  between phase 1 and phase 2 of every round, run W sessions of
#                random transactions (1-3 statements each on random tables of
#                the round, READ COMMITTED, REPEATABLE READ and SERIALIZABLE;
#                serialization failures, deadlocks and FK violations roll the
#                transaction back; --worker-tx N each, default 30) at the same
#                time, then check every view (check_view and the oracle, also
#                after deleting every base row); their transactions are in
#                table oracle.wlog (options.sh run_workers, oracle.worker)
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
# --sabotage     self-test of the checker: corrupt a result table (bypassing its
#                guard triggers) after a few statements; exits 0 only if the
#                corruption is reported as a mismatch
# --disable LIST skip features, to look for bugs behind a known one (all are on
#                by default):
#                 multipath  a query with several inputs reads only base tables
#                            and views that read base tables only (no UNION
#                            views, no views over views next to other inputs):
#                            avoids the known scheduling bug where a view runs
#                            before an input that becomes pending later in the
#                            same step (close_step checks direct inputs only)
#                 generic    no generic aggregates (string_agg, array_agg,
#                            bool_and, count(DISTINCT), FILTER, variance, every):
#                            avoids the known use-after-free of their values in
#                            join views (join_generic_values copies them into the
#                            executor's per-query memory)
#                 outer      no LEFT / RIGHT / FULL JOIN
#                 sublink    no [NOT] EXISTS / [NOT] IN subqueries in WHERE
#                 srf_nullable  no set-returning function in FROM reading a
#                            column of an outer join's nullable side: avoids
#                            the known "no relation entry for relid N" error
#                            of every write to such a view
#                 scalar_generic  no aggregate PostgreSQL computes per touched
#                            group (bool_or, string_agg, count(DISTINCT), ...)
#                            over a scalar subquery: avoids the known stale
#                            groups after a change to the subquery's table
#                 scalar     no scalar subqueries
#                 srf        no set-returning functions in FROM
#                 json       no JSON aggregates / builders
#                 setop_all  no INTERSECT ALL / EXCEPT ALL
#                 setop_types  set operation branches all of one type per column
#                 setop_names  every branch of a set operation names its columns
#                 alias_cols no alias / WITH column lists naming unnamed columns
#                 window     no window functions (in the select list, filtered
#                            on by an outer query, over set operations, in
#                            subqueries, WITH queries and inner views)
#                 topk       no ORDER BY ... LIMIT over a view's query
#                 lateral    no LATERAL subqueries (in join views, subqueries,
#                            WITH queries and inner views)
#                 lateral_left_and  LEFT JOIN LATERAL only with ON true and at
#                            most one correlating equality: avoids the known
#                            0A000 "outer join condition that links the two
#                            sides other than by equality" of two correlating
#                            equalities, or one and an ON equality between the
#                            sides (the rewrite seems to nest the ON's AND)
#                 lateral_sort_name  no expressions in a LATERAL subquery's
#                            select list: avoids the known 22023 "column name
#                            __stepping_sort_1 is reserved" of an output named
#                            like a column the ORDER BY reads (SELECT t.j + 1
#                            AS j .. ORDER BY t.j LIMIT n; also without LATERAL)
#                 lateral_sublink  no subqueries in WHERE of a query with a
#                            LATERAL subquery: avoids the known 0A000 "cannot
#                            maintain a subquery in this position" of an EXISTS
#                            reading two outer items next to a LATERAL
#                 refresh    no refresh_view in the --concurrency workers: avoids
#                            the known XX000 "tuple concurrently deleted" of a
#                            REPEATABLE READ / SERIALIZABLE writer of a window,
#                            DISTINCT ON or row_number() <= k view whose
#                            snapshot predates another session's committed
#                            refresh_view of that view (40001 expected)
#                 rr_truncate  no TRUNCATE in the --concurrency workers'
#                            REPEATABLE READ / SERIALIZABLE transactions (they
#                            once left rows behind: specs/iso_lock_truncate_rr.spec)
#                 chain (inner views read by other views), setop, subquery, cte,
#                 selfjoin, using, float, fk (no FK child tables), truncate,
#                 upsert, wcte, merge, txn, subxact, xsession (phase 1 and 2 in
#                 one session)
#
# Output: one line per round, per-construct counts (views of each construct
# and the checks they got; left_join, right_join, full_join, nested_outer_join,
# outer_join_agg, exists, not_exists, in_subquery, not_in_subquery,
# scalar_agg_select, scalar_agg_where, scalar_uncorrelated, scalar_lookup,
# scalar_in_agg, scalar_group_key, intersect_all, except_all, srf_from,
# json_agg, json_build, setop_mixed_types, setop_unnamed, setop_null,
# setop_alias_cols, alias_cols, cte_cols, alias_unnamed, alias_partial, window,
# window_join, window_groupby, window_global, window_filter, window_setop,
# window_setop_branch, window_derived, over_window_view, win_<function or
# frame>, lateral, lateral_comma, lateral_cross_join, lateral_join_on[_true],
# lateral_left_join, lateral_limit, lateral_offset, lateral_ties,
# lateral_limit0, lateral_plain, lateral_eq0/1/2, lateral_over_view,
# lateral_derived, over_lateral_view, ...), the share of views with outer joins or
# subqueries in WHERE, the share with scalar subqueries / INTERSECT or
# EXCEPT ALL / functions in FROM / JSON, the share with window functions,
# the share with LATERAL subqueries, statement kinds, and
# a summary line
#   random_joins: seed=N rounds=... views=... statements=... checks=... min_statements_per_view=... mismatches=0 time=...s
#
# Exit status: 0 all checks passed, 1 a mismatch or an unexpected error
# (the seed, round, view query, failing statement, diff rows and a
# psql-replayable script are printed), 2 bad usage / setup failure.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
seed=1
minutes=0
views=150
statements=50
per_round=10
only_round=
disable=
dbname=stepping_random_joins
keep=0
sabotage=0
concurrency=0
worker_tx=30
apply=mixed

PROG=run_joins.sh
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

# jit = off: the tables are tiny but never analyzed, so default estimates make
# many checks cross jit_above_cost and spend ~200 ms compiling each query
# stepping.debug_clobber_rows: a value read from a result row after the row
# was replaced reads garbage at once (a wrong row), not only when the freed
# memory happens to be reused
"${PSQL[@]}" -d "$admin_db" -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $dbname" -c "CREATE DATABASE $dbname" \
    -c "ALTER DATABASE $dbname SET jit = off" \
    -c "ALTER DATABASE $dbname SET stepping.debug_clobber_rows = on" >/dev/null \
    || { echo "random_joins: cannot (re)create database $dbname" >&2; exit 2; }
"${PSQL[@]}" -d "$dbname" -c 'SET client_min_messages = warning' \
    -c 'CREATE EXTENSION IF NOT EXISTS stepping' -f "$here/oracle.sql" -f "$here/joins.sql" >/dev/null \
    || { echo "random_joins: setup of database $dbname failed" >&2; exit 2; }

rounds=$(( (views + per_round - 1) / per_round ))
run_disable=$disable
# phase 1 (tables, first views) and phase 2 (statements) run in separate sessions
phases="1 2"
case ",$disable," in *,xsession,*) phases=0 ;; esac
[ "$concurrency" -gt 0 ] && phases="1 2"
[ "$sabotage" -eq 1 ] && run_disable=${disable:+$disable,}sabotage
q() { "${PSQL[@]}" -d "$dbname" -At "$@"; }
if [ "$(q -c 'SELECT oracle.apply_available()')" != t ]; then
    echo "random_joins: this server has no setting stepping.apply: every round runs per-statement maintenance (--apply $apply has no effect)"
fi

# views in round r (the fixed rounds add up to exactly --views; extra rounds have K)
views_in_round() {
    local r=$1
    if [ "$r" -ne "$rounds" ]; then echo "$per_round"
    else echo $(( views - (rounds - 1) * per_round )); fi
}

repro_cmd() {
    local r=$1
    echo "bash test/random/run_joins.sh --seed $seed --round $r --views $views --statements $statements --views-per-round $per_round${disable:+ --disable $disable}$( [ "$concurrency" -gt 0 ] && echo " --concurrency $concurrency --worker-tx $worker_tx")$( [ "$apply" != mixed ] && echo " --apply $apply")"
}

report_failure() {
    local r=$1
    echo "random_joins: MISMATCH seed=$seed round=$r"
    q -c "SELECT format(E'kind:      %s\nview:      %s\nquery:     %s\nstatement: %s\n%s', kind, view_name, view_query, stmt, detail) FROM rj.failure"
    local f="${TMPDIR:-/tmp}/stepping_random_joins_seed${seed}_round${r}.sql"
    q -c "SELECT script FROM rj.failure" > "$f"
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
            run_workers rj jt "$r" || { rc=1; break; }
        fi
        err=$("${PSQL[@]}" -d "$dbname" -c 'SET client_min_messages = warning' \
              -c "CALL rj.run_round($seed, $r, $nv, $statements, false, '$run_disable', $phase, '$apply')" 2>&1) || { rc=1; break; }
        [ "$(q -c 'SELECT count(*) FROM rj.failure')" = "0" ] || break
    done
    if [ $rc -ne 0 ]; then
        echo "random_joins: ERROR seed=$seed round=$r: unexpected error:"
        echo "$err"
        [ "$concurrency" -gt 0 ] && echo "(concurrent workers ran; their transactions are in table oracle.wlog of database $dbname; a rerun below is not concurrent)"
        echo "---- statements of the round up to the error (rerun with tracing) ----"
        for phase in $phases; do
            "${PSQL[@]}" -d "$dbname" -c "CALL rj.run_round($seed, $r, $nv, $statements, true, '$run_disable', $phase, '$apply')" 2>&1 \
                | sed -e 's/^\(psql:[^:]*:[0-9]*: \)\{0,1\}NOTICE:  \(.* of stepping view ".*\)$/-- \2/' \
                      -e 's/^psql:[^:]*:[0-9]*: NOTICE:  //' -e 's/^NOTICE:  //' || break
        done
        echo "---- end ----"
        echo "reproduce: $(repro_cmd "$r")"
        failed=1
        break
    fi
    if [ "$(q -c 'SELECT count(*) FROM rj.failure')" != "0" ]; then
        report_failure "$r"
        failed=1
        break
    fi
    q -c "SELECT format('random_joins: round %s: %s views, %s statements, %s checks, min statements per view %s, %ss (slowest view %s: %ss of checks; slowest statement %ss)', round, views, statements, checks, min_seen, seconds, slow_view, slow_view_secs, slow_stmt_secs) FROM rj.stats WHERE round = $r"
    r=$(( r + 1 ))
done

elapsed=$(( $(date +%s) - start ))
echo "random_joins: views per construct (views / checks of those views):"
q -c "SELECT format('  %-26s %5s %8s', tag, count(*), sum(checks)) FROM rj.vstats, unnest(tags) AS tag GROUP BY tag ORDER BY tag"
q -c "SELECT format('random_joins: views with outer joins or subqueries in WHERE: %s of %s (%s%%): outer joins %s, [NOT] EXISTS / [NOT] IN %s', count(*) FILTER (WHERE tags && ARRAY['left_join','right_join','full_join','exists','not_exists','in_subquery','not_in_subquery']), count(*), round(100.0 * count(*) FILTER (WHERE tags && ARRAY['left_join','right_join','full_join','exists','not_exists','in_subquery','not_in_subquery']) / greatest(count(*), 1)), count(*) FILTER (WHERE tags && ARRAY['left_join','right_join','full_join']), count(*) FILTER (WHERE tags && ARRAY['exists','not_exists','in_subquery','not_in_subquery'])) FROM rj.vstats"
q -c "SELECT format('random_joins: views with scalar subqueries, INTERSECT/EXCEPT ALL, functions in FROM or JSON: %s of %s (%s%%): scalar subqueries %s, INTERSECT/EXCEPT ALL %s, functions in FROM %s, JSON %s', count(*) FILTER (WHERE n > 0), count(*), round(100.0 * count(*) FILTER (WHERE n > 0) / greatest(count(*), 1)), count(*) FILTER (WHERE sc), count(*) FILTER (WHERE sa), count(*) FILTER (WHERE sf), count(*) FILTER (WHERE js)) FROM (SELECT 'scalar_subquery' = ANY (tags) AS sc, EXISTS (SELECT FROM unnest(tags) u WHERE u ~ '(intersect|except)_all\$') AS sa, 'srf_from' = ANY (tags) AS sf, tags && ARRAY['json_agg', 'json_build'] AS js, cardinality(ARRAY(SELECT u FROM unnest(tags) u WHERE u IN ('scalar_subquery', 'srf_from', 'json_agg', 'json_build') OR u ~ '(intersect|except)_all\$')) AS n FROM rj.vstats) s"
q -c "SELECT format('random_joins: views with window functions: %s of %s (%s%%): over a join''s rows %s, over GROUP BY / global aggregates %s, filtered on a rank %s, over or in set operations %s, in subqueries / WITH / inner views %s; views over window views %s', count(*) FILTER (WHERE 'window' = ANY (tags)), count(*), round(100.0 * count(*) FILTER (WHERE 'window' = ANY (tags)) / greatest(count(*), 1)), count(*) FILTER (WHERE 'window_join' = ANY (tags)), count(*) FILTER (WHERE tags && ARRAY['window_groupby', 'window_global']), count(*) FILTER (WHERE 'window_filter' = ANY (tags)), count(*) FILTER (WHERE tags && ARRAY['window_setop', 'window_setop_branch']), count(*) FILTER (WHERE 'window_derived' = ANY (tags)), count(*) FILTER (WHERE 'over_window_view' = ANY (tags))) FROM rj.vstats"
q -c "SELECT format('random_joins: views with LATERAL subqueries: %s of %s (%s%%): comma %s, CROSS JOIN %s, JOIN .. ON %s, LEFT JOIN %s; LIMIT %s (OFFSET %s), WITH TIES %s, LIMIT 0 %s, no LIMIT %s; in subqueries / WITH / inner views %s; views over LATERAL views %s', count(*) FILTER (WHERE 'lateral' = ANY (tags)), count(*), round(100.0 * count(*) FILTER (WHERE 'lateral' = ANY (tags)) / greatest(count(*), 1)), count(*) FILTER (WHERE 'lateral_comma' = ANY (tags)), count(*) FILTER (WHERE 'lateral_cross_join' = ANY (tags)), count(*) FILTER (WHERE tags && ARRAY['lateral_join_on', 'lateral_join_on_true']), count(*) FILTER (WHERE 'lateral_left_join' = ANY (tags) OR ('lateral_derived' = ANY (tags) AND 'left_join' = ANY (tags))), count(*) FILTER (WHERE 'lateral_limit' = ANY (tags)), count(*) FILTER (WHERE 'lateral_offset' = ANY (tags)), count(*) FILTER (WHERE 'lateral_ties' = ANY (tags)), count(*) FILTER (WHERE 'lateral_limit0' = ANY (tags)), count(*) FILTER (WHERE 'lateral_plain' = ANY (tags)), count(*) FILTER (WHERE 'lateral_derived' = ANY (tags)), count(*) FILTER (WHERE 'over_lateral_view' = ANY (tags))) FROM rj.vstats"
echo "random_joins: statements per kind:"
q -c "SELECT '  ' || string_agg(format('%s=%s', kind, n), ' ' ORDER BY kind) FROM (SELECT kind, sum(n) AS n FROM rj.sstats GROUP BY kind) s"
worker_summary random_joins
summary=$(q -c "SELECT format('rounds=%s views=%s join_views=%s lateral_views=%s statements=%s checks=%s min_statements_per_view=%s', count(*), coalesce(sum(views),0), (SELECT count(*) FROM rj.vstats WHERE tags && ARRAY['join2','join3','join4','d_join','d_joinagg','setop_join']), (SELECT count(*) FROM rj.vstats WHERE 'lateral' = ANY (tags)), coalesce(sum(statements),0), coalesce(sum(checks),0), min(min_seen)) FROM rj.stats")
echo "random_joins: seed=$seed $summary mismatches=$failed time=${elapsed}s${disable:+ disabled=$disable}"

if [ "$sabotage" -eq 1 ]; then
    if [ "$failed" -eq 1 ] && [ "$(q -c "SELECT count(*) FROM rj.failure WHERE script LIKE '%deliberate corruption%'")" != 0 ]; then
        echo "random_joins: self-test OK: the deliberate corruption was detected"
        exit 0
    fi
    echo "random_joins: self-test FAILED: the deliberate corruption was not detected"
    exit 1
fi

if [ "$keep" -eq 0 ] && [ "$failed" -eq 0 ]; then
    "${PSQL[@]}" -d "$admin_db" -c "DROP DATABASE IF EXISTS $dbname" >/dev/null 2>&1
fi
exit $failed
