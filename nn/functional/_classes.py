"""What cross_entropy and nll_loss share beyond the fused op: PyTorch's input layouts, class
weights, the ignored label and label smoothing.

Layouts: scores (N, C), (N, C, d1, ...) (a class score per pixel, as in segmentation) or one
sample (C,). `rows` moves the class axis last and flattens the rest, so that the losses work on
(M, C) rows; `per_sample` shapes per-row losses back to (N, d1, ...) (or () for one sample).

Weights and the ignored label follow PyTorch's `nll_loss`: a row's loss is scaled by the weight
of its class, rows whose label is `ignore_index` count for nothing, and the mean divides by the
sum of the counted rows' weights (a weighted mean, not a mean over N). Rows that are ignored are
left out before the loss is taken, so that they get a gradient of exactly 0, as in PyTorch, even
where the mean is 0 / 0 (every row ignored: NaN, as in PyTorch).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import autodiff
from autodiff import ShapeError, Tensor


def rows(input: Any, where: str) -> tuple[Any, tuple[int, ...]]:
    """input (N, C, d1, ...) or (C,) -> (rows (M, C), the shape of the per-sample losses)."""
    if input.ndim == 0:
        raise ShapeError(f"{where}: expected input (N, C), (N, C, d1, ...) or (C,), got a 0-d one")
    if input.ndim == 1:
        return input.reshape(1, input.shape[0]), ()
    if input.ndim == 2:
        return input, (input.shape[0],)
    shape = (input.shape[0], *input.shape[2:])
    last = (0, *range(2, input.ndim), 1)  # the class axis moved last
    moved = input.permute(*last) if isinstance(input, Tensor) else np.transpose(input, last)
    return moved.reshape(-1, input.shape[1]), shape


def per_sample(losses: Any, shape: tuple[int, ...], reduction: str) -> Any:
    """Per-row losses (M,) -> the per-sample shape `rows` returned (a reduced loss as it is)."""
    return losses if reduction != "none" or len(shape) == 1 else losses.reshape(shape)


def labels(
    target: Any, shape: tuple[int, ...], c: int, where: str, ignore_index: int | None = None
) -> np.ndarray:
    """Integer class labels of the per-sample `shape`, flattened to (M,) int64, checked to lie
    in [0, C) (or to be `ignore_index`)."""
    found = np.asarray(target.data if isinstance(target, Tensor) else target)
    if found.shape != shape:
        raise ShapeError(f"{where}: expected class labels of shape {shape}, got {found.shape}")
    # The labels' own array where it is flat already: nn.export tells a graph input by it.
    flat = (found if found.ndim == 1 else found.reshape(-1)).astype(np.int64, copy=False)
    counted = flat if ignore_index is None else flat[flat != ignore_index]
    if counted.size and (counted.min() < 0 or counted.max() >= c):
        ignored = "" if ignore_index is None else f" (or ignore_index={ignore_index})"
        raise IndexError(
            f"{where}: class labels must lie in [0, {c}){ignored}, got values in "
            f"[{counted.min()}, {counted.max()}]"
        )
    return flat


def constant_weight(weight: Any, where: str, name: str, expected: str) -> np.ndarray:
    """A loss's weight argument as a constant array. One that requires grad is refused:
    PyTorch has no derivative for it either (it raises at backward), and a constant would
    drop it."""
    if isinstance(weight, Tensor):
        if weight.requires_grad and autodiff.is_grad_enabled():
            raise NotImplementedError(f"{where}: a {name} that requires grad is not supported")
        weight = weight.data
    if not isinstance(weight, np.ndarray) or weight.dtype.kind not in "biuf":
        raise TypeError(
            f"{where}: {name} must be {expected}, got {weight!r} (reduction and the arguments "
            "after weight are keyword-only, not positional)"
        )
    return weight


def class_weights(weight: Any, c: int, where: str) -> np.ndarray | None:
    """`weight` as a (C,) float array (checked by `constant_weight`), or None."""
    if weight is None:
        return None
    weight = constant_weight(weight, where, "weight", "a Tensor of C class weights")
    if weight.shape != (c,):
        raise ShapeError(
            f"{where}: weight must have shape ({c},), one per class, got {weight.shape}"
        )
    return weight


def weighted(
    picked: Callable[[Any, np.ndarray], Any],
    x: Any,
    labels: np.ndarray,
    weight: np.ndarray | None,
    ignore_index: int,
    reduction: str,
    label_smoothing: float = 0.0,
) -> Any:
    """The loss of rows x (M, C) with labels (M,) under class weights and the ignored label.

    `picked(x, labels)` gives each row's loss at its label (-log p_y for cross_entropy, -x_y
    for nll_loss). With `label_smoothing` eps (cross_entropy only) a row's loss is PyTorch's
    (1 - eps) w_y (-log p_y) + eps / C * sum_c w_c (-log p_c). Returns per-row losses (M,) for
    "none" (0 where ignored), else their sum, or for "mean" their sum over the counted rows'
    weights.
    """
    counted = labels != ignore_index
    if reduction != "none":  # only the counted rows: the ignored get a gradient of exactly 0
        keep = np.flatnonzero(counted)
        x, labels, counted = x[keep], labels[keep], counted[keep]
    else:  # every row, the ignored ones at label 0 and weight 0 (a finite gradient times 0)
        labels = np.where(counted, labels, 0)
    dtype = x.dtype
    w = counted.astype(dtype) if weight is None else weight[labels].astype(dtype) * counted
    losses = picked(x, labels) * w
    if label_smoothing:
        log_p = autodiff.log_softmax(x, axis=1)
        every = -(log_p if weight is None else log_p * weight.astype(dtype)).sum(axis=1)
        c = x.shape[1]
        share = (counted * (label_smoothing / c)).astype(dtype)
        losses = losses * (1 - label_smoothing) + every * share
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    total = w.sum()
    if total == 0:  # every row ignored (or weighted 0): NaN, as PyTorch's 0 / 0, warning-free
        return losses.sum() * np.nan
    return losses.sum() / total
