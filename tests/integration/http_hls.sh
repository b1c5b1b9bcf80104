#!/bin/bash
# The http check in mode hls against a live stream nginx serves: a master
# playlist (1920x1080 and 1280x720 variants) and a rolling media playlist
# that a background loop advances a segment a second. The stream is UP
# with max_height 1080, the newest segment's EXTINF and a small
# playlist_age_s; min_height 2160 is DOWN beside it; segment_check
# downloads the newest segment (segment_ms stored); the media playlist
# alone has no max_height. The loop stopped: DOWN "stalled" within
# stall_after + fail_after rounds; resumed: UP; #EXT-X-ENDLIST: DOWN "the
# stream has ended".
set -euo pipefail
. "$(dirname "$0")/lib.sh" "$1"

pd_require_cmd curl
pd_lab_init

STALL=3      # s, stall_after
FAIL_AFTER=2 # rounds of 1 s
SEG_BYTES=300000
EXTINF=0.960 # s, every segment's duration; the target duration is 1 s
KEEP=4       # segments in the media playlist

pd_target tv 1
pd_nginx tv 1 <<'EOF'
server {
    listen {addr4}:80;
    location /live/ { add_header Cache-Control no-cache; }
}
EOF
LIVE="${PD_NGINX_ROOT[tv]}/live"
mkdir -p "$LIVE/hi" "$LIVE/lo"
# A master playlist whose variant lives on another host: `resolve` sends
# only the check's own host to the target, the other name must be looked
# up (and, in this lab, fails: nothing answers for it).
printf '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000,RESOLUTION=1920x1080\n%s\n' \
    "http://other.pd-lab.test/live/hi/index.m3u8" >"$LIVE/elsewhere.m3u8"
cat >"$LIVE/master.m3u8" <<'EOF'
#EXTM3U
#EXT-X-VERSION:3
#EXT-X-STREAM-INF:BANDWIDTH=2500000,RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2"
lo/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=6000000,RESOLUTION=1920x1080,CODECS="avc1.640028,mp4a.40.2"
hi/index.m3u8
EOF
# A segment: one second of a 1080p test picture when ffmpeg is here,
# random bytes otherwise (the check reads playlists, and only times the
# segment's download).
if command -v ffmpeg >/dev/null 2>&1 &&
    ffmpeg -nostdin -loglevel error -f lavfi -i testsrc2=size=1920x1080:rate=25 -t 1 \
        -f mpegts "$PD_TMP/segment.ts" 2>"$PD_TMP/ffmpeg.err"; then
    pd_note "segments: ffmpeg's 1080p test source, $(stat -c %s "$PD_TMP/segment.ts") bytes"
else
    head -c $SEG_BYTES /dev/urandom >"$PD_TMP/segment.ts"
    pd_note "segments: $SEG_BYTES random bytes (no ffmpeg)"
fi

# The media playlists with the KEEP segments up to NEWEST (the low variant
# lists the same files).
write_playlists() {
    local newest=$1 first v s
    first=$((newest - KEEP + 1))
    [ "$first" -ge 0 ] || first=0
    for v in hi lo; do
        {
            echo "#EXTM3U"
            echo "#EXT-X-VERSION:3"
            echo "#EXT-X-TARGETDURATION:1"
            echo "#EXT-X-MEDIA-SEQUENCE:$first"
            for ((s = first; s <= newest; s++)); do
                echo "#EXTINF:$EXTINF,"
                if [ $v = hi ]; then echo "seg$s.ts"; else echo "../hi/seg$s.ts"; fi
            done
        } >"$LIVE/$v/index.m3u8.tmp"
        mv -f "$LIVE/$v/index.m3u8.tmp" "$LIVE/$v/index.m3u8"
    done
}
# feed FIRST COUNT: segments FIRST .. FIRST+COUNT-1, one a second, each
# listed once written; older files removed. Run in the background.
feed() {
    local s
    for ((s = $1; s < $1 + $2; s++)); do
        cp "$PD_TMP/segment.ts" "$LIVE/hi/seg$s.ts.tmp"
        mv -f "$LIVE/hi/seg$s.ts.tmp" "$LIVE/hi/seg$s.ts"
        write_playlists "$s"
        rm -f "$LIVE/hi/seg$((s - KEEP - 4)).ts"
        sleep 1
    done
}
FEEDER=""
feed_start() {
    feed "$1" 150 &
    FEEDER=$!
    PD_PIDS+=("$FEEDER")
}
# Stops the loop; NEWEST is the newest segment it listed.
NEWEST=""
feed_stop() {
    local p keep=()
    pd_stop_pid "$FEEDER" 5
    for p in "${PD_PIDS[@]}"; do
        [ "$p" = "$FEEDER" ] || keep+=("$p")
    done
    PD_PIDS=("${keep[@]}")
    FEEDER=""
    # (KEEP or fewer segments from the media sequence on)
    NEWEST=$(awk -F: '/^#EXT-X-MEDIA-SEQUENCE:/ { s = $2 } /^seg/ { n++ } END { print s + n - 1 }' \
        "$LIVE/hi/index.m3u8")
}

