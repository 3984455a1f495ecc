"""InstanceNorm1d and InstanceNorm2d: each sample's each channel normalised over its positions
(Ulyanov et al.), PyTorch's layers."""

from __future__ import annotations

import warnings
from typing import Any

from autodiff import Tensor

from .. import functional as F
from .batchnorm import _BatchNorm


class _InstanceNorm(_BatchNorm):
    """Shared by InstanceNorm1d/2d, which differ in the input ranks they take (`ranks`: the
    batched rank, and one less for one unbatched sample, as PyTorch's).

    Defaults as PyTorch's: affine=False (no weight, bias) and track_running_stats=False (the
    instance's statistics in train and eval mode). affine: a per-channel `weight` (ones) and,
    unless `bias=False`, `bias` (zeros). track_running_stats: buffers running_mean and
    running_var updated in training (see F.instance_norm) and used in evaluation;
    `momentum=None` leaves them unchanged, as PyTorch's. Errors as PyTorch's: a ValueError for
    an input of another rank, or (affine) with other than num_features channels — without
    affine that is only a warning, the count being unused.
    """

    ranks: tuple[int, ...] = ()

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = False,
        track_running_stats: bool = False,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__(
            num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias
        )

    def forward(self, x: Tensor) -> Tensor:
        batched, unbatched = self.ranks
        if x.ndim not in self.ranks:
            raise ValueError(
                f"{type(self).__name__}: expected {unbatched}D or {batched}D input (got "
                f"{x.ndim}D input)"
            )
        dim = x.ndim - unbatched  # the channels: 0 for one sample, else 1
        if x.shape[dim] != self.num_features:
            if self.affine:
                raise ValueError(
                    f"{type(self).__name__}: expected input's size at dim={dim} to match "
                    f"num_features ({self.num_features}), but got: {x.shape[dim]}."
                )
            warnings.warn(
                f"input's size at dim={dim} does not match num_features. You can silence this "
                "warning by not passing in num_features, which is not used because affine=False",
                stacklevel=2,
            )
        one = x.ndim == unbatched
        y = F.instance_norm(
            x.reshape(1, *x.shape) if one else x,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            # PyTorch's rule: the instance's statistics unless evaluating with running ones
            use_input_stats=self.training or not self.track_running_stats,
            momentum=0.0 if self.momentum is None else self.momentum,
            eps=self.eps,
        )
        return y.reshape(y.shape[1:]) if one else y


class InstanceNorm1d(_InstanceNorm):
    """x (N, C, L) or one sample (C, L) -> the same shape, each (sample, channel) normalised
    over L."""

    ranks = (3, 2)


class InstanceNorm2d(_InstanceNorm):
    """x (N, C, H, W) or one sample (C, H, W) -> the same shape, each (sample, channel)
    normalised over H and W."""

    ranks = (4, 3)
