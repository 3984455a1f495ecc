"""PyTorch's `torch.linalg`, as far as glassgrad goes: `vector_norm`.

`torch.linalg.vector_norm(x, ord=2, dim=None, keepdim=False)` ports with its import changed
(autodiff/ops/norm.py has it, with PyTorch's gradients). The matrix functions (`norm` of a
matrix, `det`, `inv`, `solve`, `svd`, ...) are not implemented, and asking for one raises an
AttributeError that says so.
"""

from __future__ import annotations

from typing import Any

from .ops.norm import vector_norm

__all__ = ["vector_norm"]


def __getattr__(name: str) -> Any:
    raise AttributeError(
        f"autodiff.linalg.{name}: glassgrad's linalg has only vector_norm (matrix functions such "
        "as det, inv, solve or a matrix norm are not implemented); for products use matmul, dot "
        "or einsum"
    )
