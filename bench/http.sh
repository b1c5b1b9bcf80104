#!/bin/bash
# probed's http check and Prometheus' blackbox_exporter probing the same
# URLs of a local nginx every 10 s, one after the other in the same lab and
# the same run. See bench/README.md.
#
#   sudo bench/http.sh BUILD_DIR
#
# Two network namespaces: the prober's, and a target namespace where an
# AnyIP route makes every address of 10.214.0.0/16 local and one nginx
# (one process, `listen 80`) answers on all of them with the same small
# page: target i is http://10.214.(i / 250).(i % 250 + 1)/. Nothing leaves
# them. For each size of PD_BENCH_TARGETS, probed alone, then
# blackbox_exporter (driven by a Prometheus scraping /probe for each URL)
# alone, on the same URLs; nginx's own request count (stub_status) counts
# each window's checks for both.
# Environment: PD_BENCH_TARGETS ("100 1000"), PD_BENCH_WARMUP (20 s;
# probed's also lasts until every RRD file exists, blackbox's until every
# target has been scraped), PD_BENCH_WINDOW (120 s), PD_BENCH_TOOLS
# ("probed blackbox": the tools to run, in order), PD_KEEP=1 keeps the
# work directory (data included).
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

TIERS=${PD_BENCH_TARGETS-100 1000}
WARMUP=${PD_BENCH_WARMUP:-20}
WINDOW=${PD_BENCH_WINDOW:-120}
TOOLS=${PD_BENCH_TOOLS:-probed blackbox}
INTERVAL=10
TIMEOUT=5
LINK=10.217.0 # the veth /30; nginx's status page is at LINK.2
BB_ADDR=127.0.0.1:9115
PROM_ADDR=127.0.0.1:9090

bench_build --root "${1:-}" probed plugins/http.so
# shellcheck disable=SC2086 # the lists are words
largest=$(bench_largest PD_BENCH_TARGETS targets 20000 $TIERS)
bench_tools "$TOOLS" probed blackbox
if [ "$WARMUP" -lt 5 ] || [ "$WINDOW" -lt 20 ]; then
    die "PD_BENCH_WARMUP: at least 5 s; PD_BENCH_WINDOW: at least 20 s"
fi

# The server, the peer tool and its scheduler: Debian packages, installed
# for the bench only. Where systemd runs, installing them also starts
# their services in the host's namespace: stopped here, as they would
# take CPU during the windows.
need=()
command -v nginx >/dev/null 2>&1 || need+=(nginx-light)
[ -x /usr/bin/prometheus-blackbox-exporter ] || need+=(prometheus-blackbox-exporter)
[ -x /usr/bin/prometheus ] || need+=(prometheus)
for c in ip sqlite3 awk curl jq; do
    command -v "$c" >/dev/null 2>&1 || need+=("$c")
