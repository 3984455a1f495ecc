"""PyTorch's further activations as fused ops: softplus, the ELU family (elu, selu, celu),
hardtanh (and relu6), hardsigmoid, hardswish; and prelu, a composite.

Each is one node whose backward is PyTorch's formula, kinks included: a composite of existing
ops would take other one-sided derivatives at the kinks (clamp passes the gradient at its
bounds, hardtanh does not; relu + log1p(exp(-|x|)) has gradient 0 at 0, softplus 1/2), and
would overflow where the unused branch of a `where` does (expm1(1000) in elu). Forwards are
stable at any finite input: no exp of a large positive number is taken.

PyTorch has `selu`, `celu` and `prelu` at the top level (and `Tensor.prelu`): those are
registered here; the others are nn.functional's only (nn/functional/activation.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Function
from ..registry import register, to_tensor
from ..tensor import Tensor
from .elementwise import Sigmoid, ZeroWhere, where, zero_where


def check_float(name: str, x: Tensor) -> None:
    """PyTorch's kernels of these activations exist for floating-point dtypes only."""
    if x.dtype.kind != "f":
        raise TypeError(f"{name}: expected a floating-point tensor, got dtype {x.dtype}")


class Softplus(Function):
    """log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (PyTorch's switch to
    the linear function). The gradient is sigmoid(beta x), and 1 above the threshold."""

    op = "softplus"

    @staticmethod
    def forward(ctx, x, beta=1.0, threshold=20.0):
        z = x if beta == 1 else x * beta
        # max(z, 0) + log1p(exp(-|z|)) = log1p(exp(z)), with no exp of a positive number
        soft = np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))
        if beta != 1:
            with np.errstate(divide="ignore", invalid="ignore"):  # beta = 0: inf, NaN, silent
                soft = soft / beta
        above = z > threshold
        if not above.any():
            above = None
        if ctx.recording:
            ctx.above = above
            ctx.save_for_backward(x)
        return soft if above is None else np.where(above, x, soft)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        beta = ctx.kwargs.get("beta", 1.0)
        # an op of x under create_graph: twice differentiable
        slope = Sigmoid.call(x if beta == 1 else x * beta)
        if ctx.above is None:
            return g * slope
        return np.where(ctx.above, g, g * slope)


class ELU(Function):
    """PyTorch's elu kernel: scale * x where x > 0, else scale * alpha * expm1(input_scale * x).
    elu is (alpha, 1, 1), selu (its alpha, its scale, 1), celu (alpha, 1, 1/alpha). At 0 the
    gradient is the negative branch's, scale * alpha * input_scale, as PyTorch's (x <= 0)."""

    op = "elu"

    @staticmethod
    def forward(ctx, x, alpha=1.0, scale=1.0, input_scale=1.0):
        negative = x <= 0  # NaN takes the positive branch, as PyTorch's
        if ctx.recording:
            ctx.negative = negative
            ctx.save_for_backward(x)
        # expm1 of the negative part only: expm1(1000) would overflow in the unused branch
        below = np.expm1(np.minimum(x, 0) * input_scale) * (alpha * scale)
        return np.where(negative, below, x * scale)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        alpha, scale, input_scale = (
            ctx.kwargs.get(k, 1.0) for k in ("alpha", "scale", "input_scale")
        )
        # where, not minimum: under create_graph minimum would halve x's gradient at 0
        negative_part = np.where(ctx.negative, x, 0)
        slope = np.exp(negative_part * input_scale) * (input_scale * alpha * scale)
        return np.where(ctx.negative, g * slope, g * scale)


class Hardtanh(Function):
    """Clamp to [min_val, max_val]. The gradient is PyTorch's hardtanh_backward: zero at and
    beyond the bounds (x <= min_val or x >= max_val), where clamp's passes at the bounds."""

    op = "hardtanh"

    @staticmethod
    def forward(ctx, x, min_val=-1.0, max_val=1.0):
        if x.dtype.kind in "iu":  # PyTorch casts the bounds to the integer dtype (truncating)
            min_val, max_val = int(min_val), int(max_val)
        if ctx.recording:
            ctx.blocked = (x <= min_val) | (x >= max_val)  # NaN passes, as PyTorch's
            ctx.save_for_backward(x)  # to be version-checked: PyTorch's backward reads x
        return np.clip(x, min_val, max_val)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        if isinstance(x, Tensor):  # create_graph: x stays in the graph with a zero derivative
            return ZeroWhere.apply(g, ctx.blocked, x)
        return zero_where(g, ctx.blocked)


