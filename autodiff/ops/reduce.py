"""Reductions over axes: sum, mean, max, min, var, prod, logsumexp (with `keepdims`).

Each backward first reshapes the incoming gradient to the keepdims shape, so it broadcasts
against the input again.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..dtypes import float_valued
from ..errors import DtypeError
from ..function import Function
from ..numpy_protocol import array_of
from ..registry import reduction, reduction_with_dtype, register, to_tensor
from ..tensor import Tensor
from ._axes import kept_shape, normalize_axes, reduced_dims
from .elementwise import ZeroWhere
from .shape import expand_to


def _accumulator(x: np.ndarray) -> type | None:
    """The dtype a sum of x accumulates in: float32 for float16, as PyTorch's reductions (the
    result is rounded to float16 once: a float16 accumulator overflows past 65504 and stops
    counting at 2048 + 1); None, x's own, otherwise."""
    return np.float32 if x.dtype.char == "e" else None


def _unsigned_as_int64(x: np.ndarray) -> np.ndarray:
    """Unsigned integers sum and multiply in int64, as PyTorch's (numpy's go to uint64); bool
    and signed integers already do in numpy."""
    return x.astype(np.int64) if x.dtype.kind == "u" else x


def _setup(ctx, x, axis):
    axes = normalize_axes(axis, x.ndim)
    ctx.shape = x.shape
    ctx.axes = axes
    ctx.keep = kept_shape(x.shape, axes)
    return axes


@register("sum", numpy=np.sum, form=reduction_with_dtype)
class Sum(Function):
    op = "sum"

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        x = _unsigned_as_int64(x)
        accumulator = _accumulator(x)
        if axis is None and not keepdims:  # the common loss.sum(): skip the axis bookkeeping
            ctx.shape = x.shape
            ctx.keep = None
            total = np.add.reduce(x, axis=None, dtype=accumulator)  # the ufunc: no wrapper
        else:
            axes = _setup(ctx, x, axis)
            total = np.add.reduce(x, axis=axes, keepdims=keepdims, dtype=accumulator)
        if accumulator is None:
            return total
        with np.errstate(over="ignore"):  # inf, as PyTorch's, without numpy's warning
            return total.astype(x.dtype)

    @staticmethod
    def backward(ctx, g):
        return expand_to(g if ctx.keep is None else g.reshape(ctx.keep), ctx.shape)


@register("mean", numpy=np.mean, form=reduction_with_dtype)
class Mean(Function):
    op = "mean"

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        if x.dtype.kind != "f":  # PyTorch refuses them (numpy's mean would be float64)
            raise DtypeError(
                "could not infer output dtype. Input dtype must be either a floating point or "
                f"complex dtype. Got: {x.dtype} (PyTorch's rule; convert first, x.float().mean(), "
                "or give mean(dtype=...))"
            )
        axes = _setup(ctx, x, axis)
        ctx.count = count = int(np.prod([x.shape[a] for a in axes]))
        accumulator = _accumulator(x)
        total = np.add.reduce(x, axis=axes, keepdims=keepdims, dtype=accumulator)
        if count == 0:  # an empty axis: NaN, as in PyTorch (without numpy's warning)
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = total / count
        else:
            mean = total / count
        return mean if accumulator is None else mean.astype(x.dtype)  # float16's, rounded once

    @staticmethod
    def backward(ctx, g):
        if ctx.count == 0:  # nothing was averaged: every (zero-size) input gets a zero gradient
            return np.zeros(ctx.shape, dtype=g.dtype)
        return expand_to(g.reshape(ctx.keep) / ctx.count, ctx.shape)


