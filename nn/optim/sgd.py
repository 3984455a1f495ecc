"""SGD: stochastic gradient descent, with (Nesterov) momentum and weight decay."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from autodiff import Tensor

from ..validate import check_bool, check_real
from .optimizer import Optimizer, ParamGroup, Params, check_nonnegative


class SGD(Optimizer):
    """Stochastic gradient descent, following PyTorch's documented algorithm (torch.optim.SGD).

    For each parameter p (any shape) with gradient g, at step t:

        g = g + weight_decay * p                      (L2 regularisation, if weight_decay != 0)
        if momentum != 0:
            b = g                                     (t = 1)
            b = momentum * b + (1 - dampening) * g    (t > 1)
            g = g + momentum * b   if nesterov   else   b
        p = p - lr * g

    State per parameter: "momentum_buffer" (b, shaped like p), only when momentum != 0.

    With a constant lr and no dampening this is the lessons' momentum, v = momentum * v - lr * g;
    p = p + v (v = -lr * b), and Nesterov's p = p - momentum * v_old + (1 + momentum) * v.
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        # PyTorch's order and defaults (torch 2.x): a positional call binds as in PyTorch.
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
        )
        super().__init__(params, defaults)

    def check_group(self, group: Mapping[str, Any], where: str) -> None:
        check_nonnegative(
            where, lr=group["lr"], momentum=group["momentum"], weight_decay=group["weight_decay"]
        )
        check_real(where, "dampening", group["dampening"])
        if check_bool(where, "nesterov", group["nesterov"]) and (
            group["momentum"] <= 0 or group["dampening"] != 0
        ):
            raise ValueError(
                f"{where}: Nesterov momentum requires a momentum > 0 and zero dampening"
            )

    def state_names(self, group: Mapping[str, Any]) -> tuple[str, ...]:
        return ("momentum_buffer",) if group["momentum"] != 0 else ()

    def _update(
        self, param: Tensor, grad: np.ndarray, state: dict[str, Any], group: ParamGroup
    ) -> None:
        lr, momentum = float(group["lr"]), float(group["momentum"])
        weight_decay, dampening = float(group["weight_decay"]), float(group["dampening"])
        if weight_decay != 0:
            grad = grad + weight_decay * param.data
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                # A copy: the gradient array is accumulated into in place by later backwards.
                # (np.array: with weight decay a 0-d grad is a numpy scalar, which `*=` below
                # would replace instead of update.)
                buf = state["momentum_buffer"] = np.array(grad, copy=True)
            else:
                buf *= momentum
                buf += (1 - dampening) * grad
            grad = grad + momentum * buf if group["nesterov"] else buf
        param.sub_(grad, alpha=lr)
