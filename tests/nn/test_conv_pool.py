"""Tests for the fused conv2d, max_pool2d and avg_pool2d of nn.functional.

The reference is a naive implementation written here with explicit Python loops over every
output position — forward, and backward as the loop's own derivative (each output element's
gradient added back into the window it was computed from). Hypothesis compares the fused ops
with it over random shapes, kernels, strides and paddings; gradcheck confirms both against
central differences in float64.
"""

from __future__ import annotations

import re
import sys

import numpy as np
import pytest
from conv_support import conv_cases, leaves, pool_cases
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff
from autodiff import ShapeError, Tensor
from nn.functional.conv import conv2d
from nn.functional.pool import avg_pool2d, max_pool2d


# ------------------------------------------------------------------------ naive references
def naive_pad(x, padding, value=0.0):
    (ph, pw), (n, c, h, w) = padding, x.shape
    xp = np.full((n, c, h + 2 * ph, w + 2 * pw), value)
    xp[:, :, ph : ph + h, pw : pw + w] = x
    return xp


def naive_out_size(xp_shape, kernel, stride):
    return (xp_shape[2] - kernel[0]) // stride[0] + 1, (xp_shape[3] - kernel[1]) // stride[1] + 1


def naive_conv2d(x, w, b, stride, padding, g):
    """Forward and backward of conv2d, one output element at a time.

    Returns (out, dx, dw, db) for the upstream gradient g (shaped like out, or None).
    """
    xp = naive_pad(x, padding)
    n_img, f_out, (kh, kw) = x.shape[0], w.shape[0], w.shape[2:]
    ho, wo = naive_out_size(xp.shape, (kh, kw), stride)
    out = np.zeros((n_img, f_out, ho, wo))
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    for n in range(n_img):
        for f in range(f_out):
            for i in range(ho):
                for j in range(wo):
                    rows = slice(i * stride[0], i * stride[0] + kh)
                    cols = slice(j * stride[1], j * stride[1] + kw)
                    out[n, f, i, j] = np.sum(xp[n, :, rows, cols] * w[f])
                    if b is not None:
                        out[n, f, i, j] += b[f]
                    if g is not None:
                        dxp[n, :, rows, cols] += g[n, f, i, j] * w[f]
                        dw[f] += g[n, f, i, j] * xp[n, :, rows, cols]
    h, wd = x.shape[2:]
    dx = dxp[:, :, padding[0] : padding[0] + h, padding[1] : padding[1] + wd]
    db = None if g is None else g.sum(axis=(0, 2, 3))
    return out, dx, dw, db


def naive_pool(kind, x, kernel, stride, padding, g):
    """Forward and backward of max or avg pooling, one window at a time: (out, dx)."""
    xp = naive_pad(x, padding, -np.inf if kind == "max" else 0.0)
    ho, wo = naive_out_size(xp.shape, kernel, stride)
    out = np.zeros(x.shape[:2] + (ho, wo))
    dxp = np.zeros_like(xp)
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            for i in range(ho):
                for j in range(wo):
                    y0, x0 = i * stride[0], j * stride[1]
                    window = xp[n, c, y0 : y0 + kernel[0], x0 : x0 + kernel[1]]
                    if kind == "max":
                        out[n, c, i, j] = window.max()
                        a, b = np.unravel_index(np.argmax(window), kernel)  # first maximum
                        dxp[n, c, y0 + a, x0 + b] += g[n, c, i, j]
                    else:
                        out[n, c, i, j] = window.mean()
                        dxp[n, c, y0 : y0 + kernel[0], x0 : x0 + kernel[1]] += g[n, c, i, j] / (
                            kernel[0] * kernel[1]
                        )
    h, w = x.shape[2:]
    return out, dxp[:, :, padding[0] : padding[0] + h, padding[1] : padding[1] + w]


