# SPDX-License-Identifier: MIT
# Helpers for the OAuth2 tests, sourced after tests/lib.sh: a throw-away
# certificate, the loopback token endpoint (tests/token_server.py) and a
# check that no secret or token leaked into what the tests printed.
: "${OTPBOX_SRCDIR:?run through make check (OTPBOX_SRCDIR unset)}"
TOKEN_SERVER="$OTPBOX_SRCDIR/tests/token_server.py"
TOKEN_DIR="$TEST_DIR/token"
TOKEN_PID=

# Fresh random values every run, with characters that need URL encoding,
# so that finding one in any output can only mean a leak.
rand_hex()
{
	od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'
}
OAUTH2_SECRET="cs-$(rand_hex 12)+&=% ~/x"
OAUTH2_REFRESH0="rt0-$(rand_hex 12)"
export OAUTH2_SECRET

oauth2_cleanup()
{
	oauth2_server_stop
	test_cleanup
}
trap 'oauth2_cleanup' EXIT

# oauth2_cert DIR: a self-signed certificate for 127.0.0.1 and localhost
# (DIR/cert.pem, DIR/key.pem); the certificate is also the trust anchor.
oauth2_cert()
{
	mkdir -p "$1"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
		-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
		-keyout "$1/key.pem" -out "$1/cert.pem" >/dev/null 2>&1
}

# oauth2_server_start [ARGS...]: starts the endpoint with our secret and
# first refresh token (through the environment), sets TOKEN_PORT and
# TOKEN_URL. The keys for Dovecot end up in $TOKEN_DIR/keys.
oauth2_server_start()
{
	[ -f "$TEST_DIR/tls/cert.pem" ] || oauth2_cert "$TEST_DIR/tls"
	rm -f "$TOKEN_DIR/port"
	TOKEN_SERVER_SECRET=$OAUTH2_SECRET \
	TOKEN_SERVER_REFRESH=$OAUTH2_REFRESH0 \
		python3 "$TOKEN_SERVER" serve "$TOKEN_DIR" \
		--cert "$TEST_DIR/tls/cert.pem" --key "$TEST_DIR/tls/key.pem" \
		"$@" 2>"$TEST_DIR/token_server.err" &
	TOKEN_PID=$!
	i=0
	while [ ! -s "$TOKEN_DIR/port" ] && [ $i -lt 100 ]; do
		kill -0 "$TOKEN_PID" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	if [ ! -s "$TOKEN_DIR/port" ]; then
		echo "token server did not start:"
		cat "$TEST_DIR/token_server.err"
		exit 99
	fi
	TOKEN_PORT=$(cat "$TOKEN_DIR/port")
	TOKEN_URL="https://127.0.0.1:$TOKEN_PORT/test-tenant/oauth2/v2.0/token"
}

oauth2_server_stop()
{
	if [ -n "$TOKEN_PID" ]; then
		kill "$TOKEN_PID" 2>/dev/null
		wait "$TOKEN_PID" 2>/dev/null
		TOKEN_PID=
	fi
}

# oauth2_set KEY=VALUE...: changes the running endpoint's behaviour.
oauth2_set()
{
	python3 "$TOKEN_SERVER" set "$TOKEN_DIR" "$@"
}

# oauth2_leak_check FILE...: fails if the client secret, a refresh token
# or an access token the endpoint issued appears in any FILE.
oauth2_leak_check()
{
	leaks=0
	for f in "$@"; do
		[ -f "$f" ] || continue
		if grep -qF -- "$OAUTH2_SECRET" "$f" ||
		   grep -qF -- "$OAUTH2_REFRESH0" "$f"; then
			leaks=$((leaks + 1))
			echo "    secret found in $(basename "$f")"
		fi
		if [ -s "$TOKEN_DIR/issued" ] &&
		   grep -qF -f "$TOKEN_DIR/issued" -- "$f"; then
			leaks=$((leaks + 1))
			echo "    issued token found in $(basename "$f")"
		fi
	done
	if [ "$leaks" -eq 0 ]; then
		pass "no secret or token in $# output and log files"
	else
		fail "secrets or tokens leaked into output"
	fi
}
