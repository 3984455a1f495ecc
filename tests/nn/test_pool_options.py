"""PyTorch's further pooling options: ceil_mode (max and avg), count_include_pad=False and
divisor_override (avg), the 1-d pools (MaxPool1d / AvgPool1d on the 2-d ops) and adaptive max
pooling. Hypothesis checks gradients against central differences in float64 over random shapes
and geometries, and values and gradients against torch when it is installed; ties, -inf and NaN
follow the 2-d max pool's rules (PyTorch's).
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pool_support import geometries

import autodiff
import nn
from autodiff import ShapeError, Tensor
from nn import functional as F


def distinct(shape, seed: int) -> np.ndarray:
    """float64 values at least 0.1 apart: each window's maximum is unique, by a margin that
    central differences do not cross."""
    rng = np.random.default_rng(seed)
    return rng.permutation(np.prod(shape)).reshape(shape) * 0.1 + rng.uniform(-1, 0)


def against_torch(ours, theirs, x: np.ndarray, seed: int = 0) -> None:
    """Values and gradients of ours (glassgrad) and theirs (the torch function), on x."""
    torch = pytest.importorskip("torch")
    got = ours(Tensor(x, requires_grad=True))
    upstream = np.random.default_rng(seed).standard_normal(got.shape)
    xt = Tensor(x, requires_grad=True)
    ours(xt).backward(Tensor(upstream))
    tx = torch.tensor(x, requires_grad=True)
    want = theirs(tx)
    want.backward(torch.tensor(upstream))
    assert got.shape == tuple(want.shape)
    np.testing.assert_allclose(got.data, want.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(xt.grad.data, tx.grad.numpy(), rtol=1e-12, atol=1e-12)


def expected_ceil_size(n: int, k: int, s: int, p: int, d: int = 1) -> int:
    """PyTorch's ceil_mode output size, written out."""
    out = int(np.ceil((n + 2 * p - d * (k - 1) - 1) / s)) + 1
    return out - 1 if (out - 1) * s >= n + p else out


# ------------------------------------------------------------------------------ ceil_mode
@settings(max_examples=40, deadline=None)
@given(geometries())
def test_max_pool_ceil_mode_sizes_gradcheck_and_torch(case):
    shape, kernel, stride, padding, dilation, seed = case
    x = distinct(shape, seed)

    def pool(t):
        return F.max_pool2d(t, kernel, stride, padding, dilation, ceil_mode=True)

    sizes = [
        expected_ceil_size(*args) for args in zip(shape[2:], kernel, stride, padding, dilation)
    ]
    assert pool(Tensor(x)).shape == (*shape[:2], *sizes)
    autodiff.gradcheck(pool, x)
    torch = pytest.importorskip("torch")
    against_torch(
        pool,
        lambda t: torch.nn.functional.max_pool2d(t, kernel, stride, padding, dilation, True),
        x,
    )


@settings(max_examples=40, deadline=None)
@given(geometries(dilated=False), st.booleans(), st.booleans(), st.sampled_from([None, 3, -2]))
def test_avg_pool_options_gradcheck_and_torch(case, ceil_mode, include_pad, divisor):
    shape, kernel, stride, padding, _, seed = case
    x = np.random.default_rng(seed).standard_normal(shape)

    def pool(t):
        return F.avg_pool2d(t, kernel, stride, padding, ceil_mode, include_pad, divisor)

    autodiff.gradcheck(pool, x)
    torch = pytest.importorskip("torch")

    def theirs(t):
        return torch.nn.functional.avg_pool2d(
            t, kernel, stride, padding, ceil_mode, include_pad, divisor
        )

    against_torch(pool, theirs, x, seed)


def test_ceil_mode_drops_a_window_starting_in_the_right_padding():
    # kernel 2, stride 2, padding 1. H = 4: ceil((4 + 2 - 2) / 2) + 1 = 3 windows, starting at
    # padded rows 0, 2 and 4 (the input's last row): all kept. H = 3: ceil(3 / 2) + 1 = 3, but
    # the third would start at padded row 4, the right padding (4 >= H + p): 2 windows
    assert F.max_pool2d(autodiff.zeros((1, 1, 4, 4)), 2, 2, 1, ceil_mode=True).shape[2:] == (3, 3)
    assert F.max_pool2d(autodiff.zeros((1, 1, 3, 3)), 2, 2, 1, ceil_mode=True).shape[2:] == (2, 2)
    # no padding: windows overhang the bottom/right edge
    y = F.avg_pool2d(Tensor(np.arange(25.0).reshape(1, 1, 5, 5)), 2, ceil_mode=True)
    np.testing.assert_array_equal(y.data[0, 0, 2], [20.5, 22.5, 24.0])  # / the real pixels


