"""Reductions: sum, mean, amax, amin (and np.max/np.min), var, std, logsumexp, prod.

Hypothesis draws the shape, the axis (None, an int, a tuple, negative or not) and keepdims;
forward is compared with numpy and backward with central differences. Edge cases: 0-d inputs,
empty inputs, ties for amax/amin, zeros for prod, ddof, and the error messages for bad axes.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from ops_support import SECOND_ORDER, SETTINGS, check_forward

import autodiff as ad
from autodiff import Tensor, gradgradcheck
from autodiff.testing import assert_gradients_match, shapes, tensors


def np_logsumexp(a, axis=None, keepdims=False):
    m = np.max(a, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


@st.composite
def shape_axis_keepdims(draw, min_dims=0, max_dims=3, min_side=1, max_side=4):
    """A shape, an axis argument valid for it, and keepdims."""
    shape = draw(shapes(min_dims, max_dims, min_side, max_side))
    ndim = len(shape)
    options = [st.none()]
    if ndim:
        options.append(st.integers(-ndim, ndim - 1))
        options.append(
            st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).flatmap(
                lambda axes: st.tuples(*[st.sampled_from([a, a - ndim]) for a in axes])
            )
        )
    return shape, draw(st.one_of(options)), draw(st.booleans())


# id, the op, the numpy expression, the domain of the elements, the shape strategy's options.
# var/std with ddof=1 and std need at least two elements per reduction (min_side=2).
SPREAD = {"min_dims": 1, "min_side": 2}
REDUCTIONS = [
    ("sum", lambda x, axis, k: x.sum(axis, k), np.sum, {}, {}),
    ("sum_fn", lambda x, axis, k: ad.sum(x, axis, k), np.sum, {}, {}),
    ("mean", lambda x, axis, k: x.mean(axis, keepdims=k), np.mean, {}, {}),
    ("mean_fn", lambda x, axis, k: ad.mean(x, axis, k), np.mean, {}, {}),
    ("amax", lambda x, axis, k: x.amax(axis, k), np.max, {"distinct": True}, {}),
    ("amax_fn", lambda x, axis, k: ad.amax(x, axis, k), np.max, {"distinct": True}, {}),
    ("np_max", lambda x, axis, k: np.max(x, axis, keepdims=k), np.max, {"distinct": True}, {}),
    ("amin", lambda x, axis, k: x.amin(axis, k), np.min, {"distinct": True}, {}),
    ("amin_fn", lambda x, axis, k: ad.amin(x, axis, k), np.min, {"distinct": True}, {}),
    ("np_min", lambda x, axis, k: np.min(x, axis, keepdims=k), np.min, {"distinct": True}, {}),
    ("var", lambda x, axis, k: x.var(axis, ddof=0, keepdims=k), np.var, {}, {}),
    (
        "var_ddof1",
        lambda x, axis, k: ad.var(x, axis, ddof=1, keepdims=k),
        lambda a, axis, keepdims: np.var(a, axis, ddof=1, keepdims=keepdims),
        {},
        SPREAD,
    ),
    ("std", lambda x, axis, k: x.std(axis, ddof=0, keepdims=k), np.std, {"distinct": True}, SPREAD),
    (
        "std_ddof1",
        lambda x, axis, k: ad.std(x, axis, ddof=1, keepdims=k),
        lambda a, axis, keepdims: np.std(a, axis, ddof=1, keepdims=keepdims),
        {"distinct": True},
        SPREAD,
    ),
    ("logsumexp", lambda x, axis, k: x.logsumexp(axis, k), np_logsumexp, {}, {}),
    ("logsumexp_fn", lambda x, axis, k: ad.logsumexp(x, axis, k), np_logsumexp, {}, {}),
    ("prod", lambda x, axis, k: x.prod(axis, k), np.prod, {"low": -2.0, "high": 2.0}, {}),
    ("prod_fn", lambda x, axis, k: ad.prod(x, axis, k), np.prod, {"low": -2.0, "high": 2.0}, {}),
]
IDS = [r[0] for r in REDUCTIONS]


@pytest.mark.parametrize(("name", "f", "ref", "domain", "shape_opts"), REDUCTIONS, ids=IDS)
@SETTINGS
@given(data=st.data())
def test_reduction_forward_and_gradient(data, name, f, ref, domain, shape_opts):
    shape, axis, keepdims = data.draw(shape_axis_keepdims(**shape_opts))
    if name.startswith("prod"):
        # PyTorch's grad * (result / x) loses its digits where x is subnormal ([1.5, 5e-324]
        # gives 2.0, not 5e-324, as d/dx1, in torch too): values that small are left out
        # here; exact zeros, which take the product of the others, have their own tests below.
        domain = {**domain, "away_from": (0.0,), "margin": 1e-6}
    x = data.draw(tensors(shape, **domain))
    check_forward(f(x, axis, keepdims), ref(x.data, axis=axis, keepdims=keepdims), rtol=1e-10)
    assert_gradients_match(lambda t: f(t, axis, keepdims), x)


@pytest.mark.parametrize(("name", "f", "ref", "domain", "shape_opts"), REDUCTIONS, ids=IDS)
@SECOND_ORDER
@given(data=st.data())
def test_reduction_second_order(data, name, f, ref, domain, shape_opts):
    shape, axis, keepdims = data.draw(shape_axis_keepdims(**shape_opts, max_side=3))
    if name.startswith("prod"):
        # PyTorch's prod gradient, grad * (result / x), differentiated again has
        # result / x^2 - (result / x) / x, which cancels to rounding noise of size
        # result / x^2 for a tiny x (1e-17 next to 1.0): PyTorch's second derivative there.
        domain = {**domain, "away_from": (0.0,), "margin": 0.1}
    x = data.draw(tensors(shape, **domain))
    assert gradgradcheck(lambda t: f(t, axis, keepdims), x)


AXES = [None, 0, -1, 1, (0, 2), (-1, -3), (2, 0, 1), ()]


@pytest.mark.parametrize(("name", "f", "ref", "domain", "shape_opts"), REDUCTIONS, ids=IDS)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduction_axes_table(keepdims, name, f, ref, domain, shape_opts):
    """Fixed axes (negative, tuples, all axes in any order, none) on a (2, 3, 4) input. An
    empty axis reduces every axis, as PyTorch's dim=(); numpy's functions reduce none."""
    a = np.random.default_rng(0).permutation(24).reshape(2, 3, 4) * 0.1 - 1.0
    for axis in AXES:
        numpy_function = name.startswith("np_")
        if axis == () and shape_opts and numpy_function:
            continue  # zero variance over no axes: the derivative of sqrt(0) is infinite
        x = Tensor(a, requires_grad=True)
        y = f(x, axis, keepdims)
        ref_axis = None if axis == () and not numpy_function else axis
        check_forward(y, ref(a, axis=ref_axis, keepdims=keepdims), rtol=1e-10)
        assert_gradients_match(lambda t, axis=axis: f(t, axis, keepdims), x)


@pytest.mark.parametrize(
    ("name", "f", "ref", "domain", "shape_opts"),
    [r for r in REDUCTIONS if not r[4]],  # not those needing two or more elements
    ids=[r[0] for r in REDUCTIONS if not r[4]],
)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduction_of_0d(keepdims, name, f, ref, domain, shape_opts):
    x = Tensor(np.float64(0.7), requires_grad=True)
    y = f(x, None, keepdims)
    check_forward(y, ref(np.float64(0.7), axis=None, keepdims=keepdims), rtol=1e-10)
    assert_gradients_match(lambda t: f(t, None, keepdims), x)
    assert gradgradcheck(lambda t: f(t, None, keepdims), x)


ZERO_D_DIMS = {
    "sum": lambda t: t.sum(-1),
    "mean": lambda t: t.mean(dim=-1, keepdim=True),
    "amax": lambda t: t.amax(-1),
    "amin": lambda t: t.amin([-1]),
    "prod": lambda t: t.prod(-1),
    "logsumexp": lambda t: t.logsumexp(-1),
    "norm": lambda t: t.norm(dim=-1),
    "cumsum": lambda t: t.cumsum(-1),
    "softmax": lambda t: t.softmax(-1),
    "max": lambda t: t.max(-1).values,
    "transpose": lambda t: t.transpose(0, -1),
}


@pytest.mark.parametrize("f", ZERO_D_DIMS.values(), ids=ZERO_D_DIMS)
def test_a_0d_tensor_takes_dim_minus_1_as_pytorch(f):
    """A 0-d tensor's dims are 0 and -1 in PyTorch; -1 raised an AxisError (0 worked)."""
    x = Tensor(np.float64(0.7), requires_grad=True)
    y = f(x)
    assert y.shape == ()
    y.backward()
    torch = pytest.importorskip("torch")
    t = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    f(t).backward()
    assert y.item() == f(t).item()
    assert x.grad.item() == t.grad.item()
    with pytest.raises(np.exceptions.AxisError):
        x.sum(-2)


