"""LayerNorm: normalise each sample over its last dims (Ba, Kiros & Hinton), as transformers do."""

from __future__ import annotations

from typing import Any

import autodiff
from autodiff import Tensor

from .. import functional as F
from ..module import Module
from ._affine import affine_parameters


class LayerNorm(Module):
    """x (..., *normalized_shape): (x - mean) / sqrt(var + eps) over the last dims, then
    `* weight + bias` (shape `normalized_shape`; ones and zeros at first) when
    `elementwise_affine` (`bias=False` drops the shift). Train and eval mode are the same."""

    def __init__(
        self,
        normalized_shape: int | tuple[int, ...],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        autodiff.device(device or "cpu")  # raises for anything but the CPU
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else normalized_shape
        self.normalized_shape = tuple(int(s) for s in shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        affine_parameters(self, self.normalized_shape, elementwise_affine, bias, dtype)

    def forward(self, x: Tensor) -> Tensor:
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}"
        )
