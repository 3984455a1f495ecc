"""1-d max and average pooling (PyTorch's max_pool1d / avg_pool1d) as the 2-d ops on images
one pixel high.

x (N, C, L) is seen as (N, C, 1, L); max_pool2d / avg_pool2d with kernel (1, k), stride (1, s),
padding (0, p) (and dilation (1, d)) give (N, C, 1, Lo), the answer with its unit axis dropped.
The graph holds the reshapes and the 2-d node, so gradients, ties, NaN, ceil_mode and
count_include_pad are the 2-d ops' (which are PyTorch's), and an ONNX export writes Reshape,
MaxPool / AveragePool, Reshape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autodiff import ShapeError, Tensor

from ._im2col import shape_of
from .conv1d import single
from .pool import avg_pool2d, max_pool2d


def max_pool1d(
    x: Tensor,
    kernel_size: int | tuple[int],
    stride: int | tuple[int] | None = None,
    padding: int | tuple[int] = 0,
    dilation: int | tuple[int] = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """Max over each window of k samples: x (N, C, L) -> (N, C, Lo) (one signal (C, L) too),
    Lo = (L + 2*p - d*(k - 1) - 1) // s + 1 (rounded up with ceil_mode, as PyTorch's).

    Arguments as PyTorch's (ints or 1-tuples; `stride` defaults to `kernel_size`); the rest is
    max_pool2d's: -inf padding, each window's gradient to its first maximum.
    `return_indices=True` returns (values, indices) as PyTorch's: indices int64 (N, C, Lo),
    each the position in L of the sample the window's gradient goes to.
    """
    k = single(kernel_size, "kernel_size", "max_pool1d", minimum=1)
    s = k if stride is None else single(stride, "stride", "max_pool1d", minimum=1)
    p = single(padding, "padding", "max_pool1d", minimum=0)
    d = single(dilation, "dilation", "max_pool1d", minimum=1)

    def pool(x4: Tensor) -> Tensor:
        return max_pool2d(x4, (1, k), (1, s), (0, p), (1, d), ceil_mode)

    if not return_indices:
        return _as_2d("max_pool1d", x, pool)
    found = []  # the indices, from the 2-d op on the (N, C, 1, L) view (its plane is L long)

    def pool_and_indices(x4: Tensor) -> Tensor:
        values, indices = max_pool2d(x4, (1, k), (1, s), (0, p), (1, d), ceil_mode, True)
        found.append(indices)
        return values

    values = _as_2d("max_pool1d", x, pool_and_indices)
    return values, found[0].reshape(values.shape)


def avg_pool1d(
    x: Tensor,
    kernel_size: int | tuple[int],
    stride: int | tuple[int] | None = None,
    padding: int | tuple[int] = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """Mean over each window of k samples: x (N, C, L) -> (N, C, Lo) (one signal (C, L) too),
    Lo = (L + 2*p - k) // s + 1 (rounded up with ceil_mode, as PyTorch's).

    Arguments as PyTorch's (ints or 1-tuples; `stride` defaults to `kernel_size`; PyTorch's
    avg_pool1d has no divisor_override); the divisor is avg_pool2d's.
    """
    k = single(kernel_size, "kernel_size", "avg_pool1d", minimum=1)
    s = k if stride is None else single(stride, "stride", "avg_pool1d", minimum=1)
    p = single(padding, "padding", "avg_pool1d", minimum=0)

    def pool(x4: Tensor) -> Tensor:
        return avg_pool2d(x4, (1, k), (1, s), (0, p), ceil_mode, count_include_pad)

    return _as_2d("avg_pool1d", x, pool)


def _as_2d(op: str, x: Any, pool: Callable[[Tensor], Tensor]) -> Tensor:
    """pool (a 2-d pooling) of x (N, C, L) or (C, L) seen as (N, C, 1, L), the axis dropped."""
    x_shape = tuple(shape_of(x))
    if len(x_shape) == 2:  # one signal: a batch of one, as PyTorch
        y = _as_2d(op, x.reshape(1, *x_shape), pool)
        return y.reshape(y.shape[1:])
    if len(x_shape) != 3:
        raise ShapeError(f"{op}: expected input (N, C, L) or (C, L), got shape {x_shape}")
    n, c, length = x_shape
    try:
        y = pool(x.reshape(n, c, 1, length))
    except ShapeError as error:  # the 2-d op's message is about the (N, C, 1, L) view
        raise ShapeError(f"{op}: input {x_shape} (run on (N, C, 1, L)): {error}") from None
    return y.reshape(n, c, y.shape[3])
