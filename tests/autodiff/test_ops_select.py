"""Selection along a dim: max/min(dim) -> (values, indices), argmax/argmin, sort, topk.

Hypothesis draws the shape (0-d included) and the dim; values are compared with numpy (and with
torch when installed: values, indices and gradients), gradients with central differences.
Edge cases: ties (max(dim) sends the gradient to the returned index, the full max() splits it),
NaN, empty dims, 0-d tensors, and the errors for what PyTorch refuses.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from ops_support import SECOND_ORDER, SETTINGS, check_forward

import autodiff as ad
from autodiff import Tensor, gradgradcheck
from autodiff.testing import assert_gradients_match, shapes, tensors

try:
    import torch
except ImportError:  # the torch comparisons skip
    torch = None

need_torch = pytest.mark.skipif(torch is None, reason="compares with PyTorch (not installed)")


@st.composite
def shape_and_dim(draw, min_dims=0, max_dims=3, min_side=1, max_side=4):
    shape = draw(shapes(min_dims, max_dims, min_side, max_side))
    ndim = max(len(shape), 1)  # a 0-d tensor takes dim 0 or -1
    return shape, draw(st.integers(-ndim, ndim - 1))


def torch_of(x: Tensor):
    return torch.tensor(x.data, requires_grad=True)


# ------------------------------------------------------------------------ max/min along a dim
@pytest.mark.parametrize("op", ["max", "min"])
@SETTINGS
@given(data=st.data(), shape_dim=shape_and_dim(), keepdim=st.booleans())
def test_max_min_along_a_dim(data, op, shape_dim, keepdim):
    shape, dim = shape_dim
    x = data.draw(tensors(shape, distinct=True))
    values, indices = getattr(x, op)(dim, keepdim)
    flat = x.data.reshape(shape or (1,))
    expected_idx = getattr(np, "arg" + op)(flat, axis=dim, keepdims=True)
    expected = np.take_along_axis(flat, expected_idx, dim)
    if not shape:
        expected, expected_idx = expected.reshape(()), expected_idx.reshape(())
    elif not keepdim:
        expected, expected_idx = expected.squeeze(dim), expected_idx.squeeze(dim)
    check_forward(values, expected)
    check_forward(indices, expected_idx.astype(np.int64))
    assert not indices.requires_grad
    assert_gradients_match(lambda t: getattr(t, op)(dim, keepdim).values, x)
    assert_gradients_match(lambda t: getattr(ad, op)(t, dim=dim, keepdim=keepdim)[0], x)
    if torch is not None:
        tx = torch_of(x)
        tv, ti = getattr(torch, op)(tx, dim, keepdim)
        np.testing.assert_array_equal(values.data, tv.detach().numpy())
        np.testing.assert_array_equal(indices.data, ti.numpy())


@pytest.mark.parametrize("op", ["max", "min"])
@SECOND_ORDER
@given(data=st.data(), shape_dim=shape_and_dim(max_side=3))
def test_max_min_along_a_dim_second_order(data, op, shape_dim):
    shape, dim = shape_dim
    x = data.draw(tensors(shape, distinct=True))
    assert gradgradcheck(lambda t: getattr(t, op)(dim).values ** 2, x)


def test_max_dim_is_a_named_tuple_like_pytorchs():
    out = Tensor(np.array([[0.1, 0.9, 0.3], [0.8, 0.2, 0.5]]), requires_grad=True)
    result = ad.max(out, 1)
    assert type(result) is ad.return_types.max and result._fields == ("values", "indices")
    _, predicted = result  # the classic `_, predicted = torch.max(outputs, 1)`
    assert predicted.dtype == np.int64 and predicted.tolist() == [1, 0]
    assert result.values.tolist() == [0.9, 0.8] and result.values.requires_grad
    assert out.max(dim=1, keepdim=True).indices.shape == (2, 1)
    assert out.min(axis=0).indices.tolist() == [0, 1, 0]  # PyTorch's alias `axis` too
    assert type(out.min(0)) is ad.return_types.min


@need_torch
def test_ties_max_dim_sends_the_gradient_to_the_first_index_full_max_splits_it():
    a = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 1.0, 2.0]])
    for op in ("max", "min"):
        for call in (
            lambda t, op=op: getattr(t, op)(1).values.sum(),
            lambda t, op=op: getattr(t, op)(0, True).values.sum(),
            lambda t, op=op: getattr(t, op)(),
            lambda t, op=op: getattr(t, "a" + op)(1).sum(),
            lambda t, op=op: getattr(t, "a" + op)((0, 1)),
        ):
            x, tx = Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
            call(x).backward()
            call(tx).backward()
            np.testing.assert_array_equal(x.grad.data, tx.grad.numpy())
    x = Tensor(a, requires_grad=True)
    assert x.max(1).indices.tolist() == [1, 0]


@need_torch
def test_nan_gradients_as_pytorch_for_every_form_of_max_and_min():
    """max(dim) returns the first NaN (its index gets the gradient); max() shares the gradient
    among the NaNs; amax/amin make the slice's gradient NaN."""
    a = np.array([[1.0, np.nan, 3.0, np.nan], [1.0, 5.0, 5.0, 2.0]])
    for op in ("max", "min"):
        for call in (
            lambda t, op=op: getattr(t, op)(1).values.sum(),
            lambda t, op=op: getattr(t, op)(),
            lambda t, op=op: getattr(t, "a" + op)(1).sum(),
        ):
            x, tx = Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
            out, tout = call(x), call(tx)
            np.testing.assert_array_equal(out.data, tout.detach().numpy())
            out.backward()
            tout.backward()
            np.testing.assert_array_equal(x.grad.data, tx.grad.numpy())
        x, tx = Tensor(a), torch.tensor(a)
        np.testing.assert_array_equal(getattr(x, op)(1).indices.data, getattr(tx, op)(1)[1])


