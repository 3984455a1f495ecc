"""Every forward op of autodiff.ops and nn.functional, exported one by one: the ONNX model is
valid, onnxruntime computes glassgrad's output (float32, within 1e-5), and from_onnx gives the
same output and the same input gradients back.

The case table has one row per op class; a test fails when an op of the engine has no export
row or no case here, so a new op cannot silently lack an ONNX mapping.
"""

from __future__ import annotations

import numpy as np
import pytest
from export_support import assert_same_grads, need, run_onnxruntime, value_and_grads

import autodiff
import nn.functional as F
from autodiff import Function
from autodiff.ops import ScatterAdd
from autodiff.ops.linalg import gemm

onnx = need("onnx", "onnx")
need("onnxruntime", "onnx")

from nn.export import from_onnx, to_onnx  # noqa: E402
from nn.export.onnx_out_table import EXPORTS  # noqa: E402

rng = np.random.default_rng(0)


def data(*shape: int, low: float | None = None) -> np.ndarray:
    x = rng.standard_normal(shape).astype(np.float32)
    return np.abs(x) + low if low is not None else x


MASK = rng.random((3, 4)) > 0.5
LABELS = np.array([0, 2, 1, 2])
PROBS = np.random.default_rng(7).dirichlet(np.ones(3), 4).astype(np.float32) * 2  # rows of mass 2

UNPOOL_INDICES = np.random.default_rng(3).integers(0, 7, (2, 3, 2, 3))  # into 3x5 planes

