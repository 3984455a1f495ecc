"""The logical and bitwise operators: `&`, `|`, `^`, `~` (and `&=`, `|=`, `^=` in place) on bool
and integer tensors, `logical_and`/`or`/`xor`/`not` on any. No gradients; PyTorch's results
(compared with torch where it is installed) and PyTorch's refusal of float operands.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from ops_support import SETTINGS

import autodiff as ad
from autodiff import ShapeError, Tensor
from autodiff.testing import broadcastable_shapes

OPERATORS = {
    "&": (lambda a, b: a & b, np.bitwise_and),
    "|": (lambda a, b: a | b, np.bitwise_or),
    "^": (lambda a, b: a ^ b, np.bitwise_xor),
}
LOGICAL = {
    "logical_and": (ad.logical_and, np.logical_and),
    "logical_or": (ad.logical_or, np.logical_or),
    "logical_xor": (ad.logical_xor, np.logical_xor),
}


@st.composite
def integral_pairs(draw):
    """Two bool or two int64 arrays of broadcastable shapes (0-d and size-1 dims included)."""
    shapes = draw(broadcastable_shapes())
    kind = draw(st.sampled_from([bool, np.int64]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return tuple(rng.integers(-8, 8, s).astype(kind) for s in shapes)


@pytest.mark.parametrize("symbol", sorted(OPERATORS))
@SETTINGS
@given(integral_pairs())
def test_operators_compute_numpys_bits_with_no_gradient(symbol, pair):
    op, ref = OPERATORS[symbol]
    a, b = pair
    for out in (op(Tensor(a), Tensor(b)), op(Tensor(a), b), op(1, Tensor(b))):
        assert isinstance(out, Tensor) and not out.requires_grad
    np.testing.assert_array_equal(op(Tensor(a), Tensor(b)).data, ref(a, b))
    np.testing.assert_array_equal(op(True if a.dtype == bool else 3, Tensor(b)).data,
                                  ref(True if a.dtype == bool else 3, b))  # fmt: skip
    np.testing.assert_array_equal((~Tensor(a)).data, np.invert(a))


@pytest.mark.parametrize("name", sorted(LOGICAL))
@SETTINGS
@given(broadcastable_shapes(), st.integers(0, 2**32 - 1))
def test_logical_functions_take_any_dtype_and_give_bools(name, shapes, seed):
    function, ref = LOGICAL[name]
    rng = np.random.default_rng(seed)
    a = rng.integers(-1, 2, shapes[0]).astype(np.float32)  # zeros are False
    b = rng.integers(0, 2, shapes[1])
    out = function(Tensor(a), Tensor(b))
    assert out.dtype == np.bool_ and not out.requires_grad
    np.testing.assert_array_equal(out.data, ref(a, b))
    np.testing.assert_array_equal(ad.logical_not(Tensor(a)).data, np.logical_not(a))


def test_a_mask_made_from_comparisons():
    x = ad.tensor([-1.0, 0.5, 2.0], requires_grad=True)
    inside = (x > 0) & (x < 1)
    assert inside.tolist() == [False, True, False] and (~inside).tolist() == [True, False, True]
    assert ((x < 0) | (x > 1)).tolist() == [True, False, True]
    assert (x * inside).sum().item() == 0.5


@pytest.mark.parametrize(
    "op",
    [lambda x: x & x, lambda x: x | (x > 0), lambda x: (x > 0) ^ x, lambda x: ~x,
     lambda x: (x > 0) & 1.5],
)  # fmt: skip
def test_float_operands_raise_naming_the_operator(op):
    x = ad.tensor([1.0, -1.0])
    with pytest.raises(TypeError, match=r"[&|^~]: only bool and integer tensors"):
        op(x)


def test_in_place_forms_write_into_the_tensor_and_its_views():
    mask = ad.tensor([True, True, False])
    head = mask[:2]
    same = mask
    mask &= ad.tensor([True, False, True])
    assert mask is same and mask.tolist() == [True, False, False] and head.tolist() == [True, False]
    mask |= np.array([False, False, True])
    mask ^= True
    assert mask.tolist() == [False, True, False]
    bits = ad.tensor(np.array([6, 3]))
    bits &= 5
    assert bits.tolist() == [4, 1] and bits.dtype == np.int64
    floats = ad.tensor([1.0])
    with pytest.raises(TypeError, match=r"&=: only bool and integer tensors"):
        floats &= True


def test_shapes_that_do_not_broadcast_raise_shape_error():
    with pytest.raises(ShapeError, match=r"&: shapes \(2,\) and \(3,\)"):
        ad.tensor([True, False]) & ad.tensor([True, False, True])
    with pytest.raises(ShapeError, match=r"logical_or: shapes \(2,\) and \(3,\)"):
        ad.logical_or(ad.tensor([1.0, 0.0]), ad.tensor([1.0, 0.0, 1.0]))


def test_same_results_as_torch():
    torch = pytest.importorskip("torch", reason="torch is not installed: nothing to compare with")
    a, b = np.array([True, False, True, False]), np.array([True, True, False, False])
    i, j = np.array([6, -3, 0, 9]), np.array([5, 1, -1, 3])
    for ours, theirs in (
        (lambda p, q: p & q, lambda p, q: p & q),
        (lambda p, q: p | q, lambda p, q: p | q),
        (lambda p, q: p ^ q, lambda p, q: p ^ q),
        (lambda p, q: ~p, lambda p, q: ~p),
        (ad.logical_and, torch.logical_and),
        (ad.logical_xor, torch.logical_xor),
    ):
        for p, q in ((a, b), (i, j)):
            expected = theirs(torch.tensor(p), torch.tensor(q)).numpy()
            np.testing.assert_array_equal(ours(ad.tensor(p), ad.tensor(q)).data, expected)
    with pytest.raises(RuntimeError):
        torch.tensor([1.0]) & torch.tensor([1.0])  # PyTorch refuses floats too
