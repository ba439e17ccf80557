#!/bin/sh
# SPDX-License-Identifier: MIT
# otpbox extract: output columns, stdin, --json, options and exit codes.
. "${OTPBOX_SRCDIR:-.}/tests/lib.sh"

cat >"$TEST_DIR/a.eml" <<'MAIL'
Delivered-To: catchall@bots.test
X-Original-To: Bot1@bots.test
To: someone@else.example
Subject: Your sign-in code

Your sign-in code is 305 118.
MAIL
cat >"$TEST_DIR/b.eml" <<'MAIL'
To: bot2@bots.test, catchall@bots.test
Subject: Confirm your address
Content-Type: text/html

<p>Confirm your address:</p>
<a href="https://x.example/confirm?t=9a8b7c6d5e4f3a2b&amp;u=1">Confirm</a>
MAIL
opts="--mailbox catchall@bots.test --domain bots.test"

expect_status 0 "extract --help exits 0" -- "$OTPBOX" extract --help
expect_grep "^usage: otpbox extract" "$TEST_DIR/out" "--help prints usage"
# shellcheck disable=SC2086
expect_status 0 "two files" -- "$OTPBOX" extract $opts \
	"$TEST_DIR/a.eml" "$TEST_DIR/b.eml"
printf '%s\t%s\t%s\t%s\n' "$TEST_DIR/a.eml" bot1@bots.test 305118 - \
	"$TEST_DIR/b.eml" bot2@bots.test - \
	"https://x.example/confirm?t=9a8b7c6d5e4f3a2b&u=1" >"$TEST_DIR/want"
if cmp -s "$TEST_DIR/out" "$TEST_DIR/want"; then
	pass "columns FILE RECIPIENTS CODE LINK"
else
	fail "columns differ: $(cat "$TEST_DIR/out")"
fi
# shellcheck disable=SC2086
"$OTPBOX" extract $opts <"$TEST_DIR/a.eml" >"$TEST_DIR/stdin" 2>&1
expect_grep "^-	bot1@bots.test	305118	-$" "$TEST_DIR/stdin" \
	"stdin is read and named -"
# shellcheck disable=SC2086
expect_status 65 "unreadable file exits 65" -- "$OTPBOX" extract $opts \
	"$TEST_DIR/missing.eml" "$TEST_DIR/a.eml"
expect_grep "305118" "$TEST_DIR/out" "the other files are still analysed"
# shellcheck disable=SC2086
expect_status 0 "--json" -- "$OTPBOX" extract --json $opts "$TEST_DIR/a.eml"
expect_grep '"code":"305118"' "$TEST_DIR/out" "--json has the code"
expect_grep '"reason":' "$TEST_DIR/out" "--json explains each candidate"
expect_grep '"header":"X-Original-To"' "$TEST_DIR/out" \
	"--json names the header that won"
if command -v python3 >/dev/null 2>&1; then
	if python3 -c 'import json,sys; json.loads(sys.stdin.readline())' \
		<"$TEST_DIR/out"; then
		pass "--json is valid JSON"
	else
		fail "--json is not valid JSON"
	fi
fi
cat >"$TEST_DIR/c.conf" <<'CONF'
accounts = ( { name = "t"; user = "catchall@bots.test";
    password_env = "NONE"; domains = [ "bots.test" ]; } );
extract = { custom_patterns = [ "Desk PIN ([0-9]{4})" ]; };
CONF
printf 'To: bot3@bots.test\nSubject: x\n\nYour code is 551200. Desk PIN 7788.\n' \
	>"$TEST_DIR/c.eml"
expect_status 0 "-c reads custom patterns" -- "$OTPBOX" extract \
	-c "$TEST_DIR/c.conf" "$TEST_DIR/c.eml"
expect_grep "	bot3@bots.test	7788	-$" "$TEST_DIR/out" \
	"a custom pattern wins over the defaults"
expect_status 64 "unknown option exits 64" -- "$OTPBOX" extract --bogus
test_done
