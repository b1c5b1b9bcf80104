#!/bin/bash
# The dashboard's report side: a device cut off for a few seconds shows
# this month's outage and an availability below 100 % on its page, the same
# figure `probectl report` prints for the month; /api/v1/report is
# probectl's JSON (but for when it was generated); every download has its
# Content-Type and file name, the XLSX is a zip, the CSV starts with a
# byte order mark; a system of two devices lists its members by their
# Chinese names; bad months are 400, unknown systems 404.
set -euo pipefail
. "$(dirname "$0")/lib.sh" "$1"

pd_require_cmd curl jq python3
pd_lab_init

PORT=18081
pd_target a 1
pd_target b 2

# A long heartbeat: between the page and probectl the records stay the
# same, so the running month's figures (up to the last record) agree.
pd_write_file "$PD_CFG" <<EOF
data_dir: ./data
timezone: Asia/Shanghai
web: { listen: "127.0.0.1:$PORT", threads: 2 }
storage: { heartbeat: 60s, status_refresh: 0s }
templates:
  codec:
    severity: emergency
    checks:
      - { id: ping, type: icmp, interval: 1s, count: 2, spacing: 100ms, timeout: 400ms,
          fail_after: 1, recover_after: 1 }
targets:
  - { id: gy-codec-01, name: 贵阳会议终端, address: $(pd_addr4 1), type: codec,
      site: guizhou/guiyang }
  - { id: zy-codec-02, name: 遵义会议终端, address: $(pd_addr4 2), type: codec,
      site: guizhou/zunyi }
systems:
  video: { name: 视频会议系统, rule: any, members: [gy-codec-01, zy-codec-02] }
EOF

pd_daemon_start
pd_wait_state gy-codec-01 "" UP 20
pd_wait_state zy-codec-02 "" UP 20
pd_cut b
pd_wait_state zy-codec-02 "" DOWN 20
sleep 3
pd_restore b
pd_wait_state zy-codec-02 "" UP 20
pd_ok "zy-codec-02 cut off and back"

URL="http://127.0.0.1:$PORT"
P=("$PD_BUILD/probectl" -c "$PD_CFG")
month=$(TZ=Asia/Shanghai date +%Y-%m)
get() { ip netns exec "$PD_PROBER" curl -sS --max-time 20 "$@"; }
status() { get -o /dev/null -w '%{http_code}' "$@"; }

# The device page against probectl, and the API's JSON against probectl's:
# the same records, so the same bytes but for the generation time and the
# digest over it. A heartbeat between the two moves the records' end: try
# again, a few times.
strip() { grep -v -e '^ *"generated":' -e '^ *"sha256":' "$1"; }
same=""
for ((try = 0; try < 3; try++)); do
    get "$URL/device/zy-codec-02" >"$PD_TMP/device.html"
    get "$URL/api/v1/report?month=$month&target=zy-codec-02" >"$PD_TMP/api.json"
    "${P[@]}" report --month "$month" --target zy-codec-02 --format json -q >"$PD_TMP/cli.json" ||
        pd_fail "probectl report failed"
    if diff <(strip "$PD_TMP/api.json") <(strip "$PD_TMP/cli.json") >"$PD_TMP/json.diff"; then
        same=1
        break
    fi
done
[ -n "$same" ] || pd_fail "/api/v1/report differs from probectl report:
$(head -n 30 "$PD_TMP/json.diff")"
[ "$(grep -c '"generated":' "$PD_TMP/api.json")" = 1 ] || pd_fail "generated not on a line of its own"
jq -e . "$PD_TMP/api.json" >/dev/null || pd_fail "the API's report is not JSON"
pd_ok "/api/v1/report is probectl report --format json but for the generation time"

cli=$(jq -r '.targets[0].figures.availability_pct' "$PD_TMP/cli.json")
page=$(sed -n 's/.*<td id="availability">\([0-9.]*\)&nbsp;%.*/\1/p' "$PD_TMP/device.html")
[ -n "$page" ] || pd_fail "no availability on the device page"
python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); sys.exit(0 if a == b and a < 100 else 1)" \
    "$page" "$cli" || pd_fail "device page availability $page, probectl $cli (must be equal and < 100)"
grep -q '<tr class="outage">' "$PD_TMP/device.html" || pd_fail "no outage listed on the device page"
[ "$(jq -r '.targets[0].outages | length' "$PD_TMP/cli.json")" = \
    "$(grep -c '<tr class="outage">' "$PD_TMP/device.html")" ] || pd_fail "outage count differs"
grep -q 'so far' "$PD_TMP/device.html" || pd_fail "the running month is not marked 'so far'"
grep -q 'href="/system/video">视频会议系统</a>' "$PD_TMP/device.html" ||
    pd_fail "the device page does not link its system"
pd_ok "device page: availability $page % as probectl says, $(grep -c '<tr class="outage">' "$PD_TMP/device.html") outage(s), so far, its system"

