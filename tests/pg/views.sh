#!/bin/sh
# SPDX-License-Identifier: MIT
# The audit views (otp_codes, missed_otps, active_waits) give the same rows
# on SQLite and PostgreSQL for the same data.
. "${OTPBOX_SRCDIR:-.}/tests/lib.sh"
. "$OTPBOX_SRCDIR/tests/pg.sh"
pg_require
command -v python3 >/dev/null 2>&1 || { echo "SKIP: no python3"; exit 77; }
pg_start || { fail "pg_start"; test_done; }
pg_apply_schema || { fail "the migrations"; test_done; }
"$OTPBOX_BUILDDIR/tests/worker/testdb_tool" create "$TEST_DIR/otpbox.db"
if python3 "$OTPBOX_SRCDIR/tests/pg/views.py" "$TEST_DIR/otpbox.db" \
	"$PG_PSQL"; then
	pass "the same view rows on both engines"
else
	fail "the view rows differ"
fi
test_done
