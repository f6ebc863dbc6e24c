#!/usr/bin/env bash
# scripts/test.sh — the project's test command:  bash scripts/test.sh [--quick]
#
#   1. scripts/setup.sh            (installs gcc/make/PostgreSQL 15 + dev files if missing)
#   2. make -j2 && make install
#   3. a throwaway cluster in a temp dir (never the Debian "15/main" cluster)
#   4. suites:
#      a. regression  : `make installcheck` = pg_regress over sql/*.sql vs expected/*.out
#                       (REGRESS/REGRESS_OPTS come from the Makefile). Output goes to
#                       tmp_check/regress/ (results/, regression.diffs, regression.out).
#      b. isolation   : pg_isolation_regress over specs/*.spec, if any exist.
#      c. random      : bash test/random/run.sh --seed 1, if that file exists (counts as
#                       one test; skipped with --quick).
#      d. random_joins: bash test/random/run_joins.sh --seed 1, if that file exists (random
#                       views over joins of 2-4 tables, subqueries, WITH, set operations,
#                       views over views; counts as one test; skipped with --quick).
#      e. scripts     : each counts as one test (run with --quick too), in this order:
#                       dump_restore  bash test/dump_restore.sh   (pg_dump/restore of views)
#                       hostile       bash test/hostile/run.sh    (hostile create_view corpus)
#                       oom           bash test/oom.sh            (out of memory inside maintenance:
#                                     one backend's RLIMIT_AS lowered with prlimit)
#                       crash         bash test/crash.sh          (immediate shutdown + restart;
#                                     last, as it restarts the server)
#                       Their output goes to tmp_check/<name>.log.
#   5. the server log is checked for crashed backends ("terminated by signal").
#
# Isolation test layout (PostgreSQL 15's pg_isolation_regress has no --expecteddir; it
# reads <inputdir>/specs/<name>.spec and <inputdir>/expected/<name>.out):
#      specs/<name>.spec              isolation spec (setup/teardown/session/permutation)
#      specs/expected/<name>.out      its expected output (alternatives: <name>_1.out, ...)
#   test.sh builds tmp_check/isolation/ with a symlink  specs -> <repo>/specs  and a
#   directory expected/ of symlinks to <repo>/specs/expected/* (a spec with no expected
#   file gets an empty placeholder, so it fails instead of aborting the run), and runs
#      pg_isolation_regress --inputdir=tmp_check/isolation --outputdir=tmp_check/isolation \
#          --load-extension=stepping --dbname=isolation_regression <names...>
#   so results land in tmp_check/isolation/results/ and diffs in
#   tmp_check/isolation/regression.diffs. To (re)generate an expected file after checking
#   it by eye: cp tmp_check/isolation/results/<name>.out specs/expected/<name>.out
#   The database already has the extension (--load-extension); specs need not CREATE it.
#
# Output ends with a line "N passed, N failed". Exit status is nonzero if anything failed
# (build failure, a failing test, a suite that could not run, a backend crash).
set -euo pipefail

STEPPING_TAG="test"
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$STEPPING_ROOT"

QUICK=0
for arg in "$@"; do
    case "$arg" in
        --quick) QUICK=1 ;;
        -h|--help)
            awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"
            exit 0 ;;
        *) die "unknown argument: $arg (use --quick or --help)" ;;
    esac
done

# Per-suite time limits (seconds); the whole run must stay well under 15 minutes.
: "${STEPPING_REGRESS_TIMEOUT:=240}"
: "${STEPPING_ISOLATION_TIMEOUT:=180}"
: "${STEPPING_RANDOM_TIMEOUT:=300}"
: "${STEPPING_RANDOM_JOINS_TIMEOUT:=300}"
: "${STEPPING_DUMP_RESTORE_TIMEOUT:=180}"
: "${STEPPING_HOSTILE_TIMEOUT:=480}"
: "${STEPPING_OOM_TIMEOUT:=120}"
: "${STEPPING_CRASH_TIMEOUT:=240}"
# isolationtester cancels a step blocked this long (and fails the spec) instead of
# hanging (a permutation that waits on a blocked session); it gives up at twice this.
: "${PGISOLATIONTIMEOUT:=20}"
export PGISOLATIONTIMEOUT

