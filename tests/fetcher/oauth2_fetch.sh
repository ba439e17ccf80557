#!/bin/sh
# SPDX-License-Identifier: MIT
# otpbox fetch with XOAUTH2 against a real Dovecot (oauth2 passdb, local
# validation of the HS256 tokens) and the loopback token endpoint:
# client credentials, refresh-token rotation, a refused token replaced
# once, expiry during --watch, a wrong secret, the endpoint down; then no
# secret or token in anything printed or logged.
. "$OTPBOX_SRCDIR/tests/lib.sh"
. "$OTPBOX_SRCDIR/tests/oauth2_lib.sh"
. "$OTPBOX_SRCDIR/tests/dovecot.sh"
dovecot_require
T=$TEST_DIR
DB=$T/otpbox.db
CONF=$T/otpbox.conf
WATCH_PID=

# Dovecot's auth process (user dovecot) reads the key and settings below.
chmod 711 "$T"
oauth2_server_start --user "$DOVECOT_USER" \
	--audience https://outlook.office365.com \
	--issuer https://sts.example.test/
chmod 711 "$TOKEN_DIR"
cat >"$TOKEN_DIR/dovecot-oauth2.conf.ext" <<EXT
introspection_mode = local
local_validation_key_dict = fs:posix:prefix=$TOKEN_DIR/keys/
client_id = https://outlook.office365.com
issuers = https://sts.example.test/
username_attribute = email
EXT
cat >"$T/dovecot-extra.conf" <<EXTRA
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = $TOKEN_DIR/dovecot-oauth2.conf.ext
}
EXTRA
chmod 644 "$TOKEN_DIR/dovecot-oauth2.conf.ext"
DOVECOT_EXTRA_CONF=$T/dovecot-extra.conf
dovecot_start || { echo "cannot start dovecot"; exit 99; }
# dovecot_start set its own trap; stop everything we started.
trap 'watch_stop; oauth2_server_stop; dovecot_finish;
	test_cleanup' EXIT

q() { sqlite3 "$DB" "$1"; }
fetch() { "$OTPBOX" fetch -c "$CONF" --db "$DB" "$@"; }
expect_eq()
{
	if [ "$1" = "$2" ]; then
		pass "$3"
	else
		fail "$3: got '$1', wanted '$2'"
	fi
}
# count PATTERN FILE: matching lines, 0 for a file not there yet.
count() { n=$(grep -c -- "$1" "$2" 2>/dev/null); echo "${n:-0}"; }
token_requests() { count "$1" "$TOKEN_DIR/requests.log"; }

TOKEN_TEMPLATE="https://127.0.0.1:$TOKEN_PORT/{tenant}/oauth2/v2.0/token"
# write_conf [OAUTH2-SETTINGS...]: an xoauth2 account for the test Dovecot.
write_conf()
{
	extra=""
	for s in "$@"; do extra="$extra
		$s;"; done
	cat >"$CONF" <<CONF
accounts = ( {
	name = "m365";
	user = "$DOVECOT_USER";
	auth = "xoauth2";
	oauth2 = {
		tenant = "test-tenant";
		client_id = "otpbox-test-client";
		token_endpoint = "$TOKEN_TEMPLATE";
		ca_file = "$T/tls/cert.pem";$extra
	};
	host = "$DOVECOT_HOST";
	port = $DOVECOT_PORT;
	ca_file = "$DOVECOT_CA";
	timeout_seconds = 10;
	folders = [ "INBOX" ];
	domains = [ "bots.test" ];
} );
fetch = { idle = true; poll_interval_seconds = 1; };
CONF
}

N=0
# deliver: one more OTP message for bot$N@bots.test.
deliver()
{
	N=$((N + 1))
	dovecot_make_mail "$T/m$N.eml" "bot$N@bots.test" "70000$N" "oauth.$N"
	dovecot_deliver "$T/m$N.eml"
}

