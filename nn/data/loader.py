"""`DataLoader`: mini-batches of a dataset, optionally shuffled, reproducibly.

Batches are ``autodiff.Tensor`` objects, as PyTorch's loader yields tensors
(``labels.size(0)``); ``as_tensor=False`` gives the plain numpy arrays instead.

Two ways to fetch a batch of indices ``idx`` (shape ``(B,)``):

- **vectorised** for array-backed datasets (:func:`~nn.data.dataset.is_array_backed`:
  :class:`~nn.data.dataset.ArrayDataset`, :class:`~nn.data.mnist.MNIST`, but not a subclass
  that overrides ``__getitem__``): one call ``dataset[idx]``, which gathers with one
  fancy-indexing operation per array;
- **per sample** for any other dataset: ``[dataset[i] for i in idx]``, collated as PyTorch's
  ``default_collate`` does (:func:`collate`): recursively, a tuple, list or dict of fields
  becomes a tuple, list or dict of batches; arrays, numpy scalars and Tensors are stacked
  along a new first axis, Python ints/floats/bools become int64/float64/bool arrays, and
  strings are kept as a sequence of strings.

Shuffling: epoch ``e`` uses the permutation drawn from ``np.random.default_rng((seed, e))``.
So the order depends only on ``(seed, epoch)`` -- two loaders with the same seed give the
same batches, successive epochs differ, and ``set_epoch(e)`` replays epoch ``e`` exactly.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from typing import Any

import numpy as np

from .dataset import Dataset, Transform, is_array_backed

__all__ = ["DataLoader"]

Batch = Any  # (B, ...) Tensors/arrays, in the structure of a sample (tuple, list, dict, ...)

# Python numbers as PyTorch's default_collate batches them.
_NUMBER_DTYPES = {bool: np.bool_, int: np.int64, float: np.float64}


def collate(samples: Sequence[Any], where: str = "sample") -> Any:
    """Batch ``samples`` as PyTorch's ``default_collate`` does; ``where`` names the field.

    Recursively: a tuple (also a namedtuple), list or dict of fields gives a tuple, list or
    dict of batches, one per field; arrays, numpy scalars and Tensors are stacked along a new
    first axis (dtype kept); Python ints, floats and bools give int64, float64 and bool arrays;
    strings are returned as they come (PyTorch does not batch them).  Anything else, and any
    field whose samples disagree in structure, shape or number type, raises an error naming
    the field (e.g. ``sample[1]['label']``).
    """
    first = samples[0]
    if isinstance(first, str | bytes):
        return samples
    if isinstance(first, Mapping):
        if not all(isinstance(s, Mapping) and s.keys() == first.keys() for s in samples):
            raise RuntimeError(f"DataLoader: the samples' dicts at {where} have different keys")
        return _like(first, {k: collate([s[k] for s in samples], f"{where}[{k!r}]") for k in first})
    if isinstance(first, tuple | list):
        if not all(isinstance(s, tuple | list) and len(s) == len(first) for s in samples):
            raise RuntimeError(
                "each element in list of batch should be of equal size "
                f"(DataLoader: {where} has lengths {[_len(s) for s in samples]})"
            )
        # zip gives each field's samples as a tuple; strings come back so, as in PyTorch.
        return _like(first, [collate(f, f"{where}[{k}]") for k, f in enumerate(zip(*samples))])
    if isinstance(first, bool | int | float) and not isinstance(first, np.generic):
        # bool before int: bool is a subclass of int.
        kinds = {next((t for t in _NUMBER_DTYPES if isinstance(s, t)), type(s)) for s in samples}
        if len(kinds) > 1:
            # PyTorch's dtype would depend on which type the first sample happens to have.
            names = sorted(k.__name__ for k in kinds)
            raise TypeError(f"DataLoader: {where} mixes {', '.join(names)} in one batch")
        return np.array(samples, dtype=_NUMBER_DTYPES[kinds.pop()])
    # numpy arrays and scalars, and Tensors (checked by duck type: autodiff stays unimported).
    if hasattr(first, "__array__"):
        arrays = [np.asarray(s) for s in samples]
        recorded = any(getattr(s, "requires_grad", False) for s in samples)
        if arrays[0].dtype.kind in "OSUV":
            raise TypeError(f"DataLoader: {where} holds arrays of dtype {arrays[0].dtype}")
        shapes = list(dict.fromkeys(a.shape for a in arrays))
        if len(shapes) > 1:
            raise RuntimeError(f"DataLoader: {where} has different shapes in one batch: {shapes}")
        if recorded:
            # Samples in a graph are stacked by the op, so that a backward reaches them (as
            # PyTorch's torch.stack does); np.stack would cut them off.
            import autodiff

            return autodiff.stack(samples)
        return np.stack(arrays)
    raise TypeError(
        f"DataLoader: {where} is a {type(first).__name__}; samples may hold arrays, Tensors, "
        "numbers, strings, and tuples, lists or dicts of them"
    )


def _len(sample: Any) -> int | str:
    return len(sample) if isinstance(sample, tuple | list) else type(sample).__name__


def _like(container: Any, values: Any) -> Any:
    """``values`` (a list, or a dict for a mapping) in ``container``'s type, as PyTorch keeps it."""
    if isinstance(container, Mapping):
        if isinstance(container, MutableMapping):  # keeps OrderedDict & co with their extras
            clone = copy.copy(container)
            clone.update(values)
            return clone
        return dict(values)
    if hasattr(container, "_fields"):  # a namedtuple
        return type(container)(*values)
    return tuple(values) if isinstance(container, tuple) else list(values)


