"""Hypothesis strategies shared by the convolution and pooling tests."""

from __future__ import annotations

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
