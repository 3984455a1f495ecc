"""Reverse-mode backward: walk the compute nodes in reverse topological order.

The walk is iterative (a chain of 100,000 ops needs no recursion), gradients arriving at a node
from several consumers are summed before the node runs, gradients of broadcast inputs are
summed back to the input's shape, and leaves accumulate into `.grad`. Without `retain_graph`
each node frees what it saved as soon as it has run.
"""

from __future__ import annotations

import functools
import heapq
import sys
from collections.abc import Sequence
from operator import attrgetter
from typing import Any

import numpy as np

from .anomaly import _AnomalyState, format_site
from .errors import AnomalyError, GraphFreedError, ShapeError
from .function import _FREED, Function
from .grad_mode import no_grad
from .inplace import inplace_changes, node_when_used, values_before
from .registry import register
from .scalar import _HUGE, _TINY, SCALAR_NODE, normal
from .tensor import Tensor
from .thread_modes import grad_enabled, settle, thread_modes


def topological_order(roots: Sequence[Function]) -> list[Function]:
    """The compute nodes reachable from `roots`, in the order backward runs them.

    Every node carries a creation sequence number, and a node is always created after the
    nodes it consumes; so reachable nodes sorted newest first are a reverse topological order
    (the order PyTorch's engine also prefers). Backward runs exactly this order, skipping the
    nodes no gradient reaches.
    """
    seen = set(roots)
    stack = list(seen)
    while stack:
        for a in stack.pop().args:
            if isinstance(a, Tensor):
                fn = a.grad_fn
                if fn is not None and fn not in seen:
                    seen.add(fn)
                    stack.append(fn)
    if len(seen) == 1:
        return list(seen)
    return sorted(seen, key=_newest_first)


_newest_first = attrgetter("_creation_countdown")  # see function._creation_countdown


@register(methods=("backward",), functions=())
def backward(
    tensor: Tensor,
    grad: Tensor | np.ndarray | float | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Tensor | Sequence[Tensor] | None = None,
    *,
    gradient: Tensor | np.ndarray | float | None = None,
) -> None:
    """`loss.backward()`: accumulate d(loss)/d(leaf) into every leaf's `.grad`.

    `grad` (PyTorch's keyword: `gradient`) is d(loss)/d(self), required unless self has one
    element. Without `retain_graph` the saved values are freed and a second backward raises.
    With `create_graph` the backward pass is itself recorded, for higher-order derivatives.
    With `inputs` (tensors, leaves or not) only their `.grad` is accumulated into.
    """
    if gradient is not None:
        if grad is not None:
            raise TypeError("backward: got both grad and gradient (PyTorch's name for grad)")
        grad = gradient
    if inputs is None:
        run_backward((tensor,), (grad,), retain_graph, create_graph)
    else:
        targets = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
        backward_into((tensor,), (grad,), retain_graph, create_graph, targets)


def backward_into(
    outputs: Sequence[Tensor],
    grad_outputs: Sequence[Any],
    retain_graph: bool | None,
    create_graph: bool,
    inputs: Sequence[Tensor],
) -> None:
    """Backpropagate from `outputs` and accumulate into the `.grad` of `inputs` only (leaves or
    not; an input the outputs do not depend on is left alone): PyTorch's `inputs=` of
    `backward`. A non-leaf input retains its gradient from then on, as PyTorch makes it
    (`retain_grad()`, whose hook fills its `.grad` during the walk)."""
    for t in inputs:
        if t.grad_fn is not None:
            t.retain_grad()
    results = gradients(outputs, inputs, grad_outputs, retain_graph, create_graph, True)
    for t, g in zip(inputs, results, strict=True):
        if g is not None and t.grad_fn is None:
            t.grad = g if t.grad is None else t.grad + g


