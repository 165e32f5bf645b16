"""The structures of a segment: Array, Queue, Stack, Future, Lazy, Stream, Channel.

Each class binds one libzeroipc structure; nothing is reimplemented here, so
every structure made from Python is the same bytes C and C++ programs use.
Constructors follow one rule: with the parameters that size a structure
(``capacity``, ``shape``) they create it, or open it if it already exists with
the same element size; without them they open it, taking element type and
size from the segment (``dtype`` then only chooses the numpy view).

Handles: ``close()`` drops the handle of an Array, Queue, Stack, Future or
Lazy. Streams and channels have a ``close()`` of their own (ending the stream
for everyone), so their handles are dropped with ``release()``; every class
has ``release()`` and is a context manager that releases on exit.

Blocking calls take ``timeout`` in seconds (None: no limit; 0: do not wait),
release the GIL while they sleep, and return early with ``KeyboardInterrupt``
on Ctrl-C (see ``_util.blocking``).
"""
from __future__ import annotations

import ctypes
import errno
import math
from typing import Any, Callable, Iterator, NamedTuple, Optional, Sequence, Union

import numpy as np

from ._lib import LAZY_COMPUTE_FN, LazyInfo, QueueStats, Type, lib
from ._util import (DTypeLike, Timeout, as_elements, blocking, blocking_batch, one_element,
                    resolve_dtype, scalar, timeout_ns, type_of)
from .errors import ClosedError, Empty, Full, check, error_for, raise_for
from .memory import Handle, Memory

__all__ = ["Array", "Queue", "Stack", "Future", "Lazy", "LazyState", "Stream", "Subscription",
           "Channel", "select", "KIND_CLASSES"]

Shape = Union[int, Sequence[int], None]

_EAGAIN = -errno.EAGAIN
_ETIMEDOUT = -errno.ETIMEDOUT
_EPIPE = -errno.EPIPE
_EALREADY = -errno.EALREADY
_EIO = -errno.EIO
_ENOENT = -errno.ENOENT

_FUTURE_STATES = {0: "pending", 1: "computing", 2: "ready", 3: "error"}
_LAZY_STATES = {0: "empty", 1: "computing", 2: "ready", 3: "error"}


def _ptr_of(a: np.ndarray) -> int:
    return a.ctypes.data


class _Structure:
    """What every binding shares: a name, a C handle, a dtype."""

    _kind = "structure"

    name: str
    dtype: np.dtype
    _h: Optional[Handle]

    def _attach(self, mem: Memory, name: str, create: Optional[Callable[[int, bytes, Any], int]],
                open_fn: Callable[..., int], close_fn: Callable[[int], None]) -> int:
        if not isinstance(mem, Memory):
            raise TypeError(f"expected a zeroipc.Memory, not {type(mem).__name__}")
        self.name = name
        self._h = None
        out = ctypes.c_void_p()
        bname = name.encode()
        if create is not None:
            r = create(mem._ptr, bname, ctypes.byref(out))
            what = "create"
        else:
            r = open_fn(mem._ptr, bname, ctypes.byref(out))
            what = "open"
        if r < 0:
            raise_for(r, f"{what} {self._kind} {name!r}")
        self._h = Handle(out.value, close_fn)
        return out.value

    @property
    def _ptr(self) -> int:
        h = self._h
        if h is None or not h.ptr:
            raise ValueError(f"{self._kind} {getattr(self, 'name', '?')!r}: handle released")
        return h.ptr

    def release(self) -> None:
        """Drop this process's handle (views of shared memory stay valid)."""
        h, self._h = self._h, None
        if h is not None:
            h.release()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()

    def __repr__(self) -> str:
        return f"<zeroipc.{type(self).__name__} {self.name!r} {self.dtype}>"


def _shape_count(shape: Shape) -> tuple[tuple[int, ...], int]:
    if shape is None:
        return (), 1
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    shape = tuple(int(s) for s in shape)
    return shape, math.prod(shape)


def _value_shape(shape: Shape, count: int, what: str) -> tuple[int, ...]:
    """The shape values of ``count`` elements are returned in."""
    if shape is None:
        return () if count == 1 else (count,)
    s, n = _shape_count(shape)
    if n != count:
        raise ValueError(f"{what} holds {count} elements; shape {s} has {n}")
    return s


def _decode_value(buf: np.ndarray, shape: tuple[int, ...]) -> Any:
    if shape == ():
        return scalar(buf)
    return buf.reshape(shape)


# ---------------------------------------------------------------- Array


