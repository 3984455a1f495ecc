"""Max unpooling (PyTorch's max_unpool2d / max_unpool1d): the partial inverse of max pooling.

The input's values go back to the pixels that max pooling's indices name, in a zero image of
the size before pooling: y (N, C, Hout, Wout) is zeros, then y[n, c].flat[indices[n, c]] =
x[n, c] per (n, c) plane (PyTorch's per-plane flat indices, as max_pool2d(...,
return_indices=True) gives them). Where two values name one pixel, the later one in the
plane's row-major order is kept (PyTorch's CPU kernel on a batch writes them in that order;
its unbatched path sometimes keeps another, so PyTorch leaves the choice unspecified). The gradient
of x is the output's gradient gathered at the indices, at every index (a value overwritten in
forward still gets the gradient of the pixel it named, as PyTorch's backward does).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autodiff import DtypeError, Function, ShapeError, Tensor

from ._im2col import Pair, pair
from .conv1d import single


class MaxUnpool2d(Function):
    """The unpooling op; use `max_unpool2d(...)`, which checks its arguments."""

    op = "max_unpool2d"
    supports_create_graph = False  # backward is numpy code, not differentiable ops

    @staticmethod
    def forward(
        ctx, x, *, indices: np.ndarray, out_size: Pair, kernel: Pair, stride: Pair, padding: Pair
    ):
        # kernel, stride and padding only gave out_size; kept in the graph for ONNX's MaxUnpool
        n, c, h, w = x.shape
        planes = indices.reshape(n * c, h * w)  # flat positions, one row per (n, c) plane
        out = np.zeros((n * c, out_size[0] * out_size[1]), dtype=x.dtype)
        # numpy assigns repeated positions in order: the plane's last value stays (PyTorch's)
        out[np.arange(n * c)[:, None], planes] = x.reshape(n * c, h * w)
        ctx.planes = planes
        ctx.shape = x.shape
        return out.reshape(n, c, *out_size)

    @staticmethod
    def backward(ctx, grad):
        flat = grad.reshape(ctx.planes.shape[0], grad.shape[2] * grad.shape[3])
        return np.take_along_axis(flat, ctx.planes, axis=1).reshape(ctx.shape)


def max_unpool2d(
    x: Tensor,
    indices: Tensor,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
    output_size: Any = None,
) -> Tensor:
    """x (N, C, H, W) and indices (N, C, H, W) int64 -> (N, C, Hout, Wout); one image (C, H, W)
    too. Zeros, with each value at the flat position in its (Hout * Wout) plane that its index
    names (max_pool2d(..., return_indices=True)'s indices).

    Hout = (H - 1) * stride - 2 * padding + kernel (Wout likewise; `stride` defaults to
    `kernel_size`), or `output_size` ((Hout, Wout) or (N, C, Hout, Wout)), which must lie
    strictly within `stride` of that, as PyTorch's. Differentiable in x only.
    """
    return _unpool("max_unpool2d", x, indices, kernel_size, stride, padding, output_size, 2)


def max_unpool1d(
    x: Tensor,
    indices: Tensor,
    kernel_size: int | tuple[int],
    stride: int | tuple[int] | None = None,
    padding: int | tuple[int] = 0,
    output_size: Any = None,
) -> Tensor:
    """x (N, C, L) and indices (N, C, L) int64 -> (N, C, Lout); one signal (C, L) too. Zeros,
    with each value at the position its index names (max_pool1d's indices); Lout = (L - 1) *
    stride - 2 * padding + kernel, or `output_size` ((Lout,) or (N, C, Lout)), as PyTorch's.
    Run as max_unpool2d on (N, C, 1, L)."""
    return _unpool("max_unpool1d", x, indices, kernel_size, stride, padding, output_size, 1)


def _unpool(
    op: str, x: Any, indices: Any, kernel_size, stride, padding, output_size, dims: int
) -> Tensor:
    """Check the arguments of max_unpool{dims}d (errors name the op and the shapes) and run the
    op on the (N, C, H, W) view (1-d: H = 1)."""
    if dims == 2:
        kernel = pair(kernel_size, "kernel_size", op, minimum=1)
        strides = kernel if stride is None else pair(stride, "stride", op, minimum=1)
        pads = pair(padding, "padding", op, minimum=0)
    else:
        kernel = (single(kernel_size, "kernel_size", op, minimum=1),)
        strides = kernel if stride is None else (single(stride, "stride", op, minimum=1),)
        pads = (single(padding, "padding", op, minimum=0),)
    x_shape = tuple(np.shape(x))
    if len(x_shape) not in (dims + 1, dims + 2):
        batch = "(N, C, H, W) or (C, H, W)" if dims == 2 else "(N, C, L) or (C, L)"
        raise ShapeError(f"{op}: expected input {batch}, got shape {x_shape}")
    index = indices.data if isinstance(indices, Tensor) else np.asarray(indices)
    if index.dtype != np.int64:
        raise DtypeError(
            f"{op}: indices must be int64 (as max_pool{dims}d(..., return_indices=True) gives "
            f"them), got {index.dtype}"
        )
    if index.shape != x_shape:
        raise ShapeError(
            f"{op}: indices must have the input's shape {x_shape}, got {tuple(index.shape)}"
        )
    sizes = _output_size(op, x_shape[-dims:], kernel, strides, pads, output_size)
    plane = int(np.prod(sizes))
    if index.size and (index.min() < 0 or index.max() >= plane):
        bad = index.min() if index.min() < 0 else index.max()
        raise RuntimeError(
            f"{op}: index {bad} is out of range for output planes of {'x'.join(map(str, sizes))}"
            f" (= {plane} positions; input {x_shape})"
        )
    batched = len(x_shape) == dims + 2
    n, c = x_shape[:2] if batched else (1, x_shape[0])
    x4 = x.reshape(n, c, *((1,) if dims == 1 else ()), *x_shape[-dims:])
    out_size = (1, *sizes) if dims == 1 else sizes
    geometry = {"kernel": kernel, "stride": strides, "padding": pads}
    if dims == 1:
        geometry = {name: (1 if name != "padding" else 0, *v) for name, v in geometry.items()}
    y = MaxUnpool2d.apply(x4, indices=index.reshape(x4.shape), out_size=tuple(out_size), **geometry)
    return y.reshape(*x_shape[:-dims], *sizes)


def _output_size(op: str, in_sizes, kernel, stride, padding, output_size) -> tuple[int, ...]:
    """PyTorch's unpooled sizes: (in - 1) * stride - 2 * padding + kernel per side, or
    `output_size` (its last `dims` entries when it has dims + 2), each strictly within
    `stride` of that."""
    default = [(i - 1) * s + k - 2 * p for i, k, s, p in zip(in_sizes, kernel, stride, padding)]
    if output_size is None:
        sizes = default
    else:
        given = [int(v) for v in output_size]
        if len(given) == len(kernel) + 2:
            given = given[2:]
        if len(given) != len(kernel):
            raise ValueError(
                f"{op}: output_size should be a sequence containing {len(kernel)} or "
                f"{len(kernel) + 2} elements, but it has a length of '{len(given)}'"
            )
        for d, (size, base, s) in enumerate(zip(given, default, stride)):
            if not base - s < size < base + s:
                raise ValueError(
                    f'{op}: invalid output_size "{tuple(output_size)}" (dim {d} must be '
                    f"between {base - s} and {base + s})"
                )
        sizes = given
    for d, size in enumerate(sizes):
        if size < 0:
            raise ValueError(
                f"{op}: output_size must contain non-negative spatial dimensions, but got "
                f"output_size[{d}]={size} (input {tuple(in_sizes)})"
            )
    return tuple(sizes)
