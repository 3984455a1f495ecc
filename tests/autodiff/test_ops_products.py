"""PyTorch's fixed-rank matrix products (autodiff/ops/products.py): mm, bmm, mv, outer/ger and
addmm, as functions and methods: values against numpy, gradients against central differences
on random sizes, PyTorch's rank, size and dtype checks, and values and gradients against torch
where it is installed."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from ops_support import SETTINGS, check_forward

import autodiff as ad
from autodiff import ShapeError, Tensor
from autodiff.testing import assert_gradients_match, tensors

sizes = st.integers(1, 4)


@SETTINGS
@given(data=st.data(), n=sizes, m=sizes, p=sizes)
def test_mm(data, n, m, p):
    a, b = data.draw(tensors((n, m))), data.draw(tensors((m, p)))
    check_forward(ad.mm(a, b), a.data @ b.data, rtol=1e-12)
    check_forward(a.mm(b), a.data @ b.data, rtol=1e-12)
    assert_gradients_match(ad.mm, a, b)


@SETTINGS
@given(data=st.data(), batch=sizes, n=sizes, m=sizes, p=sizes)
def test_bmm(data, batch, n, m, p):
    a, b = data.draw(tensors((batch, n, m))), data.draw(tensors((batch, m, p)))
    check_forward(ad.bmm(a, b), a.data @ b.data, rtol=1e-12)
    check_forward(a.bmm(b), a.data @ b.data, rtol=1e-12)
    assert_gradients_match(ad.bmm, a, b)


@SETTINGS
@given(data=st.data(), n=sizes, m=sizes)
def test_mv(data, n, m):
    a, v = data.draw(tensors((n, m))), data.draw(tensors((m,)))
    check_forward(ad.mv(a, v), a.data @ v.data, rtol=1e-12)
    check_forward(a.mv(v), a.data @ v.data, rtol=1e-12)
    assert_gradients_match(ad.mv, a, v)


@SETTINGS
@given(data=st.data(), n=sizes, m=sizes)
def test_outer_and_ger(data, n, m):
    a, b = data.draw(tensors((n,))), data.draw(tensors((m,)))
    check_forward(ad.outer(a, b), np.outer(a.data, b.data))
    check_forward(a.outer(b), np.outer(a.data, b.data))
    check_forward(ad.ger(a, b), np.outer(a.data, b.data))
    assert_gradients_match(ad.outer, a, b)


@st.composite
def addmm_shapes(draw):
    n, m, p = draw(sizes), draw(sizes), draw(sizes)
    bias = draw(st.sampled_from([(n, p), (p,), (1, p), (n, 1), ()]))
    return bias, (n, m), (m, p)


@SETTINGS
@given(
    data=st.data(),
    shapes=addmm_shapes(),
    beta=st.sampled_from([1, 0.5, -2.0]),
    alpha=st.sampled_from([1, 3.0, -0.25]),
)
def test_addmm(data, shapes, beta, alpha):
    c, a, b = (data.draw(tensors(s)) for s in shapes)
    expected = beta * c.data + alpha * (a.data @ b.data)
    check_forward(ad.addmm(c, a, b, beta=beta, alpha=alpha), expected, rtol=1e-12)
    check_forward(c.addmm(a, b, beta=beta, alpha=alpha), expected, rtol=1e-12)
    assert_gradients_match(lambda c, a, b: ad.addmm(c, a, b, beta=beta, alpha=alpha), c, a, b)


def test_addmm_with_beta_zero_ignores_input_and_gives_it_a_zero_gradient():
    c = ad.tensor([[float("nan"), 1.0]], dtype=np.float64, requires_grad=True)
    a = ad.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=np.float64, requires_grad=True)
    out = ad.addmm(c, a, a, beta=0, alpha=2)
    check_forward(out, 2 * (a.data @ a.data))
    out.sum().backward()
    np.testing.assert_array_equal(c.grad.data, np.zeros((1, 2)))
    assert_gradients_match(lambda a: ad.addmm(c.detach(), a, a, beta=0), a)


def test_edge_sizes():
    assert ad.mm(ad.zeros(2, 0), ad.zeros(0, 3)).tolist() == [[0.0] * 3] * 2
    assert ad.bmm(ad.zeros(0, 2, 3), ad.zeros(0, 3, 1)).shape == (0, 2, 1)
    assert ad.mv(ad.zeros(0, 3), ad.ones(3)).shape == (0,)
    assert ad.outer(ad.ones(0), ad.ones(2)).shape == (0, 2)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: ad.mm(ad.ones(3), ad.ones(3, 2)), ShapeError, "mm: self must be a matrix"),
        (lambda: ad.mm(ad.ones(2, 3), ad.ones(3)), ShapeError, "mm: mat2 must be a matrix"),
        (lambda: ad.mm(ad.ones(1, 2, 3), ad.ones(3, 2)), ShapeError, "self must be a matrix"),
        (
            lambda: ad.mm(ad.ones(2, 3), ad.ones(2, 3)),
            ShapeError,
            r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x3\)",
        ),
        (
            lambda: ad.mm(ad.ones(2, 3), ad.ones(3, 2, dtype=np.float64)),
            TypeError,
            "same dtype, but got: float32 != float64",
        ),
        (lambda: ad.bmm(ad.ones(2, 3), ad.ones(3, 2)), ShapeError, "batch1 must be a 3D tensor"),
        (lambda: ad.bmm(ad.ones(1, 2, 3), ad.ones(3, 2)), ShapeError, "batch2 must be a 3D"),
        (
            lambda: ad.bmm(ad.ones(2, 2, 3), ad.ones(1, 3, 2)),
            ShapeError,
            r"batch2 tensor to be: \[2, 3\] but got: \[1, 3\]",
        ),
        (lambda: ad.bmm(ad.ones(1, 2, 3), ad.ones(1, 2, 3)), ShapeError, r"\[1, 3\] but got"),
        (lambda: ad.mv(ad.ones(2, 3), ad.ones(2, 3)), ShapeError, "vector \\+ matrix @ vector"),
        (lambda: ad.mv(ad.ones(3), ad.ones(3)), ShapeError, "matrix @ vector expected"),
        (
            lambda: ad.mv(ad.ones(2, 3), ad.ones(2)),
            ShapeError,
            r"size mismatch.*\(2x3\), vec \(2\)",
        ),
        (lambda: ad.outer(ad.ones(2, 1), ad.ones(2)), ShapeError, "1-D argument self, but got 2-D"),
        (lambda: ad.ger(ad.ones(2), ad.ones(())), ShapeError, "1-D argument vec2, but got 0-D"),
        (lambda: ad.addmm(ad.ones(3), ad.ones(2, 2), ad.ones(2, 2)), ShapeError, "addmm"),
        (lambda: ad.addmm(ad.ones(2, 2, 2), ad.ones(2, 2), ad.ones(2, 2)), ShapeError, "addmm"),
        (lambda: ad.mm(ad.ones(2, 2), ad.ones(2, 2), out=ad.ones(2, 2)), TypeError, "out="),
    ],
)
def test_pytorchs_checks(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_outer_promotes_as_multiplication_does():
    out = ad.outer(ad.ones(2), ad.ones(3, dtype=np.float64))
    assert out.dtype == np.float64 and out.shape == (2, 3)


def test_integer_products():
    a = ad.tensor([[1, 2], [3, 4]])
    assert ad.mm(a, a).tolist() == [[7, 10], [15, 22]] and ad.mm(a, a).dtype == np.int64
    assert ad.mv(a, ad.tensor([1, 1])).tolist() == [3, 7]


CASES = [
    ("mm", lambda m, a, b, c: m.mm(a, b.T)),
    ("mm method", lambda m, a, b, c: a.T.mm(b)),
    ("bmm", lambda m, a, b, c: m.bmm(a[None].expand(2, 2, 3), b.T[None].expand(2, 3, 2))),
    ("mv", lambda m, a, b, c: m.mv(a, b[0])),
    ("outer", lambda m, a, b, c: m.outer(a[0], b[1])),
    ("ger", lambda m, a, b, c: a[1].ger(b[0])),
    ("addmm", lambda m, a, b, c: m.addmm(c, a, b.T)),
    ("addmm row", lambda m, a, b, c: m.addmm(c[0], a, b.T, beta=0.5, alpha=-2)),
    ("addmm method", lambda m, a, b, c: c.addmm(a, b.T, alpha=3)),
    ("addmm beta 0", lambda m, a, b, c: m.addmm(c, a, b.T, beta=0)),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_values_and_gradients_match_torch(case):
    torch = pytest.importorskip("torch", reason="torch is not installed: nothing to compare with")
    rng = np.random.default_rng(3)
    arrays = rng.normal(size=(2, 3)), rng.normal(size=(2, 3)), rng.normal(size=(2, 2))
    results = []
    for module in (ad, torch):
        a, b, c = (module.tensor(v, requires_grad=True) for v in arrays)
        out = case[1](module, a, b, c)
        weights = module.tensor(np.arange(out.numel(), dtype=np.float64).reshape(out.shape))
        (out * weights).sum().backward()
        grads = [t.grad.numpy() if t.grad is not None else None for t in (a, b, c)]
        results.append((out.detach().numpy(), grads))
    (ours, our_grads), (theirs, their_grads) = results
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)
    for mine, torchs in zip(our_grads, their_grads, strict=True):
        assert (mine is None) == (torchs is None)
        if mine is not None:
            np.testing.assert_allclose(mine, torchs, rtol=1e-12, atol=1e-12)


def test_methods_take_the_first_operand_as_self():
    a = Tensor(np.eye(2))
    assert a.mm(a).tolist() == [[1.0, 0.0], [0.0, 1.0]]
