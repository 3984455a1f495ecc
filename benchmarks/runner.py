"""The harness: every engine x workload in a process of its own, then one table and one JSON.

`python -m benchmarks` (see `__main__.py`) calls `run` and `render`. For each round, for each
workload, each engine's child (`benchmarks/child.py`) runs back to back, so a burst of load
from elsewhere lands on all the engines of a workload rather than on one; the rounds repeat the
whole sequence and their repeats are pooled. Every child gets the same environment: the thread
variables set to `threads`, before it imports anything.

This module imports neither numpy nor any engine: it only starts processes and reads results.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .child import EPOCH_PROCESSES_VAR, GLIBC_DEFAULTS_VAR, THREAD_VARS

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_JSON = ROOT / "benchmarks" / "results.json"
ENGINE_ORDER = ("glassgrad", "torch", "dezero", "mygrad", "autograd", "micrograd", "numpy")
# The module whose presence means "installed", and the distribution that gives the version.
MODULES = {"glassgrad": "autodiff", "micrograd": "micrograd.engine"}
DISTS = {"glassgrad": "glassgrad"}

# Goals: printed next to the figures, never asserted.
GOAL_W1_VS_TORCH = 0.7
GOAL_W3_VS_TORCH = 2.5
GOAL_W5_US = 40.0
GOAL_W4_VS_MICROGRAD = 1.0
GOAL_W6_LINEAR = 2.0  # per-op time at the largest N at most this multiple of the smallest N's
GOAL_W7_GROWTH_MIB = 1.0  # RSS growth between the two readings that still counts as none
GOAL_VS_TORCH = 1.0  # W8, W9, W10 (both batch sizes), W11's epoch
GOAL_W11_ACCURACY_PP = 0.2  # W11: the test accuracies may differ by this many points

UNITS = {
    "ms": "ms/step",
    "us": "us/iter",
    "s": "s",
    "MiB": "MiB",
    "ms_fwd": "ms/forward",
    "s_epoch": "s/epoch",
    "pct": "%",
}
# glassgrad's own allocator settings (autodiff/memory.py), as GLIBC_TUNABLES for any process.
MALLOC_TUNABLES = "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=67108864"


# ------------------------------------------------------------------------ configuration
@dataclass(frozen=True)
class Config:
    quick: bool = False
    rounds: int = 2
    repeats: int = 5
    target: float = 0.2  # seconds per timed repeat (W1-W5)
    threads: int = 2
    jobs: int = 1  # children at a time (more than 1 only for --quick: timings interfere)
    timeout: float = 1800.0  # seconds per child
    # One child per engine running all its workloads, instead of one per engine x workload:
    # for --quick, where importing torch in 7 processes would take most of the time.
    per_engine: bool = False
    # Run every child with GLIBC_TUNABLES that keep freed memory in the process: the settings
    # glassgrad's children make with autodiff.memory.keep_freed_memory() (MALLOC_TUNABLES),
    # given to the peers as well.
    malloc_tunables: bool = False
    # Processes of glassgrad's W11 epoch (None: as many as threads)
    epoch_processes: int | None = None
    # False: glassgrad's children do not call keep_freed_memory() (glibc's own settings).
    keep_freed_memory: bool = True


QUICK = Config(
    quick=True, rounds=1, repeats=2, target=0.005, jobs=2, timeout=300.0, per_engine=True
)


def workload_table() -> dict[str, Any]:
    """benchmarks.workloads.WORKLOADS, imported lazily (that module imports numpy)."""
    from .workloads import WORKLOADS

    return WORKLOADS


def sizes_for(cfg: Config) -> Any:
    from .workloads import FULL, QUICK

    return QUICK if cfg.quick else FULL


def plan(only: Iterable[str] | None, engines: Iterable[str] | None) -> list[tuple[str, str]]:
    """(workload, engine) pairs to run, in the table's order; raises ValueError on bad names."""
    table = workload_table()
    keys = list(table) if only is None else [k.upper() for k in only]
    names = list(ENGINE_ORDER) if engines is None else list(engines)
    for k in keys:
        if k not in table:
            raise ValueError(f"unknown workload {k!r}; choose from {', '.join(table)}")
    for n in names:
        if n not in ENGINE_ORDER:
            raise ValueError(f"unknown engine {n!r}; choose from {', '.join(ENGINE_ORDER)}")
    return [(k, e) for k in table if k in keys for e in table[k].engines if e in names]


