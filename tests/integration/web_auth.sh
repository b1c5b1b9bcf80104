#!/bin/bash
# The dashboard with users (web.users_file), made with probectl web-passwd
# from stdin: without a valid user every route answers 401 with the realm;
# a viewer sees the pages, the API and /metrics but gets 403 on /config;
# an admin's /config shows no community, SNMP password nor password hash;
# SIGHUP reads the file again (a new user works), and a broken or
# world-readable file keeps the users of before.
set -euo pipefail
. "$(dirname "$0")/lib.sh" "$1"

pd_require_cmd curl jq
pd_lab_init

PORT=18081
PCTL="$PD_BUILD/probectl"
USERS="$PD_TMP/users"
COMMUNITY=c0mmun1ty-Zq7
AUTHPW=authpass-Kx93
PRIVPW=privpass-Wm41
pd_target up 1

pd_secrets_file <<EOF
snmp:
  lab-v2: { community: "$COMMUNITY" }
  lab-v3: { auth_password: "$AUTHPW", priv_password: "$PRIVPW" }
EOF
pd_write_file "$PD_CFG" <<EOF
data_dir: ./data
web: { listen: "127.0.0.1:$PORT", threads: 2, users_file: users, realm: "probed lab" }
storage: { heartbeat: 2s, status_refresh: 0s }
secrets: secrets.yaml
plugins:
  snmp:
    profiles:
      lab-v2: { version: 2c }
      lab-v3: { version: 3, user: probed, level: authPriv, auth_protocol: SHA-256 }
templates:
  codec:
    checks:
      - { id: ping, type: icmp, interval: 2s, count: 2, spacing: 200ms, timeout: 500ms,
          fail_after: 1, recover_after: 1 }
targets:
  - { id: gy-up-01, name: 贵阳终端, address: $(pd_addr4 1), type: codec, site: guizhou/guiyang }
EOF

# Users from stdin, as a script makes them; the file is private.
printf '%s\n' 'admin-pass-1' | "$PCTL" -c "$PD_CFG" web-passwd alice --role admin \
    >"$PD_TMP/passwd.out" || pd_fail "web-passwd alice failed"
grep -q "added user 'alice' (admin)" "$PD_TMP/passwd.out" || pd_fail "web-passwd: $(cat "$PD_TMP/passwd.out")"
grep -q SIGHUP "$PD_TMP/passwd.out" || grep -q reload "$PD_TMP/passwd.out" ||
    pd_fail "web-passwd does not say that a reload applies it"
printf '%s\n' 'viewer-pass-2' | "$PCTL" -c "$PD_CFG" web-passwd bob >/dev/null ||
    pd_fail "web-passwd bob failed"
[ "$(stat -c %a "$USERS")" = 640 ] || pd_fail "users file mode $(stat -c %a "$USERS"), not 640"
grep -q '^alice:admin:\$y\$' "$USERS" && grep -q '^bob:viewer:\$y\$' "$USERS" ||
    pd_fail "users file: $(cut -d: -f1,2 "$USERS")"
if grep -q 'pass-' "$USERS"; then pd_fail "a password is in the users file"; fi
if printf 'short\n' | "$PCTL" -c "$PD_CFG" web-passwd eve 2>/dev/null; then
    pd_fail "a 5-character password was accepted"
fi
pd_ok "probectl web-passwd: yescrypt hashes, mode 0640, short password refused"

pd_daemon_start
pd_wait_state gy-up-01 "" UP 20

URL="http://127.0.0.1:$PORT"
get() { ip netns exec "$PD_PROBER" curl -sS --max-time 10 "$@"; }
status() { get -o /dev/null -w '%{http_code}' "$@"; }

ROUTES=(/ /device/gy-up-01 /events /api/v1/summary /api/v1/targets /api/v1/targets/gy-up-01
    /api/v1/events /metrics /static/probed.css /config /nowhere
    /graph/gy-up-01/ping/latency.png /graph/gy-up-01/ping/latency.svg?period=6h)
for r in "${ROUTES[@]}"; do
    get -D "$PD_TMP/h" -o /dev/null "$URL$r"
    head -n 1 "$PD_TMP/h" | grep -q ' 401' || pd_fail "anonymous $r: $(head -n 1 "$PD_TMP/h")"
    grep -qi '^WWW-Authenticate: Basic realm="probed lab"' "$PD_TMP/h" ||
        pd_fail "anonymous $r: no WWW-Authenticate"
done
[ "$(status -X POST "$URL/")" = 401 ] || pd_fail "anonymous POST not 401"
pd_ok "anonymous: 401 with WWW-Authenticate on all ${#ROUTES[@]} routes"

lines=$(pd_log_lines)
[ "$(status -u bob:wrong-password-9 "$URL/")" = 401 ] || pd_fail "wrong password not 401"
[ "$(status -u nobody:viewer-pass-2 "$URL/")" = 401 ] || pd_fail "unknown user not 401"
[ "$(status -u bob: "$URL/")" = 401 ] || pd_fail "empty password not 401"
pd_wait_until 5 "the failed attempt in the log" \
    pd_log_has_after "$lines" "authentication failed for user 'bob' from 127\.0\.0\.1"
if grep -q 'wrong-password-9' "$PD_LOG"; then pd_fail "a password reached the log"; fi
pd_ok "wrong password, unknown user, empty password: 401; logged with the address, without the password"

