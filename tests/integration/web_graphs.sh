#!/bin/bash
# The dashboard's graphs, rendered by the daemon from its own RRD files: a
# codec whose name holds quotes, a backslash, a colon and markup (it goes
# into the graph's title), and a switch with an snmpd whose interfaces
# are series of its check. Each graph comes back as a PNG of the size
# asked (or an SVG), for every kind and period; the device page links them
# and a headless chromium shows them (a screenshot is kept); 50 clients
# asking for one image at once all get it; unknown ids, kinds, periods and
# sizes, and path traversal are refused; the daemon stops cleanly while
# graph requests wait. The daemon runs as nobody and listens on port 81:
# the socket is bound before privileges are dropped.
set -euo pipefail
. "$(dirname "$0")/lib.sh" "$1"

pd_require_cmd curl snmpd chromium
pd_lab_init

PORT=81
ARTEFACTS="$PD_BUILD/tests/artefacts"
mkdir -p "$ARTEFACTS"
pd_target codec 1
pd_target sw 2
ip -n "$PD_PREFIX-sw" link add ge1 type veth peer name ge2
ip -n "$PD_PREFIX-sw" link set ge1 up
ip -n "$PD_PREFIX-sw" link set ge2 up
pd_snmpd sw 2
EVIL='云岩 "终端" C:\probe <b>x</b> 100%'

pd_secrets_file <<EOF
snmp:
  v2c: { community: $PD_SNMP_COMMUNITY }
EOF
pd_write_file "$PD_CFG" <<EOF
data_dir: ./data
secrets: secrets.yaml
user: nobody
timezone: Asia/Shanghai
web: { listen: "127.0.0.1:$PORT", threads: 2 }
storage: { heartbeat: 2s, status_refresh: 0s }
rrd: { write_delay: 0s }
plugins:
  snmp:
    profiles:
      v2c: { version: 2c }
templates:
  codec:
    checks:
      - { id: ping, type: icmp, interval: 1s, count: 3, spacing: 100ms, timeout: 500ms }
  switch:
    checks:
      - { id: snmp, type: snmp, profile: v2c, collections: interfaces, interfaces: "ge*",
          interval: 1s, timeout: 900ms }
targets:
  - { id: gy-codec-01, name: '$EVIL', address: $(pd_addr4 1), type: codec, site: guizhou/guiyang }
  - { id: gy-sw-01, name: 核心交换机, address: $(pd_addr4 2), type: switch, site: guizhou/guiyang }
EOF
pd_daemon_start
pd_wait_state gy-codec-01 ping UP 20
pd_wait_state gy-sw-01 snmp UP 20
sleep 3 # a few rows in the files
grep -q "dashboard on http://127.0.0.1:$PORT" "$PD_LOG" || pd_fail "not listening on port $PORT"
[ "$(stat -c %U "/proc/$PD_DAEMON_PID")" = nobody ] || pd_fail "probed does not run as nobody"

URL="http://127.0.0.1:$PORT"
get() { ip netns exec "$PD_PROBER" curl -sS --max-time 20 "$@"; }
status() { get -o /dev/null -w '%{http_code}' "$@"; }
# The width and height in a PNG's IHDR chunk (bytes 16 to 23).
png_size() {
    [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || return 1
    od -An -tu1 -j16 -N8 "$1" | awk '{ printf "%dx%d", $1 * 16777216 + $2 * 65536 + $3 * 256 + $4,
                                        $5 * 16777216 + $6 * 65536 + $7 * 256 + $8 }'
}

# Each kind the files support, each period, a size asked.
G="$URL/graph/gy-codec-01/ping"
n=0
for kind in latency loss jitter; do
    for period in 6h 1d 7d 30d 1y; do
        get -D "$PD_TMP/h" -o "$PD_TMP/g.png" "$G/$kind.png?period=$period&w=700&h=260"
        grep -qi '^content-type: image/png' "$PD_TMP/h" || pd_fail "$kind $period: $(head -n 1 "$PD_TMP/h")"
        [ "$(png_size "$PD_TMP/g.png")" = 700x260 ] ||
            pd_fail "$kind $period: PNG $(png_size "$PD_TMP/g.png" || echo 'not a PNG'), not 700x260"
        n=$((n + 1))
    done
