"""How captions name values: by name, or by the expression that made them, elided to fit."""

from __future__ import annotations

from viz_helpers import leaf

import autodiff
from viz.names import expression


def test_named_values_are_called_by_name():
    x = leaf(1.0, "x")
    y = x * 2
    y.name = "y"
    assert expression(y, fallback="t1") == "y"
    assert expression(autodiff.tensor(1.0), fallback="t0") == "t0"  # an unnamed leaf


def test_unnamed_values_read_as_their_expression():
    w0, x0, w1, x1, w2 = (leaf(1.0, n) for n in ("w0", "x0", "w1", "x1", "w2"))
    s = w0 * x0 + w1 * x1
    assert expression(w0 * x0, "t") == "w0*x0"  # products of two values: tight
    assert expression(s, "t") == "w0*x0 + w1*x1"
    assert expression(s + w2, "t") == "w0*x0 + w1*x1 + w2"
    assert expression((s + w2) * -1, "t") == "(w0*x0 + w1*x1 + w2) * -1"
    assert expression(-(s + w2), "t") == "-(w0*x0 + w1*x1 + w2)"
    assert expression(w0 - (x0 - w1), "t") == "w0 - (x0 - w1)"  # left-associative
    assert expression(w0**2, "t") == "w0**2"
    assert expression((w0 * x0).exp(), "t") == "exp(w0*x0)"


def test_long_expressions_are_elided_whole_parts_at_a_time():
    w0, x0, w1, x1, w2 = (leaf(1.0, n) for n in ("w0", "x0", "w1", "x1", "w2"))
    f = 1 + ((w0 * x0 + w1 * x1 + w2) * -1).exp()
    text = expression(f, "t9")
    assert text == "1 + exp(…)"  # never "… + … + w2"
    assert len(expression(f, "t9", limit=200)) > 30  # room enough: written in full
    deep = w0
    for _ in range(40):
        deep = deep * 1.5 + 1
    assert expression(deep, "t9", limit=8) == "t9"  # nothing short enough: the fallback
