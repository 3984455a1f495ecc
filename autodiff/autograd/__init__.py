"""`autodiff.autograd`: PyTorch's `torch.autograd`, with PyTorch's signatures.

    import autodiff as torch
    (g,) = torch.autograd.grad(loss, x, create_graph=True)
    torch.autograd.gradcheck(MyOp.apply, (x,))

`Function` (forward and backward on Tensors), `grad`, `backward`, `gradcheck`, `gradgradcheck`,
`functional` (jacobian, hessian, vjp, jvp, hvp, vhp), and the grad-mode and anomaly switches.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..anomaly import detect_anomaly, is_anomaly_enabled
from ..engine import backward_into, gradients, run_backward
from ..grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from ..gradcheck import GradcheckError, _gradcheck, _gradgradcheck, _requires_grad
from ..tensor import Tensor
from . import functional
from .function import Function

Tensors = Tensor | Sequence[Tensor]


def _tuple(values: Any) -> tuple:
    return (values,) if isinstance(values, Tensor) or values is None else tuple(values)


def grad(
    outputs: Tensors,
    inputs: Tensors,
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    only_inputs: bool = True,
    allow_unused: bool | None = None,
    is_grads_batched: bool = False,
    materialize_grads: bool = False,
) -> tuple[Tensor | None, ...]:
    """The gradients of `outputs` with respect to `inputs`, as a tuple (`.grad` is untouched).

    `grad_outputs` is d(loss)/d(outputs) (one per output, None for a one-element output);
    unused inputs raise unless `allow_unused` (then None) or `materialize_grads` (then zeros).
    """
    if is_grads_batched:
        raise NotImplementedError(
            "autograd.grad: is_grads_batched=True needs vmap, which "
            "glassgrad does not have; loop over the batch instead"
        )
    if allow_unused is None:
        allow_unused = materialize_grads
    if not _tuple(inputs):  # PyTorch's error: an empty tuple of gradients would hide a slip
        raise RuntimeError("autograd.grad: `inputs` argument to `grad()` cannot be empty.")
    outs = _tuple(outputs)
    grads = None if grad_outputs is None else _tuple(grad_outputs)
    if grads is not None and len(grads) != len(outs):
        raise RuntimeError(
            f"autograd.grad: grad_outputs has {len(grads)} entries but there are "
            f"{len(outs)} outputs"
        )
    result = gradients(
        outs,
        _tuple(inputs),
        grad_outputs=grads,
        retain_graph=retain_graph,
        create_graph=create_graph,
        allow_unused=allow_unused,
    )
    if materialize_grads:
        from ..creation import zeros_like

        result = tuple(zeros_like(x) if g is None else g for g, x in zip(result, _tuple(inputs)))
    return result


def backward(
    tensors: Tensors,
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Tensors | None = None,
) -> None:
    """Accumulate the gradients of `tensors` into the leaves' `.grad` (into `inputs`' only, if
    given) — `torch.autograd.backward`."""
    outs = _tuple(tensors)
    grads = (None,) * len(outs) if grad_tensors is None else _tuple(grad_tensors)
    if inputs is None:
        run_backward(outs, grads, retain_graph, create_graph)
        return
    backward_into(outs, grads, retain_graph, create_graph, _tuple(inputs))


def gradcheck(
    func: Callable[..., Tensor],
    inputs: Any,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    fast_mode: bool = False,
) -> bool:
    """PyTorch's gradcheck: compare the backward of `func` with central differences for every
    input Tensor that requires grad (`inputs` is a Tensor or a tuple; other entries are passed
    as they are). glassgrad evaluates in float64, on copies of the inputs, whatever their dtype
    (PyTorch checks in the inputs' own dtype and asks for float64)."""
    if nondet_tol:
        raise NotImplementedError(
            "gradcheck: nondet_tol is not supported (backward is deterministic here)"
        )
    return _gradcheck(
        func, _tuple(inputs), _requires_grad, eps, atol, rtol, None, 0, raise_exception
    )


def gradgradcheck(
    func: Callable[..., Tensor],
    inputs: Any,
    grad_outputs: Any = None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    fast_mode: bool = False,
) -> bool:
    """PyTorch's gradgradcheck: check the second derivatives of `func` (random cotangents are
    drawn when `grad_outputs` is None; given ones are not supported)."""
    if grad_outputs is not None:
        raise NotImplementedError(
            "gradgradcheck: grad_outputs is not supported; it draws random cotangents"
        )
    if nondet_tol:
        raise NotImplementedError("gradgradcheck: nondet_tol is not supported")
    return _gradgradcheck(func, _tuple(inputs), _requires_grad, eps, atol, rtol, 0, raise_exception)


def set_detect_anomaly(mode: bool, check_nan: bool = True, *, check_inf: bool = False) -> None:
    """Switch anomaly detection on or off (PyTorch's `torch.autograd.set_detect_anomaly`;
    `check_inf` is glassgrad's: stop at infinite gradients too)."""
    from ..anomaly import set_anomaly

    set_anomaly(mode, check_nan, check_inf)


__all__ = [
    "Function",
    "GradcheckError",
    "backward",
    "detect_anomaly",
    "enable_grad",
    "functional",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "inference_mode",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "no_grad",
    "set_detect_anomaly",
    "set_grad_enabled",
]