def run_backward(
    outputs: Sequence[Tensor],
    grad_outputs: Sequence[Any],
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Sequence[Tensor] | None = None,
) -> list[Any] | None:
    """Backpropagate from `outputs`; accumulate into leaves' `.grad`, or return the gradients
    of `inputs` (then `.grad` is left untouched)."""
    if retain_graph is None:
        retain_graph = create_graph
    pending: dict[Any, Any] = {}  # node or leaf -> the gradient summed so far
    roots = []
    for out, grad in zip(outputs, grad_outputs, strict=True):
        key = out.grad_fn or out
        g = _initial_grad(out, grad, create_graph)
        if key in pending:
            pending[key] = pending[key] + g
        else:
            pending[key] = g
            if key is out.grad_fn:
                roots.append(key)

    # Non-leaf inputs whose gradients the walk captures; None when there are none (leaves
    # only, as parameters are), so that the walk does not look each node up.
    wanted = None if inputs is None else {id(t.grad_fn): t for t in inputs if t.grad_fn} or None
    # Backward runs with grad mode set to create_graph, as in PyTorch's engine. Without
    # create_graph the engine's formulas see arrays and record nothing whatever the mode, so
    # the mode is switched off only around user code (hooks, custom Functions' backward); with
    # it, this thread's mode is switched on if it was off. Other threads keep theirs.
    switch = create_graph and not grad_enabled()
    if switch:
        thread_modes.grad_enabled = True
        settle()
    try:
        captured = _walk(roots, pending, retain_graph, create_graph, wanted)
        # Every node has run; what is left in `pending` are the gradients of leaves.
        if inputs is not None:
            for t in inputs:
                if t.grad_fn is None and t in pending:
                    g = pending[t]
                    captured[id(t)] = _run_hooks(t._hooks, g, create_graph) if t._hooks else g
            return [_as_tensor(captured.get(id(t))) for t in inputs]
        while pending:
            leaf, g = pending.popitem()
            _accumulate(leaf, g, create_graph)
    finally:
        if switch:
            thread_modes.grad_enabled = False
            settle()
    return None


