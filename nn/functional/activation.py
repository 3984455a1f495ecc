"""Activation functions, PyTorch-named (`dim=` where PyTorch has it).

Most are autodiff's own ops or compositions of them (gelu of erf); `step` is the one op
defined here.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

import autodiff
from autodiff import Function, Tensor
from autodiff.ops.elementwise import ZeroWhere


def relu(x: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0), elementwise; the gradient at 0 is 0. `inplace=True` raises (see `_inplace`)."""
    if inplace:
        _inplace("relu")
    return autodiff.relu(x)


def leaky_relu(x: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x where x > 0, else negative_slope * x. `inplace=True` raises (see `_inplace`)."""
    if inplace:
        _inplace("leaky_relu")
    return autodiff.leaky_relu(x, negative_slope)


def _inplace(name: str) -> None:
    # PyTorch's inplace=True overwrites the input, and code may read the input afterwards
    # expecting the activated values: computing out of place instead would be a silent change.
    raise NotImplementedError(
        f"{name}(inplace=True): glassgrad's activations do not modify their input; use "
        "inplace=False (the default) and the returned tensor"
    )


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
    """x * sigmoid(x) (the swish), differentiable to any order. `inplace=True` raises."""
    if inplace:
        _inplace("silu")
    return x * autodiff.sigmoid(x)
