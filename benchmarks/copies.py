"""The row copies of a convolution: numpy's plain copy against `copy_rows` (a row as one element).

Run from the repository root::

    python -m benchmarks.copies            # W3's, W8's and W10's layer shapes (a few seconds)
    python -m benchmarks.copies --quick    # a few repeats, for smoke tests

A convolution copies between images and columns whose rows are an image's rows: 14 or 28
pixels in the MNIST nets. numpy's copy of such strided views runs its inner loop once per
row; `nn.functional._im2col.copy_rows` views each row as one void element, so one memcpy
moves it and the inner loop runs down the rows. This times both on the copies conv2d makes
(same source and destination views, one thread, median of the repeats, microseconds):

    pad      an image batch into the middle of its zero-bordered copy (padding 1)
    im2col   the (C, 3, 3, N, Ho, Wo) window view of the padded batch into the columns
    widen    the gradient, (N, F, Ho, Wo), into planes whose rows are padded with zeros to
             Wp (dx's backward)

Each pair is checked equal before timing. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one thread: the copies themselves

import numpy as np  # noqa: E402

from nn.functional._im2col import copy_rows, windows  # noqa: E402

from .ops import _median_ms  # noqa: E402 (the same timing loop as the step table's)

# (label, N, C, H): the padded conv inputs of W3, W8 and W10 at batch 1
LAYERS = [
    ("W3 conv1", 64, 1, 28),
    ("W3 conv2", 64, 8, 14),
    ("W8 conv1 (16 images)", 16, 1, 28),
    ("W8 conv2 (16 images)", 16, 32, 14),
    ("W10/1 conv2", 1, 32, 14),
]


def pairs(n: int, c: int, h: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """(destination, source) of each copy conv2d makes for an (n, c, h, h) input, k3 p1."""
    rng = np.random.default_rng(0)
    x = rng.random((n, c, h, h), dtype=np.float32)
    xp = np.zeros((n, c, h + 2, h + 2), dtype=np.float32)
    view = windows(xp, (3, 3), (1, 1), (h, h)).transpose(1, 4, 5, 0, 2, 3)
    cols = np.empty(view.shape, dtype=np.float32)
    grad = rng.random((n, 2 * c, h, h), dtype=np.float32)
    planes = np.zeros((n, 2 * c, h, h + 2), dtype=np.float32)
    return {
        "pad": (xp[:, :, 1 : h + 1, 1 : h + 1], x),
        "im2col": (cols, view),
        "widen": (planes[:, :, :h, :h], grad),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    repeats = 3 if args.quick else args.repeats

    print("| layer | copy | rows | np.copyto (us) | copy_rows (us) | speed-up |")
    print("| --- | --- | --- | --- | --- | --- |")
    for label, n, c, h in LAYERS:
        for name, (dst, src) in pairs(n, c, h).items():
            copy_rows(dst, src)
            expected = np.empty_like(dst)
            np.copyto(expected, src)
            np.testing.assert_array_equal(dst, expected)
            plain = _median_ms(lambda d=dst, s=src: np.copyto(d, s), repeats) * 1e3
            rows = _median_ms(lambda d=dst, s=src: copy_rows(d, s), repeats) * 1e3
            count = src.size // src.shape[-1]
            print(
                f"| {label} | {name} | {count:,} of {src.shape[-1]} | {plain:.1f} | {rows:.1f} "
                f"| {plain / rows:.2f}x |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
