#!/bin/sh
# SPDX-License-Identifier: MIT
# The whole path with real parts: otpbox fetch --watch against the test
# Dovecot while 50 forked workers (examples/forked_bots, libotpbox) wait;
# 50 OTP mails for them arrive with decoys for other addresses, a mail
# without a code, and a stale code sent before the workers started. Every
# worker must get exactly its own new code.
# OTPBOX_TEST_DB=postgresql runs the same against a private PostgreSQL 15
# (tests/pg.sh; wait_fetch_pg.sh): each worker then claims over its own
# connection and sleeps on LISTEN.
. "${OTPBOX_SRCDIR:-.}/tests/lib.sh"
. "${OTPBOX_SRCDIR:-.}/tests/dovecot.sh"
. "${OTPBOX_SRCDIR:-.}/tests/backend.sh"
dovecot_require
backend_require
dovecot_start || { echo "cannot start dovecot"; exit 99; }
T=$TEST_DIR
backend_start || { echo "cannot start the database"; exit 99; }
CONF=$T/otpbox.conf
BOTS="$OTPBOX_BUILDDIR/examples/forked_bots"
N=${WAIT_FETCH_BOTS:-50}
dovecot_conf "$CONF"
fetch_pid=
bots_pid=
cleanup()
{
	[ -n "$bots_pid" ] && kill "$bots_pid" 2>/dev/null
	[ -n "$fetch_pid" ] && kill "$fetch_pid" 2>/dev/null
	wait 2>/dev/null
	backend_stop
	dovecot_finish
	test_cleanup
}
trap cleanup EXIT

# A stale code for bot7 from an earlier attempt, stored before the workers
# start: it is inside max-age but older than their since.
dovecot_make_mail "$T/stale.eml" bot7@bots.test 700007 stale.7
dovecot_deliver "$T/stale.eml"
"$OTPBOX" fetch -c "$CONF" --db "$DB" --once 2>"$T/once.err" ||
	{ fail "first fetch --once: $(cat "$T/once.err")"; test_done; }
[ "$(q "SELECT code FROM codes WHERE address = 'bot7@bots.test'")" = 700007 ] &&
	pass "stale code stored" || fail "stale code not stored"
sleep 3 # the stale code is now older than since - skew

"$OTPBOX" fetch -c "$CONF" --db "$DB" --watch 2>"$T/watch.err" &
fetch_pid=$!
"$BOTS" -n "$N" -t 60 -p bot -d bots.test "$DB" >"$T/bots.out" \
	2>"$T/bots.err" &
bots_pid=$!
i=0
while [ "$(q 'SELECT count(*) FROM active_waits')" != "$N" ] && [ $i -lt 500 ]; do
	sleep 0.02
	i=$((i + 1))
done
[ "$(q 'SELECT count(*) FROM active_waits')" = "$N" ] &&
	pass "$N workers wait" || fail "not all workers started waiting"

i=1
while [ $i -le "$N" ]; do
	dovecot_make_mail "$T/d$i.eml" "other$i@bots.test" "$((800000 + i))" "decoy.$i"
	dovecot_deliver "$T/d$i.eml"
	dovecot_make_mail "$T/m$i.eml" "bot$i@bots.test" "$((100000 + i))" "new.$i"
	dovecot_deliver "$T/m$i.eml"
	i=$((i + 1))
done
sed 's/Your verification code is [0-9]*\./Welcome aboard!/' "$T/m3.eml" |
	sed 's/new\.3@/nocode.3@/' >"$T/nocode.eml"
dovecot_deliver "$T/nocode.eml"

wait "$bots_pid"
st=$?
bots_pid=
[ $st -eq 0 ] && pass "forked_bots: every worker got a code" ||
	fail "forked_bots exit $st: $(tail -3 "$T/bots.err")"
bad=0
i=1
while [ $i -le "$N" ]; do
	grep -qx "bot$i@bots.test $((100000 + i))" "$T/bots.out" || {
		bad=$((bad + 1))
		echo "    bot$i: $(grep "^bot$i@" "$T/bots.out")"
	}
	i=$((i + 1))
done
[ $bad -eq 0 ] && pass "each worker got exactly its own new code" ||
	fail "$bad workers got a wrong or no code"
if [ "$BACKEND" = sqlite ]; then
	# Only the fetcher's commits announce codes on the change feed.
	seq=$("$OTPBOX_BUILDDIR/tests/worker/testdb_tool" feed "$DB" bot1@bots.test)
	[ "${seq:-0}" -ge 1 ] && pass "the fetcher's commits announce codes" ||
		fail "feed counter of bot1 is '$seq': waiters only woke by their safety re-check"
fi
[ "$(q "SELECT count(*) FROM codes WHERE code = '700007' AND claimed_at IS NULL")" = 1 ] &&
	pass "the stale code was not handed out" || fail "stale code claimed"
[ "$(q "SELECT count(*) FROM codes WHERE address LIKE 'other%' AND claimed_at IS NOT NULL")" = 0 ] &&
	pass "decoys untouched" || fail "a decoy was claimed"
[ "$(q "SELECT count(*) FROM otp_codes WHERE claimed_by LIKE 'forked-bot-%' AND address = 'bot' || substr(claimed_by, 12) || '@bots.test'")" = "$N" ] &&
	pass "each claim names its worker" || fail "claims and workers do not match"
test_done
