#!/bin/bash
# How long `probectl report` takes for a month of 10,000 targets with 10
# outages each, in every format, and its peak RSS; a plain sqlite3 query
# that only sums each target's DOWN time is timed beside it. The event
# store is written directly (no daemon, no network). See bench/README.md.
#
#   bench/report.sh BUILD_DIR
#
# Environment: PD_BENCH_TARGETS (10000), PD_BENCH_MONTH (2026-10),
# PD_BENCH_SEED (1), PD_BENCH_RUNS (3), PD_BENCH_PERF (a row name such as
# json: record one more run of it with `perf record --call-graph dwarf`
# and print the top symbols), PD_KEEP=1 keeps the work directory.
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

TARGETS=${PD_BENCH_TARGETS:-10000}
MONTH=${PD_BENCH_MONTH:-2026-10}
SEED=${PD_BENCH_SEED:-1}
RUNS=${PD_BENCH_RUNS:-3}
PERF_ROW=${PD_BENCH_PERF:-}
TZNAME=Asia/Shanghai
OUTAGES=10
# The issue's aim for the CSV and JSON reports.
AIM_MS=2000
AIM_KIB=$((200 * 1024))

bench_build "${1:-}" probectl
PROBECTL=$BUILD/probectl
if ! [[ $TARGETS =~ ^[0-9]+$ ]] || [ "$TARGETS" -lt 100 ] || [ "$TARGETS" -gt 60000 ]; then
    die "PD_BENCH_TARGETS: 100..60000"
fi
[[ $MONTH =~ ^[0-9]{4}-(0[1-9]|1[0-2])$ ]] || die "PD_BENCH_MONTH: YYYY-MM"
if ! [[ $SEED =~ ^[0-9]+$ ]] || [ "$SEED" -lt 1 ] || [ "$SEED" -gt 2000000000 ]; then
    die "PD_BENCH_SEED: 1..2000000000"
fi
if ! [[ $RUNS =~ ^[0-9]+$ ]] || [ "$RUNS" -lt 1 ] || [ "$RUNS" -gt 99 ]; then
    die "PD_BENCH_RUNS: 1..99"
fi
for tool in sqlite3 jq; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool missing: run contrib/install-deps.sh"
done
# Peak RSS needs GNU time (Debian package 'time'); python3's os.wait4
# gives the same figures when it is missing.
if [ -x /usr/bin/time ] && /usr/bin/time -f %M true >/dev/null 2>&1; then
    MEASURE=gnu
elif command -v python3 >/dev/null 2>&1; then
    MEASURE=python
    echo "report: GNU time missing (package 'time'); measuring with python3 instead" >&2
else
    die "need GNU time (package 'time') or python3 to measure peak RSS"
fi

MS=$(TZ=$TZNAME date -d "$MONTH-01" +%s)
ME=$(TZ=$TZNAME date -d "$MONTH-01 +1 month" +%s)
# The run ends a day after the month, so every target is seen after it.
[ $((ME + 86400)) -lt "$(date +%s)" ] || die "$MONTH is not over by a day yet"

bench_init report pdb-report
BENCH_LOG=$WORK/stderr
CFG=$WORK/probed.yaml
OUT=$WORK/out
mkdir -p "$WORK/data" "$OUT"
pctl() { "$PROBECTL" -c "$CFG" "$@"; }

