"""Rearranging elements, PyTorch's way: flip, roll, repeat/tile, movedim, unflatten,
broadcast_tensors, meshgrid, the hstack family and atleast_Nd.

All are composites of the ops in shape.py, indexing.py and join.py, so their gradients (and
higher orders) are those ops'. View or copy follows PyTorch: movedim, unflatten,
broadcast_tensors, meshgrid and atleast_Nd are views; flip, roll, repeat, tile and the stacks
copy.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import ShapeError
from ..registry import register, to_tensor
from ..tensor import Tensor
from ._axes import normalize_axes
from .join import concatenate
from .shape import Permute, expand, reshape, shape_arg


def _dims(op: str, dims: Any, ndim: int) -> tuple[int, ...]:
    """`dims` (an int or several) made non-negative; repeats and out-of-range dims raise,
    naming the op."""
    try:
        return normalize_axes(dims, ndim)
    except np.exceptions.AxisError as err:
        raise IndexError(f"{op}: dimension out of range ({err})") from None
    except ValueError:
        raise RuntimeError(f"{op}: dims {dims} name a dimension more than once") from None


@register("flip")
def flip(x: Any, *args: int | Sequence[int], dims: int | Sequence[int] | None = None) -> Tensor:
    """PyTorch's flip: the elements reversed along `dims` (`x.flip(0)`, `x.flip(0, 1)`,
    `torch.flip(x, [0, 1])`, `torch.flip(x, dims=(0,))`). A copy, as in PyTorch (numpy's flip
    is a view)."""
    x = to_tensor(x)
    axes = _dims("flip", _given_once("flip", "dims", args, dims), x.ndim)
    index = tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(x.ndim))
    return x[index].clone()


def _given_once(op: str, name: str, args: tuple, keyword: Any) -> tuple[int, ...]:
    """Ints given positionally (`f(0, 1)`, `f((0, 1))`) or as the keyword `name`, not both."""
    if keyword is None:
        return shape_arg(args)
    if args:
        raise TypeError(f"{op}: give {name} once, positionally or as {name}=")
    return shape_arg((keyword,))


def _flipped(op: str, x: Any, dim: int) -> Tensor:
    """flip(x, dim), for x of at least dim + 1 dims."""
    x = to_tensor(x)
    if x.ndim <= dim:
        raise RuntimeError(f"{op}: input must be >= {dim + 1}-d, got shape {x.shape}")
    return flip(x, dim)


@register("fliplr")
def fliplr(x: Any) -> Tensor:
    """flip(x, 1): left and right swapped; x must have at least 2 dims."""
    return _flipped("fliplr", x, 1)


@register("flipud")
def flipud(x: Any) -> Tensor:
    """flip(x, 0): up and down swapped; x must have at least 1 dim."""
    return _flipped("flipud", x, 0)


@register("roll")
def roll(x: Any, shifts: int | Sequence[int], dims: int | Sequence[int] | None = None) -> Tensor:
    """PyTorch's roll: elements shifted along `dims` by `shifts` (those that fall off one end
    come back at the other). Without dims, of the flattened tensor, in x's shape. A copy."""
    x = to_tensor(x)
    if dims is None:
        shifts = shape_arg((shifts,))
        if len(shifts) != 1:
            raise RuntimeError(f"roll: without dims, give one shift, not {shifts}")
        return roll(x.reshape(-1), shifts, 0).reshape(x.shape)
    shifts, dims = shape_arg((shifts,)), shape_arg((dims,))
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll: shifts {shifts} and dims {dims} must have the same length")
    out = x
    for shift, dim in zip(shifts, _dims("roll", dims, x.ndim), strict=True):
        n = x.shape[dim]
        if n == 0 or shift % n == 0:
            continue
        lead = (slice(None),) * dim
        cut = n - shift % n  # the last `shift % n` elements come first
        out = concatenate([out[(*lead, slice(cut, None))], out[(*lead, slice(None, cut))]], dim)
    return out.clone() if out is x else out


