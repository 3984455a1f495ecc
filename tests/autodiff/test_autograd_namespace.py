"""autodiff.autograd and autodiff.func: PyTorch's namespaces and signatures.

Function (forward and backward on Tensors), grad, backward, gradcheck/gradgradcheck with the
inputs as a tuple, functional.jacobian/hessian/vjp/jvp/hvp/vhp, and torch.func's transforms —
against torch where it is installed, and against autodiff's own transforms everywhere.
"""

from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad
from autodiff import Tensor
from autodiff.autograd import Function, GradcheckError, functional, gradcheck, gradgradcheck


def _torch():
    return pytest.importorskip("torch", reason="torch is not installed: nothing to compare with")


class Legendre3(Function):
    @staticmethod
    def forward(ctx, x):
        assert isinstance(x, Tensor) and not x.requires_grad  # PyTorch's forward sees Tensors
        ctx.save_for_backward(x)
        return 0.5 * (5 * x**3 - 3 * x)

    @staticmethod
    def backward(ctx, grad_output):
        assert isinstance(grad_output, Tensor)
        (x,) = ctx.saved_tensors
        assert isinstance(x, Tensor)
        return grad_output * 1.5 * (5 * x**2 - 1)


class SavesOutput(Function):
    """exp, saving its output (as PyTorch's tutorial Exp)."""

    @staticmethod
    def forward(ctx, x):
        out = x.exp()
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return grad_output * out


class Scale(Function):
    """Newer style: forward without ctx, and setup_context."""

    @staticmethod
    def forward(x, factor):
        return x * factor

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.factor = inputs[1]

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * ctx.factor, None


def x64(shape=(3, 4), seed=0):
    return ad.tensor(np.random.default_rng(seed).uniform(-1, 1, shape), requires_grad=True)


def test_function_sees_tensors_and_gradients_are_right():
    x = x64()
    y = Legendre3.apply(x)
    assert y.requires_grad and y.grad_fn is not None
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, 1.5 * (5 * x.data**2 - 1))
    assert Scale.apply(x, 3.0).grad_fn is not None
    with ad.no_grad():
        assert Legendre3.apply(x).grad_fn is None


def test_function_gradcheck_gradgradcheck_with_a_tuple():
    x = x64()
    assert gradcheck(Legendre3.apply, (x,))
    assert gradgradcheck(Legendre3.apply, (x,))
    assert gradcheck(SavesOutput.apply, (x,)) and gradgradcheck(SavesOutput.apply, (x,))
    assert gradcheck(Scale.apply, (x, 2.5))  # the float is a constant, as in PyTorch


def test_function_saved_output_is_version_checked():
    x = x64()
    y = SavesOutput.apply(x)
    with ad.no_grad():
        y.mul_(0)
    with pytest.raises(ad.InplaceModificationError):
        y.sum().backward()


def test_function_saved_input_is_version_checked():
    x = x64()
    z = Legendre3.apply(x)
    with ad.no_grad():
        x.add_(1)
    with pytest.raises(ad.InplaceModificationError):
        z.sum().backward()


def test_function_with_two_outputs_is_refused():
    class Two(Function):
        @staticmethod
        def forward(ctx, x):
            return x, x

        @staticmethod
        def backward(ctx, a, b):
            return a

    with pytest.raises(TypeError, match="Two.forward returned 2 outputs"):
        Two.apply(x64())


def test_gradcheck_catches_a_wrong_backward_as_pytorch_does():
    class WrongExp(Function):
        @staticmethod
        def forward(ctx, x):
            out = x.exp()
            ctx.save_for_backward(out)
            return out

        @staticmethod
        def backward(ctx, grad_output):
            return ctx.saved_tensors[0]  # forgets grad_output

    x = x64()
    assert gradcheck(WrongExp.apply, (x,), raise_exception=False) is False
    with pytest.raises(RuntimeError, match="gradcheck failed for input 0"):
        gradcheck(WrongExp.apply, (x,))
    assert issubclass(GradcheckError, RuntimeError) and issubclass(GradcheckError, AssertionError)
    with pytest.raises(ValueError, match="no differentiable inputs among \\(Tensor\\)"):
        gradcheck(WrongExp.apply, (ad.ones(3, dtype=ad.float64),))


