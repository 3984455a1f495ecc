"""Elementwise ops: arithmetic (with broadcasting and Python scalars), unary functions,
activations, maximum/minimum, where, clip, astype, comparisons and sign.

Every differentiable op gets: a hypothesis property test (forward against the same numpy
expression, backward against central differences), a second-order check (gradgradcheck), a
float32 dtype check, and its edge cases (0-d, size-1, empty, kinks, ties).
"""

from __future__ import annotations

import math
import operator
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from ops_support import SECOND_ORDER, SETTINGS, check_forward

import autodiff as ad
from autodiff import Tensor, gradgradcheck
from autodiff.testing import (
    arrays,
    assert_gradients_match,
    broadcastable_shapes,
    elements,
    shapes,
    tensors,
)

SMALL = shapes(min_dims=1, max_dims=2, max_side=3)  # for the costlier second-order checks


def sample(shape, low=-3.0, high=3.0, away_from=(), margin=0.05, seed=0):
    """Deterministic float64 values in [low, high], kept `margin` away from `away_from`."""
    a = np.random.default_rng(seed).uniform(low, high, shape)
    for p in away_from:
        near = np.abs(a - p) < margin
        a = np.where(near, np.where(a >= p, p + margin, p - margin), a)
    return np.asarray(a, dtype=np.float64)


# ------------------------------------------------------------------------------- unary ops
# id, the op on a Tensor, the same expression on an ndarray, where the elements may lie
POS = {"low": 0.1, "high": 3.0}
UNARY = [
    ("neg", operator.neg, operator.neg, {}),
    ("neg_fn", ad.neg, np.negative, {}),
    ("abs", abs, np.abs, {"away_from": (0,)}),
    ("exp", ad.exp, np.exp, {}),
    ("log", ad.log, np.log, POS),
    ("log1p", ad.log1p, np.log1p, {"low": -0.9, "high": 3.0}),
    ("expm1", ad.expm1, np.expm1, {}),
    ("erf", ad.erf, np.vectorize(math.erf, otypes=[np.float64]), {}),
    ("sqrt", ad.sqrt, np.sqrt, POS),
    ("sin", ad.sin, np.sin, {}),
    ("cos", ad.cos, np.cos, {}),
    ("tan", ad.tan, np.tan, {"low": -1.2, "high": 1.2}),
    ("tanh", ad.tanh, np.tanh, {}),
    ("sigmoid", ad.sigmoid, lambda a: 1 / (1 + np.exp(-a)), {}),
    ("relu", ad.relu, lambda a: np.maximum(a, 0), {"away_from": (0,)}),
    ("leaky_relu", ad.leaky_relu, lambda a: np.where(a > 0, a, 0.01 * a), {"away_from": (0,)}),
    (
        "leaky_relu_0.2",
        lambda x: x.leaky_relu(0.2),
        lambda a: np.where(a > 0, a, 0.2 * a),
        {"away_from": (0,)},
    ),
    ("clip", lambda x: x.clip(-1, 1), lambda a: np.clip(a, -1, 1), {"away_from": (-1, 1)}),
    ("clamp_min", lambda x: ad.clamp(x, min=-1), lambda a: np.maximum(a, -1), {"away_from": (-1,)}),
    (
        "clip_max",
        lambda x: ad.clip(x, max=0.5),
        lambda a: np.minimum(a, 0.5),
        {"away_from": (0.5,)},
    ),
    ("x+2", lambda x: x + 2, lambda a: a + 2, {}),
    ("2+x", lambda x: 2 + x, lambda a: 2 + a, {}),
    ("x-2", lambda x: x - 2, lambda a: a - 2, {}),
    ("2-x", lambda x: 2 - x, lambda a: 2 - a, {}),
    ("x*2.5", lambda x: x * 2.5, lambda a: a * 2.5, {}),
    ("2.5*x", lambda x: 2.5 * x, lambda a: 2.5 * a, {}),
    ("x/2", lambda x: x / 2, lambda a: a / 2, {}),
    ("2/x", lambda x: 2 / x, lambda a: 2 / a, {"away_from": (0,), "margin": 0.3}),
    ("x**2", lambda x: x**2, lambda a: a**2, {}),
    ("x**3", lambda x: x**3, lambda a: a**3, {}),
    ("x**0.5", lambda x: x**0.5, lambda a: a**0.5, POS),
    ("x**-1.5", lambda x: x**-1.5, lambda a: a**-1.5, {"low": 0.3, "high": 3.0}),
    ("2**x", lambda x: 2**x, lambda a: 2**a, {}),
    ("0.5**x", lambda x: 0.5**x, lambda a: 0.5**a, {}),
    ("x**x", lambda x: x**x, lambda a: a**a, {"low": 0.3, "high": 2.0}),
]
UNARY_IDS = [u[0] for u in UNARY]


@pytest.mark.parametrize(("name", "f", "ref", "domain"), UNARY, ids=UNARY_IDS)
@SETTINGS
@given(data=st.data())
def test_unary_forward_and_gradient(data, name, f, ref, domain):
    x = data.draw(tensors(shapes(max_side=3), **domain))  # elementwise: small shapes suffice
    check_forward(f(x), ref(x.data.copy()), rtol=1e-10)
    assert_gradients_match(f, x)


@pytest.mark.parametrize(("name", "f", "ref", "domain"), UNARY, ids=UNARY_IDS)
@SECOND_ORDER
@given(data=st.data())
def test_unary_second_order(data, name, f, ref, domain):
    x = data.draw(tensors(SMALL, **{"low": -2.0, "high": 2.0, **domain}))
    assert gradgradcheck(f, x)


@pytest.mark.parametrize(("name", "f", "ref", "domain"), UNARY, ids=UNARY_IDS)
def test_unary_second_order_0d(name, f, ref, domain):
    # 0-d is its own case: numpy ufuncs return numpy scalars there, not arrays.
    x = Tensor(sample((), **{"low": 0.3, "high": 1.5, **domain}), requires_grad=True)
    assert gradgradcheck(f, x)


@pytest.mark.parametrize(("name", "f", "ref", "domain"), UNARY, ids=UNARY_IDS)
@pytest.mark.parametrize("shape", [(0, 3), (1, 1, 1), (4, 0)])
def test_unary_empty_and_size_one(shape, name, f, ref, domain):
    a = sample(shape, **{"low": -2.0, "high": 2.0, **domain})
    x = Tensor(a, requires_grad=True)
    y = f(x)
    check_forward(y, ref(a.copy()), rtol=1e-10)
    y.sum().backward()
    assert x.grad.shape == shape


@pytest.mark.parametrize(("name", "f", "ref", "domain"), UNARY, ids=UNARY_IDS)
def test_unary_float32_in_float32_out(name, f, ref, domain):
    a = sample((2, 3), **{"low": -2.0, "high": 2.0, **domain}).astype(np.float32)
    x = Tensor(a, requires_grad=True)
    y = f(x)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.data, ref(a.astype(np.float64)), rtol=1e-5, atol=1e-6)
    y.sum().backward()
    assert x.grad.dtype == np.float32