feed_start 100
newest_listed() { [ -f "$LIVE/hi/index.m3u8" ]; }
pd_wait_until 5 "the first media playlist" newest_listed
A4=$(pd_addr4 1)
for u in master.m3u8 hi/index.m3u8 lo/index.m3u8; do
    got=$(ip netns exec "$PD_PROBER" curl -sS -o /dev/null -w '%{http_code}' --max-time 2 "http://$A4/live/$u")
    [ "$got" = 200 ] || pd_fail "curl http://$A4/live/$u: status $got"
done
pd_ok "nginx serves the master and media playlists (curl: 200)"

check() {
    echo "      - { id: $1, type: http, mode: hls, url: \"$2\", interval: 1s, fail_after: $FAIL_AFTER,"
    echo "          recover_after: 1, stall_after: ${STALL}s${3:+, $3} }"
}
pd_write_file "$PD_CFG" <<EOF
data_dir: ./data
log: { level: info }
storage: { heartbeat: 2s, status_refresh: 0s }
rrd: { write_delay: 0s }
templates:
  stream:
    checks:
$(check live "http://{address}/live/master.m3u8" "min_height: 1080")
$(check uhd "http://{address}/live/master.m3u8" "min_height: 2160")
$(check seg "http://{address}/live/master.m3u8" "segment_check: yes")
$(check media "http://{address}/live/hi/index.m3u8")
$(check media_h "http://{address}/live/hi/index.m3u8" "min_height: 720")
$(check elsewhere "http://www.pd-lab.test/live/elsewhere.m3u8" "resolve: \"{address}\"")
targets:
  - { id: tv, name: "直播 CCTV-13 测试流", address: $A4, type: stream, site: lab }
EOF
pd_daemon_start

metric() {
    pd_sql "SELECT json_extract(last_metrics, '\$.$2') FROM current_state
            WHERE target_id = 'tv' AND check_id = '$1'"
}
down_reason() {
    pd_sql "SELECT reason FROM transitions WHERE target_id = 'tv' AND check_id = '$1'
            AND to_state = 'DOWN' ORDER BY at_ns DESC, id DESC LIMIT 1"
}
state() { pd_sql "SELECT state FROM current_state WHERE target_id = 'tv' AND check_id = '$1'"; }
rounds_at_least() { [ "$(pd_sql "SELECT rounds FROM current_state WHERE target_id = 'tv' AND check_id = '$1'")" -ge "$2" ]; }

for c in live seg media; do pd_wait_state tv $c UP 15; done
pd_wait_until 10 "5 rounds of live" rounds_at_least live 5
for c in live seg; do
    [ "$(metric $c max_height)" = 1080 ] || pd_fail "$c: max_height '$(metric $c max_height)', expected 1080"
    [ "$(metric $c status)" = 200 ] || pd_fail "$c: status '$(metric $c status)'"
done
[ -z "$(metric media max_height)" ] || pd_fail "media: max_height '$(metric media max_height)' without a master playlist"
for c in live seg media; do
    d=$(metric $c segment_duration_s)
    if ! pd_float_cmp "$d" ">=" 0.9599 || ! pd_float_cmp "$d" "<=" 0.9601; then
        pd_fail "$c: segment_duration_s '$d', the playlist says $EXTINF"
    fi
    age=$(metric $c playlist_age_s)
    pd_float_cmp "$age" "<" $STALL || pd_fail "$c: playlist_age_s $age while the stream runs"
