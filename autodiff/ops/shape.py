"""Shape ops: reshape, permute/transpose, expand/broadcast_to, and the helpers built on them
(flatten, squeeze, unsqueeze, swapaxes). Outputs share the input's memory where numpy can."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import ShapeError
from ..function import Function
from ..registry import register, to_tensor
from ..tensor import Tensor
from ._axes import normalize_axes


class Reshape(Function):
    """The same elements in a new shape, as a view of the input (`reshape_op` picks this or
    `ReshapeCopy`)."""

    op = "reshape"
    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        try:
            return x.reshape(shape)  # (the method: np.reshape's dispatch costs 5x the reshape)
        except ValueError:
            raise ShapeError(f"reshape: cannot reshape {x.shape} into {tuple(shape)}") from None

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.in_shape)


class ReshapeCopy(Reshape):
    """A reshape numpy can only make by copying (a transposed input flattened, say): the result
    has its own memory and its own version counter, as PyTorch's reshape then has."""

    is_view = False


def reshape_op(x: Tensor, shape: tuple[int, ...]) -> type[Reshape]:
    """`Reshape` when x's array reshapes to `shape` as a view (always for a C-contiguous one),
    else `ReshapeCopy`. (An impossible shape gets `ReshapeCopy` too, whose forward names it.)"""
    data = x.data
    if data.flags.c_contiguous:
        return Reshape
    try:
        if _RESHAPE_REFUSES_COPIES:  # numpy >= 2.1 answers without copying
            np.reshape(data, shape, copy=False)
            return Reshape
        out = data.reshape(shape)
    except ValueError:
        return ReshapeCopy
    return Reshape if out.size == 0 or np.may_share_memory(out, data) else ReshapeCopy


_RESHAPE_REFUSES_COPIES = np.lib.NumpyVersion(np.__version__) >= "2.1.0"


class Permute(Function):
    op = "transpose"
    is_view = True

    @staticmethod
    def forward(ctx, x, axes=None):
        if axes is None:
            axes = tuple(range(x.ndim))[::-1]
        elif sorted(a % max(x.ndim, 1) for a in axes) != list(range(x.ndim)):
            raise ShapeError(
                f"permute: {tuple(axes)} is not a permutation of the axes of {x.shape}"
            )
        ctx.inverse = tuple(np.argsort([a % x.ndim for a in axes]).tolist())
        return np.transpose(x, axes)

    @staticmethod
    def backward(ctx, g):
        return g.transpose(ctx.inverse)


class Expand(Function):
    """Broadcast to a larger shape (no copy); backward sums over the broadcast axes."""

    op = "expand"
    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        try:
            out = np.broadcast_to(x, shape)  # read-only: its broadcast elements share memory
        except ValueError:
            raise ShapeError(
                f"expand/broadcast_to: cannot broadcast shape {x.shape} to {tuple(shape)}"
            ) from None
        lead = out.ndim - x.ndim
        if out.shape[lead:] == x.shape and out.shape[:lead] == (1,) * lead and x.flags.writeable:
            # Nothing broadcast (`x.expand(-1, -1)`, new leading dims of size 1): a view that
            # can be written into, as PyTorch's is
            return x.reshape(out.shape)
        return out

    @staticmethod
    def backward(ctx, g):
        return g  # the engine sums the gradient back to the input's shape


def expand_to(g, shape: tuple[int, ...]):
    """`g` broadcast to `shape`, for backward formulas: recorded when `g` is a Tensor; for an
    array materialised by assignment into an empty array, which costs less than
    np.broadcast_to on small arrays, where per-op overhead is what counts."""
    if isinstance(g, Tensor):
        return Expand.apply(g, shape=shape)
    out = np.empty(shape, dtype=g.dtype)
    out[...] = g
    return out


@register("reshape", numpy=np.reshape)
def reshape(x: Any, *sizes: int | Sequence[int], shape: Sequence[int] | None = None) -> Tensor:
    """The same elements in a new shape: `x.reshape(2, 3)`, `x.reshape((2, 3))` or
    `reshape(x, shape=(2, 3))`; one size may be -1. A view of x where numpy can make one, else
    a copy (PyTorch's rule: only a view shares x's memory and its version counter)."""
    x = to_tensor(x)
    shape = _sizes("reshape", sizes if shape is None else (shape,))
    return reshape_op(x, shape).apply(x, shape=shape)


