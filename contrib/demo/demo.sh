#!/bin/bash
# probed's demo lab: the ten devices of contrib/demo/inventory/demo.csv, each
# an address in its own network namespace (pd-demo-<id>) running pd-listen
# on the ports of its type, all joined by a Linux bridge in the namespace
# pd-demo-net; probed runs in pd-demo-prober with contrib/demo/demo.yaml.
#
#   sudo contrib/demo/demo.sh BUILD_DIR [SECONDS]
#
# The switches also run snmpd (a community made up at each start, written
# to a private secrets file under /run/probed-demo), with two ports each
# and Chinese port descriptions, polled by probed's snmp check. The
# servers run nginx: the management system's portal over HTTP and HTTPS
# (a certificate made at each start that expires in 20 days), the
# recording server a live stream (HLS, 1080p and 720p variants, a 2 s
# segment every 2 s) whose segments stop for 30 s every 5 minutes.
# One codec terminal (zunyi-term-01) is cut off with nftables for 90 s
# every 4 minutes (alerts to a webhook receiver on the prober's loopback,
# written to /run/probed-demo/alerts.jsonl); one camera (zunyi-honghuagang-cam-01) loses 10% of its
# packets. Runs until Ctrl-C (or SECONDS), then removes every namespace and
# process it made. All traffic stays inside those namespaces.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
CFG="$HERE/demo.yaml"
INVENTORY="$HERE/inventory/demo.csv"
DATA=/var/tmp/probed-demo # data_dir in demo.yaml
PREFIX=pd-demo
NET_NS="$PREFIX-net"
PROBER_NS="$PREFIX-prober"
CUT_ID=zunyi-term-01
CUT_FIRST=${DEMO_CUT_FIRST:-60} # s after the start
CUT_LENGTH=${DEMO_CUT_LENGTH:-90} # s
CUT_PERIOD=${DEMO_CUT_PERIOD:-240} # s; the DEMO_* variables are for trying it out
CUT_MAX_CYCLES=180 # 12 hours
LOSS_ID=zunyi-honghuagang-cam-01
LOSS_PERCENT=10
STREAM_ID=prov-rec-01
STREAM_STALL_FIRST=${DEMO_STALL_FIRST:-120} # s after the start
STREAM_STALL_LENGTH=30 # s; 15 target durations
STREAM_STALL_PERIOD=300 # s
STREAM_MAX_SEGMENTS=30000 # 16 hours of 2 s segments
RUN_DIR=/run/probed-demo # secrets, the demo CA, nginx; demo.yaml names files here

declare -A PORTS=(
    [codec]="5060 1720"
    [camera]="554 80"
    [switch]="22 23"
    [mcu]="5060 443"
    [server]="22" # nginx: 80, 443
    [recorder]="22" # nginx: 80
)

die() {
    echo "demo: $*" >&2
    exit 1
}

