"""The indices of max pooling (PyTorch's `return_indices=True`): where each window's maximum is.

Each index is the flat position, in the (H * W) plane of the UNPADDED input, of the pixel the
window's gradient goes to (PyTorch's CPU rule, which the op's backward follows): the first
maximum in row-major window order; in a window holding NaN, its last NaN; in a window of -inf
pixels, its first real pixel. Padding never wins.

The indices carry no gradient, so they are worked out here in numpy from the input and the op's
output, outside the graph: the values stay the tuned op's, and the default call
(return_indices=False) never comes here. Every window's pixels and their flat positions are
read through window views (the positions from a plane of aranges padded with -1), and the
choice is an argmax over the window axis: no Python loop over elements.
"""

from __future__ import annotations

import numpy as np

from ._im2col import Pair, windows


def window_indices(
    x: np.ndarray,
    out: np.ndarray,
    kernel: Pair,
    stride: Pair,
    padding: Pair,
    out_size: Pair,
    dilation: Pair = (1, 1),
    extra: Pair = (0, 0),
) -> np.ndarray:
    """x (N, C, H, W), its max pooling `out` (N, C, Ho, Wo) -> int64 (N, C, Ho, Wo), each the
    flat index into the H * W plane of its window's chosen pixel. `extra` rows and columns pad
    the bottom and right beyond `padding` (ceil_mode's overhang)."""
    n, c, h, w = x.shape
    widths = (
        (0, 0),
        (0, 0),
        (padding[0], padding[0] + extra[0]),
        (padding[1], padding[1] + extra[1]),
    )
    low = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    xp = np.pad(x, widths, constant_values=low)
    plane = np.arange(h * w, dtype=np.int64).reshape(1, 1, h, w)
    positions = np.pad(plane, widths, constant_values=-1)  # -1: padding
    k = kernel[0] * kernel[1]
    pixels = windows(xp, kernel, stride, out_size, False, dilation).reshape(n, c, *out_size, k)
    where = windows(positions, kernel, stride, out_size, False, dilation).reshape(
        1, 1, *out_size, k
    )
    indices = choose(pixels, where, out)
    empty = ~(where >= 0).any(axis=-1)  # (1, 1, Ho, Wo): dilated windows of padding only
    if empty.any():
        # PyTorch's CPU kernel starts each window at its first tap at or past the image's top
        # left and keeps that start as the index when no pixel beats -inf; a window of padding
        # only has no pixel, so its index is that start, which need not lie in the plane (and
        # its gradient is dropped here, as docs/pytorch_comparison.md says).
        starts = [np.arange(o) * s - p for o, s, p in zip(out_size, stride, padding)]
        first = [t + np.where(t < 0, -(t // d) * d, 0) for t, d in zip(starts, dilation)]
        start = first[0][:, None] * w + first[1][None, :]
        indices = np.where(empty, start, indices)
    return indices


def choose(pixels: np.ndarray, positions: np.ndarray, out: np.ndarray) -> np.ndarray:
    """pixels (..., K) of each window, their flat positions (..., K) (broadcasting with pixels;
    -1 for padding) and each window's maximum `out` (...) -> the chosen position (...), int64.

    The first real pixel equal to the maximum (-inf ties with padding: the first real one wins);
    where a window holds NaN, its last NaN (PyTorch's CPU kernel takes a pixel that is greater
    or NaN, so a later NaN replaces an earlier one)."""
    real = positions >= 0
    maximal = (pixels == out[..., None]) & real
    pick = np.argmax(maximal, axis=-1)
    if pixels.dtype.kind == "f":
        nan = np.isnan(pixels) & real
        any_nan = nan.any(axis=-1)
        if any_nan.any():
            last = nan.shape[-1] - 1 - np.argmax(nan[..., ::-1], axis=-1)
            pick = np.where(any_nan, last, pick)
    positions = np.broadcast_to(positions, pixels.shape)
    return np.take_along_axis(positions, pick[..., None], axis=-1)[..., 0]
