"""Description: arrays from Python: the numpy view is the shared memory
itself (seen at once by another handle and another process), structured
dtypes, and views that outlive the handle."""
from __future__ import annotations

import subprocess

import numpy as np
import pytest

import zeroipc
from conftest import run_python


def test_array_view_is_shared(mem: zeroipc.Memory) -> None:
    a = zeroipc.Array(mem, "grid", dtype=np.float64, capacity=1000)
    assert a.offset % 4096 == 0 and len(a) == 1000
    assert np.all(a.data == 0)
    a.data[:] = np.arange(1000)
    b = zeroipc.Array(mem, "grid")
    assert b.dtype == np.float64 and b.capacity == 1000
    assert np.asarray(b)[999] == 999.0
    b[5] = -1
    assert a.data[5] == -1
    assert np.shares_memory(np.asarray(a), a.data)
    assert a.data.ctypes.data == mem.base + a.offset


def test_array_structured(mem: zeroipc.Memory) -> None:
    dt = np.dtype([("x", "<f8"), ("y", "<f8"), ("id", "<i4"), ("pad", "<i4")])
    a = zeroipc.Array(mem, "pts", dtype=dt, capacity=8)
    a.data["id"] = np.arange(8)
    b = zeroipc.Array(mem, "pts")  # opened as bytes:24, viewed as V24
    assert b.dtype == np.dtype("V24")
    c = zeroipc.Array(mem, "pts", dtype=dt)
    assert list(c.data["id"]) == list(range(8))


def test_array_view_outlives_handle(mem: zeroipc.Memory) -> None:
    a = zeroipc.Array(mem, "v", dtype=np.int32, capacity=16)
    view = a.data
    a.close()
    mem.close()
    view[:] = 7  # the mapping stays while a view exists
    assert view.sum() == 7 * 16


def test_array_other_python_process(mem: zeroipc.Memory) -> None:
    a = zeroipc.Array(mem, "shared", dtype=np.int64, capacity=4)
    a[0] = 41
    r = run_python("import sys, zeroipc\n"
                   "m = zeroipc.Memory(sys.argv[1]); a = zeroipc.Array(m, 'shared')\n"
                   "a[1] = a[0] + 1\n", mem.name)
    assert r.returncode == 0, r.stderr
    assert a[1] == 42


def test_array_and_c_writer_see_stores_at_once(mem: zeroipc.Memory, c_helper: str) -> None:
    """Ping-pong over plain stores: Python a[0]=1 -> C a[1]=2 -> Python a[2]=3 -> C a[3]=4."""
    a = zeroipc.Array(mem, "pingpong", dtype=np.float64, capacity=4)
    proc = subprocess.Popen([c_helper, "array-echo", mem.name, "pingpong"],
                            stderr=subprocess.PIPE, text=True)
    try:
        a.data[0] = 1.0
        _await(lambda: a.data[1] == 2.0)
        a.data[2] = 3.0
        _await(lambda: a.data[3] == 4.0)
    finally:
        assert proc.wait(timeout=20) == 0, proc.stderr.read() if proc.stderr else ""


def _await(cond, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    import time
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            pytest.fail("store not seen in time")
