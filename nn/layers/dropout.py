"""Dropout: inverted dropout while training, the identity in evaluation."""

from __future__ import annotations

import numpy as np

from autodiff import Tensor

from .. import functional as F
from ..module import Module
from ..validate import check_real


class Dropout(Module):
    """Zero each element with probability p and scale the rest by 1/(1-p) (training only).

    `generator` makes the masks reproducible; by default they come from the global generator
    (`nn.init.manual_seed`); it is keyword-only, after PyTorch's two arguments. In eval mode the
    input is returned unchanged. `inplace=True` overwrites the input in training (F.dropout).
    """

    def __init__(
        self, p: float = 0.5, inplace: bool = False, *, generator: np.random.Generator | None = None
    ) -> None:
        super().__init__()
        self.p = check_real("Dropout", "p", p, minimum=0, maximum=1)  # p = 1 drops all, as PyTorch
        self.inplace = bool(inplace)
        self.generator = generator

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.training, self.inplace, generator=self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
