# SPDX-License-Identifier: MIT
"""The whole path with real parts: mail APPENDed to the test Dovecot,
`otpbox fetch --watch` storing it, Python bots waiting through libotpbox."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Optional

import pytest

import otpbox
from conftest import Dovecot, otp_mail, sql, sql_one


def _wait_active(db: str, address_like: str, n: int) -> None:
    deadline = time.monotonic() + 20
    while sql_one(db, "SELECT count(*) FROM active_waits WHERE address "
                  "LIKE ?", address_like) != n:
        assert time.monotonic() < deadline, "the waits did not start"
        time.sleep(0.02)


def test_seed_call(dovecot: Dovecot, fetched: str, otpbox_address: str,
                   monkeypatch: pytest.MonkeyPatch) -> None:
    # As the seed's guide calls it, the database found through $OTPBOX_DB.
    monkeypatch.setenv("OTPBOX_DB", fetched)
    got: list[Optional[str]] = []
    bot = threading.Thread(target=lambda: got.append(
        otpbox.wait_for_otp(otpbox_address, timeout=30)))
    bot.start()
    _wait_active(fetched, otpbox_address, 1)
    dovecot.append(otp_mail(otpbox_address, "314159"))
    bot.join(40)
    assert got == ["314159"]


def test_waiter_gets_the_message(dovecot: Dovecot, fetched: str,
                                 otpbox_waiter: otpbox.Waiter) -> None:
    otpbox_waiter.defaults["db"] = fetched
    appended = dovecot.append(otp_mail(otpbox_waiter.address, "271828",
                                       subject="Your Example sign-in code"))
    otp = otpbox_waiter.wait(timeout=30)
    assert otp.code == "271828"
    assert otp.subject == "Your Example sign-in code"
    assert "no-reply@service.example" in (otp.sender or "")
    assert otp.account == "test" and otp.folder == "INBOX" and otp.uid > 0
    assert abs(otp.received_at.timestamp() - appended) < 5
    assert sql_one(fetched, "SELECT outcome FROM waits WHERE id = ?",
                   otp.wait_id) == "claimed"


def test_timeout_reason_no_code(dovecot: Dovecot, fetched: str,
                                otpbox_address: str) -> None:
    dovecot.append(otp_mail(otpbox_address, None,
                            body="Welcome aboard! Nothing to type.\r\n"))
    deadline = time.monotonic() + 20
    while not sql_one(fetched, "SELECT count(*) FROM recipients WHERE "
                      "address = ?", otpbox_address):
        assert time.monotonic() < deadline, "the mail was not fetched"
        time.sleep(0.05)
    with pytest.raises(otpbox.OtpTimeout) as e:
        otpbox.wait(otpbox_address, timeout=0.5, db=fetched)
    assert e.value.reason == "no_code"


def test_old_code_not_taken_with_since(dovecot: Dovecot, fetched: str,
                                       otpbox_address: str) -> None:
    dovecot.append(otp_mail(otpbox_address, "111000"))
    otpbox.wait(otpbox_address, timeout=30, db=fetched, peek=True)
    time.sleep(3.2)  # beyond the default skew
    asked = time.time()
    got: list[str] = []
    bot = threading.Thread(target=lambda: got.append(otpbox.wait(
        otpbox_address, timeout=30, since=asked, db=fetched).code))
    bot.start()
    _wait_active(fetched, otpbox_address, 1)
    dovecot.append(otp_mail(otpbox_address, "222000"))
    bot.join(40)
    assert got == ["222000"]


def test_twenty_threads(dovecot: Dovecot, fetched: str,
                        otpbox_address: str) -> None:
    n = 20
    local, domain = otpbox_address.split("@")
    addrs = [f"{local}-t{i}@{domain}" for i in range(n)]
    got: dict[str, Optional[str]] = {}

    def bot(a: str) -> None:
        got[a] = otpbox.wait_for_otp(a, timeout=60, db=fetched)

    threads = [threading.Thread(target=bot, args=(a,)) for a in addrs]
    for t in threads:
        t.start()
    _wait_active(fetched, f"{local}-t%", n)
    # decoys for other addresses between the bots' mails
    mails = []
    for i, a in enumerate(addrs):
        mails.append(otp_mail(f"other-{local}-{i}@{domain}", f"{900000 + i}"))
        mails.append(otp_mail(a, f"{400000 + i}"))
    dovecot.append(*mails)
    for t in threads:
        t.join(60)
    assert got == {a: f"{400000 + i}" for i, a in enumerate(addrs)}
    assert sql_one(fetched, "SELECT count(*) FROM codes WHERE address LIKE "
                   "'other-%' AND claimed_at IS NOT NULL") == 0


def test_twenty_tasks_and_a_cancel(dovecot: Dovecot, fetched: str,
                                   otpbox_address: str) -> None:
    n = 20
    local, domain = otpbox_address.split("@")
    addrs = [f"{local}-a{i}@{domain}" for i in range(n)]
    gone = f"{local}-gone@{domain}"

    async def main() -> list[str]:
        tasks = [asyncio.create_task(otpbox.wait_async(
            a, timeout=60, db=fetched)) for a in addrs]
        cancelled = asyncio.create_task(otpbox.wait_async(
            gone, timeout=60, db=fetched))
        deadline = time.monotonic() + 20
        while sql_one(fetched, "SELECT count(*) FROM active_waits WHERE "
                      "address LIKE ?", f"{local}-%") != n + 1:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.02)
        cancelled.cancel()
        with pytest.raises(asyncio.CancelledError):
            await cancelled
        await asyncio.get_running_loop().run_in_executor(
            None, dovecot.append,
            *[otp_mail(a, f"{700000 + i}") for i, a in enumerate(addrs)])
        return [o.code for o in await asyncio.gather(*tasks)]

    assert asyncio.run(main()) == [f"{700000 + i}" for i in range(n)]
    assert sql(fetched, "SELECT outcome, ended_at IS NOT NULL FROM waits "
               "WHERE address = ?", gone) == [("cancelled", 1)]


# Authentication-Results as Exchange Online stamps them (topmost header).
BANK_PASS = ("spf=pass (sender IP is 192.0.2.10) smtp.mailfrom=bank.example;"
             " dkim=pass (signature was verified) header.d=bank.example;"
             "dmarc=pass action=none header.from=bank.example;"
             "compauth=pass reason=100")
BANK_FAIL = ("spf=fail (sender IP is 203.0.113.9) smtp.mailfrom=bank.example;"
             " dkim=none (message not signed) header.d=none;dmarc=fail "
             "action=oreject header.from=bank.example;compauth=fail "
             "reason=000")
EVIL_PASS = ("spf=pass (sender IP is 198.51.100.7) smtp.mailfrom=evil.example;"
             " dkim=pass (signature was verified) header.d=evil.example;"
             "dmarc=pass action=none header.from=evil.example;"
             "compauth=pass reason=100")


def test_filters(dovecot: Dovecot, fetched: str, otpbox_address: str
                 ) -> None:
    a = otpbox_address
    since = time.time() - 1
    dovecot.append(
        otp_mail(a, "111111", sender="no-reply@bank.example",
                 subject="Bank sign-in code",
                 headers=f"Authentication-Results: {BANK_PASS}\r\n"),
        otp_mail(a, "222222", sender="no-reply@evil.example",
                 subject="Bank sign-in code",
                 headers=f"Authentication-Results: {EVIL_PASS}\r\n"),
        otp_mail(a, "333333", sender="no-reply@bank.example",
                 headers=f"Authentication-Results: {BANK_FAIL}\r\n"))
    deadline = time.monotonic() + 20
    while sql_one(fetched, "SELECT count(*) FROM codes WHERE address = ?",
                  a) != 3:
        assert time.monotonic() < deadline, "the mails were not fetched"
        time.sleep(0.05)

    def peek(**filters: object) -> str:
        return otpbox.wait(a, timeout=5, since=since, db=fetched, peek=True,
                           **filters).code

    assert peek() == "333333"  # the newest
    assert peek(sender="bank.example") == "333333"  # From alone is forgeable
    assert peek(sender="bank.example", authenticated=True) == "111111"
    assert peek(subject="SIGN-IN") == "222222"
    assert peek(authenticated=True) == "222222"
    assert peek(sender=["nobody.example", "*@bank.example"],
                subject="sign-in", authenticated=True) == "111111"
    with pytest.raises(otpbox.OtpTimeout) as e:
        otpbox.wait(a, timeout=0.3, since=since, db=fetched,
                    sender="nobody.example")
    assert e.value.reason == "filtered"
    otp = otpbox.wait(a, timeout=5, since=since, db=fetched,
                      sender="bank.example", authenticated=True)
    assert (otp.code, otp.sender_address, otp.sender_domain,
            otp.authenticated) == ("111111", "no-reply@bank.example",
                                   "bank.example", True)
    # the seed's call takes the same filters
    assert otpbox.wait_for_otp(a, timeout=5, since=since, db=fetched,
                               sender="evil.example") == "222222"
    assert otpbox.wait_for_otp(a, timeout=0.3, since=since, db=fetched,
                               sender="bank.example",
                               authenticated=True) is None
