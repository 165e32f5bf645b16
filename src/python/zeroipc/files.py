"""Zero-copy views of structure files in the mounted zeroipc filesystem.

The filesystem (zeroipcfs) shows every structure as a file and tells where
its bytes live through extended attributes: ``user.zeroipc.shm_path`` (the shm
object), ``user.zeroipc.shm_offset`` and ``user.zeroipc.shm_length`` (the
bytes within it; page-aligned for arrays). :func:`mmap_file` maps exactly
those bytes, so the numpy array it returns is the shared memory itself.
"""
from __future__ import annotations

import mmap
import os
from typing import Optional

import numpy as np

from ._util import DTypeLike

__all__ = ["mmap_file", "shm_location"]

_PREFIX = "user.zeroipc."


def _xattr(path: str, key: str) -> str:
    try:
        raw = os.getxattr(path, _PREFIX + key)
    except OSError as e:
        raise OSError(e.errno, f"{path}: no zero-copy attribute {_PREFIX + key} "
                               f"(is it a structure file of a mounted zeroipcfs?)") from e
    return raw.rstrip(b"\0").decode().strip()


def shm_location(path: str) -> tuple[str, int, int]:
    """(shm file path, offset, length) of the structure file ``path``."""
    shm = _xattr(path, "shm_path")
    if not shm.startswith("/dev/shm/"):
        shm = "/dev/shm/" + shm.lstrip("/")
    return shm, int(_xattr(path, "shm_offset"), 0), int(_xattr(path, "shm_length"), 0)


def mmap_file(path: str, dtype: DTypeLike, writable: Optional[bool] = None) -> np.ndarray:
    """A numpy array of ``dtype`` over the bytes of the structure file ``path``.

    Maps the shm object named by the file's attributes at its offset: no copy,
    stores are seen by every process at once (if ``writable``; default: when
    the shm object can be opened read-write). A trailing part smaller than one
    element is left out.
    """
    shm, offset, length = shm_location(path)
    dt = np.dtype(dtype)
    if writable is None:
        writable = os.access(shm, os.R_OK | os.W_OK)
    fd = os.open(shm, os.O_RDWR if writable else os.O_RDONLY)
    try:
        start = offset - offset % mmap.ALLOCATIONGRANULARITY
        delta = offset - start
        if length == 0:
            return np.empty(0, dt)
        mm = mmap.mmap(fd, delta + length, mmap.MAP_SHARED,
                       mmap.PROT_READ | (mmap.PROT_WRITE if writable else 0), offset=start)
    finally:
        os.close(fd)
    count = length // dt.itemsize
    return np.frombuffer(mm, dtype=dt, count=count, offset=delta)
