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
the gradient image, whose every pixel it writes. The commonest pool of all, 2x2 windows tiling
a float32 (or float16) image, goes further (`_max_pool_backward_pairs`): a window row's two
pixels are one 64-bit integer, so every pass runs along contiguous arrays instead of the
stride-2 offset slices, whose short strided loops cost several times more per element.

Max pooling: padding is with -inf (like PyTorch), so a padded pixel never wins. Ties: the whole
gradient of a window goes to ONE maximal element, the first in row-major order within the window
(as PyTorch does on CPU) — not shared between, nor copied to, all of them. After a ReLU whole
windows of zeros are common, so this matters. The other pixels of a window get exactly +0.0,
even from an infinite or NaN gradient (autodiff's `zero_where`; a multiply by the 0/1 mask
would make inf * 0 = NaN there). A window holding NaN has NaN as its maximum, and its gradient
goes to its last NaN pixel in row-major order, as PyTorch's CPU kernel does
(`_nan_windows_backward`).

Average pooling: the op divides every window by kh*kw, padded zeros included (PyTorch's
default count_include_pad=True); `avg_pool2d` scales that for PyTorch's other divisors.

ceil_mode (both): the image gets extra rows and columns of the padding value at its bottom and
right until the last (overhanging) windows fit, and the op runs on that; the defaults keep the
plain calls above.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import numpy as np

from autodiff import Function, ShapeError, Tensor, stack, threads
from autodiff import pad as autodiff_pad
from autodiff.ops.elementwise import zero_where

from ._chunks import within
from ._im2col import (
    Pair,
    copy_rows,
    output_size,
    pad,
    pair,
    recycle,
    shape_of,
    unpad,
    windows,
    workspace,
)
from ._unbatched import is_one_image, one_image
from .pool_indices import choose, window_indices


class MaxPool2d(Function):
    """The fused max-pooling op; use `max_pool2d(...)`, which checks its arguments."""

    op = "max_pool2d"
    supports_create_graph = False  # backward is numpy code, not differentiable ops

    @staticmethod
    def forward(
        ctx,
        x,
        *,
        kernel: Pair,
        stride: Pair,
        padding: Pair,
        out_size: Pair,
        dilation: Pair = (1, 1),
    ):
        xp = pad(x, padding, _lowest(x.dtype))
        if dilation != (1, 1):  # taps `dilation` pixels apart: a reduction of the window view
            out = windows(xp, kernel, stride, out_size, False, dilation).max(axis=(4, 5))
            ctx.save_for_backward(x)
            ctx.out = out
            ctx.geometry = (kernel, stride, padding, out_size, dilation)
            return out
        out = np.empty((*x.shape[:2], *out_size), dtype=x.dtype)
        if len(x) == 1:  # one image: one slice on this thread, said directly
            _separable_max(xp, kernel, stride, out_size, out=out)
        else:  # a few images at a time: the column maxima of a slice are read back from the cache
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
        if len(ctx.geometry) == 5:  # dilated: the general backward, on dilated windows
            return _max_pool_backward(x, ctx.out, grad, *ctx.geometry)
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


def _max_pool_backward(
    x,
    out,
    grad,
    kernel: Pair,
    stride: Pair,
    padding: Pair,
    out_size: Pair,
    dilation: Pair = (1, 1),
):
    """The gradient of max pooling for any geometry: each window's gradient to its first
    maximum, found by comparing every kernel offset with the window's maximum in turn."""
    win = windows(pad(x, padding, _lowest(x.dtype)), kernel, stride, out_size, False, dilation)
    dxp, dwin = _grad_image(x.shape, padding, kernel, stride, out_size, grad.dtype, dilation)
    taken = np.zeros(out.shape, dtype=bool)  # windows whose maximum already got its grad
    disjoint = dilation == (1, 1) and _disjoint(kernel, stride)  # dilated: added, to be safe
    real = _real_pixels(x.shape, kernel, stride, padding, out_size, dilation)
    for a, b in _offsets(kernel):
        maximal = win[:, :, :, :, a, b] == out
        if real is not None:
            maximal &= real[:, :, :, :, a, b]
        blocked = maximal <= taken  # not a maximum, or an earlier one got the window's grad
        taken |= maximal
        if disjoint:
            zero_where(grad, blocked, out=dwin[:, :, :, :, a, b])
        else:
            dwin[:, :, :, :, a, b] += zero_where(grad, blocked)
    _nan_windows_backward(win, out, grad, dwin, _offsets(kernel))
    return unpad(dxp, padding)


