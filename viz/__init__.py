"""glassgrad's viz: see the graph — forward values and gradients drawn with graphviz — and plots.

    import autodiff, viz

    x = autodiff.tensor(-2.0, requires_grad=True, name="x")
    ...
    f = (x + y) * z
    viz.retain_all(f)                    # keep every intermediate gradient, not just the leaves'
    f.backward()
    viz.draw_graph(f)                    # a graphviz.Digraph (inline in Jupyter)
    viz.render(f, "f.svg")               # .svg / .png / .pdf by extension
    viz.animate_backward(f, "f.html")    # backprop step by step, one self-contained page
    viz.explore(f, "graph.html")         # pan, zoom, fold, click for details, step backward

viz reads graphs only through autodiff's public API (`autodiff.graph.walk`, the compute nodes'
`op_name()`, `args`, `scope`, and `autodiff.topological_order`); it never imports nn.
See docs/viz.md.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .animate import Animation, animate_backward
from .backend import GraphvizNotFoundError
from .draw import draw_graph
from .explorer import Explorer, explore
from .graph_picture import GraphPicture
from .render import render
from .trace import GradientTrace, retain_all, trace_gradients

if TYPE_CHECKING:
    from .plots import (
        OKABE_ITO,
        integer_ticks,
        legend_outside,
        plot_filters,
        plot_functions,
        plot_gradient_flow,
        plot_history,
        plot_optimizer_paths,
        plot_taylor,
        series_style,
        show_images,
    )

# The plots load matplotlib (most of a second) only when first used, so drawing graphs, and
# `import viz` in a training script, do not pay for it.
_PLOTS = {
    "OKABE_ITO",
    "integer_ticks",
    "legend_outside",
    "series_style",
    "plot_filters",
    "plot_functions",
    "plot_gradient_flow",
    "plot_history",
    "plot_optimizer_paths",
    "plot_taylor",
    "show_images",
}


def __getattr__(name: str) -> Any:
    if name in _PLOTS:
        return getattr(import_module(".plots", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "OKABE_ITO",
    "Animation",
    "Explorer",
    "GradientTrace",
    "GraphPicture",
    "GraphvizNotFoundError",
    "animate_backward",
    "draw_graph",
    "explore",
    "integer_ticks",
    "legend_outside",
    "plot_filters",
    "plot_functions",
    "plot_gradient_flow",
    "plot_history",
    "plot_optimizer_paths",
    "plot_taylor",
    "render",
    "retain_all",
    "series_style",
    "show_images",
    "trace_gradients",
]
