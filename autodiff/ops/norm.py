"""Vector norms: `x.norm(p="fro", dim=None, keepdim=False)` (torch.norm), `vector_norm`
(torch.linalg.vector_norm) and numpy's `np.linalg.norm` on a Tensor.

    p = 2 ("fro")   sqrt(sum x^2)              p = inf    max |x|
    p = 1           sum |x|                    p = -inf   min |x|
    p = 0           the number of non-zeros    other p    (sum |x|^p)^(1/p)

over `dim` (an int, several, or all by default). Gradients are PyTorch's, including where the
norm is not differentiable: 0 for the 2-norm (and every p > 1) of a zero vector, sign(x) for
p = 1 (0 at 0), the gradient shared evenly among the tied maxima for inf (NaN elements get 0,
PyTorch's sign of NaN), and none for p = 0 (x.grad stays None, as in PyTorch). Matrix norms
(`p="nuc"`, numpy's matrix `ord`s) raise.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..dtypes import DTypeLike
from ..function import Function
from ..registry import register, to_tensor
from ..tensor import Tensor
from ._axes import kept_shape, normalize_axes, reduced_dims
from .elementwise import times_constant

Dim = int | tuple[int, ...] | list[int] | None


class VectorNorm(Function):
    """The `ord`-norm of x over `axis` (all axes for None)."""

    op = "norm"

    @staticmethod
    def forward(ctx, x, ord=2.0, axis=None, keepdims=False):  # noqa: A002 - numpy's name
        axes = normalize_axes(axis, x.ndim)
        ctx.axes = axes
        ctx.keep = kept_shape(x.shape, axes)
        ctx.ord = ord
        if ctx.recording:
            sign = np.sign(x)
            # PyTorch's sgn(NaN) is 0
            ctx.sign = np.nan_to_num(sign, nan=0.0) if np.isnan(sign).any() else sign
        a = np.abs(x)
        if ord == math.inf or ord == -math.inf:
            if any(x.shape[d] == 0 for d in axes) or (x.size == 0 and not axes):
                raise ValueError(
                    f"the {ord}-norm of an empty slice (shape {x.shape}, dim {axis}) is undefined"
                )
            out = (np.max if ord > 0 else np.min)(a, axis=axes, keepdims=True)
        elif ord == 0:
            out = np.sum(x != 0, axis=axes, keepdims=True).astype(x.dtype)
        elif ord == 1:
            out = np.sum(a, axis=axes, keepdims=True)
        elif ord == 2:
            with np.errstate(over="ignore"):  # squares past the dtype's range: inf, as torch
                out = np.sqrt(np.sum(x * x, axis=axes, keepdims=True))
        else:
            with np.errstate(divide="ignore", over="ignore"):  # 0 ** negative p: inf, as torch
                out = np.sum(a**ord, axis=axes, keepdims=True) ** (1 / ord)
        if not keepdims:
            out = out.reshape([n for d, n in enumerate(x.shape) if d not in axes])
        ctx.save_for_backward(x, out)  # the returned object: differentiable under create_graph
        return out

    @staticmethod
    def backward(ctx, g):
        # PyTorch's norm_backward, in its order of operations; where it multiplies an inf or
        # NaN gradient by 0 (a zero x, a 0/1 mask) the result is NaN there too, as its is,
        # without numpy's warning
        with np.errstate(invalid="ignore", over="ignore"):
            return VectorNorm._backward(ctx, g)

    @staticmethod
    def _backward(ctx, g):
        x, norm = ctx.saved_tensors
        p, sign = ctx.ord, ctx.sign
        g, norm = g.reshape(ctx.keep), norm.reshape(ctx.keep)
        if p == 0:  # piecewise constant: no gradient (PyTorch leaves x.grad None too)
            return None
        if p == 1:
            return times_constant(g, sign, x)  # PyTorch's sgn(x) * grad
        norm_array = np.asarray(norm.data if isinstance(norm, Tensor) else norm)
        zero = norm_array == 0
        if p == math.inf or p == -math.inf:
            a = np.abs(np.asarray(x.data if isinstance(x, Tensor) else x))
            winners = (a == norm_array) | np.isnan(a)
            count = winners.sum(axis=ctx.axes, keepdims=True).astype(norm_array.dtype)
            # sgn(x) * ((grad / count) * mask): divided, as PyTorch's (not times 1 / count)
            return times_constant(g / count, sign * winners.astype(norm_array.dtype), x)
        # Where the norm is 0 the gradient is 0 (PyTorch's masked_fill), computed without 0/0.
        safe = np.where(zero, 1, norm)
        if p == 2:  # grad * (x / norm), the ratio masked: an inf grad times 0 is NaN there
            return g * np.where(zero, 0, x / safe)
        a = np.abs(x)
        if p < 1:  # |x|^(p-1) is infinite at 0: PyTorch takes 0 there
            powered = np.where(a == 0, 0, np.where(a == 0, 1, a) ** (p - 1))
            return sign * powered * g * norm ** (1 - p)
        scaled = sign * a ** (p - 1) if p < 2 else x * a ** (p - 2)
        return np.where(zero, 0, scaled * (g / safe ** (p - 1)))


def _ord(p: Any, dim: Dim, what: str) -> float:
    """The vector ord of torch.norm's p (None, "fro", a number); matrix norms raise."""
    if p is None or p == "fro":
        if p == "fro" and isinstance(dim, tuple | list) and len(dim) > 2:
            raise ValueError(f"{what}: p='fro' takes at most 2 dims, got dim={dim!r}")
        return 2.0
    if isinstance(p, str):
        raise NotImplementedError(
            f"{what}: p={p!r} is a matrix norm, which glassgrad does not implement (vector "
            "norms: p='fro', or a number, inf and -inf included)"
        )
    if isinstance(p, bool) or not isinstance(p, int | float | np.integer | np.floating):
        raise TypeError(f"{what}: p must be a number or 'fro', got {p!r}")
    return float(p)


