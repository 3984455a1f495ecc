"""Training-step benchmark of `nn`: glassgrad against PyTorch CPU, DeZero and MyGrad.

Run from the repository root::

    python -m benchmarks.nn                  # full run (about a minute)
    python -m benchmarks.nn --quick          # a few repeats, for smoke tests
    python -m benchmarks.nn --profile W1     # cProfile of glassgrad's step, top functions
    python -m benchmarks.nn --threads 1      # 1 thread each (steadier on a busy machine)

One training step = forward, softmax cross-entropy loss, backward, SGD update (and the
gradient reset each library needs), float32, batch 64:

    W1  MLP 784-256-128-64-20-10 (ReLU between the linear layers)
    W2  TinyNet: (64, 3, 8, 8) conv 3->6 k3 p1, ReLU, maxpool 2, conv 6->12 k3 p1, ReLU,
        maxpool 2, linear 48->10
    W3  LeNet-like MNIST net: (64, 1, 28, 28) conv 1->8 k3 p1, ReLU, maxpool 2,
        conv 8->16 k3 p1, ReLU, maxpool 2, linear 784->10

Every library starts from the same weights and data; their first losses must agree before
anything is timed (a library that disagrees shows ERROR). glassgrad runs its nn modules
(Sequential of Linear/Conv2d/ReLU/MaxPool2d/Flatten, CrossEntropyLoss); the peers run their
functional APIs. Threads are pinned to 2 (environment variables set before numpy is imported,
and torch.set_num_threads). The libraries alternate repeat by repeat so load from other
processes hits all alike; each repeat times a block of steps. Figures: median over repeats of
milliseconds per step (min in parentheses); ratios are medians of per-repeat ratios to torch.
"""

from __future__ import annotations

import os
import sys

# Thread pools must be sized before numpy is imported: read --threads (default 2) here.
THREADS = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 2
for _var in (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
):
    os.environ[_var] = str(THREADS)

import argparse  # noqa: E402
import contextlib  # noqa: E402
import cProfile  # noqa: E402
import gc  # noqa: E402
import pstats  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402

BATCH = 64
LR = 0.01
LIBS = ("glassgrad", "torch", "dezero", "mygrad")
# Goals (printed, never asserted): glassgrad's time at most this multiple of torch's.
GOALS = {"W1": 1.3, "W3": 2.5}

# A network is a list of layers: ("conv", padding), ("relu",), ("pool", k), ("flatten",),
# ("linear",). Conv and linear layers take the next weight and bias from the weight list, in
# PyTorch's layouts: conv (F, C, kh, kw), linear (out, in).
Spec = list[tuple]


def workloads(rng: np.random.Generator) -> dict[str, dict]:
    """name -> {spec, weights, x, t}: the same arrays for every library."""

    def weight(*shape: int) -> np.ndarray:
        fan_in = int(np.prod(shape[1:]))
        return (rng.standard_normal(shape) * np.sqrt(2 / fan_in)).astype(np.float32)

    def bias(n: int) -> np.ndarray:
        return (0.01 * rng.standard_normal(n)).astype(np.float32)

    def labels() -> np.ndarray:
        return rng.integers(0, 10, BATCH)

    sizes = [784, 256, 128, 64, 20, 10]
    mlp_spec: Spec = []
    mlp_weights = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        mlp_spec += [("linear",)] + ([("relu",)] if i < len(sizes) - 2 else [])
        mlp_weights += [weight(n_out, n_in), bias(n_out)]

    def convnet(c_in: int, c1: int, c2: int, n_fc: int) -> tuple[Spec, list[np.ndarray]]:
        spec = [("conv", 1), ("relu",), ("pool", 2), ("conv", 1), ("relu",), ("pool", 2)]
        spec += [("flatten",), ("linear",)]
        weights = [weight(c1, c_in, 3, 3), bias(c1), weight(c2, c1, 3, 3), bias(c2)]
        return spec, weights + [weight(10, n_fc), bias(10)]

    tiny_spec, tiny_weights = convnet(3, 6, 12, 48)
    lenet_spec, lenet_weights = convnet(1, 8, 16, 784)
    images = rng.standard_normal
    return {
        "W1": {
            "title": "MLP 784-256-128-64-20-10",
            "spec": mlp_spec,
            "weights": mlp_weights,
            "x": images((BATCH, 784)).astype(np.float32),
            "t": labels(),
        },
        "W2": {
            "title": "TinyNet (64,3,8,8)",
            "spec": tiny_spec,
            "weights": tiny_weights,
            "x": images((BATCH, 3, 8, 8)).astype(np.float32),
            "t": labels(),
        },
        "W3": {
            "title": "LeNet-like (64,1,28,28)",
            "spec": lenet_spec,
            "weights": lenet_weights,
            "x": images((BATCH, 1, 28, 28)).astype(np.float32),
            "t": labels(),
        },
    }


# ----------------------------------------------------------------------------------------
# Libraries. build_<lib>(spec, weights, x, t) -> step(): one training step, returning the
# loss (a float) computed before the update. Each raises Unavailable when not importable.
# ----------------------------------------------------------------------------------------
class Unavailable(Exception):
    pass


