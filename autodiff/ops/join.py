"""Joining and splitting: concatenate, stack, split, pad."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import ShapeError
from ..function import Function
from ..registry import register, to_tensor
from ..tensor import Tensor
from ._axes import normalize_axes


class Concatenate(Function):
    """The arrays joined along `axis`. `skip_empty`: PyTorch's legacy rule, which skips 1-d
    empty tensors (shape (0,)) whatever the others' shapes, so that `out = torch.tensor([])`
    then `out = torch.cat([out, batch])` works; they still count in the result's dtype."""

    op = "concat"

    @staticmethod
    def forward(ctx, *arrays, axis=0, skip_empty=False):
        ctx.skipped = skipped = (
            [np.shape(a) == (0,) for a in arrays] if skip_empty else [False] * len(arrays)
        )
        kept = [a for a, skip in zip(arrays, skipped, strict=True) if not skip]
        try:
            if not kept:  # all of shape (0,)
                out = np.concatenate(arrays)
            elif len(kept) < len(arrays):
                out = np.concatenate(kept, axis=axis, dtype=np.result_type(*arrays))
            else:
                out = np.concatenate(arrays, axis=axis)
        except ValueError:
            shapes = ", ".join(str(np.shape(a)) for a in arrays)
            raise ShapeError(f"concatenate: shapes {shapes} do not fit along axis {axis}") from None
        ctx.axis = ax = normalize_axes(axis, out.ndim)[0]
        widths = [0 if skip else np.shape(a)[ax] for a, skip in zip(arrays, skipped, strict=True)]
        ctx.bounds = np.cumsum([0, *widths]).tolist()
        return out

    @staticmethod
    def backward(ctx, g):
        lead = (slice(None),) * ctx.axis
        b = ctx.bounds
        return tuple(
            g.reshape(-1)[:0] if ctx.skipped[i] else g[lead + (slice(b[i], b[i + 1]),)]
            for i in range(len(b) - 1)
        )


class Stack(Function):
    op = "stack"

    @staticmethod
    def forward(ctx, *arrays, axis=0):
        try:
            out = np.stack(arrays, axis=axis)
        except ValueError:
            shapes = ", ".join(str(np.shape(a)) for a in arrays)
            raise ShapeError(f"stack: all shapes must be equal, got {shapes}") from None
        ctx.axis = normalize_axes(axis, out.ndim)[0]
        ctx.count = len(arrays)
        return out

    @staticmethod
    def backward(ctx, g):
        lead = (slice(None),) * ctx.axis
        return tuple(g[lead + (i,)] for i in range(ctx.count))


class Pad(Function):
    """Constant padding with numpy's `pad_width` ((before, after) per axis, or one pair)."""

    op = "pad"

    @staticmethod
    def forward(ctx, x, pad_width, value=0.0):
        widths = np.broadcast_to(np.asarray(pad_width, dtype=int), (x.ndim, 2))
        if (widths < 0).any():
            raise ShapeError(f"pad: negative pad widths {pad_width}")
        ctx.region = tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, x.shape, strict=True))
        return np.pad(x, widths, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx, g):
        return g[ctx.region]


@register(functions=("concatenate", "cat"))
def concatenate(tensors: Sequence[Any], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """The tensors joined along an existing axis; 1-d empty ones (shape (0,)) are skipped,
    as PyTorch's cat skips them."""
    if not len(tensors):
        raise ShapeError("concatenate: needs at least one tensor")
    return Concatenate.apply(*tensors, axis=axis if dim is None else dim, skip_empty=True)


@register(methods=(), functions=(), numpy=np.concatenate)
def numpy_concatenate(tensors: Sequence[Any], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """`np.concatenate` on Tensors: numpy's meaning, where every array must fit."""
    if not len(tensors):
        raise ShapeError("concatenate: needs at least one tensor")
    return Concatenate.apply(*tensors, axis=axis if dim is None else dim)


@register(functions=("stack",), numpy=np.stack)
def stack(tensors: Sequence[Any], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """The tensors (all of one shape) joined along a new axis."""
    if not len(tensors):
        raise ShapeError("stack: needs at least one tensor")
    return Stack.apply(*tensors, axis=axis if dim is None else dim)


@register("split")
def split(
    x: Any, split_size_or_sections: int | Sequence[int], axis: int = 0, *, dim: int | None = None
) -> tuple[Tensor, ...]:
    """PyTorch's split: chunks of `split_size` (the last may be smaller), or the given sizes."""
    x = to_tensor(x)
    ax = normalize_axes(axis if dim is None else dim, x.ndim)[0]
    n = x.shape[ax]
    if isinstance(split_size_or_sections, int | np.integer):
        size = int(split_size_or_sections)
        if size < 0 or (size == 0 and n):
            raise ShapeError(f"split: split size must be positive, got {size}")
        # an empty axis is one empty chunk, as in PyTorch (a loop over the chunks runs once)
        sizes = [min(size, n - start) for start in range(0, n, size)] if n else [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n:
            raise ShapeError(
                f"split: sections {sizes} do not add up to {n} (axis {ax} of {x.shape})"
            )
    lead = (slice(None),) * ax
    bounds = np.cumsum([0] + sizes).tolist()
    return tuple(x[lead + (slice(bounds[i], bounds[i + 1]),)] for i in range(len(sizes)))


@register("pad")
def pad(x: Any, pad_width: Any, value: float = 0.0) -> Tensor:
    """Constant padding: numpy's `pad_width` ((before, after) per axis, or one pair)."""
    return Pad.apply(to_tensor(x), pad_width=pad_width, value=value)


@register(numpy=np.pad)
def numpy_pad(x: Any, pad_width: Any, mode: str = "constant", constant_values: float = 0) -> Tensor:
    """`np.pad` on a Tensor: the constant mode only (numpy's other modes raise)."""
    if mode != "constant":
        raise NotImplementedError(
            f"np.pad on a Tensor: mode={mode!r} is not supported, only 'constant'"
        )
    return pad(x, pad_width, constant_values)
