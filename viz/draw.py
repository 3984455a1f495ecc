"""draw_graph: an autodiff graph as a graphviz picture, as a circuit or as boxes and ops.

    loss = ((x + y) * z)
    viz.retain_all(loss)             # keep intermediate gradients too
    loss.backward()
    viz.draw_graph(loss)             # graphviz.Digraph; displays inline in Jupyter
    viz.render(loss, "loss.svg")     # or .png / .pdf

Two styles:
- "circuit" (CS231n): gates are circles with their op; inputs and outputs are named pins; every
  value rides on a wire, which passes through its label: the forward value on one side in
  green and, once backward has run, the gradient on the other in red (above / below when the
  picture runs left to right, left / right when it runs top to bottom).
- "nodes" (micrograd): every data node is a box (name, shape/dtype, data, grad), every compute
  node an ellipse between them.

Name scopes become nested clusters; `collapse` / `max_nodes` fold them (picture.py), and
`grad_health` colours data by gradient magnitude (health.py). The DOT itself is built in dot.py.
"""

from __future__ import annotations

from collections.abc import Sequence

import autodiff
from autodiff import Tensor

from .dot import build_dot
from .graph_picture import GraphPicture
from .options import (
    DrawOptions,
    as_roots,
    auto_rankdir,
    check_max_nodes,
    check_rankdir,
    check_style,
    health_thresholds,
)
from .picture import build_picture
from .trace import GradientTrace, grad_source


def draw_graph(
    root: Tensor | Sequence[Tensor],
    *,
    values: bool = True,
    grads: bool | GradientTrace = True,
    shapes: bool = True,
    rankdir: str | None = None,
    collapse: str | int | None = None,
    max_nodes: int | None = None,
    style: str = "circuit",
    grad_health: bool | tuple[float, float] = False,
    digits: int = 3,
    title: str | None = None,
) -> GraphPicture:
    """Draw the graph behind `root` (a Tensor, or a list such as `[loss, x.grad]`).

    values / grads / shapes: show forward values, gradients (`.grad`, or a `trace_gradients`
        result), shapes and dtypes.
    rankdir: graphviz direction "LR" (inputs left), "TB" (inputs on top), "RL" or "BT";
        None picks LR for a circuit of scalars and TB for a graph of arrays (a network).
    collapse: None, "modules" (fold innermost name scopes) or a depth d >= 1 (fold scopes at
        depth d); folded scopes show their ops and parameter shapes.
    max_nodes: fold further (deepest scopes first, then the earliest ops) until the picture
        has at most this many nodes; the graph label says what was folded.
    style: "circuit" (values and gradients on the wires) or "nodes" (a box per data node).
    grad_health: colour data by mean |grad| on a log scale and flag vanishing / exploding /
        NaN gradients (True, or custom `(vanishing, exploding)` thresholds).
    digits: significant digits of every number.
    title: a caption at the top.
    """
    check_style(style)
    check_rankdir(rankdir)
    check_max_nodes(max_nodes)
    grad_of = grad_source(grads)
    health = health_thresholds(grad_health)
    graph = autodiff.graph.walk(as_roots(root))
    labelled = values or shapes or grad_of is not None
    picture = build_picture(
        graph, collapse=collapse, max_nodes=max_nodes, style=style, wire_labels=labelled
    )
    options = DrawOptions(
        style=style,
        values=values,
        shapes=shapes,
        grad_of=grad_of,
        health=health,
        digits=digits,
        rankdir=rankdir or auto_rankdir(picture.tensors),
    )
    return build_dot(picture, options, title=title)
