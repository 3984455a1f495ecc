"""Devices: glassgrad computes with numpy, on the CPU.

PyTorch's device idioms work for the CPU — `torch.device("cpu")`, `x.to("cpu")`,
`model.to(device)`, `device=` on the factories, `torch.cuda.is_available()` (False) — and any other
device raises at the line that asks for it, saying why, instead of silently computing elsewhere.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class device:
    """A device name, as PyTorch's `torch.device`: only "cpu" (or "cpu:0") exists here."""

    __slots__ = ("type", "index")

    def __init__(self, type: str | device = "cpu", index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device):
            type, index = type.type, type.index
        if not isinstance(type, str):
            raise TypeError(f"device: expected a string such as 'cpu', got {type!r}")
        kind, _, number = type.partition(":")
        if kind != "cpu":
            raise RuntimeError(
                f"device {type!r}: glassgrad runs on the CPU only (its arrays are numpy's); "
                "use 'cpu', or leave the device out"
            )
        if number:
            index = int(number)
        if index not in (None, 0):
            raise RuntimeError(f"device 'cpu:{index}': there is one CPU device, 'cpu' (or 'cpu:0')")
        self.type = "cpu"
        self.index = index

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            try:
                other = device(other)
            except RuntimeError:
                return False
        return isinstance(other, device) and other.type == self.type

    def __hash__(self) -> int:
        return hash(self.type)

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        return f"device(type='{self.type}')"


CPU = device("cpu")


def check_device(value: Any, where: str) -> None:
    """Accept None, "cpu" or a cpu `device`; raise naming `where` for anything else."""
    if value is None or isinstance(value, device):
        return
    if not isinstance(value, str):
        raise TypeError(f"{where}: expected a device such as 'cpu', got {type(value).__name__}")
    try:
        device(value)
    except RuntimeError as err:
        raise RuntimeError(f"{where}: {err}") from None


def is_device(value: Any) -> bool:
    """True for a device or a string naming one (as `Tensor.to`/`Module.to` read arguments)."""
    if isinstance(value, device):
        return True
    return isinstance(value, str) and value.partition(":")[0] in _DEVICE_KINDS


# Names PyTorch knows as devices: recognised so that they raise a clear error, not a dtype one.
_DEVICE_KINDS = frozenset(
    {"cpu", "cuda", "mps", "xpu", "xla", "meta", "hip", "ipu", "mtia", "privateuseone", "hpu"}
)


def to_arguments(where: str, args: tuple, kwargs: dict[str, Any]) -> np.dtype | None:
    """The dtype in PyTorch's `to(...)` arguments (None if none): `to(dtype)`, `to(device)`,
    `to(device, dtype)`, `to(tensor)` (its dtype), keywords `device=`, `dtype=`. Any device but
    the CPU raises, naming `where`."""
    unknown = set(kwargs) - {"device", "dtype", "non_blocking", "copy", "memory_format"}
    if unknown:
        raise TypeError(f"{where}.to: unexpected keyword argument(s) {sorted(unknown)}")
    if len(args) > 2:
        raise TypeError(f"{where}.to: expected at most 2 positional arguments, got {len(args)}")
    dtype = kwargs.get("dtype")
    where_to = kwargs.get("device")
    for arg in args:
        if not isinstance(arg, type) and hasattr(arg, "dtype") and hasattr(arg, "shape"):
            # a Tensor (or an array): its dtype; `np.float64`, a class, is a dtype itself
            dtype = arg.dtype
        elif is_device(arg):
            where_to = arg
        else:
            dtype = arg
    if where_to is not None:
        try:
            device(where_to)
        except RuntimeError as err:
            raise RuntimeError(f"{where}.to: {err}") from None
    if dtype is None:
        return None
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(
            f"{where}.to: expected a dtype, a device or a tensor, got {type(dtype).__name__} "
            f"{dtype!r}"
        ) from None
