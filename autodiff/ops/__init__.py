"""The ops: small `Function` subclasses with forward and backward side by side.

elementwise.py (arithmetic, unary functions, activations), conversion.py (astype, to, float,
clone), reduce.py (sum, mean, amax, ...), select.py (max/min along a dim with indices, sort,
topk, argmax), linalg.py (matmul, dot), products.py (mm, bmm, mv, outer, addmm), einsum.py,
cumsum.py, norm.py (vector norms), shape.py (reshape, permute, expand), indexing.py (getitem),
join.py (concatenate, stack, split, pad), softmax.py, special.py (erf), floor_division.py (//
and %), comparison.py (results without a gradient), aliases.py (PyTorch's names for the
operators and other ops: add, sub, div with rounding_mode, eq, ...), and PyTorch's indexing
and selection ops: gather.py (gather, scatter, index_select, take, repeat_interleave),
masked.py (masked_fill, masked_select), positions.py (nonzero, argsort) and views.py (narrow,
select, unbind, chunk).

Each op declares its public names with `@register` (autodiff/registry.py); importing this
package registers them all. This module's names are generated: every op class
(`autodiff.ops.Exp`) and every function of the registry (`autodiff.ops.exp`).
"""

from __future__ import annotations

from ..function import Function
from ..registry import FUNCTIONS
from . import (
    aliases,
    comparison,
    conversion,
    cumsum,
    einsum,
    elementwise,
    floor_division,
    gather,
    indexing,
    join,
    linalg,
    masked,
    norm,
    positions,
    products,
    reduce,
    select,
    shape,
    softmax,
    special,
    views,
)

#: every op class, by name (`autodiff.ops.Exp`): the public Function subclasses of the op files
OP_CLASSES = {
    name: obj
    for module in (
        elementwise,
        floor_division,
        aliases,
        products,
        conversion,
        reduce,
        select,
        linalg,
        shape,
        indexing,
        join,
        softmax,
        comparison,
        special,
        einsum,
        cumsum,
        norm,
        gather,
        masked,
        positions,
        views,
    )
    for name, obj in vars(module).items()
    if isinstance(obj, type)
    and issubclass(obj, Function)
    and obj.__module__ == module.__name__
    and not name.startswith("_")
}
globals().update(OP_CLASSES)
globals().update(FUNCTIONS)

__all__ = [*OP_CLASSES, *FUNCTIONS]
