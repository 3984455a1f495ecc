"""Results without a gradient: comparisons, sign, all/any (argmax/argmin are in select.py).

They compute on the arrays and return tensors that record nothing (`requires_grad` False):
there is no gradient to send back through them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ShapeError
from ..registry import OPERANDS, register, to_tensor
from ..tensor import Tensor

Axis = int | tuple[int, ...] | None


def _comparison(ufunc: np.ufunc) -> Any:
    def compare(a: Tensor, b: Any) -> Tensor:
        if not isinstance(b, OPERANDS):
            return NotImplemented
        b = b.data if isinstance(b, Tensor) else b
        try:
            return Tensor._make(np.asarray(ufunc(a.data, b)))
        except ValueError as e:
            raise ShapeError(
                f"{ufunc.__name__}: shapes {a.shape} and {np.shape(b)} cannot be broadcast together"
            ) from e

    compare.__name__ = ufunc.__name__
    compare.__doc__ = f"Elementwise {ufunc.__name__} (a bool tensor; no gradient)."
    return compare


for _dunder, _ufunc in (
    ("__lt__", np.less),
    ("__le__", np.less_equal),
    ("__gt__", np.greater),
    ("__ge__", np.greater_equal),
    ("__eq__", np.equal),
    ("__ne__", np.not_equal),
):
    register(methods=(_dunder,))(_comparison(_ufunc))
del _dunder, _ufunc


@register("sign")
def sign(x: Any) -> Tensor:
    """Elementwise sign (-1, 0, 1; 0 at NaN, as PyTorch's); not differentiable (the result does
    not require grad)."""
    sign = np.sign(to_tensor(x).data)
    return Tensor._make(np.nan_to_num(sign, nan=0.0) if np.isnan(sign).any() else sign)


@register(methods=("all",))
def all_(
    x: Tensor,
    axis: Axis = None,
    keepdims: bool = False,
    *,
    dim: Axis = None,
    keepdim: bool | None = None,
) -> Tensor:
    """True where every element (along `axis`) is true."""
    axis = axis if dim is None else dim
    keepdims = keepdims if keepdim is None else keepdim
    return Tensor._make(np.asarray(np.all(x.data, axis=axis, keepdims=keepdims)))


@register(methods=("any",))
def any_(
    x: Tensor,
    axis: Axis = None,
    keepdims: bool = False,
    *,
    dim: Axis = None,
    keepdim: bool | None = None,
) -> Tensor:
    """True where some element (along `axis`) is true."""
    axis = axis if dim is None else dim
    keepdims = keepdims if keepdim is None else keepdim
    return Tensor._make(np.asarray(np.any(x.data, axis=axis, keepdims=keepdims)))
