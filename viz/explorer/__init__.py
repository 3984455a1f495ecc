"""viz.explore: a graph as an interactive, offline HTML page (see explore.py)."""

from .explore import Explorer, explore

__all__ = ["Explorer", "explore"]
