"""MNIST: one split as an indexable, array-backed dataset."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import DTypeLike

from ..idx import StrPath
from .load import float_dtype, load_raw, prepare, resolve, stamp


class MNIST:
    """One MNIST split as an indexable dataset.

    Attributes:
        images: ``(N, 1, 28, 28)`` (or ``(N, 784)`` with ``flatten=True``), ``dtype``
            in [0, 1] if ``normalize`` else uint8.  Read-only.
        labels: ``(N,)`` int64, or ``(N, 10)`` ``dtype`` with ``one_hot=True``.  Read-only.
        root: the directory the files were read from.
        train: True for the 60000-image training split, False for the 10000-image test split.

    ``ds[i]`` returns ``(image, label)``; ``i`` may be an int, a slice, an integer array or
    a boolean mask, and is applied to both arrays at once (vectorised, no Python loop)::

        x, t = ds[np.array([3, 1, 4])]   # x: (3, 1, 28, 28), t: (3,)
    """

    def __init__(
        self,
        root: StrPath | None = None,
        train: bool = True,
        download: bool = False,
        normalize: bool = True,
        flatten: bool = False,
        one_hot: bool = False,
        dtype: DTypeLike = np.float32,
    ) -> None:
        dt = float_dtype(dtype)
        self.root: Path = resolve(root, download)
        self.train = bool(train)
        splits = load_raw(stamp(self.root))
        self.images, self.labels = prepare(
            splits[0] if self.train else splits[1], normalize, flatten, one_hot, dt
        )

    @property
    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """``(images, labels)``: marks MNIST as array-backed, so
        :class:`~nn.data.loader.DataLoader` fetches each batch with one ``ds[idx]``."""
        return self.images, self.labels

    def __len__(self) -> int:
        return int(self.images.shape[0])

    def __getitem__(self, index: int | slice | np.ndarray | Sequence[int]) -> tuple:
        """``(images[index], labels[index])``."""
        return self.images[index], self.labels[index]

    def __repr__(self) -> str:
        split = "train" if self.train else "test"
        return (
            f"MNIST(split={split!r}, n={len(self)}, "
            f"images={self.images.shape} {self.images.dtype}, "
            f"labels={self.labels.shape} {self.labels.dtype}, root='{self.root}')"
        )
