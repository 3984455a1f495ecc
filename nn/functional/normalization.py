"""Batch normalisation (Ioffe & Szegedy): normalise each channel by the batch's statistics
while training, by running estimates of them in evaluation.

Training is one fused op (the normalisation's backward is the classic compact formula);
evaluation is another, a fixed affine map per channel whose backward is written with ops that
record under create_graph (differentiable to any order). One node each, as in PyTorch's graphs
and ONNX's BatchNormalization (nn.export maps the evaluation node to it).
"""

from __future__ import annotations

import math

import numpy as np

import autodiff
from autodiff import Function, ShapeError, Tensor

from ._dtypes import check_dtypes


class BatchNorm(Function):
    """y = (x - mean) / sqrt(var + eps) * weight + bias over the batch's own mean and biased var.

    Backward, with x_hat the normalised input and m the mean over the reduced axes:
        dx = (dx_hat - m(dx_hat) - x_hat * m(dx_hat * x_hat)) / sqrt(var + eps)
    where dx_hat = dy * weight. Its backward is numpy code (x_hat is an intermediate), so it
    does not support create_graph.
    """

    op = "batch_norm"
    supports_create_graph = False

    @staticmethod
    def forward(ctx, x, weight=None, bias=None, *, mean, var, eps, axes, shape):
        inv_std = 1 / np.sqrt(var + eps)
        x_hat = (x - mean) * inv_std
        ctx.x_hat, ctx.inv_std, ctx.axes, ctx.shape = x_hat, inv_std, axes, shape
        ctx.save_for_backward(weight)
        y = x_hat if weight is None else x_hat * weight.reshape(shape)
        return y if bias is None else y + bias.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        (weight,) = ctx.saved_tensors
        x_hat, axes = ctx.x_hat, ctx.axes
        need_x, *need_affine = ctx.needs_input_grad
        need_w = bool(need_affine) and need_affine[0]
        need_b = len(need_affine) > 1 and need_affine[1]
        gw = (g * x_hat).sum(axis=axes) if need_w else None
        gb = g.sum(axis=axes) if need_b else None
        gx = None
        if need_x:
            g_hat = g if weight is None else g * weight.reshape(ctx.shape)
            gx = g_hat - g_hat.mean(axis=axes, keepdims=True)
            gx -= x_hat * (g_hat * x_hat).mean(axis=axes, keepdims=True)
            gx *= ctx.inv_std
        return gx, gw, gb


class BatchNormEval(Function):
    """y = (x - running_mean) / sqrt(running_var + eps) * weight + bias: evaluation mode.

    Arguments x, weight, bias, running_mean, running_var (weight, bias may be None; the running
    statistics are Tensors or arrays). The statistics are arguments rather than constants so that
    readers of the graph (viz, nn.export) see which buffers the node used; they get no gradient.
    Backward: dx = g * scale, dweight = sum(g * x_hat), dbias = sum(g), where
    scale = weight / sqrt(running_var + eps) and x_hat the normalised input.
    """

    op = "batch_norm"

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, *, eps, axes, shape):
        inv_std = (1 / np.sqrt(running_var + eps)).reshape(shape)
        mean = np.reshape(running_mean, shape)
        scale = inv_std if weight is None else weight.reshape(shape) * inv_std
        ctx.inv_std, ctx.mean, ctx.axes, ctx.shape = inv_std, mean, axes, shape
        ctx.save_for_backward(x, weight)
        y = (x - mean) * scale
        return y if bias is None else y + bias.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        x, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        gx = gw = gb = None
        if need_x:
            scale = ctx.inv_std if weight is None else weight.reshape(ctx.shape) * ctx.inv_std
            gx = g * scale
        if need_w:
            gw = (g * ((x - ctx.mean) * ctx.inv_std)).sum(axis=ctx.axes)
        if need_b:
            gb = g.sum(axis=ctx.axes)
        return gx, gw, gb, None, None


