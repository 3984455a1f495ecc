"""2-d convolution (cross-correlation, like PyTorch's conv2d) as one fused op.

Forward: zero-pad, im2col (a strided window view copied once into columns, the batch folded
in), ONE GEMM for the whole batch, add the bias, and copy the (F, N, Ho, Wo) product into
NCHW. Backward, computing only the gradients that are needed, with the gradient copied into the
columns' (F, N*Ho*Wo) layout:

- dweight = grad(F, N*Ho*Wo) @ cols(C*kh*kw, N*Ho*Wo)^T   (one GEMM with the cols)
- dbias   = grad summed over batch and positions
- dx      = col2im(weight^T @ grad): every pixel gets back what each window it fell in received
            (for stride 1 on "extra-wide" columns, whose adds run along whole images; where
            filters are few beside channels, the GEMM takes kw shifted copies of the gradient
            and sums each kernel row's offsets, leaving kh adds instead of kh*kw).

One GEMM per product and layer rather than one per image: OpenBLAS splits a GEMM of W8's second
conv across threads, and a GEMM per image meant hundreds of threaded calls per step, whose
synchronisation cost more than their work on a busy host (figures in benchmarks/README.md).
The exception is dx for stride 1: a GEMM per image (one stacked `np.matmul` per slice of
images) on columns of the padded image's width buys col2im's adds along whole images
(`_im2col.col2im_planes`), which outweighs the GEMM's extra columns and calls on one BLAS
thread and on several (figures in benchmarks/README.md).

Without recording (no_grad, inference) the forward runs on slices of images and keeps no
columns. For stride 1 dx runs on slices of images too (`_backward_by_slices`): each slice's
columns of dx are made, added back into its images and dropped while they are in the cache,
instead of streaming the whole batch's columns (33 MB for W8's second conv) through memory.
The plain `_backward` computes the same in whole-batch steps; tests compare the two.

A hand-fused op instead of a composition of autodiff primitives: the graph has one `conv2d`
node, and the backward is three GEMM-sized numpy calls rather than thousands of small ops.

Grouped convolution (`groups` > 1, depthwise at groups == C) and dilated convolution
(`dilation` != 1) take a path of their own (`_grouped_forward`, `_grouped_backward`), leaving
the tuned groups=1, dilation=1 path above untouched: columns made from a window view whose
kernel offsets step `dilation` pixels, whose rows are channel-major, seen as
(G, C/G*kh*kw, N*Ho*Wo), and ONE batched `np.matmul` over the groups for each product, on the
calling thread (a dilated groups=1 convolution is its one group).
"""

from __future__ import annotations

import functools
import os
from typing import Any

import numpy as np

from autodiff import Function, ShapeError, Tensor, threads

from ._chunks import CACHE_BYTES, batch_slices, within
from ._dtypes import check_dtypes
from ._im2col import (
    Pair,
    col2im,
    col2im_planes,
    copy_rows,
    im2col,
    output_size,
    pad,
    pair,
    recycle,
    shape_of,
    unpad,
    widen,
    widen_shifted,
    workspace,
)
from ._unbatched import is_one_image, one_image


