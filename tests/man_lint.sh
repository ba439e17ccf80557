#!/bin/sh
# SPDX-License-Identifier: MIT
# Every manual page is well-formed roff: mandoc's linter (warnings and
# worse fail), else groff with all warnings, when mandoc is not installed.
. "${OTPBOX_SRCDIR:-.}/tests/lib.sh"

pages="otpbox.1 otpbox-fetch.1 otpbox-wait.1 otpbox-extract.1 otpbox-status.1
otpbox-doctor.1 otpbox.conf.5 libotpbox.3"

# lint PAGE: prints what the linter found; returns non-zero when it found
# anything.
lint()
{
	if command -v mandoc >/dev/null 2>&1; then
		mandoc -T lint -W warning "$1" 2>&1
	else
		groff -man -ww -z "$1" 2>&1
	fi >"$TEST_DIR/lint"
	st=$?
	[ "$st" -eq 0 ] && [ ! -s "$TEST_DIR/lint" ]
}

command -v mandoc >/dev/null 2>&1 || echo "note: no mandoc, linting with groff -ww"
for p in $pages; do
	f="$OTPBOX_SRCDIR/docs/$p"
	if [ ! -f "$f" ]; then
		fail "$p: missing"
	elif lint "$f"; then
		pass "$p: lints clean"
	else
		fail "$p: lint"
		sed 's/^/    /' "$TEST_DIR/lint" | head -20
	fi
done

# The linter itself must catch a broken page, or the checks above mean
# nothing.
printf '.TH BROKEN 1\n.SH NAME\nbroken \\- test\n.SH DESCRIPTION\n.BI\n.XX bad\n' \
	>"$TEST_DIR/broken.1"
if lint "$TEST_DIR/broken.1"; then
	fail "the linter passes a broken page"
else
	pass "the linter rejects a broken page"
fi
test_done
