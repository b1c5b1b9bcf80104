#!/bin/bash
# probed's snmp check and collectd's snmp plugin polling the same agents
# and OIDs every 10 s, one after the other in the same lab and the same run.
# See bench/README.md.
#
#   sudo bench/snmp.sh BUILD_DIR
#
# Two network namespaces: the prober's, and an agent namespace where an
# AnyIP route makes every address of 10.214.0.0/16 local and net-snmp's
# snmpd answers on all of them: agent i is 10.214.(i / 250).(i % 250 + 1).
# Nothing leaves them. Two kinds of polls (PD_BENCH_MODE):
#  - walk (the default): each agent's interfaces table, walked every round
#    with GETBULK: probed's `interfaces` collection (13 columns of ifTable
#    and ifXTable), collectd's snmp plugin with `Table true` over the same
#    counter and status columns in one Data block (it takes ifName for the
#    instance; it has no use for ifDescr and ifAlias). Both ask for the
#    table's rows and one more in one GETBULK (probed's max_repetitions;
#    collectd's BulkSize counts varbinds, so 11 columns times that), so
#    one request a poll each;
#  - get: each agent is asked, in one GET per round, for five columns of
#    the interfaces table (ifHCInOctets, ifHCOutOctets, ifInErrors,
#    ifOutErrors, ifOperStatus) of each of its interfaces, as explicit
#    instances.
# For each size of PD_BENCH_AGENTS:
# probed alone, then collectd alone, on the same agents. snmpd's own
# counter of varbinds served (snmpInTotalReqVars.0) counts each window's.
# Environment: PD_BENCH_MODE (walk), PD_BENCH_AGENTS ("100 500 1000"),
# PD_BENCH_WARMUP (20 s; probed's also lasts until every RRD file exists),
# PD_BENCH_WINDOW (120 s), PD_BENCH_SNMPD (1: snmpd processes, more than
# one each on its share of the addresses), PD_BENCH_VETH (2: veth pairs in
# the agent namespace, so 2 + 2 x this interfaces, at most 6 of them
# polled), PD_BENCH_COLLECTD_WRITE (csv; rrdtool: RRD files as probed
# writes them; none: no write plugin),
# PD_BENCH_PERF (a number of agents: profile each tool with perf for 30 s
# after its window there) for PD_BENCH_PERF_SECONDS (30),
# PD_BENCH_WRITE_DELAY (probed's storage.rrd.write_delay and collectd's
# CacheTimeout with PD_BENCH_COLLECTD_WRITE=rrdtool; 60, probed's
# default), PD_BENCH_TOOLS
# ("probed collectd": the tools to run, in order), PD_KEEP=1 keeps the work directory (data included).
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

MODE=${PD_BENCH_MODE:-walk}
TIERS=${PD_BENCH_AGENTS-100 500 1000}
WARMUP=${PD_BENCH_WARMUP:-20}
WINDOW=${PD_BENCH_WINDOW:-120}
SNMPDS=${PD_BENCH_SNMPD:-1}
VETHS=${PD_BENCH_VETH:-2}
CD_WRITE=${PD_BENCH_COLLECTD_WRITE:-csv}
PERF_AT=${PD_BENCH_PERF:-}
PERF_SECONDS=${PD_BENCH_PERF_SECONDS:-30}
TOOLS=${PD_BENCH_TOOLS:-probed collectd}
WRITE_DELAY=${PD_BENCH_WRITE_DELAY:-60}
INTERVAL=10
TIMEOUT=4 # probed's round: 2 tries of 2 s; collectd's Timeout 2, Retries 1
COMMUNITY=pd-bench
MAX_IFACES=6 # 5 columns x 6 = 30 OIDs; probed takes 32 custom OIDs a check
COLUMNS=(
    in:1.3.6.1.2.1.31.1.1.1.6:counter64
    out:1.3.6.1.2.1.31.1.1.1.10:counter64
    inerr:1.3.6.1.2.1.2.2.1.14:counter32
    outerr:1.3.6.1.2.1.2.2.1.20:counter32
    oper:1.3.6.1.2.1.2.2.1.8:gauge
)
IN_REQ_VARS=1.3.6.1.2.1.11.13.0 # snmpInTotalReqVars: varbinds a GET answered

