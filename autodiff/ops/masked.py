"""Boolean masks, PyTorch's: `masked_fill` (and in place, `masked_fill_`), `masked_select`, and
`x.where(condition, y)`.

Composites of `where` and mask indexing, so their gradients are those ops': `masked_fill` sends
the gradient to input where the mask is False and (summed) to a tensor value where it is True;
`masked_select` scatters it back to the selected positions. Masks must be bool, as PyTorch's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ShapeError
from ..registry import register, to_tensor
from ..tensor import Tensor
from .elementwise import Where, where


def _mask(op: str, mask: Any) -> np.ndarray:
    """The array of a bool mask (a tensor or numpy array); PyTorch's error for any other."""
    arr = mask.data if isinstance(mask, Tensor) else mask
    if not isinstance(arr, np.ndarray) or arr.dtype != np.bool_:
        dtype = getattr(arr, "dtype", type(arr).__name__)
        raise RuntimeError(
            f"{op}: expected a bool mask (PyTorch: only supports boolean masks), but got mask "
            f"with dtype {dtype}"
        )
    return arr


def _fill_value(op: str, value: Any, dtype: np.dtype) -> Any:
    """A number as a 0-d array of x's dtype (PyTorch casts it: 1.5 into an int64 tensor is 1);
    a tensor value must be 0-d, and stays in the graph (converted to x's dtype)."""
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(
                f"{op} only supports a 0-dimensional value tensor, but got tensor with "
                f"{value.ndim} dimension(s)."
            )
        return value if value.dtype == dtype else value.to(dtype)
    if not np.isscalar(value) or isinstance(value, str):
        raise TypeError(f"{op}: value must be a number or a 0-d tensor, got {value!r}")
    return np.asarray(value).astype(dtype)


@register("masked_fill")
def masked_fill(input: Any, mask: Any, value: Any) -> Tensor:  # noqa: A002
    """`value` where `mask` (bool, broadcasting with input) is True, input elsewhere; the
    result has input's dtype. The gradient goes to input where the mask is False and, summed,
    to a tensor value where it is True."""
    x = to_tensor(input)
    m = _mask("masked_fill", mask)
    try:
        np.broadcast_shapes(m.shape, x.shape)
    except ValueError:
        raise ShapeError(
            f"masked_fill: the mask's shape {m.shape} does not broadcast with input's {x.shape}"
        ) from None
    return Where.apply(mask, _fill_value("masked_fill", value, x.dtype), x)


@register(methods=("masked_fill_",))
def masked_fill_(self: Tensor, mask: Any, value: Any) -> Tensor:
    """In place: `value` written where `mask` (bool, broadcasting to self's shape) is True. An
    in-place update, as `fill_` (autodiff/inplace.py): refused on a tensor that requires grad
    while grad mode is on, and it bumps the version."""
    m = _mask("masked_fill_", mask)
    try:
        fits = np.broadcast_shapes(m.shape, self.shape) == self.shape
    except ValueError:
        fits = False
    if not fits:
        raise ShapeError(
            f"masked_fill_: the mask's shape {m.shape} does not broadcast to the tensor's "
            f"shape {self.shape} (an in-place result keeps the tensor's shape)"
        )
    fill = _fill_value("masked_fill_", value, self.dtype)
    self._check_inplace("masked_fill_", value)
    np.copyto(self.data, fill.data if isinstance(fill, Tensor) else fill, where=m)
    return self


@register("masked_select")
def masked_select(input: Any, mask: Any) -> Tensor:  # noqa: A002
    """The elements of input where `mask` is True (both broadcast to one shape), as a 1-d
    tensor in row-major order. The gradient goes back to the selected elements."""
    x = to_tensor(input)
    m = _mask("masked_select", mask)
    try:
        shape = np.broadcast_shapes(m.shape, x.shape)
    except ValueError:
        raise ShapeError(
            f"masked_select: the mask's shape {m.shape} does not broadcast with input's {x.shape}"
        ) from None
    if x.shape != shape:
        x = x.broadcast_to(shape)
    if m.shape != shape:
        mask = np.broadcast_to(m, shape)
    return x[mask]  # 1-d: a mask over every dim (a 0-d one too) selects into one dim


@register(methods=("where",))
def where_method(x: Tensor, condition: Any, y: Any) -> Tensor:
    """PyTorch's `x.where(condition, y)`: `where(condition, x, y)`."""
    return where(condition, x, y)
