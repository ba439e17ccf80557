#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""End-to-end latency of otpbox: APPEND completed -> `otpbox wait` printed.

N bots each run `otpbox wait botI@DOMAIN` at once while this script APPENDs
one OTP mail per bot at a steady rate to the mailbox that `otpbox fetch
--watch` is watching. For every bot it records the time the server
confirmed the APPEND and the time the waiter exited with its code, and
prints p50/p99/max of the difference plus wrong and missing codes.

Connection: --host --port --user --password-file --cafile (the private test
Dovecot started by bench/run.sh).
"""

import argparse
import imaplib
import json
import math
import os
import random
import ssl
import subprocess
import sys
import threading
import time
from email.utils import formatdate


def pct(xs, q):
    xs = sorted(xs)
    return xs[max(0, math.ceil(q * len(xs)) - 1)] if xs else float("nan")


def otp_mail(rcpt, code, catchall, i):
    return (
        f"Return-Path: <no-reply@service.example>\r\n"
        f"X-Original-To: {rcpt}\r\n"
        f"Delivered-To: {catchall}\r\n"
        f"From: Service <no-reply@service.example>\r\n"
        f"To: {rcpt}\r\n"
        f"Subject: Your verification code\r\n"
        f"Date: {formatdate(localtime=False)}\r\n"
        f"Message-ID: <bench.{time.time_ns()}.{i}@service.example>\r\n"
        f"MIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"Hello,\r\n\r\nYour verification code is {code}. It expires in "
        f"10 minutes.\r\nReference 2026-{i:06d}.\r\n"
    ).encode()


class Waiter:
    def __init__(self, args, rcpt):
        self.rcpt = rcpt
        self.code = None
        self.done_at = None
        cmd = [args.otpbox, "wait", rcpt, "--db", args.db, "--timeout",
               str(args.timeout), "--worker", "bench"]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        self.thread = threading.Thread(target=self.reap, daemon=True)
        self.thread.start()

    def reap(self):
        out = self.proc.stdout.read()
        self.proc.wait()
        self.done_at = time.time()
        if self.proc.returncode == 0:
            self.code = out.decode().strip()


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--otpbox", required=True)
    p.add_argument("--db", required=True)
    p.add_argument("--bots", type=int, default=100)
    p.add_argument("--duration", type=float, default=20.0)
    p.add_argument("--timeout", type=int, default=60)
    p.add_argument("--domain", default="bots.test")
    p.add_argument("--prefix", default="bench",
                   help="bots are PREFIX0@DOMAIN ...: another prefix per "
                   "run on the same mailbox")
    p.add_argument("--label", default="",
                   help="printed after 'otpbox e2e' (the backend)")
    p.add_argument("--host", default="localhost")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password-file", required=True)
    p.add_argument("--cafile")
    p.add_argument("--json")
    a = p.parse_args()

    rng = random.Random(7)
    bots = [f"{a.prefix}{i}@{a.domain}" for i in range(a.bots)]
    codes = {b: f"{rng.randrange(10**6):06d}" for b in bots}
    waiters = {b: Waiter(a, b) for b in bots}
    time.sleep(1.0)  # every waiter has registered before mail flows

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
        typ, _ = m.append("INBOX", None, None,
                          otp_mail(b, codes[b], a.user, i))
        appended[b] = time.time()
        if typ != "OK":
            print(f"APPEND failed for {b}", file=sys.stderr)
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
    res = {"bots": a.bots, "ok": len(lat), "wrong": wrong,
           "missing": missing, "p50_ms": pct(lat, 0.50),
           "p90_ms": pct(lat, 0.90), "p99_ms": pct(lat, 0.99),
           "max_ms": max(lat) if lat else float("nan")}
    label = f" ({a.label})" if a.label else ""
    print(f"otpbox e2e{label}: {a.bots} waiters, APPEND -> code printed: "
          f"p50 {res['p50_ms']:.0f} ms, p90 {res['p90_ms']:.0f} ms, "
          f"p99 {res['p99_ms']:.0f} ms, max {res['max_ms']:.0f} ms; "
          f"wrong {wrong}, missing {missing}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f)
    return 0 if wrong == 0 and missing == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
