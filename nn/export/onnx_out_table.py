"""The export table: every op of autodiff.ops and nn.functional, and the ONNX nodes it becomes.

One row per op, keyed by the op's class name. A row's `emit(e, node)` writes the ONNX nodes for
one compute node through the Emitter `e` (onnx_out.py) and returns the name of the ONNX value
that holds the node's output:

    e.value(arg, dtype)   the ONNX value of an argument (cast to dtype when given)
    e.node(op, inputs, **attributes)   an ONNX node; returns its output
    e.arguments(node)     the node's arguments by name, defaults included
    e.dims(tensor)        its shape, batch-sized dimensions symbolic

`batch_shaped` names arguments that follow the batch size (a reshape's target shape): the row
writes them from `e.dims`, so they stay symbolic. `recomputed` names arguments the ONNX graph
computes itself (batch statistics, a dropout mask). Any other argument that differs between
the example's run and its twin is a baked-in value, and to_onnx refuses it (see trace.py).

Adding an op: write its emit function and add its row to EXPORTS at the end of this file.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from autodiff import Function, Tensor

from .errors import UnsupportedOpError
from .trace import BatchDim, describe

Emit = Callable[[Any, Function], str]


@dataclass(frozen=True)
class Row:
    emit: Emit
    batch_shaped: tuple[str, ...] = ()
    recomputed: tuple[str, ...] = ()


# ------------------------------------------------------------------------- elementwise
def elementwise(onnx_op: str) -> Emit:
    """An ONNX op with numpy's broadcasting: every argument in the output's dtype."""

    def emit(e, node):
        dtype = e.dtype(node)
        return e.node(onnx_op, [e.value(a, dtype) for a in node.args])

    return emit


def unary(onnx_op: str, **attributes: Any) -> Emit:
    def emit(e, node):
        return e.node(onnx_op, [e.value(node.args[0], e.dtype(node))], **attributes)

    return emit


def log1p(e, node):
    dtype = e.dtype(node)
    x = e.value(node.args[0], dtype)
    return e.node("Log", [e.node("Add", [x, e.constant(1, dtype)])])


def expm1(e, node):
    """exp(x) - 1 (ONNX has no expm1; for |x| < 1e-4 or so float32 loses digits glassgrad keeps)."""
    dtype = e.dtype(node)
    x = e.value(node.args[0], dtype)
    return e.node("Sub", [e.node("Exp", [x]), e.constant(1, dtype)])


def einsum(e, node):
    """The recorded (canonical) equation: letters only, identities for repeated letters among
    the operands (see autodiff/ops/einsum.py)."""
    dtype = e.dtype(node)
    equation = node.kwargs["equation"]
    return e.node("Einsum", [e.value(a, dtype) for a in node.args], equation=equation)


def cumsum(e, node):
    x = node.args[0]
    value = e.value(x, e.dtype(node))
    if not x.ndim:
        return e.node("Identity", [value])
    axis = e.constant(np.asarray(int(e.arguments(node)["axis"]), dtype=np.int64))
    return e.node("CumSum", [value, axis])


def leaky_relu(e, node):
    slope = e.arguments(node)["negative_slope"]
    return e.node("LeakyRelu", [e.value(node.args[0], e.dtype(node))], alpha=float(slope))


def softplus(e, node):
    """Softplus(beta x) / beta, and x where beta x > threshold (PyTorch's switch; ONNX's
    Softplus has neither parameter)."""
    args, dtype = e.arguments(node), e.dtype(node)
    beta, threshold = float(args["beta"]), float(args["threshold"])
    x = e.value(node.args[0], dtype)
    z = x if beta == 1 else e.node("Mul", [x, e.constant(beta, dtype)])
    soft = e.node("Softplus", [z])
    if beta != 1:
        soft = e.node("Div", [soft, e.constant(beta, dtype)])
    if threshold == np.inf:
        return soft
    above = e.node("Greater", [z, e.constant(threshold, dtype)], dtype=bool)
    return e.node("Where", [above, x, soft])


def elu(e, node):
    """elu as ONNX Elu, selu as Selu, celu as Celu; another mix of the ELU op's parameters
    as the formula: where(x <= 0, expm1(input_scale x) * alpha * scale, scale x)."""
    args, dtype = e.arguments(node), e.dtype(node)
    alpha, scale, input_scale = (float(args[k]) for k in ("alpha", "scale", "input_scale"))
    x = e.value(node.args[0], dtype)
    if scale == 1 and input_scale == 1:
        return e.node("Elu", [x], alpha=alpha)
    if input_scale == 1:
        return e.node("Selu", [x], alpha=alpha, gamma=scale)
    if scale == 1 and input_scale == 1 / alpha:
        return e.node("Celu", [x], alpha=alpha)
    scaled = e.node("Mul", [x, e.constant(input_scale, dtype)])
    below = e.node("Sub", [e.node("Exp", [scaled]), e.constant(1, dtype)])
    below = e.node("Mul", [below, e.constant(alpha * scale, dtype)])
    negative = e.node("LessOrEqual", [x, e.constant(0, dtype)], dtype=bool)
    return e.node("Where", [negative, below, e.node("Mul", [x, e.constant(scale, dtype)])])


def hardtanh(e, node):
    args, dtype = e.arguments(node), e.dtype(node)
    bounds = [e.constant(args[k], dtype) for k in ("min_val", "max_val")]
    return e.node("Clip", [e.value(args["x"], dtype), *bounds])


def _hard_sigmoid(e, x: str) -> str:
    # PyTorch's slope 1/6, not ONNX's default alpha of 0.2
    return e.node("HardSigmoid", [x], alpha=1 / 6, beta=0.5)


def hardsigmoid(e, node):
    return _hard_sigmoid(e, e.value(node.args[0], e.dtype(node)))


def hardswish(e, node):
    """ONNX HardSwish (opset 14), or x * HardSigmoid(x) before it."""
    x = e.value(node.args[0], e.dtype(node))
    if e.opset >= 14:
        return e.node("HardSwish", [x])
    return e.node("Mul", [x, _hard_sigmoid(e, x)])


def clip(e, node):
    args, dtype = e.arguments(node), e.dtype(node)
    bounds = ["" if args[k] is None else e.constant(args[k], dtype) for k in ("lo", "hi")]
    return e.node("Clip", [e.value(args["x"], dtype), *bounds])


def clip_by_tensors(e, node):
    """clamp with tensor bounds: Max with lo, then Min with hi (numpy's clip, PyTorch's clamp:
    hi wins where lo > hi); ONNX's Clip takes scalar bounds only."""
    x, lo, hi = node.args
    dtype = e.dtype(node)
    value = e.value(x, dtype)
    if lo is not None:
        value = e.node("Max", [value, e.value(lo, dtype)])
    if hi is not None:
        value = e.node("Min", [value, e.value(hi, dtype)])
    return value