# ------------------------------------------------------------------ against the reference
@settings(max_examples=30, deadline=None)
@given(conv_cases(), st.sampled_from([0, 10**9]), st.sampled_from([1, 10**9]))
def test_conv2d_matches_naive_loops(case, per_image_max, budget):
    # per_image_max: every product one GEMM for the batch (0), or one GEMM per image (10**9);
    # budget: the forward's columns made and multiplied an image at a time (1), or at once.
    from unittest import mock

    from nn.functional import conv

    x_shape, w_shape, has_bias, stride, padding, seed = case
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[0]) if has_bias else None
    xt, wt, bt = leaves(x, w, b)

    with (
        mock.patch.object(conv, "_per_image", lambda *_: per_image_max > 0),
        mock.patch.object(conv, "_SLICE_BYTES", budget),
    ):
        y = conv2d(xt, wt, bt, stride=stride, padding=padding)
        g = rng.standard_normal(y.shape)
        y.backward(g)

    out, dx, dw, db = naive_conv2d(x, w, b, stride, padding, g)
    np.testing.assert_allclose(y.data, out, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(xt.grad.data, dx, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(wt.grad.data, dw, rtol=1e-10, atol=1e-12)
    if has_bias:
        np.testing.assert_allclose(bt.grad.data, db, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kind", ["max", "avg"])
@settings(max_examples=30, deadline=None)
@given(case=pool_cases())
def test_pooling_matches_naive_loops(kind, case):
    shape, kernel, stride, padding, ties, seed = case
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 3, shape).astype(np.float64) if ties else rng.standard_normal(shape)
    (xt,) = leaves(x)

    pool = max_pool2d if kind == "max" else avg_pool2d
    y = pool(xt, kernel, stride, padding)
    g = rng.standard_normal(y.shape)
    y.backward(g)

    out, dx = naive_pool(kind, x, kernel, stride or kernel, padding, g)
    np.testing.assert_allclose(y.data, out, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(xt.grad.data, dx, rtol=1e-12, atol=1e-12)


def test_max_pool_ties_send_the_gradient_to_the_first_maximum():
    x = Tensor(
        np.array([[[[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 0.0]]]]), requires_grad=True
    )
    max_pool2d(x, 2, stride=1).sum().backward()
    # Windows at (0,0), (0,1) and (1,0) all contain the tied 1s; each picks its first one.
    np.testing.assert_array_equal(
        x.grad.data[0, 0], [[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 0.0]]
    )
    z = Tensor(np.zeros((1, 1, 2, 2)), requires_grad=True)
    max_pool2d(z, 2).sum().backward()
    np.testing.assert_array_equal(z.grad.data[0, 0], [[1.0, 0.0], [0.0, 0.0]])


def test_max_pool_padding_never_wins():
    x = Tensor(-np.ones((1, 1, 2, 2)) * 1e30, requires_grad=True)
    y = max_pool2d(x, 3, stride=1, padding=1)
    np.testing.assert_array_equal(y.data, np.full((1, 1, 2, 2), -1e30))
    y.sum().backward()
    assert x.grad.data.sum() == 4.0


@pytest.mark.parametrize(
    "kernel, stride, padding", [(3, 1, 1), (3, 2, 1), (2, 2, 1), ((3, 2), (1, 2), (1, 1))]
)
def test_max_pool_padding_never_wins_a_window_of_minus_infinities(kernel, stride, padding):
    # Real pixels equal to the pad value (-inf): the window's gradient goes to its first real
    # pixel, as in PyTorch, not to the padding (where it would be dropped).
    from nn.functional import pool

    x = np.full((2, 2, 4, 5), -np.inf)
    x[0, 0, 1, 2] = 1.0  # one window with a finite maximum, beside all -inf ones
    ours = Tensor(x, requires_grad=True)
    max_pool2d(ours, kernel, stride, padding).sum().backward()
    out_size = pool._geometry("max_pool2d", x.shape, kernel, stride, padding)["out_size"]
    assert ours.grad.data.sum() == 2 * 2 * out_size[0] * out_size[1]  # every window's grad kept

    torch = pytest.importorskip("torch")
    theirs = torch.tensor(x, requires_grad=True)
    torch.nn.functional.max_pool2d(theirs, kernel, stride, padding).sum().backward()
    np.testing.assert_array_equal(ours.grad.data, theirs.grad.numpy())


# ------------------------------------------------------------------------------ gradcheck
def test_conv2d_gradcheck_all_inputs():
    rng = np.random.default_rng(0)
    x, w, b = (
        rng.standard_normal((2, 3, 6, 5)),
        rng.standard_normal((4, 3, 3, 2)),
        rng.standard_normal(4),
    )
    for stride, padding in [(1, 0), ((2, 1), (1, 2)), (3, 1)]:
        autodiff.gradcheck(
            lambda x, w, b, s=stride, p=padding: conv2d(x, w, b, stride=s, padding=p), x, w, b
        )


def test_max_pool2d_gradcheck_with_well_separated_values():
    rng = np.random.default_rng(1)
    # Distinct values 0.1 apart: a step of eps = 1e-6 never changes which element is the max.
    x = rng.permutation(2 * 3 * 7 * 6).reshape(2, 3, 7, 6) * 0.1
    for kernel, stride, padding in [(2, None, 0), (3, 2, 1), ((3, 2), 1, (1, 0))]:
        autodiff.gradcheck(lambda x, k=kernel, s=stride, p=padding: max_pool2d(x, k, s, p), x)


def test_avg_pool2d_gradcheck():
    x = np.random.default_rng(2).standard_normal((2, 3, 7, 6))
    for kernel, stride, padding in [(2, None, 0), (3, 2, 1), ((3, 2), 1, (1, 0))]:
        autodiff.gradcheck(lambda x, k=kernel, s=stride, p=padding: avg_pool2d(x, k, s, p), x)


# ----------------------------------------------------------------------------------- dtype
def test_float32_stays_float32_end_to_end():
    rng = np.random.default_rng(3)
    x = Tensor(rng.standard_normal((4, 3, 12, 12), dtype=np.float32), requires_grad=True)
    w1 = Tensor(rng.standard_normal((6, 3, 3, 3), dtype=np.float32), requires_grad=True)
    b1 = Tensor(rng.standard_normal(6, dtype=np.float32), requires_grad=True)
    w2 = Tensor(rng.standard_normal((5, 6, 2, 2), dtype=np.float32), requires_grad=True)

    h1 = conv2d(x, w1, b1, stride=1, padding=1)
    h2 = max_pool2d(autodiff.relu(h1), 3, stride=2, padding=1)
    h3 = conv2d(h2, w2, stride=2)
    y = avg_pool2d(h3, 2, stride=1, padding=1)
    for h in (h1, h2, h3, y):
        assert h.dtype == np.float32
    y.sum().backward(retain_graph=True)  # kept: the nodes' backward is called again below
    for leaf in (x, w1, b1, w2):
        assert leaf.grad.dtype == np.float32

    # The engine casts gradients to the input's dtype, which would hide an upcast inside a
    # backward (and its cost): ask the nodes themselves.
    for node_out in (h1, h2, h3, y):
        node = node_out.grad_fn
        g = np.ones(node_out.shape, dtype=np.float32)
        grads = type(node).backward(node, g)
        for grad in grads if isinstance(grads, tuple) else (grads,):
            assert grad is None or grad.dtype == np.float32, type(node).__name__


# --------------------------------------------------------------------------- other inputs
def test_only_needed_gradients_and_no_bias():
    rng = np.random.default_rng(4)
    x = Tensor(rng.standard_normal((2, 2, 5, 5)))  # data: no gradient wanted
    w = Tensor(rng.standard_normal((3, 2, 3, 3)), requires_grad=True)
    y = conv2d(x, w, padding=1)
    g = rng.standard_normal(y.shape)
    y.backward(g)
    assert x.grad is None
    _, _, dw, _ = naive_conv2d(x.data, w.data, None, (1, 1), (1, 1), g)
    np.testing.assert_allclose(w.grad.data, dw, rtol=1e-10)
    assert y.grad_fn.op_name() == "conv2d"


def test_recycled_buffers_never_leak_between_graphs():
    # conv2d reuses its im2col buffers once a backward is done with them. Graphs of one shape
    # differentiated in any order, a retained graph differentiated twice, and forwards under
    # no_grad in between must all still compute with their own columns.
    rng = np.random.default_rng(7)
    xs = [rng.standard_normal((2, 3, 6, 6)) for _ in range(3)]
    w = Tensor(rng.standard_normal((4, 3, 3, 3)), requires_grad=True)
    g = rng.standard_normal((2, 4, 6, 6))
    refs = [naive_conv2d(x, w.data, None, (1, 1), (1, 1), g) for x in xs]
    inputs = [Tensor(x, requires_grad=True) for x in xs]

    def backward_and_check(i, y, **kwargs):
        w.grad = inputs[i].grad = None
        y.backward(g, **kwargs)
        np.testing.assert_allclose(w.grad.data, refs[i][2], rtol=1e-10)
        np.testing.assert_allclose(inputs[i].grad.data, refs[i][1], rtol=1e-10)

    y0 = conv2d(inputs[0], w, padding=1)
    y1 = conv2d(inputs[1], w, padding=1)
    backward_and_check(1, y1, retain_graph=True)  # y1's columns are recycled...
    y2 = conv2d(inputs[2], w, padding=1)  # ...and refilled here
    with autodiff.no_grad():
        for x, (out, *_) in zip(xs, refs):
            np.testing.assert_allclose(conv2d(x, w, padding=1).data, out, rtol=1e-10)
    backward_and_check(0, y0)
    backward_and_check(2, y2)
    backward_and_check(1, y1)  # the retained graph again: its columns are rebuilt from x


def test_non_contiguous_inputs():
    rng = np.random.default_rng(5)
    base = rng.standard_normal((6, 7, 3, 2))
    x = base.transpose(3, 2, 1, 0)  # (2, 3, 7, 6), no axis contiguous in the usual order
    w = rng.standard_normal((4, 3, 3, 3))[:, :, ::-1, :]
    out, *_ = naive_conv2d(x, w.copy(), None, (1, 2), (0, 0), None)
    np.testing.assert_allclose(conv2d(x, w, stride=(1, 2)).data, out, rtol=1e-10)
    pooled, _ = naive_pool("max", x, (2, 2), (2, 2), (0, 0), np.zeros((2, 3, 3, 3)))
    np.testing.assert_array_equal(max_pool2d(Tensor(x), 2).data, pooled)


# ---------------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("x_shape", "w_shape", "b_shape", "kwargs", "message"),
    [
        pytest.param(
            (8, 8), (4, 3, 3, 3), None, {},
            "conv2d: expected input (N, C, H, W), got shape (8, 8)",
            id="input-ndim",
        ),
        pytest.param(
            (1, 3, 8, 8), (4, 3, 3), None, {},
            "conv2d: expected weight (F, C, kh, kw), got shape (4, 3, 3)",
            id="weight-ndim",
        ),
        pytest.param(
            (2, 3, 8, 8), (4, 2, 3, 3), None, {},
            "conv2d: input (2, 3, 8, 8) has 3 channels but weight (4, 2, 3, 3) expects 2",
            id="channels",
        ),
        pytest.param(
            (1, 1, 2, 2), (1, 1, 5, 5), None, {"padding": 1},
            "conv2d: kernel (5, 5) is larger than the padded input (4, 4) "
            "(input (1, 1, 2, 2), padding (1, 1))",
            id="kernel-too-large",
        ),
        pytest.param(
            (1, 3, 8, 8), (4, 3, 3, 3), (3,), {},
            "conv2d: expected bias of shape (4,) for weight (4, 3, 3, 3), got shape (3,)",
            id="bias",
        ),
    ],
)  # fmt: skip
def test_conv2d_shape_errors(x_shape, w_shape, b_shape, kwargs, message):
    b = None if b_shape is None else Tensor(np.zeros(b_shape))
    with pytest.raises(ShapeError, match=re.escape(message)):
        conv2d(Tensor(np.zeros(x_shape)), Tensor(np.zeros(w_shape)), b, **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"stride": 0}, r"conv2d: stride must be a positive int or a pair of them, got 0"),
        ({"stride": (1, 2, 3)}, r"conv2d: stride must be .* got \(1, 2, 3\)"),
        ({"padding": -1}, r"conv2d: padding must be a non-negative int .* got -1"),
        ({"padding": 1.5}, r"conv2d: padding must be .* got 1.5"),
    ],
)
def test_conv2d_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        conv2d(Tensor(np.zeros((1, 1, 4, 4))), Tensor(np.zeros((1, 1, 3, 3))), **kwargs)


