"""Pictures of data and weights: `show_images` (samples with labels) and `plot_filters`.

    viz.show_images(x[:16], labels=y[:16], predictions=pred[:16])   # wrong ones in red
    viz.plot_filters(conv1.weight)                                  # (out, in, kh, kw)

Images may be (N, H, W), (N, 1, H, W), (N, 3, H, W), (N, H, W, 3) or flat (N, H*W) with a
square H*W (MNIST's 784); Tensors or arrays.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from autodiff import Tensor

from ._figure import finish, new_figure

_WRONG = "#cf222e"
_RIGHT = "#1a7f37"


def show_images(
    images: Any,
    labels: Sequence[Any] | Any | None = None,
    predictions: Sequence[Any] | Any | None = None,
    ncols: int | None = None,
    class_names: Sequence[str] | None = None,
    path: str | os.PathLike | None = None,
) -> Figure:
    """A grid of images titled with the true label and, if given, the prediction: green when
    right, red when wrong."""
    imgs = _as_images(images)
    n = len(imgs)
    labels = None if labels is None else _flat(labels)
    predictions = None if predictions is None else _flat(predictions)
    for what, values in (("labels", labels), ("predictions", predictions)):
        if values is not None and len(values) != n:
            raise ValueError(f"show_images: {n} images but {len(values)} {what}")
    ncols = ncols or min(n, 8)
    nrows = math.ceil(n / ncols)
    fig = new_figure(1.3 * ncols, 1.45 * nrows + 0.2)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for i, ax in enumerate(axes):
        ax.set_axis_off()
        if i >= n:
            continue
        img = imgs[i]
        ax.imshow(img, cmap=None if img.ndim == 3 else "gray_r", interpolation="nearest")
        title, color = _title(i, labels, predictions, class_names)
        if title:
            ax.set_title(title, fontsize=9, color=color)
    return finish(fig, path)


def plot_filters(
    weight: Any, path: str | os.PathLike | None = None, max_in: int = 8, ncols: int | None = None
) -> Figure:
    """Conv filters `(out, in, kh, kw)`: one row per output channel and a column per input
    channel (up to `max_in`), or a plain grid when there is one input channel. A shared
    diverging colour scale: red positive, blue negative, white zero."""
    w = np.asarray(weight.data if isinstance(weight, Tensor) else weight, dtype=np.float64)
    if w.ndim != 4:
        raise ValueError(f"plot_filters: expected weights (out, in, kh, kw), got shape {w.shape}")
    n_out, n_in = w.shape[:2]
    n_in_shown = min(n_in, max_in)
    vmax = float(np.abs(w).max()) or 1.0
    if n_in == 1:
        cells = [w[o, 0] for o in range(n_out)]
        ncols = ncols or min(n_out, 8)
        titles = [f"{o}" for o in range(n_out)]
    else:
        cells = [w[o, i] for o in range(n_out) for i in range(n_in_shown)]
        ncols = n_in_shown
        # Column titles name the input channel (first row only), row labels the output one.
        titles = [f"in {i}" if o == 0 else "" for o in range(n_out) for i in range(n_in_shown)]
    nrows = math.ceil(len(cells) / ncols)
    fig = new_figure(0.9 * ncols + 1.0, 0.95 * nrows + 0.4)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    image = None
    for k, ax in enumerate(axes):
        if k >= len(cells):
            ax.set_axis_off()
            continue
        _bare(ax)  # no ticks or frame, but room for labels
        image = ax.imshow(cells[k], cmap="RdBu_r", vmin=-vmax, vmax=vmax, interpolation="nearest")
        if titles[k]:
            ax.set_title(titles[k], fontsize=7)
        if n_in > 1 and k % ncols == 0:
            ax.set_ylabel(f"out {k // ncols}", fontsize=7)
    note = f" (first {n_in_shown} of {n_in} input channels)" if n_in > n_in_shown else ""
    fig.suptitle(f"filters {tuple(w.shape)}{note}", fontsize=10)
    if image is not None:
        fig.colorbar(image, ax=axes.tolist(), shrink=0.6)
    return finish(fig, path)


def _bare(ax) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)


def _as_images(images: Any) -> np.ndarray:
    a = np.asarray(images.data if isinstance(images, Tensor) else images)
    if a.ndim == 2:  # flat rows: square images such as MNIST's 784 = 28 * 28
        side = math.isqrt(a.shape[1])
        if side * side != a.shape[1]:
            raise ValueError(f"show_images: cannot make square images from rows of {a.shape[1]}")
        a = a.reshape(len(a), side, side)
    if a.ndim == 4 and a.shape[1] in (1, 3) and a.shape[-1] not in (1, 3):
        a = np.moveaxis(a, 1, -1)  # channels first -> channels last
    if a.ndim == 4 and a.shape[-1] == 1:
        a = a[..., 0]
    if a.ndim not in (3, 4):
        raise ValueError(f"show_images: cannot read images of shape {a.shape}")
    if a.ndim == 4:  # colour: imshow wants floats in [0, 1]
        a = a.astype(np.float64)
        lo, hi = a.min(), a.max()
        a = (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)
    return a


def _flat(values: Any) -> list:
    a = values.data if isinstance(values, Tensor) else values
    return list(np.asarray(a).ravel())


def _title(i, labels, predictions, class_names) -> tuple[str, str]:
    def name(v: Any) -> str:
        v = v.item() if isinstance(v, np.generic) else v
        return str(class_names[int(v)]) if class_names is not None else str(v)

    if labels is None and predictions is None:
        return "", "black"
    if predictions is None:
        return name(labels[i]), "black"
    if labels is None:
        return f"pred {name(predictions[i])}", "black"
    right = labels[i] == predictions[i]
    if right:
        return name(labels[i]), _RIGHT
    return f"{name(labels[i])} (pred {name(predictions[i])})", _WRONG