# PyTorch's other DataLoader options, with the values that give PyTorch's batches here (no
# worker processes, samplers or custom collation): a PyTorch program that passes one of them
# explicitly runs; any other value would change what PyTorch does and is refused, naming the
# option, rather than ignored. pin_memory only speeds up copies to a GPU: PyTorch on a machine
# without one ignores it too.
_TORCH_OPTIONS: dict[str, tuple[Any, ...]] = {
    "num_workers": (0,),
    "pin_memory": (False, True),
    "timeout": (0,),
    "worker_init_fn": (None,),
    "persistent_workers": (False,),
    "prefetch_factor": (None,),
    "multiprocessing_context": (None,),
    "pin_memory_device": ("",),
    "in_order": (True,),
    "collate_fn": (None,),
    "sampler": (None,),
    "batch_sampler": (None,),
    "generator": (None,),
}
# What to use instead, for the options that change the batches.
_INSTEAD = {
    "num_workers": "there are no worker processes (array-backed datasets batch with one fancy "
    "index per array)",
    "collate_fn": "samples are collated as PyTorch's default_collate; build batches in the "
    "dataset instead",
    "sampler": "shuffle= and seed= choose the order",
    "batch_sampler": "batch_size=, shuffle= and drop_last= make the batches",
    "generator": "seed= makes the shuffle reproducible",
}


def _check_torch_options(options: Mapping[str, Any]) -> None:
    """Raise a TypeError for an unknown keyword, or a PyTorch option set to a value that would
    change PyTorch's batches (see _TORCH_OPTIONS)."""
    for name, value in options.items():
        if name not in _TORCH_OPTIONS:
            raise TypeError(f"DataLoader() got an unexpected keyword argument {name!r}")
        allowed = _TORCH_OPTIONS[name]
        if not any(_same_option(value, a) for a in allowed):
            shown = " or ".join(f"{name}={a!r}" for a in allowed)
            raise TypeError(
                f"DataLoader: {name}={value!r} is not supported, only {shown}: "
                f"{_INSTEAD.get(name, 'leave it out')}"
            )


def _same_option(value: Any, allowed: Any) -> bool:
    """`value` is the option value `allowed` (0 and 0.0 alike, but not False; no __eq__ of
    arbitrary objects, which for an array is elementwise)."""
    if allowed is None or isinstance(value, bool) or isinstance(allowed, bool):
        return value is allowed
    return isinstance(value, int | float | np.number | str) and bool(value == allowed)


