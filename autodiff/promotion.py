"""PyTorch's type promotion for arithmetic (`torch.result_type`), which numpy's differs from.

The rule. Dtypes fall in categories, bool < integer < float; operands in priorities,
dimensioned tensors > 0-d tensors > Python numbers. The result is the promotion of the
highest-priority operands (within a category numpy's `promote_types`: int32 with int64 is
int64, float16 with float32 float32; across categories the higher category's dtype: int64 with
float16 is float16). A lower-priority operand of a higher category decides instead: a 0-d
tensor by its dtype (promoted among such 0-d tensors), a Python number by its category's
default (a float: `get_default_dtype()`, an int: int64). So, with i an int64 tensor and f a
float32 one:

    i + 1.5 -> float32          f * i -> float32          f + tensor(1) -> float32
    f * tensor(2.0, float64) -> float32 (0-d)    f * tensor([2.0], float64) -> float64

numpy would give float64 in all five. True division of integers (Div) then goes on to the
default float dtype: `i / 2` and `i / i` are float32.

Operands here are what `Function.forward` gets: ndarrays (a Tensor's data, 0-d for a 0-d
tensor) and Python numbers (numpy scalars were made Python numbers by `Function.apply`, as
PyTorch takes them). `promote` casts the arrays to the result dtype; a Python number stays one,
as numpy 2 takes it in the array's dtype (NEP 50's weak scalars).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .dtypes import converted, get_default_dtype
from .errors import DtypeError

_ndarray = np.ndarray
_INT64 = np.dtype(np.int64)
_BOOL = np.dtype(np.bool_)
_CATEGORY = {"b": 0, "i": 1, "u": 1, "f": 2, "c": 3}
_SCALAR_CATEGORY = {bool: 0, int: 1, float: 2, complex: 3}


def result_dtype(*operands: Any) -> np.dtype | None:
    """PyTorch's dtype of arithmetic on `operands` (ndarrays and Python numbers); None when
    there is no array among them."""
    ranked: list[Any] = [None, None]  # (category, dtype) of the dimensioned, the 0-d arrays
    number = -1  # the highest category among the Python numbers
    for v in operands:
        if isinstance(v, _ndarray):
            dtype = v.dtype
            c = _CATEGORY.get(dtype.kind, 3)
            slot = 0 if v.ndim else 1
            best = ranked[slot]
            if best is None or c > best[0]:
                ranked[slot] = (c, dtype)
            elif c == best[0] and dtype != best[1]:
                ranked[slot] = (c, np.promote_types(best[1], dtype))
        elif isinstance(v, np.generic):  # a number to PyTorch, as a Python one
            number = max(number, _CATEGORY.get(v.dtype.kind, 3))
        else:
            number = max(number, _SCALAR_CATEGORY.get(type(v), 1))
    result = ranked[0]
    if ranked[1] is not None and (result is None or ranked[1][0] > result[0]):
        result = ranked[1]
    if result is None:
        return None
    if number > result[0]:
        return _INT64 if number == 1 else get_default_dtype() if number == 2 else np.dtype(complex)
    return result[1]


def number_dtype(value: Any) -> np.dtype | None:
    """The dtype of a tensor PyTorch makes of a Python (or numpy) number: bool, int64, or the
    default float dtype; None (the value's own rules) for anything else."""
    if isinstance(value, bool | np.bool_):
        return _BOOL
    if isinstance(value, int | np.integer):
        return _INT64
    if isinstance(value, float | np.floating):
        return get_default_dtype()
    return None


def promote(a: Any, b: Any, ctx: Any = None) -> tuple[Any, Any]:
    """a and b (ndarrays or Python numbers) with the arrays cast to PyTorch's result dtype.

    The common cases cost one or two checks: two arrays of one dtype, a float array with a
    Python float. Given the op's `ctx`, a recording node notes each cast (`ctx._casts`: pairs
    of the cast array and the input array it came from), so that `create_graph` and the
    in-place check see a saved cast as the input it was made from (function.py).
    """
    if type(a) is _ndarray:
        if type(b) is _ndarray:
            if a.dtype is b.dtype:
                return a, b
        elif type(b) is float and a.dtype.kind == "f":
            return a, b
    elif type(b) is _ndarray and type(a) is float and b.dtype.kind == "f":
        return a, b
    return _cast(a, b, result_dtype(a, b), ctx)


def promote_to_float(a: Any, b: Any, ctx: Any = None) -> tuple[Any, Any]:
    """`promote`, with an integer or bool result in the default float dtype instead: the
    operands of true division, which PyTorch computes in floating point (`i / 2` is float32).
    """
    if type(a) is _ndarray:
        if type(b) is _ndarray:
            if a.dtype is b.dtype and a.dtype.kind == "f":
                return a, b
        elif type(b) is float and a.dtype.kind == "f":
            return a, b
    dtype = result_dtype(a, b)
    if dtype is not None and dtype.kind in "biu":
        dtype = get_default_dtype()
    return _cast(a, b, dtype, ctx)


def _cast(a: Any, b: Any, dtype: np.dtype | None, ctx: Any) -> tuple[Any, Any]:
    """a and b with the arrays in `dtype` (numpy scalars as Python numbers, as PyTorch takes
    them: numpy's would decide the dtype); casts noted on a recording `ctx` (see promote)."""
    if isinstance(a, np.generic):
        a = a.item()
    if isinstance(b, np.generic):
        b = b.item()
    if dtype is None:
        return a, b
    ca = converted(a, dtype) if isinstance(a, _ndarray) and a.dtype != dtype else a
    cb = converted(b, dtype) if isinstance(b, _ndarray) and b.dtype != dtype else b
    if ctx is not None and (ca is not a or cb is not b) and ctx.recording:
        ctx._casts = tuple((c, o) for c, o in ((ca, a), (cb, b)) if c is not o)
    return ca, cb


def promote_all(*operands: Any) -> tuple[Any, ...]:
    """The operands (ndarrays, Python numbers or None, for an absent bound) with the arrays
    cast to PyTorch's result dtype of them all: clamp's x, min and max. Nothing is noted for
    backward (see promote): a caller that saves a cast array notes it itself."""
    dtype = result_dtype(*(v for v in operands if v is not None))
    if dtype is None:
        return operands
    return tuple(
        converted(v, dtype) if isinstance(v, _ndarray) and v.dtype != dtype else v for v in operands
    )


def same_dtype(op: str, first: Any, other: Any, names: str = "both tensors") -> None:
    """Refuse, as PyTorch does, two tensors (or arrays) of different dtypes where an op takes
    one dtype only (matrix products, lerp, isclose, heaviside): a DtypeError, which is a
    RuntimeError as PyTorch's is, naming the op and both dtypes."""
    if first.dtype != other.dtype:
        raise DtypeError(
            f"{op}: expected {names} to have the same dtype, but got {first.dtype} and "
            f"{other.dtype} (PyTorch does not promote here; convert one first, e.g. "
            f".to({first.dtype}))"
        )
