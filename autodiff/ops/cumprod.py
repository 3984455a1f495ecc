"""Running products and differences: `x.cumprod(dim)` and `x.diff(n, dim)`.

The gradient of a running product is, for an element before the first zero of its line,
`rcumsum(g * out) / x` (rcumsum: the cumulative sum taken from the far end). That division
fails at a zero, so the element at the first zero gets `rcumsum(g * out')`, where out' is the
running product with that zero replaced by 1, and the elements after it get 0 (every product
they enter holds the zero). This is exact with zeros in the input, as PyTorch's, and is written
with ops (where, cumsum, cumprod, indexing), so that it records under create_graph.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..dtypes import DTypeLike
from ..function import Function
from ..numpy_protocol import array_of
from ..registry import register, to_tensor
from ..tensor import Tensor
from .cumsum import Cumsum, _axis, _integers_as_int64
from .join import concatenate
from .rearrange import movedim


class Cumprod(Function):
    """Running products along `axis` (a 0-d x is one element along axis 0)."""

    op = "cumprod"

    @staticmethod
    def forward(ctx, x, axis):
        out = np.cumprod(x.reshape(x.shape or (1,)), axis=axis).reshape(x.shape)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        if not np.ndim(g):
            return g
        axis = ctx.kwargs["axis"]
        reverse = (slice(None),) * axis + (slice(None, None, -1),)

        def rcumsum(v):
            return Cumsum.call(v[reverse], axis=axis)[reverse]

        zeros = array_of(x) == 0
        if not zeros.any():
            return rcumsum(g * out) / x
        if isinstance(g, Tensor):
            return _recorded_grad_with_zeros(g, x, axis)
        seen = np.cumsum(zeros, axis=axis)  # zeros up to and including each element
        before, first = seen == 0, zeros & (seen == 1)
        ones_at_first = np.where(first, np.ones((), out.dtype), x)
        grad_before = rcumsum(g * out) / np.where(before, x, np.ones((), out.dtype))
        grad_first = rcumsum(g * Cumprod.call(ones_at_first, axis=axis))
        zero = np.zeros((), out.dtype)
        return np.where(before, grad_before, np.where(first, grad_first, zero))


def _recorded_grad_with_zeros(g: Tensor, x: Tensor, axis: int) -> Tensor:
    """The gradient with zeros in x, differentiable in x (create_graph): setting the elements
    after the first zero to 0 is right in value but not in its derivative. Here, for each i,
    the running products of x with x_i replaced by 1 (an n x n matrix per line: O(n^2) memory,
    which only higher-order gradients pay), summed against g from i on."""
    g, x = movedim(g, axis, -1), movedim(x, axis, -1)
    n = x.shape[-1]
    others = np.where(
        np.eye(n, dtype=bool), np.ones((), x.dtype), x.unsqueeze(-2).expand(*x.shape[:-1], n, n)
    )
    products = Cumprod.apply(others, axis=x.ndim)  # [..., i, k]: prod of x_j, j <= k, j != i
    from_i = np.triu(np.ones((n, n), dtype=bool))  # k >= i
    terms = np.where(from_i, g.unsqueeze(-2) * products, np.zeros((), x.dtype))
    return movedim(terms.sum(-1), -1, axis)


@register("cumprod")
def cumprod(
    x: Any, dim: int | None = None, *, dtype: DTypeLike | None = None, axis: int | None = None
) -> Tensor:
    """torch.cumprod: running products along `dim` (required, as in PyTorch); `dtype` converts
    first. Bool and integer tensors give int64. The gradient is exact with zeros in x."""
    if dim is None and axis is None:
        raise TypeError("cumprod: missing the dim to multiply along (x.cumprod(dim))")
    x = to_tensor(x)
    x = x.astype(dtype) if dtype is not None else _integers_as_int64(x)
    return Cumprod.apply(x, axis=_axis(x, dim if axis is None else axis, "cumprod"))


@register("diff")
def diff(
    x: Any,
    n: int = 1,
    dim: int = -1,
    prepend: Any = None,
    append: Any = None,
) -> Tensor:
    """torch.diff: differences of neighbours along `dim`, `n` times, after joining `prepend`
    and `append` to x along dim (bool tensors: where neighbours differ)."""
    x = to_tensor(x)
    if x.ndim == 0:
        raise RuntimeError("diff: expected at least a 1-dimensional tensor")
    axis = _axis(x, dim, "diff")
    parts: Sequence[Tensor] = [to_tensor(p) for p in (prepend, x, append) if p is not None]
    if len(parts) > 1:
        x = concatenate(parts, axis)
    lead = (slice(None),) * axis
    for _ in range(int(n)):
        later, earlier = x[(*lead, slice(1, None))], x[(*lead, slice(None, -1))]
        x = later != earlier if x.dtype == np.bool_ else later - earlier
    return x