def installed(engine: str) -> bool:
    try:
        return importlib.util.find_spec(MODULES.get(engine, engine)) is not None
    except (ImportError, ValueError):
        return False


def version(engine: str) -> str:
    try:
        return importlib.metadata.version(DISTS.get(engine, engine))
    except importlib.metadata.PackageNotFoundError:
        return "source tree" if engine == "glassgrad" else "unknown"


def machine() -> dict[str, Any]:
    cpu = platform.processor() or "unknown"
    mem = None
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            models = (ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name"))
            cpu = next(models, cpu)
        with open("/proc/meminfo", encoding="utf-8") as fh:
            mem = next(int(ln.split()[1]) / 2**20 for ln in fh if ln.startswith("MemTotal"))
    except (OSError, StopIteration):
        pass
    try:
        nproc = len(os.sched_getaffinity(0))
    except AttributeError:
        nproc = os.cpu_count() or 0
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": nproc,
        "cpu": cpu,
        "memory_gib": round(mem, 1) if mem else None,
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


# ---------------------------------------------------------------------------- children
def child_env(cfg: Config) -> dict[str, str]:
    env = dict(os.environ)
    env.update({var: str(cfg.threads) for var in THREAD_VARS})
    if cfg.malloc_tunables:
        env["GLIBC_TUNABLES"] = MALLOC_TUNABLES
    if not cfg.keep_freed_memory:
        env[GLIBC_DEFAULTS_VAR] = "1"
    if cfg.epoch_processes is not None:
        env[EPOCH_PROCESSES_VAR] = str(cfg.epoch_processes)
    return env


def child_command(workloads: list[str], engine: str, cfg: Config) -> list[str]:
    cmd = [sys.executable, "-m", "benchmarks.child", engine, ",".join(workloads)]
    cmd += ["--repeats", str(cfg.repeats), "--target", str(cfg.target)]
    cmd += ["--threads", str(cfg.threads)]
    return cmd + (["--quick"] if cfg.quick else [])


def run_child(workloads: list[str], engine: str, cfg: Config) -> dict[str, dict[str, Any]]:
    """Run one child to completion: workload -> its result, or a failure status for each."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        cmd = [*child_command(workloads, engine, cfg), "--out", str(out)]
        try:
            proc = subprocess.run(
                cmd, cwd=ROOT, env=child_env(cfg), capture_output=True, text=True,
                timeout=cfg.timeout, check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            failed = {"status": f"timeout ({cfg.timeout:g} s)", "detail": ""}
        else:
            if out.exists():
                data = json.loads(out.read_text(encoding="utf-8"))
                if data["status"] == "ok":
                    return {r["workload"]: r for r in data["results"]}
                failed = {"status": data["status"], "detail": data.get("detail", "")}
            else:
                tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
                failed = {"status": f"crashed (exit {proc.returncode})", "detail": " / ".join(tail)}
    return {w: failed for w in workloads}


def profile(workload: str, engine: str, cfg: Config) -> int:
    """Print the child's cProfile of `engine` on `workload` (nothing is timed)."""
    cmd = [*child_command([workload], engine, cfg), "--profile"]
    return subprocess.run(cmd, cwd=ROOT, env=child_env(cfg), check=False).returncode


# ------------------------------------------------------------------------------ results
@dataclass
class Cell:
    """One engine on one row, pooled over rounds."""

    status: str = "ok"
    unit: str = ""
    rounds: list[list[float]] = field(default_factory=list)  # each round's timed repeats
    first: float | None = None
    reference: float | None = None
    fingerprint: str | None = None
    detail: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def samples(self) -> list[float]:
        """Every round's repeats, pooled."""
        return [sample for repeats in self.rounds for sample in repeats]

    @property
    def ok(self) -> bool:
        return self.status == "ok" and bool(self.samples)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def cpu(self) -> float | None:
        """The median CPU time (user + system, all threads), in the cell's unit."""
        cpu = self.extra.get("cpu")
        return statistics.median(cpu) if cpu else None


@dataclass
class Report:
    cfg: Config
    machine: dict[str, Any]
    versions: dict[str, str]
    rows: list[tuple[str, str, str]]  # (key, label, unit)
    cells: dict[str, dict[str, Cell]]  # row key -> engine -> cell
    load: dict[str, Any]
    elapsed: float


def run(cfg: Config, pairs: list[tuple[str, str]], log: Callable[[str], None]) -> Report:
    """Run every (workload, engine) child, `cfg.rounds` times; pool the repeats."""
    from .workloads import rows

    table, sizes = workload_table(), sizes_for(cfg)
    load_start = os.getloadavg()
    started = time.perf_counter()
    info = machine()
    engines = sorted({e for _, e in pairs}, key=ENGINE_ORDER.index)
    versions = {e: version(e) for e in engines if installed(e)}
    row_list = [r for k in dict.fromkeys(w for w, _ in pairs) for r in rows(table[k], sizes)]
    cells: dict[str, dict[str, Cell]] = {key: {} for key, _, _ in row_list}
    units = {key: unit for key, _, unit in row_list}
    child_loads: list[float] = []

    for e in engines:
        if e not in versions:
            for w, e2 in pairs:
                if e2 == e:
                    for key, _, unit in rows(table[w], sizes):
                        cells[key][e] = Cell("not installed", unit)
    todo = [(w, e) for w, e in pairs if e in versions]
    if cfg.per_engine:
        groups = [([w for w, e2 in todo if e2 == e], e) for e in engines if e in versions]
    else:
        groups = [([w], e) for w, e in todo]
    jobs = [group for _ in range(cfg.rounds) for group in groups]

    def one(job: tuple[list[str], str]) -> tuple[list[str], str, dict[str, Any], float]:
        t0 = time.perf_counter()
        results = run_child(*job, cfg)
        return job[0], job[1], results, time.perf_counter() - t0

    with ThreadPoolExecutor(max_workers=max(1, cfg.jobs)) as pool:
        for i, (ws, e, results, secs) in enumerate(pool.map(one, jobs), 1):
            statuses = ", ".join(f"{w} {results[w]['status']}" for w in ws)
            log(f"[{i}/{len(jobs)}] {e}: {statuses} ({secs:.1f} s)")
            for w in ws:
                if "load_at_start" in results[w]:
                    child_loads.append(results[w]["load_at_start"])
                _merge(cells, units, rows(table[w], sizes), e, results[w])

    _check_fingerprints(cells)
    load = {
        "start": list(load_start),
        "end": list(os.getloadavg()),
        "child_starts_1min": [min(child_loads), max(child_loads)] if child_loads else None,
    }
    return Report(cfg, info, versions, row_list, cells, load, time.perf_counter() - started)


def _merge(
    cells: dict[str, dict[str, Cell]],
    units: dict[str, str],
    workload_rows: list[tuple[str, str, str]],
    engine: str,
    result: dict[str, Any],
) -> None:
    """Add one child's result to the cells of its rows (a failure sticks)."""
    for key, _, _ in workload_rows:
        cell = cells[key].setdefault(engine, Cell(unit=units[key]))
        if cell.status != "ok":
            continue
        row = result.get("rows", {}).get(key)
        status = row.get("status", result["status"]) if row else result["status"]
        if status == "ok" and row is None:
            status = "fails (no result)"
        if status != "ok":
            cell.status = status
            cell.detail = (row or {}).get("detail") or result.get("detail", "")
            continue
        cell.rounds.append(list(row["samples"]))
        cell.first, cell.reference = row.get("first"), row.get("reference")
        cell.fingerprint = row.get("fingerprint")
        cell.extra.setdefault("cpu", []).extend(row.get("cpu", []))
        for name in ("before", "rss"):
            if name in row:
                cell.extra[name] = row[name]
        if "facts" in row:  # W11: one set per round
            cell.extra.setdefault("facts", []).append(row["facts"])


def _check_fingerprints(cells: dict[str, dict[str, Cell]]) -> None:
    """Every engine of a row must have started from the same arrays."""
    for by_engine in cells.values():
        prints = [c.fingerprint for c in by_engine.values() if c.ok]
        if prints and len(set(prints)) > 1:
            want = max(set(prints), key=prints.count)
            for cell in by_engine.values():
                if cell.ok and cell.fingerprint != want:
                    cell.status, cell.detail = "ERROR", "started from different inputs"


# ------------------------------------------------------------------------------- goals
def _cell(report: Report, key: str, engine: str) -> Cell | None:
    cell = report.cells.get(key, {}).get(engine)
    return cell if cell is not None and cell.ok else None


def goals(report: Report) -> list[tuple[str, bool | None, str]]:
    """(goal, met or None when not measured, the figures) for every goal whose rows ran."""
    out: list[tuple[str, bool | None, str]] = []
    keys = {key for key, _, _ in report.rows}

    def vs(key: str, other: str, limit: float, goal: str) -> None:
        if key not in keys:
            return
        g, o = _cell(report, key, "glassgrad"), _cell(report, key, other)
        if g is None or o is None:
            out.append((goal, None, f"{'glassgrad' if g is None else other} not measured"))
            return
        ratio = g.median / o.median
        detail = f"{ratio:.2f}x ({_fmt(g.median)} vs {_fmt(o.median)} {UNITS[g.unit]})"
        if g.cpu and o.cpu:
            detail += f"; CPU time {g.cpu / o.cpu:.2f}x"
        out.append((goal, ratio <= limit, detail + _per_round(g, o)))

    vs("W1", "torch", GOAL_W1_VS_TORCH, f"W1 glassgrad <= {GOAL_W1_VS_TORCH:g}x torch")
    floor, torch = _cell(report, "W1", "numpy"), _cell(report, "W1", "torch")
    if out and out[-1][0].startswith("W1 ") and floor is not None and torch is not None:
        # What no engine on numpy can beat: the same step in bare numpy calls
        goal, met, detail = out[-1]
        out[-1] = (goal, met, f"{detail}; the numpy floor {floor.median / torch.median:.2f}x")
    vs("W3", "torch", GOAL_W3_VS_TORCH, f"W3 glassgrad <= {GOAL_W3_VS_TORCH:g}x torch")
    vs("W4", "micrograd", GOAL_W4_VS_MICROGRAD, f"W4 <= {GOAL_W4_VS_MICROGRAD:g}x micrograd")
    if "W5" in keys:
        g = _cell(report, "W5", "glassgrad")
        goal = f"W5 glassgrad <= {GOAL_W5_US:g} us"
        if g is None:
            out.append((goal, None, "glassgrad not measured"))
        else:
            cpu = f" (CPU time {_fmt(g.cpu)} us)" if g.cpu else ""
            out.append((goal, g.median <= GOAL_W5_US, f"{_fmt(g.median)} us{cpu}"))
    chain = [key for key, _, _ in report.rows if key.startswith("W6/")]
    if chain:
        ns = [int(key.split("/")[1]) for key in chain]
        gs = [_cell(report, key, "glassgrad") for key in chain]
        goal = f"W6 linear in N (per-op time at the largest N <= {GOAL_W6_LINEAR:g}x the smallest)"
        if all(gs):
            per_op = [c.median / n * 1e6 for c, n in zip(gs, ns)]  # type: ignore[union-attr]
            detail = ", ".join(f"{p:.3g}" for p in per_op) + " us/op"
            out.append((goal, per_op[-1] <= GOAL_W6_LINEAR * per_op[0], detail))
        else:
            out.append((goal, None, "glassgrad not measured at every N"))
        vs(chain[-1], "torch", 1.0, f"W6 faster than torch at N={_n(ns[-1])}")
    if "W7/growth" in keys:
        g = _cell(report, "W7/growth", "glassgrad")
        goal = f"W7 no RSS growth (<= {GOAL_W7_GROWTH_MIB:g} MiB between the readings)"
        if g is None:
            out.append((goal, None, "glassgrad not measured"))
        else:
            out.append((goal, g.median <= GOAL_W7_GROWTH_MIB, f"{g.median:+.2f} MiB"))
    for key, label, _ in report.rows:
        if key in ("W8", "W9") or key.startswith("W10/"):
            vs(key, "torch", GOAL_VS_TORCH, f"{label} glassgrad <= {GOAL_VS_TORCH:g}x torch")
    if "W11" in keys:
        out.append(_epoch_goal(report))
    out.append(_faster_than_peers(report))
    return out


def _epoch_goal(report: Report) -> tuple[str, bool | None, str]:
    goal = (
        f"W11 epoch glassgrad <= {GOAL_VS_TORCH:g}x torch at equal test accuracy "
        f"(+-{GOAL_W11_ACCURACY_PP:g} pp)"
    )
    cells = [_cell(report, key, e) for key in ("W11", "W11/acc") for e in ("glassgrad", "torch")]
    if not all(cells):
        return goal, None, "glassgrad or torch not measured"
    g, o, g_acc, o_acc = cells  # type: ignore[misc]
    ratio, gap = g.median / o.median, g_acc.median - o_acc.median
    detail = (
        f"{ratio:.2f}x ({_fmt(g.median)} vs {_fmt(o.median)} s/epoch); test accuracy "
        f"{g_acc.median:.2f} vs {o_acc.median:.2f} % ({gap:+.2f} pp)"
    )
    detail += _per_round(g, o)
    return goal, ratio <= GOAL_VS_TORCH and abs(gap) <= GOAL_W11_ACCURACY_PP, detail


def round_ratios(g: Cell, o: Cell) -> list[float]:
    """glassgrad's median over the peer's, round by round: each ratio compares processes that
    ran back to back, seconds apart, which a slow phase of the host more often hits together
    than two rounds minutes apart. Empty unless both ran the same rounds, more than one."""
    if len(g.rounds) != len(o.rounds) or len(g.rounds) < 2:
        return []
    return [statistics.median(a) / statistics.median(b) for a, b in zip(g.rounds, o.rounds)]


def _per_round(g: Cell, o: Cell) -> str:
    ratios = round_ratios(g, o)
    return f"; per round {', '.join(f'{r:.2f}x' for r in ratios)}" if ratios else ""


def _faster_than_peers(report: Report) -> tuple[str, bool | None, str]:
    goal = "faster than DeZero and MyGrad on every workload they run"
    slower, compared = [], 0
    for key, _, unit in report.rows:
        g = _cell(report, key, "glassgrad")
        if unit in ("MiB", "pct") or g is None:
            continue
        for peer in ("dezero", "mygrad"):
            p = _cell(report, key, peer)
            if p is not None:
                compared += 1
                if g.median >= p.median:
                    slower.append(f"{_short(key)} vs {peer} ({g.median / p.median:.2f}x)")
    if not compared:
        return goal, None, "neither measured"
    if slower:
        return goal, False, "slower on " + ", ".join(slower)
    return goal, True, f"{compared} comparisons"


# ----------------------------------------------------------------------------- rendering
def _fmt(v: float) -> str:
    return f"{v:.3g}"


def _n(n: int) -> str:
    from .workloads import chain_label

    return chain_label(n)


def _short(key: str) -> str:
    return f"W6 N={_n(int(key[3:]))}" if key.startswith("W6/") else key.replace("/", " ")


def _note(key: str, engine: str, cell: Cell) -> str:
    if not cell.ok:
        text = " ".join(cell.detail.strip().splitlines()[-1:]) if cell.detail else ""
        return text[:160].replace("|", "\\|")
    if key.startswith("W6/"):
        return f"{cell.median / int(key[3:]) * 1e6:.3g} us/op"
    if key == "W7/peak" and "before" in cell.extra:
        return f"RSS {cell.extra['before']:.0f} MiB after imports"
    if key == "W7/growth" and "rss" in cell.extra:
        a, b = cell.extra["rss"]
        return f"RSS {a['VmRSS']:.1f} -> {b['VmRSS']:.1f} MiB"
    if key in ("W8/peak", "W8/step") and "before" in cell.extra:
        return f"RSS {cell.extra['before']:.0f} MiB before the first step"
    if key == "W11" and cell.extra.get("facts"):
        facts = cell.extra["facts"]
        evals = "/".join(f"{f['eval_seconds']:.2g}" for f in facts)
        train = "/".join(f"{100 * f['train_acc']:.2f}" for f in facts)
        note = f"then {evals} s for the test set; training accuracy {train} %"
        if facts[0].get("processes"):  # glassgrad's epoch in nn.DataParallel
            startups = "/".join(f"{f['startup_seconds']:.2g}" for f in facts)
            note = (
                f"nn.DataParallel over {facts[0]['processes']} processes (startup {startups} s, "
                f"before the epoch); {note}"
            )
        return note
    if engine == "numpy":
        if key == "W1":
            return "floor: the same step in bare numpy calls, no engine"
        return "floor: same forward, hand-written backward"
    return ""


def table(report: Report) -> list[str]:
    lines = [
        "| row | unit | engine | median | min | max | / torch | CPU | note |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for key, label, unit in report.rows:
        by_engine = report.cells[key]
        torch = by_engine.get("torch")
        for engine in ENGINE_ORDER:
            cell = by_engine.get(engine)
            if cell is None:
                continue
            note = _note(key, engine, cell)
            head = f"| {label} | {UNITS[unit]} | {engine} |"
            if not cell.ok:
                lines.append(f"{head} {cell.status} | - | - | - | - | {note} |")
                continue
            ratio = "-"
            if torch is not None and torch.ok and unit == "pct":
                ratio = f"{cell.median - torch.median:+.2f} pp"
            elif torch is not None and torch.ok and key != "W7/growth" and torch.median > 0:
                ratio = f"{cell.median / torch.median:.2f}x"
            s, cpu = cell.samples, "-" if cell.cpu is None else _fmt(cell.cpu)
            lines.append(
                f"{head} {_fmt(cell.median)} | {_fmt(min(s))} | {_fmt(max(s))} | {ratio} | {cpu} "
                f"| {note} |"
            )
    return lines


def render(report: Report) -> str:
    cfg, m, load = report.cfg, report.machine, report.load
    mode = "--quick: tiny sizes, the figures mean nothing" if cfg.quick else "full sizes"
    loads = "/".join(f"{v:.2f}" for v in load["start"]), "/".join(f"{v:.2f}" for v in load["end"])
    seen = load["child_starts_1min"]
    per = "engine (all its workloads)" if cfg.per_engine else "engine x workload"
    out = [
        f"## glassgrad benchmarks ({mode}), {m['date']}",
        "",
        f"- Machine: nproc {m['nproc']}, {m['cpu']}, {m['memory_gib']} GiB RAM, {m['platform']}; "
        f"Python {m['python']}.",
        "- Versions: " + ", ".join(f"{e} {v}" for e, v in report.versions.items()) + ".",
        f"- Load average (1/5/15 min): {loads[0]} at the start, {loads[1]} at the end"
        + (f"; 1-min load when each child started: {seen[0]:.2f}-{seen[1]:.2f}" if seen else "")
        + f". (This run itself adds up to {cfg.threads} to it.)",
        f"- Method: one process per {per}"
        f", {cfg.threads} threads each "
        f"({', '.join(THREAD_VARS[:3])}, torch.set_num_threads, autodiff.set_num_threads); "
        f"warm-up, then {cfg.repeats} "
        f"timed repeats per process, {cfg.rounds} round{'s' if cfg.rounds != 1 else ''}; "
        f"median, min and max over all repeats; CPU: the median CPU time (user + system, all "
        f"threads) per step: it leaves out time spent waiting for a core, but not spinning BLAS "
        f"threads or a core shared with another job. The first loss of every "
        f"engine is checked against a numpy reference before timing. Run took "
        f"{report.elapsed:.0f} s."
        + (
            " glassgrad keeps freed memory (autodiff.memory.keep_freed_memory(), as its Trainer "
            "does); the peers run with glibc's defaults."
            if cfg.keep_freed_memory
            else " glassgrad ran with glibc's default allocator settings (--no-keep-freed-memory)."
        )
        + (
            f" Every child ran with GLIBC_TUNABLES={MALLOC_TUNABLES}."
            if cfg.malloc_tunables
            else ""
        ),
        "",
    ]
    from .workloads import describe

    table_, sizes = workload_table(), sizes_for(cfg)
    shown = dict.fromkeys(key.split("/")[0] for key, _, _ in report.rows)
    out += [f"- {describe(table_[k], sizes)}" for k in shown] + [""]
    out += table(report)
    out += ["", "Goals (printed, never asserted):", ""]
    for goal, met, detail in goals(report):
        verdict = "not measured" if met is None else ("met" if met else "NOT met")
        out.append(f"- {goal}: {detail} -> **{verdict}**")
    if cfg.quick:
        out.append("- (--quick: the sizes are not the goals' sizes; the verdicts mean nothing.)")
    return "\n".join(out)


def to_json(report: Report) -> dict[str, Any]:
    cells = {
        key: {
            engine: {
                "status": c.status,
                "unit": UNITS[c.unit],
                "median": c.median if c.ok else None,
                "min": min(c.samples) if c.ok else None,
                "max": max(c.samples) if c.ok else None,
                "samples": c.samples,
                "rounds": c.rounds,
                "first_loss": c.first,
                "reference": c.reference,
                "cpu_median": c.cpu,
                "detail": c.detail,
                **c.extra,
            }
            for engine, c in by_engine.items()
        }
        for key, by_engine in report.cells.items()
    }
    return {
        "machine": report.machine,
        "load": report.load,
        "versions": report.versions,
        "config": report.cfg.__dict__,
        "rows": [{"key": k, "label": label, "unit": UNITS[u]} for k, label, u in report.rows],
        "results": cells,
        "goals": [{"goal": g, "met": met, "detail": d} for g, met, d in goals(report)],
        "elapsed_s": report.elapsed,
    }


def glassgrad_ok(report: Report) -> bool:
    """True unless glassgrad ran and failed, erred or was not measured on one of its rows (a row
    skipped for want of data, W11 without MNIST, is not a failure)."""
    return all(
        by_engine["glassgrad"].ok or by_engine["glassgrad"].status.startswith("skipped")
        for by_engine in report.cells.values()
        if "glassgrad" in by_engine
    )
