"""How a tensor prints: PyTorch's digits and layout, so that a script prints what it printed
under PyTorch.

The rules are PyTorch's (`torch.set_printoptions`; tests/autodiff/test_printing.py compares
the two on random tensors):

- One format for all of a tensor's elements, chosen from its nonzero finite values. Floats
  that are all whole numbers print as `1.`; others with `precision` decimals (`1.5000`);
  scientific notation (`1.5000e+00`) when the largest magnitude is over 1e8 or more than 1000
  times the smallest, or (for non-whole values) the smallest is under 1e-4. `sci_mode` forces
  it on or off. Integers and booleans print as Python prints them.
- Every element right-aligned to the widest, lines wrapped at `linewidth` characters.
- A tensor of more than `threshold` elements prints only `edgeitems` rows at each end of
  every dimension, with `...` between; its format is chosen from what is printed.
- `dtype=autodiff.<name>` is added unless the dtype is the default float dtype, int64 or bool
  (PyTorch prints `torch.<name>`); an empty tensor that is not 1-d, and any tensor when
  `edgeitems` is 0, adds its `size=`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np

__all__ = ["set_printoptions", "tensor_repr"]


@dataclass
class _Options:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


_PROFILES = {
    "default": _Options(),
    "short": _Options(precision=2, edgeitems=2),
    "full": _Options(threshold=math.inf),
}

OPTIONS = _Options()  # one per process, as PyTorch's


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """Set how tensors print, as `torch.set_printoptions`.

    `profile` ("default", "short" or "full") sets precision, threshold, edgeitems and
    linewidth first; the other arguments given then override it. `sci_mode` is set on every
    call: True or False forces scientific notation on or off, None (the default) lets each
    tensor's values decide.
    """
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(
                f"set_printoptions: profile must be one of {sorted(_PROFILES)}, got {profile!r}"
            )
        for field in fields(_Options):
            if field.name != "sci_mode":
                setattr(OPTIONS, field.name, getattr(_PROFILES[profile], field.name))
    given = {"precision": precision, "threshold": threshold, "edgeitems": edgeitems}
    for name, value in {**given, "linewidth": linewidth}.items():
        if value is not None:
            setattr(OPTIONS, name, value)
    OPTIONS.sci_mode = sci_mode  # unconditionally, as PyTorch: a later call without it resets


class _Format:
    """One element format for a whole tensor, chosen from `values` (what gets printed)."""

    def __init__(self, values: np.ndarray) -> None:
        self.floating = values.dtype.kind == "f"
        self.precision = OPTIONS.precision
        self.whole, self.sci, self.width = True, False, 1
        flat = values.ravel()
        if not self.floating:
            self.width = max((len(str(v)) for v in flat.tolist()), default=1)
            return
        shown = flat[np.isfinite(flat) & (flat != 0)]
        if shown.size == 0:  # only zeros, nan and inf: they print as 0., nan, inf
            return
        magnitudes = np.abs(shown).astype(np.float64)
        smallest, largest = magnitudes.min(), magnitudes.max()
        self.whole = bool(np.all(shown == np.ceil(shown)))
        self.sci = largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4
        if OPTIONS.sci_mode is not None:
            self.sci = OPTIONS.sci_mode
        if self.sci:
            texts = [f"{v:.{self.precision}e}" for v in shown.tolist()]
        elif self.whole:
            texts = [f"{v:.0f}." for v in shown.tolist()]
        else:
            texts = [f"{v:.{self.precision}f}" for v in shown.tolist()]
        self.width = max(map(len, texts))

    def __call__(self, value) -> str:
        if not self.floating:
            text = str(value)
        elif self.sci:
            text = f"{value:{self.width}.{self.precision}e}"
        elif self.whole:
            text = f"{value:.0f}" + ("" if math.isinf(value) or math.isnan(value) else ".")
        else:
            text = f"{value:.{self.precision}f}"
        return text.rjust(self.width)


def _summary(data: np.ndarray, edge: int) -> np.ndarray:
    """The elements a summarized print shows: `edge` rows at each end of every dimension."""
    if data.ndim == 0:
        return data
    if data.ndim == 1:  # (with edge 0, data[-0:] is all of it: PyTorch's choice of values too)
        return np.concatenate([data[:edge], data[-edge:]]) if len(data) > 2 * edge else data
    if not edge:
        return np.empty((0,) * data.ndim, data.dtype)
    rows = range(len(data)) if len(data) <= 2 * edge else [*range(edge), *range(-edge, 0)]
    return np.stack([_summary(data[i], edge) for i in rows])


def _vector(data: np.ndarray, indent: int, summarize: bool, fmt: _Format) -> str:
    edge = OPTIONS.edgeitems
    per_line = max(1, int(math.floor((OPTIONS.linewidth - indent) / (fmt.width + 2))))
    if summarize and not edge:
        texts = ["..."]
    elif summarize and len(data) > 2 * edge:
        texts = [*map(fmt, data[:edge].tolist()), " ...", *map(fmt, data[-edge:].tolist())]
    else:
        texts = [fmt(v) for v in data.tolist()]
    lines = [", ".join(texts[i : i + per_line]) for i in range(0, len(texts), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(data: np.ndarray, indent: int, summarize: bool, fmt: _Format) -> str:
    """data (any shape) as nested brackets, the inner ones indented under the outer."""
    if data.ndim == 0:
        return fmt(data.item())
    if data.ndim == 1:
        return _vector(data, indent, summarize, fmt)
    edge = OPTIONS.edgeitems
    if summarize and len(data) > 2 * edge:
        rows = [*range(edge), None, *range(len(data) - edge, len(data))]
    else:
        rows = list(range(len(data)))
    inner = ["..." if i is None else _nested(data[i], indent + 1, summarize, fmt) for i in rows]
    return "[" + ("," + "\n" * (data.ndim - 1) + " " * (indent + 1)).join(inner) + "]"


def _with_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    """`text` + ", suffix" for each, wrapping before one that would pass the line width."""
    parts = [text]
    line = len(text) - text.rfind("\n") + 1  # (PyTorch's count, one more than the line)
    for suffix in suffixes:
        if line + len(suffix) + 2 > OPTIONS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            line = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            line += len(suffix) + 2
    return "".join(parts) + ")"


def tensor_repr(data: np.ndarray, default_dtype: np.dtype, suffixes: list[str]) -> str:
    """`tensor(...)` for an array, with `suffixes` (grad_fn=..., requires_grad=True) after its
    own (dtype=..., size=...)."""
    prefix = "tensor("
    indent = len(prefix)
    own = []
    if data.size == 0:
        if data.ndim != 1:
            own.append(f"size={tuple(data.shape)}")
        if data.dtype != default_dtype:  # no element tells an empty tensor's dtype
            own.append(f"dtype=autodiff.{data.dtype.name}")
        text = "[]"
    else:
        if not OPTIONS.edgeitems:  # nothing of it may print: the size says what it is
            own.append(f"size={tuple(data.shape)}")
        if data.dtype not in (default_dtype, np.int64, np.bool_):
            own.append(f"dtype=autodiff.{data.dtype.name}")
        summarize = data.size > OPTIONS.threshold
        fmt = _Format(_summary(data, OPTIONS.edgeitems) if summarize else data)
        text = _nested(data, indent, summarize, fmt)
    return _with_suffixes(prefix + text, own + suffixes, indent)
