#!/bin/sh
# SPDX-License-Identifier: MIT
# The claim statement that docs/audit.md gives bots in other languages,
# run from Python exactly as documented.
. "${OTPBOX_SRCDIR:-.}/tests/lib.sh"
command -v python3 >/dev/null 2>&1 || { echo "skip: no python3"; exit 77; }
if python3 "$OTPBOX_SRCDIR/tests/worker/sql_claim.py" \
	"$OTPBOX_SRCDIR/docs/audit.md" "$OTPBOX_BUILDDIR/tests/worker/testdb_tool" \
	"$TEST_DIR"; then
	pass "documented claim statement"
else
	fail "documented claim statement"
fi
test_done
