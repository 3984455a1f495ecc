"""Index-driven selection, PyTorch's: `gather`, `scatter`, `scatter_add`, `index_select`,
`take`, `repeat_interleave`.

All but `scatter` are composites of recorded ops (indexing with integer arrays, `where`,
`cat`), so their gradients are those ops': indexing scatters its gradient back with
`np.add.at`, so positions read several times (repeated indices) accumulate, and higher orders
follow. `scatter` with a src tensor is an op of its own (`Scatter`): at a repeated index
PyTorch gives every entry written there the gradient, also the overwritten ones, which no
composite of exact derivatives does. The results are copies, as PyTorch's.

Indices are int64 (int32 too where PyTorch accepts it) tensors or numpy arrays, checked
against the input's shape before anything is computed: numpy would wrap a negative index
where PyTorch refuses it, and raise for an out-of-range one without naming the op.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Function
from ..registry import register, to_tensor
from ..tensor import Tensor
from .elementwise import Where, ZeroWhere
from .indexing import ScatterAdd
from .join import concatenate
from .select import along_axis_index

IndexLike = Tensor | np.ndarray


# ----------------------------------------------------------------------------- helpers
def one_dim(op: str, dim: Any, ndim: int) -> int:
    """`dim` of an ndim-d tensor made non-negative; a 0-d tensor has dim 0 (and -1), as in
    PyTorch. IndexError with PyTorch's message otherwise."""
    if isinstance(dim, bool) or not isinstance(dim, int | np.integer):
        raise TypeError(f"{op}(): dim must be an int, got {dim!r}")
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(
            f"{op}(): Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
            f"but got {dim})"
        )
    return int(dim) % n


def index_array(op: str, index: Any, kinds: tuple[type, ...] = (np.int64, np.int32)) -> np.ndarray:
    """The array of an index argument: a tensor or numpy array of one of the integer `kinds`."""
    if not isinstance(index, Tensor | np.ndarray):
        raise TypeError(f"{op}(): index must be a Tensor, not {type(index).__name__}")
    arr = index.data if isinstance(index, Tensor) else index
    if arr.dtype.type not in kinds:
        names = "/".join(np.dtype(k).name for k in kinds)
        raise RuntimeError(f"{op}(): Expected dtype {names} for index, got {arr.dtype}")
    return arr


def _check_bounds(op: str, idx: np.ndarray, size: int, axis: int) -> None:
    """PyTorch refuses negative indices here (numpy would count them from the end)."""
    if idx.size and (idx.min() < 0 or idx.max() >= size):
        bad = idx.min() if idx.min() < 0 else idx.max()
        raise RuntimeError(
            f"{op}(): index {bad} is out of bounds for dimension {axis} with size {size}"
        )


def _at_least_1d(x: Tensor) -> Tensor:
    """A 0-d tensor as one element along dim 0, as PyTorch reads it in these ops."""
    return x.reshape(1) if x.ndim == 0 else x


def _shaped_as(out: Tensor, x: Tensor) -> Tensor:
    """A result computed on `_at_least_1d(x)`, back in x's shape (0-d for a 0-d x)."""
    return out.reshape(()) if x.ndim == 0 else out


