#!/bin/sh
# SPDX-License-Identifier: MIT
# otpbox fetch --once against the scripted IMAP server: what Dovecot will
# not do on demand (forged replies inside literals, BYE and cuts in the
# middle of a FETCH, an absurd literal, unsolicited data, the n:* quirk).
. "${OTPBOX_SRCDIR:-.}/tests/lib.sh"
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
SCRIPTS=$OTPBOX_SRCDIR/tests/transcripts
T=$TEST_DIR
(umask 077 && echo transcript-pw >"$T/pw")

expect_eq()
{
	if [ "$1" = "$2" ]; then pass "$3"; else fail "$3: got '$1', wanted '$2'"; fi
}

# play NAME: starts the scripted server on a transcript and writes a
# config for it; SERVER is its pid.
play()
{
	rm -f "$T/port" "$T/db" "$T/db-wal" "$T/db-shm"
	python3 "$OTPBOX_SRCDIR/tests/imapd_script.py" "$SCRIPTS/$1.txt" \
		--port-file "$T/port" --log "$T/$1.log" --timeout 10 \
		2>"$T/$1.server" &
	SERVER=$!
	i=0
	while ! [ -s "$T/port" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	cat >"$T/conf" <<CONF
accounts = ( {
	name = "script"; user = "catchall@otpbox.test";
	password_file = "$T/pw";
	host = "127.0.0.1"; port = $(cat "$T/port");
	tls = "none"; allow_plaintext = true; timeout_seconds = 5;
	domains = [ "bots.test" ];
} );
CONF
}

# play_conf LINE: adds LINE (settings) to the config play wrote.
play_conf()
{
	echo "$1" >>"$T/conf"
}

# run WANT NAME: one --once run against the playing server.
run()
{
	expect_status "$1" "$2: --once exits $1" -- \
		"$OTPBOX" fetch -c "$T/conf" --db "$T/db" --once
}

# done_playing NAME: the server must have played the whole transcript.
done_playing()
{
	wait "$SERVER"
	rc=$?
	[ $rc -eq 0 ] && pass "$1: the transcript played to its end" ||
		{ fail "$1: scripted server exit $rc"; sed 's/^/    /' "$T/$1.server" | tail -3; }
}

q() { sqlite3 "$T/db" "$1"; }

play basic
run 0 basic
done_playing basic
expect_eq "$(q 'select group_concat(uid) from messages')" "1,2" "basic: UIDs 1 and 2"
expect_eq "$(q "select code from codes where address = 'bot2@bots.test'")" 222222 \
	"basic: bot2 gets 222222"
expect_eq "$(q 'select last_uid from folders')" 2 "basic: checkpoint 2"

play literal_forged
run 0 literal_forged
done_playing literal_forged
expect_eq "$(q 'select group_concat(uid) from messages')" "1,2" \
	"forged: only UIDs 1 and 2 (no 77)"
expect_eq "$(q "select count(*) from codes where code = '999999'")" 0 \
	"forged: the forged code is not a code of any message"
expect_eq "$(q "select code from codes where address = 'bot2@bots.test'")" 222222 \
	"forged: message 2 is intact"

for t in bye_mid_fetch cut_half_way; do
	play $t
	run 75 "$t (first connection)"
	run 0 "$t (second connection)"
	done_playing $t
	expect_eq "$(q 'select group_concat(uid) from messages')" "1,2" \
		"$t: UIDs 1 and 2 exactly once"
	expect_eq "$(q "select code from codes where address = 'bot2@bots.test'")" \
		222222 "$t: message 2 complete"
done

play absurd_literal
run 75 absurd_literal
expect_grep "too big\|exceeds\|limit\|large" "$T/err" "absurd literal: refused as too big"
done_playing absurd_literal
expect_eq "$(q 'select count(*) from messages')" 0 "absurd literal: nothing stored"

play unsolicited
run 0 unsolicited
done_playing unsolicited
expect_eq "$(q 'select group_concat(uid) from messages')" "1,3" \
	"unsolicited: UIDs 1 and 3"
expect_eq "$(q 'select last_uid from folders')" 3 "unsolicited: checkpoint 3"

play star_quirk
run 0 "star_quirk (first run)"
run 0 "star_quirk (second run)"
done_playing star_quirk
expect_eq "$(q 'select group_concat(uid) from messages')" 5 "star quirk: UID 5 once"
# UIDNEXT 7 says UID 6 was given out; the range asked for was 6:6 and the
# server had nothing in it, so the checkpoint may move to 6 (never back).
expect_eq "$(q 'select last_uid from folders')" 6 "star quirk: checkpoint 6, not back to 5"
expect_grep "0 new" "$T/err" "star quirk: UID 5 not counted as new"

play large_parts
play_conf 'fetch = { max_message_bytes = 1024; };'
expect_status 0 "large_parts: --once exits 0" -- \
	"$OTPBOX" fetch -c "$T/conf" --db "$T/db" --once -v
done_playing large_parts
expect_eq "$(q 'select group_concat(uid) from messages')" "1,2" \
	"large parts: UIDs 1 and 2"
expect_eq "$(q "select code from codes where address = 'bot2@bots.test'")" \
	222222 "large parts: the code of the large message is found"
expect_eq "$(q 'select last_uid from folders')" 2 "large parts: checkpoint 2"
expect_grep "not fetched: part 2 application/pdf x.pdf" "$T/err" \
	"large parts: the PDF is named as not fetched"

if grep -q transcript-pw "$T"/*.log "$T/err" 2>/dev/null; then
	fail "the password reached a log"
else
	pass "the password never reached a log"
fi
test_done
