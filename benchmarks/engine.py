"""Engine micro-benchmarks: glassgrad against other autograd libraries and plain numpy.

Run from the repository root::

    python -m benchmarks.engine            # full run (a few minutes)
    python -m benchmarks.engine --quick    # tiny sizes, for CI smoke tests
    python -m benchmarks.engine --json results.json

Workloads
  (a) small-op overhead: ``y = ((x*x + x)*x).sum(); y.backward()`` on a 10-element float64
      tensor, microseconds per iteration (gradient reset included).
  (b) a chain of N additions ``y = y + x`` on a 0-d float64 tensor, then backward; seconds for
      forward + backward (+ freeing the graph). The gradient is N + 1, so every edge must be
      traversed for the check to pass.
  (c) numpy alone computing the same forward values and a hand-written backward, as a floor
      (the ``numpy`` column).

Peers are optional: each import is guarded and a missing one shows "not installed". Every
library's gradient is compared with numpy's reference before and after timing; a mismatch
shows ERROR instead of a figure. Thread pools are pinned to 2 threads for everyone; the
environment variables are set here, before numpy (or anything else) is imported, so run this
module as a script rather than importing it from an interpreter that already loaded numpy.
"""

from __future__ import annotations

import os

for _var in (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
):
    os.environ[_var] = "2"

import argparse  # noqa: E402
import contextlib  # noqa: E402
import datetime  # noqa: E402
import gc  # noqa: E402
import importlib.metadata  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

THREADS = 2
SMALL_SIZE = 10
LIBS = ("glassgrad", "torch", "dezero", "mygrad", "autograd", "micrograd", "numpy")
PEERS = ("torch", "dezero", "mygrad", "autograd", "micrograd")  # compared against glassgrad

# Goals printed next to the figures (never asserted).
GOAL_SMALL_US = 40.0
GOAL_SMALL_SPEEDUP = 2.0
# Per-op time at the largest N may be at most this multiple of the per-op time at the
# smallest N for the chain to count as linear (quadratic behaviour over 1e3..1e5 gives ~100x).
LINEAR_TOLERANCE = 2.0


class Unavailable(Exception):
    """A library could not be imported; the message is what its column shows."""


# --------------------------------------------------------------------------------------
# Libraries. Each adapter exposes:
#   load()        -> version string (raises Unavailable)
#   small(arr)    -> step(): one forward+backward of workload (a), returns the native gradient
#   chain(n)      -> run(): forward+backward of workload (b), returns the native gradient
#   to_numpy(g)   -> ndarray
# Gradients are reset at the start of every step, the way each library expects it.
# --------------------------------------------------------------------------------------


def _version(dist: str, module: Any = None) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return str(getattr(module, "__version__", "unknown"))


def _import(name: str):
    try:
        return __import__(name, fromlist=["_"])
    except ImportError as exc:
        raise Unavailable("not installed") from exc
    except Exception as exc:  # a broken install must not take the harness down
        raise Unavailable(f"import fails ({type(exc).__name__})") from exc


class Lib:
    name = ""
    note = ""

    def load(self) -> str:
        raise NotImplementedError

    def small(self, arr: np.ndarray) -> Callable[[], Any]:
        raise NotImplementedError

    def chain(self, n: int) -> Callable[[], Any]:
        raise NotImplementedError

    def to_numpy(self, grad: Any) -> np.ndarray:
        return np.asarray(grad, dtype=np.float64)


class Glassgrad(Lib):
    name = "glassgrad"

    def load(self) -> str:
        mod = _import("autodiff")
        if not hasattr(mod, "Tensor"):  # e.g. the package is still being written
            raise Unavailable("not installed (no autodiff.Tensor)")
        self.Tensor = mod.Tensor
        try:
            return importlib.metadata.version("glassgrad")
        except importlib.metadata.PackageNotFoundError:
            return "source tree"

    def small(self, arr):
        x = self.Tensor(arr, requires_grad=True)

        def step():
            x.grad = None
            y = ((x * x + x) * x).sum()
            y.backward()
            return x.grad

        return step

    def chain(self, n):
        x = self.Tensor(np.array(1.0), requires_grad=True)

        def run():
            x.grad = None
            y = x
            for _ in range(n):
                y = y + x
            y.backward()
            return x.grad

        return run

    def to_numpy(self, grad):
        return np.asarray(grad.data, dtype=np.float64)


