"""from_onnx on ONNX models glassgrad did not write: PyTorch's exports (equal outputs, and the
same gradients as torch's autograd), hand-built graphs of ops glassgrad never emits (checked
against onnxruntime and by central differences), pictures with viz, and clear refusals."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from export_support import need, run_onnxruntime

import autodiff
import viz
from autodiff import Tensor

onnx = need("onnx", "onnx")
need("onnxruntime", "onnx")

from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from nn.export import UnsupportedOpError, from_onnx, to_onnx  # noqa: E402


# ------------------------------------------------------------------ models from PyTorch
def torch_export(module, x, path, **kw) -> None:
    """torch.onnx.export with the TorchScript exporter (dynamo=False): the dynamo exporter
    needs onnxscript, which glassgrad's extras do not install."""
    torch = need("torch", "torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
            (x,),
            str(path),
            dynamo=False,
            input_names=["x"],
            output_names=["y"],
            dynamic_axes={"x": {0: "N"}, "y": {0: "N"}},
            **kw,
        )


def torch_cnn():
    torch = need("torch", "torch")
    tnn = torch.nn

    class Net(tnn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = tnn.Conv2d(2, 4, 3, padding=1)
            self.bn = tnn.BatchNorm2d(4)
            self.pool = tnn.MaxPool2d(2)
            self.avg = tnn.AvgPool2d(2, padding=1)
            self.drop = tnn.Dropout(0.3)
            self.fc = tnn.Linear(4 * 3 * 3, 10)

        def forward(self, x):
            x = self.avg(self.pool(torch.relu(self.bn(self.conv(x)))))
            x = x.view(x.size(0), -1)
            x = torch.sigmoid(x) * 2 - x.tanh()
            return torch.log_softmax(self.fc(self.drop(x)), dim=1)

    torch.manual_seed(0)
    net = Net()
    net.train()
    for _ in range(3):
        net(torch.randn(8, 2, 8, 8) * 2 + 1)
    return net.eval()


def torch_mlp():
    torch = need("torch", "torch")
    tnn, tf = torch.nn, torch.nn.functional

    class Net(tnn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc1 = tnn.Linear(6, 8)
            self.fc2 = tnn.Linear(3, 4)

        def forward(self, x):
            h = torch.relu(self.fc1(x))
            h = torch.cat([h, h.sigmoid()], dim=1)[:, 1:-1]  # (N, 14)
            h = h.reshape(h.shape[0], -1, 2).mean(-1)  # (N, 7)
            h = tf.pad(h, (1, 1), value=0.5).clamp(min=-1.0, max=1.5)  # (N, 9)
            h = h.reshape(-1, 3, 3).transpose(1, 2).sum(1)  # (N, 3)
            return tf.softmax(self.fc2(h), dim=-1) + h.abs().max(dim=1, keepdim=True).values

    torch.manual_seed(1)
    return Net().eval()


@pytest.mark.parametrize("fold", [True, False], ids=["folded", "unfolded"])
@pytest.mark.parametrize(
    "make, shape", [(torch_cnn, (2, 8, 8)), (torch_mlp, (6,))], ids=["cnn", "mlp"]
)
def test_models_exported_by_torch_load_with_equal_outputs_and_gradients(
    make, shape, fold, tmp_path
):
    torch = need("torch", "torch")
    net = make()
    path = tmp_path / "torch.onnx"
    torch_export(net, torch.randn(2, *shape), path, do_constant_folding=fold)
    imported = from_onnx(path)
    x = np.random.default_rng(3).standard_normal((5, *shape)).astype(np.float32)

    xt = torch.from_numpy(x.copy()).requires_grad_()
    yt = net(xt)
    v = np.random.default_rng(4).standard_normal(tuple(yt.shape)).astype(np.float32)
    (yt * torch.from_numpy(v)).sum().backward()
    xg = Tensor(x, requires_grad=True)
    yg = imported(xg)
    (yg * v).sum().backward()

    np.testing.assert_allclose(yg.data, yt.detach().numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(xg.grad.data, xt.grad.numpy(), rtol=1e-4, atol=1e-5)
    (reference,) = run_onnxruntime(onnx.load(str(path)), x)
    np.testing.assert_allclose(yg.data, reference, rtol=1e-5, atol=1e-5)
    if not fold:  # the initializers keep torch's names: compare every weight's gradient
        ours = dict(imported.named_parameters())
        theirs = dict(net.named_parameters())
        assert sorted(ours) == sorted(theirs)
        for name, p in theirs.items():
            np.testing.assert_allclose(
                ours[name].grad.data, p.grad.numpy(), rtol=1e-4, atol=1e-5, err_msg=name
            )
        buffers = dict(imported.named_buffers())
        assert {"bn.running_mean", "bn.running_var"} <= set(buffers) or make is torch_mlp


def test_an_imported_model_is_drawn_with_values_gradients_and_module_clusters(tmp_path):
    torch = need("torch", "torch")
    path = tmp_path / "cnn.onnx"
    torch_export(torch_cnn(), torch.randn(2, 2, 8, 8), path, do_constant_folding=False)
    imported = from_onnx(path)
    y = imported(np.random.default_rng(0).standard_normal((1, 2, 8, 8)).astype(np.float32))
    viz.retain_all(y)
    y.sum().backward()
    scopes = {n.scope for n in autodiff.graph.walk(y).functions}
    root = imported.scope_name  # the ONNX graph's name ("main_graph" from PyTorch)
    assert {(root, "conv"), (root, "bn"), (root, "pool"), (root, "fc")} <= scopes
    source = viz.draw_graph(y).source
    for label in ("conv2d", "batch_norm", "max_pool2d", "linear", "log_softmax", "cluster"):
        assert label in source, label
    picture = viz.render(y, tmp_path / "cnn.png")
    assert (tmp_path / "cnn.png").stat().st_size > 1000, picture


# ----------------------------------------------------------------- hand-built ONNX graphs
def graph_model(nodes, inputs, outputs, initializers=(), opset=18):
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model


def float_input(name, shape, elem=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, elem, shape)


def const(name, values, dtype=np.int64):
    return helper.make_node(
        "Constant", [], [name], value=numpy_helper.from_array(np.asarray(values, dtype))
    )


def check_against_onnxruntime(model, *arrays, gradcheck=True):
    imported = from_onnx(model)
    got = imported(*arrays)
    expected = run_onnxruntime(model, *arrays)
    for g, e in zip(got if isinstance(got, tuple) else (got,), expected):
        np.testing.assert_allclose(g.data, e, rtol=1e-5, atol=1e-5)
    return imported


ELEM = {np.float32: TensorProto.FLOAT, np.float64: TensorProto.DOUBLE}
x_info = float_input("x", ["N", 3, 6, 6])
y_info = float_input("y", None)
IMAGES = np.random.default_rng(0).standard_normal((2, 3, 6, 6)).astype(np.float32)


def graphs(name: str, dtype: type) -> tuple[list, list]:
    """(nodes, initializers) of a hand-built graph x (N, 3, 6, 6) -> y, in `dtype`."""

    def weight(array, key):
        return numpy_helper.from_array(np.asarray(array, dtype), key)

    if name == "avgpool_exclude_pad":
        return [
            helper.make_node(
                "AveragePool", ["x"], ["y"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2]
            )
        ], []
    if name == "maxpool_same_upper":
        return [
            helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[2, 3], auto_pad="SAME_UPPER")
        ], []
    if name == "conv_asymmetric_pads":
        w = np.linspace(-0.5, 0.5, 2 * 3 * 3 * 3).reshape(2, 3, 3, 3)
        return [helper.make_node("Conv", ["x", "w"], ["y"], pads=[0, 1, 2, 1], strides=[1, 2])], [
            weight(w, "w")
        ]
    if name == "global_pools":
        return [
            helper.make_node("GlobalAveragePool", ["x"], ["a"]),
            helper.make_node("GlobalMaxPool", ["x"], ["b"]),
            helper.make_node("Sub", ["a", "b"], ["y"]),
        ], []
    if name == "gemm_general":
        w = np.linspace(-1, 1, 108 * 4).reshape(108, 4)
        return [
            helper.make_node("Flatten", ["x"], ["f"], axis=1),
            helper.make_node("Gemm", ["f", "w", "c"], ["y"], alpha=0.5, beta=2.0),
        ], [weight(w, "w"), weight(np.ones((1, 4)), "c")]
    if name == "shape_chain":  # PyTorch's x.view(x.size(0), -1, 2), and more
        return [
            const("i", 0),
            const("ax", [0]),
            const("rest", [-1, 2]),
            const("sizes", [20, 34]),
            const("ax1", [1]),
            const("zero", 0.0, dtype),
            helper.make_node("Shape", ["x"], ["s"]),
            helper.make_node("Gather", ["s", "i"], ["n"], axis=0),
            helper.make_node("Unsqueeze", ["n", "ax"], ["n1"]),
            helper.make_node("Concat", ["n1", "rest"], ["shape"], axis=0),
            helper.make_node("Reshape", ["x", "shape"], ["r"]),
            helper.make_node("Split", ["r", "sizes"], ["p", "q"], axis=1),
            helper.make_node("Softplus", ["p"], ["sp"]),
            helper.make_node("ReduceSum", ["q", "ax1"], ["qs"], keepdims=0),
            helper.make_node("Unsqueeze", ["qs", "ax1"], ["qs1"]),
            helper.make_node("Mul", ["sp", "qs1"], ["m"]),
            helper.make_node("Greater", ["m", "zero"], ["mask"]),
            helper.make_node("Where", ["mask", "m", "sp"], ["y"]),
        ], []
    if name == "activations":  # PyTorch's exporter writes these for its activations
        ops = [("Elu", {"alpha": 0.5}), ("Selu", {}), ("Celu", {"alpha": 2.0})]
        ops += [("HardSigmoid", {}), ("HardSigmoid", {"alpha": 1 / 6, "beta": 0.5})]
        ops += [("HardSwish", {}), ("Mish", {}), ("Softsign", {}), ("Softplus", {})]
        nodes = [helper.make_node(op, ["x"], [f"a{i}"], **kw) for i, (op, kw) in enumerate(ops)]
        nodes.append(helper.make_node("PRelu", ["x", "slope"], [f"a{len(ops)}"]))
        nodes.append(helper.make_node("Sum", [f"a{i}" for i in range(len(ops) + 1)], ["y"]))
        return nodes, [weight(np.array([0.1, -0.2, 0.3]).reshape(3, 1, 1), "slope")]
    raise KeyError(name)


GRAPHS = [
    "avgpool_exclude_pad",
    "maxpool_same_upper",
    "conv_asymmetric_pads",
    "global_pools",
    "gemm_general",
    "shape_chain",
    "activations",
]


@pytest.mark.parametrize("name", GRAPHS)
def test_hand_built_graphs_match_onnxruntime_and_differentiate(name):
    nodes, inits = graphs(name, np.float32)
    check_against_onnxruntime(graph_model(nodes, [x_info], [y_info], inits), IMAGES)
    nodes, inits = graphs(name, np.float64)
    x64 = float_input("x", ["N", 3, 6, 6], TensorProto.DOUBLE)
    imported = from_onnx(
        graph_model(nodes, [x64], [float_input("y", None, TensorProto.DOUBLE)], inits)
    )
    x = IMAGES[:1].astype(np.float64) + 0.01 * np.arange(108).reshape(1, 3, 6, 6)  # no ties
    assert autodiff.gradcheck(imported, Tensor(x, requires_grad=True))
    for p in imported.parameters():
        assert autodiff.gradcheck(lambda w, p=p: _with_weight(imported, p, w, x), p.data.copy())


def _with_weight(model, param, value, x):
    """model(x) with `param` replaced by the Tensor `value` (gradcheck perturbs its inputs)."""
    saved = dict(model.weights)
    key = next(k for k, v in saved.items() if v is param)
    model.weights[key] = value
    try:
        return model(x)
    finally:
        model.weights.update(saved)


def test_old_opsets_softmax_flattens_and_attributes_carry_axes():
    nodes = [
        helper.make_node("Softmax", ["x"], ["s"], axis=1),  # opset 11: over C*H*W
        helper.make_node("ReduceMean", ["s"], ["m"], axes=[2, 3], keepdims=1),
        helper.make_node("Squeeze", ["m"], ["y"], axes=[2, 3]),
    ]
    model = graph_model(nodes, [x_info], [y_info], opset=11)
    check_against_onnxruntime(model, IMAGES)


def test_unsupported_ops_and_options_are_named():
    model = graph_model([helper.make_node("Hardmax", ["x"], ["y"])], [x_info], [y_info])
    with pytest.raises(UnsupportedOpError, match="'Hardmax'"):
        from_onnx(model)


def test_grouped_conv_reads_group():
    weight = np.random.default_rng(3).standard_normal((6, 1, 3, 3)).astype(np.float32)
    model = graph_model(
        [helper.make_node("Conv", ["x", "w"], ["y"], group=3, pads=[1, 1, 1, 1])],
        [x_info],
        [y_info],
        [numpy_helper.from_array(weight, "w")],
    )
    check_against_onnxruntime(model, IMAGES)
    bad = graph_model(  # 3 channels are not 2 groups of weight's 1: F.conv2d's error, named
        [helper.make_node("Conv", ["x", "w"], ["y"], group=2)],
        [x_info],
        [y_info],
        [numpy_helper.from_array(weight, "w")],
    )
    with pytest.raises(autodiff.ShapeError, match=r"groups=2 expects 2"):
        from_onnx(bad)(IMAGES)


@pytest.mark.parametrize(
    "attributes",
    [
        {"dilations": [2, 2], "pads": [2, 1, 2, 1]},
        {"dilations": [2, 1], "strides": [2, 1], "group": 3},
        {"dilations": [1, 3], "pads": [0, 1, 1, 0]},
    ],
)
def test_dilated_conv_reads_dilations(attributes):
    channels = 1 if attributes.get("group") else 3
    weight = np.random.default_rng(4).standard_normal((3, channels, 3, 2)).astype(np.float32)
    model = graph_model(
        [helper.make_node("Conv", ["x", "w"], ["y"], **attributes)],
        [x_info],
        [y_info],
        [numpy_helper.from_array(weight, "w")],
    )
    check_against_onnxruntime(model, IMAGES)


def test_dilated_max_pool_reads_dilations():
    node = helper.make_node(
        "MaxPool", ["x"], ["y"], kernel_shape=[2, 3], dilations=[2, 1], pads=[1, 1, 1, 1]
    )
    check_against_onnxruntime(graph_model([node], [x_info], [y_info]), IMAGES)


@pytest.mark.parametrize(
    "attributes",
    [
        {},
        {"strides": [2], "pads": [1, 1], "dilations": [2]},
        {"pads": [2, 0], "group": 3},
        {"auto_pad": "VALID", "dilations": [3]},
    ],
)
def test_1d_conv_reads_its_attributes(attributes):
    channels = 1 if attributes.get("group") else 3
    weight = np.random.default_rng(6).standard_normal((3, channels, 2)).astype(np.float32)
    signals = np.random.default_rng(7).standard_normal((2, 3, 9)).astype(np.float32)
    model = graph_model(
        [helper.make_node("Conv", ["x", "w"], ["y"], **attributes)],
        [float_input("x", ["N", 3, 9])],
        [y_info],
        [numpy_helper.from_array(weight, "w")],
    )
    check_against_onnxruntime(model, signals)


@pytest.mark.parametrize(
    "attributes",
    [
        {},
        {"strides": [2, 2], "pads": [1, 1, 1, 1], "output_padding": [1, 1]},
        {"strides": [2, 1], "dilations": [1, 2], "group": 3},
        {"strides": [3, 2], "pads": [0, 2, 1, 0]},  # asymmetric: cropped
        {"auto_pad": "VALID", "strides": [2, 2]},
    ],
)
def test_conv_transpose_reads_its_attributes(attributes):
    out_channels = 1 if attributes.get("group") else 2
    weight = np.random.default_rng(8).standard_normal((3, out_channels, 3, 2)).astype(np.float32)
    bias = np.random.default_rng(9).standard_normal(3 if attributes.get("group") else 2)
    model = graph_model(
        [helper.make_node("ConvTranspose", ["x", "w", "b"], ["y"], **attributes)],
        [x_info],
        [y_info],
        [
            numpy_helper.from_array(weight, "w"),
            numpy_helper.from_array(bias.astype(np.float32), "b"),
        ],
    )
    check_against_onnxruntime(model, IMAGES)


@pytest.mark.parametrize(
    "attributes",
    [
        {},
        {"strides": [2], "pads": [1, 1], "output_padding": [1]},
        {"strides": [2], "dilations": [2], "group": 3},
        {"strides": [3], "pads": [0, 2]},  # asymmetric: cropped
        {"auto_pad": "VALID", "strides": [2]},
    ],
)
def test_1d_conv_transpose_reads_its_attributes(attributes):
    out_channels = 1 if attributes.get("group") else 2
    weight = np.random.default_rng(8).standard_normal((3, out_channels, 3)).astype(np.float32)
    bias = np.random.default_rng(9).standard_normal(3 if attributes.get("group") else 2)
    model = graph_model(
        [helper.make_node("ConvTranspose", ["x", "w", "b"], ["y"], **attributes)],
        [float_input("x", ["N", 3, 9])],
        [y_info],
        [
            numpy_helper.from_array(weight, "w"),
            numpy_helper.from_array(bias.astype(np.float32), "b"),
        ],
    )
    signals = np.random.default_rng(7).standard_normal((2, 3, 9)).astype(np.float32)
    check_against_onnxruntime(model, signals)


def test_conv_transpose_output_shape_and_same_auto_pad_are_named():
    weight = numpy_helper.from_array(np.ones((3, 2, 3, 3), np.float32), "w")
    for attributes, name in (
        ({"output_shape": [9, 9]}, "output_shape"),
        ({"auto_pad": "SAME_UPPER"}, "auto_pad"),
    ):
        node = helper.make_node("ConvTranspose", ["x", "w"], ["y"], **attributes)
        model = graph_model([node], [x_info], [y_info], [weight])
        with pytest.raises(UnsupportedOpError, match=name):
            from_onnx(model)(IMAGES)


def test_1d_conv_same_auto_pad_is_named():
    weight = numpy_helper.from_array(np.ones((3, 3, 2), np.float32), "w")
    node = helper.make_node("Conv", ["x", "w"], ["y"], auto_pad="SAME_UPPER")
    model = graph_model([node], [float_input("x", ["N", 3, 9])], [y_info], [weight])
    with pytest.raises(UnsupportedOpError, match="auto_pad=SAME_UPPER on a 1-d Conv"):
        from_onnx(model)(np.ones((1, 3, 9), np.float32))


@pytest.mark.filterwarnings("ignore:Using padding='same'")  # torch's note on its own copy
def test_dilated_conv_same_auto_pad_spans_the_dilated_kernel():
    # onnxruntime refuses dilations with SAME_*; ONNX's SAME_UPPER at stride 1 is torch's "same"
    # (the odd pixel at the end): total padding d * (k - 1), here 3 along W (1 before, 2 after)
    torch = pytest.importorskip("torch")
    weight = np.random.default_rng(5).standard_normal((3, 3, 3, 2)).astype(np.float32)
    node = helper.make_node("Conv", ["x", "w"], ["y"], dilations=[1, 3], auto_pad="SAME_UPPER")
    model = graph_model([node], [x_info], [y_info], [numpy_helper.from_array(weight, "w")])
    expected = torch.nn.functional.conv2d(
        torch.tensor(IMAGES), torch.tensor(weight), None, 1, "same", (1, 3)
    )
    got = from_onnx(model)(IMAGES).data
    np.testing.assert_allclose(got, expected.numpy(), rtol=1e-5, atol=1e-5)


def test_sources_and_input_checks(tmp_path):
    model = graph_model([helper.make_node("Relu", ["x"], ["y"])], [x_info], [y_info])
    path = tmp_path / "relu.onnx"
    onnx.save(model, str(path))
    for source in (model, path, str(path), model.SerializeToString()):
        np.testing.assert_array_equal(from_onnx(source)(IMAGES).data, np.maximum(IMAGES, 0))
    with pytest.raises(autodiff.ShapeError, match="input 'x' must have shape"):
        from_onnx(model)(IMAGES[:, :2])
    with pytest.raises(TypeError, match="must have dtype float32"):
        from_onnx(model)(Tensor(IMAGES.astype(np.float64)))
    with pytest.raises(TypeError, match="expected 1 inputs"):
        from_onnx(model)(IMAGES, IMAGES)


def test_awkward_initializer_names_still_become_parameters():
    names = ["nodes", "a", "a.b", "x..y", "training", "fc.weight"]
    inits = [
        numpy_helper.from_array(np.full((1, 3, 1, 1), k + 1.0, np.float32), n)
        for k, n in enumerate(names)
    ]
    nodes, value = [], "x"
    for k, n in enumerate(names):
        nodes.append(helper.make_node("Add", [value, n], [f"v{k}"]))
        value = f"v{k}"
    nodes.append(helper.make_node("Identity", [value], ["y"]))
    imported = from_onnx(graph_model(nodes, [x_info], [y_info], inits))
    params = dict(imported.named_parameters())
    assert sorted(params) == sorted(["nodes_1", "a", "a_b", "x__y", "training_1", "fc.weight"])
    np.testing.assert_allclose(imported(IMAGES).data, IMAGES + 21.0, rtol=1e-6)
    assert isinstance(imported.nodes, list)  # the model's own attribute is untouched


@pytest.mark.parametrize(
    "make, shape", [(torch_cnn, (2, 8, 8)), (torch_mlp, (6,))], ids=["cnn", "mlp"]
)
def test_an_imported_model_exports_again_with_its_names(make, shape, tmp_path):
    torch = need("torch", "torch")
    path = tmp_path / "torch.onnx"
    torch_export(make(), torch.randn(2, *shape), path, do_constant_folding=False)
    original = onnx.load(str(path))
    again = to_onnx(from_onnx(original), np.zeros((3, *shape), np.float32), None)
    assert sorted(i.name for i in again.graph.initializer) == sorted(
        i.name for i in original.graph.initializer
    )
    x = np.random.default_rng(0).standard_normal((7, *shape)).astype(np.float32)
    np.testing.assert_allclose(
        run_onnxruntime(again, x)[0], run_onnxruntime(original, x)[0], rtol=1e-5, atol=1e-6
    )


@pytest.mark.parametrize(
    ("op", "attributes"),
    [
        ("MaxPool", {"kernel_shape": [3, 3], "strides": [2, 2], "ceil_mode": 1}),
        (
            "MaxPool",
            {"kernel_shape": [3, 2], "strides": [2, 3], "pads": [1, 1, 1, 1], "ceil_mode": 1},
        ),
        (
            "MaxPool",
            {"kernel_shape": [2, 2], "strides": [2, 2], "dilations": [2, 1], "ceil_mode": 1},
        ),
        ("AveragePool", {"kernel_shape": [3, 3], "strides": [2, 2], "ceil_mode": 1}),
        (
            "AveragePool",
            {"kernel_shape": [3, 2], "strides": [2, 3], "pads": [1, 1, 1, 1], "ceil_mode": 1},
        ),
        (
            "AveragePool",
            {
                "kernel_shape": [3, 3],
                "strides": [2, 2],
                "pads": [1, 1, 1, 1],
                "ceil_mode": 1,
                "count_include_pad": 1,
            },
        ),
        ("AveragePool", {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "count_include_pad": 1}),
    ],
)
def test_pools_read_ceil_mode_and_count_include_pad(op, attributes):
    """ceil_mode=1 (the last windows overhang the input: onnxruntime's output size and divisor
    are PyTorch's) and count_include_pad, on a 7 x 8 image whose windows do not fit exactly."""
    images = np.random.default_rng(8).standard_normal((2, 3, 7, 8)).astype(np.float32)
    node = helper.make_node(op, ["x"], ["y"], **attributes)
    model = graph_model([node], [float_input("x", ["N", 3, 7, 8])], [y_info])
    check_against_onnxruntime(model, images)


def test_ceil_mode_with_asymmetric_pads_is_refused():
    node = helper.make_node(
        "MaxPool", ["x"], ["y"], kernel_shape=[3, 3], pads=[0, 0, 1, 1], ceil_mode=1
    )
    with pytest.raises(NotImplementedError, match="ceil_mode"):
        from_onnx(graph_model([node], [x_info], [y_info]))(IMAGES)
