"""Shape ops: reshape (with -1), transpose/permute/swapaxes/.T, flatten, squeeze, unsqueeze,
expand and broadcast_to.

Each op has a hypothesis strategy that draws an input shape and valid arguments (negative axes
included); forward is compared with the numpy equivalent, backward with central differences.
Views and copies follow PyTorch's rule: reshape and flatten view where numpy can and copy
(with their own memory and version) where it cannot, view raises there (compared with torch
where it is installed); contiguous, and expand's writeable views.
"""

from __future__ import annotations

from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from ops_support import SETTINGS, check_forward

import autodiff as ad
from autodiff import ShapeError, Tensor, gradgradcheck
from autodiff.ops import shape as shape_ops
from autodiff.testing import assert_gradients_match, broadcastable_shapes, shapes, tensors


def axis_of(ndim):
    """An axis of an ndim-d array, as a non-negative or a negative int."""
    return st.integers(0, ndim - 1).flatmap(lambda a: st.sampled_from([a, a - ndim]))


# --------------------------------------------------------------- argument strategies
@st.composite
def reshape_args(draw):
    shape = draw(shapes())
    target = list(draw(st.permutations(shape)))
    for _ in range(draw(st.integers(0, 2))):  # sprinkle size-1 dims
        target.insert(draw(st.integers(0, len(target))), 1)
    if target and draw(st.booleans()):
        target[draw(st.integers(0, len(target) - 1))] = -1
    return shape, tuple(target)


@st.composite
def permutation_args(draw):
    shape = draw(shapes())
    axes = draw(st.permutations(range(len(shape))))
    return shape, tuple(draw(st.sampled_from([a, a - len(shape)])) for a in axes)


@st.composite
def swapaxes_args(draw):
    shape = draw(shapes(min_dims=1))
    return shape, (draw(axis_of(len(shape))), draw(axis_of(len(shape))))


@st.composite
def flatten_args(draw):
    shape = draw(shapes(min_dims=1))
    n = len(shape)
    start = draw(st.integers(0, n - 1))
    end = draw(st.integers(start, n - 1))
    return shape, (draw(st.sampled_from([start, start - n])), draw(st.sampled_from([end, end - n])))


@st.composite
def shape_with_ones(draw):
    shape = list(draw(shapes(max_dims=2)))
    for _ in range(draw(st.integers(1, 2))):
        shape.insert(draw(st.integers(0, len(shape))), 1)
    return tuple(shape)


@st.composite
def squeeze_args(draw):
    shape = draw(shape_with_ones())
    ones = [i for i, n in enumerate(shape) if n == 1]
    axes = draw(st.lists(st.sampled_from(ones), min_size=1, max_size=len(ones), unique=True))
    axes = [draw(st.sampled_from([a, a - len(shape)])) for a in axes]
    return shape, draw(st.sampled_from([None, axes[0], tuple(axes)]))


@st.composite
def unsqueeze_args(draw):
    shape = draw(shapes())
    return shape, draw(st.integers(-len(shape) - 1, len(shape)))


@st.composite
def expand_args(draw):
    """(input shape, (sizes with -1 for kept dims, the concrete target shape))."""
    shape = draw(shape_with_ones())
    lead = draw(st.lists(st.integers(1, 3), max_size=2))
    sizes, target = list(lead), list(lead)
    for n in shape:
        size = draw(st.integers(1, 3)) if n == 1 else n
        target.append(size)
        sizes.append(-1 if size == n and draw(st.booleans()) else size)
    return shape, (tuple(sizes), tuple(target))


@st.composite
def broadcast_to_args(draw):
    s0, s1 = draw(broadcastable_shapes(2))
    return s0, np.broadcast_shapes(s0, s1)


def np_reverse(a, _):
    return np.transpose(a)


def np_swapaxes(a, axes):
    return np.swapaxes(a, *axes)


def np_flatten(a, dims):
    if dims is None:
        return a.reshape(-1)
    start, end = dims[0] % a.ndim, dims[1] % a.ndim
    return a.reshape(a.shape[:start] + (-1,) + a.shape[end + 1 :])


