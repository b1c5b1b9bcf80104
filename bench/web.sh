#!/bin/bash
# The dashboard under load while probed probes: 50 concurrent wrk clients
# on the overview, a device page and a graph, while the loop sends one
# echo a second to each of 5,000 targets. Does web load change the
# probing? See bench/README.md.
#
#   sudo bench/web.sh BUILD_DIR
#
# The lab of bench/icmp.sh (an AnyIP /16 in a target namespace). probed
# runs with its web server on 127.0.0.1 in the prober's namespace, where
# wrk runs too. After the warm-up: one window without web load, then one
# window of the same length per URL with `wrk -t2 -c50 --latency`. Each
# window is measured by probed's own /metrics (bench reads them before and
# after): rounds started and skipped, round start lateness (its histogram:
# p99 to the bucket, and the mean), icmp echoes sent and sent late (more
# than 1 ms after their planned time), samples dropped; plus probed's CPU.
# A graph URL that answers 404 (the route not in this build) is reported
# as "graph route not served, skipped".
# Environment: PD_BENCH_TARGETS (5000), PD_BENCH_WARMUP (30 s, and until
# every RRD file exists), PD_BENCH_WINDOW (20 s), PD_BENCH_CLIENTS (50),
# PD_BENCH_WRK_THREADS (2), PD_BENCH_WEB_THREADS (probed's web.threads, 4),
# PD_KEEP=1 keeps the work directory.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

N=${PD_BENCH_TARGETS:-5000}
WARMUP=${PD_BENCH_WARMUP:-30}
WINDOW=${PD_BENCH_WINDOW:-20}
CLIENTS=${PD_BENCH_CLIENTS:-50}
WRK_THREADS=${PD_BENCH_WRK_THREADS:-2}
WEB_THREADS=${PD_BENCH_WEB_THREADS:-4}
PORT=18090

bench_build --root "${1:-}" probed plugins/icmp.so
bench_largest PD_BENCH_TARGETS targets 60000 "$N" >/dev/null
if [ "$WARMUP" -lt 5 ] || [ "$WINDOW" -lt 5 ] || [ "$WINDOW" -gt 600 ]; then
    die "PD_BENCH_WARMUP: at least 5 s; PD_BENCH_WINDOW: 5..600 s"
fi

# The load generator: a Debian package, installed for the bench only.
need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
for c in ip curl awk; do
    command -v "$c" >/dev/null 2>&1 || die "needs '$c'"
done
bench_install "${need[@]}"
WRK=$(command -v wrk)

# The RRD files keep only the bench's span: with the default archives
# (years of rows at a 1 s step) 5,000 files would fill tens of GB.
KEEP=$((WARMUP + 4 * WINDOW + 600))
free_kib=$(df -Pk /tmp | awk 'NR == 2 { print $4 }')
[ "$free_kib" -gt $((N * KEEP * 12 * 8 * 2 / 1024)) ] || die "not enough free space in /tmp"

bench_init web "pdw-$$"
bench_lab 10.218.0 10.219
bench_inventory "$WORK/inventory.csv" "$N" bench 压测终端 dev 10.219

cat >"$WORK/probed.yaml" <<EOF
data_dir: ./data
timezone: Asia/Shanghai
log: { level: info }
storage: { heartbeat: 60s }
rrd: { rras: [ { step: 1x, keep: ${KEEP}s } ] }
web: { listen: "127.0.0.1:$PORT", threads: $WEB_THREADS }
plugins: { icmp: { max_rate: 50000, burst: 200 } }
templates:
  dev:
    checks:
      - { id: ping, type: icmp, interval: 1s, timeout: 500ms, count: 1 }
inventory: [ "inventory.csv" ]
EOF

BASE="http://127.0.0.1:$PORT"
in_ns() { ip netns exec "$P_NS" "$@"; }
status() { in_ns curl -sS --max-time 30 -o /dev/null -w '%{http_code}' "$1" || echo 000; }

# snapshot FILE: /metrics' health families and probed's CPU ticks, as
# "name value" lines.
snapshot() {
    {
        in_ns curl -sS --max-time 30 "$BASE/metrics" |
            grep -E '^probed_(rounds_|round_start_lateness|icmp_|storage_samples_dropped|storage_queue_samples )'
        echo "cpu_ticks $(cpu_ticks "$PROBED_PID")"
        echo "loop_ticks $(cpu_ticks "/proc/$PROBED_PID/task/$PROBED_PID")"
        echo "wall_ns $(date +%s%N)"
    } >"$1"
}

