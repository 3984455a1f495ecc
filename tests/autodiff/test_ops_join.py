"""Joining and splitting: concatenate/cat, stack, split (a size or explicit sections), pad."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from ops_support import SECOND_ORDER, SETTINGS, check_forward

import autodiff as ad
from autodiff import ShapeError, Tensor, gradgradcheck
from autodiff.testing import assert_gradients_match, shapes, tensors


def signed_axis(axis, ndim):
    return st.sampled_from([axis, axis - ndim])


def np_split(a, size_or_sections, axis):
    """PyTorch's split semantics in numpy: chunks of `size` (the last one smaller)."""
    n = a.shape[axis]
    if isinstance(size_or_sections, int):
        bounds = list(range(size_or_sections, n, size_or_sections))
    else:
        bounds = np.cumsum(size_or_sections)[:-1].tolist()
    return np.split(a, bounds, axis=axis)


# ----------------------------------------------------------------------------- strategies
@st.composite
def concat_inputs(draw, max_side=3):
    """Shapes that differ only along `axis` (different sizes), and the axis (maybe negative)."""
    base = list(draw(shapes(min_dims=1, max_side=max_side)))
    axis = draw(st.integers(0, len(base) - 1))
    sizes = draw(st.lists(st.integers(1, 3), min_size=1, max_size=4))
    in_shapes = [tuple(base[:axis] + [n] + base[axis + 1 :]) for n in sizes]
    return in_shapes, draw(signed_axis(axis, len(base)))


@st.composite
def stack_inputs(draw, max_side=3):
    shape = draw(shapes(max_side=max_side))
    count = draw(st.integers(1, 4))
    axis = draw(st.integers(0, len(shape)))
    return [shape] * count, draw(signed_axis(axis, len(shape) + 1))


@st.composite
def split_inputs(draw):
    """A shape, an axis and either a chunk size or sections that add up to the axis length."""
    shape = draw(shapes(min_dims=1, max_side=5))
    axis = draw(st.integers(0, len(shape) - 1))
    n = shape[axis]
    if draw(st.booleans()):
        how = draw(st.integers(1, n + 1))
    else:
        cuts = draw(st.lists(st.integers(1, n - 1), unique=True)) if n > 1 else []
        bounds = [0, *sorted(cuts), n]
        how = [b - a for a, b in zip(bounds, bounds[1:])]
    return shape, how, draw(signed_axis(axis, len(shape)))


@st.composite
def pad_inputs(draw):
    shape = draw(shapes(min_dims=1))
    widths = st.tuples(st.integers(0, 2), st.integers(0, 2))
    pad_width = draw(
        st.one_of(
            st.lists(widths, min_size=len(shape), max_size=len(shape)).map(tuple),  # per axis
            widths,  # one (before, after) pair for every axis
            st.integers(0, 2),  # the same width everywhere
        )
    )
    return shape, pad_width, draw(st.sampled_from([0.0, -1.5, 2.0]))


# ----------------------------------------------------------------------------- concatenate
@pytest.mark.parametrize("concat", [ad.concatenate, ad.cat, np.concatenate])
@SETTINGS
@given(data=st.data(), inputs=concat_inputs())
def test_concatenate_forward_and_gradient(data, inputs, concat):
    in_shapes, axis = inputs
    xs = [data.draw(tensors(s)) for s in in_shapes]
    out = concat(xs, axis=axis)
    check_forward(out, np.concatenate([x.data for x in xs], axis=axis))
    assert_gradients_match(lambda *ts: ad.concatenate(list(ts), axis=axis), *xs)


@pytest.mark.parametrize("axis", [0, -1, 1])
def test_concatenate_second_order(axis):
    # gradgradcheck evaluates f once under no_grad to learn the output shape
    rng = np.random.default_rng(0)
    shapes_ = [tuple(n if i == axis % 3 else 2 for i in range(3)) for n in (1, 3)]
    xs = [Tensor(rng.uniform(-1, 1, shape), requires_grad=True) for shape in shapes_]
    assert gradgradcheck(lambda *ts: ad.cat(list(ts), axis=axis) ** 2, *xs)


def test_concatenate_without_recording():
    a, b = np.ones((2, 1)), np.zeros((2, 2))
    check_forward(ad.cat([Tensor(a), Tensor(b)], axis=1), np.concatenate([a, b], axis=1))
    with ad.no_grad():
        out = ad.cat([Tensor(a, requires_grad=True), Tensor(b)], axis=1)
    check_forward(out, np.concatenate([a, b], axis=1))
    assert not out.requires_grad


