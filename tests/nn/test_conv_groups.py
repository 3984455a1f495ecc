"""Grouped convolution: `F.conv2d(..., groups=G)` and `nn.Conv2d(..., groups=G)`, PyTorch's.

Group g's F/G filters see only its C/G channels, so the reference here is plain: the groups=1
convolution of each group's channels with its filters, concatenated along the filters.
Hypothesis compares values and gradients with it over random shapes and groups, and checks the
gradients against central differences in float64; torch, when installed, is compared too.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from conv_support import arrays, grads_of
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff
import nn
from autodiff import ShapeError, Tensor
from nn.functional.conv import conv2d


@st.composite
def grouped_cases(draw):
    """(x shape, weight shape, bias?, stride, padding, groups, seed)."""
    groups = draw(st.integers(1, 4))
    per_group_c, per_group_f = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kernel = draw(st.tuples(st.integers(1, 3), st.integers(1, 3)))
    stride = draw(st.just((1, 1)) | st.tuples(st.integers(1, 3), st.integers(1, 3)))
    padding = draw(st.tuples(st.integers(0, 2), st.integers(0, 2)))
    h, w = (draw(st.integers(max(1, k - 2 * p), 7)) for k, p in zip(kernel, padding))
    n = draw(st.integers(1, 3))
    x_shape = (n, groups * per_group_c, h, w)
    w_shape = (groups * per_group_f, per_group_c, *kernel)
    return x_shape, w_shape, draw(st.booleans()), stride, padding, groups, draw(st.integers(0, 99))


def per_group_reference(x, w, b, stride, padding, groups):
    """Each group's channels convolved with its filters (groups=1), concatenated."""
    cs, fs = x.shape[1] // groups, w.shape[0] // groups
    outs = [
        conv2d(
            x[:, g * cs : (g + 1) * cs],
            w[g * fs : (g + 1) * fs],
            None if b is None else b[g * fs : (g + 1) * fs],
            stride,
            padding,
        )
        for g in range(groups)
    ]
    return autodiff.cat(outs, dim=1)


@settings(max_examples=25, deadline=None)
@given(grouped_cases())
def test_grouped_conv2d_matches_its_groups_and_central_differences(case):
    x_shape, w_shape, bias, stride, padding, groups, seed = case
    x, w, b = arrays(x_shape, w_shape, bias, seed)
    out = conv2d(Tensor(x), Tensor(w), None if b is None else Tensor(b), stride, padding, 1, groups)
    upstream = np.random.default_rng(seed + 1).standard_normal(out.shape)

    def ours(x, w, b=None):
        return conv2d(x, w, b, stride, padding, groups=groups)

    def theirs(x, w, b=None):
        return per_group_reference(x, w, b, stride, padding, groups)

    value, grads = grads_of(ours, x, w, b, upstream)
    expected, expected_grads = grads_of(theirs, x, w, b, upstream)
    np.testing.assert_allclose(value, expected, rtol=1e-12, atol=1e-12)
    for got, want in zip(grads, expected_grads):
        if want is not None:
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    inputs = (x, w) if b is None else (x, w, b)
    autodiff.gradcheck(ours, *inputs)


# The edge cases, each also compared with torch below: (x shape, weight shape, stride, padding,
# groups).
EDGES = {
    "depthwise": ((2, 4, 6, 5), (4, 1, 3, 3), 1, 1, 4),
    "depthwise-multiplier": ((2, 3, 5, 5), (6, 1, 3, 2), (2, 1), (1, 0), 3),
    "batch-1": ((1, 6, 5, 4), (4, 3, 2, 2), 1, 0, 2),
    "1x1": ((3, 6, 4, 4), (9, 2, 1, 1), 1, 0, 3),
    "1x1-strided-padded": ((2, 4, 5, 5), (2, 2, 1, 1), 2, 1, 2),
    "groups-1": ((2, 3, 5, 5), (4, 3, 3, 3), 1, 1, 1),
}