def _walk(
    roots: list[Function],
    pending: dict[Any, Any],
    retain_graph: bool,
    create_graph: bool,
    wanted: dict[int, Tensor] | None,
) -> dict[int, Any]:
    """Run each node's backward, newest first, routing gradients to its inputs.

    The nodes wait in a heap keyed by creation number, entering it when their first gradient
    arrives. The newest waiting node has received all its gradients: its consumers are all
    newer, so they ran before it. That is `topological_order` without a separate pass over
    the graph, and nodes no gradient reaches are never visited. (The heap holds the nodes'
    keys, creation numbers counted down, alone: ints compare faster than (key, node) pairs;
    `waiting` maps them back to nodes. A scalar node's input that is newer than every waiting
    node skips the heap: it is the next to run.)
    """
    captured: dict[int, Any] = {}
    anomaly = _AnomalyState.enabled
    node_hooks = Function._any_node_hooks
    pop, get = pending.pop, pending.get
    waiting = {}
    for node in roots:
        waiting[node._creation_countdown] = node
    heap = list(waiting)
    heapq.heapify(heap)
    push, next_key, take = heapq.heappush, heapq.heappop, waiting.pop
    plain = not node_hooks and wanted is None  # no hook, no captured input: skip both
    # A recorded in-place op has given a tensor a new grad_fn: an input's node newer than its
    # consumer is one, and the consumer's gradient goes to the node the tensor had before.
    # (weak keys: empty again once those nodes are gone; its dict read directly, as len() of
    # a WeakKeyDictionary is Python code that a W5 backward would pay for)
    rebased = bool(values_before.data)
    newest = None  # a ready node newer than every node in the heap: it runs next, heap aside
    while True:
        if newest is not None:
            node, newest = newest, None
        elif heap:
            node = take(next_key(heap))
        else:
            break
        g = pop(node)
        if not plain:
            if node_hooks and node._hooks is not None:
                g = _run_hooks(node._hooks, g, create_graph)
            if wanted is not None and id(node) in wanted:
                captured[id(wanted[id(node)])] = g
        saved = node._saved
        if type(g) is float:  # the gradient of a 0-d float64 output (see scalar.py)
            if node.kwargs is SCALAR_NODE and saved is not _FREED:
                # A node of the scalar path: its inputs' gradients in floats while they are
                # normal numbers; else the op's numpy backward below, which reports what numpy
                # reports. Inlined: a W4 step runs this 2,575 times.
                if saved is None:
                    grads = node.scalar_backward(g, ())
                else:
                    if inplace_changes.count != node._inplace_count:  # as `saved_tensors` checks
                        node._check_unmodified(saved)
                    try:
                        grads = node.scalar_backward(g, node._scalars)
                    except ZeroDivisionError:  # log's g / x at x = 0: numpy's inf and warning
                        grads = _NOT_NORMAL
                for ga in grads:
                    if not _TINY <= abs(ga) <= _HUGE:
                        break
                else:
                    i = 0  # enumerate() would cost a W4 step 5 %
                    for a in node.args:
                        ga = grads[i]
                        i += 1  # noqa: SIM113
                        if isinstance(a, Tensor) and a._requires_grad:
                            fn = a.grad_fn
                            if (
                                rebased  # see _node_before
                                and fn is not None
                                and fn._creation_countdown < node._creation_countdown
                            ):
                                fn = _node_before(fn, node)
                            key = fn or a
                            prev = get(key)
                            if prev is None:
                                pending[key] = ga
                                if fn is None:
                                    continue
                                # The node joins the queue: as `newest` when it is newer than
                                # all waiting nodes (a chain's or a sum's usual case), which
                                # saves it the heap's push and pop.
                                countdown = fn._creation_countdown
                                if newest is None:
                                    if not heap or countdown < heap[0]:
                                        newest = fn
                                        continue
                                elif countdown < newest._creation_countdown:
                                    fn, newest = newest, fn
                                    countdown = fn._creation_countdown
                                waiting[countdown] = fn
                                push(heap, countdown)
                            elif type(prev) is float and _TINY <= abs(sum_ := prev + ga) <= _HUGE:
                                pending[key] = sum_  # _add_gradients inlined: its usual case
                            else:
                                pending[key] = _add_gradients(prev, ga)
                    if not retain_graph:
                        # It saved 0-d arrays and floats, and its attribute dict can hold
                        # only hooks: nothing more to free.
                        node._saved = _FREED
                        if node_hooks:
                            del node.__dict__
                    continue
            g = np.float64(g)  # the general path below, on the numpy scalar it always had
        if saved is _FREED:
            raise node._freed_error()
        if create_graph:
            grads = _backward_recorded(node, g)
        else:
            grads = type(node).backward(node, g)
        if type(grads) is not tuple:
            grads = (grads,)
        for a, ga in zip(node.args, grads):
            if ga is None or not isinstance(a, Tensor) or not a._requires_grad:
                continue
            data = a.data
            if ga.shape != data.shape:
                ga = _unbroadcast(ga, data.shape, node, a)
            if ga.dtype is not data.dtype and ga.dtype != data.dtype:
                ga = ga.astype(data.dtype)
            if anomaly:
                _check_finite(node, _position(node, a), ga)
            fn = a.grad_fn
            if rebased and fn is not None and fn._creation_countdown < node._creation_countdown:
                fn = _node_before(fn, node)
            key = fn or a
            prev = get(key)
            if prev is None:
                pending[key] = ga
                if fn is not None:  # its first gradient: the node joins the queue
                    waiting[fn._creation_countdown] = fn
                    push(heap, fn._creation_countdown)
            else:
                pending[key] = prev + ga
        if not retain_graph:  # free what the node saved (and any ctx attributes)
            node._saved = _FREED
            node._out = None
            # Drops the attribute dict if there is one; reading node.__dict__ would create one.
            del node.__dict__
    return captured


