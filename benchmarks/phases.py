"""Where W11's training step spends its time, phase by phase: glassgrad and torch.

Run from the repository root (needs MNIST, as W11 does)::

    python -m benchmarks.phases                  # 300 steps of W11's epoch, 2 threads
    python -m benchmarks.phases --steps 500 --threads 1
    python -m benchmarks.phases --quick          # a few images and steps (smoke test)

Each engine runs, in a process of its own (torch's OpenMP threads keep spinning after its ops
and would slow whatever runs next in the same process), the loop of W11 (`benchmarks.libs`,
`epoch`): the same model, initial weights, data, batch order and optimizer, the loop's
statements one by one (glassgrad keeping freed memory, as the harness's children and its
Trainer do), each phase timed with `time.perf_counter`:

    data      the batch indexed out of the training set and wrapped as the engine's tensor
    zero      optimizer.zero_grad()
    forward   model(x)
    loss      criterion(out, t)
    backward  loss.backward()
    step      optimizer.step()
    read      loss.item() and the batch's correct count (the loop's bookkeeping)

It prints each phase's median and mean in ms per step, the mean step (wall and CPU time of the
process: CPU over wall is how many cores the step keeps busy) and the ratio glassgrad / torch.
Nothing is asserted.
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
from typing import Any

from .child import THREAD_VARS
from .workloads import EPOCH_LR  # W11's learning rate, as benchmarks.libs uses it

ENGINES = ("glassgrad", "torch")
PHASES = ("data", "zero", "forward", "loss", "backward", "step", "read")


def _loop(engine: str, threads: int, quick: bool) -> tuple[Any, Any]:
    """(data, one_step) for `engine`: one_step(idx) runs one batch and returns its phase times."""
    from . import libs, workloads

    adapter = libs.ENGINES[engine]()
    adapter.load(threads)
    data = workloads.epoch_data(workloads.QUICK if quick else workloads.FULL)
    clock = time.perf_counter
    if engine == "glassgrad":
        autodiff, nn = adapter.autodiff, adapter.nn
        model = adapter.model(data.spec, data.weights)
        criterion = nn.CrossEntropyLoss()
        optimizer = nn.optim.Adam(model.parameters(), lr=EPOCH_LR)

        def batch(idx):
            return autodiff.Tensor(data.x_train[idx]), data.t_train[idx]

        def correct(out, t) -> int:
            return int((out.data.argmax(axis=1) == t).sum())

    else:
        torch = adapter.torch
        model = libs._torch_model(torch, data.spec, data.weights)
        criterion = torch.nn.CrossEntropyLoss()
        optimizer = torch.optim.Adam(model.parameters(), lr=EPOCH_LR)

        def batch(idx):
            return torch.from_numpy(data.x_train[idx]), torch.from_numpy(data.t_train[idx])

        def correct(out, t) -> int:
            return int((out.argmax(dim=1) == t).sum())

    model.train()

    def one_step(idx) -> list[float]:
        marks = [clock()]
        x, t = batch(idx)
        marks.append(clock())
        optimizer.zero_grad()
        marks.append(clock())
        out = model(x)
        marks.append(clock())
        loss = criterion(out, t)
        marks.append(clock())
        loss.backward()
        marks.append(clock())
        optimizer.step()
        marks.append(clock())
        loss.item()
        correct(out, t)
        marks.append(clock())
        return [b - a for a, b in zip(marks, marks[1:])]

    return data, one_step


def worker(engine: str, threads: int, steps: int, quick: bool) -> dict:
    data, one_step = _loop(engine, threads, quick)
    batches = list(data.batches(0))
    warmup = min(5, len(batches) // 4)
    for idx in batches[:warmup]:
        one_step(idx)
    todo = batches[warmup : warmup + steps]
    gc.collect()
    c0, t0 = time.process_time(), time.perf_counter()
    times = [one_step(idx) for idx in todo]
    t1, c1 = time.perf_counter(), time.process_time()
    columns = list(zip(*times))
    return {
        "engine": engine,
        "steps": len(todo),
        "median": {p: statistics.median(c) * 1e3 for p, c in zip(PHASES, columns)},
        "mean": {p: statistics.fmean(c) * 1e3 for p, c in zip(PHASES, columns)},
        "wall": (t1 - t0) / len(todo) * 1e3,
        "cpu": (c1 - c0) / len(todo) * 1e3,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--worker", choices=ENGINES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    steps = 5 if args.quick else args.steps
    if args.worker:
        print(json.dumps(worker(args.worker, args.threads, steps, args.quick)))
        return 0

    from .workloads import MissingData, mnist_dir

    try:
        mnist_dir()
    except MissingData as missing:  # W11's data: say where it was looked for
        print(f"benchmarks.phases: {missing}", file=sys.stderr)
        return 2
    results, failed = {}, False
    for engine in ENGINES:
        command = [sys.executable, "-m", "benchmarks.phases", "--worker", engine]
        command += ["--threads", str(args.threads), "--steps", str(steps)]
        # BLAS's and OpenMP's thread counts set before numpy starts, as the harness sets them
        env = {**os.environ, **{var: str(args.threads) for var in THREAD_VARS}}
        proc = subprocess.run(
            command + ["--quick"] * args.quick, capture_output=True, text=True, env=env
        )
        if proc.returncode != 0:
            missing = "No module named 'torch'" in proc.stderr
            failed |= engine == "glassgrad" or not missing
            print(f"{engine}: {'not installed' if missing else 'failed'}")
            if not missing:
                print(proc.stderr, file=sys.stderr)
            continue
        results[engine] = json.loads(proc.stdout.splitlines()[-1])
    if not results:
        return 1
    n = min(r["steps"] for r in results.values())
    print(f"W11's step, phase by phase: {n} steps, {args.threads} threads, ms per step\n")
    engines = list(results)
    both = len(engines) == 2  # then a column of glassgrad / torch

    def row(label: str, figures: list[str], ours: float, theirs: float) -> str:
        ratio = [f"{ours / theirs:.2f}x"] if both else []
        return "| " + " | ".join([label, *figures, *ratio]) + " |"

    print("| " + " | ".join(["phase", *(f"{e} median / mean" for e in engines)]), end="")
    print(" | glassgrad / torch (means) |" if both else " |")
    print("| --- " * (len(engines) + 1 + both) + "|")
    first, last = results[engines[0]], results[engines[-1]]
    for phase in PHASES:
        figures = [f"{r['median'][phase]:.3f} / {r['mean'][phase]:.3f}" for r in results.values()]
        print(row(phase, figures, first["mean"][phase], last["mean"][phase]))
    for key, label in (("wall", "step, wall"), ("cpu", "step, CPU")):
        figures = [f"{r[key]:.3f}" for r in results.values()]
        print(row(label, figures, first[key], last[key]))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
