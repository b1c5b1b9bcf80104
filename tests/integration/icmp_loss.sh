#!/bin/bash
# Measured loss against injected loss: nftables drops 10 % of the echo
# requests coming into one host and 50 % into another, at random. The loss
# the icmp probe records in its series (sum of received over sum of sent)
# must be within 3 points of the injected rate, and within 1 point of the
# share the hosts' own counters saw dropped. Thousands of echoes each, so
# that 3 points is more than 4 standard deviations of the sampling.
set -euo pipefail
. "$(dirname "$0")/lib.sh" "$1"

pd_require_cmd rrdtool
pd_lab_init

INTERVAL=1000 # ms, the least an interval can be; the series' step too
COUNT=20
RUN_SECONDS=32
LOSSES=(10 50)
CHECKS=(4 8) # checks per host, each COUNT echoes a second

# Echo requests coming in, counted before and after pd_loss's chain.
count_echoes() {
    ip netns exec "$PD_PREFIX-$1" nft -f - <<'EOF'
table inet pdt_count {
    counter arrived { }
    counter passed { }
    chain before {
        type filter hook input priority filter - 10; policy accept;
        iifname "eth0" icmp type echo-request counter name "arrived"
    }
    chain after {
        type filter hook input priority filter + 10; policy accept;
        iifname "eth0" icmp type echo-request counter name "passed"
    }
}
EOF
}

checks_yaml() {
    local i
    for ((i = 1; i <= $1; i++)); do
        echo "      - { id: ping$i, type: icmp, interval: ${INTERVAL}ms, timeout: 200ms," \
            "count: $COUNT, spacing: 10ms, fail_after: 3 }"
    done
}

for i in "${!LOSSES[@]}"; do
    pd_target "loss${LOSSES[i]}" $((i + 1))
    count_echoes "loss${LOSSES[i]}"
    pd_loss "loss${LOSSES[i]}" "${LOSSES[i]}"
done

{
    echo "data_dir: ./data"
    echo "log: { level: info }"
    echo "rrd: { write_delay: 2s }"
    echo "storage: { heartbeat: 2s }"
    echo "templates:"
    for i in "${!LOSSES[@]}"; do
        echo "  loss${LOSSES[i]}:"
        echo "    checks:"
        checks_yaml "${CHECKS[i]}"
    done
    echo "targets:"
    for i in "${!LOSSES[@]}"; do
        echo "  - { id: loss${LOSSES[i]}, name: \"${LOSSES[i]} % loss\", address: $(pd_addr4 $((i + 1)))," \
            "type: loss${LOSSES[i]}, site: lab }"
    done
} | pd_write_file "$PD_CFG"

start_s=$(date +%s)
pd_daemon_start
pd_note "probed pid $PD_DAEMON_PID, run $PD_RUN_ID; ${RUN_SECONDS}s of echoes"
# Rounds with half their echoes lost are still good (loss_down 100): UP.
for i in "${!LOSSES[@]}"; do
    pd_wait_state "loss${LOSSES[i]}" ping1 UP 10
done
sleep "$RUN_SECONDS"
pd_daemon_alive
pd_daemon_stop
[ "$PD_DAEMON_RC" = 0 ] || pd_fail "probed exited $PD_DAEMON_RC on SIGTERM, expected 0"
end_s=$(($(date +%s) + 1)) # the whole series: the stop wrote every round

for i in "${!LOSSES[@]}"; do
    t="loss${LOSSES[i]}"
    sent=0 received=0 rows=0 extra=0
    for ((c = 1; c <= CHECKS[i]; c++)); do
        rrd="$PD_DATA/rrd/$t/ping$c.rrd"
        [ -f "$rrd" ] || pd_fail "no series $rrd"
        read -r s r < <(pd_rrd_sum "$rrd" sent "$start_s" "$end_s")
        read -r v _ < <(pd_rrd_sum "$rrd" received "$start_s" "$end_s")
        read -r d _ < <(pd_rrd_sum "$rrd" dup "$start_s" "$end_s")
        read -r l _ < <(pd_rrd_sum "$rrd" late "$start_s" "$end_s")
        sent=$(awk -v a="$sent" -v b="$s" 'BEGIN { print a + b }')
        received=$(awk -v a="$received" -v b="$v" 'BEGIN { print a + b }')
        extra=$(awk -v a="$extra" -v b="$d" -v c="$l" 'BEGIN { print a + b + c }')
        rows=$((rows + r))
    done
    arrived=$(pd_nft_packets "$t" pdt_count arrived)
    passed=$(pd_nft_packets "$t" pdt_count passed)
    # A row of the series per round (a row is the time-weighted average
    # of the rounds it overlaps, so the sums still count echoes).
    echoes=$(awk -v s="$sent" 'BEGIN { printf "%d", s + 0.5 }')
    measured=$(awk -v s="$sent" -v r="$received" 'BEGIN { printf "%.2f", 100 * (s - r) / s }')
    dropped=$(awk -v a="$arrived" -v p="$passed" 'BEGIN { printf "%.2f", 100 * (a - p) / a }')
    pd_note "$t: injected ${LOSSES[i]} %, dropped by nft $dropped % ($((arrived - passed)) of" \
        "$arrived), measured $measured % over about $echoes echoes ($rows rows)"
    pd_assert_range "$t: echoes in the series" "$echoes" 1000 1000000
    # The series misses the rounds of the last, incomplete step.
    pd_assert_range "$t: echoes in the series (arrived at the host: $arrived)" "$echoes" \
        $((arrived * 95 / 100)) "$arrived"
    awk -v m="$measured" -v w="${LOSSES[i]}" 'BEGIN { exit !(m - w <= 3 && w - m <= 3) }' ||
        pd_fail "$t: measured loss $measured %, injected ${LOSSES[i]} %: more than 3 points apart"
    awk -v m="$measured" -v w="$dropped" 'BEGIN { exit !(m - w <= 1 && w - m <= 1) }' ||
        pd_fail "$t: measured loss $measured %, the host dropped $dropped %: more than 1 point apart"
    [ "$extra" = 0 ] || pd_fail "$t: $extra duplicate or late replies, expected none"
    pd_ok "$t: measured $measured % loss, injected ${LOSSES[i]} %, dropped $dropped %"
done

sent=$(pd_icmp_count 'echoes sent')
answered=$(pd_icmp_count 'answered in time')
arrived=0
for t in "${LOSSES[@]}"; do
    arrived=$((arrived + $(pd_nft_packets "loss$t" pdt_count arrived)))
done
pd_note "shutdown: $(grep -oE 'icmp: [0-9]+ echoes sent.*' "$PD_LOG" | tail -n 1)"
# Every echo sent arrived (only the hosts' input drops); a round cut short
# by the stop is not submitted, so its replies are not counted.
[ "$sent" = "$arrived" ] || pd_fail "probed sent $sent echoes, the hosts saw $arrived arrive"
pd_assert_range "answered in time" "$answered" 1 "$sent"
pd_ok "$sent echoes sent, all arrived; $answered answered"
