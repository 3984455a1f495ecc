"""One engine on one workload, in a process of its own: the runner starts this module.

    python -m benchmarks.child ENGINE WORKLOAD --out RESULT.json [--quick] [--repeats 5]
        [--target 0.2] [--threads 2] [--profile]

The runner sets the thread variables below in this process's environment before it starts;
run by hand, they are set here, before numpy (or anything using a thread pool) is imported,
which is why every import of numpy or of a library happens inside `main`.

Order of events: import the engine; build the workload's data from the shared seed and its
numpy reference; take the first step and check its loss (W5/W6: value and gradient) against the
reference: a mismatch is an ERROR and nothing is timed. Then warm up, move every object that
exists into gc's permanent generation (`gc.freeze()`: collections cost what the steps allocate,
not what the imports made), and time the repeats, each after a `gc.collect()`, with
`time.perf_counter`. The result (JSON) goes to the --out file.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

THREAD_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
)

# Set (by `python -m benchmarks --no-keep-freed-memory`): glassgrad's child runs with glibc's own
# allocator settings instead of calling autodiff.memory.keep_freed_memory() at load.
GLIBC_DEFAULTS_VAR = "BENCHMARKS_GLASSGRAD_GLIBC_DEFAULTS"
# Set (by `python -m benchmarks --w11-processes N`): the processes of glassgrad's W11 epoch,
# nn.DataParallel's; by default as many as threads, each of one thread.
EPOCH_PROCESSES_VAR = "BENCHMARKS_GLASSGRAD_EPOCH_PROCESSES"


class Mismatch(Exception):
    """The first loss (or gradient) differs from the numpy reference."""


def read_status() -> dict[str, float]:
    """VmRSS and VmHWM (peak) of this process from /proc/self/status, in MiB."""
    out = {}
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(rest.split()[0]) / 1024  # kB -> MiB
    return out


class Timer:
    """Warm-up, calibration and timed repeats of one step function."""

    def __init__(self, repeats: int, target: float):
        self.repeats = repeats
        self.target = target  # seconds per timed repeat

    def calibrate(self, step: Callable[[], Any], warmup: int) -> int:
        """Run `warmup` steps (at least one), then grow a loop until it takes >= target/10;
        return the iterations per repeat that make a repeat last about `target`."""
        for _ in range(max(1, warmup)):
            step()
        n = 1
        while True:
            t0 = time.perf_counter()
            for _ in range(n):
                step()
            elapsed = time.perf_counter() - t0
            if elapsed >= self.target / 10:
                return max(1, round(n * self.target / elapsed))
            n *= 2

    def repeat(
        self, step: Callable[[], Any], iterations: int, scale: float
    ) -> tuple[list[float], list[float]]:
        """Wall-clock and CPU (user + system, all threads) time per step of each repeat, times
        `scale` (1e3: ms, 1e6: us). On a busy machine the CPU time is the steadier figure."""
        import gc

        wall, cpu = [], []
        for _ in range(self.repeats):
            gc.collect()
            c0, t0 = time.process_time(), time.perf_counter()
            for _ in range(iterations):
                step()
            t1, c1 = time.perf_counter(), time.process_time()
            wall.append((t1 - t0) / iterations * scale)
            cpu.append((c1 - c0) / iterations * scale)
        return wall, cpu


def freeze() -> None:
    import gc

    gc.collect()
    gc.freeze()


def run_net(engine: Any, key: str, sizes: Any, timer: Timer, profile: bool) -> dict:
    from .workloads import net_data, net_reference

    data = net_data(key, sizes)
    before = read_status()["VmRSS"]
    row = _time_loss_step(
        engine.net(data), engine, data, net_reference(data), True, 3, timer, profile
    )
    if not row:
        return {}  # a profile run prints and records nothing
    rows = {key: row}
    if key == "W8":  # the peak over every step so far, and how far above the start it went
        peak = read_status()["VmHWM"]
        common = {k: row[k] for k in ("first", "reference", "fingerprint")}
        rows["W8/peak"] = {**common, "samples": [peak], "before": before}
        rows["W8/step"] = {**common, "samples": [peak - before], "before": before}
    return rows


def run_scalar(engine: Any, key: str, sizes: Any, timer: Timer, profile: bool) -> dict:
    from .workloads import scalar_data, scalar_reference

    data = scalar_data(sizes)
    row = _time_loss_step(
        engine.scalar(data), engine, data, scalar_reference(data), False, 2, timer, profile
    )
    return {"W4": row} if row else {}


def _time_loss_step(
    step: Callable[[], Any],
    engine: Any,
    data: Any,
    reference: float,
    float32: bool,
    warmup: int,
    timer: Timer,
    profile: bool,
) -> dict:
    """Check a training step's first loss against the numpy reference, then time the step."""
    first = engine.value(step())
    row = {"first": first, "reference": reference, "fingerprint": data.fingerprint()}
    _check(first, reference, float32, "first loss")
    if profile:
        return _profile(step, timer)
    freeze()
    row["iterations"] = n = timer.calibrate(step, warmup=warmup)
    row["samples"], row["cpu"] = timer.repeat(step, n, 1e3)
    return row


