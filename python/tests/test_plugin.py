# SPDX-License-Identifier: MIT
"""The pytest plugin, run in inner pytest sessions (pytester)."""

from __future__ import annotations

import json
import re
import time

import pytest

INNER = """
import json, os, time
import otpbox

def _record(waiter, name):
    with open(os.environ["OTPBOX_PLUGIN_OUT"], "a") as f:
        f.write(json.dumps({"test": name, "address": waiter.address,
                            "defaults": {k: v for k, v in
                                         waiter.defaults.items()}}) + "\\n")

def test_one(otpbox_waiter, otpbox_address):
    assert otpbox_waiter.address == otpbox_address
    assert isinstance(otpbox_waiter, otpbox.Waiter)
    _record(otpbox_waiter, "one")

def test_two(otpbox_waiter):
    _record(otpbox_waiter, "two")

def test_three(otpbox_waiter):
    _record(otpbox_waiter, "three")

def test_four(otpbox_waiter):
    _record(otpbox_waiter, "four")
"""


def _run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
         *args: str) -> tuple[pytest.RunResult, list[dict]]:
    out = pytester.path / "out.jsonl"
    monkeypatch.setenv("OTPBOX_PLUGIN_OUT", str(out))
    pytester.makepyfile(test_inner=INNER)
    res = pytester.runpytest_subprocess("-p", "otpbox.pytest_plugin",
                                        "-p", "no:cacheprovider", *args)
    rows = [json.loads(line) for line in out.read_text().splitlines()] \
        if out.exists() else []
    return res, rows


def test_each_test_gets_a_fresh_address(pytester: pytest.Pytester,
                                        monkeypatch: pytest.MonkeyPatch
                                        ) -> None:
    pytester.makeini("[pytest]\notpbox_timeout = 45\n"
                     "otpbox_prefix = Vize\n")
    before = time.time()
    res, rows = _run(pytester, monkeypatch, "--otpbox-domain=Bots.Example",
                     "--otpbox-db=/var/lib/otpbox/x.db")
    res.assert_outcomes(passed=4)
    addrs = [r["address"] for r in rows]
    assert len(set(addrs)) == 4
    for r in rows:
        assert re.fullmatch(r"vize-main-[0-9a-f]{6}-\d+@bots\.example",
                            r["address"]), r
        assert r["defaults"]["timeout"] == 45
        assert r["defaults"]["db"] == "/var/lib/otpbox/x.db"
        assert before - 1 <= r["defaults"]["since"] <= time.time()


def test_xdist_workers_get_their_own_addresses(pytester: pytest.Pytester,
                                               monkeypatch: pytest.MonkeyPatch
                                               ) -> None:
    pytest.importorskip("xdist", reason="python3-pytest-xdist (.ci/deps.txt)")
    res, rows = _run(pytester, monkeypatch, "--otpbox-domain=bots.test",
                     "-n", "2")
    res.assert_outcomes(passed=4)
    workers = {re.match(r"bot-(gw\d+)-", r["address"]).group(1)
               for r in rows}
    assert workers == {"gw0", "gw1"}
    assert len({r["address"] for r in rows}) == 4


def test_missing_domain_is_a_usage_error(pytester: pytest.Pytester,
                                         monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    res, rows = _run(pytester, monkeypatch)
    assert rows == []
    res.assert_outcomes(errors=4)
    res.stdout.fnmatch_lines(["*--otpbox-domain*"])
