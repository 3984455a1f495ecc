"""The workloads W1-W7: what each one runs, its seeded numpy data, and a numpy reference.

Every engine's child process builds its data here from the same seed, so every engine starts
from the same weights and inputs (the runner also compares a fingerprint of the arrays). The
numpy references (float64) give the value every engine's first loss must agree with before
anything is timed.

    W1  MLP 784-256-128-64-20-10 (ReLU between), softmax cross-entropy, SGD step, float32
    W2  TinyNet: (64,3,8,8) conv 3->6 k3 p1, ReLU, pool 2, conv 6->12 k3 p1, ReLU, pool 2,
        linear 48->10, same step
    W3  LeNet-like: (64,1,28,28) conv 1->8 k3 p1, ReLU, pool 2, conv 8->16 k3 p1, ReLU,
        pool 2, linear 784->10, same step
    W4  micrograd's scalar MLP 2-16-16-1, tanh after every neuron, squared error summed over
        a few points, forward + backward op by op on scalars (0-d tensors, or micrograd Values)
    W5  small-op overhead: y = ((x*x + x)*x).sum(), backward, 10 float64 elements
    W6  a chain of N additions y = y + x on a 0-d float64 tensor, then backward
    W7  memory: peak RSS over 200 W1 steps, and RSS growth from step 10 to step 200
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

SEED = 0
LR = 0.01
SCALAR_SIZES = (2, 16, 16, 1)

NET_ENGINES = ("glassgrad", "torch", "dezero", "mygrad")
ALL_ENGINES = ("glassgrad", "torch", "dezero", "mygrad", "autograd", "micrograd")


@dataclass(frozen=True)
class Workload:
    key: str
    title: str
    kind: str  # "net", "scalar", "small", "chain" or "rss": which child routine runs it
    engines: tuple[str, ...]
    float32: bool  # the tolerance of the first-loss check: float32's or float64's


WORKLOADS: dict[str, Workload] = {
    w.key: w
    for w in (
        Workload("W1", "MLP 784-256-128-64-20-10 training step", "net", NET_ENGINES, True),
        Workload("W2", "TinyNet training step", "net", NET_ENGINES, True),
        Workload("W3", "LeNet-like training step", "net", NET_ENGINES, True),
        Workload("W4", "scalar MLP 2-16-16-1 (tanh), op by op", "scalar", ALL_ENGINES, False),
        Workload("W5", "small-op overhead, 10 elements", "small", (*ALL_ENGINES, "numpy"), False),
        Workload("W6", "chain of N additions", "chain", (*ALL_ENGINES, "numpy"), False),
        Workload("W7", "memory over W1 steps", "rss", NET_ENGINES, True),
    )
}


@dataclass(frozen=True)
class Sizes:
    """The sizes of one run: full, or tiny for --quick."""

    batch: int = 64  # W1, W2, W3, W7
    lenet_batch: int = 64  # W3
    scalar_points: int = 4  # W4
    small_size: int = 10  # W5
    chain_ns: tuple[int, ...] = (1_000, 10_000, 100_000)  # W6
    rss_steps: tuple[int, int] = (10, 200)  # W7: RSS read after these steps


FULL = Sizes()
QUICK = Sizes(batch=8, lenet_batch=4, scalar_points=2, chain_ns=(100, 1_000), rss_steps=(5, 20))


def chain_label(n: int) -> str:
    exp = len(str(n)) - 1
    return f"1e{exp}" if n == 10**exp else str(n)


def rows(w: Workload, sizes: Sizes) -> list[tuple[str, str, str]]:
    """The table rows of a workload: (row key, label, unit)."""
    if w.kind == "chain":
        return [(f"W6/{n}", f"W6 N={chain_label(n)}", "s") for n in sizes.chain_ns]
    if w.kind == "rss":
        return [("W7/peak", "W7 peak RSS", "MiB"), ("W7/growth", "W7 RSS growth", "MiB")]
    return [(w.key, w.key, {"net": "ms", "scalar": "ms", "small": "us"}[w.kind])]


def describe(w: Workload, sizes: Sizes) -> str:
    """One line of the table's legend: what the workload runs, at these sizes."""
    if w.kind == "net":
        batch = sizes.lenet_batch if w.key == "W3" else sizes.batch
        what = {
            "W1": "MLP 784-256-128-64-20-10 (ReLU)",
            "W2": f"TinyNet, input ({batch},3,8,8)",
            "W3": f"LeNet-like, input ({batch},1,28,28)",
        }[w.key]
        return (
            f"{w.key}: {what}: one training step (forward, softmax cross-entropy, backward, "
            f"SGD lr {LR}), float32, batch {batch}"
        )
    if w.kind == "scalar":
        return (
            f"W4: micrograd's MLP 2-16-16-1 with tanh, op by op on scalars, forward + backward "
            f"of the squared error over {sizes.scalar_points} points, float64"
        )
    if w.kind == "small":
        return (
            f"W5: y = ((x*x + x)*x).sum(); y.backward() on {sizes.small_size} float64 "
            "elements, gradient reset included"
        )
    if w.kind == "chain":
        ns = ", ".join(chain_label(n) for n in sizes.chain_ns)
        return f"W6: y = x, then N times y = y + x on a 0-d float64 tensor, backward; N = {ns}"
    first, last = sizes.rss_steps
    return (
        f"W7: {last} W1 steps: peak RSS (VmHWM) at the end, and the growth of VmRSS from after "
        f"step {first} to after step {last} (gc.collect() before each reading)"
    )


