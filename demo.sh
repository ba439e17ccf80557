#!/bin/sh
# SPDX-License-Identifier: MIT
# The otpbox demo: installs what is missing, builds, starts a private
# Dovecot with sample mail, runs the fetcher, and shows a waiting bot
# receiving its code the moment its mail arrives. Needs root (Dovecot).
set -eu
top=$(cd "$(dirname "$0")" && pwd)
cd "$top"
sh .ci/install-deps.sh
[ -x configure ] || autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
mkdir -p _build-demo
(cd _build-demo && { [ -f Makefile ] || ../configure -q; } && make -s -j"$(nproc)")
OTPBOX=$top/_build-demo/otpbox

step()
{
	printf '\n\033[1m== %s\033[0m\n' "$*"
}

. "$top/tests/dovecot.sh"
dovecot_require
step "starting a private Dovecot on 127.0.0.1 (TLS, throw-away CA)"
dovecot_start
DEMO=$DOVECOT_DIR/demo
mkdir -p "$DEMO"
dovecot_conf "$DEMO/otpbox.conf"
DB=$DEMO/otpbox.db
echo "mailbox $DOVECOT_USER on port $DOVECOT_PORT; config $DEMO/otpbox.conf"

# mail TO CODE SUBJECT: an OTP message as a service would send it to a bot
# address, routed into the catch-all (X-Original-To keeps the bot).
mail()
{
	cat <<EOF
Return-Path: <no-reply@service.example>
X-Original-To: $1
Delivered-To: $DOVECOT_USER
From: Example Service <no-reply@service.example>
To: $1
Subject: $3
Date: $(date -R)
Message-ID: <$(date +%s%N).$$@service.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Hello,

Your verification code is $2. It expires in 10 minutes.
Order reference 2026-118842 is not a code; neither is +1 555 0100.

Example Service, 221B Baker Street, London NW1 6XE
EOF
}

code()
{
	od -An -N4 -tu4 /dev/urandom | awk '{printf "%06d\n", $1 % 1000000}'
}

step "delivering sample mail: two bots got codes earlier, one newsletter"
mail bot1@bots.test "$(code)" "Your sign-in code" >"$DEMO/1.eml"
mail bot2@bots.test "$(code)" "Confirm your e-mail" >"$DEMO/2.eml"
cat >"$DEMO/3.eml" <<EOF
From: News <news@shop.example>
To: bot3@bots.test
Subject: 20% off until 31.12.2026
Date: $(date -R)
Message-ID: <news.$$@shop.example>

Our winter sale: order 884213 ships in 2 days. Call 0800 123 4567.
EOF
for f in 1 2 3; do dovecot_deliver "$DEMO/$f.eml"; done
echo "what otpbox extract sees in them:"
"$OTPBOX" extract --mailbox "$DOVECOT_USER" --domain bots.test \
	"$DEMO/1.eml" "$DEMO/2.eml" "$DEMO/3.eml"

step "otpbox fetch --watch (IDLE) in the background"
"$OTPBOX" fetch -c "$DEMO/otpbox.conf" --db "$DB" --watch -v \
	>"$DEMO/fetch.log" 2>&1 &
FETCH_PID=$!
trap 'st=$?; set +e; kill $FETCH_PID 2>/dev/null; wait $FETCH_PID 2>/dev/null; dovecot_stop; dovecot_cleanup_dir; exit $st' EXIT
i=0
while [ $i -lt 100 ] && ! grep -q "bot2@bots.test" "$DEMO/fetch.log" 2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
sed 's/^/  fetch: /' "$DEMO/fetch.log"

step "bot7 waits for a code from service.example; it comes a second later"
want=$(code)
start=$(date +%s%N)
"$OTPBOX" wait bot7@bots.test --from service.example --db "$DB" \
	--timeout 30 --worker demo-bot7 >"$DEMO/bot7.out" 2>"$DEMO/bot7.err" &
WAIT_PID=$!
sleep 1
mail bot7@bots.test "$want" "Your one-time passcode" >"$DEMO/7.eml"
sent=$(date +%s%N)
dovecot_deliver "$DEMO/7.eml"
status=0
wait $WAIT_PID || status=$?
got=$(cat "$DEMO/bot7.out")
done_at=$(date +%s%N)
echo "sent code:     $want"
echo "bot7 received: $got (exit status $status)"
echo "delivery to code in hand: $(( (done_at - sent) / 1000000 )) ms" \
	"(Dovecot itself announces new mail to IDLE about 500 ms late)"
[ "$got" = "$want" ] || { echo "demo FAILED: wrong or no code"; cat "$DEMO/bot7.err"; exit 1; }

step "asking again: the code was claimed, so bot7 gets nothing old"
"$OTPBOX" wait bot7@bots.test --db "$DB" --timeout 1 || echo "exit status $? (time-out): no stale code"

step "the audit trail (sqlite3 $DB)"
sqlite3 -header -column "$DB" \
	"SELECT address, code, kind, datetime(received_at, 'unixepoch') AS received, claimed_by FROM otp_codes ORDER BY received_at;"
sqlite3 -header -column "$DB" \
	"SELECT address, worker, outcome, started_at, ended_at FROM waits ORDER BY id;"
sqlite3 -header -column "$DB" "SELECT * FROM missed_otps;"
step "demo finished"
