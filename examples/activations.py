"""Lesson 1 — activation functions: sigmoid, tanh, ReLU and sgn, and their derivatives.

No derivative here is written by hand: each is the gradient the engine computes by backprop
(for an elementwise f, the gradient of sum(f(x)) is f'(x) at every point). The picture puts
every function next to its derivative; then all four are evaluated at x = -1000 and 1000,
where a naive 1 / (1 + exp(-x)) overflows: the engine's sigmoid and tanh stay finite and
warning-free, with derivatives that are exactly 0 far out on the flat tails.

    python examples/activations.py [--out DIR]

Writes OUT/activations.png.
"""

from __future__ import annotations

import argparse
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

import autodiff
import viz
from autodiff import Tensor
from viz.plots.functions import derivative

ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "sigmoid": autodiff.sigmoid,
    "tanh": autodiff.tanh,
    "ReLU": autodiff.relu,
    # sgn is flat away from 0 (not differentiable at 0): its gradient is 0, as PyTorch's.
    "sgn": autodiff.sign,
}

# What the derivatives should be, to check the engine against (not used to compute them).
EXPECTED: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sigmoid": lambda x: np.exp(-np.abs(x)) / (1 + np.exp(-np.abs(x))) ** 2,
    "tanh": lambda x: 1 - np.tanh(x) ** 2,
    "ReLU": lambda x: (x > 0).astype(float),
    "sgn": np.zeros_like,
}


def check_derivatives(x: np.ndarray) -> float:
    """The largest difference between the engine's derivatives and the textbook formulas."""
    worst = 0.0
    for name, f in ACTIVATIONS.items():
        _, engine = derivative(f, x)
        worst = max(worst, float(np.max(np.abs(engine - EXPECTED[name](x)))))
    return worst


def extremes() -> None:
    """Values and derivatives at +-1000, with warnings and floating-point errors raised: a
    single overflow in exp (or a 0 / 0, or inf - inf) would stop the script here. Underflow
    is allowed: exp(-1000) rounding to 0 is the correct float64 answer."""
    x = np.array([-1000.0, 1000.0])
    print("at x = -1000 and x = 1000 (an overflow or NaN would be an error here):")
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        for name, f in ACTIVATIONS.items():
            y, dy = derivative(f, x)
            assert np.all(np.isfinite(y)) and np.all(np.isfinite(dy)), name
            values, slopes = f"[{y[0]:g}, {y[1]:g}]", f"[{dy[0]:g}, {dy[1]:g}]"
            print(f"  {name:>7}: f = {values:<10}  f' = {slopes}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"), help="where pictures go")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    x = np.linspace(-5, 5, 1001)
    print(f"engine derivatives vs formulas on [-5, 5]: max difference {check_derivatives(x):.1e}")
    for name, f in ACTIVATIONS.items():
        y, dy = derivative(f, np.array([-1.0, 0.0, 1.0]))
        print(
            f"  {name:>7} at -1, 0, 1: f = {np.round(y, 4).tolist()}, "
            f"f' = {np.round(dy, 4).tolist()}"
        )
    extremes()

    path = args.out / "activations.png"
    viz.plot_functions(ACTIVATIONS, x, path=path)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