class _Extremum(Function):
    """Shared by the full reductions: the gradient is split evenly among tied extrema (PyTorch's
    `max()` and `amax` do the same), divided by their count as PyTorch divides it. A slice
    holding NaN has NaN as its extremum; its gradient goes to its NaNs (as PyTorch's `max()`
    routes it) — or, for `amax`/`amin` (`nan_gradient`), is NaN across the slice, as PyTorch's
    amax gives.

    `max()`/`min()` put grad / count at the extrema and +0.0 elsewhere (PyTorch's masked fill
    on the CPU: an inf or NaN incoming gradient leaves the others 0); `amax`/`amin` multiply
    grad / count by the 0/1 mask (PyTorch's scale_grad_by_count: inf * 0 = NaN there, and a
    NaN slice, where no element equals the extremum, gets 0 / 0 * 0 = NaN)."""

    reduce = staticmethod(np.max)
    nan_gradient = False

    @classmethod
    def forward(cls, ctx, x, axis=None, keepdims=False):
        axes = _setup(ctx, x, axis)
        if any(x.shape[a] == 0 for a in axes) or (x.size == 0 and not axes):
            raise ValueError(f"{cls.op} over an empty axis (shape {x.shape}, axis {axis})")
        out = cls.reduce(x, axis=axes, keepdims=True)
        ctx.x = x
        ctx.out = out
        ctx.save_for_backward(x)  # for the version check only (backward reads ctx.x)
        return out if keepdims else out.reshape([n for i, n in enumerate(x.shape) if i not in axes])

    @classmethod
    def backward(cls, ctx, g):
        ctx.saved_tensors  # noqa: B018 (raises if x was modified in place since forward)
        x, out = ctx.x, ctx.out
        winners = np.asarray(x == out)  # (an array when x is 0-d too)
        if not cls.nan_gradient:
            nan_out = out != out
            if nan_out.any():  # NaN == NaN is False: NaNs win their slices explicitly
                winners |= (x != x) & nan_out
        count = np.asarray(winners.sum(axis=ctx.axes, keepdims=True), dtype=x.dtype)
        if cls.nan_gradient:
            empty = count == 0  # a NaN slice: nothing equals its extremum
            if empty.any():  # PyTorch's grad / 0 * 0 is NaN: so is grad / 1 * NaN, quietly
                count[empty] = 1
                share = g.reshape(ctx.keep) / count * np.where(empty, np.nan, 1).astype(x.dtype)
            else:
                share = g.reshape(ctx.keep) / count
            with np.errstate(invalid="ignore"):  # inf * 0 = NaN, as PyTorch's, unwarned
                return share * winners.astype(x.dtype)
        share = g.reshape(ctx.keep) / count
        if isinstance(share, Tensor):  # create_graph: an op of g
            return ZeroWhere.call(expand_to(share, ctx.shape), ~winners)
        grad = np.zeros(ctx.shape, dtype=share.dtype)  # +0.0, and share's bits at the extrema
        np.copyto(grad, share, where=winners)
        return grad


# `x.max()` (no dim) and numpy's np.max(t, axis) on a Tensor record these; `x.max(dim)` with
# its indices is in select.py.
@register(methods=(), functions=(), numpy=(np.max, np.amax), form=reduction)
class Max(_Extremum):
    op = "max"
    reduce = staticmethod(np.max)


@register(methods=(), functions=(), numpy=(np.min, np.amin), form=reduction)
class Min(_Extremum):
    op = "min"
    reduce = staticmethod(np.min)


@register("amax", form=reduction)
class AMax(_Extremum):
    """PyTorch's amax: the maximum over one dim, several or all; ties share the gradient."""

    op = "amax"
    reduce = staticmethod(np.max)
    nan_gradient = True


@register("amin", form=reduction)
class AMin(_Extremum):
    """PyTorch's amin: the minimum over one dim, several or all; ties share the gradient."""

    op = "amin"
    reduce = staticmethod(np.min)
    nan_gradient = True


class Var(Function):
    """Variance with numpy's `ddof` (0: divide by N; the public `var` defaults to 1). float16's is
    computed in float32 and rounded to float16, unless `wide` (std's, rounded after the sqrt)."""

    op = "var"

    @staticmethod
    def forward(ctx, x, axis=None, ddof=0, keepdims=False, wide=False):
        if x.dtype.kind != "f":  # PyTorch refuses them (numpy's var would be float64)
            raise DtypeError(
                f"std and var only support floating point dtypes, got {x.dtype} (PyTorch's "
                "rule; convert first, e.g. x.float())"
            )
        axes = _setup(ctx, x, axis)
        count = int(np.prod([x.shape[a] for a in axes]))
        if count - ddof <= 0:
            raise ValueError(
                f"var: ddof={ddof} needs more than {ddof} elements along axis {axis}, "
                f"but shape {x.shape} has {count}"
            )
        ctx.scale = 2 / (count - ddof)
        ctx.save_for_backward(x)
        accumulator = _accumulator(x)
        with np.errstate(all="ignore"):  # inf and NaN (of inf - inf), as PyTorch's, unwarned
            out = np.var(x, axis=axes, ddof=ddof, keepdims=keepdims, dtype=accumulator)
            if accumulator is None or wide:
                return out
            return out.astype(x.dtype)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        with np.errstate(all="ignore"):  # (as forward)
            centered = x - x.mean(axis=ctx.axes, keepdims=True)
            return g.reshape(ctx.keep) * centered * ctx.scale


Axis = int | tuple[int, ...] | None


