"""PyTorch's further elementwise ops: floor, ceil, trunc, round(decimals), sgn (sign's other
name), frac, fmod (and remainder, floor_divide beside it), isnan/isinf/isfinite/isposinf/
isneginf/signbit, nan_to_num, sinh, cosh, acos, log2, log10, atan2, hypot, logit, xlogy,
float_power, lerp, addcmul, addcdiv, heaviside.

Gradients against central differences on random (broadcasting) shapes, kept away from the
points where an op jumps; the piecewise-constant ops' zero gradients; values, dtypes and
gradients against torch where it is installed, special values (NaN, infinities, -0.0)
included.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from ops_support import SETTINGS

import autodiff as ad
from autodiff import Tensor, gradgradcheck
from autodiff.testing import arrays, assert_gradients_match, broadcastable_shapes, shapes, tensors


def leaf(a):
    return Tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


# id, number of inputs, (low, high) of each input, the op
SMOOTH = [
    ("sinh", [(-3, 3)], lambda x: x.sinh()),
    ("cosh", [(-3, 3)], lambda x: ad.cosh(x)),
    ("acos", [(-0.9, 0.9)], lambda x: x.acos()),
    ("arccos", [(-0.9, 0.9)], lambda x: ad.arccos(x)),
    ("log2", [(0.1, 5)], lambda x: x.log2()),
    ("log10", [(0.1, 5)], lambda x: ad.log10(x)),
    ("logit", [(0.05, 0.95)], lambda x: x.logit()),
    ("logit_eps", [(0.05, 0.95)], lambda x: ad.logit(x, eps=0.2)),
    ("atan2", [(0.2, 3), (-3, 3)], lambda a, b: a.atan2(b)),
    ("arctan2", [(-3, -0.2), (-3, 3)], lambda a, b: ad.arctan2(a, b)),
    ("hypot", [(0.2, 3), (-3, 3)], lambda a, b: ad.hypot(a, b)),
    ("xlogy", [(-3, 3), (0.1, 5)], lambda a, b: a.xlogy(b)),
    ("float_power", [(0.2, 3), (-2, 2)], lambda a, b: ad.float_power(a, b)),
    ("lerp", [(-3, 3), (-3, 3), (-1, 2)], lambda a, b, w: a.lerp(b, w)),
    ("addcmul", [(-3, 3)] * 3, lambda a, b, c: a.addcmul(b, c, value=-0.5)),
    ("addcdiv", [(-3, 3), (-3, 3), (0.5, 3)], lambda a, b, c: ad.addcdiv(a, b, c, value=2)),
    ("nan_to_num", [(-3, 3)], lambda x: x.nan_to_num()),
]


@pytest.mark.parametrize(("name", "bounds", "op"), SMOOTH, ids=[s[0] for s in SMOOTH])
@SETTINGS
@given(data=st.data())
def test_gradient(data, name, bounds, op):
    # logit_eps's clamp bounds are kinks: keep x off them
    away = (0.2, 0.8) if name == "logit_eps" else ()
    shape_list = data.draw(broadcastable_shapes(len(bounds)))
    inputs = [
        data.draw(tensors(s, low=lo, high=hi, away_from=away))
        for s, (lo, hi) in zip(shape_list, bounds, strict=True)
    ]
    assert_gradients_match(op, *inputs)


@st.composite
def dividend_and_divisor(draw):
    """(a, b) with a / b at least 0.1 from a whole number (where remainder and fmod jump)."""
    shape_a, shape_b = draw(broadcastable_shapes(2))
    b = draw(arrays(shape_b, low=0.5, high=2.0))
    b = b * draw(st.sampled_from([1.0, -1.0]))
    shape = np.broadcast_shapes(shape_a, shape_b)
    whole = draw(arrays(shape, low=-3, high=3)).round()
    part = draw(arrays(shape, low=0.1, high=0.9))
    a = (whole + part) * b
    if a.shape != shape_a:  # a must keep its own shape: a broadcast b of size 1 there
        a = np.broadcast_to(a, shape).copy()
    return a, b


@pytest.mark.parametrize("op", [ad.remainder, ad.fmod, Tensor.remainder, Tensor.fmod])
@SETTINGS
@given(args=dividend_and_divisor())
def test_remainder_and_fmod_gradients(op, args):
    a, b = args
    assert_gradients_match(op, leaf(a), leaf(b))


@SETTINGS
@given(x=arrays(shapes(), low=-3, high=3))
def test_frac_gradient_is_one(x):
    x = leaf(np.floor(x) + 0.5)  # away from the jumps at whole numbers
    assert_gradients_match(lambda t: t.frac(), x)


ZERO_GRADIENT = [
    ("floor", lambda x: x.floor()),
    ("ceil", lambda x: ad.ceil(x)),
    ("trunc", lambda x: x.trunc()),
    ("fix", lambda x: ad.fix(x)),
    ("round", lambda x: x.round()),
    ("round_decimals", lambda x: ad.round(x, decimals=2)),
    ("sign", lambda x: x.sign()),
    ("sgn", lambda x: ad.sgn(x)),
]


@pytest.mark.parametrize(("name", "op"), ZERO_GRADIENT, ids=[z[0] for z in ZERO_GRADIENT])
def test_piecewise_constant_ops_have_zero_gradients(name, op):
    """The output requires grad, as PyTorch's; the gradient is zeros, also from an infinite or
    NaN incoming gradient (zeros_like, not a multiply by 0), and under create_graph."""
    x = leaf([[-1.3, 0.2, 2.7], [0.6, -0.35, 3.8]])  # off the jumps, for gradgradcheck
    out = op(x)
    assert out.requires_grad and out.dtype == x.dtype
    (g,) = ad.autograd.grad(out, x, ad.tensor(np.full((2, 3), np.inf)))
    np.testing.assert_array_equal(g.data, np.zeros((2, 3)))
    assert gradgradcheck(lambda t: op(t) * t, x)


def test_round_halves_to_even_and_decimals():
    x = Tensor(np.array([0.5, 1.5, 2.5, -0.5, -2.5, 1.2345]))
    np.testing.assert_array_equal(x.round().data, [0.0, 2.0, 2.0, -0.0, -2.0, 1.0])
    np.testing.assert_array_equal(x.round(decimals=2).data[-1:], [1.23])
    np.testing.assert_array_equal(Tensor(np.array([1234.5])).round(decimals=-2).data, [1200.0])


def test_integer_tensors():
    i = Tensor(np.array([5, -5, 7]))
    for op in (ad.floor, ad.ceil, ad.trunc, ad.round, ad.sign):
        out = op(i)
        assert out.dtype == np.int64 and not np.shares_memory(out.data, i.data)
    np.testing.assert_array_equal(ad.remainder(i, 3).data, [2, 1, 1])
    np.testing.assert_array_equal(ad.fmod(i, 3).data, [2, -2, 1])
    np.testing.assert_array_equal(ad.floor_divide(i, 3).data, [1, -2, 2])
    for op in (ad.remainder, ad.fmod, ad.floor_divide):  # PyTorch's RuntimeError
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            op(i, 0)
    with pytest.raises(TypeError, match="decimals"):
        i.round(decimals=1)
    assert Tensor(np.array([True, False])).sign().dtype == np.bool_


def test_remainder_keeps_a_float32_dtype_with_a_python_number():
    x = Tensor(np.array([5.5, -5.5], dtype=np.float32))
    numbers = (x.remainder(2.5), ad.fmod(x, 2.5), ad.atan2(x, 2.0), ad.hypot(x, 1.0))
    for out in (*numbers, x.xlogy(2.0), ad.xlogy(x * 0, 0.0), x.lerp(x * 2, 0.75)):
        assert out.dtype == np.float32


def test_float_classification_has_no_gradient():
    x = leaf([np.nan, np.inf, -np.inf, -0.0, 1.0])
    for op, expected in (
        (ad.isnan, [1, 0, 0, 0, 0]),
        (ad.isinf, [0, 1, 1, 0, 0]),
        (ad.isposinf, [0, 1, 0, 0, 0]),
        (ad.isneginf, [0, 0, 1, 0, 0]),
        (ad.isfinite, [0, 0, 0, 1, 1]),
        (ad.signbit, [0, 0, 1, 1, 0]),
    ):
        out = op(x)
        assert out.dtype == np.bool_ and not out.requires_grad
        np.testing.assert_array_equal(out.data, np.array(expected, dtype=bool))


def test_nan_to_num_gradient_is_zero_where_replaced():
    x = leaf([np.nan, np.inf, -np.inf, 2.0])
    out = x.nan_to_num(nan=1.0, posinf=5.0)
    np.testing.assert_array_equal(out.data, [1.0, 5.0, np.finfo(np.float64).min, 2.0])
    (g,) = ad.autograd.grad(out.sum(), x)
    np.testing.assert_array_equal(g.data, [0.0, 0.0, 0.0, 1.0])


def test_xlogy_at_zero():
    """0 where x == 0 (y not NaN), PyTorch's gradients there: log(y) for x where y > 0."""
    x, y = leaf([0.0, 0.0, 0.0, 2.0]), leaf([0.0, np.nan, 3.0, 0.5])
    out = ad.xlogy(x, y)
    np.testing.assert_array_equal(out.data, [0.0, np.nan, 0.0, 2.0 * np.log(0.5)])
    gx, gy = ad.autograd.grad(out.sum(), [x, y])
    np.testing.assert_array_equal(gx.data[[0, 2, 3]], [0.0, np.log(3.0), np.log(0.5)])
    assert gy.data[2] == 0.0 and gy.data[3] == 4.0


