#!/usr/bin/env python3
"""Compares probed's analysis of a capture (probectl rtp --format csv) with
the ground truth pd-rtpgen wrote, and optionally with Wireshark's
(tshark -q -z rtp,streams on the same file).

    rtp_compare.py TRUTH.tsv PROBED.csv [TSHARK.txt]

probed against the truth: every stream found and no other; expected, lost,
RFC 3550's lost, duplicates and late packets equal; jitter (last, max,
mean) within 1 %. Against tshark (4.0's columns): its Lost equals probed's
lost_rfc (tshark, like RFC 3550, counts a duplicate as received), and for
the streams whose clock rate tshark knows, its max and mean jitter within
2 % of probed's. Prints one line per check; exits 1 on any mismatch.
"""
import csv
import re
import sys

KEY = ("src", "sport", "dst", "dport", "ssrc")

# One stream line of tshark 4.0's rtp,streams: 7 fields from the left, the
# payload names (which may hold spaces), 12 fields from the right.
TSHARK_LINE = re.compile(
    r"^\s*(?P<start>\d+\.\d+)\s+(?P<end>\d+\.\d+)\s+(?P<src>\S+)\s+(?P<sport>\d+)\s+"
    r"(?P<dst>\S+)\s+(?P<dport>\d+)\s+(?P<ssrc>0x[0-9A-F]{8})\s+(?P<payload>.*?)\s+"
    r"(?P<pkts>\d+)\s+(?P<lost>-?\d+)\s+\((?P<pct>-?\d+\.\d)%\)\s+(?P<mind>-?\d+\.\d{3})\s+"
    r"(?P<meand>-?\d+\.\d{3})\s+(?P<maxd>-?\d+\.\d{3})\s+(?P<minj>-?\d+\.\d{3})\s+"
    r"(?P<meanj>-?\d+\.\d{3})\s+(?P<maxj>-?\d+\.\d{3})\s?(?P<prob>X)?\s*$")

failures = 0


def check(ok, what):
    global failures
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures += 1


def close(a, b, rel, floor):
    """a within rel (relative) of b, or within floor (absolute) for tiny values."""
    return abs(a - b) <= max(rel * abs(b), floor)


def key_of(row):
    return tuple(str(row[k]).lower() for k in KEY)


def main():
    if len(sys.argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1], newline="", encoding="utf-8") as f:
        truth = list(csv.DictReader(f, delimiter="\t"))
    with open(sys.argv[2], newline="", encoding="utf-8-sig") as f:
        probed = {key_of(r): r for r in csv.DictReader(f)}

    for t in truth:
        k = key_of(t)
        name = "%s:%s -> %s:%s %s" % k
        p = probed.get(k)
        check(p is not None, "probed found %s" % name)
        if p is None:
            continue
        for field in ("expected", "lost", "lost_rfc", "duplicates"):
            check(int(p[field]) == int(t[field]),
                  "%s %s: probed %s, truth %s" % (name, field, p[field], t[field]))
        check(int(p["late"]) == int(t["late"]),
              "%s late: probed %s, truth %s" % (name, p["late"], t["late"]))
        for field in ("jitter_ms", "max_jitter_ms", "mean_jitter_ms"):
            check(close(float(p[field]), float(t[field]), 0.01, 0.0005),
                  "%s %s: probed %s, truth %.4f (1 %%)" % (name, field, p[field],
                                                           float(t[field])))
    extra = set(probed) - {key_of(t) for t in truth}
    check(not extra, "probed found no stream in the noise (%d extra)" % len(extra))

    if len(sys.argv) == 4:
        rows = {}
        with open(sys.argv[3], encoding="utf-8") as f:
            for line in f:
                m = TSHARK_LINE.match(line)
                if m:
                    rows[key_of(m.groupdict())] = m.groupdict()
        check(len(rows) > 0, "tshark listed streams (%d)" % len(rows))
        for t in truth:
            k = key_of(t)
            name = "%s:%s -> %s:%s %s" % k
            w, p = rows.get(k), probed.get(k)
            check(w is not None, "tshark found %s" % name)
            if w is None or p is None:
                continue
            check(int(w["lost"]) == int(p["lost_rfc"]),
                  "%s lost: tshark %s, probed lost_rfc %s (true loss %s)" %
                  (name, w["lost"], p["lost_rfc"], p["lost"]))
            if t["tshark_jitter"] == "1":
                for theirs, ours in (("maxj", "max_jitter_ms"), ("meanj", "mean_jitter_ms")):
                    check(close(float(w[theirs]), float(p[ours]), 0.02, 0.002),
                          "%s %s: tshark %s, probed %s (2 %%)" % (name, ours, w[theirs], p[ours]))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
