#!/bin/bash
# probed with 10,000 TCP checks every 10 s, and monitoring-plugins' check_tcp
# beside it in the same run. See bench/README.md for the method.
#
#   sudo bench/tcp_10k.sh BUILD_DIR
#
# Two network namespaces: the prober's, and a target namespace where an
# AnyIP route makes every address of 10.214.0.0/16 local, so one pd-listen
# on 0.0.0.0:5060-5061 answers 10,000 distinct targets. Nothing leaves them.
# After the window, probed is stopped and pd-connect-floor makes the same
# connects from a bare epoll loop: the kernel's share that any prober pays.
# Environment (for shorter trial runs): PD_BENCH_TARGETS (10000),
# PD_BENCH_WARMUP (20 s), PD_BENCH_WINDOW (120 s), PD_BENCH_PEER_SAMPLE
# (1000), PD_BENCH_PEER_JOBS (4), PD_BENCH_FLOOR_WINDOW (30 s), PD_KEEP=1
# keeps the work directory.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

TARGETS=${PD_BENCH_TARGETS:-10000}
WARMUP=${PD_BENCH_WARMUP:-20}
WINDOW=${PD_BENCH_WINDOW:-120}
INTERVAL=10 # s, the check interval
PEER_SAMPLE=${PD_BENCH_PEER_SAMPLE:-1000}
PEER_JOBS=${PD_BENCH_PEER_JOBS:-4}
FLOOR_WINDOW=${PD_BENCH_FLOOR_WINDOW:-30}
CHECK_TCP=/usr/lib/nagios/plugins/check_tcp

bench_build --root "${1:-}" probed pd-listen pd-connect-floor
if [ "$TARGETS" -lt 1 ] || [ "$TARGETS" -gt 60000 ]; then
    die "PD_BENCH_TARGETS: 1..60000"
fi
[ "$PEER_SAMPLE" -le "$TARGETS" ] || PEER_SAMPLE=$TARGETS

# The peer tool and GNU time: Debian packages, installed for the bench only.
need=()
[ -x "$CHECK_TCP" ] || need+=(monitoring-plugins-basic)
[ -x /usr/bin/time ] || need+=(time)
for c in ip sqlite3 awk; do
    command -v "$c" >/dev/null 2>&1 || die "needs '$c'"
done
bench_install "${need[@]}"

bench_init tcp_10k "pdb-$$"
BENCH_LOG="$WORK/probed.log"
bench_lab 10.213.0 10.214

# probed connects to 5060, check_tcp to 5061, so that an nftables counter of
# SYNs to 5060 in the target namespace counts probed's checks exactly.
ip netns exec "$T_NS" "$BUILD/pd-listen" 0.0.0.0 5060-5061 2>"$WORK/listen.log" &
BENCH_PIDS+=("$!")
for ((i = 0; i < 50; i++)); do
    grep -q '^listening on' "$WORK/listen.log" && break
    sleep 0.1
done
grep -q '^listening on' "$WORK/listen.log" || die "pd-listen did not start: $(cat "$WORK/listen.log")"
ip netns exec "$P_NS" timeout 3 bash -c 'exec 3<>/dev/tcp/10.214.39.16/5060' ||
    die "AnyIP lab: no answer from 10.214.39.16:5060"

# Target i: 10.214.(i / 250).(i % 250 + 1).
awk -v n="$TARGETS" 'BEGIN {
    print "id,name,address,type,site"
    for (i = 0; i < n; i++)
        printf "bench-%05d,压测终端%05d,10.214.%d.%d,dev,bench/g%02d\n", i, i, int(i / 250), i % 250 + 1, i % 20
}' >"$WORK/inventory.csv"
awk -F, -v n="$TARGETS" -v k="$PEER_SAMPLE" \
    'NR > 1 && (NR - 2) % int(n / k) == 0 && c < k { print $3; c++ }' \
    "$WORK/inventory.csv" >"$WORK/peer-sample.txt"

