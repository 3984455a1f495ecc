"""Loss modules: `criterion = CrossEntropyLoss(); loss = criterion(scores, labels)`.

Each wraps the function of the same name in `nn.functional` (see there for the formulas and
the fused, stable ones). `reduction` is "mean" (default), "sum" or "none" (per-sample losses).
"""

from __future__ import annotations

from typing import Any

from autodiff import Tensor

from . import functional as F
from .functional.loss import REDUCTIONS
from .module import Module
from .validate import check_default


class _Loss(Module):
    # reduction keyword-only: PyTorch's positional slots before it are weight / size_average,
    # so a positional "sum" would mean something else there
    def __init__(self, *, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in REDUCTIONS:
            raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
        self.reduction = reduction
        for name, default in self._pytorch_defaults.items():
            setattr(self, name, default)

    #: PyTorch's further attributes of this loss (e.g. label_smoothing), with their defaults:
    #: glassgrad supports only these values. PyTorch reads the attributes at forward, so a value
    #: set after construction is checked there (`_check_defaults`) rather than ignored.
    _pytorch_defaults: dict[str, Any] = {}

    def _check_defaults(self) -> None:
        for name, default in self._pytorch_defaults.items():
            value = getattr(self, name)
            if value is not default:
                check_default(type(self).__name__, name, value, default)

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class CrossEntropyLoss(_Loss):
    """Softmax + cross-entropy in one fused, stable op (the lessons' SoftmaxWithLoss).

    input: logits (N, C); target: labels (N,) or probabilities / one-hot rows (N, C).
    Finite loss and gradients at any finite logits (e.g. +-1000).
    """

    _pytorch_defaults = {"weight": None, "ignore_index": -100, "label_smoothing": 0.0}

    def forward(self, input: Tensor, target: Any) -> Tensor:
        self._check_defaults()
        return F.cross_entropy(input, target, reduction=self.reduction)


class NLLLoss(_Loss):
    """Negative log-likelihood of log-probabilities (N, C) (e.g. LogSoftmax's) at labels (N,)."""

    _pytorch_defaults = {"weight": None, "ignore_index": -100}

    def forward(self, input: Tensor, target: Any) -> Tensor:
        self._check_defaults()
        return F.nll_loss(input, target, reduction=self.reduction)


class MSELoss(_Loss):
    """Mean squared error, (input - target)^2 over every element."""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error, |input - target| over every element."""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.l1_loss(input, target, reduction=self.reduction)


class BCELoss(_Loss):
    """Binary cross-entropy of probabilities in [0, 1].

    Like PyTorch, log(p) and log(1 - p) are clamped at -100, so a probability of exactly 0 or 1
    gives a large but finite loss and gradient (the lessons add 1e-7 inside the log instead).
    """

    _pytorch_defaults = {"weight": None}

    def forward(self, input: Tensor, target: Any) -> Tensor:
        self._check_defaults()
        return F.binary_cross_entropy(input, target, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid + binary cross-entropy, fused: max(x, 0) - x t + log1p(exp(-|x|)), stable."""

    _pytorch_defaults = {"weight": None, "pos_weight": None}

    def forward(self, input: Tensor, target: Any) -> Tensor:
        self._check_defaults()
        return F.binary_cross_entropy_with_logits(input, target, reduction=self.reduction)


class MultiMarginLoss(_Loss):
    """CS231n's multi-class SVM loss with PyTorch's semantics (see F.multi_margin_loss):
    sum over j != y of max(0, margin - x_y + x_j)^p, divided by C."""

    def __init__(self, p: int = 1, margin: float = 1.0, *, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        self.p = p
        self.margin = margin

    _pytorch_defaults = {"weight": None}

    def forward(self, input: Tensor, target: Any) -> Tensor:
        self._check_defaults()
        return F.multi_margin_loss(input, target, self.p, self.margin, reduction=self.reduction)