done
if [ ${#need[@]} -gt 0 ]; then
    bench_install "${need[@]}"
    if [ -d /run/systemd/system ]; then
        systemctl stop nginx prometheus prometheus-blackbox-exporter 2>/dev/null || true
    fi
fi
NGINX=$(command -v nginx)
BLACKBOX=/usr/bin/prometheus-blackbox-exporter
PROMETHEUS=/usr/bin/prometheus
nginx_v=$("$NGINX" -V 2>&1)
grep -q -- --with-http_stub_status_module <<<"$nginx_v" ||
    die "$NGINX has no stub_status module: nginx's request count is the bench's count"

bench_init http "pdh-$$"
bench_lab "$LINK" 10.214

target() {
    echo "10.214.$(($1 / 250)).$(($1 % 250 + 1))"
}

# The page: a portal's front page, about 4 KB of Chinese text in UTF-8.
mkdir -p "$WORK/www" "$WORK/nginx/tmp"
awk 'BEGIN {
    print "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head><meta charset=\"utf-8\"><title>贵州省政务服务网</title></head>"
    print "<body>\n<h1>欢迎访问贵州省政务服务网</h1>"
    p = "本网站提供社会保障、医疗保险、公积金、户籍、出入境、不动产登记等政务服务事项的在线办理与进度查询。"
    for (i = 1; i <= 12; i++)
        printf "<p>第%d条：%s办事群众可通过网上大厅、移动端或就近的政务服务中心办理。</p>\n", i, p
    print "</body>\n</html>"
}' >"$WORK/www/index.html"
PAGE_BYTES=$(wc -c <"$WORK/www/index.html")

# nginx: one process in the foreground, every path in the work directory,
# no access log; its status page counts the requests it has served.
{
    cat <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    default_type text/html;
    charset utf-8;
    client_body_temp_path $WORK/nginx/tmp/body;
EOF
    for m in proxy fastcgi uwsgi scgi; do
        grep -q -- "--without-http_${m}_module" <<<"$nginx_v" ||
            echo "    ${m}_temp_path $WORK/nginx/tmp/$m;"
    done
    cat <<EOF
    server {
        listen 80 default_server backlog=4096;
        root $WORK/www;
        index index.html;
        location = /nginx_status { stub_status; }
    }
}
EOF
} >"$WORK/nginx/nginx.conf"
BENCH_LOG="$WORK/nginx/error.log"
ip netns exec "$T_NS" "$NGINX" -p "$WORK/nginx" -e "$WORK/nginx/error.log" \
    -c "$WORK/nginx/nginx.conf" >"$WORK/nginx/stderr.log" 2>&1 &
NGINX_PID=$!
BENCH_PIDS+=("$NGINX_PID")

# "requests connections idle": what nginx has served so far (this read
# included), and the connections it holds open with no request.
served() {
    local s
    s=$(ip netns exec "$P_NS" curl -s -m 2 "http://$LINK.2/nginx_status") ||
        die "cannot read nginx's status page"
    awk 'NR == 3 { r = $3; c = $1 } NR == 4 { print r, c, $6 }' <<<"$s"
}

for ((i = 0; i < 50; i++)); do
    ip netns exec "$P_NS" curl -s -o /dev/null -m 1 "http://$LINK.2/nginx_status" && break
    running "$NGINX_PID" || die "nginx exited: $(cat "$WORK/nginx/stderr.log")"
    sleep 0.1
done
[ "$i" -lt 50 ] || die "nginx does not answer at $LINK.2"
for i in 0 $((largest - 1)); do
    got=$(ip netns exec "$P_NS" curl -s -m 2 -w '%{http_code} %{size_download}' -o /dev/null \
        "http://$(target "$i")/") || die "no answer at http://$(target "$i")/"
    [ "$got" = "200 $PAGE_BYTES" ] || die "http://$(target "$i")/: $got, not 200 $PAGE_BYTES"
done
echo "http: nginx $(sed -n 's/^nginx version: nginx\///p' <<<"$nginx_v"), a page of $PAGE_BYTES bytes" >&2

bench_inventory "$WORK/inventory.csv" "$largest" web 门户网站 web 10.214
RESULTS="$WORK/results"
: >"$RESULTS"
hz=$(getconf CLK_TCK)

threads() {
    awk '/^Threads:/ { print $2 }' "/proc/$1/status"
}

