"""RMSprop: gradients divided by a running root-mean-square of recent gradients."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from autodiff import Tensor

from ..validate import check_bool
from .optimizer import Optimizer, ParamGroup, Params, check_nonnegative


class RMSprop(Optimizer):
    """RMSprop (Hinton's lecture 6e), following PyTorch's documented algorithm
    (torch.optim.RMSprop).

    For each parameter p with gradient g, at step t:

        g = g + weight_decay * p                       (L2 regularisation, if weight_decay != 0)
        v = alpha * v + (1 - alpha) * g * g            (v starts at 0)
        if centered:
            m = m + (1 - alpha) * (g - m)              (the running mean of g, from 0)
            avg = sqrt(v - m * m) + eps
        else:
            avg = sqrt(v) + eps
        if momentum > 0:
            b = momentum * b + g / avg                 (b starts at 0)
            p = p - lr * b
        else:
            p = p - lr * g / avg

    State per parameter: "step" (t), "square_avg" (v), "momentum_buffer" (b, only when
    momentum > 0) and "grad_avg" (m, only when centered), the arrays shaped like p.

    One departure: when centered, rounding can make v - m * m slightly negative for a nearly
    constant gradient; PyTorch then produces NaN, here it is clamped at 0.

    The lessons' RMSprop (decay_rate 0.99, eps 1e-7) is this with alpha=0.99, eps=1e-7.
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            alpha=alpha,
            eps=eps,
            weight_decay=weight_decay,
            momentum=momentum,
            centered=centered,
        )
        super().__init__(params, defaults)

    def check_group(self, group: Mapping[str, Any], where: str) -> None:
        names = ("lr", "alpha", "eps", "weight_decay", "momentum")
        check_nonnegative(where, **{name: group[name] for name in names})
        check_bool(where, "centered", group["centered"])

    def state_names(self, group: Mapping[str, Any]) -> tuple[str, ...]:
        names = ("step", "square_avg")
        if group["momentum"] > 0:
            names += ("momentum_buffer",)
        if group["centered"]:
            names += ("grad_avg",)
        return names

    def _update(
        self, param: Tensor, grad: np.ndarray, state: dict[str, Any], group: ParamGroup
    ) -> None:
        lr, alpha, eps = float(group["lr"]), float(group["alpha"]), float(group["eps"])
        weight_decay, momentum = float(group["weight_decay"]), float(group["momentum"])
        if not state:
            state["step"] = 0
            for name in self.state_names(group)[1:]:  # after "step", arrays shaped like p
                state[name] = np.zeros_like(param.data)
        state["step"] += 1
        if weight_decay != 0:
            grad = grad + weight_decay * param.data

        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * grad * grad
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg += (1 - alpha) * (grad - grad_avg)
            avg = np.sqrt(np.maximum(square_avg - grad_avg * grad_avg, 0)) + eps
        else:
            avg = np.sqrt(square_avg) + eps

        if momentum > 0:
            buf = state["momentum_buffer"]
            buf *= momentum
            buf += grad / avg
            param.sub_(buf, alpha=lr)
        else:
            param.add_(-lr * grad / avg)
