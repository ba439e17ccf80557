#!/bin/sh
# SPDX-License-Identifier: MIT
# otpbox fetch against Exchange's replies, played by the scripted server
# (tests/transcripts/exchange_*.txt; the XOAUTH2 refusals are in
# tests/fetcher/oauth2_refusals.sh): STARTTLS after a greeting without
# capabilities, login refusals, "authenticated but not connected",
# throttling, "Server Unavailable", IDLE with BYE, and IDLE gone silent.
# Each ends in the right exit status with a message, and loses nothing.
. "${OTPBOX_SRCDIR:-.}/tests/lib.sh"
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
SCRIPTS=$OTPBOX_SRCDIR/tests/transcripts
T=$TEST_DIR
SERVER=
WATCH=
(umask 077 && echo exchange-pw >"$T/pw")
trap '[ -z "$WATCH" ] || kill $WATCH 2>/dev/null; [ -z "$SERVER" ] || kill $SERVER 2>/dev/null; test_cleanup' EXIT

expect_eq()
{
	if [ "$1" = "$2" ]; then pass "$3"; else fail "$3: got '$1', wanted '$2'"; fi
}

# play NAME [TLS]: the scripted server on a transcript and a config for
# it (TLS "starttls": a throw-away certificate, STARTTLS on a plain port).
play()
{
	rm -f "$T/port" "$T/db" "$T/db-wal" "$T/db-shm"
	tlsargs= tls='tls = "none"; allow_plaintext = true;'
	if [ "${2:-}" = starttls ]; then
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
			-subj /CN=localhost -addext "subjectAltName=DNS:localhost" \
			-keyout "$T/key.pem" -out "$T/cert.pem" >/dev/null 2>&1
		tlsargs="--tls-cert $T/cert.pem --tls-key $T/key.pem --starttls-only"
		tls="tls = \"starttls\"; ca_file = \"$T/cert.pem\";"
	fi
	python3 "$OTPBOX_SRCDIR/tests/imapd_script.py" "$SCRIPTS/$1.txt" \
		--port-file "$T/port" --log "$T/$1.log" --timeout 15 $tlsargs \
		2>"$T/$1.server" &
	SERVER=$!
	i=0
	while ! [ -s "$T/port" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	cat >"$T/conf" <<CONF
accounts = ( {
	name = "exo"; user = "catchall@otpbox.test";
	password_file = "$T/pw";
	host = "localhost"; port = $(cat "$T/port");
	$tls timeout_seconds = 5;
	domains = [ "bots.test" ];
} );
CONF
}

# run WANT NAME: one --once; its stderr is kept as NAME.err.
run()
{
	expect_status "$1" "$2: --once exits $1" -- \
		"$OTPBOX" fetch -c "$T/conf" --db "$T/db" --once
	cp "$T/err" "$T/$2.err"
}

done_playing()
{
	wait "$SERVER"
	rc=$?
	SERVER=
	[ $rc -eq 0 ] && pass "$1: the transcript played to its end" ||
		{ fail "$1: scripted server exit $rc"; tail -3 "$T/$1.server" | sed 's/^/    /'; }
}

q() { sqlite3 "$T/db" "$1"; }

# until_grep PATTERN FILE SECONDS [COUNT]: waits for COUNT (1) matches.
until_grep()
{
	i=0
	while [ "$(grep -c -- "$1" "$2" 2>/dev/null)" -lt "${4:-1}" ] &&
		[ $i -lt $(($3 * 20)) ]; do
		sleep 0.05
		i=$((i + 1))
	done
	[ "$(grep -c -- "$1" "$2" 2>/dev/null)" -ge "${4:-1}" ]
}

if command -v openssl >/dev/null; then
	play exchange_starttls starttls
	run 0 exchange_starttls
	done_playing exchange_starttls
	expect_eq "$(q "select code from codes where address = 'bot1@bots.test'")" \
		510001 "starttls: the code arrived over STARTTLS"
else
	echo "skip: STARTTLS (no openssl command)"
fi

play exchange_login_refused
run 77 refused_password
expect_grep "AUTHENTICATE failed" "$T/refused_password.err" \
	"refused password: Exchange's words are shown"
run 77 basic_disabled
expect_grep "xoauth2" "$T/basic_disabled.err" \
	"basic authentication off: points at xoauth2"
run 75 login_unavailable
expect_grep "Server Unavailable" "$T/login_unavailable.err" \
	"unavailable at login: temporary, and said so"
done_playing exchange_login_refused

play exchange_not_connected
run 77 not_connected
expect_grep "ImapEnabled" "$T/not_connected.err" \
	"not connected: names IMAP being off for the mailbox"
done_playing exchange_not_connected

play exchange_throttled
run 75 throttled_fetch
expect_grep "asks for 300 s" "$T/throttled_fetch.err" \
	"throttled FETCH: names the 300 s Microsoft asks for"
expect_eq "$(q 'select count(*) from messages')" 0 "throttled: nothing stored"
run 75 throttled_examine
expect_grep "asks for 90 s" "$T/throttled_examine.err" \
	"throttled EXAMINE: names the 90 s"
run 0 throttled_over
done_playing exchange_throttled
expect_eq "$(q "select group_concat(uid) from messages")" 21 \
	"throttled: UID 21 stored once when the server serves again"

play exchange_unavailable
run 75 unavailable
expect_grep "Server Unavailable" "$T/unavailable.err" \
	"unavailable EXAMINE: said so, not 'no such folder' skipped"
run 0 unavailable_over
done_playing exchange_unavailable
expect_eq "$(q "select code from codes where address = 'bot1@bots.test'")" \
	530001 "unavailable: the message is stored on the next connection"

# --watch: IDLE, EXISTS, DONE; BYE while idling; reconnect; SIGTERM.
play exchange_idle
"$OTPBOX" fetch -c "$T/conf" --db "$T/db" --watch -v 2>"$T/idle.err" &
WATCH=$!
until_grep "IDLE" "$T/exchange_idle.log" 20 3 &&
	pass "idle: idling again after the BYE and the reconnect" ||
	fail "idle: the client did not idle again after the BYE"
kill -TERM $WATCH
wait $WATCH
expect_eq $? 0 "idle: SIGTERM ends --watch with 0"
WATCH=
done_playing exchange_idle
expect_eq "$(q "select group_concat(uid) from messages")" "21,22" \
	"idle: UIDs 21 and 22, each once"
expect_grep "Connection is closed. 13" "$T/idle.err" "idle: the BYE is logged"

# --watch: IDLE gone silent; a waiting bot's DONE goes unanswered.
play exchange_idle_silent
"$OTPBOX" fetch -c "$T/conf" --db "$T/db" --watch -v 2>"$T/silent.err" &
WATCH=$!
until_grep "IDLE" "$T/exchange_idle_silent.log" 20 &&
	sleep 0.3
now=$(date +%s)
q "insert into waits (address, window_start, started_at)
   values ('bot1@bots.test', $now, $now)"
i=0
while [ "$(q "select count(*) from codes where address = 'bot1@bots.test'")" != 1 ] &&
	[ $i -lt 400 ]; do
	sleep 0.05
	i=$((i + 1))
done
expect_eq "$(q "select code from codes where address = 'bot1@bots.test'")" \
	550001 "silent IDLE: detected, reconnected, the waiting bot's code stored"
expect_grep "did not answer" "$T/silent.err" "silent IDLE: the silence is named"
kill -TERM $WATCH
wait $WATCH
expect_eq $? 0 "silent IDLE: SIGTERM ends --watch with 0"
WATCH=
done_playing exchange_idle_silent

# --watch, a bot waiting, and throttling: the pause asked for wins.
play exchange_throttled_watch
"$OTPBOX" fetch -c "$T/conf" --db "$T/db" --watch -v 2>"$T/twatch.err" &
WATCH=$!
until_grep "reconnecting" "$T/twatch.err" 20 && sleep 0.2
now=$(date +%s)
q "insert into waits (address, window_start, started_at)
   values ('bot9@bots.test', $now, $now)"
done_playing exchange_throttled_watch
sleep 3
expect_eq "$(grep -c "reconnecting" "$T/twatch.err")" 1 \
	"throttled --watch: no new attempt within 3 s although a bot waits"
expect_grep "reconnecting in about 300 s (as the server asked)" \
	"$T/twatch.err" "throttled --watch: waits what the server asked"
kill -TERM $WATCH
wait $WATCH
expect_eq $? 0 "throttled --watch: SIGTERM during the pause exits 0"
WATCH=

if grep -q exchange-pw "$T"/*.log "$T"/*.err 2>/dev/null; then
	fail "the password reached a log"
else
	pass "the password never reached a log"
fi
test_done
