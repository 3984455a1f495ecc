"""Floor division and remainder: `a // b` (`floor_divide`) and `a % b` (`remainder`).

Both round the quotient down, as PyTorch's and Python's: the remainder takes the divisor's
sign (`-7 % 3 == 2`, `7 % -3 == -2`), and `a == (a // b) * b + a % b`. numpy's
`floor_divide` computes PyTorch's values (the same algorithm: fmod, corrected towards the
floor), and so does its `remainder` but for the sign of a zero remainder, so the float one is
written out here. Division by zero between integers, which numpy answers with 0 and a warning,
PyTorch refuses (RuntimeError "ZeroDivisionError"), as these do. Float division by zero gives
inf or NaN in both, without numpy's warnings.

`a // b` is piecewise constant and PyTorch gives it no derivative: its result requires grad,
but a backward that reaches it raises. The remainder's gradient is PyTorch's: `g` for `a`,
`-g * (a // b)` for `b` (also in `3 % b`, for which PyTorch has none and raises).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Function
from ..numpy_protocol import array_of
from ..promotion import promote
from ..registry import binary, register
from ..tensor import Tensor


def checked(op: str, a: np.ndarray, b: np.ndarray) -> None:
    """Refuse what PyTorch refuses: integers divided by zero, and bool by bool."""
    kind = np.result_type(a, b).kind
    if kind == "b":
        raise NotImplementedError(f"{op}: not implemented for bool tensors (PyTorch's words)")
    if kind in "iu" and np.any(np.asarray(b) == 0):
        raise RuntimeError(f"{op}: ZeroDivisionError (an integer divided by zero, as PyTorch)")


def _floor_divide(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """a // b on arrays (into `out`, for `//=`), refusing what PyTorch refuses."""
    checked("floor_divide", a, b)
    with np.errstate(all="ignore"):  # inf and NaN, as PyTorch's
        return np.floor_divide(a, b, out=out)


def _remainder(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """a % b on arrays (into `out`, for `%=`), refusing what PyTorch refuses."""
    checked("remainder", a, b)
    if np.result_type(a, b).kind != "f":
        return np.remainder(a, b, out=out)
    # PyTorch's float remainder: fmod, moved by b where its sign is not b's. A zero keeps
    # fmod's sign (-5.0 % 2.5 is -0.0), where numpy's remainder gives b's (+0.0).
    with np.errstate(all="ignore"):  # NaN for a zero divisor or an infinite a
        mod = np.fmod(a, b)
        mod = np.where((mod != 0) & ((b < 0) != (mod < 0)), mod + b, mod)
    if out is None:
        return mod
    out[...] = mod
    return out


@register("floor_divide", operator="floordiv", numpy=np.floor_divide, form=binary)
class FloorDivide(Function):
    """a // b, rounded down; no derivative (a backward through it raises, as PyTorch's)."""

    op = "//"

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote(a, b)  # PyTorch's dtype, not numpy's (promotion.py)
        return _floor_divide(a, b)

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError(
            "floor_divide (//): the derivative for 'floor_divide' is not implemented, as in "
            "PyTorch: a // b is piecewise constant. Compute it from detached tensors "
            "(a.detach() // b), or use a / b"
        )


@register("remainder", operator="mod", numpy=np.remainder, form=binary)
class Remainder(Function):
    """a % b, with the divisor's sign (Python's and PyTorch's rule)."""

    op = "%"

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote(a, b, ctx)
        if ctx.recording and ctx.needs_input_grad[1]:
            ctx.save_for_backward(a, b)
        return _remainder(a, b)

    @staticmethod
    def backward(ctx, g):
        need_a, need_b = ctx.needs_input_grad
        gb = None
        if need_b:
            a, b = ctx.saved_tensors
            with np.errstate(all="ignore"):  # PyTorch's -inf, NaN
                quotient = np.floor_divide(array_of(a), array_of(b))  # a constant of the graph
            gb = -g * quotient
        return (g if need_a else None), gb


# `x //= b` and `x %= b`: in place, as PyTorch's (and the other augmented assignments here,
# inplace.py), not `x = x // b`: the same tensor, dtype and shape, its version bumped.
@register(methods=("__ifloordiv__",), functions=())
def ifloordiv(x: Tensor, other: Any) -> Tensor:
    return x._update("//=", _floor_divide, other)


@register(methods=("__imod__",), functions=())
def imod(x: Tensor, other: Any) -> Tensor:
    return x._update("%=", _remainder, other)
