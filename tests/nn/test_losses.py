"""Losses: values against numpy references, gradcheck in float64 for every loss and reduction,
stability at extreme inputs (finite, warning-free), dtypes kept in float32."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff
import nn
import nn.functional as F
from autodiff import Tensor
from autodiff.testing import assert_gradients_match, tensors

REDUCTIONS = ["mean", "sum", "none"]


def logits(n=4, c=5, seed=0, dtype=np.float64):
    return Tensor(np.random.default_rng(seed).standard_normal((n, c)).astype(dtype), True)


def labels(n=4, c=5, seed=1):
    return np.random.default_rng(seed).integers(0, c, n)


def log_softmax_ref(x):
    shifted = x - x.max(1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(1, keepdims=True))


def reduce_ref(losses, reduction):
    return {"mean": np.mean, "sum": np.sum, "none": lambda v: v}[reduction](losses)


# ------------------------------------------------------------------------- cross-entropy
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_with_labels(reduction):
    x, t = logits(), labels()
    loss = nn.CrossEntropyLoss(reduction=reduction)(x, t)
    expected = -log_softmax_ref(x.data)[np.arange(4), t]
    np.testing.assert_allclose(loss.data, reduce_ref(expected, reduction), rtol=1e-12)
    assert_gradients_match(lambda x: F.cross_entropy(x, t, reduction=reduction), x)
    assert autodiff.gradgradcheck(lambda x: F.cross_entropy(x, t, reduction=reduction), x)


def test_cross_entropy_gradient_is_softmax_minus_onehot_over_n():
    x, t = logits(), labels()
    F.cross_entropy(x, t).backward()
    p = np.exp(log_softmax_ref(x.data))
    np.testing.assert_allclose(x.grad.data, (p - np.eye(5)[t]) / 4, rtol=1e-12)
    assert x.grad_fn is None and F.cross_entropy(x, t).grad_fn.op_name() == "cross_entropy"


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_with_probability_targets(reduction):
    x = logits()
    probs = Tensor(np.random.default_rng(2).dirichlet(np.ones(5), 4), requires_grad=True)
    loss = F.cross_entropy(x, probs, reduction=reduction)
    expected = -(probs.data * log_softmax_ref(x.data)).sum(1)
    np.testing.assert_allclose(loss.data, reduce_ref(expected, reduction), rtol=1e-12)
    assert_gradients_match(lambda x, p: F.cross_entropy(x, p, reduction=reduction), x, probs)
    assert autodiff.gradgradcheck(lambda x, p: F.cross_entropy(x, p, reduction=reduction), x, probs)
    # Unnormalised targets too (the gradient is softmax * sum(t) - t).
    assert_gradients_match(lambda x: F.cross_entropy(x, probs.data * 3, reduction=reduction), x)


def _derivatives_to_third_order(f, x):
    """f(x)'s derivatives of order 1..3: each create_graph pass differentiates a fixed-weight
    sum of the previous gradient."""
    rng = np.random.default_rng(4)
    out, found = f(x), []
    for _ in range(3):
        (g,) = autodiff.gradients(
            (out * Tensor(rng.standard_normal(out.shape))).sum(), x, create_graph=True
        )
        found.append(g.data)
        out = g * g
    return found


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("targets", ["labels", "probabilities"])
def test_cross_entropy_recorded_gradient_matches_its_plain_version(reduction, targets):
    """Under create_graph the gradient of x is one node, CrossEntropyGrad, instead of the
    spelled-out formula (_cross_entropy_grad_reference): the same values, and the same
    derivatives with respect to x (to third order) and to the gradient per sample gs."""
    from nn.functional.loss import CrossEntropyGrad, _cross_entropy_grad_reference

    x = logits()
    rng = np.random.default_rng(5)
    t = np.eye(5)[labels()] if targets == "labels" else rng.dirichlet(np.ones(5), 4) * 2
    gs = Tensor(rng.standard_normal((4, 1) if reduction == "none" else ()), requires_grad=True)
    labelled = targets == "labels"
    fast = CrossEntropyGrad.apply(x, t, gs, labelled)
    plain = _cross_entropy_grad_reference(x, t, gs)
    np.testing.assert_allclose(fast.data, plain.data, rtol=1e-12, atol=1e-15)
    assert [fn.op_name() for fn in autodiff.topological_order([fast.grad_fn])] == [
        "cross_entropy_grad"
    ]
    assert_gradients_match(lambda x, gs: CrossEntropyGrad.apply(x, t, gs, labelled), x, gs)
    assert autodiff.gradgradcheck(lambda x, gs: CrossEntropyGrad.apply(x, t, gs, labelled), x, gs)
    for got, want in zip(
        _derivatives_to_third_order(lambda x: CrossEntropyGrad.apply(x, t, gs, labelled), x),
        _derivatives_to_third_order(lambda x: _cross_entropy_grad_reference(x, t, gs), x),
        strict=True,
    ):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)
    # ... and through the loss, with respect to the incoming gradient too (gradgradcheck's v)
    target = labels() if labelled else t
    assert autodiff.gradgradcheck(lambda x: F.cross_entropy(x, target, reduction=reduction) ** 2, x)
    loss = lambda x: F.cross_entropy(x, target, reduction=reduction).sum()  # noqa: E731
    fused = _derivatives_to_third_order(loss, x)
    spelled = _derivatives_to_third_order(
        lambda x: (
            (-(Tensor(t) * x.log_softmax(1)).sum(1)).mean().sum()
            if reduction == "mean"
            else (-(Tensor(t) * x.log_softmax(1)).sum(1)).sum()
        ),
        x,
    )
    for got, want in zip(fused, spelled, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


def test_cross_entropy_one_hot_targets_equal_labels():
    x, t = logits(), labels()
    a = F.cross_entropy(x, t)
    b = F.cross_entropy(x, F.one_hot(t, 5))  # int64 one-hot rows
    c = F.cross_entropy(x, np.eye(5)[t])
    np.testing.assert_allclose(a.data, b.data, rtol=1e-12)
    np.testing.assert_allclose(a.data, c.data, rtol=1e-12)
    assert F.cross_entropy(x, Tensor(t)).item() == pytest.approx(a.item())


@settings(max_examples=20, deadline=None)
@given(n=st.integers(1, 4), c=st.integers(1, 5), data=st.data())
def test_cross_entropy_gradcheck_random_shapes(n, c, data):
    x = data.draw(tensors((n, c), low=-5, high=5))
    t = np.asarray(data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    assert_gradients_match(lambda x: F.cross_entropy(x, t), x)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("targets", ["labels", "probabilities"])
def test_cross_entropy_is_finite_and_warning_free_at_logits_of_1000(dtype, targets):
    x = Tensor(np.array([[1000, -1000, 0], [-1000, 1000, 1000], [0, 0, -1000]], dtype), True)
    t = np.array([1, 0, 2]) if targets == "labels" else np.eye(3)[[1, 0, 2]]
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        loss = F.cross_entropy(x, t)
        loss.backward()
    assert np.isfinite(loss.item()) and np.all(np.isfinite(x.grad.data))
    assert loss.item() == pytest.approx((5000 + 2 * np.log(2)) / 3, rel=1e-6)
    assert loss.dtype == dtype and x.grad.dtype == dtype


def test_cross_entropy_keeps_float32_and_checks_shapes():
    x = logits(dtype=np.float32)
    loss = F.cross_entropy(x, np.eye(5)[labels()])  # float64 one-hot rows: no upcast
    loss.backward()
    assert loss.dtype == np.float32 and x.grad.dtype == np.float32
    with pytest.raises(autodiff.ShapeError):
        F.cross_entropy(x, np.zeros(3, dtype=np.int64))
    with pytest.raises(IndexError, match="class labels"):
        F.cross_entropy(x, np.array([0, 1, 2, 5]))
    with pytest.raises(autodiff.ShapeError):
        F.cross_entropy(Tensor(np.zeros(5)), np.array([1]))
    with pytest.raises(ValueError, match="reduction"):
        nn.CrossEntropyLoss(reduction="avg")


# ------------------------------------------------------------------------------------ nll
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_of_log_softmax_equals_cross_entropy(reduction):
    x, t = logits(), labels()
    a = nn.NLLLoss(reduction=reduction)(nn.LogSoftmax(dim=1)(x), t)
    b = F.cross_entropy(x, t, reduction=reduction)
    np.testing.assert_allclose(a.data, b.data, rtol=1e-12)
    assert_gradients_match(lambda x: F.nll_loss(x, t, reduction=reduction), x)


# ----------------------------------------------------------------------------- regression
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_and_l1(reduction):
    x = logits()
    y = Tensor(np.random.default_rng(3).standard_normal((4, 5)), requires_grad=True)
    d = x.data - y.data
    np.testing.assert_allclose(
        nn.MSELoss(reduction=reduction)(x, y).data, reduce_ref(d**2, reduction), rtol=1e-12
    )
    np.testing.assert_allclose(
        nn.L1Loss(reduction=reduction)(x, y).data, reduce_ref(np.abs(d), reduction), rtol=1e-12
    )
    assert_gradients_match(lambda x, y: F.mse_loss(x, y, reduction=reduction), x, y)
    assert_gradients_match(lambda x, y: F.l1_loss(x, y, reduction=reduction), x, y)  # |d| > 0 here


def smooth_l1_ref(d, beta):
    return np.where(np.abs(d) < beta, 0.5 * d**2 / beta, np.abs(d) - 0.5 * beta)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("beta", [1.0, 0.4, 0.0])
def test_smooth_l1_and_huber(reduction, beta):
    x = logits()
    y = Tensor(np.random.default_rng(3).standard_normal((4, 5)), requires_grad=True)
    d = x.data - y.data
    out = nn.SmoothL1Loss(reduction=reduction, beta=beta)(x, y)
    expected = np.abs(d) if beta == 0 else smooth_l1_ref(d, beta)
    np.testing.assert_allclose(out.data, reduce_ref(expected, reduction), rtol=1e-12)
    assert_gradients_match(
        lambda x, y: F.smooth_l1_loss(x, y, reduction=reduction, beta=beta), x, y
    )
    if beta > 0:
        out = nn.HuberLoss(reduction=reduction, delta=beta)(x, y)
        np.testing.assert_allclose(
            out.data, reduce_ref(beta * smooth_l1_ref(d, beta), reduction), rtol=1e-12
        )
        assert_gradients_match(
            lambda x, y: F.huber_loss(x, y, reduction=reduction, delta=beta), x, y
        )


@settings(max_examples=20, deadline=None)
@given(data=st.data(), beta=st.sampled_from([0.5, 1.0, 2.0]))
def test_smooth_l1_and_huber_gradcheck_random_shapes(data, beta):
    x = data.draw(tensors(low=-4, high=4))
    y = data.draw(tensors(tuple(x.shape), low=-4, high=4))
    assert_gradients_match(lambda x, y: F.smooth_l1_loss(x, y, beta=beta), x, y)
    assert_gradients_match(lambda x, y: F.huber_loss(x, y, delta=beta, reduction="sum"), x, y)


def test_smooth_l1_huber_and_kl_refuse_bad_arguments():
    x = logits()
    with pytest.raises(ValueError, match="negative values for beta"):
        F.smooth_l1_loss(x, x, beta=-1.0)
    with pytest.raises(ValueError, match="non-positive values for delta"):
        F.huber_loss(x, x, delta=0.0)
    with pytest.raises(ValueError, match="reduction must be one of"):
        nn.KLDivLoss(reduction="avg")
    with pytest.raises(ValueError, match="reduction must be one of"):
        nn.SmoothL1Loss(reduction="batchmean")


def kl_inputs(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((4, 5))
    log_p = x - np.log(np.exp(x).sum(1, keepdims=True))
    q = rng.random((4, 5)) + 0.05
    return Tensor(log_p, requires_grad=True), Tensor(
        q / q.sum(1, keepdims=True), requires_grad=True
    )


@pytest.mark.parametrize("reduction", ["none", "sum", "batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction, log_target):
    log_p, q = kl_inputs()
    target = Tensor(np.log(q.data), requires_grad=True) if log_target else q
    out = nn.KLDivLoss(reduction=reduction, log_target=log_target)(log_p, target)
    pointwise = q.data * (np.log(q.data) - log_p.data)
    expected = {"none": pointwise, "sum": pointwise.sum(), "batchmean": pointwise.sum() / 4}
    np.testing.assert_allclose(out.data, expected[reduction], rtol=1e-12)
    f = lambda x, t: F.kl_div(x, t, reduction=reduction, log_target=log_target)  # noqa: E731
    assert_gradients_match(f, log_p, target)


def test_kl_div_mean_warns_and_zero_targets_give_zero():
    log_p, _ = kl_inputs()
    q = np.zeros((4, 5))
    q[:, 1] = 1.0
    with pytest.warns(UserWarning, match="batchmean"):
        out = F.kl_div(log_p, q)
    np.testing.assert_allclose(out.data, -log_p.data[:, 1].sum() / 20, rtol=1e-12)
    out.backward()  # finite: the zero targets contribute nothing, to the value or the gradient
    np.testing.assert_allclose(log_p.grad.data, -q / 20, rtol=1e-12)


@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_kl_div_gradcheck_random_shapes(data):
    x = data.draw(tensors(low=-3, high=1))
    t = data.draw(tensors(tuple(x.shape), low=0.05, high=1))
    assert_gradients_match(lambda x, t: F.kl_div(x, t, reduction="sum"), x, t)
    assert_gradients_match(lambda x, t: F.kl_div(x, t, reduction="none", log_target=True), x, t)


def test_new_regression_losses_match_torch():
    torch = pytest.importorskip("torch")
    log_p, q = kl_inputs(1)
    x, y = logits(), Tensor(np.random.default_rng(5).standard_normal((4, 5)))
    cases = [
        (lambda F, a, b: F.smooth_l1_loss(a, b, beta=0.7), x, y),
        (lambda F, a, b: F.huber_loss(a, b, delta=0.7, reduction="sum"), x, y),
        (lambda F, a, b: F.kl_div(a, b, reduction="batchmean"), log_p, q),
        (lambda F, a, b: F.kl_div(a, b.log(), reduction="none", log_target=True), log_p, q),
    ]
    for f, a, b in cases:
        ta = torch.tensor(a.data, requires_grad=True)
        ours_a = Tensor(a.data, requires_grad=True)
        ours, theirs = (
            f(F, ours_a, Tensor(b.data)),
            f(torch.nn.functional, ta, torch.tensor(b.data)),
        )
        np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12)
        ours.sum().backward()
        theirs.sum().backward()
        np.testing.assert_allclose(ours_a.grad.data, ta.grad.numpy(), rtol=1e-10)


# --------------------------------------------------------------------------------- binary
def probabilities(shape=(3, 4), seed=4):
    return Tensor(np.random.default_rng(seed).uniform(0.05, 0.95, shape), requires_grad=True)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy(reduction):
    p = probabilities()
    t = Tensor(np.random.default_rng(5).uniform(0, 1, (3, 4)), requires_grad=True)
    expected = -(t.data * np.log(p.data) + (1 - t.data) * np.log(1 - p.data))
    loss = nn.BCELoss(reduction=reduction)(p, t)
    np.testing.assert_allclose(loss.data, reduce_ref(expected, reduction), rtol=1e-12)
    assert_gradients_match(lambda p, t: F.binary_cross_entropy(p, t, reduction=reduction), p, t)
    assert autodiff.gradgradcheck(
        lambda p: F.binary_cross_entropy(p, t.data, reduction=reduction), p
    )


def test_binary_cross_entropy_clamps_the_log_at_minus_100():
    p = Tensor(np.array([0.0, 1.0, 0.0, 1.0], dtype=np.float32), requires_grad=True)
    t = np.array([1.0, 0.0, 0.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = F.binary_cross_entropy(p, t, reduction="none")
        loss.sum().backward()
    np.testing.assert_allclose(loss.data, [100, 100, 0, 0])
    assert np.all(np.isfinite(p.grad.data)) and loss.dtype == np.float32
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        F.binary_cross_entropy(Tensor(np.array([1.5])), np.array([1.0]))


def test_binary_cross_entropy_target_gradient_is_unclamped_minus_logit_as_pytorchs():
    # PyTorch clamps the logs in the loss only: the target's gradient is -logit(p), infinite at
    # p = 0 or 1 and past 100 below p = e^-100 (the clamped form gave 100 and 0 there).
    probs = np.array([0.0, 1.0, 1e-50, 0.3])
    p = Tensor(probs, requires_grad=True)
    t = Tensor(np.array([1.0, 0.0, 0.5, 0.2]), requires_grad=True)
    F.binary_cross_entropy(p, t, reduction="sum").backward()
    with np.errstate(divide="ignore"):
        expected = np.log1p(-probs) - np.log(probs)
    np.testing.assert_allclose(t.grad.data, expected, rtol=1e-12)
    assert t.grad.data[:3].tolist() == [np.inf, -np.inf, pytest.approx(115.12925464970229)]
    torch = pytest.importorskip("torch")
    pt = torch.tensor(probs, requires_grad=True)
    tt = torch.tensor(t.data, requires_grad=True)
    torch.nn.functional.binary_cross_entropy(pt, tt, reduction="sum").backward()
    np.testing.assert_allclose(t.grad.data, tt.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(p.grad.data, pt.grad.numpy(), rtol=1e-8)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_with_logits(reduction):
    x = logits(3, 4)
    t = Tensor(np.random.default_rng(5).uniform(0, 1, (3, 4)), requires_grad=True)
    expected = F.binary_cross_entropy(autodiff.sigmoid(x), t, reduction=reduction)
    loss = nn.BCEWithLogitsLoss(reduction=reduction)(x, t)
    np.testing.assert_allclose(loss.data, expected.data, rtol=1e-10)
    assert_gradients_match(
        lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction=reduction), x, t
    )
    assert autodiff.gradgradcheck(
        lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction=reduction), x, t
    )


def test_binary_cross_entropy_with_logits_is_stable_at_1000():
    x = Tensor(np.array([1000.0, -1000.0, 1000.0, -1000.0], dtype=np.float32), True)
    t = np.array([1.0, 0.0, 0.0, 1.0])
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        loss = F.binary_cross_entropy_with_logits(x, t, reduction="none")
        loss.sum().backward()
    np.testing.assert_allclose(loss.data, [0, 0, 1000, 1000])
    np.testing.assert_allclose(x.grad.data, [0, 0, 1, -1])
    assert loss.dtype == np.float32 and x.grad.dtype == np.float32


# --------------------------------------------------------------------------------- margin
def svm_loss_naive(x, y, margin=1.0, p=1):
    """CS231n's svm_loss_naive (loops), per sample, divided by C as PyTorch does."""
    n, c = x.shape
    losses = np.zeros(n)
    for i in range(n):
        for j in range(c):
            if j != y[i]:
                losses[i] += max(0.0, margin - x[i, y[i]] + x[i, j]) ** p
    return losses / c


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p,margin", [(1, 1.0), (1, 0.7), (2, 0.45)])
def test_multi_margin_loss(reduction, p, margin):
    # Distinct scores on a 0.25 grid, shifted by 0.1 in the column of the label: every hinge
    # argument margin - x_y + x_j is then at least 0.1 away from its kink at 0.
    rng = np.random.default_rng(6)
    t = labels()
    scores = rng.permutation(20).reshape(4, 5) * 0.25
    scores[np.arange(4), t] += 0.1
    x = Tensor(scores, requires_grad=True)
    loss = nn.MultiMarginLoss(p=p, margin=margin, reduction=reduction)(x, t)
    expected = svm_loss_naive(x.data, t, margin, p)
    np.testing.assert_allclose(loss.data, reduce_ref(expected, reduction), rtol=1e-12)
    assert_gradients_match(lambda x: F.multi_margin_loss(x, t, p, margin, reduction=reduction), x)
    assert repr(nn.MultiMarginLoss()) == "MultiMarginLoss()"


