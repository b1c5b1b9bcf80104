#!/bin/bash
# Late replies, duplicates and garbage: a host whose echo replies come from
# pd-echo-responder (its kernel answers none) sends every 3rd reply twice,
# holds every 4th one beyond the check's timeout, and after every 2nd
# request sends the prober a malformed ICMP error or an echo reply that is
# not the probe's (random payload, a sequence never sent, no room for a
# tag). The probe counts duplicates and late replies without matching them
# (a late reply is a lost echo, received never exceeds sent), counts the
# garbage as malformed or foreign, keeps running, and a second host probed
# at the same time sees none of it. A third host sends every reply twice:
# all duplicates, including the second copy of the reply that completed
# its round, none late. A fourth answers every echo 20 ms late: its RTT is
# 20 ms, above its check's rtt_down, so it is DOWN for that.
set -euo pipefail
. "$(dirname "$0")/lib.sh" "$1"

pd_require_cmd rrdtool
pd_lab_init
[ -x "$PD_BUILD/pd-echo-responder" ] || pd_fail "$PD_BUILD/pd-echo-responder missing: build first"

COUNT=5
TIMEOUT=300 # ms
# Beyond the timeout: a held reply to one of the first echoes of a round
# comes while the round still waits for it (500 ms), one to the last
# echoes after the round closed. Both are late.
LATE_MS=400
DUP_EVERY=3
LATE_EVERY=4
GARBAGE_EVERY=2
RUN_SECONDS=15
DELAY_MS=20
RTT_DOWN_MS=10

pd_target noisy 1
pd_target quiet 2
pd_target dupes 3
pd_target slow 4

# start_responder NAME ARGS...: pd-echo-responder in target NAME, whose
# kernel then answers no echo; its pid in resp_pid[NAME].
declare -A resp_pid
start_responder() {
    local name=$1 ns="$PD_PREFIX-$1"
    shift
    ip netns exec "$ns" sysctl -qw net.ipv4.icmp_echo_ignore_all=1
    ip netns exec "$ns" "$PD_BUILD/pd-echo-responder" --max-seconds 120 "$@" \
        >"$PD_TMP/$name.out" 2>"$PD_TMP/$name.err" &
    resp_pid[$name]=$!
    PD_PIDS+=($!)
    pd_wait_until 5 "pd-echo-responder in $name to start" grep -q '^ready' "$PD_TMP/$name.err"
}
start_responder noisy --dup-every "$DUP_EVERY" --late-every "$LATE_EVERY" --late-ms "$LATE_MS" \
    --garbage-every "$GARBAGE_EVERY"
# Every reply twice: the second copy of the reply that completes a round
# comes after the round has closed, and is still a duplicate.
start_responder dupes --dup-every 1
start_responder slow --delay-ms "$DELAY_MS"
RESPONDERS=(noisy dupes slow)

pd_write_file "$PD_CFG" <<EOF
data_dir: ./data
log: { level: info }
rrd: { write_delay: 1s }
storage: { heartbeat: 2s }
templates:
  host:
    checks:
      - { id: ping, type: icmp, interval: 1s, timeout: ${TIMEOUT}ms, count: $COUNT, spacing: 50ms,
          fail_after: 2, recover_after: 2 }
  slow:
    checks:
      - { id: ping, type: icmp, interval: 1s, timeout: ${TIMEOUT}ms, count: $COUNT, spacing: 50ms,
          fail_after: 2, recover_after: 2, rtt_down: ${RTT_DOWN_MS}ms }
targets:
  - { id: noisy, name: "noisy host", address: $(pd_addr4 1), type: host, site: lab }
  - { id: quiet, name: "quiet host", address: $(pd_addr4 2), type: host, site: lab }
  - { id: dupes, name: "every reply twice", address: $(pd_addr4 3), type: host, site: lab }
  - { id: slow, name: "${DELAY_MS} ms away", address: $(pd_addr4 4), type: slow, site: lab }
EOF

