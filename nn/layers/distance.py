"""CosineSimilarity and PairwiseDistance: F.cosine_similarity and F.pairwise_distance as
layers (no parameters)."""

from __future__ import annotations

from typing import Any

from autodiff import Tensor

from ..functional.distance import cosine_similarity, pairwise_distance
from ..module import Module


class CosineSimilarity(Module):
    """cos(x1, x2) along `dim`: (*, D, *) pairs -> the broadcast shape without `dim`."""

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1: Any, x2: Any) -> Tensor:
        return cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """||x1 - x2 + eps||_p over the last dim: (N, D) pairs -> (N,) ((N, 1) with keepdim)."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm = p  # PyTorch's attribute name
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1: Any, x2: Any) -> Tensor:
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
