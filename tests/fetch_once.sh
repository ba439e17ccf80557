#!/bin/sh
# SPDX-License-Identifier: MIT
# otpbox fetch --once against a real Dovecot over TLS: first sync, nothing
# new, STARTTLS, refused logins and certificates, UIDVALIDITY change,
# kill -9 in the middle of a large sync, and two runs at once.
. "${OTPBOX_SRCDIR:-.}/tests/lib.sh"
. "${OTPBOX_SRCDIR:-.}/tests/dovecot.sh"
dovecot_require
dovecot_start || { echo "cannot start dovecot"; exit 99; }
T=$TEST_DIR
DB=$T/otpbox.db
CONF=$T/otpbox.conf
dovecot_conf "$CONF"
q() { sqlite3 "$DB" "$1"; }
fetch() { "$OTPBOX" fetch -c "$CONF" --db "$DB" "$@"; }

# expect_eq GOT WANT DESCRIPTION
expect_eq()
{
	if [ "$1" = "$2" ]; then pass "$3"; else fail "$3: got '$1', wanted '$2'"; fi
}

# First sync: three messages, each with its recipient and code.
for i in 1 2 3; do
	dovecot_make_mail "$T/m$i.eml" "bot$i@bots.test" "40000$i" "first.$i"
	dovecot_deliver "$T/m$i.eml"
done
expect_status 0 "first --once exits 0" -- fetch --once -v
expect_eq "$(q 'select count(*) from messages')" 3 "first sync stores 3 messages"
expect_eq "$(q "select code from codes where address = 'bot2@bots.test'")" \
	400002 "bot2's code is stored for bot2"
expect_eq "$(q 'select last_uid from folders')" 3 "checkpoint is the last UID"
expect_grep "sync test/INBOX: 3 new, 3 stored" "$T/err" "one log line with counts"
expect_grep "bot1@bots.test" "$T/err" "-v logs the recipient decision"

# Nothing new: no message fetched, nothing stored twice.
expect_status 0 "second --once exits 0" -- fetch --once
expect_grep "0 new, 0 stored" "$T/err" "second sync finds nothing new"
expect_eq "$(q 'select count(*) from messages')" 3 "second sync adds nothing"

# STARTTLS on the plain port.
dovecot_make_mail "$T/m4.eml" bot4@bots.test 400004 first.4
dovecot_deliver "$T/m4.eml"
dovecot_conf "$T/starttls.conf" "" "" starttls
expect_status 0 "STARTTLS sync exits 0" -- \
	"$OTPBOX" fetch -c "$T/starttls.conf" --db "$DB" --once
expect_eq "$(q 'select count(*) from messages')" 4 "STARTTLS sync stores the new message"

# A wrong password: exit 77, a clear message, one attempt only.
(umask 077 && echo wrong-password >"$T/badpw")
sed "s|password_file = .*|password_file = \"$T/badpw\";|" "$CONF" >"$T/bad.conf"
before=$(grep -c "auth failed" "$DOVECOT_DIR/dovecot.log")
expect_status 77 "wrong password exits 77" -- \
	"$OTPBOX" fetch -c "$T/bad.conf" --db "$DB" --once
