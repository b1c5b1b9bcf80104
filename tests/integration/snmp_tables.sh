#!/bin/bash
# The snmp check's tables against a real snmpd: a "switch" namespace with
# ports ge1 (to a PC namespace), ge2 and ge3, aliases in UTF-8 and in
# GB18030 (as Chinese devices answer them). The `interfaces` collection
# walks ifTable/ifXTable (GETBULK for v2c, GETNEXT for v1), keeps one RRD
# per selected interface under the interface's name, with the name and
# alias (converted to UTF-8) in the store; pings through ge1 show up as
# in_bps within 10 % of the bytes sent; ge1 going down and up again are
# interface_down and interface_up events on that interface, listed by
# probectl events. The `host` collection's memory and disk use equal what
# snmpwalk reads, and its CPU load appears once the agent has one.
set -euo pipefail
. "$(dirname "$0")/lib.sh" "$1"

pd_require_cmd snmpd snmpget snmpwalk rrdtool ping iconv
pd_lab_init

STEP=2
SW=$PD_PREFIX-sw
PC=$PD_PREFIX-pc
pd_target sw 1
# The PC behind port ge1, and two more ports: ge2 up (peer in the switch),
# ge3 excluded by the selection.
ip netns add "$PC"
PD_NS+=("$PC")
ip -n "$PC" link set lo up
ip -n "$SW" link add ge1 type veth peer name eth0 netns "$PC"
ip -n "$SW" link add ge2 type veth peer name p2
ip -n "$SW" link add ge3 type veth peer name p3
for l in ge1 ge2 p2 ge3 p3; do ip -n "$SW" link set "$l" up; done
ip -n "$PC" link set eth0 up
ip -n "$SW" link set ge1 mtu 1432 # read back by a MIB name
ip -n "$SW" addr add 10.214.1.1/24 dev ge1
ip -n "$PC" addr add 10.214.1.2/24 dev eth0
ifindex() { ip -n "$SW" -o link show "$1" | cut -d: -f1; }
declare -A IDX=([eth0]=$(ifindex eth0) [ge1]=$(ifindex ge1) [ge2]=$(ifindex ge2) [ge3]=$(ifindex ge3))
ALIAS_UPLINK=至省网上联
ALIAS_ROOM=会议室终端
# snmpd serves ifAlias from its own settings, not the kernel's: override it,
# ge1's in GB18030 bytes.
pd_snmpd sw 1 - <<EOF
override .1.3.6.1.2.1.31.1.1.1.18.${IDX[eth0]} octet_str "$ALIAS_UPLINK"
override .1.3.6.1.2.1.31.1.1.1.18.${IDX[ge1]} octet_str $(printf '%s' "$ALIAS_ROOM" | iconv -f UTF-8 -t GB18030)
EOF
ADDR=$(pd_addr4 1)
want_hex=$(printf '%s' "$ALIAS_ROOM" | iconv -f UTF-8 -t GB18030 | od -An -tx1 | tr -d ' \n')
got_hex=$(pd_snmp_hex -v2c -c "$PD_SNMP_COMMUNITY" "$ADDR" .1.3.6.1.2.1.31.1.1.1.18."${IDX[ge1]}")
[ "$got_hex" = "$want_hex" ] || pd_fail "the agent's ge1 alias is $got_hex, not GB18030 $want_hex"
pd_ok "switch: eth0, ge1, ge2, ge3 are ifIndex ${IDX[eth0]}, ${IDX[ge1]}, ${IDX[ge2]}, ${IDX[ge3]}; ge1's alias in GB18030"

pd_secrets_file <<EOF
snmp:
  v2c: { community: $PD_SNMP_COMMUNITY }
  v1: { community: $PD_SNMP_COMMUNITY }
EOF
# eth0 selected by its alias, ge1 and ge2 by name, ge3 excluded, lo not
# selected; max_repetitions 3 makes the walk take several requests.
pd_write_file "$PD_CFG" <<EOF
data_dir: ./data
secrets: secrets.yaml
user: nobody
log: { level: info }
storage: { heartbeat: 2s, status_refresh: 0s }
rrd: { write_delay: 0s }
plugins:
  snmp:
    profiles:
      v2c: { version: 2c }
      v1: { version: 1 }
