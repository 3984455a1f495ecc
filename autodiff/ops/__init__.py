"""The ops: small `Function` subclasses with forward and backward side by side.

elementwise.py (arithmetic, unary functions, activations), activations.py (softplus, the ELU
family, hardtanh, hardsigmoid, hardswish, prelu), conversion.py (astype, to, float,
clone), reduce.py (sum, mean, amax, ...), select.py (max/min along a dim with indices, sort,
topk, argmax), linalg.py (matmul, dot), products.py (mm, bmm, mv, outer, addmm), einsum.py,
cumsum.py, norm.py (vector norms), shape.py (reshape, permute, expand), indexing.py (getitem),
join.py (concatenate, stack, split, pad), softmax.py, special.py (erf), floor_division.py (//
and %), comparison.py (results without a gradient), aliases.py (PyTorch's names for the
operators and other ops: add, sub, div with rounding_mode, eq, ...), PyTorch's indexing and
selection ops: gather.py (gather, scatter, index_select, take, repeat_interleave), masked.py
(masked_fill, masked_select), positions.py (nonzero, argsort) and views.py (narrow, select,
unbind, chunk), and PyTorch's further shape and elementwise ops: rearrange.py (flip, roll,
repeat, movedim, meshgrid, the stacks), diagonals.py (diagonal, diag, trace, tril/triu),
cumprod.py (cumprod, diff), rounding.py (floor, ceil, trunc, round, frac, fmod),
float_checks.py (isnan, nan_to_num, ...) and more_math.py (sinh, log2, atan2, hypot, lerp,
addcmul, ...).

Each op declares its public names with `@register` (autodiff/registry.py); importing this
package registers them all. This module's names are generated: every op class
(`autodiff.ops.Exp`) and every function of the registry (`autodiff.ops.exp`).
"""

from __future__ import annotations

from ..function import Function
from ..registry import FUNCTIONS
from . import (
    activations,
    aliases,
    comparison,
    conversion,
    cumprod,
    cumsum,
    diagonals,
    einsum,
    elementwise,
    float_checks,
    floor_division,
    gather,
    indexing,
    join,
    linalg,
    masked,
    more_math,
    norm,
    positions,
    products,
    rearrange,
    reduce,
    rounding,
    select,
    shape,
    softmax,
    special,
    views,
)

_OP_MODULES = (
    elementwise,
    activations,
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
    rearrange,
    diagonals,
    cumprod,
    rounding,
    float_checks,
    more_math,
)


def _op_classes() -> dict[str, type[Function]]:
    """The public Function subclasses of the op files, by name. Two files defining a class of
    one name is an error here: otherwise the later would silently stand in for the earlier
    (in `autodiff.ops`, in the ONNX table keyed by class name)."""
    classes: dict[str, type[Function]] = {}
    for module in _OP_MODULES:
        for name, obj in vars(module).items():
            if (
                isinstance(obj, type)
                and issubclass(obj, Function)
                and obj.__module__ == module.__name__
                and not name.startswith("_")
            ):
                if name in classes:
                    raise TypeError(
                        f"autodiff.ops: op class {name} is defined in both "
                        f"{classes[name].__module__} and {module.__name__}"
                    )
                classes[name] = obj
    return classes


#: every op class, by name (`autodiff.ops.Exp`): the public Function subclasses of the op files
OP_CLASSES = _op_classes()
globals().update(OP_CLASSES)
globals().update(FUNCTIONS)

__all__ = [*OP_CLASSES, *FUNCTIONS]
