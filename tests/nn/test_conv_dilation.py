"""Dilated convolution and max pooling: `F.conv2d(..., dilation=d)`, `nn.Conv2d(...,
dilation=d)`, `F.max_pool2d(..., dilation=d)` and `nn.MaxPool2d(..., dilation=d)`, PyTorch's.

A dilated kernel is the undilated kernel with d - 1 zeros between its taps, so the reference is
plain: the dilation=1 op with that zero-stuffed weight (its weight gradient read back at the
taps). Hypothesis compares values and gradients with it over random shapes, strides, paddings,
dilations and groups, and checks the gradients against central differences in float64; torch,
when installed, is compared too.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from conv_support import arrays, grads_of
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import autodiff
import nn
from autodiff import ShapeError, Tensor
from nn.functional.conv import conv2d


@st.composite
def dilated_cases(draw):
    """(x shape, weight shape, bias?, stride, padding, dilation, groups, seed)."""
    groups = draw(st.integers(1, 3))
    per_group_c, per_group_f = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kernel = draw(st.tuples(st.integers(1, 3), st.integers(1, 3)))
    dilation = draw(st.tuples(st.integers(1, 3), st.integers(1, 3)))
    stride = draw(st.just((1, 1)) | st.tuples(st.integers(1, 3), st.integers(1, 3)))
    padding = draw(st.tuples(st.integers(0, 2), st.integers(0, 2)))
    extent = [d * (k - 1) + 1 for d, k in zip(dilation, kernel)]
    h, w = (draw(st.integers(max(1, e - 2 * p), 9)) for e, p in zip(extent, padding))
    x_shape = (draw(st.integers(1, 2)), groups * per_group_c, h, w)
    w_shape = (groups * per_group_f, per_group_c, *kernel)
    seed = draw(st.integers(0, 99))
    return x_shape, w_shape, draw(st.booleans()), stride, padding, dilation, groups, seed


def stuffed(w: np.ndarray, dilation) -> np.ndarray:
    """The weight with dilation - 1 zeros between its taps."""
    dh, dw = dilation
    f, c, kh, kw = w.shape
    out = np.zeros((f, c, dh * (kh - 1) + 1, dw * (kw - 1) + 1), dtype=w.dtype)
    out[:, :, ::dh, ::dw] = w
    return out


@settings(max_examples=30, deadline=None)
@given(dilated_cases())
def test_dilated_conv2d_matches_zero_stuffed_kernel_and_central_differences(case):
    x_shape, w_shape, bias, stride, padding, dilation, groups, seed = case
    x, w, b = arrays(x_shape, w_shape, bias, seed)
    out = conv2d(Tensor(x), Tensor(w), None, stride, padding, dilation, groups)
    expected_shape = tuple(
        (n + 2 * p - d * (k - 1) - 1) // s + 1
        for n, p, d, k, s in zip(x_shape[2:], padding, dilation, w_shape[2:], stride)
    )
    assert out.shape == (x_shape[0], w_shape[0], *expected_shape)  # PyTorch's output size
    upstream = np.random.default_rng(seed + 1).standard_normal(out.shape)

    def ours(x, w, b=None):
        return conv2d(x, w, b, stride, padding, dilation, groups)

    def reference(x, w, b=None):
        return conv2d(x, w, b, stride, padding, 1, groups)

    value, grads = grads_of(ours, x, w, b, upstream)
    expected, expected_grads = grads_of(reference, x, stuffed(w, dilation), b, upstream)
    expected_grads[1] = expected_grads[1][:, :, :: dilation[0], :: dilation[1]]
    np.testing.assert_allclose(value, expected, rtol=1e-12, atol=1e-12)
    for got, want in zip(grads, expected_grads):
        if want is not None:
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    inputs = (x, w) if b is None else (x, w, b)
    autodiff.gradcheck(ours, *inputs)


# (x shape, weight shape, stride, padding, dilation, groups), each compared with torch
EDGES = {
    "dilation-2": ((2, 3, 9, 9), (4, 3, 3, 3), 1, 2, 2, 1),
    "uneven-strided": ((2, 2, 11, 10), (3, 2, 3, 2), (2, 1), (1, 0), (3, 2), 1),
    "depthwise-dilated": ((1, 4, 8, 8), (4, 1, 3, 3), 1, 1, 2, 4),
    "grouped-dilated": ((2, 4, 9, 7), (6, 2, 2, 3), 2, (0, 1), (2, 1), 2),
    "extent-fills-input": ((1, 1, 5, 5), (2, 1, 3, 3), 1, 0, 2, 1),
    "1x1-dilation-ignored": ((2, 3, 4, 4), (2, 3, 1, 1), 1, 0, 3, 1),
    "same": ((2, 2, 6, 7), (2, 2, 3, 3), 1, "same", (2, 3), 1),
}


@pytest.mark.parametrize("name", list(EDGES))
def test_edge_cases_gradcheck(name):
    x_shape, w_shape, stride, padding, dilation, groups = EDGES[name]
    x, w, b = arrays(x_shape, w_shape, True, 5)
    autodiff.gradcheck(lambda x, w, b: conv2d(x, w, b, stride, padding, dilation, groups), x, w, b)


@pytest.mark.parametrize("name", list(EDGES))
def test_values_and_gradients_match_torch(name):
    torch = pytest.importorskip("torch")
    x_shape, w_shape, stride, padding, dilation, groups = EDGES[name]
    x, w, b = arrays(x_shape, w_shape, True, 6)

    def ours(x, w, b):
        return conv2d(x, w, b, stride, padding, dilation, groups)

    upstream = np.random.default_rng(7).standard_normal(ours(Tensor(x), Tensor(w), None).shape)
    value, grads = grads_of(ours, x, w, b, upstream)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    expected = torch.nn.functional.conv2d(tx, tw, tb, stride, padding, dilation, groups)
    expected.backward(torch.tensor(upstream))
    np.testing.assert_allclose(value, expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    for got, want in zip(grads, (tx, tw, tb)):
        np.testing.assert_allclose(got, want.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_dilation_1_is_the_tuned_call():
    x, w, b = arrays((2, 3, 6, 6), (4, 3, 3, 3), True, 8)
    for dilation in (1, (1, 1)):
        y = conv2d(Tensor(x), Tensor(w, requires_grad=True), Tensor(b), 1, 1, dilation)
        assert set(y.grad_fn.kwargs) == {"stride", "padding", "out_size"}


def test_float32_one_image_no_grad_and_retained_graph():
    x, w, b = arrays((3, 2, 9, 9), (4, 2, 3, 3), True, 11, np.float32)
    xt, wt = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
    y = conv2d(xt, wt, Tensor(b), 2, 1, 2)
    assert y.dtype == np.float32
    with autodiff.no_grad():
        np.testing.assert_array_equal(conv2d(xt, wt, Tensor(b), 2, 1, 2).data, y.data)
    one = conv2d(Tensor(x[1]), Tensor(w), Tensor(b), 2, 1, 2)  # (C, H, W) -> (F, Ho, Wo)
    np.testing.assert_allclose(one.data, y.data[1], rtol=1e-6, atol=1e-6)
    y.sum().backward(retain_graph=True)
    assert xt.grad.dtype == np.float32 and wt.grad.dtype == np.float32
    first = xt.grad.data.copy(), wt.grad.data.copy()
    y.sum().backward()  # the columns are rebuilt: twice the first gradients
    np.testing.assert_allclose(xt.grad.data, 2 * first[0], rtol=1e-6)
    np.testing.assert_allclose(wt.grad.data, 2 * first[1], rtol=1e-6)


@pytest.mark.parametrize(
    ("dilation", "padding", "error", "message"),
    [
        (0, 0, ValueError, "conv2d: dilation must be a positive int or a pair of them, got 0"),
        ((2, -1), 0, ValueError, "conv2d: dilation must be a positive int"),
        (3, 0, ShapeError,
         "conv2d: kernel (3, 3) at dilation (3, 3) (spanning (7, 7)) is larger than the padded "
         "input (5, 5)"),
        ((1, 2), "same", NotImplementedError,
         "conv2d: padding='same' with the even kernel size (2, 2) at dilation (1, 2)"),
    ],
)  # fmt: skip
def test_errors_name_the_op_and_shapes(dilation, padding, error, message):
    kernel = 2 if padding == "same" else 3
    with pytest.raises(error, match=re.escape(message)):
        conv2d(Tensor(np.zeros((1, 1, 5, 5))), Tensor(np.zeros((1, 1, kernel, kernel))),
               None, 1, padding, dilation)  # fmt: skip


def test_same_padding_with_even_kernel_at_even_dilation_is_symmetric():
    torch = pytest.importorskip("torch")
    x, w, _ = arrays((1, 1, 6, 6), (1, 1, 2, 2), False, 3)
    ours = conv2d(Tensor(x), Tensor(w), None, 1, "same", 2)  # d * (k - 1) = 2: one each side
    theirs = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), None, 1, "same", 2)
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12, atol=1e-12)


def test_layer_matches_torch_in_repr_state_dict_and_output():
    torch = pytest.importorskip("torch")
    ours = nn.Conv2d(4, 6, 3, 2, 1, (2, 1), 2, dtype=np.float64)
    theirs = torch.nn.Conv2d(4, 6, 3, 2, 1, (2, 1), 2, dtype=torch.float64)
    assert repr(ours) == repr(theirs)
    assert ours.dilation == theirs.dilation == (2, 1)
    assert repr(nn.Conv2d(4, 4, 3, dilation=3, padding="same")) == repr(
        torch.nn.Conv2d(4, 4, 3, dilation=3, padding="same")
    )
    theirs.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(12).standard_normal((2, 4, 9, 8))
    for _ in range(2):  # the second call takes the layer's kept signature
        np.testing.assert_allclose(
            ours(Tensor(x)).data, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-12, atol=1e-12
        )
    ours.dilation = 1  # changed after construction: read at forward, as PyTorch's
    theirs.dilation = (1, 1)
    np.testing.assert_allclose(
        ours(Tensor(x)).data, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-12, atol=1e-12
    )


def test_layer_rejects_bad_dilation():
    with pytest.raises(ValueError, match="Conv2d: dilation"):
        nn.Conv2d(3, 4, 3, dilation=0)
    with pytest.raises(TypeError, match="Conv2d: dilation"):
        nn.Conv2d(3, 4, 3, dilation=1.5)


# ------------------------------------------------------------------------------ max pooling
@st.composite
def dilated_pool_cases(draw):
    """(x shape, kernel, stride, padding, dilation, ties?, seed)."""
    kernel = draw(st.tuples(st.integers(1, 3), st.integers(1, 3)))
    dilation = draw(st.tuples(st.integers(1, 3), st.integers(1, 3)))
    stride = draw(st.tuples(st.integers(1, 3), st.integers(1, 3)))
    padding = draw(st.tuples(st.integers(0, kernel[0] // 2), st.integers(0, kernel[1] // 2)))
    extent = [d * (k - 1) + 1 for d, k in zip(dilation, kernel)]
    h, w = (draw(st.integers(max(1, e - 2 * p), 9)) for e, p in zip(extent, padding))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)), h, w)
    return shape, kernel, stride, padding, dilation, draw(st.booleans()), draw(st.integers(0, 99))


@settings(max_examples=30, deadline=None)
@given(dilated_pool_cases())
def test_dilated_max_pool_gradients_and_torch(case):
    shape, kernel, stride, padding, dilation, ties, seed = case
    rng = np.random.default_rng(seed)
    if ties:  # small integers: each window's gradient to its first maximum, as torch's
        x = rng.integers(-2, 3, shape).astype(np.float64)
    else:  # distinct values a step apart: central differences see no kink
        x = rng.permutation(np.prod(shape)).reshape(shape) * 0.1

    def ours(x):
        return nn.functional.max_pool2d(x, kernel, stride, padding, dilation)

    # A dilated window can hold only padding (its taps skipping the image): -inf, as torch's,
    # whose gradient torch sends to an unrelated pixel (glassgrad: none). Not compared here.
    assume(np.isfinite(ours(Tensor(x)).data).all())
    if not ties:
        autodiff.gradcheck(ours, x)
    torch = pytest.importorskip("torch")
    upstream = rng.standard_normal(ours(Tensor(x)).shape)
    xt = Tensor(x, requires_grad=True)
    ours(xt).backward(Tensor(upstream))
    tx = torch.tensor(x, requires_grad=True)
    expected = torch.nn.functional.max_pool2d(tx, kernel, stride, padding, dilation)
    expected.backward(torch.tensor(upstream))
    np.testing.assert_array_equal(ours(Tensor(x)).data, expected.detach().numpy())
    np.testing.assert_allclose(xt.grad.data, tx.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_dilated_max_pool_layer_float32_one_image_and_errors():
    torch = pytest.importorskip("torch")
    ours, theirs = nn.MaxPool2d(3, 1, 1, 2), torch.nn.MaxPool2d(3, 1, 1, 2)
    assert repr(ours) == repr(theirs)
    x = np.random.default_rng(2).standard_normal((2, 3, 9, 9)).astype(np.float32)
    for _ in range(2):  # the second call takes the layer's kept signature
        y = ours(Tensor(x))
        assert y.dtype == np.float32
        np.testing.assert_array_equal(y.data, theirs(torch.tensor(x)).numpy())
    np.testing.assert_array_equal(ours(Tensor(x[0])).data, y.data[0])  # one image (C, H, W)
    ours.dilation = 1  # changed after construction: read at forward, as PyTorch's
    assert ours(Tensor(x)).shape == (2, 3, 9, 9)
    with pytest.raises(ValueError, match="MaxPool2d: dilation must be >= 1, got 0"):
        nn.MaxPool2d(2, dilation=0)
    with pytest.raises(ShapeError, match=re.escape("at dilation (3, 3) (spanning (7, 7))")):
        nn.functional.max_pool2d(autodiff.ones(1, 1, 5, 5), 3, dilation=3)


def test_a_window_of_padding_only_is_minus_inf_without_gradient():
    # kernel 2 at dilation 2 over one padded row: taps on rows 0 and 2, both padding
    x = Tensor(np.array([[[[0.5]], [[0.7]]]]), requires_grad=True)
    y = nn.functional.max_pool2d(x, (2, 1), 1, (1, 0), (2, 1))
    assert np.isneginf(y.data).all()
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.zeros(x.shape))
