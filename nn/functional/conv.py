"""2-d convolution (cross-correlation, like PyTorch's conv2d) as one fused op.

Forward: zero-pad, im2col (a strided window view copied once into columns), ONE batched GEMM,
add the bias. Backward, computing only the gradients that are needed:

- dweight = sum over the batch of grad(F, Ho*Wo) @ cols(C*kh*kw, Ho*Wo)^T   (GEMM with the cols)
- dbias   = grad summed over batch and positions
- dx      = col2im(weight^T @ grad): every pixel gets back what each window it fell in received
            (for stride 1 on "wide" columns, whose adds run along whole padded rows).

Without recording (no_grad, inference) the forward runs on a few images at a time and keeps no
columns. For stride 1 the backward runs on a few images at a time (`_backward_by_slices`): each
slice's columns of dx are made, added back into its images and dropped while they are in the
cache, instead of streaming the whole batch's columns (33 MB for W8's second conv) through
memory. The plain `_backward` computes the same in whole-batch steps; tests compare the two.

A hand-fused op instead of a composition of autodiff primitives: the graph has one `conv2d`
node, and the backward is three GEMM-sized numpy calls rather than thousands of small ops.
"""

from __future__ import annotations

import os

import numpy as np

from autodiff import Function, ShapeError, Tensor

from ._chunks import batch_slices
from ._im2col import (
    Pair,
    col2im,
    col2im_wide,
    im2col,
    output_size,
    pad,
    pair,
    recycle,
    unpad,
    widen,
    workspace,
)


class Conv2d(Function):
    """The fused conv2d op; use `conv2d(...)`, which checks its arguments."""

    op = "conv2d"
    supports_create_graph = False  # backward is numpy code, not differentiable ops

    @staticmethod
    def forward(ctx, x, w, b=None, *, stride: Pair, padding: Pair, out_size: Pair):
        n = x.shape[0]
        f, c, kh, kw = w.shape
        xp = pad(x, padding)
        # Stride 1 folds the bias into the product: a row of ones under the columns and the
        # bias beside the weights. That saves a pass over the output here, and in backward the
        # product that gives dweight gives dbias too.
        fold = b is not None and stride == (1, 1) and _fits(b, np.result_type(x, w))
        weights = w.reshape(f, -1)
        if fold:
            weights = np.concatenate([weights, b[:, None].astype(weights.dtype)], axis=1)
        if ctx.recording:  # backward needs the columns: made for the whole batch, and kept
            cols = im2col(xp, (kh, kw), stride, out_size, fold)  # (N, C*kh*kw (+1), Ho*Wo)
            # (F, C*kh*kw) @ (N, C*kh*kw, Ho*Wo) -> (N, F, Ho*Wo): one small GEMM per image.
            # Measured faster than a single large GEMM here, which also needs transposes into
            # and out of NCHW (and OpenBLAS threads large thin GEMMs badly on 2 busy cores).
            out = np.matmul(weights, cols)
        else:  # no_grad, or nothing needs a gradient: columns for a few images at a time
            out = _forward_by_slices(xp, weights, (kh, kw), stride, out_size, fold)
        if b is not None and not fold:
            if _fits(b, out.dtype):
                out += b[:, None]  # in place: no second output-sized array
            else:
                out = out + b[:, None]  # a wider bias (float64 on float32) promotes, as numpy
        if ctx.recording:  # backward uses the cols, then recycles them
            ctx.save_for_backward(x, w)
            ctx.cols = cols
            ctx.geometry = (xp.shape, stride, padding, out_size)
        return out.reshape(n, f, *out_size)

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        padded_shape, stride, padding, out_size = ctx.geometry
        # The cols die in this backward (their memory is reused below); a second backward
        # through a retained graph rebuilds them from x.
        cols, ctx.cols = ctx.cols, None
        if cols is None:
            cols = im2col(pad(x, padding), w.shape[2:], stride, out_size)
        needs = (*ctx.needs_input_grad, False)[:3]
        if stride == (1, 1):
            grads = _backward_by_slices(grad, w, cols, padded_shape, padding, needs)
        else:
            grads = _backward(grad, w, cols, padded_shape, stride, padding, out_size, needs)
        recycle(cols)
        return grads


