"""Instructions per W1, W3, W4, W5, W6, W8, W9 and W10 step under callgrind: the figure a busy host
cannot move.

Run from the repository root (needs valgrind)::

    python -m benchmarks.instructions                 # W4, W5, W6: about 5 minutes
    python -m benchmarks.instructions --only W5 --steps 500
    python -m benchmarks.instructions --only W8,W10/1000,W10/1   # the CNN rows: about 10 minutes
    python -m benchmarks.instructions --only W1,W9    # the MLP step and its Hessian-vector product
    python -m benchmarks.instructions --only W9/tiny  # W9's step at widths of 8: its bookkeeping
    python -m benchmarks.instructions --only W4 --engine micrograd   # a peer, on W4

For each workload a worker process builds glassgrad's step the way the harness does
(`benchmarks.libs`), warms it up, freezes what the imports made (`gc.freeze()`, as the harness
does; the cyclic GC stays on) and runs N steps under `valgrind --tool=callgrind`, with one BLAS
thread. The same run with 0 steps is subtracted, so imports and set-up drop out:
(I(N) - I(0)) / N is the count per step. W6 is one 1000-op chain per step; W8 one training step
(Adam); W10/1000 and W10/1 one forward under no_grad on 1,000 images and on one; W9/tiny
W9's step at widths of 8 and a batch of 4, its bookkeeping nearly alone.

The CNN rows' counts are mostly OpenBLAS's GEMM kernels, which the counts take as they are; what
they do not show is time spent waiting for memory (cache misses), which wall-clock figures do.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

# Enough steps that the per-step figure is stable (the CNN rows' steps are all numpy kernels).
STEPS = {
    "W1": 40,
    "W3": 10,
    "W4": 20,
    "W5": 2000,
    "W6": 40,
    "W8": 3,
    "W9": 20,
    "W9/TINY": 200,
    "W10/1000": 1,
    "W10/1": 200,
}


def worker(workload: str, steps: int, engine_name: str = "glassgrad") -> None:
    import gc

    from . import libs, workloads

    engine = libs.ENGINES[engine_name]()  # glassgrad's load() keeps freed memory, as the harness
    engine.load(1)
    if workload == "W1":
        step = engine.net(workloads.net_data("W1", workloads.FULL))
    elif workload == "W9":
        data = workloads.net_data("W1", workloads.FULL)
        step = engine.hvp(data, workloads.hvp_vectors(data))
    elif workload == "W9/TINY":
        data = tiny_mlp_data(workloads)
        step = engine.hvp(data, workloads.hvp_vectors(data))
    elif workload == "W4":
        step = engine.scalar(workloads.scalar_data(workloads.FULL))
    elif workload == "W5":
        step = engine.small(workloads.small_data(workloads.FULL))
    elif workload == "W6":
        step = engine.chain(1000)
    elif workload in ("W3", "W8"):
        step = engine.net(workloads.net_data(workload, workloads.FULL))
    else:  # W10/<batch>
        batch = int(workload.split("/")[1])
        step = engine.infer(workloads.infer_data(batch, workloads.FULL))
    for _ in range(5):
        step()
    gc.collect()
    gc.freeze()
    for _ in range(steps):
        step()


def tiny_mlp_data(workloads):
    """W9/tiny: W9's step (W1's MLP: five linears, ReLUs, cross-entropy) at widths of 8 and a
    batch of 4, so that the GEMMs are small and the count is the step's bookkeeping."""
    rng = np.random.default_rng([workloads.SEED, 99])
    spec, _, _ = workloads.NETS["W1"]
    sizes = (16, 8, 8, 8, 8, 4)
    shapes = [(n_out, n_in) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    x = rng.standard_normal((4, sizes[0])).astype(np.float32)
    t = rng.integers(0, sizes[-1], 4)
    return workloads.NetData(spec, workloads.he_weights(rng, shapes), x, t)


def instructions(workload: str, steps: int, engine: str = "glassgrad") -> int:
    # One hash seed: with random ones the imports' dict layouts, and so their counts, vary by
    # about a million instructions between runs, which the 0-step run would not subtract.
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "PYTHONHASHSEED": "0"}
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"]
        command += [sys.executable, "-m", "benchmarks.instructions"]
        command += ["--worker", workload, "--steps", str(steps), "--engine", engine]
        subprocess.run(command, env=env, check=True, capture_output=True)
        with open(out, encoding="utf-8") as fh:
            totals = re.search(r"^(?:summary|totals): (\d+)", fh.read(), re.M)
    if totals is None:
        raise RuntimeError(f"no instruction total in callgrind's output for {workload}")
    return int(totals.group(1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="W4,W5,W6", help="workloads, e.g. W4,W6")
    parser.add_argument("--steps", type=int, help="steps per run (default: per workload)")
    parser.add_argument(
        "--engine", default="glassgrad", help="glassgrad, or a peer (W4: micrograd)"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.steps, args.engine)
        return 0
    known = {name.upper(): name for name in STEPS}  # --only w4,w9/tiny as W4,W9/tiny
    asked = [name.strip().upper() for name in args.only.split(",")]
    unknown = [name for name in asked if name not in known]
    if unknown:
        parser.error(f"--only: unknown workload(s) {', '.join(unknown)}; known: {', '.join(STEPS)}")
    print("| workload | steps | instructions per step |")
    print("| --- | --- | --- |")
    for workload in (known[name] for name in asked):
        steps = args.steps or STEPS[workload]
        counts = [instructions(workload, n, args.engine) for n in (steps, 0)]
        per_step = (counts[0] - counts[1]) / steps
        print(f"| {workload} | {steps} | {per_step:,.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