class Torch(Lib):
    name = "torch"

    def load(self) -> str:
        torch = _import("torch")
        torch.set_num_threads(THREADS)
        # Raises if already set (or parallel work already started); the intra-op count matters.
        with contextlib.suppress(RuntimeError):
            torch.set_num_interop_threads(THREADS)
        self.torch = torch
        return _version("torch", torch)

    def small(self, arr):
        x = self.torch.from_numpy(arr).requires_grad_(True)

        def step():
            x.grad = None
            y = ((x * x + x) * x).sum()
            y.backward()
            return x.grad

        return step

    def chain(self, n):
        x = self.torch.tensor(1.0, dtype=self.torch.float64, requires_grad=True)

        def run():
            x.grad = None
            y = x
            for _ in range(n):
                y = y + x
            y.backward()
            return x.grad

        return run

    def to_numpy(self, grad):
        return grad.detach().numpy().astype(np.float64)


class Dezero(Lib):
    name = "dezero"

    def load(self) -> str:
        # dezero 0.0.13 evaluates ``np.int`` (removed in numpy 2) at import time. Provide the
        # alias for the import only, then take it away again so nothing else sees it.
        added = False
        if "int" not in np.__dict__:
            np.int = int
            added = True
        try:
            dezero = _import("dezero")
        finally:
            if added:
                del np.int
        self.Variable = dezero.Variable
        return _version("dezero", dezero)

    def small(self, arr):
        x = self.Variable(arr)

        def step():
            x.cleargrad()
            y = ((x * x + x) * x).sum()
            y.backward()
            return x.grad

        return step

    def chain(self, n):
        x = self.Variable(np.array(1.0))

        def run():
            x.cleargrad()
            y = x
            for _ in range(n):
                y = y + x
            y.backward()
            return x.grad

        return run

    def to_numpy(self, grad):
        return np.asarray(grad.data, dtype=np.float64)


class MyGrad(Lib):
    name = "mygrad"

    def load(self) -> str:
        self.mg = _import("mygrad")
        return _version("mygrad", self.mg)

    def small(self, arr):
        x = self.mg.Tensor(arr, copy=False)

        # MyGrad clears a tensor's gradient by itself when the tensor enters a new graph.
        def step():
            y = ((x * x + x) * x).sum()
            y.backward()
            return x.grad

        return step

    def chain(self, n):
        x = self.mg.tensor(1.0)

        def run():
            y = x
            for _ in range(n):
                y = y + x
            y.backward()
            return x.grad

        return run


class HipsAutograd(Lib):
    name = "autograd"

    def load(self) -> str:
        mod = _import("autograd")
        self.grad = mod.grad
        return _version("autograd", mod)

    def small(self, arr):
        # Functional API: no gradient state to reset.
        df = self.grad(lambda x: ((x * x + x) * x).sum())
        return lambda: df(arr)

    def chain(self, n):
        def f(x):
            y = x
            for _ in range(n):
                y = y + x
            return y

        df = self.grad(f)
        x0 = np.array(1.0)
        return lambda: df(x0)


class Micrograd(Lib):
    name = "micrograd"
    note = "micrograd has scalar Values only: (a) builds the graph from 10 Values, element-wise."

    def load(self) -> str:
        mod = _import("micrograd.engine")
        self.Value = mod.Value
        return _version("micrograd", mod)

    def small(self, arr):
        xs = [self.Value(float(v)) for v in arr]

        def step():
            for v in xs:
                v.grad = 0.0
            terms = [(v * v + v) * v for v in xs]
            y = terms[0]
            for t in terms[1:]:
                y = y + t
            y.backward()
            return [v.grad for v in xs]

        return step

    def chain(self, n):
        x = self.Value(1.0)

        def run():
            x.grad = 0.0
            y = x
            for _ in range(n):
                y = y + x
            y.backward()  # recursive topological sort: RecursionError on long chains
            return x.grad

        return run