def test_loss_modules_have_no_parameters_and_print_as_pytorchs():
    assert list(nn.CrossEntropyLoss().parameters()) == []
    # PyTorch's losses print no arguments; this printed "MSELoss(reduction='sum')"
    assert repr(nn.MSELoss(reduction="sum")) == "MSELoss()"
    weight = autodiff.tensor([1.0, 2.0])
    assert repr(nn.CrossEntropyLoss(weight, reduction="none")) == "CrossEntropyLoss()"


@pytest.mark.parametrize(
    "call",
    [
        lambda x, t: F.mse_loss(x, t, "sum"),
        lambda x, t: F.l1_loss(x, t, "sum"),
        lambda x, t: F.cross_entropy(x, t.astype(np.int64)[:, 0], "sum"),
        lambda x, t: nn.MSELoss("sum"),
        lambda x, t: nn.CrossEntropyLoss("sum"),
        lambda x, t: nn.MultiMarginLoss(1, 1.0, "sum"),
    ],
)
def test_reduction_is_keyword_only(call):
    # PyTorch's positional slots there are size_average (F.mse_loss: a positional "sum" gives
    # the mean) or weight: a positional reduction must fail, not bind differently
    x, t = autodiff.Tensor(np.ones((2, 3))), np.zeros((2, 3))
    with pytest.raises(TypeError, match="positional"):
        call(x, t)


