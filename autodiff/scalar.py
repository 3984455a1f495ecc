"""The scalar fast path: ops on 0-d float64 tensors computed on Python floats.

numpy is at its slowest on 0-d arrays: a product of two costs about ten times what a product
of two Python floats does, and its result is a numpy scalar that must become an array again.
A scalar MLP written op by op (benchmark W4) spends most of its time there. So the ops that
declare a scalar kernel (`scalar_forward` and `scalar_backward` next to their `forward` and
`backward`: `+ - * /`, negation, tanh, exp, log) run on Python floats when every Tensor operand
is 0-d float64 and every other operand a Python float (or an int a float holds exactly):

- forward: `scalar_forward` on the floats; the output's `data` is a fresh 0-d float64 array as
  always, and the node saves exactly what the op's `forward` would (the same array objects),
  so the in-place check and `create_graph` see the same node either way;
- backward: the gradient of such a node's output is a Python float (the engine starts a 0-d
  float64 root with 1.0), and `scalar_backward` turns it into its inputs' gradients, floats
  too, with no per-edge shape or dtype check: every Tensor input was 0-d float64. Leaves get
  a 0-d float64 `.grad`, as from the general path.

Python's float arithmetic is IEEE double arithmetic, numpy's float64 too: a result is the same
value bit for bit. What Python does not do is report floating-point errors as numpy does
(overflow, invalid, division by zero and underflow warnings, or `np.errstate` raising). So the
arithmetic kernels only keep a result that is a normal, non-zero, finite number, where no such
error can have occurred; otherwise the op runs its numpy version (the reference), which
reports it as before. The transcendental kernels call the numpy ufunc itself on the float, as
tanh's or exp's last bit differs between numpy and `math`. Everything else (float32, arrays,
numpy scalars as operands, anomaly detection, `create_graph`, hooks) takes the general path.

The general path is the reference version of each fast path: tests/autodiff/test_scalar_path.py
compares the two, bit for bit, on random and special values.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import MappingProxyType
from typing import Any

import numpy as np

from .anomaly import _AnomalyState
from .function import _bare_tensor, _creation_countdown
from .inplace import inplace_changes
from .tensor import Tensor
from .thread_modes import changed_threads, thread_modes

_F64 = np.dtype(np.float64)
_array = np.array
_TINY = sys.float_info.min  # the smallest normal float64
_HUGE = sys.float_info.max
_EXACT = 2**53  # ints up to this size are floats exactly

#: The `kwargs` of a node the scalar path recorded: an empty mapping like any node's without
#: keyword arguments, and the engine's mark that every Tensor input of the node is 0-d float64,
#: so that float gradients may flow to them (engine._walk).
SCALAR_NODE = MappingProxyType({})

# What each op's `forward` saves for backward, which the scalar path saves alike.
INPUTS = "inputs"
OUTPUT = "output"


def normal(z: float) -> bool:
    """A normal, non-zero, finite float: no floating-point error can have produced it."""
    return _TINY <= abs(z) <= _HUGE


def operators(op: type, operands: tuple) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """`a <op> b` and `b <op> a` for a binary op with a scalar kernel: the scalar path when it
    applies, `op.apply` otherwise (registry.operators, with the same `operands`, without it)."""
    apply, kernel = op.apply, op.scalar_forward
    saves_inputs = op.scalar_saves is INPUTS

    def binary(a: Any, b: Any) -> Tensor | None:
        """`op` on a and b by the scalar path, or None where it does not apply.

        It applies to 0-d float64 Tensors, Python floats and ints a float holds exactly (not
        to numpy scalars or bools), and keeps only a normal result (see the module docstring).
        """
        if _AnomalyState.enabled:
            return None
        if isinstance(a, Tensor):
            raw_a = a.data
            if raw_a.ndim or raw_a.dtype is not _F64:
                return None
            x = raw_a.item()
            record = a._requires_grad
        elif type(a) is float or (type(a) is int and -_EXACT <= a <= _EXACT):
            raw_a, x, record = a, float(a), False
        else:
            return None
        if isinstance(b, Tensor):
            raw_b = b.data
            if raw_b.ndim or raw_b.dtype is not _F64:
                return None
            y = raw_b.item()
            record = record or b._requires_grad
        elif type(b) is float or (type(b) is int and -_EXACT <= b <= _EXACT):
            raw_b, y = b, float(b)
        else:
            return None
        try:
            z = kernel(x, y)
        except ZeroDivisionError:  # numpy's division by 0 reports it its own way
            return None
        if not _TINY <= abs(z) <= _HUGE:
            return None
        out = _bare_tensor()
        out.data = data = _array(z)
        out._grad = None
        if record and changed_threads:  # a thread is in no_grad() or a scope (Function.apply)
            record = thread_modes.grad_enabled
        if record:
            ctx = _node(op, (a, b))
            if saves_inputs:
                ctx._saved = (raw_a, raw_b)
                ctx._out = data
                ctx._scalars = (x, y)
            else:
                ctx._saved = None
            out._requires_grad = True
            out.grad_fn = ctx
        else:
            out._requires_grad = False
            out.grad_fn = None
        return out

    def method(self: Tensor, other: Any) -> Any:
        if not self.data.ndim:  # (an array's op skips the call)
            out = binary(self, other)
            if out is not None:
                return out
        return apply(self, other) if isinstance(other, operands) else NotImplemented

    def reflected(self: Tensor, other: Any) -> Any:
        if not self.data.ndim:
            out = binary(other, self)
            if out is not None:
                return out
        return apply(other, self) if isinstance(other, operands) else NotImplemented

    return method, reflected


def unary(op: type) -> Callable[..., Tensor]:
    """`f(x)` for a unary op with a scalar kernel (registry.unary with the scalar path).

    The unary kernels are numpy's ufuncs called on a float, which report floating-point errors
    themselves, or negation, which has none to report: every result is kept. (A result that is
    not a normal number is caught where a float kernel next computes with it.)
    """
    apply, kernel, saves = op.apply, op.scalar_forward, op.scalar_saves

    def public(x: Any) -> Tensor:
        if not isinstance(x, Tensor):
            x = Tensor(x)
        data = x.data
        if data.ndim or data.dtype is not _F64 or _AnomalyState.enabled:
            return apply(x)
        v = data.item()
        z = kernel(v)
        out = _bare_tensor()
        out.data = y = _array(z)
        out._grad = None
        record = x._requires_grad
        if record and changed_threads:
            record = thread_modes.grad_enabled
        if record:
            ctx = _node(op, (x,))
            if saves is None:
                ctx._saved = None
            else:
                ctx._saved, ctx._scalars = (
                    ((data,), (v,)) if saves is INPUTS else ((y,), (y.item(),))
                )
                ctx._out = y
            out._requires_grad = True
            out.grad_fn = ctx
        else:
            out._requires_grad = False
            out.grad_fn = None
        return out

    return public


def _node(op: type, args: tuple) -> Any:
    """A compute node of `op` with the fields `Function.apply` gives one, marked SCALAR_NODE;
    the caller sets what it saved."""
    ctx = op()
    ctx.args = args
    ctx.kwargs = SCALAR_NODE
    ctx.scope = thread_modes.scope if changed_threads else ()
    ctx._creation_countdown = next(_creation_countdown)
    ctx._inplace_count = inplace_changes.count
    return ctx
