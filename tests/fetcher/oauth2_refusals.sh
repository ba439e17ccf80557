#!/bin/sh
# SPDX-License-Identifier: MIT
# How otpbox fetch takes Exchange Online's refusals of an XOAUTH2 session,
# played by the scripted IMAP server with tokens from the loopback
# endpoint: a refused token replaced once then explained, "User is
# authenticated but not connected" after login, and throttling.
. "$OTPBOX_SRCDIR/tests/lib.sh"
. "$OTPBOX_SRCDIR/tests/oauth2_lib.sh"
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
SCRIPTS=$OTPBOX_SRCDIR/tests/transcripts
T=$TEST_DIR
SERVER=

oauth2_server_start --user catchall@otpbox.test
trap 'kill $SERVER 2>/dev/null; oauth2_cleanup' EXIT

expect_eq()
{
	if [ "$1" = "$2" ]; then
		pass "$3"
	else
		fail "$3: got '$1', wanted '$2'"
	fi
}

# play NAME: the scripted server on a transcript, and a config for it.
play()
{
	rm -f "$T/port"
	python3 "$OTPBOX_SRCDIR/tests/imapd_script.py" "$SCRIPTS/$1.txt" \
		--port-file "$T/port" --log "$T/$1.log" --timeout 10 \
		2>"$T/$1.server" &
	SERVER=$!
	i=0
	while ! [ -s "$T/port" ] && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	cat >"$T/conf" <<CONF
accounts = ( {
	name = "exo"; user = "catchall@otpbox.test";
	auth = "xoauth2";
	oauth2 = {
		tenant = "test-tenant";
		client_id = "otpbox-test-client";
		client_secret_env = "OAUTH2_SECRET";
		token_endpoint = "https://127.0.0.1:$TOKEN_PORT/{tenant}/oauth2/v2.0/token";
		ca_file = "$T/tls/cert.pem";
	};
	host = "127.0.0.1"; port = $(cat "$T/port");
	tls = "none"; allow_plaintext = true; timeout_seconds = 5;
	domains = [ "bots.test" ];
} );
CONF
}

# run WANT NAME: one --once against the playing server; its stderr is
# kept as NAME.err.
run()
{
	expect_status "$1" "$2: --once exits $1" -- \
		"$OTPBOX" fetch -c "$T/conf" --db "$T/db" --once
	cp "$T/err" "$T/$2.err"
	wait "$SERVER"
	expect_eq $? 0 "$2: the transcript played to its end"
	SERVER=
}

oauth2_set app_role=0
play xoauth2_refused
run 77 xoauth2_refused
expect_eq "$(grep -c 'AUTHENTICATE XOAUTH2' "$T/xoauth2_refused.log")" 2 \
	"refused: the token is replaced once, not more"
expect_grep "no IMAP.AccessAsApp role" "$T/xoauth2_refused.err" \
	"refused: the missing role is named (from the token's claims)"
oauth2_set app_role=1

play xoauth2_not_connected
run 77 xoauth2_not_connected
expect_grep "New-ServicePrincipal" "$T/xoauth2_not_connected.err" \
	"not connected: points at the service principal"
expect_grep "Add-MailboxPermission" "$T/xoauth2_not_connected.err" \
	"not connected: and at the mailbox permission"

play xoauth2_throttled
run 77 xoauth2_throttled
expect_eq "$(grep -c 'AUTHENTICATE XOAUTH2' "$T/xoauth2_throttled.log")" 1 \
	"throttled: no second login while throttled"
expect_grep "asks for 300 s" "$T/xoauth2_throttled.err" \
	"throttled: names Microsoft's back-off"

# --watch: the token expires mid-session; the reconnection asks for a
# new one rather than logging in with the expired token first.
play xoauth2_token_expired
before=$(wc -l <"$TOKEN_DIR/issued")
"$OTPBOX" fetch -c "$T/conf" --db "$T/db" --watch -v \
	2>"$T/xoauth2_token_expired.err" &
WATCH=$!
i=0
while ! grep -q "IDLE" "$T/xoauth2_token_expired.log" 2>/dev/null &&
	[ $i -lt 300 ]; do
	sleep 0.05
	i=$((i + 1))
done
kill -TERM $WATCH
wait $WATCH
expect_eq $? 0 "token expired: --watch stops with 0"
wait "$SERVER"
expect_eq $? 0 "token expired: the transcript played to its end"
SERVER=
expect_eq "$(($(wc -l <"$TOKEN_DIR/issued") - before))" 2 \
	"token expired: a new token for the reconnection"
expect_eq "$(sqlite3 "$T/db" "select code from codes")" 560001 \
	"token expired: the message is stored once"

oauth2_leak_check "$T"/*.err "$T"/*.log "$T"/*.server "$T/out" \
	"$T/token_server.err"
test_done
