"""Losses at extreme inputs — +-inf, +-1e30, the dtype's max, NaN — against PyTorch: the same
values, the same gradients, and no numpy RuntimeWarning (inf - inf in a max shift, overflow
near the dtype's max). Plus PyTorch's refusals and warnings: BCE on NaN probabilities raises,
mse_loss / l1_loss with a target of another shape warn."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F
from autodiff import Tensor

torch = pytest.importorskip("torch", reason="the extreme-value tests compare against PyTorch")
TF = torch.nn.functional

DTYPES = [np.float32, np.float64]


def extremes(dtype) -> list[float]:
    big = float(np.finfo(dtype).max)
    return [0.0, 1.0, -2.0, 1e30, -1e30, big, -big, np.inf, -np.inf, np.nan]


def run_ours(fn, x: np.ndarray, *args):
    """Value and input gradient of fn(Tensor(x), *args) (backward from ones: summing the
    losses first would add infinities of both signs), with every warning an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = Tensor(x, requires_grad=True)
        out = fn(t, *args)
        out.backward(np.ones_like(out.data))
    return out.data, t.grad.data


def run_torch(fn, x: np.ndarray, *args):
    t = torch.tensor(x, requires_grad=True)
    out = fn(t, *[torch.tensor(a) if isinstance(a, np.ndarray) else a for a in args])
    out.backward(torch.ones_like(out))
    return out.detach().numpy(), t.grad.numpy()


def assert_same(ours, theirs, dtype, what):
    """Equal up to a few units of rounding in `dtype`; NaN where PyTorch has NaN, inf where it
    has inf (of the same sign)."""
    eps = float(np.finfo(dtype).eps)
    for name, a, b in zip(("value", "gradient"), ours, theirs):
        np.testing.assert_allclose(
            a, b, rtol=16 * eps, atol=16 * eps, equal_nan=True, err_msg=f"{what}: {name}"
        )
        assert np.asarray(a).dtype == np.asarray(b).dtype, f"{what}: {name} dtype"


def pairs(dtype):
    return list(itertools.product(extremes(dtype), repeat=2))


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_cross_entropy_with_labels_matches_pytorch_at_extremes(dtype, reduction):
    rows = np.array([[a, b, 0.5] for a, b in pairs(dtype)], dtype)
    for label in (0, 1, 2):
        labels = np.full(len(rows), label)
        if reduction != "none":  # one row at a time: a NaN row must not hide the others
            for i in range(len(rows)):
                x = rows[i : i + 1]
                ours = run_ours(
                    lambda t, y: F.cross_entropy(t, y, reduction=reduction), x, labels[:1]
                )
                theirs = run_torch(
                    lambda t, y: TF.cross_entropy(t, y, reduction=reduction), x, labels[:1]
                )
                assert_same(ours, theirs, dtype, f"{x.tolist()} label {label}")
        else:
            assert_same(
                run_ours(lambda t, y: F.cross_entropy(t, y, reduction="none"), rows, labels),
                run_torch(lambda t, y: TF.cross_entropy(t, y, reduction="none"), rows, labels),
                dtype, f"label {label}",
            )  # fmt: skip


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("target", [[0.2, 0.3, 0.5], [0.0, 1.0, 0.0], [0.5, 0.0, 0.5]])
def test_cross_entropy_with_probabilities_matches_pytorch_at_extremes(dtype, target):
    rows = np.array([[a, b, 0.5] for a, b in pairs(dtype)], dtype)
    targets = np.tile(np.array(target, dtype), (len(rows), 1))
    assert_same(
        run_ours(lambda t, p: F.cross_entropy(t, p, reduction="none"), rows, targets),
        run_torch(lambda t, p: TF.cross_entropy(t, p, reduction="none"), rows, targets),
        dtype, f"target {target}",
    )  # fmt: skip


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_bce_with_logits_matches_pytorch_at_extremes(dtype):
    logits = np.array(extremes(dtype) * 4, dtype)
    targets = np.repeat(np.array([0.0, 1.0, 0.3, 0.9], dtype), len(extremes(dtype)))
    assert_same(
        run_ours(
            lambda t, y: F.binary_cross_entropy_with_logits(t, y, reduction="none"), logits, targets
        ),
        run_torch(
            lambda t, y: TF.binary_cross_entropy_with_logits(t, y, reduction="none"),
            logits,
            targets,
        ),
        dtype,
        "bce_with_logits",
    )


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("p", [1, 2])
def test_multi_margin_loss_matches_pytorch_at_extremes(dtype, p):
    values = extremes(dtype)
    if p == 2:
        # Squared margins near the dtype's max: the gradient of the correct score sums finite
        # terms into an overflow, which the engine's (autodiff's) sum reports; values agree.
        values = [v for v in values if abs(v) != np.finfo(dtype).max]
    rows = np.array([[a, b, 0.5] for a, b in itertools.product(values, repeat=2)], dtype)
    for label in (0, 1):
        labels = np.full(len(rows), label)
        assert_same(
            run_ours(lambda t, y: F.multi_margin_loss(t, y, p=p, reduction="none"), rows, labels),
            run_torch(lambda t, y: TF.multi_margin_loss(t, y, p=p, reduction="none"), rows, labels),
            dtype,
            f"p={p} label {label}",
        )