# Sites of a province-wide network, as in ../shared/data: targets sit at
# the provincial bureau, Gui'an and 88 counties, three levels deep.
# Line: level-2 id, name, then county id:name pairs.
cat >"$WORK/sites.txt" <<'EOF'
province 省医保局
guian 贵安新区医保局
guiyang 贵阳市 nanming:南明区 yunyan:云岩区 huaxi:花溪区 wudang:乌当区 baiyun:白云区 guanshanhu:观山湖区 qingzhen:清镇市 kaiyang:开阳县 xifeng:息烽县 xiuwen:修文县
zunyi 遵义市 honghuagang:红花岗区 huichuan:汇川区 bozhou:播州区 tongzi:桐梓县 suiyang:绥阳县 zhengan:正安县 daozhen:道真县 wuchuan:务川县 fenggang:凤冈县 meitan:湄潭县 yuqing:余庆县 xishui:习水县 chishui:赤水市 renhuai:仁怀市
liupanshui 六盘水市 zhongshan:钟山区 liuzhi:六枝特区 shuicheng:水城区 panzhou:盘州市
anshun 安顺市 xixiu:西秀区 pingba:平坝区 puding:普定县 zhenning:镇宁县 guanling:关岭县 ziyun:紫云县
bijie 毕节市 qixingguan:七星关区 dafang:大方县 qianxi:黔西市 jinsha:金沙县 zhijin:织金县 nayong:纳雍县 weining:威宁县 hezhang:赫章县
tongren 铜仁市 bijiang:碧江区 wanshan:万山区 jiangkou:江口县 yuping:玉屏县 shiqian:石阡县 sinan:思南县 yinjiang:印江县 dejiang:德江县 yanhe:沿河县 songtao:松桃县
qiandongnan 黔东南州 kaili:凯里市 huangping:黄平县 shibing:施秉县 sansui:三穗县 zhenyuan:镇远县 cengong:岑巩县 tianzhu:天柱县 jinping:锦屏县 jianhe:剑河县 taijiang:台江县 liping:黎平县 rongjiang:榕江县 congjiang:从江县 leishan:雷山县 majiang:麻江县 danzhai:丹寨县
qiannan 黔南州 duyun:都匀市 fuquan:福泉市 libo:荔波县 guiding:贵定县 wengan:瓮安县 dushan:独山县 pingtang:平塘县 luodian:罗甸县 changshun:长顺县 longli:龙里县 huishui:惠水县 sandu:三都县
qianxinan 黔西南州 xingyi:兴义市 xingren:兴仁市 puan:普安县 qinglong:晴隆县 zhenfeng:贞丰县 wangmo:望谟县 ceheng:册亨县 anlong:安龙县
EOF

# The one window added through probectl (it also creates the store).
CLI_START=$(TZ=$TZNAME date -d "$MONTH-10 01:00" +%s)
CLI_END=$(TZ=$TZNAME date -d "$MONTH-10 03:00" +%s)
CLI_SITE=guizhou/guiyang

echo "report: generating $TARGETS targets x $OUTAGES outages, $MONTH ($TZNAME), seed $SEED" >&2
t_gen=$(date +%s%N)
# Writes the inventory, the systems of the config, the store's rows (the
# transitions as "time TAB values" lines, sorted below: the daemon writes
# them in time order, all targets interleaved) and what the report must
# say. Park-Miller random numbers: the same in every awk.
awk -v n="$TARGETS" -v ms="$MS" -v me="$ME" -v seed="$SEED" -v k_out="$OUTAGES" \
    -v cli_s="$CLI_START" -v cli_e="$CLI_END" -v cli_site="$CLI_SITE" -v dir="$WORK" '
