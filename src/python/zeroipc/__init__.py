"""zeroipc: lock-free IPC in POSIX shared memory, from Python.

Python bindings of libzeroipc (the C library is the one implementation; this
package calls it through ctypes), with numpy for element data. Segments and
structures made here are the ones C and C++ programs open, and the reverse::

    import numpy as np, zeroipc

    with zeroipc.Memory("/demo", size=1 << 20) as mem:
        q = zeroipc.Queue(mem, "jobs", dtype=np.int64, capacity=1024)
        q.push_batch(np.arange(100))
        print(q.pop_batch(10))
        a = zeroipc.Array(mem, "grid", dtype=np.float64, capacity=1000)
        a.data[:] = 1.0          # stores into shared memory: no copy
    zeroipc.Memory.unlink("/demo")

Set ``ZEROIPC_LIBRARY`` to the path of libzeroipc.so to use a particular build.
"""
from __future__ import annotations

from ._lib import has, library_path
from ._util import parse_type, type_string
from .errors import (AlreadySetError, ClosedError, ComputeError, CorruptSegmentError, Empty,
                     ExistsError, Full, InvalidError, NotFoundError, SegmentFullError,
                     TimedOutError, ZeroIPCError)
from .files import mmap_file, shm_location
from .memory import Memory, SegmentUsage, StructureInfo, list_segments
from .structures import (Array, Channel, Future, Lazy, LazyState, Queue, Stack, Stream,
                         Subscription, select)

__version__ = "0.1.0"

__all__ = [
    "Memory", "Array", "Queue", "Stack", "Future", "Lazy", "LazyState", "Stream",
    "Subscription", "Channel", "select", "mmap_file", "shm_location", "list_segments",
    "StructureInfo", "SegmentUsage", "type_string", "parse_type", "has", "library_path",
    "ZeroIPCError", "NotFoundError", "ExistsError", "InvalidError", "SegmentFullError",
    "CorruptSegmentError", "TimedOutError", "ClosedError", "AlreadySetError", "ComputeError",
    "Full", "Empty",
]
