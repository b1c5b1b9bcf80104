#!/bin/bash
# Alerts from the daemon, end to end, to a webhook receiver on the prober
# namespace's loopback (tests/tools/pd_alert_sink.py):
#  - a device cut off: its problem arrives within fail_after x interval +
#    5 s of the cut (group_wait 2 s here), naming the device in Chinese;
#    restored: the recovery carries the outage's length;
#  - the receiver down for 30 s: the alert waits in the store (pending,
#    attempts recorded with their error), and arrives exactly once after
#    the receiver is back;
#  - the daemon killed (SIGKILL) with an alert pending: delivered after
#    the restart, once, and the restart alerts nothing else;
#  - a reload that fails keeps the running channels; one that succeeds
#    sends the next alert to the channel's new URL.
set -euo pipefail
. "$(dirname "$0")/lib.sh" "$1"

PY=/usr/bin/python3
[ -x "$PY" ] || pd_skip "needs /usr/bin/python3"
pd_require_cmd jq
pd_lab_init

INTERVAL=1 # s
FAIL_AFTER=3
HOOK_LOG="$PD_TMP/hook.log"
: >"$HOOK_LOG"
SINK_PID=""

# sink_start [PORT [LOG]]: the webhook receiver; its port in HOOK_PORT.
sink_start() {
    pd_alert_sink hook http --mode webhook --log "${2:-$HOOK_LOG}" --port "${1:-0}" \
        --max-seconds 300
    SINK_PID=$PD_SINK_PID
    HOOK_PORT=$PD_SINK_PORT
}

sink_stop() {
    pd_stop_pid "$SINK_PID" 5
    SINK_PID=""
}

# received FILTER: how many requests the receiver logged whose body
# matches the jq FILTER (applied to the parsed body).
received() {
    jq -c ".body | fromjson | select($1)" "$HOOK_LOG" | wc -l
}
received_is() { [ "$(received "$2")" = "$1" ]; }

pd_target codec 1
pd_target camera 2
sink_start

chmod 755 "$PD_TMP" # the daemon drops to nobody, who must reach data_dir
# write_config URL [ROUTE]: the webhook channel's URL, one more route.
write_config() {
    pd_write_file "$PD_CFG" <<EOF
data_dir: ./data
timezone: Asia/Shanghai
user: nobody
log: { level: info }
storage: { heartbeat: 2s }
templates:
  codec:
    severity: emergency
    checks:
      - { id: ping, type: icmp, interval: ${INTERVAL}s, timeout: 300ms, count: 3, spacing: 50ms,
          fail_after: $FAIL_AFTER, recover_after: 2, availability: true }
targets:
  - { id: gy-codec-01, name: "贵阳市会议终端01", address: $(pd_addr4 1), type: codec,
      site: guizhou/guiyang }
  - { id: gy-cam-01, name: "贵阳市摄像机01", address: $(pd_addr4 2), type: codec,
      site: guizhou/guiyang }
alerts:
  group_wait: 2s
  group_interval: 0s
  remind_every: 0
  retry: { min: 1s, max: 4s, expire: 10m }
  channels:
    - { id: noc, type: webhook, url: "$1", timeout: 3s }
  routes:
    - { id: all, channels: noc }
${2:-}
EOF
}
write_config "http://127.0.0.1:$HOOK_PORT/hook"

pd_daemon_start
pd_note "probed pid $PD_DAEMON_PID, run $PD_RUN_ID"
pd_wait_state gy-codec-01 '' UP 15
pd_wait_state gy-cam-01 '' UP 15
sleep 3 # a group_wait and more: coming UP from UNKNOWN at the start says nothing
[ "$(received 'true')" = 0 ] || pd_fail "alerts at the start: $(cat "$HOOK_LOG")"
pd_ok "both devices UP, nothing sent for the start"

# 1. Cut: the problem within fail_after x interval + 5 s.
cut_ns=$(pd_now_ns)
pd_cut codec
limit=$((FAIL_AFTER * INTERVAL + 5))
pd_wait_until "$limit" "the problem of gy-codec-01 at the receiver" \
    received_is 1 '.alerts[0].kind == "problem" and .alerts[0].id == "gy-codec-01"'
