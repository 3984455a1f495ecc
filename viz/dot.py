"""build_dot: a Picture (what to draw) as graphviz statements (how it looks).

    picture = build_picture(autodiff.graph.walk(loss))
    dot = build_dot(picture, DrawOptions(grad_of=stored_grad), title="loss")
    dot.source        # DOT text; render with viz.render or dot.pipe

Node ids come from graph positions (`t<i>` data, `w<i>` the label on data i's wire, `f<i>` an
op, `g<i>` a folded scope), so the same graph always gives the same DOT source. Every value is
quoted by dot_syntax.quote; every piece of user text is first escaped into an HTML-like label
(labels.py).

In the circuit style a value's wire runs from the op that made it (or its input pin) through
its label (data_labels.wire_label) and on to every op that uses it; in the nodes style every
data node is a box. A backprop `Step` (backprop.py) recolours gates and wires for one frame
(step_style.py); the caption and legend on top are caption.py's.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import graphviz

from autodiff import Tensor

from . import labels as markup
from . import palette as P
from . import step_style
from .backprop import Step
from .caption import caption_label
from .data_labels import WIRE_PORT, DataText, box_label, numbers, pin_label, wire_label
from .describe import gate_details, gate_title, type_text
from .dot_syntax import attr_list, edge_line, node_line, quote
from .graph_picture import GraphPicture
from .health import Health, assess, legend_label
from .options import DrawOptions
from .picture import Gate, Picture, Scope, common_prefix
from .trace import stored_grad

# Where a wire enters and leaves its label's port, per direction.
_PORT_SIDES = {"LR": ("w", "e"), "RL": ("e", "w"), "TB": ("n", "s"), "BT": ("s", "n")}


@dataclass(frozen=True)
class Edge:
    """One drawn edge: its end nodes, the value it carries, the ops it runs into / out of."""

    tail: str
    head: str
    carries: Tensor
    into: Gate | None
    out_of: Gate | None


@dataclass
class DotMap:
    """What each element of a drawn picture stands for, by its DOT id (which is also its SVG
    id): what a page needs to make the picture interactive (viz.explore)."""

    tensors: dict[str, Tensor] = field(default_factory=dict)  # node -> the value it draws
    gates: dict[str, Gate] = field(default_factory=dict)  # node -> the op (or folded scope)
    scopes: dict[str, Scope] = field(default_factory=dict)  # node -> the scope it sits in
    clusters: dict[str, Scope] = field(default_factory=dict)  # "cluster_3" -> its scope
    edges: dict[str, Edge] = field(default_factory=dict)  # "e7" -> what the edge joins


def build_dot(
    picture: Picture,
    options: DrawOptions,
    *,
    title: str | None = None,
    step: Step | None = None,
    caption_size: tuple[float, float] | None = None,
) -> GraphPicture:
    """The Digraph for `picture`; `step` colours one frame of backprop; `caption_size`
    (width, height in inches) fixes the caption's size, so that frames lay out alike."""
    return build_dot_and_map(picture, options, title=title, step=step, caption_size=caption_size)[0]


def build_dot_and_map(
    picture: Picture,
    options: DrawOptions,
    *,
    title: str | None = None,
    step: Step | None = None,
    caption_size: tuple[float, float] | None = None,
) -> tuple[GraphPicture, DotMap]:
    """build_dot, and the DotMap of what it drew."""
    dot = GraphPicture(
        name="glassgrad",
        graph_attr={
            "rankdir": options.rankdir,
            "fontname": P.FONT,
            "fontsize": "12",
            "bgcolor": "white",
            "nodesep": "0.25",
            "ranksep": "0.25",
            "labelloc": "t",
            "labeljust": "l",
            # Keep each op's inputs in argument order (w0, x0, w1, x1 as in CS231n's picture)
            # instead of whatever order dot's crossing minimisation picks.
            "ordering": "in",
        },
        node_attr={"fontname": P.FONT, "fontsize": "11", "margin": "0.06,0.03"},
        edge_attr={"fontname": P.FONT, "fontsize": "10", "color": P.WIRE, "arrowsize": "0.6"},
    )
    drawer = _Drawer(picture, options, step)
    drawer.collect()
    drawer.emit(dot)
    caption = caption_label(
        title,
        picture.notes + drawer.notes(),
        step.caption if step is not None else "",
        legend=options.circuit and (options.values or options.grad_of is not None),
        across=options.across,
        size=caption_size,
    )
    if caption:
        dot.body.append(f"\tlabel={quote(markup.html(caption))}\n")
    return dot, drawer.map


