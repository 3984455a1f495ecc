"""Conv2d, Conv1d, ConvTranspose2d and ConvTranspose1d: banks of learned filters slid over
(N, C, H, W) images and (N, C, L) signals, and spread back (transposed) over them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

import autodiff
from autodiff import Tensor
from autodiff.device import check_device

from .. import functional as F
from .. import init
from ..functional._unbatched import is_one_image, one_image
from ..functional.conv import Conv2d as Conv2dOp
from ..functional.conv import padding_of
from ..functional.conv_transpose import transposed_size
from ..module import Module, Parameter, registered
from ..validate import check_default, check_int, check_pair
from . import _checked as checked


class Conv2d(Module):
    """2-d convolution (cross-correlation), PyTorch's layer.

    x (N, in_channels, H, W) -> (N, out_channels, Ho, Wo),
    Ho = (H + 2*padding - dilation*(kh - 1) - 1) // stride + 1 (Wo likewise).
    weight (out_channels, in_channels / groups, kh, kw), bias (out_channels,); initialised like
    PyTorch, from U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = in_channels / groups * kh * kw.
    `dilation` (an int >= 1 or a pair) spaces the kernel's taps that many pixels apart, as
    PyTorch's. `groups` splits channels and filters into that many groups, each group's
    filters seeing only its channels (groups == in_channels: depthwise); both channel counts
    must be divisible by it (a ValueError otherwise, as PyTorch's).

    Arguments are checked here, not at the first forward: channels are ints >= 0 (0 makes an
    empty layer, as in PyTorch), kernel_size, stride and dilation an int >= 1 or a pair of
    them, padding an int >= 0, a pair, or PyTorch's "valid" or "same" (stride 1, and a
    dilated kernel span d*(k - 1) that is even). A float
    (stride=1.5) or a tuple of the wrong length (kernel_size=(3,)) raises a TypeError, a value
    out of range (kernel_size=0) a ValueError, each naming the argument. (PyTorch accepts the
    last three here and fails at forward.)

    The arguments are PyTorch's, in its order. `padding_mode` is supported at its default only:
    another value raises NotImplementedError, here or, if the attribute is changed later, at
    forward (where PyTorch reads it). `device` is "cpu" or None.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] | str = 0,
        dilation: int | tuple[int, int] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        check_default("Conv2d", "padding_mode", padding_mode, "zeros")
        check_device(device, "Conv2d")
        self.in_channels = check_int("Conv2d", "in_channels", in_channels, minimum=0)
        self.out_channels = check_int("Conv2d", "out_channels", out_channels, minimum=0)
        self.groups = _groups(groups, self.in_channels, self.out_channels)
        self.kernel_size = check_pair("Conv2d", "kernel_size", kernel_size, minimum=1)
        self.stride = check_pair("Conv2d", "stride", stride, minimum=1)
        self.dilation = check_pair("Conv2d", "dilation", dilation, minimum=1)
        if isinstance(padding, str):  # PyTorch's "same" / "valid", kept as given (and shown)
            padding_of(padding, self.kernel_size, self.stride, "Conv2d", self.dilation)
            self.padding = padding
        else:
            self.padding = check_pair("Conv2d", "padding", padding, minimum=0)
        # Kept as PyTorch keeps it, and read at forward as PyTorch reads it.
        self.padding_mode = "zeros"
        shape = (out_channels, in_channels // self.groups, *self.kernel_size)
        _initialised_parameters(self, shape, out_channels, bias, dtype)

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init.calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in else 0.0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        if type(self) is Conv2d:  # no class attribute shadows the parameters (tested)
            weight, bias = registered(self, "weight"), registered(self, "bias")
        else:
            weight, bias = self.weight, self.bias
        stride, padding, dilation, groups = self.stride, self.padding, self.dilation, self.groups
        if isinstance(padding, str):
            dilated = checked.pair(dilation)
            padding = padding_of(padding, weight.shape[2:], stride, "Conv2d", dilated)
        if self.padding_mode != "zeros":
            check_default("Conv2d", "padding_mode", self.padding_mode, "zeros")
        # dilation and groups in the signature: a changed value goes through F.conv2d's checks.
        key = checked.signature(x, (weight, bias), (stride, padding, dilation, groups))
        kwargs = checked.recall(self, key)
        if kwargs is not None:  # called as last time: F.conv2d's checks passed for this
            if bias is None:
                return Conv2dOp.apply(x, weight, **kwargs)
            return Conv2dOp.apply(x, weight, bias, **kwargs)
        if is_one_image(x):  # (C, H, W): a batch of one, as PyTorch (a kept key is 4-d)
            return one_image(self.forward, x)
        out = F.conv2d(x, weight, bias, stride, padding, dilation, groups)
        pairs = {"stride": checked.pair(stride), "padding": checked.pair(padding)}
        if groups != 1:  # checked by F.conv2d: an int >= 1
            pairs["groups"] = int(groups)
        if checked.pair(dilation) != (1, 1):  # checked by F.conv2d; the op's path of its own
            pairs.update(groups=int(groups), dilation=checked.pair(dilation))
        checked.remember(self, key, {**pairs, "out_size": out.shape[2:]})
        return out

    def extra_repr(self) -> str:
        return _conv_repr(self)


def _initialised_parameters(
    layer: Module, shape: tuple[int, ...], out_channels: int, bias: bool, dtype: Any
) -> None:
    """A conv layer's weight of `shape` and, if `bias`, its (out_channels,) bias, in `dtype`
    (None: the default dtype), initialised by the layer's `reset_parameters` (PyTorch's)."""
    dtype = autodiff.get_default_dtype() if dtype is None else dtype
    layer.weight = Parameter(np.empty(shape, dtype=dtype))
    layer.bias = Parameter(np.empty(out_channels, dtype=dtype)) if bias else None
    layer.reset_parameters()


def _conv_repr(layer: Module, output_padding: tuple[int, ...] | None = None) -> str:
    """A conv layer's extra_repr as PyTorch's: channels, kernel and stride, then padding,
    dilation, output_padding (transposed convolutions) and groups where not their defaults,
    in PyTorch's order, and bias=False when there is none."""
    zeros, ones = (0,) * len(layer.stride), (1,) * len(layer.stride)
    text = (
        f"{layer.in_channels}, {layer.out_channels}, kernel_size={layer.kernel_size}, "
        f"stride={layer.stride}"
    )
    if layer.padding != zeros:
        text += f", padding={layer.padding}"
    if layer.dilation != ones:
        text += f", dilation={layer.dilation}"
    if output_padding is not None and output_padding != zeros:
        text += f", output_padding={output_padding}"
    if layer.groups != 1:
        text += f", groups={layer.groups}"
    return text + ("" if layer.bias is not None else ", bias=False")


def _groups(groups: Any, in_channels: int, out_channels: int, where: str = "Conv2d") -> int:
    """groups as an int >= 1 dividing both channel counts: a TypeError for another kind of
    value, a ValueError naming the counts otherwise (PyTorch's types)."""
    groups = check_int(where, "groups", groups, minimum=1)
    for name, channels in (("in_channels", in_channels), ("out_channels", out_channels)):
        if channels % groups:
            raise ValueError(f"{where}: {name}={channels} must be divisible by groups={groups}")
    return groups


class Conv1d(Module):
    """1-d convolution (cross-correlation), PyTorch's layer: x (N, in_channels, L) (or one
    signal (in_channels, L)) -> (N, out_channels, Lo), Lo = (L + 2*p - d*(k - 1) - 1) // s + 1.

    weight (out_channels, in_channels / groups, k), bias (out_channels,), initialised as
    PyTorch's (fan_in = in_channels / groups * k). kernel_size, stride, padding and dilation
    are an int or a 1-tuple, kept as 1-tuples as PyTorch keeps them (padding also "same" /
    "valid", kept as given); `groups` as Conv2d's. `F.conv1d` runs it as conv2d on
    (N, C, 1, L). `padding_mode` is supported at "zeros" only, `device` "cpu" or None.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int],
        stride: int | tuple[int] = 1,
        padding: int | tuple[int] | str = 0,
        dilation: int | tuple[int] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        check_default("Conv1d", "padding_mode", padding_mode, "zeros")
        check_device(device, "Conv1d")
        self.in_channels = check_int("Conv1d", "in_channels", in_channels, minimum=0)
        self.out_channels = check_int("Conv1d", "out_channels", out_channels, minimum=0)
        self.groups = _groups(groups, self.in_channels, self.out_channels, "Conv1d")
        self.kernel_size = (_single("kernel_size", kernel_size, minimum=1),)
        self.stride = (_single("stride", stride, minimum=1),)
        self.dilation = (_single("dilation", dilation, minimum=1),)
        if isinstance(padding, str):  # PyTorch's "same" / "valid", kept as given (and shown)
            padding_of(padding, self.kernel_size, self.stride[0], "Conv1d", self.dilation)
            self.padding: tuple[int] | str = padding
        else:
            self.padding = (_single("padding", padding, minimum=0),)
        self.padding_mode = "zeros"
        shape = (out_channels, in_channels // self.groups, *self.kernel_size)
        _initialised_parameters(self, shape, out_channels, bias, dtype)

    reset_parameters = Conv2d.reset_parameters

    def forward(self, x: Tensor) -> Tensor:
        if self.padding_mode != "zeros":  # read at forward, as PyTorch reads it
            check_default("Conv1d", "padding_mode", self.padding_mode, "zeros")
        args = (self.stride, self.padding, self.dilation, self.groups)
        return F.conv1d(x, self.weight, self.bias, *args)

    def extra_repr(self) -> str:
        return _conv_repr(self)


def _single(name: str, value: Any, minimum: int, where: str = "Conv1d") -> int:
    """An int, or a 1-tuple or list of one, as that int: a TypeError for another kind or
    length, a ValueError below `minimum` (as Conv2d's check_pair)."""
    if isinstance(value, tuple | list):
        if len(value) != 1:
            raise TypeError(
                f"{where}: {name} must be an int or a 1-tuple, got {value!r} with "
                f"{len(value)} entries"
            )
        (value,) = value
    return check_int(where, name, value, minimum=minimum)


class _ConvTranspose(Module):
    """What ConvTranspose1d and ConvTranspose2d share: arguments checked (by the subclass's
    `_sizes`, a 1-tuple or pair checker), PyTorch's weight layout and initialisation, forward
    with `output_size`, and repr."""

    _dims: int  # spatial dimensions: 1 or 2

    def _setup(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any,
        padding: Any,
        output_padding: Any,
        groups: int,
        bias: bool,
        dilation: Any,
        padding_mode: str,
        device: Any,
        dtype: Any,
    ) -> None:
        """The layer's __init__, in PyTorch's argument order."""
        where = type(self).__name__
        if padding_mode != "zeros":  # PyTorch's ValueError
            raise ValueError(
                f'{where}: only "zeros" padding mode is supported, got {padding_mode!r}'
            )
        check_device(device, where)
        self.in_channels = check_int(where, "in_channels", in_channels, minimum=0)
        self.out_channels = check_int(where, "out_channels", out_channels, minimum=0)
        self.groups = _groups(groups, self.in_channels, self.out_channels, where)
        self.kernel_size = self._sizes(where, "kernel_size", kernel_size, minimum=1)
        self.stride = self._sizes(where, "stride", stride, minimum=1)
        if isinstance(padding, str):
            kind = "pair" if self._dims == 2 else "1-tuple"
            raise ValueError(f"{where}: padding must be an int or a {kind}, got {padding!r}")
        self.padding = self._sizes(where, "padding", padding, minimum=0)
        self.output_padding = self._sizes(where, "output_padding", output_padding, minimum=0)
        self.dilation = self._sizes(where, "dilation", dilation, minimum=1)
        self.padding_mode = "zeros"
        shape = (in_channels, out_channels // self.groups, *self.kernel_size)  # PyTorch's layout
        _initialised_parameters(self, shape, out_channels, bias, dtype)

    def _sizes(self, where: str, name: str, value: Any, minimum: int) -> tuple[int, ...]:
        if self._dims == 2:
            return check_pair(where, name, value, minimum=minimum)
        return (_single(name, value, minimum, where),)

    reset_parameters = Conv2d.reset_parameters

    def forward(self, x: Tensor, output_size: Sequence[int] | None = None) -> Tensor:
        if self.padding_mode != "zeros":  # read at forward, as PyTorch reads it
            raise ValueError(f'{type(self).__name__}: only "zeros" padding mode is supported')
        output_padding = self.output_padding
        if output_size is not None:
            output_padding = self._output_padding(x, output_size)
        op = F.conv_transpose2d if self._dims == 2 else F.conv_transpose1d
        return op(
            x,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            output_padding,
            self.groups,
            self.dilation,
        )

    def _output_padding(self, x: Tensor, output_size: Sequence[int]) -> tuple[int, ...]:
        """The output_padding that makes the output `output_size`, as PyTorch's (which raises
        a ValueError for a size the stride cannot reach)."""
        dims, where = self._dims, type(self).__name__
        sizes = [int(s) for s in output_size]
        if len(sizes) == x.ndim:  # a whole shape: its spatial sizes
            sizes = sizes[-dims:]
        if len(sizes) != dims:
            raise ValueError(
                f"{where}: for {x.ndim}-d input, output_size must have {dims} or {x.ndim} "
                f"elements (got {len(output_size)})"
            )
        kernel = self.weight.shape[2:] if isinstance(self.weight, Tensor) else self.kernel_size
        smallest = transposed_size(
            tuple(x.shape[-dims:]), tuple(kernel), self.stride, self.padding, self.dilation
        )
        largest = [m + s - 1 for m, s in zip(smallest, self.stride)]
        if any(not lo <= s <= hi for s, lo, hi in zip(sizes, smallest, largest)):
            raise ValueError(
                f"{where}: requested an output size of {list(output_size)}, but valid "
                f"sizes range from {list(smallest)} to {largest} (for an input of "
                f"{tuple(x.shape[-dims:])})"
            )
        return tuple(s - m for s, m in zip(sizes, smallest))

    def extra_repr(self) -> str:
        return _conv_repr(self, self.output_padding)


class ConvTranspose2d(_ConvTranspose):
    """2-d transposed convolution, PyTorch's layer: x (N, in_channels, H, W) (or one image)
    -> (N, out_channels, Hout, Wout),
    Hout = (H - 1)*stride - 2*padding + dilation*(kh - 1) + output_padding + 1 (Wout likewise).

    weight (in_channels, out_channels / groups, kh, kw), bias (out_channels,); initialised as
    PyTorch's, from U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = weight.shape[1] * kh * kw
    (out_channels / groups * kh * kw: the fan of the convolution it transposes). The arguments
    are PyTorch's, in its order (output_padding before groups, dilation after bias), each
    checked here as Conv2d's; padding is an int or a pair (PyTorch's "same"/"valid" strings
    are refused with a ValueError; torch keeps them and fails at forward). `padding_mode` is
    "zeros" only (a ValueError otherwise, as PyTorch's), `device` "cpu" or None.

    `forward(x, output_size=None)`: `output_size` ((Hout, Wout), or a 4-long shape whose last
    two are used) picks the output_padding that gives that size, as PyTorch's; a size outside
    the reachable range raises PyTorch's ValueError.
    """

    _dims = 2

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
        output_padding: int | tuple[int, int] = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: int | tuple[int, int] = 1,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        sizes = (kernel_size, stride, padding, output_padding)
        self._setup(
            in_channels, out_channels, *sizes, groups, bias, dilation, padding_mode, device, dtype
        )


class ConvTranspose1d(_ConvTranspose):
    """1-d transposed convolution, PyTorch's layer: x (N, in_channels, L) (or one signal
    (in_channels, L)) -> (N, out_channels, Lout),
    Lout = (L - 1)*stride - 2*padding + dilation*(k - 1) + output_padding + 1.

    weight (in_channels, out_channels / groups, k), bias (out_channels,), initialised as
    PyTorch's (fan_in = out_channels / groups * k). The arguments are PyTorch's, in its order,
    as ConvTranspose2d's but each an int or a 1-tuple, kept as 1-tuples as PyTorch keeps them.
    `F.conv_transpose1d` runs it as conv_transpose2d on (N, C, 1, L).
    `forward(x, output_size=None)`: `output_size` ((Lout,), or the whole output shape) picks the
    output_padding that gives that length, as PyTorch's.
    """

    _dims = 1

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int],
        stride: int | tuple[int] = 1,
        padding: int | tuple[int] = 0,
        output_padding: int | tuple[int] = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: int | tuple[int] = 1,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        sizes = (kernel_size, stride, padding, output_padding)
        self._setup(
            in_channels, out_channels, *sizes, groups, bias, dilation, padding_mode, device, dtype
        )
