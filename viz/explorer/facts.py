"""What the explorer's details panel says about an array: statistics, a histogram, and for
small arrays the entries themselves. Everything is JSON-ready: numbers the panel shows are
already formatted (numbers.fmt_number, the same as in the pictures), and non-finite values,
which JSON cannot hold, are None.

    array_facts(np.array([[1.0, -2.0], [0.0, np.nan]]))
    -> {"shape": "(2, 2)", "dtype": "float64", "size": 4,
        "stats": {"min": "-2", "mean": "-0.333", "max": "1", "norm": "2.24",
                  "zeros": "25%", "nan": "25%", "inf": "0%"},
        "histogram": {"lo": "-2", "hi": "1", "counts": [1, 0, ..., 1]},
        "entries": [["1", "-2"], ["0", "nan"]], "scale": [[1.0, -2.0], [0.0, None]]}
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..numbers import fmt_number, fmt_shape

#: Arrays up to this many elements show their entries (2-D ones as a heatmap).
MAX_ENTRIES = 64
HISTOGRAM_BINS = 20


def array_facts(values: Any, digits: int = 3) -> dict[str, Any]:
    """The panel's facts about one array (a tensor's value or its gradient)."""
    a = np.asarray(values)
    facts: dict[str, Any] = {
        "shape": fmt_shape(a.shape),
        "dtype": str(a.dtype),
        "size": int(a.size),
    }
    if a.dtype.kind not in "fiub" or a.size == 0:
        return facts
    if a.size == 1:  # one number says it all
        facts["entries"] = [[fmt_number(a.reshape(()), digits)]]
        facts["scale"] = [[float(a.reshape(())) if np.isfinite(a).all() else None]]
        facts["heatmap"] = False
        return facts
    x = a.astype(np.float64, copy=False)
    finite = np.isfinite(x)
    shown = x[finite]

    def percent(count: int) -> str:
        return f"{100 * count / a.size:.3g}%"

    with np.errstate(over="ignore"):  # a norm or mean of huge values may overflow: show inf
        facts["stats"] = {
            "min": fmt_number(shown.min(), digits) if shown.size else "—",
            "mean": fmt_number(shown.mean(), digits) if shown.size else "—",
            "max": fmt_number(shown.max(), digits) if shown.size else "—",
            "norm": fmt_number(np.linalg.norm(shown), digits) if shown.size else "—",
            "zeros": percent(int(np.count_nonzero(x == 0))),
            "nan": percent(int(np.isnan(x).sum())),
            "inf": percent(int(np.isinf(x).sum())),
        }
    if shown.size > 1 and shown.min() < shown.max():
        counts, edges = np.histogram(shown, bins=HISTOGRAM_BINS)
        facts["histogram"] = {
            "lo": fmt_number(edges[0], digits),
            "hi": fmt_number(edges[-1], digits),
            "counts": counts.tolist(),
        }
    if a.size <= MAX_ENTRIES:
        grid = x.reshape(x.shape[0], -1) if x.ndim >= 2 else x.reshape(1, -1)
        facts["entries"] = [[fmt_number(v, digits) for v in row] for row in grid]
        facts["scale"] = [[float(v) if np.isfinite(v) else None for v in row] for row in grid]
        facts["heatmap"] = a.ndim == 2
    return facts