def test_float16_logits_at_its_max():
    """float16 holds at most 65504: 6e4 - (-6e4) overflows, as it does in PyTorch."""
    x = np.array([[6e4, -6e4, 1.0], [1.0, 2.0, 3.0]], np.float16)
    labels = np.array([1, 0])
    assert_same(
        run_ours(lambda t, y: F.cross_entropy(t, y, reduction="none"), x, labels),
        run_torch(lambda t, y: TF.cross_entropy(t, y, reduction="none"), x, labels),
        np.float16, "float16 cross_entropy",
    )  # fmt: skip


# ----------------------------------------------------------------------------- refusals
def test_bce_on_nan_probabilities_raises_like_pytorch():
    p = np.array([0.5, np.nan, 0.2], np.float32)
    t = np.array([1.0, 0.0, 1.0], np.float32)
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        TF.binary_cross_entropy(torch.tensor(p), torch.tensor(t))
    with pytest.raises(ValueError, match=r"binary_cross_entropy: .*\[0, 1\].* and NaN"):
        F.binary_cross_entropy(Tensor(p), t)
    with pytest.raises(ValueError, match="binary_cross_entropy"):
        nn.BCELoss()(Tensor(np.array([1.5], np.float32)), np.array([1.0], np.float32))
    # 0 and 1 themselves are fine (the logs are clamped at -100, as in PyTorch).
    edges = np.array([0.0, 1.0, 0.0, 1.0], np.float32)
    targets = np.array([0.0, 1.0, 1.0, 0.0], np.float32)
    assert_same(
        run_ours(lambda x, y: F.binary_cross_entropy(x, y, reduction="none"), edges, targets),
        run_torch(lambda x, y: TF.binary_cross_entropy(x, y, reduction="none"), edges, targets),
        np.float32, "bce at 0 and 1",
    )  # fmt: skip


@pytest.mark.parametrize("loss", ["mse_loss", "l1_loss"])
def test_a_target_of_another_shape_warns_like_pytorch(loss):
    x = np.arange(4, dtype=np.float32).reshape(4, 1)
    t = np.arange(4, dtype=np.float32)
    with pytest.warns(UserWarning, match="target size") as theirs:
        getattr(TF, loss)(torch.tensor(x), torch.tensor(t))
    with pytest.warns(UserWarning) as ours:
        value = getattr(F, loss)(Tensor(x), t)
    message = str(ours[0].message)
    assert "target size (4,) that is different to the input size (4, 1)" in message
    assert "incorrect results due to broadcasting" in str(theirs[0].message)
    assert "incorrect results due to broadcasting" in message
    assert ours[0].filename == __file__  # it points at the caller's line
    # The value is PyTorch's broadcast one (a (4, 4) table of differences), not a silent fix.
    with pytest.warns(UserWarning):
        expected = getattr(TF, loss)(torch.tensor(x), torch.tensor(t)).item()
    assert float(value.data) == pytest.approx(expected)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        getattr(F, loss)(Tensor(x), t.reshape(4, 1))  # same shapes: silent
