"""cross_entropy and nll_loss with PyTorch's options: inputs (N, C, d1, ...) and (C,), class
weights (a weighted mean), ignore_index (ignored samples count for nothing and get a gradient
of exactly 0) and label_smoothing; the loss modules keep `weight` as a buffer. Against formulas
written out here, and against torch where it is installed."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import nn
import nn.functional as F
from autodiff import ShapeError, Tensor
from autodiff.testing import assert_gradients_match

C = 4
WEIGHT = np.array([0.5, 2.0, 1.0, 3.0])
REDUCTIONS = ["mean", "sum", "none"]


def log_softmax(x: np.ndarray, axis: int = 1) -> np.ndarray:
    shifted = x - x.max(axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis, keepdims=True))


def scores(shape, seed=0):
    return Tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


def test_weighted_mean_and_ignored_samples_by_hand():
    x = scores((5, C))
    labels = np.array([0, 3, -100, 1, 3])
    loss = F.cross_entropy(x, labels, Tensor(WEIGHT))
    loss.backward()
    counted = labels != -100
    w = WEIGHT[labels[counted]]
    picked = log_softmax(x.data)[counted, labels[counted]]
    assert loss.item() == pytest.approx(-(w * picked).sum() / w.sum(), rel=1e-12)
    assert x.grad.data[2].tolist() == [0.0] * C  # the ignored sample
    assert_gradients_match(lambda x: F.cross_entropy(x, labels, Tensor(WEIGHT)), x)
    # nll_loss of log-probabilities is the same loss
    log_p = F.log_softmax(x, 1)
    assert F.nll_loss(log_p, labels, Tensor(WEIGHT)).item() == pytest.approx(loss.item())


def test_every_sample_ignored_is_nan_with_zero_gradients():
    x = scores((3, C))
    for loss in (F.cross_entropy(x, [-100] * 3), F.nll_loss(x, np.full(3, 7), ignore_index=7)):
        x.grad = None
        loss.backward()
        assert np.isnan(loss.item()) and not x.grad.data.any()
    assert F.cross_entropy(x, [-100] * 3, reduction="sum").item() == 0.0
    assert F.cross_entropy(x, [-100] * 3, reduction="none").tolist() == [0.0] * 3


def test_k_dimensional_input_is_a_loss_per_position():
    x = scores((2, C, 3, 2))
    labels = np.random.default_rng(1).integers(0, C, (2, 3, 2))
    flat_x = np.moveaxis(x.data, 1, -1).reshape(-1, C)
    flat = F.cross_entropy(Tensor(flat_x), labels.reshape(-1), reduction="none").data
    per = F.cross_entropy(x, labels, reduction="none")
    assert per.shape == (2, 3, 2)
    np.testing.assert_allclose(per.data, flat.reshape(2, 3, 2), rtol=1e-12)
    assert F.cross_entropy(x, labels).item() == pytest.approx(flat.mean())
    assert_gradients_match(lambda x: F.cross_entropy(x, labels, label_smoothing=0.1), x)
    # one sample (C,) with a 0-d label
    one = F.cross_entropy(Tensor(flat_x[0]), labels.reshape(-1)[0], reduction="none")
    assert one.shape == () and one.item() == pytest.approx(flat[0])


def test_label_smoothing_mixes_in_the_uniform_distribution():
    x, labels, eps = scores((3, C)), np.array([2, 0, 1]), 0.2
    smoothed = np.eye(C)[labels] * (1 - eps) + eps / C
    expected = F.cross_entropy(x, smoothed).item()
    assert F.cross_entropy(x, labels, label_smoothing=eps).item() == pytest.approx(expected)


def test_modules_keep_the_weight_as_a_buffer_and_read_options_at_forward():
    loss = nn.CrossEntropyLoss(Tensor(WEIGHT), ignore_index=2, label_smoothing=0.1)
    assert list(loss.state_dict()) == ["weight"] and list(nn.NLLLoss().state_dict()) == []
    x, labels = scores((4, C)), np.array([0, 2, 3, 1])
    expected = F.cross_entropy(x, labels, Tensor(WEIGHT), ignore_index=2, label_smoothing=0.1)
    assert loss(x, labels).item() == pytest.approx(expected.item())
    loss.weight, loss.ignore_index, loss.label_smoothing = None, -100, 0.0
    assert loss(x, labels).item() == pytest.approx(F.cross_entropy(x, labels).item())
    assert nn.CrossEntropyLoss(Tensor(WEIGHT)).float().weight.dtype == np.float32


def test_arguments_are_checked():
    x = scores((3, C))
    with pytest.raises(ShapeError, match=r"weight must have shape \(4,\)"):
        F.cross_entropy(x, [0, 1, 2], Tensor(np.ones(3)))
    with pytest.raises(IndexError, match=r"\[0, 4\) \(or ignore_index=-100\)"):
        F.nll_loss(x, [0, 4, 2])
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(x, [0, 1, 2], label_smoothing=1.5)
    with pytest.raises(NotImplementedError, match="weight that requires grad"):
        F.cross_entropy(x, [0, 1, 2], Tensor(WEIGHT, requires_grad=True))
    with pytest.raises(ShapeError, match=r"labels of shape \(2, 3\)"):
        F.cross_entropy(scores((2, C, 3)), np.zeros((2, 4), dtype=np.int64))
    with pytest.raises(TypeError, match="keyword-only"):
        nn.NLLLoss("sum")


# ------------------------------------------------------------------------------ against torch
def _torch():
    return pytest.importorskip("torch", reason="torch is not installed: nothing to compare with")


CASES = [
    case
    for case in itertools.product(
        ["cross_entropy", "nll_loss"],
        [(5, C), (2, C, 3), (2, C, 3, 2), (C,)],
        REDUCTIONS,
        [None, WEIGHT],
        ["none", "some", "all"],
        [0.0, 0.2],
    )
    if case[0] == "cross_entropy" or not case[-1]  # nll_loss has no label smoothing
]


@pytest.mark.parametrize("name, shape, reduction, weight, ignored, smoothing", CASES)
def test_labels_match_torch(name, shape, reduction, weight, ignored, smoothing):
    torch = _torch()
    rng = np.random.default_rng(len(shape))
    label_shape = (shape[0], *shape[2:]) if len(shape) > 1 else ()
    labels = rng.integers(0, C, label_shape)
    if ignored == "some":
        labels.flat[::2] = -100
    elif ignored == "all":
        labels[...] = -100
    options = {"reduction": reduction, **({"label_smoothing": smoothing} if smoothing else {})}
    x = scores(shape)
    xt = torch.tensor(x.data, requires_grad=True)
    ours = getattr(F, name)(x, labels, None if weight is None else Tensor(weight), **options)
    theirs = getattr(torch.nn.functional, name)(
        xt, torch.tensor(labels), None if weight is None else torch.tensor(weight), **options
    )
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12, atol=1e-12)
    g = np.random.default_rng(3).standard_normal(ours.shape)
    (ours * Tensor(g)).sum().backward()
    (theirs * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("shape", [(5, C), (2, C, 3)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight, smoothing", [(None, 0.3), (WEIGHT, 0.0), (WEIGHT, 0.3)])
def test_probabilities_match_torch(shape, reduction, weight, smoothing):
    torch = _torch()
    rng = np.random.default_rng(4)
    probs = np.moveaxis(rng.dirichlet(np.ones(C), (shape[0], *shape[2:])), -1, 1)
    x, t = scores(shape), Tensor(probs, requires_grad=True)
    xt = torch.tensor(x.data, requires_grad=True)
    tt = torch.tensor(probs, requires_grad=True)
    w, wt = (None, None) if weight is None else (Tensor(weight), torch.tensor(weight))
    options = {"reduction": reduction, "label_smoothing": smoothing}
    ours = F.cross_entropy(x, t, w, **options)
    theirs = torch.nn.functional.cross_entropy(xt, tt, wt, **options)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12)
    g = rng.standard_normal(ours.shape)
    (ours * Tensor(g)).sum().backward()
    (theirs * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(t.grad.data, tt.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_float32_keeps_its_dtype_like_torch():
    torch = _torch()
    x = Tensor(np.random.default_rng(5).standard_normal((2, C, 3)).astype(np.float32), True)
    labels = np.array([[0, -100, 3], [2, 2, 1]])
    weight = WEIGHT.astype(np.float32)
    ours = F.cross_entropy(x, labels, Tensor(weight), label_smoothing=0.1)
    theirs = torch.nn.functional.cross_entropy(
        torch.tensor(x.data), torch.tensor(labels), torch.tensor(weight), label_smoothing=0.1
    )
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-6)
    ours.backward()
    assert x.grad.dtype == np.float32
    assert np.isfinite(x.grad.data).all()
