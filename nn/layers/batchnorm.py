"""BatchNorm1d and BatchNorm2d: per-channel normalisation with running statistics."""

from __future__ import annotations

from typing import Any

import numpy as np

import autodiff
from autodiff import ShapeError, Tensor

from .. import functional as F
from ..module import Module
from ..validate import check_int, check_real
from ._affine import affine_parameters


class _BatchNorm(Module):
    """Shared by BatchNorm1d/2d; they differ only in the input ranks they accept.

    Training: normalise by the batch's mean and biased variance, and update the buffers
    running_mean/running_var (running = (1 - momentum) * running + momentum * batch, the
    variance unbiased, as PyTorch) and count the batches in `num_batches_tracked` (with
    `momentum=None` the running statistics are the plain average over those batches).
    Evaluation: normalise by the running statistics. affine: learn a per-channel scale `weight`
    (ones) and, unless `bias=False`, a shift `bias` (zeros).
    """

    # A state dict saved before num_batches_tracked existed still loads (PyTorch does the same).
    _optional_state = ("num_batches_tracked",)

    ranks: tuple[int, ...] = ()

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        autodiff.device(device or "cpu")  # raises for anything but the CPU
        where = type(self).__name__
        self.num_features = check_int(where, "num_features", num_features, minimum=0)
        self.eps = check_real(where, "eps", eps, minimum=0)
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        affine_parameters(self, num_features, affine, bias, dtype)
        dtype = autodiff.get_default_dtype() if dtype is None else dtype  # the buffers'
        if track_running_stats:
            self.register_buffer("running_mean", np.zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", np.ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            with autodiff.no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1.0)
                self.num_batches_tracked.zero_()

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in self.ranks:
            raise ShapeError(
                f"{type(self).__name__}: expected a {' or '.join(map(str, self.ranks))}-d input "
                f"(N, {self.num_features}, ...), got shape {tuple(x.shape)}"
            )
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            with autodiff.no_grad():
                self.num_batches_tracked.add_(1)
            if self.momentum is None:  # a cumulative average of the batch statistics
                momentum = 1.0 / float(self.num_batches_tracked.item())
        return F.batch_norm(
            x,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            # PyTorch's rule: without running statistics, the batch's, in either mode
            training=self.training or (self.running_mean is None and self.running_var is None),
            momentum=momentum,
            eps=self.eps,
        )

    def extra_repr(self) -> str:
        bias = self.bias is not None
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={bias}, track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """x (N, C) or (N, C, L), normalised per channel C over the other axes."""

    ranks = (2, 3)


class BatchNorm2d(_BatchNorm):
    """x (N, C, H, W), normalised per channel C over N, H and W (the lessons' spatial BN)."""

    ranks = (4,)
