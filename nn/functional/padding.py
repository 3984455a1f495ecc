"""pad: PyTorch's F.pad over autodiff's Pad op (autodiff/ops/join.py).

PyTorch's `pad` tuple starts at the LAST dim: (left, right) pads the last dim, (left, right,
top, bottom) the last two, and so on. Negative entries crop. Modes, as PyTorch's:

    'constant'   fill with `value` (0 by default); any number of dims
    'reflect'    mirror about the edge element, not repeating it; each pad < that dim's size
    'replicate'  repeat the edge element
    'circular'   wrap around; each pad <= that dim's size (negative pads crop first, and the
                 wrap is over what is left, as PyTorch's)

The non-constant modes pad the last 1, 2 or 3 dims of a batched or unbatched input (pad length
2: 2-d or 3-d input; 4: 3-d or 4-d; 6: 4-d or 5-d), as PyTorch's. Their gradient adds every
copy's gradient onto its source element.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from autodiff import ShapeError, Tensor
from autodiff.ops.join import Pad
from autodiff.registry import to_tensor

# PyTorch's mode names -> numpy's, which autodiff's Pad takes
_NUMPY_MODE = {
    "constant": "constant",
    "reflect": "reflect",
    "replicate": "edge",
    "circular": "wrap",
}


def pad(
    input: Tensor,  # noqa: A002 -- PyTorch's name
    pad: Sequence[int],
    mode: str = "constant",
    value: float | None = None,
) -> Tensor:
    """Pad (or crop, with negative entries) the last len(pad) // 2 dims of `input`; `pad` is
    (last dim's before, after, second-to-last's before, after, ...). Output shape: each padded
    dim grows by its two entries."""
    x = to_tensor(input)
    widths = [int(p) if isinstance(p, int | np.integer) else p for p in pad]
    if not all(isinstance(p, int) and not isinstance(p, bool) for p in widths):
        raise TypeError(f"pad(): argument 'pad' must be a tuple of ints, got {tuple(pad)}")
    if len(widths) % 2:
        raise ShapeError("pad: padding length must be divisible by 2")
    if len(widths) > 2 * x.ndim:
        raise ShapeError(
            f"pad: padding length should be at most two times the input dimension, but got "
            f"padding length {len(widths)} and input of dimension {x.ndim}"
        )
    if mode not in _NUMPY_MODE:
        raise NotImplementedError(f"pad: unrecognised padding mode {mode!r}")
    # numpy's pad_width: (before, after) per dim, first dim first
    pairs = [(widths[i], widths[i + 1]) for i in range(0, len(widths), 2)][::-1]
    pairs = [(0, 0)] * (x.ndim - len(pairs)) + pairs
    if mode == "constant":
        for dim, ((lo, hi), n) in enumerate(zip(pairs, x.shape, strict=True)):
            if n - max(0, -lo) - max(0, -hi) < 0:  # PyTorch crops first
                raise ShapeError(
                    f"pad: padding {(lo, hi)} crops more than dim {dim} of size {n} holds"
                )
        return Pad.apply(x, pad_width=pairs, value=0.0 if value is None else value)
    if value is not None and value != 0:
        raise ShapeError(f'pad: padding mode "{mode}" doesn\'t take in value argument')
    _check_non_constant(x.shape, len(widths), pairs, mode)
    return Pad.apply(x, pad_width=pairs, mode=_NUMPY_MODE[mode])


def _check_non_constant(
    shape: tuple[int, ...], length: int, pairs: list[tuple[int, int]], mode: str
) -> None:
    """PyTorch's limits for 'reflect', 'replicate' and 'circular' (see the module docstring)."""
    ndim = len(shape)
    padded = length // 2
    if length not in (2, 4, 6) or ndim not in (padded + 1, padded + 2):
        raise NotImplementedError(
            f"pad: padding size {length} is not supported for {ndim}-d input in mode {mode!r}: "
            "the non-constant modes take padding size 2 for 2-d or 3-d input, 4 for 3-d or "
            "4-d, 6 for 4-d or 5-d"
        )
    unbatched = shape[1:] if ndim == padded + 2 else shape
    if mode != "circular" and 0 in unbatched:
        raise ShapeError(
            f"pad: mode {mode!r} needs non-zero sizes in the non-batch dims, got input of "
            f"shape {shape}"
        )
    for dim in range(ndim - padded, ndim):
        (lo, hi), n = pairs[dim], shape[dim]
        if mode == "circular":
            kept = n - max(0, -lo) - max(0, -hi)
            if kept < 0:
                raise ShapeError(
                    f"pad: negative padding {(lo, hi)} is resulting in an empty dimension "
                    f"(dim {dim} of size {n})"
                )
            if max(lo, hi) > kept:
                raise ShapeError(
                    f"pad: circular padding {(lo, hi)} wraps around more than once (dim {dim} "
                    f"of size {n}, {kept} after cropping)"
                )
            continue
        if mode == "reflect" and (lo >= n or hi >= n):
            raise ShapeError(
                f"pad: reflect padding size should be less than the corresponding input "
                f"dimension, but got padding {(lo, hi)} at dimension {dim} of input {list(shape)}"
            )
    sizes = [shape[d] + sum(pairs[d]) for d in range(ndim - padded, ndim)]
    # PyTorch lets some, not all, padded dims be empty
    if mode != "circular" and (min(sizes) < 0 or max(sizes) < 1):
        raise ShapeError(
            f"pad: input of shape {shape} is too small for padding {pairs[ndim - padded :]} in "
            f"mode {mode!r}: the padded dims would have sizes {sizes}"
        )