class Array(_Structure):
    """A fixed number of elements in shared memory, seen as a numpy array.

    ``Array(mem, name, dtype, capacity)`` creates it (zero-filled) or opens it;
    ``Array(mem, name)`` opens it. :attr:`data` (and ``np.asarray(arr)``) is a
    view on the shared memory itself: a store through it is seen by every
    other process at once, and theirs by it. The library adds no
    synchronisation to element access.
    """

    _kind = "array"

    def __init__(self, mem: Memory, name: str, dtype: Optional[DTypeLike] = None,
                 capacity: Optional[int] = None) -> None:
        create = None
        if capacity is not None:
            if dtype is None:
                raise ValueError("creating an array needs a dtype")
            t = type_of(dtype)
            create = lambda seg, n, out: lib.zipc_array_create(seg, n, t, int(capacity), out)
        p = self._attach(mem, name, create, lib.zipc_array_open, lib.zipc_array_close)
        actual = lib.zipc_array_type(p)
        self.dtype = resolve_dtype(actual, dtype, f"array {name!r}")
        self.capacity: int = int(lib.zipc_array_capacity(p))
        #: Offset of element 0 from the start of the segment (page-aligned for
        #: arrays made by libzeroipc).
        self.offset: int = int(lib.zipc_array_data_offset(p))
        nbytes = self.capacity * actual.size
        # A subclass of the ctypes array type, so the instance can hold the
        # handle: numpy views keep it, and the handle keeps the mapping.
        buftype = type("SharedBytes", (ctypes.c_uint8 * nbytes,), {})
        buf = buftype.from_address(lib.zipc_array_data(p))
        buf.owner = self._h
        #: numpy view of the elements, in shared memory.
        self.data: np.ndarray = np.frombuffer(buf, dtype=self.dtype, count=self.capacity)

    def release(self) -> None:
        """Drop this object's reference to the handle. The C handle (and with it
        the mapping) is closed when the last numpy view of :attr:`data` is gone,
        so views stay valid."""
        self._h = None

    close = release

    def __array__(self, dtype: Optional[DTypeLike] = None) -> np.ndarray:
        return self.data if dtype is None else self.data.astype(dtype)

    def __len__(self) -> int:
        return self.capacity

    def __getitem__(self, key: Any) -> Any:
        return self.data[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        self.data[key] = value

    def __iter__(self) -> Iterator[Any]:
        return iter(self.data)


# ---------------------------------------------------------------- Queue, Stack


class _Bounded(_Structure):
    """Queue and stack: push/pop of single elements with timeouts."""

    def __init__(self, mem: Memory, name: str, dtype: Optional[DTypeLike] = None,
                 capacity: Optional[int] = None) -> None:
        def c_call(op: str) -> Callable[..., int]:
            return getattr(lib, f"zipc_{self._kind}_{op}")

        create = None
        if capacity is not None:
            if dtype is None:
                raise ValueError(f"creating a {self._kind} needs a dtype")
            t = type_of(dtype)
            make = c_call("create")
            create = lambda seg, n, out: make(seg, n, t, int(capacity), out)
        p = self._attach(mem, name, create, c_call("open"), c_call("close"))
        self.dtype = resolve_dtype(c_call("type")(p), dtype, f"{self._kind} {name!r}")
        self.capacity: int = int(c_call("capacity")(p))
        self._count = c_call("count")
        self._push = c_call("push")
        self._pop = c_call("pop")
        self._try_push = c_call("try_push")
        self._try_pop = c_call("try_pop")

    def __len__(self) -> int:
        return int(self._count(self._ptr))

    def push(self, item: Any, timeout: Timeout = None) -> None:
        """Push one element, waiting up to ``timeout`` s for room; ``queue.Full``
        (also a TimeoutError) if none came."""
        a = one_element(item, self.dtype)
        p, ptr = self._ptr, _ptr_of(a)
        r = blocking(lambda ns: self._push(p, ptr, ns), timeout)
        if r == _ETIMEDOUT:
            raise Full(f"{self._kind} {self.name!r} stayed full", errno.ETIMEDOUT)
        check(r, f"push to {self.name!r}")

    def pop(self, timeout: Timeout = None) -> Any:
        """Pop one element, waiting up to ``timeout`` s; ``queue.Empty`` if none came."""
        buf = np.empty(1, self.dtype)
        p, ptr = self._ptr, _ptr_of(buf)
        r = blocking(lambda ns: self._pop(p, ptr, ns), timeout)
        if r == _ETIMEDOUT:
            raise Empty(f"{self._kind} {self.name!r} stayed empty", errno.ETIMEDOUT)
        check(r, f"pop from {self.name!r}")
        return scalar(buf)

    def try_push(self, item: Any) -> None:
        """Push without waiting; ``queue.Full`` if full."""
        a = one_element(item, self.dtype)
        r = self._try_push(self._ptr, _ptr_of(a))
        if r == _EAGAIN:
            raise Full(f"{self._kind} {self.name!r} is full")
        check(r, f"push to {self.name!r}")

    def try_pop(self) -> Any:
        """Pop without waiting; ``queue.Empty`` if empty."""
        buf = np.empty(1, self.dtype)
        r = self._try_pop(self._ptr, _ptr_of(buf))
        if r == _EAGAIN:
            raise Empty(f"{self._kind} {self.name!r} is empty")
        check(r, f"pop from {self.name!r}")
        return scalar(buf)

    # The standard library's queue.Queue spelling.
    def put(self, item: Any, block: bool = True, timeout: Timeout = None) -> None:
        """``queue.Queue.put``: push, waiting if ``block``."""
        self.push(item, timeout) if block else self.try_push(item)

    def get(self, block: bool = True, timeout: Timeout = None) -> Any:
        """``queue.Queue.get``: pop, waiting if ``block``."""
        return self.pop(timeout) if block else self.try_pop()

    def put_nowait(self, item: Any) -> None:
        """``queue.Queue.put_nowait``."""
        self.try_push(item)

    def get_nowait(self) -> Any:
        """``queue.Queue.get_nowait``."""
        return self.try_pop()

    def qsize(self) -> int:
        """Elements in it now (a snapshot)."""
        return len(self)

    def empty(self) -> bool:
        """True if it holds nothing now."""
        return len(self) == 0

    def full(self) -> bool:
        """True if it is full now."""
        return len(self) >= self.capacity

    def close(self) -> None:
        """Drop this process's handle."""
        self.release()


class Queue(_Bounded):
    """A bounded MPMC FIFO in shared memory (Vyukov's algorithm).

    ``Queue(mem, name, dtype, capacity)`` creates or opens it (capacity is
    rounded up to a power of two); ``Queue(mem, name)`` opens it. Elements come
    back as numpy scalars (``np.void`` for ``bytes:N``). The batch calls move a
    whole numpy array with one claim.
    """

    _kind = "queue"

    def push_batch(self, items: Any, timeout: Timeout = None) -> int:
        """Push every element of ``items`` (array-like of dtype) in order, waiting
        up to ``timeout`` s for room. Returns how many were pushed: all of them,
        or fewer if the timeout passed; ``queue.Full`` if none could be."""
        a = as_elements(items, self.dtype)
        n, size = len(a), self.dtype.itemsize
        p, base = self._ptr, _ptr_of(a)
        done = blocking_batch(
            lambda k, ns: lib.zipc_queue_push_batch(p, base + k * size, n - k, ns), n, timeout,
            f"push to {self.name!r}")
        if done == 0 and n > 0:
            raise Full(f"queue {self.name!r} stayed full", errno.ETIMEDOUT)
        return done

    def try_push_batch(self, items: Any) -> int:
        """Push as many leading elements of ``items`` as fit now, with one claim.
        Returns how many (>= 1); ``queue.Full`` if none fit."""
        a = as_elements(items, self.dtype)
        if len(a) == 0:
            return 0
        r = lib.zipc_queue_try_push_batch(self._ptr, _ptr_of(a), len(a))
        if r == _EAGAIN:
            raise Full(f"queue {self.name!r} is full")
        return check(r, f"push to {self.name!r}")

    def _out(self, max: Optional[int], out: Optional[np.ndarray]) -> np.ndarray:
        if out is None:
            return np.empty(self.capacity if max is None else int(max), self.dtype)
        if out.dtype.itemsize != self.dtype.itemsize or not out.flags.c_contiguous \
                or not out.flags.writeable:
            raise ValueError(f"out must be a writable contiguous array of {self.dtype}")
        flat = out.reshape(-1)
        return flat if max is None else flat[:int(max)]

    def pop_batch(self, max: Optional[int] = None, timeout: Timeout = None,
                  out: Optional[np.ndarray] = None) -> np.ndarray:
        """Pop 1..``max`` elements (default: the capacity, or ``len(out)``) with one
        claim, waiting up to ``timeout`` s for the first. Returns them as an
        array (a view on ``out`` when given); ``queue.Empty`` if none came."""
        buf = self._out(max, out)
        if len(buf) == 0:
            return buf
        p, ptr, n = self._ptr, _ptr_of(buf), len(buf)
        r = blocking(lambda ns: lib.zipc_queue_pop_batch(p, ptr, n, ns), timeout)
        if r == _ETIMEDOUT:
            raise Empty(f"queue {self.name!r} stayed empty", errno.ETIMEDOUT)
        return buf[:check(r, f"pop from {self.name!r}")]

    def try_pop_batch(self, max: Optional[int] = None,
                      out: Optional[np.ndarray] = None) -> np.ndarray:
        """Pop 1..``max`` elements now with one claim; ``queue.Empty`` if empty."""
        buf = self._out(max, out)
        if len(buf) == 0:
            return buf
        r = lib.zipc_queue_try_pop_batch(self._ptr, _ptr_of(buf), len(buf))
        if r == _EAGAIN:
            raise Empty(f"queue {self.name!r} is empty")
        return buf[:check(r, f"pop from {self.name!r}")]

    def stats(self) -> dict[str, int]:
        """Dead-peer recovery counters: holes_skipped, claims_reclaimed."""
        s = QueueStats()
        lib.zipc_queue_stats(self._ptr, ctypes.byref(s))
        return {"holes_skipped": s.holes_skipped, "claims_reclaimed": s.claims_reclaimed}

    def set_stall_timeout(self, seconds: float) -> None:
        """After how long a stuck slot's owner is taken for dead (>= 1 ms)."""
        check(lib.zipc_queue_set_stall_timeout(self._ptr, timeout_ns(seconds)))


class Stack(_Bounded):
    """A bounded LIFO in shared memory; the same calls as :class:`Queue` without batches."""

    _kind = "stack"

    def set_stall_timeout(self, seconds: float) -> None:
        """After how long a stuck slot's owner is taken for dead (>= 1 ms)."""
        check(lib.zipc_stack_set_stall_timeout(self._ptr, timeout_ns(seconds)))


# ---------------------------------------------------------------- Future, Lazy


class _Value(_Structure):
    """Future and lazy: one value of ``count`` elements, returned in ``shape``."""

    count: int
    shape: tuple[int, ...]
    _value_size: int

    def _setup_value(self, actual: Type, value_size: int, dtype: Optional[DTypeLike],
                     shape: Shape) -> None:
        what = f"{self._kind} {self.name!r}"
        self._value_size = value_size
        self.dtype = resolve_dtype(actual, dtype, what, value_size)
        if value_size % self.dtype.itemsize:
            raise TypeError(f"{what}: a {value_size}-byte value is not a whole number of "
                            f"{self.dtype} elements")
        self.count = value_size // self.dtype.itemsize
        self.shape = _value_shape(shape, self.count, what)

    def _open_or_create(self, mem: Memory, name: str, dtype: Optional[DTypeLike], shape: Shape,
                        create_fn: Callable[..., int], open_fn: Callable[..., int],
                        close_fn: Callable[[int], None],
                        create_const: Optional[Callable[..., int]] = None,
                        value: Any = None) -> int:
        """No dtype: open. With a dtype: open it if it exists (its size is then
        checked against ``shape``), else create ``prod(shape)`` elements (one
        without a shape; ``len(value)`` for a constant)."""
        if dtype is None:
            if shape is not None or value is not None:
                raise ValueError(f"creating a {self._kind} needs a dtype")
            return self._attach(mem, name, None, open_fn, close_fn)
        t = type_of(dtype)
        _, count = _shape_count(shape)
        const = None
        if value is not None:
            const = as_elements(value, np.dtype(dtype))
            if shape is None:
                count = len(const)
            if len(const) != count:
                raise ValueError(f"value has {len(const)} elements, shape {shape} needs {count}")

        def create(seg: int, n: bytes, out: Any) -> int:
            if const is not None and create_const is not None:
                return create_const(seg, n, t, count, _ptr_of(const), out)
            return create_fn(seg, n, t, count, out)

        for _ in range(3):
            try:
                return self._attach(mem, name, None, open_fn, close_fn)
            except FileNotFoundError:
                pass
            try:
                return self._attach(mem, name, create, open_fn, close_fn)
            except FileExistsError:
                # Another process created it between our open and create (with
                # another element type of the same size): open that one.
                continue
        return self._attach(mem, name, None, open_fn, close_fn)

    def _buffer(self) -> np.ndarray:
        return np.empty(self.count, self.dtype)

    def _value(self, buf: np.ndarray) -> Any:
        return _decode_value(buf, self.shape)

    def _as_value(self, value: Any) -> np.ndarray:
        a = as_elements(value, self.dtype)
        if len(a) != self.count:
            raise ValueError(f"{self._kind} {self.name!r} holds {self.count} elements of "
                             f"{self.dtype}, got {len(a)}")
        return a

    def close(self) -> None:
        """Drop this process's handle."""
        self.release()


class Future(_Value):
    """A value that some process will set, once; every reader gets it or the error.

    ``Future(mem, name)`` opens it; ``Future(mem, name, dtype)`` opens it or
    creates a one-element future; ``Future(mem, name, dtype, shape)`` creates
    (or opens) one of ``prod(shape)`` elements. Values come back in ``shape``:
    without one, a single element is a numpy scalar and more are a 1-D array.
    """

    _kind = "future"

    def __init__(self, mem: Memory, name: str, dtype: Optional[DTypeLike] = None,
                 shape: Shape = None) -> None:
        p = self._open_or_create(mem, name, dtype, shape, lib.zipc_future_create,
                                 lib.zipc_future_open, lib.zipc_future_close)
        self._setup_value(lib.zipc_future_type(p), int(lib.zipc_future_value_size(p)), dtype,
                          shape)

    def set(self, value: Any) -> None:
        """Set the value and wake every getter. ``AlreadySetError`` if it was set
        or failed before."""
        a = self._as_value(value)
        check(lib.zipc_future_set(self._ptr, _ptr_of(a)), f"set future {self.name!r}")

    def fail(self, message: str) -> None:
        """Fail the future: every getter raises ``ComputeError(message)``
        (message truncated to 255 bytes). ``AlreadySetError`` if done before."""
        check(lib.zipc_future_fail(self._ptr, str(message).encode()[:255]),
              f"fail future {self.name!r}")

    def get(self, timeout: Timeout = None) -> Any:
        """The value, waiting up to ``timeout`` s for it. Raises ``ComputeError``
        with the message if the future failed, ``TimeoutError`` on timeout."""
        buf = self._buffer()
        p, ptr = self._ptr, _ptr_of(buf)
        r = blocking(lambda ns: lib.zipc_future_get(p, ptr, ns), timeout)
        check(r, f"future {self.name!r}")
        return self._value(buf)

    def try_get(self) -> Any:
        """The value if set, else None. ``ComputeError`` if the future failed."""
        buf = self._buffer()
        r = lib.zipc_future_try_get(self._ptr, _ptr_of(buf))
        if r == _EAGAIN:
            return None
        check(r, f"future {self.name!r}")
        return self._value(buf)

    result = get

    @property
    def state(self) -> str:
        """"pending", "computing" (a setter is writing), "ready" or "error"."""
        return _FUTURE_STATES.get(int(lib.zipc_future_state(self._ptr)), "?")

    def done(self) -> bool:
        """True once set or failed."""
        return self.state in ("ready", "error")

    @property
    def error(self) -> Optional[str]:
        """The failure message, or None if the future did not fail."""
        buf = ctypes.create_string_buffer(256)
        if lib.zipc_future_error(self._ptr, buf, len(buf)) < 0:
            return None
        return buf.value.decode("utf-8", "replace")


class LazyState(NamedTuple):
    """A snapshot of a lazy value's state (``zipc_lazy_info``)."""
    state: str
    compute_count: int
    owner_pid: int
    demand: int


class Lazy(_Value):
    """A value computed at most once for every process, on demand.

    ``Lazy(mem, name)`` opens it; ``Lazy(mem, name, dtype)`` opens it (its
    element count comes from the segment; a ``bytes`` value such as a C++
    ``Lazy<Matrix>`` can be viewed as any dtype whose size divides it) or
    creates a one-element lazy; ``Lazy(mem, name, dtype, shape)`` creates or
    opens one of ``prod(shape)`` elements; ``value=`` creates it already
    computed. ``compute`` is the default function of :meth:`force`.

    :meth:`force` returns a private copy: a numpy array of ``shape`` or, when
    no shape was given and the value is a single element, a numpy scalar.
    """

    _kind = "lazy"

    def __init__(self, mem: Memory, name: str, dtype: Optional[DTypeLike] = None,
                 shape: Shape = None, compute: Optional[Callable[[], Any]] = None,
                 value: Any = None) -> None:
        p = self._open_or_create(mem, name, dtype, shape, lib.zipc_lazy_create,
                                 lib.zipc_lazy_open, lib.zipc_lazy_close,
                                 lib.zipc_lazy_create_const, value)
        self._setup_value(lib.zipc_lazy_type(p), int(lib.zipc_lazy_value_size(p)), dtype, shape)
        self.compute = compute

    def _callback(self, fn: Callable[[], Any], raised: list[BaseException]) -> Any:
        dtype, count, size = self.dtype, self.count, self._value_size

        def compute(ctx: Any, out: int, err: Any, errlen: int) -> int:
            try:
                v = np.ascontiguousarray(fn(), dtype=dtype)
                if v.size != count:
                    raise ValueError(f"compute returned {v.size} elements of {dtype}; "
                                     f"the lazy holds {count}")
                ctypes.memmove(out, v.ctypes.data, size)
                return 0
            except BaseException as e:  # noqa: B902 - published to every forcer
                raised.append(e)
                msg = (f"{type(e).__name__}: {e}" if str(e) else type(e).__name__).encode()
                msg = msg[:max(0, errlen - 1)]
                ctypes.memmove(err, msg, len(msg))
                err[len(msg)] = b"\0"
                return _EIO

        return LAZY_COMPUTE_FN(compute)

    def force(self, fn: Optional[Callable[[], Any]] = None, timeout: Timeout = None) -> Any:
        """The value, computing it with ``fn()`` if no process has.

        ``fn`` (default: the constructor's ``compute``) returns something numpy
        turns into ``count`` elements of the dtype; across all processes it
        runs once. Without any function, signal demand and wait for a provider
        (:meth:`serve`) or another forcer to compute it. If the computation
        failed (here or anywhere) every forcer raises ``ComputeError`` with its
        message; in the computing process the exception ``fn`` raised is its
        ``__cause__``. An exception in ``fn`` (even KeyboardInterrupt) is
        published as the lazy's error: the value is then failed for good.
        """
        fn = fn or self.compute
        raised: list[BaseException] = []
        cb = self._callback(fn, raised) if fn is not None else LAZY_COMPUTE_FN()
        buf = self._buffer()
        p, ptr = self._ptr, _ptr_of(buf)
        r = blocking(lambda ns: lib.zipc_lazy_force(p, cb, None, ptr, ns), timeout)
        if r < 0:
            e = error_for(r, f"lazy {self.name!r}")
            if raised:
                raise e from raised[0]
            raise e
        return self._value(buf)

    def serve(self, fn: Optional[Callable[[], Any]] = None, timeout: Timeout = None) -> bool:
        """Be a provider: wait until some process forces the lazy without a
        function, then compute it with ``fn`` (default ``compute``). Returns True
        when this call computed it (or published its error), False if it was
        already there; ``TimeoutError`` if nobody asked in time."""
        fn = fn or self.compute
        if fn is None:
            raise ValueError("serve needs a compute function")
        raised: list[BaseException] = []
        cb = self._callback(fn, raised)
        p = self._ptr
        r = blocking(lambda ns: lib.zipc_lazy_serve(p, cb, None, ns), timeout)
        if r == _EALREADY:
            return False
        check(r, f"serve lazy {self.name!r}")
        return True

    def provide(self, value: Any) -> bool:
        """Publish ``value`` as the computed value. False if it is already there
        or being computed."""
        a = self._as_value(value)
        r = lib.zipc_lazy_provide(self._ptr, _ptr_of(a))
        if r == _EALREADY:
            return False
        check(r, f"provide lazy {self.name!r}")
        return True

    def demand(self) -> bool:
        """Signal demand without waiting (wakes providers). False if the value
        (or error) is already there."""
        r = lib.zipc_lazy_demand(self._ptr)
        if r == _EALREADY:
            return False
        check(r, f"lazy {self.name!r}")
        return True

    def try_get(self) -> Any:
        """The value if computed, else None. ``ComputeError`` if it failed."""
        buf = self._buffer()
        r = lib.zipc_lazy_try_get(self._ptr, _ptr_of(buf))
        if r == _EAGAIN:
            return None
        check(r, f"lazy {self.name!r}")
        return self._value(buf)

    def info(self) -> LazyState:
        """State, computations started (compute_count), owner pid, demand count."""
        i = LazyInfo()
        lib.zipc_lazy_info(self._ptr, ctypes.byref(i))
        return LazyState(_LAZY_STATES.get(i.state, "?"), i.compute_count, i.owner_pid, i.demand)

    @property
    def state(self) -> str:
        """"empty", "computing", "ready" or "error"."""
        return self.info().state

    @property
    def error(self) -> Optional[str]:
        """The failure message, or None if the computation did not fail."""
        buf = ctypes.create_string_buffer(256)
        if lib.zipc_lazy_error(self._ptr, buf, len(buf)) < 0:
            return None
        return buf.value.decode("utf-8", "replace")

    def set_check_period(self, seconds: float) -> None:
        """How often sleepers check that the computing process lives (>= 1 ms)."""
        check(lib.zipc_lazy_set_check_period(self._ptr, timeout_ns(seconds)))


# ---------------------------------------------------------------- Stream


class Subscription:
    """One reader of a :class:`Stream`: sees every element emitted after it
    subscribed (or the oldest retained). Iterating it blocks for each element
    and ends when the stream is closed and drained."""

    def __init__(self, stream: "Stream", from_oldest: bool = False) -> None:
        out = ctypes.c_void_p()
        r = lib.zipc_stream_subscribe(stream._ptr, 1 if from_oldest else 0, ctypes.byref(out))
        check(r, f"subscribe to stream {stream.name!r}")
        self.stream = stream
        self.dtype: np.dtype = stream.dtype
        self._h: Optional[Handle] = Handle(out.value, lib.zipc_stream_unsubscribe)

    @property
    def _ptr(self) -> int:
        if self._h is None or not self._h.ptr:
            raise ValueError("unsubscribed")
        return self._h.ptr

    def get(self, timeout: Timeout = None) -> Any:
        """The next element, waiting up to ``timeout`` s. ``ClosedError`` when the
        stream is closed and drained, ``queue.Empty`` on timeout."""
        buf = np.empty(1, self.dtype)
        p, ptr = self._ptr, _ptr_of(buf)
        r = blocking(lambda ns: lib.zipc_stream_next(p, ptr, ns), timeout)
        if r == _ETIMEDOUT:
            raise Empty(f"stream {self.stream.name!r}: nothing new", errno.ETIMEDOUT)
        check(r, f"stream {self.stream.name!r}")
        return scalar(buf)

    def try_get(self) -> Any:
        """The next element if there is one; ``queue.Empty`` if not, ``ClosedError`` at the end."""
        buf = np.empty(1, self.dtype)
        r = lib.zipc_stream_try_next(self._ptr, _ptr_of(buf))
        if r == _EAGAIN:
            raise Empty(f"stream {self.stream.name!r}: nothing new")
        check(r, f"stream {self.stream.name!r}")
        return scalar(buf)

    def get_batch(self, max: int, timeout: Timeout = None,
                  out: Optional[np.ndarray] = None) -> np.ndarray:
        """1..``max`` next elements, waiting up to ``timeout`` s for the first.
        ``ClosedError`` at the end, ``queue.Empty`` on timeout."""
        buf = np.empty(int(max), self.dtype) if out is None else out.reshape(-1)[:int(max)]
        p, ptr, n = self._ptr, _ptr_of(buf), len(buf)
        r = blocking(lambda ns: lib.zipc_stream_next_batch(p, ptr, n, ns), timeout)
        if r == _ETIMEDOUT:
            raise Empty(f"stream {self.stream.name!r}: nothing new", errno.ETIMEDOUT)
        return buf[:check(r, f"stream {self.stream.name!r}")]

    def __iter__(self) -> "Subscription":
        return self

    def __next__(self) -> Any:
        try:
            return self.get()
        except ClosedError:
            raise StopIteration from None

    @property
    def missed(self) -> int:
        """Elements skipped because writers overwrote them (overwrite policy)."""
        return int(lib.zipc_stream_missed(self._ptr))

    @property
    def cursor(self) -> int:
        """Sequence number of the next element this subscriber reads."""
        return int(lib.zipc_stream_cursor(self._ptr))

    def unsubscribe(self) -> None:
        """Leave the stream (writers stop waiting for this reader)."""
        h, self._h = self._h, None
        if h is not None:
            h.release()

    close = unsubscribe

    def __enter__(self) -> "Subscription":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.unsubscribe()


class Stream(_Structure):
    """An unbounded sequence with many writers and many readers.

    ``Stream(mem, name, dtype, capacity, policy="block"|"overwrite")`` creates
    or opens it; ``Stream(mem, name)`` opens it. Readers :meth:`subscribe`;
    iterating a stream subscribes from now. :meth:`close` ends the stream for
    everyone (readers drain, then stop); :meth:`release` drops the handle.
    """

    _kind = "stream"
    _POLICIES = {"block": 0, "overwrite": 1}

    def __init__(self, mem: Memory, name: str, dtype: Optional[DTypeLike] = None,
                 capacity: Optional[int] = None, policy: str = "block",
                 max_subscribers: Optional[int] = None) -> None:
        create = None
        if capacity is not None:
            if dtype is None:
                raise ValueError("creating a stream needs a dtype")
            if policy not in self._POLICIES:
                raise ValueError(f"policy must be 'block' or 'overwrite', not {policy!r}")
            t, pol, subs = type_of(dtype), self._POLICIES[policy], int(max_subscribers or 0)
            create = lambda seg, n, out: lib.zipc_stream_create(seg, n, t, int(capacity), pol,
                                                                subs, out)
        p = self._attach(mem, name, create, lib.zipc_stream_open, lib.zipc_stream_close_handle)
        self.dtype = resolve_dtype(lib.zipc_stream_type(p), dtype, f"stream {name!r}")
        self.capacity: int = int(lib.zipc_stream_capacity(p))
        self.policy: str = "overwrite" if lib.zipc_stream_policy(p) == 1 else "block"

    def emit(self, value: Any, timeout: Timeout = None) -> None:
        """Append one element (block policy: wait up to ``timeout`` s for the
        slowest reader). ``ClosedError`` if closed, ``queue.Full`` on timeout."""
        a = one_element(value, self.dtype)
        p, ptr = self._ptr, _ptr_of(a)
        r = blocking(lambda ns: lib.zipc_stream_emit(p, ptr, ns), timeout)
        if r == _ETIMEDOUT:
            raise Full(f"stream {self.name!r}: readers are behind", errno.ETIMEDOUT)
        check(r, f"emit to stream {self.name!r}")

    def try_emit(self, value: Any) -> None:
        """Append one element without waiting; ``queue.Full`` if a reader is a
        full ring behind (block policy)."""
        a = one_element(value, self.dtype)
        r = lib.zipc_stream_try_emit(self._ptr, _ptr_of(a))
        if r == _EAGAIN:
            raise Full(f"stream {self.name!r}: readers are behind")
        check(r, f"emit to stream {self.name!r}")

    def emit_batch(self, values: Any, timeout: Timeout = None) -> int:
        """Append every element of ``values`` in order. Returns how many (fewer if
        the timeout passed); ``queue.Full`` if none, ``ClosedError`` if closed."""
        a = as_elements(values, self.dtype)
        n, size = len(a), self.dtype.itemsize
        p, base = self._ptr, _ptr_of(a)
        done = blocking_batch(
            lambda k, ns: lib.zipc_stream_emit_batch(p, base + k * size, n - k, ns), n, timeout,
            f"emit to stream {self.name!r}")
        if done == 0 and n > 0:
            raise Full(f"stream {self.name!r}: readers are behind", errno.ETIMEDOUT)
        return done

    def close(self) -> None:
        """End the stream: later emits raise ``ClosedError``; readers drain what
        is there and stop. Idempotent. (The handle stays: see :meth:`release`.)"""
        check(lib.zipc_stream_close(self._ptr), f"close stream {self.name!r}")

    @property
    def closed(self) -> bool:
        """True once the stream was closed."""
        return bool(lib.zipc_stream_is_closed(self._ptr))

    @property
    def emitted(self) -> int:
        """Elements emitted so far (the next element's sequence number)."""
        return int(lib.zipc_stream_emitted(self._ptr))

    @property
    def subscribers(self) -> int:
        """Live subscribers now."""
        return int(lib.zipc_stream_subscribers(self._ptr))

    def subscribe(self, from_oldest: bool = False) -> Subscription:
        """A new reader, from the next element emitted (or the oldest retained)."""
        return Subscription(self, from_oldest)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.subscribe())


