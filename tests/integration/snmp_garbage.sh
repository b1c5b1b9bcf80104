#!/bin/bash
# An "agent" that answers every SNMP request with garbage (random bytes,
# truncated and corrupted copies of the request, a BER length of 16 MiB,
# empty datagrams): the snmp check is DOWN with "no answer", every bad
# datagram is dropped and counted, and the daemon runs on and stops
# cleanly. A real agent beside it stays UP throughout.
set -euo pipefail
. "$(dirname "$0")/lib.sh" "$1"

pd_require_cmd snmpd snmpget python3
pd_lab_init

pd_target junk 1
pd_target good 2
pd_snmpd good 2
ip netns exec "$PD_PREFIX-junk" python3 "$(dirname "$0")/../tools/udp_garbage.py" \
    "$(pd_addr4 1)" 161 40 >"$PD_TMP/garbage.out" 2>&1 &
PD_PIDS+=($!)

pd_write_file "$PD_TMP/secrets.yaml" <<EOF2
snmp:
  v2: { community: $PD_SNMP_COMMUNITY }
EOF2
chmod 600 "$PD_TMP/secrets.yaml"
pd_write_file "$PD_CFG" <<EOF2
data_dir: ./data
secrets: secrets.yaml
log: { level: info }
storage: { heartbeat: 2s, status_refresh: 0s }
plugins:
  snmp: { profiles: { v2: { version: 2c, retries: 2 } } }
templates:
  agent:
    checks:
      - { id: snmp, type: snmp, profile: v2, interval: 2s, timeout: 1500ms, fail_after: 2 }
targets:
  - { id: junk, address: $(pd_addr4 1), type: agent, site: lab }
  - { id: good, address: $(pd_addr4 2), type: agent, site: lab }
EOF2

pd_daemon_start
pd_wait_state good snmp UP 10
pd_wait_state junk snmp DOWN 15
reason=$(pd_sql "SELECT reason FROM transitions WHERE target_id = 'junk' AND check_id = 'snmp'
                 AND to_state = 'DOWN' ORDER BY at_ns DESC LIMIT 1")
[[ $reason == "no answer"* ]] || pd_fail "junk DOWN with '$reason', expected 'no answer ...'"
pd_ok "the garbage answerer is DOWN: $reason"

sleep 6 # more rounds of garbage
pd_daemon_alive
state=$(pd_sql "SELECT state FROM current_state WHERE target_id = 'good' AND check_id = 'snmp'")
[ "$state" = UP ] || pd_fail "the real agent is $state beside the garbage, expected UP"
pd_daemon_stop
[ "$PD_DAEMON_RC" = 0 ] || pd_fail "probed exited $PD_DAEMON_RC"
line=$(grep 'snmp: .* requests' "$PD_LOG" | tail -n 1)
dropped=$(sed -n 's/.* \([0-9]*\) datagrams dropped.*/\1/p' <<<"$line")
[ -n "$dropped" ] && [ "$dropped" -gt 0 ] || pd_fail "no dropped datagrams counted: '$line'"
pd_ok "probed ran on and stopped cleanly; $dropped bad datagrams dropped and counted"