# window_figures BEFORE AFTER: what the loop did between two snapshots, as
# key=value words: rounds, skipped, echoes_s, late_echoes, late_p99_ms (the
# bucket bound under which 99% of the round starts were), late_mean_ms,
# late_max_ms (the daemon's max when it rose in the window, else "<=x"),
# dropped, cpu_pct (all threads), loop_cpu_pct.
window_figures() {
    awk -v hz="$(getconf CLK_TCK)" '
        FNR == 1 { f++ }
        {
            name = $1; v = $2
            if (f == 1) a[name] = v; else b[name] = v
        }
        END {
            d = "probed_round_start_lateness_seconds_bucket"
            n = b["probed_round_start_lateness_seconds_count"] - a["probed_round_start_lateness_seconds_count"]
            # Buckets in ascending order of their bound.
            k = 0
            for (name in b) if (index(name, d "{le=\"") == 1) {
                le = substr(name, length(d) + 6); sub(/"}$/, "", le)
                bound[++k] = (le == "+Inf") ? 1e99 : le + 0
                cnt[k] = b[name] - a[name]
            }
            for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (bound[j] < bound[i]) {
                t = bound[i]; bound[i] = bound[j]; bound[j] = t
                t = cnt[i]; cnt[i] = cnt[j]; cnt[j] = t
            }
            p99 = "n/a"
            for (i = 1; i <= k; i++) if (n > 0 && cnt[i] >= 0.99 * n) {
                p99 = bound[i] >= 1e99 ? ">max" : sprintf("%.1f", bound[i] * 1000); break
            }
            mean = n > 0 ? sprintf("%.2f", (b["probed_round_start_lateness_seconds_sum"] - a["probed_round_start_lateness_seconds_sum"]) / n * 1000) : "n/a"
            m0 = a["probed_round_start_lateness_max_seconds"]; m1 = b["probed_round_start_lateness_max_seconds"]
            max = m1 > m0 ? sprintf("%.1f", m1 * 1000) : sprintf("<=%.1f", m0 * 1000)
            secs = (b["wall_ns"] - a["wall_ns"]) / 1e9
            printf "rounds=%d skipped=%d echoes_s=%.0f late_echoes=%d late_p99_ms=%s late_mean_ms=%s late_max_ms=%s dropped=%d cpu_pct=%.0f loop_cpu_pct=%.0f\n",
                b["probed_rounds_started_total"] - a["probed_rounds_started_total"],
                b["probed_rounds_skipped_total"] - a["probed_rounds_skipped_total"],
                (b["probed_icmp_echoes_sent_total"] - a["probed_icmp_echoes_sent_total"]) / secs,
                b["probed_icmp_echoes_sent_late_total"] - a["probed_icmp_echoes_sent_late_total"],
                p99, mean, max,
                b["probed_storage_samples_dropped_total"] - a["probed_storage_samples_dropped_total"],
                (b["cpu_ticks"] - a["cpu_ticks"]) / hz / secs * 100,
                (b["loop_ticks"] - a["loop_ticks"]) / hz / secs * 100
        }' "$1" "$2"
}

# wrk_figures FILE: rps=, p50_ms=, p99_ms=, errors= from wrk --latency.
wrk_figures() {
    awk '
        function ms(s) {
            if (s ~ /us$/) return s / 1000
            if (s ~ /ms$/) return s + 0
            if (s ~ /m$/) return s * 60000
            if (s ~ /s$/) return s * 1000
            return s
        }
        /Requests\/sec:/ { rps = $2 }
        $1 == "50%" { p50 = ms($2) }
        $1 == "99%" { p99 = ms($2) }
        /Non-2xx or 3xx responses:/ { non2xx = $NF }
        /Socket errors:/ { sub(/.*Socket errors: /, ""); gsub(/[a-z]+ /, ""); split($0, e, ", "); serr = e[1] + e[2] + e[3] + e[4] }
        /requests in/ { total = $1 }
        END { printf "rps=%.0f p50_ms=%.2f p99_ms=%.2f requests=%d errors=%d\n", rps, p50, p99, total, non2xx + serr }
    ' "$1"
}

LOG="$WORK/probed.log"
BENCH_LOG=$LOG
echo "web: probed, $N targets, web on $BASE ($WEB_THREADS threads): warm-up ${WARMUP}s or more" >&2
# Not through in_ns: PROBED_PID must be probed's own pid (ip netns exec
# execs it), for its CPU figures and for the cleanup to stop it.
ip netns exec "$P_NS" "$BUILD/probed" -c "$WORK/probed.yaml" -f 2>"$LOG" &
PROBED_PID=$!
probed_warm_up "$WORK" "$N" 300
[ "$(status "$BASE/metrics")" = 200 ] || die "/metrics does not answer"
first=$(in_ns curl -sS --max-time 30 "$BASE/metrics")
grep -q '^probed_rounds_started_total ' <<<"$first" ||
    die "/metrics has no health families (an older build?)"

RESULTS="$WORK/results"
: >"$RESULTS"
URLS=("/" "/device/bench-00000" "/graph/bench-00000/ping/latency.png?period=1d")
NAMES=(overview device graph)

echo "web: window without web load, ${WINDOW}s" >&2
snapshot "$WORK/s0"
alive_for "$PROBED_PID" "$WINDOW" || die "probed exited during the quiet window"
snapshot "$WORK/s1"
echo "quiet url=- $(window_figures "$WORK/s0" "$WORK/s1")" >>"$RESULTS"

for i in "${!URLS[@]}"; do
    url=${URLS[i]} name=${NAMES[i]}
    code=$(status "$BASE$url")
    if [ "$code" != 200 ]; then
        if [ "$name" = graph ] && [ "$code" = 404 ]; then
            echo "web: graph route not served, skipped ($url answered 404)" >&2
            echo "$name url=$url skipped=graph-route-not-served" >>"$RESULTS"
            continue
        fi
        die "$url answered $code"
    fi
    echo "web: wrk -t$WRK_THREADS -c$CLIENTS -d${WINDOW}s on $url" >&2
    snapshot "$WORK/a$i"
    # Bounded: wrk stops itself after the window; timeout is the backstop.
    timeout $((WINDOW + 30)) ip netns exec "$P_NS" "$WRK" -t"$WRK_THREADS" -c"$CLIENTS" \
        -d"${WINDOW}s" --timeout 10s --latency "$BASE$url" >"$WORK/wrk-$name.txt" 2>&1 ||
        die "wrk failed on $url: $(tail -n 3 "$WORK/wrk-$name.txt")"
    snapshot "$WORK/b$i"
    running "$PROBED_PID" || die "probed exited under web load"
    echo "$name url=$url $(wrk_figures "$WORK/wrk-$name.txt") $(window_figures "$WORK/a$i" "$WORK/b$i")" \
        >>"$RESULTS"
done
warn=$(grep -c -E '^[-0-9]+ [0-9:.]+ (warning|error): ' "$LOG" || true)
stop_pid "$PROBED_PID" 120
PROBED_PID=""

# The table.
awk -v n="$N" -v c="$CLIENTS" -v w="$WINDOW" -v warn="$warn" '
    function get(line, key,   m) {
        if (match(line, " " key "=[^ ]*")) return substr(line, RSTART + length(key) + 2, RLENGTH - length(key) - 2)
        return "-"
    }
    function ratio(a, b) { return (b + 0 > 0) ? sprintf("%.2f", a / b) : (a + 0 == 0 ? "1.00" : "inf") }
    { line[NR] = " " $0; name[NR] = $1 }
    END {
        q = line[1]
        printf "web: %d icmp targets (1 echo/s each), %d wrk clients, %ds windows\n\n", n, c, w
        printf "%-9s %8s %8s %8s %6s | %7s %8s %9s %9s %9s %7s %5s %6s\n", "load", "req/s", "p50 ms", "p99 ms", "errors",
            "skipped", "echoes/s", "late>1ms", "start p99", "start avg", "x p99", "cpu%", "loop%"
        for (i = 1; i <= NR; i++) {
            l = line[i]
            if (get(l, "skipped") == "graph-route-not-served") {
                printf "%-9s graph route not served, skipped\n", name[i]
                continue
            }
            printf "%-9s %8s %8s %8s %6s | %7s %8s %9s %9s %9s %7s %5s %6s\n", name[i],
                i == 1 ? "-" : get(l, "rps"), i == 1 ? "-" : get(l, "p50_ms"), i == 1 ? "-" : get(l, "p99_ms"),
                i == 1 ? "-" : get(l, "errors"), get(l, "skipped"), get(l, "echoes_s"), get(l, "late_echoes"),
                get(l, "late_p99_ms"), get(l, "late_mean_ms"),
                i == 1 ? "1.00" : ratio(get(l, "late_p99_ms"), get(q, "late_p99_ms")),
                get(l, "cpu_pct"), get(l, "loop_cpu_pct")
        }
        printf "\nstart p99/avg: round start lateness (ms) from probed_round_start_lateness_seconds,\n"
        printf "p99 to its bucket bound; x p99: ratio to the quiet window; late>1ms: icmp echoes\n"
        printf "sent over 1 ms after their planned time; %d warning/error lines in the log.\n", warn
    }' "$RESULTS"
echo
sed 's/^/raw: /' "$RESULTS"
