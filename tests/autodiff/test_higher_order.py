"""create_graph=True: derivatives of any order, Hessian-vector products, Newton's method."""

import numpy as np
import pytest

import autodiff as ad
from autodiff import Tensor


def test_fourth_derivative_of_sin_through_backward():
    x = Tensor(0.7, requires_grad=True, dtype=np.float64)
    y = x.sin()
    expected = [np.cos(0.7), -np.sin(0.7), -np.cos(0.7), np.sin(0.7)]
    for want in expected:
        x.grad = None
        y.backward(create_graph=True)
        y = x.grad
        assert y.item() == pytest.approx(want)
        assert y.requires_grad


def test_fourth_derivative_with_gradients():
    x = Tensor(np.array([0.1, 1.2]), requires_grad=True)
    y = x.sin().sum()
    for _ in range(4):
        (y,) = ad.gradients(y, x, create_graph=True)
        y = y.sum()
    assert y.item() == pytest.approx(np.sin(0.1) + np.sin(1.2))


def test_hessian_vector_product():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 4))
    a = a @ a.T
    x = Tensor(rng.standard_normal(4), requires_grad=True)
    v = rng.standard_normal(4)
    f = 0.5 * (x @ Tensor(a) @ x) + (x**3).sum()
    (g,) = ad.gradients(f, x, create_graph=True)
    (hv,) = ad.gradients((g * v).sum(), x)
    expected = (a @ v) + 6 * x.data * v
    np.testing.assert_allclose(hv.data, expected, rtol=1e-10)


def test_newton_method_on_quartic():
    """Minimise x^4 - 2x^2 from x=1.5: Newton converges to the minimum at x=1."""
    x = 1.5
    for _ in range(8):
        t = Tensor(x, requires_grad=True, dtype=np.float64)
        f = t**4 - 2 * t**2
        (g,) = ad.gradients(f, t, create_graph=True)
        (h,) = ad.gradients(g, t)
        x = x - g.item() / h.item()
    assert x == pytest.approx(1.0, abs=1e-12)


def test_backward_graph_can_be_walked():
    x = Tensor(2.0, requires_grad=True, dtype=np.float64)
    y = x * x * x
    y.backward(create_graph=True)
    g = ad.graph.walk(y, x.grad)
    assert x.grad.item() == 12.0 and x.grad.grad_fn is not None
    assert len(g.functions) > 2


def test_create_graph_unsupported_op_raises_clearly():
    class NumpyOnly(ad.Function):
        supports_create_graph = False

        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = Tensor(1.0, requires_grad=True)
    with pytest.raises(RuntimeError, match="NumpyOnlyBackward does not support create_graph"):
        NumpyOnly.apply(x).backward(create_graph=True)


@pytest.mark.parametrize(
    "f",
    [
        lambda x: (x.exp() * x.sin()).sum(),
        lambda x: x.softmax(0).log().sum() + x.sigmoid().prod(),
        lambda x: (x.tanh() @ x) + x.logsumexp(),
        lambda x: (x.reshape(2, 2).T * x[::-1].reshape(2, 2)).max(),
    ],
)
def test_hessians_match_finite_differences(f):
    x0 = np.array([0.3, -0.2, 0.5, 1.1])
    hess = ad.hessian(f)(x0).data
    grad = ad.grad(f)
    eps = 1e-6
    numeric = np.stack(
        [(grad(x0 + eps * e).data - grad(x0 - eps * e).data) / (2 * eps) for e in np.eye(4)],
        axis=1,
    )
    np.testing.assert_allclose(hess, numeric, atol=1e-6)
