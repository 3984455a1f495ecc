"""Shared hypothesis strategies of the pooling tests."""

from __future__ import annotations

from hypothesis import strategies as st


@st.composite
def geometries(draw, dilated: bool = True):
    """(x shape, kernel, stride, padding, dilation, seed) for a 2-d pool in ceil_mode; the
    dilated span fits the padded input (torch's kernels misbehave on some that do not), and
    dilation only without padding (a dilated window of padding alone is a documented
    difference from PyTorch, not a ceil_mode matter)."""
    kernel = draw(st.tuples(st.integers(1, 4), st.integers(1, 4)))
    stride = draw(st.tuples(st.integers(1, 3), st.integers(1, 3)))
    padding = draw(st.tuples(*(st.integers(0, k // 2) for k in kernel)))
    dilation = (1, 1)
    if dilated and padding == (0, 0):
        dilation = draw(st.tuples(st.integers(1, 2), st.integers(1, 2)))
    span = [d * (k - 1) + 1 for d, k in zip(dilation, kernel)]
    h, w = (draw(st.integers(max(1, s - 2 * p), 8)) for s, p in zip(span, padding))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)), h, w)
    return shape, kernel, stride, padding, dilation, draw(st.integers(0, 2**32 - 1))
