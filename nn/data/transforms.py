"""Batch transforms: callables mapping a whole ``(N, ...)`` batch to a new batch.

Every transform here works on a batch at once with numpy array operations -- no Python loop
over samples or pixels -- so it costs a few array passes per mini-batch.  Pass them as
``DataLoader(..., transform=...)`` (applied to the inputs ``x``), ``target_transform=...``
(applied to the targets), or ``ArrayDataset(..., transform=...)``.

Image transforms accept ``(N, H, W)``, ``(N, C, H, W)``, or flat ``(N, D)`` batches with
``image_shape=(H, W)`` (or ``(C, H, W)``) given; the output has the input's shape and dtype.
The random ones own a ``numpy.random.Generator`` seeded from ``seed``, so a pipeline built
with the same seeds replays the same augmentations.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

__all__ = [
    "Compose",
    "Flatten",
    "Normalize",
    "OneHot",
    "RandomRotation",
    "RandomShift",
    "rotate",
    "shift",
]

Seed = int | np.random.Generator | None
ImageShape = tuple[int, int] | tuple[int, int, int] | None


class Compose:
    """Apply ``transforms`` in order: ``Compose([f, g])(x) == g(f(x))``."""

    def __init__(self, transforms: Sequence[Callable[[np.ndarray], np.ndarray]]) -> None:
        self.transforms = list(transforms)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        for t in self.transforms:
            x = t(x)
        return x

    def __repr__(self) -> str:
        return f"Compose({self.transforms!r})"


def _work_dtype(x: np.ndarray) -> np.dtype:
    """Floating inputs compute in their own dtype (float32 stays float32), others in float32."""
    return x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)


class Normalize:
    """``(x - mean) / std``, per channel or overall.

    Args:
        mean, std: scalars, or length-``C`` sequences broadcast along axis 1 (the channel
            axis of ``(N, C, H, W)``, or the feature axis of ``(N, C)``).

    The result is floating: ``x``'s dtype if it is floating, else float32 (so uint8 pixels
    become float32; divide by 255 first if you want [0, 1] statistics).

    Raises:
        ValueError: ``std`` has a non-positive entry, ``mean``/``std`` are not scalars or
            1-D, or (when called) their length does not match ``x.shape[1]``.
    """

    def __init__(self, mean: float | Sequence[float], std: float | Sequence[float]) -> None:
        self.mean = np.asarray(mean, dtype=np.float64)
        self.std = np.asarray(std, dtype=np.float64)
        if self.mean.ndim > 1 or self.std.ndim > 1:
            raise ValueError("Normalize: mean and std must be scalars or 1-D (one per channel)")
        if np.any(self.std <= 0):
            raise ValueError(f"Normalize: std must be positive, got {self.std.tolist()}")

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        dtype = _work_dtype(x)
        mean, std = self.mean, self.std
        channels = max(mean.size if mean.ndim else 1, std.size if std.ndim else 1)
        if mean.ndim or std.ndim:
            if x.ndim < 2 or x.shape[1] != channels:
                raise ValueError(
                    f"Normalize: {channels} per-channel values need x of shape (N, {channels}, "
                    f"...), got {x.shape}"
                )
            # (C,) -> (C, 1, 1, ...) so it lines up with axis 1 of x.
            tail = (1,) * (x.ndim - 2)
            mean = np.broadcast_to(mean, (channels,)).reshape((channels, *tail))
            std = np.broadcast_to(std, (channels,)).reshape((channels, *tail))
        # Cast the statistics, not x, to x's dtype: float64 constants would promote float32.
        return (x.astype(dtype, copy=False) - mean.astype(dtype)) / std.astype(dtype)

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean.tolist()}, std={self.std.tolist()})"


class Flatten:
    """``(N, ...) -> (N, prod(...))`` (a view when ``x`` is contiguous)."""

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        if x.ndim == 0:
            raise ValueError("Flatten needs a batch (N, ...), got a 0-d array")
        return x.reshape(x.shape[0], -1)

    def __repr__(self) -> str:
        return "Flatten()"


class OneHot:
    """Integer labels ``(N,)`` -> one-hot ``(N, num_classes)`` (any leading shape works).

    Raises:
        ValueError: labels are not integers or fall outside ``0 .. num_classes - 1``.
    """

    def __init__(self, num_classes: int, dtype: DTypeLike = np.float32) -> None:
        if num_classes < 1:
            raise ValueError(f"OneHot: num_classes must be at least 1, got {num_classes}")
        self.num_classes = int(num_classes)
        self.dtype = np.dtype(dtype)

    def __call__(self, labels: ArrayLike) -> np.ndarray:
        labels = np.asarray(labels)
        if labels.dtype.kind not in "iu":
            raise ValueError(f"OneHot: labels must be integers, got dtype {labels.dtype}")
        if labels.size and (labels.min() < 0 or labels.max() >= self.num_classes):
            raise ValueError(
                f"OneHot: labels must lie in 0..{self.num_classes - 1}, got range "
                f"{labels.min()}..{labels.max()}"
            )
        out = np.zeros((*labels.shape, self.num_classes), dtype=self.dtype)
        np.put_along_axis(out, labels[..., None].astype(np.intp), 1, axis=-1)
        return out

    def __repr__(self) -> str:
        return f"OneHot({self.num_classes})"


# ------------------------------------------------------------------------------ geometry


def _as_nchw(x: np.ndarray, image_shape: ImageShape) -> np.ndarray:
    """View a batch of images as ``(N, C, H, W)`` (reshaped back by the caller)."""
    if image_shape is not None:
        shape = tuple(int(s) for s in image_shape)
        if len(shape) not in (2, 3):
            raise ValueError(f"image_shape must be (H, W) or (C, H, W), got {image_shape}")
        if len(shape) == 2:
            shape = (1, *shape)
        if x.ndim < 1 or x.size != x.shape[0] * int(np.prod(shape)):
            raise ValueError(f"a batch of shape {x.shape} does not hold images of {image_shape}")
        return x.reshape(x.shape[0], *shape)
    if x.ndim == 3:
        return x[:, None]
    if x.ndim == 4:
        return x
    raise ValueError(
        f"expected images (N, H, W) or (N, C, H, W), got shape {x.shape}; for flat images "
        "pass image_shape=(H, W), e.g. (28, 28) for MNIST's (N, 784)"
    )


def _cast_back(out: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Return ``out`` in ``dtype``, rounding and clipping if it is an integer type."""
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        out = np.clip(np.rint(out), info.min, info.max)
    return out.astype(dtype, copy=False)


