"""Description: queues and stacks from Python: single and batch push/pop,
queue.Full/queue.Empty on full, empty and timeout, Ctrl-C interrupting a
blocked pop, and elements carried between Python processes, from C and to C++."""
from __future__ import annotations

import queue
import signal
import subprocess
import threading
import time

import numpy as np
import pytest

import zeroipc
from conftest import run_python, spawn_python


def test_queue_push_pop(mem: zeroipc.Memory) -> None:
    q = zeroipc.Queue(mem, "jobs", dtype=np.int64, capacity=5)
    assert q.capacity == 8  # rounded up to a power of two
    assert q.empty()
    q.push(1)
    q.try_push(np.int64(2))
    q.put(3)
    assert len(q) == 3 and q.qsize() == 3
    assert q.pop() == 1 and q.try_pop() == 2 and q.get() == 3
    q.push(4)
    assert isinstance(q.pop(timeout=0), np.int64)
    with pytest.raises(ValueError):
        q.push([1, 2])


def test_queue_full_and_empty(mem: zeroipc.Memory) -> None:
    q = zeroipc.Queue(mem, "small", dtype=np.int32, capacity=2)
    with pytest.raises(queue.Empty):
        q.try_pop()
    with pytest.raises(queue.Empty):
        q.get_nowait()
    t0 = time.monotonic()
    with pytest.raises(queue.Empty) as ei:
        q.pop(timeout=0.05)
    assert time.monotonic() - t0 >= 0.04
    assert isinstance(ei.value, TimeoutError)
    q.push(1)
    q.push(2)
    assert q.full()
    with pytest.raises(queue.Full):
        q.try_push(3)
    with pytest.raises(queue.Full):
        q.push(3, timeout=0.01)


def test_queue_batches(mem: zeroipc.Memory) -> None:
    q = zeroipc.Queue(mem, "batch", dtype=np.float64, capacity=1024)
    assert q.push_batch(np.arange(1000, dtype=np.float64)) == 1000
    got = q.pop_batch(600)
    assert len(got) == 600 and got[0] == 0 and got[-1] == 599
    out = np.empty(1000)
    rest = q.pop_batch(out=out)
    assert len(rest) == 400 and rest[0] == 600 and np.shares_memory(rest, out)
    with pytest.raises(queue.Empty):
        q.try_pop_batch(10)
    assert q.try_push_batch(np.zeros(2000)) == 1024  # as many as fit
    with pytest.raises(queue.Full):
        q.try_push_batch([1.0])
    assert len(q.try_pop_batch()) == 1024


def test_queue_partial_batch_on_timeout(mem: zeroipc.Memory) -> None:
    q = zeroipc.Queue(mem, "partial", dtype=np.int64, capacity=4)
    assert q.push_batch(np.arange(10), timeout=0.02) == 4
    with pytest.raises(queue.Full):
        q.push_batch(np.arange(10), timeout=0.01)


def test_stack(mem: zeroipc.Memory) -> None:
    s = zeroipc.Stack(mem, "s", dtype=np.dtype([("k", "<i8"), ("v", "<f4")]), capacity=3)
    s.push((1, 1.5))
    s.push((2, 2.5))
    top = s.pop()
    assert top["k"] == 2 and top["v"] == np.float32(2.5)
    assert s.try_pop()["k"] == 1
    with pytest.raises(queue.Empty):
        s.pop(timeout=0.01)


def test_ctrl_c_interrupts_blocked_pop(mem: zeroipc.Memory) -> None:
    q = zeroipc.Queue(mem, "idle", dtype=np.int64, capacity=4)
    main = threading.main_thread().ident
    assert main is not None and threading.get_ident() == main
    # The terminal's SIGINT goes to the main thread; send it there the same way.
    timer = threading.Timer(0.2, signal.pthread_kill, (main, signal.SIGINT))
    timer.start()
    t0 = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            q.pop(timeout=20)  # no element will come: only the signal ends this
    finally:
        timer.cancel()
    assert time.monotonic() - t0 < 5


def test_signal_handler_that_returns_resumes_the_wait(mem: zeroipc.Memory) -> None:
    """A handler that does not raise: the pop runs it, then waits on (-EINTR retried)."""
    q = zeroipc.Queue(mem, "resume", dtype=np.int64, capacity=4)
    main = threading.main_thread().ident
    assert main is not None
    seen: list[float] = []
    old = signal.signal(signal.SIGUSR1, lambda signum, frame: seen.append(time.monotonic()))
    t0 = time.monotonic()
    kick = threading.Timer(0.1, signal.pthread_kill, (main, signal.SIGUSR1))
    feed = threading.Timer(0.4, lambda: zeroipc.Queue(mem, "resume").push(5))
    try:
        kick.start()
        feed.start()
        assert q.pop(timeout=10) == 5
    finally:
        kick.cancel()
        feed.cancel()
        signal.signal(signal.SIGUSR1, old)
    # The handler ran during the wait (the C call returned -EINTR at 0.1 s and
    # the binding ran it), not after the element came at 0.4 s.
    assert len(seen) == 1 and seen[0] - t0 < 0.35


def test_queue_between_python_processes(mem: zeroipc.Memory) -> None:
    q = zeroipc.Queue(mem, "xproc", dtype=np.int64, capacity=256)
    consumer = spawn_python(
        "import sys, numpy as np, zeroipc\n"
        "m = zeroipc.Memory(sys.argv[1]); q = zeroipc.Queue(m, 'xproc')\n"
        "got = []\n"
        "while len(got) < 100000: got.extend(q.pop_batch(1000, timeout=30))\n"
        "assert got == list(range(100000)), 'order'\n"
        "print(sum(got))\n", mem.name)
    for chunk in np.array_split(np.arange(100000), 37):
        assert q.push_batch(chunk, timeout=30) == len(chunk)
    out, err = consumer.communicate(timeout=60)
    assert consumer.returncode == 0, err
    assert int(out) == sum(range(100000))


def test_c_pushes_python_pops(mem: zeroipc.Memory, c_helper: str) -> None:
    q = zeroipc.Queue(mem, "from_c", dtype=np.int64, capacity=64)
    n = 20000
    proc = subprocess.Popen([c_helper, "push-i64", mem.name, "from_c", str(n)],
                            stderr=subprocess.PIPE, text=True)
    got = q.pop_batch(64, timeout=30)
    while len(got) < n:
        got = np.concatenate([got, q.pop_batch(64, timeout=30)])
    assert proc.wait(timeout=30) == 0, proc.stderr.read() if proc.stderr else ""
    assert np.array_equal(got, np.arange(n))


def test_python_pushes_batch_cpp_pops(mem: zeroipc.Memory, cpp_helper: str) -> None:
    q = zeroipc.Queue(mem, "to_cpp", dtype=np.int64, capacity=4096)
    n = 1_000_000
    proc = subprocess.Popen([cpp_helper, "pop-batch", mem.name, "to_cpp", str(n)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert q.push_batch(np.arange(n, dtype=np.int64), timeout=60) == n  # one call
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert int(out) == n * (n - 1) // 2


def test_pop_in_other_process_is_woken(mem: zeroipc.Memory) -> None:
    q = zeroipc.Queue(mem, "wake", dtype=np.float32, capacity=4)
    r = run_python("import sys, zeroipc\n"
                   "m = zeroipc.Memory(sys.argv[1]); q = zeroipc.Queue(m, 'wake')\n"
                   "q.push(2.5)\n", mem.name)
    assert r.returncode == 0, r.stderr
    assert q.pop(timeout=5) == np.float32(2.5)