def _node_before(fn: Function, node: Function) -> Function:
    """The grad_fn an input tensor of `node` had when `node` used it, `fn` being its grad_fn
    now: recorded in-place ops (inplace.py's `_apply_in_place`) changed the tensor since."""
    if type(node).is_view:
        raise RuntimeError(
            f"{type(node).__name__}Backward: it made a view of a tensor that an in-place op "
            f"({type(fn).__name__}) changed afterwards; glassgrad does not rewrite the graph of "
            "views made before an in-place op (PyTorch does). Use the out-of-place op, or make "
            "the view after it"
        )
    return node_when_used(fn, node)


# A float gradient that is not a normal number: a scalar node's backward falls back to numpy.
_NOT_NORMAL = (0.0,)


def _add_gradients(prev: Any, g: float) -> Any:
    """prev + g, for a float gradient g: in floats while the sum is a normal number, else in
    numpy, which reports overflow as it would have on the general path (see scalar.py)."""
    if type(prev) is float:
        total = prev + g
        if normal(total):
            return total
        return np.float64(prev) + np.float64(g)
    return prev + g


def _backward_recorded(node: Function, g: Tensor) -> Any:
    """Run a node's backward on Tensors, so the backward pass itself is recorded: the formula
    sees the graph's Tensors wherever it saved arrays (see Function._saved_as_tensors)."""
    if not node.supports_create_graph:
        raise RuntimeError(
            f"{type(node).__name__}Backward does not support create_graph=True: "
            "its backward is not written with differentiable ops"
        )
    saved = node._saved
    if saved is None:
        return type(node).backward(node, g)
    if inplace_changes.count != node._inplace_count:  # checked on the arrays, before Tensors
        node._check_unmodified(saved)
    node._saved = node._saved_as_tensors(saved)
    try:
        return type(node).backward(node, g)
    finally:
        node._saved = saved


def _initial_grad(out: Tensor, grad: Any, create_graph: bool) -> Any:
    if not out._requires_grad:
        raise RuntimeError(
            f"backward: {out._label()} does not require grad and has no grad_fn; "
            "did you forget requires_grad=True on a leaf, or run under no_grad()?"
        )
    if grad is None and not create_graph and out.data.size == 1:
        if out.grad_fn is not None and out.grad_fn.kwargs is SCALAR_NODE:
            return 1.0  # a root of the scalar path: its gradients are floats (scalar.py)
        return _ones(out.data.shape, out.data.dtype)
    if grad is None:
        if out.data.size != 1:
            raise RuntimeError(
                f"backward: grad can be implicitly created only for scalar outputs, and "
                f"{out._label()} is not a scalar; pass gradient= (or grad=, a tensor of its "
                "shape), or reduce it first, e.g. .sum()"
            )
        g = np.ones(out.data.shape, out.data.dtype)
    else:
        g = grad.data if isinstance(grad, Tensor) and not create_graph else grad
        if not isinstance(g, Tensor):
            g = _as_gradient(g, out)
        if g.shape != out.data.shape:
            owner = f"tensor '{out.name}'" if out.name else "the tensor"
            raise ShapeError(
                f"backward: the gradient has shape {tuple(g.shape)} but {owner} has shape "
                f"{out.shape}; they must match"
            )
        if isinstance(g, np.ndarray):
            g = g.copy()  # never alias an array the caller may reuse
    return Tensor._make(g) if create_graph and not isinstance(g, Tensor) else g


def _as_gradient(grad: Any, out: Tensor) -> np.ndarray:
    """A user-given gradient as an array of `out`'s dtype; a TypeError for what is not
    numbers (a string, None inside a list, objects), naming backward and what it got."""
    try:
        array = np.asarray(grad)
    except (TypeError, ValueError) as err:  # e.g. ragged nested lists
        raise TypeError(f"backward: the gradient is not an array of numbers: {err}") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"backward: the gradient must be a Tensor, an array or a number, got "
            f"{type(grad).__name__} {grad!r:.60}"
        )
    return array.astype(out.data.dtype, copy=False)


