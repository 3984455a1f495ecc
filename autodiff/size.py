"""`Size`: the shape `Tensor.size()` returns, a tuple as PyTorch's `torch.Size` is."""

from __future__ import annotations

import math


class Size(tuple):
    """A tuple of dimension sizes with PyTorch's `numel()`; prints and compares as a tuple."""

    __slots__ = ()

    def numel(self) -> int:
        """The number of elements a tensor of this shape holds."""
        return math.prod(self)
