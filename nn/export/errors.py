"""The errors of nn.export: what cannot be exported, imported or converted, and why."""

from __future__ import annotations


class ExportError(RuntimeError):
    """A model or graph cannot be exported faithfully (the message says which op and why)."""


class UnsupportedOpError(ExportError, NotImplementedError):
    """An op (glassgrad's or ONNX's) or a module has no mapping; the message names it."""
