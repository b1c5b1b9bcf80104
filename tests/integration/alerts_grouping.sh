#!/bin/bash
# A site losing its uplink: 100 cameras of one site (one namespace with
# 100 addresses) cut off at once send one message per channel that lists
# them all, and their system, not 100 messages; the restoration one
# recovery message. The messages reach a webhook receiver and an SMTP
# server (STARTTLS, AUTH) on the prober's loopback through the daemon; the
# mail's Subject decodes to the Chinese names. A route for another site
# gets nothing.
set -euo pipefail
. "$(dirname "$0")/lib.sh" "$1"

PY=/usr/bin/python3
[ -x "$PY" ] || pd_skip "needs /usr/bin/python3"
"$PY" -c 'import aiosmtpd' 2>/dev/null || pd_skip "needs python3-aiosmtpd"
pd_require_cmd jq
pd_lab_init
pd_test_ca
pd_test_cert smtp 30 127.0.0.1

N=100
PASSWORD="mail-pass-$$-Q7"

# sink NAME ARGS...: a receiver; its port in PORT[NAME].
declare -A PORT=()
sink() {
    pd_alert_sink "$@" --max-seconds 240
    PORT[$1]=$PD_SINK_PORT
}
sink hook http --mode webhook --log "$PD_TMP/hook.log"
sink other http --mode webhook --log "$PD_TMP/other.log"
sink smtp smtp --dir "$PD_TMP/mail" --cert "$PD_CA_DIR/smtp.crt" --key "$PD_CA_DIR/smtp.key" \
    --user noc --password "$PASSWORD"
touch "$PD_TMP/hook.log" "$PD_TMP/other.log"

# The site: one namespace, its cameras at 10.213.1.3 .. 10.213.1.102.
pd_target anshun 1
for ((i = 1; i <= N; i++)); do
    ip -n "$PD_PREFIX-anshun" addr add "10.213.1.$((i + 2))/24" dev eth0
done

chmod 755 "$PD_TMP"
pd_secrets_file <<EOF
alerts:
  mail: { password: "$PASSWORD" }
EOF
{
    cat <<EOF
data_dir: ./data
timezone: Asia/Shanghai
user: nobody
secrets: secrets.yaml
log: { level: info }
storage: { heartbeat: 2s }
templates:
  camera:
    severity: important
    checks:
      - { id: ping, type: icmp, interval: 1s, timeout: 300ms, count: 2, spacing: 50ms,
          fail_after: 3, recover_after: 2 }
alerts:
  group_wait: 4s
  retry: { min: 1s, max: 4s }
  channels:
    - { id: noc, type: webhook, url: "http://127.0.0.1:${PORT[hook]}/hook" }
    - { id: guiyang-noc, type: webhook, url: "http://127.0.0.1:${PORT[other]}/hook" }
    - id: mail
      type: email
      url: "smtp://127.0.0.1:${PORT[smtp]}"
      ca_file: $PD_CA_CERT
      user: noc
      from: probed@example.cn
      to: oncall@example.cn
  routes:
    - { id: anshun, site: guizhou/anshun, channels: [noc, mail] }
    - { id: anshun-system, system: anshun-video, channels: [noc, mail] }
    - { id: guiyang, site: guizhou/guiyang, channels: guiyang-noc }
systems:
  anshun-video:
    name: "安顺市视频监控"
    rule: any
    members: ["site:guizhou/anshun"]
targets:
EOF
    for ((i = 1; i <= N; i++)); do
        printf '  - { id: as-cam-%03d, name: "安顺市摄像机%03d", address: 10.213.1.%d, type: camera, site: guizhou/anshun/xixiu }\n' \
            "$i" "$i" $((i + 2))
    done
} >"$PD_CFG"

pd_daemon_start
up_query="SELECT count(*) FROM transitions t WHERE check_id = '' AND id = (
    SELECT max(id) FROM transitions u WHERE u.target_id = t.target_id AND u.check_id = '')"
pd_wait_for "$up_query AND to_state = 'UP'" "$N" 30
sleep 5
[ ! -s "$PD_TMP/hook.log" ] || pd_fail "alerts at the start: $(cat "$PD_TMP/hook.log")"
pd_ok "$N cameras UP, nothing sent for the start"

