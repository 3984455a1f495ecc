"""What to draw: an autodiff graph as gates and data nodes, with name scopes folded on request.

A *gate* is one compute node, or a whole name scope folded into a single box (`collapse`), or
— when a graph is too big even then — every early op folded into one "earlier ops" box. The
drawing code (draw.py) and the animation (animate.py) only ever see a `Picture`.

    graph = autodiff.graph.walk(loss)
    pic = build_picture(graph, collapse="modules")
    pic.gates        # in creation order; each has .inputs / .outputs (data nodes)
    pic.tensors      # the data nodes still visible (folded internals and parameters hidden)

Folding rules:
- `collapse="modules"` folds every innermost scope (one with no sub-scopes): a CNN's conv1,
  relu1, ... become one box each, inside clusters of their enclosing scopes.
- `collapse=d` (an int >= 1) folds every scope at depth d, with whatever is nested inside it.
- A scope entered several times (a module called twice) folds into one gate per call, so the
  picture keeps the order of computation and never shows a false cycle.
- Leaves that require grad and are used only inside one folded gate (its parameters) fold in
  with it; its label lists their shapes.
- `max_nodes`: if the picture is bigger, fold deeper scopes first (depth = deepest ... 1), then,
  if still too big, fold the earliest ops into one gate, keeping the part nearest the roots.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from autodiff import Function, Tensor
from autodiff.graph import Graph

Scope = tuple[str, ...]

# Fewest nodes max_nodes may ask for: one gate for the early ops, plus the roots' producer.
_MIN_BUDGET = 3


@dataclass(eq=False)
class Gate:
    """One box or circle in the picture.

    `inputs` are the data nodes it reads from outside (for a single compute node: its Tensor
    arguments in order, repeats kept, so `x * x` draws two wires); `outputs` the data nodes it
    produces that something outside uses (or that are roots).
    """

    id: str
    functions: list[Function]
    inputs: list[Tensor]
    outputs: list[Tensor]
    cluster: Scope
    folded: Scope | None = None  # the scope this gate folds, if any
    call: int = 1  # which call of that scope (a module used twice folds into two gates)
    params: list[Tensor] = field(default_factory=list)  # leaves folded into this gate
    earlier: bool = False  # the "earlier ops" gate made to respect max_nodes

    @property
    def node(self) -> Function | None:
        """The compute node, when this gate is exactly one."""
        return self.functions[0] if self.folded is None and not self.earlier else None


@dataclass
class Picture:
    graph: Graph
    gates: list[Gate]
    tensors: list[Tensor]  # visible data nodes, in graph order
    producer: dict[int, Gate]  # id(tensor) -> the gate drawing it as an output
    consumers: dict[int, list[Gate]]  # id(tensor) -> gates reading it (one entry per wire)
    placement: dict[int, Scope]  # id(tensor) -> the cluster the data node sits in
    notes: list[str] = field(default_factory=list)

    def tensor_id(self, t: Tensor) -> str:
        """Stable DOT id of a data node: its graph index."""
        return f"t{self.graph.index_of(t)}"

    def is_pin(self, t: Tensor) -> bool:
        """Does the circuit style draw `t` as a node? Inputs and final outputs only: every other
        value rides on the wire between two gates."""
        return id(t) not in self.producer or not self.consumers.get(id(t)) or self.is_root(t)

    def is_root(self, t: Tensor) -> bool:
        return id(t) in self.root_ids

    @cached_property
    def root_ids(self) -> set[int]:
        return {id(r) for r in self.graph.roots}

    def has_wire(self, t: Tensor) -> bool:
        """Does a wire carry `t` (from the op that made it, or to an op that uses it)?"""
        return id(t) in self.producer or bool(self.consumers.get(id(t)))

    def node_count(self, style: str, wire_labels: bool = True) -> int:
        """How many graphviz nodes the picture draws: gates, plus in the nodes style a box
        per data node, in the circuit style its pins and (if labelled) a label per wire."""
        if style == "nodes":
            return len(self.gates) + len(self.tensors)
        pins = sum(self.is_pin(t) for t in self.tensors)
        labels = sum(self.has_wire(t) for t in self.tensors) if wire_labels else 0
        return len(self.gates) + pins + labels


def build_picture(
    graph: Graph,
    collapse: str | int | None = None,
    max_nodes: int | None = None,
    style: str = "nodes",
    wire_labels: bool = True,
) -> Picture:
    """Gates and visible data nodes for `graph`, folded per `collapse` and `max_nodes`
    (counted as `Picture.node_count(style, wire_labels)`)."""
    facts = _Wiring(graph)
    picture = _assemble(facts, _fold(facts, collapse))

    def size(p: Picture) -> int:
        return p.node_count(style, wire_labels)

    if max_nodes is None or size(picture) <= max_nodes:
        return picture

    # Too big: fold deeper scopes first, then shallower ones, until it fits.
    depth = max((len(f.scope) for f in graph.functions), default=0)
    chosen, how = picture, None
    for d in range(depth, 0, -1):
        candidate = _assemble(facts, _fold(facts, d))
        if size(candidate) < size(chosen):
            chosen, how = candidate, d
        if size(chosen) <= max_nodes:
            break
    notes = [] if how is None else [f"scopes folded at depth {how}"]
    if size(chosen) > max_nodes:
        budget = max(max_nodes, _MIN_BUDGET)
        gates, n_early = _fold_earliest(facts, chosen.gates, budget, style, wire_labels)
        chosen = _assemble(facts, gates)
        notes.append(f"the {n_early} earliest ops folded into one node")
    chosen.notes.append(f"auto-collapsed to stay under max_nodes={max_nodes}: " + "; ".join(notes))
    return chosen


class _Wiring:
    """The graph's wiring, computed once for every folding: each op's data inputs and each
    tensor's consumers."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.inputs: dict[int, list[Tensor]] = {}  # id(function) -> its data inputs
        self.consumers: dict[int, list[Function]] = {}  # id(tensor) -> consuming functions
        for f in graph.functions:
            ins = [self.resolve(a) for a in f.inputs]
            self.inputs[id(f)] = ins
            for t in ins:
                self.consumers.setdefault(id(t), []).append(f)
        self.roots = {id(r) for r in graph.roots}

    def resolve(self, t: Tensor) -> Tensor:
        """The graph's data node for `t`.

        A backward graph recorded with create_graph can hold a second Tensor object for a node's
        output; it is the same data node, so it is drawn as the one `graph.output` gives.
        """
        try:
            self.graph.index_of(t)
            return t
        except KeyError:
            return self.graph.output(t.grad_fn)


