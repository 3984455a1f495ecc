"""Function: a differentiable op, and — once applied — the compute node it records.

Every op, built-in or user-defined, is a subclass with a `forward` and a `backward` side by side:

    class Exp(Function):
        op = "exp"

        @staticmethod
        def forward(ctx, x):              # plain ndarrays in, an ndarray out
            y = np.exp(x)
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):          # d(loss)/d(output) in, d(loss)/d(each input) out
            (y,) = ctx.saved_tensors
            return grad * y

`Exp.apply(t)` unwraps Tensors to arrays, runs `forward`, and — when recording — makes the
instance `ctx` the compute node of the graph: it keeps the inputs (`args`), what was saved, the
name scope, and a weak reference to its output.

Backward formulas are written once, in numpy. With `backward(create_graph=True)` the engine
calls them with Tensors instead of arrays (the gradient and every value saved with
`save_for_backward`), and because Tensors speak numpy's dispatch protocols the same formula
records the backward pass as a graph. Values stored as plain `ctx` attributes (masks, shapes,
indices) are constants in that graph.
"""

from __future__ import annotations

import functools
import itertools
import weakref
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import numpy as np

from .anomaly import _AnomalyState, user_stack
from .errors import GraphFreedError, InplaceModificationError, ShapeError
from .hooks import RemovableHandle
from .inplace import inplace_changes, tensor_when_used
from .tensor import Tensor
from .thread_modes import changed_threads, thread_modes

_NO_KWARGS: Mapping[str, Any] = MappingProxyType({})
_FREED = ("freed",)  # sentinel: the node's saved values were released by backward
# Creation numbers of compute nodes, counted down: a newer node has a smaller one, so a min-heap
# of them yields the newest node first (reverse topological order, see engine._walk).
_creation_countdown = itertools.count(-1, -1)


