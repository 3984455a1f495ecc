"""explore: any graph as one self-contained, offline HTML page to look around in.

    loss = model_step()
    viz.explore(loss, "step.html")       # open it in a browser; in Jupyter it shows inline

The page shows the picture `draw_graph` would draw (no folding: modules fold in the page) and
lets you
- pan (drag) and zoom (scroll wheel); "fit" goes back to the whole graph;
- fold a module's cluster into one box and unfold it (click its name; or all at once);
- click a node: the details panel (`id="details"`) shows its name, op, shape, dtype, value
  and gradient statistics (min / mean / max, norm, fraction of zeros and NaN), a histogram,
  and for small tensors the entries (2-D ones as a heatmap);
- find tensors and ops by name (the search box);
- step through backprop with a slider, as `animate_backward` does (step 0: the forward pass);
- colour values by gradient health (vanishing / exploding / NaN), as `grad_health=True` does.

Every node's SVG element carries `data-node="<label>"`: the tensor's name (or its auto-name
`t3`), or the op's name for compute nodes. The gradients come from `trace_gradients` when the
graph is still there (nothing of yours is changed), otherwise from `.grad`.
"""

from __future__ import annotations

import html
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import autodiff
from autodiff import Tensor

from ..backend import svg
from ..backprop import Step, backprop_steps
from ..dot import build_dot_and_map
from ..health import DEFAULT_THRESHOLDS, NONFINITE_COLOR, ramp_color
from ..numbers import fmt_number
from ..options import DrawOptions, as_roots, auto_rankdir, check_rankdir, check_style
from ..picture import build_picture
from ..trace import GradSource, stored_grad, trace_gradients
from .page import page, prepare_svg
from .records import graph_records


@dataclass
class Explorer:
    """The written page; displays inline in Jupyter (an iframe of the same HTML)."""

    path: Path
    html: str

    def _repr_html_(self) -> str:
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
            'style="width:100%;height:640px;border:1px solid #d0d7de"></iframe>'
        )


def explore(
    root: Tensor | Sequence[Tensor],
    path: str | os.PathLike = "graph.html",
    *,
    style: str = "circuit",
    rankdir: str | None = None,
    digits: int = 3,
    title: str | None = None,
) -> Explorer:
    """Write the explorer page for the graph behind `root` (a Tensor, or a list of them).

    style, rankdir and digits as in `draw_graph`. The backward slider needs a one-element
    root made by recorded ops. Returns an `Explorer` (its `.path` and `.html`).
    """
    check_style(style)
    check_rankdir(rankdir)
    roots = as_roots(root, "explore")
    graph = autodiff.graph.walk(roots)
    picture = build_picture(graph)
    grad_of, loss = _gradients(roots, graph)
    options = DrawOptions(
        style=style,
        grad_of=grad_of,
        digits=digits,
        rankdir=rankdir or auto_rankdir(picture.tensors),
    )
    steps: list[Step] = []
    if loss is not None and grad_of is not None:
        steps = backprop_steps(picture, loss, grad_of, digits)
    dot, dot_map = build_dot_and_map(picture, options)
    data = graph_records(picture, dot_map, grad_of, steps, digits)
    labels = {name: record["label"] for name, record in data["nodes"].items()}
    name = title or (f"{graph.name(roots[0])}: the graph" if len(roots) == 1 else "the graph")
    text = page(prepare_svg(svg(dot), labels), data, name, _legend())
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return Explorer(path, text)


def _gradients(
    roots: list[Tensor], graph: autodiff.graph.Graph
) -> tuple[GradSource | None, Tensor | None]:
    """Where gradients come from, and the loss whose backward the slider steps through.

    A one-element root whose graph is still there: traced aside (`.grad` is left alone).
    Otherwise whatever `.grad` holds; the slider only if every gradient was kept.
    """
    root = roots[0] if len(roots) == 1 else None
    if root is None or root.grad_fn is None or root.numel() != 1:
        return stored_grad, None
    if not any(f.freed for f in graph.functions):
        return trace_gradients(root).get, root
    kept = all(t.grad is not None for t in graph.tensors if t.requires_grad)
    return stored_grad, root if kept else None


def _legend() -> list[tuple[str, str]]:
    """The health colours the page explains: the ramp by decade, then the flags."""
    lo, hi = DEFAULT_THRESHOLDS
    decades = range(math.ceil(math.log10(lo)), math.floor(math.log10(hi)) + 1, 3)
    ramp = [(fmt_number(10.0**d), ramp_color(10.0**d)) for d in decades]
    return [
        (f"vanishing < {fmt_number(lo)}", ramp_color(0)),
        *ramp,
        (f"exploding > {fmt_number(hi)}", ramp_color(math.inf)),
        ("NaN / Inf", NONFINITE_COLOR),
    ]