def _position(node: Function, a: Tensor) -> int:
    return next(i for i, b in enumerate(node.args) if b is a)


@functools.lru_cache(maxsize=64)
def _ones(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray | np.generic:
    """The implied gradient of a one-element root: cached and read-only, which is safe because
    the engine never writes into a gradient it did not allocate.

    A 0-d root gets a numpy scalar: numpy's arithmetic on scalars is cheaper than on 0-d
    arrays, and along a chain of additions that gradient reaches every node.
    """
    if shape == ():
        return dtype.type(1)
    ones = np.ones(shape, dtype)
    ones.flags.writeable = False
    return ones


def _unbroadcast(g: Any, shape: tuple[int, ...], node: Function, a: Tensor) -> Any:
    """Sum a gradient of a broadcast result back to the input's shape: `_unbroadcast_reference`
    with one op where one does it (tests compare the two). Summing only leading axes, or only
    size-1 axes with keepdims, gives the input's shape already: no reshape, which under
    create_graph is a node of the recorded graph fewer (and its backward in the next pass)."""
    lead = g.ndim - len(shape)
    if lead < 0 or any(s != 1 and s != gs for s, gs in zip(shape, g.shape[lead:], strict=True)):
        raise ShapeError(
            f"{type(node).__name__}Backward returned a gradient of shape {tuple(g.shape)} "
            f"for input {_position(node, a)} of shape {shape}"
        )
    inner = tuple(lead + k for k, s in enumerate(shape) if s == 1 and g.shape[lead + k] != 1)
    if not inner:  # leading axes only (there is at least one: the shapes differ)
        return g.sum(axis=tuple(range(lead)))
    if not lead:  # size-1 axes only: keepdims leaves the input's shape
        return g.sum(axis=inner, keepdims=True)
    return g.sum(axis=tuple(range(lead)) + inner, keepdims=True).reshape(shape)


def _unbroadcast_reference(g: Any, shape: tuple[int, ...]) -> Any:
    """The plain version of `_unbroadcast` (without its checks): sum every broadcast axis
    keeping dimensions, then reshape to the input's shape."""
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + k for k, s in enumerate(shape) if s == 1 and g.shape[lead + k] != 1
    )
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.reshape(shape)


def _run_hooks(hooks: list, g: Any, create_graph: bool) -> Any:
    as_tensor = g if isinstance(g, Tensor) else Tensor._make(np.asarray(g))
    for hook in list(hooks):
        if create_graph:
            result = hook(as_tensor)
        else:
            with no_grad():  # as PyTorch runs them: grad mode is create_graph's
                result = hook(as_tensor)
        if result is not None:
            if not isinstance(result, Tensor):  # an array: taken in the gradient's dtype
                result = Tensor(result, dtype=as_tensor.dtype)
            if result.shape != as_tensor.shape:
                raise ShapeError(
                    f"hook {getattr(hook, '__name__', hook)!r} returned a gradient of shape "
                    f"{result.shape}, expected {as_tensor.shape}"
                )
            if result.dtype != as_tensor.dtype:  # PyTorch refuses it too
                raise RuntimeError(
                    f"hook {getattr(hook, '__name__', hook)!r} returned a gradient of dtype "
                    f"{result.dtype}, expected {as_tensor.dtype}: a hook may not change it"
                )
            as_tensor = result
    return as_tensor if create_graph else as_tensor.data


