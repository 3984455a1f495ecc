"""The ops of issue 14 timed: einsum (with and without numpy's contraction-order search), against
matmul and torch; sort, topk, max(dim), norm and cumsum, forward and backward, against torch.

Run from the repository root::

    python -m benchmarks.einsum            # a few seconds
    python -m benchmarks.einsum --quick    # fewer repeats, for smoke tests

Figures: the minimum over repeats of the mean time per call, in microseconds, with
OPENBLAS_NUM_THREADS and torch's threads at 1 (set before numpy loads). "einsum, search off" is
numpy's default (`optimize=False`, a C loop without BLAS); autodiff.ops.einsum switches the
search on from OPTIMIZE_FROM elements, which is where the first column gets its time. Nothing is
asserted.
"""

from __future__ import annotations

import argparse
import os
import sys
import timeit

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

import autodiff as ad  # noqa: E402

# the module (autodiff.ops.einsum is the function of the same name)
einsum_module = sys.modules["autodiff.ops.einsum"]

try:
    import torch

    torch.set_num_threads(1)
except ImportError:  # the torch column stays empty
    torch = None


def best(stmt, number: int, repeat: int) -> float:
    return min(timeit.repeat(stmt, number=number, repeat=repeat)) / number * 1e6


def cell(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    repeat, scale = (2, 0.1) if args.quick else (5, 1.0)
    rng = np.random.default_rng(0)
    a = rng.standard_normal((16, 32, 64))
    b = rng.standard_normal((16, 64, 32))
    x = rng.standard_normal((64, 128))
    leaves = [ad.tensor(v, requires_grad=True) for v in (a, b, x)]
    ta, tb, tx = (torch.tensor(v, requires_grad=True) for v in (a, b, x)) if torch else (0,) * 3

    def ours(f):
        return lambda: f(*leaves)

    def theirs(f):
        return (lambda: f(ta, tb, tx)) if torch else None

    rows = [
        (
            "einsum bij,bjk->bik fwd",
            ours(lambda a, b, x: ad.einsum("bij,bjk->bik", a, b)),
            theirs(lambda a, b, x: torch.einsum("bij,bjk->bik", a, b)),
            50,
        ),
        (
            "einsum bij,bjk->bik fwd+bwd",
            ours(lambda a, b, x: ad.einsum("bij,bjk->bik", a, b).sum().backward()),
            theirs(lambda a, b, x: torch.einsum("bij,bjk->bik", a, b).sum().backward()),
            20,
        ),
        (
            "a @ b fwd+bwd (the same product)",
            ours(lambda a, b, x: (a @ b).sum().backward()),
            theirs(lambda a, b, x: (a @ b).sum().backward()),
            20,
        ),
        (
            "max(dim=1) fwd+bwd, (64, 128)",
            ours(lambda a, b, x: x.max(dim=1).values.sum().backward()),
            theirs(lambda a, b, x: x.max(dim=1).values.sum().backward()),
            200,
        ),
        (
            "sort(dim=1) fwd+bwd",
            ours(lambda a, b, x: x.sort(dim=1).values.sum().backward()),
            theirs(lambda a, b, x: x.sort(dim=1).values.sum().backward()),
            50,
        ),
        (
            "topk(5, dim=1) fwd+bwd",
            ours(lambda a, b, x: x.topk(5, dim=1).values.sum().backward()),
            theirs(lambda a, b, x: x.topk(5, dim=1).values.sum().backward()),
            50,
        ),
        (
            "norm(dim=1) fwd+bwd",
            ours(lambda a, b, x: x.norm(dim=1).sum().backward()),
            theirs(lambda a, b, x: x.norm(dim=1).sum().backward()),
            200,
        ),
        (
            "cumsum(1) fwd+bwd",
            ours(lambda a, b, x: x.cumsum(1).sum().backward()),
            theirs(lambda a, b, x: x.cumsum(1).sum().backward()),
            200,
        ),
    ]
    print("| op | glassgrad (us) | glassgrad, einsum search off (us) | torch (us) |")
    print("|---|---|---|---|")
    for name, glassgrad, peer, number in rows:
        number = max(1, int(number * scale))
        with_search = best(glassgrad, number, repeat)
        without = None
        if name.startswith("einsum"):
            saved = einsum_module.OPTIMIZE_FROM
            einsum_module.OPTIMIZE_FROM = 10**18
            try:
                without = best(glassgrad, number, repeat)
            finally:
                einsum_module.OPTIMIZE_FROM = saved
        peer_time = best(peer, number, repeat) if peer else None
        print(f"| {name} | {cell(with_search)} | {cell(without)} | {cell(peer_time)} |")


if __name__ == "__main__":
    main()
