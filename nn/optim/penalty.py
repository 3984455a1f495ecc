"""Explicit regularisation terms to add to a loss: `l2_penalty` and `l1_penalty`.

    loss = criterion(model(x), t) + lam * l2_penalty(w for name, w in model.named_parameters()
                                                      if name.endswith("weight"))

The L2 term carries the lessons' factor 1/2 (Saito: loss + 0.5 * lambda * sum(W**2); CS231n's
FullyConnectedNet: 0.5 * reg * sum(W * W)), so its gradient is lam * w — the same as passing
`weight_decay=lam` to an optimizer, which adds lam * w to the gradient without building the term.
"""

from __future__ import annotations

from collections.abc import Iterable

import autodiff
from autodiff import Tensor


def l2_penalty(params: Tensor | Iterable[Tensor]) -> Tensor:
    """0.5 * the sum of w**2 over every element of every tensor in `params` (a 0-d Tensor;
    differentiable; its gradient w.r.t. w is w). An empty `params` gives 0."""
    return 0.5 * _total([(w * w).sum() for w in _as_list(params)])


def l1_penalty(params: Tensor | Iterable[Tensor]) -> Tensor:
    """The sum of |w| over every element of every tensor in `params` (a 0-d Tensor;
    differentiable; its gradient is sign(w), 0 at w = 0). An empty `params` gives 0."""
    return _total([autodiff.abs(w).sum() for w in _as_list(params)])


def _as_list(params: Tensor | Iterable[Tensor]) -> list[Tensor]:
    return [params] if isinstance(params, Tensor) else list(params)


def _total(terms: list[Tensor]) -> Tensor:
    return sum(terms[1:], terms[0]) if terms else autodiff.tensor(0.0)
