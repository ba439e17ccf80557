#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/pg.sh itself: the private PostgreSQL starts on a socket in the
# directory the test chose, answers as the test role, takes a password on
# its loopback port, and is gone (process and files) after the test exits.
. "${OTPBOX_SRCDIR:-.}/tests/lib.sh"
. "$OTPBOX_SRCDIR/tests/pg.sh"
pg_require
# postgres must be able to reach a socket directory inside TEST_DIR.
chmod 711 "$TEST_DIR"

# A test that exits leaves nothing behind: its EXIT trap stops the server
# and removes the directory.
sh -c '. "$OTPBOX_SRCDIR/tests/lib.sh"; . "$OTPBOX_SRCDIR/tests/pg.sh"
	chmod 711 "$TEST_DIR"
	pg_start "$TEST_DIR/sock" || exit 1
	echo "$PG_DIR $(head -1 "$PG_DIR/data/postmaster.pid")"
	pg_psql -c "SHOW listen_addresses" >"$1"' \
	child "$TEST_DIR/child.out" >"$TEST_DIR/child" 2>"$TEST_DIR/child.err"
read -r child_dir child_pid <"$TEST_DIR/child"
if [ -n "$child_pid" ] && [ "$(cat "$TEST_DIR/child.out")" = "" ]; then
	pass "a cluster listens on its socket only (listen_addresses empty)"
else
	fail "socket-only cluster: pid '$child_pid', listen_addresses" \
		"'$(cat "$TEST_DIR/child.out")'"
	sed 's/^/    /' "$TEST_DIR/child.err" | head -10
fi
if [ -n "$child_pid" ] && ! kill -0 "$child_pid" 2>/dev/null &&
	[ ! -e "$child_dir" ]; then
	pass "the server is stopped and its directory removed on exit"
else
	fail "after exit: pid $child_pid alive or $child_dir left"
fi

PG_TCP=1
if pg_start "$TEST_DIR/sock"; then
	pass "pg_start with a socket directory chosen by the test"
else
	fail "pg_start"
	test_done
fi
[ -S "$TEST_DIR/sock/.s.PGSQL.$PG_PORT" ] &&
	pass "the socket is in the chosen directory" ||
	fail "no socket in $TEST_DIR/sock"

got=$(pg_psql -c "SELECT current_user || ' ' || current_database()")
[ "$got" = "otpbox_test otpbox_test" ] &&
	pass "PGUSER and PGDATABASE name the test role and database" ||
	fail "current user and database: got '$got'"
got=$(env -u PGHOST -u PGPORT -u PGUSER -u PGDATABASE "$PG_PSQL" -X -A -t \
	-d "$OTPBOX_TEST_PG_URI" -c "SELECT current_user, current_setting('server_version_num')::int / 10000")
[ "$got" = "otpbox_test|15" ] &&
	pass "OTPBOX_TEST_PG_URI alone reaches PostgreSQL 15 as the test role" ||
	fail "through the URI: got '$got'"
got=$(pg_psql -c "SELECT current_setting('fsync') || current_setting('synchronous_commit')")
[ "$got" = "offoff" ] && pass "durability is off for speed" ||
	fail "fsync and synchronous_commit: got '$got'"
got=$(pg_psql -c "CREATE EXTENSION citext; SELECT 'Bot1@X.test'::citext = 'bot1@x.test'")
[ "$got" = "t" ] &&
	pass "the database owner may create citext (shipped with postgresql-15)" ||
	fail "citext: got '$got'"

# Loopback TCP asks for the password (SCRAM); the URI carries none.
env -u PGHOST -u PGPORT PGPASSWORD= PGCONNECT_TIMEOUT=5 "$PG_PSQL" -X -w \
	-d "$OTPBOX_TEST_PG_TCP_URI" -c "SELECT 1" >/dev/null 2>"$TEST_DIR/err"
expect_grep "password" "$TEST_DIR/err" "TCP without a password is refused"
printf '127.0.0.1:%s:%s:%s:%s\n' "$PG_PORT" "$PGDATABASE" "$PGUSER" \
	"$(cat "$PG_PASSWORD_FILE")" >"$TEST_DIR/pgpass"
chmod 600 "$TEST_DIR/pgpass"
got=$(env -u PGHOST -u PGPORT PGPASSFILE="$TEST_DIR/pgpass" "$PG_PSQL" -X \
	-A -t -w -d "$OTPBOX_TEST_PG_TCP_URI" -c "SELECT inet_server_addr()")
[ "$got" = "127.0.0.1" ] && pass "TCP with the password from PG_PASSWORD_FILE" ||
	fail "TCP with password: got '$got'"
pg_stop
if ! pg_psql -c "SELECT 1" >/dev/null 2>&1; then
	pass "pg_stop stops the server"
else
	fail "the server still answers after pg_stop"
fi
test_done