function rnd(m) {
    rs = (rs * 16807) % 2147483647
    return int(rs / 2147483647 * m)
}
function ns(s) { return s "000000000" }
function q(s) { gsub(/\047/, "\047\047", s); return "\047" s "\047" }
function tr(at, from, to, why, det) {
    # the check first, then the target: the order the daemon records them
    det = to == "DOWN" ? at + 20 : at + 10
    printf "%d\t(1,%s,\047sip\047,%s,%s,\047%s\047,\047%s\047,%s)\n", at, q(id[i]), ns(at), ns(det), from, to, q(why) > trfile
    printf "%d\t(1,%s,\047\047,%s,%s,\047%s\047,\047%s\047,%s)\n", at, q(id[i]), ns(at), ns(det), from, to, q(why) > trfile
    rows += 2
}
function down_in_month(a, b) {
    if (a < ms) a = ms
    if (b > me) b = me
    return b > a ? b - a : 0
}
function covers(w, t) {
    if (wremoved[w] || wscope[w] == "system") return 0
    if (wscope[w] == "target") return wwhat[w] == id[t]
    return site[t] == wwhat[w] || index(site[t], wwhat[w] "/") == 1
}
BEGIN {
    rs = seed; ns_ = 0; nc = 0
    L = me - ms
    t0 = ms - 3 * 86400
    trfile = dir "/transitions.tsv"
    while ((getline line < (dir "/sites.txt")) > 0) {
        nf = split(line, f, " ")
        if (nf == 2) {
            path[ns_] = "guizhou/" f[1]; sid[ns_] = f[1]; sname[ns_] = f[2]; ns_++
            continue
        }
        cities[nc++] = "guizhou/" f[1]
        for (j = 3; j <= nf; j++) {
            split(f[j], c, ":")
            path[ns_] = "guizhou/" f[1] "/" c[1]; sid[ns_] = c[1]
            sname[ns_] = f[2] c[2] "医保局"; ns_++
        }
    }
    inv = dir "/inventory.csv"
    print "id,name,address,type,site" > inv
    for (i = 0; i < n; i++) {
        s = i % ns_
        k = int(i / ns_) + 1
        id[i] = sid[s] "-term-" sprintf("%03d", k)
        site[i] = path[s]
        printf "%s,%s会议终端%d,10.216.%d.%d,codec,%s\n", id[i], sname[s], k, int(i / 250), i % 250 + 1, site[i] > inv
        if (site[i] == "guizhou/province" && k <= 3) prov = prov (prov ? ", " : "") id[i]
        if (site[i] ~ /^guizhou\/guiyang\/(nanming|yunyan)$/ && k == 1) gy = gy (gy ? ", " : "") id[i]
        if (index(site[i], "guizhou/zunyi/") == 1) zunyi++
    }
    zk = zunyi - int(zunyi / 60) - 1
    sys = dir "/systems.yaml"
    print "systems:" > sys
    print "  prov-conf: { name: 省级视频会议主会场, severity: emergency, rule: all, members: [ " prov " ] }" > sys
    print "  guiyang-pair: { name: 贵阳市会议终端（主备）, severity: important, rule: any, members: [ " gy " ] }" > sys
    printf "  zunyi-k: { name: 遵义市全市会场, severity: important, rule: k_of_n, k: %d, members: [ \"site:guizhou/zunyi\" ] }\n", zk > sys

    # 49 maintenance windows written here, one (index 0) by probectl.
    wscope[0] = "site"; wwhat[0] = cli_site; wstart[0] = cli_s; wend[0] = cli_e
    nw = 50
    mfile = dir "/maintenance.sql"
    for (w = 1; w < nw; w++) {
        m = w % 5
        if (w == nw - 1) { wscope[w] = "system"; wwhat[w] = "zunyi-k" }
        else if (m == 0) { wscope[w] = "site"; wwhat[w] = cities[rnd(nc)] }
        else if (m <= 2) { wscope[w] = "site"; wwhat[w] = path[rnd(ns_)] }
        else { wscope[w] = "target"; wwhat[w] = id[rnd(n)] }
        wstart[w] = ms + rnd(L - 4 * 3600); wstart[w] -= wstart[w] % 60
        wend[w] = wstart[w] + 1800 + 60 * rnd(211)
        wremoved[w] = w == 25
        printf "INSERT INTO maintenance (start_ns, end_ns, scope, what, reason, created_ns, created_by, removed_ns, removed_by) VALUES (%s, %s, \047%s\047, %s, %s, %s, \047bench\047, %s, %s);\n", ns(wstart[w]), ns(wend[w]), wscope[w], q(wwhat[w]), q("计划维护 " w), ns(ms - 86400), wremoved[w] ? ns(ms + 86400) : "NULL", wremoved[w] ? "\047bench\047" : "NULL" > mfile
    }

    slot = int(L / k_out)
    for (i = 0; i < n; i++) {
        ncov = 0
        for (w = 0; w < nw; w++) if (covers(w, i)) cov[ncov++] = w
        tr(t0 + 10, "UNKNOWN", "UP", "")
        for (k = 0; k < k_out; k++) {
            if (k == k_out - 1 && i % 50 == 7) {
                # over midnight at the end of the month
                r1 = 60 + rnd(1741); s = me - r1; len = r1 + 60 + rnd(3541)
            } else {
                s = ms + k * slot + rnd(slot - 5460); len = 60 + rnd(5341)
            }
            e = s + len
            why = (k % 3 == 2) ? "port 5060: Connection refused" : "port 5060: no answer within 2000 ms"
            tr(s, "UP", "DOWN", why)
            if (k == 3 && i % 100 == 13) {
                # a gap inside the outage (DOWN, UNKNOWN, DOWN): one outage
                a = s + int(len / 3); b = s + int(2 * len / 3)
                tr(a, "DOWN", "UNKNOWN", "port 5060: Too many open files")
                tr(b, "UNKNOWN", "DOWN", why)
                down += down_in_month(s, a) + down_in_month(b, e)
                gaps++
            } else {
                down += down_in_month(s, e)
            }
            tr(e, "DOWN", "UP", "")
            if (e > me) crossing++
            outages++
            hit = 0; inside = 0
            for (x = 0; x < ncov; x++) {
                w = cov[x]
                if (wstart[w] < e && wend[w] > s) hit = 1
                if (wstart[w] <= s && wend[w] >= e) inside = 1
            }
            overlap += hit; wholly += inside
        }
    }
    ex = dir "/expect.txt"
    printf "outages=%d\noverlap=%d\nwholly=%d\ndown_s=%d\nrows=%d\ncrossing=%d\ngaps=%d\nzunyi=%d\nzunyi_k=%d\n", outages, overlap, wholly, down, rows, crossing, gaps, zunyi, zk > ex
}'

