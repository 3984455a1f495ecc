"""Matrix product: 1-d, 2-d and batched operands with broadcast batch dimensions; PyTorch's
`dot` (1-d only) and numpy's `np.dot` on a Tensor (numpy's rules), both built on it."""

from __future__ import annotations

import string
from typing import Any

import numpy as np

from .. import threads
from ..errors import DtypeError, ShapeError
from ..function import Function
from ..registry import binary, register, to_tensor
from ..tensor import Tensor
from .einsum import einsum


def _product(a, b):
    """a @ b; 2-d numpy products split over glassgrad's threads (a Tensor under create_graph,
    or a batched product, goes through `@`)."""
    if type(a) is np.ndarray and type(b) is np.ndarray and a.ndim == b.ndim == 2:
        return threads.matmul(a, b)
    return a @ b


_BOOL = np.dtype(bool)


def check_product_dtypes(op: str, a: np.dtype, b: np.dtype, names: str = "both operands") -> None:
    """Refuse what PyTorch's matrix products refuse: two dtypes (it does not promote; numpy
    would) and bool. A DtypeError: a RuntimeError, as PyTorch's, and a TypeError. `op` is the
    message's prefix ("" inside a Function's forward, whose errors apply() prefixes)."""
    if a != b:
        raise DtypeError(
            f"{op}expected {names} to have the same dtype, but got: {a} != {b} (PyTorch "
            f"does not promote in matrix products; convert one first, e.g. .to({a}))"
        )
    if a == _BOOL:
        raise NotImplementedError(f"{op}not implemented for bool tensors (PyTorch's rule)")


@register("matmul", operator="matmul", numpy=np.matmul, form=binary)
class MatMul(Function):
    op = "matmul"

    @staticmethod
    def forward(ctx, a, b):
        a_shape, b_shape = np.shape(a), np.shape(b)
        if not a_shape or not b_shape:
            raise ShapeError(f"matmul: {a_shape} @ {b_shape}: 0-d operands are not allowed")
        # PyTorch's rule: one dtype, no promotion (float32 @ float64 raises), and no bool. A
        # dtype comparison only, on the hot path (dtypes of one kind are one object).
        dtype = a.dtype
        if getattr(b, "dtype", dtype) is not dtype or dtype is _BOOL:
            check_product_dtypes("", dtype, np.asarray(b).dtype)  # (apply() names matmul)
        k_a = a_shape[-1]
        k_b = b_shape[-2] if len(b_shape) > 1 else b_shape[0]
        if k_a != k_b:
            raise ShapeError(
                f"matmul: {a_shape} @ {b_shape}: inner dimensions differ ({k_a} != {k_b})"
            )
        ctx.save_for_backward(a, b)
        if len(a_shape) == len(b_shape) == 2:
            return threads.matmul(a, b)  # split over glassgrad's threads, if several
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
            ga = _product(g, b.swapaxes(-1, -2))
            if a_vec:
                ga = ga[..., 0, :]
        if need_b:
            gb = _product(a.swapaxes(-1, -2), g)
            if b_vec:
                gb = gb[..., 0]
        return ga, gb


