#!/bin/sh
# SPDX-License-Identifier: MIT
# The PostgreSQL schema matches SQLite's: the migrations compiled into
# otpbox for each engine give the same tables and the same views
# (otp_codes, missed_otps, active_waits) with the same columns in the same
# order, and there are as many PostgreSQL migrations as SQLite ones.
. "${OTPBOX_SRCDIR:-.}/tests/lib.sh"
. "$OTPBOX_SRCDIR/tests/pg.sh"
pg_require
command -v sqlite3 >/dev/null 2>&1 || { echo "SKIP: no sqlite3"; exit 77; }
DUMP=$OTPBOX_BUILDDIR/tests/pg/schema_dump
pg_start || { fail "pg_start"; test_done; }

n_sqlite=$("$DUMP" sqlite)
n_pg=$("$DUMP" postgresql)
[ "$n_sqlite" -gt 0 ] && [ "$n_pg" = "$n_sqlite" ] &&
	pass "$n_pg PostgreSQL migrations for $n_sqlite SQLite ones" ||
	fail "PostgreSQL has $n_pg migrations, SQLite $n_sqlite"

# SQLite: the store creates the file as otpbox does.
"$OTPBOX_BUILDDIR/tests/worker/testdb_tool" create "$TEST_DIR/otpbox.db"
# PostgreSQL: each compiled-in migration in a transaction of its own.
i=1
while [ "$i" -le "$n_pg" ]; do
	"$DUMP" postgresql "$i" >"$TEST_DIR/m.sql" &&
		pg_psql -1 -f "$TEST_DIR/m.sql" >/dev/null 2>"$TEST_DIR/err" ||
		{
			fail "PostgreSQL migration $i"
			sed 's/^/    /' "$TEST_DIR/err" | head -5
		}
	i=$((i + 1))
done
got=$(pg_psql -c "SELECT application || ' ' || version FROM otpbox_schema")
[ "$got" = "otpbox $n_pg" ] && pass "otpbox_schema says otpbox, version $n_pg" ||
	fail "otpbox_schema: got '$got'"
"$DUMP" postgresql "$n_pg" >"$TEST_DIR/m.sql"
if pg_psql -1 -f "$TEST_DIR/m.sql" >/dev/null 2>"$TEST_DIR/err"; then
	fail "the last migration applied twice"
else
	expect_grep "applies to schema version" "$TEST_DIR/err" \
		"a migration refuses a database at another version"
fi

sqlite_cols()
{
	sqlite3 "$TEST_DIR/otpbox.db" \
		"SELECT name FROM pragma_table_info('$1') ORDER BY cid"
}

pg_cols()
{
	pg_psql -c "SELECT column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = '$1'
		ORDER BY ordinal_position"
}

# Every SQLite table and view, and the views by name so that a missing
# one cannot pass unnoticed.
objects=$(sqlite3 "$TEST_DIR/otpbox.db" "SELECT name FROM sqlite_master
	WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'
	ORDER BY type, name")
for v in otp_codes missed_otps active_waits; do
	echo "$objects" | grep -qx "$v" || fail "SQLite has no view $v"
done
for t in $objects; do
	sqlite_cols "$t" >"$TEST_DIR/sqlite.cols"
	pg_cols "$t" >"$TEST_DIR/pg.cols"
	if [ -s "$TEST_DIR/sqlite.cols" ] &&
		cmp -s "$TEST_DIR/sqlite.cols" "$TEST_DIR/pg.cols"; then
		pass "$t: $(wc -l <"$TEST_DIR/pg.cols") columns, same order"
	else
		fail "$t differs (< SQLite, > PostgreSQL):"
		diff "$TEST_DIR/sqlite.cols" "$TEST_DIR/pg.cols" |
			grep '^[<>]' | sed 's/^/    /' | head -10
	fi
done
# Every SQLite index and trigger has its namesake (PostgreSQL adds a few
# indexes for its foreign keys).
sqlite3 "$TEST_DIR/otpbox.db" "SELECT type || ' ' || name FROM sqlite_master
	WHERE type IN ('index', 'trigger') AND name NOT LIKE 'sqlite_%'
	ORDER BY 1" >"$TEST_DIR/sqlite.idx"
pg_psql -c "SELECT 'index ' || indexname FROM pg_indexes
	WHERE schemaname = current_schema()
	UNION SELECT 'trigger ' || tgname FROM pg_trigger WHERE NOT tgisinternal
	ORDER BY 1" >"$TEST_DIR/pg.idx"
missing=$(grep -vxF -f "$TEST_DIR/pg.idx" "$TEST_DIR/sqlite.idx")
if [ -s "$TEST_DIR/sqlite.idx" ] && [ -z "$missing" ]; then
	pass "$(wc -l <"$TEST_DIR/sqlite.idx") SQLite indexes and triggers" \
		"are there by name"
else
	fail "missing in PostgreSQL: $(echo $missing)"
fi
# PostgreSQL adds only its version table.
extra=$(pg_psql -c "SELECT table_name FROM information_schema.tables
	WHERE table_schema = current_schema() ORDER BY table_name" |
	grep -vxF "$objects")
[ "$extra" = otpbox_schema ] &&
	pass "PostgreSQL's only extra table is otpbox_schema" ||
	fail "PostgreSQL's extra tables: '$extra'"
test_done
