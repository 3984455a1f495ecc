"""2-d max and average pooling as fused ops.

Both read their windows through the strided (N, C, Ho, Wo, kh, kw) view of `_im2col.windows`
and loop over the kh*kw kernel offsets (4 for a 2x2 pool), each step one vectorised ufunc call
on an (N, C, Ho, Wo) slice. That beats `np.max(view, axis=(4, 5))`, whose inner loop is only
kh*kw long, by more than 10x, and it needs no im2col copy at all. Max pooling's forward goes
further and takes the maximum in two steps, over each window's rows and then over its columns
(`_separable_max`): the first step reads and writes whole rows, the second reads them, and for
a 2x2 pool that halved the time (rows first, whose runs are contiguous, took another 28 % off
columns first: benchmarks/README.md).

Backward writes into a writeable window view of a zero image the same way. When windows do not
overlap (stride >= kernel, the usual kernel == stride case) every pixel belongs to at most one
window, so each offset's slice is assigned rather than added to. Without padding, max pooling's
backward then runs on a few images at a time (`_max_pool_backward_disjoint`: the same steps as
the plain `_max_pool_backward`, which tests compare it with), so that its dozen passes over
them hit the cache rather than memory; when the windows tile the image it also skips zeroing
the gradient image, whose every pixel it writes.

Max pooling: padding is with -inf (like PyTorch), so a padded pixel never wins. Ties: the whole
gradient of a window goes to ONE maximal element, the first in row-major order within the window
(as PyTorch does on CPU) — not shared between, nor copied to, all of them. After a ReLU whole
windows of zeros are common, so this matters. The other pixels of a window get exactly +0.0,
even from an infinite or NaN gradient (autodiff's `zero_where`; a multiply by the 0/1 mask
would make inf * 0 = NaN there). A window holding NaN has NaN as its maximum, and its gradient
goes to its last NaN pixel in row-major order, as PyTorch's CPU kernel does
(`_nan_windows_backward`).

Average pooling: count_include_pad=True (PyTorch's default) — a window is always divided by
kh*kw, padded zeros included.
"""

from __future__ import annotations

import numpy as np

from autodiff import Function, ShapeError, Tensor, threads
from autodiff.ops.elementwise import zero_where

from ._chunks import within
from ._im2col import Pair, output_size, pad, pair, shape_of, unpad, windows


class MaxPool2d(Function):
    """The fused max-pooling op; use `max_pool2d(...)`, which checks its arguments."""

    op = "max_pool2d"
    supports_create_graph = False  # backward is numpy code, not differentiable ops

    @staticmethod
    def forward(ctx, x, *, kernel: Pair, stride: Pair, padding: Pair, out_size: Pair):
        xp = pad(x, padding, _lowest(x.dtype))
        out = np.empty((*x.shape[:2], *out_size), dtype=x.dtype)
        # A few images at a time: the column maxima of a slice are read back from the cache.
        per_image = xp[0].nbytes + xp[0, :, : out_size[0]].nbytes + out[0].nbytes

        def images(share: slice) -> None:  # one thread's share of the batch
            for part in within(share, per_image):
                _separable_max(xp[part], kernel, stride, out_size, out=out[part])

        threads.run(images, threads.parts(len(x), x.size, threads.MIN_ELEMENTS_PER_THREAD))
        ctx.save_for_backward(x)
        ctx.out = out
        ctx.geometry = (kernel, stride, padding, out_size)
        return out

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        kernel, stride, padding, out_size = ctx.geometry
        # Which element of each window was the (first) maximum is recomputed here rather than
        # tracked in forward: that keeps forward (and inference) a bare running maximum.
        if padding == (0, 0) and _disjoint(kernel, stride):
            return _max_pool_backward_disjoint(x, ctx.out, grad, kernel, stride, out_size)
        pieces = threads.parts(len(x), 4 * x.size, threads.MIN_ELEMENTS_PER_THREAD)

        def images(share: slice):
            g, out = grad[share], ctx.out[share]
            return _max_pool_backward(x[share], out, g, kernel, stride, padding, out_size)

        dxs = threads.run(images, pieces)
        return dxs[0] if len(dxs) == 1 else np.concatenate(dxs)