def _bilinear(images: np.ndarray, ys: np.ndarray, xs: np.ndarray, fill: float) -> np.ndarray:
    """Sample ``images`` (N, C, H, W) at fractional source coordinates ``ys``, ``xs``
    (N, H', W') by bilinear interpolation; outside the image counts as ``fill``.

    Returns (N, C, H', W') in the working dtype.
    """
    n, c, h, w = images.shape
    dtype = _work_dtype(images)
    # Channels last and a 1-pixel border of `fill`, so the corners just outside the image
    # need no special case; flattened to rows of C values, one `np.take` per corner reads
    # every pixel of every image (a single linear index is much faster than three).
    padded = np.pad(
        images.transpose(0, 2, 3, 1).astype(dtype, copy=False),
        ((0, 0), (1, 1), (1, 1), (0, 0)),
        constant_values=fill,
    ).reshape(-1, c)
    # Clipping to the border keeps every corner inside `padded`: a coordinate beyond the
    # border lands on it with weight 1 and reads `fill`, exactly what lies out there.
    # In padded coordinates (+1) they are >= 0, so truncation is floor; the minimum keeps
    # the far corner (index + 1) inside too.
    ys = np.clip(ys, -1.0, h) + 1
    xs = np.clip(xs, -1.0, w) + 1
    yi = np.minimum(ys.astype(np.intp), h)
    xi = np.minimum(xs.astype(np.intp), w)
    wy = (ys - yi).astype(dtype)[..., None]
    wx = (xs - xi).astype(dtype)[..., None]
    row = w + 2  # padded row length
    top_left = np.arange(n)[:, None, None] * ((h + 2) * row) + yi * row + xi

    def corner(offset: int) -> np.ndarray:
        return np.take(padded, top_left + offset, axis=0)  # (N, H', W', C)

    top = corner(0) * (1 - wx) + corner(1) * wx
    bottom = corner(row) * (1 - wx) + corner(row + 1) * wx
    out = top * (1 - wy) + bottom * wy
    return out.transpose(0, 3, 1, 2)