def _real_pixels(
    x_shape, kernel: Pair, stride: Pair, padding: Pair, out_size: Pair, dilation: Pair = (1, 1)
):
    """None without padding, else a (1, 1, Ho, Wo, kh, kw) view: True where a window holds a
    pixel of the image, False where it holds padding. A window whose pixels are all the pad
    value (-inf) ties with its padding; PyTorch gives its gradient to the first real pixel."""
    if padding == (0, 0):
        return None
    image = np.ones((1, 1, *x_shape[2:]), dtype=bool)
    return windows(pad(image, padding, False), kernel, stride, out_size, False, dilation)


def _max_pool_backward_disjoint(x, out, grad, kernel: Pair, stride: Pair, out_size: Pair):
    """`_max_pool_backward` for windows that do not overlap, without padding: the same
    choices, a few images at a time (see the module docstring); 2x2 windows tiling a float16
    or float32 image by `_max_pool_backward_pairs`, the rest an offset at a time."""
    n, c, h, w = x.shape
    (kh, kw), (ho, wo) = kernel, out_size
    tiled = stride == kernel and (h, w) == (ho * kh, wo * kw)  # every pixel in one window
    dx = (np.empty if tiled else np.zeros)(x.shape, dtype=grad.dtype)
    if tiled and kernel == (2, 2) and x.size >= _PAIRS_MIN_ELEMENTS and _pairs_fit(x, grad):
        scratch_per_image = _pairs_scratch_bytes(c * ho * wo, x.itemsize)
        per_image = 8 * x.itemsize * c * ho * wo + scratch_per_image  # with x and dx
        # Its passes are few and fast: split only a large batch, in large slices
        pieces = threads.parts(n, x.size, threads.MIN_ELEMENTS_PER_THREAD)

        def images(share: slice) -> None:  # one thread's share of the batch, slice by slice
            parts = within(share, per_image, _PAIRS_SLICE_BYTES)
            largest = max(part.stop - part.start for part in parts)
            # One recycled buffer for every temporary: fresh ones of these sizes cost page
            # faults whenever malloc hands big freed blocks back to the system
            scratch = workspace((largest * scratch_per_image,), np.uint8)
            for part in parts:
                _max_pool_backward_pairs(x[part], out[part], grad[part], dx[part], scratch)
            recycle(scratch)

    else:
        # One image: x and dx, out and grad, and the three masks.
        per_image = c * (h * w * (x.itemsize + dx.itemsize) + ho * wo * (2 * out.itemsize + 3))

        def images(share: slice) -> None:
            for part in within(share, per_image):
                _max_pool_backward_offsets(x[part], out[part], grad[part], dx[part], kernel, stride)

        # Each pixel takes about four passes (compare, mask, mark, select): work of 4 elements
        pieces = threads.parts(n, 4 * x.size, threads.MIN_ELEMENTS_PER_THREAD)

    threads.run(images, pieces)
    dwin = windows(dx, kernel, stride, out_size, writeable=True)
    _nan_windows_backward(windows(x, kernel, stride, out_size), out, grad, dwin, _offsets(kernel))
    return dx


# The slices of `_max_pool_backward_pairs`: larger than the offsets' (CACHE_BYTES), whose
# strided passes gain more from the cache; these passes are contiguous and short, and small
# slices made more calls than they saved (benchmarks/README.md)
_PAIRS_SLICE_BYTES = 8 << 20
# Below this many pixels its extra calls cost more than its faster passes save (per offset
# against pairs: 85 against 88 us at W2's 24 K, 134 against 115 us at 64 K; benchmarks/README.md)
_PAIRS_MIN_ELEMENTS = 1 << 15
_LITTLE_ENDIAN = sys.byteorder == "little"


