#!/usr/bin/env bash
# bench/report.sh — turn bench/run's results.tsv into markdown tables (medians).
#   bash bench/report.sh RESULTS.tsv QUICK NTX ROUNDS READ_T NORD NCUST_ORD NCUST NREG BULK MEMROWS
# results.tsv columns: phase workload sub system round metric value
set -euo pipefail
RES="$1" QUICK="$2" NTX="$3" ROUNDS="$4" READ_T="$5"
NORD="$6" NCUST_ORD="$7" NCUST="$8" NREG="$9" BULK="${10}" MEMROWS="${11}"

awk -F'\t' -v quick="$QUICK" -v ntx="$NTX" -v rounds="$ROUNDS" -v read_t="$READ_T" \
    -v nord="$NORD" -v ncust_ord="$NCUST_ORD" -v ncust="$NCUST" -v nreg="$NREG" \
    -v bulk="$BULK" -v memrows="$MEMROWS" '
function median(list,    a, n, m, i, j, t, x) {
    n = 0; m = split(list, t, " ")
    for (i = 1; i <= m; i++) if (t[i] != "NA" && t[i] != "") a[++n] = t[i] + 0
    if (n == 0) return "NA"
    for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
    if (n % 2) return a[(n + 1) / 2]
    return (a[n / 2] + a[n / 2 + 1]) / 2
}
function rng(list,    n, m, i, t, x, lo, hi) {   # "min–max" of the values
    n = 0; m = split(list, t, " ")
    for (i = 1; i <= m; i++) if (t[i] != "NA" && t[i] != "") {
        x = t[i] + 0; if (n == 0 || x < lo) lo = x; if (n == 0 || x > hi) hi = x; n++ }
    return n ? sprintf("%.0f–%.0f", lo, hi) : "NA"
}
function checks(list,    t, i, n, ok, bad) {
    if (list == "") return ""
    n = split(list, t, " "); ok = 0; bad = ""
    for (i = 1; i <= n; i++) {
        if (t[i] == "-") return "-"
        if (t[i] == "ok") ok++; else bad = bad " " t[i]
    }
    return ok "/" n " ok" (bad != "" ? " (" substr(bad, 2) ")" : "")
}
function mb(x) { return x == "NA" ? "NA" : sprintf("%.0f", x / 1024) }
function f(x, fmt) { return x == "NA" ? "NA" : sprintf(fmt, x) }
function ratio(a, b) { return (a == "NA" || b == "NA" || b == 0) ? "NA" : sprintf("%.2f", a / b) }
function delta(a, b) { return (a == "NA" || b == "NA") ? "NA" : sprintf("%+.1f", a - b) }
{
    key = $2 "|" $3 "|" $4 "|" $6
    v[key] = (key in v) ? v[key] " " $7 : $7
}
END {
    ref["W1a"] = 55; ref["W1b"] = 169; ref["W1c"] = 152; ref["W2a"] = 85; ref["W2b"] = 265
    ref["W4a"] = 41; ref["W4b"] = 59
    title["W1a"] = "W1a one-row INSERT"; title["W1b"] = "W1b one-row UPDATE of amount"
    title["W1c"] = "W1c DELETE + INSERT of one id"; title["W2a"] = "W2a one-row INSERT into orders"
    title["W2b"] = "W2b UPDATE of one customer segment"; title["W4a"] = "W4a one-row INSERT"
    title["W4b"] = "W4b UPDATE of one order status"
    nsub = split("W1a W1b W1c W2a W2b W4a W4b", subs, " ")
    nsys = split("none trigger stepping", sys, " ")

    printf "## Transactions (pgbench -M prepared -c 1 -t %d, %d rounds, medians)\n\n", ntx, rounds
    printf "Data: %d orders over %d customers (%d customers, %d regions). CPU = backend time on CPU per transaction (/proc/<pid>/schedstat); Δ = minus `none` (the maintenance cost).\n\n", nord, ncust_ord, ncust, nreg
    print "| transaction | system | TPS | TPS vs none | CPU µs/txn | Δ CPU µs vs none | CPU range µs | checks |"
    print "|---|---|---:|---:|---:|---:|---:|---|"
    for (i = 1; i <= nsub; i++) {
        W = substr(subs[i], 1, 2); s = substr(subs[i], 3)
        base = W "|" s "|none|"
        if (!((base "tps") in v) && !((W "|" s "|stepping|check") in v)) continue
        tn = median(v[base "tps"]); cn = median(v[base "cpu_us"])
        for (j = 1; j <= nsys; j++) {
            k = W "|" s "|" sys[j] "|"
            if (!((k "tps") in v) && !((k "check") in v)) continue
            t = median(v[k "tps"]); c = median(v[k "cpu_us"])
            printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", (j == 1 ? title[subs[i]] : ""), sys[j],
                f(t, "%.0f"), ratio(t, tn), f(c, "%.1f"), (j == 1 ? "—" : delta(c, cn)),
                rng(v[k "cpu_us"]), checks(v[k "check"])
            D[subs[i], sys[j]] = (j == 1 ? 0 : (c == "NA" || cn == "NA" ? "NA" : c - cn))
        }
        have[subs[i]] = 1
    }

    lmax = 0; ll = ""
    for (key in v) if (key ~ /\|load1$/) { ll = ll " " v[key]; m = split(v[key], lt, " "); for (q = 1; q <= m; q++) if (lt[q] + 0 > lmax) lmax = lt[q] + 0 }
    if (ll != "") printf "\nLoad average (1 min) when the runs ended: median %.2f, max %.2f (2 CPUs; anything above ~1 means other work shared the machine).\n", median(ll), lmax
    print "\n## Targets: CPU µs added per transaction over `none`\n"
    print "Issue reference = the hand-written trigger measured by the issue author on this machine; stepping target = at most half of it."
    print ""
    print "| transaction | trigger Δ (issue ref) | trigger Δ (this run) | stepping Δ (this run) | target: stepping Δ ≤ | verdict | stepping Δ / trigger Δ (this run) |"
    print "|---|---:|---:|---:|---:|---|---:|"
    for (i = 1; i <= nsub; i++) {
        x = subs[i]; if (!(x in have)) continue
        dt = D[x, "trigger"]; ds = D[x, "stepping"]; tg = ref[x] / 2
        if (ds == "" || ds == "NA") verdict = "not measured"
        else if (ds <= tg) verdict = sprintf("met (%.1f under)", tg - ds)
        else verdict = sprintf("MISSED by %.1f µs (%.2fx the target)", ds - tg, (tg > 0 ? ds / tg : 0))
        rel = (dt == "" || dt == "NA" || ds == "" || ds == "NA" || dt <= 0) ? "NA" : sprintf("%.2f", ds / dt)
        printf "| %s | +%d | %s | %s | +%.1f | %s | %s |\n", title[x], ref[x],
            (dt == "" || dt == "NA") ? "NA" : sprintf("%+.1f", dt),
            (ds == "" || ds == "NA") ? "NA" : sprintf("%+.1f", ds), tg, verdict, rel
    }

    if (("W3|insert|none|ms") in v) {
        printf "\n## W3 bulk (W1 view; INSERT ... SELECT of %d rows, then DELETE of those rows; %d rounds, medians)\n\n", bulk, rounds
        print "Time = psql \\timing of the statement in autocommit (includes the commit); matview = statement + REFRESH MATERIALIZED VIEW."
        print ""
        print "Result rows written = inserts + updates + deletes on the result table during the statement (pg_stat_user_tables); the view has " ncust_ord " groups."
        print ""
        print "| operation | system | time ms | vs none | backend CPU ms | time range ms | result rows written | checks | target |"
        print "|---|---|---:|---:|---:|---:|---:|---|---|"
        nb = split("none trigger matview stepping", bs, " ")
        for (o = 1; o <= 2; o++) {
            op = (o == 1 ? "insert" : "delete"); lim = (o == 1 ? 1.1 : 1.3)
            mn = median(v["W3|" op "|none|ms"])
            for (j = 1; j <= nb; j++) {
                k = "W3|" op "|" bs[j] "|"
                if (!((k "ms") in v) && !((k "check") in v)) continue
                m = median(v[k "ms"]); r = ratio(m, mn)
                tgt = ""
                if (bs[j] == "stepping") tgt = (r == "NA") ? "not measured" : (r + 0 <= lim ? sprintf("≤ %.1fx: met", lim) : sprintf("≤ %.1fx: MISSED (%.2fx)", lim, r))
                printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", (j == 1 ? (o == 1 ? "INSERT " bulk " rows" : "DELETE " bulk " rows") : ""),
                    bs[j], f(m, "%.1f"), r, f(median(v[k "cpu_ms"]), "%.1f"), rng(v[k "ms"]),
                    ((k "rt_writes") in v) ? f(median(v[k "rt_writes"]), "%.0f") : "", checks(v[k "check"]), tgt
            }
        }
    }

    nr = 0
    for (key in v) if (key ~ /^R[124]\|/) nr++
    if (nr > 0) {
        printf "\n## Reads (pgbench -M prepared -c 1 -T %d per run, %d rounds, medians)\n\n", read_t, rounds
        print "`none` runs the view query itself (point lookups add the key as a WHERE clause); `trigger` and `stepping` read their result tables."
        print ""
        print "| view | read | system | TPS | latency ms | speed-up vs plain query |"
        print "|---|---|---|---:|---:|---:|"
        split("R1 R2 R4", rv, " "); rname["R1"] = "W1"; rname["R2"] = "W2"; rname["R4"] = "W4"
        for (a = 1; a <= 3; a++) for (b = 1; b <= 2; b++) {
            kind = (b == 1 ? "point" : "full")
            tn = median(v[rv[a] "|" kind "|none|tps"])
            for (j = 1; j <= nsys; j++) {
                k = rv[a] "|" kind "|" sys[j] "|tps"
                if (!(k in v)) continue
                t = median(v[k])
                printf "| %s | %s | %s | %s | %s | %s |\n", (j == 1 && b == 1 ? rname[rv[a]] : ""),
                    (j == 1 ? (kind == "point" ? "point lookup" : "full scan") : ""), sys[j], f(t, "%.0f"),
                    (t == "NA" || t == 0) ? "NA" : sprintf("%.3f", 1000 / t), ratio(t, tn)
            }
        }
    }

    if (("M4|insert|none|ms") in v || ("M2|insert|none|ms") in v) {
        printf "\n## Memory (one INSERT ... SELECT of %d rows into orders under a join view)\n\n", memrows
        print "VmHWM = the backend'"'"'s peak resident set (/proc/<pid>/status) in a fresh session; it includes the shared_buffers pages the backend touched (RssShmem)."
        print ""
        print "Peak RssAnon = the backend'"'"'s private resident memory, sampled every 20 ms during the statement. Time and memory are from one run per system."
        print ""
        print "| view | system | time ms | VmHWM MB | peak RssAnon MB | RssAnon MB at end | RssShmem MB at end | checks |"
        print "|---|---|---:|---:|---:|---:|---:|---|"
        split("M4 M2", mv, " "); mname["M4"] = "W4 (select-project-join)"; mname["M2"] = "W2 (join + aggregate)"
        for (a = 1; a <= 2; a++) for (j = 1; j <= nsys; j++) {
            k = mv[a] "|insert|" sys[j] "|"
            if (!((k "ms") in v) && !((k "check") in v)) continue
            printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", (j == 1 ? mname[mv[a]] : ""), sys[j],
                f(median(v[k "ms"]), "%.0f"), mb(median(v[k "vmhwm_kb"])), mb(median(v[k "peakanon_kb"])),
                mb(median(v[k "rssanon_kb"])), mb(median(v[k "rssshmem_kb"])),
                checks(v[k "check"])
        }
    }
}' "$RES"
