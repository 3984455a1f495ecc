"""Max pooling's `return_indices=True` and max unpooling, against torch (2.13, CPU) and central
differences: indices int64, flat in each (H * W) plane of the unpadded input, the pixel the
window's gradient goes to (first maximum on ties, last NaN, first real pixel of a -inf window);
max_unpool2d / max_unpool1d scatter values to them, and gather the gradient back."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pool_support import geometries

import autodiff
import nn
from autodiff import DtypeError, ShapeError, Tensor
from nn import functional as F


def rough(shape, seed: int) -> np.ndarray:
    """float32 values from a handful (ties everywhere), with some -inf and NaN."""
    rng = np.random.default_rng(seed)
    x = rng.integers(-1, 2, shape).astype(np.float32)
    u = rng.random(shape)
    x[u < 0.08] = np.nan
    x[(u >= 0.08) & (u < 0.25)] = -np.inf
    return x


def scattered(shape, indices: np.ndarray, upstream: np.ndarray) -> np.ndarray:
    """The input gradient that sends each output's upstream gradient to its index (upstream
    of small ints: overlapping windows' sums are exact in any order)."""
    n, c = indices.shape[:2]
    out = np.zeros((n * c, int(np.prod(shape[2:]))), dtype=upstream.dtype)
    rows = np.repeat(np.arange(n * c), indices[0, 0].size)
    np.add.at(out, (rows, indices.reshape(-1)), upstream.reshape(-1))
    return out.reshape(shape)


@settings(max_examples=60, deadline=None)
@given(geometries(), st.booleans())
def test_max_pool2d_indices_are_torchs_and_name_the_gradients_pixel(case, ceil_mode):
    """Geometries as the ceil_mode tests' (dilation only without padding: a dilated window of
    padding alone is tested apart), each with ceil_mode on and off."""
    torch = pytest.importorskip("torch")
    shape, kernel, stride, padding, dilation, seed = case
    x = rough(shape, seed)
    args = (kernel, stride, padding, dilation, ceil_mode)
    xt = Tensor(x, requires_grad=True)
    values, indices = F.max_pool2d(xt, *args, return_indices=True)
    tv, ti = torch.nn.functional.max_pool2d(torch.tensor(x), *args, return_indices=True)
    assert indices.dtype == autodiff.int64 and not indices.requires_grad
    assert indices.shape == values.shape == tuple(ti.shape)
    np.testing.assert_array_equal(indices.data, ti.numpy())
    # The values are the default call's, bit for bit, NaN included
    np.testing.assert_array_equal(values.data, F.max_pool2d(Tensor(x), *args).data)
    np.testing.assert_array_equal(values.data, tv.numpy())
    # Each window's gradient goes to the pixel its index names
    upstream = np.random.default_rng(seed).integers(-4, 5, values.shape).astype(np.float32)
    values.backward(Tensor(upstream))
    np.testing.assert_array_equal(xt.grad.data, scattered(shape, indices.data, upstream))


@pytest.mark.parametrize(
    ("shape", "args"),
    [
        ((2, 2, 6, 1), ((2, 2), (3, 2), (1, 1), (1, 2), False)),
        ((2, 2, 1, 6), ((2, 1), 1, (1, 0), (2, 1), False)),
        ((2, 2, 5, 1), ((3, 2), (1, 2), 1, (1, 2), True)),
    ],
)
def test_dilated_window_of_padding_only_has_torchs_index(shape, args):
    """Such a window is -inf and gets no gradient (docs/pytorch_comparison.md); its index is
    PyTorch's: the window's first tap at or past the image's top left."""
    torch = pytest.importorskip("torch")
    x = rough(shape, 3)
    _, indices = F.max_pool2d(Tensor(x), *args, return_indices=True)
    _, ti = torch.nn.functional.max_pool2d(torch.tensor(x), *args, return_indices=True)
    np.testing.assert_array_equal(indices.data, ti.numpy())


