#!/bin/bash
# The snmp check against real snmpd agents: v2c, v3 authNoPriv (SHA) and v3
# authPriv (SHA-256, AES) targets are UP and store what snmpget reads on the
# same agent (a gauge exactly, the uptime); the byte rates of eth0's
# ifHCInOctets and ifInOctets add up to the octets snmpget saw the traffic
# add; an agent restart is one rebooted round, logged, with no counter
# spike; a wrong community, a wrong password, an unknown user, no agent and
# a missing OID are DOWN with their reasons; secrets stay out of the log,
# probectl's output and the store; a world-readable secrets file is refused.
set -euo pipefail
. "$(dirname "$0")/lib.sh" "$1"

pd_require_cmd snmpd snmpget snmpwalk rrdtool ping
pd_lab_init

STEP=2 # interval of every check, and so the RRD step, in s
IF_DESCR=.1.3.6.1.2.1.2.2.1.2
IF_MTU=.1.3.6.1.2.1.2.2.1.4
IF_IN_OCTETS=.1.3.6.1.2.1.2.2.1.10
IF_HC_IN_OCTETS=.1.3.6.1.2.1.31.1.1.1.6
SYS_UPTIME=.1.3.6.1.2.1.1.3.0
WRONG_COMMUNITY=pd-wrong-comm-3
WRONG_PASS=pd-wrong-pass-4
SECRETS=("$PD_SNMP_COMMUNITY" "$PD_SNMP_AUTH_PASS" "$PD_SNMP_PRIV_PASS" "$WRONG_COMMUNITY" "$WRONG_PASS")

# The three agents (target id = agent name), their lab index and snmpget's
# credentials, the same as their profile's.
GOOD=(v2c sha sha256)
declare -A N=([v2c]=1 [sha]=2 [sha256]=3) IDX=() MTU=()
declare -A CRED=([v2c]="-v2c -c $PD_SNMP_COMMUNITY"
    [sha]="-v3 -l authNoPriv -u pd-sha -a SHA -A $PD_SNMP_AUTH_PASS"
    [sha256]="-v3 -l authPriv -u pd-sha256 -a SHA-256 -A $PD_SNMP_AUTH_PASS -x AES -X $PD_SNMP_PRIV_PASS")
# shellcheck disable=SC2086 # CRED holds words without blanks
get() { pd_snmp_num ${CRED[$1]} "$(pd_addr4 "${N[$1]}")" "$2"; }

for a in "${GOOD[@]}"; do
    pd_target "$a" "${N[$a]}"
    # An MTU of its own, so that a gauge read from the wrong agent shows.
    MTU[$a]=$((1480 + N[$a]))
    ip -n "$PD_PREFIX-$a" link set eth0 mtu "${MTU[$a]}"
    pd_snmpd "$a" "${N[$a]}"
    # shellcheck disable=SC2086
    IDX[$a]=$(pd_snmp snmpwalk -On ${CRED[$a]} "$(pd_addr4 "${N[$a]}")" $IF_DESCR |
        awk -v p="$IF_DESCR." '$NF == "\"eth0\"" && index($1, p) == 1 { print substr($1, length(p) + 1) }')
    [[ "${IDX[$a]}" =~ ^[0-9]+$ ]] || pd_fail "$a: no eth0 in ifDescr"
done
pd_target empty 4 # no snmpd: port unreachable
pd_ok "agents up; eth0 is ifIndex ${IDX[v2c]}, ${IDX[sha]}, ${IDX[sha256]}"

# Passwords and communities only in the secrets file.
pd_secrets_file <<EOF
snmp:
  v2c: { community: $PD_SNMP_COMMUNITY }
  sha: { auth_password: $PD_SNMP_AUTH_PASS }
  sha256: { auth_password: $PD_SNMP_AUTH_PASS, priv_password: $PD_SNMP_PRIV_PASS }
  badcomm: { community: $WRONG_COMMUNITY }
  badauth: { auth_password: $WRONG_PASS }
  nouser: { auth_password: $PD_SNMP_AUTH_PASS }
EOF

