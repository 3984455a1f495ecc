"""Adadelta: steps scaled by the ratio of running RMS of past steps to that of gradients."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from autodiff import Tensor

from ..validate import check_real
from .optimizer import Optimizer, ParamGroup, Params, check_nonnegative


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012), following PyTorch's documented algorithm
    (torch.optim.Adadelta).

    For each parameter p with gradient g, at step t:

        g = g + weight_decay * p                        (L2 regularisation, if weight_decay != 0)
        v = rho * v + (1 - rho) * g * g                 (v starts at 0)
        delta = sqrt(u + eps) / sqrt(v + eps) * g       (u starts at 0)
        u = rho * u + (1 - rho) * delta * delta
        p = p - lr * delta

    State per parameter: "step" (t), "square_avg" (v) and "acc_delta" (u), arrays shaped like p.
    The paper has no learning rate (lr=1.0, the default, is the paper's rule).
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay))

    def check_group(self, group: Mapping[str, Any], where: str) -> None:
        check_nonnegative(
            where, lr=group["lr"], eps=group["eps"], weight_decay=group["weight_decay"]
        )
        check_real(where, "rho", group["rho"], minimum=0, maximum=1)

    def state_names(self, group: Mapping[str, Any]) -> tuple[str, ...]:
        return ("step", "square_avg", "acc_delta")

    def _update(
        self, param: Tensor, grad: np.ndarray, state: dict[str, Any], group: ParamGroup
    ) -> None:
        lr, rho, eps = float(group["lr"]), float(group["rho"]), float(group["eps"])
        weight_decay = float(group["weight_decay"])
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(param.data)
            state["acc_delta"] = np.zeros_like(param.data)
        state["step"] += 1
        if weight_decay != 0:
            grad = grad + weight_decay * param.data

        square_avg, acc_delta = state["square_avg"], state["acc_delta"]
        square_avg *= rho
        square_avg += (1 - rho) * grad * grad
        delta = np.sqrt(acc_delta + eps) / np.sqrt(square_avg + eps) * grad
        acc_delta *= rho
        acc_delta += (1 - rho) * delta * delta
        param.sub_(delta, alpha=lr)
