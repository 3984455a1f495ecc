"""Sliding windows over (N, C, H, W) images: the geometry shared by convolution and pooling.

Everything here is plain numpy on arrays (no Tensors): the fused ops in `conv.py` and `pool.py`
call it from their `forward` and `backward`.

The central trick is `windows`: a strided *view* of shape (N, C, Ho, Wo, kh, kw) whose element
[n, c, i, j, a, b] is image pixel [n, c, i*sh + a, j*sw + b]. No pixel is copied to build it,
and no Python loop runs over pixels or output positions:

- im2col is one copy of that view into a contiguous (C*kh*kw, N*Ho*Wo) array, ready for one
  GEMM over the whole batch;
- pooling reduces the view over its last two axes;
- col2im (the adjoint of im2col) adds back into a *writeable* window view of a zero image, one
  kernel offset (a, b) at a time: each offset's (N, C, Ho, Wo) slice touches every pixel at most
  once, so its `+=` is an ordinary vectorised add, and windows that overlap simply accumulate
  over the kh*kw offsets (9 slice-adds for a 3x3 kernel).
- `col2im_planes`, for stride 1, does the same adds on *extra-wide* columns, image by image:
  output planes as large as the padded image (Hp x Wp instead of Ho x Wo, the extra positions
  zero) and the rows of the columns in (a, b, c) order. Then output position (i, j) of channel
  c + offset (a, b) is pixel c*Hp*Wp + i*Wp + j + a*Wp + b of the flattened image, so each
  offset's add is ONE run of C*Hp*Wp contiguous pixels per image, instead of C*Ho runs of Wo:
  long runs are what numpy adds fastest (figures in benchmarks/README.md).

im2col buffers are recycled (`recycle`): the columns are the largest array of a convolution, and
a fresh one costs more in page faults than the copy that fills it.

The copies between images and columns move rows of 14 or 28 pixels: `copy_rows` moves each row
as one element (figures in benchmarks/README.md).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

Pair = tuple[int, int]


def pair(value: int | tuple[int, int], name: str, op: str, minimum: int) -> Pair:
    """`3` -> (3, 3); `(2, 1)` -> (2, 1); checks both are ints >= minimum."""
    # The common cases first, without the general check's generator (per call on a layer)
    if type(value) is int and value >= minimum:
        return value, value
    if type(value) is tuple and len(value) == 2:
        first, second = value
        if type(first) is int and type(second) is int and min(first, second) >= minimum:
            return value
    values = tuple(value) if isinstance(value, tuple | list) else (value, value)
    if len(values) != 2 or not all(
        isinstance(v, int | np.integer) and not isinstance(v, bool) and v >= minimum for v in values
    ):
        kind = "positive int" if minimum == 1 else "non-negative int"
        raise ValueError(f"{op}: {name} must be a {kind} or a pair of them, got {value!r}")
    return int(values[0]), int(values[1])


def shape_of(a) -> tuple[int, ...]:
    """The shape of a Tensor or array (np.shape, without numpy's dispatch through a Tensor's
    __array_function__, which costs more than the rest of a small op's bookkeeping)."""
    shape = getattr(a, "shape", None)
    return np.shape(a) if shape is None else shape


def output_size(size: Pair, kernel: Pair, stride: Pair, padding: Pair) -> Pair:
    """(Ho, Wo) = ((H + 2*ph - kh) // sh + 1, (W + 2*pw - kw) // sw + 1)."""
    return tuple(  # type: ignore[return-value]
        (n + 2 * p - k) // s + 1 for n, k, s, p in zip(size, kernel, stride, padding)
    )


def copy_rows(dst: np.ndarray, src: np.ndarray) -> None:
    """`np.copyto(dst, src)` for arrays of one shape and dtype whose rows (last axis) are
    contiguous in both: each row copied as one opaque element of its bytes.

    A copy between strided views runs numpy's inner loop once per row, and for the short rows
    of small images (W8's 14 and 28 pixels) setting that loop up costs more than the row's
    bytes. Seen as one element of a void dtype, a row is a single memcpy and the inner loop
    runs down a column of rows instead: 2-3x faster on such rows (bit for bit the same bytes).
    numpy releases the GIL for these copies as for plain ones, so glassgrad's threads copy
    side by side (benchmarks/README.md). Small copies, whose two extra views cost more than
    they save, and anything else are a plain assignment.
    """
    if (
        src.size >= _ROW_COPY_MIN
        and src.dtype == dst.dtype
        and src.shape == dst.shape
        and src.ndim > 1
        and src.shape[-1] > 1
        and src.strides[-1] == dst.strides[-1] == src.itemsize
        and not src.dtype.hasobject
    ):
        row = np.dtype((np.void, src.shape[-1] * src.itemsize))
        np.copyto(dst.view(row), src.view(row))
    else:
        dst[...] = src


_ROW_COPY_MIN = 1 << 14  # elements; below it a plain copy was as fast (benchmarks.copies)


def pad(x: np.ndarray, padding: Pair, value: float = 0) -> np.ndarray:
    """(N, C, H, W) -> (N, C, H + 2*ph, W + 2*pw), the border filled with `value`.

    Returns `x` itself when there is no padding. (Filling a fresh array and copying the image
    into its middle skips `np.pad`'s general machinery, which dominates on small images.)
    """
    ph, pw = padding
    if ph == 0 and pw == 0:
        return x
    n, c, h, w = x.shape
    out = np.empty((n, c, h + 2 * ph, w + 2 * pw), dtype=x.dtype)
    out[:, :, :ph] = value  # the border only: filling the whole image first costs a pass
    out[:, :, ph + h :] = value
    out[:, :, ph : ph + h, :pw] = value
    out[:, :, ph : ph + h, pw + w :] = value
    copy_rows(out[:, :, ph : ph + h, pw : pw + w], x)
    return out


def unpad(xp: np.ndarray, padding: Pair) -> np.ndarray:
    """The inverse of `pad`: (N, C, Hp, Wp) -> (N, C, Hp - 2*ph, Wp - 2*pw), a view."""
    ph, pw = padding
    return xp[:, :, ph : xp.shape[2] - ph, pw : xp.shape[3] - pw]


def windows(
    xp: np.ndarray,
    kernel: Pair,
    stride: Pair,
    out_size: Pair,
    writeable: bool = False,
    dilation: Pair = (1, 1),
) -> np.ndarray:
    """The (N, C, Ho, Wo, kh, kw) view of every kernel window of a (padded) image `xp`.

    Element [n, c, i, j, a, b] is xp[n, c, i*sh + a*dh, j*sw + b*dw]: moving one output
    position moves `stride` pixels, moving one kernel offset moves `dilation` pixels (one, but
    for a dilated convolution). Read-only unless asked: overlapping windows alias pixels, so
    only per-offset slices are safe to write to.
    """
    sn, sc, sy, sx = xp.strides
    shape = (*xp.shape[:2], *out_size, *kernel)
    strides = (sn, sc, sy * stride[0], sx * stride[1], sy * dilation[0], sx * dilation[1])
    if not xp.flags.c_contiguous:
        return as_strided(xp, shape=shape, strides=strides, writeable=writeable)
    # The same view built directly: a quarter of as_strided's cost, which is most of a
    # one-image layer's bookkeeping
    view = np.ndarray(shape, xp.dtype, buffer=xp, strides=strides)
    if not writeable:
        view.flags.writeable = False
    return view


# Dead im2col buffers kept for reuse, a few per (shape, dtype) (one per thread working on a
# batch's parts at once). A fresh multi-MB array costs more in first-touch page faults (one per
# 4 KB page; glibc returns big blocks to the OS on free) than the copy that fills it. Conv's
# backward hands its columns back here once they are dead; the next forward of the same shape
# fills them again. (Only dict and list operations touch it, each atomic under the GIL.)
_spare: dict[tuple, list[np.ndarray]] = {}
_MAX_SPARE = 12
_MAX_PER_SHAPE = 4


def workspace(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """An uninitialised array of `shape`: a recycled one when there is one."""
    buffers = _spare.get((shape, np.dtype(dtype)))
    try:
        return buffers.pop()  # type: ignore[union-attr]
    except (AttributeError, IndexError):  # none kept for this shape, or all in use
        return np.empty(shape, dtype=dtype)


def recycle(cols: np.ndarray) -> None:
    """Give a dead `im2col` result (or `workspace` array) back for reuse by the next one of
    the same shape."""
    base = cols if cols.base is None else cols.base
    key = (base.shape, base.dtype)
    buffers = _spare.get(key)
    if buffers is None:
        if len(_spare) >= _MAX_SPARE:
            _spare.clear()  # shapes keep changing: don't hoard memory
        buffers = _spare.setdefault(key, [])
    if len(buffers) < _MAX_PER_SHAPE and not any(b is base for b in buffers):
        buffers.append(base)


def im2col(
    xp: np.ndarray,
    kernel: Pair,
    stride: Pair,
    out_size: Pair,
    ones_row: bool = False,
    out: np.ndarray | None = None,
    dilation: Pair = (1, 1),
) -> np.ndarray:
    """(N, C, Hp, Wp) -> cols (C*kh*kw, N*Ho*Wo), contiguous: the batch folded into the columns.

    cols[(c, a, b), (n, i, j)] = xp[n, c, i*sh + a, j*sw + b]. This layout makes the convolution
    ONE GEMM weight(F, C*kh*kw) @ cols for the whole batch, (F, N*Ho*Wo): large enough for BLAS
    to run well on several threads (a GEMM per image is too small to split, and hundreds of
    threaded calls a step cost more in synchronisation than they compute; benchmarks/README.md).
    Its copy loop runs along output rows, the view's longest contiguous run.
    With `ones_row`, cols (C*kh*kw + 1, N*Ho*Wo) end in a row of ones (a bias's input).
    `out`, if given, is where they go: a block of a larger batch's columns, say.
    With `dilation` (dh, dw), cols[(c, a, b), (n, i, j)] = xp[n, c, i*sh + a*dh, j*sw + b*dw].
    """
    n, c = xp.shape[:2]
    k = c * kernel[0] * kernel[1]
    view = windows(xp, kernel, stride, out_size, False, dilation)
    view = view.transpose(1, 4, 5, 0, 2, 3)  # (C, kh, kw, N, Ho, Wo)
    cols = (
        workspace((k + ones_row, n * out_size[0] * out_size[1]), xp.dtype) if out is None else out
    )
    # A view, even of a block of a larger batch's columns: each reshape splits one evenly
    # strided axis (rows into (C, kh, kw), columns into (N, Ho, Wo)).
    copy_rows(cols[:k].reshape(view.shape), view)  # rows of Wo pixels when the stride is 1
    if ones_row:
        cols[k] = 1
    return cols


def col2im(
    dcols: np.ndarray,
    padded_shape: tuple[int, ...],
    kernel: Pair,
    stride: Pair,
    out_size: Pair,
    dilation: Pair = (1, 1),
) -> np.ndarray:
    """The adjoint of `im2col` (of the same `dilation`): (C*kh*kw, N*Ho*Wo) -> (N, C, Hp, Wp),
    summing overlaps.

    Every pixel receives the sum of the entries of `dcols` that `im2col` copied from it.
    """
    n, c = padded_shape[:2]
    kh, kw = kernel
    dcols = dcols.reshape(c, kh, kw, n, *out_size)
    dxp = np.zeros(padded_shape, dtype=dcols.dtype)
    dwin = windows(dxp, kernel, stride, out_size, True, dilation)
    for a in range(kh):  # kh*kw vectorised slice-adds; each touches a pixel at most once
        for b in range(kw):
            dwin[:, :, :, :, a, b] += dcols[:, a, b].transpose(1, 0, 2, 3)
    return dxp


def widen(g: np.ndarray, width: int) -> np.ndarray:
    """(..., Ho, Wo) -> (..., Ho*width), contiguous: each row zero-padded on the right to
    `width` columns (for conv2d's dx, the padded input's width Wp)."""
    *lead, ho, wo = g.shape
    out = np.empty((*lead, ho, width), dtype=g.dtype)
    out[..., wo:] = 0  # the border only: zeroing the whole plane first costs a pass
    copy_rows(out[..., :wo], g)
    return out.reshape(*lead, ho * width)


def widen_shifted(g: np.ndarray, width: int, copies: int) -> np.ndarray:
    """(N, F, Ho, Wo) -> (N, copies*F, Ho*width): `copies` copies of `widen(g, width)`'s
    planes, copy b shifted by b pixels along each image (its first b pixels zero), so that
    row (b, f) holds g[n, f, i, j - b] at position i*width + j, zero where j - b is outside
    [0, Wo). Needs width - Wo >= copies - 1: then what the shift brings into a row is the end
    of the row before it, zeros.

    For conv2d's dx: a GEMM of these rows sums the kw offsets of each kernel row, which
    col2im_planes would otherwise add one shifted run at a time."""
    n, f, ho, wo = g.shape
    if width - wo < copies - 1:
        raise ValueError(
            f"widen_shifted: width {width} leaves no room to shift rows of {wo} by {copies - 1}"
        )
    size, item = f * ho * width, g.itemsize
    out = np.zeros((n, copies, size), dtype=g.dtype)
    # Every copy's rows in one view: copy b starts b pixels further into its block
    shifted = np.ndarray(
        (n, copies, f, ho, wo),
        g.dtype,
        buffer=out,
        strides=(copies * size * item, (size + 1) * item, ho * width * item, width * item, item),
    )
    copy_rows(shifted, np.broadcast_to(g[:, None], shifted.shape))
    return out.reshape(n, copies * f, ho * width)


def col2im_planes(dcols: np.ndarray, padded_shape: tuple[int, ...], kernel: Pair) -> np.ndarray:
    """Stride-1 col2im of extra-wide columns, image by image: (N, kh*kw*C, Hp*Wp), rows in
    (a, b, c) order -> (N, C, Hp, Wp). `kernel` is (kh, kw), or (kh, 1) for columns whose
    product already summed each kernel row's kw offsets (a GEMM of `widen_shifted` rows).

    `dcols` must be zero at the positions past Ho and Wo (what a GEMM of `widen`ed planes
    gives, with its rows past Ho zeroed). Those zeros are what each shifted run carries into
    the next plane, or off the image's end, where it is dropped.

    The sums are made in `dcols` itself (a scratch product, dropped after this): the result is
    a view of its first block of rows, offset (0, 0)'s, which gives every pixel one value
    and so needs no copy into a fresh image.
    """
    n, c, hp, wp = padded_shape
    kh, kw = kernel
    size = c * hp * wp
    runs = dcols.reshape(n, kh * kw, size)
    dxp = runs[:, 0]
    for a in range(kh):
        for b in range(kw):
            if a == b == 0:
                continue
            start = a * wp + b
            dxp[:, start:] += runs[:, a * kw + b, : size - start]
    return dxp.reshape(padded_shape)
