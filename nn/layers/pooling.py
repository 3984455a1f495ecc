"""MaxPool2d, AvgPool2d, AdaptiveAvgPool2d and AdaptiveMaxPool2d: downsample (N, C, H, W)
images window by window; MaxPool1d and AvgPool1d likewise (N, C, L) signals (no parameters)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autodiff import Tensor

from .. import functional as F
from ..functional._unbatched import is_one_image, one_image
from ..functional.pool import AvgPool2d as AvgPool2dOp
from ..functional.pool import MaxPool2d as MaxPool2dOp
from ..module import Module
from ..validate import check_default, check_pair
from . import _checked as checked


class _Pool2d(Module):
    def __init__(
        self,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0,
        **options: Any,
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
        # PyTorch's further arguments, kept as attributes that forward passes on (so that a
        # value set later takes effect, or raises there); those supported at their defaults
        # only are refused here too.
        for name, value in options.items():
            if name in self._refused:
                check_default(where, name, value, self._defaults[name])
            setattr(self, name, value)

    # The public function, its op (a Function class) and PyTorch's further arguments with
    # their defaults, in the function's order, set by each subclass.
    _function: Callable[..., Tensor]
    _op: Any
    _defaults: dict[str, Any]
    _refused: frozenset[str] = frozenset()  # those of _defaults supported at the default only
    _plain: tuple  # _defaults' values in _options' order: forward's op-alone case

    def _options(self) -> tuple:
        raise NotImplementedError

    def forward(self, x: Tensor) -> Tensor:
        kernel, stride, padding = self.kernel_size, self.stride, self.padding
        options = self._options()
        plain = self._plain
        if options[-len(plain) :] != plain:
            # not the op alone (ceil_mode etc.): the public function each time, uncached
            return type(self)._function(x, kernel, stride, padding, *options)
        key = checked.signature(x, (), (kernel, stride, padding, *options))
        kwargs = checked.recall(self, key)
        if kwargs is not None:  # called as last time: the public function's checks passed
            return self._op.apply(x, **kwargs)
        if is_one_image(x):  # (C, H, W): a batch of one, as PyTorch (a kept key is 4-d)
            return one_image(self.forward, x)
        out = type(self)._function(x, kernel, stride, padding, *options)
        geometry = {"kernel": checked.pair(kernel), "stride": checked.pair(stride)}
        geometry["padding"] = checked.pair(padding)
        checked.remember(self, key, {**geometry, **self._kept(), "out_size": out.shape[2:]})
        return out

    def _kept(self) -> dict[str, Any]:
        """The op's further keyword arguments for a kept call (MaxPool2d's dilation)."""
        return {}

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pool2d):
    """The maximum of each kernel_size window, moved by stride (default: kernel_size).

    x (N, C, H, W) -> (N, C, Ho, Wo); the gradient goes to each window's maximum. `dilation`
    (an int >= 1 or a pair) spaces a window's taps that many pixels apart, and `ceil_mode`
    rounds the output size up, as PyTorch's (see F.max_pool2d); `return_indices=True` makes
    forward return (values, indices), PyTorch's (indices int64, flat in each H * W plane).
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
        super().__init__(
            kernel_size, stride, padding, return_indices=return_indices, ceil_mode=ceil_mode
        )
        check_pair("MaxPool2d", "dilation", dilation, minimum=1)
        self.dilation = dilation  # kept as given (and shown), as PyTorch

    _function = staticmethod(F.max_pool2d)
    _op = MaxPool2dOp
    _defaults = {"ceil_mode": False, "return_indices": False}
    _plain = (False, False)

    def _options(self) -> tuple:
        return (self.dilation, self.ceil_mode, self.return_indices)  # F.max_pool2d's order

    def _kept(self) -> dict[str, Any]:
        dilation = checked.pair(self.dilation)  # checked by F.max_pool2d
        return {} if dilation == (1, 1) else {"dilation": dilation}

    def extra_repr(self) -> str:
        return super().extra_repr() + f", dilation={self.dilation}, ceil_mode={self.ceil_mode}"


