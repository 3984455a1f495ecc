"""Module backward hooks (PyTorch's register_full_backward_hook and
register_full_backward_pre_hook): gradients unchanged by a watching hook over random shapes,
replacement, create_graph, retain_graph, removal, prepend, in-place changes of a hooked input,
and what PyTorch's checks refuse."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff as ad
import nn
from autodiff import gradgradcheck
from autodiff.testing import assert_gradients_match, broadcastable_shapes, tensors


class Mul(nn.Module):
    def forward(self, a: ad.Tensor, b: ad.Tensor) -> tuple[ad.Tensor, ad.Tensor]:
        return a * b, (a - b).exp()


def _hooked() -> tuple[Mul, list]:
    seen: list = []
    module = Mul()
    module.register_full_backward_pre_hook(lambda m, go: seen.append(("pre", go)))
    module.register_full_backward_hook(lambda m, gi, go: seen.append(("hook", gi, go)))
    return module, seen


@settings(max_examples=20, deadline=None)
@given(data=st.data(), shapes=broadcastable_shapes(2))
def test_a_watching_hook_leaves_gradients_as_central_differences_give(data, shapes):
    a = data.draw(tensors(shapes[0], low=-1.0, high=1.0))
    b = data.draw(tensors(shapes[1], low=-1.0, high=1.0))
    module, seen = _hooked()

    def f(a, b):
        p, e = module(a, b)
        return p * 2 + e

    assert_gradients_match(f, a, b)
    assert [s[0] for s in seen[:2]] == ["pre", "hook"]
    _, gi, go = seen[1]
    assert gi[0].shape == a.shape and gi[1].shape == b.shape
    assert go[0].shape == go[1].shape == np.broadcast_shapes(a.shape, b.shape)


@pytest.mark.parametrize("shape", [(), (1,), (0, 3)])
def test_edge_shapes(shape):
    a = ad.ones(shape, dtype=ad.float64, requires_grad=True)
    b = ad.full(shape, 2.0, dtype=ad.float64, requires_grad=True)
    module, seen = _hooked()
    p, _ = module(a, b)
    p.sum().backward()
    np.testing.assert_array_equal(a.grad.data, np.full(shape, 2.0))
    _, gi, go = seen[1]
    assert go[1] is None and gi[0].shape == shape


def test_hook_replaces_grad_input_and_pre_hook_replaces_grad_output():
    lin = nn.Linear(3, 2).double()
    x = ad.ones(4, 3, dtype=ad.float64, requires_grad=True)
    lin(x).sum().backward()
    plain_x, plain_w = x.grad.clone(), lin.weight.grad.clone()
    x.grad = None
    lin.zero_grad()
    h1 = lin.register_full_backward_hook(lambda m, gi, go: (gi[0] * 3,))
    h2 = lin.register_full_backward_pre_hook(lambda m, go: (go[0] * 2,))
    lin(x).sum().backward()
    np.testing.assert_allclose(x.grad.data, plain_x.data * 6)
    np.testing.assert_allclose(lin.weight.grad.data, plain_w.data * 2)  # the pre-hook's only
    h1.remove()
    h2.remove()
    x.grad = None
    lin(x).sum().backward()
    np.testing.assert_allclose(x.grad.data, plain_x.data)


def test_prepend_and_order_of_hooks():
    order: list = []
    lin = nn.Linear(2, 2).double()
    lin.register_full_backward_hook(lambda m, gi, go: order.append(1))
    lin.register_full_backward_hook(lambda m, gi, go: order.append(0), prepend=True)
    lin.register_full_backward_pre_hook(lambda m, go: order.append("pre"))
    lin(ad.ones(1, 2, dtype=ad.float64, requires_grad=True)).sum().backward()
    assert order == ["pre", 0, 1]


def test_create_graph_through_a_hooked_module():
    module = nn.Tanh()
    module.register_full_backward_hook(lambda m, gi, go: (gi[0] * 2,))
    x = ad.tensor([0.3, -0.7], dtype=ad.float64, requires_grad=True)
    (g,) = ad.autograd.grad(module(x).sum(), x, create_graph=True)
    np.testing.assert_allclose(g.data, 2 * (1 - np.tanh(x.data) ** 2))
    g.sum().backward()
    np.testing.assert_allclose(x.grad.data, 2 * -2 * np.tanh(x.data) * (1 - np.tanh(x.data) ** 2))
    watched = nn.Tanh()
    watched.register_full_backward_hook(lambda m, gi, go: None)
    assert gradgradcheck(lambda t: watched(t) * t, (x,))


def test_retain_graph_runs_the_hooks_on_each_backward():
    calls: list = []
    module = nn.Tanh()
    module.register_full_backward_hook(lambda m, gi, go: calls.append(gi[0].clone()))
    x = ad.tensor([0.5], dtype=ad.float64, requires_grad=True)
    y = module(x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert len(calls) == 2
    np.testing.assert_allclose(calls[0].data, calls[1].data)


def test_a_hooked_input_shares_memory_and_version_with_the_argument():
    seen: list = []

    class Scale(nn.Module):
        def forward(self, t):
            seen.append(t)
            with ad.no_grad():
                t.mul_(1.0)  # bumps the caller's tensor's version, as a view of it
            return t * 2

    module = Scale()
    module.register_full_backward_hook(lambda m, gi, go: None)
    x = ad.ones(3, requires_grad=True)
    before = x._version
    module(x)
    assert seen[0] is not x and x._version == before + 1


def test_hook_results_are_checked():
    lin = nn.Linear(2, 1).double()
    lin.register_full_backward_hook(lambda m, gi, go: (ad.ones(5, dtype=ad.float64),))
    with pytest.raises(RuntimeError, match="changed the size of grad_input 0"):
        lin(ad.ones(1, 2, dtype=ad.float64, requires_grad=True)).sum().backward()
    lin = nn.Linear(2, 1).double()
    lin.register_full_backward_pre_hook(lambda m, go: (go[0], go[0]))
    with pytest.raises(RuntimeError, match="invalid number of grad_output, got 2, but expected 1"):
        lin(ad.ones(1, 2, dtype=ad.float64, requires_grad=True)).sum().backward()
    lin = nn.Linear(2, 1).double()
    lin.register_full_backward_hook(lambda m, gi, go: (ad.ones(1, 2, dtype=ad.float64),))
    with (
        pytest.warns(UserWarning, match="no inputs require gradients"),
        pytest.raises(RuntimeError, match="no input requires gradient should always return None"),
    ):
        lin(ad.ones(1, 2, dtype=ad.float64)).sum().backward()


def test_non_tensor_output_warns_as_pytorch():
    class Listy(nn.Module):
        def forward(self, t):
            return [t * 2]

    module = Listy()
    module.register_full_backward_hook(lambda m, gi, go: None)
    with pytest.warns(UserWarning, match="module output should be a Tensor or a tuple"):
        module(ad.ones(2, requires_grad=True))


def test_under_no_grad_nothing_is_wrapped():
    lin = nn.Linear(2, 1)
    lin.register_full_backward_hook(lambda m, gi, go: None)
    with ad.no_grad():
        out = lin(ad.ones(1, 2, requires_grad=True))
    assert out.grad_fn is None


def test_a_hooked_model_exports_to_onnx_as_without_hooks():
    pytest.importorskip("onnx")
    from nn.export import from_onnx, to_onnx

    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU())
    model[0].register_full_backward_hook(lambda m, gi, go: None)
    model[1].register_full_backward_pre_hook(lambda m, go: None)
    x = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    exported = to_onnx(model, (x,), None)
    assert {n.op_type for n in exported.graph.node} >= {"Identity"}
    np.testing.assert_allclose(from_onnx(exported)(ad.tensor(x)).data, model(ad.tensor(x)).data)
