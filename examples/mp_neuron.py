"""Lesson 2 — the McCulloch-Pitts neuron: logical OR and AND from sgn(w . x + b).

The neuron adds its weighted inputs and fires when the sum w . x + b is positive: sgn = +1
reads as "true", -1 as "false", and nn.Step gives the same decision as y = 1 / 0. With
w = [1, 1], b = -0.5 it computes OR: one active input is enough. AND needs both, so the
threshold must lie between one and two active inputs; the script finds such weights with
Rosenblatt's perceptron rule, starting from w = 0, b = 0:

    w <- w + lr * (t - y) * x,   b <- b + lr * (t - y),   y = sgn(w . x + b), t = +-1

which moves the decision line towards every misclassified input and stops once all four are
right. A sum of exactly 0 counts as wrong, so every input ends strictly on its side. The rule
converges whenever some line separates the classes; XOR has no such line, so there it never
settles — the reason networks need a hidden layer.

    python examples/mp_neuron.py [--out DIR]

Writes OUT/mp_neuron.png: for OR, AND and XOR, the four inputs coloured by the gate's output,
with the OR and AND decision lines and the side where the neuron fires.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

import autodiff
import nn
from autodiff import Tensor

INPUTS = np.array(list(itertools.product([0.0, 1.0], repeat=2)))  # (0,0), (0,1), (1,0), (1,1)
TARGETS = {
    "OR": np.array([0.0, 1.0, 1.0, 1.0]),
    "AND": np.array([0.0, 0.0, 0.0, 1.0]),
    "XOR": np.array([0.0, 1.0, 1.0, 0.0]),
}
STEP = nn.Step()


def neuron(w: np.ndarray, b: float, x: np.ndarray) -> tuple[Tensor, Tensor, Tensor]:
    """(w . x + b, sgn of it, step of it) for every row of x, computed by the engine."""
    s = Tensor(x) @ Tensor(w) + b
    return s, autodiff.sign(s), STEP(s)


def truth_table(gate: str, w: np.ndarray, b: float) -> bool:
    """Print the gate's truth table; True when the neuron computes it on all four inputs."""
    s, sgn, y = neuron(w, b, INPUTS)
    print(f"{gate}: w = {w.tolist()}, b = {b:g}")
    print("  x1 x2 | w.x+b | sgn | y")
    for (x1, x2), si, gi, yi in zip(INPUTS, s.data, sgn.data, y.data):
        print(f"   {x1:.0f}  {x2:.0f} | {si:5.2f} | {gi:+3.0f} | {yi:.0f}")
    return bool(np.array_equal(y.data, TARGETS[gate]))


def perceptron(target: np.ndarray, lr: float = 0.5, epochs: int = 20) -> tuple | None:
    """Rosenblatt's rule (see the module docstring) for 0/1 targets: (w, b, epochs used), or
    None if some input is still wrong after `epochs` passes."""
    w, b = np.zeros(2), 0.0
    signs = 2 * target - 1  # 0/1 -> -1/+1
    for epoch in range(1, epochs + 1):
        mistakes = 0
        for x, t in zip(INPUTS, signs):
            y = float(autodiff.sign(Tensor(x @ w + b)).item())
            if y != t:
                w, b = w + lr * (t - y) * x, b + lr * (t - y)
                mistakes += 1
        if mistakes == 0:
            return w, b, epoch
    return None


def plot(lines: dict[str, tuple[np.ndarray, float] | None], path: Path) -> None:
    """One panel per gate: the four inputs coloured and shaped by the gate's output (fires or
    not), the neuron's line w . x + b = 0 and the side where it fires, shaded; a gate without
    weights (XOR) gets no line."""
    fig = Figure(figsize=(10.5, 3.9), layout="constrained")
    axes = fig.subplots(1, len(lines), sharey=True)
    grid = np.linspace(-0.5, 1.5, 201)
    gx, gy = np.meshgrid(grid, grid)
    fires_style = {"color": "#D55E00", "marker": "s", "label": "y = 1 (fires)"}
    quiet_style = {"color": "#0072B2", "marker": "o", "label": "y = 0"}
    for ax, (gate, found) in zip(axes, lines.items()):
        if found is not None:
            w, b = found
            side = (w[0] * gx + w[1] * gy + b > 0).astype(float)
            ax.contourf(gx, gy, side, levels=[0.5, 1.5], colors=["#D55E00"], alpha=0.12)
            ax.plot(grid, -(w[0] * grid + b) / w[1], color="0.2", lw=2, label="w . x + b = 0")
            ax.set_title(f"{gate}: w = {w.tolist()}, b = {b:g}", fontsize=10)
        else:
            ax.set_title(f"{gate}: no line separates the classes", fontsize=10)
        target = TARGETS[gate].astype(bool)
        for keep, style in ((target, fires_style), (~target, quiet_style)):
            ax.scatter(*INPUTS[keep].T, s=110, zorder=3, edgecolors="white", **style)
        for x1, x2 in INPUTS:
            offset = (-15, 11) if x2 else (-15, -21)  # above the top row, below the bottom row
            ax.annotate(f"({x1:.0f}, {x2:.0f})", (x1, x2), offset, textcoords="offset points")
        ax.set(xlim=(-0.5, 1.5), ylim=(-0.5, 1.5), xlabel="x1", aspect="equal")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("x2")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right upper")
    fig.suptitle("M-P neuron: it fires on the shaded side of its line")
    fig.savefig(path, dpi=100)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"), help="where pictures go")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    w_or, b_or = np.array([1.0, 1.0]), -0.5
    assert truth_table("OR", w_or, b_or)

    found = perceptron(TARGETS["AND"])
    assert found is not None, "the perceptron rule must find AND: it is linearly separable"
    w_and, b_and, epochs = found
    print(
        f"perceptron rule found AND weights in {epochs} epochs: w = {w_and.tolist()}, b = {b_and:g}"
    )
    assert truth_table("AND", w_and, b_and)

    print(
        "XOR: "
        + (
            "no weights after 20 epochs (not linearly separable)"
            if perceptron(TARGETS["XOR"]) is None
            else "solved?!"
        )
    )

    path = args.out / "mp_neuron.png"
    plot({"OR": (w_or, b_or), "AND": (w_and, b_and), "XOR": None}, path)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
