"""Description: the cross-language checks that involve the filesystem, on a
real zeroipcfs mount: a lazy a C++ lambda computes is read by Python and by
`cat` of its file (computed once); a future Python sets wakes a C program and
a `cat` that were waiting on it; mmap_file on a mounted array file maps the
bytes the core sees, in both directions, against a C process.

Each test mounts zeroipcfs in its own /tmp/zeroipc-test.* directory showing
only segments named zt_pyfs_<pid>_*, and always unmounts it and unlinks those
segments. Skipped when zeroipcfs is not built (ZEROIPC_TEST_ZEROIPCFS unset),
without /dev/fuse, or not as root (the daemon mounts with allow_other)."""
from __future__ import annotations

import glob
import os
import subprocess
import tempfile
import time
from typing import Iterator

import numpy as np
import pytest

import zeroipc


class Mount:
    """A zeroipcfs mount showing only the segments named ``prefix``..."""

    def __init__(self, daemon: str) -> None:
        self.prefix = f"zt_pyfs_{os.getpid()}_"
        self.path = tempfile.mkdtemp(prefix="zeroipc-test.", dir="/tmp")
        self.log = tempfile.TemporaryFile(prefix="zeroipc-test-log.", dir="/tmp")
        self.proc = subprocess.Popen([daemon, self.path, "-f", "-o", f"prefix={self.prefix}"],
                                     stdout=self.log, stderr=self.log)

    def wait_mounted(self) -> None:
        deadline = time.monotonic() + 10
        while not os.path.ismount(self.path):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"zeroipcfs did not mount (exit {self.proc.poll()}): {self.log_text()}")
            time.sleep(0.02)

    def log_text(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-2000:]

    def seg(self, name: str) -> str:
        """The full name of this mount's segment ``name``."""
        return self.prefix + name

    def file(self, seg: str, name: str) -> str:
        """The path of structure ``name`` of this mount's segment ``seg``."""
        return os.path.join(self.path, self.prefix + seg, name)

    def close(self) -> None:
        if os.path.ismount(self.path):
            r = subprocess.run(["fusermount3", "-u", self.path], capture_output=True)
            if r.returncode != 0:
                subprocess.run(["umount", "-l", self.path], capture_output=True)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        try:
            os.rmdir(self.path)
        except OSError:
            pass
        self.log.close()
        for shm in glob.glob(f"/dev/shm/{glob.escape(self.prefix)}*"):
            zeroipc.Memory.unlink(os.path.basename(shm), missing_ok=True)


@pytest.fixture
def fs_mount(request: pytest.FixtureRequest) -> Iterator[Mount]:
    """zeroipcfs mounted for this test; unmounted and its segments unlinked after."""
    daemon = os.environ.get("ZEROIPC_TEST_ZEROIPCFS")
    if not daemon:
        pytest.skip("zeroipcfs is not built (ZEROIPC_TEST_ZEROIPCFS unset)")
    if not os.access(daemon, os.X_OK):
        pytest.fail(f"ZEROIPC_TEST_ZEROIPCFS={daemon} is not an executable")
    if not os.path.exists("/dev/fuse"):
        pytest.skip("no /dev/fuse")
    if os.geteuid() != 0:
        pytest.skip("needs root (zeroipcfs mounts with allow_other)")
    m = Mount(daemon)
    request.addfinalizer(m.close)
    m.wait_mounted()
    yield m


def xattr(path: str, name: str) -> str:
    return os.getxattr(path, "user.zeroipc." + name).decode()


def hamiltonian() -> np.ndarray:
    """The matrix cpp_helper's lambda computes (16x16 doubles)."""
    i = np.arange(16)
    return (np.diag(2.0 + i) - np.eye(16, k=1) - np.eye(16, k=-1)).ravel()


