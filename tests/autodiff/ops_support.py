"""Shared by the op tests: hypothesis budgets and the forward check against numpy."""

from __future__ import annotations

import numpy as np
from hypothesis import settings

from autodiff import Tensor

SETTINGS = settings(max_examples=25, deadline=None)
SECOND_ORDER = settings(max_examples=10, deadline=None)  # gradgradcheck costs more


def check_forward(out: Tensor, expected, rtol: float | None = None) -> None:
    """`out` is a Tensor with numpy's shape, dtype and values (exactly, unless `rtol` is given:
    then to rtol with atol 1e-12)."""
    assert isinstance(out, Tensor)
    expected = np.asarray(expected)
    assert out.shape == expected.shape
    assert out.dtype == expected.dtype
    if rtol is None:
        np.testing.assert_array_equal(out.data, expected)
    else:
        np.testing.assert_allclose(out.data, expected, rtol=rtol, atol=1e-12)
