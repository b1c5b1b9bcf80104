#!/bin/bash
# SIGHUP with a broken configuration keeps the running one (and says where
# the error is); SIGHUP with a good one that adds a target and removes
# another applies it and keeps the state of the target that stays.
set -euo pipefail
. "$(dirname "$0")/lib.sh" "$1"

pd_lab_init

pd_target a 1
pd_target b 2
pd_target c 3
pd_listen a "$(pd_addr4 1)" 5060
pd_listen b "$(pd_addr4 2)" 5060
pd_listen c "$(pd_addr4 3)" 5060

INV="$PD_TMP/inventory"
mkdir -p "$INV"

# write_config [EXTRA_TOP_LEVEL_LINE] [SIP_EXTRA_OPTION]: the good main file,
# optionally spoiled. Line numbers matter: the top-level line is line 5, the
# sip check line 9.
write_config() {
    pd_write_file "$PD_CFG" <<EOF
data_dir: ./data
timezone: Asia/Shanghai
log: { level: info }
storage: { heartbeat: 2s, status_refresh: 0s }   # every result in the status table
${1:-# (line 5)}
templates:
  codec:
    checks:
      - { id: sip, type: tcp, port: 5060, interval: 1s, timeout: 500ms, availability: true${2:-} }
inventory: [ "inventory/*.csv" ]
targets:
  - { id: gy-codec-01, name: "贵阳市会议终端01", address: $(pd_addr4 1), type: codec,
      site: guizhou/guiyang }
EOF
}

write_inventory() {
    pd_write_file "$INV/targets.csv"
}

write_config
write_inventory <<EOF
id,name,address,type,site
zy-codec-02,遵义市会议终端02,$(pd_addr4 2),codec,guizhou/zunyi
EOF

pd_daemon_start
pd_wait_state gy-codec-01 '' UP 15
pd_wait_state zy-codec-02 '' UP 10
pd_ok "gy-codec-01 and zy-codec-02 UP"

last_ns_sql() {
    echo "SELECT coalesce(max(last_ns), 0) FROM current_state
          WHERE target_id = '$1' AND check_id = 'sip'"
}

# try_bad_reload WHAT ERE: SIGHUP with the broken files in place; the daemon
# must log "reload failed" and the error (ERE: file:line:col: message), and go
# on probing.
try_bad_reload() {
    local what=$1 where=$2 mark t last n line
    mark=$(pd_log_lines)
    pd_daemon_signal HUP
    pd_wait_until 10 "'reload failed' in the log after SIGHUP ($what)" \
        pd_log_has_after "$mark" 'reload failed'
    pd_log_has_after "$mark" "$where" ||
        pd_fail "$what: the log does not name the place ($where):
$(tail -n "+$((mark + 1))" "$PD_LOG")"
    pd_daemon_alive
    # Checks still run under the old configuration.
    for t in gy-codec-01 zy-codec-02; do
        last=$(pd_sql "$(last_ns_sql "$t")")
        pd_wait_for "SELECT ($(last_ns_sql "$t")) > $last" 1 10
    done
    n=$(pd_sql "SELECT count(*) FROM targets WHERE coalesce(retired_ns, 0) = 0")
    [ "$n" = 2 ] || pd_fail "$what: $n targets in service, expected the same 2 as before"
    line=$(tail -n "+$((mark + 1))" "$PD_LOG" | grep -Eo -m 1 -- "[^ /]*$where.*")
    pd_ok "$what: still probing on the old configuration; logged: $line"
}

# current_state is written behind the transitions: wait until it shows UP.
pd_wait_for "SELECT count(*) > 0 AND sum(state = 'UP') = count(*) FROM current_state
             WHERE target_id = 'gy-codec-01'" 1 10
transitions_a=$(pd_sql "SELECT count(*) FROM transitions WHERE target_id = 'gy-codec-01'")
since_a=$(pd_sql "SELECT check_id || '=' || since_ns FROM current_state
                  WHERE target_id = 'gy-codec-01' ORDER BY check_id")

# 1. YAML syntax error: a flow mapping never closed.
pd_write_file "$PD_CFG" <<EOF
data_dir: ./data
timezone: Asia/Shanghai
templates:
  codec:
    checks:
      - { id: sip, type: tcp, port: 5060, interval: 1s
targets: []
EOF
try_bad_reload "YAML syntax error" 'probed\.yaml:[0-9]+:[0-9]+: '

# 2. An unknown top-level key, on line 5.
write_config "storrage: { heartbeat: 2s }"
try_bad_reload "unknown key" 'probed\.yaml:5:[0-9]+: .*storrage'

# 3. An option the tcp plugin does not know, on the sip line (9).
write_config "" ", prot: 5060"
try_bad_reload "unknown tcp option" 'probed\.yaml:9:[0-9]+: .*prot'

# 4. A bad id in the inventory, on CSV line 3.
write_config
write_inventory <<EOF
id,name,address,type,site
zy-codec-02,遵义市会议终端02,$(pd_addr4 2),codec,guizhou/zunyi
Bad Id,六盘水市会议终端03,$(pd_addr4 3),codec,guizhou/liupanshui
EOF
try_bad_reload "bad inventory id" 'targets\.csv:3:[0-9]+: .*Bad Id'

# A good one: zy-codec-02 leaves, lps-codec-03 comes.
write_inventory <<EOF
id,name,address,type,site
lps-codec-03,六盘水市会议终端03,$(pd_addr4 3),codec,guizhou/liupanshui
EOF
mark=$(pd_log_lines)
reload_ns=$(pd_now_ns)
pd_daemon_signal HUP
pd_wait_state lps-codec-03 '' UP 15
pd_log_has_after "$mark" 'reload failed' && pd_fail "the good configuration was rejected:
$(tail -n "+$((mark + 1))" "$PD_LOG")"
pd_ok "lps-codec-03 added and UP"

retired=$(pd_sql "SELECT coalesce(retired_ns, 0) FROM targets WHERE id = 'zy-codec-02'")
[ "${retired:-0}" -ge "$reload_ns" ] ||
    pd_fail "zy-codec-02: retired_ns '$retired', expected >= the reload at $reload_ns"
n=$(pd_sql "SELECT count(*) FROM inventory_changes WHERE target_id = 'zy-codec-02'
            AND change = 'retired' AND at_ns >= $reload_ns")
[ "$n" = 1 ] || pd_fail "zy-codec-02: $n 'retired' inventory changes, expected 1"
n=$(pd_sql "SELECT count(*) FROM inventory_changes WHERE target_id = 'lps-codec-03'
            AND change = 'added' AND at_ns >= $reload_ns")
[ "$n" = 1 ] || pd_fail "lps-codec-03: $n 'added' inventory changes, expected 1"
state_b=$(pd_sql "$(pd_state_sql zy-codec-02 '')")
[ "$state_b" = UNKNOWN ] || pd_fail "retired zy-codec-02 left in state '$state_b', expected UNKNOWN"
status=$("$PD_BUILD/probectl" -c "$PD_CFG" status --format csv)
grep -q zy-codec-02 <<<"$status" && pd_fail "probectl status still lists retired zy-codec-02:
$status"
grep -q lps-codec-03 <<<"$status" || pd_fail "probectl status does not list lps-codec-03:
$status"
pd_ok "zy-codec-02 retired (UNKNOWN, out of status)"

# The target that stayed kept its state: no new transition, same since.
n=$(pd_sql "SELECT count(*) FROM transitions WHERE target_id = 'gy-codec-01'")
[ "$n" = "$transitions_a" ] ||
    pd_fail "gy-codec-01 had $transitions_a transitions before the reloads, $n after:
$(pd_sql "SELECT * FROM transitions WHERE target_id = 'gy-codec-01'")"
since_a2=$(pd_sql "SELECT check_id || '=' || since_ns FROM current_state
                   WHERE target_id = 'gy-codec-01' ORDER BY check_id")
[ "$since_a2" = "$since_a" ] || pd_fail "gy-codec-01 since_ns changed over the reload:
before: $since_a
after:  $since_a2"
pd_ok "gy-codec-01 kept its state across the reloads"

pd_daemon_stop
[ "$PD_DAEMON_RC" = 0 ] || pd_fail "probed exited $PD_DAEMON_RC on SIGTERM, expected 0"
pd_ok "clean stop"