def _vector_norm(x: Any, ord: float, dim: Dim, keepdim: bool, dtype: Any, what: str) -> Tensor:  # noqa: A002
    x = to_tensor(x)
    if dtype is not None:
        x = x.astype(dtype)
    if x.dtype.kind != "f":
        raise TypeError(
            f"{what}: the input must be floating point, got dtype {x.dtype} (convert it first, "
            "e.g. x.float() or dtype=)"
        )
    axis = tuple(dim) if isinstance(dim, list) else dim
    return VectorNorm.apply(x, ord=ord, axis=axis, keepdims=bool(keepdim))


@register("norm")
def norm(
    x: Any,
    p: Any = "fro",
    dim: Dim = None,
    keepdim: bool = False,
    dtype: DTypeLike | None = None,
    *,
    axis: Dim = None,
    keepdims: bool | None = None,
) -> Tensor:
    """torch.norm: the p-norm of x over `dim` (all elements by default), p = "fro" (2), a number,
    inf or -inf; see the module docstring for the gradients."""
    dim = reduced_dims(dim if axis is None else axis)
    keepdim = keepdim if keepdims is None else keepdims
    return _vector_norm(x, _ord(p, dim, "norm"), dim, keepdim, dtype, "norm")


@register(methods=(), functions=("vector_norm",))
def vector_norm(
    x: Any,
    ord: float = 2,  # noqa: A002 - PyTorch's name
    dim: Dim = None,
    keepdim: bool = False,
    *,
    dtype: DTypeLike | None = None,
    axis: Dim = None,
    keepdims: bool | None = None,
) -> Tensor:
    """torch.linalg.vector_norm: as `norm`, with a numeric `ord` (2 by default)."""
    if isinstance(ord, str):
        raise TypeError(f"vector_norm: ord must be a number, got {ord!r}")
    dim = reduced_dims(dim if axis is None else axis)
    keepdim = keepdim if keepdims is None else keepdims
    return _vector_norm(x, _ord(ord, dim, "vector_norm"), dim, keepdim, dtype, "vector_norm")


@register(methods=(), functions=(), numpy=np.linalg.norm)
def numpy_norm(
    x: Any,
    ord: Any = None,  # noqa: A002 - numpy's name
    axis: Dim = None,
    keepdims: bool = False,
    *,
    dim: Dim = None,
    keepdim: bool | None = None,
) -> Tensor:
    """np.linalg.norm on a Tensor: its vector norms (ord None or "fro": the 2-norm of all
    elements; a number over one axis or a vector). Matrix norms raise: not differentiable here."""
    x = to_tensor(x)
    axis = axis if dim is None else dim
    keepdims = keepdims if keepdim is None else keepdim
    if ord is None or ord == "fro":
        return _vector_norm(x, 2.0, axis, keepdims, None, "np.linalg.norm")
    one_axis = isinstance(axis, int | np.integer) or (axis is None and x.ndim == 1)
    if not one_axis or isinstance(ord, str):
        raise TypeError(
            f"np.linalg.norm with ord={ord!r} over {'all axes' if axis is None else axis} of a "
            f"{x.ndim}-d tensor is a matrix norm, which glassgrad does not differentiate; use "
            "x.norm(p, dim) for vector norms, or call np.linalg.norm(x.detach().numpy(), ...)"
        )
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    return _vector_norm(
        x, _ord(ord, axis, "np.linalg.norm"), axis, keepdims, None, "np.linalg.norm"
    )