declare -A EX
while IFS='=' read -r key value; do
    EX[$key]=$value
done <"$WORK/expect.txt"

cat >"$CFG" <<EOF
data_dir: ./data
timezone: $TZNAME
log: { level: warning }
sla:
  coverage_min: 99
  default_severity: general
  severities:
    emergency: { availability_min: 99.5, mtbf_min: 360h, mttr_max: 60m,
                 resolved: [ { share: 95, within: 30m }, { share: 90, within: 60m } ] }
    important: { availability_min: 99, mtbf_min: 240h, mttr_max: 25m }
    general:   { availability_min: 95, mttr_max: 15m }
templates:
  codec:
    severity: emergency
    checks:
      - { id: sip, type: tcp, port: 5060, interval: 10s, timeout: 2s, availability: true }
inventory: [ "inventory.csv" ]
EOF
cat "$WORK/systems.yaml" >>"$CFG"

pctl check-config >/dev/null 2>"$BENCH_LOG" || die "check-config failed"
# Opening the store read-write creates it with the current schema.
pctl maintenance add --start "$MONTH-10 01:00" --end "$MONTH-10 03:00" --site "$CLI_SITE" \
    --reason "汇聚交换机割接" >/dev/null 2>"$BENCH_LOG" || die "maintenance add failed"
DB=$WORK/data/probed.db
[ -f "$DB" ] || die "probectl did not create $DB"