pd_cut anshun
pd_wait_for "$up_query AND to_state = 'DOWN'" "$N" 20
pd_wait_until 15 "the site's problem message" test -s "$PD_TMP/hook.log"
sleep 6 # a second message would have come by now
[ "$(wc -l <"$PD_TMP/hook.log")" = 1 ] ||
    pd_fail "$(wc -l <"$PD_TMP/hook.log") messages for one site's loss, expected 1"
msg=$(jq -c '.body | fromjson' "$PD_TMP/hook.log")
[ "$(jq '[.alerts[] | select(.kind == "problem" and .subject == "target")] | length' <<<"$msg")" = "$N" ] ||
    pd_fail "the message does not list the $N cameras: $(jq -c '[.alerts[] | .id]' <<<"$msg")"
[ "$(jq -r '[.alerts[] | select(.subject == "system")] | .[0].name + " " + .[0].to' <<<"$msg")" = \
    "安顺市视频监控 DOWN" ] || pd_fail "the system is not in the message: $(jq -c '.summary' <<<"$msg")"
jq -e '.summary | startswith("[probed] 101 down")' <<<"$msg" >/dev/null ||
    pd_fail "summary: $(jq -r .summary <<<"$msg")"
[ "$(jq -r '.route' <<<"$msg")" = anshun,anshun-system ] || pd_fail "route: $(jq -r .route <<<"$msg")"
pd_ok "one webhook message lists the $N cameras and their system: $(jq -r .summary <<<"$msg")"

pd_wait_until 10 "the site's mail" test -s "$PD_TMP/mail/001.eml"
sleep 1
[ ! -e "$PD_TMP/mail/002.eml" ] || pd_fail "more than one mail for one site's loss"
"$PY" - "$PD_TMP/mail/001.eml" "$PD_TMP/mail/001.json" <<'PYEOF' || pd_fail "the mail"
import email, email.header, json, sys
meta = json.load(open(sys.argv[2]))
assert meta["tls"] and meta["authenticated"] and meta["rcpt_tos"] == ["oncall@example.cn"], meta
msg = email.message_from_bytes(open(sys.argv[1], "rb").read())
subject = str(email.header.make_header(email.header.decode_header(msg["Subject"])))
assert subject.startswith("[probed] 101 down"), subject
assert "安顺市摄像机" in subject and subject.endswith(" and 92 more"), subject
text = msg.get_payload(decode=True).decode("utf-8")
for i in (1, 50, 100):
    assert "DOWN 安顺市摄像机%03d (as-cam-%03d)" % (i, i) in text, i
assert "DOWN 安顺市视频监控 (system anshun-video)" in text, text[:400]
assert "times in Asia/Shanghai (UTC+08:00)" in text, text[-200:]
print("# mail subject:", subject)
PYEOF
pd_ok "one mail over STARTTLS and AUTH, its subject in Chinese"

pd_restore anshun
pd_wait_for "$up_query AND to_state = 'UP'" "$N" 20
messages_at_least() { [ "$(wc -l <"$PD_TMP/hook.log")" -ge "$1" ]; }
pd_wait_until 40 "the site's recovery message" messages_at_least 2
sleep 6
[ "$(wc -l <"$PD_TMP/hook.log")" = 2 ] ||
    pd_fail "$(($(wc -l <"$PD_TMP/hook.log") - 1)) recovery messages, expected 1"
rec=$(tail -n 1 "$PD_TMP/hook.log" | jq -c '.body | fromjson')
[ "$(jq '[.alerts[] | select(.kind == "recovery")] | length' <<<"$rec")" = $((N + 1)) ] ||
    pd_fail "the recovery: $(jq -r .summary <<<"$rec")"
pd_ok "one recovery message: $(jq -r .summary <<<"$rec")"

[ ! -s "$PD_TMP/other.log" ] || pd_fail "the route of another site got: $(cat "$PD_TMP/other.log")"
[ "$(pd_sql "SELECT count(*) FROM alerts WHERE state = 'delivered'")" = 4 ] ||
    pd_fail "alerts in the store: $(pd_sql "SELECT id, channel, kind, state FROM alerts")"
pd_ok "nothing for the other site's route; 4 messages delivered in the store"
pd_daemon_stop
