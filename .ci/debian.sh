#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds the Debian packages (dpkg-buildpackage -us -uc -b) from a release
# tarball, or from the checkout when none is given, in a temporary
# directory, then runs lintian on them and prints its findings.
# Exit status: the package build's; lintian's findings never fail it.
# Usage: .ci/debian.sh [otpbox-VERSION.tar.gz]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/otpbox-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/src"
if [ $# -gt 0 ]; then
	tar -xzf "$1" -C "$work/src" --strip-components=1
else
	(cd "$top" && { git ls-files 2>/dev/null ||
		find . -name '_build*' -prune -o -type f -print; } |
		tar -cf - -T -) | tar -xf - -C "$work/src"
fi
jobs=$(nproc 2>/dev/null || echo 2)
# The test suites ran before this step: the package build does not repeat
# them.
echo "== debian: dpkg-buildpackage -us -uc -b (in $work)"
if ! (cd "$work/src" &&
	DEB_BUILD_OPTIONS="nocheck parallel=$jobs" DEB_BUILD_PROFILES=nocheck \
		dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1); then
	tail -40 "$work/build.log"
	echo "debian: package build FAILED"
	exit 1
fi
ls "$work"/*.deb | sed 's|.*/|debian: built |'
if ! command -v lintian >/dev/null 2>&1; then
	echo "debian: lintian is not installed; packages not checked"
	exit 0
fi
lintian --info --display-info "$work"/*.changes >"$work/lintian.log" 2>&1 || true
grep -v -e '^N:' -e 'running with root privileges' "$work/lintian.log" |
	sed 's/^/lintian: /'
errors=$(grep -c '^E:' "$work/lintian.log" || true)
warnings=$(grep -c '^W:' "$work/lintian.log" || true)
infos=$(grep -c '^I:' "$work/lintian.log" || true)
echo "debian: packages built; lintian: $errors errors, $warnings warnings, $infos notes"