def run_small(engine: Any, key: str, sizes: Any, timer: Timer, profile: bool) -> dict:
    from .workloads import fingerprint, small_data, small_reference

    x = small_data(sizes)
    value, grad = small_reference(x)
    step = engine.small(x)
    row = {"reference": value, "fingerprint": fingerprint(x)}
    row["first"] = _check_value_and_grad(engine, step(), value, grad, "first")
    if profile:
        return _profile(step, timer)
    freeze()
    row["iterations"] = n = timer.calibrate(step, warmup=1)
    row["samples"], row["cpu"] = timer.repeat(step, n, 1e6)
    # Again after the repeats: catches gradients that pile up when the reset is wrong.
    _check_value_and_grad(engine, step(), value, grad, "after the timed repeats, the")
    return {"W5": row}


def run_chain(engine: Any, key: str, sizes: Any, timer: Timer, profile: bool) -> dict:
    import gc

    from .workloads import chain_reference

    rows: dict[str, dict] = {}
    freeze()
    for n in sizes.chain_ns:
        key = f"W6/{n}"
        value, grad = chain_reference(n)
        run = engine.chain(n)
        try:
            first = _check_value_and_grad(engine, run(), value, grad, "first")
            if profile:
                return _profile(run, timer)
            samples, cpu = [], []
            for _ in range(timer.repeats):
                gc.collect()
                c0, t0 = time.process_time(), time.perf_counter()
                result = run()  # the graph is freed when run() returns: inside the timed region
                t1, c1 = time.perf_counter(), time.process_time()
                samples.append(t1 - t0)
                cpu.append(c1 - c0)
            _check_value_and_grad(engine, result, value, grad, "after the timed repeats, the")
        except Mismatch as exc:
            rows[key] = {"status": "ERROR", "detail": str(exc)}
        except Exception as exc:  # micrograd: RecursionError from its recursive sort
            rows[key] = {"status": f"fails ({type(exc).__name__})", "detail": repr(exc)[:300]}
        else:
            rows[key] = {"first": first, "reference": value, "samples": samples, "cpu": cpu}
        rows[key]["fingerprint"] = str(n)
    return rows


def run_rss(engine: Any, key: str, sizes: Any, timer: Timer, profile: bool) -> dict:
    import gc

    from .workloads import net_data, net_reference

    data = net_data("W7", sizes)
    before = read_status()["VmRSS"]
    step = engine.net(data)
    first, reference = engine.value(step()), net_reference(data)
    _check(first, reference, True, "first loss")
    early, last = sizes.rss_steps
    readings = {}
    for i in range(2, last + 1):
        step()
        if i in (early, last):
            gc.collect()  # garbage cycles waiting for a collection are not a leak
            readings[i] = read_status()
    common = {"first": first, "reference": reference, "fingerprint": data.fingerprint()}
    growth = readings[last]["VmRSS"] - readings[early]["VmRSS"]
    return {
        "W7/peak": {**common, "samples": [readings[last]["VmHWM"]], "before": before},
        "W7/growth": {**common, "samples": [growth], "rss": [readings[early], readings[last]]},
    }


