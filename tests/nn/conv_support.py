"""Hypothesis strategies shared by the convolution and pooling tests."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from autodiff import Tensor


@st.composite
def conv_cases(draw, kernel=4, stride=3, padding=2, size=9, batch=3, filters=4):
    """(x shape, weight shape, bias?, stride, padding, seed), every argument an upper bound."""
    kernel_ = draw(st.tuples(st.integers(1, kernel), st.integers(1, kernel)))
    # Stride 1 half the time: it has a backward of its own (wide columns, see _im2col.py).
    stride_ = draw(st.just((1, 1)) | st.tuples(st.integers(1, stride), st.integers(1, stride)))
    padding_ = draw(st.tuples(st.integers(0, padding), st.integers(0, padding)))
    # Any size whose padded image holds at least one window.
    h, w = (draw(st.integers(max(1, k - 2 * p), size)) for k, p in zip(kernel_, padding_))
    n, c, f = draw(st.integers(1, batch)), draw(st.integers(1, 3)), draw(st.integers(1, filters))
    bias = draw(st.booleans())
    seed = draw(st.integers(0, 2**32 - 1))
    return (n, c, h, w), (f, c, *kernel_), bias, stride_, padding_, seed


@st.composite
def pool_cases(draw, kernel=4, size=9, batch=3):
    """(x shape, kernel, stride or None, padding, ties?, seed), every argument an upper bound."""
    kernel_ = draw(st.tuples(st.integers(1, kernel), st.integers(1, kernel)))
    stride = draw(st.none() | st.tuples(st.integers(1, 3), st.integers(1, 3)))
    padding = draw(st.tuples(st.integers(0, kernel_[0] // 2), st.integers(0, kernel_[1] // 2)))
    h, w = (draw(st.integers(max(1, k - 2 * p), size)) for k, p in zip(kernel_, padding))
    shape = (draw(st.integers(1, batch)), draw(st.integers(1, 3)), h, w)
    # Small integers make ties common: max pooling must send each window's gradient to its
    # first maximum only, exactly like the reference's argmax.
    ties = draw(st.booleans())
    return shape, kernel_, stride, padding, ties, draw(st.integers(0, 2**32 - 1))


def leaves(*arrays):
    """Tensors requiring grad (None stays None)."""
    return [None if a is None else Tensor(a, requires_grad=True) for a in arrays]


def arrays(x_shape, w_shape, bias: bool, seed: int, dtype=np.float64):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape).astype(dtype)
    w = rng.standard_normal(w_shape).astype(dtype)
    b = rng.standard_normal(w_shape[0]).astype(dtype) if bias else None
    return x, w, b


def grads_of(fn, x, w, b, upstream):
    tensors = leaves(x, w, b)
    out = fn(*tensors)
    out.backward(Tensor(upstream))
    return out.data, [None if t is None else t.grad.data for t in tensors]
