"""plot_history: the four curves of training — train/validation loss and accuracy.

The history format (what nn's trainer produces; every key optional, unknown keys ignored):

    history = {
        "loss":       [2.31, 2.28, ...],   # training loss of every iteration (mini-batch)
        "train_loss": [0.52, 0.31, ...],   # one value per epoch
        "val_loss":   [0.48, 0.35, ...],   # one value per epoch
        "train_acc":  [0.84, 0.91, ...],   # one value per epoch, a fraction (or a percentage)
        "val_acc":    [0.86, 0.90, ...],   # one value per epoch
    }

Per-epoch values are drawn at epochs 1, 2, ... (the end of each epoch); per-iteration losses
are spread evenly over the same epoch axis, so both line up. Without per-epoch values the
x axis counts iterations. From 300 iterations on, the per-iteration loss is drawn as a running
mean over 1% of them (the legend says how many); a loss spanning more than a decade is drawn on
a log scale.
Training and validation differ in colour, dash and marker (see
style.py), the epoch axis has whole-number ticks, and the legends sit beside the axes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from ._figure import finish, new_figure
from .style import integer_ticks, legend_outside, series_style

EPOCH_KEYS = ("train_loss", "val_loss", "train_acc", "val_acc")


def plot_history(
    history: Mapping[str, Sequence[float]], path: str | os.PathLike | None = None
) -> Figure:
    """Loss (left) and accuracy (right, if any) against epochs. See the module for the format."""
    curves = {k: _floats(v) for k, v in history.items() if k in ("loss", *EPOCH_KEYS) and len(v)}
    if not curves:
        raise ValueError(
            "plot_history: the history has none of the keys 'loss', " + ", ".join(EPOCH_KEYS)
        )
    epochs = max((len(curves[k]) for k in EPOCH_KEYS if k in curves), default=0)
    has_acc = "train_acc" in curves or "val_acc" in curves
    fig = new_figure(12 if has_acc else 7, 4)
    axes = fig.subplots(1, 2 if has_acc else 1, squeeze=False)[0]

    ax = axes[0]
    if "loss" in curves:
        per_iter = curves["loss"]
        if epochs:
            x = np.arange(1, len(per_iter) + 1) * epochs / len(per_iter)
        else:
            x = np.arange(1, len(per_iter) + 1)
        # Over a few hundred iterations or more, a running mean over 1% of them: the raw
        # batch losses scatter over decades and would hide the epoch curves.
        window = max(1, len(per_iter) // 100) if len(per_iter) >= 300 else 1
        label = "loss per iteration"
        if window > 1:
            per_iter = np.convolve(per_iter, np.ones(window) / window, mode="valid")
            x = x[window - 1 :]
            label += f" (mean of {window})"
        ax.plot(x, per_iter, color="0.6", lw=0.9, alpha=0.9, label=label)
    _epoch_curve(ax, curves, "train_loss", "train loss", 0)
    _epoch_curve(ax, curves, "val_loss", "validation loss", 1)
    ax.set(title="loss", xlabel="epoch" if epochs else "iteration", ylabel="loss")
    losses = np.concatenate([curves[k] for k in ("loss", "train_loss", "val_loss") if k in curves])
    losses = losses[np.isfinite(losses)]
    if losses.size and losses.min() > 0 and losses.max() > 10 * losses.min():
        ax.set_yscale("log")  # the first iterations' loss would flatten the rest against 0

    if has_acc:
        _epoch_curve(axes[1], curves, "train_acc", "train accuracy", 0)
        _epoch_curve(axes[1], curves, "val_acc", "validation accuracy", 1)
        axes[1].set(title="accuracy", xlabel="epoch", ylabel="accuracy")
    for ax in axes:
        integer_ticks(ax)
        legend_outside(ax)
        ax.grid(alpha=0.3)
    return finish(fig, path)


def _floats(values: Sequence[float]) -> np.ndarray:
    return np.array([float(v) for v in values], dtype=np.float64)


def _epoch_curve(ax, curves: dict[str, np.ndarray], key: str, label: str, series: int) -> None:
    if key in curves:
        y = curves[key]
        ax.plot(np.arange(1, len(y) + 1), y, **series_style(series), ms=5, lw=1.6, label=label)
