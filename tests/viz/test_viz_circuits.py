"""The two CS231n circuits, rendered: every value in green and every gradient in red."""

from __future__ import annotations

import numpy as np
import pytest
from viz_helpers import (
    add_mul,
    assert_shows,
    grads,
    leaf,
    neuron,
    node_titles,
    parse_svg,
    texts,
    values,
    wire_labels,
)

import autodiff
import viz
from viz.labels import GRAD_COLOR, VALUE_COLOR

# CS231n's numbers for the neuron, rounded to 2 decimals as the lecture notes print them.
NEURON_VALUES = [2, -1, -3, -2, -3, -2, 6, 4, 1, -1, 0.37, 1.37, 0.73]
NEURON_GRADS = [-0.20, 0.39, -0.39, -0.59, 0.20, 0.20, 0.20, 0.20, -0.20, -0.53, -0.53, 1]


def test_add_mul_circuit_shows_every_value_and_gradient():
    f, _ = add_mul()
    svg = parse_svg(viz.draw_graph(f))
    assert_shows(values(svg), [-2, 5, -4, 3, -12], tol=0)
    assert_shows(grads(svg), [-4, -4, 3, 1, -4], tol=0)  # x, y, z, f, and q = x + y
    shown = [t for t, _ in texts(svg)]
    for label in ("x", "y", "z", "f", "+", "*"):
        assert label in shown


def test_values_are_green_and_gradients_red():
    f, _ = add_mul()
    colours = dict(texts(parse_svg(viz.draw_graph(f))))
    assert colours["-12"] == VALUE_COLOR
    assert colours["1"] == GRAD_COLOR
    assert colours["5"] == VALUE_COLOR


def test_sigmoid_neuron_shows_every_intermediate():
    f, _ = neuron()
    svg = parse_svg(viz.draw_graph(f))
    assert_shows(values(svg), NEURON_VALUES, tol=0.006)
    assert_shows(grads(svg), NEURON_GRADS, tol=0.006)
    # Three significant digits, the same way everywhere.
    shown = [t for t, _ in texts(svg)]
    for text in ("0.731", "0.368", "1.37", "-0.197", "0.393", "-0.393", "-0.59", "-0.534"):
        assert text in shown


def _text_width(text: tuple[float, float, str], size: float = 11) -> float:
    return 0.6 * size * len(text[2])  # Helvetica's digits and signs: about 0.55-0.6 em


@pytest.mark.parametrize("make", [add_mul, neuron])
def test_value_sits_above_the_wire_and_gradient_below(make):
    """Read back from the SVG: on every wire the value's baseline is above the wire and the
    gradient's top below it, and both are centred on that wire, where the edges meet it."""
    f, _ = make()
    labels = wire_labels(parse_svg(viz.draw_graph(f, rankdir="LR")))
    assert len(labels) == len(autodiff.graph.walk(f).tensors)  # one label per value
    for title, label in labels.items():
        x0, y0, x1, y1 = label["bar"]
        wire_y = (y0 + y1) / 2
        # The edges run into and out of the bar at its height: the bar is part of the wire.
        for _, y in label["in"] + label["out"]:
            assert abs(y - wire_y) <= 1.0, title
        assert label["in"] and all(x <= x0 + 1 for x, _ in label["in"])
        assert label["out"] and all(x >= x1 - 1 for x, _ in label["out"])
        vy, gy = label["value"][1], label["grad"][1]
        assert vy < wire_y, f"{title}: value baseline {vy} not above the wire at {wire_y}"
        assert gy - 0.7 * 11 > wire_y, f"{title}: gradient top not below the wire at {wire_y}"
        for text in (label["value"], label["grad"]):
            centre = text[0] + _text_width(text) / 2
            assert x0 - 2 <= centre <= x1 + 2, f"{title}: {text[2]!r} is not on its wire"


def test_top_to_bottom_puts_the_value_left_and_the_gradient_right():
    f, _ = neuron()
    labels = wire_labels(parse_svg(viz.draw_graph(f, rankdir="TB")))
    for title, label in labels.items():
        x0, _, x1, _ = label["bar"]
        (vx, _, _), (gx, _, _) = label["value"], label["grad"]
        assert vx + _text_width(label["value"]) <= x0 + 1, title
        assert gx >= x1 - 1, title


def test_converging_wires_keep_their_labels_apart():
    """In the neuron, w1 and x1 both run into the second '*': each label box is its own,
    so x1's -2 / -0.59 can never read as w1's."""
    f, _ = neuron()
    labels = wire_labels(parse_svg(viz.draw_graph(f)))

    def box(label):
        (vx, vy, _), (gx, gy, _) = label["value"], label["grad"]
        x0, _, x1, _ = label["bar"]
        left = min(x0, vx, gx)
        right = max(x1, vx + _text_width(label["value"]), gx + _text_width(label["grad"]))
        return left, vy - 11, right, gy

    boxes = {t: box(label) for t, label in labels.items()}
    for a, (ax0, ay0, ax1, ay1) in boxes.items():
        for b, (bx0, by0, bx1, by1) in boxes.items():
            if a < b:
                disjoint = ax1 <= bx0 or bx1 <= ax0 or ay1 <= by0 or by1 <= ay0
                assert disjoint, f"labels {a} and {b} overlap"
    by_value = {label["value"][2]: label for label in labels.values()}
    assert by_value["-2"]["grad"][2] == "-0.59"  # x1's label, with x1's gradient
    assert by_value["-3"]["grad"][2] in ("-0.393", "0.197")  # w1 or w2, never x1's


