"""The affine parameters of the normalisation layers (BatchNorm, LayerNorm, GroupNorm)."""

from __future__ import annotations

from typing import Any

import numpy as np

import autodiff

from ..module import Module, Parameter


def affine_parameters(
    module: Module, shape: int | tuple[int, ...], affine: bool, bias: bool, dtype: Any
) -> None:
    """Give `module` PyTorch's `weight` (ones) and `bias` (zeros) of `shape` when `affine`,
    without the bias when `bias` is False; each one it does not get is registered as None, so
    that state_dict and repr read as PyTorch's. `dtype` None is the default dtype."""
    dtype = autodiff.get_default_dtype() if dtype is None else dtype
    if affine:
        module.weight = Parameter(np.ones(shape, dtype=dtype))
        if bias:
            module.bias = Parameter(np.zeros(shape, dtype=dtype))
        else:
            module.register_parameter("bias", None)
    else:
        module.register_parameter("weight", None)
        module.register_parameter("bias", None)
