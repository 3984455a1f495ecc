"""plot_gradient_flow: how big the gradients are, layer by layer, after a backward.

    loss.backward()
    viz.plot_gradient_flow(model)                 # anything with named_parameters()
    viz.plot_gradient_flow([("w1", w1), ("w2", w2)])

One group of bars per parameter: max |grad| (light) and mean |grad| (dark), on a log scale,
in the order given (input side first, for a model). Gradients that vanish towards the input
show as a staircase down to the left; a parameter without a gradient is marked "no grad".
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from autodiff import Tensor

from ._figure import finish, new_figure

_FLOOR = 1e-12  # log-scale bars need a positive height: an exact zero is drawn at this floor


def gradient_stats(model_or_params: Any) -> list[tuple[str, float | None, float | None]]:
    """`(name, mean |grad|, max |grad|)` per parameter (None, None without a gradient)."""
    items = _named(model_or_params)
    stats = []
    for name, p in items:
        g = p.grad if isinstance(p, Tensor) else None
        if g is None:
            stats.append((name, None, None))
            continue
        a = np.abs(np.asarray(g.data, dtype=np.float64))
        with np.errstate(over="ignore"):
            stats.append((name, float(a.mean()), float(a.max())))
    return stats


def plot_gradient_flow(model_or_params: Any, path: str | os.PathLike | None = None) -> Figure:
    """Bars of mean and max |grad| per parameter, log scale."""
    stats = gradient_stats(model_or_params)
    if not stats:
        raise ValueError("plot_gradient_flow: no parameters given")
    names = [s[0] for s in stats]
    means = np.array([s[1] if s[1] is not None else np.nan for s in stats])
    maxes = np.array([s[2] if s[2] is not None else np.nan for s in stats])
    x = np.arange(len(stats))

    fig = new_figure(max(5.0, 0.55 * len(stats) + 2), 4.2)
    ax = fig.add_subplot()
    shown_max = np.where(np.isfinite(maxes), np.maximum(maxes, _FLOOR), _FLOOR)
    shown_mean = np.where(np.isfinite(means), np.maximum(means, _FLOOR), _FLOOR)
    ax.bar(x, shown_max, width=0.8, color="C0", alpha=0.35, label="max |grad|")
    ax.bar(x, shown_mean, width=0.45, color="C0", label="mean |grad|")
    ax.set_yscale("log")
    for i in np.flatnonzero(np.isnan(maxes)):
        ax.text(i, _FLOOR * 3, "no grad", rotation=90, ha="center", va="bottom", color="C3")
    ax.set_xticks(x, names, rotation=60, ha="right", fontsize=8)
    ax.set(ylabel="|grad| (log scale)", title="gradient flow")
    ax.legend()
    ax.grid(axis="y", alpha=0.3)
    return finish(fig, path)


def _named(model_or_params: Any) -> list[tuple[str, Any]]:
    """Accept an object with named_parameters(), or an iterable of (name, tensor)."""
    named = getattr(model_or_params, "named_parameters", None)
    items: Iterable = named() if callable(named) else model_or_params
    result = []
    for item in items:
        if not (isinstance(item, tuple) and len(item) == 2):
            raise TypeError(
                "plot_gradient_flow: expected an object with named_parameters() or an iterable "
                f"of (name, tensor) pairs, got an item {item!r}"
            )
        result.append((str(item[0]), item[1]))
    return result
