"""Values that stay in the graph with a zero gradient: PyTorch's rounded divisions, `addmm` with
`beta=0`, `normal` and `bernoulli` of tensors that require grad give results that require grad,
and backward sends their inputs exact zeros (not None: an optimizer skips a None gradient but
still moves a parameter whose gradient is zero, by momentum or weight decay)."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from .elementwise import Where


def with_zero_gradient(values: np.ndarray | Tensor, *sources: object) -> Tensor:
    """`values` as a Tensor (or the Tensor itself, whose gradient passes on); when recording, a
    `where` node per source that requires grad, whose condition is all True: the output is
    `values`, and the source's gradient is exact zeros (`where` sends nothing to its unchosen
    side, even from an infinite or NaN gradient). Each source must broadcast to `values`'
    shape."""
    out = values if isinstance(values, Tensor) else Tensor._make(values)
    always = np.broadcast_to(np.True_, values.shape)  # no memory: one element, broadcast
    for source in sources:
        if isinstance(source, Tensor) and source.requires_grad:
            if source.dtype != values.dtype:  # np.where would promote the output
                source = source.to(values.dtype)
            out = Where.apply(always, out, source)
    return out