{
    echo "PRAGMA synchronous = OFF;"
    echo "BEGIN;"
    echo "INSERT INTO runs (id, started_ns, last_heartbeat_ns, stopped_ns, end_ns, end_reason, pid, host, version)" \
        "VALUES (1, $((MS - 3 * 86400))000000000, $((ME + 86400))000000000, $((ME + 86400))000000000," \
        "$((ME + 86400))000000000, 'stopped', 4242, 'bench', 'bench');"
    awk -F, -v added="$((MS - 3 * 86400))000000000" 'NR > 1 {
        if ((NR - 2) % 500 == 0)
            printf "%sINSERT INTO targets (id, name, address, type, site, added_ns) VALUES\n", (NR > 2 ? ";\n" : "")
        else
            printf ",\n"
        printf "(\047%s\047, \047%s\047, \047%s\047, \047%s\047, \047%s\047, %s)", $1, $2, $3, $4, $5, added
    } END { print ";" }' "$WORK/inventory.csv"
    sort -s -n -k1,1 "$WORK/transitions.tsv" | awk -F'\t' '{
        if ((NR - 1) % 500 == 0)
            printf "%sINSERT INTO transitions (run_id, target_id, check_id, at_ns, detected_ns, from_state, to_state, reason) VALUES\n", (NR > 1 ? ";\n" : "")
        else
            printf ",\n"
        printf "%s", $2
    } END { print ";" }'
    cat "$WORK/maintenance.sql"
    echo "COMMIT;"
    echo "PRAGMA wal_checkpoint(TRUNCATE);"
} >"$WORK/load.sql"
sqlite3 "$DB" <"$WORK/load.sql" >/dev/null 2>"$BENCH_LOG" || die "loading the store failed"
rm -f "$WORK/load.sql" "$WORK/transitions.tsv"
stored=$(sqlite3 "$DB" "SELECT count(*) FROM transitions")
[ "$stored" = "${EX[rows]}" ] || die "store holds $stored transitions, generated ${EX[rows]}"
t_gen=$((($(date +%s%N) - t_gen) / 1000000))
echo "report: store ready in $t_gen ms: ${EX[rows]} transitions ($((EX[rows] / 2)) of the targets themselves), $(sqlite3 "$DB" "SELECT count(*) FROM maintenance") maintenance windows, $(($(stat -c %s "$DB") / 1048576)) MiB" >&2

pctl maintenance list --format csv >"$WORK/maintenance.csv" 2>"$BENCH_LOG" ||
    die "maintenance list failed"

# The reference: each target's DOWN time in the month, nothing else.
# NOT INDEXED: the planner would walk the (target, check, time) index
# and fetch every row from a table kept in time order, twice as slow as
# reading the table once and sorting; the reference is the faster way.
cat >"$WORK/down.sql" <<EOF
SELECT target_id, sum(max(0, min(coalesce(next_ns, $((ME))000000000), $((ME))000000000)
                             - max(at_ns, $((MS))000000000))) / 1000000000
FROM (SELECT target_id, at_ns, to_state,
             lead(at_ns) OVER (PARTITION BY target_id ORDER BY at_ns, id) AS next_ns
      FROM transitions NOT INDEXED WHERE check_id = '')
WHERE to_state = 'DOWN' GROUP BY target_id;
EOF

# The rows of the table, each with its output file.
ROWS=(table csv json html xlsx export files sqlite)
declare -A FILE=(
    [table]=$OUT/report.txt [csv]=$OUT/report.csv [json]=$OUT/report.json
    [html]=$OUT/report.html [xlsx]=$OUT/report.xlsx [export]=$OUT/events.csv
    [files]=$OUT/files.json [sqlite]=$OUT/down.txt
)
to_stdout() { [ "$1" = table ] || [ "$1" = export ] || [ "$1" = sqlite ]; }

