#!/bin/bash
# probectl ping: one round through the real icmp plugin, to an address, to
# a configured target (its name shown, its check's options used), IPv6,
# a cut-off device (exit 1, "no reply"), JSON for scripts, and usage errors.
set -euo pipefail
. "$(dirname "$0")/lib.sh" "$1"

pd_require_cmd jq
pd_lab_init

pd_target codec 1
pd_target gone 2

pd_write_file "$PD_CFG" <<EOF
data_dir: ./data
templates:
  codec:
    checks:
      - { id: ping, type: icmp, interval: 10s, timeout: 1s, count: 7, spacing: 20ms, size: 100 }
targets:
  - { id: gy-codec-01, name: "贵阳市会议终端01", address: $(pd_addr4 1), type: codec, site: gz }
EOF

ctl() { ip netns exec "$PD_PROBER" "$PD_BUILD/probectl" "$@"; }

out=$(ctl ping -n 4 -i 20ms "$(pd_addr4 1)") || pd_fail "ping of a live address exited $?: $out"
echo "$out" | sed 's/^/#   /'
echo "$out" | grep -q '^4 echoes sent, 4 received, 0% loss' || pd_fail "summary line missing"
echo "$out" | grep -q '^rtt min/avg/median/max/stddev = ' || pd_fail "rtt line missing"
[ "$(echo "$out" | grep '^rtts' | wc -w)" -eq 7 ] || pd_fail "not 4 sorted RTTs"
echo "$out" | grep -q '^round: good$' || pd_fail "round not good"
pd_ok "an address: 4 echoes, 4 replies, exit 0"

# -W 3s: in a namespace made a moment ago the first IPv6 packets wait about
# a second for the target's link-local address (duplicate address
# detection) before neighbour discovery can answer.
out=$(ctl ping -6 -n 3 -i 20ms -W 3s "$(pd_addr6 1)") || pd_fail "IPv6 ping exited $?: $out"
echo "$out" | grep -q '^3 echoes sent, 3 received' || pd_fail "IPv6: $out"
pd_ok "IPv6"

# The target's own check: 7 echoes unless told otherwise, its name shown.
out=$(ctl -c "$PD_CFG" ping gy-codec-01) || pd_fail "ping of a target exited $?: $out"
echo "$out" | grep -q "^PING 贵阳市会议终端01 ($(pd_addr4 1))" || pd_fail "target name: $out"
echo "$out" | grep -q '^7 echoes sent, 7 received' || pd_fail "target's count not used: $out"
out=$(ctl -c "$PD_CFG" ping -n 2 gy-codec-01) || pd_fail "ping -n 2 of a target exited $?"
echo "$out" | grep -q '^2 echoes sent' || pd_fail "-n did not override the target's count"
pd_ok "a configured target: its name, its count, overridden by -n"

# Every packet to the device dropped: a bad round, exit 1.
pd_cut gone
rc=0
out=$(ctl ping -n 3 -i 20ms -W 200ms "$(pd_addr4 2)") || rc=$?
[ "$rc" -eq 1 ] || pd_fail "cut-off device: exit $rc, not 1: $out"
echo "$out" | grep -q '^3 echoes sent, 0 received, 100% loss' || pd_fail "cut-off: $out"
echo "$out" | grep -q '^round: bad: no reply to 3 echoes' || pd_fail "cut-off reason: $out"
pd_ok "a cut-off device: 100% loss, exit 1"

json=$(ctl ping --format json -n 3 -i 20ms "$(pd_addr4 1)") || pd_fail "json ping exited $?"
[ "$(echo "$json" | jq -r .verdict)" = good ] || pd_fail "json verdict: $json"
[ "$(echo "$json" | jq -r .metrics.received)" = 3 ] || pd_fail "json received: $json"
echo "$json" | jq -e '.metrics.rtt_median > 0 and .metrics.ping3 >= .metrics.ping1' >/dev/null ||
    pd_fail "json RTTs: $json"
pd_ok "JSON output"

rc=0
err=$(ctl ping -n 0 "$(pd_addr4 1)" 2>&1) || rc=$?
{ [ "$rc" -eq 1 ] && echo "$err" | grep -q 'count must be 1..20'; } || pd_fail "-n 0: exit $rc: $err"
rc=0
err=$(ctl ping 2>&1) || rc=$?
{ [ "$rc" -eq 2 ] && echo "$err" | grep -q 'which address or target'; } ||
    pd_fail "no argument: exit $rc: $err"
rc=0
err=$(ctl ping -n 3 -x "$(pd_addr4 1)" 2>&1) || rc=$?
[ "$rc" -eq 2 ] || pd_fail "unknown option -x: exit $rc: $err"
pd_ok "bad options: clear messages, exit 1 or 2"
