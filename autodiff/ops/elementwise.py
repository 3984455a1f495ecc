"""Elementwise ops: arithmetic, unary functions, activations. All broadcast like numpy.

Backward formulas return the gradient at the broadcast (output) shape; the engine sums it back
to each input's shape. Masks are kept as plain ctx attributes: they are constants of backward.
Where PyTorch's backward reads the op's input through a mask or sign whose derivative is zero
(relu, leaky_relu, abs), the recorded backward (create_graph) keeps that input as an argument
with a zero gradient: see `ZeroWhere` and `ConstantFactor`.
"""

from __future__ import annotations

import functools
import operator
from typing import Any

import numpy as np

from .. import threads
from ..dtypes import float_valued, narrowed, widened
from ..function import Function
from ..numpy_protocol import array_of
from ..promotion import number_dtype, promote, promote_all, promote_to_float
from ..registry import binary, register, to_tensor
from ..scalar import INPUTS, OUTPUT
from ..tensor import Tensor

_ndarray = np.ndarray

try:  # numpy's floating-point settings of this context (numpy's errstate sets this variable)
    from numpy._core._ufunc_config import _extobj_contextvar as _fp_settings
except ImportError:  # (another numpy: quiet() is a plain np.errstate)
    _fp_settings = None


class _Quiet:
    """`quiet()`'s context manager: np.errstate's effect, a little cheaper (1.0 us against 1.3
    us here). The quieted settings are made once by np.errstate itself, per settings of the
    caller's context (the last ones kept), then only set and reset."""

    __slots__ = ("_token",)
    # (the caller's settings object, its quieted version): one attribute, read and replaced
    # whole, so that threads quieting different settings never pair one's with another's
    _cache: tuple[Any, Any] = (None, None)

    def __enter__(self) -> None:
        settings = _fp_settings.get()
        source, quieted = _Quiet._cache
        if settings is quieted:  # already quiet (nested)
            quieted = settings
        elif settings is not source:
            with np.errstate(**_quieted(np.geterr())):
                quieted = _fp_settings.get()
            _Quiet._cache = (settings, quieted)
        self._token = _fp_settings.set(quieted)

    def __exit__(self, *exc: Any) -> None:
        _fp_settings.reset(self._token)


def _quieted(settings: dict[str, str]) -> dict[str, str]:
    return {k: "ignore" if v in ("warn", "print", "log") else v for k, v in settings.items()}


def quiet() -> Any:
    """A context manager turning numpy's floating-point warnings off (overflow, division by
    zero, invalid), as PyTorch gives none: x / 0, log(0), sqrt(-1), exp(1000) are inf or NaN
    silently there. A setting of "raise" (or "call") the user made stays: under
    `np.errstate(all="raise")` the first inf still raises. At about 1 us it is not free, so
    only the ops that meet such values in ordinary use take it (division, log, sqrt, exp, the
    trigonometric functions), not + - * (docs/autodiff.md)."""
    if _fp_settings is None:
        return np.errstate(**_quieted(np.geterr()))
    return _Quiet()


@register(operator="add", numpy=np.add)
class Add(Function):
    op = "+"

    @staticmethod
    def forward(ctx, a, b):
        # PyTorch's dtype, not numpy's (promotion.py). The common case, two arrays of one
        # dtype, checked inline: these four ops are the most frequent (a Python number has no
        # dtype; a try costs nothing when nothing raises).
        try:
            same = a.dtype is b.dtype
        except AttributeError:
            same = False
        if not same:
            a, b = promote(a, b)
        return a + b

    @staticmethod
    def backward(ctx, g):
        return g, g

    # The scalar path (autodiff/scalar.py): the same op on Python floats, for 0-d float64.
    # `scalar_saves` says what `forward` saves (nothing, the inputs or the output), and
    # `scalar_backward` gets those values as floats.
    scalar_saves = None

    scalar_forward = operator.add

    @staticmethod
    def scalar_backward(g, saved):
        return g, g


@register(operator="sub", numpy=np.subtract)
class Sub(Function):
    op = "-"

    @staticmethod
    def forward(ctx, a, b):
        try:
            same = a.dtype is b.dtype
        except AttributeError:
            same = False
        if not same:  # (two bool arrays: numpy refuses them itself)
            a, b = promote(_no_bool(a), _no_bool(b))
        return a - b

    @staticmethod
    def backward(ctx, g):
        return g, -g

    scalar_saves = None

    scalar_forward = operator.sub

    @staticmethod
    def scalar_backward(g, saved):
        return g, -g