oids() { echo "hc=${IF_HC_IN_OCTETS#.}.$1:counter, in32=${IF_IN_OCTETS#.}.$1:counter32, mtu=${IF_MTU#.}.$1"; }
# template NAME PROFILE OIDS [FAIL_AFTER]
template() {
    echo "  $1: { checks: [ { id: snmp, type: snmp, profile: $2, oids: \"$3\", interval: ${STEP}s,"
    echo "        timeout: 1500ms, fail_after: ${4:-3} } ] }"
}
pd_write_file "$PD_CFG" <<EOF
data_dir: ./data
secrets: secrets.yaml
user: nobody
log: { level: info }
storage: { heartbeat: 2s, status_refresh: 0s }
rrd: { write_delay: 0s }   # the test reads the files while the daemon runs
plugins:
  snmp:
    profiles:
      v2c: { version: 2c }
      sha: { version: 3, user: pd-sha, level: authNoPriv, auth_protocol: SHA }
      sha256: { version: 3, user: pd-sha256, level: authPriv, auth_protocol: SHA-256, priv_protocol: AES }
      badcomm: { version: 2c, retries: 0 }
      badauth: { version: 3, user: pd-sha, level: authNoPriv, auth_protocol: SHA }
      nouser: { version: 3, user: pd-nosuchuser, level: authNoPriv, auth_protocol: SHA }
templates:
$(for a in "${GOOD[@]}"; do template "$a" "$a" "$(oids "${IDX[$a]}")"; done)
$(template badcomm badcomm "" 2)
$(template badauth badauth "" 2)
$(template nouser nouser "" 2)
$(template noagent v2c "" 2)
$(template noobj v2c "x=1.3.6.1.99.1.0" 2)
targets:
  - { id: v2c, address: $(pd_addr4 1), type: v2c, site: lab }
  - { id: sha, address: $(pd_addr4 2), type: sha, site: lab }
  - { id: sha256, address: $(pd_addr4 3), type: sha256, site: lab }
  - { id: badcomm, address: $(pd_addr4 1), type: badcomm, site: lab }
  - { id: badauth, address: $(pd_addr4 2), type: badauth, site: lab }
  - { id: nouser, address: $(pd_addr4 2), type: nouser, site: lab }
  - { id: noagent, address: $(pd_addr4 4), type: noagent, site: lab }
  - { id: noobj, address: $(pd_addr4 1), type: noobj, site: lab }
EOF
for s in "${SECRETS[@]}"; do grep -qF -- "$s" "$PD_CFG" && pd_fail "secret '$s' in the main config"; done

pd_daemon_start
for a in "${GOOD[@]}"; do pd_wait_state "$a" snmp UP 15; done
pd_ok "v2c, v3 authNoPriv and v3 authPriv targets UP"

