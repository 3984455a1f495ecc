"""embedding: rows of a weight matrix picked by integer indices (PyTorch's `F.embedding`)."""

from __future__ import annotations

from typing import Any

import numpy as np

import autodiff
from autodiff import Tensor


def embedding(
    input: Any,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """weight[input]: indices of any shape S -> S + (embedding_dim,). Repeated indices add their
    gradients into the same row; the row `padding_idx` gets no gradient (its value is still
    returned, as in PyTorch). `max_norm`: first, each looked-up row whose `norm_type`-norm is
    above it is scaled down to it, in place in `weight`, as PyTorch does (`_renorm`).
    `scale_grad_by_freq` and `sparse` are not supported."""
    for name, value, default in (
        ("scale_grad_by_freq", scale_grad_by_freq, False),
        ("sparse", sparse, False),
    ):
        if value != default:
            raise NotImplementedError(f"embedding: {name}={value!r} is not supported")
    indices = np.asarray(input.data if isinstance(input, Tensor) else input)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"embedding: expected integer indices, got dtype {indices.dtype}")
    if weight.ndim != 2:
        raise ValueError(f"embedding: weight must be 2-d, got shape {tuple(weight.shape)}")
    n = weight.shape[0]
    if indices.size and (indices.min() < 0 or indices.max() >= n):
        raise IndexError(
            f"embedding: indices must lie in [0, {n}) for {n} embeddings, got values in "
            f"[{indices.min()}, {indices.max()}]"
        )
    # Out of range, no row would match padding_idx: an argument silently ignored.
    if padding_idx is not None and not -n <= padding_idx < n:
        raise ValueError(
            f"embedding: padding_idx must be within [{-n}, {n}) for {n} embeddings, got "
            f"{padding_idx}"
        )
    if max_norm is not None:
        _renorm(weight, indices, max_norm, norm_type)
    rows = weight[indices.astype(np.intp, copy=False)]
    if padding_idx is None or not rows.requires_grad:
        return rows
    padding_idx = padding_idx + n if padding_idx < 0 else padding_idx
    # The same values; where the index is padding_idx, the gradient is cut.
    return autodiff.where((indices != padding_idx)[..., None], rows, rows.detach())


def _renorm(weight: Tensor, indices: np.ndarray, max_norm: float, norm_type: float) -> None:
    """PyTorch's embedding_renorm_: rows of `weight` looked up by `indices` whose norm exceeds
    `max_norm` are scaled by max_norm / (norm + 1e-7), in place and outside any graph (a
    weight saved by an earlier op is then caught by its version counter, as in PyTorch)."""
    rows = np.unique(indices)
    table = np.asarray(weight.data)[rows]
    norms = np.linalg.norm(table, ord=norm_type, axis=1)
    over = norms > max_norm
    if over.any():
        scale = (max_norm / (norms[over] + 1e-7)).astype(table.dtype)
        with autodiff.no_grad():
            weight[rows[over]] = table[over] * scale[:, None]