@pytest.mark.parametrize("pool", [max_pool2d, avg_pool2d])
def test_pool_errors(pool):
    name = pool.__name__
    with pytest.raises(
        ShapeError, match=rf"{name}: expected input \(N, C, H, W\), got shape \(8, 8\)"
    ):
        pool(Tensor(np.zeros((8, 8))), 2)
    with pytest.raises(
        ShapeError, match=rf"{name}: kernel \(5, 5\) is larger than the padded input \(4, 4\)"
    ):
        pool(Tensor(np.zeros((1, 1, 2, 2))), 5, padding=1)
    with pytest.raises(
        ValueError, match=rf"{name}: padding \(2, 2\) must be at most half the kernel \(3, 3\)"
    ):
        pool(Tensor(np.zeros((1, 1, 8, 8))), 3, padding=2)
    with pytest.raises(ValueError, match=rf"{name}: kernel_size must be a positive int"):
        pool(Tensor(np.zeros((1, 1, 8, 8))), 0)


@pytest.mark.parametrize(
    "op",
    [
        lambda x: conv2d(x, Tensor(np.ones((2, 1, 2, 2)), requires_grad=True)),
        lambda x: max_pool2d(x, 2),
        lambda x: avg_pool2d(x, 2),
    ],
    ids=["conv2d", "max_pool2d", "avg_pool2d"],
)
def test_create_graph_raises_a_clear_error(op):
    x = Tensor(np.random.default_rng(6).standard_normal((1, 1, 4, 4)), requires_grad=True)
    y = (op(x) ** 2).sum()
    with pytest.raises(RuntimeError, match=r"Backward does not support create_graph=True"):
        autodiff.gradients(y, [x], create_graph=True)