def _max_pool_backward_offsets(x, out, grad, dx, kernel: Pair, stride: Pair) -> None:
    """A slice of `_max_pool_backward_disjoint` an offset at a time: the plain version's
    steps, each gradient assigned into its pixels of `dx` (every pixel in at most one window)."""
    win = windows(x, kernel, stride, out.shape[2:])
    dwin = windows(dx, kernel, stride, out.shape[2:], writeable=True)
    offsets = _offsets(kernel)
    taken = maximal = blocked = None
    for i, (a, b) in enumerate(offsets):
        if taken is None:  # the first offset: nothing taken before it
            taken = np.equal(win[:, :, :, :, a, b], out)
            blocked = np.logical_not(taken)
        else:
            maximal = np.equal(win[:, :, :, :, a, b], out, out=maximal)
            # not a maximum, or an earlier one got the window's gradient
            np.less_equal(maximal, taken, out=blocked)
            if i < len(offsets) - 1:  # the last offset's maxima are needed no further
                taken |= maximal
        zero_where(grad, blocked, out=dwin[:, :, :, :, a, b])


def _pairs_fit(x: np.ndarray, grad: np.ndarray) -> bool:
    """Whether `_max_pool_backward_pairs` takes x and grad: one float dtype of 2 or 4 bytes
    (two pixels make an integer of 4 or 8), x C-contiguous, on a little-endian machine (where
    an integer's lowest set byte is its first in memory: the first maximum)."""
    return (
        _LITTLE_ENDIAN
        and x.dtype == grad.dtype
        and x.dtype.kind == "f"
        and x.itemsize in (2, 4)
        and x.flags.c_contiguous
        and x.size > 0
    )


def _pairs_scratch_bytes(windows: int, itemsize: int) -> int:
    """The bytes of `_max_pool_backward_pairs`' temporaries for `windows` windows: three
    arrays of pixel pairs, three of uint16 and one of bools."""
    return windows * (3 * 2 * itemsize + 3 * 2 + 1)


def _max_pool_backward_pairs(x, out, grad, dx, scratch: np.ndarray) -> None:
    """A slice of `_max_pool_backward_disjoint` for 2x2 windows tiling the image: the same
    choice of pixel, and the same bits in dx, in a dozen contiguous passes instead of two dozen
    strided ones.

    A window row's two pixels sit side by side, so the image viewed as integers of twice the
    float's width is (N, C, H, W/2): element [n, c, 2i + a, j] is row a of window (i, j). Each
    row of windows is copied out into a contiguous array (`copy_rows`: one memcpy per image
    row) and compared, as floats, with the window maxima written twice side by side: the result,
    two bools per window row, read as a uint16, has one byte per pixel. Its lowest set byte is
    the row's first maximum (e & -e); the second row counts only where the first has none.
    The chosen bytes (1) times 255, sign-extended from int8 to the float's width, are all-ones
    lanes that AND the gradient (also written twice side by side) into place; the other pixels
    get +0.0, as `zero_where` gives them. The temporaries live in `scratch`, uint8 of at least
    `_pairs_scratch_bytes` bytes."""
    lanes = np.dtype(f"u{x.itemsize}")
    pair = np.dtype(f"u{2 * x.itemsize}")
    mask = np.dtype(f"i{x.itemsize}")
    twice = pair.type(1 + (1 << (8 * x.itemsize)))  # v * twice = v in both halves of a pair
    count = out.size
    # The temporaries, cut from `scratch` (>= _pairs_scratch_bytes; the pairs first, aligned)
    sizes = [count * pair.itemsize] * 3 + [2 * count] * 3 + [count]
    cuts = np.cumsum(sizes)
    pieces = [scratch[stop - size : stop] for stop, size in zip(cuts, sizes)]
    maxima, row, gradients = (p.view(pair).reshape(out.shape) for p in pieces[:3])
    found = [p.view(np.uint16).reshape(out.shape) for p in pieces[3:5]]
    negated = pieces[5].view(np.uint16).reshape(out.shape)
    none = pieces[6].view(np.bool_).reshape(out.shape)

    def side_by_side(v: np.ndarray, into: np.ndarray) -> np.ndarray:  # v, twice per pair
        np.copyto(into, v.view(lanes))
        into *= twice
        return into

    side_by_side(out, maxima)  # as floats (S, C, Ho, W): each window's maximum twice
    rows = x.view(pair)  # (S, C, H, Wo): pixel pairs
    for a in (0, 1):  # per window row: a uint16 whose bytes say which of its pixels is maximal
        copy_rows(row, rows[:, :, a::2])
        np.equal(row.view(x.dtype), maxima.view(x.dtype), out=found[a].view(np.bool_))
    first, second = found
    first &= np.negative(first, out=negated)  # the lowest set byte: the row's first maximum
    second &= np.negative(second, out=negated)
    second *= np.equal(first, 0, out=none)  # the second row only where the first has none
    side_by_side(grad, gradients)
    into = dx.view(pair)
    for a, chosen in enumerate((first, second)):
        chosen *= 255  # a chosen pixel's byte: 1 -> 0xFF (-1 as int8)
        np.copyto(row.view(mask), chosen.view(np.int8))  # its lane all ones (sign-extended)
        np.bitwise_and(gradients, row, out=row)
        copy_rows(into[:, :, a::2], row)


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
    dilation: int | tuple[int, int] = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """Max over each kh x kw window: (N, C, H, W) -> (N, C, Ho, Wo); one image (C, H, W) too.

    Ho = (H + 2*ph - dh*(kh - 1) - 1) // sh + 1 (and Wo likewise); `stride` defaults to
    `kernel_size`; `dilation` (an int >= 1 or a pair, as PyTorch's) spaces a window's taps that
    many pixels apart. Padding is with -inf, at most half the kernel, and never takes a
    gradient. The gradient of a window flows to its first maximal element in row-major order
    (one element, even when several tie; for a window of -inf pixels its first pixel, as in
    PyTorch). `ceil_mode` as PyTorch's: the output size rounded up, less a last window that
    would start in the right padding (the image is padded at its bottom and right with -inf
    until the overhanging windows fit). `return_indices=True` (same position) returns
    (values, indices) as PyTorch's: indices int64 (N, C, Ho, Wo), each the flat index into the
    H * W plane of the unpadded input of the pixel the window's gradient goes to (see
    pool_indices.py); they carry no gradient.
    """
    if return_indices:
        return _max_pool_with_indices(x, kernel_size, stride, padding, dilation, ceil_mode)
    if is_one_image(x):
        return one_image(max_pool2d, x, kernel_size, stride, padding, dilation, ceil_mode)
    if dilation != 1:
        dilation = pair(dilation, "dilation", "max_pool2d", minimum=1)
        if dilation != (1, 1):  # the op's dilated path; (1, 1) keeps the tuned call
            if ceil_mode:
                return _max_pool_ceil(x, kernel_size, stride, padding, dilation)
            geometry = _geometry("max_pool2d", shape_of(x), kernel_size, stride, padding, dilation)
            return MaxPool2d.apply(x, **geometry, dilation=dilation)
    if ceil_mode:
        return _max_pool_ceil(x, kernel_size, stride, padding, (1, 1))
    return MaxPool2d.apply(x, **_geometry("max_pool2d", shape_of(x), kernel_size, stride, padding))


