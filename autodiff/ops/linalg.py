"""Matrix product: 1-d, 2-d and batched operands with broadcast batch dimensions."""

from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from ..function import Function
from ..registry import binary, register


@register("matmul", operator="matmul", numpy=np.matmul, form=binary)
class MatMul(Function):
    op = "matmul"

    @staticmethod
    def forward(ctx, a, b):
        a_shape, b_shape = np.shape(a), np.shape(b)
        if not a_shape or not b_shape:
            raise ShapeError(f"matmul: {a_shape} @ {b_shape}: 0-d operands are not allowed")
        k_a = a_shape[-1]
        k_b = b_shape[-2] if len(b_shape) > 1 else b_shape[0]
        if k_a != k_b:
            raise ShapeError(
                f"matmul: {a_shape} @ {b_shape}: inner dimensions differ ({k_a} != {k_b})"
            )
        ctx.save_for_backward(a, b)
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        # Treat 1-d operands as a row (a) / column (b) matrix, as matmul itself does.
        a_vec, b_vec = a.ndim == 1, b.ndim == 1
        if b_vec:
            g = g[..., None]
            b = b[:, None]
        if a_vec:
            g = g[..., None, :]
            a = a[None, :]
        ga = gb = None
        if need_a:
            ga = g @ b.swapaxes(-1, -2)
            if a_vec:
                ga = ga[..., 0, :]
        if need_b:
            gb = a.swapaxes(-1, -2) @ g
            if b_vec:
                gb = gb[..., 0]
        return ga, gb
