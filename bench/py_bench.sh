#!/bin/sh
# SPDX-License-Identifier: MIT
# Python bots on otpbox, in one run against one private Dovecot and one
# `otpbox fetch --watch`: APPEND -> code returned for Python threads
# (otpbox.wait), for C waiters (`otpbox wait`) and, when ../shared/peer is
# beside the checkout (or OTPBOX_PEER_DIR names it), for the seed's Python
# handler; then the RSS and idle CPU of a Python process with 100 waiting
# threads. Usage: bench/py_bench.sh BUILDDIR SRCDIR
set -u
BUILDDIR=${1:-.}
SRCDIR=${2:-.}
OTPBOX=$BUILDDIR/otpbox
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
. "$SRCDIR/tests/dovecot.sh"
if [ "$(id -u)" -ne 0 ]; then
	echo "python bench: skipped (the private Dovecot needs root)"
	exit 0
fi
OTPBOX_LIBRARY=$BUILDDIR/.libs/libotpbox.so.1
PYTHONPATH=$SRCDIR/python
PYTHONDONTWRITEBYTECODE=1
export OTPBOX_LIBRARY PYTHONPATH PYTHONDONTWRITEBYTECODE
dovecot_start || exit 1
B=$DOVECOT_DIR/pybench
mkdir -p "$B"
dovecot_conf "$B/otpbox.conf"
"$OTPBOX" fetch -c "$B/otpbox.conf" --db "$B/otpbox.db" --watch \
	>"$B/fetch.log" 2>&1 &
fetch_pid=$!
trap 'st=$?; set +e; kill $fetch_pid 2>/dev/null; wait $fetch_pid 2>/dev/null; dovecot_stop; dovecot_cleanup_dir; exit $st' EXIT
i=0
while [ ! -s "$B/otpbox.db" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
sleep 1
BOTS=${PY_BENCH_BOTS:-20}
DURATION=${PY_BENCH_DURATION:-20}
conn="--port $DOVECOT_PORT --user $DOVECOT_USER --password-file $DOVECOT_DIR/password --cafile $DOVECOT_CA"
echo "load average before the Python bench: $(cut -d' ' -f1-3 /proc/loadavg)"
# shellcheck disable=SC2086
"$PY" "$SRCDIR/bench/py_bench.py" latency --waiter python --db "$B/otpbox.db" \
	--bots "$BOTS" --duration "$DURATION" $conn
# shellcheck disable=SC2086
"$PY" "$SRCDIR/bench/py_bench.py" latency --waiter c --otpbox "$OTPBOX" \
	--db "$B/otpbox.db" --bots "$BOTS" --duration "$DURATION" $conn
peer=${OTPBOX_PEER_DIR:-$SRCDIR/../shared/peer}
if [ -f "$peer/peer_bench.py" ]; then
	echo "seed's Python handler (imaplib, 3 s polling), same Dovecot:"
	IMAP_HOST=localhost IMAP_PORT=$DOVECOT_PORT IMAP_USER=$DOVECOT_USER \
	IMAP_PASS=$(cat "$DOVECOT_DIR/password") IMAP_CAFILE=$DOVECOT_CA \
		"$PY" "$peer/peer_bench.py" latency --bots "$BOTS" \
		--duration "$DURATION" --to 'peer{i}@bots.test' 2>&1 | tail -5
else
	echo "seed's Python handler: not found (set OTPBOX_PEER_DIR to compare)"
fi
"$PY" "$SRCDIR/bench/py_bench.py" idle --db "$B/otpbox.db" \
	--threads "${PY_BENCH_THREADS:-100}" --seconds "${PY_BENCH_IDLE:-10}"
