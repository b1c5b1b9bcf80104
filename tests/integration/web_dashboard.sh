#!/bin/bash
# The dashboard served by the daemon itself, in the prober's namespace:
# three devices (one up, one cut off, one cut off inside a maintenance
# window) whose Chinese names and states must show in the overview as a
# headless chromium renders it (its DOM and a screenshot, kept as an
# artefact), on the device page and in the JSON API; /metrics passes
# promtool; names with quotes, backslashes, colons and markup come out
# escaped; unknown ids, path traversal, bad filters and writes are refused.
set -euo pipefail
. "$(dirname "$0")/lib.sh" "$1"

pd_require_cmd curl jq promtool chromium
pd_lab_init

PORT=18080
ARTEFACTS="$PD_BUILD/tests/artefacts"
mkdir -p "$ARTEFACTS"
pd_target up 1
pd_target cut 2
pd_target maint 3
EVIL='云岩 "终端" C:\probe <b>x</b>'

pd_write_file "$PD_CFG" <<EOF
data_dir: ./data
timezone: Asia/Shanghai
web: { listen: "127.0.0.1:$PORT", threads: 2 }
storage: { heartbeat: 2s, status_refresh: 0s }
templates:
  codec:
    severity: emergency
    checks:
      - { id: ping, type: icmp, interval: 2s, count: 2, spacing: 200ms, timeout: 500ms,
          fail_after: 1, recover_after: 1 }
targets:
  - { id: gy-up-01, name: '$EVIL', address: $(pd_addr4 1), type: codec,
      site: guizhou/guiyang/yunyan }
  - { id: zy-cut-02, name: 遵义会议终端, address: $(pd_addr4 2), type: codec,
      site: guizhou/zunyi/honghuagang }
  - { id: qn-mnt-03, name: 黔南摄像头, address: $(pd_addr4 3), type: codec,
      site: guizhou/qiannan }
EOF

pd_cut cut
pd_cut maint
pd_daemon_start
"$PD_BUILD/probectl" -c "$PD_CFG" maintenance add --start -1m --end +1h --target qn-mnt-03 \
    --reason "更换电源" >/dev/null || pd_fail "maintenance add failed"
pd_wait_state gy-up-01 "" UP 20
pd_wait_state zy-cut-02 "" DOWN 20
pd_wait_state qn-mnt-03 "" DOWN 20
grep -q "dashboard on http://127.0.0.1:$PORT" "$PD_LOG" || pd_fail "no 'dashboard on' line in the log"

URL="http://127.0.0.1:$PORT"
get() { ip netns exec "$PD_PROBER" curl -sS --max-time 10 "$@"; }
status() { get -o /dev/null -w '%{http_code}' "$@"; }

# The API first: it says what the pages must show.
get "$URL/api/v1/summary" >"$PD_TMP/summary.json"
[ "$(jq -r '[.up, .down, .maintenance, .unknown] | join(" ")' "$PD_TMP/summary.json")" = "1 1 1 0" ] ||
    pd_fail "summary: $(cat "$PD_TMP/summary.json")"
get "$URL/api/v1/targets" >"$PD_TMP/targets.json"
[ "$(jq -r '.targets | map(.id + "=" + .shown) | join(" ")' "$PD_TMP/targets.json")" = \
    "gy-up-01=up qn-mnt-03=maintenance zy-cut-02=down" ] ||
    pd_fail "targets: $(jq -c '.targets | map([.id, .shown])' "$PD_TMP/targets.json")"
[ "$(jq -r '.targets[0].name' "$PD_TMP/targets.json")" = "$EVIL" ] || pd_fail "name not intact in JSON"
[ "$(jq -r '.targets[1].maintenance_reason' "$PD_TMP/targets.json")" = "更换电源" ] ||
    pd_fail "maintenance reason"
get "$URL/api/v1/targets/zy-cut-02" | jq -e '.checks[0].state == "down" and .reason != ""' \
    >/dev/null || pd_fail "api target zy-cut-02: $(get "$URL/api/v1/targets/zy-cut-02")"
get "$URL/api/v1/events?target=zy-cut-02" | jq -e '.events | map(.to) | index("down") != null' \
    >/dev/null || pd_fail "api events: no transition to down"
pd_ok "API: summary 1 up, 1 down, 1 maintenance; names intact; events"