@pytest.mark.parametrize(("name", "f", "ref", "domain", "shape_opts"), REDUCTIONS, ids=IDS)
def test_reduction_float32_in_float32_out(name, f, ref, domain, shape_opts):
    a = np.random.default_rng(1).permutation(12).reshape(3, 4).astype(np.float32) * 0.1 + 0.5
    x = Tensor(a, requires_grad=True)
    for axis in (None, 1):
        x.zero_grad()
        y = f(x, axis, False)
        assert y.dtype == np.float32
        np.testing.assert_allclose(
            y.data, ref(a.astype(np.float64), axis=axis, keepdims=False), rtol=1e-5
        )
        y.sum().backward()
        assert x.grad.dtype == np.float32


@pytest.mark.parametrize(
    ("numpy_function", "method"),
    [(np.sum, "sum"), (np.mean, "mean"), (np.max, "amax"), (np.min, "amin"), (np.var, "var")]
    + [(np.std, "std"), (np.prod, "prod")],
)
def test_numpy_functions_dispatch_to_the_ops(numpy_function, method):
    a = np.array([[0.5, 1.5, 2.0], [1.0, 3.0, 0.25]])
    x = Tensor(a, requires_grad=True)
    y = numpy_function(x, axis=1)
    assert isinstance(y, Tensor)
    assert y.grad_fn is not None
    check_forward(y, numpy_function(a, axis=1), rtol=1e-10)
    numpy_default = {"ddof": 0} if method in ("var", "std") else {}  # PyTorch's default is 1
    check_forward(
        getattr(x, method)(axis=1, **numpy_default), numpy_function(a, axis=1), rtol=1e-10
    )