# Downloads.
for ext in csv json html xlsx; do
    get -D "$PD_TMP/h.$ext" -o "$PD_TMP/r.$ext" "$URL/report/$month.$ext"
    grep -qi "^content-disposition: attachment; filename=\"probed-report-$month.$ext\"" \
        "$PD_TMP/h.$ext" || pd_fail "$ext: $(grep -i disposition "$PD_TMP/h.$ext")"
    [ -s "$PD_TMP/r.$ext" ] || pd_fail "$ext: empty body"
    head -n1 "$PD_TMP/h.$ext" | grep -q ' 200' || pd_fail "$ext: $(head -n1 "$PD_TMP/h.$ext")"
done
grep -qi '^content-type: text/csv; charset=utf-8' "$PD_TMP/h.csv" || pd_fail "csv content type"
grep -qi '^content-type: application/json' "$PD_TMP/h.json" || pd_fail "json content type"
grep -qi '^content-type: text/html; charset=utf-8' "$PD_TMP/h.html" || pd_fail "html content type"
grep -qi '^content-type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' \
    "$PD_TMP/h.xlsx" || pd_fail "xlsx content type"
[ "$(head -c3 "$PD_TMP/r.csv" | od -An -tx1 | tr -d ' \n')" = efbbbf ] || pd_fail "CSV without BOM"
len=$(sed -n 's/^content-length: *\([0-9]*\).*/\1/ip' "$PD_TMP/h.xlsx")
[ "$len" = "$(stat -c %s "$PD_TMP/r.xlsx")" ] || pd_fail "xlsx length $len vs body"
python3 - "$PD_TMP/r.xlsx" <<'EOF' || pd_fail "the XLSX is not a valid zip workbook"
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
assert "xl/workbook.xml" in z.namelist()
assert any("遵义会议终端" in z.read(n).decode("utf-8", "replace") for n in z.namelist()
           if n.endswith(".xml"))
EOF
for f in r.csv r.json r.html; do
    "${P[@]}" report verify "$PD_TMP/$f" >/dev/null || pd_fail "report verify $f failed"
done
get -D "$PD_TMP/h.sys" -o /dev/null "$URL/report/$month.csv?system=video"
grep -qi "filename=\"probed-report-$month-video.csv\"" "$PD_TMP/h.sys" || pd_fail "scoped file name"
pd_ok "downloads: csv (BOM), json, html (digests verify), xlsx (zip, $len bytes), names"

# The report page: this month, and the default (last month: no data yet).
get "$URL/report?month=$month" >"$PD_TMP/report.html"
for want in "/report/$month.xlsx" 遵义会议终端 视频会议系统 'id="n-targets">2<' 'so far'; do
    grep -qF "$want" "$PD_TMP/report.html" || pd_fail "report page lacks: $want"
done
get "$URL/report" >"$PD_TMP/prev.html"
grep -q 'id="empty"' "$PD_TMP/prev.html" || pd_fail "last month's report does not say it is empty"
grep -qF "month=$month\">this month so far" "$PD_TMP/prev.html" || pd_fail "no link to this month"
pd_ok "report page: figures, downloads, last month empty, link to this month"

# Systems.
get "$URL/system/video" >"$PD_TMP/system.html"
for want in 视频会议系统 '>贵阳会议终端</a>' '>遵义会议终端</a>' 'class="rule">any<' \
    'href="/device/gy-codec-01"' 'id="availability"'; do
    grep -qF "$want" "$PD_TMP/system.html" || pd_fail "system page lacks: $want"
done
get "$URL/api/v1/systems/video" | jq -e '.rule == "any" and .state == "up" and
    (.members | map(.name) == ["贵阳会议终端", "遵义会议终端"])' >/dev/null ||
    pd_fail "api systems/video: $(get "$URL/api/v1/systems/video")"
get "$URL/api/v1/systems" | jq -e '.systems | length == 1' >/dev/null || pd_fail "api systems"
get "$URL/" | grep -q 'href="/system/video"' || pd_fail "the overview does not link the system"
pd_ok "system page and API: members by Chinese name, rule any, up; linked from the overview"

# Refusals.
[ "$(status "$URL/report?month=2026-13")" = 400 ] || pd_fail "bad month not 400"
[ "$(status "$URL/report?month=2099-01")" = 400 ] || pd_fail "future month not 400"
[ "$(status "$URL/report/2099-01.csv")" = 400 ] || pd_fail "future month file not 400"
[ "$(status "$URL/report/$month.pdf")" = 404 ] || pd_fail "unknown format not 404"
[ "$(status "$URL/api/v1/report?month=x")" = 400 ] || pd_fail "api bad month not 400"
[ "$(status "$URL/report?site=a&system=b")" = 400 ] || pd_fail "two scopes not 400"
[ "$(status "$URL/system/nope")" = 404 ] || pd_fail "unknown system not 404"
[ "$(status "$URL/api/v1/systems/nope")" = 404 ] || pd_fail "api unknown system not 404"
[ "$(status "$URL/api/v1/report?month=$month&system=nope")" = 404 ] || pd_fail "report of unknown system"
get "$URL/report?month=2026-13" | grep -q 'YYYY-MM' || pd_fail "bad month message"
pd_ok "400 for bad and future months and two scopes, 404 for unknown systems and formats"

pd_daemon_stop
[ "$PD_DAEMON_RC" = 0 ] || pd_fail "probed exited $PD_DAEMON_RC"