# ---------------------------------------------------------------- Channel


class Channel(_Structure):
    """CSP channel: any number of senders and receivers.

    ``Channel(mem, name, dtype, capacity)`` creates or opens it (capacity 0:
    unbuffered, a send waits for a receiver); ``Channel(mem, name)`` opens it.
    :meth:`close` closes the channel for everyone: receivers drain, then
    iteration ends (``recv`` raises ``ClosedError``). :meth:`release` drops the
    handle.
    """

    _kind = "channel"

    def __init__(self, mem: Memory, name: str, dtype: Optional[DTypeLike] = None,
                 capacity: Optional[int] = None) -> None:
        create = None
        if capacity is not None:
            if dtype is None:
                raise ValueError("creating a channel needs a dtype")
            t = type_of(dtype)
            create = lambda seg, n, out: lib.zipc_channel_create(seg, n, t, int(capacity), out)
        p = self._attach(mem, name, create, lib.zipc_channel_open, lib.zipc_channel_close_handle)
        self.dtype = resolve_dtype(lib.zipc_channel_type(p), dtype, f"channel {name!r}")
        self.capacity: int = int(lib.zipc_channel_capacity(p))

    def send(self, value: Any, timeout: Timeout = None) -> None:
        """Send one value, waiting up to ``timeout`` s for room (unbuffered: for a
        receiver). ``ClosedError`` if closed, ``queue.Full`` on timeout."""
        a = one_element(value, self.dtype)
        p, ptr = self._ptr, _ptr_of(a)
        r = blocking(lambda ns: lib.zipc_channel_send(p, ptr, ns), timeout)
        if r == _ETIMEDOUT:
            raise Full(f"channel {self.name!r}: nobody took the value", errno.ETIMEDOUT)
        check(r, f"send on channel {self.name!r}")

    def try_send(self, value: Any) -> None:
        """Send without waiting; ``queue.Full`` if no room (or, unbuffered, no
        receiver at once); ``ClosedError`` if closed."""
        a = one_element(value, self.dtype)
        r = lib.zipc_channel_try_send(self._ptr, _ptr_of(a))
        if r == _EAGAIN:
            raise Full(f"channel {self.name!r} is full")
        check(r, f"send on channel {self.name!r}")

    def recv(self, timeout: Timeout = None) -> Any:
        """Receive one value, waiting up to ``timeout`` s. ``ClosedError`` when the
        channel is closed and drained, ``queue.Empty`` on timeout."""
        buf = np.empty(1, self.dtype)
        p, ptr = self._ptr, _ptr_of(buf)
        r = blocking(lambda ns: lib.zipc_channel_recv(p, ptr, ns), timeout)
        if r == _ETIMEDOUT:
            raise Empty(f"channel {self.name!r} stayed empty", errno.ETIMEDOUT)
        check(r, f"receive on channel {self.name!r}")
        return scalar(buf)

    def try_recv(self) -> Any:
        """Receive without waiting; ``queue.Empty`` if nothing is there,
        ``ClosedError`` if closed and drained."""
        buf = np.empty(1, self.dtype)
        r = lib.zipc_channel_try_recv(self._ptr, _ptr_of(buf))
        if r == _EAGAIN:
            raise Empty(f"channel {self.name!r} is empty")
        check(r, f"receive on channel {self.name!r}")
        return scalar(buf)

    def close(self) -> None:
        """Close the channel: sends raise ``ClosedError``, receivers drain and
        stop. Idempotent. (The handle stays: see :meth:`release`.)"""
        check(lib.zipc_channel_close(self._ptr), f"close channel {self.name!r}")

    @property
    def closed(self) -> bool:
        """True once the channel was closed."""
        return bool(lib.zipc_channel_is_closed(self._ptr))

    def __len__(self) -> int:
        return int(lib.zipc_channel_count(self._ptr))

    def __iter__(self) -> Iterator[Any]:
        while True:
            try:
                yield self.recv()
            except ClosedError:
                return