def batch_norm(
    input: Tensor,
    running_mean: Tensor | np.ndarray | None,
    running_var: Tensor | np.ndarray | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel (axis 1) of input (N, C) or (N, C, ...) — PyTorch's signature.

    training: use the batch's mean and biased variance, and update the running statistics in
    place (if given): running = (1 - momentum) * running + momentum * batch, with the *unbiased*
    variance for running_var, as PyTorch does.
    Evaluation: use running_mean and running_var, which must be given (ValueError, as PyTorch
    refuses). weight and bias (C,) scale and shift.
    """
    if input.ndim < 2:
        raise ShapeError(f"batch_norm: expected input (N, C, ...), got shape {tuple(input.shape)}")
    c = input.shape[1]
    shape = (1, c) + (1,) * (input.ndim - 2)  # per-channel values broadcast over the rest
    axes = (0,) + tuple(range(2, input.ndim))
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):  # fmt: skip
        if t is not None and tuple(t.shape) != (c,):
            raise ShapeError(
                f"batch_norm: {name} must have shape ({c},) for input {tuple(input.shape)}, "
                f"got {tuple(t.shape)}"
            )
    check_dtypes(
        "batch_norm", input, ("weight", weight), ("bias", bias), ("running_mean", running_mean),
        ("running_var", running_var),
    )  # fmt: skip
    if not training and (running_mean is None or running_var is None):
        # PyTorch refuses it too: normalising by the batch instead would be a silent change of mode
        raise ValueError(
            "batch_norm: running_mean and running_var must be given in evaluation mode "
            "(training=False); pass training=True to normalise by the batch's statistics"
        )
    if training:
        x = np.asarray(input.data if isinstance(input, Tensor) else input)
        count = x.size // c
        if count < 2:
            raise ValueError(
                f"batch_norm: expected more than 1 value per channel when training, got input "
                f"of shape {tuple(input.shape)}"
            )
        mean = x.mean(axis=axes, keepdims=True)
        var = x.var(axis=axes, keepdims=True)
        _update(running_mean, mean.reshape(c), momentum)
        _update(running_var, var.reshape(c) * (count / (count - 1)), momentum)
        args = (input, weight) if bias is None else (input, weight, bias)
        return BatchNorm.apply(*args, mean=mean, var=var, eps=eps, axes=axes, shape=shape)
    # Evaluation: a fixed affine map of the input, differentiable to any order.
    mean, var = (s if isinstance(s, Tensor) else np.asarray(s) for s in (running_mean, running_var))
    return BatchNormEval.apply(input, weight, bias, mean, var, eps=eps, axes=axes, shape=shape)


def _update(running: Tensor | np.ndarray | None, batch: np.ndarray, momentum: float) -> None:
    """running <- (1 - momentum) * running + momentum * batch, in place."""
    if running is None:
        return
    if isinstance(running, Tensor):
        with autodiff.no_grad():  # a buffer update, not part of any graph
            running.mul_(1 - momentum).add_(batch.astype(running.dtype), alpha=momentum)
    else:
        running *= 1 - momentum
        running += momentum * batch


def layer_norm(
    input: Tensor,
    normalized_shape: int | tuple[int, ...],
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise over the last dims `normalized_shape` of each sample: (x - mean) / sqrt(var +
    eps) with the biased variance, then `* weight + bias` (shape `normalized_shape`), as PyTorch.

    Built from autodiff's ops, so it is differentiable to any order.
    """
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(input.shape[input.ndim - len(shape) :]) != shape or len(shape) > input.ndim:
        raise ShapeError(
            f"layer_norm: normalized_shape {shape} must be the last dims of the input, got "
            f"input of shape {tuple(input.shape)}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise ShapeError(f"layer_norm: {name} must have shape {shape}, got {tuple(t.shape)}")
    check_dtypes("layer_norm", input, ("weight", weight), ("bias", bias))
    axes = tuple(range(input.ndim - len(shape), input.ndim))
    centered = input - input.mean(axis=axes, keepdims=True)
    variance = (centered * centered).mean(axis=axes, keepdims=True)
    y = centered / autodiff.sqrt(variance + eps)
    if weight is not None:
        y = y * weight
    return y if bias is None else y + bias


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Group normalisation (Wu & He), as PyTorch's: input (N, C, *) with C divisible by
    `num_groups`; each sample's channels split into that many groups of C / num_groups, and each
    group normalised over its channels and all positions, (x - mean) / sqrt(var + eps) with the
    biased variance; then `* weight + bias`, each (C,), per channel. Same shape out.

    Built from autodiff's ops, so it is differentiable to any order (and exports to ONNX as
    them). Errors as PyTorch's, each a ShapeError (PyTorch's RuntimeError): fewer than 2 dims,
    C not divisible by num_groups, weight or bias not (C,).
    """
    shape = tuple(input.shape)
    if len(shape) < 2:
        raise ShapeError(
            f"group_norm: expected an input (N, C, *) of at least 2 dims, got shape {shape}"
        )
    if isinstance(num_groups, bool) or not isinstance(num_groups, int | np.integer):
        raise TypeError(f"group_norm: num_groups must be an int, got {num_groups!r}")
    n, c = shape[:2]
    if num_groups < 1 or c % num_groups:
        raise ShapeError(
            f"group_norm: expected the number of channels of input {shape} ({c}) to be "
            f"divisible by num_groups={num_groups}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (c,):
            raise ShapeError(
                f"group_norm: {name} must have shape ({c},) for input {shape}, got {tuple(t.shape)}"
            )
    check_dtypes("group_norm", input, ("weight", weight), ("bias", bias))
    # Explicit sizes, not -1: a batch of 0 leaves -1 undetermined
    grouped = input.reshape(n, num_groups, math.prod(shape[1:]) // num_groups)
    centered = grouped - grouped.mean(axis=2, keepdims=True)
    variance = (centered * centered).mean(axis=2, keepdims=True)
    y = (centered / autodiff.sqrt(variance + eps)).reshape(shape)
    per_channel = (c, *(1,) * (len(shape) - 2))  # weight and bias along dim 1
    if weight is not None:
        y = y * weight.reshape(per_channel)
    return y if bias is None else y + bias.reshape(per_channel)


def instance_norm(
    input: Tensor,
    running_mean: Tensor | np.ndarray | None = None,
    running_var: Tensor | np.ndarray | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Instance normalisation (Ulyanov et al.), PyTorch's signature: input (N, C, *) with at
    least one spatial dim; each sample's each channel normalised over its positions,
    (x - mean) / sqrt(var + eps) with the biased variance, then `* weight + bias`, each (C,).
    Same shape out.

    use_input_stats (PyTorch's default): the instance's own statistics (group_norm with one
    group per channel, so differentiable to any order), and running_mean / running_var (C,), if
    given, updated in place with the batch's average of the instances' mean and *unbiased*
    variance: running = (1 - momentum) * running + momentum * average. Otherwise the running
    statistics, which must be given, as batch_norm's evaluation. One spatial element with
    use_input_stats raises a ValueError, as PyTorch's.
    """
    shape = tuple(input.shape)
    if len(shape) < 2:
        raise ShapeError(f"instance_norm: expected input (N, C, *), got shape {shape}")
    check_dtypes("instance_norm", input, ("weight", weight), ("bias", bias))
    c = shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var)):
        if t is not None and tuple(t.shape) != (c,):
            raise ShapeError(
                f"instance_norm: {name} must have shape ({c},) for input {shape}, got "
                f"{tuple(t.shape)}"
            )
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise ValueError(
                "instance_norm: running_mean and running_var must be given when "
                "use_input_stats=False"
            )
        # PyTorch takes running statistics of another dtype here (the output keeps input's)
        stats = [
            s if s.dtype == input.dtype else np.asarray(getattr(s, "data", s), input.dtype)
            for s in (running_mean, running_var)
        ]
        return batch_norm(input, stats[0], stats[1], weight, bias, False, momentum, eps)
    if math.prod(shape[2:]) == 1:  # (also no spatial dim): every output would be 0
        raise ValueError(
            f"instance_norm: expected more than 1 spatial element when training, got input "
            f"size {shape}"
        )
    if running_mean is not None or running_var is not None:
        x = np.asarray(input.data if isinstance(input, Tensor) else input)
        axes = tuple(range(2, x.ndim))
        count = math.prod(shape[2:])
        _update(running_mean, x.mean(axis=axes).mean(axis=0), momentum)
        unbiased = x.var(axis=axes) * (count / (count - 1))
        _update(running_var, unbiased.mean(axis=0), momentum)
    return group_norm(input, c, weight, bias, eps) if c else input * 1
