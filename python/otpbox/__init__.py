# SPDX-License-Identifier: MIT
"""otpbox: wait for the one-time code or link e-mailed to a bot.

`otpbox fetch` stores every OTP mail of a catch-all mailbox in a database;
this package hands the code for one address to the bot waiting for it,
through libotpbox (the same C calls `otpbox wait` and C bots use):

    import otpbox
    code = otpbox.wait_for_otp("bot1@yourdomain.com", timeout=120)

    otp = otpbox.wait("bot1@yourdomain.com", timeout=60, since=asked_at,
                      sender="example.com")
    print(otp.code, otp.subject, otp.received_at)

    otp = await otpbox.wait_async("bot2@yourdomain.com")   # asyncio

Threads may wait at once (each thread uses its own database handle; the
GIL is released while waiting). The database is found as `otpbox wait`
finds it ($OTPBOX_DB, the configuration file, the default location) unless
db= names it. The library is libotpbox.so.1, found by the dynamic linker,
where `make install` put it, or at $OTPBOX_LIBRARY.

A pytest plugin gives each test its own bot address: see
otpbox.pytest_plugin.
"""

from ._errors import (BadAddress, ConfigError, DatabaseError, ErrorCode,
                      InvalidArgument, LibraryError, NoDatabase,
                      OtpboxError, OtpTimeout, UnsupportedDatabase,
                      WaitCancelled)
from ._wait import (Canceller, Otp, close_thread_handles, library_version,
                    wait, wait_async, wait_for_otp)
from ._waiter import Waiter

__version__ = "0.2.0"

__all__ = [
    "wait_for_otp", "wait", "wait_async", "Waiter", "Otp", "Canceller",
    "library_version", "close_thread_handles", "OtpboxError", "OtpTimeout",
    "WaitCancelled", "DatabaseError", "NoDatabase", "ConfigError",
    "BadAddress", "InvalidArgument", "UnsupportedDatabase", "LibraryError",
    "ErrorCode", "__version__",
]
