"""Writing DOT statements: every attribute value quoted the one plain way.

    quote("rounded,filled")        -> '"rounded,filled"'
    quote('say "hi"')              -> '"say \\"hi\\""'
    quote(html("<b>x</b>"))        -> '<<b>x</b>>'   (an HTML-like label made by labels.html:
                                                      its text was escaped by labels.esc)
    node_line("t3", {"shape": "box"})  -> '\\tt3 [shape="box"]\\n'

Node ids and edge ends (`t3`, `w3:wire:e`) are ours, made from graph positions, and never
user text; they are checked, not quoted, because a quoted `w3:wire:e` would name a node
instead of a port.
"""

from __future__ import annotations

import re

from .labels import HtmlLabel

_ID = re.compile(r"[A-Za-z_][A-Za-z_0-9]*(:[A-Za-z_0-9]+(:[nsew])?)?")


def quote(value: str) -> str:
    """A DOT attribute value: an HTML-like label as it is, anything else double-quoted.

    Inside DOT's double quotes `\\"` is the only escape; every other backslash is kept for
    graphviz to interpret later (`\\N`, `\\l`, ...), so a value holding one is refused:
    ours are colours, shapes and numbers, and user text only ever goes into HTML labels.
    """
    if isinstance(value, HtmlLabel):
        return value
    if "\\" in value:
        raise ValueError(f"DOT attribute values here never hold a backslash: {value!r}")
    return '"' + value.replace('"', '\\"') + '"'


def attr_list(attrs: dict[str, str]) -> str:
    """` [k="v" ...]`, or nothing for no attributes."""
    if not attrs:
        return ""
    return " [" + " ".join(f"{k}={quote(v)}" for k, v in attrs.items()) + "]"


def node_id(name: str) -> str:
    """One of our node ids or edge ends, checked to be a plain DOT id (optionally :port:side)."""
    if not _ID.fullmatch(name):
        raise ValueError(f"not a plain DOT node id: {name!r}")
    return name


def node_line(name: str, attrs: dict[str, str], indent: str = "\t") -> str:
    return f"{indent}{node_id(name)}{attr_list(attrs)}\n"


def edge_line(tail: str, head: str, attrs: dict[str, str], indent: str = "\t") -> str:
    return f"{indent}{node_id(tail)} -> {node_id(head)}{attr_list(attrs)}\n"
