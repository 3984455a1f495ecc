"""Recording a model for export: run it, keep its graph, run it again to see what varies.

An exporter reads the graph one run recorded (`autodiff.graph`). One run cannot tell a constant
from a value computed from the inputs by code the graph does not record (a comparison, an argmax,
`.data`), nor the batch dimension from a dimension that happens to have the same size. So the
model runs twice: on the example inputs, and on a *twin* batch, the example's samples in reverse
order plus (with a dynamic batch) one more. Each op of the first run is paired with the op of the
second, and then:

- a different sequence of ops (control flow on values or shapes) cannot be exported;
- a constant argument that differs between the runs depends on the inputs: exporting it would
  bake in the example's values, so the exporter raises unless the op's mapping recomputes it;
- a dimension that differs is the batch dimension (or a multiple of it): symbolic in ONNX.

Inputs without a batch axis (0-d) are the same in both runs; a dependence on their values
through unrecorded code cannot be seen (documented in docs/export.md).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

import autodiff
from autodiff import Function, Tensor

from ..module import Module
from .errors import ExportError


@dataclass(frozen=True)
class BatchDim:
    """A dimension that follows the batch size: `factor` times it (1: the batch itself), or
    factor None for one that changes with it otherwise (x[1:-1] has batch - 2 rows)."""

    factor: int | None = 1


Dim = int | BatchDim


def describe(node: Function) -> str:
    """How error messages name a node: its op and where in the model it was created."""
    where = "/".join(node.scope)
    return f"op {type(node).__name__} ({node.op_name()!r}" + (f" in {where})" if where else ")")


def bound_arguments(node: Function) -> dict[str, Any]:
    """The node's arguments by the names of its forward's parameters, defaults included."""
    signature = _signatures.get(type(node))
    if signature is None:
        signature = _signatures[type(node)] = inspect.signature(type(node).forward)
    bound = signature.bind(None, *node.args, **node.kwargs)
    bound.apply_defaults()
    arguments = dict(bound.arguments)
    arguments.pop(next(iter(signature.parameters)))  # ctx
    return arguments


_signatures: dict[type, inspect.Signature] = {}


class Recording:
    """One run: fresh input leaves (float ones require grad, so every op on them records), the
    outputs, and the graph behind them."""

    def __init__(self, fn: Callable[..., Any], arrays: Sequence[np.ndarray]) -> None:
        self.inputs = [Tensor(a.copy(), requires_grad=a.dtype.kind == "f") for a in arrays]
        with autodiff.enable_grad():
            result = fn(*self.inputs)
        self.outputs = _tensors(result)
        self.graph = autodiff.graph.walk(self.outputs)


class Trace:
    """The example run (`main`) and its twin, paired op by op.

    `batch` is (example batch size, twin batch size) with a dynamic batch, else None.
    """

    def __init__(
        self, model_or_fn: Callable[..., Any], examples: Sequence[np.ndarray], dynamic_batch: bool
    ) -> None:
        batched = [a for a in examples if a.ndim >= 1]
        self.batch: tuple[int, int] | None = None
        if dynamic_batch and batched:
            sizes = {a.shape[0] for a in batched}
            if len(sizes) != 1:
                raise ExportError(
                    "to_onnx: with dynamic_batch every input (of at least one dimension) must "
                    f"have the same batch size along axis 0, got {[a.shape for a in examples]}; "
                    "pass dynamic_batch=False for inputs without a common batch axis"
                )
            (n,) = sizes
            if n == 0:
                raise ExportError("to_onnx: the example batch is empty (batch size 0)")
            self.batch = (n, n + 1)
        twins = [_twin_batch(a, self.batch is not None) for a in examples]
        with _eval_mode(model_or_fn):
            self.main = Recording(model_or_fn, examples)
            try:
                self.twin = Recording(model_or_fn, twins)
            except Exception as error:
                shapes = [a.shape for a in twins]
                raise ExportError(
                    f"to_onnx: the model runs on the example inputs but fails on inputs of shapes "
                    f"{shapes} ({type(error).__name__}: {error}); "
                    + (
                        "with dynamic_batch it must run at any batch size, e.g. reshape with "
                        "x.shape[0] rather than a fixed batch size; or export with "
                        "dynamic_batch=False"
                        if self.batch
                        else "it must not depend on the order of the samples"
                    )
                ) from error
        self._twin: dict[int, Any] = {}
        self._input_data: dict[int, int] = {}  # id(an input's array) -> its position
        self._pair()

    # ------------------------------------------------------------------------- pairing
    def _pair(self) -> None:
        main, twin = self.main, self.twin
        for position, (a, b) in enumerate(zip(main.inputs, twin.inputs)):
            self._twin[id(a)] = b
            self._twin[id(a.data)] = b.data
            self._input_data[id(a.data)] = position
        nodes_a, nodes_b = main.graph.functions, twin.graph.functions
        for index, (na, nb) in enumerate(zip(nodes_a, nodes_b)):
            if type(na) is not type(nb) or len(na.args) != len(nb.args):
                raise self._diverged(
                    f"op #{index} is {describe(na)} in the example's run but "
                    f"{describe(nb)} in the twin's"
                )
            self._twin[id(na)] = nb
            for a, b in zip(na.operands, nb.operands):
                self._pair_argument(na, a, b)
            self._twin[id(main.graph.output(na))] = twin.graph.output(nb)
        if len(nodes_a) != len(nodes_b):
            raise self._diverged(
                f"{len(nodes_a)} ops in the example's run, {len(nodes_b)} in the twin's"
            )
        if len(main.outputs) != len(twin.outputs):
            raise self._diverged("the number of outputs differs")
        for a, b in zip(main.outputs, twin.outputs):
            if a.grad_fn is None:
                self._pair_leaf(None, a, b)
            elif self._twin.get(id(a)) is not b:
                raise self._diverged("an output comes from a different op")

    def _pair_argument(self, node: Function, a: Any, b: Any) -> None:
        if not isinstance(a, Tensor):
            return  # constants are compared where they are used (`differences`)
        if not isinstance(b, Tensor):
            raise self._diverged(f"{describe(node)} takes a tensor in one run, not in the other")
        if a.grad_fn is not None:
            # Paired by the ops that made them: a backward recorded with create_graph reads a
            # saved output through a second Tensor object of its op (ops run oldest first, so
            # that op is paired already)
            if self._twin.get(id(a.grad_fn)) is not b.grad_fn:
                raise self._diverged(f"{describe(node)} takes its input from a different op")
            self._twin.setdefault(id(a), b)
            return
        self._pair_leaf(node, a, b)

    def _pair_leaf(self, node: Function | None, a: Tensor, b: Tensor) -> None:
        known = self._twin.get(id(a))
        if known is not None:
            if known is not b:
                raise self._diverged("an input is used in a different place")
            return
        if a is not b and not same_value(a.data, b.data):
            where = describe(node) if node is not None else "an output"
            raise ExportError(
                f"to_onnx: {where} uses a tensor that is not in the recorded graph but depends on "
                f"the inputs (a {a.dtype} tensor of shape {a.shape}, e.g. a comparison, an argmax "
                "or `.data` of an input): the export would bake in the example's values. Compute "
                "it with recorded ops"
            )
        self._twin[id(a)] = b

    def _diverged(self, detail: str) -> ExportError:
        return ExportError(
            "to_onnx: the model recorded different graphs for the example batch and for a batch "
            f"of other values{' and size' if self.batch else ''} ({detail}): control flow that "
            "depends on the input's values or shape cannot be exported"
        )

    # ------------------------------------------------------------------------ queries
    def twin_of(self, obj: Function | Tensor) -> Any:
        """The twin run's counterpart of a node or a tensor of the example's run."""
        return self._twin[id(obj)]

    def input_position(self, value: Any) -> int | None:
        """Which input `value` is (a Tensor, or the array of an input), if any."""
        if isinstance(value, Tensor):
            value = value.data
        return self._input_data.get(id(value))

    def differences(self, node: Function) -> list[str]:
        """Names of the node's constant arguments whose values differ in the twin run."""
        mine, theirs = bound_arguments(node), bound_arguments(self.twin_of(node))
        return [
            name for name, value in mine.items() if not self._same_constant(value, theirs[name])
        ]

    def _same_constant(self, a: Any, b: Any) -> bool:
        if isinstance(a, Tensor):
            return True  # tensors are paired by `_pair`
        position = self.input_position(a) if isinstance(a, np.ndarray) else None
        if position is not None:
            return b is self.twin.inputs[position].data
        if isinstance(a, tuple | list) and isinstance(b, tuple | list):
            return len(a) == len(b) and all(self._same_constant(x, y) for x, y in zip(a, b))
        return same_value(a, b)

    def dims(self, tensor: Tensor) -> list[Dim]:
        """The tensor's shape, with the dimensions that follow the batch size symbolic."""
        return self.shape_dims(
            tensor.shape, self.twin_of(tensor).shape, what=f"a {tensor.shape} tensor"
        )

    def shape_dims(self, mine: Sequence[int], theirs: Sequence[int], what: str) -> list[Dim]:
        if len(mine) != len(theirs):
            raise self._diverged(f"{what} has a different rank")
        dims: list[Dim] = []
        for a, b in zip(mine, theirs):
            if a == b:
                dims.append(int(a))
                continue
            n, m = self.batch or (0, 0)
            if not n:
                raise self._diverged(f"{what} has a different shape")
            multiple = a % n == 0 and b == a // n * m
            dims.append(BatchDim(a // n if multiple else None))
        return dims


def same_value(a: Any, b: Any) -> bool:
    """Equal constants: arrays by shape, dtype and values (NaN equal to NaN), tuples by element."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return (
            a.shape == b.shape
            and a.dtype == b.dtype
            and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
        )
    if isinstance(a, tuple | list) and isinstance(b, tuple | list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, slice) and isinstance(b, slice):
        return (a.start, a.stop, a.step) == (b.start, b.stop, b.step)
    if type(a) is not type(b) and not (_number(a) and _number(b)):
        return False
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return a is b


def _number(x: Any) -> bool:
    return isinstance(x, int | float | np.number) and not isinstance(x, bool)


def _twin_batch(a: np.ndarray, grow: bool) -> np.ndarray:
    """The example's samples in reverse order (and one more when the batch is dynamic)."""
    if a.ndim == 0:
        return a.copy()
    reverse = a[::-1]
    return np.concatenate([reverse, a[:1]]) if grow else reverse.copy()


def _tensors(result: Any) -> list[Tensor]:
    items = list(result) if isinstance(result, tuple | list) else [result]
    for item in items:
        if not isinstance(item, Tensor):
            raise ExportError(
                f"to_onnx: the model must return a Tensor or a tuple of Tensors, got "
                f"{type(item).__name__}"
            )
    return items


class _eval_mode:
    """Evaluation mode for a Module while it is recorded (each module's mode restored after):
    exported graphs are inference graphs — BatchNorm on running statistics, no dropout."""

    def __init__(self, model: Any) -> None:
        self.modules = list(model.modules()) if isinstance(model, Module) else []

    def __enter__(self) -> None:
        self.modes = [m.training for m in self.modules]
        for m in self.modules:
            object.__setattr__(m, "training", False)

    def __exit__(self, *exc: object) -> None:
        for m, mode in zip(self.modules, self.modes):
            object.__setattr__(m, "training", mode)
