"""Gradient clipping: rescale (`clip_grad_norm_`) or clamp (`clip_grad_value_`) the gradients
in place, between `backward()` and `step()`."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

import autodiff
from autodiff import Tensor


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Scale the gradients so that their joint norm is at most `max_norm`, like PyTorch's
    torch.nn.utils.clip_grad_norm_.

    The norm is that of all gradients concatenated into one vector (parameters whose `.grad` is
    None are skipped); `norm_type` is p of the p-norm, `float("inf")` for the largest |g|. Every
    gradient is multiplied by min(1, max_norm / (total_norm + 1e-6)), so the direction is kept;
    as in PyTorch, a NaN total norm makes every gradient NaN (an infinite one makes the finite
    gradients 0).

    Returns the total norm before clipping as a 0-d Tensor (in the gradients' dtype). With
    `error_if_nonfinite`, a NaN or infinite total norm raises a RuntimeError instead.
    `foreach` picks PyTorch's implementation, not the result: accepted and ignored, as in the
    optimizers' groups.
    """
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return autodiff.tensor(0.0)
    norm_type = float(norm_type)
    dtype = np.result_type(*(g.dtype for g in grads))
    # The norm of the per-gradient norms equals the norm of the concatenation, without the copy.
    norms = [np.linalg.norm(g.data.ravel(), ord=norm_type) for g in grads if g.numel()]
    total = np.linalg.norm(np.asarray(norms, dtype=dtype), ord=norm_type) if norms else 0.0
    total = np.asarray(total, dtype=dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is "
            f"{float(total)}, so they cannot be clipped; pass error_if_nonfinite=False to "
            "clip anyway (the gradients become NaN)"
        )
    coef = float(max_norm) / (total + 1e-6)
    # PyTorch multiplies by min(coef, 1) unconditionally, so a NaN norm (NaN coef) makes every
    # gradient NaN, loudly, rather than leaving them unclipped. Only a coef that is a number
    # >= 1 (a multiplication by exactly 1) is skipped. (inf * 0 is NaN here by design, as in
    # PyTorch: no warning for it.)
    if not coef >= 1:
        with autodiff.no_grad(), np.errstate(invalid="ignore"):
            for g in grads:
                g.mul_(coef.astype(g.dtype))
    return autodiff.tensor(total)


def clip_grad_value_(
    parameters: Tensor | Iterable[Tensor], clip_value: float, foreach: bool | None = None
) -> None:
    """Clamp every gradient element into [-clip_value, clip_value], in place (PyTorch's
    torch.nn.utils.clip_grad_value_). Parameters whose `.grad` is None are skipped; `foreach`
    (PyTorch's choice of implementation) is accepted and ignored."""
    if not clip_value >= 0:
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value!r}")
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    with autodiff.no_grad():
        for p in params:
            if p.grad is not None:
                p.grad.copy_(np.clip(p.grad.data, -clip_value, clip_value))
