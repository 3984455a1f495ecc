"""Shared by the viz tests: the two CS231n circuits, and reading rendered SVG back.

(A plain module, not conftest.py or a package: tests/ has no __init__ files.)
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import graphviz

import autodiff
import viz
from autodiff import Tensor
from viz.labels import GRAD_COLOR, VALUE_COLOR

SVG = "{http://www.w3.org/2000/svg}"
NUMBER = re.compile(r"^-?\d+(\.\d+)?(e-?\d+)?$")


def leaf(value: float, name: str) -> Tensor:
    return autodiff.tensor(value, requires_grad=True, name=name)


def add_mul(backward: bool = True) -> tuple[Tensor, dict[str, Tensor]]:
    """f = (x + y) * z at x=-2, y=5, z=-4, every gradient kept."""
    x, y, z = leaf(-2.0, "x"), leaf(5.0, "y"), leaf(-4.0, "z")
    f = (x + y) * z
    f.name = "f"
    if backward:
        viz.retain_all(f)
        f.backward()
    return f, {"x": x, "y": y, "z": z}


def neuron(backward: bool = True) -> tuple[Tensor, dict[str, Tensor]]:
    """CS231n's sigmoid neuron: w0=2, x0=-1, w1=-3, x1=-2, w2=-3."""
    w0, x0, w1, x1, w2 = (
        leaf(2.0, "w0"),
        leaf(-1.0, "x0"),
        leaf(-3.0, "w1"),
        leaf(-2.0, "x1"),
        leaf(-3.0, "w2"),
    )
    f = 1 / (1 + (-(w0 * x0 + w1 * x1 + w2)).exp())
    f.name = "f"
    if backward:
        viz.retain_all(f)
        f.backward()
    return f, {"w0": w0, "x0": x0, "w1": w1, "x1": x1, "w2": w2}


def parse_svg(digraph: graphviz.Digraph) -> ET.Element:
    """Render with dot and parse: fails if the SVG is not well-formed XML."""
    return ET.fromstring(viz.backend.svg(digraph))


def texts(root: ET.Element) -> list[tuple[str, str | None]]:
    """(text, fill colour) of every <text> in the SVG, in document order."""
    return [("".join(e.itertext()), e.get("fill")) for e in root.iter(f"{SVG}text")]


def numbers(root: ET.Element, color: str) -> list[float]:
    """Every number written in `color` (whole texts like "-0.197", or "data 3" / "grad -4")."""
    found = []
    for text, fill in texts(root):
        if fill != color:
            continue
        for word in text.replace("data ", "").replace("grad ", "").split():
            if NUMBER.match(word):
                found.append(float(word))
    return found


def values(root: ET.Element) -> list[float]:
    return numbers(root, VALUE_COLOR)


def grads(root: ET.Element) -> list[float]:
    return numbers(root, GRAD_COLOR)


def assert_shows(found: list[float], expected: list[float], tol: float) -> None:
    """Every expected number is shown (each occurrence matched by a separate number)."""
    pool = list(found)
    for e in expected:
        match = next((v for v in pool if abs(v - e) <= tol), None)
        assert match is not None, f"{e} not among {sorted(found)}"
        pool.remove(match)


def node_titles(root: ET.Element, kind: str = "node") -> list[str]:
    """The DOT ids of the drawn nodes (kind="node") or clusters (kind="cluster")."""
    return [
        g.find(f"{SVG}title").text
        for g in root.iter(f"{SVG}g")
        if g.get("class") == kind and g.find(f"{SVG}title") is not None
    ]


def node_shape_attr(root: ET.Element, title: str, attr: str = "fill") -> str | None:
    """An attribute (fill, stroke, stroke-dasharray) of the outline of the node `title`."""
    for g in root.iter(f"{SVG}g"):
        t = g.find(f"{SVG}title")
        if g.get("class") == "node" and t is not None and t.text == title:
            for shape in g:
                if shape.tag in (f"{SVG}path", f"{SVG}polygon", f"{SVG}ellipse"):
                    return shape.get(attr)
    raise KeyError(title)


def groups(root: ET.Element, kind: str) -> dict[str, ET.Element]:
    """The <g> of every node (kind="node") or edge (kind="edge"), by its <title>."""
    return {
        g.find(f"{SVG}title").text: g
        for g in root.iter(f"{SVG}g")
        if g.get("class") == kind and g.find(f"{SVG}title") is not None
    }


def points(text: str) -> list[tuple[float, float]]:
    nums = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", text)]
    return list(zip(nums[::2], nums[1::2]))


def wire_labels(root: ET.Element) -> dict[str, dict]:
    """Every circuit wire label (nodes titled w<i>): the bar that is the wire (x0, y0, x1, y1),
    its value and gradient texts as (x, baseline y, text), and where the edges meet it."""
    edges = groups(root, "edge")
    found = {}
    for title, g in groups(root, "node").items():
        if not re.fullmatch(r"w\d+", title):
            continue
        bar = next(p for p in g.iter(f"{SVG}polygon") if p.get("stroke") == "transparent")
        xs, ys = zip(*points(bar.get("points")))
        label = {"bar": (min(xs), min(ys), max(xs), max(ys)), "value": None, "grad": None}
        for text in g.iter(f"{SVG}text"):
            kind = {VALUE_COLOR: "value", GRAD_COLOR: "grad"}.get(text.get("fill"))
            if kind:
                label[kind] = (float(text.get("x")), float(text.get("y")), "".join(text.itertext()))
        # The segment into the label ends on the wire; the segments out of it start there.
        label["in"] = [
            points(e.find(f"{SVG}path").get("d"))[-1]
            for t, e in edges.items()
            if t.split("->")[-1].split(":")[0] == title
        ]
        label["out"] = [
            points(e.find(f"{SVG}path").get("d"))[0]
            for t, e in edges.items()
            if t.split("->")[0].split(":")[0] == title
        ]
        found[title] = label
    return found
