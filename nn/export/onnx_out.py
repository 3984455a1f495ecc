"""to_onnx: run a model once (and its twin, see trace.py), walk the recorded graph, write ONNX.

    nn.export.to_onnx(model, x_example, "model.onnx")          # dynamic batch by default
    nn.export.to_onnx(lambda a, b: (a * b).sum(1), (a, b), "f.onnx", dynamic_batch=False)

The graph is read through autodiff's public API only (`autodiff.graph.walk`, the compute nodes'
`args`/`kwargs`, `scope`, `op_name()`), and each op is written by its row in the table of
onnx_out_table.py. Names come from the model: parameters and buffers become initializers named
by their module path ("conv1.weight"), ONNX nodes are named by the op's name scope
("/conv1/Conv"), so the picture of the ONNX file reads like the model.

Exported graphs are inference graphs: a Module is recorded in evaluation mode (BatchNorm on its
running statistics, Dropout the identity), whatever mode it was in, and its modes are restored.
It is recorded with gradients enabled (the recorded graph *is* the export), but no backward runs
and no parameter changes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from autodiff import Function, Tensor

from ..module import Module
from ._deps import require
from .errors import ExportError, UnsupportedOpError
from .trace import BatchDim, Dim, Trace, bound_arguments, describe

DEFAULT_OPSET = 18
MIN_OPSET = 13


class Emitter:
    """Builds the ONNX graph: the rows of the op table call `value`, `constant` and `node`.

    reserved_names: the graph's input names (in the order of the inputs), then its output
    names; no other value or node takes them.
    """

    def __init__(
        self,
        onnx: Any,
        trace: Trace,
        leaf_names: dict[int, str],
        opset: int,
        reserved_names: list[str],
        strip_scope: str | None,
    ) -> None:
        self.onnx = onnx
        self.trace = trace
        self.opset = opset
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self.names: dict[int, str] = {}  # id(tensor or input array) -> ONNX value name
        self.dtypes: dict[str, np.dtype] = {}
        self._leaf_names = leaf_names
        self._taken: set[str] = set()
        self._strip = strip_scope
        self._scope = ""
        self._batch: str | None = None
        self._casts: dict[tuple[str, np.dtype], str] = {}
        self._used: dict[int, Tensor] = {}  # see `enter`
        for name in reserved_names:
            self._claim(name)
        for tensor, name in zip(trace.main.inputs, reserved_names):
            self.names[id(tensor)] = self.names[id(tensor.data)] = name
            self.dtypes[name] = tensor.dtype

    # ------------------------------------------------------------------------ naming
    def _claim(self, name: str) -> str:
        """`name`, or `name_1`, `name_2`, ... : ONNX value and node names must be unique."""
        candidate, k = name, 0
        while candidate in self._taken:
            k += 1
            candidate = f"{name}_{k}"
        self._taken.add(candidate)
        return candidate

    def enter(self, node: Function) -> None:
        """Emit the nodes of `node` under its name scope (the model's own scope left out)."""
        scope = list(node.scope)
        if scope and self._strip is not None and scope[0] == self._strip:
            scope = scope[1:]
        self._scope = "/" + "/".join(scope) + "/" if scope else "/"
        # A tensor that a recorded in-place op changed after `node` ran: `node` read the
        # values it had then (Function.operands), not the in-place op's output.
        self._used = {id(a): u for a, u in zip(node.args, node.operands) if u is not a}

    # ------------------------------------------------------------------------ values
    def value(self, arg: Any, dtype: Any = None) -> str:
        """The ONNX value of a node's argument (a Tensor or a constant), cast to `dtype`."""
        arg = self._used.get(id(arg), arg)
        key = id(arg)
        if key not in self.names:
            if isinstance(arg, Tensor) and arg.grad_fn is not None:
                # A second Tensor object of an op's output, which a backward recorded with
                # create_graph reads a saved output through: the same value
                key = id(self.output(arg.grad_fn))
            elif isinstance(arg, Tensor):
                self._leaf(arg)
            elif isinstance(arg, np.ndarray) and self.trace.input_position(arg) is not None:
                pass  # an input's array, registered in __init__ (same id)
            else:
                array = np.asarray(arg, dtype=None if dtype is None else np.dtype(dtype))
                return self.constant(array)
        name = self.names[key]
        if dtype is not None and self.dtypes[name] != np.dtype(dtype):
            return self.cast(name, dtype)
        return name

    def _leaf(self, tensor: Tensor) -> None:
        """A leaf of the graph that is not an input: an initializer when it is a parameter or
        a buffer (or requires grad), else a constant."""
        name = self._leaf_names.get(id(tensor))
        if name is None and tensor.requires_grad:
            name = tensor.name or "param"
        if name is None:
            self.names[id(tensor)] = self.constant(tensor.data, hint=tensor.name)
            return
        name = self._claim(name)
        self.initializers.append(self.onnx.numpy_helper.from_array(np.asarray(tensor.data), name))
        self.names[id(tensor)] = name
        self.dtypes[name] = tensor.dtype

    def constant(self, array: Any, dtype: Any = None, hint: str | None = None) -> str:
        """A Constant node holding `array` (in `dtype` if given)."""
        array = np.asarray(array, dtype=None if dtype is None else np.dtype(dtype))
        if array.dtype == np.float16 or array.dtype.kind not in "fiub":
            raise ExportError(f"to_onnx: cannot export a constant of dtype {array.dtype}")
        value = self.onnx.numpy_helper.from_array(array)
        return self.node("Constant", [], value=value, hint=hint, dtype=array.dtype)

    def ints(self, values: Sequence[int]) -> str:
        """A 1-d int64 constant (shapes, axes, pads)."""
        return self.constant(np.asarray(list(values), dtype=np.int64))

    def cast(self, name: str, dtype: Any) -> str:
        """`name` converted to `dtype` (one Cast node per value and dtype)."""
        key = (name, np.dtype(dtype))
        if key not in self._casts:
            to = self.onnx.helper.np_dtype_to_tensor_dtype(key[1])
            self._casts[key] = self.node("Cast", [name], to=to, dtype=key[1])
        return self._casts[key]

    def node(
        self,
        op_type: str,
        inputs: Sequence[str],
        *,
        outputs: int = 1,
        hint: str | None = None,
        dtype: Any = None,
        **attributes: Any,
    ) -> Any:
        """Append an ONNX node; returns its output name (a list when `outputs` > 1, or for
        Constant). `dtype` is the output's dtype (default: the first input's)."""
        node_name = self._claim(self._scope + (hint or op_type))
        names = [self._claim(f"{node_name}_output_{i}") for i in range(outputs)]
        attrs = {k: v for k, v in attributes.items() if v is not None}
        self.nodes.append(
            self.onnx.helper.make_node(op_type, list(inputs), names, name=node_name, **attrs)
        )
        out_dtype = np.dtype(dtype) if dtype is not None else self.dtypes.get(inputs[0])
        for n in names:
            self.dtypes[n] = out_dtype
        return names if outputs > 1 else names[0]

    # ----------------------------------------------------------------- node queries
    def arguments(self, node: Function) -> dict[str, Any]:
        return bound_arguments(node)

    def output(self, node: Function) -> Tensor:
        return self.trace.main.graph.output(node)

    def dtype(self, node: Function) -> np.dtype:
        return self.output(node).dtype

    def dims(self, tensor: Tensor) -> list[Dim]:
        """The tensor's shape with batch-sized dimensions symbolic (see trace.py)."""
        return self.trace.dims(tensor)

    # --------------------------------------------------------------- shape helpers
    def shape_value(self, dims: Sequence[Dim]) -> str:
        """A 1-d int64 shape for Reshape/Expand: a constant, or built from the batch size."""
        if not any(isinstance(d, BatchDim) for d in dims):
            return self.ints([int(d) for d in dims])
        parts = []
        for d in dims:
            if isinstance(d, BatchDim) and d.factor is None:
                raise ExportError(
                    f"to_onnx: a shape {list(dims)} has a dimension that changes with the batch "
                    "size but is not a multiple of it; export with dynamic_batch=False"
                )
            if isinstance(d, BatchDim):
                batch = self.batch_size()
                parts.append(
                    batch if d.factor == 1 else self.node("Mul", [batch, self.ints([d.factor])])
                )
            else:
                parts.append(self.ints([d]))
        return self.node("Concat", parts, axis=0)

    def batch_size(self) -> str:
        """The batch size as a 1-element int64 tensor, read from the first batched input."""
        if self._batch is None:
            inputs = [t for t in self.trace.main.inputs if t.ndim >= 1]
            shape = self.node("Shape", [self.names[id(inputs[0])]], dtype=np.int64)
            self._batch = self.node("Slice", [shape, self.ints([0]), self.ints([1])])
        return self._batch

    def element_count(self, x: Tensor, axes: Sequence[int], dtype: Any) -> str:
        """The number of elements of `x` over `axes` as a scalar of `dtype` (dynamic when one of
        the axes follows the batch size)."""
        dims = self.dims(x)
        if not any(isinstance(dims[a], BatchDim) for a in axes):
            return self.constant(np.prod([x.shape[a] for a in axes]), dtype)
        shape = self.node("Shape", [self.names[id(x)]], dtype=np.int64)
        sizes = self.node("Gather", [shape, self.ints(axes)], axis=0)
        count = self.reduce("ReduceProd", sizes, [0], keepdims=False)
        return self.cast(count, dtype)

    def reduce(self, op_type: str, x: str, axes: Sequence[int] | None, keepdims: bool) -> str:
        """A Reduce* node over `axes` (None: all): axes are an input from opset 18 (13 for
        ReduceSum), an attribute before."""
        keep = int(bool(keepdims))
        if axes is None:
            return self.node(op_type, [x], keepdims=keep)
        if op_type == "ReduceSum" or self.opset >= 18:
            return self.node(op_type, [x, self.ints(axes)], keepdims=keep)
        return self.node(op_type, [x], axes=list(axes), keepdims=keep)

    def require_opset(self, node: Function, opset: int, onnx_op: str) -> None:
        if self.opset < opset:
            raise UnsupportedOpError(
                f"to_onnx: {describe(node)} needs ONNX {onnx_op}, available from opset {opset}; "
                f"exporting with opset {self.opset}"
            )


def to_onnx(
    model_or_fn: Module | Callable[..., Any],
    example_inputs: Any,
    path: str | Path | None,
    *,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    dynamic_batch: bool = True,
    opset: int | None = None,
) -> Any:
    """Export a Module (or any function of Tensors) to an ONNX file; returns the ModelProto.

    example_inputs: a Tensor or array, or a tuple of them (one per argument). The model runs on
    them in evaluation mode (see the module docstring). dynamic_batch: axis 0 of every input of
    at least one dimension is the symbolic dimension "batch", and shapes that follow it (a
    reshape to (64, -1) at batch 64) are written in terms of it. opset: the ONNX opset (default
    18; 13 and later). path None: only return the model. Raises UnsupportedOpError naming an op
    without an ONNX mapping, ExportError for graphs that cannot be exported faithfully.
    """
    onnx = require("onnx", "nn.export.to_onnx")
    from .onnx_out_table import EXPORTS, WHOLE_OPS

    opset = DEFAULT_OPSET if opset is None else int(opset)
    newest = onnx.defs.onnx_opset_version()
    if not MIN_OPSET <= opset <= newest:
        raise ValueError(f"to_onnx: opset must be in [{MIN_OPSET}, {newest}], got {opset}")
    examples = example_inputs if isinstance(example_inputs, tuple | list) else (example_inputs,)
    arrays = [_example_array(x, i) for i, x in enumerate(examples)]
    trace = Trace(model_or_fn, arrays, dynamic_batch)
    inputs = _names(input_names, examples, "input", len(arrays))
    outputs = _names(output_names, (), "output", len(trace.main.outputs))
    if set(inputs) & set(outputs):
        raise ValueError(
            f"to_onnx: inputs and outputs share names {sorted(set(inputs) & set(outputs))}"
        )

    is_module = isinstance(model_or_fn, Module)
    strip = (model_or_fn.scope_name or type(model_or_fn).__name__) if is_module else None
    emitter = Emitter(onnx, trace, _leaf_names(model_or_fn), opset, inputs + outputs, strip)
    for node in trace.main.graph.functions:
        whole = node.__dict__.get("onnx_whole")  # the last node of a composed op (see resize)
        if whole is not None:
            emitter.enter(node)
            name = WHOLE_OPS[whole[0]](emitter, *whole[1:])
            if name is not None:  # (None: exported as composed, node by node)
                emitter.names[id(emitter.output(node))] = name
                continue
        row = EXPORTS.get(type(node).__name__)
        if row is None or type(node).__module__.split(".")[0] not in ("autodiff", "nn"):
            raise UnsupportedOpError(
                f"to_onnx: {describe(node)} has no ONNX mapping (the table is in "
                "nn/export/onnx_out_table.py)"
            )
        varying = set(trace.differences(node)) - set(row.batch_shaped) - set(row.recomputed)
        if varying:
            raise ExportError(
                f"to_onnx: {describe(node)}: its argument(s) {sorted(varying)} change with the "
                "input's values or batch size but are constants of the recorded graph (computed "
                "outside it); the export would bake in the example's values"
                + (
                    ""
                    if trace.batch is None
                    else "; try dynamic_batch=False if only the batch size matters"
                )
            )
        emitter.enter(node)
        emitter.names[id(emitter.output(node))] = row.emit(emitter, node)

    graph_outputs = _finish_outputs(emitter, trace.main.outputs, outputs)
    _drop_unused(emitter, graph_outputs)
    graph = onnx.helper.make_graph(
        emitter.nodes,
        strip or getattr(model_or_fn, "__name__", "glassgrad"),
        [_value_info(onnx, name, t, trace) for name, t in zip(inputs, trace.main.inputs)],
        [_value_info(onnx, name, t, trace) for name, t in zip(graph_outputs, trace.main.outputs)],
        emitter.initializers,
    )
    opset_ids = [onnx.helper.make_opsetid("", opset)]
    model = onnx.helper.make_model(
        graph,
        opset_imports=opset_ids,
        producer_name="glassgrad",
        ir_version=onnx.helper.find_min_ir_version_for(opset_ids),
    )
    onnx.checker.check_model(model, full_check=True)
    if path is not None:
        onnx.save(model, str(path))
    return model


# ------------------------------------------------------------------------------- helpers
def _example_array(x: Any, position: int) -> np.ndarray:
    array = np.asarray(x.data if isinstance(x, Tensor) else x)
    if array.dtype.kind not in "fiub" or array.dtype == np.float16:
        raise TypeError(f"to_onnx: example input {position} has unsupported dtype {array.dtype}")
    return array


def _names(
    given: Sequence[str] | None, examples: Sequence[Any], stem: str, count: int
) -> list[str]:
    if given is not None:
        names = list(given)
        if len(names) != count or len(set(names)) != count:
            raise ValueError(f"to_onnx: expected {count} distinct {stem} names, got {names}")
        return names
    own = [getattr(x, "name", None) for x in examples]
    if count == len(own) and all(own) and len(set(own)) == count:
        return own
    return [stem] if count == 1 else [f"{stem}_{i}" for i in range(count)]


def _leaf_names(model: Any) -> dict[int, str]:
    """id(parameter or buffer) -> its dotted path in the model."""
    if not isinstance(model, Module):
        return {}
    names = {id(p): name for name, p in model.named_parameters()}
    names.update({id(b): name for name, b in model.named_buffers()})
    return names


def _drop_unused(emitter: Emitter, outputs: list[str]) -> None:
    """Remove the nodes and initializers no output depends on: the parts of a composed op
    exported whole (an interpolate's indexing and arithmetic under its Resize), a backward
    hook's token."""
    needed = set(outputs)
    kept = []
    for n in reversed(emitter.nodes):
        if any(o in needed for o in n.output):
            kept.append(n)
            needed.update(n.input)
    emitter.nodes[:] = kept[::-1]
    emitter.initializers[:] = [i for i in emitter.initializers if i.name in needed]


def _finish_outputs(emitter: Emitter, tensors: list[Tensor], names: list[str]) -> list[str]:
    """Give the graph's outputs their names: the node that computes an output has its output
    renamed (and its consumers follow); an output that is an input, an initializer, a constant
    or an output already named gets an Identity node."""
    produced = {o: n for n in emitter.nodes if n.op_type != "Constant" for o in n.output}
    renamed: set[str] = set()
    for tensor, wanted in zip(tensors, names):
        current = emitter.value(tensor)
        if current in produced and current not in renamed:
            renamed.add(current)
            for n in emitter.nodes:
                for i, name in enumerate(n.input):
                    if name == current:
                        n.input[i] = wanted
            node = produced[current]
            node.output[list(node.output).index(current)] = wanted
            emitter.names[id(tensor)] = wanted
        else:
            node_name = emitter._claim(f"/{wanted}/Identity")
            emitter.nodes.append(
                emitter.onnx.helper.make_node("Identity", [current], [wanted], name=node_name)
            )
    return names


def _value_info(onnx: Any, name: str, tensor: Tensor, trace: Trace) -> Any:
    dims = trace.dims(tensor)
    shape = [
        ("batch" if d.factor == 1 else None) if isinstance(d, BatchDim) else int(d) for d in dims
    ]
    elem = onnx.helper.np_dtype_to_tensor_dtype(tensor.dtype)
    return onnx.helper.make_tensor_value_info(name, elem, shape)
