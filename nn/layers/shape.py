"""Flatten, Unflatten and Identity: layers that only reshape (or pass through) their input."""

from __future__ import annotations

from typing import Any

import autodiff
from autodiff import Tensor

from ..module import Module


class Flatten(Module):
    """Merge dims start_dim..end_dim: (N, C, H, W) -> (N, C*H*W) with the defaults."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, x: Tensor) -> Tensor:
        return autodiff.flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dim `dim` into `unflattened_size` (one entry may be -1): Unflatten(1, (C, H, W))
    turns (N, C*H*W) into (N, C, H, W), undoing Flatten."""

    def __init__(self, dim: int, unflattened_size: tuple[int, ...] | list[int]) -> None:
        super().__init__()
        if not isinstance(unflattened_size, tuple | list) or not all(
            isinstance(n, int) and not isinstance(n, bool) for n in unflattened_size
        ):
            raise TypeError(
                f"Unflatten: unflattened_size must be a tuple or list of ints, got "
                f"{unflattened_size!r}"
            )
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, x: Tensor) -> Tensor:
        ndim = x.ndim
        if not -ndim <= self.dim < ndim:
            raise IndexError(
                f"Unflatten: dim {self.dim} is out of range for a {ndim}-d input of shape "
                f"{tuple(x.shape)}"
            )
        dim = self.dim % ndim
        return x.reshape(*x.shape[:dim], *self.unflattened_size, *x.shape[dim + 1 :])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class Identity(Module):
    """Returns its input (a placeholder, e.g. for a disabled normalisation layer)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()  # ignores its arguments, like PyTorch's

    def forward(self, x: Any) -> Any:
        return x
