#!/bin/bash
# The http check against a real nginx, compared with curl on the same URLs:
# a UTF-8 (Chinese) page found by expect_body, with the status and the body
# size curl sees, over IPv4 and IPv6; HTTPS by host name (resolve:
# {address}) with the test CA, cert_days_left as openssl reads the
# certificate (last_metrics and the RRD file) and tls_ms; without the CA,
# and with an expired certificate, DOWN with curl's reason; status 500; a
# chain of 3 redirects followed, not followed, and cut by max_redirects;
# expect_body and expect_body_regex that miss and match; max_body cutting
# a large body (not an error); a body too slow for the timeout; a port
# with nothing listening; a request header and a POST body reaching nginx.
set -euo pipefail
. "$(dirname "$0")/lib.sh" "$1"

pd_require_cmd curl openssl rrdtool
pd_lab_init

HOST=www.pd-lab.test
TOKEN=pd-7f3a
POST_BODY='probe=1&x=2'
BIG=1048576 # bytes of big.bin
WANT_ZH='观山湖区'

pd_target web 1
pd_wait_ipv6 web 1
pd_test_ca
pd_test_cert www 10 "$HOST"
pd_test_cert old -3 "$HOST"
pd_nginx web 1 <<EOF
server {
    listen {addr4}:80;
    listen {addr6}:80;
    location = /e500 { return 500; }
    location = /r3 { return 302 /r2; }
    location = /r2 { return 301 /r1; }
    location = /r1 { return 302 /zh.html; }
    location = /slow.bin { limit_rate 4k; }
    location = /hdr {
        if (\$http_x_probe != "$TOKEN") { return 403; }
        return 200 "header seen\n";
    }
    location = /post {
        if (\$request_method != POST) { return 405; }
        if (\$content_length != "${#POST_BODY}") { return 411; }
        return 200 "posted\n";
    }
}
server {
    listen {addr4}:443 ssl;
    listen {addr6}:443 ssl;
    ssl_certificate {ca}/www.crt;
    ssl_certificate_key {ca}/www.key;
}
server {
    listen {addr4}:8443 ssl;
    ssl_certificate {ca}/old.crt;
    ssl_certificate_key {ca}/old.key;
}
EOF
ROOT=${PD_NGINX_ROOT[web]}
{
    echo '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>视频会议平台</title></head><body>'
    for i in $(seq 1 40); do echo "<p>第 $i 行：贵阳市观山湖区 机房 3，视频会议平台运行正常，版本 2.$i。</p>"; done
    echo '</body></html>'
} >"$ROOT/zh.html"
echo '<p>probed test</p>' >"$ROOT/index.html"
head -c $BIG /dev/urandom >"$ROOT/big.bin"
ln "$ROOT/big.bin" "$ROOT/slow.bin"
ZH_SIZE=$(stat -c %s "$ROOT/zh.html")
pd_ok "nginx up: HTTP on :80, HTTPS on :443 (expires in 10 days) and :8443 (expired 3 days ago)"

chmod 755 "$PD_TMP" # the daemon drops to nobody, who reads ca_file and data_dir
# check ID URL [OPTIONS [INTERVAL]]: one check of the template.
check() {
    echo "      - { id: $1, type: http, url: \"$2\", interval: ${4:-1s}, fail_after: 2, recover_after: 1${3:+, $3} }"
}
pd_write_file "$PD_CFG" <<EOF
data_dir: ./data
user: nobody
log: { level: info }
storage: { heartbeat: 2s, status_refresh: 0s }
rrd: { write_delay: 0s }   # the test reads the files while the daemon runs
templates:
  web:
    checks:
