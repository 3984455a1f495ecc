"""Activation layers: modules around `nn.functional`'s activations (all parameter-free but
PReLU, whose slope is learned)."""

from __future__ import annotations

from typing import Any

import numpy as np

import autodiff
from autodiff import Tensor
from autodiff.device import check_device

from .. import functional as F
from .. import init as initializers
from ..module import Module, Parameter
from ..validate import check_int, check_real


class ReLU(Module):
    """max(x, 0), elementwise."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = bool(inplace)  # True: forward overwrites its input (F.relu's inplace)

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(x, self.inplace)

    def extra_repr(self) -> str:
        return _inplace_repr(self, "")


class LeakyReLU(Module):
    """x where x > 0, else negative_slope * x."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = check_real("LeakyReLU", "negative_slope", negative_slope)
        self.inplace = bool(inplace)

    def forward(self, x: Tensor) -> Tensor:
        return F.leaky_relu(x, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + _inplace_repr(self, ", ")


class RReLU(Module):
    """The randomized leaky ReLU: in training each element x <= 0 is scaled by a slope drawn
    uniformly from [lower, upper); in eval by (lower + upper) / 2 (see F.rrelu). Shape kept."""

    def __init__(
        self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False
    ) -> None:
        super().__init__()
        self.lower = check_real("RReLU", "lower", lower)
        self.upper = check_real("RReLU", "upper", upper)
        self.inplace = bool(inplace)

    def forward(self, x: Tensor) -> Tensor:
        return F.rrelu(x, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}" + _inplace_repr(self, ", ")


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
        self.inplace = bool(inplace)

    def forward(self, x: Tensor) -> Tensor:
        return F.silu(x, self.inplace)

    def extra_repr(self) -> str:
        return _inplace_repr(self, "")


# ------------------------------------------------------- PyTorch's further activations
# Numbers are kept as given (checked real): PyTorch's reprs print them so, `Softplus(beta=2,
# threshold=10)`.


class Softplus(Module):
    """log(1 + exp(beta x)) / beta, x itself where beta x > threshold. Shape preserved."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        check_real("Softplus", "beta", beta)
        check_real("Softplus", "threshold", threshold)
        self.beta, self.threshold = beta, threshold

    def forward(self, x: Tensor) -> Tensor:
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class ELU(Module):
    """x where x > 0, else alpha * (exp(x) - 1). Shape preserved."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        check_real(type(self).__name__, "alpha", alpha)
        self.alpha = alpha
        self.inplace = bool(inplace)

    def forward(self, x: Tensor) -> Tensor:
        return F.elu(x, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + _inplace_repr(self, ", ")


class CELU(ELU):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1)); alpha = 0 raises when called, as
    PyTorch's. Shape preserved."""

    def forward(self, x: Tensor) -> Tensor:
        return F.celu(x, self.alpha, self.inplace)


class SELU(Module):
    """scale * elu(x, alpha) with the self-normalising constants. Shape preserved."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = bool(inplace)

    def forward(self, x: Tensor) -> Tensor:
        return F.selu(x, self.inplace)

    def extra_repr(self) -> str:
        return _inplace_repr(self, "")


class Hardtanh(Module):
    """Clamp to [min_val, max_val], with a zero gradient at the bounds. Shape preserved."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        check_real(type(self).__name__, "min_val", min_val)
        check_real(type(self).__name__, "max_val", max_val)
        if min_val > max_val:
            raise ValueError(f"{type(self).__name__}: min_val cannot be greater than max_val")
        self.min_val, self.max_val = min_val, max_val
        self.inplace = bool(inplace)

    def forward(self, x: Tensor) -> Tensor:
        return F.hardtanh(x, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}" + _inplace_repr(self, ", ")


class Threshold(Module):
    """`value` where x <= threshold, else x (PyTorch's Threshold); gradient 1 where
    x > threshold, else 0. Shape preserved. Both arguments are required, as PyTorch's."""

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        check_real("Threshold", "threshold", threshold)
        check_real("Threshold", "value", value)
        self.threshold, self.value = threshold, value  # kept as given: PyTorch's repr
        self.inplace = bool(inplace)

    def forward(self, x: Tensor) -> Tensor:
        return F.threshold(x, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}" + _inplace_repr(self, ", ")


class ReLU6(Hardtanh):
    """min(max(x, 0), 6): Hardtanh(0, 6), as PyTorch's (a subclass there too)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return _inplace_repr(self, "")


class _Unary(Module):
    """A parameter-free activation: `function` of x, with `inplace` where PyTorch has it."""

    function: Any = None

    def forward(self, x: Tensor) -> Tensor:
        return type(self).function(x)


class _UnaryInplace(_Unary):
    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = bool(inplace)

    def forward(self, x: Tensor) -> Tensor:
        return type(self).function(x, self.inplace)


class Hardsigmoid(_UnaryInplace):
    """clamp(x + 3, 0, 6) / 6. Shape preserved."""

    function = staticmethod(F.hardsigmoid)


class Hardswish(_UnaryInplace):
    """x * clamp(x + 3, 0, 6) / 6. Shape preserved."""

    function = staticmethod(F.hardswish)


class Mish(_UnaryInplace):
    """x * tanh(softplus(x)). Shape preserved."""

    function = staticmethod(F.mish)

    def extra_repr(self) -> str:
        return _inplace_repr(self, "")


class Softsign(_Unary):
    """x / (1 + |x|). Shape preserved."""

    function = staticmethod(F.softsign)


class LogSigmoid(_Unary):
    """log(sigmoid(x)), stable. Shape preserved."""

    function = staticmethod(F.logsigmoid)


class Tanhshrink(_Unary):
    """x - tanh(x). Shape preserved."""

    function = staticmethod(F.tanhshrink)


class Softmin(Softmax):
    """softmax(-x) along `dim`: each slice sums to 1, the smallest entry weighs most."""

    def forward(self, x: Tensor) -> Tensor:
        return F.softmin(x, self.dim)


class GLU(Module):
    """a * sigmoid(b), a and b the halves of x along `dim`: (..., 2n, ...) -> (..., n, ...)."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = check_int("GLU", "dim", dim)

    def forward(self, x: Tensor) -> Tensor:
        return F.glu(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class PReLU(Module):
    """x where x > 0, else weight * x, with a learned `weight` of num_parameters elements (1,
    or the channels: x.shape[1]), initialised to `init`. (N, C, ...) -> the same shape."""

    def __init__(
        self, num_parameters: int = 1, init: float = 0.25, device: Any = None, dtype: Any = None
    ) -> None:
        super().__init__()
        check_device(device, "PReLU")
        self.num_parameters = check_int("PReLU", "num_parameters", num_parameters, minimum=1)
        self.init = check_real("PReLU", "init", init)
        dtype = autodiff.get_default_dtype() if dtype is None else dtype
        self.weight = Parameter(np.empty(self.num_parameters, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        initializers.constant_(self.weight, self.init)

    def forward(self, x: Tensor) -> Tensor:
        return F.prelu(x, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


def _inplace_repr(module: Module, separator: str) -> str:
    """PyTorch's repr of `inplace`: named only when True."""
    return f"{separator}inplace=True" if module.inplace else ""
