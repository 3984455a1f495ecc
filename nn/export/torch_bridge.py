"""to_torch / from_torch: glassgrad modules as PyTorch modules and back, weights copied.

    torch_model = nn.export.to_torch(model)     # every built-in layer, container, loss, model
    model = nn.export.from_torch(torch_model)   # torch.nn's equivalents, and to_torch's own twins

Each side is built from a table, one row per module class (exact classes: a subclass with its
own forward is a custom module, and custom modules raise naming their class, since their
forward cannot be translated). Layers map to their torch.nn namesakes; glassgrad's models and
Step map to twins in torch_models.py. Weights go through the state dicts (state_dict.py), loaded
with strict=True, so every parameter and buffer is accounted for. Each module's train/eval mode
and each parameter's requires_grad are carried over; dtypes are kept.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from autodiff import tensor

from .. import layers, losses, models
from ..containers import ModuleList, Sequential
from ..module import Module
from ._deps import require
from .errors import UnsupportedOpError
from .state_dict import state_dict_from_torch, state_dict_to_torch


def to_torch(model: Module) -> Any:
    """An equivalent `torch.nn.Module` with copies of the weights (see the module docstring)."""
    torch = require("torch", "nn.export.to_torch")
    if not isinstance(model, Module):
        raise TypeError(f"to_torch: expected a glassgrad nn.Module, got {type(model).__name__}")
    from . import torch_models

    table = _to_torch_table(torch, torch_models)

    def build(m: Module) -> Any:
        row = table.get(type(m))
        if row is None:
            raise _unsupported(
                "to_torch", m, "glassgrad's built-in layers, containers, losses and models"
            )
        return row(m, build)

    converted = build(model)
    converted.load_state_dict(state_dict_to_torch(model.state_dict()), strict=True)
    _carry_flags(model, converted)
    return converted


def from_torch(module: Any) -> Module:
    """The glassgrad equivalent of a torch module (see the module docstring), weights copied."""
    torch = require("torch", "nn.export.from_torch")
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"from_torch: expected a torch.nn.Module, got {type(module).__name__}")
    from . import torch_models

    table = _from_torch_table(torch, torch_models)

    def build(m: Any) -> Module:
        row = table.get(type(m))
        if row is None:
            raise _unsupported(
                "from_torch",
                m,
                "torch.nn's counterparts of glassgrad's layers, "
                "containers and losses, and the models to_torch makes",
            )
        return row(m, build)

    converted = build(module)
    converted.load_state_dict(state_dict_from_torch(module.state_dict()), strict=True)
    _carry_flags(module, converted)
    return converted


# --------------------------------------------------------------------------- glassgrad -> torch
def _to_torch_table(torch: Any, twins: Any) -> dict[type, Callable[[Any, Callable], Any]]:
    tnn = torch.nn

    def dtype(*tensors: Any) -> Any:
        for t in tensors:
            if t is not None:
                return getattr(torch, np.dtype(t.dtype).name)
        return None

    def batch_norm(cls: Any) -> Callable:  # (and instance norm: the same arguments)
        return lambda m, _: cls(
            m.num_features,
            m.eps,
            m.momentum,
            m.affine,
            m.track_running_stats,
            dtype=dtype(m.weight, m.running_mean),
            bias=not (m.affine and m.bias is None),
        )

    def loss(cls: Any) -> Callable:
        return lambda m, _: cls(reduction=m.reduction)

    def conv(cls: Any) -> Callable:  # torch's Conv1d or Conv2d, from ours
        return lambda m, _: cls(
            m.in_channels,
            m.out_channels,
            m.kernel_size,
            stride=m.stride,
            padding=m.padding,
            dilation=m.dilation,
            groups=m.groups,
            bias=m.bias is not None,
            dtype=dtype(m.weight),
        )

    def conv_transpose(cls: Any) -> Callable:  # torch's ConvTranspose1d or 2d, from ours
        return lambda m, _: cls(
            m.in_channels,
            m.out_channels,
            m.kernel_size,
            stride=m.stride,
            padding=m.padding,
            output_padding=m.output_padding,
            groups=m.groups,
            bias=m.bias is not None,
            dilation=m.dilation,
            dtype=dtype(m.weight),
        )

    def as_torch(weight: Any) -> Any:
        return None if weight is None else torch.tensor(np.asarray(weight.data))

    def cs231n_shapes(m: Module) -> dict[str, tuple[int, ...]]:
        return {name: tuple(t.shape) for name, t in m._state_entries().items()}

    return {
        layers.Linear: lambda m, _: tnn.Linear(
            m.in_features, m.out_features, bias=m.bias is not None, dtype=dtype(m.weight)
        ),
        layers.Conv2d: conv(tnn.Conv2d),
        layers.Conv1d: conv(tnn.Conv1d),
        layers.ConvTranspose2d: conv_transpose(tnn.ConvTranspose2d),
        layers.ConvTranspose1d: conv_transpose(tnn.ConvTranspose1d),
        layers.MaxPool2d: lambda m, _: tnn.MaxPool2d(
            m.kernel_size, m.stride, m.padding, m.dilation, m.return_indices, m.ceil_mode
        ),
        layers.AvgPool2d: lambda m, _: tnn.AvgPool2d(
            m.kernel_size,
            m.stride,
            m.padding,
            m.ceil_mode,
            m.count_include_pad,
            m.divisor_override,
        ),
        layers.MaxPool1d: lambda m, _: tnn.MaxPool1d(
            m.kernel_size, m.stride, m.padding, m.dilation, m.return_indices, m.ceil_mode
        ),
        layers.MaxUnpool2d: lambda m, _: tnn.MaxUnpool2d(m.kernel_size, m.stride, m.padding),
        layers.MaxUnpool1d: lambda m, _: tnn.MaxUnpool1d(m.kernel_size, m.stride, m.padding),
        layers.AvgPool1d: lambda m, _: tnn.AvgPool1d(
            m.kernel_size, m.stride, m.padding, m.ceil_mode, m.count_include_pad
        ),
        layers.AdaptiveMaxPool2d: lambda m, _: tnn.AdaptiveMaxPool2d(
            m.output_size, m.return_indices
        ),
        layers.ReLU: lambda m, _: tnn.ReLU(),
        layers.LeakyReLU: lambda m, _: tnn.LeakyReLU(m.negative_slope),
        layers.Sigmoid: lambda m, _: tnn.Sigmoid(),
        layers.Tanh: lambda m, _: tnn.Tanh(),
        layers.Softmax: lambda m, _: tnn.Softmax(dim=m.dim),
        layers.LogSoftmax: lambda m, _: tnn.LogSoftmax(dim=m.dim),
        layers.Step: lambda m, _: twins.Step(),
        layers.Softplus: lambda m, _: tnn.Softplus(m.beta, m.threshold),
        layers.CELU: lambda m, _: tnn.CELU(m.alpha),
        layers.ELU: lambda m, _: tnn.ELU(m.alpha),
        layers.SELU: lambda m, _: tnn.SELU(),
        layers.ReLU6: lambda m, _: tnn.ReLU6(),
        layers.Hardtanh: lambda m, _: tnn.Hardtanh(m.min_val, m.max_val),
        layers.Threshold: lambda m, _: tnn.Threshold(m.threshold, m.value),
        layers.Hardsigmoid: lambda m, _: tnn.Hardsigmoid(),
        layers.Hardswish: lambda m, _: tnn.Hardswish(),
        layers.Mish: lambda m, _: tnn.Mish(),
        layers.Softsign: lambda m, _: tnn.Softsign(),
        layers.LogSigmoid: lambda m, _: tnn.LogSigmoid(),
        layers.Tanhshrink: lambda m, _: tnn.Tanhshrink(),
        layers.Softmin: lambda m, _: tnn.Softmin(dim=m.dim),
        layers.GLU: lambda m, _: tnn.GLU(m.dim),
        layers.PReLU: lambda m, _: tnn.PReLU(m.num_parameters, m.init, dtype=dtype(m.weight)),
        layers.Dropout: lambda m, _: tnn.Dropout(m.p),
        layers.BatchNorm1d: batch_norm(tnn.BatchNorm1d),
        layers.BatchNorm2d: batch_norm(tnn.BatchNorm2d),
        layers.InstanceNorm1d: batch_norm(tnn.InstanceNorm1d),
        layers.InstanceNorm2d: batch_norm(tnn.InstanceNorm2d),
        layers.GroupNorm: lambda m, _: tnn.GroupNorm(
            m.num_groups,
            m.num_channels,
            m.eps,
            m.affine,
            bias=m.bias is not None,
            dtype=dtype(m.weight),
        ),
        layers.Flatten: lambda m, _: tnn.Flatten(m.start_dim, m.end_dim),
        layers.Identity: lambda m, _: tnn.Identity(),
        Sequential: lambda m, build: tnn.Sequential(
            OrderedDict((name, build(child)) for name, child in m.named_children())
        ),
        ModuleList: lambda m, build: tnn.ModuleList([build(child) for child in m]),
        # The weights are buffers on both sides: the state dict carries their values.
        losses.CrossEntropyLoss: lambda m, _: tnn.CrossEntropyLoss(
            as_torch(m.weight),
            ignore_index=m.ignore_index,
            reduction=m.reduction,
            label_smoothing=m.label_smoothing,
        ),
        losses.NLLLoss: lambda m, _: tnn.NLLLoss(
            as_torch(m.weight), ignore_index=m.ignore_index, reduction=m.reduction
        ),
        losses.MSELoss: loss(tnn.MSELoss),
        losses.L1Loss: loss(tnn.L1Loss),
        losses.BCELoss: lambda m, _: tnn.BCELoss(as_torch(m.weight), reduction=m.reduction),
        losses.BCEWithLogitsLoss: lambda m, _: tnn.BCEWithLogitsLoss(
            as_torch(m.weight), reduction=m.reduction, pos_weight=as_torch(m.pos_weight)
        ),
        losses.MultiMarginLoss: lambda m, _: tnn.MultiMarginLoss(
            m.p, m.margin, as_torch(m.weight), reduction=m.reduction
        ),
        models.MLP: lambda m, build: twins.MLP(m.sizes, *[build(child) for child in m]),
        models.TinyNet: lambda m, _: twins.TinyNet(dtype=dtype(m.conv1.weight)),
        models.TwoLayerNet: lambda m, _: twins.TwoLayerNet(
            cs231n_shapes(m), m.reg, dtype=dtype(m.W1)
        ),
        models.FullyConnectedNet: lambda m, _: twins.FullyConnectedNet(
            cs231n_shapes(m),
            [name for name, _ in m.named_buffers()],
            num_layers=m.num_layers,
            keep_ratio=m.keep_ratio,
            normalization=m.normalization,
            reg=m.reg,
            seed=m.seed,
            dtype=dtype(m.W1),
        ),
    }


# --------------------------------------------------------------------------- torch -> glassgrad
def _from_torch_table(torch: Any, twins: Any) -> dict[type, Callable[[Any, Callable], Module]]:
    tnn = torch.nn

    def dtype(*tensors: Any) -> Any:
        for t in tensors:
            if t is not None:
                return np.dtype(str(t.dtype).removeprefix("torch."))
        return None

    def require_defaults(m: Any, **defaults: Any) -> None:
        """Raise naming the module and attribute where torch has an option glassgrad lacks."""
        for name, default in defaults.items():
            value = getattr(m, name, default)
            same = value == default or (isinstance(value, tuple) and set(value) == {default})
            if value is not default and not same:
                raise UnsupportedOpError(
                    f"from_torch: {type(m).__name__} with {name}={value!r} has no glassgrad "
                    f"equivalent (only {name}={default!r})"
                )

    def conv1d(m: Any, _: Any) -> Module:
        require_defaults(m, padding_mode="zeros")
        return layers.Conv1d(
            m.in_channels,
            m.out_channels,
            m.kernel_size,
            m.stride,
            m.padding,
            m.dilation,
            m.groups,
            bias=m.bias is not None,
            dtype=dtype(m.weight),
        )

    def conv(m: Any, _: Any) -> Module:
        require_defaults(m, padding_mode="zeros")
        return layers.Conv2d(
            m.in_channels,
            m.out_channels,
            m.kernel_size,
            m.stride,
            m.padding,
            m.dilation,
            groups=m.groups,
            bias=m.bias is not None,
            dtype=dtype(m.weight),
        )

    def conv_transpose(cls: type) -> Callable:  # our ConvTranspose1d or 2d, from torch's
        def row(m: Any, _: Any) -> Module:
            require_defaults(m, padding_mode="zeros")
            return cls(
                m.in_channels,
                m.out_channels,
                m.kernel_size,
                m.stride,
                m.padding,
                m.output_padding,
                m.groups,
                m.bias is not None,
                m.dilation,
                dtype=dtype(m.weight),
            )

        return row

    def max_pool(cls: type) -> Callable:
        def row(m: Any, _: Any) -> Module:
            return cls(
                m.kernel_size, m.stride, m.padding, m.dilation, m.return_indices, m.ceil_mode
            )

        return row

    def avg_pool(m: Any, _: Any) -> Module:
        options = (m.ceil_mode, m.count_include_pad, m.divisor_override)
        return layers.AvgPool2d(m.kernel_size, m.stride, m.padding, *options)

    def avg_pool1d(m: Any, _: Any) -> Module:
        options = (m.ceil_mode, m.count_include_pad)
        return layers.AvgPool1d(m.kernel_size, m.stride, m.padding, *options)

    def adaptive_max_pool(m: Any, _: Any) -> Module:
        return layers.AdaptiveMaxPool2d(m.output_size, m.return_indices)

    def softmax(cls: type) -> Callable:
        def row(m: Any, _: Any) -> Module:
            if m.dim is None:
                raise UnsupportedOpError(
                    f"from_torch: {type(m).__name__} without dim (implicit "
                    "dim is deprecated in PyTorch); give dim"
                )
            return cls(m.dim)

        return row

    def batch_norm(cls: type) -> Callable:  # (and instance norm: the same arguments)
        def row(m: Any, _: Any) -> Module:
            # (InstanceNorm's momentum=None is PyTorch's "no update", which glassgrad's has too)
            if m.momentum is None and not isinstance(m, tnn.modules.instancenorm._InstanceNorm):
                raise UnsupportedOpError(
                    f"from_torch: {type(m).__name__} with momentum=None "
                    "(a cumulative average) has no glassgrad equivalent"
                )
            return cls(
                m.num_features,
                m.eps,
                m.momentum,
                m.affine,
                m.track_running_stats,
                dtype=dtype(m.weight, m.running_mean),
                bias=not (m.affine and m.bias is None),
            )

        return row

    def loss(cls: type, **defaults: Any) -> Callable:
        def row(m: Any, _: Any) -> Module:
            require_defaults(m, weight=None, **defaults)
            return cls(reduction=m.reduction)

        return row

    def as_ours(weight: Any) -> Any:
        # A buffer on both sides: the state dict carries the values, this makes the slot.
        return None if weight is None else tensor(weight.detach().cpu().numpy())

    def mlp(m: Any, build: Callable) -> Module:
        children = [build(child) for child in m]
        activations = iter(children[1::2])
        model = models.MLP(m.sizes, activation=lambda: next(activations))
        for i, child in enumerate(children):
            model[i] = child
        return model

    def fully_connected(m: Any, _: Any) -> Module:
        weights = [getattr(m, f"W{i}") for i in range(1, m.num_layers + 1)]
        return models.FullyConnectedNet(
            [w.shape[1] for w in weights[:-1]],
            input_dim=weights[0].shape[0],
            num_classes=weights[-1].shape[1],
            dropout=m.keep_ratio,
            normalization=m.normalization,
            reg=m.reg,
            dtype=dtype(weights[0]),
            seed=m.seed,
        )

    return {
        tnn.Linear: lambda m, _: layers.Linear(
            m.in_features, m.out_features, bias=m.bias is not None, dtype=dtype(m.weight)
        ),
        tnn.Conv2d: conv,
        tnn.Conv1d: conv1d,
        tnn.ConvTranspose2d: conv_transpose(layers.ConvTranspose2d),
        tnn.ConvTranspose1d: conv_transpose(layers.ConvTranspose1d),
        tnn.MaxPool2d: max_pool(layers.MaxPool2d),
        tnn.AvgPool2d: avg_pool,
        tnn.MaxPool1d: max_pool(layers.MaxPool1d),
        tnn.AvgPool1d: avg_pool1d,
        tnn.AdaptiveMaxPool2d: adaptive_max_pool,
        tnn.MaxUnpool2d: lambda m, _: layers.MaxUnpool2d(m.kernel_size, m.stride, m.padding),
        tnn.MaxUnpool1d: lambda m, _: layers.MaxUnpool1d(m.kernel_size, m.stride, m.padding),
        tnn.ReLU: lambda m, _: layers.ReLU(),
        tnn.LeakyReLU: lambda m, _: layers.LeakyReLU(m.negative_slope),
        tnn.Sigmoid: lambda m, _: layers.Sigmoid(),
        tnn.Tanh: lambda m, _: layers.Tanh(),
        tnn.Softmax: softmax(layers.Softmax),
        tnn.LogSoftmax: softmax(layers.LogSoftmax),
        twins.Step: lambda m, _: layers.Step(),
        tnn.Softplus: lambda m, _: layers.Softplus(m.beta, m.threshold),
        tnn.CELU: lambda m, _: layers.CELU(m.alpha),
        tnn.ELU: lambda m, _: layers.ELU(m.alpha),
        tnn.SELU: lambda m, _: layers.SELU(),
        tnn.ReLU6: lambda m, _: layers.ReLU6(),
        tnn.Hardtanh: lambda m, _: layers.Hardtanh(m.min_val, m.max_val),
        tnn.Threshold: lambda m, _: layers.Threshold(m.threshold, m.value),
        tnn.Hardsigmoid: lambda m, _: layers.Hardsigmoid(),
        tnn.Hardswish: lambda m, _: layers.Hardswish(),
        tnn.Mish: lambda m, _: layers.Mish(),
        tnn.Softsign: lambda m, _: layers.Softsign(),
        tnn.LogSigmoid: lambda m, _: layers.LogSigmoid(),
        tnn.Tanhshrink: lambda m, _: layers.Tanhshrink(),
        tnn.Softmin: softmax(layers.Softmin),
        tnn.GLU: lambda m, _: layers.GLU(m.dim),
        tnn.PReLU: lambda m, _: layers.PReLU(m.num_parameters, m.init, dtype=dtype(m.weight)),
        tnn.Dropout: lambda m, _: layers.Dropout(m.p),
        tnn.BatchNorm1d: batch_norm(layers.BatchNorm1d),
        tnn.BatchNorm2d: batch_norm(layers.BatchNorm2d),
        tnn.InstanceNorm1d: batch_norm(layers.InstanceNorm1d),
        tnn.InstanceNorm2d: batch_norm(layers.InstanceNorm2d),
        tnn.GroupNorm: lambda m, _: layers.GroupNorm(
            m.num_groups,
            m.num_channels,
            m.eps,
            m.affine,
            dtype=dtype(m.weight),
            bias=m.bias is not None,
        ),
        tnn.Flatten: lambda m, _: layers.Flatten(m.start_dim, m.end_dim),
        tnn.Identity: lambda m, _: layers.Identity(),
        tnn.Sequential: lambda m, build: Sequential(
            {name: build(child) for name, child in m.named_children()}
        ),
        tnn.ModuleList: lambda m, build: ModuleList([build(child) for child in m]),
        tnn.CrossEntropyLoss: lambda m, _: losses.CrossEntropyLoss(
            as_ours(m.weight),
            ignore_index=m.ignore_index,
            reduction=m.reduction,
            label_smoothing=m.label_smoothing,
        ),
        tnn.NLLLoss: lambda m, _: losses.NLLLoss(
            as_ours(m.weight), ignore_index=m.ignore_index, reduction=m.reduction
        ),
        tnn.MSELoss: loss(losses.MSELoss),
        tnn.L1Loss: loss(losses.L1Loss),
        tnn.BCELoss: lambda m, _: losses.BCELoss(as_ours(m.weight), reduction=m.reduction),
        tnn.BCEWithLogitsLoss: lambda m, _: losses.BCEWithLogitsLoss(
            as_ours(m.weight), reduction=m.reduction, pos_weight=as_ours(m.pos_weight)
        ),
        tnn.MultiMarginLoss: lambda m, _: losses.MultiMarginLoss(
            m.p, m.margin, as_ours(m.weight), reduction=m.reduction
        ),
        twins.MLP: mlp,
        twins.TinyNet: lambda m, _: models.TinyNet(dtype=dtype(m.conv1.weight)),
        twins.TwoLayerNet: lambda m, _: models.TwoLayerNet(
            input_dim=m.W1.shape[0],
            hidden_dim=m.W1.shape[1],
            num_classes=m.W2.shape[1],
            reg=m.reg,
            dtype=dtype(m.W1),
        ),
        twins.FullyConnectedNet: fully_connected,
    }


# ------------------------------------------------------------------------------- helpers
def _carry_flags(source: Any, target: Any) -> None:
    """Each module's training flag, each parameter's requires_grad, from source to target
    (modules and parameters matched by their dotted names)."""
    targets = dict(target.named_modules())
    for name, module in source.named_modules():
        object.__setattr__(targets[name], "training", bool(module.training))
    params = dict(target.named_parameters())
    for name, param in source.named_parameters():
        params[name].requires_grad_(bool(param.requires_grad))


def _unsupported(where: str, module: Any, supported: str) -> UnsupportedOpError:
    cls = type(module)
    return UnsupportedOpError(
        f"{where}: {cls.__module__}.{cls.__qualname__} is not supported (a custom module: its "
        f"forward cannot be translated). Supported: {supported}; see docs/export.md"
    )
