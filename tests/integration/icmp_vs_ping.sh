#!/bin/bash
# The icmp probe against iputils ping on the same path, at the same time:
# the probe's median RTT is within 0.1 ms of ping's. We compare medians:
# ping's per-echo times (its summary has no median) against the median of
# the probe's per-round medians in the series, for IPv4 and IPv6. Then ping
# floods at 200 echoes/s to the probed host and to another, on the same
# host as probed: the probe's series shows no loss, no duplicate and no
# late reply, and since probed (root) reads through raw sockets, which see
# every ICMP message of the namespace, its shutdown line counts each of
# ping's replies as foreign.
set -euo pipefail
. "$(dirname "$0")/lib.sh" "$1"

pd_require_cmd rrdtool ping
pd_lab_init

COUNT=20
PING_COUNT=200
FLOOD_SECONDS=10
MAX_DIFF_MS=0.1

pd_target a 1
pd_target b 2
pd_wait_ipv6 a 1

pd_write_file "$PD_CFG" <<EOF
data_dir: ./data
log: { level: info }
rrd: { write_delay: 1s }
storage: { heartbeat: 2s }
templates:
  host:
    checks:
      - { id: ping, type: icmp, interval: 1s, timeout: 200ms, count: $COUNT, spacing: 20ms }
targets:
  - { id: a4, name: "a IPv4", address: $(pd_addr4 1), type: host, site: lab }
  - { id: a6, name: "a IPv6", address: "$(pd_addr6 1)", type: host, site: lab }
  - { id: b4, name: "b IPv4", address: $(pd_addr4 2), type: host, site: lab }
EOF

pd_daemon_start
grep -q 'ICMP sockets: IPv4 raw, IPv6 raw' "$PD_LOG" ||
    pd_fail "expected raw ICMP sockets (started as root): $(grep 'ICMP sockets' "$PD_LOG")"
pd_note "probed pid $PD_DAEMON_PID with raw sockets"
for t in a4 a6 b4; do
    pd_wait_state "$t" ping UP 10
done

# ping's per-echo times, one run per family, while probed probes the same
# host. Bounded by -w.
ping_replies=0
declare -A ping_median
quiet_start=$(date +%s)
for fam in 4 6; do
    out="$PD_TMP/ping$fam.out"
    addr=$(pd_addr$fam 1)
    ip netns exec "$PD_PROBER" ping -"$fam" -n -c "$PING_COUNT" -i 0.02 -w 30 "$addr" >"$out" ||
        pd_fail "ping -$fam $addr failed: $(tail -n 3 "$out")"
    n=$(grep -c 'time=' "$out" || true)
    pd_assert_range "ping -$fam replies" "$n" "$PING_COUNT" "$PING_COUNT"
    ping_replies=$((ping_replies + n))
    ping_median[$fam]=$(grep -oE 'time=[0-9.]+' "$out" | cut -d= -f2 | pd_median)
    pd_note "ping -$fam $addr: median ${ping_median[$fam]} ms; $(grep -E '^rtt' "$out")"
done
quiet_end=$(date +%s)
pd_daemon_alive

# Floods from the same namespace, to the probed host (both families) and to
# another host.
flood_pids=()
for dst in "4 $(pd_addr4 1)" "6 $(pd_addr6 1)" "4 $(pd_addr4 2)"; do
    read -r fam addr <<<"$dst"
    ip netns exec "$PD_PROBER" ping -"$fam" -n -q -i 0.005 -w "$FLOOD_SECONDS" "$addr" \
        >"$PD_TMP/flood-$addr.out" 2>&1 &
    flood_pids+=($!)
    PD_PIDS+=($!)
done
flood_start=$(date +%s)
for pid in "${flood_pids[@]}"; do
    pd_wait_pid "$pid" $((FLOOD_SECONDS + 10)) || true
done
flood_end=$(date +%s)
for f in "$PD_TMP"/flood-*.out; do
    n=$(awk '/packets transmitted/ { print $4 }' "$f")
    pd_note "flood ${f##*/flood-}: $(grep 'packets transmitted' "$f")"
    pd_assert_range "flood ${f##*/flood-} replies" "${n:-0}" $((FLOOD_SECONDS * 100)) 1000000
    ping_replies=$((ping_replies + n))
done
pd_daemon_alive

pd_daemon_stop
[ "$PD_DAEMON_RC" = 0 ] || pd_fail "probed exited $PD_DAEMON_RC on SIGTERM, expected 0"

for fam in 4 6; do
    rrd="$PD_DATA/rrd/a$fam/ping.rrd"
    probed_median=$(pd_rrd_column "$rrd" rtt_median "$quiet_start" "$quiet_end" | pd_median)
    probed_avg=$(pd_rrd_column "$rrd" rtt_avg "$quiet_start" "$quiet_end" | pd_median)
    rows=$(pd_rrd_column "$rrd" rtt_median "$quiet_start" "$quiet_end" | wc -l)
    pd_note "IPv$fam: probed median $probed_median ms (median of $rows rows; of their" \
        "averages $probed_avg ms), ping median ${ping_median[$fam]} ms"
    pd_assert_range "IPv$fam rows in the quiet window" "$rows" 4 100
    awk -v a="$probed_median" -v b="${ping_median[$fam]}" -v d="$MAX_DIFF_MS" \
        'BEGIN { exit !(a - b <= d && b - a <= d) }' ||
        pd_fail "IPv$fam: probed median $probed_median ms, ping ${ping_median[$fam]} ms:" \
            "more than $MAX_DIFF_MS ms apart"
    pd_ok "IPv$fam median RTT: probed $probed_median ms, ping ${ping_median[$fam]} ms"
done

# The rows entirely inside the floods. A sample covers the time from the
# previous round's start to its own, and a round lasts under a second.
for t in a4 a6 b4; do
    rrd="$PD_DATA/rrd/$t/ping.rrd"
    from=$((flood_start + 1))
    to=$((flood_end - 1))
    read -r sent rows < <(pd_rrd_sum "$rrd" sent "$from" "$to")
    read -r received _ < <(pd_rrd_sum "$rrd" received "$from" "$to")
    read -r dup _ < <(pd_rrd_sum "$rrd" dup "$from" "$to")
    read -r late _ < <(pd_rrd_sum "$rrd" late "$from" "$to")
    median=$(pd_rrd_column "$rrd" rtt_median "$from" "$to" | pd_median)
    pd_note "$t under the floods: $rows rows, sent $sent, received $received, dup $dup," \
        "late $late, median RTT $median ms"
    pd_assert_range "$t: rows under the floods" "$rows" $((FLOOD_SECONDS - 4)) $((FLOOD_SECONDS + 3))
    [ "$sent" = "$received" ] || pd_fail "$t: $received of $sent echoes answered under the floods"
    [ "$dup" = 0.000000 ] && [ "$late" = 0.000000 ] ||
        pd_fail "$t: $dup duplicates, $late late replies under the floods, expected none"
done
pd_ok "no loss, duplicate or late reply while ping floods"

pd_note "shutdown: $(grep -oE 'icmp: [0-9]+ echoes sent.*' "$PD_LOG" | tail -n 1)"
foreign=$(pd_icmp_count foreign)
for what in late duplicates stale malformed; do
    n=$(pd_icmp_count "$what")
    [ "$n" = 0 ] || pd_fail "shutdown line: $n $what, expected 0"
done
# Each of ping's replies passed probed's raw sockets, and none was taken.
[ "$foreign" = "$ping_replies" ] ||
    pd_fail "shutdown line: $foreign foreign replies, ping received $ping_replies"
pd_ok "all $ping_replies of ping's replies counted as foreign, none matched"
