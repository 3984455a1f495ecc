"""Results without a gradient: comparisons, the logical and bitwise operators on bool and integer
tensors (`&`, `|`, `^`, `~`, `logical_and`, ...), all/any (argmax/argmin are in select.py;
sign, whose float result carries a zero gradient as PyTorch's, is in elementwise.py).

They compute on the arrays and return tensors that record nothing (`requires_grad` False):
there is no gradient to send back through them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..dtypes import check_bitwise
from ..errors import ShapeError
from ..promotion import promote
from ..registry import OPERANDS, register, to_tensor
from ..tensor import Tensor

Axis = int | tuple[int, ...] | None


def _combined(name: str, ufunc: np.ufunc, a: Tensor, b: Any, reflected: bool = False) -> Tensor:
    """ufunc(a, b) (or ufunc(b, a)) on the arrays, as a Tensor that records nothing; shapes that
    do not broadcast raise a ShapeError naming `name`."""
    b = b.data if isinstance(b, Tensor) else b
    left, right = (b, a.data) if reflected else (a.data, b)
    try:
        return Tensor._make(np.asarray(ufunc(left, right)))
    except ValueError as e:
        raise ShapeError(
            f"{name}: shapes {a.shape} and {np.shape(b)} cannot be broadcast together"
        ) from e


def _comparison(ufunc: np.ufunc) -> Any:
    def compare(a: Tensor, b: Any) -> Tensor:
        if not isinstance(b, OPERANDS):
            return NotImplemented
        # Compared in PyTorch's promoted dtype (promotion.py), not numpy's: an int64 tensor
        # with a float32 one in float32, a float32 tensor with a 0-d float64 one in float32
        x, y = a.data, b.data if isinstance(b, Tensor) else b
        if type(y) is not np.ndarray or x.dtype is not y.dtype:
            x, y = promote(x, y)
        try:
            return Tensor._make(np.asarray(ufunc(x, y)))
        except ValueError as e:
            raise ShapeError(
                f"{ufunc.__name__}: shapes {a.shape} and {np.shape(y)} cannot be broadcast together"
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


def _bitwise(ufunc: np.ufunc, symbol: str, reflected: bool = False) -> Any:
    def operator(a: Tensor, b: Any) -> Tensor:
        if not isinstance(b, OPERANDS):
            return NotImplemented
        check_bitwise(symbol, a.data, b.data if isinstance(b, Tensor) else b)
        return _combined(symbol, ufunc, a, b, reflected)

    operator.__name__ = ufunc.__name__
    operator.__doc__ = f"Elementwise `{symbol}` of bool or integer tensors (no gradient)."
    return operator


for _dunder, _ufunc, _symbol in (
    ("and", np.bitwise_and, "&"),
    ("or", np.bitwise_or, "|"),
    ("xor", np.bitwise_xor, "^"),
):
    register(methods=(f"__{_dunder}__",))(_bitwise(_ufunc, _symbol))
    register(methods=(f"__r{_dunder}__",))(_bitwise(_ufunc, _symbol, reflected=True))
del _dunder, _ufunc, _symbol


@register(methods=("__invert__",))
def invert(x: Tensor) -> Tensor:
    """`~x`: logical not of a bool tensor, bitwise not of an integer one (no gradient)."""
    check_bitwise("~", x.data)
    return Tensor._make(np.asarray(np.invert(x.data)))


def _logical(ufunc: np.ufunc) -> Any:
    def logical(a: Any, b: Any) -> Tensor:
        return _combined(ufunc.__name__, ufunc, to_tensor(a), to_tensor(b))

    logical.__name__ = ufunc.__name__
    logical.__doc__ = (
        f"Elementwise {ufunc.__name__} of any tensors, nonzero as True: a bool tensor."
    )
    return logical


for _ufunc in (np.logical_and, np.logical_or, np.logical_xor):
    register(_ufunc.__name__)(_logical(_ufunc))
del _ufunc


@register("logical_not")
def logical_not(x: Any) -> Tensor:
    """Elementwise not of any tensor, zero as True: a bool tensor (no gradient)."""
    return Tensor._make(np.asarray(np.logical_not(to_tensor(x).data)))


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
