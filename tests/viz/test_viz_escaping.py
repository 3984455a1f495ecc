"""Hostile names still give valid SVG that shows them literally; output is deterministic."""

from __future__ import annotations

import json

import graphviz
import pytest
from viz_helpers import add_mul, leaf, parse_svg, texts

import autodiff
import viz
from viz.dot_syntax import node_id, node_line, quote
from viz.labels import html

HOSTILE = [
    "<b>bold</b>",
    "a & b",
    '"quoted"',
    "it's",
    "tab\there",
    "\\N \\G \\L",  # graphviz escapes, which it expands even in HTML labels
    "--> <!-- ]]>",
    "ünï©ødé ✓",
]


@pytest.mark.parametrize("style", ["circuit", "nodes"])
@pytest.mark.parametrize(
    "options", [{}, {"collapse": "modules"}, {"grad_health": True}, {"max_nodes": 4}]
)
def test_hostile_names_give_valid_svg(style, options):
    ts = [leaf(float(i + 1), name) for i, name in enumerate(HOSTILE)]
    with autodiff.name_scope('<scope> & "x"'):
        s = ts[0]
        for t in ts[1:]:
            s = s * t
    s.name = "<root>\n&"
    viz.retain_all(s)
    s.backward()
    svg = parse_svg(viz.draw_graph(s, style=style, title='<title> & "x"', **options))
    # A word joiner follows each backslash: invisible, but it stops graphviz's \N expansion.
    shown = [t.replace("\u2060", "") for t, _ in texts(svg)]
    assert '<title> & "x"' in shown
    if not options:
        for name in HOSTILE:
            assert name.replace("\t", " ") in shown, name
        assert "<root>" in shown and "&" in shown  # the newline became a line break


def test_control_characters_are_replaced():
    t = leaf(1.0, "bell\x07 null\x00")
    svg = parse_svg(viz.draw_graph(t * 2))
    assert "bell? null?" in [text for text, _ in texts(svg)]


def test_same_graph_gives_the_same_source():
    # Two separately built graphs: ids come from graph positions, never from id() or seq.
    for options in ({}, {"style": "nodes"}, {"collapse": "modules", "grad_health": True}):
        first = viz.draw_graph(add_mul()[0], **options).source
        second = viz.draw_graph(add_mul()[0], **options).source
        assert first == second
    assert viz.backend.svg(viz.draw_graph(add_mul()[0])) == viz.backend.svg(
        viz.draw_graph(add_mul()[0])
    )


def test_attribute_values_reach_graphviz_exactly():
    """dot_syntax.quote: whatever a value holds, dot reads back exactly that value."""
    values = ["rounded,filled", 'say "hi"', "a;b=c [d] {e}", "<not a label>", "-> --", "ünï ✓"]
    body = "".join(node_line(f"n{i}", {"tooltip": v}) for i, v in enumerate(values))
    layout = json.loads(graphviz.pipe("dot", "json", f"digraph {{\n{body}}}\n".encode()))
    assert [o["tooltip"] for o in layout["objects"]] == values
    assert quote(html("<b>x</b>")) == "<<b>x</b>>"  # only labels.html marks HTML labels
    with pytest.raises(ValueError, match="backslash"):
        quote("C:\\path")  # graphviz would read \p as an escape: refused, never mangled
    for bad in ('t1" [shape=box', "t1 -> t2", "", "w3:wire:x"):
        with pytest.raises(ValueError, match="node id"):
            node_id(bad)
    assert node_id("w3:wire:e") == "w3:wire:e"