def np_squeeze(a, axis):
    return np.squeeze(a, axis)


def np_expand(a, sizes_and_target):
    return np.broadcast_to(a, sizes_and_target[1])


# id, (shape, args) strategy, the op, the numpy equivalent
SHAPE_OPS = [
    ("reshape", reshape_args(), lambda x, s: x.reshape(*s), np.reshape),
    ("reshape_tuple", reshape_args(), lambda x, s: x.reshape(s), np.reshape),
    ("reshape_fn", reshape_args(), ad.reshape, np.reshape),
    ("view", reshape_args(), lambda x, s: x.view(s), np.reshape),
    ("reshape_flat", shapes().map(lambda s: (s, (-1,))), ad.reshape, np.reshape),
    (
        "transpose_reverse",
        shapes().map(lambda s: (s, None)),
        lambda x, _: x.transpose(),
        np_reverse,
    ),
    ("transpose_fn", shapes().map(lambda s: (s, None)), lambda x, _: ad.transpose(x), np_reverse),
    ("T", shapes().map(lambda s: (s, None)), lambda x, _: x.T, np_reverse),
    ("t", shapes(max_dims=2).map(lambda s: (s, None)), lambda x, _: x.t(), np_reverse),
    ("t_fn", shapes(max_dims=2).map(lambda s: (s, None)), lambda x, _: ad.t(x), np_reverse),
    (
        "mT",
        shapes(min_dims=2, max_dims=4).map(lambda s: (s, None)),
        lambda x, _: x.mT,
        lambda a, _: np.swapaxes(a, -2, -1),
    ),
    ("transpose_axes", permutation_args(), lambda x, p: x.transpose(p), np.transpose),
    ("transpose_fn_axes", permutation_args(), ad.transpose, np.transpose),
    ("permute", permutation_args(), lambda x, p: x.permute(*p), np.transpose),
    ("permute_fn", permutation_args(), ad.permute, np.transpose),
    ("swapaxes", swapaxes_args(), lambda x, p: x.swapaxes(*p), np_swapaxes),
    ("swapaxes_fn", swapaxes_args(), lambda x, p: ad.swapaxes(x, *p), np_swapaxes),
    ("flatten", flatten_args(), lambda x, p: x.flatten(*p), np_flatten),
    ("flatten_fn", flatten_args(), lambda x, p: ad.flatten(x, *p), np_flatten),
    (
        "flatten_all",
        shapes(min_dims=1).map(lambda s: (s, None)),
        lambda x, _: x.flatten(),
        np_flatten,
    ),
    ("squeeze", squeeze_args(), lambda x, p: x.squeeze(p), np_squeeze),
    ("squeeze_fn", squeeze_args(), ad.squeeze, np_squeeze),
    ("unsqueeze", unsqueeze_args(), lambda x, p: x.unsqueeze(p), np.expand_dims),
    ("unsqueeze_fn", unsqueeze_args(), ad.unsqueeze, np.expand_dims),
    ("expand", expand_args(), lambda x, p: x.expand(*p[0]), np_expand),
    ("expand_fn", expand_args(), lambda x, p: ad.expand(x, p[0]), np_expand),
    ("broadcast_to", broadcast_to_args(), lambda x, s: x.broadcast_to(s), np.broadcast_to),
    ("broadcast_to_fn", broadcast_to_args(), ad.broadcast_to, np.broadcast_to),
]
IDS = [s[0] for s in SHAPE_OPS]


@pytest.mark.parametrize(("name", "args_strategy", "op", "ref"), SHAPE_OPS, ids=IDS)
@SETTINGS
@given(data=st.data())
def test_shape_op_forward_and_gradient(data, name, args_strategy, op, ref):
    shape, args = data.draw(args_strategy)
    x = data.draw(tensors(shape))
    check_forward(op(x, args), ref(x.data, args))
    assert_gradients_match(lambda t: op(t, args), x)