@register("var")
def var(
    x: Any,
    axis: Axis = None,
    ddof: float | bool | None = None,
    keepdims: bool = False,
    *,
    dim: Axis = None,
    keepdim: bool | None = None,
    correction: float | None = None,
    unbiased: bool | None = None,
) -> Tensor:
    """Variance, as PyTorch's `var`: divided by N - 1 by default (Bessel's correction).

    The correction is `correction=` (PyTorch), `ddof=` (numpy; `ddof=0` divides by N) or
    `unbiased=` (False is 0); positionally `x.var(dim, unbiased, keepdim)`. `np.var(t)` keeps
    numpy's own default, 0. PyTorch's other overload, `x.var(unbiased)` (a bool first), too.
    """
    axis, unbiased = _unbiased_first(axis, unbiased)
    return _var(
        x,
        reduced_dims(axis if dim is None else dim),
        ddof,
        keepdims if keepdim is None else keepdim,
        correction,
        unbiased,
    )


def _unbiased_first(axis: Any, unbiased: bool | None) -> tuple[Any, bool | None]:
    """PyTorch's `var(unbiased)` overload: a bool in the dim's place is `unbiased` (over all
    dims), not dim 0 or 1."""
    if isinstance(axis, bool | np.bool_):
        if unbiased is not None:
            raise TypeError("var: got unbiased twice (a bool first is PyTorch's var(unbiased))")
        return None, bool(axis)
    return axis, unbiased


def _var(
    x: Any,
    axis: Axis,
    ddof: float | bool | None,
    keepdims: bool,
    correction: float | None = None,
    unbiased: bool | None = None,
    wide: bool = False,
) -> Tensor:
    """`var` with `axis` as numpy reads it (an empty one reduces nothing); `wide`: see Var."""
    given = [c for c in (ddof, correction, unbiased) if c is not None]
    if len(given) > 1:
        raise TypeError("var: give one of ddof, correction and unbiased")
    # A bool (`unbiased`) counts as 0 or 1; a fractional correction (PyTorch takes any number:
    # N - 0.5) is kept as it is, not truncated to an int.
    ddof_value = (int(given[0]) if isinstance(given[0], bool) else given[0]) if given else 1
    return Var.apply(to_tensor(x), axis=axis, ddof=ddof_value, keepdims=keepdims, wide=wide)


@register("std")
def std(
    x: Any,
    axis: Axis = None,
    ddof: float | bool | None = None,
    keepdims: bool = False,
    *,
    dim: Axis = None,
    keepdim: bool | None = None,
    correction: float | None = None,
    unbiased: bool | None = None,
) -> Tensor:
    """Standard deviation: the square root of `var` (same arguments; N - 1 by default)."""
    axis, unbiased = _unbiased_first(axis, unbiased)
    return _std(
        x,
        reduced_dims(axis if dim is None else dim),
        ddof,
        keepdims if keepdim is None else keepdim,
        correction,
        unbiased,
    )


def _std(x: Any, axis: Axis, *var_args: Any) -> Tensor:
    """`std` with `axis` as numpy reads it. A float16 std is computed in float32 and rounded
    once, as PyTorch's: rounding the variance first would overflow from a deviation of 256."""
    x = to_tensor(x)
    half = x.dtype == np.float16
    return StdOfVar.apply(_var(x, axis, *var_args, wide=True), dtype=x.dtype if half else None)


class StdOfVar(Function):
    """sqrt(variance), whose gradient is 0 where the deviation is 0 (PyTorch's std_backward):
    sqrt's own gives 0 * inf = NaN there, for constant inputs. `dtype`: the result's, when the
    variance is wider (float16's std); the backward computes in it, as PyTorch's."""

    op = "std"

    @staticmethod
    def forward(ctx, variance, dtype=None):
        out = np.sqrt(variance)
        if dtype is not None:
            out = out.astype(dtype)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        zero = np.asarray(array_of(out) == 0)
        with np.errstate(over="ignore"):  # a float16 2 * out past 65504: inf, as PyTorch's
            if not zero.any():
                return g / (2 * out)
            return np.where(zero, 0, g / (2 * np.where(zero, 1, out)))


# numpy's functions on a Tensor keep numpy's defaults: np.var(t) divides by N.
@register(methods=(), functions=(), numpy=np.var)
def numpy_var(
    a: Any,
    axis: Axis = None,
    dtype: Any = None,
    out: Any = None,
    ddof: int = 0,
    keepdims: bool = False,
    *,
    dim: Axis = None,
    keepdim: bool | None = None,
) -> Tensor:
    """`np.var(t)`: numpy's signature and default (ddof=0), recorded."""
    _numpy_only("var", dtype, out)
    return _var(a, axis if dim is None else dim, ddof, keepdims if keepdim is None else keepdim)


