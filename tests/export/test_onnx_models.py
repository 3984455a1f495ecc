"""Whole models through ONNX: onnx.checker accepts them, onnxruntime reproduces glassgrad's
outputs (float32, within 1e-5) at batch sizes other than the example's, and from_onnx gives the
same outputs and the same gradients (inputs and every parameter, by name) back."""

from __future__ import annotations

import numpy as np
import pytest
from export_support import assert_same_grads, need, run_onnxruntime, value_and_grads

import autodiff
import nn
from autodiff import Tensor
from nn.models import MLP, FullyConnectedNet, TinyNet

onnx = need("onnx", "onnx")
need("onnxruntime", "onnx")

from nn.export import from_onnx, to_onnx  # noqa: E402

EXAMPLE_BATCH = 4
OTHER_BATCHES = (1, 7, 13)


def batch(shape: tuple[int, ...], n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed + n).standard_normal((n, *shape)).astype(np.float32)


def lenet() -> nn.Module:
    """A LeNet-like CNN on 1x16x16 images (conv-bn-relu-pool twice, then two linear layers)."""
    autodiff.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2),
        nn.BatchNorm2d(6),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 3),
        nn.Tanh(),
        nn.AvgPool2d(2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 3 * 3, 32),
        nn.LeakyReLU(0.1),
        nn.Dropout(0.3),
        nn.Linear(32, 10),
        nn.LogSoftmax(dim=1),
    )


def trained_fully_connected_net() -> FullyConnectedNet:
    """CS231n's net with batch norm and dropout, its running statistics moved by training steps;
    left in training mode (the export must record it in evaluation mode)."""
    model = FullyConnectedNet(
        [20, 16], input_dim=3 * 4 * 4, num_classes=5, dropout=0.6, normalization="batchnorm", seed=1
    )
    rng = np.random.default_rng(0)
    for _ in range(3):
        model.loss(
            rng.standard_normal((8, 3, 4, 4)).astype(np.float32) * 2 + 1, rng.integers(0, 5, 8)
        )
    return model.train()


def dilated_group_norm_net() -> nn.Sequential:
    """A dilated and a grouped convolution, each followed by group normalisation (composed
    ops: its reshape to (N, groups, -1) must follow the batch size)."""
    return nn.Sequential(
        nn.Conv2d(3, 6, 3, padding=2, dilation=2),
        nn.GroupNorm(3, 6),
        nn.ReLU(),
        nn.Conv2d(6, 4, 3, stride=2, dilation=(1, 2), groups=2),
        nn.GroupNorm(2, 4, bias=False),
        nn.Flatten(),
        nn.Linear(4 * 3 * 2, 5),
    )


def instance_norm_net() -> nn.Sequential:
    """Instance normalisation (group_norm's ops, one group per channel, in eval mode too) with
    and without running statistics."""
    return nn.Sequential(
        nn.Conv2d(3, 4, 3),
        nn.InstanceNorm2d(4, affine=True),
        nn.ReLU(),
        nn.InstanceNorm2d(4, track_running_stats=True),
        nn.Flatten(),
        nn.Linear(4 * 6 * 6, 5),
    )


MODELS = {
    "mlp": (lambda: MLP([12, 16, 8, 3], activation="tanh"), (12,)),
    "tinynet": (lambda: TinyNet(), (3, 8, 8)),
    "lenet": (lenet, (1, 16, 16)),
    "cs231n_fc_bn_dropout": (trained_fully_connected_net, (3, 4, 4)),
    "dilated_group_norm": (dilated_group_norm_net, (3, 8, 8)),
    "instance_norm": (instance_norm_net, (3, 8, 8)),
}


def _warm_up(model: nn.Module, shape: tuple[int, ...]) -> None:
    """A few training-mode passes, so batch-norm running statistics are not the defaults."""
    model.train()
    with autodiff.no_grad():
        for k in range(3):
            model(Tensor(batch(shape, 8, seed=100 + k) * 1.5 + 0.5))


