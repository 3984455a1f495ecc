"""animate_backward: backprop step by step, one frame per node the engine runs.

    loss = build()
    viz.animate_backward(loss, "backprop.html")            # open it in any browser, offline
    viz.animate_backward(loss, "backprop.html", frames_dir="frames/")  # + frame_01.svg, ...

Frame k shows the k-th node of `autodiff.topological_order` (the engine's real order): that
gate is highlighted, the wire its output gradient arrived on is gold, its input wires (where it
sends gradients) red. A gradient appears on a wire once it is complete, i.e. once every gate
that uses the value has run; a value some of whose users have run says how many parts it has
summed so far. Gates that have not run yet are grey.

The user's graph is left as it was: the gradients come from `trace_gradients` (a retained
backward that does not touch `.grad`). If a backward() already freed the graph, the frames use
the `.grad` values that `viz.retain_all` kept, and fail with advice if those are missing.

The HTML file is self-contained: the SVG frames are inline, and so are the few lines of CSS and
JavaScript for the previous / next / play controls (keys: arrows and space).
"""

from __future__ import annotations

import html
import os
import re
from dataclasses import dataclass
from pathlib import Path

import autodiff
from autodiff import Tensor

from .backend import svg
from .describe import gate_title
from .draw import Overlay, _Options, build_dot
from .numbers import summarize
from .picture import Gate, Picture, build_picture
from .trace import GradSource, _dot_grad, trace_gradients


@dataclass
class Animation:
    """The written animation: displays inline in Jupyter (an iframe of the same HTML)."""

    path: Path
    html: str
    frames: list[str]  # one SVG document per backward step
    captions: list[str]

    def __len__(self) -> int:
        return len(self.frames)

    def _repr_html_(self) -> str:
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
            'style="width:100%;height:560px;border:1px solid #d0d7de"></iframe>'
        )


def animate_backward(
    loss: Tensor,
    path: str | os.PathLike = "backprop.html",
    frames_dir: str | os.PathLike | None = None,
    *,
    style: str = "circuit",
    rankdir: str = "LR",
    digits: int = 3,
    shapes: bool = True,
    title: str | None = None,
) -> Animation:
    """Write an HTML page stepping through backprop from the one-element `loss`.

    One frame per compute node, in the order backward runs them; `frames_dir` also receives
    the frames as numbered SVG files. Returns an `Animation`.
    """
    if not isinstance(loss, Tensor) or loss.grad_fn is None:
        raise ValueError("animate_backward: loss must be a Tensor made by recorded ops")
    graph = autodiff.graph.walk(loss)
    picture = build_picture(graph)
    grad_of = _gradients(loss, graph.functions)
    options = _Options(
        style=style,
        values=True,
        shapes=shapes,
        grad_of=grad_of,
        health=None,
        digits=digits,
        rankdir=rankdir,
    )
    order = autodiff.topological_order([loss.grad_fn])
    gate_of = {id(g.node): g for g in picture.gates}
    gates = [gate_of[id(node)] for node in order]

    frames, captions = [], []
    for k in range(len(gates)):
        overlay = _overlay(picture, gates, k, grad_of, options)
        captions.append(overlay.caption)
        frames.append(svg(build_dot(picture, options, title=title, overlay=overlay)))

    page = _page(frames, captions, title or "backprop, step by step")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    if frames_dir is not None:
        _write_frames(Path(frames_dir), frames)
    return Animation(path, page, frames, captions)


def _gradients(loss: Tensor, functions: list) -> GradSource:
    """Every gradient of the graph, without touching `.grad` if the graph is still there."""
    if not any(f.freed for f in functions):
        return trace_gradients(loss).get
    tensors = autodiff.graph.walk(loss).tensors
    if all(t.grad is not None for t in tensors if t.requires_grad):
        return _dot_grad
    raise RuntimeError(
        "animate_backward: backward() already freed this graph, and not every gradient was "
        "kept. Call animate_backward before loss.backward(), or call viz.retain_all(loss) "
        "before backward()"
    )


def _overlay(
    picture: Picture, gates: list[Gate], k: int, grad_of: GradSource, options: _Options
) -> Overlay:
    """What frame k shows: gates[k] runs; gradients are complete once all their users ran."""
    ran = {id(g) for g in gates[: k + 1]}
    known, partial = set(), {}
    for t in picture.tensors:
        users = picture.consumers.get(id(t), [])
        done = sum(id(u) in ran for u in users)
        if done == len(users):
            known.add(id(t))
        elif done:
            partial[id(t)] = (done, len(users))
    gate = gates[k]
    circuit = options.style == "circuit"
    caption = _caption(picture, gate, k, len(gates), known, grad_of, options.digits, circuit)
    return Overlay(gate, ran - {id(gate)}, known, partial, caption)


