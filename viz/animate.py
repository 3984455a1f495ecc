"""animate_backward: backprop step by step, from the finished forward pass to the last op.

    loss = build()
    viz.animate_backward(loss, "backprop.html")            # open it in any browser, offline
    viz.animate_backward(loss, "backprop.html", frames_dir="frames/")  # + frame_00.svg, ...

Frame 0 is the forward pass: every value on its wire and the seed gradient (1) at the loss.
Frame k then runs the k-th node of `autodiff.topological_order` (the engine's real order):
that gate is highlighted, the wire its output gradient arrived on is gold, its input wires
(where it sends gradients) red. A gradient appears on a wire once it is complete, i.e. once
every gate that uses the value has run; a value some of whose users have run says how many
parts it has summed so far. Gates that have not run yet are grey. The caption names the
values ("sends 0.197 to w0*x0 and 0.197 to w1*x1", see backprop.py).

Every frame has the same layout: a gradient that has not arrived yet is drawn invisibly at its
final size, and every caption gets the size of the largest, so nothing moves or resizes from
one frame to the next.

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

from .backend import layouts, svgs
from .backprop import Step, backprop_steps
from .dot import build_dot
from .options import DrawOptions, auto_rankdir, check_rankdir, check_style
from .picture import Picture, build_picture
from .trace import GradSource, stored_grad, trace_gradients


@dataclass
class Animation:
    """The written animation: displays inline in Jupyter (an iframe of the same HTML)."""

    path: Path
    html: str
    frames: list[str]  # one SVG document per frame: the forward pass, then each backward step
    captions: list[str]

    def __len__(self) -> int:
        """Number of frames: the forward pass, then one per backward step."""
        return len(self.frames)

    @property
    def backward_steps(self) -> int:
        return len(self.frames) - 1

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
    rankdir: str | None = None,
    digits: int = 3,
    shapes: bool = True,
    title: str | None = None,
) -> Animation:
    """Write an HTML page stepping through backprop from the one-element `loss`.

    Frame 0 shows the forward pass, then there is one frame per compute node, in the order
    backward runs them; `frames_dir` also receives the frames as numbered SVG files.
    `rankdir` as in draw_graph (None: LR for scalars, TB for arrays). Returns an `Animation`.
    """
    if not isinstance(loss, Tensor) or loss.grad_fn is None:
        raise ValueError("animate_backward: loss must be a Tensor made by recorded ops")
    check_style(style)
    check_rankdir(rankdir)
    graph = autodiff.graph.walk(loss)
    picture = build_picture(graph)
    grad_of = gradients_for_frames(loss, graph.functions)
    options = DrawOptions(
        style=style,
        values=True,
        shapes=shapes,
        grad_of=grad_of,
        digits=digits,
        rankdir=rankdir or auto_rankdir(picture.tensors),
    )
    steps = backprop_steps(picture, loss, grad_of, digits)
    frames = pinned_frames(picture, options, steps, title)
    captions = [s.caption for s in steps]

    page = _page(frames, captions, title or "backprop, step by step")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    if frames_dir is not None:
        _write_frames(Path(frames_dir), frames)
    return Animation(path, page, frames, captions)


def gradients_for_frames(loss: Tensor, functions: list) -> GradSource:
    """Every gradient of the graph, without touching `.grad` if the graph is still there."""
    if not any(f.freed for f in functions):
        return trace_gradients(loss).get
    tensors = autodiff.graph.walk(loss).tensors
    if all(t.grad is not None for t in tensors if t.requires_grad):
        return stored_grad
    raise RuntimeError(
        "animate_backward: backward() already freed this graph, and not every gradient was "
        "kept. Call animate_backward before loss.backward(), or call viz.retain_all(loss) "
        "before backward()"
    )


def pinned_frames(
    picture: Picture, options: DrawOptions, steps: list[Step], title: str | None
) -> list[str]:
    """The SVG of every step, all laid out alike.

    Nodes keep their size from frame to frame by construction (a gradient not known yet is
    drawn, invisibly, in its final size); the caption changes, so every frame's caption gets
    the largest caption's size, measured by laying the frames out once.
    """
    drafts = layouts([build_dot(picture, options, title=title, step=s) for s in steps])
    caption = (
        max(float(d.get("lwidth", 0)) for d in drafts),
        max(float(d.get("lheight", 0)) for d in drafts),
    )
    return svgs(
        [build_dot(picture, options, title=title, step=s, caption_size=caption) for s in steps]
    )


def _write_frames(directory: Path, frames: list[str]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    width = max(2, len(str(len(frames))))
    for i, frame in enumerate(frames):  # frame_00 is the forward pass
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
    count.textContent = i === 0 ? 'forward pass' : 'step ' + i + ' / ' + (frames.length - 1);
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