# measure NAME PID [HELPER_PID]: the window of a prober already warmed up:
# its "key=value ..." figures in MEASURED, its ends (ns) in W_T0 and W_T1.
# A helper (Prometheus) is measured beside it, apart.
measure() {
    local name=$1 pid=$2 helper=${3:-}
    local t0 t1 tk0 tk1 ns0 ns1 st r0 r1 c0 c1 idle g0 g1 m0 m1 h0=0 h1=0 hn0=0 hn1=0 hhwm=0
    t0=$(date +%s%N)
    tk0=$(cpu_ticks "$pid")
    ns0=$(cpu_ns "$pid")
    if [ -n "$helper" ]; then
        h0=$(cpu_ticks "$helper")
        hn0=$(cpu_ns "$helper")
    fi
    g0=$(cpu_ticks "$NGINX_PID")
    m0=$(machine_ticks)
    st=$(served)
    read -r r0 c0 idle <<<"$st"
    alive_for "$pid" "$WINDOW" || die "$name exited during the window"
    t1=$(date +%s%N)
    tk1=$(cpu_ticks "$pid")
    ns1=$(cpu_ns "$pid")
    if [ -n "$helper" ]; then
        running "$helper" || die "$name's helper exited during the window"
        h1=$(cpu_ticks "$helper")
        hn1=$(cpu_ns "$helper")
        hhwm=$(hwm_kib "$helper")
    fi
    g1=$(cpu_ticks "$NGINX_PID")
    m1=$(machine_ticks)
    st=$(served)
    read -r r1 c1 idle <<<"$st"
    W_T0=$t0
    W_T1=$t1
    MEASURED="t0=$t0 t1=$t1 ticks=$((tk1 - tk0)) ns=$((ns1 - ns0)) hwm=$(hwm_kib "$pid")"
    MEASURED="$MEASURED threads=$(threads "$pid") requests=$((r1 - r0 - 1))"
    MEASURED="$MEASURED connections=$((c1 - c0 - 1)) idle=$idle nginx=$((g1 - g0))"
    MEASURED="$MEASURED helper=$((h1 - h0)) helper_ns=$((hn1 - hn0)) helper_hwm=$hhwm"
    MEASURED="$MEASURED busy=$((${m1% *} - ${m0% *})) total=$((${m1#* } - ${m0#* }))"
}

# sql DB QUERY: one value from probed's store, read while it runs.
sql() {
    sqlite3 -batch -noheader -cmd '.timeout 5000' "$1" "$2"
}

run_probed() {
    local n=$1
    local dir="$WORK/probed-$n" keep=$((WARMUP + WINDOW + 600)) i files
    mkdir -p "$dir"
    head -n $((n + 1)) "$WORK/inventory.csv" >"$dir/inventory.csv"
    cat >"$dir/probed.yaml" <<EOF
data_dir: ./data
timezone: Asia/Shanghai
log: { level: info }
storage: { heartbeat: 60s }
rrd: { rras: [ { step: 1x, keep: ${keep}s } ], write_delay: 60s }
templates:
  web:
    checks:
      - { id: web, type: http, url: "http://{address}/", interval: ${INTERVAL}s, timeout: ${TIMEOUT}s }
inventory: [ "inventory.csv" ]
EOF
    local log="$dir/probed.log" db="$dir/data/probed.db"
    BENCH_LOG=$log
    echo "http: probed, $n targets: warm-up ${WARMUP}s or more, window ${WINDOW}s" >&2
    local start
    start=$(date +%s%N)
    ip netns exec "$P_NS" "$BUILD/probed" -c "$dir/probed.yaml" -f 2>"$log" &
    PROBED_PID=$!
    probed_warm_up "$dir" "$n" 120
    local warm=$((($(date +%s%N) - start) / 1000000000)) q0 q1 notup
    q0=$(sql "$db" "SELECT coalesce(sum(rounds), 0) FROM current_state WHERE check_id = 'web'")
    measure probed "$PROBED_PID"
    q1=$(sql "$db" "SELECT coalesce(sum(rounds), 0) FROM current_state WHERE check_id = 'web'")
    notup=$(sql "$db" "SELECT count(*) FROM current_state WHERE check_id = 'web' AND state != 'UP'")
    stop_pid "$PROBED_PID" 120
    PROBED_PID=""
    local skipped down bad rounds warn
    skipped=$(sql "$db" "SELECT coalesce(sum(skipped), 0) FROM current_state WHERE check_id = 'web'")
    rounds=$(sql "$db" "SELECT coalesce(sum(rounds), 0) FROM current_state WHERE check_id = 'web'")
    down=$(sql "$db" "SELECT count(*) FROM transitions WHERE check_id = 'web' AND to_state = 'DOWN'")
    bad=$(sql "$db" "SELECT count(*) FROM current_state WHERE check_id = 'web' AND last_verdict != 'ok'")
    warn=$(grep -c -E '^[-0-9]+ [0-9:.]+ (warning|error): ' "$log" || true)
    echo "probed n=$n warmup=$warm $MEASURED own=$((q1 - q0)) run=$rounds skipped=$skipped" \
        "down=$down notup=$notup bad=$bad warn=$warn" >>"$RESULTS"
    [ "${PD_KEEP:-0}" = 1 ] || rm -rf "$dir/data"
}

