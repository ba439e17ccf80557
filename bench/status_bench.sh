#!/bin/sh
# SPDX-License-Identifier: MIT
# otpbox status on a large database: 200,000 messages with codes over 30
# days in two folders and 20,000 waits, built straight with SQL; then the
# heartbeat costs (bench/status_bench). Usage: status_bench.sh BUILDDIR SRCDIR
set -u
BUILDDIR=${1:-.}
SRCDIR=${2:-.}
D=$(mktemp -d "${TMPDIR:-/tmp}/otpbox-status-bench.XXXXXX")
trap 'rm -rf "$D"' EXIT
python3 - "$D/db" "$SRCDIR"/sql/[0-9]*.sql <<'PY'
import random, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
for f in sys.argv[2:]:
    db.executescript(open(f).read())
db.execute("PRAGMA user_version = %d" % len(sys.argv[2:]))
db.execute("PRAGMA journal_mode = WAL")
db.execute("INSERT INTO accounts VALUES (1, 'm365', 'u', 'h')")
db.execute("INSERT INTO folders (id, account_id, name) VALUES "
           "(1, 1, 'INBOX'), (2, 1, 'Junk Email')")
now, n = int(time.time()), 200000
msgs = [(i, 1 + i % 2, 1, i, "h%d" % i, now - (n - i) * 13,
         now - (n - i) * 13 + random.randint(0, 5), 100) for i in range(1, n + 1)]
db.executemany("INSERT INTO messages (id, folder_id, uidvalidity, uid, "
               "content_hash, received_at, fetched_at, size) "
               "VALUES (?,?,?,?,?,?,?,?)", msgs)
db.executemany("INSERT INTO codes (message_id, address, kind, code, "
               "received_at) VALUES (?, ?, 'code', '123456', ?)",
               [(m[0], "bot%d@x" % (m[0] % 500), m[5]) for m in msgs])
db.executemany("INSERT INTO recipients VALUES (?, ?, 'X-Original-To')",
               [(m[0], "bot%d@x" % (m[0] % 500)) for m in msgs])
db.executemany("INSERT INTO waits (address, window_start, started_at, "
               "ended_at, outcome) VALUES (?, ?, ?, ?, ?)",
               [("bot%d@x" % (i % 500), now - i * 30, now - i * 30,
                 now - i * 30 + 60, "timeout" if i % 10 == 0 else "claimed")
                for i in range(20000)])
db.commit()
PY
for fmt in "" --json --prometheus; do
	for i in 1 2 3; do
		/usr/bin/time -f "%e %M" "$BUILDDIR/otpbox" status --db "$D/db" \
			$fmt >/dev/null 2>"$D/time"
		tail -1 "$D/time"
	done | sort -n | sed -n 2p | {
		read -r secs kb
		echo "status ${fmt:-(text)} on 200000 messages: ${secs} s" \
			"(median of 3), ${kb} KB peak"
	}
done
"$BUILDDIR/bench/status_bench" "$D"
