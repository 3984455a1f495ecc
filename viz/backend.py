"""Running Graphviz's `dot` program, with a clear error when it is not installed.

The python `graphviz` package only writes DOT text; layout and rendering need the `dot`
executable from the Graphviz system package. Building a Digraph and reading `.source` work
without it; everything that renders goes through `pipe()` here.
"""

from __future__ import annotations

import json
import re

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


def svgs(digraphs: list[graphviz.Digraph]) -> list[str]:
    """The SVG of each digraph, from one run of `dot` (frames of an animation)."""
    text = _pipe_many(digraphs, "svg").decode("utf-8")
    docs = [d for d in re.split(r"(?=<\?xml )", text) if d.strip()]
    if len(docs) != len(digraphs):
        raise RuntimeError(f"dot returned {len(docs)} SVG documents for {len(digraphs)} graphs")
    return docs


def layouts(digraphs: list[graphviz.Digraph]) -> list[dict]:
    """The JSON layout (sizes and positions) of each digraph, from one run of `dot`."""
    text = _pipe_many(digraphs, "json").decode("utf-8")
    decoder, found, at = json.JSONDecoder(), [], 0
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at == len(text):
            return found
        doc, at = decoder.raw_decode(text, at)
        found.append(doc)


def _pipe_many(digraphs: list[graphviz.Digraph], fmt: str) -> bytes:
    """dot reads several graphs from one input and writes one output per graph."""
    source = "\n".join(d.source for d in digraphs).encode("utf-8")
    try:
        return graphviz.pipe("dot", fmt, source)
    except graphviz.ExecutableNotFound as e:
        raise GraphvizNotFoundError(INSTALL_HINT) from e
