"""Indexing: ints, slices (steps, negative), None, Ellipsis, integer arrays (repeated indices
accumulate), boolean masks and mixed indices such as the cross-entropy pattern
`x[np.arange(n), labels]`."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from ops_support import SECOND_ORDER, SETTINGS, check_forward

import autodiff as ad
from autodiff import Tensor, gradgradcheck
from autodiff.testing import arrays, assert_gradients_match, shapes, tensors


def scatter_reference(shape, index, w):
    """What backward must give: w added at `index` into zeros, repeats accumulating."""
    g = np.zeros(shape)
    np.add.at(g, index, w)
    return g


# ----------------------------------------------------------------------- index strategies
@st.composite
def basic_index(draw):
    """ints (negative too), slices with any step, None and Ellipsis."""
    shape = draw(shapes(max_dims=3))
    index = draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True))
    return shape, index


@st.composite
def integer_array_index(draw):
    """A tuple of integer arrays (negative and repeated indices included), maybe plus a slice."""
    shape = draw(shapes(min_dims=1, max_dims=3))
    index = draw(hnp.integer_array_indices(shape, result_shape=hnp.array_shapes(max_dims=2)))
    if len(index) < len(shape) and draw(st.booleans()):
        index = (*index, slice(None, None, draw(st.sampled_from([1, -1, 2]))))
    return shape, index


@st.composite
def mask_index(draw):
    """A boolean mask over the leading k dims (all of them, or fewer)."""
    shape = draw(shapes(min_dims=1, max_dims=3))
    k = draw(st.integers(1, len(shape)))
    return shape, draw(arrays(shape[:k])) > 0


@st.composite
def cross_entropy_index(draw):
    """x[np.arange(n), labels]: one entry per row; labels repeat across rows."""
    n, c = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    labels = np.array(draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    return (n, c), (np.arange(n), labels)


@st.composite
def mixed_index(draw):
    """A slice or an int with an integer array, in either order."""
    shape = draw(shapes(min_dims=2, max_dims=3, max_side=4))
    picks = np.array(draw(st.lists(st.integers(-shape[1], shape[1] - 1), min_size=1, max_size=5)))
    first = draw(st.sampled_from([slice(None), slice(None, None, -1), 0, -1]))
    return shape, (first, picks)


INDEX_KINDS = [
    ("basic", basic_index()),
    ("integer_arrays", integer_array_index()),
    ("mask", mask_index()),
    ("cross_entropy", cross_entropy_index()),
    ("mixed", mixed_index()),
]


@pytest.mark.parametrize("strategy", [k[1] for k in INDEX_KINDS], ids=[k[0] for k in INDEX_KINDS])
@SETTINGS
@given(data=st.data())
def test_getitem_forward_and_gradient(data, strategy):
    shape, index = data.draw(strategy)
    x = data.draw(tensors(shape))
    y = x[index]
    check_forward(y, x.data[index])
    assert_gradients_match(lambda t: t[index], x)
    # backward scatters into zeros: repeated positions add up
    w = np.random.default_rng(0).standard_normal(y.shape)
    y.backward(w)
    np.testing.assert_allclose(x.grad.data, scatter_reference(shape, index, w), rtol=1e-12)


@pytest.mark.parametrize("strategy", [k[1] for k in INDEX_KINDS], ids=[k[0] for k in INDEX_KINDS])
@SECOND_ORDER
@given(data=st.data())
def test_getitem_second_order(data, strategy):
    shape, index = data.draw(strategy)
    x = data.draw(tensors(shape))
    assert gradgradcheck(lambda t: t[index] ** 2, x)
    assert gradgradcheck(lambda t: t[index], x)


# ---------------------------------------------------------------------------- fixed cases
A = np.arange(24, dtype=np.float64).reshape(2, 3, 4)
# id, the index (applied to A and to a Tensor of A)
FIXED = [
    ("int", 1),
    ("negative_int", -1),
    ("int_tuple", (1, -2, 3)),
    ("slice_step", (slice(None), slice(None, None, 2))),
    ("negative_step", (Ellipsis, slice(None, None, -2))),
    ("reverse", slice(None, None, -1)),
    ("negative_slice", (slice(-1, None), slice(-2, None), slice(None, -1))),
    ("empty_slice", slice(1, 1)),
    ("none", (None, 0, None)),
    ("ellipsis", (Ellipsis, 0)),
    ("ellipsis_none", (None, Ellipsis, None)),
    ("repeated", [0, 0, 1]),
    ("repeated_negative", (slice(None), [-1, 2, -1, 2])),
    ("repeated_pairs", ([0, 0, 1], [1, 1, 1], [2, 2, 0])),
    ("2d_int_array", (np.array([[0, 1], [1, 1]]),)),
    ("mask", A > 10),
    ("leading_mask", np.array([True, False])),
    ("mask_list", [False, True]),
    ("mask_and_slice", (np.array([True, True]), slice(None), 0)),
    ("empty_mask", A > 100),
    ("empty_int_array", np.array([], dtype=np.int64)),
    ("int_with_array", (1, [0, 2, 2])),
    ("array_slice_array", ([1, 0], slice(None), [3, 3])),
    ("whole", Ellipsis),
]


@pytest.mark.parametrize("index", [f[1] for f in FIXED], ids=[f[0] for f in FIXED])
def test_getitem_fixed_cases(index):
    x = Tensor(A, requires_grad=True)
    y = x[index]
    check_forward(y, A[index])
    assert y.grad_fn is not None
    w = np.arange(1.0, y.numel() + 1).reshape(y.shape)
    y.backward(w)
    np.testing.assert_array_equal(x.grad.data, scatter_reference(A.shape, index, w))


def test_repeated_indices_accumulate():
    x = Tensor(np.array([10.0, 20.0, 30.0]), requires_grad=True)
    y = x[[0, 0, 1, 0]]
    check_forward(y, [10.0, 10.0, 20.0, 10.0])
    y.backward(np.array([1.0, 2.0, 4.0, 8.0]))
    np.testing.assert_array_equal(x.grad.data, [11.0, 4.0, 0.0])


def test_cross_entropy_pattern():
    logits = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0], [0.0, 0.0, 1.0], [2.0, 1.0, 0.0]])
    labels = np.array([2, 0, 2, 1])
    x = Tensor(logits, requires_grad=True)
    picked = x.log_softmax(axis=1)[np.arange(4), labels]
    loss = -picked.mean()
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    assert loss.item() == pytest.approx(-log_probs[np.arange(4), labels].mean(), rel=1e-12)
    loss.backward()
    onehot = np.eye(3)[labels]
    np.testing.assert_allclose(x.grad.data, (np.exp(log_probs) - onehot) / 4, rtol=1e-10)


def test_tensor_indices_and_masks():
    a = np.array([[-1.0, 2.0], [3.0, -4.0], [5.0, 6.0]])
    x = Tensor(a, requires_grad=True)
    rows = Tensor(np.array([2, 0, 2]))
    check_forward(x[rows], a[[2, 0, 2]])
    y = x[x > 0]  # a bool Tensor mask
    check_forward(y, a[a > 0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, (a > 0).astype(float))


@pytest.mark.parametrize("index", [(), Ellipsis, None, (None, None)], ids=repr)
def test_getitem_of_0d(index):
    x = Tensor(np.float64(2.5), requires_grad=True)
    y = x[index]
    check_forward(y, np.float64(2.5)[index])
    (y * 3).sum().backward()
    assert x.grad.shape == ()
    assert x.grad.item() == 3.0


def test_getitem_of_empty():
    x = Tensor(np.zeros((0, 3)), requires_grad=True)
    y = x[:, 1:]
    assert y.shape == (0, 2)
    y.sum().backward()
    assert x.grad.shape == (0, 3)


def test_getitem_float32():
    x = Tensor(np.arange(6, dtype=np.float32).reshape(2, 3), requires_grad=True)
    for index in [1, (slice(None), [0, 0, 2]), x.data > 2, (None, Ellipsis, -1)]:
        x.zero_grad()
        y = x[index]
        assert y.dtype == np.float32
        y.sum().backward()
        assert x.grad.dtype == np.float32


def test_repeated_index_second_order():
    x = Tensor(np.array([0.5, -1.5, 2.0]), requires_grad=True)
    assert gradgradcheck(lambda t: t[[0, 0, 2, 0]] ** 3, x)
    assert gradgradcheck(lambda t: t[np.arange(3), [1, 1, 0]], Tensor(np.ones((3, 2)), True))


def test_out_of_range_index_names_the_op():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(IndexError, match=r"(?s)getitem.*5.*\(2, 3\)"):
        x[5]
    with pytest.raises(IndexError, match=r"getitem"):
        x[:, [0, 3]]


def test_empty_list_index_like_numpy():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    check_forward(x[[]], np.ones((2, 3))[[]])


def test_advanced_indexing_result_is_a_copy_not_a_view():
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    y = x * 1.0
    z = y * y  # Mul saves y
    picked = y[[0, 1]]  # a copy: changing it leaves y alone
    assert not np.shares_memory(picked.data, y.data)
    with ad.no_grad():
        picked.add_(1.0)
    np.testing.assert_array_equal(y.data, [1.0, 2.0, 3.0])
    z.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 4.0, 6.0])


def _element_views(lib):
    """In-place changes through all-integer indices, and later changes seen by them."""
    a = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)
    a[0].add_(5)
    later = a[1]
    a.add_(10)
    m = lib.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=lib.float64)
    m[1, 1].mul_(2)
    for row in m:
        row[0].sub_(1)
    return a.tolist(), later.item(), m.tolist()


def test_integer_index_is_a_0d_view():
    a_values, later, m_values = _element_views(ad)
    assert a_values == [16.0, 12.0, 13.0]
    assert later == 12.0
    assert m_values == [[0.0, 2.0], [2.0, 8.0]]
    x = Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]))
    element = x[1, 0]
    assert element.shape == () and np.shares_memory(element.data, x.data)
    version = x.version
    element.fill_(7.0)
    assert x.version > version and element.version == x.version
    s = Tensor(np.float64(2.5))
    assert np.shares_memory(s[()].data, s.data)


def test_integer_index_view_matches_torch():
    torch = pytest.importorskip("torch")
    assert _element_views(ad) == _element_views(torch)


def test_modified_integer_index_view_is_caught_by_backward():
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    y = x * 1.0
    z = y * y  # Mul saves y
    with ad.no_grad():
        y[0].add_(1.0)  # a view of y: y's version moves
    with pytest.raises(ad.InplaceModificationError, match="modified by an inplace"):
        z.sum().backward()


# --------------------------------------------------- index tensors modified after the op ran
def _modify_after_use(lib, make_index, change):
    """Index a float64 leaf with an index tensor, change the index in place, then backward."""
    w = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
    index = make_index(lib, w)
    y = w[index]
    change(index)
    y.sum().backward()
    return w.grad.tolist()


MODIFIED_INDICES = {
    "integer index": (lambda lib, w: lib.tensor([0, 0]), lambda i: i.__setitem__(1, 2)),
    "boolean mask": (lambda lib, w: w.detach() > 1.5, lambda m: m.__setitem__(0, True)),
    "index in a tuple": (lambda lib, w: (lib.tensor([0, 0]),), lambda t: t[0].fill_(2)),
}


@pytest.mark.parametrize("case", MODIFIED_INDICES)
def test_index_modified_in_place_raises_at_backward(case):
    # The gradient would go where the index points now: [1, 0, 1] instead of [2, 0, 0].
    with pytest.raises(ad.InplaceModificationError, match="GetItemCopyBackward.*inplace"):
        _modify_after_use(ad, *MODIFIED_INDICES[case])


@pytest.mark.parametrize("case", MODIFIED_INDICES)
def test_index_modified_in_place_raises_as_torch(case):
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        _modify_after_use(torch, *MODIFIED_INDICES[case])


def test_index_tensor_unmodified_or_replaced_keeps_the_gradient():
    w = ad.tensor([1.0, 2.0, 3.0], dtype=ad.float64, requires_grad=True)
    index = ad.tensor([0, 0])
    y = w[index]
    index = ad.tensor([2, 2])  # a new tensor: what the op used is unchanged
    y.sum().backward()
    assert w.grad.tolist() == [2.0, 0.0, 0.0]


def test_index_modified_between_backward_and_double_backward_raises():
    w = ad.tensor([1.0, 2.0, 3.0], dtype=ad.float64, requires_grad=True)
    index = ad.tensor([0, 0])
    (g,) = ad.autograd.grad((w[index] ** 2).sum(), [w], create_graph=True)
    assert g.tolist() == [4.0, 0.0, 0.0]
    with ad.no_grad():
        index[1] = 2
    with pytest.raises(ad.InplaceModificationError, match="inplace"):
        g.sum().backward()


# ------------------------------------------ a list holding sequences indexes as a tuple (torch)
NESTED_LIST_INDICES = {
    "two lists": lambda lib: [[0, 1], [1, 2]],
    "slice and int": lambda lib: [slice(0, 2), 1],
    "None and int": lambda lib: [None, 0],
    "Ellipsis and int": lambda lib: [Ellipsis, 0],
    "tensors": lambda lib: [lib.tensor([0, 2]), lib.tensor([1, 3])],
    "ints only": lambda lib: [0, 2, 2],
    "one list": lambda lib: [[0, 2]],
}


def _nested_list_index(lib, make_index):
    """x[index] and its gradient (float64), then x[index] = 100 on a copy."""
    x = lib.arange(12, dtype=lib.float64).reshape(3, 4).requires_grad_(True)
    y = x[make_index(lib)]
    (y * y).sum().backward()
    z = x.detach().clone()
    z[make_index(lib)] = 100.0
    return tuple(y.shape), y.tolist(), x.grad.tolist(), z.tolist()


@pytest.mark.parametrize("case", NESTED_LIST_INDICES)
def test_nested_list_index_matches_torch(case):
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch: "non-tuple sequence" deprecated
        expected = _nested_list_index(torch, NESTED_LIST_INDICES[case])
    assert _nested_list_index(ad, NESTED_LIST_INDICES[case]) == expected


def test_nested_list_index_is_a_tuple_of_indices():
    x = ad.tensor(np.arange(12.0).reshape(3, 4))
    assert x[[[0, 1], [1, 2]]].tolist() == [1.0, 6.0]  # x[0, 1], x[1, 2]; not shape (2, 2, 4)
    x[[[0, 1], [1, 2]]] = -1.0
    assert x.data[0, 1] == x.data[1, 2] == -1.0 and (x.data == -1.0).sum() == 2
    long = [[0]] * 32  # 32 entries or more: one integer array, as torch
    assert x[long].shape == (32, 1, 4)


# ------------------------------------ a uint8 index is a mask, as PyTorch reads it (deprecated)
UINT8_WARNING = r"indexing with dtype torch\.uint8 is now deprecated"

UINT8_INDICES = {
    "tensor": lambda lib: lib.tensor([1, 0, 1], dtype=lib.uint8),
    "tensor holding 2": lambda lib: lib.tensor([2, 0, 7], dtype=lib.uint8),
    "2-d tensor": lambda lib: lib.tensor(
        [[1, 0, 1, 0], [0, 0, 0, 1], [1, 1, 0, 0]], dtype=lib.uint8
    ),
    "in a tuple": lambda lib: (slice(None), lib.tensor([1, 0, 1, 0], dtype=lib.uint8)),
    "after an int": lambda lib: (1, lib.tensor([0, 1, 1, 0], dtype=lib.uint8)),
    "with integers": lambda lib: (lib.tensor([1, 0, 1], dtype=lib.uint8), lib.tensor([1, 3])),
    "numpy array": lambda lib: np.array([0, 1, 1], dtype=np.uint8),
    "numpy in a tuple": lambda lib: (Ellipsis, np.array([1, 0, 0, 1], dtype=np.uint8)),
    "list of numpy uint8": lambda lib: [np.uint8(1), np.uint8(0), np.uint8(1)],
}


def _uint8_index(lib, make_index):
    """x[index] (x of shape (3, 4)), its gradient, and x[index] = rows of 100 + i."""
    x = lib.arange(12, dtype=lib.float64).reshape(3, 4).requires_grad_(True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        y = x[make_index(lib)]
        (y * y).sum().backward()
        z = x.detach().clone()
        values = lib.tensor(100.0 + np.arange(y.numel()).reshape(tuple(y.shape)), dtype=lib.float64)
        z[make_index(lib)] = values
    uint8 = [w for w in caught if "uint8" in str(w.message)]
    return (tuple(y.shape), y.tolist(), x.grad.tolist(), z.tolist()), uint8


@pytest.mark.parametrize("case", UINT8_INDICES)
def test_uint8_index_is_a_mask(case):
    got, caught = _uint8_index(ad, UINT8_INDICES[case])
    assert caught and all(w.category is UserWarning for w in caught)
    assert all("torch.uint8" in str(w.message) and "torch.bool" in str(w.message) for w in caught)
    assert all(w.filename == __file__ for w in caught)  # the warning names the user's line
    # the same as the bool mask
    bool_index = UINT8_INDICES[case]
    expected, _ = _uint8_index(ad, lambda lib: _as_bool(bool_index(lib)))
    assert got == expected


def _as_bool(index):
    if isinstance(index, tuple):
        return tuple(_as_bool(p) for p in index)
    if isinstance(index, list):
        return np.array(index).astype(bool)
    dtype = getattr(index, "dtype", None)
    if dtype == np.uint8 or str(dtype) == "torch.uint8":
        return index != 0
    return index


@pytest.mark.parametrize("case", UINT8_INDICES)
def test_uint8_index_matches_torch(case):
    torch = pytest.importorskip("torch")
    got, _ = _uint8_index(ad, UINT8_INDICES[case])
    expected, caught = _uint8_index(torch, UINT8_INDICES[case])
    assert caught  # torch warns too
    assert got == expected


def test_uint8_index_reported_case():
    x = ad.arange(4.0)
    with pytest.warns(UserWarning, match=UINT8_WARNING):
        assert x[ad.tensor([1, 0, 1, 0], dtype=ad.uint8)].tolist() == [0.0, 2.0]  # not [1, 0, 1, 0]
    with pytest.warns(UserWarning, match=UINT8_WARNING):
        assert x[np.array([1, 0, 1, 0], dtype=np.uint8)].tolist() == [0.0, 2.0]
    assert x[np.uint8(1)].item() == 1.0  # a numpy scalar is an integer, as in PyTorch
    assert x[np.array([1, 0], dtype=np.int8)].tolist() == [1.0, 0.0]  # other integers index


ZERO_D_UINT8 = {
    "tensor 1": lambda lib: lib.tensor(1, dtype=lib.uint8),
    "tensor 0": lambda lib: lib.tensor(0, dtype=lib.uint8),
    "numpy 1": lambda lib: np.array(1, dtype=np.uint8),
}


@pytest.mark.parametrize("case", ZERO_D_UINT8)
def test_0d_uint8_index_masks_all_or_nothing_without_a_warning(case):
    def run(lib):
        x = lib.arange(4, dtype=lib.float64)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            y = x[ZERO_D_UINT8[case](lib)]
            x[ZERO_D_UINT8[case](lib)] = 7.0
        return tuple(y.shape), y.tolist(), x.tolist()

    got = run(ad)
    assert got[0] == ((1, 4) if "1" in case else (0, 4))
    torch = pytest.importorskip("torch")
    assert got == run(torch)


@pytest.mark.parametrize(
    "index",
    [
        lambda lib: lib.tensor([1, 0, 1, 0], dtype=lib.uint8),
        lambda lib: (slice(None), np.array([0, 1], dtype=np.uint8)),
        lambda lib: (0, lib.tensor([1, 0], dtype=lib.uint8)),
    ],
    ids=["tensor", "numpy in a tuple", "after an int"],
)
@pytest.mark.parametrize(
    "value",
    [9.0, lambda lib: lib.tensor(9.0), lambda lib: lib.tensor([9.0])],
    ids=["number", "0-d tensor", "one-element tensor"],
)
def test_one_value_written_through_a_uint8_mask_raises_as_torch(index, value):
    """PyTorch writes one value through a mask with masked_fill_, which takes bool masks
    only; several values go through index_put_, which reads a uint8 mask (and warns)."""

    def write(lib):
        x = lib.zeros((4, 2), dtype=lib.float64) if isinstance(index(lib), tuple) else None
        x = lib.zeros(4, dtype=lib.float64) if x is None else x
        x[index(lib)] = value(lib) if callable(value) else value

    message = "masked_fill_ only supports boolean masks, but got mask with dtype unsigned char"
    with pytest.raises(RuntimeError, match=message):
        write(ad)
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match=message):
        write(torch)


def test_uint8_mask_of_the_wrong_shape_raises():
    x = ad.arange(4.0)
    with pytest.warns(UserWarning, match=UINT8_WARNING), pytest.raises(IndexError):
        x[ad.tensor([1, 0], dtype=ad.uint8)]


# ------------------------------------------- integers mixed with arrays: PyTorch's order
# (index, PyTorch's result shape for a (2, 3, 4, 5) tensor; numpy's where it differs)
MIXED_INDICES = [
    (lambda lib: (0, slice(None), [1, 2]), (3, 2, 5)),  # numpy: (2, 3, 5)
    (lambda lib: (lib.tensor(0), slice(None), [1, 2]), (3, 2, 5)),  # a 0-d tensor is an int
    (lambda lib: (0, Ellipsis, [1, 2]), (3, 4, 2)),  # numpy: (2, 3, 4)
    (lambda lib: (None, 0, Ellipsis, [1]), (1, 3, 4, 1)),  # numpy: (1, 1, 3, 4)
    (lambda lib: (0, slice(None), lib.tensor([[1], [2]]), 1), (3, 2, 1)),  # numpy: (2, 1, 3)
    (lambda lib: (1, lib.tensor([True, False, True]), slice(None), -1), (2, 4)),  # the same
    (lambda lib: (True, 0, slice(None), [1, 2]), (2, 3, 5)),  # the same
    (lambda lib: (0, [0, 1], [1, 2]), (2, 5)),  # adjacent arrays: the same
    (lambda lib: (slice(None), 0, [1, 2]), (2, 2, 5)),  # the same
]


def _mixed_index(lib, index):
    """y = x[index] (values and x.grad for a weighted sum), and x after x[index] = -arange."""
    a = np.arange(120.0).reshape(2, 3, 4, 5)
    x = lib.tensor(a, requires_grad=True)
    y = x[index(lib)]
    weights = np.linspace(0.5, 1.5, int(np.prod(tuple(y.shape)))).reshape(tuple(y.shape))
    (y * lib.tensor(weights)).sum().backward()
    z = lib.tensor(a)
    z[index(lib)] = lib.tensor(-np.arange(weights.size, dtype=np.float64).reshape(weights.shape))
    return tuple(y.shape), y.tolist(), x.grad.tolist(), z.tolist()


@pytest.mark.parametrize(("index", "shape"), MIXED_INDICES)
def test_integers_mixed_with_arrays_index_in_pytorchs_order(index, shape):
    """PyTorch applies integers first (x[0, :, [1, 2]] is x[0][:, [1, 2]]), numpy counts them
    among the advanced indices, which puts the broadcast dims first when the advanced indices
    are apart: the shape, values, gradient and assignment were numpy's (silently transposed)."""
    ours = _mixed_index(ad, index)
    assert ours[0] == shape
    torch = pytest.importorskip("torch")
    assert ours == _mixed_index(torch, index)


def test_a_mixed_index_keeps_second_order_gradients():
    x = Tensor(np.random.default_rng(0).uniform(-1, 1, (2, 3, 4)), requires_grad=True)
    assert gradgradcheck(lambda t: t[0, :, [1, 2, 2]] ** 2, x)
