"""The import table: ONNX ops and the glassgrad computation each one runs.

One row per ONNX op type: `row(ctx, *inputs)` gets the node's inputs (None for an omitted
optional one) and returns its output, or a tuple of outputs. `ctx.attr(name, default)` reads an
attribute, `ctx.training` the model's mode, `ctx.opset` the model's opset.

Values are of two kinds. Floating-point data are Tensors, and rows compute them with glassgrad's
ops, so an imported model is differentiable. Shapes, indices and masks (int and bool) are plain
numpy arrays, computed eagerly: the Shape -> Gather -> Concat -> Reshape chains PyTorch writes
for `x.view(x.size(0), -1)` fold to numbers at run time.

Adding an op: write its row and add it to IMPORTS at the end of this file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import autodiff
from autodiff import Tensor
from autodiff.ops import ScatterAdd
from autodiff.ops.activations import ELU, SELU_ALPHA, SELU_SCALE, Softplus
from autodiff.ops.join import Pad
from autodiff.ops.special import erf_values

from .. import functional as F
from ..functional.unpool import MaxUnpool2d as MaxUnpool2dOp

Row = Callable[..., Any]


# ------------------------------------------------------------------------------ values
def is_data(x: Any) -> bool:
    """Floating-point data (a Tensor): computed with glassgrad's ops."""
    return isinstance(x, Tensor)


def tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x))


def array(x: Any) -> np.ndarray:
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def ints(x: Any) -> list[int]:
    return [int(v) for v in np.asarray(array(x)).reshape(-1)]


def _axes(ctx, given: Any, ndim: int, attribute: str = "axes") -> list[int] | None:
    """Axes from an input (newer opsets) or an attribute (older), made non-negative."""
    axes = ints(given) if given is not None else ctx.attr(attribute)
    if axes is None:
        return None
    return [a % max(ndim, 1) for a in axes]


# ------------------------------------------------------------------------- elementwise
def binary(tensor_op: Callable[[Any, Any], Any], numpy_op: Callable[[Any, Any], Any]) -> Row:
    def row(ctx, a, b):
        if is_data(a) or is_data(b):
            if not is_data(a):  # a constant first operand: make it a Tensor (no gradient)
                a = tensor(np.asarray(a, dtype=b.dtype))
            return tensor_op(a, b)
        return numpy_op(a, b)

    return row


