"""`train_test_split`: scikit-learn's function, on numpy arrays.

Sizes follow scikit-learn: a fractional ``test_size`` gives ``ceil(test_size * n)`` test
samples, an integer gives exactly that many; the rest is the training set.  With ``stratify``
each class is split in (as nearly as possible) the overall proportion, so class frequencies
match between the two sets.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["train_test_split"]


def _n_test(test_size: float | int, n: int) -> int:
    """Number of test samples for ``test_size`` (fraction in (0, 1) or count in [1, n-1])."""
    if isinstance(test_size, bool) or not isinstance(test_size, int | float | np.number):
        raise TypeError(f"test_size must be a float or an int, got {type(test_size).__name__}")
    if isinstance(test_size, int | np.integer):
        if not 0 < test_size < n:
            raise ValueError(
                f"test_size={test_size} must be between 1 and n_samples - 1 = {n - 1} "
                f"(both sets need at least one sample)"
            )
        return int(test_size)
    if not 0.0 < test_size < 1.0:
        raise ValueError(f"test_size={test_size} must be a fraction in (0, 1) or an int")
    n_test = math.ceil(test_size * n)
    if n_test >= n:
        raise ValueError(
            f"test_size={test_size} of {n} samples leaves an empty training set; "
            "use a smaller test_size"
        )
    return n_test


def _stratified(labels: np.ndarray, n_test: int, rng: np.random.Generator) -> np.ndarray:
    """A boolean ``(n,)`` test mask taking ~``n_test * share`` of each class, ``n_test`` total."""
    # 2-D labels (e.g. one-hot rows) are classes by whole row, as in scikit-learn.
    axis = 0 if labels.ndim > 1 else None
    classes, inverse, counts = np.unique(labels, axis=axis, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    n = labels.shape[0]
    if counts.min() < 2:
        raise ValueError(
            f"stratify: class {classes[counts.argmin()]!r} has only 1 sample; every class "
            "needs at least 2 to appear in both sets"
        )
    if n_test < len(classes) or n - n_test < len(classes):
        raise ValueError(
            f"stratify: test ({n_test}) and train ({n - n_test}) sizes must each be at least "
            f"the number of classes ({len(classes)})"
        )
    # Largest-remainder apportionment: floor of each class's exact share, then one more for
    # the classes with the largest fractional parts (random among ties) until n_test is met.
    exact = counts * (n_test / n)
    per_class = np.floor(exact).astype(np.int64)
    remainder = exact - per_class
    tie_break = rng.permutation(len(classes))
    by_remainder = np.lexsort((tie_break, -remainder))
    per_class[by_remainder[: n_test - per_class.sum()]] += 1
    # Within each class: a random rank among its members; the lowest ranks go to test.
    keys = rng.random(n)
    order = np.lexsort((keys, inverse))  # grouped by class, random within a class
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - np.repeat(starts, counts)
    return rank < per_class[inverse]


def train_test_split(
    *arrays: ArrayLike,
    test_size: float | int = 0.25,
    shuffle: bool = True,
    seed: int | None = None,
    stratify: ArrayLike | None = None,
) -> list[np.ndarray]:
    """Split arrays into random train and test subsets (scikit-learn's ``train_test_split``).

    Args:
        *arrays: ``(N, ...)`` arrays (anything ``np.asarray`` accepts) split along axis 0
            with the same indices.
        test_size: a fraction in (0, 1) -- ``ceil(test_size * N)`` test samples -- or an
            int count.
        shuffle: shuffle before splitting.  Without it the first ``N - n_test`` samples are
            the training set and the last ``n_test`` the test set.
        seed: seeds the shuffle (``np.random.default_rng(seed)``); same seed, same split.
        stratify: ``(N,)`` class labels; each class is split in the same proportion.
            Requires ``shuffle=True``.

    Returns:
        ``[a_train, a_test, b_train, b_test, ...]`` -- numpy arrays, in the order given.
        With ``shuffle`` both sets are in random order.

    Raises:
        ValueError: no arrays, arrays (or ``stratify``) of different lengths (the message
            lists them), a ``test_size`` leaving either set empty, ``stratify`` with
            ``shuffle=False``, or a class too small to stratify.
    """
    if not arrays:
        raise ValueError("train_test_split needs at least one array")
    data = [np.asarray(a) for a in arrays]
    if any(a.ndim == 0 for a in data):
        raise ValueError("train_test_split: every array needs a first (sample) axis")
    lengths = [a.shape[0] for a in data]
    labels = None if stratify is None else np.asarray(stratify)
    if labels is not None:
        lengths.append(labels.shape[0] if labels.ndim else -1)
    if len(set(lengths)) > 1:
        shown = ", ".join(str(n) for n in lengths[: len(data)])
        if labels is not None:
            shown += f" and stratify {labels.shape[0] if labels.ndim else '0-d'}"
        raise ValueError(f"train_test_split: inconsistent numbers of samples: {shown}")
    n = lengths[0]
    n_test = _n_test(test_size, n)

    if not shuffle:
        if labels is not None:
            raise ValueError("stratify requires shuffle=True (a stratified split is random)")
        train_idx, test_idx = np.arange(n - n_test), np.arange(n - n_test, n)
    else:
        rng = np.random.default_rng(seed)
        if labels is None:
            perm = rng.permutation(n)
            train_idx, test_idx = perm[n_test:], perm[:n_test]
        else:
            is_test = _stratified(labels, n_test, rng)
            train_idx = rng.permutation(np.flatnonzero(~is_test))
            test_idx = rng.permutation(np.flatnonzero(is_test))
    out: list[np.ndarray] = []
    for a in data:
        out += [a[train_idx], a[test_idx]]
    return out
