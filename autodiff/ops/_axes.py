"""Axis arguments: normalise `axis` (None, an int, or several) against a shape."""

from __future__ import annotations

import operator
from collections.abc import Sequence

import numpy as np


def normalize_axes(axis: int | Sequence[int] | None, ndim: int) -> tuple[int, ...]:
    """All axes for None; otherwise the given axes made non-negative (checked, no repeats).

    `normalize_axes_reference`, with a fast path for the common case, one int axis that is
    already a valid non-negative one (`g.sum(axis=0)` in linear's backward); tests compare the
    two."""
    if type(axis) is int and 0 <= axis < ndim:
        return (axis,)
    return normalize_axes_reference(axis, ndim)


def normalize_axes_reference(axis: int | Sequence[int] | None, ndim: int) -> tuple[int, ...]:
    """The plain version of `normalize_axes`."""
    if axis is None:
        return tuple(range(ndim))
    axes = tuple(axis) if isinstance(axis, list | tuple) else (axis,)
    out = []
    for a in axes:
        # an int, a numpy integer or a 0-d integer tensor (its __index__, as PyTorch takes it);
        # not a bool, which PyTorch refuses (x.sum(True) is no keepdim=True)
        if isinstance(a, bool | np.bool_) or not hasattr(type(a), "__index__"):
            raise TypeError(f"axis must be an int or a tuple of ints, got {a!r}")
        a = operator.index(a)
        # a 0-d tensor takes 0 and -1, as PyTorch's (its dims count as one)
        if not -max(ndim, 1) <= a < max(ndim, 1):
            raise np.exceptions.AxisError(f"axis {a} is out of bounds for {ndim}-d input")
        out.append(int(a) % max(ndim, 1) if ndim else 0)
    if len(set(out)) != len(out):
        raise ValueError(f"repeated axis in {axis}")
    return tuple(out) if ndim else ()


def reduced_dims(dim: int | Sequence[int] | None) -> int | Sequence[int] | None:
    """PyTorch's `dim` of a reduction: an empty one (`dim=()`, `dim=[]`) reduces every dim, as
    None does. (numpy's `axis=()` reduces none: numpy's functions on a Tensor skip this.)"""
    if isinstance(dim, tuple | list) and not dim:
        return None
    return dim


def kept_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """`shape` with the reduced axes set to 1 (the keepdims shape): `kept_shape_reference`,
    by slicing for one axis (tests compare the two)."""
    if len(axes) == 1 and type(shape) is tuple:
        a = axes[0]
        if 0 <= a < len(shape):
            return shape[:a] + (1,) + shape[a + 1 :]
    return kept_shape_reference(shape, axes)


def kept_shape_reference(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """The plain version of `kept_shape`."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))
