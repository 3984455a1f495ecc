"""In-place updates (`add_`, `mul_`, `copy_`, `t[i] = v`, ...) and the counter that keeps them safe.

An op may save its inputs for backward; changing one of them in place afterwards would make
that backward wrong. So every in-place change stamps the memory it changed (a tensor's
`_version`, shared by every view of that memory) with the next value of one process-wide
counter, and every recorded op remembers the counter's value when it ran. While the counter
has not moved since an op ran, nothing it saved can have changed and backward checks nothing;
once it has moved, backward compares the saved inputs' versions with that value and raises
`InplaceModificationError` for one that changed (function.py).

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
        inplace_changes.count += 1
        (self if self._base is None else self._base)._version = inplace_changes.count

    def add_(self: T, other: Any, alpha: float = 1.0) -> T:
        """self += alpha * other, in place (no recording; bumps the version)."""
        self._check_inplace("add_")
        other = array_of(other)
        self.data += other if alpha == 1 else alpha * other
        return self

    def sub_(self: T, other: Any, alpha: float = 1.0) -> T:
        """self -= alpha * other, in place."""
        self._check_inplace("sub_")
        other = array_of(other)
        self.data -= other if alpha == 1 else alpha * other
        return self

    def mul_(self: T, other: Any) -> T:
        self._check_inplace("mul_")
        self.data *= array_of(other)
        return self

    def div_(self: T, other: Any) -> T:
        self._check_inplace("div_")
        self.data /= array_of(other)
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
