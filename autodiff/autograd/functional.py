"""`autodiff.autograd.functional`: PyTorch's `torch.autograd.functional`, with its signatures.

`jacobian(func, inputs)`, `hessian(func, inputs)`, `vjp(func, inputs, v)`, `jvp(func, inputs, v)`,
`hvp(func, inputs, v)` and `vhp(func, inputs, v)` evaluate at `inputs` (a Tensor or a tuple of
Tensors) and return Tensors — unlike `autodiff.jacobian` and friends, which transform a function
(JAX's and `torch.func`'s style). Jacobians take one backward pass per output element; jvp is two
reverse passes. Results are cut from the graph unless `create_graph=True`. Outputs that do not
depend on an input get zeros, as PyTorch's `strict=False` does; `vectorize`, the forward-mode
strategies and `strict=True` are not implemented and raise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..engine import gradients
from ..ops import stack
from ..tensor import Tensor

Inputs = Tensor | Sequence[Tensor]


def _prepare(inputs: Inputs, create_graph: bool, where: str) -> tuple[tuple[Tensor, ...], bool]:
    is_tuple = isinstance(inputs, tuple | list)
    items = tuple(inputs) if is_tuple else (inputs,)
    prepared = []
    for i, x in enumerate(items):
        if not isinstance(x, Tensor):
            raise TypeError(f"{where}: input {i} must be a Tensor, got {type(x).__name__}")
        if x.dtype.kind != "f":
            raise TypeError(f"{where}: input {i} must be floating point, got dtype {x.dtype}")
        if create_graph and x.requires_grad:
            prepared.append(x)  # keep the graph: the result stays differentiable through x
        else:
            prepared.append(Tensor(x.data, requires_grad=True))  # a detached leaf (no copy)
    return tuple(prepared), is_tuple


def _check_options(where: str, strict: bool = False, vectorize: bool = False, **strategy: str):
    if strict:
        raise NotImplementedError(f"{where}: strict=True is not implemented in glassgrad")
    if vectorize:
        raise NotImplementedError(f"{where}: vectorize=True is not implemented in glassgrad")
    for name, value in strategy.items():
        if value != "reverse-mode":
            raise NotImplementedError(f"{where}: {name}={value!r}: only 'reverse-mode' exists here")


def _outputs(out: Any, where: str) -> tuple[tuple[Tensor, ...], bool]:
    is_tuple = isinstance(out, tuple | list)
    items = tuple(out) if is_tuple else (out,)
    for i, o in enumerate(items):
        if not isinstance(o, Tensor):
            raise TypeError(f"{where}: func must return Tensors, output {i} is {type(o).__name__}")
    return items, is_tuple


def _grads(
    out: Tensor, xs: tuple[Tensor, ...], v: Any, create_graph: bool, retain: bool
) -> list[Tensor]:
    """d<out, v>/d xs, zeros for the inputs out does not depend on."""
    if not out.requires_grad:
        return [Tensor(np.zeros_like(x.data)) for x in xs]
    gs = gradients(
        out,
        xs,
        grad_outputs=v,
        retain_graph=retain or create_graph,
        create_graph=create_graph,
        allow_unused=True,
    )
    return [Tensor(np.zeros_like(x.data)) if g is None else g for g, x in zip(gs, xs)]


def _finish(t: Tensor, create_graph: bool) -> Tensor:
    return t if create_graph else t.detach()


def _vector(v: Any, like: Tensor, where: str, name: str = "v") -> Any:
    if v is None:
        if like.numel() != 1:
            raise RuntimeError(
                f"{where}: {name} can be omitted only when the function's output has one "
                f"element; it has shape {like.shape}"
            )
        return None
    value = v if isinstance(v, Tensor) else Tensor(np.asarray(v, dtype=like.dtype))
    if value.shape != like.shape:
        raise RuntimeError(f"{where}: {name} has shape {value.shape}, expected {like.shape}")
    return value


def jacobian(
    func: Callable[..., Any],
    inputs: Inputs,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    strategy: str = "reverse-mode",
) -> Any:
    """d func(*inputs) / d inputs: for one input and one output a Tensor of shape
    `output.shape + input.shape`; tuples of them for tuple inputs and/or outputs."""
    _check_options("jacobian", strict, vectorize, strategy=strategy)
    xs, inputs_tuple = _prepare(inputs, create_graph, "jacobian")
    outs, outputs_tuple = _outputs(func(*xs), "jacobian")
    result = []
    for out in outs:
        rows: list[list[Tensor]] = [[] for _ in xs]
        for i in range(out.numel()):
            onehot = np.zeros(out.numel(), dtype=out.dtype)
            onehot[i] = 1
            gs = _grads(out, xs, onehot.reshape(out.shape), create_graph, retain=True)
            for row, g in zip(rows, gs):
                row.append(g)
        per_input = []
        for row, x in zip(rows, xs):
            if not row:  # an empty output
                jac = Tensor(np.zeros(out.shape + x.shape, dtype=x.dtype))
            else:
                jac = stack(row).reshape(out.shape + x.shape)
            per_input.append(_finish(jac, create_graph))
        result.append(tuple(per_input) if inputs_tuple else per_input[0])
    return tuple(result) if outputs_tuple else result[0]


def hessian(
    func: Callable[..., Tensor],
    inputs: Inputs,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    outer_jacobian_strategy: str = "reverse-mode",
) -> Any:
    """The second derivatives of a function with a one-element output: for one input a Tensor of
    shape `input.shape + input.shape`, for a tuple of n inputs an n x n tuple of tuples."""
    _check_options("hessian", strict, vectorize, outer_jacobian_strategy=outer_jacobian_strategy)
    xs, inputs_tuple = _prepare(inputs, create_graph, "hessian")
    out = _scalar_output(func(*xs), "hessian")
    firsts = _grads(out, xs, None, create_graph=True, retain=True)
    blocks = []
    for g, xi in zip(firsts, xs):
        row = []
        for xj in xs:
            cols = []
            for k in range(g.numel()):
                onehot = np.zeros(g.numel(), dtype=g.dtype)
                onehot[k] = 1
                if g.requires_grad:
                    (d,) = _grads(g, (xj,), onehot.reshape(g.shape), create_graph, retain=True)
                else:
                    d = Tensor(np.zeros_like(xj.data))
                cols.append(d)
            block = (
                stack(cols).reshape(xi.shape + xj.shape)
                if cols
                else Tensor(np.zeros(xi.shape + xj.shape, dtype=xj.dtype))
            )
            row.append(_finish(block, create_graph))
        blocks.append(tuple(row))
    return tuple(blocks) if inputs_tuple else blocks[0][0]


def _scalar_output(out: Any, where: str) -> Tensor:
    if not isinstance(out, Tensor) or out.numel() != 1:
        shape = out.shape if isinstance(out, Tensor) else type(out).__name__
        raise RuntimeError(f"{where}: func must return a Tensor with a single element, got {shape}")
    return out


def vjp(
    func: Callable[..., Any],
    inputs: Inputs,
    v: Any = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Any, Any]:
    """`(func(*inputs), v^T J)`: the vector-Jacobian product, one per input. For a function
    with a tuple of outputs, `v` is a tuple with one cotangent per output (of its shape)."""
    _check_options("vjp", strict)
    xs, inputs_tuple = _prepare(inputs, create_graph, "vjp")
    outs, outputs_tuple = _outputs(func(*xs), "vjp")
    vs = _vectors(v, outs, outputs_tuple, "vjp")
    live = [(o, vi) for o, vi in zip(outs, vs) if o.requires_grad]
    if not live:
        gs = [Tensor(np.zeros_like(x.data)) for x in xs]
    else:
        found = gradients(
            [o for o, _ in live],
            xs,
            grad_outputs=[vi for _, vi in live],
            retain_graph=create_graph,
            create_graph=create_graph,
            allow_unused=True,
        )
        gs = [Tensor(np.zeros_like(x.data)) if g is None else g for g, x in zip(found, xs)]
    gs = [_finish(g, create_graph) for g in gs]
    return _structured(outs, outputs_tuple, create_graph), tuple(gs) if inputs_tuple else gs[0]


def _vectors(v: Any, outs: tuple[Tensor, ...], outputs_tuple: bool, where: str) -> list[Any]:
    """One vector per output, checked against its shape: `v` is a tuple for tuple outputs."""
    if not outputs_tuple:
        return [_vector(v, outs[0], where)]
    if v is None:
        return [_vector(None, o, where) for o in outs]
    if not isinstance(v, tuple | list) or len(v) != len(outs):
        got = len(v) if isinstance(v, tuple | list) else type(v).__name__
        raise RuntimeError(
            f"{where}: func returned {len(outs)} outputs, so v must be a tuple of "
            f"{len(outs)} Tensors; got {got}"
        )
    return [_vector(vi, o, where) for vi, o in zip(v, outs)]


def _structured(outs: Sequence[Tensor], outputs_tuple: bool, create_graph: bool) -> Any:
    """The function's outputs as it returned them (a tuple or one Tensor), cut from the graph
    unless create_graph."""
    finished = tuple(_finish(o, create_graph) for o in outs)
    return finished if outputs_tuple else finished[0]


def jvp(
    func: Callable[..., Any],
    inputs: Inputs,
    v: Any = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Any, Any]:
    """`(func(*inputs), J v)`: the Jacobian-vector product, one per output (two reverse passes:
    u -> J^T u is linear in u, and its vjp with v is J v)."""
    _check_options("jvp", strict)
    xs, inputs_tuple = _prepare(inputs, create_graph, "jvp")
    vs = tuple(v) if isinstance(v, tuple | list) else (v,)
    if v is None:
        if any(x.numel() != 1 for x in xs):
            raise RuntimeError("jvp: v can be omitted only when every input has one element")
        vs = tuple(Tensor(np.ones_like(x.data)) for x in xs)
    if len(vs) != len(xs):
        raise RuntimeError(f"jvp: {len(xs)} inputs but {len(vs)} vectors in v")
    vs = tuple(_vector(vi, x, "jvp") for vi, x in zip(vs, xs))
    outs, outputs_tuple = _outputs(func(*xs), "jvp")
    live = [o for o in outs if o.requires_grad]
    # One cotangent u per output that depends on the inputs: J^T u is linear in each.
    us = [Tensor(np.zeros_like(o.data), requires_grad=True) for o in live]
    total = None
    if live:
        jt_u = gradients(live, xs, grad_outputs=us, create_graph=True, allow_unused=True)
        for g, vi in zip(jt_u, vs):
            if g is not None:
                term = (g * vi).sum()
                total = term if total is None else total + term
    if total is not None and total.requires_grad:
        found = iter(gradients(total, us, create_graph=create_graph, allow_unused=True))
    else:
        found = iter([None] * len(us))
    jvs = []
    for o in outs:
        jv = next(found) if o.requires_grad else None
        jv = Tensor(np.zeros_like(o.data)) if jv is None else jv
        jvs.append(_finish(jv, create_graph))
    return _structured(outs, outputs_tuple, create_graph), (tuple(jvs) if outputs_tuple else jvs[0])


def vhp(
    func: Callable[..., Tensor],
    inputs: Inputs,
    v: Any = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Tensor, Any]:
    """`(func(*inputs), v^T H)` for a function with a one-element output."""
    _check_options("vhp", strict)
    xs, inputs_tuple = _prepare(inputs, create_graph, "vhp")
    vs = tuple(v) if isinstance(v, tuple | list) else (v,)
    if len(vs) != len(xs):
        raise RuntimeError(f"vhp: {len(xs)} inputs but {len(vs)} vectors in v")
    vs = tuple(_vector(vi, x, "vhp") for vi, x in zip(vs, xs))
    out = _scalar_output(func(*xs), "vhp")
    firsts = _grads(out, xs, None, create_graph=True, retain=True)
    total = None
    for g, vi in zip(firsts, vs):
        if vi is not None and g.requires_grad:
            term = (g * vi).sum()
            total = term if total is None else total + term
    if total is None:
        result = [Tensor(np.zeros_like(x.data)) for x in xs]
    else:
        result = _grads(total, xs, None, create_graph, retain=False)
    result = [_finish(r, create_graph) for r in result]
    return _finish(out, create_graph), tuple(result) if inputs_tuple else result[0]


def hvp(
    func: Callable[..., Tensor],
    inputs: Inputs,
    v: Any = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Tensor, Any]:
    """`(func(*inputs), H v)` for a function with a one-element output. The Hessian of a twice
    continuously differentiable function is symmetric, so H v = (v^T H)^T: computed as `vhp`."""
    _check_options("hvp", strict)
    return vhp(func, inputs, v, create_graph)


__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]
