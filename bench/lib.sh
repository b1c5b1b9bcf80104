# shellcheck shell=bash
#
# What the benches share: a two-namespace lab (the prober's and a target
# namespace where an AnyIP route makes a whole /16 local, so one kernel
# answers thousands of distinct targets), process helpers, and a cleanup
# that removes everything the bench made, whether it passed or not.
#
#   . "$(dirname "$0")/lib.sh"
#   bench_build [--root] "${1:-}" probed ...   # sets BUILD; die MESSAGE
#   bench_init NAME PREFIX      # sets WORK, P_NS, T_NS; traps EXIT
#   bench_lab LINK TARGETS      # e.g. 10.213.0 10.214: link /30, targets /16
#
# A bench sets PROBED_PID while probed runs, adds other processes to
# BENCH_PIDS (or sets PEER_PID), and points BENCH_LOG at the log whose
# tail explains a failure.

BENCH_NAME=""
WORK=""
P_NS=""
T_NS=""
NAMESPACES=()
BENCH_PIDS=()
PROBED_PID=""
PEER_PID=""
BENCH_LOG=""

# die MESSAGE: "<bench>: MESSAGE" on stderr (the script's name), exit 1.
die() {
    echo "$(basename "$0" .sh): $*" >&2
    exit 1
}

# bench_install PKG...: the Debian packages of peer tools the bench needs
# (installed for the bench only, not by install-deps), or die. None: no-op.
bench_install() {
    [ $# -gt 0 ] || return 0
    echo "$(basename "$0" .sh): installing $*" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >&2 ||
        die "could not install $*"
}

# bench_build [--root] ARG FILE...: BUILD, the build directory the script
# was given as ARG (usage and exit 2 when it is not one), with each FILE
# of it present; with --root, the bench needs root (network namespaces).
bench_build() {
    local root=0 b
    if [ "$1" = --root ]; then
        root=1
        shift
    fi
    if [ -z "$1" ] || [ ! -d "$1" ]; then
        echo "usage: $0 BUILD_DIR" >&2
        exit 2
    fi
    BUILD=$(cd "$1" && pwd)
    shift
    if [ "$root" = 1 ] && [ "$(id -u)" -ne 0 ]; then
        die "needs root (network namespaces)"
    fi
    for b in "$@"; do
        [ -e "$BUILD/$b" ] || die "$BUILD/$b missing: build first"
    done
}

# bench_largest VARS UNIT MAX N...: the largest N; dies unless every N is
# a number 1..MAX (VARS: the environment variables they came from).
bench_largest() {
    local vars=$1 unit=$2 max=$3 n largest=0
    shift 3
    for n in "$@"; do
        case $n in
        '' | *[!0-9]*) die "$vars: numbers of $unit" ;;
        esac
        if [ "$n" -lt 1 ] || [ "$n" -gt "$max" ]; then
            die "$vars: 1..$max $unit"
        fi
        if [ "$n" -gt "$largest" ]; then
            largest=$n
        fi
    done
    [ "$largest" -gt 0 ] || die "nothing to run"
    echo "$largest"
}

# bench_tools "LIST" KNOWN...: dies unless every tool of LIST is KNOWN.
bench_tools() {
    local list=$1 t k ok
    shift
    for t in $list; do
        ok=0
        for k in "$@"; do
            [ "$t" = "$k" ] && ok=1
        done
        [ "$ok" = 1 ] || die "PD_BENCH_TOOLS: $(echo "$@" | sed 's/ / and\/or /'), not '$t'"
    done
}

