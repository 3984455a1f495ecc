"""PyTorch's names for the operators and other ops (autodiff/ops/aliases.py): add/sub with alpha,
mul, div with rounding_mode, true_divide, negative, absolute, square, reciprocal, rsqrt, the
comparison functions, clamp_min/clamp_max, expand_as, reshape_as, is_floating_point, numel, and
equal/allclose/isclose as methods.

Gradients against central differences on random broadcast shapes; values, dtypes, gradients
and errors against torch where it is installed.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from ops_support import SETTINGS, check_forward

import autodiff as ad
from autodiff import ShapeError, Tensor
from autodiff.testing import assert_gradients_match, broadcastable_shapes, shapes, tensors


def _torch():
    return pytest.importorskip("torch", reason="torch is not installed: nothing to compare with")


# ------------------------------------------------------------------------ gradients
BINARY = [
    ("add", lambda a, b: ad.add(a, b), np.add, {}),
    ("add alpha", lambda a, b: ad.add(a, b, alpha=-2.5), lambda a, b: a - 2.5 * b, {}),
    ("add method", lambda a, b: a.add(b, alpha=3), lambda a, b: a + 3 * b, {}),
    ("sub", lambda a, b: ad.sub(a, b), np.subtract, {}),
    ("subtract alpha", lambda a, b: ad.subtract(a, b, alpha=2), lambda a, b: a - 2 * b, {}),
    ("sub method", lambda a, b: a.sub(b, alpha=0.5), lambda a, b: a - 0.5 * b, {}),
    ("mul", lambda a, b: ad.mul(a, b), np.multiply, {}),
    ("multiply method", lambda a, b: a.multiply(b), np.multiply, {}),
    ("div", lambda a, b: ad.div(a, b), np.divide, {"low": 0.5}),
    ("divide method", lambda a, b: a.divide(b), np.divide, {"low": 0.5}),
    ("true_divide", lambda a, b: ad.true_divide(a, b), np.divide, {"low": 0.5}),
]


@pytest.mark.parametrize(("name", "op", "reference", "domain"), BINARY, ids=[b[0] for b in BINARY])
@SETTINGS
@given(data=st.data(), shapes=broadcastable_shapes(2))
def test_binary_aliases_match_numpy_and_central_differences(
    data, shapes, name, op, reference, domain
):
    a = data.draw(tensors(shapes[0]))
    b = data.draw(tensors(shapes[1], low=domain.get("low", -3.0), high=3.0))
    check_forward(op(a, b), reference(a.data, b.data), rtol=1e-12)
    assert_gradients_match(op, a, b)


UNARY = [
    ("negative", ad.negative, np.negative, {}),
    ("negative method", lambda x: x.negative(), np.negative, {}),
    ("absolute", ad.absolute, np.abs, {"away_from": (0,)}),
    ("absolute method", lambda x: x.absolute(), np.abs, {"away_from": (0,)}),
    ("square", ad.square, np.square, {}),
    ("square method", lambda x: x.square(), np.square, {}),
    ("reciprocal", ad.reciprocal, np.reciprocal, {"low": 0.5}),
    ("reciprocal method", lambda x: x.reciprocal(), np.reciprocal, {"low": 0.5}),
    ("rsqrt", ad.rsqrt, lambda x: 1 / np.sqrt(x), {"low": 0.5}),
    ("rsqrt method", lambda x: x.rsqrt(), lambda x: 1 / np.sqrt(x), {"low": 0.5}),
    ("clamp_min", lambda x: ad.clamp_min(x, 0.5), lambda x: np.maximum(x, 0.5),
     {"away_from": (0.5,)}),
    ("clamp_max method", lambda x: x.clamp_max(-0.5), lambda x: np.minimum(x, -0.5),
     {"away_from": (-0.5,)}),
]  # fmt: skip


@pytest.mark.parametrize(("name", "op", "reference", "domain"), UNARY, ids=[u[0] for u in UNARY])
@SETTINGS
@given(data=st.data(), shape=shapes())
def test_unary_aliases_match_numpy_and_central_differences(
    data, shape, name, op, reference, domain
):
    x = data.draw(
        tensors(shape, low=domain.get("low", -3.0), away_from=domain.get("away_from", ()))
    )
    check_forward(op(x), reference(x.data), rtol=1e-12)
    assert_gradients_match(op, x)


@SETTINGS
@given(data=st.data(), shapes=broadcastable_shapes(2))
def test_clamp_min_and_max_by_tensors(data, shapes):
    x = data.draw(tensors(shapes[0], distinct=True))
    bound = data.draw(tensors(shapes[1], low=-1.0, high=1.0)) + 0.05  # off x's 0.1 grid
    # ...which `distinct` may leave: a tie is a kink, where central differences average the
    # two sides' slopes
    assume(np.abs(x.data - bound.data).min(initial=1.0) > 1e-3)
    assert_gradients_match(lambda x, b: ad.clamp_min(x, b), x, bound)
    assert_gradients_match(lambda x, b: x.clamp_max(b), x, bound)


@SETTINGS
@given(data=st.data(), shapes=broadcastable_shapes(2))
def test_expand_as_is_a_view_with_expands_gradient(data, shapes):
    target = np.broadcast_shapes(*shapes)
    x = data.draw(tensors(shapes[0]))
    other = Tensor(np.zeros(target))
    out = x.expand_as(other)
    check_forward(out, np.broadcast_to(x.data, target))
    assert out._base is x
    assert_gradients_match(lambda x: x.expand_as(other), x)


@SETTINGS
@given(data=st.data(), shape=shapes())
def test_reshape_as_matches_reshape(data, shape):
    x = data.draw(tensors(shape))
    other = Tensor(np.zeros(shape[::-1]))
    out = x.reshape_as(other)
    check_forward(out, x.data.reshape(other.shape))
    assert out._base is x  # a view: x is contiguous
    assert_gradients_match(lambda x: x.reshape_as(other), x)


# ------------------------------------------------------------------- rounded division
@SETTINGS
@given(data=st.data(), shapes=broadcastable_shapes(2), mode=st.sampled_from(["trunc", "floor"]))
def test_rounded_division_values_and_a_zero_gradient(data, shapes, mode):
    a = data.draw(tensors(shapes[0], low=-10.0, high=10.0))
    b = data.draw(tensors(shapes[1], low=0.5, high=3.0)) * data.draw(st.sampled_from([1, -1]))
    b = b.detach().requires_grad_()
    out = ad.div(a, b, rounding_mode=mode)
    rounding = np.trunc if mode == "trunc" else np.floor
    check_forward(out, rounding(a.data / b.data) if mode == "trunc" else a.data // b.data)
    np.testing.assert_array_equal(rounding(out.data), out.data)
    assert out.requires_grad
    out.sum().backward()
    np.testing.assert_array_equal(a.grad.data, np.zeros(a.shape))
    np.testing.assert_array_equal(b.grad.data, np.zeros(b.shape))


def test_rounded_division_of_integers_stays_integer():
    a = ad.tensor([-7, 7, -6, 5])
    assert ad.div(a, 2, rounding_mode="trunc").tolist() == [-3, 3, -3, 2]
    assert a.div(2, rounding_mode="floor").tolist() == [-4, 3, -3, 2]
    assert ad.divide(a, ad.tensor([2, -2, 4, -3]), rounding_mode="trunc").tolist() == [
        -3,
        -3,
        -1,
        -1,
    ]
    assert a.div(2, rounding_mode="floor").dtype == np.int64
    assert a.div(2).dtype.kind == "f"
    # PyTorch's error type and word for an integer division by zero
    with pytest.raises(RuntimeError, match="div: ZeroDivisionError"):
        a.div(0, rounding_mode="floor")
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        ad.div(a, ad.tensor([1, 0, 1, 1]), rounding_mode="trunc")
    flags = ad.tensor([True, False])
    for mode in ("floor", "trunc"):  # PyTorch: NotImplementedError, not for 'Bool'
        with pytest.raises(NotImplementedError, match="bool"):
            ad.div(flags, flags, rounding_mode=mode)


def test_rounded_division_of_floats_by_zero_is_inf_or_nan_without_warnings():
    with np.errstate(all="raise"):
        out = ad.div(ad.tensor([1.0, -1.0, 0.0]), 0.0, rounding_mode="trunc")
    assert out.tolist()[:2] == [float("inf"), float("-inf")] and np.isnan(out.data[2])


def test_rounded_division_under_no_grad_and_for_constants_records_nothing():
    x = ad.tensor([3.5, -2.5], requires_grad=True)
    with ad.no_grad():
        assert not ad.div(x, 2, rounding_mode="floor").requires_grad
    assert not ad.div(x.detach(), 2, rounding_mode="floor").requires_grad


def test_unknown_rounding_mode_raises():
    with pytest.raises(ValueError, match="rounding_mode to be one of None, 'trunc', or 'floor'"):
        ad.div(ad.ones(2), 2, rounding_mode="round")


# ---------------------------------------------------------------- arguments, errors
def test_alpha_follows_pytorchs_rules():
    labels = ad.tensor([1, 2])
    assert ad.add(labels, 1, alpha=2).tolist() == [3, 4]
    assert ad.add(labels, 1, alpha=2).dtype == np.int64
    with pytest.raises(TypeError, match="integral input tensors, argument alpha"):
        ad.add(labels, 1, alpha=2.5)
    with pytest.raises(TypeError, match="integral input tensors"):
        labels.sub(ad.tensor([1, 1]), alpha=0.5)
    assert ad.add(labels, 1.5, alpha=2).tolist() == [4.0, 5.0]  # a float operand is fine


def test_number_first_operands_keep_the_tensors_dtype():
    t = ad.tensor([1.0, 2.0], dtype=np.float64)
    assert ad.add(2, t).dtype == np.float64 and ad.add(2, t).tolist() == [3.0, 4.0]
    assert ad.sub(2, t).tolist() == [1.0, 0.0]
    assert ad.mul(2, t).tolist() == [2.0, 4.0]
    assert ad.div(2, t).tolist() == [2.0, 1.0]
    assert ad.add([1.0, 2.0], [3.0, 4.0]).tolist() == [4.0, 6.0]
    assert ad.lt(1.5, t).tolist() == [False, True]
    assert ad.ge(t, [2.0, 2.0]).tolist() == [False, True]


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "true_divide"])
def test_out_is_refused_clearly(name):
    with pytest.raises(TypeError, match=f"{name}: out= is not supported"):
        getattr(ad, name)(ad.ones(2), 1.0, out=ad.zeros(2))


def test_broadcast_errors_name_the_shapes():
    with pytest.raises(ValueError, match=r"add: .*\(2,\) \(3,\)"):  # the operator's error
        ad.add(ad.ones(2), ad.ones(3))
    with pytest.raises(ShapeError, match=r"div: shapes \(2,\) and \(3,\)"):
        ad.div(ad.ones(2), ad.ones(3), rounding_mode="floor")


COMPARISONS = [
    ("eq", np.equal), ("ne", np.not_equal), ("not_equal", np.not_equal),
    ("gt", np.greater), ("greater", np.greater), ("ge", np.greater_equal),
    ("greater_equal", np.greater_equal), ("lt", np.less), ("less", np.less),
    ("le", np.less_equal), ("less_equal", np.less_equal),
]  # fmt: skip


@pytest.mark.parametrize(("name", "ufunc"), COMPARISONS, ids=[c[0] for c in COMPARISONS])
def test_comparisons_give_bool_tensors_without_gradient(name, ufunc):
    x = ad.tensor([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]], requires_grad=True)
    b = ad.tensor([2.0, 2.0, 2.0])
    for out in (getattr(ad, name)(x, b), getattr(x, name)(b), getattr(x, name)(2.0)):
        check_forward(out, ufunc(x.data, 2.0))
        assert not out.requires_grad
    # a number first: the reflected comparison
    check_forward(getattr(ad, name)(2.0, x), ufunc(2.0, x.data))
    assert getattr(ad, name)(Tensor(1.0), 1.0).shape == ()  # 0-d


def test_whole_tensor_comparisons_as_methods():
    a = ad.tensor([1.0, 2.0])
    assert a.equal(ad.tensor([1.0, 2.0])) is True and a.equal(ad.tensor([1.0])) is False
    assert a.allclose(a + 1e-9) is True and a.allclose(a + 1) is False
    assert a.isclose(ad.tensor([1.0, 3.0])).tolist() == [True, False]


def test_facts_is_floating_point_and_numel():
    assert ad.ones(2).is_floating_point() and ad.is_floating_point(ad.ones(2, dtype=ad.float16))
    assert not ad.tensor([1, 2]).is_floating_point() and not ad.tensor([True]).is_floating_point()
    assert ad.numel(ad.zeros(2, 3)) == 6 and ad.numel(ad.tensor(1.0)) == 1
    assert ad.numel(ad.zeros(0, 3)) == 0


def test_dtypes_of_float_valued_aliases():
    ints = ad.tensor([1, 2, 4])
    assert ad.reciprocal(ints).dtype == ad.get_default_dtype()
    assert ad.rsqrt(ints).dtype == ad.get_default_dtype()
    assert ad.rsqrt(ints).tolist() == [1.0, 1 / np.sqrt(np.float32(2)), 0.5]
    assert ints.square().dtype == np.int64 and ad.tensor([True]).square().tolist() == [1]
    assert ad.square(ad.tensor([True])).dtype == np.int64
    assert ad.negative(ints).tolist() == [-1, -2, -4] and ad.absolute(-ints).tolist() == [1, 2, 4]


def test_empty_and_zero_d():
    empty = ad.zeros(0, 3, dtype=np.float64, requires_grad=True)
    assert ad.add(empty, 1, alpha=2).shape == (0, 3)
    assert ad.div(empty, 2, rounding_mode="floor").shape == (0, 3)
    s = ad.tensor(3.0, dtype=np.float64, requires_grad=True)
    out = ad.sub(s, 1.0, alpha=2)
    out.backward()
    assert out.item() == 1.0 and s.grad.item() == 1.0
    assert ad.rsqrt(ad.tensor(4.0)).item() == 0.5


# -------------------------------------------------------------------------- torch
TORCH_CASES = [
    ("add", lambda m, x, a: m.add(x, a)),
    ("add alpha", lambda m, x, a: m.add(x, a, alpha=2)),
    ("add scalar alpha", lambda m, x, a: x.add(1.5, alpha=-3)),
    ("sub alpha", lambda m, x, a: m.sub(x, a, alpha=0.5)),
    ("subtract", lambda m, x, a: x.subtract(a)),
    ("mul", lambda m, x, a: m.mul(x, a)),
    ("multiply", lambda m, x, a: m.multiply(x, 3.0)),
    ("div", lambda m, x, a: m.div(x, a)),
    ("div trunc", lambda m, x, a: m.div(x * 7, a, rounding_mode="trunc")),
    ("div floor", lambda m, x, a: x.mul(7).div(a, rounding_mode="floor")),
    ("divide floor scalar", lambda m, x, a: m.divide(x * 5, -0.75, rounding_mode="floor")),
    ("true_divide", lambda m, x, a: m.true_divide(x, a)),
    ("negative", lambda m, x, a: m.negative(x)),
    ("absolute", lambda m, x, a: x.absolute()),
    ("square", lambda m, x, a: m.square(x)),
    ("reciprocal", lambda m, x, a: x.reciprocal()),
    ("rsqrt", lambda m, x, a: m.rsqrt(x.abs() + 0.5)),
    ("clamp_min", lambda m, x, a: m.clamp_min(x, 0.2)),
    ("clamp_max tensor", lambda m, x, a: x.clamp_max(a)),
    ("expand_as", lambda m, x, a: x[0].expand_as(a) * a),
    ("reshape_as", lambda m, x, a: x.reshape_as(a.T) * a.T),
]


@pytest.mark.parametrize("case", TORCH_CASES, ids=[c[0] for c in TORCH_CASES])
def test_values_dtypes_and_gradients_match_torch(case):
    torch = _torch()
    rng = np.random.default_rng(7)
    xs, as_ = rng.normal(size=(2, 3)), rng.normal(size=(2, 3)) + 3
    results = []
    for module in (ad, torch):
        x = module.tensor(xs, requires_grad=True)
        a = module.tensor(as_)
        out = case[1](module, x, a)
        (
            out * module.tensor(np.arange(out.numel(), dtype=np.float64).reshape(out.shape))
        ).sum().backward()
        results.append((out.detach().numpy(), x.grad.numpy(), str(out.dtype).split(".")[-1]))
    (ours, our_grad, our_dtype), (theirs, their_grad, their_dtype) = results
    assert ours.shape == theirs.shape and our_dtype == their_dtype
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(our_grad, their_grad, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.div(m.tensor([-7, 7, -5, 9]), m.tensor([2, -2, 3, 4]), rounding_mode="trunc"),
        lambda m: m.div(m.tensor([-7, 7, -5, 9]), m.tensor([2, -2, 3, 4]), rounding_mode="floor"),
        lambda m: m.div(m.tensor([-7.5, 7.0, -0.0, 1e30]), -2.0, rounding_mode="floor"),
        lambda m: m.div(m.tensor([-7.5, 7.0, 1.0]), 0.0, rounding_mode="floor"),
        lambda m: m.add(m.tensor([1, 2]), m.tensor([3, 4]), alpha=3),
        lambda m: m.sub(m.tensor([1.0, 2.0], dtype=m.float64), 1, alpha=2),
        lambda m: m.square(m.tensor([True, False])),
        lambda m: m.reciprocal(m.tensor([1, 2, 4])),
        lambda m: m.rsqrt(m.tensor([1, 2, 4])),
        lambda m: m.eq(m.tensor([1.0, 2.0]), 2.0),
        lambda m: m.greater_equal(m.tensor([1.0, 2.0]), m.tensor([2.0, 2.0])),
        lambda m: m.tensor([1, 2]).le(1),
        lambda m: m.tensor([1.0, 2.0]).isclose(m.tensor([1.0, 2.1])),
    ],
)
def test_integer_bool_and_edge_results_match_torch(call):
    torch = _torch()
    ours, theirs = call(ad), call(torch)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_the_rounded_division_gradient_is_zero_in_torch_too():
    torch = _torch()
    for module in (ad, torch):
        x = module.tensor([1.5, -2.5], requires_grad=True)
        out = module.div(x, 2, rounding_mode="floor")
        assert out.requires_grad
        out.sum().backward()
        assert x.grad.tolist() == [0.0, 0.0]