class Gemm(Function):
    """op(a) @ op(b) for 2-d a and b, where op transposes an operand whose flag is set: BLAS's
    GEMM. Not a public op: backward formulas use it (`gemm`), so that under create_graph a
    product with a transposed operand, such as linear's weight gradient g.T @ x, is one node
    of the recorded graph instead of a transpose and a matmul. The gradients of a Gemm are
    Gemms, so it is differentiable to any order; `tests/autodiff/test_ops_linalg.py` compares
    it with the transpose and matmul it replaces."""

    op = "matmul"

    @staticmethod
    def forward(ctx, a, b, trans_a, trans_b):
        a_op = a.T if trans_a else a
        b_op = b.T if trans_b else b
        if a.ndim != 2 or b.ndim != 2 or a_op.shape[1] != b_op.shape[0]:
            raise ShapeError(
                f"gemm: {'a.T' if trans_a else 'a'} @ {'b.T' if trans_b else 'b'} with a of "
                f"shape {a.shape} and b of shape {b.shape}: 2-d operands with matching inner "
                "dimensions expected"
            )
        ctx.save_for_backward(a, b)
        ctx.trans = trans_a, trans_b
        return threads.matmul(a_op, b_op)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        trans_a, trans_b = ctx.trans
        a_in, b_in, _, _ = ctx.args  # (and the two flags)
        need_a = isinstance(a_in, Tensor) and a_in._requires_grad
        need_b = isinstance(b_in, Tensor) and b_in._requires_grad
        # op(a) gets g @ op(b).T and op(b) gets op(a).T @ g; a transposed operand gets the
        # transpose of its share, spelled as a Gemm with the operands swapped.
        ga = gb = None
        if need_a:
            ga = gemm(b, g, trans_b, True) if trans_a else gemm(g, b, False, not trans_b)
        if need_b:
            gb = gemm(g, a, True, trans_a) if trans_b else gemm(a, g, not trans_a, False)
        return ga, gb


def gemm(a: Any, b: Any, trans_a: bool = False, trans_b: bool = False) -> Any:
    """op(a) @ op(b) for 2-d operands (see `Gemm`): recorded when either is a Tensor (a backward
    under create_graph), else computed on the arrays."""
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return Gemm.apply(a, b, trans_a, trans_b)
    return threads.matmul(a.T if trans_a else a, b.T if trans_b else b)


def gemm_reference(a: Any, b: Any, trans_a: bool = False, trans_b: bool = False) -> Any:
    """The plain version of `gemm`: a transpose per flagged operand, then a matmul (two or three
    nodes of a recorded graph)."""
    return (a.T if trans_a else a) @ (b.T if trans_b else b)


@register("dot")
def dot(a: Any, b: Any) -> Tensor:
    """torch.dot: the inner product of two 1-d tensors of the same length and dtype (anything
    else raises, as in PyTorch; `matmul` and `einsum` take the rest)."""
    a, b = to_tensor(a), to_tensor(b)
    if a.ndim != 1 or b.ndim != 1:
        raise ShapeError(
            f"dot: 1-d tensors expected, but got {a.ndim}-d and {b.ndim}-d tensors (shapes "
            f"{a.shape} and {b.shape}); use matmul or einsum for more dimensions"
        )
    if a.shape != b.shape:
        raise ShapeError(f"dot: inconsistent tensor size: {a.shape[0]} and {b.shape[0]} elements")
    check_product_dtypes("dot: ", a.dtype, b.dtype, "both vectors")
    return MatMul.apply(a, b)


@register(methods=(), functions=(), numpy=np.dot)
def numpy_dot(a: Any, b: Any, out: Any = None) -> Tensor:
    """np.dot on a Tensor, numpy's rules: a product with a 0-d operand, matmul up to a 2-d
    second operand (or a 1-d first one), else the sum over a's last axis and b's second-to-last
    (an einsum)."""
    if out is not None:
        raise TypeError("np.dot on a Tensor: out= is not supported (it would not be recorded)")
    a = a if isinstance(a, Tensor) else Tensor(np.asarray(a))
    if np.ndim(b) == 0 or a.ndim == 0:
        return a * b
    b = b if isinstance(b, Tensor) else Tensor(np.asarray(b))
    if a.dtype != b.dtype:  # numpy's promotion, which PyTorch's products refuse (matmul)
        dtype = np.promote_types(a.dtype, b.dtype)
        a, b = a.to(dtype), b.to(dtype)
    if b.ndim <= 2 or a.ndim == 1:
        return MatMul.apply(a, b)
    letters = iter(string.ascii_letters)
    sum_over = next(letters)
    left = "".join(next(letters) for _ in range(a.ndim - 1))
    right = "".join(next(letters) for _ in range(np.ndim(b) - 1))
    equation = f"{left}{sum_over},{right[:-1]}{sum_over}{right[-1]}->{left}{right}"
    return einsum(equation, a, b)
