"""Gradient health: colour a gradient by its magnitude on a log scale, and flag the bad ones.

The magnitude of a gradient is its mean absolute value. On a log scale from the vanishing
threshold (blue) through healthy sizes (green) to the exploding threshold (red):

    vanishing   mean |g| < 1e-6 (or exactly 0)  blue, dashed outline, tagged "vanishing"
    exploding   mean |g| > 1e3                  red, thick outline, tagged "exploding"
    non-finite  any NaN or Inf                  purple, tagged "NaN" / "Inf"
    no gradient                                 white, grey text

so a saturated sigmoid (whose derivative is ~1e-7 at an input of 16) stands out at a glance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .labels import bold, esc, font
from .numbers import fmt_number

DEFAULT_THRESHOLDS = (1e-6, 1e3)

# Colour stops along the log scale, from the vanishing threshold (0.0) to the exploding one (1.0).
_RAMP = [
    (0.00, (0x4C, 0x6E, 0xF5)),  # blue
    (0.30, (0x22, 0xB8, 0xCF)),  # cyan
    (0.55, (0x51, 0xCF, 0x66)),  # green
    (0.80, (0xFC, 0xC4, 0x19)),  # yellow
    (1.00, (0xFF, 0x6B, 0x6B)),  # red
]
NONFINITE_COLOR = "#9c36b5"
NO_GRAD_COLOR = "#ffffff"


@dataclass(frozen=True)
class Health:
    """How one gradient looks: `kind` is none|vanishing|healthy|exploding|nan|inf."""

    kind: str
    magnitude: float | None
    color: str

    @property
    def flagged(self) -> bool:
        return self.kind in ("vanishing", "exploding", "nan", "inf")

    @property
    def tag(self) -> str:
        """The warning printed on a flagged node ('' for healthy or missing gradients)."""
        return {"vanishing": "vanishing", "exploding": "exploding", "nan": "NaN", "inf": "Inf"}.get(
            self.kind, ""
        )


def assess(grad: np.ndarray | None, thresholds: tuple[float, float] = DEFAULT_THRESHOLDS) -> Health:
    """Classify and colour a gradient array (None: no gradient)."""
    if grad is None:
        return Health("none", None, NO_GRAD_COLOR)
    g = np.asarray(grad)
    if g.dtype.kind == "f" and not np.isfinite(g).all():
        return Health("nan" if np.isnan(g).any() else "inf", math.nan, NONFINITE_COLOR)
    with np.errstate(over="ignore"):
        magnitude = float(np.mean(np.abs(g))) if g.size else 0.0
    lo, hi = thresholds
    if magnitude > hi or math.isinf(magnitude):
        kind = "exploding"
    elif magnitude < lo:
        kind = "vanishing"
    else:
        kind = "healthy"
    return Health(kind, magnitude, ramp_color(magnitude, thresholds))


def ramp_color(magnitude: float, thresholds: tuple[float, float] = DEFAULT_THRESHOLDS) -> str:
    """The colour of a magnitude on the log scale between the two thresholds (clamped)."""
    lo, hi = (math.log10(v) for v in thresholds)
    if magnitude <= 0:
        pos = 0.0
    elif math.isinf(magnitude):
        pos = 1.0
    else:
        pos = min(max((math.log10(magnitude) - lo) / (hi - lo), 0.0), 1.0)
    for (p0, c0), (p1, c1) in zip(_RAMP, _RAMP[1:]):
        if pos <= p1:
            w = (pos - p0) / (p1 - p0)
            rgb = [round(a + (b - a) * w) for a, b in zip(c0, c1)]
            return "#{:02x}{:02x}{:02x}".format(*rgb)
    return "#{:02x}{:02x}{:02x}".format(*_RAMP[-1][1])


def legend_label(thresholds: tuple[float, float] = DEFAULT_THRESHOLDS) -> str:
    """HTML-like markup of the legend: the colour ramp with its scale, and the three flags."""
    lo, hi = thresholds
    decades = range(math.ceil(math.log10(lo)), math.floor(math.log10(hi)) + 1)
    step = max(1, math.ceil(len(decades) / 6))  # at most ~6 swatches
    shown = list(decades)[::step]
    swatches = "".join(
        f'<td bgcolor="{ramp_color(10.0**d, thresholds)}">{esc(fmt_number(10.0**d))}</td>'
        for d in shown
    )
    n = max(len(shown), 2)
    rows = [
        f'<tr><td colspan="{n}">{bold("gradient health")} (mean |grad|, log scale)</td></tr>',
        f"<tr>{swatches}</tr>",
        _legend_row(n, ramp_color(0, thresholds), f"vanishing: &lt; {esc(fmt_number(lo))}"),
        _legend_row(n, ramp_color(math.inf, thresholds), f"exploding: &gt; {esc(fmt_number(hi))}"),
        _legend_row(n, NONFINITE_COLOR, "NaN or Inf"),
        _legend_row(n, NO_GRAD_COLOR, font("no gradient", color="#6e7781")),
    ]
    table = "".join(rows)
    return f'<table border="0" cellborder="1" cellspacing="0" cellpadding="3">{table}</table>'


def _legend_row(columns: int, color: str, text: str) -> str:
    cells = f'<td bgcolor="{color}"> </td><td colspan="{columns - 1}" align="left">{text}</td>'
    return f"<tr>{cells}</tr>"