def test_ceil_mode_takes_a_kernel_larger_than_the_input_as_pytorch():
    torch = pytest.importorskip("torch")
    x = distinct((1, 2, 1, 5), 3)
    against_torch(
        lambda t: F.avg_pool2d(t, 2, 2, ceil_mode=True),
        lambda t: torch.nn.functional.avg_pool2d(t, 2, 2, ceil_mode=True),
        x,
    )
    assert F.max_pool2d(Tensor(x), 2, 2, ceil_mode=True).shape == (1, 2, 1, 3)
    with pytest.raises(ShapeError, match="max_pool2d: .*leaves no output"):
        F.max_pool2d(Tensor(x), (1, 8), 1, ceil_mode=True)  # 5 - 8 < 1 - 1: none, as PyTorch


@pytest.mark.parametrize("values", ["ties", "-inf", "nan"])
def test_max_pool_ceil_mode_ties_inf_and_nan_as_pytorch(values):
    torch = pytest.importorskip("torch")
    x = np.round(np.random.default_rng(4).standard_normal((2, 3, 5, 7)))  # ties
    if values == "-inf":
        x[:, :, -1, :] = x[:, :, :, -1] = -np.inf  # the overhanging windows' real pixels
    if values == "nan":
        x[0, 1, 4, 6] = x[1, 0, 2, 3] = x[1, 0, 4, 5] = np.nan
    against_torch(
        lambda t: F.max_pool2d(t, 3, 2, 1, ceil_mode=True),
        lambda t: torch.nn.functional.max_pool2d(t, 3, 2, 1, ceil_mode=True),
        x,
    )


def test_ceil_mode_without_overhang_is_the_plain_call_and_float32_stays():
    x = Tensor(np.ones((2, 3, 6, 6), np.float32), requires_grad=True)
    y = F.max_pool2d(x, 2, ceil_mode=True)
    assert type(y.grad_fn).__name__ == "MaxPool2d" and y.grad_fn.inputs[0] is x
    z = F.avg_pool2d(x, 4, 2, 1, True, False)
    assert z.dtype == np.float32
    z.sum().backward()
    assert x.grad.dtype == np.float32


def test_divisor_override_is_checked():
    x = autodiff.ones((1, 1, 4, 4))
    for bad in (0, 1.5, True):
        with pytest.raises(
            ValueError, match=re.escape(f"divisor_override must be a non-zero int, got {bad!r}")
        ):
            F.avg_pool2d(x, 2, divisor_override=bad)
    np.testing.assert_array_equal(F.avg_pool2d(x, 2, divisor_override=2).data, 2.0)


def test_layers_take_the_options_set_later_and_match_torch_reprs():
    torch = pytest.importorskip("torch")
    x = distinct((2, 3, 7, 7), 9)
    ours, theirs = nn.MaxPool2d(3, 2), torch.nn.MaxPool2d(3, 2)
    ours(Tensor(x))  # a first call: a kept signature must not hide the change
    ours.ceil_mode = theirs.ceil_mode = True
    against_torch(ours, theirs, x)
    assert repr(ours) == repr(theirs)
    ours, theirs = nn.AvgPool2d(2, 2, 1), torch.nn.AvgPool2d(2, 2, 1)
    ours(Tensor(x))
    ours.count_include_pad = theirs.count_include_pad = False
    ours.ceil_mode = theirs.ceil_mode = True
    against_torch(ours, theirs, x)
    ours.divisor_override = theirs.divisor_override = 5
    against_torch(ours, theirs, x)
    assert repr(ours) == repr(theirs)
    # and back to the defaults: the kept op call again
    ours.count_include_pad, ours.ceil_mode, ours.divisor_override = True, False, None
    against_torch(ours, torch.nn.AvgPool2d(2, 2, 1), x)
    assert repr(nn.AvgPool2d(3, None, 1, True, False, 2)) == repr(
        torch.nn.AvgPool2d(3, None, 1, True, False, 2)
    )


def test_one_image_takes_the_options():
    torch = pytest.importorskip("torch")
    x = distinct((3, 5, 6), 2)
    against_torch(
        lambda t: F.avg_pool2d(t, 2, 2, 1, True, False, None),
        lambda t: torch.nn.functional.avg_pool2d(t, 2, 2, 1, True, False, None),
        x,
    )