class Conv2d(Function):
    """The fused conv2d op; use `conv2d(...)`, which checks its arguments."""

    op = "conv2d"
    supports_create_graph = False  # backward is numpy code, not differentiable ops

    @staticmethod
    def forward(
        ctx,
        x,
        w,
        b=None,
        *,
        stride: Pair,
        padding: Pair,
        out_size: Pair,
        groups: int = 1,
        dilation: Pair = (1, 1),
    ):
        if groups != 1 or dilation != (1, 1):
            return _grouped_forward(ctx, x, w, b, stride, padding, out_size, groups, dilation)
        f = w.shape[0]
        n, c, h, width = x.shape
        padded_shape = (n, c, h + 2 * padding[0], width + 2 * padding[1])
        # Stride 1 folds the bias into the product: a row of ones under the columns and the
        # bias beside the weights. That saves a pass over the output here, and in backward the
        # product that gives dweight gives dbias too.
        fold = b is not None and stride == (1, 1) and _fits(b, np.result_type(x, w))
        weights = w.reshape(f, -1)
        if fold:
            weights = np.concatenate([weights, b[:, None].astype(weights.dtype)], axis=1)
        if ctx.recording:  # backward needs the columns: made for the whole batch, and kept
            geometry = (w.shape[2:], stride, out_size, fold)
            cols, out = _columns_and_product(x, padding, weights, *geometry)
        else:  # no_grad, or nothing needs a gradient: columns for a few images at a time
            out = _forward_by_slices(x, padding, weights, w.shape[2:], stride, out_size, fold)
        if b is not None and not fold:
            if _fits(b, out.dtype):
                out += b[:, None, None]  # in place: no second output-sized array
            else:  # a wider bias (float64 on float32) promotes, as numpy
                out = out + b[:, None, None]
        if ctx.recording:  # backward uses the cols, then recycles them
            ctx.save_for_backward(x, w)
            ctx.cols = cols
            ctx.geometry = (padded_shape, stride, padding, out_size)
        return out

    @staticmethod
    def backward(ctx, grad):
        kwargs = ctx.kwargs
        if kwargs.get("groups", 1) != 1 or kwargs.get("dilation", (1, 1)) != (1, 1):
            return _grouped_backward(ctx, grad, kwargs.get("groups", 1))
        x, w = ctx.saved_tensors
        padded_shape, stride, padding, out_size = ctx.geometry
        # The cols die in this backward (their memory is reused below); a second backward
        # through a retained graph rebuilds them from x.
        cols, ctx.cols = ctx.cols, None
        if cols is None:
            cols = im2col(pad(x, padding), w.shape[2:], stride, out_size)
        needs = (*ctx.needs_input_grad, False)[:3]
        n, positions = grad.shape[0], out_size[0] * out_size[1]
        dx = np.empty(x.shape, dtype=np.result_type(w, grad)) if needs[0] else None

        # A forward's work for each product made: dx's, and dweight's (with dbias). A first
        # layer, whose input needs no gradient, makes one: W3's first conv counted as two was
        # split, and took longer (0.27-0.36 ms split, 0.20-0.26 whole; benchmarks/README.md)
        products = int(needs[0]) + int(needs[1] or needs[2])
        pieces = threads.parts(n, products * _work(n * positions, w[0].size, w.shape[0]))
        split = len(pieces) > 1  # BLAS held at one thread while the parts run

        def part(images: slice):  # one thread's share of the batch: its dx, and (dw, db)
            g, c = grad[images], cols[:, images.start * positions : images.stop * positions]
            shape = (images.stop - images.start, *padded_shape[1:])
            into = None if dx is None else dx[images]
            if stride == (1, 1):
                return _backward_by_slices(g, w, c, shape, padding, needs, into, split)[1:]
            dx_part, dw, db = _backward(g, w, c, shape, stride, padding, out_size, needs)
            if into is not None:
                copy_rows(into, dx_part)
            return dw, db

        sums = threads.run(part, pieces)
        recycle(cols)
        return (dx, *_summed(sums))


