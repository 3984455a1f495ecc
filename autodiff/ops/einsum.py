"""einsum: `autodiff.einsum("ij,jk->ik", a, b)`, PyTorch's and numpy's Einstein summation.

The equation is first put in a canonical form that backward can invert:

- `...` becomes letters: each operand's broadcast dims get the last of a common run of fresh
  letters (right-aligned, as broadcasting aligns them), and the output's `...` all of them;
- the output is spelled out (implicit mode: `...`, then the letters used once, sorted — numpy's
  and PyTorch's rule);
- a letter repeated within one operand (`"ii->i"`, a diagonal; `"ii"`, a trace) becomes a fresh
  letter tied to it by an identity matrix, an extra constant operand: `A_ii = A_ij I_ij`.

Then every operand's letters are distinct, and the gradient of operand k is one einsum of the
output's gradient with the other operands, back to operand k's letters; a letter nothing else
names (summed away in operand k alone) is broadcast back, and a dim of size 1 that broadcast
against the others is summed back. That einsum is itself recorded under create_graph (np.einsum
on Tensors runs this op), so higher derivatives follow.
"""

from __future__ import annotations

import math
import string
from typing import Any

import numpy as np

from ..errors import DtypeError, ShapeError
from ..function import Function
from ..registry import register
from ..tensor import Tensor


class Einsum(Function):
    """An einsum in canonical form (see the module docstring): letters only, an explicit
    output, no letter repeated within an operand."""

    op = "einsum"

    @staticmethod
    def forward(ctx, *operands, equation):
        ctx.save_for_backward(*operands)
        ctx.shapes = [np.shape(o) for o in operands]
        return np.einsum(equation, *operands, optimize=_optimize(operands))

    @staticmethod
    def backward(ctx, g):
        operands = ctx.saved_tensors
        inputs, output = ctx.kwargs["equation"].split("->")
        subscripts = inputs.split(",")
        grads = []
        for k, need in enumerate(ctx.needs_input_grad):
            if not need:
                grads.append(None)
                continue
            others = [o for i, o in enumerate(operands) if i != k]
            other_subscripts = [s for i, s in enumerate(subscripts) if i != k]
            named = set(output).union(*other_subscripts)
            kept = "".join(c for c in subscripts[k] if c in named)
            terms = ",".join([output, *other_subscripts])
            grad = np.einsum(f"{terms}->{kept}", g, *others, optimize=_optimize((g, *others)))
            grads.append(_back_to_shape(grad, subscripts[k], kept, ctx.shapes[k]))
        return tuple(grads)


# numpy's default (optimize=False) contracts in a C loop without BLAS; its contraction-order
# search turns contractions into tensordot (BLAS) calls, many times faster from a few thousand
# elements on, but costs a few microseconds that only tiny einsums notice. From this many
# elements (all operands together) the search is on (benchmarks/einsum.py, benchmarks/README.md).
OPTIMIZE_FROM = 1000


def _optimize(operands: Any) -> bool:
    return len(operands) > 2 or sum(math.prod(np.shape(o)) for o in operands) >= OPTIMIZE_FROM


def _back_to_shape(grad: Any, subscript: str, kept: str, shape: tuple[int, ...]) -> Any:
    """The gradient over the letters `kept` made operand-shaped: letters only the operand names
    are broadcast back, dims of size 1 that broadcast against the others summed back."""
    if kept != subscript:
        grad = grad.reshape([np.shape(grad)[kept.index(c)] if c in kept else 1 for c in subscript])
    ones = tuple(d for d, n in enumerate(shape) if n == 1 and np.shape(grad)[d] != 1)
    if ones:
        grad = grad.sum(axis=ones, keepdims=True)
    if np.shape(grad) != tuple(shape):
        grad = np.broadcast_to(grad, shape)
    return grad


