# SPDX-License-Identifier: MIT
"""pytest plugin: each test gets a fresh bot address and a waiter for it.

Loaded automatically when otpbox is installed with pip (entry point
pytest11), or with `pytest -p otpbox.pytest_plugin`. Settings, on the
command line or in the ini file ([pytest] / [tool.pytest.ini_options]):

    --otpbox-domain / otpbox_domain   the catch-all domain (required by the
                                      fixtures), e.g. yourdomain.com
    --otpbox-prefix / otpbox_prefix   the local part's start (default "bot",
                                      so mail-flow rules on "bot" match)
    --otpbox-db     / otpbox_db       the database (default: as `otpbox
                                      wait` finds it)
    --otpbox-timeout / otpbox_timeout the waiter's time-out in seconds
                                      (default 120)

Fixtures:
    otpbox_address  a new address for this test, unique across tests, runs
                    and pytest-xdist workers: PREFIX-WORKER-RUN-N@DOMAIN
                    (WORKER is xdist's worker id, "gw0", or "main").
    otpbox_waiter   an otpbox.Waiter bound to otpbox_address, the database
                    and the time-out, taking only codes received after the
                    test started:

        def test_signup(page, otpbox_waiter):
            page.fill("#email", otpbox_waiter.address)
            page.click("text=Send code")
            page.fill("#code", otpbox_waiter.wait().code)
"""

from __future__ import annotations

import itertools
import os
import secrets
import threading
import time
from typing import Any, Iterator, Optional

import pytest

from ._waiter import Waiter

_counter = itertools.count(1)
_counter_lock = threading.Lock()
_RUN = secrets.token_hex(3)  # tells this run's addresses from others'


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("otpbox", "otpbox: bot addresses and OTP waits")
    opts = [
        ("domain", "the catch-all domain of the bot addresses", None),
        ("prefix", "start of each bot address's local part", "bot"),
        ("db", "otpbox database (default: found as `otpbox wait` does)",
         None),
        ("timeout", "seconds otpbox_waiter waits for a code", "120"),
    ]
    for name, help_, default in opts:
        group.addoption(f"--otpbox-{name}", dest=f"otpbox_{name}",
                        default=None, help=help_)
        parser.addini(f"otpbox_{name}", help_, default=default)


def _setting(config: pytest.Config, name: str) -> Optional[str]:
    value = config.getoption(f"otpbox_{name}")
    if value is None:
        value = config.getini(f"otpbox_{name}") or None
    return value


def _worker_id(config: pytest.Config) -> str:
    """pytest-xdist's worker id ("gw0", ...), or "main" without xdist."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput:
        return str(workerinput.get("workerid", "main"))
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def make_address(config: pytest.Config) -> str:
    """A new bot address from the plugin's settings (see the fixtures)."""
    domain = _setting(config, "domain")
    if not domain:
        raise pytest.UsageError(
            "otpbox: set the bot domain with --otpbox-domain=DOMAIN or "
            "otpbox_domain in the ini file")
    with _counter_lock:
        n = next(_counter)
    prefix = _setting(config, "prefix") or "bot"
    return f"{prefix}-{_worker_id(config)}-{_RUN}-{n}@{domain}".lower()


@pytest.fixture
def otpbox_address(request: pytest.FixtureRequest) -> str:
    """A fresh bot address for this test (see the module's help)."""
    return make_address(request.config)


@pytest.fixture
def otpbox_waiter(request: pytest.FixtureRequest,
                  otpbox_address: str) -> Iterator[Waiter]:
    """An otpbox.Waiter for otpbox_address (see the module's help)."""
    config = request.config
    defaults: dict[str, Any] = {
        "timeout": float(_setting(config, "timeout") or 120),
        "since": time.time(),
    }
    db = _setting(config, "db")
    if db:
        defaults["db"] = db
    yield Waiter(otpbox_address, **defaults)
