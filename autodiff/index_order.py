"""PyTorch's order for an index that mixes integers with arrays.

numpy counts an integer in a tuple index as an advanced index when the tuple also holds arrays:
it broadcasts with them, and when the advanced indices are not next to each other the
broadcast dims go first. PyTorch applies integers first, as basic indexing (a 0-d integer
tensor too), and only then the arrays, among the dims that are left. The two differ exactly
when that changes which advanced indices are adjacent:

    x.shape == (2, 3, 4)
    x[0, :, [1, 2]]      # numpy: (2, 3); PyTorch: (3, 2), x[0][:, [1, 2]]

`split_at_integers` cuts such an index in two that numpy applies one after the other, with
PyTorch's result: the basic part (integers, slices, None, Ellipsis) and, on what it leaves,
the advanced part (the arrays, with full slices for the other dims).
"""

from __future__ import annotations

from typing import Any

import numpy as np

Index = tuple[Any, ...]


def split_at_integers(index: Any, ndim: int) -> tuple[Index, Index] | None:
    """(basic, advanced) for `index` (numpy's, its Tensors already arrays) into an
    `ndim`-d array, such that `a[basic][advanced]` is PyTorch's `a[index]`; None when numpy's
    own `a[index]` is PyTorch's already (no integer, or no array, in the tuple)."""
    if not isinstance(index, tuple):
        return None
    if not any(map(_is_integer, index)) or not any(map(_is_array, index)):
        return None
    given = sum(_dims_taken(p) for p in index if p is not Ellipsis)
    basic: list[Any] = []
    advanced: list[Any] = []
    for part in index:
        if part is Ellipsis:  # the dims it stands for stay, whole, for the advanced part
            basic.append(Ellipsis)
            advanced.extend([slice(None)] * max(ndim - given, 0))
        elif _is_integer(part):  # selected now: its dim is gone
            basic.append(int(part))
        elif part is None or isinstance(part, slice):
            basic.append(part)
            advanced.append(slice(None))
        elif _is_bool_scalar(part):  # PyTorch: a new dim of size 1, indexed by [0] or []
            basic.append(None)
            advanced.append(np.arange(int(bool(part)), dtype=np.intp))
        else:  # an integer array (one dim) or a mask (its own dims)
            basic.extend([slice(None)] * _dims_taken(part))
            advanced.append(part)
    return tuple(basic), tuple(advanced)


def _is_integer(part: Any) -> bool:
    """An int, numpy integer or 0-d integer array (PyTorch's 0-d integer tensor): a select."""
    if isinstance(part, np.ndarray):
        return part.ndim == 0 and part.dtype.kind in "iu"
    return isinstance(part, int | np.integer) and not isinstance(part, bool | np.bool_)


def _is_bool_scalar(part: Any) -> bool:
    if isinstance(part, np.ndarray):
        return part.ndim == 0 and part.dtype == bool
    return isinstance(part, bool | np.bool_)


def _is_array(part: Any) -> bool:
    """An advanced index: an integer array of one or more dims, a mask, a bool scalar."""
    if isinstance(part, np.ndarray):
        return part.ndim > 0 or part.dtype == bool
    return isinstance(part, bool | np.bool_)


def _dims_taken(part: Any) -> int:
    """How many of the array's dims an index entry consumes."""
    if part is None or _is_bool_scalar(part):
        return 0
    if isinstance(part, np.ndarray) and part.dtype == bool:
        return part.ndim
    return 1