def _along_dim_index(
    op: str, x: Tensor, dim: Any, index: Any, src: Tensor | None = None
) -> tuple[int, np.ndarray]:
    """(axis, index array of at least one dim), checked as PyTorch's gather and scatter check
    them: same ndim as x (and src), no larger than x apart from `dim`, no larger than src."""
    idx = index_array(op, index)
    if max(idx.ndim, 1) != max(x.ndim, 1):
        raise RuntimeError(
            f"{op}(): Index tensor must have the same number of dimensions as input tensor "
            f"(index {tuple(idx.shape)}, input {x.shape})"
        )
    if src is not None and max(idx.ndim, 1) != max(src.ndim, 1):
        raise RuntimeError(
            f"{op}(): Index tensor must have the same number of dimensions as src tensor "
            f"(index {tuple(idx.shape)}, src {src.shape})"
        )
    axis = one_dim(op, dim, x.ndim)
    idx = idx.reshape(idx.shape or (1,))
    shape = x.shape or (1,)
    fits = all(i <= n for d, (i, n) in enumerate(zip(idx.shape, shape)) if d != axis)
    if src is not None:
        fits = fits and all(i <= n for i, n in zip(idx.shape, src.shape or (1,)))
    if not fits:
        raise RuntimeError(
            f"{op}(): Expected index {list(idx.shape)} to be no larger than self "
            f"{list(x.shape)} apart from dimension {axis}"
            + ("" if src is None else f" and to be no larger size than src {list(src.shape)}")
        )
    _check_bounds(op, idx, shape[axis], axis)
    return axis, idx


# ------------------------------------------------------------------------------ public
@register("gather")
def gather(
    input: Any,  # noqa: A002
    dim: int,
    index: IndexLike,
    *,
    sparse_grad: bool = False,
) -> Tensor:
    """`out[i][j] = input[index[i][j]][j]` (dim 0; likewise for any dim): the shape of
    `index`, which has input's ndim and is no larger than input apart from `dim`. The gradient
    goes back to the positions read, accumulating where an index repeats. (`sparse_grad` is
    accepted for PyTorch's signature; the gradient is dense.)"""
    x = to_tensor(input)
    axis, idx = _along_dim_index("gather", x, dim, index)
    parts: list[Any] = list(along_axis_index(idx, axis))
    if isinstance(index, Tensor) and index.ndim:
        # The tensor itself, so that indexing saves it: changing it in place before backward
        # raises there instead of scattering the gradient to the wrong positions
        parts[axis] = index
    out = _at_least_1d(x)[tuple(parts)]
    return out.reshape(()) if np.ndim(index) == 0 else out


@register("index_select")
def index_select(input: Any, dim: int, index: IndexLike) -> Tensor:  # noqa: A002
    """The entries of `index` (a vector) along `dim`, in its order: `input` with dim's size
    `len(index)`. Repeated indices accumulate their gradients."""
    x = to_tensor(input)
    idx = index_array("index_select", index)
    if idx.ndim > 1:
        raise IndexError(
            f"index_select(): Index is supposed to be a vector (got shape {tuple(idx.shape)})"
        )
    axis = one_dim("index_select", dim, x.ndim)
    if x.ndim == 0:
        if idx.size != 1:
            raise RuntimeError(
                f"index_select(): Index to scalar can have only 1 value, got {idx.size} value(s)"
            )
        _check_bounds("index_select", idx, 1, 0)
        return x.reshape(1)[idx.reshape(1)].reshape(())
    _check_bounds("index_select", idx, x.shape[axis], axis)
    part = index if isinstance(index, Tensor) and idx.ndim == 1 else idx.reshape(-1)
    return x[(slice(None),) * axis + (part,)]


@register("take")
def take(input: Any, index: IndexLike) -> Tensor:  # noqa: A002
    """input read as 1-d (row-major), at `index` (int64; negative counts from the end): the
    shape of `index`."""
    x = to_tensor(input)
    idx = index_array("take", index, (np.int64,))
    n = x.data.size
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = idx.min() if idx.min() < -n else idx.max()
        raise IndexError(
            f"take(): out of range: tried to access index {bad} on a tensor of {n} elements."
        )
    return x.reshape(-1)[index]