def cast(e, node):
    dtype = e.dtype(node)
    to = e.onnx.helper.np_dtype_to_tensor_dtype(dtype)
    return e.node("Cast", [e.value(node.args[0])], to=to, dtype=dtype)


def _widened(e, node) -> tuple[np.dtype, np.dtype, str, str]:
    """The node's dtype, the dtype it is computed in (integers in float64: ONNX's integer Div
    truncates; exact below 2**53) and its two operands in that dtype."""
    dtype = e.dtype(node)
    wide = np.float64 if dtype.kind in "iu" else dtype
    a, b = (e.value(arg, wide) for arg in node.args)
    return dtype, wide, a, b


def floor_divide(e, node):
    """floor(a / b); integers in float64."""
    dtype, wide, a, b = _widened(e, node)
    quotient = e.node("Floor", [e.node("Div", [a, b])])
    return quotient if wide == dtype else e.cast(quotient, dtype)


def _floor(e, x: str) -> str:
    return e.node("Floor", [x])


def _trunc(e, x: str) -> str:
    """trunc(x) = sign(x) * floor(|x|) (ONNX has no Trunc)."""
    return e.node("Mul", [e.node("Sign", [x]), e.node("Floor", [e.node("Abs", [x])])])


def _remainder_of(rounding: Callable[[Any, str], str]) -> Emit:
    """a - b * rounding(a / b): remainder (floor: the divisor's sign; ONNX's Mod with fmod=0
    takes integers only) and fmod (trunc: the dividend's sign); integers in float64. The same
    gradients: the rounded quotient is a constant of the backward."""

    def emit(e, node):
        dtype, wide, a, b = _widened(e, node)
        quotient = rounding(e, e.node("Div", [a, b]))
        result = e.node("Sub", [a, e.node("Mul", [b, quotient])])
        return result if wide == dtype else e.cast(result, dtype)

    return emit


remainder = _remainder_of(_floor)
fmod = _remainder_of(_trunc)


def where(e, node):
    condition, a, b = node.args
    dtype = e.dtype(node)
    return e.node("Where", [e.value(condition, bool), e.value(a, dtype), e.value(b, dtype)])


def zero_where(e, node):
    """relu's and clip's gradient as an op (autodiff's ZeroWhere, in recorded backward
    passes): zero where the constant mask `blocked`, g elsewhere. (relu's also has its output
    as an argument, which only connects the graph: its derivative is zero.)"""
    g, blocked = node.args[:2]
    dtype = e.dtype(node)
    zero = e.constant(0.0, dtype)
    return e.node("Where", [e.value(blocked, bool), zero, e.value(g, dtype)])


def constant_factor(e, node):
    """abs's, leaky_relu's and the 1- and inf-norms' gradient as an op (autodiff's
    ConstantFactor, in recorded backward passes): g times the constant factor. The third
    argument, the op's input, only connects the graph: its derivative is zero."""
    g, factor, _ = node.args
    dtype = e.dtype(node)
    return e.node("Mul", [e.value(g, dtype), e.value(factor, dtype)])


def step(e, node):
    dtype = e.dtype(node)
    x = e.value(node.args[0])
    positive = e.node("Greater", [x, e.constant(0, e.dtypes[x])], dtype=bool)
    return e.cast(positive, dtype)


# ------------------------------------------------------------------------------ linear
def linear(e, node):
    dtype = e.dtype(node)
    x, weight, *bias = [e.value(a, dtype) for a in node.args if a is not None]
    if node.args[0].ndim == 2:
        return e.node("Gemm", [x, weight, *bias], transB=1)
    y = e.node("MatMul", [x, e.node("Transpose", [weight], perm=[1, 0])])
    return e.node("Add", [y, bias[0]]) if bias else y


def matmul(e, node):
    dtype = e.dtype(node)
    return e.node("MatMul", [e.value(a, dtype) for a in node.args])


def gemm(e, node):
    """op(a) @ op(b) (autodiff.ops.linalg.Gemm, in recorded backward passes): ONNX's Gemm."""
    dtype = e.dtype(node)
    a, b, trans_a, trans_b = node.args
    return e.node(
        "Gemm", [e.value(a, dtype), e.value(b, dtype)], transA=int(trans_a), transB=int(trans_b)
    )


# ------------------------------------------------------------------------- conv, pool
def _window(args: dict[str, Any]) -> dict[str, Any]:
    (ph, pw), (sh, sw) = args["padding"], args["stride"]
    return {"strides": [sh, sw], "pads": [ph, pw, ph, pw]}


