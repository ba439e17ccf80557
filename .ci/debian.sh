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

# Each package holds what it promises; a missing file fails like a build.
# contains PACKAGE PATH...: every PATH is in PACKAGE's .deb.
missing=0
contains()
{
	deb=$(ls "$work/$1"_*.deb | head -1)
	shift
	dpkg-deb -c "$deb" | awk '{ print $6 }' >"$work/contents"
	for f in "$@"; do
		grep -qx "\.$f" "$work/contents" || {
			echo "debian: $(basename "$deb") lacks $f"
			missing=1
		}
	done
}
contains otpbox /usr/bin/otpbox /etc/otpbox/otpbox.conf \
	/lib/systemd/system/otpbox-fetch.service \
	/lib/systemd/system/otpbox-fetch-once.service \
	/lib/systemd/system/otpbox-fetch-once.timer \
	/usr/lib/sysusers.d/otpbox.conf /usr/share/man/man1/otpbox.1.gz \
	/usr/share/man/man5/otpbox.conf.5.gz
contains libotpbox-dev /usr/include/otpbox.h \
	/usr/share/man/man3/libotpbox.3.gz
contains python3-otpbox /usr/lib/python3/dist-packages/otpbox/__init__.py \
	/usr/lib/python3/dist-packages/otpbox/pytest_plugin.py
dpkg-deb -c "$(ls "$work"/libotpbox1_*.deb)" >"$work/contents"
grep -q 'libotpbox\.so\.[0-9]' "$work/contents" || {
	echo "debian: libotpbox1 lacks libotpbox.so.N"
	missing=1
}
dpkg-deb -f "$(ls "$work"/otpbox_*.deb)" Depends | grep -q adduser || {
	echo "debian: otpbox does not depend on adduser (its postinst needs it)"
	missing=1
}
dpkg-deb -I "$(ls "$work"/otpbox_*.deb)" conffiles 2>/dev/null |
	grep -qx /etc/otpbox/otpbox.conf || {
	echo "debian: /etc/otpbox/otpbox.conf is not a conffile"
	missing=1
}
# The Python module, unpacked beside the library it depends on, finds it
# by its soname alone and reports its version.
root=$work/root
for p in libotpbox1 python3-otpbox; do
	dpkg-deb -x "$(ls "$work/$p"_*.deb)" "$root"
done
got=$(LD_LIBRARY_PATH=$(dirname "$(find "$root" -name 'libotpbox.so.1')") \
	PYTHONPATH=$root/usr/lib/python3/dist-packages OTPBOX_LIBRARY= \
	/usr/bin/python3 -c 'import otpbox; print(otpbox.library_version())' \
	2>&1) && [ "$got" = "$(dpkg-deb -f "$(ls "$work"/libotpbox1_*.deb)" \
	Version)" ] || {
	echo "debian: python3-otpbox does not load libotpbox1: $got"
	missing=1
}
[ "$missing" -eq 0 ] || exit 1
echo "debian: every package holds its files; otpbox.conf is a conffile"
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