# command_of ROW: sets CMDV to the row's command.
command_of() {
    local report=("$PROBECTL" -c "$CFG" report --month "$MONTH" -q)
    case $1 in
    table) CMDV=("${report[@]}" --format table) ;;
    csv | json | html | xlsx) CMDV=("${report[@]}" -o "${FILE[$1]}") ;;
    export) CMDV=("$PROBECTL" -c "$CFG" events export --month "$MONTH") ;;
    files) CMDV=("${report[@]}" --events "${FILE[export]}" --maintenance "$WORK/maintenance.csv"
        -o "${FILE[files]}") ;;
    sqlite) CMDV=(sqlite3 -readonly "$DB" ".read $WORK/down.sql") ;;
    *) return 1 ;;
    esac
}

# run_once ROW: one timed run; prints "wall_us rss_kib cpu_us" (cpu: user
# + system, which other work on the machine disturbs less than the wall),
# or fails with the command's error in $BENCH_LOG.
run_once() {
    local row=$1 out=/dev/null t0 t1
    command_of "$row"
    to_stdout "$row" && out=${FILE[$row]}
    if [ "$MEASURE" = gnu ]; then
        t0=$(date +%s%N)
        /usr/bin/time -f '%M %U %S' -o "$WORK/rss" "${CMDV[@]}" >"$out" 2>"$BENCH_LOG" ||
            return 1
        t1=$(date +%s%N)
        tail -n 1 "$WORK/rss" | awk -v w=$(((t1 - t0) / 1000)) '{ printf "%d %d %d\n", w, $1, ($2 + $3) * 1e6 }'
    else
        python3 - "$out" "${CMDV[@]}" 2>"$BENCH_LOG" <<'PY' || return 1
import os, subprocess, sys, time
# wait4: this child's own usage (RUSAGE_CHILDREN would also hold what a
# launcher such as pyenv's shim ran before it exec'd python)
with open(sys.argv[1], "wb") as out:
    t0 = time.monotonic_ns()
    child = subprocess.Popen(sys.argv[2:], stdout=out)
    _, status, ru = os.wait4(child.pid, 0)
    t1 = time.monotonic_ns()
if os.waitstatus_to_exitcode(status) != 0:
    sys.exit(1)
print((t1 - t0) // 1000, ru.ru_maxrss, int((ru.ru_utime + ru.ru_stime) * 1e6))
PY
    fi
}

# Warm the page cache: every run then reads the store from memory.
cat "$DB" "$DB-wal" >/dev/null 2>&1 || true
declare -A WALL RSS CPU SIZE FAILED
load0=$(cut -d ' ' -f 1-3 /proc/loadavg)
for row in "${ROWS[@]}"; do
    : >"$WORK/runs.$row"
    for ((r = 0; r < RUNS; r++)); do
        run_once "$row" >>"$WORK/runs.$row" && continue
        # The checks need the first four; the others are shown as failed.
        case $row in
        table | csv | json | html) die "$row failed: ${CMDV[*]}" ;;
        esac
        FAILED[$row]=$(head -n 1 "$BENCH_LOG")
        echo "report: $row FAILED: ${CMDV[*]}: ${FAILED[$row]}" >&2
        break
    done
    [ -z "${FAILED[$row]:-}" ] || continue
    # medians, each column on its own
    WALL[$row]=$(sort -n -k1,1 "$WORK/runs.$row" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    RSS[$row]=$(sort -n -k2,2 "$WORK/runs.$row" | awk '{ v[NR] = $2 } END { print v[int((NR + 1) / 2)] }')
    CPU[$row]=$(sort -n -k3,3 "$WORK/runs.$row" | awk '{ v[NR] = $3 } END { print v[int((NR + 1) / 2)] }')
    SIZE[$row]=$(stat -c %s "${FILE[$row]}")
    echo "report: $row: $(awk '{ printf "%s%.3f s (cpu %.3f)/%.1f MiB", (NR > 1 ? ", " : ""), $1 / 1e6, $3 / 1e6, $2 / 1024 }' "$WORK/runs.$row")" >&2
done

# Are the figures worth anything? The same month from the store and from
# the exported files, the digests, and what the generator put in.
fail=0
check() {
    if [ "$2" = ok ]; then
        echo "report: check: $1: ok" >&2
    else
        echo "report: check: $1: FAILED ($2)" >&2
        fail=1
    fi
}
J=${FILE[json]}
got=$(jq '.summary.targets' "$J")
check "summary.targets = $TARGETS" "$([ "$got" = "$TARGETS" ] && echo ok || echo "got $got")"
got=$(jq '.summary.outages' "$J")
check "summary.outages = ${EX[outages]}" "$([ "$got" = "${EX[outages]}" ] && echo ok || echo "got $got")"
failures=$(jq '.summary.failures' "$J")
lo=$((EX[outages] - EX[overlap]))
hi=$((EX[outages] - EX[wholly]))
check "summary.failures $failures in $lo..$hi (outages less those touching maintenance .. wholly inside one window)" \
    "$([ "$failures" -ge "$lo" ] && [ "$failures" -le "$hi" ] && echo ok || echo out of range)"
got=$(jq '[.targets[].outages[] | select(.ongoing)] | length' "$J")
check "no outage ongoing (every one ended within a day after the month)" \
    "$([ "$got" = 0 ] && echo ok || echo "$got ongoing")"
got=$(jq '[.targets[].outages[] | select(.begins_in_month and (.ends_in_month | not))] | length' "$J")
check "${EX[crossing]} outages cross the end of the month" "$([ "$got" = "${EX[crossing]}" ] && echo ok || echo "got $got")"
got=$(jq '[.targets[].outages[] | select(.unobserved_s > 0)] | length' "$J")
check "${EX[gaps]} outages with a gap (DOWN, UNKNOWN, DOWN), each one outage" \
    "$([ "$got" = "${EX[gaps]}" ] && echo ok || echo "got $got")"
got=$(jq '.provisional' "$J")
check "not provisional" "$([ "$got" = false ] && echo ok || echo "provisional: $got")"
got=$(jq -r '[.systems[] | .id + ":" + .rule + ":" + (.members | length | tostring)] | join(" ")' "$J")
check "3 systems ($got)" "$([ "$(jq '.systems | length' "$J")" = 3 ] && echo ok || echo "got $got")"
got=$(($(wc -l <"${FILE[table]}") - 1))
check "table has a line per target and system ($got)" \
    "$([ "$got" = $((TARGETS + 3)) ] && echo ok || echo "expected $((TARGETS + 3))")"
for f in csv json html; do
    if pctl report verify "${FILE[$f]}" >/dev/null 2>"$BENCH_LOG"; then
        check "report verify $f" ok
    else
        check "report verify $f" "$(grep . "$BENCH_LOG" | tail -n 1)"
    fi
done
check "xlsx is a zip file" "$([ -z "${FAILED[xlsx]:-}" ] && [ "$(head -c 2 "${FILE[xlsx]}")" = PK ] && echo ok || echo "no xlsx")"
strip='del(.source, .generated, .sha256)'
if [ -n "${FAILED[files]:-}" ]; then
    check "report from the exported files = report from the store" "no report from the files"
elif cmp -s <(jq -S "$strip" "$J") <(jq -S "$strip" "${FILE[files]}"); then
    check "report from the exported files = report from the store" ok
else
    check "report from the exported files = report from the store" \
        "$(diff <(jq -S "$strip" "$J") <(jq -S "$strip" "${FILE[files]}") | head -n 4 | tr '\n' ' ')"
fi
ref_down=$(awk -F'|' '{ s += $2 } END { printf "%d", s }' "${FILE[sqlite]}" 2>/dev/null || echo 0)
check "sqlite3 DOWN sum = generated DOWN time, ${EX[down_s]} s" \
    "$([ "$ref_down" = "${EX[down_s]}" ] && echo ok || echo "sqlite3 says $ref_down")"
rep_down=$(jq '[.targets[].figures.downtime_s] | add' "$J")
check "report downtime $rep_down s <= DOWN sum (maintenance removes some)" \
    "$([ "$rep_down" -le "$ref_down" ] && [ "$rep_down" -gt $((ref_down * 9 / 10)) ] && echo ok || echo "DOWN sum $ref_down")"

if [ -n "$PERF_ROW" ]; then
    command_of "$PERF_ROW" || die "PD_BENCH_PERF: one of ${ROWS[*]}"
    command -v perf >/dev/null 2>&1 || die "perf missing (package linux-perf)"
    # DWARF unwinding: a release build keeps no frame pointers, and the
    # inclusive view (who calls the libc and SQLite time) is the useful one.
    perf record -q --call-graph dwarf -F 1000 -o "$WORK/perf.data" -- "${CMDV[@]}" \
        >/dev/null 2>"$BENCH_LOG" || die "perf record failed"
    echo "report: perf, $PERF_ROW, self time:" >&2
    perf report -i "$WORK/perf.data" --no-children --stdio --sort dso,symbol 2>/dev/null |
        grep -E '^ +[0-9.]+%' | head -n 15 >&2 || true
    echo "report: perf, $PERF_ROW, with callees (children, self):" >&2
    perf report -i "$WORK/perf.data" --children --stdio --sort symbol 2>/dev/null |
        grep -E '^ +[0-9.]+%' | grep -v ' 0x0000' | head -n 40 >&2 || true
fi

mib() { awk -v b="$1" 'BEGIN { if (b >= 1048576) printf "%.1f MiB", b / 1048576; else printf "%.0f KiB", b / 1024 }'; }
label() {
    case $1 in
    table) echo "report, terminal table" ;;
    export) echo "events export (CSV)" ;;
    files) echo "report from the export, JSON" ;;
    sqlite) echo "sqlite3: DOWN time per target (reference)" ;;
    *) echo "report, $1" ;;
    esac
}
echo
echo "probectl report, $TARGETS targets x $OUTAGES outages, $MONTH; median of $RUNS runs;" \
    "load average $load0 before, $(cut -d ' ' -f 1-3 /proc/loadavg) after"