# ------------------------------------------------------------ fixed cases: 0-d, empty, ...
# id, input shape, the op, the expected output shape, the numpy equivalent (None: the values
# in order, reshaped — true of reshape, flatten, squeeze and unsqueeze)
FIXED = [
    ("reshape_0d_to_1x1", (), lambda x: x.reshape(1, 1), (1, 1), None),
    ("reshape_1x1_to_0d", (1, 1), lambda x: x.reshape(()), (), None),
    ("reshape_-1_middle", (2, 3, 4), lambda x: x.reshape(4, -1, 2), (4, 3, 2), None),
    ("reshape_empty", (0, 3), lambda x: x.reshape(3, 0), (3, 0), None),
    ("reshape_empty_-1", (0, 3), lambda x: x.reshape(-1), (0,), None),
    ("transpose_0d", (), lambda x: x.transpose(), (), np.transpose),
    ("T_0d", (), lambda x: x.T, (), np.transpose),
    ("transpose_0d_dims", (), lambda x: x.transpose(0, -1), (), None),  # PyTorch's dims 0, -1
    ("T_1d", (3,), lambda x: x.T, (3,), np.transpose),
    ("T_3d", (2, 3, 4), lambda x: x.T, (4, 3, 2), np.transpose),
    ("t_0d", (), lambda x: x.t(), (), np.transpose),
    ("t_1d", (3,), lambda x: x.t(), (3,), np.transpose),
    ("t_empty", (0, 3), lambda x: x.t(), (3, 0), np.transpose),
    ("mT_empty", (2, 0, 3), lambda x: x.mT, (2, 3, 0), lambda a: np.swapaxes(a, -2, -1)),
    ("transpose_empty", (0, 3), lambda x: x.transpose(), (3, 0), np.transpose),
    (
        "permute_negative",
        (2, 3, 4),
        lambda x: x.permute(-1, 0, -2),
        (4, 2, 3),
        lambda a: a.transpose(2, 0, 1),
    ),
    (
        "swapaxes_negative",
        (2, 3, 4),
        lambda x: x.swapaxes(0, -1),
        (4, 3, 2),
        lambda a: a.swapaxes(0, 2),
    ),
    ("flatten_0d", (), lambda x: x.flatten(), (1,), None),
    ("flatten_middle", (2, 3, 4, 5), lambda x: x.flatten(1, 2), (2, 12, 5), None),
    ("flatten_negative", (2, 3, 4, 5), lambda x: x.flatten(-3, -2), (2, 12, 5), None),
    ("flatten_one_dim", (2, 3), lambda x: x.flatten(1, 1), (2, 3), None),
    ("flatten_empty", (2, 0, 3), lambda x: x.flatten(), (0,), None),
    ("flatten_empty_start", (0, 2, 3), lambda x: x.flatten(1), (0, 6), None),
    ("squeeze_all", (1, 3, 1, 2, 1), lambda x: x.squeeze(), (3, 2), None),
    ("squeeze_negative", (1, 3, 1), lambda x: x.squeeze(-1), (1, 3), None),
    ("squeeze_tuple", (1, 3, 1), lambda x: x.squeeze((0, -1)), (3,), None),
    ("squeeze_0d", (), lambda x: x.squeeze(), (), None),
    ("squeeze_to_0d", (1, 1), lambda x: x.squeeze(), (), None),
    ("squeeze_nothing", (2, 3), lambda x: x.squeeze(), (2, 3), None),
    ("unsqueeze_0d", (), lambda x: x.unsqueeze(0), (1,), None),
    ("unsqueeze_0d_negative", (), lambda x: x.unsqueeze(-1), (1,), None),
    ("unsqueeze_end", (2, 3), lambda x: x.unsqueeze(-1), (2, 3, 1), None),
    ("unsqueeze_-2", (2, 3), lambda x: x.unsqueeze(-2), (2, 1, 3), None),
    ("unsqueeze_front", (2, 3), lambda x: x.unsqueeze(-3), (1, 2, 3), None),
    ("expand_new_leading", (3, 1), lambda x: x.expand(2, -1, 4), (2, 3, 4), "broadcast"),
    ("expand_tuple", (3, 1), lambda x: x.expand((2, 3, 4)), (2, 3, 4), "broadcast"),
    ("expand_0d", (), lambda x: x.expand(2, 3), (2, 3), "broadcast"),
    ("expand_to_empty", (1, 3), lambda x: x.expand(0, 3), (0, 3), "broadcast"),
    ("expand_empty", (0, 1), lambda x: x.expand(-1, 4), (0, 4), "broadcast"),
    ("broadcast_to_0d", (), lambda x: x.broadcast_to((2, 2)), (2, 2), "broadcast"),
    ("broadcast_to_same", (2, 3), lambda x: ad.broadcast_to(x, (2, 3)), (2, 3), "broadcast"),
]
FIXED_IDS = [f[0] for f in FIXED]