def select(channels: Sequence[Channel], timeout: Timeout = None) -> tuple[Channel, Any]:
    """Wait until one of ``channels`` has a value or is closed and drained.

    Returns ``(channel, value)`` with the value received from it, or
    ``(channel, None)`` if that channel is closed and drained.
    ``queue.Empty`` (a TimeoutError) if nothing happened in ``timeout`` s.
    """
    chans = list(channels)
    if not chans:
        raise ValueError("select needs at least one channel")
    arr = (ctypes.c_void_p * len(chans))(*[c._ptr for c in chans])
    buf = np.empty(max(c.dtype.itemsize for c in chans), np.uint8)
    status = ctypes.c_int()
    ptr = _ptr_of(buf)
    r = blocking(lambda ns: lib.zipc_channel_select(arr, len(chans), ptr, ctypes.byref(status),
                                                    ns), timeout)
    if r == _ETIMEDOUT:
        raise Empty("select: no channel was ready", errno.ETIMEDOUT)
    i = check(r, "select")
    ch = chans[i]
    if status.value == _EPIPE:
        return ch, None
    check(status.value, f"receive on channel {ch.name!r}")
    return ch, scalar(np.frombuffer(buf.tobytes()[:ch.dtype.itemsize], dtype=ch.dtype))


KIND_CLASSES: dict[str, type] = {
    "array": Array, "queue": Queue, "stack": Stack, "future": Future, "lazy": Lazy,
    "stream": Stream, "channel": Channel,
}
