"""PyTorch's "Autograd mechanics" semantics that the port programs autograd_basics,
tensor_hooks, functional_jacobians and inplace_versions found missing or different: detach_,
retains_grad, inference_mode and the bare `@no_grad` decorator, the per-tensor `_version`,
vjp/jvp of functions with tuple outputs, jvp without v, and errors a PyTorch program catches
as RuntimeError. Against torch where it is installed.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

import autodiff as ad
from autodiff.autograd import functional


def _torch():
    return pytest.importorskip("torch", reason="torch is not installed: nothing to compare with")


def _leaf(values=(1.0, -2.0, 3.0)):
    return ad.tensor(list(values), dtype=ad.float64, requires_grad=True)


# ----------------------------------------------------------------- detach_ and retains_grad
def test_detach_in_place_cuts_a_result_and_a_leaf_from_the_graph():
    w = _leaf()
    e = w * 5
    (e * e).sum().backward()  # the truncated-backpropagation pattern: backward, then detach_
    w.grad = None
    assert e.detach_() is e
    assert e.is_leaf and not e.requires_grad and e.grad_fn is None
    assert e.tolist() == [5.0, -10.0, 15.0]
    (w * e).sum().backward()  # e is now a constant
    assert w.grad.tolist() == [5.0, -10.0, 15.0]
    leaf = _leaf()
    assert not leaf.detach_().requires_grad and leaf.is_leaf


def test_detach_in_place_refuses_a_result_whose_graph_is_alive():
    # PyTorch's consumers keep their edges to the old graph; glassgrad's find it through the
    # tensor, so detaching it in place would cut x's gradient silently: refused instead.
    x = _leaf()
    y = x * 2
    z = (y * 3).sum()
    with pytest.raises(RuntimeError, match="has not been run backward"):
        y.detach_()
    z.backward()
    assert x.grad.tolist() == [6.0, 6.0, 6.0]
    y.detach_()  # freed now: allowed
    assert y.is_leaf


def test_detach_in_place_refuses_a_view():
    w = _leaf()
    with pytest.raises(RuntimeError, match="Can't detach views in-place"):
        w[1:].detach_()
    with pytest.raises(RuntimeError, match="Can't detach views in-place"):
        ad.zeros(3)[:2].detach_()


def test_retains_grad_is_set_by_retain_grad_and_survives_backward():
    x = _leaf()
    h = x.exp()
    assert not h.retains_grad and not x.retains_grad
    h.retain_grad()
    assert h.retains_grad and not x.retains_grad
    h.sum().backward()  # frees h's node, not the flag
    assert h.retains_grad and h.grad.tolist() == [1.0, 1.0, 1.0]
    y = x * 2
    y.sum().backward(inputs=[y])  # backward(inputs=) retains a non-leaf's gradient
    assert y.retains_grad


# ----------------------------------------------------------------- grad modes
def test_inference_mode_records_nothing_even_under_enable_grad():
    w = _leaf()
    assert not ad.is_inference_mode_enabled()
    with ad.inference_mode():
        assert ad.is_inference_mode_enabled() and not ad.is_grad_enabled()
        assert not (w * 2).requires_grad
        with ad.enable_grad():
            assert not (w * 2).requires_grad
        with ad.inference_mode(False):
            assert ad.is_grad_enabled() and not ad.is_inference_mode_enabled()
            assert (w * 2).requires_grad
        assert ad.is_inference_mode_enabled()
    assert ad.is_grad_enabled() and not ad.is_inference_mode_enabled()
    with ad.no_grad(), ad.inference_mode(False):  # PyTorch: inference_mode(False) enables grad
        assert ad.is_grad_enabled()
    assert ad.is_grad_enabled()


def test_inference_mode_is_per_thread():
    seen = []
    with ad.inference_mode():
        t = threading.Thread(target=lambda: seen.append(ad.is_inference_mode_enabled()))
        t.start()
        t.join()
    assert seen == [False]


@pytest.mark.parametrize(
    ("manager", "records"),
    [(ad.no_grad, False), (ad.enable_grad, True), (ad.inference_mode, False)],
)
def test_grad_modes_decorate_without_the_call(manager, records):
    w = _leaf()

    @manager
    def double(t):
        return t * 2

    with ad.no_grad():
        pass
    assert double(w).requires_grad is records
    assert double.__name__ == "double"
    assert ad.is_grad_enabled()  # the decoration itself changed no mode


def test_grad_modes_match_torch():
    torch = _torch()
    for lib in (ad, torch):
        w = lib.ones(2, requires_grad=True)
        seen = []
        with lib.inference_mode():
            seen.append(lib.is_grad_enabled())
            with lib.inference_mode(False):
                seen.append(lib.is_grad_enabled())
                seen.append((w * 2).requires_grad)
            seen.append(lib.is_inference_mode_enabled())
        seen.append(lib.no_grad(lambda t: t * 2)(w).requires_grad)
        if lib is ad:
            ours = seen
        else:
            assert ours == seen


# ----------------------------------------------------------------- the version counter
def test_version_counts_in_place_changes_of_the_memory():
    w = _leaf()
    assert w._version == 0
    with ad.no_grad():
        w.add_(1)
        w[0] = 5.0
        w *= 2
    assert w._version == 3
    base = ad.zeros(4)
    view = base[1:3]
    view.add_(1)
    base.detach().mul_(2)
    assert base._version == view._version == 2
    copy = base.clone()
    assert copy._version == 0


def test_version_matches_torch():
    torch = _torch()
    versions = []
    for lib in (ad, torch):
        base = lib.zeros(4, dtype=lib.float64)
        v = base[1:3]
        v.add_(1.0)
        base[0] = 2.0
        base.detach().mul_(2)
        base.fill_(1.0)
        versions.append((base._version, v._version, (base + 1)._version))
    assert versions[0] == versions[1]


# ----------------------------------------------------------------- errors PyTorch programs catch
def test_errors_pytorch_programs_catch_as_runtime_error():
    with pytest.raises(RuntimeError, match="floating-point"):
        ad.tensor([1, 2, 3], requires_grad=True)
    with pytest.raises(TypeError, match="floating-point"):  # and still a TypeError
        ad.tensor([1, 2]).requires_grad_()
    x = _leaf()
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="shape"):
        ad.autograd.grad(x * 2, x, grad_outputs=ad.ones(2, dtype=ad.float64))
    with pytest.raises(ValueError):  # ShapeError stays a ValueError too
        ad.ones(2, 3) @ ad.ones(2, 3)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable"):
        x[:2].mul_(2)


# ----------------------------------------------------------------- vjp and jvp
def _two_outputs(p, q):
    return p * q.sum(0), (p.exp() @ q.T).tanh()


def test_vjp_and_jvp_of_tuple_outputs_agree_with_the_jacobians():
    rng = np.random.default_rng(0)
    p, q = ad.tensor(rng.standard_normal(3)), ad.tensor(rng.standard_normal((2, 3)))
    jacobians = functional.jacobian(_two_outputs, (p, q))
    u = (ad.tensor(rng.standard_normal(3)), ad.tensor(rng.standard_normal(2)))
    values, (vp, vq) = functional.vjp(_two_outputs, (p, q), u)
    assert isinstance(values, tuple) and len(values) == 2 and not values[0].requires_grad
    expect_p = sum(np.einsum("o,o...->...", ui.data, j[0].data) for ui, j in zip(u, jacobians))
    expect_q = sum(np.einsum("o,o...->...", ui.data, j[1].data) for ui, j in zip(u, jacobians))
    np.testing.assert_allclose(vp.data, expect_p, rtol=1e-12)
    np.testing.assert_allclose(vq.data, expect_q, rtol=1e-12)
    t = (ad.tensor(rng.standard_normal(3)), ad.tensor(rng.standard_normal((2, 3))))
    values, jvps = functional.jvp(_two_outputs, (p, q), t)
    assert isinstance(jvps, tuple) and len(jvps) == 2
    for jv, j in zip(jvps, jacobians):
        expect = j[0].data @ t[0].data + np.einsum("oij,ij->o", j[1].data, t[1].data)
        np.testing.assert_allclose(jv.data, expect, rtol=1e-12)


def test_vjp_and_jvp_with_an_output_that_does_not_depend_on_the_inputs():
    p = ad.tensor([1.0, 2.0], dtype=ad.float64)

    def f(t):
        return t * 3, ad.ones(2, dtype=ad.float64)

    _, vjps = functional.vjp(f, p, (ad.ones(2, dtype=ad.float64), ad.ones(2, dtype=ad.float64)))
    assert vjps.tolist() == [3.0, 3.0]
    _, jvps = functional.jvp(f, p, ad.ones(2, dtype=ad.float64))
    assert jvps[0].tolist() == [3.0, 3.0] and jvps[1].tolist() == [0.0, 0.0]
    with pytest.raises(RuntimeError, match="tuple of 2"):
        functional.vjp(f, p, ad.ones(2, dtype=ad.float64))


def test_jvp_without_v_for_one_element_inputs():
    s = ad.tensor(0.7, dtype=ad.float64)
    _, d = functional.jvp(lambda t: t.sin() * t, s)
    assert d.item() == pytest.approx(np.cos(0.7) * 0.7 + np.sin(0.7))
    with pytest.raises(RuntimeError, match="v can be omitted only"):
        functional.jvp(lambda t: t * 2, ad.ones(2))


def test_tuple_output_vjp_jvp_match_torch():
    torch = _torch()
    from torch.autograd import functional as tf

    rng = np.random.default_rng(1)
    p0, q0 = rng.standard_normal(3), rng.standard_normal((2, 3))
    u0, t0 = (rng.standard_normal(3), rng.standard_normal(2)), (np.ones(3), np.ones((2, 3)))
    for name, vec in (("vjp", u0), ("jvp", t0)):
        ours = getattr(functional, name)(
            _two_outputs, (ad.tensor(p0), ad.tensor(q0)), tuple(ad.tensor(v) for v in vec)
        )
        theirs = getattr(tf, name)(
            _two_outputs,
            (torch.tensor(p0), torch.tensor(q0)),
            tuple(torch.tensor(v) for v in vec),
        )
        for o, t in zip(ours[1], theirs[1]):
            np.testing.assert_allclose(o.data, t.numpy(), rtol=1e-12, err_msg=name)


# ----------------------------------------------------------------- custom Functions
def _function(lib, grads):
    """A PyTorch-style Function of (a, b) whose backward returns `grads(g)`."""

    class Product(lib.autograd.Function):
        @staticmethod
        def forward(ctx, a, b, scale=1.0):
            ctx.set_materialize_grads(False)
            return a * b * scale

        @staticmethod
        def backward(ctx, g):
            return grads(g)

    return Product


@pytest.mark.parametrize(
    ("grads", "runs"),
    [
        (lambda g: g, False),  # one gradient for two inputs: b's would be dropped
        (lambda g: (g, g * 2), True),
        (lambda g: (g, g * 2, None), True),  # trailing Nones are allowed, as in PyTorch
        (lambda g: (g, g * 2, g), False),  # scale was not passed: only None may follow
    ],
)
def test_function_backward_returns_one_gradient_per_input(grads, runs):
    a, b = _leaf(), _leaf()
    y = _function(ad, grads).apply(a, b)
    if not runs:
        with pytest.raises(RuntimeError, match="incorrect number of gradients"):
            y.sum().backward()
        return
    y.sum().backward()
    assert a.grad.tolist() == [1.0, 1.0, 1.0] and b.grad.tolist() == [2.0, 2.0, 2.0]


def test_function_gradient_count_matches_torch():
    torch = _torch()
    for grads in (lambda g: g, lambda g: (g, g, None), lambda g: (g, g, g)):
        outcomes = []
        for lib in (ad, torch):
            a = lib.ones(2, dtype=lib.float64, requires_grad=True)
            try:
                _function(lib, grads).apply(a, a * 1).sum().backward()
                outcomes.append("ran")
            except RuntimeError as err:
                outcomes.append("incorrect number of gradients" in str(err))
        assert outcomes[0] == outcomes[1]


# ----------------------------------------------------------------- anomaly mode
def _sqrt_at_zero_and_nan(lib):
    """Two backward passes under detect_anomaly: an infinite gradient (sqrt at 0), then a NaN
    one (0 * log 0); what each does: "ran" or the error's kind."""
    outcomes = []
    x = lib.tensor([0.0, 1.0], dtype=lib.float64, requires_grad=True)
    for make in (lambda: x.sqrt().sum(), lambda: ((x * 0).log() * 0).sum()):
        with lib.autograd.detect_anomaly(), np.errstate(all="ignore"):
            try:
                make().backward()
                outcomes.append("ran")
            except RuntimeError as err:
                outcomes.append("nan" if "nan values" in str(err) else str(err))
    return outcomes


