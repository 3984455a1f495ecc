"""Numerical stability: softmax, log_softmax, sigmoid and logsumexp at inputs of +-1000 give
finite values and finite gradients, without a single floating-point warning."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from ops_support import SETTINGS

import autodiff as ad
from autodiff import Tensor, gradgradcheck
from autodiff.testing import shapes, tensors

DTYPES = [np.float64, np.float32]

# id, the op; each is applied along the last axis where it has one
STABLE_OPS = [
    ("softmax", lambda x: x.softmax(-1)),
    ("log_softmax", lambda x: x.log_softmax(-1)),
    ("sigmoid", ad.sigmoid),
    ("logsumexp", lambda x: x.logsumexp(-1)),
    ("logsumexp_all", lambda x: ad.logsumexp(x)),
]
IDS = [o[0] for o in STABLE_OPS]
EXTREME = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0], [1000.0, 999.0, 1000.0]])


def run_without_warnings(f, x, grad_output_seed=0):
    """f(x) and x's gradient for a random cotangent, failing on any warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = f(x)
        w = np.random.default_rng(grad_output_seed).standard_normal(y.shape).astype(y.dtype)
        y.backward(w)
    return y


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
@pytest.mark.parametrize(("name", "f"), STABLE_OPS, ids=IDS)
def test_finite_values_and_gradients_at_extremes(name, f, dtype):
    x = Tensor(EXTREME.astype(dtype), requires_grad=True)
    y = run_without_warnings(f, x)
    assert y.dtype == dtype
    assert np.all(np.isfinite(y.data))
    assert x.grad.dtype == dtype
    assert np.all(np.isfinite(x.grad.data))


@pytest.mark.parametrize(("name", "f"), STABLE_OPS, ids=IDS)
@SETTINGS
@given(x=tensors(shapes(min_dims=1), low=-1000.0, high=1000.0))
def test_finite_anywhere_in_range(x, name, f):
    y = run_without_warnings(f, x)
    assert np.all(np.isfinite(y.data))
    assert np.all(np.isfinite(x.grad.data))


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
def test_softmax_values_at_extremes(dtype):
    x = Tensor(EXTREME.astype(dtype), requires_grad=True)
    p = run_without_warnings(lambda t: t.softmax(axis=1), x)
    np.testing.assert_allclose(p.data.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(p.data[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(p.data[1], [1 / 3] * 3, rtol=1e-6)
    e = np.exp(-1.0)
    np.testing.assert_allclose(p.data[2], [1 / (2 + e), e / (2 + e), 1 / (2 + e)], rtol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
def test_log_softmax_values_at_extremes(dtype):
    x = Tensor(EXTREME.astype(dtype), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        logp = x.log_softmax(axis=1)
        logp.backward(np.tile(np.array([1.0, 0.0, 0.0], dtype=dtype), (3, 1)))
    np.testing.assert_allclose(logp.data[0], [0.0, -2000.0, -1000.0], rtol=1e-6)
    np.testing.assert_allclose(logp.data[1], [-np.log(3)] * 3, rtol=1e-6)
    # d log_softmax_0 / dx = onehot_0 - softmax
    np.testing.assert_allclose(x.grad.data[0], [0.0, 0.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(x.grad.data[1], [2 / 3, -1 / 3, -1 / 3], rtol=1e-5)


def test_log_softmax_equals_log_of_softmax_where_representable():
    x = Tensor(EXTREME)
    p = x.softmax(axis=1).data
    logp = x.log_softmax(axis=1).data
    representable = p > 0
    assert not representable.all()  # exp(-2000) underflows: log(softmax) would be -inf there
    np.testing.assert_allclose(logp[representable], np.log(p[representable]), rtol=1e-12)
    assert np.all(np.isfinite(logp))


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
def test_sigmoid_saturates_exactly(dtype):
    x = Tensor(np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0], dtype=dtype), requires_grad=True)
    y = run_without_warnings(ad.sigmoid, x)
    assert y.data[0] == 0.0 or y.data[0] < 1e-300
    assert y.data[-1] == 1.0
    assert y.data[2] == 0.5
    np.testing.assert_allclose(y.data[1], np.exp(-30.0), rtol=1e-5)
    np.testing.assert_allclose(y.data[3], 1 - np.exp(-30.0), rtol=1e-6)
    assert x.grad.data[0] == 0.0 and x.grad.data[-1] == 0.0


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
def test_logsumexp_values_at_extremes(dtype):
    x = Tensor(EXTREME.astype(dtype), requires_grad=True)
    y = run_without_warnings(lambda t: t.logsumexp(axis=1), x)
    expected = [1000.0, -1000.0 + np.log(3), 1000.0 + np.log(2 + np.exp(-1.0))]
    np.testing.assert_allclose(y.data, expected, rtol=1e-6)
    x.zero_grad()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x.logsumexp(axis=1).sum().backward()
    # exp(x - logsumexp) with |logsumexp| ~ 1000 keeps only ~1000 * eps relative precision
    rtol = 1e-10 if dtype == np.float64 else 1e-4
    np.testing.assert_allclose(x.grad.data, x.softmax(axis=1).data, rtol=rtol)


def test_tanh_and_exp_of_large_negative_inputs():
    x = Tensor(np.array([-1000.0, 1000.0]), requires_grad=True)
    y = run_without_warnings(ad.tanh, x)
    np.testing.assert_array_equal(y.data, [-1.0, 1.0])
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0])
    z = Tensor(np.array([-1000.0]), requires_grad=True)
    assert run_without_warnings(ad.exp, z).item() == 0.0


@pytest.mark.parametrize(("name", "f"), STABLE_OPS, ids=IDS)
def test_second_order_at_extremes(name, f):
    x = Tensor(np.array([[1000.0, 999.5, -1000.0], [-999.0, -1000.0, -998.0]]), True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gradgradcheck(f, x)
