"""The two CS231n circuits, rendered: every value in green and every gradient in red."""

from __future__ import annotations

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
    shown = [t for t, _ in texts(parse_svg(viz.draw_graph(loss, style="nodes")))]
    assert "data [1, -2, 3, 4]" in shown
    assert "(100, 100) float32" in shown
    summaries = [t for t in shown if t.startswith("data min")]
    assert summaries and all(len(t) < 60 for t in summaries)


def test_create_graph_backward_part_can_be_drawn():
    x = leaf(1.5, "x")
    y = x**3
    y.backward(create_graph=True)  # x.grad = 3 x^2, recorded as a graph
    svg = parse_svg(viz.draw_graph([y, x.grad], style="nodes", grads=False))
    assert_shows(values(svg), [1.5, 3.375, 2.25, 6.75], tol=0.005)  # x, y, x**2, x.grad
    assert len(node_titles(svg)) > 4  # the forward op and the backward ops
