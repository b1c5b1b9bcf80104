#!/bin/bash
# A device cut off and restored: the outage is detected after fail_after bad
# rounds, starts at the first of them, and ends when the device answers
# again; the series, `probectl status` and `probectl events` show it. A
# second device (IPv6) stays up throughout.
set -euo pipefail
. "$(dirname "$0")/lib.sh" "$1"

pd_require_cmd rrdtool
pd_lab_init

# Timing of the sip check, in ms; the bounds below follow from them.
INTERVAL=1000
TIMEOUT=500
FAIL_AFTER=3
RECOVER_AFTER=2
MS=1000000 # ns per ms

pd_target codec 1
pd_target server 2
pd_listen codec "$(pd_addr4 1)" 5060 1720
pd_listen server "$(pd_addr6 2)" 5060

# The daemon starts as root and drops to nobody, who must reach data_dir.
chmod 755 "$PD_TMP"

pd_write_file "$PD_CFG" <<EOF
data_dir: ./data
timezone: Asia/Shanghai
user: nobody
log: { level: info }
storage: { heartbeat: 2s, status_refresh: 0s }   # every result in the status table
templates:
  codec:
    severity: important
    checks:
      - { id: sip, type: tcp, port: 5060, interval: ${INTERVAL}ms, timeout: ${TIMEOUT}ms,
          fail_after: $FAIL_AFTER, recover_after: $RECOVER_AFTER, availability: true }
      - { id: h323, type: tcp, port: 1720, interval: 5s }
  server:
    checks:
      - { id: sip, type: tcp, port: 5060, interval: 1s, timeout: 500ms, availability: true }
targets:
  - { id: gy-codec-01, name: "贵阳市会议终端01", address: $(pd_addr4 1), type: codec,
      site: guizhou/guiyang }
  - { id: gy-srv-01, name: "贵阳市 IPv6 服务器", address: "$(pd_addr6 2)", type: server,
      site: guizhou/guiyang }
EOF

pd_daemon_start
pd_note "probed pid $PD_DAEMON_PID, run $PD_RUN_ID"

uid=$(awk '/^Uid:/ { print $2 "/" $3 }' "/proc/$PD_DAEMON_PID/status")
[ "$uid" = "$(id -u nobody)/$(id -u nobody)" ] ||
    pd_fail "probed runs as uid $uid (real/effective), expected nobody"
capeff=$(awk '/^CapEff:/ { print $2 }' "/proc/$PD_DAEMON_PID/status")
[ "$capeff" = 0000000000000000 ] || pd_fail "probed kept capabilities $capeff, expected none"
grep -q 'running as nobody' "$PD_LOG" || pd_fail "the log does not say which user probed runs as"
pd_ok "privileges dropped to nobody, no capabilities kept"

pd_wait_state gy-codec-01 sip UP 15
pd_wait_state gy-codec-01 '' UP 5
pd_wait_state gy-srv-01 sip UP 10
pd_ok "both targets UP"

# Cut: the outage begins with the first round after the cut.
cut_ns=$(pd_now_ns)
pd_cut codec
# fail_after rounds, the last one's timeout, and a margin for the commit.
pd_wait_state gy-codec-01 sip DOWN $(((FAIL_AFTER * INTERVAL + TIMEOUT) / 1000 + 4))
pd_ok "sip DOWN committed $(pd_secs $(($(pd_now_ns) - cut_ns))) s after the cut"

