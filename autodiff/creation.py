"""Making tensors: `tensor` (a copy), zeros/ones/full/eye/arange/linspace, random tensors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .dtypes import DTypeLike, get_default_dtype, to_array
from .tensor import Tensor

Shape = int | Sequence[int]


def _shape(shape: tuple, where: str) -> tuple[int, ...]:
    """`(2, 3)` or `((2, 3),)` as (2, 3), checked: ints >= 0 (a TypeError for "3" or 2.5, a
    ValueError for -1, naming `where`, as PyTorch's)."""
    if len(shape) == 1 and isinstance(shape[0], list | tuple | np.ndarray):
        shape = tuple(shape[0])
    for size in shape:
        if isinstance(size, bool | np.bool_) or not isinstance(size, int | np.integer):
            raise TypeError(
                f"{where}: size must be ints (or one tuple of ints), got "
                f"{type(size).__name__} {size!r} in {shape!r}"
            )
        if size < 0:
            raise ValueError(f"{where}: sizes must be non-negative, got {shape!r}")
    return tuple(int(s) for s in shape)


def _dtype(dtype: DTypeLike | None) -> np.dtype:
    return get_default_dtype() if dtype is None else np.dtype(dtype)


def tensor(
    data: Any, dtype: DTypeLike | None = None, requires_grad: bool = False, name: str | None = None
) -> Tensor:
    """A new Tensor holding a copy of `data` (PyTorch's `torch.tensor`)."""
    if isinstance(data, Tensor):
        data = data.data
    return Tensor(np.array(to_array(data, dtype)), requires_grad=requires_grad, name=name)


def as_tensor(data: Any, dtype: DTypeLike | None = None) -> Tensor:
    """`data` itself if it is a Tensor (of that dtype), else a Tensor sharing its memory."""
    if isinstance(data, Tensor) and (dtype is None or data.dtype == np.dtype(dtype)):
        return data
    return Tensor(data.data if isinstance(data, Tensor) else data, dtype=dtype)


def zeros(*shape: Shape, dtype: DTypeLike | None = None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.zeros(_shape(shape, "zeros"), _dtype(dtype)), requires_grad=requires_grad)


def ones(*shape: Shape, dtype: DTypeLike | None = None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.ones(_shape(shape, "ones"), _dtype(dtype)), requires_grad=requires_grad)


def full(
    shape: Shape, fill_value: float, dtype: DTypeLike | None = None, requires_grad: bool = False
) -> Tensor:
    values = np.full(_shape((shape,), "full"), fill_value, _dtype(dtype))
    return Tensor(values, requires_grad=requires_grad)


def zeros_like(t: Tensor | np.ndarray, requires_grad: bool = False) -> Tensor:
    return Tensor(np.zeros_like(np.asarray(t)), requires_grad=requires_grad)


def ones_like(t: Tensor | np.ndarray, requires_grad: bool = False) -> Tensor:
    return Tensor(np.ones_like(np.asarray(t)), requires_grad=requires_grad)


def eye(n: int, m: int | None = None, dtype: DTypeLike | None = None) -> Tensor:
    return Tensor(np.eye(n, m, dtype=_dtype(dtype)))


def arange(
    start: float, stop: float | None = None, step: float = 1, dtype: DTypeLike | None = None
) -> Tensor:
    """Like numpy's arange; integer arguments give int64 unless a dtype is given."""
    values = np.arange(start, stop, step) if stop is not None else np.arange(start)
    return Tensor(values if dtype is None else values.astype(dtype))


def linspace(start: float, stop: float, num: int = 50, dtype: DTypeLike | None = None) -> Tensor:
    return Tensor(np.linspace(start, stop, num, dtype=_dtype(dtype)))


class _Random:
    rng = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Seed the generator behind rand/randn (and return it)."""
    _Random.rng = np.random.default_rng(seed)
    return _Random.rng


def randn(
    *shape: Shape,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
    rng: np.random.Generator | None = None,
) -> Tensor:
    """Standard normal samples, from `rng` or the generator seeded by `manual_seed`."""
    values = (rng or _Random.rng).standard_normal(_shape(shape, "randn")).astype(_dtype(dtype))
    return Tensor(values, requires_grad=requires_grad)


def rand(
    *shape: Shape,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
    rng: np.random.Generator | None = None,
) -> Tensor:
    """Uniform samples in [0, 1)."""
    values = (rng or _Random.rng).random(_shape(shape, "rand")).astype(_dtype(dtype))
    return Tensor(values, requires_grad=requires_grad)
