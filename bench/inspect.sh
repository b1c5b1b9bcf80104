#!/bin/bash
# The inspection records at the size of one province: the 540 devices of
# tests/data/inventory/guizhou-videoconf.csv, each with a month of ping
# rows every minute (probed's default archives) and 10 outages in the
# event store. Times `probectl inspect` monthly, daily and sample beside
# the two things a hand-made record rests on: `probectl report` (the
# availability figures alone, from the same store) and `rrdtool fetch` of
# every device's month (reading the same series files, nothing computed).
# No daemon, no network, no root. See bench/README.md.
#
#   bench/inspect.sh BUILD_DIR
#
# Environment: PD_BENCH_MONTH (2026-10), PD_BENCH_RUNS (3), PD_KEEP=1
# keeps the work directory.
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

MONTH=${PD_BENCH_MONTH:-2026-10}
RUNS=${PD_BENCH_RUNS:-3}
TZNAME=Asia/Shanghai
OUTAGES=10
INVENTORY=$(cd "$(dirname "$0")/.." && pwd)/tests/data/inventory/guizhou-videoconf.csv

bench_build "${1:-}" probectl
PROBECTL=$BUILD/probectl
[[ $MONTH =~ ^[0-9]{4}-(0[1-9]|1[0-2])$ ]] || die "PD_BENCH_MONTH: YYYY-MM"
if ! [[ $RUNS =~ ^[0-9]+$ ]] || [ "$RUNS" -lt 1 ] || [ "$RUNS" -gt 99 ]; then
    die "PD_BENCH_RUNS: 1..99"
fi
for tool in rrdtool sqlite3 jq; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool missing: run contrib/install-deps.sh"
done
[ -x /usr/bin/time ] && /usr/bin/time -f %M true >/dev/null 2>&1 ||
    die "needs GNU time (Debian package 'time') for the peak RSS"

MS=$(TZ=$TZNAME date -d "$MONTH-01" +%s)
ME=$(TZ=$TZNAME date -d "$MONTH-01 +1 month" +%s)
[ $((ME + 86400)) -lt "$(date +%s)" ] || die "$MONTH is not over by a day yet"
# The month's last working day (Monday to Friday), for the daily check.
DAY=$(TZ=$TZNAME date -d "$MONTH-01 +1 month -1 day" +%F)
while [ "$(date -d "$DAY" +%u)" -gt 5 ]; do
    DAY=$(date -d "$DAY -1 day" +%F)
