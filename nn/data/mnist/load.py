"""Loading MNIST as arrays, "Deep Learning from Scratch"'s ``load_mnist``: the four files parsed
once per process (and again when they change on disk), then shaped and scaled per call."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import NamedTuple

import numpy as np
from numpy.typing import DTypeLike

from ..idx import StrPath, read_idx
from .download import download_mnist
from .files import TEST_IMAGES, TEST_LABELS, TRAIN_IMAGES, TRAIN_LABELS, locate
from .location import find_mnist


class _Split(NamedTuple):
    images: np.ndarray  # (N, 28, 28) uint8, read-only
    labels: np.ndarray  # (N,) uint8, read-only


def stamp(directory: Path) -> tuple[tuple[str, int, int], ...]:
    """Identity of the files on disk, so the in-process cache notices replaced files."""
    stamp = []
    for name in (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS):
        path = locate(directory, name)
        if path is None:
            raise FileNotFoundError(f"{directory / name}: MNIST file disappeared")
        st = path.stat()
        stamp.append((str(path), st.st_mtime_ns, st.st_size))
    return tuple(stamp)


@functools.lru_cache(maxsize=2)
def load_raw(stamp: tuple[tuple[str, int, int], ...]) -> tuple[_Split, _Split]:
    """Parse the four files named in ``stamp``; arrays are made read-only (cached)."""
    arrays = [read_idx(path) for path, _, _ in stamp]
    splits = []
    for (img_path, _, _), (lbl_path, _, _), images, labels in (
        (stamp[0], stamp[1], arrays[0], arrays[1]),
        (stamp[2], stamp[3], arrays[2], arrays[3]),
    ):
        if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28):
            raise ValueError(
                f"{img_path}: expected MNIST images (N, 28, 28) uint8, "
                f"got {images.shape} {images.dtype}"
            )
        if labels.dtype != np.uint8 or labels.shape != images.shape[:1]:
            raise ValueError(
                f"{lbl_path}: expected ({images.shape[0]},) uint8 labels to match {img_path}, "
                f"got {labels.shape} {labels.dtype}"
            )
        if labels.size and labels.max() > 9:
            raise ValueError(f"{lbl_path}: label {labels.max()} out of range 0..9")
        images.flags.writeable = False
        labels.flags.writeable = False
        splits.append(_Split(images, labels))
    return splits[0], splits[1]


def resolve(root: StrPath | None, download: bool) -> Path:
    try:
        return find_mnist(root)
    except FileNotFoundError:
        if not download:
            raise
    target = Path(root).expanduser() if root is not None else None
    download_mnist(target)
    return find_mnist(target if target is not None else None)


def prepare(
    split: _Split, normalize: bool, flatten: bool, one_hot: bool, dtype: np.dtype
) -> tuple[np.ndarray, np.ndarray]:
    n = split.images.shape[0]
    x = split.images.reshape((n, 784) if flatten else (n, 1, 28, 28))
    if normalize:
        x = x.astype(dtype)
        x /= 255
    if one_hot:
        t = np.zeros((n, 10), dtype=dtype)
        t[np.arange(n), split.labels] = 1
    else:
        t = split.labels.astype(np.int64)
    x.flags.writeable = False
    t.flags.writeable = False
    return x, t


def float_dtype(dtype: DTypeLike) -> np.dtype:
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise ValueError(f"dtype must be a floating-point type, got {dt}")
    return dt


def load_mnist(
    root: StrPath | None = None,
    normalize: bool = True,
    flatten: bool = True,
    one_hot: bool = False,
    download: bool = False,
    dtype: DTypeLike = np.float32,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load MNIST as ``((x_train, t_train), (x_test, t_test))``.

    Args:
        root: directory with the files; see :func:`find_mnist` for the full look-up.
        normalize: images as ``dtype`` pixels/255 in [0, 1]; otherwise raw uint8 0..255.
        flatten: images of shape ``(N, 784)``; otherwise ``(N, 1, 28, 28)``.
        one_hot: labels as ``(N, 10)`` one-hot ``dtype``; otherwise ``(N,)`` int64 0..9.
        download: if the files are not found, download them (into ``root`` if given, else
            the user cache) with :func:`download_mnist`.
        dtype: floating dtype for normalized images and one-hot labels.

    Returns:
        ``N`` is 60000 for train and 10000 for test.  **All returned arrays are read-only**
        (``arr.flags.writeable is False``): the parsed files are cached in-process and
        shared between calls.  Use ``arr.copy()`` for a writeable array; indexing with an
        integer array (e.g. a mini-batch ``x[idx]``) already gives one.

    Raises:
        FileNotFoundError: files not found and ``download`` is False.
        MNISTDownloadError: ``download`` is True and the download failed.
        ValueError: a file is corrupt (see :func:`~nn.data.idx.read_idx`) or not MNIST.
    """
    dt = float_dtype(dtype)
    train, test = load_raw(stamp(resolve(root, download)))
    return (
        prepare(train, normalize, flatten, one_hot, dt),
        prepare(test, normalize, flatten, one_hot, dt),
    )
