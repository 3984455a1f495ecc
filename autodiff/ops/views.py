"""Views along one dim, PyTorch's: `narrow`, `select`, `unbind`, `chunk`.

Each is basic indexing (ints and slices), so each result is a view of the input: it shares its
memory and its version counter (an in-place change of one shows in the other, and a saved value
changed through a view is caught at backward), and its gradient goes back to the viewed part.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..registry import register, to_tensor
from ..tensor import Tensor
from .gather import one_dim


def _int(op: str, name: str, value: Any) -> int:
    """An int argument; a 0-d integer tensor counts as one, as in PyTorch."""
    if isinstance(value, Tensor) and value.ndim == 0 and value.dtype.kind in "iu":
        return int(value.item())
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{op}(): {name} must be an int, got {value!r}")
    return int(value)


def _along(axis: int, part: int | slice) -> tuple:
    return (slice(None),) * axis + (part,)


@register("narrow")
def narrow(input: Any, dim: int, start: int | Tensor, length: int) -> Tensor:  # noqa: A002
    """Entries start .. start + length - 1 along `dim` (a negative start counts from the end):
    a view of input."""
    x = to_tensor(input)
    if x.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    axis = one_dim("narrow", dim, x.ndim)
    start, length = _int("narrow", "start", start), _int("narrow", "length", length)
    n = x.shape[axis]
    if not -n <= start <= n:
        raise IndexError(
            f"narrow(): start out of range (expected to be in range of [{-n}, {n}], but got "
            f"{start})"
        )
    if start < 0:
        start += n
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start + length > n:
        raise RuntimeError(
            f"narrow(): start ({start}) + length ({length}) exceeds dimension size ({n})."
        )
    return x[_along(axis, slice(start, start + length))]


@register("select")
def select(input: Any, dim: int, index: int | Tensor) -> Tensor:  # noqa: A002
    """The entry `index` along `dim` (negative counts from the end), that dim removed: a view
    of input (`x.select(0, i)` is `x[i]`)."""
    x = to_tensor(input)
    if x.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    axis = one_dim("select", dim, x.ndim)
    index = _int("select", "index", index)
    n = x.shape[axis]
    if not -n <= index < n:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size {list(x.shape)} at "
            f"dimension {axis}"
        )
    return x[_along(axis, index)]


@register("unbind")
def unbind(input: Any, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """The entries along `dim`, each with that dim removed: a tuple of views of input."""
    x = to_tensor(input)
    if x.ndim == 0:
        raise IndexError(f"unbind(): Dimension specified as {dim} but tensor has no dimensions")
    axis = one_dim("unbind", dim, x.ndim)
    return tuple(x[_along(axis, i)] for i in range(x.shape[axis]))


@register("chunk")
def chunk(input: Any, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """input split along `dim` into pieces of ceil(size / chunks) entries, the last smaller:
    PyTorch's sizes, so fewer than `chunks` pieces where they run out (6 into 4 gives 2, 2, 2);
    an empty dim gives `chunks` empty pieces. Views of input."""
    x = to_tensor(input)
    chunks = _int("chunk", "chunks", chunks)
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    if x.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    axis = one_dim("chunk", dim, x.ndim)
    n = x.shape[axis]
    if n == 0:
        return tuple(x[_along(axis, slice(0, 0))] for _ in range(chunks))
    size = -(-n // chunks)
    return tuple(x[_along(axis, slice(i, min(i + size, n)))] for i in range(0, n, size))
