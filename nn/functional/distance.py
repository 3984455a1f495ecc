"""normalize, cosine_similarity, pairwise_distance: PyTorch's formulas, composed of autodiff's
ops (vector_norm, clamp_min, division), so their gradients are those ops' gradients.

The eps conventions differ between the three, as in PyTorch:

    normalize          x / max(||x||_p, eps)
    cosine_similarity  sum(x1 / max(||x1||, eps) * x2 / max(||x2||, eps)), each norm clamped
                       on its own; the clamp does not stop the gradient (PyTorch clamps in
                       place under no_grad), so a tiny but non-zero vector still gets the
                       norm's share of the gradient. Zero vectors give 0.
    pairwise_distance  ||x1 - x2 + eps||_p over the last dim (eps is added to the difference)
"""

from __future__ import annotations

from typing import Any

import numpy as np

import autodiff
from autodiff import DtypeError, Tensor
from autodiff.registry import to_tensor


def normalize(
    input: Tensor,  # noqa: A002 -- PyTorch's name
    p: float = 2.0,
    dim: int = 1,
    eps: float = 1e-12,
) -> Tensor:
    """`input` divided by its p-norm along `dim`, the norm clamped below at `eps`. Same shape
    as `input`."""
    x = to_tensor(input)
    _need_float("normalize", x.dtype)
    denom = autodiff.vector_norm(x, p, dim=dim, keepdim=True).clamp_min(eps)
    return x / denom


def cosine_similarity(x1: Any, x2: Any, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """The cosine of the angle between x1 and x2 along `dim` (the two broadcast against each
    other). Shape: the broadcast shape without `dim`."""
    a, b = to_tensor(x1), to_tensor(x2)
    common = np.result_type(a.dtype, b.dtype)
    if common.kind != "f":
        raise DtypeError(
            f"cosine_similarity: expected common dtype to be floating point, yet common dtype "
            f"is {common} (x1 {a.dtype}, x2 {b.dtype})"
        )
    shape = np.broadcast_shapes(a.shape, b.shape)
    a = a.to(common).expand(shape) if a.dtype != common or a.shape != shape else a
    b = b.to(common).expand(shape) if b.dtype != common or b.shape != shape else b
    return ((a / _clamped_norm(a, dim, eps)) * (b / _clamped_norm(b, dim, eps))).sum(dim)


def _clamped_norm(x: Tensor, dim: int, eps: float) -> Tensor:
    """||x|| along dim (kept), raised to eps in place without recording it: the value is
    clamped, the gradient is the norm's, as PyTorch's cosine_similarity does."""
    norm = autodiff.vector_norm(x, 2, dim=dim, keepdim=True).clone()
    with autodiff.no_grad():
        norm.copy_(norm.clamp_min(eps))
    return norm


def pairwise_distance(
    x1: Any, x2: Any, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False
) -> Tensor:
    """||x1 - x2 + eps||_p over the last dim of the broadcast pair. Shape: the broadcast shape
    without its last dim (kept as 1 with `keepdim`)."""
    diff = to_tensor(x1) - to_tensor(x2) + eps
    if diff.ndim == 0:  # PyTorch's norm over dim -1 of a 0-d tensor: the tensor's abs
        return autodiff.vector_norm(diff, p)
    return autodiff.vector_norm(diff, p, dim=-1, keepdim=keepdim)


def _need_float(name: str, dtype: Any) -> None:
    if np.dtype(dtype).kind != "f":
        raise DtypeError(f"{name}: expected a floating point tensor as input, got {dtype}")
