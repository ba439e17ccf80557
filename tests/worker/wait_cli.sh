#!/bin/sh
# SPDX-License-Identifier: MIT
# otpbox wait on the command line: output, --json, --peek, exit statuses,
# configuration, and the audit row of a waiter stopped by a signal.
. "${OTPBOX_SRCDIR:-.}/tests/lib.sh"
TOOL="$OTPBOX_BUILDDIR/tests/worker/testdb_tool"
DB="$TEST_DIR/otpbox.db"
export OTPBOX_CONFIG="$TEST_DIR/none.conf" # no system configuration
printf 'wait = { timeout_seconds = 0; };\n' >"$OTPBOX_CONFIG"
unset OTPBOX_DB M365_EMAIL M365_APP_PASSWORD
cd "$TEST_DIR" || exit 1

sql()
{
	sqlite3 -cmd '.timeout 5000' "$DB" "$1"
}

"$TOOL" create "$DB" || { fail "create a test database"; test_done; }

expect_status 0 "wait --help exits 0" -- "$OTPBOX" wait --help
expect_grep "usage: otpbox wait" "$TEST_DIR/out" "--help prints usage"
expect_grep "missed_otps" "$TEST_DIR/out" "--help points to the audit"
expect_status 64 "no address" -- "$OTPBOX" wait --db "$DB"
expect_status 64 "two addresses" -- "$OTPBOX" wait --db "$DB" a@x.test b@x.test
expect_status 64 "bad address" -- "$OTPBOX" wait --db "$DB" "bot1"
expect_grep "not an e-mail address" "$TEST_DIR/err" "bad address is named"
expect_status 64 "bad --want" -- "$OTPBOX" wait --db "$DB" --want sms a@x.test
expect_status 64 "bad --since" -- "$OTPBOX" wait --db "$DB" --since yesterday a@x.test
expect_status 64 "bad --timeout" -- "$OTPBOX" wait --db "$DB" --timeout -3 a@x.test
expect_status 69 "missing database" -- "$OTPBOX" wait --db "$TEST_DIR/nope.db" a@x.test
expect_grep "does not exist" "$TEST_DIR/err" "missing database is explained"
printf 'not a database\n' >"$TEST_DIR/text.db"
expect_status 69 "not an otpbox database" -- "$OTPBOX" wait --db "$TEST_DIR/text.db" a@x.test
printf 'wait = { timeout_secs = 3; };\n' >"$TEST_DIR/bad.conf"
expect_status 78 "bad configuration" -- "$OTPBOX" wait -c "$TEST_DIR/bad.conf" --db "$DB" a@x.test
expect_grep "timeout_secs" "$TEST_DIR/err" "the bad setting is named"

expect_status 1 "time-out exits 1" -- "$OTPBOX" wait --db "$DB" --timeout 0 bot1@x.test
expect_grep "missed_otps" "$TEST_DIR/err" "time-out points to missed_otps"

"$TOOL" add "$DB" bot1@x.test code 048213 5
"$TOOL" add "$DB" bot2@x.test code 777777 5
"$TOOL" add "$DB" bot1@x.test link https://v.test/x 3
expect_status 0 "--peek" -- "$OTPBOX" wait --db "$DB" --peek --timeout 0 BOT1@x.test
expect_grep "^048213$" "$TEST_DIR/out" "--peek prints just the code"
code=$("$OTPBOX" wait --db "$DB" --timeout 0 --worker cli-bot bot1@x.test)
[ "$code" = "048213" ] && pass "code=\$(otpbox wait ...)" ||
	fail "code=\$(otpbox wait ...): got '$code'"
expect_status 1 "claimed code is gone" -- "$OTPBOX" wait --db "$DB" --timeout 0 bot1@x.test
expect_status 0 "--want link --json" -- "$OTPBOX" wait --db "$DB" --timeout 0 --want link --json bot1@x.test
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["code"]=="https://v.test/x" and d["kind"]=="link" and d["claimed"] and d["subject"]=="Your code" else 1)' "$TEST_DIR/out"; then
	pass "--json has the code and its message"
else
	fail "--json: $(cat "$TEST_DIR/out")"