def test_var_and_std_default_to_pytorchs_correction_and_numpy_keeps_its_own():
    a = np.array([[0.5, 1.5, 2.0, 4.0], [1.0, 3.0, 0.25, -2.0]])
    x = Tensor(a, requires_grad=True)
    for name in ("var", "std"):
        ref = getattr(np, name)
        method, function = getattr(x, name), getattr(ad, name)
        check_forward(method(), ref(a, ddof=1), rtol=1e-12)
        check_forward(function(x, dim=1), ref(a, axis=1, ddof=1), rtol=1e-12)
        check_forward(method(1, True), ref(a, axis=1, ddof=1), rtol=1e-12)  # (dim, unbiased)
        check_forward(method(1, False, True), ref(a, axis=1, keepdims=True), rtol=1e-12)
        check_forward(method(unbiased=False), ref(a), rtol=1e-12)
        check_forward(method(dim=0, correction=0), ref(a, axis=0), rtol=1e-12)
        check_forward(method(ddof=2), ref(a, ddof=2), rtol=1e-12)
        check_forward(ref(x), ref(a), rtol=1e-12)  # np.var(t): numpy's ddof=0, recorded
        assert ref(x).grad_fn is not None
        with pytest.raises(TypeError, match="one of ddof, correction and unbiased"):
            method(ddof=1, correction=1)
    torch = pytest.importorskip("torch", reason="torch is not installed: nothing to compare with")
    t = torch.tensor(a)
    for call in (
        lambda m, v: v.var(),
        lambda m, v: v.std(dim=1),
        lambda m, v: m.var(v, 0),
        lambda m, v: v.std(1, True, True),
        lambda m, v: v.var(unbiased=False),
        lambda m, v: v.var(dim=1, correction=0, keepdim=True),
    ):
        np.testing.assert_allclose(call(ad, x).data, call(torch, t).numpy(), rtol=1e-12)


def test_var_and_std_take_a_fractional_correction_as_it_is():
    # PyTorch divides by N - correction for any number; it was truncated to an int (0.5 -> 0)
    a = np.array([[0.5, 1.5, 2.0, 4.0], [1.0, 3.0, 0.25, -2.0]])
    x = Tensor(a, requires_grad=True)
    deviations = ((a - a.mean(axis=1, keepdims=True)) ** 2).sum(axis=1)
    check_forward(x.var(1, correction=0.5), deviations / 3.5, rtol=1e-12)
    check_forward(x.std(dim=1, correction=1.5), np.sqrt(deviations / 2.5), rtol=1e-12)
    check_forward(x.var(ddof=0.5), ((a - a.mean()) ** 2).sum() / 7.5, rtol=1e-12)
    assert_gradients_match(lambda t: t.var(1, correction=0.5), x)
    torch = pytest.importorskip("torch", reason="torch is not installed: nothing to compare with")
    for call in (
        lambda v: v.var(1, correction=0.5),
        lambda v: v.std(correction=2.25),
        lambda v: v.var(dim=0, correction=0.75, keepdim=True),
    ):
        t = torch.tensor(a, requires_grad=True)
        x = Tensor(a, requires_grad=True)
        ours, theirs = call(x), call(t)
        np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12)
        ours.sum().backward()
        theirs.sum().backward()
        np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-12)


DTYPE_CALLS = {
    "sum": lambda m, t: t.sum(dtype=m.float32),
    "sum_dim": lambda m, t: m.sum(t, 1, True, dtype=m.float32),
    "mean": lambda m, t: t.mean(dim=0, dtype=m.float32),
    "prod": lambda m, t: m.prod(t, 1, dtype=m.float32),
    "f32_to_f64": lambda m, t: t.float().sum(1, dtype=m.float64),
    "int_mean": lambda m, t: (t > 0).long().mean(dtype=m.float64),
    "bool_sum": lambda m, t: (t > 0).sum(1, dtype=m.float32),
}


