#!/bin/sh
# SPDX-License-Identifier: MIT
# End-to-end benchmark against a private Dovecot: otpbox fetch --watch plus
# 100 `otpbox wait` processes, with the SQLite store and then (when
# PostgreSQL 15 is installed) with a private PostgreSQL cluster on the same
# Dovecot; for PostgreSQL also the failover time of two fetchers and the
# idle cost of 1,000 waiters. Then (when ../shared/peer is beside the
# checkout, or OTPBOX_PEER_DIR names it) the seed's Python handler on the
# same server for comparison. Usage: bench/e2e.sh BUILDDIR SRCDIR
set -u
BUILDDIR=${1:-.}
SRCDIR=${2:-.}
OTPBOX=$BUILDDIR/otpbox
OTPBOX_SRCDIR=$SRCDIR
export OTPBOX OTPBOX_SRCDIR
. "$SRCDIR/tests/dovecot.sh"
if [ "$(id -u)" -ne 0 ]; then
	echo "e2e: skipped (the private Dovecot needs root)"
	exit 0
fi
dovecot_start || exit 1
B=$DOVECOT_DIR/bench
mkdir -p "$B"
dovecot_conf "$B/otpbox.conf"
fetch_pid=
standby_pid=
idle_pids=
e2e_stop()
{
	for p in $fetch_pid $standby_pid; do
		kill $(pgrep -P "$p") "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	fetch_pid=
	standby_pid=
}
e2e_exit()
{
	st=$?
	set +e
	e2e_stop
	# shellcheck disable=SC2086 # a list of pids
	[ -n "$idle_pids" ] && kill $idle_pids 2>/dev/null
	wait 2>/dev/null
	type pg_stop >/dev/null 2>&1 && { pg_stop; pg_cleanup_dir; }
	dovecot_stop
	dovecot_cleanup_dir
	exit $st
}
trap e2e_exit EXIT

# e2e_run DB LABEL PREFIX: a fetcher on DB and e2e.py's waiters
e2e_run()
{
	"$OTPBOX" fetch -c "$B/otpbox.conf" --db "$1" --watch \
		>"$B/fetch.$2.log" 2>&1 &
	fetch_pid=$!
	i=0
	while ! grep -q "watching" "$B/fetch.$2.log" 2>/dev/null &&
		[ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	sleep 1
	python3 "$SRCDIR/bench/e2e.py" --otpbox "$OTPBOX" --db "$1" \
		--bots "${E2E_BOTS:-100}" --duration "${E2E_DURATION:-20}" \
		--port "$DOVECOT_PORT" --user "$DOVECOT_USER" \
		--password-file "$DOVECOT_DIR/password" --cafile "$DOVECOT_CA" \
		--label "$2" --prefix "$3"
}

# pg_failover DB: a standby beside the active fetcher, kill -9 of the
# active one, a mail delivered at that moment: when the standby holds the
# lock, and when `otpbox wait` prints the mail's code.
pg_failover()
{
	"$OTPBOX" fetch -c "$B/otpbox.conf" --db "$1" --watch \
		>"$B/standby.log" 2>&1 &
	standby_pid=$!
	i=0
	while ! grep -q "standby:" "$B/standby.log" && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	dovecot_make_mail "$B/failover.eml" failover@bots.test 777777 fo.1
	kill -9 $(pgrep -P "$fetch_pid") "$fetch_pid" 2>/dev/null
	t0=$(date +%s%N)
	wait "$fetch_pid" 2>/dev/null
	fetch_pid=
	dovecot_deliver "$B/failover.eml"
	code=$("$OTPBOX" wait failover@bots.test --db "$1" --timeout 60)
	t1=$(date +%s%N)
	at=$(grep -m1 "active:" "$B/standby.log" | cut -d' ' -f1)
	lock=nan
	[ -n "$at" ] && lock=$((($(date -d "$at" +%s%N) - t0) / 1000000))
	echo "failover (postgresql): kill -9 of the active fetcher ->" \
		"standby holds the lock after $lock ms; a mail delivered at" \
		"the kill -> code printed after $(((t1 - t0) / 1000000)) ms" \
		"($([ "$code" = 777777 ] && echo right || echo "WRONG: $code"))"
	fetch_pid=$standby_pid
	standby_pid=
}

# ticks: the CPU clock ticks (user + system) of the pids given
ticks()
{
	t=0
	for p in "$@"; do
		[ -r "/proc/$p/stat" ] &&
			t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
	done
	echo $t
}

# pss_mb: the summed proportional memory of the pids given, in MB (shared
# libraries and shared buffers counted once, split between their users)
pss_mb()
{
	k=0
	for p in "$@"; do
		v=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null)
		k=$((k + ${v:-0}))
	done
	echo $((k / 1024))
}

