"""Adagrad: per-element learning rates that shrink with the sum of squared gradients."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from autodiff import Tensor

from .optimizer import Optimizer, ParamGroup, Params, check_nonnegative


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011), following PyTorch's documented algorithm
    (torch.optim.Adagrad).

    For each parameter p with gradient g, at step t = 1, 2, ...:

        g = g + weight_decay * p                   (L2 regularisation, if weight_decay != 0)
        clr = lr / (1 + (t - 1) * lr_decay)
        sum = sum + g * g                          (sum starts at initial_accumulator_value)
        p = p - clr * g / (sqrt(sum) + eps)

    State per parameter: "step" (t, a number) and "sum" (shaped like p).

    The lessons' AdaGrad (h += g * g; p -= lr * g / (sqrt(h) + 1e-7)) is this with eps=1e-7.
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
    ) -> None:
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
        )
        super().__init__(params, defaults)

    def check_group(self, group: Mapping[str, Any], where: str) -> None:
        names = ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps")
        check_nonnegative(where, **{name: group[name] for name in names})

    def state_names(self, group: Mapping[str, Any]) -> tuple[str, ...]:
        return ("step", "sum")

    def _update(
        self, param: Tensor, grad: np.ndarray, state: dict[str, Any], group: ParamGroup
    ) -> None:
        lr, lr_decay, eps = float(group["lr"]), float(group["lr_decay"]), float(group["eps"])
        weight_decay = float(group["weight_decay"])
        if not state:
            state["step"] = 0
            state["sum"] = np.full_like(param.data, float(group["initial_accumulator_value"]))
        state["step"] += 1
        if weight_decay != 0:
            grad = grad + weight_decay * param.data
        clr = lr / (1 + (state["step"] - 1) * lr_decay)
        state["sum"] += grad * grad
        std = np.sqrt(state["sum"]) + eps
        param.add_(-clr * grad / std)
