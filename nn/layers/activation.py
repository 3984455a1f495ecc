"""Activation layers: parameter-free modules around `nn.functional`'s activations."""

from __future__ import annotations

from autodiff import Tensor

from .. import functional as F
from ..module import Module
from ..validate import check_int, check_real


class ReLU(Module):
    """max(x, 0), elementwise."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        _not_inplace("ReLU", inplace)
        self.inplace = False  # PyTorch's attribute: F.relu refuses True if it is set later

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(x, self.inplace)


class LeakyReLU(Module):
    """x where x > 0, else negative_slope * x."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        _not_inplace("LeakyReLU", inplace)
        self.negative_slope = check_real("LeakyReLU", "negative_slope", negative_slope)
        self.inplace = False  # as ReLU's

    def forward(self, x: Tensor) -> Tensor:
        return F.leaky_relu(x, self.negative_slope, self.inplace)

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

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        # None: PyTorch's implicit choice at each call, with its warning (see F.softmax)
        self.dim = None if dim is None else check_int(type(self).__name__, "dim", dim)

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


class GELU(Module):
    """x * Phi(x), Phi the standard normal CDF; `approximate="tanh"` for the tanh form."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        return F.gelu(x, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """x * sigmoid(x), elementwise (the swish)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        _not_inplace("SiLU", inplace)
        self.inplace = False  # as ReLU's

    def forward(self, x: Tensor) -> Tensor:
        return F.silu(x, self.inplace)


def _not_inplace(layer: str, inplace: bool) -> None:
    # An in-place activation overwrites its input, and code may read the input afterwards
    # expecting the activated values: computing out of place instead would be a silent change.
    if inplace:
        raise NotImplementedError(
            f"{layer}(inplace=True): glassgrad's activations do not modify their input; use "
            "inplace=False (the default) and the returned tensor"
        )
