#!/bin/sh
# SPDX-License-Identifier: MIT
# Two fetchers on one PostgreSQL store, as on two hosts: the first is
# active, the second the standby. While mail arrives, the active one is
# killed (-9): the standby takes over within seconds, and every message
# is stored exactly once (counted by UID). A cron run meanwhile does
# nothing and exits 0.
. "${OTPBOX_SRCDIR:-.}/tests/lib.sh"
. "${OTPBOX_SRCDIR:-.}/tests/dovecot.sh"
OTPBOX_TEST_DB=postgresql BACKEND_PRIVATE=1
. "${OTPBOX_SRCDIR:-.}/tests/backend.sh"
dovecot_require
backend_require
dovecot_start || { echo "cannot start dovecot"; exit 99; }
T=$TEST_DIR
backend_start || { echo "cannot start the database"; exit 99; }
CONF=$T/otpbox.conf
N=${FAILOVER_MAILS:-30}
dovecot_conf "$CONF"
a_pid=
b_pid=
cleanup()
{
	for p in $a_pid $b_pid; do
		kill $(pgrep -P "$p") "$p" 2>/dev/null
	done
	wait 2>/dev/null
	backend_stop
	dovecot_finish
	test_cleanup
}
trap cleanup EXIT

# waits up to $2 tenths of a second for grep $1 in file $3
wait_for()
{
	i=0
	while ! grep -q -- "$1" "$3" 2>/dev/null && [ $i -lt "$2" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	grep -q -- "$1" "$3" 2>/dev/null
}

"$OTPBOX" fetch -c "$CONF" --db "$DB" --watch 2>"$T/a.err" &
a_pid=$!
wait_for "watching 1 account" 100 "$T/a.err" &&
	pass "the first fetcher is active" ||
	fail "first fetcher: $(tail -3 "$T/a.err")"
"$OTPBOX" fetch -c "$CONF" --db "$DB" --watch 2>"$T/b.err" &
b_pid=$!
wait_for "standby:" 100 "$T/b.err" &&
	pass "the second fetcher waits as the standby" ||
	fail "second fetcher: $(tail -3 "$T/b.err")"
grep -q "watching" "$T/b.err" &&
	fail "the standby fetches too" || pass "the standby does not fetch"

expect_status 0 "fetch --once while another fetcher holds the lock" -- \
	"$OTPBOX" fetch -c "$CONF" --db "$DB" --once
expect_grep "another otpbox fetch holds" "$T/err" "the cron run says why"

half=$((N / 2))
i=1
while [ $i -le "$N" ]; do
	dovecot_make_mail "$T/m$i.eml" "bot$i@bots.test" "$((100000 + i))" "ha.$i"
	dovecot_deliver "$T/m$i.eml"
	if [ $i -eq "$half" ]; then
		# Once the active fetcher has stored some of them, it and its
		# account process die at once.
		j=0
		while [ "$(q 'SELECT count(*) FROM messages')" -lt 3 ] &&
			[ $j -lt 100 ]; do
			sleep 0.05
			j=$((j + 1))
		done
		before=$(q 'SELECT count(*) FROM messages')
		kill -9 $(pgrep -P "$a_pid") "$a_pid" 2>/dev/null
		killed_at=$(date +%s%N)
		wait "$a_pid" 2>/dev/null
		a_pid=
	fi
	i=$((i + 1))
done
[ "$before" -gt 0 ] && pass "the active fetcher stored $before before it died" ||
	fail "the active fetcher stored nothing before it died"
if wait_for "active: the lock is ours" 100 "$T/b.err"; then
	took=$((($(date +%s%N) - killed_at) / 1000000))
	pass "the standby took over (noticed after at most $took ms)"
else
	fail "the standby did not take over: $(tail -3 "$T/b.err")"
fi

i=0
while [ "$(q 'SELECT count(*) FROM messages')" -lt "$N" ] && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ "$(q 'SELECT count(DISTINCT uid) FROM messages')" = "$N" ] &&
	pass "every message stored (distinct UIDs: $N)" ||
	fail "distinct UIDs: $(q 'SELECT count(DISTINCT uid) FROM messages'), wanted $N"
[ "$(q 'SELECT count(*) FROM messages')" = "$N" ] &&
	pass "no message stored twice" ||
	fail "messages: $(q 'SELECT count(*) FROM messages'), wanted $N"
[ "$(q 'SELECT count(*) FROM codes')" = "$N" ] &&
	pass "one code per message" || fail "codes: $(q 'SELECT count(*) FROM codes')"
out=$("$OTPBOX" wait "bot$N@bots.test" --db "$DB" --timeout 5 --max-age 600)
[ "$out" = "$((100000 + N))" ] &&
	pass "a code fetched by the new active fetcher is claimed" ||
	fail "wait after failover printed '$out'"
# otpbox status reads the heartbeats of the fetcher now active.
"$OTPBOX" status -c "$CONF" --db "$DB" >"$T/status" 2>&1
st=$?
[ $st -eq 0 ] && pass "otpbox status on PostgreSQL: healthy" ||
	fail "otpbox status exit $st: $(head -5 "$T/status")"
expect_grep "watch" "$T/status" "otpbox status shows the watching fetcher"
test_done