def _grouped_forward(
    ctx, x, w, b, stride: Pair, padding: Pair, out_size: Pair, groups: int, dilation: Pair
):
    """The forward of a grouped or dilated convolution: x (N, C, H, W), w (F, C/G, kh, kw), b
    (F,) or None -> (N, F, Ho, Wo), group g's filters F/G seeing only its channels C/G, kernel
    offset (a, b) reading pixel (i*sh + a*dh, j*sw + b*dw) of the padded image.

    im2col's rows are (c, a, b) with the channel slowest, so the columns of group g are the
    rows [g*K, (g+1)*K) (K = C/G*kh*kw): (C*kh*kw, N*P) reshapes, without a copy, to
    (G, K, N*P), and one batched matmul with the weights as (G, F/G, K) gives (G, F/G, N*P),
    which is (F, N*P) in filter order."""
    n, f = x.shape[0], w.shape[0]
    padded_shape = (n, x.shape[1], x.shape[2] + 2 * padding[0], x.shape[3] + 2 * padding[1])
    # (C*kh*kw, N*Ho*Wo)
    cols = im2col(pad(x, padding), w.shape[2:], stride, out_size, dilation=dilation)
    grouped = cols.reshape(groups, -1, cols.shape[1])
    product = np.matmul(w.reshape(groups, f // groups, -1), grouped)  # (G, F/G, N*Ho*Wo)
    out = np.ascontiguousarray(product.reshape(f, n, *out_size).transpose(1, 0, 2, 3))
    if b is not None:
        out = out + b[:, None, None]  # numpy's promotion, as the groups=1 path
    if ctx.recording:  # backward uses the cols, then recycles them
        ctx.save_for_backward(x, w)
        ctx.cols = cols
        ctx.geometry = (padded_shape, stride, padding, out_size, dilation)
    else:
        recycle(cols)
    return out


def _grouped_backward(ctx, grad, groups: int):
    """(dx, dw, db) of a grouped or dilated convolution (None where not needed), each product
    one batched matmul over the groups: dw_g = grad_g @ cols_g^T, dcols_g = w_g^T @ grad_g,
    then col2im (of the same dilation)."""
    x, w = ctx.saved_tensors
    padded_shape, stride, padding, out_size, dilation = ctx.geometry
    cols, ctx.cols = ctx.cols, None  # as the groups=1 backward: dead after this one
    if cols is None:  # a second backward through a retained graph
        cols = im2col(pad(x, padding), w.shape[2:], stride, out_size, dilation=dilation)
    need_x, need_w, need_b = (*ctx.needs_input_grad, False)[:3]
    f = w.shape[0]
    g = _transposed(grad)  # (F, N*Ho*Wo)
    grouped_g = g.reshape(groups, f // groups, g.shape[1])  # (G, F/G, N*Ho*Wo)
    weights = w.reshape(groups, f // groups, -1)  # (G, F/G, K)
    dx = dw = db = None
    if need_w:
        grouped_cols = cols.reshape(groups, -1, cols.shape[1])  # (G, K, N*Ho*Wo)
        dw = np.matmul(grouped_g, grouped_cols.transpose(0, 2, 1)).reshape(w.shape)
    if need_b:
        db = grad.sum(axis=(0, 2, 3))
    if need_x:
        dcols = np.matmul(weights.transpose(0, 2, 1), grouped_g)  # (G, K, N*Ho*Wo)
        dcols = dcols.reshape(-1, dcols.shape[2])  # (C*kh*kw, N*Ho*Wo), im2col's rows
        dxp = col2im(dcols, padded_shape, w.shape[2:], stride, out_size, dilation)
        dx = np.ascontiguousarray(unpad(dxp, padding))
    recycle(g)
    recycle(cols)
    return dx, dw, db


def _columns_and_product(
    x, padding: Pair, weights, kernel: Pair, stride: Pair, out_size: Pair, ones_row: bool
):
    """im2col(pad(x)) (C*kh*kw (+1), N*Ho*Wo) and the product (N, F, Ho, Wo), each thread
    (`autodiff.threads`) padding, making and multiplying the columns of its part of the
    batch."""
    n, f = x.shape[0], weights.shape[0]
    positions = out_size[0] * out_size[1]
    cols = workspace((weights.shape[1], n * positions), x.dtype)
    out = np.empty((n, f, *out_size), dtype=np.result_type(weights, x))

    per_image = weights.shape[1] * positions * x.itemsize
    pieces = threads.parts(n, _work(n * positions, *weights.shape[::-1]))
    budget = _slice_bytes(split=len(pieces) > 1)

    def part(share: slice) -> None:  # a thread's share of the batch, a cache-sized slice at a time
        for images in within(share, per_image, budget):
            block = cols[:, images.start * positions : images.stop * positions]
            im2col(pad(x[images], padding), kernel, stride, out_size, ones_row, out=block)
            count = images.stop - images.start
            # The GEMM reads the slice's columns while they are in the cache
            _images_product(weights, block, count, out_size, out=out[images])

    threads.run(part, pieces)
    return cols, out


def _work(columns: int, rows: int, filters: int) -> int:
    """A convolution's work for `autodiff.threads.parts`, in multiply-adds: its GEMM's, plus
    its copies (im2col, the copy into NCHW), each element copied counted as 32 multiply-adds
    (what they take in time here), so that a layer with few filters, whose work is mostly
    copying, is split too."""
    return columns * rows * (filters + 32)


def _summed(grads: list[tuple]) -> tuple:
    """(dw, db) of the whole batch from those of its consecutive parts (None stays None)."""
    if len(grads) == 1:
        return grads[0]
    dws, dbs = zip(*grads)
    dw = None if dws[0] is None else sum(dws[1:], dws[0])
    db = None if dbs[0] is None else sum(dbs[1:], dbs[0])
    return dw, db


def _images_product(weights: np.ndarray, cols: np.ndarray, n: int, out_size: Pair, out=None):
    """weights (F, K) @ cols (K, N*Ho*Wo) -> a contiguous (N, F, Ho, Wo) (into `out` if given).

    Small per-image products (`_per_image`) run one GEMM per image, straight into NCHW; larger
    ones one GEMM for the batch, (F, N*Ho*Wo) in a recycled buffer, then copied into NCHW.
    """
    f, k = weights.shape
    if out is None:
        out = np.empty((n, f, *out_size), dtype=np.result_type(weights, cols))
    # Per image when small, and at one image, whose product is already NCHW
    positions = cols.shape[1] // n  # each image's columns: (K, Ho*Wo)
    if n == 1 or _per_image(f * k * positions, positions):
        np.matmul(weights, cols.reshape(k, n, -1).transpose(1, 0, 2), out=out.reshape(n, f, -1))
        return out
    product = workspace((f, cols.shape[1]), out.dtype)
    np.matmul(weights, cols, out=product)  # on one thread's part (threads.run) or the batch
    np.copyto(out, product.reshape(f, n, *out_size).transpose(1, 0, 2, 3))
    recycle(product)
    return out


def _per_image(multiply_adds: int, positions: int) -> bool:
    """Whether a product of `multiply_adds` per image, over `positions` output positions per
    image, runs as one GEMM per image rather than one for the batch.

    OpenBLAS runs a GEMM of fewer than 65536 * 4 multiply-adds on one thread (its default
    GEMM_MULTITHREAD_THRESHOLD). Below that, a GEMM per image costs no synchronisation and
    needs no transposes into and out of the batch-folded layout; above it, one folded GEMM for
    the batch is what threads well (benchmarks/README.md). But an image of few positions (W2's
    4 x 4 maps: 16) makes each GEMM so small that the calls cost more than the transposes.
    """
    return positions >= _PER_IMAGE_MIN_POSITIONS and multiply_adds < _PER_IMAGE_MAX


_PER_IMAGE_MAX = 65536 * 4
_PER_IMAGE_MIN_POSITIONS = 100


def _forward_by_slices(
    x, padding: Pair, weights, kernel: Pair, stride: Pair, out_size: Pair, ones_row: bool
):
    """weights (F, C*kh*kw (+1)) @ im2col(pad(x)) -> (N, F, Ho, Wo), a few images at a time:
    the columns of a slice are made, multiplied and reused for the next slice while they are in
    the cache. (At a batch of 1,000, W10, the whole batch's columns are 226 MB.)"""
    n, f = x.shape[0], weights.shape[0]
    out = np.empty((n, f, *out_size), dtype=np.result_type(weights, x))

    def product(part: slice) -> None:  # a slice's columns: made, multiplied, recycled
        cols = im2col(pad(x[part], padding), kernel, stride, out_size, ones_row)
        _images_product(weights, cols, part.stop - part.start, out_size, out=out[part])
        recycle(cols)

    if n == 1:  # one image (inference's latency case): one slice on this thread, said directly
        product(slice(0, 1))
        return out
    per_image = weights.shape[1] * out_size[0] * out_size[1] * x.itemsize
    pieces = threads.parts(n, _work(n * out_size[0] * out_size[1], *weights.shape[::-1]))
    budget = _slice_bytes(split=len(pieces) > 1)

    def images(share: slice) -> None:  # one thread's share of the batch, slice by slice
        for part in within(share, per_image, budget):
            product(part)

    threads.run(images, pieces)
    return out


def _transposed(grad: np.ndarray) -> np.ndarray:
    """(N, F, Ho, Wo) -> (F, N*Ho*Wo), contiguous: the gradient in the columns' layout."""
    n, f = grad.shape[:2]
    out = workspace((f, grad[0, 0].size * n), grad.dtype)
    np.copyto(out.reshape(f, n, *grad.shape[2:]), grad.transpose(1, 0, 2, 3))
    return out


def _weight_product(grad: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """grad (N, F, Ho, Wo) times cols (K, N*Ho*Wo), summed over the batch and the positions:
    (F, K). Per image when that product is small (`_per_image`), else one GEMM for the batch."""
    n, f = grad.shape[:2]
    k, positions = cols.shape[0], grad[0, 0].size
    if _per_image(f * positions * k, positions):
        per_image = cols.reshape(k, n, positions).transpose(1, 2, 0)  # (N, Ho*Wo, K)
        return np.matmul(grad.reshape(n, f, positions), per_image).sum(axis=0)
    g = _transposed(grad)  # (F, N*Ho*Wo)
    product = (cols @ g.T).T  # this operand order runs ~9 % faster in OpenBLAS (README)
    recycle(g)
    return product


def _backward(grad, w, cols, padded_shape, stride: Pair, padding: Pair, out_size: Pair, needs):
    """(dx, dw, db) for the needed ones (None for the others), one GEMM over the whole batch
    each. `cols` is the forward's im2col (with or without the bias's row of ones)."""
    need_x, need_w, need_b = needs
    f, k = w.shape[0], w[0].size
    g = _transposed(grad)  # (F, N*Ho*Wo)
    dx = dw = db = None
    if need_w:
        dw = (g @ cols[:k].T).reshape(w.shape)
    if need_b:
        db = g.sum(axis=1)
    if need_x:
        dcols = w.reshape(f, k).T @ g  # (C*kh*kw, N*Ho*Wo)
        dx = unpad(col2im(dcols, padded_shape, w.shape[2:], stride, out_size), padding)
    recycle(g)
    return dx, dw, db


def _backward_by_slices(grad, w, cols, padded_shape, padding: Pair, needs, dx=None, split=False):
    """`_backward` for stride 1: dweight (and dbias, when the forward folded the bias in) one
    GEMM over the batch; dx a slice of images at a time (see the module docstring), each slice's
    columns made, added back into its images and dropped while they are in the cache: a GEMM
    per image on extra-wide columns, whose adds run along whole images. `split`: on a thread's
    part of the batch (BLAS at one thread), in smaller slices. dx is contiguous, or written
    into `dx` if given."""
    need_x, need_w, need_b = needs
    n, c, hp, wp = padded_shape
    f, k = w.shape[0], w[0].size
    dtype = np.result_type(w, grad)
    dw = db = None
    ones_row = cols.shape[0] == k + 1  # the forward folded the bias in: dbias comes with dw
    if need_w:
        dwb = _weight_product(grad, cols)  # (F, C*kh*kw (+1))
        dw = np.ascontiguousarray(dwb[:, :k]).reshape(w.shape)
        if need_b and ones_row:
            db = dwb[:, k].astype(np.result_type(grad, w), copy=False)
    if need_b and db is None:
        db = grad.sum(axis=(0, 2, 3))
    if need_x:
        if dx is None:
            dx = np.empty((n, c, hp - 2 * padding[0], wp - 2 * padding[1]), dtype=dtype)
        itemsize = np.dtype(dtype).itemsize
        kh, kw = w.shape[2:]
        if _shifts_in_product(c, f, kh, kw):
            # Rows (a, c) by (b, f): the GEMM sums each kernel row's kw offsets itself
            wt = np.ascontiguousarray(w.transpose(2, 1, 3, 0)).reshape(kh * c, kw * f)
            per_image = (kh * c + kw * f) * hp * wp * itemsize
            planes_of, offsets = functools.partial(widen_shifted, copies=kw), (kh, 1)
        else:  # rows (a, b, c) by f: each kernel offset's rows one block of dcols
            wt = np.ascontiguousarray(w.transpose(2, 3, 1, 0)).reshape(k, f)
            per_image = k * hp * wp * itemsize
            planes_of, offsets = widen, (kh, kw)
        budget = _THREADED_SLICE_BYTES if split else _DX_SLICE_BYTES
        for part in batch_slices(n, per_image, budget=budget):
            planes = planes_of(grad[part], wp)  # (S, F or kw*F, Ho*Wp)
            dcols = _planes_product(wt, planes, hp * wp)  # (S, kh*kw*C or kh*C, Hp*Wp)
            images = (part.stop - part.start, c, hp, wp)
            copy_rows(dx[part], unpad(col2im_planes(dcols, images, offsets), padding))
    return dx, dw, db


def _shifts_in_product(c: int, f: int, kh: int, kw: int) -> bool:
    """Whether dx's GEMM takes kw shifted copies of the gradient's planes (`widen_shifted`),
    summing each kernel row's offsets itself, rather than one copy, leaving kh*kw shifted adds
    to col2im_planes. The copies cost about 2*kw*F element moves an output position, the adds
    they save about 4*kh*(kw - 1)*C: the shifts pay when F is small beside C, as in W3's
    second convolution (F = 2C: its backward 14-23 % faster), break even at W8's (whose GEMM
    is most of dx) and lose on a first layer's C = 1 (benchmarks/README.md)."""
    return kw > 1 and 2 * kw * f < 4 * kh * (kw - 1) * c


def _planes_product(wt: np.ndarray, planes: np.ndarray, plane_size: int) -> np.ndarray:
    """wt (M, K) @ planes (S, K, Ho*Wp) -> (S, M, Hp*Wp), a GEMM per image: dx's columns on
    the padded input's grid. The rows past Ho only carry zeros into col2im_planes' shifted
    adds, so they are zeroed rather than multiplied (the kernel's kh - 1 rows of Hp: 12.5 %
    of the GEMM at 3 x 3 on 14 x 14; benchmarks/README.md)."""
    s, _, held = planes.shape
    dcols = np.empty((s, wt.shape[0], plane_size), dtype=np.result_type(wt, planes))
    np.matmul(wt, planes, out=dcols[:, :, :held])
    dcols[:, :, held:] = 0
    return dcols


# The slices of `_backward_by_slices`' dx on a whole batch (BLAS free to thread its GEMMs): a
# core's cache and a bit, 2-5 % faster than _THREADED_SLICE_BYTES there (benchmarks/README.md).
_DX_SLICE_BYTES = CACHE_BYTES

# The slices of `_forward_by_slices`: few enough that BLAS's threads are woken a handful of
# times per layer (each threaded GEMM call costs a synchronisation), small enough that a
# slice's columns stay in the last-level cache between the GEMM that makes them and the copies
# that consume them. (Measured: benchmarks/README.md.)
_SLICE_BYTES = 16 << 20
# A layer split over glassgrad's own threads (`autodiff.set_num_threads`) runs BLAS at one
# thread: a GEMM wakes no one, and the slices (forward's and dx's) can be as small as a core's
# cache likes.
_THREADED_SLICE_BYTES = 2 << 20


def _slice_bytes(split: bool) -> int:
    """The slice budget of a layer run in parts on glassgrad's threads (BLAS held at one
    thread meanwhile), or in one piece (BLAS threading its GEMMs)."""
    return _THREADED_SLICE_BYTES if split else _SLICE_BYTES


def _dtype(a) -> np.dtype:
    """A Tensor's or array's dtype (np.result_type of anything else)."""
    dtype = getattr(a, "dtype", None)
    return np.result_type(a) if dtype is None else dtype


def _fits(b: np.ndarray, dtype: np.dtype) -> bool:
    """Adding b to an array of `dtype` keeps the dtype (a float64 bias promotes float32)."""
    return np.result_type(dtype, b) == dtype


def padding_of(
    padding: int | tuple[int, int] | str,
    kernel: tuple[int, ...],
    stride: Any,
    where: str,
    dilation: Pair = (1, 1),
) -> int | tuple[int, int]:
    """PyTorch's padding strings as numbers: "valid" is none, "same" keeps H and W (stride 1
    only, as PyTorch): d * (k - 1) / 2 on each side. An even kernel (at dilation d, an odd
    d * (k - 1)) would need one more on one side than the other, which the op does not do:
    refused, naming it. Numbers pass through."""
    if not isinstance(padding, str):
        return padding
    if padding == "valid":
        return 0
    if padding != "same":
        raise ValueError(
            f"{where}: padding must be 'same', 'valid', an int or a pair, got {padding!r}"
        )
    if stride not in (1, (1, 1)):
        raise ValueError(
            f"{where}: padding='same' is not supported for strided convolutions (stride={stride})"
        )
    totals = [d * (k - 1) for d, k in zip(dilation, kernel)]
    if any(total % 2 for total in totals):
        at = "" if tuple(dilation) == (1, 1) else f" at dilation {tuple(dilation)}"
        raise NotImplementedError(
            f"{where}: padding='same' with the even kernel size {tuple(kernel)}{at} pads one "
            "side more than the other, which glassgrad's conv2d does not do; use an odd kernel "
            "or pad the input"
        )
    return tuple(total // 2 for total in totals)  # type: ignore[return-value]


def conv2d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] | str = 0,
    dilation: int | tuple[int, int] = 1,
    groups: int = 1,
) -> Tensor:
    """2-d convolution of a batch of images with a bank of filters.

    x (N, C, H, W) (or one image (C, H, W) -> (F, Ho, Wo)), weight (F, C, kh, kw), bias (F,) or
    None -> (N, F, Ho, Wo), where
    Ho = (H + 2*ph - kh) // sh + 1 and Wo likewise. `stride` and `padding` are an int or an
    (h, w) pair, padding also PyTorch's "valid" or "same" (odd kernels; see `padding_of`);
    padding is with zeros. Like PyTorch's, it is a cross-correlation: the kernel is
    not flipped. float32 in gives float32 out and float32 gradients.

    `dilation` (an int >= 1 or an (h, w) pair, as PyTorch's) spaces the kernel's taps that many
    pixels apart: offset (a, b) reads pixel (i*sh + a*dh, j*sw + b*dw) of the padded input, and
    Ho = (H + 2*ph - dh*(kh - 1) - 1) // sh + 1 (Wo likewise).

    `groups` (an int >= 1, as PyTorch's) splits the C channels and F filters into that many
    groups, group g's F/G filters seeing only its C/G channels: weight (F, C/G, kh, kw), F
    divisible by groups (depthwise: groups == C). A non-positive groups raises a ValueError
    (a RuntimeError too: `ShapeError`, as PyTorch's RuntimeError), shapes that do not fit it a
    ShapeError naming them.
    """
    check_dtypes("conv2d", x, ("weight", weight), ("bias", bias))
    if is_one_image(x):
        return one_image(conv2d, x, weight, bias, stride, padding, dilation, groups)
    if dilation != 1:  # an int or a pair; (1, 1) takes the tuned path too
        dilation = pair(dilation, "dilation", "conv2d", minimum=1)
    dilated = dilation != 1 and dilation != (1, 1)
    if groups != 1:
        groups = _check_groups(groups)
    dilation = dilation if dilated else (1, 1)
    padding = padding_of(padding, shape_of(weight)[2:], stride, "conv2d", dilation)
    stride = pair(stride, "stride", "conv2d", minimum=1)
    padding = pair(padding, "padding", "conv2d", minimum=0)
    itemsize = np.result_type(_dtype(x), _dtype(weight)).itemsize
    x_shape, w_shape = shape_of(x), shape_of(weight)
    out_size = _check_shapes(x_shape, w_shape, bias, stride, padding, itemsize, groups, dilation)
    args = (x, weight) if bias is None else (x, weight, bias)
    if dilated:  # a path of its own in the op (see the module docstring)
        kwargs = {"groups": groups, "dilation": dilation}
        return Conv2d.apply(*args, stride=stride, padding=padding, out_size=out_size, **kwargs)
    if groups == 1:  # the tuned path's call, without a groups argument
        return Conv2d.apply(*args, stride=stride, padding=padding, out_size=out_size)
    return Conv2d.apply(*args, stride=stride, padding=padding, out_size=out_size, groups=groups)


def _check_groups(groups: Any, where: str = "conv2d") -> int:
    """groups as an int >= 1: a TypeError for a float or bool (as PyTorch's), a ShapeError (a
    ValueError and PyTorch's RuntimeError) below 1."""
    if isinstance(groups, bool | np.bool_) or not isinstance(groups, int | np.integer):
        raise TypeError(f"{where}: groups must be an int, got {type(groups).__name__} {groups!r}")
    if groups < 1:
        raise ShapeError(f"{where}: groups must be a positive int, got {groups}")
    return int(groups)


def _check_shapes(
    x_shape: tuple[int, ...],
    w_shape: tuple[int, ...],
    bias,
    stride: Pair,
    padding: Pair,
    itemsize: int,
    groups: int = 1,
    dilation: Pair = (1, 1),
) -> Pair:
    """Raise a ShapeError naming the shapes unless they fit; return (Ho, Wo)."""
    if len(x_shape) != 4:
        raise ShapeError(f"conv2d: expected input (N, C, H, W), got shape {tuple(x_shape)}")
    if len(w_shape) != 4:
        raise ShapeError(f"conv2d: expected weight (F, C, kh, kw), got shape {tuple(w_shape)}")
    if groups != 1:
        _check_group_shapes(x_shape, w_shape, groups)
    elif x_shape[1] != w_shape[1]:
        raise ShapeError(
            f"conv2d: input {tuple(x_shape)} has {x_shape[1]} channels but weight "
            f"{tuple(w_shape)} expects {w_shape[1]}"
        )
    if bias is not None and tuple(shape_of(bias)) != (w_shape[0],):
        raise ShapeError(
            f"conv2d: expected bias of shape ({w_shape[0]},) for weight {tuple(w_shape)}, "
            f"got shape {tuple(np.shape(bias))}"
        )
    if w_shape[0] == 0:  # PyTorch refuses it too: there is no filter to slide
        raise ShapeError(f"conv2d: weight {tuple(w_shape)} has no filters (out_channels=0)")
    padded = (x_shape[2] + 2 * padding[0], x_shape[3] + 2 * padding[1])
    # A dilated kernel spans d*(k - 1) + 1 pixels: its extent is what must fit
    extent = w_shape[2:]
    if dilation != (1, 1):
        extent = tuple(d * (k - 1) + 1 for d, k in zip(dilation, extent))
    if extent[0] > padded[0] or extent[1] > padded[1]:
        dilated = "" if dilation == (1, 1) else f" at dilation {dilation} (spanning {extent})"
        raise ShapeError(
            f"conv2d: kernel {tuple(w_shape[2:])}{dilated} is larger than the padded input "
            f"{padded} (input {tuple(x_shape)}, padding {padding})"
        )
    out_size = output_size(x_shape[2:], extent, stride, padding)
    _check_memory(x_shape, w_shape, padded, out_size, itemsize, padding)
    return out_size


def _check_group_shapes(x_shape: tuple[int, ...], w_shape: tuple[int, ...], groups: int) -> None:
    """With groups: F divisible by groups, and C = groups * weight's C/G."""
    if w_shape[0] % groups:
        raise ShapeError(
            f"conv2d: weight {tuple(w_shape)} has {w_shape[0]} filters, which groups={groups} "
            "does not divide"
        )
    if x_shape[1] != groups * w_shape[1]:
        raise ShapeError(
            f"conv2d: input {tuple(x_shape)} has {x_shape[1]} channels but weight "
            f"{tuple(w_shape)} with groups={groups} expects {groups * w_shape[1]} "
            f"(groups * weight.shape[1])"
        )


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


@functools.cache
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
