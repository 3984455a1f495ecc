"""1-d convolution (PyTorch's conv1d) as the 2-d op on images one pixel high.

x (N, C, L) is seen as (N, C, 1, L) and weight (F, C/G, k) as (F, C/G, 1, k); conv2d with
stride (1, s), padding (0, p) and dilation (1, d) gives (N, F, 1, Lo), which is the answer with
its unit axis dropped. The graph holds the reshapes and one conv2d node, so gradients, float32,
groups and dilation are conv2d's, and an ONNX export writes Reshape, Conv, Reshape.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autodiff import ShapeError, Tensor

from ._dtypes import check_dtypes
from ._im2col import shape_of
from .conv import conv2d, padding_of


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
    n, c, length = x_shape
    try:
        y = conv2d(
            x.reshape(n, c, 1, length),
            weight.reshape(w_shape[0], w_shape[1], 1, w_shape[2]),
            bias,
            (1, s),
            (0, p),
            (1, d),
            groups,
        )
    except ShapeError as error:  # conv2d's message is about the (N, C, 1, L) view
        raise ShapeError(
            f"conv1d: input {x_shape} and weight {w_shape} (run as conv2d on (N, C, 1, L)): {error}"
        ) from None
    return y.reshape(n, w_shape[0], y.shape[3])