def conv2d(e, node):
    args, dtype = e.arguments(node), e.dtype(node)
    inputs = [e.value(a, dtype) for a in node.args if a is not None]
    kernel = list(node.args[1].shape[2:])
    # ONNX's `group` as PyTorch's groups; left out at 1, its default, as torch.onnx does
    group = {"group": args["groups"]} if args["groups"] != 1 else {}
    # ONNX's `dilations` as PyTorch's dilation, likewise left out at (1, 1)
    dilation = tuple(args["dilation"])
    dilations = {"dilations": list(dilation)} if dilation != (1, 1) else {}
    return e.node("Conv", inputs, kernel_shape=kernel, **_window(args), **group, **dilations)


def conv_transpose2d(e, node):
    """ONNX ConvTranspose: PyTorch's weight layout (Cin, Cout/G, kh, kw) is ONNX's, and its
    arguments are ONNX's attributes (output_padding, group and dilations left out at their
    defaults, as torch.onnx does)."""
    args, dtype = e.arguments(node), e.dtype(node)
    inputs = [e.value(a, dtype) for a in node.args if a is not None]
    extra: dict[str, Any] = {}
    if tuple(args["output_padding"]) != (0, 0):
        extra["output_padding"] = list(args["output_padding"])
    if args["groups"] != 1:
        extra["group"] = args["groups"]
    if tuple(args["dilation"]) != (1, 1):
        extra["dilations"] = list(args["dilation"])
    kernel = list(node.args[1].shape[2:])
    return e.node("ConvTranspose", inputs, kernel_shape=kernel, **_window(args), **extra)


def max_pool2d(e, node):
    args = e.arguments(node)
    dilation = tuple(args["dilation"])  # ONNX's dilations, left out at (1, 1)
    dilations = {"dilations": list(dilation)} if dilation != (1, 1) else {}
    kernel = list(args["kernel"])
    return e.node(
        "MaxPool", [e.value(node.args[0])], kernel_shape=kernel, **_window(args), **dilations
    )


def max_unpool2d(e, node):
    """ONNX MaxUnpool, whose indices are flat over the whole (N, C, H, W) output where
    glassgrad's (PyTorch's) are flat in each (H, W) plane: the plane's offset (n * C + c) * H * W
    is added to the (constant) indices here, and the output size given as `output_shape`.
    Indices that max pooling computed from the graph's input are not in the graph (they carry
    no gradient): to_onnx refuses them as inputs-dependent values, as argmax's."""
    args, dtype = e.arguments(node), e.dtype(node)
    indices = np.asarray(args["indices"], dtype=np.int64)
    n, c = indices.shape[:2]
    plane = int(np.prod(args["out_size"]))
    offsets = (np.arange(n * c, dtype=np.int64) * plane).reshape(n, c, 1, 1)
    shape = e.ints([n, c, *args["out_size"]])
    (kh, kw), (sh, sw), (ph, pw) = args["kernel"], args["stride"], args["padding"]
    return e.node(
        "MaxUnpool",
        [e.value(node.args[0], dtype), e.constant(indices + offsets), shape],
        kernel_shape=[kh, kw],
        strides=[sh, sw],
        pads=[ph, pw, ph, pw],
    )


def avg_pool2d(e, node):
    args, dtype = e.arguments(node), e.dtype(node)
    return e.node(
        "AveragePool",
        [e.value(node.args[0], dtype)],
        kernel_shape=list(args["kernel"]),
        count_include_pad=1,
        **_window(args),
    )


# ----------------------------------------------------------------------- normalisation
def batch_norm_eval(e, node):
    """Evaluation-mode batch norm: ONNX BatchNormalization (missing weight/bias: ones/zeros)."""
    args, dtype = e.arguments(node), e.dtype(node)
    channels = node.args[0].shape[1]
    scale = e.constant(np.ones(channels), dtype) if args["weight"] is None else None
    shift = e.constant(np.zeros(channels), dtype) if args["bias"] is None else None
    inputs = [
        e.value(args["x"], dtype),
        scale or e.value(args["weight"], dtype),
        shift or e.value(args["bias"], dtype),
        e.value(args["running_mean"], dtype),
        e.value(args["running_var"], dtype),
    ]
    return e.node("BatchNormalization", inputs, epsilon=float(args["eps"]))


def batch_norm_train(e, node):
    """Training-mode batch norm (a function calling F.batch_norm(training=True)): the batch's
    own statistics, computed in the graph."""
    args, dtype = e.arguments(node), e.dtype(node)
    axes, shape = list(args["axes"]), [1, node.args[0].shape[1]] + [1] * (node.args[0].ndim - 2)
    x = e.value(args["x"], dtype)
    mean = e.reduce("ReduceMean", x, axes, keepdims=True)
    centered = e.node("Sub", [x, mean])
    var = e.reduce("ReduceMean", e.node("Mul", [centered, centered]), axes, keepdims=True)
    std = e.node("Sqrt", [e.node("Add", [var, e.constant(args["eps"], dtype)])])
    y = e.node("Div", [centered, std])
    for key, op in (("weight", "Mul"), ("bias", "Add")):
        if args[key] is not None:
            y = e.node(op, [y, e.node("Reshape", [e.value(args[key], dtype), e.ints(shape)])])
    return y


def dropout(e, node):
    """A dropout recorded in training mode (a function calling F.dropout(training=True)).
    Exported graphs are inference graphs: ONNX Dropout, which runtimes run as the identity."""
    mask = np.asarray(e.arguments(node)["mask"])
    largest = float(mask.max()) if mask.size else 1.0
    ratio = 1 - 1 / largest if largest > 0 else 0.0
    warnings.warn(
        f"to_onnx: {describe(node)} was recorded in training mode; it is exported as ONNX "
        "Dropout, which is the identity at inference",
        stacklevel=2,
    )
    dtype = e.dtype(node)
    ratio_value = e.constant(ratio, dtype)
    return e.node("Dropout", [e.value(node.args[0], dtype), ratio_value])


