"""One dtype per call, PyTorch's rule for the layers' functions (conv, the norms): a float32
input with a float64 weight, bias or running statistic raises instead of promoting."""

from __future__ import annotations

from typing import Any

from autodiff.promotion import same_dtype


def check_dtypes(op: str, input: Any, *operands: tuple[str, Any]) -> None:
    """Raise a DtypeError (a RuntimeError, as PyTorch's) naming `op` and both dtypes if one of
    `operands`, (name, tensor-or-array-or-None) pairs, has a dtype other than input's.

    On every forward: an identity check per operand (dtypes of one kind are one object); the
    message is built only on a mismatch.
    """
    dtype = getattr(input, "dtype", None)
    if dtype is None:
        return
    for name, t in operands:
        if t is not None and t.dtype is not dtype and t.dtype != dtype:
            same_dtype(op, input, t, f"input and {name}")