class AvgPool2d(_Pool2d):
    """The mean of each kernel_size window, moved by stride (default: kernel_size).

    x (N, C, H, W) -> (N, C, Ho, Wo); the gradient is shared evenly within each window.
    `ceil_mode`, `count_include_pad` (whether padding zeros count in the divisor) and
    `divisor_override` as PyTorch's (see F.avg_pool2d).
    """

    def __init__(
        self,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__(
            kernel_size,
            stride,
            padding,
            ceil_mode=ceil_mode,
            count_include_pad=count_include_pad,
            divisor_override=divisor_override,
        )

    _function = staticmethod(F.avg_pool2d)
    _op = AvgPool2dOp
    _defaults = {"ceil_mode": False, "count_include_pad": True, "divisor_override": None}
    _plain = (False, True, None)

    def _options(self) -> tuple:
        return (self.ceil_mode, self.count_include_pad, self.divisor_override)


class AdaptiveAvgPool2d(Module):
    """The mean over windows that tile each image into `output_size` cells: (N, C, H, W) ->
    (N, C, oh, ow), whatever H and W are (see F.adaptive_avg_pool2d); `AdaptiveAvgPool2d(1)`
    is global average pooling. None in `output_size` keeps that side of the input."""

    def __init__(self, output_size: int | None | tuple[int | None, int | None]) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        return F.adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(Module):
    """The maximum over windows that tile each image into `output_size` cells: (N, C, H, W) ->
    (N, C, oh, ow), whatever H and W are (see F.adaptive_max_pool2d); `AdaptiveMaxPool2d(1)` is
    global max pooling. `return_indices=True` makes forward return (values, indices), as
    PyTorch's."""

    def __init__(
        self,
        output_size: int | None | tuple[int | None, int | None],
        return_indices: bool = False,
    ) -> None:
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def forward(self, x: Tensor) -> Tensor:
        return F.adaptive_max_pool2d(x, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class MaxPool1d(Module):
    """The maximum of each kernel_size window of a signal, moved by stride (default:
    kernel_size): x (N, C, L) -> (N, C, Lo), one signal (C, L) too (see F.max_pool1d).
    `return_indices=True` makes forward return (values, indices), as PyTorch's."""

    def __init__(
        self,
        kernel_size: int | tuple[int],
        stride: int | tuple[int] | None = None,
        padding: int | tuple[int] = 0,
        dilation: int | tuple[int] = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size  # kept as given (and shown), as PyTorch
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, x: Tensor) -> Tensor:
        return F.max_pool1d(
            x,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            self.ceil_mode,
            self.return_indices,
        )

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class AvgPool1d(Module):
    """The mean of each kernel_size window of a signal, moved by stride (default:
    kernel_size): x (N, C, L) -> (N, C, Lo), one signal (C, L) too (see F.avg_pool1d)."""

    def __init__(
        self,
        kernel_size: int | tuple[int],
        stride: int | tuple[int] | None = None,
        padding: int | tuple[int] = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ) -> None:
        super().__init__()
        # PyTorch keeps (and shows) these as 1-tuples
        self.kernel_size = _one_tuple(kernel_size)
        self.stride = _one_tuple(kernel_size if stride is None else stride)
        self.padding = _one_tuple(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, x: Tensor) -> Tensor:
        return F.avg_pool1d(
            x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


def _one_tuple(value: Any) -> Any:
    """PyTorch's _single: an int as a 1-tuple, a tuple or list as a tuple."""
    return tuple(value) if isinstance(value, tuple | list) else (value,)


class MaxUnpool2d(Module):
    """The partial inverse of MaxPool2d: forward(x, indices, output_size=None) puts each value
    of x (N, C, H, W) (one image (C, H, W) too) at the flat position its index names in a zero
    (N, C, Hout, Wout) image (see F.max_unpool2d). Sizes kept as pairs, as PyTorch's."""

    def __init__(
        self,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0,
    ) -> None:
        super().__init__()
        self.kernel_size = check_pair("MaxUnpool2d", "kernel_size", kernel_size, minimum=1)
        self.stride = (
            self.kernel_size
            if stride is None
            else check_pair("MaxUnpool2d", "stride", stride, minimum=1)
        )
        self.padding = check_pair("MaxUnpool2d", "padding", padding, minimum=0)

    def forward(self, x: Tensor, indices: Tensor, output_size: Any = None) -> Tensor:
        return F.max_unpool2d(x, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(Module):
    """The partial inverse of MaxPool1d: forward(x, indices, output_size=None) puts each value
    of x (N, C, L) (one signal (C, L) too) at the position its index names in a zero
    (N, C, Lout) signal (see F.max_unpool1d). Sizes kept as 1-tuples, as PyTorch's."""

    def __init__(
        self,
        kernel_size: int | tuple[int],
        stride: int | tuple[int] | None = None,
        padding: int | tuple[int] = 0,
    ) -> None:
        super().__init__()
        self.kernel_size = _one_tuple(kernel_size)
        self.stride = _one_tuple(kernel_size if stride is None else stride)
        self.padding = _one_tuple(padding)

    def forward(self, x: Tensor, indices: Tensor, output_size: Any = None) -> Tensor:
        return F.max_unpool1d(x, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
