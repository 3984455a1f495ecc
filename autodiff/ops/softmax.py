"""Softmax and log-softmax along an axis, stable at any finite input (shifted by the max).

At the edges of the floating-point range the shift meets inf - inf (a slice holding +inf: NaN,
as PyTorch gives) or overflows to -inf (x - max(x) below -dtype max: exp gives the exact 0).
Those results are right, so numpy's warnings about them are silenced, not the values changed;
tests compare values and gradients with PyTorch at +-inf, 1e30, the dtype's max and NaN.
"""

from __future__ import annotations

import numpy as np

from ..dtypes import float_valued
from ..function import Function
from ..registry import along_axis, register


@register("softmax", form=along_axis)
class Softmax(Function):
    op = "softmax"

    @staticmethod
    def forward(ctx, x, axis=-1):
        x = float_valued(x)
        with np.errstate(invalid="ignore", over="ignore"):
            e = np.exp(x - np.max(x, axis=axis, keepdims=True))
            y = e / np.sum(e, axis=axis, keepdims=True)
        ctx.axis = axis
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return y * (g - (g * y).sum(axis=ctx.axis, keepdims=True))


@register("log_softmax", form=along_axis)
class LogSoftmax(Function):
    op = "log_softmax"

    @staticmethod
    def forward(ctx, x, axis=-1):
        x = float_valued(x)
        with np.errstate(invalid="ignore", over="ignore"):
            shifted = x - np.max(x, axis=axis, keepdims=True)
            y = shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
        ctx.axis = axis
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g - np.exp(y) * g.sum(axis=ctx.axis, keepdims=True)
