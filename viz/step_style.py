"""How one backprop step (a frame of the animation) recolours the picture.

- the op that runs is gold with a red outline; ops that have not run are grey;
- the wires it sends gradients back along are red, the wire its own gradient came along gold;
- wires no gradient has come back along yet are grey.
"""

from __future__ import annotations

from autodiff import Tensor

from . import labels as markup
from . import palette as P
from .backprop import Step
from .picture import Gate


def gate_attrs(step: Step, gate: Gate) -> dict[str, str]:
    if gate is step.current:
        return {"fillcolor": P.CURRENT_FILL, "color": markup.GRAD_COLOR, "penwidth": "3"}
    if id(gate) not in step.done:
        return {"fillcolor": "white", "color": P.PENDING, "fontcolor": P.PENDING}
    return {}


def segment_attrs(step: Step, t: Tensor, into: Gate | None, source: Gate | None) -> dict[str, str]:
    """A wire segment carrying `t` into the op `into`, or (into=None) the segment leaving t's
    `source` op (None for a leaf)."""
    if into is not None:
        if into is step.current and t.requires_grad:  # it sends a gradient back along here
            return {"color": markup.GRAD_COLOR, "penwidth": "3"}
        if id(into) not in step.done and into is not step.current:  # none came this far yet
            return {"color": P.PENDING}
        return {}
    if source is not None and source is step.current:  # the gradient the op just received
        return {"color": P.ARRIVED, "penwidth": "2.5"}
    if id(t) not in step.known and id(t) not in step.partial:
        return {"color": P.PENDING}
    return {}
