"""Seeing every gradient, not just the leaves'.

backward() keeps `.grad` only for leaves. A picture of backprop needs the intermediate ones
too; two ways to get them:

    loss = build()                     # 1. keep them: mark every intermediate, then backward
    viz.retain_all(loss)
    loss.backward()
    viz.draw_graph(loss)

    trace = viz.trace_gradients(loss)  # 2. compute them aside, leaving .grad alone
    viz.draw_graph(loss, grads=trace)

`trace_gradients` runs `autodiff.gradients(..., retain_graph=True)` on the graph, so the graph
stays usable and `.grad` keeps whatever it held before (gradient hooks do run, as in any
backward).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable

import numpy as np

import autodiff
from autodiff import Tensor

# id(tensor) -> weak reference, for the tensors retain_all already marked: retain_grad() adds a
# hook per call, and two hooks would count every gradient twice.
_retained: dict[int, weakref.ref] = {}


def retain_all(*roots: Tensor | Iterable[Tensor]) -> int:
    """Make every non-leaf tensor behind `roots` keep its `.grad` on the next backward.

    Call it after building the graph and before `backward()`. Idempotent; returns how many
    tensors were newly marked.
    """
    marked = 0
    for t in autodiff.graph.walk(*roots).tensors:
        if t.grad_fn is None:
            continue
        ref = _retained.get(id(t))
        if ref is not None and ref() is t:
            continue
        t.retain_grad()
        _retained[id(t)] = weakref.ref(t, _forget(id(t)))
        marked += 1
    return marked


def _forget(key: int) -> Callable[[weakref.ref], None]:
    def callback(ref: weakref.ref) -> None:
        if _retained.get(key) is ref:
            del _retained[key]

    return callback


class GradientTrace:
    """d(root)/d(t) for every tensor t in root's graph that requires grad.

    Look gradients up by tensor: `trace[t]` is an ndarray, or None for a tensor the root does
    not depend on (or that does not require grad).
    """

    def __init__(self, root: Tensor, tensors: list[Tensor], grads: list[np.ndarray | None]):
        self.root = root
        self._tensors = tensors  # keeps the tensors alive, so their ids stay theirs
        self._grads = {id(t): g for t, g in zip(tensors, grads)}

    def get(self, t: Tensor) -> np.ndarray | None:
        return self._grads.get(id(t))

    __getitem__ = get

    def __contains__(self, t: object) -> bool:
        return self._grads.get(id(t)) is not None

    def __len__(self) -> int:
        return sum(g is not None for g in self._grads.values())

    def __repr__(self) -> str:
        return f"<GradientTrace of {len(self)} gradients>"


def trace_gradients(root: Tensor) -> GradientTrace:
    """The gradient of the one-element `root` with respect to every tensor of its graph.

    `.grad` attributes are left exactly as they were, and the graph is retained, so the usual
    `root.backward()` still works afterwards. Raises if a previous backward freed the graph.
    """
    if not isinstance(root, Tensor):
        raise TypeError(f"trace_gradients: expected a Tensor, got {type(root).__name__}")
    if root.numel() != 1:
        raise ValueError(
            f"trace_gradients: the root must have one element (a loss), got shape {root.shape}; "
            "reduce it first, e.g. .sum()"
        )
    graph = autodiff.graph.walk(root)
    if any(f.freed for f in graph.functions):
        raise RuntimeError(
            "trace_gradients: a backward() without retain_graph=True already freed this graph. "
            "Trace before calling backward(), or call backward(retain_graph=True)"
        )
    wanted = [t for t in graph.tensors if t.requires_grad]
    if not wanted:
        return GradientTrace(root, [], [])
    before = [(t, t.grad) for t in graph.tensors]
    try:
        grads = autodiff.gradients(root, wanted, retain_graph=True, allow_unused=True)
    finally:
        # retain_grad hooks fire during any backward; put every .grad back as it was.
        for t, g in before:
            if t.grad is not g:
                t.grad = g
    arrays = [None if g is None else np.asarray(g.data) for g in grads]
    return GradientTrace(root, wanted, arrays)


GradSource = Callable[[Tensor], "np.ndarray | None"]


def grad_source(grads: bool | GradientTrace) -> GradSource | None:
    """How a picture finds a tensor's gradient: `.grad`, a trace, or not at all (None)."""
    if isinstance(grads, GradientTrace):
        return grads.get
    if grads is True:
        return stored_grad
    if grads is False or grads is None:
        return None
    raise TypeError(f"grads must be True, False or a GradientTrace, got {type(grads).__name__}")


def stored_grad(t: Tensor) -> np.ndarray | None:
    """The gradient backward left in `t.grad` (as an array), or None: the `grads=True` source."""
    g = t.grad
    return None if g is None else g.data