done
[ -z "$(metric live segment_ms)" ] || pd_fail "live: segment_ms '$(metric live segment_ms)' without segment_check"
seg_ms=$(metric seg segment_ms)
pd_float_cmp "$seg_ms" ">" 0 || pd_fail "seg: segment_ms '$seg_ms'"
pd_ok "live, seg and media UP: max_height 1080 (media: none), EXTINF $EXTINF, playlist_age_s $(metric live playlist_age_s), segment_ms $seg_ms"

pd_wait_state tv uhd DOWN 15
[ "$(down_reason uhd)" = "best variant 1920x1080: below the required 2160 lines" ] ||
    pd_fail "uhd DOWN with '$(down_reason uhd)'"
pd_wait_state tv media_h DOWN 15
[[ "$(down_reason media_h)" == "no resolution known: "* ]] || pd_fail "media_h DOWN with '$(down_reason media_h)'"
[ "$(state live)" = UP ] || pd_fail "live is $(state live) beside uhd"
pd_ok "uhd DOWN: $(down_reason uhd); media_h DOWN: $(down_reason media_h); live UP"
pd_wait_state tv elsewhere DOWN 15
[[ "$(down_reason elsewhere)" == "media playlist: Could not resolve host: other.pd-lab.test"* ]] ||
    pd_fail "elsewhere DOWN with '$(down_reason elsewhere)'"
pd_ok "elsewhere DOWN: $(down_reason elsewhere) (resolve applies to the check's own host only)"

# Stalled: the loop stops, the playlist stays as it was.
feed_stop
newest=$NEWEST
stop_ns=$(pd_now_ns)
limit=$((STALL + FAIL_AFTER + 5))
for c in live seg media; do pd_wait_state tv $c DOWN $limit; done
took=$(pd_secs $(($(pd_now_ns) - stop_ns)))
for c in live seg media; do
    reason=$(down_reason $c)
    [[ "$reason" =~ ^stalled:\ no\ new\ segment\ for\ ([0-9]+\.[0-9])\ s\ \(limit\ $STALL\ s\;\ media\ sequence\ $newest\)$ ]] ||
        pd_fail "$c DOWN with '$reason', expected 'stalled: ... (limit $STALL s; media sequence $newest)'"
    pd_float_cmp "${BASH_REMATCH[1]}" ">" $STALL || pd_fail "$c: stalled after ${BASH_REMATCH[1]} s, limit $STALL s"
done
pd_ok "stream stopped at segment $newest: live, seg, media DOWN within $took s: $(down_reason live)"

# Resumed.
feed_start $((newest + 1))
for c in live seg media; do pd_wait_state tv $c UP 10; done
pd_ok "resumed: live, seg and media UP"

# The end: #EXT-X-ENDLIST appended to the media playlists.
r=$(pd_sql "SELECT rounds FROM current_state WHERE target_id = 'tv' AND check_id = 'live'")
pd_wait_until 10 "2 more rounds of live" rounds_at_least live $((r + 2))
feed_stop
newest=$NEWEST
for v in hi lo; do echo "#EXT-X-ENDLIST" >>"$LIVE/$v/index.m3u8"; done
for c in live seg media; do
    pd_wait_state tv $c DOWN $((FAIL_AFTER + 5))
    [ "$(down_reason $c)" = "the stream has ended (#EXT-X-ENDLIST)" ] ||
        pd_fail "$c DOWN with '$(down_reason $c)' after #EXT-X-ENDLIST"
done
pd_ok "#EXT-X-ENDLIST after segment $newest: live, seg, media DOWN: $(down_reason live)"

n=$(pd_sql "SELECT count(*) FROM current_state WHERE target_id = 'tv' AND skipped > 0")
[ "$n" = 0 ] || pd_fail "$n checks skipped rounds"
pd_daemon_stop
[ "$PD_DAEMON_RC" = 0 ] || pd_fail "probed exited $PD_DAEMON_RC on SIGTERM"
pd_ok "clean stop"
