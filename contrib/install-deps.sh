#!/bin/sh
# Installs what probed needs to build, run and test, from Debian packages only.
# Idempotent: packages already present are skipped by apt-get.
set -eu

packages="
  build-essential cmake pkg-config clang-format
  clang libclang-rt-14-dev
  libev-dev libyaml-dev libsqlite3-dev sqlite3 librrd-dev rrdtool fonts-noto-cjk
  libsnmp-dev libpcap-dev libcap-dev libcmocka-dev
  libssl-dev libxlsxwriter-dev libcrypt-dev
  snmpd snmp
  libcurl4-openssl-dev nginx-light openssl tshark
  iproute2 nftables procps tzdata jq iputils-ping python3 python3-aiosmtpd time
  libmicrohttpd-dev curl chromium prometheus
"

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: run as root (apt-get needs it)" >&2
	exit 1
fi

missing=""
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "install-deps: all packages present"
	exit 0
fi

echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