# op class name -> [(function of the inputs, example inputs), ...]
CASES: dict[str, list[tuple]] = {
    "Add": [(lambda a, b: a + b, (data(3, 4), data(4)))],
    "Sub": [(lambda a, b: 2 - a - b, (data(2, 1, 4), data(3, 1)))],
    "Mul": [(lambda a, b: a * b * 0.5, (data(3, 4), data(3, 1)))],
    "Div": [
        (lambda a, b: a / b, (data(3, 4), data(4, low=0.5))),
        (lambda a: 1 / a, (data(5, low=1),)),
    ],
    "Pow": [(lambda a: a**2, (data(3, 4),)), (lambda a, b: a**b, (data(3, low=0.5), data(3)))],
    "Maximum": [(lambda a, b: autodiff.maximum(a, b), (data(3, 4), data(4)))],
    "Minimum": [(lambda a, b: autodiff.minimum(a, b), (data(3, 4), data(3, 4)))],
    "Where": [(lambda a, b: autodiff.where(MASK, a, b), (data(3, 4), data(4)))],
    "Neg": [(lambda a: -a, (data(3, 4),))],
    "Abs": [(lambda a: a.abs(), (data(3, 4),))],
    "Sign": [(lambda a: a.sign() * a, (data(3, 4),))],  # sign's gradient is zero
    "Remainder": [(lambda a, b: a % b, (data(3, 4) * 4, data(4, low=0.5)))],
    "FloorDivide": [(lambda a, b: a // b, (data(3, 4) * 4, data(4, low=0.5)))],
    "Exp": [
        (lambda a: a.exp(), (data(3, 4),)),
        (  # a recorded gradient: exp's backward reads its saved output through a second Tensor
            lambda a: autodiff.gradients((a.exp() ** 2).sum(), a, create_graph=True)[0],
            (data(3, 4),),
        ),
    ],
    "Log": [(lambda a: a.log(), (data(3, 4, low=0.1),))],
    "Expm1": [(lambda a: a.expm1(), (data(3, 4),))],
    "Erf": [(lambda a: a.erf(), (data(3, 4),)), (lambda a: F.gelu(a), (data(3, 4),))],
    "Log1p": [(lambda a: a.log1p(), (data(3, 4, low=0.1),))],
    "Sqrt": [(lambda a: a.sqrt(), (data(3, 4, low=0.1),))],
    "Sin": [(lambda a: a.sin(), (data(3, 4),))],
    "Cos": [(lambda a: a.cos(), (data(3, 4),))],
    "Tanh": [(lambda a: a.tanh(), (data(3, 4),))],
    "Tan": [(lambda a: a.tan(), (data(3, 4) * 0.5,))],
    "Sigmoid": [(lambda a: a.sigmoid(), (data(3, 4) * 10,))],
    "ReLU": [(lambda a: F.relu(a), (data(3, 4),))],
    "LeakyReLU": [(lambda a: F.leaky_relu(a, 0.2), (data(3, 4),))],
    "Clip": [(lambda a: a.clip(-0.5, 0.5), (data(3, 4),)), (lambda a: a.clip(min=0.1), (data(6),))],
    "Cast": [(lambda a: a.astype(np.float64) * 2, (data(3, 4),))],
    "MatMul": [
        (lambda a, b: a @ b, (data(3, 4), data(4, 2))),
        (lambda a, b: a @ b, (data(2, 3, 4), data(4))),
    ],
    "Gemm": [
        (lambda a, b: gemm(a, b, True, False), (data(4, 3), data(4, 2))),
        (lambda a, b: gemm(a, b, False, True), (data(3, 4), data(2, 4))),
    ],
    "Einsum": [
        (lambda a, b: autodiff.einsum("ij,jk->ik", a, b), (data(3, 4), data(4, 2))),
        (lambda a, b: autodiff.einsum("bij,bj->bi", a, b), (data(2, 3, 4), data(2, 4))),
        (lambda a: autodiff.einsum("ii->i", a), (data(3, 3),)),
        (lambda a, b: autodiff.einsum("i,j", a, b), (data(3), data(2))),
    ],
    "Cumsum": [(lambda a: a.cumsum(1), (data(3, 4),)), (lambda a: a.cumsum(dim=0), (data(3),))],
    "VectorNorm": [
        (lambda a: a.norm(), (data(3, 4),)),
        (lambda a: a.norm(dim=1, keepdim=True), (data(3, 4),)),
        (lambda a: a.norm(1, dim=0), (data(3, 4),)),
        (lambda a: a.norm(float("inf"), dim=1), (data(3, 4),)),
        (lambda a: a.norm(float("-inf"), dim=(0, 1)), (data(3, 4),)),
        (lambda a: a.norm(3, dim=1) + a.norm(0.5, dim=1), (data(3, 4),)),
        (lambda a: a.norm(0, dim=1) * a.sum(1), (data(3, 4),)),
    ],
    "Sum": [(lambda a: a.sum(axis=1), (data(3, 4),)), (lambda a: a.sum(), (data(3, 4),))],
    "Mean": [(lambda a: a.mean(axis=(0, 2), keepdims=True), (data(2, 3, 4),))],
    "Max": [(lambda a: np.max(a, axis=-1), (data(3, 4),)), (lambda a: a.max(), (data(3, 4),))],
    "Min": [(lambda a: np.min(a, axis=0, keepdims=True), (data(3, 4),))],
    "AMax": [(lambda a: a.amax(dim=(0, 2)), (data(2, 3, 4),))],
    "AMin": [(lambda a: a.amin(dim=1, keepdim=True), (data(3, 4),))],
    "MaxDim": [(lambda a: a.max(dim=1).values, (data(3, 4),))],
    "MinDim": [(lambda a: a.min(0, keepdim=True).values * 2, (data(3, 4),))],
    "Sort": [
        (lambda a: a.sort(dim=1, descending=True).values, (data(3, 4),)),
        (lambda a: a.sort(0).values, (data(3, 4),)),
    ],
    "TopK": [
        (lambda a: a.topk(2, dim=1).values, (data(3, 4),)),
        (lambda a: a.topk(1, dim=0, largest=False).values, (data(3, 4),)),
    ],
    "Prod": [(lambda a: a.prod(axis=1), (data(3, 4),))],
    "LogSumExp": [(lambda a: a.logsumexp(axis=1), (data(3, 4) * 5,))],
    "Var": [(lambda a: a.var(axis=1, ddof=1), (data(3, 4),)), (lambda a: a.var(), (data(3, 4),))],
    "Softmax": [(lambda a: F.softmax(a, dim=1), (data(3, 4),))],
    "LogSoftmax": [(lambda a: F.log_softmax(a, dim=-1), (data(3, 4),))],
    "Reshape": [(lambda a: a.reshape(4, 3), (data(3, 4),)), (lambda a: a.flatten(), (data(2, 3),))],
    "ReshapeCopy": [
        (lambda a: a.T.reshape(-1), (data(3, 4),)),
        (lambda a: a.transpose(1, 2).flatten(1), (data(2, 3, 4),)),
    ],
    "Contiguous": [(lambda a: a.T.contiguous() * 2, (data(3, 4),))],
    "Permute": [(lambda a: a.permute(2, 0, 1), (data(2, 3, 4),)), (lambda a: a.T, (data(3, 4),))],
    "Expand": [(lambda a: a.broadcast_to((3, 2, 4)), (data(2, 1),))],
    "GetItem": [
        (lambda a: a[1:, ::2], (data(3, 4),)),
        (lambda a: a[0, None, ..., -1], (data(3, 4, 5),)),
        (lambda a: a[::-1, -3:-1], (data(3, 4),)),
    ],
    "GetItemCopy": [
        (lambda a: a[np.array([0, 2, 2])], (data(3, 4),)),
        (lambda a: a[:, [3, 1]], (data(3, 4),)),
        (lambda a: a[[0, 1, 2], [1, 2, 2]], (data(3, 4),)),
        (lambda a: a[:, [0, 1], [2, 0]], (data(2, 3, 4),)),
        (lambda a: a[MASK], (data(3, 4),)),
    ],
    "ScatterAdd": [
        (lambda g: ScatterAdd.apply(g, shape=(4, 2), index=(np.array([0, 3, 3]),)), (data(3, 2),))
    ],
    "Scatter": [
        (
            lambda a, b: a.scatter(1, autodiff.tensor([[3, 0], [1, 2], [0, 1]]), b),
            (data(3, 4), data(3, 2)),
        ),
        (  # a src larger than the index: its top-left corner is written
            lambda a, b: a.scatter(0, autodiff.tensor([[2, 0, 1, 0]]), b),
            (data(3, 4), data(2, 5)),
        ),
    ],
    "Concatenate": [(lambda a, b: autodiff.cat([a, b, a], axis=1), (data(2, 3), data(2, 1)))],
    "Stack": [(lambda a, b: autodiff.stack([a, b], axis=-1), (data(2, 3), data(2, 3)))],
    "Pad": [
        (lambda a: a.pad(((1, 0), (2, 1)), value=0.5), (data(2, 3),)),
        (lambda a: F.pad(a, (2, 1, 0, 2), mode="reflect"), (data(2, 3, 4),)),
        (lambda a: F.pad(a, (1, 3), mode="replicate"), (data(2, 3, 4),)),
        (lambda a: F.pad(a, (0, 3, 2, 1), mode="circular"), (data(1, 3, 4),)),
        (lambda a: F.pad(a, (-1, 2, 1, -2)), (data(2, 3, 4),)),
    ],
    "Linear": [
        (lambda x, w, b: F.linear(x, w, b), (data(5, 3), data(4, 3), data(4))),
        (lambda x, w: F.linear(x, w), (data(2, 5, 3), data(4, 3))),
    ],
    "Conv2d": [
        (
            lambda x, w, b: F.conv2d(x, w, b, padding=1),
            (data(2, 3, 6, 6), data(4, 3, 3, 3), data(4)),
        ),
        (lambda x, w: F.conv2d(x, w, stride=2), (data(1, 2, 7, 7), data(3, 2, 3, 2))),
        (  # grouped: ONNX's group attribute
            lambda x, w, b: F.conv2d(x, w, b, padding=1, groups=2),
            (data(2, 4, 5, 5), data(6, 2, 3, 3), data(6)),
        ),
        (lambda x, w: F.conv2d(x, w, stride=2, groups=3), (data(1, 3, 7, 6), data(3, 1, 2, 2))),
        (  # dilated: ONNX's dilations attribute
            lambda x, w, b: F.conv2d(x, w, b, 2, 1, (2, 3)),
            (data(2, 3, 9, 10), data(4, 3, 3, 2), data(4)),
        ),
        (lambda x, w: F.conv2d(x, w, None, 1, 2, 2, 2), (data(1, 4, 6, 6), data(4, 2, 3, 3))),
        (  # conv1d: Reshape, Conv, Reshape
            lambda x, w, b: F.conv1d(x, w, b, 2, 1, 2),
            (data(2, 3, 11), data(4, 3, 3), data(4)),
        ),
        (lambda x, w: F.conv1d(x, w, padding="same", groups=2), (data(1, 4, 7), data(2, 2, 3))),
    ],
    "ConvTranspose2d": [
        (
            lambda x, w, b: F.conv_transpose2d(x, w, b, 2, 1, 1),
            (data(2, 3, 4, 5), data(3, 4, 3, 3), data(4)),
        ),
        (  # group, dilations, uneven strides/pads/output_padding
            lambda x, w: F.conv_transpose2d(x, w, None, (2, 3), (0, 1), (1, 0), 2, (2, 1)),
            (data(1, 4, 3, 4), data(4, 3, 2, 3)),
        ),
        (  # conv_transpose1d: Reshape, ConvTranspose, Reshape
            lambda x, w, b: F.conv_transpose1d(x, w, b, 3, 1, 2, 2, 2),
            (data(2, 4, 6), data(4, 3, 3), data(6)),
        ),
    ],
    "MaxPool2d": [
        (lambda x: F.max_pool2d(x, 3, 2, padding=1), (data(2, 3, 7, 7),)),
        (lambda x: F.max_pool2d(x, (3, 2), 1, 1, (2, 3)), (data(2, 3, 9, 8),)),  # dilations
        # ceil_mode: the last windows overhang (Pad with -inf, MaxPool)
        (lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True), (data(2, 3, 8, 6),)),
        (lambda x: F.max_pool1d(x, 3, 2, ceil_mode=True), (data(2, 3, 10),)),  # Reshapes
        (lambda x: F.adaptive_max_pool2d(x, (2, 3)), (data(2, 3, 5, 7),)),  # cells
    ],
    "MaxUnpool2d": [
        (  # per-plane indices made flat over NCHW by the row (a repeat: the last value stays)
            lambda x: F.max_unpool2d(x, autodiff.tensor(UNPOOL_INDICES), 3, 2, 1),
            (data(2, 3, 2, 3),),
        ),
        (  # output_size, one signal (C, L), and the 1-d op (Reshapes around it)
            lambda x: F.max_unpool1d(
                x, autodiff.tensor(UNPOOL_INDICES[0, :, 0]), 2, output_size=[7]
            ),
            (data(3, 3),),
        ),
    ],
    "AvgPool2d": [
        (lambda x: F.avg_pool2d(x, (2, 3), 1, padding=1), (data(2, 3, 5, 6),)),
        # ceil_mode, count_include_pad=False, divisor_override: the pool times a constant
        (lambda x: F.avg_pool2d(x, 3, 2, 1, True, False), (data(2, 3, 8, 6),)),
        (lambda x: F.avg_pool2d(x, 2, 2, 1, True, True, 3), (data(2, 3, 5, 6),)),
        (lambda x: F.avg_pool1d(x, 3, 2, 1, True, False), (data(2, 3, 10),)),
    ],
    "BatchNormEval": [
        (
            lambda x, w, b: F.batch_norm(
                x, np.full(3, 0.2, np.float32), np.full(3, 1.5, np.float32), w, b
            ),
            (data(4, 3, 2, 2), data(3), data(3)),
        ),
        (
            lambda x: F.batch_norm(x, np.zeros(3, np.float32), np.full(3, 2.0, np.float32)),
            (data(5, 3),),
        ),
    ],
    "BatchNorm": [
        (
            lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
            (data(4, 3, 5), data(3), data(3)),
        )
    ],
    "Dropout": [(lambda x: F.dropout(x, 0.25, training=True), (data(3, 4),))],
    "Step": [(lambda x: F.step(x) * x, (data(3, 4),))],
    "ZeroWhere": [  # relu's backward, recorded (create_graph). Its mask is baked in: the first
        (  # and last rows have the same signs, so the twin batch (rows reversed) has the same
            lambda x: autodiff.gradients((autodiff.relu(x) ** 2).sum(), x, create_graph=True)[0],
            (np.array([[1.5, -2, 0.5, -1], [-1, 2, 3, -0.5], [2, -1, 0.25, -3]], np.float32),),
        )
    ],
    "ConstantFactor": [  # abs's backward, recorded (create_graph); positive inputs, so that
        (  # the factor, sign(x), is the same for the twin batch (the export bakes it in)
            lambda x: autodiff.gradients((x.abs() * x).sum(), x, create_graph=True)[0],
            (data(3, 4, low=0.5),),
        )
    ],
    "CrossEntropyGrad": [
        (
            lambda x: autodiff.gradients(F.cross_entropy(x, LABELS), x, create_graph=True)[0],
            (data(4, 3),),
        ),
        (  # probability targets (a constant here: a target requiring grad takes the
            # array formula)
            lambda x: autodiff.gradients(
                F.cross_entropy(x, PROBS, reduction="sum"), x, create_graph=True
            )[0],
            (data(4, 3),),
        ),
    ],
    "CrossEntropy": [
        (lambda x, t: F.cross_entropy(x, t), (data(4, 3), LABELS)),
        (
            lambda x, t: F.cross_entropy(x, t, reduction="none"),
            (data(4, 3), F.softmax(autodiff.tensor(data(4, 3)), 1).data),
        ),
    ],
    "BinaryCrossEntropy": [
        (
            lambda p, t: F.binary_cross_entropy(p.sigmoid(), t, reduction="sum"),
            (data(3, 4), rng.random((3, 4)).astype(np.float32)),
        )
    ],
    "BinaryCrossEntropyWithLogits": [
        (
            lambda x, t: F.binary_cross_entropy_with_logits(x, t),
            (data(3, 4) * 5, rng.random((3, 4)).astype(np.float32)),
        )
    ],
    # last: the cases above draw their data from one generator, in this order
    "StdOfVar": [(lambda a: a.std(axis=1), (data(3, 4),)), (lambda a: a.std(), (data(3, 4),))],
    # added after StdOfVar, for the same reason: the earlier cases keep their data
    "ClipByTensors": [
        (lambda a, lo, hi: a.clip(lo, hi), (data(3, 4), data(4), data(3, 1) + 0.5)),
        (lambda a, lo: a.clamp(min=lo), (data(6), data(6))),
    ],
    # rounding (cases add x, so that a gradient flows: theirs is zero), more math, diagonals
    "Floor": [(lambda a: a + (a * 3).floor(), (data(3, 4),))],
    "Ceil": [(lambda a: a + (a * 3).ceil(), (data(3, 4),))],
    "Trunc": [(lambda a: a + (a * 3).trunc(), (data(3, 4),))],
    "Round": [
        (lambda a: a + (a * 3).round(), (data(3, 4),)),
        (lambda a: a + a.round(decimals=1), (data(3, 4),)),
    ],
    "Fmod": [(lambda a, b: autodiff.fmod(a, -b), (data(3, 4) * 4, data(3, 1, low=0.5)))],
    "Sinh": [(lambda a: a.sinh(), (data(3, 4),))],
    "Cosh": [(lambda a: a.cosh(), (data(3, 4),))],
    "Acos": [(lambda a: (a * 0.3).acos(), (data(3, 4),))],
    "Log2": [(lambda a: a.log2(), (data(3, 4, low=0.5),))],
    "Log10": [(lambda a: a.log10(), (data(3, 4, low=0.5),))],
    "Atan2": [(lambda a, b: autodiff.atan2(a, b), (data(3, 4), data(4)))],
    "Hypot": [(lambda a, b: autodiff.hypot(a, b), (data(3, 4), data(3, 1)))],
    "Diagonal": [
        (lambda a: a.diagonal(), (data(3, 4),)),
        (lambda a: a.diagonal(offset=-1, dim1=2, dim2=0) * 2, (data(4, 2, 3),)),
    ],
    "Cumprod": [(lambda a: a.cumprod(1), (data(3, 4),)), (lambda a: a.cumprod(0), (data(4),))],
    # PyTorch's further activations (inputs spread over the kinks and thresholds)
    "Softplus": [
        (lambda a: F.softplus(a), (data(3, 4) * 8,)),
        (lambda a: F.softplus(a, 2.0, 5.0), (data(3, 4) * 4,)),
        (lambda a: F.logsigmoid(a) + F.mish(a), (data(3, 4) * 4,)),  # no threshold
    ],
    "ELU": [
        (lambda a: F.elu(a, 0.5), (data(3, 4),)),
        (lambda a: F.selu(a), (data(3, 4),)),
        (lambda a: F.celu(a, 2.0), (data(3, 4),)),
    ],
    "Hardtanh": [(lambda a: F.hardtanh(a, -0.5, 1.5), (data(3, 4),)), (F.relu6, (data(3, 4) * 5,))],
    "Hardsigmoid": [(lambda a: F.hardsigmoid(a), (data(3, 4) * 4,))],
    "Hardswish": [(lambda a: F.hardswish(a), (data(3, 4) * 4,))],
}


def _function_classes() -> set[str]:
    def subclasses(cls: type) -> list[type]:
        return [s for c in cls.__subclasses__() for s in (c, *subclasses(c))]

    return {
        c.__name__
        for c in subclasses(Function)
        if c.__module__.split(".")[0] in ("autodiff", "nn")
        and not c.__name__.startswith("_")
        and c is not autodiff.autograd.Function  # the base of PyTorch-style custom ops
    }


def test_every_op_of_the_engine_has_an_export_row_and_a_case():
    ops = _function_classes()
    assert not ops - set(EXPORTS), (
        f"ops without an ONNX export row (add them to nn/export/onnx_out_table.py): "
        f"{sorted(ops - set(EXPORTS))}"
    )
    assert not ops - set(CASES), f"ops without a case in this file: {sorted(ops - set(CASES))}"


# ops without a derivative (a backward through them raises, as PyTorch's): forward only
NO_DERIVATIVE = {"FloorDivide"}

CASE_LIST = [
    (op, i, fn, inputs) for op, cases in CASES.items() for i, (fn, inputs) in enumerate(cases)
]


@pytest.mark.filterwarnings("ignore:to_onnx.*training mode")
@pytest.mark.parametrize(
    ("op", "i", "fn", "inputs"), CASE_LIST, ids=[f"{c[0]}-{c[1]}" for c in CASE_LIST]
)
def test_op_exports_runs_in_onnxruntime_and_comes_back(op, i, fn, inputs):
    recorded = fn(*[autodiff.tensor(a, requires_grad=a.dtype.kind == "f") for a in inputs])
    names = {type(n).__name__ for n in autodiff.graph.walk(recorded).functions}
    assert op in names, f"the case for {op} does not record it (recorded {sorted(names)})"

    model = to_onnx(fn, inputs, None, dynamic_batch=False)
    onnx.checker.check_model(model, full_check=True)
    if op in NO_DERIVATIVE:
        (theirs,) = run_onnxruntime(model, *inputs)
        np.testing.assert_allclose(theirs, recorded.data, rtol=1e-5, atol=1e-5)
        back = from_onnx(model)(*[autodiff.tensor(a) for a in inputs])
        np.testing.assert_allclose(back.data, recorded.data, rtol=1e-6, atol=1e-6)
        return
    (ours,), _, _ = value_and_grads(fn, inputs, {})
    (theirs,) = run_onnxruntime(model, *inputs)
    expected = inputs[0] if op == "Dropout" else ours  # exported graphs run in inference mode
    assert theirs.dtype == expected.dtype and theirs.shape == expected.shape
    np.testing.assert_allclose(theirs, expected, rtol=1e-5, atol=1e-5)

    imported = from_onnx(model)
    if op == "Dropout":
        (back,), _, _ = value_and_grads(imported, inputs, {})
        np.testing.assert_array_equal(back, inputs[0])
        return
    (out_a,), grads_a, _ = value_and_grads(fn, inputs, {})
    (out_b,), grads_b, _ = value_and_grads(imported, inputs, {})
    np.testing.assert_allclose(out_b, out_a, rtol=1e-6, atol=1e-6)
    for k, (ga, gb) in enumerate(zip(grads_a, grads_b)):
        assert_same_grads(ga, gb, atol=1e-5, what=f"gradient of input {k}")


@pytest.mark.parametrize(
    "fn",
    [
        lambda a: a.argmax(1),
        lambda a: a.max(dim=1).indices,
        lambda a: a.topk(2).indices,
        lambda a: a * a.sort(dim=1).indices,
    ],
    ids=["argmax", "max-indices", "topk-indices", "sort-indices-used"],
)
def test_indices_are_not_recorded_and_refused_clearly(fn):
    """Indices carry no gradient and are computed outside the graph: exporting one would bake
    in the example's values, so to_onnx refuses (their values export: the cases above)."""
    from nn.export import ExportError

    # rows whose maxima sit at different places: the twin run (rows reversed) sees other indices
    x = (np.eye(3, 4) * 4 + data(3, 4) * 0.1).astype(np.float32)
    with pytest.raises(ExportError, match="not in the recorded graph but depends on the inputs"):
        to_onnx(fn, (x,), None, dynamic_batch=False)


def test_unpooling_at_max_pools_indices_is_refused_clearly():
    """SegNet's max_unpool2d at max_pool2d's indices: the indices are computed outside the
    graph (no gradient), so the MaxUnpool row would bake in the example's; refused by name.
    (Constant indices export: the MaxUnpool2d cases above.)"""
    from nn.export import ExportError

    def segnet(a):
        values, indices = F.max_pool2d(a.reshape(1, 1, 3, 4), 2, return_indices=True)
        return F.max_unpool2d(values, indices, 2)

    x = (np.eye(3, 4) * 4 + data(3, 4) * 0.1).astype(np.float32)  # the twin's maxima move
    with pytest.raises(ExportError, match=r"MaxUnpool2d.*\['indices'\] change with the input"):
        to_onnx(segnet, (x,), None, dynamic_batch=False)


def test_hardswish_exports_before_opset_14_as_x_times_hardsigmoid():
    x = data(3, 4) * 4
    model = to_onnx(F.hardswish, (x,), None, dynamic_batch=False, opset=13)
    assert "HardSwish" not in {n.op_type for n in model.graph.node}
    (theirs,) = run_onnxruntime(model, x)
    np.testing.assert_allclose(theirs, F.hardswish(autodiff.tensor(x)).data, rtol=1e-5, atol=1e-6)
