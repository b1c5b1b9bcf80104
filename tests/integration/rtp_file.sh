#!/bin/bash
# probectl rtp on a capture with a known truth (pd-rtpgen lab: loss bursts,
# a sequence wrap, reordering, duplicates, an SSRC change, a VLAN tag,
# IPv6, a frame cut inside its RTP header, RTCP and UDP noise): loss,
# duplicates and late packets exactly as written, jitter within 1 % of
# RFC 3550's worked out from the arrival times; then the same file through
# Wireshark's RTP analysis (tshark -z rtp,streams): lost packets equal,
# jitter within 2 % where tshark knows the clock rate. Also the table and
# JSON outputs, a capture filter, and files probectl must refuse.
# No network: files only.
set -euo pipefail

if [ $# -lt 1 ] || [ ! -d "$1" ]; then
    echo "usage: $0 BUILD_DIR" >&2
    exit 2
fi
BUILD=$(cd "$1" && pwd)
TOOLS=$(cd "$(dirname "$0")/../tools" && pwd)
for b in probectl pd-rtpgen; do
    [ -x "$BUILD/$b" ] || { echo "FAIL: $BUILD/$b missing: build first" >&2; exit 1; }
done
command -v python3 >/dev/null || { echo "SKIP: needs python3" >&2; exit 77; }
TMP=$(mktemp -d /tmp/pdt-rtp-file.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

"$BUILD/pd-rtpgen" lab "$TMP/lab.pcap" "$TMP/truth.tsv"
echo "# the truth:"
column -t -s $'\t' "$TMP/truth.tsv" | sed 's/^/#   /'

"$BUILD/probectl" rtp --format csv "$TMP/lab.pcap" >"$TMP/probed.csv" ||
    fail "probectl rtp --format csv failed"
head -c 3 "$TMP/probed.csv" | od -An -tx1 | grep -q 'ef bb bf' ||
    fail "the CSV does not start with a byte order mark (spreadsheets need it for UTF-8)"

if command -v tshark >/dev/null; then
    # The streams without signalling: tshark's RTP heuristic on UDP, no
    # name resolution. Run as root, tshark warns about it; that is all.
    tshark -n -r "$TMP/lab.pcap" --enable-heuristic rtp_udp -q -z rtp,streams \
        >"$TMP/tshark.txt" 2>"$TMP/tshark.err" || {
        cat "$TMP/tshark.err" >&2
        fail "tshark could not read the capture"
    }
    # Its streams of the scene (the RTP-looking noise makes 1-packet rows).
    echo "# tshark $(tshark --version | head -n 1 | awk '{ print $3 }'):"
    grep -E 'Start time|0x(1{8}|2{8}|3{8}|4{8}|5{8}|6{8})' "$TMP/tshark.txt" | sed 's/^/#   /'
    python3 "$TOOLS/rtp_compare.py" "$TMP/truth.tsv" "$TMP/probed.csv" "$TMP/tshark.txt"
else
    echo "# tshark is not installed: compared with the truth only"
    python3 "$TOOLS/rtp_compare.py" "$TMP/truth.tsv" "$TMP/probed.csv"
fi

# The table people read: one line per stream, the counts under it.
"$BUILD/probectl" rtp "$TMP/lab.pcap" >"$TMP/table.txt"
cat "$TMP/table.txt" | sed 's/^/#   /'
[ "$(grep -c '^10\.\|^fd00' "$TMP/table.txt")" -eq 6 ] || fail "the table does not list 6 streams"
grep -q '^6 streams; .* 1 malformed' "$TMP/table.txt" ||
    fail "the summary does not count 6 streams and the frame cut short"
grep -q '0x22222222 *34 H263' "$TMP/table.txt" || fail "the video stream's payload type is not named"
echo "ok - table"

# JSON: valid, and the same figures.
"$BUILD/probectl" rtp --format json "$TMP/lab.pcap" >"$TMP/out.json"
python3 - "$TMP/out.json" <<'EOF' || fail "the JSON output is wrong"
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
s = {x["ssrc"]: x for x in d["streams"]}
assert len(s) == 6, s.keys()
assert s["0x11111111"]["lost"] == 17, s["0x11111111"]
assert s["0x22222222"]["duplicates"] == 2
assert s["0x33333333"]["vlan"] == 100
assert d["frames"]["malformed"] == 1
assert d["frames"]["rtcp"] > 0 and d["frames"]["not_udp"] > 0
EOF
echo "ok - json"

# A capture filter: only the IPv6 stream.
n=$("$BUILD/probectl" rtp --format csv -f 'ip6' "$TMP/lab.pcap" | tail -n +2 | wc -l)
[ "$n" -eq 1 ] || fail "--filter ip6 left $n streams, not 1"
echo "ok - filter"

# What probectl must refuse, with a reason and exit status 1 (or 2 for
# bad usage), never a crash.
head -c 100 "$TMP/lab.pcap" >"$TMP/cut.pcap"
rc=0
"$BUILD/probectl" rtp "$TMP/cut.pcap" >"$TMP/cut.out" 2>"$TMP/cut.err" || rc=$?
[ "$rc" -eq 1 ] && grep -q 'cut.pcap' "$TMP/cut.err" || fail "a cut capture: status $rc, $(cat "$TMP/cut.err")"
echo "not a capture" >"$TMP/text.pcap"
rc=0
"$BUILD/probectl" rtp "$TMP/text.pcap" >/dev/null 2>"$TMP/text.err" || rc=$?
[ "$rc" -eq 1 ] && grep -q 'text.pcap' "$TMP/text.err" || fail "a text file: status $rc"
rc=0
"$BUILD/probectl" rtp -r 200=8000 "$TMP/lab.pcap" >/dev/null 2>"$TMP/rate.err" || rc=$?
[ "$rc" -eq 2 ] && grep -q 'PAYLOAD_TYPE=CLOCK_RATE' "$TMP/rate.err" || fail "a bad --rate: status $rc"
rc=0
"$BUILD/probectl" rtp -f 'port nonsense' "$TMP/lab.pcap" >/dev/null 2>"$TMP/filter.err" || rc=$?
[ "$rc" -eq 1 ] && grep -q 'filter' "$TMP/filter.err" || fail "a bad filter: status $rc"
echo "ok - bad input refused"
