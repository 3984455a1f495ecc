"""einsum: numpy's and PyTorch's Einstein summation, differentiable in every operand.

Hypothesis draws whole equations (1-3 operands, repeated letters, implicit and explicit
output) with sizes per letter, and a table adds ellipsis with broadcasting; forward is compared
with np.einsum (and torch.einsum when installed), backward with central differences.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from ops_support import SECOND_ORDER, SETTINGS

import autodiff as ad
from autodiff import ShapeError, Tensor, gradgradcheck
from autodiff.testing import assert_gradients_match, tensors

try:
    import torch
except ImportError:  # the torch comparisons skip
    torch = None


@st.composite
def equations(draw):
    """(equation, operand shapes): letters from 'abcd' with a size each, 1-3 operands of 0-3
    letters (a letter may repeat within an operand), implicit or explicit output."""
    sizes = {c: draw(st.integers(1, 3)) for c in "abcd"}
    count = draw(st.integers(1, 3))
    subscripts = [
        "".join(draw(st.lists(st.sampled_from("abcd"), max_size=3))) for _ in range(count)
    ]
    used = sorted(set("".join(subscripts)))
    inputs = ",".join(subscripts)
    if draw(st.booleans()):
        equation = inputs
    else:
        output = draw(
            st.permutations(used).flatmap(
                lambda p: st.integers(0, len(p)).map(lambda n, p=p: "".join(p[:n]))
            )
        )
        equation = f"{inputs}->{output}"
    return equation, [tuple(sizes[c] for c in s) for s in subscripts]


def check(equation, *operands, rtol=1e-10):
    out = ad.einsum(equation, *operands)
    try:
        expected = np.einsum(equation, *[o.data for o in operands])
    except ValueError:  # numpy cannot sum `...` dims away ("b...,b...->b"); PyTorch can
        assert torch is not None or pytest.skip("numpy cannot compute it; torch is not installed")
    else:
        assert out.shape == expected.shape and out.dtype == expected.dtype
        np.testing.assert_allclose(out.data, expected, rtol=rtol, atol=1e-12)
    assert_gradients_match(lambda *ts: ad.einsum(equation, *ts), *operands)
    if torch is not None:
        theirs = [torch.tensor(o.data, requires_grad=True) for o in operands]
        t_out = torch.einsum(equation, *theirs)
        np.testing.assert_allclose(out.data, t_out.detach().numpy(), rtol=1e-10, atol=1e-12)
        weights = np.random.default_rng(0).standard_normal(out.shape)
        (out * weights).sum().backward()
        (t_out * torch.tensor(weights)).sum().backward()
        for o, t in zip(operands, theirs, strict=True):
            np.testing.assert_allclose(o.grad.data, t.grad.numpy(), rtol=1e-10, atol=1e-12)


@SETTINGS
@given(data=st.data(), case=equations())
def test_einsum_random_equations(data, case):
    equation, shapes = case
    check(equation, *[data.draw(tensors(s)) for s in shapes])


CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 1)]),
    ("i,j->ij", [(3,), (2,)]),
    ("i,i->", [(4,), (4,)]),
    ("ii", [(3, 3)]),
    ("ii->i", [(3, 3)]),
    ("iij->ji", [(2, 2, 3)]),
    ("ij->ji", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("ij->j", [(2, 3)]),
    ("ij,jk,kl->il", [(2, 3), (3, 2), (2, 4)]),
    ("...ij,...jk->...ik", [(2, 1, 2, 3), (3, 3, 2)]),
    ("...i,...i", [(2, 3), (1, 3)]),
    ("i...->...", [(2, 3, 1)]),
    ("...,...->...", [(), (2,)]),
    ("...ii->...i", [(2, 3, 3)]),
    ("b...,b...->b", [(2, 3, 1), (2, 1, 4)]),
    ("...ij->ij", [(4, 2, 3)]),
    (",ij->ij", [(), (2, 3)]),
    ("ij,ij->ij", [(1, 3), (2, 1)]),
    (" i j , j k -> i k ", [(2, 3), (3, 2)]),
    ("ij,jk->ik", [(0, 3), (3, 2)]),
    ("ij,jk->ik", [(2, 0), (0, 2)]),
]


@pytest.mark.parametrize(("equation", "shapes"), CASES, ids=[c[0] for c in CASES])
def test_einsum_table(equation, shapes):
    rng = np.random.default_rng(1)
    check(equation, *[Tensor(rng.standard_normal(s), requires_grad=True) for s in shapes])


@SECOND_ORDER
@given(data=st.data(), case=equations())
def test_einsum_second_order(data, case):
    equation, shapes = case
    operands = [data.draw(tensors(s)) for s in shapes]
    assert gradgradcheck(lambda *ts: ad.einsum(equation, *ts) ** 2, *operands)


def test_einsum_forms_numpy_and_lists_and_constants():
    a = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    b = np.arange(3.0)
    for out in (
        np.einsum("ij,j->i", a, b),
        ad.einsum("ij,j->i", [a, b]),
        np.einsum("ij,j->i", a, b, optimize=True),
    ):
        assert isinstance(out, Tensor) and out.grad_fn is not None
        np.testing.assert_array_equal(out.data, np.einsum("ij,j->i", a.data, b))
    out.sum().backward()
    np.testing.assert_array_equal(a.grad.data, np.broadcast_to(b, (2, 3)))
    f32 = ad.einsum("ij->i", Tensor(np.ones((2, 3), np.float32)))
    assert f32.dtype == np.float32


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda a: ad.einsum("ij,jk", a), ValueError, r"has 2 operand\(s\) but 1 were given"),
        (lambda a: ad.einsum("ijk", a), ShapeError, r"operand 0 has 2 dimension\(s\).*name 3"),
        (lambda a: ad.einsum("i", a), ShapeError, r"operand 0 has 2 dimension\(s\)"),
        (lambda a: ad.einsum("i1", a), ValueError, r"only letters"),
        (lambda a: ad.einsum("ij->i1", a), ValueError, r"only letters"),
        (lambda a: ad.einsum("ij,jk", a, a), ValueError, r"einsum"),
        (lambda a: np.einsum(a, [0, 1], [1]), TypeError, r"interleaved"),
        (lambda a: np.einsum("ij", a, out=np.empty((2, 3))), TypeError, r"unsupported.*out"),
    ],
)
def test_einsum_errors_name_the_op(call, error, message):
    with pytest.raises(error, match=message):
        call(Tensor(np.ones((2, 3)), requires_grad=True))