def _canonical(equation: str, shapes: list[tuple[int, ...]]) -> tuple[str, list[int]]:
    """The canonical equation, and for each identity it adds the size of the letter it ties."""
    equation = equation.replace(" ", "")
    inputs, arrow, output = equation.partition("->")
    subscripts = inputs.split(",")
    if len(subscripts) != len(shapes):
        raise ValueError(
            f"einsum: the equation {equation!r} has {len(subscripts)} operand(s) but "
            f"{len(shapes)} were given"
        )
    for k, (s, shape) in enumerate(zip(subscripts, shapes)):
        letters = s.replace("...", "", 1)
        if not all(c in string.ascii_letters for c in letters):
            raise ValueError(
                f"einsum: operand {k}'s subscripts {s!r} in {equation!r}: only letters and one "
                "'...' are allowed"
            )
        if len(letters) > len(shape) or ("..." not in s and len(letters) != len(shape)):
            raise ShapeError(
                f"einsum: operand {k} has {len(shape)} dimension(s) but its subscripts {s!r} "
                f"in {equation!r} name {len(letters)}"
            )
    if arrow and not all(c in string.ascii_letters for c in output.replace("...", "", 1)):
        raise ValueError(f"einsum: the output {output!r} of {equation!r}: only letters and '...'")
    unused = iter(c for c in string.ascii_letters if c not in equation)
    # `...` -> letters, right-aligned across operands
    broadcast = max(
        (len(shape) - len(s.replace("...", "")) for s, shape in zip(subscripts, shapes)),
        default=0,
    )
    dots = "".join(next(unused) for _ in range(broadcast))
    for k, (s, shape) in enumerate(zip(subscripts, shapes)):
        count = len(shape) - len(s.replace("...", ""))
        subscripts[k] = s.replace("...", dots[broadcast - count :])
    if not arrow:  # implicit mode
        letters = "".join(subscripts)
        output = "..." + "".join(
            sorted(c for c in set(letters) if letters.count(c) == 1 and c not in dots)
        )
    output = output.replace("...", dots)
    # a letter repeated within an operand -> a fresh letter and an identity tying the two
    ties, sizes = [], []
    for k, s in enumerate(subscripts):
        rewritten = ""
        for d, c in enumerate(s):
            if c in rewritten or c in s[:d]:
                fresh = next(unused)
                ties.append(c + fresh)
                sizes.append(shapes[k][d])
                rewritten += fresh
            else:
                rewritten += c
        subscripts[k] = rewritten
    return ",".join(subscripts + ties) + "->" + output, sizes


@register("einsum", methods=(), numpy=np.einsum)
def einsum(equation: str, *operands: Any, **numpy_options: Any) -> Tensor:
    """Einstein summation, as `torch.einsum(equation, *operands)` (a list of operands works
    too) and `np.einsum` (whose `optimize=` is accepted; `out=` is not): `...`, implicit
    output and repeated letters (diagonals, traces) included. Differentiable in every operand."""
    if not isinstance(equation, str):
        raise TypeError(
            "einsum: the equation must be a string (numpy's interleaved (operand, sublist) form "
            "is not supported)"
        )
    if set(numpy_options) - {"optimize"}:
        raise TypeError(
            f"einsum: unsupported argument(s) {sorted(set(numpy_options) - {'optimize'})}"
        )
    if len(operands) == 1 and isinstance(operands[0], list | tuple):
        operands = tuple(operands[0])
    tensors = [o if isinstance(o, Tensor) else Tensor(np.asarray(o)) for o in operands]
    for t in tensors[1:]:  # PyTorch's rule: one dtype, no promotion
        if t.dtype != tensors[0].dtype:
            raise DtypeError(
                f"einsum: expected all operands to have the same dtype, but got "
                f"{', '.join(str(t.dtype) for t in tensors)} (PyTorch does not promote here; "
                "convert first, e.g. .to(dtype))"
            )
    canonical, sizes = _canonical(equation, [t.shape for t in tensors])
    dtype = np.result_type(*[t.dtype for t in tensors]) if tensors else np.float64
    identities = [np.eye(n, dtype=dtype) for n in sizes]
    return Einsum.apply(*tensors, *identities, equation=canonical)
