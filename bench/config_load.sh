#!/bin/bash
# How long `probed --check-config` takes on a 10,000-target inventory: YAML
# parse, CSV read, validation, plugin option binding. See bench/README.md.
#
#   bench/config_load.sh BUILD_DIR
#
# Uses hyperfine when installed, else times repeated runs itself; prints the
# median. Environment: PD_BENCH_TARGETS (10000), PD_BENCH_RUNS (21).
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

TARGETS=${PD_BENCH_TARGETS:-10000}
RUNS=${PD_BENCH_RUNS:-21}

bench_build "${1:-}" probed
if [ "$TARGETS" -lt 1 ] || [ "$TARGETS" -gt 60000 ]; then
    die "PD_BENCH_TARGETS: 1..60000"
fi
if [ "$RUNS" -lt 3 ] || [ "$RUNS" -gt 1000 ]; then
    die "PD_BENCH_RUNS: 3..1000"
fi

WORK=$(mktemp -d "/tmp/pdb-config-$$.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# The same inventory as tcp_10k.sh, with two templates and three checks.
awk -v n="$TARGETS" 'BEGIN {
    print "id,name,address,type,site"
    for (i = 0; i < n; i++)
        printf "bench-%05d,压测终端%05d,10.214.%d.%d,%s,guizhou/g%02d/s%03d\n", i, i,
            int(i / 250), i % 250 + 1, i % 3 ? "codec" : "camera", i % 20, i % 300
}' >"$WORK/inventory.csv"
cat >"$WORK/probed.yaml" <<EOF
data_dir: ./data
timezone: Asia/Shanghai
log: { level: info }
templates:
  codec:
    severity: important
    checks:
      - { id: sip, type: tcp, port: 5060, interval: 10s, timeout: 2s, availability: true }
      - { id: h323, type: tcp, port: 1720, interval: 60s }
  camera:
    checks:
      - { id: rtsp, type: tcp, port: 554, interval: 10s, timeout: 2s, availability: true }
inventory: [ "inventory.csv" ]
EOF

cmd=("$BUILD/probed" -c "$WORK/probed.yaml" --check-config)
if ! out=$("${cmd[@]}" 2>&1); then
    die "check-config failed:
$out"
fi
[ ! -e "$WORK/data" ] || die "--check-config created the data directory"

echo "config_load: $TARGETS targets, $(wc -c <"$WORK/inventory.csv") bytes of CSV" >&2
if command -v hyperfine >/dev/null 2>&1; then
    hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$WORK/h.json" "${cmd[*]}" >&2
    median_ms=$(awk -F: '/"median"/ { gsub(/[ ,]/, "", $2); printf "%.1f", $2 * 1000; exit }' "$WORK/h.json")
    how="hyperfine, $RUNS runs"
else
    for ((i = 0; i < RUNS; i++)); do
        t0=$(date +%s%N)
        "${cmd[@]}" >/dev/null 2>&1 || die "check-config failed on run $i"
        t1=$(date +%s%N)
        echo $(((t1 - t0) / 1000))
    done | sort -n >"$WORK/times.txt"
    median_ms=$(awk '{ t[NR] = $1 } END { printf "%.1f", t[int((NR + 1) / 2)] / 1000 }' "$WORK/times.txt")
    how="$RUNS timed runs, min $(awk 'NR == 1 { printf "%.1f", $1 / 1000 }' "$WORK/times.txt") ms, max $(awk 'END { printf "%.1f", $1 / 1000 }' "$WORK/times.txt") ms"
fi
rss=""
if [ -x /usr/bin/time ]; then
    rss=$(/usr/bin/time -f '%M' "${cmd[@]}" 2>&1 >/dev/null | tail -n 1)
    rss=", peak RSS $(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }') MiB"
fi
echo "probed --check-config, $TARGETS targets: median $median_ms ms ($how)$rss"