# prom QUERY [TIME]: the first value of an instant query to Prometheus'
# HTTP API, at TIME (s since the epoch) or now; empty when it has none.
prom() {
    local args=(--data-urlencode "query=$1")
    [ -n "${2:-}" ] && args+=(--data-urlencode "time=$2")
    ip netns exec "$P_NS" curl -s -m 10 -G "http://$PROM_ADDR/api/v1/query" "${args[@]}" |
        jq -r 'if .status == "success" then (.data.result[0].value[1] // "") else error(.error) end'
}

# wait_http URL SECONDS PID: until URL answers 200, while PID runs.
wait_http() {
    local i
    for ((i = 0; i < $2 * 10; i++)); do
        ip netns exec "$P_NS" curl -s -o /dev/null -m 1 -f "$1" && return 0
        running "$3" || return 1
        sleep 0.1
    done
    return 1
}

run_blackbox() {
    local n=$1
    local dir="$WORK/blackbox-$n"
    mkdir -p "$dir/tsdb"
    cat >"$dir/blackbox.yml" <<EOF
modules:
  http_2xx:
    prober: http
    timeout: ${TIMEOUT}s
    http:
      valid_status_codes: [] # 2xx
      preferred_ip_protocol: ip4
EOF
    # The usual way to drive it: one scrape job over the URLs, each URL
    # moved into the target parameter of a scrape of the exporter.
    {
        cat <<EOF
global:
  scrape_interval: ${INTERVAL}s
  scrape_timeout: ${TIMEOUT}s
  evaluation_interval: 1m
scrape_configs:
  - job_name: blackbox
    metrics_path: /probe
    params:
      module: [http_2xx]
    relabel_configs:
      - source_labels: [__address__]
        target_label: __param_target
      - source_labels: [__param_target]
        target_label: instance
      - target_label: __address__
        replacement: $BB_ADDR
    static_configs:
      - targets:
EOF
        awk -v n="$n" 'BEGIN {
            for (i = 0; i < n; i++)
                printf "          - http://10.214.%d.%d/\n", int(i / 250), i % 250 + 1
        }'
    } >"$dir/prometheus.yml"
    local log="$dir/blackbox.log" plog="$dir/prometheus.log"
    BENCH_LOG=$log
    "$BLACKBOX" --config.file="$dir/blackbox.yml" --config.check >"$log" 2>&1 ||
        die "blackbox_exporter rejects its configuration"
    "$PROMETHEUS" --version >/dev/null 2>&1 || die "$PROMETHEUS does not run"
    echo "http: blackbox_exporter, $n targets (Prometheus scraping): warm-up ${WARMUP}s or more, window ${WINDOW}s" >&2
    local start
    start=$(date +%s%N)
    ip netns exec "$P_NS" "$BLACKBOX" --config.file="$dir/blackbox.yml" \
        --web.listen-address="$BB_ADDR" --log.level=warn >>"$log" 2>&1 &
    PEER_PID=$!
    wait_http "http://$BB_ADDR/-/healthy" 30 "$PEER_PID" || die "blackbox_exporter did not start"
    BENCH_LOG=$plog
    ip netns exec "$P_NS" "$PROMETHEUS" --config.file="$dir/prometheus.yml" \
        --storage.tsdb.path="$dir/tsdb" --storage.tsdb.retention.time=1h \
        --web.listen-address="$PROM_ADDR" --log.level=warn >"$plog" 2>&1 &
    local prom_pid=$!
    BENCH_PIDS+=("$prom_pid")
    wait_http "http://$PROM_ADDR/-/ready" 60 "$prom_pid" || die "Prometheus did not start"
    alive_for "$PEER_PID" "$WARMUP" || die "blackbox_exporter exited during the warm-up"
    # Every target scraped at least once.
    local i got=0
    for ((i = 0; i < 60; i++)); do
        got=$(prom 'count(up{job="blackbox"})') || die "Prometheus' API does not answer"
        [ "${got:-0}" -ge "$n" ] && break
        alive_for "$PEER_PID" 1 || die "blackbox_exporter exited during the warm-up"
    done
    [ "${got:-0}" -ge "$n" ] || die "only ${got:-0} of $n targets scraped after the warm-up"
    local warm=$((($(date +%s%N) - start) / 1000000000))
    measure blackbox "$PEER_PID" "$prom_pid"
    # The window's scrapes and probes as Prometheus stored them, once the
    # last scrape of the window is in: samples stamped (t1 - window, t1].
    alive_for "$PEER_PID" $((TIMEOUT + 1)) || die "blackbox_exporter exited after the window"
    local at range scrapes up probes ok
    at=$(awk -v t="$W_T1" 'BEGIN { printf "%.3f", t / 1e9 }')
    range="$(((W_T1 - W_T0) / 1000000))ms"
    if ! { scrapes=$(prom "sum(count_over_time(up{job=\"blackbox\"}[$range]))" "$at") &&
        up=$(prom "sum(sum_over_time(up{job=\"blackbox\"}[$range]))" "$at") &&
        probes=$(prom "sum(count_over_time(probe_success{job=\"blackbox\"}[$range]))" "$at") &&
        ok=$(prom "sum(sum_over_time(probe_success{job=\"blackbox\"}[$range]))" "$at"); }; then
        die "Prometheus' API does not answer"
    fi
    # Before the stop, which both log as a warning.
    local warn
    warn=$(cat "$log" "$plog" | grep -c -E 'level=(warn|error)' || true)
    stop_pid "$prom_pid" 30
    stop_pid "$PEER_PID" 30
    PEER_PID=""
    echo "blackbox n=$n warmup=$warm $MEASURED own=${probes:-0} scrapes=${scrapes:-0}" \
        "failed_scrapes=$((${scrapes:-0} - ${up:-0})) failed_probes=$((${probes:-0} - ${ok:-0}))" \
        "warn=$warn" >>"$RESULTS"
    [ "${PD_KEEP:-0}" = 1 ] || rm -rf "$dir/tsdb"
}

