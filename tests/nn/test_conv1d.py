"""Conv1d and F.conv1d, PyTorch's: (N, C, L) signals with stride, padding, dilation and groups,
run as conv2d on (N, C, 1, L). Hypothesis compares values with a direct numpy sum and gradients
with central differences in float64; torch, when installed, values, gradients, repr and
state_dict."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conv_support import arrays, grads_of
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff
import nn
import nn.functional as F
from autodiff import ShapeError, Tensor


@st.composite
def conv1d_cases(draw):
    """(x shape, weight shape, bias?, stride, padding, dilation, groups, seed)."""
    groups = draw(st.integers(1, 3))
    per_group_c, per_group_f = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    k, d = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    s, p = draw(st.integers(1, 3)), draw(st.integers(0, 2))
    length = draw(st.integers(max(1, d * (k - 1) + 1 - 2 * p), 10))
    x_shape = (draw(st.integers(1, 3)), groups * per_group_c, length)
    w_shape = (groups * per_group_f, per_group_c, k)
    return x_shape, w_shape, draw(st.booleans()), s, p, d, groups, draw(st.integers(0, 99))


def reference(x, w, b, s, p, d, groups):
    """out[n, f, i] = sum over group g's channels c and taps a of xp[n, c, i*s + a*d] w[f, c, a]."""
    n, c, length = x.shape
    f, cg, k = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p, p)))
    lo = (length + 2 * p - d * (k - 1) - 1) // s + 1
    out = np.zeros((n, f, lo))
    fg = f // groups
    for filt in range(f):
        g = filt // fg
        for i in range(lo):
            taps = xp[:, g * cg : (g + 1) * cg, i * s : i * s + d * (k - 1) + 1 : d]  # (N, cg, k)
            out[:, filt, i] = (taps * w[filt]).sum(axis=(1, 2))
    return out if b is None else out + b[:, None]


@settings(max_examples=30, deadline=None)
@given(conv1d_cases())
def test_conv1d_matches_a_direct_sum_and_central_differences(case):
    x_shape, w_shape, bias, s, p, d, groups, seed = case
    x, w, b = arrays(x_shape, w_shape, bias, seed)

    def ours(x, w, b=None):
        return F.conv1d(x, w, b, s, p, d, groups)

    out = ours(Tensor(x), Tensor(w), None if b is None else Tensor(b))
    expected = reference(x, w, b, s, p, d, groups)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)
    inputs = (x, w) if b is None else (x, w, b)
    autodiff.gradcheck(ours, *inputs)


# (x shape, weight shape, stride, padding, dilation, groups), each compared with torch
EDGES = {
    "plain": ((2, 3, 8), (4, 3, 3), 1, 0, 1, 1),
    "strided-padded-dilated": ((2, 4, 11), (6, 2, 3), 2, 2, 2, 2),
    "depthwise-same": ((3, 4, 7), (4, 1, 3), 1, "same", 3, 4),
    "valid-1-tuples": ((1, 2, 6), (3, 2, 2), (2,), "valid", (1,), 1),
    "length-1": ((2, 3, 1), (2, 3, 1), 1, 0, 1, 1),
    "one-signal": ((3, 9), (2, 3, 4), 2, 1, 1, 1),
}


