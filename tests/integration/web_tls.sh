#!/bin/bash
# The dashboard over HTTPS (web.tls_cert, web.tls_key): a certificate
# signed by a test CA, checked by curl against that CA; pages, the API and
# a graph (a request suspended while the image is drawn) come back over
# TLS; plain HTTP on that port gets no page; a TLS key that cannot be read
# keeps the dashboard off while the probing goes on.
set -euo pipefail
. "$(dirname "$0")/lib.sh" "$1"

pd_require_cmd curl openssl jq
pd_lab_init

PORT=18443
pd_target up 1
pd_test_ca
pd_test_cert web 30 127.0.0.1
config() {
    pd_write_file "$PD_CFG" <<EOF
data_dir: ./data
web: { listen: "127.0.0.1:$PORT", tls_cert: "$PD_CA_DIR/web.crt", tls_key: "$1" }
storage: { heartbeat: 2s, status_refresh: 0s }
rrd: { write_delay: 0s }
templates:
  codec:
    checks:
      - { id: ping, type: icmp, interval: 1s, count: 2, spacing: 100ms, timeout: 500ms }
targets:
  - { id: gy-up-01, name: 贵阳终端, address: $(pd_addr4 1), type: codec, site: guizhou/guiyang }
maintenance:
  - { start: "$(date -d '-1 hour' '+%F %H:%M %z')", end: "$(date -d '+1 hour' '+%F %H:%M %z')",
      site: guizhou, reason: 配置中的窗口 }
EOF
}
config "$PD_CA_DIR/web.key"
pd_daemon_start
pd_wait_state gy-up-01 ping UP 20
grep -q "dashboard on https://127.0.0.1:$PORT" "$PD_LOG" || pd_fail "no 'dashboard on https' line"

get() { ip netns exec "$PD_PROBER" curl -sS --max-time 10 --cacert "$PD_CA_DIR/ca.crt" "$@"; }
URL="https://127.0.0.1:$PORT"
get -o "$PD_TMP/overview.html" "$URL/" || pd_fail "GET / over TLS failed"
grep -qF 贵阳终端 "$PD_TMP/overview.html" || pd_fail "overview over TLS lacks the device"
get "$URL/api/v1/summary" | jq -e '.up == 1' >/dev/null || pd_fail "summary over TLS"
# A window of the configuration (not of the store) covers it now.
get "$URL/api/v1/targets/gy-up-01" | jq -e '.maintenance and .maintenance_reason == "配置中的窗口"' \
    >/dev/null || pd_fail "the configuration's window: $(get "$URL/api/v1/targets/gy-up-01")"
pd_wait_until 10 "the ping check's RRD file" test -f "$PD_DATA/rrd/gy-up-01/ping.rrd"
get -D "$PD_TMP/h" -o "$PD_TMP/g.png" "$URL/graph/gy-up-01/ping/latency.png?period=6h"
grep -qi '^content-type: image/png' "$PD_TMP/h" || pd_fail "graph over TLS: $(head -n 1 "$PD_TMP/h")"
ip netns exec "$PD_PROBER" openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$PD_CA_DIR/ca.crt" \
    -verify_return_error </dev/null >"$PD_TMP/s_client.txt" 2>&1 || pd_fail "openssl s_client: $(tail -n 3 "$PD_TMP/s_client.txt")"
grep -q 'Verify return code: 0 (ok)' "$PD_TMP/s_client.txt" || pd_fail "certificate not verified"
code=$(ip netns exec "$PD_PROBER" curl -s --max-time 5 -o /dev/null -w '%{http_code}' \
    "http://127.0.0.1:$PORT/" || true)
[ "$code" != 200 ] || pd_fail "plain HTTP served a page on the TLS port"
pd_ok "HTTPS: the certificate verifies against the test CA; overview, API and a graph over TLS; plain HTTP gets no page ($code)"
pd_daemon_stop
[ "$PD_DAEMON_RC" = 0 ] || pd_fail "probed exited $PD_DAEMON_RC"

# A key that cannot be read: the dashboard stays off, the probing goes on.
config "$PD_CA_DIR/missing.key"
pd_daemon_start
pd_wait_until 10 "the dashboard's error in the log" grep -q "dashboard is off until the next restart" "$PD_LOG"
pd_wait_state gy-up-01 ping UP 20
if get -o /dev/null "$URL/" 2>/dev/null; then pd_fail "served without its TLS key"; fi
pd_ok "a TLS key that cannot be read: the dashboard is off, the device is still probed"
pd_daemon_stop
[ "$PD_DAEMON_RC" = 0 ] || pd_fail "probed exited $PD_DAEMON_RC"