bench_build --root "${1:-}" probed plugins/snmp.so
# shellcheck disable=SC2086 # the lists are words
largest=$(bench_largest PD_BENCH_AGENTS agents 20000 $TIERS)
bench_tools "$TOOLS" probed collectd
if [ "$WARMUP" -lt 5 ] || [ "$WINDOW" -lt 20 ]; then
    die "PD_BENCH_WARMUP: at least 5 s; PD_BENCH_WINDOW: at least 20 s"
fi
case $SNMPDS in
'' | *[!0-9]*) die "PD_BENCH_SNMPD: a number of snmpd processes" ;;
esac
if [ "$SNMPDS" -lt 1 ] || [ "$SNMPDS" -gt 16 ] || [ "$SNMPDS" -gt "$largest" ]; then
    die "PD_BENCH_SNMPD: 1..16, and at most the largest number of agents"
fi
case $VETHS in
'' | *[!0-9]*) die "PD_BENCH_VETH: a number of veth pairs" ;;
esac
[ "$VETHS" -le 8 ] || die "PD_BENCH_VETH: at most 8"
case $CD_WRITE in
csv | rrdtool | none) ;;
*) die "PD_BENCH_COLLECTD_WRITE: csv, rrdtool or none" ;;
esac
case $MODE in
walk | get) ;;
*) die "PD_BENCH_MODE: walk or get" ;;
esac

# The peer tool and the agent: Debian packages, installed for the bench only.
need=()
[ -x /usr/sbin/collectd ] && [ -e /usr/lib/collectd/snmp.so ] || need+=(collectd-core)
command -v snmpd >/dev/null 2>&1 || need+=(snmpd)
command -v snmpget >/dev/null 2>&1 || need+=(snmp)
if [ -n "$PERF_AT" ] && ! command -v perf >/dev/null 2>&1; then
    need+=(linux-perf)
fi
for c in ip sqlite3 awk; do
    command -v "$c" >/dev/null 2>&1 || die "needs '$c'"
done
bench_install "${need[@]}"
COLLECTD=/usr/sbin/collectd
SNMPD=$(command -v snmpd)

bench_init snmp "pds-$$"
bench_lab 10.216.0 10.214
# More interfaces for the agents' tables: veth pairs inside the namespace.
for ((i = 0; i < VETHS; i++)); do
    ip -n "$T_NS" link add "va$i" type veth peer name "vb$i"
    ip -n "$T_NS" link set "va$i" up
    ip -n "$T_NS" link set "vb$i" up
done

agent() {
    echo "10.214.$(($1 / 250)).$(($1 % 250 + 1))"
}

# A net-snmp tool in the prober's namespace, reading no configuration or
# MIB file and keeping its files in the work directory.
mkdir -p "$WORK/snmp-client"
snmp_tool() {
    ip netns exec "$P_NS" env MIBS= SNMPCONFPATH="$WORK/snmp-client" \
        SNMP_PERSISTENT_DIR="$WORK/snmp-client" "$@"
}

# The agents: SNMPDS snmpd processes in the agent namespace. One listens on
# UDP port 161 of every address (the AnyIP route makes them all local and
# it answers from the address asked); with more, snmpd k takes the agents
# i with i % SNMPDS = k, one socket each. -C -c: only our configuration
# and our persistent file; -m '': no MIB files.
SNMPD_PIDS=()
for ((k = 0; k < SNMPDS; k++)); do
    dir="$WORK/snmpd-$k"
    mkdir -p "$dir/persist"
    : >"$dir/persist/snmpd.conf"
    {
        echo "view all included .1"
        echo "rocommunity $COMMUNITY default -V all"
        echo "dontLogTCPWrappersConnects yes"
        if [ "$SNMPDS" -eq 1 ]; then
            echo "agentaddress udp:161"
        else
            for ((i = k; i < largest; i += SNMPDS * 50)); do
                line=""
                for ((j = i; j < largest && j < i + SNMPDS * 50; j += SNMPDS)); do
                    line="$line${line:+,}udp:$(agent "$j"):161"
                done
                echo "agentaddress $line"
            done
        fi
    } >"$dir/snmpd.conf"
    # What it says before its log is open goes to the same file.
    # shellcheck disable=SC2094
    ip netns exec "$T_NS" env SNMP_PERSISTENT_DIR="$dir/persist" \
        "$SNMPD" -f -Lf "$dir/snmpd.log" -m '' -C -c "$dir/snmpd.conf,$dir/persist/snmpd.conf" \
        -p "$dir/snmpd.pid" >>"$dir/snmpd.log" 2>&1 &
    SNMPD_PIDS+=($!)
    BENCH_PIDS+=($!)
