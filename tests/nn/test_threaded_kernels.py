"""The kernels split over glassgrad's threads (`autodiff.set_num_threads`) give what they give
on one thread: conv2d, max/avg pooling, ReLU, linear and matmul, forward and backward, over
random shapes (the one-thread kernels are checked against naive loops in test_conv_pool.py and
against central differences elsewhere). Every kernel is split however small its work here.
"""

from __future__ import annotations

from unittest import mock

import numpy as np
import pytest
from conv_support import conv_cases, leaves, pool_cases
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff
import nn
from autodiff import Tensor, threads
from nn.functional import conv as conv_module
from nn.functional.conv import conv2d
from nn.functional.linear import linear
from nn.functional.pool import avg_pool2d, max_pool2d

SPLITS: list[int] = []  # how many pieces each threads.run call of run_both's second pass had


def run_both(compute):
    """compute() on one thread, then on two with every kernel split (and conv's slices of one
    image): both results."""
    one = compute()
    autodiff.set_num_threads(2)
    plain_run = threads.run

    def counted_run(task, pieces):
        SPLITS.append(len(pieces))
        return plain_run(task, pieces)

    SPLITS.clear()
    try:
        with (
            mock.patch.object(threads, "MIN_WORK_PER_THREAD", 1),
            mock.patch.object(threads, "MIN_ELEMENTS_PER_THREAD", 1),
            mock.patch.object(threads, "run", counted_run),
            mock.patch.object(conv_module, "_THREADED_SLICE_BYTES", 1),
        ):
            two = compute()
    finally:
        autodiff.set_num_threads(1)
    return one, two


def assert_same(one, two, exact=False):
    for a, b in zip(one, two, strict=True):
        assert (a is None) == (b is None)
        if a is None:
            continue
        assert a.dtype == b.dtype and a.shape == b.shape
        if exact:
            np.testing.assert_array_equal(a, b)
        else:
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def grads(*tensors):
    return [None if t is None or t.grad is None else t.grad.data for t in tensors]


@settings(max_examples=25, deadline=None)
@given(
    conv_cases(kernel=3, stride=2, padding=1, size=7, batch=5, filters=3),
    st.sampled_from([0, 10**9]),
    st.booleans(),
)
def test_conv2d_on_two_threads_matches_one(case, per_image_max, recording):
    x_shape, w_shape, has_bias, stride, padding, seed = case
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[0]) if has_bias else None

    def compute():
        xt, wt, bt = leaves(x, w, b)
        with mock.patch.object(conv_module, "_per_image", lambda *_: per_image_max > 0):
            if not recording:
                with autodiff.no_grad():
                    return [conv2d(xt, wt, bt, stride=stride, padding=padding).data]
            y = conv2d(xt, wt, bt, stride=stride, padding=padding)
            y.backward(np.random.default_rng(seed).standard_normal(y.shape))
        return [y.data, *grads(xt, wt, bt)]

    assert_same(*run_both(compute))
    # the batch was split when it could be (one image without recording calls no `run`)
    assert max(SPLITS, default=1) == min(x_shape[0], 2)


@pytest.mark.parametrize("needs_dx", [True, False])
def test_conv2d_backward_splits_by_the_products_it_makes(needs_dx):
    """conv2d's backward weighs its split by the products it needs: dx's and dweight's, or
    dweight's alone for a first layer (whose x needs no gradient), half the work."""
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((4, 2, 6, 6)), requires_grad=needs_dx)
    w = Tensor(rng.standard_normal((3, 2, 3, 3)), requires_grad=True)
    y = conv2d(x, w, padding=1)
    forward_work = conv_module._work(4 * 36, 2 * 9, 3)
    asked: list[int] = []
    plain_parts = threads.parts

    def recorded(n, work, minimum=None):
        asked.append(work)
        return plain_parts(n, work, minimum)

    with mock.patch.object(threads, "parts", recorded):
        y.backward(np.ones(y.shape))
    assert asked == [(2 if needs_dx else 1) * forward_work]
    assert (x.grad is not None) == needs_dx and w.grad is not None


