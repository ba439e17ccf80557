#!/bin/sh
# SPDX-License-Identifier: MIT
# The claim statement that docs/audit.md gives PostgreSQL clients, run
# exactly as documented against the private cluster with the schema of
# sql/postgresql/.
. "${OTPBOX_SRCDIR:-.}/tests/lib.sh"
. "$OTPBOX_SRCDIR/tests/pg.sh"
pg_require
command -v python3 >/dev/null 2>&1 || { echo "SKIP: no python3"; exit 77; }
pg_start || { fail "pg_start"; test_done; }
pg_apply_schema || { fail "the migrations"; test_done; }
if python3 "$OTPBOX_SRCDIR/tests/pg/claim.py" "$OTPBOX_SRCDIR/docs/audit.md" \
	"$PG_PSQL" "$TEST_DIR"; then
	pass "documented PostgreSQL claim statement"
else
	fail "documented PostgreSQL claim statement"
fi
test_done
