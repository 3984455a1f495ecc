"""What to call a tensor in a sentence: its name, or the expression that made it.

    expression(w0 * x0)                 -> "w0*x0"
    expression(w0*x0 + w1*x1)           -> "w0*x0 + w1*x1"
    expression((s * -1).exp())          -> "exp(s * -1)"     (s named "s")
    expression(1 + exp(a long chain))   -> "1 + exp(…)"        (inner parts elided to fit)

Named tensors are written by name; unnamed ones as the ops that made them, with inner
unnamed parts replaced by "…" until the text fits in `limit` characters. Captions of the
backprop animation and the explorer use this, so "sends 0.197 to w0*x0" says which wire.
"""

from __future__ import annotations

from autodiff import Tensor

from .numbers import fmt_constant

# Binding strength of infix ops: a looser operand gets parentheses. Products of two tensors
# and powers are written tight ("w0*x0 + w1*x1", "x**2"), everything else spaced ("s * -1").
_INFIX = {"+": 1, "-": 1, "*": 2, "/": 2, "@": 2, "**": 3}
_ATOM = 4


def expression(t: Tensor, fallback: str, limit: int = 30) -> str:
    """`t`'s name, else its expression in at most `limit` characters (inner parts elided),
    else `fallback` (e.g. the graph's auto-name "t7")."""
    if t.name:
        return t.name
    if t.grad_fn is None:
        return fallback
    for depth in range(6, 0, -1):
        text, _, cut = _expr(t, depth)
        if not cut and len(text) <= limit:
            return text
    return fallback


def _expr(t: object, depth: int) -> tuple[str, int, bool]:
    """(text, binding strength, cut) of an operand: a tensor or a constant.

    Beyond `depth` ops an unnamed value is cut to "…". A cut operand cuts the sum or product
    holding it too ("… + … + w2" says nothing), while a function keeps its name: "exp(…)".
    """
    if not isinstance(t, Tensor):
        return fmt_constant(t), _ATOM, False
    if t.name:
        return t.name, _ATOM, False
    node = t.grad_fn
    if node is None or depth == 0:
        return "…", _ATOM, True
    op = node.op_name()
    args = list(node.operands)  # (each tensor as the op used it: see Function.inputs)
    if op in _INFIX and len(args) == 2:
        (left, lp, lcut), (right, rp, rcut) = (_expr(a, depth - 1) for a in args)
        if lcut or rcut:
            return "…", _ATOM, True
        strength = _INFIX[op]
        # Left-associative: the right operand needs parentheses at equal strength too.
        left = left if lp >= strength else f"({left})"
        right = right if rp > strength or (rp == strength and op in "+*") else f"({right})"
        tight = op == "**" or (op == "*" and all(isinstance(a, Tensor) for a in args))
        sep = op if tight else f" {op} "
        return f"{left}{sep}{right}", strength, False
    if op == "neg" and len(args) == 1:
        inner, p, cut = _expr(args[0], depth - 1)
        if cut:
            return "…", _ATOM, True
        return "-" + (inner if p == _ATOM else f"({inner})"), _INFIX["**"], False
    inner = ", ".join(_expr(a, depth - 1)[0] for a in args)
    return f"{op}({inner})", _ATOM, False