def test_circuits_carry_a_value_gradient_legend():
    f, _ = add_mul()
    shown = texts(parse_svg(viz.draw_graph(f)))
    assert ("value", VALUE_COLOR) in shown and ("gradient", GRAD_COLOR) in shown
    words = " ".join(t.strip() for t, _ in shown)
    assert "value above each wire, gradient below it" in words
    tb = " ".join(t.strip() for t, _ in texts(parse_svg(viz.draw_graph(f, rankdir="TB"))))
    assert "value left of each wire, gradient right of it" in tb


def test_rankdir_none_reads_circuits_across_and_networks_down():
    f, _ = add_mul()
    assert "rankdir=LR" in viz.draw_graph(f).source
    w = autodiff.tensor([[1.0, 2.0]], requires_grad=True, name="w")
    assert "rankdir=TB" in viz.draw_graph((w * 2).sum()).source
    assert "rankdir=RL" in viz.draw_graph(f, rankdir="RL").source
    with pytest.raises(ValueError, match="rankdir"):
        viz.draw_graph(f, rankdir="up")


def test_array_constants_are_not_part_of_the_op_name():
    x = autodiff.tensor([[1.0, 2.0, 3.0], [0.0, 1.0, 0.0]], requires_grad=True, name="x")
    loss = (x * np.array([1.0, 2.0, 3.0])).sum()
    shown = [t for t, _ in texts(parse_svg(viz.draw_graph(loss)))]
    assert "*" in shown and "with (3,) float64" in shown
    assert not any("array" in t for t in shown)
    one = (x * np.array([2.0])).sum()  # one element, but an array all the same
    shown = [t for t, _ in texts(parse_svg(viz.draw_graph(one)))]
    assert "*" in shown and "with (1,) float64" in shown


def test_constants_appear_in_op_labels():
    w0, x0 = leaf(2.0, "w0"), leaf(-1.0, "x0")
    s = w0 * x0
    f = 1 / (1 + (s * -1).exp()) + s**2 - (3 - s)
    shown = [t for t, _ in texts(parse_svg(viz.draw_graph(f)))]
    for op in ("* -1", "exp", "+ 1", "1 / x", "** 2", "3 - x", "-"):
        assert op in shown, op


def test_nodes_style_draws_a_box_per_data_node():
    f, _ = add_mul()
    svg = parse_svg(viz.draw_graph(f, style="nodes"))
    assert_shows(values(svg), [-2, 5, -4, 3, -12], tol=0)
    assert_shows(grads(svg), [-4, -4, 3, 1, -4], tol=0)
    # x, y, z, the sum, f and the two ops: ids from graph indices
    assert sorted(node_titles(svg)) == ["f0", "f1", "t0", "t1", "t2", "t3", "t4"]
    shown = [t for t, _ in texts(svg)]
    assert "data -12" in shown and "grad 1" in shown and "t2" in shown


def test_options_hide_values_gradients_and_shapes():
    f, _ = add_mul()
    svg = parse_svg(viz.draw_graph(f, values=False, grads=False, style="nodes", shapes=False))
    assert values(svg) == [] and grads(svg) == []
    assert "float32" not in [t for t, _ in texts(svg)]


def test_before_backward_there_are_no_gradients():
    f, _ = add_mul(backward=False)
    svg = parse_svg(viz.draw_graph(f))
    assert_shows(values(svg), [-2, 5, -4, 3, -12], tol=0)
    assert grads(svg) == []


def test_without_retain_all_the_picture_says_how_to_get_intermediate_gradients():
    x, y, z = leaf(-2.0, "x"), leaf(5.0, "y"), leaf(-4.0, "z")
    f = (x + y) * z
    f.backward()
    source = viz.draw_graph(f).source
    assert "viz.retain_all(root)" in source
    svg = parse_svg(viz.draw_graph(f))
    assert_shows(grads(svg), [-4, -4, 3], tol=0)


def test_arrays_show_shape_and_a_bounded_summary():
    w = autodiff.tensor([[1.0, -2.0], [3.0, 4.0]], requires_grad=True, name="w")
    big = autodiff.randn(100, 100, requires_grad=True)
    loss = (w.sum() + (big * 2).mean()) ** 2
    viz.retain_all(loss)
    loss.backward()
    svg = parse_svg(viz.draw_graph(loss, style="nodes"))
    shown = [t for t, _ in texts(svg)]
    assert "data [1, -2, 3, 4]" in shown
    assert "(100, 100) float32" in shown
    # A big array is a table: a column per statistic, a row for data and one for grad.
    assert shown.count("min") == shown.count("max") >= 2  # big and big * 2
    assert all(len(t) < 30 for t in shown)
    assert_shows(values(svg), [float(big.data.min()), float(big.data.max())], tol=0.01)


def test_create_graph_backward_part_can_be_drawn():
    x = leaf(1.5, "x")
    y = x**3
    y.backward(create_graph=True)  # x.grad = 3 x^2, recorded as a graph
    svg = parse_svg(viz.draw_graph([y, x.grad], style="nodes", grads=False))
    assert_shows(values(svg), [1.5, 3.375, 2.25, 6.75], tol=0.005)  # x, y, x**2, x.grad
    assert len(node_titles(svg)) > 4  # the forward op and the backward ops
