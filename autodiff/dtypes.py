"""Dtype rules: what a Tensor may hold and what Python numbers become.

Python numbers and (nested) lists become the default float dtype (float32 unless changed with
`set_default_dtype`), Python bools become bool; numpy arrays and numpy scalars keep their dtype.
Only floating-point tensors can require grad.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

DTypeLike = Any  # np.dtype, a numpy scalar type, or a name such as "float64"


class _Defaults:
    float_dtype: np.dtype = np.dtype(np.float32)


def get_default_dtype() -> np.dtype:
    """The dtype Python floats, ints and lists become (float32 unless changed)."""
    return _Defaults.float_dtype


def set_default_dtype(dtype: DTypeLike) -> None:
    """Make Python numbers and lists become `dtype` (a floating-point dtype)."""
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"set_default_dtype: expected a floating-point dtype, got {dt}")
    _Defaults.float_dtype = dt


def check_supported(dtype: np.dtype, where: str = "Tensor") -> None:
    if dtype.kind not in "fiub":
        raise TypeError(
            f"{where}: unsupported dtype {dtype}; glassgrad tensors hold floating-point, "
            "integer or bool data"
        )


def converted(arr: np.ndarray, dtype: DTypeLike, copy: bool = True) -> np.ndarray:
    """`arr.astype(dtype)`, rounded as PyTorch rounds: float64 to float16 through float32 (its
    Half is made from a float), whose double rounding numpy's direct one differs from in the
    last bit now and then."""
    dtype = np.dtype(dtype)
    if dtype == np.float16 and arr.dtype == np.float64:
        arr = arr.astype(np.float32)
    return arr.astype(dtype, copy=copy)


def widened(*arrays: Any) -> tuple[Any, ...]:
    """The arrays in float32 where they are float16 arrays (anything else as it is): PyTorch
    computes a float16 formula (softmax, sigmoid, their gradients) in float32 and rounds the
    result once; numpy would round every step to float16."""
    return tuple(
        a.astype(np.float32) if isinstance(a, np.ndarray) and a.dtype == np.float16 else a
        for a in arrays
    )


def narrowed(result: Any, dtype: Any) -> Any:
    """A `widened` computation's array result back in `dtype` (a Tensor, under create_graph,
    was never widened: as it is)."""
    if isinstance(result, np.ndarray) and result.dtype != dtype:
        return result.astype(dtype)
    return result


def to_array(value: Any, dtype: DTypeLike | None = None, where: str = "Tensor") -> np.ndarray:
    """Convert data (numbers, nested lists, arrays) to an ndarray by the rules above, no copy."""
    if isinstance(value, np.ndarray):
        arr = value if dtype is None else converted(value, dtype, copy=False)
    elif isinstance(value, np.generic):
        arr = np.asarray(value, dtype=dtype)
    elif isinstance(value, bool | np.bool_) and dtype is None:
        arr = np.asarray(value, dtype=bool)
    elif isinstance(value, numbers.Number | list | tuple):
        if isinstance(value, complex):
            raise TypeError(f"{where}: complex numbers are not supported")
        try:
            arr = np.asarray(value)
        except ValueError as err:  # ragged nested lists: rows of different lengths
            raise ValueError(
                f"{where}: nested lists must be rectangular (every row of a level the same "
                f"length, as PyTorch requires): {err}"
            ) from None
        if dtype is not None:
            arr = converted(arr, dtype, copy=False)
        elif arr.dtype.kind in "fiu" or (arr.size == 0 and arr.dtype.kind == "f"):
            arr = arr.astype(_Defaults.float_dtype, copy=False)
    else:
        raise TypeError(
            f"{where}: cannot make a tensor from {type(value).__name__}; "
            "expected a number, a (nested) list, a numpy array or a Tensor"
        )
    check_supported(arr.dtype, where)
    return arr


# PyTorch's dtype names, as numpy dtypes: `autodiff.float64`, `dtype=autodiff.long`, ...
float16 = half = np.dtype(np.float16)
float32 = np.dtype(np.float32)
float64 = double = np.dtype(np.float64)
int8 = np.dtype(np.int8)
uint8 = np.dtype(np.uint8)
int16 = short = np.dtype(np.int16)
int32 = np.dtype(np.int32)
int64 = long = np.dtype(np.int64)
# `float`, `int` and `bool` would shadow the builtins here, so they are bound in __init__.
DTYPE_NAMES = {
    "float16": float16,
    "half": half,
    "float32": float32,
    "float": float32,
    "float64": float64,
    "double": double,
    "int8": int8,
    "uint8": uint8,
    "int16": int16,
    "short": short,
    "int32": int32,
    "int": int32,
    "int64": int64,
    "long": long,
    "bool": np.dtype(np.bool_),
}


def float_valued(x: np.ndarray) -> np.ndarray:
    """The input of a float-valued function (exp, log, sigmoid, erf, softmax, ...): integer and
    bool arrays in the default float dtype, as PyTorch computes them. numpy would pick float16
    for bools and 8-bit integers, wrap unsigned ones around in `-x`, and keep integer dtypes
    in formulas such as erf's."""
    return x.astype(get_default_dtype()) if x.dtype.kind in "biu" else x


def check_bitwise(op: str, *operands: Any) -> None:
    """Refuse a float operand of a bitwise operator (`&`, `|`, `^`, `~` and their in-place forms),
    as PyTorch does: a float has no bit pattern to combine. Operands: arrays or Python values."""
    for operand in operands:
        dtype = getattr(operand, "dtype", None)
        kind = (dtype if dtype is not None else np.asarray(operand).dtype).kind
        if kind not in "biu":
            raise TypeError(
                f"{op}: only bool and integer tensors have bitwise operators, not "
                f"{dtype if dtype is not None else type(operand).__name__} (compare first, "
                "e.g. `(x > 0) & (x < 1)`, or use logical_and)"
            )
