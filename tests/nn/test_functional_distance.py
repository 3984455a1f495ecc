"""normalize, cosine_similarity, pairwise_distance and their layers: PyTorch's formulas and eps
conventions (cosine_similarity clamps each norm, its gradient passes the clamp; pairwise_distance
adds eps to the difference)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import autodiff as ad
import nn
import nn.functional as F
from autodiff import DtypeError
from autodiff.testing import assert_gradients_match, broadcastable_shapes, tensors

SETTINGS = settings(max_examples=25, deadline=None)
NORMS = [2.0, 1.0, 3.0, 0.5, float("inf")]


@SETTINGS
@given(shape=st.sampled_from([(3,), (2, 3), (2, 3, 4)]), p=st.sampled_from(NORMS), data=st.data())
def test_normalize_gradient(shape, p, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    # away from the norms' kinks: |x| at 0, max at ties
    x = data.draw(tensors(shape, distinct=True))
    assume(np.abs(x.data).min() > 0.05)
    out = F.normalize(x, p, dim)
    norm = np.linalg.norm(x.data, ord=p, axis=dim, keepdims=True) if p != 0.5 else None
    if norm is not None:
        np.testing.assert_allclose(out.data, x.data / np.maximum(norm, 1e-12), rtol=1e-12)
    assert_gradients_match(lambda t: F.normalize(t, p, dim), x)


@SETTINGS
@given(pair=broadcastable_shapes(2, min_dims=1), data=st.data())
def test_cosine_similarity_gradient_with_broadcasting(pair, data):
    a, b = (data.draw(tensors(s, away_from=(0.0,), margin=0.1)) for s in pair)  # norm's kink
    ndim = max(len(s) for s in pair)
    dim = data.draw(st.integers(-ndim, ndim - 1))
    out = F.cosine_similarity(a, b, dim)
    aa, bb = np.broadcast_arrays(a.data, b.data)
    na = np.maximum(np.linalg.norm(aa, axis=dim, keepdims=True), 1e-8)
    nb = np.maximum(np.linalg.norm(bb, axis=dim, keepdims=True), 1e-8)
    np.testing.assert_allclose(out.data, ((aa / na) * (bb / nb)).sum(dim), rtol=1e-10, atol=1e-14)
    assert_gradients_match(lambda s, t: F.cosine_similarity(s, t, dim), a, b)


@SETTINGS
@given(pair=broadcastable_shapes(2, min_dims=1), p=st.sampled_from(NORMS), data=st.data())
def test_pairwise_distance_gradient(pair, p, data):
    a, b = (data.draw(tensors(s)) for s in pair)
    keepdim = data.draw(st.booleans())
    diff = a.data - b.data + 1e-6
    assume(np.abs(diff).min() > 1e-2)  # |.| has a kink at 0
    if p == np.inf:  # and max a kink at ties
        top = np.sort(np.abs(np.broadcast_to(diff, np.broadcast_shapes(diff.shape))), -1)
        assume(diff.shape[-1] == 1 or (top[..., -1] - top[..., -2]).min() > 1e-2)
    out = F.pairwise_distance(a, b, p, keepdim=keepdim)
    diff = a.data - b.data + 1e-6
    norm = (np.abs(diff) ** p).sum(-1, keepdims=keepdim) ** (1 / p) if p != np.inf else None
    if norm is not None:
        np.testing.assert_allclose(out.data, norm, rtol=1e-10)
    assert_gradients_match(lambda s, t: F.pairwise_distance(s, t, p, keepdim=keepdim), a, b)


def test_zero_and_tiny_vectors_float32_and_errors():
    zero = ad.zeros((2, 3), requires_grad=True)
    F.normalize(zero).sum().backward()
    np.testing.assert_array_equal(zero.grad.data, np.full((2, 3), 1e12, np.float32))  # 1 / eps
    x32 = ad.tensor(np.ones((2, 3), np.float32))
    for out in (
        F.normalize(x32),
        F.cosine_similarity(x32, x32),
        F.pairwise_distance(x32, x32),
        nn.CosineSimilarity(dim=0)(x32, x32),
        nn.PairwiseDistance(p=1.0, keepdim=True)(x32, x32),
    ):
        assert out.dtype == np.float32
    assert F.cosine_similarity(zero, x32).data.tolist() == [0.0, 0.0]
    assert F.pairwise_distance(ad.tensor(1.0), ad.tensor(1.0)).shape == ()
    assert F.cosine_similarity(ad.zeros((2, 0)), ad.zeros((2, 0))).shape == (2,)
    with pytest.raises(DtypeError, match="floating point"):
        F.cosine_similarity(ad.tensor([1, 2]), ad.tensor([3, 4]), dim=0)
    with pytest.raises(DtypeError, match="floating point"):
        F.normalize(ad.tensor([1, 2]), dim=0)
    with pytest.raises(ValueError):
        F.cosine_similarity(ad.zeros((2, 3)), ad.zeros((2, 4)))


def test_matches_torch_values_and_gradients():
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((2, 3, 4))
    cases = [(tf.normalize, F.normalize, (x,), {"p": p}) for p in [*NORMS, 0.0]] + [
        (tf.normalize, F.normalize, (x * 1e-14,), {"dim": 0}),
        (tf.normalize, F.normalize, (np.zeros((3, 4)),), {}),
        (tf.pairwise_distance, F.pairwise_distance, (x, y), {"p": 0.0}),
        (tf.pairwise_distance, F.pairwise_distance, (x, y), {"p": -1.0}),
        (tf.pairwise_distance, F.pairwise_distance, (x, y[0]), {"p": 3.0, "keepdim": True}),
        (tf.pairwise_distance, F.pairwise_distance, (x, x - 1e-6), {}),
        (tf.pairwise_distance, F.pairwise_distance, (x[0, 0], y[0, 0]), {}),
    ]
    for a, b in [(x, y), (x * 1e-10, y), (np.zeros((3, 4)), y), (x[:, None], y[None])]:
        cases += [
            (tf.cosine_similarity, F.cosine_similarity, (a, b), {}),
            (tf.cosine_similarity, F.cosine_similarity, (a, b), {"dim": -1, "eps": 0.5}),
        ]
    for torch_fn, ours, arrays, kwargs in cases:
        ts = [torch.tensor(a, requires_grad=True) for a in arrays]
        gs = [ad.tensor(a, requires_grad=True) for a in arrays]
        expected, out = torch_fn(*ts, **kwargs), ours(*gs, **kwargs)
        np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12, atol=1e-15)
        w = rng.standard_normal(expected.shape)
        (expected * torch.tensor(w)).sum().backward()
        (out * ad.tensor(w)).sum().backward()
        for t, g in zip(ts, gs, strict=True):
            want = np.zeros(t.shape) if t.grad is None else t.grad.numpy()
            got = np.zeros(g.shape) if g.grad is None else g.grad.data
            np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)
