"""nn.RReLU and F.rrelu (PyTorch's randomized leaky ReLU): eval mode is a leaky ReLU of slope
(lower + upper) / 2 (gradients as central differences give, exported to ONNX as LeakyRelu);
training draws a slope per element, which is the gradient there; seeding; in place; errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff as ad
import nn
import nn.functional as F
from autodiff.testing import assert_gradients_match, shapes, tensors


@settings(max_examples=15, deadline=None)
@given(data=st.data(), bounds=st.tuples(st.floats(0, 0.5), st.floats(0, 0.5)).map(sorted))
def test_eval_mode_is_a_leaky_relu_with_the_mean_slope(data, bounds):
    lower, upper = bounds
    x = data.draw(tensors(shapes(max_dims=3, max_side=4), away_from=(0.0,)))
    out = F.rrelu(x, lower, upper)  # training=False: PyTorch's default for the function
    expected = np.where(x.data > 0, x.data, x.data * (lower + upper) / 2)
    np.testing.assert_allclose(out.data, expected)
    assert_gradients_match(lambda t: F.rrelu(t, lower, upper), x)
    module = nn.RReLU(lower, upper).eval()
    np.testing.assert_allclose(module(x).data, expected)


@settings(max_examples=15, deadline=None)
@given(x=tensors(shapes(max_dims=3, max_side=5)))
def test_training_draws_a_slope_per_element_which_is_the_gradient(x):
    out = nn.RReLU(0.1, 0.3)(x)  # a module trains by default
    out.sum().backward()
    grad, data = x.grad.data, x.data
    np.testing.assert_array_equal(grad[data > 0], 1.0)
    slopes = grad[data <= 0]
    assert np.all((slopes >= 0.1) & (slopes < 0.3))
    np.testing.assert_allclose(out.data[data <= 0], data[data <= 0] * slopes)
    np.testing.assert_array_equal(out.data[data > 0], data[data > 0])


def test_edge_shapes_and_seeding():
    for shape in [(), (1,), (0, 3)]:
        x = ad.full(shape, -1.0, dtype=ad.float64, requires_grad=True)
        F.rrelu(x, training=True).sum().backward()
        assert x.grad.shape == shape
    x = ad.tensor(-np.ones(50))
    ad.manual_seed(7)
    first = F.rrelu(x, training=True)
    ad.manual_seed(7)
    np.testing.assert_array_equal(F.rrelu(x, training=True).data, first.data)
    assert len(np.unique(first.data)) > 40  # a slope per element
    rng = np.random.default_rng(1)
    again = np.random.default_rng(1)
    np.testing.assert_array_equal(
        F.rrelu(x, training=True, generator=rng).data,
        F.rrelu(x, training=True, generator=again).data,
    )


def test_in_place_and_repr_and_errors():
    x = ad.tensor([-2.0, 1.0])
    assert F.rrelu_(x, 0.25, 0.25, True) is x and x.tolist() == [-0.5, 1.0] and x._version == 1
    layer = nn.RReLU(0.2, 0.4, inplace=True).eval()
    y = ad.tensor([-1.0, 3.0])
    assert layer(y) is y and np.allclose(y.data, [-0.3, 3.0])
    assert repr(layer) == "RReLU(lower=0.2, upper=0.4, inplace=True)"
    assert repr(nn.RReLU()) == "RReLU(lower=0.125, upper=0.3333333333333333)"
    with pytest.raises(RuntimeError, match="Lower bound should be less than or equal"):
        F.rrelu(x, 0.5, 0.2)
    with pytest.raises(TypeError, match="floating-point"):
        F.rrelu(ad.tensor([1, -2]))


def test_eval_mode_exports_to_onnx_as_leaky_relu():
    pytest.importorskip("onnx")
    from nn.export import from_onnx, to_onnx

    model = nn.Sequential(nn.Linear(3, 2), nn.RReLU(0.1, 0.5)).eval()
    x = np.linspace(-2, 2, 6, dtype=np.float32).reshape(2, 3)
    exported = to_onnx(model, (x,), None)
    assert [n.op_type for n in exported.graph.node] == ["Gemm", "LeakyRelu"]
    np.testing.assert_allclose(
        from_onnx(exported)(ad.tensor(x)).data, model(ad.tensor(x)).data, rtol=1e-6
    )
