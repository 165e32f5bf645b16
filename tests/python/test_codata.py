"""Description: futures, lazies, streams and channels from Python, across
processes: a future set here that a C program waits on, a lazy computed once
by racing Python processes, a lazy computed by a C++ lambda read here,
providers, and streams/channels that end at close."""
from __future__ import annotations

import queue
import subprocess
import threading
import time

import numpy as np
import pytest

import zeroipc
from conftest import spawn_python


# ------------------------------------------------------------------ Future


def test_future_set_get(mem: zeroipc.Memory) -> None:
    f = zeroipc.Future(mem, "answer", dtype=np.float64)
    assert f.state == "pending" and f.try_get() is None and not f.done()
    with pytest.raises(TimeoutError):
        f.get(timeout=0.01)
    threading.Timer(0.05, lambda: zeroipc.Future(mem, "answer").set(42.0)).start()
    assert f.get(timeout=5) == 42.0
    assert f.state == "ready" and f.done()
    with pytest.raises(zeroipc.AlreadySetError):
        f.set(1.0)


def test_future_shape_and_failure(mem: zeroipc.Memory) -> None:
    f = zeroipc.Future(mem, "m", dtype=np.int32, shape=(2, 3))
    f.set(np.arange(6).reshape(2, 3))
    again = zeroipc.Future(mem, "m")  # opened: element count from the segment
    assert again.shape == (6,)
    assert np.array_equal(zeroipc.Future(mem, "m", dtype=np.int32, shape=(2, 3)).get(),
                          np.arange(6).reshape(2, 3))
    bad = zeroipc.Future(mem, "bad", dtype=np.float64)
    bad.fail("solver diverged")
    with pytest.raises(zeroipc.ComputeError, match="solver diverged"):
        bad.get()
    assert bad.error == "solver diverged"


