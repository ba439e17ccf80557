#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""An empty `otpbox fetch --once` (nothing new) beside the bare IMAP
exchange it cannot avoid: a Python ssl client doing LOGIN, EXAMINE and
LOGOUT against the same server, timed in-process (no interpreter start).

Usage: fetch_empty.py OTPBOX CONF DB HOST PORT CA USER PASSWORD_FILE [N]
Prints medians (and the best run) of wall time and, for otpbox, CPU time.
"""
import imaplib
import resource
import ssl
import statistics
import subprocess
import sys
import time


def otpbox_runs(otpbox, conf, db, n):
    walls, cpus = [], []
    for _ in range(n):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run([otpbox, "fetch", "-c", conf, "--db", db, "--once"],
                       stderr=subprocess.DEVNULL, check=True)
        walls.append((time.perf_counter() - t0) * 1000)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append((r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime)
                    * 1000)
    return walls, cpus


def imap_runs(host, port, ca, user, password, n):
    walls = []
    for _ in range(n):
        t0 = time.perf_counter()
        ctx = ssl.create_default_context(cafile=ca)
        m = imaplib.IMAP4_SSL(host, port, ssl_context=ctx)
        m.login(user, password)
        m.select("INBOX", readonly=True)
        m.logout()
        walls.append((time.perf_counter() - t0) * 1000)
    return walls


def main():
    otpbox, conf, db, host, port, ca, user, pwfile = sys.argv[1:9]
    n = int(sys.argv[9]) if len(sys.argv) > 9 else 20
    password = open(pwfile).read().strip()
    otpbox_runs(otpbox, conf, db, 2)  # warm the page cache
    walls, cpus = otpbox_runs(otpbox, conf, db, n)
    bare = imap_runs(host, int(port), ca, user, password, n)
    print("empty --once (nothing new), %d runs: wall median %.1f ms "
          "(best %.1f), CPU median %.1f ms" %
          (n, statistics.median(walls), min(walls), statistics.median(cpus)))
    print("bare IMAP round trip (python ssl: TLS, LOGIN, EXAMINE, LOGOUT): "
          "wall median %.1f ms (best %.1f)" %
          (statistics.median(bare), min(bare)))


if __name__ == "__main__":
    main()