done
get -o "$PD_TMP/default.png" "$G/latency.png"
[ "$(png_size "$PD_TMP/default.png")" = 640x250 ] || pd_fail "default size $(png_size "$PD_TMP/default.png")"
pd_ok "$n codec graphs (latency, loss, jitter x 6h..1y) are PNGs of 700x260; default 640x250"

get -D "$PD_TMP/h" -o "$PD_TMP/g.svg" "$G/latency.svg?period=6h"
grep -qi '^content-type: image/svg+xml' "$PD_TMP/h" || pd_fail "svg content type"
grep -q '<svg' "$PD_TMP/g.svg" || pd_fail "not an SVG"
# librrd draws text as glyph outlines, so the title cannot be read back
# here (test_graph checks its escaping); that these images were made at
# all says the name's quotes, ':', '\', '%' and markup broke nothing.
pd_ok "SVG too; titles carry a name with quotes, ':', '\\', '%' and markup"

# The switch's interfaces are series of its check.
for s in if-ge1 if-ge2; do
    get -o "$PD_TMP/t.png" "$URL/graph/gy-sw-01/snmp/$s/traffic.png?period=6h&w=500&h=200"
    [ "$(png_size "$PD_TMP/t.png")" = 500x200 ] || pd_fail "traffic $s: $(png_size "$PD_TMP/t.png" || head -c 200 "$PD_TMP/t.png")"
done
pd_ok "traffic graphs of the switch's interfaces ge1 and ge2"

# The cache: the same image again is served as it is, and may be kept.
get -D "$PD_TMP/h1" -o "$PD_TMP/c1.png" "$G/latency.png?period=7d"
get -D "$PD_TMP/h2" -o "$PD_TMP/c2.png" "$G/latency.png?period=7d"
cmp -s "$PD_TMP/c1.png" "$PD_TMP/c2.png" || pd_fail "a cached image differs"
grep -qi '^cache-control: private, max-age=[1-9]' "$PD_TMP/h2" || pd_fail "no max-age on an image"
grep -qi '^cache-control: no-store' < <(get -D - -o /dev/null "$URL/") || pd_fail "a page may be cached"

# 50 clients at once for one image not rendered yet: all get it.
pids=()
for i in $(seq 1 50); do
    get -o "$PD_TMP/p$i.png" -w '%{http_code}\n' "$G/jitter.png?period=1d&w=900&h=300" \
        >"$PD_TMP/p$i.code" &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || pd_fail "a concurrent request failed"; done
for i in $(seq 1 50); do
    [ "$(cat "$PD_TMP/p$i.code")" = 200 ] || pd_fail "client $i: $(cat "$PD_TMP/p$i.code")"
    cmp -s "$PD_TMP/p1.png" "$PD_TMP/p$i.png" || pd_fail "client $i got another image"
done
[ "$(png_size "$PD_TMP/p1.png")" = 900x300 ] || pd_fail "concurrent image size"
pd_ok "cache: same bytes, max-age; 50 concurrent clients got the same 900x300 image"

