"""draw_graph: an autodiff graph as a graphviz picture, as a circuit or as boxes and ops.

    loss = ((x + y) * z)
    viz.retain_all(loss)             # keep intermediate gradients too
    loss.backward()
    viz.draw_graph(loss)             # graphviz.Digraph; displays inline in Jupyter
    viz.render(loss, "loss.svg")     # or .png / .pdf

Two styles:
- "circuit" (CS231n): gates are circles with their op; inputs and outputs are named pins; every
  value rides on a wire, its forward value above in green and, once backward has run, its
  gradient below in red. A value used by several gates shows its total gradient on each wire.
- "nodes" (micrograd): every data node is a box (name, shape/dtype, data, grad), every compute
  node an ellipse between them.

Name scopes become nested clusters; `collapse` / `max_nodes` fold them (see picture.py), and
`grad_health` colours data by gradient magnitude (see health.py). Ids come from graph indices,
so the same graph always gives the same DOT source.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import graphviz

import autodiff
from autodiff import Tensor

from . import labels as L
from .backend import INSTALL_HINT
from .describe import gate_details, gate_title, type_text, value_text
from .health import DEFAULT_THRESHOLDS, Health, assess, legend_label
from .picture import Gate, Picture, Scope, build_picture
from .trace import GradientTrace, GradSource, _dot_grad, grad_source

STYLES = ("circuit", "nodes")
RANKDIRS = ("LR", "RL", "TB", "BT")

_FONT = "Helvetica"
_GATE_FILL = "#fff8c5"
_FOLDED_FILL = "#eaeef2"
_PARAM_FILL = "#ddf4ff"  # leaves that require grad: what training changes
_CONST_FILL = "#f6f8fa"  # leaves that do not
_WIRE = "#57606a"
_CURRENT_FILL = "#ffd33d"
_PENDING = "#afb8c1"
_ARRIVED = "#bf8700"
_CLUSTER_FILLS = ("#f6f8fa", "#eaeef2")
_WIRE_LABEL = (
    '<table border="0" cellborder="0" cellspacing="0" cellpadding="3"><tr><td>{}</td></tr></table>'
)


class GraphPicture(graphviz.Digraph):
    """A `graphviz.Digraph` that still shows something in Jupyter when `dot` is missing:
    the install hint and the DOT source, instead of a traceback."""

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> dict:
        try:
            return super()._repr_mimebundle_(include, exclude, **kwargs)
        except graphviz.ExecutableNotFound:
            return {"text/plain": f"{INSTALL_HINT}\n\n{self.source}"}


@dataclass
class Overlay:
    """How one frame of the backprop animation differs from the plain picture."""

    current: Gate  # the gate whose backward runs in this frame
    done: set[int]  # id(gate) of the gates that already ran
    known: set[int]  # id(tensor) of the data whose gradient is complete
    partial: dict[int, tuple[int, int]] = field(default_factory=dict)  # id -> (received, total)
    caption: str = ""


@dataclass
class _Options:
    style: str
    values: bool
    shapes: bool
    grad_of: GradSource | None
    health: tuple[float, float] | None
    digits: int
    rankdir: str


def draw_graph(
    root: Tensor | Sequence[Tensor],
    *,
    values: bool = True,
    grads: bool | GradientTrace = True,
    shapes: bool = True,
    rankdir: str = "LR",
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
    rankdir: graphviz direction, "LR" (inputs left) or "TB", "RL", "BT".
    collapse: None, "modules" (fold innermost name scopes) or a depth d >= 1 (fold scopes at
        depth d); folded scopes show their op count and in/out shapes.
    max_nodes: fold further (deepest scopes first, then the earliest ops) until the picture
        has at most this many nodes; the graph label says what was folded.
    style: "circuit" (values and gradients on the wires) or "nodes" (a box per data node).
    grad_health: colour data by mean |grad| on a log scale and flag vanishing / exploding /
        NaN gradients (True, or custom `(vanishing, exploding)` thresholds).
    digits: significant digits of every number.
    title: a caption at the top.
    """
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}, got {style!r}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {RANKDIRS}, got {rankdir!r}")
    if max_nodes is not None and (not isinstance(max_nodes, int) or max_nodes < 1):
        raise ValueError(f"max_nodes must be a positive int or None, got {max_nodes!r}")
    roots = _roots(root)
    graph = autodiff.graph.walk(roots)
    picture = build_picture(graph, collapse=collapse, max_nodes=max_nodes, style=style)
    options = _Options(
        style=style,
        values=values,
        shapes=shapes,
        grad_of=grad_source(grads),
        health=_thresholds(grad_health),
        digits=digits,
        rankdir=rankdir,
    )
    return build_dot(picture, options, title=title)


