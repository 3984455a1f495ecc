"""interpolate: PyTorch's F.interpolate for 4-d (N, C, H, W) input, modes 'nearest' and
'bilinear', composed of autodiff's indexing and arithmetic, so the gradient is exact: indexing's
backward scatter-adds (numpy's add.at) every output's share onto its source pixels.

Source coordinates follow PyTorch's CPU kernels, per spatial dim of input size `n` and output
size `m`, with `scale` = 1 / scale_factor when a scale_factor is given (and not recomputed),
else n / m, computed in the input's precision as PyTorch's (float32 for float32 input):

    nearest                    src = min(floor(dst * scale), n - 1)   (scale in float32 always;
                               m == n is the identity and m == 2n takes dst // 2, as PyTorch's)
    bilinear, align_corners=False   src = max(scale * (dst + 0.5) - 0.5, 0)
    bilinear, align_corners=True    src = dst * (n - 1) / (m - 1)   (0 when m == 1)

A dim whose size does not change is copied (PyTorch's kernels skip it, even when a
scale_factor other than 1 would move its source coordinates). bilinear mixes the two
neighbours i0 = min(floor(src), n - 1) and i1 = min(i0 + 1, n - 1) with weights 1 - l and l,
l = src - i0 clipped to [0, 1]: along W first, then along H, the order of PyTorch's arithmetic.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from autodiff import DtypeError, ShapeError, Tensor
from autodiff.registry import to_tensor

_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")


def interpolate(
    input: Tensor,  # noqa: A002 -- PyTorch's name
    size: int | Sequence[int] | None = None,
    scale_factor: float | Sequence[float] | None = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Resize the spatial dims of `input` (N, C, H, W) to `size` (Ho, Wo), or to
    floor(H * scale_factor), floor(W * scale_factor). Output (N, C, Ho, Wo), input's dtype."""
    x = to_tensor(input)
    if mode not in _MODES:
        raise NotImplementedError(
            f"interpolate: mode={mode!r} is not one of PyTorch's modes {_MODES}"
        )
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError(
                "interpolate: align_corners option can only be set with the interpolating "
                "modes: linear | bilinear | bicubic | trilinear"
            )
    elif align_corners is None:
        align_corners = False
    if mode not in ("nearest", "bilinear"):
        raise NotImplementedError(
            f"interpolate: mode={mode!r} is not supported, only 'nearest' and 'bilinear'"
        )
    if x.ndim != 4:
        raise NotImplementedError(
            f"interpolate: only 4-d (N, C, H, W) input is supported, got input of shape "
            f"{tuple(x.shape)} (mode={mode!r})"
        )
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported")
    out_size, scales = _output_size(x.shape[2:], size, scale_factor, recompute_scale_factor)
    if min(x.shape[2:]) < 1 or min(out_size) < 1:
        raise ShapeError(
            f"interpolate: input and output sizes should be greater than 0, but got input "
            f"(H: {x.shape[2]}, W: {x.shape[3]}) output (H: {out_size[0]}, W: {out_size[1]})"
        )
    (h, w), (ho, wo) = x.shape[2:], out_size
    if mode == "nearest":
        rows = _nearest_index(h, ho, scales[0])
        cols = _nearest_index(w, wo, scales[1])
        out = x[:, :, rows[:, None], cols[None, :]]
    else:
        if x.dtype.kind != "f":
            raise DtypeError(
                f"interpolate: mode='bilinear' needs floating point input, got {x.dtype}"
            )
        dtype = np.dtype(x.dtype)
        c0, c1, cw0, cw1 = _linear_weights(w, wo, scales[1], align_corners, dtype)
        r0, r1, rw0, rw1 = _linear_weights(h, ho, scales[0], align_corners, dtype)
        across = x[:, :, :, c0] * cw0 + x[:, :, :, c1] * cw1  # (N, C, H, Wo)
        out = across[:, :, r0, :] * rw0[:, None] + across[:, :, r1, :] * rw1[:, None]
    if out.grad_fn is not None:
        # to_onnx exports the composition whole, as one Resize (nn/export/onnx_out_table.py)
        out.grad_fn.onnx_whole = ("Resize", x, mode, bool(align_corners), scales, out_size)
    return out