cat >"$WORK/probed.yaml" <<EOF
data_dir: ./data
timezone: Asia/Shanghai
log: { level: info }
storage: { heartbeat: 60s }
rrd: { rras: [ { step: 1x, keep: 1h } ] }
templates:
  dev:
    checks:
      - { id: sip, type: tcp, port: 5060, interval: ${INTERVAL}s, timeout: 2s, fail_after: 3,
          recover_after: 2, availability: true }
inventory: [ "inventory.csv" ]
EOF
DB="$WORK/data/probed.db"
sql() { sqlite3 -batch -noheader -cmd '.timeout 10000' "$DB" "$1"; }

echo "tcp_10k: $TARGETS targets, check every ${INTERVAL}s; warm-up ${WARMUP}s, window ${WINDOW}s" >&2
ip netns exec "$P_NS" "$BUILD/probed" -c "$WORK/probed.yaml" -f 2>"$WORK/probed.log" &
PROBED_PID=$!
sleep "$WARMUP"
running "$PROBED_PID" || die "probed exited during the warm-up"
[ -f "$DB" ] || die "no $DB after the warm-up"

# The peer: check_tcp on a sample, one pass per interval, as a scheduler
# running it every 10 s would; GNU time sums the CPU of every child.
passes=$((WINDOW / INTERVAL))
cat >"$WORK/peer.sh" <<EOF
for ((p = 0; p < $passes; p++)); do
    start=\$(date +%s%N)
    xargs -P $PEER_JOBS -I{} $CHECK_TCP -H {} -p 5061 -t 2 <"$WORK/peer-sample.txt" || true
    left=\$(( ($INTERVAL * 1000000000 - (\$(date +%s%N) - start)) / 1000000 ))
    [ \$left -gt 0 ] && sleep \$(awk -v ms=\$left 'BEGIN { print ms / 1000 }')
done
EOF

ip netns exec "$T_NS" nft -f - <<'NFT' || die "cannot add the SYN counter"
table inet pd_bench {
    counter probed_syns { }
    chain input {
        type filter hook input priority 0;
        tcp dport 5060 tcp flags & (syn | ack) == syn counter name probed_syns
    }
}
NFT
syns() {
    ip netns exec "$T_NS" nft list counter inet pd_bench probed_syns |
        awk '/packets/ { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }'
}