def _accumulate(leaf: Tensor, g: Any, create_graph: bool) -> None:
    if leaf._hooks is not None:
        g = _run_hooks(leaf._hooks, g, create_graph)
    if create_graph:
        g = _as_tensor(g)
        leaf._grad = g if leaf._grad is None else leaf._grad + g
        return
    if type(g) is float:  # a 0-d float64 leaf's gradient from the scalar path (scalar.py)
        g = np.array(g)  # a fresh array: the first .grad may be it
        if leaf._grad is None:
            leaf._grad = Tensor._make(g)
            return
    if leaf._grad is None:
        refs = sys.getrefcount(g)  # before the call below, whose own argument would count too
        if not _can_keep(g, refs):
            g = np.array(g, dtype=leaf.data.dtype)
        leaf._grad = Tensor._make(g)
    elif leaf._grad.grad_fn is None:  # accumulate in place, like PyTorch
        try:
            leaf._grad.data += g
        except ValueError:  # a read-only array the user assigned to .grad
            leaf._grad = Tensor._make(leaf._grad.data + g)
    else:  # a recorded gradient (create_graph): its data belongs to the graph
        leaf._grad = Tensor._make(leaf._grad.data + g)


# References to a gradient array in _accumulate when nothing outside the engine holds it: the
# walk's local, _accumulate's parameter, and getrefcount's own argument.
_PRIVATE_REFS = 3


def _can_keep(g: Any, refs: int) -> bool:
    """May a leaf's first `.grad` be the gradient array `g` itself? The fast path of
    `_accumulate`, as PyTorch's engine steals a gradient nothing else holds; the plain
    version always copies (tests compare the two).

    Only if `g` is an ndarray nothing outside the engine can see (`refs`, its reference count
    in _accumulate, is _PRIVATE_REFS) and whose memory only it reaches: the same array may
    have reached several leaves (x + y), or be a retained gradient, or a view of one.
    """
    if type(g) is not np.ndarray or refs > _PRIVATE_REFS:
        return False
    base = g.base
    if base is None:
        return True
    # A view (reshape, transpose): private if only the view holds its base (besides the local
    # `base` and getrefcount's argument) and it may be written to.
    return type(base) is np.ndarray and sys.getrefcount(base) <= 3 and g.flags.writeable


def _as_tensor(g: Any) -> Tensor | None:
    if g is None:
        return None
    if isinstance(g, Tensor):
        return g
    return Tensor._make(np.asarray(g))


def _check_finite(node: Function, i: int, g: Any) -> None:
    """Anomaly mode's check of the gradient a node produced for its input i: NaN (unless
    check_nan=False), and infinities with check_inf=True."""
    values = g.data if isinstance(g, Tensor) else g
    state = _AnomalyState
    kind = None
    if state.check_nan and np.any(np.isnan(values)):
        kind = "nan"
    elif state.check_inf and np.any(np.isinf(values)):
        kind = "inf"
    if kind is not None:
        raise AnomalyError(
            f"detect_anomaly: Function '{type(node).__name__}Backward' (op '{node.op_name()}') "
            f"returned {kind} values in its {i}th output, the gradient of its input {i} (shape "
            f"{tuple(np.shape(values))}). The op was created at:\n{format_site(node._stack)}"
        )


def gradients(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """d(outputs)/d(inputs) without touching `.grad` — PyTorch's `torch.autograd.grad`.

    Returns one gradient per input (None for an unused input when `allow_unused`).
    """
    outputs = (outputs,) if isinstance(outputs, Tensor) else tuple(outputs)
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor | np.ndarray):
        grad_outputs = (grad_outputs,) * len(outputs) if grad_outputs is None else (grad_outputs,)
    for t in inputs:
        if not isinstance(t, Tensor) or not t._requires_grad:
            raise RuntimeError("gradients: every input must be a Tensor that requires grad")
    grads = run_backward(outputs, tuple(grad_outputs), retain_graph, create_graph, inputs)
    if not allow_unused:
        for t, g in zip(inputs, grads, strict=True):
            if g is None:
                raise RuntimeError(
                    f"gradients: {t._label()} was not used to compute the outputs; "
                    "pass allow_unused=True to get None for it"
                )
    return tuple(grads)


__all__ = ["GraphFreedError", "backward_into", "gradients", "run_backward", "topological_order"]