@pytest.mark.parametrize(("name", "shape", "op", "out_shape", "ref"), FIXED, ids=FIXED_IDS)
def test_shape_op_fixed_cases(name, shape, op, out_shape, ref):
    a = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape) + 1.0
    x = Tensor(a, requires_grad=True)
    y = op(x)
    if ref is None:
        expected = a.reshape(out_shape)
    elif ref == "broadcast":
        expected = np.broadcast_to(a, out_shape)
    else:
        expected = ref(a)
    check_forward(y, expected)
    assert y.grad_fn is not None
    y.backward(np.random.default_rng(0).standard_normal(out_shape))
    assert x.grad.shape == shape
    if a.size:
        assert_gradients_match(op, x)
    else:
        assert x.grad.data.size == 0


def test_expand_gradient_sums_over_the_broadcast_dims():
    x = Tensor(np.array([[1.0], [2.0]]), requires_grad=True)
    y = x.expand(3, -1, 4)
    check_forward(y, np.broadcast_to(x.data, (3, 2, 4)))
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[12.0], [12.0]])


def test_numpy_functions_dispatch_to_the_shape_ops():
    a = np.arange(6.0).reshape(2, 3, 1)
    x = Tensor(a, requires_grad=True)
    for function, args in [
        (np.reshape, ((3, 2),)),
        (np.transpose, ()),
        (np.swapaxes, (0, 1)),
        (np.squeeze, ()),
        (np.broadcast_to, ((4, 2, 3, 5),)),
    ]:
        y = function(x, *args)
        assert isinstance(y, Tensor)
        assert y.grad_fn is not None
        check_forward(y, function(a, *args))


# --------------------------------------------------------------------------- second order
SECOND_ORDER_CASES = [
    ("reshape", lambda x: x.reshape(3, -1)),
    ("transpose", lambda x: x.transpose()),
    ("permute", lambda x: x.permute(2, 0, 1)),
    ("swapaxes", lambda x: x.swapaxes(-1, 0)),
    ("T", lambda x: x.T),
    ("flatten", lambda x: x.flatten(1)),
    ("squeeze", lambda x: x.squeeze(1)),
    ("unsqueeze", lambda x: x.unsqueeze(-2)),
    ("expand", lambda x: x.expand(2, -1, 4, -1)),
    ("broadcast_to", lambda x: ad.broadcast_to(x, (2, 2, 1, 3))),
]


@pytest.mark.parametrize(
    "op", [c[1] for c in SECOND_ORDER_CASES], ids=[c[0] for c in SECOND_ORDER_CASES]
)
def test_shape_op_second_order(op):
    a = np.random.default_rng(0).uniform(-2, 2, (2, 1, 3))
    x = Tensor(a, requires_grad=True)
    # Shape ops are linear; squaring makes the second derivative non-trivial.
    assert gradgradcheck(lambda t: op(t) ** 2, x)
    assert gradgradcheck(op, x)


@pytest.mark.parametrize(
    "op", [c[1] for c in SECOND_ORDER_CASES], ids=[c[0] for c in SECOND_ORDER_CASES]
)
def test_shape_op_float32(op):
    x = Tensor(np.ones((2, 1, 3), dtype=np.float32), requires_grad=True)
    y = op(x)
    assert y.dtype == np.float32
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32


