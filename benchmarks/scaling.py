"""What a second core gives numpy work: two Python threads against two processes.

Run from the repository root::

    python -m benchmarks.scaling            # six kinds of work, 5 rounds (about a minute)
    python -m benchmarks.scaling --quick    # small amounts, 1 round, for smoke tests

glassgrad's kernels use a second core by handing part of a batch to a thread (autodiff/threads.py).
This times the same fixed amount of work three ways, each round: once alone on one thread; on two
threads of this process at once (each thread doing the whole amount); and in two processes at
once. The speed-up is the work done per second against one thread alone: 2.0x is a perfect second
core, 1.0x none at all, below 1.0x a loss. BLAS runs one thread everywhere, so a GEMM is one
core's. Each pair is timed from a common start (a barrier) to the later of the two to finish;
a round times all three ways one after the other, and its speed-ups are against its own time
alone. The table gives medians over the rounds, and each speed-up's range (this project's host
moves by tens of percent between phases: compare rows of one run, not of two).

The kinds of work:

    GEMM            256 x 256 float32 products: one long call each, compute-bound
    large copy      8 MB float32 copies: one long call each, bound by memory
    cached copy     256 KB float32 copies: the same calls on data that stays in a core's cache
    small calls     np.maximum of two 30 x 30 planes: a microsecond each, mostly the interpreter
    W3 conv2        glassgrad's conv2d forward of W3's second layer on half its batch (32 images,
                    8 -> 16 channels, 14 x 14): a dozen numpy calls of 10-300 us
    W8 conv2        the same for W8's (64 images, 32 -> 64 channels): calls of 0.1-5 ms

Nothing is asserted: this prints a table (benchmarks/README.md discusses it).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import threading
import time
from collections.abc import Callable

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # a GEMM is one core's (set before numpy)
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np  # noqa: E402

# name -> (what one run does, runs for a full measurement, runs with --quick)
KINDS = {
    "GEMM": ("a 256 x 256 float32 product", 400, 20),
    "large copy": ("an 8 MB float32 copy", 100, 5),
    "cached copy": ("a 256 KB float32 copy", 6000, 200),
    "small calls": ("np.maximum of two 30 x 30 planes", 40000, 1000),
    "W3 conv2": ("conv2d forward, (32, 8, 14, 14) by 16 filters k3 p1", 150, 5),
    "W8 conv2": ("conv2d forward, (64, 32, 14, 14) by 64 filters k3 p1", 12, 2),
}


def make_work(kind: str, runs: int) -> Callable[[], None]:
    """A function that does `runs` runs of one kind of work, on arrays of its own (each thread or
    process builds its own, so that nothing is shared but the cores)."""
    rng = np.random.default_rng(0)
    if kind == "GEMM":
        a, b = rng.random((2, 256, 256), dtype=np.float32)
        out = np.empty_like(a)
        return lambda: [np.matmul(a, b, out=out) for _ in range(runs)] and None
    if kind in ("large copy", "cached copy"):
        size = (8 << 20 if kind == "large copy" else 256 << 10) // 4
        src, dst = rng.random(size, dtype=np.float32), np.empty(size, dtype=np.float32)
        return lambda: [np.copyto(dst, src) for _ in range(runs)] and None
    if kind == "small calls":
        a, b = rng.random((2, 30, 30), dtype=np.float32)
        return lambda: [np.maximum(a, b) for _ in range(runs)] and None
    if kind in ("W3 conv2", "W8 conv2"):
        from autodiff import Tensor, no_grad
        from nn.functional import conv2d

        n, c, f = (32, 8, 16) if kind == "W3 conv2" else (64, 32, 64)
        x = Tensor(rng.random((n, c, 14, 14), dtype=np.float32))
        w = Tensor(rng.random((f, c, 3, 3), dtype=np.float32))

        def convolutions() -> None:
            with no_grad():
                for _ in range(runs):
                    conv2d(x, w, padding=1)

        return convolutions
    raise ValueError(f"scaling: unknown kind of work {kind!r}; known: {', '.join(KINDS)}")


def _timed(work: Callable[[], None], start: Callable[[], None]) -> float:
    start()
    began = time.perf_counter()
    work()
    return time.perf_counter() - began


def alone(kind: str, runs: int) -> float:
    """Seconds for one thread to do the work, nothing else running."""
    work = make_work(kind, runs)
    work()  # warm-up: caches, allocator, BLAS's buffers
    return _timed(work, lambda: None)


def two_threads(kind: str, runs: int) -> float:
    """Seconds for two threads of this process, started together, to each do the work."""
    works = [make_work(kind, runs) for _ in range(2)]
    for work in works:
        work()
    barrier = threading.Barrier(2)
    times = [0.0, 0.0]

    def run(i: int) -> None:
        times[i] = _timed(works[i], barrier.wait)

    other = threading.Thread(target=run, args=(1,))
    other.start()
    run(0)
    other.join()
    return max(times)


def _child(kind: str, runs: int, barrier, results) -> None:
    work = make_work(kind, runs)
    work()
    results.put(_timed(work, barrier.wait))


def two_processes(kind: str, runs: int) -> float:
    """Seconds for two processes, started together, to each do the work."""
    context = multiprocessing.get_context("spawn")  # no state of this process is inherited
    barrier, results = context.Barrier(2), context.Queue()
    children = [
        context.Process(target=_child, args=(kind, runs, barrier, results)) for _ in range(2)
    ]
    for child in children:
        child.start()
    times = [results.get(timeout=300) for _ in children]
    for child in children:
        child.join()
    return max(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", help="comma-separated kinds of work (default: all)")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    rounds = 1 if args.quick else args.rounds
    kinds = list(KINDS) if args.only is None else [k.strip() for k in args.only.split(",")]
    for kind in kinds:
        if kind not in KINDS:
            parser.error(f"unknown kind of work {kind!r}; known: {', '.join(KINDS)}")

    print(f"{rounds} round(s): medians, and the speed-ups' range over the rounds\n")
    print(
        "| work | runs | alone (ms) | two threads (ms) | two processes (ms) "
        "| threads' speed-up | processes' speed-up |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for kind in kinds:
        what, full, quick = KINDS[kind]
        runs = quick if args.quick else full
        one, threads, processes = [], [], []
        for _ in range(rounds):
            one.append(alone(kind, runs))
            threads.append(two_threads(kind, runs))
            processes.append(two_processes(kind, runs))
        by_threads = [2 * a / t for a, t in zip(one, threads)]
        by_processes = [2 * a / p for a, p in zip(one, processes)]
        times = " | ".join(f"{statistics.median(t) * 1e3:.1f}" for t in (one, threads, processes))
        print(
            f"| {kind}: {what} | {runs:,} | {times} | {_speedup(by_threads)} | "
            f"{_speedup(by_processes)} |"
        )
    return 0


def _speedup(ratios: list[float]) -> str:
    """'1.93x', or '1.93x (1.81-1.97)' over several rounds."""
    median = f"{statistics.median(ratios):.2f}x"
    return median if len(ratios) == 1 else f"{median} ({min(ratios):.2f}-{max(ratios):.2f})"


if __name__ == "__main__":
    raise SystemExit(main())
