"""norm / vector_norm / np.linalg.norm: vector p-norms over any dims, PyTorch's gradients.

Hypothesis draws the shape, the dims, keepdim and p; values are compared with numpy (and with
torch when installed), gradients with central differences. Edge cases: the gradient at a zero
vector (0, as PyTorch's, not NaN), ties for the inf-norm, 0-d and empty inputs, matrix norms
and integer inputs (errors).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from ops_support import SECOND_ORDER, SETTINGS

import autodiff as ad
from autodiff import Tensor, gradgradcheck
from autodiff.testing import assert_gradients_match, shapes, tensors

try:
    import torch
except ImportError:  # the torch comparisons skip
    torch = None

need_torch = pytest.mark.skipif(torch is None, reason="compares with PyTorch (not installed)")
ORDS = [2, "fro", 1, math.inf, -math.inf, 3, 0.5, 1.5, 0]


def reference(a, p, dims, keepdim):
    axes = tuple(range(a.ndim)) if dims is None else (dims if isinstance(dims, tuple) else (dims,))
    axes = tuple(d % a.ndim for d in axes)
    p = 2 if p == "fro" else p
    x = np.abs(a)
    if p == math.inf:
        out = x.max(axis=axes, keepdims=True)
    elif p == -math.inf:
        out = x.min(axis=axes, keepdims=True)
    elif p == 0:
        out = (x != 0).sum(axis=axes, keepdims=True).astype(a.dtype)
    else:
        out = (x**p).sum(axis=axes, keepdims=True) ** (1 / p)
    return out if keepdim else out.reshape([n for d, n in enumerate(a.shape) if d not in axes])


@st.composite
def shape_dims(draw):
    shape = draw(shapes(0, 3, 1, 4))
    ndim = len(shape)
    options = [st.none()]
    if ndim:
        options.append(st.integers(-ndim, ndim - 1))
        options.append(
            st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).map(tuple)
        )
    return shape, draw(st.one_of(options))


@pytest.mark.parametrize("p", ORDS, ids=[str(p) for p in ORDS])
@SETTINGS
@given(data=st.data(), case=shape_dims(), keepdim=st.booleans())
def test_norm(data, p, case, keepdim):
    shape, dims = case
    if p == "fro" and isinstance(dims, tuple) and len(dims) > 2:
        dims = dims[:2]
    inf = p in (math.inf, -math.inf)  # distinct magnitudes: no near-ties among the |x|
    domain = {"low": 0.1, "distinct": True} if inf else {"away_from": (0,), "margin": 0.1}
    x = data.draw(tensors(shape, **domain))
    out = x.norm(p, dims, keepdim)
    np.testing.assert_allclose(out.data, reference(x.data, p, dims, keepdim), rtol=1e-10)
    assert out.shape == reference(x.data, p, dims, keepdim).shape
    assert_gradients_match(lambda t: t.norm(p, dim=dims, keepdim=keepdim), x)
    if torch is not None:
        tx = torch.tensor(x.data, requires_grad=True)
        t_out = torch.norm(tx, p, dims, keepdim)
        np.testing.assert_allclose(out.data, t_out.detach().numpy(), rtol=1e-10, atol=1e-12)
        x.zero_grad()
        out.sum().backward()
        t_out.sum().backward()
        if p == 0:  # no gradient: .grad stays None in both
            assert x.grad is None and tx.grad is None
        else:
            np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("p", [2, 1, 3, 1.5, math.inf])
@SECOND_ORDER
@given(data=st.data())
def test_norm_second_order(data, p):
    domain = {"low": 0.1, "distinct": True} if p == math.inf else {"away_from": (0,)}
    x = data.draw(tensors(shapes(1, 2, 1, 3), **domain))
    assert gradgradcheck(lambda t: t.norm(p, dim=-1), x)


@pytest.mark.parametrize("p", ORDS, ids=[str(p) for p in ORDS])
def test_gradient_at_zero_is_pytorchs(p):
    """A zero vector (and zeros inside a vector): PyTorch's subgradients, no NaN, no warning."""
    a = np.array([[0.0, 0.0, 0.0], [0.0, -2.0, 1.0]])
    x = Tensor(a, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = (x.norm(p, dim=1) + x.sum(1)) if p == 0 else x.norm(p, dim=1)  # p = 0: no grad
        out.sum().backward()
    if p == 0:
        np.testing.assert_array_equal(x.grad.data, 1.0)  # from the sum alone
        return
    assert not np.isnan(x.grad.data).any()
    np.testing.assert_array_equal(x.grad.data[0], 0.0)
    if torch is not None:
        tx = torch.tensor(a, requires_grad=True)
        torch.norm(tx, p, 1).sum().backward()
        np.testing.assert_allclose(out.data, torch.norm(torch.tensor(a), p, 1).numpy())
        np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-12)


@need_torch
def test_inf_norm_ties_and_nan_share_the_gradient_like_pytorch():
    a = np.array([[3.0, -3.0, 1.0], [np.nan, 2.0, np.nan], [0.5, 0.5, -0.5]])
    for p in (math.inf, -math.inf):
        x, tx = Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        out, t_out = x.norm(p, dim=1), torch.norm(tx, p, 1)
        np.testing.assert_array_equal(out.data, t_out.detach().numpy())
        out.sum().backward()
        t_out.sum().backward()
        np.testing.assert_array_equal(x.grad.data, tx.grad.numpy())