def _check(got: float, want: float, float32: bool, what: str) -> None:
    from .workloads import agrees

    if not agrees(got, want, float32):
        raise Mismatch(f"{what} {got:.7g} != numpy reference {want:.7g}")


def _check_value_and_grad(engine: Any, result: Any, value: float, grad: Any, when: str) -> float:
    got = engine.value(result[0])
    _check(got, value, False, f"{when} value")
    g = engine.array(result[1])
    from .workloads import agrees

    if not agrees(g, grad, False):
        raise Mismatch(f"{when} gradient differs from numpy's reference")
    return got


def _profile(step: Callable[[], Any], timer: Timer, n: int | None = None) -> dict:
    """cProfile of about `timer.target` seconds of steps, after a warm-up (or of `n` steps,
    without one): top 30 by tottime."""
    import cProfile
    import pstats

    if n is None:
        n = timer.calibrate(step, warmup=3)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        step()
    profiler.disable()
    print(f"cProfile of {n} steps")
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(30)
    return {}


def run_hvp(engine: Any, key: str, sizes: Any, timer: Timer, profile: bool) -> dict:
    import numpy as np

    from .workloads import close_in_norm, hvp_reference, hvp_vectors, net_data

    data = net_data(key, sizes)
    vectors = hvp_vectors(data)
    want = hvp_reference(data, vectors)
    step = engine.hvp(data, vectors)
    got = engine.arrays(step())
    # v . Hv: the one number of the check that the table's JSON keeps
    first = sum(float(np.sum(v * g)) for v, g in zip(vectors, got))
    row = {"first": first, "reference": sum(float(np.sum(v * w)) for v, w in zip(vectors, want))}
    row["fingerprint"] = data.fingerprint()
    if not close_in_norm(got, want):
        raise Mismatch("the Hessian-vector product differs from numpy's float64 reference")
    if profile:
        return _profile(step, timer)
    freeze()
    row["iterations"] = n = timer.calibrate(step, warmup=2)
    row["samples"], row["cpu"] = timer.repeat(step, n, 1e3)
    return {key: row}


def run_infer(engine: Any, key: str, sizes: Any, timer: Timer, profile: bool) -> dict:
    from .workloads import close_in_norm, infer_data, net_logits

    rows: dict[str, dict] = {}
    for n in sizes.infer_batches:
        data = infer_data(n, sizes)
        want = net_logits(data)
        step = engine.infer(data)
        row: dict[str, Any] = {"fingerprint": data.fingerprint()}
        got = engine.array(step())
        row["first"], row["reference"] = float(got.sum()), float(want.sum())
        if not close_in_norm([got], [want]):
            rows[f"W10/{n}"] = {**row, "status": "ERROR", "detail": "logits differ from numpy's"}
            continue
        if profile:
            return _profile(step, timer)
        freeze()
        row["iterations"] = iterations = timer.calibrate(step, warmup=3)
        row["samples"], row["cpu"] = timer.repeat(step, iterations, 1e3)
        rows[f"W10/{n}"] = row
    return rows


