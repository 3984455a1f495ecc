"""`DataLoader`: mini-batches of a dataset, optionally shuffled, reproducibly.

Batches are ``autodiff.Tensor`` objects, as PyTorch's loader yields tensors
(``labels.size(0)``); ``as_tensor=False`` gives the plain numpy arrays instead.

Two ways to fetch a batch of indices ``idx`` (shape ``(B,)``):

- **vectorised** for array-backed datasets (:func:`~nn.data.dataset.is_array_backed`:
  :class:`~nn.data.dataset.ArrayDataset`, :class:`~nn.data.mnist.MNIST`, but not a subclass
  that overrides ``__getitem__``): one call ``dataset[idx]``, which gathers with one
  fancy-indexing operation per array;
- **per sample** for any other dataset: ``[dataset[i] for i in idx]``, then each field is
  stacked with ``np.stack`` into a ``(B, ...)`` array.

Shuffling: epoch ``e`` uses the permutation drawn from ``np.random.default_rng((seed, e))``.
So the order depends only on ``(seed, epoch)`` -- two loaders with the same seed give the
same batches, successive epochs differ, and ``set_epoch(e)`` replays epoch ``e`` exactly.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from .dataset import Dataset, Transform, is_array_backed

__all__ = ["DataLoader"]

Batch = Any  # a tuple of (B, ...) Tensors/arrays, or a single one if samples are not tuples


class DataLoader:
    """Iterate over ``dataset`` in mini-batches.

    Args (every one after ``shuffle`` keyword-only: PyTorch's 4th positional is ``sampler``):
        dataset: a :class:`~nn.data.dataset.Dataset`; array-backed ones are batched by
            vectorised indexing.
        batch_size: samples per batch (the last one may be smaller unless ``drop_last``).
        shuffle: a new random order every epoch; otherwise ``0, 1, ..., N-1``.
        drop_last: drop the final incomplete batch.
        seed: seeds the shuffle (see the module docstring).  ``None`` draws a fresh seed
            once, so the loader is still self-consistent (``set_epoch`` replays epochs) but
            differs from run to run.
        transform: a batch transform applied to the *inputs* only -- the first field of
            each batch (``x`` of ``(x, t)``), or the whole batch if samples are not tuples.
        target_transform: a batch transform applied to the second field (the targets
            ``t``), e.g. :class:`~nn.data.transforms.OneHot`.
        as_tensor: yield ``autodiff.Tensor`` objects wrapping the arrays (no copy), as
            PyTorch does (the default); ``False`` yields the numpy arrays themselves.

    Yields:
        For tuple samples (``ArrayDataset``, ``MNIST``) a tuple of ``(B, ...)`` batches
        (Tensors, or arrays with ``as_tensor=False``), e.g. ``for x, t in loader``; otherwise
        one ``(B, ...)`` batch.  Batches fetched by
        index arrays are fresh copies, safe to modify in place.

    Epochs are counted automatically: each ``iter(loader)`` (each ``for`` loop) uses the
    current :attr:`epoch` and then advances it, even if the loop is left early.
    ``set_epoch(e)`` chooses the epoch the next iteration uses.

    ``len(loader)`` is the number of batches per epoch.
    """

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int = 1,
        shuffle: bool = False,
        *,  # PyTorch's 4th positional is `sampler`: keyword-only, a positional call fails loudly
        drop_last: bool = False,
        seed: int | None = None,
        transform: Transform | None = None,
        as_tensor: bool = True,
        target_transform: Transform | None = None,
    ) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer):
            raise TypeError(f"batch_size must be an int, got {type(batch_size).__name__}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        # Fix an unseeded loader's seed now, so its epochs stay reproducible via set_epoch.
        self.seed = int(np.random.SeedSequence().entropy) if seed is None else int(seed)
        self.transform = transform
        self.target_transform = target_transform
        self.as_tensor = bool(as_tensor)
        self.epoch = 0
        self.vectorised = is_array_backed(dataset)

    def set_epoch(self, epoch: int) -> None:
        """Make the next iteration use epoch ``epoch``'s order (PyTorch's sampler API)."""
        if epoch < 0:
            raise ValueError(f"epoch must be non-negative, got {epoch}")
        self.epoch = int(epoch)

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def order(self, epoch: int | None = None) -> np.ndarray:
        """The ``(N,)`` int64 sample order of ``epoch`` (default: the next one)."""
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n, dtype=np.int64)
        epoch = self.epoch if epoch is None else epoch
        return np.random.default_rng((self.seed, epoch)).permutation(n).astype(np.int64)

    def __iter__(self) -> Iterator[Batch]:
        # Draw the order and advance the epoch now, not lazily inside the generator, so
        # that `iter(loader)` twice in a row gives two different epochs.
        order = self.order()
        self.epoch += 1
        return self._batches(order)

    def _batches(self, order: np.ndarray) -> Iterator[Batch]:
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            yield self._finish(self._fetch(order[start : start + self.batch_size]))

    def _fetch(self, idx: np.ndarray) -> Batch:
        """The raw batch for indices ``idx``: one vectorised call or a stacked per-sample loop."""
        if self.vectorised:
            return self.dataset[idx]
        samples = [self.dataset[int(i)] for i in idx]
        if isinstance(samples[0], tuple | list):
            return tuple(
                np.stack([np.asarray(s[k]) for s in samples]) for k in range(len(samples[0]))
            )
        return np.stack([np.asarray(s) for s in samples])

    def _finish(self, batch: Batch) -> Batch:
        """Apply the transforms and wrap the fields as Tensors (unless ``as_tensor=False``)."""
        # Transforms see arrays (a TensorDataset's Tensors give theirs up without a copy).
        fields = (
            [np.asarray(f) for f in batch]
            if isinstance(batch, tuple | list)
            else [np.asarray(batch)]
        )
        if self.transform is not None:
            fields[0] = self.transform(fields[0])
        if self.target_transform is not None:
            if len(fields) < 2:
                raise ValueError("target_transform needs batches with a second (target) field")
            fields[1] = self.target_transform(fields[1])
        if self.as_tensor:
            # Imported here so nn.data stays importable (and usable) with numpy alone.
            from autodiff import Tensor

            fields = [f if isinstance(f, Tensor) else Tensor(np.asarray(f)) for f in fields]
        else:
            fields = [np.asarray(f) for f in fields]
        return tuple(fields) if isinstance(batch, tuple | list) else fields[0]

    def __repr__(self) -> str:
        return (
            f"DataLoader({type(self.dataset).__name__}, n={len(self.dataset)}, "
            f"batch_size={self.batch_size}, shuffle={self.shuffle}, drop_last={self.drop_last}, "
            f"seed={self.seed}, batches={len(self)}, "
            f"path={'vectorised' if self.vectorised else 'per-sample'})"
        )
