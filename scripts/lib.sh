#!/usr/bin/env bash
# scripts/lib.sh — shared helpers for setup/test/demo. Source it, don't run it:
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# Provides:
#   STEPPING_ROOT            absolute path of the repository root
#   PG_CONFIG                PostgreSQL 15 pg_config (exported; the Makefile honours it)
#   msg / warn / die         messages prefixed with [$STEPPING_TAG]
#   build_and_install        make -j2 && make install
#   cluster_start            throwaway cluster in a temp dir; exports PGHOST PGPORT PGUSER
#                            PGDATABASE; installs an EXIT trap that stops and removes it
#                            (and then calls stepping_exit_hook <status> if defined)
#   cluster_stop             stop the server now (the dir is removed on exit)
#   cluster_destroy [rc]     stop + remove now (keeps the log in tmp_check/ if rc != 0)
#   cluster_check_crashes    fail (rc 1) if the server log shows a crashed backend
#
# PostgreSQL refuses to run as root. When we are root (CI), initdb/pg_ctl/postgres run
# as the `postgres` OS user (created with useradd if missing) via runuser (or su), and
# the temp dir is owned by postgres. Clients (psql, pg_regress) may still run as root:
# they connect over the unix socket in the temp dir with trust auth as role postgres.

STEPPING_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
: "${STEPPING_TAG:=stepping}"

if [ -z "${PG_CONFIG:-}" ]; then
    if [ -x /usr/lib/postgresql/15/bin/pg_config ]; then
        PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
    else
        PG_CONFIG=pg_config
    fi
fi
export PG_CONFIG

