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
given the two 0-d parameters `[x, y]`. `optimum=(x*, y*)` marks the minimum the paths head for.
Each path has its own colour, dash and marker (style.py), over grey contours, with the legend
beside the axes. Paths that run along the same valley hide one another; `separate=True` gives
each optimizer its own panel instead (the others faint grey behind it), titled with the loss
where its path ends.
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
from .style import legend_outside, series_style


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
    optimum: Sequence[float] | None = None,
    separate: bool = False,
) -> Figure:
    """Contours of f with one trajectory per optimizer; `bounds` ((x0, x1), (y0, y1)) defaults
    to the region the trajectories cover, with a margin; `optimum` (x, y), if given, is marked;
    `separate` draws one panel per optimizer, two panels a row."""
    paths = {name: optimizer_path(f, make, start, steps) for name, make in optimizers.items()}
    (x0, x1), (y0, y1) = bounds or _bounds(list(paths.values()))
    gx, gy, z = _evaluate(f, (x0, x1), (y0, y1))

    finite = z[np.isfinite(z)]
    if finite.size and finite.min() > 0 and finite.max() / finite.min() > 1e3:
        # Wide-ranging losses (Rosenbrock) show their valley only on a log scale.
        contour = {"levels": np.geomspace(finite.min(), finite.max(), levels), "norm": LogNorm()}
    else:
        contour = {"levels": levels}
    if separate:
        rows = (len(paths) + 1) // 2
        fig = new_figure(11, 3.6 * rows)
        axes = list(fig.subplots(rows, 2, sharex=True, sharey=True, squeeze=False).ravel())
        for ax in axes[len(paths) :]:
            ax.set_visible(False)
    else:
        fig = new_figure(8.5, 5.5)
        axes = [fig.add_subplot()] * len(paths)
    for i, (ax, (name, points)) in enumerate(zip(axes, paths.items())):
        if separate or i == 0:
            # Grey contours: the coloured paths are what the eye should follow.
            ax.contour(gx, gy, z, cmap="Greys", linewidths=0.7, alpha=0.5, **contour)
        if separate:
            for other, others_points in paths.items():
                if other != name:
                    ax.plot(*others_points.T, color="0.7", lw=1.0, alpha=0.8)
            end = _loss_at(f, points[-1])
            ax.set_title(f"{name}: f = {end:.2g} after {len(points) - 1} steps")
        style = series_style(i)
        ax.plot(points[:, 0], points[:, 1], **style, ms=4, lw=1.5, alpha=0.9, label=name)
    for ax in axes[: len(paths)] if separate else axes[:1]:
        ax.plot([start[0]], [start[1]], "X", color="0.2", ms=11, mec="white", label="start")
        if optimum is not None:
            ax.plot(
                [optimum[0]], [optimum[1]], "*", color="#F0E442", ms=20, mec="black", mew=1.2,
                label=f"minimum ({optimum[0]:g}, {optimum[1]:g})", zorder=5,
            )  # fmt: skip
        ax.set(xlim=(x0, x1), ylim=(y0, y1))
    if separate:
        for ax in axes:
            ax.label_outer()
        fig.supxlabel("x")
        fig.supylabel("y")
        fig.suptitle("optimizer paths")
        handles = axes[0].get_legend_handles_labels()
        fig.legend(*(h[1:] for h in handles), loc="outside right upper")
    else:
        axes[0].set(xlabel="x", ylabel="y", title="optimizer paths")
        legend_outside(axes[0])
    return finish(fig, path)


def _loss_at(f: Callable[[Tensor, Tensor], Any], point: np.ndarray) -> float:
    with autodiff.no_grad(), np.errstate(all="ignore"):
        return float(np.asarray(_data(f(Tensor(point[0]), Tensor(point[1])))).sum())


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
