#!/bin/sh
# SPDX-License-Identifier: MIT
# otpbox doctor with XOAUTH2 against a real Dovecot (oauth2 passdb) and the
# loopback token endpoint: the sign-in step passes with the right client
# secret and, with a wrong one, fails (77) with Microsoft's code and the
# fetcher's explanation; no secret or token in anything printed.
. "$OTPBOX_SRCDIR/tests/lib.sh"
. "$OTPBOX_SRCDIR/tests/oauth2_lib.sh"
. "$OTPBOX_SRCDIR/tests/dovecot.sh"
dovecot_require
T=$TEST_DIR
CONF=$T/otpbox.conf

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
trap 'oauth2_server_stop; dovecot_finish; test_cleanup' EXIT

py() { python3 -c "import json,sys; j=json.load(open('$T/out')); print($1)"; }
expect_eq()
{
	if [ "$1" = "$2" ]; then pass "$3"; else fail "$3: got '$1', wanted '$2'"; fi
}

# write_conf SECRET_ENV: an xoauth2 account for the test Dovecot.
write_conf()
{
	cat >"$CONF" <<CONF
accounts = ( {
	name = "m365";
	user = "$DOVECOT_USER";
	auth = "xoauth2";
	oauth2 = {
		tenant = "test-tenant";
		client_id = "otpbox-test-client";
		token_endpoint = "https://127.0.0.1:$TOKEN_PORT/{tenant}/oauth2/v2.0/token";
		ca_file = "$T/tls/cert.pem";
		client_secret_env = "$1";
	};
	host = "$DOVECOT_HOST";
	port = $DOVECOT_PORT;
	ca_file = "$DOVECOT_CA";
	timeout_seconds = 10;
	folders = [ "INBOX" ];
	domains = [ "bots.test" ];
} );
CONF
}

write_conf OAUTH2_SECRET
expect_status 0 "XOAUTH2 with the right secret: exit 0" -- \
	"$OTPBOX" doctor -c "$CONF" --db "$T/db"
cp "$T/out" "$T/good.out"
expect_grep "^ok    sign-in    m365: signed in as $DOVECOT_USER (XOAUTH2)" \
	"$T/good.out" "the sign-in step used XOAUTH2"
expect_grep "^ok    folder     m365: INBOX" "$T/good.out" "the folder step ran"

WRONG_SECRET="wrong-$(rand_hex 8)"
export WRONG_SECRET
write_conf WRONG_SECRET
expect_status 77 "a wrong client secret: exit 77" -- \
	"$OTPBOX" doctor -c "$CONF" --db "$T/db" --json
cp "$T/out" "$T/wrong.out"
expect_eq "$(py "j['failed_step'], j['exit_status']")" "sign-in 77" \
	"the walk stops at sign-in"
expect_grep "AADSTS7000215" "$T/wrong.out" "Microsoft's code is quoted"
expect_grep "client secret is wrong" "$T/wrong.out" \
	"the fix is the fetcher's explanation"
if grep -qF -- "$WRONG_SECRET" "$T/wrong.out" "$T/err"; then
	fail "the wrong secret is printed"
else
	pass "the wrong secret is not printed"
fi
oauth2_leak_check "$T/good.out" "$T/wrong.out" "$T/err"
test_done
