"""animate_backward: one frame per step of the engine's real backward order, in one HTML file."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from viz_helpers import add_mul, assert_shows, grads, leaf, neuron, node_shape_attr

import autodiff
import viz
from viz.draw import _CURRENT_FILL


def test_one_frame_per_backward_step_in_engine_order(tmp_path):
    f, leaves = neuron(backward=False)
    order = autodiff.topological_order([f.grad_fn])
    animation = viz.animate_backward(f, tmp_path / "bp.html")
    assert len(animation) == len(order) == 8
    page = animation.path.read_text()
    assert page.count('<div class="frame"') == page.count("<svg") == len(order)

    functions = autodiff.graph.walk(f).functions
    for k, node in enumerate(order):
        svg = ET.fromstring(animation.frames[k])  # every frame is valid SVG
        current = f"f{functions.index(node)}"
        assert node_shape_attr(svg, current) == _CURRENT_FILL
        assert f"step {k + 1} of 8" in animation.captions[k]
    # The gradient arrives step by step: first only d f/d f and 1/x's input, finally all.
    first, last = (ET.fromstring(animation.frames[i]) for i in (0, -1))
    assert sorted(grads(first)) == pytest.approx([-0.534, 1])
    assert_shows(grads(last), [-0.197, 0.393, -0.393, -0.59, 0.197, -0.534, 1], tol=0.001)
    assert animation.captions[2] == (
        "step 3 of 8: 'exp' gets gradient -0.534 and sends -0.197 to the 'neg' output"
    )


def test_the_page_is_self_contained(tmp_path):
    f, _ = add_mul(backward=False)
    page = viz.animate_backward(f, tmp_path / "bp.html").path.read_text()
    assert "<script src" not in page and "<link" not in page
    assert not re.search(r"""(src|href)\s*=\s*["']?https?:""", page)
    assert "<?xml" not in page  # SVG prologs stripped for inlining
    for control in ('id="prev"', 'id="next"', 'id="play"', 'id="slider"'):
        assert control in page
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # element ids made unique across frames


def test_frames_dir_gets_numbered_svgs(tmp_path):
    f, _ = add_mul(backward=False)
    viz.animate_backward(f, tmp_path / "bp.html", frames_dir=tmp_path / "frames")
    files = sorted(p.name for p in (tmp_path / "frames").iterdir())
    assert files == ["frame_01.svg", "frame_02.svg"]
    ET.parse(tmp_path / "frames" / "frame_01.svg")


def test_the_users_graph_is_left_as_it_was(tmp_path):
    f, leaves = neuron(backward=False)
    viz.retain_all(f)
    viz.animate_backward(f, tmp_path / "bp.html")
    assert all(t.grad is None for t in leaves.values()) and f.grad is None
    f.backward()  # still possible: the animation retained the graph
    assert leaves["x1"].grad.item() == pytest.approx(-0.5898, abs=1e-4)
    assert f.grad.item() == 1  # the retain hook counted once


def test_fan_out_shows_partial_sums(tmp_path):
    x = leaf(3.0, "x")
    a = x * x  # x reaches one op twice, and a reaches two ops
    f = a * 2 + a.exp()
    animation = viz.animate_backward(f, tmp_path / "bp.html", style="nodes")
    assert len(animation) == len(autodiff.topological_order([f.grad_fn]))
    assert any("of 2 parts summed" in frame for frame in animation.frames)


def test_after_a_freeing_backward(tmp_path):
    f, _ = add_mul()  # retain_all, then backward: every gradient was kept
    assert len(viz.animate_backward(f, tmp_path / "a.html")) == 2
    g, _ = add_mul(backward=False)
    g.backward()  # freed, and the intermediate gradients were not kept
    with pytest.raises(RuntimeError, match="retain_all"):
        viz.animate_backward(g, tmp_path / "b.html")


def test_jupyter_display(tmp_path):
    f, _ = add_mul(backward=False)
    html = viz.animate_backward(f, tmp_path / "bp.html")._repr_html_()
    assert html.startswith("<iframe srcdoc=") and "&lt;svg" in html
