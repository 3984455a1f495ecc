"""PyTorch's in-place activations (`nn.ReLU(inplace=True)`, `F.elu(x, inplace=True)`,
`F.relu_`, ...): the input is overwritten and returned, its version bumped; recorded when it
requires grad, with gradients as central differences give; PyTorch's errors for a leaf and
for a saved tensor changed; ops that used the tensor before keep their gradient path."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff as ad
import nn
import nn.functional as F
from autodiff import InplaceModificationError, gradgradcheck
from autodiff.testing import assert_gradients_match, shapes, tensors

# name -> (in-place call, out-of-place call); kinks avoided by the drawn values
ACTIVATIONS = {
    "relu": (lambda t: F.relu(t, inplace=True), F.relu),
    "relu_": (F.relu_, F.relu),
    "leaky_relu": (lambda t: F.leaky_relu(t, 0.2, True), lambda t: F.leaky_relu(t, 0.2)),
    "leaky_relu_": (lambda t: F.leaky_relu_(t, 0.2), lambda t: F.leaky_relu(t, 0.2)),
    "elu": (lambda t: F.elu(t, 0.5, True), lambda t: F.elu(t, 0.5)),
    "elu_": (lambda t: F.elu_(t, 0.5), lambda t: F.elu(t, 0.5)),
    "celu": (lambda t: F.celu(t, 2.0, True), lambda t: F.celu(t, 2.0)),
    "celu_": (lambda t: F.celu_(t, 2.0), lambda t: F.celu(t, 2.0)),
    "selu": (lambda t: F.selu(t, True), F.selu),
    "selu_": (F.selu_, F.selu),
    "hardtanh": (lambda t: F.hardtanh(t, -1.0, 2.0, True), lambda t: F.hardtanh(t, -1.0, 2.0)),
    "hardtanh_": (lambda t: F.hardtanh_(t, -1.0, 2.0), lambda t: F.hardtanh(t, -1.0, 2.0)),
    "relu6": (lambda t: F.relu6(t, True), F.relu6),
    "hardsigmoid": (lambda t: F.hardsigmoid(t, True), F.hardsigmoid),
    "hardswish": (lambda t: F.hardswish(t, True), F.hardswish),
    "silu": (lambda t: F.silu(t, True), F.silu),
    "mish": (lambda t: F.mish(t, True), F.mish),
    "ReLU": (nn.ReLU(inplace=True), F.relu),
    "LeakyReLU": (nn.LeakyReLU(0.3, inplace=True), lambda t: F.leaky_relu(t, 0.3)),
    "ELU": (nn.ELU(inplace=True), F.elu),
    "CELU": (nn.CELU(inplace=True), F.celu),
    "SELU": (nn.SELU(inplace=True), F.selu),
    "Hardtanh": (nn.Hardtanh(inplace=True), F.hardtanh),
    "ReLU6": (nn.ReLU6(inplace=True), F.relu6),
    "Hardsigmoid": (nn.Hardsigmoid(inplace=True), F.hardsigmoid),
    "Hardswish": (nn.Hardswish(inplace=True), F.hardswish),
    "SiLU": (nn.SiLU(inplace=True), F.silu),
    "Mish": (nn.Mish(inplace=True), F.mish),
}
KINKS = (0.0, -1.0, 2.0, -3.0, 3.0, 6.0)


@settings(max_examples=6, deadline=None)
@given(data=st.data(), name=st.sampled_from(sorted(ACTIVATIONS)))
def test_in_place_matches_out_of_place_and_central_differences(data, name):
    in_place, out_of_place = ACTIVATIONS[name]
    x = data.draw(tensors(shapes(max_dims=3, max_side=4), low=-4, high=7, away_from=KINKS))
    expected = out_of_place(x)
    y = x * 1.5 - 0.0  # a non-leaf: its memory is what the activation overwrites
    version = y._version
    before = y.data
    out = in_place(y)
    assert out is y and y.data is before and y._version == version + 1
    np.testing.assert_allclose(y.data, out_of_place(x * 1.5).data)
    assert expected.shape == x.shape
    # the gradient through the in-place op, times a weight so that it is not all ones
    weight = ad.tensor(np.linspace(0.5, 1.5, max(x.numel(), 1))[: x.numel()].reshape(x.shape))
    assert_gradients_match(lambda t: in_place(t * 1.5 - 0.0) * weight, x)


@pytest.mark.parametrize("shape", [(), (1,), (0,), (2, 0, 3)])
def test_edge_shapes(shape):
    w = ad.full(shape, -0.5, dtype=ad.float64, requires_grad=True)
    y = w * 2
    F.elu(y, inplace=True)
    np.testing.assert_allclose(y.data, np.expm1(np.full(shape, -1.0)))
    y.sum().backward()
    np.testing.assert_allclose(w.grad.data, 2 * np.exp(np.full(shape, -1.0)))


def test_without_grad_the_memory_changes_and_the_version_bumps():
    x = ad.tensor([1.0, -2.0, 3.0])
    assert F.relu_(x) is x and x.tolist() == [1.0, 0.0, 3.0] and x._version == 1
    w = ad.tensor([1.0, -2.0], requires_grad=True)
    with ad.no_grad():
        nn.ReLU(inplace=True)(w)  # a leaf may change under no_grad, as in PyTorch
    assert w.tolist() == [1.0, 0.0] and w._version == 1 and w.requires_grad
    d = ad.tensor([1.0, -2.0]).detach()
    F.leaky_relu(d, 0.5, True)
    assert d.tolist() == [1.0, -1.0]


def test_a_leaf_that_requires_grad_raises_as_pytorch():
    w = ad.tensor([1.0, -2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used"):
        F.relu(w, inplace=True)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable"):
        F.relu(w[:1], inplace=True)
    assert w.tolist() == [1.0, -2.0] and w._version == 0


def test_a_view_of_a_non_leaf_raises_not_implemented():
    y = ad.tensor([1.0, -2.0], requires_grad=True) * 2
    with pytest.raises(NotImplementedError, match="view of part of another tensor"):
        F.relu(y[:1], inplace=True)
    assert y.tolist() == [2.0, -4.0]


def test_a_saved_tensor_changed_raises_at_backward():
    w = ad.tensor([1.0, -2.0], requires_grad=True)
    e = w.exp()  # exp saves its output
    F.relu(e, inplace=True)
    with pytest.raises(InplaceModificationError, match="modified by an inplace operation"):
        e.sum().backward()
    y = w * 1.0
    z = y * w  # saves y
    F.elu(y, inplace=True)
    with pytest.raises(InplaceModificationError, match="modified by an inplace operation"):
        z.sum().backward()
    y = w * 1.0
    F.relu(y, inplace=True)  # relu's node saved what it needs: a later change of y is caught
    with ad.no_grad():
        y.mul_(2)
    with pytest.raises(InplaceModificationError):
        y.sum().backward()


@pytest.mark.parametrize("shape", [(), (3,)])
def test_ops_that_used_the_tensor_before_keep_their_gradient_path(shape):
    w = ad.full(shape, -0.7, dtype=ad.float64, requires_grad=True)
    y = w * 2
    before = y + 3  # add saves nothing: its gradient goes to what made y, not through relu
    F.relu(y, inplace=True)
    (before * 2 + y * 5).sum().backward()
    np.testing.assert_allclose(w.grad.data, np.full(shape, 4.0))
    w.grad = None
    y = w * -2
    before = y + 3
    F.elu(y, inplace=True)
    F.elu(y, inplace=True)  # twice: the engine follows both changes back
    (before.sum() + y.sum()).backward()  # y = 1.4 > 0: elu is the identity there
    np.testing.assert_allclose(w.grad.data, np.full(shape, -4.0))


def test_a_view_made_before_raises_at_backward():
    y = ad.tensor([0.7, -1.0], requires_grad=True) * 2
    v = y[0]
    F.relu(y, inplace=True)
    with pytest.raises(RuntimeError, match="view of a tensor that an in-place op"):
        (v * 1).backward()


def test_create_graph_through_an_in_place_activation():
    x = ad.tensor([0.3, -0.7, 1.1], dtype=ad.float64, requires_grad=True)
    assert gradgradcheck(lambda t: F.elu(t * 1.0, 0.5, True) * t, (x,))
    assert gradgradcheck(lambda t: F.silu(t * 1.0, True), (x,))


def test_dropout_in_place():
    ad.manual_seed(3)
    w = ad.ones(200, dtype=ad.float64, requires_grad=True)
    y = w * 1.0
    out = F.dropout(y, 0.5, True, True)
    assert out is y and y._version == 1
    kept = y.data != 0
    np.testing.assert_allclose(y.data[kept], 2.0)
    y.sum().backward()
    np.testing.assert_allclose(w.grad.data, np.where(kept, 2.0, 0.0))
    z = w * 1.0
    assert F.dropout(z, 0.5, False, True) is z and z._version == 0  # eval: untouched
    drop = nn.Dropout(0.5, inplace=True)
    assert repr(drop) == "Dropout(p=0.5, inplace=True)"
    x = ad.ones(4, 5)
    assert drop(x) is x and x._version == 1


def test_layers_take_inplace_and_show_it_as_pytorch():
    assert repr(nn.ReLU(inplace=True)) == "ReLU(inplace=True)" and repr(nn.ReLU()) == "ReLU()"
    assert repr(nn.LeakyReLU(0.1, True)) == "LeakyReLU(negative_slope=0.1, inplace=True)"
    assert repr(nn.Hardtanh(-1, 1, True)) == "Hardtanh(min_val=-1, max_val=1, inplace=True)"
    assert repr(nn.ReLU6(True)) == "ReLU6(inplace=True)"
    assert repr(nn.Hardswish(True)) == "Hardswish()"  # PyTorch's repr does not show it
    layer = nn.ReLU()
    layer.inplace = True  # read at forward, as PyTorch's
    x = ad.tensor([-1.0, 1.0])
    assert layer(x) is x and x.tolist() == [0.0, 1.0]


def test_a_model_with_in_place_relus_trains_as_without():
    ad.manual_seed(0)
    plain = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2), nn.ReLU6()).double()
    in_place = nn.Sequential(
        nn.Linear(3, 4), nn.ReLU(inplace=True), nn.Linear(4, 2), nn.ReLU6(inplace=True)
    ).double()
    in_place.load_state_dict(plain.state_dict())
    x = ad.tensor(np.linspace(-2, 2, 15).reshape(5, 3))
    for model in (plain, in_place):
        model(x).pow(2).sum().backward()
    for p, q in zip(plain.parameters(), in_place.parameters(), strict=True):
        np.testing.assert_allclose(p.grad.data, q.grad.data)


def test_a_model_with_in_place_activations_exports_to_onnx():
    pytest.importorskip("onnx")
    from nn.export import from_onnx, to_onnx

    model = nn.Sequential(
        nn.Linear(3, 4), nn.ReLU(inplace=True), nn.Linear(4, 2), nn.ELU(inplace=True)
    )
    x = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    exported = to_onnx(model, (x,), None)
    assert [n.op_type for n in exported.graph.node] == ["Gemm", "Relu", "Gemm", "Elu"]
    np.testing.assert_allclose(
        from_onnx(exported)(ad.tensor(x)).data, model(ad.tensor(x)).data, rtol=1e-6
    )


@pytest.mark.parametrize(
    "layer",
    [
        lambda: nn.Conv1d(4, 3, 3, padding=1),
        lambda: nn.ConvTranspose1d(4, 3, 3, stride=2),
        lambda: nn.MaxPool1d(2),
    ],
    ids=["Conv1d", "ConvTranspose1d", "MaxPool1d"],
)
def test_one_d_layers_then_relu_in_place_train_as_without(layer):
    # Their output is a reshape view of the 2-d op's: the ReLU is recorded through its base
    first = layer()
    x = np.random.default_rng(5).standard_normal((2, 4, 6)).astype(np.float32)
    results = []
    for inplace in (True, False):
        xt = ad.tensor(x, requires_grad=True)
        for p in first.parameters():
            p.grad = None
        y = nn.Sequential(first, nn.ReLU(inplace=inplace))(xt)
        (y * y).sum().backward()
        results.append((y.data, xt.grad.data, [p.grad.data for p in first.parameters()]))
    (y1, gx1, gp1), (y2, gx2, gp2) = results
    np.testing.assert_array_equal(y1, y2)
    np.testing.assert_allclose(gx1, gx2, rtol=1e-6)
    for a, b in zip(gp1, gp2):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_a_view_that_is_all_of_its_base_is_changed_through_it():
    x = ad.tensor([[0.3, -0.7], [1.1, -0.2], [0.5, 0.9]], dtype=ad.float64, requires_grad=True)

    def f(t):
        base = t * 2.0
        before = base + 1.0  # used the base before the change: keeps its path
        view = base.reshape(2, 3)
        F.elu(view, 0.5, inplace=True)
        assert np.shares_memory(view.data, base.data)
        np.testing.assert_allclose(base.data.reshape(2, 3), view.data)  # the base changed too
        return before.sum() + (view * view).sum() + base.sum()

    assert_gradients_match(f, [x])
    # against the same computation written out of place
    y = x * 2.0
    elu = F.elu(y, 0.5)
    expected = (y + 1.0).sum() + (elu * elu).sum() + elu.sum()
    out = f(x)
    np.testing.assert_allclose(out.data, expected.data)
    # a view of part of it still raises, and nothing changes
    z = x * 1.0
    with pytest.raises(NotImplementedError, match="view of part of another tensor"):
        F.relu(z[0], inplace=True)
    np.testing.assert_array_equal(z.data, x.data)
