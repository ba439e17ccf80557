#!/bin/sh
# SPDX-License-Identifier: MIT
# PostgreSQL connections cut under a waiting bot and a watching fetcher
# (pg_terminate_backend on every otpbox session): the waiter connects
# again, LISTENs again and gets the code that arrives next; the fetcher
# notices its lock is gone, takes it again and stores the mail once.
. "${OTPBOX_SRCDIR:-.}/tests/lib.sh"
. "${OTPBOX_SRCDIR:-.}/tests/dovecot.sh"
OTPBOX_TEST_DB=postgresql BACKEND_PRIVATE=1
. "${OTPBOX_SRCDIR:-.}/tests/backend.sh"
dovecot_require
backend_require
dovecot_start || { echo "cannot start dovecot"; exit 99; }
T=$TEST_DIR
backend_start || { echo "cannot start the database"; exit 99; }
CONF=$T/otpbox.conf
dovecot_conf "$CONF"
fetch_pid=
wait_pid=
cleanup()
{
	[ -n "$wait_pid" ] && kill "$wait_pid" 2>/dev/null
	[ -n "$fetch_pid" ] && kill "$fetch_pid" 2>/dev/null
	wait 2>/dev/null
	backend_stop
	dovecot_finish
	test_cleanup
}
trap cleanup EXIT

"$OTPBOX" fetch -c "$CONF" --db "$DB" --watch 2>"$T/fetch.err" &
fetch_pid=$!
i=0
while ! grep -q "watching INBOX" "$T/fetch.err" 2>/dev/null &&
	[ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
"$OTPBOX" wait bot1@bots.test --db "$DB" --timeout 30 >"$T/wait.out" \
	2>"$T/wait.err" &
wait_pid=$!
i=0
while [ "$(q 'SELECT count(*) FROM active_waits')" != 1 ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
cut=$(pg_super -c "SELECT count(pg_terminate_backend(pid))
	FROM pg_stat_activity WHERE application_name = 'otpbox'")
[ "${cut:-0}" -ge 3 ] && pass "cut $cut connections (fetcher, account, waiter)" ||
	fail "cut only '$cut' connections"
sleep 0.5
dovecot_make_mail "$T/m.eml" bot1@bots.test 123456 reconnect.1
dovecot_deliver "$T/m.eml"
wait "$wait_pid"
st=$?
wait_pid=
[ $st -eq 0 ] && [ "$(cat "$T/wait.out")" = 123456 ] &&
	pass "the waiter connected again and got the code" ||
	fail "waiter exit $st, printed '$(cat "$T/wait.out")': $(cat "$T/wait.err")"
# The fetcher checks its lock every second.
i=0
while [ "$(grep -c "watching 1 account" "$T/fetch.err")" -lt 2 ] &&
	[ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
expect_grep "lock was lost" "$T/fetch.err" "the fetcher noticed its lock was gone"
[ "$(grep -c "watching 1 account" "$T/fetch.err")" -ge 2 ] &&
	pass "the fetcher took its lock again" ||
	fail "the fetcher did not resume: $(tail -3 "$T/fetch.err")"
[ "$(q 'SELECT count(*) FROM messages')" = 1 ] &&
	pass "the mail is stored once" ||
	fail "messages: $(q 'SELECT count(*) FROM messages')"
test_done
