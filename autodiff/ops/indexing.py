"""Indexing: `x[index]` with ints, slices, None, Ellipsis, integer arrays and boolean masks.

Backward scatters the gradient into zeros of the input's shape; repeated integer indices
accumulate (numpy's `add.at`), which is itself an op so that higher-order gradients work.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Function
from ..numpy_protocol import index_arrays
from ..registry import register
from ..tensor import Tensor


def _has_integer_array(index) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, np.ndarray) and p.dtype.kind in "iu" for p in parts)


def is_basic_index(index) -> bool:
    """Ints, slices, None and Ellipsis only: numpy returns a view (arrays give a copy)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, int | np.integer | slice) for p in parts)


class GetItem(Function):
    """x[index] for basic indices: the result is a view, sharing x's version counter."""

    op = "getitem"
    is_view = True

    @staticmethod
    def forward(ctx, x, index):
        ctx.shape = x.shape
        ctx.index = index
        out = x[index]
        if type(out) is not np.ndarray:
            # All-integer index: numpy gives a scalar, a copy. With Ellipsis it gives a 0-d view,
            # as PyTorch's x[i] is: in-place changes then reach x and x's later changes show.
            out = x[(*index, Ellipsis)] if type(index) is tuple else x[index, ...]
        return out

    @staticmethod
    def backward(ctx, g):
        return ScatterAdd.call(g, shape=ctx.shape, index=ctx.index)


class GetItemCopy(GetItem):
    """x[index] with integer arrays or masks: numpy returns a copy, with its own version."""

    is_view = False


class ScatterAdd(Function):
    """zeros(shape) with `g` added at `index` — the adjoint of indexing."""

    op = "scatter_add"

    @staticmethod
    def forward(ctx, g, shape, index):
        ctx.index = index
        out = np.zeros(shape, dtype=g.dtype)
        if _has_integer_array(index):
            np.add.at(out, index, g)
        else:
            out[index] = g  # basic indexing and masks never repeat an element
        return out

    @staticmethod
    def backward(ctx, g):
        return g[ctx.index]


@register(methods=("__getitem__",))
def getitem(x: Tensor, index: Any) -> Tensor:
    """`x[index]`: a view for basic indices, a copy for integer arrays and masks (as numpy)."""
    index = index_arrays(index)
    op = GetItem if is_basic_index(index) else GetItemCopy
    return op.apply(x, index=index)