def fingerprint(*arrays: Any) -> str:
    """A short hash of arrays' dtypes, shapes and bytes: equal inputs give equal fingerprints."""
    h = hashlib.sha1()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype}{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()[:12]


# ------------------------------------------------------------------------------- data
# A network is a list of layers: ("conv", padding), ("relu",), ("pool", k), ("flatten",),
# ("linear",). Conv and linear layers take the next weight and bias from the weight list, in
# PyTorch's layouts: conv (F, C, kh, kw), linear (out, in).
Spec = list[tuple]


@dataclass
class NetData:
    spec: Spec
    weights: list[np.ndarray]
    x: np.ndarray
    t: np.ndarray

    def fingerprint(self) -> str:
        return fingerprint(*self.weights, self.x, self.t)


def net_data(key: str, sizes: Sizes) -> NetData:
    """W1/W2/W3 (W7 runs W1): float32 weights (He-scaled normal), inputs and labels."""
    key = "W1" if key == "W7" else key  # W7 runs W1's steps, on W1's data
    rng = np.random.default_rng([SEED, int(key[1:])])

    def weight(*shape: int) -> np.ndarray:
        fan_in = int(np.prod(shape[1:]))
        return (rng.standard_normal(shape) * np.sqrt(2 / fan_in)).astype(np.float32)

    def bias(n: int) -> np.ndarray:
        return (0.01 * rng.standard_normal(n)).astype(np.float32)

    if key == "W1":
        sizes_ = [784, 256, 128, 64, 20, 10]
        spec: Spec = []
        weights = []
        for i, (n_in, n_out) in enumerate(zip(sizes_[:-1], sizes_[1:])):
            spec += [("linear",)] + ([("relu",)] if i < len(sizes_) - 2 else [])
            weights += [weight(n_out, n_in), bias(n_out)]
        shape: tuple[int, ...] = (sizes.batch, 784)
    else:
        c_in, c1, c2, n_fc, hw = (3, 6, 12, 48, 8) if key == "W2" else (1, 8, 16, 784, 28)
        spec = [("conv", 1), ("relu",), ("pool", 2), ("conv", 1), ("relu",), ("pool", 2)]
        spec += [("flatten",), ("linear",)]
        weights = [weight(c1, c_in, 3, 3), bias(c1), weight(c2, c1, 3, 3), bias(c2)]
        weights += [weight(10, n_fc), bias(10)]
        batch = sizes.lenet_batch if key == "W3" else sizes.batch
        shape = (batch, c_in, hw, hw)
    x = rng.standard_normal(shape).astype(np.float32)
    t = rng.integers(0, 10, shape[0])
    return NetData(spec, weights, x, t)


@dataclass
class ScalarData:
    """W4: layers of (W (out, in), b (out,)) float64, points xs (B, 2), targets ys (B,) = +-1."""

    layers: list[tuple[np.ndarray, np.ndarray]]
    xs: np.ndarray
    ys: np.ndarray

    def fingerprint(self) -> str:
        return fingerprint(*(a for layer in self.layers for a in layer), self.xs, self.ys)


def scalar_data(sizes: Sizes) -> ScalarData:
    rng = np.random.default_rng([SEED, 4])
    layers = [
        (rng.uniform(-1, 1, (n_out, n_in)), rng.uniform(-1, 1, n_out))
        for n_in, n_out in zip(SCALAR_SIZES[:-1], SCALAR_SIZES[1:])
    ]
    xs = rng.standard_normal((sizes.scalar_points, SCALAR_SIZES[0]))
    ys = np.where(rng.random(sizes.scalar_points) < 0.5, -1.0, 1.0)
    return ScalarData(layers, xs, ys)


def small_data(sizes: Sizes) -> np.ndarray:
    return np.random.default_rng([SEED, 5]).standard_normal(sizes.small_size)


# ------------------------------------------------------------------- numpy references
def net_reference(data: NetData) -> float:
    """The first loss of W1/W2/W3, in float64: forward and mean softmax cross-entropy."""
    h = data.x.astype(np.float64)
    params = iter(w.astype(np.float64) for w in data.weights)
    for layer in data.spec:
        kind = layer[0]
        if kind == "linear":
            w, b = next(params), next(params)
            h = h @ w.T + b
        elif kind == "conv":
            w, b = next(params), next(params)
            p = layer[1]
            padded = np.pad(h, ((0, 0), (0, 0), (p, p), (p, p)))
            win = sliding_window_view(padded, w.shape[2:], axis=(2, 3))  # (N, C, Ho, Wo, kh, kw)
            h = np.einsum("nchwij,fcij->nfhw", win, w) + b[:, None, None]
        elif kind == "relu":
            h = np.maximum(h, 0)
        elif kind == "pool":
            k = layer[1]
            n, c, hh, ww = h.shape
            h = h.reshape(n, c, hh // k, k, ww // k, k).max(axis=(3, 5))
        else:
            h = h.reshape(h.shape[0], -1)
    top = h.max(axis=1, keepdims=True)
    log_z = np.log(np.exp(h - top).sum(axis=1)) + top[:, 0]
    return float(np.mean(log_z - h[np.arange(len(h)), data.t]))


def scalar_reference(data: ScalarData) -> float:
    """The W4 loss, vectorised: sum over points of (mlp(x) - y)^2."""
    h = data.xs
    for w, b in data.layers:
        h = np.tanh(h @ w.T + b)
    return float(np.sum((h[:, 0] - data.ys) ** 2))


def small_reference(x: np.ndarray) -> tuple[float, np.ndarray]:
    """W5: y = sum(x^3 + x^2) and dy/dx = 3x^2 + 2x."""
    return float(np.sum((x * x + x) * x)), 3 * x * x + 2 * x


def chain_reference(n: int) -> tuple[float, np.ndarray]:
    """W6 at x = 1: y = (n + 1) x, so y = n + 1 and dy/dx = n + 1 (every edge counts)."""
    return float(n + 1), np.array(float(n + 1))


def agrees(got: Any, want: Any, float32: bool) -> bool:
    """Equal within float32's tolerance (float32 workloads) or float64's."""
    rtol, atol = (1e-4, 1e-5) if float32 else (1e-9, 1e-12)
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    return got.shape == want.shape and bool(np.allclose(got, want, rtol=rtol, atol=atol))