def _fold(facts: _Wiring, collapse: str | int | None) -> list[Gate]:
    """One gate per compute node, except runs of nodes sharing a folded scope."""
    functions = facts.graph.functions
    keys = _fold_keys(functions, collapse)
    gates: list[Gate] = []
    calls: dict[Scope, int] = {}
    i = 0
    while i < len(functions):
        key = keys[i]
        if key is None:
            f = functions[i]
            out = facts.graph.output(f)
            gates.append(Gate(f"f{i}", [f], facts.inputs[id(f)], [out], f.scope))
            i += 1
            continue
        # A run of consecutive nodes in the same folded scope is one call of that scope.
        j = i
        while j < len(functions) and keys[j] == key and _entry(keys[j]) == _entry(key):
            j += 1
        calls[key] = calls.get(key, 0) + 1
        gate = _merge(facts, functions[i:j], f"g{i}", cluster=key[:-1], absorb_all=False)
        gate.folded, gate.call = key, calls[key]
        gates.append(gate)
        i = j
    return gates


def _entry(scope: Scope) -> tuple:
    """Which entry into each scope of the path (autodiff numbers every `name_scope` entry), so
    two back-to-back calls of one module stay two gates."""
    return tuple(getattr(name, "call", None) for name in scope)


def _fold_keys(functions: list[Function], collapse: str | int | None) -> list[Scope | None]:
    """For each compute node, the scope it folds into (None: drawn on its own)."""
    if collapse is None:
        return [None] * len(functions)
    if collapse == "modules":
        # Innermost scopes: those that are not a proper prefix of another node's scope.
        parents = {f.scope[:k] for f in functions for k in range(len(f.scope))}
        return [f.scope if f.scope and f.scope not in parents else None for f in functions]
    if isinstance(collapse, int) and not isinstance(collapse, bool) and collapse >= 1:
        return [f.scope[:collapse] if len(f.scope) >= collapse else None for f in functions]
    raise ValueError(f"collapse must be None, 'modules' or a depth >= 1, got {collapse!r}")


