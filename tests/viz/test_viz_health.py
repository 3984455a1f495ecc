"""grad_health: data coloured by gradient magnitude; vanishing, exploding and NaN flagged."""

from __future__ import annotations

import numpy as np
from viz_helpers import leaf, node_shape_attr, parse_svg, texts

import autodiff
import viz
from viz.health import NONFINITE_COLOR, assess, ramp_color
from viz.palette import pastel as _pastel


def test_float32_saturation_gives_exact_zeros_which_are_flagged():
    w, x = leaf(1.0, "w"), leaf(20.0, "x")
    f = autodiff.sigmoid(w * x)
    viz.retain_all(f)
    f.backward()
    assert w.grad.item() == 0
    shown = [t for t, _ in texts(parse_svg(viz.draw_graph(f, grad_health=True)))]
    assert shown.count("⚠ vanishing") == 2


def saturated_sigmoid():
    """sigmoid(w * x) at w * x = 20: sigmoid' = 2e-9, so w's gradient (4e-8) vanishes.

    float64: in float32 sigmoid(20) rounds to 1 and the gradients are exactly 0 (also flagged).
    """
    w = autodiff.tensor(1.0, dtype="float64", requires_grad=True, name="w")
    x = autodiff.tensor(20.0, dtype="float64", requires_grad=True, name="x")
    f = autodiff.sigmoid(w * x)
    f.name = "f"
    viz.retain_all(f)
    f.backward()
    return f


def test_assess_classifies_on_a_log_scale():
    assert assess(None).kind == "none"
    assert assess(np.array([1e-9, -1e-9])).kind == "vanishing"
    assert assess(np.zeros(3)).kind == "vanishing"  # dead units: exactly zero
    assert assess(np.array([0.1, -0.3])).kind == "healthy"
    assert assess(np.array([5e3])).kind == "exploding"
    assert assess(np.array([1.0, np.nan])).kind == "nan"
    assert assess(np.array([np.inf])).kind == "inf"
    assert assess(np.array([1e-3]), thresholds=(1e-2, 1.0)).kind == "vanishing"
    # Colours run from blue (small) to red (large) and differ across decades.
    colours = [ramp_color(10.0**d) for d in range(-7, 5)]
    assert colours[0] == ramp_color(0) and colours[-1] == ramp_color(np.inf)
    assert len(set(colours)) >= 9


def test_sigmoid_saturation_is_visible():
    f = saturated_sigmoid()
    svg = parse_svg(viz.draw_graph(f, style="nodes", grad_health=True))
    shown = [t for t, _ in texts(svg)]
    assert "⚠ vanishing" in shown
    assert "gradient health" in shown  # the legend
    w = autodiff.graph.walk(f)
    t_w = f"t{w.index_of(w.leaves[0])}"
    assert node_shape_attr(svg, t_w) == _pastel(ramp_color(4e-8)).lower()
    assert node_shape_attr(svg, t_w, "stroke-dasharray")  # vanishing: dashed outline
    # f itself got gradient 1: healthy, a different colour
    t_f = f"t{w.index_of(f)}"
    assert node_shape_attr(svg, t_f) == _pastel(ramp_color(1.0)).lower()


def test_exploding_and_nan_gradients_are_flagged():
    x = leaf(1.0, "x")
    big = x * 1e5
    bad = x * autodiff.tensor(np.nan)
    loss = big + bad
    viz.retain_all(loss)
    loss.backward()
    for style in ("nodes", "circuit"):
        svg = parse_svg(viz.draw_graph(loss, style=style, grad_health=True))
        shown = [t for t, _ in texts(svg)]
        assert "⚠ NaN" in shown  # x's gradient: 1e5 + nan
    svg = parse_svg(viz.draw_graph(big, style="nodes", grad_health=True))
    assert node_shape_attr(svg, "t0") == _pastel(NONFINITE_COLOR).lower()


def test_exploding_gradient():
    x = leaf(2.0, "x")
    y = (x * 1e4) ** 2
    viz.retain_all(y)
    y.backward()
    shown = [t for t, _ in texts(parse_svg(viz.draw_graph(y, grad_health=True)))]
    assert "⚠ exploding" in shown


def test_custom_thresholds():
    f = saturated_sigmoid()
    source = viz.draw_graph(f, grad_health=(1e-10, 10.0)).source
    assert "vanishing: &lt; 1e-10" in source
    assert "⚠ vanishing" not in source  # 4e-8 is above the custom threshold
