"""PyTorch's names for ops glassgrad spells as operators or under another name: `add`, `sub`,
`mul`, `div` (with `alpha=` and `rounding_mode=`), `negative`, `absolute`, `square`,
`reciprocal`, `rsqrt`, the comparisons `eq ne gt ge lt le` (and `greater`, `less`, ...),
`clamp_min`/`clamp_max`, `expand_as`, `reshape_as`, `is_floating_point`, and the whole-tensor
comparisons as methods (`x.equal(y)`).

All are composites of existing ops, so their gradients are those ops' gradients. The rounded
divisions are the exception: their gradient is zero (PyTorch's), see `_zero_grad.py`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import compare
from ..dtypes import get_default_dtype
from ..errors import ShapeError
from ..promotion import promote
from ..registry import FUNCTIONS, OPERANDS, register, to_tensor
from ..tensor import Tensor
from ._zero_grad import with_zero_gradient
from .elementwise import clip
from .floor_division import checked
from .shape import expand, reshape


def refuse_out(op: str, out: Any) -> None:
    """PyTorch's `out=`: refused, since writing into a given tensor would not be recorded."""
    if out is not None:
        raise TypeError(
            f"{op}: out= is not supported (glassgrad records no writes into a given tensor); "
            f"assign the result instead: `out = torch.{op}(...)`"
        )


def _operands(input: Any, other: Any) -> tuple[Any, Any]:
    """`input` as a Tensor unless `other` is one (so that `add(2, t)` keeps t's dtype, as
    `2 + t` does); `other` as it is when an operator takes it (a number, an array, a tensor)."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        input = Tensor(input)
    if not isinstance(other, OPERANDS):
        other = Tensor(other)
    return input, other


def _scaled(op: str, input: Any, other: Any, alpha: Any) -> Any:
    """`alpha * other` for add and sub, with PyTorch's rules on alpha's type."""
    if alpha == 1 and not isinstance(alpha, bool):
        return other
    kinds = {np.asarray(getattr(t, "data", t)).dtype.kind for t in (input, other)}
    if isinstance(alpha, float | np.floating) and kinds <= set("biu"):
        raise TypeError(
            f"{op}: for integral input tensors, argument alpha must not be a floating point "
            f"number (got alpha={alpha})"
        )
    return other * alpha


@register("add")
def add(input: Any, other: Any, *, alpha: Any = 1, out: Any = None) -> Tensor:
    """`input + alpha * other` (shapes broadcast), PyTorch's `torch.add`."""
    refuse_out("add", out)
    input, other = _operands(input, other)
    return input + _scaled("add", input, other, alpha)


@register("sub", "subtract")
def sub(input: Any, other: Any, *, alpha: Any = 1, out: Any = None) -> Tensor:
    """`input - alpha * other` (shapes broadcast), PyTorch's `torch.sub`."""
    refuse_out("sub", out)
    input, other = _operands(input, other)
    return input - _scaled("sub", input, other, alpha)


@register("mul", "multiply")
def mul(input: Any, other: Any, *, out: Any = None) -> Tensor:
    """`input * other` (shapes broadcast)."""
    refuse_out("mul", out)
    input, other = _operands(input, other)
    return input * other


ROUNDING_MODES = (None, "trunc", "floor")


@register("div", "divide")
def div(input: Any, other: Any, *, rounding_mode: str | None = None, out: Any = None) -> Tensor:
    """`input / other` (shapes broadcast). `rounding_mode="trunc"` rounds the quotient toward
    zero, `"floor"` down (Python's `//`); integer tensors then stay integers, and dividing an
    integer by zero raises PyTorch's RuntimeError("ZeroDivisionError"). A rounded quotient is
    piecewise constant: its gradient is zero (the result still requires grad, as PyTorch's)."""
    refuse_out("div", out)
    if rounding_mode not in ROUNDING_MODES:
        raise ValueError(
            "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
            f"{rounding_mode!r}"
        )
    input, other = _operands(input, other)
    if rounding_mode is None:
        return input / other
    a = input.data if isinstance(input, Tensor) else input
    b = other.data if isinstance(other, Tensor) else other
    a, b = promote(a, b)  # PyTorch's dtype (promotion.py): int64 // 2.5 is float32
    try:
        q = _rounded_quotient(np.asarray(a), np.asarray(b), rounding_mode)
    except ValueError as e:
        raise ShapeError(
            f"div: shapes {np.shape(a)} and {np.shape(b)} cannot be broadcast together"
        ) from e
    dtype = np.result_type(a, b)  # (a Python number takes the promoted array's dtype)
    return with_zero_gradient(np.asarray(q, dtype=dtype), input, other)