def build_glassgrad(spec: Spec, weights: list[np.ndarray], x: np.ndarray, t: np.ndarray):
    import autodiff
    import nn

    layers: list = []
    for layer in spec:
        layers.append(_glassgrad_layer(nn, layer, weights, layers))
    model = nn.Sequential(*layers)
    criterion = nn.CrossEntropyLoss()
    xt = autodiff.Tensor(x)
    params = list(model.parameters())

    def step() -> float:
        loss = criterion(model(xt), t)
        loss.backward()
        with autodiff.no_grad():
            for p in params:
                p.sub_(p.grad, alpha=LR)
                p.grad = None
        return loss.item()

    return step


def _glassgrad_layer(nn, layer: tuple, weights: list[np.ndarray], built: list):
    """The nn module for one layer of the spec, loaded with its weights."""
    kind = layer[0]
    index = 2 * sum(isinstance(m, nn.Conv2d | nn.Linear) for m in built)
    if kind in ("conv", "linear"):
        w, b = weights[index], weights[index + 1]
        if kind == "conv":
            module = nn.Conv2d(w.shape[1], w.shape[0], w.shape[2:], padding=layer[1])
        else:
            module = nn.Linear(w.shape[1], w.shape[0])
        module.load_state_dict({"weight": w, "bias": b})
        return module
    if kind == "relu":
        return nn.ReLU()
    if kind == "pool":
        return nn.MaxPool2d(layer[1])
    return nn.Flatten()


def build_torch(spec: Spec, weights: list[np.ndarray], x: np.ndarray, t: np.ndarray):
    try:
        import torch
        import torch.nn.functional as F
    except ImportError as e:
        raise Unavailable("not installed") from e
    torch.set_num_threads(THREADS)
    params = [torch.tensor(w, requires_grad=True) for w in weights]
    xt, tt = torch.from_numpy(x), torch.from_numpy(t)

    def forward(h):
        it = iter(params)
        for layer in spec:
            kind = layer[0]
            if kind == "conv":
                h = F.conv2d(h, next(it), next(it), padding=layer[1])
            elif kind == "linear":
                h = F.linear(h, next(it), next(it))
            elif kind == "relu":
                h = F.relu(h)
            elif kind == "pool":
                h = F.max_pool2d(h, layer[1])
            else:
                h = h.reshape(h.shape[0], -1)
        return h

    def step() -> float:
        loss = F.cross_entropy(forward(xt), tt)
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= LR * p.grad
                p.grad = None
        return loss.item()

    return step


def build_dezero(spec: Spec, weights: list[np.ndarray], x: np.ndarray, t: np.ndarray):
    try:
        np.int = int  # dezero 0.0.13 reads np.int, which numpy 2 removed
        import dezero
        import dezero.functions as F
    except ImportError as e:
        raise Unavailable("not installed") from e
    finally:
        with contextlib.suppress(AttributeError):
            del np.int
    # DeZero's linear is x @ W + b with W (in, out): the same weights, transposed. Copies: its
    # parameters share memory with the arrays they wrap, and the updates are in place.
    arrays = [w.T.copy() if w.ndim == 2 else w.copy() for w in weights]
    params = [dezero.Parameter(a) for a in arrays]

    def forward(h):
        it = iter(params)
        for layer in spec:
            kind = layer[0]
            if kind == "conv":
                h = F.conv2d(h, next(it), next(it), stride=1, pad=layer[1])
            elif kind == "linear":
                h = F.linear(h, next(it), next(it))
            elif kind == "relu":
                h = F.relu(h)
            elif kind == "pool":
                h = F.pooling(h, layer[1], layer[1])
            else:
                h = F.reshape(h, (h.shape[0], -1))
        return h

    def step() -> float:
        loss = F.softmax_cross_entropy(forward(x), t)
        loss.backward()
        for p in params:
            p.data -= LR * p.grad.data
            p.cleargrad()
        return float(loss.data)

    return step


def build_mygrad(spec: Spec, weights: list[np.ndarray], x: np.ndarray, t: np.ndarray):
    try:
        import mygrad as mg
        from mygrad.nnet.activations import relu
        from mygrad.nnet.layers import conv_nd, max_pool
        from mygrad.nnet.losses import softmax_crossentropy
    except ImportError as e:
        raise Unavailable("not installed") from e
    arrays = [w.T.copy() if w.ndim == 2 else w.copy() for w in weights]  # linear: x @ W + b
    params = [mg.tensor(a) for a in arrays]

    def forward(h):
        it = iter(params)
        for layer in spec:
            kind = layer[0]
            if kind == "conv":
                w, b = next(it), next(it)
                h = conv_nd(h, w, stride=1, padding=layer[1]) + b.reshape(1, -1, 1, 1)
            elif kind == "linear":
                h = mg.matmul(h, next(it)) + next(it)
            elif kind == "relu":
                h = relu(h)
            elif kind == "pool":
                k = layer[1]
                h = max_pool(h, (k, k), k)
            else:
                h = h.reshape(h.shape[0], -1)
        return h

    def step() -> float:
        loss = softmax_crossentropy(forward(x), t)
        loss.backward()
        for p in params:  # MyGrad clears a tensor's gradient when it enters a new graph
            p.data -= LR * p.grad
        return float(loss.item())

    return step