def _output_size(
    spatial: tuple[int, ...],
    size: int | Sequence[int] | None,
    scale_factor: float | Sequence[float] | None,
    recompute: bool | None,
) -> tuple[tuple[int, ...], tuple[float | None, ...]]:
    """(Ho, Wo) and the scale factors the kernels use (None: recompute from the sizes)."""
    dims = len(spatial)
    if size is not None and scale_factor is not None:
        raise ValueError("interpolate: only one of size or scale_factor should be defined")
    if size is not None:
        if recompute:
            raise ValueError(
                "interpolate: recompute_scale_factor is not meaningful with an explicit size."
            )
        sizes = list(size) if isinstance(size, Sequence) else [size] * dims
        if len(sizes) != dims:
            raise ValueError(
                f"interpolate: input and output must have the same number of spatial dims, but "
                f"got input with spatial dims of {list(spatial)} and output size of {size}"
            )
        if not all(isinstance(s, int | np.integer) and not isinstance(s, bool) for s in sizes):
            raise TypeError(f"interpolate: expected size to be ints, got {size!r}")
        return tuple(int(s) for s in sizes), (None,) * dims
    if scale_factor is None:
        raise ValueError("interpolate: either size or scale_factor should be defined")
    factors = list(scale_factor) if isinstance(scale_factor, Sequence) else [scale_factor] * dims
    if len(factors) != dims:
        raise ValueError(
            f"interpolate: input and scale_factor must have the same number of spatial dims, "
            f"but got input with spatial dims of {list(spatial)} and scale_factor {scale_factor}"
        )
    out = tuple(math.floor(float(n) * float(f)) for n, f in zip(spatial, factors, strict=True))
    return out, (None,) * dims if recompute else tuple(float(f) for f in factors)


def _scale(n: int, m: int, factor: float | None, dtype: np.dtype) -> np.floating:
    """PyTorch's compute_scales_value: 1 / scale_factor (in double, then rounded to `dtype`)
    when a positive factor is given, else n / m in `dtype`."""
    if factor is not None and factor > 0:
        return dtype.type(1.0 / factor)
    return dtype.type(n) / dtype.type(m)


def _nearest_index(n: int, m: int, factor: float | None) -> np.ndarray:
    """Source index of each of the m outputs, as PyTorch's nearest_idx (float32 arithmetic)."""
    dst = np.arange(m)
    if m == n:
        return dst
    if m == 2 * n:
        return dst >> 1
    scale = _scale(n, m, factor, np.dtype(np.float32))
    return np.minimum(np.floor(dst.astype(np.float32) * scale).astype(np.int64), n - 1)


def _linear_weights(
    n: int, m: int, factor: float | None, align_corners: bool, dtype: np.dtype
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(i0, i1, 1 - l, l) for the m outputs: see the module docstring."""
    if m == n:  # PyTorch leaves a dim of unchanged size alone, whatever the scale_factor
        same = np.arange(n)
        return same, same, np.ones(n, dtype), np.zeros(n, dtype)
    dst = np.arange(m).astype(dtype)
    if align_corners:
        scale = dtype.type(n - 1) / dtype.type(m - 1) if m > 1 else dtype.type(0)
        src = scale * dst
    else:
        scale = _scale(n, m, factor, dtype)
        src = np.maximum(scale * (dst + dtype.type(0.5)) - dtype.type(0.5), dtype.type(0))
    i0 = np.minimum(np.floor(src).astype(np.int64), n - 1)
    i1 = i0 + (i0 < n - 1)
    lam = np.clip(src - i0.astype(dtype), dtype.type(0), dtype.type(1)).astype(dtype)
    return i0, i1, (dtype.type(1) - lam).astype(dtype), lam