@pytest.mark.parametrize(
    ("method", "function", "ufunc"),
    [
        ("exp", ad.exp, np.exp),
        ("log", ad.log, np.log),
        ("log1p", ad.log1p, np.log1p),
        ("sqrt", ad.sqrt, np.sqrt),
        ("sin", ad.sin, np.sin),
        ("cos", ad.cos, np.cos),
        ("tan", ad.tan, np.tan),
        ("tanh", ad.tanh, np.tanh),
        ("abs", ad.abs, np.abs),
    ],
)
def test_method_function_and_numpy_ufunc_forms_agree(method, function, ufunc):
    a = sample((3,), 0.2, 2.0)
    x = Tensor(a, requires_grad=True)
    outs = [getattr(x, method)(), function(x), ufunc(x)]
    for out in outs:
        assert isinstance(out, Tensor)
        assert out.grad_fn is not None
        np.testing.assert_array_equal(out.data, outs[0].data)


def test_functional_forms_accept_arrays_and_numbers():
    check_forward(ad.exp(np.array([0.0, 1.0])), np.exp([0.0, 1.0]), rtol=1e-10)
    assert ad.sigmoid(0.0).item() == pytest.approx(0.5)
    assert not ad.exp(np.array([0.0])).requires_grad


# ------------------------------------------------------------------------------ kinks
NAN = float("nan")


def test_relu_and_abs_gradient_at_zero_is_zero():
    x = Tensor(np.array([-1.0, 0.0, 2.0]), requires_grad=True)
    ad.relu(x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 1.0])
    x.zero_grad()
    x.abs().sum().backward()
    np.testing.assert_array_equal(x.grad.data, [-1.0, 0.0, 1.0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_abs_gradient_and_sign_at_nan_are_zero(dtype):
    """PyTorch's abs_backward is grad * sgn(x), and sgn(NaN) = sign(NaN) = 0."""
    values = [NAN, -2.0, -0.0, 0.0, 3.0, np.inf]
    x = Tensor(np.array(values, dtype), requires_grad=True)
    x.abs().sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, -1.0, 0.0, 0.0, 1.0, 1.0])
    np.testing.assert_array_equal(ad.sign(x).data, [0.0, -1.0, 0.0, 0.0, 1.0, 1.0])
    assert ad.sign(Tensor(np.array(NAN, dtype))).item() == 0.0
    y = Tensor(np.array([NAN, -2.0], np.float64), requires_grad=True)
    (g,) = ad.autograd.grad((y.abs() * y).sum(), y, create_graph=True)  # sgn(y) y + |y|
    g.sum().backward()
    np.testing.assert_array_equal(y.grad.data, [0.0, -2.0])  # 2 sgn(y), sgn(NaN) = 0
    torch = pytest.importorskip("torch")
    t = torch.tensor(values, dtype=getattr(torch, np.dtype(dtype).name), requires_grad=True)
    t.abs().sum().backward()
    np.testing.assert_array_equal(x.grad.data, t.grad.numpy())
    np.testing.assert_array_equal(ad.sign(x).data, torch.sign(t).detach().numpy())
    u = torch.tensor([NAN, -2.0], dtype=torch.float64, requires_grad=True)
    (gu,) = torch.autograd.grad((u.abs() * u).sum(), u, create_graph=True)
    gu.sum().backward()
    np.testing.assert_array_equal(y.grad.data, u.grad.numpy())


def _sign_gradients(lib):
    """x.grad after backward through sign alone, and sign's results on int and bool tensors."""
    x = lib.tensor([NAN, -2.0, 0.0, 3.0], dtype=lib.float64, requires_grad=True)
    y = x.sign()
    (y * 3).sum().backward()
    ints, bools = lib.tensor([-3, 0, 2]).sign(), lib.tensor([True, False]).sign()
    return y.requires_grad, x.grad.tolist(), ints.tolist(), bools.tolist()


def test_sign_records_a_zero_gradient():
    """PyTorch's sign requires grad and sends back zeros: x.grad is zeros, not None, which an
    optimizer's momentum and weight decay act on (sign recorded nothing, and the backward
    raised that the loss does not require grad). A bool tensor's sign is itself (it raised)."""
    assert _sign_gradients(ad) == (True, [0.0] * 4, [-1, 0, 1], [True, False])
    x = Tensor(np.array([-1.0, 2.0]), requires_grad=True)
    (g,) = ad.autograd.grad((x.sign() * x**2).sum(), x, create_graph=True)  # 2 |x|
    np.testing.assert_array_equal(g.data, [2.0, 4.0])
    np.testing.assert_array_equal(ad.autograd.grad(g.sum(), x)[0].data, [-2.0, 2.0])
    torch = pytest.importorskip("torch")
    assert _sign_gradients(ad) == _sign_gradients(torch)


@pytest.mark.parametrize("size", [7, 5000])  # ReLU has a small-array and a large-array path
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_keeps_nan_and_infinities_on_both_paths(size, dtype):
    values = np.array([np.nan, -np.inf, np.inf, -0.0, 0.0, -3.0, 2.5], dtype=dtype)
    x = Tensor(np.resize(values, size), requires_grad=True)
    y = ad.relu(x)
    np.testing.assert_array_equal(y.data, np.maximum(x.data, 0))  # NaN stays NaN, -inf -> 0
    assert y.dtype == dtype
    y.backward(np.ones(size, dtype))
    # PyTorch's threshold_backward, `x <= 0 ? 0 : g`: NaN passes the gradient, -0.0 does not
    np.testing.assert_array_equal(x.grad.data, (~(x.data <= 0)).astype(dtype))


@pytest.mark.parametrize("size", [7, 5000])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("op", ["relu", "clip"])
def test_blocked_positions_get_a_zero_even_from_an_infinite_gradient(size, dtype, op):
    # PyTorch: `x <= 0 ? 0 : g` (relu), `lo <= x <= hi ? g : 0` (clamp): a literal +0.0 where
    # no gradient flows, whatever g is there (g * mask would give NaN for inf * 0, -0.0 for
    # a negative g)
    x_values = np.resize(np.array([-1.0, 2.0, 0.0, 3.0, -2.0, np.nan], dtype=dtype), size)
    g_values = np.resize(np.array([np.inf, np.inf, -np.inf, np.nan, -5.0, 7.0], dtype), size)
    x = Tensor(x_values, requires_grad=True)
    y = ad.relu(x) if op == "relu" else x.clip(-0.5, 2.5)
    with np.errstate(all="raise"):  # no invalid-value warning either
        y.backward(g_values)
    passes = ~(x_values <= 0) if op == "relu" else (x_values >= -0.5) & (x_values <= 2.5)
    expected = np.where(passes, g_values, np.zeros((), dtype))
    assert x.grad.dtype == dtype
    np.testing.assert_array_equal(
        x.grad.data.view(f"u{x.grad.data.itemsize}"), expected.view(f"u{expected.itemsize}")
    )


