"""plot_taylor: Taylor polynomials built from the engine's higher-order derivatives.

    viz.plot_taylor(autodiff.exp, 0.0, orders=[1, 5])

f^(k)(x0) comes from `autodiff.grad` applied k times (each level differentiates the recorded
backward pass of the one inside), and the degree-n polynomial is
sum_k f^(k)(x0) / k! * (x - x0)^k.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

import autodiff
from autodiff import Tensor

from ._figure import finish, new_figure
from .style import legend_outside, series_style


def derivatives_at(f: Callable[[Tensor], Tensor], x0: float, order: int) -> list[float]:
    """`[f(x0), f'(x0), ..., f^(order)(x0)]`, every derivative by nested `autodiff.grad`."""
    x = np.float64(x0)  # float64 leaves: high orders amplify rounding
    fn: Callable[[Any], Tensor] = f
    values = [float(_data(f(Tensor(x))))]
    for _ in range(order):
        fn = autodiff.grad(fn)
        values.append(float(fn(x).data))
    return values


def taylor_polynomial(derivatives: Sequence[float], x0: float, x: np.ndarray) -> np.ndarray:
    """sum_k derivatives[k] / k! * (x - x0)^k."""
    dx = np.asarray(x, dtype=np.float64) - x0
    return sum(d / math.factorial(k) * dx**k for k, d in enumerate(derivatives))


def plot_taylor(
    f: Callable[[Tensor], Tensor],
    x0: float,
    orders: Sequence[int],
    x: Any = None,
    path: str | os.PathLike | None = None,
    name: str = "f",
) -> Figure:
    """f and its Taylor polynomials of the given `orders` around `x0`, over `x`
    (default x0 ± 3)."""
    if not orders or min(orders) < 0:
        raise ValueError(f"plot_taylor: orders must be non-negative ints, got {orders!r}")
    xs = x0 + np.linspace(-3, 3, 401) if x is None else np.asarray(x, dtype=np.float64)
    derivs = derivatives_at(f, x0, max(orders))
    with autodiff.no_grad():
        ys = np.asarray(_data(f(Tensor(xs))), dtype=np.float64)

    fig = new_figure(7.5, 4.5)
    ax = fig.add_subplot()
    ax.plot(xs, ys, color="black", lw=2.5, label=name)
    for i, n in enumerate(sorted(orders)):
        # Dashed and dotted over the solid function: where a polynomial matches, both show.
        style = series_style(i + 1)
        del style["marker"]
        ax.plot(xs, taylor_polynomial(derivs[: n + 1], x0, xs), lw=1.8, **style, label=f"order {n}")
    ax.plot([x0], [derivs[0]], "ko")
    # Polynomials run off to infinity: frame the function, not them.
    finite = ys[np.isfinite(ys)]
    lo, hi = float(finite.min()), float(finite.max())
    pad = 0.15 * (hi - lo or 1.0)
    ax.set(ylim=(lo - pad, hi + pad), xlabel="x", title=f"Taylor polynomials of {name} at {x0:g}")
    legend_outside(ax)
    ax.grid(alpha=0.3)
    return finish(fig, path)


def _data(value: Any) -> Any:
    return value.data if isinstance(value, Tensor) else value