# The dashboard's threads give way to the probing loop: nice 10 for the
# request threads that served and the render thread, 0 for the loop.
nice_of() { sed 's/.*) //' "$1" | awk '{ print $17 }'; }
[ "$(nice_of "/proc/$PD_DAEMON_PID/task/$PD_DAEMON_PID/stat")" = 0 ] || pd_fail "the loop is not at nice 0"
n_nice=0
for t in /proc/"$PD_DAEMON_PID"/task/*/stat; do
    [ "$(nice_of "$t")" = 10 ] && n_nice=$((n_nice + 1))
done
[ "$n_nice" -ge 2 ] || pd_fail "$n_nice threads at nice 10 (the render thread and a request thread at least)"
pd_ok "the loop at nice 0, $n_nice web threads at nice 10"

# Refusals.
for bad in "/graph/../../etc/passwd" "/graph/gy-codec-01/../../../etc/passwd/latency.png" \
    "/graph/nope/ping/latency.png" "/graph/gy-codec-01/nope/latency.png" \
    "/graph/gy-codec-01/ping/nope.png" "/graph/gy-codec-01/ping/latency.gif" \
    "/graph/gy-codec-01/ping/if-x/latency.png" "/graph/gy-codec-01/ping" \
    "/graph/GY-CODEC-01/ping/latency.png" "/graph/gy-codec-01/ping/a/b/latency.png"; do
    [ "$(status --path-as-is "$URL$bad")" = 404 ] || pd_fail "$bad: $(status --path-as-is "$URL$bad")"
done
for bad in "period=2d" "period=1h" "w=10" "w=abc" "h=100000" "w=-640" "w=640x"; do
    [ "$(status "$G/latency.png?$bad")" = 400 ] || pd_fail "?$bad: $(status "$G/latency.png?$bad")"
done
[ "$(status "$URL/graph/gy-sw-01/snmp/latency.png")" = 404 ] || pd_fail "a kind the file lacks"
pd_ok "404 for traversal, unknown ids, kinds, series and formats; 400 for bad periods and sizes"

# The device page links its graphs; chromium loads them.
get "$URL/device/gy-sw-01?period=6h" >"$PD_TMP/sw.html"
for want in '/graph/gy-sw-01/snmp/if-ge1/traffic.png?period=6h' \
    '/graph/gy-sw-01/snmp/if-ge2/traffic.png?period=6h' 'class="current" href="?period=6h'; do
    grep -qF "$want" "$PD_TMP/sw.html" || pd_fail "switch page lacks $want"
done
get "$URL/device/gy-codec-01?period=all" >"$PD_TMP/codec.html"
[ "$(grep -o '<img src="/graph/gy-codec-01/ping/[a-z]*\.png?period=[0-9a-z]*"' "$PD_TMP/codec.html" |
    sort -u | wc -l)" = 10 ] || pd_fail "codec page, all periods: not 10 graphs (latency, jitter x 5)"
CHROME=(ip netns exec "$PD_PROBER" chromium --headless --no-sandbox --disable-gpu --no-first-run
    --disable-background-networking --disable-component-update --disable-sync --log-level=3
    --user-data-dir="$PD_TMP/chromium" --hide-scrollbars)
"${CHROME[@]}" --window-size=1280,1400 --virtual-time-budget=5000 \
    --screenshot="$ARTEFACTS/web_device_graphs.png" "$URL/device/gy-codec-01?period=6h" \
    >/dev/null 2>"$PD_TMP/chromium.err" || pd_fail "chromium screenshot: $(tail -n 3 "$PD_TMP/chromium.err")"
[ "$(png_size "$ARTEFACTS/web_device_graphs.png")" = 1280x1400 ] || pd_fail "screenshot"
pd_ok "device pages link every graph (interfaces too, all periods); screenshot $ARTEFACTS/web_device_graphs.png"

# Stopping while graph requests wait: each gets an answer or a closed
# connection, and the daemon exits 0.
pids=()
for i in $(seq 1 30); do
    get -o /dev/null -w '%{http_code}\n' "$G/latency.png?period=1y&w=$((600 + i))" \
        >"$PD_TMP/s$i.code" 2>/dev/null &
    pids+=($!)
done
sleep 0.05
pd_daemon_stop
for p in "${pids[@]}"; do wait "$p" || true; done
[ "$PD_DAEMON_RC" = 0 ] || pd_fail "probed exited $PD_DAEMON_RC with graph requests waiting"
pd_ok "stopped with graph requests waiting: $(cat "$PD_TMP"/s*.code | sort | uniq -c | tr -s ' \n' ' ')"
