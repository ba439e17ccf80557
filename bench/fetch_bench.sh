#!/bin/sh
# SPDX-License-Identifier: MIT
# Fetch benchmarks against a private Dovecot (tests/dovecot.sh): a 10,000
# message backlog into an empty database (messages/s, peak RSS) next to
# mbsync into a Maildir; a --once that finds nothing new; and push latency
# (APPEND completed -> row committed) while --watch runs, with and without
# a waiting bot. Usage: bench/fetch_bench.sh BUILDDIR SRCDIR [N]
set -u
BUILDDIR=${1:-.}
SRCDIR=${2:-.}
N=${3:-10000}
OTPBOX=$BUILDDIR/otpbox
. "$SRCDIR/tests/dovecot.sh"
if [ "$(id -u)" -ne 0 ] || ! command -v dovecot >/dev/null; then
	echo "fetch: skipped (needs root and dovecot-imapd)"
	exit 0
fi
B=$(mktemp -d "${TMPDIR:-/tmp}/otpbox-bench.XXXXXX")
WATCH=
cleanup()
{
	[ -n "$WATCH" ] && kill "$WATCH" 2>/dev/null && wait "$WATCH"
	dovecot_stop
	dovecot_cleanup_dir
	rm -rf "$B"
}
trap cleanup EXIT
dovecot_start >/dev/null || exit 1
trap cleanup EXIT
dovecot_conf "$B/otpbox.conf"

echo "fetch: backlog of $N messages (loopback Dovecot, implicit TLS;" \
	"load average $(cut -d' ' -f1-3 /proc/loadavg))"
dovecot_make_many "$B/mail" "$N" bench
dovecot_bulk "$B/mail"
# Let Dovecot index the new mail once, so neither client pays for it.
doveadm -c "$DOVECOT_DIR/dovecot.conf" mailbox status -u "$DOVECOT_USER" \
	messages INBOX >/dev/null
bytes=$(du -sb "$DOVECOT_DIR/home/$DOVECOT_USER/Maildir/cur" \
	"$DOVECOT_DIR/home/$DOVECOT_USER/Maildir/new" | awk '{s+=$1} END {print s}')
echo "  mailbox: $N messages, $((bytes / 1024)) KiB"

/usr/bin/time -f "%e %M" -o "$B/otpbox.time" \
	"$OTPBOX" fetch -c "$B/otpbox.conf" --db "$B/otpbox.db" --once \
	2>"$B/once.log"
read -r secs rss <"$B/otpbox.time"
stored=$(sqlite3 "$B/otpbox.db" "select count(*) from messages")
codes=$(sqlite3 "$B/otpbox.db" "select count(*) from codes")
echo "  otpbox fetch --once: $stored stored ($codes codes) in $secs s =" \
	"$(awk "BEGIN {printf \"%.0f\", $stored / $secs}") msg/s, peak RSS $rss KiB"

mkdir -p "$B/maildir"
cat >"$B/mbsyncrc" <<RC
IMAPAccount bench
Host localhost
Port $DOVECOT_PORT
User $DOVECOT_USER
PassCmd "cat $DOVECOT_DIR/password"
SSLType IMAPS
CertificateFile $DOVECOT_CA

IMAPStore remote
Account bench

MaildirStore local
Path $B/maildir/
Inbox $B/maildir/INBOX

Channel bench
Far :remote:
Near :local:
Patterns INBOX
Sync Pull
Create Near
SyncState *
RC
/usr/bin/time -f "%e %M" -o "$B/mbsync.time" \
	mbsync -q -c "$B/mbsyncrc" bench >"$B/mbsync.log" 2>&1
read -r msecs mrss <"$B/mbsync.time"
got=$(find "$B/maildir/INBOX" -type f -path '*/cur/*' -o -type f \
	-path '*/new/*' | wc -l)
echo "  mbsync (isync) to a Maildir: $got messages in $msecs s =" \
	"$(awk "BEGIN {printf \"%.0f\", $got / $msecs}") msg/s, peak RSS $mrss KiB"

# RSS must not grow with the mailbox: a tenth of the backlog for comparison.
small=$((N / 10))
sqlite3 "$B/otpbox.db" "delete from messages where id > $small;
	update folders set last_uid = $small"
/usr/bin/time -f "%e %M" -o "$B/small.time" \
	"$OTPBOX" fetch -c "$B/otpbox.conf" --db "$B/otpbox.db" --once \
	2>/dev/null
read -r ssecs srss <"$B/small.time"
echo "  otpbox fetch --once of the last $((N - small)) after a checkpoint:" \
	"peak RSS $srss KiB (vs $rss KiB for $N)"

echo "fetch: nothing new (load average $(cut -d' ' -f1-3 /proc/loadavg))"
python3 "$SRCDIR/bench/fetch_empty.py" "$OTPBOX" "$B/otpbox.conf" \
	"$B/otpbox.db" "$DOVECOT_HOST" "$DOVECOT_PORT" "$DOVECOT_CA" \
	"$DOVECOT_USER" "$DOVECOT_DIR/password" 20 | sed 's/^/  /'

echo "fetch: push latency, APPEND completed -> row committed (--watch;" \
	"load average $(cut -d' ' -f1-3 /proc/loadavg))"
"$OTPBOX" fetch -c "$B/otpbox.conf" --db "$B/otpbox.db" --watch \
	2>"$B/watch.log" &
WATCH=$!
sleep 2
python3 "$SRCDIR/bench/fetch_push.py" "$DOVECOT_HOST" "$DOVECOT_PORT" \
	"$DOVECOT_CA" "$DOVECOT_USER" "$DOVECOT_DIR/password" \
	"$B/otpbox.db" 200 | sed 's/^/  /'
python3 "$SRCDIR/bench/fetch_push.py" "$DOVECOT_HOST" "$DOVECOT_PORT" \
	"$DOVECOT_CA" "$DOVECOT_USER" "$DOVECOT_DIR/password" \
	"$B/otpbox.db" 20 --no-waiter | sed 's/^/  /'
