#!/bin/bash
# The lab's SNMP agent: snmpd in a target's namespace answers v1, v2c and
# the three v3 users, over IPv4 and IPv6; refuses a wrong community or
# password; counts the traffic of the target's link in IF-MIB; shows a
# restart (sysUpTime from 0, snmpEngineBoots one more) and a stop.
set -euo pipefail
. "$(dirname "$0")/lib.sh" "$1"

pd_require_cmd snmpd snmpget snmpwalk ping
pd_lab_init

SYS_UPTIME=.1.3.6.1.2.1.1.3.0
SYS_CONTACT=.1.3.6.1.2.1.1.4.0
SYS_NAME=.1.3.6.1.2.1.1.5.0
SYS_LOCATION=.1.3.6.1.2.1.1.6.0
IF_NAME=.1.3.6.1.2.1.31.1.1.1.1
IF_HC_IN_OCTETS=.1.3.6.1.2.1.31.1.1.1.6
HR_SYSTEM_UPTIME=.1.3.6.1.2.1.25.1.1.0
HR_STORAGE_DESCR=.1.3.6.1.2.1.25.2.3.1.3
HR_PROCESSOR_FRW_ID=.1.3.6.1.2.1.25.3.3.1.1
ENGINE_ID=.1.3.6.1.6.3.10.2.1.1.0
ENGINE_BOOTS=.1.3.6.1.6.3.10.2.1.2.0

pd_target edge 1
start_ns=$(pd_now_ns)
pd_snmpd edge 1
pd_ok "snmpd answers $(pd_secs $(($(pd_now_ns) - start_ns))) s after its start"

a4=$(pd_addr4 1)
a6="udp6:[$(pd_addr6 1)]"
v2c=(-v2c -c "$PD_SNMP_COMMUNITY")

# expect_str WHAT WANT SNMPGET-ARGS...
expect_str() {
    local what=$1 want=$2 got
    shift 2
    got=$(pd_snmp_str "$@") || pd_fail "$what: snmpget $* failed"
    [ "$got" = "$want" ] || pd_fail "$what = '$got', expected '$want'"
}

expect_str "sysName (v2c)" edge "${v2c[@]}" "$a4" $SYS_NAME
expect_str "sysName (v1)" edge -v1 -c "$PD_SNMP_COMMUNITY" "$a4" $SYS_NAME
expect_str sysLocation "$PD_SNMP_LOCATION" "${v2c[@]}" "$a4" $SYS_LOCATION
expect_str sysContact "$PD_SNMP_CONTACT" "${v2c[@]}" "$a4" $SYS_CONTACT
pd_ok "v1 and v2c answer; the UTF-8 sysLocation comes back as configured"

expect_str "sysName (pd-noauth)" edge -v3 -l noAuthNoPriv -u pd-noauth "$a4" $SYS_NAME
expect_str "sysName (pd-sha)" edge -v3 -l authNoPriv -u pd-sha -a SHA -A "$PD_SNMP_AUTH_PASS" \
    "$a4" $SYS_NAME
sha256=(-v3 -l authPriv -u pd-sha256 -a SHA-256 -A "$PD_SNMP_AUTH_PASS" -x AES -X "$PD_SNMP_PRIV_PASS")
expect_str "sysName (pd-sha256)" edge "${sha256[@]}" "$a4" $SYS_NAME
pd_ok "v3 answers noAuthNoPriv, authNoPriv (SHA) and authPriv (SHA-256, AES)"

if out=$(pd_snmp snmpget -v2c -c pd-wrong -t 1 -r 0 "$a4" $SYS_NAME 2>&1); then
    pd_fail "a wrong community got an answer: $out"
fi
grep -q '^Timeout' <<<"$out" || pd_fail "a wrong community: '$out', expected a timeout"
pd_ok "a wrong community gets no answer: $out"

if out=$(pd_snmp snmpget -v3 -l authNoPriv -u pd-sha -a SHA -A wrong-password -t 1 -r 0 \
    "$a4" $SYS_NAME 2>&1); then
    pd_fail "a wrong v3 password got an answer: $out"
fi
grep -q 'Authentication failure' <<<"$out" ||
    pd_fail "a wrong v3 password: '$out', expected an authentication failure"
pd_ok "a wrong v3 password: $out"

names=$(pd_snmp snmpwalk -On "${v2c[@]}" "$a4" $IF_NAME)
eth0=$(awk -v p="$IF_NAME." '$NF == "\"eth0\"" && index($1, p) == 1 {
    print substr($1, length(p) + 1) }' <<<"$names")
[[ "$eth0" =~ ^[0-9]+$ ]] || pd_fail "no eth0 in ifName:
$names"
grep -q '"lo"$' <<<"$names" || pd_fail "no lo in ifName:
$names"
octets=$(pd_snmp snmpwalk -On "${v2c[@]}" "$a4" $IF_HC_IN_OCTETS)
grep -q "^$IF_HC_IN_OCTETS.$eth0 = Counter64: " <<<"$octets" ||
    pd_fail "ifHCInOctets has no row for eth0 (ifIndex $eth0):