@pytest.mark.parametrize("name", list(EDGES))
def test_edge_cases_gradcheck(name):
    x_shape, w_shape, stride, padding, groups = EDGES[name]
    x, w, b = arrays(x_shape, w_shape, True, 5)
    autodiff.gradcheck(lambda x, w, b: conv2d(x, w, b, stride, padding, 1, groups), x, w, b)


@pytest.mark.parametrize("name", list(EDGES))
def test_values_and_gradients_match_torch(name):
    torch = pytest.importorskip("torch")
    x_shape, w_shape, stride, padding, groups = EDGES[name]
    x, w, b = arrays(x_shape, w_shape, True, 6)
    out = conv2d(Tensor(x), Tensor(w), Tensor(b), stride, padding, 1, groups)
    upstream = np.random.default_rng(7).standard_normal(out.shape)
    value, grads = grads_of(
        lambda x, w, b: conv2d(x, w, b, stride, padding, 1, groups), x, w, b, upstream
    )
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    expected = torch.nn.functional.conv2d(tx, tw, tb, stride, padding, 1, groups)
    expected.backward(torch.tensor(upstream))
    np.testing.assert_allclose(value, expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    for got, want in zip(grads, (tx, tw, tb)):
        np.testing.assert_allclose(got, want.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_groups_1_is_the_ungrouped_op_bit_for_bit():
    x, w, b = arrays((2, 3, 6, 6), (4, 3, 3, 3), True, 8)
    upstream = np.random.default_rng(9).standard_normal((2, 4, 6, 6))
    value, grads = grads_of(lambda x, w, b: conv2d(x, w, b, 1, 1, 1, 1), x, w, b, upstream)
    plain, plain_grads = grads_of(lambda x, w, b: conv2d(x, w, b, 1, 1), x, w, b, upstream)
    np.testing.assert_array_equal(value, plain)
    for got, want in zip(grads, plain_grads):
        np.testing.assert_array_equal(got, want)
    y = conv2d(Tensor(x), Tensor(w, requires_grad=True), None, 1, 1, 1, 1)
    assert "groups" not in y.grad_fn.kwargs  # the tuned path's call, unchanged


def test_float32_stays_float32_and_only_needed_gradients():
    x, w, b = arrays((2, 4, 5, 5), (4, 2, 3, 3), True, 10, np.float32)
    xt, wt, bt = Tensor(x), Tensor(w, requires_grad=True), Tensor(b, requires_grad=True)
    y = conv2d(xt, wt, bt, padding=1, groups=2)
    assert y.dtype == np.float32
    y.sum().backward(retain_graph=True)  # kept: the node's backward is called again below
    assert xt.grad is None and wt.grad.dtype == np.float32 and bt.grad.dtype == np.float32
    grads = type(y.grad_fn).backward(y.grad_fn, np.ones(y.shape, np.float32))
    assert all(g is None or g.dtype == np.float32 for g in grads)


def test_no_grad_forward_one_image_and_retained_graph():
    x, w, b = arrays((3, 4, 6, 6), (6, 2, 3, 3), True, 11)
    xt, wt = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
    y = conv2d(xt, wt, Tensor(b), 2, 1, groups=2)
    with autodiff.no_grad():
        np.testing.assert_array_equal(conv2d(xt, wt, Tensor(b), 2, 1, groups=2).data, y.data)
    one = conv2d(Tensor(x[1]), Tensor(w), Tensor(b), 2, 1, groups=2)  # (C, H, W) -> (F, Ho, Wo)
    np.testing.assert_allclose(one.data, y.data[1], rtol=1e-12, atol=1e-12)
    y.sum().backward(retain_graph=True)
    first = xt.grad.data.copy(), wt.grad.data.copy()
    y.sum().backward()  # the columns are rebuilt: twice the first gradients
    np.testing.assert_allclose(xt.grad.data, 2 * first[0], rtol=1e-12)
    np.testing.assert_allclose(wt.grad.data, 2 * first[1], rtol=1e-12)


# ----------------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("x_shape", "w_shape", "groups", "error", "message"),
    [
        ((1, 4, 5, 5), (3, 2, 3, 3), 2, ShapeError,
         "conv2d: weight (3, 2, 3, 3) has 3 filters, which groups=2 does not divide"),
        ((1, 4, 5, 5), (4, 4, 3, 3), 2, ShapeError,
         "conv2d: input (1, 4, 5, 5) has 4 channels but weight (4, 4, 3, 3) with groups=2 "
         "expects 8 (groups * weight.shape[1])"),
        ((1, 4, 5, 5), (4, 2, 3, 3), 0, ShapeError, "conv2d: groups must be a positive int, got 0"),
        ((1, 4, 5, 5), (4, 2, 3, 3), -2, RuntimeError, "conv2d: groups must be a positive int"),
        ((1, 4, 5, 5), (4, 2, 3, 3), 2.0, TypeError, "conv2d: groups must be an int, got float"),
    ],
)  # fmt: skip
def test_functional_errors_name_the_op_and_shapes(x_shape, w_shape, groups, error, message):
    # PyTorch raises RuntimeErrors for these; ShapeError is one (and a ValueError).
    with pytest.raises(error, match=re.escape(message)):
        conv2d(Tensor(np.zeros(x_shape)), Tensor(np.zeros(w_shape)), groups=groups)


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        ((4, 4, 3, 1, 0, 1, 3), ValueError, "Conv2d: in_channels=4 must be divisible by groups=3"),
        ((4, 3, 3, 1, 0, 1, 2), ValueError, "Conv2d: out_channels=3 must be divisible by groups=2"),
        ((4, 4, 3, 1, 0, 1, 0), ValueError, "Conv2d: groups must be >= 1, got 0"),
        ((4, 4, 3, 1, 0, 1, 2.0), TypeError, "Conv2d: groups must be an int, got float 2.0"),
    ],
)
def test_layer_errors_are_pytorchs_types(args, error, message):
    with pytest.raises(error, match=re.escape(message)):
        nn.Conv2d(*args)


