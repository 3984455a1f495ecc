"""softmax and log_softmax along any axis."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from ops_support import SECOND_ORDER, SETTINGS

import autodiff as ad
from autodiff import Tensor, gradgradcheck
from autodiff.testing import assert_gradients_match, shapes, tensors


def np_log_softmax(a, axis=-1):
    shifted = a - a.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def np_softmax(a, axis=-1):
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# id, the op (a Tensor and an axis), the numpy reference
OPS = [
    ("softmax", lambda x, axis: x.softmax(axis), np_softmax),
    ("softmax_fn", lambda x, axis: ad.softmax(x, axis=axis), np_softmax),
    ("log_softmax", lambda x, axis: x.log_softmax(axis), np_log_softmax),
    ("log_softmax_fn", lambda x, axis: ad.log_softmax(x, axis=axis), np_log_softmax),
]
IDS = [o[0] for o in OPS]


@st.composite
def shape_and_axis(draw, max_side=4):
    shape = draw(shapes(min_dims=1, max_side=max_side))
    return shape, draw(st.integers(-len(shape), len(shape) - 1))


@pytest.mark.parametrize(("name", "f", "ref"), OPS, ids=IDS)
@SETTINGS
@given(data=st.data(), shape_axis=shape_and_axis())
def test_forward_and_gradient(data, shape_axis, name, f, ref):
    shape, axis = shape_axis
    x = data.draw(tensors(shape, low=-5.0, high=5.0))
    out = f(x, axis)
    assert out.shape == shape and out.dtype == np.float64
    np.testing.assert_allclose(out.data, ref(x.data, axis), rtol=1e-10, atol=1e-12)
    assert_gradients_match(lambda t: f(t, axis), x)


@pytest.mark.parametrize(("name", "f", "ref"), OPS, ids=IDS)
@SECOND_ORDER
@given(data=st.data(), shape_axis=shape_and_axis(max_side=3))
def test_second_order(data, shape_axis, name, f, ref):
    shape, axis = shape_axis
    x = data.draw(tensors(shape))
    assert gradgradcheck(lambda t: f(t, axis), x)


@SETTINGS
@given(data=st.data(), shape_axis=shape_and_axis())
def test_softmax_sums_to_one_and_log_softmax_is_its_log(data, shape_axis):
    shape, axis = shape_axis
    x = data.draw(tensors(shape, low=-20.0, high=20.0))
    p = x.softmax(axis)
    np.testing.assert_allclose(p.data.sum(axis=axis), 1.0, rtol=1e-12)
    assert np.all(p.data >= 0)
    np.testing.assert_allclose(x.log_softmax(axis).data, np.log(p.data), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(("name", "f", "ref"), OPS, ids=IDS)
def test_invariant_to_a_shift_along_the_axis(name, f, ref):
    a = np.array([[0.5, -1.0, 2.0], [3.0, 3.0, -3.0]])
    x = Tensor(a)
    shifted = Tensor(a + np.array([[100.0], [-7.0]]))
    np.testing.assert_allclose(f(shifted, -1).data, f(x, -1).data, rtol=1e-12, atol=1e-12)


def test_default_axis_is_last():
    a = np.arange(6.0).reshape(2, 3)
    x = Tensor(a)
    np.testing.assert_array_equal(x.softmax().data, x.softmax(axis=-1).data)
    np.testing.assert_array_equal(ad.log_softmax(x).data, x.log_softmax(1).data)
    assert not np.allclose(x.softmax().data, x.softmax(axis=0).data)


def test_softmax_gradient_of_its_sum_is_zero_and_log_softmax_gradient_formula():
    a = np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 4.0]])
    x = Tensor(a, requires_grad=True)
    x.softmax(axis=1).sum().backward()
    np.testing.assert_allclose(x.grad.data, 0.0, atol=1e-15)
    x.zero_grad()
    x.log_softmax(axis=1).sum().backward()  # d/dx sum(x - lse(x)) = 1 - n * softmax
    np.testing.assert_allclose(x.grad.data, 1 - 3 * np_softmax(a, 1), rtol=1e-12)


@pytest.mark.parametrize(("name", "f", "ref"), OPS, ids=IDS)
def test_size_one_axis(name, f, ref):
    x = Tensor(np.array([[0.3], [-2.0]]), requires_grad=True)
    out = f(x, 1)
    np.testing.assert_allclose(out.data, ref(x.data, 1))  # softmax 1, log_softmax 0
    out.backward(np.array([[2.0], [3.0]]))
    np.testing.assert_allclose(x.grad.data, 0.0, atol=1e-15)


@pytest.mark.parametrize(("name", "f", "ref"), OPS, ids=IDS)
def test_float32(name, f, ref):
    a = np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 4.0]], dtype=np.float32)
    x = Tensor(a, requires_grad=True)
    out = f(x, 0)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, ref(a.astype(np.float64), 0), rtol=1e-6, atol=1e-6)
    (out * out).sum().backward()
    assert x.grad.dtype == np.float32


def _softmax_with_dtype(lib, functional):
    x = lib.tensor(np.array([[1.0, 3.0, 3.0], [2.0, -1.0, 0.5]]), requires_grad=True)
    outs = [
        x.softmax(1, dtype=lib.float32),
        lib.log_softmax(x, dim=0, dtype=lib.float32),
        functional.softmax(x, dim=-1, dtype=lib.float32),
        functional.log_softmax(x.float(), 1, dtype=lib.float64),
    ]
    sum(out.double().sum() * (i + 1) for i, out in enumerate(outs)).backward()
    return [str(out.dtype).removeprefix("torch.") for out in outs], outs, x.grad


def test_softmax_converts_to_dtype_first():
    """PyTorch's dtype= of softmax and log_softmax (also F's) casts the input first, in the
    graph; it raised a TypeError."""
    import nn.functional as F

    dtypes, outs, grad = _softmax_with_dtype(ad, F)
    assert dtypes == ["float32", "float32", "float32", "float64"]
    assert grad.dtype == np.float64
    torch = pytest.importorskip("torch")
    t_dtypes, t_outs, t_grad = _softmax_with_dtype(torch, torch.nn.functional)
    assert dtypes == t_dtypes
    for ours, theirs in zip(outs, t_outs, strict=True):
        np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(grad.data, t_grad.numpy(), rtol=1e-5, atol=1e-7)


HALF_OPS = {
    "softmax": lambda t: t.softmax(1),
    "log_softmax": lambda t: t.log_softmax(-1),
    "sigmoid": lambda t: t.sigmoid(),
    "tanh": lambda t: t.tanh(),
}


def _half_results(lib, f):
    rs = np.random.RandomState(0)
    a, w = (rs.standard_normal((2, 4, 3000)) * 3).astype(np.float16)
    x = lib.tensor(a, requires_grad=True)
    y = f(x)
    (y * lib.tensor(w)).sum().backward()
    return y.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("f", HALF_OPS.values(), ids=HALF_OPS)
def test_float16_values_and_gradients_round_as_pytorchs(f):
    """PyTorch computes float16 softmax, log_softmax (the log-sum rounded to float16 on the
    way), sigmoid's forward and tanh's backward in float32, rounding once, and sigmoid's
    backward in float16 as g * (1 - y) * y; numpy's float16 steps differed from them in the
    last bit in a third of the elements (values 1e-3 apart)."""
    y, grad = _half_results(ad, f)
    assert y.dtype == grad.dtype == np.float16
    torch = pytest.importorskip("torch")
    ty, tgrad = _half_results(torch, f)
    assert (y != ty).sum() <= 1 and (grad != tgrad).sum() <= 1  # softmax: numpy's exp, once