def rotate(
    x: ArrayLike,
    angles: float | ArrayLike,
    image_shape: ImageShape = None,
    fill: float = 0.0,
) -> np.ndarray:
    """Rotate each image of a batch counter-clockwise about its centre by ``angles`` degrees.

    Args:
        x: ``(N, H, W)``, ``(N, C, H, W)`` or flat ``(N, D)`` images (with ``image_shape``).
        angles: one angle for all images, or ``(N,)`` angles, in degrees (90 is ``np.rot90``).
        image_shape: ``(H, W)`` or ``(C, H, W)`` for flat batches.
        fill: value of pixels that come from outside the image.

    Returns:
        The rotated batch, same shape and dtype as ``x`` (integer images are rounded).

    Inverse mapping: every output pixel asks where it came from -- the rotation by
    ``-angle`` of its offset from the centre -- and reads that point with bilinear
    interpolation.  The source coordinates of all pixels of all images form one
    ``(N, H, W)`` grid, so the whole batch is a handful of array operations.
    """
    x = np.asarray(x)
    images = _as_nchw(x, image_shape)
    n, _, h, w = images.shape
    theta = np.deg2rad(np.broadcast_to(np.asarray(angles, dtype=np.float64), (n,)))
    cos = np.cos(theta)[:, None, None]
    sin = np.sin(theta)[:, None, None]
    cy, cx = (h - 1) / 2, (w - 1) / 2
    dy = np.arange(h, dtype=np.float64)[:, None] - cy  # (H, 1) row offsets, y pointing down
    dx = np.arange(w, dtype=np.float64)[None, :] - cx  # (1, W) column offsets
    # With y pointing down, a counter-clockwise turn by theta maps a source offset (dy, dx)
    # to (dy cos - dx sin, dx cos + dy sin); its inverse gives the source of each output.
    src_y = cy + dy * cos + dx * sin  # (N, H, W)
    src_x = cx + dx * cos - dy * sin
    out = _bilinear(images, src_y, src_x, fill)
    return _cast_back(out, x.dtype).reshape(x.shape)


def shift(
    x: ArrayLike,
    dy: int | ArrayLike,
    dx: int | ArrayLike,
    image_shape: ImageShape = None,
    fill: float = 0.0,
) -> np.ndarray:
    """Translate each image by whole pixels: ``dy`` rows down and ``dx`` columns right.

    Args:
        x: ``(N, H, W)``, ``(N, C, H, W)`` or flat ``(N, D)`` images (with ``image_shape``).
        dy, dx: ints, or ``(N,)`` integer arrays (one shift per image); negative moves
            up / left.
        image_shape: ``(H, W)`` or ``(C, H, W)`` for flat batches.
        fill: value of the pixels shifted in from outside.

    Returns:
        The shifted batch, same shape and dtype as ``x`` (pixels are moved, not
        interpolated, so values are exact).
    """
    x = np.asarray(x)
    images = _as_nchw(x, image_shape)
    n, _, h, w = images.shape
    dy = np.broadcast_to(np.asarray(dy), (n,)).astype(np.intp)
    dx = np.broadcast_to(np.asarray(dx), (n,)).astype(np.intp)
    rows = np.arange(h) - dy[:, None]  # (N, H) source row of each output row
    cols = np.arange(w) - dx[:, None]  # (N, W)
    inside = ((rows >= 0) & (rows < h))[:, :, None] & ((cols >= 0) & (cols < w))[:, None, :]
    b = np.arange(n)[:, None, None]
    # Channels last so the three advanced indices are adjacent: result (N, H, W, C).
    gathered = images.transpose(0, 2, 3, 1)[
        b, np.clip(rows, 0, h - 1)[:, :, None], np.clip(cols, 0, w - 1)[:, None, :]
    ]
    out = np.where(inside[..., None], gathered, np.asarray(fill).astype(x.dtype))
    return out.transpose(0, 3, 1, 2).reshape(x.shape)


