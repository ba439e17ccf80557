#!/bin/sh
# SPDX-License-Identifier: MIT
# otpbox fetch --watch against a real Dovecot: new mail while idling, the
# fast path while a bot waits, a server restart, a refused login without
# a retry storm, SIGHUP, SIGTERM, and the supervisor restarting a child.
. "${OTPBOX_SRCDIR:-.}/tests/lib.sh"
. "${OTPBOX_SRCDIR:-.}/tests/dovecot.sh"
dovecot_require
DOVECOT_USERS=second@otpbox.test
dovecot_start || { echo "cannot start dovecot"; exit 99; }
T=$TEST_DIR
DB=$T/otpbox.db
CONF=$T/otpbox.conf
dovecot_conf "$CONF"
q() { sqlite3 "$DB" "$1" 2>/dev/null; }
WATCH=

expect_eq()
{
	if [ "$1" = "$2" ]; then pass "$3"; else fail "$3: got '$1', wanted '$2'"; fi
}

# until_eq SQL WANT SECONDS: polls the database (not a timing assertion:
# the bound is generous, the time taken is only printed).
until_eq()
{
	i=0
	while [ "$(q "$1")" != "$2" ] && [ $i -lt $(($3 * 20)) ]; do
		sleep 0.05
		i=$((i + 1))
	done
	WAITED_MS=$((i * 50))
	[ "$(q "$1")" = "$2" ]
}

# until_grep PATTERN FILE SECONDS
until_grep()
{
	i=0
	while ! grep -q -- "$1" "$2" && [ $i -lt $(($3 * 20)) ]; do
		sleep 0.05
		i=$((i + 1))
	done
	grep -q -- "$1" "$2"
}

stop_watch()
{
	[ -n "$WATCH" ] || return 0
	kill -TERM "$WATCH" 2>/dev/null
	wait "$WATCH"
	WATCH_STATUS=$?
	WATCH=
}
trap 'stop_watch; dovecot_stop; [ -n "${KEEP:-}" ] || { dovecot_cleanup_dir; test_cleanup; }' EXIT

n=0
deliver()
{
	n=$((n + 1))
	dovecot_make_mail "$T/w$n.eml" "bot$n@bots.test" "50000$n" "watch.$n"
	dovecot_deliver "$T/w$n.eml" "$@"
}

deliver
"$OTPBOX" fetch -c "$CONF" --db "$DB" --watch -v 2>"$T/watch.log" &
WATCH=$!
until_eq "select count(*) from messages" 1 20 &&
	pass "--watch syncs the backlog" || fail "--watch did not sync the backlog"
until_grep "watching INBOX (IDLE)" "$T/watch.log" 10 &&
	pass "--watch idles" || fail "--watch does not say it idles"

deliver
if until_eq "select count(*) from messages" 2 10; then
	pass "new mail while idling is stored (after ~$WAITED_MS ms)"
else
	fail "new mail while idling was not stored"
fi

# A bot waits: the fetcher checks at a short cadence while it does.
now=$(date +%s)
q "insert into waits (address, window_start, started_at)
   values ('bot3@bots.test', $now, $now)"
until_grep "a bot is waiting" "$T/watch.log" 10 &&
	pass "a waiting bot switches on the fast path" ||
	fail "the fast path did not start"
deliver
until_eq "select count(*) from codes where address = 'bot3@bots.test'" 1 10 &&
	pass "mail for the waiting bot is stored (after ~$WAITED_MS ms)" ||
	fail "mail for the waiting bot was not stored"
q "update waits set outcome = 'claimed', ended_at = $now"
until_grep "no bot waiting" "$T/watch.log" 10 &&
	pass "the fast path ends when nobody waits" ||
	fail "the fast path did not end"

# The server restarts: the fetcher reconnects and loses nothing.
dovecot_restart
deliver
until_eq "select count(*) from messages" 4 40 &&
	pass "mail after a server restart is stored" ||
	fail "mail after a server restart was not stored"
expect_grep "reconnecting" "$T/watch.log" "the lost connection is logged"
expect_eq "$(q 'select count(distinct message_id) from messages')" 4 \
	"nothing stored twice across the restart"

# SIGHUP reloads the configuration; SIGTERM stops with status 0.
kill -HUP "$WATCH"
until_grep "configuration reloaded" "$T/watch.log" 10 &&
	pass "SIGHUP reloads the configuration" || fail "SIGHUP did nothing"