def _int_divide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype.kind in "iu" and b.dtype.kind in "iu":  # ONNX integer division truncates
        return (np.sign(a) * np.sign(b) * (np.abs(a) // np.abs(b))).astype(np.result_type(a, b))
    return a / b


def unary(tensor_op: Callable[[Tensor], Tensor], numpy_op: Callable | None = None) -> Row:
    def row(ctx, x):
        if is_data(x):
            return tensor_op(x)
        return (numpy_op or (lambda v: tensor_op(Tensor(v)).data))(np.asarray(x))

    return row


def constant_only(numpy_op: Callable[..., Any]) -> Row:
    """Ops without a gradient (comparisons, logic, rounding): computed on the values, numpy in
    and numpy out; a Tensor argument contributes its data (no gradient flows through)."""

    def row(ctx, *args):
        return np.asarray(numpy_op(*[None if a is None else array(a) for a in args]))

    return row


def mod(ctx, a, b):
    """ONNX's Mod: with fmod=1 the dividend's sign (C's fmod), with fmod=0 the divisor's
    (Python's and PyTorch's %). fmod's derivative is 1 in a and -trunc(a / b) in b."""
    fmod = bool(ctx.attr("fmod", 0))
    if not (is_data(a) or is_data(b)):
        return (np.fmod if fmod else np.mod)(array(a), array(b))
    a = a if is_data(a) else tensor(np.asarray(a, dtype=b.dtype))
    b = b if is_data(b) else tensor(np.asarray(b, dtype=a.dtype))
    if not fmod:
        return a % b
    with np.errstate(divide="ignore", invalid="ignore"):  # inf and NaN, as fmod's
        quotient = np.trunc(array(a) / array(b))  # a constant of the graph
    return a - b * quotient


def leaky_relu(ctx, x):
    return autodiff.leaky_relu(tensor(x), float(ctx.attr("alpha", 0.01)))


def softplus(ctx, x):
    """log(1 + exp(x)) at every x (no threshold, and no overflow: see autodiff's Softplus)."""
    return Softplus.apply(tensor(x), beta=1.0, threshold=np.inf)


def _attribute(ctx, name: str, default: float) -> float:
    """A float attribute, stored in float32 by ONNX: the shortest decimal that rounds to it
    (0.3, not 0.30000001192092896), so that a float64 model keeps the value it was given."""
    return float(str(np.float32(ctx.attr(name, default))))


def elu(ctx, x):
    return F.elu(tensor(x), _attribute(ctx, "alpha", 1.0))


def selu(ctx, x):
    alpha, gamma = (
        np.float32(ctx.attr("alpha", SELU_ALPHA)),
        np.float32(ctx.attr("gamma", SELU_SCALE)),
    )
    if alpha == np.float32(SELU_ALPHA) and gamma == np.float32(SELU_SCALE):
        return autodiff.selu(tensor(x))  # PyTorch's constants, in full
    return ELU.apply(
        tensor(x), alpha=_attribute(ctx, "alpha", 1.0), scale=_attribute(ctx, "gamma", 1.0)
    )


def celu(ctx, x):
    return autodiff.celu(tensor(x), _attribute(ctx, "alpha", 1.0))


def hard_sigmoid(ctx, x):
    """max(0, min(1, alpha x + beta)); PyTorch's hardsigmoid when alpha is 1/6 (in float32)
    and beta 1/2."""
    alpha, beta = ctx.attr("alpha", 0.2), ctx.attr("beta", 0.5)
    if np.float32(alpha) == np.float32(1 / 6) and beta == 0.5:
        return F.hardsigmoid(tensor(x))
    return autodiff.clip(tensor(x) * _attribute(ctx, "alpha", 0.2) + float(beta), 0.0, 1.0)


def prelu(ctx, x, slope):
    """x where x > 0, else slope * x; the slope broadcasts as numpy's (ONNX's unidirectional
    broadcasting), a constant or a learned tensor."""
    x = tensor(x)
    slope = slope if is_data(slope) else tensor(np.asarray(slope, dtype=x.dtype))
    return autodiff.where(x.data > 0, x, slope * x)


def variadic(fold: Callable[[Any, Any], Any]) -> Row:
    def row(ctx, *args):
        result = args[0]
        for a in args[1:]:
            result = (
                fold(tensor(result), a)
                if is_data(result) or is_data(a)
                else fold(np.asarray(result), np.asarray(a))
            )
        return result

    return row


def mean_of(ctx, *args):
    return variadic(lambda a, b: a + b)(ctx, *args) / len(args)


def clip(ctx, x, lo=None, hi=None):
    if ctx.opset < 11:
        lo, hi = ctx.attr("min"), ctx.attr("max")
    bounds = [None if v is None else float(array(v)) for v in (lo, hi)]
    if is_data(x):
        return autodiff.clip(x, *bounds)
    return np.clip(x, *bounds)


def where(ctx, condition, a, b):
    condition = array(condition).astype(bool)
    if is_data(a) or is_data(b):
        return autodiff.where(condition, tensor(a) if not is_data(a) else a, b)
    return np.where(condition, a, b)


def cast(ctx, x, like=None):
    import onnx

    to = (
        np.dtype(onnx.helper.tensor_dtype_to_np_dtype(ctx.attr("to")))
        if like is None
        else (array(like).dtype)
    )
    if is_data(x) and to.kind == "f":
        return x if x.dtype == to else x.astype(to)
    out = array(x).astype(to)
    return Tensor(out) if to.kind == "f" else out


# ---------------------------------------------------------------------------- matrices
def matmul(ctx, a, b):
    if is_data(a) or is_data(b):
        return autodiff.matmul(tensor(a), b)
    return np.matmul(a, b)


def gemm(ctx, a, b, c=None):
    """alpha * A' @ B' + beta * C. The common layer form (B transposed, alpha = beta = 1, C a
    bias) is F.linear: one fused node, as glassgrad's own Linear records."""
    alpha, beta = float(ctx.attr("alpha", 1.0)), float(ctx.attr("beta", 1.0))
    trans_a, trans_b = int(ctx.attr("transA", 0)), int(ctx.attr("transB", 0))
    a, b = tensor(a), tensor(b)
    if trans_b and not trans_a and alpha == 1 and beta == 1 and (c is None or array(c).ndim == 1):
        return F.linear(a, b, None if c is None else tensor(c))
    y = (a.T if trans_a else a) @ (b.T if trans_b else b)
    if alpha != 1:
        y = y * alpha
    if c is not None:
        y = y + (tensor(c) * beta if beta != 1 else c)
    return y


# ------------------------------------------------------------------------- conv, pool
def _window_attrs(
    ctx, x: Tensor, kernel: list[int], dilations: list[int] | None = None
) -> tuple[list[int], list[int]]:
    """(strides, pads as [top, left, bottom, right]) with auto_pad resolved. `dilations`, for
    an op that takes them (Conv, MaxPool): auto_pad sees the dilated kernel's extent; for the
    others a dilation is refused."""
    if x.ndim != 4:
        raise ctx.unsupported(
            f"only 2-d windows on (N, C, H, W) inputs are supported, got shape {x.shape}"
        )
    strides = list(ctx.attr("strides", [1, 1]))
    if dilations is None:
        if any(d != 1 for d in ctx.attr("dilations", [1, 1])):
            raise ctx.unsupported(f"dilations {ctx.attr('dilations')} are not supported")
    else:  # the span of a dilated kernel
        kernel = [d * (k - 1) + 1 for d, k in zip(dilations, kernel)]
    auto_pad = ctx.attr("auto_pad", "NOTSET")
    if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        pads_begin, pads_end = [], []
        for size, k, s in zip(x.shape[2:], kernel, strides):
            total = max((-(-size // s) - 1) * s + k - size, 0)
            small, large = total // 2, total - total // 2
            pads_begin.append(small if auto_pad == "SAME_UPPER" else large)
            pads_end.append(large if auto_pad == "SAME_UPPER" else small)
        return strides, pads_begin + pads_end
    if auto_pad == "VALID":
        return strides, [0, 0, 0, 0]
    return strides, list(ctx.attr("pads", [0, 0, 0, 0]))


def _symmetric(x: Tensor, pads: list[int], limit: list[int] | None, value: float):
    """Padding F.conv2d / F.*_pool2d can take (one (h, w) pair), after padding `x` explicitly
    where ONNX's pads are asymmetric (or larger than `limit`)."""
    top, left, bottom, right = pads
    if (
        top == bottom
        and left == right
        and (limit is None or (top <= limit[0] and left <= limit[1]))
    ):
        return x, (top, left)
    return autodiff.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)), value), (0, 0)


def conv(ctx, x, w, b=None):
    x, w = tensor(x), tensor(w)
    if x.ndim == 3:  # a 1-d Conv (torch.onnx's for Conv1d)
        return _conv1d(ctx, x, w, None if b is None else tensor(b))
    kernel = list(ctx.attr("kernel_shape", w.shape[2:]))
    dilations = [int(d) for d in ctx.attr("dilations", [1, 1])]
    strides, pads = _window_attrs(ctx, x, kernel, dilations)
    x, padding = _symmetric(x, pads, None, 0.0)
    bias = None if b is None else tensor(b)
    # ONNX's `group` and `dilations` are F.conv2d's groups and dilation, which it checks
    group = int(ctx.attr("group", 1))
    return F.conv2d(x, w, bias, tuple(strides), padding, tuple(dilations), group)


def _conv1d(ctx, x: Tensor, w: Tensor, b: Tensor | None) -> Tensor:
    """A Conv on (N, C, L): F.conv1d, after padding `x` explicitly where ONNX's pads differ
    at the two ends. auto_pad SAME_* is refused here (named), VALID is no padding."""
    auto_pad = ctx.attr("auto_pad", "NOTSET")
    if auto_pad not in ("NOTSET", "VALID"):
        raise ctx.unsupported(f"auto_pad={auto_pad} on a 1-d Conv is not supported")
    (stride,) = ctx.attr("strides", [1])
    (dilation,) = ctx.attr("dilations", [1])
    begin, end = ctx.attr("pads", [0, 0]) if auto_pad == "NOTSET" else (0, 0)
    if begin != end:
        x, begin = autodiff.pad(x, ((0, 0), (0, 0), (begin, end)), 0.0), 0
    group = int(ctx.attr("group", 1))
    return F.conv1d(x, w, b, int(stride), int(begin), int(dilation), group)


def conv_transpose(ctx, x, w, b=None):
    """ONNX ConvTranspose on (N, C, H, W): F.conv_transpose2d, on (N, C, L) (torch.onnx's for
    ConvTranspose1d): F.conv_transpose1d (ONNX's weight layout is PyTorch's). Pads that differ
    at the two ends: no padding, then the output cropped by them. auto_pad SAME_* and
    output_shape are refused by name."""
    x, w = tensor(x), tensor(w)
    if x.ndim not in (3, 4):
        raise ctx.unsupported(
            f"only 1-d and 2-d ConvTranspose on (N, C, L) or (N, C, H, W) is supported, got "
            f"{x.shape}"
        )
    auto_pad = ctx.attr("auto_pad", "NOTSET")
    if auto_pad not in ("NOTSET", "VALID"):
        raise ctx.unsupported(f"auto_pad={auto_pad} is not supported")
    if ctx.attr("output_shape") is not None:
        raise ctx.unsupported("the output_shape attribute is not supported (give pads)")
    dims = x.ndim - 2
    strides = tuple(int(s) for s in ctx.attr("strides", [1] * dims))
    dilations = tuple(int(d) for d in ctx.attr("dilations", [1] * dims))
    output_padding = tuple(int(p) for p in ctx.attr("output_padding", [0] * dims))
    pads = [int(p) for p in ctx.attr("pads", [0] * 2 * dims)] if auto_pad == "NOTSET" else None
    begins, ends = (pads[:dims], pads[dims:]) if pads else ([0] * dims, [0] * dims)
    bias = None if b is None else tensor(b)
    group = int(ctx.attr("group", 1))
    op = F.conv_transpose2d if dims == 2 else F.conv_transpose1d
    if begins == ends:
        return op(x, w, bias, strides, tuple(begins), output_padding, group, dilations)
    y = op(x, w, bias, strides, 0, output_padding, group, dilations)
    crop = tuple(slice(lo, size - hi) for lo, hi, size in zip(begins, ends, y.shape[2:]))
    return y[(slice(None), slice(None), *crop)]


def _ceil_mode(ctx, pads: list[int], padding: tuple[int, int]) -> bool:
    """ONNX's ceil_mode, F.*_pool2d's (PyTorch's output size and divisor, which onnxruntime's
    are): refused with pads it cannot take as one symmetric pair (padded explicitly, they would
    count as input in the rule on the last window), or with auto_pad SAME_*."""
    if not int(ctx.attr("ceil_mode", 0)):
        return False
    if ctx.attr("auto_pad", "NOTSET") not in ("NOTSET", "VALID") or list(padding) * 2 != pads:
        raise ctx.unsupported(
            f"ceil_mode=1 is supported with symmetric pads of at most half the kernel only, "
            f"got pads {pads}, auto_pad {ctx.attr('auto_pad', 'NOTSET')}"
        )
    return True


def max_pool(ctx, x):
    if int(ctx.attr("storage_order", 0)):
        raise ctx.unsupported("storage_order=1 is not supported")
    if len(ctx.node.outputs) > 1 and ctx.node.outputs[1]:
        raise ctx.unsupported("the Indices output of MaxPool is not supported")
    x = tensor(x)
    kernel = list(ctx.attr("kernel_shape"))
    dilations = [int(d) for d in ctx.attr("dilations", [1, 1])]
    strides, pads = _window_attrs(ctx, x, kernel, dilations)
    x, padding = _symmetric(x, pads, [k // 2 for k in kernel], -np.inf)
    ceil = _ceil_mode(ctx, pads, padding)
    return F.max_pool2d(x, tuple(kernel), tuple(strides), padding, tuple(dilations), ceil)


def max_unpool(ctx, x, indices, output_shape=None):
    """F.max_unpool2d: ONNX's indices, flat over the whole (N, C, H, W) output, made flat in
    each (H, W) plane (PyTorch's); an index outside its own plane has no such form and is
    refused. The output size is `output_shape`, or ONNX's (in - 1) * stride + kernel - pads."""
    x = tensor(x)
    kernel = [int(k) for k in ctx.attr("kernel_shape")]
    if len(kernel) != 2 or x.ndim != 4:
        raise ctx.unsupported(f"MaxUnpool is supported in 2-d only, got input {tuple(x.shape)}")
    strides = [int(s) for s in ctx.attr("strides", [1, 1])]
    pads = [int(p) for p in ctx.attr("pads", [0, 0, 0, 0])]
    if output_shape is not None:
        sizes = ints(output_shape)[2:]
    else:
        sizes = [
            (i - 1) * s + k - a - b
            for i, s, k, a, b in zip(x.shape[2:], strides, kernel, pads[:2], pads[2:])
        ]
    n, c = x.shape[:2]
    plane = sizes[0] * sizes[1]
    offsets = (np.arange(n * c, dtype=np.int64) * plane).reshape(n, c, 1, 1)
    local = array(indices).astype(np.int64) - offsets
    if local.size and (local.min() < 0 or local.max() >= plane):
        raise ctx.unsupported("indices that point outside their own (n, c) plane")
    # The op itself: ONNX's output_shape is not held to PyTorch's bounds (within a stride)
    geometry = {"kernel": tuple(kernel), "stride": tuple(strides), "padding": tuple(pads[:2])}
    return MaxUnpool2dOp.apply(x, indices=local, out_size=tuple(sizes), **geometry)


def average_pool(ctx, x):
    """F.avg_pool2d with ONNX's count_include_pad (whose default, 0, is not PyTorch's): each
    window divided by its real pixels, or by its pixels and padding; ceil_mode likewise."""
    x = tensor(x)
    kernel = list(ctx.attr("kernel_shape"))
    strides, pads = _window_attrs(ctx, x, kernel)
    padded, padding = _symmetric(x, pads, [k // 2 for k in kernel], 0.0)
    include_pad = bool(int(ctx.attr("count_include_pad", 0)))
    ceil = _ceil_mode(ctx, pads, padding)
    if ceil or list(padding) * 2 == pads:  # pads F.avg_pool2d takes
        return F.avg_pool2d(padded, tuple(kernel), tuple(strides), padding, ceil, include_pad)
    y = F.avg_pool2d(padded, tuple(kernel), tuple(strides), padding)
    if include_pad or not any(pads):
        return y
    # pads padded explicitly: the sum, times a constant map of 1 / count
    ones = np.ones((1, 1, *x.shape[2:]), dtype=x.dtype)
    ones, ones_padding = _symmetric(Tensor(ones), pads, [k // 2 for k in kernel], 0.0)
    share = F.avg_pool2d(ones, tuple(kernel), tuple(strides), ones_padding).data  # count / k*k
    return y * (1 / share)


def global_pool(reduce: str) -> Row:
    def row(ctx, x):
        x = tensor(x)
        return getattr(x, reduce)(axis=tuple(range(2, x.ndim)), keepdims=True)

    return row


# ----------------------------------------------------------------------- normalisation
def batch_normalization(ctx, x, scale, bias, mean, var):
    """Running statistics are the model's buffers: in training mode they are updated in place
    (ONNX's momentum m weighs the running value; PyTorch's and glassgrad's is 1 - m)."""
    if len(ctx.node.outputs) > 1 and any(ctx.node.outputs[1:]):
        raise ctx.unsupported("the running-statistics outputs (training_mode=1) are not supported")
    momentum = 1 - float(ctx.attr("momentum", 0.9))
    return F.batch_norm(
        tensor(x),
        mean,
        var,
        tensor(scale),
        tensor(bias),
        training=ctx.training,
        momentum=momentum,
        eps=float(ctx.attr("epsilon", 1e-5)),
    )


def dropout(ctx, x, ratio=None, training_mode=None):
    p = float(ctx.attr("ratio", 0.5)) if ratio is None else float(array(ratio))
    y = F.dropout(tensor(x), p, training=ctx.training)
    return y, np.ones(y.shape, dtype=bool)


# ------------------------------------------------------------------------------ softmax
def softmax(function: Callable[..., Tensor]) -> Row:
    def row(ctx, x):
        x = tensor(x)
        if ctx.opset >= 13:
            return function(x, axis=int(ctx.attr("axis", -1)))
        # Before opset 13: the input is flattened to 2-d at `axis` (default 1).
        axis = int(ctx.attr("axis", 1)) % max(x.ndim, 1)
        flat = x.reshape(int(np.prod(x.shape[:axis])), -1)
        return function(flat, axis=1).reshape(x.shape)

    return row


# --------------------------------------------------------------------------- reductions
def reduce(method: str, numpy_op: Callable[..., Any]) -> Row:
    def row(ctx, x, axes_input=None):
        x_ndim = array(x).ndim
        from_input = ctx.opset >= 18 or (method == "sum" and ctx.opset >= 13)
        axes = _axes(ctx, axes_input if from_input else None, x_ndim)
        if not axes:
            if int(ctx.attr("noop_with_empty_axes", 0)):
                return x
            axes = list(range(x_ndim))
        keep = bool(int(ctx.attr("keepdims", 1)))
        if is_data(x):
            return getattr(x, method)(axis=tuple(axes), keepdims=keep)
        return numpy_op(np.asarray(x), axis=tuple(axes), keepdims=keep)

    return row


def norm(p: float) -> Row:
    """ReduceL2 / ReduceL1: the p-norm over `axes` (all by default)."""

    def row(ctx, x, axes_input=None):
        x_ndim = array(x).ndim
        axes = _axes(ctx, axes_input if ctx.opset >= 18 else None, x_ndim)
        if not axes:
            if int(ctx.attr("noop_with_empty_axes", 0)):
                return x
            axes = list(range(x_ndim))
        keep = bool(int(ctx.attr("keepdims", 1)))
        return autodiff.norm(tensor(x), p, dim=tuple(axes), keepdim=keep)

    return row


def einsum(ctx, *operands):
    return autodiff.einsum(ctx.attr("equation"), *[tensor(o) for o in operands])


def cumsum(ctx, x, axis):
    if int(ctx.attr("exclusive", 0)) or int(ctx.attr("reverse", 0)):
        raise ctx.unsupported("exclusive=1 and reverse=1 are not supported")
    return autodiff.cumsum(tensor(x), int(ints(axis)[0]))


def top_k(ctx, x, k):
    """(values, indices): the k largest (or smallest) along `axis`, sorted (an unsorted TopK
    may come in any order, and sorted is one of them)."""
    axis, largest, count = int(ctx.attr("axis", -1)), bool(ctx.attr("largest", 1)), ints(k)[0]
    if is_data(x):
        values, indices = autodiff.topk(x, count, dim=axis, largest=largest)
        return values, indices.data
    values, indices = autodiff.topk(Tensor(np.asarray(x)), count, dim=axis, largest=largest)
    return values.data, indices.data


def arg_extremum(numpy_op: Callable[..., Any]) -> Row:
    """ArgMax/ArgMin: int64 indices, a plain array (no gradient)."""

    def row(ctx, x):
        if int(ctx.attr("select_last_index", 0)):
            raise ctx.unsupported("select_last_index=1 is not supported")
        keep = bool(int(ctx.attr("keepdims", 1)))
        found = numpy_op(array(x), axis=int(ctx.attr("axis", 0)), keepdims=keep)
        return np.asarray(found, dtype=np.int64)

    return row


# --------------------------------------------------------------------------------- shape
def shape_of(ctx, x):
    shape = np.asarray(array(x).shape, dtype=np.int64)
    start, end = ctx.attr("start", 0), ctx.attr("end")
    return shape[start:end]


def size_of(ctx, x):
    return np.asarray(array(x).size, dtype=np.int64)


def _reshaped(x: Any, shape: tuple[int, ...]) -> Any:
    return x.reshape(shape) if is_data(x) else np.reshape(x, shape)


def reshape(ctx, x, shape):
    target = ints(shape)
    if not int(ctx.attr("allowzero", 0)):  # 0 copies the input's dimension
        target = [array(x).shape[i] if d == 0 else d for i, d in enumerate(target)]
    return _reshaped(x, tuple(target))


def flatten(ctx, x):
    shape = array(x).shape
    axis = int(ctx.attr("axis", 1)) % (len(shape) + 1)
    return _reshaped(x, (int(np.prod(shape[:axis])), int(np.prod(shape[axis:]))))


def squeeze(ctx, x, axes=None):
    shape = array(x).shape
    axes = _axes(ctx, axes if ctx.opset >= 13 else None, len(shape))
    if axes is None:
        axes = [i for i, n in enumerate(shape) if n == 1]
    return _reshaped(x, tuple(n for i, n in enumerate(shape) if i not in axes))


def unsqueeze(ctx, x, axes=None):
    shape = list(array(x).shape)
    rank = len(shape) + len(ints(axes) if ctx.opset >= 13 else ctx.attr("axes"))
    for a in sorted(_axes(ctx, axes if ctx.opset >= 13 else None, rank)):
        shape.insert(a, 1)
    return _reshaped(x, tuple(shape))


def transpose(ctx, x):
    perm = ctx.attr("perm")
    perm = list(range(array(x).ndim))[::-1] if perm is None else list(perm)
    return x.permute(perm) if is_data(x) else np.transpose(x, perm)


def expand(ctx, x, shape):
    target = np.broadcast_shapes(array(x).shape, tuple(ints(shape)))
    return x.broadcast_to(target) if is_data(x) else np.broadcast_to(x, target).copy()


def concat(ctx, *parts):
    axis = int(ctx.attr("axis"))
    if any(is_data(p) for p in parts):
        dtype = next(p.dtype for p in parts if is_data(p))
        return autodiff.concatenate(
            [p if is_data(p) else Tensor(np.asarray(p, dtype)) for p in parts], axis=axis
        )
    return np.concatenate([np.asarray(p) for p in parts], axis=axis)


def split(ctx, x, sizes=None):
    axis = int(ctx.attr("axis", 0)) % array(x).ndim
    length = array(x).shape[axis]
    if sizes is None:
        sizes = ctx.attr("split")
    if sizes is None:
        count = int(ctx.attr("num_outputs", len(ctx.node.outputs)))
        chunk = -(-length // count)
        sizes = [min(chunk, length - i * chunk) for i in range(count)]
    sizes = ints(sizes)
    if is_data(x):
        return tuple(autodiff.split(x, sizes, axis))
    return tuple(np.split(x, np.cumsum(sizes)[:-1], axis=axis))


def slice_(ctx, x, starts=None, ends=None, axes=None, steps=None):
    ndim = array(x).ndim
    if ctx.opset < 10:
        starts, ends, axes = ctx.attr("starts"), ctx.attr("ends"), ctx.attr("axes")
    starts, ends = ints(starts), ints(ends)
    axes = list(range(len(starts))) if axes is None else [a % ndim for a in ints(axes)]
    steps = [1] * len(starts) if steps is None else ints(steps)
    index = [slice(None)] * ndim
    for a, start, end, step in zip(axes, starts, ends, steps):
        index[a] = slice(start, end, step)
    return x[tuple(index)]


def gather(ctx, x, indices):
    axis = int(ctx.attr("axis", 0)) % array(x).ndim
    idx = np.asarray(array(indices)).astype(np.int64)
    lead = (slice(None),) * axis
    return x[lead + ((int(idx),) if idx.ndim == 0 else (idx,))]


def gather_nd(ctx, x, indices):
    if int(ctx.attr("batch_dims", 0)):
        raise ctx.unsupported("batch_dims != 0 is not supported")
    idx = np.asarray(array(indices)).astype(np.int64)
    return x[tuple(idx[..., k] for k in range(idx.shape[-1]))]


def scatter_elements(ctx, data, indices, updates):
    """data with `updates` written (no reduction: autodiff's scatter) or added (reduction
    "add") at the indexed positions of `axis`."""
    reduction = ctx.attr("reduction", "none")
    if reduction not in ("none", "add"):
        raise ctx.unsupported(f"reduction {reduction!r} is not supported (only 'none', 'add')")
    idx = np.asarray(array(indices)).astype(np.int64)
    axis = int(ctx.attr("axis", 0)) % idx.ndim
    if reduction == "none":
        return autodiff.scatter(tensor(data), axis, idx, tensor(updates))
    where = list(np.indices(idx.shape))
    where[axis] = idx
    added = ScatterAdd.apply(tensor(updates), shape=array(data).shape, index=tuple(where))
    base = array(data) if not is_data(data) else data
    return added if not is_data(data) and not np.any(base) else added + data


def pad(ctx, x, pads=None, value=None, axes=None):
    mode = ctx.attr("mode", "constant")
    if mode not in ("constant", "reflect", "edge", "wrap"):
        raise ctx.unsupported(f"pad mode {mode!r} is not supported")
    ndim = array(x).ndim
    pads = ints(pads) if ctx.opset >= 11 else list(ctx.attr("pads"))
    fill = float(array(value)) if value is not None else float(ctx.attr("value", 0.0))
    axes = list(range(ndim)) if axes is None else [a % ndim for a in ints(axes)]
    widths = [(0, 0)] * ndim
    for i, a in enumerate(axes):
        widths[a] = (pads[i], pads[i + len(axes)])
    if mode != "constant" and any(w < 0 for pair in widths for w in pair):
        raise ctx.unsupported(f"negative pads {pads} are supported in mode 'constant' only")
    # autodiff's Pad crops for negative widths, as ONNX's constant Pad; on plain arrays too
    return Pad.call(tensor(x) if is_data(x) else x, pad_width=widths, value=fill, mode=mode)


def constant(ctx):
    for key in ("value", "value_float", "value_int", "value_floats", "value_ints"):
        if key in ctx.node.attributes:
            value = ctx.attr(key)
            dtype = np.float32 if "float" in key else np.int64 if "int" in key else None
            value = np.asarray(value, dtype=dtype)
            return Tensor(value) if value.dtype.kind == "f" else value
    raise ctx.unsupported("only tensor, float and int constants are supported")


def constant_of_shape(ctx, shape):
    value = ctx.attr("value")
    fill = np.zeros(1, dtype=np.float32) if value is None else np.asarray(value)
    out = np.full(ints(shape), fill.reshape(-1)[0], dtype=fill.dtype)
    return Tensor(out) if out.dtype.kind == "f" else out


def range_(ctx, start, limit, delta):
    out = np.arange(array(start), array(limit), array(delta))
    return Tensor(out) if out.dtype.kind == "f" else out


# ------------------------------------------------------------------------------- losses
def softmax_cross_entropy(ctx, scores, labels, weights=None):
    if weights is not None or ctx.attr("ignore_index") is not None:
        raise ctx.unsupported("class weights and ignore_index are not supported")
    reduction = ctx.attr("reduction", "mean")
    loss = F.cross_entropy(tensor(scores), array(labels), reduction=reduction)
    if len(ctx.node.outputs) > 1 and ctx.node.outputs[1]:
        return loss, autodiff.log_softmax(tensor(scores), axis=1)
    return loss


def negative_log_likelihood(ctx, log_p, labels, weights=None):
    if weights is not None or ctx.attr("ignore_index") is not None:
        raise ctx.unsupported("class weights and ignore_index are not supported")
    return F.nll_loss(tensor(log_p), array(labels), reduction=ctx.attr("reduction", "mean"))


# Resize attributes -> F.interpolate's mode and align_corners (PyTorch's coordinates)
_RESIZE_MODES = {
    ("nearest", "asymmetric", "floor"): ("nearest", None),
    ("linear", "half_pixel", None): ("bilinear", False),
    ("linear", "pytorch_half_pixel", None): ("bilinear", False),
    ("linear", "align_corners", None): ("bilinear", True),
}


def resize(ctx, x, roi=None, scales=None, sizes=None):
    """Resize of 4-d input over its last two dims as F.interpolate: nearest with asymmetric
    coordinates and floor (PyTorch's 'nearest'), linear with half_pixel (PyTorch's bilinear;
    pytorch_half_pixel too: they differ only for an output of size 1, where onnxruntime's
    pytorch_half_pixel reads the first pixel and PyTorch's kernel the middle) or align_corners.
    Other modes and coordinate transformations raise."""
    mode = ctx.attr("mode", "nearest")
    transform = ctx.attr("coordinate_transformation_mode", "half_pixel")
    nearest = ctx.attr("nearest_mode", "round_prefer_floor") if mode == "nearest" else None
    found = _RESIZE_MODES.get((mode, transform, nearest))
    if found is None:
        raise ctx.unsupported(
            f"mode={mode!r}, coordinate_transformation_mode={transform!r}"
            + (f", nearest_mode={nearest!r}" if nearest else "")
            + " has no F.interpolate counterpart (nearest/asymmetric/floor, linear/half_pixel "
            "or linear/align_corners are imported)"
        )
    if ctx.attr("antialias", 0) or ctx.attr("axes") is not None:
        raise ctx.unsupported("antialias and axes are not imported")
    x = tensor(x)
    if x.ndim != 4:
        raise ctx.unsupported(f"only 4-d input is imported, got shape {tuple(x.shape)}")
    interpolate_mode, align_corners = found
    if sizes is not None and array(sizes).size:
        wanted = ints(sizes)
        if list(wanted[:2]) != list(x.shape[:2]):
            raise ctx.unsupported(f"sizes {wanted} resize the batch or channel dim")
        return F.interpolate(
            x, size=tuple(wanted[2:]), mode=interpolate_mode, align_corners=align_corners
        )
    factors = [float(f) for f in array(scales).ravel()] if scales is not None else []
    if len(factors) != 4 or factors[:2] != [1.0, 1.0]:
        raise ctx.unsupported(f"scales {factors} must be 4, 1 on the batch and channel dims")
    return F.interpolate(
        x, scale_factor=tuple(factors[2:]), mode=interpolate_mode, align_corners=align_corners
    )


# ---------------------------------------------------------------------------- the table
IMPORTS: dict[str, Row] = {
    # arithmetic with numpy broadcasting
    "Add": binary(lambda a, b: a + b, np.add),
    "Sub": binary(lambda a, b: a - b, np.subtract),
    "Mul": binary(lambda a, b: a * b, np.multiply),
    "Div": binary(lambda a, b: a / b, _int_divide),
    "Pow": binary(lambda a, b: a**b, np.power),
    "Mod": mod,
    "Max": variadic(lambda a, b: autodiff.maximum(a, b) if is_data(a) else np.maximum(a, b)),
    "Min": variadic(lambda a, b: autodiff.minimum(a, b) if is_data(a) else np.minimum(a, b)),
    "Sum": variadic(lambda a, b: a + b),
    "Mean": mean_of,
    "Where": where,
    "Clip": clip,
    "Cast": cast,
    "CastLike": cast,
    # unary functions and activations
    "Neg": unary(lambda x: -x, np.negative),
    "Abs": unary(autodiff.abs, np.abs),
    "Exp": unary(autodiff.exp),
    "Erf": unary(autodiff.erf, erf_values),
    "Log": unary(autodiff.log),
    "Sqrt": unary(autodiff.sqrt),
    "Reciprocal": unary(lambda x: 1 / x),
    "Sin": unary(autodiff.sin),
    "Cos": unary(autodiff.cos),
    "Tanh": unary(autodiff.tanh),
    "Tan": unary(autodiff.tan),
    "Sinh": unary(autodiff.sinh),
    "Cosh": unary(autodiff.cosh),
    "Acos": unary(autodiff.acos),
    "Sigmoid": unary(autodiff.sigmoid),
    "Relu": unary(autodiff.relu),
    "LeakyRelu": leaky_relu,
    "Softplus": softplus,
    "Elu": elu,
    "Selu": selu,
    "Celu": celu,
    "HardSigmoid": hard_sigmoid,
    "HardSwish": unary(F.hardswish),
    "Mish": unary(F.mish),
    "Softsign": unary(F.softsign),
    "PRelu": prelu,
    "Identity": lambda ctx, x: x,
    # no gradient: comparisons, logic, rounding
    "Greater": constant_only(np.greater),
    "GreaterOrEqual": constant_only(np.greater_equal),
    "Less": constant_only(np.less),
    "LessOrEqual": constant_only(np.less_equal),
    "Equal": constant_only(np.equal),
    "Not": constant_only(np.logical_not),
    "And": constant_only(np.logical_and),
    "Or": constant_only(np.logical_or),
    "Xor": constant_only(np.logical_xor),
    "Floor": constant_only(np.floor),
    "Ceil": constant_only(np.ceil),
    "Sign": constant_only(np.sign),
    "Round": constant_only(np.rint),  # halves to even, as ONNX's Round
    # linear algebra, convolution, pooling, normalisation
    "MatMul": matmul,
    "Gemm": gemm,
    "Conv": conv,
    "ConvTranspose": conv_transpose,
    "MaxPool": max_pool,
    "MaxUnpool": max_unpool,
    "AveragePool": average_pool,
    "GlobalAveragePool": global_pool("mean"),
    "GlobalMaxPool": global_pool("amax"),
    "BatchNormalization": batch_normalization,
    "Dropout": dropout,
    "Softmax": softmax(autodiff.softmax),
    "LogSoftmax": softmax(autodiff.log_softmax),
    # reductions
    "ReduceSum": reduce("sum", np.sum),
    "ReduceMean": reduce("mean", np.mean),
    "ReduceMax": reduce("amax", np.max),
    "ReduceMin": reduce("amin", np.min),
    "ReduceProd": reduce("prod", np.prod),
    "ReduceL2": norm(2),
    "ReduceL1": norm(1),
    "Einsum": einsum,
    "CumSum": cumsum,
    "TopK": top_k,
    "ArgMax": arg_extremum(np.argmax),
    "ArgMin": arg_extremum(np.argmin),
    "ReduceLogSumExp": reduce(
        "logsumexp",
        lambda x, axis, keepdims: np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims)),
    ),
    # shapes, indexing, joining
    "Shape": shape_of,
    "Size": size_of,
    "Reshape": reshape,
    "Flatten": flatten,
    "Squeeze": squeeze,
    "Unsqueeze": unsqueeze,
    "Transpose": transpose,
    "Expand": expand,
    "Concat": concat,
    "Split": split,
    "Slice": slice_,
    "Gather": gather,
    "GatherND": gather_nd,
    "ScatterElements": scatter_elements,
    "Pad": pad,
    "Resize": resize,
    "Constant": constant,
    "ConstantOfShape": constant_of_shape,
    "Range": range_,
    # losses
    "SoftmaxCrossEntropyLoss": softmax_cross_entropy,
    "NegativeLogLikelihoodLoss": negative_log_likelihood,
}