BUILDERS: dict[str, Callable] = {
    "glassgrad": build_glassgrad,
    "torch": build_torch,
    "dezero": build_dezero,
    "mygrad": build_mygrad,
}


# ----------------------------------------------------------------------------------------
def prepare(workload: dict) -> tuple[dict[str, Callable], dict[str, str]]:
    """Build every library's step; keep those whose first loss agrees with glassgrad's."""
    steps: dict[str, Callable] = {}
    notes: dict[str, str] = {}
    first: dict[str, float] = {}
    for lib, build in BUILDERS.items():
        try:
            step = build(workload["spec"], workload["weights"], workload["x"], workload["t"])
            first[lib] = step()
            steps[lib] = step
        except Unavailable as e:
            notes[lib] = str(e)
        except Exception as e:  # a peer that fails shows it in its column
            if lib == "glassgrad":
                raise
            notes[lib] = f"fails ({type(e).__name__})"
    reference = first["glassgrad"]
    for lib in list(steps):
        if not np.isclose(first[lib], reference, rtol=1e-4):
            notes[lib] = f"ERROR (first loss {first[lib]:.6f} != glassgrad's {reference:.6f})"
            del steps[lib]
    return steps, notes


def calibrate(step: Callable, target: float) -> int:
    """Steps per repeat so that one repeat takes about `target` seconds."""
    start = time.perf_counter()
    step()
    elapsed = time.perf_counter() - start
    return max(1, int(target / max(elapsed, 1e-6)))


def measure(steps: dict[str, Callable], repeats: int, target: float) -> dict[str, list[float]]:
    """Per-step seconds of each repeat, the libraries alternating repeat by repeat."""
    for step in steps.values():  # warm-up
        for _ in range(3):
            step()
    counts = {lib: calibrate(step, target) for lib, step in steps.items()}
    times: dict[str, list[float]] = {lib: [] for lib in steps}
    for _ in range(repeats):
        for lib, step in steps.items():
            gc.collect()
            n = counts[lib]
            start = time.perf_counter()
            for _ in range(n):
                step()
            times[lib].append((time.perf_counter() - start) / n)
    return times


def fmt(seconds: list[float]) -> str:
    return f"{1e3 * statistics.median(seconds):.2f} ({1e3 * min(seconds):.2f})"


def report(results: dict[str, tuple[dict, dict]], names: dict[str, str]) -> None:
    header = "| workload | " + " | ".join(LIBS) + " | glassgrad / torch | goal |"
    print(header)
    print("|" + " --- |" * (len(LIBS) + 3))
    for w, (times, notes) in results.items():
        cells = [fmt(times[lib]) if lib in times else notes.get(lib, "-") for lib in LIBS]
        ratio, goal = "-", ""
        if "torch" in times:
            r = statistics.median(g / t for g, t in zip(times["glassgrad"], times["torch"]))
            ratio = f"{r:.2f}x"
            if w in GOALS:
                goal = f"<= {GOALS[w]}x torch: {'met' if r <= GOALS[w] else 'MISSED'}"
        if w in GOALS:
            g = statistics.median(times["glassgrad"])
            slower = [p for p in ("dezero", "mygrad") if p in times and g >= statistics.median(
                times[p])]  # fmt: skip
            goal += "; faster than DeZero and MyGrad: " + (
                "met" if not slower else f"MISSED ({', '.join(slower)})"
            )
        print(f"| {w} {names[w]} | " + " | ".join(cells) + f" | {ratio} | {goal} |")
    print("\nms per training step (forward, loss, backward, SGD update), median (min); "
          f"float32, batch {BATCH}, {THREADS} thread{'s' if THREADS != 1 else ''}.")  # fmt: skip


def profile(workload: dict, steps: int = 200) -> None:
    step = build_glassgrad(workload["spec"], workload["weights"], workload["x"], workload["t"])
    for _ in range(5):
        step()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(steps):
        step()
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few repeats (smoke test)")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--only", nargs="*", choices=["W1", "W2", "W3"], help="workloads to run")
    parser.add_argument("--profile", choices=["W1", "W2", "W3"], help="profile glassgrad only")
    parser.add_argument(
        "--threads", type=int, default=2, help="BLAS/torch threads (the issue's figures: 2)"
    )
    args = parser.parse_args()
    all_workloads = workloads(np.random.default_rng(0))
    if args.profile:
        profile(all_workloads[args.profile])
        return
    repeats, target = (2, 0.02) if args.quick else (args.repeats, 0.15)
    chosen = args.only or list(all_workloads)
    prepared = {w: prepare(all_workloads[w]) for w in chosen}
    gc.freeze()  # objects made at import (torch's especially) are never collected again
    results = {}
    for w, (steps, notes) in prepared.items():
        results[w] = (measure(steps, repeats, target), notes)
    report(results, {w: all_workloads[w]["title"] for w in chosen})


if __name__ == "__main__":
    main()
