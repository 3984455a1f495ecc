"""Flatten and Identity: layers that only reshape (or pass through) their input."""

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


class Identity(Module):
    """Returns its input (a placeholder, e.g. for a disabled normalisation layer)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()  # ignores its arguments, like PyTorch's

    def forward(self, x: Any) -> Any:
        return x