templates:
  switch:
    checks:
      - { id: snmp, type: snmp, profile: v2c, collections: "system, interfaces, host",
          interfaces: "ge*, alias:*省网*, !ge3", max_repetitions: 3, interval: ${STEP}s, timeout: 1500ms,
          oids: "mtu=IF-MIB::ifMtu.${IDX[ge1]}" }
      - { id: snmp1, type: snmp, profile: v1, collections: interfaces, interfaces: "ge1",
          interval: ${STEP}s, timeout: 1500ms }
targets:
  - { id: sw, name: 核心交换机, address: $ADDR, type: switch, site: lab }
EOF
pd_daemon_start
pd_wait_state sw snmp UP 15
pd_wait_state sw snmp1 UP 15
pd_ok "v2c and v1 table checks UP"

rounds_at_least() { [ "$(pd_sql "SELECT rounds FROM current_state WHERE target_id = 'sw' AND check_id = '$1'")" -ge "$2" ]; }
pd_wait_until 15 "three rounds" rounds_at_least snmp 3
pd_wait_until 15 "three v1 rounds" rounds_at_least snmp1 3

# One file per selected interface, named after it; the labels in the store.
for f in snmp/if-eth0 snmp/if-ge1 snmp/if-ge2 snmp1/if-ge1 snmp/fs-root; do
    [ -f "$PD_DATA/rrd/sw/$f.rrd" ] || pd_fail "no $PD_DATA/rrd/sw/$f.rrd: $(cd "$PD_DATA/rrd" && find . -name '*.rrd' | sort | tr '\n' ' ')"
done
for f in snmp/if-ge3 snmp/if-lo snmp1/if-ge2; do
    [ ! -e "$PD_DATA/rrd/sw/$f.rrd" ] || pd_fail "$f.rrd exists: not selected"