# ------------------------------------------------------------------------------ softmax
def softmax(onnx_op: str) -> Emit:
    def emit(e, node):
        axis = int(e.arguments(node)["axis"])
        return e.node(onnx_op, [e.value(node.args[0], e.dtype(node))], axis=axis)

    return emit


# --------------------------------------------------------------------------- reductions
def _axes(args: dict[str, Any], ndim: int) -> list[int]:
    axis = args["axis"]
    if axis is None:
        return list(range(ndim))
    axes = (axis,) if isinstance(axis, int | np.integer) else tuple(axis)
    return sorted(int(a) % max(ndim, 1) for a in axes)


def reduction(onnx_op: str) -> Emit:
    def emit(e, node):
        args, x = e.arguments(node), node.args[0]
        axes = _axes(args, x.ndim)
        value = e.value(x, e.dtype(node))
        if not axes:  # a 0-d input: nothing to reduce
            return e.node("Identity", [value])
        return e.reduce(onnx_op, value, axes, bool(args["keepdims"]))

    return emit


def along_dim(onnx_op: str) -> Emit:
    """max(dim)/min(dim)'s values: a reduction over the one dim (ONNX computes the indices'
    values again, so the recorded indices are not baked in)."""

    def emit(e, node):
        args, x = e.arguments(node), node.args[0]
        value = e.value(x, e.dtype(node))
        if not x.ndim:
            return e.node("Identity", [value])
        return e.reduce(onnx_op, value, [int(args["axis"])], bool(args["keepdims"]))

    return emit


def top_k(e, node):
    """sort's and topk's values: ONNX TopK (sort: all of the dim), sorted."""
    args, x = e.arguments(node), node.args[0]
    value = e.value(x, e.dtype(node))
    if not x.ndim:
        return e.node("Identity", [value])
    axis = int(args["axis"])
    if type(node).__name__ == "Sort":
        largest = bool(args["descending"])
        if isinstance(e.dims(x)[axis], BatchDim):  # all of a batch-sized dim: read its size
            shape = e.node("Shape", [value], dtype=np.int64)
            k = e.node("Gather", [shape, e.ints([axis])], axis=0)
        else:
            k = e.ints([x.shape[axis]])
    else:
        largest = bool(args["largest"])
        k = e.ints([args["indices"].shape[axis]])
    values, _ = e.node("TopK", [value, k], outputs=2, axis=axis, largest=int(largest), sorted=1)
    return values


def vector_norm(e, node):
    """The p-norm: ReduceL2, ReduceL1, ReduceMax/ReduceMin of |x| for +-inf, a count of
    non-zeros for 0, else (sum |x|^p)^(1/p)."""
    args, x, dtype = e.arguments(node), node.args[0], e.dtype(node)
    p, keep = float(args["ord"]), bool(args["keepdims"])
    value = e.value(x, dtype)
    axes = _axes(args, x.ndim)
    if p == 0:
        nonzero = e.node("Not", [e.node("Equal", [value, e.constant(0, dtype)], dtype=bool)])
        counted = e.cast(nonzero, dtype)
        return e.reduce("ReduceSum", counted, axes, keep) if axes else counted
    if not axes:  # a 0-d input: |x| whatever p is
        return e.node("Abs", [value])
    if p == 2:
        return e.reduce("ReduceL2", value, axes, keep)
    if p == 1:
        return e.reduce("ReduceL1", value, axes, keep)
    magnitude = e.node("Abs", [value])
    if p in (np.inf, -np.inf):
        return e.reduce("ReduceMax" if p > 0 else "ReduceMin", magnitude, axes, keep)
    powered = e.node("Pow", [magnitude, e.constant(p, dtype)])
    total = e.reduce("ReduceSum", powered, axes, keep)
    return e.node("Pow", [total, e.constant(1 / p, dtype)])


def var(e, node):
    args, x, dtype = e.arguments(node), node.args[0], e.dtype(node)
    axes = _axes(args, x.ndim)
    value = e.value(x, dtype)
    centered = e.node("Sub", [value, e.reduce("ReduceMean", value, axes, keepdims=True)])
    squares = e.node("Mul", [centered, centered])
    keep = bool(args["keepdims"])
    if args["ddof"] == 0:
        return e.reduce("ReduceMean", squares, axes, keep)
    count = e.element_count(x, axes, dtype)
    total = e.reduce("ReduceSum", squares, axes, keep)
    return e.node("Div", [total, e.node("Sub", [count, e.constant(args["ddof"], dtype)])])


# --------------------------------------------------------------------------------- shape
def reshape(e, node):
    """Reshape to the output's shape. A dimension that follows the batch size becomes -1 (when
    it is the only one), so a reshape to (64, -1) at batch 64 works at any batch size."""
    out = e.output(node)
    dims = e.dims(out)
    x = e.value(node.args[0], e.dtype(node))
    batch_dims = [i for i, d in enumerate(dims) if isinstance(d, BatchDim)]
    if len(batch_dims) == 1:
        shape = [-1 if isinstance(d, BatchDim) else d for d in dims]
        return e.node("Reshape", [x, e.ints(shape)])
    zero = 0 in out.shape and not batch_dims
    return e.node("Reshape", [x, e.shape_value(dims)], allowzero=1 if zero else None)


def permute(e, node):
    axes, ndim = e.arguments(node)["axes"], node.args[0].ndim
    perm = list(range(ndim))[::-1] if axes is None else [int(a) % ndim for a in axes]
    return e.node("Transpose", [e.value(node.args[0], e.dtype(node))], perm=perm)


def expand(e, node):
    """Expand to the output's shape; where the input already has the output's dimension (in
    both runs) the shape says 1, which broadcasting keeps at any batch size."""
    x, out = node.args[0], e.output(node)
    dims, twin_x, twin_out = e.dims(out), e.trace.twin_of(x), e.trace.twin_of(out)
    lead = out.ndim - x.ndim
    for i in range(lead, out.ndim):
        j = i - lead
        if x.shape[j] == out.shape[i] and twin_x.shape[j] == twin_out.shape[i]:
            dims[i] = 1
    return e.node("Expand", [e.value(x, e.dtype(node)), e.shape_value(dims)])


# ----------------------------------------------------------------------------- indexing
_INT64_MAX = np.iinfo(np.int64).max
_INT64_MIN = np.iinfo(np.int64).min


def _index_parts(index: Any, ndim: int) -> list[Any]:
    """The index as a list with Ellipsis expanded to full slices and masks to integer arrays."""
    parts = list(index) if isinstance(index, tuple) else [index]
    expanded: list[Any] = []
    for p in parts:
        if isinstance(p, np.ndarray) and p.dtype == bool:
            expanded.extend(np.nonzero(p))
        elif isinstance(p, list):
            expanded.append(np.asarray(p))
        else:
            expanded.append(p)
    used = sum(1 for p in expanded if p is not None and p is not Ellipsis)
    ellipsis = [i for i, p in enumerate(expanded) if p is Ellipsis]
    if ellipsis:
        at = ellipsis[0]
        return expanded[:at] + [slice(None)] * (ndim - used) + expanded[at + 1 :]
    return expanded + [slice(None)] * (ndim - used)


def _slice_bounds(p: slice) -> tuple[int, int, int]:
    """(start, end, step) of ONNX Slice for a Python slice, defaults spelled out."""
    step = 1 if p.step is None else int(p.step)
    start = (0 if step > 0 else -1) if p.start is None else int(p.start)
    end = (_INT64_MAX if step > 0 else _INT64_MIN) if p.stop is None else int(p.stop)
    return start, end, step


def _slice(e, value: str, bounds: dict[int, tuple[int, int, int]]) -> str:
    """One Slice node for {axis: (start, end, step)}."""
    axes = sorted(bounds)
    starts, ends, steps = zip(*(bounds[a] for a in axes))
    return e.node("Slice", [value, e.ints(starts), e.ints(ends), e.ints(axes), e.ints(steps)])


def get_item(e, node):
    """Basic indexing: Slice, then Squeeze (int indices) and Unsqueeze (None). Integer-array
    indexing: Gather (one array) or GatherND (several). Slice bounds are written as given
    (negative ones count from the end), so they hold at any batch size."""
    x = node.args[0]
    parts = _index_parts(e.arguments(node)["index"], x.ndim)
    value = e.value(x, e.dtype(node))
    if any(isinstance(p, np.ndarray) for p in parts):
        return _advanced_index(e, node, value, parts)
    bounds: dict[int, tuple[int, int, int]] = {}
    squeeze, unsqueeze = [], []
    axis = out_axis = 0
    for p in parts:
        if p is None:
            unsqueeze.append(out_axis)
            out_axis += 1
            continue
        if isinstance(p, slice):
            if p not in (slice(None), slice(None, None, 1)):
                bounds[axis] = _slice_bounds(p)
            out_axis += 1
        else:  # an int: slice it to length one, then squeeze the axis away
            i = int(p)
            bounds[axis] = (i, i + 1 if i != -1 else _INT64_MAX, 1)
            squeeze.append(axis)
        axis += 1
    if bounds:
        value = _slice(e, value, bounds)
    if squeeze:
        value = e.node("Squeeze", [value, e.ints(squeeze)])
    if unsqueeze:
        value = e.node("Unsqueeze", [value, e.ints(unsqueeze)])
    if not (bounds or squeeze or unsqueeze):
        value = e.node("Identity", [value])
    return value


def _advanced_index(e, node, value: str, parts: list[Any]) -> str:
    """numpy's integer-array indexing (ints count as 0-d arrays here, as in numpy): slices
    first (they keep every axis), then Gather for one array, GatherND for several."""
    if any(p is None for p in parts):
        raise UnsupportedOpError(
            f"to_onnx: {describe(node)}: indexing that mixes integer arrays "
            "with None has no ONNX mapping"
        )
    arrays = {
        i: np.asarray(p, dtype=np.int64) for i, p in enumerate(parts) if not isinstance(p, slice)
    }
    bounds = {
        axis: _slice_bounds(p)
        for axis, p in enumerate(parts)
        if isinstance(p, slice) and p not in (slice(None), slice(None, None, 1))
    }
    if bounds:
        value = _slice(e, value, bounds)
    positions = sorted(arrays)
    if len(positions) == 1:  # Gather puts the index's dims where the axis was, as numpy does
        (axis,) = positions
        return e.node("Gather", [value, e.constant(arrays[axis])], axis=axis)
    index = np.stack(np.broadcast_arrays(*[arrays[p] for p in positions]), axis=-1)
    rest = [a for a in range(len(parts)) if a not in arrays]
    if positions != list(range(len(positions))):
        value = e.node("Transpose", [value], perm=positions + rest)
    out = e.node("GatherND", [value, e.constant(index)])
    adjacent = positions == list(range(positions[0], positions[0] + len(positions)))
    if adjacent and positions[0] > 0:  # numpy keeps the gathered dims where the arrays were
        k, lead = index.ndim - 1, positions[0]
        order = list(range(k, k + lead)) + list(range(k)) + list(range(k + lead, k + len(rest)))
        out = e.node("Transpose", [out], perm=order)
    return out


def scatter_add(e, node):
    """The adjoint of indexing (in graphs of gradients): zeros, with the gradient added at the
    indexed positions — ScatterElements(reduction="add") on the flattened shape."""
    e.require_opset(node, 16, "ScatterElements with reduction='add'")
    args, dtype = e.arguments(node), e.dtype(node)
    shape = tuple(args["shape"])
    positions = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)[args["index"]]
    flat = e.node("Reshape", [e.value(node.args[0], dtype), e.ints([-1])])
    zeros = e.constant(np.zeros(int(np.prod(shape))), dtype)
    out = e.node(
        "ScatterElements", [zeros, e.ints(np.reshape(positions, -1)), flat], axis=0, reduction="add"
    )
    return e.node("Reshape", [out, e.ints(shape)])


