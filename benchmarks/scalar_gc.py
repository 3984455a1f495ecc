"""W4 with Python's cyclic garbage collector on and off: how much of micrograd's time is its GC.

Run from the repository root::

    python -m benchmarks.scalar_gc            # 3 rounds (about half a minute)
    python -m benchmarks.scalar_gc --quick    # one short round, for smoke tests

micrograd's graphs are reference cycles (each `Value` holds a `_backward` closure that holds
the `Value`), so only the cyclic GC frees them, and its W4 time swings with the collector.
glassgrad's graphs hold no cycles and are freed by reference counting. This script times the
W4 step of both (the harness's own step, `benchmarks.libs`) with the GC on, as the harness
does, and with `gc.disable()` after a warm-up and a `gc.freeze()`, so the W4 goal "within 2x
micrograd" can be read against micrograd's GC-free cost.

Each engine x GC setting runs in a process of its own with 2 threads; the processes alternate
over rounds so load from other jobs hits them alike. Figures: median (min) ms per step over
every repeat. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import time

THREADS = 2
ENGINES = ("glassgrad", "micrograd")
MODULES = {"glassgrad": "autodiff", "micrograd": "micrograd"}


def time_worker(engine: str, collector: bool, repeats: int, steps: int, quick: bool) -> list[float]:
    from . import libs, workloads

    adapter = libs.ENGINES[engine]()
    adapter.load(THREADS)
    step = adapter.scalar(workloads.scalar_data(workloads.QUICK if quick else workloads.FULL))
    for _ in range(5):
        step()
    gc.collect()
    gc.freeze()
    if not collector:
        gc.disable()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            step()
        times.append((time.perf_counter() - start) / steps * 1e3)
    return times


def installed(engine: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(MODULES[engine]) is not None


def run_worker(engine: str, collector: bool, args: argparse.Namespace) -> list[float]:
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(THREADS)
    command = [sys.executable, "-m", "benchmarks.scalar_gc", "--worker", engine]
    command += ["--gc", "on" if collector else "off", "--repeats", str(args.repeats)]
    command += ["--steps", str(args.steps)] + (["--quick"] if args.quick else [])
    proc = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one round of 2 short repeats")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps", type=int, default=20, help="W4 steps per timed repeat")
    parser.add_argument("--worker", choices=ENGINES, help=argparse.SUPPRESS)
    parser.add_argument("--gc", choices=("on", "off"), default="on", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.repeats, args.steps = 1, 2, 2
    if args.worker:
        times = time_worker(args.worker, args.gc == "on", args.repeats, args.steps, args.quick)
        print(json.dumps(times))
        return 0

    engines = [e for e in ENGINES if installed(e)]
    samples: dict[tuple[str, bool], list[float]] = {
        (e, c): [] for e in engines for c in (True, False)
    }
    for _ in range(args.rounds):
        for engine, collector in samples:
            samples[engine, collector] += run_worker(engine, collector, args)

    print(
        f"W4 ms per step: median (min) of {args.rounds} rounds x {args.repeats} repeats x "
        f"{args.steps} steps, one process per engine and GC setting, {THREADS} threads.\n"
    )
    print("| engine | GC on | GC off |")
    print("| --- | --- | --- |")
    medians = {key: statistics.median(times) for key, times in samples.items()}
    for engine in ENGINES:
        if engine not in engines:
            print(f"| {engine} | not installed | not installed |")
            continue
        cells = [f"{medians[engine, c]:.2f} ({min(samples[engine, c]):.2f})" for c in (True, False)]
        print(f"| {engine} | {' | '.join(cells)} |")
    if len(engines) == len(ENGINES):
        on = medians["glassgrad", True] / medians["micrograd", True]
        off = medians["glassgrad", False] / medians["micrograd", False]
        print(f"\nglassgrad / micrograd: {on:.2f}x with the GC on, {off:.2f}x with it off.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
