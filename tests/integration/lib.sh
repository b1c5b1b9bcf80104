# shellcheck shell=bash
#
# The namespace lab of probed's integration tests. A test does
#
#   set -euo pipefail
#   . "$(dirname "$0")/lib.sh" "$1"     # $1: the build directory
#   pd_lab_init                          # exits 77 when the lab cannot be built
#
# and then adds targets (each a namespace joined to the prober's by a veth
# pair), listeners, a config, and the daemon. Everything is named
# pdt-<pid>-*, lives inside those namespaces, and is removed by the EXIT
# trap whether the test passed or not. Addresses: target N has 10.213.N.2
# and fd00:213:N::2, the prober's end of its link 10.213.N.1 and
# fd00:213:N::1; nothing is routed anywhere else.
#
# Every wait is a bounded poll. On failure the tail of the daemon's log is
# printed; PD_KEEP=1 keeps the temporary directory for a look afterwards.

if [ $# -lt 1 ] || [ ! -d "$1" ]; then
    echo "usage: $0 BUILD_DIR" >&2
    exit 2
fi

PD_BUILD=$(cd "$1" && pwd)
PD_PREFIX="pdt-$$"
PD_PROBER="$PD_PREFIX-p"
PD_TMP=""
PD_CFG=""
PD_DATA=""
PD_DB=""
PD_LOG=""
PD_DAEMON_PID=""
PD_DAEMON_RC=""
PD_RUN_ID=""
PD_NS=()
PD_PIDS=()
PD_TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")/../tools" && pwd)
PD_SINK_PID=""
PD_SINK_PORT=""

pd_note() { echo "# $*"; }
pd_ok() { echo "ok - $*"; }
pd_skip() {
    echo "SKIP: $*" >&2
    exit 77
}
pd_fail() {
    echo "FAIL: $*" >&2
    exit 1
}

pd_now_ns() { date +%s%N; }

# Nanoseconds as seconds with 3 decimals, for messages.
pd_secs() { awk -v n="$1" 'BEGIN { printf "%.3f", n / 1e9 }'; }

pd_require_cmd() {
    local c
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 || pd_skip "needs '$c' (not installed)"
    done
}

# Checks that the lab can be built here (else exit 77), sets up the
# temporary directory and the cleanup trap, creates the prober namespace.
pd_lab_init() {
    local bin out

    [ "$(id -u)" -eq 0 ] || pd_skip "needs root for network namespaces and nftables"
    pd_require_cmd ip nft sqlite3 awk
    for bin in probed probectl pd-listen; do
        # A missing binary is a broken build, not a missing lab: fail.
        [ -x "$PD_BUILD/$bin" ] || pd_fail "$PD_BUILD/$bin missing: build first"
    done

    PD_TMP=$(mktemp -d "/tmp/$PD_PREFIX.XXXXXX")
    PD_CFG="$PD_TMP/probed.yaml"
    PD_DATA="$PD_TMP/data"
    PD_DB="$PD_DATA/probed.db"
    PD_LOG="$PD_TMP/probed.log"
    : >"$PD_LOG"
    trap pd_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    pd_reap_stale
    if ! out=$(ip netns add "$PD_PROBER" 2>&1); then
        pd_skip "cannot create a network namespace: $out"
    fi
    PD_NS+=("$PD_PROBER")
    # Name lookups made in the prober's namespace (a URL's host) go to its
    # own loopback, where nothing answers, never to the host's resolver.
    mkdir -p "/etc/netns/$PD_PROBER"
    echo "nameserver 127.0.0.1" >"/etc/netns/$PD_PROBER/resolv.conf"
    ip -n "$PD_PROBER" link set lo up
    if ! out=$(ip netns exec "$PD_PROBER" nft list ruleset 2>&1); then
        pd_skip "nft does not work inside a namespace: $out"
    fi
}

