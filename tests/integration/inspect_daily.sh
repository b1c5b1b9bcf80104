#!/bin/bash
# The daily health check end to end: a host cut off and restored shows
# that outage in the daily check with the same start, end and duration as
# `probectl report` and the event store give it; the daemon writes the
# record by itself at the configured check time (set by a reload to the
# coming minute) into data_dir/reports, and again at a restart when its
# files are missing; `probectl inspect daily` makes the same record; the
# monthly inspection's figures are the availability report's; every
# digest verifies. No timing is asserted: the record is waited for with a
# bound, and compared with the store.
set -euo pipefail
. "$(dirname "$0")/lib.sh" "$1"

pd_require_cmd jq python3
pd_lab_init

# The check time is set to a coming minute of today: not near midnight,
# where "today" would change under the test.
now_min=$((10#$(TZ=Asia/Shanghai date +%H) * 60 + 10#$(TZ=Asia/Shanghai date +%M)))
[ "$now_min" -lt $((23 * 60 + 50)) ] || pd_skip "too close to midnight in Asia/Shanghai"

P=("$PD_BUILD/probectl" -c "$PD_CFG")
pd_target a 1
pd_target b 2

chmod 755 "$PD_TMP"
config() { # $1: daily_at
    pd_write_file "$PD_CFG" <<EOF
data_dir: ./data
timezone: Asia/Shanghai
user: nobody
storage: { heartbeat: 2s }
rrd: { write_delay: 1s }
web: { enabled: false }
inspection:
  daily_at: "$1"
  working_days: [mon, tue, wed, thu, fri, sat, sun]
  formats: [json, csv, html]
templates:
  codec:
    checks:
      - { id: ping, type: icmp, interval: 1000ms, timeout: 300ms, count: 3,
          spacing: 50ms, fail_after: 2, recover_after: 2 }
targets:
  - { id: gy-codec-01, name: "贵阳市会议终端01", address: $(pd_addr4 1), type: codec,
      site: guizhou/guiyang }
  - { id: zy-codec-02, name: "遵义会议终端02", address: $(pd_addr4 2), type: codec,
      site: guizhou/zunyi }
EOF
}
# Until the cut is over the check time is one already past: the daemon
# has nothing to record then (no target was in service in that period).
config "00:00"
pd_daemon_start
pd_wait_state gy-codec-01 '' UP 15
pd_wait_state zy-codec-02 '' UP 15
pd_cut a
pd_wait_state gy-codec-01 '' DOWN 15
sleep 3
pd_restore a
pd_wait_state gy-codec-01 '' UP 15
pd_ok "a cut and restored"

# The check time: the minute after the next one, so that the recovery is
# recorded well before it.
at=$(TZ=Asia/Shanghai date -d '+90 seconds' +%H:%M)
today=$(TZ=Asia/Shanghai date +%F)
[ "$(TZ=Asia/Shanghai date -d '+90 seconds' +%F)" = "$today" ] || pd_skip "midnight is near"
config "$at"
pd_daemon_signal HUP
R="$PD_DATA/reports/daily-$today"
# The daemon waits a heartbeat and the RRD delay after the check time.
pd_wait_until 200 "the daily check files $R.{json,csv,html}" \
    test -s "$R.json" -a -s "$R.csv" -a -s "$R.html"
# The log line follows the last file's rename.
pd_wait_until 10 "the log line of the record" \
    grep -q "inspect: the daily check of $today is written" "$PD_LOG"
pd_ok "the daemon wrote the daily check of $today at $at"

J="$R.json"
for f in "$R.json" "$R.csv" "$R.html"; do
    "${P[@]}" report verify "$f" >/dev/null || pd_fail "$f: digest does not verify"
done
[ "$(jq -r .provisional "$J")" = false ] || pd_fail "the daemon's record is provisional"
[ "$(jq -r .period.end "$J")" = "${today}T$at:00+08:00" ] ||
    pd_fail "period ends $(jq -r .period.end "$J"), expected ${today}T$at:00+08:00"
dev() { jq -r --arg id "$1" ".devices[] | select(.id == \$id) | $2" "$J"; }
[ "$(dev gy-codec-01 '.outages | length')" = 1 ] || pd_fail "a: $(dev gy-codec-01 .outages)"
[ "$(dev zy-codec-02 '.outages | length')" = 0 ] || pd_fail "b has an outage"
[ "$(dev gy-codec-01 .state)" = UP ] || pd_fail "a is $(dev gy-codec-01 .state) at the end"
[ "$(jq -r '.problems[0].kind + " " + .problems[0].id' "$J")" = "outages gy-codec-01" ] ||
    pd_fail "first problem: $(jq -c '.problems[0]' "$J")"
[ "$(dev gy-codec-01 '.icmp.loss_pct.max')" = 100 ] ||
    pd_fail "a's loss during the cut: $(dev gy-codec-01 .icmp)"

# The outage as the store has it: DOWN and UP of the target itself.
down_ns=$(pd_sql "SELECT at_ns FROM transitions WHERE target_id = 'gy-codec-01' AND check_id = ''
                  AND to_state = 'DOWN'")
up_ns=$(pd_sql "SELECT at_ns FROM transitions WHERE target_id = 'gy-codec-01' AND check_id = ''
                AND to_state = 'UP' AND at_ns > $down_ns")
start_ns=$(date -d "$(dev gy-codec-01 '.outages[0].start')" +%s%N)
end_ns=$(date -d "$(dev gy-codec-01 '.outages[0].end')" +%s%N)
[ "$start_ns" = "$down_ns" ] && [ "$end_ns" = "$up_ns" ] ||
    pd_fail "outage $start_ns..$end_ns, the store says $down_ns..$up_ns"
counted=$(dev gy-codec-01 '.outages[0].counted_s')
want=$(awk -v d="$((up_ns - down_ns))" 'BEGIN { printf "%.0f", d / 1e9 }')
[ "$counted" = "$want" ] || pd_fail "counted $counted s, the store gives $want s"
[ "$(dev gy-codec-01 .figures.downtime_s)" = "$want" ] ||
    pd_fail "downtime $(dev gy-codec-01 .figures.downtime_s) s, the store gives $want s"
pd_ok "the outage is the store's: $(dev gy-codec-01 '.outages[0].start'), $counted s"

# The availability report of the month lists the same outage.
month=$(TZ=Asia/Shanghai date +%Y-%m)
"${P[@]}" report --month "$month" --format json -o "$PD_TMP/r.json" -q
rep() { jq -c --arg id "$1" ".targets[] | select(.id == \$id) | $2" "$PD_TMP/r.json"; }
strip='{start, end, ongoing, counted_s, unobserved_s, maintenance_only}'
[ "$(rep gy-codec-01 ".outages | map($strip)")" = \
    "$(jq -c --arg id gy-codec-01 ".devices[] | select(.id == \$id) | .outages | map($strip)" "$J")" ] ||
    pd_fail "the report's outages differ: $(rep gy-codec-01 .outages)"
pd_ok "probectl report lists the same outage"

# probectl makes the same record (but for when and from where it was made).
"${P[@]}" inspect daily --format json -o "$PD_TMP/d.json" -q
same='del(.generated, .sha256)'
diff <(jq -S "$same" "$J") <(jq -S "$same" "$PD_TMP/d.json") >"$PD_TMP/diff" ||
    pd_fail "probectl inspect daily differs from the daemon's record:
$(cat "$PD_TMP/diff")"
"${P[@]}" inspect daily >"$PD_TMP/table" 2>"$PD_TMP/table.err"
grep -Eq "^1 +outages +gy-codec-01 " "$PD_TMP/table" || pd_fail "table: $(cat "$PD_TMP/table")"
pd_ok "probectl inspect daily makes the same record"

# A restart after the check time writes the record again when its files
# are gone, at once.
pd_daemon_stop
[ "$PD_DAEMON_RC" = 0 ] || pd_fail "probed exited $PD_DAEMON_RC"
cp "$J" "$PD_TMP/first.json"

# The month so far reaches as far as the records: with the daemon stopped
# they stay put, and the month's inspection and report are made from the
# same records.
"${P[@]}" report --month "$month" --format json -o "$PD_TMP/r.json" -q
# The month's inspection: the report's figures, number for number.
"${P[@]}" inspect monthly --month "$month" --format json -o "$PD_TMP/m.json" -q
for id in gy-codec-01 zy-codec-02; do
    a=$(rep "$id" .figures)
    b=$(jq -c --arg id "$id" '.devices[] | select(.id == $id) | .figures' "$PD_TMP/m.json")
    [ "$a" = "$b" ] || pd_fail "$id: the monthly inspection's figures $b, the report's $a"
done
pd_ok "the monthly inspection's figures are the report's"

# The workbook holds the same tables, numbers as numbers.
"${P[@]}" inspect monthly --month "$month" -o "$PD_TMP/m.xlsx" -q
python3 "$(dirname "$0")/../tools/xlsx_dump.py" "$PD_TMP/m.xlsx" >"$PD_TMP/m.xlsx.json" ||
    pd_fail "the monthly workbook does not open"
[ "$(jq -c 'keys_unsorted' "$PD_TMP/m.xlsx.json")" = \
    '["Summary","problems","devices","checks","outages","interfaces","sites"]' ] ||
    pd_fail "sheets: $(jq -c 'keys_unsorted' "$PD_TMP/m.xlsx.json")"
x_avail=$(jq -r '.devices[] | select(.[1] == "gy-codec-01") | .[6]' "$PD_TMP/m.xlsx.json")
awk -v a="$x_avail" -v b="$(rep gy-codec-01 .figures.availability_pct)" \
    'BEGIN { exit !(a - b < 0.00005 && b - a < 0.00005) }' ||
    pd_fail "the workbook's availability $x_avail, the report's $(rep gy-codec-01 .figures.availability_pct)"
pd_ok "the monthly workbook: every sheet, the report's availability"

# The quarter's sample: both sites, each with its checklist sheet.
quarter="$(TZ=Asia/Shanghai date +%Y)Q$(( (10#$(TZ=Asia/Shanghai date +%m) + 2) / 3 ))"
"${P[@]}" inspect sample --quarter "$quarter" --sites 30 -o "$PD_TMP/s.xlsx" -q
python3 "$(dirname "$0")/../tools/xlsx_dump.py" "$PD_TMP/s.xlsx" >"$PD_TMP/s.xlsx.json" ||
    pd_fail "the sample's workbook does not open"
# Summary, the list, then "01 <site>", "02 <site>" in the order drawn.
[ "$(jq -c 'keys_unsorted | .[0:2] + (.[2:] | map(.[3:]) | sort)' "$PD_TMP/s.xlsx.json")" = \
    '["Summary","sample","guizhou-guiyang","guizhou-zunyi"]' ] ||
    pd_fail "sample sheets: $(jq -c 'keys_unsorted' "$PD_TMP/s.xlsx.json")"
"${P[@]}" inspect sample --quarter "$quarter" --sites 30 --format json -o "$PD_TMP/s1.json" -q
"${P[@]}" inspect sample --quarter "$quarter" --sites 30 --format json -o "$PD_TMP/s2.json" -q
[ "$(jq -c '.sites | map(.path)' "$PD_TMP/s1.json")" = "$(jq -c '.sites | map(.path)' "$PD_TMP/s2.json")" ] ||
    pd_fail "two draws of $quarter differ"
[ "$(jq -r .population "$PD_TMP/s1.json")" = 2 ] || pd_fail "population $(jq .population "$PD_TMP/s1.json")"
pd_ok "the sample of $quarter: $(jq -c '.sites | map(.path)' "$PD_TMP/s1.json"), a checklist sheet each"

rm -f "$R".*
pd_daemon_start
pd_wait_until 60 "the record written again at start" test -s "$R.json" -a -s "$R.html"
diff <(jq -S "$same" "$PD_TMP/first.json") <(jq -S "$same" "$J") >"$PD_TMP/diff" ||
    pd_fail "the record written at the restart differs:
$(cat "$PD_TMP/diff")"
pd_daemon_stop
[ "$PD_DAEMON_RC" = 0 ] || pd_fail "probed exited $PD_DAEMON_RC"
pd_ok "a restart wrote the missing record, the same"
