#!/bin/bash
# probed killed with SIGKILL and started again: the dead run is closed at its
# last sign of life, every state it left open becomes UNKNOWN there, the
# time until the restart is recorded as unobserved, and no UP time is
# claimed across that gap. Then a clean SIGTERM stop exits 0 and says so in
# the store.
set -euo pipefail
. "$(dirname "$0")/lib.sh" "$1"

pd_lab_init

GAP_SECONDS=4
HEARTBEAT_MS=2000
MS=1000000

pd_target codec 1
pd_listen codec "$(pd_addr4 1)" 5060

pd_write_file "$PD_CFG" <<EOF
data_dir: ./data
timezone: Asia/Shanghai
log: { level: info }
storage: { heartbeat: ${HEARTBEAT_MS}ms }
templates:
  codec:
    checks:
      - { id: sip, type: tcp, port: 5060, interval: 1s, timeout: 500ms, fail_after: 3,
          recover_after: 2, availability: true }
targets:
  - { id: gy-codec-01, name: "贵阳市会议终端01", address: $(pd_addr4 1), type: codec,
      site: guizhou/guiyang }
EOF

pd_daemon_start
run1=$PD_RUN_ID
pd_wait_state gy-codec-01 '' UP 15
# Let at least one heartbeat land after the start.
pd_wait_for "SELECT last_heartbeat_ns > started_ns FROM runs WHERE id = $run1" 1 \
    $((HEARTBEAT_MS / 1000 + 5))
pd_ok "run $run1 UP with a heartbeat"
# Kill between two heartbeats, so that results outlive the last one.
sleep "$(awk -v ms="$HEARTBEAT_MS" 'BEGIN { print ms / 2000 }')"

kill_ns=$(pd_now_ns)
pd_daemon_kill9
hb1=$(pd_sql "SELECT last_heartbeat_ns FROM runs WHERE id = $run1")
# Its last sign of life: the later of that heartbeat and its last result.
alive1=$(pd_sql "SELECT max($hb1, coalesce(max(last_ns), 0)) FROM current_state
                 WHERE run_id = $run1")
pd_note "killed run $run1 with SIGKILL; its last heartbeat $(pd_secs $((kill_ns - hb1))) s," \
    "its last result $(pd_secs $((kill_ns - alive1))) s before"
sleep "$GAP_SECONDS"

restart_ns=$(pd_now_ns)
pd_daemon_start
run2=$PD_RUN_ID
[ "$run2" -gt "$run1" ] || pd_fail "new run id $run2 not after $run1"
IFS='|' read -r started2 < <(pd_sql "SELECT started_ns FROM runs WHERE id = $run2")
pd_note "restarted as run $run2"

# The dead run is closed, at or after its last heartbeat and before the kill.
IFS='|' read -r end1 stopped1 reason1 < <(pd_sql "
    SELECT coalesce(end_ns, 0), coalesce(stopped_ns, 0), coalesce(end_reason, '')
    FROM runs WHERE id = $run1")
[ "$end1" -gt 0 ] || pd_fail "run $run1 not closed after the restart (end_ns empty)"
[ "$stopped1" = 0 ] || pd_fail "run $run1 has stopped_ns $stopped1 though it was killed"
[ "$end1" = "$alive1" ] || pd_fail "run $run1 ends at $end1, expected its last sign of life $alive1" \
    "(heartbeat $hb1)"
pd_ok "run $run1 closed at its last sign of life, reason '$reason1'"

# The gap: from that end to the new start, recorded as unobserved.
IFS='|' read -r gap_from gap_to gap_reason < <(pd_sql "
    SELECT from_ns, to_ns, reason FROM unobserved
    WHERE from_ns >= $hb1 AND from_ns <= $kill_ns ORDER BY from_ns DESC LIMIT 1")
[ -n "${gap_from:-}" ] || pd_fail "no unobserved row starting between the last heartbeat and the kill:
$(pd_sql 'SELECT * FROM unobserved')"
[ "$gap_from" = "$end1" ] || pd_fail "unobserved from $gap_from, but run $run1 ends at $end1"
pd_assert_range "unobserved to_ns - restart (ms)" $(((gap_to - restart_ns) / MS)) 0 \
    $(((started2 - restart_ns) / MS + 1000))
pd_ok "unobserved $(pd_secs $((gap_to - gap_from))) s, reason '$gap_reason'"

# Every state the dead run left open turns UNKNOWN at its end.
for check in '' sip; do
    IFS='|' read -r from_state reason < <(pd_sql "
        SELECT from_state, reason FROM transitions
        WHERE target_id = 'gy-codec-01' AND check_id = '$check' AND at_ns = $gap_from
          AND to_state = 'UNKNOWN'")
    [ "${from_state:-}" = UP ] || pd_fail "no UP -> UNKNOWN transition for check '$check' at the gap's start:
$(pd_sql "SELECT * FROM transitions WHERE target_id = 'gy-codec-01' AND check_id = '$check'")"
    grep -qi 'no clean stop' <<<"$reason" ||
        pd_fail "UNKNOWN transition for check '$check' has reason '$reason', expected 'no clean stop'"
done
pd_ok "UNKNOWN at the gap's start, reason '$reason'"

# No UP claimed across [gap_from, gap_to): the state in force at gap_from is
# not UP, and nothing turns UP inside the gap.
up_across=$(pd_sql "
    WITH pairs AS (SELECT DISTINCT target_id, check_id FROM transitions)
    SELECT p.target_id || '/' || p.check_id FROM pairs p
    WHERE (SELECT to_state FROM transitions t
           WHERE t.target_id = p.target_id AND t.check_id = p.check_id AND t.at_ns <= $gap_from
           ORDER BY t.at_ns DESC, t.id DESC LIMIT 1) = 'UP'
       OR EXISTS (SELECT 1 FROM transitions t
                  WHERE t.target_id = p.target_id AND t.check_id = p.check_id
                    AND t.at_ns > $gap_from AND t.at_ns < $gap_to AND t.to_state = 'UP')")
[ -z "$up_across" ] || pd_fail "UP claimed inside the unobserved gap for: $up_across"
pd_ok "no UP time claimed across the gap"

# And the new run observes again, from after the gap.
pd_wait_state gy-codec-01 '' UP 15
up2=$(pd_sql "SELECT at_ns FROM transitions WHERE target_id = 'gy-codec-01' AND check_id = ''
              ORDER BY at_ns DESC, id DESC LIMIT 1")
[ "$up2" -ge "$gap_to" ] || pd_fail "target UP again at $up2, before the gap's end $gap_to"
pd_ok "UP again in run $run2"

stop_ns=$(pd_now_ns)
pd_daemon_stop
[ "$PD_DAEMON_RC" = 0 ] || pd_fail "probed exited $PD_DAEMON_RC on SIGTERM, expected 0"
stopped2=$(pd_sql "SELECT coalesce(stopped_ns, 0) FROM runs WHERE id = $run2")
[ "$stopped2" -ge "$stop_ns" ] || pd_fail "run $run2 stopped_ns '$stopped2', expected >= $stop_ns"
n=$(pd_sql "SELECT count(*) FROM transitions WHERE at_ns >= $stop_ns AND to_state = 'UNKNOWN'
            AND reason LIKE '%daemon stopped%'")
[ "$n" -ge 2 ] || pd_fail "expected 'daemon stopped' UNKNOWN transitions for the target and sip, found $n:
$(pd_sql "SELECT * FROM transitions WHERE at_ns >= $stop_ns")"
pd_ok "SIGTERM: exit 0, run $run2 stopped, states UNKNOWN with 'daemon stopped'"
