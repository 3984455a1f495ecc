"""AdamW: Adam with decoupled weight decay."""

from __future__ import annotations

from .adam import Adam
from .optimizer import Params


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019), following PyTorch's
    documented algorithm (torch.optim.AdamW).

    The same as `Adam` except that the weight decay does not enter the gradient (and so is not
    rescaled by the adaptive denominator); each step first shrinks the parameter:

        p = p * (1 - lr * weight_decay)
        ... then Adam's update with weight_decay = 0.

    State per parameter: as Adam's, "step", "exp_avg", "exp_avg_sq" (+ "max_exp_avg_sq").
    """

    decoupled_weight_decay = True
    fixed_options = (*Adam.fixed_options[:-1], ("decoupled_weight_decay", True))

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)
