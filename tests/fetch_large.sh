#!/bin/sh
# SPDX-License-Identifier: MIT
# Large messages against the real Dovecot: a 300 KB header does not push
# the code in the body out of reach, a 5 MB attachment is never
# downloaded, and small messages still come in one round trip.
# OTPBOX_TEST_DB picks the store (tests/backend.sh; fetch_large_pg.sh).
. "${OTPBOX_SRCDIR:-.}/tests/lib.sh"
. "${OTPBOX_SRCDIR:-.}/tests/dovecot.sh"
# Needs an empty store: a postgresql:// URI is not used as given.
BACKEND_PRIVATE=1
. "${OTPBOX_SRCDIR:-.}/tests/backend.sh"
dovecot_require
backend_require
dovecot_start || { echo "cannot start dovecot"; exit 99; }
T=$TEST_DIR
backend_start || { echo "cannot start the database"; exit 99; }
trap 'backend_stop; dovecot_finish; test_cleanup' EXIT
CONF=$T/otpbox.conf
dovecot_conf "$CONF"

expect_eq()
{
	if [ "$1" = "$2" ]; then pass "$3"; else fail "$3: got '$1', wanted '$2'"; fi
}

# big_mail FILE KIND RCPT CODE: KIND is "header" (300 KB of header: many
# lines and one line of 100 KB, the code in the body), "attachment" (a
# text part with the code and a 5 MB PDF) or "html" (100 KB of HTML).
big_mail()
{
	python3 - "$@" <<'PY'
import base64, os, sys
path, kind, rcpt, code = sys.argv[1:5]
head = ("X-Original-To: %s\nDelivered-To: catchall@otpbox.test\n"
        "From: Example Service <no-reply@service.example>\nTo: %s\n"
        "Subject: Your sign-in\nDate: Wed, 25 Nov 2026 10:00:00 +0000\n"
        "Message-ID: <%s.%s@service.example>\nMIME-Version: 1.0\n"
        % (rcpt, rcpt, kind, code))
text = "Hello,\n\nYour verification code is %s. It expires soon.\n" % code
with open(path, "w") as f:
    if kind == "header":
        f.write(head)
        for i in range(2000):
            f.write("X-Filler-%04d: %s\n" % (i, "f" * 90))
        f.write("X-Long: " + "L" * 100000 + "\n")
        f.write("Content-Type: text/plain; charset=utf-8\n\n" + text)
    elif kind == "attachment":
        pdf = base64.encodebytes(os.urandom(5 * 1024 * 1024 * 3 // 4))
        f.write(head + 'Content-Type: multipart/mixed; boundary="b1"\n\n'
                "--b1\nContent-Type: text/plain; charset=utf-8\n\n" + text +
                "\n--b1\nContent-Type: application/pdf; name=\"big.pdf\"\n"
                "Content-Disposition: attachment; filename=\"big.pdf\"\n"
                "Content-Transfer-Encoding: base64\n\n" +
                pdf.decode() + "--b1--\n")
    else:
        body = "<p>" + "news " * 20000 + "</p><p>Your verification code " \
               "is <b>%s</b></p>" % code
        f.write(head + "Content-Type: text/html; charset=utf-8\n\n" +
                "<html><body>" + body + "</body></html>\n")
PY
}

# out_bytes: what Dovecot sent in the last session it logged out.
out_bytes()
{
	grep "Logged out" "$DOVECOT_DIR/dovecot.log" | tail -1 |
		sed -n 's/.* out=\([0-9]*\).*/\1/p'
}

# A small message first: one UID FETCH, nothing asked for later.
dovecot_make_mail "$T/small.eml" bot1@bots.test 700001 large.small
dovecot_deliver "$T/small.eml"
expect_status 0 "a small message syncs" -- \
	"$OTPBOX" fetch -c "$CONF" --db "$DB" --once -vv
expect_eq "$(grep -c 'C: T[0-9]* UID FETCH' "$T/err")" 1 \
	"a small message costs one UID FETCH (no extra round trip)"

big_mail "$T/header.eml" header bot2@bots.test 700002
dovecot_deliver "$T/header.eml"
big_mail "$T/html.eml" html bot3@bots.test 700003
dovecot_deliver "$T/html.eml"
expect_status 0 "messages with a 300 KB header and 100 KB of HTML sync" -- \
	"$OTPBOX" fetch -c "$CONF" --db "$DB" --once -vv
cp "$T/err" "$T/second.err"
expect_eq "$(q "select code from codes where address = 'bot2@bots.test'")" \
	700002 "the code after a 300 KB header is found"
expect_eq "$(q "select code from codes where address = 'bot3@bots.test'")" \
	700003 "the code at the end of 100 KB of HTML is found"
expect_eq "$(grep -c 'C: T[0-9]* UID FETCH' "$T/second.err")" 3 \
	"two large messages: one UID FETCH, then their parts (pipelined)"
expect_grep "header cut at" "$T/second.err" "the cut header is recorded"

# Even with room for 8 MB per message, the attachment stays on the server.
sed 's|poll_interval_seconds = 1;|poll_interval_seconds = 1; max_message_bytes = 8388608;|' \
	"$CONF" >"$T/roomy.conf"
big_mail "$T/attach.eml" attachment bot4@bots.test 700004
dovecot_deliver "$T/attach.eml"
expect_status 0 "a message with a 5 MB attachment syncs" -- \
	"$OTPBOX" fetch -c "$T/roomy.conf" --db "$DB" --once -v
expect_eq "$(q "select code from codes where address = 'bot4@bots.test'")" \
	700004 "the code beside a 5 MB attachment is found"
sent=$(out_bytes)
if [ -n "$sent" ] && [ "$sent" -lt 1048576 ]; then
	pass "the 5 MB attachment is not downloaded (Dovecot sent $sent bytes)"
else
	fail "Dovecot sent '$sent' bytes for a message with a 5 MB attachment"
fi
expect_grep "not fetched: part 2 application/pdf big.pdf" "$T/err" \
	"the skipped attachment is named"
expect_eq "$(q 'select count(*) from messages')" 4 "four messages stored once"
expect_eq "$(q 'select last_uid from folders')" 4 "checkpoint at UID 4"
test_done
