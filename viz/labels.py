r"""Safe graphviz labels: every piece of user text is escaped before it meets the DOT source.

All labels are graphviz HTML-like labels (`<...>`), so colours and line breaks are markup and
user text is always data: `esc()` turns `< > & " '` into entities, newlines into `<br/>`, other
control characters (which XML forbids, so they would break the SVG) into `?`, and puts an
invisible word joiner after each backslash, because graphviz expands `\N`, `\G`, `\\`, ...
even inside HTML labels (and even when written as `&#92;`).

    html(esc(name), "<br/>", font(esc(value), color=GREEN))   # -> '<x<br/><font ...>3</font>>'
"""

from __future__ import annotations

import html as _html
import re

# Colours shared by every picture: forward values green, gradients red (CS231n's convention).
VALUE_COLOR = "#1a7f37"
GRAD_COLOR = "#cf222e"
MUTED_COLOR = "#6e7781"
ALERT_COLOR = "#a40e26"  # gradient-health warnings

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPECIAL = re.compile(r"[<>&\"'\\\x00-\x1f\x7f]")
_WORD_JOINER = "\u2060"  # zero width: keeps a backslash from starting a graphviz escape


def esc(text: object) -> str:
    """User text as literal HTML-label content (safe in DOT, and valid XML in the SVG)."""
    s = str(text)
    if not _SPECIAL.search(s):
        return s  # the common case (numbers, plain names): nothing to do
    s = _html.escape(s, quote=True)
    s = s.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    s = _CONTROL.sub("?", s).replace("\\", "\\" + _WORD_JOINER)
    return s.replace("\n", "<br/>")


def font(markup: str, *, color: str | None = None, size: float | None = None) -> str:
    """Wrap already-escaped markup in a <font> tag."""
    attrs = ""
    if color:
        attrs += f' color="{color}"'
    if size:
        attrs += f' point-size="{size:g}"'
    return f"<font{attrs}>{markup}</font>" if attrs else markup


def bold(markup: str) -> str:
    return f"<b>{markup}</b>"


def italic(markup: str) -> str:
    return f"<i>{markup}</i>"


def lines(*parts: str) -> str:
    """Join non-empty markup lines with line breaks."""
    return "<br/>".join(p for p in parts if p)


class HtmlLabel(str):
    """A finished HTML-like label, `<...>`: written into DOT as it is (dot_syntax.quote)."""


def html(markup: str) -> HtmlLabel:
    """The finished label: graphviz reads `<...>` as an HTML-like label.

    An empty label still needs content, or graphviz falls back to the node's id.
    """
    return HtmlLabel(f"<{markup or ' '}>")
