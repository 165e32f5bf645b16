"""Element types, timeouts and interruptible blocking calls.

Element types: numpy dtypes map to libzeroipc's type tags. The native-endian
integers and float32/float64 map to ``i8``..``i64``, ``u8``..``u64``, ``f32``,
``f64``; every other fixed-size dtype (structured, complex, bool, float16,
``V``) maps to ``bytes:N`` with N its itemsize. A ``bytes:N`` (or untagged)
structure opens as ``np.dtype(('V', N))`` unless a dtype of that size is given.

Blocking calls: the C calls sleep on futex words with the GIL released and
return ``-EINTR`` when a signal arrives (Python installs its handlers without
``SA_RESTART``). :func:`blocking` then runs the Python-level handlers at once
with ``PyErr_CheckSignals`` (Ctrl-C raises ``KeyboardInterrupt`` there) and,
if none raised, calls again with the time that is left.
"""
from __future__ import annotations

import ctypes
import errno
import math
import time
from typing import Any, Callable, Optional, Union

import numpy as np

from ._lib import Type, lib
from .errors import check

__all__ = ["type_of", "dtype_of", "type_string", "parse_type", "resolve_dtype", "timeout_ns",
           "blocking", "blocking_batch", "check_signals", "Timeout", "DTypeLike"]

Timeout = Optional[float]
DTypeLike = Any  # what np.dtype() accepts

ELEM_NONE = 0
ELEM_BYTES = 11
_KIND_SIZE_TO_ELEM = {
    ("i", 1): 1, ("i", 2): 2, ("i", 4): 3, ("i", 8): 4,
    ("u", 1): 5, ("u", 2): 6, ("u", 4): 7, ("u", 8): 8,
    ("f", 4): 9, ("f", 8): 10,
}
_ELEM_TO_DTYPE = {
    1: np.dtype(np.int8), 2: np.dtype(np.int16), 3: np.dtype(np.int32), 4: np.dtype(np.int64),
    5: np.dtype(np.uint8), 6: np.dtype(np.uint16), 7: np.dtype(np.uint32),
    8: np.dtype(np.uint64), 9: np.dtype(np.float32), 10: np.dtype(np.float64),
}


def type_of(dtype: DTypeLike) -> Type:
    """The libzeroipc element type (``struct zipc_type``) for a numpy dtype."""
    dt = np.dtype(dtype)
    if dt.hasobject or dt.itemsize == 0:
        raise TypeError(f"dtype {dt} has no fixed size in memory: cannot live in shared memory")
    if dt.fields is None and dt.subdtype is None and dt.isnative:
        elem = _KIND_SIZE_TO_ELEM.get((dt.kind, dt.itemsize))
        if elem is not None:
            return Type(elem, dt.itemsize)
    return Type(ELEM_BYTES, dt.itemsize)


def dtype_of(t: Type) -> np.dtype:
    """The default numpy dtype for a libzeroipc element type."""
    dt = _ELEM_TO_DTYPE.get(t.elem)
    return dt if dt is not None else np.dtype(("V", t.size))


def type_string(t: Union[Type, DTypeLike]) -> str:
    """``"i64"``, ``"f64"``, ``"bytes:16"``... for a Type or a dtype."""
    if not isinstance(t, Type):
        t = type_of(t)
    buf = ctypes.create_string_buffer(32)
    r = lib.zipc_type_format(t, buf, len(buf))
    if r < 0:
        return f"bytes:{t.size}"
    return buf.value.decode()


def parse_type(text: str) -> np.dtype:
    """The numpy dtype of a type string (``"i64"`` -> int64, ``"bytes:16"`` -> V16)."""
    t = Type()
    r = lib.zipc_type_parse(text.encode(), ctypes.byref(t))
    if r < 0:
        raise ValueError(f"not a zeroipc element type: {text!r}")
    return dtype_of(t)


