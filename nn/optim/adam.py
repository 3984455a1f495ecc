"""Adam: momentum on the gradient and RMSprop-style scaling, both bias-corrected."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from autodiff import Tensor, threads

from ..validate import check_bool, check_real
from .optimizer import Optimizer, ParamGroup, Params, check_nonnegative


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), following PyTorch's documented algorithm (torch.optim.Adam).

    For each parameter p with gradient g, at step t = 1, 2, ...:

        g = g + weight_decay * p                    (L2 regularisation, if weight_decay != 0)
        m = beta1 * m + (1 - beta1) * g             (m, v start at 0)
        v = beta2 * v + (1 - beta2) * g * g
        v_max = max(v_max, v)                       (amsgrad only; v_max starts at 0)
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)                  (v_max instead of v with amsgrad)
        p = p - lr * m_hat / (sqrt(v_hat) + eps)

    State per parameter: "step" (t), "exp_avg" (m), "exp_avg_sq" (v) and, with amsgrad,
    "max_exp_avg_sq" (v_max); the arrays are shaped like p.

    Computed as PyTorch does, p -= lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps),
    so steps agree to float precision. The lessons' Adam adds eps to sqrt(v) before the bias
    correction instead, which differs only while sqrt(v) is near eps.
    """

    # AdamW sets this: weight decay shrinks p directly instead of entering the gradient.
    decoupled_weight_decay = False
    # PyTorch's Adam(decoupled_weight_decay=True) is AdamW's rule (and False on AdamW is
    # Adam's): a group may only restate the rule of the class it is in.
    fixed_options = (*Optimizer.fixed_options, ("decoupled_weight_decay", False))

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ) -> None:
        betas = tuple(betas) if isinstance(betas, list | tuple) else betas
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad)
        super().__init__(params, defaults)

    def add_param_group(self, param_group: Mapping[str, Any]) -> None:
        # A group's betas may be a list, as the constructor's may (and as PyTorch accepts):
        # stored as a tuple, so the group, its check and its state dict see one form.
        if isinstance(param_group, Mapping) and isinstance(param_group.get("betas"), list):
            param_group = {**param_group, "betas": tuple(param_group["betas"])}
        super().add_param_group(param_group)

    def check_group(self, group: Mapping[str, Any], where: str) -> None:
        check_nonnegative(
            where, lr=group["lr"], eps=group["eps"], weight_decay=group["weight_decay"]
        )
        betas = group["betas"]
        if not isinstance(betas, tuple) or len(betas) != 2:
            raise TypeError(f"{where}: betas must be a pair (beta1, beta2), got {betas!r}")
        for i, beta in enumerate(betas):
            check_real(where, f"betas[{i}]", beta, minimum=0, below=1)
        check_bool(where, "amsgrad", group["amsgrad"])

    def state_names(self, group: Mapping[str, Any]) -> tuple[str, ...]:
        names = ("step", "exp_avg", "exp_avg_sq")
        return names + ("max_exp_avg_sq",) if group["amsgrad"] else names

    def _update(
        self, param: Tensor, grad: np.ndarray, state: dict[str, Any], group: ParamGroup
    ) -> None:
        lr, eps = float(group["lr"]), float(group["eps"])
        weight_decay = float(group["weight_decay"])
        beta1, beta2 = (float(b) for b in group["betas"])
        if not state:
            state["step"] = 0
            for name in self.state_names(group)[1:]:  # after "step", arrays shaped like p
                state[name] = np.zeros_like(param.data)
        state["step"] += 1
        t = state["step"]
        if weight_decay != 0:
            if self.decoupled_weight_decay:
                param.mul_(1 - lr * weight_decay)
            else:
                grad = grad + weight_decay * param.data

        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        max_sq = state["max_exp_avg_sq"] if group["amsgrad"] else None
        # In place, through one scratch array: each line of _arithmetic is one pass over the
        # parameter, and nothing parameter-sized is allocated but the scratch.
        scratch = np.empty_like(exp_avg)  # (an array even when p is 0-d: numpy gives scalars)
        constants = (beta1, beta2, lr / (1 - beta1**t), (1 - beta2**t) ** 0.5, eps)
        arrays = (np.asarray(grad), exp_avg, exp_avg_sq, max_sq, scratch)
        pieces = threads.parts(scratch.size, 12 * scratch.size, threads.MIN_ELEMENTS_PER_THREAD)
        if len(pieces) > 1 and all(
            a is None or (a.flags.c_contiguous and a.shape == scratch.shape) for a in arrays
        ):
            flat = [None if a is None else a.reshape(-1) for a in arrays]  # views
            threads.run(
                lambda part: _arithmetic(*[a if a is None else a[part] for a in flat], *constants),
                pieces,
            )
        else:
            _arithmetic(*arrays, *constants)
        update = scratch
        param.add_(update)


def _arithmetic(grad, exp_avg, exp_avg_sq, max_sq, scratch, beta1, beta2, step_size, bias2, eps):
    """Adam's elementwise step on arrays of one shape (or matching parts of them): m and v
    updated in place, and scratch = -step_size * m / (sqrt(v) / bias2 + eps)."""
    np.subtract(grad, exp_avg, out=scratch)  # PyTorch's lerp form of beta1*m + (1-beta1)*g
    scratch *= 1 - beta1
    exp_avg += scratch
    exp_avg_sq *= beta2
    np.multiply(grad, 1 - beta2, out=scratch)
    scratch *= grad
    exp_avg_sq += scratch
    if max_sq is not None:
        np.maximum(max_sq, exp_avg_sq, out=max_sq)
        exp_avg_sq = max_sq
    denom = np.sqrt(exp_avg_sq, out=scratch)
    denom /= bias2
    denom += eps
    update = np.divide(exp_avg, denom, out=denom)
    update *= -step_size
