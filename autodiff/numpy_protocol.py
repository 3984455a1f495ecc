"""How a Tensor meets numpy: as an array, as the argument of a numpy function, inside an index.

numpy functions and ufuncs given a Tensor run the op that implements them (and record it), so
a backward formula is written once, in numpy: `np.exp(y)` or `np.where(c, g, 0)` compute on
arrays and record on Tensors (under `create_graph`). Which op implements which numpy function
is declared with each op (`@register(..., numpy=np.exp)`, see registry.py), which fills the two
tables below. Anything else sees Tensors as their plain arrays and records nothing.

`NumpyProtocol` is a base class of Tensor (tensor.py): every Tensor is an instance, which is how
the helpers here recognise one without importing tensor.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .dtypes import DTypeLike

#: numpy ufunc -> the callable that records it (filled by registry.register)
UFUNC_OPS: dict[np.ufunc, Callable[..., Any]] = {}
#: numpy function (np.sum, np.where, ...) -> the callable that records it
FUNCTION_OPS: dict[Callable[..., Any], Callable[..., Any]] = {}


class NumpyProtocol:
    """numpy's three protocols for Tensor: `__array__`, `__array_ufunc__`, `__array_function__`."""

    __slots__ = ()
    data: np.ndarray
    # Above ndarray's priority: in `array * tensor` numpy defers to the Tensor's operators.
    __array_priority__ = 1000

    def __array__(self, dtype: DTypeLike | None = None, copy: bool | None = None) -> np.ndarray:
        if dtype is not None and np.dtype(dtype) != self.data.dtype:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if method == "__call__" and not kwargs:
            op = UFUNC_OPS.get(ufunc)
            if op is not None:
                return op(*inputs)
        return getattr(ufunc, method)(*[array_of(x) for x in inputs], **kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        op = FUNCTION_OPS.get(func)
        if op is not None:
            return op(*args, **kwargs)
        return func(*arrays_in(args), **arrays_in(kwargs))


def array_of(value: Any) -> Any:
    """A Tensor's array; anything else unchanged."""
    return value.data if isinstance(value, NumpyProtocol) else value


def arrays_in(obj: Any) -> Any:
    """`obj` with every Tensor inside (lists, tuples, dict values) replaced by its array."""
    if isinstance(obj, NumpyProtocol):
        return obj.data
    if isinstance(obj, list | tuple):
        return type(obj)(arrays_in(o) for o in obj)
    if isinstance(obj, dict):
        return {k: arrays_in(v) for k, v in obj.items()}
    return obj


def index_arrays(index: Any) -> Any:
    """An index for numpy: Tensors inside become their arrays, lists become integer arrays."""
    if isinstance(index, NumpyProtocol):
        return index.data
    if isinstance(index, list):
        arr = np.asarray(index)
        return arr.astype(np.intp) if arr.size == 0 else arr  # numpy reads [] as no indices
    if isinstance(index, tuple):
        return tuple(index_arrays(i) for i in index)
    return index
