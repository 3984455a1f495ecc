"""In-place updates (`add_`, `mul_`, `copy_`, `t[i] = v`, ...) and the counter that keeps them safe.

An op may save its inputs for backward; changing one of them in place afterwards would make
that backward wrong. So every in-place change stamps the memory it changed (a tensor's
`_version`, shared by every view of that memory) with the next value of one process-wide
counter, and every recorded op remembers the counter's value when it ran. While the counter
has not moved since an op ran, nothing it saved can have changed and backward checks nothing;
once it has moved, backward compares the versions of what the op saved — its inputs and its
output — with that value and raises `InplaceModificationError` for one that changed
(function.py). An op's output is stamped through its tensor's `grad_fn` (and the `grad_fn` of
the tensor whose memory a view or `detach()` shares), since a node does not hold its output.

`InplaceUpdates` is a base class of Tensor (tensor.py); the updates record nothing and are meant
for `no_grad()` code such as parameter updates.
"""

from __future__ import annotations

from typing import Any, TypeVar

import numpy as np

from .errors import ShapeError
from .grad_mode import _GradMode
from .numpy_protocol import array_of, index_arrays

T = TypeVar("T", bound="InplaceUpdates")


class InplaceCounter:
    """Counts in-place changes, process-wide. (An instance with a slot: every op reads it, and
    reading a slot is cheaper than reading a class attribute.)"""

    __slots__ = ("count",)

    def __init__(self) -> None:
        self.count = 0


inplace_changes = InplaceCounter()


class InplaceUpdates:
    """The in-place methods of Tensor."""

    __slots__ = ()

    def _check_inplace(self, op: str) -> None:
        """Refuse a change backward would miss; otherwise stamp the memory's version."""
        if self._requires_grad and _GradMode.enabled:
            kind = "a leaf" if self.grad_fn is None else "a non-leaf"
            raise RuntimeError(
                f"{op}: {self._label()} is {kind} tensor that requires grad; in-place changes "
                "would corrupt backward. Do it under `with autodiff.no_grad():` (e.g. parameter "
                "updates) or use the out-of-place op"
            )
        inplace_changes.count = count = inplace_changes.count + 1
        memory = self if self._base is None else self._base
        memory._version = count
        # The ops that made this memory may have saved it as their output: stamp them too (a
        # node cannot hold its output tensor without a reference cycle; see function.py).
        fn = memory.grad_fn
        if fn is not None:
            fn._out_version = count
        fn = self.grad_fn
        if fn is not None:
            fn._out_version = count

    def _operand(self, op: str, other: Any, alpha: Any = 1) -> Any:
        """`alpha * other` as an array-like that an in-place `op` can apply to this tensor:
        it must broadcast to this shape (the result keeps it) and the result must cast to this
        dtype ("same_kind": no float result into an integer tensor). Checked before anything
        changes, with errors naming the op, as PyTorch's."""
        value = array_of(other)
        if alpha != 1:
            value = alpha * np.asarray(value)
        data = self.data
        # The common cases (optimizer updates) pass without the general checks.
        if type(value) is np.ndarray and value.shape == data.shape and value.dtype == data.dtype:
            return value
        if type(value) in (float, int) and data.dtype.kind == "f":
            return value
        shape = np.shape(value)
        try:
            fits = np.broadcast_shapes(shape, self.shape) == self.shape
        except ValueError:
            fits = False
        if not fits:
            raise ShapeError(
                f"{op}: an operand of shape {shape} does not broadcast to the tensor's shape "
                f"{self.shape} (an in-place result keeps the tensor's shape)"
            )
        result = np.result_type(self.data, value)
        if op == "div_" and result.kind in "biu":
            result = np.result_type(result, np.float64(0))  # true division
        if not np.can_cast(result, self.data.dtype, "same_kind"):
            raise TypeError(
                f"{op}: the result type {result} can't be cast to the tensor's dtype "
                f"{self.data.dtype} in place (use the out-of-place op, or convert the tensor)"
            )
        return value

    def add_(self: T, other: Any, alpha: float = 1.0) -> T:
        """self += alpha * other, in place (no recording; bumps the version)."""
        value = self._operand("add_", other, alpha)
        self._check_inplace("add_")
        self.data += value
        return self

    def sub_(self: T, other: Any, alpha: float = 1.0) -> T:
        """self -= alpha * other, in place."""
        value = self._operand("sub_", other, alpha)
        self._check_inplace("sub_")
        self.data -= value
        return self

    def mul_(self: T, other: Any) -> T:
        value = self._operand("mul_", other)
        self._check_inplace("mul_")
        self.data *= value
        return self

    def div_(self: T, other: Any) -> T:
        value = self._operand("div_", other)
        self._check_inplace("div_")
        self.data /= value
        return self

    def fill_(self: T, value: float) -> T:
        self._check_inplace("fill_")
        self.data.fill(value)
        return self

    def zero_(self: T) -> T:
        return self.fill_(0)

    def copy_(self: T, src: Any) -> T:
        """Copy `src` (broadcast to this shape) into this memory."""
        self._check_inplace("copy_")
        src = np.asarray(array_of(src))
        try:
            np.copyto(self.data, src, casting="same_kind")
        except ValueError:
            raise ShapeError(
                f"copy_: cannot copy shape {src.shape} into shape {self.shape}"
            ) from None
        return self

    def __setitem__(self, index: Any, value: Any) -> None:
        self._check_inplace("__setitem__")
        self.data[index_arrays(index)] = array_of(value)
