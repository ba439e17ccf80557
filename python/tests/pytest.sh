#!/bin/sh
# SPDX-License-Identifier: MIT
# make check's entry to the Python package's tests (pytest, Debian's
# python3-pytest): the package from the source tree over the build's
# libotpbox.so.1, real databases, and, as root, the private test Dovecot
# with the real `otpbox fetch --watch`. Extra arguments go to pytest.
. "${OTPBOX_SRCDIR:-.}/tests/lib.sh"
. "${OTPBOX_SRCDIR:-.}/tests/dovecot.sh"
# Debian's python3 (what the package is installed for), else the first.
PY=${OTPBOX_TEST_PYTHON:-/usr/bin/python3}
[ -x "$PY" ] || PY=python3
if ! "$PY" -c 'import pytest' 2>/dev/null; then
	echo "SKIP: pytest is not installed (apt-get install python3-pytest)"
	exit 77
fi
OTPBOX_LIBRARY=$OTPBOX_BUILDDIR/.libs/libotpbox.so.1
PYTHONPATH=$OTPBOX_SRCDIR/python${PYTHONPATH:+:$PYTHONPATH}
# The source tree may be read-only (make distcheck): no .pyc, no cache.
PYTHONDONTWRITEBYTECODE=1
export OTPBOX_LIBRARY PYTHONPATH PYTHONDONTWRITEBYTECODE
unset OTPBOX_DB OTPBOX_CONFIG
if [ "$(id -u)" -eq 0 ] && command -v dovecot >/dev/null 2>&1; then
	dovecot_start || { echo "cannot start dovecot"; exit 99; }
	dovecot_conf "$TEST_DIR/otpbox.conf"
	DOVECOT_PASSWORD_FILE=$DOVECOT_DIR/password
	OTPBOX_TEST_CONF=$TEST_DIR/otpbox.conf
	export DOVECOT_PORT DOVECOT_CA DOVECOT_USER DOVECOT_PASSWORD_FILE \
		OTPBOX_TEST_CONF
else
	echo "note: no test Dovecot (needs root and dovecot-imapd):" \
		"its tests are skipped"
fi
# A sanitizer build's libotpbox needs the ASan runtime loaded first; the
# interpreter's own allocations at exit are not ours to report. Only
# pytest gets it: this shell's own clean-up (ps, kill) must not run under
# ASan (ps hung in it).
preload=
if readelf -d "$OTPBOX_LIBRARY" 2>/dev/null | grep -q 'NEEDED.*libasan'; then
	preload=$(${CC:-cc} -print-file-name=libasan.so)
fi
status=0
env ${preload:+LD_PRELOAD="$preload"} \
	${preload:+ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"} \
	"$PY" -m pytest -p no:cacheprovider -p otpbox.pytest_plugin -p pytester \
	--otpbox-domain=bots.test --basetemp="$TEST_DIR/pytest" \
	-o python_files='test_*.py' -rs "$@" "$OTPBOX_SRCDIR/python/tests" ||
	status=$?
exit "$status"
