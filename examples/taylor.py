"""Lesson 14 — the Taylor expansion of e^x at 0, from the engine's higher-order derivatives.

    e^x ~ sum_n f^(n)(0) / n! x^n

f^(n)(0) is computed by applying autodiff.grad n times: each grad differentiates the graph
that the previous one recorded of its own backward pass (create_graph), so no derivative is
written by hand. For e^x every derivative is e^0 = 1 and the coefficients are 1 / n!. The
order-1 polynomial 1 + x is the tangent line; order 5 follows e^x closely on [-2, 2] and is
off by 1.6e-3 at x = 1.

    python examples/taylor.py [--out DIR]

Writes OUT/taylor_exp.png (e^x with its order 1 and order 5 polynomials).
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np

import autodiff
import viz
from viz.plots.taylor import derivatives_at, taylor_polynomial

ORDERS = (1, 5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"), help="where pictures go")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    derivatives = derivatives_at(autodiff.exp, 0.0, max(ORDERS))
    print(f"{'n':>2} {'f^(n)(0)':>10} {'f^(n)(0) / n!':>14}   1 / n!")
    for n, d in enumerate(derivatives):
        coefficient = d / math.factorial(n)
        print(f"{n:2d} {d:10.6f} {coefficient:14.6f}   1/{math.factorial(n)}")
    for order in ORDERS:
        value = float(taylor_polynomial(derivatives[: order + 1], 0.0, np.array(1.0)))
        print(f"order {order}: e^1 ~ {value:.6f} (e = {math.e:.6f}, error {math.e - value:.1e})")

    path = args.out / "taylor_exp.png"
    viz.plot_taylor(
        autodiff.exp, 0.0, ORDERS, x=np.linspace(-2.5, 2.5, 401), path=path, name="exp(x)"
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
