"""PyTorch's matrix products of fixed ranks: `mm` (2-d), `bmm` (3-d batches), `mv`, `outer`/`ger`
and `addmm`. Each checks its operands' ranks, sizes and dtypes as PyTorch does (no broadcasting,
no promotion, except `outer`'s, which is an elementwise product) and is then `matmul` (or
`*`), whose gradients they share. Errors are `ShapeError` (a ValueError) for shapes and
`DtypeError` (a TypeError and a RuntimeError, as PyTorch's) for dtypes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ShapeError
from ..registry import register, to_tensor
from ..tensor import Tensor
from ._zero_grad import with_zero_gradient
from .aliases import refuse_out
from .linalg import MatMul, check_product_dtypes


def _rank(op: str, t: Tensor, name: str, ndim: int, what: str) -> None:
    if t.ndim != ndim:
        raise ShapeError(f"{op}: {name} must be {what}, got a {t.ndim}-d tensor of shape {t.shape}")


def _same_dtype(op: str, a: Tensor, b: Tensor) -> None:
    check_product_dtypes(f"{op}: ", a.dtype, b.dtype, "m1 and m2")


def _sizes(shape: tuple[int, ...]) -> str:
    return "x".join(map(str, shape))


@register("mm")
def mm(input: Any, mat2: Any, *, out: Any = None) -> Tensor:
    """(n, m) @ (m, p) -> (n, p): 2-d operands only, of one dtype."""
    refuse_out("mm", out)
    a, b = to_tensor(input), to_tensor(mat2)
    _rank("mm", a, "self", 2, "a matrix")
    _rank("mm", b, "mat2", 2, "a matrix")
    if a.shape[1] != b.shape[0]:
        raise ShapeError(
            f"mm: mat1 and mat2 shapes cannot be multiplied ({_sizes(a.shape)} and "
            f"{_sizes(b.shape)})"
        )
    _same_dtype("mm", a, b)
    return MatMul.apply(a, b)


@register("bmm")
def bmm(input: Any, mat2: Any, *, out: Any = None) -> Tensor:
    """(b, n, m) @ (b, m, p) -> (b, n, p): 3-d operands with the same batch size (no
    broadcasting), of one dtype."""
    refuse_out("bmm", out)
    a, b = to_tensor(input), to_tensor(mat2)
    _rank("bmm", a, "batch1", 3, "a 3D tensor")
    _rank("bmm", b, "batch2", 3, "a 3D tensor")
    if b.shape[:2] != (a.shape[0], a.shape[2]):
        raise ShapeError(
            f"bmm: expected size for first two dimensions of batch2 tensor to be: "
            f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}] (shapes "
            f"{a.shape} and {b.shape})"
        )
    _same_dtype("bmm", a, b)
    return MatMul.apply(a, b)


@register("mv")
def mv(input: Any, vec: Any, *, out: Any = None) -> Tensor:
    """(n, m) @ (m,) -> (n,): a matrix times a vector, of one dtype."""
    refuse_out("mv", out)
    a, v = to_tensor(input), to_tensor(vec)
    if a.ndim != 2 or v.ndim != 1:
        raise ShapeError(
            f"mv: vector + matrix @ vector expected, got a {a.ndim}-d matrix {a.shape} and a "
            f"{v.ndim}-d vector {v.shape}"
        )
    if a.shape[1] != v.shape[0]:
        raise ShapeError(f"mv: size mismatch, got mat ({_sizes(a.shape)}), vec ({v.shape[0]})")
    _same_dtype("mv", a, v)
    return MatMul.apply(a, v)


@register("outer", "ger")
def outer(input: Any, vec2: Any, *, out: Any = None) -> Tensor:
    """(n,) and (m,) -> (n, m), `input[i] * vec2[j]`: PyTorch's elementwise product of the
    column and the row (so dtypes promote, as `*`'s)."""
    refuse_out("outer", out)
    a, b = to_tensor(input), to_tensor(vec2)
    for name, t in (("self", a), ("vec2", b)):
        if t.ndim != 1:
            raise ShapeError(
                f"outer: expected 1-D argument {name}, but got {t.ndim}-D (shape {t.shape})"
            )
    return a.reshape(-1, 1) * b


@register("addmm")
def addmm(
    input: Any, mat1: Any, mat2: Any, *, beta: Any = 1, alpha: Any = 1, out: Any = None
) -> Tensor:
    """`beta * input + alpha * (mat1 @ mat2)`: `mm` of (n, m) and (m, p), plus `input`
    broadcast to (n, p). With `beta=0`, input is ignored (NaN in it does not propagate) and
    its gradient is zero, as PyTorch's."""
    refuse_out("addmm", out)
    input = to_tensor(input)
    product = mm(mat1, mat2)
    # PyTorch's rule: no promotion here either
    check_product_dtypes("addmm: ", input.dtype, product.dtype, "input and the product")
    try:
        fits = np.broadcast_shapes(input.shape, product.shape) == product.shape
    except ValueError:
        fits = False
    if not fits:
        raise ShapeError(
            f"addmm: input of shape {input.shape} does not broadcast to the product's shape "
            f"{product.shape}"
        )
    if alpha != 1:
        product = product * alpha
    if beta == 0:
        return with_zero_gradient(product, input)
    return product + (input if beta == 1 else input * beta)