@register(operator="mul", numpy=np.multiply)
class Mul(Function):
    op = "*"

    @staticmethod
    def forward(ctx, a, b):
        try:
            same = a.dtype is b.dtype
        except AttributeError:
            same = False
        if not same:
            a, b = promote(a, b, ctx)
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        a_in, b_in = ctx.args
        if a_in is b_in:
            return square_grads(g, a)
        # needs_input_grad, read without the property: Mul is the most frequent node
        need_a = isinstance(a_in, Tensor) and a_in._requires_grad
        need_b = isinstance(b_in, Tensor) and b_in._requires_grad
        return (g * b if need_a else None), (g * a if need_b else None)

    scalar_saves = INPUTS

    scalar_forward = operator.mul

    @staticmethod
    def scalar_backward(g, saved):
        a, b = saved
        return g * b, g * a  # for x * x, the values square_grads sends


def _no_bool(x: Any) -> Any:
    """x, a subtraction's operand, unless bool: PyTorch refuses it (numpy subtracts bool arrays
    from integers as integers)."""
    if x.dtype.kind == "b" if type(x) is _ndarray else type(x) is bool:
        raise TypeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported (PyTorch's "
            "rule). If you are trying to invert a mask, use the `~` or `logical_not()` "
            "operator instead"
        )
    return x


def square_grads(g, x):
    """d(x*x) when both factors are the same tensor, the fast path of Mul: the general formula's
    two gradients, g*b and g*a, are both g*x here, so one product serves as both, and the
    engine adds them as it adds the general formula's two (tests compare the bits, also where
    x has other consumers whose gradients the engine adds in the same order)."""
    gx = g * x
    return gx, gx


@register(operator="truediv", numpy=np.true_divide)
class Div(Function):
    op = "/"

    @staticmethod
    def forward(ctx, a, b):
        try:
            same = a.dtype is b.dtype and a.dtype.kind == "f"
        except AttributeError:
            same = False
        if not same:
            a, b = promote_to_float(a, b, ctx)  # i / 2 is float32, as PyTorch's
        ctx.save_for_backward(a, b)
        if _safe_divisor(b):  # (x / 255: nothing to warn of, and no context to pay for)
            return a / b
        with quiet():  # x / 0 is inf or NaN, as PyTorch's, without numpy's warning
            return a / b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        if _safe_divisor(b):  # (a number: it needs no gradient)
            return g / b, None
        with quiet():
            ga = g / b
            return (ga if need_a else None), (-ga * a / b if need_b else None)

    scalar_saves = INPUTS

    scalar_forward = operator.truediv

    @staticmethod
    def scalar_backward(g, saved):
        a, b = saved
        ga = g / b
        return ga, -ga * a / b


def _safe_divisor(b: Any) -> bool:
    """Whether dividing by b cannot overflow, divide by zero or make an invalid value (so
    numpy has nothing to warn of): a Python number of magnitude in [1, 65504], which every
    float dtype holds (float16's largest: a larger number would overflow as it is cast)."""
    return (type(b) is float or type(b) is int) and (1 <= b <= 65504 or -65504 <= b <= -1)


@register("pow", operator="pow", numpy=np.power, form=binary)
class Pow(Function):
    """a ** b. The gradient for b is PyTorch's: out * log(a), so NaN where a < 0 (log of a
    negative number) and -inf at a = 0 with b < 0; 0 at a = 0 with b >= 0."""

    op = "**"

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote(a, b, ctx)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # inf, NaN: PyTorch
            out = a**b  # is silent on a negative base with a fractional exponent, 0 ** -1, ...
        # The output only serves the exponent's gradient; saved only then (like PyTorch), so
        # that changing `x ** 2` in place is not an error when the exponent is a constant.
        keep = ctx.recording and ctx.needs_input_grad[1]
        ctx.save_for_backward(a, b, out if keep else None)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # as forward
            ga = _power_rule(g, a, b) if need_a else None
            gb = _exponent_rule(g, a, b, out) if need_b else None
        return ga, gb


