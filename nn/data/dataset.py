"""Datasets: the `Dataset` protocol, "array-backed" datasets, and `ArrayDataset`.

A *dataset* is anything with ``len(ds)`` and ``ds[i]`` (PyTorch's map-style dataset).
:class:`~nn.data.loader.DataLoader` batches a generic dataset by indexing it once per sample
and stacking the results.

An *array-backed* dataset (:class:`ArrayBacked`) additionally exposes its full arrays as
``ds.arrays`` and promises that ``ds[idx]`` with an integer index array gathers a whole batch
by one fancy-indexing operation per array.  The loader then fetches each batch with a single
``ds[idx]`` call -- no per-sample Python loop.  :class:`ArrayDataset` and
:class:`~nn.data.mnist.MNIST` are array-backed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["ArrayBacked", "ArrayDataset", "Dataset", "Index", "TensorDataset", "is_array_backed"]

#: What ``ds[...]`` accepts on an array-backed dataset: one sample or a batch of them.
Index = int | np.integer | slice | np.ndarray

#: A batch transform: ``(N, ...) -> (N', ...)`` (see :mod:`nn.data.transforms`).
Transform = Callable[[np.ndarray], np.ndarray]


@runtime_checkable
class Dataset(Protocol):
    """Map-style dataset: ``len(ds)`` samples, ``ds[i]`` for ``0 <= i < len(ds)``.

    ``ds[i]`` may return one array/number or a tuple of them (e.g. ``(image, label)``).

    Subclass it as PyTorch's ``torch.utils.data.Dataset``: a subclass that leaves out
    ``__getitem__`` or ``__len__`` gets PyTorch's errors from these two, not a silent None.
    """

    def __len__(self) -> int:
        raise TypeError(f"object of type {type(self).__name__!r} has no len()")

    def __getitem__(self, index: Any) -> Any:
        raise NotImplementedError(
            f"{type(self).__name__}: subclasses of Dataset should implement __getitem__"
        )


@runtime_checkable
class ArrayBacked(Protocol):
    """A dataset whose samples are the rows of in-memory arrays.

    Contract: ``arrays`` is the tuple of full arrays (all of length ``len(ds)``), and
    ``ds[idx]`` with a 1-D integer array ``idx`` of length ``B`` returns a tuple of batches
    (``(B, ...)`` each) gathered by one fancy-indexing operation per array.
    """

    @property
    def arrays(self) -> tuple[np.ndarray, ...]: ...

    def __len__(self) -> int: ...

    def __getitem__(self, index: Any) -> Any: ...


def is_array_backed(dataset: object) -> bool:
    """True if the loader may fetch whole batches from ``dataset`` with one ``dataset[idx]``.

    That needs the ``arrays`` of :class:`ArrayBacked` *and* a ``__getitem__`` written for index
    arrays: the class that defines ``__getitem__`` must also define ``arrays`` (as
    :class:`ArrayDataset` and :class:`~nn.data.mnist.MNIST` do) or declare
    ``batched_getitem = True``. A subclass that overrides ``__getitem__`` alone (PyTorch users
    do this with ``TensorDataset``) wrote it for one index, which is how PyTorch calls it, so it
    gets the per-sample path.
    """
    if not isinstance(dataset, ArrayBacked):
        return False
    owner = next(c for c in type(dataset).__mro__ if "__getitem__" in vars(c))
    return "arrays" in vars(owner) or vars(owner).get("batched_getitem", False) is True


class ArrayDataset:
    """Samples are the rows of one or more arrays sharing their first dimension
    (PyTorch's ``TensorDataset``).

    Args:
        *arrays: ``(N, ...)`` arrays (anything ``np.asarray`` accepts), e.g. ``x`` and ``t``.
            They are stored without copying.
        transform: a *batch* transform applied to the first array only (the inputs ``x``),
            every time samples are fetched.  It always sees a batch: ``ds[idx]`` passes the
            ``(B, ...)`` rows, and ``ds[i]`` passes ``x[i]`` as a batch of one, ``(1, ...)``,
            and strips that axis again -- so the same transforms work for the loader and
            for single samples.

    ``ds[i]`` returns ``(a[i], b[i], ...)``; ``ds[idx]`` with an integer array (or slice)
    returns ``(a[idx], b[idx], ...)``, one fancy-indexing operation per array.  A single
    array still gives a 1-tuple, so ``x, = ds[i]`` / ``for (x,) in loader`` unpack alike.

    Raises:
        ValueError: no arrays, a 0-d array, or arrays whose first dimensions differ (the
            message lists every shape).
    """

    def __init__(self, *arrays: ArrayLike, transform: Transform | None = None) -> None:
        if not arrays:
            raise ValueError("ArrayDataset needs at least one array")
        stored = tuple(np.asarray(a) for a in arrays)
        shapes = ", ".join(str(a.shape) for a in stored)
        if any(a.ndim == 0 for a in stored):
            raise ValueError(f"ArrayDataset: every array needs a first (sample) axis; got {shapes}")
        if len({a.shape[0] for a in stored}) > 1:
            raise ValueError(
                f"ArrayDataset: all arrays must share the first (sample) dimension; got shapes "
                f"{shapes}"
            )
        self._arrays = stored
        self.transform = transform

    @property
    def arrays(self) -> tuple[np.ndarray, ...]:
        """The full arrays, untransformed (``transform`` only applies to fetched samples)."""
        return self._arrays

    def __len__(self) -> int:
        return int(self._arrays[0].shape[0])

    def __getitem__(self, index: Index) -> tuple[np.ndarray, ...]:
        """``(a[index], b[index], ...)``, with ``transform`` applied to the first entry."""
        single = isinstance(index, int | np.integer)
        if single:
            # A length-1 slice keeps the batch axis, so the batch transform can run unchanged.
            i = int(index)
            n = len(self)
            if not -n <= i < n:
                raise IndexError(f"index {i} is out of range for a dataset of {n} samples")
            index = slice(i, i + 1 if i != -1 else None)
        batch = tuple(a[index] for a in self._arrays)
        if self.transform is not None:
            batch = (self.transform(batch[0]), *batch[1:])
        if single:
            batch = tuple(b[0] for b in batch)
        return batch

    def __repr__(self) -> str:
        shapes = ", ".join(f"{a.shape} {a.dtype}" for a in self._arrays)
        extra = f", transform={self.transform!r}" if self.transform is not None else ""
        return f"ArrayDataset({shapes}{extra})"


class TensorDataset(ArrayDataset):
    """PyTorch's ``TensorDataset``: an :class:`ArrayDataset` whose samples are Tensors.

    ``TensorDataset(x, t)`` takes Tensors (or arrays; stored without copying) sharing their first
    dimension; ``ds[i]`` is ``(x[i], t[i])`` as Tensors and ``ds[:]`` the whole data;
    ``ds.tensors`` is ``(x, t)``, as in PyTorch. The loader batches it like any array-backed
    dataset.

    A Tensor that requires grad is indexed as a Tensor, so its samples (and the loader's
    batches) stay in its graph and a backward reaches it, as in PyTorch; the others are indexed
    as arrays and give Tensors that do not require grad. (`transform`, a numpy batch transform,
    is refused for a first Tensor that requires grad: it would drop the gradient.)
    """

    batched_getitem = True  # its __getitem__ takes index arrays (see is_array_backed)

    def __init__(self, *tensors: Any, transform: Transform | None = None) -> None:
        from autodiff import Tensor  # here, so that nn.data imports with numpy alone

        super().__init__(*tensors, transform=transform)
        self.tensors: tuple[Any, ...] = tuple(
            t if isinstance(t, Tensor) else Tensor(a) for t, a in zip(tensors, self.arrays)
        )
        # Which to index as Tensors: numpy indexing of these would cut them from their graph.
        self._recorded = tuple(t.requires_grad for t in self.tensors)
        if transform is not None and self._recorded[0]:
            raise TypeError(
                "TensorDataset: transform= works on numpy arrays and would drop the gradient of "
                "the first tensor, which requires grad; transform it before making the dataset"
            )

    def __getitem__(self, index: Index) -> tuple[Any, ...]:
        from autodiff import Tensor

        samples = super().__getitem__(index)
        return tuple(
            t[index] if recorded else Tensor(np.asarray(a))
            for t, a, recorded in zip(self.tensors, samples, self._recorded)
        )

    def __repr__(self) -> str:
        return "Tensor" + super().__repr__().removeprefix("Array")