def _caption(picture, gate, k, n, known, grad_of, digits, circuit) -> str:
    """`step 3 of 8: 'exp' gets gradient -0.534 and sends -0.197 to the '* -1' output`."""
    out = gate.outputs[0]
    g_out = grad_of(out)
    arrived = summarize(g_out, digits) if g_out is not None else "?"
    parts = []
    for t in dict.fromkeys(gate.inputs):  # each input once, in order
        if not t.requires_grad:
            continue
        name = _name(picture, t, digits, circuit)
        g = grad_of(t) if id(t) in known else None
        parts.append(f"{summarize(g, digits)} to {name}" if g is not None else f"a part to {name}")
    sent = " and sends " + ", ".join(parts) if parts else ""
    op = gate_title(gate, digits)
    return f"step {k + 1} of {n}: '{op}' gets gradient {arrived}{sent}"


def _name(picture: Picture, t: Tensor, digits: int, circuit: bool) -> str:
    """How the caption refers to a value: its name as drawn, or (on an unnamed wire of a
    circuit, where no name is drawn) where it comes from."""
    producer = picture.producer.get(id(t))
    if t.name or producer is None or not circuit:
        return picture.graph.name(t)
    return f"the '{gate_title(producer, digits)}' output"


def _write_frames(directory: Path, frames: list[str]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    width = max(2, len(str(len(frames))))
    for i, frame in enumerate(frames, start=1):
        (directory / f"frame_{i:0{width}d}.svg").write_text(frame, encoding="utf-8")


_PROLOG = re.compile(r"<\?xml[^>]*\?>|<!DOCTYPE[^>]*>", re.IGNORECASE)
_IDS = re.compile(r'\bid="')


def _inline(svg_text: str, k: int) -> str:
    """An SVG document made fit to sit inside HTML: no XML prolog, ids unique per frame."""
    return _IDS.sub(f'id="s{k}_', _PROLOG.sub("", svg_text)).strip()


_STYLE = """
body { font-family: Helvetica, Arial, sans-serif; margin: 1em; color: #24292f; }
.bar { display: flex; gap: .5em; align-items: center; margin-bottom: .5em; }
button { font-size: 1em; padding: .2em .8em; }
.frame svg { max-width: 100%; height: auto; }
"""

_SCRIPT = """
(function () {
  var frames = document.querySelectorAll('.frame');
  var slider = document.getElementById('slider');
  var count = document.getElementById('count');
  var play = document.getElementById('play');
  var i = 0, timer = null;
  function show(k) {
    i = (k + frames.length) % frames.length;
    for (var j = 0; j < frames.length; j++) frames[j].hidden = (j !== i);
    slider.value = i;
    count.textContent = 'step ' + (i + 1) + ' / ' + frames.length;
  }
  function stop() { clearInterval(timer); timer = null; play.textContent = '\\u25B6 play'; }
  function start() {
    if (i === frames.length - 1) show(0);
    play.textContent = '\\u275A\\u275A pause';
    timer = setInterval(function () {
      if (i === frames.length - 1) { stop(); } else { show(i + 1); }
    }, 1200);
  }
  document.getElementById('prev').onclick = function () { stop(); show(i - 1); };
  document.getElementById('next').onclick = function () { stop(); show(i + 1); };
  play.onclick = function () { if (timer) { stop(); } else { start(); } };
  slider.oninput = function () { stop(); show(+slider.value); };
  document.addEventListener('keydown', function (e) {
    if (e.key === 'ArrowLeft') { stop(); show(i - 1); }
    if (e.key === 'ArrowRight') { stop(); show(i + 1); }
    if (e.key === ' ') { e.preventDefault(); play.onclick(); }
  });
  show(0);
})();
"""


def _page(frames: list[str], captions: list[str], title: str) -> str:
    divs = "\n".join(
        f'<div class="frame" data-caption="{html.escape(c, quote=True)}"{" hidden" if k else ""}>'
        f"\n{_inline(f, k)}\n</div>"
        for k, (f, c) in enumerate(zip(frames, captions))
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{html.escape(title)}</title>
<style>{_STYLE}</style>
</head>
<body>
<h1>{html.escape(title)}</h1>
<div class="bar">
<button id="prev">&#9664; prev</button>
<button id="play">&#9654; play</button>
<button id="next">next &#9654;</button>
<input id="slider" type="range" min="0" max="{len(frames) - 1}" value="0">
<span id="count"></span>
</div>
{divs}
<script>{_SCRIPT}</script>
</body>
</html>
"""
