"""The explorer page: one self-contained HTML file, the graph inline as SVG, its data as JSON,
and a small hand-written script and style sheet (explorer.js, explorer.css, next to this
file). Nothing is fetched when the page is viewed.

Everything embedded is escaped for where it goes: SVG text by ElementTree, the JSON so that
no `</script>` (or `<!--`) can end its script element, the title as HTML text.
"""

from __future__ import annotations

import html
import json
import xml.etree.ElementTree as ET
from importlib import resources
from typing import Any

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"


def prepare_svg(svg_text: str, labels: dict[str, str]) -> str:
    """The rendered SVG, fit for inlining: every node's <g> carries `data-node="<label>"`,
    and the size follows the page (the viewBox, which pan and zoom move, stays)."""
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    root = ET.fromstring(svg_text)
    for attr in ("width", "height"):
        root.attrib.pop(attr, None)
    for g in root.iter(f"{{{SVG_NS}}}g"):
        if g.get("class") == "node" and g.get("id") in labels:
            g.set("data-node", labels[g.get("id")])
    return ET.tostring(root, encoding="unicode")


def script_json(data: Any) -> str:
    """JSON that is safe inside <script>: <, > and & become \\u escapes (JSON.parse reads them
    back), as do the two line separators JavaScript once treated as newlines."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for char in "<>&\u2028\u2029":
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def page(svg: str, data: dict[str, Any], title: str, legend: list[tuple[str, str]]) -> str:
    """The whole HTML document. `legend` lists the health colours: (words, colour)."""
    steps = len(data["steps"]) - 1
    slider = (
        '<div id="backprop"><label for="slider">backward</label> '
        f'<input id="slider" type="range" min="0" max="{steps}" value="{steps}"> '
        '<span id="caption"></span></div>'
        if steps > 0
        else '<div id="backprop"><span id="caption">No backward steps to show: the root is '
        "not a one-element loss made by recorded ops, or its gradients are gone.</span></div>"
    )
    swatches = "".join(
        f'<span class="swatch" style="background:{html.escape(color)}"></span>{html.escape(words)} '
        for words, color in legend
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{html.escape(title)}</title>
<style>{_asset("explorer.css")}</style>
</head>
<body>
<header>
<h1>{html.escape(title)}</h1>
<input id="search" type="search" placeholder="find a tensor or op" autocomplete="off">
<span id="found"></span>
<label><input id="health" type="checkbox"> gradient health</label>
<span id="legend" hidden>{swatches}</span>
<button id="fold-all" type="button">fold modules</button>
<button id="unfold-all" type="button">unfold</button>
<button id="fit" type="button">fit</button>
</header>
{slider}
<main>
<div id="graph">{svg}</div>
<aside id="details"><p class="hint">Click a node to see its values and gradient. Drag to
pan, scroll to zoom, click a module's name to fold it.</p></aside>
</main>
<script type="application/json" id="graph-data">{script_json(data)}</script>
<script>{_asset("explorer.js")}</script>
</body>
</html>
"""
