#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Extraction by the seed's Python handler on a labelled corpus, for the
figures beside otpbox's in `make bench`: messages per CPU second and how
many codes it gets right. Python 3 standard library only.

Usage: peer_extract.py PEER_DIR CORPUS_DIR [CORPUS_DIR...]
PEER_DIR holds seed_peer.py (message_texts, extract_otp and
DEFAULT_OTP_PATTERNS); each CORPUS_DIR holds .eml files and expected.tsv.
"""
import email
import os
import re
import sys
import time


def load(corpus):
    """[(raw bytes, expected code or None)] from expected.tsv."""
    cases = []
    with open(os.path.join(corpus, "expected.tsv"), encoding="utf-8") as f:
        next(f)
        for line in f:
            cols = line.rstrip("\r\n").split("\t")
            if len(cols) < 4:
                continue
            with open(os.path.join(corpus, cols[0]), "rb") as m:
                cases.append((m.read(), None if cols[2] == "-" else cols[2]))
    return cases


def main():
    if len(sys.argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 64
    sys.path.insert(0, sys.argv[1])
    import seed_peer  # noqa: E402 (found through PEER_DIR)

    patterns = [re.compile(p, re.I) for p in seed_peer.DEFAULT_OTP_PATTERNS]
    for corpus in sys.argv[2:]:
        cases = load(corpus)
        right = 0
        for raw, want in cases:
            msg = email.message_from_bytes(raw)
            got = seed_peer.extract_otp(seed_peer.message_texts(msg), patterns)
            right += got == want
        done, c0 = 0, time.process_time()
        while time.process_time() - c0 < 3.0:
            for raw, _ in cases:
                msg = email.message_from_bytes(raw)
                seed_peer.extract_otp(seed_peer.message_texts(msg), patterns)
            done += len(cases)
        rate = done / (time.process_time() - c0)
        print(f"peer (seed Python handler) {os.path.basename(corpus):12s} "
              f"{rate:8.0f} msg/s per CPU second, code right in "
              f"{right}/{len(cases)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
