# test/random/options.sh — the options run.sh and run_joins.sh share (sourced).
#
# The caller sets PROG and its defaults (seed minutes views statements
# per_round only_round disable dbname keep sabotage) before the loop, and
# hands each argument it does not know itself to common_option, which sets
# SHIFT to the number of arguments it consumed (0: not an option of either).

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
        -h|--help) usage ;;
        *) SHIFT=0 ;;
    esac
}
