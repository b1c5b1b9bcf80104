#!/bin/bash
# The alert channels end to end with `probectl alerts test ROUTE`, against
# receivers on the prober namespace's own loopback (tests/tools/
# pd_alert_sink.py): a webhook gets the JSON of docs/alerts.md with the
# Chinese name intact; WeCom and DingTalk robots get their markdown
# (DingTalk's signature checked by the receiver; a wrong secret is refused
# with errcode 310000, and probectl says so); an SMTP server that requires
# STARTTLS and AUTH gets the mail, whose Subject decodes to the Chinese
# text; a receiver answering 500 makes probectl report the status and exit
# 1; an unknown route is a clear error. No secret or token in any output.
set -euo pipefail
. "$(dirname "$0")/lib.sh" "$1"

# Debian's python3, which has python3-aiosmtpd (contrib/install-deps.sh).
PY=/usr/bin/python3
[ -x "$PY" ] || pd_skip "needs /usr/bin/python3"
"$PY" -c 'import aiosmtpd' 2>/dev/null || pd_skip "needs python3-aiosmtpd"
pd_lab_init
pd_test_ca
pd_test_cert smtp 30 127.0.0.1

PCTL="$PD_BUILD/probectl"
SECRET="SECding-$$-Vq81"
PASSWORD="mail-pass-$$-Zr5"
TOKEN="tok$$x"

# sink NAME ARGS...: a receiver; its port in PORT[NAME].
declare -A PORT=()
sink() {
    pd_alert_sink "$@" --max-seconds 120
    PORT[$1]=$PD_SINK_PORT
}

sink hook http --mode webhook --log "$PD_TMP/hook.log"
sink wecom http --mode wecom --log "$PD_TMP/wecom.log"
sink ding http --mode dingtalk --secret "$SECRET" --log "$PD_TMP/ding.log"
sink broken http --mode webhook --fail-first 1000 --log "$PD_TMP/broken.log"
sink smtp smtp --dir "$PD_TMP/mail" --cert "$PD_CA_DIR/smtp.crt" --key "$PD_CA_DIR/smtp.key" \
    --user noc --password "$PASSWORD"

pd_write_file "$PD_TMP/secrets.yaml" <<EOF
alerts:
  ding: { secret: "$SECRET" }
  mail: { password: "$PASSWORD" }
EOF
chmod 600 "$PD_TMP/secrets.yaml"
pd_write_file "$PD_CFG" <<EOF
data_dir: ./data
timezone: Asia/Shanghai
secrets: secrets.yaml
alerts:
  channels:
    - { id: noc, type: webhook, url: "http://127.0.0.1:${PORT[hook]}/hook?token=$TOKEN", timeout: 5s }
    - { id: wecom, type: wecom, url: "http://127.0.0.1:${PORT[wecom]}/cgi-bin/webhook/send?key=$TOKEN" }
    - { id: ding, type: dingtalk, url: "http://127.0.0.1:${PORT[ding]}/robot/send?access_token=$TOKEN" }
    - { id: ding-wrong, type: dingtalk, url: "http://127.0.0.1:${PORT[ding]}/robot/send?access_token=$TOKEN",
        secret: "SECnot-the-one" }
    - { id: broken, type: webhook, url: "http://127.0.0.1:${PORT[broken]}/hook?token=$TOKEN", timeout: 5s }
    - id: mail
      type: email
      url: "smtp://127.0.0.1:${PORT[smtp]}"
      starttls: true
      ca_file: $PD_CA_CERT
      user: noc
      from: probed@example.cn
      to: [oncall@example.cn, noc@example.cn]
    - { id: mail-wrong, type: email, url: "smtp://127.0.0.1:${PORT[smtp]}", ca_file: $PD_CA_CERT,
        user: noc, password: "not-$PASSWORD", from: probed@example.cn, to: oncall@example.cn }
    - { id: mail-plain, type: email, url: "smtp://127.0.0.1:${PORT[smtp]}", starttls: false,
        from: probed@example.cn, to: oncall@example.cn }
  routes:
    - { id: hook, channels: noc }
    - { id: wecom, channels: [wecom] }
    - { id: ding, channels: [ding] }
    - { id: ding-wrong, channels: [ding-wrong] }
    - { id: mail, channels: mail }
    - { id: mixed, channels: [noc, broken] }
    - { id: mail-refused, channels: [mail-wrong, mail-plain] }
EOF

