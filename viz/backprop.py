"""Backprop as a sequence of steps: what each frame of the animation (and each position of the
explorer's slider) shows.

Step 0 is the forward pass done: every value known, and only the seed gradient (1 at the
loss). Step k >= 1 runs the k-th node of `autodiff.topological_order`, the order the engine
really uses. A gradient is complete once every op that uses the value has run; a value some of
whose users have run has "received" part of its gradient.

    steps = backprop_steps(picture, loss, grad_of, digits=3)
    steps[3].caption   # "step 3 of 8: 'exp' gets gradient -0.534 and sends -0.197 to -(…)"
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

import autodiff
from autodiff import Tensor

from .describe import gate_title
from .names import expression
from .numbers import MAX_LISTED, fmt_number, summarize
from .picture import Gate, Picture
from .trace import GradSource


@dataclass
class Step:
    """The state of backprop after some ops have run."""

    current: Gate | None  # the op whose backward runs in this step (None: the forward pass)
    done: set[int]  # id(gate) of the ops that ran before this step
    known: set[int]  # id(tensor) of the values whose gradient is complete
    partial: dict[int, tuple[int, int]] = field(default_factory=dict)  # id -> (got, of)
    caption: str = ""


def backward_gates(picture: Picture, loss: Tensor) -> list[Gate]:
    """The picture's gates in the order backward runs them (gates must be single ops)."""
    gate_of = {id(g.node): g for g in picture.gates}
    order = autodiff.topological_order([loss.grad_fn])
    return [gate_of[id(node)] for node in order]


def backprop_steps(
    picture: Picture, loss: Tensor, grad_of: GradSource, digits: int = 3
) -> list[Step]:
    """One Step for the forward pass, then one per op in backward order."""
    gates = backward_gates(picture, loss)
    steps = []
    for k in range(len(gates) + 1):
        ran = {id(g) for g in gates[:k]}
        known, partial = set(), {}
        for t in picture.tensors:
            users = picture.consumers.get(id(t), [])
            done = sum(id(u) in ran for u in users)
            if done == len(users):
                known.add(id(t))
            elif done:
                partial[id(t)] = (done, len(users))
        if k == 0:
            caption = _forward_caption(picture, loss, grad_of, digits)
            steps.append(Step(None, set(), known, partial, caption))
            continue
        gate = gates[k - 1]
        caption = _caption(picture, gate, k, len(gates), known, partial, grad_of, digits)
        steps.append(Step(gate, ran - {id(gate)}, known, partial, caption))
    return steps


def _amount(grad: np.ndarray, digits: int) -> str:
    """A gradient in a sentence: its numbers if few, else its norm (statistics would make the
    sentence too long to read)."""
    if np.size(grad) <= MAX_LISTED:
        return summarize(grad, digits)
    with np.errstate(over="ignore"):
        return "norm " + fmt_number(np.linalg.norm(np.asarray(grad, dtype=np.float64)), digits)


def tensor_name(picture: Picture, t: Tensor) -> str:
    """How a sentence refers to a value: its name, or the expression that made it."""
    return expression(t, fallback=picture.graph.name(t))


def _forward_caption(picture: Picture, loss: Tensor, grad_of: GradSource, digits: int) -> str:
    name = tensor_name(picture, loss)
    seed = grad_of(loss)
    seed_text = summarize(seed, digits) if seed is not None else "1"
    return (
        f"forward pass: every value computed, {name} = {summarize(loss.data, digits)}; "
        f"backward starts from d{name}/d{name} = {seed_text}"
    )


def _caption(
    picture: Picture,
    gate: Gate,
    k: int,
    n: int,
    known: set[int],
    partial: dict[int, tuple[int, int]],
    grad_of: GradSource,
    digits: int,
) -> str:
    """`step 3 of 8: 'exp' gets gradient -0.534 and sends -0.197 to -(w0*x0 + w1*x1 + w2)`."""
    g_out = grad_of(gate.outputs[0])
    arrived = _amount(g_out, digits) if g_out is not None else "?"
    parts = []
    for t in dict.fromkeys(gate.inputs):  # each input once, in order
        if not t.requires_grad:
            continue
        name = tensor_name(picture, t)
        g = grad_of(t) if id(t) in known else None
        if g is not None:
            parts.append(f"{_amount(g, digits)} to {name}")
        else:
            got, total = partial[id(t)]
            parts.append(f"a part to {name} ({got} of {total} parts summed)")
    sent = ""
    if parts:
        listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        sent = " and sends " + listed
    return f"step {k} of {n}: '{gate_title(gate, digits)}' gets gradient {arrived}{sent}"
