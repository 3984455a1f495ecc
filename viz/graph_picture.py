"""GraphPicture: the graphviz.Digraph every drawing function returns."""

from __future__ import annotations

from typing import Any

import graphviz

from .backend import INSTALL_HINT


class GraphPicture(graphviz.Digraph):
    """A `graphviz.Digraph` that still shows something in Jupyter when `dot` is missing:
    the install hint and the DOT source, instead of a traceback."""

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> dict:
        try:
            return super()._repr_mimebundle_(include, exclude, **kwargs)
        except graphviz.ExecutableNotFound:
            return {"text/plain": f"{INSTALL_HINT}\n\n{self.source}"}