class _Drawer:
    """Turns one Picture into node and edge statements, nodes grouped by cluster."""

    def __init__(self, picture: Picture, options: DrawOptions, step: Step | None) -> None:
        self.pic = picture
        self.opt = options
        self.step = step
        self.nodes: dict[Scope, list[tuple[str, dict[str, str]]]] = {}
        self.edges: list[tuple[str, str, dict[str, str]]] = []
        self.map = DotMap()
        self._health: dict[int, Health] = {}
        self._labelled: set[int] = set()  # id(t) of the values whose wire has a label node

    # ------------------------------------------------------------------ facts per tensor
    def health(self, t: Tensor) -> Health | None:
        o = self.opt
        if o.health is None:
            return None
        h = self._health.get(id(t))
        if h is None:
            grad = o.grad_of(t) if o.grad_of is not None else None
            h = self._health[id(t)] = assess(grad, o.health)
        return h

    def text(
        self, t: Tensor, *, name: str = "", typed: bool = True, numbers_: bool = True
    ) -> DataText:
        """The plain texts of `t` as a picture shows them (see data_labels.DataText)."""
        o = self.opt
        value = numbers(t.data, o.digits) if numbers_ and o.values else None
        grad = None
        if numbers_ and o.grad_of is not None:
            g = o.grad_of(t)
            if g is not None:
                grad = numbers(g, o.digits)
                if self.step is not None and id(t) not in self.step.known:
                    # Not arrived yet: drawn invisibly, so the frame keeps its final layout.
                    grad = replace(grad, hidden=True)
        h = self.health(t)
        return DataText(
            name=name,
            type=type_text(t) if typed and o.shapes and (t.ndim or not o.circuit) else "",
            value=value,
            grad=grad,
            tag=h.tag if h is not None and h.flagged else "",
        )

    # ---------------------------------------------------------------- collecting statements
    def collect(self) -> None:
        for gate in self.pic.gates:
            self.add_gate(gate)
        for t in self.pic.tensors:
            self.add_data(t)
        if self.opt.circuit:
            self.add_wires()
        else:
            self.add_box_edges()

    def add_node(self, cluster: Scope, name: str, attrs: dict[str, str]) -> None:
        attrs["id"] = name  # the SVG element gets the DOT id, so pages can find it
        self.nodes.setdefault(cluster, []).append((name, attrs))
        self.map.scopes[name] = cluster

    def add_edge(
        self,
        tail: str,
        head: str,
        attrs: dict[str, str],
        carries: Tensor,
        into: Gate | None,
        out_of: Gate | None,
    ) -> None:
        edge_id = f"e{len(self.edges)}"
        attrs["id"] = edge_id
        self.edges.append((tail, head, attrs))
        ends = (tail.split(":")[0], head.split(":")[0])  # node ids, without ports
        self.map.edges[edge_id] = Edge(*ends, carries, into, out_of)

    def add_data(self, t: Tensor) -> None:
        pic = self.pic
        if not self.opt.circuit:
            attrs = {"label": markup.html(box_label(self.text(t, name=pic.graph.name(t))))}
            attrs.update(shape="box", style="rounded,filled", margin="0.08,0.04")
            attrs.update(self.data_fill(t))
            self.add_node(pic.placement[id(t)], pic.tensor_id(t), attrs)
            self.map.tensors[pic.tensor_id(t)] = t
            return
        wired = pic.has_wire(t)
        if pic.is_pin(t):
            text = self.text(t, name=pic.graph.name(t), numbers_=not wired)
            attrs = {"label": markup.html(pin_label(text)), "fontsize": "13"}
            if self.opt.health is None:
                attrs["shape"] = "plaintext"
            else:
                attrs.update(shape="box", style="rounded,filled")
                attrs.update(self.data_fill(t))
            self.add_node(pic.placement[id(t)], pic.tensor_id(t), attrs)
            self.map.tensors[pic.tensor_id(t)] = t
        if wired:
            self.add_wire_label(t)

    def add_wire_label(self, t: Tensor) -> None:
        """The label node a value's wire passes through (none if there is nothing to say)."""
        pic = self.pic
        inner = id(t) in pic.producer and not pic.is_pin(t)
        text = self.text(t, name=t.name if inner else "", typed=id(t) in pic.producer)
        if not (text.name or text.type or text.value or text.grad):
            return
        self._labelled.add(id(t))
        color = self.segment_style(t, into=None).get("color", P.WIRE)
        label = wire_label(text, self.opt.across, color)
        attrs = {"label": markup.html(label), "shape": "plaintext", "margin": "0"}
        self.add_node(self.wire_cluster(t), self.label_id(t), attrs)
        self.map.tensors[self.label_id(t)] = t

    def wire_cluster(self, t: Tensor) -> Scope:
        """A wire's label sits in the innermost cluster holding both of the wire's ends."""
        pic = self.pic
        producer = pic.producer.get(id(t))
        ends = [producer.cluster if producer is not None else pic.placement[id(t)]]
        ends += [g.cluster for g in pic.consumers.get(id(t), [])]
        if producer is not None and pic.is_pin(t):
            ends.append(pic.placement[id(t)])
        return common_prefix(ends)

    def label_id(self, t: Tensor) -> str:
        return f"w{self.pic.graph.index_of(t)}"

    def data_fill(self, t: Tensor) -> dict[str, str]:
        h = self.health(t)
        if h is None:
            if t.grad_fn is not None:
                return {"fillcolor": "white"}
            return {"fillcolor": P.PARAM_FILL if t.requires_grad else P.CONST_FILL}
        attrs = {"fillcolor": P.pastel(h.color), "color": h.color, "penwidth": "2"}
        if h.kind == "vanishing":
            attrs.update(style="rounded,filled,dashed", penwidth="2.5")
        elif h.flagged:
            attrs.update(penwidth="3.5")
        elif h.kind == "none":
            attrs.update(color=P.PENDING, penwidth="1")
        return attrs

    def add_gate(self, gate: Gate) -> None:
        o = self.opt
        title = markup.bold(markup.esc(gate_title(gate, o.digits)))
        details = [markup.font(markup.esc(d), size=9) for d in gate_details(gate, o.shapes)]
        if details:  # a 3-pt line between: the title's underscores (cross_entropy) sit below
            # its baseline, and touched the details line under it
            details.insert(0, markup.font(" ", size=3))
        attrs = {"label": markup.html(markup.lines(title, *details)), "style": "filled"}
        if gate.folded is not None or gate.earlier:
            style = "rounded,filled,dashed" if gate.earlier else "rounded,filled"
            attrs.update(shape="box", style=style, fillcolor=P.FOLDED_FILL, penwidth="1.5")
        elif o.circuit:
            # CS231n's round gates; a long label (matmul, cross_entropy) would blow a circle
            # up, so it gets an ellipse.
            short = len(gate_title(gate, o.digits)) <= 5 and not details
            attrs.update(
                shape="circle" if short else "ellipse",
                fillcolor=P.GATE_FILL,
                fontsize="13",
                width="0.5",
            )
        else:
            attrs.update(shape="ellipse", fillcolor=P.GATE_FILL)
        if self.step is not None:
            attrs.update(step_style.gate_attrs(self.step, gate))
        self.add_node(gate.cluster, gate.id, attrs)
        self.map.gates[gate.id] = gate

    # ---------------------------------------------------------------------------- edges
    def add_wires(self) -> None:
        """Circuit wires: source -> label -> each op using the value (in argument order, for
        `ordering=in`), and -> the value's own pin if it is an output."""
        pic = self.pic
        enter, leave = _PORT_SIDES[self.opt.rankdir]
        for t in pic.tensors:  # each labelled wire's first segment
            if id(t) in self._labelled:
                source = self.source_id(t)
                attrs = self.segment_style(t, into=None)
                attrs.update(arrowhead="none")
                head = f"{self.label_id(t)}:{WIRE_PORT}:{enter}"
                self.add_edge(source, head, attrs, t, None, pic.producer.get(id(t)))
        for gate in pic.gates:
            for t in gate.inputs:
                attrs = self.segment_style(t, gate)
                out_of = None if id(t) in self._labelled else pic.producer.get(id(t))
                self.add_edge(self.wire_end(t, leave), gate.id, attrs, t, gate, out_of)
        for t in pic.tensors:
            if id(t) in pic.producer and pic.is_pin(t):
                attrs = self.segment_style(t, into=None)
                out_of = None if id(t) in self._labelled else pic.producer[id(t)]
                self.add_edge(self.wire_end(t, leave), pic.tensor_id(t), attrs, t, None, out_of)

    def source_id(self, t: Tensor) -> str:
        producer = self.pic.producer.get(id(t))
        return producer.id if producer is not None else self.pic.tensor_id(t)

    def wire_end(self, t: Tensor, leave: str) -> str:
        """Where the wire carrying `t` on to its users starts: its label, or its source."""
        if id(t) in self._labelled:
            return f"{self.label_id(t)}:{WIRE_PORT}:{leave}"
        return self.source_id(t)

    def add_box_edges(self) -> None:
        pic = self.pic
        for gate in pic.gates:
            for t in gate.inputs:
                self.add_edge(pic.tensor_id(t), gate.id, self.segment_style(t, gate), t, gate, None)
            for t in gate.outputs:
                attrs = self.segment_style(t, None, gate)
                self.add_edge(gate.id, pic.tensor_id(t), attrs, t, None, gate)

    def segment_style(
        self, t: Tensor, into: Gate | None, out_of: Gate | None = None
    ) -> dict[str, str]:
        """A wire segment carrying `t` into the op `into` (None: the segment from t's source).

        Coloured by gradient health; in a backprop frame, by where the gradient has got to.
        """
        attrs: dict[str, str] = {}
        h = self.health(t)
        if h is not None and h.kind != "none":
            attrs.update(color=h.color, penwidth="2.5")
            if h.kind == "vanishing":
                attrs["style"] = "dashed"
        if self.step is not None:
            source = out_of or self.pic.producer.get(id(t))
            attrs.update(step_style.segment_attrs(self.step, t, into, source))
        return attrs

    # ----------------------------------------------------------------------------- notes
    def notes(self) -> list[str]:
        if self.opt.grad_of is not stored_grad or self.step is not None:
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
        """Nodes cluster by cluster (nested), then every edge, then the health legend."""
        # Every cluster with nodes, and its enclosing clusters, numbered by first appearance.
        number: dict[Scope, int] = {}
        for cluster in self.nodes:
            for k in range(1, len(cluster) + 1):
                number.setdefault(cluster[:k], len(number))
        children: dict[Scope, list[Scope]] = {}
        for path in number:  # a parent is always numbered before its children
            children.setdefault(path[:-1], []).append(path)
        body = dot.body  # graphviz's list of statement lines
        self._emit_cluster(body, (), children, number, "\t")
        body.extend(edge_line(tail, head, attrs) for tail, head, attrs in self.edges)
        if self.opt.health is not None:
            legend = {"label": markup.html(legend_label(self.opt.health)), "shape": "plaintext"}
            body.append(node_line("legend", legend))

    def _emit_cluster(
        self,
        body: list[str],
        path: Scope,
        children: dict[Scope, list[Scope]],
        number: dict[Scope, int],
        indent: str,
    ) -> None:
        body.extend(node_line(name, attrs, indent) for name, attrs in self.nodes.get(path, []))
        for child in children.get(path, []):
            attrs = {
                "label": markup.html(markup.bold(markup.esc(child[-1]))),
                "style": "rounded,filled",
                "fillcolor": P.CLUSTER_FILLS[(len(child) - 1) % len(P.CLUSTER_FILLS)],
                "color": P.CLUSTER_BORDER,
                "fontcolor": P.CLUSTER_TEXT,
                "fontsize": "11",
                "labeljust": "l",
            }
            name = f"cluster_{number[child]}"
            self.map.clusters[name] = child
            attrs["id"] = name
            body.append(f"{indent}subgraph {name} {{\n")
            body.append(f"{indent}\tgraph{attr_list(attrs)}\n")
            self._emit_cluster(body, child, children, number, indent + "\t")
            body.append(f"{indent}}}\n")