# ------------------------------------------------------- fast paths against the plain ones
@st.composite
def disjoint_pool_cases(draw):
    kernel = draw(st.tuples(st.integers(1, 3), st.integers(1, 3)))
    stride = draw(st.just(kernel) | st.tuples(*(st.integers(k, k + 2) for k in kernel)))
    h, w = (draw(st.integers(k, 9)) for k in kernel)
    shape = (draw(st.integers(1, 5)), draw(st.integers(1, 3)), h, w)
    values = draw(st.sampled_from(["normal", "ties", "extremes"]))
    budget = draw(st.sampled_from([1, 10**9]))  # one image per slice, or all in one slice
    return shape, kernel, stride, values, budget, draw(st.integers(0, 2**32 - 1))


@settings(max_examples=40, deadline=None)
@given(disjoint_pool_cases())
def test_max_pool_disjoint_backward_matches_the_plain_one(case):
    from unittest import mock

    from nn.functional import _chunks, pool

    shape, kernel, stride, values, budget, seed = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(np.float32)
    if values == "ties":
        x = np.maximum(np.round(x), 0)  # whole windows of zeros, as after a ReLU
    elif values == "extremes":
        x.flat[rng.integers(0, x.size, 3)] = [np.inf, -np.inf, np.nan]
    out_size = pool._geometry("max_pool2d", shape, kernel, stride, 0)["out_size"]
    with mock.patch.object(_chunks, "CACHE_BYTES", budget):
        out = max_pool2d(Tensor(x), kernel, stride).data
    plain = pool.windows(x, kernel, stride, out_size).max(axis=(4, 5))
    np.testing.assert_array_equal(out, plain)
    g = rng.standard_normal(out.shape).astype(np.float32)
    want = pool._max_pool_backward(x, out, g, kernel, stride, (0, 0), out_size)
    with mock.patch.object(_chunks, "CACHE_BYTES", budget):
        got = pool._max_pool_backward_disjoint(x, out, g, kernel, stride, out_size)
    assert got.dtype == want.dtype == np.float32
    np.testing.assert_array_equal(got, want)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 40),
    st.integers(0, 40),
    st.integers(0, 5000),
    st.sampled_from([None, 1, 64, 4096]),
)
def test_batch_slices_and_within_match_their_plain_definition(start, n, item_bytes, budget):
    # One slice (a batch of one, a small part) takes a shortcut: the same slices as the rest.
    from nn.functional import _chunks

    limit = _chunks.CACHE_BYTES if budget is None else budget
    step = max(1, limit // max(1, item_bytes))
    want = [slice(i, min(i + step, n)) for i in range(0, n, step)]
    assert _chunks.batch_slices(n, item_bytes, budget) == want
    shifted = [slice(start + part.start, start + part.stop) for part in want]
    assert _chunks.within(slice(start, start + n), item_bytes, budget) == shifted


@st.composite
def tiled_2x2_cases(draw):
    n, c = draw(st.integers(1, 5)), draw(st.integers(1, 3))
    shape = (n, c, 2 * draw(st.integers(1, 6)), 2 * draw(st.integers(1, 6)))
    dtype = draw(st.sampled_from([np.float16, np.float32]))
    values = draw(st.sampled_from(["normal", "ties", "specials"]))
    budget = draw(st.sampled_from([1, 10**9]))  # one image per slice, or all in one slice
    split = draw(st.booleans())  # the batch on two threads
    return shape, dtype, values, budget, split, draw(st.integers(0, 2**32 - 1))


@settings(max_examples=40, deadline=None)
@given(tiled_2x2_cases())
def test_max_pool_2x2_pairs_backward_gives_the_plain_ones_bits(case):
    # The 2x2 fast path (pixel pairs as one integer, bytes of the comparisons picking the
    # first maximum) against the plain per-offset version, bit for bit: ties, -0.0 against
    # +0.0, infinities and NaN pixels, infinite and NaN gradients
    from unittest import mock

    from nn.functional import pool

    shape, dtype, values, budget, split, seed = case
    rng = np.random.default_rng(seed)
    if values == "normal":
        x = rng.standard_normal(shape)
    elif values == "ties":  # whole windows of zeros, as after a ReLU
        x = np.maximum(np.round(rng.standard_normal(shape)), 0)
    else:
        x = rng.choice([0.0, -0.0, 1.0, -1.0, 2.0, np.inf, -np.inf, np.nan], size=shape)
    x = x.astype(dtype)
    out_size = (shape[2] // 2, shape[3] // 2)
    out = pool._separable_max(x, (2, 2), (2, 2), out_size)
    g = rng.choice(np.array([1.5, -2.0, 0.0, -0.0, np.inf, -np.inf, np.nan]), out.shape)
    g = np.where(rng.random(out.shape) < 0.5, rng.standard_normal(out.shape), g).astype(dtype)
    want = pool._max_pool_backward(x, out, g, (2, 2), (2, 2), (0, 0), out_size)
    calls = []
    pairs = pool._max_pool_backward_pairs

    def counted(*args):
        calls.append(len(args[0]))
        return pairs(*args)

    autodiff.set_num_threads(2 if split else 1)
    try:
        with (
            mock.patch.object(pool, "_PAIRS_SLICE_BYTES", budget),
            mock.patch.object(pool, "_PAIRS_MIN_ELEMENTS", 0),  # these small images too
            mock.patch.object(pool, "_max_pool_backward_pairs", counted),
            mock.patch.object(autodiff.threads, "MIN_ELEMENTS_PER_THREAD", 1),
        ):
            got = pool._max_pool_backward_disjoint(x, out, g, (2, 2), (2, 2), out_size)
    finally:
        autodiff.set_num_threads(1)
    assert sum(calls) == shape[0] and (budget > 1 or len(calls) == shape[0])
    assert got.dtype == want.dtype == dtype
    np.testing.assert_array_equal(got.view(f"u{x.itemsize}"), want.view(f"u{x.itemsize}"))


def test_max_pool_2x2_pairs_path_is_off_on_a_big_endian_machine():
    # Its choice of the first maximum reads the lowest set byte as the first pixel
    from unittest import mock

    from nn.functional import pool

    x = np.zeros((1, 1, 2, 2), dtype=np.float32)
    assert pool._pairs_fit(x, x) == (sys.byteorder == "little")
    with mock.patch.object(pool, "_LITTLE_ENDIAN", False):
        assert not pool._pairs_fit(x, x)


def test_max_pool_2x2_backward_off_the_pairs_path_matches_too():
    # float64 (no integer twice its width), a non-contiguous input and a wider gradient take
    # the per-offset path; all give the plain version's gradient
    from nn.functional import pool

    rng = np.random.default_rng(5)
    base = np.maximum(np.round(rng.standard_normal((3, 2, 6, 8))), 0)
    cases = [
        (base, base.dtype),  # float64
        (base.astype(np.float32).transpose(0, 1, 3, 2)[:, :, :6, :6], np.float32),  # strided
        (base.astype(np.float32), np.float64),  # float64 gradient for float32 pixels
    ]
    for x, gdtype in cases:
        out_size = (x.shape[2] // 2, x.shape[3] // 2)
        out = pool._separable_max(x, (2, 2), (2, 2), out_size)
        g = rng.standard_normal(out.shape).astype(gdtype)
        assert not pool._pairs_fit(x, g)
        want = pool._max_pool_backward(x, out, g, (2, 2), (2, 2), (0, 0), out_size)
        got = pool._max_pool_backward_disjoint(x, out, g, (2, 2), (2, 2), out_size)
        np.testing.assert_array_equal(got, want)


@settings(max_examples=30, deadline=None)
@given(
    conv_cases(),
    st.sampled_from([1, 10**9]),
    st.sampled_from(["xwb", "wb", "x", "b"]),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
def test_conv2d_sliced_backward_matches_the_plain_one(
    case, budget, wanted, ones_row, split, shifts
):
    # dx on extra-wide columns, a GEMM per image, a slice of images at a time (split: the
    # slices of a thread's part of the batch); shifts: the GEMM on kw shifted copies of the
    # gradient (widen_shifted), whatever the layer's shapes would choose
    from unittest import mock

    from nn.functional import conv

    x_shape, w_shape, _, _, padding, seed = case
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    xp = conv.pad(x, padding)
    out_size = conv.output_size(x_shape[2:], w_shape[2:], (1, 1), padding)
    g = rng.standard_normal((x_shape[0], w_shape[0], *out_size))
    needs = ("x" in wanted, "w" in wanted, "b" in wanted)

    def cols(ones_row=False):
        return conv.im2col(xp, w_shape[2:], (1, 1), out_size, ones_row).copy()

    want = conv._backward(g, w, cols(), xp.shape, (1, 1), padding, out_size, needs)
    # With the bias's row of ones or not; dweight per image (small products) or folded.
    per_image_max = 0 if budget == 1 else 10**9
    with (
        mock.patch.object(conv, "_DX_SLICE_BYTES", budget),
        mock.patch.object(conv, "_THREADED_SLICE_BYTES", budget),
        mock.patch.object(conv, "_per_image", lambda *_: per_image_max > 0),
        mock.patch.object(conv, "_shifts_in_product", lambda *_: shifts),
    ):
        got = conv._backward_by_slices(g, w, cols(ones_row), xp.shape, padding, needs, split=split)
    for name, a, b in zip("xwb", got, want):
        assert (a is None) == (name not in wanted)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
            assert a.flags.c_contiguous or name != "x"


@settings(max_examples=30, deadline=None)
@given(
    st.tuples(st.integers(1, 3), st.integers(1, 4), st.integers(1, 5), st.integers(1, 6)),
    st.integers(1, 4),
    st.integers(0, 2**32 - 1),
)
def test_widen_shifted_is_each_shift_of_the_widened_planes(shape, copies, seed):
    from nn.functional import _im2col

    g = np.random.default_rng(seed).standard_normal(shape)
    n, f, ho, wo = shape
    width = wo + copies - 1 + seed % 2  # the room the shifts need, or one more column
    got = _im2col.widen_shifted(g, width, copies).reshape(n, copies, f, ho, width)
    for b in range(copies):
        want = np.zeros((n, f, ho, width))
        want[..., b : b + wo] = g  # g[n, f, i, j - b] at column j
        np.testing.assert_array_equal(got[:, b], want)
    with pytest.raises(ValueError, match="widen_shifted: width"):
        _im2col.widen_shifted(g, wo + copies - 2, copies)


def test_conv2d_dx_shifts_in_its_product_where_the_copies_cost_less_than_the_adds():
    from nn.functional import conv

    assert conv._shifts_in_product(c=8, f=16, kh=3, kw=3)  # W3's second convolution
    assert conv._shifts_in_product(c=32, f=64, kh=3, kw=3)  # W8's
    assert not conv._shifts_in_product(c=1, f=32, kh=3, kw=3)  # a first layer
    assert not conv._shifts_in_product(c=64, f=64, kh=3, kw=1)  # nothing to shift


@settings(max_examples=25, deadline=None)
@given(conv_cases(), st.sampled_from([1, 10**9]), st.sampled_from([0, 10**9]))
def test_conv2d_forward_without_recording_matches_the_recorded_one(case, budget, per_image_max):
    from unittest import mock

    from nn.functional import conv

    x_shape, w_shape, has_bias, stride, padding, seed = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape)
    w, b = leaves(rng.standard_normal(w_shape), rng.standard_normal(w_shape[0]))
    b = b if has_bias else None
    recorded = conv2d(Tensor(x), w, b, stride=stride, padding=padding)
    assert recorded.grad_fn is not None
    with (
        autodiff.no_grad(),
        mock.patch.object(conv, "_SLICE_BYTES", budget),
        mock.patch.object(conv, "_per_image", lambda *_: per_image_max > 0),
    ):
        sliced = conv2d(Tensor(x), w, b, stride=stride, padding=padding)
    assert sliced.dtype == recorded.dtype == np.float64
    np.testing.assert_allclose(sliced.data, recorded.data, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("has_bias", [True, False])
def test_one_image_matches_the_batch_it_is_part_of(stride, has_bias):
    """conv2d without recording and max_pool2d take one image directly (inference's latency
    case, no slices or thread parts): the same values as that image in a batch, which goes
    through the sliced paths, and as the naive loops."""
    rng = np.random.default_rng(3)
    batch = rng.standard_normal((3, 2, 9, 8)).astype(np.float32)
    w = rng.standard_normal((4, 2, 3, 3)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32) if has_bias else None
    one = batch[1:2]
    with autodiff.no_grad():
        y = conv2d(Tensor(one), Tensor(w), None if b is None else Tensor(b), stride, padding=1)
        ys = conv2d(Tensor(batch), Tensor(w), None if b is None else Tensor(b), stride, 1)
    assert y.shape == (1, *ys.shape[1:]) and y.dtype == np.float32
    np.testing.assert_allclose(y.data, ys.data[1:2], rtol=1e-6, atol=1e-6)
    out, *_ = naive_conv2d(one, w, b, (stride, stride), (1, 1), None)
    np.testing.assert_allclose(y.data, out, rtol=1e-5, atol=1e-5)
    pooled = max_pool2d(Tensor(one), 2, stride)
    np.testing.assert_array_equal(pooled.data, max_pool2d(Tensor(batch), 2, stride).data[1:2])
    naive, _ = naive_pool("max", one, (2, 2), (stride, stride), (0, 0), np.zeros(pooled.shape))
    np.testing.assert_array_equal(pooled.data, naive)


@pytest.mark.parametrize("writeable", [False, True])
def test_windows_view_is_the_same_for_contiguous_and_strided_images(writeable):
    from nn.functional._im2col import windows

    x = np.arange(2 * 3 * 7 * 6, dtype=np.float32).reshape(2, 3, 7, 6)
    strided = np.asfortranarray(x)  # same values, another layout: built by as_strided
    for image in (x, strided):
        view = windows(image, (3, 2), (2, 1), (3, 5), writeable=writeable)
        assert view.shape == (2, 3, 3, 5, 3, 2)
        assert view.flags.writeable == writeable and np.shares_memory(view, image)
        for a, b in [(0, 0), (2, 1), (1, 0)]:
            np.testing.assert_array_equal(view[:, :, :, :, a, b], x[:, :, a : a + 5 : 2, b : b + 5])


@settings(max_examples=40, deadline=None)
@given(
    shape=st.lists(st.integers(0, 5), min_size=1, max_size=4).map(tuple),
    dtype=st.sampled_from([np.float32, np.float64, np.int16, np.bool_, np.complex64]),
    order=st.one_of(st.permutations(range(3)).map(lambda p: (*p, 3)), st.permutations(range(4))),
    trim=st.integers(0, 1),
)
def test_copy_rows_is_copyto(shape, dtype, order, trim):
    """copy_rows copies rows as void elements where it can, else plainly: either way what
    np.copyto would write, on strided views with and without contiguous rows."""
    from unittest import mock

    from nn.functional import _im2col
    from nn.functional._im2col import copy_rows

    rng = np.random.default_rng(0)
    ndim = len(shape)
    big = (rng.random(tuple(n + 2 for n in shape)) * 100).astype(dtype)
    src = big[tuple(slice(trim, trim + n) for n in shape)]  # rows contiguous, the rest strided
    # The leading axes permuted (rows stay contiguous), or all of them (rows strided too)
    src = src.transpose(*[axis - (4 - ndim) for axis in order if axis >= 4 - ndim])
    dst_base = np.zeros(tuple(n + 1 for n in src.shape), dtype=dtype)
    dst = dst_base[tuple(slice(1, None) for _ in src.shape)]
    expected = dst_base.copy()
    np.copyto(expected[tuple(slice(1, None) for _ in src.shape)], src)
    with mock.patch.object(_im2col, "_ROW_COPY_MIN", 0):  # row copies even of these small ones
        copy_rows(dst, src)
    np.testing.assert_array_equal(dst_base, expected)  # nothing outside dst written either


def test_copy_rows_keeps_assignment_casting():
    from nn.functional._im2col import copy_rows

    dst = np.zeros((2, 3), dtype=np.float32)
    copy_rows(dst, np.arange(6.0).reshape(2, 3))  # float64 in: cast like dst[...] = src
    np.testing.assert_array_equal(dst, np.arange(6.0, dtype=np.float32).reshape(2, 3))


def torch_rule_max_pool_backward(x, g, kernel, stride, padding):
    """PyTorch's CPU max-pool backward, one window at a time: scanning a window in row-major
    order, a pixel greater than the best so far, or NaN, becomes the best; the window's whole
    gradient goes there, every other pixel gets exactly 0."""
    xp = naive_pad(x, padding, -np.inf)
    ho, wo = naive_out_size(xp.shape, kernel, stride)
    dxp = np.zeros(xp.shape, dtype=g.dtype)
    for n, c, i, j in np.ndindex(x.shape[0], x.shape[1], ho, wo):
        best, where = -np.inf, None
        for a, b in np.ndindex(*kernel):
            v = xp[n, c, i * stride[0] + a, j * stride[1] + b]
            if where is None or v > best or np.isnan(v):
                best, where = v, (i * stride[0] + a, j * stride[1] + b)
        dxp[(n, c, *where)] += g[n, c, i, j]
    h, w = x.shape[2:]
    return dxp[:, :, padding[0] : padding[0] + h, padding[1] : padding[1] + w]


@pytest.mark.parametrize(
    ("kernel", "stride", "padding"),
    [
        ((2, 2), (2, 2), (0, 0)),
        ((2, 2), (3, 3), (0, 0)),
        ((3, 3), (1, 1), (1, 1)),
        ((2, 3), (2, 1), (1, 1)),
    ],
)
def test_max_pool_non_finite_values_and_gradients_follow_pytorch(kernel, stride, padding):
    # NaN pixels (a window holding NaN sends its gradient to its last NaN), infinite pixels,
    # and infinite or NaN gradients (exact zeros at the pixels that are not chosen)
    rng = np.random.default_rng(0)
    x = np.round(rng.standard_normal((2, 3, 6, 6)), 1).astype(np.float32)
    x.flat[rng.choice(x.size, 12, replace=False)] = np.nan
    x.flat[rng.choice(x.size, 4, replace=False)] = np.inf
    xt = Tensor(x, requires_grad=True)
    y = max_pool2d(xt, kernel, stride, padding)
    g = rng.standard_normal(y.shape).astype(np.float32)
    g.flat[rng.choice(g.size, 5, replace=False)] = [np.inf, -np.inf, np.inf, np.nan, -np.inf]
    y.backward(g)
    want = torch_rule_max_pool_backward(x, g, kernel, stride, padding)
    assert xt.grad.dtype == np.float32
    # NaN and inf exactly where PyTorch has them (overlapping windows sum in another order)
    np.testing.assert_allclose(xt.grad.data, want, rtol=1e-6, atol=0)
    assert np.count_nonzero(np.isnan(xt.grad.data)) == np.count_nonzero(np.isnan(want)) <= 1


def test_max_pool_non_finite_case_against_torch():
    torch = pytest.importorskip("torch", reason="torch is not installed")
    x = np.array([[[[1.0, np.nan, 2.0, 3.0], [np.nan, 0.5, 4.0, 1.0]]]], dtype=np.float32)
    g = np.array([[[[1.5, np.inf]]]], dtype=np.float32)
    xt = Tensor(x, requires_grad=True)
    max_pool2d(xt, 2).backward(g)
    tx = torch.tensor(x, requires_grad=True)
    torch.nn.functional.max_pool2d(tx, 2).backward(torch.tensor(g))
    np.testing.assert_array_equal(xt.grad.data, tx.grad.numpy())
