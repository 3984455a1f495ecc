"""from_onnx: any ONNX model (of the supported op set) as a glassgrad Module.

    net = nn.export.from_onnx("model.onnx")       # or a ModelProto, or the file's bytes
    y = net(x)                                    # glassgrad ops: differentiable
    y.sum().backward(); net.get_parameter ...     # gradients for every weight
    viz.render(y, "model.png")                    # the graph, grouped by the ONNX node names

Every initializer becomes a Parameter (trainable, in `state_dict()`), except the running
statistics of BatchNormalization, which become buffers. An initializer named by a module path
("conv1.weight") lands in a child module of that name, so the state dict of an imported model has
the same keys as the model that was exported. ONNX node names that are paths ("/conv1/Conv", as
glassgrad and PyTorch write them) become name scopes, so `viz` draws each module as a cluster.

The imported model starts in evaluation mode (BatchNorm on running statistics, Dropout off);
`train()` switches both to training behaviour, as for any Module.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

import autodiff
from autodiff import Tensor

from ..module import Module, Parameter
from ._deps import require
from .errors import UnsupportedOpError


class OnnxNode:
    """One ONNX node, parsed: op type, input and output names, attributes as Python values."""

    __slots__ = ("op_type", "name", "inputs", "outputs", "attributes", "scope", "opset")

    def __init__(self, onnx: Any, proto: Any, opset: int) -> None:
        self.op_type = proto.op_type
        self.name = proto.name
        self.inputs = list(proto.input)
        self.outputs = list(proto.output)
        self.opset = opset
        self.attributes = {a.name: _attribute(onnx, a) for a in proto.attribute}
        parts = [p for p in proto.name.split("/") if p] if "/" in proto.name else []
        self.scope = tuple(parts[:-1])

    def attr(self, name: str, default: Any = None) -> Any:
        return self.attributes.get(name, default)

    def describe(self) -> str:
        return (
            f"ONNX {self.op_type} node {self.name!r}" if self.name else f"ONNX {self.op_type} node"
        )


class ImportedWeights(Module):
    """A child module that only holds imported parameters ("conv1" of "conv1.weight")."""

    def forward(self, *args: Any) -> Any:
        raise RuntimeError("this module only holds imported ONNX weights; call the model instead")


class OnnxModel(Module):
    """A Module that runs an ONNX graph with glassgrad's ops (see the module docstring).

    forward(*inputs): one Tensor or array per graph input, in order -> a Tensor, or a tuple of
    Tensors for a graph with several outputs.
    """

    def __init__(self, onnx: Any, model: Any) -> None:
        super().__init__()
        from .onnx_in_table import IMPORTS

        graph = model.graph
        opsets = {o.domain or "ai.onnx": o.version for o in model.opset_import}
        opset = opsets.get("ai.onnx", opsets.get("", 1))
        object.__setattr__(self, "scope_name", graph.name or "OnnxModel")
        self.opset = opset
        initializer_names = {t.name for t in graph.initializer}
        self.input_specs = [
            (v.name, _dtype(onnx, v), _shape(v))
            for v in graph.input
            if v.name not in initializer_names
        ]
        self.output_names = [v.name for v in graph.output]
        self.nodes = [OnnxNode(onnx, n, opset) for n in graph.node]
        for node in self.nodes:
            if node.op_type not in IMPORTS:
                raise UnsupportedOpError(
                    f"from_onnx: {node.describe()}: ONNX op {node.op_type!r} has no glassgrad "
                    "mapping (the table is in nn/export/onnx_in_table.py)"
                )
        buffer_names = {
            n.inputs[i]
            for n in self.nodes
            if n.op_type == "BatchNormalization"
            for i in (3, 4)
            if len(n.inputs) > i
        }
        self.constants: dict[str, np.ndarray] = {}
        self.weights: dict[str, Tensor] = {}
        for proto in graph.initializer:
            array = onnx.numpy_helper.to_array(proto).copy()
            if array.dtype.kind != "f":
                self.constants[proto.name] = array
                continue
            self.weights[proto.name] = self._register(proto.name, array, proto.name in buffer_names)
        self.eval()

    def _register(self, name: str, array: np.ndarray, buffer: bool) -> Tensor:
        """Register a weight under its dotted name, creating holder modules along the path. A
        name that cannot be a path ("a..b", or both a weight and a prefix of another) is
        registered at the top with its dots as underscores; a name already taken (by another
        weight or an attribute such as `nodes`) gets a suffix, `_1`, `_2`, ..."""
        owner: Module = self
        parts = name.split(".")
        ok = all(parts)
        for part in parts[:-1] if ok else ():
            child = owner._modules.get(part)
            if child is None:
                if part in owner._parameters or part in owner._buffers or part in owner.__dict__:
                    ok = False
                    break
                child = ImportedWeights()
                owner.add_module(part, child)
            owner = child
        leaf = parts[-1] if ok else name.replace(".", "_")
        if not ok:
            owner = self
        leaf = _free_name(owner, leaf)
        if buffer:
            owner.register_buffer(leaf, Tensor(array, name=leaf))
            return owner._buffers[leaf]
        owner.register_parameter(leaf, Parameter(array))
        return owner._parameters[leaf]

    # ------------------------------------------------------------------------ running
    def forward(self, *inputs: Any) -> Any:
        from .onnx_in_table import IMPORTS

        if len(inputs) != len(self.input_specs):
            names = [name for name, _, _ in self.input_specs]
            raise TypeError(
                f"{self.scope_name}: expected {len(names)} inputs {names}, got {len(inputs)}"
            )
        values: dict[str, Any] = {"": None}
        values.update(self.constants)
        values.update(self.weights)
        for (name, dtype, shape), x in zip(self.input_specs, inputs):
            values[name] = _input(self.scope_name, name, dtype, shape, x)
        scopes = _Scopes()
        try:
            for node in self.nodes:
                scopes.enter(node.scope)
                args = [values[i] for i in node.inputs]
                try:
                    result = IMPORTS[node.op_type](_Context(node, self), *args)
                except UnsupportedOpError:
                    raise
                except (ValueError, TypeError, IndexError, autodiff.ShapeError) as e:
                    raise type(e)(f"{node.describe()}: {e}") from e
                results = result if isinstance(result, tuple) else (result,)
                for name, value in zip(node.outputs, results):
                    if name:
                        values[name] = value
        finally:
            scopes.close()
        outputs = tuple(_as_tensor(values[name]) for name in self.output_names)
        return outputs[0] if len(outputs) == 1 else outputs

    def extra_repr(self) -> str:
        inputs = ", ".join(f"{name}: {list(shape)}" for name, _, shape in self.input_specs)
        return f"inputs=({inputs}), nodes={len(self.nodes)}, opset={self.opset}"


class _Context:
    """What a row of the import table sees: the node (attributes) and the model (its mode)."""

    __slots__ = ("node", "model")

    def __init__(self, node: OnnxNode, model: OnnxModel) -> None:
        self.node = node
        self.model = model

    def attr(self, name: str, default: Any = None) -> Any:
        return self.node.attr(name, default)

    @property
    def opset(self) -> int:
        return self.node.opset

    @property
    def training(self) -> bool:
        return self.model.training

    def unsupported(self, detail: str) -> UnsupportedOpError:
        return UnsupportedOpError(f"from_onnx: {self.node.describe()}: {detail}")


class _Scopes:
    """Keeps autodiff name scopes open across consecutive nodes of the same path, so that each
    module of the ONNX graph is one scope entry (one cluster in viz)."""

    def __init__(self) -> None:
        self.open: list[tuple[str, Any]] = []

    def enter(self, path: Sequence[str]) -> None:
        common = 0
        while (
            common < len(self.open) and common < len(path) and self.open[common][0] == path[common]
        ):
            common += 1
        while len(self.open) > common:
            self.open.pop()[1].__exit__(None, None, None)
        for part in path[common:]:
            scope = autodiff.name_scope(part)
            scope.__enter__()
            self.open.append((part, scope))

    def close(self) -> None:
        self.enter(())


def from_onnx(source: str | Path | bytes | Any) -> OnnxModel:
    """Load an ONNX model (a path, the file's bytes, or an onnx.ModelProto) as a Module.

    Raises UnsupportedOpError naming the first op without a glassgrad mapping, or an op
    from another domain than ONNX's own.
    """
    onnx = require("onnx", "nn.export.from_onnx")
    if isinstance(source, bytes):
        model = onnx.load_from_string(source)
    elif isinstance(source, str | Path):
        model = onnx.load(str(source))
    else:
        model = source
    for opset in model.opset_import:
        if opset.domain not in ("", "ai.onnx"):
            used = {n.op_type for n in model.graph.node if n.domain == opset.domain}
            if used:
                raise UnsupportedOpError(
                    f"from_onnx: ops of domain {opset.domain!r} are not supported ({sorted(used)})"
                )
    return OnnxModel(onnx, model)


# ------------------------------------------------------------------------------ helpers
def _free_name(owner: Module, name: str) -> str:
    def taken(n: str) -> bool:
        return any(
            n in registry
            for registry in (owner._modules, owner._parameters, owner._buffers, owner.__dict__)
        )

    candidate, k = name, 0
    while taken(candidate):
        k += 1
        candidate = f"{name}_{k}"
    return candidate


def _attribute(onnx: Any, proto: Any) -> Any:
    value = onnx.helper.get_attribute_value(proto)
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, onnx.TensorProto):
        return onnx.numpy_helper.to_array(value).copy()
    if isinstance(value, list) and value and isinstance(value[0], bytes):
        return [v.decode() for v in value]
    if isinstance(value, onnx.GraphProto):
        raise UnsupportedOpError(
            f"from_onnx: subgraph attribute {proto.name!r} (If/Loop/Scan) is not supported"
        )
    return value


def _dtype(onnx: Any, value_info: Any) -> np.dtype:
    return np.dtype(onnx.helper.tensor_dtype_to_np_dtype(value_info.type.tensor_type.elem_type))


def _shape(value_info: Any) -> tuple[int | str | None, ...]:
    dims = value_info.type.tensor_type.shape.dim
    return tuple(d.dim_value if d.HasField("dim_value") else (d.dim_param or None) for d in dims)


def _input(model: str, name: str, dtype: np.dtype, shape: tuple, x: Any) -> Tensor:
    tensor = x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=dtype), name=name)
    if tensor.dtype != dtype:
        raise TypeError(f"{model}: input {name!r} must have dtype {dtype}, got {tensor.dtype}")
    if shape and (
        len(shape) != tensor.ndim
        or any(isinstance(d, int) and d != n for d, n in zip(shape, tensor.shape))
    ):
        raise autodiff.ShapeError(
            f"{model}: input {name!r} must have shape {list(shape)}, got {tensor.shape}"
        )
    return tensor


def _as_tensor(value: Any) -> Tensor:
    return value if isinstance(value, Tensor) else Tensor(np.asarray(value))