# Backwards that multiply g, as PyTorch's do: an inf or NaN g times 0 is NaN in both, with
# no numpy warning here (pytest makes a RuntimeWarning an error)
MULTIPLYING = {
    "abs": (lambda t: t.abs(), lambda t: t.abs()),
    "leaky_relu": (lambda t: ad.leaky_relu(t, 0.1), lambda t: _torch_f().leaky_relu(t, 0.1)),
    "leaky_relu(0)": (lambda t: ad.leaky_relu(t, 0.0), lambda t: _torch_f().leaky_relu(t, 0.0)),
}


def _torch_f():
    import torch.nn.functional as torch_f

    return torch_f


@pytest.mark.parametrize("incoming", [np.inf, -np.inf, NAN, -2.5], ids=str)
@pytest.mark.parametrize("name", MULTIPLYING)
def test_multiplying_backwards_take_an_infinite_or_nan_gradient_as_torch(name, incoming):
    values = [NAN, -2.0, -0.0, 0.0, 3.0, np.inf, -np.inf]
    ours, theirs = MULTIPLYING[name]
    x = Tensor(np.array(values), requires_grad=True)
    ours(x).backward(np.full(len(values), incoming))
    torch = pytest.importorskip("torch")
    t = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    theirs(t).backward(torch.full((len(values),), incoming, dtype=torch.float64))
    got, want = x.grad.data, t.grad.numpy()
    np.testing.assert_array_equal(got, want)
    numbers = ~np.isnan(want)
    np.testing.assert_array_equal(np.signbit(got[numbers]), np.signbit(want[numbers]))


def test_step_gradient_is_zero_even_from_an_infinite_gradient():
    import nn.functional as F

    x = Tensor(np.array([1.0, -1.0, 0.0, NAN]), requires_grad=True)
    F.step(x).backward(np.array([np.inf, NAN, -np.inf, 2.0]))
    np.testing.assert_array_equal(_bits(x.grad.data), _bits(np.zeros(4)))


def test_relu_second_order_masks_like_the_first():
    # create_graph: relu's backward is an op of g (ZeroWhere), differentiable again
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((4, 5)), requires_grad=True)
    w = Tensor(rng.standard_normal((5, 3)), requires_grad=True)
    v = rng.standard_normal((5, 3))
    y = (ad.relu(x @ w) ** 2).sum()
    (gw,) = ad.gradients(y, [w], create_graph=True)
    (hv,) = ad.gradients((gw * Tensor(v)).sum(), [w])
    # the Hessian-vector product against central differences of the gradient
    eps = 1e-6

    def grad_at(w_array):
        wt = Tensor(w_array, requires_grad=True)
        (ad.relu(x.detach() @ wt) ** 2).sum().backward()
        return wt.grad.data

    numeric = (grad_at(w.data + eps * v) - grad_at(w.data - eps * v)) / (2 * eps)
    np.testing.assert_allclose(hv.data, numeric, rtol=1e-6, atol=1e-8)
    assert any(type(n).__name__ == "ZeroWhere" for n in _nodes(gw))


def _nodes(t):
    seen, todo = [], [t.grad_fn]
    while todo:
        node = todo.pop()
        if node is None or any(node is s for s in seen):
            continue
        seen.append(node)
        todo.extend(a.grad_fn for a in node.args if isinstance(a, Tensor))
    return seen


def test_leaky_relu_slope():
    x = Tensor(np.array([-2.0, 3.0]), requires_grad=True)
    y = x.leaky_relu(0.1)
    np.testing.assert_allclose(y.data, [-0.2, 3.0])
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, [0.1, 1.0])


@pytest.mark.parametrize(
    ("lo", "hi", "expected_grad"),
    [(-1.0, 1.0, [0, 1, 1, 1, 0]), (-1.0, None, [0, 1, 1, 1, 1]), (None, 1.0, [1, 1, 1, 1, 0])],
)
def test_clip_gradient_is_zero_outside_the_bounds(lo, hi, expected_grad):
    a = np.array([-3.0, -0.5, 0.0, 0.5, 3.0])
    x = Tensor(a, requires_grad=True)
    y = x.clip(lo, hi)
    check_forward(y, np.clip(a, lo, hi), rtol=1e-10)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, expected_grad)


# Tensor bounds: x, lo, hi as lists (nan allowed); None leaves the bound out.
CLAMP_BY_TENSORS = {
    "min": ([0.0, 1.0, 2.0, float("nan")], [1.0, 1.0, 1.5, 0.0], None),
    "max": ([0.0, 1.0, 2.0, 3.0], None, [1.0, 1.0, 2.5, float("nan")]),
    "both": ([0.0, 1.0, 2.0, 3.0, 4.0], [1.0, 1.0, 0.0, 0.0, 5.0], [2.0, 2.0, 2.0, 2.5, 3.0]),
    "broadcast bounds": ([[0.0, 2.0, 4.0], [1.0, 3.0, 5.0]], [[1.0], [3.0]], [3.5]),
}


def _clamp_by_tensors(lib, case, method):
    """clamp with tensor bounds (float64, all requiring grad): value and gradients."""
    x, lo, hi = (
        None if v is None else lib.tensor(v, dtype=lib.float64, requires_grad=True)
        for v in CLAMP_BY_TENSORS[case]
    )
    y = x.clamp(min=lo, max=hi) if method else lib.clamp(x, lo, hi)
    (y * lib.arange(1, y.numel() + 1, dtype=lib.float64).reshape(y.shape)).sum().backward()
    grads = [None if t is None else t.grad.tolist() for t in (x, lo, hi)]
    return np.asarray(y.tolist()), grads


@pytest.mark.parametrize("method", [True, False], ids=["method", "function"])
@pytest.mark.parametrize("case", CLAMP_BY_TENSORS)
def test_clamp_by_tensors_matches_torch(case, method):
    torch = pytest.importorskip("torch")
    value, grads = _clamp_by_tensors(ad, case, method)
    expected_value, expected_grads = _clamp_by_tensors(torch, case, method)
    np.testing.assert_array_equal(value, expected_value)
    assert grads == expected_grads


def test_clamp_by_tensors_gradient_goes_where_the_bound_binds():
    value, (gx, glo, ghi) = _clamp_by_tensors(ad, "both", method=True)
    # x = [0, 1, 2, 3, 4], lo = [1, 1, 0, 0, 5], hi = [2, 2, 2, 2.5, 3]; weights 1..5.
    np.testing.assert_array_equal(value, [1.0, 1.0, 2.0, 2.5, 3.0])
    assert gx == [0.0, 2.0, 3.0, 0.0, 0.0]  # lo <= x <= hi
    assert glo == [1.0, 0.0, 0.0, 0.0, 0.0]  # x < lo, and lo < hi
    assert ghi == [0.0, 0.0, 0.0, 4.0, 5.0]  # x > hi, or hi < lo (hi wins)


