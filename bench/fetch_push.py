#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Push latency for otpbox fetch --watch: APPEND completed -> row committed.

Usage: fetch_push.py HOST PORT CA USER PASSWORDFILE DB N [--no-waiter]
Appends N messages one after the other over one IMAP connection and, after
each APPEND's tagged OK, polls the database until the message's row is
there. With a waiter (default) a 'waiting' row in waits is kept open, so
the fetcher uses its fast path. Prints p50, p99 and max in milliseconds.
"""
import imaplib
import random
import sqlite3
import ssl
import sys
import time

host, port, ca, user, pwfile, db, n = sys.argv[1:8]
n = int(n)
waiter = "--no-waiter" not in sys.argv
ctx = ssl.create_default_context(cafile=ca)
imap = imaplib.IMAP4_SSL(host, int(port), ssl_context=ctx)
imap.login(user, open(pwfile).read().strip())
con = sqlite3.connect(db, timeout=5)
con.execute("PRAGMA busy_timeout = 5000")
now = int(time.time())
wait_id = None
if waiter:
    cur = con.execute("INSERT INTO waits (address, window_start, started_at)"
                      " VALUES ('bench@bots.test', ?, ?)", (now, now))
    wait_id = cur.lastrowid
    con.commit()
    time.sleep(0.5)  # the fetcher notices the waiter
lat = []
for i in range(n):
    mid = "push.%d.%d@bench.example" % (now, i)
    msg = ("X-Original-To: bench@bots.test\r\nFrom: s@service.example\r\n"
           "To: bench@bots.test\r\nSubject: Your code\r\n"
           "Message-ID: <%s>\r\n\r\nYour verification code is %06d.\r\n"
           % (mid, 100000 + i)).encode()
    typ, _ = imap.append("INBOX", None, None, msg)
    t0 = time.monotonic()
    if typ != "OK":
        sys.exit("APPEND failed")
    while True:
        row = con.execute("SELECT 1 FROM messages WHERE message_id"
                          " IN (?, ?)", ("<%s>" % mid, mid)).fetchone()
        if row:
            break
        if time.monotonic() - t0 > 10:
            sys.exit("message %d not stored within 10 s" % i)
        time.sleep(0.0005)
    lat.append((time.monotonic() - t0) * 1000)
    # A random gap, so the APPENDs do not lock onto the fetcher's cadence.
    time.sleep(random.uniform(0.05, 0.15))
if wait_id is not None:
    con.execute("UPDATE waits SET outcome = 'timeout', ended_at = ? "
                "WHERE id = ?", (int(time.time()), wait_id))
    con.commit()
imap.logout()
lat.sort()
p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
print("%s: n=%d p50=%.1f ms p99=%.1f ms max=%.1f ms"
      % ("waiter active" if waiter else "no waiter (IDLE only)", n,
         p(0.50), p(0.99), lat[-1]))
