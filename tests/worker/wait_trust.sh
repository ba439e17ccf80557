#!/bin/sh
# SPDX-License-Identifier: MIT
# Sender trust and one claim per message, with real parts: otpbox fetch
# --watch against the test Dovecot, messages stamped as Microsoft 365
# stamps them (the topmost Authentication-Results, no authserv-id) with
# forged lower ones, waiters with each filter, and IMAP COPY and MOVE of a
# claimed message into a second watched folder. OTPBOX_TEST_DB picks the
# store (tests/backend.sh; wait_trust_pg.sh runs it on PostgreSQL).
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
CONF=$T/otpbox.conf
JUNK="Junk Email"
fetch_pid=
cleanup()
{
	[ -n "$fetch_pid" ] && kill "$fetch_pid" 2>/dev/null
	wait 2>/dev/null
	backend_stop
	dovecot_finish
	test_cleanup
}
trap cleanup EXIT

# imap CMD MSGID [FOLDER]: as a mail user would, over IMAP: "create" the
# folder, "copy" or "move" the INBOX message with that Message-ID to it.
imap()
{
	python3 - "$@" <<PY
import imaplib, ssl, sys
cmd, arg = sys.argv[1], sys.argv[2]
ctx = ssl.create_default_context(cafile="$DOVECOT_CA")
m = imaplib.IMAP4_SSL("$DOVECOT_HOST", $DOVECOT_PORT, ssl_context=ctx)
m.login("$DOVECOT_USER", open("$DOVECOT_DIR/password").read().strip())
if cmd == "create":
    typ, _ = m.create('"%s"' % arg)
else:
    m.select("INBOX")
    typ, data = m.uid("SEARCH", None, "HEADER", "Message-ID", arg)
    uid = data[0].split()[-1]
    typ, _ = m.uid(cmd.upper(), uid, '"%s"' % sys.argv[3])
m.logout()
sys.exit(0 if typ == "OK" else 1)
PY
}

# mail FILE RCPT CODE MSGID FROM AUTHRES [FORGED_AUTHRES] [SUBJECT]: a
# message as Exchange Online delivers it: its Authentication-Results on
# top; a sender's own copy, if any, further down.
mail()
{
	{
		echo "Authentication-Results: $6"
		echo "Received: from mail.sender.example (192.0.2.10) by"
		echo " mx.otpbox.test with ESMTPS; $(date -R)"
		[ -n "$7" ] && echo "Authentication-Results: $7"
		echo "X-Original-To: $2"
		echo "From: Service <$5>"
		echo "To: $2"
		echo "Subject: ${8:-Your verification code}"
		echo "Date: $(date -R)"
		echo "Message-ID: <$4>"
		echo "MIME-Version: 1.0"
		echo "Content-Type: text/plain; charset=utf-8"
		echo
		echo "Your verification code is $3. It expires in 10 minutes."
	} >"$1"
}

EOP_PASS="spf=pass (sender IP is 192.0.2.10) smtp.mailfrom=bank.example;\
 dkim=pass (signature was verified) header.d=bank.example;dmarc=pass\
 action=none header.from=bank.example;compauth=pass reason=100"
EOP_FAIL="spf=fail (sender IP is 203.0.113.9) smtp.mailfrom=bank.example;\
 dkim=none (message not signed) header.d=none;dmarc=fail\
 action=oreject header.from=bank.example;compauth=fail reason=000"
EVIL_PASS="spf=pass (sender IP is 198.51.100.7) smtp.mailfrom=evil.example;\
 dkim=pass (signature was verified) header.d=evil.example;dmarc=pass\
 action=none header.from=evil.example;compauth=pass reason=100"