@pytest.mark.parametrize("name", list(MODELS))
def test_model_runs_in_onnxruntime_at_other_batch_sizes(name, tmp_path):
    make, shape = MODELS[name]
    model = make()
    if name in ("lenet", "instance_norm"):
        _warm_up(model, shape)
    modes = [m.training for m in model.modules()]
    state = model.state_dict()
    path = tmp_path / f"{name}.onnx"
    to_onnx(model, batch(shape, EXAMPLE_BATCH), path)

    # The export recorded evaluation mode and changed nothing in the model.
    assert [m.training for m in model.modules()] == modes
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, state[key], err_msg=key)
    saved = onnx.load(str(path))
    onnx.checker.check_model(saved, full_check=True)
    (graph_input,) = saved.graph.input
    assert graph_input.type.tensor_type.shape.dim[0].dim_param == "batch"

    model.eval()
    for n in OTHER_BATCHES:
        x = batch(shape, n)
        with autodiff.no_grad():
            expected = model(Tensor(x)).data
        (got,) = run_onnxruntime(saved, x)
        assert got.shape == expected.shape == (n, expected.shape[1])
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", list(MODELS))
def test_model_round_trip_gives_the_same_outputs_and_gradients(name):
    make, shape = MODELS[name]
    model = make()
    if name == "lenet":
        _warm_up(model, shape)
    imported = from_onnx(to_onnx(model, batch(shape, EXAMPLE_BATCH), None))
    model.eval()
    assert not imported.training
    params_a = dict(model.named_parameters())
    params_b = dict(imported.named_parameters())
    assert sorted(params_a) == sorted(params_b)
    # ONNX carries no batch counters: the state dicts agree on everything else.
    state = {k: v for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
    assert sorted(state) == sorted(imported.state_dict())
    x = batch(shape, 6, seed=5)
    (out_a,), (gx_a,), gp_a = value_and_grads(model, [x], params_a)
    (out_b,), (gx_b,), gp_b = value_and_grads(imported, [x], params_b)
    np.testing.assert_allclose(out_b, out_a, rtol=0, atol=1e-6)
    assert_same_grads(gx_a, gx_b, atol=1e-6, what="input gradient")
    for key in params_a:
        assert gp_a[key] is not None and gp_b[key] is not None, key
        assert_same_grads(gp_a[key], gp_b[key], atol=1e-6, what=key)
    # The imported model loads the original's state dict as it is.
    imported.load_state_dict(state, strict=True)


def sigmoid_neuron():
    """CS231n's 2-input sigmoid neuron, f = 1 / (1 + exp(-(w0*x0 + w1*x1 + w2))), as a function
    of a batch of inputs (x0, x1); the weights are leaves that require grad."""
    w0, w1, w2 = (
        autodiff.tensor(v, requires_grad=True, name=n)
        for v, n in ((2.0, "w0"), (-3.0, "w1"), (-3.0, "w2"))
    )

    def neuron(x0, x1):
        s = w0 * x0 + w1 * x1 + w2
        return 1 / (1 + (s * -1).exp())

    return neuron, {"w0": w0, "w1": w1, "w2": w2}


def test_sigmoid_neuron_exports_with_its_weights_and_comes_back_differentiable():
    neuron, weights = sigmoid_neuron()
    example = (np.array([-1.0, 0.5, 2.0], np.float32), np.array([-2.0, 1.0, 0.0], np.float32))
    model = to_onnx(neuron, example, None, input_names=["x0", "x1"])
    assert [i.name for i in model.graph.initializer] == ["w0", "w1", "w2"]
    assert [i.name for i in model.graph.input] == ["x0", "x1"]
    for n in OTHER_BATCHES:
        x0, x1 = batch((), n), batch((), n, seed=9)
        (got,) = run_onnxruntime(model, x0, x1)
        np.testing.assert_allclose(got, neuron(Tensor(x0), Tensor(x1)).data, rtol=1e-5, atol=1e-5)

    imported = from_onnx(model)
    params = dict(imported.named_parameters())
    assert sorted(params) == ["w0", "w1", "w2"]
    # CS231n's numbers: f = 0.731 at x0 = -1, x1 = -2; df/dw = (-0.197, -0.393, 0.197).
    f = imported(np.array([-1.0], np.float32), np.array([-2.0], np.float32))
    f.sum().backward()
    np.testing.assert_allclose(f.data, [0.7310586], rtol=1e-6)
    np.testing.assert_allclose(
        [params[k].grad.item() for k in ("w0", "w1", "w2")],
        [-0.19661193, -0.39322387, 0.19661193],
        rtol=1e-5,
    )
    x = [batch((), 5), batch((), 5, seed=3)]
    (out_a,), gx_a, gw_a = value_and_grads(neuron, x, weights)
    (out_b,), gx_b, gw_b = value_and_grads(imported, x, params)
    np.testing.assert_array_equal(out_a, out_b)
    for k in weights:
        assert_same_grads(gw_a[k], gw_b[k], atol=1e-6, what=k)
    for a, b in zip(gx_a, gx_b):
        assert_same_grads(a, b, atol=1e-7, what="input gradient")