def test_heaviside_records_nothing():
    x = leaf([-1.0, 0.0, 2.0, np.nan])
    h = x.heaviside(ad.tensor(0.5, dtype=ad.float64))
    np.testing.assert_array_equal(h.data, [0.0, 0.5, 1.0, 0.0])
    assert not h.requires_grad


# ---------------------------------------------------------------------- against torch
SPECIAL = np.array([[-2.5, -0.0, 0.0, 1.5], [np.inf, -np.inf, np.nan, 7.25]])
A = np.array([[5.5, -5.5, 0.0, -0.0], [3.0, -7.25, 1e-3, 4.0]])
B = np.array([2.5, -2.5, 3.0, -0.75])
POS = np.array([[0.25, 1.0, 8.0, 1000.0], [3.0, 0.5, 0.1, 2.0]])
UNIT = np.array([[0.1, 0.5, 0.9, 0.3], [-0.99, 0.7, 0.25, 0.0]])

# id, call (m: autodiff or torch), inputs (float arrays require grad; others do not)
CASES = [
    ("floor", lambda m, x: m.floor(x), [A]),
    ("ceil", lambda m, x: x.ceil(), [A]),
    ("trunc", lambda m, x: x.trunc(), [A]),
    ("fix", lambda m, x: m.fix(x), [A]),
    ("round", lambda m, x: x.round(), [A]),
    ("round_decimals", lambda m, x: m.round(x * 1.2345, decimals=2), [A]),
    ("round_negative_decimals", lambda m, x: x.round(decimals=-1) * x, [A * 100]),
    ("sign", lambda m, x: x.sign(), [SPECIAL]),
    ("sgn", lambda m, x: m.sgn(x) * x, [A]),
    ("frac", lambda m, x: x.frac(), [A]),
    ("remainder", lambda m, a, b: m.remainder(a, b), [A, B]),
    ("remainder_number", lambda m, a: a.remainder(-1.5), [A]),
    ("fmod", lambda m, a, b: a.fmod(b), [A, B]),
    ("floor_divide", lambda m, a, b: m.floor_divide(a.detach(), b.detach()), [A, B]),
    ("remainder_int", lambda m, a: m.remainder(a, -3), [np.array([5, -5, 0, 7])]),
    ("isnan", lambda m, x: m.isnan(x), [SPECIAL]),
    ("isinf", lambda m, x: x.isinf(), [SPECIAL]),
    ("isfinite", lambda m, x: x.isfinite(), [SPECIAL]),
    ("isposinf", lambda m, x: m.isposinf(x), [SPECIAL]),
    ("isneginf", lambda m, x: x.isneginf(), [SPECIAL]),
    ("signbit", lambda m, x: x.signbit(), [SPECIAL]),
    ("nan_to_num", lambda m, x: m.nan_to_num(x, nan=2.0, neginf=-9.0), [SPECIAL]),
    ("nan_to_num_default", lambda m, x: x.nan_to_num(), [SPECIAL]),
    ("sinh", lambda m, x: x.sinh(), [A]),
    ("cosh", lambda m, x: m.cosh(x), [A]),
    ("acos", lambda m, x: x.acos(), [UNIT]),
    ("arccos", lambda m, x: m.arccos(x), [UNIT]),
    ("log2", lambda m, x: x.log2(), [POS]),
    ("log10", lambda m, x: m.log10(x), [POS]),
    ("atan2", lambda m, a, b: m.atan2(a, b), [A + 0.5, B]),
    ("arctan2", lambda m, a, b: a.arctan2(b), [A + 0.5, B]),
    ("atan2_origin", lambda m, a, b: m.atan2(a * 0, b * 0), [A, B]),  # gradient 0 there
    ("hypot", lambda m, a, b: a.hypot(b), [A + 0.5, B]),
    ("logit", lambda m, x: x.logit(), [UNIT * 0.5 + 0.5]),
    ("logit_eps", lambda m, x: m.logit(x, eps=0.2), [UNIT * 0.5 + 0.5]),
    ("xlogy", lambda m, a, b: m.xlogy(a, b), [A, POS]),
    ("xlogy_number", lambda m, a: a.xlogy(2.0), [A]),
    ("float_power", lambda m, a, b: m.float_power(a, b), [POS, A]),
    ("float_power_number", lambda m, a: a.float_power(2), [A]),
    ("lerp", lambda m, a, b: a.lerp(b, 0.3), [A, B]),
    ("lerp_high", lambda m, a, b: m.lerp(a, b, 0.75), [A, B]),
    ("lerp_tensor", lambda m, a, b, w: m.lerp(a, b, w), [A, B, UNIT * 2]),
    ("addcmul", lambda m, a, b, c: a.addcmul(b, c, value=0.5), [A, B, POS]),
    ("addcdiv", lambda m, a, b, c: m.addcdiv(a, b, c, value=-2), [A, B, POS]),
    ("heaviside", lambda m, x, v: m.heaviside(x.detach(), v.detach()), [A, B]),
]