msg()  { printf '[%s] %s\n' "$STEPPING_TAG" "$*"; }
warn() { printf '[%s] WARNING: %s\n' "$STEPPING_TAG" "$*" >&2; }
die()  { printf '[%s] ERROR: %s\n' "$STEPPING_TAG" "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

pg_bindir() { "$PG_CONFIG" --bindir; }

# Directory holding pg_regress / pg_isolation_regress (…/lib/pgxs/src/test).
pg_testdir() { (cd "$(dirname "$("$PG_CONFIG" --pgxs)")/../test" && pwd); }

# ---------------------------------------------------------------------------
# build
# ---------------------------------------------------------------------------
build_and_install() {
    local -a sudo=()
    if ! is_root; then
        if command -v sudo >/dev/null 2>&1; then sudo=(sudo); fi
    fi
    msg "building: make -j2 (PG_CONFIG=$PG_CONFIG)"
    make -C "$STEPPING_ROOT" -j2 PG_CONFIG="$PG_CONFIG" || return 1
    msg "installing: make install"
    "${sudo[@]}" make -C "$STEPPING_ROOT" install PG_CONFIG="$PG_CONFIG" >/dev/null || return 1
    msg "installed into $("$PG_CONFIG" --pkglibdir) and $("$PG_CONFIG" --sharedir)/extension"
}

# ---------------------------------------------------------------------------
# throwaway cluster
# ---------------------------------------------------------------------------
PGTMP=""        # temp dir: data/, server.log, unix socket
PG_DATA=""
PG_LOG=""
_PG_RUNNING=0

_ensure_postgres_user() {
    if ! id -u postgres >/dev/null 2>&1; then
        msg "creating OS user 'postgres'"
        useradd --system --user-group --no-create-home --home-dir /var/lib/postgresql \
                --shell /bin/bash postgres
    fi
}

# Run a server-side program as the user that owns the cluster.
_as_pg() {
    if is_root; then
        if command -v runuser >/dev/null 2>&1; then
            (cd "$PGTMP" && runuser -u postgres -- "$@")
        else
            (cd "$PGTMP" && su postgres -s /bin/sh -c "$(printf '%q ' "$@")")
        fi
    else
        (cd "$PGTMP" && "$@")
    fi
}

_port_in_use() {
    (: <"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

cluster_start() {
    local bindir port _
    bindir="$(pg_bindir)"
    if [ ! -x "$bindir/initdb" ] || [ ! -x "$bindir/pg_ctl" ] || [ ! -x "$bindir/postgres" ]; then
        die "PostgreSQL server binaries not found in $bindir (run scripts/setup.sh)"
    fi

    install_exit_trap
    PGTMP="$(mktemp -d "${STEPPING_TMPDIR:-/tmp}/stepping-pg.XXXXXX")"
    if is_root; then
        _ensure_postgres_user
        chown postgres: "$PGTMP"
    fi
    chmod 700 "$PGTMP"
    PG_DATA="$PGTMP/data"
    PG_LOG="$PGTMP/server.log"

    msg "initdb in $PG_DATA"
    if ! _as_pg "$bindir/initdb" -D "$PG_DATA" -U postgres --auth=trust \
            --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$PGTMP/initdb.log" 2>&1; then
        cat "$PGTMP/initdb.log" >&2
        die "initdb failed"
    fi

    cat >>"$PG_DATA/postgresql.conf" <<EOF

# ---- stepping throwaway test cluster ----
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PGTMP'
fsync = off
synchronous_commit = off
full_page_writes = off
max_prepared_transactions = 10
max_connections = 100
lc_messages = 'C'
logging_collector = off
log_destination = 'stderr'
log_line_prefix = '%m [%p] %q%a '
log_min_messages = warning
log_min_error_statement = error
EOF

    for _ in $(seq 1 25); do
        port=$(( 20000 + RANDOM % 40000 ))
        if _port_in_use "$port"; then continue; fi
        if _as_pg "$bindir/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 \
                -o "-p $port" start >"$PGTMP/pg_ctl.log" 2>&1; then
            _PG_RUNNING=1
            break
        fi
        if grep -qE 'could not bind|could not create (any TCP/IP sockets|lock file)|Address already in use' \
                "$PG_LOG" 2>/dev/null; then
            warn "port $port busy, retrying"
            continue
        fi
        cat "$PGTMP/pg_ctl.log" >&2 || true
        tail -n 50 "$PG_LOG" >&2 || true
        die "could not start PostgreSQL"
    done
    [ "$_PG_RUNNING" -eq 1 ] || die "could not find a free port for PostgreSQL"

    unset PGSERVICE PGHOSTADDR PGOPTIONS PGPASSWORD PGSSLMODE PGREQUIRESSL PGCONNECT_TIMEOUT
    export PGHOST="$PGTMP" PGPORT="$port" PGUSER=postgres PGDATABASE=postgres
    msg "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') running: PGHOST=$PGHOST PGPORT=$PGPORT (log: $PG_LOG)"
}

cluster_stop() {
    [ -n "$PGTMP" ] && [ "$_PG_RUNNING" -eq 1 ] || return 0
    local bindir
    bindir="$(pg_bindir)"
    if ! _as_pg "$bindir/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop >/dev/null 2>&1; then
        _as_pg "$bindir/pg_ctl" -D "$PG_DATA" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
    fi
    _PG_RUNNING=0
}

# Returns 1 (and prints the evidence) if a backend crashed during the run.
cluster_check_crashes() {
    [ -n "$PG_LOG" ] && [ -f "$PG_LOG" ] || return 0
    if grep -qE 'terminated by signal|was terminated by exception' "$PG_LOG"; then
        warn "server log shows a crashed backend:"
        grep -nE -B3 -A2 'terminated by signal|was terminated by exception' "$PG_LOG" | head -60 >&2
        return 1
    fi
    return 0
}

# Stop the server, keep a copy of its log in tmp_check/server.log when $1 (an exit
# status) is nonzero, and remove the temp dir. Safe to call more than once.
cluster_destroy() {
    local rc="${1:-0}"
    if [ -n "$PGTMP" ] && [ -d "$PGTMP" ]; then
        cluster_stop
        if [ "$rc" -ne 0 ] && [ -f "$PG_LOG" ]; then
            mkdir -p "$STEPPING_ROOT/tmp_check"
            cp "$PG_LOG" "$STEPPING_ROOT/tmp_check/server.log" 2>/dev/null \
                && msg "server log kept at tmp_check/server.log"
        fi
        rm -rf "$PGTMP"
    fi
    PGTMP=""
    return 0
}

# EXIT trap: call stepping_before_cleanup if defined (e.g. to kill a running suite),
# destroy the cluster, then call stepping_exit_hook <status> if the sourcing script
# defines it (its return value becomes the exit status).
_stepping_exit() {
    local rc=$?
    set +e
    if declare -F stepping_before_cleanup >/dev/null; then
        stepping_before_cleanup
    fi
    cluster_destroy "$rc"
    if declare -F stepping_exit_hook >/dev/null; then
        stepping_exit_hook "$rc"
        rc=$?
    fi
    exit "$rc"
}

install_exit_trap() {
    trap _stepping_exit EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}
