"""Function transforms: `grad`, `value_and_grad`, `jacobian`, `hessian`, `vjp`, `jvp`.

They take a function of Tensors and return a function, JAX-style, and they nest:
`grad(grad(f))` is the second derivative. Called on plain numbers or arrays they make fresh
leaves; called on Tensors that already require grad (inside an outer transform) they record
their own backward pass, so the outer transform can differentiate through it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .dtypes import get_default_dtype, to_array
from .engine import gradients
from .ops.join import stack
from .tensor import Tensor
from .thread_modes import grad_enabled

ArgNums = int | Sequence[int]


def _leaf(x: Any) -> tuple[Tensor, bool]:
    """The input as a differentiable Tensor, and whether it belongs to an outer graph."""
    if isinstance(x, Tensor) and x.requires_grad and grad_enabled():
        return x, True
    data = np.array(x.data if isinstance(x, Tensor) else to_array(x))
    if data.dtype.kind != "f":
        data = data.astype(get_default_dtype())
    return Tensor(data, requires_grad=True), False


def _prepare(args: tuple, argnums: ArgNums) -> tuple[list, list[Tensor], bool]:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    args = list(args)
    inputs, nested = [], False
    for n in nums:
        if not -len(args) <= n < len(args):
            raise ValueError(f"argnums {n} is out of range for {len(args)} positional arguments")
        args[n], outer = _leaf(args[n])
        inputs.append(args[n])
        nested |= outer
    return args, inputs, nested


def _grads(out: Tensor, inputs: list[Tensor], grad_output: Any, nested: bool, retain: bool):
    gs = gradients(
        out,
        inputs,
        grad_outputs=grad_output,
        retain_graph=retain or nested,
        create_graph=nested,
        allow_unused=True,
    )
    return [Tensor(np.zeros_like(t.data)) if g is None else g for g, t in zip(gs, inputs)]


def _pack(values: list, argnums: ArgNums) -> Any:
    return values[0] if isinstance(argnums, int) else tuple(values)


def value_and_grad(f: Callable[..., Tensor], argnums: ArgNums = 0) -> Callable[..., tuple]:
    """`(f(*args), df/d(args[argnums]))`; f must return a one-element Tensor."""

    def wrapped(*args: Any) -> tuple[Tensor, Any]:
        args, inputs, nested = _prepare(args, argnums)
        out = f(*args)
        if not isinstance(out, Tensor) or out.numel() != 1:
            shape = out.shape if isinstance(out, Tensor) else type(out).__name__
            raise ValueError(f"grad: f must return a one-element Tensor, got {shape}")
        if not out.requires_grad:  # f ignores its inputs: the gradient is zero
            zeros = [Tensor(np.zeros_like(t.data)) for t in inputs]
            return out, _pack(zeros, argnums)
        grads = _grads(out, inputs, None, nested, retain=False)
        return (out if nested else out.detach()), _pack(grads, argnums)

    return wrapped


def grad(f: Callable[..., Tensor], argnums: ArgNums = 0) -> Callable[..., Any]:
    """The gradient of a scalar function: `grad(f)(x)` has x's shape. Nests for higher order."""
    vg = value_and_grad(f, argnums)
    return lambda *args: vg(*args)[1]


def jacobian(f: Callable[..., Tensor], argnums: ArgNums = 0) -> Callable[..., Any]:
    """d f(x) / d x with shape `f(x).shape + x.shape` (one backward per output element)."""

    def wrapped(*args: Any) -> Any:
        args, inputs, nested = _prepare(args, argnums)
        out = f(*args)
        rows: list[list] = [[] for _ in inputs]
        for i in range(out.numel()):
            onehot = np.zeros(out.numel(), dtype=out.dtype)
            onehot[i] = 1
            if out.requires_grad:
                gs = _grads(out, inputs, onehot.reshape(out.shape), nested, retain=True)
            else:
                gs = [Tensor(np.zeros_like(t.data)) for t in inputs]
            for r, g in zip(rows, gs, strict=True):
                r.append(g)
        jacs = []
        for r, t in zip(rows, inputs, strict=True):
            if not r:
                jacs.append(Tensor(np.zeros(out.shape + t.shape, dtype=t.dtype)))
            elif nested:
                jacs.append(stack(r).reshape(out.shape + t.shape))
            else:
                jacs.append(Tensor(np.stack([g.data for g in r]).reshape(out.shape + t.shape)))
        return _pack(jacs, argnums)

    return wrapped


def hessian(f: Callable[..., Tensor], argnums: int = 0) -> Callable[..., Tensor]:
    """The matrix of second derivatives of a scalar function: shape `x.shape + x.shape`."""
    return jacobian(grad(f, argnums), argnums)


def vjp(f: Callable[..., Tensor], *primals: Any) -> tuple[Tensor, Callable[[Any], tuple]]:
    """`(f(*primals), vjp_fn)`; `vjp_fn(v)` gives v^T J for each primal (reusable)."""
    args, inputs, nested = _prepare(primals, tuple(range(len(primals))))
    out = f(*args)

    def vjp_fn(cotangent: Any) -> tuple[Tensor, ...]:
        v = cotangent if isinstance(cotangent, Tensor) else np.asarray(cotangent, dtype=out.dtype)
        if tuple(v.shape) != out.shape:
            raise ValueError(f"vjp: cotangent shape {tuple(v.shape)} != output shape {out.shape}")
        if not out.requires_grad:
            return tuple(Tensor(np.zeros_like(t.data)) for t in inputs)
        return tuple(_grads(out, inputs, v, nested or isinstance(v, Tensor), retain=True))

    return (out if nested else out.detach()), vjp_fn


def jvp(
    f: Callable[..., Tensor], primals: Sequence[Any], tangents: Sequence[Any]
) -> tuple[Tensor, Tensor]:
    """`(f(*primals), J v)`: the directional derivative along `tangents`.

    Reverse mode twice: u -> J^T u is linear in u, and its vjp with v is J v.
    """
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: {len(primals)} primals but {len(tangents)} tangents")
    args, inputs, nested = _prepare(tuple(primals), tuple(range(len(primals))))
    out = f(*args)
    if not out.requires_grad:
        return out, Tensor(np.zeros_like(out.data))
    u = Tensor(np.zeros_like(out.data), requires_grad=True)
    jt_u = gradients(out, inputs, grad_outputs=u, create_graph=True, allow_unused=True)
    total = None
    for g, v in zip(jt_u, tangents, strict=True):
        if g is not None:
            term = (g * np.asarray(v.data if isinstance(v, Tensor) else v, dtype=g.dtype)).sum()
            total = term if total is None else total + term
    if total is None or not total.requires_grad:
        return out, Tensor(np.zeros_like(out.data))
    (jv,) = gradients(total, u, create_graph=nested, allow_unused=True)
    jv = Tensor(np.zeros_like(out.data)) if jv is None else jv
    return (out if nested else out.detach()), jv