pd_wait_until 10 "the ping check's RRD file" test -f "$PD_DATA/rrd/gy-up-01/ping.rrd"
for r in / /device/gy-up-01 /events /api/v1/summary /api/v1/targets /metrics /static/probed.css \
    /graph/gy-up-01/ping/latency.png; do
    [ "$(status -u bob:viewer-pass-2 "$URL$r")" = 200 ] || pd_fail "viewer $r not 200"
done
get -u bob:viewer-pass-2 "$URL/api/v1/summary" | jq -e '.up == 1' >/dev/null ||
    pd_fail "viewer summary: $(get -u bob:viewer-pass-2 "$URL/api/v1/summary")"
[ "$(status -u bob:viewer-pass-2 "$URL/config")" = 403 ] || pd_fail "viewer /config not 403"
# The right password remembered does not let a wrong one through.
[ "$(status -u bob:viewer-pass-3 "$URL/")" = 401 ] || pd_fail "wrong password after a right one"
pd_ok "viewer: 200 on pages, API, /metrics, stylesheet, graphs; 403 on /config"

[ "$(status -u alice:admin-pass-1 "$URL/")" = 200 ] || pd_fail "admin / not 200"
get -u alice:admin-pass-1 -o "$PD_TMP/config.html" -w '%{http_code}' "$URL/config" >"$PD_TMP/code"
[ "$(cat "$PD_TMP/code")" = 200 ] || pd_fail "admin /config: $(cat "$PD_TMP/code")"
for want in lab-v2 lab-v3 'community set' 'auth_password set' 'priv_password set' \
    '127.0.0.1:'"$PORT" '1 admins, 1 viewers'; do
    grep -qF "$want" "$PD_TMP/config.html" || pd_fail "/config lacks: $want"
done
for secret in "$COMMUNITY" "$AUTHPW" "$PRIVPW" admin-pass-1 viewer-pass-2 '$y$'; do
    if grep -qF -- "$secret" "$PD_TMP/config.html"; then pd_fail "/config shows a secret"; fi
done
while IFS=: read -r _ _ hash; do
    if grep -qF -- "$hash" "$PD_TMP/config.html"; then pd_fail "/config shows a hash"; fi
    if grep -qF -- "${hash:0:20}" "$PD_TMP/config.html"; then pd_fail "/config shows a salt"; fi
done <"$USERS"
pd_ok "admin: /config 200, profiles with 'set', no community, password or hash"

# SIGHUP: a user added since works.
printf '%s\n' 'carol-pass-3' | "$PCTL" -c "$PD_CFG" web-passwd carol >/dev/null ||
    pd_fail "web-passwd carol failed"
[ "$(status -u carol:carol-pass-3 "$URL/")" = 401 ] || pd_fail "carol before the reload"
pd_daemon_signal HUP
carol_in() { [ "$(status -u carol:carol-pass-3 "$URL/")" = 200 ]; }
pd_wait_until 10 "carol to be let in after SIGHUP" carol_in
pd_ok "SIGHUP: a user added with web-passwd is let in"

# A broken file on reload: the users of before stay.
cp -p "$USERS" "$PD_TMP/users.good"
echo 'mallory:admin:plaintext-pw' >>"$USERS"
lines=$(pd_log_lines)
pd_daemon_signal HUP
pd_wait_until 10 "the broken users file to be refused" \
    pd_log_has_after "$lines" "keeps the users it had before"
pd_log_has_after "$lines" "users:4: user 'mallory': the password hash is not a crypt" ||
    pd_fail "no file:line error for the broken users file"
if grep -q 'plaintext-pw' "$PD_LOG"; then pd_fail "the plain-text password reached the log"; fi
[ "$(status -u carol:carol-pass-3 "$URL/")" = 200 ] || pd_fail "carol out after a bad reload"
[ "$(status -u mallory:plaintext-pw "$URL/")" = 401 ] || pd_fail "mallory let in"
[ "$(status "$URL/")" = 401 ] || pd_fail "anonymous let in after a bad reload"
pd_ok "broken users file on reload: file:line error, old users kept, still closed"

# A file every user can read: refused the same way.
cp -p "$PD_TMP/users.good" "$USERS"
printf '%s\n' 'dave-pass-44' | "$PCTL" -c "$PD_CFG" web-passwd dave >/dev/null
chmod 644 "$USERS"
lines=$(pd_log_lines)
pd_daemon_signal HUP
pd_wait_until 10 "the world-readable users file to be refused" \
    pd_log_has_after "$lines" "is open to every user \(mode 0644\)"
[ "$(status -u dave:dave-pass-44 "$URL/")" = 401 ] || pd_fail "dave let in from a 0644 file"
[ "$(status -u carol:carol-pass-3 "$URL/")" = 200 ] || pd_fail "carol out after a 0644 reload"
pd_ok "world-readable users file on reload: refused, old users kept"

# Deleting a user.
chmod 640 "$USERS"
"$PCTL" -c "$PD_CFG" web-passwd carol --delete >/dev/null || pd_fail "web-passwd --delete failed"
grep -q '^carol:' "$USERS" && pd_fail "carol still in the file"
pd_daemon_signal HUP
carol_out() { [ "$(status -u carol:carol-pass-3 "$URL/")" = 401 ]; }
pd_wait_until 10 "carol to be refused after --delete and SIGHUP" carol_out
[ "$(status -u dave:dave-pass-44 "$URL/")" = 200 ] || pd_fail "dave not let in"
pd_ok "web-passwd --delete and SIGHUP: the user is refused"

pd_daemon_stop
[ "$PD_DAEMON_RC" = 0 ] || pd_fail "probed exited $PD_DAEMON_RC"
