"""Running Graphviz's `dot` program, with a clear error when it is not installed.

The python `graphviz` package only writes DOT text; layout and rendering need the `dot`
executable from the Graphviz system package. Building a Digraph and reading `.source` work
without it; everything that renders goes through `pipe()` here.
"""

from __future__ import annotations

import graphviz

INSTALL_HINT = (
    "Rendering needs the `dot` program from Graphviz, which was not found on PATH. Install it "
    "with your system's package manager: `apt-get install graphviz` (Debian/Ubuntu), "
    "`brew install graphviz` (macOS), `conda install -c conda-forge graphviz`, or see "
    "https://graphviz.org/download/. The pip package `graphviz` alone is not enough. Without "
    "it, the picture's DOT text is still available as `.source`."
)

#: Output formats chosen by file extension.
FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf"}


class GraphvizNotFoundError(RuntimeError):
    """Graphviz's `dot` executable is missing, so a graph cannot be rendered."""


def pipe(digraph: graphviz.Digraph, fmt: str) -> bytes:
    """Lay out and render `digraph` to bytes in format `fmt` (svg, png, pdf)."""
    try:
        return digraph.pipe(format=fmt)
    except graphviz.ExecutableNotFound as e:
        raise GraphvizNotFoundError(INSTALL_HINT) from e


def svg(digraph: graphviz.Digraph) -> str:
    """The rendered SVG document as text."""
    return pipe(digraph, "svg").decode("utf-8")
