#!/bin/bash
# probectl inventory against a running probed: an import creates the
# managed file and the daemon confirms its reload; a device that went DOWN
# and UP again gets a new address by import, and only it changes (its
# targets row, transitions and RRD file stay, probing goes on at the new
# address; the other devices keep their state untouched); the same file
# again changes nothing and sends no signal; an invalid file changes
# nothing; retire keeps the history and refuses the id until
# --reuse-retired, which probed records as returned; a device's
# snmp_profile decides the credentials of its snmp check.
set -euo pipefail
. "$(dirname "$0")/lib.sh" "$1"

pd_require_cmd rrdtool
pd_lab_init

pd_target a 1
pd_target b 2
pd_target c 3
pd_listen a "$(pd_addr4 1)" 5060
pd_listen b "$(pd_addr4 2)" 5060
pd_listen c "$(pd_addr4 3)" 5060
# b's second address, where it moves to.
B_NEW=10.213.2.3
ip -n "$PD_PREFIX-b" addr add "$B_NEW/24" dev eth0
pd_listen b "$B_NEW" 5060

SNMP=0
if command -v snmpd >/dev/null 2>&1 && command -v snmpget >/dev/null 2>&1; then
    SNMP=1
    pd_target d 4
    pd_snmpd d 4
fi

mkdir -p "$PD_TMP/inventory"
MANAGED="$PD_TMP/inventory/devices.csv"
pd_write_file "$PD_CFG" <<EOF
data_dir: ./data
timezone: Asia/Shanghai
pid_file: $PD_TMP/probed.pid
log: { level: info }
storage: { heartbeat: 2s, status_refresh: 0s }
rrd: { write_delay: 0 }   # each sample to its file at once: the RRD file is watched
web: { enabled: false }
plugins:
  snmp:
    profiles:
      lab: { version: 2c, community: $PD_SNMP_COMMUNITY }
      wrong: { version: 2c, community: pd-not-the-community }
templates:
  codec:
    checks:
      - { id: sip, type: tcp, port: 5060, interval: 1s, timeout: 500ms, availability: true }
  switch:
    checks:
      - { id: snmp, type: snmp, profile: wrong, interval: 1s, timeout: 500ms,
          fail_after: 2, availability: true }
inventory: [ "inventory/*.csv" ]
EOF

ctl() { "$PD_BUILD/probectl" -c "$PD_CFG" "$@"; }

# ctl_ok WHAT ARGS...: probectl exits 0; its output in $OUT.
ctl_ok() {
    local what=$1
    shift
    OUT=$(ctl "$@" 2>&1) || pd_fail "$what: probectl $* exited $?:
$OUT"
}

expect_out() {
    grep -Fq -- "$2" <<<"$OUT" || pd_fail "$1: probectl said no '$2':
$OUT"
}

pd_daemon_start
pd_ok "probed runs with no inventory file yet"

# 1. The first import creates the managed file; the reload is confirmed.
cat >"$PD_TMP/first.csv" <<EOF
id,name,address,type,site
gy-codec-01,贵阳市会议终端01,$(pd_addr4 1),codec,guizhou/guiyang
zy-codec-02,"遵义市会议终端02, 1号会议室",$(pd_addr4 2),codec,guizhou/zunyi
lps-codec-03,六盘水市会议终端03,$(pd_addr4 3),codec,guizhou/liupanshui
EOF
ctl_ok "first import" inventory import --file "$MANAGED" "$PD_TMP/first.csv"
expect_out "first import" ": 3 added, 0 changed, 0 retired, 0 unchanged"
expect_out "first import" "probed (pid $PD_DAEMON_PID) reloaded: the event store shows the new inventory"
cmp -s "$MANAGED" "$PD_TMP/first.csv" || pd_fail "the managed file is not the imported one"
for t in gy-codec-01 zy-codec-02 lps-codec-03; do
    pd_wait_state "$t" '' UP 15
done
pd_ok "import: 3 devices added, reload confirmed, all UP"

# 2. zy-codec-02 goes DOWN and UP again: history to keep.
pd_cut b
pd_wait_state zy-codec-02 '' DOWN 15
pd_restore b
pd_wait_state zy-codec-02 '' UP 15
pd_wait_for "SELECT count(*) > 0 AND sum(state = 'UP') = count(*) FROM current_state
             WHERE target_id IN ('gy-codec-01', 'lps-codec-03')" 1 10
b_transitions=$(pd_sql "SELECT count(*) FROM transitions WHERE target_id = 'zy-codec-02'")
[ "$b_transitions" -ge 4 ] || pd_fail "zy-codec-02 has $b_transitions transitions, expected >= 4"
b_added=$(pd_sql "SELECT added_ns FROM targets WHERE id = 'zy-codec-02'")
b_rrd="$PD_DATA/rrd/zy-codec-02/sip.rrd"
[ -f "$b_rrd" ] || pd_fail "no $b_rrd"
b_rrd_last=$(rrdtool last "$b_rrd")
others_sql="SELECT target_id || '/' || check_id || '=' || state || '@' || since_ns FROM current_state
            WHERE target_id IN ('gy-codec-01', 'lps-codec-03') ORDER BY 1"