class Numpy(Lib):
    """The floor: the same forward values, plus a hand-written backward."""

    name = "numpy"

    def load(self) -> str:
        return np.__version__

    def small(self, arr):
        x = arr

        def step():
            ((x * x + x) * x).sum()  # forward (value unused, as in the other libraries)
            return (3.0 * x + 2.0) * x  # d/dx sum(x^3 + x^2) = 3x^2 + 2x

        return step

    def chain(self, n):
        x = np.array(1.0)

        def run():
            y = x
            for _ in range(n):
                y = y + x
            g = np.array(1.0)  # dy/dy
            gx = g  # identity edge from the start of the chain
            for _ in range(n):
                gx = gx + g  # one edge into x per addition
            return gx

        return run


ADAPTERS: tuple[type[Lib], ...] = (Glassgrad, Torch, Dezero, MyGrad, HipsAutograd, Micrograd, Numpy)


# --------------------------------------------------------------------------------------
# Measurement
# --------------------------------------------------------------------------------------


@dataclass
class Cell:
    """One library on one workload."""

    status: str  # "ok", "not installed", "ERROR", "fails (...)", ...
    unit: str
    median: float | None = None
    min: float | None = None
    repeats: list[float] = field(default_factory=list)
    iterations: int | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass
class Config:
    quick: bool
    small_target_s: float  # wall time of one repeat of workload (a)
    small_repeats: int
    chain_ns: tuple[int, ...]
    chain_repeats: int
    warmup: int = 1


FULL = Config(
    quick=False,
    small_target_s=0.3,
    small_repeats=7,
    chain_ns=(1000, 10_000, 100_000),
    chain_repeats=5,
)
QUICK = Config(
    quick=True, small_target_s=0.005, small_repeats=3, chain_ns=(100, 1000), chain_repeats=3
)


def _grad_matches(got: np.ndarray, want: np.ndarray) -> bool:
    got = np.asarray(got, dtype=np.float64)
    return got.shape == want.shape and bool(np.allclose(got, want, rtol=1e-9, atol=1e-12))


class Job:
    """One library on one workload: warmed up and checked first, then timed in rounds.

    The rounds interleave every library (see run_all), so a burst of load from something else
    on the machine lands on all of them instead of on whichever library was running then.
    """

    def __init__(self, lib: Lib, unit: str, repeats: int, want: np.ndarray):
        self.lib = lib
        self.unit = unit
        self.repeats = repeats
        self.want = want
        self.samples: list[float] = []
        self.iterations: int | None = None
        self.failed: Cell | None = None
        self._fn: Callable[[], Any] = lambda: None
        self._last: Any = None

    def _fail(self, status: str, detail: str) -> None:
        self.failed = Cell(status, self.unit, detail=detail)

    def _guard(self, action: Callable[[], None]) -> None:
        if self.failed is not None:
            return
        try:
            action()
        except Exception as exc:  # micrograd: RecursionError from its recursive topo sort
            self._fail(f"fails ({type(exc).__name__})", repr(exc)[:200])

    def _check(self, when: str) -> None:
        if not _grad_matches(self.lib.to_numpy(self._last), self.want):
            self._fail("ERROR", f"gradient differs from numpy's ({when})")

    @property
    def pending(self) -> bool:
        return self.failed is None and len(self.samples) < self.repeats

    def measure(self) -> None:
        self._guard(self._measure)

    def _measure(self) -> None:
        raise NotImplementedError

    def finish(self) -> Cell:
        # Checked again after the repeats: catches gradients that pile up when the reset is wrong.
        self._guard(lambda: self._check("after the timed repeats"))
        if self.failed is not None:
            return self.failed
        s = self.samples
        return Cell("ok", self.unit, statistics.median(s), min(s), s, self.iterations)