$octets"
pd_ok "IF-MIB lists the namespace's interfaces, eth0 at ifIndex $eth0"

hr_uptime=$(pd_snmp_num "${v2c[@]}" "$a4" $HR_SYSTEM_UPTIME) || pd_fail "no hrSystemUptime"
n_storage=$(pd_snmp snmpwalk -On "${v2c[@]}" "$a4" $HR_STORAGE_DESCR | grep -c '= STRING: ' || true)
[ "$n_storage" -gt 0 ] || pd_fail "hrStorageTable is empty"
# hrProcessorLoad itself only appears once snmpd has a minute of CPU history.
n_cpu=$(pd_snmp snmpwalk -On "${v2c[@]}" "$a4" $HR_PROCESSOR_FRW_ID | grep -c '= OID: ' || true)
[ "$n_cpu" -gt 0 ] || pd_fail "hrProcessorTable is empty"
pd_ok "HOST-RESOURCES-MIB: hrSystemUptime $hr_uptime, $n_storage hrStorage rows, $n_cpu processors"

COUNT=50
SIZE=1000
in0=$(pd_snmp_num "${v2c[@]}" "$a4" $IF_HC_IN_OCTETS."$eth0") || pd_fail "no ifHCInOctets.$eth0"
ip netns exec "$PD_PROBER" ping -q -n -c $COUNT -s $SIZE -i 0.01 -W 1 "$a4" >/dev/null ||
    pd_fail "ping $a4 failed"
# Each echo request is at least its IP packet; snmpd caches the counters
# for a few seconds.
want=$((in0 + COUNT * (SIZE + 28)))
in_octets_reach() {
    in1=$(pd_snmp_num "${v2c[@]}" "$a4" $IF_HC_IN_OCTETS."$eth0") && [ "$in1" -ge "$want" ]
}
pd_wait_until 15 "ifHCInOctets.$eth0 >= $want (was $in0)" in_octets_reach
pd_ok "ifHCInOctets of eth0 rose by $((in1 - in0)) octets for $COUNT pings of $SIZE bytes"

# Late, as the link-local addresses are ready by now.
pd_wait_ipv6 edge 1
expect_str "sysName (v2c, IPv6)" edge "${v2c[@]}" "$a6" $SYS_NAME
expect_str "sysName (pd-sha256, IPv6)" edge "${sha256[@]}" "$a6" $SYS_NAME
pd_ok "v2c and v3 answer over IPv6 too"

uptime_at_least() {
    up0=$(pd_snmp_num "${v2c[@]}" "$a4" $SYS_UPTIME) && [ "$up0" -ge "$1" ]
}
# Far enough from 0 that a restart shows.
pd_wait_until 10 "sysUpTime >= 3 s" uptime_at_least 300
engine0=$(pd_snmp_hex "${v2c[@]}" "$a4" $ENGINE_ID) || pd_fail "no snmpEngineID"
boots0=$(pd_snmp_num "${v2c[@]}" "$a4" $ENGINE_BOOTS) || pd_fail "no snmpEngineBoots"
pd_snmpd_restart edge
up1=$(pd_snmp_num "${v2c[@]}" "$a4" $SYS_UPTIME) || pd_fail "no sysUpTime after the restart"
boots1=$(pd_snmp_num "${v2c[@]}" "$a4" $ENGINE_BOOTS) || pd_fail "no snmpEngineBoots after the restart"
engine1=$(pd_snmp_hex "${v2c[@]}" "$a4" $ENGINE_ID) || pd_fail "no snmpEngineID after the restart"
[ "$up1" -lt "$up0" ] || pd_fail "sysUpTime $up0 before the restart, $up1 after"
[ "$boots1" = $((boots0 + 1)) ] || pd_fail "snmpEngineBoots $boots0 before the restart, $boots1 after"
[ "$engine1" = "$engine0" ] || pd_fail "snmpEngineID $engine0 before the restart, $engine1 after"
expect_str "sysName (pd-sha256, after the restart)" edge "${sha256[@]}" "$a4" $SYS_NAME
pd_ok "restart: sysUpTime $up0 -> $up1 ticks, snmpEngineBoots $boots0 -> $boots1, same engine ID"

pid=${PD_SNMPD_PID[edge]}
pd_snmpd_stop edge
pd_pid_running "$pid" && pd_fail "snmpd (pid $pid) still runs after pd_snmpd_stop"
if out=$(pd_snmp snmpget "${v2c[@]}" -t 1 -r 0 "$a4" $SYS_NAME 2>&1); then
    pd_fail "a stopped snmpd answered: $out"
fi
grep -q '^Timeout' <<<"$out" || pd_fail "a stopped snmpd: '$out', expected a timeout"
pd_ok "stopped: $out"