def test_clamp_by_tensors_second_order():
    x = Tensor(np.array([-1.5, 0.3, 2.0, 0.7]), requires_grad=True)
    lo = Tensor(np.array([-1.0, -1.0, 0.5, 0.0]), requires_grad=True)
    hi = Tensor(np.array([1.0, 0.1, 1.0, 3.0]), requires_grad=True)
    assert gradgradcheck(lambda x, lo, hi: (x * x).clamp(lo * lo, hi.exp()) ** 2, x, lo, hi)


def test_clamp_with_a_tensor_and_a_number_bound_raises_as_torch():
    x = ad.tensor([1.0, 2.0])
    with pytest.raises(TypeError, match="clamp: min and max must both be tensors or both"):
        x.clamp(min=ad.tensor([1.5, 1.5]), max=3.0)


def test_clip_without_bounds_is_identity():
    x = Tensor(np.array([-3.0, 3.0]), requires_grad=True)
    y = x.clip()
    np.testing.assert_array_equal(y.data, x.data)
    (y * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])


# ------------------------------------------------------------------------------ binary ops
# id, op, the same numpy expression, domain of a, domain of b
BINARY = [
    ("add", operator.add, np.add, {}, {}),
    ("sub", operator.sub, np.subtract, {}, {}),
    ("mul", operator.mul, np.multiply, {}, {}),
    ("div", operator.truediv, np.divide, {}, {"away_from": (0,), "margin": 0.3}),
    ("pow", operator.pow, np.power, {"low": 0.3, "high": 2.0}, {"low": -2.0, "high": 2.0}),
]
BINARY_IDS = [b[0] for b in BINARY]


@pytest.mark.parametrize(("name", "f", "ref", "dom_a", "dom_b"), BINARY, ids=BINARY_IDS)
@SETTINGS
@given(data=st.data(), shape_pair=broadcastable_shapes(2))
def test_binary_forward_and_gradient(data, shape_pair, name, f, ref, dom_a, dom_b):
    a = data.draw(tensors(shape_pair[0], **dom_a))
    b = data.draw(tensors(shape_pair[1], **dom_b))
    out = f(a, b)
    check_forward(out, ref(a.data, b.data), rtol=1e-10)
    assert_gradients_match(f, a, b)


@pytest.mark.parametrize(("name", "f", "ref", "dom_a", "dom_b"), BINARY, ids=BINARY_IDS)
@SECOND_ORDER
@given(data=st.data(), shape_pair=broadcastable_shapes(2, max_dims=2, max_side=3))
def test_binary_second_order(data, shape_pair, name, f, ref, dom_a, dom_b):
    a = data.draw(tensors(shape_pair[0], **{"low": 0.5, "high": 2.0, **dom_a}))
    b = data.draw(tensors(shape_pair[1], **{"low": -2.0, "high": 2.0, **dom_b}))
    assert gradgradcheck(f, a, b)


@pytest.mark.parametrize(("name", "f", "ref", "dom_a", "dom_b"), BINARY, ids=BINARY_IDS)
def test_binary_second_order_0d(name, f, ref, dom_a, dom_b):
    a = Tensor(np.float64(1.3), requires_grad=True)
    b = Tensor(np.float64(0.7), requires_grad=True)
    assert gradgradcheck(f, a, b)


@pytest.mark.parametrize(("name", "f", "ref", "dom_a", "dom_b"), BINARY, ids=BINARY_IDS)
def test_binary_float32_in_float32_out(name, f, ref, dom_a, dom_b):
    a = Tensor(sample((2, 3), **{"low": 0.5, "high": 2.0, **dom_a}).astype(np.float32), True)
    b = Tensor(sample((3,), **{"low": 0.5, "high": 2.0, **dom_b}, seed=1).astype(np.float32), True)
    out = f(a, b)
    assert out.dtype == np.float32
    out.sum().backward()
    assert a.grad.dtype == np.float32
    assert b.grad.dtype == np.float32


@pytest.mark.parametrize(("name", "f", "ref", "dom_a", "dom_b"), BINARY, ids=BINARY_IDS)
def test_binary_with_a_constant_operand(name, f, ref, dom_a, dom_b):
    a = Tensor(sample((2, 3), **{"low": 0.5, "high": 2.0, **dom_a}), requires_grad=True)
    b = Tensor(sample((3,), **{"low": 0.5, "high": 2.0, **dom_b}, seed=1))  # no grad
    out = f(a, b)
    check_forward(out, ref(a.data, b.data), rtol=1e-10)
    assert_gradients_match(lambda a: f(a, b), a)
    out.sum().backward()
    assert b.grad is None


@SETTINGS
@given(x=tensors(shapes(max_side=3)))
def test_a_tensor_times_itself_gets_both_gradients(x):
    # x * x sends its two gradients to x as one (Mul's shortcut): 2x, to the last bit.
    y = x * x
    g = np.random.default_rng(0).standard_normal(y.shape)
    y.backward(g)
    np.testing.assert_array_equal(x.grad.data, g * x.data + g * x.data)
    assert_gradients_match(lambda t: t * t, x)
    assert gradgradcheck(lambda t: t * t, Tensor(x.data, requires_grad=True))


def test_two_tensors_sharing_one_array_each_get_their_gradient():
    data = np.array([1.0, -2.0, 3.0])
    a, b = Tensor(data, requires_grad=True), Tensor(data, requires_grad=True)
    (a * b).sum().backward()
    np.testing.assert_array_equal(a.grad.data, data)
    np.testing.assert_array_equal(b.grad.data, data)


def test_pow_of_a_tensor_exponent_and_a_scalar_base_broadcasts():
    base = Tensor(np.array([[0.5], [2.0]]), requires_grad=True)
    exponent = Tensor(np.array([-1.0, 0.0, 1.5]), requires_grad=True)
    out = base**exponent
    check_forward(out, np.array([[0.5], [2.0]]) ** np.array([-1.0, 0.0, 1.5]), rtol=1e-10)
    assert_gradients_match(operator.pow, base, exponent)


@pytest.mark.parametrize(("name", "f", "ref", "dom_a", "dom_b"), BINARY, ids=BINARY_IDS)
@SETTINGS
@given(x=tensors(shapes(max_side=3), low=0.5, high=2.0), c=elements(0.5, 2.0))
def test_binary_with_a_python_scalar_on_either_side(x, c, name, f, ref, dom_a, dom_b):
    check_forward(f(x, c), ref(x.data, c), rtol=1e-10)
    check_forward(f(c, x), ref(c, x.data), rtol=1e-10)
    assert_gradients_match(lambda t: f(t, c), x)
    assert_gradients_match(lambda t: f(c, t), x)