@register(methods=("repeat",))
def repeat(x: Tensor, *sizes: int | Sequence[int]) -> Tensor:
    """PyTorch's `x.repeat(*sizes)`: x tiled `sizes[i]` times along each dim (numpy's tile, not
    numpy's repeat); extra leading sizes add dims. A copy."""
    sizes = shape_arg(sizes)
    if len(sizes) < x.ndim:
        raise RuntimeError(
            f"repeat: number of repeat dims ({len(sizes)}) can not be smaller than the number "
            f"of dims of the tensor ({x.ndim}, shape {x.shape})"
        )
    if any(r < 0 for r in sizes):
        raise RuntimeError(f"repeat: repeats must be >= 0, got {sizes}")
    shape = (1,) * (len(sizes) - x.ndim) + x.shape
    # Each dim n becomes the pair (repeats, n): a broadcast (a view), then merged by a reshape
    pairs = tuple(v for n in shape for v in (1, n))
    tiled = tuple(v for r, n in zip(sizes, shape, strict=True) for v in (r, n))
    merged = tuple(r * n for r, n in zip(sizes, shape, strict=True))
    out = reshape(expand(x.reshape(pairs), tiled), merged)
    return out.clone() if out._base is not None else out  # all ones: still a view of x


@register("tile")
def tile(x: Any, *args: int | Sequence[int], dims: Sequence[int] | None = None) -> Tensor:
    """torch.tile: `repeat`, with missing leading repeats taken as 1 (`x.tile(2)`,
    `torch.tile(x, (2, 1))`, `torch.tile(x, dims=(2,))`)."""
    x = to_tensor(x)
    dims = _given_once("tile", "dims", args, dims)
    return repeat(x, (1,) * (x.ndim - len(dims)) + dims)


@register("movedim", "moveaxis")
def movedim(x: Any, source: int | Sequence[int], destination: int | Sequence[int]) -> Tensor:
    """The dims `source` moved to positions `destination`, the others keeping their order (a
    view)."""
    x = to_tensor(x)
    source, destination = shape_arg((source,)), shape_arg((destination,))
    if len(source) != len(destination):
        raise RuntimeError(
            f"movedim: source {source} and destination {destination} must have the same length"
        )
    source = _dims("movedim", source, x.ndim)
    destination = _dims("movedim", destination, x.ndim)
    order = [d for d in range(x.ndim) if d not in source]
    for dest, src in sorted(zip(destination, source, strict=True)):
        order.insert(dest, src)
    return Permute.apply(x, axes=tuple(order))


@register("unflatten")
def unflatten(x: Any, dim: int, sizes: Sequence[int]) -> Tensor:
    """Dim `dim` split into dims of `sizes` (one may be -1); a view."""
    x = to_tensor(x)
    (d,) = _dims("unflatten", dim, x.ndim)
    sizes = shape_arg((sizes,))
    known = int(np.prod([s for s in sizes if s != -1]))
    if sizes.count(-1) > 1 or (
        known != x.shape[d] if -1 not in sizes else known == 0 or x.shape[d] % known
    ):
        raise RuntimeError(
            f"unflatten: provided sizes {list(sizes)} don't multiply up to the size of dim "
            f"{dim} ({x.shape[d]}) in the input tensor of shape {x.shape}"
        )
    return reshape(x, x.shape[:d] + sizes + x.shape[d + 1 :])


@register(functions=("broadcast_tensors",))
def broadcast_tensors(*tensors: Any) -> tuple[Tensor, ...]:
    """The tensors expanded to their common broadcast shape (views)."""
    tensors = tuple(to_tensor(t) for t in tensors)
    try:
        shape = np.broadcast_shapes(*(t.shape for t in tensors))
    except ValueError:
        shapes = ", ".join(str(t.shape) for t in tensors)
        raise ShapeError(f"broadcast_tensors: shapes {shapes} do not broadcast") from None
    return tuple(expand(t, shape) for t in tensors)


_MESHGRID_WARNING = (
    "torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument."
)


