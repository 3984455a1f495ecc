"""Where a network step's time goes, op by op: glassgrad's ops and torch's, inside the step.

Run from the repository root::

    python -m benchmarks.ops                         # W8, glassgrad and torch, 2 threads
    python -m benchmarks.ops --only W3 --threads 1   # any of W1, W2, W3, W8
    python -m benchmarks.ops --quick                 # tiny sizes, a few steps (smoke test)

Each engine runs the harness's own step (`benchmarks.libs`, same weights and data) in a
process of its own, with the harness's thread settings (`OPENBLAS_NUM_THREADS` and the others
at `--threads`, set before numpy loads: without them glassgrad's BLAS would run at its default,
one thread per core, while torch ran at `--threads`): first `--steps` plain steps (their
median is the step time), then as many instrumented ones. glassgrad's figure for an op is the
wall time of its `forward` and of its `backward` (every `autodiff.Function` subclass wrapped
with a timer; the parts a kernel runs on glassgrad's threads are inside it). torch's is the
self CPU time of each aten op on the calling thread, from `torch.profiler` (its intra-op
threads work inside that time too). Both are per step, in ms; the instrumented steps run a
little slower than the plain ones.
Nothing is asserted.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

from .child import THREAD_VARS

ENGINES = ("glassgrad", "torch")
NETS = ("W1", "W2", "W3", "W8")


def _step(engine: str, workload: str, threads: int, quick: bool) -> tuple[Any, Any]:
    from . import libs, workloads

    adapter = libs.ENGINES[engine]()
    adapter.load(threads)
    sizes = workloads.QUICK if quick else workloads.FULL
    return adapter, adapter.net(workloads.net_data(workload, sizes))


def _median_ms(step, steps: int) -> float:
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def glassgrad_ops(step, steps: int) -> dict[str, float]:
    """ms per step in each Function's forward and backward."""
    from autodiff import Function

    spent: dict[str, float] = collections.defaultdict(float)
    classes, todo = set(), [Function]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in classes:
                classes.add(sub)
                todo.append(sub)
    for cls in classes:
        for kind in ("forward", "backward"):
            raw = cls.__dict__.get(kind)
            if raw is None:
                continue
            function = raw.__func__ if isinstance(raw, staticmethod) else raw

            def timed(*args, _f=function, _name=f"{cls.__name__}.{kind}", **kwargs):
                start = time.perf_counter()
                try:
                    return _f(*args, **kwargs)
                finally:
                    spent[_name] += time.perf_counter() - start

            setattr(cls, kind, staticmethod(timed))
    for _ in range(steps):
        step()
    return {name: total / steps * 1e3 for name, total in spent.items()}


def torch_ops(step, steps: int) -> dict[str, float]:
    """ms per step of self CPU time in each aten op (torch.profiler)."""
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(steps):
            step()
    return {
        event.key: event.self_cpu_time_total / steps / 1e3
        for event in prof.key_averages()
        if event.self_cpu_time_total > 0
    }


def worker(engine: str, workload: str, threads: int, steps: int, quick: bool) -> dict:
    _, step = _step(engine, workload, threads, quick)
    for _ in range(3):
        step()
    step_ms = _median_ms(step, steps)
    ops = (glassgrad_ops if engine == "glassgrad" else torch_ops)(step, steps)
    return {"engine": engine, "step_ms": step_ms, "ops": ops}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="W8", choices=NETS)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--top", type=int, default=12, help="ops listed per engine")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--worker", choices=ENGINES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    steps = 3 if args.quick else args.steps
    if args.worker:
        print(json.dumps(worker(args.worker, args.only, args.threads, steps, args.quick)))
        return 0

    print(f"{args.only}, {args.threads} threads, {steps} steps plain then {steps} instrumented\n")
    print("| engine | op | ms per step | share of the ops |")
    print("| --- | --- | --- | --- |")
    failed = False
    for engine in ENGINES:
        command = [sys.executable, "-m", "benchmarks.ops", "--worker", engine]
        command += ["--only", args.only, "--threads", str(args.threads), "--steps", str(steps)]
        env = {**os.environ, **{var: str(args.threads) for var in THREAD_VARS}}
        proc = subprocess.run(
            command + ["--quick"] * args.quick, capture_output=True, text=True, env=env
        )
        if proc.returncode != 0:
            missing = "No module named 'torch'" in proc.stderr
            print(f"| {engine} | {'not installed' if missing else 'failed'} | - | - |")
            failed |= engine == "glassgrad" or not missing
            if not missing:
                print(proc.stderr, file=sys.stderr)
            continue
        result = json.loads(proc.stdout.splitlines()[-1])
        ops = sorted(result["ops"].items(), key=lambda item: -item[1])
        total = sum(ms for _, ms in ops)
        print(f"| {engine} | **step (plain)** | {result['step_ms']:.3g} | |")
        for name, ms in ops[: args.top]:
            print(f"| {engine} | {name} | {ms:.3g} | {ms / total:.0%} |")
        print(f"| {engine} | all ops | {total:.3g} | 100% |")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
