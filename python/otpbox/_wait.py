# SPDX-License-Identifier: MIT
"""wait(), wait_for_otp() and wait_async(): thin calls of libotpbox's
otpbox_wait(), one database handle per thread."""

from __future__ import annotations

import asyncio
import ctypes
import datetime as _dt
import os
import signal
import threading
import time
from dataclasses import dataclass
from typing import Any, Iterable, Optional, Union

from . import _lib
from ._errors import (ErrorCode, LibraryError, OtpTimeout, OtpboxError,
                      WaitCancelled, error_for)

__all__ = ["Otp", "Canceller", "wait", "wait_for_otp", "wait_async",
           "library_version", "close_thread_handles"]

#: The longest time-out the library takes (its int of milliseconds).
_MAX_TIMEOUT_MS = 2**31 - 1
_KINDS = {"code": 0, "link": 1, "any": 2}

Since = Union[None, float, int, _dt.datetime]
Senders = Union[None, str, Iterable[str]]


def _utc(ts: int) -> Optional[_dt.datetime]:
    return _dt.datetime.fromtimestamp(ts, _dt.timezone.utc) if ts else None


def _text(b: Optional[bytes]) -> Optional[str]:
    return None if b is None else b.decode("utf-8", "replace")


@dataclass(frozen=True)
class Otp:
    """A code (or link) handed out, with the message it came from.

    str(otp) is the code or the link itself.

    Attributes:
        value: the code, or the URL when kind is "link".
        kind: "code" or "link".
        address: the bot address it was sent to (lower-cased).
        received_at: when the mail server received the message (UTC).
        fetched_at: when otpbox fetch stored it (UTC).
        claimed_at: when this wait claimed it; None for a peek.
        claimed_by: the worker name recorded with the claim.
        subject: the message's decoded Subject.
        sender: the message's From as written.
        sender_address: the From address (lower-cased), None if none.
        sender_domain: the domain of sender_address.
        authenticated: True when the receiving server's
            Authentication-Results vouched for the sender.
        account, folder, uid: where the message is on the IMAP server.
        code_id, message_id: rows of the codes and messages tables.
        wait_id: the waits row that records this wait.
    """

    value: str
    kind: str
    address: str
    received_at: Optional[_dt.datetime]
    fetched_at: Optional[_dt.datetime]
    claimed_at: Optional[_dt.datetime]
    claimed_by: Optional[str]
    subject: Optional[str]
    sender: Optional[str]
    sender_address: Optional[str]
    sender_domain: Optional[str]
    authenticated: bool
    account: Optional[str]
    folder: Optional[str]
    uid: int
    code_id: int
    message_id: int
    wait_id: int

    @property
    def code(self) -> Optional[str]:
        """The code, or None when this is a link."""
        return self.value if self.kind == "code" else None

    @property
    def link(self) -> Optional[str]:
        """The link, or None when this is a code."""
        return self.value if self.kind == "link" else None

    def __str__(self) -> str:
        return self.value

    @classmethod
    def _from_c(cls, c: _lib.CodeStruct) -> "Otp":
        return cls(
            value=_text(c.code) or "", kind=_text(c.kind) or "",
            address=_text(c.address) or "",
            received_at=_utc(c.received_at), fetched_at=_utc(c.fetched_at),
            claimed_at=_utc(c.claimed_at), claimed_by=_text(c.claimed_by),
            subject=_text(c.subject), sender=_text(c.sender),
            sender_address=_text(c.sender_address),
            sender_domain=_text(c.sender_domain),
            authenticated=bool(c.authenticated), account=_text(c.account),
            folder=_text(c.folder), uid=c.uid, code_id=c.code_id,
            message_id=c.message_id, wait_id=c.wait_id)


class Canceller:
    """Ends a wait early, from any thread (or a signal handler).

    Pass it as wait(..., cancel=c); c.cancel() makes that wait raise
    WaitCancelled within milliseconds, recorded in the waits table. It is a
    pipe that libotpbox watches (the options' cancel_fd). One Canceller
    may serve one wait at a time; close() it (or use `with`) when done.
    """

    def __init__(self) -> None:
        self._r, self._w = os.pipe()
        os.set_blocking(self._w, False)
        self._lock = threading.Lock()
        self._cancelled = False
        self._closed = False

    def cancel(self) -> None:
        """Ends the wait (now or as soon as it starts); idempotent."""
        with self._lock:
            if self._closed or self._cancelled:
                return
            self._cancelled = True
            try:
                os.write(self._w, b"x")
            except BlockingIOError:
                pass

    @property
    def cancelled(self) -> bool:
        """True once cancel() was called."""
        return self._cancelled

    def fileno(self) -> int:
        """The descriptor that becomes readable on cancel()."""
        return self._r

    def close(self) -> None:
        """Closes the pipe; cancel() then does nothing."""
        with self._lock:
            if not self._closed:
                self._closed = True
                os.close(self._r)
                os.close(self._w)

    def __enter__(self) -> "Canceller":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class _Handle:
    """One otpbox_open() connection, used by one thread only."""

    def __init__(self, db: Optional[str]) -> None:
        L = _load()
        box = ctypes.c_void_p()
        err = ctypes.create_string_buffer(1024)
        rc = L.otpbox_open(_path_arg(db), ctypes.byref(box), err,
                           len(err))
        if rc:
            raise error_for(rc, _text(err.value) or _strerror(rc))
        self.box = box
        self.pid = os.getpid()

    def close(self) -> None:
        # Never in a forked child: the connection belongs to the parent.
        if self.box and self.pid == os.getpid():
            _load().otpbox_close(self.box)
        self.box = None

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass


_local = threading.local()


def _load() -> ctypes.CDLL:
    try:
        return _lib.lib()
    except OSError as e:
        raise LibraryError(str(e)) from None


def _strerror(rc: int) -> str:
    return _text(_load().otpbox_strerror(rc)) or f"error {rc}"


def _path_arg(db: Optional[str]) -> Optional[bytes]:
    if db is None:
        return None
    return os.fsencode(db)


def _check_db(db: Optional[os.PathLike[str] | str]) -> Optional[str]:
    """The database argument as a string: an SQLite path, or a PostgreSQL
    URI or conninfo, which libotpbox opens as it is."""
    if db is None:
        return None
    return os.fspath(db)


def _handle(db: Optional[str]) -> _Handle:
    """This thread's open handle for db (opened on first use)."""
    handles = getattr(_local, "handles", None)
    if handles is None or getattr(_local, "pid", None) != os.getpid():
        handles = _local.handles = {}
        _local.pid = os.getpid()
    key = (db, os.environ.get("OTPBOX_DB"), os.environ.get("OTPBOX_CONFIG"))
    h = handles.get(key)
    if h is None:
        h = handles[key] = _Handle(db)
    return h


def _drop_handle(h: _Handle) -> None:
    handles = getattr(_local, "handles", {})
    for k, v in list(handles.items()):
        if v is h:
            del handles[k]
    h.close()


def close_thread_handles() -> None:
    """Closes the database handles the calling thread has opened.

    Handles also close when their thread ends; a long-lived thread that
    has finished waiting may call this to give its connection back now.
    """
    for h in list(getattr(_local, "handles", {}).values()):
        _drop_handle(h)


def library_version() -> str:
    """The version of the libotpbox loaded (otpbox_version())."""
    return _text(_load().otpbox_version()) or ""


def _since_seconds(since: Since) -> int:
    if since is None:
        return 0
    if isinstance(since, _dt.datetime):
        return int(since.timestamp())
    return int(since)


class _Opts:
    """An otpbox_wait_opts built from keyword arguments."""

    def __init__(self) -> None:
        self.L = _load()
        self.ptr = ctypes.c_void_p()
        rc = self.L.otpbox_wait_opts_new(ctypes.byref(self.ptr))
        if rc:
            raise error_for(rc, _strerror(rc))

    def set(self, what: str, name: str, arg: Any) -> None:
        rc = getattr(self.L, "otpbox_wait_opts_" + name)(self.ptr, arg)
        if rc == ErrorCode.USAGE:
            shown = arg.decode("utf-8", "replace") \
                if isinstance(arg, bytes) else arg
            raise error_for(rc, f"bad {what}: {shown!r}")
        if rc:
            raise error_for(rc, _strerror(rc))

    def free(self) -> None:
        self.L.otpbox_wait_opts_free(self.ptr)
        self.ptr = ctypes.c_void_p()


def _make_opts(*, timeout: Optional[float], since: Since, sender: Senders,
               subject: Optional[str], authenticated: bool, kind: str,
               peek: bool, max_age: Optional[float], skew: Optional[float],
               worker: Optional[str]) -> _Opts:
    if kind not in _KINDS:
        raise ValueError(f"kind must be 'code', 'link' or 'any', not {kind!r}")
    o = _Opts()
    try:
        if timeout is None:
            ms = _MAX_TIMEOUT_MS
        else:
            if timeout < 0:
                raise ValueError(f"timeout must be >= 0, not {timeout!r}")
            ms = min(_MAX_TIMEOUT_MS, int(round(timeout * 1000)))
        o.set("timeout", "set_timeout_ms", ms)
        o.set("since", "set_since", _since_seconds(since))
        if max_age is not None:
            o.set("max_age", "set_max_age", int(max_age))
        if skew is not None:
            o.set("skew", "set_skew", int(skew))
        o.set("kind", "set_want", _KINDS[kind])
        o.set("peek", "set_peek", 1 if peek else 0)
        if worker is None:  # a long thread name is cut; a given name not
            worker = f"pid {os.getpid()} {threading.current_thread().name}"
            worker = worker.encode("utf-8")[:127].decode("utf-8", "ignore")
        o.set("worker", "set_worker", worker.encode("utf-8"))
        if isinstance(sender, str):
            sender = [sender]
        for s in sender or ():
            o.set("sender", "add_from", s.encode("utf-8"))
        if subject:
            o.set("subject", "set_subject", subject.encode("utf-8"))
        o.set("authenticated", "set_authenticated", 1 if authenticated else 0)
    except BaseException:
        o.free()
        raise
    return o


