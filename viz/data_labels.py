"""How a data node reads: the label riding on a circuit wire, and the box of the nodes style.

A wire label is a small table the wire passes *through*: its value sits on one side of the
line and its gradient on the other, so where wires converge no label can be read as another
wire's. Across the page (LR/RL) the value is above the wire and the gradient below; down the
page (TB/BT) the value is left and the gradient right.

    2                 scalars and short arrays: the numbers themselves
    ━━━━━━━           (the bar is the wire; edges attach to its ends, the port "wire")
    -0.197

             (4, 16) float32        big arrays: one column per statistic, so the value's and
      min    mean    max            the gradient's min / mean / max line up
    -1.76   0.112   3.79
    ───────────────────────
    -0.009  0.0016  0.0205

Everything here takes plain text and returns escaped HTML-like markup (see labels.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from . import labels as markup
from .numbers import listing, stats

WIRE_PORT = "wire"

_TABLE = '<table border="0" cellborder="0" cellspacing="0" cellpadding="{}">{}</table>'


@dataclass(frozen=True)
class Numbers:
    """An array as a picture shows it: listed (`"0.731"`, `"[1, -2]"`), or as statistics
    (`[("min", "-1.2"), ("mean", ...), ("max", ...)]`)."""

    listed: str = ""
    stats: tuple[tuple[str, str], ...] = ()
    hidden: bool = False  # drawn transparent: takes its place without showing (frames)


def numbers(values: object, digits: int) -> Numbers:
    parts = stats(values, digits)
    return Numbers(stats=tuple(parts)) if parts is not None else Numbers(listing(values, digits))


@dataclass(frozen=True)
class DataText:
    """The plain texts of one data node; empty strings and None are not drawn."""

    name: str = ""
    type: str = ""
    value: Numbers | None = None
    grad: Numbers | None = None
    tag: str = ""  # a gradient-health warning


def _line(n: Numbers, color: str, prefix: str = "") -> str:
    """A listed array as one coloured line (statistics go in columns instead)."""
    return markup.font(markup.esc(prefix + n.listed), color="transparent" if n.hidden else color)


def _head(d: DataText) -> list[str]:
    """The name and type lines over the value."""
    name = (
        markup.italic(markup.font(markup.esc(d.name), color=markup.MUTED_COLOR)) if d.name else ""
    )
    kind = markup.font(markup.esc(d.type), color=markup.MUTED_COLOR, size=9) if d.type else ""
    return [p for p in (name, kind) if p]


def _tag(d: DataText) -> str:
    return (
        markup.bold(markup.font(markup.esc("⚠ " + d.tag), color=markup.ALERT_COLOR))
        if d.tag
        else ""
    )


def _columns(d: DataText) -> list[str] | None:
    """The statistics shown in columns, if value or gradient is summarised (else None)."""
    kept = [n for n in (d.value, d.grad) if n is not None]
    if not kept or any(not n.stats for n in kept):
        return None
    return list(dict.fromkeys(k for n in kept for k, _ in n.stats))


def _stat_cells(n: Numbers | None, columns: list[str], color: str, align: str = "right") -> str:
    found = dict(n.stats) if n is not None else {}
    color = "transparent" if n is not None and n.hidden else color
    cells = (markup.font(markup.esc(found[k]), color=color) if k in found else "" for k in columns)
    return "".join(f'<td align="{align}">{cell}</td>' for cell in cells)


def _cell(markup: str, **attrs: str) -> str:
    extra = "".join(f' {k}="{v}"' for k, v in attrs.items())
    return f"<td{extra}>{markup}</td>"


def wire_label(d: DataText, across: bool, wire_color: str, port: bool = True) -> str:
    """The table a wire passes through (see the module docstring); its port is WIRE_PORT
    (`port=False`: a drawing of a wire with no edges attached)."""
    port_attr = f'port="{WIRE_PORT}" ' if port else ""
    columns = _columns(d)
    if across:
        return _across(d, columns, port_attr, wire_color)
    return _down(d, columns, port_attr, wire_color)


def _across(d: DataText, columns: list[str] | None, port_attr: str, wire_color: str) -> str:
    """Left to right: name, type and value above the wire, the gradient below."""
    span = len(columns) if columns else 1
    wire = (
        f'<td {port_attr}colspan="{span}" height="2" bgcolor="{wire_color}" cellpadding="0"></td>'
    )
    head = markup.lines(*_head(d))
    if columns is None:
        value = _line(d.value, markup.VALUE_COLOR) if d.value is not None else ""
        grad = _line(d.grad, markup.GRAD_COLOR) if d.grad is not None else ""
        rows = [_cell(markup.lines(head, value)), wire, _cell(grad)]
    else:
        rows = [_cell(head, colspan=str(span))] if head else []
        rows += [
            "".join(_cell(markup.font(k, color=markup.MUTED_COLOR, size=9)) for k in columns),
            _stat_cells(d.value, columns, markup.VALUE_COLOR),
            wire,
            _stat_cells(d.grad, columns, markup.GRAD_COLOR),
        ]
    return _TABLE.format(2, "".join(f"<tr>{r}</tr>" for r in rows))


def _down(d: DataText, columns: list[str] | None, port_attr: str, wire_color: str) -> str:
    """Top to bottom: value | wire | gradient side by side, statistics one per row."""
    head = markup.lines(*_head(d))
    if columns is None:
        value = _line(d.value, markup.VALUE_COLOR) if d.value is not None else ""
        grad = _line(d.grad, markup.GRAD_COLOR) if d.grad is not None else ""
        wire = f'<td {port_attr}width="2" bgcolor="{wire_color}" cellpadding="0"></td>'
        left = _cell(markup.lines(head, value), align="right")
        return _TABLE.format(3, f"<tr>{left}{wire}{_cell(grad, align='left')}</tr>")
    # Each row: [stat name, value | gradient]; the head row: [name and type | nothing].
    rows = [[_cell(head, colspan="2", align="right"), _cell("")]] if head else []
    for k in columns:
        name = _cell(markup.font(k, color=markup.MUTED_COLOR, size=9), align="right")
        value = _stat_cells(d.value, [k], markup.VALUE_COLOR)
        rows.append([name + value, _stat_cells(d.grad, [k], markup.GRAD_COLOR, align="left")])
    wire = (
        f'<td {port_attr}rowspan="{len(rows)}" width="2" bgcolor="{wire_color}" '
        'cellpadding="0"></td>'
    )
    rows[0].insert(1, wire)  # one wire cell, spanning every row
    return _TABLE.format(2, "".join(f"<tr>{''.join(r)}</tr>" for r in rows))


def box_label(d: DataText) -> str:
    """A data node of the nodes style: name, type, then `data` and `grad` (in columns of
    statistics for big arrays), then any health warning."""
    name = markup.bold(markup.esc(d.name))
    kind = markup.font(markup.esc(d.type), color=markup.MUTED_COLOR, size=9) if d.type else ""
    columns = _columns(d)
    if columns is None:
        return markup.lines(
            name,
            kind,
            _line(d.value, markup.VALUE_COLOR, "data ") if d.value else "",
            _line(d.grad, markup.GRAD_COLOR, "grad ") if d.grad else "",
            _tag(d),
        )
    n = str(len(columns) + 1)
    rows = [_cell(name, colspan=n)]
    if kind:
        rows.append(_cell(kind, colspan=n))
    rows.append(
        _cell("")
        + "".join(_cell(markup.font(k, color=markup.MUTED_COLOR, size=9)) for k in columns)
    )
    for word, found, color in (
        ("data", d.value, markup.VALUE_COLOR),
        ("grad", d.grad, markup.GRAD_COLOR),
    ):
        if found is not None:
            shown = "transparent" if found.hidden else color
            rows.append(
                _cell(markup.font(word, color=shown), align="left")
                + _stat_cells(found, columns, color)
            )
    if d.tag:
        rows.append(_cell(_tag(d), colspan=n))
    body = "".join(f"<tr>{r}</tr>" for r in rows)
    return _TABLE.format(2, body)


def pin_label(d: DataText) -> str:
    """An input or output of a circuit: its name and type (its numbers ride on the wire,
    unless it has none: then they are listed here)."""
    kind = markup.font(markup.esc(d.type), color=markup.MUTED_COLOR, size=9) if d.type else ""
    lines = [markup.bold(markup.esc(d.name)), kind]
    for n, color in ((d.value, markup.VALUE_COLOR), (d.grad, markup.GRAD_COLOR)):
        if n is not None:
            lines.append(_line(n, color) if not n.stats else _stats_line(n, color))
    return markup.lines(*lines, _tag(d))


def _stats_line(n: Numbers, color: str) -> str:
    return markup.font(markup.esc(" ".join(f"{k} {v}" for k, v in n.stats)), color=color)
