"""The explorer's data: one JSON-ready record per node, edge, cluster and backprop step.

Keys are the DOT ids, which are also the SVG ids of the drawn elements, so the page's script
finds an element's record by `element.id`. The shape of the data:

    {"nodes": {"t0": {"label": "w0", "kind": "leaf", "value": {...facts}, "grad": {...},
                      "health": {...}, "known_at": 8, ...},
               "f1": {"label": "*", "kind": "op", "op": "*", "inputs": ["w0", "x0"],
                      "runs_at": 8, ...}},
     "edges": {"e3": {"tail": "t0", "head": "f1", "into_at": 8, "from_at": null,
                      "known_at": 8, "health": "#51cf66"}},
     "clusters": {"cluster_0": {"label": "fc1", "path": "model/fc1", "members": [...]}},
     "steps": [{"caption": "forward pass: ...", "current": null}, ...]}

A step number k means "after the k-th op of backward ran" (0: the forward pass); `known_at`
is the first step at which a value's gradient is complete, `runs_at` the step an op runs in.
"""

from __future__ import annotations

from typing import Any

from autodiff import Tensor

from ..backprop import Step
from ..describe import gate_title, op_label, type_text
from ..dot import DotMap
from ..health import DEFAULT_THRESHOLDS, assess
from ..palette import pastel
from ..picture import Gate, Picture
from ..trace import GradSource
from .facts import array_facts


def graph_records(
    picture: Picture,
    dot_map: DotMap,
    grad_of: GradSource | None,
    steps: list[Step],
    digits: int = 3,
) -> dict[str, Any]:
    runs_at = {id(s.current): k for k, s in enumerate(steps) if s.current is not None}
    known_at: dict[int, int] = {}
    partial_at: dict[int, int] = {}
    for k, step in enumerate(steps):
        for key in step.known:
            known_at.setdefault(key, k)
        for key in step.partial:
            partial_at.setdefault(key, k)

    def tensor_record(t: Tensor, scope: tuple[str, ...]) -> dict[str, Any]:
        grad = grad_of(t) if grad_of is not None else None
        producer = picture.producer.get(id(t))
        kind = "output" if picture.is_root(t) else "leaf" if t.grad_fn is None else "intermediate"
        record = {
            "label": picture.graph.name(t),
            "kind": kind,
            "type": type_text(t),
            "made_by": gate_title(producer, digits) if producer is not None else None,
            "scope": "/".join(scope),
            "requires_grad": bool(t.requires_grad),
            "value": array_facts(t.data, digits),
            "grad": array_facts(grad, digits) if grad is not None else None,
            "known_at": known_at.get(id(t)) if grad is not None else None,
            "partial_at": partial_at.get(id(t)) if grad is not None else None,
        }
        if grad is not None:
            h = assess(grad, DEFAULT_THRESHOLDS)
            record["health"] = {"kind": h.kind, "tag": h.tag, "color": h.color}
            record["health"]["fill"] = pastel(h.color)
        return record

    def gate_record(gate: Gate, scope: tuple[str, ...]) -> dict[str, Any]:
        node = gate.node
        out = gate.outputs[0]
        return {
            "label": node.op_name() if node is not None else gate_title(gate, digits),
            "kind": "op",
            "op": op_label(node, digits) if node is not None else gate_title(gate, digits),
            "scope": "/".join(scope),
            "inputs": [picture.graph.name(t) for t in gate.inputs],
            "output": picture.graph.name(out),
            "type": type_text(out),
            "value": array_facts(out.data, digits),
            "runs_at": runs_at.get(id(gate)),
        }

    nodes: dict[str, Any] = {}
    health_color: dict[int, str] = {}  # id(tensor) -> its health colour
    for name, t in dot_map.tensors.items():
        nodes[name] = tensor_record(t, dot_map.scopes[name])
        if "health" in nodes[name]:
            health_color[id(t)] = nodes[name]["health"]["color"]
    for name, gate in dot_map.gates.items():
        nodes[name] = gate_record(gate, dot_map.scopes[name])

    edges = {
        name: {
            "tail": e.tail,
            "head": e.head,
            # Only a value that requires grad gets one sent back along its wire.
            "into_at": runs_at.get(id(e.into)) if e.into and e.carries.requires_grad else None,
            "from_at": runs_at.get(id(e.out_of)) if e.out_of is not None else None,
            "known_at": known_at.get(id(e.carries)),
            "health": health_color.get(id(e.carries)),
        }
        for name, e in dot_map.edges.items()
    }
    clusters = {
        name: {
            "label": scope[-1],
            "path": "/".join(scope),
            "members": [n for n, s in dot_map.scopes.items() if s[: len(scope)] == scope],
        }
        for name, scope in dot_map.clusters.items()
    }
    return {
        "nodes": nodes,
        "edges": edges,
        "clusters": clusters,
        "steps": [
            {"caption": s.caption, "current": s.current.id if s.current is not None else None}
            for s in steps
        ],
    }
