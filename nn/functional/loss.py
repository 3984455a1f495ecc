"""Loss functions: (input, target) -> a scalar (reduction "mean" or "sum") or per-sample losses
("none"), with PyTorch's names and semantics.

The three losses that take a log or an exp of the input are fused ops, each one compute node
with a hand-written backward, because composing them from primitives is unstable at extreme
inputs: `cross_entropy` (the lessons' SoftmaxWithLoss), `binary_cross_entropy` and
`binary_cross_entropy_with_logits`. The others are compositions of autodiff ops.

Backward formulas use only numpy functions that Tensors dispatch (np.exp, np.log, np.max, ...),
and recompute what they need from the saved inputs, so they also record a graph under
`create_graph=True`.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

import autodiff
from autodiff import Function, ShapeError, Tensor

from ..validate import check_real
from . import _classes

REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _reduce(losses: Any, reduction: str) -> Any:
    """Per-sample losses -> their mean, sum, or themselves (arrays or Tensors)."""
    if reduction == "mean":
        if isinstance(losses, np.ndarray) and losses.size == 0:
            return losses.dtype.type(np.nan)  # PyTorch's NaN, without numpy's warning
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    return losses


def _grad_per_sample(g: Any, reduction: str, n: int) -> Any:
    """The incoming gradient of the reduced loss -> the gradient of each sample's loss, as a
    column that broadcasts over the classes."""
    if reduction == "mean":
        return _over(g, n)
    if reduction == "sum":
        return g
    return g.reshape(-1, 1)


def _over(g: Any, n: int) -> Any:
    """The mean's gradient g / n; for no elements (n = 0) it meets only empty arrays, so its
    inf is harmless and numpy's warning about it is not shown."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return g / n


