#!/bin/bash
# probed's icmp probe and fping, one echo per target per second, one after
# the other in the same lab and the same run. See bench/README.md.
#
#   sudo bench/icmp.sh BUILD_DIR
#
# Two network namespaces: the prober's, and a target namespace where an
# AnyIP route makes every address of 10.215.0.0/16 local, so that its
# kernel answers the echoes of thousands of distinct targets. Nothing
# leaves them. For each size of PD_BENCH_TIERS: probed alone, then fping
# alone paced (-i spread over part of the second, one wake-up per echo),
# then fping in bursts (-i 0), on the same targets; for each size of
# PD_BENCH_ALONE, probed alone (rates fping cannot run). An nftables
# counter in the target namespace counts the echo requests of each window.
# Environment, for shorter trial runs (an empty list runs none):
# PD_BENCH_TIERS ("1000 5000 6000 10000"), PD_BENCH_ALONE ("20000 30000"),
# PD_BENCH_WARMUP (30 s; probed's also lasts until every RRD file exists),
# PD_BENCH_WINDOW (60 s), PD_BENCH_FPING_SPREAD (0.4: fping's -i is
# 0.4 s / targets), PD_BENCH_FPING_BURST (1: also fping -i 0),
# PD_BENCH_PERF (a number of targets: profile probed with perf for 20 s
# after that window), PD_BENCH_SEND_WINDOW (plugins.icmp.send_window,
# default the plugin's), PD_KEEP=1 keeps the work directory (data included).
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

TIERS=${PD_BENCH_TIERS-1000 5000 6000 10000}
ALONE=${PD_BENCH_ALONE-20000 30000}
WARMUP=${PD_BENCH_WARMUP:-30}
WINDOW=${PD_BENCH_WINDOW:-60}
SPREAD=${PD_BENCH_FPING_SPREAD:-0.4}
BURST=${PD_BENCH_FPING_BURST:-1}
PERF_AT=${PD_BENCH_PERF:-}
PERF_SECONDS=20
SEND_WINDOW=${PD_BENCH_SEND_WINDOW:-}
MAX_RATE=50000 # plugins.icmp.max_rate
BUCKET=200     # plugins.icmp.burst

bench_build --root "${1:-}" probed plugins/icmp.so
# shellcheck disable=SC2086 # the lists are words
largest=$(bench_largest "PD_BENCH_TIERS, PD_BENCH_ALONE" targets 60000 $TIERS $ALONE)
if [ "$WARMUP" -lt 5 ] || [ "$WINDOW" -lt 5 ]; then
    die "PD_BENCH_WARMUP, PD_BENCH_WINDOW: at least 5 s"
fi

# The peer tool: a Debian package, installed for the bench only.
need=()
command -v fping >/dev/null 2>&1 || need+=(fping)
if [ -n "$PERF_AT" ] && ! command -v perf >/dev/null 2>&1; then
    need+=(linux-perf)
fi
for c in ip nft sqlite3 rrdtool awk; do
    command -v "$c" >/dev/null 2>&1 || die "needs '$c'"
done
bench_install "${need[@]}"
FPING=$(command -v fping)

bench_init icmp "pdi-$$"
bench_lab 10.212.0 10.215

# Echo requests arriving at the targets: the echoes each tool made.
ip netns exec "$T_NS" nft -f - <<'NFT' || die "cannot add the echo counter"
table inet pd_bench_icmp {
    counter requests { }
    chain input {
        type filter hook input priority 0;
        icmp type echo-request counter name requests
    }
}
NFT
requests() {
    ip netns exec "$T_NS" nft list counter inet pd_bench_icmp requests |
        awk '/packets/ { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }'
}
ip netns exec "$P_NS" "$FPING" -q -c 1 -t 500 10.215.39.16 2>/dev/null ||
    die "AnyIP lab: no echo reply from 10.215.39.16"

# Target i: 10.215.(i / 250).(i % 250 + 1).
bench_inventory "$WORK/inventory.csv" "$largest" bench 压测终端 dev 10.215
RESULTS="$WORK/results"
: >"$RESULTS"
hz=$(getconf CLK_TCK)

# Packets the prober namespace's raw sockets dropped (receive buffer full).
raw_drops() {
    ip netns exec "$P_NS" awk 'NR > 1 { d += $NF } END { print d + 0 }' /proc/net/raw
}