def _separable_max(
    xp: np.ndarray, kernel: Pair, stride: Pair, out_size: Pair, out: np.ndarray | None = None
) -> np.ndarray:
    """The maximum of every window of a (padded) image, (N, C, Ho, Wo) (into `out` if given):
    first over each window's kh rows, whole rows at a time (contiguous runs, numpy's fast
    loop), then over its kw columns in the half-size result (strided runs)."""
    (kh, kw), (sh, sw), (ho, wo) = kernel, stride, out_size
    rows = [xp[:, :, a : a + (ho - 1) * sh + 1 : sh] for a in range(kh)]  # (N, C, Ho, Wp)
    down = rows[0] if kh == 1 else np.maximum(rows[0], rows[1])
    for row in rows[2:]:
        np.maximum(down, row, out=down)
    cols = [down[:, :, :, b : b + (wo - 1) * sw + 1 : sw] for b in range(kw)]
    if kw == 1:
        if out is None:
            return cols[0].copy()
        np.copyto(out, cols[0])
        return out
    out = np.maximum(cols[0], cols[1], out=out)
    for col in cols[2:]:
        np.maximum(out, col, out=out)
    return out


def _max_pool_backward(x, out, grad, kernel: Pair, stride: Pair, padding: Pair, out_size: Pair):
    """The gradient of max pooling for any geometry: each window's gradient to its first
    maximum, found by comparing every kernel offset with the window's maximum in turn."""
    win = windows(pad(x, padding, _lowest(x.dtype)), kernel, stride, out_size)
    dxp, dwin = _grad_image(x.shape, padding, kernel, stride, out_size, grad.dtype)
    taken = np.zeros(out.shape, dtype=bool)  # windows whose maximum already got its grad
    disjoint = _disjoint(kernel, stride)
    for a, b in _offsets(kernel):
        maximal = win[:, :, :, :, a, b] == out
        blocked = maximal <= taken  # not a maximum, or an earlier one got the window's grad
        taken |= maximal
        if disjoint:
            zero_where(grad, blocked, out=dwin[:, :, :, :, a, b])
        else:
            dwin[:, :, :, :, a, b] += zero_where(grad, blocked)
    _nan_windows_backward(win, out, grad, dwin, _offsets(kernel))
    return unpad(dxp, padding)


def _max_pool_backward_disjoint(x, out, grad, kernel: Pair, stride: Pair, out_size: Pair):
    """`_max_pool_backward` for windows that do not overlap, without padding: the same steps,
    a few images at a time (see the module docstring)."""
    n, c, h, w = x.shape
    (kh, kw), (ho, wo) = kernel, out_size
    tiled = stride == kernel and (h, w) == (ho * kh, wo * kw)  # every pixel in one window
    dx = (np.empty if tiled else np.zeros)(x.shape, dtype=grad.dtype)
    offsets = _offsets(kernel)
    # One image: x and dx, out and grad, and the three masks.
    per_image = c * (h * w * (x.itemsize + dx.itemsize) + ho * wo * (2 * out.itemsize + 3))

    def images(share: slice) -> None:  # one thread's share of the batch, slice by slice
        for part in within(share, per_image):
            win = windows(x[part], kernel, stride, out_size)
            dwin = windows(dx[part], kernel, stride, out_size, writeable=True)
            top, g = out[part], grad[part]
            taken = maximal = blocked = None
            for i, (a, b) in enumerate(offsets):
                if taken is None:  # the first offset: nothing taken before it
                    taken = np.equal(win[:, :, :, :, a, b], top)
                    blocked = np.logical_not(taken)
                else:
                    maximal = np.equal(win[:, :, :, :, a, b], top, out=maximal)
                    # not a maximum, or an earlier one got the window's gradient
                    np.less_equal(maximal, taken, out=blocked)
                    if i < len(offsets) - 1:  # the last offset's maxima are needed no further
                        taken |= maximal
                zero_where(g, blocked, out=dwin[:, :, :, :, a, b])

    # Each pixel takes about four passes (compare, mask, mark, select): work of 4 elements
    threads.run(images, threads.parts(n, 4 * x.size, threads.MIN_ELEMENTS_PER_THREAD))
    dwin = windows(dx, kernel, stride, out_size, writeable=True)
    _nan_windows_backward(windows(x, kernel, stride, out_size), out, grad, dwin, offsets)
    return dx


def _nan_windows_backward(win, out, grad, dwin, offsets: list[Pair]) -> None:
    """PyTorch's rule for a window holding NaN (whose maximum is NaN, equal to nothing, so the
    comparisons gave it no pixel): its whole gradient to its LAST NaN pixel in row-major order
    (PyTorch's CPU kernel takes a pixel that is greater or NaN). Added into `dwin`, where those
    windows' pixels hold +0.0 so far; one check of `out` when no window is NaN."""
    if out.dtype.kind != "f":
        return
    todo = np.isnan(out)
    if not todo.any():
        return
    for a, b in reversed(offsets):
        pick = np.isnan(win[:, :, :, :, a, b]) & todo
        todo &= ~pick
        dwin[:, :, :, :, a, b] += zero_where(grad, ~pick)


