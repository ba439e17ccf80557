#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Example: a sign-up bot that types the e-mailed code, as a browser bot would.

With Playwright (or Selenium) the bot reads:

    import time, otpbox
    page.goto(f"{site}/signup")
    page.fill("input[name=email]", address)
    asked_at = time.time()                     # codes from now on only
    page.click("text=Send me a code")
    otp = otpbox.wait(address, since=asked_at, timeout=120)
    page.fill("input[name=code]", otp.code)
    page.click("text=Verify")

This script does the same steps over plain HTTP (urllib), so that it runs
with the standard library alone:

    OTPBOX_DB=/var/lib/otpbox/otpbox.db \\
        python3 examples/signup_bot.py --site https://example.com \\
        --address bot7@yourdomain.com

--demo-site runs a small local site instead, which "e-mails" the code by
APPENDing the message to an IMAP mailbox that `otpbox fetch --watch`
watches (the test Dovecot, or your catch-all mailbox); its connection
comes from IMAP_HOST, IMAP_PORT, IMAP_USER, IMAP_PASS and IMAP_CAFILE.
A site's forms differ: adapt --site's paths and field names to yours.

Exit status: 0 signed up, 1 no code in time, 2 any other failure.
"""

from __future__ import annotations

import argparse
import html
import imaplib
import os
import random
import ssl
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import otpbox


class DemoSite(BaseHTTPRequestHandler):
    """GET /signup: the form; POST /signup: e-mails a code; POST /verify:
    checks it. Codes live in memory."""

    codes: dict[str, str] = {}

    def log_message(self, *args: object) -> None:
        pass

    def _reply(self, status: int, text: str) -> None:
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _form(self) -> dict[str, str]:
        n = int(self.headers.get("Content-Length", 0))
        return dict(urllib.parse.parse_qsl(self.rfile.read(n).decode()))

    def do_GET(self) -> None:
        self._reply(200, '<form method=post action=/signup><input '
                    'name=email><button>Send me a code</button></form>')

    def do_POST(self) -> None:
        form = self._form()
        email = form.get("email", "")
        if self.path == "/signup":
            code = f"{random.randrange(10**6):06d}"
            self.codes[email] = code
            send_code_by_imap_append(email, code)
            self._reply(200, "<form method=post action=/verify><input "
                        f"name=email value='{html.escape(email)}'><input "
                        "name=code><button>Verify</button></form>")
        elif self.path == "/verify":
            ok = form.get("code") and self.codes.get(email) == form["code"]
            self._reply(200 if ok else 403, "welcome" if ok else "wrong code")
        else:
            self._reply(404, "no such page")


def send_code_by_imap_append(rcpt: str, code: str) -> None:
    """The demo site's "mailer": the message as the catch-all receives it."""
    mail = (f"X-Original-To: {rcpt}\r\nFrom: Demo Site <no-reply@demo.example>"
            f"\r\nTo: {rcpt}\r\nSubject: Your Demo sign-up code\r\n"
            f"Date: {formatdate()}\r\nMessage-ID: <{time.time_ns()}"
            f"@demo.example>\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"\r\nWelcome! Your verification code is {code}.\r\n").encode()
    env = os.environ
    ctx = ssl.create_default_context(cafile=env.get("IMAP_CAFILE"))
    imap = imaplib.IMAP4_SSL(env.get("IMAP_HOST", "localhost"),
                             int(env.get("IMAP_PORT", "993")),
                             ssl_context=ctx)
    try:
        imap.login(env["IMAP_USER"], env["IMAP_PASS"])
        imap.append("INBOX", None, None, mail)
    finally:
        imap.logout()


def post(url: str, **fields: str) -> tuple[int, str]:
    """Submits a form; returns the status and the page."""
    data = urllib.parse.urlencode(fields).encode()
    try:
        with urllib.request.urlopen(url, data, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def sign_up(site: str, address: str, timeout: float) -> int:
    """The bot: ask for a code, wait for it through otpbox, type it."""
    asked_at = time.time()
    status, _ = post(f"{site}/signup", email=address)
    if status != 200:
        print(f"sign-up page answered {status}", file=sys.stderr)
        return 2
    try:
        otp = otpbox.wait(address, since=asked_at, timeout=timeout)
    except otpbox.OtpTimeout as e:
        print(f"{address}: no code ({e.reason})", file=sys.stderr)
        return 1
    status, page = post(f"{site}/verify", email=address, code=otp.code or "")
    print(f"{address}: code {otp.code} from {otp.sender_address or otp.sender}"
          f" -> {status} {page}")
    return 0 if status == 200 else 2


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--address", required=True, help="the bot's address")
    ap.add_argument("--site", help="the site's base URL")
    ap.add_argument("--demo-site", action="store_true",
                    help="run the local demo site (mails by IMAP APPEND)")
    ap.add_argument("--timeout", type=float, default=120)
    a = ap.parse_args()
    if a.demo_site:
        server = ThreadingHTTPServer(("127.0.0.1", 0), DemoSite)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        a.site = f"http://127.0.0.1:{server.server_address[1]}"
    if not a.site:
        ap.error("give --site URL or --demo-site")
    try:
        return sign_up(a.site.rstrip("/"), a.address, a.timeout)
    except otpbox.OtpboxError as e:
        print(f"otpbox: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
