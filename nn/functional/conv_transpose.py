"""2-d transposed convolution (PyTorch's conv_transpose2d) as one fused op.

A transposed convolution is the input-gradient of a convolution: x (N, Cin, H, W) is spread
back through a conv2d whose input has Cout channels and whose Cin filters are the weight
(Cin, Cout/G, kh, kw). So its kernels are conv2d's, the other way round:

- forward  = conv2d's dx: one batched GEMM over the groups, w_g^T @ x_g (Cout/G*kh*kw, N*H*W),
             then col2im onto the padded output (every output pixel gets the sum of what each
             input pixel's window sent it), the padding cropped, the bias added;
- dx       = conv2d's forward of the gradient: im2col of the padded gradient, then w_g @ cols_g;
- dweight  = x_g (Cin/G, N*H*W) @ cols_g^T, with the same columns;
- dbias    = the gradient summed over the batch and positions.

The padded output is (Hout + 2*ph, Wout + 2*pw), Hout = (H - 1)*sh - 2*ph + dh*(kh - 1) + oph + 1:
input pixel i's window starts at row i*sh, and the output_padding rows past the last window
receive nothing (zeros, then the bias), as PyTorch's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autodiff import Function, ShapeError, Tensor

from ._dtypes import check_dtypes
from ._im2col import Pair, col2im, im2col, pad, pair, recycle, shape_of, unpad
from ._unbatched import is_one_image, one_image
from .conv import _check_groups


class ConvTranspose2d(Function):
    """The fused conv_transpose2d op; use `conv_transpose2d(...)`, which checks its arguments."""

    op = "conv_transpose2d"
    supports_create_graph = False  # backward is numpy code, not differentiable ops

    @staticmethod
    def forward(
        ctx,
        x,
        w,
        b=None,
        *,
        stride: Pair,
        padding: Pair,
        output_padding: Pair,
        groups: int,
        dilation: Pair,
        out_size: Pair,
    ):
        n, cin, h, width = x.shape
        cout = w.shape[1] * groups
        padded_shape = (n, cout, out_size[0] + 2 * padding[0], out_size[1] + 2 * padding[1])
        xt = _transposed(x)  # (Cin, N*H*W)
        grouped_x = xt.reshape(groups, cin // groups, xt.shape[1])  # (G, Cin/G, N*H*W)
        weights = w.reshape(groups, cin // groups, -1)  # (G, Cin/G, Cout/G*kh*kw)
        cols = np.matmul(weights.transpose(0, 2, 1), grouped_x)  # (G, Cout/G*kh*kw, N*H*W)
        cols = cols.reshape(_taps(w) * groups, cols.shape[2])  # (Cout*kh*kw, N*H*W): im2col's
        out = col2im(cols, padded_shape, w.shape[2:], stride, (h, width), dilation)
        out = np.ascontiguousarray(unpad(out, padding))
        if b is not None:
            out = out + b[:, None, None]  # numpy's promotion, as conv2d's
        if ctx.recording:
            ctx.save_for_backward(x, w)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        kwargs = ctx.kwargs
        stride, padding, dilation = kwargs["stride"], kwargs["padding"], kwargs["dilation"]
        groups = kwargs["groups"]
        need_x, need_w, need_b = (*ctx.needs_input_grad, False)[:3]
        n, cin = x.shape[:2]
        dx = dw = db = None
        if need_x or need_w:
            # The gradient's windows are the forward's: the convolution whose dx was the forward
            cols = im2col(pad(grad, padding), w.shape[2:], stride, x.shape[2:], dilation=dilation)
            grouped_cols = cols.reshape(groups, _taps(w), cols.shape[1])  # (G, Cout/G*kh*kw, N*H*W)
            if need_x:
                weights = w.reshape(groups, cin // groups, -1)  # (G, Cin/G, Cout/G*kh*kw)
                product = np.matmul(weights, grouped_cols)  # (G, Cin/G, N*H*W)
                dx = product.reshape(cin, n, *x.shape[2:]).transpose(1, 0, 2, 3)
                dx = np.ascontiguousarray(dx)
            if need_w:
                xt = _transposed(x)  # (Cin, N*H*W)
                grouped_x = xt.reshape(groups, cin // groups, xt.shape[1])
                dw = np.matmul(grouped_x, grouped_cols.transpose(0, 2, 1)).reshape(w.shape)
            recycle(cols)
        if need_b:
            db = grad.sum(axis=(0, 2, 3))
        return dx, dw, db


def conv_transpose2d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
    output_padding: int | tuple[int, int] = 0,
    groups: int = 1,
    dilation: int | tuple[int, int] = 1,
) -> Tensor:
    """2-d transposed convolution ("deconvolution"), PyTorch's, in its argument order.

    x (N, Cin, H, W) (or one image (Cin, H, W) -> (Cout, Hout, Wout)), weight
    (Cin, Cout/groups, kh, kw), bias (Cout,) or None -> (N, Cout, Hout, Wout), where
    Hout = (H - 1)*sh - 2*ph + dh*(kh - 1) + oph + 1 (Wout likewise). It is the gradient of
    `conv2d(y, weight, stride=stride, padding=padding, dilation=dilation, groups=groups)` with
    respect to y of that size. `stride`, `padding`, `output_padding` and `dilation` are an int
    or an (h, w) pair; output_padding (extra rows and columns at the bottom and right) must be
    smaller than the stride or the dilation in each dimension, as PyTorch's. `groups` splits
    Cin and Cout into that many groups. float32 in gives float32 out and float32 gradients.
    Shapes that do not fit raise a ShapeError (a ValueError, and PyTorch's RuntimeError).
    """
    if is_one_image(x):
        return one_image(
            conv_transpose2d, x, weight, bias, stride, padding, output_padding, groups, dilation
        )
    where = "conv_transpose2d"
    check_dtypes(where, x, ("weight", weight), ("bias", bias))  # one dtype, as PyTorch's
    if isinstance(padding, str):  # PyTorch's takes no "same"/"valid" here either
        raise TypeError(f"{where}: padding must be an int or a pair of ints, not {padding!r}")
    stride = pair(stride, "stride", where, minimum=1)
    padding = pair(padding, "padding", where, minimum=0)
    output_padding = pair(output_padding, "output_padding", where, minimum=0)
    dilation = pair(dilation, "dilation", where, minimum=1)
    groups = _check_groups(groups, where) if groups != 1 else 1
    x_shape, w_shape = tuple(shape_of(x)), tuple(shape_of(weight))
    out_size = check_shapes(
        x_shape, w_shape, bias, stride, padding, output_padding, groups, dilation
    )
    args = (x, weight) if bias is None else (x, weight, bias)
    return ConvTranspose2d.apply(
        *args,
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        groups=groups,
        dilation=dilation,
        out_size=out_size,
    )


def transposed_size(size: Pair, kernel: Pair, stride: Pair, padding: Pair, dilation: Pair) -> Pair:
    """The smallest output (Hout, Wout) of a transposed convolution of an (H, W) input, before
    output_padding: (H - 1)*s - 2*p + d*(k - 1) + 1."""
    return tuple(  # type: ignore[return-value]
        (n - 1) * s - 2 * p + d * (k - 1) + 1
        for n, k, s, p, d in zip(size, kernel, stride, padding, dilation)
    )


def check_shapes(
    x_shape: tuple[int, ...],
    w_shape: tuple[int, ...],
    bias: Any,
    stride: Pair,
    padding: Pair,
    output_padding: Pair,
    groups: int,
    dilation: Pair,
) -> Pair:
    """Raise a ShapeError naming the shapes unless they fit (PyTorch's checks); return
    (Hout, Wout)."""
    where = "conv_transpose2d"
    if len(x_shape) != 4:
        raise ShapeError(f"{where}: expected input (N, Cin, H, W) or (Cin, H, W), got {x_shape}")
    if len(w_shape) != 4:
        raise ShapeError(f"{where}: expected weight (Cin, Cout / groups, kh, kw), got {w_shape}")
    if w_shape[0] == 0:  # PyTorch refuses it too: nothing to spread
        raise ShapeError(f"{where}: weight {w_shape} has no input channels")
    if w_shape[0] % groups:
        raise ShapeError(
            f"{where}: weight {w_shape} has {w_shape[0]} input channels, which groups={groups} "
            "does not divide"
        )
    if x_shape[1] != w_shape[0]:
        raise ShapeError(
            f"{where}: input {x_shape} has {x_shape[1]} channels but weight {w_shape} "
            f"expects {w_shape[0]} (weight.shape[0])"
        )
    cout = w_shape[1] * groups
    if bias is not None and tuple(shape_of(bias)) != (cout,):
        raise ShapeError(
            f"{where}: expected bias of shape ({cout},) for weight {w_shape} with groups="
            f"{groups}, got shape {tuple(shape_of(bias))}"
        )
    for name, op, s, d in zip(("height", "width"), output_padding, stride, dilation):
        if op >= s and op >= d:
            raise ShapeError(
                f"{where}: output_padding {output_padding} must be smaller than either the "
                f"stride {stride} or the dilation {dilation} (in {name})"
            )
    smallest = transposed_size(x_shape[2:], w_shape[2:], stride, padding, dilation)
    out_size = (smallest[0] + output_padding[0], smallest[1] + output_padding[1])
    if min(out_size) <= 0:
        raise ShapeError(
            f"{where}: input {x_shape} with kernel {w_shape[2:]}, stride {stride}, padding "
            f"{padding}, dilation {dilation} and output_padding {output_padding} gives the "
            f"output size {out_size}, which is too small"
        )
    return out_size


def _transposed(x: np.ndarray) -> np.ndarray:
    """(N, C, H, W) -> (C, N*H*W), contiguous: the images in the columns' layout (an empty
    batch too)."""
    n, c, h, w = x.shape
    return np.ascontiguousarray(x.transpose(1, 0, 2, 3)).reshape(c, n * h * w)


def _taps(w: np.ndarray) -> int:
    """Cout/G * kh * kw: the rows of one input channel's columns."""
    return w.shape[1] * w.shape[2] * w.shape[3]
