"""`nn.utils`: PyTorch's `torch.nn.utils` — gradient clipping and parameters as one vector.

`clip_grad_norm_` and `clip_grad_value_` are `nn.optim`'s (the same functions under PyTorch's
path).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

import autodiff
from autodiff import Tensor

from ..optim.clip import clip_grad_norm_, clip_grad_value_


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """Every parameter flattened and concatenated, in order (differentiable)."""
    params = list(parameters)
    if not params:
        raise ValueError("parameters_to_vector: got no parameters")
    return autodiff.cat([p.reshape(-1) for p in params])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of the 1-d `vec` into the parameters, in place."""
    values = np.asarray(vec.data if isinstance(vec, Tensor) else vec)
    if values.ndim != 1:
        raise ValueError(f"vector_to_parameters: expected a 1-d vector, got shape {values.shape}")
    params = list(parameters)
    total = sum(p.numel() for p in params)
    if values.size != total:
        raise ValueError(
            f"vector_to_parameters: the vector has {values.size} elements, the parameters {total}"
        )
    start = 0
    with autodiff.no_grad():
        for p in params:
            p.copy_(values[start : start + p.numel()].reshape(p.shape))
            start += p.numel()


__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters"]
