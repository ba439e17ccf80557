#!/bin/sh
# SPDX-License-Identifier: MIT
# The PostgreSQL password: from database_password_file or _env in the
# configuration (or libpq's own means), never shown: a password written
# into the URI appears as *** in every message.
. "${OTPBOX_SRCDIR:-.}/tests/lib.sh"
OTPBOX_TEST_DB=postgresql BACKEND_PRIVATE=1
. "${OTPBOX_SRCDIR:-.}/tests/backend.sh"
backend_require
T=$TEST_DIR
PG_TCP=1
backend_start || { echo "cannot start the database"; exit 99; }
trap 'backend_stop; test_cleanup' EXIT
URI=$OTPBOX_TEST_PG_TCP_URI
secret=$(cat "$PG_PASSWORD_FILE")
# An account that cannot connect: fetch --once opens the store first,
# then fails at the mail server, which tells the two apart.
account='accounts = ( { name = "a"; user = "u"; password_env = "NOPE";
	host = "127.0.0.1"; port = 1; tls = "none"; allow_plaintext = true;
	timeout_seconds = 2; } );'

# fetch CONF_LINE: fetch --once with that line, stderr in $T/err
fetch()
{
	printf '%s\n%s\n' "$account" "$1" >"$T/c.conf"
	PGPASSFILE=/dev/null NOPE=x "$OTPBOX" fetch --once -c "$T/c.conf" \
		--db "$2" >/dev/null 2>"$T/err"
}

fetch "" "$URI"
expect_grep "cannot connect to postgresql://" "$T/err" \
	"without a password the server refuses"
cp "$PG_PASSWORD_FILE" "$T/pw" && chmod 600 "$T/pw"
fetch "database_password_file = \"$T/pw\";" "$URI"
if grep -q "cannot connect to postgresql" "$T/err"; then
	fail "database_password_file: $(head -2 "$T/err")"
else
	pass "database_password_file connects"
fi
[ "$(pg_psql -c 'SELECT version FROM otpbox_schema')" -ge 1 ] &&
	pass "the store was created over TCP with the password" ||
	fail "no schema after fetch"
DBPW=$secret fetch 'database_password_env = "DBPW";' "$URI"
grep -q "cannot connect to postgresql" "$T/err" &&
	fail "database_password_env: $(head -2 "$T/err")" ||
	pass "database_password_env connects"
printf 'database_password_file = "%s"; database_password_env = "X";\n' \
	"$T/pw" >"$T/two.conf"
"$OTPBOX" fetch --once -c "$T/two.conf" --db "$URI" >/dev/null 2>"$T/err"
expect_grep "give only one of database_password_env" "$T/err" \
	"two password settings are refused"

# A password in the URI: it works, and messages show *** instead.
bad="postgresql://$PG_TEST_ROLE:wrong-$secret@127.0.0.1:$PG_PORT/$PG_TEST_DB"
fetch "" "$bad"
expect_grep ":\*\*\*@127.0.0.1" "$T/err" "the URI is shown with ***"
grep -q "wrong-$secret" "$T/err" && fail "the URI's password is shown" ||
	pass "the URI's password is not shown"
"$OTPBOX" wait x@bots.test --db "$bad" --timeout 0 >/dev/null 2>"$T/err"
grep -q "wrong-$secret" "$T/err" && fail "otpbox wait shows the password" ||
	pass "otpbox wait does not show it either"
test_done
