#!/bin/bash
# probed's own health in /metrics: after a few rounds of two icmp checks
# the loop's, the storage's and the icmp plugin's figures are there with
# plausible values, echoes sent keep growing between two scrapes, a failed
# reload shows, and the whole page still passes promtool's lint.
set -euo pipefail
. "$(dirname "$0")/lib.sh" "$1"

pd_require_cmd curl promtool
pd_lab_init

PORT=18081
pd_target up 1
pd_target cut 2

pd_write_file "$PD_CFG" <<EOF
data_dir: ./data
web: { listen: "127.0.0.1:$PORT", threads: 2 }
storage: { heartbeat: 2s, queue_size: 5000 }
templates:
  box:
    checks:
      - { id: ping, type: icmp, interval: 1s, count: 2, spacing: 100ms, timeout: 500ms,
          fail_after: 1, recover_after: 1 }
targets:
  - { id: h-up-01, name: up, address: $(pd_addr4 1), type: box, site: lab }
  - { id: h-cut-02, name: cut, address: $(pd_addr4 2), type: box, site: lab }
EOF

pd_cut cut
pd_daemon_start
pd_wait_state h-up-01 "" UP 20
pd_wait_state h-cut-02 "" DOWN 20

URL="http://127.0.0.1:$PORT/metrics"
scrape() { ip netns exec "$PD_PROBER" curl -sS --max-time 10 "$URL" >"$1"; }
# value FILE NAME: the sample NAME (with its labels, if any, as written).
value() { awk -v n="$2" '$1 == n { print $2 }' "$1"; }
# ge FILE NAME MIN: the sample is there and >= MIN.
ge() {
    local v
    v=$(value "$1" "$2")
    [ -n "$v" ] || pd_fail "$2 missing from /metrics"
    awk -v v="$v" -v m="$3" 'BEGIN { exit !(v + 0 >= m + 0) }' || pd_fail "$2 = $v, expected >= $3"
}

scrape "$PD_TMP/m1.txt"
sleep 3
scrape "$PD_TMP/m2.txt"
promtool check metrics <"$PD_TMP/m2.txt" || pd_fail "promtool check metrics failed"

for fam in probed_build_info probed_start_time_seconds probed_uptime_seconds probed_targets \
    probed_checks probed_rounds_started_total probed_rounds_skipped_total probed_results_total \
    probed_round_start_lateness_seconds probed_storage_queue_samples \
    probed_storage_queue_capacity_samples probed_storage_samples_written_total \
    probed_storage_samples_dropped_total probed_storage_rrd_errors_total \
    probed_storage_transitions_committed_total probed_storage_write_seconds \
    probed_config_last_reload_successful probed_icmp_echoes_sent_total \
    probed_icmp_echoes_answered_total; do
    grep -q "^# TYPE $fam " "$PD_TMP/m2.txt" || pd_fail "no family $fam"
done
[ "$(value "$PD_TMP/m2.txt" probed_targets)" = 2 ] || pd_fail "probed_targets not 2"
[ "$(value "$PD_TMP/m2.txt" probed_checks)" = 2 ] || pd_fail "probed_checks not 2"
[ "$(value "$PD_TMP/m2.txt" probed_storage_queue_capacity_samples)" = 5000 ] ||
    pd_fail "queue capacity not 5000"
ge "$PD_TMP/m2.txt" probed_rounds_started_total 4
ge "$PD_TMP/m2.txt" probed_results_total 4
ge "$PD_TMP/m2.txt" probed_storage_transitions_committed_total 2
ge "$PD_TMP/m2.txt" probed_storage_write_seconds_count 1
ge "$PD_TMP/m2.txt" probed_uptime_seconds 1
[ "$(value "$PD_TMP/m2.txt" probed_storage_samples_dropped_total)" = 0 ] || pd_fail "samples dropped"
[ "$(value "$PD_TMP/m2.txt" probed_config_last_reload_successful)" = 1 ] || pd_fail "reload not ok"
grep -q '^probed_build_info{version="[^"]*",plugin_abi="[0-9]*"} 1$' "$PD_TMP/m2.txt" ||
    pd_fail "build_info"
# Two checks, two echoes each, one round a second: about 4 echoes a second.
e1=$(value "$PD_TMP/m1.txt" probed_icmp_echoes_sent_total)
e2=$(value "$PD_TMP/m2.txt" probed_icmp_echoes_sent_total)
pd_assert_range "echoes sent in 3 s" "$((e2 - e1))" 8 20
a2=$(value "$PD_TMP/m2.txt" probed_icmp_echoes_answered_total)
[ "$a2" -ge 1 ] && [ "$a2" -lt "$e2" ] || pd_fail "echoes answered $a2 of $e2 (one target is cut)"
inf=$(value "$PD_TMP/m2.txt" 'probed_round_start_lateness_seconds_bucket{le="+Inf"}')
[ "$inf" = "$(value "$PD_TMP/m2.txt" probed_round_start_lateness_seconds_count)" ] ||
    pd_fail "lateness +Inf bucket $inf differs from _count"
pd_ok "/metrics health: $((e2 - e1)) echoes in 3 s, $(value "$PD_TMP/m2.txt" \
    probed_rounds_started_total) rounds, $(value "$PD_TMP/m2.txt" \
    probed_storage_write_seconds_count) storage batches; promtool clean"

# A reload that fails shows as such.
lines=$(pd_log_lines)
echo "targets: [ this is not valid" >>"$PD_CFG"
pd_daemon_signal HUP
pd_wait_until 10 "'reload failed' in the log" pd_log_has_after "$lines" 'reload failed'
scrape "$PD_TMP/m3.txt"
[ "$(value "$PD_TMP/m3.txt" probed_config_last_reload_successful)" = 0 ] ||
    pd_fail "last reload not shown as failed"
[ "$(value "$PD_TMP/m3.txt" probed_config_reload_failures_total)" = 1 ] || pd_fail "failures != 1"
promtool check metrics <"$PD_TMP/m3.txt" || pd_fail "promtool after the reload"
pd_ok "a failed reload: last_reload_successful 0, reload_failures_total 1"

pd_daemon_stop
[ "$PD_DAEMON_RC" = 0 ] || pd_fail "probed exited $PD_DAEMON_RC"
