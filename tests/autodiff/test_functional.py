"""grad, value_and_grad, jacobian, hessian, vjp, jvp; gradcheck and its report."""

import numpy as np
import pytest

import autodiff as ad
from autodiff import Tensor


def test_grad_and_value_and_grad():
    f = lambda x, y: (x * x * y).sum()  # noqa: E731
    x, y = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    np.testing.assert_allclose(ad.grad(f)(x, y).data, 2 * x * y)
    gx, gy = ad.grad(f, argnums=(0, 1))(x, y)
    np.testing.assert_allclose(gy.data, x * x)
    value, g = ad.value_and_grad(f, 1)(x, y)
    assert value.item() == 19.0 and not value.requires_grad
    np.testing.assert_allclose(g.data, x * x)


def test_grad_nests_for_higher_order():
    f = lambda x: x.exp() * x  # noqa: E731
    d = f
    for _ in range(3):
        d = ad.grad(d)
    assert d(0.5).item() == pytest.approx(np.exp(0.5) * (0.5 + 3), rel=1e-6)


def test_grad_of_constant_function_is_zero():
    assert ad.grad(lambda x: Tensor(3.0))(np.ones(2)).tolist() == [0.0, 0.0]


def test_grad_requires_scalar_output():
    with pytest.raises(ValueError, match="one-element"):
        ad.grad(lambda x: x * 2)(np.ones(3))


def test_jacobian_and_hessian():
    x = np.array([1.0, 2.0, 3.0])
    jac = ad.jacobian(lambda t: t[:2] * t[1:])(x)
    np.testing.assert_allclose(jac.data, [[2, 1, 0], [0, 3, 2]])
    hess = ad.hessian(lambda t: (t**3).sum() + t[0] * t[1])(x)
    np.testing.assert_allclose(hess.data, [[6, 1, 0], [1, 12, 0], [0, 0, 18]])


def test_vjp_and_jvp():
    f = lambda x: x.sin() * 2  # noqa: E731
    x = np.array([0.1, 0.2])
    out, vjp_fn = ad.vjp(f, x)
    (g,) = vjp_fn(np.array([1.0, -1.0]))
    np.testing.assert_allclose(g.data, 2 * np.cos(x) * [1, -1])
    (g2,) = vjp_fn(np.array([1.0, 1.0]))  # reusable
    np.testing.assert_allclose(g2.data, 2 * np.cos(x))
    out, jv = ad.jvp(f, (x,), (np.array([1.0, 3.0]),))
    np.testing.assert_allclose(out.data, 2 * np.sin(x))
    np.testing.assert_allclose(jv.data, 2 * np.cos(x) * [1, 3])


def test_gradients_api():
    x = Tensor([1.0, 2.0], requires_grad=True)
    z = Tensor([5.0], requires_grad=True)
    y = (x * x).sum()
    (gx,) = ad.gradients(y, x, retain_graph=True)
    assert gx.tolist() == [2.0, 4.0] and x.grad is None
    with pytest.raises(RuntimeError, match="not used"):
        ad.gradients(y, [x, z], retain_graph=True)
    gx, gz = ad.gradients(y, [x, z], allow_unused=True)
    assert gz is None


def test_numerical_grad_matches_analytic():
    x = np.array([0.5, -1.0])
    (num,) = ad.numerical_grad(lambda t: (t**2).sum(), x)
    np.testing.assert_allclose(num, 2 * x, atol=1e-8)


def test_gradcheck_reports_worst_element():
    class WrongGrad(ad.Function):
        @staticmethod
        def forward(ctx, x):
            return x * x

        @staticmethod
        def backward(ctx, g):
            return g * 2.0  # should be g * 2x

    with pytest.raises(ad.GradcheckError) as info:
        ad.gradcheck(
            lambda t: WrongGrad.apply(t), np.array([1.0, 3.0, 1.5]), grad_output=np.ones(3)
        )
    message = str(info.value)
    assert "input 0" in message and "index (1,)" in message and "analytic 2" in message
    assert "numerical 6" in message and "2 of 3 elements" in message
    assert not ad.gradcheck(lambda t: WrongGrad.apply(t), np.array([3.0]), raise_exception=False)


def test_gradcheck_passes_constants_through():
    labels = np.array([0, 2])
    assert ad.gradcheck(
        lambda x, t: x.log_softmax(1)[np.arange(2), t].sum(), np.random.randn(2, 3), labels
    )
    with pytest.raises(ValueError, match="no differentiable inputs"):
        ad.gradcheck(lambda t: t, labels)
