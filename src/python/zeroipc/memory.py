"""Segments: :class:`Memory`, one POSIX shared-memory object in the zeroipc format.

A ``Memory`` is a handle on a segment (``/dev/shm/NAME``). Structures opened
from it (arrays, queues, ...) keep the mapping alive on their own, so closing
the ``Memory`` while they are in use is safe (libzeroipc counts references).
"""
from __future__ import annotations

import ctypes
import errno
import time
from typing import Any, Callable, NamedTuple, Optional

from ._lib import SEGMENT_VISIT_FN, Entry, Usage, lib
from ._util import type_string
from .errors import error_for, raise_for

__all__ = ["Memory", "StructureInfo", "SegmentUsage", "list_segments", "Handle"]


class Handle:
    """Owns one C handle (``struct zipc_xxx *``) and closes it exactly once:
    on :meth:`release` or when the last reference to it goes away. Views of
    shared memory (numpy arrays) hold a reference, so the mapping they point
    into outlives every explicit ``close()`` of the Python object."""

    __slots__ = ("ptr", "_close")

    def __init__(self, ptr: int, close: Callable[[int], None]) -> None:
        self.ptr: Optional[int] = ptr
        self._close = close

    def release(self) -> None:
        """Close the C handle now (idempotent)."""
        ptr, self.ptr = self.ptr, None
        if ptr:
            self._close(ptr)

    def __del__(self) -> None:
        try:
            self.release()
        except Exception:  # interpreter shutdown: the library may be gone
            pass


class StructureInfo(NamedTuple):
    """One structure in a segment: its name, kind ("queue", "array", ...,
    "untyped") and element type ("i64", "bytes:16", ...)."""
    name: str
    kind: str
    type: str


class SegmentUsage(NamedTuple):
    """Bytes and table entries of a segment, total and used."""
    size: int
    used: int
    entries: int
    max_entries: int


def _segment_path(name: str) -> bytes:
    return name.encode()


