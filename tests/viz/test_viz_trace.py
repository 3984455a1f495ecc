"""retain_all keeps intermediate gradients; trace_gradients computes them on the side."""

from __future__ import annotations

import numpy as np
import pytest
from viz_helpers import add_mul, assert_shows, grads, neuron, parse_svg

import viz


def test_retain_all_keeps_every_intermediate_gradient_once():
    f, leaves = add_mul(backward=False)
    q = f.grad_fn.args[0]  # x + y
    assert viz.retain_all(f) == 2  # q and f
    assert viz.retain_all(f) == 0  # idempotent: a second hook would double the gradients
    f.backward()
    assert q.grad.item() == -4 and f.grad.item() == 1
    assert leaves["x"].grad.item() == -4


def test_trace_gradients_matches_backward_and_leaves_grad_alone():
    f, leaves = neuron(backward=False)
    trace = viz.trace_gradients(f)
    assert all(t.grad is None for t in leaves.values())
    assert trace[f] == pytest.approx(1.0)
    f.backward()  # the graph is still there
    for t in leaves.values():
        assert np.allclose(trace[t], t.grad.data)
    assert len(trace) == 13  # 5 leaves and 8 op outputs


def test_trace_leaves_retained_gradients_as_they_were():
    f, leaves = add_mul(backward=False)
    q = f.grad_fn.args[0]
    viz.retain_all(f)
    f.backward(retain_graph=True)
    trace = viz.trace_gradients(f)  # fires the retain hooks, whose effect is undone
    assert (q.grad.item(), f.grad.item(), leaves["x"].grad.item()) == (-4, 1, -4)
    assert trace[q] == -4


def test_draw_graph_with_a_trace():
    f, _ = neuron(backward=False)
    svg = parse_svg(viz.draw_graph(f, grads=viz.trace_gradients(f)))
    assert_shows(grads(svg), [-0.197, 0.393, -0.393, -0.59, 0.197, -0.534, 1], tol=0.001)


def test_trace_refuses_freed_graphs_and_non_scalars():
    f, _ = add_mul()
    with pytest.raises(RuntimeError, match="freed"):
        viz.trace_gradients(f)
    x, _ = add_mul(backward=False)
    with pytest.raises(ValueError, match="one element"):
        viz.trace_gradients(x.grad_fn.args[0].expand(3))
