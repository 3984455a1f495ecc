"""Activation layers: parameter-free modules around `nn.functional`'s activations."""

from __future__ import annotations

from autodiff import Tensor

from .. import functional as F
from ..module import Module
from ..validate import check_int, check_real


class ReLU(Module):
    """max(x, 0), elementwise."""

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(x)


class LeakyReLU(Module):
    """x where x > 0, else negative_slope * x."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = check_real("LeakyReLU", "negative_slope", negative_slope)

    def forward(self, x: Tensor) -> Tensor:
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Sigmoid(Module):
    """1 / (1 + exp(-x)), elementwise and stable."""

    def forward(self, x: Tensor) -> Tensor:
        return F.sigmoid(x)


class Tanh(Module):
    def forward(self, x: Tensor) -> Tensor:
        return F.tanh(x)


class Softmax(Module):
    """Probabilities along `dim` (each slice sums to 1)."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = check_int(type(self).__name__, "dim", dim)

    def forward(self, x: Tensor) -> Tensor:
        return F.softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """log(softmax(x)) along `dim`, computed stably."""

    def forward(self, x: Tensor) -> Tensor:
        return F.log_softmax(x, self.dim)


class Step(Module):
    """The McCulloch-Pitts neuron's activation: 1 where x > 0, else 0.

    Its gradient is zero (see `nn.functional.step`): it can sit in a graph that is
    backpropagated, but the layers before it receive zero gradients and do not learn.
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.step(x)