$(check zh "http://{address}/zh.html" "expect_body: \"$WANT_ZH\"")
$(check tls "https://$HOST/" "resolve: \"{address}\", ca_file: \"$PD_CA_CERT\"")
$(check tls_noca "https://$HOST/" "resolve: \"{address}\"")
$(check expired "https://$HOST:8443/" "resolve: \"{address}\", ca_file: \"$PD_CA_CERT\"")
$(check e500 "http://{address}/e500")
$(check redir "http://{address}/r3" "expect_body: \"$WANT_ZH\"")
$(check redir_no "http://{address}/r3" "follow_redirects: no, expect_status: \"302\"")
$(check redir_max1 "http://{address}/r3" "max_redirects: 1")
$(check body_miss "http://{address}/zh.html" "expect_body: \"不存在的文字\"")
$(check body_re "http://{address}/zh.html" "expect_body_regex: \"版本 2\\\\.[0-9]+。</p>\"")
$(check re_miss "http://{address}/zh.html" "expect_body_regex: \"版本 3\\\\.[0-9]+\"")
$(check cut "http://{address}/big.bin" "max_body: 1000")
$(check slow "http://{address}/slow.bin" "timeout: 1500ms" 2s)
$(check refused "http://{address}:81/")
$(check hdr "http://{address}/hdr" "headers: [ \"X-Probe: $TOKEN\" ]")
$(check hdr_none "http://{address}/hdr")
$(check post "http://{address}/post" "method: POST, body: \"$POST_BODY\"")
$(check post_get "http://{address}/post")
  web6:
    checks:
$(check zh "http://{address}/zh.html" "expect_body: \"$WANT_ZH\"")
$(check tls "https://$HOST/" "resolve: \"{address}\", ca_file: \"$PD_CA_CERT\", ip: \"6\"")
targets:
  - { id: web, name: "视频会议平台", address: $(pd_addr4 1), type: web, site: lab }
  - { id: web6, address: "$(pd_addr6 1)", type: web6, site: lab }
EOF

pd_daemon_start
pd_note "probed pid $PD_DAEMON_PID, run $PD_RUN_ID"

# curl_in ARGS...: curl in the prober's namespace; prints "<status> <bytes>"
# and, when it fails, its error on the next line (as libcurl words it).
curl_in() {
    local out rc=0
    out=$(ip netns exec "$PD_PROBER" curl -sS -o /dev/null -w '%{http_code} %{size_download}' \
        --max-time 5 "$@" 2>"$PD_TMP/curl.err") || rc=$?
    echo "$out"
    [ "$rc" = 0 ] || sed -n '1s/^curl: ([0-9]*) //p' "$PD_TMP/curl.err"
}
metric() {
    pd_sql "SELECT json_extract(last_metrics, '\$.$3') FROM current_state
            WHERE target_id = '$1' AND check_id = '$2'"
}
# down_reason TARGET CHECK: the reason of its last DOWN transition.
down_reason() {
    pd_sql "SELECT reason FROM transitions WHERE target_id = '$1' AND check_id = '$2'
            AND to_state = 'DOWN' ORDER BY at_ns DESC, id DESC LIMIT 1"
}
# cur_state_sql TARGET CHECK: the state of the check's status row, once the
# row has the metrics of a round (the row is written apart from the
# transition).
cur_state_sql() {
    echo "SELECT state FROM current_state WHERE target_id = '$1' AND check_id = '$2'
          AND json_extract(last_metrics, '\$.total_ms') IS NOT NULL"
}
expect_up() {
    pd_wait_state "$1" "$2" UP 15
    pd_wait_for "$(cur_state_sql "$1" "$2")" UP 5
}
# expect_down TARGET CHECK REASON: DOWN with exactly that reason.
expect_down() {
    local reason
    pd_wait_state "$1" "$2" DOWN 15
    pd_wait_for "$(cur_state_sql "$1" "$2")" DOWN 5
    reason=$(down_reason "$1" "$2")
    [ "$reason" = "$3" ] || pd_fail "$1/$2 DOWN with '$reason', expected '$3'"
    pd_ok "$1/$2 DOWN: $reason"
}
# same_as_curl TARGET CHECK STATUS BYTES CURL-ARGS...: probed's last status
# and bytes are curl's, and curl's are the expected ones.
same_as_curl() {
    local t=$1 c=$2 want="$3 $4" got ref
    shift 4
    ref=$(curl_in "$@" | head -n 1)
    [ "$ref" = "$want" ] || pd_fail "curl $*: '$ref', expected '$want'"
    got="$(metric "$t" "$c" status) $(metric "$t" "$c" bytes)"
    [ "$got" = "$want" ] || pd_fail "$t/$c: status and bytes '$got', curl '$ref'"
}
A4=$(pd_addr4 1)
A6="[$(pd_addr6 1)]"
TLS_TO=(--connect-to "$HOST::$A4:")

