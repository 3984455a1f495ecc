"""nn.train.metrics against hand computations, and the running forms against the functions."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autodiff import Tensor
from nn.train import (
    Accuracy,
    ConfusionMatrix,
    MeanAbsoluteError,
    RootMeanSquaredError,
    accuracy,
    confusion_matrix,
    mae,
    rmse,
    rmse_lesson_platform,
)
from nn.train.metrics import make_metric

SCORES = np.array(
    [
        [0.1, 0.7, 0.2],  # predicts 1
        [0.8, 0.1, 0.1],  # 0
        [0.2, 0.3, 0.5],  # 2
        [0.3, 0.4, 0.3],  # 1
        [0.6, 0.3, 0.1],  # 0
    ]
)
LABELS = np.array([1, 0, 1, 2, 0])  # right, right, wrong (2 for 1), wrong (1 for 2), right


# -------------------------------------------------------------------------- accuracy
def test_accuracy_of_scores_and_labels():
    assert accuracy(SCORES, LABELS) == pytest.approx(3 / 5)


def test_accuracy_accepts_one_hot_targets_tensors_and_predicted_labels():
    one_hot = np.eye(3)[LABELS]
    assert accuracy(SCORES, one_hot) == pytest.approx(0.6)
    assert accuracy(Tensor(SCORES), Tensor(LABELS)) == pytest.approx(0.6)
    assert accuracy(np.array([1, 0, 2, 1, 0]), LABELS) == pytest.approx(0.6)


def test_accuracy_of_two_class_probabilities_uses_the_threshold():
    probs = np.array([0.9, 0.2, 0.6, 0.4])
    labels = np.array([1, 0, 0, 0])
    assert accuracy(probs, labels) == pytest.approx(3 / 4)  # 0.6 > 0.5 is wrong
    assert accuracy(probs[:, None], labels) == pytest.approx(3 / 4)
    assert accuracy(probs, labels, threshold=0.65) == 1.0
    logits = np.array([2.0, -1.0, 0.5, -0.3])
    assert accuracy(logits, labels, threshold=0.0) == pytest.approx(3 / 4)


def test_accuracy_errors_and_empty_batches():
    with pytest.raises(ValueError, match="5 predictions, target 4"):
        accuracy(SCORES, LABELS[:4])
    with pytest.raises(ValueError, match="got shape"):
        accuracy(np.zeros((2, 3, 4)), np.zeros(2))
    assert math.isnan(accuracy(np.zeros((0, 3)), np.zeros(0, dtype=int)))


# ------------------------------------------------------------------ confusion matrix
def test_confusion_matrix_by_hand():
    expected = np.array(
        [
            [2, 0, 0],  # both 0s right
            [0, 1, 1],  # one 1 right, one predicted 2
            [0, 1, 0],  # the 2 predicted 1
        ]
    )
    cm = confusion_matrix(SCORES, LABELS)
    np.testing.assert_array_equal(cm, expected)
    assert cm.dtype == np.int64
    assert np.trace(cm) == 3 and cm.sum() == 5


def test_confusion_matrix_matches_a_loop_on_random_labels():
    rng = np.random.default_rng(0)
    pred, true = rng.integers(0, 7, 500), rng.integers(0, 7, 500)
    loop = np.zeros((7, 7), dtype=np.int64)
    for p, t in zip(pred, true):
        loop[t, p] += 1
    np.testing.assert_array_equal(confusion_matrix(pred, true, num_classes=7), loop)


def test_confusion_matrix_size_defaults_and_errors():
    # From the scores' width even if class 2 never appears.
    assert confusion_matrix(SCORES[:2], LABELS[:2]).shape == (3, 3)
    assert confusion_matrix(np.array([0, 3]), np.array([1, 1])).shape == (4, 4)
    with pytest.raises(ValueError, match="0..2"):
        confusion_matrix(np.array([0, 3]), np.array([1, 1]), num_classes=3)


# ---------------------------------------------------------------------- regression
def test_mae_and_rmse_by_hand():
    output = np.array([[1.0, 2.0], [3.0, 4.0]])
    target = np.array([[1.0, 0.0], [0.0, 4.0]])  # errors 0, 2, 3, 0
    assert mae(output, target) == pytest.approx(5 / 4)
    assert rmse(output, target) == pytest.approx(math.sqrt(13 / 4))


def test_rmse_is_not_the_lesson_platforms_formula():
    # n = 100 errors of 1.0: RMSE 1.0; sqrt(sum e^2) / n = 10 / 100 = 0.1 = rmse / sqrt(n).
    output, target = np.ones(100), np.zeros(100)
    assert rmse(output, target) == pytest.approx(1.0)
    assert rmse_lesson_platform(output, target) == pytest.approx(0.1)
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=37), rng.normal(size=37)
    assert rmse_lesson_platform(a, b) == pytest.approx(rmse(a, b) / math.sqrt(37))


def test_regression_metrics_shapes():
    # (N, 1) outputs against (N,) targets are the same data, not an (N, N) table.
    assert mae(np.array([[1.0], [2.0]]), np.array([0.0, 0.0])) == pytest.approx(1.5)
    with pytest.raises(ValueError, match="differ"):
        rmse(np.zeros(3), np.zeros(4))
    assert math.isnan(mae(np.zeros(0), np.zeros(0)))


# ------------------------------------------------------------------- running forms
def test_running_metrics_over_batches_equal_the_functions_over_everything():
    rng = np.random.default_rng(2)
    scores, labels = rng.normal(size=(103, 5)), rng.integers(0, 5, 103)
    out, tgt = rng.normal(size=(103, 2)), rng.normal(size=(103, 2))
    running = {
        "acc": Accuracy(),
        "cm": ConfusionMatrix(5),
        "mae": MeanAbsoluteError(),
        "rmse": RootMeanSquaredError(),
    }
    for start in range(0, 103, 10):  # uneven last batch: a mean of batch RMSEs would be off
        s = slice(start, start + 10)
        running["acc"].update(scores[s], labels[s])
        running["cm"].update(scores[s], labels[s])
        running["mae"].update(out[s], tgt[s])
        running["rmse"].update(Tensor(out[s]), Tensor(tgt[s]))
    assert running["acc"].compute() == pytest.approx(accuracy(scores, labels), abs=1e-15)
    np.testing.assert_array_equal(running["cm"].compute(), confusion_matrix(scores, labels))
    assert running["mae"].compute() == pytest.approx(mae(out, tgt), rel=1e-12)
    assert running["rmse"].compute() == pytest.approx(rmse(out, tgt), rel=1e-12)
    for metric in running.values():
        metric.reset()
    assert math.isnan(running["acc"].compute()) and running["cm"].compute().sum() == 0


def test_metric_names_for_the_trainer():
    assert make_metric("accuracy").name == "acc"
    assert make_metric("mae").name == "mae" and make_metric("rmse").name == "rmse"
    custom = Accuracy(threshold=0.0)
    assert make_metric(custom) is custom
    with pytest.raises(ValueError, match="unknown metric 'f1'"):
        make_metric("f1")
