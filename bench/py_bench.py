#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Python bots on otpbox: latency and the cost of waiting.

  latency  N bots wait at once, either as threads of this process calling
           otpbox.wait() (--waiter python) or as `otpbox wait` processes
           (--waiter c, e2e.py's waiter), while one OTP mail per bot is
           APPENDed at a steady rate to the mailbox `otpbox fetch --watch`
           watches. Prints p50/p90/p99/max of APPEND confirmed -> code
           returned, wrong and missing codes.
  idle     A fresh Python process starts --threads threads that each wait
           (otpbox.wait) for an address no mail comes for; once all are in
           active_waits, reports its RSS and the CPU time it uses over
           --seconds of idle waiting.

The package comes from PYTHONPATH (python/ of the source tree) and the
library from OTPBOX_LIBRARY, as bench/py_bench.sh sets them.
"""

from __future__ import annotations

import argparse
import imaplib
import json
import os
import random
import sqlite3
import ssl
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e import Waiter as CWaiter, otp_mail, pct  # noqa: E402


class PyWaiter:
    """One bot as a thread of this process."""

    def __init__(self, a: argparse.Namespace, rcpt: str, since: float):
        import otpbox
        self.code = None
        self.done_at = None

        def run() -> None:
            try:
                self.code = otpbox.wait(rcpt, timeout=a.timeout, db=a.db,
                                        since=since).code
            except otpbox.OtpboxError as e:
                print(f"{rcpt}: {e}", file=sys.stderr)
            self.done_at = time.time()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()


def active_waits(db: str) -> int:
    con = sqlite3.connect(db, timeout=10)
    try:
        return con.execute("SELECT count(*) FROM active_waits").fetchone()[0]
    finally:
        con.close()


def until_waiting(db: str, n: int, limit: float = 30) -> None:
    deadline = time.time() + limit
    while active_waits(db) < n and time.time() < deadline:
        time.sleep(0.05)


def cmd_latency(a: argparse.Namespace) -> int:
    rng = random.Random(11)
    tag = f"{a.waiter}{int(time.time()) % 100000}"
    bots = [f"{tag}-{i}@{a.domain}" for i in range(a.bots)]
    codes = {b: f"{rng.randrange(10**6):06d}" for b in bots}
    since = time.time()
    if a.waiter == "python":
        waiters = {b: PyWaiter(a, b, since) for b in bots}
    else:
        waiters = {b: CWaiter(a, b) for b in bots}
    until_waiting(a.db, a.bots)
    ctx = ssl.create_default_context(cafile=a.cafile)
    m = imaplib.IMAP4_SSL(a.host, a.port, ssl_context=ctx)
    with open(a.password_file) as f:
        m.login(a.user, f.read().strip())
    appended = {}
    gap = a.duration / max(1, a.bots)
    start = time.time()
    for i, b in enumerate(bots):
        delay = start + i * gap - time.time()
        if delay > 0:
            time.sleep(delay)
        m.append("INBOX", None, None, otp_mail(b, codes[b], a.user, i))
        appended[b] = time.time()
    m.logout()
    for w in waiters.values():
        w.thread.join(a.timeout + 5)
    lat, wrong, missing = [], 0, 0
    for b, w in waiters.items():
        if w.code is None:
            missing += 1
        elif w.code != codes[b]:
            wrong += 1
        else:
            lat.append((w.done_at - appended[b]) * 1000.0)
    res = {"waiter": a.waiter, "bots": a.bots, "ok": len(lat),
           "wrong": wrong, "missing": missing, "p50_ms": pct(lat, 0.50),
           "p90_ms": pct(lat, 0.90), "p99_ms": pct(lat, 0.99),
           "max_ms": max(lat) if lat else float("nan")}
    what = ("Python threads, otpbox.wait()" if a.waiter == "python"
            else "C, `otpbox wait` processes")
    print(f"{what}: {a.bots} bots, APPEND -> code returned: "
          f"p50 {res['p50_ms']:.0f} ms, p90 {res['p90_ms']:.0f} ms, "
          f"p99 {res['p99_ms']:.0f} ms, max {res['max_ms']:.0f} ms; "
          f"wrong {wrong}, missing {missing}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f)
    return 0 if wrong == 0 and missing == 0 else 1


IDLE_CHILD = r"""
import sys, threading, otpbox
db, n, domain = sys.argv[1], int(sys.argv[2]), sys.argv[3]
for i in range(n):
    threading.Thread(target=otpbox.wait_for_otp, daemon=True,
                     args=(f"idle-{i}@{domain}",),
                     kwargs={"timeout": 3600, "db": db}).start()
print("started", flush=True)
sys.stdin.read()
"""


def proc_cpu(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_status(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def cmd_idle(a: argparse.Namespace) -> int:
    base = subprocess.run([sys.executable, "-c", "import otpbox, ctypes, "
                           "threading; otpbox.library_version(); "
                           "print(open('/proc/self/status').read())"],
                          capture_output=True, text=True).stdout
    base_rss = next((int(line.split()[1]) for line in base.splitlines()
                     if line.startswith("VmRSS:")), 0)
    before = active_waits(a.db)
    child = subprocess.Popen([sys.executable, "-c", IDLE_CHILD, a.db,
                              str(a.threads), a.domain],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True)
    try:
        child.stdout.readline()
        until_waiting(a.db, before + a.threads, 60)
        waiting = active_waits(a.db) - before
        time.sleep(1)  # let start-up work settle
        cpu0, t0 = proc_cpu(child.pid), time.time()
        time.sleep(a.seconds)
        cpu = proc_cpu(child.pid) - cpu0
        wall = time.time() - t0
        rss = proc_status(child.pid, "VmRSS")
        threads = proc_status(child.pid, "Threads")
        fds = len(os.listdir(f"/proc/{child.pid}/fd"))
    finally:
        child.stdin.close()
        child.kill()
        child.wait()
    res = {"threads": a.threads, "waiting": waiting, "rss_kib": rss,
           "base_rss_kib": base_rss, "cpu_s": cpu, "wall_s": wall,
           "cpu_pct": 100.0 * cpu / wall, "os_threads": threads, "fds": fds}
    print(f"Python process, {a.threads} threads waiting ({waiting} in "
          f"active_waits): RSS {rss / 1024:.1f} MiB (an idle interpreter "
          f"with otpbox loaded: {base_rss / 1024:.1f} MiB), CPU "
          f"{cpu:.2f} s over {wall:.0f} s idle ({res['cpu_pct']:.2f} %), "
          f"{fds} descriptors")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f)
    return 0 if waiting == a.threads else 1


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    lat = sub.add_parser("latency")
    lat.add_argument("--waiter", choices=["python", "c"], default="python")
    lat.add_argument("--otpbox", help="the otpbox program (--waiter c)")
    lat.add_argument("--bots", type=int, default=20)
    lat.add_argument("--duration", type=float, default=20.0)
    lat.add_argument("--timeout", type=int, default=60)
    lat.add_argument("--host", default="localhost")
    lat.add_argument("--port", type=int, required=True)
    lat.add_argument("--user", required=True)
    lat.add_argument("--password-file", required=True)
    lat.add_argument("--cafile")
    idle = sub.add_parser("idle")
    idle.add_argument("--threads", type=int, default=100)
    idle.add_argument("--seconds", type=float, default=10.0)
    for sp in (lat, idle):
        sp.add_argument("--db", required=True)
        sp.add_argument("--domain", default="bots.test")
        sp.add_argument("--json")
    a = p.parse_args()
    return cmd_latency(a) if a.cmd == "latency" else cmd_idle(a)


if __name__ == "__main__":
    sys.exit(main())
