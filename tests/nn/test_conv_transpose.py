"""ConvTranspose2d and F.conv_transpose2d, PyTorch's: stride, padding, output_padding, groups,
dilation and bias. Hypothesis compares values with a direct numpy scatter (each input pixel's
weighted kernel added into the output, one kernel tap at a time) and gradients with central
differences in float64; torch, when installed, values, gradients, errors, repr, state_dict,
initialisation and `output_size`."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conv_support import grads_of
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff
import nn
import nn.functional as F
from autodiff import ShapeError, Tensor


def arrays(x_shape, w_shape, bias: bool, seed: int, groups: int = 1):
    """x, weight and (if asked) a bias of the output's channels, weight.shape[1] * groups."""
    rng = np.random.default_rng(seed)
    b = rng.standard_normal(w_shape[1] * groups) if bias else None
    return rng.standard_normal(x_shape), rng.standard_normal(w_shape), b


@st.composite
def transposed_cases(draw):
    """(x shape, weight shape, bias?, stride, padding, output_padding, dilation, groups, seed),
    every output size at least 1."""
    groups = draw(st.integers(1, 3))
    per_group_in, per_group_out = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kernel = draw(st.tuples(st.integers(1, 3), st.integers(1, 3)))
    stride = draw(st.tuples(st.integers(1, 3), st.integers(1, 3)))
    dilation = draw(st.tuples(st.integers(1, 2), st.integers(1, 2)))
    # output_padding below the stride or the dilation, as PyTorch requires
    output_padding = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    h, w = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    padding = []
    for size, k, s, d, op in zip((h, w), kernel, stride, dilation, output_padding):
        largest = (size - 1) * s + d * (k - 1) + op  # the output (before padding) minus one
        padding.append(draw(st.integers(0, min(2, largest // 2))))
    x_shape = (draw(st.integers(1, 2)), groups * per_group_in, h, w)
    w_shape = (groups * per_group_in, per_group_out, *kernel)
    args = (stride, tuple(padding), output_padding, dilation, groups)
    return x_shape, w_shape, draw(st.booleans()), *args, draw(st.integers(0, 99))


def reference(x, w, b, stride, padding, output_padding, dilation, groups):
    """Every input pixel (i, j) adds x[n, c, i, j] * w[c, o, a, b] to padded output pixel
    (i*sh + a*dh, j*sw + b*dw); the padding is then cropped."""
    n, cin, h, width = x.shape
    _, per_group_out, kh, kw = w.shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    full = [
        (size - 1) * s + d * (k - 1) + 1 + op
        for size, s, d, k, op in zip((h, width), stride, dilation, (kh, kw), output_padding)
    ]
    out = np.zeros((n, per_group_out * groups, *full))
    cin_g = cin // groups
    for g in range(groups):
        xs = x[:, g * cin_g : (g + 1) * cin_g]
        rows = slice(g * per_group_out, (g + 1) * per_group_out)
        for a in range(kh):
            for c in range(kw):
                taps = np.einsum("nchw,co->nohw", xs, w[g * cin_g : (g + 1) * cin_g, :, a, c])
                out[:, rows, a * dh : a * dh + (h - 1) * sh + 1 : sh,
                    c * dw : c * dw + (width - 1) * sw + 1 : sw] += taps  # fmt: skip
    out = out[:, :, ph : full[0] - ph, pw : full[1] - pw]
    return out if b is None else out + b[:, None, None]


@settings(max_examples=40, deadline=None)
@given(transposed_cases())
def test_matches_a_direct_scatter_and_central_differences(case):
    x_shape, w_shape, bias, *args, seed = case
    stride, padding, output_padding, dilation, groups = args
    x, w, b = arrays(x_shape, w_shape, bias, seed, groups)

    def ours(x, w, b=None):
        return F.conv_transpose2d(x, w, b, stride, padding, output_padding, groups, dilation)

    out = ours(Tensor(x), Tensor(w), None if b is None else Tensor(b))
    expected_size = tuple(
        (n - 1) * s - 2 * p + d * (k - 1) + op + 1
        for n, s, p, d, k, op in zip(
            x_shape[2:], stride, padding, dilation, w_shape[2:], output_padding
        )
    )
    assert out.shape == (x_shape[0], w_shape[1] * groups, *expected_size)  # PyTorch's size
    np.testing.assert_allclose(out.data, reference(x, w, b, *args), rtol=1e-12, atol=1e-12)
    inputs = (x, w) if b is None else (x, w, b)
    autodiff.gradcheck(ours, *inputs)


# (x shape, weight shape, stride, padding, output_padding, groups, dilation)
EDGES = {
    "plain": ((2, 3, 4, 4), (3, 2, 3, 3), 1, 0, 0, 1, 1),
    "upsample-x2": ((2, 4, 5, 6), (4, 3, 4, 4), 2, 1, 0, 1, 1),
    "output-padding": ((1, 3, 4, 5), (3, 2, 3, 3), 2, 1, 1, 1, 1),
    "uneven": ((2, 2, 3, 4), (2, 3, 2, 3), (3, 2), (1, 0), (2, 1), 1, (1, 2)),
    "grouped-dilated": ((2, 4, 4, 3), (4, 2, 3, 2), 2, 1, (1, 0), 2, (2, 3)),
    "depthwise": ((1, 3, 5, 5), (3, 1, 3, 3), 1, 1, 0, 3, 1),
    "op-below-dilation-only": ((1, 2, 3, 3), (2, 2, 2, 2), 1, 0, 1, 1, 2),
    "1x1-pixel": ((3, 2, 1, 1), (2, 2, 2, 3), 1, 0, 0, 1, 1),
    "crop-to-one": ((1, 1, 1, 1), (1, 1, 3, 3), 1, 1, 0, 1, 1),
}


def _torch_case(torch, name, seed):
    x_shape, w_shape, stride, padding, output_padding, groups, dilation = EDGES[name]
    x, w, b = arrays(x_shape, w_shape, True, seed, groups)
    args = (stride, padding, output_padding, groups, dilation)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    return (x, w, b), args, (tx, tw, tb)


@pytest.mark.parametrize("name", list(EDGES))
def test_values_and_gradients_match_torch(name):
    torch = pytest.importorskip("torch")
    (x, w, b), args, (tx, tw, tb) = _torch_case(torch, name, 3)
    expected = torch.nn.functional.conv_transpose2d(tx, tw, tb, *args)
    upstream = np.random.default_rng(4).standard_normal(tuple(expected.shape))
    expected.backward(torch.tensor(upstream))

    def ours(x, w, b):
        return F.conv_transpose2d(x, w, b, *args)

    value, grads = grads_of(ours, x, w, b, upstream)
    np.testing.assert_allclose(value, expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    for got, want in zip(grads, (tx, tw, tb)):
        np.testing.assert_allclose(got, want.grad.numpy(), rtol=1e-12, atol=1e-12)
    autodiff.gradcheck(ours, x, w, b)


def test_one_image_empty_batch_float32_and_no_grad():
    torch = pytest.importorskip("torch")
    x, w, b = arrays((3, 4, 5), (3, 2, 3, 3), True, 5)
    expected = torch.nn.functional.conv_transpose2d(*map(torch.tensor, (x, w, b)), 2, 1, 1)
    got = F.conv_transpose2d(Tensor(x), Tensor(w), Tensor(b), 2, 1, 1)
    assert got.shape == tuple(expected.shape) == (2, 8, 10)
    np.testing.assert_allclose(got.data, expected.numpy(), rtol=1e-12, atol=1e-12)
    empty = F.conv_transpose2d(Tensor(np.zeros((0, 3, 4, 5))), Tensor(w), Tensor(b), 2)
    assert empty.shape == (0, 2, 9, 11)
    xt, wt = (
        Tensor(x.astype(np.float32), requires_grad=True),
        Tensor(w.astype(np.float32), requires_grad=True),
    )
    y = F.conv_transpose2d(xt, wt, Tensor(b.astype(np.float32)), stride=2)
    y.sum().backward()
    assert y.dtype == xt.grad.dtype == wt.grad.dtype == np.float32
    with autodiff.no_grad():
        again = F.conv_transpose2d(Tensor(x), Tensor(w), Tensor(b), 2, 1, 1)
    np.testing.assert_array_equal(again.data, got.data)


TORCH_ERRORS = [  # (x shape, weight shape, keyword arguments): torch raises, so do we
    ((1, 3, 5, 5), (4, 2, 3, 3), {}),  # channels
    ((1, 4, 5, 5), (4, 2, 3, 3), {"groups": 3}),  # weight's in-channels not divisible
    ((1, 4, 5, 5), (4, 2, 3, 3), {"stride": 2, "output_padding": 2}),
    ((1, 4, 5, 5), (4, 2, 3, 3), {"output_padding": 1}),
    ((1, 4, 5, 5), (4, 2, 3, 3), {"stride": 2, "output_padding": (1, 2), "dilation": 2}),
    ((1, 4, 1, 1), (4, 2, 1, 1), {"padding": 1}),  # output too small
    ((4, 5), (4, 2, 3, 3), {}),
    ((1, 4, 5, 5), (4, 2, 3), {}),
    ((1, 4, 5, 5), (4, 2, 3, 3), {"groups": 0}),
]


@pytest.mark.parametrize(("x_shape", "w_shape", "kwargs"), TORCH_ERRORS)
def test_errors_where_torch_raises_them(x_shape, w_shape, kwargs):
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError):
        torch.nn.functional.conv_transpose2d(torch.zeros(x_shape), torch.zeros(w_shape), **kwargs)
    with pytest.raises(RuntimeError):  # ShapeError is a RuntimeError (and a ValueError)
        F.conv_transpose2d(autodiff.zeros(*x_shape), autodiff.zeros(*w_shape), **kwargs)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: F.conv_transpose2d(autodiff.ones(1, 3, 5, 5), autodiff.ones(4, 2, 3, 3)),
         ShapeError, "conv_transpose2d: input (1, 3, 5, 5) has 3 channels but weight "
         "(4, 2, 3, 3) expects 4"),
        (lambda: F.conv_transpose2d(autodiff.ones(1, 4, 5, 5), autodiff.ones(4, 2, 3, 3),
                                    output_padding=1),
         ShapeError, "output_padding (1, 1) must be smaller than either the stride (1, 1) or the "
         "dilation (1, 1)"),
        (lambda: F.conv_transpose2d(autodiff.ones(1, 4, 5, 5), autodiff.ones(4, 2, 3, 3),
                                    autodiff.ones(3)),
         ShapeError, "expected bias of shape (2,)"),
        (lambda: F.conv_transpose2d(autodiff.ones(1, 4, 5, 5), autodiff.ones(4, 2, 3, 3),
                                    padding="same"),
         TypeError, "conv_transpose2d: padding must be an int or a pair of ints"),
        (lambda: nn.ConvTranspose2d(4, 6, 3, groups=4), ValueError,
         "ConvTranspose2d: out_channels=6 must be divisible by groups=4"),
        (lambda: nn.ConvTranspose2d(4, 6, 3, padding_mode="reflect"), ValueError,
         '"zeros" padding mode'),
        (lambda: nn.ConvTranspose2d(4, 6, 3, padding="same"), ValueError,
         "ConvTranspose2d: padding must be an int or a pair"),
        (lambda: nn.ConvTranspose2d(4, 6, 0), ValueError, "kernel_size"),
    ],
)  # fmt: skip
def test_errors_name_the_op_and_shapes(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()


def test_layer_matches_torch_in_repr_state_dict_init_and_output():
    torch = pytest.importorskip("torch")
    cases = [
        ((4, 6, 3), {}),
        ((4, 6, 3, 2, 1, 1, 2, False, 2), {}),  # PyTorch's positional order
        ((4, 3, (2, 3)), {"stride": (2, 1), "padding": (0, 1), "output_padding": (1, 0)}),
        ((2, 4, 2), {"dilation": (1, 2), "bias": False}),
    ]
    x = np.random.default_rng(3).standard_normal((2, 4, 5, 4))
    for args, kwargs in cases:
        ours = nn.ConvTranspose2d(*args, **kwargs, dtype=np.float64)
        theirs = torch.nn.ConvTranspose2d(*args, **kwargs, dtype=torch.float64)
        assert repr(ours) == repr(theirs)
        names = ("kernel_size", "stride", "padding", "output_padding", "dilation", "groups")
        for name in names:
            assert getattr(ours, name) == getattr(theirs, name), name
        state = ours.state_dict()
        assert {k: tuple(np.shape(v)) for k, v in state.items()} == {
            k: tuple(v.shape) for k, v in theirs.state_dict().items()
        }
        # PyTorch's bound: fan_in = weight.shape[1] * kh * kw (out_channels / groups * kh * kw)
        bound = 1 / np.sqrt(ours.weight.data[0].size)
        torch_bound = 1 / np.sqrt(theirs.weight[0].numel())
        assert bound == torch_bound
        assert np.abs(ours.weight.data).max() <= bound
        assert np.abs(ours.weight.data).max() > 0.5 * bound  # drawn across the range
        if ours.bias is not None:
            assert np.abs(ours.bias.data).max() <= bound
        theirs.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in state.items()})
        inputs = x[:, : args[0]]
        expected = theirs(torch.tensor(inputs)).detach().numpy()
        np.testing.assert_allclose(ours(Tensor(inputs)).data, expected, rtol=1e-12, atol=1e-12)
        got = ours(Tensor(inputs[0])).data  # one image
        np.testing.assert_allclose(got, expected[0], rtol=1e-12, atol=1e-12)