# ------------------------------------------------------------------------ PyTorch's weights
WEIGHT_SHAPES = [(4,), (3, 4), (3, 1), ()]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", WEIGHT_SHAPES)
def test_bce_weight_and_pos_weight_by_formula(reduction, shape):
    rng = np.random.default_rng(7)
    x = Tensor(rng.standard_normal((3, 4)), requires_grad=True)
    t = Tensor(rng.uniform(0, 1, (3, 4)), requires_grad=True)
    w, pw = rng.uniform(0.5, 2, shape), rng.uniform(0.5, 3, shape)
    sig = 1 / (1 + np.exp(-x.data))
    positive, negative = -t.data * np.log(sig), -(1 - t.data) * np.log(1 - sig)
    with_logits = F.binary_cross_entropy_with_logits(
        x, t, Tensor(w), reduction=reduction, pos_weight=Tensor(pw)
    )
    expected = w * (pw * positive + negative)
    np.testing.assert_allclose(with_logits.data, reduce_ref(expected, reduction), rtol=1e-10)
    weighted = F.binary_cross_entropy(Tensor(sig), t.data, Tensor(w), reduction=reduction)
    np.testing.assert_allclose(
        weighted.data, reduce_ref(w * (positive + negative), reduction), rtol=1e-10
    )
    assert_gradients_match(
        lambda x, t: F.binary_cross_entropy_with_logits(
            x, t, Tensor(w), reduction=reduction, pos_weight=Tensor(pw)
        ),
        x,
        t,
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight_shape", [None, *WEIGHT_SHAPES])
@pytest.mark.parametrize("pos_weight_shape", [None, *WEIGHT_SHAPES])
def test_bce_weights_match_torch(reduction, weight_shape, pos_weight_shape):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    x = rng.standard_normal((3, 4)) * 10
    t = rng.uniform(0, 1, (3, 4))
    w = None if weight_shape is None else rng.uniform(0.5, 2, weight_shape)
    pw = None if pos_weight_shape is None else rng.uniform(0.5, 3, pos_weight_shape)

    def ours(fn, x, t, **options):
        x, t = Tensor(x, requires_grad=True), Tensor(t, requires_grad=True)
        loss = fn(x, t, None if w is None else Tensor(w), reduction=reduction, **options)
        (loss * Tensor(np.ones(loss.shape) * 1.5)).sum().backward()
        return loss.data, x.grad.data, t.grad.data

    def theirs(fn, x, t, **options):
        x, t = torch.tensor(x, requires_grad=True), torch.tensor(t, requires_grad=True)
        loss = fn(x, t, None if w is None else torch.tensor(w), reduction=reduction, **options)
        (loss * 1.5).sum().backward()
        return loss.detach().numpy(), x.grad.numpy(), t.grad.numpy()

    pair = (
        ({}, {}) if pw is None else ({"pos_weight": Tensor(pw)}, {"pos_weight": torch.tensor(pw)})
    )
    TF = torch.nn.functional
    for a, b in zip(
        ours(F.binary_cross_entropy_with_logits, x, t, **pair[0]),
        theirs(TF.binary_cross_entropy_with_logits, x, t, **pair[1]),
    ):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    if pw is None:
        p = 1 / (1 + np.exp(-x))
        for a, b in zip(ours(F.binary_cross_entropy, p, t), theirs(TF.binary_cross_entropy, p, t)):
            np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-12)