if [ $# -lt 1 ] || [ ! -d "$1" ]; then
    echo "usage: $0 BUILD_DIR [SECONDS]" >&2
    exit 2
fi
BUILD=$(cd "$1" && pwd)
DURATION=${2:-0}
[[ "$DURATION" =~ ^[0-9]+$ ]] || die "SECONDS must be a whole number"
[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, nftables): sudo $0 $*"
for c in ip nft snmpd openssl /usr/sbin/nginx; do
    command -v "$c" >/dev/null 2>&1 ||
        die "needs '$c' (Debian: iproute2, nftables, snmpd, openssl, nginx-light)"
done
for b in probed probectl pd-listen; do
    [ -x "$BUILD/$b" ] || die "$BUILD/$b missing: cmake -B build && cmake --build build"
done

# Fixed names: one demo at a time.
LOCK=/run/lock/probed-demo.lock
[ -d /run/lock ] || LOCK=/tmp/probed-demo.lock
exec 9>"$LOCK"
flock -n 9 || die "another demo is running (lock $LOCK)"

NAMESPACES=()
PIDS=()
PROBED_PID=""
CUTTER_PID=""
STREAMER_PID=""

# True while pid runs (a zombie does not count).
running() {
    local st
    read -r st 2>/dev/null <"/proc/$1/stat" || return 1
    st=${st##*) }
    [ "${st%% *}" != Z ]
}

stop_pid() {
    local pid=$1 i
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < 100; i++)); do
        running "$pid" || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# Remove a namespace of ours, and whatever still runs in it (a lab left by
# a demo that was killed outright).
remove_ns() {
    local pid
    for pid in $(ip netns pids "$1" 2>/dev/null); do
        kill -KILL "$pid" 2>/dev/null || true
    done
    ip netns del "$1" 2>/dev/null || true
}

cleanup() {
    local i
    set +e
    trap - EXIT INT TERM
    echo "demo: stopping and removing the lab" >&2
    [ -n "$CUTTER_PID" ] && stop_pid "$CUTTER_PID"
    [ -n "$STREAMER_PID" ] && stop_pid "$STREAMER_PID"
    [ -n "$PROBED_PID" ] && stop_pid "$PROBED_PID"
    for i in "${PIDS[@]}"; do
        stop_pid "$i"
    done
    for ((i = ${#NAMESPACES[@]} - 1; i >= 0; i--)); do
        remove_ns "${NAMESPACES[i]}"
    done
    [ -n "${RUN_MADE:-}" ] && rm -rf "$RUN_DIR"
    echo "demo: done; the data stays in $DATA" >&2
}

stale=$(ip netns list | awk -v p="$PREFIX-" 'index($1, p) == 1 { print $1 }')
if [ -n "$stale" ]; then
    echo "demo: removing a lab left over by an earlier run: $(echo "$stale" | tr '\n' ' ')" >&2
    for ns in $stale; do
        remove_ns "$ns"
    done
fi

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

add_ns() {
    ip netns add "$1"
    NAMESPACES+=("$1")
    ip -n "$1" link set lo up
}

# The switch everything hangs off.
add_ns "$NET_NS"
ip -n "$NET_NS" link add br0 type bridge
ip -n "$NET_NS" link set br0 up

# attach NS VETH_NAME: a veth from the bridge to eth0 in NS.
attach() {
    ip -n "$NET_NS" link add "$2" type veth peer name eth0 netns "$1"
    ip -n "$NET_NS" link set "$2" master br0 up
    ip -n "$1" link set eth0 up
}

add_ns "$PROBER_NS"
attach "$PROBER_NS" prober
ip -n "$PROBER_NS" addr add 10.213.10.1/24 dev eth0
ip -n "$PROBER_NS" addr add fd00:213:10::1/64 dev eth0 nodad
# The dashboard: a link from this host to the prober's namespace only, so
# a browser here reaches probed's web server (gone with the namespace).
WEB_HOST=10.213.254.1
WEB_ADDR=10.213.254.2
ip link add pdemo-web type veth peer name web0 netns "$PROBER_NS"
ip addr add "$WEB_HOST/30" dev pdemo-web
ip link set pdemo-web up
ip -n "$PROBER_NS" addr add "$WEB_ADDR/30" dev web0
ip -n "$PROBER_NS" link set web0 up

rm -rf "$RUN_DIR"
mkdir -p "$RUN_DIR"
chmod 755 "$RUN_DIR"
RUN_MADE=1

# The NOC's alert receiver: a webhook on the prober's loopback (demo.yaml's
# alerts channel) that appends each message it gets to a file.
ALERTS_LOG=$RUN_DIR/alerts.jsonl
: >"$ALERTS_LOG"
ip netns exec "$PROBER_NS" python3 "$HERE/../../tests/tools/pd_alert_sink.py" http \
    --mode webhook --port 9099 --log "$ALERTS_LOG" --port-file "$RUN_DIR/alerts.port" \
    --max-seconds 43200 >>"$RUN_DIR/alerts-sink.out" 2>&1 &
PIDS+=("$!")

# The switches' SNMP agents: a community made up now, known to probed
# through the secrets file (0640, group nogroup: probed reads it again as
# nobody on a reload), never in demo.yaml.
SNMP_DIR=$RUN_DIR/snmp
mkdir -p "$SNMP_DIR"
COMMUNITY="demo-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
(
    umask 027
    printf 'snmp:\n  demo: { community: %s }\n' "$COMMUNITY" >"$RUN_DIR/secrets.yaml"
)
chgrp "$(id -gn nobody)" "$RUN_DIR/secrets.yaml"

# The portal's certificate: its own CA (probed's ca_file), valid for 20
# days, so cert_days_left has something to count down.
make_cert() {
    local addr=$1 out
    if ! out=$(openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 20 \
        -subj "/CN=$addr" -addext "subjectAltName=IP:$addr" \
        -addext "basicConstraints=critical,CA:FALSE" \
        -keyout "$RUN_DIR/portal.key" -out "$RUN_DIR/portal.pem" 2>&1); then
        die "openssl: cannot make the portal's certificate: $out"
    fi
    chmod 600 "$RUN_DIR/portal.key"
    chmod 644 "$RUN_DIR/portal.pem"
}

# start_nginx NS ID ADDRESS SITE_NAME: nginx on port 80 (and 443 with a
# certificate for the management system) serving $RUN_DIR/ID/html.
start_nginx() {
    local ns=$1 dir="$RUN_DIR/$2" addr=$3 listen tls=""
    mkdir -p "$dir/html/live" "$dir/tmp" "$dir/logs"
    case "$addr" in
    *:*) listen="[$addr]" ;;
    *) listen="$addr" ;;
    esac
    if [ "$2" != "$STREAM_ID" ]; then
        make_cert "$addr"
        tls="listen $listen:443 ssl; ssl_certificate $RUN_DIR/portal.pem; ssl_certificate_key $RUN_DIR/portal.key;"
    fi
    cat >"$dir/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    types { text/html html; application/vnd.apple.mpegurl m3u8; video/mp2t ts; }
    charset utf-8;
    server { listen $listen:80; $tls root $dir/html; }
}
CONF
    printf '<!doctype html><meta charset="utf-8"><title>%s</title><h1>%s</h1><p>欢迎使用</p>\n' \
        "$4" "$4" >"$dir/html/index.html"
    ip netns exec "$ns" /usr/sbin/nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/logs/error.log" \
        >>"$dir/logs/error.log" 2>&1 &
    PIDS+=("$!")
}

# The recording server's live stream: a master playlist with a 1080p and a
# 720p variant and a rolling media playlist of six 2 s segments (any bytes
# do: probed reads the playlists and times the newest segment's download),
# a new one every 2 s, stopped for STREAM_STALL_LENGTH s every
# STREAM_STALL_PERIOD s; bounded, and stopped with the demo.
streamer() {
    local live="$RUN_DIR/$STREAM_ID/html/live" seq first i v t=0 stall=$STREAM_STALL_FIRST sleeper=""
    trap '[ -n "$sleeper" ] && kill "$sleeper" 2>/dev/null; exit 0' TERM
    printf '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=6000000,RESOLUTION=1920x1080\n1080p.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=3000000,RESOLUTION=1280x720\n720p.m3u8\n' \
        >"$live/master.m3u8"
    head -c 376000 /dev/zero >"$live/segment.bin" # 188-byte packets, 1.5 Mbit/s for 2 s
    for ((seq = 0; seq < STREAM_MAX_SEGMENTS; seq++)); do
        if [ "$t" -ge "$stall" ]; then
            stall=$((stall + STREAM_STALL_PERIOD))
            echo "demo: $(date +%T) $STREAM_ID's live stream stalls for ${STREAM_STALL_LENGTH}s" >&2
            sleep "$STREAM_STALL_LENGTH" &
            sleeper=$!
            wait "$sleeper"
            t=$((t + STREAM_STALL_LENGTH))
            echo "demo: $(date +%T) $STREAM_ID's live stream runs again" >&2
        fi
        for v in 1080p 720p; do
            cp "$live/segment.bin" "$live/$v-$seq.ts"
            rm -f "$live/$v-$((seq - 8)).ts"
            first=$((seq < 5 ? 0 : seq - 5))
            {
                printf '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:%d\n' "$first"
                for ((i = first; i <= seq; i++)); do
                    printf '#EXTINF:2.000,\n%s-%d.ts\n' "$v" "$i"
                done
            } >"$live/$v.m3u8.tmp"
            mv "$live/$v.m3u8.tmp" "$live/$v.m3u8" # whole, never half-written
        done
        sleep 2 &
        sleeper=$!
        wait "$sleeper"
        t=$((t + 2))
    done
}

# start_snmpd NS ID ADDRESS: two ports (ge1, ge2) with descriptions, and
# snmpd on the address; its files in $SNMP_DIR/ID.
start_snmpd() {
    local ns=$1 dir="$SNMP_DIR/$2" i
    ip -n "$ns" link add ge1 type veth peer name ge1-peer
    ip -n "$ns" link add ge2 type veth peer name ge2-peer
    for i in ge1 ge1-peer ge2 ge2-peer; do ip -n "$ns" link set "$i" up; done
    mkdir -p "$dir"
    : >"$dir/persist.conf"
    cat >"$dir/snmpd.conf" <<CONF
rocommunity $COMMUNITY default
sysName $2
sysLocation $site
override .1.3.6.1.2.1.31.1.1.1.18.$(ip -n "$ns" -o link show eth0 | cut -d: -f1) octet_str "上联至省网核心"
override .1.3.6.1.2.1.31.1.1.1.18.$(ip -n "$ns" -o link show ge1 | cut -d: -f1) octet_str "会议室终端"
override .1.3.6.1.2.1.31.1.1.1.18.$(ip -n "$ns" -o link show ge2 | cut -d: -f1) octet_str "摄像机"
CONF
    ip netns exec "$ns" env SNMP_PERSISTENT_DIR="$dir" snmpd -f -Lf "$dir/snmpd.log" -m '' -C \
        -c "$dir/snmpd.conf,$dir/persist.conf" "udp:$3:161" >>"$dir/snmpd.log" 2>&1 &
    PIDS+=("$!")
}

# One namespace per device of the inventory.
n=0
while IFS=, read -r id name address type site; do
    [ "$id" = id ] && continue
    n=$((n + 1))
    ns="$PREFIX-$id"
    ports=${PORTS[$type]:-}
    [ -n "$ports" ] || die "$INVENTORY: $id: no ports known for type '$type'"
    add_ns "$ns"
    attach "$ns" "d$n"
    case "$address" in
    *:*) ip -n "$ns" addr add "$address/64" dev eth0 nodad ;;
    *) ip -n "$ns" addr add "$address/24" dev eth0 ;;
    esac
    # shellcheck disable=SC2086 # ports: one word each
    ip netns exec "$ns" "$BUILD/pd-listen" "$address" $ports 2>/dev/null &
    PIDS+=("$!")
    [ "$type" = switch ] && start_snmpd "$ns" "$id" "$address"
    [ "$type" = server ] || [ "$type" = recorder ] && start_nginx "$ns" "$id" "$address" "$name"
    printf 'demo: %-26s %-16s %-8s %-10s %s\n' "$id" "$address" "$type" "$ports" "$name ($site)"
