#!/bin/bash
# The icmp probe without root: probed started as nobody, with no capability,
# gets no raw socket and falls back to datagram ("ping") sockets, allowed by
# net.ipv4.ping_group_range in its namespace. Hosts answer over IPv4 and
# IPv6 and are UP, AF41 still marks the echoes, a host cut off goes DOWN
# and comes back. The kernel hands a datagram socket only the replies to
# its own echoes, so ping running beside it is not even seen: no foreign
# reply is counted.
set -euo pipefail
. "$(dirname "$0")/lib.sh" "$1"

pd_require_cmd rrdtool ping setpriv
pd_lab_init

COUNT=5
USER_NAME=nobody

pd_target a 1
pd_target b 2
pd_wait_ipv6 a 1
ip netns exec "$PD_PREFIX-a" nft -f - <<'EOF'
table inet pdt_dscp {
    counter af41_4 { }
    counter af41_6 { }
    counter cs0 { }
    counter other { }
    chain input {
        type filter hook input priority filter - 10; policy accept;
        icmp type echo-request ip dscp af41 counter name "af41_4"
        icmp type echo-request ip dscp cs0 counter name "cs0"
        icmp type echo-request ip dscp != { cs0, af41 } counter name "other"
        icmpv6 type echo-request ip6 dscp af41 counter name "af41_6"
        icmpv6 type echo-request ip6 dscp cs0 counter name "cs0"
        icmpv6 type echo-request ip6 dscp != { cs0, af41 } counter name "other"
    }
}
EOF
gid=$(id -g "$USER_NAME")
ip netns exec "$PD_PROBER" sysctl -qw net.ipv4.ping_group_range="$gid $gid"

chmod 755 "$PD_TMP"
mkdir "$PD_DATA"
chown "$USER_NAME:" "$PD_DATA"
pd_write_file "$PD_CFG" <<EOF
data_dir: ./data
log: { level: info }
rrd: { write_delay: 1s }
storage: { heartbeat: 2s }
templates:
  marked:
    checks:
      - { id: ping, type: icmp, interval: 1s, timeout: 300ms, count: $COUNT, spacing: 50ms,
          dscp: AF41, fail_after: 2, recover_after: 2 }
  host:
    checks:
      - { id: ping, type: icmp, interval: 1s, timeout: 300ms, count: $COUNT, spacing: 50ms,
          fail_after: 2, recover_after: 2 }
targets:
  - { id: a4, name: "a IPv4", address: $(pd_addr4 1), type: marked, site: lab }
  - { id: a6, name: "a IPv6", address: "$(pd_addr6 1)", type: marked, site: lab }
  - { id: b4, name: "b IPv4", address: $(pd_addr4 2), type: host, site: lab }
EOF

pd_daemon_start_as "$USER_NAME"
uid=$(awk '/^Uid:/ { print $3 }' "/proc/$PD_DAEMON_PID/status")
[ "$uid" = "$(id -u "$USER_NAME")" ] || pd_fail "probed runs as uid $uid, expected $USER_NAME"
grep -q 'ICMP sockets: IPv4 datagram, IPv6 datagram' "$PD_LOG" ||
    pd_fail "expected datagram ICMP sockets: $(grep 'ICMP sockets' "$PD_LOG")"
pd_ok "probed as $USER_NAME (pid $PD_DAEMON_PID) with datagram sockets"

start_s=$(date +%s)
for t in a4 a6 b4; do
    pd_wait_state "$t" ping UP 10
done
pd_ok "a4, a6, b4 UP"

# ping beside it, to the same host, both families.
ping_replies=0
for fam in 4 6; do
    out="$PD_TMP/ping$fam.out"
    ip netns exec "$PD_PROBER" ping -"$fam" -n -q -c 300 -i 0.01 -w 20 "$(pd_addr$fam 1)" >"$out" ||
        pd_fail "ping -$fam failed: $(tail -n 3 "$out")"
    n=$(awk '/packets transmitted/ { print $4 }' "$out")
    pd_note "ping -$fam: $(grep 'packets transmitted' "$out")"
    ping_replies=$((ping_replies + n))
done
pd_daemon_alive
end_s=$(date +%s)

pd_cut b
pd_wait_state b4 ping DOWN 8
pd_restore b
pd_wait_state b4 ping UP 8
pd_ok "b4 DOWN when cut off, UP when restored"

for t in a4 a6; do
    rrd="$PD_DATA/rrd/$t/ping.rrd"
    read -r sent rows < <(pd_rrd_sum "$rrd" sent "$start_s" "$end_s")
    read -r received _ < <(pd_rrd_sum "$rrd" received "$start_s" "$end_s")
    median=$(pd_rrd_column "$rrd" rtt_median "$start_s" "$end_s" | pd_median)
    pd_note "$t: $rows rows, sent $sent, received $received, median RTT $median ms"
    pd_assert_range "$t: rows" "$rows" 2 100
    [ "$sent" = "$received" ] || pd_fail "$t: received $received of $sent"
    pd_float_cmp "$median" '<' 300 || pd_fail "$t: median RTT $median ms"
done
pd_ok "no loss to a over either family"

af41_4=$(pd_nft_packets a pdt_dscp af41_4)
af41_6=$(pd_nft_packets a pdt_dscp af41_6)
cs0=$(pd_nft_packets a pdt_dscp cs0)
other=$(pd_nft_packets a pdt_dscp other)
pd_note "a: echo requests with DSCP AF41 $af41_4 (IPv4), $af41_6 (IPv6), CS0 $cs0 (ping's" \
    "answered: $ping_replies), other $other"
[ "$other" = 0 ] || pd_fail "a: $other echo requests with another DSCP"
pd_assert_range "a: AF41 IPv4 echo requests" "$af41_4" $((2 * COUNT)) 100000
pd_assert_range "a: AF41 IPv6 echo requests" "$af41_6" $((2 * COUNT)) 100000
pd_assert_range "a: CS0 echo requests (ping's)" "$cs0" "$ping_replies" $((ping_replies + 20))
pd_ok "AF41 on probed's echoes through datagram sockets, 0 on ping's"

pd_daemon_stop
[ "$PD_DAEMON_RC" = 0 ] || pd_fail "probed exited $PD_DAEMON_RC on SIGTERM, expected 0"
pd_note "shutdown: $(grep -oE 'icmp: [0-9]+ echoes sent.*' "$PD_LOG" | tail -n 1)"
for what in foreign late duplicates stale malformed unreachable; do
    n=$(pd_icmp_count "$what")
    [ "$n" = 0 ] || pd_fail "shutdown line: $n $what, expected 0 (ping's $ping_replies replies are not ours)"
done
pd_ok "none of ping's $ping_replies replies reached probed's datagram sockets"
