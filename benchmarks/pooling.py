"""Max pooling's 2x2 backward: the per-offset kernel against the pixel-pair kernel.

Run from the repository root::

    python -m benchmarks.pooling            # W2's, W3's and W8's pools, 1 and 2 threads (~1 min)
    python -m benchmarks.pooling --quick    # a few repeats, for smoke tests

`nn.functional.pool._max_pool_backward_disjoint` takes a 2x2 pool tiling a float32 image of
at least 32 K pixels through `_max_pool_backward_pairs` (a window row's two pixels as one
64-bit integer, every pass contiguous); any other pool goes an offset at a time
(`_max_pool_backward_offsets`, the stride-2 slices of the window view). This times both, at
any size, on the pools of W2, W3 and W8 (inputs after a ReLU, so whole windows of zeros tie),
on one glassgrad thread and on two (`autodiff.set_num_threads`; BLAS plays no part), the two
kernels alternating round by round: the median over the rounds of each round's median, in
microseconds. Both results are checked bit for bit before timing. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
from unittest import mock

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

import autodiff  # noqa: E402
from nn.functional import pool  # noqa: E402

from .ops import _median_ms  # noqa: E402 (the same timing loop as the step table's)

# (label, N, C, H): the inputs of W2's, W3's and W8's 2x2 max pools
LAYERS = [
    ("W2 pool1", 64, 6, 8),
    ("W2 pool2", 64, 12, 4),
    ("W3 pool1", 64, 8, 28),
    ("W3 pool2", 64, 16, 14),
    ("W8 pool1", 128, 32, 28),
    ("W8 pool2", 128, 64, 14),
]


def _case(n: int, c: int, h: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x after a ReLU, the pool's output and a gradient for it."""
    rng = np.random.default_rng(0)
    x = np.maximum(rng.standard_normal((n, c, h, h), dtype=np.float32), 0)
    out = pool._separable_max(x, (2, 2), (2, 2), (h // 2, h // 2))
    return x, out, rng.standard_normal(out.shape, dtype=np.float32)


def _backward(x: np.ndarray, out: np.ndarray, g: np.ndarray, pairs: bool) -> np.ndarray:
    """The backward by one kernel or the other, whatever the size (W2's pools are below the
    pairs kernel's _PAIRS_MIN_ELEMENTS)."""
    with (
        mock.patch.object(pool, "_pairs_fit", pool._pairs_fit if pairs else lambda x, g: False),
        mock.patch.object(pool, "_PAIRS_MIN_ELEMENTS", 0),
    ):
        return pool._max_pool_backward_disjoint(x, out, g, (2, 2), (2, 2), out.shape[2:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    rounds, repeats = (1, 2) if args.quick else (args.rounds, args.repeats)

    print("| layer | threads | per offset (us) | pixel pairs (us) | speed-up |")
    print("| --- | --- | --- | --- | --- |")
    for label, n, c, h in LAYERS:
        x, out, g = _case(n, c, h)
        offsets, pairs = _backward(x, out, g, False), _backward(x, out, g, True)
        np.testing.assert_array_equal(offsets.view(np.uint32), pairs.view(np.uint32))
        for threads in (1, 2):
            autodiff.set_num_threads(threads)
            times: dict[bool, list[float]] = {False: [], True: []}
            try:
                for _ in range(rounds):
                    for kind in (False, True):
                        case = (x, out, g, kind)
                        ms = _median_ms(lambda case=case: _backward(*case), repeats)
                        times[kind].append(ms * 1e3)
            finally:
                autodiff.set_num_threads(1)
            plain, fast = (statistics.median(times[kind]) for kind in (False, True))
            print(f"| {label} | {threads} | {plain:.0f} | {fast:.0f} | {plain / fast:.2f}x |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