others_before=$(pd_sql "$others_sql")
others_transitions=$(pd_sql "SELECT count(*) FROM transitions
                             WHERE target_id IN ('gy-codec-01', 'lps-codec-03')")
pd_ok "zy-codec-02 went DOWN and UP: $b_transitions transitions"

# 3. Its address changed by import: only it changes, its history stays.
sed "s/,$(pd_addr4 2),/,$B_NEW,/" "$PD_TMP/first.csv" >"$PD_TMP/moved.csv"
mark=$(pd_log_lines)
import_ns=$(pd_now_ns)
ctl_ok "address change" inventory import "$PD_TMP/moved.csv"
expect_out "address change" ": 0 added, 1 changed, 0 retired, 2 unchanged"
expect_out "address change" "address: $(pd_addr4 2) -> $B_NEW"
expect_out "address change" "probed (pid $PD_DAEMON_PID) reloaded"
pd_log_has_after "$mark" 'reloaded: 3 targets \(was 3\)' || pd_fail "no reload in the log:
$(tail -n "+$((mark + 1))" "$PD_LOG")"
row=$(pd_sql "SELECT address || '|' || added_ns || '|' || coalesce(retired_ns, '') FROM targets
              WHERE id = 'zy-codec-02'")
[ "$row" = "$B_NEW|$b_added|" ] || pd_fail "zy-codec-02's targets row is '$row', expected '$B_NEW|$b_added|'"
change=$(pd_sql "SELECT change || ': ' || detail FROM inventory_changes
                 WHERE target_id = 'zy-codec-02' AND at_ns >= $import_ns")
[ "$change" = "changed: address: $(pd_addr4 2) -> $B_NEW" ] ||
    pd_fail "zy-codec-02's inventory change is '$change'"
n=$(pd_sql "SELECT count(*) FROM inventory_changes WHERE at_ns >= $import_ns AND target_id != 'zy-codec-02'")
[ "$n" = 0 ] || pd_fail "$n inventory changes of other devices"
n=$(pd_sql "SELECT count(*) FROM transitions WHERE target_id = 'zy-codec-02' AND at_ns < $import_ns")
[ "$n" = "$b_transitions" ] || pd_fail "zy-codec-02 had $b_transitions transitions, $n remain"
# Probing goes on at the new address: results after the import, still UP.
pd_wait_for "SELECT count(*) FROM current_state WHERE target_id = 'zy-codec-02' AND check_id = 'sip'
             AND last_ns > $import_ns + 1000000000 AND last_verdict = 'ok'" 1 10
pd_wait_until 10 "new rows in $b_rrd" test "$(rrdtool last "$b_rrd")" -gt "$b_rrd_last"
[ "$(pd_sql "$(pd_state_sql zy-codec-02 '')")" = UP ] || pd_fail "zy-codec-02 not UP after its move"
others_after=$(pd_sql "$others_sql")
[ "$others_after" = "$others_before" ] || pd_fail "the other devices changed:
before: $others_before
after:  $others_after"
n=$(pd_sql "SELECT count(*) FROM transitions WHERE target_id IN ('gy-codec-01', 'lps-codec-03')")
[ "$n" = "$others_transitions" ] || pd_fail "the other devices have $n transitions, had $others_transitions"
pd_ok "zy-codec-02 moved to $B_NEW: targets row, $b_transitions transitions, RRD file kept; probed at the new address; others untouched"

# 4. The same file again: nothing written, no signal.
before_stat=$(stat -c '%i %Y.%y' "$MANAGED")
mark=$(pd_log_lines)
ctl_ok "re-import" inventory import "$PD_TMP/moved.csv"
expect_out "re-import" "no changes: $MANAGED left as it is"
[ "$(stat -c '%i %Y.%y' "$MANAGED")" = "$before_stat" ] || pd_fail "re-import touched $MANAGED"
sleep 1
pd_log_has_after "$mark" 'SIGHUP' && pd_fail "re-import signalled probed"
pd_ok "re-import: no change, file untouched, no reload"

# 5. An invalid file: every error, nothing written, no signal.
cat >"$PD_TMP/bad.csv" <<EOF
id,name,address,type,site
gy-codec-01,贵阳市会议终端01,$(pd_addr4 1),codec,guizhou/guiyang
Bad Id,坏,10.213.9.2,codec,guizhou/guiyang
gy-codec-01,重复,10.213.9.3,codec,guizhou/guiyang
gy-codec-04,四,10.213.9.256,codec,guizhou/guiyang
gy-codec-05,五,10.213.9.5,router,guizhou/guiyang
gy-codec-06,六,10.213.9.6,codec,guizhou//guiyang
EOF
mark=$(pd_log_lines)
if OUT=$(ctl inventory import "$PD_TMP/bad.csv" 2>&1); then
    pd_fail "the invalid import succeeded:
$OUT"
fi
for where in bad.csv:3:1 bad.csv:4:1 bad.csv:5:15 bad.csv:6:26 bad.csv:7:32; do
    expect_out "invalid import" "$where: "
done
expect_out "invalid import" "5 errors; nothing was changed"
[ "$(stat -c '%i %Y.%y' "$MANAGED")" = "$before_stat" ] || pd_fail "the invalid import touched $MANAGED"
sleep 1
pd_log_has_after "$mark" 'SIGHUP' && pd_fail "the invalid import signalled probed"
pd_ok "invalid import: 5 errors with row and column, nothing changed"

# 5b. A hand edit not reloaded: probectl says probed runs otherwise.
cp "$MANAGED" "$PD_TMP/managed.saved"
sed 's/贵阳市会议终端01/贵阳市会议终端01（手改）/' "$PD_TMP/managed.saved" | pd_write_file "$MANAGED"
ctl inventory export --file "$MANAGED" >"$PD_TMP/edited.csv"
ctl_ok "hand edit" inventory import --dry-run "$PD_TMP/edited.csv"
expect_out "hand edit" "no changes: "
expect_out "hand edit" "note: probed (pid $PD_DAEMON_PID) runs 1 device otherwise than the files on disk say (edited without a reload?): 'kill -HUP' applies that"
pd_write_file "$MANAGED" <"$PD_TMP/managed.saved"
pd_ok "a hand edit not reloaded is pointed out"

# 6. Retire: the history stays; the id comes back only when asked.
retire_ns=$(pd_now_ns)
ctl_ok "retire" inventory retire lps-codec-03 --reason "迁至新机房"
expect_out "retire" "retired  lps-codec-03"
expect_out "retire" "reloaded"
grep -q "^# retired .*lps-codec-03 六盘水市会议终端03, $(pd_addr4 3): 迁至新机房$" "$MANAGED" ||
    pd_fail "no retired comment in $MANAGED:
$(cat "$MANAGED")"
retired=$(pd_sql "SELECT coalesce(retired_ns, 0) FROM targets WHERE id = 'lps-codec-03'")
[ "$retired" -ge "$retire_ns" ] || pd_fail "lps-codec-03 retired_ns '$retired'"
n=$(pd_sql "SELECT count(*) FROM transitions WHERE target_id = 'lps-codec-03' AND to_state = 'UP'")
[ "$n" -ge 1 ] || pd_fail "lps-codec-03's transitions are gone"
[ -f "$PD_DATA/rrd/lps-codec-03/sip.rrd" ] || pd_fail "lps-codec-03's RRD file is gone"
ctl_ok "list retired" inventory list --state retired
expect_out "list retired" "lps-codec-03"
if OUT=$(ctl inventory add lps-codec-03 --address "$(pd_addr4 3)" --type codec \
    --site guizhou/liupanshui 2>&1); then
    pd_fail "a retired id was reused silently:
$OUT"
fi
expect_out "reuse refused" "id 'lps-codec-03' was retired on"
return_ns=$(pd_now_ns)
ctl_ok "reuse" inventory add lps-codec-03 --name 六盘水市会议终端03 --address "$(pd_addr4 3)" \
    --type codec --site guizhou/liupanshui --reuse-retired
expect_out "reuse" "returned  lps-codec-03"
expect_out "reuse" "reloaded"
n=$(pd_sql "SELECT count(*) FROM inventory_changes WHERE target_id = 'lps-codec-03'
            AND change = 'returned' AND at_ns >= $return_ns")
[ "$n" = 1 ] || pd_fail "lps-codec-03: $n 'returned' changes, expected 1"
pd_wait_state lps-codec-03 '' UP 15
pd_ok "retire kept lps-codec-03's history; its id came back only with --reuse-retired, recorded as returned"

# 7. The snmp check takes the credentials the device names.
if [ "$SNMP" = 1 ]; then
    ctl_ok "add switch" inventory add lps-sw-04 --name 六盘水市汇聚交换机 --address "$(pd_addr4 4)" \
        --type switch --site guizhou/liupanshui --snmp-profile lab
    expect_out "add switch" "reloaded"
    pd_wait_state lps-sw-04 snmp UP 15
    ctl_ok "drop profile" inventory set lps-sw-04 --snmp-profile ""
    expect_out "drop profile" "snmp_profile: lab -> (none)"
    expect_out "drop profile" "the event store does not record this kind of change"
    pd_wait_state lps-sw-04 snmp DOWN 15
    pd_ok "lps-sw-04: UP with its snmp_profile lab, DOWN with the template's wrong one"
else
    pd_note "snmpd or snmpget missing: snmp_profile part skipped"
fi

# 8. export --file, imported back: nothing to do.
ctl inventory export --file "$MANAGED" >"$PD_TMP/export.csv"
ctl_ok "round trip" inventory import "$PD_TMP/export.csv"
expect_out "round trip" "no changes: "
pd_ok "export imported back: no changes"

pd_daemon_stop
[ "$PD_DAEMON_RC" = 0 ] || pd_fail "probed exited $PD_DAEMON_RC on SIGTERM, expected 0"
pd_ok "clean stop"
