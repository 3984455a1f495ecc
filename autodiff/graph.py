"""Reading the graph: the data nodes, compute nodes and edges behind some tensors.

    g = autodiff.graph.walk(loss)            # or walk(loss, x.grad) to include a backward graph
    for node in g.functions:                  # compute nodes, in creation order
        print(node.op_name(), [g.name(t) for t in node.inputs], "->", g.name(g.output(node)))

This is the public API `viz` draws from; it never looks inside the engine.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .function import Function
from .tensor import Tensor


@dataclass
class Graph:
    """The graph reachable from `roots`, listed deterministically.

    `functions`: compute nodes in creation order (a topological order: inputs first).
    `tensors`: data nodes — leaves in the order they are first consumed, then each node's
    output right after its leaves appear; every tensor has a stable index (`index_of`).
    """

    roots: tuple[Tensor, ...]
    functions: list[Function] = field(default_factory=list)
    tensors: list[Tensor] = field(default_factory=list)
    _outputs: dict[int, Tensor] = field(default_factory=dict, repr=False)
    _index: dict[int, int] = field(default_factory=dict, repr=False)

    def output(self, node: Function) -> Tensor:
        """The data node `node` produced."""
        return self._outputs[id(node)]

    def producer(self, tensor: Tensor) -> Function | None:
        """The compute node that made `tensor` (None for leaves)."""
        return tensor.grad_fn

    def index_of(self, tensor: Tensor) -> int:
        """A stable number for `tensor`: its position in `tensors`."""
        return self._index[id(tensor)]

    def name(self, tensor: Tensor) -> str:
        """The tensor's own name, or a stable auto-name (`t3`) from its index."""
        return tensor.name or f"t{self.index_of(tensor)}"

    def consumers(self, tensor: Tensor) -> list[Function]:
        return [f for f in self.functions if any(a is tensor for a in f.inputs)]

    @property
    def leaves(self) -> list[Tensor]:
        return [t for t in self.tensors if t.grad_fn is None]

    def edges(self) -> list[tuple[Tensor | Function, Tensor | Function]]:
        """(source, target) pairs: tensor -> consuming node, node -> its output tensor."""
        result: list[tuple[Tensor | Function, Tensor | Function]] = []
        for f in self.functions:
            result.extend((a, f) for a in f.inputs)
            result.append((f, self.output(f)))
        return result

    def __len__(self) -> int:
        return len(self.functions) + len(self.tensors)


def walk(*roots: Tensor | Iterable[Tensor]) -> Graph:
    """Collect the graph behind `roots` (tensors, or iterables of tensors)."""
    flat: list[Tensor] = []
    for r in roots:
        if isinstance(r, Tensor):
            flat.append(r)
        elif r is not None:
            flat.extend(t for t in r if isinstance(t, Tensor))
    graph = Graph(tuple(flat))

    # Find every compute node, and which tensor object is each node's output.
    outputs: dict[int, Tensor] = {}
    nodes: dict[int, Function] = {}
    stack = [t for t in flat]
    seen_tensors: set[int] = set()
    while stack:
        t = stack.pop()
        if id(t) in seen_tensors:
            continue
        seen_tensors.add(id(t))
        fn = t.grad_fn
        if fn is None:
            continue
        outputs.setdefault(id(fn), t)
        if id(fn) not in nodes:
            nodes[id(fn)] = fn
            stack.extend(fn.inputs)
    graph.functions = sorted(nodes.values(), key=lambda f: f.seq)
    graph._outputs = outputs

    # Number the data nodes in a deterministic order that follows the computation.
    def add(t: Tensor) -> None:
        if id(t) not in graph._index:
            graph._index[id(t)] = len(graph.tensors)
            graph.tensors.append(t)

    for f in graph.functions:
        for a in f.inputs:
            if a.grad_fn is None:
                add(a)
        add(outputs[id(f)])
    for t in flat:
        add(t)
    return graph
