"""Description: mmap_file maps the bytes a structure file's zero-copy
attributes name. The filesystem is not mounted here: a plain file carries the
same user.zeroipc.* attributes, pointing at a real array in /dev/shm."""
from __future__ import annotations

import os
import tempfile
from typing import Optional

import numpy as np
import pytest

import zeroipc


def _fake_structure_file(directory: str, shm: str, offset: int, length: int) -> Optional[str]:
    path = os.path.join(directory, "grid")
    open(path, "wb").close()
    try:
        os.setxattr(path, "user.zeroipc.shm_path", shm.encode())
    except OSError:
        return None  # no user xattrs on this filesystem
    os.setxattr(path, "user.zeroipc.shm_offset", str(offset).encode())
    os.setxattr(path, "user.zeroipc.shm_length", str(length).encode())
    return path


def test_mmap_file_views_the_array(mem: zeroipc.Memory) -> None:
    a = zeroipc.Array(mem, "grid", dtype=np.float64, capacity=3000)
    a.data[:] = np.arange(3000)
    for directory in ("/dev/shm", tempfile.gettempdir()):
        with tempfile.TemporaryDirectory(dir=directory, prefix="zt_py_files_") as d:
            path = _fake_structure_file(d, f"/dev/shm/{mem.name}", a.offset, 3000 * 8)
            if path is None:
                continue
            assert zeroipc.shm_location(path) == (f"/dev/shm/{mem.name}", a.offset, 24000)
            view = zeroipc.mmap_file(path, np.float64)
            assert view.shape == (3000,) and view[2999] == 2999.0
            view[7] = -7.0  # the same memory: the array sees it at once
            assert a.data[7] == -7.0
            a.data[8] = -8.0
            assert view[8] == -8.0
            return
    pytest.skip("no filesystem here supports user xattrs")


def test_mmap_file_without_attributes() -> None:
    with tempfile.NamedTemporaryFile() as f:
        with pytest.raises(OSError, match="zero-copy attribute"):
            zeroipc.mmap_file(f.name, np.int64)