def _max_pool_with_indices(
    x: Tensor, kernel_size, stride, padding, dilation, ceil_mode: bool
) -> tuple[Tensor, Tensor]:
    """max_pool2d's values (the default call, in the graph) and their indices (numpy, outside
    it); one image (C, H, W) as a batch of one."""
    if is_one_image(x):
        values, indices = _max_pool_with_indices(
            x.reshape(1, *x.shape), kernel_size, stride, padding, dilation, ceil_mode
        )
        return values.reshape(values.shape[1:]), indices.reshape(indices.shape[1:])
    values = max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode)
    dilation = pair(dilation, "dilation", "max_pool2d", minimum=1)  # checked by the call above
    if ceil_mode:
        geometry, extra = _ceil_geometry(
            "max_pool2d", shape_of(x), kernel_size, stride, padding, dilation
        )
    else:
        geometry = _geometry("max_pool2d", shape_of(x), kernel_size, stride, padding, dilation)
        extra = (0, 0)
    data = x.data if isinstance(x, Tensor) else np.asarray(x)
    indices = window_indices(data, values.data, **geometry, dilation=dilation, extra=extra)
    return values, Tensor(indices)


def _max_pool_ceil(x: Tensor, kernel_size, stride, padding, dilation: Pair) -> Tensor:
    """max_pool2d with ceil_mode=True: the image padded at its bottom and right with the
    lowest value until the last (partial) windows fit, then the op on that. The added pixels
    never win over a real one (a window's first tap is real or left/top padding)."""
    geometry, extra = _ceil_geometry(
        "max_pool2d", shape_of(x), kernel_size, stride, padding, dilation
    )
    dilated = {} if dilation == (1, 1) else {"dilation": dilation}
    if extra != (0, 0):
        x = _pad_end(x, extra, _lowest(np.dtype(x.dtype)))
    return MaxPool2d.apply(x, **geometry, **dilated)


