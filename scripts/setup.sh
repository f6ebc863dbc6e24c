#!/usr/bin/env bash
# scripts/setup.sh — idempotently install what building and testing stepping needs
# on Debian 12: a C toolchain (gcc, make, libc6-dev) and PostgreSQL 15 with its
# server development files (postgresql-15, postgresql-server-dev-15).
#
# Presence is checked cheaply first; `apt-get update` + `apt-get install` run only
# when something is missing. Never prompts (DEBIAN_FRONTEND=noninteractive).
# Uses sudo when not root (if sudo exists).
#
# Note: installing postgresql-15 on Debian creates and starts a cluster "15/main".
# Our scripts never use it: test.sh and demo.sh start their own throwaway cluster.
set -euo pipefail

PG_MAJOR=15
PG_BIN="/usr/lib/postgresql/${PG_MAJOR}/bin"

say() { printf '[setup] %s\n' "$*"; }

missing=()

# --- C toolchain -----------------------------------------------------------
command -v gcc  >/dev/null 2>&1 || missing+=(gcc)
command -v make >/dev/null 2>&1 || missing+=(make)
[ -e /usr/include/stdio.h ]      || missing+=(libc6-dev)

# --- PostgreSQL 15 server (postgres, initdb, pg_ctl, psql, pg_regress) -------
if [ ! -x "$PG_BIN/postgres" ] || [ ! -x "$PG_BIN/initdb" ] || [ ! -x "$PG_BIN/pg_ctl" ] \
   || [ ! -x "$PG_BIN/psql" ]; then
    missing+=("postgresql-${PG_MAJOR}")
fi

# --- server headers + PGXS ---------------------------------------------------
dev_ok=no
if [ -x "$PG_BIN/pg_config" ]; then
    inc=$("$PG_BIN/pg_config" --includedir-server 2>/dev/null || true)
    pgxs=$("$PG_BIN/pg_config" --pgxs 2>/dev/null || true)
    if [ -n "$inc" ] && [ -e "$inc/postgres.h" ] && [ -n "$pgxs" ] && [ -e "$pgxs" ]; then
        dev_ok=yes
    fi
fi
[ "$dev_ok" = yes ] || missing+=("postgresql-server-dev-${PG_MAJOR}")

# runuser (util-linux) is needed to run the server as the postgres user when root;
# it is Essential on Debian, so only check it.
if [ "$(id -u)" -eq 0 ] && ! command -v runuser >/dev/null 2>&1 && ! command -v su >/dev/null 2>&1; then
    missing+=(util-linux)
fi

if [ "${#missing[@]}" -eq 0 ]; then
    say "all build/test dependencies present (gcc, make, PostgreSQL ${PG_MAJOR} + server dev files)"
    exit 0
fi

say "missing: ${missing[*]} — installing with apt-get"

if ! command -v apt-get >/dev/null 2>&1; then
    say "ERROR: apt-get not found; this script supports Debian 12 only." >&2
    say "Install manually: ${missing[*]}" >&2
    exit 1
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo env DEBIAN_FRONTEND=noninteractive)
    else
        say "ERROR: not root and sudo is not available; cannot install: ${missing[*]}" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
apt_opts=(-y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)

"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" apt-get install "${apt_opts[@]}" "${missing[@]}"

# Verify.
fail=0
command -v gcc  >/dev/null 2>&1 || { say "ERROR: gcc still missing" >&2; fail=1; }
command -v make >/dev/null 2>&1 || { say "ERROR: make still missing" >&2; fail=1; }
[ -x "$PG_BIN/postgres" ] || { say "ERROR: $PG_BIN/postgres still missing" >&2; fail=1; }
if [ -x "$PG_BIN/pg_config" ]; then
    [ -e "$("$PG_BIN/pg_config" --includedir-server)/postgres.h" ] \
        || { say "ERROR: server headers (postgres.h) still missing" >&2; fail=1; }
else
    say "ERROR: $PG_BIN/pg_config still missing" >&2; fail=1
fi
[ "$fail" -eq 0 ] || exit 1
say "dependencies installed"
