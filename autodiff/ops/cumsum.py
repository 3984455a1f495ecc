"""Cumulative sum along a dim: `x.cumsum(dim)` (torch.cumsum) and `np.cumsum(t, axis=None)`.

The gradient of a cumulative sum is the cumulative sum of the gradient taken from the other
end: reverse, cumsum, reverse (a reversed slice is a view, and the reversal is recorded as
indexing under create_graph, so higher orders follow).
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from ..dtypes import DTypeLike
from ..function import Function
from ..registry import register, to_tensor
from ..tensor import Tensor
from ._axes import normalize_axes


class Cumsum(Function):
    """Running sums along `axis` (a 0-d x is one element along axis 0), in `dtype` if given
    (a float dtype, for a float x). Its backward converts the gradient to x's dtype first, as
    PyTorch's cumsum_backward does, and sums in that dtype."""

    op = "cumsum"

    @staticmethod
    def forward(ctx, x, axis, dtype=None):
        ctx.axis = axis
        ctx.input_dtype = x.dtype
        out_dtype = np.dtype(dtype or x.dtype)
        # PyTorch's CPU cumsum accumulates float32 in float64 and float16 in float32, rounding
        # each running sum once: numpy's float32 running sums drift from it in the last bits
        wide = _ACCUMULATOR.get(out_dtype, out_dtype)
        out = np.cumsum(x.reshape(x.shape or (1,)), axis=axis, dtype=wide).reshape(x.shape)
        return out if wide == out_dtype else out.astype(out_dtype)

    @staticmethod
    def backward(ctx, g):
        if g.dtype != ctx.input_dtype:
            g = g.astype(ctx.input_dtype)
        if not np.ndim(g):
            return g
        backwards = (slice(None),) * ctx.axis + (slice(None, None, -1),)
        return Cumsum.call(g[backwards], axis=ctx.axis)[backwards]


_ACCUMULATOR = {
    np.dtype(np.float32): np.dtype(np.float64),
    np.dtype(np.float16): np.dtype(np.float32),
}


def _axis(x: Tensor, dim: Any, what: str) -> int:
    # an int, a numpy integer or a 0-d integer tensor (__index__), as PyTorch; not a bool
    if isinstance(dim, bool | np.bool_) or not hasattr(type(dim), "__index__"):
        raise TypeError(f"{what}: dim must be an int, got {dim!r}")
    (axis,) = normalize_axes(operator.index(dim), x.ndim) or (0,)  # 0-d: its one element
    return axis


def _integers_as_int64(x: Tensor) -> Tensor:
    """Bool and integer tensors sum in int64, as in PyTorch."""
    return x.astype(np.int64) if x.dtype.kind in "biu" and x.dtype != np.int64 else x


@register("cumsum")
def cumsum(
    x: Any, dim: int | None = None, *, dtype: DTypeLike | None = None, axis: int | None = None
) -> Tensor:
    """torch.cumsum: running sums along `dim` (required, as in PyTorch; numpy's `axis` too);
    `dtype` converts first. Bool and integer tensors give int64."""
    if dim is None and axis is None:
        raise TypeError("cumsum: missing the dim to sum along (x.cumsum(dim), as in PyTorch)")
    x = to_tensor(x)
    axis = _axis(x, dim if axis is None else axis, "cumsum")
    if dtype is not None and x.dtype.kind == "f" and np.dtype(dtype).kind == "f":
        return Cumsum.apply(x, axis=axis, dtype=np.dtype(dtype))  # PyTorch's gradient dtype
    x = x.astype(dtype) if dtype is not None else _integers_as_int64(x)
    return Cumsum.apply(x, axis=axis)


@register(methods=(), functions=(), numpy=np.cumsum)
def numpy_cumsum(
    x: Any,
    axis: int | None = None,
    dtype: DTypeLike | None = None,
    out: Any = None,
    *,
    dim: int | None = None,
) -> Tensor:
    """np.cumsum on a Tensor: numpy's meaning (axis None: of the flattened tensor)."""
    if out is not None:
        raise TypeError("np.cumsum on a Tensor: out= is not supported (it would not be recorded)")
    x = to_tensor(x)
    if dtype is not None:
        x = x.astype(dtype)
    axis = axis if dim is None else dim
    if axis is None:
        x = x.reshape(-1)
        axis = 0
    return Cumsum.apply(x, axis=_axis(x, axis, "np.cumsum"))
