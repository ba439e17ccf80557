#!/bin/sh
# SPDX-License-Identifier: MIT
# End-to-end benchmark against a private Dovecot: otpbox fetch --watch plus
# 100 `otpbox wait` processes, then (when ../shared/peer is beside the
# checkout, or OTPBOX_PEER_DIR names it) the seed's Python handler on the
# same server for comparison. Usage: bench/e2e.sh BUILDDIR SRCDIR
set -u
BUILDDIR=${1:-.}
SRCDIR=${2:-.}
OTPBOX=$BUILDDIR/otpbox
export OTPBOX
. "$SRCDIR/tests/dovecot.sh"
if [ "$(id -u)" -ne 0 ]; then
	echo "e2e: skipped (the private Dovecot needs root)"
	exit 0
fi
dovecot_start || exit 1
B=$DOVECOT_DIR/bench
mkdir -p "$B"
dovecot_conf "$B/otpbox.conf"
"$OTPBOX" fetch -c "$B/otpbox.conf" --db "$B/otpbox.db" --watch \
	>"$B/fetch.log" 2>&1 &
fetch_pid=$!
trap 'st=$?; set +e; kill $fetch_pid 2>/dev/null; wait $fetch_pid 2>/dev/null; dovecot_stop; dovecot_cleanup_dir; exit $st' EXIT
i=0
while [ ! -s "$B/otpbox.db" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
sleep 1
python3 "$SRCDIR/bench/e2e.py" --otpbox "$OTPBOX" --db "$B/otpbox.db" \
	--bots "${E2E_BOTS:-100}" --duration "${E2E_DURATION:-20}" \
	--port "$DOVECOT_PORT" --user "$DOVECOT_USER" \
	--password-file "$DOVECOT_DIR/password" --cafile "$DOVECOT_CA"

peer=${OTPBOX_PEER_DIR:-$SRCDIR/../shared/peer}
if [ -f "$peer/peer_bench.py" ]; then
	echo "peer (seed's Python handler, 3 s polling) on the same Dovecot:"
	IMAP_HOST=localhost IMAP_PORT=$DOVECOT_PORT IMAP_USER=$DOVECOT_USER \
	IMAP_PASS=$(cat "$DOVECOT_DIR/password") IMAP_CAFILE=$DOVECOT_CA \
		python3 "$peer/peer_bench.py" latency --bots 20 --duration 20 \
		2>&1 | tail -5
else
	echo "peer: not found (set OTPBOX_PEER_DIR to compare)"
fi
