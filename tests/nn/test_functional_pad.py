"""F.pad: PyTorch's pad order (last dim first), negative pads crop, modes constant / reflect /
replicate / circular with PyTorch's limits; gradients add onto the source elements."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff as ad
import nn.functional as F
from autodiff import ShapeError
from autodiff.testing import assert_gradients_match

SETTINGS = settings(max_examples=30, deadline=None)
NUMPY_MODE = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


@st.composite
def pad_cases(draw, allow_negative=True):
    """(shape, pad tuple, mode) that PyTorch accepts."""
    mode = draw(st.sampled_from(list(NUMPY_MODE)))
    if mode == "constant":
        shape = tuple(draw(st.lists(st.integers(0, 4), min_size=1, max_size=4)))
        padded = draw(st.integers(0, len(shape)))
    else:
        padded = draw(st.integers(1, 3))
        ndim = padded + draw(st.integers(1, 2))
        shape = tuple(draw(st.lists(st.integers(1, 4), min_size=ndim, max_size=ndim)))
    pad = []
    for n in shape[::-1][:padded]:
        low = -n if allow_negative else 0
        if mode == "reflect":
            lo, hi = draw(st.integers(max(low, -n + 1), n - 1)), draw(st.integers(low, n - 1))
            hi = max(hi, -(n + lo) + 1)  # keep the dim non-empty
        elif mode == "circular":
            lo = draw(st.integers(max(low, -n), n))
            kept = n - max(0, -lo)
            hi = draw(st.integers(max(low, -kept), kept))
            if min(lo, hi) < 0:  # PyTorch wraps what is left after cropping
                kept = n - max(0, -lo) - max(0, -hi)
                lo, hi = min(lo, kept), min(hi, kept)
        elif mode == "replicate":
            lo = draw(st.integers(max(low, -n + 1), 3))
            hi = draw(st.integers(max(low, -(n + lo) + 1), 3))
        else:
            lo = draw(st.integers(max(low, -n), 3))
            hi = draw(st.integers(max(low, -(n - max(0, -lo))), 3))
        pad += [lo, hi]
    return shape, tuple(pad), mode


def reference(a: np.ndarray, pad: tuple[int, ...], mode: str) -> np.ndarray:
    """numpy: crop the negative pads (before, for circular; reflect and replicate index the
    uncropped input, so crop after), then np.pad with numpy's mode name."""
    pairs = [(0, 0)] * (a.ndim - len(pad) // 2) + [
        (pad[i], pad[i + 1]) for i in range(0, len(pad), 2)
    ][::-1]
    crop = tuple(slice(max(0, -lo), n - max(0, -hi)) for (lo, hi), n in zip(pairs, a.shape))
    grow = [(max(lo, 0), max(hi, 0)) for lo, hi in pairs]
    if mode in ("constant", "circular"):
        return np.pad(a[crop], grow, mode=NUMPY_MODE[mode])
    out = np.pad(a, grow, mode=NUMPY_MODE[mode])
    return out[tuple(slice(max(0, -lo), m - max(0, -hi)) for (lo, hi), m in zip(pairs, out.shape))]


@SETTINGS
@given(case=pad_cases(), seed=st.integers(0, 2**16))
def test_pad_forward_and_gradient(case, seed):
    shape, pad, mode = case
    a = np.random.default_rng(seed).standard_normal(shape)
    out = F.pad(ad.tensor(a), pad, mode=mode)
    np.testing.assert_array_equal(out.data, reference(a, pad, mode))
    if a.size and out.data.size:
        assert_gradients_match(lambda t: F.pad(t, pad, mode=mode), ad.tensor(a, requires_grad=True))


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_gradient_accumulates_onto_the_source(mode):
    x = ad.tensor(np.arange(4.0).reshape(1, 1, 4), requires_grad=True)
    F.pad(x, (3, 2), mode=mode).sum().backward()
    # each source element's gradient counts its copies in the output
    copies = np.bincount(reference(np.arange(4).reshape(1, 1, 4), (3, 2), mode).ravel(), None, 4)
    np.testing.assert_array_equal(x.grad.data.ravel(), copies)


def test_constant_value_dtype_and_empty():
    x = ad.tensor(np.ones((2, 3), np.float32))
    out = F.pad(x, (1, 0, 0, 2), value=-1.5)
    assert out.dtype == np.float32 and out.shape == (4, 4)
    assert out.data[3, 0] == -1.5
    assert F.pad(x, (0, 0)).shape == (2, 3)
    assert F.pad(x, (-3, 1)).shape == (2, 1)  # cropped to nothing, then padded
    assert F.pad(ad.zeros((0, 2, 3)), (1, 1), mode="reflect").shape == (0, 2, 5)  # empty batch
    for mode in ("reflect", "replicate", "circular"):
        assert F.pad(x.reshape(1, 2, 3), (1, 1), mode=mode).dtype == np.float32


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda x: F.pad(x, (1, 1, 1)), ShapeError, "divisible by 2"),
        (lambda x: F.pad(x, (1,) * 8), ShapeError, "two times the input dimension"),
        (lambda x: F.pad(x, (1, 1), mode="wrap"), NotImplementedError, "unrecognised"),
        (lambda x: F.pad(x, (1, 1), mode="reflect", value=1.0), ShapeError, "value argument"),
        (lambda x: F.pad(x, (4, 0), mode="reflect"), ShapeError, "less than"),
        (lambda x: F.pad(x, (5, 0), mode="circular"), ShapeError, "more than once"),
        (lambda x: F.pad(x, (1,) * 6, mode="reflect"), NotImplementedError, "padding size 6"),
        (lambda x: F.pad(x[0, 0], (1, 1), mode="replicate"), NotImplementedError, "1-d"),
        (lambda x: F.pad(x, (-5, 1)), ShapeError, "crops more"),
        (lambda x: F.pad(x, (-2, -2), mode="replicate"), ShapeError, "too small"),
        (lambda x: F.pad(x, (1.5, 1)), TypeError, "tuple of ints"),
    ],
)
def test_errors_as_pytorch(call, error, match):
    with pytest.raises(error, match=match):
        call(ad.tensor(np.zeros((1, 3, 4))))


def test_matches_torch_values_and_gradients():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    checked = 0
    for _ in range(300):
        mode = str(rng.choice(list(NUMPY_MODE)))
        shape = tuple(int(n) for n in rng.integers(1, 5, int(rng.integers(2, 5))))
        length = 2 * int(rng.integers(1, min(3, len(shape) - 1) + 1))
        pad = tuple(int(p) for p in rng.integers(-3, 4, length))
        a = rng.standard_normal(shape)
        t = torch.tensor(a, requires_grad=True)
        try:
            expected = torch.nn.functional.pad(t, pad, mode=mode)
        except (RuntimeError, NotImplementedError):
            continue  # errors: see test_errors_as_pytorch
        x = ad.tensor(a, requires_grad=True)
        try:
            out = F.pad(x, pad, mode=mode)
        except ShapeError:
            # circular pads longer than what is left after cropping: PyTorch reads memory
            # outside the input (or refuses), glassgrad refuses
            assert mode == "circular"
            continue
        np.testing.assert_array_equal(out.data, expected.detach().numpy())
        w = rng.standard_normal(expected.shape)
        (expected * torch.tensor(w)).sum().backward()
        (out * ad.tensor(w)).sum().backward()
        np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-12, atol=1e-12)
        checked += 1
    assert checked > 100
