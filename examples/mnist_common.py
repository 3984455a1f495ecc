"""What the MNIST examples share: their command line, finding the data, loading it, carving a
validation set out of the training images, and reporting runs over several seeds.

Import it before numpy (it comes first alphabetically among the examples' imports): it limits
BLAS to one thread unless you chose otherwise. These networks multiply small matrices (a batch
of 64), which one thread does about as fast as two; but OpenBLAS's threads spin while they wait,
and on a machine that is busy with other work every matmul then becomes 10 to 100 times slower.
Set OPENBLAS_NUM_THREADS (or OMP_NUM_THREADS) yourself to override.
"""

from __future__ import annotations

import os

_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
if not any(var in os.environ for var in _THREAD_VARS):
    for _var in _THREAD_VARS:
        os.environ[_var] = "1"

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import run_record  # noqa: E402

from nn.data import find_mnist, load_mnist, train_test_split  # noqa: E402

# The workplace keeps the files next to the repository: <repo>/../shared/data/mnist.
WORKPLACE_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mnist"


def parser(doc: str, epochs: int) -> argparse.ArgumentParser:
    """The options every MNIST example takes; `doc` is the script's docstring."""
    p = argparse.ArgumentParser(
        description=doc.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--data",
        type=Path,
        default=None,
        help="directory with the four MNIST files (default: $GLASSGRAD_DATA, the user cache, "
        f"then {WORKPLACE_DATA})",
    )
    p.add_argument("--epochs", type=int, default=epochs, help=f"epochs (default {epochs})")
    p.add_argument("--out", type=Path, default=Path("out"), help="where pictures go (out/)")
    p.add_argument("--seed", type=int, default=0, help="seed of weights, shuffling, dropout")
    p.add_argument(
        "--quick", action="store_true", help="a small slice of the data for a few iterations (CI)"
    )
    p.add_argument(
        "--threads",
        type=int,
        default=1,
        metavar="N",
        action=_Threads,
        help="run glassgrad's large kernels on N threads (autodiff.set_num_threads; default 1)",
    )
    return p


class _Threads(argparse.Action):
    """--threads N: `autodiff.set_num_threads(N)` as the command line is read (BLAS stays at
    the one thread set above; glassgrad holds it there while a kernel's parts run anyway)."""

    def __call__(self, parser, namespace, value, option_string=None):
        import autodiff

        try:
            autodiff.set_num_threads(value)
        except RuntimeError as error:
            parser.error(f"--threads: {error}")
        setattr(namespace, self.dest, value)


def data_dir(given: Path | None) -> Path:
    """--data if given, else $GLASSGRAD_DATA, the user cache, then the workplace's shared folder
    (nn.data.find_mnist with the workplace as its fallback); exits with nn.data's explanation,
    which lists every folder in the order it was searched, if none has the files."""
    try:
        return find_mnist(given, fallback=None if given is not None else WORKPLACE_DATA)
    except FileNotFoundError as err:
        sys.exit(str(err))


def load(
    given: Path | None, flatten: bool, n_train: int | None = None, n_test: int | None = None
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """MNIST scaled to [-1, 1], (x - 0.5) / 0.5, as float32: images (N, 784) with `flatten`,
    else (N, 1, 28, 28); labels (N,) int64. `n_train`/`n_test` keep the first samples only."""
    start = time.perf_counter()
    (x_train, t_train), (x_test, t_test) = load_mnist(data_dir(given), flatten=flatten)
    x_train, t_train = x_train[:n_train], t_train[:n_train]
    x_test, t_test = x_test[:n_test], t_test[:n_test]
    x_train, x_test = (x_train - 0.5) / 0.5, (x_test - 0.5) / 0.5
    print(
        f"MNIST: {len(x_train)} training and {len(x_test)} test images "
        f"({time.perf_counter() - start:.1f} s to load)"
    )
    return (x_train, t_train), (x_test, t_test)


def split_validation(
    x: np.ndarray, t: np.ndarray, size: int
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """`size` of the training images set aside for validation, the same share of each digit
    (stratified), always the same ones (seed 0, whatever the run's seed): the run tunes and
    watches on these, and the test images stay untouched until the final evaluation."""
    x_train, x_val, t_train, t_val = train_test_split(x, t, test_size=size, stratify=t, seed=0)
    print(f"validation: {len(x_val)} of the training images (stratified), {len(x_train)} left")
    return (x_train, t_train), (x_val, t_val)


def add_seed_options(p: argparse.ArgumentParser) -> None:
    """--seeds N (train N times) and --record (the figures the docs quote, see run_record)."""
    p.add_argument(
        "--seeds",
        type=int,
        default=1,
        help="train this many times, with seeds --seed, --seed + 1, ...; print each run and "
        "the mean and range (default 1)",
    )
    run_record.add_arguments(p)


def seeds(args: argparse.Namespace) -> list[int]:
    """The seeds to run; exits on a bad --seeds, or on --record with --quick (the docs quote
    full runs only)."""
    if args.seeds < 1:
        sys.exit(f"--seeds must be at least 1, got {args.seeds}")
    if args.record and args.quick:
        sys.exit("--record: the docs quote full runs; drop --quick")
    return list(range(args.seed, args.seed + args.seeds))


def percent(value: float) -> str:
    return f"{100 * value:.2f}%"


def spread(values: list[float]) -> str:
    """Accuracies (fractions) as the mean and the range: "98.15% (98.03-98.30%)"."""
    if len(values) == 1:
        return percent(values[0])
    low, high = min(values), max(values)
    return f"{100 * np.mean(values):.2f}% ({100 * low:.2f}-{100 * high:.2f}%)"


def report(name: str, runs: list[dict], args: argparse.Namespace, notes: list[str]) -> None:
    """Each run's validation and test accuracy and training time (`runs`: dicts with "seed",
    "val_acc", "test_acc", "seconds"), their mean and range over the seeds, recorded to
    OUT/NAME.json (and docs/results/NAME.json with --record); the last line printed is the
    test accuracy."""
    rows = [
        [str(r["seed"]), percent(r["val_acc"]), percent(r["test_acc"]), f"{r['seconds']:.0f} s"]
        for r in runs
    ]
    val, test = [r["val_acc"] for r in runs], [r["test_acc"] for r in runs]
    seconds = [r["seconds"] for r in runs]
    if len(runs) > 1:
        took = f"{min(seconds):.0f}-{max(seconds):.0f} s"
        rows.append(["mean (range)", spread(val), spread(test), took])
    run_record.write(
        name,
        args.out,
        args.record,
        columns=["seed", "validation accuracy", "test accuracy", "training time"],
        rows=rows,
        seeds=[r["seed"] for r in runs],
        results={"runs": runs, "epochs": args.epochs},
        notes=notes,
        seconds=sum(seconds),
    )
    if len(runs) == 1:
        print(f"test accuracy: {percent(test[0])} (training took {seconds[0]:.0f} s)")
    else:
        each = ", ".join(percent(t) for t in test)
        print(
            f"test accuracy: {spread(test)}: mean (range) over seeds {runs[0]['seed']}-"
            f"{runs[-1]['seed']} ({each})"
        )