def test_max_with_a_tensor_is_the_elementwise_maximum():
    a = Tensor(np.array([1.0, 5.0, 2.0]), requires_grad=True)
    b = Tensor(np.array([3.0, 2.0, 2.0]), requires_grad=True)
    out = ad.max(a, b)
    assert out.tolist() == [3.0, 5.0, 2.0]
    out.sum().backward()
    assert a.grad.tolist() == [0.0, 1.0, 0.5] and b.grad.tolist() == [1.0, 0.0, 0.5]
    assert a.min(b).tolist() == [1.0, 2.0, 2.0]
    assert ad.min(a, np.array([0.0, 9.0, 9.0])).tolist() == [0.0, 5.0, 2.0]


def test_max_of_a_0d_tensor_and_along_an_empty_dim():
    x = Tensor(np.float64(2.5), requires_grad=True)
    values, indices = x.max(0)
    assert values.shape == () and indices.shape == () and indices.item() == 0
    values.backward()
    assert x.grad.item() == 1.0
    values, indices = Tensor(np.zeros((0, 3))).max(1)  # nothing along dim 0: empty results
    assert values.shape == (0,) and indices.shape == (0,) and indices.dtype == np.int64


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda x: x.max((0, 1)), TypeError, r"max: dim must be an int.*amax"),
        (lambda x: x.min(dim=1.5), TypeError, r"min: dim must be an int"),
        (lambda x: x.max(keepdim=True), TypeError, r"max: keepdim needs a dim"),
        (lambda x: x.max(2), IndexError, r"axis 2 is out of bounds"),
        (lambda x: x.max(x, keepdim=True), TypeError, r"takes no keepdim"),
        (lambda x: x.sort(dim=(0,)), TypeError, r"sort: dim must be an int"),
        (lambda x: x.topk(4), IndexError, r"topk: k=4 is out of range for dim -1 of size 3"),
        (lambda x: x.topk(-1), IndexError, r"topk: k=-1 is out of range"),
        (lambda x: x.topk(1.0), TypeError, r"topk: k must be an int"),
        (lambda x: x.argmax(dim=5), IndexError, r"axis 5 is out of bounds"),
    ],
)
def test_bad_arguments_are_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call(Tensor(np.ones((2, 3)), requires_grad=True))


