"""Lesson 9 — numerical gradients versus backprop on Saito's two-layer net.

The network of "Deep Learning from Scratch" (ch. 4-5): 784 inputs -> 50 sigmoid units -> 10
scores -> softmax cross-entropy, W ~ 0.01 N(0, 1), b = 0; one batch of 3 MNIST training images
(Saito's gradient check). The gradient of the loss with respect to all 39,760 parameters is
computed two ways:

- numerically: central differences (L(w + h) - L(w - h)) / 2h, h = 1e-4, one parameter at a
  time: two forward passes per parameter, 79,520 in all (autodiff.numerical_grad);
- by backprop: one forward and one backward pass (autodiff.gradients).

They agree to about 1e-9 relative to the gradient's size (the script prints the largest
|backprop - numerical| / max |numerical| per parameter, and Saito's mean |difference|), and
backprop is tens of thousands of times faster: this is why networks are trained with
backprop, and numerical gradients only check it. OUT/numerical_vs_backprop.png shows the two
times.

    python examples/numerical_vs_backprop.py [--data DIR] [--out DIR] [--quick]

Without MNIST the batch is 3 random images (said so); --quick also uses random images, and
10 hidden units instead of 50, so that it runs in a few seconds.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import mnist_lookup  # first: it limits BLAS threads before numpy starts (see mnist_common)
import numpy as np
from matplotlib.figure import Figure

import autodiff
import nn.functional as F
from autodiff import Tensor
from nn.data import load_mnist

NAMES = ("W1", "b1", "W2", "b2")
H = 1e-4  # Saito's step for central differences


def init_params(hidden: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Saito's TwoLayerNet: weight_init_std 0.01, zero biases, float64."""
    return [
        0.01 * rng.standard_normal((784, hidden)),
        np.zeros(hidden),
        0.01 * rng.standard_normal((hidden, 10)),
        np.zeros(10),
    ]


def batch(data: Path | None, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, str]:
    """Three images (3, 784) in [0, 1] with labels, and where they came from."""
    if data is None:
        return rng.random((3, 784)), rng.integers(0, 10, 3), "3 random images"
    (x_train, t_train), _ = load_mnist(data, dtype=np.float64)
    return x_train[:3], t_train[:3], f"the first 3 MNIST training images ({data})"


def loss_fn(x: np.ndarray, t: np.ndarray):
    """L(W1, b1, W2, b2) on the batch: sigmoid hidden layer, softmax cross-entropy."""

    def loss(W1: Tensor, b1: Tensor, W2: Tensor, b2: Tensor) -> Tensor:
        hidden = autodiff.sigmoid(Tensor(x) @ W1 + b1)
        return F.cross_entropy(hidden @ W2 + b2, t)

    return loss


def backprop(loss, params: list[np.ndarray]) -> tuple[list[np.ndarray], float]:
    """Gradients by backprop, and the best time of 20 runs (one run is too short to time)."""
    best = float("inf")
    for _ in range(20):
        start = time.perf_counter()
        leaves = [Tensor(p, requires_grad=True) for p in params]
        grads = autodiff.gradients(loss(*leaves), leaves)
        best = min(best, time.perf_counter() - start)
    return [g.data for g in grads], best


def numerical(loss, params: list[np.ndarray]) -> tuple[list[np.ndarray], float]:
    """Central differences for every parameter, and the time they took."""

    def value(*ps: Tensor) -> Tensor:
        with autodiff.no_grad():  # values only: recording a graph would only slow it down
            return loss(*ps)

    start = time.perf_counter()
    grads = autodiff.numerical_grad(value, *params, eps=H)
    return grads, time.perf_counter() - start


def plot_times(seconds: dict[str, float], count: int, path: Path) -> None:
    fig = Figure(figsize=(5, 3.6), layout="constrained")
    ax = fig.add_subplot()
    bars = ax.bar(list(seconds), list(seconds.values()), color=["C1", "C0"], width=0.55)
    ax.bar_label(bars, [f"{s * 1e3:.3g} ms" if s < 1 else f"{s:.3g} s" for s in seconds.values()])
    ratio = seconds["numerical"] / seconds["backprop"]
    ax.set(
        yscale="log",
        ylabel="seconds (log scale)",
        title=f"the gradient of {count:,} parameters\nbackprop is {ratio:,.0f} times faster",
    )
    ax.set_ylim(min(seconds.values()) / 5, max(seconds.values()) * 8)
    fig.savefig(path, dpi=100)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="directory with MNIST")
    parser.add_argument("--out", type=Path, default=Path("out"), help="where pictures go")
    parser.add_argument("--quick", action="store_true", help="random images, 10 hidden units")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    rng = np.random.default_rng(0)
    hidden = 10 if args.quick else 50
    data = None if args.quick else mnist_lookup.optional_mnist_dir(args.data)
    x, t, source = batch(data, rng)
    if args.quick:
        print("--quick: random images and 10 hidden units instead of MNIST and 50")
    elif data is None:
        print("MNIST not found: using random images instead (--data DIR to point at it)")
    params = init_params(hidden, rng)
    count = sum(p.size for p in params)
    print(f"network 784-{hidden}-10 (sigmoid, softmax), {count} parameters; batch: {source}")

    loss = loss_fn(x, t)
    analytic, backprop_seconds = backprop(loss, params)
    numeric, numeric_seconds = numerical(loss, params)

    worst = 0.0
    for name, a, n in zip(NAMES, analytic, numeric):
        relative = float(np.max(np.abs(a - n)) / max(np.max(np.abs(n)), 1e-12))
        worst = max(worst, relative)
        print(
            f"  {name}: mean |difference| {np.mean(np.abs(a - n)):.2e}, "
            f"max |difference| / max |gradient| {relative:.2e}"
        )
    print(f"max relative difference {worst:.2e}")
    ratio = numeric_seconds / backprop_seconds
    print(
        f"numerical: {numeric_seconds:.2f} s ({2 * count} forward passes); "
        f"backprop: {backprop_seconds * 1e3:.2f} ms; backprop is {ratio:,.0f} times faster"
    )

    path = args.out / "numerical_vs_backprop.png"
    plot_times({"numerical": numeric_seconds, "backprop": backprop_seconds}, count, path)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