done
labels=$(pd_sql "SELECT series || '=' || label || '|' || description FROM series
                 WHERE target_id = 'sw' AND check_id = 'snmp' AND (series NOT LIKE 'fs-%' OR series = 'fs-root')
                 ORDER BY series")
want="=sw|$(pd_snmp_str -v2c -c "$PD_SNMP_COMMUNITY" "$ADDR" .1.3.6.1.2.1.1.1.0)
fs-root=/|
if-eth0=eth0|$ALIAS_UPLINK
if-ge1=ge1|$ALIAS_ROOM
if-ge2=ge2|"
[ "$labels" = "$want" ] || pd_fail "series labels:
$labels
expected:
$want"
pd_ok "files for eth0 (by alias), ge1, ge2, / and none for ge3, lo; labels and aliases (GB18030 converted) stored"

# A custom OID by its MIB name (from probed's mibs/ name tables).
mtu=$(pd_sql "SELECT json_extract(last_metrics, '\$.mtu') FROM current_state WHERE target_id = 'sw' AND check_id = 'snmp'")
want=$(pd_snmp_num -v2c -c "$PD_SNMP_COMMUNITY" "$ADDR" .1.3.6.1.2.1.2.2.1.4."${IDX[ge1]}")
[ "${mtu%.0}" = "$want" ] && [ "$want" = 1432 ] || pd_fail "IF-MIB::ifMtu.${IDX[ge1]}: probed $mtu, snmpget $want"
pd_ok "IF-MIB::ifMtu.${IDX[ge1]} = $mtu, as snmpget reads 1.3.6.1.2.1.2.2.1.4.${IDX[ge1]}"

# Counters and status equal snmpget's (oper_up 1; speed in Mbit/s).
hs=$(pd_snmp_num -v2c -c "$PD_SNMP_COMMUNITY" "$ADDR" .1.3.6.1.2.1.31.1.1.1.15."${IDX[ge1]}")
read -r oper speed < <(rrdtool lastupdate "$PD_DATA/rrd/sw/snmp/if-ge1.rrd" | awk '
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i }
    NR == 3 { print $(col["oper_up"] + 1), $(col["speed_mbps"] + 1) }')
awk -v o="$oper" 'BEGIN { exit !(o == 1) }' || pd_fail "ge1 oper_up $oper"
awk -v s="$speed" -v h="$hs" 'BEGIN { exit !(s == h) }' || pd_fail "ge1 speed_mbps $speed, ifHighSpeed $hs"
pd_ok "ge1: oper_up $oper, speed_mbps $speed = ifHighSpeed"

# Traffic: the PC pings the switch through ge1; the truth is the frames
# sent (ICMP payload + 8 + 20 IP + 14 Ethernet).
COUNT=300
SIZE=1400
S=$((($(date +%s) / STEP + 1) * STEP))
sleep $((S + 1 - $(date +%s)))
for round in 1 2 3; do
    ip netns exec "$PC" ping -q -n -c $COUNT -s $SIZE -i 0.005 -W 1 10.214.1.1 >/dev/null ||
        pd_fail "ping through ge1 failed in round $round"
    sleep $STEP
done
sleep 6 # snmpd serves counters a few seconds old
E=$((($(date +%s) / STEP + 1) * STEP))
rrd_past() { [ -f "$1" ] && [ "$(rrdtool lastupdate "$1" | tail -n 1 | cut -d: -f1)" -gt "$2" ]; }
sent=$((3 * COUNT * (SIZE + 8 + 20 + 14)))
for f in snmp/if-ge1 snmp1/if-ge1; do
    rrd="$PD_DATA/rrd/sw/$f.rrd"
    pd_wait_until 15 "$rrd updated past $E" rrd_past "$rrd" "$E"
    for ds in in_bps out_bps; do
        read -r sum rows < <(pd_rrd_sum "$rrd" "$ds" "$S" "$E")
        [ "$rows" -ge $(((E - S) / STEP - 1)) ] || pd_fail "$f $ds: only $rows known rows in [$S, $E]"
        err=$(awk -v s="$sum" -v st=$STEP -v r="$sent" 'BEGIN { printf "%.2f", (s * st / 8 - r) * 100 / r }')
        pd_float_cmp "${err#-}" "<" 10 || pd_fail "$f $ds: RRD sum x step / 8 = $(awk -v s="$sum" -v st=$STEP 'BEGIN { print s * st / 8 }') bytes, sent $sent: $err %"
        pd_ok "$f $ds: bytes from the rates vs $sent bytes sent: error $err %"
    done
done

# ge1 down (the PC's end), then up: one event each, on that interface.
lines=$(pd_log_lines)
ip -n "$PC" link set eth0 down
down_event() { [ "$(pd_sql "SELECT count(*) FROM events WHERE target_id = 'sw' AND check_id = 'snmp'
                            AND series = 'if-ge1' AND kind = 'interface_down'")" = 1 ]; }
pd_wait_until 15 "an interface_down event for ge1" down_event
ip -n "$PC" link set eth0 up
up_event() { [ "$(pd_sql "SELECT count(*) FROM events WHERE target_id = 'sw' AND check_id = 'snmp'
                          AND series = 'if-ge1' AND kind = 'interface_up'")" = 1 ]; }
pd_wait_until 15 "an interface_up event for ge1" up_event
msg=$(pd_sql "SELECT message FROM events WHERE series = 'if-ge1' AND kind = 'interface_down' AND check_id = 'snmp'")
[[ $msg == "ge1 ($ALIAS_ROOM) went down (oper status "* ]] || pd_fail "interface_down message: $msg"
n_other=$(pd_sql "SELECT count(*) FROM events WHERE kind LIKE 'interface%' AND series != 'if-ge1'")
[ "$n_other" = 0 ] || pd_fail "$n_other interface events on other interfaces"
ev=$("$PD_BUILD/probectl" -c "$PD_CFG" events --target sw)
grep -q "snmp/if-ge1 .*EVENT interface_down" <<<"$ev" || pd_fail "probectl events: $ev"
grep -q "snmp/if-ge1 .*EVENT interface_up" <<<"$ev" || pd_fail "probectl events: $ev"
[ "$(pd_sql "SELECT state FROM current_state WHERE target_id = 'sw' AND check_id = 'snmp'")" = UP ] ||
    pd_fail "the check is not UP: an interface down is an event, not an outage of the agent"
pd_ok "ge1 down and up: $msg; listed by probectl events"

# host: memory and / as snmpwalk reads them (the same poll or the next).
hr() { pd_snmp snmpwalk -v2c -c "$PD_SNMP_COMMUNITY" -On -Oqv -Ot "$ADDR" ".1.3.6.1.2.1.25.2.3.1.$1"; }
mapfile -t types < <(pd_snmp snmpwalk -v2c -c "$PD_SNMP_COMMUNITY" -On -Oqv "$ADDR" .1.3.6.1.2.1.25.2.3.1.2)
mapfile -t descr < <(hr 3)
mapfile -t size < <(hr 5)
mapfile -t used < <(hr 6)
mem="" root=""
for i in "${!types[@]}"; do
    [ "${types[$i]}" = .1.3.6.1.2.1.25.2.1.2 ] && [ -z "$mem" ] && mem=$(awk -v u="${used[$i]}" -v s="${size[$i]}" 'BEGIN { printf "%.3f", 100 * u / s }')
    [ "${types[$i]}" = .1.3.6.1.2.1.25.2.1.4 ] && [ "${descr[$i]//\"/}" = / ] && root=$(awk -v u="${used[$i]}" -v s="${size[$i]}" 'BEGIN { printf "%.3f", 100 * u / s }')
done
[ -n "$mem" ] && [ -n "$root" ] || pd_fail "snmpwalk found no RAM ($mem) or / ($root) in hrStorageTable"
got_mem=$(pd_sql "SELECT json_extract(last_metrics, '\$.mem_used_pct') FROM current_state WHERE target_id = 'sw' AND check_id = 'snmp'")
d=$(awk -v a="$got_mem" -v b="$mem" 'BEGIN { d = a - b; printf "%.3f", d < 0 ? -d : d }')
pd_float_cmp "$d" "<" 2 || pd_fail "mem_used_pct $got_mem, snmpwalk $mem"
got_root=$(rrdtool lastupdate "$PD_DATA/rrd/sw/snmp/fs-root.rrd" | awk 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "used_pct") c = i } NR == 3 { print $(c + 1) }')
d=$(awk -v a="$got_root" -v b="$root" 'BEGIN { d = a - b; printf "%.3f", d < 0 ? -d : d }')
pd_float_cmp "$d" "<" 0.5 || pd_fail "fs-root used_pct $got_root, snmpwalk $root"
pd_ok "host: mem_used_pct $got_mem (snmpwalk $mem), / used_pct $got_root (snmpwalk $root)"

