"""One image (C, H, W) through the 2-d ops, which work on batches (N, C, H, W): PyTorch's
conv and pooling take it as a batch of one and return (C_out, H_out, W_out)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def is_one_image(x: Any) -> bool:
    # x.ndim, not np.ndim(x): numpy's function dispatches on a Tensor, some microseconds per
    # call, as much as a layer's whole forward on one small image (benchmarks/README.md, W10)
    ndim = getattr(x, "ndim", None)
    return (np.ndim(x) if ndim is None else ndim) == 3


def one_image(fn: Callable[..., Any], x: Any, *args: Any, **kwargs: Any) -> Any:
    """fn of x (C, H, W) as a batch of one, the batch axis dropped again (both in the graph)."""
    y = fn(x.reshape(1, *x.shape), *args, **kwargs)
    return y.reshape(y.shape[1:])