got_ns=$(jq -r 'select(.body | fromjson | .alerts[0].kind == "problem") | .received_ns' "$HOOK_LOG")
problem=$(jq -c '.body | fromjson | select(.alerts[0].kind == "problem")' "$HOOK_LOG")
pd_ok "problem received $(pd_secs $((got_ns - cut_ns))) s after the cut (limit $limit s)"
[ "$(jq -r '.alerts[0].name' <<<"$problem")" = "贵阳市会议终端01" ] || pd_fail "name: $problem"
[ "$(jq -r '[.alerts[0] | .to, .site, .severity, .check, .reason] | join(" ")' <<<"$problem")" = \
    "DOWN guizhou/guiyang emergency ping no reply to 3 echoes" ] || pd_fail "problem: $problem"
jq -e '.summary | startswith("[DOWN] 贵阳市会议终端01")' <<<"$problem" >/dev/null ||
    pd_fail "summary: $problem"
since=$(jq -r '.alerts[0].since' <<<"$problem")
[[ "$since" == *+08:00 ]] || pd_fail "since $since is not in Asia/Shanghai"
problem_id=$(jq -r '.id' <<<"$problem")
[ "$(pd_sql "SELECT state, attempts, items FROM alerts WHERE id = $problem_id")" = "delivered|1|1" ] ||
    pd_fail "the store's record of alert $problem_id: $(pd_sql "SELECT * FROM alerts WHERE id = $problem_id")"
pd_ok "the problem names the device, its site and severity, local times; recorded as delivered"

# Recovery: the outage's length, as the store has it.
sleep 4
pd_restore codec
pd_wait_until 12 "the recovery of gy-codec-01" \
    received_is 1 '.alerts[0].kind == "recovery"'