# wait_for SQL WANT: polls the database for up to 15 s.
wait_for()
{
	i=0
	while [ $i -lt 150 ]; do
		[ "$(q "$1" 2>/dev/null)" = "$2" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

watch_stop()
{
	if [ -n "$WATCH_PID" ]; then
		kill -TERM "$WATCH_PID" 2>/dev/null
		wait "$WATCH_PID" 2>/dev/null
		WATCH_PID=
	fi
}

# ---- client credentials (app-only) ----
write_conf 'client_secret_env = "OAUTH2_SECRET"'
deliver
expect_status 0 "client credentials: --once exits 0" -- fetch --once -vv
cp "$T/err" "$T/once1.err"
expect_eq "$(q 'select count(*) from messages')" 1 \
	"client credentials: the message is stored"
expect_eq "$(token_requests 'client_credentials issued')" 1 \
	"client credentials: one token request"
expect_grep "method=XOAUTH2" "$DOVECOT_DIR/dovecot.log" \
	"Dovecot saw an XOAUTH2 login"

# ---- refresh token, rotated and written back ----
RT=$T/refresh-token
(umask 077 && printf '%s\n' "$OAUTH2_REFRESH0" >"$RT")
write_conf 'flow = "refresh_token"' "refresh_token_file = \"$RT\""
deliver
expect_status 0 "refresh token: --once exits 0" -- fetch --once
cp "$T/err" "$T/once2.err"
expect_eq "$(q 'select count(*) from messages')" 2 \
	"refresh token: the message is stored"
if grep -qF -- "$OAUTH2_REFRESH0" "$RT"; then
	fail "refresh token: the file still holds the old token"
else
	pass "refresh token: the file holds the rotated token"
fi
expect_eq "$(stat -c %a "$RT")" 600 "refresh token: the file is mode 600"
expect_eq "$(ls "$T" | grep -c '^refresh-token\.')" 0 \
	"refresh token: no temporary file left"
deliver
expect_status 0 "refresh token: the rotated token works" -- fetch --once
cp "$T/err" "$T/once3.err"
expect_eq "$(token_requests 'refresh_token issued rotated')" 2 \
	"refresh token: two refreshes, each rotated"

# ---- a refused token is replaced once ----
# The command hands out a token Dovecot rejects, then good ones.
cat >"$T/broker.sh" <<BROKER
#!/bin/sh
n=\$(cat "$T/broker.count" 2>/dev/null || echo 0)
echo \$((n + 1)) >"$T/broker.count"
if [ "\$n" -eq 0 ]; then echo not.a.token; exit 0; fi
exec python3 "$TOKEN_SERVER" mint "$TOKEN_DIR"
BROKER
chmod 700 "$T/broker.sh"
write_conf "access_token_command = \"$T/broker.sh\""
deliver
expect_status 0 "refused token: replaced once, then signed in" -- \
	fetch --once -v
cp "$T/err" "$T/once4.err"
expect_eq "$(cat "$T/broker.count")" 2 "refused token: one retry"
expect_eq "$(q 'select count(*) from messages')" 4 \
	"refused token: the message is stored"

# ---- wrong client secret: refused, exit 77, said plainly ----
WRONG_SECRET="wrong-$(rand_hex 8)"
export WRONG_SECRET
write_conf 'client_secret_env = "WRONG_SECRET"'
before=$(token_requests client_credentials)
expect_status 77 "wrong secret: exit 77" -- fetch --once
cp "$T/err" "$T/once5.err"
expect_grep "AADSTS7000215" "$T/once5.err" "wrong secret: Microsoft's code"
expect_grep "client secret is wrong" "$T/once5.err" \
	"wrong secret: what to fix"
expect_eq "$(($(token_requests client_credentials) - before))" 1 \
	"wrong secret: asked once, no retry storm"
if grep -qF -- "$WRONG_SECRET" "$T/once5.err"; then
	fail "wrong secret: the wrong secret is printed"
else
	pass "wrong secret: not printed either"
fi

# ---- endpoint down: exit 75 ----
write_conf 'client_secret_env = "OAUTH2_SECRET"'
oauth2_set mode=down
expect_status 75 "endpoint failing (503): exit 75" -- fetch --once
cp "$T/err" "$T/once6.err"
expect_grep "will try again" "$T/once6.err" \
	"endpoint failing: says it is temporary"
oauth2_set mode=ok
sed "s|127.0.0.1:$TOKEN_PORT|127.0.0.1:$(dovecot_free_port)|" "$CONF" \
	>"$T/closed.conf"
expect_status 75 "endpoint unreachable: exit 75" -- \
	"$OTPBOX" fetch -c "$T/closed.conf" --db "$DB" --once
cp "$T/err" "$T/once7.err"
expect_grep "unreachable" "$T/once7.err" "endpoint unreachable: said so"

# ---- --watch: endpoint down at start, retried with back-off ----
oauth2_set mode=down
deliver
# Started directly (not through fetch()) so that $! is otpbox itself.
"$OTPBOX" fetch -c "$CONF" --db "$DB" --watch -v \
	>"$T/watch.out" 2>"$T/watch.err" &
WATCH_PID=$!
i=0
while [ $i -lt 100 ] && [ "$(count 'reconnecting in' "$T/watch.err")" -lt 2 ]
do
	sleep 0.1
	i=$((i + 1))
done
expect_grep "reconnecting in" "$T/watch.err" "--watch: endpoint down, retries"
oauth2_set mode=ok
if wait_for 'select count(*) from messages' 5; then
	pass "--watch: recovers when the endpoint is back"
else
	fail "--watch: nothing stored after the endpoint came back"
fi

expect_eq "$(awk '/^Max core file size/ { print $5 $6 }' \
	"/proc/$WATCH_PID/limits")" 00 "--watch: no core file can hold a token"

# ---- --watch: tokens expire during the session ----
# Ten-second tokens are renewed two seconds before they lapse: the session
# reconnects with a new token. Mail keeps arriving all the while (some of
# it while the connection is being replaced); none is lost or stored twice.
oauth2_set lifetime=10
watch_stop
before=$(token_requests 'client_credentials issued')
first=$((N + 1))
"$OTPBOX" fetch -c "$CONF" --db "$DB" --watch -v \
	>"$T/watch2.out" 2>"$T/watch2.err" &
WATCH_PID=$!
i=0
while [ $i -lt 75 ] &&
      [ "$(($(token_requests 'client_credentials issued') - before))" -lt 3 ]
do
	deliver
	sleep 0.3
	i=$((i + 1))
done
deliver
if wait_for 'select count(*) from messages' $N; then
	pass "--watch: all $((N - first + 1)) messages sent across two" \
		"renewals stored"
else
	fail "--watch: messages missing:" \
		"$(q 'select count(*) from messages') stored of $N"
fi
watch_stop
expect_eq "$(($(token_requests 'client_credentials issued') - before))" 3 \
	"--watch: two renewals in about twenty seconds"
expect_eq "$(count 'new access token; reconnecting' "$T/watch2.err")" 2 \
	"--watch: reconnected with each new token"
expect_eq "$(q 'select count(distinct message_id) from messages')" $N \
	"--watch: every message exactly once"
expect_eq "$(q 'select count(*) from messages')" $N \
	"--watch: no duplicate"
expect_eq "$(q "select count(distinct address) from codes
	where address like 'bot%@bots.test'")" $N "--watch: every code extracted"
oauth2_set lifetime=3599

# ---- nothing secret anywhere ----
oauth2_leak_check "$T"/*.err "$T"/*.out "$T/err" "$T/out" \
	"$T/token_server.err" "$TOKEN_DIR/requests.log" \
	"$DOVECOT_DIR/dovecot.log" "$DB"
test_done