class SmallJob(Job):
    """Workload (a): microseconds per iteration of a loop sized to ~cfg.small_target_s."""

    def __init__(self, lib: Lib, arr: np.ndarray, want: np.ndarray, cfg: Config):
        super().__init__(lib, "us/iter", cfg.small_repeats, want)
        self._guard(lambda: self._prepare(arr, cfg.small_target_s))

    def _prepare(self, arr: np.ndarray, target_s: float) -> None:
        self._fn = self.lib.small(arr)
        self._last = self._fn()
        self._check("warm-up")
        if self.failed is not None:
            return
        # The warm-up doubles as calibration: grow the loop until it runs for >= target / 10.
        iterations = 1
        while (elapsed := self._loop(iterations)) < target_s / 10:
            iterations *= 2
        self.iterations = max(1, round(iterations * target_s / elapsed))

    def _loop(self, iterations: int) -> float:
        step = self._fn
        t0 = time.perf_counter()
        for _ in range(iterations):
            self._last = step()
        return time.perf_counter() - t0

    def _measure(self) -> None:
        assert self.iterations is not None
        self.samples.append(self._loop(self.iterations) / self.iterations * 1e6)


class ChainJob(Job):
    """Workload (b): seconds for one forward + backward over a chain of n additions."""

    def __init__(self, lib: Lib, n: int, cfg: Config):
        super().__init__(lib, "s", cfg.chain_repeats, np.array(float(n + 1)))
        self._guard(lambda: self._prepare(n, cfg.warmup))

    def _prepare(self, n: int, warmup: int) -> None:
        self._fn = self.lib.chain(n)
        for _ in range(warmup):
            self._last = self._fn()
            self._check("warm-up")

    def _measure(self) -> None:
        run = self._fn
        t0 = time.perf_counter()
        grad = run()  # the graph is freed when run() returns, inside the timed region
        elapsed = time.perf_counter() - t0
        self._last = grad
        self.samples.append(elapsed)


def machine_info() -> dict[str, Any]:
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        nproc = len(os.sched_getaffinity(0))
    except AttributeError:
        nproc = os.cpu_count() or 0
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": nproc,
        "cpu": cpu,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "platform": platform.platform(),
        "threads": THREADS,
    }


# --------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------


def _num(v: float) -> str:
    return f"{v:.3g}"


def _cell_text(cell: Cell | None, status: str) -> str:
    if cell is None:
        return status
    if not cell.ok:
        return cell.status
    return f"{_num(cell.median)} (min {_num(cell.min)})"


def _chain_label(n: int) -> str:
    exp = len(str(n)) - 1
    return f"1e{exp}" if n == 10**exp else str(n)


def run_all(cfg: Config, log=print) -> dict[str, Any]:
    libs: dict[str, Lib] = {}
    status: dict[str, str] = {}
    versions: dict[str, str] = {}
    for cls in ADAPTERS:
        lib = cls()
        try:
            versions[lib.name] = lib.load()
            libs[lib.name] = lib
            status[lib.name] = "ok"
        except Unavailable as exc:
            status[lib.name] = str(exc)

    # Move everything the imports created (torch alone makes ~200k objects) out of the
    # collector's reach: full collections then cost what the benchmark itself allocates, the
    # same for every library, and the gc.collect() before each repeat stays cheap.
    gc.collect()
    gc.freeze()

    arr = np.random.default_rng(0).standard_normal(SMALL_SIZE)
    want_small = 3.0 * arr**2 + 2.0 * arr

    rows: list[tuple[str, str]] = [("small", f"(a) small ops, {SMALL_SIZE} elems [us/iter]")]
    rows += [(f"chain_{n}", f"(b) add chain N={_chain_label(n)} [s]") for n in cfg.chain_ns]

    # Warm-up, gradient check and calibration, one library at a time ...
    jobs: dict[str, dict[str, Job]] = {key: {} for key, _ in rows}
    for name, lib in libs.items():
        log(f"  warm-up {name}", flush=True)
        jobs["small"][name] = SmallJob(lib, arr, want_small, cfg)
        for n in cfg.chain_ns:
            jobs[f"chain_{n}"][name] = ChainJob(lib, n, cfg)

    # ... then the timed repeats in rounds: each round times every library on every workload,
    # the libraries of one workload back to back.
    rounds = max(cfg.small_repeats, cfg.chain_repeats)
    for r in range(rounds):
        log(f"  round {r + 1}/{rounds}", flush=True)
        for key, _ in rows:
            for job in jobs[key].values():
                if job.pending:
                    gc.collect()
                    job.measure()

    results: dict[str, dict[str, Cell]] = {
        key: {name: job.finish() for name, job in by_lib.items()} for key, by_lib in jobs.items()
    }

    return {
        "machine": machine_info(),
        "config": {
            "quick": cfg.quick,
            "small_size": SMALL_SIZE,
            "small_target_s": cfg.small_target_s,
            "small_repeats": cfg.small_repeats,
            "chain_ns": list(cfg.chain_ns),
            "chain_repeats": cfg.chain_repeats,
            "warmup": cfg.warmup,
        },
        "versions": versions,
        "status": status,
        "rows": rows,
        "results": results,
        "notes": [lib.note for lib in libs.values() if lib.note],
    }


