"""The words on the picture: op labels with their constants, and texts for data nodes.

Plain text only; draw.py escapes it into labels.

    op_label(node of x + 1)      -> "+ 1"
    op_label(node of -1 * s)     -> "* -1"
    op_label(node of 1 / d)      -> "1 / x"      (x stands for the op's input)
    op_label(node of x ** 2)     -> "** 2"
    op_label(node of a @ b)      -> "matmul"
    op_label(cross_entropy(logits, labels))  -> "cross_entropy"   (an array constant is no
                                                 part of the name: gate_details lists it)
"""

from __future__ import annotations

import numpy as np

from autodiff import Function, Tensor

from .numbers import fmt_constant, fmt_shape, summarize
from .picture import Gate

# Ops written between their operands: a constant operand reads naturally beside the symbol.
_INFIX = {"+", "-", "*", "/", "**", "@"}
_COMMUTATIVE = {"+", "*"}  # 1 + x reads as "+ 1", like x + 1
_MAX_LISTED_SHAPES = 3
_MAX_LISTED_OPS = 3


def op_label(node: Function, digits: int = 3) -> str:
    """The op's label, with its constant arguments (`+ 1`, `* -1`, `** 2`)."""
    name = node.op_name()
    constants = [c for c in node.constants if not _is_array(c)]
    if not constants:
        return name
    args = node.args
    if name in _INFIX and len(args) == 2:
        a, b = args
        if isinstance(b, Tensor) and name in _COMMUTATIVE:
            return f"{name} {fmt_constant(a, digits)}"
        if isinstance(b, Tensor):  # the constant comes first: 1 / x, 2 - x
            return f"{fmt_constant(a, digits)} {name} x"
        return f"{name} {fmt_constant(b, digits)}"
    return f"{name}({', '.join(fmt_constant(c, digits) for c in constants)})"


def _is_array(value: object) -> bool:
    """Array constants (a loss's labels, an index) are data, not part of the op's name."""
    return isinstance(value, np.ndarray | list | tuple) and np.ndim(value) >= 1


def type_text(t: Tensor) -> str:
    """`(3, 4) float32`, or just the dtype for a scalar."""
    return str(t.dtype) if t.ndim == 0 else f"{fmt_shape(t.shape)} {t.dtype}"


def value_text(values: object, digits: int = 3) -> str:
    return summarize(values, digits)


def gate_title(gate: Gate, digits: int = 3) -> str:
    """The headline of a gate: the op, a folded scope's name, or the early-ops note."""
    if gate.earlier:
        return f"… {len(gate.functions)} earlier ops"
    if gate.folded is not None:
        name = gate.folded[-1]
        return name if gate.call == 1 else f"{name} (call {gate.call})"
    return op_label(gate.functions[0], digits)


def gate_details(gate: Gate, shapes: bool) -> list[str]:
    """Small lines under a gate's title.

    A single op: its array constants (`with (4,) int64`). A folded scope: its ops (or how
    many) and the shapes of the parameters folded into it; the shapes going in and out are
    on its wires, so they are not repeated here.
    """
    node = gate.node
    if node is not None:
        arrays = [np.asarray(c) for c in node.constants if _is_array(c)]
        return [f"with {fmt_shape(a.shape)} {a.dtype}" for a in arrays] if shapes else []
    n = len(gate.functions)
    if n <= _MAX_LISTED_OPS:  # a small scope reads best as its ops: "matmul, +"
        details = [", ".join(f.op_name() for f in gate.functions)]
    else:
        details = [f"{n} ops"]
    if gate.params:
        details.append(f"params {_shapes(gate.params)}" if shapes else f"{len(gate.params)} params")
    return details


def _shapes(tensors: list[Tensor]) -> str:
    listed = [fmt_shape(t.shape) for t in tensors[:_MAX_LISTED_SHAPES]]
    more = len(tensors) - _MAX_LISTED_SHAPES
    return " ".join(listed) + (f" +{more} more" if more > 0 else "")
