#!/bin/bash
# The rtp check capturing live: a terminal sends 24,000 RTP packets to the
# prober's host (1,000 a second) while nftables drops 5 % of them at random
# on the terminal's way out, and the prober sends 3,000 back without loss.
# probed, capturing on the prober's end of the link, must measure the
# terminal's outgoing loss within 1 point of 5 % and within 2 packets of
# what nftables counted dropped; see no loss coming in; lose nothing in the
# capture; record the streams' start and end as events and the rounds in
# the out/in series; and, the loss being above max_loss, make the check
# DOWN (degraded media), then UNKNOWN once the call is over (no media);
# and the monthly report must show that degraded time as media quality,
# the same when recomputed from the exported events.
set -euo pipefail
. "$(dirname "$0")/lib.sh" "$1"

pd_require_cmd rrdtool python3 jq
pd_lab_init

TOOLS=$(cd "$(dirname "$0")/../tools" && pwd)
OUT_COUNT=24000
OUT_RATE=1000
IN_COUNT=3000
IN_RATE=125
LOSS=5

pd_target term 1
ip netns exec "$PD_PREFIX-term" nft -f - <<EOF
table inet pdt_rtp {
    counter seen { }
    counter dropped { }
    chain out {
        type filter hook output priority filter; policy accept;
        udp dport 5004 counter name "seen"
        udp dport 5004 numgen random mod 100 < $LOSS counter name "dropped" drop
    }
}
EOF

pd_write_file "$PD_CFG" <<EOF
data_dir: ./data
timezone: UTC
log: { level: info }
rrd: { write_delay: 2s }
storage: { heartbeat: 2s }
plugins:
  rtp: { interface: t1, ports: [ "5004-5007" ], stream_timeout: 2s }
templates:
  codec:
    checks:
      - { id: media, type: rtp, interval: 2s, max_loss: 1, max_jitter: 50, min_packets: 20,
          fail_after: 2, recover_after: 2 }
targets:
  - { id: term, name: "遵义会议终端", address: $(pd_addr4 1), type: codec, site: lab }
EOF

start_s=$(date +%s)
pd_daemon_start
pd_wait_for "SELECT count(*) FROM current_state WHERE target_id = 'term' AND check_id = 'media'
             AND last_ns IS NOT NULL" 1 10
pd_note "probed pid $PD_DAEMON_PID, run $PD_RUN_ID; sending $OUT_COUNT packets out, $IN_COUNT in"

ip netns exec "$PD_PREFIX-term" python3 "$TOOLS/rtp_send.py" "$(pd_addr4 1)" 6000 10.213.1.1 \
    5004 "$OUT_COUNT" "$OUT_RATE" 0x7e57ab1e 0 &
out_pid=$!
PD_PIDS+=("$out_pid")
ip netns exec "$PD_PROBER" python3 "$TOOLS/rtp_send.py" 10.213.1.1 5006 "$(pd_addr4 1)" 5006 \
    "$IN_COUNT" "$IN_RATE" 0x0ddba11 8 &
in_pid=$!
PD_PIDS+=("$in_pid")
pd_wait_pid "$out_pid" 60 || pd_fail "the terminal's sender failed"
pd_wait_pid "$in_pid" 60 || pd_fail "the prober's sender failed"

# The streams end after stream_timeout without packets; then rounds
# without media.
pd_wait_for "SELECT count(*) FROM events WHERE target_id = 'term' AND kind = 'stream_end'" 2 15
pd_wait_state term media UNKNOWN 20
pd_daemon_alive
pd_daemon_stop
[ "$PD_DAEMON_RC" = 0 ] || pd_fail "probed exited $PD_DAEMON_RC on SIGTERM, expected 0"
end_s=$(($(date +%s) + 1))

seen=$(pd_nft_packets term pdt_rtp seen)
dropped=$(pd_nft_packets term pdt_rtp dropped)
pd_note "nftables: $seen packets sent, $dropped dropped"
pd_note "events: $(pd_sql "SELECT kind || ': ' || message FROM events WHERE target_id = 'term'
                           ORDER BY at_ns" | tr '\n' ';')"

# "... ended after 24 s: ...; 22811 packets, 1189 lost (4.95 %), jitter ..."
end_of() {
    pd_sql "SELECT message FROM events WHERE target_id = 'term' AND kind = 'stream_end'
            AND message LIKE 'RTP stream $1 %'"
}
out_msg=$(end_of out)
in_msg=$(end_of in)
[ -n "$out_msg" ] && [ -n "$in_msg" ] || pd_fail "no stream_end event for both directions"
read -r packets lost pct < <(echo "$out_msg" |
    sed -E 's/.* ([0-9]+) packets, ([0-9]+) lost \(([0-9.]+) %\).*/\1 \2 \3/')
pd_note "measured out: $packets packets, $lost lost ($pct %); injected $LOSS %"
pd_assert_range "packets captured" "$packets" 20000 "$OUT_COUNT"
[ $((packets + dropped)) -eq "$seen" ] ||
    pd_fail "captured $packets + dropped $dropped != sent $seen: the capture lost packets"
# Drops before the second packet (probation) or after the last are no
# stream's loss: a few at most.
pd_assert_range "lost against nftables' $dropped" "$lost" $((dropped - 4)) "$dropped"
pd_float_cmp "$pct" '>=' $((LOSS - 1)) && pd_float_cmp "$pct" '<=' $((LOSS + 1)) ||
    pd_fail "measured $pct % loss, injected $LOSS %: more than 1 point apart"
