"""Shape ops: reshape, permute/transpose, expand/broadcast_to, and the helpers built on them
(flatten, squeeze, unsqueeze, swapaxes). Outputs share the input's memory where numpy can."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import ShapeError
from ..function import Function
from ..tensor import Tensor
from ._axes import normalize_axes


class Reshape(Function):
    op = "reshape"
    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        try:
            return np.reshape(x, shape)
        except ValueError:
            raise ShapeError(f"reshape: cannot reshape {x.shape} into {tuple(shape)}") from None

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.in_shape)


class Permute(Function):
    op = "transpose"
    is_view = True

    @staticmethod
    def forward(ctx, x, axes=None):
        if axes is None:
            axes = tuple(range(x.ndim))[::-1]
        elif sorted(a % max(x.ndim, 1) for a in axes) != list(range(x.ndim)):
            raise ShapeError(
                f"permute: {tuple(axes)} is not a permutation of the axes of {x.shape}"
            )
        ctx.inverse = tuple(np.argsort([a % x.ndim for a in axes]).tolist())
        return np.transpose(x, axes)

    @staticmethod
    def backward(ctx, g):
        return g.transpose(ctx.inverse)


class Expand(Function):
    """Broadcast to a larger shape (no copy); backward sums over the broadcast axes."""

    op = "expand"
    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        try:
            return np.broadcast_to(x, shape)
        except ValueError:
            raise ShapeError(
                f"expand/broadcast_to: cannot broadcast shape {x.shape} to {tuple(shape)}"
            ) from None

    @staticmethod
    def backward(ctx, g):
        return g  # the engine sums the gradient back to the input's shape


def expand_to(g, shape: tuple[int, ...]):
    """`g` broadcast to `shape`, for backward formulas: recorded when `g` is a Tensor; for an
    array materialised with np.full, several times faster than np.broadcast_to on small
    arrays, where per-op overhead is what counts."""
    if isinstance(g, Tensor):
        return Expand.apply(g, shape=shape)
    out = np.empty(shape, dtype=g.dtype)
    out[...] = g
    return out


def broadcast_to(x: Tensor, shape: Sequence[int]) -> Tensor:
    return Expand.apply(x, shape=tuple(shape))


def expand(x: Tensor, *sizes: int | Sequence[int]) -> Tensor:
    """PyTorch's expand: `sizes` may add leading dims; -1 keeps an existing dim."""
    if len(sizes) == 1 and not isinstance(sizes[0], int | np.integer):
        sizes = tuple(sizes[0])
    lead = len(sizes) - x.ndim
    if lead < 0:
        raise ShapeError(f"expand: {len(sizes)} sizes given for a {x.ndim}-d tensor {x.shape}")
    shape = tuple(x.shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(sizes))
    return Expand.apply(x, shape=shape)


def transpose(x: Tensor, axes: Sequence[int] | None = None) -> Tensor:
    return Permute.apply(x, axes=None if axes is None else tuple(axes))


def swapaxes(x: Tensor, axis1: int, axis2: int) -> Tensor:
    axes = list(range(x.ndim))
    a, b = normalize_axes(axis1, x.ndim)[0], normalize_axes(axis2, x.ndim)[0]
    axes[a], axes[b] = axes[b], axes[a]
    return Permute.apply(x, axes=tuple(axes))


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims start_dim..end_dim into one (PyTorch semantics; a 0-d tensor becomes (1,))."""
    if x.ndim == 0:
        return Reshape.apply(x, shape=(1,))
    start, end = normalize_axes((start_dim,), x.ndim)[0], normalize_axes((end_dim,), x.ndim)[0]
    if start > end:
        raise ShapeError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    shape = x.shape[:start] + (-1,) + x.shape[end + 1 :]
    if x.size == 0:
        shape = x.shape[:start] + (int(np.prod(x.shape[start : end + 1])),) + x.shape[end + 1 :]
    return Reshape.apply(x, shape=shape)


def squeeze(x: Tensor, axis: int | Sequence[int] | None = None) -> Tensor:
    """Drop size-1 axes (all of them, or the given ones, which must have size 1)."""
    if axis is None:
        axes = tuple(i for i, n in enumerate(x.shape) if n == 1)
    else:
        axes = normalize_axes(axis, x.ndim)
        for a in axes:
            if x.shape[a] != 1:
                raise ShapeError(
                    f"squeeze: axis {a} of shape {x.shape} has size {x.shape[a]}, not 1"
                )
    return Reshape.apply(x, shape=tuple(n for i, n in enumerate(x.shape) if i not in axes))


def unsqueeze(x: Tensor, axis: int) -> Tensor:
    """Insert a size-1 axis at `axis` (negative counts from the end of the result)."""
    if not -x.ndim - 1 <= axis <= x.ndim:
        raise ShapeError(f"unsqueeze: axis {axis} is out of range for a {x.ndim}-d tensor")
    pos = axis if axis >= 0 else x.ndim + axis + 1
    return Reshape.apply(x, shape=x.shape[:pos] + (1,) + x.shape[pos:])
