"""Telling special floats apart: isnan, isinf, isposinf, isneginf, isfinite, signbit (bool
results, no gradient), and nan_to_num (their replacement, with PyTorch's gradient: the
incoming gradient where x is finite, zero where x was replaced)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..registry import register, to_tensor
from ..tensor import Tensor
from .elementwise import Where


def _check(name: str, test: Any, doc: str) -> None:
    def check(x: Any) -> Tensor:
        return Tensor._make(np.asarray(test(to_tensor(x).data)))

    check.__name__ = check.__qualname__ = name
    check.__doc__ = f"{doc}: a bool tensor (no gradient); integer tensors are never NaN or inf."
    register(name)(check)


for _name, _test, _doc in (
    ("isnan", np.isnan, "True where x is NaN"),
    ("isinf", np.isinf, "True where x is +inf or -inf"),
    ("isposinf", np.isposinf, "True where x is +inf"),
    ("isneginf", np.isneginf, "True where x is -inf"),
    ("isfinite", np.isfinite, "True where x is neither NaN nor infinite"),
    ("signbit", np.signbit, "True where x's sign bit is set (negative numbers and -0.0)"),
):
    _check(_name, _test, _doc)
del _name, _test, _doc


@register("nan_to_num")
def nan_to_num(
    x: Any, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None
) -> Tensor:
    """x with NaN replaced by `nan`, +inf by `posinf` and -inf by `neginf` (by default the
    largest and the lowest finite number of x's dtype). The gradient passes where x is finite
    and is zero where an element was replaced, as PyTorch's."""
    x = to_tensor(x)
    if x.dtype.kind != "f":
        return x.clone()
    replaced = np.nan_to_num(x.data, nan=nan, posinf=posinf, neginf=neginf)
    return Where.apply(np.isfinite(x.data), x, replaced)
