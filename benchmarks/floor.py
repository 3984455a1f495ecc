"""W10 at batch 1 against its numpy floor: glassgrad's forward, layer by layer, beside the same
forward written as bare numpy calls.

Run from the repository root::

    python -m benchmarks.floor             # 3 rounds of 2,000 forwards each (about 15 seconds)
    python -m benchmarks.floor --quick     # a few forwards, for smoke tests

The floor is what the forward costs without an engine: the same weights and the same kernels
glassgrad's ops use (the strided window view copied into columns, one GEMM with the bias folded
in, the maximum against zeros, max pooling over rows and then columns), written as the dozen
numpy calls a hand-tuned script would make, into buffers made once. What glassgrad adds to it is
the engine: modules and their name scopes, argument checks, `Function.apply`, a Tensor per
output, the ops' general paths (any batch, stride, dtype, thread count).

Both run in one process, one BLAS thread, rounds alternating between the two, each layer timed
inside the chain (a layer timed alone, in a loop of its own, finds its code and data in the
caches, and costs a half to a third of that here). Medians of the rounds, microseconds. The
outputs are checked equal (to float32 rounding) before timing. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one thread: the floor is per call

import numpy as np  # noqa: E402

from nn.functional._im2col import windows  # noqa: E402

from .libs import ENGINES  # noqa: E402
from .workloads import FULL, infer_data  # noqa: E402


class NumpyForward:
    """W8's network on one image in bare numpy: conv 1->32, ReLU, pool, conv 32->64, ReLU,
    pool, flatten, linear 3136->128, ReLU, linear 128->10 (k3 p1 convolutions, 2x2 pools)."""

    def __init__(self, weights: list[np.ndarray]) -> None:
        w1, b1, w2, b2, l1, c1, l2, c2 = weights
        # Each conv's weights with its bias beside them, and columns ending in a row of ones:
        # the GEMM adds the bias (as conv2d does at stride 1)
        self.conv = [np.concatenate([w.reshape(len(w), -1), b[:, None]], axis=1) for w, b in
                     ((w1, b1), (w2, b2))]  # fmt: skip
        self.padded = [np.zeros((1, 1, 30, 30), np.float32), np.zeros((1, 32, 16, 16), np.float32)]
        self.cols = [np.empty((10, 784), np.float32), np.empty((289, 196), np.float32)]
        for cols in self.cols:
            cols[-1] = 1
        self.linear = [(l1.T, c1), (l2.T, c2)]
        self.zeros = np.zeros(32 * 28 * 28, np.float32)  # numpy's fast maximum wants two arrays

    def layers(self) -> list:
        """The ten layers as functions of the previous layer's output."""
        return [
            lambda x: self._conv(x, 0),
            self._relu,
            self._pool,
            lambda x: self._conv(x, 1),
            self._relu,
            self._pool,
            lambda x: x.reshape(1, -1),
            lambda x: self._linear(x, 0),
            lambda x: np.maximum(x, 0),
            lambda x: self._linear(x, 1),
        ]

    def _conv(self, x: np.ndarray, i: int) -> np.ndarray:
        padded, cols, weights = self.padded[i], self.cols[i], self.conv[i]
        size = x.shape[2]
        padded[:, :, 1 : size + 1, 1 : size + 1] = x
        view = windows(padded, (3, 3), (1, 1), (size, size)).transpose(1, 4, 5, 0, 2, 3)
        cols[:-1].reshape(view.shape)[...] = view
        return (weights @ cols).reshape(1, len(weights), size, size)

    def _relu(self, x: np.ndarray) -> np.ndarray:
        return np.maximum(x, self.zeros[: x.size].reshape(x.shape))

    @staticmethod
    def _pool(x: np.ndarray) -> np.ndarray:
        _, c, h, w = x.shape
        pairs = x.reshape(c, h // 2, 2, w // 2, 2)
        rows = np.maximum(pairs[:, :, 0], pairs[:, :, 1])
        return np.maximum(rows[..., 0], rows[..., 1]).reshape(1, c, h // 2, w // 2)

    def _linear(self, x: np.ndarray, i: int) -> np.ndarray:
        weight_t, bias = self.linear[i]
        y = x @ weight_t
        y += bias
        return y


def chain(layers: list, x, spent: list[float]):
    """x through the layers, each layer's time added to `spent`."""
    clock = time.perf_counter
    for i, layer in enumerate(layers):
        start = clock()
        x = layer(x)
        spent[i] += clock() - start
    return x


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--forwards", type=int, default=2000, help="forwards per round")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    rounds, forwards = (1, 20) if args.quick else (args.rounds, args.forwards)

    engine = ENGINES["glassgrad"]()
    engine.load(1)
    data = infer_data(1, FULL)
    model = engine.model(data.spec, data.weights)
    layers = list(model)
    floor = NumpyForward(data.weights).layers()
    x = engine.autodiff.Tensor(data.x)
    names = [type(layer).__name__ for layer in layers]

    with engine.autodiff.no_grad():
        ours = chain(layers, x, [0.0] * len(layers)).data
        bare = chain(floor, data.x, [0.0] * len(floor))
        np.testing.assert_allclose(ours, bare, rtol=1e-4, atol=1e-4)
        gc.collect()
        gc.freeze()
        per_round: dict[str, list[list[float]]] = {"glassgrad": [], "numpy": []}
        for _ in range(rounds):
            for name, fs, inp in (("glassgrad", layers, x), ("numpy", floor, data.x)):
                spent = [0.0] * len(fs)
                for _ in range(forwards):
                    chain(fs, inp, spent)
                per_round[name].append([s / forwards * 1e6 for s in spent])

    def median(name: str, i: int) -> float:
        return statistics.median(r[i] for r in per_round[name])

    print(f"W10 at batch 1, one BLAS thread, {rounds} rounds x {forwards} forwards, median us")
    print("\n| layer | glassgrad | numpy floor | glassgrad - floor |\n| --- | --- | --- | --- |")
    for i, name in enumerate(names):
        ours_us, floor_us = median("glassgrad", i), median("numpy", i)
        print(f"| {name} | {ours_us:.1f} | {floor_us:.1f} | {ours_us - floor_us:.1f} |")
    totals = {name: statistics.median(sum(r) for r in rs) for name, rs in per_round.items()}
    ratio = totals["glassgrad"] / totals["numpy"]
    print(
        f"| **forward** | {totals['glassgrad']:.1f} | {totals['numpy']:.1f} | "
        f"{totals['glassgrad'] - totals['numpy']:.1f} ({ratio:.2f}x the floor) |"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
