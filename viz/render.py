"""render: write a picture to a file, the format chosen by the extension.

viz.render(loss, "loss.svg")                     # draws with draw_graph's defaults
viz.render(loss, "loss.png", style="nodes")      # any draw_graph option
viz.render(viz.draw_graph(loss), "loss.pdf")     # or an already drawn Digraph
viz.render(loss, "loss.dot")                     # the DOT text (needs no Graphviz)
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import graphviz

from autodiff import Tensor

from .backend import FORMATS, pipe
from .draw import draw_graph


def render(
    root_or_digraph: Tensor | Sequence[Tensor] | graphviz.Digraph,
    path: str | os.PathLike,
    *,
    dpi: int = 144,
    **draw_options: Any,
) -> Path:
    """Write `root_or_digraph` to `path` (.svg, .png, .pdf; .dot/.gv for the DOT source).

    A Tensor (or list of Tensors) is drawn first with `draw_graph(**draw_options)`. `dpi` sets
    the resolution of PNGs (graphviz's default, 72, blurs small labels). Raises
    `GraphvizNotFoundError`, saying how to install Graphviz, if the `dot` program is missing.
    Returns the path written.
    """
    path = Path(path)
    if isinstance(root_or_digraph, graphviz.Digraph):
        if draw_options:
            raise TypeError("render: draw options only apply when given a Tensor, not a Digraph")
        digraph = root_or_digraph
    else:
        digraph = draw_graph(root_or_digraph, **draw_options)
    ext = path.suffix.lower()
    if ext in (".dot", ".gv"):
        data = digraph.source.encode("utf-8")
    elif ext == ".png":
        sharp = digraph.copy()  # leave the caller's Digraph as it was
        sharp.attr(dpi=str(dpi))
        data = pipe(sharp, "png")
    elif ext in FORMATS:
        data = pipe(digraph, FORMATS[ext])
    else:
        known = ", ".join([*FORMATS, ".dot", ".gv"])
        raise ValueError(f"render: cannot tell the format of {str(path)!r}; use one of {known}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