# ---------------------------------------------------------------------- maximum / minimum
def separated_pair(data, shape_pair):
    """Two arrays whose elements differ by >= 0.5 wherever they meet under broadcasting."""
    a = np.round(data.draw(arrays(shape_pair[0])))
    b = np.round(data.draw(arrays(shape_pair[1]))) + 0.5
    return Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)


EXTREMA = [("maximum", ad.maximum, np.maximum), ("minimum", ad.minimum, np.minimum)]


@pytest.mark.parametrize(("name", "f", "ref"), EXTREMA, ids=["maximum", "minimum"])
@SETTINGS
@given(data=st.data(), shape_pair=broadcastable_shapes(2))
def test_maximum_minimum_forward_and_gradient(data, shape_pair, name, f, ref):
    a, b = separated_pair(data, shape_pair)
    check_forward(f(a, b), ref(a.data, b.data), rtol=1e-10)
    assert_gradients_match(f, a, b)


@pytest.mark.parametrize(("name", "f", "ref"), EXTREMA, ids=["maximum", "minimum"])
@SECOND_ORDER
@given(data=st.data(), shape_pair=broadcastable_shapes(2, max_dims=2, max_side=3))
def test_maximum_minimum_second_order(data, shape_pair, name, f, ref):
    assert gradgradcheck(f, *separated_pair(data, shape_pair))


@pytest.mark.parametrize(("name", "f", "ref"), EXTREMA, ids=["maximum", "minimum"])
def test_maximum_minimum_split_ties_evenly(name, f, ref):
    a = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    b = Tensor(np.array([0.0, 2.0, 4.0]), requires_grad=True)
    f(a, b).sum().backward()
    winner_a = [1.0, 0.5, 0.0] if name == "maximum" else [0.0, 0.5, 1.0]
    np.testing.assert_array_equal(a.grad.data, winner_a)
    np.testing.assert_array_equal(b.grad.data, 1 - np.array(winner_a))


@pytest.mark.parametrize(("name", "f", "ref"), EXTREMA, ids=["maximum", "minimum"])
def test_maximum_minimum_with_scalar_and_methods(name, f, ref):
    a = np.array([-1.0, 0.5, 2.0])
    x = Tensor(a, requires_grad=True)
    check_forward(f(x, 0.0), ref(a, 0.0), rtol=1e-10)
    check_forward(getattr(x, name)(0.0), ref(a, 0.0), rtol=1e-10)
    check_forward(ref(x, 0.0), ref(a, 0.0), rtol=1e-10)  # the numpy ufunc dispatches to the op
    f(x, 0.0).sum().backward()
    expected = (a > 0) if name == "maximum" else (a < 0)
    np.testing.assert_array_equal(x.grad.data, expected.astype(float))


def test_maximum_of_a_tensor_with_itself_gives_full_gradient():
    x = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    ad.maximum(x, x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0])


# (a, b, {op: (a's weights, b's)}): NaN on a's side, on b's, on both, a tie, a tie of
# infinities, a win and a loss; then NaN, a loss, a win and a tie against a broadcast b
SELECT_CASES = [
    (
        [NAN, 1.0, NAN, 2.0, np.inf, 3.0, -1.0],
        [1.0, NAN, NAN, 2.0, np.inf, 1.0, 3.0],
        {
            "maximum": ([1, 1, 1, 0.5, 0.5, 1, 0], [1, 1, 1, 0.5, 0.5, 0, 1]),
            "minimum": ([1, 1, 1, 0.5, 0.5, 0, 1], [1, 1, 1, 0.5, 0.5, 1, 0]),
        },
    ),
    (
        [NAN, 1.0, 3.0, 2.0],
        2.0,
        {
            "maximum": ([1, 0, 1, 0.5], [1, 1, 0, 0.5]),
            "minimum": ([1, 1, 0, 0.5], [1, 0, 1, 0.5]),
        },
    ),
]


def _select_gradients(lib, name, a, b, create_graph=False):
    """Values, a's and b's gradients of sum(name(a, b) * c) (and of the gradients' sum, once
    more, with create_graph), in float64."""
    a = lib.tensor(a, dtype=lib.float64, requires_grad=True)
    b = lib.tensor(b, dtype=lib.float64, requires_grad=True)
    c = lib.tensor(np.linspace(1.0, 2.0, len(a)), dtype=lib.float64, requires_grad=True)
    out = getattr(lib, name)(a, b)
    loss = (out * c).sum()
    if not create_graph:
        loss.backward()
        return [t.tolist() for t in (out, a.grad, b.grad)]
    ga, gb = lib.autograd.grad(loss, (a, b), create_graph=True)
    (ga.sum() + gb.sum()).backward()
    return [t.tolist() for t in (ga, gb, c.grad)]


@pytest.mark.parametrize("name", ["maximum", "minimum"])
@pytest.mark.parametrize(("a", "b", "weights"), SELECT_CASES)
def test_maximum_minimum_gradients_at_nan_pass_to_both_sides(name, a, b, weights):
    """PyTorch: a's gradient is zero only where a loses, b's where b loses, halves on ties; a
    NaN on either side loses no comparison, so both a and b get the whole gradient there."""
    out, ga, gb = _select_gradients(ad, name, a, b)
    c = np.linspace(1.0, 2.0, len(a))
    weight_a, weight_b = np.array(weights[name]) * c
    assert ga == weight_a.tolist()
    assert gb == (weight_b.tolist() if np.ndim(b) else pytest.approx(weight_b.sum()))
    torch = pytest.importorskip("torch")
    expected = _select_gradients(torch, name, a, b)
    np.testing.assert_array_equal(np.array(out), np.array(expected[0]))
    np.testing.assert_allclose(ga, expected[1], rtol=1e-15)
    np.testing.assert_allclose(gb, expected[2], rtol=1e-15)
    second = _select_gradients(ad, name, a, b, create_graph=True)
    for got, want in zip(second, _select_gradients(torch, name, a, b, True), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-15)


def _bits(values):
    """Float values as their bit patterns: equal NaNs compare equal, and +0.0 differs from -0.0."""
    a = np.asarray(values)
    return a.view(f"u{a.itemsize}")


# Incoming gradients with infinities and NaN, for SELECT_CASES' a and b (7 or 4 elements).
# No pattern mixes inf with -inf: summing them (b's broadcast gradient, the second pass's
# sums) would be inf - inf, another matter.
SELECT_INCOMING = {
    "inf": lambda n: np.full(n, np.inf),
    "-inf": lambda n: np.full(n, -np.inf),
    "nan": lambda n: np.full(n, NAN),
    "mixed": lambda n: np.resize([np.inf, NAN, -3.0, np.inf, NAN, 2.0, np.inf], n),
}