# Refusals.
[ "$(status "$URL/api/v1/targets/nope")" = 404 ] || pd_fail "unknown id not 404"
[ "$(status --path-as-is "$URL/device/../../etc/passwd")" = 404 ] || pd_fail "traversal not refused"
[ "$(status "$URL/device/..%2F..%2Fetc%2Fpasswd")" = 404 ] || pd_fail "encoded traversal"
[ "$(status "$URL/nowhere")" = 404 ] || pd_fail "unknown path not 404"
[ "$(status -X POST "$URL/")" = 405 ] || pd_fail "POST not 405"
[ "$(status "$URL/?site=../x")" = 400 ] || pd_fail "bad site filter not 400"
[ "$(status "$URL/api/v1/events?since=yesterday-ish")" = 400 ] || pd_fail "bad since not 400"
pd_ok "404 for unknown ids and paths (also ../), 405 for POST, 400 for bad filters"

# /metrics: promtool's lint, the names escaped.
get "$URL/metrics" >"$PD_TMP/metrics.txt"
promtool check metrics <"$PD_TMP/metrics.txt" || pd_fail "promtool check metrics failed"
grep -qF 'name="云岩 \"终端\" C:\\probe <b>x</b>"' "$PD_TMP/metrics.txt" ||
    pd_fail "label not escaped: $(grep -m1 gy-up-01 "$PD_TMP/metrics.txt")"
grep -q '^probed_target_up{target="zy-cut-02".*} 0$' "$PD_TMP/metrics.txt" || pd_fail "zy-cut-02 not 0"
grep -q '^probed_check_metric{target="gy-up-01".*metric="rtt_median"} [0-9.e-]*$' \
    "$PD_TMP/metrics.txt" || pd_fail "no rtt_median sample"
pd_ok "/metrics: promtool clean, $(grep -vc '^#' "$PD_TMP/metrics.txt") samples, labels escaped"

# The overview as a browser shows it.
CHROME=(ip netns exec "$PD_PROBER" chromium --headless --no-sandbox --disable-gpu --no-first-run
    --disable-background-networking --disable-component-update --disable-sync --log-level=3
    --user-data-dir="$PD_TMP/chromium" --hide-scrollbars)
"${CHROME[@]}" --dump-dom "$URL/" >"$PD_TMP/overview.html" 2>"$PD_TMP/chromium.err" ||
    pd_fail "chromium --dump-dom failed: $(tail -n 5 "$PD_TMP/chromium.err")"
for want in 遵义会议终端 黔南摄像头 '云岩 "终端" C:\probe &lt;b&gt;x&lt;/b&gt;' \
    'id="count-down">1<' 'id="count-maintenance">1<' 'id="count-up">1<' \
    'data-state="down"' 'data-state="maintenance"' 更换电源; do
    grep -qF "$want" "$PD_TMP/overview.html" || pd_fail "overview DOM lacks: $want"
done
if grep -q '<b>x</b>' "$PD_TMP/overview.html"; then pd_fail "a name's markup reached the DOM"; fi
"${CHROME[@]}" --window-size=1280,900 --screenshot="$ARTEFACTS/web_overview.png" "$URL/" \
    >/dev/null 2>>"$PD_TMP/chromium.err" || pd_fail "chromium --screenshot failed"
[ "$(head -c 8 "$ARTEFACTS/web_overview.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
    pd_fail "the screenshot is not a PNG"
pd_ok "overview in chromium: names in Chinese, states and counts; screenshot $ARTEFACTS/web_overview.png"

"${CHROME[@]}" --dump-dom "$URL/device/zy-cut-02" >"$PD_TMP/device.html" 2>>"$PD_TMP/chromium.err" ||
    pd_fail "chromium device page failed"
for want in 遵义会议终端 'class="badge down"' '<td class="id">ping</td>' 'guizhou/zunyi/honghuagang'; do
    grep -qF "$want" "$PD_TMP/device.html" || pd_fail "device page lacks: $want"
done
"${CHROME[@]}" --window-size=1280,900 --screenshot="$ARTEFACTS/web_device.png" \
    "$URL/device/zy-cut-02" >/dev/null 2>>"$PD_TMP/chromium.err" || pd_fail "device screenshot"
pd_ok "device page: state, checks, site; screenshot $ARTEFACTS/web_device.png"

# The filters.
get "$URL/?state=down" >"$PD_TMP/down.html"
grep -qF 遵义会议终端 "$PD_TMP/down.html" && ! grep -qF 黔南摄像头 "$PD_TMP/down.html" ||
    pd_fail "state filter"
get "$URL/?name=%E9%BB%94%E5%8D%97" >"$PD_TMP/name.html" # 黔南
grep -qF 黔南摄像头 "$PD_TMP/name.html" && ! grep -qF 遵义会议终端 "$PD_TMP/name.html" ||
    pd_fail "name filter"
pd_ok "filters by state and by a Chinese name"

pd_daemon_stop
[ "$PD_DAEMON_RC" = 0 ] || pd_fail "probed exited $PD_DAEMON_RC"