class RandomRotation:
    """Rotate each image by its own random angle, uniform in ``[-degrees, +degrees]``.

    Args:
        degrees: the maximum angle ``d >= 0`` (angles in ``[-d, d]``), or a ``(lo, hi)``
            range (torchvision's convention; ``(90, 90)`` always rotates by 90).
        seed: seeds this transform's ``numpy.random.Generator`` (or pass a Generator).
        image_shape: ``(H, W)`` or ``(C, H, W)`` for flat batches such as MNIST's
            ``(N, 784)``.
        fill: value of pixels that come from outside the image.

    See :func:`rotate` for the shapes and the method (bilinear inverse mapping).  The
    lessons' MNIST augmentation is ``RandomRotation(20)``.
    """

    def __init__(
        self,
        degrees: float | tuple[float, float],
        seed: Seed = None,
        image_shape: ImageShape = None,
        fill: float = 0.0,
    ) -> None:
        if np.ndim(degrees) == 0:
            if degrees < 0:
                raise ValueError(f"RandomRotation: degrees must be >= 0, got {degrees}")
            lo, hi = -float(degrees), float(degrees)
        else:
            lo, hi = (float(d) for d in degrees)
            if lo > hi:
                raise ValueError(f"RandomRotation: need lo <= hi, got ({lo}, {hi})")
        self.degrees = (lo, hi)
        self.image_shape = image_shape
        self.fill = fill
        self.rng = np.random.default_rng(seed)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        angles = self.rng.uniform(*self.degrees, size=len(x))
        return rotate(x, angles, self.image_shape, self.fill)

    def __repr__(self) -> str:
        return f"RandomRotation(degrees={self.degrees})"


class RandomShift:
    """Translate each image by its own random whole-pixel offset.

    Args:
        max_shift: offsets are uniform integers in ``[-max_shift, max_shift]`` for rows and
            columns independently; or a ``(max_dy, max_dx)`` pair.
        seed: seeds this transform's ``numpy.random.Generator`` (or pass a Generator).
        image_shape: ``(H, W)`` or ``(C, H, W)`` for flat batches.
        fill: value of the pixels shifted in from outside.

    See :func:`shift` for the shapes.
    """

    def __init__(
        self,
        max_shift: int | tuple[int, int],
        seed: Seed = None,
        image_shape: ImageShape = None,
        fill: float = 0.0,
    ) -> None:
        pair = (max_shift, max_shift) if np.ndim(max_shift) == 0 else tuple(max_shift)
        if len(pair) != 2 or any(int(m) != m or m < 0 for m in pair):
            raise ValueError(
                f"RandomShift: max_shift must be a non-negative int or a pair, got {max_shift}"
            )
        self.max_shift = (int(pair[0]), int(pair[1]))
        self.image_shape = image_shape
        self.fill = fill
        self.rng = np.random.default_rng(seed)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        my, mx = self.max_shift
        dy = self.rng.integers(-my, my + 1, size=len(x))
        dx = self.rng.integers(-mx, mx + 1, size=len(x))
        return shift(x, dy, dx, self.image_shape, self.fill)

    def __repr__(self) -> str:
        return f"RandomShift(max_shift={self.max_shift})"
