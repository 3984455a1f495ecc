"""render() by extension, Jupyter display, and the error when Graphviz's `dot` is missing."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from viz_helpers import add_mul, texts

import viz


def test_render_writes_each_format(tmp_path):
    f, _ = add_mul()
    svg = viz.render(f, tmp_path / "f.svg")
    assert "-12" in [t for t, _ in texts(ET.parse(svg).getroot())]
    assert viz.render(f, tmp_path / "f.png").read_bytes().startswith(b"\x89PNG")
    assert viz.render(f, tmp_path / "sub" / "f.pdf").read_bytes().startswith(b"%PDF")
    assert viz.render(f, tmp_path / "f.dot").read_text().startswith("digraph")


def test_render_takes_a_digraph_or_draw_options(tmp_path):
    f, _ = add_mul()
    d = viz.draw_graph(f, style="nodes")
    source = d.source
    viz.render(d, tmp_path / "a.png")
    assert d.source == source  # the caller's Digraph is not changed (dpi goes on a copy)
    viz.render(f, tmp_path / "b.svg", style="nodes")
    assert (tmp_path / "b.svg").read_text() == viz.backend.svg(d)
    with pytest.raises(ValueError, match="format"):
        viz.render(f, tmp_path / "f.jpeg2000")
    with pytest.raises(TypeError):
        viz.render(d, tmp_path / "c.svg", style="nodes")


def test_jupyter_display():
    f, _ = add_mul()
    bundle = viz.draw_graph(f)._repr_mimebundle_()
    assert bundle["image/svg+xml"].lstrip().startswith("<?xml")


@pytest.fixture
def no_dot(monkeypatch, tmp_path):
    """A PATH on which no `dot` program can be found."""
    monkeypatch.setenv("PATH", str(tmp_path))


def test_without_dot_the_source_still_builds_and_rendering_says_how_to_install(no_dot, tmp_path):
    f, _ = add_mul()
    d = viz.draw_graph(f)
    assert "-12" in d.source
    with pytest.raises(viz.GraphvizNotFoundError) as err:
        viz.render(d, tmp_path / "f.svg")
    message = str(err.value)
    assert "apt-get install graphviz" in message and "brew install graphviz" in message
    assert not (tmp_path / "f.svg").exists()
    viz.render(d, tmp_path / "f.dot")  # needs no Graphviz
    # In Jupyter: the hint and the source instead of a traceback.
    bundle = d._repr_mimebundle_()
    assert "apt-get install graphviz" in bundle["text/plain"] and "-12" in bundle["text/plain"]


def test_pngs_are_rendered_at_144_dpi_so_small_text_is_crisp(tmp_path):
    """At 144 dpi a 10 pt label is 20 pixels tall: twice the SVG's size in points."""
    import struct

    f, _ = add_mul()
    width_pt = float(ET.parse(viz.render(f, tmp_path / "f.svg")).getroot().get("width")[:-2])
    png = viz.render(f, tmp_path / "f.png").read_bytes()
    width_px = struct.unpack(">I", png[16:20])[0]  # the IHDR chunk's width
    assert abs(width_px - 2 * width_pt) <= 4
    small = viz.render(f, tmp_path / "small.png", dpi=72).read_bytes()
    assert abs(struct.unpack(">I", small[16:20])[0] - width_pt) <= 4