def ratio_table(report: dict[str, Any]) -> dict[str, dict[str, float | None]]:
    """peer median / glassgrad median for every row (None where either is missing)."""
    out: dict[str, dict[str, float | None]] = {}
    for key, _ in report["rows"]:
        cells = report["results"][key]
        base = cells.get("glassgrad")
        out[key] = {}
        for name in LIBS[1:]:
            cell = cells.get(name)
            ok = base is not None and base.ok and cell is not None and cell.ok and base.median
            out[key][name] = cell.median / base.median if ok else None
    return out


def goals(report: dict[str, Any]) -> list[str]:
    res = report["results"]
    ns = report["config"]["chain_ns"]
    lines = []

    g = res["small"].get("glassgrad")
    if g is not None and g.ok:
        met = g.median <= GOAL_SMALL_US
        lines.append(
            f"(a) glassgrad <= {GOAL_SMALL_US:g} us/iter: {_num(g.median)} us -> "
            f"{'met' if met else 'NOT met'}"
        )
        speedups, worst = [], None
        for name in PEERS:
            c = res["small"].get(name)
            if c is not None and c.ok:
                s = c.median / g.median
                speedups.append(f"{name} {s:.2f}x")
                worst = s if worst is None else min(worst, s)
        if worst is None:
            lines.append(f"(a) {GOAL_SMALL_SPEEDUP:g}x faster than every peer: no peer measured")
        else:
            met = worst >= GOAL_SMALL_SPEEDUP
            lines.append(
                f"(a) {GOAL_SMALL_SPEEDUP:g}x faster than every peer: "
                f"{', '.join(speedups)} -> {'met' if met else 'NOT met'}"
            )
    else:
        lines.append("(a) glassgrad not measured")

    cells = [res[f"chain_{n}"].get("glassgrad") for n in ns]
    if all(c is not None and c.ok for c in cells):
        per_op = [c.median / n * 1e6 for c, n in zip(cells, ns, strict=True)]
        spread = max(per_op) / min(per_op)
        met = per_op[-1] <= LINEAR_TOLERANCE * per_op[0]
        detail = ", ".join(
            f"N={_chain_label(n)}: {p:.3g} us/op" for n, p in zip(ns, per_op, strict=True)
        )
        lines.append(
            f"(b) linear in N: {detail}; per-op max/min = {spread:.2f} "
            f"(largest N within {LINEAR_TOLERANCE:g}x of smallest) -> "
            f"{'met' if met else 'NOT met'}"
        )
        g_last = cells[-1]
        t_last = res[f"chain_{ns[-1]}"].get("torch")
        label = _chain_label(ns[-1])
        if t_last is not None and t_last.ok:
            met = g_last.median < t_last.median
            lines.append(
                f"(b) faster than torch at N={label}: glassgrad {_num(g_last.median)} s "
                f"vs torch {_num(t_last.median)} s -> {'met' if met else 'NOT met'}"
            )
        else:
            lines.append(f"(b) faster than torch at N={label}: torch not measured")
        if report["config"]["quick"]:
            lines.append("    (--quick: largest N is 1e3; the goal is stated for N=1e5)")
    else:
        lines.append("(b) glassgrad not measured for every N")
    return lines