done
BENCH_LOG="$WORK/snmpd-0/snmpd.log"
for ((k = 0; k < SNMPDS; k++)); do
    for ((i = 0; i < 50; i++)); do
        snmp_tool snmpget -v2c -c "$COMMUNITY" -t 0.2 -r 0 "$(agent "$k")" \
            .1.3.6.1.2.1.1.3.0 >/dev/null 2>&1 && break
        running "${SNMPD_PIDS[k]}" || die "snmpd $k exited"
        sleep 0.1
    done
    [ "$i" -lt 50 ] || die "snmpd $k does not answer at $(agent "$k")"
    if grep -Eq ': line [0-9]+: ' "$WORK/snmpd-$k/snmpd.log"; then
        die "snmpd $k: errors in its configuration"
    fi
done
last=$((largest - 1))
snmp_tool snmpget -v2c -c "$COMMUNITY" -t 1 -r 1 "$(agent "$last")" .1.3.6.1.2.1.1.3.0 >/dev/null ||
    die "no agent answers at $(agent "$last")"

# The agents' interfaces (all the same snmpd), found once; the OIDs every
# agent is asked for.
mapfile -t IFACES < <(snmp_tool snmpwalk -v2c -c "$COMMUNITY" -On -Oqv "$(agent 0)" \
    1.3.6.1.2.1.2.2.1.1 | head -n "$MAX_IFACES")
