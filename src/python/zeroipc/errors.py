"""Exception types, and the mapping from libzeroipc's negative errno to them.

The C library returns ``-errno`` and leaves a detail message for the calling
thread (``zipc_last_error``). Every exception raised for a C failure is a
:class:`ZeroIPCError` (an :class:`OSError`, so ``.errno`` is set) and, where
the standard library has a natural type, also that type: a missing segment is
a :class:`FileNotFoundError`, a bad argument a :class:`ValueError`, a timeout
a :class:`TimeoutError`. Full and empty queues raise the standard library's
``queue.Full`` / ``queue.Empty`` (see :class:`Full`, :class:`Empty`).
"""
from __future__ import annotations

import errno as _errno
import queue as _queue
from typing import NoReturn, Optional

from ._lib import lib

__all__ = ["ZeroIPCError", "NotFoundError", "ExistsError", "InvalidError", "NameTooLongError",
           "SegmentFullError", "CorruptSegmentError", "TimedOutError", "InterruptedError_",
           "AccessError", "OutOfMemoryError", "ClosedError", "AlreadySetError", "ComputeError",
           "IndexRangeError", "Full", "Empty", "error_for", "raise_for", "check"]


class ZeroIPCError(OSError):
    """Base of every error reported by libzeroipc; ``.errno`` is the positive errno."""


class NotFoundError(ZeroIPCError, FileNotFoundError):
    """ENOENT: no such segment or structure."""


class ExistsError(ZeroIPCError, FileExistsError):
    """EEXIST: the name exists as something else (another kind or element size)."""


class InvalidError(ZeroIPCError, ValueError):
    """EINVAL: invalid argument (bad name, capacity, type; wrong kind of structure)."""


class NameTooLongError(InvalidError):
    """ENAMETOOLONG: a segment or structure name is too long."""


class SegmentFullError(ZeroIPCError):
    """ENOSPC: no space left in the segment or in its table of structures."""


class CorruptSegmentError(ZeroIPCError):
    """EBADMSG: the segment is corrupt or not in the zeroipc format."""


class TimedOutError(ZeroIPCError, TimeoutError):
    """ETIMEDOUT: a blocking call's timeout passed."""


class InterruptedError_(ZeroIPCError, InterruptedError):
    """EINTR: only seen when a signal handler returned without raising and the
    caller asked not to retry (the bindings normally retry)."""


class AccessError(ZeroIPCError, PermissionError):
    """EACCES / EPERM: permission denied."""


class OutOfMemoryError(ZeroIPCError, MemoryError):
    """ENOMEM."""


class ClosedError(ZeroIPCError, BrokenPipeError):
    """EPIPE: the stream or channel is closed (and drained, for readers)."""


class AlreadySetError(ZeroIPCError):
    """EALREADY: the future or lazy value is already set (or failed)."""


class ComputeError(ZeroIPCError):
    """EIO from a future or lazy value: it failed; ``str()`` is the message every
    reader receives (``.message`` holds it alone)."""

    def __init__(self, message: str) -> None:
        super().__init__(_errno.EIO, message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class IndexRangeError(ZeroIPCError, IndexError):
    """ERANGE: index out of range."""


class Full(_queue.Full, TimedOutError):
    """The queue (or stack, stream, channel buffer) stayed full: ``queue.Full``.

    Raised by try_* calls at once and by blocking calls when their timeout
    passes (then it is also a :class:`TimeoutError`, ``errno`` ETIMEDOUT).
    """

    def __init__(self, message: str = "full", err: int = _errno.EAGAIN) -> None:
        TimedOutError.__init__(self, err, message)


class Empty(_queue.Empty, TimedOutError):
    """The queue (or stack, stream, channel) stayed empty: ``queue.Empty``.

    Raised by try_* calls at once and by blocking calls when their timeout
    passes (then it is also a :class:`TimeoutError`, ``errno`` ETIMEDOUT).
    """

    def __init__(self, message: str = "empty", err: int = _errno.EAGAIN) -> None:
        TimedOutError.__init__(self, err, message)


_BY_ERRNO: dict[int, type[ZeroIPCError]] = {
    _errno.ENOENT: NotFoundError,
    _errno.EEXIST: ExistsError,
    _errno.EINVAL: InvalidError,
    _errno.ENAMETOOLONG: NameTooLongError,
    _errno.ENOSPC: SegmentFullError,
    _errno.EBADMSG: CorruptSegmentError,
    _errno.ETIMEDOUT: TimedOutError,
    _errno.EINTR: InterruptedError_,
    _errno.EACCES: AccessError,
    _errno.EPERM: AccessError,
    _errno.ENOMEM: OutOfMemoryError,
    _errno.EPIPE: ClosedError,
    _errno.EALREADY: AlreadySetError,
    _errno.ERANGE: IndexRangeError,
}

# Errors the library returns without leaving a detail message: the thread's
# last message would be a stale one from an earlier failure.
_NO_DETAIL = {_errno.EAGAIN, _errno.ETIMEDOUT, _errno.EINTR, _errno.EPIPE}


def last_error() -> str:
    """The calling thread's most recent detail message from libzeroipc ("" if none)."""
    raw = lib.zipc_last_error()
    return raw.decode("utf-8", "replace") if raw else ""


def strerror(err: int) -> str:
    """libzeroipc's short description of a negative (or positive) errno."""
    raw = lib.zipc_strerror(-abs(err))
    return raw.decode("utf-8", "replace") if raw else _errno.errorcode.get(abs(err), "error")


def error_for(err: int, context: Optional[str] = None) -> ZeroIPCError:
    """Build the exception for a negative errno ``err`` returned by libzeroipc.

    The message is ``"<context>: <zipc_strerror> (<zipc_last_error>)"``.
    """
    code = abs(err)
    if code == _errno.EIO:
        return ComputeError(last_error() or strerror(err))
    msg = strerror(err)
    if code not in _NO_DETAIL:
        detail = last_error()
        if detail:
            msg = f"{msg} ({detail})"
    if context:
        msg = f"{context}: {msg}"
    cls = _BY_ERRNO.get(code, ZeroIPCError)
    return cls(code, msg)


def raise_for(err: int, context: Optional[str] = None) -> NoReturn:
    """Raise :func:`error_for` ``(err, context)``."""
    raise error_for(err, context)


def check(r: int, context: Optional[str] = None) -> int:
    """Return ``r`` if it is ``>= 0``, else raise the matching exception."""
    if r < 0:
        raise error_for(r, context)
    return r