# await SQL VALUE: waits (up to 20 s) until the query prints VALUE (the
# tables appear only once the fetcher has started).
await()
{
	i=0
	while [ "$(q "$1" 2>/dev/null)" != "$2" ] && [ $i -lt 400 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	[ "$(q "$1")" = "$2" ]
}

# rows SQL: the query's rows on one line, separated by spaces (neither
# engine's list aggregate is in the other).
rows()
{
	q "$1" | tr '\n' ' ' | sed 's/ $//'
}

imap create "$JUNK" || { fail "create $JUNK"; test_done; }
dovecot_conf "$CONF"
sed -i "s/folders = \[ \"INBOX\" \];/folders = [ \"INBOX\", \"$JUNK\" ];/" \
	"$CONF"
"$OTPBOX" fetch -c "$CONF" --db "$DB" --watch 2>"$T/watch.err" &
fetch_pid=$!
await "SELECT count(*) FROM folders" 2 ||
	{ fail "fetcher did not start: $(cat "$T/watch.err")"; test_done; }

# 1. The done-when: --from bank.example --authenticated. A forged message
# comes first (Exchange says dmarc=fail on top; the sender wrote a pass
# below), then one from another domain that did pass, then the genuine.
"$OTPBOX" wait bot1@bots.test -c "$CONF" --db "$DB" --timeout 30 \
	--from bank.example --authenticated --json >"$T/w1.out" 2>"$T/w1.err" &
w1=$!
await "SELECT count(*) FROM active_waits" 1 || fail "waiter 1 did not start"
mail "$T/f1.eml" bot1@bots.test 111001 forged.1@bank.example \
	no-reply@bank.example "$EOP_FAIL" "mx.bank.example; $EOP_PASS"
dovecot_deliver "$T/f1.eml"
mail "$T/e1.eml" bot1@bots.test 111002 evil.1@evil.example \
	no-reply@evil.example "$EVIL_PASS"
dovecot_deliver "$T/e1.eml"
await "SELECT count(*) FROM codes WHERE address = 'bot1@bots.test'" 2 ||
	fail "forged messages not fetched"
mail "$T/g1.eml" bot1@bots.test 111003 genuine.1@bank.example \
	No-Reply@Bank.Example "$EOP_PASS"
dovecot_deliver "$T/g1.eml"
wait $w1
st=$?
[ $st -eq 0 ] && grep -q '"code":"111003"' "$T/w1.out" &&
	grep -q '"authenticated":true' "$T/w1.out" &&
	pass "--from bank.example --authenticated: only the genuine code" ||
	fail "waiter 1 exit $st: $(cat "$T/w1.out" "$T/w1.err")"
[ "$(rows "SELECT code || ':' || authenticated || ':' ||
	coalesce(from_domain, '-') FROM otp_codes
	WHERE address = 'bot1@bots.test' ORDER BY code")" = \
	"111001:0:bank.example 111002:1:evil.example 111003:1:bank.example" ] &&
	pass "sender facts stored from the topmost header only" ||
	fail "sender facts: $(q "SELECT code, authenticated, from_domain,
		auth_dmarc FROM otp_codes WHERE address = 'bot1@bots.test'")"
[ "$(q "SELECT count(*) FROM codes WHERE address = 'bot1@bots.test'
	AND claimed_at IS NOT NULL")" = 1 ] &&
	pass "the refused codes stay unclaimed" || fail "a refused code claimed"

# 2. Each filter alone, against codes already stored.
mail "$T/s2.eml" bot2@bots.test 222001 subj.2@bank.example \
	a@login.bank.example "$EOP_FAIL" "" "Your sign-in code"
dovecot_deliver "$T/s2.eml"
await "SELECT count(*) FROM codes WHERE address = 'bot2@bots.test'" 1 ||
	fail "bot2 message not fetched"
expect_status 1 "--from another sender times out" -- \
	"$OTPBOX" wait bot2@bots.test -c "$CONF" --db "$DB" --timeout 0 \
	--from other.example
expect_grep "filter --from refused message" "$T/err" \
	"the time-out names the refusing filter"
expect_grep "a@login.bank.example" "$T/err" "and the refused sender"
[ "$(q "SELECT reason || ' ' || filtered_by FROM missed_otps
	WHERE address = 'bot2@bots.test'")" = "filtered from" ] &&
	pass "missed_otps: filtered by from" || fail "missed_otps for bot2"
expect_status 1 "--subject that does not match" -- \
	"$OTPBOX" wait bot2@bots.test -c "$CONF" --db "$DB" --timeout 0 \
	--subject newsletter
expect_status 1 "--authenticated refuses dmarc=fail" -- \
	"$OTPBOX" wait bot2@bots.test -c "$CONF" --db "$DB" --timeout 0 \
	--authenticated
expect_status 0 "--from glob and --subject" -- \
	"$OTPBOX" wait bot2@bots.test -c "$CONF" --db "$DB" --timeout 0 \
	--from '*@*.bank.example' --subject SIGN-IN
[ "$(cat "$T/out")" = 222001 ] && pass "glob and subject: the code" ||
	fail "glob and subject printed '$(cat "$T/out")'"

# 3. One message, one claim: claimed in INBOX, then copied (COPY) and
# moved (MOVE) into the second watched folder.
mail "$T/c3.eml" bot3@bots.test 333001 copy.3@bank.example \
	no-reply@bank.example "$EOP_PASS"
dovecot_deliver "$T/c3.eml"
expect_status 0 "first wait claims the code" -- \
	"$OTPBOX" wait bot3@bots.test -c "$CONF" --db "$DB" --timeout 20
imap copy copy.3@bank.example "$JUNK" || fail "IMAP COPY"
await "SELECT count(*) FROM codes WHERE address = 'bot3@bots.test'" 2 ||
	fail "the copy was not fetched"
imap move copy.3@bank.example "$JUNK" || fail "IMAP MOVE"
await "SELECT count(*) FROM codes WHERE address = 'bot3@bots.test'" 3 ||
	fail "the moved message was not fetched"
[ "$(q "SELECT count(DISTINCT copy_of) || ' ' || count(DISTINCT folder)
	FROM otp_codes WHERE address = 'bot3@bots.test'")" = "1 2" ] &&
	pass "three copies in two folders, one message" ||
	fail "copies: $(q "SELECT folder, uid, copy_of FROM otp_codes
		WHERE address = 'bot3@bots.test'")"
expect_status 1 "a second wait gets no copy" -- \
	"$OTPBOX" wait bot3@bots.test -c "$CONF" --db "$DB" --timeout 1
[ "$(q "SELECT reason FROM missed_otps WHERE address = 'bot3@bots.test'")" = \
	claimed_by_other ] && pass "missed_otps: claimed_by_other" ||
	fail "missed_otps for bot3: $(q "SELECT * FROM missed_otps
		WHERE address = 'bot3@bots.test'")"
mail "$T/r3.eml" bot3@bots.test 333002 resend.3@bank.example \
	no-reply@bank.example "$EOP_PASS"
dovecot_deliver "$T/r3.eml"
expect_status 0 "a resend is still handed out" -- \
	"$OTPBOX" wait bot3@bots.test -c "$CONF" --db "$DB" --timeout 20
[ "$(cat "$T/out")" = 333002 ] && pass "resend: the new code" ||
	fail "resend printed '$(cat "$T/out")'"
test_done
