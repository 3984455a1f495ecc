"""Softmax and log-softmax along an axis, stable at any finite input (shifted by the max).

At the edges of the floating-point range the shift meets inf - inf (a slice holding +inf: NaN,
as PyTorch gives) or overflows to -inf (x - max(x) below -dtype max: exp gives the exact 0).
Those results are right, so numpy's warnings about them are silenced, not the values changed;
tests compare values and gradients with PyTorch at +-inf, 1e30, the dtype's max and NaN.
float16 is computed in float32 and rounded once, forward and backward, as PyTorch's.
"""

from __future__ import annotations

import numpy as np

from ..dtypes import float_valued, narrowed, widened
from ..function import Function
from ..registry import along_axis, register


@register("softmax", form=along_axis)
class Softmax(Function):
    op = "softmax"

    @staticmethod
    def forward(ctx, x, axis=-1):
        x = float_valued(x)
        (wide,) = widened(x)
        with np.errstate(invalid="ignore", over="ignore"):
            e = np.exp(wide - np.max(wide, axis=axis, keepdims=True))
            y = (e / np.sum(e, axis=axis, keepdims=True)).astype(x.dtype, copy=False)
        ctx.axis = axis
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        wy, wg = widened(y, g)
        return narrowed(wy * (wg - (wg * wy).sum(axis=ctx.axis, keepdims=True)), g.dtype)


@register("log_softmax", form=along_axis)
class LogSoftmax(Function):
    op = "log_softmax"

    @staticmethod
    def forward(ctx, x, axis=-1):
        x = float_valued(x)
        (wide,) = widened(x)
        with np.errstate(invalid="ignore", over="ignore"):
            shifted = wide - np.max(wide, axis=axis, keepdims=True)
            # the log of the sum is rounded to x's dtype before it is subtracted, as PyTorch's
            # kernel keeps it (a float16 log_softmax differed in the last bit without it)
            log_sum = np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
            y = shifted - log_sum.astype(x.dtype).astype(wide.dtype, copy=False)
            y = y.astype(x.dtype, copy=False)  # below float16's range: -inf, as PyTorch's
        ctx.axis = axis
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        wy, wg = widened(y, g)
        return narrowed(wg - np.exp(wy) * wg.sum(axis=ctx.axis, keepdims=True), g.dtype)