def _forward_by_slices(xp, weights, kernel: Pair, stride: Pair, out_size: Pair, ones_row: bool):
    """weights (F, C*kh*kw (+1)) @ im2col(xp) -> (N, F, Ho*Wo), a few images at a time: the
    columns of a slice are made, multiplied and reused for the next slice while they are in the
    cache. (At a batch of 1,000, W10, the whole batch's columns are 226 MB.)"""
    n, f = xp.shape[0], weights.shape[0]
    out = np.empty((n, f, out_size[0] * out_size[1]), dtype=np.result_type(weights, xp))
    per_image = weights.shape[1] * out.shape[2] * xp.itemsize
    for part in batch_slices(n, per_image, budget=_SLICE_BYTES):
        cols = im2col(xp[part], kernel, stride, out_size, ones_row)
        np.matmul(weights, cols, out=out[part])
        recycle(cols)
    return out


def _backward(grad, w, cols, padded_shape, stride: Pair, padding: Pair, out_size: Pair, needs):
    """(dx, dw, db) for the needed ones (None for the others), in whole-batch steps. `cols` is
    the forward's im2col, which this may overwrite."""
    need_x, need_w, need_b = needs
    kernel = w.shape[2:]
    f = w.shape[0]
    g = grad.reshape(grad.shape[0], f, -1)  # (N, F, Ho*Wo)
    dx = dw = db = None
    if need_w:
        # Per image (F, Ho*Wo) @ (Ho*Wo, C*kh*kw), then summed over the batch.
        dw = np.matmul(g, cols.transpose(0, 2, 1)).sum(axis=0).reshape(w.shape)
    if need_b:
        db = g.sum(axis=(0, 2))
    if need_x and stride == (1, 1):
        # Wide columns (N, C*kh*kw, Ho*Wp): col2im then adds long contiguous runs.
        wide = widen(grad, padded_shape[3])
        dcols = workspace((wide.shape[0], w[0].size, wide.shape[2]), np.result_type(w, wide))
        np.matmul(w.reshape(f, -1).T, wide, out=dcols)
        dx = unpad(col2im_wide(dcols, padded_shape, kernel), padding)
        recycle(dcols)
    elif need_x:
        # (N, C*kh*kw, Ho*Wo), written over the cols, which dweight no longer needs
        reuse = cols.dtype == np.result_type(w, g)
        dcols = np.matmul(w.reshape(f, -1).T, g, out=cols if reuse else None)
        dx = unpad(col2im(dcols, padded_shape, kernel, stride, out_size), padding)
    return dx, dw, db


def _backward_by_slices(grad, w, cols, padded_shape, padding: Pair, needs):
    """`_backward` for stride 1, a few images at a time (see the module docstring): the same
    products and wide-column adds per slice, dw summed over the slices, and dx contiguous."""
    need_x, need_w, need_b = needs
    n, c, hp, wp = padded_shape
    f, k = w.shape[0], w[0].size
    ho = grad.shape[2]
    g = grad.reshape(n, f, -1)  # (N, F, Ho*Wo)
    dtype = np.result_type(w, grad)
    dx = dwt = db = None
    ones_row = cols.shape[1] == k + 1  # the forward folded the bias in: dbias comes with dw
    if need_b and not (need_w and ones_row):
        db = g.sum(axis=(0, 2))
    if need_w:  # transposed, (C*kh*kw (+1), F): the product BLAS runs faster (benchmarks/)
        dwt = np.zeros((cols.shape[1], f), dtype=np.result_type(grad, cols))
    if need_x:
        dx = np.empty((n, c, hp - 2 * padding[0], wp - 2 * padding[1]), dtype=dtype)
        wt = w.reshape(f, k).T
    # What one image's slice keeps hot: its wide columns and padded gradient image, per image
    # dw, wide grad.
    per_image = (k * ho * wp + c * hp * wp + f * k + f * ho * wp) * np.dtype(dtype).itemsize
    for part in batch_slices(n, per_image, budget=_SLICE_BYTES):
        if need_w:
            dwt += np.matmul(cols[part], g[part].transpose(0, 2, 1)).sum(axis=0)
        if need_x:
            wide = widen(grad[part], wp)
            dcols = np.matmul(wt, wide)
            images = (part.stop - part.start, c, hp, wp)
            dx[part] = unpad(col2im_wide(dcols, images, w.shape[2:]), padding)
    if dwt is None:
        return dx, None, db
    if need_b and ones_row:
        db = dwt[k].astype(np.result_type(grad, w), copy=False)
    return dx, dwt[:k].T.reshape(w.shape), db


