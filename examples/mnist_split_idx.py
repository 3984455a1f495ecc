"""Lesson 12 — MNIST's IDX files, read by hand and by nn.data, and a stratified split.

1. IDX, byte by byte: every file starts with a 4-byte magic number, 00 00 <type code> <number
   of dimensions>, then one big-endian uint32 per dimension, then the data in row-major
   order. The script decodes the headers of the four (gzipped) files itself, prints them,
   and checks that nn.data.read_idx returns arrays of exactly that shape and type.
2. A grid of training images with their labels: OUT/mnist_samples.png.
3. A validation set carved out of the 60,000 training images with
   nn.data.train_test_split(..., stratify=labels): every digit keeps its share in both
   parts. A plain random split is close too on a set this large, but not exactly; on small
   or unbalanced sets the difference matters.

    python examples/mnist_split_idx.py [--data DIR] [--out DIR] [--quick]

Needs the MNIST files (see docs/data.md for where they are looked for); --quick splits only
the first 6,000 training images.
"""

from __future__ import annotations

import argparse
import gzip
from pathlib import Path

import mnist_common  # first: it limits BLAS threads before numpy starts (see there)
import numpy as np

import viz
from nn.data import MNIST_FILES, read_idx, train_test_split
from nn.data.idx import IDX_TYPES


def read_header(path: Path) -> tuple[bytes, int, tuple[int, ...]]:
    """(magic bytes, type code, dimension sizes) of an IDX file, gzipped or not."""
    with open(path, "rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"  # gzip's magic: decided by content, not by name
    opener = gzip.open if gzipped else open
    with opener(path, "rb") as f:
        magic = f.read(4)
        if magic[:2] != b"\x00\x00":
            raise ValueError(f"{path.name}: not IDX (magic {magic.hex(' ')})")
        type_code, ndim = magic[2], magic[3]
        dims = tuple(int.from_bytes(f.read(4), "big") for _ in range(ndim))
    return magic, type_code, dims


def show_headers(data: Path) -> dict[str, np.ndarray]:
    """Print each file's header and return the arrays read_idx gives, checked against it."""
    arrays = {}
    print("file                          magic        type         dims")
    for name in MNIST_FILES:
        path = data / name if (data / name).is_file() else data / name.removesuffix(".gz")
        magic, code, dims = read_header(path)
        dtype = IDX_TYPES[code].newbyteorder("=")
        array = read_idx(path)
        assert array.shape == dims and array.dtype == dtype, (name, array.shape, array.dtype)
        arrays[name] = array
        print(
            f"{path.name:<29} {magic.hex(' ')}  0x{code:02X} {dtype.name:<6}  "
            f"{' x '.join(map(str, dims))}"
        )
    print("read_idx agrees: every array has the header's shape and type")
    return arrays


def proportions(labels: np.ndarray) -> np.ndarray:
    return np.bincount(labels, minlength=10) / len(labels)


def split(images: np.ndarray, labels: np.ndarray, n_val: int) -> None:
    """Stratified and plain random splits; print the class shares of each part."""
    _, _, t_train, t_val = train_test_split(
        images, labels, test_size=n_val, stratify=labels, seed=0
    )
    _, _, r_train, r_val = train_test_split(images, labels, test_size=n_val, seed=0)
    print(
        f"\nstratified split of {len(labels)} training images: {len(t_train)} train, "
        f"{len(t_val)} validation; class shares in %:"
    )
    print("digit       " + "".join(f"{d:>6}" for d in range(10)))
    rows = {"all": labels, "train": t_train, "validation": t_val, "random val.": r_val}
    for name, part in rows.items():
        print(f"{name:<12}" + "".join(f"{100 * p:6.2f}" for p in proportions(part)))
    for name, val in (("stratified", t_val), ("random", r_val)):
        gap = np.max(np.abs(proportions(val) - proportions(labels)))
        print(
            f"{name:>10} split: largest gap between validation and overall share "
            f"{100 * gap:.3f} percentage points"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="directory with MNIST")
    parser.add_argument("--out", type=Path, default=Path("out"), help="where pictures go")
    parser.add_argument("--quick", action="store_true", help="split 6,000 images only")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    data = mnist_common.data_dir(args.data)
    print(f"MNIST files in {data}")
    arrays = show_headers(data)
    images = arrays["train-images-idx3-ubyte.gz"]
    labels = arrays["train-labels-idx1-ubyte.gz"].astype(np.int64)

    path = args.out / "mnist_samples.png"
    viz.show_images(images[:24], labels=labels[:24], ncols=12, path=path)
    print(f"first labels: {labels[:24].tolist()}")

    n = 6000 if args.quick else len(labels)
    split(images[:n], labels[:n], n_val=n // 6)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