@pytest.mark.parametrize("call", DTYPE_CALLS.values(), ids=DTYPE_CALLS)
def test_sum_mean_prod_convert_to_dtype_first(call):
    """PyTorch's dtype= of sum, mean and prod converts the input first, in the graph (it
    raised a TypeError); amax and the others take none, in both."""
    a = np.array([[1.5, -2.25, 3.0], [0.5, 2.0, -1.0]])
    x = Tensor(a, requires_grad=True)
    y = call(ad, x)
    if y.requires_grad:
        y.sum().backward()
        assert x.grad.dtype == np.float64
    with pytest.raises(TypeError):
        x.amax(dtype=ad.float32)
    torch = pytest.importorskip("torch")
    t = torch.tensor(a, requires_grad=True)
    expected = call(torch, t)
    assert y.dtype == np.dtype(str(expected.dtype).removeprefix("torch."))
    np.testing.assert_array_equal(y.data, expected.detach().numpy())
    if expected.requires_grad:
        expected.sum().backward()
        np.testing.assert_array_equal(x.grad.data, t.grad.numpy())


def test_unsigned_integers_sum_and_multiply_in_int64():
    u = Tensor(np.array([[200, 100, 3], [4, 5, 6]], dtype=np.uint8))
    for result in (u.sum(), u.sum(1), u.prod(), u.prod(0)):
        assert result.dtype == np.int64  # PyTorch's; numpy's is uint64
    assert u.sum(1).tolist() == [303, 15] and u.prod(1).tolist() == [60000, 120]


def test_var_and_std_take_pytorchs_unbiased_overload():
    """x.var(False) is PyTorch's var(unbiased=False) over every dim; the bool was read as dim
    0, a silently different number (x.std(True) as dim 1)."""
    a = np.array([[1.0, 3.0, 3.0], [2.0, -2.0, -1.0]])
    x = Tensor(a, requires_grad=True)
    check_forward(x.var(False), np.var(a), rtol=1e-12)
    check_forward(ad.std(x, True), np.std(a, ddof=1), rtol=1e-12)
    with pytest.raises(TypeError, match="unbiased twice"):
        x.var(True, unbiased=False)
    torch = pytest.importorskip("torch", reason="torch is not installed: nothing to compare with")
    t = torch.tensor(a)
    for call in (lambda m, v: v.var(False), lambda m, v: m.std(v, True), lambda m, v: v.std(False)):
        np.testing.assert_allclose(call(ad, x).data, call(torch, t).numpy(), rtol=1e-12)


# ----------------------------------------------------------------------------- size-1 dims
@pytest.mark.parametrize(("name", "f", "ref", "domain", "shape_opts"), REDUCTIONS, ids=IDS)
def test_reduction_over_size_one_axes(name, f, ref, domain, shape_opts):
    a = np.array([[[0.3], [1.2], [-0.4]]])  # (1, 3, 1)
    for axis, keepdims in [(0, False), (-1, True), ((0, 2), False), (1, True)]:
        if shape_opts and axis != 1:
            continue  # ddof=1 / std over a single element: nothing to estimate
        x = Tensor(a, requires_grad=True)
        check_forward(f(x, axis, keepdims), ref(a, axis=axis, keepdims=keepdims), rtol=1e-10)
        assert_gradients_match(lambda t, axis=axis, keepdims=keepdims: f(t, axis, keepdims), x)


# ---------------------------------------------------------------------------- empty inputs
@pytest.mark.parametrize(
    ("axis", "expected"), [(0, np.zeros(3)), (1, np.zeros(0)), (None, np.float64(0.0))]
)
def test_sum_of_empty(axis, expected):
    x = Tensor(np.zeros((0, 3)), requires_grad=True)
    y = x.sum(axis=axis)
    check_forward(y, expected, rtol=1e-10)
    y.backward(np.ones(y.shape))
    assert x.grad.shape == (0, 3)


def test_mean_of_empty_along_the_non_empty_axis():
    x = Tensor(np.zeros((0, 3)), requires_grad=True)
    y = x.mean(axis=1)
    check_forward(y, np.zeros(0), rtol=1e-10)
    y.backward(np.ones(0))
    assert x.grad.shape == (0, 3)


