# SPDX-License-Identifier: MIT
"""The ctypes declarations of libotpbox (otpbox.h), loaded once.

Nothing here waits or claims by itself: every wait is libotpbox's own
otpbox_wait(), the same code C bots and `otpbox wait` run. ctypes releases
the GIL for the length of each foreign call, so threads wait side by side.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading
from ctypes import (POINTER, c_char_p, c_int, c_int64, c_size_t, c_void_p)
from typing import Optional

__all__ = ["lib", "CodeStruct", "LIBRARY_SONAME", "LIBRARY_ENV",
           "library_path"]

#: The shared library this package is written against (its ABI).
LIBRARY_SONAME = "libotpbox.so.1"
#: Environment variable naming the library file to load instead (tests,
#: a build tree's .libs/libotpbox.so.1, an unusual install).
LIBRARY_ENV = "OTPBOX_LIBRARY"


class CodeStruct(ctypes.Structure):
    """struct otpbox_code; the library only ever adds fields at its end,
    so declaring the fields of 0.2 is safe against any later 0.x/1.x."""

    _fields_ = [
        ("code", c_char_p),
        ("kind", c_char_p),
        ("address", c_char_p),
        ("received_at", c_int64),
        ("fetched_at", c_int64),
        ("claimed_at", c_int64),
        ("claimed_by", c_char_p),
        ("subject", c_char_p),
        ("sender", c_char_p),
        ("account", c_char_p),
        ("folder", c_char_p),
        ("uid", c_int64),
        ("code_id", c_int64),
        ("message_id", c_int64),
        ("wait_id", c_int64),
        # since 0.2
        ("sender_address", c_char_p),
        ("sender_domain", c_char_p),
        ("authenticated", c_int),
    ]


def _candidates() -> list[str]:
    """Where to look for libotpbox, in order."""
    found = []
    env = os.environ.get(LIBRARY_ENV)
    if env:
        return [env]
    found.append(LIBRARY_SONAME)  # the dynamic linker's own search
    try:
        from . import _build  # written by `make install`
        found.append(os.path.join(_build.LIBDIR, LIBRARY_SONAME))
    except ImportError:
        pass
    name = ctypes.util.find_library("otpbox")
    if name and name != LIBRARY_SONAME:
        found.append(name)
    return found


_lock = threading.Lock()
_lib: Optional[ctypes.CDLL] = None
_path: Optional[str] = None


def _declare(dll: ctypes.CDLL) -> None:
    """Argument and result types of every call used (see otpbox.h)."""
    box_p = c_void_p
    opts_p = c_void_p
    sigs = {
        "otpbox_version": (c_char_p, []),
        "otpbox_strerror": (c_char_p, [c_int]),
        "otpbox_open": (c_int, [c_char_p, POINTER(box_p), c_char_p,
                                c_size_t]),
        "otpbox_close": (None, [box_p]),
        "otpbox_errmsg": (c_char_p, [box_p]),
        "otpbox_address_check": (c_int, [c_char_p]),
        "otpbox_wait_opts_new": (c_int, [POINTER(opts_p)]),
        "otpbox_wait_opts_free": (None, [opts_p]),
        "otpbox_wait_opts_set_since": (c_int, [opts_p, c_int64]),
        "otpbox_wait_opts_set_max_age": (c_int, [opts_p, c_int]),
        "otpbox_wait_opts_set_skew": (c_int, [opts_p, c_int]),
        "otpbox_wait_opts_set_timeout_ms": (c_int, [opts_p, c_int]),
        "otpbox_wait_opts_set_want": (c_int, [opts_p, c_int]),
        "otpbox_wait_opts_set_peek": (c_int, [opts_p, c_int]),
        "otpbox_wait_opts_set_worker": (c_int, [opts_p, c_char_p]),
        "otpbox_wait_opts_set_cancel_fd": (c_int, [opts_p, c_int]),
        "otpbox_wait_opts_add_from": (c_int, [opts_p, c_char_p]),
        "otpbox_wait_opts_set_subject": (c_int, [opts_p, c_char_p]),
        "otpbox_wait_opts_set_authenticated": (c_int, [opts_p, c_int]),
        "otpbox_wait": (c_int, [box_p, c_char_p, opts_p,
                                POINTER(POINTER(CodeStruct))]),
        "otpbox_code_free": (None, [POINTER(CodeStruct)]),
        "otpbox_last_wait_id": (c_int64, [box_p]),
        "otpbox_last_miss_reason": (c_char_p, [box_p]),
    }
    for name, (res, args) in sigs.items():
        fn = getattr(dll, name)
        fn.restype = res
        fn.argtypes = args


def lib() -> ctypes.CDLL:
    """The loaded libotpbox (loaded on first use).

    Raises OSError naming every place tried when none loads, or when the
    library found is older than 0.2 (no otpbox_version()).
    """
    global _lib, _path
    with _lock:
        if _lib is not None:
            return _lib
        errors = []
        for cand in _candidates():
            try:
                dll = ctypes.CDLL(cand)
                _declare(dll)
            except (OSError, AttributeError) as e:
                errors.append(f"{cand}: {e}")
                continue
            _lib, _path = dll, cand
            return dll
        raise OSError(
            "cannot load libotpbox (" + "; ".join(errors) + "); install "
            "otpbox (make install, then ldconfig) or set "
            f"{LIBRARY_ENV} to the path of {LIBRARY_SONAME}")


def library_path() -> Optional[str]:
    """The name or path libotpbox was loaded from (None before loading)."""
    return _path