# --------------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("op", "pattern"),
    [
        (lambda x: x.reshape(4, 2), r"reshape.*\(2, 3\).*\(4, 2\)"),
        (lambda x: x.reshape(-1, 4), r"reshape.*\(2, 3\).*\(-1, 4\)"),
        (lambda x: np.squeeze(x, 0), r"np.squeeze.*axis 0.*\(2, 3\).*size 2"),
        (lambda x: np.squeeze(x, -1), r"np.squeeze.*\(2, 3\).*size 3"),
        (lambda x: x.permute(0, 0), r"permute.*\(0, 0\).*\(2, 3\)"),
        (lambda x: x.expand(2, 4), r"(expand|broadcast_to).*\(2, 3\).*\(2, 4\)"),
        (lambda x: x.expand(3), r"expand.*\(2, 3\)"),
        (lambda x: x.broadcast_to((3,)), r"broadcast_to.*\(2, 3\).*\(3,\)"),
        (lambda x: x.unsqueeze(3), r"unsqueeze.*axis 3"),
        (lambda x: x.flatten(1, 0), r"flatten.*start_dim"),
    ],
)
def test_bad_shapes_raise_shape_error_naming_the_op(op, pattern):
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(ShapeError, match=pattern):
        op(x)


def _squeezed(lib):
    """Shapes and x.grad after PyTorch's squeeze of given dims, some of a size other than 1."""
    x = lib.tensor(np.arange(6.0).reshape(2, 1, 3), requires_grad=True)
    outs = [x.squeeze(0), x.squeeze(-1), x.squeeze((0, 1)), lib.squeeze(x, dim=-2)]
    sum(out.sum() for out in outs).backward()
    return [tuple(out.shape) for out in outs], x.grad.tolist()


def test_squeeze_keeps_a_given_dim_whose_size_is_not_one():
    """PyTorch's squeeze(dim) leaves a dim of another size alone (it raised a ShapeError, as
    numpy's does; np.squeeze on a Tensor still does)."""
    shapes, grad = _squeezed(ad)
    assert shapes == [(2, 1, 3), (2, 1, 3), (2, 3), (2, 3)]
    assert grad == np.full((2, 1, 3), 4.0).tolist()
    torch = pytest.importorskip("torch")
    assert _squeezed(ad) == _squeezed(torch)


@pytest.mark.parametrize("dtype", [ad.int64, ad.float32, np.dtype("bool")])
def test_view_of_a_dtype_raises_naming_it(dtype):
    """PyTorch's x.view(dtype) reads the bytes as another dtype; glassgrad does not, and said
    "int() argument must be ... not 'Int64DType'"."""
    with pytest.raises(TypeError, match=r"view\(dtype\).*x.to\(dtype\)"):
        Tensor(np.ones((2, 3))).view(dtype)


# ------------------------------------------------ views and copies: PyTorch's rule
@st.composite
def strided_views(draw):
    """A C-contiguous array seen through a permutation of its axes and a step along one of
    them (both may be the identity), and a shape of the view's size to reshape it to: a run of
    axes merged, or the axes permuted with size-1 axes sprinkled in, one size maybe -1."""
    shape = draw(shapes(min_dims=1, max_dims=4, max_side=4))
    base = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    order = draw(st.permutations(range(len(shape))))
    axis = draw(st.integers(0, len(shape) - 1))
    step = draw(st.sampled_from([1, 1, 2]))
    index = tuple(slice(None, None, step) if i == axis else slice(None) for i in range(len(shape)))
    view_index = (order, index)
    seen = base.transpose(order)[index]
    dims = list(seen.shape)
    if draw(st.booleans()):  # merge a run of axes
        start = draw(st.integers(0, len(dims) - 1))
        stop = draw(st.integers(start + 1, len(dims)))
        target = [*dims[:start], int(np.prod(dims[start:stop])), *dims[stop:]]
    else:
        target = list(draw(st.permutations(dims)))
        for _ in range(draw(st.integers(0, 2))):
            target.insert(draw(st.integers(0, len(target))), 1)
    if target and draw(st.booleans()):
        target[draw(st.integers(0, len(target) - 1))] = -1
    return base, view_index, tuple(target)