fi
expect_status 1 "--json time-out" -- "$OTPBOX" wait --db "$DB" --timeout 0 --json bot3@x.test
expect_grep '"error":"timeout"' "$TEST_DIR/out" "--json time-out says so"
got=$(sql "SELECT outcome || ':' || coalesce(worker, '') FROM waits WHERE address = 'bot1@x.test' ORDER BY id" | tr '\n' ' ')
[ "$got" = "timeout: peeked: claimed:cli-bot timeout: claimed: " ] &&
	pass "every wait is recorded" || fail "waits rows: $got"

# Configuration defaults: timeout from the file, database from $OTPBOX_DB.
"$TOOL" add "$DB" bot4@x.test code 404040 5
printf 'wait = { timeout_seconds = 0; max_email_age_seconds = 2; };\n' >"$TEST_DIR/age.conf"
expect_status 1 "max age from the configuration" -- env OTPBOX_DB="$DB" "$OTPBOX" wait -c "$TEST_DIR/age.conf" bot4@x.test
expect_status 0 "--max-age beats the configuration" -- env OTPBOX_DB="$DB" "$OTPBOX" wait -c "$TEST_DIR/age.conf" --max-age 60 bot4@x.test

# Sender filters: a bad --from is a usage error; wait.senders and
# wait.require_authenticated_sender give defaults that --from replaces.
expect_status 64 "bad --from" -- "$OTPBOX" wait --db "$DB" --from 'Bank <a@b>' a@x.test
"$TOOL" add "$DB" bot5@x.test code 505050 5
sql "UPDATE messages SET from_address = 'a@bank.example',
	from_domain = 'bank.example' WHERE id = (SELECT max(id) FROM messages)"
printf 'wait = { timeout_seconds = 0; senders = [ "other.example" ]; };\n' >"$TEST_DIR/from.conf"
expect_status 1 "wait.senders refuses another sender" -- \
	"$OTPBOX" wait -c "$TEST_DIR/from.conf" --db "$DB" --peek bot5@x.test
expect_grep "filter --from refused" "$TEST_DIR/err" "and says so"
printf 'wait = { timeout_seconds = 0; require_authenticated_sender = true; };\n' >"$TEST_DIR/auth.conf"
expect_status 1 "require_authenticated_sender" -- \
	"$OTPBOX" wait -c "$TEST_DIR/auth.conf" --db "$DB" --peek bot5@x.test
expect_status 0 "--from replaces wait.senders" -- \
	"$OTPBOX" wait -c "$TEST_DIR/from.conf" --db "$DB" --from bank.example --json bot5@x.test
expect_grep '"sender_address":"a@bank.example"' "$TEST_DIR/out" "--json names the sender"

# The change feed gets the database's mode (a shared group must write it).
chmod 0660 "$DB"
rm -f "$DB-feed"
"$OTPBOX" wait --db "$DB" --timeout 1 mode@x.test >/dev/null 2>&1
got=$(stat -c %a "$DB-feed" 2>/dev/null)
[ "$got" = 660 ] && pass "feed file has the database's mode" ||
	fail "feed file mode: '$got', wanted 660"

# A waiter stopped by SIGTERM records its wait as ended and dies of it.
"$OTPBOX" wait --db "$DB" --timeout 60 sig@x.test >/dev/null 2>&1 &
pid=$!
i=0
while [ "$(sql "SELECT count(*) FROM active_waits WHERE address = 'sig@x.test'")" != 1 ] && [ $i -lt 500 ]; do
	sleep 0.02
	i=$((i + 1))
done
kill -TERM $pid
wait $pid
st=$?
[ $st -eq 143 ] && pass "SIGTERM ends the waiter (status 143)" || fail "SIGTERM: status $st"
got=$(sql "SELECT outcome || ' ' || (ended_at IS NOT NULL) FROM waits WHERE address = 'sig@x.test'")
[ "$got" = "cancelled 1" ] && pass "stopped wait recorded as cancelled" || fail "stopped wait: $got"
# Stopped on purpose, not missed; a wait that timed out is.
got=$(sql "SELECT count(*) FROM missed_otps WHERE address = 'sig@x.test'")
[ "$got" = 0 ] && pass "a cancelled wait is not in missed_otps" || fail "missed_otps: $got"
test_done
