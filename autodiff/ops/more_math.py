"""More elementwise math, PyTorch's: sinh, cosh, acos (arccos), log2, log10, atan2 (arctan2)
and hypot as ops; logit, xlogy, float_power, lerp, addcmul, addcdiv as composites of the
arithmetic ops, by PyTorch's formulas (the values agree with PyTorch's to the last bit or so:
its kernels may fuse a multiply-add or use another libm); heaviside (no gradient, as PyTorch
implements none).
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from ..dtypes import float_valued, get_default_dtype
from ..function import Function
from ..numpy_protocol import array_of
from ..promotion import promote, promote_to_float, result_dtype, same_dtype
from ..registry import binary, register, to_tensor
from ..tensor import Tensor
from .elementwise import where

_LN2, _LN10 = math.log(2.0), math.log(10.0)


class _Hyperbolic(Function):
    """sinh or cosh (inf where it overflows, as PyTorch's); the gradient is the other one."""

    f = staticmethod(np.sinh)
    derivative: type[Function]  # set below, once both classes exist

    @classmethod
    def forward(cls, ctx, x):
        x = float_valued(x)
        ctx.save_for_backward(x)
        with np.errstate(over="ignore"):
            return cls.f(x)

    @classmethod
    def backward(cls, ctx, g):
        (x,) = ctx.saved_tensors
        return g * cls.derivative.call(x)


@register("sinh")
class Sinh(_Hyperbolic):
    """sinh(x); the gradient is cosh(x)."""

    op = "sinh"
    f = staticmethod(np.sinh)


@register("cosh")
class Cosh(_Hyperbolic):
    """cosh(x); the gradient is sinh(x)."""

    op = "cosh"
    f = staticmethod(np.cosh)


Sinh.derivative, Cosh.derivative = Cosh, Sinh


@register("acos", "arccos")
class Acos(Function):
    """arccos(x) in [0, pi] (NaN outside [-1, 1]); the gradient is -1 / sqrt(1 - x^2)."""

    op = "acos"

    @staticmethod
    def forward(ctx, x):
        x = float_valued(x)
        ctx.save_for_backward(x)
        with np.errstate(invalid="ignore"):
            return np.arccos(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        with np.errstate(all="ignore"):
            return -g / np.sqrt(1 - x * x)


class _LogBase(Function):
    """log(x) / log(base), by numpy's own log2 / log10 (exact at powers of the base); the
    gradient is 1 / (x log(base)), PyTorch's formula."""

    log = staticmethod(np.log2)
    ln_base = _LN2

    @classmethod
    def forward(cls, ctx, x):
        x = float_valued(x)
        ctx.save_for_backward(x)
        with np.errstate(all="ignore"):  # -inf at 0, NaN below
            return cls.log(x)

    @classmethod
    def backward(cls, ctx, g):
        (x,) = ctx.saved_tensors
        with np.errstate(all="ignore"):
            return g / (x * cls.ln_base)


@register("log2")
class Log2(_LogBase):
    op = "log2"
    log = staticmethod(np.log2)
    ln_base = _LN2


@register("log10")
class Log10(_LogBase):
    op = "log10"
    log = staticmethod(np.log10)
    ln_base = _LN10


@register("atan2", "arctan2", form=binary)
class Atan2(Function):
    """The angle of the point (b, a), atan2(a, b) in [-pi, pi] (PyTorch's atan2(input, other):
    input is y). Gradients: b / (a^2 + b^2) for a, -a / (a^2 + b^2) for b, and 0 at the
    origin, as PyTorch's."""

    op = "atan2"

    @staticmethod
    def forward(ctx, a, b):
        # PyTorch's dtype (promotion.py), integers in the default float dtype: int64 with
        # float16 is float16, float32 with a 0-d float64 float32 (numpy's would be float64)
        a, b = promote_to_float(a, b, ctx)
        ctx.save_for_backward(a, b)
        return np.arctan2(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        with np.errstate(all="ignore"):  # inf and NaN unwarned, as PyTorch's
            squares = a * a + b * b
            # 0 where a^2 + b^2 is 0 (the origin, or squares that underflow), as PyTorch's
            at_origin = np.asarray(array_of(squares) == 0)
            if at_origin.any():
                scaled = np.where(at_origin, 0, g / np.where(at_origin, 1, squares))
            else:
                scaled = g / squares
            return (scaled * b if need_a else None), (-scaled * a if need_b else None)


@register("hypot", form=binary)
class Hypot(Function):
    """sqrt(a^2 + b^2) without overflow; gradients a / out and b / out (PyTorch's)."""

    op = "hypot"

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote(a, b, ctx)  # PyTorch's dtype (promotion.py), not numpy's
        dtype = np.result_type(a, b)  # (a Python number takes the array's dtype)
        if dtype.kind != "f":
            raise NotImplementedError(  # a RuntimeError, as PyTorch's
                f"hypot: not implemented for {dtype} tensors (PyTorch's rule: it takes "
                "floating-point tensors; convert first, e.g. .float())"
            )
        out = np.hypot(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        with np.errstate(all="ignore"):
            scaled = g / out
            return (scaled * a if need_a else None), (scaled * b if need_b else None)


@register("logit")
def logit(x: Any, eps: float | None = None) -> Tensor:
    """log(x / (1 - x)), with x first clamped to [eps, 1 - eps] when eps is given (then the
    gradient is zero outside those bounds, as PyTorch's)."""
    x = to_tensor(x)
    if x.dtype.kind != "f":
        x = x.astype(float_valued(x.data).dtype)
    if eps is not None:
        x = x.clamp(eps, 1 - eps)
    with np.errstate(all="ignore"):  # +-inf at 1 and 0, as PyTorch's
        return (x / (1 - x)).log()


def _is_number(v: Any) -> bool:
    return isinstance(v, numbers.Number) and not isinstance(v, Tensor)


@register("xlogy")
def xlogy(x: Any, y: Any) -> Tensor:
    """x * log(y), and 0 where x == 0 (unless y is NaN), as PyTorch's; either may be a number.
    Gradients, PyTorch's: log(y) for x (0 where x == 0 and y <= 0), x / y for y (0 where
    x == y == 0, where PyTorch's is 0 / 0 = NaN)."""
    if _is_number(x) and _is_number(y):
        raise TypeError("xlogy: at least one of x and y must be a tensor")
    # PyTorch's dtype of x and y, integers in the default float dtype: both converted first
    # (in the graph), so that float16 x with an integer y stays float16
    dtype = result_dtype(*(v.data if isinstance(v, Tensor) else v for v in (x, y)))
    if dtype is not None and dtype.kind in "biu":
        dtype = get_default_dtype()
    x, y = (v.to(dtype) if isinstance(v, Tensor) and v.dtype != dtype else v for v in (x, y))
    x_values, y_values = np.asarray(array_of(x)), np.asarray(array_of(y))
    # Where x == 0 and log(y) is no number (y <= 0 or inf), log(y) is replaced by log(1) = 0
    # before the product: 0 there, and no inf or NaN in either gradient
    with np.errstate(invalid="ignore"):
        masked = (x_values == 0) & ((y_values <= 0) | (y_values == np.inf))
    if _is_number(y):
        x = to_tensor(x)
        with np.errstate(all="ignore"):
            log_y = float(np.log(y))  # a Python number: x keeps its dtype (float32 stays)
        if not masked.any():
            return x * log_y
        return x * np.where(masked, 0.0, log_y).astype(x.dtype)
    y = to_tensor(y)
    if masked.any():
        y = where(masked, np.ones((), y.dtype), y)
    with np.errstate(all="ignore"):
        return x * y.log()


@register("float_power")
def float_power(a: Any, b: Any) -> Tensor:
    """a ** b in float64, both converted first (PyTorch's float_power)."""
    if _is_number(a):
        a = Tensor(np.float64(a))
    a = to_tensor(a).double()
    if isinstance(b, Tensor):
        b = b.double()
    elif isinstance(b, np.ndarray):
        b = b.astype(np.float64)
    return a**b


@register("lerp")
def lerp(start: Any, end: Any, weight: Any) -> Tensor:
    """start + weight * (end - start), computed as PyTorch does: from `end` back, as
    end - (end - start) * (1 - weight), where |weight| >= 0.5 (exact at weight 1). Gradients:
    1 - weight for start, weight for end, end - start for a tensor weight."""
    start = to_tensor(start)
    # PyTorch's checks: one floating dtype for start and end (and a weight tensor, unless it
    # is 0-d), no promotion between them
    if start.dtype.kind != "f":
        raise NotImplementedError(
            f"lerp: not implemented for {start.dtype} tensors (PyTorch's rule: floating point)"
        )
    if isinstance(end, Tensor):
        same_dtype("lerp", start, end, "`end` and `input`")
    if isinstance(weight, Tensor) and weight.ndim:
        same_dtype("lerp", start, weight, "`weight` and `input`")
    diff = end - start
    if not isinstance(weight, Tensor):
        return start + weight * diff if abs(weight) < 0.5 else end - diff * (1 - weight)
    small = np.abs(weight.data) < 0.5
    return where(small, start + weight * diff, end - diff * (1 - weight))


@register("addcmul")
def addcmul(x: Any, tensor1: Any, tensor2: Any, *, value: float = 1) -> Tensor:
    """x + value * tensor1 * tensor2 (shapes broadcast), in the three tensors' promoted dtype
    as PyTorch's: `value` does not widen it (an integer result takes `value` truncated to an
    integer, `addcmul(ints, ints, ints, value=0.5)` adds 0), and a bool result is refused."""
    x = to_tensor(x)
    dtype = result_dtype(*(array_of(t) for t in (x, tensor1, tensor2)))
    if dtype is not None and dtype.kind in "biu":
        if dtype.kind == "b":
            raise RuntimeError(
                'addcmul: not implemented for bool tensors (PyTorch: "addcmul_cpu_out" not '
                "implemented for 'Bool')"
            )
        value = int(value)  # PyTorch converts the scalar to the result's integer dtype
        out = x + value * tensor1 * tensor2  # (an int `value` times a bool tensor is int64)
        return out if out.dtype == dtype else out.to(dtype)
    return x + value * tensor1 * tensor2


@register("addcdiv")
def addcdiv(x: Any, tensor1: Any, tensor2: Any, *, value: float = 1) -> Tensor:
    """x + value * tensor1 / tensor2 (shapes broadcast). As PyTorch, an integer (or bool)
    tensor1 with an integer tensor2 is refused: the division used to truncate there."""
    if all(np.asarray(array_of(t)).dtype.kind in "biu" for t in (tensor1, tensor2)):
        raise RuntimeError(
            "addcdiv: integer division with addcdiv is no longer supported (PyTorch's error); "
            "write (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for the "
            "old truncating behaviour, or (input + value * tensor1 / tensor2) for true division"
        )
    return to_tensor(x) + value * tensor1 / tensor2


@register("heaviside")
def heaviside(x: Any, values: Any) -> Tensor:
    """The step function: 0 where x < 0, `values` where x == 0, 1 where x > 0 (and 0 at NaN,
    as PyTorch's). No gradient: PyTorch implements none."""
    x = to_tensor(x)
    if isinstance(values, Tensor):  # PyTorch's check: no promotion between them
        same_dtype("heaviside", x, values, "input and values")
    values = values.data if isinstance(values, Tensor) else values
    return Tensor._make(np.asarray(np.where(x.data == 0, values, x.data > 0).astype(x.dtype)))