# Sums of sent and received over every check's RRD rows that lie wholly
# inside the window (s, e], one row a second. A row without a value is a
# round whose sample the file does not have.
rrd_window() {
    local data=$1 s=$2 e=$3
    find "$data/rrd" -name '*.rrd' -printf "fetch %p AVERAGE -r 1 -s $((s - 2)) -e $((e + 2))\n" |
        rrdtool - | awk -v s="$s" -v e="$e" '
        /^ *[a-z]/ && /sent/ {
            for (i = 1; i <= NF; i++) {
                if ($i == "sent") is = i + 1
                if ($i == "received") ir = i + 1
            }
            files++
            next
        }
        /^[0-9]+:/ {
            ts = $1 + 0
            if (ts <= s || ts > e) next
            rows++
            if ($is ~ /nan/ || $ir ~ /nan/) { missing++; next }
            sent += $is; received += $ir
        }
        /^ERROR/ { errors++ }
        END {
            printf "rrd_files=%d rrd_rows=%d rrd_sent=%.3f rrd_received=%.3f rrd_missing=%d rrd_errors=%d\n",
                files, rows, sent, received, missing, errors
        }'
}

run_probed() {
    local n=$1
    local dir="$WORK/probed-$n" keep=$((WARMUP + WINDOW + PERF_SECONDS + 300)) i files
    mkdir -p "$dir"
    head -n $((n + 1)) "$WORK/inventory.csv" >"$dir/inventory.csv"
    cat >"$dir/probed.yaml" <<EOF
data_dir: ./data
timezone: Asia/Shanghai
log: { level: info }
storage: { heartbeat: 60s }
rrd: { rras: [ { step: 1x, keep: ${keep}s } ] }
plugins: { icmp: { max_rate: $MAX_RATE, burst: $BUCKET${SEND_WINDOW:+, send_window: $SEND_WINDOW} } }
templates:
  dev:
    checks:
      - { id: ping, type: icmp, interval: 1s, timeout: 500ms, count: 1 }
inventory: [ "inventory.csv" ]
EOF
    LOG="$dir/probed.log"
    BENCH_LOG=$LOG
    echo "icmp: probed, $n targets: warm-up ${WARMUP}s or more, window ${WINDOW}s" >&2
    local start
    start=$(date +%s%N)
    ip netns exec "$P_NS" "$BUILD/probed" -c "$dir/probed.yaml" -f 2>"$LOG" &
    PROBED_PID=$!
    local p=/proc/$PROBED_PID
    probed_warm_up "$dir" "$n" 300
    local t0 cpu0 loop0 req0 m0 t1 cpu1 loop1 req1 m1 hwm drops
    t0=$(date +%s%N)
    cpu0=$(cpu_ticks "$p")
    loop0=$(cpu_ticks "$p/task/$PROBED_PID")
    req0=$(requests)
    m0=$(machine_ticks)
    alive_for "$PROBED_PID" "$WINDOW" || die "probed exited during the window"
    t1=$(date +%s%N)
    cpu1=$(cpu_ticks "$p")
    loop1=$(cpu_ticks "$p/task/$PROBED_PID")
    req1=$(requests)
    m1=$(machine_ticks)
    hwm=$(hwm_kib "$p")
    drops=$(raw_drops)
    # While it runs: the stop marks every check UNKNOWN.
    local db="$dir/data/probed.db" up
    up=$(sqlite3 -batch -noheader -cmd '.timeout 10000' "$db" \
        "SELECT count(*) FROM current_state WHERE check_id = '' AND state = 'UP'")
    if [ "$PERF_AT" = "$n" ]; then
        echo "icmp: perf record on probed, ${PERF_SECONDS}s" >&2
        if perf record -q -F 999 -p "$PROBED_PID" -o "$WORK/perf.data" -- sleep "$PERF_SECONDS" \
            >/dev/null 2>&1; then
            perf_top "$PROBED_PID" >"$WORK/perf-top.txt"
        else
            echo "icmp: perf record failed" >&2
        fi
    fi
    stop_pid "$PROBED_PID" 120
    PROBED_PID=""
    # The plugin's summary at the stop, as key=value pairs.
    local notice stored
    notice=$(awk '
        function num(re, key,   t) {
            if (!match(line, re)) return ""
            t = substr(line, RSTART, RLENGTH)
            sub(/^(p1|p50|p99|max) /, "", t)
            match(t, /-?[0-9]+(\.[0-9]+)?/)
            return " " key "=" substr(t, RSTART, RLENGTH)
        }
        / icmp: [0-9]+ echoes sent/ { line = $0 }
        END {
            if (line == "") exit
            print num("[0-9]+ echoes sent", "sent") num("[0-9]+ refused", "refused") \
                num("[0-9]+ answered in time", "answered") num("[0-9]+ late,", "late") \
                num("[0-9]+ duplicates", "dups") num("[0-9]+ unreachable", "unreach") \
                num("[0-9]+ foreign", "foreign") num("[0-9]+ stale", "stale") \
                num("[0-9]+ malformed", "malformed") num("p1 -?[0-9.]+ ms", "p1") \
                num("p50 -?[0-9.]+ ms", "p50") \
                num("p99 -?[0-9.]+ ms", "p99") num("max -?[0-9.]+ ms", "max") \
                num("[0-9]+ waits", "waits")
        }' "$LOG")
    [ -n "$notice" ] || die "no icmp summary line in $LOG"
    stored=$(sed -nE 's/.* stopped: ([0-9]+) samples written, ([0-9]+) dropped.*/\1 \2/p' "$LOG" | tail -n 1)
    # Rows wholly inside the window; the last second is left out, as a row
    # is complete only once every check has a sample after it.
    local s=$(((t0 + 999999999) / 1000000000)) e=$((t1 / 1000000000 - 1)) rrd
    rrd=$(rrd_window "$dir/data" "$s" "$e")
    local down warn
    down=$(sqlite3 -batch -noheader "$db" "SELECT count(*) FROM transitions WHERE to_state = 'DOWN'")
    warn=$(grep -c -E '^[-0-9]+ [0-9:.]+ (warning|error): ' "$LOG" || true)
    local wr dr
    read -r wr dr <<<"${stored:-0 0}"
    echo "probed n=$n warmup=$(((t0 - start) / 1000000000)) t0=$t0 t1=$t1 cpu=$((cpu1 - cpu0)) loop=$((loop1 - loop0))" \
        "echoes=$((req1 - req0)) hwm=$hwm drops=$drops rrd_s=$s rrd_e=$e up=$up down=$down warn=$warn" \
        "$rrd$notice stored=$wr dropped=$dr" \
        "busy=$((${m1% *} - ${m0% *})) total=$((${m1#* } - ${m0#* }))" >>"$RESULTS"
    [ "${PD_KEEP:-0}" = 1 ] || rm -rf "$dir/data"
    }

# The loop thread's profile (the probe), then the other threads'.
perf_top() {
    local pid=$1
    echo "loop thread, by library:"
    perf report -i "$WORK/perf.data" --no-children --tid="$pid" --percentage relative \
        --sort dso --stdio 2>/dev/null | grep -v -e '^#' -e '^$' | head -n 8 || true
    echo "loop thread, by function:"
    perf report -i "$WORK/perf.data" --no-children --tid="$pid" --percentage relative \
        --sort dso,symbol --stdio 2>/dev/null | grep -v -e '^#' -e '^$' | head -n 30 || true
    echo "share of the samples by thread:"
    perf report -i "$WORK/perf.data" --no-children --sort pid --stdio 2>/dev/null |
        grep -v -e '^#' -e '^$' | head -n 5 || true
}

# run_fping N paced|burst
run_fping() {
    local n=$1 mode=$2
    local dir="$WORK/fping-$n-$mode" ms count=$((WARMUP + WINDOW + 3)) start
    mkdir -p "$dir"
    awk -F, -v n="$n" 'NR > 1 && NR <= n + 1 { print $3 }' "$WORK/inventory.csv" >"$dir/targets.txt"
    # Each target every 1000 ms and the same 500 ms timeout as probed's
    # check. Paced: one echo every SPREAD s / n, one wake-up each (fping
    # sleeps about 0.1 ms longer than asked, so 1 s / n would fall behind);
    # burst: -i 0, every due echo at once.
    if [ "$mode" = burst ]; then
        ms=0
    else
        ms=$(awk -v n="$n" -v f="$SPREAD" 'BEGIN { printf "%.4g", f * 1000 / n }')
    fi
    echo "icmp: fping -c $count -p 1000 -i $ms -t 500, $n targets" >&2
    local req_start
    req_start=$(requests)
    start=$(date +%s%N)
    ip netns exec "$P_NS" "$FPING" -q -c "$count" -p 1000 -i "$ms" -t 500 -f "$dir/targets.txt" \
        >"$dir/out" 2>"$dir/err" &
    PEER_PID=$!
    local p=/proc/$PEER_PID t0 t1 cpu0 cpu1 req0 req1 m0 m1 hwm drops status=ok rc=0 i
    if alive_for "$PEER_PID" "$WARMUP"; then
        t0=$(date +%s%N)
        cpu0=$(cpu_ticks "$p")
        req0=$(requests)
        m0=$(machine_ticks)
        if alive_for "$PEER_PID" "$WINDOW"; then
            t1=$(date +%s%N)
            cpu1=$(cpu_ticks "$p")
            req1=$(requests)
            m1=$(machine_ticks)
            hwm=$(hwm_kib "$p")
            drops=$(raw_drops)
        else
            status=exited
        fi
    else
        status=exited
    fi
    if [ "$status" = exited ]; then
        t1=$(date +%s%N)
        req1=$(requests)
    fi
    for ((i = 0; i < 300; i++)); do
        running "$PEER_PID" || break
        sleep 0.1
    done
    running "$PEER_PID" && die "fping still running 30 s after its last echo"
    wait "$PEER_PID" || rc=$?
    PEER_PID=""
    local summary
    summary=$(awk '/xmt\/rcv\/%loss/ {
            split($0, a, "= "); split(a[2], b, "/"); x += b[1]; r += b[2]; h++
        } END { printf "hosts=%d xmt=%d rcv=%d", h, x, r }' "$dir/err")
    if [ "$status" = exited ]; then
        local msg
        msg=$(grep -v 'xmt/rcv' "$dir/err" | head -n 1 | tr ' =' '_:' || true)
        echo "fping n=$n mode=$mode i=$ms status=exited after=$(((t1 - start) / 1000000))" \
            "echoes=$((req1 - req_start)) rc=$rc msg=${msg:-none} $summary" >>"$RESULTS"
    else
        echo "fping n=$n mode=$mode i=$ms status=ok t0=$t0 t1=$t1 cpu=$((cpu1 - cpu0))" \
            "echoes=$((req1 - req0)) hwm=$hwm drops=$drops rc=$rc $summary" \
            "busy=$((${m1% *} - ${m0% *})) total=$((${m1#* } - ${m0#* }))" >>"$RESULTS"
    fi
}

for n in $TIERS; do
    run_probed "$n"
    sleep 2
    run_fping "$n" paced
    sleep 2
    if [ "$BURST" = 1 ]; then
        run_fping "$n" burst
        sleep 2
    fi
done
for n in $ALONE; do
    run_probed "$n"
    sleep 2
done

echo
if [ -s "$WORK/perf-top.txt" ]; then
    echo "perf, probed with $PERF_AT targets, ${PERF_SECONDS}s after its window:"
    cat "$WORK/perf-top.txt"
    echo
fi
awk -v hz="$hz" -v ncpu="$(nproc)" '
function us(ticks, echoes) { return echoes > 0 ? ticks / hz / echoes * 1e6 : 0 }
# The whole machine during the window, % of one core (ncpu x 100 at most).
function machine() { return v["total"] > 0 ? v["busy"] / v["total"] * ncpu * 100 : 0 }
{
    delete v
    for (i = 2; i <= NF; i++) {
        j = index($i, "=")
        v[substr($i, 1, j - 1)] = substr($i, j + 1)
    }
    n = v["n"]
}
$1 == "probed" {
    wall = (v["t1"] - v["t0"]) / 1e9; echoes = v["echoes"]
    p_cpu[n] = us(v["cpu"], echoes); p_loop[n] = us(v["loop"], echoes); p_rss[n] = v["hwm"] / 1024
    p_lost[n] = sprintf("%.0f", v["rrd_sent"] - v["rrd_received"]); p_rows[n] = v["rrd_rows"] - v["rrd_missing"]
    p_unans[n] = v["sent"] - v["refused"] - v["answered"] - v["late"]
    p_p50[n] = v["p50"]; p_p99[n] = v["p99"]; p_rate[n] = echoes / wall
    order[++no] = n
    printf "probed, %d targets, one echo each a second (warm-up %d s, window %.0f s):\n", n, v["warmup"], wall
    printf "  echoes in the window   %d = %.0f/s (counted at the targets; %d planned)\n", echoes, echoes / wall, n * wall
    printf "  CPU                    %.2f s = %.1f%% of one core; loop thread %.2f s, other threads %.2f s\n",
        v["cpu"] / hz, v["cpu"] / hz / wall * 100, v["loop"] / hz, (v["cpu"] - v["loop"]) / hz
    printf "  CPU per 1,000 echoes   %.4f s (loop thread %.4f s)\n", p_cpu[n] / 1000, p_loop[n] / 1000
    printf "  peak RSS (VmHWM)       %.1f MiB\n", p_rss[n]
    printf "  lost in the window     %s of %.0f echoes in the RRD files (%d rows with a sample, %d without; %d fetch errors)\n",
        p_lost[n], v["rrd_sent"], p_rows[n], v["rrd_missing"], v["rrd_errors"]
    printf "  whole run              %d sent (%d refused), %d answered in time, %d late, %d dup, %d unreachable, %d foreign, %d stale, %d malformed; %d unanswered, in flight at the stop included\n",
        v["sent"], v["refused"], v["answered"], v["late"], v["dups"], v["unreach"], v["foreign"], v["stale"], v["malformed"],
        p_unans[n]
    printf "  send lateness          p1 %.3f ms, p50 %.3f ms, p99 %.3f ms, max %.3f ms (whole run); %d waits for the rate limit\n",
        v["p1"], v["p50"], v["p99"], v["max"], v["waits"]
    printf "  storage                %d samples written, %d dropped (whole run); raw socket drops %d\n",
        v["stored"], v["dropped"], v["drops"]
    printf "  targets UP             %d of %d at the end of the window; DOWN transitions %d; warnings in the log %d\n", v["up"], n, v["down"], v["warn"]
    printf "  whole machine busy     %.0f%% of one core, of %d%% (all processes)\n", machine(), ncpu * 100
}
$1 == "fping" && v["status"] == "ok" {
    wall = (v["t1"] - v["t0"]) / 1e9; echoes = v["echoes"]; m = v["mode"]
    f_cpu[m, n] = us(v["cpu"], echoes); f_rss[m, n] = v["hwm"] / 1024; f_lost[m, n] = v["xmt"] - v["rcv"]
    f_ok[m, n] = 1
    if (m == "paced" && n + 0 > best) best = n + 0
    printf "fping %s, %d targets, -p 1000 -i %s (window %.0f s):\n", m, n, v["i"], wall
    printf "  echoes in the window   %d = %.0f/s (counted at the targets; %d planned)\n", echoes, echoes / wall, n * wall
    printf "  CPU                    %.2f s = %.1f%% of one core\n", v["cpu"] / hz, v["cpu"] / hz / wall * 100
    printf "  CPU per 1,000 echoes   %.4f s\n", f_cpu[m, n] / 1000
    printf "  peak RSS (VmHWM)       %.1f MiB\n", f_rss[m, n]
    printf "  lost (whole run)       %d of %d (%d targets reported); raw socket drops %d; exit code %d\n",
        f_lost[m, n], v["xmt"], v["hosts"], v["drops"], v["rc"]
    printf "  whole machine busy     %.0f%% of one core, of %d%% (all processes)\n", machine(), ncpu * 100
}
$1 == "fping" && v["status"] == "exited" {
    m = v["mode"]; f_ok[m, n] = 0
    msg = v["msg"]; gsub(/_/, " ", msg); gsub(/:/, "=", msg)
    f_msg[m, n] = sprintf("exits after %.1f s", v["after"] / 1000)
    printf "fping %s, %d targets, -p 1000 -i %s: exited after %.1f s (%d echoes, exit code %d): %s\n",
        m, n, v["i"], v["after"] / 1000, v["echoes"], v["rc"], msg
}
function ran(m, n) { return ((m, n) in f_ok) && f_ok[m, n] }
function fcell(m, n) {
    if (!((m, n) in f_ok)) return "not run"
    if (!f_ok[m, n]) return "cannot: " f_msg[m, n]
    return sprintf("%.4f", f_cpu[m, n] / 1000)
}
END {
    print ""
    print "| targets | echoes/s | probed CPU s / 1,000 echoes (loop thread) | fping paced | probed / fping paced | fping -i 0 (bursts) | probed peak RSS | fping peak RSS | lost: probed in the window (whole run, stop included) / fping paced / fping bursts | probed send lateness p50 / p99 |"
    print "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    for (i = 1; i <= no; i++) {
        n = order[i]
        if (ran("paced", n))
            ratio = sprintf("%.2f", p_cpu[n] / f_cpu["paced", n])
        else if (best)
            ratio = sprintf("%.2f (fping at %d)", p_cpu[n] / f_cpu["paced", best], best)
        else
            ratio = "-"
        printf "| %d | %.0f | %.4f (%.4f) | %s | %s | %s | %.1f MiB | %s | %s / %s / %s | %.3f / %.3f ms |\n",
            n, p_rate[n], p_cpu[n] / 1000, p_loop[n] / 1000, fcell("paced", n), ratio, fcell("burst", n),
            p_rss[n], ran("paced", n) ? sprintf("%.1f MiB", f_rss["paced", n]) : "-",
            p_lost[n] " of " p_rows[n] " (" p_unans[n] ")", ran("paced", n) ? f_lost["paced", n] : "-",
            ran("burst", n) ? f_lost["burst", n] : "-", p_p50[n], p_p99[n]
    }
}' "$RESULTS"
