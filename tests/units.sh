#!/bin/sh
# SPDX-License-Identifier: MIT
# The systemd units as make generates them: they name the installed
# program, systemd accepts them (systemd-analyze verify, run against this
# build's otpbox), and the services stay hardened: an exposure level of
# at most OTPBOX_UNIT_EXPOSURE (systemd-analyze security, 0 best, 10 worst).
. "${OTPBOX_SRCDIR:-.}/tests/lib.sh"
max_exposure=${OTPBOX_UNIT_EXPOSURE:-1.5}

if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "skip: systemd-analyze is not installed"
	exit 77
fi
units="otpbox-fetch.service otpbox-fetch-once.service"
for u in $units; do
	f="$OTPBOX_BUILDDIR/etc/$u"
	if [ ! -f "$f" ]; then
		fail "$u was not generated"
		continue
	fi
	expect_grep "^ExecStart=$OTPBOX_BINDIR/otpbox fetch " "$f" \
		"$u starts $OTPBOX_BINDIR/otpbox"
	# The same unit, starting this build's program, for verify.
	sed "s|^\(Exec[A-Za-z]*=\)$OTPBOX_BINDIR/otpbox|\1$OTPBOX|" "$f" \
		>"$TEST_DIR/$u"
done
cp "$OTPBOX_SRCDIR/etc/otpbox-fetch-once.timer" "$TEST_DIR/"

(cd "$TEST_DIR" && systemd-analyze verify --man=no $units \
	otpbox-fetch-once.timer) >"$TEST_DIR/verify" 2>&1
if [ ! -s "$TEST_DIR/verify" ]; then
	pass "systemd-analyze verify accepts the units and the timer"
else
	fail "systemd-analyze verify"
	sed 's/^/    /' "$TEST_DIR/verify" | head -10
fi

threshold=$(echo "$max_exposure" | awk '{ printf "%d", $1 * 10 }')
for u in $units; do
	systemd-analyze security --offline=true --threshold="$threshold" \
		"$TEST_DIR/$u" >"$TEST_DIR/security" 2>&1
	st=$?
	level=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' \
		"$TEST_DIR/security")
	if [ "$st" -eq 0 ] && [ -n "$level" ]; then
		pass "$u: exposure $level (at most $max_exposure)"
	else
		fail "$u: exposure ${level:-unknown}, wanted at most $max_exposure"
		grep '✗' "$TEST_DIR/security" | head -20
	fi
done

# The check notices an unhardened unit.
printf '[Service]\nExecStart=%s --version\n' "$OTPBOX" >"$TEST_DIR/bare.service"
if systemd-analyze security --offline=true --threshold="$threshold" \
	"$TEST_DIR/bare.service" >/dev/null 2>&1; then
	fail "an unhardened unit passes the exposure check"
else
	pass "an unhardened unit fails the exposure check"
fi
test_done
