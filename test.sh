#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs what is missing, builds otpbox twice (warnings as errors, then
# with AddressSanitizer + UndefinedBehaviorSanitizer) and runs every test,
# then checks that the release tarball is complete and passes its own
# tests (make distcheck), and builds the Debian packages from it (lintian's
# findings are reported, not fatal).
# Set OTPBOX_CORPUS_DIR to also check extraction against a labelled corpus.
set -eu
top=$(cd "$(dirname "$0")" && pwd)
cd "$top"
sh .ci/install-deps.sh
[ -x configure ] && [ configure -nt configure.ac ] &&
	[ Makefile.in -nt Makefile.am ] || autoreconf -fi >/dev/null 2>&1 ||
	autoreconf -fi
jobs=$(nproc 2>/dev/null || echo 2)
status=0
summary=""

# run_suite NAME CONFIGURE-FLAGS...: configure, build and check in _build-NAME.
run_suite()
{
	name=$1
	shift
	dir="$top/_build-$name"
	mkdir -p "$dir"
	echo "== $name: configure $*"
	(cd "$dir" && "$top/configure" -q "$@" && make -s -j"$jobs" &&
		make -s -j"$jobs" check) || status=1
	log="$dir/test-suite.log"
	if [ -f "$log" ]; then
		pass=$(sed -n 's/^# PASS: *//p' "$log")
		failn=$(sed -n 's/^# FAIL: *//p' "$log")
		errn=$(sed -n 's/^# ERROR: *//p' "$log")
		summary="$summary $name: ${pass:-0} passed, $((${failn:-0} + ${errn:-0})) failed;"
		[ "${failn:-0}" -eq 0 ] && [ "${errn:-0}" -eq 0 ] || {
			status=1
			cat "$log"
		}
	fi
}

run_suite werror --enable-werror
run_suite sanitizers --enable-sanitizers
echo "== distcheck"
rm -f "$top"/_build-werror/otpbox-*.tar.gz
(cd "$top/_build-werror" &&
	make -s distcheck DISTCHECK_CONFIGURE_FLAGS=--enable-werror \
		>distcheck.log 2>&1) || {
	status=1
	tail -60 "$top/_build-werror/distcheck.log"
	echo "distcheck FAILED"
}
# The Debian packages, from the tarball distcheck made: a failed package
# build fails the run; lintian's findings are only reported.
echo "== debian packages"
tarball=$(ls -t "$top"/_build-werror/otpbox-*.tar.gz 2>/dev/null | head -1)
if sh .ci/install-deps.sh debian/ci-deps.txt &&
	sh .ci/debian.sh ${tarball:+"$tarball"}; then
	summary="$summary debian: packages built;"
else
	status=1
	summary="$summary debian: package build FAILED;"
fi
echo "summary:$summary"
total_pass=$(echo "$summary" | grep -o '[0-9]* passed' | awk '{s+=$1} END {print s+0}')
total_fail=$(echo "$summary" | grep -o '[0-9]* failed' | awk '{s+=$1} END {print s+0}')
[ "$status" -eq 0 ] || [ "$total_fail" -gt 0 ] || total_fail=1
echo "$total_pass passed, $total_fail failed"
exit "$status"