# pctl NAME ARGS...: probectl in the prober's namespace (no proxy),
# output in $PD_TMP/NAME.{out,err}, exit status in RC.
RC=0
pctl() {
    local name=$1
    shift
    RC=0
    ip netns exec "$PD_PROBER" env -u http_proxy -u https_proxy -u HTTP_PROXY -u HTTPS_PROXY \
        -u ALL_PROXY -u all_proxy timeout 60 "$PCTL" -c "$PD_CFG" "$@" \
        >"$PD_TMP/$name.out" 2>"$PD_TMP/$name.err" || RC=$?
    if grep -q -e "$SECRET" -e "$PASSWORD" -e "$TOKEN" -e 'sign=' "$PD_TMP/$name.out" "$PD_TMP/$name.err"; then
        pd_fail "probectl $* shows a secret, token or signature: $(cat "$PD_TMP/$name.out" "$PD_TMP/$name.err")"
    fi
}

pctl check check-config
[ "$RC" = 0 ] || pd_fail "check-config: $(cat "$PD_TMP/check.err")"

# Webhook: the documented JSON.
pctl hook alerts test hook
[ "$RC" = 0 ] || pd_fail "alerts test hook: exit $RC: $(cat "$PD_TMP/hook.out" "$PD_TMP/hook.err")"
grep -qx 'channel noc (webhook): delivered' "$PD_TMP/hook.out" || pd_fail "hook: $(cat "$PD_TMP/hook.out")"
"$PY" - "$PD_TMP/hook.log" "$TOKEN" <<'PYEOF' || pd_fail "webhook payload"
import json, re, sys
recs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert len(recs) == 1, recs
r = recs[0]
assert r["path"] == "/hook" and r["query"] == "token=" + sys.argv[2], r
assert r["headers"]["content-type"] == "application/json; charset=utf-8", r["headers"]
assert r["body_is_utf8"]
m = json.loads(r["body"])
assert set(m) == {"schema", "id", "route", "host", "created", "summary", "alerts"}, m
assert m["schema"] == 1 and m["id"] == 0 and m["route"] == "hook", m
rfc3339 = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$"
assert re.match(rfc3339, m["created"]), m["created"]
assert m["summary"].startswith("[TEST] probed 测试告警 test alert"), m["summary"]
assert len(m["alerts"]) == 1
a = m["alerts"][0]
assert set(a) == {"kind", "subject", "id", "name", "site", "type", "severity", "check", "reason",
                  "from", "to", "since", "at", "duration_s"}, a
assert a["kind"] == "test" and a["subject"] == "target", a
assert a["name"] == "probed 测试告警 test alert", a["name"]
assert re.match(rfc3339, a["since"]) and re.match(rfc3339, a["at"]), a
assert a["duration_s"] == 0
PYEOF
pd_ok "webhook: schema 1 JSON, Chinese name intact, times in +08:00"

# WeCom: markdown in its envelope.
pctl wecom alerts test wecom
[ "$RC" = 0 ] || pd_fail "alerts test wecom: exit $RC: $(cat "$PD_TMP/wecom.out" "$PD_TMP/wecom.err")"
grep -qx 'channel wecom (wecom): delivered' "$PD_TMP/wecom.out" || pd_fail "wecom: $(cat "$PD_TMP/wecom.out")"
"$PY" - "$PD_TMP/wecom.log" <<'PYEOF' || pd_fail "wecom payload"
import json, sys
r = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")][-1]
m = json.loads(r["body"])
assert m["msgtype"] == "markdown" and set(m) == {"msgtype", "markdown"}, m
c = m["markdown"]["content"]
assert len(c.encode()) <= 4096
assert "**[TEST] probed 测试告警 test alert" in c and "**TEST** **probed 测试告警 test alert**" in c, c
PYEOF
pd_ok "wecom: markdown message"

# DingTalk: signed, the receiver checks the signature.
pctl ding alerts test ding
[ "$RC" = 0 ] || pd_fail "alerts test ding: exit $RC: $(cat "$PD_TMP/ding.out" "$PD_TMP/ding.err")"
grep -qx 'channel ding (dingtalk): delivered' "$PD_TMP/ding.out" || pd_fail "ding: $(cat "$PD_TMP/ding.out")"
"$PY" - "$PD_TMP/ding.log" "$TOKEN" <<'PYEOF' || pd_fail "dingtalk payload"
import json, sys
r = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")][-1]
assert r["sign_ok"] is True, r
assert r["query"].startswith("access_token=%s&timestamp=" % sys.argv[2]), r["query"]
m = json.loads(r["body"])
assert m["msgtype"] == "markdown"
assert m["markdown"]["title"].startswith("[TEST] probed 测试告警 test alert"), m
assert "**TEST** **probed 测试告警 test alert**" in m["markdown"]["text"], m
PYEOF
pd_ok "dingtalk: signed markdown, signature verified by the receiver"

pctl dingwrong alerts test ding-wrong
[ "$RC" = 1 ] || pd_fail "a wrong DingTalk secret: exit $RC, not 1: $(cat "$PD_TMP/dingwrong.out")"
grep -q "^channel ding-wrong (dingtalk): failed: 127.0.0.1:${PORT[ding]}: the robot answered errcode 310000: sign not match" \
    "$PD_TMP/dingwrong.out" || pd_fail "wrong secret: $(cat "$PD_TMP/dingwrong.out")"
