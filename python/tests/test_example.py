# SPDX-License-Identifier: MIT
"""examples/signup_bot.py end to end: its demo site mails a code by IMAP
APPEND to the test Dovecot, otpbox fetch --watch stores it, the bot waits
for it through otpbox and types it back."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import Dovecot


def test_signup_bot(dovecot: Dovecot, fetched: str,
                    otpbox_address: str) -> None:
    env = dict(os.environ, OTPBOX_DB=fetched, IMAP_HOST="localhost",
               IMAP_PORT=str(dovecot.port), IMAP_USER=dovecot.user,
               IMAP_PASS=dovecot.password, IMAP_CAFILE=dovecot.ca)
    script = os.path.join(os.environ["OTPBOX_SRCDIR"], "examples",
                          "signup_bot.py")
    run = subprocess.run([sys.executable, script, "--demo-site",
                          "--address", otpbox_address, "--timeout", "30"],
                         env=env, capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0, run.stderr
    assert "-> 200 welcome" in run.stdout
    assert "no-reply@demo.example" in run.stdout
