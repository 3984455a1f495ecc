"""Lesson 3 — rating prediction metrics: MAE and RMSE of predicted against actual ratings.

With errors e = predicted - actual over n ratings:

    MAE  = sum(|e|) / n           the average miss, in stars
    RMSE = sqrt(sum(e^2) / n)     the typical miss, with large misses weighing more

Both are computed twice: with nn.train's metrics (`mae`, `rmse`) and written out with the
engine's ops, which must agree. The lesson platform computed RMSE as sqrt(sum(e^2)) / n, which
is a mistake: that equals RMSE / sqrt(n), so it shrinks as more ratings are scored even though
every error stays the same. The picture shows it: the same ten errors repeated k times keep
their MAE and RMSE, while the platform's number falls like 1 / sqrt(n).

    python examples/rating_metrics.py [--out DIR]

Writes OUT/rating_metrics.png.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from autodiff import Tensor
from nn.train import mae, rmse, rmse_lesson_platform

# Ten ratings on a 1-5 star scale and a recommender's predictions of them.
ACTUAL = np.array([4.0, 3.0, 5.0, 2.0, 4.0, 1.0, 3.0, 5.0, 4.0, 2.0])
PREDICTED = np.array([3.5, 3.0, 4.0, 3.0, 4.5, 2.0, 3.0, 4.5, 4.0, 1.0])


def engine_metrics(predicted: np.ndarray, actual: np.ndarray) -> tuple[float, float]:
    """(MAE, RMSE) written with autodiff ops, as the formulas read."""
    e = Tensor(predicted) - Tensor(actual)
    return e.abs().mean().item(), (e**2).mean().sqrt().item()


def plot_growth(path: Path) -> None:
    """RMSE, MAE and the platform's formula for the same errors repeated 1 to 100 times."""
    repeats = np.array([1, 2, 5, 10, 20, 50, 100])
    n = repeats * len(ACTUAL)
    rows = [(np.tile(PREDICTED, k), np.tile(ACTUAL, k)) for k in repeats]
    fig = Figure(figsize=(6, 3.8), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(n, [rmse(p, a) for p, a in rows], "o-", label="RMSE = sqrt(sum(e²) / n)")
    ax.plot(n, [mae(p, a) for p, a in rows], "s-", label="MAE = sum(|e|) / n")
    platform = [rmse_lesson_platform(p, a) for p, a in rows]
    ax.plot(n, platform, "x--", color="C3", label="platform: sqrt(sum(e²)) / n  (wrong)")
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="number of ratings n (same errors repeated)",
        ylabel="stars",
        title="The same errors, more ratings",
    )
    ticks = [0.02, 0.05, 0.1, 0.2, 0.5, 1.0]
    ax.set_yticks(ticks, [f"{t:g}" for t in ticks])
    ax.set_yticks([], minor=True)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    fig.savefig(path, dpi=100)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"), help="where pictures go")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    print(f"actual:    {ACTUAL.tolist()}")
    print(f"predicted: {PREDICTED.tolist()}")
    print(f"errors:    {(PREDICTED - ACTUAL).tolist()}")
    m, r = mae(PREDICTED, ACTUAL), rmse(PREDICTED, ACTUAL)
    engine_m, engine_r = engine_metrics(PREDICTED, ACTUAL)
    assert np.isclose(m, engine_m) and np.isclose(r, engine_r)
    print(f"MAE  = {m:.4f}  (engine ops: {engine_m:.4f})")
    print(f"RMSE = {r:.4f}  (engine ops: {engine_r:.4f})")

    wrong = rmse_lesson_platform(PREDICTED, ACTUAL)
    n = len(ACTUAL)
    print(
        f"lesson platform's sqrt(sum(e^2)) / n = {wrong:.4f} = RMSE / sqrt({n}): a mistake, "
        "it shrinks as n grows while the errors stay the same"
    )
    k = 100
    many_predicted, many_actual = np.tile(PREDICTED, k), np.tile(ACTUAL, k)
    print(
        f"  the same errors repeated {k} times: RMSE {rmse(many_predicted, many_actual):.4f}, "
        f"platform {rmse_lesson_platform(many_predicted, many_actual):.4f}"
    )

    path = args.out / "rating_metrics.png"
    plot_growth(path)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
