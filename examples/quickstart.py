"""Quick start: see a computation, then train a small network — no downloads, under a minute.

1. The chain rule on the classic circuit f = (x + y) * z: values above the edges, gradients
   below, rendered to out/circuit.svg (and .png).
2. A 2-16-16-2 tanh network learns the two-moons dataset with Adam; the decision boundary is
   saved to out/decision_boundary.png and the network's graph (one cluster per layer) to
   out/model_graph.svg.

    python examples/quickstart.py [--out DIR] [--steps N]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import autodiff
import nn
import viz
from autodiff import Tensor


def two_moons(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: points (n, 2) float32 and labels (n,) int64."""
    half = n // 2
    angles = rng.uniform(0, np.pi, size=n)
    upper = np.stack([np.cos(angles[:half]), np.sin(angles[:half])], axis=1)
    lower = np.stack([1 - np.cos(angles[half:]), 0.5 - np.sin(angles[half:])], axis=1)
    points = np.concatenate([upper, lower]) + rng.normal(scale=noise, size=(n, 2))
    labels = np.concatenate([np.zeros(half), np.ones(n - half)]).astype(np.int64)
    return points.astype(np.float32), labels


def draw_chain_rule(out: Path) -> None:
    x = autodiff.tensor(-2.0, requires_grad=True, name="x")
    y = autodiff.tensor(5.0, requires_grad=True, name="y")
    z = autodiff.tensor(-4.0, requires_grad=True, name="z")
    f = (x + y) * z
    f.name = "f"
    viz.retain_all(f)  # keep the intermediate gradient too, so the picture shows every edge
    f.backward()
    print(f"chain rule: f = (x + y) * z = {f.item():g};  df/dx = {x.grad.item():g}, "
          f"df/dy = {y.grad.item():g}, df/dz = {z.grad.item():g}")
    for suffix in (".svg", ".png"):
        viz.render(f, out / f"circuit{suffix}")


def train_moons(out: Path, steps: int) -> float:
    rng = np.random.default_rng(0)
    points, labels = two_moons(400, noise=0.1, rng=rng)
    autodiff.manual_seed(0)
    nn.init.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 2)
    )
    criterion = nn.CrossEntropyLoss()
    optimizer = nn.optim.Adam(model.parameters(), lr=0.05)
    x, t = Tensor(points), Tensor(labels)
    for step in range(steps):
        optimizer.zero_grad()
        loss = criterion(model(x), t)
        loss.backward()
        optimizer.step()
        if step % 50 == 0 or step == steps - 1:
            print(f"step {step:4d}  loss {loss.item():.4f}")
    with autodiff.no_grad():
        accuracy = float((model(x).argmax(axis=1).data == labels).mean())
    print(f"two moons: training accuracy {accuracy:.1%} after {steps} Adam steps")

    plot_decision_boundary(model, points, labels, out / "decision_boundary.png")

    # The graph of one training step on a few points: one cluster per layer.
    batch = Tensor(points[:4], name="x")
    loss = criterion(model(batch), Tensor(labels[:4]))
    loss.name = "loss"
    viz.retain_all(loss)
    loss.backward()
    viz.render(loss, out / "model_graph.svg")
    viz.render(loss, out / "model_graph.png")
    return accuracy


def plot_decision_boundary(model: nn.Module, points: np.ndarray, labels: np.ndarray,
                           path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xs = np.linspace(points[:, 0].min() - 0.5, points[:, 0].max() + 0.5, 200)
    ys = np.linspace(points[:, 1].min() - 0.5, points[:, 1].max() + 0.5, 200)
    grid_x, grid_y = np.meshgrid(xs, ys)
    grid = np.stack([grid_x.ravel(), grid_y.ravel()], axis=1).astype(np.float32)
    with autodiff.no_grad():
        probs = model(Tensor(grid)).softmax(axis=1).data[:, 1].reshape(grid_x.shape)
    fig, ax = plt.subplots(figsize=(6, 4.5))
    ax.contourf(grid_x, grid_y, probs, levels=20, cmap="RdBu_r", alpha=0.6)
    ax.contour(grid_x, grid_y, probs, levels=[0.5], colors="k", linewidths=1.5)
    ax.scatter(points[:, 0], points[:, 1], c=labels, cmap="RdBu_r", edgecolors="k", s=18)
    ax.set_title("two moons: decision boundary of a 2-16-16-2 tanh network")
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"), help="where pictures go")
    parser.add_argument("--steps", type=int, default=300, help="Adam steps on two moons")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    draw_chain_rule(args.out)
    train_moons(args.out, args.steps)
    print(f"pictures written to {args.out}/: circuit.svg, decision_boundary.png, model_graph.svg")


if __name__ == "__main__":
    main()