def _select_incoming(lib, name, a, b, incoming, dtype, create_graph=False):
    """a's and b's gradients of name(a, b) for the incoming gradient `incoming` (under
    create_graph too, and then the gradient of their sum with respect to the incoming one)."""
    dt = getattr(lib, dtype)
    a = lib.tensor(a, dtype=dt, requires_grad=True)
    b = lib.tensor(b, dtype=dt, requires_grad=True)
    g = lib.tensor(incoming, dtype=dt, requires_grad=create_graph)
    out = getattr(lib, name)(a, b)
    ga, gb = lib.autograd.grad(out, (a, b), g, create_graph=create_graph)
    result = [ga.detach().numpy(), gb.detach().numpy()]
    if create_graph:
        (gg,) = lib.autograd.grad((ga.sum() + gb.sum()), g)
        result.append(gg.numpy())
    return result


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("incoming", SELECT_INCOMING)
@pytest.mark.parametrize("name", ["maximum", "minimum"])
@pytest.mark.parametrize(("a", "b", "weights"), SELECT_CASES)
def test_maximum_minimum_infinite_or_nan_gradient_matches_torch(
    name, a, b, weights, incoming, dtype, create_graph
):
    """PyTorch masks the loser's gradient to +0.0 (`where(a == b, g / 2, g)`, then a
    masked_fill where a side loses): an inf or NaN incoming gradient leaves it 0, where a
    multiply by a 0/1 weight made inf * 0 = NaN (and a RuntimeWarning)."""
    g = SELECT_INCOMING[incoming](len(a))
    got = _select_incoming(ad, name, a, b, g, dtype, create_graph)
    # where a side loses, its gradient is +0.0 whatever the incoming one
    loses_a = np.array(weights[name][0]) == 0
    assert (_bits(got[0])[loses_a] == 0).all()
    torch = pytest.importorskip("torch")
    want = _select_incoming(torch, name, a, b, g, dtype, create_graph)
    for mine, theirs in zip(got, want, strict=True):
        assert mine.dtype == theirs.dtype
        np.testing.assert_array_equal(_bits(mine), _bits(theirs))


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_minimum_reported_case(name):
    """maximum([1, 2], [2, 1]) with the incoming gradient [inf, nan]: torch's a.grad = [0, nan],
    b.grad = [inf, 0] (maximum); the reverse for minimum."""
    a = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    b = Tensor(np.array([2.0, 1.0]), requires_grad=True)
    getattr(ad, name)(a, b).backward(np.array([np.inf, NAN]))
    if name == "maximum":
        np.testing.assert_array_equal(_bits(a.grad.data), _bits([0.0, NAN]))
        np.testing.assert_array_equal(_bits(b.grad.data), _bits([np.inf, 0.0]))
    else:
        np.testing.assert_array_equal(_bits(a.grad.data), _bits([np.inf, 0.0]))
        np.testing.assert_array_equal(_bits(b.grad.data), _bits([0.0, NAN]))


@pytest.mark.parametrize("size", [7, 5000])
def test_maximum_with_a_constant_side_masks_a_large_gradient(size):
    # only one side needs a gradient; the large path of zero_where (threads, blocks)
    rng = np.random.default_rng(1)
    x = Tensor(np.resize(np.array([1.0, -1.0, 0.0, NAN]), (size,)), requires_grad=True)
    g = rng.choice(np.array([np.inf, -np.inf, NAN, -2.0]), size)
    ad.maximum(x, 0.0).backward(g)
    expected = np.where(x.data < 0, 0.0, np.where(x.data == 0, g / 2, g))
    np.testing.assert_array_equal(_bits(x.grad.data), _bits(expected))


# ----------------------------------------------------------------------------------- where
@SETTINGS
@given(data=st.data(), shape_triple=broadcastable_shapes(3))
def test_where_forward_and_gradient(data, shape_triple):
    condition = data.draw(arrays(shape_triple[0])) > 0
    a = data.draw(tensors(shape_triple[1]))
    b = data.draw(tensors(shape_triple[2]))
    check_forward(ad.where(condition, a, b), np.where(condition, a.data, b.data), rtol=1e-10)
    assert_gradients_match(lambda a, b: ad.where(condition, a, b), a, b)


@SECOND_ORDER
@given(data=st.data(), shape_triple=broadcastable_shapes(3, max_dims=2, max_side=3))
def test_where_second_order(data, shape_triple):
    condition = data.draw(arrays(shape_triple[0])) > 0
    a = data.draw(tensors(shape_triple[1]))
    b = data.draw(tensors(shape_triple[2]))
    assert gradgradcheck(lambda a, b: ad.where(condition, a * a, b.exp()), a, b)


def test_where_routes_the_gradient_by_the_condition():
    a = np.array([-2.0, 3.0, -1.0, 4.0])
    x = Tensor(a, requires_grad=True)
    y = ad.where(x > 0, x * 3, 0.5)  # a bool Tensor condition, a scalar branch
    check_forward(y, np.where(a > 0, a * 3, 0.5), rtol=1e-10)
    assert y.requires_grad
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 3.0, 0.0, 3.0])


def _where_with_condition_modified(lib):
    """where(c, w, 0) with c changed in place before backward."""
    w = lib.tensor([3.0, -4.0], dtype=lib.float64, requires_grad=True)
    c = w > 0
    y = lib.where(c, w, 0.0)
    c[0] = False
    y.sum().backward()
    return w.grad.tolist()


def test_where_condition_modified_in_place_raises_at_backward():
    # The gradient would follow the changed condition: [0, 0] instead of [1, 0].
    with pytest.raises(ad.InplaceModificationError, match="WhereBackward.*inplace"):
        _where_with_condition_modified(ad)


def test_where_condition_modified_in_place_raises_as_torch():
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        _where_with_condition_modified(torch)


def test_where_condition_unmodified_keeps_double_backward():
    w = ad.tensor([3.0, -4.0], dtype=ad.float64, requires_grad=True)
    c = w > 0
    (g,) = ad.autograd.grad(ad.where(c, w * w, 0.0).sum(), [w], create_graph=True)
    assert g.tolist() == [6.0, 0.0]
    g.sum().backward()
    assert w.grad.tolist() == [2.0, 0.0]


def test_where_float32():
    x = Tensor(np.array([-1.0, 2.0], dtype=np.float32), requires_grad=True)
    y = ad.where(x.data > 0, x, 0.0)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


# ---------------------------------------------------------------------------------- astype
def test_astype_between_float_dtypes_converts_the_gradient_back():
    x64 = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    y = x64.astype(np.float32)
    assert y.dtype == np.float32
    assert y.grad_fn is not None
    (y * Tensor(np.array([1.0, 2.0, 3.0], dtype=np.float32))).sum().backward()
    assert x64.grad.dtype == np.float64
    np.testing.assert_array_equal(x64.grad.data, [1.0, 2.0, 3.0])

    x32 = Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    z = x32.double()
    assert z.dtype == np.float64
    (z * z).sum().backward()
    assert x32.grad.dtype == np.float32
    np.testing.assert_array_equal(x32.grad.data, [2.0, 4.0])