def _rounded_quotient(a: np.ndarray, b: Any, mode: str) -> np.ndarray:
    checked("div", a, b)  # bool, and integers by zero: refused as PyTorch refuses them
    if np.result_type(a, b).kind in "iu":
        if mode == "floor":
            return np.floor_divide(a, b)
        return np.floor_divide(a - np.fmod(a, b), b)  # exact: the remainder is removed first
    with np.errstate(divide="ignore", invalid="ignore"):  # x / 0 is inf or NaN, as PyTorch's
        if mode == "floor":
            return np.floor_divide(a, b)  # Python's floor division, as PyTorch's
        return np.trunc(np.true_divide(a, b))


@register("true_divide")
def true_divide(input: Any, other: Any, *, out: Any = None) -> Tensor:
    """`input / other`: `div` without rounding."""
    refuse_out("true_divide", out)
    input, other = _operands(input, other)
    return input / other


# Other names of existing ops: the same public function, so the same op and speed.
register("negative")(FUNCTIONS["neg"])
register("absolute")(FUNCTIONS["abs"])


def _float(x: Tensor) -> Tensor:
    """Integer and bool tensors in the default float dtype (PyTorch's float-valued functions)."""
    return x.to(get_default_dtype()) if x.dtype.kind in "biu" else x


@register("square")
def square(x: Any) -> Tensor:
    """`x * x`; a bool tensor squares to int64, as PyTorch's (`pow(x, 2)`)."""
    x = to_tensor(x)
    if x.dtype.kind == "b":
        x = x.to(np.int64)
    return x * x


@register("reciprocal")
def reciprocal(x: Any) -> Tensor:
    """`1 / x`; integer tensors give the default float dtype, as PyTorch's."""
    return 1 / _float(to_tensor(x))


@register("rsqrt")
def rsqrt(x: Any) -> Tensor:
    """`1 / sqrt(x)`, as PyTorch computes it."""
    return 1 / to_tensor(x).sqrt()


def _comparison(name: str, method: str) -> Any:
    def compare(input: Any, other: Any) -> Tensor:
        input, other = _operands(input, other)
        if not isinstance(input, Tensor):  # `eq(2, t)`: the reflected comparison
            return getattr(Tensor, _REFLECTED[method])(other, input)
        # (looked up here: comparison.py, which defines the operators, may load after this)
        return getattr(Tensor, method)(input, other)

    compare.__name__ = compare.__qualname__ = name
    compare.__doc__ = f"Elementwise `{_SYMBOLS[method]}`: a bool tensor (no gradient)."
    return compare


_SYMBOLS = {"__eq__": "==", "__ne__": "!=", "__gt__": ">", "__ge__": ">=", "__lt__": "<"}
_SYMBOLS["__le__"] = "<="
_REFLECTED = {"__eq__": "__eq__", "__ne__": "__ne__", "__gt__": "__lt__", "__lt__": "__gt__"}
_REFLECTED |= {"__ge__": "__le__", "__le__": "__ge__"}

for _names, _method in (
    (("eq",), "__eq__"),
    (("ne", "not_equal"), "__ne__"),
    (("gt", "greater"), "__gt__"),
    (("ge", "greater_equal"), "__ge__"),
    (("lt", "less"), "__lt__"),
    (("le", "less_equal"), "__le__"),
):
    register(*_names)(_comparison(_names[0], _method))
del _names, _method

# The whole-tensor comparisons of compare.py as methods too (`x.equal(y)`, `x.allclose(y)`).
for _compare in (compare.equal, compare.allclose, compare.isclose):
    register(methods=(_compare.__name__,), functions=())(_compare)
del _compare


@register("clamp_min")
def clamp_min(x: Any, min: Any) -> Tensor:  # noqa: A002
    """`clamp(x, min=min)`."""
    return clip(x, min=min)


@register("clamp_max")
def clamp_max(x: Any, max: Any) -> Tensor:  # noqa: A002
    """`clamp(x, max=max)`."""
    return clip(x, max=max)


@register(methods=("expand_as",))
def expand_as(x: Tensor, other: Tensor) -> Tensor:
    """`x.expand(other.shape)`: a view of x broadcast to other's shape."""
    return expand(x, tuple(other.shape))


@register(methods=("reshape_as",))
def reshape_as(x: Tensor, other: Tensor) -> Tensor:
    """`x.reshape(other.shape)`: a view where numpy can make one, else a copy."""
    return reshape(x, tuple(other.shape))


@register("is_floating_point")
def is_floating_point(x: Tensor) -> bool:
    """Whether x holds floats (float16, float32 or float64)."""
    return x.dtype.kind == "f"


@register(methods=(), functions=("numel",))
def numel(x: Tensor) -> int:
    """The number of elements: `torch.numel(x)` (the method is Tensor's own)."""
    return x.numel()