def _labels(target: Any, n: int, c: int, where: str) -> np.ndarray:
    """Integer class labels (N,) as an int64 array, checked to lie in [0, C)."""
    labels = np.asarray(target.data if isinstance(target, Tensor) else target)
    if labels.shape != (n,):
        raise ShapeError(f"{where}: expected class labels of shape ({n},), got {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= c):
        raise IndexError(
            f"{where}: class labels must lie in [0, {c}), got values in "
            f"[{labels.min()}, {labels.max()}]"
        )
    return labels.astype(np.int64, copy=False)


def _check_logits(x: Any, where: str) -> tuple[int, int]:
    if x.ndim != 2:
        raise ShapeError(f"{where}: expected input of shape (N, C), got {tuple(x.shape)}")
    return x.shape


# ------------------------------------------------------------------------- cross-entropy
# _EXTREMES: at infinite logits the max shift computes inf - inf = NaN, and at logits near the
# dtype's max x - max(x) overflows to -inf. Those are the right answers (PyTorch gives the same
# NaN loss and gradients for a row with +inf, and exp(-inf) = 0 is exact), so numpy's warnings
# about them are silenced rather than the values changed; the tests compare with PyTorch there.
class CrossEntropy(Function):
    """Softmax followed by cross-entropy, fused: the lessons' SoftmaxWithLoss.

    Forward: log p = (x - max x) - log(sum(exp(x - max x))) — every exp is of a number <= 0,
    so nothing overflows and log p is finite even at logits of +-1000. The loss of a sample
    is -sum_c t_c log p_c (for a label y: -log p_y).

    Backward: d loss / d x = softmax(x) * sum_c t_c - t (= p - onehot(y) for a label), divided
    by N for the mean — no division by a probability anywhere.
    """

    op = "cross_entropy"

    @staticmethod
    def forward(ctx, x, target, reduction="mean"):
        n, _ = x.shape
        with np.errstate(invalid="ignore", over="ignore"):  # see _EXTREMES
            shifted = x - x.max(axis=1, keepdims=True)
            log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        if target.dtype.kind in "iu":  # class labels: pick each sample's log-probability
            losses = -log_p[np.arange(n), target]
            onehot = np.zeros_like(x)
            onehot[np.arange(n), target] = 1
            ctx.save_for_backward(x, onehot)
            ctx.labels = True
        else:  # probabilities (or one-hot rows) per sample
            with np.errstate(invalid="ignore"):  # 0 * -inf is NaN, as in PyTorch
                losses = -(target * log_p).sum(axis=1)
            ctx.save_for_backward(x, target)
            ctx.labels = False
        ctx.reduction = reduction
        return _reduce(losses, reduction)

    @staticmethod
    def backward(ctx, g):
        x, target = ctx.saved_tensors
        gs = _grad_per_sample(g, ctx.reduction, x.shape[0])
        need_x, need_t = ctx.needs_input_grad
        gx = gt = None
        with np.errstate(invalid="ignore", over="ignore"):  # see _EXTREMES
            if need_x and not need_t and isinstance(x, Tensor):  # create_graph: see below
                return CrossEntropyGrad.apply(x, target, gs, ctx.labels), None
            # Recomputed from x (not saved) so that, under create_graph, it is a function of x.
            shifted = x - np.max(x, axis=1, keepdims=True)
            e = np.exp(shifted)
            total = np.sum(e, axis=1, keepdims=True)
            if need_x:
                p = e / total
                if ctx.labels:  # one-hot rows: each sums to 1
                    gx = (p - target) * gs
                else:
                    gx = (p * np.sum(target, axis=1, keepdims=True) - target) * gs
            if need_t:  # probability targets that require grad: d loss / d t = -log p
                gt = (np.log(total) - shifted) * gs
        return gx, gt


class CrossEntropyGrad(Function):
    """CrossEntropy's gradient of x as one op, for its backward under create_graph:
    (softmax(x) * mass - target) * gs, where mass is 1 for labels (one-hot rows) and each
    target row's sum otherwise, and gs the gradient per sample. One node of the recorded graph
    where the array formula would record eight (max, subtract, exp, sum, divide, ...), and one
    backward in the next pass: the softmax's Jacobian-vector product. Its backward is written
    in ops Tensors dispatch, recomputing the softmax from x, so it records again (third order).
    `_cross_entropy_grad_reference` is the plain version (tests compare the two, to third
    order)."""

    op = "cross_entropy_grad"

    @staticmethod
    def forward(ctx, x, target, gs, labels):
        with np.errstate(invalid="ignore", over="ignore"):  # see _EXTREMES
            e = np.exp(x - np.max(x, axis=1, keepdims=True))
            p = e / np.sum(e, axis=1, keepdims=True)
        mass = 1 if labels else np.sum(target, axis=1, keepdims=True)
        ctx.save_for_backward(x, gs)
        ctx.p, ctx.mass, ctx.target = p, mass, target  # constants of backward
        return (p - target if labels else p * mass - target) * gs

    @staticmethod
    def backward(ctx, h):
        x, gs = ctx.saved_tensors
        x_in, _, gs_in, labels = ctx.args
        # Recorded (create_graph): the softmax as a function of x; else the one forward kept.
        p = x.softmax(1) if isinstance(x, Tensor) else ctx.p
        mass, target = ctx.mass, ctx.target
        gx = ggs = None
        if isinstance(x_in, Tensor) and x_in._requires_grad:
            u = h * gs if labels else h * (gs * mass)
            gx = p * (u - (u * p).sum(axis=1, keepdims=True))  # softmax's JVP
        if isinstance(gs_in, Tensor) and gs_in._requires_grad:
            ggs = h * (p - target if labels else p * mass - target)  # summed to gs's shape
        return gx, None, ggs


def _cross_entropy_grad_reference(x: Any, target: Any, gs: Any) -> Any:
    """The plain version of `CrossEntropyGrad`: the softmax spelled out in the ops Tensors
    dispatch."""
    with np.errstate(invalid="ignore", over="ignore"):  # see _EXTREMES
        shifted = x - np.max(x, axis=1, keepdims=True)
        e = np.exp(shifted)
        p = e / np.sum(e, axis=1, keepdims=True)
        return (p * np.sum(target, axis=1, keepdims=True) - target) * gs


def cross_entropy(
    input: Tensor,
    target: Any,
    weight: Tensor | None = None,
    *,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Softmax cross-entropy of logits, fused and stable (see `CrossEntropy`), PyTorch's.

    input: logits (N, C), (N, C, d1, ...) (a class axis 1, e.g. per pixel) or one sample (C,).
    target: class labels of shape (N,) / (N, d1, ...) / () (integers in [0, C), or
    `ignore_index`, whose samples count for nothing), or class probabilities of the input's
    shape (one-hot rows too). -> scalar, or the per-sample losses with reduction="none".
    `weight` (C,) scales each class's loss; with labels the mean is then the weighted mean
    (divided by the counted samples' weights), with probabilities a mean over the samples.
    `label_smoothing` eps mixes eps / C of the uniform distribution into the target.
    Everything after `weight` is keyword-only (PyTorch's next positions are deprecated ones).
    """
    _check_reduction(reduction)
    smoothing = check_real(
        "cross_entropy", "label_smoothing", label_smoothing, minimum=0.0, maximum=1.0
    )
    x, shape = _classes.rows(input, "cross_entropy")
    c = x.shape[1]
    weight = _classes.class_weights(weight, c, "cross_entropy")
    if not isinstance(target, Tensor):
        target = np.asarray(target)
    if target.dtype.kind in "iub" and tuple(target.shape) != tuple(input.shape):
        labels = _classes.labels(target, shape, c, "cross_entropy", ignore_index)
        if weight is None and not smoothing and not (labels == ignore_index).any():
            losses = CrossEntropy.apply(x, labels, reduction=reduction)
            return _classes.per_sample(losses, shape, reduction)
        losses = _classes.weighted(
            lambda x, labels: CrossEntropy.apply(x, labels, reduction="none"),
            x, labels, weight, ignore_index, reduction, smoothing,
        )  # fmt: skip
        return _classes.per_sample(losses, shape, reduction)
    # Probabilities (integer one-hot rows, e.g. from one_hot, too), of the input's shape.
    if tuple(target.shape) != tuple(input.shape):
        raise ShapeError(
            f"cross_entropy: probability targets must have the input's shape "
            f"{tuple(input.shape)}, got {tuple(target.shape)}"
        )
    if target.dtype.kind in "iub":  # integer one-hot rows: constants in the input's dtype
        target = np.asarray(target.data if isinstance(target, Tensor) else target)
    if isinstance(target, np.ndarray) and target.dtype != input.dtype:
        target = target.astype(input.dtype)  # float64 targets must not upcast the loss
    target, _ = _classes.rows(target, "cross_entropy")
    if smoothing:
        target = target * (1 - smoothing) + smoothing / c
    if weight is not None:  # -sum_c w_c t_c log p_c: the fused op with targets w * t
        target = target * weight.astype(target.dtype)
    return _classes.per_sample(CrossEntropy.apply(x, target, reduction=reduction), shape, reduction)


def nll_loss(
    input: Tensor,
    target: Any,
    weight: Tensor | None = None,
    *,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood: input log-probabilities (N, C), (N, C, d1, ...) or (C,), target
    labels (N,) / (N, d1, ...) / (); the loss of a sample is -weight[y] * input[i, y], none for
    the label `ignore_index`, and the mean divides by the counted samples' weights (PyTorch's)."""
    _check_reduction(reduction)
    x, shape = _classes.rows(input, "nll_loss")
    m, c = x.shape
    weight = _classes.class_weights(weight, c, "nll_loss")
    labels = _classes.labels(target, shape, c, "nll_loss", ignore_index)
    if weight is None and not (labels == ignore_index).any():
        return _classes.per_sample(_reduce(-x[np.arange(m), labels], reduction), shape, reduction)
    losses = _classes.weighted(
        lambda x, labels: -x[np.arange(len(labels)), labels],
        x, labels, weight, ignore_index, reduction,
    )  # fmt: skip
    return _classes.per_sample(losses, shape, reduction)


# --------------------------------------------------------------------------- regression
def mse_loss(input: Tensor, target: Any, *, reduction: str = "mean") -> Tensor:
    """(input - target)^2, elementwise, then reduced over every element. A target of another
    shape broadcasts, with PyTorch's UserWarning (input (4, 1) against target (4,) gives a
    (4, 4) table of differences, which is rarely what was meant)."""
    _check_reduction(reduction)
    _warn_if_broadcast(input, target)
    diff = input - target
    return _reduce(diff * diff, reduction)


def l1_loss(input: Tensor, target: Any, *, reduction: str = "mean") -> Tensor:
    """|input - target|, elementwise, then reduced; the gradient at 0 is 0. Warns like
    `mse_loss` when target's shape differs from input's."""
    _check_reduction(reduction)
    _warn_if_broadcast(input, target)
    return _reduce(autodiff.abs(input - target), reduction)


def smooth_l1_loss(
    input: Tensor, target: Any, *, reduction: str = "mean", beta: float = 1.0
) -> Tensor:
    """Elementwise 0.5 * d^2 / beta where |d| < beta, else |d| - 0.5 * beta (d = input -
    target), then reduced; beta = 0 is `l1_loss`, as in PyTorch. Warns like `mse_loss` when
    target's shape differs from input's."""
    _check_reduction(reduction)
    if check_real("smooth_l1_loss", "beta", beta) < 0:
        raise ValueError(f"smooth_l1_loss does not support negative values for beta, got {beta}")
    if beta == 0:  # (the quadratic branch would divide by zero, and its gradient be NaN)
        return l1_loss(input, target, reduction=reduction)
    _warn_if_broadcast(input, target)
    diff = input - target
    size = autodiff.abs(diff)
    near, far = _branches(diff, size < beta)
    return _reduce(
        autodiff.where(size < beta, 0.5 * near * near / beta, far - 0.5 * beta), reduction
    )


def huber_loss(
    input: Tensor, target: Any, *, reduction: str = "mean", delta: float = 1.0
) -> Tensor:
    """Elementwise 0.5 * d^2 where |d| < delta, else delta * (|d| - 0.5 * delta) (d = input -
    target), then reduced: `smooth_l1_loss` with beta = delta, times delta. delta must be > 0.
    Warns like `mse_loss` when target's shape differs from input's."""
    _check_reduction(reduction)
    if not check_real("huber_loss", "delta", delta) > 0:
        raise ValueError(f"huber_loss does not support non-positive values for delta, got {delta}")
    _warn_if_broadcast(input, target)
    diff = input - target
    size = autodiff.abs(diff)
    near, far = _branches(diff, size < delta)
    quadratic = 0.5 * near * near
    return _reduce(autodiff.where(size < delta, quadratic, delta * (far - 0.5 * delta)), reduction)


def _branches(diff: Tensor, inside: Any) -> tuple[Tensor, Tensor]:
    """The differences the quadratic and the linear branch of smooth_l1 / huber see.

    near: `diff` where `inside`, else 0, so that squaring a huge difference (the linear
    branch's) does not overflow with a warning. far: |diff| as diff * sign(diff), the sign a
    constant, whose gradient at a NaN difference is NaN, as PyTorch's for these losses (abs's
    gradient there is 0)."""
    near = autodiff.where(inside, diff, autodiff.zeros_like(diff))
    return near, diff * Tensor(np.sign(diff.data))


KL_REDUCTIONS = ("mean", "batchmean", "sum", "none")


def kl_div(
    input: Tensor, target: Any, *, reduction: str = "mean", log_target: bool = False
) -> Tensor:
    """The Kullback-Leibler divergence of `input` (log-probabilities) from `target`
    (probabilities, or log-probabilities with `log_target`): elementwise
    target * (log(target) - input), 0 where target is 0 (exp(target) * (target - input) with
    log_target), then reduced. reduction="batchmean" divides the sum by the batch size
    input.shape[0], which is the divergence's mathematical definition; "mean" divides by the
    number of elements and warns, as PyTorch does."""
    if reduction not in KL_REDUCTIONS:
        raise ValueError(f"reduction must be one of {KL_REDUCTIONS}, got {reduction!r}")
    if reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support "
            "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
            "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
            "major release.",
            UserWarning,
            stacklevel=2,
        )
    if not isinstance(target, Tensor):
        target = autodiff.tensor(np.asarray(target, dtype=np.result_type(input.dtype, np.float32)))
    if log_target:
        losses = autodiff.exp(target) * (target - input)
    else:
        # log(1) where target is 0, so that neither the value nor its gradient becomes NaN;
        # target * (...) is then 0 there (PyTorch's xlogy)
        safe = autodiff.where(target > 0, target, autodiff.ones_like(target))
        losses = target * (autodiff.log(safe) - input)
    if reduction == "batchmean":
        n = input.shape[0] if input.ndim else 1
        return losses.sum() / n
    return _reduce(losses, reduction)


def _warn_if_broadcast(input: Any, target: Any) -> None:
    input_shape, target_shape = tuple(np.shape(input)), tuple(np.shape(target))
    if input_shape != target_shape:
        warnings.warn(
            f"Using a target size {target_shape} that is different to the input size "
            f"{input_shape}. This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.",
            UserWarning,
            stacklevel=3,
        )


# ------------------------------------------------------------------------------- binary
LOG_FLOOR = -100.0  # PyTorch's clamp of log(p) in binary_cross_entropy


class BinaryCrossEntropy(Function):
    """-(t log p + (1 - t) log(1 - p)) with both logs clamped at -100, as PyTorch does.

    The clamp keeps the loss finite when a probability is exactly 0 or 1 (log 0 = -inf), as the
    lessons' `log(y + 1e-7)` does; the gradient (p - t) / max(p (1 - p), 1e-12) stays finite
    for the same reason. The target's gradient is PyTorch's -logit(p) = log(1 - p) - log(p),
    without the clamp (infinite at p = 0 or 1, as there).
    """

    op = "binary_cross_entropy"

    @staticmethod
    def forward(ctx, p, t, reduction="mean"):
        with np.errstate(divide="ignore"):  # log(0) = -inf is expected: it is clamped next
            losses = -(t * np.maximum(np.log(p), LOG_FLOOR))
            losses -= (1 - t) * np.maximum(np.log1p(-p), LOG_FLOOR)
        ctx.save_for_backward(p, t)
        ctx.reduction = reduction
        return _reduce(losses, reduction)

    @staticmethod
    def backward(ctx, g):
        p, t = ctx.saved_tensors
        need_p, need_t = ctx.needs_input_grad
        if ctx.reduction == "mean":
            g = _over(g, np.size(p))
        gp = gt = None
        if need_p:
            gp = g * (p - t) / np.maximum(p * (1 - p), 1e-12)
        if need_t:
            # -logit(p), unclamped as in PyTorch: +-inf at p = 0 or 1 (the clamp is the loss's,
            # and PyTorch does not carry it into the target's gradient).
            with np.errstate(divide="ignore"):
                gt = g * (np.log1p(-p) - np.log(p))
        return gp, gt


def binary_cross_entropy(
    input: Tensor, target: Any, weight: Tensor | None = None, *, reduction: str = "mean"
) -> Tensor:
    """Binary cross-entropy of probabilities input in [0, 1] against targets of its shape
    (logs clamped at -100, see `BinaryCrossEntropy`); the mean is over every element.
    `weight` scales each element's loss (it broadcasts to the input's shape), PyTorch's."""
    _check_reduction(reduction)
    p = np.asarray(input.data if isinstance(input, Tensor) else input)
    if not np.all((p >= 0) & (p <= 1)):  # NaN fails both comparisons: refused, as in PyTorch
        raise ValueError(
            "binary_cross_entropy: every input must lie in [0, 1] (probabilities), got "
            f"values in [{np.min(p)}, {np.max(p)}]" + (" and NaN" if np.isnan(p).any() else "")
        )
    target = _like_input(target, input, "binary_cross_entropy")
    if weight is None:
        return BinaryCrossEntropy.apply(input, target, reduction=reduction)
    w = _elementwise(weight, input, "binary_cross_entropy", "weight")
    return _reduce(BinaryCrossEntropy.apply(input, target, reduction="none") * w, reduction)


class BinaryCrossEntropyWithLogits(Function):
    """Sigmoid followed by binary cross-entropy, fused and stable for any finite logit, in
    PyTorch's form (so values agree to the last bit, and at infinite logits too):

        loss = (1 - t) x - log_sigmoid(x),   log_sigmoid(x) = min(x, 0) - log1p(exp(-|x|))
        d loss / d x = sigmoid(x) - t,    d loss / d t = -x

    No exp of a positive number is taken. At x = +-inf the loss is what PyTorch gives: inf,
    or NaN where 0 * inf or inf - inf appears (x = +inf with t = 1, x = -inf).
    """

    op = "bce_with_logits"

    @staticmethod
    def forward(ctx, x, t, reduction="mean"):
        log_sigmoid = np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))
        with np.errstate(invalid="ignore"):  # 0 * inf and inf - inf at infinite logits
            losses = (1 - t) * x - log_sigmoid
        ctx.save_for_backward(x, t)
        ctx.reduction = reduction
        return _reduce(losses, reduction)

    @staticmethod
    def backward(ctx, g):
        x, t = ctx.saved_tensors
        need_x, need_t = ctx.needs_input_grad
        if ctx.reduction == "mean":
            g = _over(g, np.size(x))
        # sigmoid(x) = (1 + tanh(x / 2)) / 2: stable, and tanh is an op Tensors dispatch.
        gx = g * ((1 + np.tanh(x * 0.5)) * 0.5 - t) if need_x else None
        gt = -g * x if need_t else None
        return gx, gt


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Any,
    weight: Tensor | None = None,
    *,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """Binary cross-entropy of sigmoid(input) against targets of its shape, computed from the
    logits without overflow (see `BinaryCrossEntropyWithLogits`). PyTorch's options, each
    broadcasting to the input's shape: `pos_weight` scales the positive term, -t log sigmoid(x)
    (one per class on the last axis, typically), `weight` each element's loss."""
    where = "binary_cross_entropy_with_logits"
    _check_reduction(reduction)
    target = _like_input(target, input, where)
    if weight is None and pos_weight is None:
        return BinaryCrossEntropyWithLogits.apply(input, target, reduction=reduction)
    losses = BinaryCrossEntropyWithLogits.apply(input, target, reduction="none")
    if pos_weight is not None:
        # The positive term weighted pos_weight times: (pos_weight - 1) t more of -log
        # sigmoid(x), which is the fused op's loss at target 1 (stable at any logit).
        more = _elementwise(pos_weight, input, where, "pos_weight") - 1
        ones = np.ones(input.shape, dtype=input.dtype)
        losses = losses + more * target * BinaryCrossEntropyWithLogits.apply(
            input, ones, reduction="none"
        )
    if weight is not None:
        losses = losses * _elementwise(weight, input, where, "weight")
    return _reduce(losses, reduction)


def _elementwise(weight: Any, input: Any, where: str, name: str) -> np.ndarray:
    """A weight of the BCE losses as a constant array in the input's dtype, checked to
    broadcast to the input's shape without growing it."""
    weight = _classes.constant_weight(weight, where, name, "a Tensor")
    shape = tuple(input.shape)
    try:
        fits = np.broadcast_shapes(weight.shape, shape) == shape
    except ValueError:
        fits = False
    if not fits:
        raise ShapeError(f"{where}: {name} of shape {weight.shape} does not broadcast to {shape}")
    return weight.astype(input.dtype, copy=False)


def _like_input(target: Any, input: Tensor, where: str) -> Any:
    """Targets of the input's shape, in its dtype unless they are a Tensor (which may require
    grad and is then kept as it is)."""
    if isinstance(target, Tensor):
        if target.shape != input.shape:
            raise ShapeError(f"{where}: target shape {target.shape} != input shape {input.shape}")
        return target
    target = np.asarray(target, dtype=input.dtype)
    if target.shape != input.shape:
        raise ShapeError(f"{where}: target shape {target.shape} != input shape {input.shape}")
    return target


# ------------------------------------------------------------------------------- margin
def multi_margin_loss(
    input: Tensor,
    target: Any,
    p: int = 1,
    margin: float = 1.0,
    weight: Tensor | None = None,
    *,
    reduction: str = "mean",
) -> Tensor:
    """The multi-class SVM (hinge) loss of CS231n, with PyTorch's normalisation:

    loss_i = sum over j != y_i of max(0, margin - x[i, y_i] + x[i, j])^p / C

    input: scores (N, C) (or one sample (C,) with a 0-d label); target: labels (N,). `weight`
    (C,) scales each sample's loss by the weight of its class, PyTorch's (the mean stays over
    N). (CS231n's svm_loss sums over j without dividing by C: it is this loss times C, with
    reduction "mean".)
    """
    _check_reduction(reduction)
    if p not in (1, 2):
        raise ValueError(f"multi_margin_loss: p must be 1 or 2, got {p}")
    if input.ndim == 1:  # one sample (C,) with a 0-d (or (1,)) label, as PyTorch
        label = np.asarray(target.data if isinstance(target, Tensor) else target)
        if label.size != 1 or label.ndim > 1:
            raise ShapeError(
                f"multi_margin_loss: one sample ({input.shape[0]},) takes one label, got shape "
                f"{label.shape}"
            )
        one = multi_margin_loss(
            input.reshape(1, -1), label.reshape(1), p, margin, weight, reduction=reduction
        )
        return one.reshape(label.shape) if reduction == "none" else one
    n, c = _check_logits(input, "multi_margin_loss")
    labels = _labels(target, n, c, "multi_margin_loss")
    weight = _classes.class_weights(weight, c, "multi_margin_loss")
    rows = np.arange(n).reshape(n, 1)
    # The C - 1 columns j != y_i of each row: the correct class is no margin violation of
    # itself, and leaving it out (rather than masking it with 0) keeps a NaN or infinite
    # correct score from turning its own term into 0 * NaN.
    others = np.arange(c - 1).reshape(1, c - 1)
    others = others + (others >= labels.reshape(n, 1))
    correct = input[rows[:, 0], labels].reshape(n, 1)
    # inf - inf is a NaN margin (not > 0, so it counts 0, as in PyTorch); scores near the
    # dtype's max overflow to an infinite loss, as in PyTorch: no warnings for either.
    with np.errstate(invalid="ignore", over="ignore"):
        z = margin - correct + input[rows, others]  # PyTorch's order of the two additions
        # max(0, z) as PyTorch computes it: only z > 0 counts, so a NaN margin counts as 0.
        hinge = autodiff.where(z.data > 0, z, 0.0)
        if p == 2:
            hinge = hinge * hinge
        if weight is not None:  # PyTorch scales each term, before the sum over j
            hinge = hinge * weight[labels].astype(hinge.dtype).reshape(n, 1)
        return _reduce(hinge.sum(axis=1) / c, reduction)
