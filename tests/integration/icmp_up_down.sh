#!/bin/bash
# The icmp probe against real hosts: an IPv4 and an IPv6 host answer and are
# UP; addresses without a route, and a host that rejects echoes with an ICMP
# error, are DOWN with the reason; a host name that does not resolve leaves
# its check UNKNOWN and the daemon running; a host cut off goes DOWN after
# fail_after rounds and UP again after recover_after. Checks with dscp: AF41
# arrive with DSCP 34, the others with 0, over the one shared socket per
# family. Echoes of 3000 bytes (fragmented on the 1500-byte links) are
# answered too. The daemon drops to nobody and keeps its raw sockets.
set -euo pipefail
. "$(dirname "$0")/lib.sh" "$1"

pd_require_cmd rrdtool jq
pd_lab_init

INTERVAL=1000 # ms
TIMEOUT=300   # ms
COUNT=5
FAIL_AFTER=2
RECOVER_AFTER=2

pd_target v4 1
pd_target v6 2
pd_target cut 3
pd_target reject 4
pd_target big 5
pd_wait_ipv6 v6 2
pd_wait_ipv6 reject 4
pd_wait_ipv6 big 5

# Echo requests at the two answering hosts, by DSCP, before anything else
# sees them.
for t in v4 v6; do
    ip netns exec "$PD_PREFIX-$t" nft -f - <<'EOF'
table inet pdt_dscp {
    counter af41 { }
    counter cs0 { }
    counter other { }
    chain input {
        type filter hook input priority filter - 10; policy accept;
        icmp type echo-request ip dscp af41 counter name "af41"
        icmp type echo-request ip dscp cs0 counter name "cs0"
        icmp type echo-request ip dscp != { cs0, af41 } counter name "other"
        icmpv6 type echo-request ip6 dscp af41 counter name "af41"
        icmpv6 type echo-request ip6 dscp cs0 counter name "cs0"
        icmpv6 type echo-request ip6 dscp != { cs0, af41 } counter name "other"
    }
}
EOF
done
# Every echo gets its error: no ICMP rate limit in that namespace.
ip netns exec "$PD_PREFIX-reject" sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0
ip netns exec "$PD_PREFIX-reject" nft -f - <<'EOF'
table inet pdt_reject {
    chain input {
        type filter hook input priority filter; policy accept;
        icmp type echo-request reject with icmp type host-unreachable
        icmpv6 type echo-request reject with icmpv6 type admin-prohibited
    }
}
EOF

chmod 755 "$PD_TMP" # the daemon drops to nobody, who must reach data_dir
pd_write_file "$PD_CFG" <<EOF
data_dir: ./data
user: nobody
log: { level: info }
rrd: { write_delay: 1s }
storage: { heartbeat: 2s, status_refresh: 0s }
templates:
  host:
    checks:
      - { id: ping, type: icmp, interval: ${INTERVAL}ms, timeout: ${TIMEOUT}ms, count: $COUNT,
          spacing: 50ms, fail_after: $FAIL_AFTER, recover_after: $RECOVER_AFTER, availability: true }
  marked:
    checks:
      - { id: ping, type: icmp, interval: ${INTERVAL}ms, timeout: ${TIMEOUT}ms, count: $COUNT,
          spacing: 50ms, fail_after: $FAIL_AFTER, recover_after: $RECOVER_AFTER, availability: true }
      - { id: ping_af41, type: icmp, interval: ${INTERVAL}ms, timeout: ${TIMEOUT}ms,
          count: $COUNT, spacing: 50ms, dscp: AF41 }
  big:
    checks:
      - { id: ping, type: icmp, interval: ${INTERVAL}ms, timeout: ${TIMEOUT}ms, count: $COUNT,
          spacing: 50ms, size: 3000 }
targets:
  - { id: v4, name: "IPv4 主机", address: $(pd_addr4 1), type: marked, site: lab }
  - { id: v6, name: "IPv6 host", address: "$(pd_addr6 2)", type: marked, site: lab }
  - { id: cut, name: "cut off later", address: $(pd_addr4 3), type: host, site: lab }
  - { id: reject4, name: "rejects IPv4 echoes", address: $(pd_addr4 4), type: host, site: lab }
  - { id: reject6, name: "rejects IPv6 echoes", address: "$(pd_addr6 4)", type: host, site: lab }
  - { id: noroute4, name: "no route IPv4", address: 10.213.250.2, type: host, site: lab }
  - { id: noroute6, name: "no route IPv6", address: "fd00:213:250::2", type: host, site: lab }
  - { id: noname, name: "does not resolve", address: no-such-host.invalid, type: host, site: lab }
  - { id: big4, name: "3000-byte echoes, IPv4", address: $(pd_addr4 5), type: big, site: lab }
  - { id: big6, name: "3000-byte echoes, IPv6", address: "$(pd_addr6 5)", type: big, site: lab }
