"""Parameter initialisation, in place, PyTorch's `nn.init` names (trailing `_`: modifies in place).

Every function fills a Tensor (usually a Parameter) under `no_grad` and returns it. Random draws
come from `generator` (a `np.random.Generator`) when given, else from autodiff's global
generator, which `nn.init.manual_seed(seed)` (the same as `autodiff.manual_seed`) seeds: the
same seed gives the same weights. Values are drawn in float64 and then cast, so a float32 and a
float64 model built from one seed agree to float32 rounding.

Fans follow PyTorch's layouts: a Linear weight is (out_features, in_features), a Conv2d weight
(out_channels, in_channels, kh, kw), so fan_in = in_features (or in_channels * kh * kw). For the
lessons' (in, out) weights (`x @ W`), swap `mode` or pass the fans yourself.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

import autodiff
from autodiff import Tensor

Generator = np.random.Generator


def manual_seed(seed: int) -> Generator:
    """Seed the generator initialisation (and dropout) draw from by default; returns it."""
    return autodiff.manual_seed(seed)


def _fill(tensor: Tensor, values: np.ndarray) -> Tensor:
    with autodiff.no_grad():  # parameters require grad; filling them is not part of a graph
        tensor.copy_(values)
    return tensor


def _normal(shape: tuple[int, ...], generator: Generator | None) -> np.ndarray:
    return autodiff.randn(shape, dtype=np.float64, rng=generator).data


def _uniform(shape: tuple[int, ...], generator: Generator | None) -> np.ndarray:
    return autodiff.rand(shape, dtype=np.float64, rng=generator).data


# ------------------------------------------------------------------------------ basics
def uniform_(
    tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Generator | None = None
) -> Tensor:
    """Fill with samples of U(a, b)."""
    return _fill(tensor, a + (b - a) * _uniform(tensor.shape, generator))


def normal_(
    tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Generator | None = None
) -> Tensor:
    """Fill with samples of N(mean, std^2)."""
    return _fill(tensor, mean + std * _normal(tensor.shape, generator))


def constant_(tensor: Tensor, val: float) -> Tensor:
    return _fill(tensor, np.full(tensor.shape, val))


def zeros_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 1.0)


# ------------------------------------------------------------------------ fan-scaled
def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The gain that keeps activations' variance through `nonlinearity` (PyTorch's table)."""
    if nonlinearity in ("linear", "identity", "sigmoid") or nonlinearity.startswith("conv"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def calculate_fan_in_and_fan_out(tensor: Tensor | tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight: (out, in) -> (in, out); (out, in, *kernel) ->
    (in * prod(kernel), out * prod(kernel))."""
    shape = tuple(tensor) if isinstance(tensor, tuple) else tuple(tensor.shape)
    if len(shape) < 2:
        raise ValueError(
            f"fan in and fan out need a weight with at least 2 dimensions, got shape {shape}"
        )
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _fan(tensor: Tensor, mode: str) -> int:
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    return fan_in if mode == "fan_in" else fan_out


def _empty(tensor: Tensor) -> bool:
    # A layer with 0 inputs or outputs (Linear(0, 2)) has a fan of 0: nothing to initialise.
    if tensor.numel() == 0:
        warnings.warn("Initializing zero-element tensors is a no-op", UserWarning, stacklevel=3)
        return True
    return False


def xavier_uniform_(
    tensor: Tensor, gain: float = 1.0, generator: Generator | None = None
) -> Tensor:
    """Glorot & Bengio: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Glorot & Bengio: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Generator | None = None,
) -> Tensor:
    """He et al.: U(-b, b) with b = gain * sqrt(3 / fan); `a` is the leaky_relu slope. A
    tensor with no elements is left as it is, with PyTorch's warning."""
    if _empty(tensor):
        return tensor
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / _fan(tensor, mode))
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Generator | None = None,
) -> Tensor:
    """He et al.: N(0, std^2) with std = gain / sqrt(fan) (sqrt(2 / fan_in) for ReLU). A
    tensor with no elements is left as it is, with PyTorch's warning."""
    if _empty(tensor):
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std, generator)


# ----------------------------------------------------------------- the lessons' scales
def weight_scale_(
    tensor: Tensor, weight_scale: float | str = 1e-2, generator: Generator | None = None
) -> Tensor:
    """CS231n's convention, `W = weight_scale * randn(...)`: N(0, weight_scale^2).

    `weight_scale` may also be "relu"/"he" (sqrt(2 / n)) or "sigmoid"/"xavier" (sqrt(1 / n)),
    the scales of "Deep Learning from Scratch", with n = tensor.shape[0]: the number of inputs
    for the lessons' (in, out) weights, which is what this convention is used with.
    """
    if isinstance(weight_scale, str):
        n = tensor.shape[0]
        if weight_scale in ("relu", "he"):
            weight_scale = math.sqrt(2.0 / n)
        elif weight_scale in ("sigmoid", "xavier"):
            weight_scale = math.sqrt(1.0 / n)
        else:
            raise ValueError(
                f"weight_scale_: expected a number or 'relu'/'he'/'sigmoid'/'xavier', got "
                f"{weight_scale!r}"
            )
    return normal_(tensor, 0.0, float(weight_scale), generator)


__all__ = [
    "calculate_fan_in_and_fan_out",
    "calculate_gain",
    "constant_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "manual_seed",
    "normal_",
    "ones_",
    "uniform_",
    "weight_scale_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]