def test_weights_that_would_grow_the_loss_or_need_gradients_are_refused():
    x, t = Tensor(np.zeros((3, 1))), np.zeros((3, 1))
    with pytest.raises(autodiff.ShapeError, match=r"pos_weight of shape \(3, 4\)"):
        F.binary_cross_entropy_with_logits(x, t, pos_weight=Tensor(np.ones((3, 4))))
    with pytest.raises(autodiff.ShapeError, match=r"weight of shape \(2,\)"):
        F.binary_cross_entropy(x + 0.5, t, Tensor(np.ones(2)))
    with pytest.raises(NotImplementedError, match="weight that requires grad"):
        nn.BCELoss(Tensor(np.ones(1), requires_grad=True))(x + 0.5, t)
    with pytest.raises(ValueError, match="p must be 1 or 2"):
        nn.MultiMarginLoss(p=3)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multi_margin_loss_class_weights(reduction):
    x, t = logits(), labels()
    weight = np.array([0.5, 2.0, 1.0, 3.0, 0.25])
    loss = nn.MultiMarginLoss(2, 0.5, Tensor(weight), reduction=reduction)(x, t)
    unweighted = F.multi_margin_loss(x, t, 2, 0.5, reduction="none").data
    np.testing.assert_allclose(loss.data, reduce_ref(weight[t] * unweighted, reduction))
    assert list(nn.MultiMarginLoss(weight=Tensor(weight)).state_dict()) == ["weight"]
    torch = pytest.importorskip("torch")
    theirs = torch.nn.MultiMarginLoss(2, 0.5, torch.tensor(weight), reduction=reduction)
    expected = theirs(torch.tensor(x.data), torch.tensor(t)).numpy()
    np.testing.assert_allclose(loss.data, expected, rtol=1e-12)