start_s=$(date +%s)
pd_daemon_start
pd_note "probed pid $PD_DAEMON_PID, run $PD_RUN_ID"
# One or two echoes in five come back late: 20 to 40 % loss, below
# loss_down (100 %), so the host is UP.
pd_wait_state noisy ping UP 10
pd_wait_state quiet ping UP 10
pd_wait_state dupes ping UP 10
pd_ok "noisy, quiet, dupes UP"
pd_wait_state slow ping DOWN 10
reason=$(pd_sql "SELECT reason FROM transitions WHERE target_id = 'slow' AND check_id = 'ping'
                 AND to_state = 'DOWN' ORDER BY at_ns DESC LIMIT 1")
[[ "$reason" =~ ^median\ RTT\ 2[0-9]\.[0-9]\ ms\ above\ $RTT_DOWN_MS\.0\ ms$ ]] ||
    pd_fail "slow: DOWN with reason '$reason', expected 'median RTT 2x.x ms above $RTT_DOWN_MS.0 ms'"
pd_ok "slow DOWN: $reason"
for ((i = 0; i < RUN_SECONDS; i++)); do
    sleep 1
    pd_daemon_alive
    for name in "${RESPONDERS[@]}"; do
        pd_pid_running "${resp_pid[$name]}" ||
            pd_fail "pd-echo-responder in $name died: $(cat "$PD_TMP/$name.err")"
    done
done
pd_ok "probed alive for ${RUN_SECONDS}s of noise"

# The responders first: what they sent is then final, and the probe has a
# moment to read the last of it. Without one a host answers nothing.
end_ns=$(pd_now_ns)
end_s=$((end_ns / 1000000000))
for name in "${RESPONDERS[@]}"; do
    kill -TERM "${resp_pid[$name]}"
    pd_wait_pid "${resp_pid[$name]}" 5 ||
        pd_fail "pd-echo-responder in $name exited with an error: $(cat "$PD_TMP/$name.err")"
    pd_note "responder in $name: $(cat "$PD_TMP/$name.out")"
done
# resp NAME KEY: a count of the responder in target NAME.
resp() { grep -oE "(^| )$2=[0-9]+" "$PD_TMP/$1.out" | cut -d= -f2; }
pd_wait_state noisy ping DOWN 10
reason=$(pd_sql "SELECT reason FROM transitions WHERE target_id = 'noisy' AND check_id = 'ping'
                 AND to_state = 'DOWN' ORDER BY at_ns DESC LIMIT 1")
pd_ok "noisy DOWN once the responder stopped: $reason"
n=$(pd_sql "SELECT count(*) FROM transitions WHERE check_id = 'ping' AND to_state <> 'UP'
            AND (target_id = 'quiet' OR (at_ns < $end_ns AND target_id <> 'slow'))")
[ "$n" = 0 ] || pd_fail "$n transitions away from UP before the responders stopped, or for quiet"
n=$(pd_sql "SELECT count(*) FROM transitions WHERE target_id = 'slow' AND check_id = 'ping'
            AND to_state = 'UP'")
[ "$n" = 0 ] || pd_fail "slow was UP"
pd_daemon_stop
[ "$PD_DAEMON_RC" = 0 ] || pd_fail "probed exited $PD_DAEMON_RC on SIGTERM, expected 0"
pd_ok "clean stop"

# A sample of the series covers the time before it (from the previous
# round's start to its own), so the rows up to win_end hold only rounds
# that ended before the responders stopped.
win_end=$((end_s - 2))
# The series while the responder ran. Each held reply is a lost echo and
# comes back late in that round or the next; a quarter of the requests are
# held, another quarter duplicated (every 3rd, unless held).
rrd="$PD_DATA/rrd/noisy/ping.rrd"
read -r sent rows < <(pd_rrd_sum "$rrd" sent "$start_s" "$win_end")
read -r received _ < <(pd_rrd_sum "$rrd" received "$start_s" "$win_end")
read -r late _ < <(pd_rrd_sum "$rrd" late "$start_s" "$win_end")
read -r dup _ < <(pd_rrd_sum "$rrd" dup "$start_s" "$win_end")
median=$(pd_rrd_column "$rrd" rtt_median "$start_s" "$win_end" | pd_median)
lost=$(awk -v s="$sent" -v r="$received" 'BEGIN { printf "%d", s - r + 0.5 }')
pd_note "noisy: $rows rows, sent $sent, received $received (lost $lost), late $late, dup $dup," \
    "median RTT $median ms"
pd_assert_range "noisy: rows" "$rows" $((RUN_SECONDS - 2)) $((RUN_SECONDS + 10))
quarter=$(awk -v s="$sent" 'BEGIN { printf "%d", s / 4 + 0.5 }')
pd_assert_range "noisy: echoes lost (a quarter of $sent)" "$lost" $((quarter - 2)) $((quarter + 2))
pd_assert_range "noisy: late replies (lost $lost)" "$(awk -v v="$late" 'BEGIN { printf "%d", v + 0.5 }')" \
    $((lost - COUNT)) $((lost + COUNT))
pd_assert_range "noisy: duplicates (a quarter of $sent)" \
    "$(awk -v v="$dup" 'BEGIN { printf "%d", v + 0.5 }')" $((quarter - COUNT)) $((quarter + COUNT))
over=$(paste <(pd_rrd_column "$rrd" sent 0 "$win_end") <(pd_rrd_column "$rrd" received 0 "$win_end") |
    awk '$2 > $1 + 1e-9 { n++ } END { print n + 0 }')
[ "$over" = 0 ] || pd_fail "noisy: $over rows with more received than sent"
pd_float_cmp "$median" '<' "$TIMEOUT" || pd_fail "noisy: median RTT $median ms"
pd_ok "noisy: $lost of ${sent%.*} echoes lost to late replies, received never above sent"

rrd="$PD_DATA/rrd/quiet/ping.rrd"
read -r sent rows < <(pd_rrd_sum "$rrd" sent "$start_s" "$win_end")
read -r received _ < <(pd_rrd_sum "$rrd" received "$start_s" "$win_end")
read -r late _ < <(pd_rrd_sum "$rrd" late 0 "$win_end")
read -r dup _ < <(pd_rrd_sum "$rrd" dup 0 "$win_end")
pd_note "quiet: $rows rows, sent $sent, received $received, late $late, dup $dup"
[ "$sent" = "$received" ] && [ "$late" = 0.000000 ] && [ "$dup" = 0.000000 ] ||
    pd_fail "quiet: the noise of the other host reached its check"
pd_ok "quiet: no loss, no duplicate, no late reply"

# Every reply twice: no loss, as many duplicates as echoes, none late.
rrd="$PD_DATA/rrd/dupes/ping.rrd"
read -r sent rows < <(pd_rrd_sum "$rrd" sent "$start_s" "$win_end")
read -r received _ < <(pd_rrd_sum "$rrd" received "$start_s" "$win_end")
read -r late _ < <(pd_rrd_sum "$rrd" late "$start_s" "$win_end")
read -r dup _ < <(pd_rrd_sum "$rrd" dup "$start_s" "$win_end")
pd_note "dupes: $rows rows, sent $sent, received $received, late $late, dup $dup"
[ "$sent" = "$received" ] || pd_fail "dupes: $received of $sent echoes answered"
[ "$late" = 0.000000 ] || pd_fail "dupes: $late late replies counted, though none was late" \
    "(the second copy of a round's last reply taken as late?)"
pd_assert_range "dupes: duplicates (sent ${sent%.*})" "${dup%.*}" $((${sent%.*} - 2 * COUNT)) \
    $((${sent%.*} + COUNT))
pd_ok "dupes: every echo answered, ${dup%.*} duplicates for ${sent%.*} echoes, none late"

# Answered DELAY_MS late, and measured so.
rrd="$PD_DATA/rrd/slow/ping.rrd"
read -r sent rows < <(pd_rrd_sum "$rrd" sent "$start_s" "$win_end")
read -r received _ < <(pd_rrd_sum "$rrd" received "$start_s" "$win_end")
median=$(pd_rrd_column "$rrd" rtt_median "$start_s" "$win_end" | pd_median)
min=$(pd_rrd_column "$rrd" rtt_min "$start_s" "$win_end" | sort -g | head -n 1)
pd_note "slow: $rows rows, sent $sent, received $received, median RTT $median ms, least $min ms"
[ "$sent" = "$received" ] || pd_fail "slow: $received of $sent echoes answered"
pd_float_cmp "$min" '>=' "$DELAY_MS" || pd_fail "slow: an RTT of $min ms, below the $DELAY_MS ms delay"
pd_float_cmp "$median" '<' $((DELAY_MS + 3)) ||
    pd_fail "slow: median RTT $median ms, more than 3 ms above the $DELAY_MS ms delay"
pd_ok "slow: median RTT $median ms for replies held $DELAY_MS ms"

# The shutdown line against what the responders sent: every duplicate and
# every late reply counted as such, the garbage as malformed or foreign.
pd_note "shutdown: $(grep -oE 'icmp: [0-9]+ echoes sent.*' "$PD_LOG" | tail -n 1)"
total() { local n=0 name; for name in "${RESPONDERS[@]}"; do n=$((n + $(resp "$name" "$1"))); done; echo "$n"; }
for what in "duplicates $(total dups)" "late $(total late)" \
    "foreign $(resp noisy garbage_foreign)" "malformed $(resp noisy garbage_malformed)" \
    "stale 0"; do
    read -r name want <<<"$what"
    got=$(pd_icmp_count "$name")
    [ "$got" = "$want" ] || pd_fail "shutdown line: $got $name, the responders sent $want"
done
pd_assert_range "dups, late, malformed, foreign sent to the prober" \
    $(($(resp noisy dups) > 0 && $(resp noisy late) > 0 && $(resp noisy garbage_malformed) > 0 &&
        $(resp noisy garbage_foreign) > 0)) 1 1
pd_ok "$(pd_icmp_count duplicates) duplicates, $(pd_icmp_count late) late," \
    "$(pd_icmp_count malformed) malformed, $(pd_icmp_count foreign) foreign: all counted, none matched" \
    "($(resp noisy truncated) ICMP messages shorter than a header reach no raw socket)"
