"""How a Tensor meets numpy: as an array, as the argument of a numpy function, inside an index.

numpy functions and ufuncs given a Tensor run the op that implements them (and record it), so
a backward formula is written once, in numpy: `np.exp(y)` or `np.where(c, g, 0)` compute on
arrays and record on Tensors (under `create_graph`). Which op implements which numpy function
is declared with each op (`@register(..., numpy=np.exp)`, see registry.py), which fills the two
tables below.

Any other numpy function sees Tensors as their plain arrays and records nothing. That is safe
when nothing needs a gradient (no tensor requires grad, or grad mode is off) or when the result
carries none (integers and booleans: `np.argmax`, `np.isnan`; piecewise-constant functions whose
gradient is zero: `np.floor`, `np.sign`). Otherwise it would silently drop the gradient, so it
raises a TypeError naming the function and what to use instead (`refuse_untracked`). numpy's
`out=` a Tensor is refused whatever the tensor (it would write behind the version counter).

`NumpyProtocol` is a base class of Tensor (tensor.py): every Tensor is an instance, which is how
the helpers here recognise one without importing tensor.py.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .dtypes import DTypeLike
from .grad_mode import is_grad_enabled

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
        if "out" in kwargs:
            refuse_tensor_out(f"np.{ufunc.__name__}", kwargs["out"])
        result = getattr(ufunc, method)(*[array_of(x) for x in inputs], **arrays_in(kwargs))
        # Cheapest test first: most results of unrecorded calls are bools, ints or shapes.
        if carries_gradient(result) and ufunc not in ZERO_GRADIENT and needs_grad(inputs, kwargs):
            name = f"np.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
            refuse_untracked(name, method == "__call__" and ufunc in UFUNC_OPS)
        return result

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        op = FUNCTION_OPS.get(func)
        if op is not None:
            return op(*args, **kwargs)
        if "out" in kwargs:
            refuse_tensor_out(_qualified(func), kwargs["out"])
        result = func(*arrays_in(args), **arrays_in(kwargs))
        if carries_gradient(result) and func not in ZERO_GRADIENT and needs_grad(args, kwargs):
            refuse_untracked(_qualified(func), False)
        return result


#: numpy functions whose gradient is zero wherever it exists: a plain array drops nothing
ZERO_GRADIENT: set[Any] = {
    np.sign,
    np.floor,
    np.ceil,
    np.trunc,
    np.rint,
    np.heaviside,
    np.round,
    np.around,
    np.fix,
}

# What to reach for instead, where glassgrad has it (the message names the function either way)
INSTEAD = {
    "np.square": "x.square() (or x * x)",
    "np.reciprocal": "x.reciprocal() (or 1 / x)",
    "np.sinh": "x.sinh()",
    "np.cosh": "x.cosh()",
    "np.log2": "x.log2()",
    "np.log10": "x.log10()",
    "np.exp2": "2 ** x",
    "np.cumprod": "x.cumprod(dim)",
    "np.copy": "x.clone()",
    "np.arccos": "x.acos()",
    "np.arctan2": "autodiff.atan2(y, x)",
    "np.hypot": "autodiff.hypot(a, b)",
    "np.fmod": "autodiff.fmod(a, b)",
    "np.tril": "x.tril()",
    "np.triu": "x.triu()",
    "np.flip": "x.flip(dims)",
    "np.roll": "x.roll(shifts, dims)",
    "np.tile": "x.tile(dims)",
    "np.diff": "x.diff(n, dim)",
    "np.nan_to_num": "x.nan_to_num()",
    "np.mean": "x.mean(...) (without out= or dtype=)",
    "np.vstack": "autodiff.vstack (or autodiff.cat)",
    "np.hstack": "autodiff.hstack (or autodiff.cat)",
    "np.outer": "autodiff.outer(a, b)",
    "np.inner": "autodiff.einsum or matmul",
    "np.tensordot": "autodiff.einsum",
    "np.trace": "x.trace()",
    "np.diagonal": "x.diagonal()",
    "np.add.reduce": "x.sum(dim)",
    "np.add.accumulate": "x.cumsum(dim)",
    "np.multiply.reduce": "x.prod(dim)",
    "np.maximum.reduce": "x.amax(dim)",
    "np.minimum.reduce": "x.amin(dim)",
}


def refuse_tensor_out(name: str, out: Any) -> None:
    """numpy's `out=` a Tensor would write into its memory unseen by its version counter (a
    saved value changed without an error): refused, pointing to the in-place methods."""
    outs = out if isinstance(out, tuple | list) else (out,)
    if any(isinstance(o, NumpyProtocol) for o in outs):
        raise TypeError(
            f"{name}(..., out=tensor): numpy would write into the tensor behind its version "
            "counter; use the in-place methods (add_, mul_, copy_, x[...] = v) or an "
            "out-of-place call"
        )


def needs_grad(args: tuple, kwargs: dict[str, Any]) -> bool:
    """True when recording is on and a Tensor that requires grad is among the arguments (nested
    lists, tuples and dict values searched too)."""
    return is_grad_enabled() and (_any_requires_grad(args) or _any_requires_grad(kwargs))


def _any_requires_grad(obj: Any) -> bool:
    if isinstance(obj, NumpyProtocol):
        return obj.requires_grad  # type: ignore[attr-defined]
    if isinstance(obj, list | tuple):
        return any(_any_requires_grad(o) for o in obj)
    if isinstance(obj, dict):
        return any(_any_requires_grad(o) for o in obj.values())
    return False


def carries_gradient(result: Any) -> bool:
    """A floating-point (or complex) value among the results: where a gradient would flow."""
    if type(result) is np.ndarray:
        return result.dtype.kind in "fc"
    if isinstance(result, list | tuple):
        return any(carries_gradient(r) for r in result)
    dtype = getattr(result, "dtype", None)
    if dtype is None:
        return isinstance(result, float | complex)
    return np.dtype(dtype).kind in "fc"


def _qualified(func: Any) -> str:
    module = getattr(func, "__module__", "") or ""
    short = {"numpy": "np", "numpy.linalg": "np.linalg", "numpy.fft": "np.fft"}
    prefix = short.get(module, "np" if module.startswith("numpy.") else module)
    return f"{prefix}.{func.__name__}"


def refuse_untracked(name: str, has_op: bool) -> None:
    """Raise: `name`'s result would drop a gradient. has_op: the function has an op, which its
    keyword arguments kept from running."""
    if has_op:
        instead = f"call {name}(x) without keyword arguments, or the tensor method"
    else:
        instead = INSTEAD.get(name, "compose it from glassgrad's ops (docs/autodiff.md)")
    raise TypeError(
        f"{name} is not differentiable in glassgrad: on a tensor that requires grad it would "
        f"return a plain array and silently drop the gradient. Use {instead}; or, if no "
        "gradient should flow, call it on x.detach().numpy() (or under autodiff.no_grad())"
    )


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
    """An index for numpy: Tensors inside become their arrays, lists become integer arrays.

    A list read as a tuple of indices stays one (see `_list_is_tuple`)."""
    return split_index(index)[0]


def split_index(index: Any) -> tuple[Any, tuple]:
    """(the index for numpy, the Tensors whose arrays it holds uncopied).

    Backward reads those arrays (masks, integer indices), so an op indexing with them keeps
    the Tensors to check that none was modified in place since (see ops/indexing.py).

    A uint8 index (a tensor, a numpy array, a list of numpy uint8) is a mask, as PyTorch reads
    it (`_uint8_mask`)."""
    if isinstance(index, NumpyProtocol):
        return _uint8_mask(index.data), (index,)
    if isinstance(index, np.ndarray):
        return _uint8_mask(index), ()
    if isinstance(index, list):
        if not _list_is_tuple(index):
            return _list_array(index), ()
        index = tuple(index)
    if isinstance(index, tuple):
        tensors = tuple(p for p in index if isinstance(p, NumpyProtocol))
        return tuple(_index_part(p) for p in index), tensors
    return index, ()


def _index_part(part: Any) -> Any:
    """One entry of a tuple index for numpy: a Tensor's array; a list as an integer array."""
    if isinstance(part, NumpyProtocol):
        return _uint8_mask(part.data)
    if isinstance(part, np.ndarray):
        return _uint8_mask(part)
    if isinstance(part, list):
        return _list_array(part)
    return part


