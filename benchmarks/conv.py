"""Convolution and pooling benchmark: glassgrad's fused ops against PyTorch CPU.

Run from the repository root::

    python -m benchmarks.conv            # full run (about a minute)
    python -m benchmarks.conv --quick    # one short round, for smoke tests

Workloads are the conv/pool layers of the LeNet-like MNIST net of issue 4, batch 64, float32,
each timed as forward + backward with a fixed random upstream gradient (parameter gradients
reset every step):

    conv1   conv2d (64, 1, 28, 28) * (8, 1, 3, 3) + bias, padding 1    x is data: no x gradient
    pool1   max_pool2d (64, 8, 28, 28), 2x2
    conv2   conv2d (64, 8, 14, 14) * (16, 8, 3, 3) + bias, padding 1   x gradient too
    pool2   max_pool2d (64, 16, 14, 14), 2x2
    stack   conv1 -> pool1 -> conv2 -> pool2 in one graph (LeNet minus ReLUs and the linear)
    avg1    avg_pool2d (64, 8, 28, 28), 2x2 (LeNet uses max; for reference)

Method:
- Each library runs in its own worker process, with its thread pools pinned to 2 threads
  (environment variables set before numpy/torch load, and torch.set_num_threads). In one
  process, numpy's OpenBLAS threads and torch's OpenMP threads spin-wait against each other on
  2 cores and slow both down several-fold.
- Workers alternate (glassgrad, torch, glassgrad, torch, ...) over several rounds, so load from
  other processes hits both alike. A worker warms up, then times repeats of a block of steps.
- Figures: the median over all repeats of milliseconds per step (min in parentheses). Ratios:
  the median over rounds of glassgrad's median / torch's median, and min / min. On a loaded
  machine torch's 2-thread OpenMP pool stalls whenever one of its threads is descheduled (steps
  jump by whole scheduler slices), which flatters the median ratio; the min ratio estimates
  the unloaded one.
- Before timing, glassgrad's output and every gradient are checked against torch's (and for
  dtype float32). The goal is printed, never asserted.
- Large arrays cost page faults here when glibc hands freed multi-MB blocks back to the OS: the
  next step touches fresh pages, and pays for each. glassgrad's worker keeps freed memory in
  the process (`autodiff.memory.keep_freed_memory()`, as its Trainer does); torch's does not.
  `--malloc-tunables` gives both workers those settings through GLIBC_TUNABLES (mmap threshold
  32 MiB, trim threshold 64 MiB); `--no-keep-freed-memory` leaves glassgrad's allocator alone.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "2"

import argparse  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

THREADS = 2
GOAL_RATIO = 2.0  # conv/pool's share of issue 4's "LeNet step <= 2.5x torch"
LIBS = ("glassgrad", "torch")
MALLOC_TUNABLES = "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=67108864"


def workloads() -> dict[str, dict[str, Any]]:
    """name -> the float32 arrays of one workload and its kind (the same in every process)."""
    rng = np.random.default_rng(0)

    def arr(*shape: int, scale: float = 1.0) -> np.ndarray:
        return rng.standard_normal(shape, dtype=np.float32) * np.float32(scale)

    def entry(kind: str, out_shape: tuple[int, ...], x_grad: bool, **arrays: np.ndarray) -> dict:
        return {"kind": kind, "x_grad": x_grad, **arrays, "grad_out": arr(*out_shape)}

    x1, w1, b1 = arr(64, 1, 28, 28), arr(8, 1, 3, 3, scale=1 / 3), arr(8)
    w2, b2 = arr(16, 8, 3, 3, scale=1 / 8), arr(16)
    return {
        "conv1": entry("conv", (64, 8, 28, 28), False, x=x1, w=w1, b=b1),
        "pool1": entry("max", (64, 8, 14, 14), True, x=arr(64, 8, 28, 28)),
        "conv2": entry("conv", (64, 16, 14, 14), True, x=arr(64, 8, 14, 14), w=w2, b=b2),
        "pool2": entry("max", (64, 16, 7, 7), True, x=arr(64, 16, 14, 14)),
        "stack": entry("stack", (64, 16, 7, 7), False, x=x1, w1=w1, b1=b1, w2=w2, b2=b2),
        "avg1": entry("avg", (64, 8, 14, 14), True, x=arr(64, 8, 28, 28)),
    }


# ----------------------------------------------------------------------------- libraries
def load(lib: str) -> tuple[Any, Any]:
    """(module with conv2d/max_pool2d/avg_pool2d, Tensor-making function) for a library."""
    if lib == "glassgrad":
        import autodiff
        import nn.functional as functional
        from autodiff import Tensor

        if not os.environ.get("BENCHMARKS_GLASSGRAD_GLIBC_DEFAULTS"):
            autodiff.memory.keep_freed_memory()

        return functional, lambda a, grad: Tensor(a, requires_grad=grad)
    import torch

    torch.set_num_threads(THREADS)
    return torch.nn.functional, lambda a, grad: torch.from_numpy(a).requires_grad_(grad)


def make_step(lib: str, spec: dict[str, Any]) -> tuple[Callable[[], Any], dict[str, Any]]:
    """One forward + backward (gradients reset first); also returns the leaves."""
    f, tensor = load(lib)
    leaves = {
        name: tensor(value, name != "x" or spec["x_grad"])
        for name, value in spec.items()
        if isinstance(value, np.ndarray) and name != "grad_out"
    }
    grad_out = tensor(spec["grad_out"], False)

    def forward() -> Any:
        x = leaves["x"]
        if spec["kind"] == "conv":
            return f.conv2d(x, leaves["w"], leaves["b"], padding=1)
        if spec["kind"] == "max":
            return f.max_pool2d(x, 2)
        if spec["kind"] == "avg":
            return f.avg_pool2d(x, 2)
        h = f.max_pool2d(f.conv2d(x, leaves["w1"], leaves["b1"], padding=1), 2)
        return f.max_pool2d(f.conv2d(h, leaves["w2"], leaves["b2"], padding=1), 2)

    def step() -> Any:
        for leaf in leaves.values():
            leaf.grad = None
        out = forward()
        out.backward(grad_out)
        return out

    return step, leaves


def _numpy(value: Any) -> np.ndarray:
    return value.detach().numpy() if hasattr(value, "detach") else value.data


def check(specs: dict[str, dict[str, Any]]) -> None:
    """Raise unless glassgrad's outputs and gradients are float32 and match torch's."""
    for name, spec in specs.items():
        results = {}
        for lib in LIBS:
            step, leaves = make_step(lib, spec)
            out = step()
            grads = {k: leaf.grad for k, leaf in leaves.items() if leaf.grad is not None}
            results[lib] = {"out": out, **grads}
        ours, theirs = results["glassgrad"], results["torch"]
        if ours.keys() != theirs.keys():
            raise AssertionError(f"{name}: gradients for {sorted(ours)} vs {sorted(theirs)}")
        for key in ours:
            got, want = _numpy(ours[key]), _numpy(theirs[key])
            # float32 sums over thousands of terms: compare relative to the largest magnitude
            error = np.max(np.abs(got - want)) / max(1.0, np.max(np.abs(want)))
            if got.dtype != np.float32 or error > 1e-5:
                raise AssertionError(f"{name}: {key} ({got.dtype}) differs from torch's")


# -------------------------------------------------------------------------------- timing
def time_workloads(lib: str, repeats: int, iterations: int) -> dict[str, list[float]]:
    """Worker: milliseconds per step for each repeat of each workload."""
    times = {}
    for name, spec in workloads().items():
        step, _ = make_step(lib, spec)
        for _ in range(max(3, iterations)):  # warm-up: allocator, caches, thread pools
            step()
        gc.collect()
        gc.freeze()  # what exists now is never collected: collections cost only the steps'
        per_repeat = []
        for _ in range(repeats):
            start = time.perf_counter()
            for _ in range(iterations):
                step()
            per_repeat.append((time.perf_counter() - start) / iterations * 1e3)
        times[name] = per_repeat
    return times


def run_worker(lib: str, args: argparse.Namespace) -> dict[str, list[float]]:
    """Time one library in a fresh process; returns its `time_workloads` result."""
    command = [sys.executable, "-m", "benchmarks.conv", "--worker", lib]
    command += ["--repeats", str(args.repeats), "--iterations", str(args.iterations)]
    env = dict(os.environ)
    if args.malloc_tunables:
        env["GLIBC_TUNABLES"] = MALLOC_TUNABLES
    if args.no_keep_freed_memory:
        env["BENCHMARKS_GLASSGRAD_GLIBC_DEFAULTS"] = "1"
    proc = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"{lib} worker failed:\n{proc.stderr}")
    return json.loads(proc.stdout)


def torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one round of 3 short repeats")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--iterations", type=int, default=5)
    parser.add_argument(
        "--malloc-tunables", action="store_true", help="keep freed memory (see the docstring)"
    )
    parser.add_argument(
        "--no-keep-freed-memory", action="store_true", help="glassgrad with glibc's defaults"
    )
    parser.add_argument("--worker", choices=LIBS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.repeats, args.iterations = 1, 3, 2
    if args.worker:
        print(json.dumps(time_workloads(args.worker, args.repeats, args.iterations)))
        return 0

    libs = LIBS if torch_available() else ("glassgrad",)
    if "torch" in libs:
        check(workloads())
    rounds = [{lib: run_worker(lib, args) for lib in libs} for _ in range(args.rounds)]

    print(
        f"numpy {np.__version__}, {THREADS} threads, float32, batch 64. Milliseconds per "
        f"forward+backward: median (min) of {args.rounds} rounds x {args.repeats} repeats x "
        f"{args.iterations} steps, one process per library"
        + (f"; GLIBC_TUNABLES={MALLOC_TUNABLES}" if args.malloc_tunables else "")
        + ("; glassgrad with glibc's defaults" if args.no_keep_freed_memory else "")
        + ".\n"
    )
    print("| workload | glassgrad | torch | ratio of medians | ratio of mins |")
    print("| --- | --- | --- | --- | --- |")
    for name in workloads():
        samples = {lib: [t for r in rounds for t in r[lib][name]] for lib in libs}
        cells = [
            f"{statistics.median(samples[lib]):.2f} ({min(samples[lib]):.2f})"
            if lib in libs
            else "not installed"
            for lib in LIBS
        ]
        if "torch" in libs:
            per_round = [
                statistics.median(r["glassgrad"][name]) / statistics.median(r["torch"][name])
                for r in rounds
            ]
            cells.append(f"{statistics.median(per_round):.2f}x")
            cells.append(f"{min(samples['glassgrad']) / min(samples['torch']):.2f}x")
        else:
            cells += ["-", "-"]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print(f"\nGoal (not asserted): glassgrad / torch <= {GOAL_RATIO}x.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
