"""plot_functions: elementwise functions next to their derivatives, as the engine computes them.

    viz.plot_functions({"sigmoid": autodiff.sigmoid, "tanh": autodiff.tanh,
                        "ReLU": autodiff.relu, "sgn": lambda t: t.sign()},
                       np.linspace(-4, 4, 401))

The derivative is not written by hand: it is the gradient of sum(f(x)) with respect to x, by
backprop, which for an elementwise f is f'(x) at every point. A function the engine does not
differentiate (like sign, which records no graph) has derivative 0.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure

import autodiff
from autodiff import Tensor

from ._figure import finish, new_figure
from .style import OKABE_ITO


def derivative(f: Callable[[Tensor], Any], x: Any) -> tuple[np.ndarray, np.ndarray]:
    """`(f(x), f'(x))` for an elementwise `f` of Tensors, at every point of the array `x`."""
    data = np.array(x.data if isinstance(x, Tensor) else x, dtype=np.float64)
    t = Tensor(data, requires_grad=True)
    y = f(t)
    if not isinstance(y, Tensor):
        y = Tensor(np.asarray(y, dtype=np.float64))
    if y.shape != t.shape:
        raise ValueError(
            f"plot_functions: f must be elementwise, but it mapped shape {t.shape} to {y.shape}"
        )
    if not y.requires_grad:  # f recorded nothing: piecewise constant for the engine
        return np.asarray(y.data, dtype=np.float64), np.zeros(t.shape)
    (dy,) = autodiff.gradients(y, t, grad_outputs=np.ones(y.shape, y.dtype), allow_unused=True)
    dy = np.zeros(t.shape) if dy is None else dy.data
    return np.asarray(y.data, dtype=np.float64), np.asarray(dy, dtype=np.float64)


def plot_functions(
    fs: Mapping[str, Callable[[Tensor], Any]],
    x: Any,
    path: str | os.PathLike | None = None,
    ncols: int = 4,
) -> Figure:
    """One panel per function: f(x) solid and f'(x) (by the engine) dashed."""
    if not fs:
        raise ValueError("plot_functions: give at least one function")
    xs = np.asarray(x.data if isinstance(x, Tensor) else x, dtype=np.float64)
    ncols = min(ncols, len(fs))
    nrows = math.ceil(len(fs) / ncols)
    fig = new_figure(3.2 * ncols, 2.8 * nrows)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, (name, f) in zip(axes, fs.items()):
        y, dy = derivative(f, xs)
        ax.axhline(0, color="0.8", lw=0.8)
        ax.axvline(0, color="0.8", lw=0.8)
        ax.plot(xs, y, color=OKABE_ITO[0], lw=2, label=name)
        ax.plot(xs, dy, color=OKABE_ITO[1], lw=1.7, ls="--", label=f"{name}'")
        ax.set_title(name)
        ax.legend(loc="best", fontsize=8)
    for ax in axes[len(fs) :]:
        ax.set_visible(False)
    return finish(fig, path)
