"""Making tensors: `tensor` (a copy), zeros/ones/full/eye/arange/linspace, random tensors.

As in PyTorch, `tensor([1, 2])` holds int64 and `tensor([1.0, 2.0])` the default float dtype
(the constructor `Tensor([1, 2])` is float, like `torch.Tensor`). `device=` is accepted for the
CPU (see autodiff/device.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .device import check_device
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


def _python_dtype(data: Any, dtype: DTypeLike | None) -> DTypeLike | None:
    """PyTorch's inference for Python data: integers (and lists of them) become int64."""
    if dtype is None and isinstance(data, int | list | tuple) and not isinstance(data, bool):
        try:
            kind = np.asarray(_plain(data)).dtype.kind
        except (ValueError, TypeError, OverflowError):
            return dtype  # ragged or unsupported: to_array raises its own error
        if kind in "iu":
            return np.int64
    return dtype


def _plain(data: Any) -> Any:
    if isinstance(data, Tensor):
        return data.data
    if isinstance(data, list | tuple):
        return [_plain(d) for d in data]
    return data


def tensor(
    data: Any,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
    name: str | None = None,
    device: Any = None,
) -> Tensor:
    """A new Tensor holding a copy of `data` (PyTorch's `torch.tensor`)."""
    check_device(device, "tensor")
    if isinstance(data, Tensor):
        data = data.data
    elif dtype is None and isinstance(data, list | tuple):
        dtype = _dtype_of_tensors(data)
    dtype = _python_dtype(data, dtype)
    return Tensor(np.array(to_array(data, dtype)), requires_grad=requires_grad, name=name)


def _dtype_of_tensors(data: list | tuple) -> np.dtype | None:
    """A list holding Tensors (`tensor([x[0], x[1]])`) takes their dtype, as in PyTorch; None
    when there is none."""
    dtypes = []

    def collect(item: Any) -> None:
        if isinstance(item, Tensor):
            dtypes.append(item.dtype)
        elif isinstance(item, list | tuple):
            for i in item:
                collect(i)

    collect(data)
    return np.result_type(*dtypes) if dtypes else None


def as_tensor(data: Any, dtype: DTypeLike | None = None, device: Any = None) -> Tensor:
    """`data` itself if it is a Tensor (of that dtype), else a Tensor sharing its memory."""
    check_device(device, "as_tensor")
    if isinstance(data, Tensor):
        # PyTorch's: the tensor itself, or a converted one that stays in the graph
        return data if dtype is None else data.to(dtype)
    dtype = _python_dtype(data, dtype)
    return Tensor(data.data if isinstance(data, Tensor) else data, dtype=dtype)


def from_numpy(array: np.ndarray) -> Tensor:
    """A Tensor sharing `array`'s memory and dtype (PyTorch's `torch.from_numpy`)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected an np.ndarray, got {type(array).__name__}")
    return Tensor(array)


def zeros(
    *shape: Shape, dtype: DTypeLike | None = None, requires_grad: bool = False, device: Any = None
) -> Tensor:
    check_device(device, "zeros")
    return Tensor(np.zeros(_shape(shape, "zeros"), _dtype(dtype)), requires_grad=requires_grad)


def ones(
    *shape: Shape, dtype: DTypeLike | None = None, requires_grad: bool = False, device: Any = None
) -> Tensor:
    check_device(device, "ones")
    return Tensor(np.ones(_shape(shape, "ones"), _dtype(dtype)), requires_grad=requires_grad)


def full(
    shape: Shape,
    fill_value: float,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """`shape` filled with `fill_value`; an int fill gives int64 and a bool one bool, like
    PyTorch, unless `dtype` says otherwise."""
    check_device(device, "full")
    if dtype is None and isinstance(fill_value, bool | np.bool_):
        dtype = np.bool_
    elif dtype is None and isinstance(fill_value, int | np.integer):
        dtype = np.int64
    values = np.full(_shape((shape,), "full"), fill_value, _dtype(dtype))
    return Tensor(values, requires_grad=requires_grad)


def zeros_like(
    t: Tensor | np.ndarray,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    check_device(device, "zeros_like")
    return Tensor(np.zeros_like(np.asarray(t), dtype=dtype), requires_grad=requires_grad)


def ones_like(
    t: Tensor | np.ndarray,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    check_device(device, "ones_like")
    return Tensor(np.ones_like(np.asarray(t), dtype=dtype), requires_grad=requires_grad)


def eye(
    n: int,
    m: int | None = None,
    dtype: DTypeLike | None = None,
    device: Any = None,
    *,
    requires_grad: bool = False,
) -> Tensor:
    """The (n, m) identity matrix (m defaults to n), a leaf as the other factories."""
    check_device(device, "eye")
    return Tensor(np.eye(n, m, dtype=_dtype(dtype)), requires_grad=requires_grad)


def arange(
    start: float,
    stop: float | None = None,
    step: float = 1,
    dtype: DTypeLike | None = None,
    device: Any = None,
    *,
    end: float | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """Like numpy's arange; integer arguments give int64 and float ones the default float dtype
    (as PyTorch's), unless a dtype is given. PyTorch's `end=` is numpy's `stop`."""
    check_device(device, "arange")
    if end is not None:
        stop = end
    values = np.arange(start, stop, step) if stop is not None else np.arange(start)
    if dtype is None and values.dtype.kind == "f":
        dtype = get_default_dtype()
    return Tensor(values if dtype is None else values.astype(dtype), requires_grad=requires_grad)


def linspace(
    start: float,
    stop: float | None = None,
    num: int | None = None,
    dtype: DTypeLike | None = None,
    device: Any = None,
    *,
    end: float | None = None,
    steps: int | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """`num` (PyTorch: `steps`) evenly spaced values from `start` to `stop` (`end`), both
    included."""
    check_device(device, "linspace")
    stop = end if stop is None else stop
    num = steps if num is None else num
    if stop is None or num is None:
        raise TypeError("linspace: expected start, end and steps (linspace(0, 1, 5))")
    values = np.linspace(start, stop, num, dtype=_dtype(dtype))
    return Tensor(values, requires_grad=requires_grad)


class _Random:
    rng = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Seed the generator behind rand/randn (and return it)."""
    _Random.rng = np.random.default_rng(seed)
    return _Random.rng


def derived_seed() -> int:
    """A seed in [0, 2**63) drawn from the generator behind rand/randn: what a component with a
    generator of its own (an unseeded DataLoader's shuffle) starts from, so that
    `manual_seed` makes it reproducible too, as PyTorch's global seed does."""
    return int(_Random.rng.integers(2**63))


def randn(
    *shape: Shape,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
    rng: np.random.Generator | None = None,
    device: Any = None,
) -> Tensor:
    """Standard normal samples, from `rng` or the generator seeded by `manual_seed`."""
    check_device(device, "randn")
    values = (rng or _Random.rng).standard_normal(_shape(shape, "randn")).astype(_dtype(dtype))
    return Tensor(values, requires_grad=requires_grad)


def rand(
    *shape: Shape,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
    rng: np.random.Generator | None = None,
    device: Any = None,
) -> Tensor:
    """Uniform samples in [0, 1)."""
    check_device(device, "rand")
    values = (rng or _Random.rng).random(_shape(shape, "rand")).astype(_dtype(dtype))
    return Tensor(values, requires_grad=requires_grad)