PASSED=0
FAILED=0
declare -a FAILED_NAMES=()
T_START=$SECONDS
REACHED_END=0

# Exits; the EXIT trap destroys the cluster and stepping_exit_hook prints the summary.
summary_and_exit() {
    REACHED_END=1
    if [ "$FAILED" -gt 0 ]; then exit 1; fi
    exit 0
}

# Called from the EXIT trap (scripts/lib.sh) after the cluster is gone, so that the
# "N passed, N failed" line is the very last line of output, even on an abort.
# shellcheck disable=SC2317  # invoked from the EXIT trap
stepping_exit_hook() {
    local rc="$1"
    if [ "$rc" -ne 0 ] && { [ "$REACHED_END" -eq 0 ] || [ "$FAILED" -eq 0 ]; }; then
        fail_one "aborted(exit $rc)"
    fi
    echo
    echo "================================================================"
    if [ "${#FAILED_NAMES[@]}" -gt 0 ]; then
        msg "failures: ${FAILED_NAMES[*]}"
    fi
    msg "total time: $((SECONDS - T_START))s"
    echo "$PASSED passed, $FAILED failed"
    if [ "$FAILED" -gt 0 ]; then
        [ "$rc" -ne 0 ] && return "$rc"
        return 1
    fi
    return "$rc"
}
fail_one() { FAILED=$((FAILED + 1)); FAILED_NAMES+=("$1"); }

# run_limited SECONDS LOGFILE CMD... — run CMD under `timeout` (its own process group),
# output shown live and saved in LOGFILE; sets _rc (124/137 = timed out). The pipeline
# runs in the background and we `wait` for it, so INT/TERM are handled immediately:
# the EXIT trap (stepping_before_cleanup) then kills the whole suite.
_SUITE_PIDFILE=""
run_limited() {
    local secs="$1" log="$2"
    shift 2
    _SUITE_PIDFILE="$log.pid"
    rm -f "$log.rc" "$_SUITE_PIDFILE"
    {
        r=0
        sh -c 'echo $$ >"$0"; exec timeout --kill-after=10 "$@"' "$_SUITE_PIDFILE" "$secs" "$@" \
            </dev/null 2>&1 || r=$?
        echo "$r" >"$log.rc"
    } | tee "$log" &
    wait $! || true
    _rc="$(cat "$log.rc" 2>/dev/null || echo 1)"
    _SUITE_PIDFILE=""
}

# shellcheck disable=SC2317  # invoked from the EXIT trap
stepping_before_cleanup() {
    local pid
    if [ -n "$_SUITE_PIDFILE" ] && [ -s "$_SUITE_PIDFILE" ]; then
        pid="$(cat "$_SUITE_PIDFILE")"
        msg "interrupted: stopping the running suite (timeout pid $pid)"
        kill -TERM "$pid" 2>/dev/null || true
        sleep 1
        kill -KILL -- "-$pid" 2>/dev/null || true
    fi
}

install_exit_trap

# Count pg_regress per-test result lines ("test foo ... ok", "     foo ... FAILED",
# "... failed (ignored)") in file $1; sets _ok / _bad and collects failed names.
count_pg_regress() {
    local file="$1" suite="$2" line name
    _ok=0; _bad=0
    while IFS= read -r line; do
        if [[ "$line" =~ ^[[:space:]]*(test[[:space:]]+)?([^[:space:]]+)[[:space:]]+\.\.\.[[:space:]]+(ok|FAILED|failed) ]]; then
            name="${BASH_REMATCH[2]}"
            if [ "${BASH_REMATCH[3]}" = ok ]; then
                _ok=$((_ok + 1))
            else
                _bad=$((_bad + 1))
                FAILED_NAMES+=("$suite/$name")
            fi
        fi
    done <"$file"
}

# ---------------------------------------------------------------------------
# 1-2. setup + build
# ---------------------------------------------------------------------------
msg "== setup"
bash "$STEPPING_ROOT/scripts/setup.sh"

msg "== build"
if ! build_and_install; then
    warn "build or install failed"
    fail_one build
    summary_and_exit
fi

# ---------------------------------------------------------------------------
# 3. cluster
# ---------------------------------------------------------------------------
msg "== starting throwaway cluster"
cluster_start