def test_top_level_gradcheck_accepts_pytorch_tuple():
    x = x64()
    assert ad.gradcheck(lambda t: (t * t).sum(), (x,))
    assert ad.gradcheck(lambda a, b: a * b, (x, x64(seed=1)))
    assert ad.gradgradcheck(lambda t: t.exp(), (x,))
    assert len(ad.numerical_grad(lambda a, b: (a * b).sum(), (x, x64(seed=1)))) == 2


def test_grad_and_backward_signatures():
    x = x64()
    y = x64(seed=1)
    out = (x * x * y).sum()
    gx, gy = ad.autograd.grad(out, (x, y), create_graph=True)
    np.testing.assert_allclose(gx.data, 2 * x.data * y.data)
    (hxx,) = ad.autograd.grad(gx.sum(), x, retain_graph=True)
    np.testing.assert_allclose(hxx.data, 2 * y.data)
    unused = x64(seed=2)
    with pytest.raises(RuntimeError, match="not used"):
        ad.autograd.grad((x * 2).sum(), (x, unused))
    g = ad.autograd.grad((x * 2).sum(), (x, unused), allow_unused=True)
    assert g[1] is None
    g = ad.autograd.grad((x * 2).sum(), (x, unused), materialize_grads=True)
    assert g[1].tolist() == np.zeros((3, 4)).tolist()
    with pytest.raises(RuntimeError, match="grad_outputs has 2 entries"):
        ad.autograd.grad(x.sum(), x, grad_outputs=[None, None])
    with pytest.raises(RuntimeError, match="cannot be empty"):  # PyTorch's; it returned ()
        ad.autograd.grad(x.sum(), [])
    ad.autograd.backward([(x * 3).sum()], inputs=[x])
    np.testing.assert_allclose(x.grad.data, 3.0)
    assert y.grad is None
    ad.autograd.backward((y * 2).sum())
    np.testing.assert_allclose(y.grad.data, 2.0)