def _run(module, call, arrays, torch):
    make = torch.tensor if module is torch else Tensor
    inputs = [make(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    out = call(module, *inputs)
    grads = [None] * len(inputs)
    if out.requires_grad:
        v = np.random.default_rng(1).standard_normal(tuple(out.shape))
        leaves = [t for t in inputs if t.requires_grad]
        found = (
            module.autograd.grad(
                (out * make(v)).sum(), leaves, allow_unused=True, materialize_grads=True
            )
            if module is torch
            else ad.autograd.grad((out * make(v)).sum(), leaves, allow_unused=True)
        )
        grads = [None if g is None else g.detach().numpy() for g in found]
    return out.detach().numpy(), grads


@pytest.mark.parametrize(("name", "call", "arrays_"), CASES, ids=[c[0] for c in CASES])
def test_against_torch(name, call, arrays_):
    torch = pytest.importorskip("torch", reason="comparison with PyTorch")
    ours, our_grads = _run(ad, call, arrays_, torch)
    theirs, their_grads = _run(torch, call, arrays_, torch)
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    np.testing.assert_array_equal(np.signbit(ours), np.signbit(theirs)) if name in (
        "remainder",
        "fmod",
        "sign",
        "trunc",
        "round",
    ) else None
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0)
    for a, b in zip(our_grads, their_grads, strict=True):
        a = np.zeros_like(b) if a is None and b is not None else a
        if b is None:
            continue
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-300)


