"""animate_backward: one frame per step of the engine's real backward order, in one HTML file."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from viz_helpers import SVG, add_mul, assert_shows, grads, groups, leaf, neuron, node_shape_attr
from viz_helpers import values as viz_values

import autodiff
import viz
from viz.palette import CURRENT_FILL as _CURRENT_FILL


def test_forward_frame_then_one_frame_per_backward_step_in_engine_order(tmp_path):
    f, leaves = neuron(backward=False)
    order = autodiff.topological_order([f.grad_fn])
    animation = viz.animate_backward(f, tmp_path / "bp.html")
    assert len(order) == 8 and len(animation) == 9  # the forward pass, then 8 steps
    page = animation.path.read_text()
    assert page.count('<div class="frame"') == page.count("<svg") == 9

    functions = autodiff.graph.walk(f).functions
    for k, node in enumerate(order, start=1):
        svg = ET.fromstring(animation.frames[k])  # every frame is valid SVG
        current = f"f{functions.index(node)}"
        assert node_shape_attr(svg, current) == _CURRENT_FILL
        assert f"step {k} of 8" in animation.captions[k]
    # Frame 0: the forward pass, every value and only the seed gradient.
    first = ET.fromstring(animation.frames[0])
    assert_shows(viz_values(first), [2, -1, -3, -2, -3, -2, 6, 4, 1, -1, 0.368, 1.37, 0.731], 0.001)
    assert grads(first) == [1]
    assert animation.captions[0] == (
        "forward pass: every value computed, f = 0.731; backward starts from df/df = 1"
    )
    # The gradient arrives step by step: after 1/x ran, d f/d f and 1/x's input; finally all.
    second, last = (ET.fromstring(animation.frames[i]) for i in (1, -1))
    assert sorted(grads(second)) == pytest.approx([-0.534, 1])
    assert_shows(grads(last), [-0.197, 0.393, -0.393, -0.59, 0.197, -0.534, 1], tol=0.001)


def test_captions_name_the_values_they_send_to(tmp_path):
    f, _ = neuron(backward=False)
    captions = viz.animate_backward(f, tmp_path / "bp.html").captions
    assert captions[3] == (
        "step 3 of 8: 'exp' gets gradient -0.534 and sends -0.197 to -(w0*x0 + w1*x1 + w2)"
    )
    assert "'+' gets gradient 0.197 and sends 0.197 to w0*x0 and 0.197 to w1*x1" in " ".join(
        captions
    )
    assert captions[-1].endswith("sends -0.197 to w0 and 0.393 to x0")


def _geometry(svg: ET.Element) -> dict[str, list]:
    """Where every node sits: the coordinates of its shapes and texts."""
    found = {}
    for title, g in groups(svg, "node").items():
        coords = []
        for e in g:
            if e.tag == f"{SVG}ellipse":
                coords.append((e.get("cx"), e.get("cy"), e.get("rx"), e.get("ry")))
            elif e.tag in (f"{SVG}polygon", f"{SVG}text"):
                coords.append(e.get("points") or (e.get("x"), e.get("y")))
        found[title] = coords
    return found


@pytest.mark.parametrize("make", [neuron, add_mul])
def test_every_frame_has_the_same_size_and_layout(tmp_path, make):
    f, _ = make(backward=False)
    animation = viz.animate_backward(f, tmp_path / "bp.html")
    frames = [ET.fromstring(frame) for frame in animation.frames]
    sizes = {(s.get("width"), s.get("height"), s.get("viewBox")) for s in frames}
    assert len(sizes) == 1, sizes
    # Not only the canvas: every node is at the same place in every frame.
    first = _geometry(frames[0])
    positions = {title: coords[0] for title, coords in first.items()}
    for frame in frames[1:]:
        assert {t: c[0] for t, c in _geometry(frame).items()} == positions


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
    assert files == ["frame_00.svg", "frame_01.svg", "frame_02.svg"]  # forward, then 2 steps
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
    assert len(animation) == 1 + len(autodiff.topological_order([f.grad_fn]))
    assert any("of 2 parts summed" in frame for frame in animation.frames)


def test_after_a_freeing_backward(tmp_path):
    f, _ = add_mul()  # retain_all, then backward: every gradient was kept
    assert len(viz.animate_backward(f, tmp_path / "a.html")) == 3
    g, _ = add_mul(backward=False)
    g.backward()  # freed, and the intermediate gradients were not kept
    with pytest.raises(RuntimeError, match="retain_all"):
        viz.animate_backward(g, tmp_path / "b.html")


def test_jupyter_display(tmp_path):
    f, _ = add_mul(backward=False)
    html = viz.animate_backward(f, tmp_path / "bp.html")._repr_html_()
    assert html.startswith("<iframe srcdoc=") and "&lt;svg" in html