rounds_at_least() { [ "$(pd_sql "SELECT rounds FROM current_state WHERE target_id = '$1' AND check_id = 'snmp'")" -ge "$2" ]; }
for a in "${GOOD[@]}"; do
    pd_wait_until 10 "$a: a rate of hc" rounds_at_least "$a" 3
    mtu=$(get "$a" $IF_MTU."${IDX[$a]}") || pd_fail "$a: snmpget ifMtu failed"
    [ "$mtu" = "${MTU[$a]}" ] || pd_fail "$a: snmpget ifMtu $mtu, set ${MTU[$a]}"
    got=$(pd_sql "SELECT json_extract(last_metrics, '\$.mtu') FROM current_state
                  WHERE target_id = '$a' AND check_id = 'snmp'")
    [ "$got" = "$mtu" ] || [ "$got" = "$mtu.0" ] || pd_fail "$a: probed's mtu '$got', snmpget $mtu"
    ticks=$(get "$a" $SYS_UPTIME) || pd_fail "$a: snmpget sysUpTime failed"
    now=$(pd_now_ns)
    IFS='|' read -r up last_ns < <(pd_sql "SELECT json_extract(last_metrics, '\$.uptime_s'), last_ns
                                          FROM current_state WHERE target_id = '$a' AND check_id = 'snmp'")
    # probed's uptime, carried on to the time of snmpget's answer
    diff=$(awk -v u="$up" -v l="$last_ns" -v n="$now" -v t="$ticks" \
        'BEGIN { d = u + (n - l) / 1e9 - t / 100; printf "%.2f", d < 0 ? -d : d }')
    pd_float_cmp "$diff" "<=" 2 || pd_fail "$a: uptime_s $up at $last_ns, sysUpTime $ticks ticks: off by $diff s"
    pd_ok "$a: mtu $got = snmpget's; uptime_s $up within $diff s of sysUpTime"
done

# Traffic into each agent's eth0, 3 rounds of pings; the truth is the
# octets snmpget saw added. The RRD window [S, E] starts and ends quiet.
declare -A REF0=() REF1=()
for a in "${GOOD[@]}"; do REF0[$a]=$(get "$a" $IF_HC_IN_OCTETS."${IDX[$a]}"); done
S=$((($(date +%s) / STEP + 1) * STEP))
sleep $((S + 1 - $(date +%s)))
COUNT=200
SIZE=1400
for round in 1 2 3; do
    pids=()
    for a in "${GOOD[@]}"; do
        ip netns exec "$PD_PROBER" ping -q -n -c $COUNT -s $SIZE -i 0.01 -W 1 "$(pd_addr4 "${N[$a]}")" >/dev/null &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || pd_fail "ping failed in round $round"; done
    sleep $STEP
done
# A lower bound (IP bytes only): snmpd's cache of the counters caught up.
for a in "${GOOD[@]}"; do
    reached() { REF1[$a]=$(get "$a" $IF_HC_IN_OCTETS."${IDX[$a]}") && [ "${REF1[$a]}" -ge $((REF0[$a] + 3 * COUNT * (SIZE + 28))) ]; }
    pd_wait_until 15 "$a: ifHCInOctets up by the pings" reached
done
sleep 6 # snmpd serves counters a few seconds old: probed's last samples see all of it
for a in "${GOOD[@]}"; do REF1[$a]=$(get "$a" $IF_HC_IN_OCTETS."${IDX[$a]}"); done
E=$((($(date +%s) / STEP + 1) * STEP))
rrd_past() { [ -f "$1" ] && [ "$(rrdtool lastupdate "$1" | tail -n 1 | cut -d: -f1)" -gt "$2" ]; }
for a in "${GOOD[@]}"; do
    rrd="$PD_DATA/rrd/$a/snmp.rrd"
    pd_wait_until 15 "$rrd updated past $E" rrd_past "$rrd" "$E"
    ref=$((REF1[$a] - REF0[$a]))
    for ds in hc in32; do
        read -r sum rows < <(pd_rrd_sum "$rrd" "$ds" "$S" "$E")
        [ "$rows" = $(((E - S) / STEP)) ] || pd_fail "$a $ds: $rows known rows in [$S, $E], expected $(((E - S) / STEP))"
        err=$(awk -v s="$sum" -v st=$STEP -v r="$ref" 'BEGIN { printf "%.2f", (s * st - r) * 100 / r }')
        pd_float_cmp "${err#-}" "<" 10 || pd_fail "$a $ds: RRD sum x step $sum x $STEP, snmpget +$ref octets: $err %"
        pd_ok "$a $ds: RRD sum of rate x ${STEP}s vs snmpget +$ref octets: error $err %"
    done
done

# Restart the v2c agent: one round says rebooted, the log says so, and no
# rate after it is a spike (the kernel's counters go on).
rrd="$PD_DATA/rrd/v2c/snmp.rrd"
peak=$(pd_rrd_column "$rrd" hc "$S" "$E" | sort -g | tail -n 1)
lines=$(pd_log_lines)
t_restart=$(pd_now_ns)
pd_snmpd_restart v2c
declare -A SEEN=()
end=$(($(pd_now_ns) + 14000000000))
while [ "$(pd_now_ns)" -lt "$end" ]; do
    IFS='|' read -r last_ns reb hc in32 < <(pd_sql "SELECT last_ns, json_extract(last_metrics, '\$.rebooted'),
        json_extract(last_metrics, '\$.hc'), json_extract(last_metrics, '\$.in32')
        FROM current_state WHERE target_id = 'v2c' AND check_id = 'snmp'")
    [ "$last_ns" -gt "$t_restart" ] && [ -n "$reb" ] && SEEN[$last_ns]="$reb ${hc:-null} ${in32:-null}"
    pd_daemon_alive
    sleep 0.2
done
n_reb=0 after=()
for k in "${!SEEN[@]}"; do
    read -r reb hc in32 <<<"${SEEN[$k]}"
    case $reb in
    1 | 1.0) n_reb=$((n_reb + 1)) reb_rates="$hc $in32" ;;
    *) for r in $hc $in32; do [ "$r" = null ] || after+=("$r"); done ;;
    esac
done
[ "${#SEEN[@]}" -ge 4 ] || pd_fail "only ${#SEEN[@]} good rounds of v2c seen in 14 s after the restart"
[ "$n_reb" = 1 ] || pd_fail "$n_reb rounds with rebooted=1 after the restart, expected 1: ${SEEN[*]}"
[ "$reb_rates" = "null null" ] || pd_fail "rates hc, in32 = $reb_rates in the round that saw the restart, expected none"
# (noobj asks the same agent, and sees the restart too)
n=$(tail -n "+$((lines + 1))" "$PD_LOG" | grep -c 'snmp: v2c/snmp: reboot: the agent restarted' || true)
[ "$n" = 1 ] || pd_fail "$n 'agent restarted' lines for v2c after one restart, expected 1"
# ... and the store has the event, with the restart's time (its boot, a
# little before the round that saw it), listed by probectl events.
IFS='|' read -r n_ev ev_at < <(pd_sql "SELECT count(*), max(at_ns) FROM events
                                        WHERE target_id = 'v2c' AND kind = 'reboot'")
[ "$n_ev" = 1 ] || pd_fail "$n_ev reboot events for v2c in the store, expected 1"
pd_assert_range "reboot event time - restart time (ms)" $(((ev_at - t_restart) / 1000000)) -2000 3000
"$PD_BUILD/probectl" -c "$PD_CFG" events --target v2c | grep -q 'EVENT reboot' ||
    pd_fail "probectl events does not list the reboot"
max_after=$(printf '%s\n' "${after[@]}" 0 | sort -g | tail -n 1)
pd_float_cmp "$max_after" "<=" "$(awk -v p="$peak" 'BEGIN { print 10 * p }')" ||
    pd_fail "a rate of $max_after B/s after the restart, more than 10x the peak before ($peak)"
pd_float_cmp "$max_after" "<" 1e8 || pd_fail "absurd rate $max_after B/s after the restart"
pd_ok "restart: one round of ${#SEEN[@]} with rebooted=1 and no rate, logged; rates after it at most $max_after B/s (peak before $peak)"

# Failures, each its own target, with its reason.
expect_down() {
    pd_wait_state "$1" snmp DOWN 20
    reason=$(pd_sql "SELECT reason FROM transitions WHERE target_id = '$1' AND check_id = 'snmp'
                     AND to_state = 'DOWN' ORDER BY at_ns DESC LIMIT 1")
    [[ $reason == "$2"* ]] || pd_fail "$1 DOWN with '$reason', expected '$2...'"
    pd_ok "$1 DOWN: $reason"
}
expect_down badcomm "no answer"
expect_down badauth "authentication failure"
expect_down nouser "unknown user"
expect_down noagent "port unreachable"
expect_down noobj "no such object: 1.3.6.1.99.1.0 (x)"
for a in "${GOOD[@]}"; do
    [ "$(pd_sql "SELECT state FROM current_state WHERE target_id = '$a' AND check_id = 'snmp'")" = UP ] ||
        pd_fail "$a not UP beside the failures"
done

status=$("$PD_BUILD/probectl" -c "$PD_CFG" status --format csv)
grep -q '^v2c,\|,v2c,' <<<"$status" || pd_fail "probectl status lists no v2c: $status"
pd_daemon_stop
[ "$PD_DAEMON_RC" = 0 ] || pd_fail "probed exited $PD_DAEMON_RC on SIGTERM"
declare -A OUT=([log]="$(cat "$PD_LOG")" [status]="$status" [store]="$(sqlite3 "$PD_DB" .dump)")
for s in "${SECRETS[@]}"; do
    for where in log status store; do
        n=$(grep -cF -- "$s" <<<"${OUT[$where]}" || true)
        [ "$n" = 0 ] || pd_fail "secret '$s' appears $n times in the $where"
    done
done
pd_ok "no secret in the log, probectl status or the store ($(wc -l <<<"${OUT[store]}") lines of dump)"

"$PD_BUILD/probed" -c "$PD_CFG" --check-config >"$PD_TMP/cc.out" 2>&1 ||
    pd_fail "check-config failed with the 0640 secrets file: $(cat "$PD_TMP/cc.out")"
chmod 644 "$PD_TMP/secrets.yaml"
if "$PD_BUILD/probed" -c "$PD_CFG" --check-config >"$PD_TMP/cc.out" 2>&1; then
    pd_fail "check-config accepted a world-readable secrets file"
fi
grep -qF "secrets file $PD_TMP/secrets.yaml is readable by every user" "$PD_TMP/cc.out" ||
    pd_fail "check-config's complaint does not name the file: $(cat "$PD_TMP/cc.out")"
pd_ok "world-readable secrets file refused: $(grep -m1 'secrets file' "$PD_TMP/cc.out")"
chmod 640 "$PD_TMP/secrets.yaml"
