"""The op table, and the functional form of every op (`autodiff.exp(x)`, `autodiff.where(...)`).

Each op is a small `Function` subclass with forward and backward side by side:
elementwise.py (arithmetic, unary functions, activations), reduce.py (sum, mean, max, ...),
linalg.py (matmul), shape.py (reshape, permute, expand), indexing.py (getitem), join.py
(concatenate, stack, split, pad) and softmax.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor
from .elementwise import (
    Abs,
    Add,
    Cast,
    Clip,
    Cos,
    Div,
    Exp,
    LeakyReLU,
    Log,
    Log1p,
    Maximum,
    Minimum,
    Mul,
    Neg,
    Pow,
    ReLU,
    Sigmoid,
    Sin,
    Sqrt,
    Sub,
    Tanh,
    Where,
)
from .indexing import GetItem, ScatterAdd
from .join import Concatenate, Pad, Stack, concatenate, pad, split, stack
from .linalg import MatMul
from .reduce import LogSumExp, Max, Mean, Min, Prod, Sum, Var
from .shape import (
    Expand,
    Permute,
    Reshape,
    broadcast_to,
    expand,
    flatten,
    squeeze,
    swapaxes,
    transpose,
    unsqueeze,
)
from .softmax import LogSoftmax, Softmax

Axis = int | Sequence[int] | None


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def exp(x: Any) -> Tensor:
    return Exp.apply(_t(x))


def log(x: Any) -> Tensor:
    return Log.apply(_t(x))


def log1p(x: Any) -> Tensor:
    return Log1p.apply(_t(x))


def sqrt(x: Any) -> Tensor:
    return Sqrt.apply(_t(x))


def sin(x: Any) -> Tensor:
    return Sin.apply(_t(x))


def cos(x: Any) -> Tensor:
    return Cos.apply(_t(x))


def tanh(x: Any) -> Tensor:
    return Tanh.apply(_t(x))


def sigmoid(x: Any) -> Tensor:
    """1 / (1 + exp(-x)), stable for any finite x."""
    return Sigmoid.apply(_t(x))


def relu(x: Any) -> Tensor:
    return ReLU.apply(_t(x))


def leaky_relu(x: Any, negative_slope: float = 0.01) -> Tensor:
    return LeakyReLU.apply(_t(x), negative_slope=negative_slope)


def abs(x: Any) -> Tensor:  # noqa: A001
    return Abs.apply(_t(x))


def neg(x: Any) -> Tensor:
    return Neg.apply(_t(x))


def sign(x: Any) -> Tensor:
    """Elementwise sign; not differentiable (the result does not require grad)."""
    return _t(x).sign()


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise maximum; ties split the gradient evenly."""
    return Maximum.apply(_t(a), b)


def minimum(a: Any, b: Any) -> Tensor:
    return Minimum.apply(_t(a), b)


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """Elements of `a` where `condition`, else of `b` (shapes broadcast)."""
    return Where.apply(condition, a if isinstance(a, Tensor) or isinstance(b, Tensor) else _t(a), b)


def clip(x: Any, min: float | None = None, max: float | None = None) -> Tensor:  # noqa: A002
    return Clip.apply(_t(x), lo=min, hi=max)


clamp = clip


def matmul(a: Any, b: Any) -> Tensor:
    return MatMul.apply(_t(a), b)


def sum(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return Sum.apply(_t(x), axis=axis, keepdims=keepdims)


def mean(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    return Mean.apply(_t(x), axis=axis, keepdims=keepdims)


def max(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return Max.apply(_t(x), axis=axis, keepdims=keepdims)


def min(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return Min.apply(_t(x), axis=axis, keepdims=keepdims)


def var(x: Any, axis: Axis = None, ddof: int = 0, keepdims: bool = False) -> Tensor:
    return Var.apply(_t(x), axis=axis, ddof=ddof, keepdims=keepdims)


def std(x: Any, axis: Axis = None, ddof: int = 0, keepdims: bool = False) -> Tensor:
    return var(x, axis, ddof, keepdims).sqrt()


def prod(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    return Prod.apply(_t(x), axis=axis, keepdims=keepdims)


def logsumexp(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    return LogSumExp.apply(_t(x), axis=axis, keepdims=keepdims)


def softmax(x: Any, axis: int = -1) -> Tensor:
    return Softmax.apply(_t(x), axis=axis)


def log_softmax(x: Any, axis: int = -1) -> Tensor:
    return LogSoftmax.apply(_t(x), axis=axis)


def reshape(x: Any, shape: Sequence[int]) -> Tensor:
    return Reshape.apply(_t(x), shape=tuple(shape) if not isinstance(shape, int) else (shape,))


def permute(x: Any, axes: Sequence[int]) -> Tensor:
    return Permute.apply(_t(x), axes=tuple(axes))


cat = concatenate

__all__ = [
    "Abs",
    "Add",
    "Cast",
    "Clip",
    "Concatenate",
    "Cos",
    "Div",
    "Exp",
    "Expand",
    "GetItem",
    "LeakyReLU",
    "Log",
    "Log1p",
    "LogSoftmax",
    "LogSumExp",
    "MatMul",
    "Max",
    "Maximum",
    "Mean",
    "Min",
    "Minimum",
    "Mul",
    "Neg",
    "Pad",
    "Permute",
    "Pow",
    "Prod",
    "ReLU",
    "Reshape",
    "ScatterAdd",
    "Sigmoid",
    "Sin",
    "Softmax",
    "Sqrt",
    "Stack",
    "Sub",
    "Sum",
    "Tanh",
    "Var",
    "Where",
    "abs",
    "broadcast_to",
    "cat",
    "clamp",
    "clip",
    "concatenate",
    "cos",
    "exp",
    "expand",
    "flatten",
    "leaky_relu",
    "log",
    "log1p",
    "log_softmax",
    "logsumexp",
    "matmul",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "neg",
    "np",
    "pad",
    "permute",
    "prod",
    "relu",
    "reshape",
    "sigmoid",
    "sign",
    "sin",
    "softmax",
    "split",
    "sqrt",
    "squeeze",
    "stack",
    "std",
    "sum",
    "swapaxes",
    "tanh",
    "transpose",
    "unsqueeze",
    "var",
    "where",
]