def _merge(
    facts: _Wiring, functions: list[Function], gate_id: str, cluster: Scope, absorb_all: bool
) -> Gate:
    """One gate standing for `functions`: its inputs come from outside, its outputs are used
    outside (or are roots); parameters used only inside fold in (all leaves, if absorb_all)."""
    members = {id(f) for f in functions}
    produced = {id(facts.graph.output(f)) for f in functions}
    inputs: list[Tensor] = []
    params: list[Tensor] = []
    seen: set[int] = set()
    for f in functions:
        for t in facts.inputs[id(f)]:
            if id(t) in produced or id(t) in seen:
                continue
            seen.add(id(t))
            inside_only = all(id(c) in members for c in facts.consumers[id(t)])
            if t.grad_fn is None and inside_only and (absorb_all or t.requires_grad):
                params.append(t)
            else:
                inputs.append(t)
    outputs = []
    for f in functions:
        t = facts.graph.output(f)
        users = facts.consumers.get(id(t), [])
        if id(t) in facts.roots or not users or any(id(c) not in members for c in users):
            outputs.append(t)
    return Gate(gate_id, list(functions), inputs, outputs, cluster, params=params)


def _fold_earliest(
    facts: _Wiring, gates: list[Gate], budget: int, style: str, wire_labels: bool
) -> tuple[list[Gate], int]:
    """Keep the gates nearest the roots that fit in `budget` nodes; fold the rest into one."""
    # A data node costs one node, or in a labelled circuit at most two: its pin and its label.
    cost = 2 if style == "circuit" and wire_labels else 1
    counted: set[int] = set()
    used = 1  # the node standing for the earliest ops
    keep = 0
    for gate in reversed(gates):
        new = {id(t) for t in gate.inputs + gate.outputs} - counted
        if used + 1 + cost * len(new) > budget:
            break
        used += 1 + cost * len(new)
        counted |= new
        keep += 1
    early = gates[: len(gates) - keep]
    if len(early) <= 1:
        return gates, 0
    functions = [f for g in early for f in g.functions]
    folded = _merge(facts, functions, "early", cluster=(), absorb_all=True)
    folded.earlier = True
    return [folded, *gates[len(early) :]], len(functions)


def _assemble(facts: _Wiring, gates: list[Gate]) -> Picture:
    """The picture's maps: which data nodes stay visible, who draws them, where they sit."""
    graph = facts.graph
    producer: dict[int, Gate] = {}
    consumers: dict[int, list[Gate]] = {}
    hidden: set[int] = set()
    for gate in gates:
        for t in gate.outputs:
            producer[id(t)] = gate
        for t in gate.inputs:
            consumers.setdefault(id(t), []).append(gate)
        hidden.update(id(t) for t in gate.params)
        if gate.folded is not None or gate.earlier:  # its internal values are not drawn
            hidden.update(id(graph.output(f)) for f in gate.functions)
    hidden -= producer.keys()
    tensors = [t for t in graph.tensors if id(t) not in hidden]

    placement: dict[int, Scope] = {}
    for t in tensors:
        gate = producer.get(id(t))
        if gate is not None:
            placement[id(t)] = gate.cluster
        elif t.requires_grad and consumers.get(id(t)):
            # A parameter sits with the ops that use it; a data input stays outside.
            placement[id(t)] = common_prefix([g.cluster for g in consumers[id(t)]])
        else:
            placement[id(t)] = ()
    return Picture(graph, gates, tensors, producer, consumers, placement)


def common_prefix(scopes: list[Scope]) -> Scope:
    """The innermost scope enclosing all of `scopes`."""
    first = scopes[0]
    n = len(first)
    for s in scopes[1:]:
        n = min(n, len(s))
        for k in range(n):
            if s[k] != first[k]:
                n = k
                break
    return first[:n]