def test_addcmul_and_addcdiv_keep_pytorchs_integer_and_bool_rules():
    ints = ad.ones(2, dtype="int64")
    three = ad.full((2,), 3, dtype="int64")
    # the tensors' promoted dtype; an integer result takes `value` truncated toward zero
    for value, expected in ((0.5, 1), (1.7, 4), (-1.7, -2), (2.5, 7)):
        out = ad.addcmul(ints, ints, three, value=value)
        assert out.dtype == np.int64 and out.tolist() == [expected] * 2, (value, out)
    assert ad.addcmul(ad.ones(2, dtype="int32"), ints, three).dtype == np.int64
    wrapped = ad.addcmul(
        ad.ones(2, dtype="int8"),
        ad.ones(2, dtype="int8"),
        ad.full((2,), 100, dtype="int8"),
        value=2,
    )
    assert wrapped.dtype == np.int8 and wrapped.tolist() == [-55, -55]  # wraps as PyTorch's int8
    bools = ad.ones(2, dtype="bool")
    assert ad.addcmul(ad.ones(2, dtype="uint8"), bools, bools).dtype == np.uint8
    with pytest.raises(RuntimeError, match="addcmul: not implemented for bool"):
        ad.addcmul(bools, bools, bools)
    # floats: value kept as it is, the float dtype decides
    assert ad.addcmul(ad.ones(2), ints, three, value=0.5).tolist() == [2.5, 2.5]
    with pytest.raises(RuntimeError, match="integer division with addcdiv"):
        ad.addcdiv(ad.ones(2), ints, three)
    with pytest.raises(RuntimeError, match="integer division with addcdiv"):
        ad.addcdiv(ad.ones(2), bools, ints)
    assert ad.addcdiv(ints, ad.ones(2), ad.full((2,), 4.0)).tolist() == [1.25, 1.25]