echo
echo "| run | wall | CPU (user + sys) | peak RSS | output | wall / sqlite3's | aim: < 2 s, < 200 MiB |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for row in "${ROWS[@]}"; do
    if [ -n "${FAILED[$row]:-}" ]; then
        printf "| %s | failed: %s | | | | | |\n" "$(label "$row")" "${FAILED[$row]//|/ }"
        continue
    fi
    aim="–"
    if [ "$row" = csv ] || [ "$row" = json ] || [ "$row" = files ]; then
        aim=$([ "${WALL[$row]}" -lt $((AIM_MS * 1000)) ] && [ "${RSS[$row]}" -lt "$AIM_KIB" ] && echo met || echo "**not met**")
    fi
    ratio=$(awk -v a="${WALL[$row]}" -v b="${WALL[sqlite]:-0}" 'BEGIN { if (b > 0) printf "%.1f×", a / b; else printf "–" }')
    printf "| %s | %.3f s | %.3f s | %.1f MiB | %s | %s | %s |\n" "$(label "$row")" \
        "$(awk -v u="${WALL[$row]}" 'BEGIN { print u / 1e6 }')" \
        "$(awk -v u="${CPU[$row]}" 'BEGIN { print u / 1e6 }')" \
        "$(awk -v k="${RSS[$row]}" 'BEGIN { print k / 1024 }')" "$(mib "${SIZE[$row]}")" "$ratio" "$aim"
done
echo
echo "store: ${EX[rows]} transitions, $((TARGETS * (2 * OUTAGES + 1))) + $((EX[gaps] * 2)) of the targets themselves; failures $failures, outages ${EX[outages]}, DOWN $ref_down s, counted downtime $rep_down s"
[ "$fail" = 0 ] || die "a sanity check failed: the figures above are not to be trusted"