def test_python_sets_future_c_waits(mem: zeroipc.Memory, c_helper: str) -> None:
    f = zeroipc.Future(mem, "result", dtype=np.float64)
    proc = subprocess.Popen([c_helper, "future-wait", mem.name, "result", "20000"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.2)  # let the C program go to sleep on the future
    assert proc.poll() is None
    f.set(2.718281828459045)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert float(out) == 2.718281828459045


# ------------------------------------------------------------------ Lazy


def test_lazy_computes_once(mem: zeroipc.Memory) -> None:
    runs = []
    lz = zeroipc.Lazy(mem, "table", dtype=np.float64, shape=(4,))
    assert lz.try_get() is None and lz.state == "empty"
    v = lz.force(lambda: runs.append(1) or np.arange(4.0))
    assert np.array_equal(v, np.arange(4.0)) and runs == [1]
    assert np.array_equal(lz.force(lambda: runs.append(2) or np.zeros(4)), np.arange(4.0))
    assert runs == [1] and lz.info().compute_count == 1
    assert zeroipc.Lazy(mem, "table", dtype=np.float64).force().shape == (4,)


def test_lazy_scalar_and_compute_default(mem: zeroipc.Memory) -> None:
    lz = zeroipc.Lazy(mem, "one", dtype=np.int64, compute=lambda: 7)
    v = lz.force()
    assert v == 7 and isinstance(v, np.int64)  # one element, no shape: a scalar


def test_lazy_error_reaches_everyone(mem: zeroipc.Memory) -> None:
    lz = zeroipc.Lazy(mem, "broken", dtype=np.float64)
    with pytest.raises(zeroipc.ComputeError) as ei:
        lz.force(lambda: 1 / 0)
    assert isinstance(ei.value.__cause__, ZeroDivisionError)
    assert "ZeroDivisionError" in str(ei.value)
    with pytest.raises(zeroipc.ComputeError, match="division by zero"):
        zeroipc.Lazy(mem, "broken").force(lambda: 1.0)
    assert lz.state == "error"


def test_lazy_once_across_racing_processes(mem: zeroipc.Memory) -> None:
    zeroipc.Lazy(mem, "slow", dtype=np.float64, shape=(3,))
    counter = zeroipc.Array(mem, "runs", dtype=np.int64, capacity=1)
    code = ("import sys, time, numpy as np, zeroipc\n"
            "m = zeroipc.Memory(sys.argv[1]); runs = zeroipc.Array(m, 'runs')\n"
            "lz = zeroipc.Lazy(m, 'slow', dtype=np.float64)\n"
            "def compute():\n"
            "    runs[0] += 1\n"
            "    time.sleep(0.3)\n"
            "    return [1.0, 2.0, 3.0]\n"
            "print(lz.force(compute).sum())\n")
    procs = [spawn_python(code, mem.name) for _ in range(6)]
    for p in procs:
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
        assert float(out) == 6.0
    assert counter[0] == 1
    assert zeroipc.Lazy(mem, "slow").info().compute_count == 1


def test_lazy_provider_serves_demand(mem: zeroipc.Memory) -> None:
    zeroipc.Lazy(mem, "served", dtype=np.int32, shape=(2,))
    provider = spawn_python(
        "import sys, zeroipc\n"
        "m = zeroipc.Memory(sys.argv[1])\n"
        "lz = zeroipc.Lazy(m, 'served')\n"
        "print(lz.serve(lambda: [5, 6], timeout=30))\n", mem.name)
    v = zeroipc.Lazy(mem, "served").force(timeout=30)  # no function: waits for the provider
    assert list(v) == [5, 6]
    out, err = provider.communicate(timeout=30)
    assert provider.returncode == 0, err
    assert out.strip() == "True"
    assert not zeroipc.Lazy(mem, "served").provide([0, 0])


def test_cpp_lambda_computes_lazy_python_reads(seg_name: str, cpp_helper: str) -> None:
    r = subprocess.run([cpp_helper, "lazy-matrix", seg_name, "H_matrix"], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "1"  # computed once, by the C++ process
    with zeroipc.Memory(seg_name) as mem:
        lz = zeroipc.Lazy(mem, "H_matrix", dtype=np.float64, shape=(16, 16))
        assert mem.info("H_matrix").type == "bytes:2048"  # a C++ Matrix struct
        H = lz.force()
        assert H.shape == (16, 16) and H[3, 3] == 5.0 and H[3, 4] == -1.0 and H[0, 5] == 0.0
        assert lz.info().compute_count == 1


# ------------------------------------------------------------------ Stream, Channel

needs_stream = pytest.mark.skipif(not zeroipc.has("zipc_stream_create"),
                                  reason="this libzeroipc has no streams yet")
needs_channel = pytest.mark.skipif(not zeroipc.has("zipc_channel_create"),
                                   reason="this libzeroipc has no channels yet")


@needs_stream
def test_stream_subscribe_iterate_close(mem: zeroipc.Memory) -> None:
    st = zeroipc.Stream(mem, "ticks", dtype=np.float64, capacity=64)
    sub = st.subscribe()
    with pytest.raises(queue.Empty):
        sub.try_get()
    writer = spawn_python(
        "import sys, numpy as np, zeroipc\n"
        "m = zeroipc.Memory(sys.argv[1]); st = zeroipc.Stream(m, 'ticks')\n"
        "for i in range(500): st.emit(float(i))\n"
        "st.emit_batch(np.arange(500, 1000, dtype=np.float64))\n"
        "st.close()\n", mem.name)
    got = list(sub)
    assert got == [float(i) for i in range(1000)]
    assert st.closed and st.emitted == 1000
    _, err = writer.communicate(timeout=30)
    assert writer.returncode == 0, err
    with pytest.raises(zeroipc.ClosedError):
        st.emit(1.0)
    sub.unsubscribe()


@needs_stream
def test_stream_overwrite_counts_missed(mem: zeroipc.Memory) -> None:
    st = zeroipc.Stream(mem, "lossy", dtype=np.int32, capacity=8, policy="overwrite")
    assert st.policy == "overwrite"
    with st.subscribe() as sub:
        st.emit_batch(np.arange(20, dtype=np.int32))
        st.close()
        got = list(sub)
        assert got[-1] == 19 and len(got) + sub.missed == 20 and sub.missed > 0


@needs_channel
def test_channel_send_recv_iterate(mem: zeroipc.Memory) -> None:
    ch = zeroipc.Channel(mem, "work", dtype=np.int64, capacity=16)
    with pytest.raises(queue.Empty):
        ch.try_recv()
    sender = spawn_python(
        "import sys, zeroipc\n"
        "m = zeroipc.Memory(sys.argv[1]); ch = zeroipc.Channel(m, 'work')\n"
        "for i in range(1, 301): ch.send(i)\n"
        "ch.close()\n", mem.name)
    total = sum(int(v) for v in ch)  # iteration ends at close
    assert total == 300 * 301 // 2
    _, err = sender.communicate(timeout=30)
    assert sender.returncode == 0, err
    with pytest.raises(zeroipc.ClosedError):
        ch.send(1)
    with pytest.raises(zeroipc.ClosedError):
        ch.recv()


@needs_channel
def test_channel_select(mem: zeroipc.Memory) -> None:
    a = zeroipc.Channel(mem, "a", dtype=np.int32, capacity=4)
    b = zeroipc.Channel(mem, "b", dtype=np.float64, capacity=4)
    with pytest.raises(queue.Empty):
        zeroipc.select([a, b], timeout=0.01)
    b.send(2.5)
    ch, v = zeroipc.select([a, b], timeout=5)
    assert ch is b and v == 2.5
    a.close()
    ch, v = zeroipc.select([a, b], timeout=5)
    assert ch is a and v is None


@needs_channel
def test_channel_unbuffered(mem: zeroipc.Memory) -> None:
    ch = zeroipc.Channel(mem, "rv", dtype=np.int32, capacity=0)
    assert ch.capacity == 0
    with pytest.raises(queue.Full):
        ch.send(1, timeout=0.01)  # nobody receives: withdrawn
    t = threading.Thread(target=lambda: ch.send(9, timeout=10))
    t.start()
    assert ch.recv(timeout=10) == 9
    t.join()
