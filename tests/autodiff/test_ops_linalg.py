"""matmul / `@`: 1-d and 2-d operands, and batched operands with broadcast batch dimensions."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from ops_support import SECOND_ORDER, SETTINGS, check_forward

import autodiff as ad
from autodiff import ShapeError, Tensor, gradgradcheck
from autodiff.ops.linalg import Gemm, gemm, gemm_reference
from autodiff.testing import assert_gradients_match, broadcastable_shapes, tensors


@st.composite
def matmul_shapes(draw):
    """Operand shapes for matmul: either may be a vector; batch dims broadcast."""
    batch_a, batch_b = draw(broadcastable_shapes(2, max_dims=2, max_side=3))
    n, k, m = (draw(st.integers(1, 4)) for _ in range(3))
    a_shape = (k,) if draw(st.booleans()) else (*batch_a, n, k)
    b_shape = (k,) if draw(st.booleans()) else (*batch_b, k, m)
    return a_shape, b_shape


@SETTINGS
@given(data=st.data(), operand_shapes=matmul_shapes())
def test_matmul_forward_and_gradient(data, operand_shapes):
    a = data.draw(tensors(operand_shapes[0]))
    b = data.draw(tensors(operand_shapes[1]))
    check_forward(a @ b, np.matmul(a.data, b.data), rtol=1e-12)
    assert_gradients_match(lambda a, b: a @ b, a, b)


# a's shape, b's shape, the output's shape
CASES = [
    ((3,), (3,), ()),
    ((3,), (3, 4), (4,)),
    ((2, 3), (3,), (2,)),
    ((2, 3), (3, 4), (2, 4)),
    ((1, 1), (1, 1), (1, 1)),
    ((2, 1, 3, 4), (5, 4, 2), (2, 5, 3, 2)),
    ((4,), (5, 4, 2), (5, 2)),
    ((2, 3, 4), (4,), (2, 3)),
    ((3, 1, 2), (1, 2, 2), (3, 1, 2)),
]
IDS = [f"{a}@{b}" for a, b, _ in CASES]


@pytest.mark.parametrize(("a_shape", "b_shape", "out_shape"), CASES, ids=IDS)
def test_matmul_cases(a_shape, b_shape, out_shape):
    rng = np.random.default_rng(0)
    a = Tensor(rng.standard_normal(a_shape), requires_grad=True)
    b = Tensor(rng.standard_normal(b_shape), requires_grad=True)
    out = a @ b
    assert out.shape == out_shape
    check_forward(out, a.data @ b.data, rtol=1e-12)
    assert_gradients_match(ad.matmul, a, b)


@pytest.mark.parametrize(("a_shape", "b_shape", "out_shape"), CASES, ids=IDS)
def test_matmul_second_order(a_shape, b_shape, out_shape):
    rng = np.random.default_rng(1)
    a = Tensor(rng.standard_normal(a_shape), requires_grad=True)
    b = Tensor(rng.standard_normal(b_shape), requires_grad=True)
    assert gradgradcheck(lambda a, b: a @ b, a, b)
    assert gradgradcheck(lambda a, b: (a @ b) ** 2, a, b)


def test_matmul_gradient_formula():
    a = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    b = np.array([[1.0, -1.0, 0.5], [2.0, 0.0, -2.0]])
    x, y = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    w = np.arange(9.0).reshape(3, 3)
    (x @ y).backward(w)
    np.testing.assert_allclose(x.grad.data, w @ b.T)
    np.testing.assert_allclose(y.grad.data, a.T @ w)


def test_matmul_forms_agree():
    rng = np.random.default_rng(2)
    a_np, b_np = rng.standard_normal((2, 3)), rng.standard_normal((3, 4))
    a, b = Tensor(a_np, requires_grad=True), Tensor(b_np, requires_grad=True)
    expected = a_np @ b_np
    for out in (a @ b, ad.matmul(a, b), a.matmul(b), np.matmul(a, b), a_np @ b, a @ b_np):
        assert isinstance(out, Tensor)
        assert out.grad_fn is not None
        check_forward(out, expected, rtol=1e-12)
    (a_np @ b).sum().backward()  # a constant on the left: only b gets a gradient
    np.testing.assert_allclose(b.grad.data, a_np.T @ np.ones((2, 4)))
    assert a.grad is None


@pytest.mark.parametrize(
    ("a_shape", "b_shape"), [((0, 3), (3, 2)), ((2, 0), (0, 3)), ((4, 3), (3, 0))]
)
def test_matmul_empty(a_shape, b_shape):
    a = Tensor(np.ones(a_shape), requires_grad=True)
    b = Tensor(np.ones(b_shape), requires_grad=True)
    out = a @ b
    check_forward(out, np.ones(a_shape) @ np.ones(b_shape), rtol=1e-12)
    out.backward(np.ones(out.shape))
    assert a.grad.shape == a_shape and b.grad.shape == b_shape
    np.testing.assert_array_equal(a.grad.data, np.ones(out.shape) @ np.ones(b_shape).T)


@pytest.mark.parametrize(("a_shape", "b_shape"), [((3,), (3,)), ((2, 3), (3, 4)), ((2, 3), (3,))])
def test_matmul_float32(a_shape, b_shape):
    a = Tensor(np.ones(a_shape, dtype=np.float32), requires_grad=True)
    b = Tensor(np.ones(b_shape, dtype=np.float32), requires_grad=True)
    out = a @ b
    assert out.dtype == np.float32
    out.sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float32


def test_matmul_inner_dimension_mismatch_names_op_and_both_shapes():
    a, b = Tensor(np.ones((3, 4))), Tensor(np.ones((5, 2)))
    with pytest.raises(ShapeError, match=r"matmul.*\(3, 4\).*\(5, 2\)"):
        a @ b


@pytest.mark.parametrize(
    ("a_shape", "b_shape", "error"),
    [
        ((3,), (4,), ShapeError),
        ((2, 3), (4,), ShapeError),
        ((), (3,), ShapeError),
        ((3,), (), ShapeError),
        ((2, 3, 4), (3, 4, 5), ValueError),  # batch dims 2 and 3 do not broadcast
    ],
)
def test_matmul_bad_shapes(a_shape, b_shape, error):
    a, b = Tensor(np.ones(a_shape)), Tensor(np.ones(b_shape))
    with pytest.raises(
        error, match=rf"(?s)matmul.*{re.escape(str(a_shape))}.*{re.escape(str(b_shape))}"
    ):
        ad.matmul(a, b)


# ---------------------------------------------------------------------------------- dot
@SETTINGS
@given(data=st.data(), n=st.integers(0, 5))
def test_dot_of_two_vectors(data, n):
    a, b = data.draw(tensors((n,))), data.draw(tensors((n,)))
    for out in (a.dot(b), ad.dot(a, b), np.dot(a, b)):
        check_forward(out, np.dot(a.data, b.data), rtol=1e-12)
    assert_gradients_match(lambda a, b: a.dot(b), a, b)
    try:
        import torch
    except ImportError:
        return
    # Summed in another order, a cancelling sum ends in another rounding error: [1, -1, 2e-313]
    # gives 2e-313 here and 0 in torch. Allow errors of the size of the terms' rounding.
    scale = float(np.abs(a.data * b.data).sum())
    expected = torch.dot(torch.tensor(a.data), torch.tensor(b.data))
    np.testing.assert_allclose(a.dot(b).data, expected, atol=1e-15 * scale)


@pytest.mark.parametrize(
    ("a", "b", "error", "message"),
    [
        ((2, 3), (3,), ShapeError, r"dot: 1-d tensors expected, but got 2-d and 1-d"),
        ((), (3,), ShapeError, r"dot: 1-d tensors expected, but got 0-d and 1-d"),
        ((3,), (4,), ShapeError, r"dot: inconsistent tensor size: 3 and 4 elements"),
    ],
)
def test_dot_refuses_what_pytorch_refuses(a, b, error, message):
    with pytest.raises(error, match=message):
        ad.dot(Tensor(np.ones(a), requires_grad=True), Tensor(np.ones(b)))
    try:
        import torch
    except ImportError:
        return
    with pytest.raises(RuntimeError):
        torch.dot(torch.ones(a), torch.ones(b))


def test_dot_refuses_mixed_dtypes_like_pytorch():
    with pytest.raises(TypeError, match="dot: expected both vectors to have the same dtype"):
        Tensor(np.ones(3, np.float32)).dot(Tensor(np.ones(3)))


NUMPY_DOT = [
    ((), (3,)),
    ((2, 3), ()),
    ((3,), (3,)),
    ((2, 3), (3, 4)),
    ((2, 3, 4), (4,)),
    ((4,), (2, 4, 3)),
    ((2, 3, 4), (4, 5)),
    ((2, 3), (4, 3, 2)),
    ((2, 1, 3), (2, 3, 2)),
]


@pytest.mark.parametrize(("a", "b"), NUMPY_DOT, ids=[f"{a}.{b}" for a, b in NUMPY_DOT])
def test_np_dot_on_tensors_keeps_numpys_rules(a, b):
    rng = np.random.default_rng(0)
    x, y = (Tensor(rng.standard_normal(s), requires_grad=True) for s in (a, b))
    out = np.dot(x, y)
    assert isinstance(out, Tensor) and out.grad_fn is not None
    check_forward(out, np.dot(x.data, y.data), rtol=1e-12)
    assert_gradients_match(lambda x, y: np.dot(x, y), x, y)
    check_forward(np.dot(x.data, y), np.dot(x.data, y.data), rtol=1e-12)  # an array first


# ------------------------------------------------------------------- gemm (backward formulas)
# op(a) @ op(b) with either operand transposed: one node under create_graph where the plain
# version (gemm_reference: a transpose, then matmul) records two or three.
@st.composite
def gemm_operands(draw):
    trans_a, trans_b = draw(st.booleans()), draw(st.booleans())
    n, k, m = (draw(st.integers(1, 4)) for _ in range(3))
    a = draw(tensors((k, n) if trans_a else (n, k)))
    b = draw(tensors((m, k) if trans_b else (k, m)))
    return a, b, trans_a, trans_b


def _derivatives(f, a, b, order):
    """The sums of f(a, b)'s derivatives of order 1..order (each differentiated again, with
    fixed weights), with respect to a and b: a chain of create_graph backward passes."""
    rng = np.random.default_rng(1)
    out, found = f(a, b), []
    for _ in range(order):
        ga, gb = ad.gradients(
            (out * Tensor(rng.standard_normal(out.shape))).sum(), (a, b), create_graph=True
        )
        found.append((ga.data, gb.data))
        out = ga * ga + gb.sum() * gb.sum()
    return found


@SETTINGS
@given(operands=gemm_operands())
def test_gemm_matches_its_reference_and_numerical_gradients(operands):
    a, b, trans_a, trans_b = operands
    assert_gradients_match(lambda a, b: gemm(a, b, trans_a, trans_b), a, b)
    np.testing.assert_array_equal(
        gemm(a.data, b.data, trans_a, trans_b), gemm_reference(a.data, b.data, trans_a, trans_b)
    )
    recorded = gemm(a, b, trans_a, trans_b)
    assert isinstance(recorded.grad_fn, Gemm)
    np.testing.assert_allclose(
        recorded.data, gemm_reference(a, b, trans_a, trans_b).data, rtol=1e-12, atol=1e-12
    )


@SECOND_ORDER
@given(operands=gemm_operands())
def test_gemm_second_and_third_derivatives(operands):
    a, b, trans_a, trans_b = operands
    assert gradgradcheck(lambda a, b: gemm(a, b, trans_a, trans_b) ** 2, a, b)
    fast = _derivatives(lambda a, b: gemm(a, b, trans_a, trans_b), a, b, 3)
    plain = _derivatives(lambda a, b: gemm_reference(a, b, trans_a, trans_b), a, b, 3)
    for (fa, fb), (pa, pb) in zip(fast, plain, strict=True):
        np.testing.assert_allclose(fa, pa, rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(fb, pb, rtol=1e-10, atol=1e-10)


def test_gemm_records_one_node_and_its_gradients_are_gemms():
    a = Tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    b = Tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    out = gemm(a, b, trans_a=True)  # a.T @ b: (2, 4)
    assert out.shape == (2, 4) and out.grad_fn.args[0] is a and out.grad_fn.args[1] is b
    ga, gb = ad.gradients(out.sum(), (a, b), create_graph=True)
    assert isinstance(ga.grad_fn, Gemm) and isinstance(gb.grad_fn, Gemm)
    np.testing.assert_array_equal(ga.data, b.data @ np.ones((2, 4)).T)  # (3, 2)
    np.testing.assert_array_equal(gb.data, a.data @ np.ones((2, 4)))


def test_gemm_shape_errors_name_the_op_and_the_shapes():
    a, b = Tensor(np.ones((3, 2)), requires_grad=True), Tensor(np.ones((3, 4)))
    with pytest.raises(ShapeError, match=r"gemm: a @ b with a of shape \(3, 2\) and b of shape"):
        gemm(a, b)
    with pytest.raises(ShapeError, match=r"gemm: a.T @ b.T"):
        gemm(a, b, True, True)
    with pytest.raises(ShapeError, match="2-d operands"):
        gemm(Tensor(np.ones(3), requires_grad=True), b)