expect_grep "refused by the server" "$T/err" "wrong password says the login was refused"
# Dovecot's log process writes the line a moment after the client has
# gone: wait for the first refusal, then give a second one time to show.
i=0
while [ "$(grep -c "auth failed" "$DOVECOT_DIR/dovecot.log")" -le "$before" ] &&
	[ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
sleep 0.5
after=$(grep -c "auth failed" "$DOVECOT_DIR/dovecot.log")
expect_eq "$((after - before))" 1 "wrong password is tried once"

# Certificates: an unknown CA, and a host name not in the certificate.
sed "s|ca_file = .*|ca_file = \"$DOVECOT_OTHER_CA\";|" "$CONF" >"$T/ca.conf"
expect_status 75 "wrong CA is refused (75)" -- \
	"$OTPBOX" fetch -c "$T/ca.conf" --db "$DB" --once
expect_grep "certificate" "$T/err" "wrong CA names the certificate problem"
# Without ca_file the system's anchors are looked up lazily in the hashed
# directory (no CA bundle parsed up front): a CA found there is trusted,
# one missing from it is not, whatever SSL_CERT_FILE says.
if command -v openssl >/dev/null; then
	sed '/ca_file = /d' "$CONF" >"$T/sys.conf"
	mkdir -p "$T/hashed" "$T/hashed-other"
	cp "$DOVECOT_CA" "$T/hashed/"
	cp "$DOVECOT_OTHER_CA" "$T/hashed-other/"
	openssl rehash "$T/hashed" "$T/hashed-other" 2>/dev/null
	expect_status 0 "a CA in the hashed directory is trusted" -- \
		env SSL_CERT_DIR="$T/hashed" SSL_CERT_FILE=/nonexistent \
		"$OTPBOX" fetch -c "$T/sys.conf" --db "$DB" --once
	expect_status 75 "a CA missing from the hashed directory is not" -- \
		env SSL_CERT_DIR="$T/hashed-other" SSL_CERT_FILE="$DOVECOT_OTHER_CA" \
		"$OTPBOX" fetch -c "$T/sys.conf" --db "$DB" --once
	expect_grep "certificate" "$T/err" "the unknown issuer is named"
fi
dovecot_conf "$T/ip.conf" "" 127.0.0.1
expect_status 75 "host name mismatch is refused (75)" -- \
	"$OTPBOX" fetch -c "$T/ip.conf" --db "$DB" --once
expect_grep "mismatch" "$T/err" "mismatch is named"

# Plain text needs an explicit allow_plaintext.
sed 's|tls = .*|tls = "none";|' "$CONF" >"$T/plain.conf"
expect_status 78 "tls none without allow_plaintext exits 78" -- \
	"$OTPBOX" fetch -c "$T/plain.conf" --db "$DB" --once
expect_grep "allow_plaintext" "$T/err" "the refusal says how to allow it"

# UIDVALIDITY change: everything is read again, nothing twice.
dovecot_set_uidvalidity 12345
dovecot_make_mail "$T/m5.eml" bot5@bots.test 400005 first.5
dovecot_deliver "$T/m5.eml"
expect_status 0 "sync after a UIDVALIDITY change exits 0" -- fetch --once
expect_grep "UIDVALIDITY changed" "$T/err" "the change is logged"
expect_eq "$(q 'select count(*) from messages')" 5 "no duplicates after the change"
expect_eq "$(q "select count(*) from codes where address = 'bot5@bots.test'")" 1 \
	"the message that came after the change is stored"
expect_eq "$(q 'select uidvalidity from folders')" 12345 "new UIDVALIDITY kept"

# kill -9 in the middle of a large sync, then a rerun: each message once.
N=3000
dovecot_make_many "$T/bulk" $N bulk
dovecot_bulk "$T/bulk"
sed 's|^fetch = {|fetch = { batch_size = 25;|' "$CONF" >"$T/small.conf"
"$OTPBOX" fetch -c "$T/small.conf" --db "$DB" --once 2>"$T/kill.err" &
pid=$!
i=0
while [ $i -lt 500 ] &&
	! [ "$(q 'select count(*) from messages' 2>/dev/null)" -gt 5 ] 2>/dev/null; do
	sleep 0.01
	i=$((i + 1))
done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
echo "    (killed with $(q 'select count(*) from messages') of $((N + 5)) stored)"
expect_status 0 "rerun after kill -9 exits 0" -- fetch --once
expect_eq "$(q 'select count(*) from messages')" $((N + 5)) "every message stored after kill -9"
expect_eq "$(q 'select count(distinct message_id) from messages')" $((N + 5)) \
	"no message stored twice"
expect_eq "$(q "select code from codes where address = 'bot1234@bots.test'")" \
	101234 "a bulk message has its own code"

# SIGTERM in the middle of a sync: the batch being read is finished and
# committed with its checkpoint, the run exits 0, the next run completes.
rm -f "$DB" "$DB-wal" "$DB-shm"
"$OTPBOX" fetch -c "$T/small.conf" --db "$DB" --once 2>"$T/term.err" &
pid=$!
i=0
while [ $i -lt 500 ] &&
	! [ "$(q 'select count(*) from messages' 2>/dev/null)" -gt 0 ] 2>/dev/null; do
	sleep 0.01
	i=$((i + 1))
done
kill -TERM $pid
wait $pid
expect_eq "$?" 0 "SIGTERM during a sync exits 0"
expect_eq "$(q 'select max(uid) >= last_uid from messages, folders')" 1 \
	"the checkpoint claims nothing that was not committed"
expect_status 0 "the run after SIGTERM exits 0" -- fetch --once
expect_eq "$(q 'select count(*) from messages')" $((N + 5)) \
	"the run after SIGTERM stores the rest"

# Two --once at the same time: the second exits 0 at once with a notice.
rm -f "$DB" "$DB-wal" "$DB-shm"
"$OTPBOX" fetch -c "$T/small.conf" --db "$DB" --once 2>"$T/first.err" &
pid=$!
i=0
while [ $i -lt 500 ] && ! [ -s "$DB" ]; do sleep 0.01; i=$((i + 1)); done
sleep 0.1
expect_status 0 "a second concurrent --once exits 0" -- fetch --once
expect_grep "another otpbox fetch" "$T/err" "the second run says why it did nothing"
expect_eq "$(wc -l <"$T/err")" 1 "the notice is one line"
wait $pid
expect_eq "$?" 0 "the first run finishes normally"

# Several folders: each is synced; one the server lacks is skipped.
doveadm -c "$DOVECOT_DIR/dovecot.conf" mailbox create -u "$DOVECOT_USER" Junk
dovecot_make_mail "$T/junk.eml" junkbot@bots.test 770077 junk.1
dovecot_deliver "$T/junk.eml" "$DOVECOT_USER" Junk
# A French tenant's junk folder: UTF-8 in the config, modified UTF-7 on
# the wire.
doveadm -c "$DOVECOT_DIR/dovecot.conf" mailbox create -u "$DOVECOT_USER" \
	"Courrier indésirable"
dovecot_make_mail "$T/fr.eml" frbot@bots.test 661166 fr.1
dovecot_deliver "$T/fr.eml" "$DOVECOT_USER" "Courrier indésirable"
sed 's|folders = .*|folders = [ "INBOX", "Junk", "Courrier indésirable", "Missing" ];|' "$CONF" \
	>"$T/folders.conf"
expect_status 0 "several folders: --once exits 0" -- \
	"$OTPBOX" fetch -c "$T/folders.conf" --db "$T/folders.db" --once
expect_eq "$(sqlite3 "$T/folders.db" "select count(*) from messages m
	join folders f on f.id = m.folder_id where f.name = 'Junk'")" 1 \
	"the Junk folder's message is stored"
expect_eq "$(sqlite3 "$T/folders.db" "select f.name from codes c
	join messages m on m.id = c.message_id join folders f
	on f.id = m.folder_id where c.address = 'junkbot@bots.test'")" Junk \
	"its code is recorded with its folder"
expect_grep "Missing.*skipped" "$T/err" "a missing folder is skipped with a warning"
expect_eq "$(sqlite3 "$T/folders.db" "select f.name from codes c
	join messages m on m.id = c.message_id join folders f
	on f.id = m.folder_id where c.address = 'frbot@bots.test'")" \
	"Courrier indésirable" "a non-ASCII folder name is synced"

# A message larger than max_message_bytes: its start is stored and the
# truncation recorded with the server's size.
{
	printf 'X-Original-To: bigbot@bots.test\nFrom: s@service.example\n'
	printf 'To: bigbot@bots.test\nSubject: Your verification code\n'
	printf 'Message-ID: <big.1@service.example>\n\n'
	printf 'Your verification code is 918273.\n'
	i=0
	while [ $i -lt 200 ]; do
		printf 'filler line %04d ....................................\n' $i
		i=$((i + 1))
	done
} >"$T/big.eml"
dovecot_deliver "$T/big.eml"
sed 's|^fetch = {|fetch = { max_message_bytes = 1024;|' "$CONF" >"$T/big.conf"
expect_status 0 "a message over max_message_bytes: --once exits 0" -- \
	"$OTPBOX" fetch -c "$T/big.conf" --db "$T/big.db" --once
expect_eq "$(sqlite3 "$T/big.db" "select truncated || ' ' || (size > 10000)
	from messages where message_id like '%big.1@service.example%'")" "1 1" \
	"the truncation and the full size are recorded"
expect_eq "$(sqlite3 "$T/big.db" "select code from codes
	where address = 'bigbot@bots.test'")" 918273 \
	"the code at the start of a truncated message is found"

# No secret in any output.
if grep -rqF "$DOVECOT_PASSWORD" "$T"/*.err "$T/err" "$T/out" 2>/dev/null; then
	fail "the password appears in output"
else
	pass "the password never appears in output"
fi
test_done