def _roots(root: Tensor | Sequence[Tensor]) -> list[Tensor]:
    if isinstance(root, Tensor):
        return [root]
    roots = [r for r in root if r is not None]
    bad = [type(r).__name__ for r in roots if not isinstance(r, Tensor)]
    if bad or not roots:
        raise TypeError(f"draw_graph: expected a Tensor or a list of Tensors, got {bad or root}")
    return roots


def _thresholds(grad_health: bool | tuple[float, float]) -> tuple[float, float] | None:
    if grad_health is False or grad_health is None:
        return None
    if grad_health is True:
        return DEFAULT_THRESHOLDS
    lo, hi = grad_health
    if not 0 < lo < hi:
        raise ValueError(
            f"grad_health thresholds must satisfy 0 < vanishing < exploding, got {grad_health}"
        )
    return (float(lo), float(hi))


# --------------------------------------------------------------------------- the DOT builder
def build_dot(
    picture: Picture, options: _Options, title: str | None = None, overlay: Overlay | None = None
) -> GraphPicture:
    """The Digraph for a picture (and, in an animation, one frame's overlay)."""
    dot = GraphPicture(
        name="glassgrad",
        graph_attr={
            "rankdir": options.rankdir,
            "fontname": _FONT,
            "fontsize": "12",
            "bgcolor": "white",
            "nodesep": "0.25",
            "ranksep": "0.35",
            "labelloc": "t",
            "labeljust": "l",
            # Keep each op's inputs in argument order (w0, x0, w1, x1 as in CS231n's picture)
            # instead of whatever order dot's crossing minimisation picks.
            "ordering": "in",
        },
        node_attr={"fontname": _FONT, "fontsize": "11", "margin": "0.06,0.03"},
        edge_attr={"fontname": _FONT, "fontsize": "10", "color": _WIRE, "arrowsize": "0.6"},
    )
    drawer = _Drawer(picture, options, overlay)
    drawer.collect()
    drawer.emit(dot)
    caption = [L.bold(L.esc(title))] if title else []
    caption += [L.esc(n) for n in picture.notes + drawer.notes()]
    if overlay is not None and overlay.caption:
        caption.append(L.bold(L.esc(overlay.caption)))
    if caption:
        dot.attr(label=L.html(L.lines(*caption)))
    return dot


