#!/bin/sh
# SPDX-License-Identifier: MIT
# Exactly once across connections: 50 `otpbox wait` processes, each with
# its own PostgreSQL connection, wait for the same address; one code
# arrives (inserted and announced with NOTIFY as the fetcher does). One
# waiter prints it, the 49 others time out, and the database records one
# claim. Then 50 waiters for 50 addresses get 50 distinct codes.
. "${OTPBOX_SRCDIR:-.}/tests/lib.sh"
OTPBOX_TEST_DB=postgresql BACKEND_PRIVATE=1
. "${OTPBOX_SRCDIR:-.}/tests/backend.sh"
backend_require
T=$TEST_DIR
backend_start || { echo "cannot start the database"; exit 99; }
trap 'backend_stop; test_cleanup' EXIT
N=50
pg_apply_schema || { fail "the schema"; # The rules are SQLite's: a resend supersedes the older code, and the
# sender filter refuses other senders.
add resend@x.test 111111 201 20
add resend@x.test 222222 202 10
add resend@x.test 333333 203 5 evil.example
out=$("$OTPBOX" wait resend@x.test --db "$DB" --timeout 0 --max-age 600 \
	--from service.example)
[ "$out" = 222222 ] && pass "the newest code from the allowed sender (a newer one from another is refused)" ||
	fail "resend: got '$out', wanted 222222"
out=$("$OTPBOX" wait resend@x.test --db "$DB" --timeout 0 --max-age 600 \
	--from service.example 2>/dev/null)
[ -z "$out" ] && pass "the older code is not handed out after a resend" ||
	fail "after the resend claim: got '$out'"
# SIGTERM wakes a waiter asleep on its connection's socket, and the wait
# is recorded as cancelled.
"$OTPBOX" wait stop@x.test --db "$DB" --timeout 60 >/dev/null 2>&1 &
pid=$!
i=0
while [ "$(q "SELECT count(*) FROM active_waits WHERE address = 'stop@x.test'")" != 1 ] &&
	[ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
t0=$(date +%s%N)
kill -TERM $pid
wait $pid
st=$?
ms=$((($(date +%s%N) - t0) / 1000000))
[ $st -eq 143 ] &&
	pass "SIGTERM ends a waiter asleep on LISTEN (status $st, after $ms ms)" ||
	fail "SIGTERM: status $st after $ms ms"
[ "$(q "SELECT outcome FROM waits WHERE address = 'stop@x.test'")" = cancelled ] &&
	pass "the stopped wait is recorded as cancelled" ||
	fail "outcome: $(q "SELECT outcome FROM waits WHERE address = 'stop@x.test'")"
test_done; }
q "INSERT INTO accounts (name, username, host) VALUES ('a', 'u', 'h');
   INSERT INTO folders (account_id, name) SELECT id, 'INBOX' FROM accounts;"

# add ADDRESS CODE UID [AGE [FROM_DOMAIN]]: one message with its code,
# received AGE seconds ago (default 0), announced on commit
add()
{
	q "BEGIN;
	   INSERT INTO messages (folder_id, uidvalidity, uid, content_hash,
	     received_at, fetched_at, size, copy_key, from_address,
	     from_domain)
	   SELECT id, 1, $3, 'h$3',
	     extract(epoch FROM now())::bigint - ${4:-0},
	     extract(epoch FROM now())::bigint - ${4:-0}, 100, 'k$3',
	     'no-reply@${5:-service.example}', '${5:-service.example}'
	     FROM folders;
	   INSERT INTO codes (message_id, address, kind, code, received_at)
	   SELECT id, '$1', 'code', '$2', received_at FROM messages
	    WHERE uid = $3;
	   SELECT pg_notify('otpbox', left(encode(sha256(convert_to(
	     lower('$1'), 'UTF8')), 'hex'), 16));
	   COMMIT;" >/dev/null
}

# waiters PREFIX SAME: N waiters; SAME=1 all for PREFIX@x.test
waiters()
{
	i=1
	while [ $i -le $N ]; do
		addr=$1$i@x.test
		[ "$2" = 1 ] && addr=$1@x.test
		"$OTPBOX" wait "$addr" --db "$DB" --timeout "$3" \
			--max-age 600 --worker "w$i" >"$T/$1.$i.out" \
			2>"$T/$1.$i.err" &
		i=$((i + 1))
	done
	i=0
	while [ "$(q 'SELECT count(*) FROM active_waits')" != $N ] &&
		[ $i -lt 300 ]; do
		sleep 0.05
		i=$((i + 1))
	done
}

waiters race 1 6
add race@x.test 424242 1
wait
got=$(cat "$T"/race.*.out | grep -c '^424242$')
[ "$got" = 1 ] && pass "one of $N waiters on one address got the code" ||
	fail "$got waiters printed the code"
[ "$(q "SELECT count(*) FROM waits WHERE outcome = 'timeout'")" = $((N - 1)) ] &&
	pass "the others timed out" ||
	fail "timeouts: $(q "SELECT count(*) FROM waits WHERE outcome = 'timeout'")"
[ "$(q "SELECT count(*) FROM codes WHERE claimed_at IS NOT NULL")" = 1 ] &&
	pass "one claim recorded" || fail "claims: $(q 'SELECT claimed_by FROM codes')"

waiters bot 0 30
i=1
while [ $i -le $N ]; do
	add "bot$i@x.test" "$((500000 + i))" $((100 + i))
	i=$((i + 1))
done
wait
bad=0
i=1
while [ $i -le $N ]; do
	[ "$(cat "$T/bot.$i.out")" = "$((500000 + i))" ] || bad=$((bad + 1))
	i=$((i + 1))
done
[ $bad = 0 ] && pass "$N waiters on $N connections got $N distinct codes" ||
	fail "$bad waiters got a wrong or no code"
[ "$(q "SELECT count(DISTINCT claimed_by) FROM codes WHERE address LIKE 'bot%'")" = $N ] &&
	pass "each claim names its waiter" || fail "claims and waiters differ"
# The rules are SQLite's: a resend supersedes the older code, and the
# sender filter refuses other senders.
add resend@x.test 111111 201 20
add resend@x.test 222222 202 10
add resend@x.test 333333 203 5 evil.example
out=$("$OTPBOX" wait resend@x.test --db "$DB" --timeout 0 --max-age 600 \
	--from service.example)
[ "$out" = 222222 ] && pass "the newest code from the allowed sender (a newer one from another is refused)" ||
	fail "resend: got '$out', wanted 222222"
out=$("$OTPBOX" wait resend@x.test --db "$DB" --timeout 0 --max-age 600 \
	--from service.example 2>/dev/null)
[ -z "$out" ] && pass "the older code is not handed out after a resend" ||
	fail "after the resend claim: got '$out'"
# SIGTERM wakes a waiter asleep on its connection's socket, and the wait
# is recorded as cancelled.
"$OTPBOX" wait stop@x.test --db "$DB" --timeout 60 >/dev/null 2>&1 &
pid=$!
i=0
while [ "$(q "SELECT count(*) FROM active_waits WHERE address = 'stop@x.test'")" != 1 ] &&
	[ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
t0=$(date +%s%N)
kill -TERM $pid
wait $pid
st=$?
ms=$((($(date +%s%N) - t0) / 1000000))
[ $st -eq 143 ] &&
	pass "SIGTERM ends a waiter asleep on LISTEN (status $st, after $ms ms)" ||
	fail "SIGTERM: status $st after $ms ms"
[ "$(q "SELECT outcome FROM waits WHERE address = 'stop@x.test'")" = cancelled ] &&
	pass "the stopped wait is recorded as cancelled" ||
	fail "outcome: $(q "SELECT outcome FROM waits WHERE address = 'stop@x.test'")"
test_done