for n in $TIERS; do
    for tool in $TOOLS; do
        "run_$tool" "$n"
        sleep 2
    done
done
running "$NGINX_PID" || die "nginx exited"
if grep -q -E '\[(alert|emerg|crit|error)\]' "$WORK/nginx/error.log"; then
    echo "http: nginx logged errors:" >&2
    grep -E '\[(alert|emerg|crit|error)\]' "$WORK/nginx/error.log" | tail -n 5 >&2
fi

echo
awk -v tick="$hz" -v ncpu="$(nproc)" -v interval="$INTERVAL" -v page="$PAGE_BYTES" '
function us(ticks, checks) { return checks > 0 ? ticks / tick * 1e6 / checks : 0 }
{
    delete v
    for (i = 2; i <= NF; i++) {
        j = index($i, "=")
        v[substr($i, 1, j - 1)] = substr($i, j + 1)
    }
    n = v["n"]; tool = $1
    wall = (v["t1"] - v["t0"]) / 1e9
    planned = n * wall / interval
    chk[tool, n] = v["requests"]; cpu[tool, n] = v["ticks"] / tick; win[n] = wall
    per[tool, n] = us(v["ticks"], v["requests"]); rss[tool, n] = v["hwm"] / 1024
    if (!(n in seen)) { seen[n] = 1; order[++no] = n }
    name = tool == "probed" ? "probed" : "blackbox_exporter"
    printf "%s, %d targets x GET http://10.214.x.y/ (%d bytes) every %d s (warm-up %d s, window %.0f s):\n",
        name, n, page, interval, v["warmup"], wall
    printf "  checks done            %d requests served by nginx in the window (%.0f planned), on %d connections; %d idle connections open at the end\n",
        v["requests"], planned, v["connections"], v["idle"]
    if (tool == "probed") {
        printf "  rounds in the store    %d in the window (current_state.rounds, refreshed every 30 s); %d over the run\n",
            v["own"], v["run"]
    } else {
        printf "  probes in Prometheus   %d probe_success samples in the window; %d scrapes\n", v["own"], v["scrapes"]
    }
    printf "  CPU                    %.2f s = %.2f%% of one core (utime + stime, all threads)\n",
        cpu[tool, n], cpu[tool, n] / wall * 100
    printf "  CPU per check          %.1f us\n", per[tool, n]
    printf "  CPU, live threads      %.3f s (schedstat, ns; %d threads at the end)\n", v["ns"] / 1e9, v["threads"]
    if (tool == "probed") {
        printf "  failures               %d DOWN transitions, %d skipped rounds (whole run); %d targets not UP at the end of the window, %d with a bad last round after the stop; %d warnings in the log\n",
            v["down"], v["skipped"], v["notup"], v["bad"], v["warn"]
        fail[tool, n] = v["down"] " DOWN, " v["skipped"] " skipped"
    } else {
        hcpu[n] = v["helper"] / tick; hrss[n] = v["helper_hwm"] / 1024
        printf "  Prometheus (apart)     %.2f s = %.2f%% of one core; %.1f us per check; peak RSS %.1f MiB\n",
            hcpu[n], hcpu[n] / wall * 100, us(v["helper"], v["requests"]), hrss[n]
        printf "  blackbox + Prometheus  %.2f s, %.1f us per check\n", cpu[tool, n] + hcpu[n],
            us(v["ticks"] + v["helper"], v["requests"])
        printf "  failures               %d probes with probe_success 0, %d failed scrapes; %d warnings or errors in the logs\n",
            v["failed_probes"], v["failed_scrapes"], v["warn"]
        fail[tool, n] = v["failed_probes"] " failed, " v["failed_scrapes"] " scrapes failed"
        both[n] = us(v["ticks"] + v["helper"], v["requests"])
    }
    printf "  peak RSS (VmHWM)       %.1f MiB\n", rss[tool, n]
    printf "  nginx                  %.2f s of CPU = %.1f us per request\n", v["nginx"] / tick, us(v["nginx"], v["requests"])
    printf "  whole machine busy     %.0f%% of one core, of %d%% (all processes)\n",
        (v["total"] > 0 ? v["busy"] / v["total"] * ncpu * 100 : 0), ncpu * 100
}
END {
    for (i = 1; i <= no; i++) {
        n = order[i]
        if (("probed", n) in per && ("blackbox", n) in per && per["blackbox", n] > 0)
            printf "%d targets: probed / blackbox_exporter %.2f (aim: at most 0.50); probed / (blackbox_exporter + Prometheus) %.2f\n",
                n, per["probed", n] / per["blackbox", n], (both[n] > 0 ? per["probed", n] / both[n] : 0)
    }
    print ""
    print "| tool | targets | window | checks | CPU s | CPU µs / check | probed / blackbox | failures | peak RSS |"
    print "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    for (i = 1; i <= no; i++) {
        n = order[i]
        for (t = 1; t <= 2; t++) {
            tool = t == 1 ? "probed" : "blackbox"
            if (!((tool, n) in per)) continue
            ratio = "-"
            if (tool == "probed" && ("blackbox", n) in per && per["blackbox", n] > 0)
                ratio = sprintf("**%.2f** (%.2f with Prometheus)", per["probed", n] / per["blackbox", n],
                    per["probed", n] / both[n])
            printf "| %s | %d | %.0f s | %d | %.2f | %.1f | %s | %s | %.1f MiB |\n",
                (tool == "probed" ? "probed" : "blackbox_exporter"), n, win[n], chk[tool, n], cpu[tool, n],
                per[tool, n], ratio, fail[tool, n], rss[tool, n]
            if (tool == "blackbox")
                printf "| Prometheus (scheduling, storage) | %d | %.0f s | - | %.2f | %.1f | - | - | %.1f MiB |\n",
                    n, win[n], hcpu[n], (chk[tool, n] > 0 ? hcpu[n] * 1e6 / chk[tool, n] : 0), hrss[n]
        }
    }
}' "$RESULTS"
