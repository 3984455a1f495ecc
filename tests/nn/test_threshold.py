"""nn.Threshold, F.threshold and F.threshold_, PyTorch's: `value` where x <= threshold, else x;
the gradient 1 where x > threshold, else 0 (central differences in float64, away from the
threshold), values and gradients against torch, NaN kept, integer dtypes kept, in place."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff as ad
import nn
import nn.functional as F
from autodiff.testing import assert_gradients_match, shapes, tensors


@settings(max_examples=20, deadline=None)
@given(data=st.data(), th=st.sampled_from([-1.0, 0.0, 0.5]), value=st.sampled_from([0.0, -2.0]))
def test_gradient_matches_central_differences(data, th, value):
    x = data.draw(tensors(shapes(max_dims=3, max_side=4), away_from=(th,), margin=0.05))
    assert_gradients_match(lambda t: F.threshold(t, th, value) * 1.5, x)
    assert_gradients_match(lambda t: F.threshold(t * 1.0, th, value, inplace=True), x)
    assert_gradients_match(lambda t: F.threshold_(t * 1.0, th, value), x)


@pytest.mark.parametrize("shape", [(), (1,), (0,), (2, 0)])
def test_edge_shapes(shape):
    x = ad.full(shape, 0.3, dtype=ad.float64, requires_grad=True)
    y = nn.Threshold(0.5, 7.0)(x)
    assert y.shape == shape and np.all(y.data == 7.0)
    y.sum().backward()
    assert x.grad.shape == shape and np.all(x.grad.data == 0.0)


def test_values_and_gradients_match_torch():
    torch = pytest.importorskip("torch")
    data = np.array([-2.0, 0.1, 0.5, 0.50001, 3.0, np.nan, -np.inf, np.inf], dtype=np.float32)
    for th, value in ((0.5, 20.0), (-1.0, -3.5), (0.0, 0.0)):
        x = ad.tensor(data, requires_grad=True)
        tx = torch.tensor(data, requires_grad=True)
        y, ty = F.threshold(x, th, value), torch.nn.functional.threshold(tx, th, value)
        assert y.dtype == ad.float32
        np.testing.assert_array_equal(y.data, ty.detach().numpy())
        (y * 2).sum().backward()
        (ty * 2).sum().backward()
        np.testing.assert_array_equal(x.grad.data, tx.grad.numpy())
    for th, value in ((1, 0.5), (1.5, 5), (-1, -7)):  # integers stay integers, value truncated
        ints = np.array([1, -2, 3, 0])
        out = F.threshold(ad.tensor(ints), th, value)
        expected = torch.nn.functional.threshold(torch.tensor(ints), th, value)
        assert out.dtype == ad.int64
        np.testing.assert_array_equal(out.data, expected.numpy())


def test_in_place_forms():
    x = ad.tensor([0.2, 1.0, -3.0])
    assert F.threshold(x, 0.5, 9.0, True) is x and x.tolist() == [9.0, 1.0, 9.0]
    assert x._version == 1
    x = ad.tensor([0.2, 1.0])
    assert F.threshold_(x, 0.5, -1.0) is x and x.tolist() == [-1.0, 1.0]
    layer = nn.Threshold(0.5, 0.0, inplace=True)
    x = ad.tensor([0.2, 1.0])
    assert layer(x) is x and x.tolist() == [0.0, 1.0]
    w = ad.tensor([0.2, 1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        F.threshold_(w, 0.5, 0.0)
    with ad.no_grad():
        F.threshold_(w, 0.5, 0.0)
    assert w.tolist() == [0.0, 1.0]


def test_layer_repr_and_arguments_as_pytorch():
    assert repr(nn.Threshold(0.1, 20)) == "Threshold(threshold=0.1, value=20)"
    assert repr(nn.Threshold(0.1, 20, True)) == "Threshold(threshold=0.1, value=20, inplace=True)"
    with pytest.raises(TypeError):
        nn.Threshold(0.1)  # both required, as PyTorch's
    with pytest.raises(TypeError, match="threshold must be a real number"):
        nn.Threshold("a", 1.0)
