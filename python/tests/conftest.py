# SPDX-License-Identifier: MIT
"""Real parts for the Python package's tests: SQLite databases made by the
build's testdb_tool, and the private test Dovecot (started by pytest.sh)
with the real `otpbox fetch --watch` filling a database from it."""

from __future__ import annotations

import imaplib
import os
import sqlite3
import ssl
import subprocess
import threading
import time
from email.utils import formatdate
from pathlib import Path
from typing import Iterator, Optional

import pytest

BUILDDIR = Path(os.environ.get("OTPBOX_BUILDDIR", "."))
OTPBOX = os.environ.get("OTPBOX", str(BUILDDIR / "otpbox"))
TESTDB_TOOL = str(BUILDDIR / "tests" / "worker" / "testdb_tool")


def sql(db: str, query: str, *args: object) -> list[tuple]:
    """Rows of query on db (a separate connection, as an operator's)."""
    con = sqlite3.connect(db, timeout=10)
    try:
        return con.execute(query, args).fetchall()
    finally:
        con.close()


def sql_one(db: str, query: str, *args: object) -> object:
    rows = sql(db, query, *args)
    return rows[0][0] if rows else None


def store_code(db: str, address: str, code: str, *, kind: str = "code",
               age: int = 0) -> None:
    """Stores a code as otpbox fetch would (received age seconds ago)."""
    subprocess.run([TESTDB_TOOL, "add", db, address, kind, code, str(age)],
                   check=True)


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A new, empty otpbox database."""
    path = str(tmp_path / "otpbox.db")
    subprocess.run([TESTDB_TOOL, "create", path], check=True)
    return path


def otp_mail(rcpt: str, code: Optional[str], *,
             sender: str = "no-reply@service.example",
             subject: str = "Your verification code",
             headers: str = "", body: Optional[str] = None) -> bytes:
    """An OTP e-mail to rcpt as a catch-all mailbox receives it."""
    if body is None:
        body = (f"Hello,\r\n\r\nYour verification code is {code}. It "
                f"expires in 10 minutes.\r\n")
    return (
        f"{headers}"
        f"X-Original-To: {rcpt}\r\n"
        f"From: Example Service <{sender}>\r\n"
        f"To: {rcpt}\r\n"
        f"Subject: {subject}\r\n"
        f"Date: {formatdate(localtime=False)}\r\n"
        f"Message-ID: <py.{time.time_ns()}.{threading.get_ident()}"
        f"@service.example>\r\n"
        f"MIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}"
    ).encode()


class Dovecot:
    """The private test Dovecot of pytest.sh, reached as a client would."""

    def __init__(self) -> None:
        env = os.environ
        self.port = int(env["DOVECOT_PORT"])
        self.ca = env["DOVECOT_CA"]
        self.user = env["DOVECOT_USER"]
        self.password = Path(env["DOVECOT_PASSWORD_FILE"]).read_text().strip()
        self.conf = env["OTPBOX_TEST_CONF"]
        self._lock = threading.Lock()
        self._imap: Optional[imaplib.IMAP4_SSL] = None

    def _connect(self) -> imaplib.IMAP4_SSL:
        ctx = ssl.create_default_context(cafile=self.ca)
        m = imaplib.IMAP4_SSL("localhost", self.port, ssl_context=ctx)
        m.login(self.user, self.password)
        return m

    def append(self, *mails: bytes) -> float:
        """APPENDs mails to INBOX; returns when the last was confirmed."""
        with self._lock:
            if self._imap is None:
                self._imap = self._connect()
            for mail in mails:
                typ, data = self._imap.append("INBOX", None, None, mail)
                assert typ == "OK", data
            return time.time()

    def close(self) -> None:
        if self._imap is not None:
            self._imap.logout()


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    if "DOVECOT_PORT" not in os.environ:
        pytest.skip("no test Dovecot (run through python/tests/pytest.sh "
                    "as root)")
    d = Dovecot()
    yield d
    d.close()


@pytest.fixture(scope="session")
def fetched(dovecot: Dovecot, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[str]:
    """The database `otpbox fetch --watch` fills from the test Dovecot."""
    path = str(tmp_path_factory.mktemp("fetch") / "otpbox.db")
    log = open(path + ".log", "w")
    proc = subprocess.Popen([OTPBOX, "fetch", "-c", dovecot.conf, "--db",
                             path, "--watch"], stdout=log, stderr=log)
    try:
        for _ in range(300):
            if os.path.exists(path) and sql_one(
                    path, "SELECT count(*) FROM sqlite_master "
                    "WHERE name = 'waits'"):
                break
            assert proc.poll() is None, Path(path + ".log").read_text()
            time.sleep(0.05)
        else:
            pytest.fail("otpbox fetch --watch made no database")
        yield path
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()