def per_op_table(report: dict[str, Any]) -> list[str]:
    ns = report["config"]["chain_ns"]
    head = "| N | " + " | ".join(LIBS) + " |"
    lines = [head, "|" + "---|" * (len(LIBS) + 1)]
    for n in ns:
        cells = report["results"][f"chain_{n}"]
        row = []
        for name in LIBS:
            c = cells.get(name)
            row.append(f"{c.median / n * 1e6:.3g}" if c is not None and c.ok else "-")
        lines.append(f"| {_chain_label(n)} | " + " | ".join(row) + " |")
    return lines


def render(report: dict[str, Any]) -> str:
    m = report["machine"]
    v = report["versions"]
    out = [
        f"glassgrad engine benchmark ({'--quick' if report['config']['quick'] else 'full'}), "
        f"{m['date']}",
        f"machine: {m['nproc']} CPUs, {m['cpu']}; Python {m['python']}, numpy {m['numpy']}; "
        f"{m['threads']} threads for every library",
        "versions: "
        + ", ".join(
            f"{k} {v[k]}" if k in v else f"{k} ({report['status'].get(k, 'not run')})" for k in LIBS
        ),
        "",
        "Median over repeats (min in parentheses). (a) in microseconds per iteration, "
        "(b) in seconds for forward + backward.",
        "",
        "| workload | " + " | ".join(LIBS) + " |",
        "|" + "---|" * (len(LIBS) + 1),
    ]
    for key, label in report["rows"]:
        cells = report["results"][key]
        out.append(
            f"| {label} | "
            + " | ".join(_cell_text(cells.get(n), report["status"].get(n, "not run")) for n in LIBS)
            + " |"
        )
    out += ["", "Ratios, peer time / glassgrad time (> 1: glassgrad is faster):", ""]
    ratios = ratio_table(report)
    out += ["| workload | " + " | ".join(LIBS[1:]) + " |", "|" + "---|" * len(LIBS)]
    for key, label in report["rows"]:
        out.append(
            f"| {label} | "
            + " | ".join("-" if r is None else f"{r:.2f}x" for r in ratios[key].values())
            + " |"
        )
    out += ["", "(b) per-op microseconds (median time / N):", ""] + per_op_table(report)
    out += ["", "Goals (printed, not asserted):"] + ["  " + line for line in goals(report)]
    # One line per distinct failure, listing the workloads it happened on.
    failures: dict[tuple[str, str, str], list[str]] = {}
    for key, label in report["rows"]:
        for name, cell in report["results"][key].items():
            if not cell.ok and cell.detail:
                failures.setdefault((name, cell.status, cell.detail), []).append(label)
    problems = [
        f"{name}: {status} on {'; '.join(labels)}: {detail}"
        for (name, status, detail), labels in failures.items()
    ]
    notes = list(report["notes"])
    notes.append("numpy column: forward values plus a hand-written backward (a floor).")
    out += ["", "Notes:"] + ["  " + n for n in notes + problems]
    return "\n".join(out)


def to_json(report: dict[str, Any]) -> dict[str, Any]:
    def cell(c: Cell) -> dict[str, Any]:
        return {
            "status": c.status,
            "unit": c.unit,
            "median": c.median,
            "min": c.min,
            "repeats": c.repeats,
            "iterations": c.iterations,
            "detail": c.detail,
        }

    return {
        "machine": report["machine"],
        "config": report["config"],
        "versions": report["versions"],
        "status": report["status"],
        "rows": [{"key": k, "label": label} for k, label in report["rows"]],
        "results": {
            k: {n: cell(c) for n, c in cells.items()} for k, cells in report["results"].items()
        },
        "ratios_vs_glassgrad": ratio_table(report),
        "goals": goals(report),
        "notes": report["notes"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.engine",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes and few iterations (CI smoke test)"
    )
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = parser.parse_args(argv)
    cfg = QUICK if args.quick else FULL

    print("measuring:", flush=True)
    report = run_all(cfg)
    print()
    print(render(report))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(to_json(report), fh, indent=2)
            fh.write("\n")
        print(f"\nwrote {args.json}")

    # Exit non-zero only when glassgrad itself is missing, broken or wrong.
    mine = [cells.get("glassgrad") for cells in report["results"].values()]
    if report["status"]["glassgrad"] != "ok" or not all(c is not None and c.ok for c in mine):
        print("\nglassgrad was not measured on every workload", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
