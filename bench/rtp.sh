#!/bin/bash
# probed's RTP analysis beside Wireshark's on the same captures, in one
# run. See bench/README.md.
#
#   sudo bench/rtp.sh BUILD_DIR
#
# Offline: pd-rtpgen (tests/tools/pd_rtpgen.c, compiled here) writes a
# capture of PD_BENCH_STREAMS streams (1,000) of PD_BENCH_PACKETS packets
# each (5,000: 5 million in all), 20 ms apart, 0.1 % lost, frames kept to
# 96 bytes as `tcpdump -s 96` on a mirror port would. `probectl rtp`
# (the rtp check's analysis) and `tshark -q -z rtp,streams` (RTP found by
# its UDP heuristic) each read it once, right after the file was read into
# the page cache; CPU time (user + system) and wall time of each, packets
# per second of CPU, and whether the two agree on every stream's loss.
#
# Live (PD_BENCH_LIVE=1, the default): probed's rtp check captures on a
# veth while tcpreplay, in the other namespace, sends the same capture at
# each rate of PD_BENCH_RATES packets per second (100000 200000 400000)
# for PD_BENCH_SECONDS (10) each; the kernel's capture drops (pcap_stats)
# over each step, from the daemon's capture_drops series, and its CPU.
# PD_KEEP=1 keeps the work directory.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

STREAMS=${PD_BENCH_STREAMS:-1000}
PACKETS=${PD_BENCH_PACKETS:-5000}
LIVE=${PD_BENCH_LIVE:-1}
RATES=${PD_BENCH_RATES:-100000 200000 400000}
SECONDS_PER_RATE=${PD_BENCH_SECONDS:-10}
SNAPLEN=96
HERE=$(cd "$(dirname "$0")" && pwd)

bench_build --root "${1:-}" probed probectl plugins/rtp.so
[[ "$STREAMS" =~ ^[0-9]+$ ]] && [ "$STREAMS" -ge 1 ] && [ "$STREAMS" -le 20000 ] ||
    die "PD_BENCH_STREAMS: 1..20000"
[[ "$PACKETS" =~ ^[0-9]+$ ]] && [ "$PACKETS" -ge 10 ] || die "PD_BENCH_PACKETS: at least 10"
# shellcheck disable=SC2086 # a list
bench_largest PD_BENCH_RATES "packets per second" 5000000 $RATES >/dev/null

need=()
command -v tshark >/dev/null 2>&1 || need+=(tshark)
[ "$LIVE" = 1 ] && ! command -v tcpreplay >/dev/null 2>&1 && need+=(tcpreplay)
command -v cc >/dev/null 2>&1 || need+=(gcc)
[ -x /usr/bin/time ] || need+=(time)
bench_install "${need[@]}"

bench_init rtp "pdr-$$"
cc -O2 -o "$WORK/pd-rtpgen" "$HERE/../tests/tools/pd_rtpgen.c" -lm
CAP="$WORK/bench.pcap"
total=$((STREAMS * PACKETS))
echo "rtp: writing $STREAMS streams x $PACKETS packets ($total, 0.1 % lost, snap length $SNAPLEN)" >&2
"$WORK/pd-rtpgen" bench "$CAP" "$STREAMS" "$PACKETS" 1 "$SNAPLEN"
size_mb=$(($(stat -c %s "$CAP") / 1048576))

# run NAME OUT COMMAND...: the command on the capture, its page cache
# warm; "wall user sys maxrss_kb" into $WORK/NAME.time.
run() {
    local name=$1 out=$2
    shift 2
    cat "$CAP" >/dev/null
    /usr/bin/time -f '%e %U %S %M' -o "$WORK/$name.time" "$@" >"$out" 2>"$WORK/$name.err" ||
        { cat "$WORK/$name.err" >&2; die "$name failed"; }
}

echo "rtp: probectl rtp on $size_mb MiB" >&2
run probed "$WORK/probed.csv" "$BUILD/probectl" rtp --format csv "$CAP"
"$BUILD/probectl" rtp --format json "$CAP" >"$WORK/probed.json"
frames=$(jq '.frames.total' "$WORK/probed.json")
echo "rtp: tshark -q -z rtp,streams on the same file" >&2
run tshark "$WORK/tshark.txt" tshark -n -r "$CAP" --enable-heuristic rtp_udp -q -z rtp,streams