# The slices of `_backward_by_slices`: its GEMMs stream their operands whatever the size, and
# what has to stay in the cache is one slice's wide columns between the GEMM that makes them
# and the adds that consume them. (Not sensitive to the exact size: benchmarks/README.md.)
_SLICE_BYTES = 2 << 20


def _fits(b: np.ndarray, dtype: np.dtype) -> bool:
    """Adding b to an array of `dtype` keeps the dtype (a float64 bias promotes float32)."""
    return np.result_type(dtype, b) == dtype


def conv2d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
) -> Tensor:
    """2-d convolution of a batch of images with a bank of filters.

    x (N, C, H, W), weight (F, C, kh, kw), bias (F,) or None -> (N, F, Ho, Wo), where
    Ho = (H + 2*ph - kh) // sh + 1 and Wo likewise. `stride` and `padding` are an int or an
    (h, w) pair; padding is with zeros. Like PyTorch's, it is a cross-correlation: the kernel is
    not flipped. float32 in gives float32 out and float32 gradients.
    """
    stride = pair(stride, "stride", "conv2d", minimum=1)
    padding = pair(padding, "padding", "conv2d", minimum=0)
    itemsize = np.result_type(x, weight).itemsize
    out_size = _check_shapes(np.shape(x), np.shape(weight), bias, stride, padding, itemsize)
    args = (x, weight) if bias is None else (x, weight, bias)
    return Conv2d.apply(*args, stride=stride, padding=padding, out_size=out_size)


def _check_shapes(
    x_shape: tuple[int, ...],
    w_shape: tuple[int, ...],
    bias,
    stride: Pair,
    padding: Pair,
    itemsize: int,
) -> Pair:
    """Raise a ShapeError naming the shapes unless they fit; return (Ho, Wo)."""
    if len(x_shape) != 4:
        raise ShapeError(f"conv2d: expected input (N, C, H, W), got shape {tuple(x_shape)}")
    if len(w_shape) != 4:
        raise ShapeError(f"conv2d: expected weight (F, C, kh, kw), got shape {tuple(w_shape)}")
    if x_shape[1] != w_shape[1]:
        raise ShapeError(
            f"conv2d: input {tuple(x_shape)} has {x_shape[1]} channels but weight "
            f"{tuple(w_shape)} expects {w_shape[1]}"
        )
    if bias is not None and tuple(np.shape(bias)) != (w_shape[0],):
        raise ShapeError(
            f"conv2d: expected bias of shape ({w_shape[0]},) for weight {tuple(w_shape)}, "
            f"got shape {tuple(np.shape(bias))}"
        )
    if w_shape[0] == 0:  # PyTorch refuses it too: there is no filter to slide
        raise ShapeError(f"conv2d: weight {tuple(w_shape)} has no filters (out_channels=0)")
    padded = (x_shape[2] + 2 * padding[0], x_shape[3] + 2 * padding[1])
    if w_shape[2] > padded[0] or w_shape[3] > padded[1]:
        raise ShapeError(
            f"conv2d: kernel {tuple(w_shape[2:])} is larger than the padded input {padded} "
            f"(input {tuple(x_shape)}, padding {padding})"
        )
    out_size = output_size(x_shape[2:], w_shape[2:], stride, padding)
    _check_memory(x_shape, w_shape, padded, out_size, itemsize, padding)
    return out_size


def _check_memory(x_shape, w_shape, padded, out_size, itemsize: int, padding: Pair) -> None:
    """Refuse, before allocating, a convolution whose padded input and columns alone need more
    memory than the machine has (a huge padding asked numpy for terabytes)."""
    n, c = x_shape[:2]
    elements = n * c * (padded[0] * padded[1] + w_shape[2] * w_shape[3] * out_size[0] * out_size[1])
    needed = elements * itemsize
    available = _physical_memory()
    if available is not None and needed > available:
        raise ValueError(
            f"conv2d: padding {padding} on input {tuple(x_shape)} with kernel "
            f"{tuple(w_shape[2:])} needs {_bytes(needed)} for the padded input and its "
            f"columns, more than this machine's {_bytes(available)} of memory"
        )


def _physical_memory() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # not POSIX: no check
        return None


def _bytes(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{n} B"
        n /= 1024
    return f"{n} B"
