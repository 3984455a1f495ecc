"""Where elements are, PyTorch's: `nonzero` (also `as_tuple=True`), `count_nonzero`, `argsort`.
Integer results (int64), without a gradient."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..registry import register, to_tensor
from ..tensor import Tensor
from ._axes import normalize_axes
from .select import _flat, _index_tensor, _one_dim, _sort_order


def _int64(a: Any) -> Tensor:
    return Tensor._make(np.asarray(a, dtype=np.int64))


@register("nonzero")
def nonzero(input: Any, *, as_tuple: bool = False) -> Tensor | tuple[Tensor, ...]:  # noqa: A002
    """The indices of the nonzero (True, NaN included) elements, in row-major order: an
    (n, ndim) int64 tensor, or with `as_tuple=True` one 1-d tensor of n indices per dim (for a
    0-d input, one tensor, as PyTorch reads it as 1-d)."""
    a = to_tensor(input).data
    if as_tuple:
        return tuple(_int64(i) for i in np.nonzero(a.reshape(a.shape or (1,))))
    return _int64(np.argwhere(a))


@register("count_nonzero")
def count_nonzero(input: Any, dim: int | tuple[int, ...] | None = None) -> Tensor:  # noqa: A002
    """How many elements are nonzero: in all (dim None) or along `dim` (an int or several),
    as int64."""
    a = to_tensor(input).data
    if dim is None:
        return _int64(np.count_nonzero(a))
    axes = normalize_axes(dim, a.ndim) if a.ndim else ()
    return _int64(np.count_nonzero(a, axis=axes) if axes else np.count_nonzero(a))


@register("argsort")
def argsort(
    input: Any,  # noqa: A002
    dim: int = -1,
    descending: bool = False,
    *,
    stable: bool = False,
) -> Tensor:
    """The indices that sort input along `dim` (`sort(...).indices`): int64, NaN last (first
    when descending). The sort is always stable (`stable` is accepted for PyTorch's
    signature)."""
    x = to_tensor(input)
    axis = _one_dim("argsort", dim, x.ndim)
    order = _sort_order(_flat(x), axis, bool(descending))
    return _index_tensor(order, x, axis, True)