def scatter(e, node):
    """`x.scatter(dim, index, src)`: ScatterElements (no reduction), src first cut to the
    index's shape when it is larger. (A repeated index has no defined winner in ONNX.)"""
    args, dtype = e.arguments(node), e.dtype(node)
    index = np.asarray(args["index"], dtype=np.int64)
    src = e.value(node.args[1], dtype)
    if tuple(node.args[1].shape) != index.shape:
        src = _slice(e, src, {axis: (0, n, 1) for axis, n in enumerate(index.shape)})
    inputs = [e.value(node.args[0], dtype), e.constant(index), src]
    return e.node("ScatterElements", inputs, axis=int(args["axis"]))


# --------------------------------------------------------------------------------- join
def concatenate(e, node):
    dtype = e.dtype(node)
    axis = int(e.arguments(node)["axis"]) % e.output(node).ndim
    return e.node("Concat", [e.value(a, dtype) for a in node.args], axis=axis)


def stack(e, node):
    dtype = e.dtype(node)
    axis = int(e.arguments(node)["axis"]) % e.output(node).ndim
    parts = [e.node("Unsqueeze", [e.value(a, dtype), e.ints([axis])]) for a in node.args]
    return e.node("Concat", parts, axis=axis)


def pad(e, node):
    """numpy's modes are ONNX Pad's: constant, reflect, edge, wrap. Negative widths (crops) are
    ONNX's too, for constant; with the other modes glassgrad crops before it pads (PyTorch's
    order), which ONNX Pad does not promise, so those are refused."""
    args, dtype, x = e.arguments(node), e.dtype(node), node.args[0]
    widths = np.broadcast_to(np.asarray(args["pad_width"], dtype=np.int64), (x.ndim, 2))
    mode = args["mode"]
    if mode != "constant" and (widths < 0).any():
        raise UnsupportedOpError(
            f"to_onnx: pad: negative pad widths {widths.tolist()} in mode {mode!r} have no "
            "ONNX Pad equivalent"
        )
    pads = list(widths[:, 0]) + list(widths[:, 1])
    inputs = [e.value(x, dtype), e.ints(pads)]
    if mode == "constant":
        inputs.append(e.constant(args["value"], dtype))
    return e.node("Pad", inputs, mode=mode)


# ------------------------------------------------- rounding, more math, diagonals, cumprod
def trunc(e, node):
    return _trunc(e, e.value(node.args[0], e.dtype(node)))


def round_(e, node):
    """ONNX's Round rounds halves to even, as glassgrad's; decimals scale around it."""
    dtype, decimals = e.dtype(node), int(e.arguments(node)["decimals"])
    x = e.value(node.args[0], dtype)
    if decimals == 0:
        return e.node("Round", [x])
    scale = e.constant(10.0**decimals, dtype)
    return e.node("Div", [e.node("Round", [e.node("Mul", [x, scale])]), scale])


def log_base(base: float) -> Emit:
    def emit(e, node):
        dtype = e.dtype(node)
        x = e.value(node.args[0], dtype)
        return e.node("Div", [e.node("Log", [x]), e.constant(np.log(base), dtype)])

    return emit


def _hypot(e, a: str, b: str) -> str:
    return e.node("Sqrt", [e.node("Add", [e.node("Mul", [a, a]), e.node("Mul", [b, b])])])


def hypot(e, node):
    dtype = e.dtype(node)
    return _hypot(e, *(e.value(v, dtype) for v in node.args))


def atan2(e, node):
    """atan2(y, x) from Acos (ONNX has no Atan2, and glassgrad no atan to import one back), each
    acos taken where its argument is at most 1/sqrt(2) in size, where it is well conditioned:
    acos(x / r) where |x| <= |y|, else asin(|y| / r) = pi/2 - acos(|y| / r) moved to x's
    half-plane; negated where y < 0. Within a few ulps of pi everywhere (acos(x / r) alone
    was off by up to about 3e-4 near the x axis in float32). The point (0, 0) gives NaN."""
    dtype = e.dtype(node)
    y, x = (e.value(v, dtype) for v in node.args)
    r, size_y = _hypot(e, x, y), e.node("Abs", [y])
    from_x = e.node("Acos", [e.node("Div", [x, r])])  # in [0, pi]
    small = e.node("Acos", [e.node("Div", [size_y, r])])  # pi/2 - asin(|y| / r)
    small = e.node("Sub", [e.constant(np.pi / 2, dtype), small])  # in [0, pi/2]
    left = e.node("Less", [x, e.constant(0, dtype)], dtype=bool)
    from_y = e.node("Where", [left, e.node("Sub", [e.constant(np.pi, dtype), small]), small])
    steep = e.node("LessOrEqual", [e.node("Abs", [x]), size_y], dtype=bool)
    angle = e.node("Where", [steep, from_x, from_y])
    below = e.node("Less", [y, e.constant(0, dtype)], dtype=bool)
    return e.node("Where", [below, e.node("Neg", [angle]), angle])


def diagonal(e, node):
    """Transpose dim1, dim2 last, Slice the square the diagonal runs through, Einsum
    "...ii->...i"."""
    args, dtype, x = e.arguments(node), e.dtype(node), node.args[0]
    offset, dim1, dim2 = int(args["offset"]), int(args["dim1"]), int(args["dim2"])
    perm = [d for d in range(x.ndim) if d not in (dim1, dim2)] + [dim1, dim2]
    rows, cols = x.shape[dim1], x.shape[dim2]
    n = max(0, min(rows + min(offset, 0), cols - max(offset, 0)))
    top, left = -min(offset, 0), max(offset, 0)
    value = e.node("Transpose", [e.value(x, dtype)], perm=perm)
    square = e.node(
        "Slice",
        [value, e.ints([top, left]), e.ints([top + n, left + n]), e.ints([x.ndim - 2, x.ndim - 1])],
    )
    batch = "abcdefgh"[: x.ndim - 2]
    return e.node("Einsum", [square], equation=f"{batch}ii->{batch}i")


