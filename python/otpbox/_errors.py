# SPDX-License-Identifier: MIT
"""The exceptions of the otpbox package and libotpbox's error numbers."""

from __future__ import annotations

import enum
from typing import Optional

__all__ = ["ErrorCode", "OtpboxError", "OtpTimeout", "WaitCancelled",
           "DatabaseError", "NoDatabase", "ConfigError", "BadAddress",
           "InvalidArgument", "UnsupportedDatabase", "LibraryError", "error_for"]


class ErrorCode(enum.IntEnum):
    """enum otpbox_err of otpbox_err.h (the library's one error type)."""

    OK = 0
    NOMEM = 1
    IO = 2
    USAGE = 3
    CONFIG = 4
    NO_DB = 5
    NOT_OTPBOX_DB = 6
    SCHEMA_TOO_NEW = 7
    DB = 8
    BUSY = 9
    LOCKED = 10
    TIMEOUT = 11
    BAD_ADDRESS = 12
    NOT_FOUND = 13
    PARSE = 14
    TOO_BIG = 15
    PROTOCOL = 16
    NET = 17
    TLS = 18
    AUTH = 19
    TOKEN = 20
    INTERRUPTED = 21
    SECRET = 22


class OtpboxError(Exception):
    """An error from libotpbox, with its message.

    Attributes:
        message: the library's words (otpbox_errmsg or the open error).
        errcode: the ErrorCode (a plain int for a number this package does
            not know yet).
    """

    def __init__(self, message: str, errcode: "ErrorCode | int | None" = None):
        super().__init__(message)
        self.message = message
        self.errcode = errcode


class OtpTimeout(OtpboxError):
    """No code arrived before the time-out.

    Attributes:
        address: the address waited for.
        timeout: the time-out in seconds.
        reason: why, as the view missed_otps says right after the wait:
            "no_message" (nothing for the address came), "no_code" (a
            message came but no code of the wanted kind was found in it),
            "claimed_by_other" (another wait took it), "filtered" (one
            came but the sender, subject or authenticated filter refused
            it), "late" (it came after the wait ended); None when it
            could not be read.
        wait_id: the waits row that records this wait.
    """

    def __init__(self, message: str, *, address: str, timeout: float,
                 reason: Optional[str], wait_id: int):
        super().__init__(message, ErrorCode.TIMEOUT)
        self.address = address
        self.timeout = timeout
        self.reason = reason
        self.wait_id = wait_id

    def __str__(self) -> str:
        if self.reason:
            return f"{self.message} (reason: {self.reason})"
        return self.message


class WaitCancelled(OtpboxError):
    """The wait was ended through its Canceller before a code came.

    Attributes:
        wait_id: the waits row that records this wait.
    """

    def __init__(self, message: str, *, wait_id: int):
        super().__init__(message, ErrorCode.INTERRUPTED)
        self.wait_id = wait_id


class DatabaseError(OtpboxError):
    """The database could not be opened, read or written."""


class NoDatabase(DatabaseError):
    """The database file does not exist (otpbox fetch has not run yet, or
    the path is wrong)."""


class ConfigError(OtpboxError):
    """The configuration file that names the database is invalid."""


class BadAddress(OtpboxError, ValueError):
    """The address is not a usable local@domain e-mail address."""


class InvalidArgument(OtpboxError, ValueError):
    """The library refused an argument (a wait option out of range)."""


class UnsupportedDatabase(InvalidArgument):
    """Kept for programs written against 0.2: PostgreSQL URIs are now
    opened by libotpbox, and nothing raises this any more."""


class LibraryError(OtpboxError, OSError):
    """libotpbox.so.1 could not be loaded (or is older than 0.2)."""


_CLASSES = {
    ErrorCode.NO_DB: NoDatabase,
    ErrorCode.NOT_OTPBOX_DB: DatabaseError,
    ErrorCode.SCHEMA_TOO_NEW: DatabaseError,
    ErrorCode.DB: DatabaseError,
    ErrorCode.BUSY: DatabaseError,
    ErrorCode.IO: DatabaseError,
    ErrorCode.NET: DatabaseError,
    ErrorCode.CONFIG: ConfigError,
    ErrorCode.BAD_ADDRESS: BadAddress,
    ErrorCode.USAGE: InvalidArgument,
}


def error_for(errcode: int, message: str) -> OtpboxError:
    """The exception for a library error number and its message."""
    try:
        code: "ErrorCode | int" = ErrorCode(errcode)
    except ValueError:
        code = errcode
    cls = _CLASSES.get(code, OtpboxError)  # type: ignore[call-overload]
    return cls(message, code)