@register(functions=("meshgrid",))
def meshgrid(*tensors: Any, indexing: str | None = None) -> tuple[Tensor, ...]:
    """Coordinate grids from 0-d or 1-d tensors: output i holds tensors[i] along dim i
    ("ij", the default, which warns as PyTorch does when not given) or with the first two
    dims swapped ("xy", Cartesian). Views of the inputs (expanded)."""
    if len(tensors) == 1 and isinstance(tensors[0], list | tuple):
        tensors = tuple(tensors[0])
    tensors = tuple(to_tensor(t) for t in tensors)
    if indexing is None:
        warnings.warn(_MESHGRID_WARNING, UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise ValueError(f'meshgrid: indexing must be "ij" or "xy", got {indexing!r}')
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError(f"meshgrid: expected 0-d or 1-d tensors, got shape {t.shape}")
        if t.dtype != tensors[0].dtype:
            raise RuntimeError(
                f"meshgrid: expects all tensors to have the same dtype, got {tensors[0].dtype} "
                f"and {t.dtype}"
            )
    places = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) >= 2:
        places[0], places[1] = 1, 0  # x varies along columns, y along rows
    sizes = [t.data.size for t in tensors]
    shape = [0] * len(tensors)
    for i, place in enumerate(places):
        shape[place] = sizes[i]
    out = []
    for t, place in zip(tensors, places, strict=True):
        column = [1] * len(tensors)
        column[place] = t.data.size
        out.append(expand(t.reshape(column), tuple(shape)))
    return tuple(out)


def _atleast(n: int, tensors: tuple) -> Any:
    if len(tensors) == 1 and isinstance(tensors[0], list | tuple):
        return tuple(_atleast(n, (t,)) for t in tensors[0])
    if len(tensors) != 1:
        return tuple(_atleast(n, (t,)) for t in tensors)
    x = to_tensor(tensors[0])
    if x.ndim >= n:
        return x
    # PyTorch's placement: a vector becomes a row (1, n), and in 3-d (1, n, 1); a matrix
    # gets a trailing dim (m, n, 1)
    shape = {0: (1,) * n, 1: ((1,) + x.shape + (1,))[:n], 2: x.shape + (1,)}[x.ndim]
    return x.reshape(shape)


@register(functions=("atleast_1d",))
def atleast_1d(*tensors: Any) -> Any:
    """A 0-d tensor as shape (1,), others as they are; several (or a list) give a tuple."""
    return _atleast(1, tensors)


@register(functions=("atleast_2d",))
def atleast_2d(*tensors: Any) -> Any:
    """At least 2 dims: 0-d as (1, 1), 1-d (n,) as a row (1, n) (views)."""
    return _atleast(2, tensors)


@register(functions=("atleast_3d",))
def atleast_3d(*tensors: Any) -> Any:
    """At least 3 dims: 0-d as (1, 1, 1), (n,) as (1, n, 1), (m, n) as (m, n, 1) (views)."""
    return _atleast(3, tensors)


def _joined(op: str, tensors: Sequence[Any]) -> list[Tensor]:
    if isinstance(tensors, Tensor) or not isinstance(tensors, Sequence) or not tensors:
        raise TypeError(f"{op}: expects a non-empty list or tuple of tensors")
    return [to_tensor(t) for t in tensors]


@register(functions=("hstack",))
def hstack(tensors: Sequence[Any]) -> Tensor:
    """Joined along dim 1 (dim 0 for 1-d tensors; 0-d ones count as 1-d)."""
    parts = _atleast(1, tuple(_joined("hstack", tensors)))
    parts = parts if isinstance(parts, tuple) else (parts,)
    return concatenate(parts, 0 if parts[0].ndim == 1 else 1)


@register(functions=("vstack",))
def vstack(tensors: Sequence[Any]) -> Tensor:
    """Joined along dim 0, 0-d and 1-d tensors as rows."""
    parts = _atleast(2, tuple(_joined("vstack", tensors)))
    return concatenate(parts if isinstance(parts, tuple) else (parts,), 0)


@register(functions=("dstack",))
def dstack(tensors: Sequence[Any]) -> Tensor:
    """Joined along dim 2, after atleast_3d."""
    parts = _atleast(3, tuple(_joined("dstack", tensors)))
    return concatenate(parts if isinstance(parts, tuple) else (parts,), 2)


@register(functions=("column_stack",))
def column_stack(tensors: Sequence[Any]) -> Tensor:
    """Joined along dim 1, 0-d and 1-d tensors as columns (n, 1)."""
    parts = [
        t.reshape(t.data.size, 1) if t.ndim <= 1 else t for t in _joined("column_stack", tensors)
    ]
    return concatenate(parts, 1)