class _SignalWake:
    """In the main thread, lets a signal (Ctrl-C) end a wait: Python's
    C-level handler writes to the wakeup fd, libotpbox sees it readable
    as its cancel_fd and returns, and the Python handler then runs."""

    def __init__(self) -> None:
        self.fd = -1
        self._w = -1
        if threading.current_thread() is not threading.main_thread():
            return
        r, w = os.pipe()
        os.set_blocking(r, False)
        os.set_blocking(w, False)
        try:
            old = signal.set_wakeup_fd(w, warn_on_full_buffer=False)
        except ValueError:
            os.close(r)
            os.close(w)
            return
        if old != -1:  # someone (an event loop) has it: leave it alone
            signal.set_wakeup_fd(old)
            os.close(r)
            os.close(w)
            return
        self.fd, self._w = r, w

    def drain(self) -> None:
        try:
            while os.read(self.fd, 512):
                pass
        except (BlockingIOError, OSError):
            pass

    def close(self) -> None:
        if self.fd >= 0:
            signal.set_wakeup_fd(-1)
            os.close(self.fd)
            os.close(self._w)
            self.fd = -1


def _run(h: _Handle, address: str, opts: _Opts, timeout: Optional[float],
         cancel: Optional[Canceller]) -> Otp:
    """otpbox_wait() on h; raises the matching exception."""
    L = _load()
    out = ctypes.POINTER(_lib.CodeStruct)()
    addr = address.encode("utf-8")
    wake = _SignalWake() if cancel is None else None
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        opts.set("cancel_fd", "set_cancel_fd",
                 cancel.fileno() if cancel else wake.fd)  # type: ignore
        if wake is not None and wake.fd >= 0:
            # A signal that came before the wakeup fd was set wrote nothing
            # to it: run its handler now rather than after the wait.
            ctypes.pythonapi.PyErr_CheckSignals()
        while True:
            rc = L.otpbox_wait(h.box, addr, opts.ptr, ctypes.byref(out))
            if rc != ErrorCode.INTERRUPTED or cancel is not None:
                break
            # A signal woke the wait: its Python handler runs here (and
            # raises KeyboardInterrupt for Ctrl-C); otherwise wait on.
            ctypes.pythonapi.PyErr_CheckSignals()
            wake.drain()  # type: ignore[union-attr]
            if deadline is not None:
                left = max(0.0, deadline - time.monotonic())
                opts.set("timeout", "set_timeout_ms", int(left * 1000))
    finally:
        if wake is not None:
            wake.close()
    if rc == ErrorCode.OK:
        try:
            return Otp._from_c(out.contents)
        finally:
            L.otpbox_code_free(out)
    msg = _text(L.otpbox_errmsg(h.box)) or _strerror(rc)
    wait_id = L.otpbox_last_wait_id(h.box)
    if rc == ErrorCode.TIMEOUT:
        reason = _text(L.otpbox_last_miss_reason(h.box))
        raise OtpTimeout(msg, address=address,
                         timeout=timeout if timeout is not None else -1,
                         reason=reason, wait_id=wait_id)
    if rc == ErrorCode.INTERRUPTED:
        raise WaitCancelled(msg or "wait cancelled", wait_id=wait_id)
    e = error_for(rc, msg)
    if rc in (ErrorCode.DB, ErrorCode.BUSY, ErrorCode.IO, ErrorCode.NET):
        _drop_handle(h)  # the next wait opens afresh
    raise e


