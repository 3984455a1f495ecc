"""linear: the affine layer y = x @ weight.T + bias as one fused op.

One compute node instead of three (transpose, matmul, add): the graph reads "linear", and a
training step of an MLP does a third of the bookkeeping. The backward formula uses only matmul,
GEMM (a product with a transposed operand, `autodiff.ops.linalg.gemm`), reshape and sum, which
Tensors also support, so it records a graph under `create_graph=True` (higher-order gradients
work): three nodes per layer, the weight gradient g.T @ x one of them.
"""

from __future__ import annotations

import numpy as np

from autodiff import Function, ShapeError, Tensor, threads
from autodiff.ops.linalg import check_product_dtypes, gemm


class Linear(Function):
    """The fused affine op; use `linear(...)`."""

    op = "linear"

    @staticmethod
    def forward(ctx, x, weight, bias=None):
        ctx.save_for_backward(x, weight)
        y = _product(x, weight.T)
        if bias is not None:
            if np.result_type(y, bias) == y.dtype:
                y += bias  # in place: y is fresh from the matmul, no second output array
            else:
                y = y + bias  # a wider bias promotes the result, as numpy would
        return y

    @staticmethod
    def backward(ctx, g):
        x, weight = ctx.saved_tensors
        need_x, need_w, *need_b = ctx.needs_input_grad
        if need_x:  # 2-d: a gemm, one node under create_graph without the `@` dispatch
            gx = gemm(g, weight) if g.ndim == 2 else g @ weight
        else:
            gx = None
        # Leading batch dimensions are folded into one: (..., out) -> (B, out). (Not for 2-d
        # inputs: under create_graph each reshape would be a node of the recorded graph.)
        g2 = g if g.ndim == 2 else g.reshape(-1, g.shape[-1])
        x2 = x if x.ndim == 2 else x.reshape(-1, x.shape[-1])
        gw = gemm(g2, x2, trans_a=True) if need_w else None  # g2.T @ x2, one node if recorded
        gb = g2.sum(axis=0) if need_b and need_b[0] else None
        return gx, gw, gb


def _product(a, b):
    """a @ b, 2-d numpy products split over glassgrad's threads (`autodiff.threads`); Tensors
    (a backward under create_graph) and batched products go through `@`."""
    if type(a) is np.ndarray and type(b) is np.ndarray and a.ndim == b.ndim == 2:
        return threads.matmul(a, b)
    return a @ b


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x (..., in_features), weight (out_features, in_features), bias (out_features,) or None
    -> (..., out_features): x @ weight.T + bias, PyTorch's layout."""
    if weight.ndim != 2 or x.shape[-1:] != weight.shape[1:]:
        raise ShapeError(
            f"linear: input of shape {tuple(x.shape)} does not fit weight of shape "
            f"{tuple(weight.shape)} (expected input (..., {weight.shape[-1]}))"
        )
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise ShapeError(
            f"linear: expected bias of shape ({weight.shape[0]},), got {tuple(bias.shape)}"
        )
    # PyTorch's rule: one dtype, no promotion (a float64 input to a float32 layer raises)
    dtype = weight.dtype
    if x.dtype is not dtype or (bias is not None and bias.dtype is not dtype):
        check_product_dtypes("linear: ", x.dtype, dtype, "input and weight")
        if bias is not None:
            check_product_dtypes("linear: ", dtype, bias.dtype, "weight and bias")
    if bias is None:
        return Linear.apply(x, weight)
    return Linear.apply(x, weight, bias)