# cpu_ticks PID|DIR: busy clock ticks of a process (every thread it has
# had, exited ones included) or, given /proc/<pid>/task/<tid>, of one
# thread: the utime and stime fields of its stat file.
cpu_ticks() {
    local st f=$1
    [[ "$f" == /* ]] || f=/proc/$f
    read -r st <"$f/stat"
    st=${st##*) }
    awk '{ print $12 + $13 }' <<<"$st"
}

# cpu_ns PID: run time of the threads the process has now, in ns (the
# first field of each schedstat): finer than cpu_ticks' 10 ms ticks, but
# blind to threads that ended.
cpu_ns() {
    cat "/proc/$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f\n", s }'
}

# hwm_kib PID|DIR: peak resident memory (VmHWM) in KiB.
hwm_kib() {
    local f=$1
    [[ "$f" == /* ]] || f=/proc/$f
    awk '/^VmHWM:/ { print $2 }' "$f/status"
}

# "busy total" ticks of the whole machine, all CPUs: what else ran beside
# the tool during a window (other people's builds and tests).
machine_ticks() {
    awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat
}

# bench_inventory FILE N ID NAME TYPE NET: an inventory CSV of N targets,
# ID-00000 named NAME00000, of TYPE, target i at NET.(i / 250).(i % 250 + 1),
# in 20 sites bench/g00..g19.
bench_inventory() {
    awk -v n="$2" -v id="$3" -v name="$4" -v type="$5" -v net="$6" 'BEGIN {
        print "id,name,address,type,site"
        for (i = 0; i < n; i++)
            printf "%s-%05d,%s%05d,%s.%d.%d,%s,bench/g%02d\n", id, i, name, i, net, int(i / 250),
                i % 250 + 1, type, i % 20
    }' >"$1"
}

running() {
    local st
    read -r st 2>/dev/null <"/proc/$1/stat" || return 1
    st=${st##*) }
    [ "${st%% *}" != Z ]
}

# alive_for PID SECONDS: sleep, but return 1 as soon as PID has exited.
alive_for() {
    local i
    for ((i = 0; i < $2 * 10; i++)); do
        running "$1" || return 1
        sleep 0.1
    done
    running "$1"
}

# probed_warm_up DIR N SECONDS: after the warm-up, wait (at most SECONDS
# more) until probed ($PROBED_PID) has made N RRD files under DIR/data/rrd:
# a file is made at a check's first sample, a start-up cost kept out of
# the window. Dies when probed exits or the files do not come.
probed_warm_up() {
    local i files=0
    alive_for "$PROBED_PID" "$WARMUP" || die "probed exited during the warm-up"
    for ((i = 0; i < $3; i++)); do
        files=$(find "$1/data/rrd" -name '*.rrd' 2>/dev/null | wc -l)
        [ "$files" -ge "$2" ] && return 0
        alive_for "$PROBED_PID" 1 || die "probed exited during the warm-up"
    done
    die "only $files of $2 RRD files after the warm-up"
}

# stop_pid PID [SECONDS]: TERM, then KILL after SECONDS (15). probed writes
# every held RRD sample when it stops: tens of thousands of files.
stop_pid() {
    local pid=$1 i
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < ${2:-15} * 10; i++)); do
        running "$pid" || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

bench_cleanup() {
    local rc=$? i
    set +e
    trap - EXIT INT TERM
    if [ "$rc" -ne 0 ] && [ -n "$BENCH_LOG" ] && [ -s "$BENCH_LOG" ]; then
        echo "--- $BENCH_LOG, last 30 lines ---" >&2
        tail -n 30 "$BENCH_LOG" >&2
    fi
    [ -n "$PROBED_PID" ] && stop_pid "$PROBED_PID" 120
    [ -n "$PEER_PID" ] && stop_pid "$PEER_PID"
    for i in "${BENCH_PIDS[@]}"; do
        stop_pid "$i"
    done
    for ((i = ${#NAMESPACES[@]} - 1; i >= 0; i--)); do
        ip netns del "${NAMESPACES[i]}" 2>/dev/null
    done
    if [ "${PD_KEEP:-0}" = 1 ]; then
        echo "$BENCH_NAME: kept $WORK" >&2
    else
        rm -rf "$WORK"
    fi
    exit "$rc"
}

bench_init() {
    BENCH_NAME=$1
    P_NS="$2-p"
    T_NS="$2-t"
    WORK=$(mktemp -d "/tmp/$2.XXXXXX")
    trap bench_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# bench_lab LINK TARGETS: the prober's eth0 LINK.1/30, the target's
# LINK.2/30, and every address of TARGETS.0.0/16 local in the target
# namespace, routed to it from the prober's.
bench_lab() {
    local ns
    for ns in "$P_NS" "$T_NS"; do
        ip netns add "$ns"
        NAMESPACES+=("$ns")
        ip -n "$ns" link set lo up
    done
    ip -n "$P_NS" link add eth0 type veth peer name eth0 netns "$T_NS"
    ip -n "$P_NS" addr add "$1.1/30" dev eth0
    ip -n "$T_NS" addr add "$1.2/30" dev eth0
    ip -n "$P_NS" link set eth0 up
    ip -n "$T_NS" link set eth0 up
    ip -n "$T_NS" route add local "$2.0.0/16" dev lo
    ip -n "$P_NS" route add "$2.0.0/16" via "$1.2"
}
