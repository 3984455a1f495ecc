"""Conversions: to another dtype (`astype`, `to`, PyTorch's `float()` ... `bool()`) and copies
(`clone`). Differentiable between floating-point dtypes; a conversion to the dtype a tensor
already has returns the tensor itself, as PyTorch's do (`clone()` always copies).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..device import to_arguments
from ..dtypes import DTypeLike, converted
from ..function import Function
from ..registry import register, to_tensor
from ..tensor import Tensor


class Cast(Function):
    """Convert to another dtype; the gradient converts back."""

    op = "astype"

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.in_dtype = x.dtype
        return converted(x, dtype)  # float64 to float16 rounded as PyTorch's (dtypes.py)

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, np.ndarray):
            return converted(g, ctx.in_dtype)
        return g.astype(ctx.in_dtype)  # create_graph: the op itself


@register(methods=("astype",))
def astype(x: Tensor, dtype: DTypeLike) -> Tensor:
    """A copy converted to `dtype` (numpy's: always a copy); differentiable between
    floating-point dtypes."""
    return Cast.apply(x, dtype=np.dtype(dtype))


def _converted(x: Tensor, dtype: np.dtype) -> Tensor:
    return x if x.data.dtype == dtype else Cast.apply(x, dtype=dtype)


@register(methods=("to",))
def to(x: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """PyTorch's `x.to(dtype)`, `x.to("cpu")`, `x.to("cpu", dtype)`, `x.to(other)` (other's
    dtype), keywords `dtype=`, `device=`, `copy=`: `x` itself when nothing changes (unless
    `copy=True`). Any device but the CPU raises, saying why."""
    dtype = to_arguments("Tensor", args, kwargs)
    if kwargs.get("copy"):
        return Cast.apply(x, dtype=x.data.dtype if dtype is None else dtype)
    return x if dtype is None else _converted(x, dtype)


def _conversion(name: str, dtype: Any) -> None:
    dtype = np.dtype(dtype)

    def convert(x: Tensor) -> Tensor:
        return _converted(x, dtype)

    convert.__name__ = convert.__qualname__ = name
    convert.__doc__ = f"`x.{name}()`: `x` as {dtype} (itself if it is already)."
    register(methods=(name,))(convert)


for _name, _dtype in (
    ("half", np.float16),
    ("float", np.float32),
    ("double", np.float64),
    ("byte", np.uint8),
    ("char", np.int8),
    ("short", np.int16),
    ("int", np.int32),
    ("long", np.int64),
    ("bool", np.bool_),
):
    _conversion(_name, _dtype)


@register(methods=("type_as",))
def type_as(x: Tensor, other: Tensor) -> Tensor:
    """`x` as `other`'s dtype."""
    return _converted(x, np.dtype(other.dtype))


@register("clone")
def clone(x: Any) -> Tensor:
    """A copy that stays in the graph: the gradient flows through to `x` (PyTorch's clone)."""
    x = to_tensor(x)
    return Cast.apply(x, dtype=x.data.dtype)