deliver
until_eq "select count(*) from messages" 5 20 &&
	pass "mail after the reload is stored" ||
	fail "mail after the reload was not stored"
stop_watch
expect_eq "$WATCH_STATUS" 0 "SIGTERM stops --watch with status 0"
expect_grep "stopped" "$T/watch.log" "the stop is logged"

# Without IDLE (idle = false, as for a server that lacks it): polling.
sed 's|idle = true|idle = false|' "$CONF" >"$T/poll.conf"
"$OTPBOX" fetch -c "$T/poll.conf" --db "$DB" --watch 2>"$T/poll.log" &
WATCH=$!
until_grep "polling" "$T/poll.log" 10 && pass "idle = false polls" ||
	fail "idle = false does not say it polls"
deliver
until_eq "select count(*) from messages" 6 20 &&
	pass "polling stores new mail" || fail "polling did not store new mail"
stop_watch

# A refused login is not retried in a tight loop.
(umask 077 && echo wrong-password >"$T/badpw")
sed "s|password_file = .*|password_file = \"$T/badpw\";|" "$CONF" >"$T/bad.conf"
before=$(grep -c "auth failed" "$DOVECOT_DIR/dovecot.log")
"$OTPBOX" fetch -c "$T/bad.conf" --db "$T/bad.db" --watch 2>"$T/bad.log" &
WATCH=$!
until_grep "next attempt in" "$T/bad.log" 10 &&
	pass "a refused login says when it tries again" ||
	fail "no back-off message after a refused login"
sleep 2
after=$(grep -c "auth failed" "$DOVECOT_DIR/dovecot.log")
expect_eq "$((after - before))" 1 "a refused login is tried once, then backs off"
stop_watch
expect_eq "$WATCH_STATUS" 0 "SIGTERM during the back-off exits 0"

# A configuration problem retrying cannot fix ends --watch with 78.
sed "s|password_file = .*|password_file = \"$T/missing\";|" "$CONF" \
	>"$T/nopw.conf"
expect_status 78 "--watch with an unreadable password exits 78" -- \
	"$OTPBOX" fetch -c "$T/nopw.conf" --db "$T/nopw.db" --watch
expect_grep "configuration" "$T/err" "the configuration problem is named"

# Two accounts: one child each; a killed child is restarted.
cat >"$T/two.conf" <<CONF
accounts = ( {
	name = "one"; user = "$DOVECOT_USER";
	password_file = "$DOVECOT_DIR/password"; host = "localhost";
	port = $DOVECOT_PORT; ca_file = "$DOVECOT_CA"; timeout_seconds = 10;
	domains = [ "bots.test" ];
}, {
	name = "two"; user = "second@otpbox.test";
	password_file = "$DOVECOT_DIR/password"; host = "localhost";
	port = $DOVECOT_PORT; ca_file = "$DOVECOT_CA"; timeout_seconds = 10;
	domains = [ "bots.test" ];
} );
CONF
"$OTPBOX" fetch -c "$T/two.conf" --db "$T/two.db" --watch 2>"$T/two.log" &
WATCH=$!
DB=$T/two.db
until_eq "select count(*) from accounts" 2 20 &&
	pass "both accounts are watched" || fail "not both accounts watched"
deliver second@otpbox.test
until_eq "select count(*) from messages m join folders f on f.id = m.folder_id
	  join accounts a on a.id = f.account_id where a.name = 'two'" 1 20 &&
	pass "the second account's mail is stored" ||
	fail "the second account's mail was not stored"
child=$(ps -o pid= --ppid "$WATCH" | head -1)
kill -9 $child
until_grep "process died (signal 9); restarting" "$T/two.log" 10 &&
	pass "the supervisor restarts a killed child" ||
	fail "a killed child was not restarted"
deliver
deliver second@otpbox.test
# Account one has the six messages from above plus this one.
per()
{
	echo "(select count(*) from messages m join folders f
	  on f.id = m.folder_id join accounts a on a.id = f.account_id
	  where a.name = '$1')"
}
until_eq "select 'one=' || $(per one) || ' two=' || $(per two)" \
	"one=7 two=2" 30 &&
	pass "mail is stored after the child's restart" ||
	fail "mail after the child's restart was not stored"
stop_watch
expect_eq "$WATCH_STATUS" 0 "the supervisor stops with status 0"

if grep -qF "$DOVECOT_PASSWORD" "$T"/*.log; then
	fail "the password appears in a log"
else
	pass "the password never appears in a log"
fi
test_done