def test_output_size_picks_output_padding_as_torch():
    torch = pytest.importorskip("torch")
    ours = nn.ConvTranspose2d(4, 6, 3, stride=(2, 3), padding=1, dtype=np.float64)
    theirs = torch.nn.ConvTranspose2d(4, 6, 3, stride=(2, 3), padding=1, dtype=torch.float64)
    theirs.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(5).standard_normal((2, 4, 5, 5))
    for size in ([9, 13], (10, 15), [2, 6, 10, 14], (9, 13)):
        expected = theirs(torch.tensor(x), output_size=size).detach().numpy()
        got = ours(Tensor(x), output_size=size).data
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    for size in ([11, 13], [9], [8, 13]):
        with pytest.raises(ValueError) as theirs_error:
            theirs(torch.tensor(x), output_size=size)
        with pytest.raises(ValueError) as ours_error:
            ours(Tensor(x), output_size=size)
        if len(size) == 2:  # the same range named
            assert str(theirs_error.value).split("(for")[0] in str(ours_error.value)


def test_trains_as_a_decoder():
    decoder = nn.Sequential(nn.ConvTranspose2d(2, 3, 4, 2, 1), nn.ReLU(), nn.Conv2d(3, 1, 3, 1, 1))
    # float32 data for the float32 layers: PyTorch's layers do not promote
    x = Tensor(np.random.default_rng(0).standard_normal((4, 2, 3, 3), dtype=np.float32))
    target = Tensor(np.random.default_rng(1).standard_normal((4, 1, 6, 6), dtype=np.float32))
    opt = nn.optim.SGD(decoder.parameters(), lr=0.05)
    losses = []
    for _ in range(20):
        opt.zero_grad()
        loss = F.mse_loss(decoder(x), target)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]
