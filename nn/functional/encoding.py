"""one_hot: class labels -> rows with a single 1, as PyTorch's `F.one_hot`."""

from __future__ import annotations

from typing import Any

import numpy as np

from autodiff import Tensor


def one_hot(labels: Any, num_classes: int = -1, *, dtype: Any = np.int64) -> Tensor:
    """Integer labels of shape S -> a Tensor of shape S + (num_classes,) (int64 by default, like
    PyTorch; pass e.g. dtype=np.float32 for targets). num_classes=-1 means max(labels) + 1."""
    values = np.asarray(labels.data if isinstance(labels, Tensor) else labels)
    if values.dtype.kind not in "iu":
        raise TypeError(f"one_hot: expected integer labels, got dtype {values.dtype}")
    if num_classes == -1:
        num_classes = int(values.max()) + 1 if values.size else 0
    if values.size and (values.min() < 0 or values.max() >= num_classes):
        raise IndexError(
            f"one_hot: labels must lie in [0, {num_classes}), got values in "
            f"[{values.min()}, {values.max()}]"
        )
    return Tensor(np.eye(num_classes, dtype=dtype)[values])