@SETTINGS
@given(x=tensors())
def test_astype_float64_gradient(x):
    check_forward(x.astype("float64"), x.data, rtol=1e-10)
    assert_gradients_match(lambda t: t.astype(np.float64) * t, x)


def test_astype_second_order():
    x = Tensor(np.array([0.5, -1.5]), requires_grad=True)
    (g,) = ad.gradients((x.astype(np.float32) ** 3).sum(), x, create_graph=True)
    assert g.requires_grad
    np.testing.assert_allclose(g.data, 3 * x.data**2, rtol=1e-6)
    g.sum().backward()
    np.testing.assert_allclose(x.grad.data, 6 * x.data, rtol=1e-6)


def test_astype_to_int_is_not_differentiable():
    x = Tensor(np.array([1.7, -2.2]), requires_grad=True)
    y = x.astype(np.int64)
    assert y.dtype == np.int64
    assert not y.requires_grad
    np.testing.assert_array_equal(y.data, [1, -2])


# --------------------------------------------------------------------- comparisons, sign
COMPARISONS = [
    (operator.lt, np.less),
    (operator.le, np.less_equal),
    (operator.gt, np.greater),
    (operator.ge, np.greater_equal),
    (operator.eq, np.equal),
    (operator.ne, np.not_equal),
]


@pytest.mark.parametrize(("op", "ref"), COMPARISONS, ids=lambda c: getattr(c, "__name__", ""))
@pytest.mark.parametrize(
    "other",
    [np.array([1.0, 2.0, 0.0]), 1.0, np.array([[2.0], [1.0]])],
    ids=["array", "scalar", "broadcast"],
)
def test_comparisons_give_bool_tensors_without_grad(op, ref, other):
    a = np.array([1.0, 2.0, 3.0])
    x = Tensor(a, requires_grad=True)
    for rhs in (other, Tensor(np.asarray(other), requires_grad=True)):
        out = op(x, rhs)
        assert isinstance(out, Tensor)
        assert out.dtype == np.bool_
        assert not out.requires_grad
        assert out.grad_fn is None
        np.testing.assert_array_equal(out.data, ref(a, other))


def test_comparison_of_mismatched_shapes_names_the_shapes():
    with pytest.raises(ValueError, match=r"(?s)less.*\(3,\).*\(4,\)"):
        Tensor(np.zeros(3)) < Tensor(np.zeros(4))  # noqa: B015


@pytest.mark.parametrize("sign", [ad.sign, Tensor.sign], ids=["function", "method"])
def test_sign_keeps_the_dtype_and_records_a_zero_gradient(sign):
    a = np.array([-2.5, 0.0, 3.0])
    for dtype in (np.float64, np.float32):
        x = Tensor(a.astype(dtype), requires_grad=True)
        s = sign(x)
        assert s.dtype == dtype
        assert s.requires_grad  # as PyTorch's, with a zero gradient
        np.testing.assert_array_equal(s.data, np.sign(a))
        s.sum().backward()
        assert x.grad.dtype == dtype
        np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 0.0])


# --------------------------------------------------------------------------------- errors
def test_add_of_unbroadcastable_shapes_names_op_and_shapes():
    with pytest.raises(ValueError, match=r"(?s)add.*\(3,\).*\(4,\)"):
        Tensor(np.zeros(3)) + Tensor(np.zeros(4))


@pytest.mark.parametrize("op", [operator.sub, operator.mul, operator.truediv, operator.pow])
def test_other_binary_ops_report_shapes(op):
    with pytest.raises(ValueError, match=r"(?s)\(2, 3\).*\(2,\)"):
        op(Tensor(np.ones((2, 3))), Tensor(np.ones(2)))


@pytest.mark.parametrize(
    "op", [operator.add, operator.sub, operator.mul, operator.truediv, operator.pow]
)
def test_arithmetic_with_a_string_raises_type_error(op):
    x = Tensor(np.ones(3))
    with pytest.raises(TypeError):
        op(x, "a")
    with pytest.raises(TypeError):
        op("a", x)


def _zero_power_gradients(lib):
    """d/dx of x ** 0 (a number, then a tensor exponent) at x = 0: 0, as PyTorch's pow_backward."""
    x = lib.tensor([0.0, 0.5, 0.0], dtype=lib.float64, requires_grad=True)
    (x**0 + x**1 + x**2).sum().backward()
    scalar_exponent = x.grad.tolist()
    x = lib.tensor([0.0, 0.5, 0.0], dtype=lib.float64, requires_grad=True)
    e = lib.tensor([0.0, 0.0, 2.0], dtype=lib.float64, requires_grad=True)
    (x**e).sum().backward()
    tensor_exponent = x.grad.tolist(), e.grad.tolist()
    x = lib.tensor([0.0, 0.5, 1.5], dtype=lib.float64, requires_grad=True)
    (g,) = lib.autograd.grad((x**e).sum(), x, create_graph=True)
    (gg,) = lib.autograd.grad((g * g).sum(), x)
    return scalar_exponent, tensor_exponent, g.tolist(), gg.tolist()


def test_zero_power_gradient_is_zero():
    scalar_exponent, tensor_exponent, first, second = _zero_power_gradients(ad)
    assert scalar_exponent == [1.0, 2.0, 1.0]
    assert tensor_exponent[0] == [0.0, 0.0, 0.0]
    assert first == [0.0, 0.0, 3.0]
    # d/dx (2x)^2 = 8x where e = 2; x ** 0 is constant, so 0 where e = 0, also at x = 0
    # (PyTorch gives NaN there: its masked branch still holds 0 ** -1 = inf)
    assert second == [0.0, 0.0, 12.0]


def test_zero_power_gradient_matches_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = _zero_power_gradients(ad), _zero_power_gradients(torch)
    np.testing.assert_equal(ours[:3], theirs[:3])
    # the second derivative at x = 0, e = 0: ours 0, PyTorch's NaN (see above)
    assert np.isnan(theirs[3][0]) and ours[3][0] == 0.0
    np.testing.assert_equal(ours[3][1:], theirs[3][1:])


def _subnormal_zero_power_gradient(lib):
    x = lib.tensor([-1e-320, 5e-324, 1e-300], dtype=lib.float64, requires_grad=True)
    e = lib.tensor([0.0, 0.0, 0.0], dtype=lib.float64)
    (x**e).sum().backward()
    return x.grad.tolist()


def test_zero_power_gradient_is_zero_at_a_subnormal_base():
    """1 / x overflows for a subnormal x: the formula's 0 * inf was NaN there."""
    assert _subnormal_zero_power_gradient(ad) == [0.0, 0.0, 0.0]
    torch = pytest.importorskip("torch")
    assert _subnormal_zero_power_gradient(torch) == [0.0, 0.0, 0.0]


