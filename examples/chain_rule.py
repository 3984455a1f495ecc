"""The chain rule, drawn: the two circuits of CS231n with every value and gradient.

    python examples/chain_rule.py              # writes into out/
    python examples/chain_rule.py --out /tmp/pictures

Writes, for f = (x + y) * z and for the sigmoid neuron f = 1 / (1 + exp(-(w0*x0 + w1*x1 + w2))):
    add_mul.svg, neuron.svg              the circuits after backward (values green, grads red)
    neuron_nodes.svg                     the neuron as data boxes and op ellipses
    add_mul.png, neuron.png, ...         a PNG twin of each SVG, for viewers without SVG
    neuron_backprop.html                 backprop step by step (open in a browser, offline)
and prints the values and gradients.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import autodiff
import viz
from autodiff import Tensor


def leaf(value: float, name: str) -> Tensor:
    return autodiff.tensor(value, requires_grad=True, name=name)


def add_mul() -> tuple[Tensor, list[Tensor]]:
    """f = (x + y) * z at x=-2, y=5, z=-4: values 3 and -12; gradients -4, -4, 3."""
    x, y, z = leaf(-2.0, "x"), leaf(5.0, "y"), leaf(-4.0, "z")
    q = x + y
    q.name = "q"
    f = q * z
    f.name = "f"
    return f, [x, y, z, q]


def neuron() -> tuple[Tensor, list[Tensor]]:
    """The 2-input sigmoid neuron of CS231n, built gate by gate as its picture draws it."""
    w0, x0 = leaf(2.0, "w0"), leaf(-1.0, "x0")
    w1, x1 = leaf(-3.0, "w1"), leaf(-2.0, "x1")
    w2 = leaf(-3.0, "w2")
    s = w0 * x0 + w1 * x1 + w2
    f = 1 / (1 + (s * -1).exp())  # "* -1" rather than unary minus: CS231n's gate
    f.name = "f"
    return f, [w0, x0, w1, x1, w2]


def report(title: str, f: Tensor, tensors: list[Tensor]) -> None:
    print(f"{title}: f = {f.item():.4g}")
    for t in tensors:
        print(f"  {t.name:>3} = {t.item():7.4g}   df/d{t.name} = {t.grad.item():7.4g}")


def draw(f: Tensor, stem: Path, **options) -> None:
    """The graph of f as stem.svg and its twin stem.png."""
    for suffix in (".svg", ".png"):
        viz.render(f, stem.with_suffix(suffix), **options)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"), help="output directory")
    args = parser.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    f, tensors = add_mul()
    viz.retain_all(f)  # keep q's gradient (and f's) too, not only the leaves'
    f.backward()
    report("(x + y) * z", f, tensors)
    draw(f, out / "add_mul", title="f = (x + y) * z")

    f, tensors = neuron()
    # The animation first: it computes gradients on the side and leaves the graph as it was.
    animation = viz.animate_backward(f, out / "neuron_backprop.html", title="sigmoid neuron")
    viz.retain_all(f)
    f.backward()
    report("sigmoid neuron", f, tensors)
    draw(f, out / "neuron", title="f = 1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))")
    draw(f, out / "neuron_nodes", style="nodes")

    names = ", ".join(f"{name}.svg/.png" for name in ("add_mul", "neuron", "neuron_nodes"))
    print(f"wrote {names} to {out}")
    print(f"wrote {animation.path} ({animation.backward_steps} backward steps)")


if __name__ == "__main__":
    main()
