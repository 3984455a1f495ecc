"""Rounding: floor, ceil, trunc (fix), round(decimals), frac, and fmod, with PyTorch's values
and gradients. (sign/sgn is in elementwise.py; `//` and `%`, floor_divide and remainder, in
floor_division.py.)

floor, ceil, trunc and round are piecewise constant: their outputs require grad, as PyTorch's
do, and their gradient is zero (zeros even from an infinite or NaN incoming gradient, as
PyTorch's zeros_like). frac is x - trunc(x), with gradient 1. fmod is C's fmod, with the
dividend's sign (remainder, Python's %, takes the divisor's); its gradients are PyTorch's: 1
for the dividend, -trunc(a / b) for the divisor. Integers divided by zero raise as `%` does.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Function
from ..promotion import promote
from ..registry import binary, register, to_tensor
from ..tensor import Tensor
from .elementwise import zero_gradient
from .floor_division import checked


class _ZeroGradient(Function):
    """A piecewise-constant elementwise op: the gradient is zeros of the input's shape."""

    @staticmethod
    def backward(ctx, g):
        return zero_gradient(ctx.args[0], g)


def _integers_kept(x: np.ndarray, f: Any) -> np.ndarray:
    """f(x) for floats; a copy of a bool or integer x, which is already whole (PyTorch's)."""
    return x.copy() if x.dtype.kind in "biu" else f(x)


@register("floor")
class Floor(_ZeroGradient):
    """The largest whole number <= x; integer tensors as they are (a copy)."""

    op = "floor"

    @staticmethod
    def forward(ctx, x):
        return _integers_kept(x, np.floor)


@register("ceil")
class Ceil(_ZeroGradient):
    """The smallest whole number >= x; integer tensors as they are (a copy)."""

    op = "ceil"

    @staticmethod
    def forward(ctx, x):
        return _integers_kept(x, np.ceil)


@register("trunc", "fix")
class Trunc(_ZeroGradient):
    """x rounded toward zero; integer tensors as they are (a copy)."""

    op = "trunc"

    @staticmethod
    def forward(ctx, x):
        return _integers_kept(x, np.trunc)


class Round(_ZeroGradient):
    """x rounded to `decimals` decimal places, halves to even (PyTorch's and numpy's)."""

    op = "round"

    @staticmethod
    def forward(ctx, x, decimals=0):
        if decimals == 0:
            return _integers_kept(x, np.rint)
        with np.errstate(over="ignore"):  # x * 10**decimals may overflow to inf, as PyTorch's
            return np.round(x, decimals)


@register("round")
def round(x: Any, decimals: int = 0) -> Tensor:  # noqa: A001
    """x rounded to the nearest whole number (or `decimals` places), halves to even; the
    gradient is zero. Integer tensors round only with decimals=0, as in PyTorch."""
    x = to_tensor(x)
    if decimals != 0 and x.dtype.kind in "biu":
        raise TypeError(f"round: decimals= is for floating-point tensors, not {x.dtype}")
    return Round.apply(x, decimals=int(decimals))


@register("frac")
def frac(x: Any) -> Tensor:
    """The fractional part, x - trunc(x), with x's sign; the gradient is 1."""
    x = to_tensor(x)
    if x.dtype.kind not in "f":
        raise TypeError(f"frac: expected a floating-point tensor, got {x.dtype}")
    return x - Tensor._make(np.trunc(x.data))  # a constant: the gradient passes unchanged


@register("fmod", form=binary)
class Fmod(Function):
    """C's fmod: a - b * trunc(a / b), with the dividend's sign."""

    op = "fmod"

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote(a, b)  # PyTorch's dtype (promotion.py), not numpy's
        checked("fmod", a, b)
        if ctx.recording and ctx.needs_input_grad[1]:
            # The rounded quotient, a constant of the graph, in the op's dtype (as PyTorch's
            # a.div(b, rounding_mode="trunc")): only the divisor's gradient reads it
            with np.errstate(all="ignore"):
                ctx.quotient = np.trunc(np.true_divide(a, b))
        with np.errstate(all="ignore"):
            return np.fmod(a, b)

    @staticmethod
    def backward(ctx, g):
        need_a, need_b = ctx.needs_input_grad
        gb = -g * ctx.quotient if need_b else None  # -g * trunc(a / b)
        return (g if need_a else None), gb
