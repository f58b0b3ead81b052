#!/bin/sh
# deps.sh: install the Debian 12 packages that building, testing and the demo
# need, and only when one is missing. Used by tests/run-all.sh and
# contrib/demo/run-demo.sh.
#   sh tests/deps.sh
# As root it runs apt-get (one "apt-get update", then one install); as
# another user it prints the apt-get line to run and exits 1.
set -eu

PACKAGES="libgmime-3.0-dev libpq-dev libetpan-dev libsodium-dev libxml2-dev libexttextcat-dev libexttextcat-data"
PACKAGES="$PACKAGES postgresql postfix swaks iproute2"
# the cluster test (tests/cluster.sh): its CA and certificates
PACKAGES="$PACKAGES openssl"
PACKAGES="$PACKAGES autoconf automake libtool pkg-config make gcc valgrind procps"
# the tests and the demo read captured mail with Python's email module
PACKAGES="$PACKAGES python3"
# the fuzz targets (fuzz/): clang, its ASan/UBSan/libFuzzer runtimes, the symbolizer
PACKAGES="$PACKAGES clang-14 libclang-rt-14-dev llvm-14"

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "deps.sh: no dpkg-query: not a Debian system; install by hand:" >&2
	echo "  $PACKAGES" >&2
	exit 0
fi

# The packages that are not installed.
missing=
for p in $PACKAGES; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "deps.sh: all build and test packages are installed"
	exit 0
fi

install_line="DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: missing packages:$missing" >&2
	echo "deps.sh: run as root (postfix wants the debconf answer first):" >&2
	echo "  echo 'postfix postfix/main_mailer_type select Local only' | debconf-set-selections" >&2
	echo "  apt-get update && $install_line" >&2
	exit 1
fi

echo "deps.sh: installing:$missing"
# Postfix asks questions on install: answer them in advance.
mailname=$(hostname 2>/dev/null || true)
[ -n "$mailname" ] || mailname=localhost
debconf-set-selections <<EOF
postfix postfix/main_mailer_type select Local only
postfix postfix/mailname string $mailname
EOF
export DEBIAN_FRONTEND=noninteractive
timeout -k 10 300 apt-get update
# shellcheck disable=SC2086 # the list is meant to split into words
timeout -k 10 900 apt-get install -y --no-install-recommends $missing
echo "deps.sh: done"
