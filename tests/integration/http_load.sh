#!/bin/bash
# 200 http checks every 2 s against one nginx (plain pages, HTTPS with a
# full handshake each round, and a body sent at 4 kB/s that keeps 50
# transfers open for most of every round) beside an icmp check of another
# target, for about 20 s: the icmp check stays UP with small RTTs in its
# RRD file, every http check has its rounds, none is skipped (store and
# log), and the quick checks never leave UP. This is the "the loop is not
# blocked by the transfers" test, not a benchmark.
set -euo pipefail
. "$(dirname "$0")/lib.sh" "$1"

pd_require_cmd curl openssl rrdtool
pd_lab_init

HOST=www.pd-lab.test
N_TARGETS=50 # x 4 checks
RUN_S=20
RTT_BOUND=20 # ms: the lab's RTT is far below 1 ms

pd_target web 1
pd_target host 2
pd_test_ca
pd_test_cert www 30 "$HOST"
pd_nginx web 1 <<'EOF'
server {
    listen {addr4}:80;
    location = /slow.bin { limit_rate 4k; }
}
server {
    listen {addr4}:443 ssl;
    ssl_certificate {ca}/www.crt;
    ssl_certificate_key {ca}/www.key;
}
EOF
ROOT=${PD_NGINX_ROOT[web]}
echo '<p>probed load test</p>' >"$ROOT/index.html"
head -c 1048576 /dev/zero >"$ROOT/slow.bin"

chmod 755 "$PD_TMP"
{
    cat <<EOF
data_dir: ./data
user: nobody
log: { level: info }
storage: { heartbeat: 2s, status_refresh: 0s }
rrd: { write_delay: 0s }
templates:
  web:
    checks:
      - { id: page, type: http, url: "http://{address}/", interval: 2s }
      - { id: tls, type: http, url: "https://$HOST/", resolve: "{address}", ca_file: "$PD_CA_CERT",
          interval: 2s }
      - { id: slow, type: http, url: "http://{address}/slow.bin", interval: 2s, timeout: 1500ms }
      - { id: nope, type: http, url: "http://{address}/nope", expect_status: "404", interval: 2s }
  host:
    checks:
      - { id: ping, type: icmp, interval: 1s, timeout: 500ms, count: 5, spacing: 50ms,
          fail_after: 1 }
targets:
  - { id: host, address: $(pd_addr4 2), type: host, site: lab }
EOF
    for ((i = 1; i <= N_TARGETS; i++)); do
        printf '  - { id: w%02d, address: %s, type: web, site: lab }\n' "$i" "$(pd_addr4 1)"
    done
} | pd_write_file "$PD_CFG"

pd_daemon_start
start_s=$(date +%s)
start_ns=$(pd_now_ns)
n_http=$((N_TARGETS * 4))
HTTP_ROWS="target_id LIKE 'w%' AND check_id IN ('page', 'tls', 'slow', 'nope')"
all_rounds() {
    [ "$(pd_sql "SELECT count(*) FROM current_state WHERE $HTTP_ROWS AND rounds >= 1")" = $n_http ]
}
pd_wait_until 10 "a round of every http check" all_rounds
pd_wait_state host ping UP 10
pd_ok "$n_http http checks and the icmp check running"

end_ns=$((start_ns + RUN_S * 1000000000))
while [ "$(pd_now_ns)" -lt "$end_ns" ]; do
    pd_daemon_alive
    sleep 1
done
# What the checks saw (before the stop makes them UNKNOWN): the quick
# ones UP all along, the slow ones cut by their timeout while reading the
# body.
for c in page tls nope; do
    n=$(pd_sql "SELECT count(*) FROM current_state WHERE check_id = '$c' AND state = 'UP'")
    [ "$n" = $N_TARGETS ] || pd_fail "$n of $N_TARGETS $c checks UP: $(pd_sql "SELECT target_id,
        state, last_reason FROM current_state WHERE check_id = '$c' AND state <> 'UP' LIMIT 3")"
    n=$(pd_sql "SELECT count(*) FROM transitions WHERE check_id = '$c' AND to_state <> 'UP'")
    [ "$n" = 0 ] || pd_fail "$n transitions of $c checks away from UP"
done
n=$(pd_sql "SELECT count(*) FROM current_state WHERE check_id = 'slow'
            AND last_reason = 'no complete answer within 1500 ms (reading the body)'")
[ "$n" = $N_TARGETS ] || pd_fail "$n of $N_TARGETS slow checks timed out reading the body"
pd_ok "page, tls and nope UP throughout; slow timed out reading the body"

n=$(pd_sql "SELECT count(*) FROM transitions WHERE target_id = 'host' AND to_state <> 'UP'")
[ "$n" = 0 ] || pd_fail "the icmp check left UP $n times under the http load"

# The store is complete once the daemon has stopped.
pd_daemon_stop
[ "$PD_DAEMON_RC" = 0 ] || pd_fail "probed exited $PD_DAEMON_RC on SIGTERM"
end_s=$(date +%s)
elapsed_s=$((($(pd_now_ns) - start_ns) / 1000000000))
# Rounds of 2 s since the start, less one for where the first slot fell
# and one for the round the stop cut short.
want=$((elapsed_s / 2 - 2))
IFS='|' read -r n min_rounds max_skipped < <(pd_sql "SELECT count(*), min(rounds), max(skipped)
    FROM current_state WHERE $HTTP_ROWS")
[ "$n" = $n_http ] || pd_fail "$n http checks in current_state, expected $n_http"
[ "$max_skipped" = 0 ] || pd_fail "an http check skipped $max_skipped rounds: $(pd_sql "SELECT target_id,
    check_id, rounds, skipped FROM current_state WHERE skipped > 0 LIMIT 5")"
[ "$min_rounds" -ge "$want" ] || pd_fail "an http check had $min_rounds rounds in $elapsed_s s, expected $want"
pd_ok "after $elapsed_s s: every http check had $min_rounds rounds or more ($want expected), none skipped"


grep -q "skipped" "$PD_LOG" && pd_fail "skipped rounds in the log: $(grep -m 3 skipped "$PD_LOG")"
n=$(pd_sql "SELECT count(*) FROM current_state WHERE skipped > 0")
[ "$n" = 0 ] || pd_fail "$n checks with skipped rounds in the store after the stop"
rrd="$PD_DATA/rrd/host/ping.rrd"
col=$(pd_rrd_column "$rrd" rtt_max "$start_s" "$end_s")
rows=$(wc -l <<<"$col")
pd_assert_range "rows of rtt_max in $rrd" "$rows" $((RUN_S / 2)) 1000
max=$(sort -g <<<"$col" | tail -n 1)
pd_float_cmp "$max" "<" $RTT_BOUND || pd_fail "icmp rtt_max up to $max ms under the http load"
read -r sent _ < <(pd_rrd_sum "$rrd" sent "$start_s" "$end_s")
read -r received _ < <(pd_rrd_sum "$rrd" received "$start_s" "$end_s")
[ "$sent" = "$received" ] || pd_fail "icmp: $received of $sent echoes answered under the http load"
pd_note "icmp shutdown line: $(grep -oE 'icmp: [0-9]+ echoes sent.*' "$PD_LOG" | tail -n 1)"
pd_ok "icmp UP throughout, no echo lost, rtt_max at most $max ms ($rows rows); no skipped round in the log"
