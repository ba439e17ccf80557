#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs the oauth2.c unit tests against a loopback token endpoint, then
# checks that their output holds no secret and no token.
. "$OTPBOX_SRCDIR/tests/lib.sh"
. "$OTPBOX_SRCDIR/tests/oauth2_lib.sh"

oauth2_server_start
OTPBOX_TEST_TOKEN_SERVER=$TOKEN_SERVER
OTPBOX_TEST_TOKEN_DIR=$TOKEN_DIR
OTPBOX_TEST_TOKEN_CA=$TEST_DIR/tls/cert.pem
OTPBOX_TEST_TOKEN_TEMPLATE="https://127.0.0.1:$TOKEN_PORT/{tenant}"
OTPBOX_TEST_TOKEN_TEMPLATE="$OTPBOX_TEST_TOKEN_TEMPLATE/oauth2/v2.0/token"
OTPBOX_TEST_REFRESH0=$OAUTH2_REFRESH0
export OTPBOX_TEST_TOKEN_SERVER OTPBOX_TEST_TOKEN_DIR OTPBOX_TEST_TOKEN_CA \
	OTPBOX_TEST_TOKEN_TEMPLATE OTPBOX_TEST_REFRESH0

if "$OTPBOX_BUILDDIR/tests/fetcher/test_oauth2" >"$TEST_DIR/unit.out" 2>&1
then
	pass "oauth2 unit tests"
else
	fail "oauth2 unit tests"
fi
cat "$TEST_DIR/unit.out"
oauth2_leak_check "$TEST_DIR/unit.out" "$TEST_DIR/token_server.err" \
	"$TOKEN_DIR/requests.log"
test_done
