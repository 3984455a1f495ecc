"""1-d convolution and transposed convolution (PyTorch's conv1d and conv_transpose1d) as the
2-d ops on images one pixel high.

x (N, C, L) is seen as (N, C, 1, L) and weight (F, C/G, k) as (F, C/G, 1, k); conv2d with
stride (1, s), padding (0, p) and dilation (1, d) gives (N, F, 1, Lo), which is the answer with
its unit axis dropped. The graph holds the reshapes and one conv2d node, so gradients, float32,
groups and dilation are conv2d's, and an ONNX export writes Reshape, Conv, Reshape.
conv_transpose1d is conv_transpose2d the same way (output_padding (0, op) too; PyTorch runs it
so as well): Reshape, ConvTranspose, Reshape.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autodiff import ShapeError, Tensor

from ._dtypes import check_dtypes
from ._im2col import shape_of
from ._unbatched import one_image
from .conv import conv2d, padding_of
from .conv_transpose import conv_transpose2d


def single(value: Any, name: str, op: str, minimum: int) -> int:
    """An int >= minimum, or a 1-tuple or list of one (PyTorch's `(3,)`): that int. Anything
    else a ValueError naming the op and argument, as conv2d's `pair`."""
    values = tuple(value) if isinstance(value, tuple | list) else (value,)
    if len(values) != 1 or not (
        isinstance(values[0], int | np.integer)
        and not isinstance(values[0], bool | np.bool_)
        and values[0] >= minimum
    ):
        kind = "positive int" if minimum == 1 else "non-negative int"
        raise ValueError(f"{op}: {name} must be a {kind} or a 1-tuple of one, got {value!r}")
    return int(values[0])


def conv1d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | tuple[int] = 1,
    padding: int | tuple[int] | str = 0,
    dilation: int | tuple[int] = 1,
    groups: int = 1,
) -> Tensor:
    """1-d convolution (cross-correlation, as PyTorch's): x (N, C, L) (or one signal (C, L) ->
    (F, Lo)), weight (F, C/groups, k), bias (F,) or None -> (N, F, Lo), where
    Lo = (L + 2*p - d*(k - 1) - 1) // s + 1.

    `stride`, `padding` and `dilation` are an int or a 1-tuple, padding also "valid" or "same"
    (stride 1; an odd d*(k - 1) is refused, as conv2d's); `groups` as conv2d's. Runs as
    `conv2d` on (N, C, 1, L): a shape error names conv1d's shapes, then conv2d's message.
    """
    check_dtypes("conv1d", x, ("weight", weight), ("bias", bias))
    x_shape, w_shape = tuple(shape_of(x)), tuple(shape_of(weight))
    if len(x_shape) == 2:  # one signal: a batch of one, as PyTorch
        y = conv1d(x.reshape(1, *x_shape), weight, bias, stride, padding, dilation, groups)
        return y.reshape(y.shape[1:])
    if len(x_shape) != 3:
        raise ShapeError(f"conv1d: expected input (N, C, L) or (C, L), got shape {x_shape}")
    if len(w_shape) != 3:
        raise ShapeError(f"conv1d: expected weight (F, C / groups, k), got shape {w_shape}")
    s = single(stride, "stride", "conv1d", minimum=1)
    d = single(dilation, "dilation", "conv1d", minimum=1)
    if isinstance(padding, str):
        resolved = padding_of(padding, w_shape[2:], s, "conv1d", (d,))  # 0, or a 1-tuple
        p = resolved if isinstance(resolved, int) else resolved[0]
    else:
        p = single(padding, "padding", "conv1d", minimum=0)
    return _one_row(
        "conv1d", conv2d, x, x_shape, weight, w_shape, bias, (1, s), (0, p), (1, d), groups
    )


def conv_transpose1d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | tuple[int] = 1,
    padding: int | tuple[int] = 0,
    output_padding: int | tuple[int] = 0,
    groups: int = 1,
    dilation: int | tuple[int] = 1,
) -> Tensor:
    """1-d transposed convolution, PyTorch's, in its argument order: x (N, Cin, L) (or one
    signal (Cin, L) -> (Cout, Lout)), weight (Cin, Cout/groups, k), bias (Cout,) or None ->
    (N, Cout, Lout), where Lout = (L - 1)*s - 2*p + d*(k - 1) + op + 1.

    The gradient of `conv1d(y, weight, stride=s, padding=p, dilation=d, groups=groups)` with
    respect to y of that size. `stride`, `padding`, `output_padding` and `dilation` are an int or
    a 1-tuple; output_padding must be smaller than the stride or the dilation, as PyTorch's.
    Runs as `conv_transpose2d` on (N, Cin, 1, L): a shape error names conv_transpose1d's shapes,
    then conv_transpose2d's message.
    """
    where = "conv_transpose1d"
    if getattr(x, "ndim", None) == 2:  # one signal: a batch of one, as PyTorch
        args = (weight, bias, stride, padding, output_padding, groups, dilation)
        return one_image(conv_transpose1d, x, *args)
    check_dtypes(where, x, ("weight", weight), ("bias", bias))
    if isinstance(padding, str):  # PyTorch's takes no "same"/"valid" here either
        raise TypeError(f"{where}: padding must be an int or a 1-tuple, not {padding!r}")
    x_shape, w_shape = tuple(shape_of(x)), tuple(shape_of(weight))
    if len(x_shape) != 3:
        raise ShapeError(f"{where}: expected input (N, Cin, L) or (Cin, L), got shape {x_shape}")
    if len(w_shape) != 3:
        raise ShapeError(f"{where}: expected weight (Cin, Cout / groups, k), got shape {w_shape}")
    s = single(stride, "stride", where, minimum=1)
    p = single(padding, "padding", where, minimum=0)
    op = single(output_padding, "output_padding", where, minimum=0)
    d = single(dilation, "dilation", where, minimum=1)
    args = ((1, s), (0, p), (0, op), groups, (1, d))
    return _one_row(where, conv_transpose2d, x, x_shape, weight, w_shape, bias, *args)


def _one_row(
    where: str,
    op: Any,
    x: Tensor,
    x_shape: tuple[int, ...],
    weight: Tensor,
    w_shape: tuple[int, ...],
    bias: Tensor | None,
    *args: Any,
) -> Tensor:
    """op (a 2-d conv function) of x (N, C, L) as (N, C, 1, L) and weight (A, B, k) as
    (A, B, 1, k), with its other arguments `args`; its (N, F, 1, Lo) answer as (N, F, Lo). A
    ShapeError names the 1-d shapes first."""
    n, c, length = x_shape
    try:
        y = op(
            x.reshape(n, c, 1, length),
            weight.reshape(w_shape[0], w_shape[1], 1, w_shape[2]),
            bias,
            *args,
        )
    except ShapeError as error:  # the 2-d op's message is about the (N, C, 1, L) view
        raise ShapeError(
            f"{where}: input {x_shape} and weight {w_shape} (run as {op.__name__} on "
            f"(N, C, 1, L)): {error}"
        ) from None
    return y.reshape(n, y.shape[1], y.shape[3])
