# test/random/options.sh — the options run.sh and run_joins.sh share (sourced),
# and their concurrent workers (run_workers).
#
# The caller sets PROG and its defaults (seed minutes views statements
# per_round only_round disable dbname keep sabotage concurrency worker_tx
# apply)
# before the loop, and hands each argument it does not know itself to
# common_option, which sets SHIFT to the number of arguments it consumed (0:
# not an option of either).

usage() { sed -n '2,/^set -u/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; exit 2; }
isnum() { [[ "$1" =~ ^[0-9]+$ ]] || { echo "$PROG: $2 needs a non-negative integer, got '$1'" >&2; exit 2; }; }

common_option() {
    SHIFT=2
    case "$1" in
        --seed) seed=${2-}; isnum "$seed" --seed ;;
        --minutes) minutes=${2-}; isnum "$minutes" --minutes ;;
        --views) views=${2-}; isnum "$views" --views ;;
        --statements) statements=${2-}; isnum "$statements" --statements ;;
        --views-per-round) per_round=${2-}; isnum "$per_round" --views-per-round ;;
        --round) only_round=${2-}; isnum "$only_round" --round ;;
        --disable) disable=${2-}; [[ "$disable" =~ ^[a-z0-9_,]*$ ]] || usage ;;
        --dbname) dbname=${2-}; [[ "$dbname" =~ ^[a-z_][a-z0-9_]*$ ]] || usage ;;
        --keep) keep=1; SHIFT=1 ;;
        --sabotage) sabotage=1; SHIFT=1 ;;
        --concurrency) concurrency=${2-}; isnum "$concurrency" --concurrency ;;
        --worker-tx) worker_tx=${2-}; isnum "$worker_tx" --worker-tx ;;
        --apply) apply=${2-}
                 case "$apply" in transaction|statement|mixed) ;;
                     *) echo "$PROG: --apply needs transaction, statement or mixed, got '$apply'" >&2; exit 2 ;;
                 esac ;;
        -h|--help) usage ;;
        *) SHIFT=0 ;;
    esac
}

# run_workers GEN TABSCHEMA ROUND — $concurrency sessions at once, each running
# $worker_tx random transactions of round ROUND (CALL oracle.worker, with the
# hooks of generator schema GEN; TABSCHEMA: the schema of the round's base
# tables).  A SERIALIZABLE transaction that fails at COMMIT (40001; or a
# deadlock there) ends its CALL: it is logged in oracle.wlog and the worker
# is called again from the next transaction.  Any other error (also a read
# inside a transaction that differs from the view's query, RD001) fails the
# workers: returns 1 with the output in $err.  Needs PSQL, dbname, seed,
# concurrency, worker_tx, run_disable and apply.
run_workers() {
    local gen=$1 tabschema=$2 r=$3 w pids=() bad=0 wdir
    wdir=$(mktemp -d)
    for w in $(seq 1 "$concurrency"); do
        worker_calls "$gen" "$tabschema" "$r" "$w" >"$wdir/$w" 2>&1 &
        pids+=($!)
    done
    for w in "${!pids[@]}"; do
        wait "${pids[$w]}" || bad=1
    done
    err=$(cat "$wdir"/*)
    rm -rf "$wdir"
    return $bad
}

# one worker: CALL oracle.worker until its transactions are done
worker_calls() {
    local gen=$1 tabschema=$2 r=$3 w=$4 from=1 out last
    while [ "$from" -le "$worker_tx" ]; do
        if out=$("${PSQL[@]}" -d "$dbname" -v VERBOSITY=verbose \
                 -c "CALL oracle.worker('$gen', $seed, $r, $w, $worker_tx, $from, '$run_disable', '$tabschema', '$apply')" 2>&1); then
            return 0
        fi
        case "$out" in
            *"ERROR:  40001:"*|*"ERROR:  40P01:"*) ;;
            *) echo "worker $w (seed $seed round $r, from transaction $from): $out"; return 1 ;;
        esac
        # the transaction after the last one logged ended the CALL
        last=$("${PSQL[@]}" -d "$dbname" -At \
               -c "SELECT coalesce(max(seq), $from - 1) FROM oracle.wlog WHERE seed = $seed AND round = $r AND worker = $w") \
            || { echo "worker $w: cannot read oracle.wlog"; return 1; }
        printf '%s\n' "INSERT INTO oracle.wlog VALUES ($seed, $r, $w, $((last + 1)), NULL, 'failed at its end: ' || :'msg', NULL);" \
            | "${PSQL[@]}" -d "$dbname" -v msg="$out" >/dev/null || { echo "worker $w: cannot write oracle.wlog"; return 1; }
        from=$((last + 2))
    done
}

# worker_summary PREFIX — one line: the workers' transactions by outcome
worker_summary() {
    [ "$concurrency" -gt 0 ] || return 0
    echo "$1: concurrent workers: $("${PSQL[@]}" -d "$dbname" -At -c "SELECT format('%s transactions (%s)', sum(n), string_agg(o || '=' || n, ' ' ORDER BY o)) FROM (SELECT CASE WHEN outcome LIKE 'failed at its end%' THEN 'failed_at_commit' ELSE coalesce(iso, '') || CASE WHEN iso IS NULL THEN '' ELSE ':' END || split_part(outcome, ' ', 1) END AS o, count(*) AS n FROM oracle.wlog GROUP BY 1) s")"
}