EOF

pd_daemon_start
pd_note "probed pid $PD_DAEMON_PID, run $PD_RUN_ID"
grep -q 'ICMP sockets: IPv4 raw, IPv6 raw' "$PD_LOG" ||
    pd_fail "expected raw ICMP sockets for both families (started as root): $(grep 'ICMP sockets' "$PD_LOG")"
uid=$(awk '/^Uid:/ { print $3 }' "/proc/$PD_DAEMON_PID/status")
[ "$uid" = "$(id -u nobody)" ] || pd_fail "probed runs as uid $uid, expected nobody"
pd_ok "raw sockets for IPv4 and IPv6, running as nobody"

up_secs=$(((RECOVER_AFTER + 1) * INTERVAL / 1000 + 8))
for tc in v4/ping v4/ping_af41 v6/ping v6/ping_af41 cut/ping big4/ping big6/ping; do
    pd_wait_state "${tc%/*}" "${tc#*/}" UP "$up_secs"
done
pd_ok "IPv4 and IPv6 hosts UP (plain, AF41 and 3000-byte checks)"

# reason_of TARGET: the reason of the check's last DOWN transition.
reason_of() {
    pd_sql "SELECT reason FROM transitions WHERE target_id = '$1' AND check_id = 'ping'
            AND to_state = 'DOWN' ORDER BY at_ns DESC, id DESC LIMIT 1"
}
down_secs=$(((FAIL_AFTER + 1) * INTERVAL / 1000 + 8))
for t in noroute4 noroute6; do
    pd_wait_state "$t" ping DOWN "$down_secs"
    reason=$(reason_of "$t")
    [[ "$reason" == "no reply to $COUNT echoes: Network is unreachable" ]] ||
        pd_fail "$t: DOWN with reason '$reason', expected 'no reply to $COUNT echoes: Network is unreachable'"
    pd_ok "$t DOWN: $reason"
done
for t in reject4 reject6; do
    pd_wait_state "$t" ping DOWN "$down_secs"
    reason=$(reason_of "$t")
    if [ "$t" = reject4 ]; then
        want="no reply to $COUNT echoes: destination unreachable (ICMP type 3 code 1 from $(pd_addr4 4))"
    else
        want="no reply to $COUNT echoes: destination unreachable (ICMP type 1 code 1 from $(pd_addr6 4))"
    fi
    [[ "$reason" == "$want" ]] || pd_fail "$t: DOWN with reason '$reason', expected '$want'"
    pd_ok "$t DOWN: $reason"
done

