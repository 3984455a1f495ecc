"""Whole-tensor comparisons with PyTorch's names: `equal`, `allclose`, `isclose`, `is_tensor`.

They read values and record nothing (no gradient flows through a comparison).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import ShapeError
from .promotion import same_dtype
from .tensor import Tensor


def _array(x: Any) -> np.ndarray:
    return np.asarray(x.data if isinstance(x, Tensor) else x)


def equal(input: Any, other: Any) -> bool:
    """True when both have the same shape and the same elements (PyTorch's `torch.equal`)."""
    a, b = _array(input), _array(other)
    return a.shape == b.shape and bool(np.array_equal(a, b))


def isclose(
    input: Any, other: Any, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False
) -> Tensor:
    """Elementwise |input - other| <= atol + rtol * |other|, as a bool Tensor. Two tensors
    must have one dtype, as in PyTorch (which does not promote here)."""
    if isinstance(input, Tensor) and isinstance(other, Tensor):
        same_dtype("isclose", input, other)
    a, b = _array(input), _array(other)
    try:
        return Tensor(np.asarray(np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)))
    except ValueError as e:
        raise ShapeError(
            f"isclose: shapes {a.shape} and {b.shape} cannot be broadcast together"
        ) from e


def allclose(
    input: Any, other: Any, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False
) -> bool:
    """True when every element is close (see `isclose`); PyTorch's defaults."""
    return bool(isclose(input, other, rtol, atol, equal_nan).data.all())


def is_tensor(obj: Any) -> bool:
    return isinstance(obj, Tensor)


__all__ = ["allclose", "equal", "is_tensor", "isclose"]