@pytest.mark.parametrize(
    "loss",
    [
        lambda x: F.cross_entropy(x, np.zeros(0, dtype=np.int64)),
        lambda x: F.cross_entropy(x, np.zeros((0, 3))),
        lambda x: F.binary_cross_entropy(x, np.zeros((0, 3))),
        lambda x: F.binary_cross_entropy_with_logits(x, np.zeros((0, 3))),
        lambda x: F.nll_loss(x, np.zeros(0, dtype=np.int64)),
        lambda x: F.mse_loss(x, np.zeros_like(x.data)),
    ],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_mean_over_an_empty_batch_is_nan_without_warnings_as_pytorchs(loss, dtype):
    x = Tensor(np.zeros((0, 3), dtype), requires_grad=True)
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        value = loss(x)
        value.backward()
    assert np.isnan(value.item()) and value.dtype == dtype and x.grad.shape == (0, 3)


@pytest.mark.parametrize("label", [np.array(2), np.array([2])])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multi_margin_loss_of_one_sample(label, reduction):
    x = Tensor(np.array([0.5, -1.0, 0.25, 2.0]), requires_grad=True)
    one = F.multi_margin_loss(x, label, reduction=reduction)
    batch = F.multi_margin_loss(x.reshape(1, 4), label.reshape(1), reduction=reduction)
    assert one.shape == (label.shape if reduction == "none" else ())
    np.testing.assert_allclose(one.data.reshape(-1), batch.data.reshape(-1))
    assert one.item() == pytest.approx((1.25 + 0.0 + 2.75) / 4)  # margins of classes 0, 1, 3
    torch = pytest.importorskip("torch")
    theirs = torch.nn.functional.multi_margin_loss(
        torch.tensor(x.data), torch.tensor(label), reduction=reduction
    )
    assert tuple(theirs.shape) == one.shape
    np.testing.assert_allclose(one.data, theirs.numpy(), rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_smooth_l1_and_huber_match_torch_at_extremes(dtype):
    # the quadratic branch squared every difference (an overflow warning at 1e200, harmless
    # but loud), and the gradient at a NaN difference was abs's 0 where PyTorch's is NaN
    torch = pytest.importorskip("torch")
    big = np.finfo(dtype).max / 4  # huber's delta * |d| stays finite
    values = np.array([0.0, 0.5, -1.0, 1e30, -big, big, np.inf, -np.inf, np.nan], dtype=dtype)
    for name, kwargs in [("smooth_l1_loss", {"beta": 0.5}), ("huber_loss", {"delta": 2.0})]:
        ours = Tensor(values.copy(), requires_grad=True)
        theirs = torch.tensor(values, requires_grad=True)
        with warnings.catch_warnings(), np.errstate(all="raise"):
            warnings.simplefilter("error")
            a = getattr(F, name)(ours, np.zeros_like(values), reduction="none", **kwargs)
            a.backward(autodiff.ones_like(a))  # (a sum of the huge ones would overflow)
        b = getattr(torch.nn.functional, name)(
            theirs, torch.zeros(len(values), dtype=theirs.dtype), reduction="none", **kwargs
        )
        b.backward(torch.ones_like(b))
        np.testing.assert_allclose(a.data, b.detach().numpy(), rtol=1e-6)
        np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=1e-6)
