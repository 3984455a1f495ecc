"""Metrics: accuracy, confusion matrix, MAE and RMSE — as functions of whole arrays, and as
running accumulators the trainer feeds batch by batch.

Arguments come in torchmetrics' order, `(output, target)`. Both may be numpy arrays or Tensors
(their data is read; nothing is recorded). For classification,

- `output` is scores / probabilities `(N, C)` (the predicted class is the argmax), predicted
  labels `(N,)` of an integer dtype, or for two classes one probability (or logit, with
  `threshold=0`) per sample, `(N,)` or `(N, 1)` floats;
- `target` is labels `(N,)` or one-hot / probability rows `(N, C)` (argmax).

**RMSE.** `rmse = sqrt(mean(e**2))` with `e = output - target` over every element: the typical
size of an error, in the target's units. The lesson platform computes `sqrt(sum(e**2)) / n`
instead, which is a known mistake: it equals `rmse / sqrt(n)`, so it shrinks as the data set
grows although the errors stay the same (n = 100 errors of 1.0 give 0.1 instead of 1.0), and
values for data sets of different sizes cannot be compared. `rmse_lesson_platform` computes that
formula, for checking old results only.

The running forms (`Accuracy`, `MeanAbsoluteError`, `RootMeanSquaredError`,
`ConfusionMatrix`) add up counts and sums with `update(output, target)`, so `compute()` over
many batches equals the function over all of them at once — an average of per-batch RMSEs
would not be the RMSE.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autodiff import Tensor


def _array(value: Any) -> np.ndarray:
    return np.asarray(value.data if isinstance(value, Tensor) else value)


def _labels(value: Any, threshold: float) -> np.ndarray:
    """Class labels (N,) from scores (N, C), one probability per sample, or labels."""
    a = _array(value)
    if a.ndim == 2 and a.shape[1] > 1:
        return a.argmax(axis=1)
    if a.ndim == 2 and a.shape[1] == 1:
        a = a[:, 0]
    if a.ndim != 1:
        raise ValueError(
            f"expected labels (N,), scores (N, C) or probabilities (N,) / (N, 1); got shape "
            f"{a.shape}"
        )
    if a.dtype.kind == "f":  # one probability (or logit) per sample: two classes
        return (a > threshold).astype(np.int64)
    return a.astype(np.int64, copy=False)


def _pair(output: Any, target: Any, threshold: float, where: str) -> tuple[np.ndarray, ...]:
    pred, true = _labels(output, threshold), _labels(target, threshold)
    if pred.shape != true.shape:
        raise ValueError(
            f"{where}: output gives {pred.shape[0]} predictions, target {true.shape[0]} labels"
        )
    return pred, true


def accuracy(output: Any, target: Any, threshold: float = 0.5) -> float:
    """The fraction of samples whose predicted class is the target class (0.0 to 1.0).

    output: scores (N, C), labels (N,) or two-class probabilities (N,) / (N, 1), which are
    class 1 above `threshold`; target: labels (N,) or one-hot (N, C). An empty batch gives NaN.
    """
    pred, true = _pair(output, target, threshold, "accuracy")
    if pred.size == 0:
        return float("nan")
    return float(np.count_nonzero(pred == true) / pred.size)


def confusion_matrix(
    output: Any, target: Any, num_classes: int | None = None, threshold: float = 0.5
) -> np.ndarray:
    """(C, C) int64 counts: entry [i, j] is the number of samples of class i predicted as j
    (rows are the truth, as in scikit-learn and torchmetrics). The trace is the number right.

    `num_classes` defaults to the scores' C, else 1 + the largest label seen.
    """
    pred, true = _pair(output, target, threshold, "confusion_matrix")
    if num_classes is None:
        widths = [_array(v).shape[1] for v in (output, target) if _array(v).ndim == 2]
        seen = int(max(pred.max(initial=-1), true.max(initial=-1))) + 1
        num_classes = max([seen, *[w for w in widths if w > 1]])
    both = np.concatenate([pred, true])
    if both.size and (both.min() < 0 or both.max() >= num_classes):
        raise ValueError(f"confusion_matrix: labels must lie in 0..{num_classes - 1}")
    # Each (true, pred) pair is one cell of the flattened matrix; bincount counts them all at
    # once, with no loop over samples or classes.
    cells = true * num_classes + pred
    return np.bincount(cells, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def _errors(output: Any, target: Any, where: str) -> np.ndarray:
    out, tgt = _array(output).astype(np.float64), _array(target).astype(np.float64)
    if out.shape != tgt.shape:
        # (N, 1) against (N,) is the same data; anything else would broadcast into an (N, N)
        # table of differences and give a silently wrong number.
        if out.squeeze().shape != tgt.squeeze().shape:
            raise ValueError(f"{where}: output {out.shape} and target {tgt.shape} differ")
        out, tgt = out.squeeze(), tgt.squeeze()
    return out - tgt


def mae(output: Any, target: Any) -> float:
    """Mean absolute error, mean(|output - target|) over every element (float64)."""
    e = _errors(output, target, "mae")
    return float(np.mean(np.abs(e))) if e.size else float("nan")


def rmse(output: Any, target: Any) -> float:
    """Root mean squared error, sqrt(mean((output - target)**2)) over every element.

    Not the lesson platform's sqrt(sum(e**2)) / n, which is rmse / sqrt(n) (see the module).
    """
    e = _errors(output, target, "rmse")
    return float(np.sqrt(np.mean(np.square(e)))) if e.size else float("nan")


def rmse_lesson_platform(output: Any, target: Any) -> float:
    """The lesson platform's mistaken RMSE, sqrt(sum(e**2)) / n with n the number of elements:
    equal to `rmse(output, target) / sqrt(n)`. Only for comparing with its published values."""
    e = _errors(output, target, "rmse_lesson_platform")
    return float(np.sqrt(np.sum(np.square(e))) / e.size) if e.size else float("nan")


# ------------------------------------------------------------------------ running forms
class Metric:
    """A metric accumulated over batches: `reset()`, `update(output, target)`, `compute()`.

    `name` is the short key the trainer logs it under ("acc" -> "train_acc", "val_acc").
    """

    name = "metric"

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        raise NotImplementedError

    def update(self, output: Any, target: Any) -> None:
        raise NotImplementedError

    def compute(self) -> Any:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Accuracy(Metric):
    """Running `accuracy`: correct predictions / samples seen."""

    name = "acc"

    def __init__(self, threshold: float = 0.5) -> None:
        self.threshold = threshold
        super().__init__()

    def reset(self) -> None:
        self.correct, self.total = 0, 0

    def update(self, output: Any, target: Any) -> None:
        pred, true = _pair(output, target, self.threshold, "Accuracy")
        self.correct += int(np.count_nonzero(pred == true))
        self.total += int(pred.size)

    def compute(self) -> float:
        return self.correct / self.total if self.total else float("nan")


class MeanAbsoluteError(Metric):
    """Running `mae`: sum of |e| / number of elements seen."""

    name = "mae"

    def reset(self) -> None:
        self.sum_abs, self.count = 0.0, 0

    def update(self, output: Any, target: Any) -> None:
        e = _errors(output, target, "MeanAbsoluteError")
        self.sum_abs += float(np.sum(np.abs(e)))
        self.count += int(e.size)

    def compute(self) -> float:
        return self.sum_abs / self.count if self.count else float("nan")


class RootMeanSquaredError(Metric):
    """Running `rmse`: sqrt(sum of e**2 / number of elements seen)."""

    name = "rmse"

    def reset(self) -> None:
        self.sum_sq, self.count = 0.0, 0

    def update(self, output: Any, target: Any) -> None:
        e = _errors(output, target, "RootMeanSquaredError")
        self.sum_sq += float(np.sum(np.square(e)))
        self.count += int(e.size)

    def compute(self) -> float:
        return float(np.sqrt(self.sum_sq / self.count)) if self.count else float("nan")


class ConfusionMatrix(Metric):
    """Running `confusion_matrix` with a fixed number of classes; `compute()` is (C, C)."""

    name = "confusion"

    def __init__(self, num_classes: int, threshold: float = 0.5) -> None:
        self.num_classes = num_classes
        self.threshold = threshold
        super().__init__()

    def reset(self) -> None:
        self.matrix = np.zeros((self.num_classes, self.num_classes), dtype=np.int64)

    def update(self, output: Any, target: Any) -> None:
        self.matrix += confusion_matrix(output, target, self.num_classes, self.threshold)

    def compute(self) -> np.ndarray:
        return self.matrix.copy()


#: Names `Trainer(metrics=...)` accepts, and the running metric each makes.
METRICS: dict[str, Callable[[], Metric]] = {
    "accuracy": Accuracy,
    "acc": Accuracy,
    "mae": MeanAbsoluteError,
    "rmse": RootMeanSquaredError,
}


def make_metric(spec: str | Metric) -> Metric:
    """A Metric from a name in METRICS (or a Metric, returned as is)."""
    if isinstance(spec, Metric):
        return spec
    if spec not in METRICS:
        raise ValueError(f"unknown metric {spec!r}; choose from {sorted(METRICS)} or pass a Metric")
    return METRICS[spec]()