def cumprod(e, node):
    """out[k] = the product over j of (x[j] where j <= k, else 1): a lower-triangular mask
    over a new dim, then ReduceProd (ONNX has no CumProd)."""
    dtype, x = e.dtype(node), node.args[0]
    value = e.value(x, dtype)
    if not x.ndim:
        return e.node("Identity", [value])
    axis = int(e.arguments(node)["axis"])
    n, trailing = x.shape[axis], x.ndim - axis - 1
    mask = np.tri(n, dtype=bool).reshape((n, n) + (1,) * trailing)  # [k, j]: j <= k
    spread = e.node("Unsqueeze", [value, e.ints([axis])])  # the new dim k, before j
    factors = e.node("Where", [e.constant(mask), spread, e.constant(1, dtype)])
    return e.reduce("ReduceProd", factors, [axis + 1], keepdims=False)


# ------------------------------------------------------------------------------- losses
def _reduce_loss(e, losses: str, reduction: str) -> str:
    if reduction == "mean":
        return e.reduce("ReduceMean", losses, None, keepdims=False)
    if reduction == "sum":
        return e.reduce("ReduceSum", losses, None, keepdims=False)
    return losses


def cross_entropy(e, node):
    args, dtype = e.arguments(node), e.dtype(node)
    x, target = e.value(args["x"], dtype), args["target"]
    if np.asarray(target.data if isinstance(target, Tensor) else target).dtype.kind in "iu":
        labels = e.value(target, np.int64)
        return e.node("SoftmaxCrossEntropyLoss", [x, labels], reduction=args["reduction"])
    log_p = e.node("LogSoftmax", [x], axis=1)
    picked = e.reduce("ReduceSum", e.node("Mul", [e.value(target, dtype), log_p]), [1], False)
    return _reduce_loss(e, e.node("Neg", [picked]), args["reduction"])


def cross_entropy_grad(e, node):
    """CrossEntropy's gradient of x (nn.functional.loss.CrossEntropyGrad, in recorded backward
    passes): (softmax(x) * mass - target) * gs."""
    dtype = e.dtype(node)
    x, target, gs, labels = node.args
    p = e.node("Softmax", [e.value(x, dtype)], axis=1)
    t = e.value(target, dtype)
    if not labels:  # probability targets: each row's mass
        p = e.node("Mul", [p, e.reduce("ReduceSum", t, [1], True)])
    return e.node("Mul", [e.node("Sub", [p, t]), e.value(gs, dtype)])


def binary_cross_entropy(e, node):
    args, dtype = e.arguments(node), e.dtype(node)
    p, t = e.value(args["p"], dtype), e.value(args["t"], dtype)
    floor, one = e.constant(-100.0, dtype), e.constant(1.0, dtype)
    log_p = e.node("Max", [e.node("Log", [p]), floor])
    log_q = e.node("Max", [e.node("Log", [e.node("Sub", [one, p])]), floor])
    terms = e.node(
        "Add", [e.node("Mul", [t, log_p]), e.node("Mul", [e.node("Sub", [one, t]), log_q])]
    )
    return _reduce_loss(e, e.node("Neg", [terms]), args["reduction"])


def bce_with_logits(e, node):
    args, dtype = e.arguments(node), e.dtype(node)
    x, t = e.value(args["x"], dtype), e.value(args["t"], dtype)
    soft = e.node("Softplus", [e.node("Neg", [e.node("Abs", [x])])])
    losses = e.node("Add", [e.node("Sub", [e.node("Relu", [x]), e.node("Mul", [x, t])]), soft])
    return _reduce_loss(e, losses, args["reduction"])


# ---------------------------------------------------------------------------- the table
def resize(
    e, x: Tensor, mode: str, align_corners: bool, scales: tuple, out_size: tuple
) -> str | None:
    """F.interpolate (nn/functional/upsampling.py marks the last node of its composition) as
    one ONNX Resize with PyTorch's source coordinates: nearest is floor(dst / scale)
    (asymmetric, floor), bilinear half_pixel (clamped at 0, as onnxruntime clamps) or
    align_corners. A given scale_factor is exported as Resize's scales (ONNX divides by it, as
    PyTorch multiplies by its inverse); a size as sizes, the batch dims from the input's shape.
    A dim whose size does not change gets scale 1 (PyTorch copies it). Other dtypes than
    float32 (None) export as composed, node by node: onnxruntime has no Resize for float64,
    and a float32 round trip would round a float64 model's values."""
    if x.dtype != np.float32:
        return None
    spatial = x.shape[2:]
    value = e.value(x)
    attributes = (
        {"mode": "nearest", "coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor"}
        if mode == "nearest"
        else {
            "mode": "linear",
            "coordinate_transformation_mode": "align_corners" if align_corners else "half_pixel",
        }
    )
    if all(f is not None for f in scales):
        factors = [1.0 if m == n else f for n, m, f in zip(spatial, out_size, scales, strict=True)]
        scale = e.constant(np.asarray([1.0, 1.0, *factors], dtype=np.float32))
        return e.node("Resize", [value, "", scale], **attributes)
    lead = e.node("Slice", [e.node("Shape", [value], dtype=np.int64), e.ints([0]), e.ints([2])])
    sizes = e.node("Concat", [lead, e.ints(out_size)], axis=0)
    return e.node("Resize", [value, "", "", sizes], **attributes)


