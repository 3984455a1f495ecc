"""How numbers read in pictures: a few significant digits, and size-bounded array summaries.

    fmt_number(-12.0)        -> "-12"
    fmt_number(0.7310586)    -> "0.731"
    fmt_number(-0.19999999)  -> "-0.2"      (float32 noise disappears)
    fmt_number(1.234e-7)     -> "1.23e-7"
    summarize(np.arange(3.)) -> "[0, 1, 2]"
    summarize(big_array)     -> "min -2.1 mean 0.013 max 2.4"

Every label in `viz` goes through these two functions, so the same value always reads the same.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

#: Arrays with at most this many elements are listed in full; larger ones are summarised.
MAX_LISTED = 4


def fmt_number(x: Any, digits: int = 3) -> str:
    """`x` with `digits` significant digits, no trailing zeros, and no float noise.

    Integers up to 1e6 are shown exactly; magnitudes outside [1e-3, 1e6) use a compact
    scientific form (`1.23e-7`), which stays short whatever the value.
    """
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "0"  # also -0.0: a sign on zero only confuses
    a = abs(x)
    if x == round(x) and a < 1e6:
        return str(int(x))
    if 1e-3 <= a < 1e6:
        # Never round away integer digits: 12345.6 reads "12346", not "12300".
        int_digits = int(math.floor(math.log10(a))) + 1
        decimals = max(digits - int_digits, 0)
        text = f"{x:.{decimals}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    mantissa, exponent = f"{x:.{max(digits - 1, 0)}e}".split("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}"


def summarize(values: Any, digits: int = 3, max_listed: int = MAX_LISTED) -> str:
    """A one-line, size-bounded text for an array: its numbers if few, else min/mean/max.

    Non-finite entries are counted rather than hidden (`3 nan`), since they are exactly what a
    reader looking at a graph wants to find.
    """
    parts = stats(values, digits, max_listed)
    if parts is None:
        return listing(values, digits)
    return " ".join(f"{v} {k}" if k in ("nan", "inf") else f"{k} {v}" for k, v in parts)


def listing(values: Any, digits: int = 3) -> str:
    """An array written out: `3`, `[1, -2, 3, 4]`, `empty`, or its dtype if not numeric."""
    a = np.asarray(values)
    if a.size == 1:
        return fmt_number(a.reshape(()), digits)
    if a.size == 0:
        return "empty"
    if a.dtype.kind not in "fiub":
        return f"{a.dtype} array"
    return "[" + ", ".join(fmt_number(v, digits) for v in a.ravel()) + "]"


def stats(
    values: Any, digits: int = 3, max_listed: int = MAX_LISTED
) -> list[tuple[str, str]] | None:
    """The summary of a big numeric array as (what, text) pairs: min, mean, max, then the
    counts of nan and inf entries if any. None for arrays short enough to list in full."""
    a = np.asarray(values)
    if a.size <= max_listed or a.dtype.kind not in "fiub":
        return None
    a = a.astype(np.float64, copy=False)
    finite = np.isfinite(a)
    counts = []
    if not finite.all():
        n_nan = int(np.isnan(a).sum())
        n_inf = int(a.size - finite.sum() - n_nan)
        counts = [(k, str(n)) for k, n in (("nan", n_nan), ("inf", n_inf)) if n]
        a = a[finite]
        if a.size == 0:
            return counts
    lo, hi = a.min(), a.max()
    with np.errstate(over="ignore"):  # a mean of huge values may overflow to inf: show it
        mean = a.mean()
    if abs(mean) < 1e-9 * max(abs(lo), abs(hi)):
        mean = 0.0  # rounding noise of a centred array (-1.46e-16), not information
    return [
        ("min", fmt_number(lo, digits)),
        ("mean", fmt_number(mean, digits)),
        ("max", fmt_number(hi, digits)),
        *counts,
    ]


def fmt_shape(shape: tuple[int, ...]) -> str:
    """`(3, 4)`, `(5,)`, `()`: Python's tuple notation."""
    return str(tuple(int(s) for s in shape))


def fmt_constant(value: Any, digits: int = 3) -> str:
    """A non-Tensor argument of an op (the 1 in `x + 1`), short enough for an op label."""
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | float | np.number):
        return fmt_number(value, digits)
    if isinstance(value, np.ndarray):
        if value.size == 1 and value.dtype.kind in "fiu":
            return fmt_number(value.reshape(()), digits)
        return f"array{fmt_shape(value.shape)}"
    text = repr(value)
    return text if len(text) <= 16 else text[:15] + "…"