@pytest.mark.parametrize("axis", [0, None])
def test_mean_of_empty_along_the_empty_axis(axis):
    a = np.zeros((0, 3))
    x = Tensor(a, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's "Mean of empty slice"
        y = x.mean(axis=axis)
        expected = np.mean(a, axis=axis)
    np.testing.assert_array_equal(y.data, expected)  # nan, like numpy
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y.backward(np.ones(y.shape))
    assert x.grad.shape == (0, 3)


@pytest.mark.parametrize(
    ("axis", "expected"), [(0, np.ones(3)), (1, np.ones(0)), (None, np.float64(1.0))]
)
def test_prod_of_empty(axis, expected):
    x = Tensor(np.zeros((0, 3)), requires_grad=True)
    y = x.prod(axis=axis)
    check_forward(y, expected, rtol=1e-10)
    y.backward(np.ones(y.shape))
    assert x.grad.shape == (0, 3)


@pytest.mark.parametrize("op", ["amax", "amin"])
def test_amax_amin_of_empty_along_the_non_empty_axis(op):
    x = Tensor(np.zeros((0, 3)), requires_grad=True)
    y = getattr(x, op)(axis=1)
    check_forward(y, np.zeros(0), rtol=1e-10)
    y.backward(np.ones(0))
    assert x.grad.shape == (0, 3)


@pytest.mark.parametrize("op", ["amax", "amin"])
@pytest.mark.parametrize("axis", [None, 0])
def test_amax_amin_of_nothing_is_a_clear_error(op, axis):
    x = Tensor(np.zeros((0, 3)), requires_grad=True)
    with pytest.raises(ValueError, match=rf"(?s){op}.*empty.*\(0, 3\)"):
        getattr(x, op)(axis=axis)


@pytest.mark.parametrize("op", ["max", "min"])
def test_max_min_of_nothing_is_a_clear_error(op):
    x = Tensor(np.zeros((0, 3)), requires_grad=True)
    with pytest.raises(ValueError, match=rf"(?s){op}.*empty.*\(0, 3\)"):
        getattr(x, op)()
    with pytest.raises(IndexError, match=rf"(?s){op}.*dim 0 of size 0.*\(0, 3\)"):
        getattr(x, op)(0)


def test_var_and_logsumexp_of_empty_along_the_non_empty_axis():
    for f in (lambda t: t.var(axis=1), lambda t: t.logsumexp(axis=1)):
        x = Tensor(np.zeros((0, 3)), requires_grad=True)
        y = f(x)
        check_forward(y, np.zeros(0), rtol=1e-10)
        y.backward(np.ones(0))
        assert x.grad.shape == (0, 3)


# ---------------------------------------------------------------------------------- ties
@pytest.mark.parametrize(
    ("op", "a", "axis", "keepdims", "expected_grad"),
    [
        ("amax", [1.0, 3.0, 3.0], None, False, [0.0, 0.5, 0.5]),
        ("amin", [2.0, -1.0, 5.0, -1.0], None, False, [0.0, 0.5, 0.0, 0.5]),
        ("amax", [4.0, 4.0, 4.0], 0, True, [1 / 3, 1 / 3, 1 / 3]),
        ("amax", [[2.0, 2.0], [1.0, 5.0]], 1, False, [[0.5, 0.5], [0.0, 1.0]]),
        ("amin", [[2.0, 2.0], [1.0, 5.0]], 0, False, [[0.0, 1.0], [1.0, 0.0]]),
        ("amax", [[7.0, 1.0], [7.0, 7.0]], (0, 1), False, [[1 / 3, 0.0], [1 / 3, 1 / 3]]),
        ("amin", [[0.0, 1.0], [3.0, 0.0]], -1, True, [[1.0, 0.0], [0.0, 1.0]]),
    ],
)
def test_amax_amin_split_the_gradient_evenly_among_ties(op, a, axis, keepdims, expected_grad):
    a = np.array(a)
    x = Tensor(a, requires_grad=True)
    y = getattr(x, op)(axis=axis, keepdims=keepdims)
    check_forward(y, getattr(np, op[1:])(a, axis=axis, keepdims=keepdims), rtol=1e-10)
    y.backward(np.ones(y.shape))
    np.testing.assert_allclose(x.grad.data, expected_grad, rtol=1e-12)


# ------------------------------------------------------------------------- prod with zeros
@pytest.mark.parametrize(
    ("a", "axis", "expected_grad"),
    [
        ([2.0, 0.0, 3.0], None, [0.0, 6.0, 0.0]),  # one zero
        ([0.0, 2.0, 3.0], None, [6.0, 0.0, 0.0]),
        ([2.0, 0.0, 0.0, 3.0], None, [0.0, 0.0, 0.0, 0.0]),  # two zeros in a row
        ([0.0, 0.0], None, [0.0, 0.0]),
        ([[2.0, 0.0], [0.0, 0.0], [3.0, 4.0]], 1, [[0.0, 2.0], [0.0, 0.0], [4.0, 3.0]]),
        ([[2.0, 0.0], [0.0, 5.0], [3.0, 4.0]], 0, [[0.0, 20.0], [6.0, 0.0], [0.0, 0.0]]),
    ],
)
def test_prod_gradient_with_zeros(a, axis, expected_grad):
    a = np.array(a)
    x = Tensor(a, requires_grad=True)
    y = x.prod(axis=axis)
    check_forward(y, np.prod(a, axis=axis), rtol=1e-10)
    y.backward(np.ones(y.shape))
    np.testing.assert_allclose(x.grad.data, expected_grad, rtol=1e-12)
    assert np.all(np.isfinite(x.grad.data))


@pytest.mark.parametrize(
    "a", [[2.0, 0.0, 3.0], [1.5, 0.0, 0.0, 3.0], [[2.0, 0.0, -1.0], [0.0, 0.0, 4.0]]]
)
def test_prod_with_zeros_first_and_second_order(a):
    x = Tensor(np.array(a), requires_grad=True)
    for axis in (None, -1):
        assert_gradients_match(lambda t, axis=axis: t.prod(axis=axis), x)
        assert gradgradcheck(lambda t, axis=axis: t.prod(axis=axis), x)


# ------------------------------------------------ infinite and NaN incoming gradients, ties
NAN = float("nan")


def _same_floats(mine, theirs):
    """Same dtype and values, NaN where NaN, and the same sign of each zero."""
    mine, theirs = np.asarray(mine), np.asarray(theirs)
    assert mine.dtype == theirs.dtype
    np.testing.assert_array_equal(mine, theirs)
    numbers = ~np.isnan(theirs)
    np.testing.assert_array_equal(np.signbit(mine[numbers]), np.signbit(theirs[numbers]))


EXTREMUM_VALUES = {
    "distinct": [[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]],
    "three ties": [[4.0, 4.0, 4.0], [1.0, -1.0, -1.0]],
    "nan": [[1.0, NAN, 3.0], [NAN, 4.0, NAN]],
    "infinities": [[np.inf, 1.0, np.inf], [-np.inf, -np.inf, 0.0]],
}
EXTREMUM_CALLS = {
    "max()": lambda t: t.max(),
    "min()": lambda t: t.min(),
    "amax(1)": lambda t: t.amax(1),
    "amin(0)": lambda t: t.amin(0),
    "amax((0, 1))": lambda t: t.amax((0, 1)),
    "amin(1, keepdim)": lambda t: t.amin(1, keepdim=True),
}
INCOMING = {"inf": np.inf, "-inf": -np.inf, "nan": NAN, "5": 5.0, "-2.9": -2.9}


def _incoming_gradient(lib, f, values, incoming, dtype, create_graph):
    """x's gradient of f(x) for an incoming gradient of `incoming` everywhere; with
    create_graph, also the incoming gradient's gradient of that gradient's sum."""
    dt = getattr(lib, dtype)
    x = lib.tensor(values, dtype=dt, requires_grad=True)
    out = f(x)
    g = lib.tensor(np.full(tuple(out.shape), incoming), dtype=dt, requires_grad=create_graph)
    (gx,) = lib.autograd.grad(out, x, g, create_graph=create_graph)
    if not create_graph:
        return [gx.numpy()]
    (gg,) = lib.autograd.grad(gx.sum(), g)
    return [gx.detach().numpy(), gg.numpy()]


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("incoming", INCOMING)
@pytest.mark.parametrize("values", EXTREMUM_VALUES.values(), ids=EXTREMUM_VALUES.keys())
@pytest.mark.parametrize("call", EXTREMUM_CALLS)
def test_max_min_amax_amin_gradients_match_torch(call, values, incoming, dtype, create_graph):
    """max()/min() put grad / count at the extrema and +0.0 elsewhere (PyTorch's masked fill:
    an inf or NaN incoming gradient leaves the others 0); amax/amin multiply grad / count by
    the 0/1 mask (inf * 0 = NaN, as PyTorch's, without numpy's warning). Both divide the
    gradient by the count of ties, as PyTorch does (not a multiply by 1 / count)."""
    f = EXTREMUM_CALLS[call]
    got = _incoming_gradient(ad, f, values, INCOMING[incoming], dtype, create_graph)
    torch = pytest.importorskip("torch")
    want = _incoming_gradient(torch, f, values, INCOMING[incoming], dtype, create_graph)
    for mine, theirs in zip(got, want, strict=True):
        _same_floats(mine, theirs)


PROD_VALUES = {
    "inf": [np.inf, 2.0, 3.0],
    "nan": [NAN, 2.0, 3.0],
    "overflowing": [1e30, 1e30, 1e-30],
    "inexact": [3.0, 7.0, 11.1, 0.3],
    "negative": [-1.5, 2.0, -0.1, 7.0],
    "one zero": [0.0, 2.0, 3.0],
    "zero and inf": [np.inf, 0.0, 3.0],
    "two zeros": [0.0, 2.0, 0.0],
    "two zeros and inf": [0.0, 0.0, np.inf],
    "one element inf": [np.inf],
}
PROD_CALLS = {
    "prod()": lambda t: t.prod(),
    "prod(0)": lambda t: t.prod(0),
    "prod(-1, keepdim)": lambda t: t.prod(-1, keepdim=True),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("values", PROD_VALUES.values(), ids=PROD_VALUES.keys())
@pytest.mark.parametrize("call", PROD_CALLS)
def test_prod_gradient_matches_torch(call, values, dtype):
    """PyTorch's prod_backward: grad * (result / x) when x holds no zero (so NaN for an
    infinite x: inf / inf); the product of the others, by exclusive cumulative products,
    when it does; zeros for a whole-tensor prod() with two zeros or more. No RuntimeWarning
    from the backward formulas (pytest makes one an error)."""
    f = PROD_CALLS[call]
    x = ad.tensor(values, dtype=getattr(ad, dtype), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the forward's, numpy's (as x * y's)
        out = f(x)
    (got,) = ad.autograd.grad(out.sum(), x)
    torch = pytest.importorskip("torch")
    t = torch.tensor(values, dtype=getattr(torch, dtype), requires_grad=True)
    (want,) = torch.autograd.grad(f(t).sum(), t)
    _same_floats(got.data, want.numpy())


@pytest.mark.parametrize(
    "values",
    [
        [[np.inf, 2.0, 3.0], [1.5, -2.0, 0.5]],  # no zero: result / x in every row
        [[np.inf, 2.0, 3.0], [0.0, 2.0, 0.0]],  # a zero anywhere: others' products everywhere
        [[np.inf], [0.0]],  # one element a slice: the incoming gradient
    ],
)
@pytest.mark.parametrize("dim", [0, 1])
def test_prod_along_a_dim_matches_torch(values, dim):
    x = ad.tensor(values, dtype=ad.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the forward's inf * 0, numpy's
        out = x.prod(dim)
    (got,) = ad.autograd.grad(out.sum(), x)
    torch = pytest.importorskip("torch")
    t = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    (want,) = torch.autograd.grad(t.prod(dim).sum(), t)
    _same_floats(got.data, want.numpy())


@pytest.mark.parametrize(
    "values", [[3.0, 7.0, 11.1, 0.3], [np.inf, 2.0, 3.0], [0.0, 2.0, 3.0], [0.0, 2.0, 0.0]]
)
def test_prod_second_order_matches_torch(values):
    """Under create_graph PyTorch differentiates grad * (result / x) (no zero), or the
    products of the others (zeros, whole tensor included)."""

    def second(lib):
        x = lib.tensor(values, dtype=lib.float64, requires_grad=True)
        (g,) = lib.autograd.grad(x.prod(), x, create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), x)
        return g.detach().numpy(), gg.numpy()

    got = second(ad)
    torch = pytest.importorskip("torch")
    for mine, theirs in zip(got, second(torch), strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-15)


def test_prod_of_0d_passes_the_gradient():
    x = ad.tensor(np.inf, dtype=ad.float64, requires_grad=True)
    x.prod().backward()
    assert x.grad.item() == 1.0  # PyTorch's prod_backward: grad, for a 0-d input


# ------------------------------------------------------------------------------ var, ddof
@pytest.mark.parametrize("ddof", [0, 1, 2])
def test_var_ddof(ddof):
    a = np.array([[1.0, 2.0, 4.0, 8.0], [0.5, -1.0, 3.0, 2.5]])
    x = Tensor(a, requires_grad=True)
    check_forward(x.var(axis=1, ddof=ddof), np.var(a, axis=1, ddof=ddof), rtol=1e-10)
    check_forward(x.std(ddof=ddof), np.std(a, ddof=ddof), rtol=1e-10)
    assert_gradients_match(lambda t: t.var(axis=1, ddof=ddof), x)
    assert_gradients_match(lambda t: t.std(axis=0, ddof=min(ddof, 1)), x)


def test_var_with_ddof_at_least_the_count_is_nan_like_numpy_or_a_clear_error():
    a = np.array([[1.0], [2.0]])
    x = Tensor(a, requires_grad=True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            y = x.var(axis=1, ddof=1)
    except ValueError as e:  # a clear error is fine too
        assert "var" in str(e) and "ddof" in str(e)
    else:
        assert y.shape == (2,) and np.all(np.isnan(y.data))


# ---------------------------------------------------------------------------------- errors
@pytest.mark.parametrize("op", ["sum", "mean", "amax", "amin", "var", "prod", "logsumexp"])
def test_bad_axes_name_the_op(op):
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(ValueError, match=rf"(?s){op}.*axis 2.*out of bounds"):
        getattr(x, op)(axis=2)
    with pytest.raises(ValueError, match=rf"(?s){op}.*repeated axis"):
        getattr(x, op)(axis=(0, -2))


EMPTY_DIM_REDUCTIONS = ["sum", "mean", "amax", "amin", "norm", "var", "std", "logsumexp"]


@pytest.mark.parametrize("empty", [(), []], ids=repr)
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("name", EMPTY_DIM_REDUCTIONS)
def test_empty_dim_reduces_every_dim(name, keepdim, empty):
    data = np.array([[1.5, -2.0, 0.5], [3.0, 0.25, -1.0]])
    x = Tensor(data, requires_grad=True)
    every = Tensor(data, requires_grad=True)
    got = getattr(x, name)(dim=empty, keepdim=keepdim)
    want = getattr(every, name)(dim=(0, 1), keepdim=keepdim)
    assert got.shape == want.shape == ((1, 1) if keepdim else ())
    np.testing.assert_allclose(got.data, want.data)
    got.sum().backward()
    want.sum().backward()
    np.testing.assert_allclose(x.grad.data, every.grad.data)


@pytest.mark.parametrize("name", EMPTY_DIM_REDUCTIONS)
def test_empty_dim_reduction_matches_torch(name):
    torch = pytest.importorskip("torch")
    data = np.array([[1.5, -2.0, 0.5], [3.0, 0.25, -1.0]])
    x = Tensor(data, requires_grad=True)
    t = torch.tensor(data, requires_grad=True)
    got = getattr(x, name)(dim=[], keepdim=True)
    # torch's logsumexp refuses dim=() without keepdim, and its var/std backward for dim=()
    # gives inf: compare gradients with its full reduction, which dim=() is in its forward.
    want = getattr(t, name)(dim=[], keepdim=True)
    np.testing.assert_allclose(got.data, want.detach().numpy())
    got.sum().backward()
    getattr(t, name)(dim=(0, 1), keepdim=True).sum().backward()
    np.testing.assert_allclose(x.grad.data, t.grad.numpy())


def test_numpy_functions_keep_numpy_empty_axis():
    data = np.array([[1.5, -2.0, 0.5], [3.0, 0.25, -1.0]])
    x = Tensor(data, requires_grad=True)
    for f in (np.sum, np.mean, np.prod, np.max, np.var, np.std):
        np.testing.assert_allclose(f(x, axis=()).data, f(data, axis=()), err_msg=f.__name__)
    np.sum(x, axis=()).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.ones_like(data))


def _zero_deviation_gradients(lib):
    """std's gradient where the deviation is 0: 0, as PyTorch's std_backward (not 0 * inf)."""
    x = lib.tensor([2.0, 2.0, 2.0], dtype=lib.float64, requires_grad=True)
    x.std().backward()
    rows = lib.tensor([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]], dtype=lib.float64, requires_grad=True)
    (g,) = lib.autograd.grad(rows.std(dim=1).sum(), rows, create_graph=True)
    (gg,) = lib.autograd.grad((g * g).sum(), rows)
    return x.grad.tolist(), g.tolist(), gg.tolist()


def test_std_gradient_is_zero_where_deviation_is_zero():
    flat, first, second = _zero_deviation_gradients(ad)
    assert flat == [0.0, 0.0, 0.0]
    assert first[0] == [0.0, 0.0, 0.0] and np.isfinite(first[1]).all()
    assert second[0] == [0.0, 0.0, 0.0]
    assert np.isfinite(second).all()
    assert gradgradcheck(
        lambda t: t.std(dim=1), Tensor(np.array([[1.0, 2.0, 4.0], [0.5, -1, 3]]), True)
    )


def test_std_zero_deviation_matches_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = _zero_deviation_gradients(ad), _zero_deviation_gradients(torch)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-12)


# ---------------------------------------------------------------------- float16 accumulation
HALF_CASES = {
    "overflowing pair": [60000.0, 60000.0],
    "past 2048 + 1": [1.0] * 3000 + [0.1],
    "cancelling extremes": [0.1, 0.2, 0.3, 60000.0, -60000.0],
    "constant 1e4": [1e4] * 10,
    "deviation of 300": [300.0, -300.0, 0.0],
    "small": [1.5, 2.25, -7.0, 3.0],
}
HALF_REDUCTIONS = {
    "sum": lambda t: t.sum(),
    "sum(dim=0)": lambda t: t.reshape(-1, 1).sum(0),  # numpy adds along an axis in sequence
    "mean": lambda t: t.mean(),
    "mean(dim=0)": lambda t: t.reshape(-1, 1).mean(0),
    "var": lambda t: t.var(),
    "std": lambda t: t.std(),
    "std(dim=0)": lambda t: t.reshape(-1, 1).std(0),
}


def _half_reduction(lib, name, values):
    x = lib.tensor(values, dtype=lib.float16, requires_grad=True)
    out = HALF_REDUCTIONS[name](x)
    out.sum().backward()
    return out, x.grad


@pytest.mark.parametrize("name", HALF_REDUCTIONS)
@pytest.mark.parametrize("values", HALF_CASES.values(), ids=HALF_CASES.keys())
def test_float16_reductions_accumulate_in_float32_as_torch(name, values):
    """PyTorch sums float16 in float32 and rounds the result once (std after its sqrt): no inf
    for a mean of 60000s, no sum stuck at 2048, no std overflowing through its variance."""
    out, grad = _half_reduction(ad, name, values)
    assert out.dtype == np.float16 and grad.dtype == np.float16
    wide = np.array(values, np.float16).astype(np.float32)  # float32 sums of the float16 inputs
    kind = name.split("(")[0]
    expected = wide.sum() if kind == "sum" else wide.mean() if kind == "mean" else wide.var(ddof=1)
    with np.errstate(over="ignore"):  # rounded once: inf only past float16's range
        expected = np.float16(np.sqrt(expected) if kind == "std" else expected)
    np.testing.assert_allclose(out.data.ravel()[0], expected, rtol=2**-10)
    torch = pytest.importorskip("torch")
    t_out, t_grad = _half_reduction(torch, name, values)
    np.testing.assert_array_equal(out.data, t_out.detach().numpy())
    # the gradients compute in float16 in both; the order of roundings may differ in a bit
    np.testing.assert_allclose(grad.data, t_grad.numpy(), rtol=2**-10, atol=0)
