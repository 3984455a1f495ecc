"""`autodiff.func`: PyTorch's `torch.func` transforms — functions in, functions out.

    from autodiff.func import grad, hessian
    grad(f)(x)              # df/dx, for f with a one-element output
    grad(grad(g))(t)        # they nest
    hessian(f)(x)

They are autodiff's own transforms (autodiff/functional.py) under PyTorch's names and return
conventions: `grad_and_value` returns `(grad, value)`, `has_aux=True` lets the function return
`(output, aux)`. `jacfwd` computes what `jacrev` does (glassgrad has reverse mode only), and
`vmap` raises: glassgrad does not batch functions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from . import functional as _f

ArgNums = int | Sequence[int]


def _split_aux(func: Callable[..., Any], has_aux: bool) -> tuple[Callable[..., Any], list]:
    """`func` returning only its output, and a list that receives its aux value."""
    if not has_aux:
        return func, []
    box: list = []

    def output_only(*args: Any) -> Any:
        out = func(*args)
        if not isinstance(out, tuple) or len(out) != 2:
            raise RuntimeError("has_aux=True: the function must return a pair (output, aux)")
        box[:] = [out[1]]
        return out[0]

    return output_only, box


def grad(func: Callable[..., Any], argnums: ArgNums = 0, has_aux: bool = False) -> Callable:
    """The gradient of `func` (one-element output) with respect to the arguments `argnums`;
    with `has_aux`, `(gradient, aux)`."""
    inner, box = _split_aux(func, has_aux)
    transformed = _f.grad(inner, argnums)

    def wrapped(*args: Any) -> Any:
        g = transformed(*args)
        return (g, box[0]) if has_aux else g

    return wrapped


def grad_and_value(
    func: Callable[..., Any], argnums: ArgNums = 0, has_aux: bool = False
) -> Callable:
    """`(gradient, value)`, or with `has_aux` `(gradient, (value, aux))`."""
    inner, box = _split_aux(func, has_aux)
    transformed = _f.value_and_grad(inner, argnums)

    def wrapped(*args: Any) -> Any:
        value, g = transformed(*args)
        return (g, (value, box[0])) if has_aux else (g, value)

    return wrapped


def jacrev(func: Callable[..., Any], argnums: ArgNums = 0, has_aux: bool = False) -> Callable:
    """The Jacobian, shape `output.shape + input.shape`, by reverse mode."""
    inner, box = _split_aux(func, has_aux)
    transformed = _f.jacobian(inner, argnums)

    def wrapped(*args: Any) -> Any:
        jac = transformed(*args)
        return (jac, box[0]) if has_aux else jac

    return wrapped


def jacfwd(func: Callable[..., Any], argnums: ArgNums = 0, has_aux: bool = False) -> Callable:
    """The Jacobian (PyTorch computes it in forward mode; glassgrad in reverse mode, with the
    same result)."""
    return jacrev(func, argnums, has_aux)


def hessian(func: Callable[..., Any], argnums: int = 0) -> Callable:
    """The Hessian of a function with a one-element output: shape `input.shape * 2`."""
    return _f.hessian(func, argnums)


def vjp(func: Callable[..., Any], *primals: Any, has_aux: bool = False) -> tuple:
    """`(output, vjp_fn)`, and with `has_aux` `(output, vjp_fn, aux)`; `vjp_fn(v)` is a tuple
    with one gradient per primal."""
    inner, box = _split_aux(func, has_aux)
    out, vjp_fn = _f.vjp(inner, *primals)
    return (out, vjp_fn, box[0]) if has_aux else (out, vjp_fn)


def jvp(
    func: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any], has_aux: bool = False
) -> tuple:
    """`(output, J @ tangents)`, and with `has_aux` `(output, jvp, aux)`."""
    inner, box = _split_aux(func, has_aux)
    out, jv = _f.jvp(inner, primals, tangents)
    return (out, jv, box[0]) if has_aux else (out, jv)


def vmap(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Callable:
    """Not available: glassgrad does not batch functions. Loop over the batch, or write the
    function for a batch axis."""
    raise NotImplementedError(
        "autodiff.func.vmap: glassgrad has no vmap; loop over the batch, or write the function "
        "to take the batch axis"
    )


__all__ = ["grad", "grad_and_value", "hessian", "jacfwd", "jacrev", "jvp", "vjp", "vmap"]