done
M=${MONTH#*-}
QUARTER="${MONTH%-*}Q$(((10#$M + 2) / 3))"

bench_init inspect pdb-inspect
BENCH_LOG=$WORK/stderr
CFG=$WORK/probed.yaml
OUT=$WORK/out
mkdir -p "$WORK/data" "$OUT"
pctl() { "$PROBECTL" -c "$CFG" "$@"; }

# One template per type of the inventory, each a ping every minute.
{
    echo "data_dir: ./data"
    echo "timezone: $TZNAME"
    echo "log: { level: warning }"
    echo "inspection: { daily_at: \"08:30\" }"
    echo "templates:"
    for type in $(awk -F, 'NR > 1 { print $4 }' "$INVENTORY" | sort -u); do
        echo "  $type:"
        echo "    checks:"
        echo "      - { id: ping, type: icmp, interval: 60s, availability: true }"
    done
    echo "inventory: [ \"$INVENTORY\" ]"
} >"$CFG"
pctl check-config >/dev/null 2>"$BENCH_LOG" || die "check-config failed: $(cat "$BENCH_LOG")"
DEVICES=$(pctl inventory list --format csv 2>/dev/null | awk 'NR > 1' | wc -l)
[ "$DEVICES" -ge 500 ] || die "the inventory has $DEVICES devices, expected 540"

echo "inspect: $DEVICES devices, $MONTH ($TZNAME): writing the store and the series files" >&2
t_gen=$(date +%s%N)
# Opening the store read-write creates it with the current schema.
pctl maintenance add --start "$MONTH-10 01:00" --end "$MONTH-10 03:00" --site guizhou/guiyang \
    --reason "汇聚交换机割接" >/dev/null 2>"$BENCH_LOG" || die "maintenance add failed"
DB=$WORK/data/probed.db
T0=$((MS - 3 * 86400))
{
    echo "PRAGMA synchronous = OFF;"
    echo "BEGIN;"
    echo "INSERT INTO runs (id, started_ns, last_heartbeat_ns, stopped_ns, end_ns, end_reason, pid, host, version)" \
        "VALUES (1, ${T0}000000000, $((ME + 86400))000000000, $((ME + 86400))000000000," \
        "$((ME + 86400))000000000, 'stopped', 4242, 'bench', 'bench');"
    # Every device in service 3 days before the month, UP, then 10
    # outages of 1 to 90 minutes, one in each tenth of the month
    # (Park-Miller random numbers, seed 1).
    awk -F, -v t0="$T0" -v ms="$MS" -v me="$ME" -v k_out="$OUTAGES" '
    function rnd(m) { rs = (rs * 16807) % 2147483647; return int(rs / 2147483647 * m) }
    function q(s) { gsub(/\047/, "\047\047", s); return "\047" s "\047" }
    function tr(id, at, from, to, why) {
        printf "INSERT INTO transitions (run_id, target_id, check_id, at_ns, detected_ns, from_state, to_state, reason) VALUES (1, %s, \047ping\047, %d000000000, %d000000000, \047%s\047, \047%s\047, %s), (1, %s, \047\047, %d000000000, %d000000000, \047%s\047, \047%s\047, %s);\n", q(id), at, at + 20, from, to, q(why), q(id), at, at + 20, from, to, q(why)
    }
    BEGIN { rs = 1; slot = int((me - ms) / k_out) }
    NR > 1 {
        printf "INSERT INTO targets (id, name, address, type, site, added_ns) VALUES (%s, %s, %s, %s, %s, %d000000000);\n", q($1), q($2), q($3), q($4), q($5), t0
        tr($1, t0 + 10, "UNKNOWN", "UP", "")
        for (k = 0; k < k_out; k++) {
            s = ms + k * slot + rnd(slot - 5460)
            tr($1, s, "UP", "DOWN", "no reply to 5 echoes")
            tr($1, s + 60 + rnd(5341), "DOWN", "UP", "")
        }
    }' "$INVENTORY"
    echo "COMMIT;"
} >"$WORK/load.sql"
sqlite3 "$DB" <"$WORK/load.sql" >/dev/null 2>"$BENCH_LOG" || die "loading the store failed"

# One series file as probed makes it for a 60 s check (its data sources,
# its default archives), a row every minute from 3 days before the month
# to a day after it; copied to every device (what is read is what
# counts, not what the rows say).
DS=(sent received loss_pct rtt_min rtt_avg rtt_median rtt_max rtt_stddev jitter dup late
    ping1 ping2 ping3 ping4 ping5)
spec=()
for ds in "${DS[@]}"; do
    spec+=("DS:$ds:GAUGE:120:U:U")
done
for cf in AVERAGE MIN MAX; do
    [ "$cf" = AVERAGE ] && spec+=("RRA:AVERAGE:0.5:1:2880")
    spec+=("RRA:$cf:0.5:5:4032" "RRA:$cf:0.5:60:2160" "RRA:$cf:0.5:1440:1825")
done
rrdtool create "$WORK/ping.rrd" --start "$T0" --step 60 "${spec[@]}" 2>"$BENCH_LOG" ||
    die "rrdtool create failed: $(cat "$BENCH_LOG")"
awk -v from="$((T0 + 60))" -v to="$((ME + 86400))" 'BEGIN {
    rs = 7
    for (t = from; t <= to; t += 60) {
        rs = (rs * 16807) % 2147483647; r = rs / 2147483647
        loss = r < 0.02 ? 20 * int(r * 250) : 0
        med = 4 + 6 * r
        printf "%d:5:%d:%.1f:%.3f:%.3f:%.3f:%.3f:%.3f:%.3f:0:0:%.3f:%.3f:%.3f:%.3f:%.3f\n", t, 5 - loss / 20, loss, med - 1, med, med, med + 3 * r, r, r / 2, med - 1, med, med, med + 1, med + 3 * r
    }
}' | xargs -n 2000 rrdtool update "$WORK/ping.rrd" 2>"$BENCH_LOG" ||
    die "rrdtool update failed: $(cat "$BENCH_LOG")"
awk -F, 'NR > 1 { print $1 }' "$INVENTORY" | while read -r id; do
    mkdir -p "$WORK/data/rrd/$id"
    cp "$WORK/ping.rrd" "$WORK/data/rrd/$id/ping.rrd"
done
t_gen=$((($(date +%s%N) - t_gen) / 1000000))
echo "inspect: ready in $t_gen ms: $(sqlite3 "$DB" "SELECT count(*) FROM transitions") transitions," \
    "$DEVICES series files of $(($(stat -c %s "$WORK/ping.rrd") / 1024)) KiB" >&2

