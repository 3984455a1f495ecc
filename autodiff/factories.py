"""More of PyTorch's factories: `empty`, `empty_like`, `full_like`, `logspace`, and the Tensor
methods `new_zeros`, `new_ones`, `new_full`, `new_empty`, `new_tensor` (a tensor of the source's
dtype unless `dtype=` says otherwise).

`empty` and its kin return zeros: numpy could hand out uninitialised memory, but values that
depend on what was there before are a source of irreproducible bugs, and PyTorch promises
nothing about them, so zeros are a valid (and reproducible) choice.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .creation import Shape, _shape, full, tensor, zeros
from .device import check_device
from .dtypes import DTypeLike, get_default_dtype
from .registry import register
from .tensor import Tensor


def empty(
    *size: Shape, dtype: DTypeLike | None = None, requires_grad: bool = False, device: Any = None
) -> Tensor:
    """A tensor of `size` (PyTorch's `torch.empty`): here always zeros, never leftover memory."""
    check_device(device, "empty")
    return zeros(*size, dtype=dtype, requires_grad=requires_grad)


def _like(
    where: str, input: Any, fill: Any, dtype: DTypeLike | None, requires_grad: bool, device: Any
) -> Tensor:
    check_device(device, where)
    data = input.data if isinstance(input, Tensor) else np.asarray(input)
    dtype = data.dtype if dtype is None else np.dtype(dtype)
    return Tensor(np.full(data.shape, fill, dtype=dtype), requires_grad=requires_grad)


def empty_like(
    input: Any, dtype: DTypeLike | None = None, requires_grad: bool = False, device: Any = None
) -> Tensor:
    """A tensor of input's shape and dtype: zeros here (see `empty`)."""
    return _like("empty_like", input, 0, dtype, requires_grad, device)


def full_like(
    input: Any,
    fill_value: Any,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """input's shape filled with `fill_value`, in input's dtype unless `dtype` is given (so
    `full_like(int_tensor, 2.7)` holds 2, as PyTorch's)."""
    return _like("full_like", input, fill_value, dtype, requires_grad, device)


def logspace(
    start: float,
    end: float,
    steps: int,
    base: float = 10.0,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """`steps` values `base ** e`, the exponents e evenly spaced from `start` to `end` (both
    included). Exponents are computed as PyTorch's kernel does: from `start` for the first half
    and back from `end` for the second, so that both ends are exact."""
    check_device(device, "logspace")
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 0:
        raise ValueError(f"logspace: number of steps must be a non-negative int, got {steps!r}")
    dtype = get_default_dtype() if dtype is None else np.dtype(dtype)
    index = np.arange(steps, dtype=np.float64)
    step = (end - start) / (steps - 1) if steps > 1 else 0.0
    first_half = (index < steps // 2) | (steps == 1)  # one step: base ** start, as PyTorch's
    exponents = np.where(first_half, start + step * index, end - step * (steps - 1 - index))
    values = np.power(np.float64(base), exponents)
    return Tensor(values.astype(dtype), requires_grad=requires_grad)


# ------------------------------------------------------------------ Tensor.new_* methods
def _new(x: Tensor, dtype: DTypeLike | None) -> np.dtype:
    return x.dtype if dtype is None else np.dtype(dtype)


@register(methods=("new_zeros",), functions=())
def new_zeros(
    x: Tensor,
    *size: Shape,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """Zeros of `size` in x's dtype (unless `dtype` is given)."""
    check_device(device, "new_zeros")
    return zeros(*size, dtype=_new(x, dtype), requires_grad=requires_grad)


@register(methods=("new_ones",), functions=())
def new_ones(
    x: Tensor,
    *size: Shape,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """Ones of `size` in x's dtype (unless `dtype` is given)."""
    check_device(device, "new_ones")
    values = np.ones(_shape(size, "new_ones"), _new(x, dtype))
    return Tensor(values, requires_grad=requires_grad)


@register(methods=("new_empty",), functions=())
def new_empty(
    x: Tensor,
    *size: Shape,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """A tensor of `size` in x's dtype: zeros here (see `empty`)."""
    return new_zeros(x, *size, dtype=dtype, requires_grad=requires_grad, device=device)


@register(methods=("new_full",), functions=())
def new_full(
    x: Tensor,
    size: Shape,
    fill_value: Any,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """`size` filled with `fill_value`, in x's dtype (unless `dtype` is given)."""
    return full(size, fill_value, _new(x, dtype), requires_grad=requires_grad, device=device)


@register(methods=("new_tensor",), functions=())
def new_tensor(
    x: Tensor,
    data: Any,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """A copy of `data` (a leaf), in x's dtype unless `dtype` is given."""
    return tensor(data, _new(x, dtype), requires_grad=requires_grad, device=device)


__all__ = ["empty", "empty_like", "full_like", "logspace"]