class Hardsigmoid(Function):
    """clamp(x + 3, 0, 6) / 6 (PyTorch's order of operations); the gradient is 1/6 strictly
    between -3 and 3, else 0 (0 at NaN too)."""

    op = "hardsigmoid"

    @staticmethod
    def forward(ctx, x):
        if ctx.recording:
            ctx.blocked = ~((x > -3) & (x < 3))
            ctx.save_for_backward(x)
        return np.clip(x + 3, 0, 6) / 6

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        if isinstance(x, Tensor):
            return ZeroWhere.apply(g / 6, ctx.blocked, x)
        return zero_where(g / 6, ctx.blocked)


class Hardswish(Function):
    """x * clamp(x + 3, 0, 6) / 6. The gradient is PyTorch's: 0 for x <= -3, x / 3 + 1/2 for
    -3 < x < 3, 1 for x >= 3 (and at NaN)."""

    op = "hardswish"

    @staticmethod
    def forward(ctx, x):
        if ctx.recording:
            ctx.low = x <= -3
            ctx.middle = (x > -3) & (x < 3)
            ctx.save_for_backward(x)
        return x * np.clip(x + 3, 0, 6) / 6

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        passed = np.where(ctx.middle, g * (x / 3 + 0.5), g)
        return ZeroWhere.call(passed, ctx.low)


SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def elu(x: Any, alpha: float = 1.0) -> Tensor:
    """x where x > 0, else alpha * (exp(x) - 1). Shape preserved."""
    x = to_tensor(x)
    check_float("elu", x)
    return ELU.apply(x, alpha=float(alpha))


@register("selu", methods=())
def selu(x: Any) -> Tensor:
    """scale * elu(x, alpha) with PyTorch's constants (Klambauer et al.'s self-normalising
    values). Shape preserved."""
    x = to_tensor(x)
    check_float("selu", x)
    return ELU.apply(x, alpha=SELU_ALPHA, scale=SELU_SCALE)


@register("celu", methods=())
def celu(x: Any, alpha: float = 1.0) -> Tensor:
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1)); alpha = 0 raises, as PyTorch's."""
    x = to_tensor(x)
    check_float("celu", x)
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")  # PyTorch's
    return ELU.apply(x, alpha=float(alpha), input_scale=1.0 / float(alpha))


def softplus(x: Any, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    x = to_tensor(x)
    check_float("softplus", x)
    return Softplus.apply(x, beta=float(beta), threshold=float(threshold))


@register("prelu")
def prelu(x: Any, weight: Tensor) -> Tensor:
    """x where x > 0, else weight * x, weight (1 or C elements, C = x.shape[1]; 1 for 0-d and
    1-d x) broadcast along dim 1, as PyTorch's. The gradient at 0 is weight's side, as
    PyTorch's (x > 0 ? g : weight * g); weight's there is 0. Output: x's shape."""
    x, weight = to_tensor(x), to_tensor(weight)
    if weight.ndim > 1:
        raise RuntimeError(
            f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.ndim}"
        )
    count = weight.numel()
    if count == 1:
        w = weight.reshape(())
    else:
        if x.ndim == 0:
            raise RuntimeError("prelu: Not allow zero-dim input tensor.")
        channels = x.shape[1] if x.ndim > 1 else 1
        if channels != count:
            raise RuntimeError(
                f"prelu: Mismatch of parameter numbers and input channel size. Found parameter "
                f"numbers = {count} and channel size = {channels}."
            )
        w = weight.reshape((count,) + (1,) * (x.ndim - 2))
    return where(x.data > 0, x, w * x)