def wait(address: str, *, timeout: Optional[float] = 120,
         since: Since = None, sender: Senders = None,
         subject: Optional[str] = None, authenticated: bool = False,
         kind: str = "code", peek: bool = False,
         db: Optional[Union[str, os.PathLike[str]]] = None,
         max_age: Optional[float] = None, skew: Optional[float] = None,
         worker: Optional[str] = None,
         cancel: Optional[Canceller] = None) -> Otp:
    """Waits for the newest unclaimed code for address and claims it.

    The code comes from the database that `otpbox fetch` fills; nobody else
    can claim it once this returns. Each call is one libotpbox
    otpbox_wait(), recorded in the waits table; the thread sleeps in the
    library (the GIL released) until the fetcher commits something.

    Args:
        address: the bot's address, e.g. "bot1@yourdomain.com" (ASCII
            letters compared without case).
        timeout: seconds to wait (0: look once; None: without end).
        since: a code must have been received at or after this moment
            (Unix seconds or a datetime; moved back by the measured clock
            skew of the mail server). Pass the moment the bot asked for the
            code, so that a code from an earlier attempt is never taken.
            None: any code younger than max_age.
        sender: only codes from this sender: an address, a domain (its
            subdomains too) or a glob ("*@*.example.com"); a list means
            any of them.
        subject: only messages whose Subject contains this text (without
            case).
        authenticated: only messages whose sender the receiving server
            authenticated (DMARC, or DKIM aligned with From).
        kind: "code", "link" (a verification link) or "any".
        peek: return the code without claiming it.
        db: the database file; None resolves as `otpbox wait` does
            ($OTPBOX_DB, the configuration file's `database`, the default
            location). A postgresql:// URI (or a libpq conninfo) names a
            PostgreSQL store.
        max_age: oldest code accepted, in seconds (default 600).
        skew: seconds taken off since (default: measured from the store).
        worker: the name recorded as the claimer, at most 127 bytes
            (default "pid N THREAD").
        cancel: a Canceller that ends the wait early from another thread.

    Returns:
        The Otp: .value (.code or .link) and its message.

    Raises:
        OtpTimeout: nothing came in time; .reason says why (missed_otps).
        WaitCancelled: cancel.cancel() was called.
        BadAddress: address is not local@domain.
        NoDatabase, DatabaseError, ConfigError: the database could not
            be used.
        OtpboxError: any other library error (.message, .errcode);
            ValueError for a bad argument.
    """
    path = _check_db(db)
    opts = _make_opts(timeout=timeout, since=since, sender=sender,
                      subject=subject, authenticated=authenticated,
                      kind=kind, peek=peek, max_age=max_age, skew=skew,
                      worker=worker)
    try:
        return _run(_handle(path), address, opts, timeout, cancel)
    finally:
        opts.free()


def wait_for_otp(address: str, timeout: Optional[float] = 120,
                 **filters: Any) -> Optional[str]:
    """Waits up to timeout seconds for address's code; the code or None.

    The call of the seed's EmailOTPHandler, over otpbox:

        otp = otpbox.wait_for_otp("bot1@yourdomain.com", timeout=120)

    filters are wait()'s keyword arguments (since, sender, subject,
    authenticated, kind, db, ...). Returns None on a time-out only; every
    other failure raises (see wait()). Use wait() for the message and
    the reason of a time-out.
    """
    try:
        return wait(address, timeout=timeout, **filters).value
    except OtpTimeout:
        return None


async def wait_async(address: str, **kwargs: Any) -> Otp:
    """wait() for asyncio: awaits the code without blocking the loop.

        otp = await otpbox.wait_async("bot1@yourdomain.com", timeout=60)

    Takes wait()'s keyword arguments (not cancel). The wait runs in its own
    thread inside libotpbox; cancelling the task ends it at once through
    the options' cancel_fd, and the waits table records it as ended, before
    CancelledError reaches the caller. Many tasks may wait at once.
    """
    if "cancel" in kwargs:
        raise TypeError("wait_async() is cancelled by cancelling its task")
    loop = asyncio.get_running_loop()
    result: asyncio.Future[Otp] = loop.create_future()
    ended: asyncio.Future[None] = loop.create_future()
    canceller = Canceller()

    def finish(value: Any, exc: Optional[BaseException]) -> None:
        if not result.done():
            if exc is not None:
                result.set_exception(exc)
            else:
                result.set_result(value)
        if not ended.done():
            ended.set_result(None)

    def run() -> None:
        value, exc = None, None
        try:
            value = wait(address, cancel=canceller, **kwargs)
        except BaseException as e:  # handed to the task
            exc = e
        finally:
            close_thread_handles()
            canceller.close()
        try:
            loop.call_soon_threadsafe(finish, value, exc)
        except RuntimeError:  # the loop is closed: nobody is waiting
            pass

    threading.Thread(target=run, name=f"otpbox-wait {address}",
                     daemon=True).start()
    try:
        return await asyncio.shield(result)
    except asyncio.CancelledError:
        canceller.cancel()
        try:  # let the library record the end before CancelledError goes on
            await asyncio.shield(ended)
        except asyncio.CancelledError:
            pass
        if result.done() and not result.cancelled():
            # Mark the outcome as seen. A code claimed just before the
            # cancel is spent: the waits row says which task had it.
            result.exception()
        raise
