"""Linear: the affine (fully connected) layer, y = x @ weight.T + bias."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import autodiff
from autodiff import Tensor
from autodiff.device import check_device

from .. import functional as F
from .. import init
from ..module import Module, Parameter, registered
from ..validate import check_int


class Linear(Module):
    """The lessons' Affine layer in PyTorch's layout: weight (out_features, in_features).

    x (..., in_features) -> (..., out_features). Initialised like PyTorch: weight and bias from
    U(-1/sqrt(in_features), 1/sqrt(in_features)). (The lessons write `x @ W + b` with W of shape
    (in, out): that W is `weight.T`.)

    Sizes are ints >= 0 (0 makes an empty layer, as in PyTorch); a float such as 2.5 raises a
    TypeError, a negative size a ValueError, each naming the argument.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        check_device(device, "Linear")  # PyTorch's order: device before dtype; "cpu" only
        self.in_features = check_int("Linear", "in_features", in_features, minimum=0)
        self.out_features = check_int("Linear", "out_features", out_features, minimum=0)
        dtype = autodiff.get_default_dtype() if dtype is None else dtype
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dtype))
        self.bias = Parameter(np.empty(out_features, dtype=dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        # kaiming_uniform_ with a = sqrt(5) is PyTorch's way of writing U(+-1/sqrt(fan_in)).
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features else 0.0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        if type(self) is Linear:  # no class attribute shadows the parameters (tested)
            return F.linear(x, registered(self, "weight"), registered(self, "bias"))
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )
