"""Selecting along one dim: `max(dim)`/`min(dim)` with their indices, `sort`, `topk`, `argmax`.

PyTorch's forms of `max`/`min`, told apart by their arguments as in PyTorch:

    x.max()          the largest element (a full reduction; ties share the gradient evenly)
    x.max(dim)       (values, indices) along dim, a named tuple; the gradient goes to the index
    x.max(other)     the elementwise maximum with a tensor (`maximum`)

Several dims at once are `amax`/`amin` (reduce.py). numpy's `np.max(t, axis)` keeps numpy's
meaning (values only, any axes).

Each op here computes its indices first, on the array, then gathers the values through one
recorded op (MaxDim, MinDim, Sort, TopK) that takes the indices as a constant: backward scatters
the gradient back to them (ScatterAdd, itself differentiable, so higher orders follow). The
indices are int64 tensors without a gradient, as in PyTorch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import return_types
from ..function import Function
from ..registry import register, to_tensor
from ..tensor import Tensor
from ._axes import normalize_axes
from .elementwise import Maximum, Minimum
from .indexing import ScatterAdd
from .reduce import Max, Min


def along_axis_index(indices: np.ndarray, axis: int) -> tuple[np.ndarray, ...]:
    """The index tuple with which `a[index]` is `np.take_along_axis(a, indices, axis)`."""
    ndim = indices.ndim
    index = []
    for d, n in enumerate(indices.shape):
        if d == axis:
            index.append(indices)
        else:
            shape = [1] * ndim
            shape[d] = n
            index.append(np.arange(n).reshape(shape))
    return tuple(index)


class _Gather(Function):
    """Values at `indices` along `axis` (the indices have x's ndim: a keepdims shape).
    A 0-d x is read as one element along axis 0."""

    @staticmethod
    def forward(ctx, x, indices, axis, keepdims=True):
        ctx.shape = x.shape
        ctx.axis = axis
        ctx.indices = indices
        values = np.take_along_axis(x.reshape(x.shape or (1,)), indices, axis)
        if not x.ndim:
            return values.reshape(())
        return values if keepdims else np.squeeze(values, axis)

    @staticmethod
    def backward(ctx, g):
        indices = ctx.indices
        flat_shape = ctx.shape or (1,)
        g = g.reshape(indices.shape)
        out = ScatterAdd.call(g, shape=flat_shape, index=along_axis_index(indices, ctx.axis))
        return out.reshape(ctx.shape) if not ctx.shape else out


class MaxDim(_Gather):
    """`x.max(dim)`'s values: the gradient goes to the returned index only (PyTorch's rule;
    the full reduction `x.max()` shares it among ties instead)."""

    op = "max"


class MinDim(_Gather):
    """`x.min(dim)`'s values: the gradient goes to the returned index only."""

    op = "min"


class Sort(_Gather):
    """`x.sort(dim)`'s values: the gradient of each goes back to where it came from.
    (`descending` is recorded for the ONNX export, which sorts again.)"""

    op = "sort"

    @staticmethod
    def forward(ctx, x, indices, axis, descending=False):
        return _Gather.forward(ctx, x, indices, axis)


class TopK(_Gather):
    """`x.topk(k, dim)`'s values: the gradient of each goes back to where it came from.
    (`largest` is recorded for the ONNX export, which selects again.)"""

    op = "topk"

    @staticmethod
    def forward(ctx, x, indices, axis, largest=True):
        return _Gather.forward(ctx, x, indices, axis)


# ----------------------------------------------------------------------------- helpers
def _one_dim(op: str, dim: Any, ndim: int) -> int:
    if isinstance(dim, bool) or not isinstance(dim, int | np.integer):
        raise TypeError(
            f"{op}: dim must be an int, got {dim!r}"
            + (f"; for several dims use a{op}(dim={dim!r})" if op in ("max", "min") else "")
        )
    if ndim == 0 and dim in (0, -1):  # a 0-d tensor is one element along dim 0 (PyTorch)
        return 0
    (axis,) = normalize_axes(int(dim), ndim)
    return axis


def _flat(x: Tensor) -> np.ndarray:
    """x's array, with a 0-d array read as one element along axis 0."""
    return x.data.reshape(x.shape or (1,))


def _index_tensor(indices: np.ndarray, x: Tensor, axis: int, keepdims: bool) -> Tensor:
    if not x.ndim:
        indices = indices.reshape(())
    elif not keepdims:
        indices = np.squeeze(indices, axis)
    return Tensor._make(np.asarray(indices, dtype=np.int64))


def _along_dim(op: str, cls: type[_Gather], x: Tensor, dim: Any, keepdim: bool) -> tuple:
    axis = _one_dim(op, dim, x.ndim)
    if x.ndim and x.shape[axis] == 0:
        raise IndexError(
            f"{op}: cannot take the {op}imum over dim {dim} of size 0 (shape {x.shape})"
        )
    arg = np.argmax if op == "max" else np.argmin
    indices = arg(_flat(x), axis=axis, keepdims=True)
    values = cls.apply(x, indices=indices, axis=axis, keepdims=bool(keepdim))
    return values, _index_tensor(indices, x, axis, bool(keepdim))


