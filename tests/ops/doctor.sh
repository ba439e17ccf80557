#!/bin/sh
# SPDX-License-Identifier: MIT
# otpbox doctor against a real Dovecot: every step passes on a good setup;
# each broken step (configuration, secret, DNS, TCP, TLS, sign-in, folder)
# stops the walk there with its exit status and a fix; the mailbox is
# never changed.
. "${OTPBOX_SRCDIR:-.}/tests/lib.sh"
. "${OTPBOX_SRCDIR:-.}/tests/dovecot.sh"
dovecot_require
dovecot_start || { echo "cannot start dovecot"; exit 99; }
T=$TEST_DIR
DB=$T/otpbox.db
CONF=$T/otpbox.conf
dovecot_conf "$CONF"
doctor() { "$OTPBOX" doctor --db "$DB" "$@"; }
py() { python3 -c "import json,sys; j=json.load(open('$T/out')); print($1)"; }

expect_eq()
{
	if [ "$1" = "$2" ]; then pass "$3"; else fail "$3: got '$1', wanted '$2'"; fi
}

dovecot_make_mail "$T/m1.eml" bot1@bots.test 700001
dovecot_deliver "$T/m1.eml"
"$OTPBOX" fetch -c "$CONF" --db "$DB" --once 2>/dev/null

# All good.
expect_status 0 "a working setup: exit 0" -- doctor -c "$CONF"
for step in config secret dns tcp tls greeting sign-in folder database \
	kernel clock recipients; do
	expect_grep "^[a-zA-Z]*  *$step " "$T/out" "step $step is reported"
done
expect_grep "^ok    tls        test: TLSv1\.[23]; certificate verified for localhost" \
	"$T/out" "the negotiated TLS version is named"
expect_grep "^ok    recipients .*X-Original-To.*catch-all routing confirmed" \
	"$T/out" "the stored messages show the delivery header"
expect_grep "every step works" "$T/out" "the summary says so"
expect_status 0 "--json" -- doctor -c "$CONF" --json
expect_eq "$(py "j['ok'], j['failed_step'], len(j['steps']) >= 12")" \
	"True None True" "JSON: ok, no failed step"

# The mailbox is unchanged: nothing was marked seen or deleted.
expect_eq "$(doveadm -c "$DOVECOT_DIR/dovecot.conf" search -u "$DOVECOT_USER" \
	mailbox INBOX SEEN | wc -l)" 0 "no message was marked \\Seen"

# A server clock ahead: its newest message is dated in our future.
python3 - "$T/m1.eml" <<PY
import imaplib, ssl, sys, time
ctx = ssl.create_default_context(cafile="$DOVECOT_CA")
m = imaplib.IMAP4_SSL("$DOVECOT_HOST", $DOVECOT_PORT, ssl_context=ctx)
m.login("$DOVECOT_USER", open("$DOVECOT_DIR/password").read().strip())
m.append("INBOX", None, time.time() + 3600, open(sys.argv[1], "rb").read())
m.logout()
PY
expect_status 0 "a clock ahead is a warning" -- doctor -c "$CONF"
expect_grep "^warn  clock      test: the server dated its newest message 3[56][0-9][0-9] s in this machine's future" \
	"$T/out" "the live INTERNALDATE shows the server's clock ahead"
expect_eq "$(doveadm -c "$DOVECOT_DIR/dovecot.conf" search -u "$DOVECOT_USER" \
	mailbox INBOX SEEN | wc -l)" 0 "reading INTERNALDATE marked nothing \\Seen"

# check WANT STEP DESCRIPTION CONF: the walk stops at STEP with WANT.
check()
{
	expect_status "$1" "$3: exit $1" -- doctor -c "$4" --json
	expect_eq "$(py "j['failed_step'], j['steps'][-1]['result'], j['steps'][-1]['fix'] is not None")" \
		"$2 fail True" "$3: stops at $2 with a fix"
}

printf 'accounts = ( { name = "x"; port = "993"; hots = "a"; } );\n' >"$T/bad.conf"
check 78 config "configuration errors" "$T/bad.conf"
expect_eq "$(py "'port' in j['steps'][0]['detail'] and 'hots' in j['steps'][0]['detail']")" \
	True "every configuration error at once"

sed "s|password_file = .*|password_file = \"$T/nonexistent\";|" "$CONF" >"$T/c1.conf"
check 78 secret "unreadable secret" "$T/c1.conf"

sed 's|host = .*|host = "no-such-host.invalid";|' "$CONF" >"$T/c2.conf"
check 68 dns "unknown host" "$T/c2.conf"

sed "s|port = .*|port = $(dovecot_free_port);|" "$CONF" >"$T/c3.conf"
check 69 tcp "closed port" "$T/c3.conf"

sed "s|ca_file = .*|ca_file = \"$DOVECOT_OTHER_CA\";|" "$CONF" >"$T/c4.conf"
check 75 tls "untrusted certificate" "$T/c4.conf"
expect_eq "$(py "'ca_file' in j['steps'][-1]['fix']")" True "the TLS fix names ca_file"

(umask 077 && echo wrong-password >"$T/badpw")
sed "s|password_file = .*|password_file = \"$T/badpw\";|" "$CONF" >"$T/c5.conf"
check 77 sign-in "refused password" "$T/c5.conf"

sed 's|folders = \[ "INBOX" \];|folders = [ "INBOX", "No Such Folder" ];|' "$CONF" >"$T/c6.conf"
check 66 folder "missing folder" "$T/c6.conf"

# The text form says the fix under the failing step.
expect_status 66 "text form of a failure" -- doctor -c "$T/c6.conf"
expect_grep "^FAIL  folder" "$T/out" "text marks the failing step"
expect_grep "fix: check the folder's exact name" "$T/out" "text gives the fix"
expect_grep "stopped at the first broken step" "$T/out" "text says it stopped"

# A database its group cannot write: a warning, not a failure.
chmod 600 "$DB"
expect_status 0 "owner-only database is a warning" -- doctor -c "$CONF"
expect_grep "^warn  database" "$T/out" "the permissions are named"

test_done
