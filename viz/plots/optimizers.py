"""plot_optimizer_paths: a 2-D loss surface as contours, with each optimizer's trajectory.

    def rosenbrock(x, y):
        return (1 - x) ** 2 + 100 * (y - x**2) ** 2

    viz.plot_optimizer_paths(
        rosenbrock,
        {"SGD": lambda ps: nn.optim.SGD(ps, lr=1e-3),
         "Adam": lambda ps: nn.optim.Adam(ps, lr=0.05)},
        start=(-1.5, 2.0),
        steps=200,
    )

`f(x, y)` takes two Tensors and returns a one-element Tensor; written with elementwise ops, it is
also evaluated on the whole contour grid at once (otherwise point by point). Each optimizer is
a factory `params -> optimizer` (any object with `zero_grad()` and `step()`, like nn.optim's),
given the two 0-d parameters `[x, y]`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

import autodiff
from autodiff import Tensor

from ._figure import finish, new_figure

# Strong colours that stand out from viridis contours.
_COLORS = ("#d62728", "#1f77b4", "#ff7f0e", "#9467bd", "#000000", "#e377c2")


class Optimizer(Protocol):
    def zero_grad(self) -> None: ...

    def step(self) -> None: ...


def optimizer_path(
    f: Callable[[Tensor, Tensor], Tensor],
    factory: Callable[[list[Tensor]], Optimizer],
    start: Sequence[float],
    steps: int,
) -> np.ndarray:
    """The points `(steps + 1, 2)` an optimizer visits minimising f from `start`."""
    x = Tensor(np.float64(start[0]), requires_grad=True, name="x")
    y = Tensor(np.float64(start[1]), requires_grad=True, name="y")
    opt = factory([x, y])
    points = [(float(x.data), float(y.data))]
    for _ in range(steps):
        opt.zero_grad()
        loss = f(x, y)
        loss.backward()
        opt.step()
        points.append((float(x.data), float(y.data)))
        if not np.isfinite(points[-1]).all():
            break  # diverged: stop before the numbers turn into warnings
    return np.array(points)


def plot_optimizer_paths(
    f: Callable[[Tensor, Tensor], Tensor],
    optimizers: Mapping[str, Callable[[list[Tensor]], Optimizer]],
    start: Sequence[float],
    steps: int = 100,
    bounds: tuple[tuple[float, float], tuple[float, float]] | None = None,
    path: str | os.PathLike | None = None,
    levels: int = 30,
) -> Figure:
    """Contours of f with one trajectory per optimizer; `bounds` ((x0, x1), (y0, y1)) defaults
    to the region the trajectories cover, with a margin."""
    paths = {name: optimizer_path(f, make, start, steps) for name, make in optimizers.items()}
    (x0, x1), (y0, y1) = bounds or _bounds(list(paths.values()))
    gx, gy, z = _evaluate(f, (x0, x1), (y0, y1))

    fig = new_figure(7, 5.5)
    ax = fig.add_subplot()
    finite = z[np.isfinite(z)]
    if finite.size and finite.min() > 0 and finite.max() / finite.min() > 1e3:
        # Wide-ranging losses (Rosenbrock) show their valley only on a log scale.
        contour = {"levels": np.geomspace(finite.min(), finite.max(), levels), "norm": LogNorm()}
    else:
        contour = {"levels": levels}
    ax.contour(gx, gy, z, cmap="viridis", linewidths=0.8, alpha=0.55, **contour)
    for i, (name, points) in enumerate(paths.items()):
        ax.plot(
            points[:, 0],
            points[:, 1],
            "o-",
            ms=2.5,
            lw=1.6,
            color=_COLORS[i % len(_COLORS)],
            label=name,
        )
    ax.plot([start[0]], [start[1]], "k*", ms=12, label="start")
    ax.set(xlim=(x0, x1), ylim=(y0, y1), xlabel="x", ylabel="y", title="optimizer paths")
    ax.legend()
    return finish(fig, path)


def _bounds(paths: list[np.ndarray]) -> tuple[tuple[float, float], tuple[float, float]]:
    pts = np.concatenate(paths)
    pts = pts[np.isfinite(pts).all(axis=1)]
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    pad = np.maximum((hi - lo) * 0.15, 0.5)
    return (lo[0] - pad[0], hi[0] + pad[0]), (lo[1] - pad[1], hi[1] + pad[1])


def _evaluate(
    f: Callable[[Tensor, Tensor], Any], xs: tuple[float, float], ys: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """f on a grid over the bounds: 200 x 200 at once if f is elementwise, else point by point
    on a coarser 50 x 50 grid (2,500 small graphs instead of 40,000)."""
    with autodiff.no_grad(), np.errstate(all="ignore"):
        gx, gy = _grid(xs, ys, 200)
        try:
            z = np.asarray(_data(f(Tensor(gx), Tensor(gy))), dtype=np.float64)
            if z.shape == gx.shape:
                return gx, gy, z
        except (ValueError, TypeError):
            pass
        gx, gy = _grid(xs, ys, 50)
        flat = [_data(f(Tensor(a), Tensor(b))) for a, b in zip(gx.ravel(), gy.ravel())]
        return gx, gy, np.asarray(flat, dtype=np.float64).reshape(gx.shape)


def _grid(xs: tuple[float, float], ys: tuple[float, float], n: int) -> list[np.ndarray]:
    return np.meshgrid(np.linspace(*xs, n), np.linspace(*ys, n))


def _data(value: Any) -> Any:
    return value.data if isinstance(value, Tensor) else value
