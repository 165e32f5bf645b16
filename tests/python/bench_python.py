#!/usr/bin/env python3
"""Description: Python benchmarks of the zeroipc package.

1. Moving int64 numbers from one process to another: zeroipc queue batches
   (push_batch/pop_batch, one C call per batch) against multiprocessing.Queue
   and an os.pipe carrying the same numbers in the same batches, plus
   per-element zeroipc and multiprocessing.Queue for scale. Elements/s, from
   the moment the producer (forked and set up beforehand) is told to start
   to the consumer's last element.
2. np.sum over a shared zeroipc array against a private numpy array of the
   same size (bandwidth and the ratio shared/private; target >= 90 %).

Usage: bench_python.py [--quick] [--n N] [--batch B] [--gib G] [--reps R]
Defaults: 1e6 numbers, batches of 4096, 1 GiB array, best of 3.
--quick: tiny sizes, to check the script works (the test suite runs it).
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import multiprocessing.synchronize  # noqa: F401 (type names)
import os
import sys
import time
from typing import Callable

import numpy as np

import zeroipc

CTX = mp.get_context("fork")


def chunks(n: int, batch: int) -> list[np.ndarray]:
    data = np.arange(n, dtype=np.int64)
    return [data[i:i + batch] for i in range(0, n, batch)]


# -- producers (run in a forked child) --------------------------------------

def zipc_producer(seg: str, n: int, batch: int, per_item: bool, go: "mp.synchronize.Event",
                  ready: "mp.synchronize.Event") -> None:
    with zeroipc.Memory(seg) as mem:
        q = zeroipc.Queue(mem, "bench")
        data = chunks(n, batch)
        ready.set()
        go.wait()
        if per_item:
            for i in range(n):
                q.push(i)
        else:
            for c in data:
                q.push_batch(c)


def mpq_producer(q: "mp.Queue[object]", n: int, batch: int, per_item: bool,
                 go: "mp.synchronize.Event", ready: "mp.synchronize.Event") -> None:
    data = chunks(n, batch)
    ready.set()
    go.wait()
    if per_item:
        for i in range(n):
            q.put(i)
    else:
        for c in data:
            q.put(c)


def pipe_producer(wfd: int, n: int, batch: int, go: "mp.synchronize.Event",
                  ready: "mp.synchronize.Event") -> None:
    data = chunks(n, batch)
    with os.fdopen(wfd, "wb", buffering=0) as w:
        ready.set()
        go.wait()
        for c in data:
            w.write(c.data)


# -- one run each: returns seconds ------------------------------------------

def start(target: Callable[..., None], *args: object) -> tuple["mp.process.BaseProcess",
                                                                "mp.synchronize.Event"]:
    """Fork the producer, wait until it is set up; the clock starts at go.set()."""
    go, ready = CTX.Event(), CTX.Event()
    p = CTX.Process(target=target, args=(*args, go, ready))
    p.start()
    if not ready.wait(60):
        raise RuntimeError("producer did not start")
    return p, go


def run_zipc(n: int, batch: int, per_item: bool) -> float:
    seg = f"zt_bench_py_{os.getpid()}"
    zeroipc.Memory.unlink(seg, missing_ok=True)
    try:
        with zeroipc.Memory(seg, size=64 << 20) as mem:
            q = zeroipc.Queue(mem, "bench", dtype=np.int64, capacity=1 << 16)
            out = np.empty(batch, np.int64)
            p, go = start(zipc_producer, seg, n, batch, per_item)
            t0 = time.perf_counter()
            go.set()
            got, total = 0, 0
            if per_item:
                for _ in range(n):
                    total += int(q.pop())
                got = n
            else:
                while got < n:
                    b = q.pop_batch(out=out)
                    got += len(b)
                    total += int(b.sum())
            dt = time.perf_counter() - t0
            p.join()
    finally:
        zeroipc.Memory.unlink(seg, missing_ok=True)
    assert got == n and total == n * (n - 1) // 2, "numbers lost"
    return dt


def run_mpq(n: int, batch: int, per_item: bool) -> float:
    q: "mp.Queue[object]" = CTX.Queue()
    p, go = start(mpq_producer, q, n, batch, per_item)
    t0 = time.perf_counter()
    go.set()
    got, total = 0, 0
    while got < n:
        item = q.get()
        if per_item:
            got += 1
            total += int(item)  # type: ignore[call-overload]
        else:
            got += len(item)  # type: ignore[arg-type]
            total += int(item.sum())  # type: ignore[union-attr]
    dt = time.perf_counter() - t0
    p.join()
    assert total == n * (n - 1) // 2, "numbers lost"
    return dt


def run_pipe(n: int, batch: int) -> float:
    r, w = os.pipe()
    p, go = start(pipe_producer, w, n, batch)
    os.close(w)
    t0 = time.perf_counter()
    go.set()
    total, got = 0, 0
    buf = bytearray(batch * 8)
    with os.fdopen(r, "rb", buffering=0) as rf:
        while got < n:
            want = min(batch, n - got) * 8
            view = memoryview(buf)[:want]
            k = 0
            while k < want:
                m = rf.readinto(view[k:])
                if not m:
                    raise RuntimeError("pipe closed early")
                k += m
            a = np.frombuffer(buf, dtype=np.int64, count=want // 8)
            got += len(a)
            total += int(a.sum())
    dt = time.perf_counter() - t0
    p.join()
    assert total == n * (n - 1) // 2, "numbers lost"
    return dt


def best(reps: int, fn: Callable[[], float]) -> float:
    return min(fn() for _ in range(reps))


# -- np.sum over shared vs private memory -----------------------------------

def bench_sum(gib: float, reps: int) -> tuple[float, float]:
    count = int(gib * (1 << 30)) // 8
    seg = f"zt_bench_py_sum_{os.getpid()}"
    zeroipc.Memory.unlink(seg, missing_ok=True)
    try:
        with zeroipc.Memory(seg, size=count * 8 + (1 << 20)) as mem:
            shared = zeroipc.Array(mem, "big", dtype=np.float64, capacity=count).data
            shared[:] = 1.0  # touch every page first, as the private array is
            private = np.ones(count, dtype=np.float64)
            t_shared = min(_time(lambda: np.sum(shared)) for _ in range(reps))
            t_private = min(_time(lambda: np.sum(private)) for _ in range(reps))
            assert np.sum(shared) == count
            del shared, private
    finally:
        zeroipc.Memory.unlink(seg, missing_ok=True)
    return t_shared, t_private


def _time(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="tiny sizes (a smoke test)")
    ap.add_argument("--n", type=int, default=1_000_000, help="numbers to move")
    ap.add_argument("--per-item-n", type=int, default=100_000,
                    help="numbers for the per-element runs (they are slow)")
    ap.add_argument("--batch", type=int, default=4096, help="numbers per batch")
    ap.add_argument("--gib", type=float, default=1.0, help="size of the summed array, GiB")
    ap.add_argument("--reps", type=int, default=3, help="best of this many runs")
    args = ap.parse_args()
    if args.quick:
        args.n, args.per_item_n, args.gib, args.reps = 20_000, 2_000, 1 / 64, 1

    n, k, reps = args.n, args.per_item_n, args.reps
    rows = [
        ("zeroipc queue, batches", n, best(reps, lambda: run_zipc(n, args.batch, False))),
        ("multiprocessing.Queue, batches", n, best(reps, lambda: run_mpq(n, args.batch, False))),
        ("os.pipe, batches", n, best(reps, lambda: run_pipe(n, args.batch))),
        ("zeroipc queue, per element", k, best(reps, lambda: run_zipc(k, 1, True))),
        ("multiprocessing.Queue, per element", k, best(reps, lambda: run_mpq(k, 1, True))),
    ]
    print(f"Moving int64 between two processes (batch {args.batch}, best of {reps}):")
    print(f"  {'transport':38} {'numbers':>10} {'seconds':>9} {'elements/s':>14}")
    for name, count, dt in rows:
        print(f"  {name:38} {count:>10} {dt:>9.4f} {count / dt:>14,.0f}")
    zipc_rate = rows[0][1] / rows[0][2]
    print(f"  zeroipc batches vs multiprocessing.Queue batches: {zipc_rate / (rows[1][1] / rows[1][2]):.1f}x,"
          f" vs pipe: {zipc_rate / (rows[2][1] / rows[2][2]):.1f}x")

    t_shared, t_private = bench_sum(args.gib, reps)
    size = int(args.gib * (1 << 30)) // 8 * 8
    ratio = t_private / t_shared
    print(f"np.sum over {args.gib:g} GiB of float64 (best of {reps}):")
    print(f"  shared zeroipc array  {t_shared:.4f} s  {size / t_shared / 1e9:6.2f} GB/s")
    print(f"  private numpy array   {t_private:.4f} s  {size / t_private / 1e9:6.2f} GB/s")
    print(f"  shared/private throughput: {ratio:.1%} (target >= 90%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