# ------------------------------------------------------------------------------ 1-d pools
@st.composite
def geometries_1d(draw):
    k, s = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    p = draw(st.integers(0, k // 2))
    d = draw(st.integers(1, 2)) if p == 0 else 1
    length = draw(st.integers(max(1, d * (k - 1) + 1 - 2 * p), 10))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3)), length)
    return shape, k, s, p, d, draw(st.booleans()), draw(st.integers(0, 2**32 - 1))


@settings(max_examples=40, deadline=None)
@given(geometries_1d(), st.booleans())
def test_pool1d_gradcheck_and_torch(case, include_pad):
    shape, k, s, p, d, ceil_mode, seed = case
    x = distinct(shape, seed)
    torch = pytest.importorskip("torch")

    def max_ours(t):
        return F.max_pool1d(t, k, s, p, d, ceil_mode)

    def avg_ours(t):
        return F.avg_pool1d(t, k, s, p, ceil_mode, include_pad)

    autodiff.gradcheck(max_ours, x)
    autodiff.gradcheck(avg_ours, x)
    against_torch(max_ours, lambda t: torch.nn.functional.max_pool1d(t, k, s, p, d, ceil_mode), x)
    against_torch(
        avg_ours, lambda t: torch.nn.functional.avg_pool1d(t, k, s, p, ceil_mode, include_pad), x
    )


def test_pool1d_layers_one_signal_reprs_and_ties():
    torch = pytest.importorskip("torch")
    x = np.round(np.random.default_rng(1).standard_normal((3, 11)))  # one signal, with ties
    x[1, 4] = np.nan
    for ours, theirs in (
        (nn.MaxPool1d(3, 2, 1, ceil_mode=True), torch.nn.MaxPool1d(3, 2, 1, ceil_mode=True)),
        (nn.MaxPool1d((2,), dilation=2), torch.nn.MaxPool1d((2,), dilation=2)),
        (nn.AvgPool1d(3, 2, 1, True, False), torch.nn.AvgPool1d(3, 2, 1, True, False)),
        (nn.AvgPool1d(2), torch.nn.AvgPool1d(2)),
    ):
        against_torch(ours, theirs, x)
        assert repr(ours) == repr(theirs)


def test_pool1d_errors_name_the_op():
    with pytest.raises(
        ShapeError, match=re.escape("max_pool1d: expected input (N, C, L) or (C, L)")
    ):
        F.max_pool1d(autodiff.ones((1, 2, 3, 4)), 2)
    with pytest.raises(ValueError, match="avg_pool1d: kernel_size"):
        F.avg_pool1d(autodiff.ones((1, 2, 3)), (2, 2))
    with pytest.raises(ShapeError, match="avg_pool1d: input"):
        F.avg_pool1d(autodiff.ones((1, 2, 3)), 5)


# ---------------------------------------------------------------------- adaptive max pool
@settings(max_examples=30, deadline=None)
@given(
    st.tuples(st.integers(1, 2), st.integers(1, 2), st.integers(1, 7), st.integers(1, 7)),
    st.tuples(st.integers(1, 8) | st.none(), st.integers(1, 8) | st.none()),
    st.integers(0, 2**32 - 1),
)
def test_adaptive_max_pool_gradcheck_and_torch(shape, output_size, seed):
    x = distinct(shape, seed)

    def pool(t):
        return F.adaptive_max_pool2d(t, output_size)

    autodiff.gradcheck(pool, x)
    torch = pytest.importorskip("torch")
    against_torch(pool, lambda t: torch.nn.functional.adaptive_max_pool2d(t, output_size), x)


@pytest.mark.parametrize("values", ["ties", "-inf", "nan"])
def test_adaptive_max_pool_ties_inf_nan_layer_and_repr(values):
    torch = pytest.importorskip("torch")
    x = np.round(np.random.default_rng(5).standard_normal((2, 3, 5, 7)))
    if values == "-inf":
        x[:, :, :3, :4] = -np.inf
    if values == "nan":
        x[0, 1, 4, 6] = x[1, 0, 2, 3] = x[1, 0, 2, 4] = np.nan
    for size in ((2, 3), 4, (None, 2), 1):
        ours, theirs = nn.AdaptiveMaxPool2d(size), torch.nn.AdaptiveMaxPool2d(size)
        against_torch(ours, theirs, x)
        against_torch(ours, theirs, x[0])  # one image
        assert repr(ours) == repr(theirs)
    with pytest.raises(ValueError, match="adaptive_max_pool2d: output_size"):
        F.adaptive_max_pool2d(Tensor(x), 0)