def test_concatenate_different_sizes_along_the_last_axis():
    a, b, c = (np.full((2, n), float(n)) for n in (1, 3, 2))
    xs = [Tensor(v, requires_grad=True) for v in (a, b, c)]
    out = ad.cat(xs, axis=-1)
    check_forward(out, np.concatenate([a, b, c], axis=-1))
    w = np.arange(12.0).reshape(2, 6)
    out.backward(w)
    np.testing.assert_array_equal(xs[0].grad.data, w[:, :1])
    np.testing.assert_array_equal(xs[1].grad.data, w[:, 1:4])
    np.testing.assert_array_equal(xs[2].grad.data, w[:, 4:])


def test_concatenate_with_an_empty_piece_and_a_constant():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    empty = Tensor(np.zeros((0, 3)), requires_grad=True)
    constant = np.full((1, 3), 7.0)  # a plain array takes part but gets no gradient
    out = ad.concatenate([empty, x, constant])
    check_forward(out, np.concatenate([np.zeros((0, 3)), np.ones((2, 3)), constant]))
    (out * out).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.full((2, 3), 2.0))
    assert empty.grad.shape == (0, 3)


def test_concatenate_one_tensor():
    x = Tensor(np.arange(3.0), requires_grad=True)
    check_forward(ad.cat([x]), x.data)


# ----------------------------------------------------------------------------------- stack
@pytest.mark.parametrize("stack", [ad.stack, np.stack])
@SETTINGS
@given(data=st.data(), inputs=stack_inputs())
def test_stack_forward_and_gradient(data, inputs, stack):
    in_shapes, axis = inputs
    xs = [data.draw(tensors(s)) for s in in_shapes]
    out = stack(xs, axis=axis)
    check_forward(out, np.stack([x.data for x in xs], axis=axis))
    assert_gradients_match(lambda *ts: ad.stack(list(ts), axis=axis), *xs)


@SECOND_ORDER
@given(data=st.data(), inputs=stack_inputs(max_side=2))
def test_stack_second_order(data, inputs):
    in_shapes, axis = inputs
    xs = [data.draw(tensors(s)) for s in in_shapes[:3]]
    assert gradgradcheck(lambda *ts: ad.stack(list(ts), axis=axis) ** 2, *xs)


@pytest.mark.parametrize(("axis", "out_shape"), [(0, (3, 2, 4)), (-1, (2, 4, 3)), (1, (2, 3, 4))])
def test_stack_axis(axis, out_shape):
    arrays = [np.random.default_rng(i).standard_normal((2, 4)) for i in range(3)]
    xs = [Tensor(a, requires_grad=True) for a in arrays]
    out = ad.stack(xs, axis=axis)
    assert out.shape == out_shape
    check_forward(out, np.stack(arrays, axis=axis))
    w = np.random.default_rng(9).standard_normal(out_shape)
    out.backward(w)
    for i, x in enumerate(xs):
        np.testing.assert_array_equal(x.grad.data, np.take(w, i, axis=axis))


def test_stack_of_0d_tensors():
    xs = [Tensor(np.float64(v), requires_grad=True) for v in (1.0, 2.0, 3.0)]
    for axis in (0, -1):
        out = ad.stack(xs, axis=axis)
        check_forward(out, [1.0, 2.0, 3.0])
    (ad.stack(xs) * np.array([1.0, 10.0, 100.0])).sum().backward()
    assert [x.grad.item() for x in xs] == [1.0, 10.0, 100.0]


# ----------------------------------------------------------------------------------- split
@SETTINGS
@given(data=st.data(), inputs=split_inputs())
def test_split_forward_and_gradient(data, inputs):
    shape, how, axis = inputs
    x = data.draw(tensors(shape))
    chunks = x.split(how, axis=axis)
    expected = np_split(x.data, how, axis % len(shape))
    assert len(chunks) == len(expected)
    for chunk, e in zip(chunks, expected, strict=True):
        check_forward(chunk, e)

    def weighted(t):  # a different weight per chunk: a misrouted gradient cannot hide
        return ad.cat([c * (i + 1) for i, c in enumerate(ad.split(t, how, axis))], axis=axis)

    assert_gradients_match(weighted, x)