hz=$(getconf CLK_TCK)
t0=$(date +%s%N)
cpu0=$(cpu_ticks "$PROBED_PID")
syn0=$(syns)
IFS='|' read -r skipped0 < <(sql "SELECT coalesce(sum(skipped), 0)
                                         FROM current_state WHERE check_id <> ''")
ip netns exec "$P_NS" /usr/bin/time -f '%e %U %S' -o "$WORK/peer.time" \
    bash "$WORK/peer.sh" >"$WORK/peer.out" 2>&1 &
peer_pid=$!
BENCH_PIDS+=("$peer_pid")
sleep "$WINDOW"
t1=$(date +%s%N)
running "$PROBED_PID" || die "probed exited during the window"
cpu1=$(cpu_ticks "$PROBED_PID")
syn1=$(syns)
hwm_kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$PROBED_PID/status")
IFS='|' read -r skipped1 < <(sql "SELECT coalesce(sum(skipped), 0)
                                         FROM current_state WHERE check_id <> ''")
n_up=$(sql "SELECT count(*) FROM current_state WHERE check_id = '' AND state = 'UP'")
n_down=$(sql "SELECT count(*) FROM transitions WHERE to_state = 'DOWN'")

# The peer's last pass may still run; give it at most one more interval.
for ((i = 0; i < (INTERVAL + 30) * 10; i++)); do
    running "$peer_pid" || break
    sleep 0.1
done
running "$peer_pid" && die "check_tcp passes overran the window by more than $((INTERVAL + 30))s"
wait "$peer_pid" || true
read -r peer_wall peer_user peer_sys <"$WORK/peer.time" || die "no timing from the peer: $(cat "$WORK/peer.time")"
peer_ok=$(grep -c '^TCP OK' "$WORK/peer.out" || true)
peer_checks=$((passes * PEER_SAMPLE))

rrd_bytes=$(du -sb "$WORK/data/rrd" 2>/dev/null | awk '{ print $1 }')

# The floor: the same connect rate from a bare epoll loop (no scheduler, no
# state, no storage), with probed stopped. In this lab the kernel work of
# both ends of every handshake lands on the connecting side; that much any
# prober pays here, and what probed costs beyond it is its own.
stop_pid "$PROBED_PID"
PROBED_PID=""
floor=$(ip netns exec "$P_NS" "$BUILD/pd-connect-floor" 10.214.0.1 "$TARGETS" 5061 \
    $((TARGETS / INTERVAL)) "$FLOOR_WINDOW") || die "pd-connect-floor failed: $floor"
read -r _ floor_n _ _ _ _ _ floor_cpu _ floor_wall <<<"$floor"
awk -v hz="$hz" -v t0="$t0" -v t1="$t1" -v c0="$cpu0" -v c1="$cpu1" \
    -v r0="$syn0" -v r1="$syn1" -v s0="$skipped0" -v s1="$skipped1" \
    -v hwm="$hwm_kb" -v n="$TARGETS" -v up="$n_up" -v down="$n_down" -v iv="$INTERVAL" \
    -v pw="$peer_wall" -v pu="$peer_user" -v ps="$peer_sys" -v pc="$peer_checks" -v pok="$peer_ok" \
    -v rrd="${rrd_bytes:-0}" -v fn="$floor_n" -v fc="$floor_cpu" -v fw="$floor_wall" 'BEGIN {
    wall = (t1 - t0) / 1e9
    cpu = (c1 - c0) / hz
    rounds = r1 - r0
    per = rounds > 0 ? cpu / rounds * 1e6 : 0
    peer_per = pc > 0 ? (pu + ps) / pc * 1e6 : 0
    printf "\nprobed, %d targets, one tcp check every %ds, window %.0f s:\n", n, iv, wall
    printf "  CPU                %.2f s = %.1f%% of one core\n", cpu, cpu / wall * 100
    printf "  checks run         %d (SYNs counted at the targets; expected about %d)\n", rounds, n * wall / iv
    printf "  CPU per check      %.1f us\n", per
    printf "  peak RSS (VmHWM)   %.1f MiB\n", hwm / 1024
    printf "  skipped rounds     %d\n", s1 - s0
    printf "  targets UP         %d of %d; DOWN transitions: %d\n", up, n, down
    printf "  RRD files          %.1f MiB\n", rrd / 1048576
    printf "bare connect loop (pd-connect-floor), same rate, %.0f s alone:\n", fw
    printf "  CPU                %.2f s = %.1f%% of one core, %.1f us per connect\n", fc, fc / fw * 100, fc / fn * 1e6
    printf "  probed beyond it   %.1f%% of one core, %.1f us per check\n", cpu / wall * 100 - fc / fw * 100, per - fc / fn * 1e6
    printf "check_tcp (monitoring-plugins), %d checks in the same window:\n", pc
    printf "  CPU                %.2f s user + %.2f s sys over %.0f s\n", pu, ps, pw
    printf "  CPU per check      %.1f us  (%d answered TCP OK)\n", peer_per, pok
    if (per > 0)
        printf "  ratio              check_tcp uses %.0fx the CPU of probed per check\n", peer_per / per
    printf "\n| %d | %.1f%% | %.1f us | %.1f%% | %.1f MiB | %d | %d/%d | %.1f us | %.0fx |\n", n,
        cpu / wall * 100, per, fc / fw * 100, hwm / 1024, s1 - s0, up, n, peer_per,
        (per > 0 ? peer_per / per : 0)
}'
[ "$n_up" = "$TARGETS" ] || die "only $n_up of $TARGETS targets UP at the end"
[ "$n_down" = 0 ] || die "$n_down DOWN transitions during the bench"
