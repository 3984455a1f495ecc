"""What a kernel split over glassgrad's threads loses to the handover, inside a network step.

Run from the repository root::

    python -m benchmarks.handover                   # W8, 2 threads, 20 steps
    python -m benchmarks.handover --only W3 --steps 200
    python -m benchmarks.handover --quick           # tiny sizes, every kernel split (smoke test)

Every `autodiff.threads.run` that hands parts to the pool's threads is timed from inside (the
harness's own step, `benchmarks.libs`, glassgrad on `--threads` threads): when the call began
and ended, and when each part began and ended on its thread. Per kernel (the function that
called `threads.run`), medians over the steps, in us:

    run        the whole call, handover included
    caller     the calling thread's own part
    start      how long after the call began the other thread started its part
    other      the other thread's part (the last one's, with more than two)
    wait       how long the caller waited after its own part
    lost       run less the mean of the parts: what splitting did not turn into speed

and first the round trip of two empty parts (`threads.run` of two no-ops). Nothing is asserted;
benchmarks/README.md says what the figures showed.
"""

from __future__ import annotations

import argparse
import collections
import statistics
import sys
import threading
import time
from contextlib import ExitStack
from typing import Any
from unittest import mock

NETS = ("W1", "W2", "W3", "W8")
COLUMNS = ("run", "caller", "start", "other", "wait", "lost")


def round_trip_us(threads: Any, repeats: int) -> float:
    """The median time of `threads.run` with two parts that do nothing."""
    pieces = [slice(0, 1), slice(1, 2)]
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        threads.run(lambda piece: None, pieces)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def timed_run(threads: Any, record: dict[str, list[tuple[float, ...]]]):
    """A stand-in for `threads.run` that times each call whose parts ran on two threads or more
    and appends (run, caller, start, other, wait, lost) in seconds to record[kernel]."""
    plain_run = threads.run

    def run(task, pieces):
        caller = threading.get_ident()
        marks: dict[int, tuple[int, float, float]] = {}

        def part(piece: slice):
            begun = time.perf_counter()
            try:
                return task(piece)
            finally:
                marks[piece.start] = (threading.get_ident(), begun, time.perf_counter())

        began = time.perf_counter()
        result = plain_run(part, pieces)
        ended = time.perf_counter()
        own = [m for m in marks.values() if m[0] == caller]
        others = [m for m in marks.values() if m[0] != caller]
        if own and others:  # handed over: not run whole, nor inside another kernel's part
            mine, last = own[0], max(others, key=lambda m: m[2])
            parts = [m[2] - m[1] for m in marks.values()]
            frame = sys._getframe(1)
            kernel = f"{frame.f_code.co_filename.rsplit('/', 1)[-1]}:{frame.f_code.co_name}"
            record[kernel].append(
                (
                    ended - began,
                    mine[2] - mine[1],
                    last[1] - began,
                    last[2] - last[1],
                    ended - mine[2],
                    ended - began - statistics.mean(parts),
                )
            )
        return result

    return run


def measure(workload: str, threads_count: int, steps: int, quick: bool) -> dict[str, Any]:
    from .ops import _step  # the harness's step, as benchmarks.ops times it

    _, step = _step("glassgrad", workload, threads_count, quick)
    from autodiff import threads

    record: dict[str, list[tuple[float, ...]]] = collections.defaultdict(list)
    with ExitStack() as patches:
        if quick:  # tiny sizes: split every kernel, so that every column gets a figure
            patches.enter_context(mock.patch.object(threads, "MIN_WORK_PER_THREAD", 1))
            patches.enter_context(mock.patch.object(threads, "MIN_ELEMENTS_PER_THREAD", 1))
        for _ in range(3):
            step()
        trip = round_trip_us(threads, 50 if quick else 2000)
        patches.enter_context(mock.patch.object(threads, "run", timed_run(threads, record)))
        for _ in range(steps):
            step()
    return {"round_trip_us": trip, "kernels": dict(record)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="W8", choices=NETS)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.threads < 2:
        parser.error("--threads must be at least 2: one thread hands nothing over")
    steps = 3 if args.quick else args.steps
    result = measure(args.only, args.threads, steps, args.quick)
    print(f"{args.only}, {args.threads} threads, {steps} steps")
    print(f"round trip of two empty parts: {result['round_trip_us']:.0f} us\n")
    print("| kernel | calls a step | " + " | ".join(f"{c} (us)" for c in COLUMNS) + " |")
    print("| --- | --- |" + " --- |" * len(COLUMNS))
    lost_per_step = 0.0
    for kernel, rows in sorted(result["kernels"].items(), key=lambda kv: -sum(r[0] for r in kv[1])):
        medians = [statistics.median(column) * 1e6 for column in zip(*rows)]
        calls = len(rows) / steps
        lost_per_step += medians[-1] * calls
        figures = " | ".join(f"{m:.0f}" for m in medians)
        print(f"| {kernel} | {calls:.3g} | {figures} |")
    print(f"\nlost to the handover: {lost_per_step / 1e3:.3g} ms a step")
    return 0


if __name__ == "__main__":
    sys.exit(main())