@settings(max_examples=25, deadline=None)
@given(pool_cases(kernel=3, size=8, batch=5), st.sampled_from([max_pool2d, avg_pool2d]))
def test_pooling_on_two_threads_matches_one(case, pool):
    shape, kernel, stride, padding, ties, seed = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(np.float32)
    if ties:  # whole windows of zeros, as after a ReLU: the first maximum gets the gradient
        x = np.maximum(np.round(x), 0)

    def compute():
        (xt,) = leaves(x)
        y = pool(xt, kernel, stride, padding)
        y.backward(np.random.default_rng(seed).standard_normal(y.shape).astype(np.float32))
        return [y.data, xt.grad.data]

    assert_same(*run_both(compute), exact=pool is max_pool2d)
    if pool is max_pool2d:  # (average pooling runs on one thread: it is cheap)
        assert max(SPLITS) == min(shape[0], 2)


@settings(max_examples=20, deadline=None)
@given(
    st.lists(st.integers(1, 5), min_size=0, max_size=4).map(tuple),
    st.integers(0, 2**31),
)
def test_relu_on_two_threads_gives_the_same_bits(shape, seed):
    x = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)

    def compute():
        (xt,) = leaves(x)
        y = autodiff.relu(xt)
        y.backward(np.ones(shape, dtype=np.float32))
        with autodiff.no_grad():
            inference = autodiff.relu(Tensor(x))
        return [y.data, xt.grad.data, inference.data]

    assert_same(*run_both(compute), exact=True)


@settings(max_examples=20, deadline=None)
@given(
    st.integers(1, 6), st.integers(1, 6), st.integers(1, 6), st.booleans(), st.integers(0, 2**31)
)
def test_linear_and_matmul_on_two_threads_match_one(batch, n_in, n_out, bias, seed):
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal((batch, n_in)), rng.standard_normal((n_out, n_in))
    b = rng.standard_normal(n_out) if bias else None

    def compute():
        xt, wt, bt = leaves(x, w, b)
        y = linear(xt, wt, bt)
        z = (y @ wt).sum()  # matmul's forward and backward too
        z.backward()
        return [y.data, z.data, *grads(xt, wt, bt)]

    assert_same(*run_both(compute))


def test_linear_under_create_graph_still_records_on_two_threads():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((4, 3)), rng.standard_normal((2, 3))

    def compute():
        xt, wt = leaves(x, w)
        (gw,) = autodiff.gradients((linear(xt, wt) ** 2).sum(), [wt], create_graph=True)
        (hw,) = autodiff.gradients((gw * gw).sum(), [wt])
        return [gw.data, hw.data]

    assert_same(*run_both(compute))


@pytest.mark.parametrize("threads_count", [2, 3])
def test_a_cnn_trains_the_same_on_several_threads(threads_count):
    def train():
        autodiff.manual_seed(0)
        model = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(4 * 4 * 4, 3),
        ).double()  # x's dtype: PyTorch's linear takes one dtype
        optimizer = nn.optim.Adam(model.parameters(), lr=0.01)
        rng = np.random.default_rng(1)
        x = Tensor(rng.standard_normal((6, 1, 8, 8)))
        t = rng.integers(0, 3, 6)
        losses = []
        for _ in range(5):
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(x), t)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        return np.array(losses), *[p.data for p in model.parameters()]

    one = train()
    autodiff.set_num_threads(threads_count)
    try:
        with (
            mock.patch.object(threads, "MIN_WORK_PER_THREAD", 1),
            mock.patch.object(threads, "MIN_ELEMENTS_PER_THREAD", 1),
        ):
            several = train()
    finally:
        autodiff.set_num_threads(1)
    assert_same(one, several)


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: nn.optim.Adam(ps, lr=0.01),
        lambda ps: nn.optim.Adam(ps, lr=0.01, weight_decay=0.1, amsgrad=True),
        lambda ps: nn.optim.AdamW(ps, lr=0.01, weight_decay=0.1),
    ],
)
def test_adam_on_two_threads_gives_the_same_bits(make):
    rng = np.random.default_rng(0)
    shapes = [(7, 5), (3,), ()]
    values = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    grads = [[rng.standard_normal(s).astype(np.float32) for s in shapes] for _ in range(3)]

    def compute():
        params = [Tensor(v.copy(), requires_grad=True) for v in values]
        optimizer = make(params)
        for step in grads:
            for p, g in zip(params, step):
                p.grad = Tensor(g)
            optimizer.step()
        return [p.data for p in params]

    assert_same(*run_both(compute), exact=True)
    assert max(SPLITS) == 2  # the (7, 5) parameter was split