@register(methods=(), functions=(), numpy=np.std)
def numpy_std(
    a: Any,
    axis: Axis = None,
    dtype: Any = None,
    out: Any = None,
    ddof: int = 0,
    keepdims: bool = False,
    *,
    dim: Axis = None,
    keepdim: bool | None = None,
) -> Tensor:
    """`np.std(t)`: numpy's signature and default (ddof=0), recorded."""
    _numpy_only("std", dtype, out)
    axis = axis if dim is None else dim
    return _std(a, axis, ddof, keepdims if keepdim is None else keepdim)


def _numpy_only(name: str, dtype: Any, out: Any) -> None:
    if dtype is not None or out is not None:
        raise TypeError(
            f"np.{name} on a Tensor: dtype= and out= are not supported (convert the tensor "
            "with .to(dtype) first; the result is a new Tensor)"
        )


@register("logsumexp", form=reduction)
class LogSumExp(Function):
    """log(sum(exp(x))) computed stably by shifting by the maximum."""

    op = "logsumexp"

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        x = float_valued(x)
        axes = _setup(ctx, x, axis)
        if any(x.shape[a] == 0 for a in axes):  # log(0): -inf, as numpy and PyTorch give
            out = np.full(ctx.keep, -np.inf, dtype=x.dtype)
            ctx.save_for_backward(x, out)
            return (
                out
                if keepdims
                else out.reshape([n for i, n in enumerate(x.shape) if i not in axes])
            )
        m = np.max(x, axis=axes, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)
        # log(0) = -inf for an all -inf slice; x - m overflowing near the dtype's max; inf - inf
        # in a slice with +inf: PyTorch's values, without numpy's warnings about them.
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            out = np.log(np.sum(np.exp(x - m), axis=axes, keepdims=True)) + m
        if not keepdims:
            out = out.reshape([n for i, n in enumerate(x.shape) if i not in axes])
        ctx.save_for_backward(x, out)  # the returned object: differentiable under create_graph
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        with np.errstate(over="ignore", invalid="ignore"):  # as in forward
            return g.reshape(ctx.keep) * np.exp(x - out.reshape(ctx.keep))


@register("prod", numpy=np.prod, form=reduction_with_dtype)
class Prod(Function):
    """Product. The gradient is PyTorch's prod_backward: grad * (result / x) where x holds no
    zero (so NaN for an infinite x, inf / inf, and a product that overflowed divides as it
    stands); where it does, each element's is the product of all the others (zeros included,
    no division by x), by exclusive cumulative products — or zeros, for a prod() of the whole
    tensor with two zeros or more (outside create_graph, as PyTorch's shortcut). A 0-d x
    passes the gradient on. No numpy warning from these formulas (PyTorch's values, quietly)."""

    op = "prod"

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        axes = _setup(ctx, x, axis)
        ctx.whole = axis is None  # PyTorch's prod() (no dim): its shortcut for several zeros
        out = np.prod(_unsigned_as_int64(x), axis=axes, keepdims=keepdims)
        ctx.save_for_backward(x, out)  # the returned object: differentiable under create_graph
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        if 0 in ctx.shape:  # an empty input has an empty gradient
            return np.zeros(ctx.shape, dtype=g.dtype)
        if not ctx.shape:  # 0-d: the gradient itself, as PyTorch's
            return g
        g = g.reshape(ctx.keep)
        zeros = np.count_nonzero(array_of(x) == 0)
        if not zeros:
            with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
                return g * (out.reshape(ctx.keep) / x)
        if zeros > 1 and ctx.whole and not isinstance(g, Tensor):
            return np.zeros(ctx.shape, dtype=g.dtype)
        # Move the reduced axes last and flatten them into one axis of length n.
        axes = ctx.axes
        rest = [a for a in range(len(ctx.shape)) if a not in axes]
        perm = rest + list(axes)
        moved = x.transpose(perm)
        flat_shape = moved.shape[: len(rest)] + (-1,)
        flat = moved.reshape(flat_shape)
        with np.errstate(over="ignore", invalid="ignore"):  # inf * 0 = NaN, as PyTorch's
            if isinstance(flat, Tensor):
                # Differentiable form (create_graph): for each i, the product of the row with
                # x_i replaced by 1 — O(n^2) memory, which only higher-order gradients pay.
                n = flat.shape[-1]
                eye = np.eye(n, dtype=bool)
                expanded = flat.unsqueeze(-2).expand(*flat.shape[:-1], n, n)
                others = Prod.apply(np.where(eye, 1, expanded), axis=-1)
            else:
                ones = np.ones(flat.shape[:-1] + (1,), dtype=flat.dtype)
                left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
                right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)
                others = left * right[..., ::-1]
            others = others.reshape(moved.shape).transpose(np.argsort(perm).tolist())
            return g * others
