#!/bin/sh
# SPDX-License-Identifier: MIT
# Through the otpbox program: a configuration that is not a readable file,
# a hostile ./.env and a planted lock-file link each end in a clear message
# and the documented exit status, never in a crash or a followed link.
. "${OTPBOX_SRCDIR:-.}/tests/lib.sh"

unset OTPBOX_CONFIG OTPBOX_DB M365_EMAIL M365_APP_PASSWORD
mkdir "$TEST_DIR/conf.d"
for cmd in "fetch --once" "wait a@x.test --timeout 0"; do
	# shellcheck disable=SC2086 # cmd is two or three words
	expect_status 78 "$cmd: a directory as -c exits 78" -- \
		"$OTPBOX" $cmd -c "$TEST_DIR/conf.d"
	expect_grep "$TEST_DIR/conf.d: is a directory" "$TEST_DIR/err" \
		"$cmd: the message names the directory"
done

# Mode 000: root reads anything, so the check runs as nobody.
printf 'database = "/x.db";\n' >"$TEST_DIR/locked.conf"
chmod 000 "$TEST_DIR/locked.conf"
chmod 755 "$TEST_DIR"
as_user=""
[ "$(id -u)" -eq 0 ] && as_user="setpriv --reuid=nobody --regid=nogroup --clear-groups"
# shellcheck disable=SC2086 # as_user is a command and its options
expect_status 78 "an unreadable -c exits 78" -- \
	$as_user "$OTPBOX" wait a@x.test --timeout 0 -c "$TEST_DIR/locked.conf"
expect_grep "$TEST_DIR/locked.conf: cannot open: Permission denied" \
	"$TEST_DIR/err" "the message names the unreadable file"

# ./.env: a password in a file others can read is refused; keys otpbox
# does not read are named and ignored, never exported.
mkdir "$TEST_DIR/work"
printf 'M365_EMAIL=bot@x.test\nM365_APP_PASSWORD=hunter2\n' \
	>"$TEST_DIR/work/.env"
chmod 644 "$TEST_DIR/work/.env"
(cd "$TEST_DIR/work" && "$OTPBOX" fetch --once --db "$TEST_DIR/x.db") \
	>"$TEST_DIR/out" 2>"$TEST_DIR/err"
status=$?
[ "$status" -eq 78 ] && pass ".env 0644 with a password exits 78" ||
	fail ".env 0644 with a password: exit $status, wanted 78"
expect_grep "^$TEST_DIR/work/.env holds M365_APP_PASSWORD but group or others can read it; run 'chmod 600 $TEST_DIR/work/.env'" \
	"$TEST_DIR/err" "the message says how to fix .env"
if grep -q hunter2 "$TEST_DIR/err" "$TEST_DIR/out"; then
	fail "the password appears in the output"
else
	pass "the password stays out of the output"
fi
printf 'SSL_CERT_FILE=/tmp/evil.pem\n' >"$TEST_DIR/work/.env"
(cd "$TEST_DIR/work" &&
	"$OTPBOX" wait a@x.test --timeout 0 --db "$TEST_DIR/none.db") \
	>"$TEST_DIR/out" 2>"$TEST_DIR/err"
expect_grep "^$TEST_DIR/work/.env:1: SSL_CERT_FILE is not read from .env" \
	"$TEST_DIR/err" \
	"an unknown .env key is named and ignored"

# The lock file beside the database: a planted link is refused and its
# target neither created nor truncated.
cat >"$TEST_DIR/one.conf" <<CONF
accounts = ( { user = "a@x.test"; host = "127.0.0.1"; port = 9;
               tls = "none"; allow_plaintext = true;
               password_env = "OTPBOX_TEST_PW"; } );
CONF
OTPBOX_TEST_PW=x "$OTPBOX" fetch --once -c "$TEST_DIR/one.conf" \
	--db "$TEST_DIR/db/otpbox.db" >/dev/null 2>&1
rm -f "$TEST_DIR/db/otpbox.db.lock"
ln -s "$TEST_DIR/victim" "$TEST_DIR/db/otpbox.db.lock"
expect_status 73 "a symlinked lock file exits 73" -- \
	env OTPBOX_TEST_PW=x "$OTPBOX" fetch --once -c "$TEST_DIR/one.conf" \
	--db "$TEST_DIR/db/otpbox.db"
expect_grep "otpbox.db.lock is a symbolic link" "$TEST_DIR/err" \
	"the message names the lock file"
[ -e "$TEST_DIR/victim" ] && fail "the link's target was created" ||
	pass "the link's target was not created"
printf 'keep\n' >"$TEST_DIR/victim"
env OTPBOX_TEST_PW=x "$OTPBOX" fetch --once -c "$TEST_DIR/one.conf" \
	--db "$TEST_DIR/db/otpbox.db" >/dev/null 2>&1
[ "$(cat "$TEST_DIR/victim")" = keep ] && pass "the link's target is untouched" ||
	fail "the link's target changed"
test_done