def rosenbrock(x):
    return (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()


def test_functional_against_autodiff_transforms():
    x0 = np.random.default_rng(0).uniform(-1, 1, 5)
    v = np.random.default_rng(1).standard_normal(5)
    x = ad.tensor(x0)
    H = functional.hessian(rosenbrock, x)
    np.testing.assert_allclose(H.data, ad.hessian(rosenbrock)(x0).data)
    assert not H.requires_grad and H.shape == (5, 5)
    value, hv = functional.hvp(rosenbrock, x, ad.tensor(v))
    np.testing.assert_allclose(hv.data, H.data @ v, rtol=1e-12)
    assert value.item() == pytest.approx(rosenbrock(x).item())
    _, vh = functional.vhp(rosenbrock, x, ad.tensor(v))
    np.testing.assert_allclose(vh.data, v @ H.data, rtol=1e-12)
    J = functional.jacobian(lambda t: t.exp() * t.sum(), x)
    np.testing.assert_allclose(J.data, ad.jacobian(lambda t: t.exp() * t.sum())(x0).data)
    out, vjp = functional.vjp(lambda t: t.sin() * 2, x, ad.tensor(v))
    np.testing.assert_allclose(vjp.data, 2 * np.cos(x0) * v)
    out, jvp = functional.jvp(lambda t: t.sin() * 2, x, ad.tensor(v))
    np.testing.assert_allclose(jvp.data, 2 * np.cos(x0) * v)
    # Tuples of inputs and outputs.
    a, b = ad.tensor([1.0, 2.0]), ad.tensor([3.0])
    ja, jb = functional.jacobian(lambda p, q: p * q, (a, b))
    assert ja.shape == (2, 2) and jb.shape == (2, 1)
    (haa, hab), (hba, hbb) = functional.hessian(lambda p, q: (p * p * q).sum(), (a, b))
    np.testing.assert_allclose(haa.data, np.diag([6.0, 6.0]))
    np.testing.assert_allclose(hab.data, [[2.0], [4.0]])
    np.testing.assert_allclose(hba.data, [[2.0, 4.0]])
    assert hbb.tolist() == [[0.0]]


def test_functional_create_graph_and_errors():
    x = ad.tensor([0.5, -0.3], requires_grad=True)
    H = functional.hessian(lambda t: (t**4).sum(), x, create_graph=True)
    assert H.requires_grad
    (third,) = ad.autograd.grad(H.sum(), x)
    np.testing.assert_allclose(third.data, 24 * x.data)
    with pytest.raises(NotImplementedError, match="vectorize"):
        functional.jacobian(lambda t: t, x, vectorize=True)
    with pytest.raises(NotImplementedError, match="forward-mode"):
        functional.jacobian(lambda t: t, x, strategy="forward-mode")
    with pytest.raises(RuntimeError, match="single element"):
        functional.hessian(lambda t: t, x)
    with pytest.raises(RuntimeError, match="v can be omitted only"):
        functional.vjp(lambda t: t * 2, x)
    with pytest.raises(TypeError, match="floating point"):
        functional.jacobian(lambda t: t, ad.tensor([1, 2]))


def test_functional_matches_torch():
    torch = _torch()
    from torch.autograd import functional as tf

    x0 = np.random.default_rng(0).uniform(-1, 1, 5)
    v0 = np.random.default_rng(1).standard_normal(5)
    for name, args in [
        ("hessian", ()),
        ("hvp", (v0,)),
        ("vhp", (v0,)),
        ("vjp", (v0,)),
        ("jvp", (v0,)),
        ("jacobian", ()),
    ]:

        def f(t):
            return t.sin() * t.sum()

        f = rosenbrock if name in ("hessian", "hvp", "vhp") else f  # scalar ones for Hessians
        ours = getattr(functional, name)(f, ad.tensor(x0), *(ad.tensor(a) for a in args))
        theirs = getattr(tf, name)(f, torch.tensor(x0), *(torch.tensor(a) for a in args))
        ours = ours if isinstance(ours, tuple) else (ours,)
        theirs = theirs if isinstance(theirs, tuple) else (theirs,)
        for o, t in zip(ours, theirs):
            np.testing.assert_allclose(o.data, t.numpy(), rtol=1e-10, atol=1e-12, err_msg=name)


def test_func_namespace():
    from autodiff import func

    x0 = np.random.default_rng(0).uniform(-1, 1, 4)
    x = ad.tensor(x0)
    np.testing.assert_allclose(func.grad(rosenbrock)(x).data, ad.grad(rosenbrock)(x0).data)
    g, value = func.grad_and_value(rosenbrock)(x)
    assert value.item() == pytest.approx(rosenbrock(x).item())
    g2, aux = func.grad(lambda t: (rosenbrock(t), "aux"), has_aux=True)(x)
    assert aux == "aux" and np.allclose(g2.data, g.data)
    g3, (v3, aux) = func.grad_and_value(lambda t: (rosenbrock(t), 7), has_aux=True)(x)
    assert aux == 7 and v3.item() == pytest.approx(value.item())
    H = func.hessian(rosenbrock)(x)
    np.testing.assert_allclose(func.jacrev(func.grad(rosenbrock))(x).data, H.data)
    np.testing.assert_allclose(func.jacfwd(func.grad(rosenbrock))(x).data, H.data)
    out, vjp_fn = func.vjp(lambda t: t * 3, x)
    assert vjp_fn(ad.ones(4))[0].tolist() == [3.0] * 4
    out, jv = func.jvp(lambda t: t * 3, (x,), (ad.ones(4),))
    assert jv.tolist() == [3.0] * 4
    with pytest.raises(NotImplementedError, match="vmap"):
        func.vmap(lambda t: t)
    with pytest.raises(RuntimeError, match="pair"):
        func.grad(lambda t: t.sum(), has_aux=True)(x)


def test_func_matches_torch():
    torch = _torch()
    x0 = np.random.default_rng(3).uniform(-1, 1, 4)

    def f(t):
        return (t.sin() * t * t).sum()

    pairs = [
        (ad.func.grad(f)(ad.tensor(x0)), torch.func.grad(f)(torch.tensor(x0))),
        (ad.func.hessian(f)(ad.tensor(x0)), torch.func.hessian(f)(torch.tensor(x0))),
        (ad.func.jacrev(ad.func.grad(f))(ad.tensor(x0)), torch.func.jacrev(torch.func.grad(f))(
            torch.tensor(x0)
        )),
    ]  # fmt: skip
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12, atol=1e-12)