class AvgPool2d(Function):
    """The fused average-pooling op; use `avg_pool2d(...)`, which checks its arguments."""

    op = "avg_pool2d"
    supports_create_graph = False  # backward is numpy code, not differentiable ops

    @staticmethod
    def forward(ctx, x, *, kernel: Pair, stride: Pair, padding: Pair, out_size: Pair):
        win = windows(pad(x, padding), kernel, stride, out_size)
        # Sum in x's float dtype (float32 stays float32; integers average to float64).
        out = win[:, :, :, :, 0, 0].astype(np.result_type(x.dtype, 1.0))
        for a, b in _offsets(kernel)[1:]:
            np.add(out, win[:, :, :, :, a, b], out=out)
        out /= kernel[0] * kernel[1]  # count_include_pad: padded zeros count
        ctx.shape = x.shape
        ctx.geometry = (kernel, stride, padding, out_size)
        return out

    @staticmethod
    def backward(ctx, grad):
        kernel, stride, padding, out_size = ctx.geometry
        share = grad / (kernel[0] * kernel[1])  # each pixel of a window gets an equal share
        dxp, dwin = _grad_image(ctx.shape, padding, kernel, stride, out_size, grad.dtype)
        disjoint = _disjoint(kernel, stride)
        for a, b in _offsets(kernel):
            if disjoint:
                dwin[:, :, :, :, a, b] = share
            else:
                dwin[:, :, :, :, a, b] += share
        return unpad(dxp, padding)


def max_pool2d(
    x: Tensor,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
) -> Tensor:
    """Max over each kh x kw window: (N, C, H, W) -> (N, C, Ho, Wo).

    Ho = (H + 2*ph - kh) // sh + 1 (and Wo likewise); `stride` defaults to `kernel_size`.
    Padding is with -inf, at most half the kernel. The gradient of a window flows to its first
    maximal element in row-major order (one element, even when several tie).
    """
    return MaxPool2d.apply(x, **_geometry("max_pool2d", shape_of(x), kernel_size, stride, padding))


def avg_pool2d(
    x: Tensor,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
) -> Tensor:
    """Mean over each kh x kw window: (N, C, H, W) -> (N, C, Ho, Wo).

    Ho = (H + 2*ph - kh) // sh + 1 (and Wo likewise); `stride` defaults to `kernel_size`.
    Padding is with zeros, at most half the kernel, and the zeros count in the mean (PyTorch's
    count_include_pad=True).
    """
    return AvgPool2d.apply(x, **_geometry("avg_pool2d", shape_of(x), kernel_size, stride, padding))


# ---------------------------------------------------------------------------------- helpers
def _geometry(op: str, x_shape, kernel_size, stride, padding) -> dict:
    """Check the arguments of a pooling op (errors name it and the shapes); return its kwargs."""
    kernel = pair(kernel_size, "kernel_size", op, minimum=1)
    stride = kernel if stride is None else pair(stride, "stride", op, minimum=1)
    padding = pair(padding, "padding", op, minimum=0)
    if len(x_shape) != 4:
        raise ShapeError(f"{op}: expected input (N, C, H, W), got shape {tuple(x_shape)}")
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        # Larger padding could make a window all padding (PyTorch forbids it too).
        raise ValueError(f"{op}: padding {padding} must be at most half the kernel {kernel}")
    padded = (x_shape[2] + 2 * padding[0], x_shape[3] + 2 * padding[1])
    if kernel[0] > padded[0] or kernel[1] > padded[1]:
        raise ShapeError(
            f"{op}: kernel {kernel} is larger than the padded input {padded} "
            f"(input {tuple(x_shape)}, padding {padding})"
        )
    out_size = output_size(x_shape[2:], kernel, stride, padding)
    return {"kernel": kernel, "stride": stride, "padding": padding, "out_size": out_size}


def _offsets(kernel: Pair) -> list[Pair]:
    """The kernel offsets (a, b) in row-major order: the order that decides max-pool ties."""
    return [(a, b) for a in range(kernel[0]) for b in range(kernel[1])]


def _disjoint(kernel: Pair, stride: Pair) -> bool:
    """True when no two windows share a pixel."""
    return stride[0] >= kernel[0] and stride[1] >= kernel[1]


def _grad_image(x_shape, padding: Pair, kernel: Pair, stride: Pair, out_size: Pair, dtype):
    """A zero gradient for the padded input, and its writeable (N, C, Ho, Wo, kh, kw) view.

    Zeros, not empty: pixels that no window covers (the border a stride skips) get no gradient.
    """
    n, c, h, w = x_shape
    dxp = np.zeros((n, c, h + 2 * padding[0], w + 2 * padding[1]), dtype=dtype)
    return dxp, windows(dxp, kernel, stride, out_size, writeable=True)


def _lowest(dtype: np.dtype) -> float | int:
    """The padding value of max pooling: smaller than (or equal to) any value of the dtype."""
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min