def _exponent_rule(g: Any, a: Any, b: Any, out: Any) -> Any:
    """g * (a ** b * log(a)), and 0 where a = 0 and b >= 0 (PyTorch's pow_backward_exponent:
    0 ** b is constant there, or has a one-sided derivative of 0). A negative a gives NaN, as
    PyTorch's: log(a) is not real there, even where a ** b is (an integer b)."""
    # a replaced by 1 where masked, so that no inf enters a recorded graph: out * log(1) = 0.
    # The mask is a constant, taken from the arrays (a may be a Python number, as in 2 ** x).
    masked = (np.asarray(array_of(a)) == 0) & (np.asarray(array_of(b)) >= 0)
    with np.errstate(divide="ignore", invalid="ignore"):  # NaN and -inf unwarned, as PyTorch's
        return g * (out * np.log(np.where(masked, 1, a)))


def _power_rule(g: Any, a: Any, b: Any) -> Any:
    """g * b * a ** (b - 1), and 0 where b == 0 (PyTorch's pow_backward): x ** 0 is constant,
    but at x = 0 the formula gives 0 * inf = NaN."""
    if isinstance(b, int | float | np.number):
        if b == 0:
            return np.zeros(g.shape, dtype=g.dtype)
        return g * b * a ** (b - 1)
    a_values, b_values = np.asarray(array_of(a)), np.asarray(array_of(b))
    # Where b == 0 the formula is 0 already, except where a ** -1 is not finite (a zero, NaN,
    # or a subnormal a whose reciprocal overflows). Masked only there: elsewhere it keeps its
    # derivative in b (1/a) for double backward, which PyTorch's mask (every b == 0) drops.
    zero_b = b_values == 0
    if zero_b.any():
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            undefined = zero_b & ~np.isfinite(
                np.reciprocal(a_values.astype(np.result_type(a_values, 1.0)))
            )
    else:
        undefined = zero_b
    if not undefined.any():
        return g * b * a ** (b - 1)
    # a replaced by 1 there before the power, so that no inf enters a recorded graph (its
    # backward would multiply it by the mask's zeros: NaN)
    return np.where(undefined, 0, g * b * np.where(undefined, 1, a) ** (b - 1))


@register("neg", methods=("neg", "__neg__"), numpy=np.negative)
class Neg(Function):
    op = "neg"

    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, g):
        return -g

    scalar_saves = None

    scalar_forward = operator.neg

    @staticmethod
    def scalar_backward(g, saved):
        return (-g,)


@register("abs", methods=("abs", "__abs__"), numpy=np.absolute)
class Abs(Function):
    """|x|; the gradient is sign(x): 0 at 0 (the subgradient numpy's sign gives) and at NaN."""

    op = "abs"

    @staticmethod
    def forward(ctx, x):
        if ctx.recording:
            sign = np.sign(x)
            # PyTorch's abs_backward is grad * sgn(x), and its sgn(NaN) is 0 (norm.py's too)
            ctx.sign = np.nan_to_num(sign, nan=0.0) if np.isnan(sign).any() else sign
        return np.abs(x)

    @staticmethod
    def backward(ctx, g):
        return times_constant(g, ctx.sign, ctx.args[0])  # PyTorch's grad * sgn(x)


@register("sign", "sgn")
class Sign(Function):
    """Elementwise sign (-1, 0, 1; 0 at NaN, as PyTorch's), also named `sgn` (PyTorch's sign
    for complex tensors too; these are real). Its gradient is zero everywhere, and recorded as
    PyTorch's: `x.sign()` requires grad, so `x.grad` becomes zeros, not None (an optimizer
    skips a None gradient, but momentum and weight decay move a zero one)."""

    op = "sign"

    @staticmethod
    def forward(ctx, x):
        if x.dtype == bool:  # numpy has no bool sign; PyTorch's is the tensor's values
            return x.copy()
        sign = np.sign(x)
        return np.nan_to_num(sign, nan=0.0) if np.isnan(sign).any() else sign

    @staticmethod
    def backward(ctx, g):
        return zero_gradient(ctx.args[0], g)


@register("exp", numpy=np.exp)
class Exp(Function):
    op = "exp"

    @staticmethod
    def forward(ctx, x):
        x = float_valued(x)
        with quiet():  # inf where it overflows, as PyTorch's
            y = np.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y

    scalar_saves = OUTPUT

    @staticmethod
    def scalar_forward(v: float) -> Any:
        # numpy's own exp (its last bit is not math.exp's); unwarned where it overflows
        if v <= 709.0:
            return np.exp(v)
        with quiet():
            return np.exp(v)

    @staticmethod
    def scalar_backward(g, saved):
        (y,) = saved
        return (g * y,)


