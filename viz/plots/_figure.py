"""Figures that work anywhere: no pyplot, no GUI backend, nothing global.

`Figure` objects are made directly, so they never open windows, need no display, and are not
kept alive by pyplot's figure registry; `fig.savefig` renders with Agg. Jupyter (any IPython
display) shows a returned Figure inline as a PNG by itself, without `%matplotlib inline`:
without pyplot nobody registers matplotlib's display hook, so the Figure carries its own.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from matplotlib.figure import Figure as _MatplotlibFigure

#: Resolution of the inline PNG in notebooks (matplotlib-inline's default is 72; 100 keeps
#: small tick labels legible on a normal screen).
INLINE_DPI = 100


class Figure(_MatplotlibFigure):
    """A matplotlib Figure that displays itself in Jupyter as a PNG."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=INLINE_DPI)
        return buffer.getvalue()


def new_figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def finish(fig: Figure, path: str | os.PathLike | None, dpi: int = 120) -> Figure:
    """Save `fig` to `path` if given (format from the extension: .png, .svg, .pdf)."""
    if path is not None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=dpi)
    return fig
