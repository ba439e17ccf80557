#!/bin/sh
# SPDX-License-Identifier: MIT
# fetch --watch under systemd's notification protocol, without systemd: a
# python3 datagram listener bound to $NOTIFY_SOCKET (a path, then an
# abstract name) records READY=1 after the first sync, WATCHDOG=1 at half
# $WATCHDOG_USEC, and STATUS= lines; none of it without NOTIFY_SOCKET.
. "${OTPBOX_SRCDIR:-.}/tests/lib.sh"
. "${OTPBOX_SRCDIR:-.}/tests/dovecot.sh"
dovecot_require
dovecot_start || { echo "cannot start dovecot"; exit 99; }
T=$TEST_DIR
DB=$T/otpbox.db
CONF=$T/otpbox.conf
dovecot_conf "$CONF"
WATCH= LISTEN=
trap 'for p in $WATCH $LISTEN; do kill "$p" 2>/dev/null; done; dovecot_finish; test_cleanup' EXIT

# listen ADDRESS FILE: records each datagram as one line (newlines as |).
listen()
{
	python3 - "$1" "$2" <<'PY' &
import socket, sys
addr, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + addr[1:] if addr.startswith("@") else addr)
open(out + ".ready", "w").close()
with open(out, "a", buffering=1) as f:
    while True:
        f.write(s.recv(4096).decode().replace("\n", "|") + "\n")
PY
	LISTEN=$!
	# A loaded machine can take seconds to start python3: allow 30 s.
	i=0
	while [ ! -e "$2.ready" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
}

# count PATTERN FILE: lines of FILE matching PATTERN, 0 when it is missing.
count()
{
	n=$(grep -c -- "$1" "$2" 2>/dev/null) || true
	echo "${n:-0}"
}

# until_count PATTERN FILE N SECONDS: waits until N lines match.
until_count()
{
	i=0
	while [ "$(count "$1" "$2")" -lt "$3" ] &&
		[ $i -lt $(($4 * 20)) ]; do
		sleep 0.05
		i=$((i + 1))
	done
	[ "$(count "$1" "$2")" -ge "$3" ]
}

stop()
{
	kill -TERM "$WATCH" 2>/dev/null
	wait "$WATCH" 2>/dev/null
	kill "$LISTEN" 2>/dev/null
	wait "$LISTEN" 2>/dev/null
	WATCH= LISTEN=
}

dovecot_make_mail "$T/m1.eml" bot1@bots.test 600001
dovecot_deliver "$T/m1.eml"

# A path socket, a 1 s watchdog: pings about every 0.5 s.
listen "$T/notify" "$T/got"
NOTIFY_SOCKET=$T/notify WATCHDOG_USEC=1000000 \
	"$OTPBOX" fetch -c "$CONF" --db "$DB" --watch 2>"$T/watch.err" &
WATCH=$!
if until_count '^READY=1$' "$T/got" 1 20; then
	pass "READY=1 arrives"
else
	fail "no READY=1"; cat "$T/got" "$T/watch.err" | head
fi
[ "$(sqlite3 "$DB" 'select count(*) from messages')" = 1 ] &&
	pass "READY=1 came after the first sync stored the message" ||
	fail "READY=1 before the first sync"
if until_count '^WATCHDOG=1$' "$T/got" 4 10; then
	pass "WATCHDOG=1 repeats at half the interval"
else
	fail "WATCHDOG=1 seen $(grep -c WATCHDOG "$T/got") times"
fi
if until_count '^STATUS=watching 1 account; last sync [0-9]* s ago; last code [0-9]* s ago$' \
	"$T/got" 1 10; then
	pass "STATUS= says what systemctl status shows"
else
	fail "no STATUS line"; grep STATUS "$T/got" | head -3
fi
first=$(grep -n '' "$T/got" | grep -m1 -v 'READY\|STATUS\|WATCHDOG' || true)
[ -z "$first" ] && pass "nothing but READY, WATCHDOG and STATUS" ||
	fail "unexpected datagram: $first"
kill -TERM "$WATCH"
if until_count '^STOPPING=1$' "$T/got" 1 10; then
	pass "STOPPING=1 on SIGTERM"
else
	fail "no STOPPING=1"
fi
stop

# An abstract socket ('@' becomes a leading NUL); no watchdog asked for.
listen "@otpbox-test-$$" "$T/got2"
NOTIFY_SOCKET=@otpbox-test-$$ \
	"$OTPBOX" fetch -c "$CONF" --db "$DB" --watch 2>>"$T/watch.err" &
WATCH=$!
if until_count '^READY=1$' "$T/got2" 1 20; then
	pass "READY=1 through an abstract socket"
else
	fail "no READY=1 on the abstract socket"
fi
sleep 1.5
[ "$(grep -c WATCHDOG "$T/got2")" -eq 0 ] &&
	pass "no WATCHDOG=1 without WATCHDOG_USEC" || fail "WATCHDOG=1 without WATCHDOG_USEC"
stop

# A refused login: STATUS= says so, and since when.
(umask 077 && echo wrong-password >"$T/badpw")
sed "s|password_file = .*|password_file = \"$T/badpw\";|" "$CONF" >"$T/bad.conf"
listen "$T/notify4" "$T/got4"
NOTIFY_SOCKET=$T/notify4 \
	"$OTPBOX" fetch -c "$T/bad.conf" --db "$DB" --watch 2>>"$T/watch.err" &
WATCH=$!
if until_count '^STATUS=watching 1 account; failing for [0-9]* s: .*refused' \
	"$T/got4" 1 15; then
	pass "STATUS= names the failure"
else
	fail "no failing STATUS line"; grep STATUS "$T/got4" | head -3
fi
[ "$(grep -c READY "$T/got4")" -eq 0 ] && pass "no READY=1 without a sync" ||
	fail "READY=1 although nothing was synced"
stop

# A first sync of a large mailbox asks systemd for more start time and
# says how far it got, before READY=1.
dovecot_make_many "$T/many" 300 ext
dovecot_bulk "$T/many"
listen "$T/notify5" "$T/got5"
NOTIFY_SOCKET=$T/notify5 \
	"$OTPBOX" fetch -c "$CONF" --db "$T/big.db" --watch 2>>"$T/watch.err" &
WATCH=$!
until_count '^READY=1$' "$T/got5" 1 30
first_extend=$(grep -n -m1 '^EXTEND_TIMEOUT_USEC=60000000|STATUS=first sync: [0-9]* of 30[0-9] messages$' \
	"$T/got5" | cut -d: -f1)
ready=$(grep -n -m1 '^READY=1$' "$T/got5" | cut -d: -f1)
if [ -n "$first_extend" ] && [ -n "$ready" ] && [ "$first_extend" -lt "$ready" ]; then
	pass "EXTEND_TIMEOUT_USEC and the progress come before READY=1"
else
	fail "no EXTEND_TIMEOUT_USEC before READY=1"; head -5 "$T/got5"
fi
stop

# WATCHDOG_PID naming another process: that watchdog is not ours.
listen "$T/notify3" "$T/got3"
NOTIFY_SOCKET=$T/notify3 WATCHDOG_USEC=1000000 WATCHDOG_PID=1 \
	"$OTPBOX" fetch -c "$CONF" --db "$DB" --watch 2>>"$T/watch.err" &
WATCH=$!
until_count '^READY=1$' "$T/got3" 1 20
sleep 1.5
[ "$(grep -c WATCHDOG "$T/got3")" -eq 0 ] &&
	pass "no WATCHDOG=1 for another process's WATCHDOG_PID" ||
	fail "pinged a watchdog meant for pid 1"
stop

test_done