done <"$INVENTORY"

if [ -n "$LOSS_ID" ]; then
    ip netns exec "$PREFIX-$LOSS_ID" nft -f - <<EOF
table inet pd_demo_loss {
    chain input {
        type filter hook input priority filter; policy accept;
        iifname "eth0" numgen random mod 100 < $LOSS_PERCENT drop
    }
}
EOF
    echo "demo: $LOSS_ID drops $LOSS_PERCENT% of its packets"
fi

# Cut one device off now and then; bounded, and stopped with the demo.
cutter() {
    local ns="$PREFIX-$CUT_ID" i sleeper=""
    trap '[ -n "$sleeper" ] && kill "$sleeper" 2>/dev/null; exit 0' TERM
    nap() {
        sleep "$1" &
        sleeper=$!
        wait "$sleeper"
        sleeper=""
    }
    nap "$CUT_FIRST"
    for ((i = 1; i <= CUT_MAX_CYCLES; i++)); do
        ip netns exec "$ns" nft -f - <<'EOF'
table inet pd_demo_cut {
    chain input {
        type filter hook input priority filter; policy accept;
        iifname "eth0" drop
    }
}
EOF
        echo "demo: $(date +%T) $CUT_ID cut off for ${CUT_LENGTH}s (cycle $i)" >&2
        nap "$CUT_LENGTH"
        ip netns exec "$ns" nft delete table inet pd_demo_cut
        echo "demo: $(date +%T) $CUT_ID reachable again" >&2
        nap $((CUT_PERIOD - CUT_LENGTH))
    done
}
cutter &
CUTTER_PID=$!
streamer &
STREAMER_PID=$!