def test_forms_vector_norm_and_numpy():
    a = np.array([[3.0, -4.0], [1.0, 2.0]])
    x = Tensor(a, requires_grad=True)
    assert x.norm().item() == pytest.approx(np.sqrt(30))
    np.testing.assert_allclose(ad.norm(x, dim=1).data, [5.0, np.sqrt(5)])
    np.testing.assert_allclose(ad.vector_norm(x, 1, dim=0).data, [4.0, 6.0])
    np.testing.assert_allclose(ad.vector_norm(x, math.inf, dim=(0, 1)).data, 4.0)
    np.testing.assert_allclose(x.norm(dim=1, keepdim=True).data, [[5.0], [np.sqrt(5)]])
    for out, expected in (
        (np.linalg.norm(x), np.linalg.norm(a)),
        (np.linalg.norm(x, axis=1), np.linalg.norm(a, axis=1)),
        (np.linalg.norm(x, ord=1, axis=0), np.linalg.norm(a, ord=1, axis=0)),
        (
            np.linalg.norm(x, ord=np.inf, axis=1, keepdims=True),
            np.linalg.norm(a, ord=np.inf, axis=1, keepdims=True),
        ),
        (np.linalg.norm(x, "fro"), np.linalg.norm(a, "fro")),
        (np.linalg.norm(x[0], 3), np.linalg.norm(a[0], 3)),
    ):
        assert isinstance(out, Tensor) and out.grad_fn is not None
        np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    x64 = Tensor(np.float32([3.0, 4.0]), requires_grad=True)
    assert x64.norm().dtype == np.float32 and x64.norm(dtype=np.float64).dtype == np.float64


def test_0d_and_empty():
    x = Tensor(np.float64(-2.5), requires_grad=True)
    out = x.norm()
    assert out.shape == () and out.item() == 2.5
    out.backward()
    assert x.grad.item() == -1.0
    e = Tensor(np.zeros((0, 3)), requires_grad=True)
    out = e.norm(dim=0)
    np.testing.assert_array_equal(out.data, np.zeros(3))
    out.sum().backward()
    assert e.grad.shape == (0, 3)
    with pytest.raises(ValueError, match=r"norm.*empty"):
        e.norm(math.inf, dim=0)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda x: x.norm("nuc"), NotImplementedError, r"norm: p='nuc' is a matrix norm"),
        (lambda x: x.norm("fro", dim=(0, 1, 2)), ValueError, r"at most 2 dims"),
        (lambda x: x.norm(p=[2]), TypeError, r"p must be a number"),
        (lambda x: ad.vector_norm(x, "fro"), TypeError, r"ord must be a number"),
        (lambda x: x.norm(dim=3), ValueError, r"norm.*axis 3 is out of bounds"),
        (lambda x: Tensor(np.arange(3)).norm(), TypeError, r"norm: the input must be floating"),
        (lambda x: np.linalg.norm(x[0], ord=2), TypeError, r"np.linalg.norm with ord=2.*matrix"),
        (lambda x: np.linalg.norm(x[0], "nuc"), TypeError, r"matrix norm.*detach"),
    ],
)
def test_errors(call, error, message):
    with pytest.raises(error, match=message):
        call(Tensor(np.ones((2, 2, 3)), requires_grad=True))


def test_linalg_namespace_has_vector_norm_and_says_what_it_lacks():
    x = Tensor(np.array([[3.0, -4.0], [1.0, 2.0]]), requires_grad=True)
    np.testing.assert_array_equal(ad.linalg.vector_norm(x, dim=1).data, x.norm(dim=1).data)
    with pytest.raises(AttributeError, match=r"autodiff.linalg.det: .*only vector_norm"):
        ad.linalg.det(x)


NORM_VALUES = np.array([[4.0, -4.0, 4.0], [0.0, 0.0, 0.0], [np.nan, 2.0, -1.0], [0.5, -3.0, 0.0]])
NORM_INCOMING = {"inf": np.inf, "-inf": -np.inf, "nan": np.nan, "5": 5.0}


def _norm_gradient(lib, p, values, incoming):
    x = lib.tensor(values, dtype=lib.float64, requires_grad=True)
    out = lib.norm(x, p, 1) if p != 0 else lib.norm(x, p, 1) + x.sum(1)
    out.backward(lib.tensor(np.full(tuple(out.shape), incoming), dtype=lib.float64))
    return x.grad.numpy()


@need_torch
@pytest.mark.parametrize("incoming", NORM_INCOMING)
@pytest.mark.parametrize("p", ORDS, ids=[str(p) for p in ORDS])
def test_infinite_or_nan_incoming_gradient_matches_pytorch(p, incoming):
    """Where PyTorch multiplies (sgn(x) * grad, a 0/1 mask, the 2-norm's masked x / norm),
    inf * 0 is NaN in both, without numpy's warning here; the inf-norm's tied extrema get
    grad / count, divided as PyTorch's. (Other p: PyTorch's pow takes rsqrt for -0.5 and
    numpy's does not: the last bit may differ.)"""
    got = _norm_gradient(ad, p, NORM_VALUES, NORM_INCOMING[incoming])
    want = _norm_gradient(torch, p, NORM_VALUES, NORM_INCOMING[incoming])
    if p in (1, 2, "fro", math.inf, -math.inf, 0):
        np.testing.assert_array_equal(got, want)
    else:
        np.testing.assert_allclose(got, want, rtol=1e-15)
    numbers = ~np.isnan(want)
    np.testing.assert_array_equal(np.signbit(got[numbers]), np.signbit(want[numbers]))
