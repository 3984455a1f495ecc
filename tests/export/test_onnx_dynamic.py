"""dynamic_batch: shapes that follow the batch size stay symbolic in the ONNX graph, and what
cannot be exported faithfully is refused with an error that says why."""

from __future__ import annotations

import numpy as np
import pytest
from export_support import need, run_onnxruntime

import autodiff
import nn
import nn.functional as F
from autodiff import Tensor

onnx = need("onnx", "onnx")
need("onnxruntime", "onnx")

from nn.export import ExportError, UnsupportedOpError, to_onnx  # noqa: E402


def x_of(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def check_at_batches(fn, example: np.ndarray, batches=(1, 3, 65, 100), **kw) -> onnx.ModelProto:
    """Export at the example's batch size; onnxruntime must match glassgrad at the others."""
    model = to_onnx(fn, example, None, **kw)
    for n in batches:
        x = x_of(n, *example.shape[1:], seed=n)
        (got,) = run_onnxruntime(model, x)
        np.testing.assert_allclose(got, fn(Tensor(x)).data, rtol=1e-5, atol=1e-5)
    return model


def reshape_constants(model: onnx.ModelProto) -> list[list[int]]:
    consts = {n.output[0]: n for n in model.graph.node if n.op_type == "Constant"}
    return [
        onnx.numpy_helper.to_array(consts[n.input[1]].attribute[0].t).tolist()
        for n in model.graph.node
        if n.op_type == "Reshape" and n.input[1] in consts
    ]


def test_reshape_to_the_example_batch_becomes_minus_one():
    # x.reshape(x.shape[0], -1) records (64, -1) at batch 64: the export must not bake in 64.
    model = check_at_batches(lambda x: x.reshape(x.shape[0], -1) * 2, x_of(64, 3, 4))
    assert reshape_constants(model) == [[-1, 12]]
    model = check_at_batches(lambda x: autodiff.flatten(x), x_of(64, 3, 4))  # merges the batch
    assert reshape_constants(model) == [[-1]]
    model = check_at_batches(lambda x: x.reshape(-1, 2, 3).sum(axis=2), x_of(64, 6))
    assert reshape_constants(model) == [[-1, 2, 3]]


def test_a_fixed_reshape_of_the_batch_is_exported_as_written_or_refused():
    # reshape(64, -1) written literally is what the model computes at every batch size...
    model = check_at_batches(lambda x: x.reshape(64, -1), x_of(64, 64), batches=(32, 128))
    assert reshape_constants(model) == [[64, -1]]
    # ... and a model that only runs at its example's batch size says so.
    with pytest.raises(ExportError, match="fails on inputs of shapes.*dynamic_batch=False"):
        to_onnx(lambda x: x.reshape(4, -1), x_of(4, 6), None)
    fixed = to_onnx(lambda x: x.reshape(4, -1), x_of(4, 6), None, dynamic_batch=False)
    assert [d.dim_value for d in fixed.graph.input[0].type.tensor_type.shape.dim] == [4, 6]


def test_expand_and_counts_that_follow_the_batch():
    bias = autodiff.tensor(x_of(5), requires_grad=True, name="bias")
    check_at_batches(lambda x: x + bias.broadcast_to((x.shape[0], 5)), x_of(4, 5))
    check_at_batches(lambda x: x.var(axis=0, ddof=1) * x, x_of(4, 5), batches=(2, 9))  # N - 1
    check_at_batches(lambda x: x[1:-1, ::-2] * 2, x_of(6, 5), batches=(3, 9))
    check_at_batches(
        lambda x: F.batch_norm(x, None, None, training=True), x_of(6, 5), batches=(2, 9)
    )


def test_several_outputs_names_and_an_output_that_is_an_input():
    def fn(a, b):
        product = a * b
        return product, a, (product + b).sum(axis=1), product

    model = to_onnx(
        fn,
        (x_of(3, 2), x_of(3, 2, seed=1)),
        None,
        input_names=["a", "b"],
        output_names=["product", "same", "total", "again"],
    )
    assert [o.name for o in model.graph.output] == ["product", "same", "total", "again"]
    a, b = x_of(5, 2, seed=2), x_of(5, 2, seed=3)
    got = run_onnxruntime(model, a, b)
    for g, e in zip(got, fn(Tensor(a), Tensor(b)), strict=True):
        np.testing.assert_allclose(g, e.data, rtol=1e-6)
    with pytest.raises(ValueError, match="share names"):
        to_onnx(fn, (a, b), None, input_names=["a", "b"], output_names=["a", "x", "y", "z"])


def test_opset_13_writes_reduction_axes_as_attributes():
    fn = lambda x: x.mean(axis=1) + x.amax(axis=1) + x.logsumexp(axis=1)  # noqa: E731
    model = check_at_batches(fn, x_of(4, 5), opset=13)
    assert model.opset_import[0].version == 13
    mean = next(n for n in model.graph.node if n.op_type == "ReduceMean")
    assert [a.name for a in mean.attribute] == ["axes", "keepdims"] and len(mean.input) == 1


def test_values_computed_outside_the_graph_are_refused():
    with pytest.raises(ExportError, match="depends on the inputs.*bake in"):
        to_onnx(lambda x: autodiff.where(x > 0, x, x * 0.1), x_of(4, 3), None)
    with pytest.raises(ExportError, match=r"op Mul.*\['b'\].*bake in"):
        to_onnx(lambda x: x * np.where(x.data > 0, 1.0, 0.5).astype(np.float32), x_of(4, 3), None)
    with pytest.raises(ExportError, match="different graphs.*control flow"):
        signs = np.array([[1.0], [1.0], [-1.0]], np.float32)  # the twin batch starts with -1
        to_onnx(lambda x: x.exp() if x.data[0, 0] > 0 else x.sin(), signs * x_of(3, 2) ** 2, None)


def test_op_without_a_mapping_is_named():
    class Cube(autodiff.Function):
        @staticmethod
        def forward(ctx, x):
            return x**3

        @staticmethod
        def backward(ctx, g):
            return g * 3 * ctx.args[0].data ** 2

    with pytest.raises(UnsupportedOpError, match="op Cube.*no ONNX mapping"):
        to_onnx(lambda x: Cube.apply(x) + 1, x_of(2, 3), None)


def test_arguments_are_checked():
    with pytest.raises(ValueError, match="opset"):
        to_onnx(lambda x: x * 2, x_of(2), None, opset=9)
    with pytest.raises(ExportError, match="same batch size"):
        to_onnx(lambda a, b: a.sum() + b.sum(), (x_of(2, 3), x_of(3, 3)), None)
    assert to_onnx(
        lambda a, b: a.sum() + b.sum(), (x_of(2, 3), x_of(3, 3)), None, dynamic_batch=False
    )
    with pytest.raises(ExportError, match="must return a Tensor"):
        to_onnx(lambda x: x.data, x_of(2), None)
    with pytest.raises(ValueError, match="distinct input names"):
        to_onnx(lambda x: x * 2, x_of(2), None, input_names=["a", "b"])


def test_a_module_in_training_mode_is_exported_in_evaluation_mode():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Dropout(0.5), nn.ReLU())
    model.train()
    with autodiff.no_grad():
        model[1].running_mean.copy_(x_of(4))
        model[1].running_var.copy_(np.abs(x_of(4, seed=1)) + 0.5)
    onnx_model = to_onnx(model, x_of(5, 3), None)
    assert model.training and model[1].training
    ops = [n.op_type for n in onnx_model.graph.node]
    assert ops == ["Gemm", "BatchNormalization", "Relu"]
    assert [i.name for i in onnx_model.graph.initializer] == [
        "0.weight",
        "0.bias",
        "1.weight",
        "1.bias",
        "1.running_mean",
        "1.running_var",
    ]
    x = x_of(7, 3, seed=2)
    model.eval()
    (got,) = run_onnxruntime(onnx_model, x)
    np.testing.assert_allclose(got, model(Tensor(x)).data, rtol=1e-5, atol=1e-6)


def test_a_dropout_recorded_in_training_mode_warns_and_is_the_identity():
    with pytest.warns(UserWarning, match="training mode.*identity"):
        model = to_onnx(lambda x: F.dropout(x, 0.5, training=True), x_of(4, 3), None)
    x = x_of(6, 3)
    np.testing.assert_array_equal(run_onnxruntime(model, x)[0], x)
