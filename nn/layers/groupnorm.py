"""GroupNorm: normalise each sample over groups of its channels (Wu & He), PyTorch's layer."""

from __future__ import annotations

from typing import Any

from autodiff import Tensor
from autodiff.device import check_device

from .. import functional as F
from ..module import Module
from ..validate import check_int
from ._affine import affine_parameters


class GroupNorm(Module):
    """x (N, num_channels, *) -> the same shape: each sample's channels split into
    `num_groups` groups, each group normalised over its channels and positions,
    (x - mean) / sqrt(var + eps) (biased variance), then `* weight + bias` per channel (each
    (num_channels,), ones and zeros at first) when `affine` (keyword `bias=False`, as
    PyTorch's, drops the shift). Train and eval mode are the same.

    num_channels not divisible by num_groups raises a ValueError here, as PyTorch's; an input
    whose channels are not num_channels fails at forward (a ShapeError, PyTorch's
    RuntimeError). `device` is "cpu" or None.
    """

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        check_device(device, "GroupNorm")
        self.num_groups = check_int("GroupNorm", "num_groups", num_groups, minimum=1)
        self.num_channels = check_int("GroupNorm", "num_channels", num_channels, minimum=0)
        if self.num_channels % self.num_groups:
            raise ValueError(
                f"GroupNorm: num_channels={num_channels} must be divisible by "
                f"num_groups={num_groups}"
            )
        self.eps = eps
        self.affine = affine
        affine_parameters(self, self.num_channels, affine, bias, dtype)

    def forward(self, x: Tensor) -> Tensor:
        return F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
            f"bias={self.bias is not None}"
        )