# A test killed outright (SIGKILL at a ctest timeout) leaves its namespaces
# and processes behind: remove those of tests whose shell is gone.
pd_reap_stale() {
    local ns owner pid
    for ns in $(ip netns list 2>/dev/null | awk '$1 ~ /^pdt-[0-9]+-/ { print $1 }'); do
        owner=${ns#pdt-}
        owner=${owner%%-*}
        pd_pid_running "$owner" && continue
        for pid in $(ip netns pids "$ns" 2>/dev/null); do
            kill -KILL "$pid" 2>/dev/null || true
        done
        ip netns del "$ns" 2>/dev/null || true
        rm -rf "/etc/netns/$ns"
        echo "# removed stale namespace $ns" >&2
    done
    for ns in /tmp/pdt-[0-9]*.??????; do
        [ -d "$ns" ] || continue
        owner=${ns#/tmp/pdt-}
        owner=${owner%%.*}
        [[ "$owner" =~ ^[0-9]+$ ]] || continue
        pd_pid_running "$owner" || rm -rf "$ns"
    done
}

# Runs as the EXIT trap: stop what we started, delete what we created.
pd_cleanup() {
    local rc=$? pid i
    set +e
    trap - EXIT INT TERM
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -s "$PD_LOG" ]; then
        echo "--- daemon log, last 60 lines ($PD_LOG) ---" >&2
        tail -n 60 "$PD_LOG" >&2
        echo "--- end of daemon log ---" >&2
    fi
    if [ -n "$PD_DAEMON_PID" ]; then
        pd_stop_pid "$PD_DAEMON_PID" 10
    fi
    for pid in "${PD_PIDS[@]}"; do
        pd_stop_pid "$pid" 5
    done
    for ((i = ${#PD_NS[@]} - 1; i >= 0; i--)); do
        ip netns del "${PD_NS[i]}" 2>/dev/null
        rm -rf "/etc/netns/${PD_NS[i]}"
    done
    if [ -n "$PD_TMP" ]; then
        if [ "${PD_KEEP:-0}" = 1 ]; then
            echo "# kept $PD_TMP" >&2
        else
            rm -rf "$PD_TMP"
        fi
    fi
    exit "$rc"
}

# True while pid runs (a zombie does not count).
pd_pid_running() {
    local st
    [ -r "/proc/$1/stat" ] || return 1
    read -r st <"/proc/$1/stat" || return 1
    st=${st##*) }
    [ "${st%% *}" != Z ]
}

# SIGTERM, up to $2 seconds for it to go, then SIGKILL; reaps it.
pd_stop_pid() {
    local pid=$1 secs=$2 i
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < secs * 10; i++)); do
        pd_pid_running "$pid" || break
        sleep 0.1
    done
    if pd_pid_running "$pid"; then
        echo "# pid $pid ignored SIGTERM for ${secs}s: SIGKILL" >&2
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

# pd_target NAME N: namespace $PD_PREFIX-NAME joined to the prober's by a
# veth pair (t<N> on the prober side, eth0 inside), with the addresses
# above. IPv6 addresses skip duplicate address detection so they work at once.
pd_target() {
    local name=$1 n=$2 ns="$PD_PREFIX-$1"
    if [ "$n" -lt 1 ] || [ "$n" -gt 254 ]; then
        pd_fail "pd_target $name: index $n not in 1..254"
    fi
    ip netns add "$ns"
    PD_NS+=("$ns")
    ip -n "$ns" link set lo up
    ip -n "$PD_PROBER" link add "t$n" type veth peer name eth0 netns "$ns"
    ip -n "$PD_PROBER" addr add "10.213.$n.1/24" dev "t$n"
    ip -n "$PD_PROBER" addr add "fd00:213:$n::1/64" dev "t$n" nodad
    ip -n "$ns" addr add "10.213.$n.2/24" dev eth0
    ip -n "$ns" addr add "fd00:213:$n::2/64" dev eth0 nodad
    ip -n "$PD_PROBER" link set "t$n" up
    ip -n "$ns" link set eth0 up
}

pd_addr4() { echo "10.213.$1.2"; }
pd_addr6() { echo "fd00:213:$1::2"; }

# pd_listen NAME ADDR PORTSPEC...: pd-listen in target NAME's namespace,
# returning once it listens.
pd_listen() {
    local name=$1 ns="$PD_PREFIX-$1" errf i pid
    shift
    errf="$PD_TMP/listen-$name-${#PD_PIDS[@]}.log"
    ip netns exec "$ns" "$PD_BUILD/pd-listen" "$@" 2>"$errf" &
    pid=$!
    PD_PIDS+=("$pid")
    for ((i = 0; i < 50; i++)); do
        grep -q '^listening on' "$errf" && return 0
        pd_pid_running "$pid" || break
        sleep 0.1
    done
    cat "$errf" >&2
    pd_fail "pd-listen $* in $ns did not start"
}

# Cut target NAME off: every packet coming in on its link is dropped, so a
# TCP connect to it times out, as with a dead device.
pd_cut() {
    ip netns exec "$PD_PREFIX-$1" nft -f - <<'EOF'
table inet pdt_cut {
    chain input {
        type filter hook input priority filter; policy accept;
        iifname "eth0" drop
    }
}
EOF
}

pd_restore() {
    ip netns exec "$PD_PREFIX-$1" nft delete table inet pdt_cut
}

# pd_loss NAME PERCENT: drop that share of the packets coming in, at random.
pd_loss() {
    ip netns exec "$PD_PREFIX-$1" nft -f - <<EOF
table inet pdt_loss {
    chain input {
        type filter hook input priority filter; policy accept;
        iifname "eth0" numgen random mod 100 < $2 drop
    }
}
EOF
}

# pd_secrets_file: stdin as $PD_TMP/secrets.yaml, readable by the daemon
# after it drops to nobody (a reload reads it again): 0640, group nogroup,
# as docs/configuration.md advises, rather than run as root.
pd_secrets_file() {
    chmod 755 "$PD_TMP"
    pd_write_file "$PD_TMP/secrets.yaml"
    chown "root:$(id -gn nobody)" "$PD_TMP/secrets.yaml"
    chmod 640 "$PD_TMP/secrets.yaml"
}

# Write stdin to a file in one rename, so the daemon never reads half a file.
pd_write_file() {
    cat >"$1.tmp.$$"
    mv -f "$1.tmp.$$" "$1"
}

pd_sql() {
    [ -f "$PD_DB" ] || return 1
    sqlite3 -batch -noheader -separator '|' -cmd '.timeout 5000' "$PD_DB" "$1"
}

# Starts probed in the prober namespace, in the foreground, its output to
# $PD_LOG; returns once its run is in the store (PD_RUN_ID).
pd_daemon_start() {
    local i
    echo "# --- probed started $(date '+%F %T.%N') ---" >>"$PD_LOG"
    ip netns exec "$PD_PROBER" "$PD_BUILD/probed" -c "$PD_CFG" -f >>"$PD_LOG" 2>&1 &
    PD_DAEMON_PID=$!
    PD_DAEMON_RC=""
    PD_RUN_ID=""
    for ((i = 0; i < 100; i++)); do
        pd_daemon_alive
        PD_RUN_ID=$(pd_sql "SELECT id FROM runs WHERE pid = $PD_DAEMON_PID ORDER BY id DESC LIMIT 1" 2>/dev/null) || true
        [ -n "$PD_RUN_ID" ] && return 0
        sleep 0.2
    done
    pd_fail "probed (pid $PD_DAEMON_PID) recorded no run in $PD_DB within 20 s"
}

pd_daemon_alive() {
    pd_pid_running "$PD_DAEMON_PID" && return 0
    wait "$PD_DAEMON_PID" 2>/dev/null && PD_DAEMON_RC=0 || PD_DAEMON_RC=$?
    PD_DAEMON_PID=""
    pd_fail "probed died (exit status $PD_DAEMON_RC)"
}

pd_daemon_signal() {
    kill "-$1" "$PD_DAEMON_PID"
}

# SIGTERM and wait up to 15 s; PD_DAEMON_RC is its exit status.
pd_daemon_stop() {
    local i pid=$PD_DAEMON_PID
    kill -TERM "$pid"
    for ((i = 0; i < 150; i++)); do
        pd_pid_running "$pid" || break
        sleep 0.1
    done
    pd_pid_running "$pid" && pd_fail "probed did not stop within 15 s of SIGTERM"
    wait "$pid" && PD_DAEMON_RC=0 || PD_DAEMON_RC=$?
    PD_DAEMON_PID=""
}

# SIGKILL: no chance to write anything.
pd_daemon_kill9() {
    local pid=$PD_DAEMON_PID
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null || true
    PD_DAEMON_PID=""
}

# pd_wait_for QUERY EXPECTED [SECONDS=10]: poll the store every 0.2 s until
# QUERY prints EXPECTED; fail with what it printed last.
pd_wait_for() {
    local q=$1 want=$2 secs=${3:-10} got="" i
    for ((i = 0; i < secs * 5; i++)); do
        got=$(pd_sql "$q" 2>&1) || true
        [ "$got" = "$want" ] && return 0
        [ -n "$PD_DAEMON_PID" ] && pd_daemon_alive
        sleep 0.2
    done
    pd_fail "waited ${secs}s for: $q
    expected: $want
    got:      $got"
}

# pd_wait_until SECONDS DESCRIPTION COMMAND...: poll COMMAND every 0.2 s.
pd_wait_until() {
    local secs=$1 what=$2 i
    shift 2
    for ((i = 0; i < secs * 5; i++)); do
        "$@" && return 0
        [ -n "$PD_DAEMON_PID" ] && pd_daemon_alive
        sleep 0.2
    done
    pd_fail "waited ${secs}s for $what"
}

pd_log_lines() { wc -l <"$PD_LOG"; }

# True when the log, after its first $1 lines, has a line matching ERE $2.
pd_log_has_after() {
    tail -n "+$(($1 + 1))" "$PD_LOG" | grep -Eq -- "$2"
}

# The state of (target, check) from the committed transitions: the last
# one's to_state, "" when there is none.
pd_state_sql() {
    echo "SELECT to_state FROM transitions WHERE target_id = '$1' AND check_id = '$2'
          ORDER BY at_ns DESC, id DESC LIMIT 1"
}

pd_wait_state() {
    pd_wait_for "$(pd_state_sql "$1" "$2")" "$3" "${4:-10}"
}

# pd_assert_range WHAT VALUE LOW HIGH (integers)
pd_assert_range() {
    if [ "$2" -lt "$3" ] || [ "$2" -gt "$4" ]; then
        pd_fail "$1 = $2, expected within [$3, $4]"
    fi
}

# pd_rrd_column FILE DS START END: the values of data source DS in the
# first (finest) AVERAGE archive, one per line, for the rows whose step ends
# after START and at or before END (Unix seconds); unknown values skipped.
pd_rrd_column() {
    local file=$1 ds=$2 start=$3 end=$4
    rrdtool fetch "$file" AVERAGE -s "$start" -e "$end" |
        awk -v ds="$ds" -v s="$start" -v e="$end" '
            NR == 1 { for (i = 1; i <= NF; i++) if ($i == ds) col = i + 1; next }
            !col { exit 2 }
            $1 ~ /^[0-9]+:$/ {
                t = substr($1, 1, length($1) - 1) + 0
                v = $col
                if (t > s && t <= e && v !~ /nan/) printf "%.9f\n", v
            }
            END { if (!col) exit 2 }'
}

# pd_rrd_sum FILE DS START END: "<sum> <rows>" of those values.
pd_rrd_sum() {
    pd_rrd_column "$@" | awk '{ s += $1; n++ } END { printf "%.6f %d\n", s, n }'
}

# pd_median: the median of the numbers on stdin ("nan" when there are none).
pd_median() {
    sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) print "nan"
        else if (NR % 2) printf "%.6f\n", v[(NR + 1) / 2]
        else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# pd_icmp_count WHAT: the figure before WHAT ("echoes sent", "late",
# "foreign", ...) in the icmp plugin's last shutdown line in the log.
pd_icmp_count() {
    grep -E 'icmp: [0-9]+ echoes sent' "$PD_LOG" | tail -n 1 |
        grep -oE "[0-9]+ $1" | awk '{ print $1; exit }'
}

# pd_nft_packets NAME TABLE COUNTER: the packets of a named counter in
# target NAME's namespace (table of family inet).
pd_nft_packets() {
    ip netns exec "$PD_PREFIX-$1" nft list counter inet "$2" "$3" |
        awk '/packets/ { for (i = 1; i < NF; i++) if ($i == "packets") { print $(i + 1); exit } }'
}

# pd_float_cmp A OP B: awk's comparison of two decimal numbers (OP: < <= > >=).
pd_float_cmp() {
    awk -v a="$1" -v b="$3" -v op="$2" 'BEGIN {
        if (op == "<") r = a < b; else if (op == "<=") r = a <= b
        else if (op == ">") r = a > b; else if (op == ">=") r = a >= b
        else r = 0
        exit !r }'
}

# pd_wait_pid PID SECONDS: wait up to SECONDS for a background process we
# started (and listed in PD_PIDS) to end by itself; reap it and drop it from
# PD_PIDS. Returns its exit status; fails the test if it is still running.
pd_wait_pid() {
    local pid=$1 secs=$2 i rc=0 keep=()
    for ((i = 0; i < secs * 10; i++)); do
        pd_pid_running "$pid" || break
        sleep 0.1
    done
    pd_pid_running "$pid" && pd_fail "pid $pid still running after ${secs}s"
    wait "$pid" || rc=$?
    for i in "${PD_PIDS[@]}"; do
        [ "$i" = "$pid" ] || keep+=("$i")
    done
    PD_PIDS=("${keep[@]}")
    return "$rc"
}

# pd_wait_ipv6 NAME N: wait (up to 5 s) until target N's link has finished
# duplicate address detection of its link-local addresses, on both ends.
# Until then neighbour discovery holds IPv6 packets back for about a second
# (nodad covers only the fd00:213:N:: addresses).
pd_wait_ipv6() {
    local ns="$PD_PREFIX-$1" i
    for ((i = 0; i < 50; i++)); do
        if [ -z "$(ip -n "$PD_PROBER" -6 addr show dev "t$2" tentative)" ] &&
            [ -z "$(ip -n "$ns" -6 addr show dev eth0 tentative)" ]; then
            return 0
        fi
        sleep 0.1
    done
    pd_fail "IPv6 addresses of t$2 still tentative after 5 s"
}

# pd_daemon_start_as USER: as pd_daemon_start, but probed is USER from the
# start, without any capability (so the icmp plugin gets no raw socket).
# data_dir must exist and belong to USER.
pd_daemon_start_as() {
    local user=$1 i
    echo "# --- probed started as $user $(date '+%F %T.%N') ---" >>"$PD_LOG"
    ip netns exec "$PD_PROBER" setpriv --reuid="$user" --regid="$(id -g "$user")" --clear-groups \
        --inh-caps=-all --bounding-set=-all "$PD_BUILD/probed" -c "$PD_CFG" -f >>"$PD_LOG" 2>&1 &
    PD_DAEMON_PID=$!
    PD_DAEMON_RC=""
    PD_RUN_ID=""
    for ((i = 0; i < 100; i++)); do
        pd_daemon_alive
        # Not before the daemon made the store's -wal and -shm files: our
        # sqlite3 (root) would make them, and USER could not write them.
        if [ -e "$PD_DB-wal" ] && [ -e "$PD_DB-shm" ]; then
            PD_RUN_ID=$(pd_sql "SELECT id FROM runs WHERE pid = $PD_DAEMON_PID ORDER BY id DESC LIMIT 1" 2>/dev/null) || true
            [ -n "$PD_RUN_ID" ] && return 0
        fi
        sleep 0.2
    done
    pd_fail "probed (pid $PD_DAEMON_PID, as $user) recorded no run in $PD_DB within 20 s"
}

# The lab's SNMP agents (net-snmp's snmpd, one per target) answer these.
PD_SNMP_COMMUNITY=pd-public
PD_SNMP_AUTH_PASS=pd-auth-secret-1
PD_SNMP_PRIV_PASS=pd-priv-secret-2
PD_SNMP_LOCATION="贵阳市观山湖区 机房 3"
PD_SNMP_CONTACT="noc@example.invalid"
declare -A PD_SNMPD_PID=() PD_SNMPD_N=()

# pd_snmpd NAME N [-]: snmpd in target NAME's namespace, on UDP port 161 of
# $(pd_addr4 N) and $(pd_addr6 N); with "-", more snmpd.conf lines from stdin.
# Read-only on everything for community PD_SNMP_COMMUNITY (v1, v2c) and
# the v3 users pd-noauth (noAuthNoPriv), pd-sha (authNoPriv, SHA) and
# pd-sha256 (authPriv, SHA-256 and AES), with PD_SNMP_AUTH_PASS and
# PD_SNMP_PRIV_PASS. sysName is NAME, sysLocation PD_SNMP_LOCATION,
# sysContact PD_SNMP_CONTACT. Its files are in $PD_TMP/snmpd-NAME; returns
# once it answers.
pd_snmpd() {
    local name=$1 n=$2 dir="$PD_TMP/snmpd-$1"
    [ -z "${PD_SNMPD_PID[$name]:-}" ] || pd_fail "pd_snmpd $name: already running"
    mkdir -p "$dir/persist"
    # Named with -c below, and snmpd warns about a missing -c file.
    : >"$dir/persist/snmpd.conf"
    {
        cat <<CONF
view all included .1
rocommunity $PD_SNMP_COMMUNITY default -V all
rocommunity6 $PD_SNMP_COMMUNITY default -V all
createUser pd-noauth
createUser pd-sha SHA $PD_SNMP_AUTH_PASS
createUser pd-sha256 SHA-256 $PD_SNMP_AUTH_PASS AES $PD_SNMP_PRIV_PASS
rouser pd-noauth noauth -V all
rouser pd-sha auth -V all
rouser pd-sha256 priv -V all
sysName $name
sysLocation $PD_SNMP_LOCATION
sysContact $PD_SNMP_CONTACT
dontLogTCPWrappersConnects yes
CONF
        if [ "${3:-}" = - ]; then
            cat
        fi
    } >"$dir/snmpd.conf"
    PD_SNMPD_N[$name]=$n
    pd_snmpd_launch "$name"
}

# Starts target NAME's snmpd from the files pd_snmpd wrote and waits (up to
# 5 s) until it answers from the prober's namespace.
pd_snmpd_launch() {
    local name=$1 n=${PD_SNMPD_N[$1]} dir="$PD_TMP/snmpd-$1" pid deadline
    echo "# --- snmpd started $(date '+%F %T.%N') ---" >>"$dir/snmpd.log"
    # -C keeps the system's configuration out, and with it the persistent
    # file (engine ID, engine boots, users), hence that file's -c. -m '':
    # the agent needs no MIB files, and would log each one missing. -A only
    # counts before -Lf. What it says before its log is open goes to the
    # same file (both append).
    # shellcheck disable=SC2094
    ip netns exec "$PD_PREFIX-$name" env SNMP_PERSISTENT_DIR="$dir/persist" \
        snmpd -f -A -Lf "$dir/snmpd.log" -m '' -C -c "$dir/snmpd.conf,$dir/persist/snmpd.conf" \
        -p "$dir/snmpd.pid" "udp:$(pd_addr4 "$n"):161" "udp6:[$(pd_addr6 "$n")]:161" \
        >>"$dir/snmpd.log" 2>&1 &
    pid=$!
    PD_PIDS+=("$pid")
    PD_SNMPD_PID[$name]=$pid
    deadline=$(($(pd_now_ns) + 5000000000))
    while [ "$(pd_now_ns)" -lt "$deadline" ]; do
        if pd_snmp snmpget -v2c -c "$PD_SNMP_COMMUNITY" -t 0.2 -r 0 "$(pd_addr4 "$n")" \
            .1.3.6.1.2.1.1.3.0 >/dev/null 2>&1; then
            # A mistyped line is only a warning to snmpd.
            if grep -Eq ': line [0-9]+: ' "$dir/snmpd.log"; then
                cat "$dir/snmpd.log" >&2
                pd_fail "snmpd for $name: errors in $dir/snmpd.conf"
            fi
            return 0
        fi
        pd_pid_running "$pid" || break
        sleep 0.1
    done
    echo "--- snmpd log ($dir/snmpd.log) ---" >&2
    tail -n 40 "$dir/snmpd.log" >&2
    pd_fail "snmpd for $name (pid $pid) did not answer within 5 s"
}

# pd_snmpd_stop NAME: SIGTERM, on which snmpd saves its persistent file.
pd_snmpd_stop() {
    local name=$1 pid=${PD_SNMPD_PID[$1]:-} p keep=()
    [ -n "$pid" ] || pd_fail "pd_snmpd_stop $name: no snmpd running"
    pd_stop_pid "$pid" 5
    for p in "${PD_PIDS[@]}"; do
        [ "$p" = "$pid" ] || keep+=("$p")
    done
    PD_PIDS=("${keep[@]}")
    PD_SNMPD_PID[$name]=""
}

# pd_snmpd_restart NAME: stop and start again with the same configuration
# and persistent file: same engine ID, snmpEngineBoots one more, sysUpTime
# from 0.
pd_snmpd_restart() {
    pd_snmpd_stop "$1"
    pd_snmpd_launch "$1"
}

# pd_snmp COMMAND ARGS...: a net-snmp tool (snmpget, snmpwalk, ...) in the
# prober's namespace. It reads no configuration and no MIB file, so OIDs
# are numeric and the output is the same on any machine, and it keeps its
# persistent files under PD_TMP.
pd_snmp() {
    mkdir -p "$PD_TMP/snmp-client"
    ip netns exec "$PD_PROBER" env MIBS= SNMPCONFPATH="$PD_TMP/snmp-client" \
        SNMP_PERSISTENT_DIR="$PD_TMP/snmp-client" "$@"
}

# pd_snmp_hex SNMPGET-ARGS...: the value of one string object in hex
# ("80001f88..."). Without MIBs snmpget prints a string with non-ASCII
# bytes in hex and others as text; -Ox prints all in hex.
pd_snmp_hex() {
    local hex
    hex=$(pd_snmp snmpget -Ox -Oqv "$@") || return 1
    hex=$(tr -d '" \n' <<<"$hex" | tr A-F a-f)
    [[ "$hex" =~ ^([0-9a-f]{2})*$ ]] || return 1
    echo "$hex"
}

# pd_snmp_str SNMPGET-ARGS...: the value of one string object as text
# (bytes as they are: UTF-8 stays UTF-8; a NUL byte is lost).
pd_snmp_str() {
    local hex
    hex=$(pd_snmp_hex "$@") || return 1
    printf '%b' "$(sed 's/../\\x&/g' <<<"$hex")"
}

# pd_snmp_num SNMPGET-ARGS...: the value of one integer, counter, gauge or
# timeticks (in hundredths of a second) object.
pd_snmp_num() {
    local v
    v=$(pd_snmp snmpget -Oqv -Ot "$@") || return 1
    [[ "$v" =~ ^[0-9]+$ ]] || return 1
    echo "$v"
}

# A test CA (pd_test_ca) and server certificates it signs (pd_test_cert),
# made with openssl under $PD_TMP/ca from a configuration of our own, so
# the system's openssl.cnf changes nothing. EC P-256 keys: quick to make.
PD_CA_DIR=""
PD_CA_CERT="" # the CA's certificate (PEM), for the tests

pd_test_ca() {
    local dir="$PD_TMP/ca" out
    pd_require_cmd openssl
    [ -z "$PD_CA_DIR" ] || pd_fail "pd_test_ca: already made"
    mkdir -p "$dir/issued"
    : >"$dir/index.txt"
    cat >"$dir/openssl.cnf" <<CNF
[ req ]
distinguished_name = req_dn
prompt = no
[ req_dn ]
CN = probed test CA $$
[ ca_ext ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ ca ]
default_ca = pd_ca
[ pd_ca ]
dir = $dir
database = $dir/index.txt
new_certs_dir = $dir/issued
certificate = $dir/ca.crt
private_key = $dir/ca.key
rand_serial = yes
default_md = sha256
policy = pd_policy
unique_subject = no
copy_extensions = none
[ pd_policy ]
commonName = supplied
CNF
    if ! out=$(openssl req -x509 -new -config "$dir/openssl.cnf" -extensions ca_ext \
        -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$dir/ca.key" \
        -out "$dir/ca.crt" -days 30 2>&1); then
        pd_fail "pd_test_ca: openssl req failed: $out"
    fi
    chmod 755 "$dir"
    chmod 644 "$dir/ca.crt"
    PD_CA_DIR=$dir
    # shellcheck disable=SC2034
    PD_CA_CERT="$dir/ca.crt"
}

# pd_test_cert NAME DAYS SAN...: $PD_CA_DIR/NAME.key and NAME.crt, a server
# certificate signed by the test CA for the SANs (IP addresses and DNS
# names; the first is also the CN), valid from an hour ago until DAYS days
# from now. A negative DAYS makes one that expired -DAYS days ago (valid for
# the 30 days before that).
pd_test_cert() {
    local name=$1 days=$2 dir=$PD_CA_DIR now end start san="" s out cn
    shift 2
    [ -n "$dir" ] || pd_fail "pd_test_cert: call pd_test_ca first"
    [ $# -ge 1 ] || pd_fail "pd_test_cert $name: no SAN"
    [[ "$days" =~ ^-?[0-9]+$ ]] || pd_fail "pd_test_cert $name: DAYS '$days' is not a whole number"
    for s in "$@"; do
        if [[ "$s" =~ ^[0-9.]+$ ]] || [[ "$s" == *:* ]]; then
            san+="${san:+,}IP:$s"
        else
            san+="${san:+,}DNS:$s"
        fi
    done
    now=$(date +%s)
    end=$((now + days * 86400))
    if [ "$days" -ge 0 ]; then
        start=$((now - 3600))
    else
        start=$((end - 30 * 86400))
    fi
    cat >"$dir/$name.ext" <<EXT
[ srv ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = $san
EXT
    cn=$1
    # UTCTime (two-digit year), as RFC 5280 wants for dates before 2050.
    if ! out=$(openssl req -new -config "$dir/openssl.cnf" -subj "/CN=$cn" -newkey ec \
        -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$dir/$name.key" -out "$dir/$name.csr" 2>&1) ||
        ! out=$(openssl ca -batch -config "$dir/openssl.cnf" -in "$dir/$name.csr" \
            -out "$dir/$name.crt" -notext -extfile "$dir/$name.ext" -extensions srv \
            -startdate "$(date -u -d "@$start" +%y%m%d%H%M%SZ)" \
            -enddate "$(date -u -d "@$end" +%y%m%d%H%M%SZ)" 2>&1); then
        pd_fail "pd_test_cert $name: openssl failed: $out"
    fi
    chmod 644 "$dir/$name.crt"
}

# pd_nginx NAME N: nginx in target NAME's namespace, one process (daemon
# off, master_process off) with its prefix, pid file, error log, temporary
# paths and document root (PD_NGINX_ROOT[NAME], the http block's root)
# under $PD_TMP/nginx-NAME, access log off. Stdin goes into the http block:
# the test's server blocks and their locations, where {addr4} and {addr6}
# stand for target N's addresses and {ca} for PD_CA_DIR (so a quoted
# here-document keeps nginx's $variables as they are): "listen {addr4}:80;",
# "listen {addr6}:443 ssl;", "ssl_certificate {ca}/www.crt;".
# Returns once every address and port it listens on answers an HTTP(S)
# request from the prober's namespace.
declare -A PD_NGINX_ROOT=() PD_NGINX_PID=()

pd_nginx() {
    local name=$1 n=$2 dir="$PD_TMP/nginx-$1" pid listen scheme url deadline ok
    [ -x /usr/sbin/nginx ] || pd_skip "needs nginx (/usr/sbin/nginx; nginx-light is enough)"
    pd_require_cmd curl
    [ -z "${PD_NGINX_PID[$name]:-}" ] || pd_fail "pd_nginx $name: already running"
    mkdir -p "$dir/html" "$dir/tmp" "$dir/logs"
    {
        cat <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $dir/nginx.pid;
lock_file $dir/nginx.lock;
error_log $dir/logs/error.log warn;
worker_rlimit_nofile 8192;
events { worker_connections 4096; }
http {
    access_log off;
    root $dir/html;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    types {
        text/html html;
        text/plain txt;
        application/vnd.apple.mpegurl m3u8;
        video/mp2t ts;
    }
    default_type application/octet-stream;
    charset utf-8;
CONF
        sed -e "s/{addr4}/$(pd_addr4 "$n")/g" -e "s/{addr6}/[$(pd_addr6 "$n")]/g" \
            -e "s#{ca}#$PD_CA_DIR#g"
        echo "}"
    } >"$dir/nginx.conf"
    # -e: the error log also before the configuration is read.
    ip netns exec "$PD_PREFIX-$name" /usr/sbin/nginx -p "$dir" -c "$dir/nginx.conf" \
        -e "$dir/logs/error.log" >>"$dir/logs/stdout.log" 2>&1 &
    pid=$!
    PD_PIDS+=("$pid")
    PD_NGINX_PID[$name]=$pid
    # shellcheck disable=SC2034 # for the tests
    PD_NGINX_ROOT[$name]="$dir/html"
    deadline=$(($(pd_now_ns) + 5000000000))
    while read -r listen scheme; do
        # "listen 80" listens on every address: ask the IPv4 one.
        [[ "$listen" == *:* ]] || listen="$(pd_addr4 "$n"):$listen"
        url="$scheme://$listen/"
        ok=0
        while [ "$(pd_now_ns)" -lt "$deadline" ]; do
            pd_pid_running "$pid" || break
            # Any HTTP answer will do (-k: the certificate is not the point).
            if ip netns exec "$PD_PROBER" curl -sk -o /dev/null --max-time 1 "$url"; then
                ok=1
                break
            fi
            sleep 0.1
        done
        if [ "$ok" = 0 ]; then
            cat "$dir/logs/stdout.log" "$dir/logs/error.log" >&2 2>/dev/null
            pd_fail "nginx for $name (pid $pid) does not answer $url within 5 s"
        fi
    done < <(awk '$1 == "listen" { a = $2; sub(/;$/, "", a)
                                    print a, ($0 ~ /[[:space:]]ssl[;[:space:]]/ ? "https" : "http") }' \
        "$dir/nginx.conf")
}

# pd_alert_sink NAME ARGS...: an alert receiver (tests/tools/pd_alert_sink.py
# ARGS: http --mode ... or smtp ...) on the prober namespace's loopback,
# its output in $PD_TMP/NAME.out; returns once it listens, its port in
# PD_SINK_PORT and its pid in PD_SINK_PID. Debian's python3 (the PATH's
# may lack python3-aiosmtpd): a test checks /usr/bin/python3 first.
pd_alert_sink() {
    local name=$1 i
    shift
    rm -f "$PD_TMP/$name.port"
    ip netns exec "$PD_PROBER" /usr/bin/python3 "$PD_TOOLS/pd_alert_sink.py" "$@" \
        --port-file "$PD_TMP/$name.port" >>"$PD_TMP/$name.out" 2>&1 &
    PD_SINK_PID=$!
    PD_PIDS+=("$PD_SINK_PID")
    for ((i = 0; i < 100; i++)); do
        [ -s "$PD_TMP/$name.port" ] && break
        pd_pid_running "$PD_SINK_PID" || pd_fail "receiver $name died: $(cat "$PD_TMP/$name.out")"
        sleep 0.1
    done
    [ -s "$PD_TMP/$name.port" ] || pd_fail "receiver $name did not listen within 10 s"
    PD_SINK_PORT=$(cat "$PD_TMP/$name.port")
}