pd_ok "out: $lost lost of $((packets + lost)) ($pct %), nftables dropped $dropped"
echo "$in_msg" | grep -q "$IN_COUNT packets, 0 lost" || pd_fail "in: $in_msg"
pd_ok "in: $IN_COUNT packets, none lost"

[ "$(pd_sql "SELECT count(*) FROM events WHERE target_id = 'term' AND kind = 'stream_start'")" = 2 ] ||
    pd_fail "expected two stream_start events"
# The series: loss every round of the call, in both directions' files.
for s in out in; do
    [ -f "$PD_DATA/rrd/term/media/$s.rrd" ] || pd_fail "no series $PD_DATA/rrd/term/media/$s.rrd"
done
read -r sum rows < <(pd_rrd_sum "$PD_DATA/rrd/term/media/out.rrd" loss_pct "$start_s" "$end_s")
[ "$rows" -ge 5 ] || pd_fail "out.rrd: $rows rows of loss_pct"
mean=$(awk -v s="$sum" -v n="$rows" 'BEGIN { printf "%.2f", s / n }')
pd_float_cmp "$mean" '>=' 2 && pd_float_cmp "$mean" '<=' 8 || pd_fail "out.rrd: mean loss $mean %"
read -r sum rows < <(pd_rrd_sum "$PD_DATA/rrd/term/media/in.rrd" loss_pct "$start_s" "$end_s")
[ "$rows" -ge 5 ] && [ "$(awk -v s="$sum" 'BEGIN { print (s == 0) }')" = 1 ] ||
    pd_fail "in.rrd: loss_pct sum $sum over $rows rows, expected 0"
read -r sum _ < <(pd_rrd_sum "$PD_DATA/rrd/term/media.rrd" capture_drops "$start_s" "$end_s")
[ "$(awk -v s="$sum" 'BEGIN { print (s == 0) }')" = 1 ] || pd_fail "capture drops: $sum"
pd_ok "series: loss in out.rrd (mean $mean %), none in in.rrd, no capture drops"

# Degraded media while the call ran, no verdict after it.
states=$(pd_sql "SELECT group_concat(to_state, ' ') FROM (SELECT to_state FROM transitions
                 WHERE target_id = 'term' AND check_id = 'media' ORDER BY at_ns, id)")
pd_note "media states: $states"
[[ "$states" == *DOWN*UNKNOWN* ]] || pd_fail "media states '$states': expected DOWN, then UNKNOWN"
reason=$(pd_sql "SELECT last_reason FROM current_state WHERE target_id = 'term' AND check_id = 'media'")
[[ "$reason" == "no media"* ]] || pd_fail "the last reason: '$reason'"
pd_ok "media DOWN during the call (loss above max_loss), UNKNOWN after it ($reason)"
grep -q 'rtp: .* frames: .* RTP' "$PD_LOG" || pd_fail "no capture summary in the log"
pd_note "$(grep -oE 'rtp: [0-9]+ frames.*' "$PD_LOG" | tail -n 1)"

# The report: the degraded minutes are the media check's DOWN time.
month=$(TZ=UTC date +%Y-%m)
P=("$PD_BUILD/probectl" -c "$PD_CFG")
"${P[@]}" report --month "$month" --format json -o "$PD_TMP/r.json" -q ||
    pd_fail "probectl report failed"
want=$(pd_sql "SELECT coalesce(sum(next - at_ns), 0) / 1000000000 FROM (SELECT at_ns, to_state,
               lead(at_ns) OVER (ORDER BY at_ns, id) AS next FROM transitions
               WHERE target_id = 'term' AND check_id = 'media') WHERE to_state = 'DOWN'")
got=$(jq -r '.targets[] | select(.id == "term") | .media.degraded_s' "$PD_TMP/r.json")
periods=$(jq -r '.targets[] | select(.id == "term") | .media.periods' "$PD_TMP/r.json")
pd_note "report: degraded ${got} s in $periods period(s); the store: DOWN for $want s"
[ "$want" -ge 2 ] || pd_fail "the media check was DOWN for $want s only"
pd_assert_range "degraded_s" "$got" $((want - 1)) $((want + 1))
[ "$periods" = 1 ] || pd_fail "expected one degraded period, got $periods"
[ "$(jq -r '.summary.media_targets' "$PD_TMP/r.json")" = 1 ] || pd_fail "summary.media_targets"
"${P[@]}" report --month "$month" -q | grep -q "Media quality" || pd_fail "no media table"
"${P[@]}" events export --month "$month" >"$PD_TMP/events.csv" || pd_fail "events export failed"
grep -q ',term,down,media,' "$PD_TMP/events.csv" || pd_fail "no media rows in the events export"
"${P[@]}" report --month "$month" --events "$PD_TMP/events.csv" --format json \
    -o "$PD_TMP/f.json" -q || pd_fail "report from the events file failed"
strip='del(.source, .generated, .sha256)'
diff <(jq -S "$strip" "$PD_TMP/r.json") <(jq -S "$strip" "$PD_TMP/f.json") >"$PD_TMP/diff" ||
    pd_fail "the report from the events file differs: $(cat "$PD_TMP/diff")"
pd_ok "report: degraded media ${got} s in one period, the same from the events export"
