"""viz.explore writes one self-contained page: the graph as inline SVG whose every node carries
`data-node`, its data as JSON, and everything user-written escaped (no browser needed here;
test_viz_explore_browser.py drives the page in Chromium)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import numpy as np
import pytest
from viz_helpers import leaf, neuron

import autodiff
import viz
from viz.explorer.facts import array_facts


class PageParts(HTMLParser):
    """The page's node elements (id -> data-node), script blocks and external references."""

    def __init__(self) -> None:
        super().__init__()
        self.nodes: dict[str, str | None] = {}
        self.scripts: list[tuple[dict, str]] = []
        self.external: list[str] = []
        self._script: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "g" and a.get("class", "").split()[:1] == ["node"]:
            self.nodes[a["id"]] = a.get("data-node")
        if tag == "script":
            self._script = a
            self.scripts.append((a, ""))
        for key in ("src", "href", "xlink:href"):
            if a.get(key):
                self.external.append(a[key])

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None

    def handle_data(self, data):
        if self._script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)


def parts(html_text: str) -> tuple[PageParts, dict]:
    p = PageParts()
    p.feed(html_text)
    (data_text,) = [text for attrs, text in p.scripts if attrs.get("id") == "graph-data"]
    return p, json.loads(data_text)


def test_the_page_is_self_contained_and_every_node_carries_its_label(tmp_path):
    f, leaves = neuron(backward=False)
    page = viz.explore(f, tmp_path / "neuron.html")
    assert page.path.read_text(encoding="utf-8") == page.html
    p, data = parts(page.html)
    assert p.external == []  # nothing fetched at view time: no src, no href
    assert len(p.scripts) == 2  # the data and the hand-written script, both inline
    assert p.nodes and all(label is not None for label in p.nodes.values())
    labels = set(p.nodes.values())
    assert {"w0", "x0", "w1", "x1", "w2", "f"} <= labels  # values by name
    assert {"*", "+", "neg", "exp", "/"} <= labels  # ops by op name
    # The circuit draws each value as a pin and/or the label its wire passes through.
    for node_id, label in p.nodes.items():
        assert data["nodes"][node_id]["label"] == label
    # In Jupyter: the same page in an iframe.
    assert page._repr_html_().startswith('<iframe srcdoc="&lt;!DOCTYPE html&gt;')


def test_the_data_holds_values_gradients_and_backprop_steps(tmp_path):
    f, leaves = neuron(backward=False)
    _, data = parts(viz.explore(f, tmp_path / "neuron.html").html)
    by_label = {r["label"]: r for r in data["nodes"].values()}
    assert by_label["x1"]["value"]["entries"] == [["-2"]]
    assert by_label["x1"]["grad"]["entries"] == [["-0.59"]]
    assert by_label["exp"]["kind"] == "op" and by_label["exp"]["runs_at"] == 3
    assert by_label["w0"]["known_at"] == 8  # the last op backward runs is w0 * x0
    assert len(data["steps"]) == 9 and data["steps"][0]["current"] is None
    assert data["steps"][6]["caption"].endswith("sends 0.197 to w0*x0 and 0.197 to w1*x1")
    # Exploring changed nothing: the gradients were traced aside.
    assert all(t.grad is None for t in leaves.values())


def test_array_facts():
    facts = array_facts(np.array([[1.0, -2.0], [0.0, np.nan]]))
    assert facts["shape"] == "(2, 2)" and facts["dtype"] == "float64"
    assert facts["stats"] == {
        "min": "-2",
        "mean": "-0.333",
        "max": "1",
        "norm": "2.24",
        "zeros": "25%",
        "nan": "25%",
        "inf": "0%",
    }
    assert facts["entries"] == [["1", "-2"], ["0", "nan"]] and facts["heatmap"]
    assert facts["scale"] == [[1.0, -2.0], [0.0, None]]  # JSON has no NaN
    assert sum(facts["histogram"]["counts"]) == 3  # the finite entries
    big = array_facts(np.arange(1000.0).reshape(10, 100))
    assert "entries" not in big and big["stats"]["max"] == "999"
    assert array_facts(np.float32(0.5))["entries"] == [["0.5"]]


HOSTILE = [
    "</script><script>window.pwned = 1</script>",
    "\"quoted\" & 'single'",
    "<!-- comment",
    "line\nbreak",
    "\u2028separator",
]


def test_hostile_names_are_escaped_everywhere(tmp_path):
    ts = [leaf(float(i + 1), name) for i, name in enumerate(HOSTILE)]
    s = ts[0]
    for t in ts[1:]:
        s = s * t
    s.name = "</script>"
    page = viz.explore(s, tmp_path / "hostile.html", title="<b>title</b> </script>")
    text = page.html
    # Only the page's own two scripts open and close: nothing broke out of its place.
    assert len(re.findall(r"<script\b", text)) == 2
    assert len(re.findall(r"</script", text, re.IGNORECASE)) == 2
    assert "<b>title</b>" not in text
    p, data = parts(text)
    # ...and everything reads back exactly: in the data and on the elements.
    names = {r["label"] for r in data["nodes"].values()}
    assert set(HOSTILE) | {"</script>"} <= names
    assert set(HOSTILE) | {"</script>"} <= set(p.nodes.values())


def test_without_gradients_or_a_scalar_root_there_is_no_slider(tmp_path):
    w = autodiff.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, name="w")
    y = w * 2  # not one element: no backward to step through
    _, data = parts(viz.explore(y, tmp_path / "y.html").html)
    assert len(data["steps"]) == 0
    assert "No backward steps to show" in (tmp_path / "y.html").read_text()
    with pytest.raises(TypeError):
        viz.explore("not a tensor", tmp_path / "z.html")