def _seen(x, view_index):
    order, index = view_index
    return x.permute(*order)[index]


@pytest.mark.parametrize("numpy_refuses_copies", [True, False], ids=["numpy>=2.1", "older"])
@SETTINGS
@given(strided_views())
def test_view_shares_memory_or_raises_and_reshape_copies_only_when_it_must(
    numpy_refuses_copies, args
):
    # both ways of telling a view from a copy: numpy 2.1's reshape(copy=False), and before it
    # the reshape itself, looked at
    if numpy_refuses_copies and np.lib.NumpyVersion(np.__version__) < "2.1.0":
        pytest.skip("numpy < 2.1 has no reshape(copy=False)")
    with patch.object(shape_ops, "_RESHAPE_REFUSES_COPIES", numpy_refuses_copies):
        _check_view_or_copy(*args)


def _check_view_or_copy(base, view_index, target):
    x = Tensor(base.copy())
    seen = _seen(x, view_index)
    numpy_result = seen.data.reshape(target)
    must_copy = numpy_result.size > 0 and not np.shares_memory(numpy_result, seen.data)
    expected = numpy_result.copy()

    reshaped = seen.reshape(target)
    np.testing.assert_array_equal(reshaped.data, expected)
    assert np.shares_memory(reshaped.data, x.data) == (not must_copy and expected.size > 0)
    if must_copy:  # a copy: its own memory and version, like PyTorch's reshape
        assert reshaped._base is None
        before = x._version
        reshaped.add_(1.0)
        assert x._version == before
        np.testing.assert_array_equal(x.data, base)
        with pytest.raises(RuntimeError, match=r"view: shape .* not compatible.*reshape"):
            seen.view(target)
    else:  # a view: a write into it reaches x and bumps x's version
        viewed = seen.view(target)
        assert viewed._base is x
        before = x._version
        viewed.add_(1.0)
        assert x._version > before
        np.testing.assert_array_equal(_seen(x, view_index).data, seen.data)
        np.testing.assert_array_equal(viewed.data, expected + 1.0)


@SETTINGS
@given(strided_views())
def test_view_raises_exactly_where_pytorch_raises(args):
    torch = pytest.importorskip("torch", reason="torch is not installed: nothing to compare with")
    base, view_index, target = args
    ours = _seen(Tensor(base.copy()), view_index)
    order, index = view_index
    theirs = torch.tensor(base).permute(*order)[index]  # (steps of 1 or 2: torch slices them too)
    try:
        expected = theirs.view(target)
    except RuntimeError:
        with pytest.raises(RuntimeError, match="view"):
            ours.view(target)
    else:
        np.testing.assert_array_equal(ours.view(target).data, expected.numpy())


def test_a_copying_reshape_changed_in_place_leaves_the_saved_output_alone():
    # exp saves its output y; y.T.reshape(-1) must copy, so changing the copy is no change to
    # y: backward runs (it raised InplaceModificationError when the copy counted as a view)
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    y = x.exp()
    with ad.no_grad():
        flat = y.T.reshape(-1)
        flat.add_(1.0)
    flat_detached = y.detach().T.flatten()
    flat_detached.mul_(2.0)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, np.exp(np.arange(6.0).reshape(2, 3)))


def test_a_view_of_a_view_is_written_through_and_shares_the_version():
    x = Tensor(np.arange(6.0).reshape(2, 3))
    column = x[:, :1].view(2)  # not contiguous, but viewable
    column[0] = 100.0
    assert x.data[0, 0] == 100.0
    assert column._base is x
    with pytest.raises(ShapeError, match=r"view: cannot view .*\(2, 3\) as \(4,\)"):
        x.view(4)