# ------------------------------------------------------------------------------- argmax
@pytest.mark.parametrize("op", ["argmax", "argmin"])
@pytest.mark.parametrize("dim", [None, 0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_argmax_argmin_as_pytorch(op, dim, keepdim):
    a = (
        np.array([[1.0, 7.0, 7.0], [np.nan, 0.0, 0.0]])
        if dim != 0
        else np.array([[1.0, 7.0, 0.0], [1.0, 0.0, 0.0]])
    )
    x = Tensor(a, requires_grad=True)
    for found in (getattr(x, op)(dim, keepdim), getattr(ad, op)(x, dim=dim, keepdim=keepdim)):
        assert found.dtype == np.int64 and not found.requires_grad
        expected = getattr(np, op)(a, axis=dim, keepdims=keepdim)
        np.testing.assert_array_equal(found.data, expected)
        if torch is not None:
            theirs = getattr(torch.tensor(a), op)(dim=dim, keepdim=keepdim)
            assert found.shape == tuple(theirs.shape)
            np.testing.assert_array_equal(found.data, theirs.numpy())


def test_argmax_of_a_0d_tensor():
    x = Tensor(np.float64(3.0))
    assert x.argmax().item() == 0 and x.argmax(0).shape == () and x.argmin(-1).item() == 0


# ---------------------------------------------------------------------------------- sort
@SETTINGS
@given(data=st.data(), shape_dim=shape_and_dim(), descending=st.booleans())
def test_sort(data, shape_dim, descending):
    shape, dim = shape_dim
    x = data.draw(tensors(shape, distinct=True))
    values, indices = x.sort(dim, descending)
    flat = x.data.reshape(shape or (1,))
    expected = np.sort(flat, axis=dim)
    if descending:
        expected = np.flip(expected, dim)
    check_forward(values, expected.reshape(shape))
    assert indices.dtype == np.int64 and not indices.requires_grad
    np.testing.assert_array_equal(
        np.take_along_axis(flat, indices.data.reshape(flat.shape), dim), expected
    )
    assert_gradients_match(
        lambda t: t.sort(dim, descending).values * np.arange(t.numel()).reshape(t.shape), x
    )
    if torch is not None:
        tv, ti = torch.sort(torch_of(x), dim=dim, descending=descending)
        np.testing.assert_array_equal(values.data, tv.detach().numpy())
        np.testing.assert_array_equal(indices.data, ti.numpy())


@need_torch
@pytest.mark.parametrize("descending", [False, True])
def test_sort_with_ties_and_nan_is_stable_like_pytorchs_stable_sort(descending):
    a = np.array([[2.0, 1.0, 2.0, np.nan, 1.0, -9.0, 2.0], [0.0, 0.0, 0.0, 1.0, 1.0, 0, 0]])
    x = Tensor(a, requires_grad=True)
    values, indices = ad.sort(x, dim=1, descending=descending, stable=True)
    tv, ti = torch.sort(torch.tensor(a), dim=1, descending=descending, stable=True)
    np.testing.assert_array_equal(values.data, tv.numpy())
    np.testing.assert_array_equal(indices.data, ti.numpy())
    weights = np.arange(a.size, dtype=np.float64).reshape(a.shape)
    (values * weights).sum().backward()
    tx = torch.tensor(a, requires_grad=True)
    (
        torch.sort(tx, dim=1, descending=descending, stable=True).values * torch.tensor(weights)
    ).sum().backward()
    np.testing.assert_array_equal(x.grad.data, tx.grad.numpy())


def test_sort_of_0d_and_empty():
    values, indices = Tensor(np.float64(1.5)).sort()
    assert values.item() == 1.5 and indices.item() == 0 and indices.shape == ()
    x = Tensor(np.zeros((2, 0)), requires_grad=True)
    values, indices = x.sort(dim=1)
    assert values.shape == (2, 0) and indices.shape == (2, 0)
    values.sum().backward()
    assert x.grad.shape == (2, 0)


@SECOND_ORDER
@given(data=st.data(), shape_dim=shape_and_dim(min_dims=1, max_side=3))
def test_sort_second_order(data, shape_dim):
    shape, dim = shape_dim
    x = data.draw(tensors(shape, distinct=True))
    w = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    assert gradgradcheck(lambda t: (t.sort(dim).values * w) ** 2, x)


# ---------------------------------------------------------------------------------- topk
@SETTINGS
@given(data=st.data(), shape_dim=shape_and_dim(), largest=st.booleans())
def test_topk(data, shape_dim, largest):
    shape, dim = shape_dim
    x = data.draw(tensors(shape, distinct=True))
    flat = x.data.reshape(shape or (1,))
    k = data.draw(st.integers(0, flat.shape[dim]))
    values, indices = x.topk(k, dim, largest=largest)
    order = np.argsort(flat, axis=dim)
    if largest:
        order = np.flip(order, dim)
    expected_idx = np.take(order, np.arange(k), axis=dim)
    if not shape:  # a 0-d tensor is its own top 1 for k = 0 too (PyTorch)
        expected_idx = np.zeros((), dtype=np.intp)
    check_forward(indices, expected_idx.astype(np.int64))
    check_forward(
        values,
        np.take_along_axis(flat, expected_idx.reshape(values.shape or (1,)), dim).reshape(
            values.shape
        ),
    )
    assert_gradients_match(lambda t: t.topk(k, dim, largest).values.sum(), x)
    assert_gradients_match(lambda t: (ad.topk(t, k, dim=dim, largest=largest)[0] ** 2).sum(), x)
    if torch is not None:
        tv, ti = torch.topk(torch_of(x), k, dim=dim, largest=largest)
        np.testing.assert_array_equal(values.data, tv.detach().numpy())
        np.testing.assert_array_equal(indices.data, ti.numpy())


def test_topk_named_tuple_and_gradient_scattered_to_the_indices():
    x = Tensor(np.array([0.5, 3.0, -1.0, 2.0]), requires_grad=True)
    result = x.topk(2)
    assert type(result) is ad.return_types.topk
    assert result.values.tolist() == [3.0, 2.0] and result.indices.tolist() == [1, 3]
    (result.values * Tensor(np.array([10.0, 1.0]))).sum().backward()
    assert x.grad.tolist() == [0.0, 10.0, 0.0, 1.0]
    assert x.topk(1, largest=False, sorted=False).indices.tolist() == [2]
