"""Named tuples that ops returning several tensors give back, as PyTorch's `torch.return_types`.

`values, indices = x.max(dim=1)` unpacks like a tuple; `x.max(dim=1).indices` reads a field.
"""

from __future__ import annotations

from typing import NamedTuple

from .tensor import Tensor


class max(NamedTuple):  # noqa: A001 - PyTorch's name: torch.return_types.max
    """`x.max(dim)`: the maxima and the index of each (the first one, on ties)."""

    values: Tensor
    indices: Tensor


class min(NamedTuple):  # noqa: A001 - PyTorch's name: torch.return_types.min
    """`x.min(dim)`: the minima and the index of each (the first one, on ties)."""

    values: Tensor
    indices: Tensor


class sort(NamedTuple):
    """`x.sort(dim)`: the sorted values and where each came from."""

    values: Tensor
    indices: Tensor


class topk(NamedTuple):
    """`x.topk(k, dim)`: the k largest (or smallest) values and where each came from."""

    values: Tensor
    indices: Tensor


__all__ = ["max", "min", "sort", "topk"]