def avg_pool2d(
    x: Tensor,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """Mean over each kh x kw window: (N, C, H, W) -> (N, C, Ho, Wo); one image (C, H, W) too.

    Ho = (H + 2*ph - kh) // sh + 1 (and Wo likewise); `stride` defaults to `kernel_size`.
    Padding is with zeros, at most half the kernel. As PyTorch's: `ceil_mode` rounds the
    output size up (max_pool2d's rule); a window is divided by its pixels in the input and
    padding (count_include_pad=True; not those past the padding, where a ceil_mode window
    overhangs), by its pixels in the input only (False), or by `divisor_override` (a non-zero
    int). The defaults are the fused op alone; the others multiply its output (each window's
    sum / (kh * kw)) by the constant kh * kw / divisor.
    """
    if is_one_image(x):
        args = (kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)
        return one_image(avg_pool2d, x, *args)
    if not ceil_mode and count_include_pad is True and divisor_override is None:
        geometry = _geometry("avg_pool2d", shape_of(x), kernel_size, stride, padding)
        return AvgPool2d.apply(x, **geometry)  # PyTorch's defaults: the op alone
    avg_pool2d_divisor(divisor_override)
    if ceil_mode:
        geometry, extra = _ceil_geometry("avg_pool2d", shape_of(x), kernel_size, stride, padding)
    else:
        geometry, extra = _geometry("avg_pool2d", shape_of(x), kernel_size, stride, padding), (0, 0)
    h, w = shape_of(x)[2:]
    if extra != (0, 0):
        x = _pad_end(x, extra, 0)
    y = AvgPool2d.apply(x, **geometry)  # each window's sum / (kh * kw)
    kernel, padding = geometry["kernel"], geometry["padding"]
    if divisor_override is not None:
        divisor = np.full(geometry["out_size"], float(divisor_override))
    else:
        divisor = np.outer(
            *(
                _window_counts(n, k, s, p, o, bool(count_include_pad))
                for n, k, s, p, o in zip(
                    (h, w), kernel, geometry["stride"], padding, geometry["out_size"]
                )
            )
        )
    scale = kernel[0] * kernel[1] / divisor
    if (scale == 1).all():
        return y
    return y * scale.astype(y.dtype)


def avg_pool2d_divisor(divisor_override: int | None) -> None:
    """Raise ValueError unless `divisor_override` is None or a non-zero int (PyTorch's rule)."""
    if divisor_override is None:
        return
    if (
        isinstance(divisor_override, bool)
        or not isinstance(divisor_override, int | np.integer)
        or divisor_override == 0
    ):
        raise ValueError(
            f"avg_pool2d: divisor_override must be a non-zero int, got {divisor_override!r}"
        )


def _window_counts(n: int, k: int, s: int, p: int, o: int, include_pad: bool) -> np.ndarray:
    """PyTorch's avg-pool divisor along one side, (o,): the window's span clipped to the
    padded input (count_include_pad: padding counts, the ceil_mode overhang does not), or to
    the input itself."""
    starts = np.arange(o) * s - p
    ends = np.minimum(starts + k, n + p)
    if include_pad:
        return (ends - starts).astype(float)
    return (np.minimum(ends, n) - np.maximum(starts, 0)).astype(float)


def adaptive_avg_pool2d(
    x: Tensor, output_size: int | None | tuple[int | None, int | None]
) -> Tensor:
    """Mean over windows that tile the image into `output_size` (oh, ow) cells: (N, C, H, W)
    -> (N, C, oh, ow); one image (C, H, W) too. `output_size` is an int (square) or a pair,
    where None keeps that side of the input.

    PyTorch's windows: cell i covers rows floor(i * H / oh) to ceil((i + 1) * H / oh) (and
    columns likewise), so they overlap by a row when oh does not divide H, and repeat rows when
    oh > H. When the sizes divide, this is avg_pool2d with kernel (H // oh, W // ow).
    """
    if is_one_image(x):
        return one_image(adaptive_avg_pool2d, x, output_size)
    return _adaptive("adaptive_avg_pool2d", x, output_size, avg_pool2d, _cell_mean)


def adaptive_max_pool2d(
    x: Tensor,
    output_size: int | None | tuple[int | None, int | None],
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """Maximum over windows that tile the image into `output_size` (oh, ow) cells: (N, C, H, W)
    -> (N, C, oh, ow); one image (C, H, W) too. The cells are adaptive_avg_pool2d's (PyTorch's);
    each is max_pool2d over the whole cell, so its gradient goes to its first maximum, or its
    last NaN, as PyTorch's. `return_indices=True` returns (values, indices) as PyTorch's:
    indices int64 (N, C, oh, ow), each the flat index into the H * W plane of the pixel its
    cell's gradient goes to.
    """
    if is_one_image(x):
        if return_indices:
            values, indices = adaptive_max_pool2d(x.reshape(1, *x.shape), output_size, True)
            return values.reshape(values.shape[1:]), indices.reshape(indices.shape[1:])
        return one_image(adaptive_max_pool2d, x, output_size)
    values = _adaptive("adaptive_max_pool2d", x, output_size, max_pool2d, _cell_max)
    if not return_indices:
        return values
    return values, Tensor(_adaptive_indices(np.asarray(x.data), values.data))


def _adaptive_indices(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """The indices of adaptive max pooling: x (N, C, H, W), its values (N, C, oh, ow) -> int64
    (N, C, oh, ow); a loop over the output cells (few, as `_adaptive`'s), each vectorised."""
    n, c, h, w = x.shape
    oh, ow = out.shape[2:]
    plane = np.arange(h * w, dtype=np.int64).reshape(h, w)
    indices = np.empty(out.shape, dtype=np.int64)
    for i in range(oh):
        top, bottom = (i * h) // oh, -((-(i + 1) * h) // oh)  # `_adaptive`'s cells
        for j in range(ow):
            left, right = (j * w) // ow, -((-(j + 1) * w) // ow)
            pixels = x[:, :, top:bottom, left:right].reshape(n, c, -1)
            positions = plane[top:bottom, left:right].reshape(-1)
            indices[:, :, i, j] = choose(pixels, positions, out[:, :, i, j])
    return indices


def _cell_mean(cell: Tensor) -> Tensor:
    """(N, C, h, w) -> (N, C): each image's mean."""
    return cell.mean((-2, -1))


def _cell_max(cell: Tensor) -> Tensor:
    """(N, C, h, w) -> (N, C): each image's maximum, as max_pool2d's (gradient to the first)."""
    return max_pool2d(cell, cell.shape[2:]).reshape(cell.shape[:2])


def _adaptive(
    op: str,
    x: Tensor,
    output_size,
    pool: Callable[..., Tensor],
    reduce: Callable[[Tensor], Tensor],
) -> Tensor:
    """PyTorch's adaptive pooling of x (N, C, H, W): one fused `pool` (max_pool2d or
    avg_pool2d) when the sizes divide, else `reduce` of each cell, the cells stacked."""
    if getattr(x, "ndim", None) != 4:
        raise ShapeError(
            f"{op}: expected a 3-d (C, H, W) or 4-d (N, C, H, W) input, got "
            f"shape {tuple(np.shape(x))}"
        )
    h, w = x.shape[-2:]
    sizes = output_size if isinstance(output_size, tuple | list) else (output_size, output_size)
    if len(sizes) != 2:
        raise ValueError(f"{op}: output_size must be an int or a pair, got {output_size!r}")
    oh, ow = (side if size is None else size for size, side in zip(sizes, (h, w)))
    for size in (oh, ow):
        if isinstance(size, bool) or not isinstance(size, int | np.integer) or size < 1:
            raise ValueError(
                f"{op}: output_size must be positive ints (or None), got {output_size!r}"
            )
    if h == 0 or w == 0:
        raise ShapeError(f"{op}: the input has no pixels, shape {tuple(x.shape)}")
    if h % oh == 0 and w % ow == 0:  # equal windows side by side: the fused op
        return pool(x, (h // oh, w // ow))
    rows = []
    for i in range(oh):  # a loop over the output cells (few), each a vectorised pool
        top, bottom = (i * h) // oh, -((-(i + 1) * h) // oh)  # floor and ceil
        cells = []
        for j in range(ow):
            left, right = (j * w) // ow, -((-(j + 1) * w) // ow)
            cells.append(reduce(x[:, :, top:bottom, left:right]))
        rows.append(stack(cells, dim=-1))
    return stack(rows, dim=-2)


# ---------------------------------------------------------------------------------- helpers
def _geometry(
    op: str,
    x_shape,
    kernel_size,
    stride,
    padding,
    dilation: Pair = (1, 1),
    ceil_mode: bool = False,
) -> dict:
    """Check the arguments of a pooling op (errors name it and the shapes); return its kwargs
    (with ceil_mode, all but out_size, which `_ceil_geometry` works out)."""
    kernel = pair(kernel_size, "kernel_size", op, minimum=1)
    stride = kernel if stride is None else pair(stride, "stride", op, minimum=1)
    padding = pair(padding, "padding", op, minimum=0)
    if len(x_shape) != 4:
        raise ShapeError(f"{op}: expected input (N, C, H, W), got shape {tuple(x_shape)}")
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        # Larger padding could make a window all padding (PyTorch forbids it too).
        raise ValueError(f"{op}: padding {padding} must be at most half the kernel {kernel}")
    if ceil_mode:  # a window may overhang the padded input: `_ceil_geometry` checks the rest
        return {"kernel": kernel, "stride": stride, "padding": padding}
    padded = (x_shape[2] + 2 * padding[0], x_shape[3] + 2 * padding[1])
    extent = kernel  # a dilated window spans d*(k - 1) + 1 pixels
    if dilation != (1, 1):
        extent = tuple(d * (k - 1) + 1 for d, k in zip(dilation, kernel))
    if extent[0] > padded[0] or extent[1] > padded[1]:
        dilated = "" if extent is kernel else f" at dilation {dilation} (spanning {extent})"
        raise ShapeError(
            f"{op}: kernel {kernel}{dilated} is larger than the padded input {padded} "
            f"(input {tuple(x_shape)}, padding {padding})"
        )
    out_size = output_size(x_shape[2:], extent, stride, padding)
    return {"kernel": kernel, "stride": stride, "padding": padding, "out_size": out_size}


def _ceil_geometry(
    op: str, x_shape, kernel_size, stride, padding, dilation: Pair = (1, 1)
) -> tuple[dict, Pair]:
    """`_geometry` with ceil_mode=True: PyTorch's output size, rounded up, less a last window
    that would start past the input and its left padding; and the rows and columns (bottom,
    right) to add to the input so that the op's windows reach that far."""
    geometry = _geometry(op, x_shape, kernel_size, stride, padding, dilation, ceil_mode=True)
    sizes, extra = [], []
    for n, k, s, p, d in zip(
        x_shape[2:], geometry["kernel"], geometry["stride"], geometry["padding"], dilation
    ):
        span = d * (k - 1) + 1
        o = -(-(n + 2 * p - span) // s) + 1
        if (o - 1) * s >= n + p:  # the last window would start in the right padding
            o -= 1
        if o < 1:
            raise ShapeError(
                f"{op}: kernel {geometry['kernel']} at dilation {dilation} leaves no output "
                f"for input {tuple(x_shape)} with padding {geometry['padding']} (ceil_mode=True)"
            )
        sizes.append(o)
        extra.append(max(0, (o - 1) * s + span - (n + 2 * p)))
    return {**geometry, "out_size": tuple(sizes)}, (extra[0], extra[1])


def _pad_end(x: Tensor, extra: Pair, value: float | int) -> Tensor:
    """x (N, C, H, W) with extra[0] rows at its bottom and extra[1] columns at its right, of
    `value`, differentiably."""
    return autodiff_pad(x, ((0, 0), (0, 0), (0, extra[0]), (0, extra[1])), value)


def _offsets(kernel: Pair) -> list[Pair]:
    """The kernel offsets (a, b) in row-major order: the order that decides max-pool ties."""
    return [(a, b) for a in range(kernel[0]) for b in range(kernel[1])]


def _disjoint(kernel: Pair, stride: Pair) -> bool:
    """True when no two windows share a pixel."""
    return stride[0] >= kernel[0] and stride[1] >= kernel[1]


def _grad_image(
    x_shape, padding: Pair, kernel: Pair, stride: Pair, out_size: Pair, dtype, dilation=(1, 1)
):
    """A zero gradient for the padded input, and its writeable (N, C, Ho, Wo, kh, kw) view.

    Zeros, not empty: pixels that no window covers (the border a stride skips) get no gradient.
    """
    n, c, h, w = x_shape
    dxp = np.zeros((n, c, h + 2 * padding[0], w + 2 * padding[1]), dtype=dtype)
    return dxp, windows(dxp, kernel, stride, out_size, True, dilation)


def _lowest(dtype: np.dtype) -> float | int:
    """The padding value of max pooling: smaller than (or equal to) any value of the dtype."""
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min