def test_groups_changed_after_construction_is_read_at_forward():
    layer = nn.Conv2d(4, 4, 3, dtype=np.float64)
    x = autodiff.ones((1, 4, 5, 5), dtype=autodiff.float64)
    layer(x)  # a first call, so that a kept signature could be reused by the next
    layer.groups = 2  # weight (4, 4, 3, 3) now expects 8 channels: PyTorch's RuntimeError too
    with pytest.raises(RuntimeError, match=r"with groups=2 expects 8"):
        layer(x)


# ------------------------------------------------------------------------------------ layer
def test_layer_matches_torch_in_repr_state_dict_and_output():
    torch = pytest.importorskip("torch")
    ours = nn.Conv2d(6, 4, 3, padding=1, groups=2, bias=False, dtype=np.float64)
    theirs = torch.nn.Conv2d(6, 4, 3, padding=1, groups=2, bias=False, dtype=torch.float64)
    assert repr(ours) == repr(theirs)
    assert repr(nn.Conv2d(4, 4, 3)) == repr(torch.nn.Conv2d(4, 4, 3))  # groups=1 not shown
    shapes = {k: tuple(v.shape) for k, v in ours.state_dict().items()}
    assert shapes == {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    # PyTorch's initialisation bound: fan_in is the weight's in_channels / groups * kh * kw
    assert np.abs(ours.weight.data).max() <= 1 / np.sqrt(3 * 3 * 3)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(ours.weight.data))
    x = np.random.default_rng(12).standard_normal((2, 6, 5, 5))
    for _ in range(2):  # the second call takes the layer's kept signature
        np.testing.assert_allclose(
            ours(Tensor(x)).data, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-12, atol=1e-12
        )
    depthwise = nn.Conv2d(3, 3, 3, groups=3)
    assert depthwise.weight.shape == (3, 1, 3, 3) and depthwise.groups == 3
