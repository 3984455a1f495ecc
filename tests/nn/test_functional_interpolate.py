"""F.interpolate (4-d, 'nearest' and 'bilinear') and the Upsample layers: PyTorch's source
coordinates, sizes and errors; exact gradients (every output's share lands on its sources)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import autodiff as ad
import nn
import nn.functional as F
from autodiff import DtypeError, ShapeError
from autodiff.testing import assert_gradients_match, tensors

SETTINGS = settings(max_examples=30, deadline=None)


@st.composite
def resize_cases(draw):
    """(input shape, interpolate keyword arguments)."""
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=4, max_size=4)))
    mode = draw(st.sampled_from(["nearest", "bilinear"]))
    kwargs = {"mode": mode}
    if mode == "bilinear":
        kwargs["align_corners"] = draw(st.booleans())
    if draw(st.booleans()):
        kwargs["size"] = draw(st.tuples(st.integers(1, 7), st.integers(1, 7)))
    else:
        factor = draw(st.sampled_from([2, 0.5, 1.5, 3.0, (2.0, 0.75), (1.25, 2.5), 1 / 3]))
        factors = factor if isinstance(factor, tuple) else (factor, factor)
        assume(all(n * f >= 1 for n, f in zip(shape[2:], factors)))  # no empty output
        kwargs["scale_factor"] = factor
    return shape, kwargs


@SETTINGS
@given(case=resize_cases(), data=st.data())
def test_interpolate_gradient(case, data):
    shape, kwargs = case
    x = data.draw(tensors(shape))
    out = F.interpolate(x, **kwargs)
    assert out.dtype == np.float64 and out.shape[:2] == shape[:2]
    assert_gradients_match(lambda t: F.interpolate(t, **kwargs), x)


def test_known_values():
    x = ad.tensor(np.arange(4.0).reshape(1, 1, 2, 2))
    np.testing.assert_array_equal(
        F.interpolate(x, scale_factor=2).data[0, 0], np.repeat(np.repeat(x.data[0, 0], 2, 0), 2, 1)
    )
    up = F.interpolate(x, size=(3, 3), mode="bilinear", align_corners=True).data[0, 0]
    np.testing.assert_array_equal(up, [[0, 0.5, 1], [1, 1.5, 2], [2, 2.5, 3]])
    row = F.interpolate(ad.tensor([[[[0.0, 4.0]]]]), size=(1, 4), mode="bilinear").data
    np.testing.assert_array_equal(row.ravel(), [0, 1, 3, 4])  # half-pixel, clamped at the ends


def test_gradient_accumulates_and_dtype_is_kept():
    x = ad.tensor(np.ones((1, 1, 2, 2), np.float32), requires_grad=True)
    out = F.interpolate(x, scale_factor=3)
    assert out.dtype == np.float32 and out.shape == (1, 1, 6, 6)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.full((1, 1, 2, 2), 9.0, np.float32))
    x.grad = None
    bilinear = F.interpolate(x, size=(5, 3), mode="bilinear")
    assert bilinear.dtype == np.float32
    bilinear.sum().backward()
    assert x.grad.data.sum() == pytest.approx(15.0)  # the weights of each output sum to 1
    assert F.interpolate(ad.zeros((0, 2, 3, 3)), size=2).shape == (0, 2, 2, 2)
    assert F.interpolate(ad.tensor(np.ones((1, 1, 2, 2), np.int64)), size=3).dtype == np.int64


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"size": 2, "mode": "bicubic"}, NotImplementedError, "mode='bicubic'"),
        ({"size": 2, "mode": "area"}, NotImplementedError, "mode='area'"),
        ({"size": 2, "mode": "nearest-exact"}, NotImplementedError, "mode='nearest-exact'"),
        ({"size": 2, "mode": "cubic"}, NotImplementedError, "mode='cubic'"),
        ({"size": 2, "mode": "bilinear", "antialias": True}, NotImplementedError, "antialias"),
        ({"size": 2, "align_corners": True}, ValueError, "align_corners"),
        ({"size": 2, "scale_factor": 2}, ValueError, "only one of"),
        ({}, ValueError, "either size or scale_factor"),
        ({"size": (2, 2, 2)}, ValueError, "spatial dims"),
        ({"scale_factor": (2, 2, 2)}, ValueError, "spatial dims"),
        ({"size": 2.5}, TypeError, "size"),
        ({"size": 2, "recompute_scale_factor": True}, ValueError, "recompute_scale_factor"),
        ({"size": 0}, ShapeError, "greater than 0"),
    ],
)
def test_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        F.interpolate(ad.zeros((1, 1, 3, 3)), **kwargs)


def test_other_ranks_and_integers_refused():
    with pytest.raises(NotImplementedError, match="4-d"):
        F.interpolate(ad.zeros((1, 1, 3)), size=2)
    with pytest.raises(NotImplementedError, match="4-d"):
        F.interpolate(ad.zeros((1, 1, 3, 3, 3)), size=2)
    with pytest.raises(DtypeError, match="floating point"):
        F.interpolate(ad.tensor(np.ones((1, 1, 2, 2), np.int64)), size=3, mode="bilinear")


def test_layers():
    x = ad.tensor(np.random.default_rng(0).standard_normal((2, 3, 4, 5)))
    up = nn.Upsample(scale_factor=2, mode="bilinear")
    assert repr(up) == "Upsample(scale_factor=2.0, mode='bilinear')"
    np.testing.assert_array_equal(
        up(x).data, F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False).data
    )
    assert repr(nn.UpsamplingNearest2d(size=3)) == "UpsamplingNearest2d(size=3, mode='nearest')"
    np.testing.assert_array_equal(nn.UpsamplingNearest2d(size=3)(x).data, F.interpolate(x, 3).data)
    np.testing.assert_array_equal(
        nn.UpsamplingBilinear2d(scale_factor=2)(x).data,
        F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True).data,
    )


def test_matches_torch_values_and_gradients():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    for dtype, tol in [(np.float64, 1e-12), (np.float32, 1e-5)]:
        for _ in range(150):
            a = rng.standard_normal(tuple(int(n) for n in rng.integers(1, 9, 4))).astype(dtype)
            mode = str(rng.choice(["nearest", "bilinear"]))
            kwargs = {"mode": mode}
            if mode == "bilinear":
                kwargs["align_corners"] = bool(rng.integers(2))
            if rng.integers(2):
                kwargs["size"] = tuple(int(n) for n in rng.integers(1, 13, 2))
            else:
                kwargs["scale_factor"] = tuple(float(f) for f in rng.uniform(0.4, 3, 2))
                kwargs["recompute_scale_factor"] = bool(rng.integers(2))
            t = torch.tensor(a, requires_grad=True)
            x = ad.tensor(a, requires_grad=True)
            try:
                expected = torch.nn.functional.interpolate(t, **kwargs)
            except RuntimeError:  # an output size of 0
                with pytest.raises(ShapeError, match="greater than 0"):
                    F.interpolate(x, **kwargs)
                continue
            out = F.interpolate(x, **kwargs)
            assert out.dtype == dtype and out.shape == tuple(expected.shape)
            np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=0, atol=tol)
            w = rng.standard_normal(expected.shape).astype(dtype)
            (expected * torch.tensor(w)).sum().backward()
            (out * ad.tensor(w)).sum().backward()
            np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=0, atol=10 * tol)