@register(methods=("view",))
def view(x: Tensor, *sizes: int | Sequence[int]) -> Tensor:
    """PyTorch's `x.view(2, 3)`: a reshape that is always a view of x, sharing its memory. A
    shape that needs a copy (`x.T.view(-1)`) raises PyTorch's RuntimeError, pointing to
    `reshape` (which copies) and `contiguous`: a copy would silently drop the writes a view
    passes on to x. PyTorch's `x.view(dtype)` (the same bytes read as another dtype) raises."""
    if len(sizes) == 1 and _is_dtype(sizes[0]):
        raise TypeError(
            f"view: x.view(dtype) (the bytes read as {np.dtype(sizes[0])}) is not supported; "
            "x.to(dtype) converts the values, x.numpy().view(dtype) reads the bytes"
        )
    shape = _sizes("view", sizes)
    if reshape_op(x, shape) is ReshapeCopy and _reshapes(x.data, shape):
        strides = tuple(s // x.data.itemsize for s in x.data.strides)
        raise RuntimeError(
            f"view: shape {shape} is not compatible with the input's shape {x.shape} and "
            f"strides {strides} (at least one dimension spans across two contiguous "
            "subspaces): use .reshape(...) instead, or .contiguous().view(...)"
        )
    try:
        return Reshape.apply(x, shape=shape)
    except ShapeError:
        raise ShapeError(f"view: cannot view a tensor of shape {x.shape} as {shape}") from None


def _is_dtype(arg: Any) -> bool:
    """A dtype (`torch.int64`, which is numpy's, or a dtype object), not a size."""
    return isinstance(arg, np.dtype) or (isinstance(arg, type) and issubclass(arg, np.generic))


def _reshapes(data: np.ndarray, shape: tuple[int, ...]) -> bool:
    """Whether numpy can reshape `data` to `shape` at all (by copying, if it must)."""
    try:
        data.reshape(shape)
    except ValueError:
        return False
    return True


class Contiguous(Function):
    """A C-contiguous copy of a tensor that is not one; the gradient passes straight through."""

    op = "contiguous"

    @staticmethod
    def forward(ctx, x):
        return x.copy(order="C")

    @staticmethod
    def backward(ctx, g):
        return g


@register(methods=("contiguous",))
def contiguous(x: Tensor) -> Tensor:
    """PyTorch's `x.contiguous()`: x itself when its array is C-contiguous (row-major, what
    `view` needs), else a row-major copy that stays in the graph."""
    return x if x.data.flags.c_contiguous else Contiguous.apply(x)


@register(methods=("is_contiguous",))
def is_contiguous(x: Tensor) -> bool:
    """PyTorch's `x.is_contiguous()`: whether x's array is C-contiguous (row-major)."""
    return bool(x.data.flags.c_contiguous)


@register(methods=("view_as",))
def view_as(x: Tensor, other: Tensor) -> Tensor:
    """PyTorch's `x.view_as(other)`: `x.view(other.shape)`."""
    return view(x, tuple(other.shape))


def _sizes(op: str, args: tuple) -> tuple[int, ...]:
    shape = shape_arg(args)
    if any(size < -1 for size in shape):  # numpy reads any negative size as -1; PyTorch refuses
        raise ShapeError(f"{op}: invalid size in {shape}: sizes are >= 0 or one -1")
    return shape


@register("permute")
def permute(x: Any, *order: int | Sequence[int], dims: Sequence[int] | None = None) -> Tensor:
    """The axes in the order given (`x.permute(2, 0, 1)`, `permute(x, (2, 0, 1))` or PyTorch's
    keyword, `x.permute(dims=(2, 0, 1))`)."""
    if dims is not None:
        if order:
            raise TypeError("permute: give the order once, positionally or as dims=")
        order = (dims,)
    return Permute.apply(to_tensor(x), axes=shape_arg(order))


@register("transpose", numpy=np.transpose)
def transpose(
    x: Any,
    *dims: int | Sequence[int],
    axes: Sequence[int] | None = None,
    dim0: int | None = None,
    dim1: int | None = None,
) -> Tensor:
    """`transpose(x, dim0, dim1)` swaps two axes, as in PyTorch (keywords `dim0=`, `dim1=`
    too); no axes reverses them, and a full permutation (`transpose(x, 2, 0, 1)`, a tuple, or
    `axes=`) permutes, as in numpy."""
    x = to_tensor(x)
    if dim0 is not None or dim1 is not None:
        dims = (*dims, *(d for d in (dim0, dim1) if d is not None))
        if len(dims) != 2:
            raise TypeError(f"transpose: expected two dims (dim0, dim1), got {dims}")
    if axes is not None:
        dims = (axes,)
    # two dims: ints, numpy integers or 0-d integer tensors (anything with __index__; a 0-d
    # tensor was read as a one-element permutation and swapped nothing)
    if len(dims) == 2 and all(hasattr(type(a), "__index__") for a in dims):
        return swapaxes(x, dims[0], dims[1])
    return Permute.apply(x, axes=shape_arg(dims) if dims else None)


@register("swapaxes", numpy=np.swapaxes)
def swapaxes(x: Any, axis1: int, axis2: int) -> Tensor:
    """Swap two axes."""
    x = to_tensor(x)
    a, b = normalize_axes(axis1, x.ndim), normalize_axes(axis2, x.ndim)  # checked
    if x.ndim == 0:  # 0 and -1 are a 0-d tensor's dims, as in PyTorch: nothing to swap
        return Permute.apply(x, axes=())
    axes = list(range(x.ndim))
    a, b = a[0], b[0]
    axes[a], axes[b] = axes[b], axes[a]
    return Permute.apply(x, axes=tuple(axes))


@register("t")
def t(x: Any) -> Tensor:
    """PyTorch's `t()`: a matrix transposed (a view); a 0-d or 1-d tensor as it is (a view of
    it). More than two dimensions raise, as in PyTorch: say which two to swap."""
    x = to_tensor(x)
    if x.ndim > 2:
        raise RuntimeError(
            f"t() expects a tensor with <= 2 dimensions, but self is {x.ndim}D (shape "
            f"{x.shape}): use transpose(dim0, dim1)"
        )
    return Permute.apply(x, axes=None)


@register("broadcast_to", numpy=np.broadcast_to)
def broadcast_to(x: Any, shape: Sequence[int]) -> Tensor:
    """x broadcast to `shape`, as numpy's broadcast_to (a view; backward sums it back)."""
    return Expand.apply(to_tensor(x), shape=tuple(shape))


@register("expand")
def expand(x: Any, *sizes: int | Sequence[int]) -> Tensor:
    """PyTorch's expand: `sizes` may add leading dims; -1 keeps an existing dim."""
    x = to_tensor(x)
    sizes = shape_arg(sizes)
    lead = len(sizes) - x.ndim
    if lead < 0:
        raise ShapeError(f"expand: {len(sizes)} sizes given for a {x.ndim}-d tensor {x.shape}")
    shape = tuple(x.shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(sizes))
    return Expand.apply(x, shape=shape)


@register("flatten")
def flatten(x: Any, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims start_dim..end_dim into one (PyTorch semantics; a 0-d tensor becomes (1,))."""
    x = to_tensor(x)
    in_shape = x.data.shape
    ndim = len(in_shape)
    if ndim == 0:
        return Reshape.apply(x, shape=(1,))
    start, end = _dim(start_dim, ndim), _dim(end_dim, ndim)
    if start > end:
        raise ShapeError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    shape = in_shape[:start] + (-1,) + in_shape[end + 1 :]
    if x.data.size == 0:
        shape = in_shape[:start] + (int(np.prod(in_shape[start : end + 1])),) + in_shape[end + 1 :]
    return reshape_op(x, shape).apply(x, shape=shape)


def _dim(dim: Any, ndim: int) -> int:
    """One axis of an ndim >= 1 tensor, made non-negative: `normalize_axes((dim,), ndim)[0]`,
    with the common case (an int in range) first, without building tuples (a Flatten layer
    runs this on every forward)."""
    if type(dim) is int and -ndim <= dim < ndim:
        return dim % ndim
    return normalize_axes((dim,), ndim)[0]


@register("squeeze")
def squeeze(
    x: Any, axis: int | Sequence[int] | None = None, *, dim: int | Sequence[int] | None = None
) -> Tensor:
    """PyTorch's squeeze: drop size-1 axes (all of them, or those of the given ones that have
    size 1: a given axis of another size is kept, not an error, so that `out.squeeze(1)` works
    whatever the batch holds)."""
    return _squeeze(to_tensor(x), axis if dim is None else dim, strict=False)


@register(methods=(), functions=(), numpy=np.squeeze)
def numpy_squeeze(
    a: Any, axis: int | Sequence[int] | None = None, *, dim: int | Sequence[int] | None = None
) -> Tensor:
    """`np.squeeze(t, axis)`: numpy's meaning, where a given axis must have size 1."""
    return _squeeze(to_tensor(a), axis if dim is None else dim, strict=True)


def _squeeze(x: Tensor, axis: int | Sequence[int] | None, strict: bool) -> Tensor:
    """Drop the size-1 axes among `axis` (all axes for None); `strict`: any other raises."""
    if axis is None:
        axes = tuple(i for i, n in enumerate(x.shape) if n == 1)
    else:
        axes = normalize_axes(axis, x.ndim)
        if strict:
            for a in axes:
                if x.shape[a] != 1:
                    raise ShapeError(
                        f"np.squeeze: axis {a} of shape {x.shape} has size {x.shape[a]}, not 1"
                    )
        axes = tuple(a for a in axes if x.shape[a] == 1)
    return Reshape.apply(x, shape=tuple(n for i, n in enumerate(x.shape) if i not in axes))


@register("unsqueeze")
def unsqueeze(x: Any, axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """Insert a size-1 axis at `axis` (negative counts from the end of the result)."""
    x = to_tensor(x)
    axis = axis if dim is None else dim
    if axis is None:
        raise TypeError("unsqueeze: missing the axis (axis= or dim=) to insert")
    if not -x.ndim - 1 <= axis <= x.ndim:
        raise ShapeError(f"unsqueeze: axis {axis} is out of range for a {x.ndim}-d tensor")
    pos = axis if axis >= 0 else x.ndim + axis + 1
    return Reshape.apply(x, shape=x.shape[:pos] + (1,) + x.shape[pos:])


def shape_arg(args: tuple) -> tuple[int, ...]:
    """Sizes given as `f(2, 3)` or `f((2, 3))`, as PyTorch and numpy both accept."""
    if len(args) == 1 and isinstance(args[0], Sequence | np.ndarray):
        return tuple(int(a) for a in args[0])
    return tuple(int(a) for a in args)