def _extremum(op: str, x: Any, dim: Any, keepdim: Any, axis: Any, keepdims: Any) -> Any:
    x = to_tensor(x)
    dim = dim if axis is None else axis
    keepdim = keepdim if keepdims is None else keepdims
    if isinstance(dim, Tensor | np.ndarray):  # torch.max(a, b): the elementwise form
        if keepdim:
            raise TypeError(f"{op}(input, other) takes no keepdim")
        return (Maximum if op == "max" else Minimum).apply(x, dim)
    if dim is None:
        if keepdim:
            raise TypeError(f"{op}: keepdim needs a dim (x.{op}(dim, keepdim=True))")
        return (Max if op == "max" else Min).apply(x)
    cls, result = (MaxDim, return_types.max) if op == "max" else (MinDim, return_types.min)
    return result(*_along_dim(op, cls, x, dim, keepdim))


Dim = int | None


# ------------------------------------------------------------------------------ public
@register("max")
def max(  # noqa: A001 - PyTorch's name
    x: Any,
    dim: Any = None,
    keepdim: bool = False,
    *,
    axis: Dim = None,
    keepdims: bool | None = None,
) -> Any:
    """`x.max()`: the largest element; `x.max(dim, keepdim=False)`: a named tuple
    `(values, indices)` along dim; `x.max(other)`: the elementwise maximum (see the module
    docstring for the gradients)."""
    return _extremum("max", x, dim, keepdim, axis, keepdims)


@register("min")
def min(  # noqa: A001 - PyTorch's name
    x: Any,
    dim: Any = None,
    keepdim: bool = False,
    *,
    axis: Dim = None,
    keepdims: bool | None = None,
) -> Any:
    """`x.min()`, `x.min(dim, keepdim=False)` -> (values, indices), `x.min(other)`: as `max`."""
    return _extremum("min", x, dim, keepdim, axis, keepdims)


def _arg(op: str, x: Any, dim: Any, keepdim: bool) -> Tensor:
    x = to_tensor(x)
    if dim is None:
        found = (np.argmax if op == "argmax" else np.argmin)(x.data, axis=None, keepdims=keepdim)
        return Tensor._make(np.asarray(found, dtype=np.int64))
    axis = _one_dim(op, dim, x.ndim)
    if x.ndim and x.shape[axis] == 0:
        raise IndexError(f"{op}: dim {dim} of shape {x.shape} is empty")
    found = (np.argmax if op == "argmax" else np.argmin)(_flat(x), axis=axis, keepdims=True)
    return _index_tensor(found, x, axis, keepdim)


@register("argmax")
def argmax(
    x: Any,
    dim: Dim = None,
    keepdim: bool = False,
    *,
    axis: Dim = None,
    keepdims: bool | None = None,
) -> Tensor:
    """Index of the maximum (int64; the first one on ties, NaN counting as the largest): of
    the flattened tensor without dim, else along dim. Not differentiable."""
    return _arg(
        "argmax", x, dim if axis is None else axis, keepdim if keepdims is None else keepdims
    )


@register("argmin")
def argmin(
    x: Any,
    dim: Dim = None,
    keepdim: bool = False,
    *,
    axis: Dim = None,
    keepdims: bool | None = None,
) -> Tensor:
    """Index of the minimum (int64; the first one on ties): as `argmax`."""
    return _arg(
        "argmin", x, dim if axis is None else axis, keepdim if keepdims is None else keepdims
    )


def _sort_order(a: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """Stable sort order along axis: equal values keep their order, either direction; NaN
    counts as the largest value (PyTorch's order)."""
    if not descending:
        return np.argsort(a, axis=axis, kind="stable")
    # Ascending on the reversed array, reversed back: descending, and equal values still in
    # their original order.
    n = a.shape[axis]
    order = np.argsort(np.flip(a, axis), axis=axis, kind="stable")
    return n - 1 - np.flip(order, axis)


@register("sort")
def sort(
    x: Any,
    dim: int = -1,
    descending: bool = False,
    *,
    stable: bool = False,
    axis: Dim = None,
) -> return_types.sort:
    """`(values, indices)`: x sorted along dim (the last by default), NaN last (first when
    descending). The sort is always stable (`stable` is accepted for PyTorch's signature).
    The gradient of each value goes back to the position it came from."""
    x = to_tensor(x)
    axis = _one_dim("sort", dim if axis is None else axis, x.ndim)
    indices = _sort_order(_flat(x), axis, bool(descending))
    values = Sort.apply(x, indices=indices, axis=axis, descending=bool(descending))
    return return_types.sort(values, _index_tensor(indices, x, axis, True))


@register("topk")
def topk(
    x: Any,
    k: int,
    dim: int = -1,
    largest: bool = True,
    sorted: bool = True,  # noqa: A002 - PyTorch's name
    *,
    axis: Dim = None,
) -> return_types.topk:
    """`(values, indices)`: the k largest (smallest with largest=False) values along dim, in
    order. Among equal values the first positions win. `sorted=False` is accepted (PyTorch
    then leaves the order unspecified; here it is sorted anyway)."""
    x = to_tensor(x)
    axis = _one_dim("topk", dim if axis is None else axis, x.ndim)
    n = _flat(x).shape[axis]
    if isinstance(k, bool) or not isinstance(k, int | np.integer):
        raise TypeError(f"topk: k must be an int, got {k!r}")
    if not 0 <= k <= n:
        raise IndexError(f"topk: k={k} is out of range for dim {dim} of size {n} (shape {x.shape})")
    order = _sort_order(_flat(x), axis, bool(largest))
    # A 0-d tensor is its own top 1, whatever k (0 or 1) asks for, as in PyTorch.
    indices = np.take(order, np.arange(int(k) if x.ndim else 1), axis=axis)
    values = TopK.apply(x, indices=indices, axis=axis, largest=bool(largest))
    return return_types.topk(values, _index_tensor(indices, x, axis, True))