read -r p_wall p_user p_sys p_rss <"$WORK/probed.time"
read -r t_wall t_user t_sys t_rss <"$WORK/tshark.time"
# Per stream: probed's loss as RFC 3550 and tshark count it, and tshark's.
agree=$(python3 - "$WORK/probed.csv" "$WORK/tshark.txt" <<'EOF'
import csv, re, sys
p = {}
with open(sys.argv[1], encoding="utf-8-sig") as f:
    for r in csv.DictReader(f):
        p[(r["src"], r["sport"], r["dst"], r["dport"], r["ssrc"].lower())] = int(r["lost_rfc"])
t = {}
line = re.compile(r"^\s*\d+\.\d+\s+\d+\.\d+\s+(\S+)\s+(\d+)\s+(\S+)\s+(\d+)\s+(0x[0-9A-F]{8})\s+.*?\s+(\d+)\s+(-?\d+)\s+\(")
for l in open(sys.argv[2], encoding="utf-8"):
    m = line.match(l)
    if m:
        t[(m[1], m[2], m[3], m[4], m[5].lower())] = int(m[7])
same = sum(1 for k in p if k in t and t[k] == p[k])
print(len(p), len(t), same, sum(p.values()), sum(t.get(k, 0) for k in p))
EOF
)
read -r n_probed n_tshark n_same lost_p lost_t <<<"$agree"

pps() { awk -v n="$frames" -v u="$1" -v s="$2" 'BEGIN { printf "%.0f", n / (u + s) }'; }
p_pps=$(pps "$p_user" "$p_sys")
t_pps=$(pps "$t_user" "$t_sys")
ratio=$(awk -v a="$p_pps" -v b="$t_pps" 'BEGIN { printf "%.0f", a / b }')
cat <<EOF

Offline: $frames frames ($size_mb MiB, $STREAMS streams), one core each

| tool | wall s | CPU s (user + sys) | packets / s of CPU | peak RSS | streams | loss agrees (streams) | lost, all streams |
| --- | --- | --- | --- | --- | --- | --- | --- |
| probectl rtp | $p_wall | $(awk -v u="$p_user" -v s="$p_sys" 'BEGIN { print u + s }') | $p_pps | $((p_rss / 1024)) MiB | $n_probed | $n_same of $n_probed | $lost_p |
| tshark -z rtp,streams | $t_wall | $(awk -v u="$t_user" -v s="$t_sys" 'BEGIN { print u + s }') | $t_pps | $((t_rss / 1024)) MiB | $n_tshark | - | $lost_t |

probed / tshark, packets per second of CPU: **${ratio}x**
EOF

[ "$LIVE" = 1 ] || exit 0

# Live: the capture replayed over a veth, probed capturing on its end.
bench_lab 10.215.0 10.216
cat >"$WORK/probed.yaml" <<EOF
data_dir: $WORK/data
log: { level: info }
rrd: { write_delay: 5s }
storage: { heartbeat: 5s }
plugins:
  rtp: { interface: eth0, max_streams: $((STREAMS * 2 + 1000)) }
templates:
  sink:
    checks:
      - { id: media, type: rtp, interval: 1s, min_packets: 1 }
targets:
  - { id: sink, address: 10.29.0.1, type: sink, site: bench }
EOF
BENCH_LOG="$WORK/probed.log"
ip netns exec "$P_NS" "$BUILD/probed" -c "$WORK/probed.yaml" -f >"$BENCH_LOG" 2>&1 &
PROBED_PID=$!
sleep 3
running "$PROBED_PID" || die "probed exited at start"
echo
echo "Live: tcpreplay from the other namespace, probed capturing on the veth"
echo
echo "| rate sent (packets / s) | packets sent | seconds | kernel capture drops | probed CPU (% of one core) |"
echo "| --- | --- | --- | --- | --- |"
for rate in $RATES; do
    count=$((rate * SECONDS_PER_RATE))
    before=$(cpu_ticks "$PROBED_PID")
    start_s=$(date +%s)
    ip netns exec "$T_NS" tcpreplay -q -i eth0 --pps="$rate" --limit="$count" --loop=0 "$CAP" \
        >"$WORK/tcpreplay-$rate.log" 2>&1 || die "tcpreplay at $rate/s failed"
    sleep 2 # the last block handed over, the last round submitted
    end_s=$(date +%s)
    after=$(cpu_ticks "$PROBED_PID")
    sent=$(grep -oE 'Actual: [0-9]+ packets' "$WORK/tcpreplay-$rate.log" | awk '{ print $2 }')
    secs=$(grep -oE 'packets \([0-9]+ bytes\) sent in [0-9.]+ seconds' "$WORK/tcpreplay-$rate.log" |
        awk '{ print $(NF - 1) }')
    drops=$(rrdtool fetch "$WORK/data/rrd/sink/media.rrd" AVERAGE -s "$((start_s - 1))" -e "$end_s" |
        awk 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "capture_drops") c = i + 1; next }
             c && $c !~ /nan/ { s += $c } END { printf "%.0f", s }')
    cpu=$(awk -v t=$((after - before)) -v s=$((end_s - start_s)) 'BEGIN { printf "%.0f", t / s }')
    echo "| $rate | ${sent:-?} | ${secs:-?} | $drops | $cpu % |"
done
stop_pid "$PROBED_PID" 60
PROBED_PID=""
echo
grep -oE 'rtp: [0-9]+ frames.*' "$BENCH_LOG" | tail -n 1