def _positions(axis: int, idx: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The flat (row-major) position in `shape` that each entry of `idx` points to."""
    full = np.broadcast_arrays(*along_axis_index(idx, axis))
    return np.ravel_multi_index(full, shape).reshape(-1)


def _src_tensor(op: str, x: Tensor, src: Any) -> Tensor:
    if not isinstance(src, Tensor):
        raise TypeError(f"{op}(): argument 'src' must be a Tensor, not {type(src).__name__}")
    if src.dtype != x.dtype:
        raise RuntimeError(
            f"{op}(): Expected self.dtype to be equal to src.dtype (self {x.dtype}, src "
            f"{src.dtype})"
        )
    return src


@register("scatter")
def scatter(
    input: Any,  # noqa: A002
    dim: int,
    index: IndexLike,
    src: Any = None,
    *,
    value: Any = None,
    reduce: str | None = None,
) -> Tensor:
    """A copy of `input` with `src[i][j]` written to position `index[i][j]` along `dim`
    (`out[index[i][j]][j] = src[i][j]` for dim 0), or the number `value` (`scatter(dim,
    index, 5.0)` or `value=5.0`). Where an index repeats, the last write wins (PyTorch's CPU
    order). Gradients (PyTorch's): input's is the output's with zeros where something was
    written; src's is the output's at the position each entry was written to."""
    x = to_tensor(input)
    if reduce is not None:
        raise NotImplementedError(
            f"scatter(): reduce={reduce!r} is not supported (PyTorch deprecates it): use "
            "scatter_add for 'add'"
        )
    if src is not None and value is not None:
        raise TypeError("scatter(): give src or value, not both")
    if src is None and value is None:
        raise TypeError("scatter(): missing src (a Tensor) or value (a number)")
    if isinstance(src, Tensor):
        return _scatter_src(x, dim, index, src)
    fill = value if src is None else src
    if isinstance(fill, Tensor) and fill.ndim == 0:  # `value=tensor(5.0)`: its number, as torch
        fill = fill.item()
    if isinstance(fill, np.ndarray | Tensor) or not np.isscalar(fill):
        raise TypeError(
            f"scatter(): value must be a number (or src a Tensor), got {type(fill).__name__}"
        )
    axis, idx = _along_dim_index("scatter", x, dim, index)
    shape = x.shape or (1,)
    written = np.zeros(shape, dtype=bool)
    written.reshape(-1)[_positions(axis, idx, shape)] = True
    out = Where.apply(written, np.asarray(fill).astype(x.dtype), _at_least_1d(x))
    return _shaped_as(out, x)


class Scatter(Function):
    """A copy of x with `src[i][j]` written at `index[i][j]` along `axis` (x, src and index of
    one ndim, at least 1; src no smaller than index). PyTorch's gradients: x's is g with zeros
    where something was written, src's is g at the position each entry was written to (an
    entry overwritten at a repeated index gets it too, as in PyTorch) and zeros outside the
    index's shape."""

    op = "scatter"

    @staticmethod
    def forward(ctx, x, src, index, axis):
        full = along_axis_index(index, axis)
        region = tuple(slice(0, n) for n in index.shape)
        out = x.copy()
        out[full] = src[region]  # at a repeated index the last entry wins (PyTorch's CPU order)
        if ctx.recording:
            ctx.full = tuple(np.array(i) for i in full)  # copies: the caller's index may change
            ctx.region, ctx.src_shape = region, src.shape
            ctx.written = np.zeros(x.shape, dtype=bool)
            ctx.written[full] = True
        return out

    @staticmethod
    def backward(ctx, g):
        need_x, need_src = ctx.needs_input_grad
        gx = ZeroWhere.call(g, ctx.written) if need_x else None
        gsrc = None
        if need_src:
            gsrc = g[ctx.full]
            if gsrc.shape != ctx.src_shape:  # a src larger than the index: zeros around it
                gsrc = ScatterAdd.call(gsrc, shape=ctx.src_shape, index=ctx.region)
        return gx, gsrc


def _scatter_src(x: Tensor, dim: Any, index: Any, src: Tensor) -> Tensor:
    _src_tensor("scatter", x, src)
    axis, idx = _along_dim_index("scatter", x, dim, index, src)
    out = Scatter.apply(_at_least_1d(x), _at_least_1d(src), index=idx, axis=axis)
    return _shaped_as(out, x)


@register("scatter_add")
def scatter_add(input: Any, dim: int, index: IndexLike, src: Tensor) -> Tensor:  # noqa: A002
    """A copy of `input` with `src[i][j]` added at position `index[i][j]` along `dim`;
    repeated indices add up. Gradients: input's is the output's, src's the output's at the
    position each entry was added to."""
    x = to_tensor(input)
    src = _src_tensor("scatter_add", x, src)
    axis, idx = _along_dim_index("scatter_add", x, dim, index, src)
    shape = x.shape or (1,)
    targets = _positions(axis, idx, shape)
    region = _at_least_1d(src)[tuple(slice(0, n) for n in idx.shape)]
    # input and the added entries in one index-add, input first then src in its order: the
    # sums round as PyTorch's in-order additions do, also where an index repeats.
    size = x.data.size
    joined = concatenate([x.reshape(-1), region.reshape(-1)])
    everywhere = np.concatenate([np.arange(size), targets])
    return ScatterAdd.apply(joined, shape=(size,), index=(everywhere,)).reshape(x.shape)


@register("repeat_interleave")
def repeat_interleave(
    input: Any,  # noqa: A002
    repeats: int | IndexLike | None = None,
    dim: int | None = None,
    *,
    output_size: int | None = None,
) -> Tensor:
    """Each entry along `dim` repeated `repeats` times (a number, or one count per entry: an
    integer tensor of the dim's size, or of one element); without `dim`, of the flattened
    input. `repeat_interleave(counts)` alone gives `arange(len(counts))` so repeated. The
    gradient of each entry sums over its copies."""
    if repeats is None:  # torch.repeat_interleave(repeats): the indices, repeated
        counts = _counts(to_tensor(input).data, None)
        return Tensor._make(np.repeat(np.arange(counts.size, dtype=np.int64), counts))
    x = to_tensor(input)
    if dim is None:
        x, axis = x.reshape(-1), 0
    else:
        axis = one_dim("repeat_interleave", dim, x.ndim)
        x = _at_least_1d(x)
    n = x.shape[axis]
    counts = _counts(repeats, n)
    take_from = np.repeat(np.arange(n), counts)
    if output_size is not None and output_size != take_from.size:
        raise RuntimeError(
            f"repeat_interleave: Invalid output_size, expected {take_from.size} but got "
            f"{output_size}"
        )
    return x[(slice(None),) * axis + (take_from,)]


def _counts(repeats: Any, n: int | None) -> np.ndarray:
    """Repeat counts, one per entry (n of them; any number for n None), checked as PyTorch."""
    if isinstance(repeats, int | np.integer) and not isinstance(repeats, bool):
        if repeats < 0:
            raise RuntimeError(f"repeat_interleave: Repeats must be non-negative, got {repeats}")
        return np.full(n, int(repeats))
    counts = np.asarray(repeats.data if isinstance(repeats, Tensor) else repeats)
    if not isinstance(repeats, Tensor | np.ndarray) or counts.dtype.kind not in "iu":
        raise TypeError(
            f"repeat_interleave: repeats must be an int or an integer Tensor, got {repeats!r}"
        )
    if counts.ndim > 1:
        raise RuntimeError(
            f"repeat_interleave only accept 1D vector as repeat (got shape {counts.shape})"
        )
    counts = counts.reshape(-1)
    if n is not None and counts.size == 1:
        counts = np.full(n, counts[0])
    if n is not None and counts.size != n:
        raise RuntimeError(
            f"repeat_interleave: repeats must have the same size as input along dim, but got "
            f"repeats.size(0) = {counts.size} and input.size = {n}"
        )
    if counts.size and counts.min() < 0:
        raise RuntimeError("repeat_interleave: repeats can not be negative")
    return counts
