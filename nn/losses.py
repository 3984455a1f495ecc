"""Loss modules: `criterion = CrossEntropyLoss(); loss = criterion(scores, labels)`.

Each wraps the function of the same name in `nn.functional` (see there for the formulas and
the fused, stable ones). `reduction` is "mean" (default), "sum" or "none" (per-sample losses).
"""

from __future__ import annotations

from typing import Any

from autodiff import Tensor

from . import functional as F
from .functional.loss import KL_REDUCTIONS, REDUCTIONS
from .module import Module
from .validate import check_int


class _Loss(Module):
    # reduction keyword-only: PyTorch's positional slots before it are weight / size_average,
    # so a positional "sum" would mean something else there
    def __init__(self, *, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in REDUCTIONS:
            raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
        self.reduction = reduction

    def _weights(self, **weights: Tensor | None) -> None:
        """Register PyTorch's weight tensors as buffers (in the state dict, as PyTorch's; read
        at forward, so a value set later is used)."""
        for name, weight in weights.items():
            if weight is not None and not isinstance(weight, Tensor):
                raise TypeError(
                    f"{type(self).__name__}: {name} must be a Tensor or None, got {weight!r} "
                    "(reduction and the other arguments are keyword-only, not positional)"
                )
            self.register_buffer(name, weight)


class _WeightedLoss(_Loss):
    """A loss with PyTorch's per-class `weight` and its `ignore_index`."""

    def __init__(
        self, weight: Tensor | None = None, *, ignore_index: int = -100, reduction: str = "mean"
    ) -> None:
        super().__init__(reduction=reduction)
        self._weights(weight=weight)
        self.ignore_index = check_int(type(self).__name__, "ignore_index", ignore_index)


class CrossEntropyLoss(_WeightedLoss):
    """Softmax + cross-entropy in one fused, stable op (the lessons' SoftmaxWithLoss).

    input: logits (N, C), (N, C, d1, ...) or (C,); target: labels (N,) / (N, d1, ...) / () or
    probabilities of the input's shape. `weight` (C,), `ignore_index` and `label_smoothing`
    are PyTorch's (see F.cross_entropy). Finite loss and gradients at any finite logits.
    """

    def __init__(
        self,
        weight: Tensor | None = None,
        *,
        ignore_index: int = -100,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(weight, ignore_index=ignore_index, reduction=reduction)
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.cross_entropy(
            input,
            target,
            self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of log-probabilities (N, C) (e.g. LogSoftmax's) at labels (N,),
    (N, C, d1, ...) at (N, d1, ...) too; `weight` and `ignore_index` as F.nll_loss."""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.nll_loss(
            input, target, self.weight, ignore_index=self.ignore_index, reduction=self.reduction
        )


class MSELoss(_Loss):
    """Mean squared error, (input - target)^2 over every element."""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error, |input - target| over every element."""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """0.5 * d^2 / beta where |d| < beta, else |d| - 0.5 * beta, over every element (d = input -
    target): quadratic near zero, linear beyond beta (Fast R-CNN's box loss)."""

    def __init__(self, *, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """0.5 * d^2 where |d| < delta, else delta * (|d| - 0.5 * delta), over every element (d =
    input - target): SmoothL1Loss(beta=delta) times delta."""

    def __init__(self, *, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class KLDivLoss(Module):
    """The Kullback-Leibler divergence of log-probabilities `input` from `target` (see
    F.kl_div); reduction is "mean" (PyTorch's default, which warns), "batchmean" (the
    divergence per sample), "sum" or "none"."""

    def __init__(self, *, reduction: str = "mean", log_target: bool = False) -> None:
        super().__init__()
        if reduction not in KL_REDUCTIONS:
            raise ValueError(f"reduction must be one of {KL_REDUCTIONS}, got {reduction!r}")
        self.reduction = reduction
        self.log_target = log_target

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class BCELoss(_Loss):
    """Binary cross-entropy of probabilities in [0, 1]; `weight` scales each element's loss.

    Like PyTorch, log(p) and log(1 - p) are clamped at -100, so a probability of exactly 0 or 1
    gives a large but finite loss and gradient (the lessons add 1e-7 inside the log instead).
    """

    def __init__(self, weight: Tensor | None = None, *, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        self._weights(weight=weight)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.binary_cross_entropy(input, target, self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid + binary cross-entropy, fused: max(x, 0) - x t + log1p(exp(-|x|)), stable.
    `pos_weight` scales the positive term (one per class), `weight` each element's loss."""

    def __init__(
        self,
        weight: Tensor | None = None,
        *,
        reduction: str = "mean",
        pos_weight: Tensor | None = None,
    ) -> None:
        super().__init__(reduction=reduction)
        self._weights(weight=weight, pos_weight=pos_weight)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.binary_cross_entropy_with_logits(
            input, target, self.weight, reduction=self.reduction, pos_weight=self.pos_weight
        )


class MultiMarginLoss(_Loss):
    """CS231n's multi-class SVM loss with PyTorch's semantics (see F.multi_margin_loss):
    sum over j != y of max(0, margin - x_y + x_j)^p, divided by C; `weight` (C,) per class."""

    def __init__(
        self,
        p: int = 1,
        margin: float = 1.0,
        weight: Tensor | None = None,
        *,
        reduction: str = "mean",
    ) -> None:
        super().__init__(reduction=reduction)
        if p not in (1, 2):  # PyTorch checks it here too
            raise ValueError(f"MultiMarginLoss: p must be 1 or 2, got {p!r}")
        self.p = p
        self.margin = margin
        self._weights(weight=weight)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.multi_margin_loss(
            input, target, self.p, self.margin, self.weight, reduction=self.reduction
        )