@settings(max_examples=30, deadline=None)
@given(
    st.tuples(st.integers(1, 2), st.integers(1, 2), st.integers(1, 7), st.integers(1, 7)),
    st.tuples(st.integers(1, 8) | st.none(), st.integers(1, 8) | st.none()),
    st.integers(0, 999),
)
def test_adaptive_max_pool2d_indices_are_torchs(shape, output_size, seed):
    torch = pytest.importorskip("torch")
    x = rough(shape, seed)
    xt = Tensor(x, requires_grad=True)
    values, indices = F.adaptive_max_pool2d(xt, output_size, True)
    tv, ti = torch.nn.functional.adaptive_max_pool2d(torch.tensor(x), output_size, True)
    np.testing.assert_array_equal(indices.data, ti.numpy())
    np.testing.assert_array_equal(values.data, F.adaptive_max_pool2d(Tensor(x), output_size).data)
    upstream = np.random.default_rng(seed).integers(-4, 5, values.shape).astype(np.float32)
    values.backward(Tensor(upstream))
    np.testing.assert_array_equal(xt.grad.data, scattered(shape, indices.data, upstream))


@settings(max_examples=30, deadline=None)
@given(
    st.integers(1, 10),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(0, 1),
    st.integers(1, 2),
    st.booleans(),
    st.integers(0, 999),
)
def test_max_pool1d_indices_are_torchs(length, k, s, p, d, ceil_mode, seed):
    torch = pytest.importorskip("torch")
    p = min(p, k // 2)
    if d * (k - 1) + 1 > length + 2 * p or (p and d > 1):
        return
    x = rough((2, 3, length), seed)
    values, indices = F.max_pool1d(Tensor(x), k, s, p, d, ceil_mode, True)
    tv, ti = torch.nn.functional.max_pool1d(torch.tensor(x), k, s, p, d, ceil_mode, True)
    np.testing.assert_array_equal(indices.data, ti.numpy())
    np.testing.assert_array_equal(values.data, tv.numpy())


def test_layers_and_one_image_return_values_and_indices():
    torch = pytest.importorskip("torch")
    x = rough((3, 5, 6), 1)
    pairs = [
        (nn.MaxPool2d(2, return_indices=True), torch.nn.MaxPool2d(2, return_indices=True), x),
        (nn.MaxPool2d(3, 2, 1, ceil_mode=True, return_indices=True),
         torch.nn.MaxPool2d(3, 2, 1, ceil_mode=True, return_indices=True), x),
        (nn.AdaptiveMaxPool2d((2, 4), True), torch.nn.AdaptiveMaxPool2d((2, 4), True), x),
        (nn.MaxPool1d(2, return_indices=True), torch.nn.MaxPool1d(2, return_indices=True), x[0]),
        (nn.MaxPool1d(3, 1, 1, return_indices=True),
         torch.nn.MaxPool1d(3, 1, 1, return_indices=True), x),
    ]  # fmt: skip
    for ours, theirs, data in pairs:
        got, want = ours(Tensor(data)), theirs(torch.tensor(data))
        assert isinstance(got, tuple) and len(got) == 2
        np.testing.assert_array_equal(got[0].data, want[0].numpy())
        np.testing.assert_array_equal(got[1].data, want[1].numpy())
        assert repr(ours) == repr(theirs)
    # return_indices set after construction takes effect at forward, as PyTorch's attribute
    layer = nn.MaxPool2d(2)
    layer(Tensor(x[None]))
    layer.return_indices = True
    assert isinstance(layer(Tensor(x[None])), tuple)


# ------------------------------------------------------------------------------ max_unpool
@st.composite
def unpool_cases(draw):
    """(x shape, kernel, stride, padding, seed) with a non-empty unpooled plane."""
    kernel = draw(st.tuples(st.integers(1, 3), st.integers(1, 3)))
    stride = draw(st.tuples(st.integers(1, 3), st.integers(1, 3)))
    padding = draw(st.tuples(*(st.integers(0, k // 2) for k in kernel)))
    h, w = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    if (h - 1) * stride[0] + kernel[0] - 2 * padding[0] < h:  # room for h * w distinct places
        h = 1
    if (w - 1) * stride[1] + kernel[1] - 2 * padding[1] < w:
        w = 1
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3)), h, w)
    return shape, kernel, stride, padding, draw(st.integers(0, 999))


def unpooled_size(shape, kernel, stride, padding) -> tuple[int, int]:
    return tuple((n - 1) * s + k - 2 * p for n, k, s, p in zip(shape[2:], kernel, stride, padding))


@settings(max_examples=40, deadline=None)
@given(unpool_cases())
def test_max_unpool2d_gradcheck_and_torch(case):
    shape, kernel, stride, padding, seed = case
    rng = np.random.default_rng(seed)
    ho, wo = unpooled_size(shape, kernel, stride, padding)
    per_plane = shape[2] * shape[3]
    if ho * wo < per_plane:
        return
    # distinct positions per plane (a repeated one is overwritten: no derivative there)
    indices = np.stack([rng.permutation(ho * wo)[:per_plane] for _ in range(shape[0] * shape[1])])
    indices = indices.reshape(shape).astype(np.int64)
    x = rng.standard_normal(shape)

    def unpool(t):
        return F.max_unpool2d(t, Tensor(indices), kernel, stride, padding)

    assert unpool(Tensor(x)).shape == (*shape[:2], ho, wo)
    autodiff.gradcheck(unpool, x)
    torch = pytest.importorskip("torch")
    xt, tx = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    upstream = rng.standard_normal((*shape[:2], ho, wo))
    y = unpool(xt)
    y.backward(Tensor(upstream))
    ty = torch.nn.functional.max_unpool2d(tx, torch.tensor(indices), kernel, stride, padding)
    ty.backward(torch.tensor(upstream))
    np.testing.assert_array_equal(y.data, ty.detach().numpy())
    np.testing.assert_array_equal(xt.grad.data, tx.grad.numpy())


def test_max_unpool2d_repeated_indices_and_one_image_as_torch():
    """A repeated position keeps the plane's last value, as PyTorch's CPU kernel on a batch;
    the gradient goes to every value (PyTorch's gather). One image (C, H, W) is a batch of one
    (distinct positions there: PyTorch's unbatched kernel keeps another of the repeated values,
    sometimes the first)."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 3, 3))
    indices = rng.integers(0, 9, x.shape)  # repeats within each 7x7 plane's first 9 places
    grad = rng.standard_normal((2, 3, 7, 7))
    distinct = np.stack([rng.permutation(49)[:9] for _ in range(3)]).reshape(3, 3, 3)
    for data, idx, g in ((x, indices, grad), (x[0], distinct, grad[0])):
        xt = Tensor(data, requires_grad=True)
        y = F.max_unpool2d(xt, Tensor(idx), 3, 2)
        y.backward(Tensor(g))
        tx = torch.tensor(data, requires_grad=True)
        ty = torch.nn.functional.max_unpool2d(tx, torch.tensor(idx), 3, 2)
        ty.backward(torch.tensor(g))
        np.testing.assert_array_equal(y.data, ty.detach().numpy())
        np.testing.assert_array_equal(xt.grad.data, tx.grad.numpy())


def test_pool_then_unpool_round_trip_layers_output_size_and_1d():
    torch = pytest.importorskip("torch")
    x = rough((2, 3, 7, 9), 4)
    x[np.isnan(x)] = 0.5
    for data, size in (
        (x[:, :, :6, :8], None),
        (x, (7, 9)),
        (x, (2, 3, 7, 9)),
        (x, torch.Size([7, 9])),
    ):
        values, indices = nn.MaxPool2d(2, return_indices=True)(Tensor(data))
        ours = nn.MaxUnpool2d(2)(values, indices, output_size=size)
        tv, ti = torch.nn.MaxPool2d(2, return_indices=True)(torch.tensor(data))
        theirs = torch.nn.MaxUnpool2d(2)(tv, ti, output_size=size)
        np.testing.assert_array_equal(ours.data, theirs.numpy())
    assert repr(nn.MaxUnpool2d((2, 3), 1, (1, 0))) == repr(torch.nn.MaxUnpool2d((2, 3), 1, (1, 0)))
    assert repr(nn.MaxUnpool1d(3)) == repr(torch.nn.MaxUnpool1d(3))
    # 1-d, batched and one signal, with output_size
    s = x[0, :, 0]
    for data in (x[:, :, 0], s):
        values, indices = F.max_pool1d(Tensor(data), 2, return_indices=True)
        tv, ti = torch.nn.functional.max_pool1d(torch.tensor(data), 2, return_indices=True)
        ours = nn.MaxUnpool1d(2)(values, indices, output_size=[9])
        theirs = torch.nn.MaxUnpool1d(2)(tv, ti, output_size=[9])
        np.testing.assert_array_equal(ours.data, theirs.numpy())
    autodiff.gradcheck(lambda t: F.max_unpool1d(t, Tensor(indices), 2), np.ones(indices.shape))
    # size-1 and empty dims
    one = F.max_unpool2d(Tensor(np.ones((1, 1, 1, 1))), Tensor(np.zeros((1, 1, 1, 1), np.int64)), 1)
    assert one.shape == (1, 1, 1, 1) and one.data[0, 0, 0, 0] == 1
    empty = F.max_unpool2d(
        autodiff.zeros((0, 2, 2, 2)), autodiff.zeros((0, 2, 2, 2), dtype=autodiff.int64), 2
    )
    assert empty.shape == (0, 2, 4, 4)


def test_max_unpool_errors_name_the_op_and_shapes():
    x = autodiff.ones((1, 2, 2, 2))
    good = autodiff.zeros((1, 2, 2, 2), dtype=autodiff.int64)
    with pytest.raises(DtypeError, match="max_unpool2d: indices must be int64.*int32"):
        F.max_unpool2d(x, Tensor(np.zeros((1, 2, 2, 2), np.int32)), 2)
    with pytest.raises(
        ShapeError,
        match=re.escape(
            "max_unpool2d: indices must have the input's shape (1, 2, 2, 2), got (1, 2, 2, 3)"
        ),
    ):
        F.max_unpool2d(x, autodiff.zeros((1, 2, 2, 3), dtype=autodiff.int64), 2)
    with pytest.raises(
        RuntimeError, match="max_unpool2d: index 16 is out of range for output planes of 4x4"
    ):
        F.max_unpool2d(x, good + 16, 2)
    with pytest.raises(RuntimeError, match="max_unpool2d: index -1 is out of range"):
        F.max_unpool2d(x, good - 1, 2)
    with pytest.raises(
        ShapeError,
        match=re.escape("max_unpool2d: expected input (N, C, H, W) or (C, H, W), got shape (2, 2)"),
    ):
        F.max_unpool2d(autodiff.ones((2, 2)), autodiff.zeros((2, 2), dtype=autodiff.int64), 2)
    with pytest.raises(
        ValueError,
        match=re.escape(
            'max_unpool2d: invalid output_size "(9, 4)" (dim 0 must be between 2 and 6)'
        ),
    ):
        F.max_unpool2d(x, good, 2, output_size=(9, 4))
    with pytest.raises(
        ValueError, match="max_unpool1d: output_size should be a sequence containing 1 or 3"
    ):
        F.max_unpool1d(
            autodiff.ones((2, 3)),
            autodiff.zeros((2, 3), dtype=autodiff.int64),
            2,
            output_size=(6, 6),
        )
    with pytest.raises(ValueError, match="max_unpool2d: kernel_size"):
        F.max_unpool2d(x, good, 0)