recovery=$(jq -c '.body | fromjson | select(.alerts[0].kind == "recovery")' "$HOOK_LOG")
IFS='|' read -r down_at up_at < <(pd_sql "
    SELECT d.at_ns, u.at_ns FROM transitions d, transitions u
    WHERE d.target_id = 'gy-codec-01' AND d.check_id = '' AND d.to_state = 'DOWN'
      AND u.target_id = 'gy-codec-01' AND u.check_id = '' AND u.to_state = 'UP' AND u.id > d.id
    ORDER BY u.id LIMIT 1")
want=$(((up_at - down_at) / 1000000000))
dur=$(jq -r '.alerts[0].duration_s' <<<"$recovery")
pd_assert_range "recovery duration_s (store: ${want}s)" "$dur" $((want - 1)) $((want + 1))
pd_assert_range "outage length" "$dur" 6 20
pd_ok "recovery received with duration ${dur}s, the store's outage"

# 2. The receiver down for 30 s: pending, then delivered exactly once.
sink_stop
pd_cut camera
pd_wait_for "SELECT count(*) FROM alerts WHERE kind = 'problem' AND state = 'pending' AND attempts >= 1" 1 15
pending_id=$(pd_sql "SELECT id FROM alerts WHERE state = 'pending'")
err=$(pd_sql "SELECT last_error FROM alerts WHERE id = $pending_id")
[[ "$err" == 127.0.0.1:$HOOK_PORT* ]] || pd_fail "the attempt's error does not name the receiver: '$err'"
pd_ok "receiver down: alert $pending_id pending, error recorded: $err"
"$PD_BUILD/probectl" -c "$PD_CFG" alerts --pending --format json >"$PD_TMP/pending.json" ||
    pd_fail "probectl alerts --pending failed"
[ "$(jq -r '[.alerts[] | "\(.id) \(.state) \(.kind)"] | join(",")' "$PD_TMP/pending.json")" = \
    "$pending_id pending problem" ] || pd_fail "probectl alerts --pending: $(cat "$PD_TMP/pending.json")"
"$PD_BUILD/probectl" -c "$PD_CFG" alerts --failed >"$PD_TMP/failed.txt" ||
    pd_fail "probectl alerts --failed failed"
grep -q "贵阳市摄像机01" "$PD_TMP/failed.txt" || pd_fail "probectl alerts --failed: $(cat "$PD_TMP/failed.txt")"
pd_ok "probectl alerts --pending and --failed list it"
sleep 30
attempts=$(pd_sql "SELECT count(*) FROM alert_attempts WHERE alert_id = $pending_id AND ok = 0")
# 30 s with retries from 1 s doubling to 4 s: about 9 attempts.
pd_assert_range "failed attempts in 30 s" "$attempts" 5 14
sink_start "$HOOK_PORT"
pd_wait_until 10 "alert $pending_id after the receiver came back" \
    received_is 1 ".id == $pending_id"
sleep 6 # longer than retry.max: a second delivery would show now
[ "$(received ".id == $pending_id")" = 1 ] || pd_fail "alert $pending_id delivered $(received ".id == $pending_id") times"
[ "$(pd_sql "SELECT state, attempts - 1 = $attempts FROM alerts WHERE id = $pending_id")" = "delivered|1" ] ||
    pd_fail "alert $pending_id: $(pd_sql "SELECT * FROM alerts WHERE id = $pending_id")"
pd_ok "delivered exactly once after the receiver came back, $attempts failed attempts recorded"

# 3. SIGKILL with an alert pending: delivered after the restart, once.
sink_stop
pd_restore camera
pd_wait_for "SELECT count(*) FROM alerts WHERE kind = 'recovery' AND state = 'pending' AND attempts >= 1" 1 15
kill_id=$(pd_sql "SELECT id FROM alerts WHERE state = 'pending'")
pd_daemon_kill9
pd_ok "daemon killed with alert $kill_id pending"
before=$(pd_sql "SELECT count(*) FROM alerts")
sink_start "$HOOK_PORT"
pd_daemon_start
pd_wait_until 15 "alert $kill_id after the restart" received_is 1 ".id == $kill_id"
pd_wait_state gy-codec-01 '' UP 15
pd_wait_state gy-cam-01 '' UP 15
sleep 4
[ "$(received ".id == $kill_id")" = 1 ] || pd_fail "alert $kill_id delivered $(received ".id == $kill_id") times"
[ "$(pd_sql "SELECT count(*) FROM alerts")" = "$before" ] ||
    pd_fail "the restart made alerts: $(pd_sql "SELECT id, kind, subject FROM alerts WHERE id > $kill_id")"
[ "$(wc -l <"$HOOK_LOG")" = 4 ] || pd_fail "the receiver got $(wc -l <"$HOOK_LOG") requests, expected 4"
pd_ok "the pending recovery delivered once after the restart; the restart itself alerted nothing"

# 4. A reload that fails keeps the channels; one that succeeds changes them.
url1="http://127.0.0.1:$HOOK_PORT/hook"
mark=$(pd_log_lines)
write_config "$url1" "    - { id: pager, channels: pager }"
pd_daemon_signal HUP
pd_wait_until 10 "'reload failed' after a route to an unknown channel" pd_log_has_after "$mark" 'reload failed'
pd_cut codec
pd_wait_until 10 "the problem through the running channel" \
    received_is 2 '.alerts[0].kind == "problem" and .alerts[0].id == "gy-codec-01"'
pd_restore codec
pd_wait_until 12 "the recovery through the running channel" \
    received_is 2 '.alerts[0].kind == "recovery" and .alerts[0].id == "gy-codec-01"'
pd_ok "a failed reload kept the channel: problem and recovery delivered"
old_port=$HOOK_PORT
: >"$PD_TMP/hook2.log"
sink_start 0 "$PD_TMP/hook2.log"
[ "$HOOK_PORT" != "$old_port" ] || pd_fail "the second receiver took the first one's port"
mark=$(pd_log_lines)
write_config "http://127.0.0.1:$HOOK_PORT/new-hook"
pd_daemon_signal HUP
pd_wait_until 10 "'reloaded' in the log" pd_log_has_after "$mark" 'reloaded:'
pd_log_has_after "$mark" 'reload failed' && pd_fail "the good configuration was rejected"
pd_cut codec
pd_wait_until 10 "the problem at the new URL" test -s "$PD_TMP/hook2.log"
[ "$(jq -r '.path + " " + (.body | fromjson | .alerts[0].id)' "$PD_TMP/hook2.log")" = "/new-hook gy-codec-01" ] ||
    pd_fail "the new receiver got: $(cat "$PD_TMP/hook2.log")"
[ "$(received '.alerts[0].kind == "problem" and .alerts[0].id == "gy-codec-01"')" = 2 ] ||
    pd_fail "the old receiver got the problem after the reload"
pd_ok "after a good reload the next problem went to the channel's new URL"

pd_daemon_stop
[ "$PD_DAEMON_RC" = 0 ] || pd_fail "probed exited $PD_DAEMON_RC"