# pg_idle DB N: N waiters that get nothing: connections each, and what
# they and their server backends cost over 10 s of waiting.
pg_idle()
{
	i=1
	while [ $i -le "$2" ]; do
		"$OTPBOX" wait "idle$i@bots.test" --db "$1" --timeout 900 \
			>/dev/null 2>&1 &
		idle_pids="$idle_pids $!"
		i=$((i + 1))
	done
	i=0
	while [ "$(pg_psql -c 'SELECT count(*) FROM active_waits')" -lt "$2" ] &&
		[ $i -lt 600 ]; do
		sleep 0.5
		i=$((i + 1))
	done
	sleep 2
	waiting=$(pg_psql -c 'SELECT count(*) FROM active_waits')
	conns=$(pg_psql -c "SELECT count(*) FROM pg_stat_activity
		WHERE application_name = 'otpbox'")
	backends=$(pgrep -P "$(head -1 "$PG_DIR/data/postmaster.pid")")
	# shellcheck disable=SC2086 # lists of pids
	w0=$(ticks $idle_pids) b0=$(ticks $backends)
	sleep 10
	# shellcheck disable=SC2086
	w1=$(ticks $idle_pids) b1=$(ticks $backends)
	hz=$(getconf CLK_TCK)
	# shellcheck disable=SC2086
	echo "idle (postgresql): $waiting waiters hold $conns connections" \
		"($(awk "BEGIN {printf \"%.2f\", $conns / $waiting}") per" \
		"waiter); over 10 s the waiters used" \
		"$(((w1 - w0) * 1000 / hz)) ms CPU, the server" \
		"$(((b1 - b0) * 1000 / hz)) ms; memory: waiters" \
		"$(pss_mb $idle_pids) MB PSS, server backends" \
		"$(pss_mb $backends) MB PSS"
	# shellcheck disable=SC2086
	kill $idle_pids 2>/dev/null
	wait $idle_pids 2>/dev/null
	idle_pids=
}

e2e_run "$B/otpbox.db" sqlite bench
e2e_stop
if (. "$SRCDIR/tests/pg.sh"; pg_require) >/dev/null 2>&1; then
	. "$SRCDIR/tests/pg.sh"
	mkdir -p "$B/pg" && chmod 711 "$DOVECOT_DIR" "$B" "$B/pg"
	pg_start "$B/pg/sock" || exit 1
	trap e2e_exit EXIT # pg_start set its own
	IDLE=${E2E_IDLE_WAITERS:-1000}
	pg_super -c "ALTER SYSTEM SET max_connections = $((IDLE + 100))" \
		>/dev/null
	pg_as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -w -t 60 \
		-l "$PG_DIR/server.log" restart >/dev/null
	e2e_run "$OTPBOX_TEST_PG_URI" postgresql pgbench
	pg_failover "$OTPBOX_TEST_PG_URI"
	e2e_stop
	pg_idle "$OTPBOX_TEST_PG_URI" "$IDLE"
else
	echo "e2e postgresql: skipped (needs root and postgresql-15)"
fi

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
