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
from .indexing import ScatterAdd


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


PAD_MODES = ("constant", "reflect", "edge", "wrap")


def pad_source_index(n: int, lo: int, hi: int, mode: str) -> np.ndarray:
    """For one axis of size `n` padded by (lo, hi) in a non-constant mode: the source index of
    each output position (length n + lo + hi). A negative width crops that side first, as
    PyTorch's F.pad does. 'reflect' mirrors about the end elements without repeating them and
    'edge' repeats them (numpy's meanings, also for widths past the axis: reflect then folds
    with period 2(n-1)); 'wrap' is periodic over the cropped axis (PyTorch's circular pad
    wraps what is left after cropping)."""
    if mode == "wrap":
        kept = np.arange(max(0, -lo), n - max(0, -hi))
        if not len(kept):
            if lo > 0 or hi > 0:
                raise ShapeError(f"pad: 'wrap' has nothing left to wrap after cropping {(lo, hi)}")
            return kept
        return kept[np.arange(-max(lo, 0), len(kept) + max(hi, 0)) % len(kept)]
    j = np.arange(-lo, n + hi)
    if mode == "edge" or n == 1:
        return np.clip(j, 0, n - 1)
    period = 2 * (n - 1)
    j = j % period
    return np.where(j > n - 1, period - j, j)


class Pad(Function):
    """Padding with numpy's `pad_width` ((before, after) per axis, or one pair). `mode`: numpy's
    'constant' (fill with `value`), 'reflect', 'edge' or 'wrap'. Negative widths crop (the
    callers that follow numpy refuse them; F.pad passes them, as PyTorch crops)."""

    op = "pad"

    @staticmethod
    def forward(ctx, x, pad_width, value=0.0, mode="constant"):
        widths = np.broadcast_to(np.asarray(pad_width, dtype=int), (x.ndim, 2))
        ctx.shape, ctx.mode = x.shape, mode
        if mode == "constant":
            # crop (negative widths), then pad; backward reads the cropped region back
            ctx.crop = crop = tuple(
                slice(max(0, -lo), n - max(0, -hi))
                for (lo, hi), n in zip(widths, x.shape, strict=True)
            )
            kept = x[crop]
            grow = np.maximum(widths, 0)
            ctx.region = tuple(
                slice(lo, lo + k) for (lo, _), k in zip(grow, kept.shape, strict=True)
            )
            return np.pad(kept, grow, mode="constant", constant_values=value)
        if mode not in PAD_MODES:
            raise ValueError(f"pad: mode {mode!r} is not one of {PAD_MODES}")
        # a gather per padded axis; backward scatter-adds along the same indices, so the
        # gradient of every copy of a source element lands on it
        ctx.gathers = gathers = []
        out = x
        for axis, ((lo, hi), n) in enumerate(zip(widths, x.shape, strict=True)):
            if lo or hi:
                if n == 0:
                    raise ShapeError(f"pad: mode {mode!r} cannot extend the empty axis {axis}")
                index = pad_source_index(n, int(lo), int(hi), mode)
                gathers.append((axis, n, index))
                out = np.take(out, index, axis=axis)
        return out if gathers else x.copy()

    @staticmethod
    def backward(ctx, g):
        if ctx.mode == "constant":
            inner = g[ctx.region]
            if inner.shape == ctx.shape:
                return inner
            return ScatterAdd.call(inner, shape=ctx.shape, index=ctx.crop)
        for axis, n, index in reversed(ctx.gathers):
            shape = g.shape[:axis] + (n,) + g.shape[axis + 1 :]
            g = ScatterAdd.call(g, shape=shape, index=(slice(None),) * axis + (index,))
        return g


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
def pad(x: Any, pad_width: Any, value: float = 0.0, mode: str = "constant") -> Tensor:
    """numpy's padding: `pad_width` ((before, after) per axis, or one pair), non-negative;
    `mode` 'constant' (fill with `value`), 'reflect', 'edge' or 'wrap'. (nn.functional.pad is
    PyTorch's, with its pad order, cropping and mode names.)"""
    x = to_tensor(x)
    widths = np.broadcast_to(np.asarray(pad_width, dtype=int), (x.ndim, 2))
    if (widths < 0).any():
        raise ShapeError(f"pad: negative pad widths {pad_width}")
    if mode not in PAD_MODES:
        raise NotImplementedError(f"pad: mode={mode!r} is not supported, only {PAD_MODES}")
    return Pad.apply(x, pad_width=pad_width, value=value, mode=mode)


@register(numpy=np.pad)
def numpy_pad(x: Any, pad_width: Any, mode: str = "constant", constant_values: float = 0) -> Tensor:
    """`np.pad` on a Tensor: the modes 'constant', 'reflect', 'edge' and 'wrap' (numpy's other
    modes raise)."""
    if mode not in PAD_MODES:
        raise NotImplementedError(
            f"np.pad on a Tensor: mode={mode!r} is not supported, only {PAD_MODES}"
        )
    return pad(x, pad_width, constant_values, mode)
