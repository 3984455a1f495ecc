"""Name scopes become nested clusters; collapse and max_nodes fold them into single nodes."""

from __future__ import annotations

import re

import numpy as np
import pytest
from viz_helpers import SVG, node_titles, parse_svg, points, texts, wire_labels

import autodiff
import viz
from autodiff import Tensor, name_scope
from viz.dot import build_dot_and_map
from viz.options import DrawOptions
from viz.picture import build_picture
from viz.trace import stored_grad


def param(*shape: int) -> Tensor:
    rng = np.random.default_rng(sum(shape))
    return Tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True, name="w")


def scoped_mlp() -> Tensor:
    """model/{features/{fc1, act1, fc2}, head}, then a loss outside every scope."""
    x = Tensor(np.ones((4, 3), np.float32), name="x")
    w1, b1, w2, b2, w3 = param(3, 5), param(5), param(5, 5), param(5), param(5, 2)
    with name_scope("model"):
        with name_scope("features"):
            with name_scope("fc1"):
                h = x @ w1 + b1
            with name_scope("act1"):
                h = h.relu()
            with name_scope("fc2"):
                h = h @ w2 + b2
        with name_scope("head"):
            out = h @ w3
    loss = (out**2).mean()
    loss.name = "loss"
    return loss


def cluster_paths(source: str) -> list[tuple[str, ...]]:
    """The nesting of clusters in DOT source, as label paths."""
    paths, stack = [], []
    for line in source.splitlines():
        line = line.strip()
        if line.startswith("subgraph cluster_"):
            stack.append(None)
        elif line == "}" and stack:
            stack.pop()
        elif line.startswith("graph [") and stack and stack[-1] is None:
            stack[-1] = re.search(r"\blabel=<<b>(.*?)</b>>", line).group(1)
            paths.append(tuple(stack))
    return paths


def shown(digraph) -> list[str]:
    return [t for t, _ in texts(parse_svg(digraph))]


def test_scopes_become_nested_clusters():
    source = viz.draw_graph(scoped_mlp()).source
    assert cluster_paths(source) == [
        ("model",),
        ("model", "features"),
        ("model", "features", "fc1"),
        ("model", "features", "act1"),
        ("model", "features", "fc2"),
        ("model", "head"),
    ]
    svg = parse_svg(viz.draw_graph(scoped_mlp(), style="nodes"))
    assert len(node_titles(svg, "cluster")) == 6


def test_collapse_modules_folds_innermost_scopes():
    d = viz.draw_graph(scoped_mlp(), collapse="modules", style="nodes")
    assert cluster_paths(d.source) == [("model",), ("model", "features")]
    svg = parse_svg(d)
    text = [t for t, _ in texts(svg)]
    for name in ("fc1", "act1", "fc2", "head"):
        assert name in text
    # Four folded nodes, the loss's two ops, and the data between them; no parameter boxes.
    ids = node_titles(svg)
    assert sorted(i for i in ids if i[0] in "gf") == ["f6", "f7", "g0", "g2", "g3", "g5"]
    assert "w" not in text
    # fc1's label: its ops and the shapes of its parameters (its wires carry in and out)
    assert {"matmul, +", "params (3, 5) (5,)"} <= set(text)
    assert not any(t.startswith(("in (", "out (")) for t in text)
    assert "** 2" in text and "mean" in text  # the loss, outside every scope, stays


def test_collapse_depth():
    one = viz.draw_graph(scoped_mlp(), collapse=1)
    assert cluster_paths(one.source) == []
    text = shown(one)
    assert "model" in text and "6 ops" in text
    two = viz.draw_graph(scoped_mlp(), collapse=2)
    assert cluster_paths(two.source) == [("model",)]
    assert {"features", "head", "5 ops", "matmul"} <= set(shown(two))  # head: 1 op, listed


def test_a_scope_entered_twice_folds_into_one_node_per_call():
    x = Tensor(np.ones(3, np.float32), name="x")
    w = param(3)
    h = x
    for _ in range(2):
        with name_scope("block"):
            h = (h * w).tanh()
        h = h + 1  # between the calls: scope paths alone cannot tell back-to-back calls apart
    text = shown(viz.draw_graph(h.sum(), collapse="modules"))
    assert "block" in text and "block (call 2)" in text


