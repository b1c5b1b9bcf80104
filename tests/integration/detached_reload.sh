#!/bin/bash
# probed without -f detaches and changes directory to /. Started with a
# relative -c path (as an admin types it in /etc/probed), a SIGHUP must
# still reload that file, and the pid file must name the detached process.
set -euo pipefail
. "$(dirname "$0")/lib.sh" "$1"

pd_lab_init

pd_target a 1
pd_target b 2

write_config() {
    pd_write_file "$PD_CFG" <<EOF
data_dir: ./data
timezone: Asia/Shanghai
pid_file: ./probed.pid
log: { level: info }
storage: { heartbeat: 2s }
templates:
  codec:
    checks:
      - { id: ping, type: icmp, count: 1, interval: 1s, timeout: 500ms, availability: true }
targets:
  - { id: gy-codec-01, name: "贵阳市会议终端01", address: $(pd_addr4 1), type: codec,
      site: guizhou/guiyang }
$1
EOF
}

write_config ""
# Relative to the directory it is started in; no -f: detach.
(cd "$PD_TMP" && ip netns exec "$PD_PROBER" "$PD_BUILD/probed" -c probed.yaml) ||
    pd_fail "probed -c probed.yaml (detaching) exited with status $?"
for ((i = 0; i < 100; i++)); do
    [ -s "$PD_TMP/probed.pid" ] && break
    sleep 0.1
done
[ -s "$PD_TMP/probed.pid" ] || pd_fail "no pid file $PD_TMP/probed.pid within 10 s"
PD_DAEMON_PID=$(cat "$PD_TMP/probed.pid")
pd_pid_running "$PD_DAEMON_PID" || pd_fail "the pid file names $PD_DAEMON_PID, which is not running"
[ "$(readlink "/proc/$PD_DAEMON_PID/cwd")" = / ] ||
    pd_fail "the detached daemon's directory is $(readlink "/proc/$PD_DAEMON_PID/cwd"), not /"
pd_wait_state gy-codec-01 '' UP 15
pd_ok "detached daemon $PD_DAEMON_PID from a relative -c path: gy-codec-01 UP"

write_config "  - { id: zy-codec-02, name: \"遵义市会议终端02\", address: $(pd_addr4 2), type: codec,
      site: guizhou/zunyi }"
pd_daemon_signal HUP
pd_wait_state zy-codec-02 '' UP 15
n=$(pd_sql "SELECT count(*) FROM targets WHERE coalesce(retired_ns, 0) = 0")
[ "$n" = 2 ] || pd_fail "$n targets in service after the reload, expected 2"
pd_ok "SIGHUP reloaded probed.yaml although the daemon's directory is /: zy-codec-02 UP"

pd_daemon_stop
[ -e "$PD_TMP/probed.pid" ] && pd_fail "the pid file is still there after SIGTERM"
pd_ok "SIGTERM stopped it and removed the pid file"