# CPU load: the agent has a figure a minute after its start.
cpu_known() {
    pd_snmp snmpwalk -v2c -c "$PD_SNMP_COMMUNITY" -On "$ADDR" .1.3.6.1.2.1.25.3.3.1.2 |
        grep -Eq '^\.1\.3\.6\.1\.2\.1\.25\.3\.3\.1\.2\.[0-9]+ = INTEGER: [0-9]+$'
}
pd_wait_until 90 "hrProcessorLoad from the agent" cpu_known
probed_cpu() {
    local v
    v=$(pd_sql "SELECT json_extract(last_metrics, '\$.cpu_load_pct') FROM current_state WHERE target_id = 'sw' AND check_id = 'snmp'")
    [ -n "$v" ]
}
pd_wait_until 10 "cpu_load_pct known to probed" probed_cpu
loads=$(pd_snmp snmpwalk -v2c -c "$PD_SNMP_COMMUNITY" -On -Oqv "$ADDR" .1.3.6.1.2.1.25.3.3.1.2 | tr '\n' ' ')
# The agent's mean, the same minute as probed's last round (or the one before).
mean=$(tr ' ' '\n' <<<"$loads" | awk 'NF { s += $1; n++ } END { if (n) printf "%.3f", s / n }')
got_cpu=$(pd_sql "SELECT json_extract(last_metrics, '\$.cpu_load_pct') FROM current_state WHERE target_id = 'sw' AND check_id = 'snmp'")
pd_assert_range "cpu_load_pct" "${got_cpu%.*}" 0 100
d=$(awk -v a="$got_cpu" -v b="$mean" 'BEGIN { d = a - b; printf "%.3f", d < 0 ? -d : d }')
pd_float_cmp "$d" "<=" 25 || pd_fail "cpu_load_pct $got_cpu, snmpwalk's mean $mean"
pd_ok "host: cpu_load_pct $got_cpu (snmpwalk hrProcessorLoad: $loads, mean $mean)"

pd_daemon_alive
pd_daemon_stop
[ "$PD_DAEMON_RC" = 0 ] || pd_fail "probed exited $PD_DAEMON_RC on SIGTERM"
grep -q "snmp: .*requests, .*answers" "$PD_LOG" || pd_fail "no snmp statistics line at shutdown"
pd_ok "$(grep -o 'snmp: [0-9]* requests.*' "$PD_LOG" | tail -n 1)"
