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


# ---------------------------------------------- double backward through piecewise-linear ops
# Ops whose first derivative is piecewise constant, applied to h = x @ w + b. PyTorch's backward
# of some of them reads the op's input (or relu's output) through an op whose derivative is zero
# (threshold_backward, leaky_relu_backward, abs's `grad * sgn(x)`, the 1- and inf-norm's
# sgn): under double backward everything before them is in the graph and gets zeros. Its
# backward of the others (maximum, clamp, where) uses a constant mask: nothing before them is
# in the graph, and their gradients stay None. The difference matters to an optimizer: it skips
# a parameter whose gradient is None, but Adam's momentum and weight decay still move one whose
# gradient is zero.
def _leaky_relu(lib, h):
    return ad.leaky_relu(h, 0.1) if lib is ad else lib.nn.functional.leaky_relu(h, 0.1)


def _l1_loss(lib, h):
    import nn.functional as F

    loss = F.l1_loss if lib is ad else lib.nn.functional.l1_loss
    return loss(h, h.detach() * 0.5, reduction="none")


def _bound(lib, value):
    return lib.tensor(np.full(5, value), dtype=lib.float64, requires_grad=True)


PIECEWISE_LINEAR = {
    "relu": lambda lib, h: lib.relu(h),
    "leaky_relu": _leaky_relu,
    "abs": lambda lib, h: h.abs(),
    "l1_loss": _l1_loss,
    "norm p=1": lambda lib, h: h.norm(p=1, dim=1, keepdim=True),
    "norm p=inf": lambda lib, h: h.norm(p=float("inf"), dim=1, keepdim=True),
    "norm p=-inf": lambda lib, h: h.norm(p=-float("inf"), dim=1, keepdim=True),
    # a constant mask in PyTorch too: the gradients before them stay None
    "maximum": lambda lib, h: lib.maximum(h, h * 0.5),
    "minimum": lambda lib, h: lib.minimum(h, lib.zeros(5, dtype=lib.float64)),
    "clamp": lambda lib, h: h.clamp(-0.5, 0.5),
    "clamp by tensors": lambda lib, h: h.clamp(_bound(lib, -0.5), _bound(lib, 0.5)),
    "where": lambda lib, h: lib.where(h.detach() > 0, h, 0.0),
}


def _penalty(lib, op):
    """The gradient penalty of `op` (WGAN-GP's): the squared gradient of sum(op(x @ w + b) * c)
    with respect to x, recorded, then x, w and b, all float64 and requiring grad."""
    rng = np.random.default_rng(0)
    x, w, b = (
        lib.tensor(rng.standard_normal(shape), dtype=lib.float64, requires_grad=True)
        for shape in ((4, 3), (3, 5), (5,))
    )
    y = op(lib, x @ w + b)
    c = lib.tensor(np.linspace(-1.0, 2.0, y.numel()).reshape(tuple(y.shape)), dtype=lib.float64)
    (g,) = lib.autograd.grad((y * c).sum(), x, create_graph=True)
    return (g**2).sum(), (x, w, b)


def _penalty_grads(lib, op):
    """The penalty's gradients in `.grad` of x, w and b (None where it does not reach)."""
    penalty, params = _penalty(lib, op)
    penalty.backward()
    return [None if p.grad is None else np.array(p.grad.tolist()) for p in params]


@pytest.mark.parametrize("op", PIECEWISE_LINEAR.values(), ids=PIECEWISE_LINEAR)
def test_double_backward_reaches_the_inputs_of_piecewise_linear_ops_as_torch(op):
    torch = pytest.importorskip("torch")
    ours, theirs = _penalty_grads(ad, op), _penalty_grads(torch, op)
    for name, got, want in zip("xwb", ours, theirs, strict=True):
        assert (got is None) == (want is None), f"{name}.grad: {got} != torch's {want}"
        if want is not None:
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, err_msg=name)


def test_relu_bias_gets_zeros_from_a_gradient_penalty_as_torch():
    """out = (relu(x @ W1 + b1) @ W2).sum(), then the penalty (d out / dx)^2 summed: its
    gradient for b1 is zeros in PyTorch (it was None here), also from autograd.grad."""
    torch = pytest.importorskip("torch")
    for lib in (ad, torch):
        rng = np.random.default_rng(1)
        x, w1, b1, w2 = (
            lib.tensor(rng.standard_normal(shape), dtype=lib.float64, requires_grad=True)
            for shape in ((4, 3), (3, 5), (5,), (5, 1))
        )
        hidden = lib.relu(x @ w1 + b1)
        (g,) = lib.autograd.grad((hidden @ w2).sum(), x, create_graph=True)
        penalty = (g**2).sum()
        # relu's output is in the graph too (threshold_backward reads it): zeros for it
        gb1, ghidden = lib.autograd.grad(penalty, [b1, hidden], retain_graph=True)
        assert gb1.tolist() == [0.0] * 5 and ghidden.tolist() == [[0.0] * 5] * 4
        penalty.backward()
        assert b1.grad.tolist() == [0.0] * 5
        assert np.abs(np.array(w1.grad.tolist())).sum() > 0


@pytest.mark.parametrize("op", ["relu", "leaky_relu", "abs", "norm p=1", "norm p=inf"])
def test_piecewise_linear_ops_third_order_matches_torch(op):
    """One order more: the penalty's gradient with respect to x, recorded, and its square's
    gradients (zeros, or None, as in PyTorch)."""
    torch = pytest.importorskip("torch")
    results = []
    for lib in (ad, torch):
        penalty, (x, w, b) = _penalty(lib, PIECEWISE_LINEAR[op])
        (gw,) = lib.autograd.grad(penalty, w, create_graph=True)
        (gw**2).sum().backward()
        results.append([None if p.grad is None else p.grad.tolist() for p in (x, w, b)])
    ours, theirs = results
    for got, want in zip(ours, theirs, strict=True):
        assert (got is None) == (want is None)
        if want is not None:
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