# The host name: rounds run, each without a verdict, so no transition at all.
resolved_rounds() {
    local r
    r=$(pd_sql "SELECT rounds FROM current_state WHERE target_id = 'noname' AND check_id = 'ping'
                AND state = 'UNKNOWN' AND last_verdict = 'none'
                AND last_reason LIKE '%does not resolve%'")
    [ -n "$r" ] && [ "$r" -ge 2 ]
}
pd_wait_until 15 "noname/ping UNKNOWN with 'does not resolve' for 2 rounds" resolved_rounds
json=$("$PD_BUILD/probectl" -c "$PD_CFG" status --format json)
reason=$(jq -r '.. | objects | select(.id? == "noname") | .checks[] | select(.id == "ping")
                | .state + ": " + .reason' <<<"$json")
[[ "$reason" == "UNKNOWN: host name 'no-such-host.invalid' does not resolve"* ]] ||
    pd_fail "probectl status shows noname/ping as '$reason'"
n=$(pd_sql "SELECT count(*) FROM transitions WHERE target_id = 'noname' AND to_state <> 'UNKNOWN'")
[ "$n" = 0 ] || pd_fail "noname has $n transitions to UP or DOWN"
pd_ok "noname/ping $reason"

# A host cut off: DOWN after fail_after rounds, UP after recover_after.
cut_ns=$(pd_now_ns)
pd_cut cut
pd_wait_state cut ping DOWN "$down_secs"
reason=$(reason_of cut)
[ "$reason" = "no reply to $COUNT echoes" ] ||
    pd_fail "cut: DOWN with reason '$reason', expected 'no reply to $COUNT echoes'"
pd_ok "cut DOWN $(pd_secs $(($(pd_now_ns) - cut_ns))) s after the cut: $reason"
restore_ns=$(pd_now_ns)
pd_restore cut
pd_wait_state cut ping UP "$up_secs"
pd_ok "cut UP again $(pd_secs $(($(pd_now_ns) - restore_ns))) s after the restore"

for t in v4 v6; do
    n=$(pd_sql "SELECT count(*) FROM transitions WHERE target_id = '$t' AND to_state <> 'UP'")
    [ "$n" = 0 ] || pd_fail "$t has $n transitions away from UP"
done
pd_ok "v4 and v6 stayed UP"

# DSCP as seen by the hosts: the AF41 checks' echoes carry 34, the plain
# checks' 0; both checks send the same number per round.
for t in v4 v6; do
    af41=$(pd_nft_packets "$t" pdt_dscp af41)
    cs0=$(pd_nft_packets "$t" pdt_dscp cs0)
    other=$(pd_nft_packets "$t" pdt_dscp other)
    pd_note "$t: echo requests with DSCP AF41 $af41, CS0 $cs0, other $other"
    [ "$other" = 0 ] || pd_fail "$t: $other echo requests with a DSCP other than AF41 and 0"
    pd_assert_range "$t: AF41 echo requests" "$af41" $((3 * COUNT)) 100000
    pd_assert_range "$t: AF41 - CS0 echo requests" $((af41 - cs0)) $((-2 * COUNT)) $((2 * COUNT))
done
pd_ok "DSCP AF41 (34) on the marked checks' echoes, 0 on the others, IPv4 and IPv6"

end_s=$(date +%s)
pd_daemon_stop
[ "$PD_DAEMON_RC" = 0 ] || pd_fail "probed exited $PD_DAEMON_RC on SIGTERM, expected 0"
pd_ok "clean stop"

# The series (complete after the stop): the answering hosts lost nothing,
# the unrouted ones everything.
start_s=$((end_s - 60))
for t in v4 v6 big4 big6 noroute4 noroute6 reject4 reject6; do
    rrd="$PD_DATA/rrd/$t/ping.rrd"
    [ -f "$rrd" ] || pd_fail "no series $rrd"
    read -r sent rows < <(pd_rrd_sum "$rrd" sent "$start_s" "$end_s")
    read -r received _ < <(pd_rrd_sum "$rrd" received "$start_s" "$end_s")
    median=$(pd_rrd_column "$rrd" rtt_median "$start_s" "$end_s" | pd_median)
    pd_note "$t: $rows rows, sent $sent, received $received, median RTT $median ms"
    pd_assert_range "$t: rows" "$rows" 3 100
    case $t in
    v4 | v6 | big4 | big6)
        [ "$sent" = "$received" ] || pd_fail "$t: received $received of $sent"
        pd_float_cmp "$median" '<' "$TIMEOUT" || pd_fail "$t: median RTT $median ms"
        ;;
    *)
        [ "$received" = 0.000000 ] || pd_fail "$t: received $received, expected 0"
        pd_float_cmp "$sent" '>' 0 || pd_fail "$t: sent $sent, expected > 0"
        ;;
    esac
done
pd_ok "series: no loss to v4, v6, big4 and big6, total loss to the others"
[ ! -e "$PD_DATA/rrd/noname/ping.rrd" ] || pd_fail "a series for the unresolved name"

# Every echo to the rejecting host was answered by an error, counted once.
# The series misses the last round (its step is not complete), the count
# may miss the round cut short by the stop.
unreach=$(pd_icmp_count unreachable)
pd_note "shutdown: $(grep -oE 'icmp: [0-9]+ echoes sent.*' "$PD_LOG" | tail -n 1)"
rejected=0
for t in reject4 reject6; do
    read -r sent _ < <(pd_rrd_sum "$PD_DATA/rrd/$t/ping.rrd" sent 0 "$end_s")
    rejected=$((rejected + ${sent%.*}))
done
pd_assert_range "ICMP errors counted (echoes to the rejecting host: $rejected)" "${unreach:-0}" \
    $((rejected - 2 * COUNT)) $((rejected + 2 * COUNT))
pd_ok "the shutdown line counts $unreach ICMP errors for $rejected echoes rejected"
