#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs examples/forked_bots: N forked workers wait through libotpbox, each
# for its own address, while codes (plus decoys and stale codes from before
# the window) arrive; every worker must get exactly its own new code.
. "${OTPBOX_SRCDIR:-.}/tests/lib.sh"
TOOL="$OTPBOX_BUILDDIR/tests/worker/testdb_tool"
BOTS="$OTPBOX_BUILDDIR/examples/forked_bots"
DB="$TEST_DIR/otpbox.db"
N=20

"$TOOL" create "$DB" || { fail "create a test database"; test_done; }
# Stale: sent before the workers started (outside their since), unclaimed,
# and fetched as they arrived (the clocks are in step: no skew measured).
"$TOOL" add "$DB" bot-3@x.test code 300000 30 -30
"$TOOL" add "$DB" bot-5@x.test code 500000 5 -5

"$BOTS" -n $N -t 60 -p bot- -d x.test "$DB" >"$TEST_DIR/bots.out" \
	2>"$TEST_DIR/bots.err" &
bots=$!
i=0
while [ "$(sqlite3 -cmd '.timeout 5000' "$DB" 'SELECT count(*) FROM active_waits')" != $N ] &&
	[ $i -lt 1000 ]; do
	sleep 0.02
	i=$((i + 1))
done
i=1
while [ $i -le $N ]; do
	"$TOOL" add "$DB" "decoy-$i@x.test" code "99$i" 0
	"$TOOL" add "$DB" "Bot-$i@X.test" code "$((100000 + i))" 0
	i=$((i + 1))
done
wait $bots
st=$?
[ $st -eq 0 ] && pass "every worker got a code" ||
	fail "forked_bots exit $st: $(cat "$TEST_DIR/bots.err")"
i=1
bad=0
while [ $i -le $N ]; do
	grep -qx "bot-$i@x.test $((100000 + i))" "$TEST_DIR/bots.out" || {
		bad=$((bad + 1))
		echo "    bot-$i: $(grep "^bot-$i@" "$TEST_DIR/bots.out")"
	}
	i=$((i + 1))
done
[ $bad -eq 0 ] && pass "each worker got its own new code" ||
	fail "$bad workers got a wrong or no code"
got=$(sqlite3 "$DB" "SELECT count(*) FROM codes WHERE code IN ('300000', '500000') AND claimed_at IS NULL")
[ "$got" = 2 ] && pass "stale codes from before the window untouched" ||
	fail "stale codes: $got left unclaimed"
got=$(sqlite3 "$DB" "SELECT count(DISTINCT worker) FROM waits WHERE outcome = 'claimed' AND worker LIKE 'forked-bot-%'")
[ "$got" = $N ] && pass "each worker's wait is recorded" || fail "recorded: $got"
test_done