expect_up web zh
expect_up web6 zh
same_as_curl web zh 200 "$ZH_SIZE" "http://$A4/zh.html"
same_as_curl web6 zh 200 "$ZH_SIZE" "http://$A6/zh.html"
for t in web web6; do
    for m in tls_ms cert_days_left; do
        [ -z "$(metric $t zh $m)" ] || pd_fail "$t/zh: $m = $(metric $t zh $m) for http://"
    done
done
pd_ok "zh.html UP over IPv4 and IPv6: status 200, $ZH_SIZE bytes, as curl; no tls_ms nor cert_days_left"

# The certificate: cert_days_left is its notAfter, seen from the round.
not_after=$(date -d "$(openssl x509 -in "$PD_CA_DIR/www.crt" -noout -enddate | cut -d= -f2)" +%s)
for t in web web6; do
    expect_up $t tls
    IFS='|' read -r days tls_ms last_ns < <(pd_sql "SELECT json_extract(last_metrics, '\$.cert_days_left'),
        json_extract(last_metrics, '\$.tls_ms'), last_ns FROM current_state
        WHERE target_id = '$t' AND check_id = 'tls'")
    want=$(awk -v a="$not_after" -v l="$last_ns" 'BEGIN { printf "%.4f", (a - l / 1e9) / 86400 }')
    diff=$(awk -v d="$days" -v w="$want" 'BEGIN { x = d - w; print x < 0 ? -x : x }')
    pd_float_cmp "$diff" "<" 0.001 || pd_fail "$t/tls: cert_days_left $days, openssl says $want"
    pd_float_cmp "$tls_ms" ">" 0 || pd_fail "$t/tls: tls_ms '$tls_ms'"
    pd_ok "$t/tls UP: cert_days_left $days (openssl: $want), tls_ms $tls_ms"
done
same_as_curl web tls 200 "$(stat -c %s "$ROOT/index.html")" --cacert "$PD_CA_CERT" "${TLS_TO[@]}" \
    "https://$HOST/"
rrd="$PD_DATA/rrd/web/tls.rrd"
rrd_rows() {
    local now
    now=$(date +%s)
    [ -f "$rrd" ] && col=$(pd_rrd_column "$rrd" cert_days_left $((now - 30)) "$now") &&
        [ "$(wc -l <<<"$col")" -ge 3 ]
}
pd_wait_until 10 "3 rows of cert_days_left in $rrd" rrd_rows
while read -r v; do
    [ "${v%%.*}" = 9 ] || [ "${v%%.*}" = 10 ] || pd_fail "$rrd: cert_days_left $v, expected 9.x or 10"
done <<<"$col"
pd_ok "RRD: cert_days_left $(tail -n 1 <<<"$col") ($(wc -l <<<"$col") rows)"

# TLS failures, in curl's own words.
ref=$(curl_in "${TLS_TO[@]}" "https://$HOST/" | sed -n 2p)
[ "$ref" = "SSL certificate problem: unable to get local issuer certificate" ] ||
    pd_fail "curl without the CA: '$ref'"
expect_down web tls_noca "$ref"
ref=$(curl_in --cacert "$PD_CA_CERT" "${TLS_TO[@]}" "https://$HOST:8443/" | sed -n 2p)
[ "$ref" = "SSL certificate problem: certificate has expired" ] || pd_fail "curl, expired: '$ref'"
expect_down web expired "$ref"
days=$(metric web expired cert_days_left)
if ! pd_float_cmp "$days" ">" -3.01 || ! pd_float_cmp "$days" "<" -2.99; then
    pd_fail "web/expired: cert_days_left '$days', expected about -3"
fi
pd_ok "web/expired: cert_days_left $days"

expect_down web e500 "HTTP status 500 (expected 200-299)"
same_as_curl web e500 500 "$(metric web e500 bytes)" "http://$A4/e500"

# Redirects: followed to the page, not followed, too many.
expect_up web redir
same_as_curl web redir 200 "$ZH_SIZE" -L "http://$A4/r3"
n=$(ip netns exec "$PD_PROBER" curl -s -o /dev/null -L -w '%{num_redirects}' "http://$A4/r3")
[ "$n" = 3 ] || pd_fail "curl -L followed $n redirects, expected 3"
expect_up web redir_no
[ "$(metric web redir_no status)" = 302 ] || pd_fail "web/redir_no: status $(metric web redir_no status)"
ref=$(curl_in -L --max-redirs 1 "http://$A4/r3" | sed -n 2p)
[ "$ref" = "Maximum (1) redirects followed" ] || pd_fail "curl --max-redirs 1: '$ref'"
expect_down web redir_max1 "$ref"
pd_ok "redirects: 3 followed (UP, 200), none followed (UP, 302), at most 1 (DOWN)"

# The body: a text that is not there, expressions that match and do not.
expect_down web body_miss "the body ($ZH_SIZE bytes) does not contain '不存在的文字'"
expect_up web body_re
expect_down web re_miss "the body ($ZH_SIZE bytes) does not match /版本 3\\.[0-9]+/"

# max_body: the first 1000 bytes read, the rest not, and that is good.
expect_up web cut
[ "$(metric web cut bytes)" = 1000 ] || pd_fail "web/cut: bytes $(metric web cut bytes), expected 1000"
[ "$(metric web cut status)" = 200 ] || pd_fail "web/cut: status $(metric web cut status)"
pd_ok "web/cut UP, 1000 bytes of $BIG read"

# A body at 4 kB/s: the round's 1500 ms end in the middle of it.
expect_down web slow "no complete answer within 1500 ms (reading the body)"
ref=$(curl_in --max-time 1.5 "http://$A4/slow.bin" | sed -n 2p)
[[ "$ref" == "Operation timed out after "*" milliseconds with "*" out of $BIG bytes received" ]] ||
    pd_fail "curl --max-time 1.5 on slow.bin: '$ref'"
bytes=$(metric web slow bytes)
pd_assert_range "web/slow: bytes read in 1500 ms at 4 kB/s" "$bytes" 1 $((BIG / 4))
pd_ok "web/slow: $bytes bytes read before the timeout (curl: $ref)"

# Nothing listening: curl's reason, whatever milliseconds it took, and the
# system's.
ref=$(curl_in "http://$A4:81/" | sed -n 2p)
[[ "$ref" == "Failed to connect to $A4 port 81 after "*" ms: "* ]] || pd_fail "curl to port 81: '$ref'"
pd_wait_state web refused DOWN 15
pd_wait_for "$(cur_state_sql web refused)" DOWN 5
reason=$(down_reason web refused)
# probed adds the system's reason, which curl's text leaves out.
[ "$(sed -E 's/ after [0-9]+ ms: / after N ms: /' <<<"$reason")" = \
    "$(sed -E 's/ after [0-9]+ ms: / after N ms: /' <<<"$ref") (Connection refused)" ] ||
    pd_fail "web/refused DOWN with '$reason', curl says '$ref'"
pd_ok "web/refused DOWN: $reason"
[ -z "$(metric web refused status)" ] || pd_fail "web/refused: a status $(metric web refused status)"

# What nginx received: the header, the method and the body's length.
expect_up web hdr
expect_down web hdr_none "HTTP status 403 (expected 200-299)"
same_as_curl web hdr 200 12 -H "X-Probe: $TOKEN" "http://$A4/hdr"
expect_up web post
expect_down web post_get "HTTP status 405 (expected 200-299)"
same_as_curl web post 200 7 -d "$POST_BODY" "http://$A4/post"
pd_ok "nginx got X-Probe: $TOKEN, and a POST of ${#POST_BODY} bytes"

# No check went anywhere but where it was told, and none flapped.
for c in zh tls redir redir_no body_re cut hdr post; do
    n=$(pd_sql "SELECT count(*) FROM transitions WHERE target_id = 'web' AND check_id = '$c'
                AND to_state <> 'UP'")
    [ "$n" = 0 ] || pd_fail "web/$c: $n transitions away from UP"
done
n=$(pd_sql "SELECT count(*) FROM current_state WHERE target_id = 'web' AND skipped > 0")
[ "$n" = 0 ] || pd_fail "$n checks of web skipped rounds"
pd_ok "the good checks stayed UP, no round skipped"

pd_daemon_stop
[ "$PD_DAEMON_RC" = 0 ] || pd_fail "probed exited $PD_DAEMON_RC on SIGTERM"
pd_ok "clean stop"
