#!/bin/bash
# The device templates shipped in contrib/templates, as a user includes
# them (template_files), against a lab target of each type with its
# services: a codec (SIP and H.323 ports, an SNMP agent), an MCU (SIP, a
# web interface over HTTPS asking for a login, SNMP with host resources),
# a camera (RTSP, a web page redirecting to its login), a switch and a
# router (SNMP, SSH), a firewall (SNMP, HTTPS port), a web portal (HTTPS
# with a certificate of the lab's CA) and a live stream (HLS, 1080p).
# Every check of every target comes UP, and so does every target.
#
# The shipped files are used as they are, copied so that the test can
# spoil them; the lab's main file overrides each with `override: true`
# and `extends:` to shorten the rounds (every 15 s instead of up to 5 min)
# and to give the portal the lab's CA, so that the test takes a minute.
#
# Then reloads: a template file with a wrong option, and a second
# definition of a shipped template, each fail the reload with the template
# file's name, line and column, and probed goes on with the running
# configuration; the files put right, the reload is applied and the
# targets keep their state.
set -euo pipefail
. "$(dirname "$0")/lib.sh" "$1"

pd_require_cmd snmpd curl openssl
pd_lab_init
SRC=$(cd "$(dirname "$0")/../.." && pwd)
TEMPLATES="$PD_TMP/templates"
mkdir -p "$TEMPLATES"
cp "$SRC"/contrib/templates/*.yaml "$TEMPLATES/"

TYPES=(codec mcu camera switch router firewall web-portal live-stream)
declare -A N=([codec]=1 [mcu]=2 [camera]=3 [switch]=4 [router]=5 [firewall]=6
    [web-portal]=7 [live-stream]=8)
# The checks of each shipped template (docs/templates.md).
declare -A CHECKS=([codec]="ping sip h323 snmp" [mcu]="ping sip web snmp"
    [camera]="ping rtsp http" [switch]="ping snmp ssh" [router]="ping snmp ssh"
    [firewall]="ping snmp https" [web-portal]="home" [live-stream]="stream")
for t in "${TYPES[@]}"; do
    pd_target "$t" "${N[$t]}"
done
a() { pd_addr4 "${N[$1]}"; }

pd_listen codec "$(a codec)" 5060 1720
pd_listen mcu "$(a mcu)" 5060
pd_listen camera "$(a camera)" 554
pd_listen switch "$(a switch)" 22
pd_listen router "$(a router)" 22
pd_listen firewall "$(a firewall)" 443
for t in codec mcu switch router firewall; do
    pd_snmpd "$t" "${N[$t]}"
done

pd_test_ca
pd_test_cert mcu 365 "$(a mcu)"
pd_test_cert portal 60 "$(a web-portal)"
# The MCU's web interface asks for a login; the camera's redirects to it.
pd_nginx mcu "${N[mcu]}" <<'EOF'
server {
    listen {addr4}:443 ssl;
    ssl_certificate {ca}/mcu.crt;
    ssl_certificate_key {ca}/mcu.key;
    location / { return 401; }
}
EOF
pd_nginx camera "${N[camera]}" <<'EOF'
server {
    listen {addr4}:80;
    location / { return 302 /doc/page/login.asp; }
}
EOF
pd_nginx web-portal "${N[web-portal]}" <<'EOF'
server {
    listen {addr4}:443 ssl;
    ssl_certificate {ca}/portal.crt;
    ssl_certificate_key {ca}/portal.key;
}
EOF
printf '<!DOCTYPE html>\n<html><head><title>政务服务网</title></head><body>政务服务</body></html>\n' \
    >"${PD_NGINX_ROOT[web-portal]}/index.html"

# The live stream: a master playlist with a 1080p variant and a media
# playlist a background loop advances a segment (of 1 s) a second.
pd_nginx live-stream "${N[live-stream]}" <<'EOF'
server {
    listen {addr4}:80;
    location /live/ { add_header Cache-Control no-cache; }
}
EOF
LIVE="${PD_NGINX_ROOT[live-stream]}/live"
mkdir -p "$LIVE/hi"
printf '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=6000000,RESOLUTION=1920x1080\nhi/index.m3u8\n' \
    >"$LIVE/master.m3u8"
head -c 100000 /dev/urandom >"$PD_TMP/segment.ts"
feed() {
    local s first k
    for ((s = 0; s < 600; s++)); do
        cp "$PD_TMP/segment.ts" "$LIVE/hi/seg$s.ts"
        first=$((s > 3 ? s - 3 : 0))
        {
            printf '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n'
            printf '#EXT-X-MEDIA-SEQUENCE:%d\n' "$first"
            for ((k = first; k <= s; k++)); do
                printf '#EXTINF:1.000,\nseg%d.ts\n' "$k"
            done
        } >"$LIVE/hi/index.m3u8.tmp"
        mv -f "$LIVE/hi/index.m3u8.tmp" "$LIVE/hi/index.m3u8"
        rm -f "$LIVE/hi/seg$((s - 8)).ts"
        sleep 1
    done
}
feed &
PD_PIDS+=("$!")
pd_ok "lab: a target of each of the ${#TYPES[@]} shipped types, with its services"

pd_secrets_file <<EOF
snmp:
  default: { community: $PD_SNMP_COMMUNITY }
EOF

# lab_template TYPE: the shipped template, overridden by one built on it
# with every check's round every 15 s (the live stream's stays 10 s).
lab_template() {
    local t=$1 c
    echo "  $t:"
    echo "    override: true"
    echo "    extends: $t"
    echo "    checks:"
    for c in ${CHECKS[$t]}; do
        [ "$t" = live-stream ] && continue
        if [ "$t" = web-portal ]; then
            echo "      - { id: $c, interval: 15s, ca_file: \"$PD_CA_CERT\", expect_body: 政务服务 }"
        else
            echo "      - { id: $c, interval: 15s }"
        fi
    done
    [ "$t" = live-stream ] && echo "      - { id: stream, interval: 10s }"
    return 0
}
write_config() {
    {
        cat <<EOF
data_dir: ./data
timezone: Asia/Shanghai
log: { level: info }
storage: { heartbeat: 2s, status_refresh: 0s }
secrets: secrets.yaml
plugins:
  snmp: { profiles: { default: { version: 2c } } }
template_files: [ "templates/*.yaml" ]
templates:
EOF
        for t in "${TYPES[@]}"; do
            lab_template "$t"
        done
        echo "targets:"
        for t in "${TYPES[@]}"; do
            echo "  - { id: lab-$t, address: $(a "$t"), type: $t, site: guizhou/lab }"
        done
    } | pd_write_file "$PD_CFG"
}
write_config

out=$("$PD_BUILD/probectl" -c "$PD_CFG" check-config) ||
    pd_fail "probectl check-config: $out"
for t in "${TYPES[@]}"; do
    grep -Eq "^$t +1  $PD_CFG:[0-9]+:3, extends $t, overrides $TEMPLATES/$t\.yaml:[0-9]+:1\$" \
        <<<"$out" || pd_fail "check-config does not say where $t comes from:
$out"
done
pd_ok "probectl check-config: each template's place, and the shipped file it overrides"

pd_daemon_start
for t in "${TYPES[@]}"; do
    for c in ${CHECKS[$t]}; do
        pd_wait_state "lab-$t" "$c" UP 90
    done
    pd_wait_state "lab-$t" '' UP 30
    pd_ok "lab-$t UP, and each of its checks: ${CHECKS[$t]}"
done
# The web portal's certificate: its days left measured (60 days).
days=$(pd_sql "SELECT json_extract(last_metrics, '\$.cert_days_left') FROM current_state
               WHERE target_id = 'lab-web-portal' AND check_id = 'home'")
pd_float_cmp "${days:-0}" ">" 58 || pd_fail "lab-web-portal: cert_days_left '$days', expected about 60"
pd_ok "lab-web-portal: the certificate's days left recorded ($days)"

transitions=$(pd_sql "SELECT count(*) FROM transitions")

last_ns_sql() {
    echo "SELECT coalesce(max(last_ns), 0) FROM current_state
          WHERE target_id = 'lab-codec' AND check_id = 'ping'"
}
# try_bad_reload WHAT ERE: SIGHUP must fail, the log name the place (ERE),
# and probing go on under the running configuration.
try_bad_reload() {
    local what=$1 where=$2 mark last
    mark=$(pd_log_lines)
    pd_daemon_signal HUP
    pd_wait_until 10 "'reload failed' in the log after SIGHUP ($what)" \
        pd_log_has_after "$mark" 'reload failed'
    pd_log_has_after "$mark" "$where" ||
        pd_fail "$what: the log does not name the place ($where):
$(tail -n "+$((mark + 1))" "$PD_LOG")"
    last=$(pd_sql "$(last_ns_sql)")
    pd_wait_for "SELECT ($(last_ns_sql)) > $last" 1 30
    pd_ok "$what: reload failed, still probing; logged: $(tail -n "+$((mark + 1))" "$PD_LOG" |
        grep -Eo -m 1 -- "[^ /]*$where.*")"
}

cp "$TEMPLATES/codec.yaml" "$PD_TMP/codec.yaml.good"
sed -i 's/port: 1720/prot: 1720/' "$TEMPLATES/codec.yaml"
line=$(grep -n 'prot: 1720' "$TEMPLATES/codec.yaml" | cut -d: -f1)
try_bad_reload "an unknown option in a template file" \
    "templates/codec\.yaml:$line:[0-9]+: unknown option 'prot' for check 'h323'"

cp "$PD_TMP/codec.yaml.good" "$TEMPLATES/codec.yaml"
printf '# a second camera\ncamera: { checks: [ { id: ping, type: icmp } ] }\n' \
    >"$TEMPLATES/zz-local.yaml"
line=$(grep -n '^camera:' "$TEMPLATES/camera.yaml" | cut -d: -f1)
try_bad_reload "a template defined twice" \
    "templates/zz-local\.yaml:2:1: template 'camera' is already defined at $TEMPLATES/camera\.yaml:$line:1"

rm "$TEMPLATES/zz-local.yaml"
mark=$(pd_log_lines)
pd_daemon_signal HUP
pd_wait_until 10 "'reloaded' in the log" pd_log_has_after "$mark" 'reloaded: 8 targets'
pd_log_has_after "$mark" 'reload failed' && pd_fail "the good configuration was rejected:
$(tail -n "+$((mark + 1))" "$PD_LOG")"
sleep 5
n=$(pd_sql "SELECT count(*) FROM transitions")
[ "$n" = "$transitions" ] || pd_fail "$((n - transitions)) transitions over the reloads, expected none:
$(pd_sql "SELECT target_id, check_id, from_state, to_state FROM transitions ORDER BY id DESC LIMIT 10")"
pd_ok "the files put right: reloaded, every target and check kept its state"

pd_daemon_stop
[ "$PD_DAEMON_RC" = 0 ] || pd_fail "probed exited $PD_DAEMON_RC on SIGTERM, expected 0"
pd_ok "clean stop"
