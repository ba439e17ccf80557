#!/bin/sh
# SPDX-License-Identifier: MIT
# The migration protocol of sql/postgresql/001_init.sql: hosts starting at
# once bring a fresh database to the newest version together, each file
# applied once; a database of another program is left alone; a migration
# run out of order refuses.
. "${OTPBOX_SRCDIR:-.}/tests/lib.sh"
. "$OTPBOX_SRCDIR/tests/pg.sh"
pg_require
pg_start || { fail "pg_start"; test_done; }
n=$(ls "$OTPBOX_SRCDIR"/sql/postgresql/[0-9]*.sql | wc -l)

pids=
for i in 1 2 3 4 5 6; do
	pg_migrate >"$TEST_DIR/m$i.out" 2>&1 &
	pids="$pids $!"
done
bad=0
for p in $pids; do
	wait "$p" || bad=$((bad + 1))
done
[ "$bad" = 0 ] && pass "six migrators at once all succeed" || {
	fail "$bad of six migrators failed"
	cat "$TEST_DIR"/m*.out | sed 's/^/    /' | head -5
}
got=$(pg_psql -c "SELECT application || ' ' || version FROM otpbox_schema")
[ "$got" = "otpbox $n" ] && pass "the database is at version $n" ||
	fail "otpbox_schema: got '$got'"
pg_migrate && pass "migrating an up-to-date database changes nothing" ||
	fail "a second pg_migrate"

pg_super -d "$PGDATABASE" -c "CREATE DATABASE other OWNER $PGUSER" >/dev/null
pg_psql -d other -c "CREATE TABLE codes (id int)"
if pg_migrate other 2>"$TEST_DIR/err"; then
	fail "a database of another program was migrated"
else
	expect_grep "not an otpbox database" "$TEST_DIR/err" \
		"a database of another program is refused"
fi
got=$(pg_psql -d other -c "SELECT count(*) FROM pg_tables
	WHERE schemaname = current_schema()")
[ "$got" = 1 ] && pass "and left unchanged" ||
	fail "the other program's database has $got tables"
test_done