def test_anomaly_mode_stops_at_nan_not_at_inf_as_pytorch():
    assert _sqrt_at_zero_and_nan(ad) == ["ran", "nan"]
    x = ad.tensor([0.0, 1.0], dtype=ad.float64, requires_grad=True)
    with ad.autograd.detect_anomaly(check_nan=False), np.errstate(all="ignore"):
        ((x * 0).log() * 0).sum().backward()  # sites recorded, nothing checked
    assert np.isnan(x.grad.data[0])
    with (
        ad.autograd.detect_anomaly(check_inf=True),
        np.errstate(all="ignore"),
        pytest.raises(ad.AnomalyError, match="returned inf values"),
    ):
        x.sqrt().sum().backward()
    assert not ad.is_anomaly_enabled()
    ad.autograd.set_detect_anomaly(True, check_inf=True)
    try:
        with np.errstate(all="ignore"), pytest.raises(FloatingPointError, match="inf values"):
            x.sqrt().sum().backward()
    finally:
        ad.autograd.set_detect_anomaly(False)
    assert not ad.is_anomaly_enabled()


def test_anomaly_mode_matches_torch():
    torch = _torch()
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns that anomaly mode is slow
        assert _sqrt_at_zero_and_nan(ad) == _sqrt_at_zero_and_nan(torch)


def test_factories_make_leaves_that_require_grad():
    for t in (ad.eye(2, requires_grad=True), ad.eye(2, 3, dtype=ad.float64, requires_grad=True)):
        assert t.requires_grad and t.is_leaf
    with ad.no_grad():  # a leaf that requires grad, whatever the grad mode, as in PyTorch
        assert ad.ones(2, requires_grad=True).requires_grad