def test_back_to_back_calls_of_one_scope_fold_into_two_nodes():
    x = Tensor(np.ones(3, np.float32), name="x")
    w = param(3)
    h = x
    for _ in range(2):
        with name_scope("block"):
            h = (h * w).tanh()
    text = shown(viz.draw_graph(h.sum(), collapse="modules"))
    assert "block" in text and "block (call 2)" in text


def test_big_graphs_collapse_to_max_nodes_and_say_so():
    loss = scoped_mlp()
    d = viz.draw_graph(loss, max_nodes=8, style="nodes")
    assert len(node_titles(parse_svg(d))) <= 8
    assert "auto-collapsed to stay under max_nodes=8: scopes folded at depth 1" in d.source
    # A budget the full picture fits in changes nothing.
    assert viz.draw_graph(loss, max_nodes=1000).source == viz.draw_graph(loss).source


def test_deeper_scopes_fold_first():
    d = viz.draw_graph(scoped_mlp(), max_nodes=14, style="nodes")  # 22 unfolded
    assert "scopes folded at depth 3" in d.source
    assert cluster_paths(d.source) == [("model",), ("model", "features"), ("model", "head")]


def test_without_scopes_the_earliest_ops_fold():
    x = autodiff.tensor(0.5, requires_grad=True, name="x")
    y = x
    for _ in range(60):
        y = y * 1.01 + x
    d = viz.draw_graph(y, max_nodes=10)
    assert len(node_titles(parse_svg(d))) <= 10
    text = shown(d)
    folded = int(re.search(r"… (\d+) earlier ops", " ".join(text)).group(1))
    assert 100 < folded < 120  # of the 120 ops
    assert f"the {folded} earliest ops folded into one node" in d.source


def test_bad_options_raise():
    loss = scoped_mlp()
    for bad in ("layers", 0, -1, True):
        with pytest.raises(ValueError, match="collapse"):
            viz.draw_graph(loss, collapse=bad)
    with pytest.raises(ValueError, match="style"):
        viz.draw_graph(loss, style="fancy")
    with pytest.raises(ValueError, match="max_nodes"):
        viz.draw_graph(loss, max_nodes=0)
    with pytest.raises(TypeError):
        viz.draw_graph([loss, "not a tensor"])


def _box(points: list[tuple[float, float]]) -> tuple[float, float, float, float]:
    xs, ys = zip(*points)
    return min(xs), min(ys), max(xs), max(ys)


def test_wire_labels_sit_inside_their_clusters():
    """Labels are nodes placed in the innermost cluster holding both ends of their wire, so
    (unlike edge labels) graphviz keeps them inside that cluster's border."""
    loss = scoped_mlp()
    viz.retain_all(loss)
    loss.backward()
    picture = build_picture(autodiff.graph.walk(loss))
    options = DrawOptions(grad_of=stored_grad, rankdir="TB")
    dot, dot_map = build_dot_and_map(picture, options)
    assert "decorate" not in dot.source  # no underlines joining labels to wires any more
    svg = parse_svg(dot)
    clusters = {
        g.get("id"): _box(points(next(iter(g.iter(f"{SVG}path"))).get("d")))
        for g in svg.iter(f"{SVG}g")
        if g.get("class") == "cluster"
    }
    scope_cluster = {scope: name for name, scope in dot_map.clusters.items()}
    checked = 0
    for title, label in wire_labels(svg).items():
        scope = dot_map.scopes[title]
        if not scope:
            continue
        cx0, cy0, cx1, cy1 = clusters[scope_cluster[scope]]
        texts_ = [t for t in (label["value"], label["grad"]) if t]
        x0 = min([label["bar"][0]] + [x for x, _, _ in texts_])
        x1 = max([label["bar"][2]] + [x + 0.6 * 11 * len(s) for x, _, s in texts_])
        y0 = min([label["bar"][1]] + [y - 11 for _, y, _ in texts_])
        y1 = max([label["bar"][3]] + [y for _, y, _ in texts_])
        assert cx0 <= x0 and x1 <= cx1 and cy0 <= y0 and y1 <= cy1, (title, scope)
        checked += 1
    assert checked >= 5  # the hidden activations between the scoped layers
