"""Lesson 4 — steepest descent with exact line search on f(x1, x2) = 2 x1^2 + x2^2.

From x = (1, 1), repeat until |grad f(x)| < 0.1:

    g = grad f(x)                        by the engine (backprop), not by hand
    alpha = argmin_a f(x - a g)          exact line search along -g
    x <- x - alpha g

The line search is exact because f is a quadratic: along the line, with H the Hessian,

    phi(a) = f(x - a g) = f(x) - a g.g + (a^2 / 2) g.H g

so phi'(a) = 0 gives alpha = g.g / g.H g, with H = [[4, 0], [0, 2]] from autodiff.hessian.
(For a function that is not quadratic, minimise phi numerically instead, e.g. Newton steps
a <- a - phi'(a) / phi''(a) with both derivatives from autodiff.grad; for a quadratic the
first Newton step from a = 0 is exactly this alpha.) The script checks that phi'(alpha) = 0
with the engine: the new gradient is orthogonal to the old one, which is why the path
zig-zags at right angles across the elongated contours.

    python examples/steepest_descent.py [--out DIR]

Writes OUT/steepest_descent.png: the path on the contours.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

import autodiff
from autodiff import Tensor

START = (1.0, 1.0)
TOLERANCE = 0.1


def f(x: Tensor) -> Tensor:
    return 2 * x[0] ** 2 + x[1] ** 2


def exact_step(x: np.ndarray, g: np.ndarray) -> float:
    """alpha = g.g / g.H g, the minimiser of f(x - alpha g) for the quadratic f."""
    hessian = autodiff.hessian(f)(x).data
    return float(g @ g / (g @ hessian @ g))


def slope_along_line(x: np.ndarray, g: np.ndarray, alpha: float) -> float:
    """phi'(alpha) for phi(a) = f(x - a g), by the engine: 0 at an exact line search."""
    phi = autodiff.grad(lambda a: f(Tensor(x) - a * Tensor(g)))
    return phi(np.float64(alpha)).item()


def steepest_descent(start: tuple[float, float], tolerance: float) -> list[np.ndarray]:
    """The iterates x0, x1, ..., the last one the first with |grad| < tolerance."""
    x = np.array(start, dtype=np.float64)
    path = [x]
    print(" k         x1         x2        f(x)     |grad|     alpha   phi'(alpha)")
    for k in range(100):
        value, g = autodiff.value_and_grad(f)(x)
        g = g.data
        norm = float(np.linalg.norm(g))
        if norm < tolerance:
            print(f"{k:2d} {x[0]:10.6f} {x[1]:10.6f} {value.item():11.6f} {norm:10.6f}   (stop)")
            break
        alpha = exact_step(x, g)
        slope = slope_along_line(x, g, alpha)
        print(
            f"{k:2d} {x[0]:10.6f} {x[1]:10.6f} {value.item():11.6f} {norm:10.6f} "
            f"{alpha:9.6f} {slope:10.1e}"
        )
        x = x - alpha * g
        path.append(x)
    return path


def plot_path(path: list[np.ndarray], out: Path) -> None:
    """The path on the contours through its iterates (each step ends where it touches one),
    in full and zoomed in on the last steps."""
    points = np.array(path)
    levels = sorted({float(2 * p[0] ** 2 + p[1] ** 2) for p in points})
    fig = Figure(figsize=(9, 4.4), layout="constrained")
    for ax, half in zip(fig.subplots(1, 2), (1.25, 0.13)):
        grid = np.linspace(-half, half, 301)
        x1, x2 = np.meshgrid(grid, grid)
        values = 2 * x1**2 + x2**2
        ax.contour(x1, x2, values, levels=np.geomspace(1e-4, 4, 24), colors="0.85", linewidths=0.6)
        ax.contour(x1, x2, values, levels=levels, colors="C0", linewidths=1.2)
        ax.plot(points[:, 0], points[:, 1], "o-", color="C3", lw=1.8, ms=4)
        for k, (p1, p2) in enumerate(points):
            if abs(p1) <= half and abs(p2) <= half:
                ax.annotate(f"x{k}", (p1, p2), (5, 4), textcoords="offset points", fontsize=9)
        ax.plot(0, 0, "k*", ms=9)
        ax.set(xlim=(-half, half), ylim=(-half, half), aspect="equal", xlabel="x1", ylabel="x2")
    fig.suptitle(
        f"steepest descent on f = 2 x1² + x2² with exact line search: {len(points) - 1} steps"
        " (right: zoomed in)"
    )
    fig.savefig(out, dpi=100)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"), help="where pictures go")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    path = steepest_descent(START, TOLERANCE)
    x = path[-1]
    print(
        f"converged after {len(path) - 1} iterations: x = ({x[0]:.6f}, {x[1]:.6f}), "
        f"|grad| < {TOLERANCE}"
    )
    picture = args.out / "steepest_descent.png"
    plot_path(path, picture)
    print(f"wrote {picture}")


if __name__ == "__main__":
    main()