[ ${#IFACES[@]} -ge 2 ] || die "the agent lists fewer than 2 interfaces"
OIDS=()
P_OIDS=""
TYPES_DS=""
for ifx in "${IFACES[@]}"; do
    for col in "${COLUMNS[@]}"; do
        IFS=: read -r name base kind <<<"$col"
        OIDS+=("$base.$ifx")
        P_OIDS="$P_OIDS${P_OIDS:+,}${name}_$ifx=$base.$ifx:$kind"
        if [ "$kind" = gauge ]; then
            TYPES_DS="$TYPES_DS${TYPES_DS:+, }${name}_$ifx:GAUGE:U:U"
        else
            TYPES_DS="$TYPES_DS${TYPES_DS:+, }${name}_$ifx:COUNTER:0:U"
        fi
    done
done
N_OIDS=${#OIDS[@]}
answer=$(snmp_tool snmpget -v2c -c "$COMMUNITY" -On "$(agent 0)" "${OIDS[@]}") ||
    die "the agent does not answer the GET of its ${N_OIDS} OIDs"
if grep -q 'No Such' <<<"$answer"; then
    die "the agent lacks some of the OIDs: $answer"
fi
ROWS=$(snmp_tool snmpwalk -v2c -c "$COMMUNITY" -On -Oqv "$(agent 0)" 1.3.6.1.2.1.2.2.1.1 | wc -l)
BULK=$((ROWS + 1))
if [ "$MODE" = walk ]; then
    echo "snmp: $SNMPDS snmpd; the interfaces table, $ROWS rows, walked with GETBULK of $BULK rows" >&2
else
    echo "snmp: $SNMPDS snmpd; interfaces ${IFACES[*]}: $N_OIDS OIDs per agent" >&2
fi

bench_inventory "$WORK/inventory.csv" "$largest" agent 交换机 agent 10.214
RESULTS="$WORK/results"
: >"$RESULTS"
hz=$(getconf CLK_TCK)

# The run time of one thread (the main one: probed's loop), in ns.
thread_ns() {
    awk '{ print $1 }' "/proc/$1/task/$1/schedstat"
}

snmpd_switches() {
    local p t=0
    for p in "${SNMPD_PIDS[@]}"; do
        t=$((t + $(switches "$p")))
    done
    echo "$t"
}

snmpd_ns() {
    local p t=0
    for p in "${SNMPD_PIDS[@]}"; do
        running "$p" || die "snmpd $p exited"
        t=$((t + $(cpu_ns "$p")))
    done
    echo "$t"
}

# Context switches of every thread of a process so far: each is a wake-up
# (or a preemption), which costs the more on an idle machine.
switches() {
    cat "/proc/$1"/task/*/status 2>/dev/null |
        awk '/^(non)?voluntary_ctxt_switches:/ { s += $2 } END { print s + 0 }'
}

# Varbinds every snmpd has answered to GETs so far, summed (our own reads
# of the counter, one varbind each, are taken out by the caller).
served() {
    local k v t=0
    for ((k = 0; k < SNMPDS; k++)); do
        v=$(snmp_tool snmpget -v2c -c "$COMMUNITY" -t 1 -r 3 -Oqv "$(agent "$k")" "$IN_REQ_VARS") ||
            die "cannot read snmpInTotalReqVars from snmpd $k"
        t=$((t + v))
    done
    echo "$t"
}

# measure NAME PID: the window of a poller already warmed up: its
# "key=value ..." figures in MEASURED, its ends (ns) in W_T0 and W_T1.
measure() {
    local name=$1 pid=$2 p=/proc/$2
    local t0 cpu0 tk0 loop0 d0 v0 m0 s0 a0 t1 cpu1 tk1 loop1 d1 v1 m1 s1 a1 hwm
    t0=$(date +%s%N)
    s0=$(switches "$pid")
    cpu0=$(cpu_ns "$pid")
    tk0=$(cpu_ticks "$pid")
    loop0=$(thread_ns "$pid")
    d0=$(snmpd_ns)
    a0=$(snmpd_switches)
    v0=$(served)
    m0=$(machine_ticks)
    alive_for "$pid" "$WINDOW" || die "$name exited during the window"
    t1=$(date +%s%N)
    cpu1=$(cpu_ns "$pid")
    tk1=$(cpu_ticks "$pid")
    loop1=$(thread_ns "$pid")
    s1=$(switches "$pid")
    d1=$(snmpd_ns)
    a1=$(snmpd_switches)
    v1=$(served)
    m1=$(machine_ticks)
    hwm=$(hwm_kib "$p")
    W_T0=$t0
    W_T1=$t1
    MEASURED="t0=$t0 t1=$t1 cpu=$((cpu1 - cpu0)) ticks=$((tk1 - tk0)) loop=$((loop1 - loop0))"
    MEASURED="$MEASURED snmpd=$((d1 - d0)) snmpd_switches=$((a1 - a0))"
    MEASURED="$MEASURED varbinds=$((v1 - v0 - SNMPDS)) hwm=$hwm switches=$((s1 - s0))"
    MEASURED="$MEASURED busy=$((${m1% *} - ${m0% *})) total=$((${m1#* } - ${m0#* }))"
}

run_probed() {
    local n=$1
    local dir="$WORK/probed-$n" keep=$((WARMUP + WINDOW + PERF_SECONDS + 600)) i files
    mkdir -p "$dir"
    head -n $((n + 1)) "$WORK/inventory.csv" >"$dir/inventory.csv"
    cat >"$dir/probed.yaml" <<EOF
data_dir: ./data
timezone: Asia/Shanghai
log: { level: info }
storage: { heartbeat: 60s }
secrets: secrets.yaml
rrd: { rras: [ { step: 1x, keep: ${keep}s } ], write_delay: ${WRITE_DELAY}s }
plugins: { snmp: { profiles: { bench: { version: 2c, retries: 1 } } } }
templates:
  agent:
    checks:
      - { id: ifaces, type: snmp, profile: bench, interval: ${INTERVAL}s, timeout: ${TIMEOUT}s,
          $(if [ "$MODE" = walk ]; then
        echo "collections: interfaces, max_repetitions: $BULK }"
    else
        echo "collections: none, oids: \"$P_OIDS\" }"
    fi)
inventory: [ "inventory.csv" ]
EOF
    (
        umask 077
        printf 'snmp:\n  bench: { community: %s }\n' "$COMMUNITY" >"$dir/secrets.yaml"
    )
    local log="$dir/probed.log"
    BENCH_LOG=$log
    echo "snmp: probed, $n agents: warm-up ${WARMUP}s or more, window ${WINDOW}s" >&2
    local start
    start=$(date +%s%N)
    ip netns exec "$P_NS" "$BUILD/probed" -c "$dir/probed.yaml" -f 2>"$log" &
    PROBED_PID=$!
    probed_warm_up "$dir" "$n" 120
    local warm=$((($(date +%s%N) - start) / 1000000000))
    measure probed "$PROBED_PID"
    if [ "$PERF_AT" = "$n" ]; then
        perf_run probed "$PROBED_PID"
    fi
    stop_pid "$PROBED_PID" 120
    PROBED_PID=""
    # The plugin's counts at the stop (whole run), as key=value pairs.
    local counts
    counts=$(awk '
        / snmp: [0-9]+ requests, / { line = $0 }
        END {
            if (line == "") exit
            n = split("requests answers timeouts security unreachable dropped queued", k, " ")
            split("requests|answers|timeouts|security errors|port unreachable|datagrams dropped|rounds queued", w, "|")
            for (i = 1; i <= n; i++)
                if (match(line, "[0-9]+ " w[i])) {
                    t = substr(line, RSTART, RLENGTH)
                    sub(/ .*/, "", t)
                    printf " %s=%s", k[i], t
                }
        }' "$log")
    [ -n "$counts" ] || die "no snmp counts line in $log"
    local db="$dir/data/probed.db" skipped bad warn
    skipped=$(sqlite3 -batch -noheader "$db" "SELECT coalesce(sum(skipped), 0) FROM current_state")
    bad=$(sqlite3 -batch -noheader "$db" \
        "SELECT count(*) FROM transitions WHERE check_id = 'ifaces' AND to_state = 'DOWN'")
    warn=$(grep -c -E '^[-0-9]+ [0-9:.]+ (warning|error): ' "$log" || true)
    echo "probed n=$n warmup=$warm $MEASURED skipped=$skipped down=$bad warn=$warn$counts" >>"$RESULTS"
    [ "${PD_KEEP:-0}" = 1 ] || rm -rf "$dir/data"
}

