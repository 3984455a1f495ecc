"""The caption at the top of a picture: title, notes, a backprop step's sentence, and the
one-line legend of the circuit's wires.

    caption_label(title="f = (x + y) * z", notes=[], step_caption="", legend="LR")
    -> markup of a small table: the title in bold, then "value above each wire, gradient
       below it" with "value" in green and "gradient" in red
"""

from __future__ import annotations

import math

from . import labels as markup


def legend_line(across: bool) -> str:
    """One line that explains every wire: "value above each wire, gradient below it"."""
    value = markup.font(markup.bold("value"), color=markup.VALUE_COLOR)
    grad = markup.font(markup.bold("gradient"), color=markup.GRAD_COLOR)
    where = ("above", "below") if across else ("left of", "right of")
    return markup.font(f"{value} {where[0]} each wire, {grad} {where[1]} it", size=10)


def caption_label(
    title: str | None,
    notes: list[str],
    step_caption: str = "",
    legend: bool = False,
    across: bool = True,
    size: tuple[float, float] | None = None,
) -> str:
    """The caption's markup ("" if there is nothing to say). `size` (width, height in inches)
    fixes its size, so that every frame of an animation lays out alike."""
    rows = [markup.bold(markup.esc(title))] if title else []
    rows += [markup.esc(n) for n in notes]
    if step_caption:
        rows.append(markup.bold(markup.esc(step_caption)))
    if legend:
        rows.append(legend_line(across))
    if not rows:
        return ""
    cells = "".join(f'<tr><td align="left" balign="left">{r}</td></tr>' for r in rows)
    table = f'<table border="0" cellborder="0" cellspacing="0" cellpadding="1">{cells}</table>'
    if size is None:
        return table
    # Points, rounded up with room to spare: a fixed cell too small for its content is an
    # error in dot (even an assertion failure in 2.43).
    width, height = (math.ceil(v * 72) + 2 for v in size)
    return (
        '<table border="0" cellborder="0" cellspacing="0" cellpadding="0"><tr>'
        f'<td fixedsize="true" width="{width}" height="{height}" align="left" valign="top">'
        f"{table}</td></tr></table>"
    )
