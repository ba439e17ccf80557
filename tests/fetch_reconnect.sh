#!/bin/sh
# SPDX-License-Identifier: MIT
# otpbox fetch --watch loses its server while a bot waits: it retries
# about every second (not on a doubling 1, 2, 4, 8 s back-off), so the
# code is stored soon after the server is back. OTPBOX_TEST_DB picks the
# store (tests/backend.sh; fetch_reconnect_pg.sh).
. "${OTPBOX_SRCDIR:-.}/tests/lib.sh"
. "${OTPBOX_SRCDIR:-.}/tests/dovecot.sh"
# Needs an empty store: a postgresql:// URI is not used as given.
BACKEND_PRIVATE=1
. "${OTPBOX_SRCDIR:-.}/tests/backend.sh"
dovecot_require
backend_require
dovecot_start || { echo "cannot start dovecot"; exit 99; }
T=$TEST_DIR
backend_start || { echo "cannot start the database"; exit 99; }
CONF=$T/otpbox.conf
dovecot_conf "$CONF"
WATCH=

# until_eq SQL WANT SECONDS: polls the database; WAITED_MS is printed only.
until_eq()
{
	i=0
	while [ "$(q "$1" 2>/dev/null)" != "$2" ] && [ $i -lt $(($3 * 20)) ]; do
		sleep 0.05
		i=$((i + 1))
	done
	WAITED_MS=$((i * 50))
	[ "$(q "$1")" = "$2" ]
}

stop_watch()
{
	[ -n "$WATCH" ] || return 0
	kill -TERM "$WATCH" 2>/dev/null
	wait "$WATCH"
	WATCH=
}
trap 'stop_watch; backend_stop; dovecot_finish; test_cleanup' EXIT

dovecot_make_mail "$T/m1.eml" bot1@bots.test 411111 reconnect.1
dovecot_deliver "$T/m1.eml"
"$OTPBOX" fetch -c "$CONF" --db "$DB" --watch -v 2>"$T/watch.log" &
WATCH=$!
until_eq "select count(*) from messages" 1 20 &&
	pass "--watch syncs the backlog" || fail "--watch did not sync the backlog"

now=$(date +%s)
q "insert into waits (address, window_start, started_at)
   values ('bot2@bots.test', $now, $now)"
i=0
while ! grep -q "a bot is waiting" "$T/watch.log" && [ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done

# The server goes away for five seconds while the bot waits.
before=$(grep -c "reconnecting" "$T/watch.log")
dovecot_stop
sleep 5
dovecot_run || { fail "dovecot did not come back"; test_done; }
attempts=$(($(grep -c "reconnecting" "$T/watch.log") - before))
dovecot_make_mail "$T/m2.eml" bot2@bots.test 422222 reconnect.2
dovecot_deliver "$T/m2.eml"
# A doubling back-off tries at about 1, 3 and 7 s: at most four failures
# logged in five seconds. About one a second means five or more.
if [ "$attempts" -ge 5 ]; then
	pass "retries about every second while a bot waits ($attempts failures logged)"
else
	fail "only $attempts failures logged in 5 s: the back-off was not cut short for a waiting bot"
	grep "reconnecting" "$T/watch.log" | sed 's/^/    /' | tail -5
fi
if until_eq "select count(*) from codes where address = 'bot2@bots.test'" 1 20; then
	pass "the waiting bot's code is stored ${WAITED_MS} ms after the server is back"
else
	fail "the waiting bot's code was not stored after the server came back"
fi

# Nobody waits: the gentle back-off stays (no retry every second).
q "update waits set outcome = 'claimed', ended_at = $now"
sleep 6 # the fetcher reads the waits table again within 5 s
before=$(grep -c "reconnecting" "$T/watch.log")
dovecot_stop
sleep 5
dovecot_run || { fail "dovecot did not come back"; test_done; }
attempts=$(($(grep -c "reconnecting" "$T/watch.log") - before))
if [ "$attempts" -le 4 ]; then
	pass "without a waiting bot the back-off still doubles ($attempts failures in 5 s)"
else
	fail "without a waiting bot it retried $attempts times in 5 s"
fi
dovecot_make_mail "$T/m3.eml" bot3@bots.test 433333 reconnect.3
dovecot_deliver "$T/m3.eml"
until_eq "select count(*) from messages" 3 40 &&
	pass "mail after the second outage is stored" ||
	fail "mail after the second outage was not stored"
stop_watch
test_done
