#!/bin/sh
# ctest's fuzz_run.<name>: runs one libFuzzer binary for a bounded time.
#
#   run_fuzzer.sh NAME FUZZER SEED_CORPUS ARTIFACT_DIR REPLAY MAX_SECONDS
#
# NAME is the target, FUZZER its libFuzzer binary (empty or missing: the
# test is skipped, exit 77), SEED_CORPUS its corpus in the source tree,
# only read: what libFuzzer finds goes to a temporary corpus removed on
# exit. A crash, leak, timeout or out-of-memory input is saved as
# ARTIFACT_DIR/NAME-<kind>-<sha1> and fails the test; REPLAY is the build's
# replay_NAME, which runs one such file. The run lasts PROBED_FUZZ_SECONDS
# (default: MAX_SECONDS, what the ctest TIMEOUT was configured for; more
# than that is refused, since ctest would kill the run half-way).
set -eu

if [ $# -ne 6 ]; then
	echo "usage: $0 NAME FUZZER SEED_CORPUS ARTIFACT_DIR REPLAY MAX_SECONDS" >&2
	exit 2
fi
name=$1 fuzzer=$2 seeds=$3 artifacts=$4 replay=$5 max_seconds=$6

if [ -z "$fuzzer" ]; then
	echo "$name: SKIPPED: no libFuzzer build; configure this build with" \
		"-DPROBED_FUZZ_BUILD=<a build configured with CC=clang -DPROBED_FUZZ=ON> (make test does)"
	exit 77
fi
if [ ! -x "$fuzzer" ]; then
	echo "$name: SKIPPED: $fuzzer not built" \
		"(cmake --build $(dirname "$(dirname "$fuzzer")") --target fuzzers)"
	exit 77
fi

seconds=${PROBED_FUZZ_SECONDS:-$max_seconds}
case $seconds in
'' | *[!0-9]* | 0*)
	echo "$name: PROBED_FUZZ_SECONDS must be a whole number of seconds, not '$seconds'" >&2
	exit 2
	;;
esac
if [ "$seconds" -gt "$max_seconds" ]; then
	echo "$name: PROBED_FUZZ_SECONDS=$seconds, but this build's ctest TIMEOUT allows for" \
		"$max_seconds s of fuzzing: re-run cmake with PROBED_FUZZ_SECONDS=$seconds in the" \
		"environment, or run $fuzzer by hand" >&2
	exit 2
fi

mkdir -p "$artifacts"
work=$(mktemp -d "${TMPDIR:-/tmp}/probed-$name.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
corpus=$work/corpus
mkdir "$corpus"
# Artifacts newer than this are this run's.
touch "$work/start"

echo "$name: fuzzing for $seconds s: $fuzzer, seeds $seeds"
status=0
"$fuzzer" "$corpus" "$seeds" \
	-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
	-artifact_prefix="$artifacts/$name-" -print_final_stats=1 || status=$?

new=$(find "$corpus" -type f | wc -l)
if [ "$status" -eq 0 ]; then
	echo "$name: passed: $seconds s, $new new inputs (discarded)"
	exit 0
fi

# libFuzzer's exit code for a finding is 77 by default, ctest's code for a
# skip: never pass it through.
echo "$name: FAILED: libFuzzer exited with status $status" >&2
saved=$(find "$artifacts" -maxdepth 1 -type f -name "$name-*" -newer "$work/start" | head -n 1)
if [ -z "$saved" ]; then
	echo "$name: no input was saved under $artifacts; see libFuzzer's output above" >&2
	exit 1
fi
echo "$name: reproducer saved: $saved" >&2
cat >&2 <<EOF
$name: to replay it (this build, its sanitizers, no fuzzing):
  $replay $saved
or under libFuzzer (runs that one input):
  $fuzzer $saved
Once the bug is fixed, copy the file into $seeds/ under a name that says
what it does, so that fuzz_replay.$name keeps it fixed.
EOF
exit 1
