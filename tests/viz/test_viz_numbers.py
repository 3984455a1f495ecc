"""How numbers read: 3 significant digits, no float noise, bounded array summaries."""

from __future__ import annotations

import numpy as np
import pytest

from viz.numbers import fmt_constant, fmt_number, fmt_shape, summarize


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (-12.0, "-12"),
        (3, "3"),
        (0.7310586, "0.731"),
        (np.float32(-0.2), "-0.2"),  # float32 noise (-0.19999999) does not show
        (-0.19661193, "-0.197"),
        (1.3678794, "1.37"),
        (12345.6, "12346"),  # integer digits are never rounded away
        (1.234e-7, "1.23e-7"),
        (2.5e8, "2.5e8"),
        (-0.0, "0"),
        (float("nan"), "nan"),
        (float("-inf"), "-inf"),
    ],
)
def test_fmt_number(value, text):
    assert fmt_number(value) == text


def test_digits_are_configurable():
    assert fmt_number(0.7310586, digits=2) == "0.73"
    assert fmt_number(0.7310586, digits=5) == "0.73106"


def test_small_arrays_are_listed_large_ones_summarised():
    assert summarize(np.array([1.0, -2.5, 3.0])) == "[1, -2.5, 3]"
    assert summarize(np.array(4.0)) == "4"
    big = summarize(np.linspace(-1, 1, 1_000_000))
    assert big == "min -1 mean 0 max 1"


def test_summaries_count_non_finite_values_without_warnings():
    a = np.array([1.0, np.nan, np.inf, 2.0, 3.0, 1e308, 1e308])
    text = summarize(a)  # the mean overflows: RuntimeWarnings are errors in this suite
    assert "1 nan" in text and "1 inf" in text
    assert summarize(np.full(9, np.nan)) == "9 nan"


def test_shapes_and_constants():
    assert fmt_shape((3, 4)) == "(3, 4)"
    assert fmt_shape((5,)) == "(5,)"
    assert fmt_constant(1) == "1"
    assert fmt_constant(np.ones((2, 3))) == "array(2, 3)"
    assert fmt_constant(np.array([0.5])) == "0.5"