def test_zero_power_second_order():
    x = Tensor(np.array([0.7, 1.5, 2.0]), requires_grad=True)
    assert gradgradcheck(lambda t: t**0 + t**2, x)
    exponent = Tensor(np.array([0.0, 2.0, 3.0]), requires_grad=True)
    # d/db of the x-gradient at b = 0 is 1/x: kept (PyTorch's mask makes it 0)
    assert gradgradcheck(lambda t, b: t**b, x, exponent)


def _exponent_gradients(lib):
    """d/db of a ** b for a tensor base, and of 0 ** b, -2 ** b and 2 ** b (a number base)."""
    a = lib.tensor([-1.5, 0.0, 0.0, 2.0, -0.5], dtype=lib.float64)
    b = lib.tensor([2.0, -2.0, 0.0, -3.0, 1.0], dtype=lib.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numpy's forward warns of 0 ** -2 (PyTorch's does not)
        outputs = [(base**b).sum() for base in (a, 0.0, -2.0, 2.0)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the backward computes NaN and -inf without warnings
        return [lib.autograd.grad(out, b)[0].tolist() for out in outputs]


def test_exponent_gradient_is_pytorchs_at_negative_and_zero_bases():
    """out * log(a): NaN where a < 0 (also where a ** b is real, an integer b), -inf at 0 ** b
    for b < 0, 0 at 0 ** b for b >= 0. It was 0 for every a <= 0, and NaN at 0 ** -2."""
    tensor_base, zero, negative, two = _exponent_gradients(ad)
    nan, inf = float("nan"), float("inf")
    np.testing.assert_equal(tensor_base, [nan, -inf, 0.0, 0.125 * np.log(2.0), nan])
    np.testing.assert_equal(zero, [0.0, -inf, 0.0, -inf, 0.0])
    np.testing.assert_equal(negative, [nan] * 5)
    np.testing.assert_allclose(two, np.log(2.0) * 2.0 ** np.array([2.0, -2, 0, -3, 1]))
    torch = pytest.importorskip("torch")
    np.testing.assert_equal(_exponent_gradients(ad), _exponent_gradients(torch))


# ----------------------------------------- integer and bool inputs of float-valued functions
FLOAT_VALUED = ["exp", "log", "log1p", "expm1", "sqrt", "sin", "cos", "tan", "tanh", "sigmoid"]
FLOAT_VALUED += ["erf", "logsumexp"]
INTEGER_DTYPES = ["uint8", "int8", "int32", "int64", "bool"]


def _float_valued_of_integers(lib, op, dtype):
    values = [True, False, True] if dtype == "bool" else [0, 1, 5]
    x = lib.tensor(values, dtype=getattr(lib, dtype))
    with np.errstate(divide="ignore"):  # log(0) = -inf, as torch gives it
        y = getattr(x, op)(0) if op == "logsumexp" else getattr(x, op)()
    return str(y.dtype).removeprefix("torch."), np.asarray(y.tolist(), dtype=np.float64)


@pytest.mark.parametrize("dtype", INTEGER_DTYPES)
@pytest.mark.parametrize("op", FLOAT_VALUED)
def test_float_valued_op_of_integers_matches_torch(op, dtype):
    torch = pytest.importorskip("torch")
    got_dtype, got = _float_valued_of_integers(ad, op, dtype)
    want_dtype, want = _float_valued_of_integers(torch, op, dtype)
    assert got_dtype == want_dtype
    np.testing.assert_allclose(got, want, rtol=1e-6)


@pytest.mark.parametrize("dtype", INTEGER_DTYPES)
def test_integers_compute_in_the_default_float_dtype(dtype):
    # numpy alone: uint8 sigmoid wrapped around to 0, bool exp gave float16, int erf gave ints.
    x = ad.tensor(np.array([0, 1, 1], dtype=dtype))
    for y in (x.sigmoid(), x.exp(), x.erf(), x.logsumexp(0), x.softmax(0)):
        assert y.dtype == ad.get_default_dtype()
    np.testing.assert_allclose(x.sigmoid().data, [0.5, 0.7310586, 0.7310586], rtol=1e-6)
    np.testing.assert_allclose(x.erf().data, [0.0, 0.8427008, 0.8427008], rtol=1e-6)


# -------------------------------------------- numpy scalars count as Python numbers
NUMPY_SCALARS = [np.float64(2.0), np.float32(2.0), np.float16(2.0), np.int64(2), np.int32(2)]


def _dtypes_with_numpy_scalars(lib):
    """The result dtypes of float16 and float32 tensors with numpy scalars on either side,
    in a few ops, and of integer tensors times numpy integers."""
    out = []
    for dtype in (lib.float16, lib.float32):
        x = lib.tensor([1.0, 2.0], dtype=dtype, requires_grad=True)
        for s in NUMPY_SCALARS:
            for y in (x * s, s * x, x / s, s - x, x**s, lib.maximum(x, x * 0 + s)):
                out.append(str(y.dtype))
            (x / s).sum().backward()
            out.append(str(x.grad.dtype))
    for s in NUMPY_SCALARS[3:]:
        out.append(str((lib.tensor([3, 4], dtype=lib.int32) * s).dtype))
    return [d.removeprefix("torch.") for d in out]


def test_numpy_scalars_do_not_decide_the_dtype():
    """x / np.sqrt(d) stays float32, as in PyTorch, where a numpy scalar is a Python number;
    numpy's promotion made it float64 (np.float64 and numpy integers alike, even with float16)."""
    dtypes = _dtypes_with_numpy_scalars(ad)
    assert dtypes == ["float16"] * 35 + ["float32"] * 35 + ["int32"] * 2
    torch = pytest.importorskip("torch")
    assert dtypes == _dtypes_with_numpy_scalars(torch)


def _where_and_clamp_dtypes(lib):
    cond = lib.tensor([True, False])
    x = lib.tensor([0.5, -1.5], dtype=lib.float32)
    results = [lib.where(cond, a, b) for a, b in [(1, 0), (1, 0.5), (True, False), (True, 0)]]
    results += [x.clamp(min=np.float64(0.0)), x.clamp(np.float64(-1), np.int64(1))]
    return [(str(r.dtype).removeprefix("torch."), r.tolist()) for r in results]


def test_where_of_two_numbers_and_clamp_by_numpy_scalars_keep_pytorchs_dtypes():
    """where(c, 1, 0) is int64 (it was float32), where(c, True, False) bool; a float32 tensor
    clamped by numpy scalars stays float32 (it became float64)."""
    ours = _where_and_clamp_dtypes(ad)
    assert [dtype for dtype, _ in ours] == ["int64", "float32", "bool", "int64"] + ["float32"] * 2
    torch = pytest.importorskip("torch")
    assert ours == _where_and_clamp_dtypes(torch)


def test_where_of_a_condition_alone_raises_naming_it():
    """PyTorch's where(condition) is nonzero(as_tuple=True); glassgrad has no nonzero and said
    only that two arguments were missing."""
    with pytest.raises(TypeError, match=r"where\(condition\) alone.*nonzero"):
        ad.where(Tensor(np.array([1.0, -1.0])) > 0)