@pytest.mark.parametrize("name", list(EDGES))
def test_values_and_gradients_match_torch(name):
    torch = pytest.importorskip("torch")
    x_shape, w_shape, s, p, d, groups = EDGES[name]
    x, w, b = arrays(x_shape, w_shape, True, 6)

    def ours(x, w, b):
        return F.conv1d(x, w, b, s, p, d, groups)

    shape = ours(Tensor(x), Tensor(w), None).shape
    upstream = np.random.default_rng(7).standard_normal(shape)
    value, grads = grads_of(ours, x, w, b, upstream)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    expected = torch.nn.functional.conv1d(tx, tw, tb, s, p, d, groups)
    expected.backward(torch.tensor(upstream))
    np.testing.assert_allclose(value, expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    for got, want in zip(grads, (tx, tw, tb)):
        np.testing.assert_allclose(got, want.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_float32_stays_float32():
    x, w, b = arrays((2, 3, 8), (4, 3, 3), True, 1, np.float32)
    xt, wt = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
    y = F.conv1d(xt, wt, Tensor(b), padding=1, dilation=2)
    y.sum().backward()
    assert y.dtype == xt.grad.dtype == wt.grad.dtype == np.float32


def test_layer_matches_torch_in_repr_state_dict_and_output():
    torch = pytest.importorskip("torch")
    cases = [
        ((4, 8, 3), {}),
        ((4, 8, 3), {"padding": "same", "dilation": 2, "groups": 2, "bias": False}),
        ((4, 6, (2,)), {"stride": (2,), "padding": (1,)}),
        ((4, 4, 3, 1, 0, 1, 4), {}),  # PyTorch's positional order: groups 7th
    ]
    x = np.random.default_rng(3).standard_normal((2, 4, 9))
    for args, kwargs in cases:
        ours = nn.Conv1d(*args, **kwargs, dtype=np.float64)
        theirs = torch.nn.Conv1d(*args, **kwargs, dtype=torch.float64)
        assert repr(ours) == repr(theirs)
        for name in ("kernel_size", "stride", "padding", "dilation", "groups"):
            assert getattr(ours, name) == getattr(theirs, name), name
        state = ours.state_dict()
        assert {k: tuple(np.shape(v)) for k, v in state.items()} == {
            k: tuple(v.shape) for k, v in theirs.state_dict().items()
        }
        # PyTorch's initialisation bound: fan_in = in_channels / groups * k
        assert np.abs(ours.weight.data).max() <= 1 / np.sqrt(ours.weight.data[0].size)
        theirs.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in state.items()})
        expected = theirs(torch.tensor(x)).detach().numpy()
        np.testing.assert_allclose(ours(Tensor(x)).data, expected, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(ours(Tensor(x[0])).data, expected[0], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: F.conv1d(autodiff.ones(2, 4, 5), autodiff.ones(4, 4, 3), groups=2), ShapeError,
         "conv1d: input (2, 4, 5) and weight (4, 4, 3) (run as conv2d on (N, C, 1, L)): conv2d: "
         "input (2, 4, 1, 5) has 4 channels but weight (4, 4, 1, 3) with groups=2 expects 8"),
        (lambda: F.conv1d(autodiff.ones(2, 2, 3, 5), autodiff.ones(4, 2, 3)), ShapeError,
         "conv1d: expected input (N, C, L) or (C, L), got shape (2, 2, 3, 5)"),
        (lambda: F.conv1d(autodiff.ones(2, 2, 5), autodiff.ones(4, 2, 3, 3)), ShapeError,
         "conv1d: expected weight (F, C / groups, k), got shape (4, 2, 3, 3)"),
        (lambda: F.conv1d(autodiff.ones(2, 2, 5), autodiff.ones(4, 2, 3), stride=(1, 1)),
         ValueError, "conv1d: stride must be a positive int or a 1-tuple of one, got (1, 1)"),
        (lambda: F.conv1d(autodiff.ones(1, 1, 5), autodiff.ones(1, 1, 2), padding="same"),
         NotImplementedError, "conv1d: padding='same' with the even kernel size (2,)"),
        (lambda: nn.Conv1d(4, 6, 3, groups=4), ValueError,
         "Conv1d: out_channels=6 must be divisible by groups=4"),
        (lambda: nn.Conv1d(4, 6, (3, 3)), TypeError,
         "Conv1d: kernel_size must be an int or a 1-tuple, got (3, 3) with 2 entries"),
        (lambda: nn.Conv1d(4, 6, 3, padding_mode="reflect"), NotImplementedError, "padding_mode"),
        (lambda: nn.Conv1d(4, 6, 3, stride=0), ValueError, "Conv1d: stride must be >= 1, got 0"),
    ],
)  # fmt: skip
def test_errors_name_the_op_and_shapes(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()