# The reference: every device's month read with rrdtool, one process each.
fetch_all() {
    local f
    for f in "$WORK"/data/rrd/*/ping.rrd; do
        rrdtool fetch "$f" AVERAGE -s "$MS" -e "$ME" >/dev/null || return 1
    done
}

ROWS=(monthly_json monthly_xlsx daily_json sample_json report_json rrdtool)
declare -A CMD=(
    [monthly_json]="pctl inspect monthly --month $MONTH --quiet -o $OUT/monthly.json"
    [monthly_xlsx]="pctl inspect monthly --month $MONTH --quiet -o $OUT/monthly.xlsx"
    [daily_json]="pctl inspect daily --date $DAY --quiet -o $OUT/daily.json"
    [sample_json]="pctl inspect sample --quarter $QUARTER --sites 30 --weighted --quiet -o $OUT/sample.json"
    [report_json]="pctl report --month $MONTH --quiet -o $OUT/report.json"
    [rrdtool]="fetch_all"
)
declare -A WALL RSS
export -f pctl fetch_all
export PROBECTL CFG WORK MS ME
load0=$(cut -d ' ' -f 1-3 /proc/loadavg)
for row in "${ROWS[@]}"; do
    walls=()
    rss=0
    for ((r = 0; r < RUNS; r++)); do
        t=$(date +%s%N)
        /usr/bin/time -f %M -o "$WORK/rss" bash -c "${CMD[$row]}" 2>"$BENCH_LOG" ||
            die "$row failed: $(tail -5 "$BENCH_LOG")"
        walls+=($((($(date +%s%N) - t) / 1000)))
        k=$(tail -n 1 "$WORK/rss")
        [ "$k" -gt "$rss" ] && rss=$k
    done
    WALL[$row]=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
    RSS[$row]=$rss
    echo "inspect: $row: $((WALL[$row] / 1000)) ms" >&2
done

# The figures must be worth timing: every device read, the report's
# availability in the inspection, outages in the daily check's period.
fail=0
read_devices=$(jq '[.devices[] | select(.icmp.loss_pct.samples > 0)] | length' "$OUT/monthly.json")
[ "$read_devices" = "$DEVICES" ] || {
    echo "inspect: only $read_devices of $DEVICES devices have ICMP figures" >&2
    fail=1
}
mismatch=$(jq -n --slurpfile a "$OUT/monthly.json" --slurpfile b "$OUT/report.json" '
    ($b[0].targets | map({key: .id, value: .figures.availability_pct}) | from_entries) as $r
    | [$a[0].devices[] | select(.figures.availability_pct != $r[.id])] | length')
[ "$mismatch" = 0 ] || {
    echo "inspect: $mismatch devices whose availability differs from the report's" >&2
    fail=1
}
step=$(jq -r '[.devices[].icmp.step_s] | unique | join(",")' "$OUT/monthly.json")
dstep=$(jq -r '[.devices[].icmp.step_s] | unique | join(",")' "$OUT/daily.json")

echo
echo "probectl inspect, $DEVICES devices x one month of 60 s rows, $OUTAGES outages each, $MONTH;" \
    "median of $RUNS runs; load average $load0 before, $(cut -d ' ' -f 1-3 /proc/loadavg) after"
echo
echo "| run | wall | peak RSS | wall / rrdtool's |"
echo "| --- | --- | --- | --- |"
for row in "${ROWS[@]}"; do
    case $row in
    monthly_json) label="inspect monthly, JSON (rows of ${step}s)" ;;
    monthly_xlsx) label="inspect monthly, XLSX" ;;
    daily_json) label="inspect daily $DAY, JSON (rows of ${dstep}s)" ;;
    sample_json) label="inspect sample $QUARTER, 30 sites weighted, JSON" ;;
    report_json) label="report, JSON (availability only, no series read)" ;;
    rrdtool) label="rrdtool fetch of every device's month (reference)" ;;
    esac
    printf "| %s | %.3f s | %.1f MiB | %s |\n" "$label" \
        "$(awk -v u="${WALL[$row]}" 'BEGIN { print u / 1e6 }')" \
        "$(awk -v k="${RSS[$row]}" 'BEGIN { print k / 1024 }')" \
        "$(awk -v a="${WALL[$row]}" -v b="${WALL[rrdtool]}" 'BEGIN { printf "%.2f×", a / b }')"
done
[ "$fail" = 0 ] || die "a sanity check failed: the figures above are not to be trusted"