def run_epoch(engine: Any, key: str, sizes: Any, timer: Timer, profile: bool) -> dict:
    """W11: one epoch from fresh weights, timed whole (it is what a user waits for), then the
    test set. One figure per process: the runner's rounds give the spread."""
    import gc

    from .workloads import MissingData, epoch_data, net_reference

    try:
        data = epoch_data(sizes)
    except MissingData as exc:
        skipped = {"status": "skipped (no MNIST)", "detail": str(exc)}
        return {"W11": skipped, "W11/acc": dict(skipped)}
    train, evaluate = engine.epoch(data)
    if profile:
        return _profile(lambda: train(0), timer, n=1)
    gc.collect()
    pids = getattr(engine, "worker_pids", [])  # nn.DataParallel's: their CPU time counts too
    c0, t0 = time.process_time() + _cpu_of(pids), time.perf_counter()
    first, train_loss, train_acc = train(0)
    t1, c1 = time.perf_counter(), time.process_time() + _cpu_of(pids)
    test_loss, test_acc = evaluate()
    t2 = time.perf_counter()
    reference = net_reference(data.first_batch())
    _check(first, reference, True, "first loss")
    common = {"first": first, "reference": reference, "fingerprint": data.fingerprint()}
    facts = {
        "train_loss": train_loss,
        "train_acc": train_acc,
        "test_loss": test_loss,
        "test_acc": test_acc,
        "eval_seconds": t2 - t1,
        **getattr(engine, "epoch_facts", {}),
    }
    return {
        "W11": {**common, "samples": [t1 - t0], "cpu": [c1 - c0], "facts": facts},
        "W11/acc": {**common, "samples": [100 * test_acc]},
    }


def _cpu_of(pids: list[int]) -> float:
    """The CPU time (user + system) of other processes, in seconds, from /proc (Linux)."""
    total = 0.0
    for pid in pids:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


RUNNERS = {
    "net": run_net,
    "scalar": run_scalar,
    "small": run_small,
    "chain": run_chain,
    "rss": run_rss,
    "hvp": run_hvp,
    "infer": run_infer,
    "epoch": run_epoch,
}


def run_workload(engine: Any, key: str, args: argparse.Namespace) -> dict[str, Any]:
    """One workload's result: {"status", "rows": {row key: figures}, ...}."""
    from .workloads import FULL, QUICK, WORKLOADS

    result: dict[str, Any] = {"workload": key, "status": "ok", "load_at_start": os.getloadavg()[0]}
    try:
        sizes = QUICK if args.quick else FULL
        timer = Timer(args.repeats, args.target)
        result["rows"] = RUNNERS[WORKLOADS[key].kind](engine, key, sizes, timer, args.profile)
    except Mismatch as exc:
        result.update(status="ERROR", detail=str(exc))
    except Exception as exc:  # a peer that fails shows it in its cells
        result.update(status=f"fails ({type(exc).__name__})", detail=traceback.format_exc())
    result["rss_at_end"] = read_status()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.child")
    parser.add_argument("engine")
    parser.add_argument("workloads", help="W1, or several (W1,W5) to run one after the other")
    parser.add_argument("--out", help="where to write the results (JSON); default stdout")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--target", type=float, default=0.2, help="seconds per timed repeat")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--profile", action="store_true", help="print a cProfile, time nothing")
    args = parser.parse_args(argv)
    for var in THREAD_VARS:  # before numpy is imported (the runner has set them already)
        os.environ.setdefault(var, str(args.threads))

    out: dict[str, Any] = {
        "engine": args.engine,
        "status": "ok",
        "threads": {var: os.environ[var] for var in THREAD_VARS},
        "results": [],
    }
    try:
        from .libs import ENGINES, Unavailable

        engine = ENGINES[args.engine]()
        engine.load(args.threads)
    except Unavailable as exc:
        out["status"] = str(exc)
    except Exception as exc:
        out.update(status=f"fails ({type(exc).__name__})", detail=traceback.format_exc())
    else:
        if args.engine == "torch":
            out["torch_threads"] = engine.torch.get_num_threads()
        if args.engine == "glassgrad":
            out["glassgrad_threads"] = engine.autodiff.get_num_threads()
        out["results"] = [run_workload(engine, key, args) for key in args.workloads.split(",")]
    text = json.dumps(out)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write(text)
    elif not args.profile:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