class Function:
    """Base class of all ops; subclass it for a custom op (see the module docstring)."""

    __slots__ = (
        "args",
        "kwargs",
        "scope",
        "_creation_countdown",
        "_saved",
        "_out",
        "_inplace_count",
        "_scalars",  # what a node of the scalar path saved, as floats (scalar.py)
        "__dict__",
        "__weakref__",
    )

    #: Short label for graph pictures (`+`, `*`, `exp`, `matmul`); defaults to the class name.
    op: str = ""
    #: False for ops whose backward is numpy-only code that cannot record a graph.
    supports_create_graph: bool = True
    #: True for ops whose output shares the input's memory (reshape, transpose, indexing):
    #: an in-place change of one is a change of the other, so they share a version counter.
    is_view: bool = False
    #: What `forward` can ask its `ctx`: True when the op is being recorded (backward may
    #: follow, so keep what it needs), False when `ctx` is the stand-in of an unrecorded call
    #: (under no_grad, no input requiring grad, or `call` on plain arrays).
    recording: bool = True

    # Rarely set per node, so they live in the instance dict only when set (cheaper to create).
    _hooks: list | None = None  # tensor hooks of the node's output (non-leaf register_hook)
    _stack = None  # creation site, recorded under detect_anomaly()
    _retains = None  # the hook that keeps the output's .grad (Tensor.retain_grad)
    # (cast, input array) pairs of the inputs forward cast to PyTorch's result dtype
    # (promotion.promote): a saved cast stands for its input in create_graph and the in-place
    # check.
    _casts: tuple | None = None
    # The in-place count at the last in-place change of the output's memory (inplace.py stamps
    # it through the output tensor's grad_fn: a node holds no reference to its output).
    _out_version = 0
    # Set once any node gets a hook: until then backward does not look for them on each node.
    _any_node_hooks = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:  # apply() creates nodes with a bare cls()
            raise TypeError(
                f"{cls.__name__}: a Function subclass must not define __init__: apply() "
                "creates the compute node, and forward keeps what backward needs on ctx"
            )

    @staticmethod
    def forward(ctx: Function, *args: Any, **kwargs: Any) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Function, grad: Any) -> Any:
        raise NotImplementedError

    # ------------------------------------------------------------------ applying the op
    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Tensor:
        """Run the op on Tensors (or constants) and record it when any input requires grad."""
        arrays = []
        record = False
        for a in args:
            if isinstance(a, Tensor):
                arrays.append(a.data)
                if a._requires_grad:
                    record = True
            elif isinstance(a, np.number | np.bool_):
                # A numpy scalar (np.sqrt(d) is np.float64) is a Python number to PyTorch: it
                # does not decide the result's dtype (x32 / np.sqrt(d) stays float32), where
                # numpy's promotion would make the result float64.
                arrays.append(a.item())
            else:
                arrays.append(a)
        scope = ()
        if record and changed_threads:  # a thread is in no_grad() or a scope: is it this one?
            modes = thread_modes  # (a threading.local: read once, each attribute only if needed)
            record = modes.grad_enabled
            if record:
                scope = modes.scope
        if record:
            ctx = cls()  # (no Function subclass defines __init__, see __init_subclass__)
            ctx.args = args
            ctx.kwargs = kwargs if kwargs else _NO_KWARGS  # share one empty mapping
            ctx.scope = scope
            ctx._creation_countdown = next(_creation_countdown)
            ctx._saved = None
            ctx._inplace_count = inplace_changes.count
            if _AnomalyState.enabled:
                ctx._stack = user_stack()
        else:
            record = False
            ctx = _NOT_RECORDING
        try:
            out = cls.forward(ctx, *arrays, **kwargs) if kwargs else cls.forward(ctx, *arrays)
        except ShapeError:
            raise
        except (ValueError, TypeError, IndexError) as e:
            raise type(e)(f"{cls.__name__.lower()}: {e} (inputs: {_describe(args)})") from None
        raw = out  # numpy returns scalars for 0-d results; forward may have saved that object
        if type(out) is not np.ndarray:
            out = np.asarray(out)
        # Tensor._make(out, ctx or None, base), inlined: this is the hottest path of the engine
        # (tests/autodiff/test_fast_paths.py checks that both make the same tensor).
        result = _bare_tensor()
        result.data = out
        result._grad = None
        if cls.is_view and isinstance(args[0], Tensor):
            result._base = args[0] if args[0]._base is None else args[0]._base
        if record and out.dtype.kind == "f":
            result._requires_grad = True
            result.grad_fn = ctx
            if ctx._saved is not None:
                ctx._out = raw  # to recognise the output among saved values (create_graph)
        else:
            result._requires_grad = False
            result.grad_fn = None
        return result

    @classmethod
    def call(cls, *args: Any, **kwargs: Any) -> Any:
        """Apply the op to Tensors, or just compute it on plain arrays.

        For backward formulas that must work in both of the engine's modes (arrays normally,
        Tensors under `create_graph=True`).
        """
        if any(isinstance(a, Tensor) for a in args):
            return cls.apply(*args, **kwargs)
        return cls.forward(_NOT_RECORDING, *args, **kwargs)

    @classmethod
    def op_name(cls) -> str:
        return cls.op or cls.__name__.lower()

    # ------------------------------------------------------------- saving for backward
    def save_for_backward(self, *values: Any) -> None:
        """Keep inputs and/or the output of forward for backward (see `saved_tensors`)."""
        self._saved = values

    @property
    def saved_tensors(self) -> tuple:
        """The values given to `save_for_backward`: arrays, or Tensors under create_graph.

        Raises if a saved input or the saved output was modified in place since the op ran.
        """
        saved = self._saved
        if saved is None:
            return ()
        if saved is _FREED:
            raise self._freed_error()
        if inplace_changes.count != self._inplace_count:  # something was modified in place
            self._check_unmodified(saved)
        return saved

    def _saved_as_tensors(self, saved: tuple) -> tuple:
        """The saved values as the graph's Tensors, so that a backward formula run on them
        records a differentiable graph (create_graph)."""
        values = []
        for value in saved:
            if value is self._out:
                # The output as a Tensor of this node: gradients flowing into it reach us.
                values.append(Tensor._make(np.asarray(value), self))
                continue
            for a in self.args:
                if isinstance(a, Tensor) and a.data is value:
                    values.append(a)
                    break
            else:
                values.append(self._recast(value))
        return tuple(values)

    def _recast(self, value: Any) -> Any:
        """A saved value that is no input: the input cast to the op's dtype (promotion.py), as
        that cast of the input's Tensor, so that the gradient reaches the input; anything else
        an intermediate, a constant of the backward graph."""
        for cast, original in self._casts or ():
            if cast is value:
                for a in self.args:
                    if isinstance(a, Tensor) and a.data is original:
                        return a.astype(cast.dtype)
        return value

    def _check_unmodified(self, saved: tuple) -> None:
        """Raise if a value this node saved (an input or its output) was modified in place
        after the op ran: its gradient would be computed from the changed values."""
        ran = self._inplace_count
        if self._casts:  # a saved cast of an input stands for the input
            saved = saved + tuple(o for c, o in self._casts if any(v is c for v in saved))
        for a in self.args:
            if (
                isinstance(a, Tensor)
                and (a if a._base is None else a._base)._stamp > ran
                and any(value is a.data for value in saved)
            ):
                raise InplaceModificationError(
                    f"{type(self).__name__}Backward: one of the variables needed for gradient "
                    f"computation has been modified by an inplace operation: an input it saved "
                    f"({a._label()}, dtype {a.dtype}) was modified in place after the op ran; "
                    "its gradient would be wrong. Use an out-of-place op, or modify a copy"
                )
        out = getattr(self, "_out", None)
        if self._out_version > ran and out is not None and any(v is out for v in saved):
            raise InplaceModificationError(
                f"{type(self).__name__}Backward: one of the variables needed for gradient "
                f"computation has been modified by an inplace operation: its output (shape "
                f"{np.shape(out)}, dtype {np.asarray(out).dtype}), which it saved for backward, "
                "was modified in place after the op ran (directly, through a view or through "
                "detach()); its gradient would be wrong. Use an out-of-place op, or modify a copy"
            )

    @property
    def needs_input_grad(self) -> tuple[bool, ...]:
        """For each argument of forward: does it need a gradient?"""
        args = self.args
        if len(args) == 2:  # binary ops: the common case, spelled out
            a, b = args
            return (
                isinstance(a, Tensor) and a._requires_grad,
                isinstance(b, Tensor) and b._requires_grad,
            )
        if len(args) == 3:  # linear, conv with a bias: spelled out too (a comprehension
            a, b, c = args  # costs a frame of its own)
            return (
                isinstance(a, Tensor) and a._requires_grad,
                isinstance(b, Tensor) and b._requires_grad,
                isinstance(c, Tensor) and c._requires_grad,
            )
        return tuple([isinstance(a, Tensor) and a._requires_grad for a in args])

    # ------------------------------------------------------------------- graph facts
    @property
    def inputs(self) -> tuple[Tensor, ...]:
        """The data nodes this op consumed (Tensor arguments, in order).

        A tensor that a recorded in-place op (`x.relu_()`) changed after this op ran stands
        here as the tensor of its values then, made by the node that made it then: the edge
        backward sends this op's gradient along.
        """
        return tuple(tensor_when_used(a, self) for a in self.args if isinstance(a, Tensor))

    @property
    def operands(self) -> tuple:
        """All arguments in order, constants included, each Tensor as in `inputs`."""
        return tuple(tensor_when_used(a, self) if isinstance(a, Tensor) else a for a in self.args)

    @property
    def constants(self) -> tuple:
        """Non-Tensor arguments (Python numbers, arrays), in order."""
        return tuple(a for a in self.args if not isinstance(a, Tensor))

    @property
    def freed(self) -> bool:
        """True once a backward without `retain_graph` released this node's saved values."""
        return self._saved is _FREED

    def _freed_error(self) -> GraphFreedError:
        return GraphFreedError(
            f"backward through {type(self).__name__}Backward a second time: its saved values "
            "were freed by the first backward. Pass retain_graph=True to the first backward() "
            "if you need to backpropagate through the graph again"
        )

    @property
    def seq(self) -> int:
        """Creation number: a node is always created after the nodes it consumes."""
        return -self._creation_countdown

    def _add_hook(self, hook: Any) -> RemovableHandle:
        Function._any_node_hooks = True
        if self._hooks is None:
            self._hooks = []
        if self._retains is None:
            self._hooks.append(hook)
        else:  # PyTorch runs the retain_grad hook after all the others, whenever registered
            self._hooks.insert(self._hooks.index(self._retains), hook)
        return RemovableHandle(self._hooks, hook)

    def __repr__(self) -> str:
        return f"<{self.name()}>"

    def name(self) -> str:
        """The node's name as printed in `grad_fn=<MulBackward>` (PyTorch: `MulBackward0`)."""
        return f"{type(self).__name__}Backward"

    @property
    def next_functions(self) -> tuple[tuple[Function | AccumulateGrad | None, int], ...]:
        """Where this node sends gradients, PyTorch's way: one `(node, 0)` per Tensor input,
        in order. The node is the input's `grad_fn`, the `AccumulateGrad` of a leaf that
        requires grad, or None for an input that needs no gradient."""
        edges = []
        for a in self.inputs:  # (as this node used them: see `inputs`)
            if a.grad_fn is not None:
                edges.append((a.grad_fn, 0))
            elif a._requires_grad:
                edges.append((AccumulateGrad.of(a), 0))
            else:
                edges.append((None, 0))
        return tuple(edges)


