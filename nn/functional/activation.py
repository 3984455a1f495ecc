"""Activation functions, PyTorch-named (`dim=` where PyTorch has it).

Most are autodiff's own ops or compositions of them (gelu of erf, mish of softplus); `step` is
the one op defined here.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

import autodiff
from autodiff import Function, Tensor
from autodiff.ops import activations as _activations
from autodiff.ops.elementwise import ZeroWhere


def relu(x: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0), elementwise; the gradient at 0 is 0. `inplace=True` overwrites x and returns
    it (see `_in_place`)."""
    if inplace:
        return _in_place("relu", x, autodiff.relu)
    return autodiff.relu(x)


def relu_(x: Tensor) -> Tensor:
    """`relu(x, inplace=True)`: x overwritten with max(x, 0) and returned."""
    return _in_place("relu_", x, autodiff.relu)


def leaky_relu(x: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x where x > 0, else negative_slope * x. `inplace=True` overwrites x and returns it."""
    if inplace:
        return _in_place("leaky_relu", x, lambda t: autodiff.leaky_relu(t, negative_slope))
    return autodiff.leaky_relu(x, negative_slope)


def leaky_relu_(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """`leaky_relu(x, negative_slope, inplace=True)`."""
    return leaky_relu(x, negative_slope, True)


def rrelu(
    x: Tensor,
    lower: float = 1.0 / 8,
    upper: float = 1.0 / 3,
    training: bool = False,
    inplace: bool = False,
    *,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """The randomized leaky ReLU (Xu et al.): x where x > 0, else a * x. Training: a is drawn
    for each element uniformly from [lower, upper) (from `generator`, keyword-only and
    glassgrad's, or the global generator `autodiff.manual_seed` seeds), so the gradient of an
    element x <= 0 is its slope, as PyTorch's; otherwise a = (lower + upper) / 2, a leaky ReLU.
    Note PyTorch's default `training=False` here (nn.RReLU passes its mode). Shape kept."""
    if lower > upper:
        raise RuntimeError("rrelu: Lower bound should be less than or equal to the upper bound")
    _activations.check_float("rrelu", x)
    if not training:
        return leaky_relu(x, (lower + upper) / 2, inplace)
    if inplace:
        return _in_place("rrelu", x, lambda t: rrelu(t, lower, upper, True, generator=generator))
    draws = autodiff.rand(x.shape, dtype=x.dtype, rng=generator).data
    # PyTorch's noise: 1 where x > 0, the slope lower + (upper - lower) * u elsewhere
    noise = np.where(x.data > 0, 1, lower + (upper - lower) * draws).astype(x.dtype)
    return x * noise


def rrelu_(
    x: Tensor,
    lower: float = 1.0 / 8,
    upper: float = 1.0 / 3,
    training: bool = False,
    *,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """`rrelu(x, lower, upper, training, inplace=True)`."""
    return rrelu(x, lower, upper, training, True, generator=generator)


def _in_place(name: str, x: Tensor, function: Any) -> Tensor:
    """PyTorch's `inplace=True`: x overwritten with `function(x)` and returned, its version
    bumped. Recorded when x requires grad (its grad_fn becomes the activation's node; a leaf
    that requires grad raises, as in PyTorch): see `Tensor._apply_in_place`."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(inplace=True): expected a Tensor, got {type(x).__name__}")
    return x._apply_in_place(f"{name}(inplace=True)" if not name.endswith("_") else name, function)


def threshold(x: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """PyTorch's threshold: `value` where x <= threshold, else x (NaN stays NaN); same shape and
    dtype (an integer input keeps its dtype, `value` cast to it, as PyTorch's). The gradient is 1
    where x > threshold, else 0. `inplace=True` overwrites x and returns it."""
    if inplace:
        return _in_place("threshold", x, lambda t: _threshold(t, threshold, value))
    return _threshold(x, threshold, value)


def threshold_(x: Tensor, threshold: float, value: float) -> Tensor:
    """`threshold(x, threshold, value, inplace=True)`."""
    return _in_place("threshold_", x, lambda t: _threshold(t, threshold, value))


def _threshold(x: Tensor, threshold: float, value: float) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"threshold: expected a Tensor, got {type(x).__name__}")
    # `<=`, not `>`: a NaN fails it and is kept, as PyTorch's; a where's gradient is then
    # PyTorch's threshold_backward, the incoming gradient where x > threshold and 0 elsewhere.
    fill: Any = value
    if x.dtype.kind in "iub":  # keep the integer dtype (numpy would promote to float)
        fill = np.asarray(value).astype(x.dtype)
    return autodiff.where(x <= threshold, fill, x)


def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + exp(-x)), stable for any finite x."""
    return autodiff.sigmoid(x)


def tanh(x: Tensor) -> Tensor:
    return autodiff.tanh(x)


def softmax(x: Tensor, dim: int | None = None, *, dtype: Any = None) -> Tensor:
    """exp(x) / sum(exp(x)) along `dim`, shifted by the maximum (stable); `dtype` converts x
    to it first, as PyTorch's."""
    return autodiff.softmax(x, axis=_softmax_dim("softmax", x, dim), dtype=dtype)


def log_softmax(x: Tensor, dim: int | None = None, *, dtype: Any = None) -> Tensor:
    """log(softmax(x)) along `dim`, computed without taking the log of a small number; `dtype`
    converts x to it first, as PyTorch's."""
    return autodiff.log_softmax(x, axis=_softmax_dim("log_softmax", x, dim), dtype=dtype)


def _softmax_dim(name: str, x: Any, dim: int | None) -> int:
    """`dim`, or without one PyTorch's implicit choice (0 for 0-, 1- and 3-d input, else 1),
    with PyTorch's warning: the last axis would silently differ for 3-d and 4-d input."""
    if dim is not None:
        return dim
    ndim = np.ndim(x)
    dim = 0 if ndim in (0, 1, 3) else 1
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include "
        f"dim={dim} as an argument (glassgrad chose dim={dim}, as PyTorch does).",
        UserWarning,
        stacklevel=3,
    )
    return dim


class Step(Function):
    """The step function of the McCulloch-Pitts neuron: 1 where x > 0, else 0.

    Its derivative is zero everywhere (and undefined at 0), so backward passes zeros: the
    op stays in the graph, and a loss built on it backpropagates without error, but nothing
    before it learns. That is why the perceptron's step was replaced by sigmoid and ReLU.
    """

    op = "step"

    @staticmethod
    def forward(ctx, x):
        return (x > 0).astype(x.dtype)

    @staticmethod
    def backward(ctx, g):
        # +0.0 everywhere, even from an inf or NaN g (g * 0 would be NaN there); an op of g
        # under create_graph
        return ZeroWhere.call(g, np.ones(g.shape, dtype=bool))


def step(x: Tensor) -> Tensor:
    """1.0 where x > 0, else 0.0 (x's dtype); its gradient is zero (see `Step`)."""
    if x.dtype.kind != "f":
        raise TypeError(f"step: expected a floating-point tensor, got dtype {x.dtype}")
    return Step.apply(x)


_SQRT_HALF = math.sqrt(0.5)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """The Gaussian error linear unit, x * Phi(x) (Hendrycks & Gimpel). `approximate="tanh"`
    gives 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), as PyTorch's."""
    if approximate == "none":
        if x.dtype.kind != "f":
            raise TypeError(f"gelu: expected a floating-point tensor, got dtype {x.dtype}")
        return 0.5 * x * (1.0 + autodiff.erf(x * _SQRT_HALF))
    if approximate == "tanh":
        return 0.5 * x * (1.0 + autodiff.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)))
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def silu(x: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x) (the swish), differentiable to any order."""
    if inplace:
        return _in_place("silu", x, silu)
    return x * autodiff.sigmoid(x)


# --------------------------------------------------------- PyTorch's further activations
# Fused ops (one node, PyTorch's backward at the kinks) live in autodiff/ops/activations.py;
# the rest compose ops whose gradients are exact there too.


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta x)) / beta, x itself where beta x > threshold. Stable at any x (no
    exp of a large number: at x = 1000 it is 1000, where PyTorch's formula overflows once
    the threshold is raised above it). Shape preserved."""
    return _activations.softplus(x, beta, threshold)


def elu(x: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x where x > 0, else alpha * (exp(x) - 1); the gradient at 0 is alpha (PyTorch's)."""
    if inplace:
        return _in_place("elu", x, lambda t: elu(t, alpha))
    return _activations.elu(x, alpha)


def selu(x: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha), alpha = 1.6732632..., scale = 1.0507009... (PyTorch's)."""
    if inplace:
        return _in_place("selu", x, selu)
    return autodiff.selu(x)


def celu(x: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1)); alpha = 0 raises."""
    if inplace:
        return _in_place("celu", x, lambda t: celu(t, alpha))
    return autodiff.celu(x, alpha)


def hardtanh(
    x: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False
) -> Tensor:
    """Clamp to [min_val, max_val]; the gradient is 0 at the bounds (PyTorch's), 1 between."""
    if inplace:
        return _in_place("hardtanh", x, lambda t: hardtanh(t, min_val, max_val))
    if min_val > max_val:
        raise ValueError("hardtanh: min_val cannot be greater than max_val")
    return _activations.Hardtanh.apply(x, min_val=min_val, max_val=max_val)


def relu6(x: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6): hardtanh(x, 0, 6), gradient 0 at 0 and at 6 (PyTorch's)."""
    if inplace:
        return _in_place("relu6", x, relu6)
    return _activations.Hardtanh.apply(x, min_val=0.0, max_val=6.0)


def hardsigmoid(x: Tensor, inplace: bool = False) -> Tensor:
    """clamp(x + 3, 0, 6) / 6; the gradient is 1/6 strictly inside (-3, 3), else 0."""
    if inplace:
        return _in_place("hardsigmoid", x, hardsigmoid)
    _activations.check_float("hardsigmoid", x)
    return _activations.Hardsigmoid.apply(x)


def hardswish(x: Tensor, inplace: bool = False) -> Tensor:
    """x * clamp(x + 3, 0, 6) / 6; the gradient is 0 at -3 and 1 at 3 (PyTorch's)."""
    if inplace:
        return _in_place("hardswish", x, hardswish)
    _activations.check_float("hardswish", x)
    return _activations.Hardswish.apply(x)


def mish(x: Tensor, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x)) (Misra), stable at any x: softplus without its threshold, as
    PyTorch's mish."""
    if inplace:
        return _in_place("mish", x, mish)
    _activations.check_float("mish", x)
    return x * autodiff.tanh(_activations.softplus(x, 1.0, math.inf))


def softsign(x: Tensor) -> Tensor:
    """x / (1 + |x|), as PyTorch's composite."""
    x = _floating(x)
    return x / (x.abs() + 1)


def logsigmoid(x: Tensor) -> Tensor:
    """log(sigmoid(x)) = -softplus(-x), computed without overflow or log(0) at any x."""
    _activations.check_float("logsigmoid", x)
    # 0 - softplus(-x), not its negation: +0.0 where softplus(-x) is 0 (x = 1000), as PyTorch's
    # min(x, 0) - log1p(exp(-|x|)), where the negation would give -0.0
    return 0.0 - _activations.softplus(-x, 1.0, math.inf)


def tanhshrink(x: Tensor) -> Tensor:
    """x - tanh(x), as PyTorch's composite."""
    x = _floating(x)
    return x - autodiff.tanh(x)


def _floating(x: Tensor) -> Tensor:
    """Integer and bool input in the default float dtype, where PyTorch's composites end up
    (int / int and int - float32 give float32 there; numpy's rules would give float64)."""
    return x.to(autodiff.get_default_dtype()) if x.dtype.kind in "biu" else x


def softmin(x: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    """softmax(-x) along `dim` (PyTorch's implicit choice and warning without one)."""
    return autodiff.softmax(-x, axis=_softmax_dim("softmin", x, dim), dtype=dtype)


def glu(x: Tensor, dim: int = -1) -> Tensor:
    """The gated linear unit: a * sigmoid(b), a and b the halves of x along `dim` (even)."""
    if x.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    size = x.shape[dim]
    if size % 2:
        raise RuntimeError(
            f"glu: Halving dimension must be even, but dimension {dim % x.ndim} is size {size}"
        )
    a, b = x.chunk(2, dim)
    return a * autodiff.sigmoid(b)


def prelu(x: Tensor, weight: Tensor) -> Tensor:
    """x where x > 0, else weight * x; weight has 1 or x.shape[1] elements (see autodiff.prelu)."""
    return autodiff.prelu(x, weight)


def elu_(x: Tensor, alpha: float = 1.0) -> Tensor:
    """`elu(x, alpha, inplace=True)`."""
    return elu(x, alpha, True)


def selu_(x: Tensor) -> Tensor:
    """`selu(x, inplace=True)`."""
    return selu(x, True)


def celu_(x: Tensor, alpha: float = 1.0) -> Tensor:
    """`celu(x, alpha, inplace=True)`."""
    return celu(x, alpha, True)


def hardtanh_(x: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """`hardtanh(x, min_val, max_val, inplace=True)`."""
    return hardtanh(x, min_val, max_val, True)