def test_split_by_size_leaves_a_smaller_last_chunk():
    x = Tensor(np.arange(10.0).reshape(2, 5), requires_grad=True)
    chunks = x.split(2, axis=-1)
    assert [c.shape for c in chunks] == [(2, 2), (2, 2), (2, 1)]
    check_forward(chunks[2], [[4.0], [9.0]])
    (chunks[0].sum() + 3 * chunks[2].sum()).backward()  # the middle chunk is unused
    np.testing.assert_array_equal(x.grad.data, [[1, 1, 0, 0, 3], [1, 1, 0, 0, 3]])


def test_split_by_sections():
    a = np.arange(12.0).reshape(3, 4)
    x = Tensor(a, requires_grad=True)
    chunks = ad.split(x, [1, 2], axis=0)
    check_forward(chunks[0], a[:1])
    check_forward(chunks[1], a[1:])
    chunks = ad.split(x, [1, 0, 3], axis=-1)
    assert [c.shape for c in chunks] == [(3, 1), (3, 0), (3, 3)]
    (chunks[2] * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.tile([0.0, 2.0, 2.0, 2.0], (3, 1)))


def test_split_size_larger_than_the_axis_gives_one_chunk():
    x = Tensor(np.arange(3.0), requires_grad=True)
    (chunk,) = x.split(5)
    check_forward(chunk, x.data)


def test_split_second_order():
    x = Tensor(np.random.default_rng(0).uniform(-1, 1, (2, 5)), requires_grad=True)
    assert gradgradcheck(
        lambda t: sum((c**2).sum() * (i + 1) for i, c in enumerate(t.split(2, 1))), x
    )
    assert gradgradcheck(lambda t: t.split([3, 2], axis=-1)[1] ** 3, x)


# ------------------------------------------------------------------------------------- pad
@SETTINGS
@given(data=st.data(), inputs=pad_inputs())
def test_pad_forward_and_gradient(data, inputs):
    shape, pad_width, value = inputs
    x = data.draw(tensors(shape))
    out = x.pad(pad_width, value=value)
    check_forward(out, np.pad(x.data, pad_width, mode="constant", constant_values=value))
    check_forward(ad.pad(x, pad_width, value), out.data)
    assert_gradients_match(lambda t: ad.pad(t, pad_width, value=value), x)


@pytest.mark.parametrize(
    ("pad_width", "out_shape", "region"),
    [
        (((1, 0), (2, 1)), (3, 6), (slice(1, 3), slice(2, 5))),  # per axis
        ((1, 2), (5, 6), (slice(1, 3), slice(1, 4))),  # one pair for every axis
        (1, (4, 5), (slice(1, 3), slice(1, 4))),  # one width everywhere
        (((0, 0), (0, 0)), (2, 3), (slice(0, 2), slice(0, 3))),
    ],
)
def test_pad_value_and_gradient_region(pad_width, out_shape, region):
    a = np.arange(1.0, 7.0).reshape(2, 3)
    x = Tensor(a, requires_grad=True)
    out = x.pad(pad_width, value=-2.5)
    assert out.shape == out_shape
    check_forward(out, np.pad(a, pad_width, constant_values=-2.5))
    assert np.sum(out.data == -2.5) == out.numel() - a.size
    w = np.random.default_rng(0).standard_normal(out_shape)
    out.backward(w)
    np.testing.assert_array_equal(x.grad.data, w[region])


def test_numpy_pad_dispatches_to_the_op():
    x = Tensor(np.ones(2), requires_grad=True)
    out = np.pad(x, (1, 2), constant_values=3.0)
    assert isinstance(out, Tensor) and out.grad_fn is not None
    check_forward(out, [3.0, 1.0, 1.0, 3.0, 3.0])


@SETTINGS
@given(
    shape=shapes(min_dims=1, max_dims=3, min_side=1),
    mode=st.sampled_from(["reflect", "edge", "wrap"]),
    data=st.data(),
)
def test_pad_modes_match_numpy_and_accumulate_gradients(shape, mode, data):
    """numpy's reflect / edge / wrap, widths past the axis size included (reflect folds)."""
    pad_width = [data.draw(st.tuples(st.integers(0, 2 * n), st.integers(0, 2 * n))) for n in shape]
    x = data.draw(tensors(shape))
    check_forward(np.pad(x, pad_width, mode=mode), np.pad(x.data, pad_width, mode=mode))
    assert_gradients_match(lambda t: t.pad(pad_width, mode=mode), x)