IFS='|' read -r down_at down_detected down_from < <(pd_sql "
    SELECT at_ns, detected_ns, from_state FROM transitions
    WHERE target_id = 'gy-codec-01' AND check_id = 'sip' AND to_state = 'DOWN'
    ORDER BY at_ns DESC LIMIT 1")
[ "$down_from" = UP ] || pd_fail "DOWN transition from '$down_from', expected UP"
# The first bad round starts within one interval after the cut (and a round
# that started just before it may already miss its answer).
pd_assert_range "DOWN at_ns - cut time (ms)" $(((down_at - cut_ns) / MS)) \
    $((-INTERVAL)) $((INTERVAL + 500))
# Confirmed by the fail_after-th bad round: (fail_after - 1) intervals after
# the first, plus that round's timeout.
pd_assert_range "DOWN detected_ns - at_ns (ms)" $(((down_detected - down_at) / MS)) \
    $(((FAIL_AFTER - 1) * INTERVAL - 300)) $(((FAIL_AFTER - 1) * INTERVAL + TIMEOUT + 1500))
pd_ok "outage starts at the first bad round ($(pd_secs $((down_detected - down_at))) s before detection)"

# The target follows its availability check, from the same instant.
pd_wait_state gy-codec-01 '' DOWN 5
target_down_at=$(pd_sql "SELECT at_ns FROM transitions WHERE target_id = 'gy-codec-01'
                         AND check_id = '' AND to_state = 'DOWN' ORDER BY at_ns DESC LIMIT 1")
[ "$target_down_at" = "$down_at" ] ||
    pd_fail "target DOWN at $target_down_at, its sip check DOWN at $down_at: expected the same instant"
pd_ok "target-level DOWN at the check's first bad round"

restore_ns=$(pd_now_ns)
pd_restore codec
pd_wait_state gy-codec-01 sip UP $(((RECOVER_AFTER * INTERVAL) / 1000 + 5))
pd_wait_state gy-codec-01 '' UP 5
up_at=$(pd_sql "SELECT at_ns FROM transitions WHERE target_id = 'gy-codec-01'
                AND check_id = 'sip' AND to_state = 'UP' ORDER BY at_ns DESC LIMIT 1")
pd_assert_range "UP at_ns - restore time (ms)" $(((up_at - restore_ns) / MS)) \
    $((-TIMEOUT)) $((INTERVAL + 500))
pd_ok "restored: sip and target UP again, from the first good round"

n=$(pd_sql "SELECT count(*) FROM transitions WHERE target_id = 'gy-srv-01' AND to_state <> 'UP'")
[ "$n" = 0 ] || pd_fail "gy-srv-01 (not cut) has $n transitions away from UP"
pd_ok "the IPv6 target stayed UP"

# The series: a connect time was recorded after the restore.
rrd="$PD_DATA/rrd/gy-codec-01/sip.rrd"
rrd_has_connect_ms() {
    local out
    [ -f "$rrd" ] || return 1
    out=$(rrdtool lastupdate "$rrd" 2>/dev/null) || return 1
    # First line: the data source names; last line: "<time>: <values>".
    head -n 1 <<<"$out" | grep -qw connect_ms || return 1
    tail -n 1 <<<"$out" | grep -Eq '^[0-9]+: .*[0-9]'
}
pd_wait_until 15 "a connect_ms value in $rrd" rrd_has_connect_ms
pd_ok "RRD $rrd: $(rrdtool lastupdate "$rrd" | tr '\n' ' ')"

status=$("$PD_BUILD/probectl" -c "$PD_CFG" status --format csv)
grep -E '^gy-codec-01,|,gy-codec-01,' <<<"$status" | grep -q UP ||
    pd_fail "probectl status --format csv shows no UP row for gy-codec-01:
$status"
grep -q '贵阳市会议终端01' <<<"$status" || pd_fail "probectl status lost the UTF-8 name:
$status"
"$PD_BUILD/probectl" -c "$PD_CFG" status >/dev/null || pd_fail "probectl status (table) failed"
if command -v jq >/dev/null 2>&1; then
    "$PD_BUILD/probectl" -c "$PD_CFG" status --format json | jq -e . >/dev/null ||
        pd_fail "probectl status --format json is not JSON"
fi
pd_ok "probectl status lists the target UP"

events=$("$PD_BUILD/probectl" -c "$PD_CFG" events --target gy-codec-01 --format csv)
n_down=$(grep -c DOWN <<<"$events" || true)
[ "$n_down" -ge 2 ] || pd_fail "probectl events: expected DOWN rows for sip and the target, got:
$events"
grep -q gy-srv-01 <<<"$events" && pd_fail "probectl events --target gy-codec-01 lists gy-srv-01:
$events"
pd_ok "probectl events lists the transitions ($(wc -l <<<"$events") lines)"

# Rounds that time out (the cut) still end before their next slot.
skipped=$(pd_sql "SELECT sum(skipped) FROM current_state WHERE check_id != ''")
[ "$skipped" = 0 ] || pd_fail "$skipped rounds skipped; none expected with timeout < interval"
pd_ok "no round skipped, the outage's timeouts included"

pd_daemon_stop
[ "$PD_DAEMON_RC" = 0 ] || pd_fail "probed exited $PD_DAEMON_RC on SIGTERM, expected 0"
pd_ok "clean stop"
