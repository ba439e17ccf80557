#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs the Debian packages listed in .ci/deps.txt (and in any further
# list files given as arguments, e.g. bench/deps.txt) that are missing.
# Runs apt-get only when something is missing; needs root for that.
set -eu
here=$(dirname "$0")
missing=""
for pkg in $(cat "$here/deps.txt" "$@" | grep -v '^#'); do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null |
		grep -q "install ok installed" || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "run as root (or with sudo) to install:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# The test Dovecot is started privately by the tests; keep the packaged
# service from starting on install where policy-rc.d is honoured.
apt-get install -y -qq --no-install-recommends $missing >/dev/null
