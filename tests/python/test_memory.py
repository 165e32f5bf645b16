"""Description: segments from Python: create/open/unlink, the structure list,
indexing by name, and errno mapped to exception types with the library's message."""
from __future__ import annotations

import errno

import numpy as np
import pytest

import zeroipc


def test_memory_create_open_unlink(seg_name: str) -> None:
    with pytest.raises(FileNotFoundError) as ei:
        zeroipc.Memory(seg_name)
    assert isinstance(ei.value, zeroipc.NotFoundError) and ei.value.errno == errno.ENOENT
    assert "no such segment" in str(ei.value)
    with zeroipc.Memory(seg_name, size=1 << 20, entries=8) as m:
        assert m.created and m.name == seg_name
        assert m.usage().max_entries == 8 and m.size == 1 << 20
        with zeroipc.Memory("/" + seg_name, size=999) as again:  # exists: opened as it is
            assert not again.created and again.size == 1 << 20
        assert seg_name in zeroipc.list_segments()
    assert m.closed
    assert zeroipc.Memory.unlink(seg_name)
    assert not zeroipc.Memory.unlink(seg_name, missing_ok=True)
    with pytest.raises(FileNotFoundError):
        zeroipc.Memory.unlink(seg_name)


def test_memory_structures(mem: zeroipc.Memory) -> None:
    zeroipc.Array(mem, "grid", dtype=np.float64, capacity=10)
    zeroipc.Queue(mem, "jobs", dtype=np.int32, capacity=4)
    zeroipc.Stack(mem, "recs", dtype=np.dtype([("a", "<i4"), ("b", "<f8")], align=True),
                  capacity=4)
    zeroipc.Lazy(mem, "pi", dtype=np.float32, value=3.14)
    assert mem.structures() == [("grid", "array", "f64"), ("jobs", "queue", "i32"),
                                ("recs", "stack", "bytes:16"), ("pi", "lazy", "f32")]
    assert "jobs" in mem and "nope" not in mem
    assert isinstance(mem["jobs"], zeroipc.Queue)
    assert mem["pi"].force() == np.float32(3.14)
    mem.remove("jobs")
    assert "jobs" not in mem
    with pytest.raises(KeyError):
        mem.info("jobs")


def test_errors_map_errno(mem: zeroipc.Memory) -> None:
    zeroipc.Queue(mem, "q", dtype=np.int64, capacity=4)
    with pytest.raises(ValueError) as ei:  # EINVAL: the name is a queue
        zeroipc.Array(mem, "q")
    assert ei.value.errno == errno.EINVAL and "not a" in str(ei.value)
    with pytest.raises(FileExistsError):  # EEXIST: exists with another element size
        zeroipc.Queue(mem, "q", dtype=np.int32, capacity=4)
    with pytest.raises(ValueError):
        zeroipc.Queue(mem, "bad/name", dtype=np.int64, capacity=4)
    with pytest.raises(TypeError):  # dtype differs from the tag
        zeroipc.Queue(mem, "q", dtype=np.float64)
    with pytest.raises(TypeError):
        zeroipc.Queue(mem, "o", dtype=object, capacity=4)


def test_segment_full(seg_name: str) -> None:
    with zeroipc.Memory(seg_name, size=64 << 10, entries=4) as m:
        with pytest.raises(zeroipc.SegmentFullError) as ei:
            zeroipc.Array(m, "big", dtype=np.float64, capacity=1 << 20)
        assert ei.value.errno == errno.ENOSPC


def test_corrupt_segment(seg_name: str) -> None:
    with open(f"/dev/shm/{seg_name}", "wb") as f:
        f.write(b"\0" * 4096)
    with pytest.raises(zeroipc.CorruptSegmentError) as ei:
        zeroipc.Memory(seg_name)
    assert ei.value.errno == errno.EBADMSG and "magic" in str(ei.value)


def test_type_strings() -> None:
    assert zeroipc.type_string(np.int64) == "i64"
    assert zeroipc.type_string(np.uint8) == "u8"
    assert zeroipc.type_string(np.float32) == "f32"
    assert zeroipc.type_string(np.complex128) == "bytes:16"
    assert zeroipc.type_string(np.dtype(">i8")) == "bytes:8"
    assert zeroipc.parse_type("f64") == np.float64
    assert zeroipc.parse_type("bytes:3") == np.dtype("V3")