mkdir -p "$STEPPING_ROOT/tmp_check"
rm -f "$STEPPING_ROOT/tmp_check/server.log"
TESTDIR="$(pg_testdir)"
BINDIR="$(pg_bindir)"

# ---------------------------------------------------------------------------
# 4a. regression tests
# ---------------------------------------------------------------------------
shopt -s nullglob
sql_files=(sql/*.sql)
if [ "${#sql_files[@]}" -eq 0 ]; then
    msg "== regression: no sql/*.sql, skipped"
else
    msg "== regression: ${#sql_files[@]} test(s) via make installcheck"
    RDIR="$STEPPING_ROOT/tmp_check/regress"
    rm -rf "$RDIR"; mkdir -p "$RDIR"
    # ISOLATION= : isolation specs are run below with our own layout, never by PGXS.
    run_limited "$STEPPING_REGRESS_TIMEOUT" "$RDIR/make-installcheck.log" \
        make -C "$STEPPING_ROOT" installcheck PG_CONFIG="$PG_CONFIG" ISOLATION= \
        EXTRA_REGRESS_OPTS="--outputdir=$RDIR"
    rc=$_rc
    count_pg_regress "$RDIR/make-installcheck.log" regress
    PASSED=$((PASSED + _ok)); FAILED=$((FAILED + _bad))
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        warn "regression suite timed out after ${STEPPING_REGRESS_TIMEOUT}s"
        fail_one regress/TIMEOUT
    elif [ "$rc" -ne 0 ] && [ "$_bad" -eq 0 ]; then
        warn "regression suite failed to run (exit $rc)"
        fail_one regress/RUN
    fi
    if [ -s "$RDIR/regression.diffs" ]; then
        msg "---- tmp_check/regress/regression.diffs (first 300 lines) ----"
        head -n 300 "$RDIR/regression.diffs"
        msg "---- end of diffs ----"
    fi
fi

# ---------------------------------------------------------------------------
# 4b. isolation tests
# ---------------------------------------------------------------------------
spec_files=(specs/*.spec)
ISO="$TESTDIR/isolation/pg_isolation_regress"
if [ "${#spec_files[@]}" -eq 0 ]; then
    msg "== isolation: no specs/*.spec, skipped"
elif [ ! -x "$ISO" ] || [ ! -x "$TESTDIR/isolation/isolationtester" ]; then
    msg "== isolation: NOTICE: pg_isolation_regress/isolationtester not installed" \
        "(expected in $TESTDIR/isolation, package postgresql-client-15); ${#spec_files[@]} spec(s) skipped"
else
    names=()
    for f in "${spec_files[@]}"; do names+=("$(basename "$f" .spec)"); done
    msg "== isolation: ${#names[@]} spec(s): ${names[*]}"
    IDIR="$STEPPING_ROOT/tmp_check/isolation"
    rm -rf "$IDIR"; mkdir -p "$IDIR/expected"
    ln -s "$STEPPING_ROOT/specs" "$IDIR/specs"
    # expected/ holds symlinks to specs/expected/* (incl. alternatives <name>_N.out). A
    # spec without expected output gets an empty placeholder so it simply FAILS (and its
    # output still lands in results/) instead of aborting the whole pg_isolation_regress run.
    for f in "$STEPPING_ROOT"/specs/expected/*.out; do
        ln -s "$f" "$IDIR/expected/$(basename "$f")"
    done
    for n in "${names[@]}"; do
        if [ ! -e "$IDIR/expected/$n.out" ]; then
            warn "isolation: no expected output specs/expected/$n.out (actual output will be in tmp_check/isolation/results/$n.out)"
            : >"$IDIR/expected/$n.out"
        fi
    done
    run_limited "$STEPPING_ISOLATION_TIMEOUT" "$IDIR/run.log" \
        "$ISO" --bindir="$BINDIR" --inputdir="$IDIR" --outputdir="$IDIR" \
        --load-extension=stepping --dbname=isolation_regression "${names[@]}"
    rc=$_rc
    count_pg_regress "$IDIR/run.log" isolation
    PASSED=$((PASSED + _ok)); FAILED=$((FAILED + _bad))
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        warn "isolation suite timed out after ${STEPPING_ISOLATION_TIMEOUT}s"
        fail_one isolation/TIMEOUT
    elif [ "$rc" -ne 0 ] && [ "$_bad" -eq 0 ]; then
        warn "isolation suite failed to run (exit $rc)"
        fail_one isolation/RUN
    fi
    if [ -s "$IDIR/regression.diffs" ]; then
        msg "---- tmp_check/isolation/regression.diffs (first 300 lines) ----"
        head -n 300 "$IDIR/regression.diffs"
        msg "---- end of diffs ----"
    fi
fi
shopt -u nullglob

# ---------------------------------------------------------------------------
# 4c. randomized differential test
# ---------------------------------------------------------------------------
if [ ! -f test/random/run.sh ]; then
    msg "== random: test/random/run.sh not present, skipped"
elif [ "$QUICK" -eq 1 ]; then
    msg "== random: skipped (--quick)"
else
    msg "== random: bash test/random/run.sh --seed 1"
    run_limited "$STEPPING_RANDOM_TIMEOUT" "$STEPPING_ROOT/tmp_check/random.log" \
        bash test/random/run.sh --seed 1
    rc=$_rc
    if [ "$rc" -eq 0 ]; then
        msg "random ... ok"
        PASSED=$((PASSED + 1))
    else
        if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
            warn "random test timed out after ${STEPPING_RANDOM_TIMEOUT}s"
        fi
        msg "random ... FAILED (exit $rc)"
        fail_one random
    fi
fi

# ---------------------------------------------------------------------------
# 4d. randomized differential test of join views (test/random/run_joins.sh)
# ---------------------------------------------------------------------------
if [ ! -f test/random/run_joins.sh ]; then
    msg "== random_joins: test/random/run_joins.sh not present, skipped"
elif [ "$QUICK" -eq 1 ]; then
    msg "== random_joins: skipped (--quick)"
else
    msg "== random_joins: bash test/random/run_joins.sh --seed 1"
    run_limited "$STEPPING_RANDOM_JOINS_TIMEOUT" "$STEPPING_ROOT/tmp_check/random_joins.log" \
        bash test/random/run_joins.sh --seed 1
    rc=$_rc
    if [ "$rc" -eq 0 ]; then
        msg "random_joins ... ok"
        PASSED=$((PASSED + 1))
    else
        if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
            warn "random_joins test timed out after ${STEPPING_RANDOM_JOINS_TIMEOUT}s"
        fi
        msg "random_joins ... FAILED (exit $rc)"
        fail_one random_joins
    fi
fi

# ---------------------------------------------------------------------------
# 4e. script suites: dump/restore, hostile inputs, out of memory, crash recovery
#     (last: it stops the server with an immediate shutdown and starts it again)
# ---------------------------------------------------------------------------
# run_script NAME TIMEOUT CMD... — one test named NAME, passed when CMD exits 0
run_script() {
    local name="$1" secs="$2"
    shift 2
    msg "== $name: $*"
    run_limited "$secs" "$STEPPING_ROOT/tmp_check/$name.log" \
        env STEPPING_PG_DATA="$PG_DATA" STEPPING_PG_LOG="$PG_LOG" "$@"
    rc=$_rc
    if [ "$rc" -eq 0 ]; then
        msg "$name ... ok"
        PASSED=$((PASSED + 1))
    else
        if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
            warn "$name timed out after ${secs}s"
        fi
        msg "$name ... FAILED (exit $rc; output in tmp_check/$name.log)"
        fail_one "$name"
    fi
}
if [ -f test/dump_restore.sh ]; then
    run_script dump_restore "$STEPPING_DUMP_RESTORE_TIMEOUT" bash test/dump_restore.sh
fi
if [ -f test/hostile/run.sh ]; then
    run_script hostile "$STEPPING_HOSTILE_TIMEOUT" bash test/hostile/run.sh
fi
if [ -f test/oom.sh ]; then
    run_script oom "$STEPPING_OOM_TIMEOUT" bash test/oom.sh
fi
if [ -f test/crash.sh ]; then
    run_script crash "$STEPPING_CRASH_TIMEOUT" bash test/crash.sh
fi

# ---------------------------------------------------------------------------
# 5. server health
# ---------------------------------------------------------------------------
cluster_stop
if ! cluster_check_crashes; then
    fail_one server-crash
else
    msg "server log: no crashed backends"
fi

summary_and_exit
