"""Indexing: `x[index]` with ints, slices, None, Ellipsis, integer arrays and boolean masks.

Backward scatters the gradient into zeros of the input's shape; repeated integer indices
accumulate (numpy's `add.at`), which is itself an op so that higher-order gradients work.

Index Tensors (integer indices, masks) are passed to the ops as extra arguments and saved:
backward reads their arrays, so changing one in place after the op raises at backward, as a
changed saved input does (function.py), instead of scattering the gradient to the wrong place.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Function
from ..index_order import split_at_integers
from ..numpy_protocol import split_index
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
    def forward(ctx, x, *index_tensors, index):
        ctx.shape = x.shape
        ctx.index = index
        if index_tensors:  # the arrays of the Tensors inside `index`: see the module docstring
            ctx.save_for_backward(*index_tensors)
        out = x[index]
        if type(out) is not np.ndarray:
            # All-integer index: numpy gives a scalar, a copy. With Ellipsis it gives a 0-d view,
            # as PyTorch's x[i] is: in-place changes then reach x and x's later changes show.
            out = x[(*index, Ellipsis)] if type(index) is tuple else x[index, ...]
        return out

    @staticmethod
    def backward(ctx, g):
        return ScatterAdd.call(g, *ctx.saved_tensors, shape=ctx.shape, index=ctx.index)


class GetItemCopy(GetItem):
    """x[index] with integer arrays or masks: numpy returns a copy, with its own version."""

    is_view = False


class ScatterAdd(Function):
    """zeros(shape) with `g` added at `index` — the adjoint of indexing."""

    op = "scatter_add"

    @staticmethod
    def forward(ctx, g, *index_tensors, shape, index):
        ctx.index = index
        if index_tensors:
            ctx.save_for_backward(*index_tensors)
        out = np.zeros(shape, dtype=g.dtype)
        if _has_integer_array(index):
            np.add.at(out, index, g)
        else:
            out[index] = g  # basic indexing and masks never repeat an element
        return out

    @staticmethod
    def backward(ctx, g):
        ctx.saved_tensors  # noqa: B018 -- raises if an index tensor was modified in place
        return g[ctx.index]


@register(methods=("__getitem__",))
def getitem(x: Tensor, index: Any) -> Tensor:
    """`x[index]`: a view for basic indices, a copy for integer arrays and masks (as numpy).

    Integers mixed with arrays are applied first, as PyTorch does (index_order.py): two ops,
    a view then a copy."""
    index, index_tensors = split_index(index)
    split = split_at_integers(index, x.ndim)
    if split is not None:
        basic, advanced = split
        return GetItemCopy.apply(GetItem.apply(x, index=basic), *index_tensors, index=advanced)
    op = GetItem if is_basic_index(index) else GetItemCopy
    return op.apply(x, *index_tensors, index=index)
