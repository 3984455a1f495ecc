"""The workloads W1-W11: what each one runs, its seeded numpy data, and a numpy reference.

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
    W8  MNIST CNN: (128,1,28,28) conv 1->32 k3 p1, ReLU, pool 2, conv 32->64 k3 p1, ReLU,
        pool 2, linear 3136->128, ReLU, linear 128->10, cross-entropy, Adam lr 1e-3, float32;
        and the step's peak memory
    W9  second order: a Hessian-vector product of W1's loss with respect to every parameter
        (create_graph backward, dot with a fixed vector, backward again), batch 64
    W10 inference: W8's forward under no_grad, on 1,000 images and on 1
    W11 time to accuracy: one epoch of examples/mnist_cnn.py's training loop on MNIST (its
        LeNet-like model, batches of 64, Adam lr 5e-3), then the test accuracy
"""

from __future__ import annotations

import gzip
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

SEED = 0
LR = 0.01
ADAM_LR = 1e-3  # W8
SCALAR_SIZES = (2, 16, 16, 1)

NET_ENGINES = ("glassgrad", "torch", "dezero", "mygrad")
ALL_ENGINES = ("glassgrad", "torch", "dezero", "mygrad", "autograd", "micrograd")
SECOND_ORDER_ENGINES = ("glassgrad", "torch", "dezero")  # MyGrad has no higher-order gradients
EPOCH_ENGINES = ("glassgrad", "torch")


@dataclass(frozen=True)
class Workload:
    key: str
    title: str
    kind: str  # "net", "scalar", "small", "chain", "rss", "hvp", "infer" or "epoch": which
    # child routine runs it
    engines: tuple[str, ...]
    float32: bool  # the tolerance of the first-loss check: float32's or float64's