class DataLoader:
    """Iterate over ``dataset`` in mini-batches.

    Args (every one after ``shuffle`` keyword-only: PyTorch's 4th positional is ``sampler``):
        dataset: a :class:`~nn.data.dataset.Dataset`; array-backed ones are batched by
            vectorised indexing.
        batch_size: samples per batch (the last one may be smaller unless ``drop_last``).
        shuffle: a new random order every epoch; otherwise ``0, 1, ..., N-1``.
        drop_last: drop the final incomplete batch.
        seed: seeds the shuffle (see the module docstring).  ``None`` draws a seed once,
            from the generator ``autodiff.manual_seed`` seeds (so a program that calls
            ``manual_seed`` shuffles alike every run, as in PyTorch); the loader stays
            self-consistent (``set_epoch`` replays epochs).
        transform: a batch transform applied to the *inputs* only -- the first field of
            each batch (``x`` of ``(x, t)``), or the whole batch if samples are not tuples;
            that field must be an array (a nested tuple or dict raises ``TypeError``).
        target_transform: a batch transform applied to the second field (the targets
            ``t``), e.g. :class:`~nn.data.transforms.OneHot`.
        as_tensor: yield ``autodiff.Tensor`` objects wrapping the arrays (no copy), as
            PyTorch does (the default); ``False`` yields the numpy arrays themselves.
        **torch_options: PyTorch's other options are accepted at the values that leave its
            batches as they are -- ``num_workers=0``, ``pin_memory`` (a GPU matter),
            ``collate_fn=None``, ``sampler=None``, ... -- and any other value raises a
            ``TypeError`` naming it (no worker processes, samplers or custom collation).

    Yields:
        For tuple samples (``ArrayDataset``, ``MNIST``) a tuple of ``(B, ...)`` batches
        (Tensors, or arrays with ``as_tensor=False``), e.g. ``for x, t in loader``; otherwise
        one ``(B, ...)`` batch.  Per-sample datasets may nest tuples, lists and dicts: each
        batch has the sample's structure with a batch per field (see :func:`collate`).
        Batches fetched by index arrays are fresh copies, safe to modify in place.

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
        **torch_options: Any,
    ) -> None:
        _check_torch_options(torch_options)
        if batch_size is None:
            raise TypeError(
                "DataLoader: batch_size=None (PyTorch's unbatched loading, one sample at a time) "
                "is not supported; iterate over the dataset itself, or use batch_size=1"
            )
        if isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer):
            raise TypeError(f"batch_size must be an int, got {type(batch_size).__name__}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        # Fix an unseeded loader's seed now, so its epochs stay reproducible via set_epoch. A
        # shuffling one draws it from the generator `autodiff.manual_seed` seeds, so that a
        # seeded program shuffles alike run after run, as PyTorch's does.
        if seed is None and self.shuffle:
            from autodiff.creation import derived_seed

            seed = derived_seed()
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
        """The raw batch for indices ``idx``: one vectorised call or a collated per-sample loop."""
        if self.vectorised:
            return self.dataset[idx]
        return collate([self.dataset[int(i)] for i in idx])

    def _finish(self, batch: Batch) -> Batch:
        """Apply the transforms, then wrap the arrays as Tensors (unless ``as_tensor=False``)."""
        if self.transform is not None or self.target_transform is not None:
            fields = list(batch) if isinstance(batch, tuple | list) else [batch]
            if self.transform is not None:
                fields[0] = self.transform(_array(fields[0], "transform"))
            if self.target_transform is not None:
                if len(fields) < 2:
                    raise ValueError("target_transform needs batches with a second (target) field")
                fields[1] = self.target_transform(_array(fields[1], "target_transform"))
            batch = _like(batch, fields) if isinstance(batch, tuple | list) else fields[0]
        return self._wrap(batch)

    def _wrap(self, batch: Batch) -> Batch:
        """``batch`` with every array a Tensor (or a plain array), in the same structure."""
        if isinstance(batch, str | bytes):
            return batch
        if isinstance(batch, Mapping):
            return _like(batch, {k: self._wrap(v) for k, v in batch.items()})
        if isinstance(batch, tuple | list):
            return _like(batch, [self._wrap(v) for v in batch])
        if not self.as_tensor:
            return np.asarray(batch)
        # Imported here so nn.data stays importable (and usable) with numpy alone.
        from autodiff import Tensor

        return batch if isinstance(batch, Tensor) else Tensor(np.asarray(batch))

    def __repr__(self) -> str:
        return (
            f"DataLoader({type(self.dataset).__name__}, n={len(self.dataset)}, "
            f"batch_size={self.batch_size}, shuffle={self.shuffle}, drop_last={self.drop_last}, "
            f"seed={self.seed}, batches={len(self)}, "
            f"path={'vectorised' if self.vectorised else 'per-sample'})"
        )


def _array(field: Any, name: str) -> np.ndarray:
    """The array a transform is given; transforms take whole-batch arrays, not structures."""
    if isinstance(field, str | bytes | Mapping | tuple | list):
        raise TypeError(
            f"DataLoader: {name} needs an array, but that field of the batch is a "
            f"{type(field).__name__}; transform it in the dataset instead"
        )
    if getattr(field, "requires_grad", False):
        raise TypeError(
            f"DataLoader: {name} works on numpy arrays, but that field of the batch is a Tensor "
            "that requires grad, whose gradient it would drop; transform it in the dataset instead"
        )
    return np.asarray(field)
