#!/bin/sh
# SPDX-License-Identifier: MIT
# Accounts split across hosts on one PostgreSQL store: the fetcher lock is
# per account, so host A (account one) and host B (account two) are both
# active at once; host C, configured with both, stands by for each and
# takes over account one alone when A is killed (-9), while B keeps two.
# A cron run meanwhile skips the accounts others hold and exits 0.
. "${OTPBOX_SRCDIR:-.}/tests/lib.sh"
DOVECOT_USERS=second@otpbox.test
. "${OTPBOX_SRCDIR:-.}/tests/dovecot.sh"
OTPBOX_TEST_DB=postgresql BACKEND_PRIVATE=1
. "${OTPBOX_SRCDIR:-.}/tests/backend.sh"
dovecot_require
backend_require
dovecot_start || { echo "cannot start dovecot"; exit 99; }
T=$TEST_DIR
backend_start || { echo "cannot start the database"; exit 99; }
a_pid=
b_pid=
c_pid=
cleanup()
{
	for p in $a_pid $b_pid $c_pid; do
		kill $(pgrep -P "$p") "$p" 2>/dev/null
	done
	wait 2>/dev/null
	backend_stop
	dovecot_finish
	test_cleanup
}
trap cleanup EXIT

# The account block of a dovecot_conf file, named $2, for user $3.
account()
{
	dovecot_conf "$T/tmp.conf" "$2"
	sed -n '/^accounts = ( {$/,/^} );$/p' "$T/tmp.conf" |
		sed -e '1d' -e '$d' -e "s/name = \"test\"/name = \"$1\"/"
}
one=$(account one "$DOVECOT_USER")
two=$(account two second@otpbox.test)
tail=$(grep '^fetch = ' "$T/tmp.conf")
printf 'accounts = ( {\n%s\n} );\n%s\n' "$one" "$tail" >"$T/a.conf"
printf 'accounts = ( {\n%s\n} );\n%s\n' "$two" "$tail" >"$T/b.conf"
printf 'accounts = ( {\n%s\n}, {\n%s\n} );\n%s\n' "$one" "$two" "$tail" \
	>"$T/c.conf"

# waits up to $2 tenths of a second for grep $1 in file $3
wait_for()
{
	i=0
	while ! grep -q -- "$1" "$3" 2>/dev/null && [ $i -lt "$2" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	grep -q -- "$1" "$3" 2>/dev/null
}

# waits up to 10 s until the messages table holds $1 rows
wait_rows()
{
	i=0
	while [ "$(q 'SELECT count(*) FROM messages')" -lt "$1" ] &&
		[ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(q 'SELECT count(*) FROM messages')" -eq "$1" ]
}

"$OTPBOX" fetch -c "$T/a.conf" --db "$DB" --watch 2>"$T/a.err" &
a_pid=$!
wait_for "watching 1 account" 100 "$T/a.err" &&
	pass "host A is active for account one" ||
	fail "host A: $(tail -3 "$T/a.err")"
"$OTPBOX" fetch -c "$T/b.conf" --db "$DB" --watch 2>"$T/b.err" &
b_pid=$!
wait_for "watching 1 account" 100 "$T/b.err" &&
	pass "host B is active for account two at the same time" ||
	fail "host B: $(tail -3 "$T/b.err")"
grep -q "standby" "$T/a.err" "$T/b.err" &&
	fail "a fetcher of another account stands by" ||
	pass "neither waits for the other"

dovecot_make_mail "$T/m1.eml" "bot1@bots.test" 111111 "split.1"
dovecot_deliver "$T/m1.eml"
dovecot_make_mail "$T/m2.eml" "bot2@bots.test" 222222 "split.2"
dovecot_deliver "$T/m2.eml" second@otpbox.test
wait_rows 2 && pass "both hosts store their account's mail" ||
	fail "messages: $(q 'SELECT count(*) FROM messages'), wanted 2"

"$OTPBOX" fetch -c "$T/c.conf" --db "$DB" --watch 2>"$T/c.err" &
c_pid=$!
wait_for "account one: standby:" 100 "$T/c.err" &&
	wait_for "account two: standby:" 100 "$T/c.err" &&
	pass "host C stands by for each account" ||
	fail "host C: $(tail -3 "$T/c.err")"
grep -q "watching" "$T/c.err" && fail "host C fetches while both are held" ||
	pass "host C does not fetch"

expect_status 0 "fetch --once while other fetchers hold both accounts" -- \
	"$OTPBOX" fetch -c "$T/c.conf" --db "$DB" --once
expect_grep "account one: another otpbox fetch holds" "$T/err" \
	"the cron run says why it skips account one"
expect_grep "account two: another otpbox fetch holds" "$T/err" \
	"the cron run says why it skips account two"

kill -9 $(pgrep -P "$a_pid") "$a_pid" 2>/dev/null
wait "$a_pid" 2>/dev/null
a_pid=
wait_for "account one: active: the lock is ours" 100 "$T/c.err" &&
	pass "host C takes over account one" ||
	fail "host C did not take over: $(tail -3 "$T/c.err")"
wait_for "watching 1 account(s) (of 2)" 100 "$T/c.err" &&
	pass "host C watches account one only" ||
	fail "host C: $(tail -3 "$T/c.err")"
grep -q "account two: active" "$T/c.err" &&
	fail "host C took account two from a live host B" ||
	pass "account two stays with host B"

dovecot_make_mail "$T/m3.eml" "bot3@bots.test" 333333 "split.3"
dovecot_deliver "$T/m3.eml"
dovecot_make_mail "$T/m4.eml" "bot4@bots.test" 444444 "split.4"
dovecot_deliver "$T/m4.eml" second@otpbox.test
wait_rows 4 && pass "after the takeover each new message is stored once" ||
	fail "messages: $(q 'SELECT count(*) FROM messages'), wanted 4"
out=$("$OTPBOX" wait "bot3@bots.test" --db "$DB" --timeout 5 --max-age 600)
[ "$out" = 333333 ] && pass "a code fetched by host C is claimed" ||
	fail "wait after the takeover printed '$out'"
test_done