def test_contiguous_is_the_tensor_itself_or_a_row_major_copy_in_the_graph():
    x = Tensor(np.arange(6.0).reshape(2, 3) + 1.0, requires_grad=True)
    assert x.is_contiguous() and x.contiguous() is x
    assert not x.T.is_contiguous()
    y = x.T.contiguous()
    assert y.is_contiguous() and y.data.flags.c_contiguous
    assert not np.shares_memory(y.data, x.data) and y._base is None
    np.testing.assert_array_equal(y.data, x.data.T)
    assert y.view(-1).shape == (6,)
    assert_gradients_match(lambda t: t.T.contiguous() * np.arange(6.0).reshape(3, 2), x)
    assert Tensor(np.float64(2.0)).is_contiguous()
    assert x.view_as(Tensor(np.zeros((3, 2)))).shape == (3, 2)


def test_squeeze_unsqueeze_and_flatten_view_a_strided_input_where_numpy_can():
    x = Tensor(np.arange(24.0).reshape(2, 1, 3, 4)).permute(3, 1, 2, 0)  # (4, 1, 3, 2), strided
    for y in (x.squeeze(1), x.unsqueeze(0), x[:, :, :1].flatten(1)):
        assert np.shares_memory(y.data, x.data) and y._base is not None
    copied = x.flatten()  # the permuted axes cannot merge without a copy
    assert not np.shares_memory(copied.data, x.data) and copied._base is None
    np.testing.assert_array_equal(copied.data, x.data.reshape(-1))


@pytest.mark.parametrize(
    "expand",
    [
        lambda t: t.expand(2),
        lambda t: t.expand(-1),
        lambda t: t.expand(1, 2),
        lambda t: t.broadcast_to((1, 1, 2)),
    ],
)
def test_an_expand_that_broadcasts_nothing_is_a_writeable_view(expand):
    # PyTorch writes through these; numpy's broadcast_to would hand back a read-only array
    x = Tensor(np.array([1.0, 2.0]))
    before = x._version
    view = expand(x)
    view[..., 0] = 9.0
    assert x.tolist() == [9.0, 2.0] and view._base is x and x._version > before


def test_an_expand_that_broadcasts_refuses_writes_and_keeps_its_gradient():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    with ad.no_grad(), pytest.raises(RuntimeError, match=r"__setitem__: .*read-only"):
        x.expand(3, 2)[0] = 5.0
    assert x.tolist() == [1.0, 2.0]
    x.expand(3, 2).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_t_and_mT_refuse_what_pytorch_refuses():
    with pytest.raises(RuntimeError, match=r"t\(\) expects a tensor with <= 2 dimensions"):
        ad.ones(2, 2, 2).t()
    with pytest.raises(RuntimeError, match="mT is only supported on matrices"):
        _ = ad.ones(3).mT
    x = ad.ones(2, 3)
    assert x.t()._base is x and x.mT._base is x  # views, as in PyTorch


def _dims_as_tensors(lib):
    """Dims given as 0-d integer tensors, which PyTorch reads as ints (__index__)."""
    x = lib.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    one = lib.tensor(1)
    outs = [x.transpose(lib.tensor(0), one), x.sum(one), x.cumsum(one), x.amax(one)]
    return [(tuple(out.shape), out.tolist()) for out in outs]


def test_a_0d_integer_tensor_is_a_dim():
    """x.transpose(tensor(0), 1) swapped nothing (read as a permutation) and x.sum(tensor(1))
    raised; both are PyTorch's dims. A bool is no dim (x.sum(True) summed over dim 1)."""
    ours = _dims_as_tensors(ad)
    assert ours[0][0] == (3, 2) and ours[1] == ((2,), [3.0, 12.0])
    with pytest.raises(TypeError, match="axis must be an int"):
        Tensor(np.ones((2, 3))).sum(True)
    torch = pytest.importorskip("torch")
    assert ours == _dims_as_tensors(torch)
    with pytest.raises(TypeError):
        torch.ones(2, 3).sum(True)
