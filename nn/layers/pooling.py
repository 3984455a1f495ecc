"""MaxPool2d and AvgPool2d: downsample (N, C, H, W) images window by window (no parameters)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autodiff import Tensor

from .. import functional as F
from ..functional.pool import AvgPool2d as AvgPool2dOp
from ..functional.pool import MaxPool2d as MaxPool2dOp
from ..module import Module
from ..validate import check_pair
from . import _checked as checked


class _Pool2d(Module):
    def __init__(
        self,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0,
    ) -> None:
        super().__init__()
        where = type(self).__name__
        kernel = check_pair(where, "kernel_size", kernel_size, minimum=1)
        if stride is not None:
            check_pair(where, "stride", stride, minimum=1)
        pads = check_pair(where, "padding", padding, minimum=0)
        if pads[0] > kernel[0] // 2 or pads[1] > kernel[1] // 2:  # PyTorch's rule
            raise ValueError(
                f"{where}: padding should be at most half the kernel size, got padding="
                f"{padding!r} and kernel_size={kernel_size!r}"
            )
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride  # PyTorch's default
        self.padding = padding

    # The public function and its op (a Function class), set by each subclass.
    _function: Callable[..., Tensor]
    _op: Any

    def forward(self, x: Tensor) -> Tensor:
        kernel, stride, padding = self.kernel_size, self.stride, self.padding
        key = checked.signature(x, (), (kernel, stride, padding))
        kwargs = checked.recall(self, key)
        if kwargs is not None:  # called as last time: the public function's checks passed
            return self._op.apply(x, **kwargs)
        out = type(self)._function(x, kernel, stride, padding)
        geometry = {"kernel": checked.pair(kernel), "stride": checked.pair(stride)}
        geometry["padding"] = checked.pair(padding)
        checked.remember(self, key, {**geometry, "out_size": out.shape[2:]})
        return out

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pool2d):
    """The maximum of each kernel_size window, moved by stride (default: kernel_size).

    x (N, C, H, W) -> (N, C, Ho, Wo); the gradient goes to each window's maximum. PyTorch's
    `dilation`, `return_indices` and `ceil_mode` are accepted at their defaults only.
    """

    def __init__(
        self,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0,
        dilation: int | tuple[int, int] = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__(kernel_size, stride, padding)
        for name, value, default in (
            ("dilation", dilation, 1),
            ("return_indices", return_indices, False),
            ("ceil_mode", ceil_mode, False),
        ):
            if value != default and value != (default, default):
                raise NotImplementedError(f"MaxPool2d: {name}={value!r} is not supported")

    _function = staticmethod(F.max_pool2d)
    _op = MaxPool2dOp

    def extra_repr(self) -> str:
        return super().extra_repr() + ", dilation=1, ceil_mode=False"


class AvgPool2d(_Pool2d):
    """The mean of each kernel_size window, moved by stride (default: kernel_size).

    x (N, C, H, W) -> (N, C, Ho, Wo); the gradient is shared evenly within each window.
    """

    _function = staticmethod(F.avg_pool2d)
    _op = AvgPool2dOp