pd_ok "dingtalk: a wrong secret is reported with the robot's errcode"

# E-mail: STARTTLS, AUTH, the subject in RFC 2047.
pctl mail alerts test mail
[ "$RC" = 0 ] || pd_fail "alerts test mail: exit $RC: $(cat "$PD_TMP/mail.out" "$PD_TMP/mail.err")"
grep -qx 'channel mail (email): delivered' "$PD_TMP/mail.out" || pd_fail "mail: $(cat "$PD_TMP/mail.out")"
[ -s "$PD_TMP/mail/001.eml" ] || pd_fail "the SMTP sink has no message"
"$PY" - "$PD_TMP/mail/001.eml" "$PD_TMP/mail/001.json" <<'PYEOF' || pd_fail "mail"
import email, email.header, email.policy, json, sys
meta = json.load(open(sys.argv[2]))
assert meta["tls"] and meta["authenticated"] and meta["user"] == "noc", meta
assert meta["mail_from"] == "probed@example.cn", meta
assert meta["rcpt_tos"] == ["oncall@example.cn", "noc@example.cn"], meta
raw = open(sys.argv[1], "rb").read()
msg = email.message_from_bytes(raw)
subject = str(email.header.make_header(email.header.decode_header(msg["Subject"])))
assert subject == "[TEST] probed 测试告警 test alert · probectl alerts test of route mail", subject
assert msg["From"] == "probed@example.cn"
assert msg["Message-ID"].startswith("<probed-test-"), msg["Message-ID"]
assert msg.get_content_type() == "text/plain" and msg.get_content_charset() == "utf-8"
assert msg["Content-Transfer-Encoding"] == "base64"
text = msg.get_payload(decode=True).decode("utf-8")
assert "TEST probed 测试告警 test alert (test)" in text, text
assert "times in Asia/Shanghai (UTC+08:00)" in text, text
PYEOF
pd_ok "email: STARTTLS and AUTH, subject decodes to the Chinese text"

# The server's refusals: a wrong password, no STARTTLS where it requires it.
pctl refused alerts test mail-refused
[ "$RC" = 1 ] || pd_fail "refused mail: exit $RC, not 1: $(cat "$PD_TMP/refused.out")"
for want in "mail-wrong (email): failed: 127.0.0.1:${PORT[smtp]}: .*(SMTP 535)" \
    "mail-plain (email): failed: 127.0.0.1:${PORT[smtp]}: .*(SMTP 530)"; do
    grep -q "^channel $want\$" "$PD_TMP/refused.out" || pd_fail "refused mail: $(cat "$PD_TMP/refused.out")"
done
[ ! -e "$PD_TMP/mail/002.eml" ] || pd_fail "a refused mail was stored"
pd_ok "email: a wrong password and a missing STARTTLS are refused and reported"

# A receiver answering 500: reported with the status, exit 1; the other
# channel of the route is still delivered.
pctl mixed alerts test mixed
[ "$RC" = 1 ] || pd_fail "a 500 answer: exit $RC, not 1: $(cat "$PD_TMP/mixed.out")"
grep -qx 'channel noc (webhook): delivered' "$PD_TMP/mixed.out" || pd_fail "mixed: $(cat "$PD_TMP/mixed.out")"
grep -qx "channel broken (webhook): failed: 127.0.0.1:${PORT[broken]}: HTTP status 500: sink: failing on purpose" \
    "$PD_TMP/mixed.out" || pd_fail "mixed: $(cat "$PD_TMP/mixed.out")"
pd_ok "a 500 answer: failed with the status, exit 1"

# An unknown route. Anything but test is the list of stored alerts: an
# unknown argument is bad usage; no daemon ran here, so there is no store
# to list, and probectl names the file it looked for.
pctl nope alerts test nope
[ "$RC" = 2 ] || pd_fail "unknown route: exit $RC, not 2"
grep -qx "probectl alerts test: unknown route 'nope' (configured routes: hook, wecom, ding, ding-wrong, mail, mixed, mail-refused)" \
    "$PD_TMP/nope.err" || pd_fail "unknown route: $(cat "$PD_TMP/nope.err")"
pctl bogus alerts bogus
[ "$RC" = 2 ] || pd_fail "alerts bogus: exit $RC, not 2"
pctl list alerts --pending
[ "$RC" = 1 ] || pd_fail "alerts --pending without a store: exit $RC, not 1"
grep -q "^probectl alerts: no event store .*/probed.db: has probed run" "$PD_TMP/list.err" ||
    pd_fail "alerts --pending without a store: $(cat "$PD_TMP/list.err")"
pd_ok "an unknown route is a clear error, and so is a missing store"