WORKLOADS: dict[str, Workload] = {
    w.key: w
    for w in (
        Workload(
            "W1", "MLP 784-256-128-64-20-10 training step", "net", (*NET_ENGINES, "numpy"), True
        ),
        Workload("W2", "TinyNet training step", "net", NET_ENGINES, True),
        Workload("W3", "LeNet-like training step", "net", NET_ENGINES, True),
        Workload("W4", "scalar MLP 2-16-16-1 (tanh), op by op", "scalar", ALL_ENGINES, False),
        Workload("W5", "small-op overhead, 10 elements", "small", (*ALL_ENGINES, "numpy"), False),
        Workload("W6", "chain of N additions", "chain", (*ALL_ENGINES, "numpy"), False),
        Workload("W7", "memory over W1 steps", "rss", NET_ENGINES, True),
        Workload("W8", "MNIST CNN training step (Adam)", "net", NET_ENGINES, True),
        Workload("W9", "Hessian-vector product of W1's loss", "hvp", SECOND_ORDER_ENGINES, True),
        Workload("W10", "W8's forward under no_grad", "infer", NET_ENGINES, True),
        Workload("W11", "one MNIST epoch, then the test accuracy", "epoch", EPOCH_ENGINES, True),
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
    cnn_batch: int = 128  # W8
    infer_batches: tuple[int, ...] = (1_000, 1)  # W10
    # W11: the first images of the training and test sets (None: all of them)
    epoch_images: tuple[int | None, int | None] = (None, None)


FULL = Sizes()
QUICK = Sizes(
    batch=8,
    lenet_batch=4,
    scalar_points=2,
    chain_ns=(100, 1_000),
    rss_steps=(5, 20),
    cnn_batch=4,
    infer_batches=(8, 1),
    epoch_images=(256, 200),
)


def chain_label(n: int) -> str:
    exp = len(str(n)) - 1
    return f"1e{exp}" if n == 10**exp else str(n)


def rows(w: Workload, sizes: Sizes) -> list[tuple[str, str, str]]:
    """The table rows of a workload: (row key, label, unit)."""
    if w.kind == "chain":
        return [(f"W6/{n}", f"W6 N={chain_label(n)}", "s") for n in sizes.chain_ns]
    if w.kind == "rss":
        return [("W7/peak", "W7 peak RSS", "MiB"), ("W7/growth", "W7 RSS growth", "MiB")]
    if w.key == "W8":
        return [("W8", "W8", "ms"), ("W8/peak", "W8 peak RSS", "MiB"), *MEMORY_ROWS]
    if w.kind == "infer":
        return [(f"W10/{n}", f"W10 batch {n}", "ms_fwd") for n in sizes.infer_batches]
    if w.kind == "epoch":
        return [("W11", "W11 epoch", "s_epoch"), ("W11/acc", "W11 test accuracy", "pct")]
    return [(w.key, w.key, {"net": "ms", "scalar": "ms", "small": "us", "hvp": "ms"}[w.kind])]


# W8's memory beyond what the process held before its first step (imports, data): the step's
# own peak, which torch's ~220 MiB of imports would otherwise hide.
MEMORY_ROWS = [("W8/step", "W8 step memory", "MiB")]


def describe(w: Workload, sizes: Sizes) -> str:
    """One line of the table's legend: what the workload runs, at these sizes."""
    if w.key == "W8":
        return (
            f"W8: MNIST CNN, input ({sizes.cnn_batch},1,28,28): conv 1->32 k3 p1, ReLU, "
            "max-pool 2, conv 32->64 k3 p1, ReLU, max-pool 2, linear 3136->128, ReLU, linear "
            f"128->10: one training step (softmax cross-entropy, Adam lr {ADAM_LR:g}), float32; "
            "peak RSS (VmHWM) after the timed steps, and the step memory: that peak less the "
            "RSS before the first step"
        )
    if w.kind == "hvp":
        return (
            f"W9: Hessian-vector product of W1's loss (batch {sizes.batch}) with respect to all "
            "10 parameters: backward with create_graph, the dot of the gradients with a fixed "
            "vector, backward again; float32"
        )
    if w.kind == "infer":
        ns = " and ".join(str(n) for n in sizes.infer_batches)
        return f"W10: W8's forward (logits) under no_grad on a batch of {ns} images, float32"
    if w.kind == "epoch":
        n_train, n_test = sizes.epoch_images
        images = "all 60,000" if n_train is None else f"the first {n_train}"
        tests = "10,000" if n_test is None else str(n_test)
        return (
            f"W11: examples/mnist_cnn.py's training loop for one epoch on {images} MNIST "
            "training images: the LeNet-like model of W3, batches of 64 in a seeded shuffled "
            f"order, Adam lr {EPOCH_LR:g} (cosine schedule stepped per epoch), loss and accuracy "
            f"tracked per batch; then the accuracy on {tests} test images (batches of 500, "
            "no_grad). Same initial weights and batch order in both engines"
        )
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
    optimizer: str = "sgd"  # the update of a training step: "sgd" (lr LR) or "adam" (ADAM_LR)

    def fingerprint(self) -> str:
        return fingerprint(*self.weights, self.x, self.t)


def conv_spec(n_convs: int, n_linears: int) -> Spec:
    """(conv p1, ReLU, pool 2) x n_convs, flatten, then linears with a ReLU between them."""
    spec: Spec = [("conv", 1), ("relu",), ("pool", 2)] * n_convs + [("flatten",)]
    return spec + [("linear",), ("relu",)] * (n_linears - 1) + [("linear",)]


def he_weights(rng: np.random.Generator, shapes: list[tuple[int, ...]]) -> list[np.ndarray]:
    """float32 weights from a He-scaled normal, each followed by a small normal bias."""
    out = []
    for shape in shapes:
        fan_in = int(np.prod(shape[1:]))
        out.append((rng.standard_normal(shape) * np.sqrt(2 / fan_in)).astype(np.float32))
        out.append((0.01 * rng.standard_normal(shape[0])).astype(np.float32))
    return out


# The weight shapes of each network: W1's MLP, the conv nets of W2, W3 and W8.
MLP_SIZES = (784, 256, 128, 64, 20, 10)
NETS: dict[str, tuple[Spec, list[tuple[int, ...]], tuple[int, ...]]] = {
    "W1": (
        [layer for _ in MLP_SIZES[2:] for layer in (("linear",), ("relu",))] + [("linear",)],
        [(n_out, n_in) for n_in, n_out in zip(MLP_SIZES[:-1], MLP_SIZES[1:])],
        (784,),
    ),
    "W2": (conv_spec(2, 1), [(6, 3, 3, 3), (12, 6, 3, 3), (10, 48)], (3, 8, 8)),
    "W3": (conv_spec(2, 1), [(8, 1, 3, 3), (16, 8, 3, 3), (10, 784)], (1, 28, 28)),
    "W8": (
        conv_spec(2, 2),
        [(32, 1, 3, 3), (64, 32, 3, 3), (128, 3136), (10, 128)],
        (1, 28, 28),
    ),
}


def net_data(key: str, sizes: Sizes) -> NetData:
    """W1/W2/W3/W8 (W7 and W9 run W1): float32 weights (He-scaled normal), inputs, labels."""
    key = "W1" if key in ("W7", "W9") else key  # they run W1's steps, on W1's data
    rng = np.random.default_rng([SEED, int(key[1:])])
    spec, shapes, image = NETS[key]
    weights = he_weights(rng, shapes)
    batch = {"W3": sizes.lenet_batch, "W8": sizes.cnn_batch}.get(key, sizes.batch)
    x = rng.standard_normal((batch, *image)).astype(np.float32)
    t = rng.integers(0, 10, batch)
    return NetData(spec, weights, x, t, "adam" if key == "W8" else "sgd")


def infer_data(n: int, sizes: Sizes) -> NetData:
    """W10: W8's network and weights, on n images of its own."""
    w8 = net_data("W8", sizes)
    rng = np.random.default_rng([SEED, 10, n])
    x = rng.standard_normal((n, 1, 28, 28)).astype(np.float32)
    return NetData(w8.spec, w8.weights, x, rng.integers(0, 10, n))


def hvp_vectors(data: NetData) -> list[np.ndarray]:
    """W9's fixed direction: one float32 array per parameter, shaped like it."""
    rng = np.random.default_rng([SEED, 9])
    return [rng.standard_normal(w.shape).astype(np.float32) for w in data.weights]


# W11: examples/mnist_cnn.py's program (as of this harness: the example may change, this stays)
EPOCH_KEY = "W3"  # its model is W3's LeNet-like network
EPOCH_LR = 5e-3
EPOCH_BATCH = 64
EPOCH_TEST_BATCH = 500
EPOCH_T_MAX = 3  # the example trains 3 epochs, its cosine schedule's period
MNIST_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
ROOT = Path(__file__).resolve().parents[1]


class MissingData(Exception):
    """MNIST is not where the harness looks for it; the message says where it looked."""


@dataclass
class EpochData:
    """W11: the example's network with PyTorch's default initial weights, and MNIST scaled to
    [-1, 1] as the example scales it, images (N, 1, 28, 28) float32, labels (N,) int64."""

    spec: Spec
    weights: list[np.ndarray]
    x_train: np.ndarray
    t_train: np.ndarray
    x_test: np.ndarray
    t_test: np.ndarray

    def batches(self, epoch: int) -> Iterator[np.ndarray]:
        """The indices of each training batch of `epoch`: a seeded shuffle, cut into 64s."""
        order = np.random.default_rng([SEED, 11, epoch]).permutation(len(self.t_train))
        return (order[i : i + EPOCH_BATCH] for i in range(0, len(order), EPOCH_BATCH))

    def test_batches(self) -> Iterator[slice]:
        n = len(self.t_test)
        return (slice(i, i + EPOCH_TEST_BATCH) for i in range(0, n, EPOCH_TEST_BATCH))

    def first_batch(self) -> NetData:
        """The first training batch, for the check of the first loss."""
        idx = next(self.batches(0))
        return NetData(self.spec, self.weights, self.x_train[idx], self.t_train[idx])

    def fingerprint(self) -> str:
        return fingerprint(*self.weights, self.t_train, self.t_test, self.x_train[:64])


def mnist_dir() -> Path:
    """$GLASSGRAD_DATA (or its mnist/), then the workplace's ../shared/data/mnist."""
    candidates = []
    if os.environ.get("GLASSGRAD_DATA"):
        env = Path(os.environ["GLASSGRAD_DATA"])
        candidates += [env, env / "mnist"]
    candidates.append(ROOT.parent / "shared" / "data" / "mnist")
    for folder in candidates:
        if all(_idx_path(folder, name) is not None for name in MNIST_FILES):
            return folder
    raise MissingData(
        "MNIST not found (looked in " + ", ".join(str(c) for c in candidates) + "; set "
        "GLASSGRAD_DATA to a folder with the four IDX files)"
    )


def _idx_path(folder: Path, name: str) -> Path | None:
    for path in (folder / f"{name}.gz", folder / name):
        if path.is_file():
            return path
    return None


def read_idx(path: Path) -> np.ndarray:
    """An IDX file (gzipped or not) of unsigned bytes as an array of its shape."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        raw = fh.read()
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def epoch_data(sizes: Sizes) -> EpochData:
    folder = mnist_dir()
    x_train, t_train, x_test, t_test = (read_idx(_idx_path(folder, n)) for n in MNIST_FILES)
    n_train, n_test = sizes.epoch_images

    def images(x: np.ndarray, n: int | None) -> np.ndarray:
        x = x[:n].reshape(-1, 1, 28, 28).astype(np.float32) / np.float32(255)
        return (x - 0.5) / 0.5  # the example's scaling; float32 stays float32

    rng = np.random.default_rng([SEED, 11])
    spec, shapes, _ = NETS[EPOCH_KEY]
    weights = []
    for shape in shapes:  # PyTorch's default init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for both
        bound = 1 / np.sqrt(np.prod(shape[1:]))
        weights.append(rng.uniform(-bound, bound, shape).astype(np.float32))
        weights.append(rng.uniform(-bound, bound, shape[0]).astype(np.float32))
    return EpochData(
        spec,
        weights,
        images(x_train, n_train),
        t_train[:n_train].astype(np.int64),
        images(x_test, n_test),
        t_test[:n_test].astype(np.int64),
    )


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
def net_logits(data: NetData) -> np.ndarray:
    """The network's output on data.x, in float64."""
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
            ho, wo = padded.shape[2] - w.shape[2] + 1, padded.shape[3] - w.shape[3] + 1
            out = np.zeros((h.shape[0], ho, wo, w.shape[0]))
            for a in range(w.shape[2]):  # one (N*Ho*Wo, C) @ (C, F) product per kernel offset
                for c in range(w.shape[3]):
                    window = padded[:, :, a : a + ho, c : c + wo]
                    out += np.einsum("nkhw,fk->nhwf", window, w[:, :, a, c], optimize=True)
            h = out.transpose(0, 3, 1, 2) + b[:, None, None]
        elif kind == "relu":
            h = np.maximum(h, 0)
        elif kind == "pool":
            k = layer[1]
            n, c, hh, ww = h.shape
            h = h.reshape(n, c, hh // k, k, ww // k, k).max(axis=(3, 5))
        else:
            h = h.reshape(h.shape[0], -1)
    return h


def mean_cross_entropy(logits: np.ndarray, t: np.ndarray) -> float:
    top = logits.max(axis=1, keepdims=True)
    log_z = np.log(np.exp(logits - top).sum(axis=1)) + top[:, 0]
    return float(np.mean(log_z - logits[np.arange(len(logits)), t]))


def net_reference(data: NetData) -> float:
    """The first loss of W1/W2/W3/W8, in float64: forward and mean softmax cross-entropy."""
    return mean_cross_entropy(net_logits(data), data.t)


def hvp_reference(data: NetData, vectors: list[np.ndarray]) -> list[np.ndarray]:
    """W9: H v for the mean cross-entropy of an MLP (linear and ReLU layers), in float64.

    Pearlmutter's R-operator, by hand: the forward and backward passes, each carried along
    with its directional derivative in direction v (the `r` arrays). ReLU's second derivative
    is zero, so its masks are constants.
    """
    ws = [w.astype(np.float64) for w in data.weights[0::2]]
    bs = [b.astype(np.float64) for b in data.weights[1::2]]
    vws = [v.astype(np.float64) for v in vectors[0::2]]
    vbs = [v.astype(np.float64) for v in vectors[1::2]]
    h, rh = data.x.astype(np.float64), np.zeros(data.x.shape)
    inputs, masks = [], []
    for i, (w, b, vw, vb) in enumerate(zip(ws, bs, vws, vbs)):
        inputs.append((h, rh))
        z, rz = h @ w.T + b, rh @ w.T + h @ vw.T + vb
        if i == len(ws) - 1:
            break
        mask = z > 0
        masks.append(mask)
        h, rh = z * mask, rz * mask
    n = len(z)
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    rp = p * (rz - (p * rz).sum(axis=1, keepdims=True))
    g = p.copy()
    g[np.arange(n), data.t] -= 1
    g, rg = g / n, rp / n  # d loss / d z of the last layer, and its R
    out: list[np.ndarray] = []
    for i in reversed(range(len(ws))):
        h, rh = inputs[i]
        out = [rg.T @ h + g.T @ rh, rg.sum(axis=0), *out]  # R of dW and db
        if i:
            gh, rgh = g @ ws[i], rg @ ws[i] + g @ vws[i]
            g, rg = gh * masks[i - 1], rgh * masks[i - 1]
    return out


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


def close_in_norm(got: list[np.ndarray], want: list[np.ndarray], rtol: float = 1e-4) -> bool:
    """Lists of arrays equal up to `rtol` of the whole list's norm (float32 sums: elementwise
    tolerances fail on the entries that nearly cancel)."""
    if [np.shape(g) for g in got] != [np.shape(w) for w in want]:
        return False
    diff = sum(float(np.sum((np.asarray(g, np.float64) - w) ** 2)) for g, w in zip(got, want))
    scale = sum(float(np.sum(np.square(w))) for w in want)
    return bool(np.sqrt(diff) <= rtol * np.sqrt(scale) + 1e-12)


def agrees(got: Any, want: Any, float32: bool) -> bool:
    """Equal within float32's tolerance (float32 workloads) or float64's."""
    rtol, atol = (1e-4, 1e-5) if float32 else (1e-9, 1e-12)
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    return got.shape == want.shape and bool(np.allclose(got, want, rtol=rtol, atol=atol))