@register("log", numpy=np.log)
class Log(Function):
    op = "log"

    @staticmethod
    def forward(ctx, x):
        x = float_valued(x)
        ctx.save_for_backward(x)
        with quiet():  # -inf at 0, NaN below, as PyTorch's
            return np.log(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        with quiet():
            return g / x

    scalar_saves = INPUTS

    @staticmethod
    def scalar_forward(v: float) -> Any:
        if v > 0.0:  # (NaN, 0 and negatives: -inf or NaN, unwarned, as the array path)
            return np.log(v)
        with quiet():
            return np.log(v)

    @staticmethod
    def scalar_backward(g, saved):
        (x,) = saved
        return (g / x,)


@register("log1p", numpy=np.log1p)
class Log1p(Function):
    op = "log1p"

    @staticmethod
    def forward(ctx, x):
        x = float_valued(x)
        ctx.save_for_backward(x)
        with quiet():  # -inf at -1, NaN below, as PyTorch's
            return np.log1p(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        with quiet():
            return g / (x + 1)


@register("expm1", numpy=np.expm1)  # x.expm1(), autodiff.expm1(x), np.expm1(x) on a Tensor
class Expm1(Function):
    """exp(x) - 1, accurate for small x; the gradient is exp(x) = y + 1."""

    op = "expm1"

    @staticmethod
    def forward(ctx, x):
        x = float_valued(x)  # integer and bool inputs in the default float dtype (PyTorch)
        with quiet():  # inf where it overflows
            y = np.expm1(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (y + 1)


@register("sqrt", numpy=np.sqrt)
class Sqrt(Function):
    op = "sqrt"

    @staticmethod
    def forward(ctx, x):
        x = float_valued(x)
        with quiet():  # NaN below 0, as PyTorch's
            y = np.sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        with quiet():  # inf at 0
            return g / (y * 2)


@register("sin", numpy=np.sin)
class Sin(Function):
    op = "sin"

    @staticmethod
    def forward(ctx, x):
        x = float_valued(x)
        ctx.save_for_backward(x)
        with quiet():  # NaN at +-inf
            return np.sin(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        with quiet():
            return g * np.cos(x)


@register("cos", numpy=np.cos)
class Cos(Function):
    op = "cos"

    @staticmethod
    def forward(ctx, x):
        x = float_valued(x)
        ctx.save_for_backward(x)
        with quiet():  # NaN at +-inf
            return np.cos(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        with quiet():
            return -g * np.sin(x)


@register("tan", numpy=np.tan)
class Tan(Function):
    """tan(x); the gradient is 1 + tan(x)^2 = 1 + y^2."""

    op = "tan"

    @staticmethod
    def forward(ctx, x):
        x = float_valued(x)
        with quiet():  # NaN at +-inf
            y = np.tan(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (y * y + 1)


@register("tanh", numpy=np.tanh)
class Tanh(Function):
    op = "tanh"

    @staticmethod
    def forward(ctx, x):
        x = float_valued(x)
        y = np.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        wy, wg = widened(y, g)  # float16 in float32, rounded once, as PyTorch's
        return narrowed(wg * (1 - wy * wy), g.dtype)

    scalar_saves = OUTPUT
    scalar_forward = staticmethod(np.tanh)  # numpy's own tanh: its last bit is not math.tanh's

    @staticmethod
    def scalar_backward(g, saved):
        (y,) = saved
        return (g * (1 - y * y),)


@register("sigmoid")
class Sigmoid(Function):
    """1 / (1 + exp(-x)), computed without overflow for any finite x."""

    op = "sigmoid"

    @staticmethod
    def forward(ctx, x):
        x = float_valued(x)
        (wide,) = widened(x)  # float16 in float32, rounded once, as PyTorch's
        e = np.exp(-np.abs(wide))  # in (0, 1]: never overflows
        y = np.where(wide >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (1 - y) * y  # PyTorch's sigmoid_backward, in its order (in float16 too)


@register("relu")
class ReLU(Function):
    op = "relu"

    @staticmethod
    def forward(ctx, x):
        # Inference needs no mask; training makes it in the same pass over x as the maximum
        blocked = np.empty(x.shape, dtype=bool) if ctx.recording else None
        out = relu_fast(x, blocked=blocked)
        if blocked is not None:
            ctx.blocked = blocked
        # Saved only to be version-checked: PyTorch's backward reads relu's output, so it
        # refuses one modified in place, and so do we (the mask would hide it).
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors  # raises if the output was modified in place
        # PyTorch's threshold_backward: `x <= 0 ? 0 : g`, a zero even where g is inf or NaN
        # (g * mask would make inf * 0 = NaN there), and g where x is NaN.
        if isinstance(out, Tensor):  # create_graph: an op, of the output too (see ZeroWhere)
            return ZeroWhere.apply(g, ctx.blocked, out)
        return zero_where(g, ctx.blocked)


class ZeroWhere(Function):
    """g with +0.0 where `blocked`, g's own bits elsewhere: relu's and clip's backward as an
    op, for create_graph. Linear in g and its own adjoint, so its backward is itself.

    `source`, if given, is the tensor the mask was taken from, an input whose derivative is
    zero: PyTorch's threshold_backward(grad, result) reads relu's output so, and thereby keeps
    everything before relu in the double-backward graph. Their gradients are then zeros, not
    None (an optimizer skips a None gradient, but Adam's momentum and weight decay still move
    a parameter whose gradient is zero). Clip's mask is a constant in PyTorch too: no source."""

    op = "zero_where"

    @staticmethod
    def forward(ctx, g, blocked, source=None):
        ctx.blocked = blocked
        return zero_where(g, blocked)

    @staticmethod
    def backward(ctx, gg):
        if len(ctx.args) == 2:
            return ZeroWhere.call(gg, ctx.blocked), None
        source = ctx.args[2]  # the Tensor: an op of it only under create_graph (gg a Tensor)
        if isinstance(gg, Tensor):
            return ZeroWhere.apply(gg, ctx.blocked, source), None, zero_gradient(source, gg)
        return zero_where(gg, ctx.blocked), None, zero_gradient(source, gg)


class ConstantFactor(Function):
    """g * factor, where `factor` (a sign, a slope) is a piecewise-constant function of
    `source`: the backward of abs, leaky_relu and the 1- and inf-norms as an op, for
    create_graph. `source` is an input whose derivative is zero, as x is in PyTorch's
    `grad * sgn(x)` and leaky_relu_backward(grad, x): see `ZeroWhere`."""

    op = "constant_factor"

    @staticmethod
    def forward(ctx, g, factor, source):
        ctx.factor = factor
        return times_constant(g, factor, source)

    @staticmethod
    def backward(ctx, gg):
        source = ctx.args[2]  # the Tensor: an op of it only under create_graph (gg a Tensor)
        return times_constant(gg, ctx.factor, source), None, zero_gradient(source, gg)


def times_constant(g: Any, factor: np.ndarray, source: Any) -> Any:
    """g * factor, a piecewise-constant function of `source` (a sign, a slope): the array
    product in a plain backward (inf * 0 is NaN, as PyTorch's multiply, without numpy's
    warning); under create_graph (g a Tensor) a `ConstantFactor` op, which keeps `source` in
    the graph with a zero derivative."""
    if isinstance(g, Tensor):
        return ConstantFactor.apply(g, factor, source)
    with np.errstate(invalid="ignore"):
        return g * factor


def zero_gradient(source: Tensor, like: Any) -> Any:
    """Zeros shaped like `source`, a Tensor when the gradient `like` is one (create_graph): a
    constant of the graph, as PyTorch's zeros_like(grad) in threshold_backward's derivative."""
    zeros = np.zeros(source.shape, dtype=source.dtype)
    return Tensor._make(zeros) if isinstance(like, Tensor) else zeros


def zero_where(g: Any, blocked: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """g (float) with +0.0 where the bool `blocked` (g's shape) is True, g's bits elsewhere,
    infinities and NaN included: the exact form of `g * ~blocked` for a backward's mask.

    `np.where(blocked, 0, g)` says it, at 3.6 ns an element here; a multiply by the mask
    costs a quarter of that but turns inf * 0 into NaN. So the float bits are ANDed with a
    mask of all ones (kept) or all zeros (blocked) in integer lanes of g's width: exact, in
    the multiply's time (benchmarks/README.md). Into `out` if given (any layout, g's dtype: a
    strided window view, say), in one pass on this thread; else a new array, a block at a time
    on glassgrad's threads when large; below ZERO_WHERE_SMALL elements by np.where, one call
    where the lanes take five (per-call overhead is all a small array costs)."""
    if out is not None:
        return _zero_where_into(g, blocked, out)
    g = np.asarray(g)
    if g.size < ZERO_WHERE_SMALL or g.dtype not in _LANES or g.shape != blocked.shape:
        return np.where(blocked, np.zeros((), g.dtype), g)
    out = np.empty(g.shape, dtype=g.dtype)
    if g.size <= ZERO_WHERE_BLOCK:  # one block: no threads to hand it to
        return _zero_where_into(g, blocked, out)
    flat_g, flat_blocked, flat_out = g.reshape(-1), blocked.reshape(-1), out.reshape(-1)

    def part(rows: slice) -> None:  # a block at a time: the masks stay in the cache
        per_row = g.size // len(g)
        for start in range(rows.start * per_row, rows.stop * per_row, ZERO_WHERE_BLOCK):
            block = slice(start, min(start + ZERO_WHERE_BLOCK, rows.stop * per_row))
            _zero_where_into(flat_g[block], flat_blocked[block], flat_out[block])

    threads.run(part, threads.parts(len(g), g.size, threads.MIN_ELEMENTS_PER_THREAD))
    return out


def _zero_where_into(g: Any, blocked: np.ndarray, out: np.ndarray) -> np.ndarray:
    """`zero_where` in one pass, into `out`."""
    g, lanes = np.asarray(g), _LANES.get(out.dtype)
    if lanes is None or g.dtype != out.dtype:  # not float, or mixed: np.where says it
        out[...] = np.where(blocked, np.zeros((), out.dtype), g)
        return out
    # Minus one: 0 where blocked, -1 (all ones) elsewhere, sign-extended to the lanes' width
    # (in int8, then cast: faster than subtracting in the lanes)
    keep = np.subtract(blocked.view(np.int8), 1).astype(lanes)
    np.bitwise_and(g.view(lanes), keep, out=out.view(lanes))
    return out


ZERO_WHERE_BLOCK = 1 << 18  # elements
ZERO_WHERE_SMALL = 1024  # elements: np.where's 3.6 ns each costs less than four more calls

# The integer lanes of each float dtype's width
_LANES = {np.dtype(f"f{n}"): np.dtype(f"i{n}") for n in (2, 4, 8)}


def relu_reference(x):
    """max(x, 0), plainly."""
    return np.maximum(x, 0)


# Above this many elements relu_fast compares with an array of zeros (benchmarks/README.md).
RELU_ZEROS_ARRAY_FROM = 4096
# ... a block of zeros of this many elements, a slice of x at a time: an array of zeros as
# large as x would cost a memset as long as the maximum itself.
RELU_ZERO_BLOCK = 1 << 17


@functools.cache
def _zeros(dtype: np.dtype) -> np.ndarray:
    zeros = np.zeros(RELU_ZERO_BLOCK, dtype=dtype)
    zeros.flags.writeable = False  # shared by every call and thread
    return zeros


def relu_fast(x, blocked: np.ndarray | None = None):
    """relu_reference(x), with the same bits, faster on large arrays: there it takes the maximum
    against a block of zeros rather than the scalar 0, since numpy's SIMD loop wants two full
    operands, one block of x at a time (on glassgrad's threads, when there are several). Small
    arrays keep the scalar form: per-call overhead is all they cost.

    `blocked`, a bool array of x's shape if given, receives x <= 0 (where no gradient flows,
    as in PyTorch: NaN passes it), each block compared while it is in the cache from the
    maximum."""
    if x.size < RELU_ZEROS_ARRAY_FROM or not x.flags.c_contiguous:
        if blocked is not None:
            np.less_equal(x, 0, out=blocked)
        small = x.size < RELU_ZEROS_ARRAY_FROM
        return np.maximum(x, 0) if small else np.maximum(x, np.zeros_like(x))
    zeros = _zeros(x.dtype)
    # Two passes per element when a mask is made: work of 2 elements
    work = x.size * (1 if blocked is None else 2)
    if x.size <= RELU_ZERO_BLOCK and work < 2 * threads.MIN_ELEMENTS_PER_THREAD:
        # One block on this thread (a layer's activations at a small batch): the same calls
        # without the blocks' bookkeeping, which cost as much as the maximum itself here
        if blocked is not None:
            np.less_equal(x, 0, out=blocked)
        return np.maximum(x, zeros[: x.size].reshape(x.shape))
    out = np.empty_like(x)
    flat_x, flat_out = x.reshape(-1), out.reshape(-1)
    flat_blocked = None if blocked is None else blocked.reshape(-1)
    per_row = x.size // len(x)

    def part(rows: slice) -> None:
        stop = rows.stop * per_row
        for start in range(rows.start * per_row, stop, RELU_ZERO_BLOCK):
            end = min(start + RELU_ZERO_BLOCK, stop)
            block, block_zeros = flat_x[start:end], zeros[: end - start]
            np.maximum(block, block_zeros, out=flat_out[start:end])
            if flat_blocked is not None:
                np.less_equal(block, 0, out=flat_blocked[start:end])

    threads.run(part, threads.parts(len(x), work, threads.MIN_ELEMENTS_PER_THREAD))
    return out


class LeakyReLU(Function):
    op = "leaky_relu"

    @staticmethod
    def forward(ctx, x, negative_slope=0.01):
        ctx.slope = np.where(x > 0, 1, negative_slope).astype(x.dtype)
        with np.errstate(invalid="ignore"):  # -inf * a slope of 0: NaN, as PyTorch's
            return np.where(x > 0, x, x * negative_slope)

    @staticmethod
    def backward(ctx, g):
        # PyTorch's leaky_relu_backward, `x > 0 ? g : g * slope`: a multiply, so an inf g
        # times a slope of 0 is NaN there too
        return times_constant(g, ctx.slope, ctx.args[0])


@register("leaky_relu")
def leaky_relu(x: Any, negative_slope: float = 0.01) -> Tensor:
    """x where x > 0, else negative_slope * x."""
    return LeakyReLU.apply(to_tensor(x), negative_slope=negative_slope)


class _Select(Function):
    """Shared by Maximum and Minimum, as PyTorch's backward: `where(a == b, g / 2, g)`, then
    +0.0 where a side loses (a masked fill, exact: an inf or NaN g leaves the loser 0, where
    a multiply by a 0/1 weight made inf * 0 = NaN). Ties split the gradient evenly; a NaN on
    either side loses no comparison, so both a and b get all of it there."""

    select = staticmethod(np.maximum)
    loses = staticmethod(np.less)  # a loses to b

    @classmethod
    def forward(cls, ctx, a, b):
        a, b = promote(a, b)  # (nothing saved of them: the casts need no note)
        out = cls.select(a, b)
        if ctx.recording:
            need_a, need_b = ctx.needs_input_grad
            # out's shape, as g's (asarray: a 0-d comparison gives a numpy bool)
            ctx.a_loses = np.asarray(cls.loses(a, b)) if need_a else None
            ctx.b_loses = np.asarray(cls.loses(b, a)) if need_b else None
            ties = a == b
            # 1, or 0.5 at ties: g * half is g / 2 there, exactly, and g elsewhere
            ctx.half = np.where(ties, 0.5, 1.0).astype(out.dtype) if ties.any() else None
        return out

    @staticmethod
    def backward(ctx, g):
        if ctx.half is not None:
            g = g * ctx.half
        fill = ZeroWhere.apply if isinstance(g, Tensor) else zero_where  # create_graph: an op
        return (
            None if ctx.a_loses is None else fill(g, ctx.a_loses),
            None if ctx.b_loses is None else fill(g, ctx.b_loses),
        )


@register("maximum", numpy=np.maximum, form=binary)
class Maximum(_Select):
    """Elementwise max; where a == b the gradient is split evenly between them."""

    op = "maximum"
    select = staticmethod(np.maximum)
    loses = staticmethod(np.less)


@register("minimum", numpy=np.minimum, form=binary)
class Minimum(_Select):
    """Elementwise min; where a == b the gradient is split evenly between them."""

    op = "minimum"
    select = staticmethod(np.minimum)
    loses = staticmethod(np.greater)


class Where(Function):
    """where(condition, a, b): the condition is a constant (no gradient)."""

    op = "where"

    @staticmethod
    def forward(ctx, condition, a, b):
        condition = np.asarray(condition, dtype=bool)
        # Saved, not kept as an attribute: a bool Tensor's own array, which backward checks
        # was not modified in place since (as every saved input).
        ctx.save_for_backward(condition)
        a, b = promote(a, b)
        return np.where(condition, a, b)

    @staticmethod
    def backward(ctx, g):
        (c,) = ctx.saved_tensors
        return None, np.where(c, g, 0), np.where(c, 0, g)


@register(functions=("where",), numpy=np.where)
def where(condition: Any, a: Any = None, b: Any = None) -> Tensor:
    """Elements of `a` where `condition`, else of `b` (shapes broadcast). Two numbers give
    PyTorch's dtype: int64 for integers, bool for bools, the default float dtype otherwise."""
    if a is None or b is None:
        raise TypeError(
            "where: needs the condition and both a and b; where(condition) alone (PyTorch's "
            "nonzero(as_tuple=True)) is not supported: np.nonzero(condition.numpy())"
        )
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):  # a as PyTorch's 0-d tensor
        a = Tensor(a, dtype=number_dtype(a))  # of a number; Where's promotion does the rest
    return Where.apply(condition, a, b)


class Clip(Function):
    """Clamp to [lo, hi] (either may be None); the gradient passes where lo <= x <= hi."""

    op = "clip"

    @staticmethod
    def forward(ctx, x, lo=None, hi=None):
        if x.dtype.kind != "f":  # PyTorch's dtype: an integer x clamped to 0.5 is float32
            x, lo, hi = promote_all(x, lo, hi)  # (a float x keeps its dtype: numbers are weak)
            if x.dtype.kind == "b":  # (bool tensor bounds PyTorch takes: ClipByTensors)
                raise NotImplementedError(
                    "clamp: not implemented for a bool tensor with bool bounds (PyTorch's rule)"
                )
        mask = np.ones(x.shape, dtype=bool)
        if lo is not None:
            mask &= x >= lo
        if hi is not None:
            mask &= x <= hi
        ctx.blocked = ~mask  # NaN is blocked too (PyTorch's clamp_backward)
        return np.clip(x, lo, hi) if lo is not None or hi is not None else x.copy()

    @staticmethod
    def backward(ctx, g):
        return ZeroWhere.call(g, ctx.blocked)  # zeros outside the bounds, as ReLU's


class ClipByTensors(Function):
    """Clamp to tensor bounds lo, hi (either may be None; shapes broadcast). PyTorch's
    clamp_backward_min_max: x's gradient passes where lo <= x <= hi; a bound's where it binds
    (lo: x < lo, and lo < hi when both are given; hi: x > hi, or hi < lo, where hi wins)."""

    op = "clip"

    @staticmethod
    def forward(ctx, x, lo, hi):
        x, lo, hi = promote_all(x, lo, hi)  # PyTorch's dtype of the three, not numpy's
        out = np.clip(x, lo, hi)
        if ctx.recording:  # the masks are constants of the backward graph, as Clip's
            shape = out.shape
            passes_x = np.ones(shape, dtype=bool)
            if lo is not None:
                passes_x &= x >= lo
                binds_lo = x < lo if hi is None else (x < lo) & (lo < hi)
                ctx.lo_blocked = np.broadcast_to(~binds_lo, shape)
            if hi is not None:
                binds_hi = x > hi if lo is None else (x > hi) | (hi < lo)
                passes_x &= x <= hi
                ctx.hi_blocked = np.broadcast_to(~binds_hi, shape)
            ctx.x_blocked = ~passes_x  # NaN is blocked too
        return out

    @staticmethod
    def backward(ctx, g):
        need_x, need_lo, need_hi = ctx.needs_input_grad
        return (
            ZeroWhere.call(g, ctx.x_blocked) if need_x else None,
            ZeroWhere.call(g, ctx.lo_blocked) if need_lo else None,
            ZeroWhere.call(g, ctx.hi_blocked) if need_hi else None,
        )


@register("clip", "clamp", numpy=np.clip)
def clip(x: Any, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    """Clamp to [min, max] (either may be None; numbers, or tensors that broadcast with x);
    the gradient passes to x where min <= x <= max, and to a tensor bound where it binds."""
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        if min is not None and max is not None and type(min) is not type(max):
            raise TypeError(
                f"clamp: min and max must both be tensors or both numbers, got "
                f"{type(min).__name__} and {type(max).__name__} (PyTorch's rule too)"
            )
        return ClipByTensors.apply(to_tensor(x), min, max)
    # numpy scalar bounds count as Python numbers (as operands do, function.py): a float32
    # tensor clamped by np.float64(0) stays float32, as in PyTorch
    lo, hi = (v.item() if isinstance(v, np.number) else v for v in (min, max))
    return Clip.apply(to_tensor(x), lo=lo, hi=hi)


@register(methods=("__pos__",), numpy=np.positive)
def positive(x: Tensor) -> Tensor:
    """`+x` is x itself."""
    return x