class AccumulateGrad:
    """The node at which a leaf's gradient is accumulated into its `.grad` (PyTorch's name).

    `next_functions` reaches one for each leaf that requires grad; `variable` is the leaf.
    While one is held, every `next_functions` returns that same node for its leaf, as
    PyTorch's graph holds one per leaf."""

    __slots__ = ("variable", "__weakref__")
    next_functions: tuple = ()
    _held: weakref.WeakValueDictionary[int, AccumulateGrad] = weakref.WeakValueDictionary()

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable

    @classmethod
    def of(cls, leaf: Tensor) -> AccumulateGrad:
        # Keyed by id: the node holds its leaf, so the id is not reused while the entry lives
        node = cls._held.get(id(leaf))
        if node is None:
            node = cls._held.setdefault(id(leaf), cls(leaf))
        return node

    def name(self) -> str:
        return "AccumulateGrad"

    def __repr__(self) -> str:
        return "<AccumulateGrad>"


class _NotRecording:
    """The `ctx` forward gets when nothing is recorded: saving is a no-op."""

    __slots__ = ("__dict__",)
    recording = False

    def save_for_backward(self, *values: Any) -> None:
        pass

    def __setattr__(self, name: str, value: Any) -> None:
        pass  # attributes set by forward are only needed for backward


_NOT_RECORDING = _NotRecording()
# A Tensor without __init__ run: a bound partial is the cheapest way to call Tensor.__new__.
_bare_tensor = functools.partial(Tensor.__new__, Tensor)


def _describe(args: tuple) -> str:
    parts = []
    for a in args:
        if isinstance(a, Tensor | np.ndarray):
            parts.append(f"{a.dtype} {tuple(a.shape)}")
        else:
            parts.append(type(a).__name__ if not isinstance(a, int | float) else repr(a))
    return ", ".join(parts)