class Memory:
    """A zeroipc segment, opened or created.

    ``Memory(name)`` opens the existing segment ``name`` (with or without a
    leading ``/``); it raises ``FileNotFoundError`` if there is none.
    ``Memory(name, size)`` creates it with ``size`` bytes and room for
    ``entries`` structures (default 64), or opens it if it exists (then
    ``size`` and ``entries`` are ignored): every process can run the same line.
    ``mode`` is the permission of a new segment (before the umask).

    Use as a context manager to close the handle (not to remove the segment:
    that is :meth:`Memory.unlink`).
    """

    def __init__(self, name: str, size: Optional[int] = None, entries: Optional[int] = None,
                 mode: int = 0o600) -> None:
        seg = ctypes.c_void_p()
        bname = _segment_path(name)
        self.created = False
        if size is None:
            r = lib.zipc_segment_open(bname, ctypes.byref(seg))
            if r < 0:
                raise_for(r, f"open segment {name!r}")
        else:
            self.created = self._create_or_open(name, int(size), entries, mode, seg)
        self._h: Optional[Handle] = Handle(seg.value, lib.zipc_segment_close)
        self.name: str = lib.zipc_segment_name(seg).decode()

    @staticmethod
    def _create_or_open(name: str, size: int, entries: Optional[int], mode: int,
                        seg: ctypes.c_void_p) -> bool:
        """Open ``name``, or create it if there is none. True if created."""
        bname = _segment_path(name)
        deadline = time.monotonic() + 2.0
        while True:
            r = lib.zipc_segment_open(bname, ctypes.byref(seg))
            if r == 0:
                return False
            if r == -errno.ENOENT:
                r = lib.zipc_segment_create(bname, size, entries or 0, mode, ctypes.byref(seg))
                if r == 0:
                    return True
                if r != -errno.EEXIST:
                    raise_for(r, f"create segment {name!r}")
            elif r != -errno.EBADMSG or time.monotonic() > deadline:
                raise_for(r, f"open segment {name!r}")
            # EEXIST: created by another process since our open; EBADMSG: its
            # creator has not written the header yet. Both pass quickly.
            time.sleep(0.001)

    # -- handle -------------------------------------------------------------

    @property
    def _ptr(self) -> int:
        h = self._h
        if h is None or not h.ptr:
            raise ValueError(f"segment {self.name!r} is closed")
        return h.ptr

    def close(self) -> None:
        """Drop this handle. Structures opened from it stay usable."""
        h, self._h = self._h, None
        if h is not None:
            h.release()

    @property
    def closed(self) -> bool:
        """True after :meth:`close`."""
        return self._h is None

    def __enter__(self) -> "Memory":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else f"{self.usage().size} bytes"
        return f"<zeroipc.Memory {self.name!r} {state}>"

    # -- segment ------------------------------------------------------------

    @staticmethod
    def unlink(name: str, missing_ok: bool = False) -> bool:
        """Remove the segment ``name`` from /dev/shm (processes that have it
        open keep using it). Returns True if it was removed, False if it did
        not exist and ``missing_ok``; else raises ``FileNotFoundError``."""
        r = lib.zipc_segment_unlink(_segment_path(name))
        if r == -errno.ENOENT and missing_ok:
            return False
        if r < 0:
            raise_for(r, f"unlink segment {name!r}")
        return True

    def usage(self) -> SegmentUsage:
        """Size and use of the segment, from its live header."""
        u = Usage()
        r = lib.zipc_segment_usage(self._ptr, ctypes.byref(u))
        if r < 0:
            raise_for(r, f"segment {self.name!r}")
        return SegmentUsage(u.size, u.used, u.entries, u.max_entries)

    @property
    def size(self) -> int:
        """Size of the segment in bytes."""
        return self.usage().size

    @property
    def fd(self) -> int:
        """File descriptor of the shm object (owned by the segment handle)."""
        return int(lib.zipc_segment_fd(self._ptr))

    @property
    def base(self) -> int:
        """Address of the segment's byte 0 in this process."""
        return int(lib.zipc_segment_base(self._ptr))

    # -- registry -----------------------------------------------------------

    def _entries(self) -> list[Entry]:
        n = 64
        while True:
            buf = (Entry * n)()
            r = lib.zipc_entry_list(self._ptr, buf, n)
            if r < 0:
                raise_for(r, f"segment {self.name!r}")
            if r <= n:
                return list(buf[:r])
            n = r + 16  # grew meanwhile: ask again with room to spare

    def structures(self) -> list[StructureInfo]:
        """Every structure in the segment as (name, kind, type), in table order."""
        out = []
        for e in self._entries():
            kind = lib.zipc_kind_name(e.kind).decode()
            out.append(StructureInfo(e.name.decode("utf-8", "replace"), kind,
                                     type_string(e.type)))
        return out

    def info(self, name: str) -> StructureInfo:
        """(name, kind, type) of the structure ``name``; ``KeyError`` if absent."""
        e = Entry()
        r = lib.zipc_entry_find(self._ptr, name.encode(), ctypes.byref(e))
        if r == -errno.ENOENT:
            raise KeyError(name)
        if r < 0:
            raise_for(r, f"structure {name!r}")
        return StructureInfo(name, lib.zipc_kind_name(e.kind).decode(), type_string(e.type))

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        try:
            self.info(name)
            return True
        except (KeyError, ValueError):
            return False

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(s.name for s in self.structures())

    def __getitem__(self, name: str) -> Any:
        """Open the structure ``name`` as the class of its kind (Array, Queue, ...)."""
        from . import structures as _s
        kind = self.info(name).kind
        cls = _s.KIND_CLASSES.get(kind)
        if cls is None:
            raise TypeError(f"{name!r} is {kind}: open it with an explicit class and dtype")
        return cls(self, name)

    def remove(self, name: str) -> None:
        """Remove the structure ``name`` from the table (its space is not
        reclaimed; processes holding it keep using it)."""
        r = lib.zipc_entry_remove(self._ptr, name.encode())
        if r < 0:
            raise_for(r, f"remove {name!r}")


def list_segments() -> list[str]:
    """Names of every shm object in /dev/shm in the zeroipc format."""
    names: list[str] = []

    @SEGMENT_VISIT_FN
    def visit(name: bytes, ctx: Any) -> int:
        names.append(name.decode("utf-8", "replace"))
        return 0

    r = lib.zipc_segment_list(visit, None)
    if r < 0:
        raise error_for(r, "list segments")
    return names