# perf_run NAME PID: a flat profile of the process for PERF_SECONDS, by
# thread and library, and by function.
perf_run() {
    local name=$1 pid=$2 data="$WORK/perf-$1.data"
    echo "snmp: perf record on $name, ${PERF_SECONDS}s" >&2
    if ! perf record -q -F 3999 -p "$pid" -o "$data" -- sleep "$PERF_SECONDS" >/dev/null 2>&1; then
        echo "snmp: perf record failed" >&2
        return 0
    fi
    {
        echo "$name (pid $pid), by thread and library:"
        perf report -i "$data" --sort pid,dso --stdio 2>/dev/null | grep -v -e '^#' -e '^$' | head -n 16
        echo "$name, all threads, by function:"
        perf report -i "$data" --sort dso,symbol --stdio 2>/dev/null | grep -v -e '^#' -e '^$' | head -n 40
        echo
    } >>"$WORK/perf-top.txt" || true
}

run_collectd() {
    local n=$1
    local dir="$WORK/collectd-$n"
    mkdir -p "$dir/snmp"
    {
        echo "pd_ifaces $TYPES_DS"
        printf 'pd_if in:COUNTER:0:U, out:COUNTER:0:U, inerr:COUNTER:0:U, outerr:COUNTER:0:U,'
        printf ' indisc:COUNTER:0:U, outdisc:COUNTER:0:U, admin:GAUGE:U:U, oper:GAUGE:U:U,'
        printf ' speed:GAUGE:U:U, discont:GAUGE:U:U\n'
    } >"$dir/types.db"
    # Not named collectd.conf: net-snmp reads <app>.conf from its own path.
    {
        cat <<EOF
Hostname "pd-bench"
FQDNLookup false
BaseDir "$dir"
PIDFile "$dir/collectd.pid"
PluginDir "/usr/lib/collectd"
TypesDB "/usr/share/collectd/types.db" "$dir/types.db"
Interval $INTERVAL
LoadPlugin logfile
<Plugin logfile>
  LogLevel info
  File "$dir/collectd.log"
  Timestamp true
</Plugin>
LoadPlugin snmp
EOF
        if [ "$CD_WRITE" = csv ]; then
            printf 'LoadPlugin csv\n<Plugin csv>\n  DataDir "%s/csv"\n</Plugin>\n' "$dir"
        elif [ "$CD_WRITE" = rrdtool ]; then
            # As probed stores: a file per interface, updates held back
            # as long as probed's (storage.rrd.write_delay), one short
            # archive of the poll's step (collectd adds MIN and MAX beside
            # AVERAGE).
            printf 'LoadPlugin rrdtool\n<Plugin rrdtool>\n  DataDir "%s/rrd"\n' "$dir"
            printf '  CacheTimeout %d\n  CacheFlush 900\n  WritesPerSecond 0\n' "$WRITE_DELAY"
            printf '  StepSize %d\n  RRARows %d\n  RRATimespan %d\n</Plugin>\n' "$INTERVAL" \
                $(((WARMUP + WINDOW + PERF_SECONDS + 600) / INTERVAL)) \
                $((WARMUP + WINDOW + PERF_SECONDS + 600))
        fi
        echo '<Plugin snmp>'
        if [ "$MODE" = walk ]; then
            # One Data block, so one walk an agent, as probed's.
            echo '  <Data "pd_if">'
            echo '    Type "pd_if"'
            echo '    Table true'
            echo '    TypeInstanceOID "1.3.6.1.2.1.31.1.1.1.1"'
            printf '    Values'
            printf ' "%s"' 1.3.6.1.2.1.31.1.1.1.6 1.3.6.1.2.1.31.1.1.1.10 1.3.6.1.2.1.2.2.1.14 \
                1.3.6.1.2.1.2.2.1.20 1.3.6.1.2.1.2.2.1.13 1.3.6.1.2.1.2.2.1.19 1.3.6.1.2.1.2.2.1.7 \
                1.3.6.1.2.1.2.2.1.8 1.3.6.1.2.1.31.1.1.1.15 1.3.6.1.2.1.31.1.1.1.19
            echo
            echo '  </Data>'
            collect='"pd_if"'
        else
            echo '  <Data "ifaces">'
            echo '    Type "pd_ifaces"'
            echo '    Table false'
            printf '    Values'
            printf ' "%s"' "${OIDS[@]}"
            echo
            echo '  </Data>'
            collect='"ifaces"'
        fi
        awk -v n="$n" -v c="$COMMUNITY" -v t=$((TIMEOUT / 2)) -v collect="$collect" \
            -v bulk="$([ "$MODE" = walk ] && echo $((BULK * 11)) || echo 0)" 'BEGIN {
            for (i = 0; i < n; i++) {
                printf "  <Host \"agent-%05d\">\n    Address \"10.214.%d.%d\"\n", i, int(i / 250), i % 250 + 1
                printf "    Version 2\n    Community \"%s\"\n    Collect %s\n", c, collect
                if (bulk > 0)
                    printf "    BulkSize %d\n", bulk
                printf "    Timeout %d\n    Retries 1\n  </Host>\n", t
            }
        }'
        echo '</Plugin>'
    } >"$dir/collectd-bench.conf"
    local log="$dir/collectd.log"
    BENCH_LOG=$log
    echo "snmp: collectd, $n agents: warm-up ${WARMUP}s, window ${WINDOW}s" >&2
    ip netns exec "$P_NS" env MIBS= SNMPCONFPATH="$dir/snmp" SNMP_PERSISTENT_DIR="$dir/snmp" \
        "$COLLECTD" -f -C "$dir/collectd-bench.conf" >"$dir/stdout" 2>&1 &
    PEER_PID=$!
    alive_for "$PEER_PID" "$WARMUP" || die "collectd exited during the warm-up"
    grep -q 'entering read-loop' "$log" || die "collectd did not start its read loop"
    measure collectd "$PEER_PID"
    if [ "$PERF_AT" = "$n" ]; then
        perf_run collectd "$PEER_PID"
    fi
    stop_pid "$PEER_PID" 30
    PEER_PID=""
    # Value lists written in the window (CSV rows timed inside it), and
    # the polls missed: collectd polls every agent at the same instants, so
    # each agent has at least whole intervals-in-the-window rows.
    local rows=-1 missed=-1
    if [ "$CD_WRITE" = csv ]; then
        local pat='pd_ifaces-*' per=1
        if [ "$MODE" = walk ]; then
            pat='pd_if-*' per=$ROWS # a file per interface
        fi
        read -r rows missed < <(find "$dir/csv" -type f -name "$pat" -exec awk -F, \
            -v s="$W_T0" -v e="$W_T1" '
                FNR == 1 { a = FILENAME; sub(/\/snmp\/[^\/]*$/, "", a); sub(/.*\//, "", a); seen[a] = 1 }
                $1 ~ /^[0-9]/ && $1 * 1e9 > s && $1 * 1e9 <= e { r[a]++ }
                END { for (a in seen) print a, r[a] + 0 }' {} + |
            awk -v n="$n" -v full=$(((W_T1 - W_T0) / 1000000000 / INTERVAL * per)) '
                { r[$1] += $2; rows += $2 }
                END {
                    for (a in r) { agents++; if (r[a] < full) missed += full - r[a] }
                    print rows + 0, missed + (n - agents) * full
                }')
    fi
    if [ "$CD_WRITE" = rrdtool ] && [ "$MODE" = walk ]; then
        # No rows to count in held-back files: every interface has its file.
        local files
        files=$(find "$dir/rrd" -type f -name 'pd_if-*.rrd' | wc -l)
        missed=$((n * ROWS - files))
    fi
    local fails warn
    fails=$(grep -c -i -E 'snmp.*(timeout|failed|error)' "$log" || true)
    warn=$(grep -c -i -E '\] (warning|error|read-function)' "$log" || true)
    echo "collectd n=$n warmup=$WARMUP $MEASURED rows=$rows missed=$missed fails=$fails warn=$warn" >>"$RESULTS"
    [ "${PD_KEEP:-0}" = 1 ] || rm -rf "$dir/csv" "$dir/rrd"
}

for n in $TIERS; do
    for tool in $TOOLS; do
        "run_$tool" "$n"
        sleep 2
    done
done

echo
if [ -s "$WORK/perf-top.txt" ]; then
    echo "perf, $PERF_AT agents, each tool for ${PERF_SECONDS}s after its window:"
    cat "$WORK/perf-top.txt"
    echo
fi
awk -v hz=1e9 -v tick="$hz" -v ncpu="$(nproc)" -v oids="$N_OIDS" -v interval="$INTERVAL" -v snmpds="$SNMPDS" \
    -v write="$CD_WRITE" -v mode="$MODE" -v rows="$ROWS" '
# CPU ms per 1,000 varbinds, from ns.
function per(ns, vb) { return vb > 0 ? ns / hz * 1e6 / vb : 0 }
function machine() { return v["total"] > 0 ? v["busy"] / v["total"] * ncpu * 100 : 0 }
{
    delete v
    for (i = 2; i <= NF; i++) {
        j = index($i, "=")
        v[substr($i, 1, j - 1)] = substr($i, j + 1)
    }
    n = v["n"]; tool = $1
    wall = (v["t1"] - v["t0"]) / 1e9
    polls = n * wall / interval
    planned = n * oids * wall / interval
    what = mode == "walk" ? sprintf("the interfaces table (%d rows)", rows) : sprintf("%d OIDs", oids)
    vb[tool, n] = v["varbinds"]; cpu[tool, n] = v["cpu"] / hz; ms[tool, n] = per(v["cpu"], v["varbinds"])
    loop[tool, n] = per(v["loop"], v["varbinds"]); win[n] = wall; rss[tool, n] = v["hwm"] / 1024
    agent[tool, n] = per(v["snmpd"], v["varbinds"]); agent_pct[tool, n] = v["snmpd"] / hz / wall * 100
    if (!(n in seen)) { seen[n] = 1; order[++no] = n }
    printf "%s, %d agents x %s every %d s (warm-up %d s, window %.0f s):\n", tool, n, what, interval, v["warmup"], wall
    printf "  varbinds answered      %d in the window = %.0f/s (snmpInTotalReqVars at the agents); %.1f per poll\n",
        v["varbinds"], v["varbinds"] / wall, v["varbinds"] / polls
    printf "  CPU per poll           %.1f us (all threads)\n", v["cpu"] / polls / 1000
    if (tool == "probed") {
        printf "  CPU                    %.2f s = %.1f%% of one core; loop thread %.2f s, other threads %.2f s\n",
            cpu[tool, n], cpu[tool, n] / wall * 100, v["loop"] / hz, (v["cpu"] - v["loop"]) / hz
        printf "  CPU per 1,000 varbinds %.3f ms (loop thread %.3f ms)\n", ms[tool, n], loop[tool, n]
    } else {
        printf "  CPU                    %.2f s = %.1f%% of one core (all threads)\n", cpu[tool, n], cpu[tool, n] / wall * 100
    }
    printf "  CPU, utime + stime     %.2f s (10 ms ticks)\n", v["ticks"] / tick
    if (tool != "probed") {
        printf "  CPU per 1,000 varbinds %.3f ms\n", ms[tool, n]
    }
    printf "  peak RSS (VmHWM)       %.1f MiB\n", rss[tool, n]
    printf "  context switches       %d = %.2f per poll (all threads)\n", v["switches"], v["switches"] / polls
    printf "  snmpd (%d process%s)    %.2f s = %.1f%% of one core, %.2f ms per 1,000 varbinds; %.2f context switches per poll\n",
        snmpds, (snmpds > 1 ? "es" : ""), v["snmpd"] / hz, agent_pct[tool, n], agent[tool, n],
        v["snmpd_switches"] / polls
    printf "  whole machine busy     %.0f%% of one core, of %d%% (all processes)\n", machine(), ncpu * 100
    if (tool == "probed") {
        skip[n] = v["skipped"]; tmo[tool, n] = v["timeouts"] " (run)"
        printf "  whole run              %d requests, %d answers, %d timeouts, %d security errors, %d port unreachable, %d datagrams dropped, %d rounds queued beyond max_inflight\n",
            v["requests"], v["answers"], v["timeouts"], v["security"], v["unreachable"], v["dropped"], v["queued"]
        printf "  skipped rounds         %d (whole run); DOWN transitions %d; warnings in the log %d\n", v["skipped"], v["down"], v["warn"]
    } else {
        if (v["rows"] >= 0) {
            prow = mode == "walk" ? rows : 1
            printf "  value lists written    %d in the window (CSV rows; %.0f planned)\n", v["rows"], n * prow * wall / interval
            printf "  missed polls           %d (%s rows short of %d per agent in the window)\n", v["missed"],
                (mode == "walk" ? "interface" : "agent"), int(wall / interval) * prow
            tmo[tool, n] = v["missed"] " missed polls"
        } else if (v["missed"] >= 0) {
            printf "  interface files        %d missing\n", v["missed"]
            tmo[tool, n] = v["missed"] " files missing"
        } else {
            tmo[tool, n] = "-"
        }
        printf "  log                    %d SNMP failures, %d warnings or errors\n", v["fails"], v["warn"]
    }
}
END {
    print ""
    printf "| tool | agents | poll | window | varbinds | CPU s | CPU ms / 1,000 varbinds | probed / collectd | skipped rounds | timeouts | snmpd CPU ms / 1,000 varbinds (%% of a core) | peak RSS |\n"
    print "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    for (i = 1; i <= no; i++) {
        n = order[i]
        for (t = 1; t <= 2; t++) {
            tool = t == 1 ? "probed" : "collectd"
            if (!((tool, n) in vb)) continue
            ratio = "-"
            if (tool == "probed" && ("collectd", n) in ms && ms["collectd", n] > 0)
                ratio = sprintf("**%.2f**", ms["probed", n] / ms["collectd", n])
            printf "| %s | %d | %s | %.0f s | %d | %.2f | %.2f | %s | %s | %s | %.2f (%.1f%%) | %.1f MiB |\n",
                (tool == "collectd" ? "collectd (" write ")" : tool), n,
                (mode == "walk" ? "table walk" : oids " OIDs"), win[n], vb[tool, n], cpu[tool, n],
                ms[tool, n], ratio, (tool == "probed" ? skip[n] : "-"), tmo[tool, n], agent[tool, n],
                agent_pct[tool, n], rss[tool, n]
        }
    }
}' "$RESULTS"