def test_pad_modes_second_order_and_refusals():
    x = Tensor(np.random.default_rng(1).uniform(-1, 1, (3, 2)), requires_grad=True)
    assert gradgradcheck(lambda t: t.pad(((2, 1), (1, 1)), mode="reflect") ** 2, x)
    with pytest.raises(NotImplementedError, match="symmetric"):
        np.pad(x, 1, mode="symmetric")
    with pytest.raises(ShapeError, match="empty axis"):
        ad.zeros((0, 2)).pad(1, mode="edge")


def test_pad_second_order():
    x = Tensor(np.random.default_rng(0).uniform(-1, 1, (2, 3)), requires_grad=True)
    assert gradgradcheck(lambda t: t.pad(((1, 0), (0, 2)), value=1.5) ** 2, x)


# ------------------------------------------------------------------------ float32, errors
@pytest.mark.parametrize(
    "op",
    [
        lambda x: ad.cat([x, x * 2], axis=-1),
        lambda x: ad.stack([x, x], axis=1),
        lambda x: ad.cat(x.split(2, axis=1), axis=1),
        lambda x: x.pad(1, value=2.0),
    ],
    ids=["cat", "stack", "split", "pad"],
)
def test_join_float32(op):
    x = Tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    out = op(x)
    assert out.dtype == np.float32
    (out * out).sum().backward()
    assert x.grad.dtype == np.float32


@pytest.mark.parametrize(
    ("op", "pattern"),
    [
        (
            lambda: ad.concatenate([Tensor(np.ones((2, 3))), Tensor(np.ones((3, 2)))]),
            r"concatenate.*\(2, 3\).*\(3, 2\)",
        ),
        (
            lambda: ad.cat([Tensor(np.ones((2, 3))), Tensor(np.ones(3))], axis=-1),
            r"concatenate.*\(2, 3\).*\(3,\)",
        ),
        (lambda: ad.concatenate([]), r"concatenate"),
        (
            lambda: ad.stack([Tensor(np.ones((2, 3))), Tensor(np.ones((3, 2)))]),
            r"stack.*\(2, 3\).*\(3, 2\)",
        ),
        (lambda: ad.stack([]), r"stack"),
        (lambda: Tensor(np.ones((2, 5))).split([2, 2], axis=1), r"split.*\[2, 2\].*5.*\(2, 5\)"),
        (lambda: Tensor(np.ones(4)).split(0), r"split.*positive"),
        (lambda: Tensor(np.ones(4)).pad((-1, 1)), r"pad.*negative"),
    ],
)
def test_join_errors_name_the_op_and_shapes(op, pattern):
    with pytest.raises(ShapeError, match=pattern):
        op()


def _accumulated_with_cat(lib):
    """PyTorch's idiom: out = tensor([]), then out = cat([out, batch]) in a loop."""
    w = lib.tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    out = lib.tensor([])
    for i in range(3):
        out = lib.cat([out, w[i : i + 1] * (i + 1)])
    (out * out).sum().backward()
    ends = lib.cat([lib.ones((2, 2)), lib.tensor([])], dim=1)
    return tuple(out.shape), out.tolist(), w.grad.tolist(), tuple(ends.shape)


def test_cat_skips_1d_empty_tensors_as_pytorch():
    """PyTorch's cat skips tensors of shape (0,) whatever the others' shapes (a legacy rule
    its idiom above relies on); it raised a ShapeError. np.concatenate keeps numpy's rule."""
    shape, values, grad, ends = _accumulated_with_cat(ad)
    assert shape == (3, 2) and ends == (2, 2)
    assert grad == [[0.0, 2.0], [16.0, 24.0], [72.0, 90.0]]  # d/dw of (k w)^2: 2 k^2 w
    with pytest.raises(ShapeError):
        np.concatenate([ad.tensor([]), ad.ones((2, 2))])
    torch = pytest.importorskip("torch")
    assert _accumulated_with_cat(ad) == _accumulated_with_cat(torch)


def _split_empty(lib):
    x = lib.zeros((3, 0))
    return [tuple(t.shape) for t in (*x.split(2, 1), *x.split(0, 1), *x.split([0, 0], 1))]


def test_split_of_an_empty_axis_is_one_empty_chunk():
    """As PyTorch's (a loop over the chunks runs once); it gave no chunk at all."""
    assert _split_empty(ad) == [(3, 0)] * 4
    with pytest.raises(ShapeError, match="positive"):
        ad.zeros((3, 2)).split(0, 1)
    torch = pytest.importorskip("torch")
    assert _split_empty(ad) == _split_empty(torch)