def resolve_dtype(actual: Type, requested: Optional[DTypeLike], what: str,
                  value_size: Optional[int] = None) -> np.dtype:
    """The dtype to view a structure of element type ``actual`` with.

    ``requested`` None: the structure's own type. Otherwise the requested dtype
    must be the same type, or (when either is ``bytes:N``/untagged) have the
    same size; with ``value_size`` (futures, lazies) a ``bytes`` value may be
    viewed as any dtype whose itemsize divides it (a C++ ``Lazy<Matrix>`` read
    as float64).
    """
    if requested is None:
        return dtype_of(actual)
    dt = np.dtype(requested)
    want = type_of(dt)
    if want.elem == actual.elem and want.size == actual.size:
        return dt
    loose = actual.elem in (ELEM_NONE, ELEM_BYTES) or want.elem == ELEM_BYTES
    if loose and dt.itemsize == actual.size:
        return dt
    if loose and value_size is not None and value_size % dt.itemsize == 0 \
            and actual.elem in (ELEM_NONE, ELEM_BYTES):
        return dt
    raise TypeError(f"{what} holds {type_string(actual)} elements, not {type_string(want)} "
                    f"(dtype {dt})")


def timeout_ns(timeout: Timeout) -> int:
    """Seconds (None: no limit) to the C library's int64 nanoseconds (-1: forever)."""
    if timeout is None:
        return -1
    if math.isnan(timeout) or timeout < 0:
        raise ValueError(f"timeout must be None or >= 0 seconds, not {timeout!r}")
    if math.isinf(timeout):
        return -1
    return min(int(timeout * 1e9), 2**63 - 1)


_check_signals_c = ctypes.pythonapi.PyErr_CheckSignals
_check_signals_c.restype = ctypes.c_int
_check_signals_c.argtypes = []


def check_signals() -> None:
    """Run pending Python signal handlers now (raises what they raise, e.g.
    KeyboardInterrupt). ctypes.pythonapi checks the error indicator on return."""
    _check_signals_c()


def blocking(call: Callable[[int], int], timeout: Timeout) -> int:
    """Run ``call(timeout_ns)`` until it returns something other than -EINTR.

    After each -EINTR the Python signal handlers run (an exception they raise,
    such as KeyboardInterrupt, propagates) and the call is repeated with the
    time left. Returns the call's last result (which may be -ETIMEDOUT).
    """
    ns = timeout_ns(timeout)
    deadline = None if ns < 0 else time.monotonic_ns() + ns
    while True:
        r = call(ns)
        if r != -errno.EINTR:
            return r
        check_signals()
        if deadline is not None:
            ns = max(0, deadline - time.monotonic_ns())


def blocking_batch(call: Callable[[int, int], int], n: int, timeout: Timeout, what: str) -> int:
    """Move ``n`` elements with ``call(done, timeout_ns)``, which moves elements
    ``done``.. on and returns how many (or a negative errno), until all are
    moved or the timeout passes. Returns how many were moved.

    A short count is a timeout or a signal: the Python signal handlers run (an
    exception they raise propagates), then the call goes on with the time that
    is left. Any other error raises, through :func:`check` with ``what``.
    """
    ns = timeout_ns(timeout)
    deadline = None if ns < 0 else time.monotonic_ns() + ns
    done = 0
    while done < n:
        r = call(done, ns)
        if r > 0:
            done += r
        elif r == -errno.ETIMEDOUT:
            break
        elif r != -errno.EINTR:
            check(r, what)
        if done < n:
            check_signals()
            if deadline is not None:
                ns = deadline - time.monotonic_ns()
                if ns <= 0:
                    break
    return done


def as_elements(value: Any, dtype: np.dtype) -> np.ndarray:
    """``value`` as a C-contiguous 1-D array of ``dtype`` (no copy when it already is)."""
    a = np.ascontiguousarray(value, dtype=dtype)
    if a.ndim != 1:
        a = a.reshape(-1)
    return a


def one_element(value: Any, dtype: np.dtype) -> np.ndarray:
    """``value`` as a 1-element array of ``dtype``, for a single push or send."""
    a = np.asarray(value, dtype=dtype)
    if a.size != 1:
        raise ValueError(f"expected one element of {dtype}, got an array of shape {a.shape}; "
                         "use the batch call for many")
    return np.ascontiguousarray(a.reshape(1))


def scalar(buf: np.ndarray) -> Any:
    """Element 0 of a 1-element buffer, detached from the buffer."""
    v = buf[0]
    return v.copy() if isinstance(v, np.void) else v