class _Drawer:
    """Turns one Picture into node and edge statements, grouped by cluster."""

    def __init__(self, picture: Picture, options: _Options, overlay: Overlay | None) -> None:
        self.pic = picture
        self.opt = options
        self.overlay = overlay
        self.circuit = options.style == "circuit"
        self.nodes: dict[Scope, list[tuple[str, dict[str, str]]]] = {}
        self.edges: list[tuple[str, str, dict[str, str]]] = []
        self.emitted: set[int] = set()
        self._health: dict[int, Health] = {}

    # ------------------------------------------------------------------ facts per tensor
    def grad(self, t: Tensor) -> Any:
        if self.opt.grad_of is None:
            return None
        if self.overlay is not None and id(t) not in self.overlay.known:
            return None
        return self.opt.grad_of(t)

    def health(self, t: Tensor) -> Health | None:
        if self.opt.health is None:
            return None
        h = self._health.get(id(t))
        if h is None:
            h = self._health[id(t)] = assess(self.grad(t), self.opt.health)
        return h

    def grad_markup(self, t: Tensor, prefix: str) -> str:
        g = self.grad(t)
        if g is not None:
            return L.font(L.esc(prefix + value_text(g, self.opt.digits)), color=L.GRAD_COLOR)
        if self.overlay is not None and id(t) in self.overlay.partial:
            got, total = self.overlay.partial[id(t)]
            text = f"{prefix}{got} of {total} parts summed"
            return L.font(L.italic(L.esc(text)), color=L.GRAD_COLOR)
        return ""

    def value_markup(self, t: Tensor, prefix: str) -> str:
        if not self.opt.values:
            return ""
        return L.font(L.esc(prefix + value_text(t.data, self.opt.digits)), color=L.VALUE_COLOR)

    def health_tag(self, t: Tensor) -> str:
        h = self.health(t)
        if h is None or not h.flagged:
            return ""
        return L.bold(L.font(L.esc("⚠ " + h.tag), color="#a40e26"))

    # ---------------------------------------------------------------- collecting statements
    def collect(self) -> None:
        for gate in self.pic.gates:
            for t in gate.inputs:
                if id(t) not in self.pic.producer:
                    self.add_data(t)
            self.add_gate(gate)
            for t in gate.outputs:
                self.add_data(t)
        for t in self.pic.tensors:  # roots that are leaves, data no gate touches
            self.add_data(t)
        for gate in self.pic.gates:
            self.add_edges(gate)

    def add_node(self, cluster: Scope, name: str, attrs: dict[str, str]) -> None:
        self.nodes.setdefault(cluster, []).append((name, attrs))

    def add_data(self, t: Tensor) -> None:
        if id(t) in self.emitted:
            return
        self.emitted.add(id(t))
        if self.circuit and not self.pic.is_pin(t):
            return  # its value rides on the wires
        attrs = self.pin_attrs(t) if self.circuit else self.box_attrs(t)
        self.add_node(self.pic.placement[id(t)], self.pic.tensor_id(t), attrs)

    def box_attrs(self, t: Tensor) -> dict[str, str]:
        """A data node in the nodes style: name, type, data and grad."""
        o = self.opt
        markup = L.lines(
            L.bold(L.esc(self.pic.graph.name(t))),
            L.font(L.esc(type_text(t)), color=L.MUTED_COLOR, size=9) if o.shapes else "",
            self.value_markup(t, "data "),
            self.grad_markup(t, "grad "),
            self.health_tag(t),
        )
        attrs = {"label": L.html(markup), "shape": "box", "style": "rounded,filled"}
        attrs.update(self.data_fill(t))
        return attrs

    def pin_attrs(self, t: Tensor) -> dict[str, str]:
        """An input or output of the circuit: its name (values are on the wire, unless it has
        no wire at all: a root that no op made)."""
        alone = id(t) not in self.pic.producer and not self.pic.consumers.get(id(t))
        markup = L.lines(
            L.bold(L.esc(self.pic.graph.name(t))),
            L.font(L.esc(type_text(t)), color=L.MUTED_COLOR, size=9)
            if self.opt.shapes and t.ndim
            else "",
            self.value_markup(t, "") if alone else "",
            self.grad_markup(t, "") if alone else "",
            self.health_tag(t),
        )
        attrs = {"label": L.html(markup), "fontsize": "13"}
        if self.opt.health is None:
            attrs["shape"] = "plaintext"
        else:
            attrs.update({"shape": "box", "style": "rounded,filled"})
            attrs.update(self.data_fill(t))
        return attrs

    def data_fill(self, t: Tensor) -> dict[str, str]:
        h = self.health(t)
        if h is None:
            if t.grad_fn is not None:
                return {"fillcolor": "white"}
            return {"fillcolor": _PARAM_FILL if t.requires_grad else _CONST_FILL}
        attrs = {"fillcolor": _pastel(h.color), "color": h.color, "penwidth": "2"}
        if h.kind == "vanishing":
            attrs.update(style="rounded,filled,dashed", penwidth="2.5")
        elif h.flagged:
            attrs.update(penwidth="3.5")
        elif h.kind == "none":
            attrs.update(color=_PENDING, penwidth="1")
        return attrs

    def add_gate(self, gate: Gate) -> None:
        o = self.opt
        title = L.bold(L.esc(gate_title(gate, o.digits)))
        details = [L.font(L.esc(d), size=9) for d in gate_details(gate, o.shapes)]
        attrs = {"label": L.html(L.lines(title, *details)), "style": "filled"}
        if gate.folded is not None or gate.earlier:
            style = "rounded,filled,dashed" if gate.earlier else "rounded,filled"
            attrs.update(shape="box", style=style, fillcolor=_FOLDED_FILL, penwidth="1.5")
        elif self.circuit:
            # CS231n's round gates; a long label (matmul, cross_entropy(...)) would blow a
            # circle up, so it gets an ellipse.
            shape = "circle" if len(gate_title(gate, o.digits)) <= 5 else "ellipse"
            attrs.update(shape=shape, fillcolor=_GATE_FILL, fontsize="13", width="0.5")
        else:
            attrs.update(shape="ellipse", fillcolor=_GATE_FILL)
        if self.overlay is not None:
            attrs.update(self.frame_gate_attrs(gate))
        self.add_node(gate.cluster, gate.id, attrs)

    def frame_gate_attrs(self, gate: Gate) -> dict[str, str]:
        assert self.overlay is not None
        if gate is self.overlay.current:
            return {"fillcolor": _CURRENT_FILL, "color": L.GRAD_COLOR, "penwidth": "3"}
        if id(gate) not in self.overlay.done:
            return {"fillcolor": "white", "color": _PENDING, "fontcolor": _PENDING}
        return {}

    # ---------------------------------------------------------------------------- edges
    def add_edges(self, gate: Gate) -> None:
        for t in gate.inputs:
            self.add_wire(t, gate)
        for t in gate.outputs:
            if not self.circuit:
                self.edges.append((gate.id, self.pic.tensor_id(t), self.wire_style(t, gate, None)))
            elif self.pic.is_pin(t):
                self.add_wire(t, None)

    def add_wire(self, t: Tensor, consumer: Gate | None) -> None:
        """The edge carrying `t` into `consumer` (None: into t's own output pin)."""
        producer = self.pic.producer.get(id(t))
        if not self.circuit:
            assert consumer is not None
            attrs = self.wire_style(t, None, consumer)
            self.edges.append((self.pic.tensor_id(t), consumer.id, attrs))
            return
        src = producer.id if producer is not None else self.pic.tensor_id(t)
        dst = consumer.id if consumer is not None else self.pic.tensor_id(t)
        attrs = self.wire_style(t, producer, consumer)
        inner = producer is not None and consumer is not None
        label = self.wire_label(t, named=inner, typed=producer is not None)
        if label:
            # A padded cell keeps a leading minus sign off the wire (in TB layouts the label
            # starts right at the edge, and "-0.5" would read "0.5").
            attrs["label"] = L.html(_WIRE_LABEL.format(label))
            if t.ndim:
                # Wide array summaries can sit nearer another wire than their own: decorate
                # underlines the label and joins it to its wire.
                attrs["decorate"] = "true"
        self.edges.append((src, dst, attrs))

    def wire_label(self, t: Tensor, named: bool, typed: bool) -> str:
        """Value above, gradient below; an intermediate's own name (if given) and type on top
        (an input pin already shows both)."""
        name = L.italic(L.font(L.esc(t.name), color=L.MUTED_COLOR)) if named and t.name else ""
        shape = ""
        if typed and self.opt.shapes and t.ndim:
            shape = L.font(L.esc(type_text(t)), color=L.MUTED_COLOR, size=9)
        return L.lines(name, shape, self.value_markup(t, ""), self.grad_markup(t, ""))

    def wire_style(self, t: Tensor, src: Gate | None, dst: Gate | None) -> dict[str, str]:
        """Colour by gradient health; in an animation frame, by where the gradient has got to."""
        attrs: dict[str, str] = {}
        h = self.health(t)
        if h is not None and h.kind != "none":
            attrs.update(color=h.color, penwidth="2.5")
            if h.kind == "vanishing":
                attrs["style"] = "dashed"
        ov = self.overlay
        if ov is None:
            return attrs
        if dst is not None and dst is ov.current:
            # This step sends gradients back along the current gate's input wires...
            attrs.update(color=L.GRAD_COLOR, penwidth="3")
        elif src is not None and src is ov.current:
            # ...having received its output's gradient along these.
            attrs.update(color=_ARRIVED, penwidth="2.5")
        elif dst is not None and id(dst) not in ov.done:
            attrs.update(color=_PENDING)  # no gradient has come back this far yet
        elif dst is None and id(t) not in ov.known and id(t) not in ov.partial:
            attrs.update(color=_PENDING)
        return attrs

    # ----------------------------------------------------------------------------- notes
    def notes(self) -> list[str]:
        if self.opt.grad_of is not _dot_grad or self.overlay is not None:
            return []
        tensors = self.pic.tensors
        leaf_grads = any(t.grad is not None for t in tensors if t.grad_fn is None)
        inner = [t for t in tensors if t.grad_fn is not None]
        if leaf_grads and inner and all(t.grad is None for t in inner):
            return [
                "intermediate gradients were not kept: call viz.retain_all(root) "
                "before backward() to see them"
            ]
        return []

    # ---------------------------------------------------------------------------- output
    def emit(self, dot: graphviz.Digraph) -> None:
        """Write nodes cluster by cluster (nested), then every edge, then the legend.

        Statements go straight into `dot.body` (graphviz's list of verbatim lines): every
        value here is either an escaped HTML label or a plain token we chose, so the per-value
        quoting of `dot.node()` would only cost time — a third of it on a 10,000-node graph.
        """
        # Every cluster with nodes, and its enclosing clusters, numbered by first appearance.
        number: dict[Scope, int] = {}
        for cluster in self.nodes:
            for k in range(1, len(cluster) + 1):
                number.setdefault(cluster[:k], len(number))
        children: dict[Scope, list[Scope]] = {}
        for path in number:  # a parent is always numbered before its children
            children.setdefault(path[:-1], []).append(path)
        body = dot.body
        self._emit_cluster(body, (), children, number, "\t")
        body.extend(f"\t{src} -> {dst}{_attr_list(attrs)}\n" for src, dst, attrs in self.edges)
        if self.opt.health is not None:
            legend = {"label": L.html(legend_label(self.opt.health)), "shape": "plaintext"}
            body.append(f"\tlegend{_attr_list(legend)}\n")

    def _emit_cluster(
        self,
        body: list[str],
        path: Scope,
        children: dict[Scope, list[Scope]],
        number: dict[Scope, int],
        indent: str,
    ) -> None:
        body.extend(
            f"{indent}{name}{_attr_list(attrs)}\n" for name, attrs in self.nodes.get(path, [])
        )
        for child in children.get(path, []):
            attrs = {
                "label": L.html(L.bold(L.esc(child[-1]))),
                "style": "rounded,filled",
                "fillcolor": _CLUSTER_FILLS[(len(child) - 1) % len(_CLUSTER_FILLS)],
                "color": "#8c959f",
                "fontcolor": "#424a53",
                "fontsize": "11",
                "labeljust": "l",
            }
            body.append(f"{indent}subgraph cluster_{number[child]} {{\n")
            body.append(f"{indent}\tgraph{_attr_list(attrs)}\n")
            self._emit_cluster(body, child, children, number, indent + "\t")
            body.append(f"{indent}}}\n")


def _attr_list(attrs: dict[str, str]) -> str:
    """` [k=v k="v"]`: HTML labels as they are, everything else double-quoted (our own
    tokens, which never hold quotes or backslashes)."""
    if not attrs:
        return ""
    parts = [
        f"{k}={v}" if v.startswith("<") and v.endswith(">") else f'{k}="{v}"'
        for k, v in attrs.items()
    ]
    return " [" + " ".join(parts) + "]"


def _pastel(color: str, keep: float = 0.35) -> str:
    """`color` mixed with white, light enough for dark text on top."""
    rgb = [int(color[i : i + 2], 16) for i in (1, 3, 5)]
    mixed = [round(255 - (255 - c) * keep) for c in rgb]
    return "#{:02x}{:02x}{:02x}".format(*mixed)
