# SPDX-License-Identifier: MIT
"""otpbox.wait_async(): many tasks at once, and cancellation that ends the
library's wait through its cancel_fd and is recorded in waits."""

from __future__ import annotations

import asyncio
import time

import pytest

import otpbox
from conftest import sql, sql_one, store_code


async def _until(db: str, query: str, want: object, limit: float = 20
                 ) -> None:
    deadline = time.monotonic() + limit
    while sql_one(db, query) != want:
        assert time.monotonic() < deadline, f"{query} never gave {want}"
        await asyncio.sleep(0.02)


def test_twenty_tasks_wait_at_once(db: str) -> None:
    n = 20

    async def main() -> list[str]:
        tasks = [asyncio.create_task(otpbox.wait_async(
            f"a{i}@x.test", timeout=30, db=db)) for i in range(n)]
        # The loop stays free while they wait: this coroutine runs.
        await _until(db, "SELECT count(*) FROM active_waits", n)
        ticks = 0
        for i in range(n):
            store_code(db, f"a{i}@x.test", f"{600000 + i}")
            await asyncio.sleep(0)
            ticks += 1
        got = await asyncio.gather(*tasks)
        assert ticks == n
        return [o.code for o in got]

    assert asyncio.run(main()) == [f"{600000 + i}" for i in range(n)]


def test_cancelling_the_task_ends_the_wait(db: str) -> None:
    async def main() -> float:
        task = asyncio.create_task(otpbox.wait_async("c@x.test", timeout=60,
                                                     db=db))
        await _until(db, "SELECT count(*) FROM active_waits", 1)
        t = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return time.monotonic() - t

    took = asyncio.run(main())
    assert took < 2
    # recorded as ended by the time CancelledError reached the caller
    assert sql(db, "SELECT outcome, ended_at IS NOT NULL FROM waits "
               "WHERE address = 'c@x.test'") == [("cancelled", 1)]
    assert sql_one(db, "SELECT count(*) FROM active_waits") == 0
    # and the code that comes later is still there for the next wait
    store_code(db, "c@x.test", "777777")
    assert otpbox.wait("c@x.test", timeout=5, db=db).code == "777777"


def test_wait_for_timeout_cancels(db: str) -> None:
    async def main() -> None:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(otpbox.wait_async("w@x.test", db=db), 0.3)

    asyncio.run(main())
    assert sql_one(db, "SELECT outcome FROM waits WHERE address = "
                   "'w@x.test'") == "cancelled"


def test_async_timeout_and_errors(db: str, tmp_path) -> None:
    async def main() -> None:
        with pytest.raises(otpbox.OtpTimeout) as e:
            await otpbox.wait_async("none@x.test", timeout=0.2, db=db)
        assert e.value.reason == "no_message"
        with pytest.raises(otpbox.NoDatabase):
            await otpbox.wait_async("x@x.test", db=str(tmp_path / "no.db"))
        with pytest.raises(TypeError):
            await otpbox.wait_async("x@x.test", cancel=None)

    asyncio.run(main())