# composed ops exported as one ONNX node: name -> emit(e, *what the op recorded)
WHOLE_OPS: dict[str, Callable[..., str | None]] = {"Resize": resize}


EXPORTS: dict[str, Row] = {
    # autodiff.ops: arithmetic (numpy broadcasting is ONNX's multidirectional broadcasting)
    "Add": Row(elementwise("Add")),
    "Sub": Row(elementwise("Sub")),
    "Mul": Row(elementwise("Mul")),
    "Div": Row(elementwise("Div")),
    "Pow": Row(elementwise("Pow")),
    "Maximum": Row(elementwise("Max")),
    "Minimum": Row(elementwise("Min")),
    "Where": Row(where),
    "ZeroWhere": Row(zero_where),
    "ConstantFactor": Row(constant_factor),
    "Neg": Row(unary("Neg")),
    "Abs": Row(unary("Abs")),
    "Sign": Row(unary("Sign")),
    "FloorDivide": Row(floor_divide),
    "Remainder": Row(remainder),
    "Exp": Row(unary("Exp")),
    "Log": Row(unary("Log")),
    "Log1p": Row(log1p),
    "Expm1": Row(expm1),
    "Erf": Row(unary("Erf")),
    "Sqrt": Row(unary("Sqrt")),
    "StdOfVar": Row(unary("Sqrt")),  # std: sqrt of the variance (its own op for backward)
    "Sin": Row(unary("Sin")),
    "Cos": Row(unary("Cos")),
    "Tanh": Row(unary("Tanh")),
    "Tan": Row(unary("Tan")),
    "Sigmoid": Row(unary("Sigmoid")),
    "ReLU": Row(unary("Relu")),
    "LeakyReLU": Row(leaky_relu),
    "Softplus": Row(softplus),
    "ELU": Row(elu),
    "Hardtanh": Row(hardtanh),
    "Hardsigmoid": Row(hardsigmoid),
    "Hardswish": Row(hardswish),
    "Clip": Row(clip),
    "ClipByTensors": Row(clip_by_tensors),
    "Cast": Row(cast),
    # autodiff.ops: linear algebra, reductions, softmax
    "MatMul": Row(matmul),
    "Gemm": Row(gemm),
    "Einsum": Row(einsum),
    "Cumsum": Row(cumsum),
    "VectorNorm": Row(vector_norm),
    "Sum": Row(reduction("ReduceSum")),
    "Mean": Row(reduction("ReduceMean")),
    "Max": Row(reduction("ReduceMax")),
    "Min": Row(reduction("ReduceMin")),
    "AMax": Row(reduction("ReduceMax")),
    "AMin": Row(reduction("ReduceMin")),
    "MaxDim": Row(along_dim("ReduceMax"), recomputed=("indices",)),
    "MinDim": Row(along_dim("ReduceMin"), recomputed=("indices",)),
    "Sort": Row(top_k, recomputed=("indices",)),
    "TopK": Row(top_k, recomputed=("indices",)),
    "Prod": Row(reduction("ReduceProd")),
    "LogSumExp": Row(reduction("ReduceLogSumExp")),
    "Var": Row(var),
    "Softmax": Row(softmax("Softmax")),
    "LogSoftmax": Row(softmax("LogSoftmax")),
    # autodiff.ops: shape, indexing, joining
    "Reshape": Row(reshape, batch_shaped=("shape",)),
    "ReshapeCopy": Row(reshape, batch_shaped=("shape",)),
    "Contiguous": Row(unary("Identity")),
    # a module backward hook's nodes (nn/backward_hooks.py): the wrapping of an input or
    # output is the identity; the token only routes gradients (a constant nothing reads)
    "_HookedTensor": Row(unary("Identity"), recomputed=("token", "call", "grads")),
    "_HookInputs": Row(lambda e, node: e.constant(0, e.dtype(node)), recomputed=("call",)),
    "_HookOutputs": Row(lambda e, node: e.constant(0, e.dtype(node)), recomputed=("call",)),
    "Permute": Row(permute),
    "Expand": Row(expand, batch_shaped=("shape",)),
    "GetItem": Row(get_item),
    "GetItemCopy": Row(get_item),
    "ScatterAdd": Row(scatter_add),
    "Scatter": Row(scatter),
    "Concatenate": Row(concatenate),
    "Stack": Row(stack),
    "Pad": Row(pad),
    # nn.functional
    "Linear": Row(linear),
    "Conv2d": Row(conv2d),
    "ConvTranspose2d": Row(conv_transpose2d),
    "MaxPool2d": Row(max_pool2d),
    "AvgPool2d": Row(avg_pool2d),
    "MaxUnpool2d": Row(max_unpool2d),
    "BatchNormEval": Row(batch_norm_eval),
    "BatchNorm": Row(batch_norm_train, recomputed=("mean", "var")),
    "Dropout": Row(dropout, recomputed=("mask",)),
    "Step": Row(step),
    "CrossEntropy": Row(cross_entropy),
    "CrossEntropyGrad": Row(cross_entropy_grad),
    "BinaryCrossEntropy": Row(binary_cross_entropy),
    "BinaryCrossEntropyWithLogits": Row(bce_with_logits),
    # autodiff.ops: rounding, more math, diagonals, running products
    "Floor": Row(unary("Floor")),
    "Ceil": Row(unary("Ceil")),
    "Trunc": Row(trunc),
    "Round": Row(round_),
    "Fmod": Row(fmod),
    "Sinh": Row(unary("Sinh")),
    "Cosh": Row(unary("Cosh")),
    "Acos": Row(unary("Acos")),
    "Log2": Row(log_base(2.0)),
    "Log10": Row(log_base(10.0)),
    "Atan2": Row(atan2),
    "Hypot": Row(hypot),
    "Diagonal": Row(diagonal),
    "Cumprod": Row(cumprod),
}