def test_cpp_lazy_read_by_python_and_cat(fs_mount: Mount, cpp_helper: str) -> None:
    seg = fs_mount.seg("lazy")
    with zeroipc.Memory(seg, size=16 << 20) as mem:
        # the lazy exists, empty: its file can be opened before anyone computes it
        zeroipc.Lazy(mem, "H_matrix", dtype="V2048")
        path = fs_mount.file("lazy", "H_matrix")
        assert xattr(path, "kind") == "lazy" and xattr(path, "state") == "empty"
        early = subprocess.Popen(["cat", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            time.sleep(0.3)
            assert early.poll() is None, "cat of an unforced lazy did not wait"
            # C++: the lambda computes it (the paper's processes A and B)
            r = subprocess.run([cpp_helper, "lazy-matrix", seg, "H_matrix"], capture_output=True,
                               text=True, timeout=60)
            assert r.returncode == 0, r.stderr
            assert r.stdout.strip() == "1"
            out, err = early.communicate(timeout=20)
        finally:
            if early.poll() is None:
                early.kill()
                early.wait()
        assert early.returncode == 0, err
        want = hamiltonian()
        assert out == want.tobytes(), "cat (waiting before the computation) got other bytes"
        # Python, and a cat after the fact: the cached value, not computed again
        lz = zeroipc.Lazy(mem, "H_matrix", dtype=np.float64)
        assert np.array_equal(lz.force(), want)
        late = subprocess.run(["cat", path], capture_output=True, timeout=20)
        assert late.returncode == 0 and late.stdout == want.tobytes()
        assert xattr(path, "state") == "ready"
        assert lz.info().compute_count == 1


def test_python_future_wakes_c_and_cat(fs_mount: Mount, c_helper: str) -> None:
    seg = fs_mount.seg("future")
    value = 2.718281828459045
    with zeroipc.Memory(seg, size=1 << 20) as mem:
        f = zeroipc.Future(mem, "result", dtype=np.float64)
        path = fs_mount.file("future", "result")
        waiters = [
            subprocess.Popen([c_helper, "future-wait", seg, "result", "20000"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True),
            subprocess.Popen(["cat", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True),
        ]
        try:
            time.sleep(0.3)  # both asleep on the future
            assert [p.poll() for p in waiters] == [None, None], "a reader did not wait"
            f.set(value)
            outs = [p.communicate(timeout=20) for p in waiters]
        finally:
            for p in waiters:
                if p.poll() is None:
                    p.kill()
                    p.wait()
        for p, (out, err) in zip(waiters, outs):
            assert p.returncode == 0, f"{p.args[0]}: {err}"
            assert out.endswith("\n") and float(out) == value, f"{p.args[0]} printed {out!r}"
        assert xattr(path, "state") == "ready"
        with open(path) as file:  # read again: the value, at once
            assert float(file.read()) == value


def test_mmap_file_on_a_mount_is_the_core_memory(fs_mount: Mount, c_helper: str) -> None:
    seg = fs_mount.seg("array")
    with zeroipc.Memory(seg, size=16 << 20) as mem:
        a = zeroipc.Array(mem, "grid", dtype=np.float64, capacity=3000)
        a.data[:] = np.arange(3000) * 0.5
        path = fs_mount.file("array", "grid")
        assert xattr(path, "shm_path") == f"/dev/shm/{seg}"
        assert int(xattr(path, "shm_length")) == 3000 * 8
        assert int(xattr(path, "shm_offset")) % 4096 == 0  # page-aligned: mappable alone
        view = zeroipc.mmap_file(path, np.float64)
        assert view.shape == (3000,) and view.flags.writeable
        assert np.array_equal(view, a.data)
        with open(path, "rb") as file:  # and read() of the file: the same bytes
            assert file.read() == a.data.tobytes()
        # the same memory: a store through either is seen at once through the other
        view[7] = -1.25
        assert a[7] == -1.25
        a[2999] = 42.0
        assert view[2999] == 42.0
        # and another process working through the core (ping-pong on a[0..3])
        view[:4] = 0
        c = subprocess.Popen([c_helper, "array-echo", seg, "grid"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        try:
            view[0] = 1.0
            deadline = time.monotonic() + 10
            while view[1] != 2.0:
                assert time.monotonic() < deadline, "the C store never reached the mapping"
            view[2] = 3.0
            out, err = c.communicate(timeout=20)
        finally:
            if c.poll() is None:
                c.kill()
                c.wait()
        assert c.returncode == 0, err
        assert view[3] == 4.0 and a[3] == 4.0
        del view