def _list_array(index: list) -> np.ndarray:
    arr = np.asarray(index)
    return arr.astype(np.intp) if arr.size == 0 else _uint8_mask(arr)  # numpy reads [] as none


UINT8_INDEX_WARNING = (
    "indexing with dtype torch.uint8 is now deprecated, please use a dtype torch.bool instead."
)


def _uint8_mask(arr: np.ndarray) -> np.ndarray:
    """`arr`, or as a bool mask if uint8 (nonzero is True): PyTorch reads a uint8 index as a
    mask, not as integers, with a deprecation warning (PyTorch's words; none for a 0-d one,
    which masks all or nothing, as a 0-d bool does)."""
    if arr.dtype.char != "B":
        return arr
    if arr.ndim:
        warnings.warn(UINT8_INDEX_WARNING, UserWarning, stacklevel=_outside_package())
    return arr.astype(bool)


def _outside_package() -> int:
    """The `stacklevel` for a warning issued by this function's caller that names the first
    frame outside the autodiff package: the user's line."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(_OWN_DIRS):
        frame, level = frame.f_back, level + 1
    return level


_OWN_DIRS = (os.path.dirname(os.path.abspath(__file__)) + os.sep,)


def refuse_uint8_fill(index: Any, value: Any) -> None:
    """PyTorch refuses `x[mask] = v` for a uint8 mask and a one-element v (its masked_fill_
    takes bool masks only): the same error here, before the mask is read."""
    if isinstance(index, list) and _list_is_tuple(index):
        index = tuple(index)
    parts = index if isinstance(index, tuple) else (index,)
    arrays = [p for p in parts if isinstance(p, NumpyProtocol | np.ndarray | list)]
    if len(arrays) != 1 or np.size(array_of(value)) != 1:
        return
    arr = arrays[0]
    arr = arr.data if isinstance(arr, NumpyProtocol) else np.asarray(arr)
    if arr.dtype.char == "B" and arr.ndim:
        raise RuntimeError(
            "masked_fill_ only supports boolean masks, but got mask with dtype unsigned char "
            "(PyTorch's error for one value written through a uint8 mask; use mask.bool())"
        )


def _list_is_tuple(index: list) -> bool:
    """PyTorch's treatSequenceAsTuple (numpy's old rule): a list of fewer than 32 entries that
    holds a sequence, slice, None, Ellipsis or tensor indexes several dimensions, as a tuple:
    `x[[[0, 1], [1, 2]]]` is `x[[0, 1], [1, 2]]`, not one integer array of shape (2, 2)."""
    return len(index) < 32 and any(
        p is None
        or p is Ellipsis
        or isinstance(p, list | tuple | range | slice | str | np.ndarray | NumpyProtocol)
        for p in index
    )