ctl="$BUILD/probectl -c $CFG"
QUARTER="$(TZ=Asia/Shanghai date +%Y)Q$(((10#$(TZ=Asia/Shanghai date +%m) + 2) / 3))"
cat <<EOF

demo: $n devices up; $CUT_ID is cut off for ${CUT_LENGTH}s every $((CUT_PERIOD / 60)) min,
      the first time ${CUT_FIRST}s from now; $STREAM_ID's live stream stalls for
      ${STREAM_STALL_LENGTH}s every $((STREAM_STALL_PERIOD / 60)) min, the first time ${STREAM_STALL_FIRST}s from now.
      probed runs below (Ctrl-C stops everything).

  web:     http://$WEB_ADDR:8080/  (dashboard: sites, devices, events; from this host's browser)
           http://$WEB_ADDR:8080/api/v1/targets  http://$WEB_ADDR:8080/metrics
  status:  $ctl status
  alerts:  tail -f $ALERTS_LOG | jq -r '.body | fromjson | .summary'
           (what the webhook receiver got; a message lists what changed within 10 s)
           $ctl alerts    (every message stored, pending, delivered or given up)
  snmp:    ip netns exec $PROBER_NS $ctl snmp prov-core-sw-01 1.3.6.1.2.1.1.5.0
           (interfaces: $DATA/rrd/prov-core-sw-01/snmp/if-*.rrd, names in the series table)
  events:  $ctl events --since $(date +%F)
           $ctl events --target $CUT_ID --format csv
  ping:    ip netns exec $PROBER_NS $ctl ping -n 10 -i 200ms $LOSS_ID
  http:    ip netns exec $PROBER_NS $ctl http prov-ismp/portal
           ip netns exec $PROBER_NS $ctl http $STREAM_ID/live
  graphs:  RRD files under $DATA/rrd/<target>/<check>.rrd, e.g.
           rrdtool graph /tmp/$LOSS_ID.png --start -1h \\
             DEF:ms=$DATA/rrd/$LOSS_ID/ping.rrd:rtt_median:AVERAGE \\
             DEF:loss=$DATA/rrd/$LOSS_ID/ping.rrd:loss_pct:AVERAGE \\
             LINE2:ms#1f77b4:"median RTT ms" LINE1:loss#d62728:"loss %"
  report:  $ctl report --month $(TZ=Asia/Shanghai date +%Y-%m)
           $ctl report --month $(TZ=Asia/Shanghai date +%Y-%m) -o /tmp/probed-demo-report.html
           (also .csv .json .xlsx; a planned window: $ctl maintenance add --help)
  inspect: $ctl inspect daily --date next
           (the coming daily health check so far; probed writes each working
           day's into $DATA/reports at 08:30)
           $ctl inspect monthly --month $(TZ=Asia/Shanghai date +%Y-%m) -o /tmp/probed-demo-inspection.html
           $ctl inspect sample --quarter $QUARTER --sites 3
  devices: $ctl inventory list --site guizhou/zunyi
           (also import, export, add, set, retire: probectl inventory --help)
  store:   sqlite3 $DATA/probed.db 'SELECT * FROM transitions ORDER BY at_ns'

EOF

ip netns exec "$PROBER_NS" "$BUILD/probed" -c "$CFG" -f &
PROBED_PID=$!
if [ "$DURATION" -gt 0 ]; then
    for ((t = 0; t < DURATION; t++)); do
        running "$PROBED_PID" || break
        sleep 1
    done
    running "$PROBED_PID" || die "probed stopped by itself"
else
    rc=0
    wait "$PROBED_PID" || rc=$?
    PROBED_PID=""
    echo "demo: probed exited with status $rc" >&2
fi
