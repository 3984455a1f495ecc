"""Figures that work anywhere: no pyplot, no GUI backend, nothing global.

`matplotlib.figure.Figure` objects are made directly, so they never open windows, need no
display, and are not kept alive by pyplot's figure registry; Jupyter still shows a returned
Figure inline, and `fig.savefig` renders with Agg.
"""

from __future__ import annotations

import os
from pathlib import Path

from matplotlib.figure import Figure


def new_figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def finish(fig: Figure, path: str | os.PathLike | None, dpi: int = 120) -> Figure:
    """Save `fig` to `path` if given (format from the extension: .png, .svg, .pdf)."""
    if path is not None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=dpi)
    return fig
