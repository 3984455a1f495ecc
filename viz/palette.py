"""The colours and font every graph picture shares.

Text colours (values green, gradients red) live in labels.py with the markup helpers; these
are the fills and strokes of shapes and wires.
"""

from __future__ import annotations

FONT = "Helvetica"

GATE_FILL = "#fff8c5"  # an op
FOLDED_FILL = "#eaeef2"  # a folded name scope, or the "earlier ops" box
PARAM_FILL = "#ddf4ff"  # leaves that require grad: what training changes
CONST_FILL = "#f6f8fa"  # leaves that do not
CLUSTER_FILLS = ("#f6f8fa", "#eaeef2")  # alternate by nesting depth
CLUSTER_BORDER = "#8c959f"
CLUSTER_TEXT = "#424a53"
WIRE = "#57606a"

# Backprop frames (animate_backward, and the explorer's slider).
CURRENT_FILL = "#ffd33d"  # the op whose backward runs now
PENDING = "#afb8c1"  # what backprop has not reached yet
ARRIVED = "#bf8700"  # the wire the current op's output gradient came along


def pastel(color: str, keep: float = 0.35) -> str:
    """`color` (#rrggbb) mixed with white, light enough for dark text on top."""
    rgb = [int(color[i : i + 2], 16) for i in (1, 3, 5)]
    mixed = [round(255 - (255 - c) * keep) for c in rgb]
    return "#{:02x}{:02x}{:02x}".format(*mixed)
