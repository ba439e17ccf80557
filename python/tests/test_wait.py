# SPDX-License-Identifier: MIT
"""otpbox.wait() and friends on a real database (codes stored by the
build's testdb_tool as otpbox fetch stores them)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
import time

import pytest

import otpbox
from conftest import sql, sql_one, store_code


def test_versions() -> None:
    configure_ac = open(os.path.join(os.environ["OTPBOX_SRCDIR"],
                                     "configure.ac")).read()
    assert otpbox.library_version() == otpbox.__version__
    # the one version of the project: AC_INIT's numbers
    major, minor, micro = otpbox.__version__.split(".")
    for name, value in (("major", major), ("minor", minor),
                        ("micro", micro)):
        assert f"m4_define([otpbox_{name}], [{value}])" in configure_ac


def test_claims_once_with_its_message(db: str) -> None:
    store_code(db, "bot1@x.test", "123456", age=5)
    otp = otpbox.wait("BOT1@x.test", timeout=2, db=db, worker="py-test")
    assert (otp.value, otp.code, otp.link, otp.kind) == \
        ("123456", "123456", None, "code")
    assert str(otp) == "123456"
    assert otp.address == "bot1@x.test"
    assert otp.claimed_by == "py-test"
    assert isinstance(otp.received_at, dt.datetime)
    assert abs(otp.received_at.timestamp() - (time.time() - 5)) < 3
    assert otp.claimed_at is not None and otp.message_id > 0
    assert sql(db, "SELECT outcome, code_id, worker FROM waits WHERE id = ?",
               otp.wait_id) == [("claimed", otp.code_id, "py-test")]
    with pytest.raises(otpbox.OtpTimeout):
        otpbox.wait("bot1@x.test", timeout=0, db=db)


def test_seed_call_returns_none_on_timeout(db: str,
                                           monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    # The seed's call has no database argument: $OTPBOX_DB names it, as
    # for `otpbox wait`.
    monkeypatch.setenv("OTPBOX_DB", db)
    store_code(db, "bot2@x.test", "222222", age=1)
    assert otpbox.wait_for_otp("bot2@x.test", timeout=5) == "222222"
    t = time.monotonic()
    assert otpbox.wait_for_otp("bot2@x.test", timeout=0.3) is None
    assert 0.25 < time.monotonic() - t < 3


def test_timeout_carries_the_reason(db: str) -> None:
    store_code(db, "taken@x.test", "333333", age=2)
    store_code(db, "linkonly@x.test", "https://x.test/verify?t=1",
               kind="link", age=2)
    otpbox.wait("taken@x.test", timeout=0, db=db)
    cases = [("nothing@x.test", "no_message"), ("taken@x.test",
             "claimed_by_other"), ("linkonly@x.test", "no_code")]
    for address, reason in cases:
        with pytest.raises(otpbox.OtpTimeout) as e:
            otpbox.wait(address, timeout=0.2, db=db)
        assert e.value.reason == reason, address
        assert e.value.address == address
        assert reason in str(e.value) and address in str(e.value)
        assert sql_one(db, "SELECT reason FROM missed_otps WHERE "
                       "wait_id = ?", e.value.wait_id) == reason


def test_kind_link_and_peek(db: str) -> None:
    store_code(db, "l@x.test", "https://x.test/verify?t=2", kind="link")
    otp = otpbox.wait("l@x.test", kind="link", peek=True, timeout=1, db=db)
    assert otp.link == "https://x.test/verify?t=2" and otp.code is None
    assert otp.claimed_at is None
    assert sql_one(db, "SELECT outcome FROM waits WHERE id = ?",
                   otp.wait_id) == "peeked"
    assert otpbox.wait("l@x.test", kind="any", timeout=1, db=db).kind == \
        "link"


def test_since_skips_an_earlier_code(db: str) -> None:
    store_code(db, "s@x.test", "444444", age=60)
    with pytest.raises(otpbox.OtpTimeout):
        otpbox.wait("s@x.test", since=time.time() - 10, skew=0, timeout=0,
                    db=db)
    since = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=120)
    assert otpbox.wait("s@x.test", since=since, timeout=0, db=db).code == \
        "444444"


def test_errors_are_exceptions_with_the_library_message(tmp_path) -> None:
    missing = str(tmp_path / "none.db")
    with pytest.raises(otpbox.NoDatabase) as e:
        otpbox.wait("bot@x.test", timeout=1, db=missing)
    assert missing in e.value.message and "otpbox fetch" in e.value.message
    assert e.value.errcode == otpbox.ErrorCode.NO_DB
    with pytest.raises(otpbox.NoDatabase):
        otpbox.wait_for_otp("bot@x.test", timeout=1, db=missing)
    # A PostgreSQL URI reaches libpq; its failure never shows the password.
    with pytest.raises(otpbox.OtpboxError) as e:
        otpbox.wait("bot@x.test", timeout=0,
                    db="postgresql://u:s3cret@/otpbox?host=/nonexistent-dir")
    assert "s3cret" not in e.value.message and "***" in e.value.message
    not_db = tmp_path / "text.db"
    not_db.write_text("not a database\n" * 100)
    with pytest.raises(otpbox.DatabaseError):
        otpbox.wait("bot@x.test", timeout=0, db=str(not_db))


def test_postgres_url_in_environment(monkeypatch: pytest.MonkeyPatch
                                     ) -> None:
    monkeypatch.setenv("OTPBOX_DB",
                       "postgres://u:s3cret@/otpbox?host=/nonexistent-dir")
    with pytest.raises(otpbox.OtpboxError) as e:
        otpbox.wait_for_otp("bot@x.test", timeout=1)
    assert "cannot connect to postgres://u:***@" in str(e.value)
    assert "s3cret" not in str(e.value)


def test_bad_arguments(db: str) -> None:
    with pytest.raises(otpbox.BadAddress):
        otpbox.wait("not an address", timeout=0, db=db)
    with pytest.raises(ValueError):
        otpbox.wait("bot@x.test", kind="sms", db=db)
    with pytest.raises(ValueError):
        otpbox.wait("bot@x.test", timeout=-1, db=db)
    with pytest.raises(otpbox.InvalidArgument):
        otpbox.wait("bot@x.test", max_age=0, db=db)
    with pytest.raises(otpbox.InvalidArgument):
        otpbox.wait("bot@x.test", worker="w" * 128, db=db)
    assert sql_one(db, "SELECT count(*) FROM waits") == 0


def test_canceller_ends_a_wait(db: str) -> None:
    with otpbox.Canceller() as c:
        threading.Timer(0.2, c.cancel).start()
        t = time.monotonic()
        with pytest.raises(otpbox.WaitCancelled) as e:
            otpbox.wait("c@x.test", timeout=30, db=db, cancel=c)
        assert time.monotonic() - t < 5
    row = sql(db, "SELECT outcome, ended_at IS NOT NULL FROM waits "
              "WHERE id = ?", e.value.wait_id)
    assert row == [("cancelled", 1)]


def test_threads_wait_on_their_own_handles(db: str) -> None:
    n = 20
    got: dict[int, str] = {}

    def bot(i: int) -> None:
        got[i] = otpbox.wait(f"t{i}@x.test", timeout=30, db=db).code

    threads = [threading.Thread(target=bot, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 20
    while sql_one(db, "SELECT count(*) FROM active_waits") != n:
        assert time.monotonic() < deadline, "not all threads wait"
        time.sleep(0.02)
    for i in range(n):
        store_code(db, f"t{i}@x.test", f"{500000 + i}")
    for t in threads:
        t.join(30)
    assert got == {i: f"{500000 + i}" for i in range(n)}


def test_ctrl_c_ends_a_wait_in_the_main_thread(db: str) -> None:
    # A child process, so that its main thread is the one waiting. Python
    # leaves SIGINT ignored when it starts ignored (make check run in the
    # background): give it the usual handler.
    script = (
        "import os, signal, threading, otpbox\n"
        "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))"
        ".start()\n"
        f"otpbox.wait('k@x.test', timeout=60, db={db!r})\n")
    t = time.monotonic()
    p = subprocess.run([sys.executable, "-c", script], capture_output=True,
                       text=True, timeout=30)
    assert "KeyboardInterrupt" in p.stderr
    assert time.monotonic() - t < 20
    assert sql_one(db, "SELECT outcome FROM waits WHERE address = "
                   "'k@x.test'") == "cancelled"


def test_help_is_documentation() -> None:
    for fn in (otpbox.wait, otpbox.wait_for_otp, otpbox.wait_async,
               otpbox.Waiter, otpbox.Otp, otpbox.OtpTimeout):
        assert fn.__doc__ and len(fn.__doc__) > 60, fn
    assert "since" in otpbox.wait.__doc__ and "Raises" in \
        otpbox.wait.__doc__
    assert otpbox.wait.__annotations__["return"] in ("Otp", otpbox.Otp)
