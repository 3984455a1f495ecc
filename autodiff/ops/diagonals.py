"""Diagonals and triangles: diagonal (a view), diag, diag_embed, trace, tril and triu.

`Diagonal` is an op of its own, as PyTorch's diagonal is a view that can be written through
(`x.diagonal().zero_()` changes x); its backward scatters the gradient back onto the diagonal
with the indexing ops. The others are composites: tril/triu keep a constant mask (`where`),
diag_embed places the elements with a mask of the diagonal, trace sums the diagonal.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Function
from ..registry import register, to_tensor
from ..tensor import Tensor
from .elementwise import Where
from .indexing import ScatterAdd
from .rearrange import _dims, movedim
from .shape import Permute, expand


def _diagonal_place(shape: tuple[int, ...], offset: int, dim1: int, dim2: int):
    """(permutation moving dim1, dim2 last, the moved shape, the diagonal's length, the
    (rows, cols) of its elements in the last two dims of the moved shape)."""
    perm = [d for d in range(len(shape)) if d not in (dim1, dim2)] + [dim1, dim2]
    moved = tuple(shape[d] for d in perm)
    rows, cols = moved[-2], moved[-1]
    n = max(0, min(rows + min(offset, 0), cols - max(offset, 0)))
    first = np.arange(n)
    return tuple(perm), moved, n, (first - min(offset, 0), first + max(offset, 0))


class Diagonal(Function):
    """The elements (i, i + offset) of dims dim1, dim2, as a new last dim: a view of the input
    (written through, as PyTorch's). Backward puts the gradient back on the diagonal, zeros
    elsewhere."""

    op = "diagonal"
    is_view = True

    @staticmethod
    def forward(ctx, x, offset=0, dim1=0, dim2=1):
        perm, moved, n, place = _diagonal_place(x.shape, offset, dim1, dim2)
        ctx.perm, ctx.moved, ctx.place = perm, moved, place
        rows = place[0]
        view = np.transpose(x, perm)
        start = (int(rows[0]), int(rows[0]) + offset) if n else (0, 0)
        corner = view[(..., slice(start[0], None), slice(start[1], None))]
        # One step along the diagonal is a step down plus a step right: a strided view, which
        # numpy writes through when x is writeable (np.diagonal's own view is read-only)
        return np.lib.stride_tricks.as_strided(
            corner,
            shape=moved[:-2] + (n,),
            strides=corner.strides[:-2] + (corner.strides[-2] + corner.strides[-1],),
            writeable=x.flags.writeable,
        )

    @staticmethod
    def backward(ctx, g):
        spread = ScatterAdd.call(g, shape=ctx.moved, index=(Ellipsis, *ctx.place))
        return Permute.call(spread, axes=tuple(np.argsort(ctx.perm).tolist()))


@register("diagonal")
def diagonal(x: Any, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal of dims dim1 and dim2 (offset > 0 above the main one, < 0 below), as the
    last dim: a view, as in PyTorch."""
    x = to_tensor(x)
    if x.ndim < 2:
        raise RuntimeError(f"diagonal: expected a tensor of >= 2 dims, got shape {x.shape}")
    d1, d2 = _dims("diagonal", (dim1,), x.ndim)[0], _dims("diagonal", (dim2,), x.ndim)[0]
    if d1 == d2:
        raise RuntimeError(f"diagonal: dim1 and dim2 cannot be the same dim ({dim1}, {dim2})")
    return Diagonal.apply(x, offset=int(offset), dim1=d1, dim2=d2)


@register("diag_embed")
def diag_embed(x: Any, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """The last dim of x placed on the diagonal `offset` of two new dims dim1, dim2 (of size
    n + |offset|), zeros elsewhere: the inverse of diagonal."""
    x = to_tensor(x)
    ndim = x.ndim + 1
    d1, d2 = _dims("diag_embed", (dim1,), ndim)[0], _dims("diag_embed", (dim2,), ndim)[0]
    if d1 == d2:
        raise RuntimeError(f"diag_embed: dim1 and dim2 cannot be the same dim ({dim1}, {dim2})")
    offset = int(offset)
    n = x.shape[-1] if x.ndim else 1
    size = n + abs(offset)
    # Row r of the square holds x[r] where offset >= 0 (the element at (r, r + offset)), and
    # column c holds x[c] where offset < 0: x padded to `size`, broadcast along the other dim
    padded = x.reshape(x.shape[:-1] + (n,)).pad([(0, 0)] * max(x.ndim - 1, 0) + [(0, abs(offset))])
    lines = padded.unsqueeze(-1 if offset >= 0 else -2)
    square = expand(lines, x.shape[:-1] + (size, size))
    mask = np.eye(size, k=offset, dtype=bool)
    out = Where.apply(mask, square, np.zeros((), x.dtype))
    return movedim(out, (-2, -1), (d1, d2)) if (d1, d2) != (ndim - 2, ndim - 1) else out


@register("diag")
def diag(x: Any, diagonal: int = 0) -> Tensor:
    """A 1-d x as the diagonal `diagonal` of a square matrix; a 2-d x's diagonal, as a copy."""
    x = to_tensor(x)
    if x.ndim == 1:
        return diag_embed(x, diagonal)
    if x.ndim == 2:
        return Diagonal.apply(x, offset=int(diagonal), dim1=0, dim2=1).clone()
    raise RuntimeError(f"diag: expected a 1-d or 2-d tensor, got shape {x.shape}")


@register("trace")
def trace(x: Any) -> Tensor:
    """The sum of a matrix's main diagonal (integers in int64, as PyTorch's)."""
    x = to_tensor(x)
    if x.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix (2-d), got shape {x.shape}")
    d = Diagonal.apply(x, offset=0, dim1=0, dim2=1)
    return (d.astype(np.int64) if d.dtype.kind in "biu" else d).sum()


def _triangle(op: str, x: Any, diagonal: int, lower: bool) -> Tensor:
    x = to_tensor(x)
    if x.ndim < 2:
        raise RuntimeError(f"{op}: input tensor must have at least 2 dimensions, got {x.shape}")
    rows, cols = x.shape[-2:]
    below = np.tri(rows, cols, k=int(diagonal), dtype=bool)  # (r, c) with c - r <= diagonal
    keep = below if lower else ~np.tri(rows, cols, k=int(diagonal) - 1, dtype=bool)
    return Where.apply(keep, x, np.zeros((), x.dtype))


@register("tril")
def tril(x: Any, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two dims (elements with col - row <= diagonal), zeros
    above; batches of matrices too."""
    return _triangle("tril", x, diagonal, lower=True)


@register("triu")
def triu(x: Any, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two dims (elements with col - row >= diagonal), zeros
    below; batches of matrices too."""
    return _triangle("triu", x, diagonal, lower=False)
