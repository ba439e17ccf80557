# SPDX-License-Identifier: MIT
"""Waiter: one bot address with its wait settings, for bots and tests."""

from __future__ import annotations

import time
from typing import Any, Optional

from ._wait import Otp, wait, wait_async, wait_for_otp

__all__ = ["Waiter"]


class Waiter:
    """A bot address bound to its wait settings.

        w = otpbox.Waiter("bot7@yourdomain.com", db="/var/lib/otpbox/otpbox.db")
        w.mark()                 # just before the site sends the mail
        site.request_code(w.address)
        otp = w.wait(timeout=60) # only codes sent after mark()

    Attributes:
        address: the bot's address.
        defaults: keyword arguments of wait() used by every call (a call's
            own keyword arguments win).
    """

    def __init__(self, address: str, **defaults: Any) -> None:
        self.address = address
        self.defaults = defaults

    def mark(self, since: Optional[float] = None) -> None:
        """Makes later waits take only codes received from now (or since,
        Unix seconds) on: call it right before triggering the e-mail."""
        self.defaults["since"] = time.time() if since is None else since

    def _args(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        return {**self.defaults, **kwargs}

    def wait(self, **kwargs: Any) -> Otp:
        """otpbox.wait() for this address; see help(otpbox.wait)."""
        return wait(self.address, **self._args(kwargs))

    def wait_for_otp(self, timeout: Optional[float] = 120,
                     **kwargs: Any) -> Optional[str]:
        """otpbox.wait_for_otp() for this address: the code or None."""
        return wait_for_otp(self.address, timeout, **self._args(kwargs))

    async def wait_async(self, **kwargs: Any) -> Otp:
        """otpbox.wait_async() for this address."""
        return await wait_async(self.address, **self._args(kwargs))

    def __repr__(self) -> str:
        return f"Waiter({self.address!r})"
